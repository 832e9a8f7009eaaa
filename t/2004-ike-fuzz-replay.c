/* 2004-ike-fuzz-replay: runs the libFuzzer harness of the IKEv2 codec over
 * every file of the seed corpus, so that make check replays it with the
 * normal compiler and sanitizers. Each file gets an exactly sized heap
 * copy (an overread trips ASan). Files named bad-* must be rejected, the
 * others accepted; those named *-plain* carry an unencrypted inner chain
 * in their SK payload, which must be accepted too. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "t/corpus.h"
#include "t/tap.h"

#define FUZZ_REPLAY 1
#include "t/fuzz/fuzz-ike-msg.c"

int
main(void)
{
	char dir[4096], **names;
	uint8_t *data;
	size_t len;
	int i, n, r, inner_r, bad, plain;

	n = corpus_list("ike-msg", &names, dir, sizeof(dir));
	ok(n >= 12, "corpus has at least 12 seeds (%d)", n);
	for (i = 0; i < n; i++) {
		bad = strncmp(names[i], "bad-", 4) == 0;
		plain = strstr(names[i], "-plain") != NULL;
		if ((data = corpus_slurp(dir, names[i], &len)) == NULL) {
			ok(0, "%s: readable", names[i]);
			free(names[i]);
			continue;
		}
		r = fuzz_ike_msg(data, len, &inner_r);
		if (bad)
			ok(r < 0 || inner_r < 0, "%s: rejected (%s)",
			    names[i], err_name(r < 0 ? r : inner_r));
		else
			ok(r == 0 && (!plain || inner_r == 0),
			    "%s: accepted (%s, inner %s)", names[i],
			    err_name(r), err_name(inner_r == 1 ? 0 : inner_r));
		free(data);
		free(names[i]);
	}
	free(names);
	return done_testing();
}
