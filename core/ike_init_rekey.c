/*
 * ike_init_rekey.c: the initiator's rekeys (RFC 7296 1.3.2, 1.3.3, 2.8,
 * 2.18): ours of the CHILD SA (CREATE_CHILD_SA with REKEY_SA, then the
 * DELETE of the old SA), the gateway's of the CHILD SA (answered, PFS
 * included; what we send moves when the gateway deletes the old SA), and
 * ours of the IKE SA (the new SA takes over in place, the old one is
 * deleted).
 */
#include "config.h"

#include <string.h>

#include "core/ct.h"
#include "core/err.h"
#include "core/ike_init_int.h"
#include "core/ike_rekey.h"
#include "core/log.h"

/* --- rekeying our CHILD SA (1.3.3, 2.8) ------------------------------ */

/* Arms our next rekey of the CHILD SA at at (when rekeys are on). */
void
ike_init__rekey_arm(struct ike_init *sa, uint64_t at)
{
	if ((sa->rekey_ms == 0 && !sa->rekey_due) ||
	    sa->ops.child_rekeyed == NULL ||
	    sa->state != IKE_INIT_S_ESTABLISHED || !sa->have_res)
		return;
	sa->rekey_at = at;
	if (timer_add(sa->th, &sa->t_rekey, at) != 0)
		log_warnx(SUB_IKE, "cannot arm the CHILD SA rekey");
}

/* Drops the key pair of our CHILD SA rekey's KE. */
static void
rk_dh_free(struct ike_init *sa)
{
	if (sa->rk_dhst != NULL)
		sa->rk_dh->free(sa->rk_dhst);
	sa->rk_dhst = NULL;
}

/* The CREATE_CHILD_SA request that rekeys our CHILD SA: REKEY_SA naming
 * it, our ESP proposals under a new inbound SPI with D-H transforms for
 * our KE's group and NONE (PFS when the gateway wants it), a new nonce,
 * the KE, and the selectors it has. */
static int
start_rekey(struct ike_init *sa)
{
	const struct child_sa *ch = &sa->res.child;
	struct ike_pld_ke ke;
	struct ike_chain c;
	struct buf *b = NULL;
	uint16_t group, groups[IKE_REKEY_GROUPS];
	size_t ngroups;
	int r;

	group = sa->rk_group != 0 ? sa->rk_group : sa->prop.dh;
	rk_dh_free(sa);
	if ((sa->rk_dh = xform_find_dh(group)) == NULL)
		return -E_NOTSUP;
	if ((r = sa->rk_dh->keygen(&sa->rk_dhst, NULL, 0, sa->rk_pub)) != 0 ||
	    (r = child_sa_spi_alloc(sa->ops.spi_taken, sa->ops.arg, NULL,
	    &sa->rk_spi)) != 0 ||
	    (r = xform_random(sa->rk_ni, sizeof(sa->rk_ni))) != 0 ||
	    (r = ike_init__msg_begin(sa, IKE_EXCH_CREATE_CHILD_SA, 0, 0, &b,
	    &c)) != 0)
		goto out;
	ke.group = group;
	ke.data = span_make(sa->rk_pub, sa->rk_dh->pub_len);
	ngroups = ike_rekey_groups(group, sa->propv, sa->nprops, groups);
	if ((r = ike_rekey_request_add(&c, ch, &sa->esp, sa->rk_spi, groups,
	    ngroups, span_make(sa->rk_ni, sizeof(sa->rk_ni)), &ke)) != 0 ||
	    (r = ike_sk_seal(&sa->sk, &c, 1)) != 0)
		goto out;
	log_debug(SUB_IKE, "rekeying CHILD SA %08x/%08x", ch->spi_in,
	    ch->spi_out);
	r = ike_init__send_request(sa, REQ_REKEY, IKE_EXCH_CREATE_CHILD_SA, b);
	b = NULL;
out:
	buf_free(b);
	return r;
}

/* Our rekey is due: it waits for the request in flight and for the
 * DELETE of the SA the last one replaced. */
void
ike_init__on_rekey(struct timer *t, void *arg)
{
	struct ike_init *sa = arg;
	uint64_t now = ike_init__clock_now(sa, sa->rekey_at);
	int r;

	(void)t;
	if (sa->state != IKE_INIT_S_ESTABLISHED || !sa->have_res)
		return;
	if (sa->req_kind != REQ_NONE || sa->have_old) {
		ike_init__rekey_arm(sa, now + REKEY_BUSY_MS);
		return;
	}
	if ((r = start_rekey(sa)) != 0) {
		log_warnx(SUB_IKE, "cannot rekey the CHILD SA: %s",
		    err_str(r));
		ike_init__rekey_arm(sa, now + REKEY_RETRY_MS);
	}
}

int
ike_init_rekey_child(struct ike_init *sa, uint64_t now_ms)
{
	if (sa->state != IKE_INIT_S_ESTABLISHED || !sa->have_res ||
	    sa->ops.child_rekeyed == NULL)
		return -E_STATE;
	if (sa->rekey_due || sa->req_kind == REQ_REKEY)
		return 0;		/* under way */
	if (now_ms > sa->now)
		sa->now = now_ms;
	sa->rekey_due = 1;
	ike_init__rekey_arm(sa, sa->now);
	return 0;
}

/* The replaced CHILD SA is gone on both sides (or given up). */
void
ike_init__retire_old(struct ike_init *sa)
{
	if (!sa->have_old)
		return;
	sa->have_old = 0;
	if (sa->ops.child_retired != NULL)
		sa->ops.child_retired(sa->ops.arg, sa, sa->old_spi_in);
}

/* 1.4.1: the DELETE of the CHILD SA our rekey replaced. */
static int
start_del_child(struct ike_init *sa)
{
	struct ike_chain c;
	struct buf *b;
	int r;

	if ((r = ike_init__msg_begin(sa, IKE_EXCH_INFORMATIONAL, 0, 0, &b,
	    &c)) != 0)
		return r;
	if ((r = ike_pld_add_delete_esp(&c, &sa->old_spi_in, 1)) != 0 ||
	    (r = ike_sk_seal(&sa->sk, &c, 1)) != 0) {
		buf_free(b);
		return r;
	}
	return ike_init__send_request(sa, REQ_DEL_CHILD,
	    IKE_EXCH_INFORMATIONAL, b);
}

/* When to try a failed rekey again: a proposal the gateway will not take
 * (it wants PFS, say) is no better in 30 s; it waits a whole period,
 * and the gateway likely rekeys by itself meanwhile. */
static uint64_t
retry_ms(unsigned period_ms, uint16_t notify)
{
	if (notify == IKE_N_NO_PROPOSAL_CHOSEN && period_ms > REKEY_RETRY_MS)
		return period_ms;
	return REKEY_RETRY_MS;
}

/* The gateway refused our rekey, or answered what we cannot use: the
 * CHILD SA stays as it is; we try again later. */
void
ike_init__rekey_failed(struct ike_init *sa, const char *why, uint16_t notify)
{
	const char *nn = ike_pld_notify_name(notify);

	log_info(SUB_IKE, "rekey of CHILD SA %08x/%08x failed: %s%s%s%s",
	    sa->res.child.spi_in, sa->res.child.spi_out, why,
	    notify != 0 ? " (" : "", notify != 0 && nn != NULL ? nn : "",
	    notify != 0 ? ")" : "");
	rk_dh_free(sa);
	if (!ike_init__delete_if_pending(sa))
		ike_init__rekey_arm(sa, sa->now + retry_ms(sa->rekey_ms,
		    notify));
}

/* nc (consumed) replaces the CHILD SA; the old one stays until its
 * DELETE (have_old). by_us: our rekey, which we send on at once; else
 * the gateway's, which we send on once it deleted the old SA (2.8). */
static void
child_replaced(struct ike_init *sa, struct child_sa *nc, int by_us)
{
	struct ike_init_result *res = &sa->res;

	sa->old_spi_in = res->child.spi_in;
	sa->old_spi_out = res->child.spi_out;
	sa->have_old = 1;
	sa->rekey_due = 0;
	child_sa_cleanup(&res->child);
	res->child = *nc;
	res->child.life_bytes = sa->life_bytes;
	ct_wipe(nc, sizeof(*nc));
	if (ike_prop_esp_str(&res->child.prop, res->esp_algs,
	    sizeof(res->esp_algs)) != 0)
		res->esp_algs[sizeof(res->esp_algs) - 1] = '\0';
	sa->st.child_rekeys++;
	log_info(SUB_IKE, "CHILD SA rekeyed%s: %08x/%08x replaces %08x/%08x",
	    by_us ? "" : " by the gateway", res->child.spi_in,
	    res->child.spi_out, sa->old_spi_in, sa->old_spi_out);
	sa->ops.child_rekeyed(sa->ops.arg, sa, &res->child, by_us);
}

/* The response to our rekey: the new CHILD SA takes over what we send
 * at once (the gateway, its responder, has both its halves), the old one
 * still opens what arrives until the DELETE we send for it is answered
 * (2.8). */
void
ike_init__handle_rekey_resp(struct ike_init *sa, const struct ike_msg *m)
{
	struct ike_init_result *res = &sa->res;
	struct ike_rekey_answer a;
	struct ike_keys_suite suite;
	struct child_sa_ts ts;
	struct child_sa nc;
	struct ike_pld_notify n;
	uint8_t shared[XFORM_MAX_DH_PUB_LEN];
	size_t nours, ntheirs;
	const struct child_sa_sel *ours = child_sa_side(&res->child, 1, &nours);
	const struct child_sa_sel *theirs = child_sa_side(&res->child, 0,
	    &ntheirs);
	uint16_t nt, want, group = sa->rk_dh != NULL ? sa->rk_dh->group : 0;
	int r;

	if ((nt = ike_msg_first_error(m)) == IKE_N_INVALID_KE_PAYLOAD &&
	    ike_msg_find_notify(m, nt, &n) == 0 && n.data.len == 2 &&
	    (want = (uint16_t)(n.data.p[0] << 8 | n.data.p[1])) != group &&
	    xform_find_dh(want) != NULL) {
		/* 1.3.3: again at once, with a KE of the group it names. */
		log_info(SUB_IKE, "rekey of CHILD SA %08x/%08x: the gateway "
		    "wants D-H group %u", res->child.spi_in,
		    res->child.spi_out, want);
		sa->rk_group = want;
		ike_init__rekey_arm(sa, sa->now);
		return;
	}
	if (nt != 0) {
		ike_init__rekey_failed(sa, "refused", nt);
		return;
	}
	memset(&ts, 0, sizeof(ts));
	if ((r = ike_rekey_answer_read(m, &sa->esp, sa->rk_dh, sa->rk_dhst,
	    &sa->sa_pld, shared, &a)) != 0 ||
	    ike_init__read_ts(&a.tsi, ours, nours, ts.i, &ts.ni) != 0 ||
	    ike_init__read_ts(&a.tsr, theirs, ntheirs, ts.r, &ts.nr) != 0) {
		ct_wipe(shared, sizeof(shared));
		ike_init__rekey_failed(sa, "unusable response", 0);
		return;
	}
	ike_prop_esp_suite(&a.esp, &suite);
	if ((r = child_sa_init(&nc, sa->rk_spi, &a.esp, &ts,
	    (const struct sockaddr *)&sa->path.remote, sa->now)) != 0 ||
	    (r = ike_keys_child_derive(&nc.keys, sa->prf,
	    span_make(sa->keys.sk_d, sa->keys.prf_len), &suite, a.gir,
	    span_make(sa->rk_ni, sizeof(sa->rk_ni)), a.nr.data)) != 0) {
		ct_wipe(shared, sizeof(shared));
		child_sa_cleanup(&nc);
		ike_init__rekey_failed(sa, err_str(r), 0);
		return;
	}
	ct_wipe(shared, sizeof(shared));
	rk_dh_free(sa);
	/* 2.17: our request again, so our outbound SA takes the "i"
	 * keys. */
	nc.we_initiated = 1;
	nc.replaces = res->child.spi_in;
	child_replaced(sa, &nc, 1);
	if (ike_init__delete_if_pending(sa))
		return;
	if ((r = start_del_child(sa)) != 0) {
		log_warnx(SUB_IKE, "cannot delete CHILD SA %08x: %s",
		    sa->old_spi_in, err_str(r));
		ike_init__retire_old(sa);
	}
	ike_init__rekey_arm(sa, sa->now + sa->rekey_ms);
}

/* The answer to the DELETE of the replaced CHILD SA (its DELETE payload,
 * if any, names the gateway's half, which it has removed). */
void
ike_init__handle_del_child_resp(struct ike_init *sa)
{
	ike_init__req_done(sa);
	ike_init__retire_old(sa);
	(void)ike_init__delete_if_pending(sa);
}

/*
 * The gateway rekeys our CHILD SA (1.3.3): REKEY_SA must name it (by our
 * outbound SPI, the one the gateway receives on). The new SA takes the
 * gateway's proposal that ours allow, with its KE when it asks for PFS.
 * Adds SA, Nr, [KEr], TSi and TSr to c and makes the new SA in *nc (the
 * gateway initiated it: nc->we_initiated 0). Returns 0, or the error
 * notify to answer with instead (INVALID_KE_PAYLOAD: naming *grp), or
 * ANSWER_NONE when c could not be written.
 */
uint16_t
ike_init__answer_rekey(struct ike_init *sa, const struct ike_msg *m,
    struct ike_chain *c, struct child_sa *nc, uint16_t *grp)
{
	const struct child_sa *cur = &sa->res.child;
	const struct xform_dh *dh = NULL;
	struct ike_pld_notify n;
	struct ike_pld_nonce ni, nr;
	struct ike_pld_ke ke, oke;
	struct ike_pld_ts tsi, tsr;
	struct ike_prop_esp esp;
	struct ike_keys_suite suite;
	struct child_sa_ts ts;
	struct span body, gir = span_make(NULL, 0);
	uint8_t pub[XFORM_MAX_DH_PUB_LEN], shared[XFORM_MAX_DH_PUB_LEN];
	uint8_t nonce[NONCE_LEN], spi[4];
	void *dhst = NULL;
	size_t nours, ntheirs;
	const struct child_sa_sel *ours = child_sa_side(cur, 1, &nours);
	const struct child_sa_sel *theirs = child_sa_side(cur, 0, &ntheirs);
	uint32_t spi_in;
	uint16_t nt = 0;
	int have_ke;

	child_sa_spi_put(cur->spi_out, spi);
	if (ike_msg_find_notify(m, IKE_N_REKEY_SA, &n) != 0)
		return IKE_N_NO_ADDITIONAL_SAS;	/* one CHILD SA is enough */
	if (n.proto != IKE_PROTO_ESP || !span_eq(n.spi, span_make(spi, 4)))
		return IKE_N_CHILD_SA_NOT_FOUND;
	memset(&ts, 0, sizeof(ts));
	have_ke = ike_msg_body(m, IKE_PLD_KE, &body) == 0;
	if (have_ke && ike_pld_parse_ke(body, &ke) != 0)
		return IKE_N_INVALID_SYNTAX;
	if (ike_msg_body(m, IKE_PLD_SA, &body) != 0 ||
	    ike_pld_parse_sa(body, &sa->sa_pld) != 0 ||
	    ike_msg_body(m, IKE_PLD_NONCE, &body) != 0 ||
	    ike_pld_parse_nonce(body, &ni) != 0 ||
	    ike_msg_body(m, IKE_PLD_TSI, &body) != 0 ||
	    ike_pld_parse_ts(body, &tsi) != 0 ||
	    ike_msg_body(m, IKE_PLD_TSR, &body) != 0 ||
	    ike_pld_parse_ts(body, &tsr) != 0)
		return IKE_N_INVALID_SYNTAX;
	if (ike_prop_select_esp_rekey(&sa->esp, &sa->sa_pld,
	    have_ke ? ke.group : 0, &esp) != 0)
		return IKE_N_NO_PROPOSAL_CHOSEN;
	if (esp.dh != 0 && (!have_ke || ke.group != esp.dh)) {
		*grp = esp.dh;
		return IKE_N_INVALID_KE_PAYLOAD;
	}
	/* Its TSi is the gateway's side, its TSr ours. */
	if (ike_init__read_ts(&tsi, theirs, ntheirs, ts.i, &ts.ni) != 0 ||
	    ike_init__read_ts(&tsr, ours, nours, ts.r, &ts.nr) != 0)
		return IKE_N_TS_UNACCEPTABLE;
	if (child_sa_spi_alloc(sa->ops.spi_taken, sa->ops.arg, NULL,
	    &spi_in) != 0 || xform_random(nonce, sizeof(nonce)) != 0)
		return IKE_N_TEMPORARY_FAILURE;
	if (esp.dh != 0) {
		if ((dh = xform_find_dh(esp.dh)) == NULL ||
		    ke.data.len != dh->pub_len ||
		    dh->keygen(&dhst, NULL, 0, pub) != 0 ||
		    dh->derive(dhst, ke.data, shared) != 0) {
			nt = IKE_N_INVALID_SYNTAX;
			goto out;
		}
		gir = span_make(shared, dh->shared_len);
	}
	ike_prop_esp_suite(&esp, &suite);
	if (child_sa_init(nc, spi_in, &esp, &ts,
	    (const struct sockaddr *)&sa->path.remote, sa->now) != 0 ||
	    ike_keys_child_derive(&nc->keys, sa->prf,
	    span_make(sa->keys.sk_d, sa->keys.prf_len), &suite, gir, ni.data,
	    span_make(nonce, sizeof(nonce))) != 0) {
		child_sa_cleanup(nc);
		nt = IKE_N_TEMPORARY_FAILURE;
		goto out;
	}
	nc->we_initiated = 0;
	nc->replaces = cur->spi_in;
	nr.data = span_make(nonce, sizeof(nonce));
	if (ike_prop_add_esp(c, &esp, spi_in) != 0 ||
	    ike_pld_add_nonce(c, &nr) != 0 ||
	    (dh != NULL && (oke.group = esp.dh, oke.data = span_make(pub,
	    dh->pub_len), ike_pld_add_ke(c, &oke) != 0)) ||
	    ike_pld_add_ts(c, IKE_PLD_TSI, &tsi) != 0 ||
	    ike_pld_add_ts(c, IKE_PLD_TSR, &tsr) != 0) {
		child_sa_cleanup(nc);
		nt = ANSWER_NONE;
	}
out:
	if (dhst != NULL)
		dh->free(dhst);
	ct_wipe(shared, sizeof(shared));
	return nt;
}

/* --- rekeying our IKE SA (2.18) ------------------------------------- */

/* Arms our next rekey of the IKE SA at at (when those are on). */
void
ike_init__ike_rekey_arm(struct ike_init *sa, uint64_t at)
{
	if ((sa->ike_rekey_ms == 0 && !sa->ike_rekey_due) ||
	    sa->state != IKE_INIT_S_ESTABLISHED)
		return;
	sa->ike_rekey_at = at;
	if (timer_add(sa->th, &sa->t_ike_rekey, at) != 0)
		log_warnx(SUB_IKE, "cannot arm the IKE SA rekey");
}

/* The CREATE_CHILD_SA request that rekeys the IKE SA: its algorithms
 * under a new SPIi, a new nonce and a new key pair of its group. */
static int
start_ike_rekey(struct ike_init *sa)
{
	struct ike_prop_ike offer;
	struct ike_pld_nonce ni;
	struct ike_pld_ke ke;
	struct ike_chain c;
	struct buf *b = NULL;
	uint8_t spi[8];
	int r;

	do {
		if ((r = xform_random(spi, sizeof(spi))) != 0)
			return r;
		ike_init__spi_from_bytes(spi, &sa->irk_spi);
	} while (sa->irk_spi == 0 || sa->irk_spi == sa->spi_i);
	if ((r = xform_random(sa->irk_ni, sizeof(sa->irk_ni))) != 0)
		return r;
	if ((sa->irk_dh = xform_find_dh(sa->prop.dh)) == NULL)
		return -E_NOTSUP;
	if (sa->irk_dhst != NULL) {
		sa->irk_dh->free(sa->irk_dhst);
		sa->irk_dhst = NULL;
	}
	if ((r = sa->irk_dh->keygen(&sa->irk_dhst, NULL, 0,
	    sa->irk_pub)) != 0 ||
	    (r = ike_init__msg_begin(sa, IKE_EXCH_CREATE_CHILD_SA, 0, 0, &b,
	    &c)) != 0)
		goto out;
	ni.data = span_make(sa->irk_ni, sizeof(sa->irk_ni));
	ke.group = sa->prop.dh;
	ke.data = span_make(sa->irk_pub, sa->irk_dh->pub_len);
	/* Our one proposal: the SA's algorithms, numbered 1 (3.3.1). */
	offer = sa->prop;
	offer.num = 1;
	if ((r = ike_prop_add_ike(&c, &offer, span_make(spi,
	    sizeof(spi)))) != 0 ||
	    (r = ike_pld_add_nonce(&c, &ni)) != 0 ||
	    (r = ike_pld_add_ke(&c, &ke)) != 0 ||
	    (r = ike_sk_seal(&sa->sk, &c, 1)) != 0)
		goto out;
	log_debug(SUB_IKE, "rekeying IKE SA %016llx/%016llx",
	    (unsigned long long)sa->spi_i, (unsigned long long)sa->spi_r);
	r = ike_init__send_request(sa, REQ_IKE_REKEY,
	    IKE_EXCH_CREATE_CHILD_SA, b);
	b = NULL;
out:
	buf_free(b);
	return r;
}

/* Our IKE SA rekey is due: after the request in flight and the DELETE
 * of a replaced CHILD SA. */
void
ike_init__on_ike_rekey(struct timer *t, void *arg)
{
	struct ike_init *sa = arg;
	uint64_t now = ike_init__clock_now(sa, sa->ike_rekey_at);
	int r;

	(void)t;
	if (sa->state != IKE_INIT_S_ESTABLISHED)
		return;
	if (sa->req_kind != REQ_NONE || sa->have_old) {
		ike_init__ike_rekey_arm(sa, now + REKEY_BUSY_MS);
		return;
	}
	if ((r = start_ike_rekey(sa)) != 0) {
		log_warnx(SUB_IKE, "cannot rekey the IKE SA: %s", err_str(r));
		ike_init__ike_rekey_arm(sa, now + REKEY_RETRY_MS);
	}
}

/*
 * Answering the gateway's rekey of the IKE SA would make the gateway the
 * new SA's original initiator (2.18), a role this initiator-only code
 * does not take; so it was told TEMPORARY_FAILURE (as in a collision,
 * 2.25) and we rekey the SA ourselves, now: the new SA has the gateway's
 * lifetime start afresh, and the gateway's retry finds it replaced.
 */
void
ike_init__ike_rekey_instead(struct ike_init *sa)
{
	if (sa->ike_rekey_due || sa->req_kind == REQ_IKE_REKEY)
		return;
	log_info(SUB_IKE, "the gateway rekeys IKE SA %016llx/%016llx: "
	    "rekeying it ourselves", (unsigned long long)sa->spi_i,
	    (unsigned long long)sa->spi_r);
	sa->ike_rekey_due = 1;
	ike_init__ike_rekey_arm(sa, sa->now);
}

/* The gateway refused our IKE SA rekey, or answered what we cannot use:
 * the IKE SA stays; we try again later. */
void
ike_init__ike_rekey_failed(struct ike_init *sa, const char *why,
    uint16_t notify)
{
	const char *nn = ike_pld_notify_name(notify);

	log_info(SUB_IKE, "rekey of IKE SA %016llx/%016llx failed: %s%s%s%s",
	    (unsigned long long)sa->spi_i, (unsigned long long)sa->spi_r,
	    why, notify != 0 ? " (" : "", notify != 0 && nn != NULL ? nn : "",
	    notify != 0 ? ")" : "");
	if (sa->irk_dhst != NULL) {
		sa->irk_dh->free(sa->irk_dhst);
		sa->irk_dhst = NULL;
	}
	if (!ike_init__delete_if_pending(sa))
		ike_init__ike_rekey_arm(sa, sa->now +
		    retry_ms(sa->ike_rekey_ms, notify));
}

/*
 * The response to our IKE SA rekey: the new SA's keys from the old SK_d
 * and the new g^ir (2.18); the old SA gets its DELETE at once, without
 * waiting for the answer (the gateway forgets it either way), and the new
 * one takes over everything, the CHILD SA included, with message IDs
 * from 0.
 */
void
ike_init__handle_ike_rekey_resp(struct ike_init *sa, const struct ike_msg *m)
{
	struct ike_init_result *res = &sa->res;
	struct ike_pld_sa reply;
	struct ike_prop_ike choice;
	struct ike_keys_suite suite;
	struct ike_pld_nonce nr;
	struct ike_pld_ke ke;
	struct ike_keys nk;
	struct ike_sk nsk;
	struct span body;
	const struct xform_mac *nprf;
	uint8_t shared[XFORM_MAX_DH_PUB_LEN], skeyseed[XFORM_MAX_HASH_LEN];
	uint8_t spi_i[8], spi_r[8];
	uint64_t new_r;
	uint16_t nt;
	int r;

	if ((nt = ike_msg_first_error(m)) != 0) {
		ike_init__ike_rekey_failed(sa, "refused", nt);
		return;
	}
	if (ike_msg_body(m, IKE_PLD_SA, &body) != 0 ||
	    ike_pld_parse_sa(body, &reply) != 0 || reply.nprop != 1 ||
	    reply.prop[0].spi.len != 8 ||
	    ike_msg_body(m, IKE_PLD_NONCE, &body) != 0 ||
	    ike_pld_parse_nonce(body, &nr) != 0 ||
	    ike_msg_body(m, IKE_PLD_KE, &body) != 0 ||
	    ike_pld_parse_ke(body, &ke) != 0) {
		ike_init__ike_rekey_failed(sa, "unusable response", 0);
		return;
	}
	ike_init__spi_from_bytes(reply.prop[0].spi.p, &new_r);
	/* Checked as an IKE_SA_INIT reply, which carries no SPI. */
	reply.prop[0].spi = span_make(NULL, 0);
	if (new_r == 0 || ike_prop_accept_ike(sa->propv, sa->nprops, &reply,
	    &choice) != 0 || choice.dh != sa->prop.dh ||
	    ke.group != choice.dh || ke.data.len != sa->irk_dh->pub_len ||
	    (nprf = ike_prop_prf(&choice)) == NULL) {
		ike_init__ike_rekey_failed(sa, "unusable response", 0);
		return;
	}
	memset(&nk, 0, sizeof(nk));
	memset(&nsk, 0, sizeof(nsk));
	ike_keys_spi_put(sa->irk_spi, spi_i);
	ike_keys_spi_put(new_r, spi_r);
	ike_prop_ike_suite(&choice, &suite);
	if ((r = sa->irk_dh->derive(sa->irk_dhst, ke.data, shared)) != 0 ||
	    (r = ike_keys_skeyseed_rekey(sa->prf, span_make(sa->keys.sk_d,
	    sa->keys.prf_len), span_make(shared, sa->irk_dh->shared_len),
	    span_make(sa->irk_ni, sizeof(sa->irk_ni)), nr.data,
	    skeyseed)) != 0 ||
	    (r = ike_keys_derive(&nk, nprf, &suite, span_make(skeyseed,
	    nprf->out_len), span_make(sa->irk_ni, sizeof(sa->irk_ni)),
	    nr.data, spi_i, spi_r)) != 0 ||
	    (r = ike_sk_init(&nsk, &suite, &nk)) != 0) {
		ct_wipe(shared, sizeof(shared));
		ct_wipe(skeyseed, sizeof(skeyseed));
		ike_keys_cleanup(&nk);
		ike_init__ike_rekey_failed(sa, err_str(r), 0);
		return;
	}
	ct_wipe(shared, sizeof(shared));
	ct_wipe(skeyseed, sizeof(skeyseed));
	sa->irk_dh->free(sa->irk_dhst);
	sa->irk_dhst = NULL;
	/* 2.18: the initiator of the rekey deletes the old SA. */
	ike_init__abandon(sa, 1);
	log_info(SUB_IKE, "IKE SA rekeyed: %016llx/%016llx replaces "
	    "%016llx/%016llx", (unsigned long long)sa->irk_spi,
	    (unsigned long long)new_r, (unsigned long long)sa->spi_i,
	    (unsigned long long)sa->spi_r);
	ike_sk_cleanup(&sa->sk);
	ike_keys_cleanup(&sa->keys);
	sa->sk = nsk;
	sa->keys = nk;
	ct_wipe(&nk, sizeof(nk));
	sa->prop = choice;
	sa->prf = nprf;
	sa->spi_i = sa->irk_spi;
	sa->spi_r = new_r;
	sa->msgid = 0;
	sa->peer_msgid = 0;
	buf_free(sa->last_resp);
	sa->last_resp = NULL;
	res->spi_i = sa->spi_i;
	res->spi_r = sa->spi_r;
	if (ike_prop_ike_str(&choice, res->ike_algs,
	    sizeof(res->ike_algs)) != 0)
		res->ike_algs[sizeof(res->ike_algs) - 1] = '\0';
	sa->st.ike_rekeys++;
	sa->ike_rekey_due = 0;
	if (!ike_init__delete_if_pending(sa))
		ike_init__ike_rekey_arm(sa, sa->now + sa->ike_rekey_ms);
}

/* Our answer to the gateway's rekey went out: the new SA opens what
 * arrives; our own next rekey is due rekey_ms from now. */
void
ike_init__take_gateway_rekey(struct ike_init *sa, struct child_sa *nc)
{
	child_replaced(sa, nc, 0);
	timer_del(sa->th, &sa->t_rekey);
	ike_init__rekey_arm(sa, sa->now + sa->rekey_ms);
}

