/* timer.c: binary min-heap of embedded timers, ordered by (deadline, seq). */
#include "config.h"

#include <assert.h>
#include <stdlib.h>

#include "core/err.h"
#include "core/timer.h"

/* Values of struct timer.idx that are not heap slots. */
#define TIMER_IDLE	SIZE_MAX
#define TIMER_DUE	(SIZE_MAX - 1)

#define HEAP_MIN_CAP	16

/* Strict order: earlier deadline first, then earlier timer_add. Sequence
 * numbers are unique, so no two armed timers compare equal. */
static int
before(const struct timer *a, const struct timer *b)
{
	if (a->deadline != b->deadline)
		return a->deadline < b->deadline;
	return a->seq < b->seq;
}

static void
place(struct timer_heap *h, size_t i, struct timer *t)
{
	h->v[i] = t;
	t->idx = i;
}

static void
sift_up(struct timer_heap *h, size_t i)
{
	struct timer *t = h->v[i];
	size_t parent;

	while (i > 0) {
		parent = (i - 1) / 2;
		if (!before(t, h->v[parent]))
			break;
		place(h, i, h->v[parent]);
		i = parent;
	}
	place(h, i, t);
}

static void
sift_down(struct timer_heap *h, size_t i)
{
	struct timer *t = h->v[i];
	size_t c;

	/* i < len, so 2 * i + 1 cannot wrap: len fits an allocation. */
	while ((c = 2 * i + 1) < h->len) {
		if (c + 1 < h->len && before(h->v[c + 1], h->v[c]))
			c++;
		if (!before(h->v[c], t))
			break;
		place(h, i, h->v[c]);
		i = c;
	}
	place(h, i, t);
}

/* Restores the heap order around slot i after its key changed. */
static void
fix(struct timer_heap *h, size_t i)
{
	if (i > 0 && before(h->v[i], h->v[(i - 1) / 2]))
		sift_up(h, i);
	else
		sift_down(h, i);
}

/* Removes the timer in slot i from the array; the caller marks it. */
static void
heap_remove(struct timer_heap *h, size_t i)
{
	struct timer *last;

	last = h->v[--h->len];
	h->v[h->len] = NULL;
	if (i == h->len)
		return;
	place(h, i, last);
	fix(h, i);
}

static void
due_unlink(struct timer_heap *h, struct timer *t)
{
	if (t->due_prev != NULL)
		t->due_prev->due_next = t->due_next;
	else
		h->due = t->due_next;
	if (t->due_next != NULL)
		t->due_next->due_prev = t->due_prev;
	t->due_prev = t->due_next = NULL;
	h->ndue--;
}

static int
grow(struct timer_heap *h)
{
	struct timer **v;
	size_t cap;

	if (h->cap > SIZE_MAX / 2 / sizeof(*v))
		return -E_NOMEM;
	cap = h->cap == 0 ? HEAP_MIN_CAP : h->cap * 2;
	if ((v = realloc(h->v, cap * sizeof(*v))) == NULL)
		return -E_NOMEM;
	h->v = v;
	h->cap = cap;
	return 0;
}

void
timer_heap_init(struct timer_heap *h)
{
	h->v = NULL;
	h->len = h->cap = 0;
	h->seq = 0;
	h->due = NULL;
	h->ndue = 0;
	h->running = 0;
}

void
timer_heap_cleanup(struct timer_heap *h)
{
	struct timer *t;
	size_t i;

	assert(!h->running);
	for (i = 0; i < h->len; i++)
		h->v[i]->idx = TIMER_IDLE;
	while ((t = h->due) != NULL) {
		due_unlink(h, t);
		t->idx = TIMER_IDLE;
	}
	free(h->v);
	timer_heap_init(h);
}

void
timer_init(struct timer *t, timer_fn *fn, void *arg)
{
	t->fn = fn;
	t->arg = arg;
	t->deadline = 0;
	t->seq = 0;
	t->idx = TIMER_IDLE;
	t->due_prev = t->due_next = NULL;
}

int
timer_add(struct timer_heap *h, struct timer *t, uint64_t deadline_ms)
{
	int r = -E_INTERNAL;

	t->deadline = deadline_ms;
	/* A fresh sequence number puts t behind every equal deadline. */
	t->seq = h->seq++;
	if (t->idx != TIMER_IDLE && t->idx != TIMER_DUE) {
		assert(t->idx < h->len && h->v[t->idx] == t);
		fix(h, t->idx);
		return 0;
	}
	if (t->idx == TIMER_DUE) {
		/*
		 * Moving a collected timer back onto the heap cannot need
		 * memory: idle timers grow the array so that cap >= len +
		 * ndue always holds, which keeps a slot for each collected
		 * timer.
		 */
		due_unlink(h, t);
		assert(h->len < h->cap);
	} else if (h->len + h->ndue == h->cap && (r = grow(h)) != 0)
		return r;
	h->len++;
	place(h, h->len - 1, t);
	sift_up(h, h->len - 1);
	return 0;
}

void
timer_del(struct timer_heap *h, struct timer *t)
{
	if (t->idx == TIMER_IDLE)
		return;
	if (t->idx == TIMER_DUE)
		due_unlink(h, t);
	else {
		assert(t->idx < h->len && h->v[t->idx] == t);
		heap_remove(h, t->idx);
	}
	t->idx = TIMER_IDLE;
}

int
timer_armed(const struct timer *t)
{
	return t->idx != TIMER_IDLE;
}

int
timer_next(const struct timer_heap *h, uint64_t *deadline_ms)
{
	const struct timer *t = NULL;

	/* During a run both the due list head and the heap top may hold the
	 * earliest timer (a callback may add one with an older deadline). */
	if (h->len > 0)
		t = h->v[0];
	if (h->due != NULL && (t == NULL || before(h->due, t)))
		t = h->due;
	if (t == NULL)
		return -E_NOENT;
	*deadline_ms = t->deadline;
	return 0;
}

size_t
timer_run(struct timer_heap *h, uint64_t now_ms)
{
	struct timer *t, *tail = NULL;
	size_t n = 0;

	assert(!h->running);
	h->running = 1;
	/*
	 * Collect every expired timer first, in firing order. Only this
	 * list fires in this run; whatever the callbacks arm goes on the
	 * heap and waits for the next run, so a run always ends.
	 */
	while (h->len > 0 && h->v[0]->deadline <= now_ms) {
		t = h->v[0];
		heap_remove(h, 0);
		t->idx = TIMER_DUE;
		t->due_prev = tail;
		t->due_next = NULL;
		if (tail != NULL)
			tail->due_next = t;
		else
			h->due = t;
		tail = t;
		h->ndue++;
	}
	while ((t = h->due) != NULL) {
		due_unlink(h, t);
		t->idx = TIMER_IDLE;
		/* t may be freed by its callback: not touched afterwards. */
		t->fn(t, t->arg);
		n++;
	}
	h->running = 0;
	return n;
}

uint64_t
timer_deadline(const struct timer *t)
{
	return t->deadline;
}
