/* 3008-sessiondb.c: sessions and the session database, on a fake clock:
 * ids, tokens (constant-time check, rotation), idle expiry, resume,
 * counters, and the `ikectl show sessions` / `stats reconnect` text. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/pool.h"
#include "core/session.h"
#include "core/sessiondb.h"
#include "core/timer.h"
#include "core/xform.h"
#include "t/tap.h"

#define NBIG		100000
#define ID_KEY_ID	11	/* RFC 7296 3.5 */
#define ID_FQDN		2

static const char letters[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/*
 * A random source the test can script: calls take bytes from the script
 * while it lasts, then real randomness; or they fail, or give only 0xff
 * (which the session-id sampler must reject).
 */
static enum { RNG_SCRIPT, RNG_FAIL, RNG_FF } rng_mode;
static uint8_t	script[4096];
static size_t	script_len, script_pos;

static int
test_rng(void *p, size_t n)
{
	if (rng_mode == RNG_FAIL)
		return -1;
	if (rng_mode == RNG_FF) {
		memset(p, 0xff, n);
		return 0;
	}
	if (script_pos + n <= script_len) {
		memcpy(p, script + script_pos, n);
		script_pos += n;
		return 0;
	}
	return xform_random(p, n);
}

static void
script_reset(void)
{
	rng_mode = RNG_SCRIPT;
	script_len = script_pos = 0;
}

static void
script_add(const void *p, size_t n)
{
	if (script_len + n > sizeof(script))
		abort();
	memcpy(script + script_len, p, n);
	script_len += n;
}

/* Scripts one id draw (32 bytes) that yields the letters of id. */
static void
script_id(const char *id)
{
	uint8_t b[32];
	size_t i;

	memset(b, 0, sizeof(b));
	for (i = 0; i < SESSION_ID_LEN; i++)
		b[i] = (uint8_t)(strchr(letters, id[i]) - letters);
	script_add(b, sizeof(b));
}

/* What the release callback saw. */
struct rel {
	size_t		 n;
	char		 id[64][SESSION_ID_LEN + 1];
	enum sessiondb_why why[64];
	/* Big test: per-index counts, found through the IDi. */
	uint32_t	*fired;
	uint64_t	 now, prev_now, last_deadline;
	int		 order_bad, time_bad;
	/* On the first call, remove this other session too. */
	struct sessiondb *db;
	struct session	*victim;
};

static void
on_release(void *arg, struct session *s, enum sessiondb_why why)
{
	struct rel *rl = arg;
	struct span idi = session_idi(s);
	struct session *v;
	uint32_t i;

	if (rl->fired != NULL && idi.len == 4) {
		i = (uint32_t)idi.p[0] << 24 | (uint32_t)idi.p[1] << 16 |
		    (uint32_t)idi.p[2] << 8 | idi.p[3];
		if (i < NBIG)
			rl->fired[i]++;
		if (why == SESSIONDB_EXPIRED) {
			/* Never early, never late, in deadline order. */
			if (session_deadline(s) > rl->now ||
			    session_deadline(s) <= rl->prev_now)
				rl->time_bad++;
			if (session_deadline(s) < rl->last_deadline)
				rl->order_bad++;
			rl->last_deadline = session_deadline(s);
		}
	}
	if (rl->n < 64) {
		snprintf(rl->id[rl->n], sizeof(rl->id[0]), "%s",
		    session_id(s));
		rl->why[rl->n] = why;
	}
	rl->n++;
	if ((v = rl->victim) != NULL) {
		rl->victim = NULL;
		sessiondb_remove(rl->db, v);
	}
}

static struct sockaddr_storage peer_ss;

static const struct sockaddr *
peer4(const char *a, uint16_t port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&peer_ss;

	memset(&peer_ss, 0, sizeof(peer_ss));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	if (inet_pton(AF_INET, a, &sin->sin_addr) != 1)
		abort();
	return (const struct sockaddr *)&peer_ss;
}

static const struct sockaddr *
peer6(const char *a, uint16_t port)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&peer_ss;

	memset(&peer_ss, 0, sizeof(peer_ss));
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	if (inet_pton(AF_INET6, a, &sin6->sin6_addr) != 1)
		abort();
	return (const struct sockaddr *)&peer_ss;
}

static struct session_addr
saddr(const char *a, struct pool *pool)
{
	struct session_addr sa;

	if (pool_addr_pton(a, &sa.addr) != 0)
		abort();
	sa.pool = pool;
	return sa;
}

/* A plain session: FQDN identity name, no EAP, no address. */
static struct session *
mk(const char *name)
{
	struct session_params p;
	struct session *s = NULL;

	memset(&p, 0, sizeof(p));
	p.idi_type = ID_FQDN;
	p.idi = span_str(name);
	p.profile = "prof";
	if (session_new(&p, &s) != 0)
		abort();
	return s;
}

static int
well_formed(const char *id)
{
	size_t i;

	if (strlen(id) != SESSION_ID_LEN)
		return 0;
	for (i = 0; i < SESSION_ID_LEN; i++)
		if (id[i] == '\0' || strchr(letters, id[i]) == NULL)
			return 0;
	return 1;
}

static int
is_lower_hex(struct span t)
{
	size_t i;

	for (i = 0; i < t.len; i++)
		if (!((t.p[i] >= '0' && t.p[i] <= '9') ||
		    (t.p[i] >= 'a' && t.p[i] <= 'f')))
			return 0;
	return 1;
}

static struct session *
lookup(struct sessiondb *db, const char *id, uint64_t now)
{
	return sessiondb_lookup(db, span_str(id), now);
}

/* Copies b's content into a NUL-terminated static string (test
 * outputs are small; aborts otherwise). */
static const char *
str(const struct buf *b)
{
	static char s[8192];
	struct span v = buf_span(b);

	if (v.len >= sizeof(s))
		abort();
	memcpy(s, v.p, v.len);
	s[v.len] = '\0';
	return s;
}

static int
contains(const struct buf *b, struct span needle)
{
	struct span h = buf_span(b);
	size_t i;

	for (i = 0; needle.len > 0 && i + needle.len <= h.len; i++)
		if (memcmp(h.p + i, needle.p, needle.len) == 0)
			return 1;
	return 0;
}

/*
 * SipHash-2-4 known answers: key 00 01 .. 0f, message 00 01 .. (n-1).
 * n = 15 is the worked example of the SipHash paper (Aumasson and
 * Bernstein, 2012, Appendix A); the others are from the table of 64
 * vectors (vectors_sip64) of the authors' reference implementation.
 */
static void
test_siphash(void)
{
	static const struct {
		size_t		n;
		uint64_t	want;
	} v[] = {
		{ 0, UINT64_C(0x726fdb47dd0e0e31) },
		{ 1, UINT64_C(0x74f839c593dc67fd) },
		{ 7, UINT64_C(0xab0200f58b01d137) },
		{ 8, UINT64_C(0x93f5f5799a932462) },
		{ 15, UINT64_C(0xa129ca6149be45e5) },
		{ 16, UINT64_C(0x3f2acc7f57c29bdb) },
		{ 32, UINT64_C(0x7127512f72f27cce) },
	};
	uint8_t key[16], msg[64];
	size_t i;

	for (i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)i;
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		ok(sessiondb__siphash(key, msg, v[i].n) == v[i].want,
		    "siphash-2-4 vector, %zu-byte message", v[i].n);
}

static void
test_new(void)
{
	struct session_params p;
	struct session_addr a[3];
	const struct session_addr *ga;
	struct session *s = NULL, *t = NULL;
	struct pool_addr pa;
	uint16_t port;
	uint8_t big[SESSION_IDI_MAX + 1];
	char name[SESSION_NAME_MAX + 2];
	int dummy_pool;
	struct sockaddr_storage unix_ss;

	memset(&p, 0, sizeof(p));
	memset(big, 'a', sizeof(big));
	a[0] = saddr("192.168.20.5", (struct pool *)&dummy_pool);
	a[1] = saddr("2001:db8::5", NULL);
	a[2] = a[0];
	p.idi_type = ID_KEY_ID;
	p.idi = span_str("*$AnyConnectClient$*");
	p.eap_identity = span_str("user1");
	p.profile = "AnyConnect-EAP";
	p.policy = "ikev2-auth-policy";
	p.addrs = a;
	p.naddrs = 2;
	p.peer = peer4("10.106.69.69", 63516);
	p.caps = SESSION_CAP_DPD | SESSION_CAP_NATT;
	is_int(session_new(&p, &s), 0, "session_new");
	if (s == NULL)
		abort();
	is_str(session_id(s), "", "no session-id before it is added");
	is_int(session_token(s).len, SESSION_TOKEN_LEN, "token: 64 chars");
	ok(is_lower_hex(session_token(s)), "token: lowercase hex");
	is_int(session_idi_type(s), ID_KEY_ID, "IDi type copied");
	ok(span_eq(session_idi(s), span_str("*$AnyConnectClient$*")),
	    "IDi data copied");
	ok(span_eq(session_eap_identity(s), span_str("user1")),
	    "EAP identity copied");
	is_str(session_profile(s), "AnyConnect-EAP", "profile copied");
	is_str(session_policy(s), "ikev2-auth-policy", "policy copied");
	is_int(session_addrs(s, &ga), 2, "two addresses");
	ok(pool_addr_eq(&ga[0].addr, &a[0].addr) &&
	    ga[0].pool == (struct pool *)&dummy_pool &&
	    pool_addr_eq(&ga[1].addr, &a[1].addr) && ga[1].pool == NULL,
	    "addresses and pools copied");
	ok(session_peer(s, &pa, &port) == 0 && pa.family == AF_INET &&
	    port == 63516, "peer address and port");
	is_int(session_caps(s), SESSION_CAP_DPD | SESSION_CAP_NATT, "caps");
	is_int(session_state(s), SESSION_ACTIVE, "new session is ACTIVE");
	is_int(session_resumes(s), 0, "never resumed");
	session_set_caps(s, SESSION_CAP_RESUMED);
	is_int(session_caps(s), 0, "RESUMED cannot be set from outside");
	ok(session_set_peer(s, peer6("2001:db8::1", 4500)) == 0 &&
	    session_peer(s, &pa, &port) == 0 && pa.family == AF_INET6 &&
	    port == 4500, "peer moves to IPv6");
	memset(&unix_ss, 0, sizeof(unix_ss));
	unix_ss.ss_family = AF_UNIX;
	is_int(session_set_peer(s, (struct sockaddr *)&unix_ss), -E_INVAL,
	    "AF_UNIX peer refused");
	session_set_owner(s, &dummy_pool);
	ok(session_owner(s) == &dummy_pool, "owner recorded");

	/* A second session has another token. */
	is_int(session_new(&p, &t), 0, "second session");
	ok(t != NULL && !span_eq(session_token(s), session_token(t)),
	    "tokens differ between sessions");
	session_free(t);
	session_free(s);
	session_free(NULL);

	t = NULL;
	p.idi_type = 0;
	is_int(session_new(&p, &t), -E_INVAL, "IDi type 0 refused");
	p.idi_type = ID_KEY_ID;
	p.profile = NULL;
	is_int(session_new(&p, &t), -E_INVAL, "missing profile refused");
	p.profile = "AnyConnect-EAP";
	p.naddrs = 3;
	is_int(session_new(&p, &t), -E_INVAL, "three addresses refused");
	p.naddrs = 1;
	a[0].addr.family = AF_UNIX;
	is_int(session_new(&p, &t), -E_INVAL, "address family refused");
	a[0] = saddr("192.168.20.5", NULL);
	p.caps = SESSION_CAP_RESUMED;
	is_int(session_new(&p, &t), -E_INVAL, "RESUMED cap refused");
	p.caps = 0;
	p.peer = (struct sockaddr *)&unix_ss;
	is_int(session_new(&p, &t), -E_INVAL, "AF_UNIX peer refused");
	p.peer = NULL;
	p.idi = span_make(big, SESSION_IDI_MAX + 1);
	is_int(session_new(&p, &t), -E_RANGE, "IDi too long");
	p.idi = span_make(big, SESSION_IDI_MAX);
	is_int(session_new(&p, &t), 0, "IDi at its maximum");
	session_free(t);
	t = NULL;
	p.eap_identity = span_make(big, SESSION_EAP_ID_MAX + 1);
	is_int(session_new(&p, &t), -E_RANGE, "EAP identity too long");
	p.eap_identity = span_make(NULL, 0);
	memset(name, 'p', sizeof(name));
	name[SESSION_NAME_MAX + 1] = '\0';
	p.profile = name;
	is_int(session_new(&p, &t), -E_RANGE, "profile name too long");
	name[SESSION_NAME_MAX] = '\0';
	is_int(session_new(&p, &t), 0, "profile name at its maximum");
	ok(session_peer(t, &pa, &port) == -E_NOENT, "no peer recorded");
	session_free(t);
}

/*
 * Constant-time token check, "no early exit": the presented value is
 * placed so that its bytes from k on lie on a page without access. A
 * comparison that stopped at the first difference (byte 0 here) would
 * never touch that page; session_token_check must, for every k up to
 * the last byte. The SIGSEGV handler notes the touch and opens the page,
 * and the read is retried.
 */
static uint8_t		*guard;
static size_t		 pagesz;
static volatile sig_atomic_t touched;

static void
on_segv(int sig, siginfo_t *si, void *uc)
{
	uint8_t *a = si->si_addr;

	(void)uc;
	if (a >= guard && a < guard + pagesz &&
	    mprotect(guard, pagesz, PROT_READ | PROT_WRITE) == 0) {
		touched = 1;
		return;
	}
	signal(sig, SIG_DFL);
}

/* An early-exit comparison, to show the harness tells it apart
 * (volatile: read byte by byte, as written). */
static int
naive_eq(const volatile uint8_t *a, const volatile uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

/* Places a copy of tok with byte flip flipped so that bytes k.. are on
 * the guard page, locks the page and returns the copy. */
static uint8_t *
place(struct span tok, size_t k, size_t flip)
{
	uint8_t *p = guard - k;

	if (mprotect(guard, pagesz, PROT_READ | PROT_WRITE) != 0)
		abort();
	memcpy(p, tok.p, tok.len);
	p[flip] ^= 0x01;
	touched = 0;
	if (mprotect(guard, pagesz, PROT_NONE) != 0)
		abort();
	return p;
}

static void
test_token(void)
{
	struct sigaction sa, old;
	struct session *s = mk("token.example");
	struct span tok;
	uint8_t t[SESSION_TOKEN_LEN + 1], oldtok[SESSION_TOKEN_LEN], *p, *mem;
	size_t i, k, bad_pos = 0, bad_touch = 0, naive_untouched = 0;
	int all_zero = 1, all_ok = 1, digits[16] = { 0 }, j;

	tok = session_token(s);
	memcpy(t, tok.p, tok.len);
	is_int(session_token_check(s, span_make(t, SESSION_TOKEN_LEN)), 1,
	    "the token checks");
	/* The same answer, exactly 0, for a difference at any position. */
	for (i = 0; i < SESSION_TOKEN_LEN; i++) {
		t[i] ^= 0x01;
		if (session_token_check(s, span_make(t, SESSION_TOKEN_LEN)) !=
		    0)
			all_zero = 0, bad_pos = i;
		t[i] ^= 0x01 ^ 0x80;
		if (session_token_check(s, span_make(t, SESSION_TOKEN_LEN)) !=
		    0)
			all_zero = 0, bad_pos = i;
		t[i] ^= 0x80;
	}
	ok(all_zero, "0 for a one-byte difference at any of the 64 "
	    "positions");
	if (!all_zero)
		diag("a difference at position %zu was accepted", bad_pos);
	is_int(session_token_check(s, span_make(t, SESSION_TOKEN_LEN)), 1,
	    "still 1 after the sweep");
	is_int(session_token_check(s, span_make(t, SESSION_TOKEN_LEN - 1)),
	    0, "a 63-byte prefix fails");
	t[SESSION_TOKEN_LEN] = t[0];
	is_int(session_token_check(s, span_make(t, SESSION_TOKEN_LEN + 1)),
	    0, "the token plus one byte fails");
	is_int(session_token_check(s, span_make(NULL, 0)), 0,
	    "an empty token fails");
	for (i = 0; i < SESSION_TOKEN_LEN; i++)
		if (t[i] >= 'a' && t[i] <= 'f')
			t[i] = (uint8_t)(t[i] - 'a' + 'A');
	ok(!is_lower_hex(span_make(t, SESSION_TOKEN_LEN)) ?
	    session_token_check(s, span_make(t, SESSION_TOKEN_LEN)) == 0 :
	    1, "the uppercase form fails");

	/* No early exit: the page-fault harness. */
	pagesz = (size_t)sysconf(_SC_PAGESIZE);
	mem = mmap(NULL, 2 * pagesz, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		abort();
	guard = mem + pagesz;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, &old) != 0)
		abort();
	tok = session_token(s);
	for (k = 1; k < SESSION_TOKEN_LEN; k++) {
		/* Differences at the first byte and at the last readable
		 * one, before the locked page. */
		p = place(tok, k, 0);
		if (session_token_check(s, span_make(p, SESSION_TOKEN_LEN)) !=
		    0 || !touched)
			bad_touch++;
		p = place(tok, k, k - 1);
		if (session_token_check(s, span_make(p, SESSION_TOKEN_LEN)) !=
		    0 || !touched)
			bad_touch++;
		p = place(tok, k, 0);
		if (naive_eq(tok.p, p, SESSION_TOKEN_LEN) == 0 && !touched)
			naive_untouched++;
	}
	is_int(bad_touch, 0, "session_token_check reads all 64 bytes "
	    "whatever the position of the first difference");
	is_int(naive_untouched, SESSION_TOKEN_LEN - 1, "the harness catches "
	    "an early-exit comparison (it never reads past the difference)");
	if (mprotect(guard, pagesz, PROT_READ | PROT_WRITE) != 0 ||
	    sigaction(SIGSEGV, &old, NULL) != 0)
		abort();
	munmap(mem, 2 * pagesz);

	/* Rotation: the old token no longer checks, the new one does. */
	memcpy(oldtok, tok.p, sizeof(oldtok));
	is_int(session_token_rotate(s), 0, "rotate");
	tok = session_token(s);
	ok(tok.len == SESSION_TOKEN_LEN && is_lower_hex(tok),
	    "rotated token is 64 hex chars");
	ok(memcmp(tok.p, oldtok, sizeof(oldtok)) != 0, "the token changed");
	is_int(session_token_check(s, span_make(oldtok, sizeof(oldtok))), 0,
	    "the old token is refused after rotation");
	is_int(session_token_check(s, tok), 1, "the new token checks");

	/* Hex digits: all 16 show up over a hundred tokens. */
	for (j = 0; j < 100 && all_ok; j++) {
		if (session_token_rotate(s) != 0)
			all_ok = 0;
		tok = session_token(s);
		for (i = 0; i < tok.len; i++)
			digits[tok.p[i] <= '9' ? tok.p[i] - '0' :
			    tok.p[i] - 'a' + 10]++;
	}
	for (j = 0; j < 16; j++)
		if (digits[j] == 0)
			all_ok = 0;
	ok(all_ok, "every hex digit appears across 100 rotations");
	session_free(s);
}

static void
test_ids(void)
{
	struct timer_heap th;
	struct sessiondb_conf c = { &th, NULL, NULL, test_rng };
	struct sessiondb *db = NULL, *db2 = NULL;
	struct session *s1, *s2, *s3;
	uint8_t key[16] = { 0 }, b[32];
	int i;

	timer_heap_init(&th);
	/* The sampler: bytes 208..255 are dropped, the rest map mod 52. */
	script_reset();
	script_add(key, sizeof(key));
	memset(b, 0xff, sizeof(b));
	b[0] = 207;		/* 'z' */
	b[1] = 208;		/* dropped */
	b[2] = 52;		/* 'A' */
	b[3] = 255;		/* dropped */
	for (i = 4; i < 20; i++)
		b[i] = (uint8_t)(i - 4 + 26);	/* 'a'.. */
	script_add(b, sizeof(b));
	is_int(sessiondb_new(&c, &db), 0, "sessiondb_new");
	s1 = mk("a");
	is_int(sessiondb_add(db, s1, 0), 0, "add");
	is_str(session_id(s1), "zAabcdefghijklmnop",
	    "letters by rejection sampling: 207->z, 52->A, 208/255 dropped");
	is_int(sessiondb_add(db, s1, 0), -E_INVAL, "adding twice refused");

	/* A collision draws again. */
	script_reset();
	script_id("rIUHKccDRiUtFTATwq");
	script_id("zAabcdefghijklmnop");	/* taken by s1 */
	script_id("QQQQQQQQQQQQQQQQQQ");
	s2 = mk("b");
	s3 = mk("c");
	is_int(sessiondb_add(db, s2, 0), 0, "add s2");
	is_int(sessiondb_add(db, s3, 0), 0, "add s3 after a collision");
	is_str(session_id(s2), "rIUHKccDRiUtFTATwq", "s2's scripted id");
	is_str(session_id(s3), "QQQQQQQQQQQQQQQQQQ",
	    "s3 drew again on the collision");
	ok(lookup(db, "zAabcdefghijklmnop", 0) == s1 &&
	    lookup(db, "rIUHKccDRiUtFTATwq", 0) == s2 &&
	    lookup(db, "QQQQQQQQQQQQQQQQQQ", 0) == s3, "each id finds its "
	    "session");

	/* Nothing but collisions: -E_EXIST, and the session stays as it
	 * was (the caller's, without an id). */
	script_reset();
	for (i = 0; i < 9; i++)
		script_id("QQQQQQQQQQQQQQQQQQ");
	s3 = mk("d");
	is_int(sessiondb_add(db, s3, 0), -E_EXIST, "only collisions");
	is_str(session_id(s3), "", "no id after a failed add");
	rng_mode = RNG_FF;
	is_int(sessiondb_add(db, s3, 0), -E_CRYPTO,
	    "a generator with no usable byte is refused");
	rng_mode = RNG_FAIL;
	is_int(sessiondb_add(db, s3, 0), -E_CRYPTO, "a failing generator");
	is_str(session_id(s3), "", "still no id");
	session_free(s3);
	is_int(sessiondb_new(&c, &db2), -E_CRYPTO,
	    "sessiondb_new without randomness");
	script_reset();
	c.timers = NULL;
	is_int(sessiondb_new(&c, &db2), -E_INVAL, "sessiondb_new without "
	    "a timer heap");
	ok(db2 == NULL, "nothing returned on failure");

	/* Lookups of what is not an id. */
	ok(sessiondb_lookup(db, span_make(NULL, 0), 0) == NULL,
	    "empty id: not found");
	ok(lookup(db, "rIUHKccDRiUtFTATw", 0) == NULL, "17 letters: not "
	    "found");
	ok(lookup(db, "rIUHKccDRiUtFTATwqq", 0) == NULL, "19 letters: not "
	    "found");
	ok(lookup(db, "rIUHKccDRiUtFTATwQ", 0) == NULL, "last letter "
	    "differs: not found");
	ok(lookup(db, "RIUHKccDRiUtFTATwq", 0) == NULL, "first letter "
	    "differs: not found");
	sessiondb_free(db);
	timer_heap_cleanup(&th);
}

static void
test_lifecycle(void)
{
	struct timer_heap th;
	struct rel rl;
	struct sessiondb_conf c = { &th, on_release, &rl, NULL };
	struct sessiondb *db = NULL, *other = NULL;
	struct session *a, *b, *d, *e, *s[5];
	char ida[SESSION_ID_LEN + 1], idb[SESSION_ID_LEN + 1];
	struct session_counters k, live;
	uint64_t dl;
	size_t act, idl, i;
	static const uint64_t to[5] = { 500, 100, 300, 300, 200 };

	memset(&rl, 0, sizeof(rl));
	timer_heap_init(&th);
	if (sessiondb_new(&c, &db) != 0 || sessiondb_new(&c, &other) != 0)
		abort();
	a = mk("a");
	b = mk("b");
	is_int(sessiondb_add(db, a, 1000), 0, "add a at 1000");
	is_int(sessiondb_add(db, b, 1000), 0, "add b at 1000");
	snprintf(ida, sizeof(ida), "%s", session_id(a));
	snprintf(idb, sizeof(idb), "%s", session_id(b));
	ok(well_formed(ida) && well_formed(idb) && strcmp(ida, idb) != 0,
	    "ids well formed and distinct");
	ok(lookup(db, ida, 1000) == a && lookup(db, idb, 1000) == b,
	    "lookup finds both");
	is_int(session_created(a), 1000, "created at 1000");
	sessiondb_counts(db, &act, &idl);
	ok(act == 2 && idl == 0, "2 active, 0 idle");

	/* Exact boundary: idle at 1000 for 5000 ms expires at 6000. */
	is_int(sessiondb_idle(db, a, 1000, 5000), 0, "a idle for 5 s");
	is_int(session_state(a), SESSION_IDLE, "a is IDLE");
	is_int(session_deadline(a), 6000, "deadline 6000");
	is_int(session_idle_since(a), 1000, "idle since 1000");
	is_int(sessiondb_idle(db, a, 1000, 5000), -E_STATE, "idle twice");
	is_int(sessiondb_idle(other, b, 1000, 5000), -E_INVAL,
	    "idle in the wrong database");
	sessiondb_counts(db, &act, &idl);
	ok(act == 1 && idl == 1, "1 active, 1 idle");
	ok(timer_next(&th, &dl) == 0 && dl == 6000, "heap armed for 6000");
	is_int(timer_run(&th, 5999), 0, "nothing fires at 5999");
	ok(lookup(db, ida, 5999) == a, "a found at 5999");
	is_int(rl.n, 0, "no release yet");
	is_int(timer_run(&th, 6000), 1, "a fires at 6000");
	is_int(rl.n, 1, "release called once");
	ok(rl.why[0] == SESSIONDB_EXPIRED && strcmp(rl.id[0], ida) == 0,
	    "for a, as expired");
	ok(lookup(db, ida, 6000) == NULL, "a is gone");
	is_int(timer_run(&th, 1000000), 0, "nothing more fires");
	is_int(rl.n, 1, "still one release");

	/* A lookup at the deadline expires the session even before the
	 * heap runs, and it is released once only. */
	is_int(sessiondb_idle(db, b, 2000, 3000), 0, "b idle until 5000");
	ok(lookup(db, idb, 4999) == b, "b found at 4999");
	ok(lookup(db, idb, 5000) == NULL, "b not found at 5000");
	ok(rl.n == 2 && rl.why[1] == SESSIONDB_EXPIRED, "b released as "
	    "expired by the lookup");
	is_int(timer_run(&th, 6000), 0, "its timer is gone");
	is_int(rl.n, 2, "released exactly once");
	sessiondb_counts(db, &act, &idl);
	ok(act == 0 && idl == 0, "empty");

	/* Resume before expiry cancels it; resume at the deadline fails. */
	d = mk("d");
	if (sessiondb_add(db, d, 10000) != 0)
		abort();
	live.pkts_in = 10, live.pkts_out = 20;
	live.bytes_in = 1000, live.bytes_out = 2000;
	session_count_live(d, &live);
	session_set_owner(d, &rl);
	is_int(sessiondb_idle(db, d, 10000, 900000), 0, "d idle until "
	    "910000");
	ok(session_owner(d) == NULL, "idle clears the owner");
	is_int(sessiondb_resume(db, d, 909999), 0, "resume at 909999");
	is_int(session_state(d), SESSION_ACTIVE, "d ACTIVE again");
	ok(session_caps(d) & SESSION_CAP_RESUMED, "RESUMED set");
	is_int(session_resumes(d), 1, "resumed once");
	is_int(session_last_active(d), 909999, "last active at the resume");
	ok(timer_next(&th, &dl) == -E_NOENT, "expiry cancelled");
	is_int(timer_run(&th, UINT64_MAX), 0, "nothing fires, ever");
	is_int(rl.n, 2, "no release");
	session_set_caps(d, 0);
	ok(session_caps(d) == SESSION_CAP_RESUMED, "RESUMED survives "
	    "set_caps");
	live.pkts_in = 1, live.pkts_out = 2;
	live.bytes_in = 100, live.bytes_out = 200;
	session_count_live(d, &live);
	session_counters(d, &k);
	ok(k.pkts_in == 11 && k.pkts_out == 22 && k.bytes_in == 1100 &&
	    k.bytes_out == 2200, "counters carried over the resume");
	/* The client moved before DPD noticed: resume while ACTIVE. */
	is_int(sessiondb_resume(db, d, 920000), 0, "resume while active");
	is_int(session_resumes(d), 2, "resumed twice");
	session_count_live(d, &live);
	session_counters(d, &k);
	ok(k.pkts_in == 12 && k.bytes_out == 2400, "old CHILD SA's "
	    "counters committed, new ones live");
	is_int(sessiondb_resume(other, d, 920000), -E_INVAL,
	    "resume in the wrong database");
	is_int(sessiondb_idle(db, d, 930000, 1000), 0, "d idle until "
	    "931000");
	is_int(sessiondb_resume(db, d, 931000), -E_TIMEOUT,
	    "resume at the deadline fails");
	is_int(session_state(d), SESSION_IDLE, "d unchanged");
	is_int(timer_run(&th, 931000), 1, "d expires");
	is_int(rl.n, 3, "released once");

	/* Remove: an active one, an idle one (whose timer must die). */
	d = mk("d2");
	e = mk("e");
	if (sessiondb_add(db, d, 0) != 0 || sessiondb_add(db, e, 0) != 0)
		abort();
	sessiondb_remove(db, d);
	ok(rl.n == 4 && rl.why[3] == SESSIONDB_REMOVED, "active session "
	    "removed, released once");
	is_int(sessiondb_idle(db, e, 0, 50), 0, "e idle");
	sessiondb_remove(db, e);
	ok(rl.n == 5 && rl.why[4] == SESSIONDB_REMOVED, "idle session "
	    "removed, released once");
	is_int(timer_run(&th, 1000), 0, "its expiry is gone");
	is_int(rl.n, 5, "no second release");

	/* Expiry order: deadlines 500 100 300 300 200 fire as 100, 200,
	 * 300 (first idled), 300, 500 in one run. */
	rl.n = 0;
	for (i = 0; i < 5; i++) {
		s[i] = mk("o");
		if (sessiondb_add(db, s[i], 0) != 0)
			abort();
	}
	for (i = 0; i < 5; i++)
		if (sessiondb_idle(db, s[i], 0, to[i]) != 0)
			abort();
	{
		char want[5][SESSION_ID_LEN + 1];
		static const int order[5] = { 1, 4, 2, 3, 0 };

		for (i = 0; i < 5; i++)
			snprintf(want[i], sizeof(want[i]), "%s",
			    session_id(s[order[i]]));
		is_int(timer_run(&th, 1000), 5, "five expire in one run");
		for (i = 0; i < 5; i++)
			is_str(rl.id[i], want[i], "expiry #%zu in deadline "
			    "order", i);
	}

	/* A release callback may remove another session that is due in
	 * the same run: that one is released as removed, once. */
	rl.n = 0;
	d = mk("x");
	e = mk("y");
	if (sessiondb_add(db, d, 0) != 0 || sessiondb_add(db, e, 0) != 0 ||
	    sessiondb_idle(db, d, 0, 10) != 0 ||
	    sessiondb_idle(db, e, 0, 10) != 0)
		abort();
	rl.db = db;
	rl.victim = e;
	is_int(timer_run(&th, 10), 1, "one fires, the other is removed by "
	    "the callback");
	ok(rl.n == 2 && rl.why[0] == SESSIONDB_EXPIRED &&
	    rl.why[1] == SESSIONDB_REMOVED, "released: expired, then "
	    "removed");
	sessiondb_counts(db, &act, &idl);
	ok(act == 0 && idl == 0, "empty again");

	/* Idle sessions still held at free: disarmed, not released. */
	rl.n = 0;
	d = mk("z");
	if (sessiondb_add(db, d, 0) != 0 || sessiondb_idle(db, d, 0, 10) != 0)
		abort();
	sessiondb_free(db);
	ok(timer_next(&th, &dl) == -E_NOENT, "free disarms the timers");
	is_int(rl.n, 0, "free does not call release");
	sessiondb_free(other);
	sessiondb_free(NULL);
	timer_heap_cleanup(&th);
}

static int
collect(void *arg, struct session *s)
{
	struct rel *rl = arg;

	if (rl->n < 64)
		snprintf(rl->id[rl->n], sizeof(rl->id[0]), "%s",
		    session_id(s));
	rl->n++;
	if (rl->db != NULL && strcmp(session_id(s), rl->id[0]) != 0)
		sessiondb_remove(rl->db, s);	/* removes the one given */
	return rl->n == 3 && rl->victim != NULL ? 42 : 0;
}

static void
test_foreach(void)
{
	struct timer_heap th;
	struct rel rl, walk;
	struct sessiondb_conf c = { &th, on_release, &rl, NULL };
	struct sessiondb *db = NULL;
	struct session *s[4];
	size_t i, act;

	memset(&rl, 0, sizeof(rl));
	memset(&walk, 0, sizeof(walk));
	timer_heap_init(&th);
	if (sessiondb_new(&c, &db) != 0)
		abort();
	for (i = 0; i < 4; i++) {
		s[i] = mk("w");
		if (sessiondb_add(db, s[i], 0) != 0)
			abort();
	}
	walk.victim = s[0];	/* only a flag: stop at the third */
	is_int(sessiondb_foreach(db, collect, &walk), 42, "a nonzero "
	    "return stops the walk and is returned");
	is_int(walk.n, 3, "after three sessions");
	ok(strcmp(walk.id[0], session_id(s[0])) == 0 &&
	    strcmp(walk.id[2], session_id(s[2])) == 0, "in order of "
	    "addition");
	memset(&walk, 0, sizeof(walk));
	snprintf(walk.id[0], sizeof(walk.id[0]), "%s", session_id(s[0]));
	walk.n = 1;
	walk.db = db;
	is_int(sessiondb_foreach(db, collect, &walk), 0, "walk that removes "
	    "each session it is given but the first");
	is_int(walk.n, 5, "it saw all four");
	sessiondb_counts(db, &act, NULL);
	ok(act == 1 && rl.n == 3, "three removed, one left");
	sessiondb_free(db);
	timer_heap_cleanup(&th);
}

static int
cmp_id(const void *a, const void *b)
{
	return memcmp(a, b, SESSION_ID_LEN);
}

/* xorshift64*: a reproducible stream for timeouts and picks. */
static uint64_t
xr(uint64_t *st)
{
	*st ^= *st >> 12;
	*st ^= *st << 25;
	*st ^= *st >> 27;
	return *st * UINT64_C(2685821657736338717);
}

/* Returns 1 when s is the big test's session number i: its IDi holds
 * i and its id is the one recorded for i. */
static int
is_index(struct session *s, size_t i)
{
	struct span idi = session_idi(s);

	return idi.len == 4 && ((size_t)idi.p[0] << 24 |
	    (size_t)idi.p[1] << 16 | (size_t)idi.p[2] << 8 | idi.p[3]) == i;
}

static void
test_big(void)
{
	struct timer_heap th;
	struct rel rl;
	struct sessiondb_conf c = { &th, on_release, &rl, NULL };
	struct sessiondb *db = NULL;
	struct session_params p;
	struct session *s;
	char (*ids)[SESSION_ID_LEN + 1], (*sorted)[SESSION_ID_LEN + 1];
	uint64_t *deadline, st = 0x9e3779b97f4a7c15u, now, maxdl = 0, dl;
	uint8_t *resumed, idx[4];
	size_t i, j, bad_form = 0, dups = 0, bad_lookup = 0, nresumed = 0;
	size_t bad_fire = 0, steps = 0, hist[52] = { 0 }, bad_hist = 0, act,
	    idl;
	const char *q;

	memset(&rl, 0, sizeof(rl));
	ids = calloc(NBIG, sizeof(*ids));
	sorted = calloc(NBIG, sizeof(*sorted));
	deadline = calloc(NBIG, sizeof(*deadline));
	resumed = calloc(NBIG, 1);
	rl.fired = calloc(NBIG, sizeof(*rl.fired));
	if (!ids || !sorted || !deadline || !resumed || !rl.fired)
		abort();
	timer_heap_init(&th);
	if (sessiondb_new(&c, &db) != 0)
		abort();
	memset(&p, 0, sizeof(p));
	p.idi_type = ID_KEY_ID;
	p.profile = "big";
	for (i = 0; i < NBIG; i++) {
		idx[0] = (uint8_t)(i >> 24);
		idx[1] = (uint8_t)(i >> 16);
		idx[2] = (uint8_t)(i >> 8);
		idx[3] = (uint8_t)i;
		p.idi = span_make(idx, 4);
		if (session_new(&p, &s) != 0 || sessiondb_add(db, s, 0) != 0)
			abort();
		memcpy(ids[i], session_id(s), SESSION_ID_LEN + 1);
		if (!well_formed(ids[i]))
			bad_form++;
		for (q = ids[i]; *q; q++)
			hist[strchr(letters, *q) - letters]++;
	}
	is_int(bad_form, 0, "100000 ids: 18 letters [A-Za-z] each");
	memcpy(sorted, ids, NBIG * sizeof(*ids));
	qsort(sorted, NBIG, sizeof(*sorted), cmp_id);
	for (i = 1; i < NBIG; i++)
		if (memcmp(sorted[i - 1], sorted[i], SESSION_ID_LEN) == 0)
			dups++;
	is_int(dups, 0, "100000 ids: all distinct");
	/* 1.8 million letters, 34615 expected each (sd ~ 184): a modulo
	 * bias would put 40 letters 25% above the others. */
	for (i = 0; i < 52; i++)
		if (hist[i] < 34615 - 1730 || hist[i] > 34615 + 1730)
			bad_hist++;
	is_int(bad_hist, 0, "letters uniform within 5%% (no modulo bias)");

	/* All idle at 1000 with random timeouts of 1 ms .. 15 min. */
	for (i = 0; i < NBIG; i++) {
		s = lookup(db, ids[i], 1000);
		if (s == NULL || sessiondb_idle(db, s, 1000,
		    1 + xr(&st) % 900000) != 0)
			abort();
		deadline[i] = session_deadline(s);
		if (deadline[i] > maxdl)
			maxdl = deadline[i];
	}
	sessiondb_counts(db, &act, &idl);
	ok(act == 0 && idl == NBIG, "100000 idle");

	/* Walk the clock in uneven steps, resuming a few sessions on the
	 * way and checking lookups of a sample each step. */
	rl.prev_now = 1000;
	for (now = 1000; rl.n < NBIG - nresumed; steps++) {
		now += 1 + xr(&st) % 1999;
		rl.now = now;
		(void)timer_run(&th, now);
		rl.prev_now = now;
		for (j = 0; j < 100; j++) {
			i = (size_t)(xr(&st) % NBIG);
			s = lookup(db, ids[i], now);
			if ((s == NULL) != (rl.fired[i] == 1 && !resumed[i]) ||
			    (s != NULL && !is_index(s, i)))
				bad_lookup++;
			if (s != NULL && !resumed[i] && j < 2 &&
			    deadline[i] > now + 1) {
				if (sessiondb_resume(db, s, now) != 0)
					abort();
				resumed[i] = 1;
				nresumed++;
			}
		}
		if (now > maxdl + 2000)
			break;
	}
	diag("%zu steps, %zu sessions resumed on the way", steps, nresumed);
	is_int(rl.order_bad, 0, "expired in deadline order");
	is_int(rl.time_bad, 0, "each expired at the first run at or after "
	    "its deadline");
	is_int(bad_lookup, 0, "sampled lookups agree with what expired");
	for (i = 0; i < NBIG; i++)
		if (rl.fired[i] != (resumed[i] ? 0 : 1))
			bad_fire++;
	is_int(bad_fire, 0, "every idle session released exactly once, "
	    "resumed ones never");
	sessiondb_counts(db, &act, &idl);
	ok(act == nresumed && idl == 0, "only the resumed ones remain");
	ok(timer_next(&th, &dl) == -E_NOENT, "no timer left");
	for (i = 0; i < NBIG; i++)
		if (resumed[i] && (s = lookup(db, ids[i], now)) != NULL)
			sessiondb_remove(db, s);
	for (i = 0, bad_fire = 0; i < NBIG; i++)
		if (rl.fired[i] != 1)
			bad_fire++;
	is_int(bad_fire, 0, "after removing the resumed ones, each was "
	    "released once");
	sessiondb_free(db);
	timer_heap_cleanup(&th);
	free(ids);
	free(sorted);
	free(deadline);
	free(resumed);
	free(rl.fired);
}

/* The reference's five lines (Cisco document 222830, "Vérifier" and
 * "Après reconnexion"), byte for byte. */
static const char stats_before[] =
    "Total incoming reconnect connection: 0\n"
    "Success reconnect connection: 0\n"
    "Failed reconnect connection: 0\n"
    "Reconnect capable active session count: 1\n"
    "Reconnect capable inactive session count: 0\n";
static const char stats_after[] =
    "Total incoming reconnect connection: 1\n"
    "Success reconnect connection: 1\n"
    "Failed reconnect connection: 0\n"
    "Reconnect capable active session count: 1\n"
    "Reconnect capable inactive session count: 0\n";

static void
test_format(void)
{
	struct timer_heap th;
	struct rel rl;
	struct sessiondb_conf c = { &th, on_release, &rl, test_rng };
	struct sessiondb *db = NULL;
	struct sessiondb_stats sst;
	struct session_params p;
	struct session_addr a[2];
	struct session_counters k;
	struct session *s = NULL, *t = NULL;
	struct buf *b = buf_new(1 << 16), *small;
	uint8_t key[16] = { 0 }, tok1[SESSION_TOKEN_LEN];
	unsigned f;
	size_t leaks = 0;
	int stage;
	static const unsigned fl[4] = { 0, SESSION_FMT_DETAIL,
	    SESSION_FMT_JSON, SESSION_FMT_JSON | SESSION_FMT_DETAIL };

	memset(&rl, 0, sizeof(rl));
	timer_heap_init(&th);
	script_reset();
	script_add(key, sizeof(key));
	script_id("rIUHKccDRiUtFTATwq");
	if (b == NULL || sessiondb_new(&c, &db) != 0)
		abort();

	is_int(sessiondb_show(db, b, 0, 0), 0, "show, empty");
	is_int(buf_len(b), 0, "no text for no session");
	is_int(sessiondb_show(db, b, 0, SESSION_FMT_JSON), 0, "json, empty");
	is_str(str(b), "[]\n", "an empty JSON array");
	buf_reset(b);

	/* The reference's session: AnyConnect EAP user1 from
	 * 10.106.69.69:63516, 192.168.20.5 from the pool. */
	memset(&p, 0, sizeof(p));
	a[0] = saddr("192.168.20.5", NULL);
	p.idi_type = ID_KEY_ID;
	p.idi = span_str("*$AnyConnectClient$*");
	p.eap_identity = span_str("user1");
	p.profile = "AnyConnect-EAP";
	p.policy = "ikev2-auth-policy";
	p.addrs = a;
	p.naddrs = 1;
	p.peer = peer4("10.106.69.69", 63516);
	p.caps = SESSION_CAP_DPD | SESSION_CAP_NATT;
	if (session_new(&p, &s) != 0 || sessiondb_add(db, s, 1000) != 0)
		abort();
	is_str(session_id(s), "rIUHKccDRiUtFTATwq", "the reference's id");
	k.pkts_in = 15, k.pkts_out = 15, k.bytes_in = 1500;
	k.bytes_out = 1600;
	session_count_live(s, &k);
	if (sessiondb_show_stats(db, b, 0) != 0)
		abort();
	is_str(str(b), stats_before, "stats reconnect: the reference's "
	    "lines with 1 active session");
	buf_reset(b);

	is_int(sessiondb_show(db, b, 16000, 0), 0, "show sessions");
	is_str(str(b), "rIUHKccDRiUtFTATwq UP-ACTIVE peer 10.106.69.69 port "
	    "63516 addr 192.168.20.5 id \"user1\" profile AnyConnect-EAP up "
	    "00:00:15 caps DN\n", "one line, active");
	buf_reset(b);
	is_int(sessiondb_show(db, b, 16000, SESSION_FMT_DETAIL), 0,
	    "show sessions --detail");
	is_str(str(b),
	    "Session ID: rIUHKccDRiUtFTATwq\n"
	    "Profile: AnyConnect-EAP\n"
	    "Uptime: 00:00:15\n"
	    "Session status: UP-ACTIVE\n"
	    "Peer: 10.106.69.69 port 63516\n"
	    "Phase1_id: 2A24416E79436F6E6E656374436C69656E74242A\n"
	    "Identity: keyid 2A24416E79436F6E6E656374436C69656E74242A\n"
	    "Remote EAP id: user1\n"
	    "Policy: ikev2-auth-policy\n"
	    "Capabilities:DN\n"
	    "Resumed: 0\n"
	    "Assigned host addr: 192.168.20.5\n"
	    "Inbound: #pkts dec'ed 15 bytes 1500\n"
	    "Outbound: #pkts enc'ed 15 bytes 1600\n", "detail, active");
	buf_reset(b);

	/* DPD fails at 100 s; 15 minutes of reconnect timeout. */
	is_int(sessiondb_idle(db, s, 100000, 900000), 0, "idle");
	is_int(sessiondb_show(db, b, 100500, 0), 0, "show, idle");
	is_str(str(b), "rIUHKccDRiUtFTATwq IDLE peer 10.106.69.69 port 63516 "
	    "addr 192.168.20.5 id \"user1\" profile AnyConnect-EAP up "
	    "00:01:39 caps DN left 00:15:00\n", "one line, idle, time left "
	    "rounded up");
	buf_reset(b);
	is_int(sessiondb_show(db, b, 101000, SESSION_FMT_JSON), 0,
	    "json, idle");
	is_str(str(b), "[{\"session_id\":\"rIUHKccDRiUtFTATwq\",\"status\":"
	    "\"IDLE\",\"peer\":\"10.106.69.69\",\"port\":63516,\"addresses\":"
	    "[\"192.168.20.5\"],\"identity\":\"user1\",\"profile\":"
	    "\"AnyConnect-EAP\",\"uptime\":100,\"time_left\":899,"
	    "\"capabilities\":\"DN\"}]\n", "json, idle");
	buf_reset(b);

	/* The client resumes from a new port: Phase1_id becomes the hex
	 * of KEY_ID(session-id), as in the reference, and R appears. */
	sessiondb_count(db, SESSIONDB_EV_INCOMING);
	ok(lookup(db, "rIUHKccDRiUtFTATwq", 200000) == s, "found to resume");
	memcpy(tok1, session_token(s).p, sizeof(tok1));
	if (sessiondb_resume(db, s, 200000) != 0 ||
	    session_token_rotate(s) != 0 ||
	    session_set_peer(s, peer4("10.106.69.69", 54626)) != 0)
		abort();
	sessiondb_count(db, SESSIONDB_EV_SUCCESS);
	k.pkts_in = 7, k.pkts_out = 7, k.bytes_in = 700, k.bytes_out = 800;
	session_count_live(s, &k);
	if (sessiondb_show_stats(db, b, 0) != 0)
		abort();
	is_str(str(b), stats_after, "stats reconnect after one reconnect: "
	    "the reference's lines");
	buf_reset(b);
	is_int(sessiondb_show(db, b, 203000, SESSION_FMT_DETAIL), 0,
	    "detail, resumed");
	is_str(str(b),
	    "Session ID: rIUHKccDRiUtFTATwq\n"
	    "Profile: AnyConnect-EAP\n"
	    "Uptime: 00:03:22\n"
	    "Session status: UP-ACTIVE\n"
	    "Peer: 10.106.69.69 port 54626\n"
	    "Phase1_id: 724955484B63634452695574465441547771\n"
	    "Identity: keyid 2A24416E79436F6E6E656374436C69656E74242A\n"
	    "Remote EAP id: user1\n"
	    "Policy: ikev2-auth-policy\n"
	    "Capabilities:DNR\n"
	    "Resumed: 1\n"
	    "Assigned host addr: 192.168.20.5\n"
	    "Inbound: #pkts dec'ed 22 bytes 2200\n"
	    "Outbound: #pkts enc'ed 22 bytes 2400\n", "detail, resumed: "
	    "Phase1_id and Capabilities:DNR as in the reference");
	buf_reset(b);
	is_int(sessiondb_show(db, b, 203000, SESSION_FMT_JSON |
	    SESSION_FMT_DETAIL), 0, "json detail");
	is_str(str(b), "[{\"session_id\":\"rIUHKccDRiUtFTATwq\",\"status\":"
	    "\"UP-ACTIVE\",\"peer\":\"10.106.69.69\",\"port\":54626,"
	    "\"addresses\":[\"192.168.20.5\"],\"identity\":\"user1\","
	    "\"profile\":\"AnyConnect-EAP\",\"uptime\":202,\"time_left\":null,"
	    "\"capabilities\":\"DNR\",\"phase1_id\":"
	    "\"724955484B63634452695574465441547771\",\"id_type\":\"keyid\","
	    "\"idi\":\"2A24416E79436F6E6E656374436C69656E74242A\","
	    "\"eap_identity\":\"user1\",\"policy\":\"ikev2-auth-policy\","
	    "\"resumes\":1,\"last_active\":3,\"packets_in\":22,"
	    "\"packets_out\":22,\"bytes_in\":2200,\"bytes_out\":2400}]\n",
	    "json detail, resumed");
	buf_reset(b);

	/* A second session: hostile identity bytes, IPv6, no EAP. */
	memset(&p, 0, sizeof(p));
	a[0] = saddr("192.168.20.6", NULL);
	a[1] = saddr("2001:db8::6", NULL);
	p.idi_type = ID_FQDN;
	p.idi = span_str("ev\x1b[31m\"il\\");
	p.profile = "p2";
	p.addrs = a;
	p.naddrs = 2;
	p.peer = peer6("2001:db8::1", 4500);
	if (session_new(&p, &t) != 0 || sessiondb_add(db, t, 200000) != 0)
		abort();
	if (sessiondb_show(db, b, 203000, 0) != 0)
		abort();
	ok(strstr(str(b), " UP-ACTIVE peer 2001:db8::1 port 4500 addr "
	    "192.168.20.6,2001:db8::6 id \"ev\\x1b[31m\\\"il\\\\\" profile p2 "
	    "up 00:00:03 caps -\n") != NULL, "IPv6, escaped identity, no "
	    "caps");
	ok(strchr(str(b), '\x1b') == NULL, "no raw control byte in text");
	buf_reset(b);
	if (sessiondb_show(db, b, 203000, SESSION_FMT_JSON) != 0)
		abort();
	ok(strstr(str(b), ",{\"session_id\":\"") != NULL &&
	    strstr(str(b), "\"identity\":\"ev\\u001b[31m\\\"il\\\\\"") != NULL,
	    "JSON: second object, escaped identity");
	buf_reset(b);
	if (sessiondb_show(db, b, 203000, SESSION_FMT_DETAIL) != 0)
		abort();
	ok(strstr(str(b), "Outbound: #pkts enc'ed 22 bytes 2400\n\n"
	    "Session ID: ") != NULL, "detail blocks separated by a blank "
	    "line");
	ok(strstr(str(b), "Phase1_id: ev\\x1b[31m\\\"il\\\\\n") != NULL &&
	    strstr(str(b), "Identity: fqdn ev\\x1b") != NULL,
	    "FQDN shown as escaped text");
	buf_reset(b);

	/* No output ever holds a token, in any state or form. */
	for (stage = 0; stage < 3; stage++) {
		if (stage == 1 && sessiondb_idle(db, t, 203000, 1000) != 0)
			abort();
		if (stage == 2 && session_token_rotate(t) != 0)
			abort();
		for (f = 0; f < 4; f++) {
			buf_reset(b);
			if (sessiondb_show(db, b, 203500, fl[f]) != 0 ||
			    session_format(s, b, 203500, fl[f]) != 0 ||
			    session_format(t, b, 203500, fl[f]) != 0 ||
			    sessiondb_show_stats(db, b, (int)(f & 1)) != 0)
				abort();
			if (contains(b, session_token(s)) ||
			    contains(b, session_token(t)) ||
			    contains(b, span_make(tok1, sizeof(tok1))) ||
			    contains(b, span_make(session_token(s).p, 16)))
				leaks++;
		}
	}
	is_int(leaks, 0, "no token (nor 16 chars of one) in 48 outputs");

	buf_reset(b);
	if (sessiondb_show_stats(db, b, 1) != 0)
		abort();
	is_str(str(b), "{\"total_incoming_reconnect_connection\":1,"
	    "\"success_reconnect_connection\":1,"
	    "\"failed_reconnect_connection\":0,"
	    "\"reconnect_capable_active_session_count\":1,"
	    "\"reconnect_capable_inactive_session_count\":1}\n",
	    "stats reconnect --json");
	sessiondb_count(db, SESSIONDB_EV_INCOMING);
	sessiondb_count(db, SESSIONDB_EV_FAILED);
	sessiondb_stats(db, &sst);
	ok(sst.incoming == 2 && sst.success == 1 && sst.failed == 1 &&
	    sst.active == 1 && sst.idle == 1, "counters: 2 incoming, 1 "
	    "success, 1 failed, 1 active, 1 idle");

	/* A full buffer: an error, and the buffer as it was. */
	small = buf_new(100);
	if (small == NULL || buf_add(small, "xyz", 3) != 0)
		abort();
	is_int(sessiondb_show(db, small, 203500, SESSION_FMT_DETAIL),
	    -E_RANGE, "show into a full buffer");
	ok(buf_len(small) == 3 && memcmp(buf_span(small).p, "xyz", 3) == 0,
	    "buffer restored");
	is_int(sessiondb_show_stats(db, small, 0), -E_RANGE, "stats into a "
	    "full buffer");
	is_int(buf_len(small), 3, "buffer unchanged");
	buf_free(small);

	buf_free(b);
	sessiondb_free(db);
	timer_heap_cleanup(&th);
}

int
main(void)
{
	test_siphash();
	test_new();
	test_token();
	test_ids();
	test_lifecycle();
	test_foreach();
	test_big();
	test_format();
	xform_cleanup();
	return done_testing();
}
