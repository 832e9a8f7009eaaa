/*
 * ike_sa_auth.c: the responder's IKE_AUTH exchange (RFC 7296 1.2, 2.15,
 * 2.16): the profile, PSK, certificate or EAP-MSCHAPv2 authentication,
 * our AUTH, then the address and the CHILD SA that establish the IKE SA.
 */
#include "config.h"

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/child_sa.h"
#include "core/ct.h"
#include "core/eap.h"
#include "core/eap_mschapv2.h"
#include "core/ike_auth.h"
#include "core/ike_cp.h"
#include "core/ike_keys.h"
#include "core/ike_msg.h"
#include "core/ike_prop.h"
#include "core/ike_sa.h"
#include "core/ike_sa_int.h"
#include "core/log.h"
#include "core/pool.h"
#include "core/session.h"
#include "core/sessiondb.h"
#include "core/xform.h"

/* Our identity for sa's profile: the profile's local_id, else the
 * gateway's, else our certificate's subject, else our address. The ID
 * body (IDType | RESERVED | data) goes to b, the decoded form to *id
 * (pointing into b or into the certificate). */
static int
our_id(struct ike_sa *sa, struct ike_pld_id *id, struct buf *b)
{
	struct ike_ctx *ctx = sa->ctx;
	const struct cfg_id *cid = &sa->profile->local_id;
	int r;

	if (cid->type == CFG_ID_NONE)
		cid = &cfg_gateway(ctx->cfg)->local_id;
	if (cid->type != CFG_ID_NONE) {
		id->type = (uint8_t)cid->type;
		id->data = span_make(cid->data, cid->len);
	} else if (ctx->creds->cert != NULL && ctx->x509 != NULL) {
		if ((r = ike_auth_cert_id(ctx->x509, ctx->creds->cert, id)) != 0)
			return r;
	} else if (sa->path.local.ss_family == AF_INET) {
		id->type = IKE_ID_IPV4_ADDR;
		id->data = span_make(
		    &((const struct sockaddr_in *)&sa->path.local)->sin_addr, 4);
	} else {
		id->type = IKE_ID_IPV6_ADDR;
		id->data = span_make(
		    &((const struct sockaddr_in6 *)&sa->path.local)->sin6_addr,
		    16);
	}
	return ike_auth_id_body(id, b);
}

/* Input for our AUTH (2.15: ResponderSignedOctets). */
static void
our_auth_input(struct ike_sa *sa, struct span id_body,
    struct ike_auth_input *in)
{
	memset(in, 0, sizeof(*in));
	in->prf = sa->prf;
	in->sk_p = span_make(sa->keys.sk_pr, sa->keys.prf_len);
	in->init_msg = buf_span(sa->init_resp);
	in->nonce = span_make(sa->ni, sa->ni_len);
	in->id_body = id_body;
}

/* Input for the peer's AUTH (InitiatorSignedOctets). */
void
ike_sa__peer_auth_input(struct ike_sa *sa, struct ike_auth_input *in)
{
	memset(in, 0, sizeof(*in));
	in->prf = sa->prf;
	in->sk_p = span_make(sa->keys.sk_pi, sa->keys.prf_len);
	in->init_msg = buf_span(sa->init_req);
	in->nonce = span_make(sa->nr, sizeof(sa->nr));
	in->id_body = buf_span(sa->idi);
}

/* Appends IDr, CERT (when we sign) and our AUTH to c. After EAP only the
 * AUTH goes (computed with the MSK, 2.16). */
static int
add_our_auth(struct ike_sa *sa, struct ike_chain *c, int with_id)
{
	struct ike_ctx *ctx = sa->ctx;
	const struct cfg_profile *pr = sa->profile;
	struct ike_auth_input in;
	struct ike_pld_auth auth;
	struct ike_pld_cert cert;
	struct ike_pld_id id;
	uint8_t mac[XFORM_MAX_HASH_LEN];
	enum xform_sig_scheme scheme;
	struct buf *idb = NULL, *sig = NULL;
	size_t maclen;
	int r = -E_INTERNAL;

	if ((idb = buf_new(1024)) == NULL ||
	    (sig = buf_new(IKE_AUTH_SIG_MAX)) == NULL) {
		r = -E_NOMEM;
		goto out;
	}
	if ((r = our_id(sa, &id, idb)) != 0)
		goto out;
	our_auth_input(sa, buf_span(idb), &in);
	memset(&auth, 0, sizeof(auth));
	if (sa->have_msk || pr->local_auth == CFG_AUTH_PSK) {
		/* 2.15/2.16: a MAC keyed by the PSK or the EAP MSK. */
		struct span secret = sa->have_msk ?
		    span_make(sa->msk, sizeof(sa->msk)) :
		    span_make(pr->psk, pr->psk_len);

		if ((r = ike_auth_psk(&in, secret, mac, &maclen)) != 0)
			goto out;
		auth.method = IKE_AUTH_SHARED_KEY_MIC;
		auth.data = span_make(mac, maclen);
	} else {
		if (ctx->creds->key == NULL || ctx->sig == NULL) {
			r = -E_NOENT;
			goto out;
		}
		if ((r = ike_auth_sign(ctx->sig, ctx->creds->key, &in,
		    sa->peer_sig_hashes, 0, &auth.method, &scheme, sig)) != 0)
			goto out;
		auth.data = buf_span(sig);
	}
	if (with_id) {
		if ((r = ike_pld_add_id(c, IKE_PLD_IDR, &id)) != 0)
			goto out;
		if (!sa->have_msk && pr->local_auth != CFG_AUTH_PSK &&
		    ctx->creds->cert != NULL) {
			if ((r = ike_auth_cert_payload(ctx->x509,
			    ctx->creds->cert, &cert)) != 0 ||
			    (r = ike_pld_add_cert(c, &cert)) != 0)
				goto out;
		}
	}
	r = ike_pld_add_auth(c, &auth);
out:
	ct_wipe(mac, sizeof(mac));
	buf_free(idb);
	buf_free(sig);
	return r;
}

static struct ike_prof_ent *
prof_ent(struct ike_ctx *ctx, const struct cfg_profile *p)
{
	size_t i;

	for (i = 0; i < ctx->nprofs; i++)
		if (ctx->profs[i].cfg == p)
			return &ctx->profs[i];
	return NULL;
}

static struct pool *
pool_for(struct ike_ctx *ctx, const struct cfg_policy *pol, int family)
{
	size_t i;

	if (pol == NULL || pol->pool == NULL)
		return NULL;
	for (i = 0; i < ctx->npools; i++)
		if (ctx->pools[i].cfg == pol->pool)
			return family == AF_INET ? ctx->pools[i].v4 :
			    ctx->pools[i].v6;
	return NULL;
}

int
ike_sa__spi_taken(uint32_t spi, void *arg)
{
	struct ike_ctx *ctx = arg;
	struct ike_sa *sa;

	for (sa = ctx->all; sa; sa = sa->next_all)
		if ((sa->child != NULL && sa->child->spi_in == spi) ||
		    (sa->child_old != NULL && sa->child_old->spi_in == spi))
			return 1;
	return 0;
}

const struct cfg_policy *
ike_sa__policy(const struct ike_sa *sa)
{
	const struct ike_ctx *ctx = sa->ctx;
	const struct cfg_user *user = NULL;

	/* A resumed session brings its authorization back as it was: no
	 * user database, no AAA (the reference's "Avantages"). */
	if (sa->resumed)
		return session_policy(sa->session) != NULL ?
		    cfg_policy_find(ctx->cfg, session_policy(sa->session)) :
		    NULL;
	if (sa->eap_identity != NULL)
		user = cfg_user_find(ctx->cfg, buf_span(sa->eap_identity));
	return cfg_policy_for(sa->profile, user);
}

/* Authentication failed: tell the peer in the response to req (2.21.2),
 * count it and delete the SA shortly (the cached response stays for a
 * retransmitted request). */
void
ike_sa__auth_failed(struct ike_sa *sa, const struct ike_msg_hdr *req,
    const char *why)
{
	struct ike_ctx *ctx = sa->ctx;
	char ps[NET_ADDRSTRLEN];

	ctx->st.auth_failed++;
	log_info(SUB_IKE, "authentication of %s failed: %s",
	    ike_sa__peer_str(sa, ps, sizeof(ps)), why);
	ike_sa__resp_notify(sa, req, IKE_N_AUTHENTICATION_FAILED);
	ike_sa__remove_child(sa);
	ike_sa__release_vip(sa);
	if (sa->state == IKE_S_HALF_OPEN)
		ctx->st.half_open--;
	sa->state = IKE_S_DEAD;
	/* Keep the dead SA a few seconds to resend the same answer. */
	if (timer_add(ctx->th, &sa->t_half_open, ctx->now + 5000) != 0)
		ike_sa__sa_destroy(sa, NULL);
}

/*
 * Completes IKE_AUTH once the peer is authenticated: address, CHILD SA,
 * and the response (2.19, 1.2). CHILD SA failures do not fail the IKE SA
 * (2.21.2); their notify goes in the response instead.
 */
void
ike_sa__establish(struct ike_sa *sa, const struct ike_msg_hdr *req, int with_id)
{
	struct ike_ctx *ctx = sa->ctx;
	const struct cfg_profile *pr = sa->profile;
	const struct cfg_policy *pol;
	struct ike_msg *m = &ctx->inner;
	struct ike_pld_cp cp;
	struct ike_pld_ts tsi, tsr, otsi, otsr;
	struct ike_pld_notify n;
	struct ike_cp_req creq;
	struct ike_cp_assign assign;
	struct ike_prop_esp esp;
	struct ike_keys_suite suite;
	struct child_sa_ts ts;
	struct child_sa *child = NULL;
	struct ike_chain c;
	struct span body;
	struct buf *b = NULL;
	char owner[POOL_OWNER_MAX], ps[NET_ADDRSTRLEN];
	char vs[2 * POOL_ADDR_STRLEN + 8];
	char algs[64], ealgs[64];
	struct ike_pld_cp_attr sattr[2];
	uint16_t child_err = 0, stypes[2];
	size_t i, nsattr = 0;
	uint32_t spi;
	int have_cp = 0, fam, r;

	if (ike_msg_parse_inner(&req[0], sa->auth1_first,
	    buf_span(sa->auth1), m) != 0) {
		ike_sa__auth_failed(sa, req, "first IKE_AUTH no longer parses");
		return;
	}
	pol = ike_sa__policy(sa);

	memset(&creq, 0, sizeof(creq));
	stypes[0] = pr->session_id_attr;
	stypes[1] = pr->session_token_attr;
	if (ike_msg_body(m, IKE_PLD_CP, &body) == 0 &&
	    ike_pld_parse_cp(body, &cp) == 0 &&
	    ike_cp_parse_req(&cp, stypes, pr->reconnect_timeout > 0 ? 2 : 0,
	    &creq) == 0)
		have_cp = 1;
	/* 3.15.1: an address of each family asked for that the policy's
	 * pool has (a resumed session brings its own back). */
	for (i = 0; have_cp && !sa->resumed && i < 2; i++) {
		fam = i == 0 ? AF_INET : AF_INET6;
		if (!ike_cp_wants_addr(&creq, fam) ||
		    ike_sa__vip_of(sa, fam) != NULL ||
		    (sa->pool[sa->nvip] = pool_for(ctx, pol, fam)) == NULL)
			continue;
		ike_sa__owner_of(sa, owner, sizeof(owner));
		if (pool_alloc(sa->pool[sa->nvip], owner,
		    &sa->vip[sa->nvip]) == 0) {
			sa->nvip++;
			sa->vip_leased = 1;
		}
	}
	if (have_cp && ike_cp_addr_failed(&creq,
	    ike_sa__vip_of(sa, AF_INET) != NULL,
	    ike_sa__vip_of(sa, AF_INET6) != NULL))
		child_err = IKE_N_INTERNAL_ADDRESS_FAILURE;

	if (child_err == 0 &&
	    (ike_msg_body(m, IKE_PLD_SA, &body) != 0 ||
	    ike_pld_parse_sa(body, &ctx->sa_pld) != 0 ||
	    ike_prop_select_esp(pr->esp, &ctx->sa_pld, &esp) != 0))
		child_err = IKE_N_NO_PROPOSAL_CHOSEN;
	if (child_err == 0 &&
	    (ike_msg_body(m, IKE_PLD_TSI, &body) != 0 ||
	    ike_pld_parse_ts(body, &tsi) != 0 ||
	    ike_msg_body(m, IKE_PLD_TSR, &body) != 0 ||
	    ike_pld_parse_ts(body, &tsr) != 0 ||
	    child_sa_narrow(&tsi, &tsr, sa->vip, sa->nvip, pol, &ts) != 0))
		child_err = IKE_N_TS_UNACCEPTABLE;
	if (child_err == 0 &&
	    (child_sa_spi_alloc(ike_sa__spi_taken, ctx, NULL, &spi) != 0 ||
	    child_sa_new(spi, &esp, &ts,
	    (const struct sockaddr *)&sa->path.remote, ctx->now, &child) != 0))
		child_err = IKE_N_TEMPORARY_FAILURE;
	if (child != NULL) {
		child->life_bytes = (uint64_t)pr->esp->lifetime_kb * 1024;
		ike_prop_esp_suite(&esp, &suite);
		if (ike_keys_child_derive(&child->keys, sa->prf,
		    span_make(sa->keys.sk_d, sa->keys.prf_len), &suite,
		    span_make(NULL, 0), span_make(sa->ni, sa->ni_len),
		    span_make(sa->nr, sizeof(sa->nr))) != 0) {
			child_sa_free(child);
			child = NULL;
			child_err = IKE_N_TEMPORARY_FAILURE;
		}
	}

	if (child != NULL && ctx->io.child_up != NULL &&
	    ctx->io.child_up(ctx->io.arg, child, sa->vip, sa->nvip,
	    &sa->path) != 0) {
		child_sa_free(child);
		child = NULL;
		child_err = IKE_N_TEMPORARY_FAILURE;
	}
	if (pr->reconnect_timeout > 0 && (r = ike_sa__session_start(sa)) != 0)
		log_warn_e(SUB_IKE, r, "no session for resumption");
	/* The session-id and a token go to clients that ask for them (with
	 * empty attributes); a resuming client that asks again gets a
	 * fresh token, the old one is then void. */
	if (have_cp && sa->session != NULL &&
	    ike_cp_asked(&creq, pr->session_id_attr) &&
	    ike_cp_asked(&creq, pr->session_token_attr)) {
		if (sa->resumed && session_token_rotate(sa->session) != 0)
			log_warnx(SUB_IKE, "cannot rotate a session token");
		sattr[0].type = pr->session_id_attr;
		sattr[0].value = span_str(session_id(sa->session));
		sattr[1].type = pr->session_token_attr;
		sattr[1].value = session_token(sa->session);
		nsattr = 2;
	}
	if ((r = ike_sa__resp_begin(sa, req, &b, &c)) != 0)
		goto fail;
	if ((r = add_our_auth(sa, &c, with_id)) != 0)
		goto fail;
	if (have_cp && child_err != IKE_N_INTERNAL_ADDRESS_FAILURE) {
		memset(&assign, 0, sizeof(assign));
		assign.v4 = ike_sa__vip_of(sa, AF_INET);
		assign.v6 = ike_sa__vip_of(sa, AF_INET6);
		assign.extra = sattr;
		assign.nextra = nsattr;
		if ((r = ike_cp_add_reply(&c, &creq, pol, &assign)) != 0)
			goto fail;
	}
	if (child_err != 0) {
		memset(&n, 0, sizeof(n));
		n.type = child_err;
		if ((r = ike_pld_add_notify(&c, &n)) != 0)
			goto fail;
	} else {
		if ((r = ike_prop_add_esp(&c, &esp, spi)) != 0 ||
		    (r = child_sa_ts_pld(ts.i, ts.ni, &otsi)) != 0 ||
		    (r = child_sa_ts_pld(ts.r, ts.nr, &otsr)) != 0 ||
		    (r = ike_pld_add_ts(&c, IKE_PLD_TSI, &otsi)) != 0 ||
		    (r = ike_pld_add_ts(&c, IKE_PLD_TSR, &otsr)) != 0)
			goto fail;
	}

	if (sa->state == IKE_S_HALF_OPEN)
		ctx->st.half_open--;
	sa->state = IKE_S_ESTABLISHED;
	sa->established = ctx->now;
	timer_del(ctx->th, &sa->t_half_open);
	ctx->st.auth_ok++;
	buf_free(sa->auth1);
	sa->auth1 = NULL;
	if (child != NULL) {
		sa->child = child;
		child = NULL;
		ctx->st.child_sas++;
		ike_sa__life_arm(sa);
	}
	if (ike_prop_ike_str(&sa->prop, algs, sizeof(algs)) != 0)
		algs[sizeof(algs) - 1] = '\0';
	if (sa->child == NULL ||
	    ike_prop_esp_str(&sa->child->prop, ealgs, sizeof(ealgs)) != 0)
		snprintf(ealgs, sizeof(ealgs), "none");
	ike_sa__owner_of(sa, owner, sizeof(owner));
	log_info(SUB_IKE, "IKE SA %016llx/%016llx established with %s, "
	    "profile %s, identity \"%s\", auth %s, address %s, IKE %s, ESP %s",
	    (unsigned long long)sa->spi_i, (unsigned long long)sa->spi_r,
	    ike_sa__peer_str(sa, ps, sizeof(ps)), pr->name, owner,
	    sa->auth_verify,
	    ike_sa__vip_str(sa, vs, sizeof(vs)), algs, ealgs);
	if (child_err != 0)
		log_info(SUB_IKE, "no CHILD SA with %s: %s", ps,
		    ike_pld_notify_name(child_err));
	if (sa->session != NULL) {
		unsigned caps = session_caps(sa->session) |
		    (pr->dpd_interval > 0 ? SESSION_CAP_DPD : 0) |
		    (sa->nat_peer || sa->nat_local ? SESSION_CAP_NATT : 0) |
		    (sa->resumed ? SESSION_CAP_RESUMED : 0);

		session_set_caps(sa->session, caps);
		if (session_set_peer(sa->session,
		    (const struct sockaddr *)&sa->path.remote) != 0)
			log_debug(SUB_IKE, "session peer not recorded");
		if (sa->resumed) {
			sessiondb_count(ctx->sdb, SESSIONDB_EV_SUCCESS);
			log_info(SUB_IKE, "session of \"%s\" resumed from %s "
			    "with address %s", owner, ps, vs);
		}
	}
	sa->last_rx = ctx->now;
	ike_sa__dpd_arm(sa, ctx->now);
	ike_sa__resp_send(sa, b, &c);
	return;
fail:
	buf_free(b);
	if (child != NULL && ctx->io.child_down != NULL)
		ctx->io.child_down(ctx->io.arg, child);
	child_sa_free(child);
	log_warn_e(SUB_IKE, r, "cannot build the IKE_AUTH response");
	if (sa->session != NULL) {
		/* A session made for this login goes with it; a resumed one
		 * stays resumable, idle again. */
		struct session *s = sa->session;

		sa->session = NULL;
		ike_sa__vip_forget(sa);
		session_set_owner(s, NULL);
		if (!sa->resumed || sessiondb_idle(ctx->sdb, s, ctx->now,
		    (uint64_t)pr->reconnect_timeout * 1000) != 0)
			sessiondb_remove(ctx->sdb, s);
	}
	ike_sa__auth_failed(sa, req, "internal error");
}

static int
user_lookup(void *arg, struct span name, struct eap_mschapv2_cred *cred)
{
	struct ike_sa *sa = arg;
	const struct cfg_user *u;

	/* The MSCHAPv2 Name must be the EAP identity: one user, one
	 * authentication. */
	if (sa->eap_identity == NULL ||
	    !span_eq(name, buf_span(sa->eap_identity)) ||
	    (u = cfg_user_find(sa->ctx->cfg, name)) == NULL)
		return -E_NOENT;
	if (u->has_nt_hash)
		memcpy(cred->nt_hash, u->nt_hash, sizeof(cred->nt_hash));
	else
		cred->password = span_make(u->password, u->password_len);
	return 0;
}

/* Sends an EAP packet (the content of out) in the response to req. */
static void
send_eap(struct ike_sa *sa, const struct ike_msg_hdr *req, struct buf *eap,
    int with_auth)
{
	struct ike_chain c;
	struct buf *b;

	if (ike_sa__resp_begin(sa, req, &b, &c) != 0)
		return;
	if ((with_auth && add_our_auth(sa, &c, 1) != 0) ||
	    ike_pld_add_raw(&c, IKE_PLD_EAP, 0, buf_span(eap)) != 0) {
		buf_free(b);
		log_warnx(SUB_IKE, "cannot build an EAP response");
		return;
	}
	ike_sa__resp_send(sa, b, &c);
}

/* First IKE_AUTH request: identify the profile, then authenticate with
 * the AUTH payload or start EAP. */
void
ike_sa__auth_first(struct ike_sa *sa, const struct ike_msg_hdr *req,
    const struct ike_msg *m)
{
	struct ike_ctx *ctx = sa->ctx;
	struct ike_prof_ent *pe;
	struct ike_pld_id id;
	struct ike_pld_auth auth;
	struct ike_pld_cert certs[IKE_AUTH_MAX_CERTS];
	struct ike_auth_input in;
	enum xform_sig_scheme scheme;
	struct buf *eap = NULL;
	struct span body;
	void *key = NULL;
	size_t i, ncert = 0;
	int idx, r;

	if ((idx = ike_msg_find(m, IKE_PLD_IDI, 0)) < 0 ||
	    ike_pld_parse_id(m->pld[idx].body, &id) != 0) {
		ike_sa__auth_failed(sa, req, "no IDi");
		return;
	}
	if (ike_sa__copy_span(&sa->idi, m->pld[idx].body) != 0 ||
	    ike_sa__copy_span(&sa->auth1, m->data) != 0)
		return;
	sa->auth1_first = m->pld[0].type;
	if (id.type == IKE_ID_KEY_ID && ike_sa__is_session_id(id.data) &&
	    ike_msg_body(m, IKE_PLD_AUTH, &body) == 0) {
		sa->resume_attempt = 1;
		if (ike_pld_parse_auth(body, &auth) != 0) {
			ike_sa__resume_failed(sa, req,
			    "malformed AUTH payload");
			return;
		}
		ike_sa__auth_resume(sa, req, &id, &auth);
		return;
	}
	if ((sa->profile = cfg_profile_match(ctx->cfg, (enum cfg_id_type)id.type,
	    id.data)) == NULL) {
		ike_sa__auth_failed(sa, req, "no profile matches its identity");
		return;
	}
	if (!ike_prop_ike_allowed(&sa->prop, sa->profile->proposal)) {
		ike_sa__auth_failed(sa, req,
		    "IKE proposal not allowed by the profile");
		return;
	}
	if (ike_msg_body(m, IKE_PLD_AUTH, &body) != 0) {
		/* No AUTH: the client wants EAP (2.16). */
		if (sa->profile->remote_auth != CFG_AUTH_EAP_MSCHAPV2) {
			ike_sa__auth_failed(sa, req, "no AUTH payload");
			return;
		}
		if ((eap = buf_new(EAP_MAX_LEN)) == NULL)
			return;
		sa->eap_id = 1;
		if (eap_build_identity_request(eap, sa->eap_id) != 0) {
			buf_free(eap);
			return;
		}
		sa->state = IKE_S_EAP;
		ctx->st.half_open--;
		send_eap(sa, req, eap, 1);
		buf_free(eap);
		return;
	}
	if (ike_pld_parse_auth(body, &auth) != 0) {
		ike_sa__auth_failed(sa, req, "malformed AUTH payload");
		return;
	}
	ike_sa__peer_auth_input(sa, &in);
	if (auth.method == IKE_AUTH_SHARED_KEY_MIC) {
		if (sa->profile->remote_auth != CFG_AUTH_PSK) {
			ike_sa__auth_failed(sa, req,
			    "PSK not allowed by the profile");
			return;
		}
		if (ike_auth_psk_verify(&in, span_make(sa->profile->psk,
		    sa->profile->psk_len), auth.data) != 0) {
			ike_sa__auth_failed(sa, req, "wrong pre-shared key");
			return;
		}
		sa->auth_verify = "PSK";
	} else {
		if (sa->profile->remote_auth != CFG_AUTH_CERT ||
		    ctx->x509 == NULL ||
		    (pe = prof_ent(ctx, sa->profile)) == NULL ||
		    pe->ncas == 0) {
			ike_sa__auth_failed(sa, req,
			    "signature not allowed by the "
			    "profile");
			return;
		}
		for (i = 0; i < m->npld && ncert < IKE_AUTH_MAX_CERTS; i++)
			if (m->pld[i].type == IKE_PLD_CERT &&
			    ike_pld_parse_cert(m->pld[i].body,
			    &certs[ncert]) == 0)
				ncert++;
		if ((r = ike_auth_peer_cert(ctx->x509, certs, ncert, pe->cas,
		    pe->ncas, &id, (int64_t)time(NULL), &key)) != 0) {
			ike_sa__auth_failed(sa, req, r == -E_AUTH ?
			    "certificate not trusted or not matching the "
			    "identity" : "unusable certificate");
			return;
		}
		r = ike_auth_verify(ctx->x509->sig, key, &in, auth.method,
		    auth.data, &scheme);
		ctx->x509->sig->key_free(key);
		if (r != 0) {
			ike_sa__auth_failed(sa, req, "bad signature");
			return;
		}
		sa->auth_verify = ike_auth_scheme_name(scheme);
	}
	ike_sa__establish(sa, req, 1);
}

/* An IKE_AUTH request during EAP (2.16). */
void
ike_sa__auth_eap(struct ike_sa *sa, const struct ike_msg_hdr *req,
    const struct ike_msg *m)
{
	struct ike_ctx *ctx = sa->ctx;
	struct ike_pld_eap ep;
	struct eap_pkt pkt;
	struct span body, ident;
	enum eap_mschapv2_status st;
	struct buf *out = NULL;
	int r;

	if (ike_msg_body(m, IKE_PLD_EAP, &body) != 0 ||
	    ike_pld_parse_eap(body, &ep) != 0 ||
	    eap_parse(ep.msg, &pkt) != 0) {
		ike_sa__auth_failed(sa, req, "no valid EAP payload");
		return;
	}
	if ((out = buf_new(EAP_MAX_LEN)) == NULL)
		return;
	if (sa->eap == NULL) {
		/* The answer to our Identity request. */
		if (pkt.id != sa->eap_id || eap_parse_identity(&pkt,
		    &ident) != 0 || ident.len == 0) {
			buf_free(out);
			ike_sa__auth_failed(sa, req, "no EAP identity");
			return;
		}
		if (ike_sa__copy_span(&sa->eap_identity, ident) != 0 ||
		    eap_mschapv2_new(IKE_EAP_SERVER_NAME, user_lookup, sa,
		    &sa->eap) != 0 ||
		    eap_mschapv2_start(sa->eap, ++sa->eap_id, out) != 0) {
			buf_free(out);
			ike_sa__auth_failed(sa, req,
			    "cannot start EAP-MSCHAPv2");
			return;
		}
		send_eap(sa, req, out, 0);
		buf_free(out);
		return;
	}
	if ((r = eap_mschapv2_process(sa->eap, ep.msg, out, &st)) != 0) {
		buf_free(out);
		ike_sa__auth_failed(sa, req, r == -E_NOTSUP ?
		    "the client refuses EAP-MSCHAPv2" : "bad EAP message");
		return;
	}
	switch (st) {
	case EAP_MSCHAPV2_CONTINUE:
		send_eap(sa, req, out, 0);
		break;
	case EAP_MSCHAPV2_SUCCESS:
		if (eap_mschapv2_msk(sa->eap, sa->msk) != 0) {
			ike_sa__auth_failed(sa, req, "no MSK");
			break;
		}
		sa->have_msk = 1;
		sa->auth_verify = "EAP-MSCHAPv2";
		sa->state = IKE_S_EAP_DONE;
		send_eap(sa, req, out, 0);
		break;
	case EAP_MSCHAPV2_FAILURE:
		ctx->st.auth_failed++;
		log_info(SUB_IKE, "EAP-MSCHAPv2 failed for a client (wrong "
		    "user name or password)");
		send_eap(sa, req, out, 0);
		sa->state = IKE_S_DEAD;
		if (timer_add(ctx->th, &sa->t_half_open, ctx->now + 5000) != 0)
			log_warnx(SUB_IKE, "cannot arm the cleanup timer");
		break;
	}
	buf_free(out);
}

/* The last IKE_AUTH request after EAP: the client's MSK-based AUTH. */
void
ike_sa__auth_final(struct ike_sa *sa, const struct ike_msg_hdr *req,
    const struct ike_msg *m)
{
	struct ike_auth_input in;
	struct ike_pld_auth auth;
	struct span body;

	if (ike_msg_body(m, IKE_PLD_AUTH, &body) != 0 ||
	    ike_pld_parse_auth(body, &auth) != 0 ||
	    auth.method != IKE_AUTH_SHARED_KEY_MIC) {
		ike_sa__auth_failed(sa, req, "no AUTH after EAP");
		return;
	}
	ike_sa__peer_auth_input(sa, &in);
	if (ike_auth_psk_verify(&in, span_make(sa->msk, sizeof(sa->msk)),
	    auth.data) != 0) {
		ike_sa__auth_failed(sa, req, "AUTH does not match the EAP MSK");
		return;
	}
	ike_sa__establish(sa, req, 0);
}
