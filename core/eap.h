/*
 * eap.h: EAP packet framing (RFC 3748 4, 5.1) for the IKEv2 EAP payload.
 *
 * An IKEv2 EAP payload (RFC 7296 3.16) carries exactly one EAP message and
 * the payload length delimits it, so there is no link-layer padding: the
 * EAP Length field must match the bytes received exactly. Parsing goes
 * through core/span; the decoded struct borrows the input buffer. Methods
 * (eap_mschapv2) build on these helpers. Nothing here logs.
 */
#ifndef CORE_EAP_H
#define CORE_EAP_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/span.h"

#define EAP_WUR			__attribute__((warn_unused_result))

#define EAP_HDR_LEN		4	/* Code, Identifier, Length */
#define EAP_MAX_LEN		65535	/* Length is 16 bits */
#define EAP_IDENTITY_MAX	255	/* longest Identity we accept */

/* RFC 3748 4: codes. */
enum eap_code {
	EAP_CODE_REQUEST	= 1,
	EAP_CODE_RESPONSE	= 2,
	EAP_CODE_SUCCESS	= 3,
	EAP_CODE_FAILURE	= 4,
};

/* RFC 3748 5 and the IANA EAP registry: the types we know. */
enum eap_type {
	EAP_TYPE_IDENTITY	= 1,
	EAP_TYPE_NOTIFICATION	= 2,
	EAP_TYPE_NAK		= 3,
	EAP_TYPE_MSCHAPV2	= 26,
};

/* A decoded EAP packet; data borrows the parsed buffer. */
struct eap_pkt {
	uint8_t		code;		/* EAP_CODE_* */
	uint8_t		id;		/* Identifier */
	uint8_t		type;		/* EAP_TYPE_*; 0: Success/Failure */
	struct span	data;		/* Type-Data; empty: Success/Failure */
};

/*
 * Parses one EAP packet that must fill in exactly. Returns 0 and fills *pkt,
 * or: -E_SHORT (fewer than 4 bytes, or Length larger than in), -E_TRAILING
 * (bytes after Length), -E_BADLEN (Length below the minimum for the code:
 * 5 for Request/Response, exactly 4 for Success/Failure), -E_SYNTAX (unknown
 * code). pkt borrows in.
 */
int	eap_parse(struct span in, struct eap_pkt *pkt) EAP_WUR;

/*
 * Appends a Request or Response (code) with identifier id, the given type
 * and Type-Data made of the nv spans in v (borrowed) to out. Returns 0,
 * -E_INVAL (code is not Request/Response), -E_RANGE (packet longer than
 * EAP_MAX_LEN, or out is full: out is then left as it was).
 */
int	eap_build(struct buf *out, uint8_t code, uint8_t id, uint8_t type,
	    const struct span *v, size_t nv) EAP_WUR;

/* Appends a Success or Failure (code) with identifier id to out. RFC 3748
 * 4.2: id must be the Identifier of the Response it answers. Returns 0,
 * -E_INVAL or -E_RANGE. */
int	eap_build_result(struct buf *out, uint8_t code, uint8_t id) EAP_WUR;

/* Appends an Identity Request (RFC 3748 5.1) with identifier id and no
 * displayable message to out. Returns 0 or -E_RANGE. */
int	eap_build_identity_request(struct buf *out, uint8_t id) EAP_WUR;

/*
 * Checks that pkt is an Identity Response and returns its Type-Data in
 * *identity (borrowing pkt's buffer). The identity may be empty (RFC 3748
 * 5.1 allows it, and an anonymous peer matches nothing later) but must not
 * contain NUL bytes (it is not NUL-terminated on the wire, and NULs would
 * truncate it in C strings). Returns 0, -E_SYNTAX (not an Identity Response,
 * or a NUL) or -E_RANGE (longer than EAP_IDENTITY_MAX).
 */
int	eap_parse_identity(const struct eap_pkt *pkt, struct span *identity)
	    EAP_WUR;

#endif /* CORE_EAP_H */
