/*
 * span.h: a bounded, non-owning read cursor over bytes.
 *
 * Every byte that comes from the network is read through a span. A span is
 * a small value { p, len } passed by value; it never owns its bytes and
 * must not outlive the buffer it points into.
 *
 * Contract of every span_get_* / span_skip / span_copy:
 *  - returns 0 on success and advances the cursor;
 *  - returns -E_SHORT when fewer bytes remain than asked for, and then
 *    leaves the cursor and the outputs untouched;
 *  - compares "n > sp->len", never "p + n > end", so lengths cannot wrap.
 * Multi-byte integers are big-endian on the wire and host order out.
 * Nothing here logs.
 */
#ifndef CORE_SPAN_H
#define CORE_SPAN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/err.h"

struct span {
	const uint8_t	*p;
	size_t		 len;
};

#define SPAN_WUR	__attribute__((warn_unused_result))

/* Returns a span over p[0..len). p may be NULL only when len is 0. */
static inline struct span
span_make(const void *p, size_t len)
{
	struct span s = { (const uint8_t *)p, len };

	return s;
}

/* Returns a span over the bytes of NUL-terminated s, without the NUL. */
static inline struct span
span_str(const char *s)
{
	return span_make(s, strlen(s));
}

/* Returns nonzero when no bytes remain. */
static inline int
span_is_empty(struct span s)
{
	return s.len == 0;
}

/* Skips n bytes. */
static inline SPAN_WUR int
span_skip(struct span *s, size_t n)
{
	if (n > s->len)
		return -E_SHORT;
	s->p += n;
	s->len -= n;
	return 0;
}

/* Carves the next n bytes into *sub (which borrows s's buffer). */
static inline SPAN_WUR int
span_get_bytes(struct span *s, size_t n, struct span *sub)
{
	if (n > s->len)
		return -E_SHORT;
	sub->p = s->p;
	sub->len = n;
	s->p += n;
	s->len -= n;
	return 0;
}

/* Carves the last n bytes into *sub and shortens s (for trailing ICVs). */
static inline SPAN_WUR int
span_get_tail(struct span *s, size_t n, struct span *sub)
{
	if (n > s->len)
		return -E_SHORT;
	s->len -= n;
	sub->p = s->p + s->len;
	sub->len = n;
	return 0;
}

/* Copies the next n bytes to dst (n bytes of storage). */
static inline SPAN_WUR int
span_copy(struct span *s, void *dst, size_t n)
{
	if (n > s->len)
		return -E_SHORT;
	if (n > 0)
		memcpy(dst, s->p, n);
	s->p += n;
	s->len -= n;
	return 0;
}

/* Reads one byte. */
static inline SPAN_WUR int
span_get_u8(struct span *s, uint8_t *v)
{
	if (s->len < 1)
		return -E_SHORT;
	*v = s->p[0];
	s->p++;
	s->len--;
	return 0;
}

/* Reads a big-endian 16-bit value. */
static inline SPAN_WUR int
span_get_u16(struct span *s, uint16_t *v)
{
	if (s->len < 2)
		return -E_SHORT;
	*v = (uint16_t)((uint16_t)s->p[0] << 8 | s->p[1]);
	s->p += 2;
	s->len -= 2;
	return 0;
}

/* Reads a big-endian 32-bit value. */
static inline SPAN_WUR int
span_get_u32(struct span *s, uint32_t *v)
{
	if (s->len < 4)
		return -E_SHORT;
	*v = (uint32_t)s->p[0] << 24 | (uint32_t)s->p[1] << 16 |
	    (uint32_t)s->p[2] << 8 | s->p[3];
	s->p += 4;
	s->len -= 4;
	return 0;
}

/* Reads a big-endian 64-bit value. */
static inline SPAN_WUR int
span_get_u64(struct span *s, uint64_t *v)
{
	uint32_t hi, lo;

	if (s->len < 8)
		return -E_SHORT;
	hi = (uint32_t)s->p[0] << 24 | (uint32_t)s->p[1] << 16 |
	    (uint32_t)s->p[2] << 8 | s->p[3];
	lo = (uint32_t)s->p[4] << 24 | (uint32_t)s->p[5] << 16 |
	    (uint32_t)s->p[6] << 8 | s->p[7];
	*v = (uint64_t)hi << 32 | lo;
	s->p += 8;
	s->len -= 8;
	return 0;
}

/* Returns nonzero when a and b hold the same bytes (not constant time:
 * use ct_memeq for secrets). */
static inline int
span_eq(struct span a, struct span b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

#endif /* CORE_SPAN_H */
