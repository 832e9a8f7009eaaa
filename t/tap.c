/* tap.c: TAP output for unit tests. */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "t/tap.h"

static int planned = -1;
static int run;
static int failed;

void
plan(int n)
{
	planned = n;
	printf("1..%d\n", n);
	fflush(stdout);
}

void
skip_all(const char *fmt, ...)
{
	va_list ap;

	printf("1..0 # SKIP ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	exit(0);
}

void
skip(const char *fmt, ...)
{
	va_list ap;

	printf("ok %d # skip ", ++run);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

void
diag(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "# ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
}

int
done_testing(void)
{
	if (planned < 0)
		printf("1..%d\n", run);
	else if (planned != run) {
		diag("planned %d checks but ran %d", planned, run);
		return 1;
	}
	fflush(stdout);
	return failed ? 1 : 0;
}

static void
result(int pass, const char *fmt, va_list ap)
{
	printf("%s %d - ", pass ? "ok" : "not ok", ++run);
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	if (!pass)
		failed++;
}

int
tap_ok(int pass, const char *file, int line, const char *expr,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	result(pass, fmt, ap);
	va_end(ap);
	if (!pass)
		diag("  failed: %s\n#   at %s:%d", expr, file, line);
	return pass;
}

int
tap_is_int(long long got, long long want, const char *file, int line,
    const char *expr, const char *fmt, ...)
{
	va_list ap;
	int pass = got == want;

	va_start(ap, fmt);
	result(pass, fmt, ap);
	va_end(ap);
	if (!pass)
		diag("  failed: %s\n#   got: %lld\n#  want: %lld\n#   at %s:%d",
		    expr, got, want, file, line);
	return pass;
}

static void
hexdump(const char *label, const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	fprintf(stderr, "# %6s:", label);
	for (i = 0; i < n && i < 256; i++)
		fprintf(stderr, "%s%02x", i % 32 == 0 && i ? "\n#        " : "",
		    b[i]);
	fprintf(stderr, "%s\n", n > 256 ? "..." : "");
}

int
tap_is_mem(const void *got, const void *want, size_t n, const char *file,
    int line, const char *expr, const char *fmt, ...)
{
	va_list ap;
	int pass = got != NULL && want != NULL && memcmp(got, want, n) == 0;

	va_start(ap, fmt);
	result(pass, fmt, ap);
	va_end(ap);
	if (!pass) {
		diag("  failed: %s (%zu bytes) at %s:%d", expr, n, file, line);
		if (got)
			hexdump("got", got, n);
		if (want)
			hexdump("want", want, n);
	}
	return pass;
}

int
tap_is_str(const char *got, const char *want, const char *file, int line,
    const char *expr, const char *fmt, ...)
{
	va_list ap;
	int pass = (got == NULL && want == NULL) ||
	    (got != NULL && want != NULL && strcmp(got, want) == 0);

	va_start(ap, fmt);
	result(pass, fmt, ap);
	va_end(ap);
	if (!pass)
		diag("  failed: %s\n#   got: \"%s\"\n#  want: \"%s\"\n#   at %s:%d",
		    expr, got ? got : "(null)", want ? want : "(null)", file,
		    line);
	return pass;
}

size_t
tap_unhex(const char *hex, uint8_t *out, size_t max)
{
	size_t n = 0;
	int hi = -1, v;

	for (; *hex; hex++) {
		if (isspace((unsigned char)*hex))
			continue;
		if (!isxdigit((unsigned char)*hex)) {
			diag("bad hex digit '%c'", *hex);
			abort();
		}
		v = isdigit((unsigned char)*hex) ? *hex - '0' :
		    (tolower((unsigned char)*hex) - 'a' + 10);
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n >= max) {
			diag("hex vector longer than %zu bytes", max);
			abort();
		}
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	if (hi >= 0) {
		diag("odd number of hex digits");
		abort();
	}
	return n;
}
