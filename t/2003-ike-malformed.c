/* 2003-ike-malformed: malformed IKEv2 messages are rejected with their
 * exact error (RFC 7296 2.5, 3.1-3.16; RFC 7383 2.5), and iked-style
 * deterministic sweeps over every seed of the fuzz corpus (every
 * truncation, every truncation with a consistent header Length, every
 * single-bit flip) end in a clean result: 0 or one of the codec's parse
 * errors, never a crash (run under ASan/UBSan with --enable-sanitizers;
 * every input is an exactly sized heap copy so an overread is caught). */
#include "config.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ike_msg.h"
#include "core/ike_pld.h"
#include "t/tap.h"

/* Exchange types and flags as hex for the generated header. */
#define SA_INIT	IKE_EXCH_SA_INIT
#define AUTH	IKE_EXCH_AUTH
#define CCSA	IKE_EXCH_CREATE_CHILD_SA
#define INFO	IKE_EXCH_INFORMATIONAL
#define RAW	0	/* body is the whole datagram */
#define I	IKE_FLAG_INITIATOR
#define R	IKE_FLAG_RESPONSE

/* Valid payloads; the argument is the Next Payload octet. */
#define SA_MIN(n)	n "00 0014"	/* SA, length 20 */		\
	"00 00 0010 01 01 00 01"	/* last proposal 1, IKE, 1 xf */ \
	"00 00 0008 04 00 0013"		/* DH ECP-256 */
#define KE4(n)		n "00 000c 0013 0000 01020304"
#define NONCE16(n)	n "00 0014 00112233445566778899aabbccddeeff"
#define PROP(m, num)	m "00 0010" num "01 00 01 00 00 0008 04 00 0013"
#define TS4(n)		n "00 0018 01 000000"				\
	"07 00 0010 0000 ffff 0a000000 0a0000ff"

struct mcase {
	const char	*name;
	uint8_t		 exch;		/* RAW: body is the datagram */
	uint8_t		 flags;
	uint8_t		 next;
	const char	*body;		/* hex */
	int		 want;
	uint8_t		 bad;		/* expected bad type, 0 unchecked */
};

/* Bodies too long to write out, filled by make_bodies(). */
static char v64[1024], v65[1024], nonce256[1024], nonce257[1024],
    props16[1024], props17[1024], cookie65[512];

static const struct mcase cases[] = {
	/* The IKE header (3.1). */
	{ "header: 20 bytes", RAW, 0, 0,
	    "0102030405060708 0000000000000000 00 20 22 08", -E_SHORT, 0 },
	{ "header: empty datagram", RAW, 0, 0, "", -E_SHORT, 0 },
	{ "header: Length 40 > datagram 32", RAW, 0, 0,
	    "0102030405060708 0000000000000000 2b 20 22 08"
	    "00000000 00000028 00 00 0004", -E_SHORT, 0 },
	{ "header: Length 28 < datagram 32", RAW, 0, 0,
	    "0102030405060708 0000000000000000 2b 20 22 08"
	    "00000000 0000001c 00 00 0004", -E_BADLEN, 0 },
	{ "header: Length 20 < 28", RAW, 0, 0,
	    "0102030405060708 0000000000000000 00 20 22 08"
	    "00000000 00000014", -E_BADLEN, 0 },
	{ "header: IKEv1 (major 1)", RAW, 0, 0,
	    "0102030405060708 0000000000000000 00 10 22 08"
	    "00000000 0000001c", -E_VERSION, 0 },
	{ "header: major version 3", RAW, 0, 0,
	    "0102030405060708 0000000000000000 00 30 22 08"
	    "00000000 0000001c", -E_VERSION, 0 },
	{ "header: zero Initiator SPI", RAW, 0, 0,
	    "0000000000000000 0000000000000000 2b 20 22 08"
	    "00000000 00000020 00 00 0004", -E_RANGE, 0 },

	/* Valid controls: the checks below are not rejecting everything. */
	{ "valid: minimal IKE_SA_INIT", SA_INIT, I, IKE_PLD_SA,
	    SA_MIN("22") KE4("28") NONCE16("00"), 0, 0 },
	{ "valid: no payloads", SA_INIT, I, 0, "", 0, 0 },
	{ "valid: unknown non-critical payload is skipped", SA_INIT, I, 49,
	    "2b 00 0006 abcd  00 00 0004", 0, 0 },
	{ "valid: 64 payloads", SA_INIT, I, IKE_PLD_VENDOR, v64, 0, 0 },
	{ "valid: 16 proposals", SA_INIT, I, IKE_PLD_SA, props16, 0, 0 },
	{ "valid: nonce of 256 bytes", SA_INIT, I, IKE_PLD_NONCE, nonce256,
	    0, 0 },
	{ "valid: response repeats proposal 2", SA_INIT, R, IKE_PLD_SA,
	    "00 00 0014" PROP("00", "02"), 0, 0 },

	/* The payload chain (3.2, 3.14, 2.5). */
	{ "payload length 2 < 4", SA_INIT, I, IKE_PLD_VENDOR, "00 00 0002",
	    -E_BADLEN, 0 },
	{ "payload length past the end", SA_INIT, I, IKE_PLD_VENDOR,
	    "00 00 0010 0000", -E_BADLEN, 0 },
	{ "generic header cut short", SA_INIT, I, IKE_PLD_VENDOR, "00 00",
	    -E_SHORT, 0 },
	{ "bytes after the last payload", SA_INIT, I, IKE_PLD_VENDOR,
	    "00 00 0004 ff", -E_TRAILING, 0 },
	{ "SK not last", AUTH, I, IKE_PLD_SK,
	    "2b 00 0008 01020304  00 00 0004", -E_SYNTAX, 0 },
	{ "65 payloads", SA_INIT, I, IKE_PLD_VENDOR, v65, -E_TOOMANY, 0 },
	{ "duplicate SA", SA_INIT, I, IKE_PLD_SA,
	    SA_MIN("21") SA_MIN("22") KE4("28") NONCE16("00"), -E_DUP,
	    IKE_PLD_SA },
	{ "duplicate KE", SA_INIT, I, IKE_PLD_SA,
	    SA_MIN("22") KE4("22") KE4("28") NONCE16("00"), -E_DUP,
	    IKE_PLD_KE },
	{ "duplicate Nonce", SA_INIT, I, IKE_PLD_SA,
	    SA_MIN("22") KE4("28") NONCE16("28") NONCE16("00"), -E_DUP,
	    IKE_PLD_NONCE },
	{ "unknown critical payload", SA_INIT, I, 49,
	    "2b 80 0006 abcd  00 00 0004", -E_CRITICAL, 49 },

	/* Nonce (3.9) and KE (3.4). */
	{ "nonce of 15 bytes", SA_INIT, I, IKE_PLD_NONCE,
	    "00 00 0013 00112233445566778899aabbccddee", -E_RANGE,
	    IKE_PLD_NONCE },
	{ "nonce of 257 bytes", SA_INIT, I, IKE_PLD_NONCE, nonce257,
	    -E_RANGE, IKE_PLD_NONCE },
	{ "empty KE data", SA_INIT, I, IKE_PLD_KE, "00 00 0008 0013 0000",
	    -E_SYNTAX, IKE_PLD_KE },
	{ "KE cut before its reserved field", SA_INIT, I, IKE_PLD_KE,
	    "00 00 0006 0013", -E_SHORT, IKE_PLD_KE },

	/* SA: proposals (3.3.1). */
	{ "proposal numbering gap 1, 3", SA_INIT, I, IKE_PLD_SA,
	    "00 00 0024" PROP("02", "01") PROP("00", "03"), -E_SYNTAX,
	    IKE_PLD_SA },
	{ "proposals numbered from 2", SA_INIT, R, IKE_PLD_SA,
	    "00 00 0024" PROP("02", "02") PROP("00", "03"), -E_SYNTAX, 0 },
	{ "request with a single proposal 2", SA_INIT, I, IKE_PLD_SA,
	    "00 00 0014" PROP("00", "02"), -E_SYNTAX, IKE_PLD_SA },
	{ "proposal numbered 0", SA_INIT, R, IKE_PLD_SA,
	    "00 00 0014" PROP("00", "00"), -E_SYNTAX, 0 },
	{ "'last' proposal followed by another", SA_INIT, I, IKE_PLD_SA,
	    "00 00 0024" PROP("00", "01") PROP("00", "02"), -E_SYNTAX, 0 },
	{ "'more' marker on the last proposal", SA_INIT, I, IKE_PLD_SA,
	    "00 00 0014" PROP("02", "01"), -E_SYNTAX, 0 },
	{ "proposal marker 1", SA_INIT, I, IKE_PLD_SA,
	    "00 00 0014" PROP("01", "01"), -E_SYNTAX, 0 },
	{ "proposal length past the SA body", SA_INIT, I, IKE_PLD_SA,
	    "00 00 0014 00 00 0020 01 01 00 01 00 00 0008 04 00 0013",
	    -E_BADLEN, 0 },
	{ "proposal length 6", SA_INIT, I, IKE_PLD_SA,
	    "00 00 000c 00 00 0006 01 01 00 01", -E_BADLEN, 0 },
	{ "unknown protocol ID 4", SA_INIT, I, IKE_PLD_SA,
	    "00 00 0014 00 00 0010 01 04 00 01 00 00 0008 04 00 0013",
	    -E_RANGE, 0 },
	{ "ESP with an 8-byte SPI", CCSA, I, IKE_PLD_SA,
	    "00 00 001c 00 00 0018 01 03 08 01 0102030405060708"
	    "00 00 0008 01 00 0014", -E_RANGE, 0 },
	{ "IKE with a 4-byte SPI", CCSA, I, IKE_PLD_SA,
	    "00 00 0018 00 00 0014 01 01 04 01 01020304"
	    "00 00 0008 04 00 0013", -E_RANGE, 0 },
	{ "SPI size past the proposal", CCSA, I, IKE_PLD_SA,
	    "00 00 000c 00 00 0008 01 03 04 01", -E_BADLEN, 0 },
	{ "IKE SPI in IKE_SA_INIT", SA_INIT, I, IKE_PLD_SA,
	    "00 00 001c 00 00 0018 01 01 08 01 0102030405060708"
	    "00 00 0008 04 00 0013", -E_RANGE, IKE_PLD_SA },
	{ "IKE without SPI in CREATE_CHILD_SA", CCSA, I, IKE_PLD_SA,
	    SA_MIN("00"), -E_RANGE, IKE_PLD_SA },
	{ "IKE proposal in IKE_AUTH", AUTH, I, IKE_PLD_SA, SA_MIN("00"),
	    -E_RANGE, IKE_PLD_SA },
	{ "17 proposals", SA_INIT, I, IKE_PLD_SA, props17, -E_TOOMANY, 0 },

	/* SA: transforms and attributes (3.3.2, 3.3.5). */
	{ "transform length 4", SA_INIT, I, IKE_PLD_SA,
	    "00 00 0010 00 00 000c 01 01 00 01 00 00 0004", -E_BADLEN, 0 },
	{ "'more' marker on the last transform", SA_INIT, I, IKE_PLD_SA,
	    "00 00 0014 00 00 0010 01 01 00 01 03 00 0008 04 00 0013",
	    -E_SYNTAX, 0 },
	{ "transform count 2, one present", SA_INIT, I, IKE_PLD_SA,
	    "00 00 0014 00 00 0010 01 01 00 02 03 00 0008 04 00 0013",
	    -E_BADLEN, 0 },
	{ "proposal without transforms", SA_INIT, I, IKE_PLD_SA,
	    "00 00 000c 00 00 0008 01 01 00 00", -E_SYNTAX, 0 },
	{ "65 transforms", SA_INIT, I, IKE_PLD_SA,
	    "00 00 000c 00 00 0008 01 01 00 41", -E_TOOMANY, 0 },
	{ "bytes after the transforms", SA_INIT, I, IKE_PLD_SA,
	    "00 00 0018 00 00 0014 01 01 00 01 00 00 0008 04 00 0013"
	    "00000000", -E_TRAILING, 0 },
	{ "Key Length in TLV form", SA_INIT, I, IKE_PLD_SA,
	    "00 00 0018 00 00 0014 01 01 00 01"
	    "00 00 000c 01 00 000c 000e 0000", -E_SYNTAX, 0 },
	{ "Key Length twice", SA_INIT, I, IKE_PLD_SA,
	    "00 00 001c 00 00 0018 01 01 00 01"
	    "00 00 0010 01 00 000c 800e 0080 800e 0100", -E_DUP,
	    IKE_PLD_SA },
	{ "TLV attribute past the transform", SA_INIT, I, IKE_PLD_SA,
	    "00 00 0018 00 00 0014 01 01 00 01"
	    "00 00 000c 01 00 000c 0011 0004", -E_BADLEN, 0 },

	/* Traffic selectors (3.13). */
	{ "TS IPv4 selector of 15 bytes", AUTH, I, IKE_PLD_TSI,
	    "00 00 0017 01 000000 07 00 000f 0000 ffff 0a000000 0a0000",
	    -E_BADLEN, IKE_PLD_TSI },
	{ "TS IPv6 selector of 16 bytes", AUTH, I, IKE_PLD_TSR,
	    "00 00 0018 01 000000 08 00 0010 0000 ffff 0a000000 0a0000ff",
	    -E_BADLEN, IKE_PLD_TSR },
	{ "TS start address above end", AUTH, I, IKE_PLD_TSI,
	    "00 00 0018 01 000000 07 00 0010 0000 ffff 0a000001 0a000000",
	    -E_RANGE, IKE_PLD_TSI },
	{ "TS start port above end", AUTH, I, IKE_PLD_TSI,
	    "00 00 0018 01 000000 07 06 0010 0050 0035 0a000000 0a0000ff",
	    -E_RANGE, IKE_PLD_TSI },
	{ "TS count 2, one selector", AUTH, I, IKE_PLD_TSI,
	    "00 00 0018 02 000000 07 00 0010 0000 ffff 0a000000 0a0000ff",
	    -E_BADLEN, 0 },
	{ "TS count 0", AUTH, I, IKE_PLD_TSI, "00 00 0008 00 000000",
	    -E_SYNTAX, 0 },
	{ "TS bytes after the selectors", AUTH, I, IKE_PLD_TSI,
	    "00 00 001c 01 000000 07 00 0010 0000 ffff 0a000000 0a0000ff"
	    "00000000", -E_TRAILING, 0 },
	{ "duplicate TSi", AUTH, I, IKE_PLD_TSI, TS4("2c") TS4("00"),
	    -E_DUP, IKE_PLD_TSI },

	/* Delete (3.11). */
	{ "DELETE count 2, one SPI", INFO, I, IKE_PLD_DELETE,
	    "00 00 000c 03 04 0002 aabbccdd", -E_BADLEN, IKE_PLD_DELETE },
	{ "DELETE count 1, two SPIs", INFO, I, IKE_PLD_DELETE,
	    "00 00 0010 03 04 0001 aabbccdd 11223344", -E_BADLEN, 0 },
	{ "DELETE of the IKE SA with SPI size 8", INFO, I, IKE_PLD_DELETE,
	    "00 00 0010 01 08 0001 0102030405060708", -E_RANGE, 0 },
	{ "DELETE ESP with SPI size 3", INFO, I, IKE_PLD_DELETE,
	    "00 00 000b 03 03 0001 aabbcc", -E_RANGE, 0 },

	/* Configuration (3.15). */
	{ "CP attribute past the end", AUTH, I, IKE_PLD_CP,
	    "00 00 000c 01 000000 0001 0004", -E_BADLEN, IKE_PLD_CP },
	{ "CP INTERNAL_IP4_ADDRESS of 3 bytes", AUTH, R, IKE_PLD_CP,
	    "00 00 000f 02 000000 0001 0003 0a0000", -E_BADLEN, 0 },
	{ "CP type 5", AUTH, I, IKE_PLD_CP, "00 00 0008 05 000000",
	    -E_RANGE, 0 },
	{ "CP attribute header cut", AUTH, I, IKE_PLD_CP,
	    "00 00 000a 01 000000 0001", -E_SHORT, 0 },
	{ "duplicate CP", AUTH, I, IKE_PLD_CP,
	    "2f 00 0008 01 000000  00 00 0008 01 000000", -E_DUP,
	    IKE_PLD_CP },

	/* EAP (3.16, RFC 3748 4). */
	{ "EAP Length above the payload", AUTH, I, IKE_PLD_EAP,
	    "00 00 000d 02 07 000a 01 75736572", -E_BADLEN, IKE_PLD_EAP },
	{ "EAP Length below the payload", AUTH, I, IKE_PLD_EAP,
	    "00 00 000d 02 07 0008 01 75736572", -E_BADLEN, 0 },
	{ "EAP success with data", AUTH, R, IKE_PLD_EAP,
	    "00 00 0009 03 07 0005 00", -E_BADLEN, 0 },
	{ "EAP request without a type", AUTH, R, IKE_PLD_EAP,
	    "00 00 0008 01 07 0004", -E_BADLEN, 0 },
	{ "EAP code 7", AUTH, R, IKE_PLD_EAP, "00 00 0008 07 07 0004",
	    -E_RANGE, 0 },
	{ "duplicate EAP", AUTH, R, IKE_PLD_EAP,
	    "30 00 0008 03 07 0004  00 00 0008 03 07 0004", -E_DUP,
	    IKE_PLD_EAP },

	/* Encrypted Fragment (RFC 7383 2.5). */
	{ "SKF fragment number 0", AUTH, I, IKE_PLD_SKF,
	    "23 00 000c 0000 0002 01020304", -E_RANGE, IKE_PLD_SKF },
	{ "SKF fragment 3 of 2", AUTH, I, IKE_PLD_SKF,
	    "23 00 000c 0003 0002 01020304", -E_RANGE, IKE_PLD_SKF },
	{ "SKF not last", AUTH, I, IKE_PLD_SKF,
	    "23 00 000c 0001 0001 01020304  00 00 0004", -E_SYNTAX, 0 },
	{ "SKF header cut", AUTH, I, IKE_PLD_SKF, "23 00 0006 0001",
	    -E_SHORT, 0 },

	/* Notify (3.10). */
	{ "notify SPI size 16", SA_INIT, I, IKE_PLD_NOTIFY,
	    "00 00 0018 03 10 4009 00112233445566778899aabbccddeeff",
	    -E_RANGE, IKE_PLD_NOTIFY },
	{ "notify SPI size 4, 2 bytes left", SA_INIT, I, IKE_PLD_NOTIFY,
	    "00 00 000a 03 04 4009 aabb", -E_BADLEN, 0 },
	{ "notify SPI size 4 for IKE", SA_INIT, I, IKE_PLD_NOTIFY,
	    "00 00 000c 01 04 4009 aabbccdd", -E_RANGE, 0 },
	{ "NAT_DETECTION_SOURCE_IP of 19 bytes", SA_INIT, I, IKE_PLD_NOTIFY,
	    "00 00 001b 00 00 4004"
	    "5353535353 5353535353 5353535353 53535353", -E_BADLEN, 0 },
	{ "COOKIE of 65 bytes", SA_INIT, R, IKE_PLD_NOTIFY, cookie65,
	    -E_BADLEN, 0 },
	{ "COOKIE empty", SA_INIT, R, IKE_PLD_NOTIFY, "00 00 0008 00 00 4006",
	    -E_BADLEN, 0 },
	{ "INVALID_KE_PAYLOAD of 1 byte", SA_INIT, R, IKE_PLD_NOTIFY,
	    "00 00 0009 00 00 0011 00", -E_BADLEN, 0 },
	{ "notify of 3 bytes", SA_INIT, I, IKE_PLD_NOTIFY,
	    "00 00 0007 00 00 40", -E_SHORT, 0 },

	/* ID (3.5), AUTH (3.8), CERT (3.6), CERTREQ (3.7). */
	{ "IDi IPV4_ADDR of 5 bytes", AUTH, I, IKE_PLD_IDI,
	    "00 00 000d 01 000000 0a00000102", -E_BADLEN, IKE_PLD_IDI },
	{ "IDr IPV6_ADDR of 4 bytes", AUTH, R, IKE_PLD_IDR,
	    "00 00 000c 05 000000 0a000001", -E_BADLEN, IKE_PLD_IDR },
	{ "IDi FQDN empty", AUTH, I, IKE_PLD_IDI, "00 00 0008 02 000000",
	    -E_SYNTAX, 0 },
	{ "AUTH empty", AUTH, I, IKE_PLD_AUTH, "00 00 0008 02 000000",
	    -E_SYNTAX, IKE_PLD_AUTH },
	{ "duplicate AUTH", AUTH, I, IKE_PLD_AUTH,
	    "27 00 000c 02 000000 01020304  00 00 000c 02 000000 01020304",
	    -E_DUP, IKE_PLD_AUTH },
	{ "CERT empty", AUTH, R, IKE_PLD_CERT, "00 00 0005 04", -E_SYNTAX,
	    IKE_PLD_CERT },
	{ "CERTREQ X.509 of 21 bytes", SA_INIT, R, IKE_PLD_CERTREQ,
	    "00 00 001a 04 abababababababababababababababababababab ab",
	    -E_BADLEN, IKE_PLD_CERTREQ },
};

static void
cat(char *dst, size_t max, const char *fmt, ...)
{
	size_t n = strlen(dst);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dst + n, max - n, fmt, ap);
	va_end(ap);
}

static void
make_bodies(void)
{
	int i;

	/* Vendor IDs of 4 bytes, each naming the next as another V. */
	for (i = 0; i < 63; i++)
		cat(v64, sizeof(v64), "2b000004");
	cat(v64, sizeof(v64), "00000004");
	for (i = 0; i < 64; i++)
		cat(v65, sizeof(v65), "2b000004");
	cat(v65, sizeof(v65), "00000004");
	cat(nonce256, sizeof(nonce256), "00000104");
	for (i = 0; i < 256; i++)
		cat(nonce256, sizeof(nonce256), "%02x", i);
	cat(nonce257, sizeof(nonce257), "00000105");
	for (i = 0; i < 257; i++)
		cat(nonce257, sizeof(nonce257), "%02x", i & 0xff);
	/* 16 and 17 proposals numbered 1.., each IKE with one DH. */
	cat(props16, sizeof(props16), "00000104");
	for (i = 1; i <= 16; i++)
		cat(props16, sizeof(props16),
		    "%02x000010%02x010001000000080400 0013", i < 16 ? 2 : 0, i);
	cat(props17, sizeof(props17), "00000114");
	for (i = 1; i <= 17; i++)
		cat(props17, sizeof(props17),
		    "%02x000010%02x010001000000080400 0013", i < 17 ? 2 : 0, i);
	/* COOKIE notify with 65 bytes of data (2.6 allows 1..64). */
	cat(cookie65, sizeof(cookie65), "00000049 0000 4006");
	for (i = 0; i < 65; i++)
		cat(cookie65, sizeof(cookie65), "cc");
}

/* Parses and verifies d[0..n) from an exactly sized heap copy; for a
 * trailing SK or SKF, also the body as an inner chain. Returns the first
 * error, and the verify bad type in *bad. */
static int
run(const uint8_t *d, size_t n, uint8_t *bad)
{
	static struct ike_msg m, in;
	const struct ike_msg_pld *last;
	struct span plain;
	uint8_t *copy;
	int r;

	*bad = 0;
	if ((copy = malloc(n ? n : 1)) == NULL)
		return -E_NOMEM;
	if (n > 0)
		memcpy(copy, d, n);
	if ((r = ike_msg_parse(span_make(copy, n), &m)) != 0 ||
	    (r = ike_msg_verify(&m, bad)) != 0)
		goto out;
	if (m.npld == 0)
		goto out;
	last = &m.pld[m.npld - 1];
	if (last->type != IKE_PLD_SK && last->type != IKE_PLD_SKF)
		goto out;
	plain = last->body;
	if (last->type == IKE_PLD_SKF && span_skip(&plain, 4) != 0)
		goto out;
	if ((r = ike_msg_parse_inner(&m.hdr, last->next, plain, &in)) != 0)
		goto out;
	r = ike_msg_verify(&in, bad);
out:
	free(copy);
	return r;
}

static int
clean(int r)
{
	switch (-r) {
	case 0:
	case E_SHORT:
	case E_BADLEN:
	case E_TRAILING:
	case E_RANGE:
	case E_DUP:
	case E_CRITICAL:
	case E_TOOMANY:
	case E_SYNTAX:
	case E_VERSION:
		return 1;
	default:
		return 0;
	}
}

static void
test_table(void)
{
	static uint8_t d[4096];
	const struct mcase *c;
	uint8_t bad;
	size_t i, n;
	int r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = &cases[i];
		if (c->exch == RAW)
			n = tap_unhex(c->body, d, sizeof(d));
		else {
			/* SPIi, SPIr, next, version 2.0, exchange, flags,
			 * Message ID 0, Length. */
			n = tap_unhex("0102030405060708 1112131415161718",
			    d, sizeof(d));
			d[n++] = c->next;
			d[n++] = IKE_VERSION;
			d[n++] = c->exch;
			d[n++] = c->flags;
			memset(d + n, 0, 8);
			n += 8;
			n += tap_unhex(c->body, d + n, sizeof(d) - n);
			d[24] = (uint8_t)(n >> 24);
			d[25] = (uint8_t)(n >> 16);
			d[26] = (uint8_t)(n >> 8);
			d[27] = (uint8_t)n;
		}
		r = run(d, n, &bad);
		is_int(r, c->want, "%s: %s", c->name, err_name(c->want));
		if (c->bad != 0)
			is_int(bad, c->bad, "%s: offending payload type",
			    c->name);
	}
}

/* The inner chain of an SK payload is walked by the same rules. */
static void
test_inner(void)
{
	static struct ike_msg in;
	static uint8_t d[256];
	struct ike_msg_hdr h;
	uint8_t bad;
	size_t n;

	memset(&h, 0, sizeof(h));
	h.spi_i = 1;
	h.exch = IKE_EXCH_AUTH;
	/* A Vendor ID, then an SK payload. */
	n = tap_unhex("2e 00 0008 01020304  00 00 0004", d, sizeof(d));
	is_int(ike_msg_parse_inner(&h, IKE_PLD_VENDOR, span_make(d, n), &in),
	    -E_SYNTAX, "inner: SK inside SK");
	n = tap_unhex("00 00 000c 0001 0001 01020304", d, sizeof(d));
	is_int(ike_msg_parse_inner(&h, IKE_PLD_SKF, span_make(d, n), &in),
	    -E_SYNTAX, "inner: SKF inside SK");
	n = tap_unhex("00 00 0004 00", d, sizeof(d));
	is_int(ike_msg_parse_inner(&h, IKE_PLD_VENDOR, span_make(d, n), &in),
	    -E_TRAILING, "inner: bytes after the chain");
	is_int(ike_msg_parse_inner(&h, IKE_PLD_NONE, span_make(d, n), &in),
	    -E_TRAILING, "inner: bytes but no first payload");
	is_int(ike_msg_parse_inner(&h, IKE_PLD_NONE, span_make(d, 0), &in),
	    0, "inner: empty chain (DPD)");
	n = tap_unhex("27 00 000c 02 000000 01020304"
	    "00 00 000c 02 000000 01020304", d, sizeof(d));
	is_int(ike_msg_parse_inner(&h, IKE_PLD_AUTH, span_make(d, n), &in),
	    0, "inner: two AUTH walk");
	is_int(ike_msg_verify(&in, &bad), -E_DUP, "inner: two AUTH verify");
	is_int(bad, IKE_PLD_AUTH, "inner: offending type");
	n = tap_unhex("00 00 0014" PROP("00", "01"), d, sizeof(d));
	is_int(ike_msg_parse_inner(&h, IKE_PLD_SA, span_make(d, n), &in), 0,
	    "inner: IKE SA proposal walks");
	is_int(ike_msg_verify(&in, &bad), -E_RANGE,
	    "inner: IKE proposal refused in IKE_AUTH (outer header)");
}

static void
test_notify_map(void)
{
	is_int(ike_msg_err_notify(-E_SHORT), IKE_N_INVALID_SYNTAX, "SHORT");
	is_int(ike_msg_err_notify(-E_BADLEN), IKE_N_INVALID_SYNTAX, "BADLEN");
	is_int(ike_msg_err_notify(-E_TRAILING), IKE_N_INVALID_SYNTAX,
	    "TRAILING");
	is_int(ike_msg_err_notify(-E_RANGE), IKE_N_INVALID_SYNTAX, "RANGE");
	is_int(ike_msg_err_notify(-E_DUP), IKE_N_INVALID_SYNTAX, "DUP");
	is_int(ike_msg_err_notify(-E_TOOMANY), IKE_N_INVALID_SYNTAX,
	    "TOOMANY");
	is_int(ike_msg_err_notify(-E_SYNTAX), IKE_N_INVALID_SYNTAX, "SYNTAX");
	is_int(ike_msg_err_notify(-E_CRITICAL),
	    IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD, "CRITICAL -> 1");
	is_int(ike_msg_err_notify(-E_VERSION), IKE_N_INVALID_MAJOR_VERSION,
	    "VERSION -> 5");
	is_int(ike_msg_err_notify(E_VERSION), IKE_N_INVALID_MAJOR_VERSION,
	    "sign ignored");
	is_int(ike_msg_err_notify(-E_NOMEM), 0, "NOMEM -> no notify");
	is_int(ike_msg_err_notify(0), 0, "success -> no notify");
}

/* Runs the truncation and bit-flip sweeps over one seed. */
static void
sweep(const char *name, const uint8_t *d, size_t n)
{
	static uint8_t buf[65536];
	size_t len, i, unclean = 0, wrong_short = 0, hdr_accepted = 0;
	size_t wrong_version = 0, accepted = 0, rejected = 0;
	uint8_t bad;
	int r;

	if (n > sizeof(buf)) {
		ok(0, "%s: seed too large", name);
		return;
	}
	/* Every truncation: the header Length now exceeds the datagram
	 * (the version, when wrong, is reported first). */
	for (len = 0; len < n; len++)
		if (run(d, len, &bad) != (len >= IKE_HDR_LEN &&
		    (d[17] >> 4) != 2 ? -E_VERSION : -E_SHORT))
			wrong_short++;
	is_int(wrong_short, 0, "%s: all %zu truncations are E_SHORT", name,
	    n);
	/* Every truncation with Length patched to match: the chain itself
	 * is cut at every byte. */
	for (len = IKE_HDR_LEN; len < n; len++) {
		memcpy(buf, d, len);
		buf[24] = (uint8_t)(len >> 24);
		buf[25] = (uint8_t)(len >> 16);
		buf[26] = (uint8_t)(len >> 8);
		buf[27] = (uint8_t)len;
		if (!clean(run(buf, len, &bad)))
			unclean++;
	}
	is_int(unclean, 0, "%s: consistent truncations end cleanly", name);
	/* Every single-bit flip. */
	for (i = 0; i < n * 8; i++) {
		memcpy(buf, d, n);
		buf[i / 8] ^= (uint8_t)(1 << (i % 8));
		r = run(buf, n, &bad);
		if (!clean(r))
			unclean++;
		r == 0 ? accepted++ : rejected++;
		/* A changed Length no longer matches the datagram. */
		if (i / 8 >= 24 && i / 8 < 28 && r == 0)
			hdr_accepted++;
		/* Any change to the major version nibble of a version 2
		 * seed. */
		if (i / 8 == 17 && i % 8 >= 4 && (d[17] >> 4) == 2 &&
		    r != -E_VERSION)
			wrong_version++;
	}
	ok(unclean == 0 && hdr_accepted == 0 && wrong_version == 0 &&
	    rejected > 0, "%s: %zu bit flips end cleanly (%zu accepted)",
	    name, n * 8, accepted);
}

static int
only_files(const struct dirent *e)
{
	return e->d_name[0] != '.';
}

static void
test_sweeps(void)
{
	const char *srcdir = getenv("SRCDIR");
	static uint8_t d[65536];
	struct dirent **names;
	char path[8192];
	size_t n;
	FILE *f;
	int i, k;

	snprintf(path, sizeof(path), "%s/t/fuzz/corpus/ike-msg",
	    srcdir != NULL ? srcdir : ".");
	if ((k = scandir(path, &names, only_files, alphasort)) < 0) {
		skip("no seed corpus at %s (set SRCDIR)", path);
		return;
	}
	for (i = 0; i < k; i++) {
		snprintf(path, sizeof(path), "%s/t/fuzz/corpus/ike-msg/%s",
		    srcdir != NULL ? srcdir : ".", names[i]->d_name);
		if ((f = fopen(path, "rb")) == NULL) {
			ok(0, "%s: readable", names[i]->d_name);
			free(names[i]);
			continue;
		}
		n = fread(d, 1, sizeof(d), f);
		fclose(f);
		sweep(names[i]->d_name, d, n);
		free(names[i]);
	}
	free(names);
}

int
main(void)
{
	make_bodies();
	test_table();
	test_inner();
	test_notify_map();
	test_sweeps();
	return done_testing();
}
