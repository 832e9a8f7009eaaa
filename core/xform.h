/*
 * xform.h: the crypto contract between the core and the backends.
 *
 * "Transform" is IKEv2's word for an algorithm. This is the only header
 * that describes algorithms to the core; backends/ see only this file and
 * core/span.h. Each primitive kind has one const ops table type. Backends
 * export static, const tables filled with designated initializers; the
 * registry (xform.c) withdraws entries whose probe fails or that fail their
 * known-answer self-test, and answers lookups in the configured backend
 * order.
 *
 * Rules for every table:
 *  - ops are stateless: state lives in a caller-allocated ctx of ctx_size
 *    bytes aligned to XFORM_CTX_ALIGN (one per SA, never per packet);
 *  - init may allocate inside the backend (released by cleanup); seal, open,
 *    encrypt, decrypt and mac never allocate;
 *  - cleanup wipes ctx and is safe on a ctx whose init failed;
 *  - backends never log; they return 0, -E_AUTH (bad tag / signature),
 *    -E_INVAL (bad length or argument) or -E_CRYPTO.
 * Optional members are marked "optional"; the registry rejects a table
 * whose required members are NULL.
 */
#ifndef CORE_XFORM_H
#define CORE_XFORM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/span.h"

#define XFORM_WUR	__attribute__((warn_unused_result))

/* Alignment of every ctx a caller allocates for a backend. */
#define XFORM_CTX_ALIGN		64
/* AEAD nonce: 4-byte salt from the key material + 8-byte explicit IV
 * (RFC 4106 4, RFC 7634 2). */
#define XFORM_AEAD_NONCE_LEN	12
#define XFORM_AEAD_SALT_LEN	4
#define XFORM_AEAD_IV_LEN	8
#define XFORM_MAX_HASH_LEN	64
#define XFORM_MAX_KEY_LEN	64
#define XFORM_MAX_DH_PUB_LEN	512	/* MODP up to 4096 bits */

/* IKEv2 transform IDs (IANA "IKEv2 Parameters"). */
enum {
	/* Transform type 1: encryption. */
	XFORM_ENCR_AES_CBC		= 12,
	XFORM_ENCR_AES_GCM_8		= 18,
	XFORM_ENCR_AES_GCM_12		= 19,
	XFORM_ENCR_AES_GCM_16		= 20,
	XFORM_ENCR_CHACHA20_POLY1305	= 28,
	/* Transform type 2: PRF. */
	XFORM_PRF_HMAC_SHA1		= 2,
	XFORM_PRF_HMAC_SHA2_256		= 5,
	XFORM_PRF_HMAC_SHA2_384		= 6,
	XFORM_PRF_HMAC_SHA2_512		= 7,
	/* Transform type 3: integrity. */
	XFORM_INTEG_HMAC_SHA1_96	= 2,
	XFORM_INTEG_HMAC_SHA2_256_128	= 12,
	XFORM_INTEG_HMAC_SHA2_384_192	= 13,
	XFORM_INTEG_HMAC_SHA2_512_256	= 14,
	/* Transform type 4: key exchange (DH group). */
	XFORM_DH_MODP2048		= 14,
	XFORM_DH_ECP256			= 19,
	XFORM_DH_ECP384			= 20,
	XFORM_DH_ECP521			= 21,
	XFORM_DH_CURVE25519		= 31,
};

enum xform_hash {
	XFORM_HASH_SHA1,
	XFORM_HASH_SHA256,
	XFORM_HASH_SHA384,
	XFORM_HASH_SHA512,
	XFORM_HASH__MAX
};

/*
 * AEAD (AES-GCM-16 128/256, ChaCha20-Poly1305), in place.
 * seal: encrypts buf[0..len) in place and writes the icv_len-byte tag at
 *   buf[len..len+icv_len); the caller guarantees that tailroom.
 * open: decrypts buf[0..len) in place after checking the tag stored at
 *   buf[len..len+icv_len); on -E_AUTH the contents of buf are unspecified
 *   and must be dropped.
 * nonce is XFORM_AEAD_NONCE_LEN bytes (salt || IV).
 */
struct xform_aead {
	const char	*name;		/* "aes256gcm16" */
	const char	*backend;	/* "openssl" */
	uint16_t	 ike_id;	/* XFORM_ENCR_* */
	uint16_t	 key_bits;	/* without the salt */
	uint8_t		 icv_len;
	size_t		 ctx_size;
	int		(*probe)(void);	/* optional: 0 when usable here */
	int		(*init)(void *ctx, const uint8_t *key, size_t keylen);
	int		(*seal)(void *ctx, const uint8_t *nonce, struct span aad,
			    uint8_t *buf, size_t len);
	int		(*open)(void *ctx, const uint8_t *nonce, struct span aad,
			    uint8_t *buf, size_t len);
	void		(*cleanup)(void *ctx);
};

/* Block cipher in CBC mode, in place; len is a multiple of block_len and
 * iv is block_len bytes. */
struct xform_cipher {
	const char	*name;		/* "aes256cbc" */
	const char	*backend;
	uint16_t	 ike_id;	/* XFORM_ENCR_AES_CBC */
	uint16_t	 key_bits;
	uint8_t		 block_len;
	size_t		 ctx_size;
	int		(*probe)(void);	/* optional */
	int		(*init)(void *ctx, const uint8_t *key, size_t keylen);
	int		(*encrypt)(void *ctx, const uint8_t *iv, uint8_t *buf,
			    size_t len);
	int		(*decrypt)(void *ctx, const uint8_t *iv, uint8_t *buf,
			    size_t len);
	void		(*cleanup)(void *ctx);
};

/* HMAC over a gather list, full-length output (out_len bytes); callers
 * truncate for integrity transforms. init accepts any key length (PRF keys
 * vary) and mac may be called any number of times after it. */
struct xform_mac {
	const char	*name;		/* "hmac-sha256" */
	const char	*backend;
	enum xform_hash	 hash;
	uint8_t		 out_len;
	size_t		 ctx_size;
	int		(*probe)(void);	/* optional */
	int		(*init)(void *ctx, const uint8_t *key, size_t keylen);
	int		(*mac)(void *ctx, const struct span *v, size_t nv,
			    uint8_t *out);
	void		(*cleanup)(void *ctx);
};

/* Plain message digest over a gather list (NAT detection, CERTREQ, RFC
 * 7427 signatures, MSCHAPv2). */
struct xform_md {
	const char	*name;		/* "sha256" */
	const char	*backend;
	enum xform_hash	 hash;
	uint8_t		 out_len;
	int		(*probe)(void);	/* optional */
	int		(*digest)(const struct span *v, size_t nv,
			    uint8_t *out);
};

/*
 * Key exchange. Control plane: may allocate.
 * keygen: makes a key pair, returned owned in *st, and writes the public
 *   value as carried in the KE payload (pub_len bytes: MODP big-endian
 *   padded, ECP x || y per RFC 5903, X25519 u per RFC 7748) to pub. priv is
 *   NULL for a random key, or a fixed private key for known-answer tests.
 * derive: checks the peer's value (length, range or curve membership,
 *   non-zero result) and writes the shared secret (shared_len bytes: MODP
 *   padded to the modulus, ECP x coordinate, X25519 u) to shared.
 */
struct xform_dh {
	const char	*name;		/* "ecp256" */
	const char	*backend;
	uint16_t	 group;		/* XFORM_DH_* */
	uint16_t	 pub_len;
	uint16_t	 shared_len;
	int		(*probe)(void);	/* optional */
	int		(*keygen)(void **st, const uint8_t *priv, size_t privlen,
			    uint8_t *pub);
	int		(*derive)(void *st, struct span peer, uint8_t *shared);
	void		(*free)(void *st);
};

enum xform_key_type {
	XFORM_KEY_RSA,
	XFORM_KEY_EC_P256,
	XFORM_KEY_EC_P384,
	XFORM_KEY_EC_P521,
};

enum xform_sig_scheme {
	XFORM_SIG_RSA_PKCS1_SHA1,
	XFORM_SIG_RSA_PKCS1_SHA256,
	XFORM_SIG_RSA_PKCS1_SHA384,
	XFORM_SIG_RSA_PKCS1_SHA512,
	XFORM_SIG_RSA_PSS_SHA256,	/* MGF1 with the same hash, salt = hash length */
	XFORM_SIG_RSA_PSS_SHA384,
	XFORM_SIG_RSA_PSS_SHA512,
	XFORM_SIG_ECDSA_SHA256,		/* signatures are DER ECDSA-Sig-Value */
	XFORM_SIG_ECDSA_SHA384,
	XFORM_SIG_ECDSA_SHA512,
};

/*
 * Signatures with long-term keys. Control plane: may allocate. Keys are
 * opaque backend objects.
 */
struct xform_sig {
	const char	*name;
	const char	*backend;
	/* Loads a private key from PEM or DER (PKCS#8 or traditional). */
	int		(*load_private)(struct span data, void **key);
	/* Loads a public key from DER SubjectPublicKeyInfo or PEM. */
	int		(*load_public)(struct span data, void **key);
	/* Reports the type and size in bits of key. */
	int		(*key_info)(const void *key, enum xform_key_type *type,
			    unsigned *bits);
	/* Signs msg; writes at most *siglen bytes and sets *siglen. */
	int		(*sign)(void *key, enum xform_sig_scheme s,
			    struct span msg, uint8_t *sig, size_t *siglen);
	/* Returns 0 when sig is valid for msg, -E_AUTH when not. */
	int		(*verify)(void *key, enum xform_sig_scheme s,
			    struct span msg, struct span sig);
	void		(*key_free)(void *key);
};

/*
 * Identity types that xform_x509.match_id understands. The values are the
 * IKEv2 ID types (RFC 7296 3.5), so a core/ike_pld.h IKE_ID_* value can be
 * passed as is.
 */
enum xform_x509_id {
	XFORM_X509_ID_IPV4_ADDR		= 1,
	XFORM_X509_ID_FQDN		= 2,
	XFORM_X509_ID_RFC822_ADDR	= 3,
	XFORM_X509_ID_IPV6_ADDR		= 5,
	XFORM_X509_ID_DER_ASN1_DN	= 9,
};

/* SHA-1 of a SubjectPublicKeyInfo, as CERTREQ carries it (RFC 7296 3.7). */
#define XFORM_X509_KEYID_LEN	20

/*
 * X.509 certificates (RFC 5280). Control plane: may allocate. Certificates
 * are opaque backend objects, returned owned by load and load_bundle and
 * released with free; the other ops borrow them. Nothing here logs.
 */
struct xform_x509 {
	const char	*name;
	const char	*backend;
	/* The signature ops that accept the keys pubkey returns. */
	const struct xform_sig *sig;
	/* Loads one certificate from DER (exactly one, no trailing bytes) or
	 * PEM (the first CERTIFICATE block) into *cert. -E_INVAL when data
	 * holds no certificate. */
	int		(*load)(struct span data, void **cert);
	/* Loads every CERTIFICATE block of a PEM bundle (a CA file, a chain)
	 * in order into certs[0..*n), n <= max; other PEM blocks are
	 * skipped. -E_NOENT when there is none, -E_TOOMANY when there are
	 * more than max, -E_INVAL when a block is malformed; on failure
	 * nothing is returned and *n is 0. */
	int		(*load_bundle)(struct span pem, void **certs,
			    size_t max, size_t *n);
	/* Sets *der to the certificate's DER encoding, borrowed from cert
	 * (the data of a CERT payload, RFC 7296 3.6). */
	int		(*der)(const void *cert, struct span *der);
	/* Sets *dn to the DER encoding of the subject Name, borrowed from
	 * cert (the data of an ID_DER_ASN1_DN identity). */
	int		(*subject)(const void *cert, struct span *dn);
	/* Returns the subject public key in *key, owned, as a key object of
	 * this table's sig ops (released with sig->key_free). -E_NOTSUP for
	 * a key type those ops refuse. */
	int		(*pubkey)(const void *cert, void **key);
	/* Writes the SHA-1 of the DER SubjectPublicKeyInfo (RFC 7296 3.7). */
	int		(*keyid)(const void *cert,
			    uint8_t out[static XFORM_X509_KEYID_LEN]);
	/* Returns 0 when the identity is in cert, -E_NOENT when not:
	 * FQDN against the subjectAltName dNSNames and RFC822_ADDR against
	 * the rfc822Names (both ASCII case-insensitive, no wildcards);
	 * IPV4_ADDR and IPV6_ADDR (4 and 16 bytes) against the iPAddresses;
	 * DER_ASN1_DN (a DER Name) against the subject, compared in the
	 * canonical form of RFC 5280 7.1. -E_NOTSUP for another type. */
	int		(*match_id)(const void *cert, enum xform_x509_id type,
			    struct span data);
	/* Verifies that cert chains to one of the trust anchors
	 * cas[0..ncas) through the optional untrusted intermediates
	 * untrusted[0..nuntrusted), at now (seconds since the Unix epoch):
	 * validity dates of every certificate, every signature, and
	 * basicConstraints cA on every issuer. A trust anchor need not be
	 * self-signed. No revocation check. Returns 0, -E_AUTH when the
	 * chain does not verify, -E_INVAL, -E_NOMEM. */
	int		(*verify)(void *cert, void *const *cas, size_t ncas,
			    void *const *untrusted, size_t nuntrusted,
			    int64_t now);
	void		(*free)(void *cert);
};

/* A backend: its name and NULL-terminated tables. */
struct xform_backend {
	const char			 *name;
	int				(*init)(void);	/* optional */
	void				(*cleanup)(void); /* optional */
	const struct xform_aead	 *const *aead;
	const struct xform_cipher *const *cipher;
	const struct xform_mac	 *const *mac;
	const struct xform_md	 *const *md;
	const struct xform_dh	 *const *dh;
	const struct xform_sig	 *sig;			/* optional */
	int				(*random)(void *p, size_t n); /* optional */
	const struct xform_x509	 *x509;			/* optional */
};

/* Backends compiled in (defined in backends/NAME/). */
extern const struct xform_backend be_openssl_backend;
extern const struct xform_backend be_sodium_backend;
extern const struct xform_backend be_ipsecmb_backend;

/*
 * Sets the backend preference: "auto", one backend name (preferred, the
 * others after it), or a comma-separated list. Initializes the backends,
 * probes every entry and runs a known-answer self-test on each; entries
 * that fail are withdrawn (and logged under SUB_CRYPTO). Returns 0,
 * -E_NOENT for an unknown or not compiled-in backend name, -E_CRYPTO when
 * no RNG works. May be called again to change the order.
 */
int	xform_init(const char *order) XFORM_WUR;

/* Releases backend global state. */
void	xform_cleanup(void);

/* Returns the compiled-in backend called name, or NULL. */
const struct xform_backend *xform_backend_lookup(const char *name);

/* Returns the NULL-terminated list of compiled-in backends. */
const struct xform_backend *const *xform_backends(void);

/* Lookups in preference order; NULL when no usable entry exists. */
const struct xform_aead	*xform_find_aead(uint16_t ike_id, uint16_t key_bits);
const struct xform_cipher *xform_find_cipher(uint16_t ike_id,
			    uint16_t key_bits);
const struct xform_mac	*xform_find_mac(enum xform_hash h);
const struct xform_md	*xform_find_md(enum xform_hash h);
const struct xform_dh	*xform_find_dh(uint16_t group);
const struct xform_sig	*xform_find_sig(void);
const struct xform_x509	*xform_find_x509(void);

/* Fills p with n bytes from the preferred backend's CSPRNG (getrandom as
 * the fallback). Returns 0 or -E_CRYPTO. */
int	xform_random(void *p, size_t n) XFORM_WUR;

/* Maps an IKEv2 integrity transform to its hash, truncated ICV length and
 * key length; -E_NOTSUP for unknown IDs. */
int	xform_integ_info(uint16_t integ_id, enum xform_hash *h,
	    size_t *icv_len, size_t *key_len) XFORM_WUR;

/* Maps an IKEv2 PRF transform to its hash; -E_NOTSUP for unknown IDs. */
int	xform_prf_info(uint16_t prf_id, enum xform_hash *h) XFORM_WUR;

/* Returns the digest length of h (20..64). */
size_t	xform_hash_len(enum xform_hash h);

/* Returns nonzero when the entry's probe passes (or it has none) and its
 * required members are set: used by tests to decide what to check. */
int	xform_aead_usable(const struct xform_aead *a);
int	xform_cipher_usable(const struct xform_cipher *c);
int	xform_mac_usable(const struct xform_mac *m);
int	xform_md_usable(const struct xform_md *m);
int	xform_dh_usable(const struct xform_dh *d);

/*
 * Known-answer self-tests (xform_kat.c), one vector per algorithm, run by
 * xform_init on every entry before first use. Each returns 0 or -E_CRYPTO.
 */
int	xform_kat_aead(const struct xform_aead *a) XFORM_WUR;
int	xform_kat_cipher(const struct xform_cipher *c) XFORM_WUR;
int	xform_kat_mac(const struct xform_mac *m) XFORM_WUR;
int	xform_kat_md(const struct xform_md *m) XFORM_WUR;
int	xform_kat_dh(const struct xform_dh *d) XFORM_WUR;

#endif /* CORE_XFORM_H */
