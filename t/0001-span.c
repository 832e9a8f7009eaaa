/* 0001-span: the read cursor never reads past its end and advances only
 * on success. */
#include "config.h"

#include "core/span.h"
#include "t/tap.h"

int
main(void)
{
	static const uint8_t d[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
	    0x07, 0x08, 0x09, 0x0a, 0x0b };
	struct span s = span_make(d, sizeof(d)), sub = { NULL, 0 }, saved;
	uint8_t u8, cp[4];
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;

	is_int(span_get_u8(&s, &u8), 0, "get_u8");
	is_int(u8, 0x01, "u8 value");
	is_int(span_get_u16(&s, &u16), 0, "get_u16");
	is_int(u16, 0x0203, "u16 is big-endian");
	is_int(span_get_u32(&s, &u32), 0, "get_u32");
	is_int(u32, 0x04050607, "u32 is big-endian");
	is_int(s.len, 4, "4 bytes left");
	saved = s;
	u64 = 42;
	is_int(span_get_u64(&s, &u64), -E_SHORT, "get_u64 on 4 bytes fails");
	ok(s.p == saved.p && s.len == saved.len, "failed read does not advance");
	is_int(u64, 42, "failed read leaves output untouched");
	is_int(span_get_tail(&s, 1, &sub), 0, "get_tail");
	is_int(sub.p[0], 0x0b, "tail is the last byte");
	is_int(s.len, 3, "tail shortens the span");
	is_int(span_get_bytes(&s, 4, &sub), -E_SHORT, "carve past end fails");
	is_int(span_get_bytes(&s, 2, &sub), 0, "carve 2");
	is_int(sub.len, 2, "sub has 2 bytes");
	is_int(sub.p[0], 0x08, "sub starts at cursor");
	is_int(span_copy(&s, cp, 2), -E_SHORT, "copy past end fails");
	is_int(span_copy(&s, cp, 1), 0, "copy 1");
	is_int(cp[0], 0x0a, "copied byte");
	ok(span_is_empty(s), "span is empty");
	is_int(span_get_u8(&s, &u8), -E_SHORT, "u8 on empty fails");
	is_int(span_skip(&s, 0), 0, "skip 0 on empty is fine");
	is_int(span_skip(&s, 1), -E_SHORT, "skip 1 on empty fails");

	/* Lengths near SIZE_MAX must not wrap the bounds check. */
	s = span_make(d, sizeof(d));
	is_int(span_skip(&s, SIZE_MAX), -E_SHORT, "huge skip fails");
	is_int(span_get_bytes(&s, SIZE_MAX - 1, &sub), -E_SHORT,
	    "huge carve fails");
	is_int(span_get_tail(&s, SIZE_MAX, &sub), -E_SHORT, "huge tail fails");
	is_int(s.len, sizeof(d), "span intact after huge requests");
	s = span_make(d, sizeof(d));
	is_int(span_get_u64(&s, &u64), 0, "get_u64");
	ok(u64 == 0x0102030405060708ULL, "u64 is big-endian");
	ok(span_eq(span_make("abc", 3), span_str("abc")), "span_eq equal");
	ok(!span_eq(span_make("abc", 3), span_str("abd")), "span_eq differs");
	ok(!span_eq(span_make("ab", 2), span_str("abc")), "span_eq length");
	return done_testing();
}
