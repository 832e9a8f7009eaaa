/*
 * 0006-gso.c: TSO/USO segmentation and TCP coalescing (core/gso).
 *
 * Every packet here is built by this file's own builders, whose checksums
 * come from a separate, deliberately plain RFC 1071 routine (16-bit
 * big-endian words, one at a time), itself checked against the example of
 * RFC 1071 3 and a published IPv4 header. gso's output is compared byte
 * for byte with what the builders make for the same segment, and
 * split(coalesce(x)) must give back x.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/gso.h"
#include "t/tap.h"

#define TCP_FIN	0x01
#define TCP_SYN	0x02
#define TCP_PSH	0x08
#define TCP_ACK	0x10
#define TCP_CWR	0x80

#define BIG	70000
#define NSEG	1400

/* --- reference checksums (RFC 1071, the plain way) ---------------- */

static uint32_t
ref_add(uint32_t s, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t
ref_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* Pseudo-header sum: RFC 9293 3.1 (IPv4), RFC 8200 8.1 (IPv6). */
static uint32_t
ref_pseudo(const uint8_t *ip, uint8_t proto, size_t l4len)
{
	uint32_t s = 0;

	if ((ip[0] >> 4) == 6)
		s = ref_add(s, ip + 8, 32);
	else
		s = ref_add(s, ip + 12, 8);
	return s + proto + (uint32_t)(l4len >> 16) + (uint32_t)(l4len & 0xffff);
}

static size_t
l4_off(const uint8_t *p)
{
	return (p[0] >> 4) == 6 ? 40 : (size_t)(p[0] & 15) * 4;
}

static uint8_t
l4_proto(const uint8_t *p)
{
	return (p[0] >> 4) == 6 ? p[6] : p[9];
}

/* 1 when the IPv4 header checksum (or an IPv6 packet) is valid. */
static int
ref_ip_ok(const uint8_t *p)
{
	return (p[0] >> 4) == 6 || ref_fold(ref_add(0, p, l4_off(p))) == 0xffff;
}

/* 1 when the TCP or UDP checksum of p[0..len) is valid. */
static int
ref_l4_ok(const uint8_t *p, size_t len)
{
	size_t o = l4_off(p);

	return ref_fold(ref_add(ref_pseudo(p, l4_proto(p), len - o), p + o,
	    len - o)) == 0xffff;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
set16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
set32(uint8_t *p, uint32_t v)
{
	set16(p, (uint16_t)(v >> 16));
	set16(p + 2, (uint16_t)v);
}

/* --- packet builders ------------------------------------------------ */

struct flow {
	int		v6;
	uint8_t		src[16], dst[16];
	uint16_t	sport, dport;
	uint32_t	ack;
	uint16_t	win;
	uint8_t		tos, ttl;	/* IPv6: traffic class, hop limit */
	uint32_t	label;		/* IPv6 flow label */
	int		df;
	int		ts;		/* NOP NOP timestamp option */
	uint32_t	tsval, tsecr;
	int		ipopt;		/* IPv4: a 4-byte NOP option */
};

static size_t
ip_hdr(uint8_t *b, const struct flow *f, uint8_t proto, size_t l4len,
    uint16_t id)
{
	size_t ihl = f->ipopt ? 24 : 20;

	if (f->v6) {
		b[0] = (uint8_t)(0x60 | f->tos >> 4);
		b[1] = (uint8_t)(f->tos << 4 | (f->label >> 16 & 0x0f));
		set16(b + 2, (uint16_t)f->label);
		set16(b + 4, (uint16_t)l4len);
		b[6] = proto;
		b[7] = f->ttl;
		memcpy(b + 8, f->src, 16);
		memcpy(b + 24, f->dst, 16);
		return 40;
	}
	b[0] = (uint8_t)(0x40 | ihl / 4);
	b[1] = f->tos;
	set16(b + 2, (uint16_t)(ihl + l4len));
	set16(b + 4, id);
	set16(b + 6, f->df ? 0x4000 : 0);
	b[8] = f->ttl;
	b[9] = proto;
	set16(b + 10, 0);
	memcpy(b + 12, f->src, 4);
	memcpy(b + 16, f->dst, 4);
	if (f->ipopt)
		memset(b + 20, 1, 4);	/* NOP NOP NOP NOP */
	set16(b + 10, (uint16_t)~ref_fold(ref_add(0, b, ihl)));
	return ihl;
}

/* A TCP segment with valid checksums; returns its length. */
static size_t
mk_tcp(uint8_t *b, const struct flow *f, uint32_t seq, uint16_t id,
    uint8_t flags, const uint8_t *pay, size_t plen)
{
	size_t thl = f->ts ? 32 : 20, o, len;
	uint8_t *t;

	o = ip_hdr(b, f, 6, thl + plen, id);
	t = b + o;
	set16(t, f->sport);
	set16(t + 2, f->dport);
	set32(t + 4, seq);
	set32(t + 8, f->ack);
	t[12] = (uint8_t)(thl / 4 << 4);
	t[13] = flags;
	set16(t + 14, f->win);
	set16(t + 16, 0);
	set16(t + 18, 0);
	if (f->ts) {
		t[20] = 1;
		t[21] = 1;
		t[22] = 8;
		t[23] = 10;
		set32(t + 24, f->tsval);
		set32(t + 28, f->tsecr);
	}
	memcpy(t + thl, pay, plen);
	len = o + thl + plen;
	set16(t + 16, (uint16_t)~ref_fold(ref_add(ref_pseudo(b, 6,
	    len - o), t, len - o)));
	return len;
}

/* A UDP datagram with valid checksums (0 sent as 0xffff). */
static size_t
mk_udp(uint8_t *b, const struct flow *f, uint16_t id, const uint8_t *pay,
    size_t plen)
{
	size_t o = ip_hdr(b, f, 17, 8 + plen, id), len = o + 8 + plen;
	uint16_t c;
	uint8_t *u = b + o;

	set16(u, f->sport);
	set16(u + 2, f->dport);
	set16(u + 4, (uint16_t)(8 + plen));
	set16(u + 6, 0);
	memcpy(u + 8, pay, plen);
	c = (uint16_t)~ref_fold(ref_add(ref_pseudo(b, 17, len - o), u,
	    len - o));
	set16(u + 6, c ? c : 0xffff);
	return len;
}

/* Turns a packet built whole by mk_tcp/mk_udp into the super-packet the
 * kernel hands a TUN reader: CHECKSUM_PARTIAL (the pseudo-header sum, not
 * inverted, in the checksum field). Fills *h for gso_size. */
static void
to_super(uint8_t *b, size_t len, size_t gso_size, struct gso_hdr *h)
{
	size_t o = l4_off(b);
	int udp = l4_proto(b) == 17;
	uint16_t ps = ref_fold(ref_pseudo(b, l4_proto(b), len - o));

	memset(h, 0, sizeof(*h));
	h->flags = GSO_F_NEEDS_CSUM;
	h->gso_type = udp ? GSO_UDP_L4 : (b[0] >> 4) == 6 ? GSO_TCPV6 :
	    GSO_TCPV4;
	h->hdr_len = (uint16_t)len;	/* as the kernel may: a hint only */
	h->gso_size = (uint16_t)gso_size;
	h->csum_start = (uint16_t)o;
	h->csum_offset = udp ? 6 : 16;
	set16(b + o + h->csum_offset, ps);
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static void
rnd_fill(uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)rnd();
}

static struct flow
mk_flow(int v6, int k)
{
	struct flow f;

	memset(&f, 0, sizeof(f));
	f.v6 = v6;
	if (v6) {
		f.src[0] = 0x20;
		f.src[1] = 0x01;
		f.src[2] = 0x0d;
		f.src[3] = 0xb8;
		memcpy(f.dst, f.src, 16);
		f.src[15] = (uint8_t)(1 + k);
		f.dst[15] = 0xfe;
	} else {
		f.src[0] = 198;
		f.src[1] = 18;
		f.src[2] = 20;
		f.src[3] = (uint8_t)(2 + k);
		f.dst[0] = 198;
		f.dst[1] = 18;
		f.dst[2] = 10;
		f.dst[3] = 1;
	}
	f.sport = (uint16_t)(40000 + k);
	f.dport = 5201;
	f.ack = 0x11223344u + (uint32_t)k;
	f.win = 502;
	f.tos = 0;
	f.ttl = 63;
	f.label = v6 ? 0x12345u : 0;
	f.df = 1;
	f.ts = 1;
	f.tsval = 1000 + (uint32_t)k;
	f.tsecr = 2000;
	return f;
}

/* --- split ----------------------------------------------------------- */

static uint8_t sbuf[BIG], pay[BIG], segbuf[64][2048], want[2048];
static struct gso_seg segs[64];

static void
segs_reset(void)
{
	size_t i;

	for (i = 0; i < 64; i++) {
		segs[i].p = segbuf[i];
		segs[i].cap = sizeof(segbuf[i]);
		segs[i].len = 0;
	}
}

/*
 * Splits a super-packet of plen payload bytes in flow f (TCP with flags,
 * or UDP) with gso_size mss, n slots at a time, and compares every
 * segment with what mk_tcp/mk_udp make for it. Returns the number of
 * mismatches (0: all good).
 */
static int
split_case(const char *name, const struct flow *f, int udp, uint8_t flags,
    size_t plen, size_t mss, size_t per_call)
{
	struct gso_split s;
	struct gso_hdr h;
	size_t len, got, i, k = 0, off = 0, chunk, wl;
	uint32_t seq = 0xfffff000u;	/* wraps within the packet */
	uint16_t id = 0xfff0;		/* so does the IPv4 ID */
	uint8_t fl;
	int bad = 0, r;

	rnd_fill(pay, plen);
	len = udp ? mk_udp(sbuf, f, id, pay, plen) :
	    mk_tcp(sbuf, f, seq, id, flags, pay, plen);
	to_super(sbuf, len, mss, &h);
	if ((r = gso_split_init(&s, &h, sbuf, len, 2048)) != 0) {
		diag("%s: init: %s", name, err_name(r));
		return 1;
	}
	if (gso_split_count(&s) != (plen + mss - 1) / mss) {
		diag("%s: count %zu", name, gso_split_count(&s));
		bad++;
	}
	while (!gso_split_done(&s)) {
		segs_reset();
		got = gso_split_next(&s, segs, per_call);
		if (got == 0 || got > per_call) {
			diag("%s: next gave %zu", name, got);
			return bad + 1;
		}
		for (i = 0; i < got; i++, k++) {
			chunk = plen - off < mss ? plen - off : mss;
			fl = flags;
			if (off + chunk < plen)
				fl &= (uint8_t)~(TCP_FIN | TCP_PSH);
			if (k > 0)
				fl &= (uint8_t)~TCP_CWR;
			wl = udp ? mk_udp(want, f, (uint16_t)(id + k),
			    pay + off, chunk) :
			    mk_tcp(want, f, seq + (uint32_t)off,
			    (uint16_t)(id + k), fl, pay + off, chunk);
			if (segs[i].len != wl ||
			    memcmp(segs[i].p, want, wl) != 0 ||
			    !ref_ip_ok(segs[i].p) ||
			    !ref_l4_ok(segs[i].p, segs[i].len)) {
				if (bad++ == 0) {
					diag("%s: segment %zu differs", name,
					    k);
					is_mem(segs[i].p, want, wl < segs[i].len
					    ? wl : segs[i].len, "segment");
				}
			}
			off += chunk;
		}
	}
	if (off != plen || gso_split_next(&s, segs, 4) != 0) {
		diag("%s: %zu of %zu payload bytes", name, off, plen);
		bad++;
	}
	return bad;
}

static void
test_hdr(void)
{
	/* virtio 1.x 5.1.6: le16 fields. */
	static const uint8_t b[GSO_VNET_HDR_LEN] = {
		0x01, 0x04, 0x4a, 0x00, 0xb4, 0x05, 0x28, 0x00, 0x10, 0x00
	};
	struct gso_hdr h;
	uint8_t e[GSO_VNET_HDR_LEN];

	gso_hdr_decode(b, &h);
	ok(h.flags == GSO_F_NEEDS_CSUM && h.gso_type == GSO_TCPV6 &&
	    h.hdr_len == 74 && h.gso_size == 1460 && h.csum_start == 40 &&
	    h.csum_offset == 16, "virtio-net header decodes little-endian");
	gso_hdr_encode(&h, e);
	is_mem(e, b, sizeof(b), "and encodes back");
}

static void
test_ref(void)
{
	/* RFC 1071 3: the sum of 0001 f203 f4f5 f6f7 is ddf2. */
	static const uint8_t rfc[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5,
	    0xf6, 0xf7 };
	/* An IPv4 header with its checksum b861 (192.168.0.1 ->
	 * 192.168.0.199, UDP, the classic worked example). */
	static const uint8_t ip[] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00,
	    0x40, 0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01,
	    0xc0, 0xa8, 0x00, 0xc7 };
	uint8_t z[20];

	is_int(ref_fold(ref_add(0, rfc, sizeof(rfc))), 0xddf2,
	    "reference checksum: RFC 1071 example");
	ok(ref_ip_ok(ip), "reference checksum: IPv4 header b861 verifies");
	memcpy(z, ip, sizeof(z));
	z[10] = z[11] = 0;
	is_int((uint16_t)~ref_fold(ref_add(0, z, sizeof(z))), 0xb861,
	    "reference checksum: and is recomputed");
}

static void
test_split(void)
{
	struct flow f4 = mk_flow(0, 0), f6 = mk_flow(1, 0), fo = mk_flow(0, 5);
	size_t mss;
	int bad;

	fo.ts = 0;
	fo.ipopt = 1;
	is_int(split_case("tcp4", &f4, 0, TCP_ACK | TCP_PSH, 64000, 1348, 64),
	    0, "TCPv4 64000 bytes / 1348: every segment as built, IDs and "
	    "sequence wrap");
	is_int(split_case("tcp4 fin cwr", &f4, 0,
	    TCP_ACK | TCP_PSH | TCP_FIN | TCP_CWR, 10000, 1000, 3), 0,
	    "TCPv4 FIN+PSH on the last only, CWR on the first only, 3 slots "
	    "at a time");
	is_int(split_case("tcp4 exact", &f4, 0, TCP_ACK, 4 * 1360, 1360, 64),
	    0, "TCPv4 payload a multiple of gso_size");
	is_int(split_case("tcp4 odd", &f4, 0, TCP_ACK, 9999, 777, 5), 0,
	    "TCPv4 odd gso_size and payload (checksums over odd lengths)");
	is_int(split_case("tcp4 ipopt", &fo, 0, TCP_ACK, 5000, 1200, 64), 0,
	    "TCPv4 with IP options, no TCP options");
	is_int(split_case("tcp6", &f6, 0, TCP_ACK | TCP_PSH, 65000, 1428, 64),
	    0, "TCPv6 65000 bytes / 1428");
	is_int(split_case("tcp6 one", &f6, 0, TCP_ACK, 500, 1428, 64), 0,
	    "TCPv6 shorter than gso_size: one segment");
	is_int(split_case("udp4", &f4, 1, 0, 30000, 1372, 64), 0,
	    "UDPv4 (USO) 30000 bytes / 1372");
	is_int(split_case("udp6", &f6, 1, 0, 20001, 1352, 7), 0,
	    "UDPv6 (USO) 20001 bytes / 1352");
	/* Every payload length around the 32-byte blocks the checksum
	 * copies, odd and even, with and without a short last segment. */
	for (mss = 1, bad = 0; mss <= 70; mss++)
		bad += split_case("sweep", mss % 2 ? &f4 : &f6, mss % 3 == 0,
		    TCP_ACK, 3 * mss + mss / 2, mss, 64);
	is_int(bad, 0, "TCP and UDP, gso_size 1..70: checksums of every "
	    "payload length");
}

static void
test_split_none(void)
{
	struct flow f = mk_flow(0, 1);
	struct gso_split s;
	struct gso_hdr h;
	size_t len, o;

	/* A single TCP packet with a partial checksum (TUN_F_CSUM). */
	rnd_fill(pay, 333);
	len = mk_tcp(want, &f, 77, 5, TCP_ACK | TCP_PSH, pay, 333);
	memcpy(sbuf, want, len);
	to_super(sbuf, len, 0, &h);
	h.gso_type = GSO_NONE;
	h.gso_size = 0;
	segs_reset();
	ok(gso_split_init(&s, &h, sbuf, len, 2048) == 0 &&
	    gso_split_count(&s) == 1 && gso_split_next(&s, segs, 64) == 1 &&
	    gso_split_done(&s) && segs[0].len == len &&
	    memcmp(segs[0].p, want, len) == 0,
	    "NEEDS_CSUM single TCP packet: checksum completed");
	is_int(gso_split_next(&s, segs, 64), 0, "and nothing more");

	/* The same for UDP: a zero sum goes out as 0xffff. */
	len = mk_udp(want, &f, 9, pay, 100);
	memcpy(sbuf, want, len);
	to_super(sbuf, len, 0, &h);
	h.gso_type = GSO_NONE;
	segs_reset();
	ok(gso_split_init(&s, &h, sbuf, len, 2048) == 0 &&
	    gso_split_next(&s, segs, 1) == 1 && segs[0].len == len &&
	    memcmp(segs[0].p, want, len) == 0 && ref_l4_ok(segs[0].p, len),
	    "NEEDS_CSUM single UDP datagram: checksum completed");

	/* Without NEEDS_CSUM: copied as it is (even with a bad sum). */
	memset(&h, 0, sizeof(h));
	sbuf[len - 1] ^= 1;
	segs_reset();
	ok(gso_split_init(&s, &h, sbuf, len, 2048) == 0 &&
	    gso_split_next(&s, segs, 1) == 1 && segs[0].len == len &&
	    memcmp(segs[0].p, sbuf, len) == 0,
	    "plain packet: copied unchanged");
	ok(gso_split_init(&s, &h, sbuf, len, len - 1) == -E_RANGE,
	    "plain packet larger than a segment: E_RANGE");
	ok(gso_split_init(&s, &h, sbuf, 0, 2048) == -E_SYNTAX,
	    "empty packet: E_SYNTAX");
	o = l4_off(sbuf);
	h.flags = GSO_F_NEEDS_CSUM;
	h.csum_start = (uint16_t)o;
	h.csum_offset = (uint16_t)(len - o - 1);
	ok(gso_split_init(&s, &h, sbuf, len, 2048) == -E_SYNTAX,
	    "checksum field past the end: E_SYNTAX");
}

static void
test_split_bad(void)
{
	struct flow f = mk_flow(0, 2), f6 = mk_flow(1, 2);
	struct gso_split s;
	struct gso_hdr h, h0;
	size_t len;

	rnd_fill(pay, 5000);
	len = mk_tcp(sbuf, &f, 1, 1, TCP_ACK, pay, 5000);
	to_super(sbuf, len, 1400, &h0);
	h = h0;
	h.gso_size = 0;
	is_int(gso_split_init(&s, &h, sbuf, len, 2048), -E_SYNTAX,
	    "gso_size 0: E_SYNTAX");
	h = h0;
	h.gso_type = GSO_UDP;
	is_int(gso_split_init(&s, &h, sbuf, len, 2048), -E_NOTSUP,
	    "UFO: E_NOTSUP");
	h.gso_type = 9;
	is_int(gso_split_init(&s, &h, sbuf, len, 2048), -E_NOTSUP,
	    "unknown GSO type: E_NOTSUP");
	h = h0;
	h.gso_type = GSO_TCPV6;
	is_int(gso_split_init(&s, &h, sbuf, len, 2048), -E_SYNTAX,
	    "TCPV6 on an IPv4 packet: E_SYNTAX");
	h = h0;
	h.gso_type = GSO_UDP_L4;
	is_int(gso_split_init(&s, &h, sbuf, len, 2048), -E_SYNTAX,
	    "UDP_L4 on a TCP packet: E_SYNTAX");
	h = h0;
	h.csum_start = 24;
	is_int(gso_split_init(&s, &h, sbuf, len, 2048), -E_SYNTAX,
	    "csum_start not the L4 header: E_SYNTAX");
	h = h0;
	h.csum_offset = 6;
	is_int(gso_split_init(&s, &h, sbuf, len, 2048), -E_SYNTAX,
	    "csum_offset not TCP's: E_SYNTAX");
	is_int(gso_split_init(&s, &h0, sbuf, len, 1400 + 39), -E_RANGE,
	    "segment above seg_max: E_RANGE");
	is_int(gso_split_init(&s, &h0, sbuf, 52, 2048), -E_SYNTAX,
	    "headers only, no payload: E_SYNTAX");
	is_int(gso_split_init(&s, &h0, sbuf, 45, 2048), -E_SYNTAX,
	    "truncated TCP header: E_SYNTAX");
	is_int(gso_split_init(&s, &h0, sbuf, 19, 2048), -E_SYNTAX,
	    "truncated IP header: E_SYNTAX");
	sbuf[12 + 20] = 0x40;		/* data offset 4: 16 bytes */
	is_int(gso_split_init(&s, &h0, sbuf, len, 2048), -E_SYNTAX,
	    "TCP data offset below 5: E_SYNTAX");
	sbuf[12 + 20] = 0x80;
	sbuf[6] |= 0x20;		/* MF */
	is_int(gso_split_init(&s, &h0, sbuf, len, 2048), -E_SYNTAX,
	    "a fragment: E_SYNTAX");
	sbuf[6] &= 0xdf;
	sbuf[0] = 0x35;
	is_int(gso_split_init(&s, &h0, sbuf, len, 2048), -E_SYNTAX,
	    "IP version 3: E_SYNTAX");

	/* USO: the UDP header must be whole too. */
	len = mk_udp(sbuf, &f, 1, pay, 3000);
	to_super(sbuf, len, 1200, &h);
	is_int(gso_split_init(&s, &h, sbuf, len, 2048), 0, "USO: fine whole");
	is_int(gso_split_init(&s, &h, sbuf, 27, 2048), -E_SYNTAX,
	    "USO: truncated UDP header: E_SYNTAX");
	is_int(gso_split_init(&s, &h, sbuf, 28, 2048), -E_SYNTAX,
	    "USO: UDP header only, no payload: E_SYNTAX");

	len = mk_tcp(sbuf, &f6, 1, 0, TCP_ACK, pay, 5000);
	to_super(sbuf, len, 1400, &h0);
	sbuf[6] = 0;			/* hop-by-hop options header */
	is_int(gso_split_init(&s, &h0, sbuf, len, 2048), -E_NOTSUP,
	    "IPv6 extension header: E_NOTSUP");
}

/* --- coalesce -------------------------------------------------------- */

#define MAXP	128

static uint8_t pk[MAXP][2048], orig[MAXP][2048], flat[BIG];
static size_t plen_[MAXP];
static int pflow[MAXP];		/* flow index, -1 for non-TCP */
static struct gso_pkt gp[MAXP];
static struct gso_out go[MAXP];
static size_t gorder[MAXP];

/* Packets whose checksums the next batch_set corrects in orig: a merged
 * packet with a bad checksum splits back with a valid one. */
static int fix_orig[MAXP];

/* Recomputes the IPv4 header and TCP checksums of p[0..len). */
static void
ref_fix(uint8_t *p, size_t len)
{
	size_t o = l4_off(p);

	if ((p[0] >> 4) == 4) {
		set16(p + 10, 0);
		set16(p + 10, (uint16_t)~ref_fold(ref_add(0, p, o)));
	}
	set16(p + o + 16, 0);
	set16(p + o + 16, (uint16_t)~ref_fold(ref_add(ref_pseudo(p,
	    l4_proto(p), len - o), p + o, len - o)));
}

static void
batch_set(size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		memcpy(orig[i], pk[i], plen_[i]);
		if (fix_orig[i])
			ref_fix(orig[i], plen_[i]);
		fix_orig[i] = 0;
		gp[i].p = pk[i];
		gp[i].len = plen_[i];
	}
}

/*
 * Checks the outputs of gso_coalesce over the n packets of the batch:
 * every index exactly once in order; single packets unchanged; merged
 * ones well-formed (header, lengths, IPv4 checksum, pseudo-header sum)
 * and split back into exactly their original packets; each flow's
 * packets in their order. Returns the number of problems.
 */
static int
check_outputs(const char *name, size_t n, size_t k)
{
	struct gso_split s;
	int seen[MAXP], last[MAXP], bad = 0;
	size_t j, m, i, o4, flen, got;
	const struct gso_out *o;

	memset(seen, 0, sizeof(seen));
	for (i = 0; i < MAXP; i++)
		last[i] = -1;
	for (j = 0; j < k; j++) {
		o = &go[j];
		if (o->count == 0 || o->start + o->count > n) {
			diag("%s: output %zu: start %zu count %zu", name, j,
			    o->start, o->count);
			return bad + 1;
		}
		for (m = 0; m < o->count; m++) {
			i = gorder[o->start + m];
			if (i >= n || seen[i]++) {
				diag("%s: index %zu twice", name, i);
				return bad + 1;
			}
			if (pflow[i] >= 0) {
				if ((int)i < last[pflow[i]]) {
					diag("%s: flow %d reordered", name,
					    pflow[i]);
					bad++;
				}
				last[pflow[i]] = (int)i;
			}
		}
		i = gorder[o->start];
		if (o->count == 1) {
			if (o->hdr.gso_type != GSO_NONE || o->hdr.flags != 0 ||
			    o->len != plen_[i] || gp[i].len != plen_[i] ||
			    memcmp(gp[i].p, orig[i], plen_[i]) != 0) {
				diag("%s: single packet %zu changed", name, i);
				bad++;
			}
			continue;
		}
		/* The super-packet: head whole, then the payloads. */
		memcpy(flat, gp[i].p, gp[i].len);
		flen = gp[i].len;
		for (m = 1; m < o->count; m++) {
			i = gorder[o->start + m];
			memcpy(flat + flen, gp[i].p + o->hlen,
			    gp[i].len - o->hlen);
			flen += gp[i].len - o->hlen;
		}
		i = gorder[o->start];
		o4 = l4_off(flat);
		if (flen != o->len || flen > 65535 ||
		    o->hdr.flags != GSO_F_NEEDS_CSUM ||
		    o->hdr.gso_type != ((flat[0] >> 4) == 6 ? GSO_TCPV6 :
		    GSO_TCPV4) || o->hdr.csum_start != o4 ||
		    o->hdr.csum_offset != 16 || o->hdr.hdr_len != o->hlen ||
		    o->hdr.gso_size != plen_[i] - o->hlen ||
		    ((flat[0] >> 4) == 6 ? get16(flat + 4) != flen - 40 :
		    get16(flat + 2) != flen || !ref_ip_ok(flat)) ||
		    get16(flat + o4 + 16) != ref_fold(ref_pseudo(flat, 6,
		    flen - o4))) {
			diag("%s: output %zu: malformed super-packet", name,
			    j);
			bad++;
			continue;
		}
		if (gso_split_init(&s, &o->hdr, flat, flen, 2048) != 0 ||
		    gso_split_count(&s) != o->count) {
			diag("%s: output %zu does not split", name, j);
			bad++;
			continue;
		}
		for (m = 0; m < o->count; m += got) {
			segs_reset();
			got = gso_split_next(&s, segs, 64);
			for (size_t q = 0; q < got; q++) {
				i = gorder[o->start + m + q];
				if (segs[q].len != plen_[i] ||
				    memcmp(segs[q].p, orig[i], plen_[i]) != 0) {
					if (bad++ == 0) {
						diag("%s: packet %zu differs "
						    "after split", name, i);
						is_mem(segs[q].p, orig[i],
						    plen_[i], "packet");
					}
				}
			}
			if (got == 0)
				break;
		}
	}
	for (i = 0; i < n; i++)
		if (!seen[i]) {
			diag("%s: packet %zu missing", name, i);
			bad++;
		}
	return bad;
}

/* Appends to the batch the packets of a TCP flow f (index fi): segments
 * of sizes sz[0..ns) from seq, IDs from id; PSH on the last if psh. */
static size_t
add_flow(size_t n, const struct flow *f, int fi, uint32_t seq, uint16_t id,
    const size_t *sz, size_t ns, int psh)
{
	size_t i;

	for (i = 0; i < ns; i++) {
		rnd_fill(pay, sz[i]);
		plen_[n] = mk_tcp(pk[n], f, seq, (uint16_t)(id + i),
		    (uint8_t)(TCP_ACK | (psh && i == ns - 1 ? TCP_PSH : 0)),
		    pay, sz[i]);
		pflow[n] = fi;
		seq += (uint32_t)sz[i];
		n++;
	}
	return n;
}

static void
test_coalesce_basic(void)
{
	static const size_t five[] = { 1360, 1360, 1360, 1360, 700 };
	struct flow f = mk_flow(0, 0), f6 = mk_flow(1, 0);
	size_t n, k;

	n = add_flow(0, &f, 0, 1000, 7, five, 5, 1);
	batch_set(n);
	k = gso_coalesce(gp, n, go, gorder);
	is_int(k, 1, "one IPv4 flow of 5 (last shorter, PSH): one output");
	ok(go[0].count == 5 && go[0].hdr.gso_size == 1360 &&
	    go[0].hdr.gso_type == GSO_TCPV4 &&
	    go[0].len == 52 + 4 * 1360 + 700 + 1360 - 1360,
	    "count 5, gso_size 1360, TCPV4, length");
	ok((gp[0].p[20 + 13] & TCP_PSH) != 0,
	    "the super-packet carries the last segment's PSH");
	is_int(check_outputs("basic4", n, k), 0,
	    "split(coalesce(x)) == x, IPv4 with timestamps");

	n = add_flow(0, &f6, 0, 0xfffffa00u, 0, five, 5, 0);
	batch_set(n);
	k = gso_coalesce(gp, n, go, gorder);
	ok(k == 1 && go[0].count == 5 && go[0].hdr.gso_type == GSO_TCPV6,
	    "IPv6 flow (sequence wrapping): one TCPV6 output of 5");
	is_int(check_outputs("basic6", n, k), 0,
	    "split(coalesce(x)) == x, IPv6");
}

/* One coalescing case over the n packets built: expects ncnt outputs
 * with counts cnt[0..ncnt). */
static void
expect_counts(const char *name, size_t n, const size_t *cnt, size_t ncnt)
{
	size_t k, j;
	int good;

	batch_set(n);
	k = gso_coalesce(gp, n, go, gorder);
	good = k == ncnt;
	for (j = 0; good && j < k; j++)
		good = go[j].count == cnt[j];
	if (!good) {
		diag("%s: %zu outputs:", name, k);
		for (j = 0; j < k; j++)
			diag("  output %zu: count %zu", j, go[j].count);
	}
	ok(good, "%s", name);
	is_int(check_outputs(name, n, k), 0, "%s: outputs check", name);
}

#define COUNTS(...)	(const size_t[]){ __VA_ARGS__ }, \
	(sizeof((const size_t[]){ __VA_ARGS__ }) / sizeof(size_t))

static void
test_coalesce_rules(void)
{
	static const size_t four[] = { 1000, 1000, 1000, 1000 };
	static const size_t grow[] = { 500, 1000, 1000 };
	struct flow f = mk_flow(0, 0), g = mk_flow(0, 1), f2;
	uint8_t u[64];
	size_t n, i;

	n = add_flow(0, &f, 0, 1, 1, four, 4, 0);
	expect_counts("in-order flow: merged", n, COUNTS(4));

	/* A gap in the sequence: two runs. */
	n = add_flow(0, &f, 0, 1, 1, four, 2, 0);
	n = add_flow(n, &f, 0, 1 + 2000 + 1, 3, four, 2, 0);
	expect_counts("sequence gap: not merged across", n, COUNTS(2, 2));

	/* Out of order: only the flow's latest super-packet is extended. */
	n = add_flow(0, &f, 0, 1001, 2, four, 1, 0);
	n = add_flow(n, &f, 0, 1, 1, four, 1, 0);
	n = add_flow(n, &f, 0, 2001, 3, four, 2, 0);
	expect_counts("out of order: not merged", n, COUNTS(1, 1, 2));

	/* Two flows interleaved: each merges on its own, in order. */
	n = add_flow(0, &f, 0, 1, 1, four, 1, 0);
	n = add_flow(n, &g, 1, 9, 50, four, 1, 0);
	n = add_flow(n, &f, 0, 1001, 2, four, 1, 0);
	n = add_flow(n, &g, 1, 1009, 51, four, 1, 0);
	expect_counts("two interleaved flows: merged per flow", n,
	    COUNTS(2, 2));

	/* PSH in the middle ends the super-packet. */
	n = add_flow(0, &f, 0, 1, 1, four, 3, 1);
	n = add_flow(n, &f, 0, 3001, 4, four, 1, 0);
	expect_counts("PSH ends a super-packet", n, COUNTS(3, 1));

	/* A larger segment after a smaller one starts anew. */
	n = add_flow(0, &f, 0, 1, 1, grow, 3, 0);
	expect_counts("larger after smaller: not merged", n, COUNTS(1, 2));

	/* Another acknowledgment number: not merged (tcp_gro_receive). */
	f2 = f;
	f2.ack++;
	n = add_flow(0, &f, 0, 1, 1, four, 1, 0);
	n = add_flow(n, &f2, 0, 1001, 2, four, 2, 0);
	n = add_flow(n, &f, 0, 3001, 4, four, 1, 0);
	expect_counts("ACK number changes: new super-packet", n,
	    COUNTS(1, 2, 1));

	/* Window, TTL, timestamp value, TOS, DF: each alone stops a
	 * merge. The flow alternates between f and a variant differing in
	 * that field only, so that each packet meets a head that differs
	 * from it in one field. */
	n = 0;
	for (i = 0; i < 5; i++) {
		f2 = f;
		if (i == 0)
			f2.win++;
		else if (i == 1)
			f2.ttl--;
		else if (i == 2)
			f2.tsval++;
		else if (i == 3)
			f2.tos = 2;
		else
			f2.df = 0;
		n = add_flow(n, &f, 0, (uint32_t)(1 + 2000 * i),
		    (uint16_t)(1 + 2 * i), four, 1, 0);
		n = add_flow(n, &f2, 0, (uint32_t)(1001 + 2000 * i),
		    (uint16_t)(2 + 2 * i), four, 1, 0);
	}
	expect_counts("window, TTL, timestamp, TOS (ECN), DF each differ: "
	    "not merged", n, COUNTS(1, 1, 1, 1, 1, 1, 1, 1, 1, 1));
	f2 = mk_flow(1, 0);
	f2.label++;
	n = add_flow(0, &f2, 0, 1, 0, four, 1, 0);
	f2.label--;
	n = add_flow(n, &f2, 0, 1001, 0, four, 2, 0);
	expect_counts("IPv6 flow label differs: not merged", n,
	    COUNTS(1, 2));

	/* IPv6 (ipv6_gro_receive, tcp_gro_receive): the traffic class and
	 * hop limit must match as well; PSH ends a super-packet; a bad TCP
	 * checksum does not stop merging (ESP authenticated the packet;
	 * see gso.h); another address in the last byte, or an IPv4 flow
	 * with the same ports, is another flow. */
	f2 = mk_flow(1, 0);
	n = add_flow(0, &f2, 0, 1, 0, four, 2, 0);
	f2.tos = 4;
	n = add_flow(n, &f2, 0, 2001, 0, four, 1, 0);
	f2.tos = 0;
	n = add_flow(n, &f2, 0, 3001, 0, four, 1, 0);
	f2.ttl--;
	n = add_flow(n, &f2, 0, 4001, 0, four, 1, 0);
	expect_counts("IPv6 traffic class, then hop limit, differs: not "
	    "merged", n, COUNTS(2, 1, 1, 1));
	f2 = mk_flow(1, 0);
	n = add_flow(0, &f2, 0, 1, 0, four, 3, 1);
	n = add_flow(n, &f2, 0, 3001, 0, four, 2, 0);
	expect_counts("IPv6: PSH ends a super-packet", n, COUNTS(3, 2));
	n = add_flow(0, &f2, 0, 1, 0, four, 4, 0);
	pk[2][40 + 32 + 100] ^= 0x40;
	fix_orig[2] = 1;
	expect_counts("IPv6: a bad TCP checksum is merged all the same", n,
	    COUNTS(4));
	g = mk_flow(1, 0);
	g.dst[15]--;
	f = mk_flow(0, 0);
	n = add_flow(0, &f2, 0, 1, 0, four, 1, 0);
	n = add_flow(n, &g, 1, 1001, 0, four, 1, 0);
	n = add_flow(n, &f, 2, 1001, 1, four, 1, 0);
	n = add_flow(n, &f2, 0, 1001, 0, four, 1, 0);
	n = add_flow(n, &g, 1, 2001, 0, four, 1, 0);
	n = add_flow(n, &f, 2, 2001, 2, four, 1, 0);
	expect_counts("IPv6 address or IPv4 with the same ports: other "
	    "flows", n, COUNTS(2, 2, 2));
	f = mk_flow(0, 0);
	g = mk_flow(0, 1);

	/* IPv4 IDs must follow on. */
	n = add_flow(0, &f, 0, 1, 1, four, 2, 0);
	n = add_flow(n, &f, 0, 2001, 9, four, 2, 0);
	expect_counts("IPv4 ID jump: not merged across", n, COUNTS(2, 2));

	/* Checksums are the peer stack's business once ESP authenticated
	 * the packet: a bad one merges (and the head's IPv4 checksum is
	 * rewritten valid, which expect_counts checks). */
	n = add_flow(0, &f, 0, 1, 1, four, 4, 0);
	pk[2][60] ^= 0x40;
	fix_orig[2] = 1;
	expect_counts("bad TCP checksum: merged all the same", n, COUNTS(4));
	n = add_flow(0, &f, 0, 1, 1, four, 4, 0);
	pk[0][10] ^= 1;
	fix_orig[0] = 1;
	expect_counts("bad IPv4 header checksum on the head: merged, "
	    "rewritten", n, COUNTS(4));

	/* FIN, SYN, a pure ACK: alone. */
	n = add_flow(0, &f, 0, 1, 1, four, 2, 0);
	plen_[n] = mk_tcp(pk[n], &f, 2001, 3, TCP_ACK | TCP_FIN, pay, 1000);
	pflow[n++] = 0;
	expect_counts("FIN: not merged", n, COUNTS(2, 1));
	plen_[0] = mk_tcp(pk[0], &f, 1, 1, TCP_SYN, pay, 0);
	plen_[1] = mk_tcp(pk[1], &f, 2, 2, TCP_ACK, pay, 0);
	plen_[2] = mk_tcp(pk[2], &f, 2, 3, TCP_ACK, pay, 0);
	pflow[0] = pflow[1] = pflow[2] = 0;
	expect_counts("SYN and pure ACKs: alone", 3, COUNTS(1, 1, 1));

	/* UDP in between, untouched; the TCP around it still merges. */
	n = add_flow(0, &f, 0, 1, 1, four, 2, 0);
	rnd_fill(u, sizeof(u));
	plen_[n] = mk_udp(pk[n], &g, 3, u, sizeof(u));
	pflow[n++] = -1;
	plen_[n] = mk_udp(pk[n], &g, 4, u, sizeof(u));
	pflow[n++] = -1;
	n = add_flow(n, &f, 0, 2001, 3, four, 2, 0);
	expect_counts("UDP untouched, TCP around it merged", n,
	    COUNTS(4, 1, 1));

	/* IPv4 fragments: never merged, the first (MF) nor a later one
	 * (an offset). Without DF, so that only the fragment bits differ. */
	f2 = f;
	f2.df = 0;
	n = add_flow(0, &f2, 0, 1, 1, four, 4, 0);
	set16(pk[1] + 6, 0x2000);		/* MF */
	ref_fix(pk[1], plen_[1]);
	set16(pk[3] + 6, 0x0001);		/* offset 8 */
	ref_fix(pk[3], plen_[3]);
	expect_counts("IPv4 fragments: not merged", n, COUNTS(1, 1, 1, 1));

	/* IPv4 options: never merged (inet_gro_receive takes 20 bytes). */
	f2 = f;
	f2.ipopt = 1;
	n = add_flow(0, &f2, 0, 1, 1, four, 3, 0);
	expect_counts("IPv4 options: not merged", n, COUNTS(1, 1, 1));

	/* Same ports, another address: another flow. */
	f2 = f;
	f2.src[3]++;
	n = add_flow(0, &f, 0, 1, 1, four, 1, 0);
	n = add_flow(n, &f2, 1, 1001, 2, four, 1, 0);
	n = add_flow(n, &f, 0, 1001, 2, four, 1, 0);
	expect_counts("other address: another flow", n, COUNTS(2, 1));
}

static void
test_coalesce_limits(void)
{
	size_t sz[MAXP], i, n, k, tot;
	struct flow f = mk_flow(0, 3);
	int good = 1;

	/* 60 x 1400: no super-packet above 64 KB. */
	for (i = 0; i < 60; i++)
		sz[i] = 1400;
	n = add_flow(0, &f, 0, 5, 5, sz, 60, 0);
	batch_set(n);
	k = gso_coalesce(gp, n, go, gorder);
	for (i = 0, tot = 0; i < k; i++) {
		good = good && go[i].len <= 65535;
		tot += go[i].count;
	}
	ok(good && k == 2 && go[0].count == (65535 - 52) / 1400 &&
	    tot == 60, "60 x 1400 bytes: two super-packets under 64 KB "
	    "(%zu, first %zu)", k, go[0].count);
	is_int(check_outputs("64k", n, k), 0, "64 KB limit: outputs check");

	/* More than GSO_BATCH_MAX packets: handled in windows. */
	for (i = 0; i < 100; i++)
		sz[i] = 200;
	n = add_flow(0, &f, 0, 5, 5, sz, 100, 1);
	batch_set(n);
	k = gso_coalesce(gp, n, go, gorder);
	ok(k == 2 && go[0].count == GSO_BATCH_MAX &&
	    go[1].count == 100 - GSO_BATCH_MAX,
	    "100 packets: windows of %d", GSO_BATCH_MAX);
	is_int(check_outputs("window", n, k), 0, "windows: outputs check");
}

/*
 * Random batches: up to 4 flows (IPv4 and IPv6, with or without
 * timestamps, random segment sizes), each in order, interleaved at
 * random with UDP datagrams and pure ACKs; sometimes a shorter last
 * segment with PSH. Every packet must come back exactly.
 */
static void
test_coalesce_random(void)
{
	struct flow fl[4];
	uint32_t seq[4];
	uint16_t id[4];
	size_t mss[4], left[4], n, k, i, sz, rounds, merged = 0, outs = 0;
	size_t nfl;
	int bad = 0, c;
	uint8_t u[200];

	diag("random seed %llx", (unsigned long long)rng);
	for (rounds = 0; rounds < 300; rounds++) {
		nfl = 1 + rnd() % 4;
		for (i = 0; i < nfl; i++) {
			fl[i] = mk_flow((int)(rnd() % 2), (int)i);
			fl[i].ts = (int)(rnd() % 2);
			seq[i] = rnd();
			id[i] = (uint16_t)rnd();
			mss[i] = 100 + rnd() % 1400;
			left[i] = 1 + rnd() % 24;
		}
		for (n = 0; n < MAXP - 1;) {
			c = (int)(rnd() % (nfl + 1));
			if ((size_t)c == nfl) {
				if (rnd() % 4 != 0)
					continue;
				/* Noise: UDP or a pure ACK of flow 0. */
				rnd_fill(u, sizeof(u));
				if (rnd() % 2)
					plen_[n] = mk_udp(pk[n], &fl[0],
					    (uint16_t)rnd(), u,
					    1 + rnd() % sizeof(u));
				else
					plen_[n] = mk_tcp(pk[n], &fl[nfl - 1],
					    seq[nfl - 1], id[nfl - 1]++,
					    TCP_ACK, u, 0);
				pflow[n++] = -1;
				continue;
			}
			if (left[c] == 0) {
				for (i = 0; i < nfl && left[i] == 0; i++)
					;
				if (i == nfl)
					break;
				continue;
			}
			sz = mss[c];
			if (left[c] == 1 && rnd() % 2)
				sz = 1 + rnd() % mss[c];
			rnd_fill(pay, sz);
			plen_[n] = mk_tcp(pk[n], &fl[c], seq[c], id[c]++,
			    (uint8_t)(TCP_ACK | (left[c] == 1 && rnd() % 2 ?
			    TCP_PSH : 0)), pay, sz);
			pflow[n++] = c;
			seq[c] += (uint32_t)sz;
			left[c]--;
		}
		/* Noise packets of flow nfl - 1 reuse its IDs: they keep
		 * their own flow index -1, the checks allow that. */
		batch_set(n);
		k = gso_coalesce(gp, n, go, gorder);
		for (i = 0; i < k; i++)
			merged += go[i].count > 1 ? go[i].count : 0;
		outs += k;
		if (check_outputs("random", n, k) != 0 && bad++ == 0)
			diag("round %zu failed", rounds);
	}
	is_int(bad, 0, "300 random batches: split(coalesce(x)) == x");
	ok(merged > outs, "and most segments were merged (%zu merged, %zu "
	    "outputs)", merged, outs);
}

int
main(void)
{
	test_ref();
	test_hdr();
	test_split();
	test_split_none();
	test_split_bad();
	test_coalesce_basic();
	test_coalesce_rules();
	test_coalesce_limits();
	test_coalesce_random();
	return done_testing();
}
