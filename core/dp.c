/* dp.c: TUN <-> ESP <-> UDP, in batches, without per-packet allocation,
 * for the gateway and the client alike (see dp.h): the packet path, the
 * queues and threads, dp_start and dp_close. CHILD SAs are installed in
 * dp_child.c, counted in dp_show.c; dp_tun.c configures the gateway's
 * device; dp_int.h is what they share. */
#include "config.h"

#include <sys/uio.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "core/dp.h"
#include "core/dp_int.h"
#include "core/err.h"
#include "core/esp.h"
#include "core/gso.h"
#include "core/log.h"
#include "core/qsbr.h"
#include "tun/tun.h"

_Static_assert(TUN_VNET_HDR_LEN == GSO_VNET_HDR_LEN,
    "tun and gso disagree on the virtio-net header");

static void
cnt_add(uint64_t *c, uint64_t v)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + v,
	    __ATOMIC_RELAXED);
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
 * the slots, until the slots are full or the device has no more (*idle).
 * A super-packet that does not fit in the slots left waits in
 * q->splitting for the next batch, so that its segments leave together
 * (in as few UDP GSO sends as they fit); one larger than the slots is
 * split across batches. With may_read 0 it only finishes that one.
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
			if (k > 0 && gso_split_count(&q->split) > DP_SLOTS - k)
				break;
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
    const struct net_path *const *paths, size_t n)
{
	struct dp_q *q = arg;
	struct dp *dp = q->dp;
	struct dp_child *c, *run = NULL;
	uint64_t now = uv_now(q->lp);
	size_t i, k, done;
	int w;

	if (n > NET_ESP_BATCH)
		n = NET_ESP_BATCH;
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
			log_drop(q, &q->ep_in[i], paths[i]);
			continue;
		}
		c = esp_sa_user(q->ep_in[i].sa);
		/* RFC 3948 5: a NAT may have rebound the client's port;
		 * follow it, but only on authenticated packets. A client
		 * keeps the gateway's address it was given. Checked once
		 * per run of a CHILD SA's packets from one path (the
		 * packets of one datagram share its path). */
		if (!c->client && (c != run || (paths[i] != paths[i - 1] &&
		    path_differs(paths[i], paths[i - 1])))) {
			path_lock(c);
			if (path_differs(&c->path, paths[i]))
				c->path = *paths[i];
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
    const struct net_path *const *paths, size_t n)
{
	struct dp *dp = arg;

	if (dp->nthreads == 0 && !dp->closing)
		q_esp_input(dp->q[0], pkts, lens, paths, n);
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

/*
 * A client's device carries the host's own TCP, which sizes its bursts
 * (TSO super-packets) to the device's gso_max_segs. Capped at what one
 * UDP GSO send carries once sealed, a burst leaves as one send and
 * arrives as one coalesced read, rather than as a full one and a runt:
 * half the system calls at both ends. (A local UDP GSO send of more
 * segments than that is cut by the kernel before the device.) A gateway
 * forwards bursts that others sized (GRO on its LAN side), which the cap
 * would make the kernel cut into single packets: it is left alone there.
 */
static void
cap_bursts(struct dp *dp, unsigned mtu)
{
	size_t segs;
	int r;

	if (!(dp->offload & TUN_OFF_TSO) || mtu == 0)
		return;
	segs = net_gso_max_segs(mtu + ESP_HEADROOM_MAX + ESP_TAILROOM_MAX);
	if (segs > DP_SLOTS)
		segs = DP_SLOTS;
	if ((r = tun_link_gso_max_segs(tun_name(dp->tun), (unsigned)segs)) !=
	    0)
		log_info(SUB_TUN, "%s: TCP bursts not capped at %zu segments "
		    "(%s): some leave in two UDP sends", tun_name(dp->tun),
		    segs, tun_strerror(r));
	else
		log_debug(SUB_TUN, "%s: TCP bursts capped at %zu segments",
		    tun_name(dp->tun), segs);
}

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
			dp__child_reclaim(&ch->qh);
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
	else if (dp__open_own(dp, cfg) != 0)
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
	if (cfg->dev != NULL)
		cap_bursts(dp, mtu);
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
	/* Lifetime events need the loop woken from the threads; without
	 * it the SAs run to their time limit only (logged). */
	if (dp->ops.due != NULL) {
		if (uv_async_init(loop, &dp->due, dp__on_due) == 0) {
			dp->due.data = dp;
			dp->nhandles++;
			__atomic_store_n(&dp->due_open, 1, __ATOMIC_RELEASE);
		} else
			log_warnx(SUB_TUN, "cannot watch ESP SA volumes: "
			    "lifetime_kilobytes is not enforced");
	}
	log_info(SUB_TUN, "data plane on %s (%s), MTU %u, offloads %s, %u "
	    "thread%s%s", tun_name(dp->tun), cfg->dev != NULL ? "given" :
	    tun_created(dp->tun) ? "created" : "attached", mtu,
	    dp__offload_str(dp->offload), dp->nthreads,
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
	if (dp->due_open) {
		__atomic_store_n(&dp->due_open, 0, __ATOMIC_RELEASE);
		uv_close((uv_handle_t *)&dp->due, on_closed);
	}
	if (dp->nthreads == 0 && dp->q[0]->poll_open) {
		dp->q[0]->poll_open = 0;
		uv_poll_stop(&dp->q[0]->poll);
		dp->q[0]->poll.data = dp;
		uv_close((uv_handle_t *)&dp->q[0]->poll, on_closed);
	}
}
