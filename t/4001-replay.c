/*
 * 4001-replay: the ESP anti-replay window (RFC 4303 3.4.3, Appendix A;
 * RFC 6479 word ring): duplicates, numbers below the window, slides by
 * one, by a word and by more than the window, the exact window edges, the
 * ring aliasing of numbers REPLAY_BITS apart, the ESN inference of the
 * high 32 bits across an epoch boundary (Appendix A2.2 cases A and B),
 * check without commit (forged packets) leaving the window alone, and a
 * randomized run against a plain reference model, with and without ESN.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/replay.h"
#include "t/tap.h"

#define W	REPLAY_WINDOW

/* check then commit, as for an authentic packet; returns the first
 * failure code, or 0. */
static int
recv_lo(struct replay_win *w, uint32_t lo, uint64_t *seq)
{
	uint64_t s = 0;
	int r;

	if ((r = replay_check(w, lo, &s)) != 0)
		return r;
	if (seq != NULL)
		*seq = s;
	return replay_commit(w, s);
}

static void
basics(void)
{
	struct replay_win w;
	uint64_t s = 0;
	uint32_t i;
	int dups = 0, fresh = 0;

	replay_init(&w, 0);
	is_int(replay_check(&w, 0, &s), -E_RANGE, "seq 0 is never valid");
	is_int(replay_commit(&w, 0), -E_RANGE, "seq 0 cannot be committed");
	is_int(recv_lo(&w, 1, &s), 0, "first packet (1) accepted");
	is_int(s, 1, "...as 1");
	is_int(replay_check(&w, 1, &s), -E_DUP, "1 again: duplicate");
	is_int(replay_commit(&w, 1), -E_DUP, "committing 1 again fails");
	for (i = 2; i <= 1000; i++)
		fresh += recv_lo(&w, i, NULL) == 0;
	is_int(fresh, 999, "2..1000 in order accepted");
	for (i = 1; i <= 1000; i++)
		dups += replay_check(&w, i, &s) == -E_DUP;
	is_int(dups, 1000, "1..1000 again all duplicates");
	is_int(w.top, 1000, "top is 1000");

	/* Reordering inside the window: skip one, get it later. */
	is_int(recv_lo(&w, 1002, NULL), 0, "1002 before 1001");
	is_int(recv_lo(&w, 1001, NULL), 0, "1001 late, still new");
	is_int(replay_check(&w, 1001, &s), -E_DUP, "1001 now duplicate");
	is_int(w.top, 1002, "top stays at the highest");
}

static void
edges(void)
{
	struct replay_win w;
	uint64_t s = 0, top;

	ok(W >= 1024, "window of at least 1024 packets (%d)", W);
	replay_init(&w, 0);
	top = 10000;
	is_int(recv_lo(&w, (uint32_t)top, NULL), 0, "jump to 10000");
	/* (top - W, top] is inside: top - W + 1 is the oldest accepted. */
	is_int(replay_check(&w, (uint32_t)(top - W + 1), &s), 0,
	    "top - W + 1: inside the window");
	is_int(replay_check(&w, (uint32_t)(top - W), &s), -E_RANGE,
	    "top - W: just below the window");
	is_int(replay_check(&w, 1, &s), -E_RANGE, "1: far below");
	is_int(recv_lo(&w, (uint32_t)(top - W + 1), NULL), 0,
	    "oldest in-window number committed");
	is_int(replay_check(&w, (uint32_t)(top - W + 1), &s), -E_DUP,
	    "...then a duplicate");

	/* Slide by one: the oldest falls out. */
	is_int(recv_lo(&w, (uint32_t)(top + 1), NULL), 0, "slide by one");
	is_int(replay_check(&w, (uint32_t)(top - W + 1), &s), -E_RANGE,
	    "the old oldest is now below the window");
	is_int(replay_check(&w, (uint32_t)(top - W + 2), &s), 0,
	    "the new oldest is accepted");
	/* Slide by a whole word. */
	top += 1;
	is_int(recv_lo(&w, (uint32_t)(top + 64), NULL), 0, "slide by 64");
	is_int(replay_check(&w, (uint32_t)top, &s), -E_DUP,
	    "old top still remembered after a word slide");
	is_int(replay_check(&w, (uint32_t)(top + 63), &s), 0,
	    "skipped numbers in the new word are new");
	top += 64;
	/* Slide by more than the window: everything before is forgotten
	 * and below it. */
	is_int(recv_lo(&w, (uint32_t)(top + W + 500), NULL), 0,
	    "slide by more than the window");
	is_int(replay_check(&w, (uint32_t)top, &s), -E_RANGE,
	    "old top now below the window");
	is_int(replay_check(&w, (uint32_t)(top + 501), &s), 0,
	    "unseen numbers of the new window are new");
	top += W + 500;
	is_int(w.top, top, "top after the jump");
}

/* Numbers REPLAY_BITS apart share a ring slot: the stale bit must never
 * read as a duplicate. */
static void
aliasing(void)
{
	struct replay_win w;
	uint64_t s = 0;

	replay_init(&w, 0);
	is_int(recv_lo(&w, 100, NULL), 0, "100");
	is_int(recv_lo(&w, 101, NULL), 0, "101");
	is_int(recv_lo(&w, 100 + W, NULL), 0, "100 + W (edge slide)");
	is_int(replay_check(&w, 100, &s), -E_RANGE,
	    "100 is exactly one below the window");
	is_int(replay_check(&w, 101, &s), -E_DUP,
	    "101 is the oldest, and was seen");
	is_int(replay_check(&w, 102, &s), 0, "102 is the oldest unseen");
	is_int(recv_lo(&w, 101 + REPLAY_BITS, NULL), 0,
	    "101 + REPLAY_BITS, the same ring bit as 101");
	is_int(replay_check(&w, 101 + REPLAY_BITS - 1, &s), 0,
	    "its neighbour is new, not a stale duplicate");
	is_int(replay_check(&w, 101 + REPLAY_BITS, &s), -E_DUP,
	    "it is a duplicate of itself");
	is_int(replay_check(&w, 100 + W, &s), -E_DUP,
	    "100 + W still inside, and seen");
	is_int(replay_check(&w, 101 + REPLAY_BITS - W, &s), -E_RANGE,
	    "the number one below the new window is refused");
}

static void
forged(void)
{
	struct replay_win w;
	uint64_t s = 0, a = 0, b = 0;

	replay_init(&w, 0);
	is_int(recv_lo(&w, 50, NULL), 0, "50");
	/* A forged packet passes the check but fails its ICV: no commit. */
	is_int(replay_check(&w, 4000000000u, &s), 0,
	    "forged far-future number passes the check");
	is_int(w.top, 50, "...but the window did not move");
	is_int(replay_check(&w, 49, &s), 0, "49 still inside the window");
	is_int(replay_check(&w, 51, &s), 0, "forged 51 passes the check");
	is_int(recv_lo(&w, 51, NULL), 0,
	    "the genuine 51 is accepted after a forged copy");

	/* Two copies that both passed the check: only one commits. */
	is_int(replay_check(&w, 60, &a), 0, "copy 1 of 60 checked");
	is_int(replay_check(&w, 60, &b), 0, "copy 2 of 60 checked");
	is_int(replay_commit(&w, a), 0, "copy 1 committed");
	is_int(replay_commit(&w, b), -E_DUP, "copy 2 refused at commit");
	/* The window moved past a checked number before its commit. */
	is_int(replay_check(&w, 55, &a), 0, "55 checked");
	is_int(recv_lo(&w, 55 + W + 10, NULL), 0, "window moves far");
	is_int(replay_commit(&w, a), -E_RANGE, "55 fell out before commit");
	/* ... by exactly one: its ring bit is the spare word's, which
	 * stands for numbers REPLAY_BITS ahead; it must stay clear. */
	replay_init(&w, 0);
	is_int(recv_lo(&w, 70, NULL), 0, "70 in a fresh window");
	is_int(replay_check(&w, 71, &a), 0, "71 checked");
	is_int(recv_lo(&w, 71 + W, NULL), 0, "the window moves to 71 + W");
	is_int(replay_commit(&w, a), -E_RANGE,
	    "71, exactly W below the top, refused at commit");
	is_int(recv_lo(&w, 71 + REPLAY_BITS, NULL), 0,
	    "71 + REPLAY_BITS, the same ring bit, still new");
	is_int(replay_commit(&w, (uint64_t)1 << 32), -E_RANGE,
	    "no 33-bit number without ESN");
}

static void
esn(void)
{
	struct replay_win w;
	uint64_t s = 0, top;

	/* Case A (Tl >= W - 1), just before the epoch boundary. */
	top = 0xfffffff0u;
	replay_init_at(&w, 1, top);
	is_int(replay_check(&w, 0xfffffff0u, &s), -E_DUP,
	    "init_at records the top");
	is_int(recv_lo(&w, 5, &s), 0, "low 5 after 0xfffffff0 accepted");
	is_int(s, 0x100000005ULL, "...inferred in the next epoch");
	is_int(w.top, 0x100000005ULL, "top crossed 2^32");
	/* Now case B (Tl < W - 1): a high low-half is the old epoch. */
	is_int(recv_lo(&w, 0xfffffff5u, &s), 0,
	    "late 0xfffffff5 from the old epoch");
	is_int(s, 0xfffffff5ULL, "...inferred with the old high bits");
	is_int(replay_check(&w, 0xfffffff0u, &s), -E_DUP,
	    "old-epoch duplicate detected");
	/* Case B boundary: Seql = Bl is the oldest of the old epoch. */
	is_int(replay_check(&w, (uint32_t)(0x100000005ULL - W + 1), &s), 0,
	    "Seql = Bl in case B accepted");
	is_int(s, 0x100000005ULL - W + 1, "...in the old epoch");
	is_int(recv_lo(&w, 0, &s), 0, "low 0 is 2^32, valid with ESN");
	is_int(s, 0x100000000ULL, "...2^32");
	/* Appendix A2.2: just below the window reads as the far future
	 * (Seqh = Th); the ICV then fails, so it is never accepted. */
	is_int(replay_check(&w, (uint32_t)(5 - W), &s), 0,
	    "Seql just below Bl passes the check...");
	is_int(s, 0x100000000ULL + (uint32_t)(5 - W),
	    "...as a number of the future, not as itself");

	/* Case A boundary: Seql = Bl stays, Seql = Bl - 1 is next epoch. */
	top = 0x100010000ULL;
	replay_init_at(&w, 1, top);
	is_int(replay_check(&w, (uint32_t)(top - W + 1), &s), 0,
	    "Seql = Bl accepted");
	is_int(s, top - W + 1, "...in this epoch (oldest in the window)");
	is_int(replay_check(&w, (uint32_t)(top - W), &s), 0,
	    "Seql = Bl - 1 passes the check");
	is_int(s, top - W + ((uint64_t)1 << 32),
	    "...inferred in the next epoch (RFC 4303 A2.2)");

	/* The boundary between the cases, Tl = W - 1 (Bl = 0), past the
	 * first epoch: case A, so every Seql is this epoch's. */
	top = ((uint64_t)1 << 32) + W - 1;
	replay_init_at(&w, 1, top);
	is_int(replay_check(&w, (uint32_t)W, &s), 0, "Tl = W - 1: next one");
	is_int(s, top + 1, "...in this epoch, not the previous");
	is_int(replay_check(&w, 0, &s), 0, "Tl = W - 1: Seql 0 = Bl");
	is_int(s, (uint64_t)1 << 32, "...in this epoch (the oldest)");

	/* Case B before any epoch: there is no previous one. */
	replay_init_at(&w, 1, 10);
	is_int(replay_check(&w, 0xfffffff0u, &s), 0,
	    "high low-half at the start");
	is_int(s, 0xfffffff0ULL, "...stays in epoch 0");

	/* At the last epoch, nothing may need high bits past 2^32 - 1. */
	top = 0xffffffff00100000ULL;
	replay_init_at(&w, 1, top);
	is_int(replay_check(&w, 5, &s), -E_RANGE,
	    "next epoch after the last: refused");
	is_int(recv_lo(&w, 0xffffffffu, &s), 0, "2^64 - 1 accepted");
	is_int(s, UINT64_MAX, "...as 2^64 - 1");

	/* Without ESN, the 32-bit space does not wrap. */
	replay_init_at(&w, 0, 0xfffffff0u);
	is_int(replay_check(&w, 5, &s), -E_RANGE,
	    "no ESN: 5 after 0xfffffff0 is just old");
	is_int(recv_lo(&w, 0xffffffffu, &s), 0, "no ESN: 2^32 - 1 accepted");
}

/* xorshift64*: reproducible. */
static uint64_t rng_state = 0x243f6a8885a308d3ULL;

static uint64_t
rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

#define REF_BITS	((uint64_t)1 << 25)

/* The reference model: every number ever received, and the top. */
struct ref {
	uint64_t	 base;
	uint64_t	 top;
	uint8_t		*seen;
};

static int
ref_seen(const struct ref *m, uint64_t s)
{
	uint64_t o = s - m->base;

	return (m->seen[o >> 3] >> (o & 7)) & 1;
}

static int
ref_check(const struct ref *m, uint64_t s)
{
	if (s == 0)
		return -E_RANGE;
	if (s > m->top)
		return 0;
	if (m->top - s >= W)
		return -E_RANGE;
	return ref_seen(m, s) ? -E_DUP : 0;
}

static void
ref_commit(struct ref *m, uint64_t s)
{
	uint64_t o = s - m->base;

	m->seen[o >> 3] |= (uint8_t)(1 << (o & 7));
	if (s > m->top)
		m->top = s;
}

/*
 * Random traffic: in-order packets, reordering inside and past the window
 * edge, duplicates, jumps, and forged packets that are checked but never
 * committed. For ESN the walk starts below 2^32 and crosses it; only the
 * low 32 bits go to replay_check, which must infer the true number
 * whenever it is at or above the bottom of the window.
 */
static void
randomized(int esn, uint64_t start)
{
	struct replay_win w;
	struct ref m;
	uint64_t s, got = 0, d;
	unsigned i, bad = 0, accepted = 0, forged_n = 0;
	int want, r, forge;

	m.base = start - 2 * (uint64_t)W;
	m.top = start;
	if ((m.seen = calloc(REF_BITS / 8, 1)) == NULL)
		abort();
	replay_init_at(&w, esn, start);
	ref_commit(&m, start);
	for (i = 0; i < 200000; i++) {
		d = rnd();
		forge = 0;
		switch (d % 10) {
		case 0: case 1: case 2: case 3:
			s = m.top + 1 + (d >> 8) % 3;
			break;
		case 4: case 5:
			/* Old: up to a bit beyond the window's bottom. */
			s = m.top - (d >> 8) % (W + 64);
			break;
		case 6:
			s = m.top - (d >> 8) % 8;	/* near duplicates */
			break;
		case 7:
			/* A jump, one time in four. */
			s = m.top + 1 + ((d >> 40) % 4 == 0 ?
			    63 + (d >> 8) % (2 * W) : 0);
			break;
		default:
			/* Forged: any number near or far, never committed. */
			forge = 1;
			s = m.top - W + (d >> 8) % (esn ? 0x7fffffffu :
			    2 * W);
			if (!esn && s > UINT32_MAX)
				s = m.top + 1;
			break;
		}
		if (!forge && s - m.base >= REF_BITS)
			abort();	/* the walk outgrew the model */
		want = ref_check(&m, s);
		r = replay_check(&w, (uint32_t)s, &got);
		if (s + W <= m.top) {
			/* Below the window: it may be read as a far-future
			 * number of the next epoch (its ICV would then
			 * fail), but never as itself. */
			if (r == 0 && got == s)
				bad++;
			continue;
		}
		if (r != want || (r == 0 && got != s)) {
			if (bad++ == 0)
				diag("op %u: seq %llu top %llu: check %d "
				    "(got %llu), want %d", i,
				    (unsigned long long)s,
				    (unsigned long long)m.top, r,
				    (unsigned long long)got, want);
			continue;
		}
		if (r != 0)
			continue;
		if (forge) {
			forged_n++;
			continue;
		}
		if (replay_commit(&w, got) != 0) {
			bad++;
			continue;
		}
		ref_commit(&m, s);
		accepted++;
		if (w.top != m.top && bad++ == 0)
			diag("op %u: top %llu, reference %llu", i,
			    (unsigned long long)w.top,
			    (unsigned long long)m.top);
	}
	is_int(bad, 0, "%s: 200000 random operations agree with the "
	    "reference model", esn ? "ESN across 2^32" : "32-bit");
	ok(accepted > 50000 && forged_n > 5000,
	    "%s: the run exercised accepts (%u) and forgeries (%u)",
	    esn ? "ESN" : "32-bit", accepted, forged_n);
	free(m.seen);
}

int
main(void)
{
	basics();
	edges();
	aliasing();
	forged();
	esn();
	randomized(0, 10 * (uint64_t)W);
	randomized(1, 0xffffffffULL - 3000000);
	return done_testing();
}
