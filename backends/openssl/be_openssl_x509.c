/*
 * be_openssl_x509.c: X.509 certificates for the OpenSSL backend (RFC 5280
 * profile as IKEv2 uses it, RFC 7296 3.6 and 3.7, RFC 4945 for identities).
 *
 * A certificate is a struct cert: the X509 object and its DER encoding,
 * kept so that the CERT payload can borrow it. Public keys are the
 * EVP_PKEY objects of be_openssl_sig.c. Control plane: allocates freely.
 */
#include "config.h"

#include <limits.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "core/xform.h"
#include "backends/openssl/be_openssl.h"

struct cert {
	X509		*x;
	unsigned char	*der;
	size_t		 derlen;
};

static void
cert_free(void *vc)
{
	struct cert *c = vc;

	if (c == NULL)
		return;
	X509_free(c->x);
	OPENSSL_free(c->der);
	OPENSSL_free(c);
}

/* Wraps x (consumed) in a struct cert with its DER encoding. */
static int
cert_wrap(X509 *x, void **certp)
{
	struct cert *c;
	unsigned char *der = NULL;
	int n;

	if ((n = i2d_X509(x, &der)) <= 0) {
		X509_free(x);
		return -E_INVAL;
	}
	if ((c = OPENSSL_zalloc(sizeof(*c))) == NULL) {
		OPENSSL_free(der);
		X509_free(x);
		return -E_NOMEM;
	}
	c->x = x;
	c->der = der;
	c->derlen = (size_t)n;
	*certp = c;
	return 0;
}

/* DER starts with a SEQUENCE tag; PEM is text, perhaps with explanatory
 * lines before the block (RFC 7468 5.2). */
static int
is_pem(struct span data)
{
	return data.len > 0 && data.p[0] != 0x30;
}

static int
x509_load(struct span data, void **certp)
{
	const unsigned char *p;
	BIO *bio = NULL;
	X509 *x = NULL;
	int r = -E_INTERNAL;

	if (certp == NULL || data.p == NULL || data.len == 0 ||
	    data.len > INT_MAX)
		return -E_INVAL;
	*certp = NULL;
	if (is_pem(data)) {
		if ((bio = BIO_new_mem_buf(data.p, (int)data.len)) == NULL) {
			r = -E_NOMEM;
			goto out;
		}
		x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	} else {
		p = data.p;
		/* DER: exactly one certificate, nothing after it. */
		x = d2i_X509(NULL, &p, (long)data.len);
		if (x != NULL && p != data.p + data.len) {
			X509_free(x);
			x = NULL;
		}
	}
	if (x == NULL) {
		r = -E_INVAL;
		goto out;
	}
	r = cert_wrap(x, certp);
 out:
	BIO_free(bio);
	return r == 0 ? 0 : be_openssl__err(r);
}

static int
x509_load_bundle(struct span pem, void **certs, size_t max, size_t *np)
{
	BIO *bio = NULL;
	X509 *x;
	unsigned long e;
	size_t n = 0, i;
	int r = -E_INTERNAL;

	if (np == NULL)
		return -E_INVAL;
	*np = 0;
	if (certs == NULL || pem.p == NULL || pem.len == 0 ||
	    pem.len > INT_MAX)
		return -E_INVAL;
	if ((bio = BIO_new_mem_buf(pem.p, (int)pem.len)) == NULL) {
		r = -E_NOMEM;
		goto out;
	}
	ERR_clear_error();
	/* PEM_read_bio_X509 skips blocks of other types. */
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		if (n == max) {
			X509_free(x);
			r = -E_TOOMANY;
			goto out;
		}
		if ((r = cert_wrap(x, &certs[n])) != 0)
			goto out;
		n++;
	}
	/* The loop ends on "no start line" at the end of the data; any
	 * other error is a malformed block. */
	e = ERR_peek_last_error();
	if (ERR_GET_LIB(e) != ERR_LIB_PEM ||
	    ERR_GET_REASON(e) != PEM_R_NO_START_LINE) {
		r = -E_INVAL;
		goto out;
	}
	if (n == 0) {
		r = -E_NOENT;
		goto out;
	}
	*np = n;
	r = 0;
 out:
	BIO_free(bio);
	if (r != 0)
		for (i = 0; i < n; i++) {
			cert_free(certs[i]);
			certs[i] = NULL;
		}
	return be_openssl__err(r);
}

static int
x509_der(const void *vc, struct span *der)
{
	const struct cert *c = vc;

	if (c == NULL || der == NULL)
		return -E_INVAL;
	*der = span_make(c->der, c->derlen);
	return 0;
}

static int
x509_subject(const void *vc, struct span *dn)
{
	const struct cert *c = vc;
	const unsigned char *p;
	size_t n;

	if (c == NULL || dn == NULL)
		return -E_INVAL;
	/* The cached encoding, owned by the X509 object. */
	if (!X509_NAME_get0_der(X509_get_subject_name(c->x), &p, &n))
		return be_openssl__err(-E_CRYPTO);
	*dn = span_make(p, n);
	return 0;
}

static int
x509_pubkey(const void *vc, void **keyp)
{
	const struct cert *c = vc;
	EVP_PKEY *key;

	if (c == NULL || keyp == NULL)
		return -E_INVAL;
	*keyp = NULL;
	if ((key = X509_get_pubkey(c->x)) == NULL)
		return be_openssl__err(-E_NOTSUP);
	/* Only the key types the signature ops know (RSA, EC P-256/384/
	 * 521). */
	if (be_openssl__sig.key_info(key, NULL, NULL) != 0) {
		EVP_PKEY_free(key);
		return be_openssl__err(-E_NOTSUP);
	}
	*keyp = key;
	return 0;
}

/*
 * RFC 7296 3.7: the hash is over the whole SubjectPublicKeyInfo element,
 * not over the key bits alone as X509_pubkey_digest and the RFC 5280
 * 4.2.1.2 key identifier compute it.
 */
static int
x509_keyid(const void *vc, uint8_t out[static XFORM_X509_KEYID_LEN])
{
	const struct cert *c = vc;
	unsigned char *der = NULL;
	size_t olen = 0;
	int n, r = -E_CRYPTO;

	if (c == NULL)
		return -E_INVAL;
	if ((n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(c->x), &der)) <= 0)
		return be_openssl__err(-E_CRYPTO);
	if (EVP_Q_digest(NULL, "SHA1", NULL, der, (size_t)n, out, &olen) &&
	    olen == XFORM_X509_KEYID_LEN)
		r = 0;
	OPENSSL_free(der);
	return r == 0 ? 0 : be_openssl__err(r);
}

/* ASCII case-insensitive equality of two counted strings. */
static int
ascii_caseeq(const unsigned char *a, size_t alen, const uint8_t *b,
    size_t blen)
{
	size_t i;
	unsigned char x, y;

	if (alen != blen)
		return 0;
	for (i = 0; i < alen; i++) {
		x = a[i] >= 'A' && a[i] <= 'Z' ? a[i] + 32 : a[i];
		y = b[i] >= 'A' && b[i] <= 'Z' ? b[i] + 32 : b[i];
		if (x != y)
			return 0;
	}
	return 1;
}

/* Looks for the identity among the subjectAltNames of kind gtype. */
static int
match_san(X509 *x, int gtype, struct span data, int caseless)
{
	GENERAL_NAMES *gens;
	const GENERAL_NAME *g;
	const ASN1_STRING *s;
	int i, n, found = 0;

	if ((gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL,
	    NULL)) == NULL)
		return -E_NOENT;
	n = sk_GENERAL_NAME_num(gens);
	for (i = 0; i < n && !found; i++) {
		g = sk_GENERAL_NAME_value(gens, i);
		if (g->type != gtype)
			continue;
		/* dNSName, rfc822Name (IA5String) and iPAddress (OCTET
		 * STRING) are all ASN1_STRINGs. */
		s = gtype == GEN_IPADD ? g->d.iPAddress : g->d.ia5;
		if (s == NULL || ASN1_STRING_length(s) < 0)
			continue;
		if (caseless)
			found = ascii_caseeq(ASN1_STRING_get0_data(s),
			    (size_t)ASN1_STRING_length(s), data.p, data.len);
		else
			found = (size_t)ASN1_STRING_length(s) == data.len &&
			    memcmp(ASN1_STRING_get0_data(s), data.p,
			    data.len) == 0;
	}
	GENERAL_NAMES_free(gens);
	return found ? 0 : -E_NOENT;
}

/*
 * A DN identity is compared with X509_NAME_cmp, which compares the
 * canonical encodings (RFC 5280 7.1: case and whitespace folded, string
 * types unified), so a peer that re-encodes its DN with other string
 * types still matches.
 */
static int
match_dn(X509 *x, struct span data)
{
	const unsigned char *p = data.p;
	X509_NAME *nm;
	int r;

	if (data.len > LONG_MAX)
		return -E_NOENT;
	if ((nm = d2i_X509_NAME(NULL, &p, (long)data.len)) == NULL)
		return be_openssl__err(-E_NOENT);
	r = p == data.p + data.len &&
	    X509_NAME_cmp(nm, X509_get_subject_name(x)) == 0 ? 0 : -E_NOENT;
	X509_NAME_free(nm);
	return be_openssl__err(r);
}

static int
x509_match_id(const void *vc, enum xform_x509_id type, struct span data)
{
	const struct cert *c = vc;

	if (c == NULL || (data.p == NULL && data.len > 0))
		return -E_INVAL;
	switch (type) {
	case XFORM_X509_ID_FQDN:
		return data.len > 0 ? match_san(c->x, GEN_DNS, data, 1) :
		    -E_NOENT;
	case XFORM_X509_ID_RFC822_ADDR:
		return data.len > 0 ? match_san(c->x, GEN_EMAIL, data, 1) :
		    -E_NOENT;
	case XFORM_X509_ID_IPV4_ADDR:
		return data.len == 4 ? match_san(c->x, GEN_IPADD, data, 0) :
		    -E_NOENT;
	case XFORM_X509_ID_IPV6_ADDR:
		return data.len == 16 ? match_san(c->x, GEN_IPADD, data, 0) :
		    -E_NOENT;
	case XFORM_X509_ID_DER_ASN1_DN:
		return data.len > 0 ? match_dn(c->x, data) : -E_NOENT;
	}
	return -E_NOTSUP;
}

static int
x509_verify(void *vc, void *const *cas, size_t ncas, void *const *untrusted,
    size_t nuntrusted, int64_t now)
{
	struct cert *c = vc;
	const struct cert *ca;
	X509_STORE *store = NULL;
	X509_STORE_CTX *ctx = NULL;
	STACK_OF(X509) *chain = NULL;
	size_t i;
	int r = -E_INTERNAL;

	if (c == NULL || (cas == NULL && ncas > 0) ||
	    (untrusted == NULL && nuntrusted > 0) ||
	    (time_t)now != now)
		return -E_INVAL;
	if (ncas == 0)
		return -E_AUTH;
	r = -E_NOMEM;
	if ((store = X509_STORE_new()) == NULL ||
	    (ctx = X509_STORE_CTX_new()) == NULL ||
	    (chain = sk_X509_new_null()) == NULL)
		goto out;
	for (i = 0; i < ncas; i++) {
		ca = cas[i];
		/* Adding the same anchor twice is harmless. */
		if (ca == NULL || !X509_STORE_add_cert(store, ca->x)) {
			r = -E_INVAL;
			goto out;
		}
	}
	for (i = 0; i < nuntrusted; i++) {
		ca = untrusted[i];
		if (ca == NULL) {
			r = -E_INVAL;
			goto out;
		}
		/* The stack borrows; freed with sk_X509_free below. */
		if (!sk_X509_push(chain, ca->x))
			goto out;
	}
	if (!X509_STORE_CTX_init(ctx, store, c->x, chain))
		goto out;
	/*
	 * A configured CA is trusted as it is, even when it is itself an
	 * intermediate (PARTIAL_CHAIN), as strongSwan does with its CA
	 * certificates. The check time is the caller's clock. No purpose
	 * or EKU is required: the IKE PKI profile (RFC 4945) advises IKE
	 * peers not to insist on one. Issuers must carry basicConstraints
	 * cA, which X509_verify_cert enforces by default.
	 */
	X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_PARTIAL_CHAIN);
	X509_STORE_CTX_set_time(ctx, 0, (time_t)now);
	r = X509_verify_cert(ctx) == 1 ? 0 : -E_AUTH;
 out:
	sk_X509_free(chain);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return be_openssl__err(r);
}

const struct xform_x509 be_openssl__x509 = {
	.name = "openssl",
	.backend = "openssl",
	.sig = &be_openssl__sig,
	.load = x509_load,
	.load_bundle = x509_load_bundle,
	.der = x509_der,
	.subject = x509_subject,
	.pubkey = x509_pubkey,
	.keyid = x509_keyid,
	.match_id = x509_match_id,
	.verify = x509_verify,
	.free = cert_free,
};
