/* 2004-ike-fuzz-replay: runs the libFuzzer harness of the IKEv2 codec over
 * every file of the seed corpus, so that make check replays it with the
 * normal compiler and sanitizers. Each file gets an exactly sized heap
 * copy (an overread trips ASan). Files named bad-* must be rejected, the
 * others accepted; those named *-plain* carry an unencrypted inner chain
 * in their SK payload, which must be accepted too. */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "t/tap.h"

#define FUZZ_REPLAY 1
#include "t/fuzz/fuzz-ike-msg.c"

static int
only_files(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* Reads path into a malloc'ed buffer of exactly its size. */
static uint8_t *
slurp(const char *path, size_t *len)
{
	uint8_t *p = NULL, *np;
	size_t n = 0, cap = 0, got;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			if ((np = realloc(p, cap)) == NULL)
				goto fail;
			p = np;
		}
		got = fread(p + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f))
		goto fail;
	fclose(f);
	/* Shrink to the exact size so that ASan sees the real end. */
	if ((np = malloc(n ? n : 1)) == NULL) {
		free(p);
		return NULL;
	}
	memcpy(np, p, n);
	free(p);
	*len = n;
	return np;
fail:
	free(p);
	fclose(f);
	return NULL;
}

int
main(void)
{
	const char *srcdir = getenv("SRCDIR");
	struct dirent **names;
	char dir[4096], path[8192];
	uint8_t *data;
	size_t len;
	int i, n, r, inner_r, bad, plain;

	snprintf(dir, sizeof(dir), "%s/t/fuzz/corpus/ike-msg",
	    srcdir != NULL ? srcdir : ".");
	if ((n = scandir(dir, &names, only_files, alphasort)) < 0)
		skip_all("cannot read %s (set SRCDIR)", dir);
	ok(n >= 12, "corpus has at least 12 seeds (%d)", n);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		bad = strncmp(names[i]->d_name, "bad-", 4) == 0;
		plain = strstr(names[i]->d_name, "-plain") != NULL;
		if ((data = slurp(path, &len)) == NULL) {
			ok(0, "%s: readable", names[i]->d_name);
			free(names[i]);
			continue;
		}
		r = fuzz_ike_msg(data, len, &inner_r);
		if (bad)
			ok(r < 0 || inner_r < 0, "%s: rejected (%s)",
			    names[i]->d_name, err_name(r < 0 ? r : inner_r));
		else
			ok(r == 0 && (!plain || inner_r == 0),
			    "%s: accepted (%s, inner %s)", names[i]->d_name,
			    err_name(r), err_name(inner_r == 1 ? 0 : inner_r));
		free(data);
		free(names[i]);
	}
	free(names);
	return done_testing();
}
