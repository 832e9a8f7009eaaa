/*
 * ike_sa_show.c: the responder's views for ikectl (see ike_ctx_show_sa
 * and the others in ike_sa.h): IKE SAs, pools, sessions, counters.
 */
#include "config.h"

#include <stdio.h>

#include "core/child_sa.h"
#include "core/ike_prop.h"
#include "core/ike_sa.h"
#include "core/ike_sa_int.h"
#include "core/pool.h"
#include "core/session.h"
#include "core/sessiondb.h"

static const char *const state_names[] = {
	"HALF-OPEN", "EAP", "EAP-DONE", "ESTABLISHED", "REKEYED", "DELETING",
};

/* What is left of ch's lifetime (IOS's "remaining key lifetime"): whole
 * seconds, kilobytes (-1: no volume limit) on the busier of its SAs, and
 * seconds until our rekey is due (-1: none armed). */
struct life_left {
	long long	 s, kb, rekey_s;
};

static struct life_left
life_left(const struct ike_sa *sa, const struct child_sa *ch, uint64_t now)
{
	struct life_left l = { 0, -1, -1 };
	uint64_t end = ch->created_ms + (uint64_t)sa->profile->esp->lifetime *
	    1000, used = ch->bytes_in > ch->bytes_out ? ch->bytes_in :
	    ch->bytes_out;

	l.s = end > now ? (long long)((end - now) / 1000) : 0;
	if (ch->life_bytes != 0)
		l.kb = used < ch->life_bytes ?
		    (long long)((ch->life_bytes - used) / 1024) : 0;
	if (timer_armed(&sa->t_life))
		l.rekey_s = timer_deadline(&sa->t_life) > now ?
		    (long long)((timer_deadline(&sa->t_life) - now) / 1000) :
		    0;
	return l;
}

int
ike_ctx_show_sa(struct ike_ctx *ctx, struct buf *out, int json)
{
	char ps[NET_ADDRSTRLEN], ls[NET_ADDRSTRLEN], vs[POOL_ADDR_STRLEN];
	char algs[64], ealgs[64], owner[256];
	struct ike_sa *sa;
	const struct child_sa *ch;
	struct life_left l = { 0, -1, -1 };
	int r = 0, first = 1;

	if (json && (r = buf_add_u8(out, '[')) != 0)
		return r;
	for (sa = ctx->all; sa != NULL && r == 0; sa = sa->next_all) {
		if (sa->child != NULL && ctx->io.child_stats != NULL)
			ctx->io.child_stats(ctx->io.arg, sa->child);
		ch = sa->child;
		if (ch != NULL && sa->profile != NULL)
			l = life_left(sa, ch, ctx->now);
		ike_sa__peer_str(sa, ps, sizeof(ps));
		net_addr_str((const struct sockaddr *)&sa->path.local, ls,
		    sizeof(ls));
		if (ike_prop_ike_str(&sa->prop, algs, sizeof(algs)) != 0)
			algs[sizeof(algs) - 1] = '\0';
		if (ch == NULL ||
		    ike_prop_esp_str(&ch->prop, ealgs, sizeof(ealgs)) != 0)
			ealgs[0] = '\0';
		if (sa->idi != NULL)
			ike_sa__owner_of(sa, owner, sizeof(owner));
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
				    "\"drops_out\":%llu,\"rekeys\":%u,"
				    "\"life_left_s\":%lld,\"life_left_kb\":"
				    "%lld,\"rekey_due_s\":%lld}",
				    ch->spi_in,
				    ch->spi_out, ealgs, ch->prop.esn ? "true" :
				    "false",
				    (unsigned long long)ch->bytes_in,
				    (unsigned long long)ch->bytes_out,
				    (unsigned long long)ch->packets_in,
				    (unsigned long long)ch->packets_out,
				    (unsigned long long)ch->drops_in,
				    (unsigned long long)ch->drops_out,
				    sa->child_rekeys, l.s, l.kb, l.rekey_s);
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
			if (r == 0 && sa->child_rekeys > 0)
				r = buf_addf(out, "  rekeyed %u time%s\n",
				    sa->child_rekeys, sa->child_rekeys == 1 ?
				    "" : "s");
			if (r == 0 && l.kb < 0)
				r = buf_addf(out, "  remaining key lifetime "
				    "(k/sec): (-/%lld)", l.s);
			else if (r == 0)
				r = buf_addf(out, "  remaining key lifetime "
				    "(k/sec): (%lld/%lld)", l.kb, l.s);
			if (r == 0)
				r = l.rekey_s >= 0 ? buf_addf(out, ", rekey "
				    "in %llds\n", l.rekey_s) : buf_add(out,
				    "\n", 1);
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
		ike_sa__session_sync(sa);
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

int
ike_ctx_stats_ike(const struct ike_ctx *ctx, struct buf *out, int json)
{
	const struct ike_stats *st = &ctx->st;
	unsigned th = cfg_gateway(ctx->cfg)->cookie_threshold;
	char ths[32];

	if (th == CFG_COOKIES_OFF)
		snprintf(ths, sizeof(ths), json ? "null" : "off");
	else
		snprintf(ths, sizeof(ths), "%u", th);
	return buf_addf(out, json ?
	    "{\"rx\":%llu,\"rx_invalid\":%llu,\"rx_retransmit\":%llu,"
	    "\"rx_unknown_spi\":%llu,\"tx\":%llu,\"init_ok\":%llu,"
	    "\"init_invalid_ke\":%llu,\"init_no_proposal\":%llu,"
	    "\"cookie_threshold\":%s,\"cookies_sent\":%llu,"
	    "\"cookies_ok\":%llu,\"cookies_bad\":%llu,\"auth_ok\":%llu,"
	    "\"auth_failed\":%llu,\"half_open\":%zu,"
	    "\"half_open_expired\":%llu,\"ike_sas\":%zu,\"child_sas\":%zu,"
	    "\"dpd_sent\":%llu,\"dpd_dead\":%llu,"
	    "\"deleted_by_peer\":%llu,\"child_rekeys\":%llu,"
	    "\"ike_rekeys\":%llu}\n" :
	    "messages: received %llu (invalid %llu, retransmitted %llu, "
	    "unknown SPI %llu), sent %llu\n"
	    "IKE_SA_INIT: ok %llu, invalid KE %llu, no proposal %llu\n"
	    "cookies (from %s half-open): sent %llu, accepted %llu, "
	    "wrong or stale %llu\n"
	    "IKE_AUTH: ok %llu, failed %llu\n"
	    "half-open: %zu, expired %llu\n"
	    "IKE SAs %zu, CHILD SAs %zu\n"
	    "dead peer detection: probes %llu, dead %llu\n"
	    "deleted by peers %llu, rekeys: CHILD %llu, IKE %llu\n",
	    (unsigned long long)st->rx, (unsigned long long)st->rx_invalid,
	    (unsigned long long)st->rx_retransmit,
	    (unsigned long long)st->rx_unknown_spi,
	    (unsigned long long)st->tx, (unsigned long long)st->init_ok,
	    (unsigned long long)st->init_invalid_ke,
	    (unsigned long long)st->init_no_proposal, ths,
	    (unsigned long long)st->init_cookie_sent,
	    (unsigned long long)st->init_cookie_ok,
	    (unsigned long long)st->init_cookie_bad,
	    (unsigned long long)st->auth_ok,
	    (unsigned long long)st->auth_failed, st->half_open,
	    (unsigned long long)st->half_open_expired, st->ike_sas,
	    st->child_sas, (unsigned long long)st->dpd_sent,
	    (unsigned long long)st->dpd_dead,
	    (unsigned long long)st->deleted_by_peer,
	    (unsigned long long)st->child_rekeys,
	    (unsigned long long)st->ike_rekeys);
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
	    (const char *)tok.p,
	    ike_sa__session_owner_name(s, own, sizeof(own)),
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
