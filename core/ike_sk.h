/*
 * ike_sk.h: protection of IKE messages, the SK payload (RFC 7296 3.14;
 * RFC 5282 for AES-GCM, RFC 7634 for ChaCha20-Poly1305).
 *
 * One struct ike_sk per IKE SA holds the keyed contexts of both directions,
 * created once from the derived keys. Sealing works in place on a message
 * built with ike_msg_sk_begin(); opening works in place on a writable copy
 * of the received datagram. Nothing here logs.
 */
#ifndef CORE_IKE_SK_H
#define CORE_IKE_SK_H

#include <stddef.h>
#include <stdint.h>

#include "core/ike_keys.h"
#include "core/ike_msg.h"
#include "core/xform.h"

struct ike_sk {
	const struct xform_aead		*aead;	/* AEAD suites */
	const struct xform_cipher	*cipher; /* CBC suites */
	const struct xform_mac		*integ;	/* CBC suites */
	size_t				 icv_len;
	size_t				 iv_len;
	size_t				 block_len;
	void				*enc[2];	/* [0] initiator, [1] responder */
	void				*mac[2];
	uint8_t				 salt[2][XFORM_AEAD_SALT_LEN];
	uint64_t			 iv_seq;	/* AEAD explicit IVs */
};

/* Keys both directions of sk from k for suite. Returns 0, -E_NOTSUP (no
 * backend has a transform), -E_NOMEM or the backend's error. */
int	ike_sk_init(struct ike_sk *sk, const struct ike_keys_suite *suite,
	    const struct ike_keys *k) __attribute__((warn_unused_result));

/* Wipes and frees the contexts; safe on a zeroed or failed sk. */
void	ike_sk_cleanup(struct ike_sk *sk);

/* Returns the IV length to pass to ike_msg_sk_begin(). */
size_t	ike_sk_iv_len(const struct ike_sk *sk);

/* Completes and seals the message whose SK payload c opened: pads,
 * finishes the lengths, writes the IV, encrypts and writes the ICV, with
 * the keys of the initiator when by_initiator, else the responder's.
 * Returns 0 or a negative -E_* code. */
int	ike_sk_seal(struct ike_sk *sk, struct ike_chain *c, int by_initiator)
	    __attribute__((warn_unused_result));

/* Checks and decrypts in place the SK payload of m, which was parsed
 * from dgram (writable, dlen bytes), sent by the initiator when
 * by_initiator. On success *plain is the inner chain (padding removed)
 * and *first its first payload type. Returns 0, -E_AUTH (bad ICV),
 * -E_BADLEN / -E_SHORT (sizes), -E_SYNTAX (padding). */
int	ike_sk_open(struct ike_sk *sk, const struct ike_msg *m, uint8_t *dgram,
	    size_t dlen, int by_initiator, struct span *plain, uint8_t *first)
	    __attribute__((warn_unused_result));

#endif /* CORE_IKE_SK_H */
