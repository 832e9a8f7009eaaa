/* ct.c: constant-time comparison and wiping. */
#include "config.h"

#include <string.h>

#include "core/ct.h"

int
ct_memeq(const void *a, const void *b, size_t n)
{
	const volatile unsigned char *x = a, *y = b;
	unsigned char acc = 0;
	size_t i;

	/* Accumulate every difference; no branch depends on the data. */
	for (i = 0; i < n; i++)
		acc |= x[i] ^ y[i];
	return (int)(1u & (((unsigned)acc - 1u) >> 8));
}

void
ct_wipe(void *p, size_t n)
{
	if (p == NULL || n == 0)
		return;
#if HAVE_EXPLICIT_BZERO
	explicit_bzero(p, n);
#else
	{
		volatile unsigned char *v = p;

		while (n--)
			*v++ = 0;
	}
#endif
}
