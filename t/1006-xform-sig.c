/*
 * 1006-xform-sig: the signature entry of every backend that has one. Keys
 * from t/data/keys (TEST FIXTURES ONLY) load in every supported encoding
 * and report their type and size; every scheme valid for a key signs and
 * verifies, and a tampered message or signature, another scheme, hash or
 * key gives -E_AUTH; signatures made by the openssl CLI with explicit
 * parameters verify (and those with other PSS parameters do not); the
 * published RFC 6979 A.2.5 signatures verify against a key built from the
 * published point; unsupported or encrypted keys are refused.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/xform.h"
#include "t/tap.h"

#define MAX_FILE	8192
#define MAX_SIG		512

struct keyfile {
	const char		*priv, *pub;
	enum xform_key_type	 type;
	unsigned		 bits;
};

/* Each private key in two encodings or structures, with its public key. */
static const struct keyfile keyfiles[] = {
	{ "rsa2048.pem", "rsa2048.pub.pem", XFORM_KEY_RSA, 2048 },
	{ "rsa2048.p8.der", "rsa2048.pub.pem", XFORM_KEY_RSA, 2048 },
	{ "ecp256.pem", "ecp256.pub.der", XFORM_KEY_EC_P256, 256 },
	{ "ecp384.pem", "ecp384.pub.pem", XFORM_KEY_EC_P384, 384 },
};

static const struct {
	enum xform_sig_scheme	 s;
	const char		*name;
	int			 rsa;
	int			 deterministic;
} schemes[] = {
	{ XFORM_SIG_RSA_PKCS1_SHA1, "PKCS#1 v1.5 SHA-1", 1, 1 },
	{ XFORM_SIG_RSA_PKCS1_SHA256, "PKCS#1 v1.5 SHA-256", 1, 1 },
	{ XFORM_SIG_RSA_PKCS1_SHA384, "PKCS#1 v1.5 SHA-384", 1, 1 },
	{ XFORM_SIG_RSA_PKCS1_SHA512, "PKCS#1 v1.5 SHA-512", 1, 1 },
	{ XFORM_SIG_RSA_PSS_SHA256, "PSS SHA-256", 1, 0 },
	{ XFORM_SIG_RSA_PSS_SHA384, "PSS SHA-384", 1, 0 },
	{ XFORM_SIG_RSA_PSS_SHA512, "PSS SHA-512", 1, 0 },
	{ XFORM_SIG_ECDSA_SHA256, "ECDSA SHA-256", 0, 0 },
	{ XFORM_SIG_ECDSA_SHA384, "ECDSA SHA-384", 0, 0 },
	{ XFORM_SIG_ECDSA_SHA512, "ECDSA SHA-512", 0, 0 },
};
#define NSCHEMES	(sizeof(schemes) / sizeof(schemes[0]))

/* Reads t/data/keys/name from the source tree into buf; returns the
 * length, or aborts the test. */
static size_t
read_key(const char *name, uint8_t *buf, size_t max)
{
	const char *src = getenv("SRCDIR");
	char path[1024];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/t/data/keys/%s", src ? src : ".",
	    name);
	if ((f = fopen(path, "rb")) == NULL) {
		diag("cannot open %s (is SRCDIR set?)", path);
		abort();
	}
	n = fread(buf, 1, max, f);
	if (ferror(f) || n == max) {
		diag("cannot read %s", path);
		abort();
	}
	fclose(f);
	return n;
}

static int
is_ec(enum xform_key_type t)
{
	return t != XFORM_KEY_RSA;
}

/* Sign and verify every valid scheme; tampering of every kind fails. */
static void
check_key(const struct xform_sig *sg, const struct keyfile *kf)
{
	static uint8_t file[MAX_FILE];
	uint8_t sig[MAX_SIG], sig2[MAX_SIG], bad[MAX_SIG];
	const char msg[] = "RealMessage1 | Nr | prf(SK_pi, IDi')";
	struct span m = span_make(msg, sizeof(msg) - 1);
	struct span mbad = span_make(msg, sizeof(msg) - 2);
	enum xform_key_type type;
	void *priv = NULL, *pub = NULL;
	size_t i, j, n, n2;
	unsigned bits;

	n = read_key(kf->priv, file, sizeof(file));
	is_int(sg->load_private(span_make(file, n), &priv), 0,
	    "%s: load_private %s", sg->backend, kf->priv);
	n = read_key(kf->pub, file, sizeof(file));
	is_int(sg->load_public(span_make(file, n), &pub), 0,
	    "%s: load_public %s", sg->backend, kf->pub);
	if (priv == NULL || pub == NULL)
		goto out;
	type = (enum xform_key_type)-1;
	bits = 0;
	ok(sg->key_info(priv, &type, &bits) == 0 && type == kf->type &&
	    bits == kf->bits, "%s: %s is type %d, %u bits", sg->backend,
	    kf->priv, (int)kf->type, kf->bits);
	type = (enum xform_key_type)-1;
	bits = 0;
	ok(sg->key_info(pub, &type, &bits) == 0 && type == kf->type &&
	    bits == kf->bits, "%s: %s is type %d, %u bits", sg->backend,
	    kf->pub, (int)kf->type, kf->bits);

	for (i = 0; i < NSCHEMES; i++) {
		n = sizeof(sig);
		if (schemes[i].rsa == is_ec(kf->type)) {
			/* The wrong key type for the scheme. */
			ok(sg->sign(priv, schemes[i].s, m, sig, &n) ==
			    -E_INVAL && sg->verify(pub, schemes[i].s, m,
			    span_make(sig, 64)) == -E_INVAL,
			    "%s %s: %s refused", sg->backend, kf->priv,
			    schemes[i].name);
			continue;
		}
		is_int(sg->sign(priv, schemes[i].s, m, sig, &n), 0,
		    "%s %s %s: sign", sg->backend, kf->priv, schemes[i].name);
		if (kf->type == XFORM_KEY_RSA)
			is_int(n, kf->bits / 8, "%s %s %s: modulus-size "
			    "signature", sg->backend, kf->priv,
			    schemes[i].name);
		else
			ok(n >= 8 && sig[0] == 0x30 && sig[1] == n - 2,
			    "%s %s %s: DER SEQUENCE of %zu bytes",
			    sg->backend, kf->priv, schemes[i].name, n);
		is_int(sg->verify(pub, schemes[i].s, m, span_make(sig, n)), 0,
		    "%s %s %s: verify with the public key", sg->backend,
		    kf->priv, schemes[i].name);
		is_int(sg->verify(priv, schemes[i].s, m, span_make(sig, n)), 0,
		    "%s %s %s: verify with the private key", sg->backend,
		    kf->priv, schemes[i].name);
		is_int(sg->verify(pub, schemes[i].s, mbad, span_make(sig, n)),
		    -E_AUTH, "%s %s %s: shortened message", sg->backend,
		    kf->priv, schemes[i].name);
		memcpy(bad, sig, n);
		bad[n / 2] ^= 0x04;
		is_int(sg->verify(pub, schemes[i].s, m, span_make(bad, n)),
		    -E_AUTH, "%s %s %s: flipped signature bit", sg->backend,
		    kf->priv, schemes[i].name);
		is_int(sg->verify(pub, schemes[i].s, m, span_make(sig, n - 1)),
		    -E_AUTH, "%s %s %s: truncated signature", sg->backend,
		    kf->priv, schemes[i].name);
		is_int(sg->verify(pub, schemes[i].s, m, span_make(sig, 0)),
		    -E_AUTH, "%s %s %s: empty signature", sg->backend,
		    kf->priv, schemes[i].name);
		/* Every other scheme of the key's type must reject it
		 * (another hash, or PSS against PKCS#1 v1.5). */
		for (j = 0, n2 = 0; j < NSCHEMES; j++)
			if (j != i && schemes[j].rsa == schemes[i].rsa &&
			    sg->verify(pub, schemes[j].s, m,
			    span_make(sig, n)) != -E_AUTH)
				n2++;
		is_int(n2, 0, "%s %s %s: no other scheme accepts it",
		    sg->backend, kf->priv, schemes[i].name);
		/* PKCS#1 v1.5 is deterministic; PSS and ECDSA are not. */
		n2 = sizeof(sig2);
		ok(sg->sign(priv, schemes[i].s, m, sig2, &n2) == 0 &&
		    (n == n2 && memcmp(sig, sig2, n) == 0) ==
		    schemes[i].deterministic,
		    "%s %s %s: second signature %s", sg->backend, kf->priv,
		    schemes[i].name, schemes[i].deterministic ? "identical" :
		    "different");
		/* A buffer smaller than the largest signature is refused. */
		n2 = 16;
		is_int(sg->sign(priv, schemes[i].s, m, sig2, &n2), -E_INVAL,
		    "%s %s %s: small buffer refused", sg->backend, kf->priv,
		    schemes[i].name);
	}
 out:
	if (priv != NULL)
		sg->key_free(priv);
	if (pub != NULL)
		sg->key_free(pub);
}

/* A P-256 signature does not verify under the P-384 key. */
static void
check_wrong_key(const struct xform_sig *sg)
{
	static uint8_t file[MAX_FILE];
	uint8_t sig[MAX_SIG];
	struct span m = span_make("message", 7);
	void *k256 = NULL, *p384 = NULL;
	size_t n = sizeof(sig);

	if (sg->load_private(span_make(file, read_key("ecp256.pem", file,
	    sizeof(file))), &k256) != 0 ||
	    sg->load_public(span_make(file, read_key("ecp384.pub.pem", file,
	    sizeof(file))), &p384) != 0) {
		ok(0, "%s: load keys", sg->backend);
		goto out;
	}
	ok(sg->sign(k256, XFORM_SIG_ECDSA_SHA256, m, sig, &n) == 0 &&
	    sg->verify(p384, XFORM_SIG_ECDSA_SHA256, m, span_make(sig, n)) ==
	    -E_AUTH, "%s: P-256 signature under the P-384 key refused",
	    sg->backend);
 out:
	if (k256 != NULL)
		sg->key_free(k256);
	if (p384 != NULL)
		sg->key_free(p384);
}

/* Keys that must not load. */
static void
check_refused(const struct xform_sig *sg)
{
	static uint8_t file[MAX_FILE];
	static const char *const privs[] = {
		"ecp256.enc.pem",	/* encrypted: no passphrase */
		"ed25519.pem",		/* unsupported type */
		"secp256k1.pem",	/* unsupported curve */
		"rsa2048.pub.pem",	/* a public key is not a private key */
	};
	static const char *const pubs[] = {
		"ecp384.pem",		/* a private key is not SPKI */
		"rsa2048.p8.der",
	};
	size_t i, n;
	void *k;

	for (i = 0; i < sizeof(privs) / sizeof(privs[0]); i++) {
		k = NULL;
		n = read_key(privs[i], file, sizeof(file));
		ok(sg->load_private(span_make(file, n), &k) == -E_INVAL &&
		    k == NULL, "%s: load_private %s refused", sg->backend,
		    privs[i]);
		if (k != NULL)
			sg->key_free(k);
	}
	for (i = 0; i < sizeof(pubs) / sizeof(pubs[0]); i++) {
		k = NULL;
		n = read_key(pubs[i], file, sizeof(file));
		ok(sg->load_public(span_make(file, n), &k) == -E_INVAL &&
		    k == NULL, "%s: load_public %s refused", sg->backend,
		    pubs[i]);
		if (k != NULL)
			sg->key_free(k);
	}
	/* Truncated PEM, garbage, nothing. */
	n = read_key("ecp256.pem", file, sizeof(file));
	k = NULL;
	ok(sg->load_private(span_make(file, n / 2), &k) == -E_INVAL &&
	    k == NULL, "%s: truncated PEM refused", sg->backend);
	memset(file, 0x5a, 300);
	k = NULL;
	ok(sg->load_private(span_make(file, 300), &k) == -E_INVAL &&
	    k == NULL, "%s: garbage refused", sg->backend);
	k = NULL;
	ok(sg->load_public(span_make(file, 0), &k) == -E_INVAL && k == NULL,
	    "%s: empty input refused", sg->backend);
}

/*
 * Signatures of msg.txt made by the openssl CLI with explicit parameters
 * (t/data/keys/README). They pin what round trips cannot: the PKCS#1 v1.5
 * encoding, the PSS salt length (= hash length) and MGF1 hash (= message
 * hash), and the DER form of ECDSA signatures.
 */
static void
check_fixtures(const struct xform_sig *sg)
{
	static const struct {
		const char		*sig, *key;
		enum xform_sig_scheme	 s;
		int			 valid;
	} fx[] = {
		{ "rsa2048.pkcs1-sha1.sig", "rsa2048.pub.pem",
		    XFORM_SIG_RSA_PKCS1_SHA1, 1 },
		{ "rsa2048.pkcs1-sha256.sig", "rsa2048.pub.pem",
		    XFORM_SIG_RSA_PKCS1_SHA256, 1 },
		{ "rsa2048.pss-sha256.sig", "rsa2048.pub.pem",
		    XFORM_SIG_RSA_PSS_SHA256, 1 },
		{ "rsa2048.pss-sha384.sig", "rsa2048.pub.pem",
		    XFORM_SIG_RSA_PSS_SHA384, 1 },
		{ "rsa2048.pss-sha512.sig", "rsa2048.pub.pem",
		    XFORM_SIG_RSA_PSS_SHA512, 1 },
		{ "rsa2048.pss-sha256-saltmax.sig", "rsa2048.pub.pem",
		    XFORM_SIG_RSA_PSS_SHA256, 0 },
		{ "rsa2048.pss-sha256-mgf1sha1.sig", "rsa2048.pub.pem",
		    XFORM_SIG_RSA_PSS_SHA256, 0 },
		{ "ecp256.ecdsa-sha256.sig", "ecp256.pub.der",
		    XFORM_SIG_ECDSA_SHA256, 1 },
		{ "ecp384.ecdsa-sha384.sig", "ecp384.pub.pem",
		    XFORM_SIG_ECDSA_SHA384, 1 },
	};
	static uint8_t file[MAX_FILE], msg[256], sig[MAX_SIG];
	uint8_t mine[MAX_SIG];
	size_t i, mlen, slen, n;
	void *key, *priv = NULL;

	mlen = read_key("msg.txt", msg, sizeof(msg));
	for (i = 0; i < sizeof(fx) / sizeof(fx[0]); i++) {
		key = NULL;
		slen = read_key(fx[i].sig, sig, sizeof(sig));
		n = read_key(fx[i].key, file, sizeof(file));
		if (sg->load_public(span_make(file, n), &key) != 0) {
			ok(0, "%s: load %s", sg->backend, fx[i].key);
			continue;
		}
		is_int(sg->verify(key, fx[i].s, span_make(msg, mlen),
		    span_make(sig, slen)), fx[i].valid ? 0 : -E_AUTH,
		    "%s: %s %s", sg->backend, fx[i].sig,
		    fx[i].valid ? "verifies" : "refused");
		sg->key_free(key);
	}
	/* PKCS#1 v1.5 is deterministic: our signature is the CLI's. */
	n = read_key("rsa2048.pem", file, sizeof(file));
	slen = read_key("rsa2048.pkcs1-sha256.sig", sig, sizeof(sig));
	n = sg->load_private(span_make(file, n), &priv) == 0 ? sizeof(mine) :
	    0;
	ok(n > 0 && sg->sign(priv, XFORM_SIG_RSA_PKCS1_SHA256,
	    span_make(msg, mlen), mine, &n) == 0 && n == slen &&
	    memcmp(mine, sig, n) == 0,
	    "%s: PKCS#1 v1.5 SHA-256 signature equals the CLI's", sg->backend);
	if (priv != NULL)
		sg->key_free(priv);
}

/* Appends a DER INTEGER holding the unsigned big-endian value v (n bytes)
 * to out; returns the new length. */
static size_t
der_int(uint8_t *out, size_t off, const uint8_t *v, size_t n)
{
	while (n > 1 && v[0] == 0) {
		v++;
		n--;
	}
	out[off++] = 0x02;
	out[off++] = (uint8_t)(n + (v[0] & 0x80 ? 1 : 0));
	if (v[0] & 0x80)
		out[off++] = 0x00;
	memcpy(out + off, v, n);
	return off + n;
}

/*
 * RFC 6979 A.2.5: the P-256 key (Ux, Uy) and its deterministic signatures
 * (r, s) of "sample" with SHA-256/384/512 and of "test" with SHA-256.
 * The key is wrapped as DER SubjectPublicKeyInfo (RFC 5480 2: id-ecPublicKey
 * with the prime256v1 parameters, then the uncompressed point), the
 * signatures as DER ECDSA-Sig-Value (RFC 3279 2.2.3).
 */
static void
check_rfc6979(const struct xform_sig *sg)
{
	static const char spki_prefix[] =
	    "3059301306072a8648ce3d020106082a8648ce3d030107034200" "04";
	static const char ux[] =
	    "60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6";
	static const char uy[] =
	    "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299";
	static const struct {
		const char		*msg;
		enum xform_sig_scheme	 s;
		const char		*hash, *r, *sv;
	} sigs[] = {
		{ "sample", XFORM_SIG_ECDSA_SHA256, "SHA-256",
		    "efd48b2aacb6a8fd1140dd9cd45e81d6"
		    "9d2c877b56aaf991c34d0ea84eaf3716",
		    "f7cb1c942d657c41d436c7a1b6e29f65"
		    "f3e900dbb9aff4064dc4ab2f843acda8" },
		{ "sample", XFORM_SIG_ECDSA_SHA384, "SHA-384",
		    "0eafea039b20e9b42309fb1d89e21305"
		    "7cbf973dc0cfc8f129edddc800ef7719",
		    "4861f0491e6998b9455193e34e7b0d28"
		    "4ddd7149a74b95b9261f13abde940954" },
		{ "sample", XFORM_SIG_ECDSA_SHA512, "SHA-512",
		    "8496a60b5e9b47c825488827e0495b0e"
		    "3fa109ec4568fd3f8d1097678eb97f00",
		    "2362ab1adbe2b8adf9cb9edab740ea60"
		    "49c028114f2460f96554f61fae3302fe" },
		{ "test", XFORM_SIG_ECDSA_SHA256, "SHA-256",
		    "f1abb023518351cd71d881567b1ea663"
		    "ed3efcf6c5132b354f28d3b0b7d38367",
		    "019f4113742a2b14bd25926b49c64915"
		    "5f267e60d3814b4c0cc84250e46f0083" },
	};
	uint8_t spki[91], r[32], s[32], der[72];
	size_t i, n, len;
	enum xform_key_type type;
	unsigned bits;
	void *key = NULL;

	n = tap_unhex(spki_prefix, spki, sizeof(spki));
	n += tap_unhex(ux, spki + n, sizeof(spki) - n);
	n += tap_unhex(uy, spki + n, sizeof(spki) - n);
	is_int(sg->load_public(span_make(spki, n), &key), 0,
	    "%s: RFC 6979 A.2.5 public key as DER SPKI", sg->backend);
	if (key == NULL)
		return;
	ok(sg->key_info(key, &type, &bits) == 0 &&
	    type == XFORM_KEY_EC_P256 && bits == 256,
	    "%s: RFC 6979 A.2.5 key is P-256", sg->backend);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		tap_unhex(sigs[i].r, r, sizeof(r));
		tap_unhex(sigs[i].sv, s, sizeof(s));
		len = der_int(der, 2, r, sizeof(r));
		len = der_int(der, len, s, sizeof(s));
		der[0] = 0x30;
		der[1] = (uint8_t)(len - 2);
		is_int(sg->verify(key, sigs[i].s, span_str(sigs[i].msg),
		    span_make(der, len)), 0,
		    "%s: RFC 6979 A.2.5 %s \"%s\" verifies", sg->backend,
		    sigs[i].hash, sigs[i].msg);
		is_int(sg->verify(key, sigs[i].s, span_str("Sample"),
		    span_make(der, len)), -E_AUTH,
		    "%s: RFC 6979 A.2.5 %s over another message refused",
		    sg->backend, sigs[i].hash);
		der[len - 1] ^= 0x01;
		is_int(sg->verify(key, sigs[i].s, span_str(sigs[i].msg),
		    span_make(der, len)), -E_AUTH,
		    "%s: RFC 6979 A.2.5 %s with s changed refused",
		    sg->backend, sigs[i].hash);
	}
	sg->key_free(key);
}

int
main(void)
{
	const struct xform_backend *const *be;
	const struct xform_sig *sg;
	size_t i;
	int tested = 0;

	if (xform_init("auto") != 0)
		skip_all("xform_init failed");
	for (be = xform_backends(); *be != NULL; be++) {
		sg = (*be)->sig;
		if (sg == NULL)
			continue;
		ok(sg->load_private && sg->load_public && sg->key_info &&
		    sg->sign && sg->verify && sg->key_free,
		    "%s: every signature member is set", (*be)->name);
		for (i = 0; i < sizeof(keyfiles) / sizeof(keyfiles[0]); i++)
			check_key(sg, &keyfiles[i]);
		check_wrong_key(sg);
		check_refused(sg);
		check_fixtures(sg);
		check_rfc6979(sg);
		tested++;
	}
	ok(tested >= 1, "at least one backend signs (%d)", tested);
	ok(xform_find_sig() != NULL, "xform_find_sig finds one");
	xform_cleanup();
	return done_testing();
}
