/*
 * tun_linux.c: tun.h on Linux: /dev/net/tun with IFF_TUN | IFF_NO_PI (and
 * IFF_VNET_HDR with TUNSETOFFLOAD in offload mode), configured through
 * rtnetlink (NETLINK_ROUTE) messages built by hand.
 *
 * Kernel references: drivers/net/tun.c (tun_set_iff: an existing device is
 * checked for type, then for owner; a new one needs CAP_NET_ADMIN; the
 * IFF_VNET_HDR flag is taken per attach, except that the further queues
 * of a multi-queue device keep the first one's flags; set_offload;
 * tun_automq_select_queue spreads flows over queues), drivers/net/
 * tun_vnet.h (the header on reads and writes) and
 * Documentation/networking/tuntap.rst; rtnetlink(7) and netlink(7) for
 * the message layout (every header and attribute 4-byte aligned).
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <net/if.h>
#include <netinet/in.h>

#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tun/tun.h"

#define TUN_DEV		"/dev/net/tun"
#define NL_REQ_MAX	256		/* our largest request is ~80 bytes */
#define NL_RX_MAX	32768		/* one RTM_NEWLINK answer, no stats */
#define NL_TIMEOUT_S	5		/* the kernel answers at once */
#define IOV_MAX_TUN	1024		/* UIO_MAXIOV */

/* USO arrived in Linux 6.2 (include/uapi/linux/if_tun.h); older headers
 * lack the bits, which an older kernel refuses with EINVAL. */
#ifndef TUN_F_USO4
#define TUN_F_USO4	0x20
#endif
#ifndef TUN_F_USO6
#define TUN_F_USO6	0x40
#endif

struct tun {
	int		 fd;
	int		 nonblock;
	int		 created;
	int		 mq;		/* IFF_MULTI_QUEUE */
	unsigned int	 offload;	/* TUN_OFF_* */
	const char	*off_note;	/* what was refused, or NULL */
	int		 off_err;	/* and its errno */
	char		 name[TUN_NAME_MAX];
	struct tun_stats st;
};

/* A netlink request under construction; b is 4-byte aligned. */
struct nlreq {
	union {
		struct nlmsghdr	h;
		uint8_t		b[NL_REQ_MAX];
	} u;
	size_t		 len;
};

/* What RTM_GETLINK tells about an interface. */
struct linkinfo {
	int		 index;
	unsigned int	 mtu;
	int		 kind_tun;	/* IFLA_INFO_KIND is "tun" */
	unsigned int	 tun_type;	/* IFF_TUN, IFF_TAP or 0 (unknown) */
	int		 multi_queue;
	unsigned int	 queues;	/* attached, enabled or not; 0: the
					 * kernel does not say (< 4.15) */
};

/* An open NETLINK_ROUTE socket and its next sequence number. */
struct nl {
	int		 fd;
	uint32_t	 seq;
	uint8_t		*rx;
};

static const char *const tun_msgs[] = {
	[0] =		"success",
	[TUN_E_SYS] =	"system error",
	[TUN_E_NOMEM] =	"out of memory",
	[TUN_E_INVAL] =	"invalid argument",
	[TUN_E_NAME] =	"invalid interface name",
	[TUN_E_NODRV] =	"cannot open the TUN driver /dev/net/tun",
	[TUN_E_PERM] =	"operation not permitted (needs CAP_NET_ADMIN)",
	[TUN_E_NODEV] =	"no such interface",
	[TUN_E_NOTTUN] = "the interface is not a TUN device",
	[TUN_E_OWNER] =	"the TUN device belongs to another user or group",
	[TUN_E_BUSY] =	"the TUN device is in use by another process",
	[TUN_E_EXIST] =	"the interface already exists",
	[TUN_E_NOENT] =	"no such address or route",
	[TUN_E_NOTSUP] = "not supported",
	[TUN_E_PROTO] =	"unexpected answer from the kernel",
};

const char *
tun_strerror(int code)
{
	unsigned int c = code < 0 ? -(unsigned int)code : (unsigned int)code;

	if (c >= sizeof(tun_msgs) / sizeof(tun_msgs[0]) || tun_msgs[c] == NULL)
		return "unknown error";
	return tun_msgs[c];
}

/*
 * The kernel's dev_valid_name(): 1..15 bytes, not "." or "..", no '/',
 * ':' or white space. A template carries one "%d" (dev_alloc_name).
 */
static int
name_check(const char *name, int template_ok)
{
	size_t len, i;
	int pct = 0;

	len = strnlen(name, TUN_NAME_MAX);
	if (len == 0 || len >= TUN_NAME_MAX || len >= IFNAMSIZ ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return -TUN_E_NAME;
	for (i = 0; i < len; i++) {
		switch (name[i]) {
		case '/': case ':': case ' ': case '\t': case '\n':
		case '\v': case '\f': case '\r':
			return -TUN_E_NAME;
		case '%':
			if (!template_ok || name[i + 1] != 'd' || pct++ != 0)
				return -TUN_E_NAME;
			break;
		default:
			break;
		}
	}
	return 0;
}

/* Maps an errno from a netlink answer; errno keeps it for the caller. */
static int
nl_errno(int e)
{
	errno = e;
	switch (e) {
	case EPERM:
		return -TUN_E_PERM;
	case ENODEV:
		return -TUN_E_NODEV;
	case EINVAL:
	case ERANGE:
		return -TUN_E_INVAL;
	case EADDRNOTAVAIL:	/* RTM_DELADDR: no such address */
	case ESRCH:		/* RTM_DELROUTE: no such route */
		return -TUN_E_NOENT;
	case ENOMEM:
		return -TUN_E_NOMEM;
	default:
		return -TUN_E_SYS;
	}
}

static int
nl_open(struct nl *nl)
{
	struct timeval tv = { .tv_sec = NL_TIMEOUT_S };
	int one = 1;

	nl->seq = 1;
	if ((nl->rx = malloc(NL_RX_MAX)) == NULL)
		return -TUN_E_NOMEM;
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (nl->fd == -1) {
		free(nl->rx);
		nl->rx = NULL;
		return -TUN_E_SYS;
	}
	/* Errors need not echo our request back; a kernel without the
	 * option echoes it, which the parser skips. */
	(void)setsockopt(nl->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one,
	    sizeof(one));
	/* Never hang the daemon on a lost answer. */
	(void)setsockopt(nl->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return 0;
}

static void
nl_close(struct nl *nl)
{
	int saved = errno;

	if (nl->fd != -1)
		close(nl->fd);
	nl->fd = -1;
	free(nl->rx);
	nl->rx = NULL;
	errno = saved;
}

/* Starts a request: the netlink header, then the family header fam. */
static void
nl_init(struct nlreq *q, uint16_t type, uint16_t flags, const void *fam,
    size_t famlen)
{
	struct nlmsghdr h;

	memset(q, 0, sizeof(*q));
	memset(&h, 0, sizeof(h));
	h.nlmsg_type = type;
	h.nlmsg_flags = NLM_F_REQUEST | flags;
	memcpy(q->u.b, &h, sizeof(h));
	memcpy(q->u.b + NLMSG_HDRLEN, fam, famlen);
	q->len = NLMSG_HDRLEN + NLMSG_ALIGN(famlen);
}

/* Appends attribute type with dlen bytes of data, zero-padded. */
static int
nl_attr(struct nlreq *q, uint16_t type, const void *data, size_t dlen)
{
	struct rtattr a;

	if (dlen > NL_REQ_MAX || RTA_SPACE(dlen) > sizeof(q->u.b) - q->len)
		return -TUN_E_INVAL;
	a.rta_len = (unsigned short)RTA_LENGTH(dlen);
	a.rta_type = type;
	memcpy(q->u.b + q->len, &a, sizeof(a));
	memcpy(q->u.b + q->len + RTA_LENGTH(0), data, dlen);
	q->len += RTA_SPACE(dlen);	/* the padding is already zero */
	return 0;
}

static int
nl_attr_u32(struct nlreq *q, uint16_t type, uint32_t v)
{
	return nl_attr(q, type, &v, sizeof(v));
}

/*
 * Walks attributes in [*p, *p + *len): returns 1 with the next one in
 * *type, *val and *vlen and advances; 0 at the end; -TUN_E_PROTO when an
 * attribute's length is inconsistent with what remains.
 */
static int
attr_next(const uint8_t **p, size_t *len, uint16_t *type,
    const uint8_t **val, size_t *vlen)
{
	struct rtattr a;
	size_t step;

	if (*len < sizeof(a))
		return *len == 0 ? 0 : -TUN_E_PROTO;
	memcpy(&a, *p, sizeof(a));
	if (a.rta_len < RTA_LENGTH(0) || a.rta_len > *len)
		return -TUN_E_PROTO;
	*type = a.rta_type & NLA_TYPE_MASK;
	*val = *p + RTA_LENGTH(0);
	*vlen = a.rta_len - RTA_LENGTH(0);
	step = RTA_ALIGN(a.rta_len);
	if (step > *len)
		step = *len;		/* the last attribute may be unpadded */
	*p += step;
	*len -= step;
	return 1;
}

/* IFLA_INFO_DATA of a tun device (kernel >= 4.15). */
static int
parse_tun_data(const uint8_t *p, size_t len, struct linkinfo *li)
{
	const uint8_t *v;
	size_t vlen;
	uint16_t type;
	int r;

	while ((r = attr_next(&p, &len, &type, &v, &vlen)) == 1) {
		if (vlen < 1)
			continue;
		if (type == IFLA_TUN_TYPE)
			li->tun_type = v[0];
		else if (type == IFLA_TUN_MULTI_QUEUE)
			li->multi_queue = v[0] != 0;
		else if ((type == IFLA_TUN_NUM_QUEUES ||
		    type == IFLA_TUN_NUM_DISABLED_QUEUES) &&
		    vlen >= sizeof(uint32_t)) {
			uint32_t u;

			memcpy(&u, v, sizeof(u));
			if (u <= TUN_QUEUES_MAX)
				li->queues += u;
		}
	}
	return r;
}

static int
parse_linkinfo(const uint8_t *p, size_t len, struct linkinfo *li)
{
	const uint8_t *v;
	size_t vlen;
	uint16_t type;
	int r;

	while ((r = attr_next(&p, &len, &type, &v, &vlen)) == 1) {
		if (type == IFLA_INFO_KIND)
			li->kind_tun = vlen >= 3 && memcmp(v, "tun", 3) == 0 &&
			    (vlen == 3 || v[3] == '\0');
		else if (type == IFLA_INFO_DATA &&
		    (r = parse_tun_data(v, vlen, li)) != 0)
			return r;
	}
	return r;
}

/* The body of an RTM_NEWLINK answer: struct ifinfomsg, then attributes. */
static int
parse_newlink(const uint8_t *p, size_t len, struct linkinfo *li)
{
	struct ifinfomsg ifi;
	const uint8_t *v;
	size_t vlen;
	uint16_t type;
	uint32_t u;
	int r;

	if (len < NLMSG_ALIGN(sizeof(ifi)))
		return -TUN_E_PROTO;
	memcpy(&ifi, p, sizeof(ifi));
	memset(li, 0, sizeof(*li));
	li->index = ifi.ifi_index;
	p += NLMSG_ALIGN(sizeof(ifi));
	len -= NLMSG_ALIGN(sizeof(ifi));
	while ((r = attr_next(&p, &len, &type, &v, &vlen)) == 1) {
		if (type == IFLA_MTU && vlen >= sizeof(u)) {
			memcpy(&u, v, sizeof(u));
			li->mtu = u;
		} else if (type == IFLA_LINKINFO &&
		    (r = parse_linkinfo(v, vlen, li)) != 0)
			return r;
	}
	if (r != 0 || li->index <= 0)
		return -TUN_E_PROTO;
	return 0;
}

/*
 * Sends request q and reads the answer. With li == NULL the request asked
 * for an ACK and the answer is an NLMSG_ERROR (0 or -errno); otherwise it
 * is an RTM_GETLINK whose RTM_NEWLINK answer fills *li. Answers to other
 * sequence numbers, and anything not from the kernel, are skipped.
 */
static int
nl_talk(struct nl *nl, struct nlreq *q, struct linkinfo *li)
{
	struct sockaddr_nl sa;
	struct nlmsghdr h;
	socklen_t salen;
	const uint8_t *p;
	uint32_t seq = nl->seq++;
	ssize_t n;
	size_t left, step;
	int32_t e;

	memcpy(&h, q->u.b, sizeof(h));
	h.nlmsg_len = (uint32_t)q->len;
	h.nlmsg_seq = seq;
	if (li == NULL)
		h.nlmsg_flags |= NLM_F_ACK;
	memcpy(q->u.b, &h, sizeof(h));

	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	do {
		n = sendto(nl->fd, q->u.b, q->len, 0, (struct sockaddr *)&sa,
		    sizeof(sa));
	} while (n == -1 && errno == EINTR);
	if (n == -1)
		return -TUN_E_SYS;
	if ((size_t)n != q->len)
		return -TUN_E_PROTO;

	for (;;) {
		salen = sizeof(sa);
		n = recvfrom(nl->fd, nl->rx, NL_RX_MAX, MSG_TRUNC,
		    (struct sockaddr *)&sa, &salen);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -TUN_E_SYS;	/* EAGAIN: timed out */
		}
		if ((size_t)n > NL_RX_MAX)
			return -TUN_E_PROTO;	/* truncated answer */
		if (salen < sizeof(sa) || sa.nl_pid != 0)
			continue;
		p = nl->rx;
		left = (size_t)n;
		while (left >= NLMSG_HDRLEN) {
			memcpy(&h, p, sizeof(h));
			if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > left)
				return -TUN_E_PROTO;
			if (h.nlmsg_seq == seq) {
				if (h.nlmsg_type == NLMSG_ERROR) {
					if (h.nlmsg_len < NLMSG_HDRLEN +
					    sizeof(e))
						return -TUN_E_PROTO;
					memcpy(&e, p + NLMSG_HDRLEN,
					    sizeof(e));
					if (e > 0 || e == INT32_MIN)
						return -TUN_E_PROTO;
					if (e == 0)
						return li == NULL ? 0 :
						    -TUN_E_PROTO;
					return nl_errno(-e);
				}
				if (li != NULL && h.nlmsg_type == RTM_NEWLINK)
					return parse_newlink(p + NLMSG_HDRLEN,
					    h.nlmsg_len - NLMSG_HDRLEN, li);
				return -TUN_E_PROTO;
			}
			step = NLMSG_ALIGN(h.nlmsg_len);
			if (step > left)
				step = left;
			p += step;
			left -= step;
		}
	}
}

/* Asks the kernel about interface name. -TUN_E_NODEV when absent. */
static int
link_query(struct nl *nl, const char *name, struct linkinfo *li)
{
	struct nlreq q;
	struct ifinfomsg ifi;
	int r;

	memset(&ifi, 0, sizeof(ifi));
	ifi.ifi_family = AF_UNSPEC;
	nl_init(&q, RTM_GETLINK, 0, &ifi, sizeof(ifi));
	if ((r = nl_attr(&q, IFLA_IFNAME, name, strlen(name) + 1)) != 0 ||
	    (r = nl_attr_u32(&q, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS)) != 0)
		return r;
	return nl_talk(nl, &q, li);
}

/* One-shot link_query() on a fresh socket. */
static int
link_lookup(const char *name, struct linkinfo *li)
{
	struct nl nl;
	int r;

	if ((r = nl_open(&nl)) != 0)
		return r;
	r = link_query(&nl, name, li);
	nl_close(&nl);
	return r;
}

/*
 * Explains a failed TUNSETIFF (errno e) on name. excl: the request carried
 * IFF_TUN_EXCL. The kernel checks an existing device's type (EINVAL), then
 * its owner (EPERM); creating needs CAP_NET_ADMIN (EPERM too), so EPERM
 * and EINVAL are told apart by asking rtnetlink what name is.
 */
static int
setiff_error(const char *name, unsigned int flags, int e, int excl)
{
	struct linkinfo li;
	int q;

	if (e == EBUSY)
		return excl ? -TUN_E_EXIST : -TUN_E_BUSY;
	if ((e != EPERM && e != EINVAL) || name == NULL ||
	    strchr(name, '%') != NULL) {
		errno = e;
		return e == EPERM ? -TUN_E_PERM : -TUN_E_SYS;
	}
	q = link_lookup(name, &li);
	if (e == EPERM) {
		if (q == -TUN_E_NODEV)
			return (flags & TUN_OPEN_ATTACH) ? -TUN_E_NODEV :
			    -TUN_E_PERM;
		if (q == 0 && li.kind_tun && li.tun_type != IFF_TAP)
			return -TUN_E_OWNER;
		errno = e;
		return -TUN_E_PERM;
	}
	if (q == 0 && (!li.kind_tun || li.tun_type == IFF_TAP))
		return -TUN_E_NOTTUN;
	if (q == 0 && li.multi_queue != !!(flags & TUN_OPEN_MULTI_QUEUE))
		return -TUN_E_NOTSUP;
	errno = e;
	return -TUN_E_SYS;
}

/* Whether this host stores integers little-endian (virtio's order). */
static int
host_le(void)
{
	const uint16_t one = 1;
	uint8_t b[2];

	memcpy(b, &one, sizeof(b));
	return b[0] == 1;
}

/*
 * Sets up the virtio-net header and offloads on t, opened with
 * IFF_VNET_HDR. Returns 0 when the header is usable (t->offload says
 * which offloads the kernel took), or -1 when it is not and the device
 * must be reopened without it; t->off_note and t->off_err tell why.
 */
static int
vnet_setup(struct tun *t)
{
	/* The two offload sets to try: USO needs TSO with it (the kernel
	 * refuses USO alone), and kernels before 6.2 refuse USO. */
	static const unsigned int sets[] = {
		TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_USO4 | TUN_F_USO6,
		TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6,
	};
	int sz = TUN_VNET_HDR_LEN, le = 1;
	unsigned long zero = 0;

	/* struct virtio_net_hdr (10 bytes), the default; say it. */
	if (ioctl(t->fd, TUNSETVNETHDRSZ, &sz) == -1) {
		t->off_note = "TUNSETVNETHDRSZ refused";
		t->off_err = errno;
		return -1;
	}
	/* Little-endian fields on any host (virtio 1.x); on a
	 * little-endian host a kernel without TUNSETVNETLE is fine too. */
	if (ioctl(t->fd, TUNSETVNETLE, &le) == -1 && !host_le()) {
		t->off_note = "TUNSETVNETLE refused";
		t->off_err = errno;
		return -1;
	}
	t->offload = TUN_OFF_VNET;
	if (ioctl(t->fd, TUNSETOFFLOAD, (unsigned long)sets[0]) == 0) {
		t->offload |= TUN_OFF_CSUM | TUN_OFF_TSO | TUN_OFF_USO;
		return 0;
	}
	t->off_err = errno;
	if (ioctl(t->fd, TUNSETOFFLOAD, (unsigned long)sets[1]) == 0) {
		t->offload |= TUN_OFF_CSUM | TUN_OFF_TSO;
		t->off_note = "the kernel refused USO4/USO6";
		return 0;
	}
	t->off_err = errno;
	t->off_note = "the kernel refused TUNSETOFFLOAD for checksum and TSO";
	/* Writes of super-packets still work: they do not depend on the
	 * device's features. Reads stay one packet each. */
	if (ioctl(t->fd, TUNSETOFFLOAD, zero) == 0)
		return 0;
	t->offload = 0;
	return -1;
}

/*
 * tun_open without TUN_OPEN_OFFLOAD in flags; vnet asks for IFF_VNET_HDR
 * (the caller checked that the kernel has it).
 */
static int
open_dev(const char *name, unsigned int flags, int vnet, struct tun **out)
{
	struct tun *t = NULL;
	struct linkinfo li;
	struct ifreq ifr;
	unsigned int mode = flags & ~(unsigned int)TUN_OPEN_MULTI_QUEUE;
	int r = -TUN_E_SYS, excl, e, mq = !!(flags & TUN_OPEN_MULTI_QUEUE);

	/* Attach must not create: see what name is first (the kernel would
	 * make a new device for root). The IFF_PERSIST check below closes
	 * the race with a device deleted in between. */
	if (flags & TUN_OPEN_ATTACH) {
		if ((r = link_lookup(name, &li)) != 0)
			return r;
		if (!li.kind_tun || li.tun_type == IFF_TAP)
			return -TUN_E_NOTTUN;
		if (li.multi_queue != mq)
			return -TUN_E_NOTSUP;
	}

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return -TUN_E_NOMEM;
	if ((t->fd = open(TUN_DEV, O_RDWR | O_CLOEXEC)) == -1) {
		r = -TUN_E_NODRV;
		goto out;
	}

	/* Without ATTACH, first ask for a new device (IFF_TUN_EXCL): that is
	 * how we learn whether we created it. EBUSY then means "exists", and
	 * the default mode attaches instead. */
	excl = !(flags & TUN_OPEN_ATTACH);
	for (;;) {
		memset(&ifr, 0, sizeof(ifr));
		if (name != NULL)
			memcpy(ifr.ifr_name, name, strlen(name));
		ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
		if (vnet)
			ifr.ifr_flags |= IFF_VNET_HDR;
		if (mq)
			ifr.ifr_flags |= IFF_MULTI_QUEUE;
		if (excl)
			ifr.ifr_flags |= IFF_TUN_EXCL;
		if (ioctl(t->fd, TUNSETIFF, &ifr) == 0)
			break;
		e = errno;
		if (e == EBUSY && excl && mode == 0 && name != NULL &&
		    strchr(name, '%') == NULL) {
			excl = 0;
			continue;
		}
		r = setiff_error(name, flags, e, excl);
		goto out;
	}

	memset(&ifr, 0, sizeof(ifr));
	if (ioctl(t->fd, TUNGETIFF, &ifr) == -1) {
		r = -TUN_E_SYS;
		goto out;
	}
	/* A device that is not persistent cannot have been there without
	 * an fd attached (that is EBUSY), so we made it even after EBUSY
	 * when it vanished in between. */
	t->created = excl || !(ifr.ifr_flags & IFF_PERSIST);
	if ((flags & TUN_OPEN_ATTACH) && !(ifr.ifr_flags & IFF_PERSIST)) {
		/* We made it; closing the fd deletes it again. */
		r = -TUN_E_NODEV;
		goto out;
	}
	memcpy(t->name, ifr.ifr_name, sizeof(t->name) - 1);
	t->name[sizeof(t->name) - 1] = '\0';
	t->mq = mq;
	/* A multi-queue device takes further queues without EBUSY: one
	 * that another process holds a queue of is not ours to use. */
	if (mq && !excl && link_lookup(t->name, &li) == 0 && li.queues > 1) {
		r = -TUN_E_BUSY;
		goto out;
	}
	/* A persistent device keeps the offloads an earlier opener set;
	 * without a virtio-net header the kernel would then hand us
	 * super-packets. Switch them off (an error only means there were
	 * none to switch off). */
	if (!vnet)
		(void)ioctl(t->fd, TUNSETOFFLOAD, 0UL);

	*out = t;
	t = NULL;
	r = 0;
 out:
	tun_close(t);
	return r;
}

int
tun_open(const char *name, unsigned int flags, struct tun **out)
{
	const char *note = NULL;
	unsigned int features = 0;
	struct tun *t = NULL;
	int fd, r, err = 0;

	*out = NULL;
	if ((flags & ~(TUN_OPEN_CREATE | TUN_OPEN_ATTACH |
	    TUN_OPEN_OFFLOAD | TUN_OPEN_MULTI_QUEUE)) != 0 ||
	    (flags & (TUN_OPEN_CREATE | TUN_OPEN_ATTACH)) ==
	    (TUN_OPEN_CREATE | TUN_OPEN_ATTACH))
		return -TUN_E_INVAL;
	if (name == NULL) {
		if (flags & TUN_OPEN_ATTACH)
			return -TUN_E_NAME;
	} else if ((r = name_check(name, !(flags & TUN_OPEN_ATTACH))) != 0)
		return r;
	if (!(flags & TUN_OPEN_OFFLOAD))
		return open_dev(name, flags, 0, out);
	flags &= ~(unsigned int)TUN_OPEN_OFFLOAD;

	/* Does this kernel have virtio-net headers at all? */
	if ((fd = open(TUN_DEV, O_RDWR | O_CLOEXEC)) == -1)
		return -TUN_E_NODRV;
	if (ioctl(fd, TUNGETFEATURES, &features) == -1) {
		err = errno;
		features = 0;
	}
	close(fd);
	if (!(features & IFF_VNET_HDR)) {
		note = "the kernel has no IFF_VNET_HDR";
	} else {
		if ((r = open_dev(name, flags, 1, &t)) != 0)
			return r;
		if (vnet_setup(t) == 0) {
			*out = t;
			return 0;
		}
		/* The header is unusable: reopen the device without it (a
		 * device we created goes and comes back). */
		note = t->off_note;
		err = t->off_err;
		tun_close(t);
	}
	if ((r = open_dev(name, flags, 0, out)) != 0)
		return r;
	(*out)->off_note = note;
	(*out)->off_err = err;
	return 0;
}

int
tun_open_queue(const struct tun *t, struct tun **out)
{
	struct tun *q = NULL;
	struct ifreq ifr;
	int r = -TUN_E_SYS, e, vnet = (t->offload & TUN_OFF_VNET) != 0;

	*out = NULL;
	if (!t->mq)
		return -TUN_E_INVAL;
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return -TUN_E_NOMEM;
	if ((q->fd = open(TUN_DEV, O_RDWR | O_CLOEXEC)) == -1) {
		r = -TUN_E_NODRV;
		goto out;
	}
	/* tun_set_iff: a further queue of an initialized multi-queue device
	 * keeps the device's flags; ours must match only for the check
	 * below. No IFF_TUN_EXCL: the device is there, t holds it. */
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, t->name, strlen(t->name));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI | IFF_MULTI_QUEUE;
	if (vnet)
		ifr.ifr_flags |= IFF_VNET_HDR;
	if (ioctl(q->fd, TUNSETIFF, &ifr) == -1) {
		e = errno;
		r = e == EPERM ? -TUN_E_PERM : e == EINVAL ? -TUN_E_NOTSUP :
		    -TUN_E_SYS;
		errno = e;
		goto out;
	}
	memset(&ifr, 0, sizeof(ifr));
	if (ioctl(q->fd, TUNGETIFF, &ifr) == -1) {
		r = -TUN_E_SYS;
		goto out;
	}
	/* The packet format is the device's: reading a virtio-net header
	 * that is not there (or the reverse) would corrupt every packet. */
	if (!(ifr.ifr_flags & IFF_MULTI_QUEUE) ||
	    !(ifr.ifr_flags & IFF_VNET_HDR) != !vnet) {
		r = -TUN_E_NOTSUP;
		goto out;
	}
	q->mq = 1;
	q->created = t->created;
	q->offload = t->offload;
	q->off_note = t->off_note;
	q->off_err = t->off_err;
	memcpy(q->name, t->name, sizeof(q->name));
	*out = q;
	q = NULL;
	r = 0;
 out:
	tun_close(q);
	return r;
}

int
tun_multi_queue(const struct tun *t)
{
	return t->mq;
}

void
tun_close(struct tun *t)
{
	int saved = errno;

	if (t == NULL)
		return;
	if (t->fd != -1)
		close(t->fd);
	free(t);
	errno = saved;
}

int
tun_fd(const struct tun *t)
{
	return t->fd;
}

const char *
tun_name(const struct tun *t)
{
	return t->name;
}

int
tun_created(const struct tun *t)
{
	return t->created;
}

unsigned int
tun_offload(const struct tun *t, const char **note, int *err)
{
	if (note != NULL)
		*note = t->off_note;
	if (err != NULL)
		*err = t->off_note != NULL ? t->off_err : 0;
	return t->offload;
}

int
tun_mtu(const struct tun *t, unsigned int *mtu)
{
	struct linkinfo li;
	int r;

	if ((r = link_lookup(t->name, &li)) != 0)
		return r;
	*mtu = li.mtu;
	return 0;
}

int
tun_set_nonblock(struct tun *t, int on)
{
	int fl;

	if ((fl = fcntl(t->fd, F_GETFL)) == -1)
		return -TUN_E_SYS;
	fl = on ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK);
	if (fcntl(t->fd, F_SETFL, fl) == -1)
		return -TUN_E_SYS;
	t->nonblock = on != 0;
	return 0;
}

void
tun_get_stats(const struct tun *t, struct tun_stats *st)
{
	st->rx_truncated = __atomic_load_n(&t->st.rx_truncated,
	    __ATOMIC_RELAXED);
	st->tx_invalid = __atomic_load_n(&t->st.tx_invalid, __ATOMIC_RELAXED);
}

/* Drop counters: a handle may be written from several threads (queues of
 * a device that has only one), and read from another. */
static void
st_inc(uint64_t *c)
{
	(void)__atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
}

/* Returns the length an IP packet's header declares (RFC 791 total length;
 * RFC 8200 payload length + 40), or SIZE_MAX when n bytes do not show it. */
static size_t
ip_len(const uint8_t *b, size_t n)
{
	if (n >= 4 && (b[0] >> 4) == 4)
		return (size_t)b[2] << 8 | b[3];
	if (n >= 6 && (b[0] >> 4) == 6)
		return 40 + ((size_t)b[4] << 8 | b[5]);
	return SIZE_MAX;
}

/*
 * A TUN fd has no batched read: one read() per packet until EAGAIN
 * (perf-limits.md: ~2.6 us each here). With offloads a packet may be a
 * 64 KB super-packet, so one read then moves ~46 segments.
 */
int
tun_read_batch(struct tun *t, struct tun_pkt *pkts, size_t n, size_t off)
{
	struct tun_pkt *p;
	struct iovec iov[2];
	size_t i, got = 0, tries = 0, limit, hl;
	ssize_t nr;

	for (i = 0; i < n; i++)
		if (pkts[i].buf == NULL || pkts[i].cap <= off)
			return -TUN_E_INVAL;
	if (n > INT_MAX)
		n = INT_MAX;
	limit = t->nonblock ? n : (n > 0);
	hl = (t->offload & TUN_OFF_VNET) ? TUN_VNET_HDR_LEN : 0;
	while (tries < limit) {
		p = &pkts[got];
		if (hl != 0) {
			iov[0].iov_base = p->vnet;
			iov[0].iov_len = hl;
			iov[1].iov_base = p->buf + off;
			iov[1].iov_len = p->cap - off;
			nr = readv(t->fd, iov, 2);
		} else
			nr = read(t->fd, p->buf + off, p->cap - off);
		if (nr == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    got > 0)
				break;
			return -TUN_E_SYS;
		}
		tries++;
		if ((size_t)nr < hl) {
			st_inc(&t->st.rx_truncated);
			continue;
		}
		nr -= (ssize_t)hl;
		/* The kernel copies what fits and returns the copied length
		 * (older kernels: the full length), so a read that fills
		 * its slot is checked against the packet's IP length. */
		if ((size_t)nr > p->cap - off || ((size_t)nr == p->cap - off &&
		    ip_len(p->buf + off, (size_t)nr) > (size_t)nr)) {
			st_inc(&t->st.rx_truncated);
			continue;
		}
		p->len = (size_t)nr;
		got++;
	}
	return (int)got;
}

int
tun_write_batch(struct tun *t, const struct tun_pkt *pkts, size_t n,
    size_t off)
{
	const struct tun_pkt *p;
	struct iovec iov[2];
	size_t i, hl;
	ssize_t nw;

	for (i = 0; i < n; i++)
		if (pkts[i].buf == NULL || off > pkts[i].cap ||
		    pkts[i].len > pkts[i].cap - off)
			return -TUN_E_INVAL;
	if (n > INT_MAX)
		n = INT_MAX;
	hl = (t->offload & TUN_OFF_VNET) ? TUN_VNET_HDR_LEN : 0;
	for (i = 0; i < n;) {
		p = &pkts[i];
		if (hl != 0) {
			iov[0].iov_base = (void *)p->vnet;
			iov[0].iov_len = hl;
			iov[1].iov_base = p->buf + off;
			iov[1].iov_len = p->len;
			nw = writev(t->fd, iov, 2);
		} else
			nw = write(t->fd, p->buf + off, p->len);
		if (nw == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			/* tun_get_user: EINVAL for a packet that is neither
			 * IPv4 nor IPv6 (or empty); that packet only. */
			if (errno == EINVAL || errno == EMSGSIZE) {
				st_inc(&t->st.tx_invalid);
				i++;
				continue;
			}
			if (i > 0)
				break;
			return -TUN_E_SYS;
		}
		if ((size_t)nw != hl + p->len)
			st_inc(&t->st.tx_invalid);
		i++;
	}
	return (int)i;
}

int
tun_write_iov(struct tun *t, const struct iovec *iov, size_t n)
{
	size_t i, len = 0;
	ssize_t nw;

	if (n == 0 || n > IOV_MAX_TUN)
		return -TUN_E_INVAL;
	for (i = 0; i < n; i++)
		len += iov[i].iov_len;
	for (;;) {
		nw = writev(t->fd, iov, (int)n);
		if (nw != -1)
			break;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		/* tun_get_user: EINVAL for what is not an IP packet, or a
		 * virtio-net header the kernel does not accept. */
		if (errno == EINVAL || errno == EMSGSIZE) {
			st_inc(&t->st.tx_invalid);
			return 1;
		}
		return -TUN_E_SYS;
	}
	if ((size_t)nw != len)
		st_inc(&t->st.tx_invalid);
	return 1;
}

/* Returns the address length of p's family, or 0 when p is invalid. */
static size_t
prefix_alen(const struct tun_prefix *p)
{
	if (p->family == AF_INET && p->len <= 32)
		return 4;
	if (p->family == AF_INET6 && p->len <= 128)
		return 16;
	return 0;
}

/*
 * Opens a netlink socket, looks ifname up, and sends the request that
 * build() makes for that interface index (arg is build's, borrowed).
 */
typedef int nl_build_fn(struct nlreq *, int ifindex, const void *arg);

static int
link_request(const char *ifname, nl_build_fn *build, const void *arg)
{
	struct nl nl = { .fd = -1 };
	struct nlreq q;
	struct linkinfo li;
	int r = -TUN_E_SYS;

	if (ifname == NULL)
		return -TUN_E_NAME;
	if ((r = name_check(ifname, 0)) != 0)
		return r;
	if ((r = nl_open(&nl)) != 0)
		return r;
	if ((r = link_query(&nl, ifname, &li)) != 0 ||
	    (r = build(&q, li.index, arg)) != 0 ||
	    (r = nl_talk(&nl, &q, NULL)) != 0)
		goto out;
	r = 0;
 out:
	nl_close(&nl);
	return r;
}

static int
build_up(struct nlreq *q, int ifindex, const void *arg)
{
	struct ifinfomsg ifi;

	memset(&ifi, 0, sizeof(ifi));
	ifi.ifi_family = AF_UNSPEC;
	ifi.ifi_index = ifindex;
	ifi.ifi_flags = IFF_UP;
	ifi.ifi_change = IFF_UP;
	nl_init(q, RTM_NEWLINK, 0, &ifi, sizeof(ifi));
	return 0;
}

int
tun_link_up(const char *ifname)
{
	return link_request(ifname, build_up, NULL);
}

/* One 32-bit attribute of a link to set. */
struct link_u32 {
	uint16_t	 type;
	unsigned int	 v;
};

static int
build_u32(struct nlreq *q, int ifindex, const void *arg)
{
	const struct link_u32 *a = arg;
	struct ifinfomsg ifi;

	memset(&ifi, 0, sizeof(ifi));
	ifi.ifi_family = AF_UNSPEC;
	ifi.ifi_index = ifindex;
	nl_init(q, RTM_NEWLINK, 0, &ifi, sizeof(ifi));
	return nl_attr_u32(q, a->type, a->v);
}

int
tun_link_mtu(const char *ifname, unsigned int mtu)
{
	struct link_u32 a = { IFLA_MTU, mtu };

	/* 68: the IPv4 minimum (RFC 791); 65535: the TUN driver's maximum. */
	if (mtu < 68 || mtu > 65535)
		return -TUN_E_INVAL;
	return link_request(ifname, build_u32, &a);
}

int
tun_link_gso_max_segs(const char *ifname, unsigned int segs)
{
	struct link_u32 a = { IFLA_GSO_MAX_SEGS, segs };

	/* 65535: the kernel's GSO_MAX_SEGS. */
	if (segs < 1 || segs > 65535)
		return -TUN_E_INVAL;
	return link_request(ifname, build_u32, &a);
}

struct pfx_op {
	const struct tun_prefix	*p;
	int			 del;
};

static int
build_addr(struct nlreq *q, int ifindex, const void *arg)
{
	const struct pfx_op *op = arg;
	const struct tun_prefix *p = op->p;
	struct ifaddrmsg ifa;
	size_t alen = prefix_alen(p);
	int r;

	memset(&ifa, 0, sizeof(ifa));
	ifa.ifa_family = (uint8_t)p->family;
	ifa.ifa_prefixlen = (uint8_t)p->len;
	ifa.ifa_scope = RT_SCOPE_UNIVERSE;
	ifa.ifa_index = (uint32_t)ifindex;
	/* A TUN device is NOARP, so the kernel skips DAD (RFC 4862 5.4)
	 * anyway; say so, and the address is never tentative. */
	if (p->family == AF_INET6)
		ifa.ifa_flags = IFA_F_NODAD;
	/* REPLACE makes adding an existing address a no-op success. */
	nl_init(q, op->del ? RTM_DELADDR : RTM_NEWADDR,
	    op->del ? 0 : NLM_F_CREATE | NLM_F_REPLACE, &ifa, sizeof(ifa));
	if ((r = nl_attr(q, IFA_LOCAL, p->a, alen)) != 0 ||
	    (r = nl_attr(q, IFA_ADDRESS, p->a, alen)) != 0)
		return r;
	return 0;
}

static int
addr_op(const char *ifname, const struct tun_prefix *p, int del)
{
	struct pfx_op op = { p, del };

	if (p == NULL || prefix_alen(p) == 0)
		return -TUN_E_INVAL;
	return link_request(ifname, build_addr, &op);
}

int
tun_addr_add(const char *ifname, const struct tun_prefix *p)
{
	return addr_op(ifname, p, 0);
}

int
tun_addr_del(const char *ifname, const struct tun_prefix *p)
{
	return addr_op(ifname, p, 1);
}

static int
build_route(struct nlreq *q, int ifindex, const void *arg)
{
	const struct pfx_op *op = arg;
	const struct tun_prefix *p = op->p;
	struct rtmsg rtm;
	uint8_t dst[16];
	size_t alen = prefix_alen(p), i;
	unsigned int bits = p->len;
	int r;

	/* The IPv4 FIB refuses host bits (fib_table_insert); clear them. */
	memset(dst, 0, sizeof(dst));
	for (i = 0; i < alen && bits > 0; i++) {
		dst[i] = bits >= 8 ? p->a[i] :
		    (uint8_t)(p->a[i] & (0xff00u >> bits));
		bits = bits >= 8 ? bits - 8 : 0;
	}

	memset(&rtm, 0, sizeof(rtm));
	rtm.rtm_family = (uint8_t)p->family;
	rtm.rtm_dst_len = (uint8_t)p->len;
	rtm.rtm_table = RT_TABLE_MAIN;
	/* RTPROT_STATIC marks it as ours, and delete matches on it. */
	rtm.rtm_protocol = RTPROT_STATIC;
	rtm.rtm_type = RTN_UNICAST;
	/* As ip-route(8): an IPv4 route without gateway is scope link, and
	 * a delete of any scope says "nowhere"; IPv6 has no route scope. */
	if (p->family == AF_INET)
		rtm.rtm_scope = op->del ? RT_SCOPE_NOWHERE : RT_SCOPE_LINK;
	else
		rtm.rtm_scope = RT_SCOPE_UNIVERSE;
	nl_init(q, op->del ? RTM_DELROUTE : RTM_NEWROUTE,
	    op->del ? 0 : NLM_F_CREATE | NLM_F_REPLACE, &rtm, sizeof(rtm));
	if (p->len > 0 && (r = nl_attr(q, RTA_DST, dst, alen)) != 0)
		return r;
	return nl_attr_u32(q, RTA_OIF, (uint32_t)ifindex);
}

static int
route_op(const char *ifname, const struct tun_prefix *p, int del)
{
	struct pfx_op op = { p, del };

	if (p == NULL || prefix_alen(p) == 0)
		return -TUN_E_INVAL;
	return link_request(ifname, build_route, &op);
}

int
tun_route_add(const char *ifname, const struct tun_prefix *p)
{
	return route_op(ifname, p, 0);
}

int
tun_route_del(const char *ifname, const struct tun_prefix *p)
{
	return route_op(ifname, p, 1);
}
