/* 0003-err-ct-log: error names, constant-time compare, log levels. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "core/ct.h"
#include "core/err.h"
#include "core/log.h"
#include "t/tap.h"

int
main(void)
{
	uint8_t a[64], b[64];
	size_t i;
	int diffs_ok = 1;

	is_str(err_name(-E_SHORT), "E_SHORT", "err_name");
	is_str(err_name(E_SHORT), "E_SHORT", "err_name ignores sign");
	is_str(err_str(-E_TRAILING), "trailing bytes after structure",
	    "err_str");
	is_str(err_name(-9999), "E_UNKNOWN", "unknown code");
	is_str(err_name(0), "E_OK", "zero");

	memset(a, 0x5a, sizeof(a));
	memcpy(b, a, sizeof(b));
	ok(ct_memeq(a, b, sizeof(a)) == 1, "equal buffers");
	ok(ct_memeq(a, b, 0) == 1, "empty compare is equal");
	/* A difference in any byte position and any bit is detected. */
	for (i = 0; i < sizeof(a) * 8; i++) {
		b[i / 8] ^= (uint8_t)(1u << (i % 8));
		if (ct_memeq(a, b, sizeof(a)) != 0)
			diffs_ok = 0;
		b[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	ok(diffs_ok, "every single-bit difference detected");
	ct_wipe(a, sizeof(a));
	for (i = 0; i < sizeof(a) && a[i] == 0; i++)
		;
	is_int(i, sizeof(a), "ct_wipe zeroes");

	log_init(1, LOGL_WARN, "test");
	ok(log_enabled(SUB_IKE, LOGL_WARN), "warn enabled at warn");
	ok(!log_enabled(SUB_IKE, LOGL_INFO), "info disabled at warn");
	log_set_level(SUB_IKE, LOGL_DEBUG);
	ok(log_enabled(SUB_IKE, LOGL_DEBUG), "per-subsystem level");
	ok(!log_enabled(SUB_ESP, LOGL_DEBUG), "other subsystem unchanged");
	is_int(log_sub_lookup("ike"), SUB_IKE, "subsystem by name");
	is_int(log_sub_lookup("nope"), -1, "unknown subsystem");
	is_int(log_level_lookup("debug"), LOGL_DEBUG, "level by name");
	errno = ERANGE;
	log_warnx(SUB_IKE, "this is an expected test warning");
	is_int(errno, ERANGE, "logging preserves errno");
	{
		static struct log_ratelimit rl;
		int n = 0;

		for (i = 0; i < 100; i++)
			n += log_ratelimit_ok(&rl, 5);
		ok(n >= 5 && n <= 10, "rate limit caps a burst (%d)", n);
	}
	return done_testing();
}
