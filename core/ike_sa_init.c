/*
 * ike_sa_init.c: the responder's IKE_SA_INIT exchange (RFC 7296 1.2):
 * proposal and KE checks, the keys, NAT detection and the response that
 * makes a half-open IKE SA.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/ct.h"
#include "core/ike_auth.h"
#include "core/ike_keys.h"
#include "core/ike_msg.h"
#include "core/ike_prop.h"
#include "core/ike_sa.h"
#include "core/ike_sa_int.h"
#include "core/ike_sk.h"
#include "core/log.h"
#include "core/xform.h"

/* Sends an unprotected IKE_SA_INIT error response carrying one notify
 * (RFC 7296 2.21.1): SPIr is zero, nothing is kept. */
void
ike_sa__init_notify(struct ike_ctx *ctx, const struct ike_msg_hdr *req,
    const struct net_path *p, uint16_t type, struct span data)
{
	struct ike_msg_hdr h;
	struct ike_chain c;
	struct ike_pld_notify n;
	struct buf *b;

	if ((b = buf_new(512)) == NULL)
		return;
	memset(&h, 0, sizeof(h));
	h.spi_i = req->spi_i;
	h.version = IKE_VERSION;
	h.exch = IKE_EXCH_SA_INIT;
	h.flags = IKE_FLAG_RESPONSE;
	h.msgid = 0;
	memset(&n, 0, sizeof(n));
	n.type = type;
	n.data = data;
	if (ike_msg_begin(&c, b, &h) == 0 && ike_pld_add_notify(&c, &n) == 0 &&
	    ike_msg_finish(&c) == 0)
		ike_sa__send_buf(ctx, p, b);
	buf_free(b);
}

/* The proposals acceptable in IKE_SA_INIT: those of every profile, in
 * file order, each once. The profile is known only in IKE_AUTH, where the
 * choice is checked against the matched profile's own proposal. */
static size_t
init_proposals(const struct cfg *cfg, const struct cfg_proposal **out,
    size_t max)
{
	size_t i, j, n = 0;
	const struct cfg_proposal *p;

	for (i = 0; i < cfg_profile_count(cfg) && n < max; i++) {
		p = cfg_profile_at(cfg, i)->proposal;
		for (j = 0; j < n && out[j] != p; j++)
			;
		if (j == n && p != NULL)
			out[n++] = p;
	}
	return n;
}

int
ike_sa__new_spi(struct ike_ctx *ctx, uint64_t *spi)
{
	uint8_t b[8];
	int i, tries, r;

	for (tries = 0; tries < 8; tries++) {
		if ((r = xform_random(b, sizeof(b))) != 0)
			return r;
		for (*spi = 0, i = 0; i < 8; i++)
			*spi = *spi << 8 | b[i];
		if (*spi != 0 && ike_sa__find_by_r(ctx, *spi) == NULL)
			return 0;
	}
	return -E_EXIST;
}

static int
add_natd(struct ike_chain *c, struct ike_sa *sa)
{
	uint8_t hs[IKE_NATD_LEN], hd[IKE_NATD_LEN];
	struct ike_pld_notify n;
	int r;

	/* In our response the source is us and the destination the peer. */
	if ((r = ike_keys_natd(sa->spi_i, sa->spi_r, &sa->path.local,
	    hs)) != 0 ||
	    (r = ike_keys_natd(sa->spi_i, sa->spi_r, &sa->path.remote,
	    hd)) != 0)
		return r;
	memset(&n, 0, sizeof(n));
	n.type = IKE_N_NAT_DETECTION_SOURCE_IP;
	n.data = span_make(hs, sizeof(hs));
	if ((r = ike_pld_add_notify(c, &n)) != 0)
		return r;
	n.type = IKE_N_NAT_DETECTION_DESTINATION_IP;
	n.data = span_make(hd, sizeof(hd));
	return ike_pld_add_notify(c, &n);
}

/* IKE_SA_INIT request (RFC 7296 1.2). */
void
ike_sa__handle_init(struct ike_ctx *ctx, const struct ike_msg *m,
    struct span dgram, const struct net_path *p)
{
	const struct cfg_proposal *props[64];
	struct ike_pld_ke ke;
	struct ike_pld_nonce ni;
	struct ike_pld_notify n;
	struct ike_pld_nonce nr;
	struct ike_pld_ke oke;
	struct ike_keys_suite suite;
	struct ike_msg_hdr h;
	struct ike_chain c;
	struct ike_prop_ike choice;
	struct ike_sa *sa = NULL;
	const struct xform_dh *dh;
	uint8_t pub[XFORM_MAX_DH_PUB_LEN], shared[XFORM_MAX_DH_PUB_LEN];
	uint8_t skeyseed[XFORM_MAX_HASH_LEN], spi_i[8], spi_r[8], grp[2];
	struct span body;
	struct buf *b = NULL;
	void *dhst = NULL;
	char ps[NET_ADDRSTRLEN], algs[64];
	size_t nprops, i;
	uint16_t want;
	int r;

	net_addr_str((const struct sockaddr *)&p->remote, ps, sizeof(ps));
	if (ike_msg_body(m, IKE_PLD_SA, &body) != 0 ||
	    ike_pld_parse_sa(body, &ctx->sa_pld) != 0 ||
	    ike_msg_body(m, IKE_PLD_KE, &body) != 0 ||
	    ike_pld_parse_ke(body, &ke) != 0 ||
	    ike_msg_body(m, IKE_PLD_NONCE, &body) != 0 ||
	    ike_pld_parse_nonce(body, &ni) != 0) {
		ctx->st.rx_invalid++;
		if (log_ratelimit_ok(&ike_sa__rl_input, 5))
			log_info(SUB_IKE, "IKE_SA_INIT from %s lacks SA, KE or "
			    "Nonce", ps);
		ike_sa__init_notify(ctx, &m->hdr, p, IKE_N_INVALID_SYNTAX,
		    span_make(NULL, 0));
		return;
	}
	/* 2.6: before any work worth flooding. */
	if (ike_sa__cookie_gate(ctx, m, ni.data, p))
		return;
	nprops = init_proposals(ctx->cfg, props, 64);
	if (ike_prop_select_ike(props, nprops, &ctx->sa_pld, &choice) != 0) {
		ctx->st.init_no_proposal++;
		log_info(SUB_IKE, "IKE_SA_INIT from %s: no acceptable proposal",
		    ps);
		ike_sa__init_notify(ctx, &m->hdr, p, IKE_N_NO_PROPOSAL_CHOSEN,
		    span_make(NULL, 0));
		return;
	}
	if (ike_prop_ke_check(&choice, ke.group, &want) != 0) {
		/* RFC 7296 1.2: name the group we want; keep no state. */
		ctx->st.init_invalid_ke++;
		log_info(SUB_IKE, "IKE_SA_INIT from %s: KE group %u, asking "
		    "for %u", ps, ke.group, want);
		grp[0] = (uint8_t)(want >> 8);
		grp[1] = (uint8_t)want;
		ike_sa__init_notify(ctx, &m->hdr, p, IKE_N_INVALID_KE_PAYLOAD,
		    span_make(grp, 2));
		return;
	}
	if ((dh = xform_find_dh(choice.dh)) == NULL ||
	    ke.data.len != dh->pub_len) {
		ctx->st.rx_invalid++;
		ike_sa__init_notify(ctx, &m->hdr, p, IKE_N_INVALID_SYNTAX,
		    span_make(NULL, 0));
		return;
	}

	if ((sa = calloc(1, sizeof(*sa))) == NULL)
		return;
	sa->ctx = ctx;
	sa->spi_i = m->hdr.spi_i;
	sa->path = *p;
	sa->init_path = *p;
	sa->created = ctx->now;
	sa->state = IKE_S_HALF_OPEN;
	sa->prop = choice;
	sa->next_msgid = 1;
	timer_init(&sa->t_half_open, ike_sa__on_half_open, sa);
	timer_init(&sa->t_dpd, ike_sa__on_dpd, sa);
	timer_init(&sa->t_rekey, ike_sa__on_rekey, sa);
	timer_init(&sa->t_life, ike_sa__on_life, sa);
	if (ike_sa__new_spi(ctx, &sa->spi_r) != 0)
		goto fail;
	memcpy(sa->ni, ni.data.p, ni.data.len);
	sa->ni_len = ni.data.len;
	if (xform_random(sa->nr, sizeof(sa->nr)) != 0)
		goto fail;
	/* In the request SPIr is still zero (RFC 7296 2.23). */
	ike_keys_natd_check(m, sa->spi_i, 0, &sa->path.remote,
	    &sa->path.local, &sa->nat_peer, &sa->nat_local);
	for (i = 0; i < m->npld; i++)
		if (m->pld[i].type == IKE_PLD_NOTIFY &&
		    ike_pld_parse_notify(m->pld[i].body, &n) == 0 &&
		    n.type == IKE_N_SIGNATURE_HASH_ALGORITHMS) {
			unsigned set = 0;

			if (ike_auth_hashes_parse(n.data, &set) == 0)
				sa->peer_sig_hashes = (uint16_t)set;
		}

	/* Keys: g^ir, SKEYSEED, then the seven SA keys (2.14). */
	if ((r = dh->keygen(&dhst, NULL, 0, pub)) != 0 ||
	    (r = dh->derive(dhst, ke.data, shared)) != 0) {
		log_info(SUB_IKE, "IKE_SA_INIT from %s: bad KE value", ps);
		ike_sa__init_notify(ctx, &m->hdr, p, IKE_N_INVALID_SYNTAX,
		    span_make(NULL, 0));
		goto fail;
	}
	ike_prop_ike_suite(&choice, &suite);
	if ((sa->prf = ike_prop_prf(&choice)) == NULL)
		goto fail;
	ike_keys_spi_put(sa->spi_i, spi_i);
	ike_keys_spi_put(sa->spi_r, spi_r);
	if ((r = ike_keys_skeyseed(sa->prf, ni.data,
	    span_make(sa->nr, sizeof(sa->nr)),
	    span_make(shared, dh->shared_len), skeyseed)) != 0 ||
	    (r = ike_keys_derive(&sa->keys, sa->prf, &suite,
	    span_make(skeyseed, sa->prf->out_len), ni.data,
	    span_make(sa->nr, sizeof(sa->nr)), spi_i, spi_r)) != 0 ||
	    (r = ike_sk_init(&sa->sk, &suite, &sa->keys)) != 0) {
		log_warn_e(SUB_IKE, r, "IKE_SA_INIT from %s: key derivation",
		    ps);
		goto fail;
	}
	if (ike_sa__copy_span(&sa->init_req, dgram) != 0)
		goto fail;

	/* The response: SA, KE, Nr, NAT detection, signature hashes,
	 * CERTREQ for certificate clients. */
	if ((b = buf_new(IKE_MSG_MAX)) == NULL)
		goto fail;
	memset(&h, 0, sizeof(h));
	h.spi_i = sa->spi_i;
	h.spi_r = sa->spi_r;
	h.version = IKE_VERSION;
	h.exch = IKE_EXCH_SA_INIT;
	h.flags = IKE_FLAG_RESPONSE;
	oke.group = choice.dh;
	oke.data = span_make(pub, dh->pub_len);
	nr.data = span_make(sa->nr, sizeof(sa->nr));
	memset(&n, 0, sizeof(n));
	n.type = IKE_N_SIGNATURE_HASH_ALGORITHMS;
	n.data = ike_auth_hashes_ours();
	if (ike_msg_begin(&c, b, &h) != 0 ||
	    ike_prop_add_ike(&c, &choice, span_make(NULL, 0)) != 0 ||
	    ike_pld_add_ke(&c, &oke) != 0 ||
	    ike_pld_add_nonce(&c, &nr) != 0 ||
	    add_natd(&c, sa) != 0 ||
	    ike_pld_add_notify(&c, &n) != 0)
		goto fail;
	if (ctx->certreq != NULL && buf_len(ctx->certreq) > 0) {
		struct ike_pld_certreq cr;

		cr.enc = IKE_CERT_X509_SIG;
		cr.data = buf_span(ctx->certreq);
		if (ike_pld_add_certreq(&c, &cr) != 0)
			goto fail;
	}
	if (ike_msg_finish(&c) != 0 || ike_sa__copy_span(&sa->init_resp,
	    buf_span(b)) != 0)
		goto fail;

	ike_sa__link_sa(ctx, sa);
	ctx->st.ike_sas++;
	ctx->st.half_open++;
	ctx->st.init_ok++;
	if (timer_add(ctx->th, &sa->t_half_open, ctx->now +
	    (uint64_t)cfg_gateway(ctx->cfg)->half_open_timeout * 1000) != 0)
		log_warnx(SUB_IKE, "cannot arm the half-open timer");
	if (ike_prop_ike_str(&choice, algs, sizeof(algs)) != 0)
		algs[sizeof(algs) - 1] = '\0';
	log_debug(SUB_IKE, "IKE_SA_INIT from %s: SPIs %016llx/%016llx %s%s",
	    ps, (unsigned long long)sa->spi_i, (unsigned long long)sa->spi_r,
	    algs, sa->nat_peer ? ", peer behind NAT" : "");
	dh->free(dhst);
	ct_wipe(shared, sizeof(shared));
	ct_wipe(skeyseed, sizeof(skeyseed));
	ike_sa__respond(sa, b);
	return;
fail:
	if (dhst != NULL)
		dh->free(dhst);
	ct_wipe(shared, sizeof(shared));
	ct_wipe(skeyseed, sizeof(skeyseed));
	buf_free(b);
	if (sa != NULL) {
		ike_sk_cleanup(&sa->sk);
		ike_keys_cleanup(&sa->keys);
		buf_free(sa->init_req);
		buf_free(sa->init_resp);
		ct_wipe(sa, sizeof(*sa));
		free(sa);
	}
}
