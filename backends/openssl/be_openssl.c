/*
 * be_openssl.c: the OpenSSL 3 backend: registration, AEAD (AES-GCM,
 * ChaCha20-Poly1305), AES-CBC, message digests and the RNG.
 *
 * Every EVP_CIPHER and EVP_MD is fetched once, in be_openssl_init, never
 * per packet (an implicit fetch costs a lock and a property query). Per-SA
 * contexts hold an EVP_CIPHER_CTX keyed once in init; seal, open, encrypt
 * and decrypt only load a new IV into it, which OpenSSL 3 does without
 * allocating.
 */
#include "config.h"

#include <limits.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "core/xform.h"
#include "backends/openssl/be_openssl.h"

enum {
	C_AES128GCM,
	C_AES256GCM,
	C_CHACHAPOLY,
	C_AES128CBC,
	C_AES256CBC,
	C__MAX
};

static const char *const cipher_names[C__MAX] = {
	[C_AES128GCM] = "AES-128-GCM",
	[C_AES256GCM] = "AES-256-GCM",
	[C_CHACHAPOLY] = "ChaCha20-Poly1305",
	[C_AES128CBC] = "AES-128-CBC",
	[C_AES256CBC] = "AES-256-CBC",
};

static const char *const md_names[XFORM_HASH__MAX] = {
	[XFORM_HASH_SHA1] = "SHA1",
	[XFORM_HASH_SHA256] = "SHA256",
	[XFORM_HASH_SHA384] = "SHA384",
	[XFORM_HASH_SHA512] = "SHA512",
};

static EVP_CIPHER	*ciphers[C__MAX];
EVP_MD			*be_openssl__md[XFORM_HASH__MAX];

const char *
be_openssl__md_name(enum xform_hash h)
{
	return (unsigned)h < XFORM_HASH__MAX ? md_names[h] : "";
}

int
be_openssl__err(int r)
{
	ERR_clear_error();
	return r;
}

static void
be_openssl_cleanup(void)
{
	int i;

	for (i = 0; i < C__MAX; i++) {
		EVP_CIPHER_free(ciphers[i]);
		ciphers[i] = NULL;
	}
	for (i = 0; i < XFORM_HASH__MAX; i++) {
		EVP_MD_free(be_openssl__md[i]);
		be_openssl__md[i] = NULL;
	}
	be_openssl__mac_cleanup();
}

/*
 * Fetches the implementations once. A missing algorithm (a FIPS-only
 * provider has no ChaCha20, say) is not an error here: the entries that
 * need it fail their probe and the registry withdraws them. Safe to call
 * again; what is already fetched is kept.
 */
static int
be_openssl_init(void)
{
	int i;

	for (i = 0; i < C__MAX; i++)
		if (ciphers[i] == NULL)
			ciphers[i] = EVP_CIPHER_fetch(NULL, cipher_names[i],
			    NULL);
	for (i = 0; i < XFORM_HASH__MAX; i++)
		if (be_openssl__md[i] == NULL)
			be_openssl__md[i] = EVP_MD_fetch(NULL, md_names[i],
			    NULL);
	(void)be_openssl__mac_init();
	return be_openssl__err(0);
}

/*
 * AEAD. RFC 4106 (AES-GCM) and RFC 7634 (ChaCha20-Poly1305) both use a
 * 12-byte nonce, which is the default IV length of both EVP ciphers, and a
 * 16-byte tag here.
 */
struct aead_ctx {
	EVP_CIPHER_CTX	*c;
	unsigned	 icv_len;
};

static int
aead_init(void *vctx, int which, size_t want, unsigned icv_len,
    const uint8_t *key, size_t keylen)
{
	struct aead_ctx *ctx = vctx;

	memset(ctx, 0, sizeof(*ctx));
	if (key == NULL || keylen != want)
		return -E_INVAL;
	if (ciphers[which] == NULL)
		return -E_CRYPTO;
	if ((ctx->c = EVP_CIPHER_CTX_new()) == NULL)
		return be_openssl__err(-E_NOMEM);
	/* Key once; each seal or open then only loads its nonce. */
	if (!EVP_CipherInit_ex2(ctx->c, ciphers[which], key, NULL, 1,
	    NULL)) {
		EVP_CIPHER_CTX_free(ctx->c);
		ctx->c = NULL;
		return be_openssl__err(-E_CRYPTO);
	}
	ctx->icv_len = icv_len;
	return 0;
}

static int
aes128gcm16_init(void *ctx, const uint8_t *key, size_t keylen)
{
	return aead_init(ctx, C_AES128GCM, 16, 16, key, keylen);
}

static int
aes256gcm16_init(void *ctx, const uint8_t *key, size_t keylen)
{
	return aead_init(ctx, C_AES256GCM, 32, 16, key, keylen);
}

static int
chachapoly_init(void *ctx, const uint8_t *key, size_t keylen)
{
	return aead_init(ctx, C_CHACHAPOLY, 32, 16, key, keylen);
}

/* Loads the nonce and direction, then feeds the AAD and the data in place. */
static int
aead_crypt(struct aead_ctx *ctx, int enc, const uint8_t *nonce,
    struct span aad, uint8_t *buf, size_t len)
{
	int n;

	if (!EVP_CipherInit_ex2(ctx->c, NULL, NULL, nonce, enc, NULL))
		return -E_CRYPTO;
	if (!enc && !EVP_CIPHER_CTX_ctrl(ctx->c, EVP_CTRL_AEAD_SET_TAG,
	    (int)ctx->icv_len, buf + len))
		return -E_CRYPTO;
	if (aad.len > 0 && !EVP_CipherUpdate(ctx->c, NULL, &n, aad.p,
	    (int)aad.len))
		return -E_CRYPTO;
	if (len > 0 && (!EVP_CipherUpdate(ctx->c, buf, &n, buf, (int)len) ||
	    (size_t)n != len))
		return -E_CRYPTO;
	return 0;
}

static int
aead_seal(void *vctx, const uint8_t *nonce, struct span aad, uint8_t *buf,
    size_t len)
{
	struct aead_ctx *ctx = vctx;
	uint8_t fin[EVP_MAX_BLOCK_LENGTH];
	int n;

	if (ctx->c == NULL || nonce == NULL || buf == NULL ||
	    len > INT_MAX || aad.len > INT_MAX)
		return -E_INVAL;
	if (aead_crypt(ctx, 1, nonce, aad, buf, len) != 0 ||
	    !EVP_CipherFinal_ex(ctx->c, fin, &n) || n != 0 ||
	    !EVP_CIPHER_CTX_ctrl(ctx->c, EVP_CTRL_AEAD_GET_TAG,
	    (int)ctx->icv_len, buf + len))
		return be_openssl__err(-E_CRYPTO);
	return 0;
}

/*
 * The tag is handed to OpenSSL before decryption and checked by
 * EVP_CipherFinal_ex in constant time (CRYPTO_memcmp).
 */
static int
aead_open(void *vctx, const uint8_t *nonce, struct span aad, uint8_t *buf,
    size_t len)
{
	struct aead_ctx *ctx = vctx;
	uint8_t fin[EVP_MAX_BLOCK_LENGTH];
	int n;

	if (ctx->c == NULL || nonce == NULL || buf == NULL ||
	    len > INT_MAX || aad.len > INT_MAX)
		return -E_INVAL;
	if (aead_crypt(ctx, 0, nonce, aad, buf, len) != 0)
		return be_openssl__err(-E_CRYPTO);
	if (EVP_CipherFinal_ex(ctx->c, fin, &n) <= 0 || n != 0)
		return be_openssl__err(-E_AUTH);
	return 0;
}

static void
aead_cleanup(void *vctx)
{
	struct aead_ctx *ctx = vctx;

	/* EVP_CIPHER_CTX_free cleanses the key schedule. */
	EVP_CIPHER_CTX_free(ctx->c);
	OPENSSL_cleanse(ctx, sizeof(*ctx));
}

static int
aes128gcm_probe(void)
{
	return ciphers[C_AES128GCM] != NULL ? 0 : -E_CRYPTO;
}

static int
aes256gcm_probe(void)
{
	return ciphers[C_AES256GCM] != NULL ? 0 : -E_CRYPTO;
}

static int
chachapoly_probe(void)
{
	return ciphers[C_CHACHAPOLY] != NULL ? 0 : -E_CRYPTO;
}

static const struct xform_aead aes128gcm16 = {
	.name = "aes128gcm16",
	.backend = "openssl",
	.ike_id = XFORM_ENCR_AES_GCM_16,
	.key_bits = 128,
	.icv_len = 16,
	.ctx_size = sizeof(struct aead_ctx),
	.probe = aes128gcm_probe,
	.init = aes128gcm16_init,
	.seal = aead_seal,
	.open = aead_open,
	.cleanup = aead_cleanup,
};

static const struct xform_aead aes256gcm16 = {
	.name = "aes256gcm16",
	.backend = "openssl",
	.ike_id = XFORM_ENCR_AES_GCM_16,
	.key_bits = 256,
	.icv_len = 16,
	.ctx_size = sizeof(struct aead_ctx),
	.probe = aes256gcm_probe,
	.init = aes256gcm16_init,
	.seal = aead_seal,
	.open = aead_open,
	.cleanup = aead_cleanup,
};

static const struct xform_aead chacha20poly1305 = {
	.name = "chacha20poly1305",
	.backend = "openssl",
	.ike_id = XFORM_ENCR_CHACHA20_POLY1305,
	.key_bits = 256,
	.icv_len = 16,
	.ctx_size = sizeof(struct aead_ctx),
	.probe = chachapoly_probe,
	.init = chachapoly_init,
	.seal = aead_seal,
	.open = aead_open,
	.cleanup = aead_cleanup,
};

static const struct xform_aead *const aeads[] = {
	&aes128gcm16,
	&aes256gcm16,
	&chacha20poly1305,
	NULL
};

/*
 * AES-CBC (RFC 3602), in place, without padding: ESP and IKE SK pad
 * themselves. CBC decryption needs the inverse key schedule, so each
 * direction keeps its own context.
 */
struct cbc_ctx {
	EVP_CIPHER_CTX	*enc;
	EVP_CIPHER_CTX	*dec;
};

static void
cbc_cleanup(void *vctx)
{
	struct cbc_ctx *ctx = vctx;

	EVP_CIPHER_CTX_free(ctx->enc);
	EVP_CIPHER_CTX_free(ctx->dec);
	OPENSSL_cleanse(ctx, sizeof(*ctx));
}

static int
cbc_init(void *vctx, int which, size_t want, const uint8_t *key,
    size_t keylen)
{
	struct cbc_ctx *ctx = vctx;

	memset(ctx, 0, sizeof(*ctx));
	if (key == NULL || keylen != want)
		return -E_INVAL;
	if (ciphers[which] == NULL)
		return -E_CRYPTO;
	if ((ctx->enc = EVP_CIPHER_CTX_new()) == NULL ||
	    (ctx->dec = EVP_CIPHER_CTX_new()) == NULL) {
		cbc_cleanup(ctx);
		return be_openssl__err(-E_NOMEM);
	}
	if (!EVP_CipherInit_ex2(ctx->enc, ciphers[which], key, NULL, 1,
	    NULL) ||
	    !EVP_CipherInit_ex2(ctx->dec, ciphers[which], key, NULL, 0,
	    NULL)) {
		cbc_cleanup(ctx);
		return be_openssl__err(-E_CRYPTO);
	}
	return 0;
}

static int
aes128cbc_init(void *ctx, const uint8_t *key, size_t keylen)
{
	return cbc_init(ctx, C_AES128CBC, 16, key, keylen);
}

static int
aes256cbc_init(void *ctx, const uint8_t *key, size_t keylen)
{
	return cbc_init(ctx, C_AES256CBC, 32, key, keylen);
}

static int
cbc_crypt(EVP_CIPHER_CTX *c, int enc, const uint8_t *iv, uint8_t *buf,
    size_t len)
{
	uint8_t fin[EVP_MAX_BLOCK_LENGTH];
	int n;

	if (c == NULL || iv == NULL || (buf == NULL && len > 0) ||
	    len % 16 != 0 || len > INT_MAX)
		return -E_INVAL;
	/*
	 * Padding is switched off again after every IV load so that Final
	 * can never emit a padding block past buf + len.
	 */
	if (!EVP_CipherInit_ex2(c, NULL, NULL, iv, enc, NULL) ||
	    !EVP_CIPHER_CTX_set_padding(c, 0))
		return be_openssl__err(-E_CRYPTO);
	if (len > 0 && (!EVP_CipherUpdate(c, buf, &n, buf, (int)len) ||
	    (size_t)n != len))
		return be_openssl__err(-E_CRYPTO);
	if (!EVP_CipherFinal_ex(c, fin, &n) || n != 0)
		return be_openssl__err(-E_CRYPTO);
	return 0;
}

static int
cbc_encrypt(void *vctx, const uint8_t *iv, uint8_t *buf, size_t len)
{
	struct cbc_ctx *ctx = vctx;

	return cbc_crypt(ctx->enc, 1, iv, buf, len);
}

static int
cbc_decrypt(void *vctx, const uint8_t *iv, uint8_t *buf, size_t len)
{
	struct cbc_ctx *ctx = vctx;

	return cbc_crypt(ctx->dec, 0, iv, buf, len);
}

static int
aes128cbc_probe(void)
{
	return ciphers[C_AES128CBC] != NULL ? 0 : -E_CRYPTO;
}

static int
aes256cbc_probe(void)
{
	return ciphers[C_AES256CBC] != NULL ? 0 : -E_CRYPTO;
}

static const struct xform_cipher aes128cbc = {
	.name = "aes128cbc",
	.backend = "openssl",
	.ike_id = XFORM_ENCR_AES_CBC,
	.key_bits = 128,
	.block_len = 16,
	.ctx_size = sizeof(struct cbc_ctx),
	.probe = aes128cbc_probe,
	.init = aes128cbc_init,
	.encrypt = cbc_encrypt,
	.decrypt = cbc_decrypt,
	.cleanup = cbc_cleanup,
};

static const struct xform_cipher aes256cbc = {
	.name = "aes256cbc",
	.backend = "openssl",
	.ike_id = XFORM_ENCR_AES_CBC,
	.key_bits = 256,
	.block_len = 16,
	.ctx_size = sizeof(struct cbc_ctx),
	.probe = aes256cbc_probe,
	.init = aes256cbc_init,
	.encrypt = cbc_encrypt,
	.decrypt = cbc_decrypt,
	.cleanup = cbc_cleanup,
};

static const struct xform_cipher *const cipher_table[] = {
	&aes128cbc,
	&aes256cbc,
	NULL
};

/* Message digests over a gather list. Control plane: may allocate. */
static int
md_digest(enum xform_hash h, const struct span *v, size_t nv, uint8_t *out)
{
	EVP_MD_CTX *mc = NULL;
	unsigned int n;
	size_t i;
	int r = -E_INTERNAL;

	if (be_openssl__md[h] == NULL)
		return -E_CRYPTO;
	if (out == NULL || (v == NULL && nv > 0))
		return -E_INVAL;
	if ((mc = EVP_MD_CTX_new()) == NULL) {
		r = -E_NOMEM;
		goto out;
	}
	r = -E_CRYPTO;
	if (!EVP_DigestInit_ex2(mc, be_openssl__md[h], NULL))
		goto out;
	for (i = 0; i < nv; i++)
		if (v[i].len > 0 && !EVP_DigestUpdate(mc, v[i].p, v[i].len))
			goto out;
	if (!EVP_DigestFinal_ex(mc, out, &n) ||
	    (int)n != EVP_MD_get_size(be_openssl__md[h]))
		goto out;
	r = 0;
 out:
	EVP_MD_CTX_free(mc);
	return r == 0 ? 0 : be_openssl__err(r);
}

static int
sha1_digest(const struct span *v, size_t nv, uint8_t *out)
{
	return md_digest(XFORM_HASH_SHA1, v, nv, out);
}

static int
sha256_digest(const struct span *v, size_t nv, uint8_t *out)
{
	return md_digest(XFORM_HASH_SHA256, v, nv, out);
}

static int
sha384_digest(const struct span *v, size_t nv, uint8_t *out)
{
	return md_digest(XFORM_HASH_SHA384, v, nv, out);
}

static int
sha512_digest(const struct span *v, size_t nv, uint8_t *out)
{
	return md_digest(XFORM_HASH_SHA512, v, nv, out);
}

static int
sha1_probe(void)
{
	return be_openssl__md[XFORM_HASH_SHA1] != NULL ? 0 : -E_CRYPTO;
}

static int
sha256_probe(void)
{
	return be_openssl__md[XFORM_HASH_SHA256] != NULL ? 0 : -E_CRYPTO;
}

static int
sha384_probe(void)
{
	return be_openssl__md[XFORM_HASH_SHA384] != NULL ? 0 : -E_CRYPTO;
}

static int
sha512_probe(void)
{
	return be_openssl__md[XFORM_HASH_SHA512] != NULL ? 0 : -E_CRYPTO;
}

static const struct xform_md sha1 = {
	.name = "sha1",
	.backend = "openssl",
	.hash = XFORM_HASH_SHA1,
	.out_len = 20,
	.probe = sha1_probe,
	.digest = sha1_digest,
};

static const struct xform_md sha256 = {
	.name = "sha256",
	.backend = "openssl",
	.hash = XFORM_HASH_SHA256,
	.out_len = 32,
	.probe = sha256_probe,
	.digest = sha256_digest,
};

static const struct xform_md sha384 = {
	.name = "sha384",
	.backend = "openssl",
	.hash = XFORM_HASH_SHA384,
	.out_len = 48,
	.probe = sha384_probe,
	.digest = sha384_digest,
};

static const struct xform_md sha512 = {
	.name = "sha512",
	.backend = "openssl",
	.hash = XFORM_HASH_SHA512,
	.out_len = 64,
	.probe = sha512_probe,
	.digest = sha512_digest,
};

static const struct xform_md *const md_table[] = {
	&sha1,
	&sha256,
	&sha384,
	&sha512,
	NULL
};

/* RAND_bytes takes an int length; larger requests are split. */
static int
be_openssl_random(void *p, size_t n)
{
	uint8_t *b = p;
	int chunk;

	if (b == NULL && n > 0)
		return -E_INVAL;
	while (n > 0) {
		chunk = n > INT_MAX ? INT_MAX : (int)n;
		if (RAND_bytes(b, chunk) != 1)
			return be_openssl__err(-E_CRYPTO);
		b += chunk;
		n -= (size_t)chunk;
	}
	return 0;
}

const struct xform_backend be_openssl_backend = {
	.name = "openssl",
	.init = be_openssl_init,
	.cleanup = be_openssl_cleanup,
	.aead = aeads,
	.cipher = cipher_table,
	.mac = be_openssl__macs,
	.md = md_table,
	.dh = be_openssl__dhs,
	.sig = &be_openssl__sig,
	.random = be_openssl_random,
	.x509 = &be_openssl__x509,
};
