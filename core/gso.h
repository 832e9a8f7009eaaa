/*
 * gso.h: segmentation and coalescing of TCP/UDP packets for a TUN device
 * with virtio-net header offloads (Linux IFF_VNET_HDR, TUNSETOFFLOAD):
 * the userspace half of TSO/USO and GRO.
 *
 * Pure: bytes in caller buffers, no I/O, no allocation, no logging.
 *
 * Outbound, the kernel hands the TUN reader one TSO/USO "super-packet" of
 * up to 64 KB per read: one IP and TCP (or UDP) header, then the payload
 * of many segments, and a virtio-net header that gives the segment size
 * (gso_size) and says the TCP/UDP checksum is left for us to complete
 * (NEEDS_CSUM, csum_start, csum_offset). gso_split_* cuts it into the
 * segments the kernel would have sent (net/ipv4/tcp_offload.c
 * tcp_gso_segment, net/ipv4/udp_offload.c __udp_gso_segment), each with
 * its own headers and checksums, ready for ESP.
 *
 * Inbound, gso_coalesce merges the in-order TCP segments of one flow in a
 * batch of decrypted packets into one super-packet (what Linux GRO does
 * in net/ipv4/tcp_offload.c tcp_gro_receive, and wireguard-go in
 * tun/offload_linux.go tcpGRO), so that one TUN write delivers them all
 * and the kernel's TCP receive path runs once per super-packet.
 *
 * The virtio-net header (virtio 1.x, 5.1.6 "Device Operation"; Linux
 * include/uapi/linux/virtio_net.h struct virtio_net_hdr, 10 bytes) is
 * read and written here in its little-endian form (tun/ sets
 * TUNSETVNETLE, so it is little-endian on any host).
 */
#ifndef CORE_GSO_H
#define CORE_GSO_H

#include <stddef.h>
#include <stdint.h>

#define GSO_WUR		__attribute__((warn_unused_result))

/* struct virtio_net_hdr: flags, gso_type, then hdr_len, gso_size,
 * csum_start and csum_offset as le16. */
#define GSO_VNET_HDR_LEN	10

/* flags */
#define GSO_F_NEEDS_CSUM	0x01	/* complete the checksum: sum from
					 * csum_start to the end, store at
					 * csum_start + csum_offset */
#define GSO_F_DATA_VALID	0x02	/* checksum already verified */
/* gso_type */
#define GSO_NONE		0	/* a single packet */
#define GSO_TCPV4		1	/* TSO over IPv4 */
#define GSO_UDP			3	/* UFO (IP fragmentation): refused */
#define GSO_TCPV6		4	/* TSO over IPv6 */
#define GSO_UDP_L4		5	/* USO: UDP segmentation, v4 or v6 */
#define GSO_ECN			0x80	/* flag: the TCP header has CWR */

/* Largest IP packet either direction produces or accepts here (the IPv4
 * Total Length and IPv6 Payload Length limits). */
#define GSO_MAX_LEN		65535
/* Packets gso_coalesce considers together; larger batches are handled as
 * consecutive windows of this many. */
#define GSO_BATCH_MAX		64

/* A virtio-net header in host order. */
struct gso_hdr {
	uint8_t		flags;
	uint8_t		gso_type;
	uint16_t	hdr_len;	/* IP + L4 header bytes (a hint) */
	uint16_t	gso_size;	/* payload bytes per segment */
	uint16_t	csum_start;	/* offset of the L4 header */
	uint16_t	csum_offset;	/* of the checksum within it */
};

/* Decodes the GSO_VNET_HDR_LEN bytes at b (borrowed) into *h. */
void	gso_hdr_decode(const uint8_t b[static GSO_VNET_HDR_LEN],
	    struct gso_hdr *h);

/* Encodes *h into the GSO_VNET_HDR_LEN bytes at b. */
void	gso_hdr_encode(const struct gso_hdr *h,
	    uint8_t b[static GSO_VNET_HDR_LEN]);

/* Where one segment goes: p[0..cap) (borrowed); gso_split_next sets
 * len. */
struct gso_seg {
	uint8_t		*p;
	size_t		 cap;
	size_t		 len;
};

/*
 * A packet being split, embedded in the caller (no allocation). Set up by
 * gso_split_init, consumed by gso_split_next; the fields are private.
 */
struct gso_split {
	const uint8_t	*pkt;		/* borrowed */
	size_t		 len;
	size_t		 l4off;		/* IP header bytes */
	size_t		 hlen;		/* IP + L4 header bytes */
	size_t		 seg;		/* payload bytes per segment */
	size_t		 done;		/* payload bytes emitted */
	size_t		 csum_at;	/* GSO_NONE + NEEDS_CSUM: field */
	uint32_t	 seq;		/* TCP: first segment's */
	uint16_t	 ip_id;		/* IPv4: first segment's */
	uint8_t		 kind;
	uint8_t		 v6;
	uint8_t		 emitted;	/* GSO_NONE: the packet went out */
};

/*
 * Prepares to split the packet pkt[0..len) (borrowed: it must stay
 * unchanged until the split is done) that came with header *h (borrowed)
 * into segments of at most seg_max bytes each:
 *  - gso_type GSO_NONE: the packet as it is, one segment; with
 *    GSO_F_NEEDS_CSUM its checksum is completed (csum_start and
 *    csum_offset only need to lie inside the packet);
 *  - GSO_TCPV4 / GSO_TCPV6 (GSO_ECN allowed): an IPv4 packet without
 *    fragmentation or an IPv6 packet whose next header is TCP, a TCP
 *    header, and gso_size payload bytes per segment;
 *  - GSO_UDP_L4: the same with UDP.
 * The offsets come from the packet itself (the kernel's hdr_len is only a
 * hint); a NEEDS_CSUM header must agree with them.
 * Returns 0; -E_SYNTAX (malformed, or an L4 header or gso_size that does
 * not fit); -E_NOTSUP (GSO_UDP, an unknown type, IPv6 extension headers);
 * -E_RANGE (a segment would exceed seg_max bytes).
 */
int	gso_split_init(struct gso_split *s, const struct gso_hdr *h,
	    const uint8_t *pkt, size_t len, size_t seg_max) GSO_WUR;

/*
 * Writes the next segments into segs[0..n) (borrowed; each p has room for
 * seg_max bytes, and cap at least that) and sets their len; returns how
 * many it filled (fewer than n only when the packet is done). Each TCP
 * segment gets the super-packet's IP and TCP headers with: IPv4 Total
 * Length, Identification (the first segment's + index, as Linux
 * segments) and header checksum; IPv6 Payload Length; TCP sequence number
 * (+ gso_size per segment), FIN and PSH only on the last segment, CWR
 * only on the first (tcp_gso_segment); and the TCP checksum computed over
 * the pseudo-header (RFC 9293 3.1, RFC 8200 8.1) and segment. UDP
 * segments get their Length and checksum (0 sent as 0xffff, RFC 768).
 */
size_t	gso_split_next(struct gso_split *s, struct gso_seg *segs, size_t n);

/* Returns 1 when every segment of s has been written, else 0. */
int	gso_split_done(const struct gso_split *s);

/* Returns the number of segments s yields in all. */
size_t	gso_split_count(const struct gso_split *s);

/* A packet of a batch to coalesce: p[0..len), writable (borrowed). */
struct gso_pkt {
	uint8_t		*p;
	size_t		 len;
};

/*
 * One packet to write, out of gso_coalesce: the batch packets
 * order[start .. start + count) (order is gso_coalesce's argument), the
 * first whole, each following one without its first hlen bytes (its IP
 * and TCP headers), concatenated: len bytes in all, written with the
 * virtio-net header hdr. With count 1 the packet is unchanged and hdr is
 * all zero (GSO_NONE; the kernel checks its checksums itself).
 */
struct gso_out {
	struct gso_hdr	hdr;
	size_t		start;
	size_t		count;
	size_t		hlen;
	size_t		len;
};

/*
 * Coalesces the batch pkts[0..n) (borrowed) in place: consecutive TCP
 * segments of one flow merge into one super-packet when they may, by the
 * rules Linux GRO applies (tcp_gro_receive, inet_gro_receive,
 * ipv6_gro_receive) and wireguard-go's tcpGRO follows:
 *  - IPv4 with a 20-byte header (no options), not a fragment, or IPv6
 *    with TCP as next header; Total Length / Payload Length matching the
 *    packet; TCP flags ACK or ACK|PSH only, and a payload;
 *  - the same addresses and ports (the flow), the same TOS, TTL and DF
 *    (IPv4) or traffic class, flow label and hop limit (IPv6); IPv4
 *    Identification one more than the previous segment's;
 *  - the same TCP header length and option bytes, acknowledgment number,
 *    window and urgent pointer; the sequence number right after the
 *    previous segment's payload;
 *  - every payload the first one's size except a shorter last one; a PSH
 *    segment ends its super-packet; 64 KB at most.
 * Checksums are not verified: the callers hand over packets that ESP
 * authenticated end to end (RFC 4303 3.4.4), which a bad IPv4 or TCP
 * checksum could only come from the peer's own stack; as the kernel's
 * WireGuard marks decrypted packets CHECKSUM_UNNECESSARY, a merged packet
 * is written as CHECKSUM_PARTIAL and the kernel does not check it either.
 * (Verifying cost 6% of a receiving end's CPU.)
 * A merged super-packet keeps the first segment's headers with: Total /
 * Payload Length, IPv4 header checksum, PSH when its last segment had
 * it, and the pseudo-header sum in the TCP checksum field; its header is
 * GSO_TCPV4 or GSO_TCPV6 with gso_size the first payload's size and
 * NEEDS_CSUM. Everything else (UDP, other protocols, fragments, packets
 * that do not qualify) passes through alone, unchanged. A flow's packets
 * keep their order; outputs come in the order of their first packet.
 * Fills out[0..k) and order[0..n) (both n entries) and returns k.
 */
size_t	gso_coalesce(struct gso_pkt *pkts, size_t n, struct gso_out *out,
	    size_t *order);

#endif /* CORE_GSO_H */
