/*
 * 1004-xform-mac-md: every usable HMAC and digest entry of every backend
 * against RFC 2202 / RFC 4231 and FIPS 180 vectors; gather lists give the
 * same answer however the input is split; HMAC key handling (empty,
 * block-size and longer keys); the integrity and PRF transform tables (RFC
 * 4868); and no allocation per mac() on the OpenSSL backend.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/xform.h"
#include "t/ossl_alloc.h"
#include "t/tap.h"

/* Bytes given as hex, as text, or as n copies of one byte. */
struct blob {
	const char	*hex;
	const char	*text;
	uint8_t		 fill;
	size_t		 n;
};

#define HEX(h)		{ (h), NULL, 0, 0 }
#define TEXT(t)		{ NULL, (t), 0, 0 }
#define FILL(b, n)	{ NULL, NULL, (b), (n) }

struct mac_vec {
	const char	*name;
	enum xform_hash	 hash;
	struct blob	 key, data;
	const char	*mac;	/* shorter than the output: truncated */
};

#define S1	XFORM_HASH_SHA1
#define S256	XFORM_HASH_SHA256
#define S384	XFORM_HASH_SHA384
#define S512	XFORM_HASH_SHA512

#define K1	FILL(0x0b, 20)
#define D1	TEXT("Hi There")
#define K2	TEXT("Jefe")
#define D2	TEXT("what do ya want for nothing?")
#define K3	FILL(0xaa, 20)
#define D3	FILL(0xdd, 50)
#define K4	HEX("0102030405060708090a0b0c0d0e0f10111213141516171819")
#define D4	FILL(0xcd, 50)
#define K5	FILL(0x0c, 20)
#define D5	TEXT("Test With Truncation")
#define D6	TEXT("Test Using Larger Than Block-Size Key - Hash Key First")
#define D7	TEXT("This is a test using a larger than block-size key " \
		    "and a larger than block-size data. The key needs to " \
		    "be hashed before being used by the HMAC algorithm.")

static const struct mac_vec mac_vecs[] = {
	/* RFC 2202 3: HMAC-SHA-1 test cases 1-7. */
	{ "RFC 2202 case 1", S1, K1, D1,
	    "b617318655057264e28bc0b6fb378c8ef146be00" },
	{ "RFC 2202 case 2", S1, K2, D2,
	    "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79" },
	{ "RFC 2202 case 3", S1, K3, D3,
	    "125d7342b9ac11cd91a39af48aa17b4f63f175d3" },
	{ "RFC 2202 case 4", S1, K4, D4,
	    "4c9007f4026250c6bc8414f9bf50c86c2d7235da" },
	{ "RFC 2202 case 5", S1, K5, D5,
	    "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04" },
	{ "RFC 2202 case 6", S1, FILL(0xaa, 80), D6,
	    "aa4ae5e15272d00e95705637ce8a3b55ed402112" },
	{ "RFC 2202 case 7", S1, FILL(0xaa, 80),
	    TEXT("Test Using Larger Than Block-Size Key and Larger Than One "
	    "Block-Size Data"),
	    "e8e99d0f45237d786d6bbaa7965c7808bbff1a91" },

	/* RFC 4231 4.2-4.8: HMAC-SHA-256 test cases 1-7 (case 5 is
	 * published truncated to 128 bits). */
	{ "RFC 4231 case 1", S256, K1, D1,
	    "b0344c61d8db38535ca8afceaf0bf12b"
	    "881dc200c9833da726e9376c2e32cff7" },
	{ "RFC 4231 case 2", S256, K2, D2,
	    "5bdcc146bf60754e6a042426089575c7"
	    "5a003f089d2739839dec58b964ec3843" },
	{ "RFC 4231 case 3", S256, K3, D3,
	    "773ea91e36800e46854db8ebd09181a7"
	    "2959098b3ef8c122d9635514ced565fe" },
	{ "RFC 4231 case 4", S256, K4, D4,
	    "82558a389a443c0ea4cc819899f2083a"
	    "85f0faa3e578f8077a2e3ff46729665b" },
	{ "RFC 4231 case 5", S256, K5, D5,
	    "a3b6167473100ee06e0c796c2955552b" },
	{ "RFC 4231 case 6", S256, FILL(0xaa, 131), D6,
	    "60e431591ee0b67f0d8a26aacbf5b77f"
	    "8e0bc6213728c5140546040f0ee37f54" },
	{ "RFC 4231 case 7", S256, FILL(0xaa, 131), D7,
	    "9b09ffa71b942fcb27635fbcd5b0e944"
	    "bfdc63644f0713938a7f51535c3a35e2" },

	/* RFC 4231: HMAC-SHA-384. */
	{ "RFC 4231 case 1", S384, K1, D1,
	    "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec6"
	    "82aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6" },
	{ "RFC 4231 case 2", S384, K2, D2,
	    "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47"
	    "e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649" },
	{ "RFC 4231 case 3", S384, K3, D3,
	    "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9feb"
	    "e83ef4e55966144b2a5ab39dc13814b94e3ab6e101a34f27" },
	{ "RFC 4231 case 4", S384, K4, D4,
	    "3e8a69b7783c25851933ab6290af6ca77a9981480850009c"
	    "c5577c6e1f573b4e6801dd23c4a7d679ccf8a386c674cffb" },
	{ "RFC 4231 case 5", S384, K5, D5,
	    "3abf34c3503b2a23a46efc619baef897" },
	{ "RFC 4231 case 6", S384, FILL(0xaa, 131), D6,
	    "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f"
	    "3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952" },
	{ "RFC 4231 case 7", S384, FILL(0xaa, 131), D7,
	    "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9a"
	    "dccebb82461e99c5a678cc31e799176d3860e6110c46523e" },

	/* RFC 4231: HMAC-SHA-512. */
	{ "RFC 4231 case 1", S512, K1, D1,
	    "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
	    "daa833b7d6b8a702038b274eaea3f4e4"
	    "be9d914eeb61f1702e696c203a126854" },
	{ "RFC 4231 case 2", S512, K2, D2,
	    "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
	    "9758bf75c05a994a6d034f65f8f0e6fd"
	    "caeab1a34d4a6b4b636e070a38bce737" },
	{ "RFC 4231 case 3", S512, K3, D3,
	    "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39"
	    "bf3e848279a722c806b485a47e67c807"
	    "b946a337bee8942674278859e13292fb" },
	{ "RFC 4231 case 4", S512, K4, D4,
	    "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3db"
	    "a91ca5c11aa25eb4d679275cc5788063"
	    "a5f19741120c4f2de2adebeb10a298dd" },
	{ "RFC 4231 case 5", S512, K5, D5,
	    "415fad6271580a531d4179bc891d87a6" },
	{ "RFC 4231 case 6", S512, FILL(0xaa, 131), D6,
	    "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
	    "6b56d037e05f2598bd0fd2215d6a1e52"
	    "95e64f73f63f0aec8b915a985d786598" },
	{ "RFC 4231 case 7", S512, FILL(0xaa, 131), D7,
	    "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944"
	    "b6022cac3c4982b10d5eeb55c3e4de15"
	    "134676fb6de0446065c97440fa8c6a58" },
};

struct md_vec {
	const char	*name;
	enum xform_hash	 hash;
	struct blob	 data;
	const char	*md;
};

#define TWO256	TEXT("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
#define TWO512	TEXT("abcdefghbcdefghicdefghijdefghijkefghijklfghijklm" \
		    "ghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrs" \
		    "mnopqrstnopqrstu")

static const struct md_vec md_vecs[] = {
	/* FIPS 180-2 Appendix A.1/A.2 (SHA-1), B.1/B.2 (SHA-256), D.1/D.2
	 * (SHA-384), C.1/C.2 (SHA-512): one block "abc", then the two-block
	 * message. */
	{ "FIPS 180-2 A.1", S1, TEXT("abc"),
	    "a9993e364706816aba3e25717850c26c9cd0d89d" },
	{ "FIPS 180-2 A.2", S1, TWO256,
	    "84983e441c3bd26ebaae4aa1f95129e5e54670f1" },
	{ "FIPS 180-2 B.1", S256, TEXT("abc"),
	    "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad" },
	{ "FIPS 180-2 B.2", S256, TWO256,
	    "248d6a61d20638b8e5c026930c3e6039"
	    "a33ce45964ff2167f6ecedd419db06c1" },
	{ "FIPS 180-2 D.1", S384, TEXT("abc"),
	    "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded163"
	    "1a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7" },
	{ "FIPS 180-2 D.2", S384, TWO512,
	    "09330c33f71147e83d192fc782cd1b4753111b173b3b05d2"
	    "2fa08086e3b0f712fcc7c71a557e2db966c3e9fa91746039" },
	{ "FIPS 180-2 C.1", S512, TEXT("abc"),
	    "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
	    "2192992a274fc1a836ba3c23a3feebbd"
	    "454d4423643ce80e2a9ac94fa54ca49f" },
	{ "FIPS 180-2 C.2", S512, TWO512,
	    "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
	    "501d289e4900f7e4331b99dec4b5433a"
	    "c7d329eeb6dd26545e96e55b874be909" },
	/* FIPS 180-2 A.3, B.3, D.3, C.3: one million 'a'. */
	{ "FIPS 180-2 A.3", S1, FILL('a', 1000000),
	    "34aa973cd4c4daa4f61eeb2bdbad27316534016f" },
	{ "FIPS 180-2 B.3", S256, FILL('a', 1000000),
	    "cdc76e5c9914fb9281a1c7e284d73e67"
	    "f1809a48a497200e046d39ccc7112cd0" },
	{ "FIPS 180-2 D.3", S384, FILL('a', 1000000),
	    "9d0e1809716474cb086e834e310a4a1ced149e9c00f24852"
	    "7972cec5704c2a5b07b8b3dc38ecc4ebae97ddd87f3d8985" },
	{ "FIPS 180-2 C.3", S512, FILL('a', 1000000),
	    "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973eb"
	    "de0ff244877ea60a4cb0432ce577c31b"
	    "eb009c5c2c49aa2e4eadb217ad8cc09b" },
};

#define MAX_BLOB	1000000

static uint8_t key_buf[256], data_buf[MAX_BLOB];

/* Materializes b into out (max bytes); returns its length. */
static size_t
blob(const struct blob *b, uint8_t *out, size_t max)
{
	size_t n;

	if (b->hex != NULL)
		return tap_unhex(b->hex, out, max);
	if (b->text != NULL) {
		n = strlen(b->text);
		if (n > max)
			abort();
		memcpy(out, b->text, n);
		return n;
	}
	if (b->n > max)
		abort();
	memset(out, b->fill, b->n);
	return b->n;
}

static void *
ctx_new(size_t size)
{
	size_t n;

	n = (size + XFORM_CTX_ALIGN - 1) / XFORM_CTX_ALIGN * XFORM_CTX_ALIGN;
	if (n == 0)
		n = XFORM_CTX_ALIGN;
	return aligned_alloc(XFORM_CTX_ALIGN, n);
}

/*
 * Splits data into spans of 1, 2, 3, ... bytes (wrapping at 7), with an
 * empty span after each; returns the span count (at most max).
 */
static size_t
split(const uint8_t *data, size_t len, struct span *v, size_t max)
{
	size_t off = 0, n = 0, step = 1, k;

	while (off < len && n + 2 <= max) {
		k = step < len - off ? step : len - off;
		v[n++] = span_make(data + off, k);
		v[n++] = span_make(NULL, 0);
		off += k;
		step = step % 7 + 1;
	}
	if (off < len)
		v[n++] = span_make(data + off, len - off);
	return n;
}

static void
check_mac_vec(const struct xform_mac *m, const struct mac_vec *t)
{
	uint8_t want[XFORM_MAX_HASH_LEN], got[XFORM_MAX_HASH_LEN];
	uint8_t got2[XFORM_MAX_HASH_LEN];
	struct span iov[128], one;
	size_t klen, dlen, wlen, n;
	void *ctx;

	klen = blob(&t->key, key_buf, sizeof(key_buf));
	dlen = blob(&t->data, data_buf, sizeof(data_buf));
	wlen = tap_unhex(t->mac, want, sizeof(want));
	if ((ctx = ctx_new(m->ctx_size)) == NULL)
		abort();
	is_int(m->init(ctx, key_buf, klen), 0, "%s/%s %s: init", m->name,
	    m->backend, t->name);
	one = span_make(data_buf, dlen);
	memset(got, 0, sizeof(got));
	is_int(m->mac(ctx, &one, 1, got), 0, "%s/%s %s: mac", m->name,
	    m->backend, t->name);
	is_mem(got, want, wlen, "%s/%s %s: value%s", m->name, m->backend,
	    t->name, wlen < m->out_len ? " (truncated)" : "");
	/* The same message as a gather list of small pieces. */
	n = split(data_buf, dlen, iov, sizeof(iov) / sizeof(iov[0]));
	memset(got2, 0, sizeof(got2));
	ok(n > 2 && m->mac(ctx, iov, n, got2) == 0 &&
	    memcmp(got, got2, m->out_len) == 0,
	    "%s/%s %s: same value over %zu spans", m->name, m->backend,
	    t->name, n);
	m->cleanup(ctx);
	free(ctx);
}

/* Keys a fresh ctx with key, MACs msg into out, cleans up; 0 or error. */
static int
mac_once(const struct xform_mac *m, const uint8_t *key, size_t klen,
    struct span msg, uint8_t *out)
{
	void *ctx;
	int r;

	if ((ctx = ctx_new(m->ctx_size)) == NULL)
		abort();
	if ((r = m->init(ctx, key, klen)) == 0)
		r = m->mac(ctx, &msg, 1, out);
	m->cleanup(ctx);
	free(ctx);
	return r;
}

/*
 * HMAC key handling (RFC 2104 2): a key shorter than the block is
 * zero-padded, so "" and "\0\0\0" are the same key; a longer one is
 * replaced by its hash, so HMAC(K) == HMAC(H(K)). A key of exactly the
 * block size is used as is, so it differs from its hash.
 */
static void
check_keys(const struct xform_mac *m, const struct xform_md *md)
{
	static const uint8_t zeros[3];
	uint8_t k[200], hk[XFORM_MAX_HASH_LEN];
	uint8_t a[XFORM_MAX_HASH_LEN], b[XFORM_MAX_HASH_LEN];
	struct span msg = span_make("message", 7), kv;
	size_t block = m->hash == XFORM_HASH_SHA1 ||
	    m->hash == XFORM_HASH_SHA256 ? 64 : 128;
	size_t i;
	void *ctx;

	for (i = 0; i < sizeof(k); i++)
		k[i] = (uint8_t)(i * 7 + 1);
	ok(mac_once(m, (const uint8_t *)"", 0, msg, a) == 0 &&
	    mac_once(m, zeros, sizeof(zeros), msg, b) == 0 &&
	    memcmp(a, b, m->out_len) == 0,
	    "%s/%s: empty key == zero-padded key", m->name, m->backend);
	if (md == NULL) {
		skip("%s/%s: no digest entry for the long-key check", m->name,
		    m->backend);
		skip("%s/%s: no digest entry for the block-key check",
		    m->name, m->backend);
	} else {
		kv = span_make(k, block + 1);
		ok(md->digest(&kv, 1, hk) == 0 &&
		    mac_once(m, k, block + 1, msg, a) == 0 &&
		    mac_once(m, hk, m->out_len, msg, b) == 0 &&
		    memcmp(a, b, m->out_len) == 0,
		    "%s/%s: %zu-byte key == its hash", m->name, m->backend,
		    block + 1);
		kv = span_make(k, block);
		ok(md->digest(&kv, 1, hk) == 0 &&
		    mac_once(m, k, block, msg, a) == 0 &&
		    mac_once(m, hk, m->out_len, msg, b) == 0 &&
		    memcmp(a, b, m->out_len) != 0,
		    "%s/%s: %zu-byte key used as is", m->name, m->backend,
		    block);
	}
	/* One ctx, many calls, re-keyed after cleanup: each answer depends
	 * only on the current key and message. */
	if ((ctx = ctx_new(m->ctx_size)) == NULL)
		abort();
	ok(m->init(ctx, k, 32) == 0 && m->mac(ctx, &msg, 1, a) == 0 &&
	    m->mac(ctx, &msg, 1, b) == 0 && memcmp(a, b, m->out_len) == 0,
	    "%s/%s: mac() repeats on one ctx", m->name, m->backend);
	m->cleanup(ctx);
	ok(m->init(ctx, k + 1, 32) == 0 && m->mac(ctx, &msg, 1, b) == 0 &&
	    memcmp(a, b, m->out_len) != 0 &&
	    mac_once(m, k + 1, 32, msg, a) == 0 &&
	    memcmp(a, b, m->out_len) == 0,
	    "%s/%s: re-keyed ctx uses the new key", m->name, m->backend);
	m->cleanup(ctx);
	free(ctx);
}

/* Contract: mac() never allocates. */
static void
no_alloc(const struct xform_mac *m, int hooked)
{
	static uint8_t pkt[1400];
	uint8_t key[64] = { 1 }, out[XFORM_MAX_HASH_LEN];
	struct span v[2];
	unsigned long before;
	int i, bad = 0;
	void *ctx;

	if (!hooked) {
		skip("%s/%s: OpenSSL refused the allocation hook", m->name,
		    m->backend);
		return;
	}
	if ((ctx = ctx_new(m->ctx_size)) == NULL)
		abort();
	if (m->init(ctx, key, sizeof(key)) != 0)
		bad++;
	v[0] = span_make(pkt, 8);
	v[1] = span_make(pkt + 8, sizeof(pkt) - 8);
	before = ossl_allocs;
	for (i = 0; i < 100 && bad == 0; i++)
		if (m->mac(ctx, v, 2, out) != 0)
			bad++;
	ok(bad == 0 && ossl_allocs == before,
	    "%s/%s: 100 mac() calls, no allocation (%lu)", m->name,
	    m->backend, ossl_allocs - before);
	m->cleanup(ctx);
	free(ctx);
}

static void
check_md_vec(const struct xform_md *m, const struct md_vec *t)
{
	uint8_t want[XFORM_MAX_HASH_LEN], got[XFORM_MAX_HASH_LEN];
	struct span iov[1000], one;
	size_t dlen, n, i;

	dlen = blob(&t->data, data_buf, sizeof(data_buf));
	tap_unhex(t->md, want, sizeof(want));
	one = span_make(data_buf, dlen);
	memset(got, 0, sizeof(got));
	is_int(m->digest(&one, 1, got), 0, "%s/%s %s: digest", m->name,
	    m->backend, t->name);
	is_mem(got, want, m->out_len, "%s/%s %s: value", m->name, m->backend,
	    t->name);
	/* Gather list: 1000 pieces of the million, or small pieces. */
	if (dlen == 1000000) {
		for (i = 0; i < 1000; i++)
			iov[i] = span_make(data_buf + i * 1000, 1000);
		n = 1000;
	} else
		n = split(data_buf, dlen, iov, sizeof(iov) / sizeof(iov[0]));
	memset(got, 0, sizeof(got));
	ok(m->digest(iov, n, got) == 0 && memcmp(got, want, m->out_len) == 0,
	    "%s/%s %s: same value over %zu spans", m->name, m->backend,
	    t->name, n);
}

/* RFC 7296 3.3.2 and RFC 4868 2.1: hash, ICV and key lengths. */
static void
check_tables(void)
{
	static const struct {
		uint16_t	 id;
		enum xform_hash	 h;
		size_t		 icv, key;
	} integ[] = {
		{ XFORM_INTEG_HMAC_SHA1_96, S1, 12, 20 },
		{ XFORM_INTEG_HMAC_SHA2_256_128, S256, 16, 32 },
		{ XFORM_INTEG_HMAC_SHA2_384_192, S384, 24, 48 },
		{ XFORM_INTEG_HMAC_SHA2_512_256, S512, 32, 64 },
	};
	static const struct {
		uint16_t	 id;
		enum xform_hash	 h;
	} prf[] = {
		{ XFORM_PRF_HMAC_SHA1, S1 },
		{ XFORM_PRF_HMAC_SHA2_256, S256 },
		{ XFORM_PRF_HMAC_SHA2_384, S384 },
		{ XFORM_PRF_HMAC_SHA2_512, S512 },
	};
	enum xform_hash h;
	size_t i, icv, key;

	for (i = 0; i < sizeof(integ) / sizeof(integ[0]); i++) {
		h = XFORM_HASH__MAX;
		icv = key = 0;
		ok(xform_integ_info(integ[i].id, &h, &icv, &key) == 0 &&
		    h == integ[i].h && icv == integ[i].icv &&
		    key == integ[i].key,
		    "integ %u: hash %d, ICV %zu, key %zu", integ[i].id,
		    (int)integ[i].h, integ[i].icv, integ[i].key);
	}
	/* AUTH_HMAC_MD5_96 (1) and AUTH_AES_XCBC_96 (5) are not offered. */
	is_int(xform_integ_info(1, &h, &icv, &key), -E_NOTSUP,
	    "integ 1 (HMAC-MD5-96) unsupported");
	is_int(xform_integ_info(5, &h, &icv, &key), -E_NOTSUP,
	    "integ 5 (AES-XCBC-96) unsupported");
	for (i = 0; i < sizeof(prf) / sizeof(prf[0]); i++) {
		h = XFORM_HASH__MAX;
		ok(xform_prf_info(prf[i].id, &h) == 0 && h == prf[i].h,
		    "prf %u: hash %d", prf[i].id, (int)prf[i].h);
	}
	is_int(xform_prf_info(1, &h), -E_NOTSUP,
	    "prf 1 (HMAC-MD5) unsupported");
	is_int(xform_hash_len(S1), 20, "SHA-1 is 20 bytes");
	is_int(xform_hash_len(S256), 32, "SHA-256 is 32 bytes");
	is_int(xform_hash_len(S384), 48, "SHA-384 is 48 bytes");
	is_int(xform_hash_len(S512), 64, "SHA-512 is 64 bytes");
}

/* The same backend's digest entry for h, for the key-handling checks. */
static const struct xform_md *
md_for(const struct xform_backend *be, enum xform_hash h)
{
	const struct xform_md *const *d;

	for (d = be->md; d != NULL && *d != NULL; d++)
		if ((*d)->hash == h && xform_md_usable(*d))
			return *d;
	return xform_find_md(h);
}

int
main(void)
{
	const struct xform_backend *const *be;
	const struct xform_mac *const *m;
	const struct xform_md *const *d;
	size_t i;
	int hooked, macs = 0, mds = 0;

	hooked = ossl_alloc_hook();
	if (xform_init("auto") != 0)
		skip_all("xform_init failed");
	for (be = xform_backends(); *be != NULL; be++) {
		for (m = (*be)->mac; m != NULL && *m != NULL; m++) {
			if (!xform_mac_usable(*m)) {
				diag("%s/%s: not usable here, skipped",
				    (*m)->name, (*m)->backend);
				continue;
			}
			is_int((*m)->out_len, xform_hash_len((*m)->hash),
			    "%s/%s: full-length output", (*m)->name,
			    (*m)->backend);
			for (i = 0; i < sizeof(mac_vecs) / sizeof(mac_vecs[0]);
			    i++)
				if (mac_vecs[i].hash == (*m)->hash)
					check_mac_vec(*m, &mac_vecs[i]);
			check_keys(*m, md_for(*be, (*m)->hash));
			if (strcmp((*be)->name, "openssl") == 0)
				no_alloc(*m, hooked);
			macs++;
		}
		for (d = (*be)->md; d != NULL && *d != NULL; d++) {
			if (!xform_md_usable(*d)) {
				diag("%s/%s: not usable here, skipped",
				    (*d)->name, (*d)->backend);
				continue;
			}
			for (i = 0; i < sizeof(md_vecs) / sizeof(md_vecs[0]);
			    i++)
				if (md_vecs[i].hash == (*d)->hash)
					check_md_vec(*d, &md_vecs[i]);
			mds++;
		}
	}
	ok(macs >= 4 && mds >= 4, "HMAC and digests of all four hashes "
	    "tested (%d, %d)", macs, mds);
	check_tables();
	xform_cleanup();
	return done_testing();
}
