/*
 * ike_auth.h: IKEv2 authentication: the AUTH payload (RFC 7296 2.15, 2.16,
 * 3.8), signature authentication (RFC 7427, RFC 4754 for the ECDSA
 * methods), and the CERT/CERTREQ payloads that go with it (3.6, 3.7).
 *
 * What each side signs or MACs (2.15), for the initiator (responder):
 *   octets = RealMessage1 (2) | NonceRData (NonceIData) | MACedIDForI (R)
 *   MACedIDForI (R) = prf(SK_pi (SK_pr), IDi' (IDr'))
 * where RealMessage is the signer's IKE_SA_INIT message as it went on the
 * wire, the nonce is the other side's, and ID' is the signer's ID payload
 * body without the generic header: IDType | RESERVED | data.
 *
 * Methods. Shared key (2) is prf(prf(secret, "Key Pad for IKEv2"),
 * octets): the secret is a PSK, or with EAP the MSK (2.16), or for
 * session resumption the session token. Signatures: 1 (RSA PKCS#1 v1.5
 * over SHA-1, as strongSwan signs and accepts it), 9/10/11 (ECDSA with
 * SHA-256/P-256, SHA-384/P-384, SHA-512/P-521, r || s, RFC 4754 7), and
 * 14 (RFC 7427: one octet of ASN.1 length, the AlgorithmIdentifier, the
 * signature) with sha256/384/512WithRSAEncryption, RSASSA-PSS with
 * SHA-256/384/512 (MGF1 with the same hash, salt as long as the hash) and
 * ecdsa-with-SHA256/384/512 (DER Ecdsa-Sig-Value).
 *
 * Everything a peer sends is parsed through core/span. Failures of
 * verification are -E_AUTH whatever their cause (malformed AUTH data, an
 * algorithm we do not accept, a key of the wrong type, a bad signature),
 * so that a caller answers AUTHENTICATION_FAILED for all of them; -E_NOTSUP
 * means the method is not one this module verifies. Secrets (the shared
 * key, the PRF keys) are wiped after use. Nothing here logs.
 */
#ifndef CORE_IKE_AUTH_H
#define CORE_IKE_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/ike_pld.h"
#include "core/span.h"
#include "core/xform.h"

#define IKE_AUTH_WUR		__attribute__((warn_unused_result))

/* Hash algorithm IDs of SIGNATURE_HASH_ALGORITHMS (RFC 7427 7, IANA
 * "IKEv2 Hash Algorithms"). */
enum {
	IKE_AUTH_HASH_SHA1	= 1,
	IKE_AUTH_HASH_SHA256	= 2,
	IKE_AUTH_HASH_SHA384	= 3,
	IKE_AUTH_HASH_SHA512	= 4,
	IKE_AUTH_HASH_IDENTITY	= 5,	/* RFC 8420 */
};
/* A set of hash IDs, as ike_auth_hashes_parse() returns it. */
#define IKE_AUTH_HASH_BIT(id)	(1u << (id))

/* Longest signature this module handles: RSA with a 16384-bit modulus. */
#define IKE_AUTH_SIG_MAX	2048
/* Longest RFC 7427 AlgorithmIdentifier we build (RSASSA-PSS). */
#define IKE_AUTH_ALGID_MAX	72
/* ECDSA r || s for P-521 (RFC 4754 7) and its longest DER form. */
#define IKE_AUTH_ECDSA_RS_MAX	132
#define IKE_AUTH_ECDSA_DER_MAX	141
/* Certificates a peer may send in one IKE_AUTH (end-entity first). */
#define IKE_AUTH_MAX_CERTS	8

/* Flags of ike_auth_sign(). */
#define IKE_AUTH_F_RSA_PSS	0x01	/* RSA keys: RSASSA-PSS with method
					 * 14 instead of PKCS#1 v1.5 */

/*
 * The inputs of the octets one side authenticates (2.15), all borrowed.
 * For the initiator's AUTH: SK_pi, the initiator's IKE_SA_INIT request,
 * Nr, IDi'; for the responder's: SK_pr, the IKE_SA_INIT response, Ni,
 * IDr'. id_body is the ID payload body as received (the RESERVED octets
 * included), or as ike_auth_id_body() builds it for our own ID.
 */
struct ike_auth_input {
	const struct xform_mac	*prf;		/* the IKE SA's PRF */
	struct span		 sk_p;		/* SK_pi or SK_pr */
	struct span		 init_msg;	/* RealMessage1 or 2 */
	struct span		 nonce;		/* the other side's nonce */
	struct span		 id_body;	/* IDType | RESERVED | data */
};

/* Appends the ID payload body IDType | 0 0 0 | data for id (borrowed) to
 * b. Returns 0 or -E_RANGE (b full). */
int	ike_auth_id_body(const struct ike_pld_id *id, struct buf *b)
	    IKE_AUTH_WUR;

/*
 * Builds the signed octets RealMessage | Nonce | prf(SK_p, ID') of in
 * (borrowed) into a new buf returned owned in *out (free with buf_free).
 * Returns 0, -E_INVAL (no PRF, empty message, nonce or ID), -E_NOMEM,
 * -E_CRYPTO.
 */
int	ike_auth_octets(const struct ike_auth_input *in, struct buf **out)
	    IKE_AUTH_WUR;

/*
 * Shared key AUTH data (method 2): writes prf(prf(secret, "Key Pad for
 * IKEv2"), octets), in->prf->out_len bytes, to out and sets *outlen. The
 * secret is a PSK, an EAP MSK (2.16: the whole 64-byte MSK) or a session
 * token; it is borrowed and never copied outside wiped storage. Returns
 * 0, -E_INVAL (empty secret or bad input), -E_NOMEM, -E_CRYPTO.
 */
int	ike_auth_psk(const struct ike_auth_input *in, struct span secret,
	    uint8_t out[static XFORM_MAX_HASH_LEN], size_t *outlen)
	    IKE_AUTH_WUR;

/*
 * Checks received method-2 AUTH data against the secret, in constant time
 * (ct_memeq). Returns 0, -E_AUTH (mismatch, wrong length), or an
 * ike_auth_psk error.
 */
int	ike_auth_psk_verify(const struct ike_auth_input *in, struct span secret,
	    struct span auth) IKE_AUTH_WUR;

/*
 * Signs the octets of in with key (a private key object of sig; both
 * borrowed) and appends the AUTH data to data; sets *method to the AUTH
 * method and, when scheme is not NULL, *scheme to the signature scheme.
 * The method: when peer_hashes (a set from ike_auth_hashes_parse) holds
 * SHA2-256, 384 or 512, method 14 with the strongest of them (RFC 7427 4),
 * RSA keys with PKCS#1 v1.5 unless flags has IKE_AUTH_F_RSA_PSS; when it
 * holds none of them, the classic method of the key: 1 for RSA (SHA-1),
 * 9, 10 or 11 for ECDSA on P-256, P-384, P-521. Returns 0, -E_RANGE
 * (data full), -E_INVAL (bad arguments, a key sig does not know, a
 * signature over IKE_AUTH_SIG_MAX), -E_NOMEM, -E_CRYPTO; on failure data
 * may hold a partial append.
 */
int	ike_auth_sign(const struct xform_sig *sig, void *key,
	    const struct ike_auth_input *in, unsigned peer_hashes,
	    unsigned flags, uint8_t *method, enum xform_sig_scheme *scheme,
	    struct buf *data) IKE_AUTH_WUR;

/*
 * Verifies received AUTH data of a signature method against the octets of
 * in, with key (a public key object of sig; borrowed). Method 1 needs an
 * RSA key (SHA-1); 9/10/11 an EC key on the matching curve and exactly
 * 2 * 32/48/66 bytes; 14 one of the algorithms listed at the top of this
 * file, whose AlgorithmIdentifier must parse exactly as the one-octet
 * length says and agree with the key type. Sets *scheme (when not NULL) to
 * the scheme used, for logs. Returns 0, -E_AUTH, -E_NOTSUP (method 2 or
 * an unknown method), -E_INVAL, -E_NOMEM, -E_CRYPTO.
 */
int	ike_auth_verify(const struct xform_sig *sig, void *key,
	    const struct ike_auth_input *in, uint8_t method, struct span data,
	    enum xform_sig_scheme *scheme) IKE_AUTH_WUR;

/*
 * The RFC 7427 AlgorithmIdentifier we send for scheme s (RFC 7427
 * Appendix A encodings; RSASSA-PSS with SHA-384/512 follows the A.4.3
 * form). Returns an empty span for schemes method 14 does not use here
 * (SHA-1).
 */
struct span	ike_auth_algid(enum xform_sig_scheme s);

/* Returns a static name for a method or a scheme, for logs. */
const char	*ike_auth_method_name(uint8_t method);
const char	*ike_auth_scheme_name(enum xform_sig_scheme s);

/*
 * The data of the SIGNATURE_HASH_ALGORITHMS notify we send: SHA2-256,
 * SHA2-384, SHA2-512 (RFC 7427 4). Static storage.
 */
struct span	ike_auth_hashes_ours(void);

/*
 * Parses the data of a received SIGNATURE_HASH_ALGORITHMS notify into
 * *set (IKE_AUTH_HASH_BIT of each ID below 32; others are ignored).
 * Returns 0 or -E_BADLEN (odd length).
 */
int	ike_auth_hashes_parse(struct span data, unsigned *set) IKE_AUTH_WUR;

/*
 * ECDSA signature encodings. rs_to_der converts r || s (2 * w bytes, RFC
 * 4754 7) to a DER Ecdsa-Sig-Value in der (IKE_AUTH_ECDSA_DER_MAX bytes),
 * setting *derlen. der_to_rs converts a DER Ecdsa-Sig-Value (exactly, no
 * trailing bytes, non-negative integers) to r || s, each left-padded to w
 * bytes, in rs (2 * w bytes). w is at most IKE_AUTH_ECDSA_RS_MAX / 2.
 * Return 0, -E_INVAL (bad w or length), -E_SYNTAX (malformed DER),
 * -E_RANGE (an integer longer than w).
 */
int	ike_auth_ecdsa_rs_to_der(struct span rs, size_t w, uint8_t *der,
	    size_t *derlen) IKE_AUTH_WUR;
int	ike_auth_ecdsa_der_to_rs(struct span der, size_t w, uint8_t *rs)
	    IKE_AUTH_WUR;

/*
 * Fills *out (enc X.509 Signature, data borrowed from cert) with the CERT
 * payload for cert, an x509 certificate object. Returns 0 or -E_INVAL.
 */
int	ike_auth_cert_payload(const struct xform_x509 *x509, const void *cert,
	    struct ike_pld_cert *out) IKE_AUTH_WUR;

/*
 * Fills *id with an ID_DER_ASN1_DN identity naming cert's subject (data
 * borrowed from cert), the identity a certificate holder uses when none is
 * configured. Returns 0 or -E_INVAL.
 */
int	ike_auth_cert_id(const struct xform_x509 *x509, const void *cert,
	    struct ike_pld_id *id) IKE_AUTH_WUR;

/*
 * Appends the SHA-1 key hashes of the CA certificates cas[0..ncas) to b:
 * the data of the X.509 CERTREQ payload we send (3.7). Returns 0,
 * -E_RANGE (b full) or an x509->keyid error.
 */
int	ike_auth_certreq_data(const struct xform_x509 *x509,
	    void *const *cas, size_t ncas, struct buf *b) IKE_AUTH_WUR;

/*
 * Returns 1 when the CERTREQ req (borrowed) is an X.509 one that names one
 * of the certificates chain[0..n) (our CA, or the issuers of our
 * certificate) by the SHA-1 hash of its SubjectPublicKeyInfo, else 0.
 * The gateway sends its certificate whenever it has one, whatever CERTREQ
 * says (a CERTREQ is a hint, 3.7, and clients often name CAs they trust
 * only through configuration); this answer serves logging and chain
 * selection.
 */
int	ike_auth_certreq_names(const struct xform_x509 *x509,
	    const struct ike_pld_certreq *req, void *const *chain, size_t n);

/*
 * Checks the certificates a peer sent: certs[0..ncerts) are its CERT
 * payloads in order, the first being the end-entity certificate (3.6; it
 * must be X.509 Signature), the other X.509 ones untrusted intermediates
 * (other encodings are ignored). Verifies the chain to one of
 * cas[0..ncas) at now (Unix seconds), checks that the peer's identity id
 * is in the end-entity certificate, and returns its public key, owned, in
 * *key (x509->sig ops; free with x509->sig->key_free). Returns 0, -E_AUTH
 * (no valid chain, identity not in the certificate, unusable key),
 * -E_NOTSUP (first CERT not X.509, or an ID type certificates cannot
 * vouch for), -E_TOOMANY (more than IKE_AUTH_MAX_CERTS), -E_INVAL
 * (malformed certificate), -E_NOMEM.
 */
int	ike_auth_peer_cert(const struct xform_x509 *x509,
	    const struct ike_pld_cert *certs, size_t ncerts,
	    void *const *cas, size_t ncas, const struct ike_pld_id *id,
	    int64_t now, void **key) IKE_AUTH_WUR;

#endif /* CORE_IKE_AUTH_H */
