/*
 * ike_auth.c: the AUTH payload (RFC 7296 2.15, 2.16, 3.8), signature
 * authentication (RFC 7427, RFC 4754), CERT and CERTREQ (3.6, 3.7).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/ct.h"
#include "core/err.h"
#include "core/ike_auth.h"
#include "core/ike_pld.h"
#include "core/span.h"
#include "core/xform.h"

/* 2.15: the pad string, 17 ASCII octets without a terminator. */
static const char key_pad[] = "Key Pad for IKEv2";
#define KEY_PAD_LEN	(sizeof(key_pad) - 1)

/* The signed octets never exceed an IKE_SA_INIT message (64 KiB), a
 * nonce and a PRF output. */
#define OCTETS_MAX	(65535 + IKE_NONCE_MAX + XFORM_MAX_HASH_LEN)

/* DER tags. */
#define DER_INTEGER	0x02
#define DER_NULL	0x05
#define DER_OID		0x06
#define DER_SEQUENCE	0x30
#define DER_CTX(n)	(0xa0 | (n))	/* [n], constructed */

/*
 * RFC 7427 Appendix A. A.1 (RSA PKCS#1 v1.5 with NULL parameters), A.3
 * (ECDSA, no parameters), A.4.3 (RSASSA-PSS with SHA-256, every parameter
 * present, trailerField included). The SHA-384 and SHA-512 RSASSA-PSS
 * identifiers have the A.4.3 shape with the hash OIDs of RFC 5754 2 and a
 * salt as long as the hash.
 */
static const uint8_t algid_rsa_sha256[] = {
	0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01,
	0x01, 0x0b, 0x05, 0x00,
};
static const uint8_t algid_rsa_sha384[] = {
	0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01,
	0x01, 0x0c, 0x05, 0x00,
};
static const uint8_t algid_rsa_sha512[] = {
	0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01,
	0x01, 0x0d, 0x05, 0x00,
};
static const uint8_t algid_ecdsa_sha256[] = {
	0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03,
	0x02,
};
static const uint8_t algid_ecdsa_sha384[] = {
	0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03,
	0x03,
};
static const uint8_t algid_ecdsa_sha512[] = {
	0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03,
	0x04,
};
#define PSS_ALGID(h, salt) {					\
	0x30, 0x46, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d,	\
	0x01, 0x01, 0x0a, 0x30, 0x39, 0xa0, 0x0f, 0x30, 0x0d, 0x06,	\
	0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, (h),	\
	0x05, 0x00, 0xa1, 0x1c, 0x30, 0x1a, 0x06, 0x09, 0x2a, 0x86,	\
	0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x08, 0x30, 0x0d, 0x06,	\
	0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, (h),	\
	0x05, 0x00, 0xa2, 0x03, 0x02, 0x01, (salt), 0xa3, 0x03, 0x02,	\
	0x01, 0x01,							\
}
static const uint8_t algid_pss_sha256[] = PSS_ALGID(0x01, 32);
static const uint8_t algid_pss_sha384[] = PSS_ALGID(0x02, 48);
static const uint8_t algid_pss_sha512[] = PSS_ALGID(0x03, 64);

/* Object identifiers (the content octets). */
static const uint8_t oid_rsa_sha256[] = {	/* 1.2.840.113549.1.1.11 */
	0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b,
};
static const uint8_t oid_rsa_sha384[] = {	/* 1.2.840.113549.1.1.12 */
	0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c,
};
static const uint8_t oid_rsa_sha512[] = {	/* 1.2.840.113549.1.1.13 */
	0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d,
};
static const uint8_t oid_rsa_pss[] = {		/* 1.2.840.113549.1.1.10 */
	0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a,
};
static const uint8_t oid_mgf1[] = {		/* 1.2.840.113549.1.1.8 */
	0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x08,
};
static const uint8_t oid_ecdsa_sha256[] = {	/* 1.2.840.10045.4.3.2 */
	0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02,
};
static const uint8_t oid_ecdsa_sha384[] = {	/* 1.2.840.10045.4.3.3 */
	0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03,
};
static const uint8_t oid_ecdsa_sha512[] = {	/* 1.2.840.10045.4.3.4 */
	0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04,
};
static const uint8_t oid_sha1[] = {		/* 1.3.14.3.2.26 */
	0x2b, 0x0e, 0x03, 0x02, 0x1a,
};
static const uint8_t oid_sha256[] = {		/* 2.16.840.1.101.3.4.2.1 */
	0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
};
static const uint8_t oid_sha384[] = {		/* 2.16.840.1.101.3.4.2.2 */
	0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02,
};
static const uint8_t oid_sha512[] = {		/* 2.16.840.1.101.3.4.2.3 */
	0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03,
};

#define SPAN_OF(a)	span_make((a), sizeof(a))

/* Hashes of the scheme families, indexed by enum xform_hash. */
static const enum xform_sig_scheme rsa_pkcs1_of[XFORM_HASH__MAX] = {
	[XFORM_HASH_SHA1] = XFORM_SIG_RSA_PKCS1_SHA1,
	[XFORM_HASH_SHA256] = XFORM_SIG_RSA_PKCS1_SHA256,
	[XFORM_HASH_SHA384] = XFORM_SIG_RSA_PKCS1_SHA384,
	[XFORM_HASH_SHA512] = XFORM_SIG_RSA_PKCS1_SHA512,
};
static const enum xform_sig_scheme rsa_pss_of[XFORM_HASH__MAX] = {
	[XFORM_HASH_SHA256] = XFORM_SIG_RSA_PSS_SHA256,
	[XFORM_HASH_SHA384] = XFORM_SIG_RSA_PSS_SHA384,
	[XFORM_HASH_SHA512] = XFORM_SIG_RSA_PSS_SHA512,
};
static const enum xform_sig_scheme ecdsa_of[XFORM_HASH__MAX] = {
	[XFORM_HASH_SHA256] = XFORM_SIG_ECDSA_SHA256,
	[XFORM_HASH_SHA384] = XFORM_SIG_ECDSA_SHA384,
	[XFORM_HASH_SHA512] = XFORM_SIG_ECDSA_SHA512,
};

static int
scheme_is_ecdsa(enum xform_sig_scheme s)
{
	return s == XFORM_SIG_ECDSA_SHA256 || s == XFORM_SIG_ECDSA_SHA384 ||
	    s == XFORM_SIG_ECDSA_SHA512;
}

struct span
ike_auth_algid(enum xform_sig_scheme s)
{
	switch (s) {
	case XFORM_SIG_RSA_PKCS1_SHA256:
		return SPAN_OF(algid_rsa_sha256);
	case XFORM_SIG_RSA_PKCS1_SHA384:
		return SPAN_OF(algid_rsa_sha384);
	case XFORM_SIG_RSA_PKCS1_SHA512:
		return SPAN_OF(algid_rsa_sha512);
	case XFORM_SIG_RSA_PSS_SHA256:
		return SPAN_OF(algid_pss_sha256);
	case XFORM_SIG_RSA_PSS_SHA384:
		return SPAN_OF(algid_pss_sha384);
	case XFORM_SIG_RSA_PSS_SHA512:
		return SPAN_OF(algid_pss_sha512);
	case XFORM_SIG_ECDSA_SHA256:
		return SPAN_OF(algid_ecdsa_sha256);
	case XFORM_SIG_ECDSA_SHA384:
		return SPAN_OF(algid_ecdsa_sha384);
	case XFORM_SIG_ECDSA_SHA512:
		return SPAN_OF(algid_ecdsa_sha512);
	case XFORM_SIG_RSA_PKCS1_SHA1:
		break;
	}
	return span_make(NULL, 0);
}

const char *
ike_auth_method_name(uint8_t method)
{
	switch (method) {
	case IKE_AUTH_RSA_SIG:			return "RSA signature";
	case IKE_AUTH_SHARED_KEY_MIC:		return "shared key";
	case IKE_AUTH_ECDSA_SHA256_P256:	return "ECDSA-256";
	case IKE_AUTH_ECDSA_SHA384_P384:	return "ECDSA-384";
	case IKE_AUTH_ECDSA_SHA512_P521:	return "ECDSA-521";
	case IKE_AUTH_DIGITAL_SIGNATURE:	return "digital signature";
	}
	return "unknown";
}

const char *
ike_auth_scheme_name(enum xform_sig_scheme s)
{
	switch (s) {
	case XFORM_SIG_RSA_PKCS1_SHA1:		return "RSA/SHA-1";
	case XFORM_SIG_RSA_PKCS1_SHA256:	return "RSA/SHA-256";
	case XFORM_SIG_RSA_PKCS1_SHA384:	return "RSA/SHA-384";
	case XFORM_SIG_RSA_PKCS1_SHA512:	return "RSA/SHA-512";
	case XFORM_SIG_RSA_PSS_SHA256:		return "RSA-PSS/SHA-256";
	case XFORM_SIG_RSA_PSS_SHA384:		return "RSA-PSS/SHA-384";
	case XFORM_SIG_RSA_PSS_SHA512:		return "RSA-PSS/SHA-512";
	case XFORM_SIG_ECDSA_SHA256:		return "ECDSA/SHA-256";
	case XFORM_SIG_ECDSA_SHA384:		return "ECDSA/SHA-384";
	case XFORM_SIG_ECDSA_SHA512:		return "ECDSA/SHA-512";
	}
	return "unknown";
}

/*
 * The signed octets and the PRF.
 */

/* out = prf(key, v[0] | ... | v[nv - 1]), prf->out_len bytes, with a
 * context allocated as xform.h asks and wiped afterwards. */
static int
prf_once(const struct xform_mac *prf, struct span key, const struct span *v,
    size_t nv, uint8_t *out)
{
	void *ctx = NULL;
	size_t size;
	int r = -E_INTERNAL;

	if (prf->out_len == 0 || prf->out_len > XFORM_MAX_HASH_LEN)
		return -E_INVAL;
	/* aligned_alloc wants a multiple of the alignment. */
	size = (prf->ctx_size + XFORM_CTX_ALIGN - 1) / XFORM_CTX_ALIGN *
	    XFORM_CTX_ALIGN;
	if (size == 0)
		size = XFORM_CTX_ALIGN;
	if ((ctx = aligned_alloc(XFORM_CTX_ALIGN, size)) == NULL)
		return -E_NOMEM;
	memset(ctx, 0, size);
	r = -E_CRYPTO;
	if (prf->init(ctx, key.p, key.len) != 0 ||
	    prf->mac(ctx, v, nv, out) != 0)
		goto out;
	r = 0;
 out:
	/* cleanup is safe after a failed init (xform.h). */
	prf->cleanup(ctx);
	ct_wipe(ctx, size);
	free(ctx);
	return r;
}

static int
input_ok(const struct ike_auth_input *in)
{
	return in != NULL && in->prf != NULL && in->sk_p.p != NULL &&
	    in->sk_p.len > 0 && in->init_msg.p != NULL &&
	    in->init_msg.len > 0 && in->nonce.p != NULL &&
	    in->nonce.len > 0 && in->id_body.p != NULL &&
	    in->id_body.len >= 4 && in->init_msg.len <= 65535 &&
	    in->nonce.len <= IKE_NONCE_MAX;
}

/* Writes MACedIDFor[IR] = prf(SK_p, ID') to maced. */
static int
maced_id(const struct ike_auth_input *in, uint8_t *maced)
{
	return prf_once(in->prf, in->sk_p, &in->id_body, 1, maced);
}

int
ike_auth_id_body(const struct ike_pld_id *id, struct buf *b)
{
	int r;

	/* RFC 7296 3.5: ID Type, then three RESERVED octets sent as 0. */
	if ((r = buf_add_u8(b, id->type)) != 0 ||
	    (r = buf_add_u8(b, 0)) != 0 ||
	    (r = buf_add_u16(b, 0)) != 0 ||
	    (r = buf_add_span(b, id->data)) != 0)
		return r;
	return 0;
}

int
ike_auth_octets(const struct ike_auth_input *in, struct buf **out)
{
	uint8_t maced[XFORM_MAX_HASH_LEN];
	struct buf *b = NULL;
	int r = -E_INTERNAL;

	if (out == NULL)
		return -E_INVAL;
	*out = NULL;
	if (!input_ok(in))
		return -E_INVAL;
	if ((r = maced_id(in, maced)) != 0)
		goto out;
	if ((b = buf_new(OCTETS_MAX)) == NULL) {
		r = -E_NOMEM;
		goto out;
	}
	/* 2.15: RealMessage | NonceData of the peer | MACedID. */
	if ((r = buf_add_span(b, in->init_msg)) != 0 ||
	    (r = buf_add_span(b, in->nonce)) != 0 ||
	    (r = buf_add(b, maced, in->prf->out_len)) != 0)
		goto out;
	*out = b;
	b = NULL;
	r = 0;
 out:
	buf_free(b);
	ct_wipe(maced, sizeof(maced));
	return r;
}

/*
 * Shared key (method 2).
 */

int
ike_auth_psk(const struct ike_auth_input *in, struct span secret,
    uint8_t out[static XFORM_MAX_HASH_LEN], size_t *outlen)
{
	uint8_t maced[XFORM_MAX_HASH_LEN], padkey[XFORM_MAX_HASH_LEN];
	struct span v[3], pad = span_make(key_pad, KEY_PAD_LEN);
	size_t n;
	int r = -E_INTERNAL;

	if (outlen == NULL || !input_ok(in) || secret.p == NULL ||
	    secret.len == 0)
		return -E_INVAL;
	n = in->prf->out_len;
	if ((r = maced_id(in, maced)) != 0)
		goto out;
	/* 2.15: AUTH = prf(prf(Shared Secret, "Key Pad for IKEv2"),
	 * <SignedOctets>); the octets are gathered, not copied. */
	if ((r = prf_once(in->prf, secret, &pad, 1, padkey)) != 0)
		goto out;
	v[0] = in->init_msg;
	v[1] = in->nonce;
	v[2] = span_make(maced, n);
	if ((r = prf_once(in->prf, span_make(padkey, n), v, 3, out)) != 0)
		goto out;
	*outlen = n;
	r = 0;
 out:
	ct_wipe(padkey, sizeof(padkey));
	ct_wipe(maced, sizeof(maced));
	if (r != 0)
		ct_wipe(out, XFORM_MAX_HASH_LEN);
	return r;
}

int
ike_auth_psk_verify(const struct ike_auth_input *in, struct span secret,
    struct span auth)
{
	uint8_t want[XFORM_MAX_HASH_LEN];
	size_t n = 0;
	int r;

	if ((r = ike_auth_psk(in, secret, want, &n)) != 0)
		return r;
	/* The length is public (the PRF's); the bytes are compared in
	 * constant time. */
	r = auth.len == n && ct_memeq(auth.p, want, n) ? 0 : -E_AUTH;
	ct_wipe(want, sizeof(want));
	return r;
}

/*
 * DER, the little of it this module reads: definite lengths of at most
 * two octets, minimal encodings.
 */

/* Reads one element with tag from *s into *content. */
static int
der_get(struct span *s, uint8_t tag, struct span *content)
{
	struct span t = *s;
	uint8_t got, l0, l1;
	size_t len;

	if (span_get_u8(&t, &got) != 0 || got != tag ||
	    span_get_u8(&t, &l0) != 0)
		return -E_SYNTAX;
	if (l0 < 0x80)
		len = l0;
	else if (l0 == 0x81) {
		if (span_get_u8(&t, &l1) != 0 || l1 < 0x80)
			return -E_SYNTAX;
		len = l1;
	} else if (l0 == 0x82) {
		uint16_t l2;

		if (span_get_u16(&t, &l2) != 0 || l2 < 0x100)
			return -E_SYNTAX;
		len = l2;
	} else
		return -E_SYNTAX;
	if (span_get_bytes(&t, len, content) != 0)
		return -E_SYNTAX;
	*s = t;
	return 0;
}

/* Peeks at the next tag; -1 at the end. */
static int
der_peek(struct span s)
{
	return s.len > 0 ? s.p[0] : -1;
}

/* Appends a DER length. */
static size_t
der_put_len(uint8_t *p, size_t len)
{
	if (len < 0x80) {
		p[0] = (uint8_t)len;
		return 1;
	}
	p[0] = 0x81;
	p[1] = (uint8_t)len;
	return 2;
}

/*
 * ECDSA signature formats: r || s (RFC 4754 7) and the DER
 * Ecdsa-Sig-Value (RFC 7427 3, RFC 3279 2.2.3) the backends use.
 */

/* Writes the DER INTEGER for the unsigned big-endian v (w bytes). */
static size_t
der_put_uint(uint8_t *p, const uint8_t *v, size_t w)
{
	size_t n = 0, skip = 0;

	/* Minimal: no leading zero octets, but one where the high bit
	 * would make the value negative; zero is one 0x00 octet. */
	while (skip < w - 1 && v[skip] == 0)
		skip++;
	p[n++] = DER_INTEGER;
	n += der_put_len(p + n, w - skip + (v[skip] & 0x80 ? 1 : 0));
	if (v[skip] & 0x80)
		p[n++] = 0;
	memcpy(p + n, v + skip, w - skip);
	return n + w - skip;
}

int
ike_auth_ecdsa_rs_to_der(struct span rs, size_t w, uint8_t *der,
    size_t *derlen)
{
	uint8_t body[IKE_AUTH_ECDSA_DER_MAX];
	size_t n = 0, h;

	if (w == 0 || w > IKE_AUTH_ECDSA_RS_MAX / 2 || rs.len != 2 * w ||
	    rs.p == NULL || der == NULL || derlen == NULL)
		return -E_INVAL;
	n += der_put_uint(body + n, rs.p, w);
	n += der_put_uint(body + n, rs.p + w, w);
	der[0] = DER_SEQUENCE;
	h = 1 + der_put_len(der + 1, n);
	/* Each INTEGER takes at most 2 + w + 1 octets (tag, length, sign
	 * octet), so n <= 138 and the whole fits IKE_AUTH_ECDSA_DER_MAX;
	 * the check keeps that true if the constants ever change. */
	if (h + n > IKE_AUTH_ECDSA_DER_MAX)
		return -E_INVAL;
	memcpy(der + h, body, n);
	*derlen = h + n;
	return 0;
}

/* Reads a non-negative INTEGER into out, left-padded to w bytes. */
static int
der_get_uint(struct span *s, size_t w, uint8_t *out)
{
	struct span v;
	int r;

	if ((r = der_get(s, DER_INTEGER, &v)) != 0)
		return r;
	if (v.len == 0 || (v.p[0] & 0x80))
		return -E_SYNTAX;
	/* The sign octet, then (leniently) any other leading zeros. */
	while (v.len > 1 && v.p[0] == 0) {
		v.p++;
		v.len--;
	}
	if (v.len > w)
		return -E_RANGE;
	memset(out, 0, w - v.len);
	memcpy(out + (w - v.len), v.p, v.len);
	return 0;
}

int
ike_auth_ecdsa_der_to_rs(struct span der, size_t w, uint8_t *rs)
{
	struct span seq;
	int r;

	if (w == 0 || w > IKE_AUTH_ECDSA_RS_MAX / 2 || rs == NULL ||
	    (der.p == NULL && der.len > 0))
		return -E_INVAL;
	if ((r = der_get(&der, DER_SEQUENCE, &seq)) != 0)
		return r;
	if (!span_is_empty(der))
		return -E_SYNTAX;
	if ((r = der_get_uint(&seq, w, rs)) != 0 ||
	    (r = der_get_uint(&seq, w, rs + w)) != 0)
		return r;
	return span_is_empty(seq) ? 0 : -E_SYNTAX;
}

/*
 * RFC 7427 AlgorithmIdentifiers we accept.
 */

static int
span_is(struct span s, const uint8_t *p, size_t n)
{
	return s.len == n && memcmp(s.p, p, n) == 0;
}

/* Absent parameters, or NULL (RFC 4055 5: both must be accepted for the
 * hash OIDs; RFC 8017 A.2.4 gives NULL for PKCS#1 v1.5). */
static int
params_null_or_absent(struct span params)
{
	struct span nul;

	if (span_is_empty(params))
		return 1;
	return der_get(&params, DER_NULL, &nul) == 0 && nul.len == 0 &&
	    span_is_empty(params);
}

/* Parses a hash AlgorithmIdentifier (SEQUENCE { OID, [NULL] }). */
static int
hash_algid(struct span s, enum xform_hash *h)
{
	struct span seq, oid;

	if (der_get(&s, DER_SEQUENCE, &seq) != 0 || !span_is_empty(s) ||
	    der_get(&seq, DER_OID, &oid) != 0 || !params_null_or_absent(seq))
		return -E_AUTH;
	if (span_is(oid, oid_sha1, sizeof(oid_sha1)))
		*h = XFORM_HASH_SHA1;
	else if (span_is(oid, oid_sha256, sizeof(oid_sha256)))
		*h = XFORM_HASH_SHA256;
	else if (span_is(oid, oid_sha384, sizeof(oid_sha384)))
		*h = XFORM_HASH_SHA384;
	else if (span_is(oid, oid_sha512, sizeof(oid_sha512)))
		*h = XFORM_HASH_SHA512;
	else
		return -E_AUTH;
	return 0;
}

/* Reads a small non-negative INTEGER. */
static int
der_get_small(struct span *s, unsigned *v)
{
	struct span c;
	size_t i;

	if (der_get(s, DER_INTEGER, &c) != 0 || c.len == 0 || c.len > 2 ||
	    (c.p[0] & 0x80))
		return -E_AUTH;
	*v = 0;
	for (i = 0; i < c.len; i++)
		*v = *v << 8 | c.p[i];
	return 0;
}

/*
 * RSASSA-PSS-params (RFC 4055 3.1, RFC 8017 A.2.3). Missing fields take
 * their defaults (SHA-1, MGF1 with SHA-1, salt 20, trailer 1); we accept
 * only a SHA-2 hash with MGF1 over the same hash and a salt as long as the
 * hash, which is what the signature ops check (xform.h).
 */
static int
pss_params(struct span params, enum xform_sig_scheme *s)
{
	struct span seq, f, mgf, oid;
	enum xform_hash h = XFORM_HASH_SHA1, mh = XFORM_HASH_SHA1;
	unsigned salt = 20, trailer = 1;

	if (der_get(&params, DER_SEQUENCE, &seq) != 0 ||
	    !span_is_empty(params))
		return -E_AUTH;
	if (der_peek(seq) == DER_CTX(0) &&
	    (der_get(&seq, DER_CTX(0), &f) != 0 || hash_algid(f, &h) != 0))
		return -E_AUTH;
	if (der_peek(seq) == DER_CTX(1) &&
	    (der_get(&seq, DER_CTX(1), &f) != 0 ||
	    der_get(&f, DER_SEQUENCE, &mgf) != 0 || !span_is_empty(f) ||
	    der_get(&mgf, DER_OID, &oid) != 0 ||
	    !span_is(oid, oid_mgf1, sizeof(oid_mgf1)) ||
	    hash_algid(mgf, &mh) != 0))
		return -E_AUTH;
	if (der_peek(seq) == DER_CTX(2) &&
	    (der_get(&seq, DER_CTX(2), &f) != 0 ||
	    der_get_small(&f, &salt) != 0 || !span_is_empty(f)))
		return -E_AUTH;
	if (der_peek(seq) == DER_CTX(3) &&
	    (der_get(&seq, DER_CTX(3), &f) != 0 ||
	    der_get_small(&f, &trailer) != 0 || !span_is_empty(f)))
		return -E_AUTH;
	if (!span_is_empty(seq) || trailer != 1 || h != mh ||
	    h == XFORM_HASH_SHA1 || salt != xform_hash_len(h))
		return -E_AUTH;
	*s = rsa_pss_of[h];
	return 0;
}

/* Parses a signature AlgorithmIdentifier (exactly alg) into *s. */
static int
sig_algid(struct span alg, enum xform_sig_scheme *s)
{
	struct span seq, oid;

	if (der_get(&alg, DER_SEQUENCE, &seq) != 0 || !span_is_empty(alg) ||
	    der_get(&seq, DER_OID, &oid) != 0)
		return -E_AUTH;
	/* seq now holds the parameters. */
	if (span_is(oid, oid_rsa_sha256, sizeof(oid_rsa_sha256)))
		*s = XFORM_SIG_RSA_PKCS1_SHA256;
	else if (span_is(oid, oid_rsa_sha384, sizeof(oid_rsa_sha384)))
		*s = XFORM_SIG_RSA_PKCS1_SHA384;
	else if (span_is(oid, oid_rsa_sha512, sizeof(oid_rsa_sha512)))
		*s = XFORM_SIG_RSA_PKCS1_SHA512;
	else if (span_is(oid, oid_ecdsa_sha256, sizeof(oid_ecdsa_sha256)))
		*s = XFORM_SIG_ECDSA_SHA256;
	else if (span_is(oid, oid_ecdsa_sha384, sizeof(oid_ecdsa_sha384)))
		*s = XFORM_SIG_ECDSA_SHA384;
	else if (span_is(oid, oid_ecdsa_sha512, sizeof(oid_ecdsa_sha512)))
		*s = XFORM_SIG_ECDSA_SHA512;
	else if (span_is(oid, oid_rsa_pss, sizeof(oid_rsa_pss)))
		return pss_params(seq, s);
	else
		return -E_AUTH;
	/* RFC 5758 3.2: ECDSA identifiers have no parameters; RFC 8017
	 * A.2.4: PKCS#1 v1.5 ones have NULL (absence tolerated). */
	if (scheme_is_ecdsa(*s))
		return span_is_empty(seq) ? 0 : -E_AUTH;
	return params_null_or_absent(seq) ? 0 : -E_AUTH;
}

/*
 * Signatures.
 */

/* The classic ECDSA method of a curve, its hash and r/s width. */
static int
ecdsa_method(enum xform_key_type kt, uint8_t *method,
    enum xform_sig_scheme *s, size_t *w)
{
	switch (kt) {
	case XFORM_KEY_EC_P256:
		*method = IKE_AUTH_ECDSA_SHA256_P256;
		*s = XFORM_SIG_ECDSA_SHA256;
		*w = 32;
		return 0;
	case XFORM_KEY_EC_P384:
		*method = IKE_AUTH_ECDSA_SHA384_P384;
		*s = XFORM_SIG_ECDSA_SHA384;
		*w = 48;
		return 0;
	case XFORM_KEY_EC_P521:
		*method = IKE_AUTH_ECDSA_SHA512_P521;
		*s = XFORM_SIG_ECDSA_SHA512;
		*w = 66;
		return 0;
	case XFORM_KEY_RSA:
		break;
	}
	return -E_NOTSUP;
}

/* The strongest SHA-2 hash in a peer's SIGNATURE_HASH_ALGORITHMS set. */
static int
strongest(unsigned set, enum xform_hash *h)
{
	if (set & IKE_AUTH_HASH_BIT(IKE_AUTH_HASH_SHA512))
		*h = XFORM_HASH_SHA512;
	else if (set & IKE_AUTH_HASH_BIT(IKE_AUTH_HASH_SHA384))
		*h = XFORM_HASH_SHA384;
	else if (set & IKE_AUTH_HASH_BIT(IKE_AUTH_HASH_SHA256))
		*h = XFORM_HASH_SHA256;
	else
		return -E_NOENT;
	return 0;
}

int
ike_auth_sign(const struct xform_sig *sig, void *key,
    const struct ike_auth_input *in, unsigned peer_hashes, unsigned flags,
    uint8_t *method, enum xform_sig_scheme *scheme, struct buf *data)
{
	uint8_t sigbuf[IKE_AUTH_SIG_MAX], rs[IKE_AUTH_ECDSA_RS_MAX];
	struct buf *octets = NULL;
	struct span algid = { NULL, 0 };
	enum xform_key_type kt;
	enum xform_sig_scheme s;
	enum xform_hash h;
	size_t siglen = sizeof(sigbuf), w = 0;
	uint8_t m;
	int r = -E_INTERNAL;

	if (sig == NULL || key == NULL || method == NULL || data == NULL)
		return -E_INVAL;
	if ((r = sig->key_info(key, &kt, NULL)) != 0)
		goto out;
	if (strongest(peer_hashes, &h) == 0) {
		/* RFC 7427 4: the peer announced what it can verify. */
		m = IKE_AUTH_DIGITAL_SIGNATURE;
		if (kt == XFORM_KEY_RSA)
			s = flags & IKE_AUTH_F_RSA_PSS ? rsa_pss_of[h] :
			    rsa_pkcs1_of[h];
		else
			s = ecdsa_of[h];
		algid = ike_auth_algid(s);
	} else if (kt == XFORM_KEY_RSA) {
		/* RFC 7296 3.8 method 1: PKCS#1 v1.5; the hash is SHA-1,
		 * the one strongSwan signs and verifies with. */
		m = IKE_AUTH_RSA_SIG;
		s = XFORM_SIG_RSA_PKCS1_SHA1;
	} else if ((r = ecdsa_method(kt, &m, &s, &w)) != 0)
		goto out;
	if ((r = ike_auth_octets(in, &octets)) != 0)
		goto out;
	if ((r = sig->sign(key, s, buf_span(octets), sigbuf, &siglen)) != 0)
		goto out;
	if (m == IKE_AUTH_DIGITAL_SIGNATURE) {
		/* RFC 7427 3: ASN.1 Length | AlgorithmIdentifier |
		 * Signature Value. */
		if ((r = buf_add_u8(data, (uint8_t)algid.len)) != 0 ||
		    (r = buf_add_span(data, algid)) != 0 ||
		    (r = buf_add(data, sigbuf, siglen)) != 0)
			goto out;
	} else if (w > 0) {
		/* RFC 4754 7: r || s, each of the curve's width. */
		if ((r = ike_auth_ecdsa_der_to_rs(span_make(sigbuf, siglen),
		    w, rs)) != 0) {
			r = -E_CRYPTO;
			goto out;
		}
		if ((r = buf_add(data, rs, 2 * w)) != 0)
			goto out;
	} else if ((r = buf_add(data, sigbuf, siglen)) != 0)
		goto out;
	*method = m;
	if (scheme != NULL)
		*scheme = s;
	r = 0;
 out:
	buf_free(octets);
	return r;
}

/* Whether a key of type kt can check scheme s. */
static int
key_fits(enum xform_key_type kt, enum xform_sig_scheme s)
{
	return scheme_is_ecdsa(s) ? kt != XFORM_KEY_RSA : kt == XFORM_KEY_RSA;
}

int
ike_auth_verify(const struct xform_sig *sig, void *key,
    const struct ike_auth_input *in, uint8_t method, struct span data,
    enum xform_sig_scheme *scheme)
{
	uint8_t der[IKE_AUTH_ECDSA_DER_MAX], alen, m;
	struct buf *octets = NULL;
	struct span alg, sigval = data;
	enum xform_key_type kt, want;
	enum xform_sig_scheme s;
	size_t w, derlen;
	int r = -E_INTERNAL;

	if (sig == NULL || key == NULL || (data.p == NULL && data.len > 0))
		return -E_INVAL;
	if ((r = sig->key_info(key, &kt, NULL)) != 0)
		goto out;
	r = -E_AUTH;
	switch (method) {
	case IKE_AUTH_RSA_SIG:
		if (kt != XFORM_KEY_RSA)
			goto out;
		s = XFORM_SIG_RSA_PKCS1_SHA1;
		break;
	case IKE_AUTH_ECDSA_SHA256_P256:
	case IKE_AUTH_ECDSA_SHA384_P384:
	case IKE_AUTH_ECDSA_SHA512_P521:
		/* RFC 4754 3, 4: the method fixes the curve and the
		 * hash. */
		want = method == IKE_AUTH_ECDSA_SHA256_P256 ?
		    XFORM_KEY_EC_P256 : method == IKE_AUTH_ECDSA_SHA384_P384 ?
		    XFORM_KEY_EC_P384 : XFORM_KEY_EC_P521;
		if (kt != want || ecdsa_method(kt, &m, &s, &w) != 0 ||
		    ike_auth_ecdsa_rs_to_der(data, w, der, &derlen) != 0)
			goto out;
		sigval = span_make(der, derlen);
		break;
	case IKE_AUTH_DIGITAL_SIGNATURE:
		/* RFC 7427 3: the length octet must cover exactly one
		 * AlgorithmIdentifier, and a signature must follow. */
		if (span_get_u8(&sigval, &alen) != 0 ||
		    span_get_bytes(&sigval, alen, &alg) != 0 ||
		    span_is_empty(sigval) || sig_algid(alg, &s) != 0 ||
		    !key_fits(kt, s))
			goto out;
		break;
	default:
		r = -E_NOTSUP;
		goto out;
	}
	if ((r = ike_auth_octets(in, &octets)) != 0)
		goto out;
	r = sig->verify(key, s, buf_span(octets), sigval);
	/* The signature ops answer -E_INVAL for a key that cannot do s,
	 * which key_fits already excluded; anything but success is an
	 * authentication failure from here. */
	if (r != 0 && r != -E_NOMEM)
		r = -E_AUTH;
	if (r == 0 && scheme != NULL)
		*scheme = s;
 out:
	buf_free(octets);
	return r;
}

/*
 * SIGNATURE_HASH_ALGORITHMS (RFC 7427 4).
 */

static const uint8_t hashes_ours[] = {
	0x00, IKE_AUTH_HASH_SHA256,
	0x00, IKE_AUTH_HASH_SHA384,
	0x00, IKE_AUTH_HASH_SHA512,
};

struct span
ike_auth_hashes_ours(void)
{
	return SPAN_OF(hashes_ours);
}

int
ike_auth_hashes_parse(struct span data, unsigned *set)
{
	uint16_t id;

	if (data.len % 2 != 0)
		return -E_BADLEN;
	*set = 0;
	while (span_get_u16(&data, &id) == 0)
		if (id < 32)
			*set |= IKE_AUTH_HASH_BIT(id);
	return 0;
}

/*
 * CERT and CERTREQ (RFC 7296 3.6, 3.7).
 */

int
ike_auth_cert_payload(const struct xform_x509 *x509, const void *cert,
    struct ike_pld_cert *out)
{
	int r;

	if (x509 == NULL || cert == NULL || out == NULL)
		return -E_INVAL;
	if ((r = x509->der(cert, &out->data)) != 0)
		return r;
	out->enc = IKE_CERT_X509_SIG;
	return 0;
}

int
ike_auth_cert_id(const struct xform_x509 *x509, const void *cert,
    struct ike_pld_id *id)
{
	int r;

	if (x509 == NULL || cert == NULL || id == NULL)
		return -E_INVAL;
	if ((r = x509->subject(cert, &id->data)) != 0)
		return r;
	id->type = IKE_ID_DER_ASN1_DN;
	return 0;
}

int
ike_auth_certreq_data(const struct xform_x509 *x509, void *const *cas,
    size_t ncas, struct buf *b)
{
	uint8_t h[XFORM_X509_KEYID_LEN];
	size_t i;
	int r;

	if (x509 == NULL || b == NULL || (cas == NULL && ncas > 0))
		return -E_INVAL;
	for (i = 0; i < ncas; i++)
		if ((r = x509->keyid(cas[i], h)) != 0 ||
		    (r = buf_add(b, h, sizeof(h))) != 0)
			return r;
	return 0;
}

int
ike_auth_certreq_names(const struct xform_x509 *x509,
    const struct ike_pld_certreq *req, void *const *chain, size_t n)
{
	uint8_t h[XFORM_X509_KEYID_LEN];
	struct span list, one;
	size_t i;

	if (x509 == NULL || req == NULL || chain == NULL ||
	    req->enc != IKE_CERT_X509_SIG)
		return 0;
	for (i = 0; i < n; i++) {
		if (x509->keyid(chain[i], h) != 0)
			continue;
		list = req->data;
		while (span_get_bytes(&list, IKE_CERTREQ_HASH_LEN, &one) == 0)
			if (span_is(one, h, sizeof(h)))
				return 1;
	}
	return 0;
}

int
ike_auth_peer_cert(const struct xform_x509 *x509,
    const struct ike_pld_cert *certs, size_t ncerts, void *const *cas,
    size_t ncas, const struct ike_pld_id *id, int64_t now, void **key)
{
	void *loaded[IKE_AUTH_MAX_CERTS];
	size_t n = 0, i;
	int r = -E_INTERNAL;

	if (key == NULL)
		return -E_INVAL;
	*key = NULL;
	if (x509 == NULL || certs == NULL || id == NULL ||
	    (cas == NULL && ncas > 0))
		return -E_INVAL;
	if (ncerts == 0)
		return -E_AUTH;
	if (ncerts > IKE_AUTH_MAX_CERTS)
		return -E_TOOMANY;
	/* 3.6: the first CERT holds the key that signed AUTH. */
	if (certs[0].enc != IKE_CERT_X509_SIG)
		return -E_NOTSUP;
	switch (id->type) {
	case IKE_ID_IPV4_ADDR:
	case IKE_ID_FQDN:
	case IKE_ID_RFC822_ADDR:
	case IKE_ID_IPV6_ADDR:
	case IKE_ID_DER_ASN1_DN:
		break;
	default:
		return -E_NOTSUP;
	}
	for (i = 0; i < ncerts; i++) {
		if (certs[i].enc != IKE_CERT_X509_SIG)
			continue;
		if ((r = x509->load(certs[i].data, &loaded[n])) != 0) {
			r = r == -E_NOMEM ? r : -E_INVAL;
			goto out;
		}
		n++;
	}
	/* The identity the peer claims must be one its certificate
	 * vouches for (RFC 4945 3.1, 4); the IKE_ID_* values are the
	 * xform_x509_id ones. */
	if ((r = x509->match_id(loaded[0], (enum xform_x509_id)id->type,
	    id->data)) != 0) {
		r = r == -E_NOMEM ? r : -E_AUTH;
		goto out;
	}
	if ((r = x509->verify(loaded[0], cas, ncas, loaded + 1, n - 1,
	    now)) != 0)
		goto out;
	if ((r = x509->pubkey(loaded[0], key)) != 0) {
		r = r == -E_NOMEM ? r : -E_AUTH;
		goto out;
	}
	r = 0;
 out:
	for (i = 0; i < n; i++)
		x509->free(loaded[i]);
	return r;
}
