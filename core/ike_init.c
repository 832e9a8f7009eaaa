/*
 * ike_init.c: one IKEv2 SA as the initiator (RFC 7296); its rekeys are
 * core/ike_init_rekey.c.
 *
 * Every request goes through ike_init__send_request(): it is kept, byte
 * for byte, for retransmission (2.1) until its response arrives or the
 * retries run out. Responses are matched on the message ID of the one
 * request outstanding (2.3) and opened with the responder's keys, then
 * handled by the kind of request they answer. Requests from the gateway
 * (its liveness checks, its DELETEs, its CHILD SA rekeys) are answered
 * and the answer cached for a retransmitted request.
 *
 * Every path that reports an outcome to the owner (established, failed,
 * down) ends with the callback and touches nothing afterwards, so the
 * owner may free the SA from it.
 */
#include "config.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "core/buf.h"
#include "core/child_sa.h"
#include "core/ct.h"
#include "core/eap.h"
#include "core/eap_mschapv2.h"
#include "core/ike_auth.h"
#include "core/ike_cp.h"
#include "core/ike_init.h"
#include "core/ike_keys.h"
#include "core/ike_msg.h"
#include "core/ike_prop.h"
#include "core/ike_sk.h"
#include "core/log.h"
#include "core/xform.h"

#include "core/ike_init_int.h"

/* The built-in transforms: AEADs first, then AES-CBC with HMAC-SHA2 (RFC
 * 8247, RFC 8221), groups from the most common (ecp256) on. */
static const struct cfg_proposal builtin_ike = {
	.encr = {
		{ XFORM_ENCR_AES_GCM_16, 256 }, { XFORM_ENCR_AES_GCM_16, 128 },
		{ XFORM_ENCR_CHACHA20_POLY1305, 256 },
		{ XFORM_ENCR_AES_CBC, 256 }, { XFORM_ENCR_AES_CBC, 128 },
	},
	.nencr = 5,
	.integ = { XFORM_INTEG_HMAC_SHA2_256_128,
	    XFORM_INTEG_HMAC_SHA2_384_192, XFORM_INTEG_HMAC_SHA2_512_256 },
	.ninteg = 3,
	.prf = { XFORM_PRF_HMAC_SHA2_256, XFORM_PRF_HMAC_SHA2_384,
	    XFORM_PRF_HMAC_SHA2_512 },
	.nprf = 3,
	.group = { XFORM_DH_ECP256, XFORM_DH_CURVE25519, XFORM_DH_ECP384,
	    XFORM_DH_ECP521, XFORM_DH_MODP2048 },
	.ngroup = 5,
};

static const struct cfg_esp builtin_esp = {
	.encr = {
		{ XFORM_ENCR_AES_GCM_16, 256 }, { XFORM_ENCR_AES_GCM_16, 128 },
		{ XFORM_ENCR_CHACHA20_POLY1305, 256 },
		{ XFORM_ENCR_AES_CBC, 256 }, { XFORM_ENCR_AES_CBC, 128 },
	},
	.nencr = 5,
	.integ = { XFORM_INTEG_HMAC_SHA2_256_128,
	    XFORM_INTEG_HMAC_SHA2_384_192, XFORM_INTEG_HMAC_SHA2_512_256 },
	.ninteg = 3,
	.esn = CFG_ESN_NO,
};

static struct log_ratelimit rl_input;

static timer_fn on_retx;
static timer_fn on_dpd;
static int send_auth(struct ike_init *);

static const char *const state_names[] = {
	"IDLE", "IKE_SA_INIT", "IKE_AUTH", "EAP", "EAP-AUTH", "ESTABLISHED",
	"DELETING", "DONE",
};

static const char *const error_names[] = {
	"gateway unreachable", "no proposal chosen",
	"authentication refused by the gateway",
	"session resume refused by the gateway",
	"the gateway failed to authenticate", "no CHILD SA",
	"protocol error", "internal error",
};

static const char *const down_names[] = {
	"deleted by the gateway", "CHILD SA deleted by the gateway",
	"gateway dead", "closed",
};

const char *
ike_init_state_name(enum ike_init_state s)
{
	if ((unsigned)s >= sizeof(state_names) / sizeof(state_names[0]))
		return "?";
	return state_names[s];
}

const char *
ike_init_error_name(enum ike_init_error e)
{
	if ((unsigned)e >= sizeof(error_names) / sizeof(error_names[0]))
		return "?";
	return error_names[e];
}

const char *
ike_init_down_name(enum ike_init_down d)
{
	if ((unsigned)d >= sizeof(down_names) / sizeof(down_names[0]))
		return "?";
	return down_names[d];
}

/* Monotonic now in a timer callback: the owner's clock when it gave one,
 * else the deadline that fired (never earlier than what we saw last). */
uint64_t
ike_init__clock_now(struct ike_init *sa, uint64_t deadline)
{
	if (sa->ops.now != NULL)
		sa->now = sa->ops.now(sa->ops.arg);
	else if (deadline > sa->now)
		sa->now = deadline;
	return sa->now;
}

static const char *
gw_str(const struct ike_init *sa, char *buf, size_t len)
{
	return net_addr_str((const struct sockaddr *)&sa->path.remote, buf,
	    len);
}

static int
copy_span(struct buf **dst, struct span s)
{
	buf_free(*dst);
	if ((*dst = buf_new(s.len)) == NULL)
		return -E_NOMEM;
	return buf_add_span(*dst, s);
}

/* The 8-byte SPI (IKE) in b, network order. */
void
ike_init__spi_from_bytes(const uint8_t b[8], uint64_t *v)
{
	int i;

	for (*v = 0, i = 0; i < 8; i++)
		*v = *v << 8 | b[i];
}

static void
set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)(void *)ss)->sin_port = htons(port);
	else if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)(void *)ss)->sin6_port = htons(port);
}

/* Stops everything that could still fire or be sent. */
static void
stop(struct ike_init *sa)
{
	timer_del(sa->th, &sa->t_retx);
	timer_del(sa->th, &sa->t_dpd);
	timer_del(sa->th, &sa->t_rekey);
	timer_del(sa->th, &sa->t_ike_rekey);
	if (sa->irk_dhst != NULL) {
		sa->irk_dh->free(sa->irk_dhst);
		sa->irk_dhst = NULL;
	}
	if (sa->rk_dhst != NULL) {
		sa->rk_dh->free(sa->rk_dhst);
		sa->rk_dhst = NULL;
	}
	buf_free(sa->req);
	sa->req = NULL;
	sa->req_kind = REQ_NONE;
	if (sa->dhst != NULL) {
		sa->dh->free(sa->dhst);
		sa->dhst = NULL;
	}
}

/* Reports a failed attempt; the last thing done with sa. */
static void
fail(struct ike_init *sa, enum ike_init_error err, uint16_t notify)
{
	char gs[NET_ADDRSTRLEN], ns[32];
	const char *nn = ike_pld_notify_name(notify);

	if (nn == NULL) {
		snprintf(ns, sizeof(ns), "notify %u", notify);
		nn = ns;
	}
	if (notify != 0)
		log_info(SUB_IKE, "connection to %s failed: %s (%s)",
		    gw_str(sa, gs, sizeof(gs)), ike_init_error_name(err), nn);
	else
		log_info(SUB_IKE, "connection to %s failed: %s",
		    gw_str(sa, gs, sizeof(gs)), ike_init_error_name(err));
	stop(sa);
	sa->state = IKE_INIT_S_DONE;
	if (sa->ops.failed != NULL)
		sa->ops.failed(sa->ops.arg, sa, err, notify);
}

/* Reports the end of an established SA (or of its CHILD SA); the last
 * thing done with sa. */
void
ike_init__report_down(struct ike_init *sa, enum ike_init_down why)
{
	char gs[NET_ADDRSTRLEN];

	log_info(SUB_IKE, "IKE SA %016llx/%016llx with %s: %s",
	    (unsigned long long)sa->spi_i, (unsigned long long)sa->spi_r,
	    gw_str(sa, gs, sizeof(gs)), ike_init_down_name(why));
	if (why != IKE_INIT_DOWN_CHILD_DELETED) {
		stop(sa);
		sa->state = IKE_INIT_S_DONE;
	}
	if (sa->ops.down != NULL)
		sa->ops.down(sa->ops.arg, sa, why);
}

static void
xmit(struct ike_init *sa, struct buf *b)
{
	sa->st.tx++;
	sa->ops.send(sa->ops.arg, &sa->path, buf_span(b));
}

/* Makes b (consumed) the outstanding request of kind k, sends it and arms
 * its retransmission. */
int
ike_init__send_request(struct ike_init *sa, enum req_kind k, uint8_t exch,
    struct buf *b)
{
	buf_free(sa->req);
	sa->req = b;
	sa->req_kind = k;
	sa->req_exch = exch;
	sa->retx = 0;
	sa->retx_at = sa->now + sa->retx_base;
	xmit(sa, b);
	return timer_add(sa->th, &sa->t_retx, sa->retx_at);
}

/* The outstanding request got its response: the next one takes the next
 * message ID (2.3). */
void
ike_init__req_done(struct ike_init *sa)
{
	timer_del(sa->th, &sa->t_retx);
	buf_free(sa->req);
	sa->req = NULL;
	sa->req_kind = REQ_NONE;
	sa->msgid++;
}

/* Starts a protected message of exchange exch: our request (msgid
 * sa->msgid) or our response (msgid given). */
int
ike_init__msg_begin(struct ike_init *sa, uint8_t exch, int response,
    uint32_t msgid, struct buf **bp, struct ike_chain *c)
{
	struct ike_msg_hdr h;
	int r;

	if ((*bp = buf_new(MSG_MAX)) == NULL)
		return -E_NOMEM;
	memset(&h, 0, sizeof(h));
	h.spi_i = sa->spi_i;
	h.spi_r = sa->spi_r;
	h.version = IKE_VERSION;
	h.exch = exch;
	/* 3.1: we are the original initiator in every message. */
	h.flags = IKE_FLAG_INITIATOR | (response ? IKE_FLAG_RESPONSE : 0);
	h.msgid = response ? msgid : sa->msgid;
	if ((r = ike_msg_begin(c, *bp, &h)) != 0 ||
	    (r = ike_msg_sk_begin(c, ike_sk_iv_len(&sa->sk))) != 0) {
		buf_free(*bp);
		*bp = NULL;
	}
	return r;
}

/*
 * Tells the gateway we give up, once and without waiting (2.21.2 allows
 * this one exception to "no new exchange because of a response"): with a
 * DELETE of the IKE SA when the gateway already counts it as established,
 * else with AUTHENTICATION_FAILED, which ends a half-made SA.
 */
void
ike_init__abandon(struct ike_init *sa, int established)
{
	struct ike_pld_delete del;
	struct ike_pld_notify n;
	struct ike_chain c;
	struct buf *b;
	int r;

	if (!sa->have_sk || ike_init__msg_begin(sa, IKE_EXCH_INFORMATIONAL, 0,
	    0, &b, &c) != 0)
		return;
	if (established) {
		memset(&del, 0, sizeof(del));
		del.proto = IKE_PROTO_IKE;
		r = ike_pld_add_delete(&c, &del);
	} else {
		memset(&n, 0, sizeof(n));
		n.type = IKE_N_AUTHENTICATION_FAILED;
		r = ike_pld_add_notify(&c, &n);
	}
	if (r == 0 && ike_sk_seal(&sa->sk, &c, 1) == 0)
		xmit(sa, b);
	buf_free(b);
	sa->msgid++;
}

/* Makes a key pair of group for KE. */
static int
make_ke(struct ike_init *sa, uint16_t group)
{
	const struct xform_dh *dh;

	if ((dh = xform_find_dh(group)) == NULL)
		return -E_NOTSUP;
	if (sa->dhst != NULL) {
		sa->dh->free(sa->dhst);
		sa->dhst = NULL;
	}
	sa->dh = dh;
	sa->ke_group = group;
	return dh->keygen(&sa->dhst, NULL, 0, sa->ke_pub);
}

/* The IKE_SA_INIT request (1.2), with the cookie first when the
 * responder asked for one (2.6). */
static int
send_init(struct ike_init *sa)
{
	struct ike_msg_hdr h;
	struct ike_chain c;
	struct ike_pld_notify n;
	struct ike_pld_ke ke;
	struct ike_pld_nonce ni;
	uint8_t hs[IKE_NATD_LEN], hd[IKE_NATD_LEN];
	struct buf *b;
	int r = -E_INTERNAL;

	if ((b = buf_new(MSG_MAX)) == NULL)
		return -E_NOMEM;
	memset(&h, 0, sizeof(h));
	h.spi_i = sa->spi_i;
	h.version = IKE_VERSION;
	h.exch = IKE_EXCH_SA_INIT;
	h.flags = IKE_FLAG_INITIATOR;
	memset(&n, 0, sizeof(n));
	if ((r = ike_msg_begin(&c, b, &h)) != 0)
		goto out;
	if (sa->cookie_len > 0) {
		n.type = IKE_N_COOKIE;
		n.data = span_make(sa->cookie, sa->cookie_len);
		if ((r = ike_pld_add_notify(&c, &n)) != 0)
			goto out;
	}
	ke.group = sa->ke_group;
	ke.data = span_make(sa->ke_pub, sa->dh->pub_len);
	ni.data = span_make(sa->ni, sizeof(sa->ni));
	/* 2.23: in the request SPIr is zero. A forced NAT-T sends a source
	 * hash that cannot match, drawn once so that a retry carries the
	 * same payloads (2.6). */
	if (sa->force_natt)
		memcpy(hs, sa->natd_fake, sizeof(hs));
	else if ((r = ike_keys_natd(sa->spi_i, 0, &sa->path.local, hs)) != 0)
		goto out;
	if ((r = ike_keys_natd(sa->spi_i, 0, &sa->path.remote, hd)) != 0 ||
	    (r = ike_prop_add_offer_ike(&c, sa->propv, sa->nprops)) != 0 ||
	    (r = ike_pld_add_ke(&c, &ke)) != 0 ||
	    (r = ike_pld_add_nonce(&c, &ni)) != 0)
		goto out;
	n.type = IKE_N_NAT_DETECTION_SOURCE_IP;
	n.data = span_make(hs, sizeof(hs));
	if ((r = ike_pld_add_notify(&c, &n)) != 0)
		goto out;
	n.type = IKE_N_NAT_DETECTION_DESTINATION_IP;
	n.data = span_make(hd, sizeof(hd));
	if ((r = ike_pld_add_notify(&c, &n)) != 0)
		goto out;
	/* RFC 7427 4: the hashes we can verify signatures with. */
	n.type = IKE_N_SIGNATURE_HASH_ALGORITHMS;
	n.data = ike_auth_hashes_ours();
	if ((r = ike_pld_add_notify(&c, &n)) != 0 ||
	    (r = ike_msg_finish(&c)) != 0 ||
	    (r = copy_span(&sa->init_req, buf_span(b))) != 0)
		goto out;
	r = ike_init__send_request(sa, REQ_INIT, IKE_EXCH_SA_INIT, b);
	b = NULL;
out:
	buf_free(b);
	return r;
}

int
ike_init_start(struct ike_init *sa, uint64_t now_ms)
{
	char gs[NET_ADDRSTRLEN];
	size_t i, j;
	int r;

	if (sa->state != IKE_INIT_S_IDLE)
		return -E_STATE;
	sa->now = now_ms;
	/* KE goes with the first group we offer that we can compute. */
	for (i = 0; i < sa->nprops && sa->ke_group == 0; i++)
		for (j = 0; j < sa->propv[i]->ngroup; j++)
			if (xform_find_dh(sa->propv[i]->group[j]) != NULL) {
				sa->ke_group = sa->propv[i]->group[j];
				break;
			}
	if (sa->ke_group == 0)
		return -E_NOENT;
	if ((r = xform_random(sa->ni, sizeof(sa->ni))) != 0 ||
	    (r = xform_random(sa->natd_fake, sizeof(sa->natd_fake))) != 0 ||
	    (r = make_ke(sa, sa->ke_group)) != 0)
		return r;
	sa->state = IKE_INIT_S_INIT;
	if ((r = send_init(sa)) != 0) {
		stop(sa);
		sa->state = IKE_INIT_S_IDLE;
		return r;
	}
	log_debug(SUB_IKE, "IKE_SA_INIT to %s, SPIi %016llx, KE group %u",
	    gw_str(sa, gs, sizeof(gs)), (unsigned long long)sa->spi_i,
	    sa->ke_group);
	return 0;
}

/* The response to IKE_SA_INIT: a retry request (COOKIE, INVALID_KE),
 * an error, or SA, KE and Nr, from which the keys come (2.14). */
static void
handle_init_resp(struct ike_init *sa, const struct ike_msg *m,
    struct span dgram)
{
	struct ike_pld_notify n;
	struct ike_pld_ke ke;
	struct ike_pld_nonce nr;
	struct ike_keys_suite suite;
	struct span body;
	uint8_t shared[XFORM_MAX_DH_PUB_LEN], skeyseed[XFORM_MAX_HASH_LEN];
	uint8_t spi_i[8], spi_r[8], bad;
	char gs[NET_ADDRSTRLEN], algs[IKE_PROP_STRLEN];
	uint16_t group, nt;
	size_t i;
	int r;

	gw_str(sa, gs, sizeof(gs));
	if (m->hdr.msgid != 0 || ike_msg_verify(m, &bad) != 0) {
		sa->st.rx_invalid++;
		return;
	}
	/* 2.6: "try again with this cookie", and every other payload as
	 * it was. */
	if (ike_msg_find_notify(m, IKE_N_COOKIE, &n) == 0 &&
	    ike_msg_find(m, IKE_PLD_SA, 0) < 0) {
		if (n.data.len == sa->cookie_len && sa->cookie_len > 0 &&
		    memcmp(n.data.p, sa->cookie, n.data.len) == 0) {
			/* A duplicate of the answer we acted on. */
			sa->st.rx_retransmit++;
			return;
		}
		if (n.data.len == 0 || n.data.len > IKE_COOKIE_MAX ||
		    sa->init_retries >= INIT_RETRIES) {
			fail(sa, IKE_INIT_ERR_PROTOCOL, IKE_N_COOKIE);
			return;
		}
		memcpy(sa->cookie, n.data.p, n.data.len);
		sa->cookie_len = n.data.len;
		sa->init_retries++;
		sa->st.init_retries++;
		log_debug(SUB_IKE, "%s asks for a cookie", gs);
		if (send_init(sa) != 0)
			fail(sa, IKE_INIT_ERR_INTERNAL, 0);
		return;
	}
	/* 1.2, 3.4: "use this group"; it must be one we offered. */
	if (ike_msg_find_notify(m, IKE_N_INVALID_KE_PAYLOAD, &n) == 0) {
		if (n.data.len != 2) {
			fail(sa, IKE_INIT_ERR_PROTOCOL,
			    IKE_N_INVALID_KE_PAYLOAD);
			return;
		}
		group = (uint16_t)(n.data.p[0] << 8 | n.data.p[1]);
		if (group == sa->ke_group) {
			/* Already retried with it: a late duplicate. */
			sa->st.rx_retransmit++;
			return;
		}
		if (!ike_prop_offers_group(sa->propv, sa->nprops, group) ||
		    sa->init_retries >= INIT_RETRIES) {
			fail(sa, IKE_INIT_ERR_NO_PROPOSAL,
			    IKE_N_INVALID_KE_PAYLOAD);
			return;
		}
		log_debug(SUB_IKE, "%s wants KE group %u instead of %u", gs,
		    group, sa->ke_group);
		sa->init_retries++;
		sa->st.init_retries++;
		if (make_ke(sa, group) != 0 || send_init(sa) != 0)
			fail(sa, IKE_INIT_ERR_INTERNAL, 0);
		return;
	}
	if ((nt = ike_msg_first_error(m)) != 0) {
		fail(sa, nt == IKE_N_NO_PROPOSAL_CHOSEN ?
		    IKE_INIT_ERR_NO_PROPOSAL : IKE_INIT_ERR_PROTOCOL, nt);
		return;
	}
	if (m->hdr.spi_r == 0 ||
	    ike_msg_body(m, IKE_PLD_SA, &body) != 0 ||
	    ike_pld_parse_sa(body, &sa->sa_pld) != 0 ||
	    ike_msg_body(m, IKE_PLD_KE, &body) != 0 ||
	    ike_pld_parse_ke(body, &ke) != 0 ||
	    ike_msg_body(m, IKE_PLD_NONCE, &body) != 0 ||
	    ike_pld_parse_nonce(body, &nr) != 0) {
		fail(sa, IKE_INIT_ERR_PROTOCOL, 0);
		return;
	}
	/* 3.3.6: the choice must be one we offered; 1.2: its group is the
	 * one of our KE, or the responder would have asked for another. */
	if (ike_prop_accept_ike(sa->propv, sa->nprops, &sa->sa_pld,
	    &sa->prop) != 0 || sa->prop.dh != sa->ke_group ||
	    ke.group != sa->ke_group) {
		fail(sa, IKE_INIT_ERR_NO_PROPOSAL, 0);
		return;
	}
	sa->spi_r = m->hdr.spi_r;
	if (ke.data.len != sa->dh->pub_len ||
	    (r = sa->dh->derive(sa->dhst, ke.data, shared)) != 0) {
		fail(sa, IKE_INIT_ERR_PROTOCOL, 0);
		goto out;
	}
	memcpy(sa->nr, nr.data.p, nr.data.len);
	sa->nr_len = nr.data.len;
	ike_prop_ike_suite(&sa->prop, &suite);
	ike_keys_spi_put(sa->spi_i, spi_i);
	ike_keys_spi_put(sa->spi_r, spi_r);
	if ((sa->prf = ike_prop_prf(&sa->prop)) == NULL ||
	    ike_keys_skeyseed(sa->prf, span_make(sa->ni, sizeof(sa->ni)),
	    nr.data, span_make(shared, sa->dh->shared_len), skeyseed) != 0 ||
	    ike_keys_derive(&sa->keys, sa->prf, &suite,
	    span_make(skeyseed, sa->prf->out_len),
	    span_make(sa->ni, sizeof(sa->ni)), nr.data, spi_i, spi_r) != 0 ||
	    ike_sk_init(&sa->sk, &suite, &sa->keys) != 0 ||
	    copy_span(&sa->init_resp, dgram) != 0) {
		fail(sa, IKE_INIT_ERR_INTERNAL, 0);
		goto out;
	}
	sa->have_sk = 1;
	sa->dh->free(sa->dhst);
	sa->dhst = NULL;
	for (i = 0; i < m->npld; i++)
		if (m->pld[i].type == IKE_PLD_NOTIFY &&
		    ike_pld_parse_notify(m->pld[i].body, &n) == 0 &&
		    n.type == IKE_N_SIGNATURE_HASH_ALGORITHMS &&
		    ike_auth_hashes_parse(n.data, &sa->peer_hashes) != 0)
			sa->peer_hashes = 0;
	/* The gateway's source hash tells whether it is behind a NAT, its
	 * destination hash whether we are (2.23). */
	ike_keys_natd_check(m, sa->spi_i, sa->spi_r, &sa->path.remote,
	    &sa->path.local, &sa->nat_peer, &sa->nat_local);
	ike_init__req_done(sa);
	/* 2.23: with a NAT on the way (or NAT-T forced), everything from
	 * IKE_AUTH on goes to the NAT-T port. */
	if (sa->nat_local || sa->nat_peer || sa->force_natt) {
		set_port(&sa->path.remote, sa->nat_port);
		if (sa->local_nat_port != 0)
			set_port(&sa->path.local, sa->local_nat_port);
		sa->path.natt = 1;
	}
	if (ike_prop_ike_str(&sa->prop, algs, sizeof(algs)) != 0)
		algs[sizeof(algs) - 1] = '\0';
	log_debug(SUB_IKE, "IKE_SA_INIT with %s done: SPIs %016llx/%016llx "
	    "%s%s%s", gs, (unsigned long long)sa->spi_i,
	    (unsigned long long)sa->spi_r, algs,
	    sa->nat_local ? ", we are behind a NAT" : "",
	    sa->nat_peer ? ", the gateway is behind a NAT" : "");
	ct_wipe(shared, sizeof(shared));
	ct_wipe(skeyseed, sizeof(skeyseed));
	if ((r = send_auth(sa)) != 0) {
		log_warn_e(SUB_IKE, r, "cannot build IKE_AUTH for %s", gs);
		fail(sa, r == -E_NOENT ? IKE_INIT_ERR_NO_PROPOSAL :
		    IKE_INIT_ERR_INTERNAL, 0);
	}
	return;
out:
	ct_wipe(shared, sizeof(shared));
	ct_wipe(skeyseed, sizeof(skeyseed));
}

/* Our ID (3.5): configured, else the certificate's subject; a resume
 * presents the session-id as KEY_ID (DESIGN.md step 4). Its payload body
 * goes to sa->idi for the AUTH octets (2.15). */
static int
our_id(struct ike_init *sa, struct ike_pld_id *id)
{
	int r;

	if (sa->mode == IKE_INIT_RESUME) {
		id->type = IKE_ID_KEY_ID;
		id->data = buf_span(sa->session_id);
	} else if (sa->lid_type != 0) {
		id->type = sa->lid_type;
		id->data = buf_span(sa->lid);
	} else if ((r = ike_auth_cert_id(sa->x509, sa->certs[0], id)) != 0)
		return r;
	buf_free(sa->idi);
	if ((sa->idi = buf_new(4 + id->data.len)) == NULL)
		return -E_NOMEM;
	return ike_auth_id_body(id, sa->idi);
}

/* The octets one side authenticates (2.15): ours (InitiatorSignedOctets)
 * or the gateway's (ResponderSignedOctets). */
static void
auth_input(const struct ike_init *sa, int ours, struct ike_auth_input *in)
{
	memset(in, 0, sizeof(*in));
	in->prf = sa->prf;
	if (ours) {
		in->sk_p = span_make(sa->keys.sk_pi, sa->keys.prf_len);
		in->init_msg = buf_span(sa->init_req);
		in->nonce = span_make(sa->nr, sa->nr_len);
		in->id_body = buf_span(sa->idi);
	} else {
		in->sk_p = span_make(sa->keys.sk_pr, sa->keys.prf_len);
		in->init_msg = buf_span(sa->init_resp);
		in->nonce = span_make(sa->ni, sizeof(sa->ni));
		in->id_body = sa->idr != NULL ? buf_span(sa->idr) :
		    span_make(NULL, 0);
	}
}

/* Appends our AUTH payload: a signature, or a shared-key MAC keyed by
 * the PSK, the session token (a resume) or the EAP MSK (2.16). */
static int
add_auth(struct ike_init *sa, struct ike_chain *c)
{
	struct ike_auth_input in;
	struct ike_pld_auth auth;
	uint8_t mac[XFORM_MAX_HASH_LEN];
	struct buf *sig = NULL;
	struct span secret;
	size_t maclen;
	int r = -E_INTERNAL;

	auth_input(sa, 1, &in);
	memset(&auth, 0, sizeof(auth));
	if (sa->mode == IKE_INIT_CERT && !sa->have_msk) {
		if ((sig = buf_new(1 + IKE_AUTH_ALGID_MAX +
		    IKE_AUTH_SIG_MAX)) == NULL) {
			r = -E_NOMEM;
			goto out;
		}
		if ((r = ike_auth_sign(sa->sig, sa->key, &in, sa->peer_hashes,
		    0, &auth.method, NULL, sig)) != 0)
			goto out;
		auth.data = buf_span(sig);
	} else {
		if (sa->have_msk)
			secret = span_make(sa->msk, sizeof(sa->msk));
		else if (sa->mode == IKE_INIT_RESUME)
			secret = buf_span(sa->token);
		else
			secret = buf_span(sa->psk);
		if ((r = ike_auth_psk(&in, secret, mac, &maclen)) != 0)
			goto out;
		auth.method = IKE_AUTH_SHARED_KEY_MIC;
		auth.data = span_make(mac, maclen);
	}
	r = ike_pld_add_auth(c, &auth);
out:
	ct_wipe(mac, sizeof(mac));
	buf_free(sig);
	return r;
}

/* The whole IPv4 space, any protocol and port. */
/* s[0] = 0.0.0.0/0, s[1] = ::/0, every protocol and port. */
static void
sel_any(struct child_sa_sel s[static 2])
{
	memset(s, 0, 2 * sizeof(*s));
	s[0].family = AF_INET;
	s[0].eport = 65535;
	memset(s[0].end, 0xff, 4);
	s[1].family = AF_INET6;
	s[1].eport = 65535;
	memset(s[1].end, 0xff, 16);
}

/*
 * The first IKE_AUTH request (1.2): IDi, [CERT...], [CERTREQ], [IDr],
 * [AUTH] (none for EAP, 2.16), CP(CFG_REQUEST), SA, TSi, TSr.
 */
static int
send_auth(struct ike_init *sa)
{
	struct ike_pld_id id, rid;
	struct ike_pld_cert cert;
	struct ike_pld_certreq cr;
	struct ike_pld_ts tsi, tsr;
	struct child_sa_sel any[2];
	struct ike_chain c;
	struct buf *b = NULL, *crb = NULL;
	uint16_t attrs[7];
	size_t i, nattrs = 0;
	int r = -E_INTERNAL;

	if ((r = our_id(sa, &id)) != 0 ||
	    (r = child_sa_spi_alloc(sa->ops.spi_taken, sa->ops.arg, NULL,
	    &sa->spi_in)) != 0 ||
	    (r = ike_init__msg_begin(sa, IKE_EXCH_AUTH, 0, 0, &b, &c)) != 0 ||
	    (r = ike_pld_add_id(&c, IKE_PLD_IDI, &id)) != 0)
		goto out;
	for (i = 0; sa->mode == IKE_INIT_CERT && i < sa->ncerts; i++)
		if ((r = ike_auth_cert_payload(sa->x509, sa->certs[i],
		    &cert)) != 0 || (r = ike_pld_add_cert(&c, &cert)) != 0)
			goto out;
	if (sa->ncas > 0) {
		/* 3.7: name the CAs we trust. strongSwan, by default, sends
		 * its certificate only to a peer that asks. */
		if ((crb = buf_new(sa->ncas * XFORM_X509_KEYID_LEN)) == NULL) {
			r = -E_NOMEM;
			goto out;
		}
		cr.enc = IKE_CERT_X509_SIG;
		if ((r = ike_auth_certreq_data(sa->x509, sa->cas, sa->ncas,
		    crb)) != 0)
			goto out;
		cr.data = buf_span(crb);
		if ((r = ike_pld_add_certreq(&c, &cr)) != 0)
			goto out;
	}
	if (sa->rid_type != 0) {
		rid.type = sa->rid_type;
		rid.data = buf_span(sa->rid);
		if ((r = ike_pld_add_id(&c, IKE_PLD_IDR, &rid)) != 0)
			goto out;
	}
	if (sa->mode != IKE_INIT_EAP && (r = add_auth(sa, &c)) != 0)
		goto out;
	/* 3.15.1: empty attributes ask, for an address of each family
	 * (a gateway without an IPv6 pool just gives none); RFC 8598 for
	 * the domain. */
	attrs[nattrs++] = IKE_CP_INTERNAL_IP4_ADDRESS;
	attrs[nattrs++] = IKE_CP_INTERNAL_IP4_DNS;
	attrs[nattrs++] = IKE_CP_INTERNAL_IP6_ADDRESS;
	attrs[nattrs++] = IKE_CP_INTERNAL_IP6_DNS;
	attrs[nattrs++] = IKE_CP_INTERNAL_DNS_DOMAIN;
	if (sa->want_session || sa->mode == IKE_INIT_RESUME) {
		attrs[nattrs++] = sa->sid_attr;
		attrs[nattrs++] = sa->tok_attr;
	}
	/* 2.9, 3.15: TSi is the whole space of both families while we
	 * have no address; the gateway narrows it to those it gives. */
	sel_any(any);
	if ((r = ike_cp_add_request(&c, attrs, nattrs)) != 0 ||
	    (r = ike_prop_add_offer_esp(&c, &sa->esp, sa->spi_in)) != 0 ||
	    (r = child_sa_ts_pld(any, 2, &tsi)) != 0 ||
	    (r = child_sa_ts_pld(sa->tsr, sa->ntsr, &tsr)) != 0 ||
	    (r = ike_pld_add_ts(&c, IKE_PLD_TSI, &tsi)) != 0 ||
	    (r = ike_pld_add_ts(&c, IKE_PLD_TSR, &tsr)) != 0 ||
	    (r = ike_sk_seal(&sa->sk, &c, 1)) != 0)
		goto out;
	sa->state = IKE_INIT_S_AUTH;
	r = ike_init__send_request(sa, REQ_AUTH, IKE_EXCH_AUTH, b);
	b = NULL;
out:
	buf_free(b);
	buf_free(crb);
	return r;
}

/* Returns 1 when the gateway's identity id (borrowed) is the configured
 * one (or none is configured). */
static int
id_matches(const struct ike_init *sa, const struct ike_pld_id *id)
{
	struct span want;
	size_t i;
	int a, b;

	if (sa->rid_type == 0)
		return 1;
	want = buf_span(sa->rid);
	if (id->type != sa->rid_type || id->data.len != want.len)
		return 0;
	if (id->type != IKE_ID_FQDN && id->type != IKE_ID_RFC822_ADDR)
		return span_eq(id->data, want);
	for (i = 0; i < want.len; i++) {
		a = id->data.p[i];
		b = want.p[i];
		if (a >= 'A' && a <= 'Z')
			a += 'a' - 'A';
		if (b >= 'A' && b <= 'Z')
			b += 'a' - 'A';
		if (a != b)
			return 0;
	}
	return 1;
}

/*
 * Authenticates the gateway from the IDr, CERT and AUTH payloads of m
 * (2.15): its identity must be the configured one; a signature must come
 * from a certificate that chains to our CAs and names that identity; a
 * shared-key MAC is accepted only when we have a PSK. Returns 0, -E_AUTH
 * or -E_NOMEM.
 */
static int
verify_peer(struct ike_init *sa, const struct ike_msg *m)
{
	struct ike_pld_cert certs[IKE_AUTH_MAX_CERTS];
	struct ike_auth_input in;
	struct ike_pld_auth auth;
	struct ike_pld_id id;
	enum xform_sig_scheme scheme;
	struct span body;
	void *key = NULL;
	size_t i, n = 0;
	int idx, r;

	if ((idx = ike_msg_find(m, IKE_PLD_IDR, 0)) < 0 ||
	    ike_pld_parse_id(m->pld[idx].body, &id) != 0 ||
	    ike_msg_body(m, IKE_PLD_AUTH, &body) != 0 ||
	    ike_pld_parse_auth(body, &auth) != 0 || !id_matches(sa, &id))
		return -E_AUTH;
	if (copy_span(&sa->idr, m->pld[idx].body) != 0)
		return -E_NOMEM;
	auth_input(sa, 0, &in);
	if (auth.method == IKE_AUTH_SHARED_KEY_MIC) {
		if (sa->psk == NULL || sa->mode == IKE_INIT_RESUME)
			return -E_AUTH;
		return ike_auth_psk_verify(&in, buf_span(sa->psk),
		    auth.data) == 0 ? 0 : -E_AUTH;
	}
	if (sa->ncas == 0 || sa->x509 == NULL)
		return -E_AUTH;
	for (i = 0; i < m->npld && n < IKE_AUTH_MAX_CERTS; i++)
		if (m->pld[i].type == IKE_PLD_CERT &&
		    ike_pld_parse_cert(m->pld[i].body, &certs[n]) == 0)
			n++;
	if ((r = ike_auth_peer_cert(sa->x509, certs, n, sa->cas, sa->ncas,
	    &id, sa->ops.wall != NULL ? sa->ops.wall(sa->ops.arg) :
	    (int64_t)time(NULL), &key)) != 0)
		return r == -E_NOMEM ? r : -E_AUTH;
	r = ike_auth_verify(sa->x509->sig, key, &in, auth.method, auth.data,
	    &scheme);
	sa->x509->sig->key_free(key);
	if (r != 0)
		return r == -E_NOMEM ? r : -E_AUTH;
	log_debug(SUB_IKE, "gateway authenticated with %s",
	    ike_auth_scheme_name(scheme));
	return 0;
}

static int
sel_eq(const struct child_sa_sel *a, const struct child_sa_sel *b)
{
	size_t n = a->family == AF_INET ? 4 : 16;

	return a->family == b->family && a->proto == b->proto &&
	    a->sport == b->sport && a->eport == b->eport &&
	    memcmp(a->start, b->start, n) == 0 &&
	    memcmp(a->end, b->end, n) == 0;
}

/*
 * Reads the narrowed selectors t (borrowed) into out[0..*n): each must lie
 * within one of ours[0..nours) (2.9: a responder narrows, never widens).
 * Selector types we do not know are skipped. Returns 0, -E_RANGE (one is
 * wider than what we asked), -E_NOENT (none left) or a conversion error.
 */
int
ike_init__read_ts(const struct ike_pld_ts *t, const struct child_sa_sel *ours,
    size_t nours, struct child_sa_sel *out, size_t *n)
{
	struct child_sa_sel s, x;
	size_t i, j;
	int r;

	*n = 0;
	for (i = 0; i < t->nts && *n < CHILD_SA_MAX_TS; i++) {
		if ((r = child_sa_sel_from_pld(&t->ts[i], &s)) == -E_NOTSUP)
			continue;
		if (r != 0)
			return r;
		for (j = 0; j < nours; j++)
			if (child_sa_sel_intersect(&s, &ours[j], &x) == 0 &&
			    sel_eq(&x, &s))
				break;
		if (j == nours)
			return -E_RANGE;
		out[(*n)++] = s;
	}
	return *n > 0 ? 0 : -E_NOENT;
}

/* Returns 1 when address a lies in one of sel[0..n). */
static int
sel_has(const struct child_sa_sel *sel, size_t n, const struct pool_addr *a)
{
	size_t i, len = pool_addr_len(a);

	for (i = 0; i < n; i++)
		if (sel[i].family == a->family &&
		    memcmp(sel[i].start, a->a, len) <= 0 &&
		    memcmp(a->a, sel[i].end, len) <= 0)
			return 1;
	return 0;
}

/* Copies a domain name for display: printable ASCII only ('?' for the
 * rest), cut to IKE_INIT_DOMAIN_MAX bytes. */
static void
copy_domain(char *dst, struct span d)
{
	size_t i, n = d.len < IKE_INIT_DOMAIN_MAX ? d.len :
	    IKE_INIT_DOMAIN_MAX;

	for (i = 0; i < n; i++)
		dst[i] = d.p[i] > 0x20 && d.p[i] < 0x7f ? (char)d.p[i] : '?';
	dst[n] = '\0';
}

/* Reads the CFG_REPLY of m into the result (3.15). */
static int
read_cp(struct ike_init *sa, const struct ike_msg *m)
{
	struct ike_init_result *res = &sa->res;
	struct ike_cp_reply rep;
	struct ike_pld_cp cp;
	struct span body, v;
	uint16_t extra[2];
	size_t i;
	int r;

	if (ike_msg_body(m, IKE_PLD_CP, &body) != 0)
		return 0;
	extra[0] = sa->sid_attr;
	extra[1] = sa->tok_attr;
	if ((r = ike_pld_parse_cp(body, &cp)) != 0 ||
	    (r = ike_cp_parse_reply(&cp, extra, 2, &rep)) != 0)
		return r;
	res->vip = rep.v4;
	res->vip6 = rep.v6;
	res->vip6_prefix = rep.v6_prefix;
	memcpy(res->dns, rep.dns, sizeof(rep.dns));
	res->ndns = rep.ndns;
	copy_domain(res->domain, rep.domain);
	for (i = 0; i < rep.nsplit; i++) {
		res->split[i].addr = rep.split[i].addr;
		res->split[i].len = rep.split[i].len;
	}
	res->nsplit = rep.nsplit;
	for (i = 0; i < rep.nextra; i++) {
		v = rep.extra[i].value;
		if (v.len > IKE_INIT_SECRET_MAX)
			continue;
		if (rep.extra[i].type == sa->sid_attr) {
			memcpy(res->session_id, v.p, v.len);
			res->session_id_len = v.len;
		} else if (rep.extra[i].type == sa->tok_attr) {
			ct_wipe(res->token, sizeof(res->token));
			memcpy(res->token, v.p, v.len);
			res->token_len = v.len;
		}
	}
	return 0;
}

/*
 * The last response of IKE_AUTH: CFG_REPLY, the ESP SA, the narrowed
 * selectors, and the CHILD SA keys (2.17). A CHILD SA error (the IKE SA
 * is up at the gateway, 2.21.2) deletes the IKE SA: a remote-access
 * client has no use for it.
 */
static void
finish_child(struct ike_init *sa, const struct ike_msg *m)
{
	struct ike_init_result *res = &sa->res;
	struct child_sa_sel any[2];
	struct ike_pld_ts tsi, tsr;
	struct ike_prop_esp esp;
	struct ike_keys_suite suite;
	struct child_sa_ts ts;
	struct span body;
	char gs[NET_ADDRSTRLEN], vs[POOL_ADDR_STRLEN];
	uint16_t nt;
	int r;

	if ((nt = ike_msg_first_error(m)) != 0) {
		ike_init__abandon(sa, 1);
		fail(sa, IKE_INIT_ERR_CHILD, nt);
		return;
	}
	if (sa->mode == IKE_INIT_RESUME) {
		/* A token is rotated only when a new one comes (the
		 * gateway's rule): until then the old one stays valid. */
		memcpy(res->session_id, buf_span(sa->session_id).p,
		    buf_len(sa->session_id));
		res->session_id_len = buf_len(sa->session_id);
		memcpy(res->token, buf_span(sa->token).p, buf_len(sa->token));
		res->token_len = buf_len(sa->token);
	}
	if (read_cp(sa, m) != 0) {
		ike_init__abandon(sa, 1);
		fail(sa, IKE_INIT_ERR_PROTOCOL, 0);
		return;
	}
	if (ike_msg_body(m, IKE_PLD_SA, &body) != 0 ||
	    ike_pld_parse_sa(body, &sa->sa_pld) != 0 ||
	    ike_prop_accept_esp(&sa->esp, &sa->sa_pld, &esp) != 0) {
		ike_init__abandon(sa, 1);
		fail(sa, IKE_INIT_ERR_NO_PROPOSAL, 0);
		return;
	}
	sel_any(any);
	memset(&ts, 0, sizeof(ts));
	if (ike_msg_body(m, IKE_PLD_TSI, &body) != 0 ||
	    ike_pld_parse_ts(body, &tsi) != 0 ||
	    ike_msg_body(m, IKE_PLD_TSR, &body) != 0 ||
	    ike_pld_parse_ts(body, &tsr) != 0 ||
	    ike_init__read_ts(&tsi, any, 2, ts.i, &ts.ni) != 0 ||
	    ike_init__read_ts(&tsr, sa->tsr, sa->ntsr, ts.r, &ts.nr) != 0 ||
	    (res->vip.family != 0 && !sel_has(ts.i, ts.ni, &res->vip)) ||
	    (res->vip6.family != 0 && !sel_has(ts.i, ts.ni, &res->vip6))) {
		ike_init__abandon(sa, 1);
		fail(sa, IKE_INIT_ERR_CHILD, IKE_N_TS_UNACCEPTABLE);
		return;
	}
	ike_prop_esp_suite(&esp, &suite);
	if ((r = child_sa_init(&res->child, sa->spi_in, &esp, &ts,
	    (const struct sockaddr *)&sa->path.remote, sa->now)) != 0 ||
	    (r = ike_keys_child_derive(&res->child.keys, sa->prf,
	    span_make(sa->keys.sk_d, sa->keys.prf_len), &suite,
	    span_make(NULL, 0), span_make(sa->ni, sizeof(sa->ni)),
	    span_make(sa->nr, sa->nr_len))) != 0) {
		ike_init__abandon(sa, 1);
		fail(sa, IKE_INIT_ERR_INTERNAL, 0);
		return;
	}
	/* 2.17: we sent the request, so our outbound SA takes the "i"
	 * keys. */
	res->child.we_initiated = 1;
	res->child.life_bytes = sa->life_bytes;
	res->spi_i = sa->spi_i;
	res->spi_r = sa->spi_r;
	res->path = sa->path;
	res->nat_local = sa->nat_local;
	res->nat_peer = sa->nat_peer;
	res->resumed = sa->mode == IKE_INIT_RESUME;
	if (ike_prop_ike_str(&sa->prop, res->ike_algs,
	    sizeof(res->ike_algs)) != 0)
		res->ike_algs[sizeof(res->ike_algs) - 1] = '\0';
	if (ike_prop_esp_str(&esp, res->esp_algs, sizeof(res->esp_algs)) != 0)
		res->esp_algs[sizeof(res->esp_algs) - 1] = '\0';
	sa->have_res = 1;
	sa->state = IKE_INIT_S_ESTABLISHED;
	sa->last_rx = sa->now;
	ike_init__rekey_arm(sa, sa->now + sa->rekey_ms);
	ike_init__ike_rekey_arm(sa, sa->now + sa->ike_rekey_ms);
	if (sa->dpd_ms > 0) {
		sa->dpd_at = sa->now + sa->dpd_ms;
		if (timer_add(sa->th, &sa->t_dpd, sa->dpd_at) != 0)
			log_warnx(SUB_IKE, "cannot arm dead peer detection");
	}
	log_info(SUB_IKE, "connected to %s%s: IKE SA %016llx/%016llx, "
	    "address %s, IKE %s, ESP %s", gw_str(sa, gs, sizeof(gs)),
	    res->resumed ? " (session resumed)" : "",
	    (unsigned long long)sa->spi_i, (unsigned long long)sa->spi_r,
	    res->vip.family != 0 ? pool_addr_ntop(&res->vip, vs) : "none",
	    res->ike_algs, res->esp_algs);
	if (sa->ops.established != NULL)
		sa->ops.established(sa->ops.arg, sa, res);
}

/* Sends the next IKE_AUTH request carrying the EAP packet e (borrowed). */
static int
send_eap(struct ike_init *sa, struct buf *e)
{
	struct ike_chain c;
	struct buf *b;
	int r;

	if ((r = ike_init__msg_begin(sa, IKE_EXCH_AUTH, 0, 0, &b, &c)) != 0)
		return r;
	if ((r = ike_pld_add_raw(&c, IKE_PLD_EAP, 0, buf_span(e))) != 0 ||
	    (r = ike_sk_seal(&sa->sk, &c, 1)) != 0) {
		buf_free(b);
		return r;
	}
	return ike_init__send_request(sa, REQ_EAP, IKE_EXCH_AUTH, b);
}

/* After EAP Success: IKE_AUTH with our AUTH keyed by the MSK (2.16). */
static int
send_final(struct ike_init *sa)
{
	struct ike_chain c;
	struct buf *b;
	int r;

	if ((r = ike_init__msg_begin(sa, IKE_EXCH_AUTH, 0, 0, &b, &c)) != 0)
		return r;
	if ((r = add_auth(sa, &c)) != 0 ||
	    (r = ike_sk_seal(&sa->sk, &c, 1)) != 0) {
		buf_free(b);
		return r;
	}
	sa->state = IKE_INIT_S_EAP_AUTH;
	return ike_init__send_request(sa, REQ_EAP_AUTH, IKE_EXCH_AUTH, b);
}

/*
 * The EAP payload of an IKE_AUTH response (2.16): a request of the
 * gateway, answered in our next IKE_AUTH request, or the final Success
 * (then our MSK-based AUTH goes) or Failure.
 */
static void
handle_eap(struct ike_init *sa, const struct ike_msg *m)
{
	enum eap_mschapv2_peer_status st;
	struct ike_pld_eap ep;
	struct eap_pkt pkt;
	struct span body, v;
	struct buf *e = NULL;
	uint8_t nak = EAP_TYPE_MSCHAPV2;
	int r = -E_INTERNAL;

	if (ike_msg_body(m, IKE_PLD_EAP, &body) != 0 ||
	    ike_pld_parse_eap(body, &ep) != 0 ||
	    eap_parse(ep.msg, &pkt) != 0) {
		ike_init__abandon(sa, 0);
		fail(sa, IKE_INIT_ERR_PROTOCOL, ike_msg_first_error(m));
		return;
	}
	switch (pkt.code) {
	case EAP_CODE_SUCCESS:
		/* Only once the gateway's "S=" was verified: an early
		 * Success would skip its proof (RFC 2759 8.7), and there is
		 * no MSK before it. */
		if (sa->eap_failing ||
		    eap_mschapv2_peer_msk(sa->eap, sa->msk) != 0) {
			ike_init__abandon(sa, 0);
			fail(sa, sa->eap_failing ? sa->eap_fail :
			    IKE_INIT_ERR_PEER_AUTH, 0);
			return;
		}
		sa->have_msk = 1;
		if ((r = send_final(sa)) == 0)
			return;
		break;
	case EAP_CODE_FAILURE:
		fail(sa, sa->eap_failing ? sa->eap_fail : IKE_INIT_ERR_AUTH,
		    ike_msg_first_error(m));
		return;
	case EAP_CODE_REQUEST:
		if ((e = buf_new(EAP_MAX_LEN)) == NULL) {
			r = -E_NOMEM;
			break;
		}
		switch (pkt.type) {
		case EAP_TYPE_IDENTITY:
			/* RFC 3748 5.1. */
			v = buf_span(sa->eap_identity);
			r = eap_build(e, EAP_CODE_RESPONSE, pkt.id,
			    EAP_TYPE_IDENTITY, &v, 1);
			break;
		case EAP_TYPE_NOTIFICATION:
			/* RFC 3748 5.2: acknowledged, Type-Data empty. */
			r = eap_build(e, EAP_CODE_RESPONSE, pkt.id,
			    EAP_TYPE_NOTIFICATION, NULL, 0);
			break;
		case EAP_TYPE_MSCHAPV2:
			if ((r = eap_mschapv2_peer_process(sa->eap, ep.msg, e,
			    &st)) != 0 || st == EAP_MSCHAPV2_PEER_CONTINUE)
				break;
			/* Our Failure response goes; the EAP-Failure that
			 * answers it ends the attempt. */
			sa->eap_failing = 1;
			if (st == EAP_MSCHAPV2_PEER_BAD_SERVER) {
				log_info(SUB_IKE, "the gateway's EAP-MSCHAPv2 "
				    "authenticator response is wrong: it does "
				    "not know the password");
				sa->eap_fail = IKE_INIT_ERR_PEER_AUTH;
			} else
				sa->eap_fail = IKE_INIT_ERR_AUTH;
			break;
		default:
			/* RFC 3748 5.3.1: Nak, naming the method we do. */
			v = span_make(&nak, 1);
			r = eap_build(e, EAP_CODE_RESPONSE, pkt.id,
			    EAP_TYPE_NAK, &v, 1);
			break;
		}
		if (r == 0)
			r = send_eap(sa, e);
		buf_free(e);
		if (r == 0)
			return;
		break;
	default:
		r = -E_SYNTAX;
		break;
	}
	ike_init__abandon(sa, 0);
	fail(sa, r == -E_NOMEM || r == -E_CRYPTO ? IKE_INIT_ERR_INTERNAL :
	    IKE_INIT_ERR_PROTOCOL, 0);
}

/* The response to the first IKE_AUTH request. */
static void
handle_auth_resp(struct ike_init *sa, const struct ike_msg *m)
{
	uint16_t nt = ike_msg_first_error(m);
	int r;

	if (ike_msg_find(m, IKE_PLD_AUTH, 0) < 0) {
		/* 2.21.2: AUTHENTICATION_FAILED, and nothing else, when the
		 * gateway refuses us (or a resume). */
		if (nt == IKE_N_AUTHENTICATION_FAILED)
			fail(sa, sa->mode == IKE_INIT_RESUME ?
			    IKE_INIT_ERR_RESUME : IKE_INIT_ERR_AUTH, nt);
		else
			fail(sa, IKE_INIT_ERR_PROTOCOL, nt);
		return;
	}
	if ((r = verify_peer(sa, m)) != 0) {
		/* With EAP the gateway waits for more; otherwise it counts
		 * the SA as established. */
		ike_init__abandon(sa, sa->mode != IKE_INIT_EAP);
		fail(sa, r == -E_AUTH ? IKE_INIT_ERR_PEER_AUTH :
		    IKE_INIT_ERR_INTERNAL, 0);
		return;
	}
	if (sa->mode == IKE_INIT_EAP) {
		sa->state = IKE_INIT_S_EAP;
		handle_eap(sa, m);
		return;
	}
	finish_child(sa, m);
}

/* A response during EAP. */
static void
handle_eap_resp(struct ike_init *sa, const struct ike_msg *m)
{
	uint16_t nt;

	if (ike_msg_find(m, IKE_PLD_EAP, 0) < 0) {
		nt = ike_msg_first_error(m);
		fail(sa, nt == IKE_N_AUTHENTICATION_FAILED ?
		    IKE_INIT_ERR_AUTH : IKE_INIT_ERR_PROTOCOL, nt);
		return;
	}
	handle_eap(sa, m);
}

/* The last response after EAP: the gateway's AUTH keyed by the MSK
 * (2.16) and the CHILD SA. */
static void
handle_final_resp(struct ike_init *sa, const struct ike_msg *m)
{
	struct ike_auth_input in;
	struct ike_pld_auth auth;
	struct span body;
	uint16_t nt;

	if (ike_msg_body(m, IKE_PLD_AUTH, &body) != 0) {
		nt = ike_msg_first_error(m);
		fail(sa, nt == IKE_N_AUTHENTICATION_FAILED ?
		    IKE_INIT_ERR_AUTH : IKE_INIT_ERR_PROTOCOL, nt);
		return;
	}
	auth_input(sa, 0, &in);
	if (ike_pld_parse_auth(body, &auth) != 0 ||
	    auth.method != IKE_AUTH_SHARED_KEY_MIC ||
	    ike_auth_psk_verify(&in, span_make(sa->msk, sizeof(sa->msk)),
	    auth.data) != 0) {
		ike_init__abandon(sa, 1);
		fail(sa, IKE_INIT_ERR_PEER_AUTH, 0);
		return;
	}
	finish_child(sa, m);
}

static int
start_delete(struct ike_init *sa)
{
	struct ike_pld_delete del;
	struct ike_chain c;
	struct buf *b;
	int r;

	if ((r = ike_init__msg_begin(sa, IKE_EXCH_INFORMATIONAL, 0, 0, &b,
	    &c)) != 0)
		return r;
	/* 3.11: the IKE SA is named by the header; no SPI. */
	memset(&del, 0, sizeof(del));
	del.proto = IKE_PROTO_IKE;
	if ((r = ike_pld_add_delete(&c, &del)) != 0 ||
	    (r = ike_sk_seal(&sa->sk, &c, 1)) != 0) {
		buf_free(b);
		return r;
	}
	sa->delete_pending = 0;
	return ike_init__send_request(sa, REQ_DELETE, IKE_EXCH_INFORMATIONAL,
	    b);
}

static void
dpd_arm(struct ike_init *sa, uint64_t at)
{
	if (sa->dpd_ms == 0 || sa->state != IKE_INIT_S_ESTABLISHED)
		return;
	sa->dpd_at = at;
	if (timer_add(sa->th, &sa->t_dpd, at) != 0)
		log_warnx(SUB_IKE, "cannot arm dead peer detection");
}

/* A DELETE the user asked for while a request was in flight goes now.
 * Returns 1 when it did (or the SA ended). */
int
ike_init__delete_if_pending(struct ike_init *sa)
{
	if (!sa->delete_pending)
		return 0;
	if (start_delete(sa) != 0)
		ike_init__report_down(sa, IKE_INIT_DOWN_CLOSED);
	return 1;
}

/* A response to our liveness check or DELETE. */
static void
handle_info_resp(struct ike_init *sa, enum req_kind k)
{
	ike_init__req_done(sa);
	if (k == REQ_DELETE) {
		ike_init__report_down(sa, IKE_INIT_DOWN_CLOSED);
		return;
	}
	if (!ike_init__delete_if_pending(sa))
		dpd_arm(sa, sa->now + sa->dpd_ms);
}

/* m asks to rekey the IKE SA (2.18): its SA payload proposes IKE. */
static int
asks_ike_rekey(struct ike_init *sa, const struct ike_msg *m)
{
	struct span body;

	return ike_msg_body(m, IKE_PLD_SA, &body) == 0 &&
	    ike_pld_parse_sa(body, &sa->sa_pld) == 0 &&
	    sa->sa_pld.nprop > 0 && sa->sa_pld.prop[0].proto == IKE_PROTO_IKE;
}

/*
 * A request of the gateway (we are its responder on our own IKE SA):
 * INFORMATIONAL with or without DELETEs (1.4, 1.4.1), a rekey of the
 * CHILD SA (answered) or of the IKE SA (TEMPORARY_FAILURE, then ours),
 * anything else refused, and so is a malformed request (m NULL) with
 * INVALID_SYNTAX.
 * The response is cached for a retransmitted request (2.1).
 */
static void
handle_request(struct ike_init *sa, const struct ike_msg_hdr *h,
    const struct ike_msg *m)
{
	struct ike_pld_delete del;
	struct ike_pld_notify n;
	struct ike_chain c;
	struct buf *b = NULL;
	struct child_sa nc;
	uint8_t grpb[2];
	size_t i, nours = 0;
	uint32_t spi, mine[2];
	uint16_t grp = 0;
	int del_ike = 0, del_child = 0, del_old = 0, rekeyed = 0;
	int ike_rekey = 0, r;

	for (i = 0; m != NULL && h->exch == IKE_EXCH_INFORMATIONAL &&
	    i < m->npld; i++) {
		if (m->pld[i].type != IKE_PLD_DELETE ||
		    ike_pld_parse_delete(m->pld[i].body, &del) != 0)
			continue;
		if (del.proto == IKE_PROTO_IKE)
			del_ike = 1;
		else if (del.proto == IKE_PROTO_ESP && sa->have_res)
			/* 3.11: the SPIs the sender receives with, which
			 * are our outbound ones. */
			while (span_get_u32(&del.spis, &spi) == 0) {
				if (spi == sa->res.child.spi_out)
					del_child = 1;
				else if (sa->have_old &&
				    spi == sa->old_spi_out)
					del_old = 1;
			}
	}
	if ((r = ike_init__msg_begin(sa, h->exch, 1, h->msgid, &b, &c)) != 0)
		return;
	memset(&n, 0, sizeof(n));
	if (h->exch == IKE_EXCH_CREATE_CHILD_SA && m != NULL) {
		/* 2.25: not while a rekey of ours, or its DELETE, is in
		 * flight; a CHILD SA other than a rekey is refused; the
		 * IKE SA we rekey ourselves instead. */
		if (asks_ike_rekey(sa, m)) {
			n.type = IKE_N_TEMPORARY_FAILURE;
			ike_rekey = sa->state == IKE_INIT_S_ESTABLISHED;
		} else if (sa->state != IKE_INIT_S_ESTABLISHED ||
		    !sa->have_res || sa->ops.child_rekeyed == NULL)
			n.type = IKE_N_NO_ADDITIONAL_SAS;
		else if (sa->have_old || sa->req_kind == REQ_REKEY)
			n.type = IKE_N_TEMPORARY_FAILURE;
		else if ((n.type = ike_init__answer_rekey(sa, m, &c, &nc,
		    &grp)) == 0)
			rekeyed = 1;
		else if (n.type == ANSWER_NONE) {
			buf_free(b);
			return;
		}
		if (n.type == IKE_N_INVALID_KE_PAYLOAD) {
			grpb[0] = (uint8_t)(grp >> 8);
			grpb[1] = (uint8_t)grp;
			n.data = span_make(grpb, sizeof(grpb));
		}
		r = rekeyed ? 0 : ike_pld_add_notify(&c, &n);
	} else if (m == NULL || h->exch != IKE_EXCH_INFORMATIONAL) {
		n.type = IKE_N_INVALID_SYNTAX;
		r = ike_pld_add_notify(&c, &n);
	} else if (!del_ike && (del_child || del_old)) {
		/* 1.4.1: answer with our half of each pair (the one our
		 * rekey replaced included). */
		if (del_child)
			mine[nours++] = sa->res.child.spi_in;
		if (del_old)
			mine[nours++] = sa->old_spi_in;
		r = ike_pld_add_delete_esp(&c, mine, nours);
	}
	if (r != 0 || ike_sk_seal(&sa->sk, &c, 1) != 0) {
		if (rekeyed)
			child_sa_cleanup(&nc);
		buf_free(b);
		return;
	}
	buf_free(sa->last_resp);
	sa->last_resp = b;
	xmit(sa, b);
	if (rekeyed)
		ike_init__take_gateway_rekey(sa, &nc);
	if (ike_rekey)
		ike_init__ike_rekey_instead(sa);
	if (del_ike) {
		if (sa->state == IKE_INIT_S_ESTABLISHED)
			ike_init__report_down(sa, IKE_INIT_DOWN_DELETED);
		else if (sa->state == IKE_INIT_S_DELETING)
			ike_init__report_down(sa, IKE_INIT_DOWN_CLOSED);
		else
			fail(sa, IKE_INIT_ERR_PROTOCOL, 0);
		return;
	}
	if (del_old)
		ike_init__retire_old(sa);
	if (del_child && sa->state == IKE_INIT_S_ESTABLISHED) {
		sa->have_res = 0;
		timer_del(sa->th, &sa->t_rekey);
		ike_init__report_down(sa, IKE_INIT_DOWN_CHILD_DELETED);
	}
}

void
ike_init_input(struct ike_init *sa, struct span dgram,
    const struct net_path *p, uint64_t now_ms)
{
	struct ike_msg *m = &sa->msg;
	struct ike_msg_hdr *h = &m->hdr;
	struct span plain;
	enum req_kind k;
	uint8_t first, bad;
	char ps[NET_ADDRSTRLEN];
	int r;

	if (now_ms > sa->now)
		sa->now = now_ms;
	sa->st.rx++;
	if (sa->state == IKE_INIT_S_IDLE || sa->state == IKE_INIT_S_DONE ||
	    dgram.len > sizeof(sa->rx)) {
		sa->st.rx_invalid++;
		return;
	}
	/* Our own copy: the SK payload is opened in place. */
	memcpy(sa->rx, dgram.p, dgram.len);
	dgram = span_make(sa->rx, dgram.len);
	/* Only the original responder talks to us (3.1: I clear). */
	if ((r = ike_msg_parse(dgram, m)) != 0 || h->spi_i != sa->spi_i ||
	    (h->flags & IKE_FLAG_INITIATOR)) {
		sa->st.rx_invalid++;
		if (r != 0 && log_ratelimit_ok(&rl_input, 5))
			log_debug(SUB_IKE, "malformed IKE message from %s: %s",
			    net_addr_str((const struct sockaddr *)&p->remote,
			    ps, sizeof(ps)), err_str(r));
		return;
	}
	if (h->flags & IKE_FLAG_RESPONSE) {
		if (sa->state == IKE_INIT_S_INIT) {
			if (h->exch != IKE_EXCH_SA_INIT) {
				sa->st.rx_invalid++;
				return;
			}
			handle_init_resp(sa, m, dgram);
			return;
		}
		if (!sa->have_sk || h->spi_r != sa->spi_r ||
		    sa->req_kind == REQ_NONE || h->msgid != sa->msgid ||
		    h->exch != sa->req_exch) {
			/* Most often the gateway's answer to a request we
			 * sent again, after we got the first one. */
			if (h->msgid < sa->msgid)
				sa->st.rx_retransmit++;
			else
				sa->st.rx_invalid++;
			return;
		}
		if (ike_sk_open(&sa->sk, m, sa->rx, dgram.len, 0, &plain,
		    &first) != 0) {
			/* 2.21.1: drop what fails its integrity check. */
			sa->st.rx_invalid++;
			return;
		}
		sa->last_rx = sa->now;
		k = sa->req_kind;
		if ((r = ike_msg_parse_inner(h, first, plain,
		    &sa->inner)) != 0 ||
		    (r = ike_msg_verify(&sa->inner, &bad)) != 0) {
			if (k == REQ_DPD || k == REQ_DELETE) {
				/* It is an answer all the same. */
				handle_info_resp(sa, k);
				return;
			}
			if (k == REQ_DEL_CHILD) {
				ike_init__handle_del_child_resp(sa);
				return;
			}
			if (k == REQ_REKEY) {
				ike_init__req_done(sa);
				ike_init__rekey_failed(sa,
				    "malformed response", 0);
				return;
			}
			if (k == REQ_IKE_REKEY) {
				ike_init__req_done(sa);
				ike_init__ike_rekey_failed(sa,
				    "malformed response", 0);
				return;
			}
			ike_init__req_done(sa);
			ike_init__abandon(sa, 0);
			fail(sa, IKE_INIT_ERR_PROTOCOL, 0);
			return;
		}
		switch (k) {
		case REQ_AUTH:
			ike_init__req_done(sa);
			handle_auth_resp(sa, &sa->inner);
			break;
		case REQ_EAP:
			ike_init__req_done(sa);
			handle_eap_resp(sa, &sa->inner);
			break;
		case REQ_EAP_AUTH:
			ike_init__req_done(sa);
			handle_final_resp(sa, &sa->inner);
			break;
		case REQ_DPD:
		case REQ_DELETE:
			handle_info_resp(sa, k);
			break;
		case REQ_REKEY:
			ike_init__req_done(sa);
			ike_init__handle_rekey_resp(sa, &sa->inner);
			break;
		case REQ_DEL_CHILD:
			ike_init__handle_del_child_resp(sa);
			break;
		case REQ_IKE_REKEY:
			ike_init__req_done(sa);
			ike_init__handle_ike_rekey_resp(sa, &sa->inner);
			break;
		default:
			sa->st.rx_invalid++;
			break;
		}
		return;
	}
	/* A request of the gateway. */
	if (!sa->have_sk || h->spi_r != sa->spi_r) {
		sa->st.rx_invalid++;
		return;
	}
	/* 2.1: its retransmission gets our answer again, as it was. */
	if (h->msgid + 1 == sa->peer_msgid && sa->last_resp != NULL) {
		sa->st.rx_retransmit++;
		xmit(sa, sa->last_resp);
		return;
	}
	if (h->msgid != sa->peer_msgid ||
	    ike_sk_open(&sa->sk, m, sa->rx, dgram.len, 0, &plain,
	    &first) != 0) {
		sa->st.rx_invalid++;
		return;
	}
	sa->peer_msgid++;
	sa->last_rx = sa->now;
	if (ike_msg_parse_inner(h, first, plain, &sa->inner) != 0 ||
	    ike_msg_verify(&sa->inner, &bad) != 0) {
		/* Protected but malformed: answered with an error (2.21.2)
		 * so that the gateway does not retransmit forever. */
		sa->st.rx_invalid++;
		handle_request(sa, h, NULL);
		return;
	}
	handle_request(sa, h, &sa->inner);
}

/* 2.1, 2.4: the outstanding request again, after twice the previous
 * wait; when the tries are used up, the gateway is gone. */
static void
on_retx(struct timer *t, void *arg)
{
	struct ike_init *sa = arg;
	uint64_t now = ike_init__clock_now(sa, sa->retx_at);

	(void)t;
	if (sa->req == NULL)
		return;
	if (sa->retx >= sa->retx_tries) {
		switch (sa->req_kind) {
		case REQ_DPD:
		case REQ_REKEY:
		case REQ_DEL_CHILD:
		case REQ_IKE_REKEY:
			ike_init__report_down(sa, sa->delete_pending ?
			    IKE_INIT_DOWN_CLOSED : IKE_INIT_DOWN_DEAD);
			return;
		case REQ_DELETE:
			ike_init__report_down(sa, IKE_INIT_DOWN_CLOSED);
			return;
		default:
			fail(sa, IKE_INIT_ERR_TIMEOUT, 0);
			return;
		}
	}
	sa->retx++;
	sa->st.retransmits++;
	xmit(sa, sa->req);
	sa->retx_at = now + ((uint64_t)sa->retx_base << sa->retx);
	if (timer_add(sa->th, &sa->t_retx, sa->retx_at) != 0) {
		if (sa->req_kind == REQ_DPD || sa->req_kind == REQ_DELETE ||
		    sa->req_kind == REQ_REKEY ||
		    sa->req_kind == REQ_DEL_CHILD ||
		    sa->req_kind == REQ_IKE_REKEY)
			ike_init__report_down(sa, IKE_INIT_DOWN_DEAD);
		else
			fail(sa, IKE_INIT_ERR_INTERNAL, 0);
	}
}

/* Dead peer detection on demand (1.4, RFC 3706's idea in IKEv2): an empty
 * INFORMATIONAL only after dpd_ms without a word from the gateway. */
static void
on_dpd(struct timer *t, void *arg)
{
	struct ike_init *sa = arg;
	uint64_t now = ike_init__clock_now(sa, sa->dpd_at);
	struct ike_chain c;
	struct buf *b;

	(void)t;
	if (sa->state != IKE_INIT_S_ESTABLISHED)
		return;
	if (sa->last_rx + sa->dpd_ms > now) {
		dpd_arm(sa, sa->last_rx + sa->dpd_ms);
		return;
	}
	/* A request in flight proves liveness by itself (or not). */
	if (sa->req_kind != REQ_NONE) {
		dpd_arm(sa, now + sa->dpd_ms);
		return;
	}
	if (ike_init__msg_begin(sa, IKE_EXCH_INFORMATIONAL, 0, 0, &b, &c) != 0)
		goto again;
	if (ike_sk_seal(&sa->sk, &c, 1) != 0) {
		buf_free(b);
		goto again;
	}
	sa->st.dpd_sent++;
	log_debug(SUB_IKE, "liveness check of the gateway, SPIs "
	    "%016llx/%016llx", (unsigned long long)sa->spi_i,
	    (unsigned long long)sa->spi_r);
	if (ike_init__send_request(sa, REQ_DPD, IKE_EXCH_INFORMATIONAL, b) != 0)
		ike_init__report_down(sa, IKE_INIT_DOWN_DEAD);
	return;
again:
	dpd_arm(sa, now + sa->dpd_ms);
}

int
ike_init_delete(struct ike_init *sa, uint64_t now_ms)
{
	int r;

	if (sa->state != IKE_INIT_S_ESTABLISHED)
		return -E_STATE;
	if (now_ms > sa->now)
		sa->now = now_ms;
	sa->state = IKE_INIT_S_DELETING;
	timer_del(sa->th, &sa->t_dpd);
	/* 2.3: one request at a time; the DELETE follows the one in
	 * flight. */
	if (sa->req_kind != REQ_NONE) {
		sa->delete_pending = 1;
		return 0;
	}
	if ((r = start_delete(sa)) != 0)
		sa->state = IKE_INIT_S_ESTABLISHED;
	return r;
}

void
ike_init_alive(struct ike_init *sa, uint64_t now_ms)
{
	if (now_ms > sa->now)
		sa->now = now_ms;
	if (now_ms > sa->last_rx)
		sa->last_rx = now_ms;
}

uint64_t
ike_init_spi(const struct ike_init *sa, uint64_t *spi_r)
{
	if (spi_r != NULL)
		*spi_r = sa->spi_r;
	return sa->spi_i;
}

enum ike_init_state
ike_init_state(const struct ike_init *sa)
{
	return sa->state;
}

const struct ike_init_result *
ike_init_result(const struct ike_init *sa)
{
	return sa->have_res || sa->state == IKE_INIT_S_ESTABLISHED ||
	    sa->state == IKE_INIT_S_DELETING ? &sa->res : NULL;
}

void
ike_init_stats(const struct ike_init *sa, struct ike_init_stats *st)
{
	*st = sa->st;
}

/* Copies s into a new buf (NULL when s is empty: *dst stays NULL). */
static int
copy_opt(struct buf **dst, struct span s, size_t max)
{
	if (s.len == 0)
		return 0;
	if (s.len > max)
		return -E_INVAL;
	return copy_span(dst, s);
}

static int
path_ok(const struct net_path *p)
{
	int f = p->remote.ss_family;

	return (f == AF_INET || f == AF_INET6) && p->local.ss_family == f;
}

int
ike_init_new(const struct ike_init_conf *conf, struct timer_heap *th,
    const struct ike_init_ops *ops, struct ike_init **out)
{
	struct ike_init *sa = NULL;
	uint8_t b[8], nt_hash[EAP_MSCHAPV2_NT_HASH_LEN];
	size_t i;
	int r = -E_INVAL;

	*out = NULL;
	if (ops == NULL || ops->send == NULL || th == NULL ||
	    !path_ok(&conf->path) || conf->nike > IKE_INIT_MAX_PROPS ||
	    conf->ncerts > IKE_INIT_MAX_CERTS ||
	    conf->ncas > IKE_INIT_MAX_CAS || conf->ntsr > IKE_INIT_MAX_TS ||
	    (conf->ncas > 0 && conf->cas == NULL) ||
	    (conf->ntsr > 0 && conf->tsr == NULL) ||
	    (conf->nike > 0 && conf->ike == NULL) ||
	    (conf->local_id_type == 0) != (conf->local_id.len == 0) ||
	    (conf->remote_id_type == 0) != (conf->remote_id.len == 0))
		return -E_INVAL;
	switch (conf->mode) {
	case IKE_INIT_EAP:
		if (conf->local_id_type == 0 || conf->eap_identity.len == 0 ||
		    conf->eap_identity.len > EAP_MSCHAPV2_NAME_MAX ||
		    (conf->nt_hash == NULL && conf->password.len == 0))
			return -E_INVAL;
		break;
	case IKE_INIT_PSK:
		if (conf->local_id_type == 0 || conf->psk.len == 0)
			return -E_INVAL;
		break;
	case IKE_INIT_CERT:
		if (conf->key == NULL || conf->ncerts == 0 ||
		    conf->certs == NULL || xform_find_x509() == NULL)
			return -E_INVAL;
		break;
	case IKE_INIT_RESUME:
		if (conf->session_id.len == 0 || conf->token.len == 0 ||
		    conf->session_id.len > IKE_INIT_SECRET_MAX ||
		    conf->token.len > IKE_INIT_SECRET_MAX)
			return -E_INVAL;
		break;
	default:
		return -E_INVAL;
	}
	if ((sa = calloc(1, sizeof(*sa))) == NULL)
		return -E_NOMEM;
	sa->th = th;
	sa->ops = *ops;
	/* First: ike_init_free disarms them on every path. */
	timer_init(&sa->t_retx, on_retx, sa);
	timer_init(&sa->t_dpd, on_dpd, sa);
	timer_init(&sa->t_rekey, ike_init__on_rekey, sa);
	timer_init(&sa->t_ike_rekey, ike_init__on_ike_rekey, sa);
	sa->mode = conf->mode;
	sa->path = conf->path;
	sa->path.natt = 0;
	sa->nat_port = conf->nat_port != 0 ? conf->nat_port :
	    IKE_INIT_NAT_PORT;
	sa->local_nat_port = conf->local_nat_port;
	sa->force_natt = conf->force_natt != 0;
	sa->lid_type = conf->local_id_type;
	sa->rid_type = conf->remote_id_type;
	sa->key = conf->key;
	sa->ncerts = conf->ncerts;
	for (i = 0; i < conf->ncerts; i++)
		sa->certs[i] = conf->certs[i];
	sa->ncas = conf->ncas;
	for (i = 0; i < conf->ncas; i++)
		sa->cas[i] = conf->cas[i];
	sa->want_session = conf->want_session != 0;
	sa->sid_attr = conf->session_id_attr != 0 ? conf->session_id_attr :
	    CFG_SESSION_ID_ATTR;
	sa->tok_attr = conf->session_token_attr != 0 ?
	    conf->session_token_attr : CFG_SESSION_TOKEN_ATTR;
	if (conf->nike == 0) {
		sa->props[0] = builtin_ike;
		sa->nprops = 1;
	} else
		for (i = 0; i < conf->nike; i++)
			if (conf->ike[i] != NULL)
				sa->props[sa->nprops++] = *conf->ike[i];
	for (i = 0; i < sa->nprops; i++) {
		/* The copy is ours: no pointer into the caller's config. */
		sa->props[i].name = NULL;
		sa->propv[i] = &sa->props[i];
	}
	sa->esp = conf->esp != NULL ? *conf->esp : builtin_esp;
	sa->esp.name = NULL;
	if (conf->ntsr == 0) {
		sel_any(sa->tsr);
		sa->ntsr = 2;
	} else {
		for (i = 0; i < conf->ntsr; i++)
			if (conf->tsr[i].family != AF_INET &&
			    conf->tsr[i].family != AF_INET6)
				goto fail;
		memcpy(sa->tsr, conf->tsr, conf->ntsr * sizeof(*conf->tsr));
		sa->ntsr = conf->ntsr;
	}
	sa->retx_base = conf->retx_base_ms != 0 ? conf->retx_base_ms :
	    IKE_INIT_RETX_BASE_MS;
	sa->retx_tries = conf->retx_tries != 0 ? conf->retx_tries :
	    IKE_INIT_RETX_TRIES;
	/* Bounds the backoff shift; 16 doublings is hours already. */
	if (sa->retx_tries > 16)
		sa->retx_tries = 16;
	sa->dpd_ms = conf->dpd_ms;
	sa->rekey_ms = conf->rekey_ms;
	sa->life_bytes = conf->life_bytes;
	sa->ike_rekey_ms = conf->ike_rekey_ms;
	sa->x509 = xform_find_x509();
	sa->sig = sa->x509 != NULL ? sa->x509->sig : xform_find_sig();
	sa->eap_fail = IKE_INIT_ERR_AUTH;
	if ((r = copy_opt(&sa->lid, conf->local_id, IKE_INIT_ID_MAX)) != 0 ||
	    (r = copy_opt(&sa->rid, conf->remote_id, IKE_INIT_ID_MAX)) != 0 ||
	    (r = copy_opt(&sa->psk, conf->psk, IKE_INIT_SECRET_MAX)) != 0)
		goto fail;
	if (conf->mode == IKE_INIT_EAP) {
		if ((r = copy_opt(&sa->eap_identity, conf->eap_identity,
		    EAP_MSCHAPV2_NAME_MAX)) != 0)
			goto fail;
		if (conf->nt_hash != NULL)
			memcpy(nt_hash, conf->nt_hash, sizeof(nt_hash));
		else if ((r = eap_mschapv2_nt_hash(conf->password,
		    nt_hash)) != 0)
			goto fail;
		if ((r = eap_mschapv2_peer_new(conf->eap_identity, nt_hash,
		    NULL, &sa->eap)) != 0)
			goto fail;
	}
	if (conf->mode == IKE_INIT_RESUME &&
	    ((r = copy_opt(&sa->session_id, conf->session_id,
	    IKE_INIT_SECRET_MAX)) != 0 ||
	    (r = copy_opt(&sa->token, conf->token,
	    IKE_INIT_SECRET_MAX)) != 0))
		goto fail;
	/* 2.6: a random SPIi, never zero (3.1). */
	do {
		if ((r = xform_random(b, sizeof(b))) != 0)
			goto fail;
		ike_init__spi_from_bytes(b, &sa->spi_i);
	} while (sa->spi_i == 0);
	sa->state = IKE_INIT_S_IDLE;
	ct_wipe(nt_hash, sizeof(nt_hash));
	*out = sa;
	return 0;
fail:
	ct_wipe(nt_hash, sizeof(nt_hash));
	ike_init_free(sa);
	return r;
}

void
ike_init_free(struct ike_init *sa)
{
	if (sa == NULL)
		return;
	stop(sa);
	ike_sk_cleanup(&sa->sk);
	ike_keys_cleanup(&sa->keys);
	child_sa_cleanup(&sa->res.child);
	buf_free(sa->lid);
	buf_free(sa->rid);
	buf_free(sa->eap_identity);
	eap_mschapv2_peer_free(sa->eap);
	buf_free(sa->psk);
	buf_free(sa->session_id);
	buf_free(sa->token);
	buf_free(sa->init_req);
	buf_free(sa->init_resp);
	buf_free(sa->idi);
	buf_free(sa->idr);
	buf_free(sa->last_resp);
	ct_wipe(sa, sizeof(*sa));
	free(sa);
}
