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

struct net_sock {
	struct net	*net;
	uv_poll_t	 poll;
	int		 fd;
	int		 natt;
	uint16_t	 port;
	int		 open;		/* poll handle initialized */
	int		 gro;		/* UDP_GRO enabled (NAT-T only) */
	int		 gso;		/* UDP_SEGMENT usable (NAT-T only) */
};

struct net {
	struct net_sock	 sock[2];	/* [0] IKE port, [1] NAT-T port */
	struct net_ops	 ops;
	int		 family;
	int		 closing;
	void		(*close_cb)(void *);
	void		*close_arg;
	struct net_stats st;
	/* Receive slots for one recvmmsg, and the ESP batch handed on. */
	struct mmsghdr	 mh[NET_BATCH];
	struct iovec	 iov[NET_BATCH];
	struct net_path	 path[NET_BATCH];
	union {
		struct cmsghdr	align;
		uint8_t		b[NET_CBUF];
	}		 cbuf[NET_BATCH];
	uint8_t		*esp_pkt[NET_BATCH];
	size_t		 esp_len[NET_BATCH];
	struct net_path	 esp_path[NET_BATCH];
	size_t		 nesp;
	/* NET_BATCH slots of NET_SLOT bytes on the IKE port, of
	 * NET_GRO_STRIDE bytes on the NAT-T port (2.4 MB in all). */
	uint8_t		 rx[NET_BATCH * NET_GRO_STRIDE]
			    __attribute__((aligned(64)));
};

static const uint8_t non_esp_marker[4];

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
flush_esp(struct net *n)
{
	if (n->nesp > 0 && !n->closing)
		n->ops.esp(n->ops.arg, n->esp_pkt, n->esp_len, n->esp_path,
		    n->nesp);
	n->nesp = 0;
}

static void
dispatch(struct net *n, struct net_sock *s, uint8_t *pkt, size_t len,
    const struct net_path *p)
{
	if (!s->natt) {
		n->st.rx_ike++;
		n->ops.ike(n->ops.arg, span_make(pkt, len), p);
		return;
	}
	/* RFC 3948 2.2/2.3: keepalive, non-ESP marker, or ESP. */
	if (len == 1 && pkt[0] == 0xff) {
		n->st.rx_keepalive++;
		return;
	}
	if (len < 4) {
		n->st.drop_short++;
		return;
	}
	if (memcmp(pkt, non_esp_marker, 4) == 0) {
		n->st.rx_ike++;
		n->ops.ike(n->ops.arg, span_make(pkt + 4, len - 4), p);
		return;
	}
	n->st.rx_esp++;
	if (n->ops.esp == NULL) {
		n->st.drop_no_esp++;
		return;
	}
	/* ESP waits for the end of the batch, to be processed as one; a
	 * wakeup of coalesced datagrams may fill several batches. */
	if (n->nesp == NET_BATCH)
		flush_esp(n);
	if (n->closing)
		return;
	n->esp_pkt[n->nesp] = pkt;
	n->esp_len[n->nesp] = len;
	n->esp_path[n->nesp] = *p;
	n->nesp++;
}

static void
on_readable(uv_poll_t *h, int status, int events)
{
	struct net_sock *s = h->data;
	struct net *n = s->net;
	struct msghdr *mh;
	size_t stride, len, gso, off, seg;
	uint8_t *pkt;
	int i, got;

	if (status < 0 || !(events & UV_READABLE) || n->closing)
		return;
	stride = s->natt ? NET_GRO_STRIDE : NET_SLOT;
	for (i = 0; i < NET_BATCH; i++) {
		mh = &n->mh[i].msg_hdr;
		memset(mh, 0, sizeof(*mh));
		memset(&n->path[i], 0, sizeof(n->path[i]));
		n->iov[i].iov_base = n->rx + (size_t)i * stride;
		n->iov[i].iov_len = s->natt ? NET_GRO_SLOT : NET_SLOT;
		mh->msg_name = &n->path[i].remote;
		mh->msg_namelen = sizeof(n->path[i].remote);
		mh->msg_iov = &n->iov[i];
		mh->msg_iovlen = 1;
		mh->msg_control = n->cbuf[i].b;
		mh->msg_controllen = sizeof(n->cbuf[i].b);
		n->mh[i].msg_len = 0;
	}
	got = recvmmsg(s->fd, n->mh, NET_BATCH, MSG_DONTWAIT, NULL);
	if (got < 0) {
		/* libuv documents spurious wakeups: EAGAIN is normal. */
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			log_warn(SUB_NET, "recvmmsg on port %u", s->port);
		return;
	}
	n->nesp = 0;
	for (i = 0; i < got && !n->closing; i++) {
		mh = &n->mh[i].msg_hdr;
		if (mh->msg_flags & MSG_TRUNC) {
			n->st.drop_truncated++;
			continue;
		}
		gso = local_from_cmsg(mh, s, &n->path[i]);
		n->path[i].natt = s->natt;
		pkt = n->iov[i].iov_base;
		len = n->mh[i].msg_len;
		if (gso == 0 || gso >= len || !s->gro) {
			dispatch(n, s, pkt, len, &n->path[i]);
			continue;
		}
		/* UDP_GRO: datagrams of one flow glued together, all gso
		 * bytes long but the last. The kernel does not look inside,
		 * so IKE (non-ESP marker) may be among them: each segment is
		 * demultiplexed on its own, in place. */
		n->st.rx_gro++;
		for (off = 0; off < len && !n->closing; off += seg) {
			seg = len - off < gso ? len - off : gso;
			dispatch(n, s, pkt + off, seg, &n->path[i]);
		}
	}
	flush_esp(n);
}

static int
open_sock(struct net *n, struct net_sock *s, const struct sockaddr_storage *addr,
    uint16_t port, int natt)
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

int
net_start(uv_loop_t *loop, const struct net_config *cfg,
    const struct net_ops *ops, struct net **out)
{
	char as[NET_ADDRSTRLEN];
	struct net *n;
	int i, r, saved;

	if ((n = calloc(1, sizeof(*n))) == NULL)
		return -E_NOMEM;
	n->ops = *ops;
	n->family = cfg->addr.ss_family;
	n->sock[0].fd = n->sock[1].fd = -1;
	if ((r = open_sock(n, &n->sock[0], &cfg->addr, cfg->port, 0)) != 0 ||
	    (r = open_sock(n, &n->sock[1], &cfg->addr, cfg->nat_port, 1)) != 0)
		goto fail;
	for (i = 0; i < 2; i++) {
		if (uv_poll_init(loop, &n->sock[i].poll, n->sock[i].fd) != 0) {
			errno = EINVAL;
			r = -E_SYS;
			goto fail;
		}
		n->sock[i].open = 1;
		n->sock[i].poll.data = &n->sock[i];
		uv_poll_start(&n->sock[i].poll, UV_READABLE, on_readable);
	}
	{
		struct sockaddr_storage a = cfg->addr;

		set_port(&a, n->sock[0].port);
		log_info(SUB_NET, "listening on %s, NAT-T port %u",
		    net_addr_str((const struct sockaddr *)&a, as, sizeof(as)),
		    n->sock[1].port);
	}
	*out = n;
	return 0;
fail:
	saved = errno;
	if (n->sock[0].open || n->sock[1].open) {
		/* Handles were initialized: they must go through uv_close. */
		net_close(n, NULL, NULL);
	} else {
		for (i = 0; i < 2; i++)
			if (n->sock[i].fd >= 0)
				close(n->sock[i].fd);
		free(n);
	}
	errno = saved;
	return r;
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
	struct net_sock *s = &n->sock[p->natt ? 1 : 0];
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
	if (sendmsg(s->fd, &mh, MSG_DONTWAIT) < 0) {
		n->st.tx_err++;
		return -E_SYS;
	}
	n->st.tx++;
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

size_t
net_send_esp(struct net *n, const struct net_path *const *paths,
    const struct span *dgrams, size_t count)
{
	union {
		struct cmsghdr	align;
		uint8_t		b[NET_CBUF];
	} cbuf[NET_TX_MAX];
	struct mmsghdr mm[NET_TX_MAX];
	struct iovec iov[NET_TX_MAX];
	size_t first[NET_TX_MAX], nseg[NET_TX_MAX];
	struct net_sock *s = &n->sock[1];
	size_t done = 0, sent = 0, base, i, j, k, m, nm, seg, tot, x;
	int r, e, gso = s->gso;

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
			r = sendmmsg(s->fd, mm + m, (unsigned)(nm - m),
			    MSG_DONTWAIT);
			if (r > 0) {
				for (x = m; x < m + (size_t)r; x++) {
					n->st.tx_esp += nseg[x];
					sent += nseg[x];
					if (nseg[x] > 1)
						n->st.tx_gso++;
				}
				continue;
			}
			e = errno;
			if (nseg[m] > 1 && (e == EINVAL || e == EIO ||
			    e == ENOPROTOOPT)) {
				/* No segmentation on this kernel or route
				 * (no checksum offload, xfrm): send plainly
				 * from here on. */
				s->gso = gso = 0;
				log_warn(SUB_NET, "UDP segmentation off on "
				    "port %u", s->port);
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
			n->st.tx_err += nseg[m];
			r = 1;
		}
	}
	return sent;
}

void
net_ports(const struct net *n, uint16_t *port, uint16_t *nat_port)
{
	*port = n->sock[0].port;
	*nat_port = n->sock[1].port;
}

void
net_get_stats(const struct net *n, struct net_stats *st)
{
	*st = n->st;
}

static void
on_closed(uv_handle_t *h)
{
	struct net_sock *s = h->data;
	struct net *n = s->net;
	void (*cb)(void *) = n->close_cb;
	void *arg = n->close_arg;
	int i;

	s->open = 0;
	if (n->sock[0].open || n->sock[1].open)
		return;
	for (i = 0; i < 2; i++)
		if (n->sock[i].fd >= 0)
			close(n->sock[i].fd);
	free(n);
	if (cb != NULL)
		cb(arg);
}

void
net_close(struct net *n, void (*cb)(void *), void *arg)
{
	int i, any = 0;

	if (n == NULL || n->closing)
		return;
	n->closing = 1;
	n->close_cb = cb;
	n->close_arg = arg;
	for (i = 0; i < 2; i++)
		if (n->sock[i].open) {
			any = 1;
			uv_poll_stop(&n->sock[i].poll);
			uv_close((uv_handle_t *)&n->sock[i].poll, on_closed);
		}
	if (!any) {
		for (i = 0; i < 2; i++)
			if (n->sock[i].fd >= 0)
				close(n->sock[i].fd);
		free(n);
		if (cb != NULL)
			cb(arg);
	}
}
