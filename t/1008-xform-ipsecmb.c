/*
 * 1008-xform-ipsecmb: what is specific to the intel-ipsec-mb backend.
 *
 * The published vectors (1002) and the cross-backend checks (1007) run on
 * every backend already. This adds: the probes match the CPU (so a backend
 * that withdrew itself by mistake cannot hide behind a fallback); nothing
 * works before the backend's init or after its cleanup, and a second init
 * works; a failed key init leaves a ctx that refuses to seal; one ctx can
 * be rekeyed from AES-128 to AES-256; cleanup wipes the ctx; a failed open
 * leaves no unauthenticated plaintext behind; and in-place seal and open
 * at every buffer and AAD misalignment, lengths 0..2000, byte-identical to
 * OpenSSL.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/xform.h"
#include "t/tap.h"

#if HAVE_IPSECMB

#define MAX_LEN		2000
#define MAX_AAD		32
#define ICV		16
/* Room for MAX_LEN at any offset 0..63 and the tag, rounded up to a
 * multiple of 64 for aligned_alloc. */
#define BUF_SIZE	((MAX_LEN + 63 + ICV + 63) / 64 * 64)

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

static int
all_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

/* Returns be's AEAD entry (ike_id, key_bits), usable or not, or NULL. */
static const struct xform_aead *
entry(const struct xform_backend *be, uint16_t ike_id, uint16_t key_bits)
{
	const struct xform_aead *const *a;

	for (a = be->aead; *a != NULL; a++)
		if ((*a)->ike_id == ike_id && (*a)->key_bits == key_bits)
			return *a;
	return NULL;
}

static const struct xform_aead *imb[3], *ossl[3];
static const char *const what[3] = {
	"aes128gcm16", "aes256gcm16", "chacha20poly1305"
};

static void
find_entries(void)
{
	static const struct {
		uint16_t	ike_id, key_bits;
	} alg[3] = {
		{ XFORM_ENCR_AES_GCM_16, 128 },
		{ XFORM_ENCR_AES_GCM_16, 256 },
		{ XFORM_ENCR_CHACHA20_POLY1305, 256 },
	};
	size_t i;

	for (i = 0; i < 3; i++) {
		imb[i] = entry(&be_ipsecmb_backend, alg[i].ike_id,
		    alg[i].key_bits);
		ossl[i] = entry(&be_openssl_backend, alg[i].ike_id,
		    alg[i].key_bits);
		if (imb[i] == NULL || ossl[i] == NULL)
			abort();
	}
}

/* Before the backend's init nothing is usable and keys are refused: the
 * library's code must never run without a set-up manager. */
static void
test_before_init(void)
{
	uint8_t key[32] = { 0 };
	void *ctx;
	size_t i;

	for (i = 0; i < 3; i++) {
		ok(imb[i]->probe() != 0, "%s: probe fails before init",
		    what[i]);
		if ((ctx = ctx_new(imb[i]->ctx_size)) == NULL)
			abort();
		is_int(imb[i]->init(ctx, key, imb[i]->key_bits / 8u),
		    -E_NOTSUP, "%s: key refused before init", what[i]);
		imb[i]->cleanup(ctx);
		free(ctx);
	}
}

/* The probes follow the CPU: AES-GCM needs AES-NI and PCLMULQDQ (with
 * less the library would emulate AES), ChaCha20-Poly1305 at least the
 * SSE4.2 of the library's no-AES-NI code. */
static void
test_probe(void)
{
	int gcm, chacha;

	__builtin_cpu_init();
	gcm = __builtin_cpu_supports("aes") && __builtin_cpu_supports("pclmul");
	chacha = __builtin_cpu_supports("sse4.2") != 0;
	diag("CPU: AES-NI+PCLMULQDQ %s, SSE4.2 %s", gcm ? "yes" : "no",
	    chacha ? "yes" : "no");
	is_int(xform_aead_usable(imb[0]) != 0, gcm,
	    "aes128gcm16 usable iff the CPU has AES-NI and PCLMULQDQ");
	is_int(xform_aead_usable(imb[1]) != 0, gcm,
	    "aes256gcm16 usable iff the CPU has AES-NI and PCLMULQDQ");
	is_int(xform_aead_usable(imb[2]) != 0, chacha,
	    "chacha20poly1305 usable iff the CPU has SSE4.2");
}

/* A failed init leaves a ctx that refuses to seal or open, even over
 * memory that held garbage; cleanup then wipes all of it. */
static void
test_failed_init(const struct xform_aead *a, const char *name)
{
	uint8_t key[32] = { 0 }, nonce[XFORM_AEAD_NONCE_LEN] = { 0 };
	uint8_t buf[64 + ICV] = { 0 };
	uint8_t *ctx;

	if ((ctx = ctx_new(a->ctx_size)) == NULL)
		abort();
	memset(ctx, 0xa5, a->ctx_size);
	is_int(a->init(ctx, key, a->key_bits / 8u + 1), -E_INVAL,
	    "%s: long key refused", name);
	is_int(a->seal(ctx, nonce, span_make(NULL, 0), buf, 64), -E_INVAL,
	    "%s: seal refused after a failed init", name);
	is_int(a->open(ctx, nonce, span_make(NULL, 0), buf, 64), -E_INVAL,
	    "%s: open refused after a failed init", name);
	is_int(a->init(ctx, NULL, a->key_bits / 8u), -E_INVAL,
	    "%s: NULL key refused", name);
	a->cleanup(ctx);
	ok(all_zero(ctx, a->ctx_size), "%s: cleanup wipes the whole ctx",
	    name);
	free(ctx);
}

/*
 * A keyed ctx: cleanup wipes it, and a failed open leaves no
 * unauthenticated plaintext in the buffer (the ESP path drops it, but
 * nothing else should be able to read it either).
 */
static void
test_keyed(const struct xform_aead *a, const char *name)
{
	static uint8_t pt[1420], buf[1420 + ICV];
	uint8_t key[32], nonce[XFORM_AEAD_NONCE_LEN], aad[8];
	uint8_t *ctx;

	if ((ctx = ctx_new(a->ctx_size)) == NULL)
		abort();
	rnd(key, sizeof(key));
	rnd(nonce, sizeof(nonce));
	rnd(aad, sizeof(aad));
	rnd(pt, sizeof(pt));
	is_int(a->init(ctx, key, a->key_bits / 8u), 0, "%s: init", name);
	memcpy(buf, pt, sizeof(pt));
	is_int(a->seal(ctx, nonce, span_make(aad, sizeof(aad)), buf,
	    sizeof(pt)), 0, "%s: seal 1420 bytes", name);
	buf[sizeof(pt) + ICV - 1] ^= 0x40;
	is_int(a->open(ctx, nonce, span_make(aad, sizeof(aad)), buf,
	    sizeof(pt)), -E_AUTH, "%s: bad tag", name);
	ok(all_zero(buf, sizeof(pt)), "%s: no plaintext left after a bad tag",
	    name);
	a->cleanup(ctx);
	ok(all_zero(ctx, a->ctx_size), "%s: cleanup wipes the keyed ctx",
	    name);
	free(ctx);
}

/* One ctx rekeyed from AES-128 to AES-256 (both entries have the same ctx
 * layout) gives exactly OpenSSL's AES-256 output. */
static void
test_rekey(void)
{
	uint8_t key[32], nonce[XFORM_AEAD_NONCE_LEN], aad[12];
	uint8_t a[300 + ICV], b[300 + ICV];
	void *ctx, *oc;

	if ((ctx = ctx_new(imb[1]->ctx_size)) == NULL ||
	    (oc = ctx_new(ossl[1]->ctx_size)) == NULL)
		abort();
	is_int(imb[0]->ctx_size, imb[1]->ctx_size,
	    "AES-128 and AES-256 ctx sizes agree");
	rnd(key, sizeof(key));
	rnd(nonce, sizeof(nonce));
	rnd(aad, sizeof(aad));
	rnd(a, 300);
	memcpy(b, a, 300);
	is_int(imb[0]->init(ctx, key, 16), 0, "rekey: AES-128 init");
	is_int(imb[1]->init(ctx, key, 32), 0, "rekey: AES-256 init, same ctx");
	is_int(ossl[1]->init(oc, key, 32), 0, "rekey: OpenSSL AES-256 init");
	ok(imb[1]->seal(ctx, nonce, span_make(aad, sizeof(aad)), a, 300) ==
	    0 && ossl[1]->seal(oc, nonce, span_make(aad, sizeof(aad)), b,
	    300) == 0 && memcmp(a, b, 300 + ICV) == 0,
	    "rekey: output is AES-256-GCM's");
	imb[1]->cleanup(ctx);
	ossl[1]->cleanup(oc);
	free(ctx);
	free(oc);
}

/*
 * In place at every misalignment: length len is sealed at offset len % 64
 * into a 64-byte-aligned buffer, with an AAD of len % (MAX_AAD + 1) bytes
 * at offset len % 7, so every length 0..MAX_LEN runs once and the tag
 * lands at every alignment. ipsecmb and OpenSSL must produce the same
 * bytes and open each other's output.
 */
static void
test_unaligned(size_t i)
{
	uint8_t *pt = NULL, *x = NULL, *y = NULL;
	uint8_t key[32], nonce[XFORM_AEAD_NONCE_LEN], aad[MAX_AAD + 8];
	size_t len, off, aoff, alen;
	int bad_seal = 0, bad_same = 0, bad_xy = 0, bad_yx = 0;
	void *cx = NULL, *cy = NULL;
	struct span ad;

	if ((pt = malloc(MAX_LEN)) == NULL ||
	    (x = aligned_alloc(64, BUF_SIZE)) == NULL ||
	    (y = aligned_alloc(64, BUF_SIZE)) == NULL ||
	    (cx = ctx_new(imb[i]->ctx_size)) == NULL ||
	    (cy = ctx_new(ossl[i]->ctx_size)) == NULL)
		abort();
	rnd(key, sizeof(key));
	rnd(pt, MAX_LEN);
	if (imb[i]->init(cx, key, imb[i]->key_bits / 8u) != 0 ||
	    ossl[i]->init(cy, key, ossl[i]->key_bits / 8u) != 0)
		bad_seal++;
	for (len = 0; len <= MAX_LEN && bad_seal == 0; len++) {
		off = len % 64;
		aoff = len % 7;
		alen = len % (MAX_AAD + 1);
		rnd(nonce, sizeof(nonce));
		rnd(aad, sizeof(aad));
		ad = span_make(aad + aoff, alen);
		memcpy(x + off, pt, len);
		memcpy(y + off, pt, len);
		if (imb[i]->seal(cx, nonce, ad, x + off, len) != 0 ||
		    ossl[i]->seal(cy, nonce, ad, y + off, len) != 0) {
			bad_seal++;
			break;
		}
		if (memcmp(x + off, y + off, len + ICV) != 0 &&
		    bad_same++ == 0)
			diag("%s: differs from OpenSSL at len %zu off %zu",
			    what[i], len, off);
		if ((ossl[i]->open(cy, nonce, ad, x + off, len) != 0 ||
		    memcmp(x + off, pt, len) != 0) && bad_xy++ == 0)
			diag("%s: OpenSSL cannot open len %zu off %zu",
			    what[i], len, off);
		if ((imb[i]->open(cx, nonce, ad, y + off, len) != 0 ||
		    memcmp(y + off, pt, len) != 0) && bad_yx++ == 0)
			diag("%s: cannot open OpenSSL's len %zu off %zu",
			    what[i], len, off);
	}
	is_int(bad_seal, 0, "%s: init and seal at every offset", what[i]);
	is_int(bad_same, 0, "%s: same bytes as OpenSSL, lengths 0..%d, "
	    "every alignment", what[i], MAX_LEN);
	is_int(bad_xy, 0, "%s: sealed by ipsecmb, opened by OpenSSL",
	    what[i]);
	is_int(bad_yx, 0, "%s: sealed by OpenSSL, opened by ipsecmb",
	    what[i]);
	imb[i]->cleanup(cx);
	ossl[i]->cleanup(cy);
	free(cx);
	free(cy);
	free(pt);
	free(x);
	free(y);
}

/* After xform_cleanup the entries are withdrawn (the manager is gone);
 * a new xform_init brings them back, and they work. */
static void
test_reinit(void)
{
	uint8_t key[32] = { 7 }, nonce[XFORM_AEAD_NONCE_LEN] = { 9 };
	uint8_t buf[100 + ICV] = { 0 };
	int usable;
	void *ctx;

	usable = xform_aead_usable(imb[1]);
	xform_cleanup();
	ok(imb[1]->probe() != 0 && imb[2]->probe() != 0,
	    "probes fail after xform_cleanup");
	is_int(xform_init("auto"), 0, "xform_init again");
	is_int(xform_aead_usable(imb[1]) != 0, usable != 0,
	    "aes256gcm16 usable again");
	if (!usable) {
		skip("aes256gcm16 not usable here");
		return;
	}
	if ((ctx = ctx_new(imb[1]->ctx_size)) == NULL)
		abort();
	ok(imb[1]->init(ctx, key, 32) == 0 &&
	    imb[1]->seal(ctx, nonce, span_make(NULL, 0), buf, 100) == 0 &&
	    imb[1]->open(ctx, nonce, span_make(NULL, 0), buf, 100) == 0 &&
	    all_zero(buf, 100), "round trip after re-init");
	imb[1]->cleanup(ctx);
	free(ctx);
}

int
main(void)
{
	size_t i;

	find_entries();
	test_before_init();
	if (xform_init("auto") != 0)
		skip_all("xform_init failed");
	test_probe();
	for (i = 0; i < 3; i++) {
		if (!xform_aead_usable(imb[i])) {
			skip("%s: not usable on this CPU", what[i]);
			continue;
		}
		test_failed_init(imb[i], what[i]);
		test_keyed(imb[i], what[i]);
		test_unaligned(i);
	}
	if (xform_aead_usable(imb[0]) && xform_aead_usable(imb[1]))
		test_rekey();
	else
		skip("AES-GCM not usable on this CPU");
	test_reinit();
	xform_cleanup();
	return done_testing();
}

#else /* !HAVE_IPSECMB */

int
main(void)
{
	skip_all("built without intel-ipsec-mb");
}

#endif
