/*
 * be_openssl_sig.c: long-term key signatures for the OpenSSL backend: RSA
 * PKCS#1 v1.5 and RSA-PSS (RFC 8017), ECDSA on P-256/384/521 with DER
 * signatures (RFC 7427; RFC 4754 is the older fixed-size form). Keys are
 * opaque EVP_PKEY objects. Control plane: allocates freely.
 */
#include "config.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>

#include "core/xform.h"
#include "backends/openssl/be_openssl.h"

enum sig_pad {
	PAD_PKCS1,
	PAD_PSS,
	PAD_ECDSA,
};

struct sig_scheme {
	enum xform_hash	 hash;
	enum sig_pad	 pad;
};

static const struct sig_scheme schemes[] = {
	[XFORM_SIG_RSA_PKCS1_SHA1] = { XFORM_HASH_SHA1, PAD_PKCS1 },
	[XFORM_SIG_RSA_PKCS1_SHA256] = { XFORM_HASH_SHA256, PAD_PKCS1 },
	[XFORM_SIG_RSA_PKCS1_SHA384] = { XFORM_HASH_SHA384, PAD_PKCS1 },
	[XFORM_SIG_RSA_PKCS1_SHA512] = { XFORM_HASH_SHA512, PAD_PKCS1 },
	[XFORM_SIG_RSA_PSS_SHA256] = { XFORM_HASH_SHA256, PAD_PSS },
	[XFORM_SIG_RSA_PSS_SHA384] = { XFORM_HASH_SHA384, PAD_PSS },
	[XFORM_SIG_RSA_PSS_SHA512] = { XFORM_HASH_SHA512, PAD_PSS },
	[XFORM_SIG_ECDSA_SHA256] = { XFORM_HASH_SHA256, PAD_ECDSA },
	[XFORM_SIG_ECDSA_SHA384] = { XFORM_HASH_SHA384, PAD_ECDSA },
	[XFORM_SIG_ECDSA_SHA512] = { XFORM_HASH_SHA512, PAD_ECDSA },
};

static int
key_info(const void *vkey, enum xform_key_type *type, unsigned *bits)
{
	const EVP_PKEY *key = vkey;
	char name[64];
	size_t n;
	int nid;

	if (key == NULL)
		return -E_INVAL;
	if (EVP_PKEY_is_a(key, "RSA")) {
		if (type != NULL)
			*type = XFORM_KEY_RSA;
	} else if (EVP_PKEY_is_a(key, "EC")) {
		if (!EVP_PKEY_get_group_name(key, name, sizeof(name), &n))
			return be_openssl__err(-E_INVAL);
		nid = OBJ_sn2nid(name);
		if (nid == NID_X9_62_prime256v1) {
			if (type != NULL)
				*type = XFORM_KEY_EC_P256;
		} else if (nid == NID_secp384r1) {
			if (type != NULL)
				*type = XFORM_KEY_EC_P384;
		} else if (nid == NID_secp521r1) {
			if (type != NULL)
				*type = XFORM_KEY_EC_P521;
		} else
			return -E_INVAL;
	} else
		return -E_INVAL;
	if (bits != NULL)
		*bits = (unsigned)EVP_PKEY_get_bits(key);
	return 0;
}

/*
 * Decodes with OpenSSL's decoder chain: PEM or DER is detected, and so is
 * the structure (PKCS#8, traditional, SubjectPublicKeyInfo). No passphrase
 * callback is set, so an encrypted key fails. Keys of another type (DSA,
 * Ed25519, RSA-PSS-restricted, other curves) are refused.
 */
static int
load_key(struct span data, const char *structure, int selection,
    void **keyp)
{
	OSSL_DECODER_CTX *dctx = NULL;
	EVP_PKEY *key = NULL;
	const unsigned char *p = data.p;
	size_t len = data.len;
	int r = -E_INTERNAL;

	if (keyp == NULL || data.p == NULL || data.len == 0)
		return -E_INVAL;
	*keyp = NULL;
	if ((dctx = OSSL_DECODER_CTX_new_for_pkey(&key, NULL, structure, NULL,
	    selection, NULL, NULL)) == NULL) {
		r = -E_NOMEM;
		goto out;
	}
	r = -E_INVAL;
	if (!OSSL_DECODER_from_data(dctx, &p, &len) || key == NULL)
		goto out;
	if ((r = key_info(key, NULL, NULL)) != 0)
		goto out;
	*keyp = key;
	key = NULL;
	r = 0;
 out:
	EVP_PKEY_free(key);
	OSSL_DECODER_CTX_free(dctx);
	return r == 0 ? 0 : be_openssl__err(r);
}

static int
load_private(struct span data, void **keyp)
{
	return load_key(data, NULL, EVP_PKEY_KEYPAIR, keyp);
}

static int
load_public(struct span data, void **keyp)
{
	return load_key(data, "SubjectPublicKeyInfo", EVP_PKEY_PUBLIC_KEY,
	    keyp);
}

/*
 * Sets up md for signing or verifying with scheme s. PSS uses MGF1 with the
 * message hash and a salt as long as the hash (RFC 8017 9.1), the
 * parameters RFC 7427 signatures use; a key of the wrong type is -E_INVAL.
 */
static int
sig_setup(EVP_MD_CTX *mc, EVP_PKEY *key, enum xform_sig_scheme s,
    int verify)
{
	const struct sig_scheme *sc;
	const char *mdname;
	EVP_PKEY_CTX *pctx = NULL;
	int rsa;

	if ((unsigned)s >= sizeof(schemes) / sizeof(schemes[0]))
		return -E_INVAL;
	sc = &schemes[s];
	rsa = EVP_PKEY_is_a(key, "RSA");
	if (rsa != (sc->pad != PAD_ECDSA) ||
	    (!rsa && !EVP_PKEY_is_a(key, "EC")))
		return -E_INVAL;
	mdname = be_openssl__md_name(sc->hash);
	if ((verify ? EVP_DigestVerifyInit_ex(mc, &pctx, mdname, NULL, NULL,
	    key, NULL) : EVP_DigestSignInit_ex(mc, &pctx, mdname, NULL, NULL,
	    key, NULL)) != 1)
		return -E_CRYPTO;
	if (sc->pad == PAD_PKCS1 &&
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0)
		return -E_CRYPTO;
	if (sc->pad == PAD_PSS &&
	    (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, mdname, NULL) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx,
	    RSA_PSS_SALTLEN_DIGEST) <= 0))
		return -E_CRYPTO;
	return 0;
}

static int
sig_sign(void *key, enum xform_sig_scheme s, struct span msg, uint8_t *sig,
    size_t *siglen)
{
	EVP_MD_CTX *mc = NULL;
	size_t n;
	int max, r = -E_INTERNAL;

	if (key == NULL || sig == NULL || siglen == NULL ||
	    (msg.p == NULL && msg.len > 0))
		return -E_INVAL;
	/* The largest signature the key can make: the modulus size for RSA,
	 * the longest DER encoding for ECDSA. */
	if ((max = EVP_PKEY_get_size(key)) <= 0 || (size_t)max > *siglen)
		return -E_INVAL;
	if ((mc = EVP_MD_CTX_new()) == NULL) {
		r = -E_NOMEM;
		goto out;
	}
	if ((r = sig_setup(mc, key, s, 0)) != 0)
		goto out;
	n = *siglen;
	r = -E_CRYPTO;
	if (EVP_DigestSign(mc, sig, &n, msg.p, msg.len) != 1)
		goto out;
	*siglen = n;
	r = 0;
 out:
	EVP_MD_CTX_free(mc);
	return r == 0 ? 0 : be_openssl__err(r);
}

/* Any verification failure, a malformed DER signature included, is
 * -E_AUTH; only bad arguments and allocation failures are not. */
static int
sig_verify(void *key, enum xform_sig_scheme s, struct span msg,
    struct span sig)
{
	EVP_MD_CTX *mc = NULL;
	int r = -E_INTERNAL;

	if (key == NULL || (msg.p == NULL && msg.len > 0) ||
	    (sig.p == NULL && sig.len > 0))
		return -E_INVAL;
	if ((mc = EVP_MD_CTX_new()) == NULL) {
		r = -E_NOMEM;
		goto out;
	}
	if ((r = sig_setup(mc, key, s, 1)) != 0)
		goto out;
	r = -E_AUTH;
	if (sig.len == 0 ||
	    EVP_DigestVerify(mc, sig.p, sig.len, msg.p, msg.len) != 1)
		goto out;
	r = 0;
 out:
	EVP_MD_CTX_free(mc);
	return r == 0 ? 0 : be_openssl__err(r);
}

static void
key_free(void *key)
{
	/* Clears the private key material. */
	EVP_PKEY_free(key);
}

const struct xform_sig be_openssl__sig = {
	.name = "openssl",
	.backend = "openssl",
	.load_private = load_private,
	.load_public = load_public,
	.key_info = key_info,
	.sign = sig_sign,
	.verify = sig_verify,
	.key_free = key_free,
};
