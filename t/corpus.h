/*
 * corpus.h: reading a fuzzer's seed corpus (t/fuzz/corpus/NAME) in the
 * unit tests that replay it with the normal compiler and sanitizers.
 */
#ifndef T_CORPUS_H
#define T_CORPUS_H

#include <stddef.h>
#include <stdint.h>

/* Lists the files of $SRCDIR/t/fuzz/corpus/name (SRCDIR defaults to
 * "."), sorted: fills *names (free each, then the array, with free) and
 * dir (its path) and returns how many, or skips the whole test (TAP
 * skip_all) when the directory cannot be read. */
int	corpus_list(const char *name, char ***names, char *dir,
	    size_t dirsz);

/* Reads dir/file into a heap buffer of exactly its size (so that ASan
 * sees an overread), sets *len and returns it, or NULL on error. */
uint8_t	*corpus_slurp(const char *dir, const char *file, size_t *len);

#endif
