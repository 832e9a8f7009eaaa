/*
 * ev.h: the daemon's event loop glue (libuv).
 *
 * struct ev embeds the one uv_loop_t of the process (never the default
 * loop, so tests can make their own) and the timer heap that protocol code
 * arms without seeing libuv. A uv_prepare handle re-arms a single uv_timer
 * for the heap's earliest deadline before every poll, so callers never
 * have to remember to. Signals: SIGHUP asks for a reload, SIGTERM and
 * SIGINT for a shutdown.
 *
 * Only main.c, ev.c, net.c and ctl.c include <uv.h>.
 */
#ifndef CORE_EV_H
#define CORE_EV_H

#include <stdint.h>
#include <uv.h>

#include "core/timer.h"

struct ev_ops {
	void	(*reload)(void *arg);	/* SIGHUP; optional */
	void	(*shutdown)(void *arg);	/* SIGTERM, SIGINT; optional */
	void	*arg;
};

/* Caller-provided storage; members are private to ev.c. */
struct ev {
	uv_loop_t		 loop;
	struct timer_heap	 timers;
	uv_timer_t		 tick;
	uv_prepare_t		 prepare;
	uv_signal_t		 sig[3];
	struct ev_ops		 ops;
	int			 nhandles;
};

/* Initializes the loop, the timer heap and the signal watchers in ev.
 * Returns 0 or -E_SYS. */
int		 ev_init(struct ev *ev, const struct ev_ops *ops)
		    __attribute__((warn_unused_result));

/* Returns the loop's idea of now in monotonic milliseconds. */
uint64_t	 ev_now(struct ev *ev);

/* Runs the loop until ev_stop() or until no handle is active. */
void		 ev_run(struct ev *ev);

/* Closes ev's own handles; the loop then ends once the other modules have
 * closed theirs. */
void		 ev_stop(struct ev *ev);

/* Runs the loop until every handle is closed and closes it. Returns 0, or
 * -E_STATE when a handle leaked (a bug: tests assert 0). */
int		 ev_cleanup(struct ev *ev) __attribute__((warn_unused_result));

#endif /* CORE_EV_H */
