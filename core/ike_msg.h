/*
 * ike_msg.h: IKEv2 messages on the wire (RFC 7296 2 and 3.1): the IKE
 * header, the payload chain, SK/SKF placement, semantic checks, and a
 * builder that leaves the SK payload ready for in-place sealing.
 *
 * Receiving: ike_msg_parse() decodes the header and walks the chain into a
 * fixed array of (type, critical, body) entries; ike_msg_verify() then
 * decodes every known payload and applies the RFC 7296 rules that span
 * payloads. After the IKE SA has opened an SK payload, the plaintext is
 * walked the same way with ike_msg_parse_inner() and verified again. No
 * function here allocates, copies payload bytes or logs: entries point
 * into the caller's buffer and must not outlive it.
 *
 * Sending: ike_msg_begin() writes a header, the ike_pld_add_*() encoders
 * append payloads, ike_msg_sk_begin() opens an SK payload whose inner
 * payloads are then appended in clear, and ike_msg_finish() patches the
 * lengths. The crypto is the caller's: see ike_msg_sk_begin().
 */
#ifndef CORE_IKE_MSG_H
#define CORE_IKE_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/ike_pld.h"
#include "core/span.h"

#define IKE_MSG_WUR	__attribute__((warn_unused_result))

#define IKE_HDR_LEN		28	/* RFC 7296 3.1 */
#define IKE_HDR_NEXT_OFF	16	/* offset of the Next Payload octet */
#define IKE_HDR_LEN_OFF		24	/* offset of the Length field */
#define IKE_MSG_MAX_PLD		64	/* payloads per chain */

/* The IKE header (RFC 7296 3.1). SPIs are the 8 wire octets read as a
 * big-endian number. */
struct ike_msg_hdr {
	uint64_t	spi_i;
	uint64_t	spi_r;
	uint8_t		next;		/* first payload type */
	uint8_t		version;	/* major << 4 | minor */
	uint8_t		exch;		/* IKE_EXCH_* */
	uint8_t		flags;		/* IKE_FLAG_* */
	uint32_t	msgid;
	uint32_t	len;		/* whole message, header included */
};

/* One payload of a walked chain. off is the offset of its generic header
 * from the start of the parsed bytes (the datagram, or the plaintext for
 * an inner chain): the AAD of an SK payload is the datagram up to off + 4
 * (RFC 5282 5.1). next is its Next Payload field, which for SK and SKF is
 * the type of the first inner payload. */
struct ike_msg_pld {
	uint8_t		type;
	uint8_t		next;
	uint8_t		critical;
	size_t		off;
	struct span	body;
};

/* A parsed message (embedded, about 3 KiB). When SK or SKF is present it
 * is the last entry. */
struct ike_msg {
	struct ike_msg_hdr hdr;
	struct span	data;		/* what was parsed */
	size_t		npld;
	struct ike_msg_pld pld[IKE_MSG_MAX_PLD];
};

/*
 * Decodes the 28-byte header at the start of dgram into *h. Fails with
 * -E_SHORT when dgram is shorter than a header or than the header's
 * Length, -E_BADLEN when Length is below 28 or shorter than dgram (the
 * datagram must be exactly one message), -E_VERSION when the major
 * version is not 2 (the minor version is ignored, 3.1); the version is
 * checked first. Unless dgram is shorter than 28 bytes, *h is filled even
 * on failure, so that the caller can answer INVALID_MAJOR_VERSION (2.5)
 * or log the SPIs.
 */
int	ike_msg_hdr_parse(struct span dgram, struct ike_msg_hdr *h)
	    IKE_MSG_WUR;

/* Appends the 28-byte header *h to b verbatim (Length included). */
int	ike_msg_hdr_encode(struct buf *b, const struct ike_msg_hdr *h)
	    IKE_MSG_WUR;

/*
 * Parses dgram (borrowed: *m points into it) into *m: the header as
 * ike_msg_hdr_parse(), then the chain, each payload through ike_pld_next().
 * Fails with -E_TOOMANY beyond IKE_MSG_MAX_PLD payloads, -E_SYNTAX when SK
 * or SKF is not the last payload (3.14, RFC 7383 2.5), -E_TRAILING when
 * bytes follow the payload whose Next Payload is 0, and the errors of the
 * functions above. Payload bodies are not decoded here: see
 * ike_msg_verify().
 */
int	ike_msg_parse(struct span dgram, struct ike_msg *m) IKE_MSG_WUR;

/*
 * Walks plain (borrowed), the decrypted content of an SK payload (or the
 * reassembled content of SKF fragments) without IV, padding and ICV, as a
 * chain whose first payload has type first (the SK Next Payload), into *m.
 * m->hdr is set to *hdr, the outer message's header, so that
 * ike_msg_verify() can apply its exchange-dependent rules. Offsets are
 * relative to plain. An SK or SKF inside is -E_SYNTAX; otherwise as
 * ike_msg_parse().
 */
int	ike_msg_parse_inner(const struct ike_msg_hdr *hdr, uint8_t first,
	    struct span plain, struct ike_msg *m) IKE_MSG_WUR;

/*
 * Applies RFC 7296 rules to a parsed chain (outer or inner):
 *  - the Initiator's SPI is not zero (3.1; -E_RANGE);
 *  - a payload of unknown type with the critical bit set fails with
 *    -E_CRITICAL (2.5); without it, it is skipped;
 *  - SA, KE, Nonce, IDi, IDr, AUTH, TSi, TSr, CP, SK, SKF and EAP appear
 *    at most once (-E_DUP);
 *  - every known payload decodes (the ike_pld_parse_* checks, so nonces
 *    are 16..256 bytes and KE data is non-empty);
 *  - SA proposals suit the exchange: IKE with an empty SPI in
 *    IKE_SA_INIT, AH/ESP in IKE_AUTH, IKE with an 8-byte SPI or AH/ESP in
 *    CREATE_CHILD_SA (-E_RANGE); in a request the first proposal is
 *    number 1 (-E_SYNTAX).
 * On failure *bad_type (may be NULL) is the type of the offending payload
 * (0 for the header): for -E_CRITICAL it is the one-octet notification
 * data of UNSUPPORTED_CRITICAL_PAYLOAD. Which payloads an exchange
 * requires is the IKE SA's business, not checked here.
 */
int	ike_msg_verify(const struct ike_msg *m, uint8_t *bad_type)
	    IKE_MSG_WUR;

/* Returns the IKEv2 notify type a peer should be told for parse or verify
 * error err (sign ignored): INVALID_SYNTAX for the syntax errors,
 * UNSUPPORTED_CRITICAL_PAYLOAD for -E_CRITICAL, INVALID_MAJOR_VERSION for
 * -E_VERSION, 0 for codes that call for no notification. RFC 7296 2.21
 * decides whether to send it at all (not in reply to an unprotected
 * message, except INVALID_MAJOR_VERSION). */
uint16_t ike_msg_err_notify(int err);

/* Returns the index of the first payload of type at or after index from,
 * or -E_NOENT. */
int	ike_msg_find(const struct ike_msg *m, uint8_t type, size_t from);

/* Points *body at the body of m's first payload of type (still encoded).
 * Returns 0 or -E_NOENT. */
int	ike_msg_body(const struct ike_msg *m, uint8_t type,
	    struct span *body);

/* Finds the first Notify payload of notify type ntype and decodes it into
 * *out (pointing into m's buffer). Returns 0, -E_NOENT, or the decoder's
 * error for the first one of that type that is malformed. */
int	ike_msg_find_notify(const struct ike_msg *m, uint16_t ntype,
	    struct ike_pld_notify *out) IKE_MSG_WUR;

/* Returns the type of m's first well-formed error Notify (RFC 7296 3.10.1:
 * types 1 to IKE_N_ERROR_MAX), or 0 when it has none. */
uint16_t ike_msg_first_error(const struct ike_msg *m);

/*
 * Building. ike_msg_begin() appends header *h (its next and len ignored)
 * to b (borrowed for the life of c) and starts the chain behind it.
 * Payloads are then added with the ike_pld_add_*() encoders.
 */
int	ike_msg_begin(struct ike_chain *c, struct buf *b,
	    const struct ike_msg_hdr *h) IKE_MSG_WUR;

/*
 * Opens an SK payload: appends its generic header and iv_len zero bytes
 * for the IV, and records c->sk_off (generic header), c->iv_off and
 * c->plain_off (first inner byte). Payloads added afterwards form the
 * inner chain: the first one's type goes into the SK Next Payload field.
 * The sealing sequence for the IKE SA is then: append the padding, the
 * Pad Length octet and room for the ICV to c->b; call ike_msg_finish(),
 * which sets the SK and message lengths that the AAD or integrity check
 * covers (RFC 7296 3.14, RFC 5282 5.1); write the IV at c->iv_off;
 * encrypt [c->plain_off, end of the padding) in place and write the ICV.
 * -E_STATE if an SK or SKF payload is already open.
 */
int	ike_msg_sk_begin(struct ike_chain *c, size_t iv_len) IKE_MSG_WUR;

/*
 * Opens an SKF payload (RFC 7383 2.5) for fragment num of total: generic
 * header with Next Payload first (the first inner type for fragment 1,
 * else 0), Fragment Number, Total Fragments and iv_len zero IV bytes. The
 * fragment's slice of the inner chain is then appended with buf_add();
 * the chain is closed to further payloads. Offsets and the sealing
 * sequence as for ike_msg_sk_begin(). -E_INVAL unless 1 <= num <= total.
 */
int	ike_msg_skf_begin(struct ike_chain *c, uint16_t num, uint16_t total,
	    uint8_t first, size_t iv_len) IKE_MSG_WUR;

/* Patches the length of the open SK/SKF payload, if any (-E_RANGE beyond
 * 65535 bytes), and the message Length; closes the chain. May be called
 * again after more bytes were appended (the lengths are recomputed). */
int	ike_msg_finish(struct ike_chain *c) IKE_MSG_WUR;

#endif /* CORE_IKE_MSG_H */
