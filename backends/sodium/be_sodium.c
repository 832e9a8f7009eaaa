/*
 * be_sodium.c: the libsodium backend.
 *
 * libsodium covers only the fast paths it is good at: AES-256-GCM with a
 * 16-byte tag (only on CPUs with AES-NI and PCLMULQDQ, so the entry probes
 * for them), ChaCha20-Poly1305 (RFC 7634) on any CPU, X25519 (RFC 8031),
 * and its CSPRNG. Everything else (AES-128, CBC, HMAC, MODP, ECP,
 * signatures) is left to the OpenSSL backend: the lists below are empty
 * rather than half-filled.
 *
 * Like every backend this is a leaf: it never logs, and it returns 0,
 * -E_AUTH, -E_INVAL, -E_NOTSUP, -E_NOMEM or -E_CRYPTO.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

/* span.h brings err.h (the -E_* codes). */
#include "core/span.h"
#include "core/xform.h"

#define SOD_KEY_LEN	32
#define SOD_TAG_LEN	16
#define SOD_X25519_LEN	32

/* Compile-time checks that our constants are libsodium's. */
_Static_assert(crypto_aead_aes256gcm_KEYBYTES == SOD_KEY_LEN,
    "AES-256-GCM key length");
_Static_assert(crypto_aead_aes256gcm_ABYTES == SOD_TAG_LEN,
    "AES-256-GCM tag length");
_Static_assert(crypto_aead_aes256gcm_NPUBBYTES == XFORM_AEAD_NONCE_LEN,
    "AES-256-GCM nonce length");
_Static_assert(crypto_aead_chacha20poly1305_ietf_KEYBYTES == SOD_KEY_LEN,
    "ChaCha20-Poly1305 key length");
_Static_assert(crypto_aead_chacha20poly1305_ietf_ABYTES == SOD_TAG_LEN,
    "ChaCha20-Poly1305 tag length");
_Static_assert(crypto_aead_chacha20poly1305_ietf_NPUBBYTES ==
    XFORM_AEAD_NONCE_LEN, "ChaCha20-Poly1305 nonce length");
_Static_assert(crypto_scalarmult_curve25519_BYTES == SOD_X25519_LEN &&
    crypto_scalarmult_curve25519_SCALARBYTES == SOD_X25519_LEN,
    "X25519 lengths");
/* The caller aligns every ctx to XFORM_CTX_ALIGN; the expanded AES key
 * schedule needs 16. */
_Static_assert(XFORM_CTX_ALIGN % _Alignof(crypto_aead_aes256gcm_state) == 0,
    "ctx alignment too weak for the AES-GCM state");

/* libsodium takes an AAD pointer even when the AAD is empty. */
static const uint8_t no_aad[1];

static int
be_sodium_init(void)
{
	/* 0 on first call, 1 when already done, -1 on failure. */
	return sodium_init() < 0 ? -E_CRYPTO : 0;
}

static int
be_sodium_random(void *p, size_t n)
{
	if (n > 0)
		randombytes_buf(p, n);
	return 0;
}

static const uint8_t *
aad_ptr(struct span aad)
{
	return aad.p != NULL ? aad.p : no_aad;
}

/*
 * AES-256-GCM-16 (RFC 4106): the key schedule and GHASH key are expanded
 * once per SA by crypto_aead_aes256gcm_beforenm into ctx; every packet then
 * uses the _afternm calls.
 */
struct sod_gcm_ctx {
	crypto_aead_aes256gcm_state	st;
};

static int
be_sodium_gcm_probe(void)
{
	/* The CPU feature flags are read by sodium_init; calling it again is
	 * cheap and makes the probe safe before the backend's init. */
	if (sodium_init() < 0)
		return -E_CRYPTO;
	return crypto_aead_aes256gcm_is_available() ? 0 : -E_NOTSUP;
}

static int
be_sodium_gcm_init(void *ctx, const uint8_t *key, size_t keylen)
{
	struct sod_gcm_ctx *c = ctx;

	if (keylen != SOD_KEY_LEN)
		return -E_INVAL;
	/* Without AES-NI the libsodium code would trap on an illegal
	 * instruction rather than fail. */
	if (be_sodium_gcm_probe() != 0)
		return -E_NOTSUP;
	if (crypto_aead_aes256gcm_beforenm(&c->st, key) != 0) {
		sodium_memzero(c, sizeof(*c));
		return -E_CRYPTO;
	}
	return 0;
}

static int
be_sodium_gcm_seal(void *ctx, const uint8_t *nonce, struct span aad,
    uint8_t *buf, size_t len)
{
	const struct sod_gcm_ctx *c = ctx;

	if (len > crypto_aead_aes256gcm_MESSAGEBYTES_MAX)
		return -E_INVAL;
	if (crypto_aead_aes256gcm_encrypt_detached_afternm(buf, buf + len,
	    NULL, buf, len, aad_ptr(aad), aad.len, NULL, nonce, &c->st) != 0)
		return -E_CRYPTO;
	return 0;
}

static int
be_sodium_gcm_open(void *ctx, const uint8_t *nonce, struct span aad,
    uint8_t *buf, size_t len)
{
	const struct sod_gcm_ctx *c = ctx;

	if (len > crypto_aead_aes256gcm_MESSAGEBYTES_MAX)
		return -E_INVAL;
	/* libsodium compares the tag in constant time and fails the whole
	 * call (wiping the output) on a mismatch. */
	if (crypto_aead_aes256gcm_decrypt_detached_afternm(buf, NULL, buf,
	    len, buf + len, aad_ptr(aad), aad.len, nonce, &c->st) != 0)
		return -E_AUTH;
	return 0;
}

static void
be_sodium_gcm_cleanup(void *ctx)
{
	sodium_memzero(ctx, sizeof(struct sod_gcm_ctx));
}

static const struct xform_aead be_sodium_aes256gcm16 = {
	.name		= "aes256gcm16",
	.backend	= "sodium",
	.ike_id		= XFORM_ENCR_AES_GCM_16,
	.key_bits	= 256,
	.icv_len	= SOD_TAG_LEN,
	.ctx_size	= sizeof(struct sod_gcm_ctx),
	.probe		= be_sodium_gcm_probe,
	.init		= be_sodium_gcm_init,
	.seal		= be_sodium_gcm_seal,
	.open		= be_sodium_gcm_open,
	.cleanup	= be_sodium_gcm_cleanup,
};

/*
 * ChaCha20-Poly1305 for IKEv2 and ESP (RFC 7634 2 and 4): the IETF
 * construction of RFC 8439 2.8 with a 96-bit nonce (salt || IV) and a
 * 16-byte tag. There is no precomputation, so ctx is the key.
 */
struct sod_chacha_ctx {
	uint8_t	key[SOD_KEY_LEN];
};

static int
be_sodium_chacha_init(void *ctx, const uint8_t *key, size_t keylen)
{
	struct sod_chacha_ctx *c = ctx;

	if (keylen != SOD_KEY_LEN)
		return -E_INVAL;
	memcpy(c->key, key, SOD_KEY_LEN);
	return 0;
}

static int
be_sodium_chacha_seal(void *ctx, const uint8_t *nonce, struct span aad,
    uint8_t *buf, size_t len)
{
	const struct sod_chacha_ctx *c = ctx;

	if (len > crypto_aead_chacha20poly1305_ietf_MESSAGEBYTES_MAX)
		return -E_INVAL;
	if (crypto_aead_chacha20poly1305_ietf_encrypt_detached(buf, buf + len,
	    NULL, buf, len, aad_ptr(aad), aad.len, NULL, nonce, c->key) != 0)
		return -E_CRYPTO;
	return 0;
}

static int
be_sodium_chacha_open(void *ctx, const uint8_t *nonce, struct span aad,
    uint8_t *buf, size_t len)
{
	const struct sod_chacha_ctx *c = ctx;

	if (len > crypto_aead_chacha20poly1305_ietf_MESSAGEBYTES_MAX)
		return -E_INVAL;
	/* The tag is checked (constant time) before anything is decrypted. */
	if (crypto_aead_chacha20poly1305_ietf_decrypt_detached(buf, NULL, buf,
	    len, buf + len, aad_ptr(aad), aad.len, nonce, c->key) != 0)
		return -E_AUTH;
	return 0;
}

static void
be_sodium_chacha_cleanup(void *ctx)
{
	sodium_memzero(ctx, sizeof(struct sod_chacha_ctx));
}

static const struct xform_aead be_sodium_chacha20poly1305 = {
	.name		= "chacha20poly1305",
	.backend	= "sodium",
	.ike_id		= XFORM_ENCR_CHACHA20_POLY1305,
	.key_bits	= 256,
	.icv_len	= SOD_TAG_LEN,
	.ctx_size	= sizeof(struct sod_chacha_ctx),
	.init		= be_sodium_chacha_init,
	.seal		= be_sodium_chacha_seal,
	.open		= be_sodium_chacha_open,
	.cleanup	= be_sodium_chacha_cleanup,
};

/*
 * X25519 key exchange (RFC 8031 2, RFC 7748 5 and 6.1). The KE payload
 * carries the 32-byte little-endian u-coordinate; the shared secret is the
 * 32-byte u-coordinate of the product. libsodium clamps the scalar itself.
 */
struct sod_x25519 {
	uint8_t	priv[SOD_X25519_LEN];
};

static int
be_sodium_x25519_keygen(void **st, const uint8_t *priv, size_t privlen,
    uint8_t *pub)
{
	struct sod_x25519 *k = NULL;
	int r = -E_INTERNAL;

	*st = NULL;
	if (priv != NULL && privlen != SOD_X25519_LEN) {
		r = -E_INVAL;
		goto out;
	}
	if ((k = malloc(sizeof(*k))) == NULL) {
		r = -E_NOMEM;
		goto out;
	}
	if (priv != NULL)
		memcpy(k->priv, priv, SOD_X25519_LEN);
	else
		randombytes_buf(k->priv, SOD_X25519_LEN);
	if (crypto_scalarmult_curve25519_base(pub, k->priv) != 0) {
		r = -E_CRYPTO;
		goto out;
	}
	*st = k;
	k = NULL;
	r = 0;
out:
	if (k != NULL) {
		sodium_memzero(k, sizeof(*k));
		free(k);
	}
	return r;
}

static int
be_sodium_x25519_derive(void *st, struct span peer, uint8_t *shared)
{
	struct sod_x25519 *k = st;

	if (k == NULL || peer.len != SOD_X25519_LEN)
		return -E_INVAL;
	/*
	 * RFC 7748 6.1 and RFC 8031 2.3: a low-order peer value gives an
	 * all-zero secret, which must be rejected. crypto_scalarmult checks
	 * for it in constant time and returns -1.
	 */
	if (crypto_scalarmult_curve25519(shared, k->priv, peer.p) != 0) {
		sodium_memzero(shared, SOD_X25519_LEN);
		return -E_INVAL;
	}
	return 0;
}

static void
be_sodium_x25519_free(void *st)
{
	if (st == NULL)
		return;
	sodium_memzero(st, sizeof(struct sod_x25519));
	free(st);
}

static const struct xform_dh be_sodium_x25519 = {
	.name		= "curve25519",
	.backend	= "sodium",
	.group		= XFORM_DH_CURVE25519,
	.pub_len	= SOD_X25519_LEN,
	.shared_len	= SOD_X25519_LEN,
	.keygen		= be_sodium_x25519_keygen,
	.derive		= be_sodium_x25519_derive,
	.free		= be_sodium_x25519_free,
};

/* AES-GCM is listed unconditionally: its probe withdraws it on CPUs
 * without AES-NI and PCLMULQDQ. */
static const struct xform_aead *const be_sodium_aeads[] = {
	&be_sodium_aes256gcm16,
	&be_sodium_chacha20poly1305,
	NULL
};
static const struct xform_cipher *const be_sodium_ciphers[] = { NULL };
static const struct xform_mac *const be_sodium_macs[] = { NULL };
static const struct xform_md *const be_sodium_mds[] = { NULL };
static const struct xform_dh *const be_sodium_dhs[] = {
	&be_sodium_x25519,
	NULL
};

const struct xform_backend be_sodium_backend = {
	.name		= "sodium",
	.init		= be_sodium_init,
	.aead		= be_sodium_aeads,
	.cipher		= be_sodium_ciphers,
	.mac		= be_sodium_macs,
	.md		= be_sodium_mds,
	.dh		= be_sodium_dhs,
	.sig		= NULL,
	.random		= be_sodium_random,
};
