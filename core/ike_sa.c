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

#include <arpa/inet.h>
#include <netinet/in.h>
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
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
#include "core/ike_sk.h"
#include "core/log.h"
#include "core/pool.h"
#include "core/session.h"
#include "core/sessiondb.h"
#include "core/xform.h"

#define IKE_MSG_MAX		65535
#define IKE_NONCE_LEN		32	/* our nonces: 256 bits */
#define IKE_HASH_MIN		256	/* initial buckets per table */
#define IKE_EAP_SERVER_NAME	"ikegate"
#define IKE_DPD_BASE_MS		2000	/* first DPD retransmission */
#define IKE_DPD_MAX_MS		30000	/* longest wait between them */

enum ike_state {
	IKE_S_HALF_OPEN,	/* IKE_SA_INIT answered */
	IKE_S_EAP,		/* EAP round trips in progress */
	IKE_S_EAP_DONE,		/* EAP succeeded; the final AUTH is due */
	IKE_S_ESTABLISHED,
	IKE_S_DEAD,		/* being deleted */
};

static const char *const state_names[] = {
	"HALF-OPEN", "EAP", "EAP-DONE", "ESTABLISHED", "DELETING",
};

struct ike_sa {
	struct ike_ctx		*ctx;
	struct ike_sa		*next_r;	/* hash chain by SPIr */
	struct ike_sa		*next_i;	/* hash chain by SPIi + peer */
	struct ike_sa		*next_all;	/* list, for show sa */
	struct ike_sa		*prev_all;
	uint64_t		 spi_i, spi_r;
	enum ike_state		 state;
	struct net_path		 path;
	/* Where IKE_SA_INIT came from: the key of the by_i table, which
	 * finds retransmitted IKE_SA_INIT requests (2.1). It never changes,
	 * while path follows the peer (port 4500, NAT rebinding). */
	struct net_path		 init_path;
	int			 nat_peer;	/* the peer is behind a NAT */
	int			 nat_local;	/* we are behind a NAT */
	uint64_t		 created, established;

	struct ike_prop_ike	 prop;
	const struct xform_mac	*prf;
	struct ike_keys		 keys;
	struct ike_sk		 sk;
	uint8_t			 ni[IKE_NONCE_MAX];
	size_t			 ni_len;
	uint8_t			 nr[IKE_NONCE_LEN];
	struct buf		*init_req;	/* for the AUTH octets */
	struct buf		*init_resp;
	uint16_t		 peer_sig_hashes; /* RFC 7427 bitmap */

	uint32_t		 next_msgid;	/* next request expected */
	struct buf		*last_resp;	/* cached for retransmits */

	const struct cfg_profile *profile;
	struct buf		*idi;		/* IDi payload body */
	struct buf		*auth1;		/* first IKE_AUTH plaintext */
	uint8_t			 auth1_first;
	struct eap_mschapv2	*eap;
	uint8_t			 eap_id;
	struct buf		*eap_identity;
	uint8_t			 msk[EAP_MSCHAPV2_MSK_LEN];
	int			 have_msk;
	const char		*auth_verify;	/* for show sa */

	/* The client's inner addresses (3.15.1): vip[0..nvip), at most one
	 * IPv4 and one IPv6, each with the pool it came from. */
	struct pool		*pool[2];
	struct pool_addr	 vip[2];
	size_t			 nvip;
	int			 vip_leased;	/* ... released with it (else
						 * its session holds them) */
	struct child_sa		*child;

	/* Resumption (DESIGN.md, "The flow of a session"). */
	struct session		*session;	/* resumable session, or NULL */
	int			 resumed;
	int			 resume_attempt;	/* IDi is a session-id */

	/* Requests we send (DPD, DELETE): window of one (2.3). */
	uint32_t		 our_msgid;
	int			 dpd_outstanding;
	unsigned		 dpd_tries;
	struct buf		*dpd_req;
	uint64_t		 last_rx;	/* last authenticated IKE message */

	struct timer		 t_half_open;
	struct timer		 t_dpd;
};

struct ike_pool_ent {
	const struct cfg_pool	*cfg;
	struct pool		*v4, *v6;
};

struct ike_prof_ent {
	const struct cfg_profile *cfg;
	void			*cas[IKE_AUTH_MAX_CERTS];
	size_t			 ncas;
};

struct ike_ctx {
	const struct cfg	*cfg;
	const struct ike_creds	*creds;
	struct timer_heap	*th;
	struct ike_io		 io;
	uint64_t		 now;
	struct ike_sa		**by_r, **by_i;
	size_t			 nbuckets;
	struct ike_sa		*all;
	size_t			 nsa;
	struct ike_pool_ent	*pools;
	size_t			 npools;
	struct ike_prof_ent	*profs;		/* per profile: its CAs */
	size_t			 nprofs;
	struct buf		*certreq;	/* SHA-1 SPKI hashes of our CAs */
	struct sessiondb	*sdb;
	const struct xform_x509	*x509;
	const struct xform_sig	*sig;
	uint64_t		 hash_key[2];
	struct ike_stats	 st;
	/* Scratch for decoding, kept off the stack (the SA payload alone is
	 * several KiB). */
	struct ike_msg		 msg, inner;
	struct ike_pld_sa	 sa_pld;
	uint8_t			 rx[IKE_MSG_MAX];
};

static struct log_ratelimit rl_input;

static timer_fn on_dpd;

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

static struct ike_sa *
find_by_r(struct ike_ctx *ctx, uint64_t spi_r)
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
	 * must not have changed since link_sa. */
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

static void
link_sa(struct ike_ctx *ctx, struct ike_sa *sa)
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

static const char *
peer_str(const struct ike_sa *sa, char *buf, size_t len)
{
	return net_addr_str((const struct sockaddr *)&sa->path.remote, buf,
	    len);
}

/* The SA no longer has its addresses (its session holds the leases). */
static void
vip_forget(struct ike_sa *sa)
{
	sa->nvip = 0;
	sa->vip_leased = 0;
}

static void
release_vip(struct ike_sa *sa)
{
	char a[POOL_ADDR_STRLEN];
	size_t i;

	for (i = 0; sa->vip_leased && i < sa->nvip; i++)
		if (pool_release(sa->pool[i], &sa->vip[i]) != 0)
			log_warnx(SUB_IKE, "address %s was not leased",
			    pool_addr_ntop(&sa->vip[i], a));
	vip_forget(sa);
}

/* Returns the address of family the SA has, or NULL. */
static const struct pool_addr *
vip_of(const struct ike_sa *sa, int family)
{
	size_t i;

	for (i = 0; i < sa->nvip; i++)
		if (sa->vip[i].family == family)
			return &sa->vip[i];
	return NULL;
}

/* Writes the SA's addresses for logs: "198.18.20.2", "198.18.20.2 and
 * 2001:2:0:20::2", or "none". */
static const char *
vip_str(const struct ike_sa *sa, char *buf, size_t len)
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

static void
remove_child(struct ike_sa *sa)
{
	struct ike_ctx *ctx = sa->ctx;

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
static void
sa_destroy(struct ike_sa *sa, const char *why)
{
	struct ike_ctx *ctx = sa->ctx;
	char ps[NET_ADDRSTRLEN];

	if (sa->state == IKE_S_ESTABLISHED || why != NULL)
		log_info(SUB_IKE, "IKE SA %016llx/%016llx with %s deleted%s%s",
		    (unsigned long long)sa->spi_i, (unsigned long long)sa->spi_r,
		    peer_str(sa, ps, sizeof(ps)), why ? ": " : "",
		    why ? why : "");
	if (sa->state == IKE_S_HALF_OPEN)
		ctx->st.half_open--;
	timer_del(ctx->th, &sa->t_half_open);
	timer_del(ctx->th, &sa->t_dpd);
	remove_child(sa);
	release_vip(sa);
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
	buf_free(sa->dpd_req);
	ct_wipe(sa, sizeof(*sa));
	free(sa);
	ctx->st.ike_sas--;
}

/* Writes the identity a session belongs to, for logs and views: its EAP
 * identity, else its first IDi, with unprintable bytes as '.'. Never the
 * session-id or token. */
static const char *
session_owner_name(const struct session *s, char *buf, size_t len)
{
	struct span id = session_eap_identity(s);
	size_t i, n;

	if (id.len == 0)
		id = session_idi(s);
	n = id.len < len - 1 ? id.len : len - 1;
	for (i = 0; i < n; i++)
		buf[i] = id.p[i] >= 0x20 && id.p[i] < 0x7f ? (char)id.p[i] :
		    '.';
	buf[n] = '\0';
	return buf;
}

/* Carries the CHILD SA's counters into the session. */
static void
session_sync(struct ike_sa *sa)
{
	struct ike_ctx *ctx = sa->ctx;
	struct session_counters sc;

	if (sa->session == NULL || sa->child == NULL)
		return;
	if (ctx->io.child_stats != NULL)
		ctx->io.child_stats(ctx->io.arg, sa->child);
	sc.pkts_in = sa->child->packets_in;
	sc.pkts_out = sa->child->packets_out;
	sc.bytes_in = sa->child->bytes_in;
	sc.bytes_out = sa->child->bytes_out;
	session_count_live(sa->session, &sc);
}

/*
 * The IKE SA is lost (dead peer, or gone without the client's DELETE):
 * a resumable session goes idle for its profile's reconnect_timeout with
 * its address still reserved; then the SA is freed.
 */
static void
sa_lost(struct ike_sa *sa, const char *why)
{
	struct ike_ctx *ctx = sa->ctx;
	struct session *s = sa->session;
	char own[128];

	if (s != NULL) {
		session_sync(sa);
		remove_child(sa);
		session_set_owner(s, NULL);
		sa->session = NULL;
		/* The session keeps the lease. */
		vip_forget(sa);
		if (sessiondb_idle(ctx->sdb, s, ctx->now,
		    (uint64_t)sa->profile->reconnect_timeout * 1000) == 0)
			log_info(SUB_IKE, "session of \"%s\" kept for "
			    "resumption for %u s", session_owner_name(s, own,
			    sizeof(own)), sa->profile->reconnect_timeout);
		else
			sessiondb_remove(ctx->sdb, s);
	}
	sa_destroy(sa, why);
}

/* The client ended its IKE SA on purpose (2.4, DELETE) or the operator
 * disconnected it: the session ends too and its address is released. */
static void
sa_ended(struct ike_sa *sa, const char *why)
{
	struct session *s = sa->session;

	if (s != NULL) {
		sa->session = NULL;
		vip_forget(sa);
		sessiondb_remove(sa->ctx->sdb, s);
	}
	sa_destroy(sa, why);
}

/* Brings ctx->now up to date in a timer callback: nothing else has since
 * the last input, and a stale "now" would re-arm timers in the past. */
static void
timer_now(struct ike_ctx *ctx, uint64_t deadline)
{
	uint64_t t = ctx->io.now != NULL ? ctx->io.now(ctx->io.arg) : deadline;

	if (t < deadline)
		t = deadline;
	if (t > ctx->now)
		ctx->now = t;
}

static void
on_half_open(struct timer *t, void *arg)
{
	struct ike_sa *sa = arg;

	timer_now(sa->ctx, timer_deadline(t));
	if (sa->state == IKE_S_DEAD) {
		sa_destroy(sa, NULL);
		return;
	}
	sa->ctx->st.half_open_expired++;
	sa_destroy(sa, "not authenticated in time");
}

static void
send_buf(struct ike_ctx *ctx, const struct net_path *p, struct buf *b)
{
	ctx->st.tx++;
	ctx->io.send(ctx->io.arg, p, buf_span(b));
}

/* Caches b as the response to the last request and sends it. Takes
 * ownership of b. */
static void
respond(struct ike_sa *sa, struct buf *b)
{
	buf_free(sa->last_resp);
	sa->last_resp = b;
	send_buf(sa->ctx, &sa->path, b);
}

/* Sends an unprotected IKE_SA_INIT error response carrying one notify
 * (RFC 7296 2.21.1): SPIr is zero, nothing is kept. */
static void
init_notify(struct ike_ctx *ctx, const struct ike_msg_hdr *req,
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
		send_buf(ctx, p, b);
	buf_free(b);
}

static int
copy_span(struct buf **dst, struct span s)
{
	buf_free(*dst);
	if ((*dst = buf_from_span(s, s.len)) == NULL && s.len > 0)
		return -E_NOMEM;
	if (*dst == NULL && (*dst = buf_new(0)) == NULL)
		return -E_NOMEM;
	return 0;
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

static int
new_spi(struct ike_ctx *ctx, uint64_t *spi)
{
	uint8_t b[8];
	int i, tries, r;

	for (tries = 0; tries < 8; tries++) {
		if ((r = xform_random(b, sizeof(b))) != 0)
			return r;
		for (*spi = 0, i = 0; i < 8; i++)
			*spi = *spi << 8 | b[i];
		if (*spi != 0 && find_by_r(ctx, *spi) == NULL)
			return 0;
	}
	return -E_EXIST;
}

/* Reads the peer's NAT_DETECTION notifies and compares them with what we
 * see (RFC 7296 2.23): a different source hash means the peer is behind a
 * NAT (or forces encapsulation), a different destination hash means we
 * are. */
static void
detect_nat(struct ike_sa *sa, const struct ike_msg *m)
{
	uint8_t h[IKE_NATD_LEN];
	struct ike_pld_notify n;
	size_t i;
	int found_src = 0, match_src = 0, found_dst = 0, match_dst = 0;

	for (i = 0; i < m->npld; i++) {
		if (m->pld[i].type != IKE_PLD_NOTIFY ||
		    ike_pld_parse_notify(m->pld[i].body, &n) != 0)
			continue;
		if (n.type == IKE_N_NAT_DETECTION_SOURCE_IP) {
			found_src = 1;
			if (ike_keys_natd(sa->spi_i, 0, &sa->path.remote, h) == 0 &&
			    n.data.len == IKE_NATD_LEN &&
			    memcmp(h, n.data.p, IKE_NATD_LEN) == 0)
				match_src = 1;
		} else if (n.type == IKE_N_NAT_DETECTION_DESTINATION_IP) {
			found_dst = 1;
			if (ike_keys_natd(sa->spi_i, 0, &sa->path.local, h) == 0 &&
			    n.data.len == IKE_NATD_LEN &&
			    memcmp(h, n.data.p, IKE_NATD_LEN) == 0)
				match_dst = 1;
		}
	}
	sa->nat_peer = found_src && !match_src;
	sa->nat_local = found_dst && !match_dst;
}

static int
add_natd(struct ike_chain *c, struct ike_sa *sa)
{
	uint8_t hs[IKE_NATD_LEN], hd[IKE_NATD_LEN];
	struct ike_pld_notify n;
	int r;

	/* In our response the source is us and the destination the peer. */
	if ((r = ike_keys_natd(sa->spi_i, sa->spi_r, &sa->path.local, hs)) != 0 ||
	    (r = ike_keys_natd(sa->spi_i, sa->spi_r, &sa->path.remote, hd)) != 0)
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

/* Returns the decoded payload of type t, or -E_NOENT. */
static int
get_pld(const struct ike_msg *m, uint8_t t, struct span *body)
{
	int i = ike_msg_find(m, t, 0);

	if (i < 0)
		return i;
	*body = m->pld[i].body;
	return 0;
}

/* Starts a response to the request m of sa, opening its SK payload. */
static int
resp_begin(struct ike_sa *sa, const struct ike_msg_hdr *req, struct buf **bp,
    struct ike_chain *c)
{
	struct ike_msg_hdr h;
	int r;

	if ((*bp = buf_new(IKE_MSG_MAX)) == NULL)
		return -E_NOMEM;
	memset(&h, 0, sizeof(h));
	h.spi_i = sa->spi_i;
	h.spi_r = sa->spi_r;
	h.version = IKE_VERSION;
	h.exch = req->exch;
	h.flags = IKE_FLAG_RESPONSE;
	h.msgid = req->msgid;
	if ((r = ike_msg_begin(c, *bp, &h)) != 0 ||
	    (r = ike_msg_sk_begin(c, ike_sk_iv_len(&sa->sk))) != 0) {
		buf_free(*bp);
		*bp = NULL;
	}
	return r;
}

/* Seals and sends the response in b (consumed). */
static void
resp_send(struct ike_sa *sa, struct buf *b, struct ike_chain *c)
{
	int r;

	if ((r = ike_sk_seal(&sa->sk, c, 0)) != 0) {
		log_warn_e(SUB_IKE, r, "cannot seal response");
		buf_free(b);
		return;
	}
	respond(sa, b);
}

/* Answers request req with a protected response holding one notify. */
static void
resp_notify(struct ike_sa *sa, const struct ike_msg_hdr *req, uint16_t type)
{
	struct ike_pld_notify n;
	struct ike_chain c;
	struct buf *b;

	if (resp_begin(sa, req, &b, &c) != 0)
		return;
	memset(&n, 0, sizeof(n));
	n.type = type;
	if (ike_pld_add_notify(&c, &n) != 0) {
		buf_free(b);
		return;
	}
	resp_send(sa, b, &c);
}

/* IKE_SA_INIT request (RFC 7296 1.2). */
static void
handle_init(struct ike_ctx *ctx, const struct ike_msg *m, struct span dgram,
    const struct net_path *p)
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
	if (get_pld(m, IKE_PLD_SA, &body) != 0 ||
	    ike_pld_parse_sa(body, &ctx->sa_pld) != 0 ||
	    get_pld(m, IKE_PLD_KE, &body) != 0 ||
	    ike_pld_parse_ke(body, &ke) != 0 ||
	    get_pld(m, IKE_PLD_NONCE, &body) != 0 ||
	    ike_pld_parse_nonce(body, &ni) != 0) {
		ctx->st.rx_invalid++;
		if (log_ratelimit_ok(&rl_input, 5))
			log_info(SUB_IKE, "IKE_SA_INIT from %s lacks SA, KE or "
			    "Nonce", ps);
		init_notify(ctx, &m->hdr, p, IKE_N_INVALID_SYNTAX,
		    span_make(NULL, 0));
		return;
	}
	nprops = init_proposals(ctx->cfg, props, 64);
	if (ike_prop_select_ike(props, nprops, &ctx->sa_pld, &choice) != 0) {
		ctx->st.init_no_proposal++;
		log_info(SUB_IKE, "IKE_SA_INIT from %s: no acceptable proposal",
		    ps);
		init_notify(ctx, &m->hdr, p, IKE_N_NO_PROPOSAL_CHOSEN,
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
		init_notify(ctx, &m->hdr, p, IKE_N_INVALID_KE_PAYLOAD,
		    span_make(grp, 2));
		return;
	}
	if ((dh = xform_find_dh(choice.dh)) == NULL ||
	    ke.data.len != dh->pub_len) {
		ctx->st.rx_invalid++;
		init_notify(ctx, &m->hdr, p, IKE_N_INVALID_SYNTAX,
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
	timer_init(&sa->t_half_open, on_half_open, sa);
	timer_init(&sa->t_dpd, on_dpd, sa);
	if (new_spi(ctx, &sa->spi_r) != 0)
		goto fail;
	memcpy(sa->ni, ni.data.p, ni.data.len);
	sa->ni_len = ni.data.len;
	if (xform_random(sa->nr, sizeof(sa->nr)) != 0)
		goto fail;
	detect_nat(sa, m);
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
		init_notify(ctx, &m->hdr, p, IKE_N_INVALID_SYNTAX,
		    span_make(NULL, 0));
		goto fail;
	}
	ike_prop_ike_suite(&choice, &suite);
	if ((sa->prf = ike_prop_prf(&choice)) == NULL)
		goto fail;
	for (i = 0; i < 8; i++) {
		spi_i[i] = (uint8_t)(sa->spi_i >> (56 - 8 * i));
		spi_r[i] = (uint8_t)(sa->spi_r >> (56 - 8 * i));
	}
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
	if (copy_span(&sa->init_req, dgram) != 0)
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
	if (ike_msg_finish(&c) != 0 || copy_span(&sa->init_resp,
	    buf_span(b)) != 0)
		goto fail;

	link_sa(ctx, sa);
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
	respond(sa, b);
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
static void
peer_auth_input(struct ike_sa *sa, struct ike_auth_input *in)
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

static int
spi_taken(uint32_t spi, void *arg)
{
	struct ike_ctx *ctx = arg;
	struct ike_sa *sa;

	for (sa = ctx->all; sa; sa = sa->next_all)
		if (sa->child != NULL && sa->child->spi_in == spi)
			return 1;
	return 0;
}

/* Authentication failed: tell the peer in the response to req (2.21.2),
 * count it and delete the SA shortly (the cached response stays for a
 * retransmitted request). */
static void
auth_failed(struct ike_sa *sa, const struct ike_msg_hdr *req, const char *why)
{
	struct ike_ctx *ctx = sa->ctx;
	char ps[NET_ADDRSTRLEN];

	ctx->st.auth_failed++;
	log_info(SUB_IKE, "authentication of %s failed: %s",
	    peer_str(sa, ps, sizeof(ps)), why);
	resp_notify(sa, req, IKE_N_AUTHENTICATION_FAILED);
	remove_child(sa);
	release_vip(sa);
	if (sa->state == IKE_S_HALF_OPEN)
		ctx->st.half_open--;
	sa->state = IKE_S_DEAD;
	/* Keep the dead SA a few seconds to resend the same answer. */
	if (timer_add(ctx->th, &sa->t_half_open, ctx->now + 5000) != 0)
		sa_destroy(sa, NULL);
}

/* The owner string the pool remembers for sticky addresses. */
static void
owner_of(const struct ike_sa *sa, char *buf, size_t len)
{
	if (sa->session != NULL) {
		session_owner_name(sa->session, buf, len);
		return;
	}
	if (sa->resume_attempt) {
		/* The IDi of a resume is the session-id: never shown. */
		snprintf(buf, len, "(resuming)");
		return;
	}
	struct span s = sa->eap_identity ? buf_span(sa->eap_identity) :
	    buf_span(sa->idi);
	size_t skip = sa->eap_identity ? 0 : 4, n;

	n = s.len > skip ? s.len - skip : 0;
	if (n >= len)
		n = len - 1;
	memcpy(buf, s.p + skip, n);
	buf[n] = '\0';
}

/*
 * Creates the resumable session of a newly authenticated client (a
 * profile with reconnect_timeout): identity, profile, policy, address.
 * The session then holds the address lease. A resumed SA has its session
 * already.
 */
static int
session_start(struct ike_sa *sa)
{
	struct ike_ctx *ctx = sa->ctx;
	struct session_params sp;
	struct session_addr addr[2];
	size_t i;
	struct session *s = NULL;
	const struct cfg_user *user = NULL;
	const struct cfg_policy *pol;
	struct span idi = buf_span(sa->idi);
	int r;

	if (sa->session != NULL)
		return 0;
	if (sa->eap_identity != NULL)
		user = cfg_user_find(ctx->cfg, buf_span(sa->eap_identity));
	pol = cfg_policy_for(sa->profile, user);
	memset(&sp, 0, sizeof(sp));
	sp.idi_type = idi.len > 0 ? idi.p[0] : 0;
	sp.idi = idi.len >= 4 ? span_make(idi.p + 4, idi.len - 4) :
	    span_make(NULL, 0);
	sp.eap_identity = sa->eap_identity != NULL ?
	    buf_span(sa->eap_identity) : span_make(NULL, 0);
	sp.profile = sa->profile->name;
	sp.policy = pol != NULL ? pol->name : NULL;
	for (i = 0; i < sa->nvip; i++) {
		addr[i].addr = sa->vip[i];
		addr[i].pool = sa->pool[i];
	}
	sp.addrs = sa->nvip > 0 ? addr : NULL;
	sp.naddrs = sa->nvip;
	sp.peer = (const struct sockaddr *)&sa->path.remote;
	if ((r = session_new(&sp, &s)) != 0)
		return r;
	if ((r = sessiondb_add(ctx->sdb, s, ctx->now)) != 0) {
		session_free(s);
		return r;
	}
	session_set_owner(s, sa);
	sa->session = s;
	/* From now on the session releases the address. */
	sa->vip_leased = 0;
	return 0;
}

/* Starts a request of ours on sa (DPD, DELETE): we are the original
 * responder, so neither the I nor the R flag (3.1). */
static int
req_begin(struct ike_sa *sa, struct buf **bp, struct ike_chain *c)
{
	struct ike_msg_hdr h;
	int r;

	if ((*bp = buf_new(1024)) == NULL)
		return -E_NOMEM;
	memset(&h, 0, sizeof(h));
	h.spi_i = sa->spi_i;
	h.spi_r = sa->spi_r;
	h.version = IKE_VERSION;
	h.exch = IKE_EXCH_INFORMATIONAL;
	h.msgid = sa->our_msgid;
	if ((r = ike_msg_begin(c, *bp, &h)) != 0 ||
	    (r = ike_msg_sk_begin(c, ike_sk_iv_len(&sa->sk))) != 0 ||
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
static void
dpd_arm(struct ike_sa *sa, uint64_t from)
{
	unsigned iv = sa->profile != NULL ? sa->profile->dpd_interval : 0;

	if (iv == 0 || sa->state != IKE_S_ESTABLISHED)
		return;
	if (timer_add(sa->ctx->th, &sa->t_dpd, from + (uint64_t)iv * 1000) != 0)
		log_warnx(SUB_IKE, "cannot arm dead peer detection");
}

static void
on_dpd(struct timer *t, void *arg)
{
	struct ike_sa *sa = arg;
	struct ike_ctx *ctx = sa->ctx;
	struct ike_chain c;
	struct buf *b;
	uint64_t now, last, wait;
	char ps[NET_ADDRSTRLEN];

	timer_now(ctx, timer_deadline(t));
	now = ctx->now;
	if (sa->dpd_outstanding) {
		if (sa->dpd_tries >= sa->profile->dpd_retry) {
			log_info(SUB_IKE, "peer %s of IKE SA %016llx/%016llx "
			    "is dead: %u liveness checks unanswered",
			    peer_str(sa, ps, sizeof(ps)),
			    (unsigned long long)sa->spi_i,
			    (unsigned long long)sa->spi_r, sa->dpd_tries + 1);
			ctx->st.dpd_dead++;
			sa_lost(sa, "dead peer");
			return;
		}
		/* 2.4: retransmit the same request, with backoff. */
		sa->dpd_tries++;
		send_buf(ctx, &sa->path, sa->dpd_req);
		wait = (uint64_t)IKE_DPD_BASE_MS << sa->dpd_tries;
		if (wait > IKE_DPD_MAX_MS)
			wait = IKE_DPD_MAX_MS;
		if (timer_add(ctx->th, &sa->t_dpd, now + wait) != 0)
			sa_lost(sa, "cannot arm dead peer detection");
		return;
	}
	last = last_heard(sa);
	if (last + (uint64_t)sa->profile->dpd_interval * 1000 > now) {
		dpd_arm(sa, last);
		return;
	}
	if (req_begin(sa, &b, &c) != 0) {
		dpd_arm(sa, now);
		return;
	}
	log_debug(SUB_IKE, "liveness check of %s", peer_str(sa, ps,
	    sizeof(ps)));
	buf_free(sa->dpd_req);
	sa->dpd_req = b;
	sa->dpd_outstanding = 1;
	sa->dpd_tries = 0;
	ctx->st.dpd_sent++;
	send_buf(ctx, &sa->path, b);
	if (timer_add(ctx->th, &sa->t_dpd, now + IKE_DPD_BASE_MS) != 0)
		sa_lost(sa, "cannot arm dead peer detection");
}

/* A response to one of our requests (2.3: the one outstanding). */
static void
handle_response(struct ike_sa *sa, const struct ike_msg *m, uint8_t *dgram,
    size_t len, const struct net_path *p)
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
	dpd_arm(sa, ctx->now);
}

/*
 * Completes IKE_AUTH once the peer is authenticated: address, CHILD SA,
 * and the response (2.19, 1.2). CHILD SA failures do not fail the IKE SA
 * (2.21.2); their notify goes in the response instead.
 */
static void
establish(struct ike_sa *sa, const struct ike_msg_hdr *req, int with_id)
{
	struct ike_ctx *ctx = sa->ctx;
	const struct cfg_profile *pr = sa->profile;
	const struct cfg_user *user = NULL;
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
		auth_failed(sa, req, "first IKE_AUTH no longer parses");
		return;
	}
	/* A resumed session brings its authorization back as it was: no
	 * user database, no AAA (the reference's "Avantages"). */
	if (sa->resumed)
		pol = session_policy(sa->session) != NULL ?
		    cfg_policy_find(ctx->cfg, session_policy(sa->session)) :
		    NULL;
	else {
		if (sa->eap_identity != NULL)
			user = cfg_user_find(ctx->cfg,
			    buf_span(sa->eap_identity));
		pol = cfg_policy_for(pr, user);
	}

	memset(&creq, 0, sizeof(creq));
	stypes[0] = pr->session_id_attr;
	stypes[1] = pr->session_token_attr;
	if (get_pld(m, IKE_PLD_CP, &body) == 0 &&
	    ike_pld_parse_cp(body, &cp) == 0 &&
	    ike_cp_parse_req(&cp, stypes, pr->reconnect_timeout > 0 ? 2 : 0,
	    &creq) == 0)
		have_cp = 1;
	/* 3.15.1: an address of each family asked for that the policy's
	 * pool has (a resumed session brings its own back). */
	for (i = 0; have_cp && !sa->resumed && i < 2; i++) {
		fam = i == 0 ? AF_INET : AF_INET6;
		if (!ike_cp_wants_addr(&creq, fam) || vip_of(sa, fam) != NULL ||
		    (sa->pool[sa->nvip] = pool_for(ctx, pol, fam)) == NULL)
			continue;
		owner_of(sa, owner, sizeof(owner));
		if (pool_alloc(sa->pool[sa->nvip], owner,
		    &sa->vip[sa->nvip]) == 0) {
			sa->nvip++;
			sa->vip_leased = 1;
		}
	}
	if (have_cp && ike_cp_addr_failed(&creq, vip_of(sa, AF_INET) != NULL,
	    vip_of(sa, AF_INET6) != NULL))
		child_err = IKE_N_INTERNAL_ADDRESS_FAILURE;

	if (child_err == 0 &&
	    (get_pld(m, IKE_PLD_SA, &body) != 0 ||
	    ike_pld_parse_sa(body, &ctx->sa_pld) != 0 ||
	    ike_prop_select_esp(pr->esp, &ctx->sa_pld, &esp) != 0))
		child_err = IKE_N_NO_PROPOSAL_CHOSEN;
	if (child_err == 0 &&
	    (get_pld(m, IKE_PLD_TSI, &body) != 0 ||
	    ike_pld_parse_ts(body, &tsi) != 0 ||
	    get_pld(m, IKE_PLD_TSR, &body) != 0 ||
	    ike_pld_parse_ts(body, &tsr) != 0 ||
	    child_sa_narrow(&tsi, &tsr, sa->vip, sa->nvip, pol, &ts) != 0))
		child_err = IKE_N_TS_UNACCEPTABLE;
	if (child_err == 0 &&
	    (child_sa_spi_alloc(spi_taken, ctx, NULL, &spi) != 0 ||
	    child_sa_new(spi, &esp, &ts,
	    (const struct sockaddr *)&sa->path.remote, ctx->now, &child) != 0))
		child_err = IKE_N_TEMPORARY_FAILURE;
	if (child != NULL) {
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
	if (pr->reconnect_timeout > 0 && (r = session_start(sa)) != 0)
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
	if ((r = resp_begin(sa, req, &b, &c)) != 0)
		goto fail;
	if ((r = add_our_auth(sa, &c, with_id)) != 0)
		goto fail;
	if (have_cp && child_err != IKE_N_INTERNAL_ADDRESS_FAILURE) {
		memset(&assign, 0, sizeof(assign));
		assign.v4 = vip_of(sa, AF_INET);
		assign.v6 = vip_of(sa, AF_INET6);
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
	}
	if (ike_prop_ike_str(&sa->prop, algs, sizeof(algs)) != 0)
		algs[sizeof(algs) - 1] = '\0';
	if (sa->child == NULL ||
	    ike_prop_esp_str(&sa->child->prop, ealgs, sizeof(ealgs)) != 0)
		snprintf(ealgs, sizeof(ealgs), "none");
	owner_of(sa, owner, sizeof(owner));
	log_info(SUB_IKE, "IKE SA %016llx/%016llx established with %s, "
	    "profile %s, identity \"%s\", auth %s, address %s, IKE %s, ESP %s",
	    (unsigned long long)sa->spi_i, (unsigned long long)sa->spi_r,
	    peer_str(sa, ps, sizeof(ps)), pr->name, owner, sa->auth_verify,
	    vip_str(sa, vs, sizeof(vs)), algs, ealgs);
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
	dpd_arm(sa, ctx->now);
	resp_send(sa, b, &c);
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
		vip_forget(sa);
		session_set_owner(s, NULL);
		if (!sa->resumed || sessiondb_idle(ctx->sdb, s, ctx->now,
		    (uint64_t)pr->reconnect_timeout * 1000) != 0)
			sessiondb_remove(ctx->sdb, s);
	}
	auth_failed(sa, req, "internal error");
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

	if (resp_begin(sa, req, &b, &c) != 0)
		return;
	if ((with_auth && add_our_auth(sa, &c, 1) != 0) ||
	    ike_pld_add_raw(&c, IKE_PLD_EAP, 0, buf_span(eap)) != 0) {
		buf_free(b);
		log_warnx(SUB_IKE, "cannot build an EAP response");
		return;
	}
	resp_send(sa, b, &c);
}

/* Returns 1 when id has the shape of our session-ids (18 letters). */
static int
is_session_id(struct span id)
{
	size_t i;

	if (id.len != SESSION_ID_LEN)
		return 0;
	for (i = 0; i < id.len; i++)
		if (!((id.p[i] >= 'a' && id.p[i] <= 'z') ||
		    (id.p[i] >= 'A' && id.p[i] <= 'Z')))
			return 0;
	return 1;
}

static void
resume_failed(struct ike_sa *sa, const struct ike_msg_hdr *req,
    const char *why)
{
	sessiondb_count(sa->ctx->sdb, SESSIONDB_EV_FAILED);
	auth_failed(sa, req, why);
}

/*
 * A resume (DESIGN.md step 4): IDi is KEY_ID(session-id) and AUTH is a
 * shared-key MAC keyed by the session token. The session must exist
 * (active or idle, not expired), its profile must still allow resumption,
 * and the token must match, compared in constant time. On failure nothing
 * changes but the counter. When the session is still active (the client
 * moved before dead peer detection noticed), its old SAs are replaced.
 */
static void
auth_resume(struct ike_sa *sa, const struct ike_msg_hdr *req,
    const struct ike_pld_id *id, const struct ike_pld_auth *auth)
{
	struct ike_ctx *ctx = sa->ctx;
	const struct cfg_profile *pr = NULL;
	const struct session_addr *addrs;
	struct ike_auth_input in;
	struct ike_sa *old;
	struct session *s;
	size_t i, n;

	sessiondb_count(ctx->sdb, SESSIONDB_EV_INCOMING);
	if ((s = sessiondb_lookup(ctx->sdb, id->data, ctx->now)) == NULL) {
		resume_failed(sa, req, "resume of an unknown or expired "
		    "session");
		return;
	}
	for (i = 0; i < cfg_profile_count(ctx->cfg); i++)
		if (strcmp(cfg_profile_at(ctx->cfg, i)->name,
		    session_profile(s)) == 0)
			pr = cfg_profile_at(ctx->cfg, i);
	if (pr == NULL || pr->reconnect_timeout == 0) {
		resume_failed(sa, req, "resume under a profile that no longer "
		    "allows it");
		return;
	}
	if (auth->method != IKE_AUTH_SHARED_KEY_MIC) {
		resume_failed(sa, req, "resume without a shared-key AUTH");
		return;
	}
	sa->profile = pr;
	peer_auth_input(sa, &in);
	if (ike_auth_psk_verify(&in, session_token(s), auth->data) != 0) {
		sa->profile = NULL;
		resume_failed(sa, req, "resume with a wrong session token");
		return;
	}
	if (!ike_prop_ike_allowed(&sa->prop, pr->proposal)) {
		sa->profile = NULL;
		resume_failed(sa, req, "IKE proposal not allowed by the "
		    "profile");
		return;
	}
	if ((old = session_owner(s)) != NULL) {
		/* Still active: the client came back before we noticed it
		 * had gone. The session and its address stay; the old SAs
		 * go. */
		session_sync(old);
		session_set_owner(s, NULL);
		old->session = NULL;
		vip_forget(old);
		sa_destroy(old, "replaced by a resumed IKE SA");
	}
	/* Active or idle: the old CHILD SA's counters are carried over and
	 * the resume counted. */
	if (sessiondb_resume(ctx->sdb, s, ctx->now) != 0) {
		sa->profile = NULL;
		resume_failed(sa, req, "resume of an expired session");
		return;
	}
	session_set_owner(s, sa);
	sa->session = s;
	sa->resumed = 1;
	sa->auth_verify = "PSK (resumed)";
	if (session_eap_identity(s).len > 0 && copy_span(&sa->eap_identity,
	    session_eap_identity(s)) != 0)
		return;
	/* The session holds the leases: at most one address a family. */
	n = session_addrs(s, &addrs);
	vip_forget(sa);
	for (i = 0; i < n && sa->nvip < 2; i++) {
		if (vip_of(sa, addrs[i].addr.family) != NULL)
			continue;
		sa->vip[sa->nvip] = addrs[i].addr;
		sa->pool[sa->nvip] = addrs[i].pool;
		sa->nvip++;
	}
	establish(sa, req, 1);
}

/* First IKE_AUTH request: identify the profile, then authenticate with
 * the AUTH payload or start EAP. */
static void
auth_first(struct ike_sa *sa, const struct ike_msg_hdr *req,
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
		auth_failed(sa, req, "no IDi");
		return;
	}
	if (copy_span(&sa->idi, m->pld[idx].body) != 0 ||
	    copy_span(&sa->auth1, m->data) != 0)
		return;
	sa->auth1_first = m->pld[0].type;
	if (id.type == IKE_ID_KEY_ID && is_session_id(id.data) &&
	    get_pld(m, IKE_PLD_AUTH, &body) == 0) {
		sa->resume_attempt = 1;
		if (ike_pld_parse_auth(body, &auth) != 0) {
			resume_failed(sa, req, "malformed AUTH payload");
			return;
		}
		auth_resume(sa, req, &id, &auth);
		return;
	}
	if ((sa->profile = cfg_profile_match(ctx->cfg, (enum cfg_id_type)id.type,
	    id.data)) == NULL) {
		auth_failed(sa, req, "no profile matches its identity");
		return;
	}
	if (!ike_prop_ike_allowed(&sa->prop, sa->profile->proposal)) {
		auth_failed(sa, req, "IKE proposal not allowed by the profile");
		return;
	}
	if (get_pld(m, IKE_PLD_AUTH, &body) != 0) {
		/* No AUTH: the client wants EAP (2.16). */
		if (sa->profile->remote_auth != CFG_AUTH_EAP_MSCHAPV2) {
			auth_failed(sa, req, "no AUTH payload");
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
		auth_failed(sa, req, "malformed AUTH payload");
		return;
	}
	peer_auth_input(sa, &in);
	if (auth.method == IKE_AUTH_SHARED_KEY_MIC) {
		if (sa->profile->remote_auth != CFG_AUTH_PSK) {
			auth_failed(sa, req, "PSK not allowed by the profile");
			return;
		}
		if (ike_auth_psk_verify(&in, span_make(sa->profile->psk,
		    sa->profile->psk_len), auth.data) != 0) {
			auth_failed(sa, req, "wrong pre-shared key");
			return;
		}
		sa->auth_verify = "PSK";
	} else {
		if (sa->profile->remote_auth != CFG_AUTH_CERT ||
		    ctx->x509 == NULL ||
		    (pe = prof_ent(ctx, sa->profile)) == NULL ||
		    pe->ncas == 0) {
			auth_failed(sa, req, "signature not allowed by the "
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
			auth_failed(sa, req, r == -E_AUTH ?
			    "certificate not trusted or not matching the "
			    "identity" : "unusable certificate");
			return;
		}
		r = ike_auth_verify(ctx->x509->sig, key, &in, auth.method,
		    auth.data, &scheme);
		ctx->x509->sig->key_free(key);
		if (r != 0) {
			auth_failed(sa, req, "bad signature");
			return;
		}
		sa->auth_verify = ike_auth_scheme_name(scheme);
	}
	establish(sa, req, 1);
}

/* An IKE_AUTH request during EAP (2.16). */
static void
auth_eap(struct ike_sa *sa, const struct ike_msg_hdr *req,
    const struct ike_msg *m)
{
	struct ike_ctx *ctx = sa->ctx;
	struct ike_pld_eap ep;
	struct eap_pkt pkt;
	struct span body, ident;
	enum eap_mschapv2_status st;
	struct buf *out = NULL;
	int r;

	if (get_pld(m, IKE_PLD_EAP, &body) != 0 ||
	    ike_pld_parse_eap(body, &ep) != 0 ||
	    eap_parse(ep.msg, &pkt) != 0) {
		auth_failed(sa, req, "no valid EAP payload");
		return;
	}
	if ((out = buf_new(EAP_MAX_LEN)) == NULL)
		return;
	if (sa->eap == NULL) {
		/* The answer to our Identity request. */
		if (pkt.id != sa->eap_id || eap_parse_identity(&pkt,
		    &ident) != 0 || ident.len == 0) {
			buf_free(out);
			auth_failed(sa, req, "no EAP identity");
			return;
		}
		if (copy_span(&sa->eap_identity, ident) != 0 ||
		    eap_mschapv2_new(IKE_EAP_SERVER_NAME, user_lookup, sa,
		    &sa->eap) != 0 ||
		    eap_mschapv2_start(sa->eap, ++sa->eap_id, out) != 0) {
			buf_free(out);
			auth_failed(sa, req, "cannot start EAP-MSCHAPv2");
			return;
		}
		send_eap(sa, req, out, 0);
		buf_free(out);
		return;
	}
	if ((r = eap_mschapv2_process(sa->eap, ep.msg, out, &st)) != 0) {
		buf_free(out);
		auth_failed(sa, req, r == -E_NOTSUP ?
		    "the client refuses EAP-MSCHAPv2" : "bad EAP message");
		return;
	}
	switch (st) {
	case EAP_MSCHAPV2_CONTINUE:
		send_eap(sa, req, out, 0);
		break;
	case EAP_MSCHAPV2_SUCCESS:
		if (eap_mschapv2_msk(sa->eap, sa->msk) != 0) {
			auth_failed(sa, req, "no MSK");
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
static void
auth_final(struct ike_sa *sa, const struct ike_msg_hdr *req,
    const struct ike_msg *m)
{
	struct ike_auth_input in;
	struct ike_pld_auth auth;
	struct span body;

	if (get_pld(m, IKE_PLD_AUTH, &body) != 0 ||
	    ike_pld_parse_auth(body, &auth) != 0 ||
	    auth.method != IKE_AUTH_SHARED_KEY_MIC) {
		auth_failed(sa, req, "no AUTH after EAP");
		return;
	}
	peer_auth_input(sa, &in);
	if (ike_auth_psk_verify(&in, span_make(sa->msk, sizeof(sa->msk)),
	    auth.data) != 0) {
		auth_failed(sa, req, "AUTH does not match the EAP MSK");
		return;
	}
	establish(sa, req, 0);
}

/* INFORMATIONAL request (1.4): liveness checks and DELETEs. */
static void
handle_info(struct ike_sa *sa, const struct ike_msg_hdr *req,
    const struct ike_msg *m)
{
	struct ike_ctx *ctx = sa->ctx;
	struct ike_pld_delete del, odel;
	struct ike_chain c;
	struct buf *b = NULL;
	uint8_t ours[4];
	size_t i, k;
	int delete_ike = 0, delete_child = 0;

	for (i = 0; i < m->npld; i++) {
		if (m->pld[i].type != IKE_PLD_DELETE ||
		    ike_pld_parse_delete(m->pld[i].body, &del) != 0)
			continue;
		if (del.proto == IKE_PROTO_IKE)
			delete_ike = 1;
		else if (del.proto == IKE_PROTO_ESP && sa->child != NULL)
			/* 3.11: the peer names the SPIs it receives with,
			 * which are our outbound SPIs. */
			for (k = 0; k + 4 <= del.spis.len; k += 4) {
				const uint8_t *q = del.spis.p + k;
				uint32_t spi = (uint32_t)q[0] << 24 |
				    (uint32_t)q[1] << 16 |
				    (uint32_t)q[2] << 8 | q[3];

				if (spi == sa->child->spi_out)
					delete_child = 1;
			}
	}
	if (resp_begin(sa, req, &b, &c) != 0)
		return;
	if (!delete_ike && delete_child) {
		/* Answer with the SPI of our half (1.4.1). */
		uint32_t in = sa->child->spi_in;

		ours[0] = (uint8_t)(in >> 24);
		ours[1] = (uint8_t)(in >> 16);
		ours[2] = (uint8_t)(in >> 8);
		ours[3] = (uint8_t)in;
		memset(&odel, 0, sizeof(odel));
		odel.proto = IKE_PROTO_ESP;
		odel.spi_size = 4;
		odel.nspi = 1;
		odel.spis = span_make(ours, 4);
		if (ike_pld_add_delete(&c, &odel) != 0) {
			buf_free(b);
			return;
		}
	}
	resp_send(sa, b, &c);
	if (delete_ike) {
		ctx->st.deleted_by_peer++;
		sa_ended(sa, "deleted by the peer");
	} else if (delete_child) {
		char ps[NET_ADDRSTRLEN];

		log_info(SUB_IKE, "CHILD SA %08x/%08x with %s deleted by the "
		    "peer", sa->child->spi_in, sa->child->spi_out,
		    peer_str(sa, ps, sizeof(ps)));
		remove_child(sa);
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
		auth_failed(sa, req, "INFORMATIONAL before IKE_AUTH");
		return;
	}
	sa->ctx->st.auth_failed++;
	log_info(SUB_IKE, "authentication of %s failed: the peer gave up "
	    "with %s", peer_str(sa, ps, sizeof(ps)),
	    ike_pld_notify_name(n.type));
	if (resp_begin(sa, req, &b, &c) == 0)
		resp_send(sa, b, &c);
	sa_destroy(sa, NULL);
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
		if (log_ratelimit_ok(&rl_input, 5))
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
		if ((sa = find_by_r(ctx, h->spi_r)) == NULL ||
		    sa->spi_i != h->spi_i || h->exch == IKE_EXCH_SA_INIT) {
			ctx->st.rx_invalid++;
			return;
		}
		handle_response(sa, m, ctx->rx, dgram.len, p);
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
				send_buf(ctx, p, sa->init_resp);
			} else
				ctx->st.rx_invalid++;
			return;
		}
		if ((r = ike_msg_verify(m, &bad)) != 0) {
			uint16_t nt = ike_msg_err_notify(r);

			ctx->st.rx_invalid++;
			if (log_ratelimit_ok(&rl_input, 5))
				log_info(SUB_IKE, "invalid IKE_SA_INIT from %s: "
				    "%s", ps, err_str(r));
			if (nt != 0)
				init_notify(ctx, h, p, nt, nt ==
				    IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD ?
				    span_make(&bad, 1) : span_make(NULL, 0));
			return;
		}
		handle_init(ctx, m, dgram, p);
		return;
	}

	if ((sa = find_by_r(ctx, h->spi_r)) == NULL || sa->spi_i != h->spi_i) {
		ctx->st.rx_unknown_spi++;
		if (log_ratelimit_ok(&rl_input, 5))
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
		send_buf(ctx, &sa->path, sa->last_resp);
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
		if (log_ratelimit_ok(&rl_input, 5))
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
		if (sa->state != IKE_S_ESTABLISHED)
			auth_failed(sa, h, "invalid message");
		else
			resp_notify(sa, h, IKE_N_INVALID_SYNTAX);
		return;
	}
	switch (h->exch) {
	case IKE_EXCH_AUTH:
		if (sa->state == IKE_S_HALF_OPEN)
			auth_first(sa, h, &ctx->inner);
		else if (sa->state == IKE_S_EAP)
			auth_eap(sa, h, &ctx->inner);
		else if (sa->state == IKE_S_EAP_DONE)
			auth_final(sa, h, &ctx->inner);
		else
			resp_notify(sa, h, IKE_N_INVALID_SYNTAX);
		break;
	case IKE_EXCH_INFORMATIONAL:
		if (sa->state == IKE_S_ESTABLISHED)
			handle_info(sa, h, &ctx->inner);
		else
			handle_info_early(sa, h, &ctx->inner);
		break;
	case IKE_EXCH_CREATE_CHILD_SA:
		/* Rekeying is not supported yet: refuse cleanly so the
		 * client keeps the current SAs or reconnects. */
		resp_notify(sa, h, IKE_N_NO_ADDITIONAL_SAS);
		break;
	default:
		resp_notify(sa, h, IKE_N_INVALID_SYNTAX);
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

/* A session leaves the database (expired, or removed): its address goes
 * back to the pool. */
static void
session_release(void *arg, struct session *s, enum sessiondb_why why)
{
	const struct session_addr *addrs;
	char own[128], as[POOL_ADDR_STRLEN];
	size_t i, n = session_addrs(s, &addrs);

	(void)arg;
	for (i = 0; i < n; i++)
		if (addrs[i].pool != NULL &&
		    pool_release(addrs[i].pool, &addrs[i].addr) != 0)
			log_warnx(SUB_IKE, "address %s was not leased",
			    pool_addr_ntop(&addrs[i].addr, as));
	if (why == SESSIONDB_EXPIRED)
		log_info(SUB_IKE, "idle session of \"%s\" expired%s%s",
		    session_owner_name(s, own, sizeof(own)),
		    n > 0 ? ", address released: " : "",
		    n > 0 ? pool_addr_ntop(&addrs[0].addr, as) : "");
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
	if ((r = build_pools(ctx)) != 0 || (r = load_cas(ctx)) != 0)
		goto fail;
	{
		struct sessiondb_conf sc;

		memset(&sc, 0, sizeof(sc));
		sc.timers = th;
		sc.release = session_release;
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
		sa_destroy(ctx->all, NULL);
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

int
ike_ctx_show_sa(struct ike_ctx *ctx, struct buf *out, int json)
{
	char ps[NET_ADDRSTRLEN], ls[NET_ADDRSTRLEN], vs[POOL_ADDR_STRLEN];
	char algs[64], ealgs[64], owner[256];
	struct ike_sa *sa;
	const struct child_sa *ch;
	int r = 0, first = 1;

	if (json && (r = buf_add_u8(out, '[')) != 0)
		return r;
	for (sa = ctx->all; sa != NULL && r == 0; sa = sa->next_all) {
		if (sa->child != NULL && ctx->io.child_stats != NULL)
			ctx->io.child_stats(ctx->io.arg, sa->child);
		ch = sa->child;
		peer_str(sa, ps, sizeof(ps));
		net_addr_str((const struct sockaddr *)&sa->path.local, ls,
		    sizeof(ls));
		if (ike_prop_ike_str(&sa->prop, algs, sizeof(algs)) != 0)
			algs[sizeof(algs) - 1] = '\0';
		if (ch == NULL ||
		    ike_prop_esp_str(&ch->prop, ealgs, sizeof(ealgs)) != 0)
			ealgs[0] = '\0';
		if (sa->idi != NULL)
			owner_of(sa, owner, sizeof(owner));
		else
			owner[0] = '\0';
		if (sa->nvip > 0)
			pool_addr_ntop(&sa->vip[0], vs);
		else
			vs[0] = '\0';
		if (json) {
			r = buf_addf(out, "%s{\"spi_i\":\"%016llx\",\"spi_r\":"
			    "\"%016llx\",\"state\":\"%s\",\"local\":", first ?
			    "" : ",", (unsigned long long)sa->spi_i,
			    (unsigned long long)sa->spi_r,
			    state_names[sa->state]);
			first = 0;
			if (r == 0) r = buf_add_json_str(out, span_str(ls));
			if (r == 0) r = buf_addf(out, ",\"remote\":");
			if (r == 0) r = buf_add_json_str(out, span_str(ps));
			if (r == 0) r = buf_addf(out, ",\"nat\":%s,\"profile\":",
			    sa->nat_peer || sa->nat_local ? "true" : "false");
			if (r == 0) r = buf_add_json_str(out, span_str(sa->profile ?
			    sa->profile->name : ""));
			if (r == 0) r = buf_addf(out, ",\"identity\":");
			if (r == 0) r = buf_add_json_str(out, span_str(owner));
			if (r == 0) r = buf_addf(out, ",\"auth\":");
			if (r == 0) r = buf_add_json_str(out, span_str(sa->auth_verify ?
			    sa->auth_verify : ""));
			if (r == 0) r = buf_addf(out, ",\"ike\":\"%s\",\"address\":"
			    "\"%s\",\"uptime\":%llu", algs, vs,
			    (unsigned long long)((ctx->now - sa->created) /
			    1000));
			if (r == 0 && ch != NULL)
				r = buf_addf(out, ",\"child\":{\"spi_in\":"
				    "\"%08x\",\"spi_out\":\"%08x\",\"esp\":"
				    "\"%s\",\"esn\":%s,\"bytes_in\":%llu,"
				    "\"bytes_out\":%llu,\"packets_in\":%llu,"
				    "\"packets_out\":%llu,\"drops_in\":%llu,"
				    "\"drops_out\":%llu}", ch->spi_in,
				    ch->spi_out, ealgs, ch->prop.esn ? "true" :
				    "false",
				    (unsigned long long)ch->bytes_in,
				    (unsigned long long)ch->bytes_out,
				    (unsigned long long)ch->packets_in,
				    (unsigned long long)ch->packets_out,
				    (unsigned long long)ch->drops_in,
				    (unsigned long long)ch->drops_out);
			if (r == 0)
				r = buf_add_u8(out, '}');
			continue;
		}
		r = buf_addf(out, "IKE SA %016llx/%016llx %s\n"
		    "  local %s remote %s%s\n"
		    "  profile %s identity \"%s\" auth %s\n"
		    "  %s address %s up %llus\n",
		    (unsigned long long)sa->spi_i, (unsigned long long)sa->spi_r,
		    state_names[sa->state], ls, ps,
		    sa->nat_peer || sa->nat_local ? " (NAT)" : "",
		    sa->profile ? sa->profile->name : "-", owner,
		    sa->auth_verify ? sa->auth_verify : "-", algs,
		    vs[0] ? vs : "-",
		    (unsigned long long)((ctx->now - sa->created) / 1000));
		if (r == 0 && ch != NULL) {
			r = buf_add(out, "  ", 2);
			if (r == 0)
				r = child_sa_format(ch, ctx->now, out);
		}
	}
	if (r == 0 && json)
		r = buf_add(out, "]\n", 2);
	return r;
}

int
ike_ctx_show_pools(struct ike_ctx *ctx, struct buf *out, int json)
{
	const struct ike_pool_ent *pe;
	const struct pool *pl;
	size_t i, f, total, used;
	int r = 0, first = 1;

	if (json && (r = buf_add_u8(out, '[')) != 0)
		return r;
	for (i = 0; i < ctx->npools && r == 0; i++) {
		pe = &ctx->pools[i];
		for (f = 0; f < 2 && r == 0; f++) {
			if ((pl = f == 0 ? pe->v4 : pe->v6) == NULL)
				continue;
			pool_stats(pl, &total, &used);
			if (!json) {
				r = buf_addf(out, "pool %s %s total %zu used %zu\n",
				    pe->cfg->name, f == 0 ? "ipv4" : "ipv6",
				    total, used);
				continue;
			}
			r = buf_addf(out, "%s{\"name\":", first ? "" : ",");
			first = 0;
			if (r == 0)
				r = buf_add_json_str(out, span_str(pe->cfg->name));
			if (r == 0)
				r = buf_addf(out, ",\"family\":\"%s\","
				    "\"total\":%zu,\"used\":%zu}",
				    f == 0 ? "ipv4" : "ipv6", total, used);
		}
	}
	if (r == 0 && json)
		r = buf_add(out, "]\n", 2);
	return r;
}

/* Refreshes the counters an active session shows. */
static int
sync_one(void *arg, struct session *s)
{
	struct ike_sa *sa = session_owner(s);

	(void)arg;
	if (sa != NULL)
		session_sync(sa);
	return 0;
}

int
ike_ctx_show_sessions(struct ike_ctx *ctx, struct buf *out, unsigned flags)
{
	(void)sessiondb_foreach(ctx->sdb, sync_one, NULL);
	return sessiondb_show(ctx->sdb, out, ctx->now, flags);
}

int
ike_ctx_stats_reconnect(struct ike_ctx *ctx, struct buf *out, int json)
{
	return sessiondb_show_stats(ctx->sdb, out, json);
}

/* Tells the client its IKE SA is gone (1.4.1), best effort: the SA is
 * deleted at once, without waiting for an answer. */
static void
send_delete(struct ike_sa *sa)
{
	struct ike_pld_delete del;
	struct ike_msg_hdr h;
	struct ike_chain c;
	struct buf *b;

	if (sa->dpd_outstanding)
		sa->our_msgid++;
	if ((b = buf_new(1024)) == NULL)
		return;
	memset(&h, 0, sizeof(h));
	h.spi_i = sa->spi_i;
	h.spi_r = sa->spi_r;
	h.version = IKE_VERSION;
	h.exch = IKE_EXCH_INFORMATIONAL;
	h.msgid = sa->our_msgid;
	memset(&del, 0, sizeof(del));
	del.proto = IKE_PROTO_IKE;
	if (ike_msg_begin(&c, b, &h) == 0 &&
	    ike_msg_sk_begin(&c, ike_sk_iv_len(&sa->sk)) == 0 &&
	    ike_pld_add_delete(&c, &del) == 0 &&
	    ike_sk_seal(&sa->sk, &c, 0) == 0)
		send_buf(sa->ctx, &sa->path, b);
	buf_free(b);
}

int
ike_ctx_disconnect(struct ike_ctx *ctx, struct span id)
{
	struct session *s;
	struct ike_sa *sa;
	char own[128];

	if ((s = sessiondb_lookup(ctx->sdb, id, ctx->now)) == NULL)
		return -E_NOENT;
	log_info(SUB_IKE, "session of \"%s\" disconnected by the operator",
	    session_owner_name(s, own, sizeof(own)));
	if ((sa = session_owner(s)) != NULL) {
		if (sa->state == IKE_S_ESTABLISHED)
			send_delete(sa);
		sa_ended(sa, "disconnected by the operator");
	} else
		sessiondb_remove(ctx->sdb, s);
	return 0;
}

#if IKEGATE_DEBUG
static int
debug_one(void *arg, struct session *s)
{
	const struct session_addr *addrs;
	struct buf *out = arg;
	char as[POOL_ADDR_STRLEN], own[128];
	struct span tok = session_token(s);

	return buf_addf(out, "%s %.*s %s %s %s\n", session_id(s), (int)tok.len,
	    (const char *)tok.p, session_owner_name(s, own, sizeof(own)),
	    session_addrs(s, &addrs) > 0 ?
	    pool_addr_ntop(&addrs[0].addr, as) : "-",
	    session_state(s) == SESSION_ACTIVE ? "active" : "idle");
}

int
ike_ctx_debug_sessions(struct ike_ctx *ctx, struct buf *out)
{
	return sessiondb_foreach(ctx->sdb, debug_one, out);
}
#else
int
ike_ctx_debug_sessions(struct ike_ctx *ctx, struct buf *out)
{
	(void)ctx;
	(void)out;
	return -E_NOTSUP;
}
#endif
