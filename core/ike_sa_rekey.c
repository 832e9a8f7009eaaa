/*
 * ike_sa_rekey.c: the client rekeys its IKE SA (CREATE_CHILD_SA with an
 * IKE proposal, RFC 7296 1.3.2, 2.18): a new IKE SA with fresh SPIs and
 * keys takes over everything the old one held (its CHILD SAs, address,
 * session, identity and authorization) without a new login. The old SA
 * is answered, then waits in IKE_S_REKEYED for the client's DELETE, or
 * IKE_REKEYED_LINGER_MS.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/child_sa.h"
#include "core/ct.h"
#include "core/err.h"
#include "core/ike_sa_int.h"
#include "core/log.h"
#include "core/xform.h"

/* How long a replaced IKE SA waits for the client's DELETE. */
#define IKE_REKEYED_LINGER_MS	30000

/* Moves the deadline of o's timer from (if armed) to n's to. */
static void
move_timer(struct ike_ctx *ctx, struct timer *from, struct timer *to)
{
	uint64_t at;

	if (!timer_armed(from))
		return;
	at = timer_deadline(from);
	timer_del(ctx->th, from);
	if (timer_add(ctx->th, to, at) != 0)
		log_warnx(SUB_IKE, "cannot arm a CHILD SA timer");
}

/* Moves what o holds for its client into n (RFC 7296 2.18: the CHILD
 * SAs and state move to the new IKE SA); o keeps nothing to release. */
static void
take_over(struct ike_sa *n, struct ike_sa *o)
{
	struct ike_ctx *ctx = o->ctx;

	n->profile = o->profile;
	n->idi = o->idi;
	o->idi = NULL;
	n->eap_identity = o->eap_identity;
	o->eap_identity = NULL;
	n->auth_verify = o->auth_verify;
	n->peer_sig_hashes = o->peer_sig_hashes;
	n->nat_peer = o->nat_peer;
	n->nat_local = o->nat_local;
	memcpy(n->pool, o->pool, sizeof(n->pool));
	memcpy(n->vip, o->vip, sizeof(n->vip));
	n->nvip = o->nvip;
	n->vip_leased = o->vip_leased;
	o->nvip = 0;
	o->vip_leased = 0;
	n->child = o->child;
	n->child_old = o->child_old;
	n->child_rekeys = o->child_rekeys;
	o->child = o->child_old = NULL;
	move_timer(ctx, &o->t_rekey, &n->t_rekey);
	move_timer(ctx, &o->t_life, &n->t_life);
	n->session = o->session;
	o->session = NULL;
	if (n->session != NULL)
		session_set_owner(n->session, n);
	n->resumed = o->resumed;
	n->resume_attempt = o->resume_attempt;
}

/* The proposal the choice c names: its 8-byte SPI, the client's new SPIi
 * (3.3.1); 0 when it has none. */
static uint64_t
new_spi_i(const struct ike_prop_ike *c)
{
	uint64_t v = 0;
	size_t i;

	if (c->spi_len != 8)
		return 0;
	for (i = 0; i < 8; i++)
		v = v << 8 | c->spi[i];
	return v;
}

void
ike_sa__rekey_ike(struct ike_sa *sa, const struct ike_msg_hdr *req,
    const struct ike_msg *m)
{
	struct ike_ctx *ctx = sa->ctx;
	const struct cfg_proposal *props[1];
	struct ike_pld_nonce ni, onr;
	struct ike_pld_ke ke, oke;
	struct ike_prop_ike choice;
	struct ike_keys_suite suite;
	struct ike_sa *n = NULL;
	struct ike_chain c;
	struct span body;
	struct buf *b = NULL;
	const struct xform_dh *dh;
	void *dhst = NULL;
	uint8_t pub[XFORM_MAX_DH_PUB_LEN], shared[XFORM_MAX_DH_PUB_LEN];
	uint8_t skeyseed[XFORM_MAX_HASH_LEN], spi_i[8], spi_r[8], grp[2];
	char ps[NET_ADDRSTRLEN], algs[64];
	uint16_t want;
	int r = -E_INTERNAL;

	ike_sa__peer_str(sa, ps, sizeof(ps));
	if (ike_msg_body(m, IKE_PLD_SA, &body) != 0 ||
	    ike_pld_parse_sa(body, &ctx->sa_pld) != 0 ||
	    ike_msg_body(m, IKE_PLD_NONCE, &body) != 0 ||
	    ike_pld_parse_nonce(body, &ni) != 0 ||
	    ike_msg_body(m, IKE_PLD_KE, &body) != 0 ||
	    ike_pld_parse_ke(body, &ke) != 0) {
		log_info(SUB_IKE, "IKE SA rekey from %s lacks SA, Nonce or KE",
		    ps);
		ike_sa__resp_notify(sa, req, IKE_N_INVALID_SYNTAX);
		return;
	}
	/* The profile the client logged in with decides, as in IKE_AUTH. */
	props[0] = sa->profile->proposal;
	if (props[0] == NULL ||
	    ike_prop_select_ike(props, 1, &ctx->sa_pld, &choice) != 0 ||
	    new_spi_i(&choice) == 0) {
		log_info(SUB_IKE, "IKE SA rekey from %s: no acceptable "
		    "proposal", ps);
		ike_sa__resp_notify(sa, req, IKE_N_NO_PROPOSAL_CHOSEN);
		return;
	}
	if (ike_prop_ke_check(&choice, ke.group, &want) != 0) {
		log_info(SUB_IKE, "IKE SA rekey from %s: KE group %u, asking "
		    "for %u", ps, ke.group, want);
		grp[0] = (uint8_t)(want >> 8);
		grp[1] = (uint8_t)want;
		ike_sa__resp_notify_data(sa, req, IKE_N_INVALID_KE_PAYLOAD,
		    span_make(grp, 2));
		return;
	}
	if ((dh = xform_find_dh(choice.dh)) == NULL ||
	    ke.data.len != dh->pub_len) {
		ike_sa__resp_notify(sa, req, IKE_N_INVALID_SYNTAX);
		return;
	}

	/* 2.25.2: not while our rekey of its CHILD SA, or the DELETE
	 * that ends it, waits for an answer on this SA. */
	if (sa->req_kind == IKE_REQ_REKEY ||
	    sa->req_kind == IKE_REQ_DEL_CHILD) {
		log_info(SUB_IKE, "IKE SA rekey from %s while we rekey its "
		    "CHILD SA: TEMPORARY_FAILURE", ps);
		ike_sa__resp_notify(sa, req, IKE_N_TEMPORARY_FAILURE);
		return;
	}
	/* One replaced SA per client at a time: the one before, which the
	 * client should have deleted by now, goes (a client rekeying in a
	 * loop cannot pile them up). */
	if (sa->pred != NULL)
		ike_sa__sa_destroy(sa->pred, "replaced twice; the client did "
		    "not delete it");
	if ((n = calloc(1, sizeof(*n))) == NULL)
		goto fail;
	n->ctx = ctx;
	n->spi_i = new_spi_i(&choice);
	n->path = sa->path;
	n->init_path = sa->path;
	n->created = n->established = ctx->now;
	n->state = IKE_S_ESTABLISHED;
	n->prop = choice;
	timer_init(&n->t_half_open, ike_sa__on_half_open, n);
	timer_init(&n->t_dpd, ike_sa__on_dpd, n);
	timer_init(&n->t_rekey, ike_sa__on_rekey, n);
	timer_init(&n->t_life, ike_sa__on_life, n);
	if ((r = ike_sa__new_spi(ctx, &n->spi_r)) != 0 ||
	    (r = xform_random(n->nr, sizeof(n->nr))) != 0)
		goto fail;
	memcpy(n->ni, ni.data.p, ni.data.len);
	n->ni_len = ni.data.len;
	if ((r = dh->keygen(&dhst, NULL, 0, pub)) != 0 ||
	    (r = dh->derive(dhst, ke.data, shared)) != 0) {
		log_info(SUB_IKE, "IKE SA rekey from %s: bad KE value", ps);
		ike_sa__resp_notify(sa, req, IKE_N_INVALID_SYNTAX);
		r = 0;
		goto fail;
	}
	/* 2.18: SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr), with the
	 * old SA's PRF; the keys with the new one. */
	ike_prop_ike_suite(&choice, &suite);
	if ((n->prf = ike_prop_prf(&choice)) == NULL)
		goto fail;
	ike_keys_spi_put(n->spi_i, spi_i);
	ike_keys_spi_put(n->spi_r, spi_r);
	if ((r = ike_keys_skeyseed_rekey(sa->prf,
	    span_make(sa->keys.sk_d, sa->keys.prf_len),
	    span_make(shared, dh->shared_len), ni.data,
	    span_make(n->nr, sizeof(n->nr)), skeyseed)) != 0 ||
	    (r = ike_keys_derive(&n->keys, n->prf, &suite,
	    span_make(skeyseed, sa->prf->out_len), ni.data,
	    span_make(n->nr, sizeof(n->nr)), spi_i, spi_r)) != 0 ||
	    (r = ike_sk_init(&n->sk, &suite, &n->keys)) != 0)
		goto fail;

	/* The answer, on the old SA: SA (our new SPIr), Nr, KEr. */
	memset(&onr, 0, sizeof(onr));
	onr.data = span_make(n->nr, sizeof(n->nr));
	oke.group = choice.dh;
	oke.data = span_make(pub, dh->pub_len);
	if ((r = ike_sa__resp_begin(sa, req, &b, &c)) != 0 ||
	    (r = ike_prop_add_ike(&c, &choice, span_make(spi_r, 8))) != 0 ||
	    (r = ike_pld_add_nonce(&c, &onr)) != 0 ||
	    (r = ike_pld_add_ke(&c, &oke)) != 0)
		goto fail;

	take_over(n, sa);
	n->pred = sa;
	sa->succ = n;
	ike_sa__link_sa(ctx, n);
	ctx->st.ike_sas++;
	ctx->st.ike_rekeys++;
	sa->state = IKE_S_REKEYED;
	timer_del(ctx->th, &sa->t_dpd);
	if (timer_add(ctx->th, &sa->t_half_open, ctx->now +
	    IKE_REKEYED_LINGER_MS) != 0)
		log_warnx(SUB_IKE, "cannot arm the rekeyed SA's timer");
	n->last_rx = ctx->now;
	ike_sa__dpd_arm(n, ctx->now);
	if (ike_prop_ike_str(&choice, algs, sizeof(algs)) != 0)
		algs[sizeof(algs) - 1] = '\0';
	log_info(SUB_IKE, "IKE SA %016llx/%016llx with %s rekeyed: now "
	    "%016llx/%016llx, IKE %s", (unsigned long long)sa->spi_i,
	    (unsigned long long)sa->spi_r, ps, (unsigned long long)n->spi_i,
	    (unsigned long long)n->spi_r, algs);
	dh->free(dhst);
	ct_wipe(shared, sizeof(shared));
	ct_wipe(skeyseed, sizeof(skeyseed));
	ike_sa__resp_send(sa, b, &c);
	return;
fail:
	buf_free(b);
	if (dhst != NULL)
		dh->free(dhst);
	ct_wipe(shared, sizeof(shared));
	ct_wipe(skeyseed, sizeof(skeyseed));
	if (n != NULL) {
		ike_sk_cleanup(&n->sk);
		ike_keys_cleanup(&n->keys);
		ct_wipe(n, sizeof(*n));
		free(n);
	}
	if (r != 0) {
		log_warn_e(SUB_IKE, r, "IKE SA rekey from %s", ps);
		ike_sa__resp_notify(sa, req, IKE_N_TEMPORARY_FAILURE);
	}
}
