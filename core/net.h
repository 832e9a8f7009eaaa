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
 *
 * Workers (net_config.workers > 0). For a multi-threaded data plane the
 * NAT-T port gets one socket per data-plane thread instead of the loop's
 * own, all bound to it with SO_REUSEPORT: the kernel hashes each datagram's
 * addresses and ports to one socket, so a client's ESP always reaches the
 * same thread (until a NAT rebinds its port). A worker socket is watched
 * on its thread's own loop (net_worker_start); its ESP goes to that
 * thread's callback, and the IKE messages it receives are copied into a
 * bounded queue that the main loop drains (uv_async), so IKE stays on the
 * main loop. The main loop keeps the IKE port and sends its NAT-T IKE
 * messages through the first worker's socket (the kernel serializes
 * sendmsg on one socket from several threads). A loop socket on the NAT-T
 * port would join the group and get a share of the ESP, hence none.
 *
 * Threads: net_start, net_send, net_send_esp, net_ports, net_get_stats,
 * net_close and the ops.ike callback belong to the main loop's thread;
 * net_worker_start, net_worker_stop, net_worker_send_esp and the worker's
 * esp callback to the worker's thread. Counters have one writer each and
 * are read with relaxed atomics, so net_get_stats and
 * net_worker_get_stats may run anywhere.
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

/* An ESP batch from the NAT-T port (see struct net_ops.esp). */
typedef void net_esp_fn(void *arg, uint8_t *const *pkts, const size_t *lens,
    const struct net_path *const *paths, size_t n);

struct net_ops {
	/* An IKE message (marker already stripped); dgram is valid only
	 * during the call. */
	void	(*ike)(void *arg, struct span dgram, const struct net_path *p);
	/* A batch of ESP packets from the NAT-T port (one wakeup's worth):
	 * pkts[i] (writable in place, cap NET_SLOT bytes) holds lens[i]
	 * bytes that arrived along *paths[i]; all valid only during the
	 * call. The packets of one datagram share one path pointer. Packets split from one coalesced datagram (UDP_GRO) are
	 * adjacent: bytes past lens[i] may be the next packet's, so only
	 * the first lens[i] bytes may be written. At most NET_ESP_BATCH
	 * per call, the packets of one coalesced datagram always in the
	 * same call; one wakeup may make several calls. Optional: without
	 * it ESP is counted as dropped. Unused with workers, whose ESP goes to
	 * the callback given to net_worker_start. */
	net_esp_fn *esp;
	void	*arg;
};

/* Datagrams read per wakeup with one recvmmsg, so one busy socket cannot
 * starve the loop (libuv's UDP path uses the same bound). */
#define NET_BATCH	32
/* ESP packets handed on per call: room for one coalesced datagram's
 * (the kernel's UDP_GRO glues up to 64), so that the data plane can
 * write its segments to TUN as one. */
#define NET_ESP_BATCH	64
/* Receive slot size. IKE messages above it are dropped and counted:
 * clients fragment large messages (RFC 7383) or let IP do it below 9 KB. */
#define NET_SLOT	9216

/* A read of fewer ESP packets than this is "small" for read pacing. */
#define NET_PACE_FEW	16
/* Most rx_coalesce_us. */
#define NET_PACE_MAX_US	1000

/* Most worker sockets (one per data-plane thread). */
#define NET_WORKERS_MAX	64
/* IKE messages that worker sockets may queue for the main loop before
 * they are dropped (and counted): room for bursts of fragmented IKE_AUTH
 * messages from many clients (RFC 7383). */
#define NET_IKEQ	256

struct net_config {
	struct sockaddr_storage	addr;	/* listen address; port ignored */
	uint16_t		port;	/* IKE, normally 500 */
	uint16_t		nat_port; /* NAT-T, normally 4500 */
	unsigned		workers; /* 0: the loop reads the NAT-T port;
					  * 1..NET_WORKERS_MAX worker sockets */
	unsigned		rx_coalesce_us; /* worker sockets: read
					  * pacing (net_worker_start), 0: off */
};

struct net_stats {
	uint64_t	rx_ike, rx_esp, rx_keepalive, tx, tx_err, tx_esp;
	uint64_t	drop_short, drop_truncated, drop_no_esp;
	uint64_t	tx_gso, rx_gro;	/* segmented sends, coalesced reads */
	uint64_t	ike_queued;	/* worker: IKE handed to the loop */
	uint64_t	drop_ike_queue;	/* worker: IKE lost, no room */
	uint64_t	rx_waits;	/* worker: reads delayed (pacing) */
};

struct net_worker;

/* Opens and binds the sockets and starts watching the loop's on loop
 * (with cfg->workers, the worker sockets are opened but watched only
 * once net_worker_start is called). Returns 0 and the new net in *out,
 * -E_INVAL (too many workers) or -E_SYS (errno set, nothing left open).
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
 * socket; with workers, the first worker's), with as few system calls as
 * sendmmsg allows; runs of equal-length packets to one path go as one
 * UDP_SEGMENT message when the kernel supports it. Returns how many
 * packets were sent; the rest are counted as send errors. */
size_t	net_send_esp(struct net *n, const struct net_path *const *paths,
	    const struct span *dgrams, size_t count);

/* Returns how many ESP datagrams of len bytes net_send_esp puts into
 * one UDP_SEGMENT message at most (1 for len 0 or over the limit). */
size_t	net_gso_max_segs(size_t len);

/* Returns the number of worker sockets (net_config.workers). */
unsigned net_workers(const struct net *n);

/* Returns worker socket i (owned by n), or NULL when i is out of range. */
struct net_worker *net_worker_get(struct net *n, unsigned i);

/*
 * Starts watching worker socket w on loop (borrowed: the calling thread's
 * own loop). ESP batches go to esp(arg, ...) on that thread, with the
 * contract of struct net_ops.esp; IKE messages are queued for the main
 * loop, which hands them to net_ops.ike there; keepalives are counted.
 * With net_config.rx_coalesce_us, a wakeup that follows a read of fewer
 * than NET_PACE_FEW ESP packets by less than that time first sleeps out
 * the rest of it (counted in rx_waits): interrupt moderation, as a NIC's
 * rx-usecs. Returns 0, -E_STATE (already started) or -E_SYS.
 */
int	net_worker_start(struct net_worker *w, struct uv_loop_s *loop,
	    net_esp_fn *esp, void *arg) __attribute__((warn_unused_result));

/* Stops watching w and closes its handle on the loop it was started on
 * (call on that thread; the handle is released when the loop runs next).
 * The socket stays open until net_close. A no-op when not started, and
 * for NULL. */
void	net_worker_stop(struct net_worker *w);

/* net_send_esp through worker socket w, on w's thread. */
size_t	net_worker_send_esp(struct net_worker *w,
	    const struct net_path *const *paths, const struct span *dgrams,
	    size_t count);

/* Returns a snapshot of w's counters (any thread). */
void	net_worker_get_stats(const struct net_worker *w,
	    struct net_stats *st);

/* Returns the local ports actually bound (useful with port 0 in tests). */
void	net_ports(const struct net *n, uint16_t *port, uint16_t *nat_port);

/* Returns a snapshot of the counters, the workers' included (summed). */
void	net_get_stats(const struct net *n, struct net_stats *st);

/* Stops watching, closes the sockets and frees n once libuv has released
 * the handles; cb (optional) runs then. Every worker socket must have
 * been stopped and its loop run to the end (its thread joined) before.
 * IKE messages still queued by workers are dropped. NULL is a no-op. */
void	net_close(struct net *n, void (*cb)(void *), void *arg);

/* Formats a sockaddr as "198.51.100.1[500]" into buf; returns buf. */
const char *net_addr_str(const struct sockaddr *sa, char *buf, size_t len);

#define NET_ADDRSTRLEN	64

#endif /* CORE_NET_H */
