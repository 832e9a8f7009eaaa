/*
 * ike_sa_child.c: CREATE_CHILD_SA as responder: the client rekeys its
 * CHILD SA (RFC 7296 1.3.3, 2.8), with a fresh key exchange when the
 * profile's ESP asks for PFS. The new SA opens what arrives at once; what
 * we send moves to it when the client deletes the old one (it has then
 * installed the new one), or IKE_REKEY_GRACE_MS later if it never does.
 * A client whose CHILD SA expired or was deleted may create a new one
 * the same way. A request for an additional CHILD SA is refused: a
 * remote-access client has one. IKE SA rekeys go to ike_sa_rekey.c.
 */
#include "config.h"

#include <string.h>

#include "core/child_sa.h"
#include "core/ct.h"
#include "core/err.h"
#include "core/ike_sa_int.h"
#include "core/log.h"
#include "core/xform.h"

/* How long the replaced CHILD SA stays when the client does not delete
 * it (it should at once, 2.8). */
#define IKE_REKEY_GRACE_MS	10000

/* The replaced CHILD SA leaves: its counters go into the session's
 * totals, the current one's stay live. */
static void
retire_old(struct ike_sa *sa)
{
	struct ike_ctx *ctx = sa->ctx;
	struct child_sa *old = sa->child_old;

	if (old == NULL)
		return;
	if (sa->session != NULL) {
		ike_sa__session_count(sa, old);
		session_count_commit(sa->session);
	}
	if (ctx->io.child_down != NULL)
		ctx->io.child_down(ctx->io.arg, old);
	child_sa_free(old);
	sa->child_old = NULL;
	ctx->st.child_sas--;
	ike_sa__session_sync(sa);
}

void
ike_sa__rekey_finish(struct ike_sa *sa, int promote)
{
	struct ike_ctx *ctx = sa->ctx;
	int r;

	timer_del(ctx->th, &sa->t_rekey);
	if (sa->child_old == NULL)
		return;
	if (promote && sa->child != NULL && ctx->io.child_promote != NULL &&
	    (r = ctx->io.child_promote(ctx->io.arg, sa->child)) != 0)
		log_warn_e(SUB_IKE, r, "CHILD SA %08x: outbound not switched",
		    sa->child->spi_in);
	retire_old(sa);
}

void
ike_sa__on_rekey(struct timer *t, void *arg)
{
	struct ike_sa *sa = arg;
	char ps[NET_ADDRSTRLEN];

	ike_sa__timer_now(sa->ctx, timer_deadline(t));
	if (sa->child_old != NULL)
		log_info(SUB_IKE, "CHILD SA %08x/%08x with %s replaced; the "
		    "client did not delete it", sa->child_old->spi_in,
		    sa->child_old->spi_out,
		    ike_sa__peer_str(sa, ps, sizeof(ps)));
	ike_sa__rekey_finish(sa, 1);
}

/* Finds REKEY_SA (3.10.1) in m: 1 with the protocol and SPI, else 0. */
static int
rekey_notify(const struct ike_msg *m, uint8_t *proto, uint32_t *spi)
{
	struct ike_pld_notify n;
	struct span s;
	size_t i;

	for (i = 0; i < m->npld; i++) {
		if (m->pld[i].type != IKE_PLD_NOTIFY ||
		    ike_pld_parse_notify(m->pld[i].body, &n) != 0 ||
		    n.type != IKE_N_REKEY_SA)
			continue;
		s = n.spi;
		*proto = n.proto;
		*spi = 0;
		if (s.len == 4 && span_get_u32(&s, spi) != 0)
			return 0;
		return 1;
	}
	return 0;
}

void
ike_sa__create_child(struct ike_sa *sa, const struct ike_msg_hdr *req,
    const struct ike_msg *m)
{
	struct ike_ctx *ctx = sa->ctx;
	struct ike_pld_ts tsi, tsr, otsi, otsr;
	struct ike_pld_nonce ni, onr;
	struct ike_pld_ke ke, oke;
	struct ike_prop_esp esp;
	struct ike_keys_suite suite;
	struct child_sa_ts ts;
	struct child_sa *child = NULL;
	struct ike_chain c;
	struct span body, gir = span_make(NULL, 0);
	struct buf *b = NULL;
	const struct xform_dh *dh = NULL;
	void *dhst = NULL;
	uint8_t nr[IKE_NONCE_LEN], grp[2];
	uint8_t pub[XFORM_MAX_DH_PUB_LEN], shared[XFORM_MAX_DH_PUB_LEN];
	char ps[NET_ADDRSTRLEN], ealgs[64];
	uint32_t rspi = 0, spi;
	uint8_t rproto = 0;
	int have_ke = 0, rekey, r;

	ike_sa__peer_str(sa, ps, sizeof(ps));
	rekey = rekey_notify(m, &rproto, &rspi);
	/* 1.3.2: an IKE SA rekey has neither REKEY_SA nor selectors. */
	if (!rekey && ike_msg_body(m, IKE_PLD_TSI, &body) != 0) {
		ike_sa__rekey_ike(sa, req, m);
		return;
	}
	if (!rekey && sa->child != NULL) {
		log_info(SUB_IKE, "%s asks for another CHILD SA: refused", ps);
		ike_sa__resp_notify(sa, req, IKE_N_NO_ADDITIONAL_SAS);
		return;
	}
	/* 3.10.1: the SPI is the one the client receives with, our
	 * outbound SPI. Without REKEY_SA, the client replaces a CHILD SA
	 * that expired or was deleted. */
	if (rekey && (rproto != IKE_PROTO_ESP || sa->child == NULL ||
	    rspi != sa->child->spi_out)) {
		log_info(SUB_IKE, "%s rekeys an unknown CHILD SA %08x", ps,
		    rspi);
		ike_sa__resp_notify(sa, req, IKE_N_CHILD_SA_NOT_FOUND);
		return;
	}
	if (ike_msg_body(m, IKE_PLD_SA, &body) != 0 ||
	    ike_pld_parse_sa(body, &ctx->sa_pld) != 0 ||
	    ike_msg_body(m, IKE_PLD_NONCE, &body) != 0 ||
	    ike_pld_parse_nonce(body, &ni) != 0 ||
	    ike_msg_body(m, IKE_PLD_TSI, &body) != 0 ||
	    ike_pld_parse_ts(body, &tsi) != 0 ||
	    ike_msg_body(m, IKE_PLD_TSR, &body) != 0 ||
	    ike_pld_parse_ts(body, &tsr) != 0) {
		log_info(SUB_IKE, "CREATE_CHILD_SA from %s lacks SA, Nonce or "
		    "selectors", ps);
		ike_sa__resp_notify(sa, req, IKE_N_INVALID_SYNTAX);
		return;
	}
	if (ike_msg_body(m, IKE_PLD_KE, &body) == 0) {
		if (ike_pld_parse_ke(body, &ke) != 0) {
			ike_sa__resp_notify(sa, req, IKE_N_INVALID_SYNTAX);
			return;
		}
		have_ke = 1;
	}
	if (ike_prop_select_esp_rekey(sa->profile->esp, &ctx->sa_pld,
	    have_ke ? ke.group : 0, &esp) != 0) {
		log_info(SUB_IKE, "CHILD SA rekey from %s: no acceptable "
		    "proposal%s", ps, sa->profile->esp->pfs != 0 ?
		    " (the profile requires PFS)" : "");
		ike_sa__resp_notify(sa, req, IKE_N_NO_PROPOSAL_CHOSEN);
		return;
	}
	if (esp.dh != 0 && (!have_ke || ke.group != esp.dh)) {
		/* 1.3: name the group; the client retries with it. */
		log_info(SUB_IKE, "CHILD SA rekey from %s: KE group %u, asking "
		    "for %u", ps, have_ke ? ke.group : 0, esp.dh);
		grp[0] = (uint8_t)(esp.dh >> 8);
		grp[1] = (uint8_t)esp.dh;
		ike_sa__resp_notify_data(sa, req, IKE_N_INVALID_KE_PAYLOAD,
		    span_make(grp, 2));
		return;
	}
	if (esp.dh != 0 && ((dh = xform_find_dh(esp.dh)) == NULL ||
	    ke.data.len != dh->pub_len)) {
		ike_sa__resp_notify(sa, req, IKE_N_INVALID_SYNTAX);
		return;
	}
	if (child_sa_narrow(&tsi, &tsr, sa->vip, sa->nvip, ike_sa__policy(sa),
	    &ts) != 0) {
		log_info(SUB_IKE, "CHILD SA rekey from %s: selectors "
		    "unacceptable", ps);
		ike_sa__resp_notify(sa, req, IKE_N_TS_UNACCEPTABLE);
		return;
	}

	/* Ours in flight (2.25.1, as ikeclient answers ours): the client
	 * tries again later, by when ours is done. */
	if (sa->req_kind == IKE_REQ_REKEY ||
	    sa->req_kind == IKE_REQ_DEL_CHILD) {
		log_info(SUB_IKE, "CHILD SA rekey from %s while ours is in "
		    "flight: TEMPORARY_FAILURE", ps);
		ike_sa__resp_notify(sa, req, IKE_N_TEMPORARY_FAILURE);
		return;
	}
	/* A rekey before the client deleted the previous old SA: that
	 * one goes now (2.8 lets one CHILD SA be rekeyed at a time). */
	ike_sa__rekey_finish(sa, 1);
	r = -E_INTERNAL;
	if (xform_random(nr, sizeof(nr)) != 0 ||
	    child_sa_spi_alloc(ike_sa__spi_taken, ctx, NULL, &spi) != 0 ||
	    child_sa_new(spi, &esp, &ts,
	    (const struct sockaddr *)&sa->path.remote, ctx->now, &child) != 0)
		goto fail;
	child->replaces = rekey ? sa->child->spi_in : 0;
	child->life_bytes = (uint64_t)sa->profile->esp->lifetime_kb * 1024;
	if (dh != NULL) {
		if (dh->keygen(&dhst, NULL, 0, pub) != 0 ||
		    dh->derive(dhst, ke.data, shared) != 0) {
			log_info(SUB_IKE, "CHILD SA rekey from %s: bad KE "
			    "value", ps);
			child_sa_free(child);
			if (dhst != NULL)
				dh->free(dhst);
			ct_wipe(shared, sizeof(shared));
			ike_sa__resp_notify(sa, req, IKE_N_INVALID_SYNTAX);
			return;
		}
		gir = span_make(shared, dh->shared_len);
	}
	/* 2.17: KEYMAT = prf+(SK_d, [g^ir (new)] | Ni | Nr). */
	ike_prop_esp_suite(&esp, &suite);
	if ((r = ike_keys_child_derive(&child->keys, sa->prf,
	    span_make(sa->keys.sk_d, sa->keys.prf_len), &suite, gir, ni.data,
	    span_make(nr, sizeof(nr)))) != 0)
		goto fail;
	if (ctx->io.child_up != NULL && (r = ctx->io.child_up(ctx->io.arg,
	    child, sa->vip, sa->nvip, &sa->path)) != 0)
		goto fail;

	memset(&onr, 0, sizeof(onr));
	onr.data = span_make(nr, sizeof(nr));
	if ((r = ike_sa__resp_begin(sa, req, &b, &c)) != 0 ||
	    (r = ike_prop_add_esp(&c, &esp, spi)) != 0 ||
	    (r = ike_pld_add_nonce(&c, &onr)) != 0)
		goto undo;
	if (dh != NULL) {
		oke.group = esp.dh;
		oke.data = span_make(pub, dh->pub_len);
		if ((r = ike_pld_add_ke(&c, &oke)) != 0)
			goto undo;
	}
	if ((r = child_sa_ts_pld(ts.i, ts.ni, &otsi)) != 0 ||
	    (r = child_sa_ts_pld(ts.r, ts.nr, &otsr)) != 0 ||
	    (r = ike_pld_add_ts(&c, IKE_PLD_TSI, &otsi)) != 0 ||
	    (r = ike_pld_add_ts(&c, IKE_PLD_TSR, &otsr)) != 0)
		goto undo;

	if (ike_prop_esp_str(&esp, ealgs, sizeof(ealgs)) != 0)
		ealgs[sizeof(ealgs) - 1] = '\0';
	if (rekey)
		log_info(SUB_IKE, "CHILD SA %08x/%08x with %s rekeyed: now "
		    "%08x/%08x, ESP %s%s", sa->child->spi_in,
		    sa->child->spi_out, ps, child->spi_in, child->spi_out,
		    ealgs, dh != NULL ? " with PFS" : "");
	else
		log_info(SUB_IKE, "CHILD SA %08x/%08x with %s created in "
		    "place of a deleted one, ESP %s%s", child->spi_in,
		    child->spi_out, ps, ealgs, dh != NULL ? " with PFS" : "");
	if (rekey) {
		sa->child_old = sa->child;
		sa->child_rekeys++;
		ctx->st.child_rekeys++;
		if (timer_add(ctx->th, &sa->t_rekey, ctx->now +
		    IKE_REKEY_GRACE_MS) != 0)
			log_warnx(SUB_IKE, "cannot arm the rekey timer");
	}
	sa->child = child;
	ctx->st.child_sas++;
	ike_sa__life_arm(sa);
	if (dh != NULL)
		dh->free(dhst);
	ct_wipe(shared, sizeof(shared));
	ike_sa__resp_send(sa, b, &c);
	return;
undo:
	buf_free(b);
	if (ctx->io.child_down != NULL)
		ctx->io.child_down(ctx->io.arg, child);
fail:
	log_warn_e(SUB_IKE, r, "CHILD SA rekey from %s", ps);
	if (dhst != NULL)
		dh->free(dhst);
	ct_wipe(shared, sizeof(shared));
	child_sa_free(child);
	ike_sa__resp_notify(sa, req, IKE_N_TEMPORARY_FAILURE);
}
