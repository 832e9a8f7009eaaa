/*
 * ike_sa_session.c: the IKE SA's resumable session (DESIGN.md, "The flow
 * of a session"): its start, what becomes of it when the SA is lost or
 * ended, the resume in IKE_AUTH, and the operator's disconnect.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/child_sa.h"
#include "core/ike_auth.h"
#include "core/ike_msg.h"
#include "core/ike_prop.h"
#include "core/ike_sa.h"
#include "core/ike_sa_int.h"
#include "core/ike_sk.h"
#include "core/log.h"
#include "core/pool.h"
#include "core/session.h"
#include "core/sessiondb.h"

/* Writes the identity a session belongs to, for logs and views: its EAP
 * identity, else its first IDi, with unprintable bytes as '.'. Never the
 * session-id or token. */
const char *
ike_sa__session_owner_name(const struct session *s, char *buf, size_t len)
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

void
ike_sa__session_count(struct ike_sa *sa, struct child_sa *c)
{
	struct ike_ctx *ctx = sa->ctx;
	struct session_counters sc;

	if (sa->session == NULL || c == NULL)
		return;
	if (ctx->io.child_stats != NULL)
		ctx->io.child_stats(ctx->io.arg, c);
	sc.pkts_in = c->packets_in;
	sc.pkts_out = c->packets_out;
	sc.bytes_in = c->bytes_in;
	sc.bytes_out = c->bytes_out;
	session_count_live(sa->session, &sc);
}

/* Carries the CHILD SA's counters into the session. */
void
ike_sa__session_sync(struct ike_sa *sa)
{
	ike_sa__session_count(sa, sa->child);
}

/*
 * The IKE SA is lost (dead peer, or gone without the client's DELETE):
 * a resumable session goes idle for its profile's reconnect_timeout with
 * its address still reserved; then the SA is freed.
 */
void
ike_sa__sa_lost(struct ike_sa *sa, const char *why)
{
	struct ike_ctx *ctx = sa->ctx;
	struct session *s = sa->session;
	char own[128];

	if (s != NULL) {
		ike_sa__session_sync(sa);
		ike_sa__remove_child(sa);
		session_set_owner(s, NULL);
		sa->session = NULL;
		/* The session keeps the lease. */
		ike_sa__vip_forget(sa);
		if (sessiondb_idle(ctx->sdb, s, ctx->now,
		    (uint64_t)sa->profile->reconnect_timeout * 1000) == 0)
			log_info(SUB_IKE, "session of \"%s\" kept for "
			    "resumption for %u s",
			    ike_sa__session_owner_name(s, own, sizeof(own)),
			    sa->profile->reconnect_timeout);
		else
			sessiondb_remove(ctx->sdb, s);
	}
	ike_sa__sa_destroy(sa, why);
}

/* The client ended its IKE SA on purpose (2.4, DELETE) or the operator
 * disconnected it: the session ends too and its address is released. */
void
ike_sa__sa_ended(struct ike_sa *sa, const char *why)
{
	struct session *s = sa->session;

	if (s != NULL) {
		sa->session = NULL;
		ike_sa__vip_forget(sa);
		sessiondb_remove(sa->ctx->sdb, s);
	}
	ike_sa__sa_destroy(sa, why);
}

/* The owner string the pool remembers for sticky addresses. */
void
ike_sa__owner_of(const struct ike_sa *sa, char *buf, size_t len)
{
	if (sa->session != NULL) {
		ike_sa__session_owner_name(sa->session, buf, len);
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
int
ike_sa__session_start(struct ike_sa *sa)
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

/* Returns 1 when id has the shape of our session-ids (18 letters). */
int
ike_sa__is_session_id(struct span id)
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

void
ike_sa__resume_failed(struct ike_sa *sa, const struct ike_msg_hdr *req,
    const char *why)
{
	sessiondb_count(sa->ctx->sdb, SESSIONDB_EV_FAILED);
	ike_sa__auth_failed(sa, req, why);
}

/*
 * A resume (DESIGN.md step 4): IDi is KEY_ID(session-id) and AUTH is a
 * shared-key MAC keyed by the session token. The session must exist
 * (active or idle, not expired), its profile must still allow resumption,
 * and the token must match, compared in constant time. On failure nothing
 * changes but the counter. When the session is still active (the client
 * moved before dead peer detection noticed), its old SAs are replaced.
 */
void
ike_sa__auth_resume(struct ike_sa *sa, const struct ike_msg_hdr *req,
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
		ike_sa__resume_failed(sa, req,
		    "resume of an unknown or expired "
		    "session");
		return;
	}
	for (i = 0; i < cfg_profile_count(ctx->cfg); i++)
		if (strcmp(cfg_profile_at(ctx->cfg, i)->name,
		    session_profile(s)) == 0)
			pr = cfg_profile_at(ctx->cfg, i);
	if (pr == NULL || pr->reconnect_timeout == 0) {
		ike_sa__resume_failed(sa, req,
		    "resume under a profile that no longer "
		    "allows it");
		return;
	}
	if (auth->method != IKE_AUTH_SHARED_KEY_MIC) {
		ike_sa__resume_failed(sa, req,
		    "resume without a shared-key AUTH");
		return;
	}
	sa->profile = pr;
	ike_sa__peer_auth_input(sa, &in);
	if (ike_auth_psk_verify(&in, session_token(s), auth->data) != 0) {
		sa->profile = NULL;
		ike_sa__resume_failed(sa, req,
		    "resume with a wrong session token");
		return;
	}
	if (!ike_prop_ike_allowed(&sa->prop, pr->proposal)) {
		sa->profile = NULL;
		ike_sa__resume_failed(sa, req,
		    "IKE proposal not allowed by the "
		    "profile");
		return;
	}
	if ((old = session_owner(s)) != NULL) {
		/* Still active: the client came back before we noticed it
		 * had gone. The session and its address stay; the old SAs
		 * go. */
		ike_sa__session_sync(old);
		session_set_owner(s, NULL);
		old->session = NULL;
		ike_sa__vip_forget(old);
		ike_sa__sa_destroy(old, "replaced by a resumed IKE SA");
	}
	/* Active or idle: the old CHILD SA's counters are carried over and
	 * the resume counted. */
	if (sessiondb_resume(ctx->sdb, s, ctx->now) != 0) {
		sa->profile = NULL;
		ike_sa__resume_failed(sa, req, "resume of an expired session");
		return;
	}
	session_set_owner(s, sa);
	sa->session = s;
	sa->resumed = 1;
	sa->auth_verify = "PSK (resumed)";
	if (session_eap_identity(s).len > 0 &&
	    ike_sa__copy_span(&sa->eap_identity,
	    session_eap_identity(s)) != 0)
		return;
	/* The session holds the leases: at most one address a family. */
	n = session_addrs(s, &addrs);
	ike_sa__vip_forget(sa);
	for (i = 0; i < n && sa->nvip < 2; i++) {
		if (ike_sa__vip_of(sa, addrs[i].addr.family) != NULL)
			continue;
		sa->vip[sa->nvip] = addrs[i].addr;
		sa->pool[sa->nvip] = addrs[i].pool;
		sa->nvip++;
	}
	ike_sa__establish(sa, req, 1);
}

/* A session leaves the database (expired, or removed): its address goes
 * back to the pool. */
void
ike_sa__session_release(void *arg, struct session *s, enum sessiondb_why why)
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
		    ike_sa__session_owner_name(s, own, sizeof(own)),
		    n > 0 ? ", address released: " : "",
		    n > 0 ? pool_addr_ntop(&addrs[0].addr, as) : "");
}

/* Tells the client its IKE SA is gone (1.4.1), best effort: the SA is
 * deleted at once, without waiting for an answer. */
static void
send_delete(struct ike_sa *sa)
{
	struct ike_pld_delete del;
	struct ike_chain c;
	struct buf *b;

	if (sa->req_kind != IKE_REQ_NONE)
		sa->our_msgid++;
	if (ike_sa__req_begin(sa, IKE_EXCH_INFORMATIONAL, &b, &c) != 0)
		return;
	memset(&del, 0, sizeof(del));
	del.proto = IKE_PROTO_IKE;
	if (ike_pld_add_delete(&c, &del) == 0 &&
	    ike_sk_seal(&sa->sk, &c, 0) == 0)
		ike_sa__send_buf(sa->ctx, &sa->path, b);
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
	    ike_sa__session_owner_name(s, own, sizeof(own)));
	if ((sa = session_owner(s)) != NULL) {
		if (sa->state == IKE_S_ESTABLISHED)
			send_delete(sa);
		ike_sa__sa_ended(sa, "disconnected by the operator");
	} else
		sessiondb_remove(ctx->sdb, s);
	return 0;
}
