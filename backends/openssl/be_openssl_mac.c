/*
 * be_openssl_mac.c: HMAC (RFC 2104) with SHA-1 and SHA-2 for the OpenSSL
 * backend; full-length output, keys of any length.
 *
 * The contract forbids allocation in mac(), and EVP cannot meet it on
 * OpenSSL 3.0: re-initialising a keyed EVP_MAC_CTX with a NULL key (the
 * documented way to reuse the key) duplicates the provider's digest context
 * twice per message, and even EVP_DigestInit on a finalised EVP_MD_CTX
 * allocates a new one (measured with CRYPTO_set_mem_functions on 3.0.19;
 * t/1004 keeps measuring it). The SHA* functions keep their whole state in
 * caller storage, so init absorbs K ^ ipad and K ^ opad once (RFC 2104 2)
 * and mac() copies the two keyed states by value: no allocation, and two
 * compression-function calls fewer per message than a full HMAC.
 *
 * Those functions are deprecated in OpenSSL 3.0 but remain in every build
 * that does not use no-deprecated. Such builds (or -DBE_OPENSSL_HMAC_EVP,
 * to test this path) get the EVP_MAC implementation at the end of the
 * file, which is correct but allocates per call on 3.0.
 */
#include "config.h"

/* Must precede every OpenSSL header, opensslconf.h included. */
#ifndef BE_OPENSSL_HMAC_EVP
#define OPENSSL_SUPPRESS_DEPRECATED 1
#endif
#include <openssl/opensslconf.h>
#if defined(OPENSSL_NO_DEPRECATED_3_0) && !defined(BE_OPENSSL_HMAC_EVP)
#define BE_OPENSSL_HMAC_EVP 1
#endif

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/sha.h>

#include "core/xform.h"
#include "backends/openssl/be_openssl.h"

#ifndef BE_OPENSSL_HMAC_EVP

#define HMAC_MAX_BLOCK	128	/* SHA-384 and SHA-512 */

union hstate {
	SHA_CTX		s1;
	SHA256_CTX	s256;
	SHA512_CTX	s512;
};

/* One hash's low-level functions, typed on the union (each returns 1). */
struct hash_fns {
	size_t	  block;
	size_t	  out;
	int	(*init)(union hstate *);
	int	(*update)(union hstate *, const void *, size_t);
	int	(*final)(uint8_t *, union hstate *);
};

static int
s1_init(union hstate *s)
{
	return SHA1_Init(&s->s1);
}

static int
s1_update(union hstate *s, const void *p, size_t n)
{
	return SHA1_Update(&s->s1, p, n);
}

static int
s1_final(uint8_t *out, union hstate *s)
{
	return SHA1_Final(out, &s->s1);
}

static int
s256_init(union hstate *s)
{
	return SHA256_Init(&s->s256);
}

static int
s256_update(union hstate *s, const void *p, size_t n)
{
	return SHA256_Update(&s->s256, p, n);
}

static int
s256_final(uint8_t *out, union hstate *s)
{
	return SHA256_Final(out, &s->s256);
}

static int
s384_init(union hstate *s)
{
	return SHA384_Init(&s->s512);
}

static int
s384_final(uint8_t *out, union hstate *s)
{
	return SHA384_Final(out, &s->s512);
}

static int
s512_init(union hstate *s)
{
	return SHA512_Init(&s->s512);
}

/* SHA384_Update is SHA512_Update on the same context type. */
static int
s512_update(union hstate *s, const void *p, size_t n)
{
	return SHA512_Update(&s->s512, p, n);
}

static int
s512_final(uint8_t *out, union hstate *s)
{
	return SHA512_Final(out, &s->s512);
}

static const struct hash_fns hash_fns[XFORM_HASH__MAX] = {
	[XFORM_HASH_SHA1] = { 64, 20, s1_init, s1_update, s1_final },
	[XFORM_HASH_SHA256] = { 64, 32, s256_init, s256_update, s256_final },
	[XFORM_HASH_SHA384] = { 128, 48, s384_init, s512_update, s384_final },
	[XFORM_HASH_SHA512] = { 128, 64, s512_init, s512_update, s512_final },
};

struct hmac_ctx {
	union hstate		 inner;	/* after H(K ^ ipad) */
	union hstate		 outer;	/* after H(K ^ opad) */
	const struct hash_fns	*f;
};

static int
hmac_init(void *vctx, enum xform_hash h, const uint8_t *key, size_t keylen)
{
	struct hmac_ctx *ctx = vctx;
	const struct hash_fns *f = &hash_fns[h];
	uint8_t k[HMAC_MAX_BLOCK];
	union hstate t;
	size_t i;
	int r = -E_INTERNAL;

	memset(ctx, 0, sizeof(*ctx));
	memset(k, 0, sizeof(k));
	if (key == NULL && keylen > 0)
		return -E_INVAL;
	r = -E_CRYPTO;
	/* RFC 2104 2: a key longer than the block is hashed first; a
	 * shorter one is zero-padded to the block. */
	if (keylen > f->block) {
		if (!f->init(&t) || !f->update(&t, key, keylen) ||
		    !f->final(k, &t))
			goto out;
	} else if (keylen > 0)
		memcpy(k, key, keylen);
	for (i = 0; i < f->block; i++)
		k[i] ^= 0x36;
	if (!f->init(&ctx->inner) || !f->update(&ctx->inner, k, f->block))
		goto out;
	for (i = 0; i < f->block; i++)
		k[i] ^= 0x36 ^ 0x5c;
	if (!f->init(&ctx->outer) || !f->update(&ctx->outer, k, f->block))
		goto out;
	ctx->f = f;
	r = 0;
 out:
	OPENSSL_cleanse(k, sizeof(k));
	OPENSSL_cleanse(&t, sizeof(t));
	if (r != 0)
		OPENSSL_cleanse(ctx, sizeof(*ctx));
	return r;
}

static int
hmac_mac(void *vctx, const struct span *v, size_t nv, uint8_t *out)
{
	struct hmac_ctx *ctx = vctx;
	const struct hash_fns *f = ctx->f;
	uint8_t ih[XFORM_MAX_HASH_LEN];
	union hstate s;
	size_t i;
	int r = -E_CRYPTO;

	if (f == NULL || out == NULL || (v == NULL && nv > 0))
		return -E_INVAL;
	/* RFC 2104 2: H(K ^ opad, H(K ^ ipad, text)). */
	s = ctx->inner;
	for (i = 0; i < nv; i++)
		if (v[i].len > 0 && !f->update(&s, v[i].p, v[i].len))
			goto out;
	if (!f->final(ih, &s))
		goto out;
	s = ctx->outer;
	if (!f->update(&s, ih, f->out) || !f->final(out, &s))
		goto out;
	r = 0;
 out:
	OPENSSL_cleanse(ih, sizeof(ih));
	OPENSSL_cleanse(&s, sizeof(s));
	return r;
}

static void
hmac_cleanup(void *vctx)
{
	OPENSSL_cleanse(vctx, sizeof(struct hmac_ctx));
}

static int
hmac_probe(enum xform_hash h)
{
	(void)h;
	return 0;
}

int
be_openssl__mac_init(void)
{
	return 0;
}

void
be_openssl__mac_cleanup(void)
{
}

#else /* BE_OPENSSL_HMAC_EVP */

static EVP_MAC *hmac_impl;

struct hmac_ctx {
	EVP_MAC_CTX	*m;
	size_t		 out;
};

static void
hmac_cleanup(void *vctx)
{
	struct hmac_ctx *ctx = vctx;

	/* The HMAC provider cleanses its keyed states when freed. */
	EVP_MAC_CTX_free(ctx->m);
	OPENSSL_cleanse(ctx, sizeof(*ctx));
}

static int
hmac_init(void *vctx, enum xform_hash h, const uint8_t *key, size_t keylen)
{
	struct hmac_ctx *ctx = vctx;
	static const uint8_t empty[1];
	OSSL_PARAM p[2];

	memset(ctx, 0, sizeof(*ctx));
	if (key == NULL && keylen > 0)
		return -E_INVAL;
	if (hmac_impl == NULL)
		return -E_CRYPTO;
	if ((ctx->m = EVP_MAC_CTX_new(hmac_impl)) == NULL)
		return be_openssl__err(-E_NOMEM);
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)be_openssl__md_name(h), 0);
	p[1] = OSSL_PARAM_construct_end();
	/* A NULL key would mean "keep the previous key": pass a real
	 * pointer for the empty key. */
	if (!EVP_MAC_init(ctx->m, keylen > 0 ? key : empty, keylen, p)) {
		hmac_cleanup(ctx);
		return be_openssl__err(-E_CRYPTO);
	}
	ctx->out = EVP_MAC_CTX_get_mac_size(ctx->m);
	return 0;
}

/* XXX: on OpenSSL 3.0 EVP_MAC_init allocates here (see the top). */
static int
hmac_mac(void *vctx, const struct span *v, size_t nv, uint8_t *out)
{
	struct hmac_ctx *ctx = vctx;
	size_t i, n;

	if (ctx->m == NULL || out == NULL || (v == NULL && nv > 0))
		return -E_INVAL;
	if (!EVP_MAC_init(ctx->m, NULL, 0, NULL))
		return be_openssl__err(-E_CRYPTO);
	for (i = 0; i < nv; i++)
		if (v[i].len > 0 && !EVP_MAC_update(ctx->m, v[i].p, v[i].len))
			return be_openssl__err(-E_CRYPTO);
	if (!EVP_MAC_final(ctx->m, out, &n, ctx->out) || n != ctx->out)
		return be_openssl__err(-E_CRYPTO);
	return 0;
}

static int
hmac_probe(enum xform_hash h)
{
	return hmac_impl != NULL && be_openssl__md[h] != NULL ? 0 : -E_CRYPTO;
}

int
be_openssl__mac_init(void)
{
	if (hmac_impl == NULL)
		hmac_impl = EVP_MAC_fetch(NULL, "HMAC", NULL);
	return hmac_impl != NULL ? 0 : be_openssl__err(-E_CRYPTO);
}

void
be_openssl__mac_cleanup(void)
{
	EVP_MAC_free(hmac_impl);
	hmac_impl = NULL;
}

#endif /* BE_OPENSSL_HMAC_EVP */

static int
sha1_init(void *ctx, const uint8_t *key, size_t keylen)
{
	return hmac_init(ctx, XFORM_HASH_SHA1, key, keylen);
}

static int
sha256_init(void *ctx, const uint8_t *key, size_t keylen)
{
	return hmac_init(ctx, XFORM_HASH_SHA256, key, keylen);
}

static int
sha384_init(void *ctx, const uint8_t *key, size_t keylen)
{
	return hmac_init(ctx, XFORM_HASH_SHA384, key, keylen);
}

static int
sha512_init(void *ctx, const uint8_t *key, size_t keylen)
{
	return hmac_init(ctx, XFORM_HASH_SHA512, key, keylen);
}

static int
sha1_probe(void)
{
	return hmac_probe(XFORM_HASH_SHA1);
}

static int
sha256_probe(void)
{
	return hmac_probe(XFORM_HASH_SHA256);
}

static int
sha384_probe(void)
{
	return hmac_probe(XFORM_HASH_SHA384);
}

static int
sha512_probe(void)
{
	return hmac_probe(XFORM_HASH_SHA512);
}

static const struct xform_mac hmac_sha1 = {
	.name = "hmac-sha1",
	.backend = "openssl",
	.hash = XFORM_HASH_SHA1,
	.out_len = 20,
	.ctx_size = sizeof(struct hmac_ctx),
	.probe = sha1_probe,
	.init = sha1_init,
	.mac = hmac_mac,
	.cleanup = hmac_cleanup,
};

static const struct xform_mac hmac_sha256 = {
	.name = "hmac-sha256",
	.backend = "openssl",
	.hash = XFORM_HASH_SHA256,
	.out_len = 32,
	.ctx_size = sizeof(struct hmac_ctx),
	.probe = sha256_probe,
	.init = sha256_init,
	.mac = hmac_mac,
	.cleanup = hmac_cleanup,
};

static const struct xform_mac hmac_sha384 = {
	.name = "hmac-sha384",
	.backend = "openssl",
	.hash = XFORM_HASH_SHA384,
	.out_len = 48,
	.ctx_size = sizeof(struct hmac_ctx),
	.probe = sha384_probe,
	.init = sha384_init,
	.mac = hmac_mac,
	.cleanup = hmac_cleanup,
};

static const struct xform_mac hmac_sha512 = {
	.name = "hmac-sha512",
	.backend = "openssl",
	.hash = XFORM_HASH_SHA512,
	.out_len = 64,
	.ctx_size = sizeof(struct hmac_ctx),
	.probe = sha512_probe,
	.init = sha512_init,
	.mac = hmac_mac,
	.cleanup = hmac_cleanup,
};

const struct xform_mac *const be_openssl__macs[] = {
	&hmac_sha1,
	&hmac_sha256,
	&hmac_sha384,
	&hmac_sha512,
	NULL
};
