/*
 * 1002-xform-aead: every usable AEAD entry of every backend against the
 * published AES-GCM and ChaCha20-Poly1305 vectors; a flipped bit in tag,
 * ciphertext or AAD must give -E_AUTH; in-place round trips of every
 * length 0..2000; and no allocation per packet on the OpenSSL backend.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/xform.h"
#include "t/ossl_alloc.h"
#include "t/tap.h"

#define MAX_VEC		320
#define MAX_LEN		2000

struct vec {
	const char	*name;
	uint16_t	 ike_id;
	uint16_t	 key_bits;
	/* iv is the 12-byte GCM IV / RFC 8439 nonce; the API takes it as
	 * the 4-byte salt from the key material followed by the 8-byte
	 * explicit IV (RFC 4106 4, RFC 7634 2). */
	const char	*key, *iv, *aad, *pt, *ct, *tag;
};

#define GCM		XFORM_ENCR_AES_GCM_16
#define CHACHA		XFORM_ENCR_CHACHA20_POLY1305

/* The plaintext of GCM test cases 3/4 and 15/16. */
#define GCM_P \
	"d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72" \
	"1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
#define GCM_K	"feffe9928665731c6d6a8f9467308308"
#define GCM_IV	"cafebabefacedbaddecaf888"
#define GCM_A	"feedfacedeadbeeffeedfacedeadbeefabaddad2"
#define ZERO16	"00000000000000000000000000000000"

static const struct vec vecs[] = {
	/*
	 * McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)",
	 * Appendix B (the cases with 96-bit IVs), as repeated in the NIST
	 * GCM specification. Test Case 1: empty plaintext, no AAD.
	 */
	{ "GCM TC1", GCM, 128, ZERO16, "000000000000000000000000", "", "",
	    "", "58e2fccefa7e3061367f1d57a4e7455a" },
	/* Test Case 2: one zero block. */
	{ "GCM TC2", GCM, 128, ZERO16, "000000000000000000000000", "",
	    ZERO16, "0388dace60b6a392f328c2b971b2fe78",
	    "ab6e47d42cec13bdf53a67b21257bddf" },
	/* Test Case 3: four blocks, no AAD. */
	{ "GCM TC3", GCM, 128, GCM_K, GCM_IV, "", GCM_P "1aafd255",
	    "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
	    "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
	    "4d5c2af327cd64a62cf35abd2ba6fab4" },
	/* Test Case 4: 60 bytes (a partial block) with 20 bytes of AAD. */
	{ "GCM TC4", GCM, 128, GCM_K, GCM_IV, GCM_A, GCM_P,
	    "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
	    "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
	    "5bc94fbc3221a5db94fae95ae7121a47" },
	/* Test Case 13: AES-256, empty plaintext, no AAD. */
	{ "GCM TC13", GCM, 256, ZERO16 ZERO16, "000000000000000000000000",
	    "", "", "", "530f8afbc74536b9a963b4f1c4cb738b" },
	/* Test Case 14: AES-256, one zero block. */
	{ "GCM TC14", GCM, 256, ZERO16 ZERO16, "000000000000000000000000",
	    "", ZERO16, "cea7403d4d606b6e074ec5d3baf39d18",
	    "d0d1c8a799996bf0265b98b5d48ab919" },
	/* Test Case 15: AES-256, four blocks, no AAD. */
	{ "GCM TC15", GCM, 256, GCM_K GCM_K, GCM_IV, "", GCM_P "1aafd255",
	    "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
	    "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
	    "b094dac5d93471bdec1a502270e3cc6c" },
	/* Test Case 16: AES-256, 60 bytes with AAD. */
	{ "GCM TC16", GCM, 256, GCM_K GCM_K, GCM_IV, GCM_A, GCM_P,
	    "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
	    "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
	    "76fc6ece0f4e1768cddf8853bb2d551b" },
	/* RFC 8439 2.8.2: AEAD_CHACHA20_POLY1305 example. */
	{ "RFC 8439 2.8.2", CHACHA, 256,
	    "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
	    "070000004041424344454647", "50515253c0c1c2c3c4c5c6c7",
	    "4c616469657320616e642047656e746c656d656e206f662074686520636c6173"
	    "73206f66202739393a204966204920636f756c64206f6666657220796f75206f"
	    "6e6c79206f6e652074697020666f7220746865206675747572652c2073756e73"
	    "637265656e20776f756c642062652069742e",
	    "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
	    "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
	    "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
	    "3ff4def08e4b7a9de576d26586cec64b6116",
	    "1ae10b594f09e26a7e902ecbd0600691" },
	/* RFC 8439 A.5: ChaCha20-Poly1305 AEAD decryption (265 bytes). */
	{ "RFC 8439 A.5", CHACHA, 256,
	    "1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0",
	    "000000000102030405060708", "f33388860000000000004e91",
	    "496e7465726e65742d4472616674732061726520647261667420646f63756d65"
	    "6e74732076616c696420666f722061206d6178696d756d206f6620736978206d"
	    "6f6e74687320616e64206d617920626520757064617465642c207265706c6163"
	    "65642c206f72206f62736f6c65746564206279206f7468657220646f63756d65"
	    "6e747320617420616e792074696d652e20497420697320696e617070726f7072"
	    "6961746520746f2075736520496e7465726e65742d4472616674732061732072"
	    "65666572656e6365206d6174657269616c206f7220746f206369746520746865"
	    "6d206f74686572207468616e206173202fe2809c776f726b20696e2070726f67"
	    "726573732e2fe2809d",
	    "64a0861575861af460f062c79be643bd5e805cfd345cf389f108670ac76c8cb2"
	    "4c6cfc18755d43eea09ee94e382d26b0bdb7b73c321b0100d4f03b7f355894cf"
	    "332f830e710b97ce98c8a84abd0b948114ad176e008d33bd60f982b1ff37c855"
	    "9797a06ef4f0ef61c186324e2b3506383606907b6a7c02b0f9f6157b53c867e4"
	    "b9166c767b804d46a59b5216cde7a4e99040c5a40433225ee282a1b0a06c523e"
	    "af4534d7f83fa1155b0047718cbc546a0d072b04b3564eea1b422273f548271a"
	    "0bb2316053fa76991955ebd63159434ecebb4e466dae5a1073a6727627097a10"
	    "49e617d91d361094fa68f0ff77987130305beaba2eda04df997b714d6c6f2c29"
	    "a6ad5cb4022b02709b",
	    "eead9d67890cbb22392336fea1851f38" },
};

static void *
ctx_new(size_t size)
{
	size_t n;

	n = (size + XFORM_CTX_ALIGN - 1) / XFORM_CTX_ALIGN * XFORM_CTX_ALIGN;
	if (n == 0)
		n = XFORM_CTX_ALIGN;
	return aligned_alloc(XFORM_CTX_ALIGN, n);
}

static void
rnd(void *p, size_t n)
{
	if (xform_random(p, n) != 0)
		abort();
}

/* Runs vector v on entry a: seal, open, and three kinds of tampering. */
static void
check_vec(const struct xform_aead *a, const struct vec *v)
{
	static uint8_t key[64], iv[12], nonce[XFORM_AEAD_NONCE_LEN];
	static uint8_t aad[64], pt[MAX_VEC], ct[MAX_VEC], tag[16];
	static uint8_t buf[MAX_VEC + 16], bad_aad[65];
	size_t keylen, aadlen, len;
	void *ctx;

	keylen = tap_unhex(v->key, key, sizeof(key));
	tap_unhex(v->iv, iv, sizeof(iv));
	aadlen = tap_unhex(v->aad, aad, sizeof(aad));
	len = tap_unhex(v->pt, pt, sizeof(pt));
	tap_unhex(v->ct, ct, sizeof(ct));
	tap_unhex(v->tag, tag, sizeof(tag));
	/* nonce = salt (4) || explicit IV (8). */
	memcpy(nonce, iv, XFORM_AEAD_SALT_LEN);
	memcpy(nonce + XFORM_AEAD_SALT_LEN, iv + XFORM_AEAD_SALT_LEN,
	    XFORM_AEAD_IV_LEN);

	if ((ctx = ctx_new(a->ctx_size)) == NULL)
		abort();
	is_int(a->init(ctx, key, keylen), 0, "%s/%s %s: init", a->name,
	    a->backend, v->name);
	memcpy(buf, pt, len);
	is_int(a->seal(ctx, nonce, span_make(aad, aadlen), buf, len), 0,
	    "%s/%s %s: seal", a->name, a->backend, v->name);
	is_mem(buf, ct, len, "%s/%s %s: ciphertext", a->name, a->backend,
	    v->name);
	is_mem(buf + len, tag, 16, "%s/%s %s: tag", a->name, a->backend,
	    v->name);
	is_int(a->open(ctx, nonce, span_make(aad, aadlen), buf, len), 0,
	    "%s/%s %s: open", a->name, a->backend, v->name);
	is_mem(buf, pt, len, "%s/%s %s: plaintext", a->name, a->backend,
	    v->name);

	/* Tag: flip the low bit of its last byte. */
	memcpy(buf, ct, len);
	memcpy(buf + len, tag, 16);
	buf[len + 15] ^= 0x01;
	is_int(a->open(ctx, nonce, span_make(aad, aadlen), buf, len),
	    -E_AUTH, "%s/%s %s: flipped tag bit", a->name, a->backend,
	    v->name);
	/* Ciphertext: flip the top bit of its first byte. */
	if (len > 0) {
		memcpy(buf, ct, len);
		memcpy(buf + len, tag, 16);
		buf[0] ^= 0x80;
		is_int(a->open(ctx, nonce, span_make(aad, aadlen), buf, len),
		    -E_AUTH, "%s/%s %s: flipped ciphertext bit", a->name,
		    a->backend, v->name);
	}
	/* AAD: flip a bit, or add a byte when there is none. */
	memcpy(bad_aad, aad, aadlen);
	if (aadlen > 0)
		bad_aad[aadlen - 1] ^= 0x01;
	else
		bad_aad[0] = 0;
	memcpy(buf, ct, len);
	memcpy(buf + len, tag, 16);
	is_int(a->open(ctx, nonce, span_make(bad_aad, aadlen > 0 ? aadlen : 1),
	    buf, len), -E_AUTH, "%s/%s %s: altered AAD", a->name, a->backend,
	    v->name);
	/* The ctx stays usable after failures. */
	memcpy(buf, ct, len);
	memcpy(buf + len, tag, 16);
	ok(a->open(ctx, nonce, span_make(aad, aadlen), buf, len) == 0 &&
	    memcmp(buf, pt, len) == 0, "%s/%s %s: open after failures",
	    a->name, a->backend, v->name);
	a->cleanup(ctx);
	free(ctx);
}

/*
 * Seals and opens every length 0..MAX_LEN in place with a random key,
 * nonce and AAD, on one ctx (as an SA does), and counts failures.
 */
static void
round_trips(const struct xform_aead *a)
{
	static uint8_t pt[MAX_LEN], buf[MAX_LEN + 16];
	uint8_t key[XFORM_MAX_KEY_LEN], nonce[XFORM_AEAD_NONCE_LEN], aad[12];
	size_t len, bad = 0, same = 0;
	void *ctx;

	if ((ctx = ctx_new(a->ctx_size)) == NULL)
		abort();
	rnd(key, sizeof(key));
	rnd(pt, sizeof(pt));
	if (a->init(ctx, key, a->key_bits / 8u) != 0)
		bad++;
	for (len = 0; len <= MAX_LEN && bad == 0; len++) {
		rnd(nonce, sizeof(nonce));
		rnd(aad, sizeof(aad));
		memcpy(buf, pt, len);
		if (a->seal(ctx, nonce, span_make(aad, len % 13), buf,
		    len) != 0)
			bad++;
		if (len >= 16 && memcmp(buf, pt, len) == 0)
			same++;
		if (a->open(ctx, nonce, span_make(aad, len % 13), buf, len) !=
		    0 || memcmp(buf, pt, len) != 0)
			bad++;
	}
	is_int(bad, 0, "%s/%s: in-place round trips, lengths 0..%d", a->name,
	    a->backend, MAX_LEN);
	is_int(same, 0, "%s/%s: ciphertext differs from plaintext", a->name,
	    a->backend);
	a->cleanup(ctx);
	free(ctx);
}

/* Contract: a key of the wrong length is -E_INVAL, and cleanup is safe
 * after the failed init. */
static void
bad_key(const struct xform_aead *a)
{
	uint8_t key[XFORM_MAX_KEY_LEN] = { 0 };
	void *ctx;

	if ((ctx = ctx_new(a->ctx_size)) == NULL)
		abort();
	is_int(a->init(ctx, key, a->key_bits / 8u - 1), -E_INVAL,
	    "%s/%s: short key refused", a->name, a->backend);
	a->cleanup(ctx);
	free(ctx);
}

/* Contract: seal and open never allocate. Counts OpenSSL's allocations
 * over a burst of packets on an initialized ctx. */
static void
no_alloc(const struct xform_aead *a, int hooked)
{
	static uint8_t buf[1400 + 16];
	uint8_t key[XFORM_MAX_KEY_LEN] = { 1 }, nonce[12] = { 2 }, aad[8];
	unsigned long before;
	int i, bad = 0;
	void *ctx;

	if (!hooked) {
		skip("%s/%s: OpenSSL refused the allocation hook", a->name,
		    a->backend);
		return;
	}
	if ((ctx = ctx_new(a->ctx_size)) == NULL)
		abort();
	memset(aad, 3, sizeof(aad));
	if (a->init(ctx, key, a->key_bits / 8u) != 0)
		bad++;
	before = ossl_allocs;
	for (i = 0; i < 100 && bad == 0; i++) {
		nonce[11] = (uint8_t)i;
		if (a->seal(ctx, nonce, span_make(aad, 8), buf, 1400) != 0 ||
		    a->open(ctx, nonce, span_make(aad, 8), buf, 1400) != 0)
			bad++;
	}
	ok(bad == 0 && ossl_allocs == before,
	    "%s/%s: 100 seal+open, no allocation (%lu)", a->name, a->backend,
	    ossl_allocs - before);
	a->cleanup(ctx);
	free(ctx);
}

int
main(void)
{
	const struct xform_backend *const *be;
	const struct xform_aead *const *a;
	size_t i;
	int hooked, tested = 0;

	hooked = ossl_alloc_hook();
	if (xform_init("auto") != 0)
		skip_all("xform_init failed");
	for (be = xform_backends(); *be != NULL; be++) {
		for (a = (*be)->aead; a != NULL && *a != NULL; a++) {
			if (!xform_aead_usable(*a)) {
				diag("%s/%s: not usable here, skipped",
				    (*a)->name, (*a)->backend);
				continue;
			}
			if ((*a)->ike_id == GCM || (*a)->ike_id == CHACHA)
				is_int((*a)->icv_len, 16, "%s/%s: 16-byte ICV",
				    (*a)->name, (*a)->backend);
			for (i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++)
				if (vecs[i].ike_id == (*a)->ike_id &&
				    vecs[i].key_bits == (*a)->key_bits)
					check_vec(*a, &vecs[i]);
			round_trips(*a);
			bad_key(*a);
			if (strcmp((*be)->name, "openssl") == 0)
				no_alloc(*a, hooked);
			tested++;
		}
	}
	ok(tested >= 3, "at least the three OpenSSL AEADs were tested (%d)",
	    tested);
	xform_cleanup();
	return done_testing();
}
