/*
 * ike_sa_life.c: the CHILD SA's lifetime (the profile's [esp] lifetime,
 * and its volume: lifetime_kilobytes and the 32-bit sequence numbers,
 * which the data plane watches and reports to ike_ctx_child_due). Before
 * it ends, the gateway rekeys the SA itself unless the client did first
 * (RFC 7296 1.3.3, 2.8): CREATE_CHILD_SA with REKEY_SA, a new nonce
 * and, when the profile asks for PFS, a KE of its group. The client has
 * both halves of the new SA once it answered, so what we send moves to it
 * at once; the old one still opens what arrives until the client answers
 * our DELETE of it. An SA still not replaced when its lifetime ends is
 * deleted (RFC 4301 4.4.2.1: a hard lifetime). While one of our rekeys is
 * in flight, the client's are answered TEMPORARY_FAILURE (ike_sa_child.c,
 * ike_sa_rekey.c) and it tries again later.
 */
#include "config.h"

#include <string.h>

#include "core/child_sa.h"
#include "core/ct.h"
#include "core/err.h"
#include "core/ike_rekey.h"
#include "core/ike_sa_int.h"
#include "core/log.h"
#include "core/xform.h"

/* Another request in flight, or the client's rekey not finished: look
 * again this much later. */
#define LIFE_BUSY_MS	1000
/* A rekey that failed or was refused: tried again this much later. */
#define LIFE_RETRY_MS	10000

static uint64_t
lifetime_ms(const struct ike_sa *sa)
{
	return sa->profile != NULL ? (uint64_t)sa->profile->esp->lifetime *
	    1000 : 0;
}

/* When the current CHILD SA's lifetime ends. */
static uint64_t
life_end(const struct ike_sa *sa)
{
	return sa->child->created_ms + lifetime_ms(sa);
}

/* Arms t_life at at, but never past the CHILD SA's end. */
static void
life_at(struct ike_sa *sa, uint64_t at)
{
	uint64_t end = life_end(sa);

	if (timer_add(sa->ctx->th, &sa->t_life, at < end ? at : end) != 0)
		log_warnx(SUB_IKE, "cannot arm the CHILD SA lifetime");
}

void
ike_sa__life_arm(struct ike_sa *sa)
{
	uint64_t life = lifetime_ms(sa);
	uint16_t r = 0;

	if (sa->child == NULL || life == 0)
		return;
	/* At 85 to 90% of the lifetime, spread so that the clients of a
	 * busy morning are not all rekeyed in the same second. */
	if (xform_random((uint8_t *)&r, sizeof(r)) != 0)
		r = 0;
	life_at(sa, sa->child->created_ms + life * 85 / 100 +
	    life / 20 * (r % 1000) / 1000);
}

void
ike_sa__life_abort(struct ike_sa *sa)
{
	if (sa->rk_dhst != NULL)
		sa->rk_dh->free(sa->rk_dhst);
	sa->rk_dhst = NULL;
	sa->rk_dh = NULL;
	sa->rk_of = 0;
	ct_wipe(sa->rk_ni, sizeof(sa->rk_ni));
}

/* When to try a failed rekey again: LIFE_RETRY_MS later, or halfway to
 * the SA's end when that is sooner, so that one more try comes first. */
static uint64_t
retry_at(const struct ike_sa *sa)
{
	uint64_t now = sa->ctx->now;
	uint64_t end = life_end(sa);
	uint64_t wait = end > now ? (end - now) / 2 : 0;

	return now + (wait < LIFE_RETRY_MS ? wait : LIFE_RETRY_MS);
}

/* The DELETE of CHILD SAs spi[0..n) (our inbound SPIs): the one our rekey
 * replaced, one that expired, one a failed rekey made on the client's
 * side. A request of ours like any other. */
static int
send_del_child(struct ike_sa *sa, const uint32_t *spi, size_t n)
{
	struct ike_chain c;
	struct buf *b;
	int r;

	if ((r = ike_sa__req_begin(sa, IKE_EXCH_INFORMATIONAL, &b, &c)) != 0)
		return r;
	if ((r = ike_pld_add_delete_esp(&c, spi, n)) != 0 ||
	    (r = ike_sk_seal(&sa->sk, &c, 0)) != 0) {
		buf_free(b);
		return r;
	}
	ike_sa__req_send(sa, IKE_REQ_DEL_CHILD, b);
	return 0;
}

/* Queues the DELETE of CHILD SA spi for when the request slot is free. */
static void
del_later(struct ike_sa *sa, uint32_t spi)
{
	if (sa->ndel < sizeof(sa->del_spi) / sizeof(sa->del_spi[0]))
		sa->del_spi[sa->ndel++] = spi;
}

void
ike_sa__life_slot_free(struct ike_sa *sa)
{
	size_t n = sa->ndel;
	int r;

	if (n == 0)
		return;
	sa->ndel = 0;
	if ((r = send_del_child(sa, sa->del_spi, n)) != 0)
		log_warn_e(SUB_IKE, r, "cannot delete CHILD SA %08x",
		    sa->del_spi[0]);
}

/* Our CREATE_CHILD_SA request that rekeys the CHILD SA. */
static int
start_rekey(struct ike_sa *sa)
{
	const struct child_sa *ch = sa->child;
	const struct cfg_esp *esp = sa->profile->esp;
	struct ike_pld_ke ke;
	struct ike_chain c;
	struct buf *b = NULL;
	uint8_t pub[XFORM_MAX_DH_PUB_LEN];
	uint16_t group, groups[IKE_REKEY_GROUPS];
	size_t ngroups = 1;
	int r;

	ike_sa__life_abort(sa);
	/* Always a KE: of the profile's pfs group; without one, of the
	 * group the client last asked for or the IKE SA's, offered with
	 * the IKE proposal's others and NONE, so that a client that insists
	 * on PFS names the group it wants and one without takes NONE
	 * (1.3.3). */
	group = esp->pfs != 0 ? esp->pfs : sa->rk_group != 0 ? sa->rk_group :
	    sa->prop.dh;
	groups[0] = group;
	if (esp->pfs == 0)
		ngroups = ike_rekey_groups(group, &sa->profile->proposal, 1,
		    groups);
	if ((sa->rk_dh = xform_find_dh(group)) == NULL)
		return -E_NOTSUP;
	if ((r = sa->rk_dh->keygen(&sa->rk_dhst, NULL, 0, pub)) != 0)
		return r;
	ke.group = group;
	ke.data = span_make(pub, sa->rk_dh->pub_len);
	if ((r = child_sa_spi_alloc(ike_sa__spi_taken, sa->ctx, NULL,
	    &sa->rk_spi)) != 0 ||
	    (r = xform_random(sa->rk_ni, sizeof(sa->rk_ni))) != 0 ||
	    (r = ike_sa__req_begin(sa, IKE_EXCH_CREATE_CHILD_SA, &b,
	    &c)) != 0)
		return r;
	if ((r = ike_rekey_request_add(&c, ch, esp, sa->rk_spi, groups,
	    ngroups, span_make(sa->rk_ni, sizeof(sa->rk_ni)), &ke)) != 0 ||
	    (r = ike_sk_seal(&sa->sk, &c, 0)) != 0) {
		buf_free(b);
		return r;
	}
	sa->rk_of = ch->spi_in;
	log_debug(SUB_IKE, "rekeying CHILD SA %08x/%08x", ch->spi_in,
	    ch->spi_out);
	ike_sa__req_send(sa, IKE_REQ_REKEY, b);
	return 0;
}

/* The lifetime is over (what: which) and the SA was not replaced: it
 * goes, with our DELETE now or once the request in flight is answered
 * (the client must stop sending on it). */
static void
expire(struct ike_sa *sa, const char *what)
{
	char ps[NET_ADDRSTRLEN];

	log_info(SUB_IKE, "CHILD SA %08x/%08x with %s expired: not rekeyed "
	    "within its %s", sa->child->spi_in, sa->child->spi_out,
	    ike_sa__peer_str(sa, ps, sizeof(ps)), what);
	del_later(sa, sa->child->spi_in);
	ike_sa__remove_child(sa);
	if (sa->req_kind == IKE_REQ_NONE)
		ike_sa__life_slot_free(sa);
}

void
ike_sa__on_life(struct timer *t, void *arg)
{
	struct ike_sa *sa = arg;
	struct ike_ctx *ctx = sa->ctx;
	int r;

	ike_sa__timer_now(ctx, timer_deadline(t));
	if (sa->state != IKE_S_ESTABLISHED || sa->child == NULL)
		return;
	if (ctx->now >= life_end(sa)) {
		expire(sa, "lifetime");
		return;
	}
	if (sa->req_kind != IKE_REQ_NONE || sa->child_old != NULL) {
		life_at(sa, ctx->now + LIFE_BUSY_MS);
		return;
	}
	if ((r = start_rekey(sa)) != 0) {
		log_warn_e(SUB_IKE, r, "cannot rekey CHILD SA %08x",
		    sa->child->spi_in);
		ike_sa__life_abort(sa);
		life_at(sa, retry_at(sa));
		return;
	}
	/* The answer re-arms it; without one, the SA still ends. */
	life_at(sa, life_end(sa));
}

/* Our rekey did not go through: the SA stays; we try again later. */
static void
rekey_failed(struct ike_sa *sa, const char *why, uint16_t notify)
{
	const char *nn = ike_pld_notify_name(notify);
	char ps[NET_ADDRSTRLEN];

	log_info(SUB_IKE, "our rekey of CHILD SA %08x with %s failed: %s%s%s%s",
	    sa->rk_of, ike_sa__peer_str(sa, ps, sizeof(ps)), why,
	    notify != 0 ? " (" : "", notify != 0 && nn != NULL ? nn : "",
	    notify != 0 ? ")" : "");
	ike_sa__life_abort(sa);
	if (sa->child != NULL)
		life_at(sa, retry_at(sa));
}

void
ike_sa__life_rekey_resp(struct ike_sa *sa, const struct ike_msg *m)
{
	struct ike_ctx *ctx = sa->ctx;
	const struct cfg_esp *cesp = sa->profile->esp;
	struct ike_rekey_answer a;
	struct ike_keys_suite suite;
	struct child_sa *nc = NULL, *old = sa->child;
	struct ike_pld_notify n;
	uint8_t shared[XFORM_MAX_DH_PUB_LEN];
	char ps[NET_ADDRSTRLEN], ealgs[64];
	uint16_t nt, want;
	int r;

	if (m == NULL) {
		del_later(sa, sa->rk_spi);
		rekey_failed(sa, "malformed answer", 0);
		return;
	}
	if ((nt = ike_msg_first_error(m)) == IKE_N_INVALID_KE_PAYLOAD &&
	    ike_msg_find_notify(m, nt, &n) == 0 && n.data.len == 2 &&
	    (want = (uint16_t)(n.data.p[0] << 8 | n.data.p[1])) !=
	    sa->rk_dh->group && (cesp->pfs == 0 || want == cesp->pfs) &&
	    xform_find_dh(want) != NULL && old != NULL &&
	    old->spi_in == sa->rk_of) {
		/* 1.3.3: again at once, with a KE of the group it names. */
		log_info(SUB_IKE, "our rekey of CHILD SA %08x with %s: the "
		    "client wants D-H group %u", sa->rk_of,
		    ike_sa__peer_str(sa, ps, sizeof(ps)), want);
		sa->rk_group = want;
		ike_sa__life_abort(sa);
		if (timer_add(ctx->th, &sa->t_life, ctx->now) != 0)
			log_warnx(SUB_IKE, "cannot arm the CHILD SA lifetime");
		return;
	}
	if (nt != 0) {
		rekey_failed(sa, "refused", nt);
		return;
	}
	/* From here the client made the new SA on its side: one we cannot
	 * use gets our DELETE (its half has our SPI), or it would move what
	 * it sends there. The old one went meanwhile (deleted, expired). */
	if (old == NULL || old->spi_in != sa->rk_of) {
		del_later(sa, sa->rk_spi);
		rekey_failed(sa, "the CHILD SA changed meanwhile", 0);
		return;
	}
	if ((r = ike_rekey_answer_read(m, cesp, sa->rk_dh, sa->rk_dhst,
	    &ctx->sa_pld, shared, &a)) != 0) {
		ct_wipe(shared, sizeof(shared));
		del_later(sa, sa->rk_spi);
		rekey_failed(sa, r == -E_CRYPTO ? "unusable KE" :
		    "unusable answer", 0);
		return;
	}
	/* The selectors stay those the client got when it logged in: a
	 * rekey does not widen them (2.9: the answer may only narrow). */
	ike_prop_esp_suite(&a.esp, &suite);
	r = child_sa_new(sa->rk_spi, &a.esp, &old->ts,
	    (const struct sockaddr *)&sa->path.remote, ctx->now, &nc);
	if (r == 0) {
		/* 2.17: our request, so our outbound SA takes the "i"
		 * keys; the selectors keep their sides (child_sa_side). */
		nc->we_initiated = 1;
		if (!old->we_initiated) {
			memcpy(nc->ts.i, old->ts.r, sizeof(nc->ts.i));
			nc->ts.ni = old->ts.nr;
			memcpy(nc->ts.r, old->ts.i, sizeof(nc->ts.r));
			nc->ts.nr = old->ts.ni;
		}
		nc->replaces = old->spi_in;
		nc->life_bytes = (uint64_t)cesp->lifetime_kb * 1024;
		r = ike_keys_child_derive(&nc->keys, sa->prf,
		    span_make(sa->keys.sk_d, sa->keys.prf_len), &suite,
		    a.gir, span_make(sa->rk_ni, sizeof(sa->rk_ni)),
		    a.nr.data);
	}
	ct_wipe(shared, sizeof(shared));
	if (r == 0 && ctx->io.child_up != NULL)
		r = ctx->io.child_up(ctx->io.arg, nc, sa->vip, sa->nvip,
		    &sa->path);
	if (r != 0) {
		child_sa_free(nc);
		del_later(sa, sa->rk_spi);
		rekey_failed(sa, err_str(r), 0);
		return;
	}
	ike_sa__life_abort(sa);
	if (ike_prop_esp_str(&a.esp, ealgs, sizeof(ealgs)) != 0)
		ealgs[sizeof(ealgs) - 1] = '\0';
	log_info(SUB_IKE, "CHILD SA %08x/%08x with %s rekeyed by us: now "
	    "%08x/%08x, ESP %s%s", old->spi_in, old->spi_out,
	    ike_sa__peer_str(sa, ps, sizeof(ps)), nc->spi_in, nc->spi_out,
	    ealgs, a.esp.dh != 0 ? " with PFS" : "");
	sa->child_old = old;
	sa->child = nc;
	sa->child_rekeys++;
	ctx->st.child_rekeys++;
	ctx->st.child_sas++;
	/* The client has both halves of the new SA: what we send moves
	 * now; the old one opens what arrives until our DELETE. */
	if (ctx->io.child_promote != NULL &&
	    (r = ctx->io.child_promote(ctx->io.arg, nc)) != 0)
		log_warn_e(SUB_IKE, r, "CHILD SA %08x: outbound not switched",
		    nc->spi_in);
	ike_sa__life_arm(sa);
	if ((r = send_del_child(sa, &old->spi_in, 1)) != 0) {
		log_warn_e(SUB_IKE, r, "cannot delete CHILD SA %08x",
		    old->spi_in);
		ike_sa__rekey_finish(sa, 0);
	}
}

void
ike_sa__life_del_resp(struct ike_sa *sa)
{
	/* Its DELETE payload, if any, names the client's half, gone. */
	ike_sa__rekey_finish(sa, 0);
}

int
ike_ctx_rekey_child(struct ike_ctx *ctx, uint64_t spi_i)
{
	struct ike_sa *sa;
	char ps[NET_ADDRSTRLEN];

	for (sa = ctx->all; sa != NULL; sa = sa->next_all)
		if (sa->spi_i == spi_i && sa->state == IKE_S_ESTABLISHED)
			break;
	if (sa == NULL || sa->child == NULL)
		return -E_NOENT;
	if (sa->rk_of != 0 || sa->child_old != NULL)
		return -E_AGAIN;
	log_info(SUB_IKE, "CHILD SA %08x/%08x with %s: rekey asked by the "
	    "operator", sa->child->spi_in, sa->child->spi_out,
	    ike_sa__peer_str(sa, ps, sizeof(ps)));
	if (timer_add(ctx->th, &sa->t_life, ctx->now) != 0)
		return -E_NOMEM;
	return 0;
}

void
ike_ctx_child_due(struct ike_ctx *ctx, uint32_t spi_in, int hard)
{
	struct ike_sa *sa;
	char ps[NET_ADDRSTRLEN];

	for (sa = ctx->all; sa != NULL; sa = sa->next_all)
		if (sa->state == IKE_S_ESTABLISHED && sa->child != NULL &&
		    sa->child->spi_in == spi_in)
			break;
	if (sa == NULL)
		return;
	ike_sa__timer_now(ctx, ctx->now);
	if (hard) {
		expire(sa, "volume (lifetime_kilobytes) or sequence numbers");
		return;
	}
	if (sa->rk_of == spi_in)
		return;		/* ours is in flight */
	log_info(SUB_IKE, "CHILD SA %08x/%08x with %s nears the end of its "
	    "volume: rekeying", sa->child->spi_in, sa->child->spi_out,
	    ike_sa__peer_str(sa, ps, sizeof(ps)));
	if (timer_add(ctx->th, &sa->t_life, ctx->now) != 0)
		log_warnx(SUB_IKE, "cannot arm the CHILD SA lifetime");
}
