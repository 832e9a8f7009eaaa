/*
 * ct.h: constant-time helpers for secrets.
 *
 * Any MAC, ICV, AUTH, PSK or token comparison goes through ct_memeq, never
 * memcmp: its running time depends only on the length, not on where the
 * first difference is.
 */
#ifndef CORE_CT_H
#define CORE_CT_H

#include <stddef.h>

/* Returns 1 when a and b hold the same n bytes, else 0, in time that
 * depends only on n. */
int	ct_memeq(const void *a, const void *b, size_t n);

/* Overwrites n bytes at p with zeros in a way the compiler cannot elide. */
void	ct_wipe(void *p, size_t n);

#endif /* CORE_CT_H */
