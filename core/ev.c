/* ev.c: libuv loop, timer heap and signal glue. */
#include "config.h"

#include <signal.h>

#include "core/err.h"
#include "core/ev.h"
#include "core/log.h"

static void
on_tick(uv_timer_t *t)
{
	struct ev *ev = t->data;

	timer_run(&ev->timers, uv_now(&ev->loop));
}

/* Before every poll: arm the one uv_timer for the earliest deadline. */
static void
on_prepare(uv_prepare_t *p)
{
	struct ev *ev = p->data;
	uint64_t next, now = uv_now(&ev->loop);

	if (timer_next(&ev->timers, &next) != 0) {
		uv_timer_stop(&ev->tick);
		return;
	}
	uv_timer_start(&ev->tick, on_tick, next > now ? next - now : 0, 0);
}

static void
on_signal(uv_signal_t *s, int signum)
{
	struct ev *ev = s->data;

	if (signum == SIGHUP) {
		log_info(SUB_MAIN, "SIGHUP received");
		if (ev->ops.reload != NULL)
			ev->ops.reload(ev->ops.arg);
		return;
	}
	log_info(SUB_MAIN, "signal %d received, shutting down", signum);
	if (ev->ops.shutdown != NULL)
		ev->ops.shutdown(ev->ops.arg);
}

int
ev_init(struct ev *ev, const struct ev_ops *ops)
{
	static const int signums[3] = { SIGHUP, SIGTERM, SIGINT };
	int i;

	if (uv_loop_init(&ev->loop) != 0)
		return -E_SYS;
	timer_heap_init(&ev->timers);
	ev->ops = *ops;
	uv_timer_init(&ev->loop, &ev->tick);
	ev->tick.data = ev;
	uv_prepare_init(&ev->loop, &ev->prepare);
	ev->prepare.data = ev;
	uv_prepare_start(&ev->prepare, on_prepare);
	/* The tick timer alone must not keep the loop alive. */
	uv_unref((uv_handle_t *)&ev->tick);
	uv_unref((uv_handle_t *)&ev->prepare);
	for (i = 0; i < 3; i++) {
		uv_signal_init(&ev->loop, &ev->sig[i]);
		ev->sig[i].data = ev;
		uv_signal_start(&ev->sig[i], on_signal, signums[i]);
		uv_unref((uv_handle_t *)&ev->sig[i]);
	}
	/* A peer that resets a socket must not kill the daemon. */
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

uint64_t
ev_now(struct ev *ev)
{
	return uv_now(&ev->loop);
}

void
ev_run(struct ev *ev)
{
	uv_run(&ev->loop, UV_RUN_DEFAULT);
}

void
ev_stop(struct ev *ev)
{
	int i;

	if (!uv_is_closing((uv_handle_t *)&ev->tick))
		uv_close((uv_handle_t *)&ev->tick, NULL);
	if (!uv_is_closing((uv_handle_t *)&ev->prepare))
		uv_close((uv_handle_t *)&ev->prepare, NULL);
	for (i = 0; i < 3; i++)
		if (!uv_is_closing((uv_handle_t *)&ev->sig[i]))
			uv_close((uv_handle_t *)&ev->sig[i], NULL);
	uv_stop(&ev->loop);
}

int
ev_cleanup(struct ev *ev)
{
	ev_stop(ev);
	uv_run(&ev->loop, UV_RUN_DEFAULT);
	timer_heap_cleanup(&ev->timers);
	return uv_loop_close(&ev->loop) == 0 ? 0 : -E_STATE;
}
