/* 0004-timer.c: the deadline heap, driven by a fake clock. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/timer.h"
#include "t/tap.h"

#define NT		8
#define NRAND		100000

/* Every callback appends its timer's id to this log. */
static int	fired[NRAND + 64];
static size_t	nfired;

struct tt {
	struct timer	 t;
	int		 id;
	/* What the callback does to another timer (or itself). */
	struct timer_heap *h;
	struct tt	*other;
	uint64_t	 other_at;
	enum { ACT_NONE, ACT_ADD, ACT_DEL } act;
	int		 times;		/* how often it adds */
	int		 bulk;		/* ACT_ADD: add other[0..bulk) */
};

static void
cb(struct timer *t, void *arg)
{
	struct tt *x = arg;
	int i;

	if (t != &x->t || nfired >= sizeof(fired) / sizeof(fired[0]))
		abort();
	fired[nfired++] = x->id;
	if (x->act == ACT_ADD && x->times != 0) {
		x->times--;
		i = 0;
		do {
			if (timer_add(x->h, &x->other[i].t, x->other_at) != 0)
				abort();
		} while (++i < x->bulk);
	} else if (x->act == ACT_DEL)
		timer_del(x->h, &x->other->t);
}

static void
tt_init(struct tt *x, int id, struct timer_heap *h)
{
	memset(x, 0, sizeof(*x));
	x->id = id;
	x->h = h;
	timer_init(&x->t, cb, x);
}

/* Returns 1 when the log holds exactly the n ids in want. */
static int
log_is(const int *want, size_t n)
{
	size_t i;

	if (nfired != n)
		return 0;
	for (i = 0; i < n; i++)
		if (fired[i] != want[i])
			return 0;
	return 1;
}

static void
dump_log(void)
{
	size_t i;

	for (i = 0; i < nfired && i < 32; i++)
		diag("fired[%zu] = %d", i, fired[i]);
}

#define CHECK_LOG(name, ...) do {					\
	static const int w_[] = { __VA_ARGS__ };			\
	if (!ok(log_is(w_, sizeof(w_) / sizeof(w_[0])), "%s", name))	\
		dump_log();						\
	nfired = 0;							\
} while (0)

static void
test_order(void)
{
	struct timer_heap h;
	struct tt x[NT];
	uint64_t d = 0;
	int i, r = 0;
	static const uint64_t at[NT] = { 50, 10, 40, 20, 70, 30, 60, 0 };

	timer_heap_init(&h);
	is_int(timer_next(&h, &d), -E_NOENT, "empty heap: no next deadline");
	is_int(timer_run(&h, 1000), 0, "empty heap: nothing fires");
	for (i = 0; i < NT; i++) {
		tt_init(&x[i], i, &h);
		r |= timer_add(&h, &x[i].t, at[i]);
	}
	is_int(r, 0, "8 timers added");
	ok(timer_armed(&x[0].t) && timer_armed(&x[7].t), "added timers armed");
	is_int(timer_next(&h, &d), 0, "next deadline exists");
	is_int(d, 0, "next deadline is the earliest (0)");
	is_int(timer_run(&h, 35), 4, "run(35) fires 4");
	CHECK_LOG("fired in deadline order 0,10,20,30", 7, 1, 3, 5);
	ok(!timer_armed(&x[7].t) && !timer_armed(&x[5].t),
	    "fired timers are idle");
	is_int(timer_next(&h, &d), 0, "next after run");
	is_int(d, 40, "next deadline is 40");
	is_int(timer_run(&h, 1000), 4, "run(1000) fires the rest");
	CHECK_LOG("rest in order 40,50,60,70", 2, 0, 6, 4);
	is_int(timer_next(&h, &d), -E_NOENT, "heap empty again");
	timer_heap_cleanup(&h);
}

static void
test_ties(void)
{
	struct timer_heap h;
	struct tt x[NT];
	static const int order[] = { 3, 1, 4, 0, 6, 2, 5, 7 };
	int i, r = 0;

	timer_heap_init(&h);
	for (i = 0; i < NT; i++)
		tt_init(&x[i], i, &h);
	for (i = 0; i < NT; i++)
		r |= timer_add(&h, &x[order[i]].t, 100);
	/* Re-adding 4 with the same deadline puts it behind the others. */
	r |= timer_add(&h, &x[4].t, 100);
	is_int(r, 0, "ties added");
	is_int(timer_run(&h, 100), NT, "all ties fire at their deadline");
	CHECK_LOG("ties fire in order of (last) timer_add",
	    3, 1, 0, 6, 2, 5, 7, 4);
	timer_heap_cleanup(&h);
}

static void
test_boundaries(void)
{
	struct timer_heap h;
	struct tt a, b;

	timer_heap_init(&h);
	tt_init(&a, 1, &h);
	tt_init(&b, 2, &h);
	ok(timer_add(&h, &a.t, 1000) == 0 && timer_add(&h, &b.t, 0) == 0,
	    "add at 1000 and at 0");
	is_int(timer_run(&h, 0), 1, "deadline 0 fires at now 0");
	CHECK_LOG("only b fired", 2);
	is_int(timer_run(&h, 999), 0, "deadline 1000 does not fire at 999");
	ok(timer_armed(&a.t), "still armed at 999");
	is_int(timer_run(&h, 1000), 1, "deadline 1000 fires at 1000");
	CHECK_LOG("a fired", 1);
	ok(timer_add(&h, &a.t, UINT64_MAX) == 0, "add at UINT64_MAX");
	is_int(timer_run(&h, UINT64_MAX - 1), 0, "not at UINT64_MAX - 1");
	is_int(timer_run(&h, UINT64_MAX), 1, "fires at UINT64_MAX");
	CHECK_LOG("a fired at the end of time", 1);
	timer_heap_cleanup(&h);
}

static void
test_del_readd(void)
{
	struct timer_heap h;
	struct tt x[NT];
	uint64_t d = 0;
	int i, r = 0;

	timer_heap_init(&h);
	for (i = 0; i < NT; i++) {
		tt_init(&x[i], i, &h);
		r |= timer_add(&h, &x[i].t, (uint64_t)(i + 1) * 10);
	}
	is_int(r, 0, "added 10..80");
	timer_del(&h, &x[0].t);		/* the root */
	timer_del(&h, &x[7].t);		/* the last slot */
	timer_del(&h, &x[3].t);		/* the middle */
	ok(!timer_armed(&x[0].t) && !timer_armed(&x[3].t) &&
	    !timer_armed(&x[7].t), "deleted timers idle");
	timer_del(&h, &x[3].t);		/* idle: no-op */
	ok(!timer_armed(&x[3].t), "deleting an idle timer is a no-op");
	is_int(timer_next(&h, &d), 0, "next after deletes");
	is_int(d, 20, "root deletion exposes 20");
	/* Move 6 (70) earlier than everything and 1 (20) to the end. */
	ok(timer_add(&h, &x[6].t, 5) == 0 && timer_add(&h, &x[1].t, 500) == 0,
	    "move earlier and later");
	/* Re-add a deleted one. */
	ok(timer_add(&h, &x[0].t, 45) == 0, "re-add deleted timer");
	is_int(timer_run(&h, 10000), 6, "six armed timers fire");
	CHECK_LOG("order after moves: 6@5,2@30,0@45,4@50,5@60,1@500",
	    6, 2, 0, 4, 5, 1);
	/* A timer deleted and re-added many times fires once. */
	for (i = 0; i < 100; i++) {
		r |= timer_add(&h, &x[2].t, (uint64_t)(100 - i));
		if (i % 3 == 1)		/* not the last one, i = 99 */
			timer_del(&h, &x[2].t);
	}
	is_int(r, 0, "churn");
	ok(timer_armed(&x[2].t), "armed after churn (last op was add)");
	is_int(timer_run(&h, 1), 1, "fires once at its last deadline (1)");
	CHECK_LOG("churned timer", 2);
	/* Cleanup disarms whatever is left. */
	ok(timer_add(&h, &x[5].t, 9) == 0, "arm before cleanup");
	timer_heap_cleanup(&h);
	ok(!timer_armed(&x[5].t), "cleanup disarms");
	timer_del(&h, &x[5].t);
	ok(h.len == 0 && h.v == NULL, "heap empty after cleanup");
}

static void
test_callbacks(void)
{
	struct timer_heap h;
	struct tt x[NT];
	uint64_t d = 0;
	int i;

	timer_heap_init(&h);
	for (i = 0; i < NT; i++)
		tt_init(&x[i], i, &h);

	/* 0 re-arms itself for "now" 3 times: once per run, no loop. */
	x[0].act = ACT_ADD;
	x[0].other = &x[0];
	x[0].other_at = 10;
	x[0].times = 3;
	ok(timer_add(&h, &x[0].t, 10) == 0, "self re-arming timer");
	is_int(timer_run(&h, 10), 1, "self re-arm for now: fires once per run");
	ok(timer_armed(&x[0].t), "re-armed by its callback");
	is_int(timer_next(&h, &d), 0, "next exists");
	is_int(d, 10, "next deadline is already due");
	is_int(timer_run(&h, 10), 1, "second run");
	is_int(timer_run(&h, 10), 1, "third run");
	is_int(timer_run(&h, 10), 1, "fourth run: stops re-arming");
	ok(!timer_armed(&x[0].t), "idle after its last run");
	CHECK_LOG("self re-arm log", 0, 0, 0, 0);

	/* 1 deletes 2, which was due in the same run: 2 does not fire. */
	x[1].act = ACT_DEL;
	x[1].other = &x[2];
	ok(timer_add(&h, &x[1].t, 20) == 0 && timer_add(&h, &x[2].t, 21) == 0 &&
	    timer_add(&h, &x[3].t, 22) == 0, "1 deletes due 2");
	is_int(timer_run(&h, 30), 2, "two fire");
	CHECK_LOG("1 then 3; 2 deleted", 1, 3);
	ok(!timer_armed(&x[2].t), "deleted due timer is idle");

	/* 1 deletes 2, not due yet (still on the heap). */
	ok(timer_add(&h, &x[1].t, 40) == 0 && timer_add(&h, &x[2].t, 90) == 0,
	    "1 deletes pending 2");
	is_int(timer_run(&h, 50), 1, "one fires");
	ok(!timer_armed(&x[2].t), "pending timer deleted by callback");
	is_int(timer_next(&h, &d), -E_NOENT, "nothing left");
	CHECK_LOG("only 1", 1);

	/* 4 moves due 5 later; 5 must not fire in this run. */
	x[4].act = ACT_ADD;
	x[4].other = &x[5];
	x[4].other_at = 200;
	x[4].times = 1;
	ok(timer_add(&h, &x[4].t, 100) == 0 && timer_add(&h, &x[5].t, 101) ==
	    0 && timer_add(&h, &x[6].t, 102) == 0, "4 moves due 5 to 200");
	is_int(timer_run(&h, 150), 2, "4 and 6 fire");
	CHECK_LOG("4, 6", 4, 6);
	ok(timer_armed(&x[5].t), "moved timer still armed");
	is_int(timer_next(&h, &d), 0, "next exists");
	is_int(d, 200, "moved to 200");

	/* 4 moves due 5 earlier but still due: waits for the next run. */
	x[4].times = 1;
	x[4].other_at = 0;
	ok(timer_add(&h, &x[4].t, 300) == 0 && timer_add(&h, &x[5].t, 301) ==
	    0, "4 moves due 5 to 0");
	is_int(timer_run(&h, 400), 1, "only 4 fires in this run");
	ok(timer_armed(&x[5].t), "5 armed for the next run");
	is_int(timer_next(&h, &d), 0, "next exists");
	is_int(d, 0, "next is 0");
	is_int(timer_run(&h, 400), 1, "5 fires in the next run");
	CHECK_LOG("4 then 5", 4, 5);

	/* 7 adds a fresh timer 6 that is due: next run, not this one. */
	x[7].act = ACT_ADD;
	x[7].other = &x[6];
	x[7].other_at = 500;
	x[7].times = 1;
	x[6].act = ACT_NONE;
	ok(timer_add(&h, &x[7].t, 500) == 0, "7 adds 6 at 500");
	is_int(timer_run(&h, 500), 1, "7 fires");
	is_int(timer_run(&h, 500), 1, "6 fires in the next run");
	CHECK_LOG("7 then 6", 7, 6);

	/*
	 * A callback arms many fresh timers and then another one moves a
	 * collected timer back onto the heap: the array must have kept a
	 * slot for it. 32 timers fill the initial array exactly (16 due at
	 * 1, 16 pending at 3); the first callback adds 16 more at 5.
	 */
	timer_heap_cleanup(&h);
	timer_heap_init(&h);
	{
		static struct tt many[48];
		int r = 0;

		for (i = 0; i < 48; i++)
			tt_init(&many[i], 100 + i, &h);
		for (i = 0; i < 32; i++)
			r |= timer_add(&h, &many[i].t, i < 16 ? 1 : 3);
		is_int(r, 0, "32 timers");
		is_int(h.len, h.cap, "array full before the run");
		many[0].act = ACT_ADD;
		many[0].other = &many[32];
		many[0].other_at = 5;
		many[0].times = 1;
		many[0].bulk = 16;
		many[1].act = ACT_ADD;
		many[1].other = &many[15];
		many[1].other_at = 2;
		many[1].times = 1;
		is_int(timer_run(&h, 1), 15, "15 fire (15 was moved to 2)");
		is_int(timer_run(&h, 10), 33, "then 15, 16..31 and 32..47");
		is_int(nfired, 48, "48 callbacks in all");
		ok(fired[15] == 115 && fired[16] == 116 && fired[32] == 132 &&
		    fired[47] == 147,
		    "moved and added timers fire in deadline order");
		nfired = 0;
	}
	timer_heap_cleanup(&h);
}

/* xorshift64*: deterministic pseudo-random numbers for the stress test. */
static uint64_t rng_state = UINT64_C(0x9e3779b97f4a7c15);

static uint64_t
rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * UINT64_C(0x2545f4914f6cdd1d);
}

struct ref {
	uint64_t	deadline;
	uint64_t	seq;
	int		id;
	int		armed;
};

static int
ref_cmp(const void *a, const void *b)
{
	const struct ref *x = a, *y = b;

	if (x->deadline != y->deadline)
		return x->deadline < y->deadline ? -1 : 1;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return 0;
}

static void
test_random(void)
{
	struct timer_heap h;
	struct tt *x;
	struct ref *ref, *sorted;
	uint64_t seq = 0, now, d;
	size_t i, narmed = 0, nsorted, k, bad = 0, nrun = 0;
	int r = 0;

	x = calloc(NRAND, sizeof(*x));
	ref = calloc(NRAND, sizeof(*ref));
	sorted = calloc(NRAND, sizeof(*sorted));
	if (x == NULL || ref == NULL || sorted == NULL)
		abort();
	timer_heap_init(&h);
	for (i = 0; i < NRAND; i++) {
		tt_init(&x[i], (int)i, &h);
		ref[i].id = (int)i;
	}
	/* Add all, with many ties (deadlines in 0..9999). */
	for (i = 0; i < NRAND; i++) {
		d = rnd() % 10000;
		r |= timer_add(&h, &x[i].t, d);
		ref[i].deadline = d;
		ref[i].seq = seq++;
		ref[i].armed = 1;
	}
	/* Then 50 000 random deletes and moves. */
	for (k = 0; k < NRAND / 2; k++) {
		i = rnd() % NRAND;
		if (rnd() % 3 == 0) {
			timer_del(&h, &x[i].t);
			ref[i].armed = 0;
		} else {
			d = rnd() % 10000;
			r |= timer_add(&h, &x[i].t, d);
			ref[i].deadline = d;
			ref[i].seq = seq++;
			ref[i].armed = 1;
		}
	}
	is_int(r, 0, "100000 timers added, 50000 moved or deleted");
	for (i = 0; i < NRAND; i++)
		if (ref[i].armed != timer_armed(&x[i].t))
			bad++;
	is_int(bad, 0, "timer_armed matches the reference");

	for (nsorted = 0, i = 0; i < NRAND; i++)
		if (ref[i].armed)
			sorted[nsorted++] = ref[i];
	narmed = nsorted;
	qsort(sorted, nsorted, sizeof(*sorted), ref_cmp);
	is_int(timer_next(&h, &d), 0, "next exists");
	is_int(d, sorted[0].deadline, "next is the reference minimum");

	/* Run the clock forward in uneven steps; each run must fire exactly
	 * the reference prefix with deadline <= now, in order. */
	nfired = 0;
	k = 0;
	bad = 0;
	for (now = 0; now < 10000 + 500; now += rnd() % 500) {
		size_t want = k, got;

		while (want < nsorted && sorted[want].deadline <= now)
			want++;
		got = timer_run(&h, now);
		nrun++;
		if (got != want - k)
			bad++;
		if (timer_next(&h, &d) == 0 && d <= now)
			bad++;
		k = want;
	}
	is_int(bad, 0, "each run fired exactly the due timers (%zu runs)",
	    nrun);
	is_int(nfired, narmed, "every armed timer fired once");
	for (bad = 0, i = 0; i < nfired && i < nsorted; i++)
		if (fired[i] != sorted[i].id)
			bad++;
	is_int(bad, 0, "firing order matches the sorted reference");
	is_int(timer_next(&h, &d), -E_NOENT, "heap empty at the end");
	timer_heap_cleanup(&h);
	nfired = 0;
	free(x);
	free(ref);
	free(sorted);
}

int
main(void)
{
	test_order();
	test_ties();
	test_boundaries();
	test_del_readd();
	test_callbacks();
	test_random();
	return done_testing();
}
