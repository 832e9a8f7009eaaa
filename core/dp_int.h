/*
 * dp_int.h: the data plane module's private header, shared by its files
 * only: core/dp.c (the packet path, the queues and threads, dp_start and
 * dp_close), core/dp_child.c (installing and removing CHILD SAs),
 * core/dp_show.c (the counters) and core/dp_tun.c (configuring the
 * gateway's device). Not installed and included nowhere else: the
 * module's interface is core/dp.h.
 */
#ifndef CORE_DP_INT_H
#define CORE_DP_INT_H

#include <sys/uio.h>

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "core/dp.h"
#include "core/esp.h"
#include "core/gso.h"
#include "core/log.h"
#include "core/net.h"
#include "core/qsbr.h"
#include "core/span.h"
#include "tun/tun.h"

#define DP_SLOTS	64		/* segments sealed per send batch */
#define DP_ROUNDS	4		/* batches per wakeup, for fairness */
#define DP_HEAD		64		/* headroom: >= ESP_HEADROOM_MAX */
#define DP_SLOT		4096		/* inner MTU + headroom + tailroom */
#define DP_MAX_MTU	(DP_SLOT - DP_HEAD - ESP_TAILROOM_MAX)
#define DP_HASH		1024		/* CHILD SA buckets (by our SPI) */
/* One TUN read in offload mode: a TSO/USO super-packet (the device's
 * GSO limit is 64 KB, GSO_LEGACY_MAX_SIZE) and some slack, so that
 * anything larger shows as truncated. */
#define DP_SUPER	(65536 + 512)

struct dp_child {
	struct dp_child	*next;
	struct esp_sa	*in, *out;
	uint32_t	 spi_in;
	int		 client;	/* a client's (default SAs), not a
					 * gateway's (keyed by inner address) */
	unsigned	 fams;		/* a client's: the defaults it is
					 * for (1: IPv4, 2: IPv6) */
	/* out is what the tables find for the client's addresses (or a
	 * default): not yet while a rekey waits for dp_child_promote, no
	 * longer once the CHILD SA that rekeyed it was promoted. */
	int		 out_keyed;
	/* Where this CHILD SA's ESP goes: read by every thread that seals
	 * for it, rewritten by the one that sees the client's NAT rebind.
	 * plock guards it (a spin lock: the critical sections are one
	 * copy). */
	uint32_t	 plock;
	struct net_path	 path;
	uint64_t	 last_rx;	/* atomic */
	/* Lifetime events of its SAs (DP_DUE_*, atomic), raised by the
	 * threads that process them, taken by the loop (dp_ops.due). */
	unsigned	 due;
	struct dp	*dp;
	struct qsbr_head qh;		/* freed after a grace period */
};

#define DP_DUE_SOFT	1u
#define DP_DUE_HARD	2u

/* Counters of one queue, each written by its thread only (relaxed atomic
 * stores) and summed by dp_show on the loop. */
struct dp_qstats {
	/* Inner packets read and written; system calls that did it. */
	uint64_t	 tun_rx, tun_tx, tun_tx_drop, esp_tx_err, tun_rx_err;
	uint64_t	 tun_reads, tun_writes;
	/* Offload mode: super-packets read and split, coalesced packets
	 * written, and reads dropped as malformed or too large. */
	uint64_t	 gso_rx, gro_tx, gso_bad;
	/* ESP packets sealed and opened (authenticated) here. */
	uint64_t	 esp_tx, esp_rx;
};

/*
 * One queue of the device and what processes it: its slots and counters,
 * and, with threads, the thread, its loop and its net worker socket.
 */
struct dp_q {
	struct dp	*dp;
	unsigned	 idx;
	struct tun	*tun;		/* this queue's handle */
	int		 own_q;		/* opened by tun_open_queue */
	int		 reads;		/* polls tun (0: writes) */
	struct net_worker *nw;		/* NULL: net's, on the loop */
	uv_loop_t	*lp;		/* the loop it runs on */
	uv_poll_t	 poll;
	int		 poll_open;
	/* Threads only. */
	uv_loop_t	 loop;
	uv_async_t	 stop;
	uv_thread_t	 th;
	uv_sem_t	 ready;
	int		 start_r;
	int		 running;
	struct qsbr_reader qr;
	struct log_ratelimit rl_tun, rl_drop;
	struct dp_qstats st;
	/* Outbound slots; inbound packets are opened in net's slots. */
	struct tun_pkt	 tp[DP_SLOTS];
	struct esp_pkt	 ep[DP_SLOTS];
	struct esp_pkt	 ep_in[NET_ESP_BATCH];
	struct tun_pkt	 tp_in[NET_ESP_BATCH];
	const struct net_path *paths[DP_SLOTS];
	struct net_path	 pcopy[DP_SLOTS]; /* paths copied under plock */
	struct span	 out[DP_SLOTS];
	/* Offload mode: the super-packet being split into the slots (it may
	 * take several batches), and the inbound coalescing state. */
	struct tun_pkt	 sp;
	struct gso_split split;
	int		 splitting;
	struct gso_seg	 seg[DP_SLOTS];
	struct gso_pkt	 gin[NET_ESP_BATCH];
	struct gso_out	 gout[NET_ESP_BATCH];
	size_t		 gorder[NET_ESP_BATCH];
	struct iovec	 iov[NET_ESP_BATCH + 1];
	uint8_t		 vhdr[GSO_VNET_HDR_LEN];
	uint8_t		 slots[DP_SLOTS][DP_SLOT] __attribute__((aligned(64)));
	uint8_t		 super[DP_SUPER] __attribute__((aligned(64)));
};

struct dp {
	uv_loop_t	*loop;
	struct tun	*tun;		/* the device (queue 0) */
	struct net	*net;
	struct esp_sadb	*db;
	struct qsbr	*qsbr;		/* with threads */
	uv_timer_t	 gc;		/* polls qsbr on the loop */
	int		 gc_open;
	/* Wakes the loop for lifetime events (dp_ops.due); due_open is
	 * read by the threads (atomic). */
	uv_async_t	 due;
	int		 due_open;
	int		 nhandles;	/* loop handles not yet closed */
	struct dp_child	*children[DP_HASH];
	struct dp_ops	 ops;
	int		 closing;
	int		 own_tun;	/* we opened it: we close it */
	unsigned int	 offload;	/* tun_offload() */
	unsigned	 nthreads;	/* 0: one queue on the loop */
	unsigned	 nq;
	struct dp_q	**q;
};

/* dp_child.c: frees a CHILD SA's pair of SAs and the dp_child holding
 * them (a qsbr_fn: called once no thread can still hold them). */
void	dp__child_reclaim(struct qsbr_head *h);

/* dp_child.c: the loop's side of lifetime events: hands each CHILD SA's
 * pending ones to dp_ops.due (a uv_async_cb). */
void	dp__on_due(uv_async_t *a);

/* dp_show.c: names the TUN_OFF_* bits in off ("gro+tso", "none"). */
const char *dp__offload_str(unsigned int off);

/* dp_tun.c: opens the device cfg->tun for the gateway into dp->tun (and
 * sets dp->own_tun), brings it up and routes the pools to it. Returns 0
 * or -E_SYS (logged). */
int	dp__open_own(struct dp *dp, const struct dp_config *cfg);

#endif /* CORE_DP_INT_H */
