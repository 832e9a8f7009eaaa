/* gso.c: TSO/USO segmentation and TCP coalescing for virtio-net TUN I/O. */
#include "config.h"

#include <string.h>

#include "core/err.h"
#include "core/gso.h"
#include "core/span.h"

#define PROTO_TCP	6
#define PROTO_UDP	17

/* TCP flags (RFC 9293 3.1; CWR and ECE: RFC 3168 6.1). */
#define TCP_FIN		0x01
#define TCP_PSH		0x08
#define TCP_ACK		0x10
#define TCP_CWR		0x80

#define TCP_HDR_MIN	20
#define UDP_HDR_LEN	8
#define IP4_HDR_MIN	20
#define IP6_HDR_LEN	40

enum split_kind {
	K_NONE,		/* one packet, maybe with a checksum to complete */
	K_NONE_CSUM,
	K_TCP,
	K_UDP
};

void
gso_hdr_decode(const uint8_t b[static GSO_VNET_HDR_LEN], struct gso_hdr *h)
{
	h->flags = b[0];
	h->gso_type = b[1];
	h->hdr_len = (uint16_t)(b[2] | b[3] << 8);
	h->gso_size = (uint16_t)(b[4] | b[5] << 8);
	h->csum_start = (uint16_t)(b[6] | b[7] << 8);
	h->csum_offset = (uint16_t)(b[8] | b[9] << 8);
}

void
gso_hdr_encode(const struct gso_hdr *h, uint8_t b[static GSO_VNET_HDR_LEN])
{
	b[0] = h->flags;
	b[1] = h->gso_type;
	b[2] = (uint8_t)h->hdr_len;
	b[3] = (uint8_t)(h->hdr_len >> 8);
	b[4] = (uint8_t)h->gso_size;
	b[5] = (uint8_t)(h->gso_size >> 8);
	b[6] = (uint8_t)h->csum_start;
	b[7] = (uint8_t)(h->csum_start >> 8);
	b[8] = (uint8_t)h->csum_offset;
	b[9] = (uint8_t)(h->csum_offset >> 8);
}

/* Big-endian stores into headers whose bounds the caller checked. */
static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/*
 * The Internet checksum (RFC 1071). Words are loaded in host order: the
 * one's complement sum is byte-order independent (RFC 1071 2(B)), so the
 * folded 16-bit sum, stored back in host order, is the right two bytes on
 * any host. 32-bit loads into a 64-bit accumulator defer the end-around
 * carries to the fold (RFC 1071 2(C)); two accumulators keep the adds
 * independent. For the short runs: headers, and the tails of csum_copy.
 */
static uint64_t
csum_add(uint64_t sum, const uint8_t *p, size_t len)
{
	uint64_t a = 0, b = 0;
	uint32_t w[4];
	uint16_t h;
	uint8_t tail[2];

	while (len >= 16) {
		memcpy(w, p, sizeof(w));
		a += w[0];
		b += w[1];
		a += w[2];
		b += w[3];
		p += 16;
		len -= 16;
	}
	while (len >= 4) {
		memcpy(w, p, 4);
		a += w[0];
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		memcpy(&h, p, 2);
		b += h;
		p += 2;
		len -= 2;
	}
	if (len == 1) {
		/* An odd byte is the high byte of a last word padded with
		 * zero (RFC 1071 4.1). */
		tail[0] = p[0];
		tail[1] = 0;
		memcpy(&h, tail, 2);
		a += h;
	}
	return sum + a + b;
}

/* Four 32-bit lanes: SSE2 on any x86-64, NEON on arm64, plain integers
 * elsewhere (a GCC and clang extension). */
typedef uint32_t csum_v4 __attribute__((vector_size(16)));

/* 32-byte blocks per lane flush: a lane adds two 16-bit halves per block,
 * so 8192 blocks stay under 2^31. */
#define CSUM_FLUSH	8192

/*
 * csum_add of p[0..len), copying it to d on the way (d may be NULL: sum
 * only). Payloads are summed while the copy has them in registers, one
 * pass instead of two; each 32-bit lane takes the low and high 16-bit
 * words of its loads apart, which sums the same words as csum_add.
 */
static uint64_t
csum_copy(uint8_t *d, const uint8_t *p, size_t len, uint64_t sum)
{
	const csum_v4 m = { 0xffff, 0xffff, 0xffff, 0xffff };
	csum_v4 lo, hi, v, w;
	size_t n;

	while (len >= 32) {
		n = len / 32 < CSUM_FLUSH ? len / 32 : CSUM_FLUSH;
		len -= n * 32;
		lo = m ^ m;
		hi = lo;
		for (; n > 0; n--) {
			memcpy(&v, p, 16);
			memcpy(&w, p + 16, 16);
			if (d != NULL) {
				memcpy(d, &v, 16);
				memcpy(d + 16, &w, 16);
				d += 32;
			}
			lo += (v & m) + (w & m);
			hi += (v >> 16) + (w >> 16);
			p += 32;
		}
		sum += (uint64_t)lo[0] + lo[1] + lo[2] + lo[3] +
		    (uint64_t)hi[0] + hi[1] + hi[2] + hi[3];
	}
	if (d != NULL)
		memcpy(d, p, len);
	return csum_add(sum, p, len);
}

static uint16_t
csum_fold(uint64_t s)
{
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffu) + (s >> 16);
	s = (s & 0xffffu) + (s >> 16);
	return (uint16_t)s;
}

/* Stores a folded host-order sum as the two checksum bytes at p. */
static void
csum_store(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

/*
 * The pseudo-header sum (RFC 9293 3.1 for IPv4, RFC 8200 8.1 for IPv6):
 * source and destination addresses of the IP header at ip, the protocol,
 * and the L4 length (at most 65535 here, so the IPv6 32-bit length and
 * zero-padded next header sum to the same words as IPv4's).
 */
static uint64_t
csum_pseudo(const uint8_t *ip, int v6, uint8_t proto, size_t l4len)
{
	uint8_t w[4] = { 0, proto, (uint8_t)(l4len >> 8), (uint8_t)l4len };
	uint64_t s;

	s = v6 ? csum_add(0, ip + 8, 32) : csum_add(0, ip + 12, 8);
	return csum_add(s, w, sizeof(w));
}

/* Writes the IPv4 header checksum (RFC 791 3.1) of the ihl-byte header. */
static void
ip4_csum_set(uint8_t *ip, size_t ihl)
{
	ip[10] = 0;
	ip[11] = 0;
	csum_store(ip + 10, (uint16_t)~csum_fold(csum_add(0, ip, ihl)));
}

/* --- split -------------------------------------------------------- */

int
gso_split_init(struct gso_split *s, const struct gso_hdr *h,
    const uint8_t *pkt, size_t len, size_t seg_max)
{
	struct span sp = span_make(pkt, len), l4;
	uint8_t vihl, proto, doff, type = h->gso_type & ~GSO_ECN;
	uint16_t frag, id, pl;
	uint32_t seq;
	size_t ihl, thl, want_off;
	int v6;

	memset(s, 0, sizeof(*s));
	s->pkt = pkt;
	s->len = len;
	if (type == GSO_NONE) {
		if (len == 0)
			return -E_SYNTAX;
		if (len > seg_max)
			return -E_RANGE;
		s->kind = K_NONE;
		if (h->flags & GSO_F_NEEDS_CSUM) {
			/* The checksum field and the summed range must lie
			 * inside the packet. */
			if ((size_t)h->csum_start + h->csum_offset + 2 > len)
				return -E_SYNTAX;
			s->kind = K_NONE_CSUM;
			s->l4off = h->csum_start;
			s->csum_at = (size_t)h->csum_start + h->csum_offset;
		}
		return 0;
	}
	if (type != GSO_TCPV4 && type != GSO_TCPV6 && type != GSO_UDP_L4)
		return -E_NOTSUP;
	if (h->gso_size == 0)
		return -E_SYNTAX;

	/* The IP header (RFC 791 3.1, RFC 8200 3). */
	if (span_get_u8(&sp, &vihl) != 0)
		return -E_SYNTAX;
	v6 = (vihl >> 4) == 6;
	if (v6) {
		if (type == GSO_TCPV4 || span_skip(&sp, 5) != 0 ||
		    span_get_u8(&sp, &proto) != 0 || span_skip(&sp, 33) != 0)
			return -E_SYNTAX;
		ihl = IP6_HDR_LEN;
		id = 0;
	} else if ((vihl >> 4) == 4) {
		ihl = (size_t)(vihl & 0x0f) * 4;
		if (type == GSO_TCPV6 || ihl < IP4_HDR_MIN ||
		    span_skip(&sp, 3) != 0 || span_get_u16(&sp, &id) != 0 ||
		    span_get_u16(&sp, &frag) != 0 || span_skip(&sp, 1) != 0 ||
		    span_get_u8(&sp, &proto) != 0 ||
		    span_skip(&sp, ihl - 10) != 0)
			return -E_SYNTAX;
		/* A fragment cannot be segmented (MF or an offset). */
		if (frag & 0x3fff)
			return -E_SYNTAX;
	} else
		return -E_SYNTAX;
	if (proto != (type == GSO_UDP_L4 ? PROTO_UDP : PROTO_TCP))
		return v6 ? -E_NOTSUP : -E_SYNTAX;	/* v6: ext headers */

	/* The L4 header (RFC 9293 3.1, RFC 768). */
	l4 = sp;
	if (type == GSO_UDP_L4) {
		if (span_skip(&sp, UDP_HDR_LEN) != 0)
			return -E_SYNTAX;
		thl = UDP_HDR_LEN;
		seq = 0;
		want_off = 6;
		s->kind = K_UDP;
	} else {
		if (span_skip(&l4, 4) != 0 || span_get_u32(&l4, &seq) != 0 ||
		    span_skip(&l4, 4) != 0 || span_get_u8(&l4, &doff) != 0)
			return -E_SYNTAX;
		thl = (size_t)(doff >> 4) * 4;
		if (thl < TCP_HDR_MIN || span_skip(&sp, thl) != 0)
			return -E_SYNTAX;
		want_off = 16;
		s->kind = K_TCP;
	}
	if ((h->flags & GSO_F_NEEDS_CSUM) &&
	    (h->csum_start != ihl || h->csum_offset != want_off))
		return -E_SYNTAX;
	if (span_is_empty(sp))
		return -E_SYNTAX;		/* no payload to segment */
	s->l4off = ihl;
	s->hlen = ihl + thl;
	s->seg = h->gso_size;
	s->seq = seq;
	s->ip_id = id;
	s->v6 = (uint8_t)v6;
	pl = h->gso_size;
	if (sp.len < pl)
		pl = (uint16_t)sp.len;
	if (s->hlen + pl > seg_max)
		return -E_RANGE;
	if (s->hlen + pl > GSO_MAX_LEN)
		return -E_SYNTAX;
	return 0;
}

/* Copies a GSO_NONE packet to d and completes its checksum: the sum from
 * csum_start to the end, which covers the pseudo-header sum the kernel
 * left in the field; 0 is sent as 0xffff, as the kernel's
 * skb_checksum_help does. */
static void
copy_complete_csum(uint8_t *d, const uint8_t *p, size_t len, size_t start,
    size_t at)
{
	uint16_t c;

	memcpy(d, p, start);
	c = (uint16_t)~csum_fold(csum_copy(d + start, p + start, len - start,
	    0));
	csum_store(d + at, c != 0 ? c : 0xffff);
}

size_t
gso_split_next(struct gso_split *s, struct gso_seg *segs, size_t n)
{
	size_t i, plen, chunk, tot, l4len, idx;
	uint64_t sum;
	uint8_t *d, *l4;
	uint16_t c;
	int last;

	if (s->kind == K_NONE || s->kind == K_NONE_CSUM) {
		if (s->emitted || n == 0)
			return 0;
		if (s->kind == K_NONE_CSUM)
			copy_complete_csum(segs[0].p, s->pkt, s->len,
			    s->l4off, s->csum_at);
		else
			memcpy(segs[0].p, s->pkt, s->len);
		segs[0].len = s->len;
		s->emitted = 1;
		return 1;
	}
	plen = s->len - s->hlen;
	for (i = 0; i < n && s->done < plen; i++) {
		idx = s->done / s->seg;
		chunk = plen - s->done < s->seg ? plen - s->done : s->seg;
		last = s->done + chunk == plen;
		tot = s->hlen + chunk;
		l4len = tot - s->l4off;
		d = segs[i].p;
		l4 = d + s->l4off;
		memcpy(d, s->pkt, s->hlen);
		/* The payload's sum on the way: the L4 header is a whole
		 * number of words, so it adds to the header's below. */
		sum = csum_copy(d + s->hlen, s->pkt + s->hlen + s->done,
		    chunk, 0);
		if (s->v6)
			put16(d + 4, (uint16_t)l4len);
		else {
			/* Linux numbers the segments' IDs on from the first
			 * (inet_gso_segment). */
			put16(d + 2, (uint16_t)tot);
			put16(d + 4, (uint16_t)(s->ip_id + idx));
			ip4_csum_set(d, s->l4off);
		}
		if (s->kind == K_TCP) {
			put32(l4 + 4, s->seq + (uint32_t)s->done);
			/* tcp_gso_segment: FIN and PSH stay on the last
			 * segment, CWR on the first only. */
			if (!last)
				l4[13] &= (uint8_t)~(TCP_FIN | TCP_PSH);
			if (idx > 0)
				l4[13] &= (uint8_t)~TCP_CWR;
			l4[16] = 0;
			l4[17] = 0;
			c = (uint16_t)~csum_fold(csum_add(sum +
			    csum_pseudo(d, s->v6, PROTO_TCP, l4len), l4,
			    s->hlen - s->l4off));
			csum_store(l4 + 16, c);
		} else {
			put16(l4 + 4, (uint16_t)l4len);
			l4[6] = 0;
			l4[7] = 0;
			c = (uint16_t)~csum_fold(csum_add(sum +
			    csum_pseudo(d, s->v6, PROTO_UDP, l4len), l4,
			    s->hlen - s->l4off));
			/* RFC 768: a computed zero is sent as all ones. */
			csum_store(l4 + 6, c != 0 ? c : 0xffff);
		}
		segs[i].len = tot;
		s->done += chunk;
	}
	return i;
}

int
gso_split_done(const struct gso_split *s)
{
	if (s->kind == K_NONE || s->kind == K_NONE_CSUM)
		return s->emitted;
	return s->done >= s->len - s->hlen;
}

size_t
gso_split_count(const struct gso_split *s)
{
	if (s->kind == K_NONE || s->kind == K_NONE_CSUM)
		return 1;
	return (s->len - s->hlen + s->seg - 1) / s->seg;
}

/* --- coalesce ------------------------------------------------------ */

/* A TCP segment that may merge (parse_tcp said so). */
struct cand {
	size_t		l4off, hlen, plen;
	uint32_t	seq;
	uint16_t	id;
	uint8_t		v6, flags, ok;
};

/* A super-packet under construction. */
struct grp {
	size_t		head, last, count, len, seg;
	uint32_t	next_seq;
	uint16_t	next_id;
	uint8_t		closed, psh;
};

/*
 * Parses p[0..len) as a coalescing candidate (see gso_coalesce): sets
 * c->ok to 1 and fills c, or leaves c->ok 0.
 */
static void
parse_tcp(const uint8_t *p, size_t len, struct cand *c)
{
	struct span sp = span_make(p, len);
	uint8_t vihl, proto, doff;
	uint16_t tot, frag, id = 0;
	uint32_t seq;
	size_t l4off, thl;

	memset(c, 0, sizeof(*c));
	if (len > GSO_MAX_LEN || span_get_u8(&sp, &vihl) != 0)
		return;
	if (vihl == 0x45) {
		/* IPv4 without options (inet_gro_receive takes only
		 * these), and not a fragment. */
		if (span_skip(&sp, 1) != 0 || span_get_u16(&sp, &tot) != 0 ||
		    span_get_u16(&sp, &id) != 0 ||
		    span_get_u16(&sp, &frag) != 0 || span_skip(&sp, 1) != 0 ||
		    span_get_u8(&sp, &proto) != 0 || span_skip(&sp, 10) != 0 ||
		    tot != len || (frag & 0x3fff) != 0 || proto != PROTO_TCP)
			return;
		l4off = IP4_HDR_MIN;
	} else if ((vihl >> 4) == 6) {
		/* IPv6 with TCP right after the fixed header. */
		if (span_skip(&sp, 3) != 0 || span_get_u16(&sp, &tot) != 0 ||
		    span_get_u8(&sp, &proto) != 0 || span_skip(&sp, 33) != 0 ||
		    (size_t)tot + IP6_HDR_LEN != len || proto != PROTO_TCP)
			return;
		l4off = IP6_HDR_LEN;
		c->v6 = 1;
	} else
		return;
	if (span_skip(&sp, 4) != 0 || span_get_u32(&sp, &seq) != 0 ||
	    span_skip(&sp, 4) != 0 || span_get_u8(&sp, &doff) != 0 ||
	    span_get_u8(&sp, &c->flags) != 0)
		return;
	thl = (size_t)(doff >> 4) * 4;
	sp = span_make(p + l4off, len - l4off);
	if (thl < TCP_HDR_MIN || span_skip(&sp, thl) != 0 ||
	    span_is_empty(sp))
		return;
	/* Only ACK, with PSH on the last: SYN, FIN, RST, URG, ECE and CWR
	 * change what the receiver must see per segment (tcp_gro_receive
	 * flushes on them; tcpGRO takes ACK and ACK|PSH only). */
	if (c->flags != TCP_ACK && c->flags != (TCP_ACK | TCP_PSH))
		return;
	c->l4off = l4off;
	c->hlen = l4off + thl;
	c->plen = sp.len;
	c->seq = seq;
	c->id = id;
	c->ok = 1;
}

/* Same addresses and ports: the same flow. */
static int
same_flow(const uint8_t *a, const uint8_t *b, const struct cand *ca,
    const struct cand *cb)
{
	if (ca->v6 != cb->v6)
		return 0;
	if (ca->v6 ? memcmp(a + 8, b + 8, 32) != 0 :
	    memcmp(a + 12, b + 12, 8) != 0)
		return 0;
	return memcmp(a + ca->l4off, b + cb->l4off, 4) == 0;
}

/*
 * Whether everything but the lengths, the IPv4 ID and checksum, the
 * sequence number, the TCP checksum and PSH is the same in the head h and
 * the segment p (inet_gro_flush / ipv6_gro_receive, tcp_gro_receive).
 */
static int
same_headers(const uint8_t *h, const uint8_t *p, const struct cand *ch,
    const struct cand *cp)
{
	const uint8_t *th = h + ch->l4off, *tp = p + cp->l4off;

	if (ch->hlen != cp->hlen)
		return 0;
	if (ch->v6) {
		/* Version, traffic class, flow label; hop limit. */
		if (memcmp(h, p, 4) != 0 || h[7] != p[7])
			return 0;
	} else {
		/* TOS, DF, TTL. */
		if (h[1] != p[1] || h[6] != p[6] || h[8] != p[8])
			return 0;
	}
	/* Acknowledgment, data offset, window, urgent pointer, options. */
	return memcmp(th + 8, tp + 8, 5) == 0 &&
	    memcmp(th + 14, tp + 14, 2) == 0 &&
	    memcmp(th + 18, tp + 18, ch->hlen - ch->l4off - 18) == 0;
}

/* Whether segment i may be appended to group g. */
static int
can_append(const struct grp *g, const struct gso_pkt *pkts, const struct cand *c,
    size_t i)
{
	const struct cand *ch = &c[g->head], *ci = &c[i];

	return !g->closed && ci->seq == g->next_seq && ci->plen <= g->seg &&
	    g->len + ci->plen <= GSO_MAX_LEN &&
	    (ci->v6 || ci->id == g->next_id) &&
	    same_headers(pkts[g->head].p, pkts[i].p, ch, ci);
}

/* Rewrites the head of a merged group and fills its output header. */
static void
finish(struct grp *g, struct gso_pkt *pkts, const struct cand *c,
    struct gso_out *o)
{
	const struct cand *ch = &c[g->head];
	uint8_t *p = pkts[g->head].p, *th = p + ch->l4off;
	size_t l4len = g->len - ch->l4off;

	memset(&o->hdr, 0, sizeof(o->hdr));
	o->count = g->count;
	if (g->count == 1) {
		o->hlen = 0;
		o->len = pkts[g->head].len;
		return;
	}
	if (ch->v6)
		put16(p + 4, (uint16_t)l4len);
	else {
		put16(p + 2, (uint16_t)g->len);
		ip4_csum_set(p, ch->l4off);
	}
	if (g->psh)
		th[13] |= TCP_PSH;
	/* CHECKSUM_PARTIAL: the field holds the pseudo-header sum, not
	 * inverted; the kernel adds the rest per segment. */
	csum_store(th + 16, csum_fold(csum_pseudo(p, ch->v6, PROTO_TCP,
	    l4len)));
	o->hdr.flags = GSO_F_NEEDS_CSUM;
	o->hdr.gso_type = ch->v6 ? GSO_TCPV6 : GSO_TCPV4;
	o->hdr.hdr_len = (uint16_t)ch->hlen;
	o->hdr.gso_size = (uint16_t)g->seg;
	o->hdr.csum_start = (uint16_t)ch->l4off;
	o->hdr.csum_offset = 16;
	o->hlen = ch->hlen;
	o->len = g->len;
}

/* Coalesces the window pkts[0..n), n <= GSO_BATCH_MAX; indices in order
 * and the outputs' start are offset by base. */
static size_t
coalesce_window(struct gso_pkt *pkts, size_t n, size_t base,
    struct gso_out *out, size_t *order)
{
	struct cand c[GSO_BATCH_MAX];
	struct grp g[GSO_BATCH_MAX];
	size_t link[GSO_BATCH_MAX];
	size_t i, j, h, ng = 0, pos = 0, k, m;
	struct grp *cur;

	for (i = 0; i < n; i++) {
		parse_tcp(pkts[i].p, pkts[i].len, &c[i]);
		link[i] = i;
		cur = NULL;
		/* The flow's latest group only: a flow's packets keep their
		 * order. */
		for (j = ng; c[i].ok && j-- > 0;) {
			h = g[j].head;
			if (c[h].ok && same_flow(pkts[h].p, pkts[i].p, &c[h],
			    &c[i])) {
				if (can_append(&g[j], pkts, c, i))
					cur = &g[j];
				break;
			}
		}
		if (cur != NULL) {
			link[cur->last] = i;
			cur->last = i;
			cur->count++;
			cur->len += c[i].plen;
			cur->next_seq += (uint32_t)c[i].plen;
			cur->next_id++;
			/* Nothing follows a short segment or PSH. */
			if (c[i].plen < cur->seg || (c[i].flags & TCP_PSH)) {
				cur->closed = 1;
				cur->psh = (c[i].flags & TCP_PSH) != 0;
			}
			continue;
		}
		cur = &g[ng++];
		memset(cur, 0, sizeof(*cur));
		cur->head = cur->last = i;
		cur->count = 1;
		cur->len = pkts[i].len;
		cur->seg = c[i].plen;
		cur->next_seq = c[i].seq + (uint32_t)c[i].plen;
		cur->next_id = (uint16_t)(c[i].id + 1);
		cur->closed = !c[i].ok || (c[i].flags & TCP_PSH) != 0;
	}
	for (j = 0; j < ng; j++) {
		out[j].start = base + pos;
		for (k = g[j].head, m = 0; m < g[j].count; m++, k = link[k])
			order[pos++] = base + k;
		finish(&g[j], pkts, c, &out[j]);
	}
	return ng;
}

size_t
gso_coalesce(struct gso_pkt *pkts, size_t n, struct gso_out *out,
    size_t *order)
{
	size_t base, w, k = 0;

	for (base = 0; base < n; base += w) {
		w = n - base < GSO_BATCH_MAX ? n - base : GSO_BATCH_MAX;
		k += coalesce_window(pkts + base, w, base, out + k,
		    order + base);
	}
	return k;
}
