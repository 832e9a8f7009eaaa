/*
 * timer.h: a min-heap of deadlines in monotonic milliseconds.
 *
 * Protocol code never sees libuv or a wall clock: every deadline and every
 * "now" is a caller-supplied count of monotonic milliseconds, so tests
 * drive the heap with a fake clock. In the daemon, ev.c keeps one
 * uv_timer_t armed for timer_next() and calls timer_run() when it fires.
 *
 * A struct timer is embedded in its owner (an SA, a session), iked style:
 * arming one never allocates. The heap owns only a growable array of
 * pointers, and each armed timer records its slot so timer_del is
 * O(log n). Timers with equal deadlines fire in the order of their last
 * timer_add (a sequence number breaks ties), so runs are deterministic.
 *
 * An owner must timer_del its timers before freeing them; the heap never
 * frees a timer. The heap is not thread-safe (it belongs to the loop
 * thread). Nothing here logs.
 */
#ifndef CORE_TIMER_H
#define CORE_TIMER_H

#include <stddef.h>
#include <stdint.h>

struct timer;

/* Called when t expires; t is disarmed before the call, so the callback
 * may re-arm it, delete any timer, or free t's owner. */
typedef void timer_fn(struct timer *t, void *arg);

/* Embedded in its owner. Members are private to timer.c; read them only
 * through the functions below. */
struct timer {
	timer_fn	*fn;
	void		*arg;
	uint64_t	 deadline;	/* monotonic ms */
	uint64_t	 seq;		/* order of the last timer_add */
	size_t		 idx;		/* heap slot, or an idle/due marker */
	struct timer	*due_prev;	/* links while queued in timer_run */
	struct timer	*due_next;
};

/* Caller-provided storage (timer_heap_init/cleanup). */
struct timer_heap {
	struct timer	**v;		/* min-heap by (deadline, seq) */
	size_t		  len;
	size_t		  cap;
	uint64_t	  seq;		/* next sequence number */
	struct timer	 *due;		/* timers collected by timer_run */
	size_t		  ndue;
	int		  running;
};

#define TIMER_WUR	__attribute__((warn_unused_result))

/* Initialises an empty heap in caller storage h. Never fails: the array
 * is allocated on the first timer_add. */
void	timer_heap_init(struct timer_heap *h);

/* Disarms every timer still on h (they become idle, not freed) and frees
 * the array. Must not be called from a timer callback. */
void	timer_heap_cleanup(struct timer_heap *h);

/* Initialises t (borrowed; embedded in its owner) as idle, with callback
 * fn and its argument arg (borrowed). Call once before any other use. */
void	timer_init(struct timer *t, timer_fn *fn, void *arg);

/*
 * Arms t (borrowed) on h to fire at deadline_ms. Re-adding an armed timer
 * moves it: it keeps one slot, takes the new deadline and goes behind
 * every timer already armed with that deadline. Returns 0, or -E_NOMEM
 * (only when t was idle and the array could not grow; t stays idle).
 * Moving an armed timer never fails. A timer added or moved while
 * timer_run is in progress never fires in that run, even when its
 * deadline has passed: it fires in the next run (see timer_run).
 */
int	timer_add(struct timer_heap *h, struct timer *t, uint64_t deadline_ms)
	    TIMER_WUR;

/* Disarms t (borrowed), armed on h; a no-op when t is idle. */
void	timer_del(struct timer_heap *h, struct timer *t);

/* Returns the deadline t was last armed with (monotonic ms). */
uint64_t timer_deadline(const struct timer *t);

/* Returns 1 when t is armed (including collected by a run in progress but
 * not fired yet), else 0. */
int	timer_armed(const struct timer *t);

/* Stores in *deadline_ms the earliest deadline armed on h and returns 0,
 * or returns -E_NOENT (and leaves *deadline_ms alone) when none is. The
 * result may be in the past; the caller must then run h without delay. */
int	timer_next(const struct timer_heap *h, uint64_t *deadline_ms);

/*
 * Fires every timer on h whose deadline is <= now_ms, in (deadline,
 * sequence) order, and returns how many fired. The set to fire is fixed
 * when the run starts: timers added or moved by a callback, whatever
 * their deadline, wait for the next run. That bounds every run (a
 * callback that re-arms itself for "now" cannot loop forever) at the cost
 * of one extra run, which ev.c schedules at once because timer_next then
 * returns a deadline <= now. A collected timer that a callback deletes or
 * moves before its turn does not fire. Must not be called re-entrantly
 * from a callback.
 */
size_t	timer_run(struct timer_heap *h, uint64_t now_ms);

#endif /* CORE_TIMER_H */
