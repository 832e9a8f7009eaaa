/* net.c: IKE and NAT-T UDP sockets on raw fds under uv_poll. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "core/err.h"
#include "core/log.h"
#include "core/net.h"

/* Linux UDP segmentation offload (4.18) and receive coalescing (5.0);
 * older C libraries lack the names. */
#ifndef SOL_UDP
#define SOL_UDP		17
#endif
#ifndef UDP_SEGMENT
#define UDP_SEGMENT	103
#endif
#ifndef UDP_GRO
#define UDP_GRO		104
#endif

/* One GSO send carries at most this many segments and bytes: the
 * kernel's UDP_MAX_SEGMENTS (64 before 5.19) and an IP datagram with
 * room for the headers. */
#define NET_GSO_SEGS	64
#define NET_GSO_BYTES	65000
/* Datagrams put into one sendmmsg by net_send_esp. */
#define NET_TX_MAX	64
/* NAT-T receive slot: a coalesced datagram (at most one IP datagram's
 * payload) plus NET_SLOT bytes, so that every packet split out of it has
 * the NET_SLOT bytes of memory the esp callback is promised. */
#define NET_GRO_SLOT	65536
#define NET_GRO_STRIDE	(NET_GRO_SLOT + NET_SLOT)

/* Room for a packet-info and a UDP segmentation control message. */
#define NET_CBUF	(CMSG_SPACE(sizeof(struct in6_pktinfo)) + \
			    CMSG_SPACE(sizeof(int)))

_Static_assert((NET_IKEQ & (NET_IKEQ - 1)) == 0,
    "NET_IKEQ must be a power of two");

/* One thread's receive state: the slots of one recvmmsg and the ESP
 * batch handed on. The loop has one; every worker has its own. */
struct net_rx {
	struct mmsghdr	 mh[NET_BATCH];
	struct iovec	 iov[NET_BATCH];
	struct net_path	 path[NET_BATCH];
	union {
		struct cmsghdr	align;
		uint8_t		b[NET_CBUF];
	}		 cbuf[NET_BATCH];
	uint8_t		*esp_pkt[NET_ESP_BATCH];
	size_t		 esp_len[NET_ESP_BATCH];
	const struct net_path *esp_path[NET_ESP_BATCH];
	size_t		 nesp;
	int		 queued;	/* IKE queued for the loop now */
	/* NET_BATCH slots of NET_SLOT bytes (IKE port) or NET_GRO_STRIDE
	 * bytes (NAT-T port). */
	size_t		 stride;
	uint8_t		 buf[] __attribute__((aligned(64)));
};

struct net_sock {
	struct net	*net;
	struct net_worker *w;		/* NULL: a socket of the loop */
	struct net_rx	*rx;
	struct net_stats *st;		/* written by its thread */
	net_esp_fn	*esp;
	void		*esp_arg;
	uv_poll_t	 poll;
	int		 fd;
	int		 natt;
	uint16_t	 port;
	int		 open;		/* poll handle initialized */
	int		 closing;
	int		 gro;		/* UDP_GRO enabled (NAT-T only) */
	int		 gso;		/* UDP_SEGMENT usable (NAT-T only) */
};

struct net_worker {
	struct net_sock	 sock;
	struct net_stats st;
	uint64_t	 pace_ns;	/* rx_coalesce_us, 0: no pacing */
	uint64_t	 last_read;	/* uv_hrtime() of the last read */
	int		 last_small;	/* it had < NET_PACE_FEW ESP */
};

/* One IKE message a worker queued for the loop (Vyukov's bounded queue:
 * seq tells whose turn the cell is). */
struct net_ikeq_cell {
	uint64_t	 seq;
	size_t		 len;
	struct net_path	 path;
	uint8_t		 data[NET_SLOT];
};

struct net {
	struct net_sock	 sock[2];	/* [0] IKE port, [1] NAT-T port
					 * (unused with workers) */
	struct net_ops	 ops;
	int		 family;
	int		 closing;
	int		 nhandles;	/* loop handles not yet closed */
	void		(*close_cb)(void *);
	void		*close_arg;
	struct net_stats st;		/* the loop's */
	struct net_rx	*rx;		/* the loop's */
	int		 gso;		/* net_send_esp's (workers) */
	/* Workers: their sockets, and the IKE they hand to the loop. */
	struct net_worker *workers;
	unsigned	 nworkers;
	uv_async_t	 ike_async;
	int		 async_open;
	struct net_ikeq_cell *ikeq;
	uint64_t	 ikeq_head;	/* the loop's next cell */
	uint64_t	 ikeq_tail __attribute__((aligned(64)));
};

static const uint8_t non_esp_marker[4];

/* Counters have one writer (the socket's thread) and are read from any:
 * relaxed atomics make both well defined at the cost of plain moves. */
static void
cnt_add(uint64_t *c, uint64_t v)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + v,
	    __ATOMIC_RELAXED);
}

static void
stats_read(const struct net_stats *from, struct net_stats *to, int add)
{
	const uint64_t *f = (const uint64_t *)(const void *)from;
	uint64_t *t = (uint64_t *)(void *)to;
	size_t i;

	for (i = 0; i < sizeof(*from) / sizeof(uint64_t); i++)
		t[i] = (add ? t[i] : 0) + __atomic_load_n(&f[i],
		    __ATOMIC_RELAXED);
}

const char *
net_addr_str(const struct sockaddr *sa, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		snprintf(buf, len, "%s[%u]", a, ntohs(s4->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		snprintf(buf, len, "%s[%u]", a, ntohs(s6->sin6_port));
	} else
		snprintf(buf, len, "(af %d)", sa->sa_family);
	return buf;
}

static void
set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

static socklen_t
sa_len(int family)
{
	return family == AF_INET ? sizeof(struct sockaddr_in) :
	    sizeof(struct sockaddr_in6);
}

static struct net_rx *
rx_new(size_t stride)
{
	struct net_rx *rx;

	if ((rx = calloc(1, sizeof(*rx) + NET_BATCH * stride)) == NULL)
		return NULL;
	rx->stride = stride;
	return rx;
}

/* Fills p->local from the packet-info control message, keeping the port
 * of the socket the datagram arrived on. Returns the segment size of a
 * datagram the kernel coalesced (UDP_GRO), or 0. */
static size_t
local_from_cmsg(struct msghdr *mh, struct net_sock *s, struct net_path *p)
{
	struct cmsghdr *c;
	size_t gso = 0;
	int v;

	memset(&p->local, 0, sizeof(p->local));
	p->local.ss_family = (sa_family_t)s->net->family;
	for (c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			struct sockaddr_in *l = (struct sockaddr_in *)&p->local;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			l->sin_addr = pi.ipi_addr;
		} else if (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;
			struct sockaddr_in6 *l = (struct sockaddr_in6 *)&p->local;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			l->sin6_addr = pi.ipi6_addr;
		} else if (c->cmsg_level == SOL_UDP &&
		    c->cmsg_type == UDP_GRO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(v))) {
			memcpy(&v, CMSG_DATA(c), sizeof(v));
			if (v > 0)
				gso = (size_t)v;
		}
	}
	set_port(&p->local, s->port);
	return gso;
}

/* Hands the ESP packets gathered so far to the data plane. */
static void
flush_esp(struct net_sock *s)
{
	struct net_rx *rx = s->rx;

	if (rx->nesp > 0 && !s->closing)
		s->esp(s->esp_arg, rx->esp_pkt, rx->esp_len, rx->esp_path,
		    rx->nesp);
	rx->nesp = 0;
}

/*
 * Worker: copies an IKE message into the loop's queue (a multi-producer
 * bounded queue after Dmitry Vyukov: a producer claims a cell with a
 * compare-and-swap of the tail, fills it, then publishes it with a
 * release store of its sequence number; the single consumer takes cells
 * in order). A full queue drops the message, as a full socket buffer
 * would: the peer retransmits (RFC 7296 2.1).
 */
static void
ikeq_push(struct net_sock *s, const uint8_t *pkt, size_t len,
    const struct net_path *p)
{
	struct net *n = s->net;
	struct net_ikeq_cell *c;
	uint64_t pos, seq;

	if (len > NET_SLOT) {
		cnt_add(&s->st->drop_truncated, 1);
		return;
	}
	pos = __atomic_load_n(&n->ikeq_tail, __ATOMIC_RELAXED);
	for (;;) {
		c = &n->ikeq[pos & (NET_IKEQ - 1)];
		seq = __atomic_load_n(&c->seq, __ATOMIC_ACQUIRE);
		if (seq == pos) {
			if (__atomic_compare_exchange_n(&n->ikeq_tail, &pos,
			    pos + 1, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
				break;
		} else if ((int64_t)(seq - pos) < 0) {
			/* The loop has not freed this cell: full. */
			cnt_add(&s->st->drop_ike_queue, 1);
			return;
		} else
			pos = __atomic_load_n(&n->ikeq_tail,
			    __ATOMIC_RELAXED);
	}
	memcpy(c->data, pkt, len);
	c->len = len;
	c->path = *p;
	__atomic_store_n(&c->seq, pos + 1, __ATOMIC_RELEASE);
	cnt_add(&s->st->ike_queued, 1);
	s->rx->queued = 1;
}

/* Loop: delivers the IKE messages workers queued, in order. A cell still
 * being filled stops the round; its producer wakes us again. */
static void
on_ikeq(uv_async_t *h)
{
	struct net *n = h->data;
	struct net_ikeq_cell *c;
	uint64_t pos;

	while (!n->closing) {
		pos = n->ikeq_head;
		c = &n->ikeq[pos & (NET_IKEQ - 1)];
		if (__atomic_load_n(&c->seq, __ATOMIC_ACQUIRE) != pos + 1)
			break;
		cnt_add(&n->st.rx_ike, 1);
		n->ops.ike(n->ops.arg, span_make(c->data, c->len), &c->path);
		n->ikeq_head = pos + 1;
		__atomic_store_n(&c->seq, pos + NET_IKEQ, __ATOMIC_RELEASE);
	}
}

static void
dispatch(struct net_sock *s, uint8_t *pkt, size_t len,
    const struct net_path *p)
{
	struct net *n = s->net;
	struct net_rx *rx = s->rx;

	if (!s->natt) {
		cnt_add(&s->st->rx_ike, 1);
		n->ops.ike(n->ops.arg, span_make(pkt, len), p);
		return;
	}
	/* RFC 3948 2.2/2.3: keepalive, non-ESP marker, or ESP. */
	if (len == 1 && pkt[0] == 0xff) {
		cnt_add(&s->st->rx_keepalive, 1);
		return;
	}
	if (len < 4) {
		cnt_add(&s->st->drop_short, 1);
		return;
	}
	if (memcmp(pkt, non_esp_marker, 4) == 0) {
		if (s->w != NULL) {
			ikeq_push(s, pkt + 4, len - 4, p);
			return;
		}
		cnt_add(&s->st->rx_ike, 1);
		n->ops.ike(n->ops.arg, span_make(pkt + 4, len - 4), p);
		return;
	}
	cnt_add(&s->st->rx_esp, 1);
	if (s->esp == NULL) {
		cnt_add(&s->st->drop_no_esp, 1);
		return;
	}
	/* ESP waits for the end of the batch, to be processed as one; a
	 * wakeup of coalesced datagrams may fill several batches. */
	if (rx->nesp == NET_ESP_BATCH)
		flush_esp(s);
	if (s->closing)
		return;
	rx->esp_pkt[rx->nesp] = pkt;
	rx->esp_len[rx->nesp] = len;
	rx->esp_path[rx->nesp] = p;
	rx->nesp++;
}

/*
 * Read pacing on a worker socket. A client that sends one datagram at a
 * time (strongSwan's libipsec does) wakes a fast reader for every one or
 * two packets: a system call, a TUN write and, behind it, a TCP ACK to
 * seal and send back for each. Waiting out the rest of pace_ns after a
 * small read lets a steady stream arrive as one batch. A wakeup after a
 * quiet spell, or after a big read, reads at once, so an idle tunnel's
 * latency is unchanged and a loaded one's grows by at most pace_ns.
 */
static void
pace(struct net_worker *w)
{
	struct timespec ts;
	uint64_t now = uv_hrtime(), left;

	if (w->last_small && now - w->last_read < w->pace_ns) {
		left = w->pace_ns - (now - w->last_read);
		ts.tv_sec = 0;
		ts.tv_nsec = (long)left;
		/* EINTR only shortens the wait. */
		(void)nanosleep(&ts, NULL);
		cnt_add(&w->st.rx_waits, 1);
		now += left;
	}
	w->last_read = now;
}

static void
on_readable(uv_poll_t *h, int status, int events)
{
	struct net_sock *s = h->data;
	struct net_rx *rx = s->rx;
	struct msghdr *mh;
	size_t len, gso, off, seg;
	uint64_t esp0 = s->st->rx_esp;
	uint8_t *pkt;
	int i, got;

	if (status < 0 || !(events & UV_READABLE) || s->closing)
		return;
	if (s->w != NULL && s->w->pace_ns != 0)
		pace(s->w);
	for (i = 0; i < NET_BATCH; i++) {
		mh = &rx->mh[i].msg_hdr;
		memset(mh, 0, sizeof(*mh));
		memset(&rx->path[i], 0, sizeof(rx->path[i]));
		rx->iov[i].iov_base = rx->buf + (size_t)i * rx->stride;
		rx->iov[i].iov_len = s->natt ? NET_GRO_SLOT : NET_SLOT;
		mh->msg_name = &rx->path[i].remote;
		mh->msg_namelen = sizeof(rx->path[i].remote);
		mh->msg_iov = &rx->iov[i];
		mh->msg_iovlen = 1;
		mh->msg_control = rx->cbuf[i].b;
		mh->msg_controllen = sizeof(rx->cbuf[i].b);
		rx->mh[i].msg_len = 0;
	}
	got = recvmmsg(s->fd, rx->mh, NET_BATCH, MSG_DONTWAIT, NULL);
	if (got < 0) {
		/* libuv documents spurious wakeups: EAGAIN is normal. */
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			log_warn(SUB_NET, "recvmmsg on port %u", s->port);
		return;
	}
	rx->nesp = 0;
	rx->queued = 0;
	for (i = 0; i < got && !s->closing; i++) {
		mh = &rx->mh[i].msg_hdr;
		if (mh->msg_flags & MSG_TRUNC) {
			cnt_add(&s->st->drop_truncated, 1);
			continue;
		}
		gso = local_from_cmsg(mh, s, &rx->path[i]);
		rx->path[i].natt = s->natt;
		pkt = rx->iov[i].iov_base;
		len = rx->mh[i].msg_len;
		if (gso == 0 || gso >= len || !s->gro) {
			dispatch(s, pkt, len, &rx->path[i]);
			continue;
		}
		/* UDP_GRO: datagrams of one flow glued together, all gso
		 * bytes long but the last. The kernel does not look inside,
		 * so IKE (non-ESP marker) may be among them: each segment is
		 * demultiplexed on its own, in place. Its ESP goes in one
		 * batch, to be written to TUN as one super-packet. */
		cnt_add(&s->st->rx_gro, 1);
		if (rx->nesp + (len + gso - 1) / gso > NET_ESP_BATCH)
			flush_esp(s);
		for (off = 0; off < len && !s->closing; off += seg) {
			seg = len - off < gso ? len - off : gso;
			dispatch(s, pkt + off, seg, &rx->path[i]);
		}
	}
	flush_esp(s);
	if (s->w != NULL)
		s->w->last_small = s->st->rx_esp - esp0 < NET_PACE_FEW;
	/* One wakeup of the loop per batch, however many were queued. */
	if (rx->queued)
		uv_async_send(&s->net->ike_async);
}

/* Opens and binds one socket; reuse joins the SO_REUSEPORT group of the
 * worker sockets. */
static int
open_sock(struct net *n, struct net_sock *s, const struct sockaddr_storage *addr,
    uint16_t port, int natt, int reuse)
{
	struct sockaddr_storage a = *addr;
	socklen_t alen = sizeof(a);
	int one = 1, bufsz = 4 << 20;
	int fd;

	s->net = n;
	s->natt = natt;
	s->fd = -1;
	fd = socket(a.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -E_SYS;
	/* Large buffers absorb bursts of handshakes and, later, ESP. Failure
	 * only costs drops under load, so it is not fatal. */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz));
	if (a.ss_family == AF_INET) {
		if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one,
		    sizeof(one)) != 0)
			goto fail;
	} else {
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one,
		    sizeof(one)) != 0 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
		    sizeof(one)) != 0)
			goto fail;
	}
	/* socket(7): every socket of the group sets it before bind, under
	 * the same user; the kernel then hashes datagrams over them. */
	if (reuse && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one,
	    sizeof(one)) != 0)
		goto fail;
	/* NAT-T carries ESP: let the kernel coalesce what arrives and
	 * segment what we send (both optional, for older kernels). */
	if (natt) {
		s->gro = setsockopt(fd, SOL_UDP, UDP_GRO, &one,
		    sizeof(one)) == 0;
		s->gso = 1;
	}
	set_port(&a, port);
	if (bind(fd, (struct sockaddr *)&a, sa_len(a.ss_family)) != 0)
		goto fail;
	if (getsockname(fd, (struct sockaddr *)&a, &alen) != 0)
		goto fail;
	s->port = ntohs(a.ss_family == AF_INET ?
	    ((struct sockaddr_in *)&a)->sin_port :
	    ((struct sockaddr_in6 *)&a)->sin6_port);
	s->fd = fd;
	return 0;
fail:
	{
		int saved = errno;

		close(fd);
		errno = saved;
	}
	return -E_SYS;
}

/* Closes the fds and frees n; every handle is closed. */
static void
net_free(struct net *n)
{
	int saved = errno, i;
	unsigned w;

	for (i = 0; i < 2; i++)
		if (n->sock[i].fd >= 0)
			close(n->sock[i].fd);
	for (w = 0; w < n->nworkers; w++)
		if (n->workers[w].sock.fd >= 0)
			close(n->workers[w].sock.fd);
	for (w = 0; w < n->nworkers; w++)
		free(n->workers[w].sock.rx);
	free(n->workers);
	free(n->ikeq);
	free(n->rx);
	free(n);
	errno = saved;
}

/* Opens the worker sockets: the first binds the NAT-T port (which may be
 * 0 in tests), the others join it. */
static int
open_workers(struct net *n, const struct net_config *cfg)
{
	struct net_worker *w;
	unsigned i;
	uint16_t port = cfg->nat_port;
	int r;

	if ((n->workers = calloc(cfg->workers, sizeof(*n->workers))) == NULL ||
	    (n->ikeq = calloc(NET_IKEQ, sizeof(*n->ikeq))) == NULL)
		return -E_NOMEM;
	for (i = 0; i < NET_IKEQ; i++)
		n->ikeq[i].seq = i;
	for (i = 0; i < cfg->workers; i++)
		n->workers[i].sock.fd = -1;
	n->nworkers = cfg->workers;
	for (i = 0; i < cfg->workers; i++) {
		w = &n->workers[i];
		w->sock.w = w;
		w->sock.st = &w->st;
		w->pace_ns = (uint64_t)cfg->rx_coalesce_us * 1000;
		if ((w->sock.rx = rx_new(NET_GRO_STRIDE)) == NULL)
			return -E_NOMEM;
		if ((r = open_sock(n, &w->sock, &cfg->addr, port, 1, 1)) != 0)
			return r;
		port = w->sock.port;
	}
	return 0;
}

int
net_start(uv_loop_t *loop, const struct net_config *cfg,
    const struct net_ops *ops, struct net **out)
{
	char as[NET_ADDRSTRLEN];
	struct sockaddr_storage a;
	struct net *n;
	int i, r, nsock, saved;

	if (cfg->workers > NET_WORKERS_MAX ||
	    cfg->rx_coalesce_us > NET_PACE_MAX_US)
		return -E_INVAL;
	if ((n = calloc(1, sizeof(*n))) == NULL)
		return -E_NOMEM;
	n->ops = *ops;
	n->family = cfg->addr.ss_family;
	n->gso = 1;
	n->sock[0].fd = n->sock[1].fd = -1;
	nsock = cfg->workers > 0 ? 1 : 2;
	for (i = 0; i < 2; i++) {
		n->sock[i].st = &n->st;
		n->sock[i].esp = ops->esp;
		n->sock[i].esp_arg = ops->arg;
	}
	if ((n->rx = rx_new(nsock == 2 ? NET_GRO_STRIDE : NET_SLOT)) == NULL) {
		r = -E_NOMEM;
		goto fail;
	}
	n->sock[0].rx = n->sock[1].rx = n->rx;
	if ((r = open_sock(n, &n->sock[0], &cfg->addr, cfg->port, 0, 0)) != 0 ||
	    (nsock == 2 && (r = open_sock(n, &n->sock[1], &cfg->addr,
	    cfg->nat_port, 1, 0)) != 0) ||
	    (cfg->workers > 0 && (r = open_workers(n, cfg)) != 0))
		goto fail;
	if (cfg->workers > 0) {
		if (uv_async_init(loop, &n->ike_async, on_ikeq) != 0) {
			errno = EINVAL;
			r = -E_SYS;
			goto fail;
		}
		n->ike_async.data = n;
		n->async_open = 1;
		n->nhandles++;
	}
	for (i = 0; i < nsock; i++) {
		if (uv_poll_init(loop, &n->sock[i].poll, n->sock[i].fd) != 0) {
			errno = EINVAL;
			r = -E_SYS;
			goto fail;
		}
		n->sock[i].open = 1;
		n->nhandles++;
		n->sock[i].poll.data = &n->sock[i];
		uv_poll_start(&n->sock[i].poll, UV_READABLE, on_readable);
	}
	a = cfg->addr;
	set_port(&a, n->sock[0].port);
	if (cfg->workers > 0)
		log_info(SUB_NET, "listening on %s, NAT-T port %u (%u "
		    "sockets, one per data-plane thread)",
		    net_addr_str((const struct sockaddr *)&a, as, sizeof(as)),
		    n->workers[0].sock.port, cfg->workers);
	else
		log_info(SUB_NET, "listening on %s, NAT-T port %u",
		    net_addr_str((const struct sockaddr *)&a, as, sizeof(as)),
		    n->sock[1].port);
	*out = n;
	return 0;
fail:
	saved = errno;
	if (n->nhandles > 0) {
		/* Handles were initialized: they must go through uv_close. */
		net_close(n, NULL, NULL);
	} else
		net_free(n);
	errno = saved;
	return r;
}

/* The socket that sends on the NAT-T port from the loop. */
static struct net_sock *
natt_sock(struct net *n)
{
	return n->nworkers > 0 ? &n->workers[0].sock : &n->sock[1];
}

/* Fills mh to send along p: destination, and the source address as a
 * packet-info control message in cb (answer from the address the peer
 * used, with wildcard binds). */
static void
prepare_msg(const struct net *n, const struct net_path *p, struct msghdr *mh,
    struct iovec *iov, size_t niov, void *cb, size_t cblen)
{
	struct cmsghdr *c;

	memset(mh, 0, sizeof(*mh));
	mh->msg_name = (void *)&p->remote;
	mh->msg_namelen = sa_len(p->remote.ss_family);
	mh->msg_iov = iov;
	mh->msg_iovlen = niov;
	memset(cb, 0, cblen);
	if (p->local.ss_family == AF_INET && n->family == AF_INET) {
		struct in_pktinfo pi;

		memset(&pi, 0, sizeof(pi));
		pi.ipi_spec_dst = ((const struct sockaddr_in *)&p->local)->sin_addr;
		mh->msg_control = cb;
		mh->msg_controllen = CMSG_SPACE(sizeof(pi));
		c = CMSG_FIRSTHDR(mh);
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	} else if (p->local.ss_family == AF_INET6 && n->family == AF_INET6) {
		struct in6_pktinfo pi;

		memset(&pi, 0, sizeof(pi));
		pi.ipi6_addr = ((const struct sockaddr_in6 *)&p->local)->sin6_addr;
		mh->msg_control = cb;
		mh->msg_controllen = CMSG_SPACE(sizeof(pi));
		c = CMSG_FIRSTHDR(mh);
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	}
}

int
net_send(struct net *n, const struct net_path *p, int ike, struct span dgram)
{
	union {
		struct cmsghdr	align;
		uint8_t		b[NET_CBUF];
	} cbuf;
	struct net_sock *s = p->natt ? natt_sock(n) : &n->sock[0];
	struct iovec iov[2];
	struct msghdr mh;
	size_t k = 0;

	if (p->natt && ike) {
		iov[k].iov_base = (void *)non_esp_marker;
		iov[k++].iov_len = sizeof(non_esp_marker);
	}
	iov[k].iov_base = (void *)dgram.p;
	iov[k++].iov_len = dgram.len;
	prepare_msg(n, p, &mh, iov, k, cbuf.b, sizeof(cbuf.b));
	/* With workers, s is a worker's socket, used from this thread too:
	 * the kernel serializes sendmsg on one socket. */
	if (sendmsg(s->fd, &mh, MSG_DONTWAIT) < 0) {
		cnt_add(&n->st.tx_err, 1);
		return -E_SYS;
	}
	cnt_add(&n->st.tx, 1);
	return 0;
}

/* Appends a UDP_SEGMENT control message to mh (prepared by prepare_msg
 * with cb of cblen bytes): the kernel cuts the data into datagrams of seg
 * bytes, the last one possibly shorter. */
static void
add_gso_cmsg(struct msghdr *mh, void *cb, size_t cblen, uint16_t seg)
{
	struct cmsghdr *c;

	if (mh->msg_control == NULL) {
		mh->msg_control = cb;
		mh->msg_controllen = 0;
	}
	if (mh->msg_controllen + CMSG_SPACE(sizeof(seg)) > cblen)
		return;
	c = (struct cmsghdr *)((uint8_t *)cb + mh->msg_controllen);
	c->cmsg_level = SOL_UDP;
	c->cmsg_type = UDP_SEGMENT;
	c->cmsg_len = CMSG_LEN(sizeof(seg));
	memcpy(CMSG_DATA(c), &seg, sizeof(seg));
	mh->msg_controllen += CMSG_SPACE(sizeof(seg));
}

static int
same_path(const struct net_path *a, const struct net_path *b)
{
	if (a == b)
		return 1;
	return a->remote.ss_family == b->remote.ss_family &&
	    a->local.ss_family == b->local.ss_family &&
	    memcmp(&a->remote, &b->remote, sa_len(a->remote.ss_family)) == 0 &&
	    (a->local.ss_family != AF_INET && a->local.ss_family != AF_INET6 ?
	    1 : memcmp(&a->local, &b->local, sa_len(a->local.ss_family)) == 0);
}

/* net_send_esp on fd (whose port is port), with the caller thread's
 * segmentation flag *gsop and counters st. */
static size_t
send_esp(const struct net *n, int fd, uint16_t port, int *gsop,
    struct net_stats *st, const struct net_path *const *paths,
    const struct span *dgrams, size_t count)
{
	union {
		struct cmsghdr	align;
		uint8_t		b[NET_CBUF];
	} cbuf[NET_TX_MAX];
	struct mmsghdr mm[NET_TX_MAX];
	struct iovec iov[NET_TX_MAX];
	size_t first[NET_TX_MAX], nseg[NET_TX_MAX];
	size_t done = 0, sent = 0, base, i, j, k, m, nm, seg, tot, x;
	int r, e, gso = *gsop;

	while (done < count) {
		base = done;
		k = count - base < NET_TX_MAX ? count - base : NET_TX_MAX;
		/* udp(7) UDP_SEGMENT: a run of equal-length datagrams to
		 * one peer (a shorter one may end it) goes as one message
		 * that the kernel cuts up again. */
		for (i = 0, nm = 0; i < k; i = j, nm++) {
			seg = dgrams[base + i].len;
			tot = seg;
			for (j = i + 1; gso && seg > 0 && j < k &&
			    j - i < NET_GSO_SEGS &&
			    dgrams[base + j].len > 0 &&
			    dgrams[base + j].len <= seg &&
			    tot + dgrams[base + j].len <= NET_GSO_BYTES &&
			    same_path(paths[base + j], paths[base + i]); j++) {
				tot += dgrams[base + j].len;
				if (dgrams[base + j].len < seg) {
					j++;
					break;
				}
			}
			for (x = i; x < j; x++) {
				iov[x].iov_base = (void *)dgrams[base + x].p;
				iov[x].iov_len = dgrams[base + x].len;
			}
			prepare_msg(n, paths[base + i], &mm[nm].msg_hdr,
			    &iov[i], j - i, cbuf[nm].b, sizeof(cbuf[nm].b));
			if (j - i > 1)
				add_gso_cmsg(&mm[nm].msg_hdr, cbuf[nm].b,
				    sizeof(cbuf[nm].b), (uint16_t)seg);
			mm[nm].msg_len = 0;
			first[nm] = i;
			nseg[nm] = j - i;
		}
		done = base + k;
		for (m = 0; m < nm; m += (size_t)r) {
			r = sendmmsg(fd, mm + m, (unsigned)(nm - m),
			    MSG_DONTWAIT);
			if (r > 0) {
				for (x = m; x < m + (size_t)r; x++) {
					cnt_add(&st->tx_esp, nseg[x]);
					sent += nseg[x];
					if (nseg[x] > 1)
						cnt_add(&st->tx_gso, 1);
				}
				continue;
			}
			e = errno;
			if (nseg[m] > 1 && (e == EINVAL || e == EIO ||
			    e == ENOPROTOOPT)) {
				/* No segmentation on this kernel or route
				 * (no checksum offload, xfrm): send plainly
				 * from here on. */
				*gsop = gso = 0;
				log_warn(SUB_NET, "UDP segmentation off on "
				    "port %u", port);
				done = base + first[m];
				break;
			}
			if (nseg[m] > 1 && e == EMSGSIZE) {
				/* Segments larger than the path MTU: IP
				 * fragments plain datagrams, not GSO ones. */
				gso = 0;
				done = base + first[m];
				break;
			}
			/* A full socket buffer or an unreachable peer: the
			 * first message is lost, try the rest (ESP has no
			 * retransmissions of its own; TCP inside does). */
			cnt_add(&st->tx_err, nseg[m]);
			r = 1;
		}
	}
	return sent;
}

size_t
net_send_esp(struct net *n, const struct net_path *const *paths,
    const struct span *dgrams, size_t count)
{
	struct net_sock *s = natt_sock(n);

	/* With workers, the worker's own gso flag is its thread's: the
	 * loop keeps a copy of its own. */
	return send_esp(n, s->fd, s->port, n->nworkers > 0 ? &n->gso :
	    &s->gso, &n->st, paths, dgrams, count);
}

size_t
net_gso_max_segs(size_t len)
{
	if (len == 0 || len > NET_GSO_BYTES)
		return 1;
	return NET_GSO_BYTES / len < NET_GSO_SEGS ? NET_GSO_BYTES / len :
	    NET_GSO_SEGS;
}

unsigned
net_workers(const struct net *n)
{
	return n->nworkers;
}

struct net_worker *
net_worker_get(struct net *n, unsigned i)
{
	return i < n->nworkers ? &n->workers[i] : NULL;
}

int
net_worker_start(struct net_worker *w, uv_loop_t *loop, net_esp_fn *esp,
    void *arg)
{
	struct net_sock *s = &w->sock;

	if (s->open)
		return -E_STATE;
	s->esp = esp;
	s->esp_arg = arg;
	s->closing = 0;
	if (uv_poll_init(loop, &s->poll, s->fd) != 0) {
		errno = EINVAL;
		return -E_SYS;
	}
	s->open = 1;
	s->poll.data = s;
	uv_poll_start(&s->poll, UV_READABLE, on_readable);
	return 0;
}

static void
on_worker_closed(uv_handle_t *h)
{
	struct net_sock *s = h->data;

	s->open = 0;
}

void
net_worker_stop(struct net_worker *w)
{
	struct net_sock *s;

	if (w == NULL)
		return;
	s = &w->sock;
	if (!s->open || s->closing)
		return;
	s->closing = 1;
	uv_poll_stop(&s->poll);
	uv_close((uv_handle_t *)&s->poll, on_worker_closed);
}

size_t
net_worker_send_esp(struct net_worker *w, const struct net_path *const *paths,
    const struct span *dgrams, size_t count)
{
	return send_esp(w->sock.net, w->sock.fd, w->sock.port, &w->sock.gso,
	    &w->st, paths, dgrams, count);
}

void
net_worker_get_stats(const struct net_worker *w, struct net_stats *st)
{
	stats_read(&w->st, st, 0);
}

void
net_ports(const struct net *n, uint16_t *port, uint16_t *nat_port)
{
	*port = n->sock[0].port;
	*nat_port = n->nworkers > 0 ? n->workers[0].sock.port :
	    n->sock[1].port;
}

void
net_get_stats(const struct net *n, struct net_stats *st)
{
	unsigned i;

	stats_read(&n->st, st, 0);
	for (i = 0; i < n->nworkers; i++)
		stats_read(&n->workers[i].st, st, 1);
}

static void
on_closed(uv_handle_t *h)
{
	struct net *n = h->data;
	void (*cb)(void *) = n->close_cb;
	void *arg = n->close_arg;

	if (--n->nhandles > 0)
		return;
	net_free(n);
	if (cb != NULL)
		cb(arg);
}

void
net_close(struct net *n, void (*cb)(void *), void *arg)
{
	int i;

	if (n == NULL || n->closing)
		return;
	n->closing = 1;
	n->close_cb = cb;
	n->close_arg = arg;
	if (n->nhandles == 0) {
		net_free(n);
		if (cb != NULL)
			cb(arg);
		return;
	}
	for (i = 0; i < 2; i++) {
		n->sock[i].closing = 1;
		if (n->sock[i].open) {
			n->sock[i].open = 0;
			uv_poll_stop(&n->sock[i].poll);
			n->sock[i].poll.data = n;
			uv_close((uv_handle_t *)&n->sock[i].poll, on_closed);
		}
	}
	if (n->async_open) {
		n->async_open = 0;
		uv_close((uv_handle_t *)&n->ike_async, on_closed);
	}
}
