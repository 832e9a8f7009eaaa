/*
 * buf.h: an owning, growable byte buffer with a hard maximum and headroom.
 *
 * Writers append; growth past the maximum fixed at creation fails with
 * -E_RANGE and leaves the buffer unchanged. Headroom lets a caller prepend
 * headers in place (ESP, IKE header) without moving the payload. Memory is
 * wiped whenever it is released or moved, so a buf may hold keys.
 * Nothing here logs.
 */
#ifndef CORE_BUF_H
#define CORE_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "core/span.h"

struct buf;

#define BUF_WUR	__attribute__((warn_unused_result))

/* Returns a new empty buffer that may grow to max bytes, or NULL (OOM). */
struct buf	*buf_new(size_t max);

/* Returns a new buffer with head bytes of headroom (for buf_prepend) and
 * room for tail bytes beyond max-sized content, or NULL (OOM). */
struct buf	*buf_new_headroom(size_t head, size_t tail, size_t max);

/* Returns a new buffer holding a copy of s, limited to max, or NULL (OOM or
 * s longer than max). */
struct buf	*buf_from_span(struct span s, size_t max);

/* Wipes and frees b; NULL is a no-op. */
void		 buf_free(struct buf *b);

/* Returns the number of content bytes. */
size_t		 buf_len(const struct buf *b);

/* Returns a read view of the content, valid until the next write. */
struct span	 buf_span(const struct buf *b);

/* Empties b (wiping the old content); headroom is restored. */
void		 buf_reset(struct buf *b);

/* Shortens the content to len bytes (wiping the rest); -E_RANGE if len is
 * larger than the content. */
int		 buf_truncate(struct buf *b, size_t len) BUF_WUR;

/* Appends n bytes from p. */
int		 buf_add(struct buf *b, const void *p, size_t n) BUF_WUR;

/* Appends the bytes of s. */
int		 buf_add_span(struct buf *b, struct span s) BUF_WUR;

/* Append integers in network byte order. */
int		 buf_add_u8(struct buf *b, uint8_t v) BUF_WUR;
int		 buf_add_u16(struct buf *b, uint16_t v) BUF_WUR;
int		 buf_add_u32(struct buf *b, uint32_t v) BUF_WUR;
int		 buf_add_u64(struct buf *b, uint64_t v) BUF_WUR;

/* Appends n zero bytes and returns a pointer to them in *ptr, valid until
 * the next operation that may grow b. */
int		 buf_reserve(struct buf *b, size_t n, uint8_t **ptr) BUF_WUR;

/* Prepends n bytes out of the headroom and returns them zeroed in *ptr;
 * -E_RANGE when the headroom is too small. */
int		 buf_prepend(struct buf *b, size_t n, uint8_t **ptr) BUF_WUR;

/* Returns in *ptr a writable pointer to content bytes [off, off + n);
 * -E_RANGE when that range is not inside the content. */
int		 buf_mut(struct buf *b, size_t off, size_t n, uint8_t **ptr)
		    BUF_WUR;

/* Appends printf-formatted text (no NUL). -E_RANGE past the maximum,
 * -E_INVAL for a formatting error. */
int		 buf_addf(struct buf *b, const char *fmt, ...) BUF_WUR
		    __attribute__((format(printf, 2, 3)));

/* Appends s as a JSON string: quoted, with '"', '\\' and every byte
 * outside printable ASCII escaped as \\u00XX (so bytes of any encoding
 * stay safe in the output). */
int		 buf_add_json_str(struct buf *b, struct span s) BUF_WUR;

/* Reads the whole file at path into a new buffer of at most max bytes,
 * returned owned in *out. Returns 0, -E_SYS (errno set), -E_RANGE (the
 * file is larger), -E_NOMEM. For configuration and key files, not for
 * the packet path. */
int		 buf_read_file(const char *path, size_t max, struct buf **out)
		    BUF_WUR;

/* Overwrite content at off in network byte order (back-patching lengths);
 * -E_RANGE when off is outside the content. */
int		 buf_set_u8(struct buf *b, size_t off, uint8_t v) BUF_WUR;
int		 buf_set_u16(struct buf *b, size_t off, uint16_t v) BUF_WUR;
int		 buf_set_u32(struct buf *b, size_t off, uint32_t v) BUF_WUR;

#endif /* CORE_BUF_H */
