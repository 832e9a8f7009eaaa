/*
 * net.h: the UDP sockets of the gateway (IKE port, NAT-T port).
 *
 * net owns one socket per port and address family, watched by uv_poll on
 * the loop that main owns. We use raw fds rather than uv_udp because we
 * need IP_PKTINFO (the exact local address of each datagram, for NAT
 * detection and to answer from the address the client used) and, later,
 * batched and segmented I/O that libuv 1.44 lacks.
 *
 * On the NAT-T port (RFC 3948 2.2) a datagram starting with four zero
 * bytes is IKE (the marker is stripped), a single 0xff byte is a NAT
 * keepalive (counted and ignored), anything else is ESP. On the IKE port
 * every datagram is IKE.
 */
#ifndef CORE_NET_H
#define CORE_NET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/span.h"

struct uv_loop_s;
struct net;

/* A local/remote address pair; ports are in the sockaddrs. */
struct net_path {
	struct sockaddr_storage	local;
	struct sockaddr_storage	remote;
	int			natt;	/* arrived on / goes to the NAT-T port */
};

struct net_ops {
	/* An IKE message (marker already stripped); dgram is valid only
	 * during the call. */
	void	(*ike)(void *arg, struct span dgram, const struct net_path *p);
	/* A batch of ESP packets from the NAT-T port (one wakeup's worth):
	 * pkts[i] (writable in place, cap NET_SLOT bytes) holds lens[i]
	 * bytes that arrived along paths[i]; all valid only during the
	 * call. Packets split from one coalesced datagram (UDP_GRO) are
	 * adjacent: bytes past lens[i] may be the next packet's, so only
	 * the first lens[i] bytes may be written. At most NET_BATCH per
	 * call; one wakeup may make several calls. Optional: without it
	 * ESP is counted as dropped. */
	void	(*esp)(void *arg, uint8_t *const *pkts, const size_t *lens,
		    const struct net_path *paths, size_t n);
	void	*arg;
};

/* Datagrams read per wakeup with one recvmmsg, so one busy socket cannot
 * starve the loop (libuv's UDP path uses the same bound). */
#define NET_BATCH	32
/* Receive slot size. IKE messages above it are dropped and counted:
 * clients fragment large messages (RFC 7383) or let IP do it below 9 KB. */
#define NET_SLOT	9216

struct net_config {
	struct sockaddr_storage	addr;	/* listen address; port ignored */
	uint16_t		port;	/* IKE, normally 500 */
	uint16_t		nat_port; /* NAT-T, normally 4500 */
};

struct net_stats {
	uint64_t	rx_ike, rx_esp, rx_keepalive, tx, tx_err, tx_esp;
	uint64_t	drop_short, drop_truncated, drop_no_esp;
	uint64_t	tx_gso, rx_gro;	/* segmented sends, coalesced reads */
};

/* Opens and binds the sockets and starts watching them on loop. Returns
 * 0 and the new net in *out, or -E_SYS (errno set, nothing left open).
 * Logs the bound addresses under SUB_NET. */
int	net_start(struct uv_loop_s *loop, const struct net_config *cfg,
	    const struct net_ops *ops, struct net **out)
	    __attribute__((warn_unused_result));

/* Sends dgram along p: from p->local (when bound to a wildcard address),
 * to p->remote, on the NAT-T socket with the non-ESP marker prepended when
 * p->natt and ike is set. Returns 0 or -E_SYS; drops are counted. */
int	net_send(struct net *n, const struct net_path *p, int ike,
	    struct span dgram) __attribute__((warn_unused_result));

/* Sends n ESP packets, dgrams[i] along paths[i] (all on the NAT-T
 * socket), with as few system calls as sendmmsg allows; runs of
 * equal-length packets to one path go as one UDP_SEGMENT message when the
 * kernel supports it. Returns how many packets were sent; the rest are
 * counted as send errors. */
size_t	net_send_esp(struct net *n, const struct net_path *const *paths,
	    const struct span *dgrams, size_t count);

/* Returns the local ports actually bound (useful with port 0 in tests). */
void	net_ports(const struct net *n, uint16_t *port, uint16_t *nat_port);

/* Returns a snapshot of the counters. */
void	net_get_stats(const struct net *n, struct net_stats *st);

/* Stops watching, closes the sockets and frees n once libuv has released
 * the handles; cb (optional) runs then. NULL is a no-op. */
void	net_close(struct net *n, void (*cb)(void *), void *arg);

/* Formats a sockaddr as "198.51.100.1[500]" into buf; returns buf. */
const char *net_addr_str(const struct sockaddr *sa, char *buf, size_t len);

#define NET_ADDRSTRLEN	64

#endif /* CORE_NET_H */
