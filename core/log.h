/*
 * log.h: leveled, per-subsystem logging to stderr or syslog.
 *
 * log_init() picks the sink: stderr when running in the foreground, syslog
 * otherwise. Verbosity is set per subsystem. errno is preserved across
 * every call. log_warn/log_err append strerror(errno); the *x forms do not;
 * the *_e forms append err_str(r). Debug macros prefix __func__.
 *
 * Secrets (keys, tokens, passwords, session-ids) never go through these
 * functions. log_private() is compiled out unless LOG_ENABLE_PRIVATE is
 * defined at build time, for local debugging only.
 *
 * Leaf modules (span, buf, backends, tun OS layers) never log.
 */
#ifndef CORE_LOG_H
#define CORE_LOG_H

#include <stdarg.h>

enum log_level {
	LOGL_FATAL,
	LOGL_ERR,
	LOGL_WARN,
	LOGL_INFO,
	LOGL_DEBUG,
	LOGL_DEBUG2,
};

#define LOG_SUB_MAP(X)	X(MAIN, "main") X(IKE, "ike") X(ESP, "esp")	\
	X(NET, "net") X(TUN, "tun") X(CFG, "cfg") X(CRYPTO, "crypto")	\
	X(CTL, "ctl") X(PRIV, "priv")

enum log_sub {
#define LOG_SUB_ENUM(n, s) SUB_##n,
	LOG_SUB_MAP(LOG_SUB_ENUM)
#undef LOG_SUB_ENUM
	SUB__MAX
};

#define LOG_FMT(a, b)	__attribute__((format(printf, a, b)))

/* Sets up the sink (stderr when foreground, else syslog as ident) and the
 * level of every subsystem. Safe to call again. */
void	log_init(int foreground, enum log_level level, const char *ident);

/* Sets one subsystem's level; returns the previous one. */
enum log_level log_set_level(enum log_sub sub, enum log_level level);

/* Returns the subsystem named s ("ike"), or -1. */
int	log_sub_lookup(const char *s);

/* Returns the level named s ("debug"), or -1. */
int	log_level_lookup(const char *s);

/* Returns nonzero when a message at level for sub would be emitted. */
int	log_enabled(enum log_sub sub, enum log_level level);

/* Emits a message; with_errno appends ": strerror(errno)", r < 0 appends
 * ": err_str(r)". errno is preserved. */
void	log_msg(enum log_sub sub, enum log_level level, int with_errno, int r,
	    const char *fmt, ...) LOG_FMT(5, 6);

/* Logs at LOGL_FATAL and exits 1: startup failures and broken invariants
 * only, never anything a peer controls. */
void	log_fatalx(enum log_sub sub, const char *fmt, ...) LOG_FMT(2, 3)
	    __attribute__((noreturn));

#define log_err(sub, ...)	log_msg(sub, LOGL_ERR, 1, 0, __VA_ARGS__)
#define log_errx(sub, ...)	log_msg(sub, LOGL_ERR, 0, 0, __VA_ARGS__)
#define log_err_e(sub, r, ...)	log_msg(sub, LOGL_ERR, 0, r, __VA_ARGS__)
#define log_warn(sub, ...)	log_msg(sub, LOGL_WARN, 1, 0, __VA_ARGS__)
#define log_warnx(sub, ...)	log_msg(sub, LOGL_WARN, 0, 0, __VA_ARGS__)
#define log_warn_e(sub, r, ...)	log_msg(sub, LOGL_WARN, 0, r, __VA_ARGS__)
#define log_info(sub, ...)	log_msg(sub, LOGL_INFO, 0, 0, __VA_ARGS__)
#define log_debug(sub, fmt, ...)					\
	log_msg(sub, LOGL_DEBUG, 0, 0, "%s: " fmt, __func__, ##__VA_ARGS__)
#define log_debug2(sub, fmt, ...)					\
	log_msg(sub, LOGL_DEBUG2, 0, 0, "%s: " fmt, __func__, ##__VA_ARGS__)

#ifdef LOG_ENABLE_PRIVATE
#define log_private(sub, ...)	log_msg(sub, LOGL_DEBUG2, 0, 0, __VA_ARGS__)
#else
#define log_private(sub, ...)	do { } while (0)
#endif

/*
 * Rate limiting for packet-path messages: at most `burst` messages per
 * call site per second; the rest are counted and reported once later.
 */
struct log_ratelimit {
	long long	window;		/* second of the current window */
	unsigned	count;
	unsigned	suppressed;
};

/* Returns nonzero when the caller may log now; call with a static
 * struct log_ratelimit per call site. */
int	log_ratelimit_ok(struct log_ratelimit *rl, unsigned burst);

#endif /* CORE_LOG_H */
