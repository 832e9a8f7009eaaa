/*
 * sessiondb.h: the database of resumable sessions, active and idle.
 *
 * Every session whose client received a session-id lives here: ACTIVE
 * while an IKE SA uses it, IDLE once its peer is gone (DPD failed, or the
 * IKE SA died without a DELETE from the client), until it is resumed or
 * its reconnect timeout expires (DESIGN.md "The flow of a session"). An
 * idle session keeps its inner addresses reserved: the database never
 * touches pools; when a session leaves it calls the caller's release
 * callback, which frees the addresses.
 *
 * Costs: lookup by session-id is O(1) through a hash table keyed with a
 * secret random SipHash-2-4 key, because attackers choose the ids they
 * present and must not be able to aim at one bucket. Expiry costs are
 * proportional to what expires: each session embeds a struct timer on a
 * timer heap (timer.h) that the database borrows; the daemon's loop runs
 * that heap, and timer_run fires exactly the sessions whose deadline has
 * come, in deadline order. A session expires AT its deadline: from then
 * on (now >= deadline) it can be neither looked up nor resumed, even
 * when the loop has not run the heap yet.
 *
 * The header is the whole contract: the in-memory structure stays in
 * sessiondb.c, so a shared store (several gateways behind one address,
 * DESIGN.md "Scale beyond one machine") can implement these functions
 * instead, with the same session objects as its local view.
 *
 * The database also owns the counters of `ikectl stats reconnect`, printed
 * as IOS "show crypto ikev2 stats reconnect" prints them. The IKE side
 * counts attempts, successes and failures with sessiondb_count; the
 * active and inactive counts are the number of ACTIVE and IDLE sessions
 * held (every session held is reconnect capable by construction).
 *
 * Single-threaded (the loop thread). Nothing here logs: session-ids and
 * tokens must not be logged, and the caller has the peer's context.
 */
#ifndef CORE_SESSIONDB_H
#define CORE_SESSIONDB_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/session.h"
#include "core/span.h"
#include "core/timer.h"

struct sessiondb;

/* Why a session leaves the database. */
enum sessiondb_why {
	SESSIONDB_EXPIRED,	/* idle past its reconnect timeout */
	SESSIONDB_REMOVED,	/* sessiondb_remove: client DELETE,
				 * `ikectl disconnect`, ... */
};

/* Reconnect attempts, as the IKE side sees them. */
enum sessiondb_event {
	SESSIONDB_EV_INCOMING,	/* a resume attempt (IDi KEY_ID + PSK) */
	SESSIONDB_EV_SUCCESS,	/* it authenticated and resumed */
	SESSIONDB_EV_FAILED,	/* unknown/expired id, bad token, ... */
};

/*
 * Called exactly once for every session that leaves the database (not
 * for those still held by sessiondb_free), after it was unlinked and
 * just before it is freed: s (borrowed) can be read (its addresses, to
 * release them) but must not be passed to any sessiondb function. The
 * callback may add, remove or look up other sessions.
 */
typedef void sessiondb_release_fn(void *arg, struct session *s,
	    enum sessiondb_why why);

/* Called by sessiondb_foreach for each session (borrowed); a nonzero
 * return stops the walk and is returned. fn may remove the session it
 * is given, and no other. */
typedef int sessiondb_iter_fn(void *arg, struct session *s);

struct sessiondb_conf {
	struct timer_heap	*timers;	/* borrowed, not NULL */
	sessiondb_release_fn	*release;	/* optional */
	void			*arg;		/* for release */
	session_rng_fn		*random;	/* session-ids and hash key;
						 * NULL means xform_random */
};

/* Counters of `ikectl stats reconnect`. */
struct sessiondb_stats {
	uint64_t	incoming, success, failed;
	size_t		active, idle;
};

#define SESSIONDB_WUR	__attribute__((warn_unused_result))

/* Returns 0 and a new empty database in *out (returned owned), set up
 * from conf (copied; its pointers borrowed); -E_INVAL (no timers);
 * -E_CRYPTO (no randomness for the hash key); -E_NOMEM. */
int	sessiondb_new(const struct sessiondb_conf *conf,
	    struct sessiondb **out) SESSIONDB_WUR;

/* Frees db and every session it holds, disarming their timers, without
 * calling release (at shutdown the caller frees its pools anyway). NULL
 * is a no-op. */
void	sessiondb_free(struct sessiondb *db);

/*
 * Adds s (from session_new, in no database) as ACTIVE, created at now,
 * and gives it a fresh session-id, unique among the sessions held (drawn
 * again on a collision). On success db owns s. On failure s is left as
 * it was, still the caller's: -E_INVAL (s already in a database);
 * -E_CRYPTO (no randomness); -E_EXIST (no unused id in several draws: a
 * broken generator).
 */
int	sessiondb_add(struct sessiondb *db, struct session *s, uint64_t now)
	    SESSIONDB_WUR;

/*
 * Returns the session whose session-id is id (borrowed: the KEY_ID data a
 * client presented; any bytes), or NULL. O(1) expected; ids are compared
 * with ct_memeq. An IDLE session whose deadline is <= now is expired on
 * the spot (release is called, it is freed) and NULL is returned. The
 * result is valid until the session leaves the database.
 */
struct session *sessiondb_lookup(struct sessiondb *db, struct span id,
	    uint64_t now);

/*
 * Makes s (ACTIVE, in db) IDLE at now until now + timeout_ms (saturating),
 * when it expires: the heap's timer_run at or after that deadline removes
 * it and calls release with SESSIONDB_EXPIRED. Commits the live counters
 * and clears the owner. Returns 0; -E_INVAL (s not in db); -E_STATE (s is
 * already IDLE); -E_NOMEM (the heap could not grow: s stays ACTIVE and the
 * caller should remove it).
 */
int	sessiondb_idle(struct sessiondb *db, struct session *s, uint64_t now,
	    uint64_t timeout_ms) SESSIONDB_WUR;

/*
 * Resumes s (in db) at now: an IDLE session before its deadline becomes
 * ACTIVE and its expiry is cancelled; an ACTIVE one (the client moved
 * before DPD noticed) stays ACTIVE. Either way the resume is counted on
 * s, RESUMED is set, and the previous CHILD SA's counters are committed.
 * Does not rotate the token nor count SESSIONDB_EV_SUCCESS: the caller
 * does both. Returns 0; -E_INVAL (s not in db); -E_TIMEOUT (IDLE and now
 * >= deadline: s is unchanged and expires at the next timer run).
 */
int	sessiondb_resume(struct sessiondb *db, struct session *s,
	    uint64_t now) SESSIONDB_WUR;

/* Removes s (in db, ACTIVE or IDLE), cancels its expiry, calls release
 * with SESSIONDB_REMOVED and frees s. */
void	sessiondb_remove(struct sessiondb *db, struct session *s);

/* Calls fn for each session in the order they were added; see
 * sessiondb_iter_fn. Returns 0 or what fn returned. */
int	sessiondb_foreach(struct sessiondb *db, sessiondb_iter_fn *fn,
	    void *arg);

/* Stores the number of ACTIVE and IDLE sessions; either may be NULL. */
void	sessiondb_counts(const struct sessiondb *db, size_t *active,
	    size_t *idle);

/* Counts one reconnect event. */
void	sessiondb_count(struct sessiondb *db, enum sessiondb_event ev);

/* Stores a snapshot of the counters in *st. */
void	sessiondb_stats(const struct sessiondb *db, struct sessiondb_stats *st);

/*
 * Appends `ikectl show sessions` to out: session_format for every session
 * in order (flags SESSION_FMT_DETAIL and/or SESSION_FMT_JSON; detailed
 * text blocks are separated by a blank line; JSON is one array and a
 * newline). now is monotonic ms. Never prints a token. Returns 0, or
 * -E_RANGE / -E_NOMEM (out full: out is then restored to its length on
 * entry).
 */
int	sessiondb_show(struct sessiondb *db, struct buf *out, uint64_t now,
	    unsigned flags) SESSIONDB_WUR;

/*
 * Appends `ikectl stats reconnect` to out: exactly the five lines of IOS
 * "show crypto ikev2 stats reconnect"
 *	Total incoming reconnect connection: N
 *	Success reconnect connection: N
 *	Failed reconnect connection: N
 *	Reconnect capable active session count: N
 *	Reconnect capable inactive session count: N
 * or, when json, one object whose keys are those labels in snake case
 * ("total_incoming_reconnect_connection", ...) and a newline. Returns 0,
 * or -E_RANGE / -E_NOMEM (out restored as above).
 */
int	sessiondb_show_stats(const struct sessiondb *db, struct buf *out,
	    int json) SESSIONDB_WUR;

/* Internal, exposed for the known-answer test: SipHash-2-4 of in under
 * the 16-byte key (Aumasson and Bernstein, "SipHash: a fast short-input
 * PRF", 2012). */
uint64_t sessiondb__siphash(const uint8_t key[static 16], const uint8_t *in,
	    size_t len);

#endif /* CORE_SESSIONDB_H */
