/* dp_child.c: the data plane's CHILD SAs (see dp.h): their ESP SA pairs
 * installed in and removed from the tables, freed after a grace period
 * with threads, and their counters. */
#include "config.h"

#include <netinet/in.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "core/child_sa.h"
#include "core/ct.h"
#include "core/dp.h"
#include "core/dp_int.h"
#include "core/err.h"
#include "core/esp.h"
#include "core/log.h"
#include "core/qsbr.h"

/* How often the loop looks for ended grace periods while SAs wait to be
 * freed: every thread passes a quiescent state within one batch or
 * sleeps offline, so one tick normally frees everything. */
#define DP_GC_MS	20

_Static_assert(DP_VIPS_MAX <= ESP_DST_MAX,
    "an outbound SA must have room for every inner address");
/* Every selector of a CHILD SA fits its inbound ESP SA. */
_Static_assert(CHILD_SA_MAX_TS <= ESP_TS_MAX,
    "an ESP SA must hold the selectors of a CHILD SA");

static void gc_arm(struct dp *);

static struct dp_child **
child_slot(struct dp *dp, uint32_t spi)
{
	struct dp_child **pp;

	for (pp = &dp->children[spi % DP_HASH]; *pp; pp = &(*pp)->next)
		if ((*pp)->spi_in == spi)
			break;
	return pp;
}

static const struct dp_child *
child_find(const struct dp *dp, uint32_t spi)
{
	const struct dp_child *c;

	for (c = dp->children[spi % DP_HASH]; c; c = c->next)
		if (c->spi_in == spi)
			return c;
	return NULL;
}

static void
sel_to_ts(const struct child_sa_sel *s, struct esp_ts *t)
{
	memset(t, 0, sizeof(*t));
	t->family = s->family;
	memcpy(t->start, s->start, sizeof(t->start));
	memcpy(t->end, s->end, sizeof(t->end));
}

/* Copies the selectors sel[0..n) into ts[0..n). */
static void
sels_to_ts(const struct child_sa_sel *sel, size_t n, struct esp_ts *ts)
{
	size_t i;

	for (i = 0; i < n; i++)
		sel_to_ts(&sel[i], &ts[i]);
}

/* Returns 1 when one of sel[0..n) is of family. */
static int
sels_have(const struct child_sa_sel *sel, size_t n, int family)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (sel[i].family == family)
			return 1;
	return 0;
}

/* The client's outbound SA becomes the default of each family in fams
 * (1: IPv4, 2: IPv6); all or none. */
static int
defaults_set(struct dp *dp, unsigned fams, struct esp_sa *out)
{
	static const int fam[2] = { AF_INET, AF_INET6 };
	struct esp_sa *old;
	size_t i, j;
	int r;

	for (i = 0; i < 2; i++) {
		if (!(fams & (1u << i)))
			continue;
		if ((r = esp_sadb_set_default(dp->db, fam[i], out,
		    &old)) != 0 || old != NULL) {
			/* Another CHILD SA has it: put it back. */
			if (r == 0 && esp_sadb_set_default(dp->db, fam[i],
			    old, &old) != 0)
				r = -E_INTERNAL;
			for (j = 0; j < i; j++)
				if ((fams & (1u << j)) &&
				    esp_sadb_set_default(dp->db, fam[j], NULL,
				    &old) != 0)
					r = -E_INTERNAL;
			return r != 0 ? r : -E_EXIST;
		}
	}
	return 0;
}

/* An SA's lifetime event, on the thread that processed its packet: the
 * loop is told (dp__on_due), never blocked on. */
static void
on_esp_event(struct esp_sa *sa, enum esp_event ev, void *arg)
{
	struct dp_child *ch = arg;

	(void)sa;
	__atomic_fetch_or(&ch->due, ev == ESP_EV_SOFT ? DP_DUE_SOFT :
	    DP_DUE_HARD, __ATOMIC_RELEASE);
	if (__atomic_load_n(&ch->dp->due_open, __ATOMIC_ACQUIRE))
		uv_async_send(&ch->dp->due);
}

/* The volume limits of c's SAs into p: soft at 75 to 80% of life_bytes
 * (spread by the SPI, random), hard at it; and without ESN, soft at 3/4
 * of the sequence numbers, which RFC 4303 3.3.3 never lets wrap: ours
 * outbound, the peer's as the packets that arrive count them (a peer
 * that does not rekey in time would stop dead). */
static void
set_limits(struct dp *dp, struct dp_child *ch, const struct child_sa *c,
    struct esp_sa_params *p)
{
	uint64_t hard = c->life_bytes;

	memset(&p->life, 0, sizeof(p->life));
	p->hook = NULL;
	p->hook_arg = NULL;
	if (dp->ops.due == NULL)
		return;
	if (hard != 0) {
		p->life.hard_bytes = hard;
		p->life.soft_bytes = hard / 4 * 3 + hard / 20 *
		    (p->spi % 1000) / 1000;
	}
	if (!p->esn)
		p->life.soft_packets = (uint64_t)3 << 30;
	p->hook = on_esp_event;
	p->hook_arg = ch;
}

void
dp__on_due(uv_async_t *a)
{
	struct dp *dp = a->data;
	struct dp_child *ch;
	unsigned due;
	size_t i;

	for (i = 0; i < DP_HASH; i++)
		for (ch = dp->children[i]; ch != NULL; ch = ch->next) {
			if (__atomic_load_n(&ch->due, __ATOMIC_RELAXED) == 0)
				continue;
			due = __atomic_exchange_n(&ch->due, 0,
			    __ATOMIC_ACQUIRE);
			if (dp->ops.due != NULL && due != 0)
				dp->ops.due(dp->ops.arg, ch->spi_in,
				    (due & DP_DUE_HARD) != 0);
		}
}

int
dp_child_up(struct dp *dp, const struct child_sa *c,
    const struct pool_addr *vips, size_t nvip, const struct net_path *path)
{
	struct esp_sa_params p;
	struct dp_child *ch = NULL, **pp;
	int ini = c->we_initiated != 0, client = nvip == 0, in_added = 0;
	size_t i;
	int r = -E_INTERNAL;

	memset(&p, 0, sizeof(p));
	pp = child_slot(dp, c->spi_in);
	if (*pp != NULL)
		return -E_EXIST;
	if ((nvip > 0 && vips == NULL) || nvip > DP_VIPS_MAX)
		return -E_INVAL;
	if (c->replaces != 0 && child_find(dp, c->replaces) == NULL)
		return -E_NOENT;
	/* Every selector must be enforced; refuse rather than drop some
	 * (with CHILD_SA_MAX_TS <= ESP_TS_MAX, only a caller's bug). */
	if (c->ts.ni > ESP_TS_MAX || c->ts.nr > ESP_TS_MAX)
		return -E_TOOMANY;
	if ((ch = calloc(1, sizeof(*ch))) == NULL)
		return -E_NOMEM;
	ch->spi_in = c->spi_in;
	ch->dp = dp;
	ch->client = client;
	/* The peer's selectors: the initiator's are TSi (2.9). */
	ch->fams = (sels_have(ini ? c->ts.r : c->ts.i, ini ? c->ts.nr :
	    c->ts.ni, AF_INET) ? 1u : 0u) | (sels_have(ini ? c->ts.r :
	    c->ts.i, ini ? c->ts.nr : c->ts.ni, AF_INET6) ? 2u : 0u);
	ch->path = *path;
	/* ESP always travels in UDP on the NAT-T port (RFC 3948): we have
	 * no kernel ESP to receive raw protocol 50. */
	ch->path.natt = 1;

	p.spi = c->spi_in;
	p.dir = ESP_IN;
	p.esn = c->prop.esn;
	p.encr_id = c->prop.encr;
	p.encr_bits = c->prop.encr_bits ? c->prop.encr_bits : 256;
	p.integ_id = c->prop.integ;
	p.user = ch;
	esp_sa_params_keys(&p, &c->keys, ini);
	/* RFC 4301 5.2: inbound inner sources must be in the peer's
	 * selectors and destinations in ours: the client's TSi and the
	 * networks its policy lets it reach on a gateway (split include,
	 * nothing else the gateway routes); the gateway's TSr and our
	 * inner addresses on a client. */
	sels_to_ts(ini ? c->ts.r : c->ts.i, ini ? c->ts.nr : c->ts.ni, p.ts);
	p.nts = ini ? c->ts.nr : c->ts.ni;
	sels_to_ts(ini ? c->ts.i : c->ts.r, ini ? c->ts.ni : c->ts.nr, p.dts);
	p.ndts = ini ? c->ts.ni : c->ts.nr;
	set_limits(dp, ch, c, &p);
	if ((r = esp_sa_new(&p, &ch->in)) != 0)
		goto fail;

	p.spi = c->spi_out;
	p.dir = ESP_OUT;
	p.nts = 0;
	p.ndts = 0;
	memset(p.ts, 0, sizeof(p.ts));
	memset(p.dts, 0, sizeof(p.dts));
	for (i = 0; i < nvip; i++) {
		p.dst[i].family = vips[i].family;
		memcpy(p.dst[i].a, vips[i].a, sizeof(p.dst[i].a));
	}
	p.ndst = nvip;
	esp_sa_params_keys(&p, &c->keys, ini);
	set_limits(dp, ch, c, &p);
	if ((r = esp_sa_new(&p, &ch->out)) != 0)
		goto fail;
	if ((r = esp_sadb_add(dp->db, ch->in)) != 0)
		goto fail;
	in_added = 1;
	/* A rekey's outbound SA waits for dp_child_promote: the client
	 * may not have installed its inbound half yet (RFC 7296 2.8). */
	if (c->replaces == 0 && (r = client ? defaults_set(dp, ch->fams,
	    ch->out) : esp_sadb_add(dp->db, ch->out)) != 0)
		goto fail;
	ch->out_keyed = c->replaces == 0;
	*pp = ch;
	ch = NULL;
	r = 0;
fail:
	if (ch != NULL) {
		if (in_added && esp_sadb_remove(dp->db, ch->in) != 0)
			log_warnx(SUB_ESP, "SA %08x vanished", ch->spi_in);
		/* A thread may have found the inbound SA meanwhile. */
		if (in_added && dp->qsbr != NULL) {
			qsbr_call(dp->qsbr, &ch->qh, dp__child_reclaim);
			gc_arm(dp);
		} else
			dp__child_reclaim(&ch->qh);
	}
	ct_wipe(&p, sizeof(p));
	return r;
}

/* The loop frees what waits for a grace period: SAs, slot arrays. */
static void
on_gc(uv_timer_t *t)
{
	struct dp *dp = t->data;

	if (dp->qsbr == NULL || qsbr_poll(dp->qsbr) == 0)
		uv_timer_stop(t);
}

static void
gc_arm(struct dp *dp)
{
	if (dp->gc_open && !dp->closing &&
	    !uv_is_active((uv_handle_t *)&dp->gc))
		uv_timer_start(&dp->gc, on_gc, DP_GC_MS, DP_GC_MS);
}

void
dp__child_reclaim(struct qsbr_head *h)
{
	struct dp_child *ch = (struct dp_child *)(void *)((char *)h -
	    offsetof(struct dp_child, qh));

	esp_sa_free(ch->in);
	esp_sa_free(ch->out);
	free(ch);
}

/* Takes ch's SAs out of the tables and frees them with ch; with threads
 * only once none of them can still hold one (core/qsbr.h). */
static void
child_free(struct dp *dp, struct dp_child *ch)
{
	if (esp_sadb_remove(dp->db, ch->in) != 0 ||
	    (ch->out_keyed && esp_sadb_remove(dp->db, ch->out) != 0))
		log_warnx(SUB_ESP, "SA %08x was not in the table", ch->spi_in);
	if (dp->qsbr == NULL) {
		dp__child_reclaim(&ch->qh);
		return;
	}
	qsbr_call(dp->qsbr, &ch->qh, dp__child_reclaim);
	gc_arm(dp);
}

/* A client's rekey: the new outbound SA becomes the default of each of
 * its families, one store each; the SA it replaces keeps what it alone
 * still covers. */
static int
promote_defaults(struct dp *dp, struct dp_child *ch)
{
	static const int fam[2] = { AF_INET, AF_INET6 };
	struct dp_child *prev = NULL;
	struct esp_sa *old;
	unsigned i;
	int r;

	for (i = 0; i < 2; i++) {
		if (!(ch->fams & (1u << i)))
			continue;
		if ((r = esp_sadb_set_default(dp->db, fam[i], ch->out,
		    &old)) != 0)
			return r;
		if (old != NULL && old != ch->out)
			prev = esp_sa_user(old);
	}
	ch->out_keyed = 1;
	if (prev != NULL && (prev->fams & ~ch->fams) == 0)
		prev->out_keyed = 0;
	return 0;
}

int
dp_child_promote(struct dp *dp, uint32_t spi_in)
{
	struct dp_child **pp = child_slot(dp, spi_in), *ch = *pp;
	struct esp_sa *old;
	int r;

	if (ch == NULL)
		return -E_NOENT;
	if (ch->out_keyed)
		return 0;
	if (ch->client)
		return promote_defaults(dp, ch);
	/* One store per address: no packet finds none. */
	if ((r = esp_sadb_replace_out(dp->db, ch->out, &old)) != 0)
		return r;
	ch->out_keyed = 1;
	if (old != NULL)
		((struct dp_child *)esp_sa_user(old))->out_keyed = 0;
	return 0;
}

void
dp_child_down(struct dp *dp, uint32_t spi_in)
{
	struct dp_child **pp = child_slot(dp, spi_in), *ch = *pp;

	if (ch == NULL)
		return;
	*pp = ch->next;
	child_free(dp, ch);
}

int
dp_child_stats(const struct dp *dp, uint32_t spi_in,
    struct dp_child_stats *st)
{
	const struct dp_child *ch = child_find(dp, spi_in);
	struct esp_sa_stats in, out;
	size_t i;

	memset(st, 0, sizeof(*st));
	if (ch == NULL)
		return -E_NOENT;
	esp_sa_stats(ch->in, &in);
	esp_sa_stats(ch->out, &out);
	st->packets_in = in.packets;
	st->bytes_in = in.bytes;
	st->packets_out = out.packets;
	st->bytes_out = out.bytes;
	for (i = 0; i < ESP_DROP__MAX; i++) {
		st->drops_in += in.drops[i];
		st->drops_out += out.drops[i];
	}
	return 0;
}

uint64_t
dp_child_last_rx(const struct dp *dp, uint32_t spi_in)
{
	const struct dp_child *ch = child_find(dp, spi_in);

	return ch != NULL ? __atomic_load_n(&ch->last_rx, __ATOMIC_RELAXED) :
	    0;
}
