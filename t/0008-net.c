/*
 * 0008-net.c: core/net on loopback (127.0.0.1, ports the kernel picks).
 *  - The loop's own sockets: IKE on the IKE port, and on the NAT-T port
 *    the RFC 3948 2.2 demultiplexing (non-ESP marker, keepalive: the one
 *    byte 0xff, not ESP whose SPI begins with it; under 4 bytes: short),
 *    ESP sent back with net_send_esp; a datagram over the slot dropped
 *    whole as truncated, one that fills it delivered.
 *  - Worker sockets: two data-plane threads, each with its own libuv loop
 *    and socket in one SO_REUSEPORT group. Many clients (one 4-tuple
 *    each) send ESP, IKE and keepalives to the NAT-T port: every ESP
 *    packet reaches exactly one worker's callback and both workers get
 *    some; every IKE message reaches the main loop's callback once, marker
 *    stripped, with its path; a UDP_SEGMENT burst that mixes IKE into ESP
 *    is split correctly; workers echo ESP with net_worker_send_esp and
 *    the loop answers IKE on the NAT-T port through a worker's socket,
 *    all from the NAT-T port; the counters add up.
 *  - The handoff queue: with the main loop stalled, a worker queues
 *    NET_IKEQ messages and counts the rest as drops; the loop then gets
 *    the queued ones in order.
 *  - Coalesced datagrams (UDP_GRO) of more segments than one recvmmsg
 *    reads datagrams: each reaches the ESP callback whole, in one call.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "core/err.h"
#include "core/log.h"
#include "core/net.h"
#include "t/tap.h"

#ifndef SOL_UDP
#define SOL_UDP		17
#endif
#ifndef UDP_SEGMENT
#define UDP_SEGMENT	103
#endif

#define NCLIENTS	64
#define ESP_LEN		100
#define IKE_LEN		36
#define OVERFLOW	(NET_IKEQ + 44)

/* --- what the callbacks saw ------------------------------------------- */

struct seen {
	int		 ike[NCLIENTS + 2];	/* per client index */
	int		 ike_bad;	/* malformed or wrong path */
	int		 ike_total;
	int		 last_seq;	/* overflow test: in order */
	int		 out_of_order;
	struct net_path	 path0;		/* client 0's IKE path */
	int		 have_path0;
	uint16_t	 nat_port;
};

struct wk {
	struct net_worker *w;
	uv_loop_t	 loop;
	uv_async_t	 stop;
	pthread_t	 th;
	int		 ready[2];
	int		 start_r;
	int		 echo;
	uint64_t	 esp;		/* packets seen (atomic) */
	uint64_t	 bad;		/* malformed (atomic) */
};

static void
msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static uint16_t
port_of(const struct sockaddr_storage *ss)
{
	return ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* An ESP-shaped datagram of client i: SPI 0x1000 + i, Seq 1, then i. */
static size_t
mk_esp(uint8_t *b, int i)
{
	put32(b, 0x1000u + (uint32_t)i);
	put32(b + 4, 1);
	memset(b + 8, i, ESP_LEN - 8);
	return ESP_LEN;
}

/* An IKE-shaped datagram with the non-ESP marker: 4 zero bytes, then
 * "IKE!", the client index and a sequence number, padded with 0x49. */
static size_t
mk_ike(uint8_t *b, int i, int seq)
{
	memset(b, 0, 4);
	memcpy(b + 4, "IKE!", 4);
	put32(b + 8, (uint32_t)i);
	put32(b + 12, (uint32_t)seq);
	memset(b + 16, 0x49, IKE_LEN - 16);
	return IKE_LEN;
}

static int
esp_ok(const uint8_t *p, size_t len)
{
	uint32_t spi;
	size_t k;

	if (len != ESP_LEN)
		return 0;
	spi = get32(p);
	if (spi < 0x1000 || spi >= 0x1000 + NCLIENTS + 2 || get32(p + 4) != 1)
		return 0;
	for (k = 8; k < len; k++)
		if (p[k] != (uint8_t)(spi - 0x1000))
			return 0;
	return 1;
}

/* --- the loop's callbacks ----------------------------------------------- */

static void
on_ike(void *arg, struct span d, const struct net_path *p)
{
	struct seen *s = arg;
	uint32_t i, seq;
	size_t k;

	s->ike_total++;
	if ((d.len != IKE_LEN - 4 && d.len != ESP_LEN - 4) ||
	    memcmp(d.p, "IKE!", 4) != 0 ||
	    !p->natt || p->remote.ss_family != AF_INET ||
	    port_of(&p->local) != s->nat_port) {
		s->ike_bad++;
		return;
	}
	for (k = 12; k < d.len; k++)
		if (d.p[k] != 0x49) {
			s->ike_bad++;
			return;
		}
	i = get32(d.p + 4);
	seq = get32(d.p + 8);
	if (i >= NCLIENTS + 2) {
		s->ike_bad++;
		return;
	}
	s->ike[i]++;
	if ((int)seq <= s->last_seq)
		s->out_of_order++;
	s->last_seq = (int)seq;
	if (i == 0 && !s->have_path0) {
		s->path0 = *p;
		s->have_path0 = 1;
	}
}

/* The loop's own ESP (no workers): counted and echoed, but for ESP whose
 * SPI begins with 0xff, only counted. The IKE callback gets the same
 * argument: seen comes first. */
struct classic {
	struct seen	 s;
	struct net	*net;
	int		 esp, bad, ff;
};

static void
on_esp_classic(void *arg, uint8_t *const *pkts, const size_t *lens,
    const struct net_path *const *paths, size_t n)
{
	struct classic *c = arg;
	const struct net_path *pp[NET_ESP_BATCH];
	struct span sp[NET_ESP_BATCH];
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		if (lens[i] == ESP_LEN && pkts[i][0] == 0xff) {
			c->ff++;
			continue;
		}
		if (esp_ok(pkts[i], lens[i]) && paths[i]->natt)
			c->esp++;
		else
			c->bad++;
		pp[k] = paths[i];
		sp[k++] = span_make(pkts[i], lens[i]);
	}
	if (k > 0 && net_send_esp(c->net, pp, sp, k) != k)
		c->bad++;
}

/* --- worker threads ------------------------------------------------------ */

static void
on_esp_worker(void *arg, uint8_t *const *pkts, const size_t *lens,
    const struct net_path *const *paths, size_t n)
{
	struct wk *k = arg;
	struct span sp[NET_ESP_BATCH];
	size_t i;

	for (i = 0; i < n; i++) {
		if (esp_ok(pkts[i], lens[i]))
			__atomic_fetch_add(&k->esp, 1, __ATOMIC_RELAXED);
		else
			__atomic_fetch_add(&k->bad, 1, __ATOMIC_RELAXED);
		sp[i] = span_make(pkts[i], lens[i]);
	}
	if (k->echo && net_worker_send_esp(k->w, paths, sp, n) != n)
		__atomic_fetch_add(&k->bad, 1, __ATOMIC_RELAXED);
}

static void
on_stop(uv_async_t *h)
{
	struct wk *k = h->data;

	net_worker_stop(k->w);
	uv_close((uv_handle_t *)&k->stop, NULL);
}

static void *
worker_main(void *arg)
{
	struct wk *k = arg;
	char c = 'r';

	k->start_r = -1;
	if (uv_loop_init(&k->loop) == 0) {
		k->stop.data = k;
		if (uv_async_init(&k->loop, &k->stop, on_stop) == 0)
			k->start_r = net_worker_start(k->w, &k->loop,
			    on_esp_worker, k);
	}
	while (write(k->ready[1], &c, 1) == -1 && errno == EINTR)
		;
	if (k->start_r != 0)
		return NULL;
	uv_run(&k->loop, UV_RUN_DEFAULT);
	if (uv_loop_close(&k->loop) != 0)
		k->start_r = -2;
	return NULL;
}

static int
workers_start(struct net *n, struct wk *k, unsigned nw, int echo)
{
	unsigned i;
	char c;

	for (i = 0; i < nw; i++) {
		memset(&k[i], 0, sizeof(k[i]));
		k[i].w = net_worker_get(n, i);
		k[i].echo = echo;
		if (k[i].w == NULL || pipe(k[i].ready) != 0 ||
		    pthread_create(&k[i].th, NULL, worker_main, &k[i]) != 0)
			return -1;
		while (read(k[i].ready[0], &c, 1) == -1 && errno == EINTR)
			;
		if (k[i].start_r != 0)
			return -1;
	}
	return 0;
}

static int
workers_stop(struct wk *k, unsigned nw)
{
	unsigned i;
	int bad = 0;

	for (i = 0; i < nw; i++) {
		uv_async_send(&k[i].stop);
		pthread_join(k[i].th, NULL);
		bad |= k[i].start_r != 0;
		close(k[i].ready[0]);
		close(k[i].ready[1]);
	}
	return bad ? -1 : 0;
}

/* --- clients ------------------------------------------------------------- */

static int
client(void)
{
	struct sockaddr_in a;
	int fd;

	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		abort();
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
		abort();
	return fd;
}

static int
send_to(int fd, uint16_t port, const void *b, size_t len)
{
	struct sockaddr_in a;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons(port);
	return sendto(fd, b, len, 0, (struct sockaddr *)&a, sizeof(a)) ==
	    (ssize_t)len ? 0 : -1;
}

/* Receives one datagram within ms; returns its length (0: none) and the
 * sender's port in *from. */
static size_t
recv_one(int fd, uint8_t *b, size_t cap, uint16_t *from, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	ssize_t n;

	if (poll(&pfd, 1, ms) != 1)
		return 0;
	n = recvfrom(fd, b, cap, MSG_DONTWAIT, (struct sockaddr *)&a, &al);
	if (n <= 0)
		return 0;
	*from = ntohs(a.sin_port);
	return (size_t)n;
}

static struct net_config
loopback_cfg(unsigned workers)
{
	struct net_config nc;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&nc.addr;

	memset(&nc, 0, sizeof(nc));
	s4->sin_family = AF_INET;
	s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	nc.workers = workers;
	return nc;
}

/* Runs loop until *done says so, sleeping a little between rounds; the
 * bound only ends a broken test, nothing is timed. */
static void
run_until(uv_loop_t *loop, int (*done)(void *), void *arg)
{
	int i;

	for (i = 0; i < 5000 && !done(arg); i++) {
		uv_run(loop, UV_RUN_NOWAIT);
		msleep(1);
	}
}

static void
closed(void *arg)
{
	*(int *)arg = 1;
}

/* --- the loop's own sockets ---------------------------------------------- */

static int
classic_done(void *arg)
{
	struct classic *c = arg;

	return c->s.ike_total >= 3 && c->esp + c->bad + c->ff >= 2;
}

static void
test_classic(void)
{
	static uint8_t b[NET_SLOT + 1];
	struct net_config nc = loopback_cfg(0);
	struct net_ops ops;
	struct net_stats st;
	struct classic c;
	uv_loop_t loop;
	uint16_t port, nat_port, from = 0;
	size_t len;
	int fd, done = 0;

	memset(&c, 0, sizeof(c));
	c.s.last_seq = -1;
	if (uv_loop_init(&loop) != 0)
		abort();
	ops.ike = on_ike;
	ops.esp = on_esp_classic;
	ops.arg = &c;
	is_int(net_start(&loop, &nc, &ops, &c.net), 0, "classic: start");
	if (c.net == NULL)
		return;
	net_ports(c.net, &port, &nat_port);
	c.s.nat_port = nat_port;
	ok(port != 0 && nat_port != 0 && port != nat_port &&
	    net_workers(c.net) == 0 && net_worker_get(c.net, 0) == NULL,
	    "classic: two ports (%u, %u), no workers", port, nat_port);
	fd = client();
	len = mk_ike(b, 0, 1);
	is_int(send_to(fd, nat_port, b, len), 0, "classic: IKE to NAT-T");
	b[0] = 0xff;
	is_int(send_to(fd, nat_port, b, 1), 0, "classic: keepalive");
	b[0] = b[1] = b[2] = 0;
	is_int(send_to(fd, nat_port, b, 2), 0, "classic: 2 bytes (short)");
	is_int(send_to(fd, nat_port, b, 3), 0, "classic: 3 bytes (short)");
	/* RFC 3948 2.3: a keepalive is the one byte 0xff; ESP whose SPI
	 * begins with 0xff is ESP. */
	len = mk_esp(b, 3);
	b[0] = 0xff;
	is_int(send_to(fd, nat_port, b, len), 0, "classic: ESP, SPI 0xff...");
	len = mk_esp(b, 3);
	is_int(send_to(fd, nat_port, b, len), 0, "classic: ESP");
	/* On the IKE port everything is IKE: no marker. A datagram larger
	 * than a slot is dropped whole, not cut short; one that fills the
	 * slot exactly arrives (bad for on_ike: not IKE-shaped). */
	memset(b, 0x49, NET_SLOT + 1);
	is_int(send_to(fd, port, b, NET_SLOT + 1), 0, "classic: a datagram "
	    "one byte over the slot to the IKE port");
	is_int(send_to(fd, port, b, NET_SLOT), 0, "classic: one that fills "
	    "the slot");
	len = mk_ike(b, 1, 2);
	is_int(send_to(fd, port, b + 4, len - 4), 0, "classic: IKE to the "
	    "IKE port");
	run_until(&loop, classic_done, &c);
	net_get_stats(c.net, &st);
	ok(c.s.ike[0] == 1 && c.s.ike_total == 3, "classic: IKE from both "
	    "ports, marker stripped");
	/* on_ike wants the NAT-T port as local port: the ones from the IKE
	 * port are counted as "bad" by that check, and only those. */
	is_int(c.s.ike_bad, 2, "classic: the IKE-port messages have natt 0");
	ok(c.esp == 1 && c.bad == 0, "classic: ESP to the callback, echoed");
	is_int(c.ff, 1, "classic: ESP with an SPI of 0xff... is ESP");
	ok(st.rx_ike == 3 && st.rx_keepalive == 1 && st.rx_esp == 2 &&
	    st.drop_short == 2 && st.drop_truncated == 1 && st.tx_esp == 1,
	    "classic: counted (ike %llu keepalive %llu esp %llu short %llu "
	    "truncated %llu)", (unsigned long long)st.rx_ike,
	    (unsigned long long)st.rx_keepalive,
	    (unsigned long long)st.rx_esp,
	    (unsigned long long)st.drop_short,
	    (unsigned long long)st.drop_truncated);
	len = recv_one(fd, b, sizeof(b), &from, 2000);
	ok(len == ESP_LEN && from == nat_port && esp_ok(b, len),
	    "classic: the ESP echo comes from the NAT-T port");
	if (c.s.have_path0) {
		len = mk_ike(b, 1, 2);
		is_int(net_send(c.net, &c.s.path0, 1, span_make(b + 4,
		    len - 4)), 0, "classic: answer on the NAT-T port");
		len = recv_one(fd, b, sizeof(b), &from, 2000);
		ok(len == IKE_LEN && from == nat_port && get32(b) == 0 &&
		    memcmp(b + 4, "IKE!", 4) == 0, "classic: the client gets "
		    "it with the marker, from port %u", from);
	} else
		skip("no path to answer along");
	close(fd);
	net_close(c.net, closed, &done);
	uv_run(&loop, UV_RUN_DEFAULT);
	ok(done, "classic: closed");
	is_int(uv_loop_close(&loop), 0, "classic: loop closes empty");
}

/* --- workers ---------------------------------------------------------- */

struct wwait {
	struct seen	*s;
	struct wk	*k;
	unsigned	 nw;
	int		 want_ike;
	uint64_t	 want_esp;
};

static int
workers_done(void *arg)
{
	struct wwait *w = arg;
	uint64_t esp = 0;
	unsigned i;

	for (i = 0; i < w->nw; i++)
		esp += __atomic_load_n(&w->k[i].esp, __ATOMIC_RELAXED) +
		    __atomic_load_n(&w->k[i].bad, __ATOMIC_RELAXED);
	return w->s->ike_total >= w->want_ike && esp >= w->want_esp;
}

static void
test_workers(void)
{
	static uint8_t b[4096];
	struct net_config nc = loopback_cfg(2);
	struct net_stats st, ws[2];
	struct net_ops ops;
	struct net *n = NULL;
	struct seen s;
	struct wk k[2];
	struct wwait ww;
	uv_loop_t loop;
	uint64_t esp[2], bad[2];
	uint16_t port, nat_port, from;
	size_t len;
	int fd[NCLIENTS + 1], i, e = 0, echoed = 0, ike_ok, done = 0, gso;

	memset(&s, 0, sizeof(s));
	s.last_seq = -1;
	if (uv_loop_init(&loop) != 0)
		abort();
	ops.ike = on_ike;
	ops.esp = NULL;
	ops.arg = &s;
	nc.workers = NET_WORKERS_MAX + 1;
	is_int(net_start(&loop, &nc, &ops, &n), -E_INVAL,
	    "more than NET_WORKERS_MAX workers: refused");
	nc.workers = 2;
	is_int(net_start(&loop, &nc, &ops, &n), 0, "two worker sockets");
	if (n == NULL)
		return;
	net_ports(n, &port, &nat_port);
	s.nat_port = nat_port;
	ok(net_workers(n) == 2 && net_worker_get(n, 2) == NULL &&
	    nat_port != 0, "net_workers 2, NAT-T port %u", nat_port);
	is_int(workers_start(n, k, 2, 1), 0, "two threads watch them");
	is_int(net_worker_start(k[0].w, &loop, on_esp_worker, &k[0]),
	    -E_STATE, "a started worker cannot start again");

	/* Each client is one 4-tuple: SO_REUSEPORT hashes it to one
	 * socket; with a random key, 64 all on one has probability 2^-63. */
	for (i = 0; i < NCLIENTS && e == 0; i++) {
		fd[i] = client();
		len = mk_esp(b, i);
		e |= send_to(fd[i], nat_port, b, len);
		len = mk_ike(b, i, i);
		e |= send_to(fd[i], nat_port, b, len);
		b[0] = 0xff;
		e |= send_to(fd[i], nat_port, b, 1);
	}
	is_int(e, 0, "%d clients send ESP, IKE and a keepalive", NCLIENTS);
	/* One UDP_SEGMENT message: ESP, IKE, ESP, ESP of equal length. The
	 * kernel delivers it coalesced (UDP_GRO) or split; IKE inside must
	 * reach the loop either way. */
	fd[NCLIENTS] = client();
	gso = ESP_LEN;
	mk_esp(b, NCLIENTS);
	/* The IKE segment is padded to ESP_LEN with its own filler. */
	mk_ike(b + ESP_LEN, NCLIENTS, 1000);
	memset(b + ESP_LEN + IKE_LEN, 0x49, ESP_LEN - IKE_LEN);
	mk_esp(b + 2 * ESP_LEN, NCLIENTS + 1);
	mk_esp(b + 3 * ESP_LEN, NCLIENTS + 1);
	ok(setsockopt(fd[NCLIENTS], SOL_UDP, UDP_SEGMENT, &gso,
	    sizeof(gso)) == 0 && send_to(fd[NCLIENTS], nat_port, b,
	    4 * ESP_LEN) == 0, "a 4-segment UDP_SEGMENT burst mixing IKE "
	    "into ESP");

	ww.s = &s;
	ww.k = k;
	ww.nw = 2;
	ww.want_ike = NCLIENTS + 1;
	ww.want_esp = NCLIENTS + 3;
	run_until(&loop, workers_done, &ww);

	ike_ok = 1;
	for (i = 0; i < NCLIENTS; i++)
		ike_ok &= s.ike[i] == 1;
	ok(ike_ok && s.ike_total == NCLIENTS + 1, "every IKE message reached "
	    "the loop once (%d)", s.ike_total);
	is_int(s.ike[NCLIENTS], 1, "the one inside the burst too");
	is_int(s.ike_bad, 0, "intact, marker stripped, NAT-T path");
	for (i = 0; i < 2; i++) {
		esp[i] = __atomic_load_n(&k[i].esp, __ATOMIC_RELAXED);
		bad[i] = __atomic_load_n(&k[i].bad, __ATOMIC_RELAXED);
	}
	is_int((int)(esp[0] + esp[1]), NCLIENTS + 3,
	    "every ESP packet reached one worker");
	is_int((int)(bad[0] + bad[1]), 0, "intact, and echoed");
	ok(esp[0] > 0 && esp[1] > 0, "both workers carry ESP (%llu + %llu)",
	    (unsigned long long)esp[0], (unsigned long long)esp[1]);

	/* The echoes and an IKE answer come from the NAT-T port. */
	for (i = 0; i < NCLIENTS; i++) {
		len = recv_one(fd[i], b, sizeof(b), &from, 2000);
		echoed += len == ESP_LEN && from == nat_port &&
		    esp_ok(b, len) && get32(b) == 0x1000u + (uint32_t)i;
	}
	is_int(echoed, NCLIENTS, "every client got its ESP back from the "
	    "NAT-T port");
	if (s.have_path0) {
		len = mk_ike(b, 0, 7);
		is_int(net_send(n, &s.path0, 1, span_make(b + 4, len - 4)), 0,
		    "the loop answers IKE on the NAT-T port");
		len = recv_one(fd[0], b, sizeof(b), &from, 2000);
		ok(len == IKE_LEN && from == nat_port && get32(b) == 0 &&
		    get32(b + 12) == 7, "through a worker's socket, marker "
		    "included");
	} else
		skip("no path to answer along");

	net_worker_get_stats(k[0].w, &ws[0]);
	net_worker_get_stats(k[1].w, &ws[1]);
	net_get_stats(n, &st);
	ok(ws[0].rx_esp + ws[1].rx_esp == NCLIENTS + 3 &&
	    st.rx_esp == NCLIENTS + 3, "rx_esp per worker adds up (%llu + "
	    "%llu)", (unsigned long long)ws[0].rx_esp,
	    (unsigned long long)ws[1].rx_esp);
	ok(ws[0].ike_queued + ws[1].ike_queued == NCLIENTS + 1 &&
	    st.rx_ike == NCLIENTS + 1 && st.drop_ike_queue == 0,
	    "IKE queued by the workers = IKE delivered by the loop");
	is_int((int)st.rx_keepalive, NCLIENTS, "keepalives counted");
	ok(st.tx_esp == NCLIENTS + 3 && st.tx == 1, "sent: %llu ESP by the "
	    "workers, 1 IKE by the loop", (unsigned long long)st.tx_esp);
	diag("coalesced reads: %llu", (unsigned long long)st.rx_gro);

	for (i = 0; i <= NCLIENTS; i++)
		close(fd[i]);
	is_int(workers_stop(k, 2), 0, "workers stop, their loops close "
	    "empty");
	net_close(n, closed, &done);
	uv_run(&loop, UV_RUN_DEFAULT);
	ok(done, "net closed");
	is_int(uv_loop_close(&loop), 0, "loop closes empty");
}

/* --- the handoff queue fills up --------------------------------------- */

struct qwait {
	struct wk	*k;
	uint64_t	 want;
};

static int
queue_done(void *arg)
{
	struct qwait *q = arg;
	struct net_stats st;

	net_worker_get_stats(q->k->w, &st);
	return st.ike_queued + st.drop_ike_queue + st.drop_truncated >= q->want;
}

static void
test_overflow(void)
{
	static uint8_t b[256];
	struct net_config nc = loopback_cfg(1);
	struct net_stats st;
	struct net_ops ops;
	struct net *n = NULL;
	struct qwait qw;
	struct seen s;
	struct wk k;
	uv_loop_t loop, idle;
	uint16_t port, nat_port;
	size_t len;
	int fd, i, e = 0, done = 0;

	memset(&s, 0, sizeof(s));
	s.last_seq = -1;
	if (uv_loop_init(&loop) != 0 || uv_loop_init(&idle) != 0)
		abort();
	ops.ike = on_ike;
	ops.esp = NULL;
	ops.arg = &s;
	is_int(net_start(&loop, &nc, &ops, &n), 0, "one worker socket");
	if (n == NULL)
		return;
	net_ports(n, &port, &nat_port);
	s.nat_port = nat_port;
	is_int(workers_start(n, &k, 1, 0), 0, "its thread");
	fd = client();
	for (i = 0; i < OVERFLOW && e == 0; i++) {
		len = mk_ike(b, 0, i);
		e = send_to(fd, nat_port, b, len);
	}
	is_int(e, 0, "%d IKE messages while the loop is busy", OVERFLOW);
	/* The main loop does not run meanwhile: nothing drains the queue.
	 * An empty loop stands in for run_until's sleeping. */
	qw.k = &k;
	qw.want = OVERFLOW;
	run_until(&idle, queue_done, &qw);
	net_worker_get_stats(k.w, &st);
	is_int((int)st.ike_queued, NET_IKEQ, "the queue took %d",
	    NET_IKEQ);
	is_int((int)st.drop_ike_queue, OVERFLOW - NET_IKEQ,
	    "the rest were dropped and counted");
	uv_run(&loop, UV_RUN_NOWAIT);
	is_int(s.ike_total, NET_IKEQ, "the loop got the queued ones");
	ok(s.out_of_order == 0 && s.ike_bad == 0, "in order, intact");
	/* The queue works again once drained. */
	len = mk_ike(b, 0, OVERFLOW);
	is_int(send_to(fd, nat_port, b, len), 0, "one more");
	qw.want = OVERFLOW + 1;
	run_until(&idle, queue_done, &qw);
	s.ike_total = 0;
	{
		int j;

		for (j = 0; j < 1000 && s.ike_total == 0; j++) {
			uv_run(&loop, UV_RUN_NOWAIT);
			msleep(1);
		}
	}
	is_int(s.ike_total, 1, "delivered after the drain");
	close(fd);
	is_int(workers_stop(&k, 1), 0, "worker stops");
	net_close(n, closed, &done);
	uv_run(&loop, UV_RUN_DEFAULT);
	ok(done, "net closed");
	is_int(uv_loop_close(&loop), 0, "loop closes empty");
	is_int(uv_loop_close(&idle), 0, "idle loop closes");
}

/* --- coalesced datagrams ----------------------------------------------- */

#define GRO_SEGS	40	/* > NET_BATCH, two > NET_ESP_BATCH */
#define GRO_SENDS	3

/* The IKE callback gets the same argument: seen comes first. */
struct grob {
	struct seen s;
	int	 calls, esp, bad;
	size_t	 n[GRO_SEGS * GRO_SENDS];	/* packets per call */
};

static void
on_esp_sizes(void *arg, uint8_t *const *pkts, const size_t *lens,
    const struct net_path *const *paths, size_t n)
{
	struct grob *g = arg;
	size_t i;

	(void)paths;
	for (i = 0; i < n; i++) {
		if (esp_ok(pkts[i], lens[i]))
			g->esp++;
		else
			g->bad++;
	}
	if (g->calls < GRO_SEGS * GRO_SENDS)
		g->n[g->calls++] = n;
}

static int
gro_done(void *arg)
{
	struct grob *g = arg;

	return g->esp + g->bad >= GRO_SEGS * GRO_SENDS;
}

static void
test_gro_batches(void)
{
	static uint8_t b[GRO_SEGS * ESP_LEN];
	struct net_config nc = loopback_cfg(0);
	struct net_stats st;
	struct net_ops ops;
	struct net *n = NULL;
	struct grob g;
	uv_loop_t loop;
	uint16_t port, nat_port;
	int fd, i, e = 0, gso = ESP_LEN, whole = 1, done = 0;

	memset(&g, 0, sizeof(g));
	g.s.last_seq = -1;
	if (uv_loop_init(&loop) != 0)
		abort();
	ops.ike = on_ike;
	ops.esp = on_esp_sizes;
	ops.arg = &g;
	is_int(net_start(&loop, &nc, &ops, &n), 0, "gro: start");
	if (n == NULL)
		return;
	net_ports(n, &port, &nat_port);
	fd = client();
	for (i = 0; i < GRO_SEGS; i++)
		mk_esp(b + i * ESP_LEN, i);
	e = setsockopt(fd, SOL_UDP, UDP_SEGMENT, &gso, sizeof(gso));
	/* All queued before the loop runs: one recvmmsg reads them. */
	for (i = 0; i < GRO_SENDS && e == 0; i++)
		e = send_to(fd, nat_port, b, sizeof(b));
	is_int(e, 0, "gro: %d UDP_SEGMENT sends of %d ESP packets",
	    GRO_SENDS, GRO_SEGS);
	run_until(&loop, gro_done, &g);
	net_get_stats(n, &st);
	ok(g.esp == GRO_SEGS * GRO_SENDS && g.bad == 0 &&
	    g.s.ike_total == 0, "gro: every packet intact (%d, %d bad)",
	    g.esp, g.bad);
	for (i = 0; i < g.calls; i++)
		whole &= g.n[i] == GRO_SEGS;
	if (st.rx_gro == GRO_SENDS)
		ok(whole && g.calls == GRO_SENDS, "gro: each coalesced "
		    "datagram in one call (%d calls, the first of %zu)",
		    g.calls, g.n[0]);
	else
		skip("the kernel did not coalesce (%llu GRO reads)",
		    (unsigned long long)st.rx_gro);
	close(fd);
	net_close(n, closed, &done);
	uv_run(&loop, UV_RUN_DEFAULT);
	ok(done, "gro: closed");
	is_int(uv_loop_close(&loop), 0, "gro: loop closes empty");
}

int
main(void)
{
	log_init(1, LOGL_WARN, "0008-net");
	test_classic();
	test_workers();
	test_overflow();
	test_gro_batches();
	return done_testing();
}
