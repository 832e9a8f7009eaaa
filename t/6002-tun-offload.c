/*
 * 6002-tun-offload.c: a TUN device with virtio-net headers and TSO/USO
 * (TUN_OPEN_OFFLOAD) against the real kernel, in a private network
 * namespace (unshare(CLONE_NEWNET)), with core/gso on top:
 *  - an ICMP echo through tun_write_batch/tun_read_batch with headers;
 *  - a TCP connection the kernel opens through the device, whose SYN
 *    comes with a partial checksum (completed by gso_split) and whose
 *    data comes as TSO super-packets (split into segments whose
 *    checksums this file checks on its own and whose bytes are those
 *    sent);
 *  - TCP data towards the kernel's socket coalesced by gso_coalesce and
 *    written as one GSO super-packet with tun_write_iov: the socket
 *    receives every byte (the kernel accepted the header and checksum);
 *  - UDP_SEGMENT sends that come out as USO super-packets, IPv4 and IPv6;
 *  - a multi-queue device (TUN_OPEN_MULTI_QUEUE): a second queue has the
 *    first one's header and offloads, and flows of USO sends spread over
 *    both queues arrive whole.
 * Addresses: 198.18.0.0/15 (RFC 2544), 2001:db8::/32 (RFC 3849). Needs
 * root; skipped otherwise.
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <linux/if_tun.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/gso.h"
#include "tun/tun.h"
#include "t/tap.h"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT	103
#endif

#define BIG		(65536 + 512)
#define LOCAL4		"198.18.0.1"
#define PEER4		"198.18.0.2"
#define LOCAL6		"2001:db8:6::1"
#define PEER6		"2001:db8:6::2"

static uint8_t rbuf[BIG], data[200000], seen[200000];
static unsigned int off_bits;

/* --- checksums (RFC 1071), independent of core/gso -------------------- */

static uint32_t
sum16(const uint8_t *p, size_t n, uint32_t s)
{
	while (n > 1) {
		s += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		n -= 2;
	}
	if (n == 1)
		s += (uint32_t)p[0] << 8;
	return s;
}

static uint16_t
fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static size_t
l4off(const uint8_t *p)
{
	return (p[0] >> 4) == 6 ? 40 : (size_t)(p[0] & 15) * 4;
}

/* 1 when the IPv4 header (if any) and TCP/UDP checksums are valid. */
static int
csums_ok(const uint8_t *p, size_t len)
{
	size_t o = l4off(p);
	uint32_t s;

	if ((p[0] >> 4) == 4) {
		if (fold(sum16(p, o, 0)) != 0xffff)
			return 0;
		s = sum16(p + 12, 8, 0) + p[9];
	} else
		s = sum16(p + 8, 32, 0) + p[6];
	s += (uint32_t)(len - o);
	return fold(sum16(p + o, len - o, s)) == 0xffff;
}

/* --- the device ------------------------------------------------------- */

static struct tun_prefix
pfx(const char *s, unsigned int len)
{
	struct tun_prefix p;

	memset(&p, 0, sizeof(p));
	p.len = len;
	if (inet_pton(AF_INET, s, p.a) == 1)
		p.family = AF_INET;
	else if (inet_pton(AF_INET6, s, p.a) == 1)
		p.family = AF_INET6;
	else
		abort();
	return p;
}

static int
sysctl_write(const char *path, const char *val)
{
	int fd, r = -1;

	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) == -1)
		return -1;
	if (write(fd, val, strlen(val)) == (ssize_t)strlen(val))
		r = 0;
	close(fd);
	return r;
}

typedef int pkt_match(const uint8_t *, size_t, const void *);

/*
 * Reads from t for up to ms milliseconds until a packet satisfies match
 * (others are skipped); leaves it in rbuf with its header in *h and
 * returns its length, or 0.
 */
static size_t
read_until(struct tun *t, pkt_match *match, const void *arg,
    struct gso_hdr *h, int ms)
{
	struct tun_pkt pk = { .buf = rbuf, .cap = sizeof(rbuf) };
	struct pollfd pfd = { .fd = tun_fd(t), .events = POLLIN };
	int i, n;

	for (i = 0; i < ms / 10; i++) {
		if (poll(&pfd, 1, 10) < 0)
			return 0;
		while ((n = tun_read_batch(t, &pk, 1, 0)) == 1) {
			gso_hdr_decode(pk.vnet, h);
			if (match(rbuf, pk.len, arg))
				return pk.len;
		}
		if (n < 0)
			return 0;
	}
	return 0;
}

/* Matches an IPv4/IPv6 packet of protocol *arg towards PEER4/PEER6. */
static int
match_proto(const uint8_t *p, size_t len, const void *arg)
{
	uint8_t proto = *(const uint8_t *)arg;

	if (len >= 20 && (p[0] >> 4) == 4)
		return p[9] == proto;
	if (len >= 40 && (p[0] >> 4) == 6)
		return p[6] == proto;
	return 0;
}

/* Matches a TCP packet with payload. */
static int
match_tcp_data(const uint8_t *p, size_t len, const void *arg)
{
	size_t o;

	(void)arg;
	if (len < 40 || p[0] != 0x45 || p[9] != 6)
		return 0;
	o = 20 + (size_t)(p[20 + 12] >> 4) * 4;
	return len > o;
}

static int
sock_to(int af, int type, const char *src, const char *dst, uint16_t port,
    int nonblock)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	socklen_t sl = af == AF_INET ? sizeof(*s4) : sizeof(*s6);
	int fd;

	if ((fd = socket(af, type | SOCK_CLOEXEC |
	    (nonblock ? SOCK_NONBLOCK : 0), 0)) == -1)
		return -1;
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = (sa_family_t)af;
	if (inet_pton(af, src, af == AF_INET ? (void *)&s4->sin_addr :
	    (void *)&s6->sin6_addr) != 1 ||
	    bind(fd, (struct sockaddr *)&ss, sl) == -1)
		goto fail;
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = (sa_family_t)af;
	if (af == AF_INET)
		s4->sin_port = htons(port);
	else
		s6->sin6_port = htons(port);
	if (inet_pton(af, dst, af == AF_INET ? (void *)&s4->sin_addr :
	    (void *)&s6->sin6_addr) != 1)
		goto fail;
	if (connect(fd, (struct sockaddr *)&ss, sl) == -1 &&
	    errno != EINPROGRESS)
		goto fail;
	return fd;
 fail:
	close(fd);
	return -1;
}

static void
fill(uint8_t *p, size_t n, uint32_t x)
{
	size_t i;

	for (i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = (uint8_t)(x >> 16);
	}
}

/* --- tests -------------------------------------------------------------- */

static void
test_echo(struct tun *t)
{
	static uint8_t b[128];
	struct tun_pkt pk = { .buf = b, .cap = sizeof(b) };
	struct gso_hdr h;
	uint8_t icmp = 1;
	size_t len;

	/* An ICMP echo request from PEER4, virtio-net header all zero. */
	memset(b, 0, sizeof(b));
	b[0] = 0x45;
	put16(b + 2, 20 + 8 + 16);
	put16(b + 6, 0x4000);
	b[8] = 64;
	b[9] = 1;
	inet_pton(AF_INET, PEER4, b + 12);
	inet_pton(AF_INET, LOCAL4, b + 16);
	put16(b + 10, (uint16_t)~fold(sum16(b, 20, 0)));
	b[20] = 8;
	put16(b + 24, 0x6002);
	memcpy(b + 28, "offload 6002 ok!", 16);
	put16(b + 22, (uint16_t)~fold(sum16(b + 20, 24, 0)));
	pk.len = 44;
	is_int(tun_write_batch(t, &pk, 1, 0), 1,
	    "write an echo request after a zero virtio-net header");
	len = read_until(t, match_proto, &icmp, &h, 2000);
	ok(len == 44 && rbuf[20] == 0 && h.gso_type == GSO_NONE &&
	    memcmp(rbuf + 28, "offload 6002 ok!", 16) == 0 &&
	    fold(sum16(rbuf, 20, 0)) == 0xffff &&
	    fold(sum16(rbuf + 20, 24, 0)) == 0xffff,
	    "the reply comes back with a header (GSO_NONE), checksums valid");
}

/*
 * TCP: the kernel connects through the device to PEER4:80; we answer as
 * the peer, then read its data (TSO) and send it ours (coalesced).
 */
static void
test_tcp(struct tun *t)
{
	static uint8_t syn[128], seg[8][2048], segbuf[64][2048], synack[64];
	struct tun_pkt pk = { .buf = synack, .cap = sizeof(synack) };
	struct gso_seg segs[64];
	struct gso_pkt gp[8];
	struct gso_out go[8];
	struct iovec iov[10];
	struct gso_split s;
	struct gso_hdr h;
	uint8_t tcp = 6, vh[GSO_VNET_HDR_LEN];
	uint32_t cseq, sseq = 0x7a000000u, next;
	uint16_t cport;
	size_t len, i, j, k, n, got = 0, o, want = 60000, supers = 0;
	size_t maxsegs = 0, nseg, bad = 0;
	ssize_t r;
	int fd, partial;

	fd = sock_to(AF_INET, SOCK_STREAM, LOCAL4, PEER4, 80, 1);
	ok(fd != -1, "connect() to %s:80 through the device", PEER4);
	if (fd == -1)
		return;
	len = read_until(t, match_proto, &tcp, &h, 2000);
	ok(len >= 40 && (rbuf[33] & 0x02), "the SYN comes out");
	if (len < 40)
		goto out;
	memcpy(syn, rbuf, len < sizeof(syn) ? len : sizeof(syn));
	partial = (h.flags & GSO_F_NEEDS_CSUM) != 0;
	ok(!(off_bits & TUN_OFF_CSUM) || (partial && h.csum_start == 20 &&
	    h.csum_offset == 16), "with a partial checksum (NEEDS_CSUM, "
	    "start 20, offset 16)");
	for (i = 0; i < 64; i++) {
		segs[i].p = segbuf[i];
		segs[i].cap = sizeof(segbuf[i]);
	}
	ok(gso_split_init(&s, &h, rbuf, len, 2048) == 0 &&
	    gso_split_next(&s, segs, 64) == 1 && segs[0].len == len &&
	    csums_ok(segs[0].p, len), "gso_split completes it: valid");
	cseq = get32(syn + 24);
	cport = get16(syn + 20);

	/* SYN-ACK: MSS 1360, window scale 7, window 65535. */
	memset(synack, 0, sizeof(synack));
	synack[0] = 0x45;
	put16(synack + 2, 20 + 28);
	put16(synack + 6, 0x4000);
	synack[8] = 64;
	synack[9] = 6;
	inet_pton(AF_INET, PEER4, synack + 12);
	inet_pton(AF_INET, LOCAL4, synack + 16);
	put16(synack + 10, (uint16_t)~fold(sum16(synack, 20, 0)));
	put16(synack + 20, 80);
	put16(synack + 22, cport);
	put32(synack + 24, sseq);
	put32(synack + 28, cseq + 1);
	synack[32] = 7 << 4;
	synack[33] = 0x12;		/* SYN ACK */
	put16(synack + 34, 65535);
	memcpy(synack + 40, "\x02\x04\x05\x50\x01\x03\x03\x07", 8);
	put16(synack + 36, (uint16_t)~fold(sum16(synack + 20, 28,
	    sum16(synack + 12, 8, 0) + 6 + 28)));
	pk.len = 48;
	is_int(tun_write_batch(t, &pk, 1, 0), 1, "write the SYN-ACK");

	/* The kernel's data: super-packets while the window lasts. */
	fill(data, want, 42);
	for (i = 0; i < 50 && (r = send(fd, data, want, 0)) < 0 &&
	    errno == EAGAIN; i++)
		usleep(20000);
	ok(i < 50 && r > 0, "the connection is up; send %zd bytes", r);
	next = cseq + 1;
	while ((len = read_until(t, match_tcp_data, NULL, &h, 500)) > 0) {
		for (i = 0; i < 64; i++) {
			segs[i].p = segbuf[i];
			segs[i].cap = sizeof(segbuf[i]);
		}
		if (gso_split_init(&s, &h, rbuf, len, 2048) != 0) {
			bad++;
			break;
		}
		if (h.gso_type == GSO_TCPV4)
			supers++;
		nseg = 0;
		while (!gso_split_done(&s)) {
			k = gso_split_next(&s, segs, 64);
			for (i = 0; i < k; i++) {
				o = 20 + (size_t)(segs[i].p[32] >> 4) * 4;
				if (!csums_ok(segs[i].p, segs[i].len) ||
				    segs[i].len - 20 > 1360 + 20 ||
				    get16(segs[i].p + 2) != segs[i].len)
					bad++;
				/* Payload at its place in the stream. */
				j = get32(segs[i].p + 24) - (cseq + 1);
				if (j + segs[i].len - o <= sizeof(seen)) {
					memcpy(seen + j, segs[i].p + o,
					    segs[i].len - o);
					if (j + segs[i].len - o > got)
						got = j + segs[i].len - o;
				}
				if (get32(segs[i].p + 24) == next)
					next += (uint32_t)(segs[i].len - o);
			}
			nseg += k;
		}
		if (nseg > maxsegs)
			maxsegs = nseg;
	}
	diag("read %zu bytes, %zu super-packets, up to %zu segments each",
	    got, supers, maxsegs);
	ok(got > 0 && next == cseq + 1 + got && memcmp(seen, data, got) == 0,
	    "the segments carry the bytes sent, in sequence");
	is_int(bad, 0, "every segment: IPv4 and TCP checksums valid, MSS");
	if (off_bits & TUN_OFF_TSO)
		ok(supers > 0 && maxsegs >= 2, "TSO: super-packets of "
		    "several segments");
	else
		skip("no TSO on this kernel");

	/* Ours: 6 segments of 1000 bytes, PSH on the last, coalesced. */
	fill(data, 6000, 7);
	for (i = 0; i < 6; i++) {
		uint8_t *p = seg[i];

		memset(p, 0, 40);
		p[0] = 0x45;
		put16(p + 2, 20 + 20 + 1000);
		put16(p + 4, (uint16_t)(0x100 + i));
		put16(p + 6, 0x4000);
		p[8] = 64;
		p[9] = 6;
		inet_pton(AF_INET, PEER4, p + 12);
		inet_pton(AF_INET, LOCAL4, p + 16);
		put16(p + 10, (uint16_t)~fold(sum16(p, 20, 0)));
		put16(p + 20, 80);
		put16(p + 22, cport);
		put32(p + 24, sseq + 1 + (uint32_t)(i * 1000));
		put32(p + 28, next);
		p[32] = 5 << 4;
		p[33] = i == 5 ? 0x18 : 0x10;
		put16(p + 34, 2000);
		memcpy(p + 40, data + i * 1000, 1000);
		put16(p + 36, (uint16_t)~fold(sum16(p + 20, 1020,
		    sum16(p + 12, 8, 0) + 6 + 1020)));
		gp[i].p = p;
		gp[i].len = 1040;
	}
	n = gso_coalesce(gp, 6, go, (size_t[8]){ 0 });
	ok(n == 1 && go[0].count == 6 && go[0].len == 6040,
	    "6 segments coalesce into one super-packet");
	gso_hdr_encode(&go[0].hdr, vh);
	iov[0] = (struct iovec){ vh, sizeof(vh) };
	iov[1] = (struct iovec){ gp[0].p, gp[0].len };
	for (i = 1; i < 6; i++)
		iov[1 + i] = (struct iovec){ gp[i].p + 40, 1000 };
	is_int(tun_write_iov(t, iov, 7), 1, "written with one writev");
	memset(seen, 0, 6000);
	for (i = 0, got = 0; i < 100 && got < 6000; i++) {
		r = recv(fd, seen + got, 6000 - got, 0);
		if (r > 0)
			got += (size_t)r;
		else
			usleep(10000);
	}
	ok(got == 6000 && memcmp(seen, data, 6000) == 0,
	    "the kernel's socket receives all 6000 bytes, in order");
	is_int(tun_write_iov(t, iov, 0), -TUN_E_INVAL, "no iovec: INVAL");
 out:
	close(fd);
}

/* UDP_SEGMENT (UDP GSO) out through the device: USO super-packets. */
static void
test_uso(struct tun *t, int af, const char *src, const char *dst)
{
	static uint8_t segbuf[16][2048];
	struct gso_seg segs[16];
	struct gso_split s;
	struct gso_hdr h;
	uint8_t udp = 17;
	const char *fam = af == AF_INET ? "IPv4" : "IPv6";
	size_t len, i, k = 0, o, at = 0, reads = 0;
	int fd, gso = 1000, bad = 0;

	fd = sock_to(af, SOCK_DGRAM, src, dst, 9999, 0);
	if (fd == -1 || setsockopt(fd, SOL_UDP, UDP_SEGMENT, &gso,
	    sizeof(gso)) != 0) {
		skip("%s: no UDP_SEGMENT socket: %s", fam, strerror(errno));
		if (fd != -1)
			close(fd);
		return;
	}
	fill(data, 4500, 99);
	is_int(send(fd, data, 4500, 0), 4500, "%s: send 4500 bytes with "
	    "UDP_SEGMENT 1000", fam);
	while (at < 4500 && (len = read_until(t, match_proto, &udp, &h,
	    1000)) > 0) {
		reads++;
		for (i = 0; i < 16; i++) {
			segs[i].p = segbuf[i];
			segs[i].cap = sizeof(segbuf[i]);
		}
		if (gso_split_init(&s, &h, rbuf, len, 2048) != 0) {
			bad++;
			break;
		}
		k = gso_split_next(&s, segs, 16);
		for (i = 0; i < k; i++) {
			o = l4off(segs[i].p) + 8;
			if (!csums_ok(segs[i].p, segs[i].len) ||
			    segs[i].len - o != (at + 1000 <= 4500 ? 1000 :
			    4500 - at) ||
			    memcmp(segs[i].p + o, data + at, segs[i].len - o))
				bad++;
			at += segs[i].len - o;
		}
	}
	ok(at == 4500 && bad == 0, "%s: 5 datagrams, payloads and "
	    "checksums valid", fam);
	if (off_bits & TUN_OFF_USO)
		is_int(reads, 1, "%s: in one read (USO)", fam);
	else
		skip("no USO on this kernel");
	close(fd);
}

/*
 * A persistent device keeps the offloads its last opener set: a plain
 * open must switch them off, or its reads would be super-packets without
 * the header that describes them.
 */
static void
test_persist(void)
{
	static uint8_t b[BIG];
	struct tun_pkt pk = { .buf = b, .cap = sizeof(b) };
	struct pollfd pfd;
	struct tun_prefix p;
	struct tun *t = NULL;
	size_t at = 0, big = 0;
	int fd, gso = 1000, i, n;

	if (tun_open("ikego2", TUN_OPEN_CREATE | TUN_OPEN_OFFLOAD, &t) != 0 ||
	    ioctl(tun_fd(t), TUNSETPERSIST, 1) != 0) {
		ok(0, "a persistent device with offloads");
		tun_close(t);
		return;
	}
	tun_close(t);
	t = NULL;
	ok(tun_open("ikego2", TUN_OPEN_ATTACH, &t) == 0 &&
	    tun_set_nonblock(t, 1) == 0 && tun_link_up("ikego2") == 0,
	    "attach to it without TUN_OPEN_OFFLOAD");
	p = pfx("198.18.2.1", 24);
	if (t == NULL || tun_addr_add("ikego2", &p) != 0 ||
	    (fd = sock_to(AF_INET, SOCK_DGRAM, "198.18.2.1", "198.18.2.2",
	    9999, 0)) == -1) {
		ok(0, "UDP socket through it");
		goto out;
	}
	fill(data, 4500, 5);
	ok(setsockopt(fd, SOL_UDP, UDP_SEGMENT, &gso, sizeof(gso)) == 0 &&
	    send(fd, data, 4500, 0) == 4500, "send 4500 bytes, UDP_SEGMENT");
	pfd.fd = tun_fd(t);
	pfd.events = POLLIN;
	for (i = 0; i < 100 && at < 4500; i++) {
		if (poll(&pfd, 1, 10) < 0)
			break;
		while ((n = tun_read_batch(t, &pk, 1, 0)) == 1)
			if (pk.len > 28 && b[0] == 0x45 && b[9] == 17) {
				at += pk.len - 28;
				big += pk.len > 1028;
			}
	}
	ok(at == 4500 && big == 0, "plain reads: datagrams, no "
	    "super-packet (%zu bytes)", at);
	close(fd);
 out:
	if (t != NULL)
		(void)ioctl(tun_fd(t), TUNSETPERSIST, 0);
	tun_close(t);
}

/*
 * Multi-queue with offloads: the header and offloads are the device's, so
 * the second queue reads the same format. MQ_FLOWS UDP flows (one
 * destination port each) of MQ_BYTES bytes sent with UDP_SEGMENT: every
 * byte comes out of one queue or the other, and both queues carry some.
 */
#define MQ_FLOWS	16
#define MQ_BYTES	3000

static void
test_multi_queue(void)
{
	static uint8_t b[BIG];
	struct tun_pkt pk = { .buf = b, .cap = sizeof(b) };
	struct tun *q[2] = { NULL, NULL };
	struct pollfd pfd[2];
	struct tun_prefix p;
	struct gso_hdr h;
	size_t bytes[MQ_FLOWS], total = 0, bad = 0, supers = 0, per[2] = { 0 };
	int fd, gso = 1000, i, j, n, x, e = 0;
	uint16_t port;

	if (tun_open("ikegom0", TUN_OPEN_CREATE | TUN_OPEN_OFFLOAD |
	    TUN_OPEN_MULTI_QUEUE, &q[0]) != 0 ||
	    tun_open_queue(q[0], &q[1]) != 0) {
		ok(0, "a multi-queue device with offloads, two queues");
		tun_close(q[0]);
		return;
	}
	ok(1, "a multi-queue device with offloads, two queues");
	is_int(tun_offload(q[1], NULL, NULL), tun_offload(q[0], NULL, NULL),
	    "the second queue has the first one's offloads");
	is_int(tun_offload(q[0], NULL, NULL), off_bits,
	    "and they are those of a single-queue device");
	ok(tun_set_nonblock(q[0], 1) == 0 && tun_set_nonblock(q[1], 1) == 0 &&
	    tun_link_up("ikegom0") == 0, "non-blocking, link up");
	p = pfx("198.18.5.1", 24);
	is_int(tun_addr_add("ikegom0", &p), 0, "address 198.18.5.1/24");

	memset(bytes, 0, sizeof(bytes));
	fill(data, MQ_BYTES, 7);
	for (i = 0; i < MQ_FLOWS && e == 0; i++) {
		if ((fd = sock_to(AF_INET, SOCK_DGRAM, "198.18.5.1",
		    "198.18.5.2", (uint16_t)(30000 + i), 0)) == -1) {
			e = errno;
			break;
		}
		if (setsockopt(fd, SOL_UDP, UDP_SEGMENT, &gso,
		    sizeof(gso)) != 0 || send(fd, data, MQ_BYTES, 0) !=
		    MQ_BYTES)
			e = errno;
		close(fd);
	}
	is_int(e, 0, "%d flows of %d bytes sent with UDP_SEGMENT", MQ_FLOWS,
	    MQ_BYTES);
	for (x = 0; x < 2; x++) {
		pfd[x].fd = tun_fd(q[x]);
		pfd[x].events = POLLIN;
	}
	for (i = 0; i < 300 && total < (size_t)MQ_FLOWS * MQ_BYTES; i++) {
		if (poll(pfd, 2, 10) < 0)
			break;
		for (x = 0; x < 2; x++)
			while ((n = tun_read_batch(q[x], &pk, 1, 0)) == 1) {
				if (pk.len < 28 || b[0] != 0x45 || b[9] != 17)
					continue;
				gso_hdr_decode(pk.vnet, &h);
				port = get16(b + 22);
				j = port - 30000;
				if (j < 0 || j >= MQ_FLOWS)
					continue;
				/* One IP and UDP header, then the data of
				 * one datagram or of a USO super-packet. */
				if (get16(b + 2) != pk.len || memcmp(b + 28,
				    data + bytes[j] % MQ_BYTES, pk.len -
				    28) != 0)
					bad++;
				supers += h.gso_type != GSO_NONE;
				bytes[j] += pk.len - 28;
				total += pk.len - 28;
				per[x] += pk.len - 28;
			}
	}
	for (j = 0, n = 0; j < MQ_FLOWS; j++)
		n += bytes[j] == MQ_BYTES;
	is_int(n, MQ_FLOWS, "every flow arrives whole, in order");
	is_int((int)bad, 0, "headers and bytes intact in both queues");
	ok(per[0] > 0 && per[1] > 0, "both queues carry flows (%zu + %zu "
	    "bytes)", per[0], per[1]);
	if (off_bits & TUN_OFF_USO)
		ok(supers > 0, "as USO super-packets (%zu)", supers);
	else
		skip("no USO in this kernel");
	tun_close(q[0]);
	tun_close(q[1]);
}

int
main(void)
{
	const char *note = NULL;
	struct tun_prefix p;
	struct tun *t = NULL;
	int have6, e = 0;

	if (geteuid() != 0)
		skip_all("needs root (TUN devices in a private network "
		    "namespace)");
	if (access("/dev/net/tun", R_OK | W_OK) != 0)
		skip_all("no /dev/net/tun");
	if (unshare(CLONE_NEWNET) != 0)
		skip_all("cannot create a network namespace: %s",
		    strerror(errno));
	have6 = sysctl_write("/proc/sys/net/ipv6/conf/default/disable_ipv6",
	    "1") == 0;

	if (tun_open("ikego0", TUN_OPEN_CREATE | TUN_OPEN_OFFLOAD, &t) != 0)
		skip_all("cannot create a TUN device");
	off_bits = tun_offload(t, &note, &e);
	diag("offloads 0x%x%s%s", off_bits, note ? ": " : "",
	    note ? note : "");
	if (!(off_bits & TUN_OFF_VNET)) {
		ok(note != NULL, "no virtio-net header: tun_offload says why");
		tun_close(t);
		return done_testing();
	}
	ok(note == NULL || (off_bits & TUN_OFF_TSO) ||
	    !(off_bits & TUN_OFF_USO), "the offloads hang together");
	ok(tun_set_nonblock(t, 1) == 0 && tun_link_up("ikego0") == 0,
	    "non-blocking, link up");
	p = pfx(LOCAL4, 24);
	is_int(tun_addr_add("ikego0", &p), 0, "address %s/24", LOCAL4);

	test_echo(t);
	test_tcp(t);
	test_uso(t, AF_INET, LOCAL4, PEER4);
	if (have6 && sysctl_write("/proc/sys/net/ipv6/conf/ikego0/"
	    "disable_ipv6", "0") == 0) {
		p = pfx(LOCAL6, 64);
		if (tun_addr_add("ikego0", &p) == 0)
			test_uso(t, AF_INET6, LOCAL6, PEER6);
		else
			skip("IPv6 address refused");
	} else
		skip("IPv6 is not available");
	tun_close(t);

	test_persist();
	test_multi_queue();

	/* Without the flag: no header, no offloads, nothing to say. */
	is_int(tun_open("ikego1", TUN_OPEN_CREATE, &t), 0, "plain open");
	if (t != NULL) {
		e = -1;
		note = "x";
		is_int(tun_offload(t, &note, &e), 0, "plain: no offloads");
		ok(note == NULL && e == 0, "plain: no note");
		tun_close(t);
	}
	return done_testing();
}
