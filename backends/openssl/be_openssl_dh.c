/*
 * be_openssl_dh.c: IKEv2 key exchange for the OpenSSL backend: MODP group
 * 14 (RFC 3526), ECP groups 19/20/21 (RFC 5903) and Curve25519 (group 31,
 * RFC 8031 / RFC 7748). Control plane: allocates freely.
 *
 * Peer values are checked before use, as RFC 6989 and RFC 8031 require:
 *  - every group: the exact length of the KE data (RFC 7296 3.4);
 *  - MODP: 1 < y < p - 1, which excludes the values that force a shared
 *    secret of 0, 1 or +-1;
 *  - ECP: the point decodes, lies on the curve and is not the point at
 *    infinity;
 *  - X25519: the shared secret is not all zero (RFC 7748 6.1).
 * Every rejection of a peer value returns -E_INVAL.
 */
#include "config.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/dh.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include "core/xform.h"
#include "backends/openssl/be_openssl.h"

enum dh_kind {
	DH_MODP,
	DH_ECP,
	DH_X25519,
};

struct dh_group {
	enum dh_kind	 kind;
	const char	*type;		/* EVP_PKEY type name */
	const char	*group;		/* OpenSSL group name, or NULL */
	int		 nid;		/* EC curve, or NID_undef */
	size_t		 pub_len;
	size_t		 shared_len;
};

/* The largest ECP public value as OpenSSL encodes it: 04 || x || y. */
#define ECP_MAX_POINT	(1 + 2 * 66)

static const struct dh_group modp2048_group = {
	DH_MODP, "DH", "modp_2048", NID_undef, 256, 256
};
static const struct dh_group ecp256_group = {
	DH_ECP, "EC", "prime256v1", NID_X9_62_prime256v1, 64, 32
};
static const struct dh_group ecp384_group = {
	DH_ECP, "EC", "secp384r1", NID_secp384r1, 96, 48
};
static const struct dh_group ecp521_group = {
	DH_ECP, "EC", "secp521r1", NID_secp521r1, 132, 66
};
static const struct dh_group x25519_group = {
	DH_X25519, "X25519", NULL, NID_undef, 32, 32
};

/*
 * The private exponent of group 14 is 256 bits, more than twice the
 * group's 112-bit strength (RFC 3526 8 lists 220-320 bits for it), at a
 * fraction of the cost of a full-size one (0.4 ms per keygen here).
 */
#define MODP_PRIV_BITS	256

struct dh_state {
	const struct dh_group	*g;
	EVP_PKEY		*pkey;
};

static void
dh_free(void *vst)
{
	struct dh_state *st = vst;

	if (st == NULL)
		return;
	/* EVP_PKEY_free clears the private key. */
	EVP_PKEY_free(st->pkey);
	OPENSSL_clear_free(st, sizeof(*st));
}

/* Builds a key of type g->type from params; selection says which parts. */
static int
pkey_fromdata(const struct dh_group *g, OSSL_PARAM_BLD *bld, int selection,
    EVP_PKEY **pkey)
{
	EVP_PKEY_CTX *pctx = NULL;
	OSSL_PARAM *params = NULL;
	int r = -E_INTERNAL;

	if ((params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (pctx = EVP_PKEY_CTX_new_from_name(NULL, g->type, NULL)) ==
	    NULL) {
		r = -E_NOMEM;
		goto out;
	}
	r = -E_INVAL;
	if (EVP_PKEY_fromdata_init(pctx) <= 0 ||
	    EVP_PKEY_fromdata(pctx, pkey, selection, params) <= 0)
		goto out;
	r = 0;
 out:
	EVP_PKEY_CTX_free(pctx);
	/* Private BIGNUMs come from BN_secure_new, so their copies sit in
	 * the secure block that OSSL_PARAM_free clears. */
	OSSL_PARAM_free(params);
	return r;
}

static int
keygen_random(struct dh_state *st)
{
	const struct dh_group *g = st->g;
	EVP_PKEY_CTX *pctx = NULL;
	OSSL_PARAM p[3], *pp = p;
	int bits = MODP_PRIV_BITS;
	int r = -E_INTERNAL;

	if ((pctx = EVP_PKEY_CTX_new_from_name(NULL, g->type, NULL)) ==
	    NULL) {
		r = -E_NOMEM;
		goto out;
	}
	if (g->group != NULL)
		*pp++ = OSSL_PARAM_construct_utf8_string(
		    OSSL_PKEY_PARAM_GROUP_NAME, (char *)g->group, 0);
	if (g->kind == DH_MODP)
		*pp++ = OSSL_PARAM_construct_int(OSSL_PKEY_PARAM_DH_PRIV_LEN,
		    &bits);
	*pp = OSSL_PARAM_construct_end();
	r = -E_CRYPTO;
	if (EVP_PKEY_keygen_init(pctx) <= 0 ||
	    EVP_PKEY_CTX_set_params(pctx, p) <= 0 ||
	    EVP_PKEY_generate(pctx, &st->pkey) <= 0)
		goto out;
	r = 0;
 out:
	EVP_PKEY_CTX_free(pctx);
	return r;
}

/* MODP with a fixed exponent x: checks 1 < x < p - 1, computes g^x. */
static int
keygen_modp_fixed(struct dh_state *st, const uint8_t *priv, size_t privlen)
{
	BN_CTX *bctx = NULL;
	BIGNUM *p = NULL, *pm1 = NULL, *x = NULL, *y = NULL, *two = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	int r = -E_INTERNAL;

	if (privlen == 0 || privlen > st->g->pub_len)
		return -E_INVAL;
	if ((bctx = BN_CTX_new()) == NULL ||
	    (p = BN_get_rfc3526_prime_2048(NULL)) == NULL ||
	    (pm1 = BN_dup(p)) == NULL || (x = BN_secure_new()) == NULL ||
	    (y = BN_new()) == NULL || (two = BN_new()) == NULL ||
	    (bld = OSSL_PARAM_BLD_new()) == NULL) {
		r = -E_NOMEM;
		goto out;
	}
	r = -E_CRYPTO;
	if (BN_bin2bn(priv, (int)privlen, x) == NULL ||
	    !BN_sub_word(pm1, 1) || !BN_set_word(two, 2))
		goto out;
	if (BN_cmp(x, BN_value_one()) <= 0 || BN_cmp(x, pm1) >= 0) {
		r = -E_INVAL;
		goto out;
	}
	BN_set_flags(x, BN_FLG_CONSTTIME);
	/* RFC 3526 3: the generator of group 14 is 2. */
	if (!BN_mod_exp_mont_consttime(y, two, x, p, bctx, NULL))
		goto out;
	if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    st->g->group, 0) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, x) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y))
		goto out;
	r = pkey_fromdata(st->g, bld, EVP_PKEY_KEYPAIR, &st->pkey);
 out:
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(x);
	BN_free(y);
	BN_free(two);
	BN_free(pm1);
	BN_free(p);
	BN_CTX_free(bctx);
	return r;
}

/* ECP with a fixed scalar d: checks 0 < d < n, computes d * G. */
static int
keygen_ecp_fixed(struct dh_state *st, const uint8_t *priv, size_t privlen)
{
	const struct dh_group *g = st->g;
	BN_CTX *bctx = NULL;
	EC_GROUP *grp = NULL;
	EC_POINT *pt = NULL;
	BIGNUM *d = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	uint8_t enc[ECP_MAX_POINT];
	size_t n;
	int r = -E_INTERNAL;

	/* RFC 5903 8: the private values are field-size octet strings. */
	if (privlen != g->shared_len)
		return -E_INVAL;
	if ((bctx = BN_CTX_new()) == NULL ||
	    (grp = EC_GROUP_new_by_curve_name_ex(NULL, NULL, g->nid)) ==
	    NULL || (pt = EC_POINT_new(grp)) == NULL ||
	    (d = BN_secure_new()) == NULL ||
	    (bld = OSSL_PARAM_BLD_new()) == NULL) {
		r = -E_NOMEM;
		goto out;
	}
	r = -E_CRYPTO;
	if (BN_bin2bn(priv, (int)privlen, d) == NULL)
		goto out;
	if (BN_is_zero(d) || BN_cmp(d, EC_GROUP_get0_order(grp)) >= 0) {
		r = -E_INVAL;
		goto out;
	}
	BN_set_flags(d, BN_FLG_CONSTTIME);
	if (!EC_POINT_mul(grp, pt, d, NULL, NULL, bctx) ||
	    (n = EC_POINT_point2oct(grp, pt, POINT_CONVERSION_UNCOMPRESSED,
	    enc, sizeof(enc), bctx)) != 1 + g->pub_len)
		goto out;
	if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    g->group, 0) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
	    enc, n))
		goto out;
	r = pkey_fromdata(g, bld, EVP_PKEY_KEYPAIR, &st->pkey);
 out:
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(d);
	EC_POINT_free(pt);
	EC_GROUP_free(grp);
	BN_CTX_free(bctx);
	return r;
}

static int
keygen_x25519_fixed(struct dh_state *st, const uint8_t *priv,
    size_t privlen)
{
	if (privlen != 32)
		return -E_INVAL;
	/* RFC 7748 5: the scalar is clamped by X25519 itself. */
	st->pkey = EVP_PKEY_new_raw_private_key_ex(NULL, "X25519", NULL, priv,
	    privlen);
	return st->pkey != NULL ? 0 : -E_CRYPTO;
}

/* Writes the public value in its KE payload form (RFC 7296 3.4). */
static int
export_pub(const struct dh_state *st, uint8_t *pub)
{
	const struct dh_group *g = st->g;
	BIGNUM *y = NULL;
	uint8_t enc[ECP_MAX_POINT];
	size_t n;
	int r = -E_CRYPTO;

	switch (g->kind) {
	case DH_MODP:
		/* RFC 7296 3.4: padded with zeros to the modulus length. */
		if (EVP_PKEY_get_bn_param(st->pkey, OSSL_PKEY_PARAM_PUB_KEY,
		    &y) && BN_bn2binpad(y, pub, (int)g->pub_len) ==
		    (int)g->pub_len)
			r = 0;
		BN_free(y);
		break;
	case DH_ECP:
		/* RFC 5903 7: x || y, without SEC1's 04 prefix. */
		if (EVP_PKEY_get_octet_string_param(st->pkey,
		    OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, enc, sizeof(enc), &n) &&
		    n == 1 + g->pub_len &&
		    enc[0] == POINT_CONVERSION_UNCOMPRESSED) {
			memcpy(pub, enc + 1, g->pub_len);
			r = 0;
		}
		break;
	case DH_X25519:
		n = g->pub_len;
		if (EVP_PKEY_get_raw_public_key(st->pkey, pub, &n) &&
		    n == g->pub_len)
			r = 0;
		break;
	}
	return r;
}

static int
dh_keygen(const struct dh_group *g, void **stp, const uint8_t *priv,
    size_t privlen, uint8_t *pub)
{
	struct dh_state *st = NULL;
	int r = -E_INTERNAL;

	if (stp == NULL || pub == NULL)
		return -E_INVAL;
	*stp = NULL;
	if ((st = OPENSSL_zalloc(sizeof(*st))) == NULL) {
		r = -E_NOMEM;
		goto out;
	}
	st->g = g;
	if (priv == NULL)
		r = keygen_random(st);
	else if (g->kind == DH_MODP)
		r = keygen_modp_fixed(st, priv, privlen);
	else if (g->kind == DH_ECP)
		r = keygen_ecp_fixed(st, priv, privlen);
	else
		r = keygen_x25519_fixed(st, priv, privlen);
	if (r != 0)
		goto out;
	if ((r = export_pub(st, pub)) != 0)
		goto out;
	*stp = st;
	st = NULL;
	r = 0;
 out:
	dh_free(st);
	return r == 0 ? 0 : be_openssl__err(r);
}

/* MODP peer value y: 1 < y < p - 1 (RFC 6989). */
static int
peer_modp(const struct dh_group *g, struct span peer, EVP_PKEY **pk)
{
	BIGNUM *p = NULL, *pm1 = NULL, *y = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	int r = -E_INTERNAL;

	if ((p = BN_get_rfc3526_prime_2048(NULL)) == NULL ||
	    (pm1 = BN_dup(p)) == NULL || (y = BN_new()) == NULL ||
	    (bld = OSSL_PARAM_BLD_new()) == NULL) {
		r = -E_NOMEM;
		goto out;
	}
	r = -E_CRYPTO;
	if (BN_bin2bn(peer.p, (int)peer.len, y) == NULL ||
	    !BN_sub_word(pm1, 1))
		goto out;
	if (BN_cmp(y, BN_value_one()) <= 0 || BN_cmp(y, pm1) >= 0) {
		r = -E_INVAL;
		goto out;
	}
	if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    g->group, 0) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y))
		goto out;
	r = pkey_fromdata(g, bld, EVP_PKEY_PUBLIC_KEY, pk);
 out:
	OSSL_PARAM_BLD_free(bld);
	BN_free(y);
	BN_free(pm1);
	BN_free(p);
	return r;
}

/*
 * ECP peer point x || y. Decoding rejects coordinates >= p and points off
 * the curve; the quick public check also rejects the point at infinity.
 * The full check (n * Q == O) is not needed: the cofactor of the three NIST
 * curves is 1.
 */
static int
peer_ecp(const struct dh_group *g, struct span peer, EVP_PKEY **pk)
{
	EVP_PKEY_CTX *cctx = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	uint8_t enc[ECP_MAX_POINT];
	int r = -E_INTERNAL;

	enc[0] = POINT_CONVERSION_UNCOMPRESSED;
	memcpy(enc + 1, peer.p, g->pub_len);
	if ((bld = OSSL_PARAM_BLD_new()) == NULL) {
		r = -E_NOMEM;
		goto out;
	}
	r = -E_CRYPTO;
	if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    g->group, 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
	    enc, 1 + g->pub_len))
		goto out;
	if ((r = pkey_fromdata(g, bld, EVP_PKEY_PUBLIC_KEY, pk)) != 0)
		goto out;
	if ((cctx = EVP_PKEY_CTX_new_from_pkey(NULL, *pk, NULL)) == NULL) {
		r = -E_NOMEM;
		goto out;
	}
	if (EVP_PKEY_public_check_quick(cctx) != 1) {
		r = -E_INVAL;
		goto out;
	}
	r = 0;
 out:
	EVP_PKEY_CTX_free(cctx);
	OSSL_PARAM_BLD_free(bld);
	return r;
}

static int
dh_derive(void *vst, struct span peer, uint8_t *shared)
{
	struct dh_state *st = vst;
	const struct dh_group *g;
	EVP_PKEY *pk = NULL;
	EVP_PKEY_CTX *dctx = NULL;
	uint8_t acc;
	size_t i, n;
	int r = -E_INTERNAL;

	if (st == NULL || st->pkey == NULL || shared == NULL)
		return -E_INVAL;
	g = st->g;
	if (peer.p == NULL || peer.len != g->pub_len)
		return -E_INVAL;
	switch (g->kind) {
	case DH_MODP:
		r = peer_modp(g, peer, &pk);
		break;
	case DH_ECP:
		r = peer_ecp(g, peer, &pk);
		break;
	case DH_X25519:
		pk = EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL,
		    peer.p, peer.len);
		r = pk != NULL ? 0 : -E_INVAL;
		break;
	}
	if (r != 0)
		goto out;
	if ((dctx = EVP_PKEY_CTX_new_from_pkey(NULL, st->pkey, NULL)) ==
	    NULL) {
		r = -E_NOMEM;
		goto out;
	}
	r = -E_CRYPTO;
	if (EVP_PKEY_derive_init(dctx) <= 0 ||
	    (g->kind == DH_MODP && EVP_PKEY_CTX_set_dh_pad(dctx, 1) <= 0) ||
	    EVP_PKEY_derive_set_peer_ex(dctx, pk, 0) <= 0)
		goto out;
	n = g->shared_len;
	if (EVP_PKEY_derive(dctx, shared, &n) <= 0) {
		/* OpenSSL's X25519 refuses an all-zero result itself. */
		r = g->kind == DH_X25519 ? -E_INVAL : -E_CRYPTO;
		goto out;
	}
	if (n != g->shared_len)
		goto out;
	if (g->kind == DH_X25519) {
		/* RFC 7748 6.1: a low-order peer point gives all zeros;
		 * checked here too, without a data-dependent branch. */
		for (acc = 0, i = 0; i < n; i++)
			acc |= shared[i];
		if (acc == 0) {
			r = -E_INVAL;
			goto out;
		}
	}
	r = 0;
 out:
	if (r != 0)
		OPENSSL_cleanse(shared, g->shared_len);
	EVP_PKEY_CTX_free(dctx);
	EVP_PKEY_free(pk);
	return r == 0 ? 0 : be_openssl__err(r);
}

static int
modp2048_keygen(void **st, const uint8_t *priv, size_t privlen, uint8_t *pub)
{
	return dh_keygen(&modp2048_group, st, priv, privlen, pub);
}

static int
ecp256_keygen(void **st, const uint8_t *priv, size_t privlen, uint8_t *pub)
{
	return dh_keygen(&ecp256_group, st, priv, privlen, pub);
}

static int
ecp384_keygen(void **st, const uint8_t *priv, size_t privlen, uint8_t *pub)
{
	return dh_keygen(&ecp384_group, st, priv, privlen, pub);
}

static int
ecp521_keygen(void **st, const uint8_t *priv, size_t privlen, uint8_t *pub)
{
	return dh_keygen(&ecp521_group, st, priv, privlen, pub);
}

static int
x25519_keygen(void **st, const uint8_t *priv, size_t privlen, uint8_t *pub)
{
	return dh_keygen(&x25519_group, st, priv, privlen, pub);
}

static const struct xform_dh modp2048 = {
	.name = "modp2048",
	.backend = "openssl",
	.group = XFORM_DH_MODP2048,
	.pub_len = 256,
	.shared_len = 256,
	.keygen = modp2048_keygen,
	.derive = dh_derive,
	.free = dh_free,
};

static const struct xform_dh ecp256 = {
	.name = "ecp256",
	.backend = "openssl",
	.group = XFORM_DH_ECP256,
	.pub_len = 64,
	.shared_len = 32,
	.keygen = ecp256_keygen,
	.derive = dh_derive,
	.free = dh_free,
};

static const struct xform_dh ecp384 = {
	.name = "ecp384",
	.backend = "openssl",
	.group = XFORM_DH_ECP384,
	.pub_len = 96,
	.shared_len = 48,
	.keygen = ecp384_keygen,
	.derive = dh_derive,
	.free = dh_free,
};

static const struct xform_dh ecp521 = {
	.name = "ecp521",
	.backend = "openssl",
	.group = XFORM_DH_ECP521,
	.pub_len = 132,
	.shared_len = 66,
	.keygen = ecp521_keygen,
	.derive = dh_derive,
	.free = dh_free,
};

static const struct xform_dh curve25519 = {
	.name = "curve25519",
	.backend = "openssl",
	.group = XFORM_DH_CURVE25519,
	.pub_len = 32,
	.shared_len = 32,
	.keygen = x25519_keygen,
	.derive = dh_derive,
	.free = dh_free,
};

const struct xform_dh *const be_openssl__dhs[] = {
	&modp2048,
	&ecp256,
	&ecp384,
	&ecp521,
	&curve25519,
	NULL
};
