/*
 * ossl_alloc.h: counts OpenSSL's heap allocations, for the tests that check
 * the contract "seal, open, encrypt, decrypt and mac never allocate" on the
 * OpenSSL backend. Header-only: each test includes it once.
 *
 * ossl_alloc_hook() must run first in main, before anything makes OpenSSL
 * allocate; it returns 0 when OpenSSL refused the hook (then the counting
 * checks are skipped, not passed).
 */
#ifndef T_OSSL_ALLOC_H
#define T_OSSL_ALLOC_H

#include <stdlib.h>

#include <openssl/crypto.h>

static unsigned long ossl_allocs;

static void *
ossl_alloc_malloc(size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	ossl_allocs++;
	return malloc(n);
}

static void *
ossl_alloc_realloc(void *p, size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	ossl_allocs++;
	return realloc(p, n);
}

static void
ossl_alloc_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	free(p);
}

static int
ossl_alloc_hook(void)
{
	return CRYPTO_set_mem_functions(ossl_alloc_malloc, ossl_alloc_realloc,
	    ossl_alloc_free);
}

#endif /* T_OSSL_ALLOC_H */
