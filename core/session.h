/*
 * session.h: a remote-access session that survives its IKE SA.
 *
 * A session is what a client that resumes gets back without any AAA
 * lookup (DESIGN.md "The flow of a session"): the identity that first
 * authenticated, its profile, the authorization it got (policy name,
 * inner addresses and the pools they came from), counters carried over
 * resumes, and the two credentials of resumption:
 *
 *  - the session-id: SESSION_ID_LEN random ASCII letters [A-Za-z] (about
 *    102.6 bits), like Cisco's "rIUHKccDRiUtFTATwq". The client presents
 *    it as its IKE identity, ID type KEY_ID, when it resumes. It is drawn
 *    by the session database (sessiondb_add), which keeps it unique among
 *    live and idle sessions.
 *  - the token: 256 random bits whose wire form is SESSION_TOKEN_LEN
 *    lowercase hexadecimal ASCII characters. The client gets it in the
 *    CFG_REPLY and, when it resumes, authenticates with PSK whose key is
 *    these ASCII bytes (RFC 7296 2.15). Hex rather than base64 because it
 *    has no punctuation: it cannot start with '-' on a command line, needs
 *    no quoting in an INI or swanctl file, and no "0x"/"0s" prefix that
 *    strongSwan would decode is possible.
 *
 * The token leaves this module only through session_token() (for the
 * CFG_REPLY and the PSK computation); it is compared only with
 * session_token_check() (constant time); no formatting function prints
 * it; it is wiped when rotated and when the session is freed. Neither the
 * token nor the session-id may be logged (log.h).
 *
 * A session is ACTIVE (an IKE SA uses it) or IDLE (its peer is gone; it
 * waits in the database for a resume until its deadline). Only the
 * session database (sessiondb.h) changes the state. All times are the
 * caller's monotonic milliseconds, so tests use a fake clock.
 *
 * Nothing here logs.
 */
#ifndef CORE_SESSION_H
#define CORE_SESSION_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/buf.h"
#include "core/pool.h"
#include "core/span.h"
#include "core/timer.h"

/* Letters in a session-id (no NUL). */
#define SESSION_ID_LEN		18
/* Random bytes in a token, and characters in its wire (hex) form. */
#define SESSION_TOKEN_BYTES	32
#define SESSION_TOKEN_LEN	(2 * SESSION_TOKEN_BYTES)
/* Inner addresses per session: one IPv4 and one IPv6 at most. */
#define SESSION_MAX_ADDRS	2
/* Longest IDi data, EAP identity and profile/policy name accepted. An ID
 * payload is rarely longer than a DER DN of a few hundred bytes; an EAP
 * identity is a NAI of at most 253 octets (RFC 7542 2.2). */
#define SESSION_IDI_MAX		2048
#define SESSION_EAP_ID_MAX	POOL_OWNER_MAX
#define SESSION_NAME_MAX	255

/* Capability letters of `ikectl show sessions`, after IOS "show crypto
 * session": D dead peer detection, N NAT traversal, R resumed at least
 * once ("IKE Auto Reconnect"). Printed in the order D, N, R. */
#define SESSION_CAP_DPD		0x1u
#define SESSION_CAP_NATT	0x2u
#define SESSION_CAP_RESUMED	0x4u

/* Flags of session_format() and sessiondb_show(). */
#define SESSION_FMT_DETAIL	0x1u
#define SESSION_FMT_JSON	0x2u

#define SESSION_WUR	__attribute__((warn_unused_result))

enum session_state {
	SESSION_ACTIVE,
	SESSION_IDLE,
};

/* An inner address and the pool it is leased from (value type; the pool
 * is borrowed and never dereferenced here). */
struct session_addr {
	struct pool_addr addr;
	struct pool	*pool;
};

/* Packet and byte counters, from the client's point of view of the
 * gateway: "in" is what the gateway decrypted, "out" what it encrypted. */
struct session_counters {
	uint64_t	pkts_in, pkts_out;
	uint64_t	bytes_in, bytes_out;
};

/* What a session is created from; every pointer is borrowed and copied. */
struct session_params {
	uint8_t		 idi_type;	/* IDi type (RFC 7296 3.5), not 0 */
	struct span	 idi;		/* IDi data, without the 4-byte
					 * payload header */
	struct span	 eap_identity;	/* empty when not EAP */
	const char	*profile;	/* profile name, not NULL */
	const char	*policy;	/* policy name, or NULL */
	const struct session_addr *addrs; /* naddrs entries */
	size_t		 naddrs;
	const struct sockaddr *peer;	/* AF_INET/AF_INET6, or NULL */
	unsigned	 caps;		/* SESSION_CAP_DPD | SESSION_CAP_NATT */
};

/* A source of random bytes: fills p with n bytes, returns 0 or < 0. */
typedef int session_rng_fn(void *p, size_t n);

/*
 * Bookkeeping that a session database keeps inside each session, so that
 * adding a session or arming its expiry never allocates (like struct
 * timer, which it embeds). Members are private to sessiondb.c.
 */
struct session;
struct session_dblink {
	struct timer	 expiry;
	struct session	*hnext;		/* hash chain */
	struct session	*prev, *next;	/* list in order of addition */
	void		*db;		/* the holding database, or NULL */
	uint64_t	 hash;
};

/*
 * Creates a session from p (borrowed, copied) with a fresh token from
 * xform_random and no session-id yet (session_id() returns "" until
 * sessiondb_add). The state is ACTIVE. Returns 0 and the session,
 * returned owned, in *out; -E_INVAL (idi_type 0, no profile, an address
 * or peer of another family, naddrs > SESSION_MAX_ADDRS, caps other than
 * DPD/NATT); -E_RANGE (a field longer than its maximum); -E_CRYPTO (no
 * randomness); -E_NOMEM. Does not log.
 */
int	session_new(const struct session_params *p, struct session **out)
	    SESSION_WUR;

/* Wipes (token included) and frees s, which must not be in a database
 * (the database frees its own sessions). NULL is a no-op. */
void	session_free(struct session *s);

/* Returns the session-id, SESSION_ID_LEN letters NUL-terminated, owned by
 * s; "" before the session was added to a database. Not for logs. */
const char *session_id(const struct session *s);

/* Returns a view of the token's wire form (SESSION_TOKEN_LEN ASCII
 * bytes, owned by s, valid until rotation or free), for the CFG_REPLY
 * attribute and as the PSK of the resume. Never log or print it. */
struct span session_token(const struct session *s);

/*
 * Returns 1 when presented (borrowed) is the token's wire form, else 0.
 * Constant time: whatever presented holds, exactly SESSION_TOKEN_LEN
 * bytes are compared with ct_memeq, with no early exit on the first
 * difference; a presented value of another length is not read (its
 * length is public) and the stored token is compared with itself
 * instead, so the work is the same.
 */
int	session_token_check(const struct session *s, struct span presented);

/* Replaces the token with a fresh one and wipes the old one (a token is
 * single-use: it is rotated at each resume). Returns 0, or -E_CRYPTO
 * (no randomness; the old token stays). */
int	session_token_rotate(struct session *s) SESSION_WUR;

/* Identity that first authenticated: IDi type and data, EAP identity
 * (empty span when none). Views owned by s. */
uint8_t	session_idi_type(const struct session *s);
struct span session_idi(const struct session *s);
struct span session_eap_identity(const struct session *s);

/* Returns the profile name (never NULL) / policy name (NULL when none),
 * owned by s. */
const char *session_profile(const struct session *s);
const char *session_policy(const struct session *s);

/* Returns the number of inner addresses and stores a pointer to them
 * (owned by s) in *addrs. */
size_t	session_addrs(const struct session *s,
	    const struct session_addr **addrs);

/* Records the client's current outer address sa (borrowed; the peer
 * moves when it resumes). Returns 0, or -E_INVAL for another family. */
int	session_set_peer(struct session *s, const struct sockaddr *sa)
	    SESSION_WUR;

/* Stores the peer's address and UDP port in *addr and *port; returns 0,
 * or -E_NOENT when none was recorded. */
int	session_peer(const struct session *s, struct pool_addr *addr,
	    uint16_t *port) SESSION_WUR;

/* Sets the DPD and NATT capabilities from caps (other bits are ignored:
 * RESUMED belongs to the database, which sets it on resume and never
 * clears it). */
void	session_set_caps(struct session *s, unsigned caps);

/* Returns the SESSION_CAP_* bits of s. */
unsigned session_caps(const struct session *s);

/* Binds s to the IKE SA (or anything the caller tracks it by) that uses
 * it now; owner is borrowed and never dereferenced. The database clears
 * it when s goes idle. */
void	session_set_owner(struct session *s, void *owner);
void	*session_owner(const struct session *s);

enum session_state session_state(const struct session *s);

/* Returns how many times s was resumed. */
uint32_t session_resumes(const struct session *s);

/* Monotonic-ms timestamps: created (added to a database), last active
 * (added, resumed, or session_touch), idle since (valid when IDLE) and
 * the expiry deadline (valid when IDLE). */
uint64_t session_created(const struct session *s);
uint64_t session_last_active(const struct session *s);
uint64_t session_idle_since(const struct session *s);
uint64_t session_deadline(const struct session *s);

/* Records activity at now (the IKE side calls it when it hears from the
 * peer, if it wants "last active" finer than resumes). */
void	session_touch(struct session *s, uint64_t now);

/*
 * Counters. A session carries the totals of the CHILD SAs it had; the
 * current CHILD SA's counters are "live" and set (not added) with
 * session_count_live whenever the caller likes (before a show, on rekey).
 * session_count_commit adds live into the carried totals and zeroes live:
 * call it when the CHILD SA ends. The database commits on idle and on
 * resume. session_counters returns carried + live.
 */
void	session_count_live(struct session *s,
	    const struct session_counters *c);
void	session_count_commit(struct session *s);
void	session_counters(const struct session *s, struct session_counters *c);

/*
 * Appends s as `ikectl show sessions` shows it to out: one line, or with
 * SESSION_FMT_DETAIL the fields of IOS "show crypto session detail" that
 * apply; SESSION_FMT_JSON gives one JSON object instead. now (monotonic
 * ms) gives the uptime and an idle session's time left. Bytes of the
 * identity outside printable ASCII are escaped (\xNN in text, \u00NN in
 * JSON, one escape per byte), so a peer cannot inject terminal controls.
 * Never prints the token. Returns 0, or -E_RANGE / -E_NOMEM (out full;
 * out may then hold part of the text). Does not log.
 */
int	session_format(const struct session *s, struct buf *out,
	    uint64_t now, unsigned flags) SESSION_WUR;

/*
 * Internal to session.c and sessiondb.c (double underscore).
 */

/* Draws a new session-id for s from rng: letters by rejection sampling
 * of random bytes, so each of the 52 is equally likely. Returns 0, or
 * -E_CRYPTO (rng failed, or gave no usable byte in many tries). */
int	session__draw_id(struct session *s, session_rng_fn *rng) SESSION_WUR;

/* Forgets s's session-id (session_id() returns "" again). */
void	session__clear_id(struct session *s);

/* Returns the database bookkeeping embedded in s. */
struct session_dblink *session__dblink(struct session *s);

/* State changes, made only by the database: ACTIVE at now (created when
 * first, resumed when resumed is nonzero: counts it and sets RESUMED);
 * IDLE at now until deadline (commits live counters, clears owner). */
void	session__mark_active(struct session *s, uint64_t now, int first,
	    int resumed);
void	session__mark_idle(struct session *s, uint64_t now,
	    uint64_t deadline);

#endif /* CORE_SESSION_H */
