/* 0002-buf: growth stops at the maximum, headroom, back-patching. */
#include "config.h"

#include <string.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/buf.h"
#include "t/tap.h"

int
main(void)
{
	struct buf *b;
	struct span s;
	uint8_t *p;
	size_t i;
	int r;

	b = buf_new(8);
	ok(b != NULL, "buf_new");
	is_int(buf_add_u16(b, 0x0102), 0, "add u16");
	is_int(buf_add_u32(b, 0x03040506), 0, "add u32");
	is_int(buf_add_u8(b, 0x07), 0, "add u8");
	is_int(buf_len(b), 7, "7 bytes");
	is_int(buf_add_u16(b, 0xffff), -E_RANGE, "growth past max fails");
	is_int(buf_len(b), 7, "failed add leaves length");
	is_int(buf_add_u8(b, 0x08), 0, "fill to exactly max");
	s = buf_span(b);
	is_mem(s.p, "\x01\x02\x03\x04\x05\x06\x07\x08", 8, "content");
	is_int(buf_set_u16(b, 0, 0xa0b0), 0, "back-patch u16");
	is_int(buf_set_u32(b, 4, 0xc0d0e0f0), 0, "back-patch u32");
	is_int(buf_set_u16(b, 7, 1), -E_RANGE, "patch past end fails");
	s = buf_span(b);
	is_mem(s.p, "\xa0\xb0\x03\x04\xc0\xd0\xe0\xf0", 8, "patched");
	is_int(buf_truncate(b, 9), -E_RANGE, "truncate longer fails");
	is_int(buf_truncate(b, 2), 0, "truncate");
	is_int(buf_len(b), 2, "2 left");
	buf_free(b);
	buf_free(NULL);
	ok(1, "buf_free(NULL) is a no-op");

	/* Growth across many reallocations keeps content. */
	b = buf_new(100000);
	for (i = 0, r = 0; i < 100000 && r == 0; i++)
		r = buf_add_u8(b, (uint8_t)i);
	is_int(r, 0, "100000 single-byte appends");
	s = buf_span(b);
	for (i = 0; i < s.len && s.p[i] == (uint8_t)i; i++)
		;
	is_int(i, 100000, "content survives growth");
	is_int(buf_add_u8(b, 0), -E_RANGE, "one more fails");
	buf_free(b);

	/* Headroom: prepend in place without moving the payload. */
	b = buf_new_headroom(16, 16, 64);
	is_int(buf_add(b, "payload", 7), 0, "payload");
	is_int(buf_prepend(b, 8, &p), 0, "prepend 8");
	p[0] = 'H';
	is_int(buf_prepend(b, 9, &p), -E_RANGE, "prepend past headroom fails");
	is_int(buf_prepend(b, 8, &p), 0, "prepend rest");
	is_int(buf_len(b), 23, "length includes prepended");
	s = buf_span(b);
	is_int(s.p[8], 'H', "first header byte");
	is_mem(s.p + 16, "payload", 7, "payload unmoved in content");
	is_int(buf_mut(b, 20, 4, &p), -E_RANGE, "mut past end fails");
	is_int(buf_mut(b, 16, 7, &p), 0, "mut in range");
	buf_reset(b);
	is_int(buf_len(b), 0, "reset empties");
	is_int(buf_prepend(b, 16, &p), 0, "headroom restored by reset");
	buf_free(b);

	/* Formatted and JSON text. */
	b = buf_new(64);
	is_int(buf_addf(b, "%s=%d", "x", 42), 0, "addf");
	is_int(buf_add_json_str(b, span_make("a\"\\\n\xff", 5)), 0,
	    "json string");
	s = buf_span(b);
	is_int(s.len, 23, "formatted length");
	is_mem(s.p, "x=42\"a\\\"\\\\\\u000a\\u00ff\"", 23,
	    "quotes, backslashes and non-ASCII bytes escaped");
	buf_free(b);
	b = buf_new(4);
	is_int(buf_addf(b, "%s", "too long"), -E_RANGE, "addf past max");
	is_int(buf_len(b), 0, "nothing added");
	buf_free(b);

	/* Files: read whole, refuse larger than max, report a missing one. */
	{
		char path[] = "/tmp/ikegate-buf-XXXXXX";
		int fd = mkstemp(path);

		ok(fd >= 0 && write(fd, "0123456789", 10) == 10, "temp file");
		close(fd);
		b = NULL;
		is_int(buf_read_file(path, 10, &b), 0, "read_file");
		ok(b != NULL && buf_len(b) == 10 &&
		    memcmp(buf_span(b).p, "0123456789", 10) == 0,
		    "file content");
		buf_free(b);
		is_int(buf_read_file(path, 9, &b), -E_RANGE,
		    "file larger than max");
		unlink(path);
		is_int(buf_read_file(path, 10, &b), -E_SYS, "missing file");
	}

	b = buf_from_span(span_str("abc"), 2);
	ok(b == NULL, "from_span longer than max fails");
	b = buf_from_span(span_str("abc"), 3);
	ok(b != NULL && buf_len(b) == 3, "from_span copies");
	buf_free(b);
	return done_testing();
}
