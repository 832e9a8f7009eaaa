/*
 * 1007-xform-cross: backends must agree with each other.
 *
 * For every AEAD (ike_id, key_bits) and every key exchange group that two
 * or more backends claim and can run here, seal with one and open with the
 * other (random keys, nonces, AAD and lengths 0..2000), and run key
 * agreement across them. The published vectors live in 1002 and 1005;
 * this catches what a handful of vectors cannot (block and partial-block
 * boundaries, AAD lengths, in-place handling).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/xform.h"
#include "t/tap.h"

#define AEAD_ITER	300
#define MAX_LEN		2000
#define MAX_AAD		64
#define DH_ITER		16

static uint32_t
rnd32(void)
{
	uint32_t v;

	if (xform_random(&v, sizeof(v)) != 0)
		abort();
	return v;
}

static void
rnd(void *p, size_t n)
{
	if (xform_random(p, n) != 0)
		abort();
}

/* Allocates a ctx as the data path does: XFORM_CTX_ALIGN-aligned, size
 * rounded up (aligned_alloc wants a multiple of the alignment). */
static void *
ctx_new(size_t size)
{
	size_t n;

	n = (size + XFORM_CTX_ALIGN - 1) / XFORM_CTX_ALIGN * XFORM_CTX_ALIGN;
	if (n == 0)
		n = XFORM_CTX_ALIGN;
	return aligned_alloc(XFORM_CTX_ALIGN, n);
}

/* Returns the length for iteration i: every length 0..47 (empty, partial
 * and whole blocks for both 16- and 64-byte block functions), random
 * lengths up to MAX_LEN, and MAX_LEN itself last. */
static size_t
pick_len(int i)
{
	if (i < 48)
		return (size_t)i;
	if (i == AEAD_ITER - 1)
		return MAX_LEN;
	return rnd32() % (MAX_LEN + 1);
}

/*
 * Cross-checks AEADs a and b (same ike_id, key_bits, icv_len) in both
 * directions. Both are deterministic functions of (key, nonce, AAD,
 * plaintext) (RFC 5116 2.1), so the two ciphertexts and tags must be
 * byte-identical, each must open under the other, and a flipped bit in
 * the ciphertext, tag or AAD must fail with -E_AUTH under the other.
 */
static void
cross_aead(const struct xform_aead *a, const struct xform_aead *b)
{
	static uint8_t pt[MAX_LEN], ca[MAX_LEN + 16], cb[MAX_LEN + 16];
	uint8_t key[XFORM_MAX_KEY_LEN], nonce[XFORM_AEAD_NONCE_LEN];
	uint8_t aad[MAX_AAD];
	void *xa = NULL, *xb = NULL;
	size_t len, aadlen, keylen, pos;
	int i, r, init_bad = 0, seal_bad = 0, same_bad = 0, ab_bad = 0;
	int ba_bad = 0, tamper_bad = 0, aad_bad = 0;

	keylen = a->key_bits / 8U;
	if (!ok(a->icv_len == b->icv_len && a->icv_len <= 16 &&
	    keylen <= sizeof(key), "%s: %s and %s agree on sizes", a->name,
	    a->backend, b->backend))
		return;
	xa = ctx_new(a->ctx_size);
	xb = ctx_new(b->ctx_size);
	if (!ok(xa != NULL && xb != NULL, "%s: ctx allocation", a->name))
		goto out;
	for (i = 0; i < AEAD_ITER; i++) {
		len = pick_len(i);
		/* ESP uses 8 or 12 bytes of AAD, IKE the 28-byte header plus
		 * the SK payload header; cover those and the rest. */
		aadlen = rnd32() % (MAX_AAD + 1);
		rnd(key, keylen);
		rnd(nonce, sizeof(nonce));
		rnd(aad, aadlen);
		rnd(pt, len);
		if (a->init(xa, key, keylen) != 0 ||
		    b->init(xb, key, keylen) != 0) {
			init_bad++;
			a->cleanup(xa);
			b->cleanup(xb);
			continue;
		}
		memcpy(ca, pt, len);
		memcpy(cb, pt, len);
		if (a->seal(xa, nonce, span_make(aad, aadlen), ca, len) != 0 ||
		    b->seal(xb, nonce, span_make(aad, aadlen), cb, len) != 0)
			seal_bad++;
		else if (memcmp(ca, cb, len + a->icv_len) != 0) {
			if (same_bad++ == 0)
				diag("ciphertexts differ: len %zu aad %zu",
				    len, aadlen);
		}
		/* Sealed by a, opened by b; and the other way round. */
		r = b->open(xb, nonce, span_make(aad, aadlen), ca, len);
		if (r != 0 || memcmp(ca, pt, len) != 0) {
			if (ab_bad++ == 0)
				diag("%s->%s: len %zu aad %zu: %s", a->backend,
				    b->backend, len, aadlen, err_name(r));
		}
		r = a->open(xa, nonce, span_make(aad, aadlen), cb, len);
		if (r != 0 || memcmp(cb, pt, len) != 0) {
			if (ba_bad++ == 0)
				diag("%s->%s: len %zu aad %zu: %s", b->backend,
				    a->backend, len, aadlen, err_name(r));
		}
		/* One flipped bit anywhere in ciphertext || tag, alternating
		 * which side seals. */
		memcpy(ca, pt, len);
		if (i % 2 == 0) {
			r = a->seal(xa, nonce, span_make(aad, aadlen), ca,
			    len);
			pos = rnd32() % (len + a->icv_len);
			ca[pos] ^= (uint8_t)(1U << (rnd32() % 8));
			r = r != 0 ? r : b->open(xb, nonce,
			    span_make(aad, aadlen), ca, len);
		} else {
			r = b->seal(xb, nonce, span_make(aad, aadlen), ca,
			    len);
			pos = rnd32() % (len + a->icv_len);
			ca[pos] ^= (uint8_t)(1U << (rnd32() % 8));
			r = r != 0 ? r : a->open(xa, nonce,
			    span_make(aad, aadlen), ca, len);
		}
		if (r != -E_AUTH)
			tamper_bad++;
		/* A flipped AAD bit must fail too. */
		if (aadlen > 0) {
			memcpy(ca, pt, len);
			r = a->seal(xa, nonce, span_make(aad, aadlen), ca,
			    len);
			aad[rnd32() % aadlen] ^= 0x80;
			r = r != 0 ? r : b->open(xb, nonce,
			    span_make(aad, aadlen), ca, len);
			if (r != -E_AUTH)
				aad_bad++;
		}
		a->cleanup(xa);
		b->cleanup(xb);
	}
	is_int(init_bad, 0, "%s/%d: both init", a->name, a->key_bits);
	is_int(seal_bad, 0, "%s/%d: both seal", a->name, a->key_bits);
	is_int(same_bad, 0, "%s/%d: %s and %s produce identical output",
	    a->name, a->key_bits, a->backend, b->backend);
	is_int(ab_bad, 0, "%s/%d: sealed by %s, opened by %s (%d lengths)",
	    a->name, a->key_bits, a->backend, b->backend, AEAD_ITER);
	is_int(ba_bad, 0, "%s/%d: sealed by %s, opened by %s (%d lengths)",
	    a->name, a->key_bits, b->backend, a->backend, AEAD_ITER);
	is_int(tamper_bad, 0, "%s/%d: flipped ciphertext or tag bit "
	    "rejected across backends", a->name, a->key_bits);
	is_int(aad_bad, 0, "%s/%d: flipped AAD bit rejected across backends",
	    a->name, a->key_bits);
out:
	free(xa);
	free(xb);
}

/* Runs one key agreement: keygen on a and b, each derives from the other's
 * public value. Returns 0 when both secrets match. */
static int
agree(const struct xform_dh *a, const struct xform_dh *b)
{
	uint8_t pa[XFORM_MAX_DH_PUB_LEN], pb[XFORM_MAX_DH_PUB_LEN];
	uint8_t sa[XFORM_MAX_DH_PUB_LEN], sb[XFORM_MAX_DH_PUB_LEN];
	void *ka = NULL, *kb = NULL;
	int r = -E_INTERNAL;

	if ((r = a->keygen(&ka, NULL, 0, pa)) != 0 ||
	    (r = b->keygen(&kb, NULL, 0, pb)) != 0 ||
	    (r = a->derive(ka, span_make(pb, b->pub_len), sa)) != 0 ||
	    (r = b->derive(kb, span_make(pa, a->pub_len), sb)) != 0)
		goto out;
	r = memcmp(sa, sb, a->shared_len) == 0 ? 0 : -E_CRYPTO;
out:
	if (ka != NULL)
		a->free(ka);
	if (kb != NULL)
		b->free(kb);
	memset(sa, 0, sizeof(sa));
	memset(sb, 0, sizeof(sb));
	return r;
}

/* Derives with a fresh key of d from peer; returns derive's result. */
static int
derive_from(const struct xform_dh *d, struct span peer)
{
	uint8_t pub[XFORM_MAX_DH_PUB_LEN], sh[XFORM_MAX_DH_PUB_LEN];
	void *k = NULL;
	int r;

	if ((r = d->keygen(&k, NULL, 0, pub)) != 0)
		return r;
	r = d->derive(k, peer, sh);
	d->free(k);
	return r;
}

static void
cross_dh(const struct xform_dh *a, const struct xform_dh *b)
{
	static const uint8_t zero[XFORM_MAX_DH_PUB_LEN + 1];
	uint8_t priv[32], pa[XFORM_MAX_DH_PUB_LEN], pb[XFORM_MAX_DH_PUB_LEN];
	void *ka = NULL, *kb = NULL;
	int i, bad = 0, r;

	if (!ok(a->pub_len == b->pub_len && a->shared_len == b->shared_len &&
	    a->pub_len <= XFORM_MAX_DH_PUB_LEN &&
	    a->shared_len <= XFORM_MAX_DH_PUB_LEN,
	    "%s: %s and %s agree on sizes", a->name, a->backend, b->backend))
		return;
	for (i = 0; i < DH_ITER; i++) {
		r = i % 2 == 0 ? agree(a, b) : agree(b, a);
		if (r != 0 && bad++ == 0)
			diag("%s: agreement %d failed: %s", a->name, i,
			    err_name(r));
	}
	is_int(bad, 0, "%s: %s and %s derive the same secret (%d runs)",
	    a->name, a->backend, b->backend, DH_ITER);

	/* Every value of the right length is a valid X25519 private key
	 * (RFC 7748 5: the scalar is clamped), so the same private key must
	 * give the same public value on both. */
	if (a->group == XFORM_DH_CURVE25519) {
		rnd(priv, sizeof(priv));
		r = a->keygen(&ka, priv, sizeof(priv), pa);
		r = r != 0 ? r : b->keygen(&kb, priv, sizeof(priv), pb);
		ok(r == 0 && memcmp(pa, pb, a->pub_len) == 0,
		    "%s: same private key, same public value", a->name);
		if (ka != NULL)
			a->free(ka);
		if (kb != NULL)
			b->free(kb);
		memset(priv, 0, sizeof(priv));
	}

	/* Both refuse what a peer could send to break the exchange: a short
	 * or long value, and all zeros (MODP: outside 2..p-2; ECP: not on
	 * the curve; X25519: a low-order point giving a zero secret, RFC
	 * 7748 6.1). */
	ok(derive_from(a, span_make(zero, a->pub_len)) < 0 &&
	    derive_from(b, span_make(zero, b->pub_len)) < 0,
	    "%s: all-zero peer value rejected by both", a->name);
	ok(derive_from(a, span_make(zero, a->pub_len - 1U)) < 0 &&
	    derive_from(b, span_make(zero, b->pub_len - 1U)) < 0,
	    "%s: short peer value rejected by both", a->name);
	ok(derive_from(a, span_make(zero, a->pub_len + 1U)) < 0 &&
	    derive_from(b, span_make(zero, b->pub_len + 1U)) < 0,
	    "%s: long peer value rejected by both", a->name);
}

/* Visits every pair of usable entries, in different backends, that claim
 * the same algorithm; with run == 0 only counts them. */
static int
visit(int run)
{
	const struct xform_backend *const *all = xform_backends();
	const struct xform_aead *const *a, *const *a2;
	const struct xform_dh *const *d, *const *d2;
	size_t i, j;
	int n = 0;

	for (i = 0; all[i] != NULL; i++)
		for (j = i + 1; all[j] != NULL; j++) {
			for (a = all[i]->aead; *a != NULL; a++)
				for (a2 = all[j]->aead; *a2 != NULL; a2++) {
					if ((*a)->ike_id != (*a2)->ike_id ||
					    (*a)->key_bits != (*a2)->key_bits ||
					    !xform_aead_usable(*a) ||
					    !xform_aead_usable(*a2))
						continue;
					n++;
					if (run)
						cross_aead(*a, *a2);
				}
			for (d = all[i]->dh; *d != NULL; d++)
				for (d2 = all[j]->dh; *d2 != NULL; d2++) {
					if ((*d)->group != (*d2)->group ||
					    !xform_dh_usable(*d) ||
					    !xform_dh_usable(*d2))
						continue;
					n++;
					if (run)
						cross_dh(*d, *d2);
				}
		}
	return n;
}

int
main(void)
{
	int r;

	/* xform_init runs the self-tests, so usable() also means "passed
	 * its known answers". */
	r = xform_init("auto");
	if (r == 0 && xform_backends()[0] != NULL &&
	    xform_backends()[1] == NULL)
		skip_all("only one crypto backend compiled in");
	if (r == 0 && visit(0) == 0)
		skip_all("no algorithm is claimed by two usable backends");
	is_int(r, 0, "xform_init");
	visit(1);
	xform_cleanup();
	return done_testing();
}
