/* buf.c: owning byte buffer with hard maximum, headroom and wiping. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/ct.h"

struct buf {
	uint8_t	*mem;		/* allocation: [0, cap) */
	size_t	 cap;
	size_t	 head;		/* content starts at mem + off */
	size_t	 off;
	size_t	 len;
	size_t	 max;		/* content limit */
	size_t	 tail;		/* extra room kept after max (ICVs) */
};

struct buf *
buf_new_headroom(size_t head, size_t tail, size_t max)
{
	struct buf *b;
	size_t cap;

	if (head > SIZE_MAX / 4 || tail > SIZE_MAX / 4 || max > SIZE_MAX / 4)
		return NULL;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	/* Start small; grow on demand up to head + max + tail. */
	cap = head + tail + (max < 256 ? max : 256);
	if (cap == 0)
		cap = 1;
	if ((b->mem = calloc(1, cap)) == NULL) {
		free(b);
		return NULL;
	}
	b->cap = cap;
	b->head = b->off = head;
	b->max = max;
	b->tail = tail;
	return b;
}

struct buf *
buf_new(size_t max)
{
	return buf_new_headroom(0, 0, max);
}

struct buf *
buf_from_span(struct span s, size_t max)
{
	struct buf *b;

	if (s.len > max || (b = buf_new(max)) == NULL)
		return NULL;
	if (buf_add_span(b, s) != 0) {
		buf_free(b);
		return NULL;
	}
	return b;
}

void
buf_free(struct buf *b)
{
	if (b == NULL)
		return;
	ct_wipe(b->mem, b->cap);
	free(b->mem);
	ct_wipe(b, sizeof(*b));
	free(b);
}

size_t
buf_len(const struct buf *b)
{
	return b->len;
}

struct span
buf_span(const struct buf *b)
{
	return span_make(b->mem + b->off, b->len);
}

void
buf_reset(struct buf *b)
{
	ct_wipe(b->mem, b->cap);
	b->off = b->head;
	b->len = 0;
}

int
buf_truncate(struct buf *b, size_t len)
{
	if (len > b->len)
		return -E_RANGE;
	ct_wipe(b->mem + b->off + len, b->len - len);
	b->len = len;
	return 0;
}

/* Makes room for n more content bytes, moving to a larger allocation (and
 * wiping the old one) when needed. */
static int
grow(struct buf *b, size_t n)
{
	size_t need, ncap;
	uint8_t *nmem;

	if (n > b->max || b->len > b->max - n)
		return -E_RANGE;
	need = b->off + b->len + n + b->tail;
	if (need <= b->cap)
		return 0;
	ncap = b->cap;
	while (ncap < need)
		ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
	if (ncap > b->head + b->max + b->tail)
		ncap = b->head + b->max + b->tail;
	if (ncap < need)
		ncap = need;
	if ((nmem = calloc(1, ncap)) == NULL)
		return -E_NOMEM;
	memcpy(nmem, b->mem, b->off + b->len);
	ct_wipe(b->mem, b->cap);
	free(b->mem);
	b->mem = nmem;
	b->cap = ncap;
	return 0;
}

int
buf_reserve(struct buf *b, size_t n, uint8_t **ptr)
{
	int r;

	if ((r = grow(b, n)) != 0)
		return r;
	*ptr = b->mem + b->off + b->len;
	memset(*ptr, 0, n);
	b->len += n;
	return 0;
}

int
buf_add(struct buf *b, const void *p, size_t n)
{
	uint8_t *dst;
	int r;

	if ((r = buf_reserve(b, n, &dst)) != 0)
		return r;
	if (n > 0)
		memcpy(dst, p, n);
	return 0;
}

int
buf_add_span(struct buf *b, struct span s)
{
	return buf_add(b, s.p, s.len);
}

int
buf_add_u8(struct buf *b, uint8_t v)
{
	return buf_add(b, &v, 1);
}

int
buf_add_u16(struct buf *b, uint16_t v)
{
	uint8_t x[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	return buf_add(b, x, sizeof(x));
}

int
buf_add_u32(struct buf *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 8), (uint8_t)v };

	return buf_add(b, x, sizeof(x));
}

int
buf_add_u64(struct buf *b, uint64_t v)
{
	int r;

	if ((r = buf_add_u32(b, (uint32_t)(v >> 32))) != 0)
		return r;
	return buf_add_u32(b, (uint32_t)v);
}

int
buf_prepend(struct buf *b, size_t n, uint8_t **ptr)
{
	if (n > b->off || n > b->max || b->len > b->max - n)
		return -E_RANGE;
	b->off -= n;
	b->len += n;
	*ptr = b->mem + b->off;
	memset(*ptr, 0, n);
	return 0;
}

int
buf_mut(struct buf *b, size_t off, size_t n, uint8_t **ptr)
{
	if (off > b->len || n > b->len - off)
		return -E_RANGE;
	*ptr = b->mem + b->off + off;
	return 0;
}

int
buf_set_u8(struct buf *b, size_t off, uint8_t v)
{
	uint8_t *p;
	int r;

	if ((r = buf_mut(b, off, 1, &p)) != 0)
		return r;
	p[0] = v;
	return 0;
}

int
buf_set_u16(struct buf *b, size_t off, uint16_t v)
{
	uint8_t *p;
	int r;

	if ((r = buf_mut(b, off, 2, &p)) != 0)
		return r;
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return 0;
}

int
buf_set_u32(struct buf *b, size_t off, uint32_t v)
{
	uint8_t *p;
	int r;

	if ((r = buf_mut(b, off, 4, &p)) != 0)
		return r;
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return 0;
}

int
buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	uint8_t *p;
	int n, r;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -E_INVAL;
	/* One byte more for the NUL vsnprintf writes, then drop it. */
	if ((r = buf_reserve(b, (size_t)n + 1, &p)) != 0)
		return r;
	va_start(ap, fmt);
	vsnprintf((char *)p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len--;
	return 0;
}

int
buf_add_json_str(struct buf *b, struct span s)
{
	static const char hex[] = "0123456789abcdef";
	char e[6] = { '\\', 'u', '0', '0', 0, 0 };
	size_t i;
	int r = buf_add_u8(b, '"');

	for (i = 0; i < s.len && r == 0; i++) {
		uint8_t c = s.p[i];

		if (c == '"' || c == '\\') {
			char q[2] = { '\\', (char)c };

			r = buf_add(b, q, 2);
		} else if (c >= 0x20 && c < 0x7f)
			r = buf_add_u8(b, c);
		else {
			e[4] = hex[c >> 4];
			e[5] = hex[c & 15];
			r = buf_add(b, e, 6);
		}
	}
	return r == 0 ? buf_add_u8(b, '"') : r;
}

int
buf_read_file(const char *path, size_t max, struct buf **out)
{
	uint8_t chunk[4096];
	struct buf *b;
	size_t n;
	FILE *f;
	int r = 0, saved;

	if ((f = fopen(path, "rb")) == NULL)
		return -E_SYS;
	if ((b = buf_new(max)) == NULL) {
		fclose(f);
		return -E_NOMEM;
	}
	while (r == 0 && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		r = buf_add(b, chunk, n);
	if (r == 0 && ferror(f))
		r = -E_SYS;
	saved = errno;
	fclose(f);
	ct_wipe(chunk, sizeof(chunk));
	if (r != 0) {
		buf_free(b);
		errno = saved;
		return r;
	}
	*out = b;
	return 0;
}
