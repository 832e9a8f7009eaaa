/*
 * tun.h: layer-3 TUN devices behind one OS-independent interface.
 *
 * One implementation per platform (tun/tun_linux.c; a BSD/macOS utun file
 * later), picked by configure. This layer sees nothing of core/ and never
 * logs: it returns codes and the caller, which knows the context, logs.
 *
 * Error convention: functions return 0 (or a count) on success and a
 * negative -TUN_E_* code on failure. After -TUN_E_SYS and -TUN_E_NODRV,
 * errno holds the system error and survives until the caller logs it.
 * tun_strerror() names every code.
 *
 * Packets carry no link or protocol-information header: a read returns
 * one bare IPv4 or IPv6 packet, a write takes one, and the IP version
 * nibble tells them apart (Linux IFF_NO_PI; utun's 4-byte family header
 * will be added and stripped inside tun_bsd.c).
 *
 * Offloads (TUN_OPEN_OFFLOAD, Linux): every packet then travels with a
 * TUN_VNET_HDR_LEN-byte virtio-net header (struct virtio_net_hdr, its
 * 16-bit fields little-endian on any host; core/gso.h reads and writes
 * it), and the kernel may hand over, and accepts, TSO/USO super-packets
 * of up to 64 KB with a partial checksum for the reader to complete
 * (IFF_VNET_HDR, TUNSETOFFLOAD; the recipe of wireguard-go's
 * tun/tun_linux.go). One read or write then moves many segments.
 *
 * Multi-queue (TUN_OPEN_MULTI_QUEUE, Linux IFF_MULTI_QUEUE): the device
 * has several queues, each its own fd, opened with tun_open() and then
 * tun_open_queue(). The kernel spreads the packets it routes into the
 * device over the queues by flow (a hash of the addresses and ports; a
 * flow whose packets were last written on a queue is read from that
 * queue), so one thread per queue sees whole flows. A packet may be
 * written on any queue. Every queue has the packet format and offloads of
 * the first: the virtio-net header and TUNSETOFFLOAD are properties of
 * the device, not of the queue.
 *
 * Device configuration (tun_link_*, tun_addr_*, tun_route_*) takes an
 * interface name rather than a handle, so it can later move behind the
 * privileged process (core/priv) while the handle stays in the engine. It
 * needs CAP_NET_ADMIN (root on BSD); without it every such call returns
 * -TUN_E_PERM, so a daemon attached to a device configured beforehand can
 * say so and go on. Order: link up, then addresses, then routes (a route
 * needs its device up).
 */
#ifndef TUN_TUN_H
#define TUN_TUN_H

#include <stddef.h>
#include <stdint.h>

/* Room for an interface name with its NUL (IFNAMSIZ on Linux and BSD). */
#define TUN_NAME_MAX	16

enum tun_err {
	TUN_E_SYS = 1,	/* system error: see errno */
	TUN_E_NOMEM,	/* out of memory */
	TUN_E_INVAL,	/* invalid argument: flags, family, prefix, MTU */
	TUN_E_NAME,	/* invalid interface name */
	TUN_E_NODRV,	/* cannot open the TUN driver: see errno */
	TUN_E_PERM,	/* not permitted: needs CAP_NET_ADMIN */
	TUN_E_NODEV,	/* no interface by that name */
	TUN_E_NOTTUN,	/* the interface exists but is not a TUN device */
	TUN_E_OWNER,	/* the TUN device belongs to another user or group */
	TUN_E_BUSY,	/* the TUN device is in use by another process */
	TUN_E_EXIST,	/* the interface already exists */
	TUN_E_NOENT,	/* no such address or route */
	TUN_E_NOTSUP,	/* not supported by this OS or device */
	TUN_E_PROTO	/* malformed or unexpected answer from the kernel */
};

#define TUN_WUR	__attribute__((warn_unused_result))

/*
 * tun_open() flags. Neither CREATE nor ATTACH: attach to the device if it
 * exists, else create it. Bits 0x0100 and up are for extensions that
 * change the packet format or the number of fds (virtio-net header
 * offloads, multi-queue); unknown bits are refused.
 */
#define TUN_OPEN_CREATE	0x0001	/* create; -TUN_E_EXIST if it exists */
#define TUN_OPEN_ATTACH	0x0002	/* attach to an existing persistent
				 * device only; -TUN_E_NODEV if absent */
#define TUN_OPEN_OFFLOAD 0x0100	/* virtio-net headers and offloads when
				 * the kernel has them: see tun_offload */
#define TUN_OPEN_MULTI_QUEUE 0x0200 /* a multi-queue device: more queues
				 * with tun_open_queue */

/* Most queues one device may have (the kernel's MAX_TAP_QUEUES). */
#define TUN_QUEUES_MAX	256

/* The virtio-net header that precedes every packet in offload mode. */
#define TUN_VNET_HDR_LEN 10

/* What tun_offload() reports in effect. */
#define TUN_OFF_VNET	0x01	/* every packet has a virtio-net header; the
				 * kernel accepts GSO super-packets */
#define TUN_OFF_CSUM	0x02	/* reads may leave a checksum to complete */
#define TUN_OFF_TSO	0x04	/* reads may be TCP super-packets (v4, v6) */
#define TUN_OFF_USO	0x08	/* reads may be UDP super-packets (v4, v6) */

struct tun;

/* One packet slot of a batch. buf is borrowed; the packet lives at
 * buf + off (off is the batch's headroom, the same for every slot). */
struct tun_pkt {
	uint8_t	*buf;
	size_t	 cap;		/* bytes available at buf */
	size_t	 len;		/* packet length at buf + off */
	/* Offload mode only: the packet's virtio-net header, filled by
	 * reads and sent by writes (the packet itself stays at buf + off). */
	uint8_t	 vnet[TUN_VNET_HDR_LEN];
};

/* Packets this layer dropped on its own (counters since tun_open). */
struct tun_stats {
	uint64_t rx_truncated;	/* read larger than its slot: dropped */
	uint64_t tx_invalid;	/* write refused by the kernel: dropped */
};

/* A network or an interface address: family is AF_INET or AF_INET6; a
 * holds the address in network byte order (a[0..3] for IPv4); len is the
 * prefix length, 0..32 or 0..128. Same layout as core's struct cfg_prefix
 * flattened. */
struct tun_prefix {
	int		 family;
	uint8_t		 a[16];
	unsigned int	 len;
};

/*
 * Opens a TUN device. name (borrowed) is the interface name; NULL lets the
 * kernel pick one, and a name with "%d" is a template (create only). flags
 * is 0 or one of TUN_OPEN_CREATE and TUN_OPEN_ATTACH, or'ed with
 * TUN_OPEN_OFFLOAD: the device is then opened with IFF_VNET_HDR and the
 * checksum, TSO and USO offloads the kernel takes; when it refuses the
 * header, tun_open falls back to a plain device (tun_offload tells); and
 * with TUN_OPEN_MULTI_QUEUE: the handle is the device's first queue, and
 * a device that exists must be a multi-queue one ("ip tuntap add ...
 * multi_queue") with no queue attached by anyone else.
 * Attaching to a persistent device needs no
 * privilege when it was made for this user ("ip tuntap add dev ikeg0 mode
 * tun user ikegate"); creating one needs CAP_NET_ADMIN. The fd is
 * close-on-exec and blocking; see tun_set_nonblock().
 * Returns 0 and a handle owned by the caller in *out, or -TUN_E_NAME,
 * -TUN_E_INVAL, -TUN_E_NODRV, -TUN_E_PERM (may not create), -TUN_E_NODEV
 * (ATTACH: no such device, or not a persistent one), -TUN_E_NOTTUN,
 * -TUN_E_OWNER, -TUN_E_BUSY, -TUN_E_EXIST (CREATE), -TUN_E_NOTSUP (the
 * device exists and is multi-queue while TUN_OPEN_MULTI_QUEUE is not
 * given, or the other way round), -TUN_E_NOMEM, -TUN_E_SYS. Does not log.
 */
int		 tun_open(const char *name, unsigned int flags,
		    struct tun **out) TUN_WUR;

/*
 * Opens one more queue of the multi-queue device whose queue t (borrowed)
 * is: a new handle, owned by the caller in *out, with its own fd
 * (close-on-exec, blocking), packet format, offloads and name of t, and
 * its own drop counters. Queues are independent: each may be closed at
 * any time, and a device tun_open() created disappears with its last
 * queue (tun_created() tells the same for every queue). Needs the same
 * rights as attaching to the device. Returns 0, -TUN_E_INVAL (t is not
 * multi-queue), -TUN_E_NODRV, -TUN_E_PERM, -TUN_E_NODEV (the device went
 * away), -TUN_E_NOTSUP (the kernel took the queue with another packet
 * format), -TUN_E_NOMEM, or -TUN_E_SYS (E2BIG: TUN_QUEUES_MAX reached).
 * Does not log.
 */
int		 tun_open_queue(const struct tun *t, struct tun **out)
		    TUN_WUR;

/* Returns 1 when t is a queue of a multi-queue device, else 0. */
int		 tun_multi_queue(const struct tun *t);

/* Closes t; a device that tun_open() created and that was not made
 * persistent since disappears (a multi-queue one with its last queue).
 * NULL is a no-op. */
void		 tun_close(struct tun *t);

/* Returns the file descriptor, for a poll watcher; t keeps owning it. */
int		 tun_fd(const struct tun *t);

/* Returns the interface name (owned by t, valid until tun_close). */
const char	*tun_name(const struct tun *t);

/* Returns 1 when tun_open() created the device, 0 when it attached. */
int		 tun_created(const struct tun *t);

/*
 * Returns the TUN_OFF_* bits in effect: 0 without TUN_OPEN_OFFLOAD, or
 * when the kernel refused the virtio-net header (tun_open then fell back
 * to a plain device); TUN_OFF_VNET alone when it took the header but no
 * offload. When something asked for is missing, *note (may be NULL) gets
 * a static phrase saying what ("the kernel refused USO4/USO6") and *err
 * (may be NULL) the errno of the refusal, for the caller to log once;
 * else NULL and 0.
 */
unsigned int	 tun_offload(const struct tun *t, const char **note,
		    int *err);

/* Stores the current MTU of t's interface in *mtu. Needs no privilege.
 * Returns 0, -TUN_E_NODEV or -TUN_E_SYS. */
int		 tun_mtu(const struct tun *t, unsigned int *mtu) TUN_WUR;

/* Switches the fd to non-blocking (on != 0) or blocking mode. Returns 0
 * or -TUN_E_SYS. */
int		 tun_set_nonblock(struct tun *t, int on) TUN_WUR;

/* Copies the drop counters into *st. Counters are atomic: threads that
 * share a handle (reading and writing from several is allowed: each read
 * and write is one packet) count right, and any thread may read them. */
void		 tun_get_stats(const struct tun *t, struct tun_stats *st);

/*
 * Reads up to n packets into pkts[0..n) (borrowed), each at buf + off with
 * up to cap - off bytes, and sets each filled slot's len (and vnet, in
 * offload mode, where a slot must hold a 64 KB super-packet). Stops early when
 * no packet is waiting (EAGAIN is normal, not an error). A packet larger
 * than its slot is dropped and counted (rx_truncated) and its slot reused.
 * In blocking mode it makes one read, waiting for a packet; batches need
 * tun_set_nonblock(). Makes at most n reads (plus retries after EINTR).
 * Returns the number of slots filled (0 when nothing was waiting), or
 * -TUN_E_INVAL (a slot with cap <= off) or -TUN_E_SYS when the first read
 * fails; a failure after some packets returns those and repeats next call.
 */
int		 tun_read_batch(struct tun *t, struct tun_pkt *pkts, size_t n,
		    size_t off) TUN_WUR;

/*
 * Writes the n packets at pkts[i].buf + off, pkts[i].len bytes each (all
 * borrowed), in order, each after its pkts[i].vnet in offload mode. A
 * packet the kernel refuses as malformed is dropped and counted
 * (tx_invalid). Stops early when the device queue is full.
 * Returns the number of packets consumed (written or dropped), so the
 * caller resumes at that index; or -TUN_E_INVAL (a slot with off + len >
 * cap) or -TUN_E_SYS when the first packet fails otherwise (EIO: the link
 * is down).
 */
int		 tun_write_batch(struct tun *t, const struct tun_pkt *pkts,
		    size_t n, size_t off) TUN_WUR;

/*
 * Writes one packet gathered from iov[0..n) (borrowed; 1 <= n <= 1024,
 * struct iovec from <sys/uio.h>) with one system call: in offload mode
 * the first TUN_VNET_HDR_LEN bytes are its virtio-net header (a GSO
 * super-packet is segmented or delivered whole by the kernel). Returns 1
 * when written, or refused as malformed (dropped and counted in
 * tx_invalid); 0 when the device queue is full; -TUN_E_INVAL (n) or
 * -TUN_E_SYS (EIO: the link is down).
 */
struct iovec;
int		 tun_write_iov(struct tun *t, const struct iovec *iov,
		    size_t n) TUN_WUR;

/* Returns a short message for code (sign ignored); for TUN_E_SYS and
 * TUN_E_NODRV the caller appends strerror(errno). Never NULL. */
const char	*tun_strerror(int code);

/*
 * Configuration by interface name (borrowed). Each returns 0, -TUN_E_PERM
 * without CAP_NET_ADMIN, -TUN_E_NAME, -TUN_E_NODEV, -TUN_E_INVAL (argument
 * or kernel refused it), -TUN_E_PROTO, -TUN_E_NOMEM or -TUN_E_SYS. Does
 * not log.
 */

/* Sets the interface administratively up. */
int		 tun_link_up(const char *ifname) TUN_WUR;

/* Sets the interface MTU, 68..65535 (IPv6 needs at least 1280). */
int		 tun_link_mtu(const char *ifname, unsigned int mtu) TUN_WUR;

/* Caps the segments of the super-packets the kernel hands to the device
 * (TSO/USO), 1..65535; the kernel's TCP sizes its bursts to it. Old
 * kernels may refuse it or ignore it. */
int		 tun_link_gso_max_segs(const char *ifname, unsigned int segs)
		    TUN_WUR;

/* Adds address p->a with prefix length p->len to the interface; the kernel
 * adds the route to the prefix. Adding an address that is already there
 * succeeds (so a restart over a persistent device is harmless). Linux
 * starts delivering to a new IPv6 address a moment after the call. */
int		 tun_addr_add(const char *ifname, const struct tun_prefix *p)
		    TUN_WUR;

/* Removes the address; -TUN_E_NOENT when it is not on the interface. */
int		 tun_addr_del(const char *ifname, const struct tun_prefix *p)
		    TUN_WUR;

/* Routes network p (host bits ignored; len 0 is the default route) to the
 * interface in the main table, replacing a route to the same network. */
int		 tun_route_add(const char *ifname, const struct tun_prefix *p)
		    TUN_WUR;

/* Removes a route that tun_route_add() made; -TUN_E_NOENT when absent. */
int		 tun_route_del(const char *ifname, const struct tun_prefix *p)
		    TUN_WUR;

#endif /* TUN_TUN_H */
