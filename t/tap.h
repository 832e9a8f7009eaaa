/*
 * tap.h: a tiny TAP producer for unit tests (run by prove).
 *
 * A failing check prints the expression text, both values and file:line.
 * Every test ends with "return done_testing();", which prints the plan (if
 * none was given up front) and returns the exit status: 0 only when every
 * check passed and the planned count, if any, was met.
 */
#ifndef T_TAP_H
#define T_TAP_H

#include <stddef.h>
#include <stdint.h>

#define TAP_FMT(a, b)	__attribute__((format(printf, a, b)))

/* Declares that n checks will run. */
void	plan(int n);

/* Prints "1..0 # SKIP reason" and exits 0. */
void	skip_all(const char *fmt, ...) TAP_FMT(1, 2) __attribute__((noreturn));

/* Records a skipped check. */
void	skip(const char *fmt, ...) TAP_FMT(1, 2);

/* Prints a "# " diagnostic line. */
void	diag(const char *fmt, ...) TAP_FMT(1, 2);

/* Returns the process exit status for the checks run so far. */
int	done_testing(void);

int	tap_ok(int pass, const char *file, int line, const char *expr,
	    const char *fmt, ...) TAP_FMT(5, 6);
int	tap_is_int(long long got, long long want, const char *file, int line,
	    const char *expr, const char *fmt, ...) TAP_FMT(6, 7);
int	tap_is_mem(const void *got, const void *want, size_t n,
	    const char *file, int line, const char *expr, const char *fmt, ...)
	    TAP_FMT(7, 8);
int	tap_is_str(const char *got, const char *want, const char *file,
	    int line, const char *expr, const char *fmt, ...) TAP_FMT(6, 7);

/* ok(cond, "name %d", ...): passes when cond is nonzero. */
#define ok(cond, ...)							\
	tap_ok(!!(cond), __FILE__, __LINE__, #cond, __VA_ARGS__)
/* is_int(got, want, "name"): integer equality. */
#define is_int(got, want, ...)						\
	tap_is_int((long long)(got), (long long)(want), __FILE__, __LINE__, \
	    #got " == " #want, __VA_ARGS__)
/* is_mem(got, want, n, "name"): n bytes equal; dumps both in hex. */
#define is_mem(got, want, n, ...)					\
	tap_is_mem((got), (want), (n), __FILE__, __LINE__, #got, __VA_ARGS__)
/* is_str(got, want, "name"): string equality (NULL-safe). */
#define is_str(got, want, ...)						\
	tap_is_str((got), (want), __FILE__, __LINE__, #got, __VA_ARGS__)

/* Decodes hex (whitespace ignored) into out; returns the byte count, or
 * aborts the test on malformed hex or overflow. For vectors. */
size_t	tap_unhex(const char *hex, uint8_t *out, size_t max);

#endif /* T_TAP_H */
