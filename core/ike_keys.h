/*
 * ike_keys.h: IKEv2 key derivation (RFC 7296 2.13, 2.14, 2.17, 2.18).
 *
 *   prf+(K, S)  = T1 | T2 | ...,  T1 = prf(K, S | 0x01),
 *                                  Tn = prf(K, Tn-1 | S | n), n <= 255
 *   SKEYSEED    = prf(Ni | Nr, g^ir)                          (2.14)
 *   SKEYSEED    = prf(SK_d (old), g^ir (new) | Ni | Nr)       (2.18 rekey)
 *   {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr}
 *               = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)       (2.14)
 *   KEYMAT      = prf+(SK_d, [g^ir (new) |] Ni | Nr)          (2.17)
 *                 split as encr_i | integ_i | encr_r | integ_r
 *
 * The PRF is a struct xform_mac (HMAC; full-length output) found with
 * xform_find_mac() for the negotiated PRF transform; HMAC takes the whole
 * Ni | Nr as key (the 64-bit truncation of 2.14 applies only to the fixed-
 * key PRFs, AES-XCBC and AES-CMAC, which we do not offer). Key lengths come
 * from the negotiated transforms: SK_d and SK_p* are the PRF output length;
 * integrity keys are the HMAC key length (0 with an AEAD, which has no
 * integrity transform); encryption keys include the 4-byte salt for AES-GCM
 * (RFC 5282 7) and ChaCha20-Poly1305 (RFC 7634 4).
 *
 * Control plane: the PRF context is allocated per call. Key structs are
 * transparent so an SA can embed them, and their _cleanup wipes them.
 * Nothing here logs.
 */
#ifndef CORE_IKE_KEYS_H
#define CORE_IKE_KEYS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/span.h"
#include "core/xform.h"

#define IKE_KEYS_WUR		__attribute__((warn_unused_result))

/* The prf+ counter is one octet (2.13). */
#define IKE_KEYS_PRFPLUS_MAX_BLOCKS	255
#define IKE_KEYS_SEED_MAX	6		/* spans in a prf+ seed */
#define IKE_KEYS_SPI_LEN	8
#define IKE_KEYS_NONCE_MAX	256		/* RFC 7296 3.9 */
#define IKE_KEYS_ENCR_MAX	(32 + XFORM_AEAD_SALT_LEN)
#define IKE_KEYS_INTEG_MAX	XFORM_MAX_HASH_LEN

/* The negotiated transforms that size the keys. */
struct ike_keys_suite {
	uint16_t	encr_id;	/* XFORM_ENCR_* */
	uint16_t	encr_bits;	/* Key Length; 0 for ChaCha20 */
	uint16_t	integ_id;	/* XFORM_INTEG_*; 0 with an AEAD */
};

/* IKE SA keys (RFC 7296 2.14). */
struct ike_keys {
	size_t		prf_len;	/* SK_d, SK_pi, SK_pr */
	size_t		integ_len;	/* SK_ai, SK_ar; 0 with AEAD */
	size_t		encr_len;	/* SK_ei, SK_er, salt included */
	uint8_t		sk_d[XFORM_MAX_HASH_LEN];
	uint8_t		sk_ai[IKE_KEYS_INTEG_MAX];
	uint8_t		sk_ar[IKE_KEYS_INTEG_MAX];
	uint8_t		sk_ei[IKE_KEYS_ENCR_MAX];
	uint8_t		sk_er[IKE_KEYS_ENCR_MAX];
	uint8_t		sk_pi[XFORM_MAX_HASH_LEN];
	uint8_t		sk_pr[XFORM_MAX_HASH_LEN];
};

/* CHILD SA keys (RFC 7296 2.17); "i" keys protect initiator-to-responder
 * traffic. */
struct ike_keys_child {
	size_t		integ_len;
	size_t		encr_len;
	uint8_t		encr_i[IKE_KEYS_ENCR_MAX];
	uint8_t		integ_i[IKE_KEYS_INTEG_MAX];
	uint8_t		encr_r[IKE_KEYS_ENCR_MAX];
	uint8_t		integ_r[IKE_KEYS_INTEG_MAX];
};

/*
 * Computes the encryption key length (salt included) and integrity key
 * length for suite. Returns 0, -E_NOTSUP (unknown transform or key size),
 * -E_INVAL (an AEAD with an integrity transform, or a non-AEAD cipher
 * without one: RFC 7296 3.3).
 */
int	ike_keys_suite_lens(const struct ike_keys_suite *suite,
	    size_t *encr_len, size_t *integ_len) IKE_KEYS_WUR;

/*
 * prf+ (RFC 7296 2.13): writes len bytes of prf+(key, seed) to out, seed
 * being the concatenation of the nseed spans (at most IKE_KEYS_SEED_MAX).
 * All pointers are borrowed. Returns 0, -E_RANGE (more than 255 blocks of
 * prf->out_len bytes) or -E_INVAL (too many seed spans) with out untouched,
 * or -E_NOMEM or -E_CRYPTO with out wiped.
 */
int	ike_keys_prfplus(const struct xform_mac *prf, struct span key,
	    const struct span *seed, size_t nseed, uint8_t *out, size_t len)
	    IKE_KEYS_WUR;

/*
 * SKEYSEED = prf(Ni | Nr, g^ir) (RFC 7296 2.14), prf->out_len bytes to
 * skeyseed. Nonces are at most IKE_KEYS_NONCE_MAX bytes each. Returns 0,
 * -E_RANGE, -E_NOMEM, -E_CRYPTO.
 */
int	ike_keys_skeyseed(const struct xform_mac *prf, struct span ni,
	    struct span nr, struct span g_ir, uint8_t *skeyseed) IKE_KEYS_WUR;

/*
 * Rekeyed IKE SA: SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr) (RFC
 * 7296 2.18). prf must be the old IKE SA's PRF, even when the new SA
 * negotiated another; the new SA's keys then come from ike_keys_derive with
 * the new PRF. Writes prf->out_len bytes. Returns as ike_keys_skeyseed.
 */
int	ike_keys_skeyseed_rekey(const struct xform_mac *prf,
	    struct span sk_d_old, struct span g_ir, struct span ni,
	    struct span nr, uint8_t *skeyseed) IKE_KEYS_WUR;

/* Writes the IKE SPI v in network order (as ike_keys_derive and the
 * wire take it). */
void	ike_keys_spi_put(uint64_t v, uint8_t out[static IKE_KEYS_SPI_LEN]);

/*
 * Derives the seven IKE SA keys into *k from skeyseed (prf->out_len bytes)
 * with prf+ over Ni | Nr | SPIi | SPIr, sized by suite. Returns 0, an
 * ike_keys_suite_lens error, or an ike_keys_prfplus error; *k is wiped on
 * failure.
 */
int	ike_keys_derive(struct ike_keys *k, const struct xform_mac *prf,
	    const struct ike_keys_suite *suite, struct span skeyseed,
	    struct span ni, struct span nr,
	    const uint8_t spi_i[static IKE_KEYS_SPI_LEN],
	    const uint8_t spi_r[static IKE_KEYS_SPI_LEN]) IKE_KEYS_WUR;

/* Wipes k. */
void	ike_keys_cleanup(struct ike_keys *k);

/*
 * Derives CHILD SA keys into *c: KEYMAT = prf+(SK_d, g^ir | Ni | Nr) with
 * PFS (g_ir not empty), prf+(SK_d, Ni | Nr) without, taken in the order
 * encr_i, integ_i, encr_r, integ_r (RFC 7296 2.17) and sized by suite (the
 * CHILD SA's ESP transforms). prf is the IKE SA's PRF. Returns as
 * ike_keys_derive; *c is wiped on failure.
 */
int	ike_keys_child_derive(struct ike_keys_child *c,
	    const struct xform_mac *prf, struct span sk_d,
	    const struct ike_keys_suite *suite, struct span g_ir,
	    struct span ni, struct span nr) IKE_KEYS_WUR;

/* Wipes c. */
void	ike_keys_child_cleanup(struct ike_keys_child *c);

/* Length of a NAT detection hash (SHA-1). */
#define IKE_KEYS_NATD_LEN	20

/*
 * NAT detection hash (RFC 7296 2.23): SHA-1(SPIi | SPIr | IP | port) of
 * the address ss (AF_INET or AF_INET6, borrowed), with SPIr zero in
 * IKE_SA_INIT requests. Writes IKE_KEYS_NATD_LEN bytes to out. Returns 0,
 * -E_NOTSUP (no SHA-1 in the registry), -E_INVAL (another family).
 */
int	ike_keys_natd(uint64_t spi_i, uint64_t spi_r,
	    const struct sockaddr_storage *ss, uint8_t *out) IKE_KEYS_WUR;

struct ike_msg;

/*
 * Reads the NAT_DETECTION_SOURCE_IP / _DESTINATION_IP notifies of m
 * (borrowed) and compares them with the hashes of what we see (RFC 7296
 * 2.23): SPIs spi_i and spi_r (zero in an IKE_SA_INIT request), the
 * peer's address remote and ours local. Sets *nat_peer when a source
 * hash was sent and none matched (the peer is behind a NAT, or forces
 * encapsulation), *nat_local likewise for the destination (we are). A
 * hash of the wrong length counts as not matching.
 */
void	ike_keys_natd_check(const struct ike_msg *m, uint64_t spi_i,
	    uint64_t spi_r, const struct sockaddr_storage *remote,
	    const struct sockaddr_storage *local, int *nat_peer,
	    int *nat_local);

#endif /* CORE_IKE_KEYS_H */
