/* corpus.c: see corpus.h. */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "t/corpus.h"
#include "t/tap.h"

static int
only_files(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

int
corpus_list(const char *name, char ***names, char *dir, size_t dirsz)
{
	const char *srcdir = getenv("SRCDIR");
	struct dirent **ents;
	char **v;
	int i, n;

	snprintf(dir, dirsz, "%s/t/fuzz/corpus/%s",
	    srcdir != NULL ? srcdir : ".", name);
	if ((n = scandir(dir, &ents, only_files, alphasort)) < 0)
		skip_all("cannot read %s (set SRCDIR)", dir);
	if ((v = calloc((size_t)n + 1, sizeof(*v))) == NULL)
		skip_all("out of memory");
	for (i = 0; i < n; i++) {
		if ((v[i] = strdup(ents[i]->d_name)) == NULL)
			skip_all("out of memory");
		free(ents[i]);
	}
	free(ents);
	*names = v;
	return n;
}

uint8_t *
corpus_slurp(const char *dir, const char *file, size_t *len)
{
	char path[8192];
	uint8_t *p = NULL, *np;
	size_t n = 0, cap = 0, got;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
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
	if (n > 0)
		memcpy(np, p, n);
	free(p);
	*len = n;
	return np;
fail:
	free(p);
	fclose(f);
	return NULL;
}
