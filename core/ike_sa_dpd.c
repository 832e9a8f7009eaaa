/*
 * ike_sa_dpd.c: dead peer detection on demand, the one request of ours
 * that waits for an answer (RFC 7296 2.4; window of one, 2.3).
 */
#include "config.h"

#include <string.h>

#include "core/ike_msg.h"
#include "core/ike_sa.h"
#include "core/ike_sa_int.h"
#include "core/ike_sk.h"
#include "core/log.h"

/* Starts an empty INFORMATIONAL request (a liveness check), sealed. */
static int
req_begin(struct ike_sa *sa, struct buf **bp, struct ike_chain *c)
{
	int r;

	if ((r = ike_sa__req_begin(sa, bp, c)) == 0 &&
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
	if (sa->dpd_outstanding) {
		if (sa->dpd_tries >= sa->profile->dpd_retry) {
			log_info(SUB_IKE, "peer %s of IKE SA %016llx/%016llx "
			    "is dead: %u liveness checks unanswered",
			    ike_sa__peer_str(sa, ps, sizeof(ps)),
			    (unsigned long long)sa->spi_i,
			    (unsigned long long)sa->spi_r, sa->dpd_tries + 1);
			ctx->st.dpd_dead++;
			ike_sa__sa_lost(sa, "dead peer");
			return;
		}
		/* 2.4: retransmit the same request, with backoff. */
		sa->dpd_tries++;
		ike_sa__send_buf(ctx, &sa->path, sa->dpd_req);
		wait = (uint64_t)IKE_DPD_BASE_MS << sa->dpd_tries;
		if (wait > IKE_DPD_MAX_MS)
			wait = IKE_DPD_MAX_MS;
		if (timer_add(ctx->th, &sa->t_dpd, now + wait) != 0)
			ike_sa__sa_lost(sa, "cannot arm dead peer detection");
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
	buf_free(sa->dpd_req);
	sa->dpd_req = b;
	sa->dpd_outstanding = 1;
	sa->dpd_tries = 0;
	ctx->st.dpd_sent++;
	ike_sa__send_buf(ctx, &sa->path, b);
	if (timer_add(ctx->th, &sa->t_dpd, now + IKE_DPD_BASE_MS) != 0)
		ike_sa__sa_lost(sa, "cannot arm dead peer detection");
}

/* A response to one of our requests (2.3: the one outstanding). */
void
ike_sa__handle_response(struct ike_sa *sa, const struct ike_msg *m,
    uint8_t *dgram, size_t len, const struct net_path *p)
{
	struct ike_ctx *ctx = sa->ctx;
	struct span plain;
	uint8_t first;

	if (!sa->dpd_outstanding || m->hdr.msgid != sa->our_msgid ||
	    m->hdr.exch != IKE_EXCH_INFORMATIONAL ||
	    ike_sk_open(&sa->sk, m, dgram, len, 1, &plain, &first) != 0) {
		ctx->st.rx_invalid++;
		return;
	}
	sa->our_msgid++;
	sa->dpd_outstanding = 0;
	buf_free(sa->dpd_req);
	sa->dpd_req = NULL;
	sa->last_rx = ctx->now;
	sa->path = *p;
	timer_del(ctx->th, &sa->t_dpd);
	ike_sa__dpd_arm(sa, ctx->now);
}
