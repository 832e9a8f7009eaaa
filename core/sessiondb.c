/* sessiondb.c: in-memory session database: a SipHash-keyed hash table by
 * session-id, a list in order of addition, and one expiry timer per
 * idle session on the loop's timer heap. */
#include "config.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ct.h"
#include "core/err.h"
#include "core/sessiondb.h"
#include "core/xform.h"

/* Initial bucket count (a power of two); the table doubles when it holds
 * as many sessions as buckets, so chains stay short on average. */
#define SDB_MIN_BUCKETS		64
/* Draws of a session-id before giving up: with 52^18 ids, one collision
 * is already a sign of a broken generator. */
#define SDB_ID_TRIES		8

struct sessiondb {
	struct timer_heap	*timers;	/* borrowed */
	sessiondb_release_fn	*release;
	void			*arg;
	session_rng_fn		*random;
	uint8_t			 key[16];	/* SipHash key, secret */
	struct session		**bucket;
	size_t			 nbuckets;	/* power of two */
	struct session		*head, *tail;	/* order of addition */
	size_t			 nactive, nidle;
	uint64_t		 incoming, success, failed;
};

/*
 * SipHash-2-4 (Aumasson and Bernstein, 2012): the state is four 64-bit
 * words initialised from the key and the constants of section 2; each
 * 8-byte little-endian message word goes through two SipRounds
 * (compression), the last word carries the length in its top byte, and
 * four SipRounds finish (finalisation).
 */
static uint64_t
rotl(uint64_t x, unsigned b)
{
	return (x << b) | (x >> (64 - b));
}

static uint64_t
le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void
sipround(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = rotl(v[1], 13);
	v[1] ^= v[0];
	v[0] = rotl(v[0], 32);
	v[2] += v[3];
	v[3] = rotl(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = rotl(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = rotl(v[1], 17);
	v[1] ^= v[2];
	v[2] = rotl(v[2], 32);
}

uint64_t
sessiondb__siphash(const uint8_t key[static 16], const uint8_t *in,
    size_t len)
{
	uint64_t k0 = le64(key), k1 = le64(key + 8), v[4], m;
	size_t i, left = len;

	/* "somepseudorandomlygeneratedbytes" */
	v[0] = k0 ^ UINT64_C(0x736f6d6570736575);
	v[1] = k1 ^ UINT64_C(0x646f72616e646f6d);
	v[2] = k0 ^ UINT64_C(0x6c7967656e657261);
	v[3] = k1 ^ UINT64_C(0x7465646279746573);
	for (; left >= 8; in += 8, left -= 8) {
		m = le64(in);
		v[3] ^= m;
		sipround(v);
		sipround(v);
		v[0] ^= m;
	}
	m = (uint64_t)(len & 0xff) << 56;
	for (i = 0; i < left; i++)
		m |= (uint64_t)in[i] << (8 * i);
	v[3] ^= m;
	sipround(v);
	sipround(v);
	v[0] ^= m;
	v[2] ^= 0xff;
	for (i = 0; i < 4; i++)
		sipround(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

static int
default_random(void *p, size_t n)
{
	return xform_random(p, n);
}

static struct session_dblink *
L(struct session *s)
{
	return session__dblink(s);
}

static size_t
slot(const struct sessiondb *db, uint64_t h)
{
	return (size_t)(h & (db->nbuckets - 1));
}

/* Returns the held session with id (SESSION_ID_LEN bytes at p) and its
 * hash h, or NULL. */
static struct session *
find(const struct sessiondb *db, const uint8_t *p, uint64_t h)
{
	struct session *s;

	for (s = db->bucket[slot(db, h)]; s != NULL; s = L(s)->hnext)
		if (L(s)->hash == h &&
		    ct_memeq(session_id(s), p, SESSION_ID_LEN))
			return s;
	return NULL;
}

/* Doubles the table; on failure the old one stays (only chains grow). */
static void
grow(struct sessiondb *db)
{
	struct session **nb, *s, *next;
	size_t n, i, j;

	if (db->nbuckets > SIZE_MAX / 2 / sizeof(*nb))
		return;
	n = db->nbuckets * 2;
	if ((nb = calloc(n, sizeof(*nb))) == NULL)
		return;
	for (i = 0; i < db->nbuckets; i++)
		for (s = db->bucket[i]; s != NULL; s = next) {
			next = L(s)->hnext;
			j = (size_t)(L(s)->hash & (n - 1));
			L(s)->hnext = nb[j];
			nb[j] = s;
		}
	free(db->bucket);
	db->bucket = nb;
	db->nbuckets = n;
}

/* Takes s out of the table, the list, the heap and the counts. */
static void
unlink_session(struct sessiondb *db, struct session *s)
{
	struct session **pp;
	struct session_dblink *l = L(s);

	for (pp = &db->bucket[slot(db, l->hash)]; *pp != s;
	    pp = &L(*pp)->hnext)
		assert(*pp != NULL);
	*pp = l->hnext;
	if (l->prev != NULL)
		L(l->prev)->next = l->next;
	else
		db->head = l->next;
	if (l->next != NULL)
		L(l->next)->prev = l->prev;
	else
		db->tail = l->prev;
	timer_del(db->timers, &l->expiry);
	if (session_state(s) == SESSION_IDLE)
		db->nidle--;
	else
		db->nactive--;
	l->hnext = l->prev = l->next = NULL;
	l->db = NULL;
}

/* Unlinks s, tells the caller why, and frees it. */
static void
drop(struct sessiondb *db, struct session *s, enum sessiondb_why why)
{
	unlink_session(db, s);
	if (db->release != NULL)
		db->release(db->arg, s, why);
	session_free(s);
}

/* Timer callback: the session's reconnect timeout has passed. The timer
 * is already disarmed, so drop's timer_del is a no-op. */
static void
expire_cb(struct timer *t, void *arg)
{
	struct session *s = arg;

	(void)t;
	drop(L(s)->db, s, SESSIONDB_EXPIRED);
}

int
sessiondb_new(const struct sessiondb_conf *conf, struct sessiondb **out)
{
	struct sessiondb *db = NULL;
	int r = -E_INTERNAL;

	if (conf->timers == NULL) {
		r = -E_INVAL;
		goto out;
	}
	if ((db = calloc(1, sizeof(*db))) == NULL ||
	    (db->bucket = calloc(SDB_MIN_BUCKETS, sizeof(*db->bucket))) ==
	    NULL) {
		r = -E_NOMEM;
		goto out;
	}
	db->nbuckets = SDB_MIN_BUCKETS;
	db->timers = conf->timers;
	db->release = conf->release;
	db->arg = conf->arg;
	db->random = conf->random != NULL ? conf->random : default_random;
	if (db->random(db->key, sizeof(db->key)) != 0) {
		r = -E_CRYPTO;
		goto out;
	}
	*out = db;
	db = NULL;
	r = 0;
 out:
	sessiondb_free(db);
	return r;
}

void
sessiondb_free(struct sessiondb *db)
{
	struct session *s;

	if (db == NULL)
		return;
	while ((s = db->head) != NULL) {
		unlink_session(db, s);
		session_free(s);
	}
	free(db->bucket);
	ct_wipe(db, sizeof(*db));
	free(db);
}

int
sessiondb_add(struct sessiondb *db, struct session *s, uint64_t now)
{
	struct session_dblink *l = L(s);
	const uint8_t *id;
	uint64_t h = 0;
	int tries, r = -E_INTERNAL;

	if (l->db != NULL) {
		r = -E_INVAL;
		goto out;
	}
	/* The id is unique among live and idle sessions: draw again on a
	 * collision. */
	r = -E_EXIST;
	for (tries = 0; tries < SDB_ID_TRIES; tries++) {
		if (session__draw_id(s, db->random) != 0) {
			r = -E_CRYPTO;
			goto out;
		}
		id = (const uint8_t *)session_id(s);
		h = sessiondb__siphash(db->key, id, SESSION_ID_LEN);
		if (find(db, id, h) == NULL) {
			r = 0;
			break;
		}
	}
	if (r != 0)
		goto out;
	memset(l, 0, sizeof(*l));
	timer_init(&l->expiry, expire_cb, s);
	l->hash = h;
	l->db = db;
	l->hnext = db->bucket[slot(db, h)];
	db->bucket[slot(db, h)] = s;
	l->prev = db->tail;
	if (db->tail != NULL)
		L(db->tail)->next = s;
	else
		db->head = s;
	db->tail = s;
	session__mark_active(s, now, 1, 0);
	db->nactive++;
	if (db->nactive + db->nidle >= db->nbuckets)
		grow(db);
	r = 0;
 out:
	if (r != 0 && l->db == NULL)
		session__clear_id(s);	/* leave s as it came */
	return r;
}

struct session *
sessiondb_lookup(struct sessiondb *db, struct span id, uint64_t now)
{
	struct session *s;

	if (id.len != SESSION_ID_LEN)
		return NULL;
	s = find(db, id.p, sessiondb__siphash(db->key, id.p, id.len));
	if (s == NULL)
		return NULL;
	if (session_state(s) == SESSION_IDLE && now >= session_deadline(s)) {
		/* Its time is up even if the loop has not run the heap. */
		drop(db, s, SESSIONDB_EXPIRED);
		return NULL;
	}
	return s;
}

int
sessiondb_idle(struct sessiondb *db, struct session *s, uint64_t now,
    uint64_t timeout_ms)
{
	uint64_t deadline;
	int r;

	if (L(s)->db != db)
		return -E_INVAL;
	if (session_state(s) == SESSION_IDLE)
		return -E_STATE;
	deadline = timeout_ms > UINT64_MAX - now ? UINT64_MAX :
	    now + timeout_ms;
	if ((r = timer_add(db->timers, &L(s)->expiry, deadline)) != 0)
		return r;
	session__mark_idle(s, now, deadline);
	db->nactive--;
	db->nidle++;
	return 0;
}

int
sessiondb_resume(struct sessiondb *db, struct session *s, uint64_t now)
{
	if (L(s)->db != db)
		return -E_INVAL;
	if (session_state(s) == SESSION_IDLE) {
		if (now >= session_deadline(s))
			return -E_TIMEOUT;
		timer_del(db->timers, &L(s)->expiry);
		db->nidle--;
		db->nactive++;
	}
	session__mark_active(s, now, 0, 1);
	return 0;
}

void
sessiondb_remove(struct sessiondb *db, struct session *s)
{
	assert(L(s)->db == db);
	drop(db, s, SESSIONDB_REMOVED);
}

int
sessiondb_foreach(struct sessiondb *db, sessiondb_iter_fn *fn, void *arg)
{
	struct session *s, *next;
	int r;

	for (s = db->head; s != NULL; s = next) {
		/* Read first: fn may remove s. */
		next = L(s)->next;
		if ((r = fn(arg, s)) != 0)
			return r;
	}
	return 0;
}

void
sessiondb_counts(const struct sessiondb *db, size_t *active, size_t *idle)
{
	if (active != NULL)
		*active = db->nactive;
	if (idle != NULL)
		*idle = db->nidle;
}

void
sessiondb_count(struct sessiondb *db, enum sessiondb_event ev)
{
	switch (ev) {
	case SESSIONDB_EV_INCOMING:
		db->incoming++;
		break;
	case SESSIONDB_EV_SUCCESS:
		db->success++;
		break;
	case SESSIONDB_EV_FAILED:
		db->failed++;
		break;
	}
}

void
sessiondb_stats(const struct sessiondb *db, struct sessiondb_stats *st)
{
	st->incoming = db->incoming;
	st->success = db->success;
	st->failed = db->failed;
	st->active = db->nactive;
	st->idle = db->nidle;
}

int
sessiondb_show(struct sessiondb *db, struct buf *out, uint64_t now,
    unsigned flags)
{
	struct session *s;
	size_t start = buf_len(out);
	int json = (flags & SESSION_FMT_JSON) != 0, r = 0;

	if (json)
		r = buf_add_u8(out, '[');
	for (s = db->head; s != NULL && r == 0; s = L(s)->next) {
		if (s != db->head && (json || (flags & SESSION_FMT_DETAIL)))
			r = buf_add_u8(out, json ? ',' : '\n');
		if (r == 0)
			r = session_format(s, out, now, flags);
	}
	if (r == 0 && json)
		r = buf_add(out, "]\n", 2);
	if (r != 0 && buf_truncate(out, start) != 0)
		r = -E_INTERNAL;
	return r;
}

int
sessiondb_show_stats(const struct sessiondb *db, struct buf *out, int json)
{
	char text[512];
	int n;

	/* IOS "show crypto ikev2 stats reconnect", line for line. */
	n = snprintf(text, sizeof(text), json ?
	    "{\"total_incoming_reconnect_connection\":%llu,"
	    "\"success_reconnect_connection\":%llu,"
	    "\"failed_reconnect_connection\":%llu,"
	    "\"reconnect_capable_active_session_count\":%llu,"
	    "\"reconnect_capable_inactive_session_count\":%llu}\n" :
	    "Total incoming reconnect connection: %llu\n"
	    "Success reconnect connection: %llu\n"
	    "Failed reconnect connection: %llu\n"
	    "Reconnect capable active session count: %llu\n"
	    "Reconnect capable inactive session count: %llu\n",
	    (unsigned long long)db->incoming, (unsigned long long)db->success,
	    (unsigned long long)db->failed, (unsigned long long)db->nactive,
	    (unsigned long long)db->nidle);
	if (n < 0 || (size_t)n >= sizeof(text))
		return -E_INTERNAL;
	return buf_add(out, text, (size_t)n);
}
