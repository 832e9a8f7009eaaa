/* log.c: stderr/syslog sink, per-subsystem levels, rate limiting. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>

#include "core/err.h"
#include "core/log.h"

static int		 log_foreground = 1;
static enum log_level	 levels[SUB__MAX] = {
#define LOG_SUB_LVL(n, s) [SUB_##n] = LOGL_INFO,
	LOG_SUB_MAP(LOG_SUB_LVL)
#undef LOG_SUB_LVL
};
static const char *const sub_names[SUB__MAX] = {
#define LOG_SUB_NAME(n, s) [SUB_##n] = s,
	LOG_SUB_MAP(LOG_SUB_NAME)
#undef LOG_SUB_NAME
};
static const char *const level_names[] = {
	"fatal", "err", "warn", "info", "debug", "debug2"
};

void
log_init(int foreground, enum log_level level, const char *ident)
{
	int i;

	log_foreground = foreground;
	for (i = 0; i < SUB__MAX; i++)
		levels[i] = level;
	if (!foreground)
		openlog(ident ? ident : "ikegated", LOG_PID | LOG_NDELAY,
		    LOG_DAEMON);
}

enum log_level
log_set_level(enum log_sub sub, enum log_level level)
{
	enum log_level old = levels[sub];

	levels[sub] = level;
	return old;
}

int
log_sub_lookup(const char *s)
{
	int i;

	for (i = 0; i < SUB__MAX; i++)
		if (strcasecmp(s, sub_names[i]) == 0)
			return i;
	return -1;
}

int
log_level_lookup(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (strcasecmp(s, level_names[i]) == 0)
			return (int)i;
	if (strcasecmp(s, "error") == 0)
		return LOGL_ERR;
	if (strcasecmp(s, "warning") == 0)
		return LOGL_WARN;
	return -1;
}

int
log_enabled(enum log_sub sub, enum log_level level)
{
	return (unsigned)sub < SUB__MAX && level <= levels[sub];
}

static void
vlog(enum log_sub sub, enum log_level level, int with_errno, int r,
    const char *fmt, va_list ap)
{
	static const int prio[] = { LOG_CRIT, LOG_ERR, LOG_WARNING, LOG_INFO,
	    LOG_DEBUG, LOG_DEBUG };
	char msg[1024];
	int saved = errno;
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	if (with_errno && n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - n, ": %s", strerror(saved));
	else if (r < 0 && n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - n, ": %s", err_str(r));
	if (log_foreground)
		fprintf(stderr, "%s[%s] %s\n", level <= LOGL_WARN ?
		    (level == LOGL_WARN ? "warning: " : "error: ") : "",
		    sub_names[sub], msg);
	else
		syslog(prio[level], "[%s] %s", sub_names[sub], msg);
	errno = saved;
}

void
log_msg(enum log_sub sub, enum log_level level, int with_errno, int r,
    const char *fmt, ...)
{
	va_list ap;

	if (!log_enabled(sub, level))
		return;
	va_start(ap, fmt);
	vlog(sub, level, with_errno, r, fmt, ap);
	va_end(ap);
}

void
log_fatalx(enum log_sub sub, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(sub, LOGL_FATAL, 0, 0, fmt, ap);
	va_end(ap);
	exit(1);
}

int
log_ratelimit_ok(struct log_ratelimit *rl, unsigned burst)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (ts.tv_sec != rl->window) {
		if (rl->suppressed > 0 && log_enabled(SUB_MAIN, LOGL_INFO))
			log_msg(SUB_MAIN, LOGL_INFO, 0, 0,
			    "%u messages suppressed by rate limit",
			    rl->suppressed);
		rl->window = ts.tv_sec;
		rl->count = 0;
		rl->suppressed = 0;
	}
	if (rl->count < burst) {
		rl->count++;
		return 1;
	}
	rl->suppressed++;
	return 0;
}
