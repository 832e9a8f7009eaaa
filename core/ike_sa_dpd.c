/*
 * ike_sa_dpd.c: our requests, one at a time (RFC 7296 2.3), sent again
 * with backoff until answered or the peer is declared dead (2.4): dead
 * peer detection on demand, and our rekey of a CHILD SA with the DELETE
 * that ends it (ike_sa_life.c).
 */
#include "config.h"

#include <string.h>

#include "core/ike_msg.h"
#include "core/ike_sa.h"
#include "core/ike_sa_int.h"
#include "core/ike_sk.h"
#include "core/log.h"

/* Retransmissions of a rekey or a DELETE at least (DPD may be off):
 * 2, 4, 8, 16 and 30 s after each other, the peer dead 30 s after the
 * last, 90 s after the first sending. */
#define IKE_REQ_MIN_RETRIES	5

/* Starts an empty INFORMATIONAL request (a liveness check), sealed. */
static int
req_begin(struct ike_sa *sa, struct buf **bp, struct ike_chain *c)
{
	int r;

	if ((r = ike_sa__req_begin(sa, IKE_EXCH_INFORMATIONAL, bp, c)) == 0 &&
	    (r = ike_sk_seal(&sa->sk, c, 0)) != 0) {
		buf_free(*bp);
		*bp = NULL;
	}
	return r;
}

/* The last time we heard anything authenticated from the peer: an IKE
 * message or an ESP packet of its CHILD SA. */
static uint64_t
last_heard(struct ike_sa *sa)
{
	struct ike_ctx *ctx = sa->ctx;
	uint64_t t = sa->last_rx, e;

	if (sa->child != NULL && ctx->io.child_last_rx != NULL &&
	    (e = ctx->io.child_last_rx(ctx->io.arg, sa->child)) > t)
		t = e;
	return t;
}

/* Arms dead peer detection "on demand" (the reference: the gateway
 * probes only a client it has not heard from for the interval). */
void
ike_sa__dpd_arm(struct ike_sa *sa, uint64_t from)
{
	unsigned iv = sa->profile != NULL ? sa->profile->dpd_interval : 0;

	if (iv == 0 || sa->state != IKE_S_ESTABLISHED)
		return;
	if (timer_add(sa->ctx->th, &sa->t_dpd, from + (uint64_t)iv * 1000) != 0)
		log_warnx(SUB_IKE, "cannot arm dead peer detection");
}

/* How often our request is sent again before the peer is dead: the
 * profile's DPD retries, for a rekey or DELETE at least
 * IKE_REQ_MIN_RETRIES. */
static unsigned
req_retries(const struct ike_sa *sa)
{
	unsigned n = sa->profile != NULL ? sa->profile->dpd_retry : 0;

	if (sa->req_kind != IKE_REQ_DPD && n < IKE_REQ_MIN_RETRIES)
		n = IKE_REQ_MIN_RETRIES;
	return n;
}

void
ike_sa__req_send(struct ike_sa *sa, enum ike_req k, struct buf *b)
{
	struct ike_ctx *ctx = sa->ctx;

	buf_free(sa->req);
	sa->req = b;
	sa->req_kind = k;
	sa->req_tries = 0;
	ike_sa__send_buf(ctx, &sa->path, b);
	if (timer_add(ctx->th, &sa->t_dpd, ctx->now + IKE_DPD_BASE_MS) != 0)
		log_warnx(SUB_IKE, "cannot arm the retransmission timer");
}

void
ike_sa__req_clear(struct ike_sa *sa)
{
	buf_free(sa->req);
	sa->req = NULL;
	sa->req_kind = IKE_REQ_NONE;
}

void
ike_sa__on_dpd(struct timer *t, void *arg)
{
	struct ike_sa *sa = arg;
	struct ike_ctx *ctx = sa->ctx;
	struct ike_chain c;
	struct buf *b;
	uint64_t now, last, wait;
	char ps[NET_ADDRSTRLEN];

	ike_sa__timer_now(ctx, timer_deadline(t));
	now = ctx->now;
	if (sa->req_kind != IKE_REQ_NONE) {
		if (sa->req_tries >= req_retries(sa)) {
			log_info(SUB_IKE, "peer %s of IKE SA %016llx/%016llx "
			    "is dead: %u %s unanswered",
			    ike_sa__peer_str(sa, ps, sizeof(ps)),
			    (unsigned long long)sa->spi_i,
			    (unsigned long long)sa->spi_r, sa->req_tries + 1,
			    sa->req_kind == IKE_REQ_DPD ? "liveness checks" :
			    sa->req_kind == IKE_REQ_REKEY ? "rekey requests" :
			    "DELETE requests");
			ctx->st.dpd_dead++;
			ike_sa__sa_lost(sa, "dead peer");
			return;
		}
		/* 2.4: retransmit the same request, with backoff. */
		sa->req_tries++;
		ike_sa__send_buf(ctx, &sa->path, sa->req);
		wait = (uint64_t)IKE_DPD_BASE_MS << sa->req_tries;
		if (wait > IKE_DPD_MAX_MS)
			wait = IKE_DPD_MAX_MS;
		if (timer_add(ctx->th, &sa->t_dpd, now + wait) != 0)
			ike_sa__sa_lost(sa, "cannot arm the retransmission "
			    "timer");
		return;
	}
	last = last_heard(sa);
	if (last + (uint64_t)sa->profile->dpd_interval * 1000 > now) {
		ike_sa__dpd_arm(sa, last);
		return;
	}
	if (req_begin(sa, &b, &c) != 0) {
		ike_sa__dpd_arm(sa, now);
		return;
	}
	log_debug(SUB_IKE, "liveness check of %s", ike_sa__peer_str(sa, ps,
	    sizeof(ps)));
	ctx->st.dpd_sent++;
	ike_sa__req_send(sa, IKE_REQ_DPD, b);
}

/* A response to our request outstanding (2.3): a rekey's is decoded for
 * ike_sa_life.c, the others carry nothing we need. */
void
ike_sa__handle_response(struct ike_sa *sa, const struct ike_msg *m,
    uint8_t *dgram, size_t len, const struct net_path *p)
{
	struct ike_ctx *ctx = sa->ctx;
	enum ike_req k = sa->req_kind;
	struct span plain;
	uint8_t first, want, bad = 0;

	want = k == IKE_REQ_REKEY ? IKE_EXCH_CREATE_CHILD_SA :
	    IKE_EXCH_INFORMATIONAL;
	if (k == IKE_REQ_NONE || m->hdr.msgid != sa->our_msgid ||
	    m->hdr.exch != want ||
	    ike_sk_open(&sa->sk, m, dgram, len, 1, &plain, &first) != 0) {
		ctx->st.rx_invalid++;
		return;
	}
	sa->our_msgid++;
	ike_sa__req_clear(sa);
	sa->last_rx = ctx->now;
	sa->path = *p;
	timer_del(ctx->th, &sa->t_dpd);
	if (k == IKE_REQ_REKEY) {
		if (ike_msg_parse_inner(&m->hdr, first, plain,
		    &ctx->inner) != 0 || ike_msg_verify(&ctx->inner,
		    &bad) != 0) {
			ctx->st.rx_invalid++;
			ike_sa__life_rekey_resp(sa, NULL);
		} else
			ike_sa__life_rekey_resp(sa, &ctx->inner);
	} else if (k == IKE_REQ_DEL_CHILD)
		ike_sa__life_del_resp(sa);
	if (sa->req_kind == IKE_REQ_NONE)
		ike_sa__life_slot_free(sa);
	if (sa->req_kind == IKE_REQ_NONE)
		ike_sa__dpd_arm(sa, ctx->now);
}
