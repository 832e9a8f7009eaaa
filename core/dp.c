/* dp.c: TUN <-> ESP <-> UDP, in batches, without per-packet allocation,
 * for the gateway and the client alike (see dp.h). */
#include "config.h"

#include <sys/uio.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "core/cfg.h"
#include "core/child_sa.h"
#include "core/ct.h"
#include "core/dp.h"
#include "core/err.h"
#include "core/esp.h"
#include "core/gso.h"
#include "core/log.h"
#include "core/qsbr.h"
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
/* How often the loop looks for ended grace periods while SAs wait to be
 * freed: every thread passes a quiescent state within one batch or
 * sleeps offline, so one tick normally frees everything. */
#define DP_GC_MS	20

_Static_assert(TUN_VNET_HDR_LEN == GSO_VNET_HDR_LEN,
    "tun and gso disagree on the virtio-net header");
_Static_assert(DP_VIPS_MAX <= ESP_DST_MAX,
    "an outbound SA must have room for every inner address");

struct dp_child {
	struct dp_child	*next;
	struct esp_sa	*in, *out;
	uint32_t	 spi_in;
	int		 initiator;	/* we initiated it: a client */
	/* Where this CHILD SA's ESP goes: read by every thread that seals
	 * for it, rewritten by the one that sees the client's NAT rebind.
	 * plock guards it (a spin lock: the critical sections are one
	 * copy). */
	uint32_t	 plock;
	struct net_path	 path;
	uint64_t	 last_rx;	/* atomic */
	struct qsbr_head qh;		/* freed after a grace period */
};

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
	struct esp_pkt	 ep_in[NET_BATCH];
	struct tun_pkt	 tp_in[NET_BATCH];
	const struct net_path *paths[DP_SLOTS];
	struct net_path	 pcopy[DP_SLOTS]; /* paths copied under plock */
	struct span	 out[DP_SLOTS];
	/* Offload mode: the super-packet being split into the slots (it may
	 * take several batches), and the inbound coalescing state. */
	struct tun_pkt	 sp;
	struct gso_split split;
	int		 splitting;
	struct gso_seg	 seg[DP_SLOTS];
	struct gso_pkt	 gin[NET_BATCH];
	struct gso_out	 gout[NET_BATCH];
	size_t		 gorder[NET_BATCH];
	struct iovec	 iov[NET_BATCH + 1];
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

static void
cnt_add(uint64_t *c, uint64_t v)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + v,
	    __ATOMIC_RELAXED);
}

static uint64_t
cnt_get(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

static void
path_lock(struct dp_child *c)
{
	while (__atomic_exchange_n(&c->plock, 1, __ATOMIC_ACQUIRE) != 0)
		while (__atomic_load_n(&c->plock, __ATOMIC_RELAXED) != 0)
			;
}

static void
path_unlock(struct dp_child *c)
{
	__atomic_store_n(&c->plock, 0, __ATOMIC_RELEASE);
}

/* Whether two paths differ in an address or port (natt is the same for
 * every ESP path). */
static int
path_differs(const struct net_path *a, const struct net_path *b)
{
	return memcmp(&a->remote, &b->remote, sizeof(a->remote)) != 0 ||
	    memcmp(&a->local, &b->local, sizeof(a->local)) != 0;
}

/* Brackets a batch on a data-plane thread (see core/qsbr.h): SAs found
 * in the tables stay valid until qsbr_offline. */
static void
batch_begin(struct dp_q *q)
{
	if (q->dp->qsbr != NULL)
		qsbr_online(&q->qr);
}

static void
batch_end(struct dp_q *q)
{
	if (q->dp->qsbr != NULL)
		qsbr_offline(&q->qr);
}

static qsbr_fn child_reclaim;
static void gc_arm(struct dp *);

static struct dp_child **
child_slot(struct dp *dp, uint32_t spi)
{
	struct dp_child **pp;

	for (pp = &dp->children[spi % DP_HASH]; *pp; pp = &(*pp)->next)
		if ((*pp)->spi_in == spi)
			break;
	return pp;
}

static const struct dp_child *
child_find(const struct dp *dp, uint32_t spi)
{
	const struct dp_child *c;

	for (c = dp->children[spi % DP_HASH]; c; c = c->next)
		if (c->spi_in == spi)
			return c;
	return NULL;
}

static void
tun_read_failed(struct dp_q *q, int n)
{
	cnt_add(&q->st.tun_rx_err, 1);
	if (log_ratelimit_ok(&q->rl_tun, 5))
		log_warnx(SUB_TUN, "reading %s: %s", tun_name(q->tun),
		    tun_strerror(n));
}

/* Plain TUN: one packet per read, straight into the slots. Returns the
 * number read; *idle is set when the device had no more. */
static size_t
read_plain(struct dp_q *q, int *idle)
{
	size_t i;
	int n;

	for (i = 0; i < DP_SLOTS; i++) {
		q->tp[i].buf = q->slots[i];
		q->tp[i].cap = DP_SLOT - ESP_TAILROOM_MAX;
		q->tp[i].len = 0;
	}
	if ((n = tun_read_batch(q->tun, q->tp, DP_SLOTS, DP_HEAD)) <= 0) {
		if (n < 0)
			tun_read_failed(q, n);
		*idle = 1;
		return 0;
	}
	cnt_add(&q->st.tun_reads, (uint64_t)n);
	if (n < DP_SLOTS)
		*idle = 1;
	for (i = 0; i < (size_t)n; i++)
		q->seg[i].len = q->tp[i].len;
	return (size_t)n;
}

/*
 * Offload mode: reads (super-)packets into q->super and splits them into
 * the slots, until the slots are full or the device has no more (*idle);
 * a super-packet that does not fit stays in q->splitting for the next
 * batch. With may_read 0 it only finishes that one.
 */
static size_t
read_split(struct dp_q *q, int may_read, int *idle)
{
	struct gso_hdr h;
	size_t i, k = 0;
	int n, r;

	while (k < DP_SLOTS) {
		if (!q->splitting) {
			if (!may_read)
				break;
			q->sp.buf = q->super;
			q->sp.cap = sizeof(q->super);
			q->sp.len = 0;
			if ((n = tun_read_batch(q->tun, &q->sp, 1, 0)) <= 0) {
				if (n < 0)
					tun_read_failed(q, n);
				*idle = 1;
				break;
			}
			cnt_add(&q->st.tun_reads, 1);
			gso_hdr_decode(q->sp.vnet, &h);
			if ((r = gso_split_init(&q->split, &h, q->super,
			    q->sp.len, DP_MAX_MTU)) != 0) {
				cnt_add(&q->st.gso_bad, 1);
				if (log_ratelimit_ok(&q->rl_tun, 5))
					log_warnx(SUB_TUN, "%s: dropped a %zu-"
					    "byte packet (GSO type %u, size "
					    "%u): %s", tun_name(q->tun),
					    q->sp.len, h.gso_type, h.gso_size,
					    err_str(r));
				continue;
			}
			if (h.gso_type != GSO_NONE)
				cnt_add(&q->st.gso_rx, 1);
			q->splitting = 1;
		}
		for (i = k; i < DP_SLOTS; i++) {
			q->seg[i].p = q->slots[i] + DP_HEAD;
			q->seg[i].cap = DP_MAX_MTU;
			q->seg[i].len = 0;
		}
		k += gso_split_next(&q->split, q->seg + k, DP_SLOTS - k);
		if (gso_split_done(&q->split))
			q->splitting = 0;
	}
	return k;
}

/* Seals the n inner packets in the slots (at DP_HEAD, q->seg[i].len
 * bytes) and sends them. */
static void
seal_send(struct dp_q *q, size_t n)
{
	struct dp_child *c, *prev = NULL;
	size_t i, k, sent;

	cnt_add(&q->st.tun_rx, n);
	for (i = 0; i < n; i++) {
		memset(&q->ep[i], 0, sizeof(q->ep[i]));
		q->ep[i].buf = q->slots[i];
		q->ep[i].cap = DP_SLOT;
		q->ep[i].off = DP_HEAD;
		q->ep[i].len = q->seg[i].len;
	}
	esp_sadb_encap(q->dp->db, q->ep, n);
	for (i = 0, k = 0; i < n; i++) {
		if (q->ep[i].r != 0)
			continue;
		c = esp_sa_user(q->ep[i].sa);
		/* One copy of the path per run of a CHILD SA's packets:
		 * another thread may be following the client's NAT. */
		if (c != prev) {
			path_lock(c);
			q->pcopy[k] = c->path;
			path_unlock(c);
			q->paths[k] = &q->pcopy[k];
			prev = c;
		} else
			q->paths[k] = q->paths[k - 1];
		q->out[k] = span_make(q->ep[i].buf + q->ep[i].off,
		    q->ep[i].len);
		k++;
	}
	if (k > 0) {
		cnt_add(&q->st.esp_tx, k);
		sent = q->nw != NULL ?
		    net_worker_send_esp(q->nw, q->paths, q->out, k) :
		    net_send_esp(q->dp->net, q->paths, q->out, k);
		cnt_add(&q->st.esp_tx_err, k - sent);
	}
}

/* Outbound: the kernel routed packets into this queue of the device. */
static void
on_tun(uv_poll_t *h, int status, int events)
{
	struct dp_q *q = h->data;
	size_t n;
	int round, idle;

	if (status < 0 || !(events & UV_READABLE))
		return;
	batch_begin(q);
	/* A super-packet split across batches is finished even past the
	 * round limit: nothing else would wake us up for its rest. */
	for (round = 0; round < DP_ROUNDS || q->splitting; round++) {
		idle = 0;
		if (q->dp->offload & TUN_OFF_VNET)
			n = read_split(q, round < DP_ROUNDS, &idle);
		else
			n = read_plain(q, &idle);
		if (n > 0)
			seal_send(q, n);
		if (idle && !q->splitting)
			break;
		/* Between batches: nothing of the last one is held. */
		if (q->dp->qsbr != NULL)
			qsbr_quiescent(&q->qr);
	}
	batch_end(q);
}

/* Counted drops are also worth a line, rate-limited: those that mean an
 * attack or a broken peer at info, the ordinary ones (replays, dummy
 * packets) at debug. */
static void
log_drop(struct dp_q *q, const struct esp_pkt *p,
    const struct net_path *path)
{
	char ps[NET_ADDRSTRLEN];
	enum log_level lvl;

	switch (p->drop) {
	case ESP_DROP_SPOOF:
	case ESP_DROP_DEST:
	case ESP_DROP_ICV:
	case ESP_DROP_NO_SPI:
	case ESP_DROP_PAD:
	case ESP_DROP_INNER:
		lvl = LOGL_INFO;
		break;
	default:
		lvl = LOGL_DEBUG;
		break;
	}
	if (!log_enabled(SUB_ESP, lvl) || !log_ratelimit_ok(&q->rl_drop, 10))
		return;
	log_msg(SUB_ESP, lvl, 0, 0, "ESP packet from %s dropped: %s",
	    net_addr_str((const struct sockaddr *)&path->remote, ps,
	    sizeof(ps)), esp_drop_name(p->drop));
}

/* Offload mode: writes the k decrypted packets in q->gin, coalescing
 * the segments of each TCP flow into super-packets. */
static void
write_coalesced(struct dp_q *q, size_t k)
{
	const struct gso_out *o;
	size_t j, m, i, no;
	int w;

	no = gso_coalesce(q->gin, k, q->gout, q->gorder);
	for (j = 0; j < no; j++) {
		o = &q->gout[j];
		gso_hdr_encode(&o->hdr, q->vhdr);
		q->iov[0].iov_base = q->vhdr;
		q->iov[0].iov_len = sizeof(q->vhdr);
		/* The first packet whole, the others' payloads after it:
		 * gathered by the kernel, no copy here. */
		for (m = 0; m < o->count; m++) {
			i = q->gorder[o->start + m];
			q->iov[1 + m].iov_base = q->gin[i].p +
			    (m > 0 ? o->hlen : 0);
			q->iov[1 + m].iov_len = q->gin[i].len -
			    (m > 0 ? o->hlen : 0);
		}
		if ((w = tun_write_iov(q->tun, q->iov, 1 + o->count)) <= 0) {
			/* The device queue is full or the link is down:
			 * these packets are lost, as on a congested link. */
			for (; j < no; j++)
				cnt_add(&q->st.tun_tx_drop, q->gout[j].count);
			break;
		}
		cnt_add(&q->st.tun_writes, 1);
		cnt_add(&q->st.tun_tx, o->count);
		if (o->count > 1)
			cnt_add(&q->st.gro_tx, 1);
	}
}

/* The peer of c is alive: its ESP authenticated at now. */
static void
child_alive(struct dp *dp, struct dp_child *c, uint64_t now)
{
	__atomic_store_n(&c->last_rx, now, __ATOMIC_RELAXED);
	if (dp->ops.alive != NULL)
		dp->ops.alive(dp->ops.arg, c->spi_in);
}

/* Inbound: an ESP batch from this queue's socket. */
static void
q_esp_input(void *arg, uint8_t *const *pkts, const size_t *lens,
    const struct net_path *paths, size_t n)
{
	struct dp_q *q = arg;
	struct dp *dp = q->dp;
	struct dp_child *c, *run = NULL;
	uint64_t now = uv_now(q->lp);
	size_t i, k, done;
	int w;

	if (n > NET_BATCH)
		n = NET_BATCH;
	batch_begin(q);
	for (i = 0; i < n; i++) {
		memset(&q->ep_in[i], 0, sizeof(q->ep_in[i]));
		q->ep_in[i].buf = pkts[i];
		q->ep_in[i].cap = NET_SLOT;
		q->ep_in[i].len = lens[i];
	}
	esp_sadb_decap(dp->db, q->ep_in, n);
	for (i = 0, k = 0; i < n; i++) {
		/* RFC 4303 2.6: a dummy packet is authentic too, just not
		 * delivered. */
		if (q->ep_in[i].r != 0 &&
		    q->ep_in[i].drop != ESP_DROP_DUMMY) {
			log_drop(q, &q->ep_in[i], &paths[i]);
			continue;
		}
		c = esp_sa_user(q->ep_in[i].sa);
		/* RFC 3948 5: a NAT may have rebound the client's port;
		 * follow it, but only on authenticated packets. A client
		 * keeps the gateway's address it was given. Checked once
		 * per run of a CHILD SA's packets from one path. */
		if (!c->initiator && (c != run ||
		    path_differs(&paths[i], &paths[i - 1]))) {
			path_lock(c);
			if (path_differs(&c->path, &paths[i]))
				c->path = paths[i];
			path_unlock(c);
		}
		if (c != run) {
			child_alive(dp, c, now);
			run = c;
		}
		if (q->ep_in[i].r != 0)
			continue;
		q->tp_in[k].buf = q->ep_in[i].buf + q->ep_in[i].off;
		q->tp_in[k].cap = q->ep_in[i].len;
		q->tp_in[k].len = q->ep_in[i].len;
		q->gin[k].p = q->tp_in[k].buf;
		q->gin[k].len = q->tp_in[k].len;
		k++;
	}
	/* The SAs are not used past this point. */
	batch_end(q);
	cnt_add(&q->st.esp_rx, k);
	if (dp->offload & TUN_OFF_VNET) {
		write_coalesced(q, k);
		return;
	}
	for (done = 0; done < k; done += (size_t)w) {
		if ((w = tun_write_batch(q->tun, q->tp_in + done, k - done,
		    0)) <= 0) {
			/* The device queue is full or the link is down:
			 * these packets are lost, as on a congested link. */
			cnt_add(&q->st.tun_tx_drop, k - done);
			break;
		}
		cnt_add(&q->st.tun_tx, (uint64_t)w);
		cnt_add(&q->st.tun_writes, (uint64_t)w);
	}
}

void
dp_esp_input(void *arg, uint8_t *const *pkts, const size_t *lens,
    const struct net_path *paths, size_t n)
{
	struct dp *dp = arg;

	if (dp->nthreads == 0 && !dp->closing)
		q_esp_input(dp->q[0], pkts, lens, paths, n);
}

static void
sel_to_ts(const struct child_sa_sel *s, struct esp_ts *t)
{
	memset(t, 0, sizeof(*t));
	t->family = s->family;
	memcpy(t->start, s->start, sizeof(t->start));
	memcpy(t->end, s->end, sizeof(t->end));
}

/* Copies the selectors sel[0..n) into ts[0..n). */
static void
sels_to_ts(const struct child_sa_sel *sel, size_t n, struct esp_ts *ts)
{
	size_t i;

	for (i = 0; i < n; i++)
		sel_to_ts(&sel[i], &ts[i]);
}

/* Returns 1 when one of sel[0..n) is of family. */
static int
sels_have(const struct child_sa_sel *sel, size_t n, int family)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (sel[i].family == family)
			return 1;
	return 0;
}

/* The client's outbound SA becomes the default of each family its
 * gateway's TSr covers; all or none. */
static int
defaults_set(struct dp *dp, const struct child_sa *c, struct esp_sa *out)
{
	static const int fam[2] = { AF_INET, AF_INET6 };
	struct esp_sa *old;
	size_t i, j;
	int r;

	for (i = 0; i < 2; i++) {
		if (!sels_have(c->ts.r, c->ts.nr, fam[i]))
			continue;
		if ((r = esp_sadb_set_default(dp->db, fam[i], out,
		    &old)) != 0 || old != NULL) {
			/* Another CHILD SA has it: put it back. */
			if (r == 0 && esp_sadb_set_default(dp->db, fam[i],
			    old, &old) != 0)
				r = -E_INTERNAL;
			for (j = 0; j < i; j++)
				if (sels_have(c->ts.r, c->ts.nr, fam[j]) &&
				    esp_sadb_set_default(dp->db, fam[j], NULL,
				    &old) != 0)
					r = -E_INTERNAL;
			return r != 0 ? r : -E_EXIST;
		}
	}
	return 0;
}

int
dp_child_up(struct dp *dp, const struct child_sa *c,
    const struct pool_addr *vips, size_t nvip, const struct net_path *path)
{
	struct esp_sa_params p;
	struct dp_child *ch = NULL, **pp;
	int ini = c->we_initiated != 0, in_added = 0;
	size_t i;
	int r = -E_INTERNAL;

	memset(&p, 0, sizeof(p));
	pp = child_slot(dp, c->spi_in);
	if (*pp != NULL)
		return -E_EXIST;
	if ((!ini && (vips == NULL || nvip == 0)) || nvip > DP_VIPS_MAX)
		return -E_INVAL;
	/* Every selector must be enforced; refuse rather than drop some. */
	if (c->ts.ni > ESP_TS_MAX || c->ts.nr > ESP_TS_MAX)
		return -E_TOOMANY;
	if ((ch = calloc(1, sizeof(*ch))) == NULL)
		return -E_NOMEM;
	ch->spi_in = c->spi_in;
	ch->initiator = ini;
	ch->path = *path;
	/* ESP always travels in UDP on the NAT-T port (RFC 3948): we have
	 * no kernel ESP to receive raw protocol 50. */
	ch->path.natt = 1;

	p.spi = c->spi_in;
	p.dir = ESP_IN;
	p.esn = c->prop.esn;
	p.encr_id = c->prop.encr;
	p.encr_bits = c->prop.encr_bits ? c->prop.encr_bits : 256;
	p.integ_id = c->prop.integ;
	p.user = ch;
	esp_sa_params_keys(&p, &c->keys, ini);
	/* RFC 4301 5.2: inbound inner sources must be in the peer's
	 * selectors and destinations in ours: the client's TSi and the
	 * networks its policy lets it reach on a gateway (split include,
	 * nothing else the gateway routes); the gateway's TSr and our
	 * inner addresses on a client. */
	sels_to_ts(ini ? c->ts.r : c->ts.i, ini ? c->ts.nr : c->ts.ni, p.ts);
	p.nts = ini ? c->ts.nr : c->ts.ni;
	sels_to_ts(ini ? c->ts.i : c->ts.r, ini ? c->ts.ni : c->ts.nr, p.dts);
	p.ndts = ini ? c->ts.ni : c->ts.nr;
	if ((r = esp_sa_new(&p, &ch->in)) != 0)
		goto fail;

	p.spi = c->spi_out;
	p.dir = ESP_OUT;
	p.nts = 0;
	p.ndts = 0;
	memset(p.ts, 0, sizeof(p.ts));
	memset(p.dts, 0, sizeof(p.dts));
	for (i = 0; !ini && i < nvip; i++) {
		p.dst[i].family = vips[i].family;
		memcpy(p.dst[i].a, vips[i].a, sizeof(p.dst[i].a));
	}
	p.ndst = ini ? 0 : nvip;
	esp_sa_params_keys(&p, &c->keys, ini);
	if ((r = esp_sa_new(&p, &ch->out)) != 0)
		goto fail;
	if ((r = esp_sadb_add(dp->db, ch->in)) != 0)
		goto fail;
	in_added = 1;
	if ((r = ini ? defaults_set(dp, c, ch->out) :
	    esp_sadb_add(dp->db, ch->out)) != 0)
		goto fail;
	*pp = ch;
	ch = NULL;
	r = 0;
fail:
	if (ch != NULL) {
		if (in_added && esp_sadb_remove(dp->db, ch->in) != 0)
			log_warnx(SUB_ESP, "SA %08x vanished", ch->spi_in);
		/* A thread may have found the inbound SA meanwhile. */
		if (in_added && dp->qsbr != NULL) {
			qsbr_call(dp->qsbr, &ch->qh, child_reclaim);
			gc_arm(dp);
		} else
			child_reclaim(&ch->qh);
	}
	ct_wipe(&p, sizeof(p));
	return r;
}


/* The loop frees what waits for a grace period: SAs, slot arrays. */
static void
on_gc(uv_timer_t *t)
{
	struct dp *dp = t->data;

	if (dp->qsbr == NULL || qsbr_poll(dp->qsbr) == 0)
		uv_timer_stop(t);
}

static void
gc_arm(struct dp *dp)
{
	if (dp->gc_open && !dp->closing &&
	    !uv_is_active((uv_handle_t *)&dp->gc))
		uv_timer_start(&dp->gc, on_gc, DP_GC_MS, DP_GC_MS);
}

static void
child_reclaim(struct qsbr_head *h)
{
	struct dp_child *ch = (struct dp_child *)(void *)((char *)h -
	    offsetof(struct dp_child, qh));

	esp_sa_free(ch->in);
	esp_sa_free(ch->out);
	free(ch);
}

/* Takes ch's SAs out of the tables and frees them with ch; with threads
 * only once none of them can still hold one (core/qsbr.h). */
static void
child_free(struct dp *dp, struct dp_child *ch)
{
	if (esp_sadb_remove(dp->db, ch->in) != 0 ||
	    esp_sadb_remove(dp->db, ch->out) != 0)
		log_warnx(SUB_ESP, "SA %08x was not in the table", ch->spi_in);
	if (dp->qsbr == NULL) {
		child_reclaim(&ch->qh);
		return;
	}
	qsbr_call(dp->qsbr, &ch->qh, child_reclaim);
	gc_arm(dp);
}

void
dp_child_down(struct dp *dp, uint32_t spi_in)
{
	struct dp_child **pp = child_slot(dp, spi_in), *ch = *pp;

	if (ch == NULL)
		return;
	*pp = ch->next;
	child_free(dp, ch);
}

int
dp_child_stats(const struct dp *dp, uint32_t spi_in,
    struct dp_child_stats *st)
{
	const struct dp_child *ch = child_find(dp, spi_in);
	struct esp_sa_stats in, out;
	size_t i;

	memset(st, 0, sizeof(*st));
	if (ch == NULL)
		return -E_NOENT;
	esp_sa_stats(ch->in, &in);
	esp_sa_stats(ch->out, &out);
	st->packets_in = in.packets;
	st->bytes_in = in.bytes;
	st->packets_out = out.packets;
	st->bytes_out = out.bytes;
	for (i = 0; i < ESP_DROP__MAX; i++) {
		st->drops_in += in.drops[i];
		st->drops_out += out.drops[i];
	}
	return 0;
}

uint64_t
dp_child_last_rx(const struct dp *dp, uint32_t spi_in)
{
	const struct dp_child *ch = child_find(dp, spi_in);

	return ch != NULL ? __atomic_load_n(&ch->last_rx, __ATOMIC_RELAXED) :
	    0;
}

/* Per-reason totals over every SA plus the table's own drops. */
struct drop_sum {
	uint64_t	drops[ESP_DROP__MAX];
};

static int
sum_sa(struct esp_sa *sa, void *arg)
{
	struct drop_sum *d = arg;
	struct esp_sa_stats st;
	size_t i;

	esp_sa_stats(sa, &st);
	for (i = 0; i < ESP_DROP__MAX; i++)
		d->drops[i] += st.drops[i];
	return 0;
}

/* Names the TUN_OFF_* bits in effect ("tso+uso", "none"). */
static const char *
offload_str(unsigned int off)
{
	if (!(off & TUN_OFF_VNET))
		return "none";
	if (off & TUN_OFF_USO)
		return "gro+tso+uso";
	if (off & TUN_OFF_TSO)
		return "gro+tso";
	return "gro";
}

/* Reads q's counters (relaxed: its thread may be writing them). */
static void
qstats_get(const struct dp_q *q, struct dp_qstats *st)
{
	const uint64_t *f = (const uint64_t *)(const void *)&q->st;
	uint64_t *t = (uint64_t *)(void *)st;
	size_t i;

	for (i = 0; i < sizeof(*st) / sizeof(uint64_t); i++)
		t[i] = cnt_get(&f[i]);
}

static void
qstats_sum(struct dp_qstats *sum, const struct dp_qstats *st)
{
	const uint64_t *f = (const uint64_t *)(const void *)st;
	uint64_t *t = (uint64_t *)(void *)sum;
	size_t i;

	for (i = 0; i < sizeof(*st) / sizeof(uint64_t); i++)
		t[i] += f[i];
}

/* One thread's line (text) or object (JSON, comma-led but the first). */
static int
show_thread(const struct dp *dp, unsigned i, const struct dp_qstats *s,
    struct buf *out, int json)
{
	struct net_stats ns;
	struct net_worker *w = net_worker_get(dp->net, i);
	char line[512];
	int n;

	memset(&ns, 0, sizeof(ns));
	if (w != NULL)
		net_worker_get_stats(w, &ns);
	n = snprintf(line, sizeof(line), json ?
	    "%s{\"thread\":%u,\"tun_rx\":%llu,\"tun_tx\":%llu,"
	    "\"esp_tx\":%llu,\"esp_rx\":%llu,\"tun_reads\":%llu,"
	    "\"tun_writes\":%llu,\"udp_rx_esp\":%llu,\"udp_tx_esp\":%llu,"
	    "\"ike_queued\":%llu}" :
	    "%s  thread %u: tun read %llu written %llu, esp sealed %llu "
	    "opened %llu, tun reads %llu writes %llu, udp esp in %llu out "
	    "%llu, ike to the loop %llu\n", json && i > 0 ? "," : "", i,
	    (unsigned long long)s->tun_rx, (unsigned long long)s->tun_tx,
	    (unsigned long long)s->esp_tx, (unsigned long long)s->esp_rx,
	    (unsigned long long)s->tun_reads,
	    (unsigned long long)s->tun_writes,
	    (unsigned long long)ns.rx_esp, (unsigned long long)ns.tx_esp,
	    (unsigned long long)ns.ike_queued);
	if (n < 0 || (size_t)n >= sizeof(line))
		return -E_INTERNAL;
	return buf_add(out, line, (size_t)n);
}

/* The NAT-T sockets' side (core/net.h counters, every worker summed):
 * how much UDP GRO and GSO engage, and what was dropped before ESP. */
static int
show_udp(const struct dp *dp, struct buf *out, int json)
{
	struct net_stats ns;
	char line[512];
	int n;

	net_get_stats(dp->net, &ns);
	n = snprintf(line, sizeof(line), json ?
	    "\"udp\":{\"rx_esp\":%llu,\"rx_ike\":%llu,\"rx_keepalive\":%llu,"
	    "\"rx_gro\":%llu,\"tx_esp\":%llu,\"tx_gso\":%llu,"
	    "\"tx_err\":%llu,\"drop_short\":%llu,\"drop_truncated\":%llu,"
	    "\"drop_no_esp\":%llu,\"drop_ike_queue\":%llu}," :
	    "  udp: esp in %llu ike in %llu keepalives %llu gro reads %llu "
	    "esp out %llu gso sends %llu send errors %llu\n"
	    "  udp drops: short %llu truncated %llu no-esp %llu ike-queue "
	    "%llu\n",
	    (unsigned long long)ns.rx_esp, (unsigned long long)ns.rx_ike,
	    (unsigned long long)ns.rx_keepalive,
	    (unsigned long long)ns.rx_gro, (unsigned long long)ns.tx_esp,
	    (unsigned long long)ns.tx_gso, (unsigned long long)ns.tx_err,
	    (unsigned long long)ns.drop_short,
	    (unsigned long long)ns.drop_truncated,
	    (unsigned long long)ns.drop_no_esp,
	    (unsigned long long)ns.drop_ike_queue);
	if (n < 0 || (size_t)n >= sizeof(line))
		return -E_INTERNAL;
	return buf_add(out, line, (size_t)n);
}

int
dp_show(const struct dp *dp, struct buf *out, int json)
{
	struct esp_sadb_stats ts;
	struct tun_stats tst, qt;
	struct dp_qstats sum, qs[DP_THREADS_MAX];
	struct drop_sum d;
	char line[384];
	size_t i;
	unsigned k, nq = dp->nq < DP_THREADS_MAX ? dp->nq : DP_THREADS_MAX;
	int n, r = 0, first = 1;

	memset(&d, 0, sizeof(d));
	memset(&sum, 0, sizeof(sum));
	memset(&tst, 0, sizeof(tst));
	esp_sadb_stats(dp->db, &ts);
	(void)esp_sadb_foreach(dp->db, sum_sa, &d);
	for (i = 0; i < ESP_DROP__MAX; i++)
		d.drops[i] += ts.drops[i];
	for (k = 0; k < nq; k++) {
		qstats_get(dp->q[k], &qs[k]);
		qstats_sum(&sum, &qs[k]);
		if (dp->q[k]->own_q || k == 0) {
			tun_get_stats(dp->q[k]->tun, &qt);
			tst.rx_truncated += qt.rx_truncated;
			tst.tx_invalid += qt.tx_invalid;
		}
	}
	/* JSON: the per-thread array first, so that a name's last
	 * occurrence in the line is the total. */
	if (json && (r = buf_add_span(out, span_str("{\"per_thread\":["))) != 0)
		return r;
	for (k = 0; json && k < nq && r == 0; k++)
		r = show_thread(dp, k, &qs[k], out, 1);
	if (r != 0)
		return r;
	if (json)
		n = snprintf(line, sizeof(line), "],\"tun\":\"%s\","
		    "\"sas_in\":%zu,\"sas_out\":%zu,\"tun_rx\":%llu,"
		    "\"tun_tx\":%llu,\"tun_tx_drop\":%llu,\"esp_tx_err\":%llu,"
		    "\"threads\":%u,", tun_name(dp->tun), ts.n_in, ts.n_out,
		    (unsigned long long)sum.tun_rx,
		    (unsigned long long)sum.tun_tx,
		    (unsigned long long)sum.tun_tx_drop,
		    (unsigned long long)sum.esp_tx_err, dp->nthreads);
	else
		n = snprintf(line, sizeof(line), "data plane on %s: %zu "
		    "inbound and %zu outbound SAs\n"
		    "  tun read %llu written %llu write drops %llu esp send "
		    "errors %llu\n", tun_name(dp->tun), ts.n_in, ts.n_out,
		    (unsigned long long)sum.tun_rx,
		    (unsigned long long)sum.tun_tx,
		    (unsigned long long)sum.tun_tx_drop,
		    (unsigned long long)sum.esp_tx_err);
	if ((r = buf_add(out, line, (size_t)n)) != 0)
		return r;
	if (!json && dp->nthreads > 0) {
		n = snprintf(line, sizeof(line), "  threads %u\n",
		    dp->nthreads);
		if ((r = buf_add(out, line, (size_t)n)) != 0)
			return r;
	}
	/* How many packets each system call moved, the offloads, and what
	 * the device refused or truncated. */
	n = snprintf(line, sizeof(line), json ?
	    "\"offload\":\"%s\",\"tun_reads\":%llu,\"tun_writes\":%llu,"
	    "\"gso_rx\":%llu,\"gro_tx\":%llu,\"gso_bad\":%llu,"
	    "\"tun_rx_truncated\":%llu,\"tun_tx_invalid\":%llu," :
	    "  offload %s: reads %llu writes %llu super-packets split %llu "
	    "coalesced %llu malformed %llu\n"
	    "  device: reads truncated %llu writes refused %llu\n",
	    offload_str(dp->offload), (unsigned long long)sum.tun_reads,
	    (unsigned long long)sum.tun_writes,
	    (unsigned long long)sum.gso_rx, (unsigned long long)sum.gro_tx,
	    (unsigned long long)sum.gso_bad,
	    (unsigned long long)tst.rx_truncated,
	    (unsigned long long)tst.tx_invalid);
	if ((r = buf_add(out, line, (size_t)n)) != 0)
		return r;
	if ((r = show_udp(dp, out, json)) != 0 ||
	    (r = buf_add_span(out, span_str(json ? "\"drops\":{" :
	    "  drops:"))) != 0)
		return r;
	for (i = 1; i < ESP_DROP__MAX && r == 0; i++) {
		n = snprintf(line, sizeof(line), json ? "%s\"%s\":%llu" :
		    " %s%s %llu", json && !first ? "," : "",
		    esp_drop_name((enum esp_drop)i),
		    (unsigned long long)d.drops[i]);
		first = 0;
		r = buf_add(out, line, (size_t)n);
	}
	if (r == 0)
		r = buf_add_span(out, span_str(json ? "}}\n" : "\n"));
	for (k = 0; !json && dp->nthreads > 0 && k < nq && r == 0; k++)
		r = show_thread(dp, k, &qs[k], out, 0);
	return r;
}

/* Adds the routes of an IPv4 range as the fewest covering prefixes. */
static int
route_range4(const char *ifname, const uint8_t *first, const uint8_t *last)
{
	uint32_t a = (uint32_t)first[0] << 24 | (uint32_t)first[1] << 16 |
	    (uint32_t)first[2] << 8 | first[3];
	uint32_t z = (uint32_t)last[0] << 24 | (uint32_t)last[1] << 16 |
	    (uint32_t)last[2] << 8 | last[3];
	struct tun_prefix p;
	unsigned len;
	int r;

	while (a <= z) {
		/* The largest aligned block at a that stays within z. */
		for (len = 0; len < 32; len++) {
			uint64_t size = 1ULL << (32 - len);

			if ((a & (uint32_t)(size - 1)) == 0 &&
			    (uint64_t)a + size - 1 <= z)
				break;
		}
		memset(&p, 0, sizeof(p));
		p.family = AF_INET;
		p.a[0] = (uint8_t)(a >> 24);
		p.a[1] = (uint8_t)(a >> 16);
		p.a[2] = (uint8_t)(a >> 8);
		p.a[3] = (uint8_t)a;
		p.len = len;
		if ((r = tun_route_add(ifname, &p)) != 0)
			return r;
		if (len == 0 || (uint64_t)a + (1ULL << (32 - len)) > UINT32_MAX)
			break;
		a += (uint32_t)(1ULL << (32 - len));
	}
	return 0;
}

/* The shortest prefix covering the IPv6 range first..last. */
static void
prefix6_cover(const uint8_t *first, const uint8_t *last,
    struct tun_prefix *p)
{
	unsigned len = 0;
	uint8_t x;

	memset(p, 0, sizeof(*p));
	p->family = AF_INET6;
	while (len < 128) {
		x = first[len / 8] ^ last[len / 8];
		if (x & (0x80 >> (len % 8)))
			break;
		len++;
	}
	memcpy(p->a, first, (len + 7) / 8);
	if (len % 8 != 0)
		p->a[len / 8] &= (uint8_t)(0xff << (8 - len % 8));
	p->len = len;
}

/* Brings the device up and routes the pools to it. Returns 0, or
 * -TUN_E_PERM when we may not (the operator configured it). An IPv6
 * pool the kernel will not route (IPv6 disabled on the device or the
 * host) costs only its clients' IPv6 traffic: said once, not fatal.
 * Sets *v6 when an IPv6 pool was routed. */
static int
configure_tun(struct dp *dp, const struct dp_config *cfg, int *v6)
{
	const char *ifname = tun_name(dp->tun);
	const struct cfg_pool *pl;
	struct tun_prefix p;
	size_t i, j;
	int r, warned = 0;

	*v6 = 0;
	if ((r = tun_link_up(ifname)) != 0)
		return r;
	if (cfg->mtu != 0 && (r = tun_link_mtu(ifname, cfg->mtu)) != 0)
		return r;
	for (i = 0; cfg->cfg != NULL && i < cfg_pool_count(cfg->cfg); i++) {
		pl = cfg_pool_at(cfg->cfg, i);
		for (j = 0; j < pl->nseg; j++) {
			const struct cfg_pool_seg *sg = &pl->seg[j];

			if (sg->is_net) {
				memset(&p, 0, sizeof(p));
				p.family = sg->first.family;
				memcpy(p.a, sg->first.a, sizeof(p.a));
				p.len = sg->len;
				r = tun_route_add(ifname, &p);
			} else if (sg->first.family == AF_INET)
				r = route_range4(ifname, sg->first.a,
				    sg->last.a);
			else {
				/* An IPv6 range: the prefix that covers
				 * it (addresses of it not leased find no
				 * SA and are dropped). */
				prefix6_cover(sg->first.a, sg->last.a, &p);
				r = tun_route_add(ifname, &p);
			}
			if (r == 0 && sg->first.family == AF_INET6)
				*v6 = 1;
			else if (r != 0 && r != -TUN_E_PERM &&
			    sg->first.family == AF_INET6) {
				if (!warned++)
					log_warnx(SUB_TUN, "%s: cannot route "
					    "IPv6 pool %s: %s%s%s (IPv6 "
					    "disabled?); its clients get no "
					    "IPv6 traffic", ifname, pl->name,
					    tun_strerror(r),
					    r == -TUN_E_SYS ? ": " : "",
					    r == -TUN_E_SYS ?
					    strerror(errno) : "");
			} else if (r != 0)
				return r;
		}
	}
	return 0;
}

/* Says when the kernel will not forward what clients send to others:
 * path is the sysctl's file, name its name. */
static void
warn_forwarding(const char *path, const char *name, const char *what)
{
	FILE *f = fopen(path, "r");
	int c;

	if (f == NULL)
		return;
	c = fgetc(f);
	fclose(f);
	if (c == '0')
		log_warnx(SUB_TUN, "%s forwarding is off (%s = 0): clients "
		    "reach only this host", what, name);
}

/* Opens and configures the gateway's device (cfg->tun). */
static int
open_own(struct dp *dp, const struct dp_config *cfg)
{
	unsigned int fl = TUN_OPEN_OFFLOAD;
	int r, v6;

	/* One queue per thread; a persistent device made without
	 * multi_queue refuses that: it is then read by one thread. */
	if (cfg->threads > 1)
		fl |= TUN_OPEN_MULTI_QUEUE;
	r = tun_open(cfg->tun, fl, &dp->tun);
	if (r == -TUN_E_NOTSUP && (fl & TUN_OPEN_MULTI_QUEUE)) {
		log_warnx(SUB_TUN, "%s is not a multi-queue device (ip tuntap "
		    "add ... multi_queue): one thread reads it, %u write to "
		    "it", cfg->tun, cfg->threads);
		r = tun_open(cfg->tun, TUN_OPEN_OFFLOAD, &dp->tun);
	}
	if (r != 0) {
		log_errx(SUB_TUN, "TUN device %s: %s%s%s", cfg->tun,
		    tun_strerror(r), r == -TUN_E_SYS || r == -TUN_E_NODRV ?
		    ": " : "", r == -TUN_E_SYS || r == -TUN_E_NODRV ?
		    strerror(errno) : "");
		return -E_SYS;
	}
	dp->own_tun = 1;
	r = configure_tun(dp, cfg, &v6);
	if (r == -TUN_E_PERM)
		log_info(SUB_TUN, "no CAP_NET_ADMIN: %s must have been "
		    "configured beforehand (link up, MTU, routes to the "
		    "pools); leaving it as it is", tun_name(dp->tun));
	else if (r != 0) {
		log_errx(SUB_TUN, "configuring %s: %s", tun_name(dp->tun),
		    tun_strerror(r));
		return -E_SYS;
	}
	warn_forwarding("/proc/sys/net/ipv4/ip_forward", "net.ipv4.ip_forward",
	    "IPv4");
	if (v6)
		warn_forwarding("/proc/sys/net/ipv6/conf/all/forwarding",
		    "net.ipv6.conf.all.forwarding", "IPv6");
	return 0;
}

/* --- threads ---------------------------------------------------------- */

/* On a data-plane thread: the loop asked it to stop. Its handles close
 * and its loop runs out. */
static void
on_stop(uv_async_t *h)
{
	struct dp_q *q = h->data;

	net_worker_stop(q->nw);
	if (q->poll_open) {
		q->poll_open = 0;
		uv_poll_stop(&q->poll);
		uv_close((uv_handle_t *)&q->poll, NULL);
	}
	uv_close((uv_handle_t *)&q->stop, NULL);
}

/*
 * A data-plane thread: its own loop, watching its queue of the device and
 * its socket. It is offline for the grace periods except inside a batch
 * (on_tun, q_esp_input), so an idle thread holds nothing up.
 */
static void
worker_main(void *arg)
{
	struct dp_q *q = arg;
	int r = -E_SYS;

	if (uv_loop_init(&q->loop) != 0) {
		q->start_r = r;
		uv_sem_post(&q->ready);
		return;
	}
	q->lp = &q->loop;
	q->stop.data = q;
	if (uv_async_init(&q->loop, &q->stop, on_stop) != 0)
		goto fail_loop;
	if (q->reads) {
		if (uv_poll_init(&q->loop, &q->poll, tun_fd(q->tun)) != 0)
			goto fail;
		q->poll.data = q;
		q->poll_open = 1;
		uv_poll_start(&q->poll, UV_READABLE, on_tun);
	}
	if ((r = net_worker_start(q->nw, &q->loop, q_esp_input, q)) != 0)
		goto fail;
	q->start_r = 0;
	uv_sem_post(&q->ready);
	uv_run(&q->loop, UV_RUN_DEFAULT);
	if (uv_loop_close(&q->loop) != 0)
		log_warnx(SUB_TUN, "data-plane thread %u: a libuv handle was "
		    "left open", q->idx);
	return;
fail:
	on_stop(&q->stop);
	uv_run(&q->loop, UV_RUN_DEFAULT);
fail_loop:
	(void)uv_loop_close(&q->loop);
	q->start_r = r;
	uv_sem_post(&q->ready);
}

/* Stops the threads that run and waits for them. */
static void
threads_stop(struct dp *dp)
{
	struct dp_q *q;
	unsigned k;

	for (k = 0; dp->q != NULL && k < dp->nq; k++) {
		if ((q = dp->q[k]) == NULL || !q->running)
			continue;
		uv_async_send(&q->stop);
		if (uv_thread_join(&q->th) != 0)
			log_warnx(SUB_TUN, "data-plane thread %u: join failed",
			    k);
		q->running = 0;
		uv_sem_destroy(&q->ready);
		qsbr_reader_remove(dp->qsbr, &q->qr);
	}
}

static int
threads_start(struct dp *dp)
{
	struct dp_q *q;
	unsigned k;

	for (k = 0; k < dp->nq; k++) {
		q = dp->q[k];
		qsbr_reader_add(dp->qsbr, &q->qr);
		if (uv_sem_init(&q->ready, 0) != 0) {
			qsbr_reader_remove(dp->qsbr, &q->qr);
			return -E_SYS;
		}
		q->start_r = -E_INTERNAL;
		if (uv_thread_create(&q->th, worker_main, q) != 0) {
			uv_sem_destroy(&q->ready);
			qsbr_reader_remove(dp->qsbr, &q->qr);
			log_errx(SUB_TUN, "cannot start data-plane thread %u",
			    k);
			return -E_SYS;
		}
		uv_sem_wait(&q->ready);
		if (q->start_r != 0) {
			(void)uv_thread_join(&q->th);
			uv_sem_destroy(&q->ready);
			qsbr_reader_remove(dp->qsbr, &q->qr);
			log_errx(SUB_TUN, "data-plane thread %u did not "
			    "start: %s", k, err_str(q->start_r));
			return q->start_r;
		}
		q->running = 1;
	}
	return 0;
}

/* --- start and stop --------------------------------------------------- */

/* Frees everything; no thread runs and no loop handle is open. */
static void
dp_free(struct dp *dp)
{
	struct dp_child *ch, *next;
	unsigned k;
	size_t i;

	for (i = 0; i < DP_HASH; i++)
		for (ch = dp->children[i]; ch != NULL; ch = next) {
			next = ch->next;
			if (esp_sadb_remove(dp->db, ch->in) != 0 ||
			    esp_sadb_remove(dp->db, ch->out) != 0)
				log_warnx(SUB_ESP, "SA %08x was not in the "
				    "table", ch->spi_in);
			child_reclaim(&ch->qh);
		}
	/* Nobody reads any more: what waits for a grace period goes now. */
	qsbr_free(dp->qsbr);
	esp_sadb_free(dp->db);
	for (k = 0; dp->q != NULL && k < dp->nq; k++) {
		if (dp->q[k] != NULL && dp->q[k]->own_q)
			tun_close(dp->q[k]->tun);
		free(dp->q[k]);
	}
	free(dp->q);
	if (dp->own_tun)
		tun_close(dp->tun);
	free(dp);
}

/* Allocates the queues: queue 0 is the device's first handle; with
 * threads, the others are its further queues, or share queue 0's handle
 * for writing when the device has one queue only. */
static int
queues_new(struct dp *dp)
{
	struct dp_q *q;
	size_t sz = (sizeof(struct dp_q) + 63) & ~(size_t)63;
	unsigned k;
	int r;

	if ((dp->q = calloc(dp->nq, sizeof(*dp->q))) == NULL)
		return -E_NOMEM;
	for (k = 0; k < dp->nq; k++) {
		if ((q = aligned_alloc(64, sz)) == NULL)
			return -E_NOMEM;
		memset(q, 0, sz);
		dp->q[k] = q;
		q->dp = dp;
		q->idx = k;
		q->tun = dp->tun;
		q->reads = k == 0;
		if (dp->nthreads > 0)
			q->nw = net_worker_get(dp->net, k);
		if (k == 0 || !tun_multi_queue(dp->tun))
			continue;
		if ((r = tun_open_queue(dp->tun, &q->tun)) != 0) {
			q->tun = dp->tun;
			log_errx(SUB_TUN, "%s: queue %u: %s%s%s",
			    tun_name(dp->tun), k, tun_strerror(r),
			    r == -TUN_E_SYS ? ": " : "",
			    r == -TUN_E_SYS ? strerror(errno) : "");
			return -E_SYS;
		}
		q->own_q = 1;
		q->reads = 1;
		if (tun_set_nonblock(q->tun, 1) != 0) {
			log_err(SUB_TUN, "%s: queue %u", tun_name(dp->tun), k);
			return -E_SYS;
		}
	}
	return 0;
}

int
dp_start(uv_loop_t *loop, struct net *net, const struct dp_config *cfg,
    struct dp **out)
{
	const char *note;
	struct dp *dp;
	unsigned mtu = 0;
	int e, r = -E_SYS;

	if (cfg->dev == NULL && cfg->mtu > DP_MAX_MTU) {
		log_errx(SUB_TUN, "MTU %u is above the data plane's %u",
		    cfg->mtu, (unsigned)DP_MAX_MTU);
		return -E_RANGE;
	}
	if (cfg->threads > DP_THREADS_MAX ||
	    net_workers(net) != cfg->threads ||
	    (cfg->threads > 0 && cfg->ops.alive != NULL) ||
	    (cfg->threads > 1 && cfg->dev != NULL)) {
		log_errx(SUB_TUN, "data plane: %u threads with %u sockets",
		    cfg->threads, net_workers(net));
		return -E_INVAL;
	}
	if ((dp = calloc(1, sizeof(*dp))) == NULL ||
	    (dp->db = esp_sadb_new()) == NULL ||
	    (cfg->threads > 0 && (dp->qsbr = qsbr_new()) == NULL)) {
		if (dp != NULL)
			esp_sadb_free(dp->db);
		free(dp);
		return -E_NOMEM;
	}
	esp_sadb_set_qsbr(dp->db, dp->qsbr);
	dp->loop = loop;
	dp->net = net;
	dp->ops = cfg->ops;
	dp->nthreads = cfg->threads;
	dp->nq = cfg->threads > 0 ? cfg->threads : 1;
	if (cfg->dev != NULL)
		dp->tun = cfg->dev;
	else if (open_own(dp, cfg) != 0)
		goto fail;
	if (tun_set_nonblock(dp->tun, 1) != 0) {
		log_err(SUB_TUN, "TUN device %s", tun_name(dp->tun));
		goto fail;
	}
	/* Once, what the kernel refused and what it costs. */
	dp->offload = tun_offload(dp->tun, &note, &e);
	if (note != NULL)
		log_warnx(SUB_TUN, "%s: %s%s%s; %s", tun_name(dp->tun), note,
		    e != 0 ? ": " : "", e != 0 ? strerror(e) : "",
		    !(dp->offload & TUN_OFF_VNET) ? "plain TUN, one system "
		    "call per packet both ways" :
		    !(dp->offload & TUN_OFF_TSO) ? "reads stay one packet "
		    "each" : "UDP is read one datagram at a time");
	if (tun_mtu(dp->tun, &mtu) == 0 && mtu > DP_MAX_MTU)
		log_warnx(SUB_TUN, "%s has MTU %u: packets above %u are "
		    "dropped", tun_name(dp->tun), mtu, (unsigned)DP_MAX_MTU);
	if ((r = queues_new(dp)) != 0)
		goto fail;
	/* One handle on the loop: the grace-period timer with threads, the
	 * device's watcher without. Nothing fails after it. */
	if (dp->nthreads > 0) {
		if ((r = threads_start(dp)) != 0)
			goto fail;
		if (uv_timer_init(loop, &dp->gc) != 0) {
			r = -E_SYS;
			goto fail;
		}
		dp->gc.data = dp;
		dp->gc_open = 1;
	} else {
		dp->q[0]->lp = loop;
		if (uv_poll_init(loop, &dp->q[0]->poll, tun_fd(dp->tun)) != 0) {
			r = -E_SYS;
			goto fail;
		}
		dp->q[0]->poll.data = dp->q[0];
		dp->q[0]->poll_open = 1;
		uv_poll_start(&dp->q[0]->poll, UV_READABLE, on_tun);
	}
	dp->nhandles = 1;
	log_info(SUB_TUN, "data plane on %s (%s), MTU %u, offloads %s, %u "
	    "thread%s%s", tun_name(dp->tun), cfg->dev != NULL ? "given" :
	    tun_created(dp->tun) ? "created" : "attached", mtu,
	    offload_str(dp->offload), dp->nthreads,
	    dp->nthreads == 1 ? "" : "s", dp->nthreads > 1 &&
	    tun_multi_queue(dp->tun) ? ", one queue each" : "");
	*out = dp;
	return 0;
fail:
	threads_stop(dp);
	dp_free(dp);
	return r == -E_NOMEM || r == -E_INVAL ? r : -E_SYS;
}

static void
on_closed(uv_handle_t *h)
{
	struct dp *dp = h->data;

	if (--dp->nhandles == 0)
		dp_free(dp);
}

void
dp_close(struct dp *dp)
{
	if (dp == NULL || dp->closing)
		return;
	dp->closing = 1;
	/* The threads first: then nobody but us touches the tables. */
	threads_stop(dp);
	if (dp->gc_open) {
		dp->gc_open = 0;
		uv_timer_stop(&dp->gc);
		uv_close((uv_handle_t *)&dp->gc, on_closed);
	}
	if (dp->nthreads == 0 && dp->q[0]->poll_open) {
		dp->q[0]->poll_open = 0;
		uv_poll_stop(&dp->q[0]->poll);
		dp->q[0]->poll.data = dp;
		uv_close((uv_handle_t *)&dp->q[0]->poll, on_closed);
	}
}
