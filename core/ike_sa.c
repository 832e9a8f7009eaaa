/*
 * ike_sa.c: the IKEv2 responder state machine.
 *
 * Every message goes through the same steps: decode and check the header
 * and the payload chain (ike_msg), find the IKE SA by SPI, apply the
 * message-ID window (RFC 7296 2.3; a retransmitted request gets the cached
 * response again), open the SK payload, then dispatch on the exchange and
 * on the SA's state. Responses are built with the codec, sealed in place
 * and cached before they are sent.
 */
#include "config.h"

#include <netinet/in.h>
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/child_sa.h"
#include "core/ct.h"
#include "core/eap_mschapv2.h"
#include "core/ike_keys.h"
#include "core/ike_msg.h"
#include "core/ike_sa.h"
#include "core/ike_sa_int.h"
#include "core/ike_sk.h"
#include "core/log.h"
#include "core/pool.h"
#include "core/session.h"
#include "core/sessiondb.h"
#include "core/xform.h"

struct log_ratelimit ike_sa__rl_input;

/* Hashing: SPIs are random, but an attacker chooses SPIi, so mix it with
 * a secret before taking the bucket. */
static size_t
bucket(const struct ike_ctx *ctx, uint64_t v, uint64_t salt)
{
	uint64_t x = (v ^ ctx->hash_key[0]) + salt;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL ^ ctx->hash_key[1];
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return (size_t)(x & (ctx->nbuckets - 1));
}

static uint64_t
path_salt(const struct net_path *p)
{
	const uint8_t *b = (const uint8_t *)&p->remote;
	uint64_t h = 1469598103934665603ULL;
	size_t i, n = p->remote.ss_family == AF_INET ?
	    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);

	for (i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ULL;
	return h;
}

static int
same_remote(const struct net_path *a, const struct net_path *b)
{
	size_t n = a->remote.ss_family == AF_INET ?
	    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);

	return a->remote.ss_family == b->remote.ss_family &&
	    memcmp(&a->remote, &b->remote, n) == 0;
}

struct ike_sa *
ike_sa__find_by_r(struct ike_ctx *ctx, uint64_t spi_r)
{
	struct ike_sa *sa;

	for (sa = ctx->by_r[bucket(ctx, spi_r, 0)]; sa; sa = sa->next_r)
		if (sa->spi_r == spi_r)
			return sa;
	return NULL;
}

static struct ike_sa *
find_by_i(struct ike_ctx *ctx, uint64_t spi_i, const struct net_path *p)
{
	struct ike_sa *sa;

	for (sa = ctx->by_i[bucket(ctx, spi_i, path_salt(p))]; sa;
	    sa = sa->next_i)
		if (sa->spi_i == spi_i && same_remote(&sa->init_path, p))
			return sa;
	return NULL;
}

static void
unlink_sa(struct ike_ctx *ctx, struct ike_sa *sa)
{
	struct ike_sa **pp;
	int found = 0;

	for (pp = &ctx->by_r[bucket(ctx, sa->spi_r, 0)]; *pp;
	    pp = &(*pp)->next_r)
		if (*pp == sa) {
			*pp = sa->next_r;
			found++;
			break;
		}
	for (pp = &ctx->by_i[bucket(ctx, sa->spi_i,
	    path_salt(&sa->init_path))];
	    *pp; pp = &(*pp)->next_i)
		if (*pp == sa) {
			*pp = sa->next_i;
			found++;
			break;
		}
	/* An SA left in a chain would be used after it is freed: its keys
	 * must not have changed since ike_sa__link_sa. */
	assert(found == 2);
	(void)found;
	if (sa->prev_all)
		sa->prev_all->next_all = sa->next_all;
	else
		ctx->all = sa->next_all;
	if (sa->next_all)
		sa->next_all->prev_all = sa->prev_all;
	ctx->nsa--;
}

/* Doubles the tables when they hold more SAs than buckets, so lookups
 * stay O(1). On allocation failure the tables just stay as they are. */
static void
maybe_grow(struct ike_ctx *ctx)
{
	struct ike_sa **nr, **ni, *sa;
	size_t n = ctx->nbuckets * 2;

	if (ctx->nsa < ctx->nbuckets)
		return;
	nr = calloc(n, sizeof(*nr));
	ni = calloc(n, sizeof(*ni));
	if (nr == NULL || ni == NULL) {
		free(nr);
		free(ni);
		return;
	}
	free(ctx->by_r);
	free(ctx->by_i);
	ctx->by_r = nr;
	ctx->by_i = ni;
	ctx->nbuckets = n;
	for (sa = ctx->all; sa; sa = sa->next_all) {
		size_t br = bucket(ctx, sa->spi_r, 0);
		size_t bi = bucket(ctx, sa->spi_i,
		    path_salt(&sa->init_path));

		sa->next_r = nr[br];
		nr[br] = sa;
		sa->next_i = ni[bi];
		ni[bi] = sa;
	}
}

void
ike_sa__link_sa(struct ike_ctx *ctx, struct ike_sa *sa)
{
	size_t br, bi;

	ctx->nsa++;
	maybe_grow(ctx);
	br = bucket(ctx, sa->spi_r, 0);
	bi = bucket(ctx, sa->spi_i, path_salt(&sa->init_path));
	sa->next_r = ctx->by_r[br];
	ctx->by_r[br] = sa;
	sa->next_i = ctx->by_i[bi];
	ctx->by_i[bi] = sa;
	sa->next_all = ctx->all;
	sa->prev_all = NULL;
	if (ctx->all)
		ctx->all->prev_all = sa;
	ctx->all = sa;
}

const char *
ike_sa__peer_str(const struct ike_sa *sa, char *buf, size_t len)
{
	return net_addr_str((const struct sockaddr *)&sa->path.remote, buf,
	    len);
}

/* The SA no longer has its addresses (its session holds the leases). */
void
ike_sa__vip_forget(struct ike_sa *sa)
{
	sa->nvip = 0;
	sa->vip_leased = 0;
}

void
ike_sa__release_vip(struct ike_sa *sa)
{
	char a[POOL_ADDR_STRLEN];
	size_t i;

	for (i = 0; sa->vip_leased && i < sa->nvip; i++)
		if (pool_release(sa->pool[i], &sa->vip[i]) != 0)
			log_warnx(SUB_IKE, "address %s was not leased",
			    pool_addr_ntop(&sa->vip[i], a));
	ike_sa__vip_forget(sa);
}

/* Returns the address of family the SA has, or NULL. */
const struct pool_addr *
ike_sa__vip_of(const struct ike_sa *sa, int family)
{
	size_t i;

	for (i = 0; i < sa->nvip; i++)
		if (sa->vip[i].family == family)
			return &sa->vip[i];
	return NULL;
}

/* Writes the SA's addresses for logs: "198.18.20.2", "198.18.20.2 and
 * 2001:2:0:20::2", or "none". */
const char *
ike_sa__vip_str(const struct ike_sa *sa, char *buf, size_t len)
{
	char a[POOL_ADDR_STRLEN], b[POOL_ADDR_STRLEN];

	if (sa->nvip == 0)
		snprintf(buf, len, "none");
	else if (sa->nvip == 1)
		snprintf(buf, len, "%s", pool_addr_ntop(&sa->vip[0], a));
	else
		snprintf(buf, len, "%s and %s", pool_addr_ntop(&sa->vip[0],
		    a), pool_addr_ntop(&sa->vip[1], b));
	return buf;
}

void
ike_sa__remove_child(struct ike_sa *sa)
{
	struct ike_ctx *ctx = sa->ctx;

	ike_sa__rekey_finish(sa, 0);
	timer_del(ctx->th, &sa->t_life);
	if (sa->child == NULL)
		return;
	if (ctx->io.child_down != NULL)
		ctx->io.child_down(ctx->io.arg, sa->child);
	child_sa_free(sa->child);
	sa->child = NULL;
	ctx->st.child_sas--;
}

/* Frees sa and everything it holds: its CHILD SA leaves the data plane
 * and its address goes back to the pool. */
void
ike_sa__sa_destroy(struct ike_sa *sa, const char *why)
{
	struct ike_ctx *ctx = sa->ctx;
	char ps[NET_ADDRSTRLEN];

	if (sa->state == IKE_S_ESTABLISHED || why != NULL)
		log_info(SUB_IKE, "IKE SA %016llx/%016llx with %s deleted%s%s",
		    (unsigned long long)sa->spi_i, (unsigned long long)sa->spi_r,
		    ike_sa__peer_str(sa, ps, sizeof(ps)), why ? ": " : "",
		    why ? why : "");
	if (sa->state == IKE_S_HALF_OPEN)
		ctx->st.half_open--;
	if (sa->pred != NULL)
		sa->pred->succ = NULL;
	if (sa->succ != NULL)
		sa->succ->pred = NULL;
	timer_del(ctx->th, &sa->t_half_open);
	timer_del(ctx->th, &sa->t_dpd);
	ike_sa__life_abort(sa);
	ike_sa__req_clear(sa);
	ike_sa__remove_child(sa);
	ike_sa__release_vip(sa);
	if (sa->session != NULL) {
		/* An owner that goes away without a verdict (shutdown):
		 * the session just loses its owner. */
		session_set_owner(sa->session, NULL);
		sa->session = NULL;
	}
	unlink_sa(ctx, sa);
	ike_sk_cleanup(&sa->sk);
	ike_keys_cleanup(&sa->keys);
	eap_mschapv2_free(sa->eap);
	buf_free(sa->init_req);
	buf_free(sa->init_resp);
	buf_free(sa->last_resp);
	buf_free(sa->idi);
	buf_free(sa->auth1);
	buf_free(sa->eap_identity);
	ct_wipe(sa, sizeof(*sa));
	free(sa);
	ctx->st.ike_sas--;
}

/* Brings ctx->now up to date in a timer callback: nothing else has since
 * the last input, and a stale "now" would re-arm timers in the past. */
void
ike_sa__timer_now(struct ike_ctx *ctx, uint64_t deadline)
{
	uint64_t t = ctx->io.now != NULL ? ctx->io.now(ctx->io.arg) : deadline;

	if (t < deadline)
		t = deadline;
	if (t > ctx->now)
		ctx->now = t;
}

void
ike_sa__on_half_open(struct timer *t, void *arg)
{
	struct ike_sa *sa = arg;

	ike_sa__timer_now(sa->ctx, timer_deadline(t));
	if (sa->state == IKE_S_DEAD) {
		ike_sa__sa_destroy(sa, NULL);
		return;
	}
	if (sa->state == IKE_S_REKEYED) {
		ike_sa__sa_destroy(sa, "replaced by a rekey; the client did "
		    "not delete it");
		return;
	}
	sa->ctx->st.half_open_expired++;
	ike_sa__sa_destroy(sa, "not authenticated in time");
}

void
ike_sa__send_buf(struct ike_ctx *ctx, const struct net_path *p, struct buf *b)
{
	ctx->st.tx++;
	ctx->io.send(ctx->io.arg, p, buf_span(b));
}

/* Caches b as the response to the last request and sends it. Takes
 * ownership of b. */
void
ike_sa__respond(struct ike_sa *sa, struct buf *b)
{
	buf_free(sa->last_resp);
	sa->last_resp = b;
	ike_sa__send_buf(sa->ctx, &sa->path, b);
}

int
ike_sa__copy_span(struct buf **dst, struct span s)
{
	buf_free(*dst);
	if ((*dst = buf_from_span(s, s.len)) == NULL && s.len > 0)
		return -E_NOMEM;
	if (*dst == NULL && (*dst = buf_new(0)) == NULL)
		return -E_NOMEM;
	return 0;
}

/* Starts a protected message of sa in a new buffer of cap bytes: the
 * header (exch, flags, msgid) and the opened SK payload. */
static int
msg_begin(struct ike_sa *sa, size_t cap, uint8_t exch, uint8_t flags,
    uint32_t msgid, struct buf **bp, struct ike_chain *c)
{
	struct ike_msg_hdr h;
	int r;

	if ((*bp = buf_new(cap)) == NULL)
		return -E_NOMEM;
	memset(&h, 0, sizeof(h));
	h.spi_i = sa->spi_i;
	h.spi_r = sa->spi_r;
	h.version = IKE_VERSION;
	h.exch = exch;
	h.flags = flags;
	h.msgid = msgid;
	if ((r = ike_msg_begin(c, *bp, &h)) != 0 ||
	    (r = ike_msg_sk_begin(c, ike_sk_iv_len(&sa->sk))) != 0) {
		buf_free(*bp);
		*bp = NULL;
	}
	return r;
}

int
ike_sa__resp_begin(struct ike_sa *sa, const struct ike_msg_hdr *req,
    struct buf **bp, struct ike_chain *c)
{
	return msg_begin(sa, IKE_MSG_MAX, req->exch, IKE_FLAG_RESPONSE,
	    req->msgid, bp, c);
}

int
ike_sa__req_begin(struct ike_sa *sa, uint8_t exch, struct buf **bp,
    struct ike_chain *c)
{
	/* We are the original responder: neither I nor R (3.1). A DPD or
	 * a DELETE is small; a rekey carries a proposal and maybe a KE. */
	return msg_begin(sa, exch == IKE_EXCH_INFORMATIONAL ? 1024 : 4096,
	    exch, 0, sa->our_msgid, bp, c);
}

/* Seals and sends the response in b (consumed). */
void
ike_sa__resp_send(struct ike_sa *sa, struct buf *b, struct ike_chain *c)
{
	int r;

	if ((r = ike_sk_seal(&sa->sk, c, 0)) != 0) {
		log_warn_e(SUB_IKE, r, "cannot seal response");
		buf_free(b);
		return;
	}
	ike_sa__respond(sa, b);
}

void
ike_sa__resp_notify(struct ike_sa *sa, const struct ike_msg_hdr *req,
    uint16_t type)
{
	ike_sa__resp_notify_data(sa, req, type, span_make(NULL, 0));
}

void
ike_sa__resp_notify_data(struct ike_sa *sa, const struct ike_msg_hdr *req,
    uint16_t type, struct span data)
{
	struct ike_pld_notify n;
	struct ike_chain c;
	struct buf *b;

	if (ike_sa__resp_begin(sa, req, &b, &c) != 0)
		return;
	memset(&n, 0, sizeof(n));
	n.type = type;
	n.data = data;
	if (ike_pld_add_notify(&c, &n) != 0) {
		buf_free(b);
		return;
	}
	ike_sa__resp_send(sa, b, &c);
}

/* INFORMATIONAL request (1.4): liveness checks and DELETEs. */
static void
handle_info(struct ike_sa *sa, const struct ike_msg_hdr *req,
    const struct ike_msg *m)
{
	struct ike_ctx *ctx = sa->ctx;
	struct ike_pld_delete del;
	struct ike_chain c;
	struct buf *b = NULL;
	uint32_t ours[2], spi;
	size_t i, nours = 0;
	int delete_ike = 0, delete_child = 0, delete_old = 0;

	for (i = 0; i < m->npld; i++) {
		if (m->pld[i].type != IKE_PLD_DELETE ||
		    ike_pld_parse_delete(m->pld[i].body, &del) != 0)
			continue;
		if (del.proto == IKE_PROTO_IKE)
			delete_ike = 1;
		else if (del.proto == IKE_PROTO_ESP)
			/* 3.11: the peer names the SPIs it receives with,
			 * which are our outbound SPIs; after a rekey, the
			 * replaced SA's (2.8). */
			while (span_get_u32(&del.spis, &spi) == 0) {
				if (sa->child != NULL &&
				    spi == sa->child->spi_out)
					delete_child = 1;
				if (sa->child_old != NULL &&
				    spi == sa->child_old->spi_out)
					delete_old = 1;
			}
	}
	if (ike_sa__resp_begin(sa, req, &b, &c) != 0)
		return;
	/* Answer with the SPIs of our halves (1.4.1). */
	if (!delete_ike && delete_old)
		ours[nours++] = sa->child_old->spi_in;
	if (!delete_ike && delete_child)
		ours[nours++] = sa->child->spi_in;
	if (nours > 0 && ike_pld_add_delete_esp(&c, ours, nours) != 0) {
		buf_free(b);
		return;
	}
	ike_sa__resp_send(sa, b, &c);
	if (delete_ike && sa->state == IKE_S_REKEYED) {
		/* 2.18: the client closes the SA its rekey replaced. */
		ike_sa__sa_destroy(sa, NULL);
		return;
	}
	if (delete_ike) {
		ctx->st.deleted_by_peer++;
		ike_sa__sa_ended(sa, "deleted by the peer");
		return;
	}
	/* The client has the new SA: what we send moves to it. */
	if (delete_old)
		ike_sa__rekey_finish(sa, 1);
	if (delete_child) {
		char ps[NET_ADDRSTRLEN];

		log_info(SUB_IKE, "CHILD SA %08x/%08x with %s deleted by the "
		    "peer", sa->child->spi_in, sa->child->spi_out,
		    ike_sa__peer_str(sa, ps, sizeof(ps)));
		ike_sa__remove_child(sa);
	}
}

/*
 * INFORMATIONAL request before the SA is established. A client that gives
 * up during IKE_AUTH says so with an error notify, AUTHENTICATION_FAILED
 * in practice (2.21.2; strongSwan sends it when EAP-MSCHAPv2 fails on its
 * side): answer it and delete the SA now, there is nothing left to resend.
 * Anything else is out of place and fails the authentication.
 */
static void
handle_info_early(struct ike_sa *sa, const struct ike_msg_hdr *req,
    const struct ike_msg *m)
{
	struct ike_pld_notify n;
	struct ike_chain c;
	struct buf *b;
	char ps[NET_ADDRSTRLEN];
	size_t i;

	for (i = 0; i < m->npld; i++)
		if (m->pld[i].type == IKE_PLD_NOTIFY &&
		    ike_pld_parse_notify(m->pld[i].body, &n) == 0 &&
		    n.type <= IKE_N_ERROR_MAX)
			break;
	if (i == m->npld) {
		ike_sa__auth_failed(sa, req, "INFORMATIONAL before IKE_AUTH");
		return;
	}
	sa->ctx->st.auth_failed++;
	log_info(SUB_IKE, "authentication of %s failed: the peer gave up "
	    "with %s", ike_sa__peer_str(sa, ps, sizeof(ps)),
	    ike_pld_notify_name(n.type));
	if (ike_sa__resp_begin(sa, req, &b, &c) == 0)
		ike_sa__resp_send(sa, b, &c);
	ike_sa__sa_destroy(sa, NULL);
}

void
ike_ctx_input(struct ike_ctx *ctx, struct span dgram,
    const struct net_path *p, uint64_t now_ms)
{
	struct ike_msg *m = &ctx->msg;
	struct ike_msg_hdr *h = &m->hdr;
	struct ike_sa *sa;
	struct span plain;
	char ps[NET_ADDRSTRLEN];
	uint8_t bad = 0, first;
	int r;

	ctx->now = now_ms;
	ctx->st.rx++;
	net_addr_str((const struct sockaddr *)&p->remote, ps, sizeof(ps));
	if (dgram.len > sizeof(ctx->rx)) {
		ctx->st.rx_invalid++;
		return;
	}
	/* Work on our own copy: the SK payload is opened in place. */
	memcpy(ctx->rx, dgram.p, dgram.len);
	dgram = span_make(ctx->rx, dgram.len);
	if ((r = ike_msg_parse(dgram, m)) != 0) {
		ctx->st.rx_invalid++;
		if (log_ratelimit_ok(&ike_sa__rl_input, 5))
			log_info(SUB_IKE, "malformed IKE message from %s: %s",
			    ps, err_str(r));
		return;
	}
	/* Every message comes from an original initiator: we only
	 * respond to IKE SAs, and send requests on them (DPD). */
	if (!(h->flags & IKE_FLAG_INITIATOR)) {
		ctx->st.rx_invalid++;
		return;
	}
	if (h->flags & IKE_FLAG_RESPONSE) {
		if ((sa = ike_sa__find_by_r(ctx, h->spi_r)) == NULL ||
		    sa->spi_i != h->spi_i || h->exch == IKE_EXCH_SA_INIT) {
			ctx->st.rx_invalid++;
			return;
		}
		ike_sa__handle_response(sa, m, ctx->rx, dgram.len, p);
		return;
	}
	if (h->exch == IKE_EXCH_SA_INIT) {
		if (h->msgid != 0 || h->spi_r != 0) {
			ctx->st.rx_invalid++;
			return;
		}
		if ((sa = find_by_i(ctx, h->spi_i, p)) != NULL) {
			/* 2.1: a retransmitted IKE_SA_INIT gets the same
			 * answer; anything else under that SPI is ignored. */
			if (sa->init_req != NULL &&
			    span_eq(buf_span(sa->init_req), dgram) &&
			    sa->init_resp != NULL) {
				ctx->st.rx_retransmit++;
				ike_sa__send_buf(ctx, p, sa->init_resp);
			} else
				ctx->st.rx_invalid++;
			return;
		}
		if ((r = ike_msg_verify(m, &bad)) != 0) {
			uint16_t nt = ike_msg_err_notify(r);

			ctx->st.rx_invalid++;
			if (log_ratelimit_ok(&ike_sa__rl_input, 5))
				log_info(SUB_IKE, "invalid IKE_SA_INIT from %s: "
				    "%s", ps, err_str(r));
			if (nt != 0)
				ike_sa__init_notify(ctx, h, p, nt, nt ==
				    IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD ?
				    span_make(&bad, 1) : span_make(NULL, 0));
			return;
		}
		ike_sa__handle_init(ctx, m, dgram, p);
		return;
	}

	if ((sa = ike_sa__find_by_r(ctx, h->spi_r)) == NULL ||
	    sa->spi_i != h->spi_i) {
		ctx->st.rx_unknown_spi++;
		if (log_ratelimit_ok(&ike_sa__rl_input, 5))
			log_debug(SUB_IKE, "message for unknown IKE SA "
			    "%016llx/%016llx from %s",
			    (unsigned long long)h->spi_i,
			    (unsigned long long)h->spi_r, ps);
		return;
	}
	/* 2.3: window of one. The previous request again means our answer
	 * was lost: resend it as it was. */
	if (h->msgid + 1 == sa->next_msgid && sa->last_resp != NULL) {
		ctx->st.rx_retransmit++;
		ike_sa__send_buf(ctx, &sa->path, sa->last_resp);
		return;
	}
	if (h->msgid != sa->next_msgid || sa->state == IKE_S_DEAD) {
		ctx->st.rx_invalid++;
		return;
	}
	if ((r = ike_sk_open(&sa->sk, m, ctx->rx, dgram.len, 1, &plain,
	    &first)) != 0) {
		/* 2.21.1: messages that fail integrity are dropped. */
		ctx->st.rx_invalid++;
		if (log_ratelimit_ok(&ike_sa__rl_input, 5))
			log_info(SUB_IKE, "IKE message from %s fails its "
			    "integrity check: %s", ps, err_str(r));
		return;
	}
	sa->next_msgid++;
	sa->last_rx = now_ms;
	/* The client may have moved (NAT rebinding, port 4500 after
	 * IKE_SA_INIT): answer where the protected request came from. */
	sa->path = *p;
	if ((r = ike_msg_parse_inner(h, first, plain, &ctx->inner)) != 0 ||
	    (r = ike_msg_verify(&ctx->inner, &bad)) != 0) {
		ctx->st.rx_invalid++;
		log_info(SUB_IKE, "invalid %s from %s: %s",
		    ike_pld_exch_name(h->exch), ps, err_str(r));
		if (sa->state != IKE_S_ESTABLISHED &&
		    sa->state != IKE_S_REKEYED)
			ike_sa__auth_failed(sa, h, "invalid message");
		else
			ike_sa__resp_notify(sa, h, IKE_N_INVALID_SYNTAX);
		return;
	}
	switch (h->exch) {
	case IKE_EXCH_AUTH:
		if (sa->state == IKE_S_HALF_OPEN)
			ike_sa__auth_first(sa, h, &ctx->inner);
		else if (sa->state == IKE_S_EAP)
			ike_sa__auth_eap(sa, h, &ctx->inner);
		else if (sa->state == IKE_S_EAP_DONE)
			ike_sa__auth_final(sa, h, &ctx->inner);
		else
			ike_sa__resp_notify(sa, h, IKE_N_INVALID_SYNTAX);
		break;
	case IKE_EXCH_INFORMATIONAL:
		if (sa->state == IKE_S_ESTABLISHED ||
		    sa->state == IKE_S_REKEYED)
			handle_info(sa, h, &ctx->inner);
		else
			handle_info_early(sa, h, &ctx->inner);
		break;
	case IKE_EXCH_CREATE_CHILD_SA:
		if (sa->state == IKE_S_ESTABLISHED)
			ike_sa__create_child(sa, h, &ctx->inner);
		else if (sa->state == IKE_S_REKEYED)
			/* 2.25: the SA is going away. */
			ike_sa__resp_notify(sa, h, IKE_N_TEMPORARY_FAILURE);
		else
			ike_sa__resp_notify(sa, h, IKE_N_INVALID_SYNTAX);
		break;
	default:
		ike_sa__resp_notify(sa, h, IKE_N_INVALID_SYNTAX);
		break;
	}
}

static int
build_pools(struct ike_ctx *ctx)
{
	const struct cfg_pool *cp;
	struct ike_pool_ent *pe;
	struct pool_addr a, z;
	size_t i, j;
	int r;

	ctx->npools = cfg_pool_count(ctx->cfg);
	if (ctx->npools == 0)
		return 0;
	if ((ctx->pools = calloc(ctx->npools, sizeof(*ctx->pools))) == NULL)
		return -E_NOMEM;
	for (i = 0; i < ctx->npools; i++) {
		cp = cfg_pool_at(ctx->cfg, i);
		pe = &ctx->pools[i];
		pe->cfg = cp;
		for (j = 0; j < cp->nseg; j++) {
			const struct cfg_pool_seg *sg = &cp->seg[j];
			struct pool **pp = sg->first.family == AF_INET ?
			    &pe->v4 : &pe->v6;

			if (*pp == NULL && (*pp = pool_new(sg->first.family,
			    cp->sticky, 4096)) == NULL)
				return -E_NOMEM;
			memcpy(&a, &sg->first, sizeof(a));
			memcpy(&z, &sg->last, sizeof(z));
			if ((r = sg->is_net ? pool_add_cidr(*pp, &a, sg->len) :
			    pool_add_range(*pp, &a, &z)) != 0)
				return r;
		}
		for (j = 0; j < cp->nexclude; j++) {
			struct pool *pl = cp->exclude[j].family == AF_INET ?
			    pe->v4 : pe->v6;

			memcpy(&a, &cp->exclude[j], sizeof(a));
			if (pl != NULL && (r = pool_exclude(pl, &a)) != 0)
				return r;
		}
	}
	return 0;
}

static int
load_cas(struct ike_ctx *ctx)
{
	const struct cfg_profile *pr;
	struct ike_prof_ent *pe;
	void *all[IKE_AUTH_MAX_CERTS];
	struct buf *b = NULL;
	size_t i, nall = 0;
	int r;

	ctx->nprofs = cfg_profile_count(ctx->cfg);
	if ((ctx->profs = calloc(ctx->nprofs ? ctx->nprofs : 1,
	    sizeof(*ctx->profs))) == NULL ||
	    (ctx->certreq = buf_new(IKE_AUTH_MAX_CERTS * 20 * 8)) == NULL)
		return -E_NOMEM;
	for (i = 0; i < ctx->nprofs; i++) {
		pr = cfg_profile_at(ctx->cfg, i);
		pe = &ctx->profs[i];
		pe->cfg = pr;
		if (pr->ca == NULL || pr->remote_auth != CFG_AUTH_CERT)
			continue;
		if (ctx->x509 == NULL)
			return -E_NOTSUP;
		if ((r = buf_read_file(pr->ca, 1u << 20, &b)) != 0) {
			log_err(SUB_CFG, "profile %s: cannot read CA file %s",
			    pr->name, pr->ca);
			return r;
		}
		r = ctx->x509->load_bundle(buf_span(b), pe->cas,
		    IKE_AUTH_MAX_CERTS, &pe->ncas);
		buf_free(b);
		if (r != 0) {
			log_err_e(SUB_CFG, r, "profile %s: CA file %s", pr->name,
			    pr->ca);
			return r;
		}
		if (nall + pe->ncas <= IKE_AUTH_MAX_CERTS) {
			memcpy(all + nall, pe->cas, pe->ncas * sizeof(void *));
			nall += pe->ncas;
		}
	}
	/* 3.7: CERTREQ names the CAs whose certificates we accept. */
	if (nall > 0 && (r = ike_auth_certreq_data(ctx->x509, all, nall,
	    ctx->certreq)) != 0)
		return r;
	return 0;
}

int
ike_ctx_new(const struct cfg *cfg, const struct ike_creds *creds,
    struct timer_heap *th, const struct ike_io *io, struct ike_ctx **out)
{
	struct ike_ctx *ctx;
	int r;

	if ((ctx = calloc(1, sizeof(*ctx))) == NULL)
		return -E_NOMEM;
	ctx->cfg = cfg;
	ctx->creds = creds;
	ctx->th = th;
	ctx->io = *io;
	ctx->nbuckets = IKE_HASH_MIN;
	ctx->x509 = xform_find_x509();
	ctx->sig = ctx->x509 != NULL ? ctx->x509->sig : xform_find_sig();
	if ((ctx->by_r = calloc(ctx->nbuckets, sizeof(*ctx->by_r))) == NULL ||
	    (ctx->by_i = calloc(ctx->nbuckets, sizeof(*ctx->by_i))) == NULL ||
	    xform_random(ctx->hash_key, sizeof(ctx->hash_key)) != 0) {
		r = -E_NOMEM;
		goto fail;
	}
	if ((r = build_pools(ctx)) != 0 || (r = load_cas(ctx)) != 0 ||
	    (r = ike_sa__cookies_init(ctx)) != 0)
		goto fail;
	{
		struct sessiondb_conf sc;

		memset(&sc, 0, sizeof(sc));
		sc.timers = th;
		sc.release = ike_sa__session_release;
		sc.arg = ctx;
		if ((r = sessiondb_new(&sc, &ctx->sdb)) != 0)
			goto fail;
	}
	*out = ctx;
	return 0;
fail:
	ike_ctx_free(ctx);
	return r;
}

void
ike_ctx_free(struct ike_ctx *ctx)
{
	size_t i, j;

	if (ctx == NULL)
		return;
	while (ctx->all != NULL)
		ike_sa__sa_destroy(ctx->all, NULL);
	/* Before the pools: the sessions' leases die with them. */
	sessiondb_free(ctx->sdb);
	for (i = 0; i < ctx->npools; i++) {
		pool_free(ctx->pools[i].v4);
		pool_free(ctx->pools[i].v6);
	}
	for (i = 0; i < ctx->nprofs; i++)
		for (j = 0; j < ctx->profs[i].ncas; j++)
			ctx->x509->free(ctx->profs[i].cas[j]);
	free(ctx->profs);
	free(ctx->pools);
	buf_free(ctx->certreq);
	free(ctx->by_r);
	free(ctx->by_i);
	ike_sa__cookies_free(ctx);
	ct_wipe(ctx->rx, sizeof(ctx->rx));
	free(ctx);
}

void
ike_ctx_set_now(struct ike_ctx *ctx, uint64_t now_ms)
{
	ctx->now = now_ms;
}

void
ike_ctx_stats(const struct ike_ctx *ctx, struct ike_stats *st)
{
	*st = ctx->st;
}
