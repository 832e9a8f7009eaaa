/*
 * 0007-qsbr.c: grace periods (core/qsbr.h). First the rules, driven step
 * by step from one thread (the reader calls are plain stores, so any
 * thread may make them for a test): offline readers never hold anything
 * up, an online one does until its next quiescent state, callbacks run in
 * order, and qsbr_free runs what is left. Then with real threads: a
 * reader parked online while the writer retires the object it holds (the
 * callback must wait), and a stress run where reader threads chase a
 * pointer the writer keeps replacing and retiring. A freed object is
 * poisoned before free(), so a reader that saw one, or (under ASan) any
 * use after free, fails the test; under -fsanitize=thread the same run
 * checks the memory orders.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/qsbr.h"
#include "t/tap.h"

#define LIVE		0x11ce11ce11ce11ceULL
#define DEAD		0xdeaddeaddeaddeadULL
#define NREADERS	3
#define NSWAPS		20000

struct obj {
	uint64_t	 magic;
	uint64_t	 val;
	uint64_t	 check;		/* val * 3 + 1 */
	int		 id;
	struct qsbr_head h;
};

/* The order callbacks ran in (single-thread part). */
static int	ran[16];
static size_t	nran;
static uint64_t	nfreed;

static void
note_cb(struct qsbr_head *h)
{
	struct obj *o = (struct obj *)((char *)h - offsetof(struct obj, h));

	if (nran < sizeof(ran) / sizeof(ran[0]))
		ran[nran++] = o->id;
}

static void
free_cb(struct qsbr_head *h)
{
	struct obj *o = (struct obj *)((char *)h - offsetof(struct obj, h));

	/* Poison first: a reader that still held o would see DEAD (when
	 * the allocator reuses nothing) or trip ASan. */
	__atomic_store_n(&o->magic, DEAD, __ATOMIC_RELAXED);
	o->val = ~0ULL;
	nfreed++;
	free(o);
}

static struct obj *
obj_new(uint64_t val)
{
	struct obj *o = calloc(1, sizeof(*o));

	if (o == NULL)
		abort();
	o->magic = LIVE;
	o->val = val;
	o->check = val * 3 + 1;
	return o;
}

static void
test_rules(void)
{
	struct qsbr *q = qsbr_new();
	struct qsbr_reader r1, r2;
	struct obj o[8];
	int i;

	if (q == NULL) {
		ok(0, "qsbr_new");
		return;
	}
	memset(o, 0, sizeof(o));
	for (i = 0; i < 8; i++)
		o[i].id = i;
	is_int((int)qsbr_poll(q), 0, "nothing pending at first");

	qsbr_call(q, &o[0].h, note_cb);
	is_int((int)qsbr_pending(q), 1, "one pending");
	is_int((int)qsbr_poll(q), 0, "no readers: it runs at the next poll");
	ok(nran == 1 && ran[0] == 0, "the callback ran");

	qsbr_reader_add(q, &r1);
	qsbr_reader_add(q, &r2);
	qsbr_call(q, &o[1].h, note_cb);
	is_int((int)qsbr_poll(q), 0, "offline readers hold nothing up");
	is_int((int)nran, 2, "ran");

	qsbr_online(&r1);
	qsbr_call(q, &o[2].h, note_cb);
	is_int((int)qsbr_poll(q), 1, "an online reader holds it");
	is_int((int)qsbr_poll(q), 1, "still, however often we poll");
	is_int((int)nran, 2, "not run");
	qsbr_quiescent(&r1);
	is_int((int)qsbr_poll(q), 0, "its quiescent state releases it");
	ok(nran == 3 && ran[2] == 2, "ran");

	/* A quiescent state counts only for what was queued before it. */
	qsbr_call(q, &o[3].h, note_cb);
	qsbr_quiescent(&r1);
	qsbr_call(q, &o[4].h, note_cb);
	is_int((int)qsbr_poll(q), 1, "the earlier one runs, the later waits");
	ok(nran == 4 && ran[3] == 3, "in order");
	qsbr_quiescent(&r1);
	is_int((int)qsbr_poll(q), 0, "the next quiescent state runs it");

	/* Two online readers: both must pass. */
	qsbr_online(&r2);
	qsbr_call(q, &o[5].h, note_cb);
	qsbr_quiescent(&r1);
	is_int((int)qsbr_poll(q), 1, "one of two readers passed: waits");
	qsbr_offline(&r2);
	is_int((int)qsbr_poll(q), 0, "the other went offline: runs");

	/* Order, and removal of a reader. */
	qsbr_online(&r2);
	qsbr_call(q, &o[6].h, note_cb);
	qsbr_call(q, &o[7].h, note_cb);
	is_int((int)qsbr_poll(q), 2, "r2 online: both wait");
	qsbr_offline(&r2);
	qsbr_reader_remove(q, &r2);
	qsbr_reader_remove(q, &r2);
	qsbr_quiescent(&r1);
	is_int((int)qsbr_poll(q), 0, "removed and quiescent: both run");
	ok(nran == 8 && ran[6] == 6 && ran[7] == 7, "in the order queued");

	/* qsbr_free runs what is left, even with r1 still online. */
	nran = 0;
	qsbr_call(q, &o[0].h, note_cb);
	is_int((int)qsbr_poll(q), 1, "pending at free");
	qsbr_free(q);
	ok(nran == 1 && ran[0] == 0, "qsbr_free ran it");
	qsbr_free(NULL);
}

/* --- a reader parked online --------------------------------------- */

struct park {
	struct qsbr_reader r;
	struct obj	*shared;	/* the published pointer */
	int		 up[2], down[2];
	uint64_t	 seen_magic;
};

static void
sig(int fd)
{
	char c = 'x';

	while (write(fd, &c, 1) == -1 && errno == EINTR)
		;
}

static void
await(int fd)
{
	char c;

	while (read(fd, &c, 1) == -1 && errno == EINTR)
		;
}

static void *
park_reader(void *arg)
{
	struct park *p = arg;
	struct obj *o;

	qsbr_online(&p->r);
	o = __atomic_load_n(&p->shared, __ATOMIC_ACQUIRE);
	sig(p->up[1]);			/* holding o */
	await(p->down[0]);		/* the writer retired it meanwhile */
	p->seen_magic = __atomic_load_n(&o->magic, __ATOMIC_RELAXED);
	qsbr_quiescent(&p->r);
	qsbr_offline(&p->r);
	sig(p->up[1]);
	return NULL;
}

static void
test_park(void)
{
	struct qsbr *q = qsbr_new();
	struct park p;
	struct obj *o;
	pthread_t th;
	uint64_t before;

	memset(&p, 0, sizeof(p));
	if (q == NULL || pipe(p.up) != 0 || pipe(p.down) != 0)
		abort();
	p.shared = obj_new(7);
	qsbr_reader_add(q, &p.r);
	if (pthread_create(&th, NULL, park_reader, &p) != 0)
		abort();
	await(p.up[0]);
	o = p.shared;
	__atomic_store_n(&p.shared, NULL, __ATOMIC_RELEASE);
	before = nfreed;
	qsbr_call(q, &o->h, free_cb);
	is_int((int)qsbr_poll(q), 1, "the reader holds the object: pending");
	ok(nfreed == before, "not freed while it may be in use");
	sig(p.down[1]);
	await(p.up[0]);
	ok(p.seen_magic == LIVE, "the reader found it intact");
	is_int((int)qsbr_poll(q), 0, "after its quiescent state: freed");
	ok(nfreed == before + 1, "exactly once");
	pthread_join(th, NULL);
	qsbr_reader_remove(q, &p.r);
	qsbr_free(q);
	close(p.up[0]);
	close(p.up[1]);
	close(p.down[0]);
	close(p.down[1]);
}

/* --- stress ----------------------------------------------------------- */

struct stress {
	struct qsbr	*q;
	struct obj	*cur;
	int		 stop;
};

struct rd {
	struct qsbr_reader r;
	struct stress	*s;
	pthread_t	 th;
	uint64_t	 loads, bad, rounds;
};

static void *
stress_reader(void *arg)
{
	struct rd *d = arg;
	struct obj *o;
	int k;

	while (!__atomic_load_n(&d->s->stop, __ATOMIC_RELAXED)) {
		qsbr_online(&d->r);
		for (k = 0; k < 64; k++) {
			o = __atomic_load_n(&d->s->cur, __ATOMIC_ACQUIRE);
			if (__atomic_load_n(&o->magic, __ATOMIC_RELAXED) !=
			    LIVE || o->check != o->val * 3 + 1)
				d->bad++;
			d->loads++;
			if (k % 16 == 15)
				qsbr_quiescent(&d->r);
		}
		/* Like a worker about to sleep in poll, now and then. */
		if (++d->rounds % 8 == 0) {
			qsbr_offline(&d->r);
			sched_yield();
		} else
			qsbr_quiescent(&d->r);
	}
	qsbr_offline(&d->r);
	return NULL;
}

static void
test_stress(void)
{
	struct stress s;
	struct rd d[NREADERS];
	struct obj *o, *old;
	uint64_t loads = 0, bad = 0, before = nfreed;
	size_t maxpend = 0, pend;
	int i;

	memset(&s, 0, sizeof(s));
	memset(d, 0, sizeof(d));
	if ((s.q = qsbr_new()) == NULL)
		abort();
	s.cur = obj_new(0);
	for (i = 0; i < NREADERS; i++) {
		d[i].s = &s;
		qsbr_reader_add(s.q, &d[i].r);
		if (pthread_create(&d[i].th, NULL, stress_reader, &d[i]) != 0)
			abort();
	}
	for (i = 1; i <= NSWAPS; i++) {
		o = obj_new((uint64_t)i);
		old = s.cur;
		__atomic_store_n(&s.cur, o, __ATOMIC_RELEASE);
		qsbr_call(s.q, &old->h, free_cb);
		if ((pend = qsbr_poll(s.q)) > maxpend)
			maxpend = pend;
		if (i % 64 == 0)
			sched_yield();
	}
	__atomic_store_n(&s.stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < NREADERS; i++) {
		pthread_join(d[i].th, NULL);
		loads += d[i].loads;
		bad += d[i].bad;
	}
	qsbr_synchronize(s.q);
	is_int((int)qsbr_pending(s.q), 0, "synchronize ran everything");
	ok(nfreed - before == NSWAPS, "every retired object freed once "
	    "(%llu)", (unsigned long long)(nfreed - before));
	ok(bad == 0, "%d readers, %llu loads: none saw a freed object",
	    NREADERS, (unsigned long long)loads);
	diag("at most %zu callbacks were pending at once", maxpend);
	for (i = 0; i < NREADERS; i++)
		qsbr_reader_remove(s.q, &d[i].r);
	qsbr_free(s.q);
	free(s.cur);
}

int
main(void)
{
	test_rules();
	test_park();
	test_stress();
	return done_testing();
}
