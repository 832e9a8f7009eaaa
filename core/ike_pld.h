/*
 * ike_pld.h: IKEv2 payloads on the wire (RFC 7296 section 3), one decoder
 * and one encoder per payload type.
 *
 * Decoding. ike_pld_next() reads one generic payload header from a chain
 * and carves the body; ike_pld_parse_<type>(body, &out) decodes a body into
 * a struct whose byte fields are spans pointing into the caller's datagram
 * (nothing is copied and nothing is allocated: a decoded struct must not
 * outlive the datagram). Every decoder consumes its body completely or
 * fails, and fails with a specific code:
 *   -E_SHORT	a fixed-size field is missing (the body ends too early);
 *   -E_BADLEN	a length or count field disagrees with the bytes present;
 *   -E_TRAILING	bytes are left after the structure;
 *   -E_RANGE	a field holds a value the RFC forbids;
 *   -E_SYNTAX	a structural rule is broken (numbering, "more" markers,
 *		a mandatory field empty);
 *   -E_TOOMANY	a hard cap below (IKE_PLD_MAX_*) is exceeded;
 *   -E_DUP	an attribute appears twice.
 * On failure the contents of *out are unspecified. Decoders never log.
 *
 * Encoding. ike_pld_add_<type>(chain, &in) appends one payload to the buf
 * behind a struct ike_chain: it writes its type into the Next Payload field
 * of the previous payload (or of the IKE header), appends the generic
 * header and the body, and back-patches the Payload Length. Encoders check
 * only that every field fits its wire width (-E_INVAL otherwise, -E_RANGE
 * when the buf's maximum is reached); semantic validity is the caller's
 * business, which lets tests build malformed payloads with the same code.
 * After a failed encoder the buf holds a partial payload: discard the
 * message. Encoders never log. The critical bit is always sent as zero
 * (RFC 7296 3.2: it is ignored for payload types the receiver knows).
 */
#ifndef CORE_IKE_PLD_H
#define CORE_IKE_PLD_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/span.h"

#define IKE_PLD_WUR	__attribute__((warn_unused_result))

/* Payload types (RFC 7296 3.2, RFC 7383 2.5). */
enum {
	IKE_PLD_NONE		= 0,	/* end of chain */
	IKE_PLD_SA		= 33,
	IKE_PLD_KE		= 34,
	IKE_PLD_IDI		= 35,
	IKE_PLD_IDR		= 36,
	IKE_PLD_CERT		= 37,
	IKE_PLD_CERTREQ		= 38,
	IKE_PLD_AUTH		= 39,
	IKE_PLD_NONCE		= 40,	/* Ni and Nr */
	IKE_PLD_NOTIFY		= 41,
	IKE_PLD_DELETE		= 42,
	IKE_PLD_VENDOR		= 43,
	IKE_PLD_TSI		= 44,
	IKE_PLD_TSR		= 45,
	IKE_PLD_SK		= 46,	/* Encrypted and Authenticated */
	IKE_PLD_CP		= 47,
	IKE_PLD_EAP		= 48,
	IKE_PLD_SKF		= 53,	/* Encrypted Fragment (RFC 7383) */
};

/* Exchange types (RFC 7296 3.1, RFC 5723 for SESSION_RESUME, which is
 * defined here for names only). */
enum {
	IKE_EXCH_SA_INIT	= 34,
	IKE_EXCH_AUTH		= 35,
	IKE_EXCH_CREATE_CHILD_SA = 36,
	IKE_EXCH_INFORMATIONAL	= 37,
	IKE_EXCH_SESSION_RESUME	= 38,
};

/* IKE header: version octet and flags (RFC 7296 3.1). */
#define IKE_VERSION		0x20	/* major 2, minor 0 */
#define IKE_FLAG_INITIATOR	0x08	/* I: sent by the original initiator */
#define IKE_FLAG_VERSION	0x10	/* V: could speak a higher major */
#define IKE_FLAG_RESPONSE	0x20	/* R: this is a response */

/* Protocol IDs (RFC 7296 3.3.1). */
enum {
	IKE_PROTO_IKE		= 1,
	IKE_PROTO_AH		= 2,
	IKE_PROTO_ESP		= 3,
};

/* Transform types (RFC 7296 3.3.2); the IDs live in core/xform.h. */
enum {
	IKE_TRANS_ENCR		= 1,
	IKE_TRANS_PRF		= 2,
	IKE_TRANS_INTEG		= 3,
	IKE_TRANS_DH		= 4,	/* Key Exchange Method */
	IKE_TRANS_ESN		= 5,
};
/* ESN transform IDs (RFC 7296 3.3.2). */
#define IKE_ESN_NONE		0
#define IKE_ESN_ON		1
/* Transform attribute types (RFC 7296 3.3.5); Key Length is TV only. */
#define IKE_ATTR_KEY_LENGTH	14
#define IKE_ATTR_TV		0x8000	/* AF bit: Type/Value format */

/* Notify message types (RFC 7296 3.10.1 and the IANA registry). Types
 * below 16384 are errors, the rest status. */
enum {
	IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD = 1,
	IKE_N_INVALID_IKE_SPI		= 4,
	IKE_N_INVALID_MAJOR_VERSION	= 5,
	IKE_N_INVALID_SYNTAX		= 7,
	IKE_N_INVALID_MESSAGE_ID	= 9,
	IKE_N_INVALID_SPI		= 11,
	IKE_N_NO_PROPOSAL_CHOSEN	= 14,
	IKE_N_INVALID_KE_PAYLOAD	= 17,
	IKE_N_AUTHENTICATION_FAILED	= 24,
	IKE_N_SINGLE_PAIR_REQUIRED	= 34,
	IKE_N_NO_ADDITIONAL_SAS		= 35,
	IKE_N_INTERNAL_ADDRESS_FAILURE	= 36,
	IKE_N_FAILED_CP_REQUIRED	= 37,
	IKE_N_TS_UNACCEPTABLE		= 38,
	IKE_N_INVALID_SELECTORS		= 39,
	IKE_N_UNACCEPTABLE_ADDRESSES	= 40,	/* RFC 4555 */
	IKE_N_UNEXPECTED_NAT_DETECTED	= 41,	/* RFC 4555 */
	IKE_N_USE_ASSIGNED_HOA		= 42,	/* RFC 5026 */
	IKE_N_TEMPORARY_FAILURE		= 43,
	IKE_N_CHILD_SA_NOT_FOUND	= 44,
	IKE_N_ERROR_MAX			= 16383,

	IKE_N_INITIAL_CONTACT		= 16384,
	IKE_N_SET_WINDOW_SIZE		= 16385,
	IKE_N_ADDITIONAL_TS_POSSIBLE	= 16386,
	IKE_N_IPCOMP_SUPPORTED		= 16387,
	IKE_N_NAT_DETECTION_SOURCE_IP	= 16388,
	IKE_N_NAT_DETECTION_DESTINATION_IP = 16389,
	IKE_N_COOKIE			= 16390,
	IKE_N_USE_TRANSPORT_MODE	= 16391,
	IKE_N_HTTP_CERT_LOOKUP_SUPPORTED = 16392,
	IKE_N_REKEY_SA			= 16393,
	IKE_N_ESP_TFC_PADDING_NOT_SUPPORTED = 16394,
	IKE_N_NON_FIRST_FRAGMENTS_ALSO	= 16395,
	IKE_N_MOBIKE_SUPPORTED		= 16396,	/* RFC 4555 */
	IKE_N_ADDITIONAL_IP4_ADDRESS	= 16397,
	IKE_N_ADDITIONAL_IP6_ADDRESS	= 16398,
	IKE_N_NO_ADDITIONAL_ADDRESSES	= 16399,
	IKE_N_UPDATE_SA_ADDRESSES	= 16400,
	IKE_N_COOKIE2			= 16401,
	IKE_N_NO_NATS_ALLOWED		= 16402,
	IKE_N_AUTH_LIFETIME		= 16403,	/* RFC 4478 */
	IKE_N_MULTIPLE_AUTH_SUPPORTED	= 16404,	/* RFC 4739 */
	IKE_N_ANOTHER_AUTH_FOLLOWS	= 16405,
	IKE_N_REDIRECT_SUPPORTED	= 16406,	/* RFC 5685 */
	IKE_N_REDIRECT			= 16407,
	IKE_N_REDIRECTED_FROM		= 16408,
	IKE_N_TICKET_LT_OPAQUE		= 16409,	/* RFC 5723 */
	IKE_N_TICKET_REQUEST		= 16410,
	IKE_N_TICKET_ACK		= 16411,
	IKE_N_TICKET_NACK		= 16412,
	IKE_N_TICKET_OPAQUE		= 16413,
	IKE_N_EAP_ONLY_AUTHENTICATION	= 16417,	/* RFC 5998 */
	IKE_N_CHILDLESS_IKEV2_SUPPORTED	= 16418,	/* RFC 6023 */
	IKE_N_IKEV2_FRAGMENTATION_SUPPORTED = 16430,	/* RFC 7383 */
	IKE_N_SIGNATURE_HASH_ALGORITHMS	= 16431,	/* RFC 7427 */
};

/* Identification types (RFC 7296 3.5, RFC 7619 for ID_NULL). */
enum {
	IKE_ID_IPV4_ADDR	= 1,
	IKE_ID_FQDN		= 2,
	IKE_ID_RFC822_ADDR	= 3,
	IKE_ID_IPV6_ADDR	= 5,
	IKE_ID_DER_ASN1_DN	= 9,
	IKE_ID_DER_ASN1_GN	= 10,
	IKE_ID_KEY_ID		= 11,
	IKE_ID_NULL		= 13,
};

/* Authentication methods (RFC 7296 3.8, RFC 4754, RFC 7619, RFC 7427). */
enum {
	IKE_AUTH_RSA_SIG	= 1,
	IKE_AUTH_SHARED_KEY_MIC	= 2,
	IKE_AUTH_ECDSA_SHA256_P256 = 9,
	IKE_AUTH_ECDSA_SHA384_P384 = 10,
	IKE_AUTH_ECDSA_SHA512_P521 = 11,
	IKE_AUTH_NULL		= 13,	/* RFC 7619 */
	IKE_AUTH_DIGITAL_SIGNATURE = 14,
};

/* Certificate encodings (RFC 7296 3.6). */
enum {
	IKE_CERT_PKCS7_X509	= 1,
	IKE_CERT_PGP		= 2,
	IKE_CERT_DNS_SIGNED_KEY	= 3,
	IKE_CERT_X509_SIG	= 4,	/* X.509 Certificate - Signature */
	IKE_CERT_KERBEROS	= 6,
	IKE_CERT_CRL		= 7,
	IKE_CERT_ARL		= 8,
	IKE_CERT_SPKI		= 9,
	IKE_CERT_X509_ATTR	= 10,
	IKE_CERT_RAW_RSA	= 11,
	IKE_CERT_HASH_URL_X509	= 12,
	IKE_CERT_HASH_URL_BUNDLE = 13,
	IKE_CERT_OCSP		= 14,	/* RFC 4806 */
	IKE_CERT_RAW_PUBKEY	= 15,	/* RFC 7670 */
};
/* CERTREQ with X.509 encoding carries SHA-1 hashes of CA keys (3.7). */
#define IKE_CERTREQ_HASH_LEN	20

/* Configuration payload types and attributes (RFC 7296 3.15, RFC 8598). */
enum {
	IKE_CP_CFG_REQUEST	= 1,
	IKE_CP_CFG_REPLY	= 2,
	IKE_CP_CFG_SET		= 3,
	IKE_CP_CFG_ACK		= 4,
};
enum {
	IKE_CP_INTERNAL_IP4_ADDRESS	= 1,
	IKE_CP_INTERNAL_IP4_NETMASK	= 2,
	IKE_CP_INTERNAL_IP4_DNS		= 3,
	IKE_CP_INTERNAL_IP4_NBNS	= 4,
	IKE_CP_INTERNAL_IP4_DHCP	= 6,
	IKE_CP_APPLICATION_VERSION	= 7,
	IKE_CP_INTERNAL_IP6_ADDRESS	= 8,
	IKE_CP_INTERNAL_IP6_DNS		= 10,
	IKE_CP_INTERNAL_IP6_DHCP	= 12,
	IKE_CP_INTERNAL_IP4_SUBNET	= 13,
	IKE_CP_SUPPORTED_ATTRIBUTES	= 14,
	IKE_CP_INTERNAL_IP6_SUBNET	= 15,
	IKE_CP_INTERNAL_DNS_DOMAIN	= 25,	/* RFC 8598 */
};

/* Traffic selector types (RFC 7296 3.13.1) and their exact lengths. */
enum {
	IKE_TS_IPV4_ADDR_RANGE	= 7,
	IKE_TS_IPV6_ADDR_RANGE	= 8,
};
#define IKE_TS_IPV4_LEN		16
#define IKE_TS_IPV6_LEN		40

/* EAP codes (RFC 3748 4) and the method types the gateway names. */
enum {
	IKE_EAP_REQUEST		= 1,
	IKE_EAP_RESPONSE	= 2,
	IKE_EAP_SUCCESS		= 3,
	IKE_EAP_FAILURE		= 4,
};
enum {
	IKE_EAP_TYPE_IDENTITY	= 1,
	IKE_EAP_TYPE_NOTIFICATION = 2,
	IKE_EAP_TYPE_NAK	= 3,
	IKE_EAP_TYPE_MD5	= 4,
	IKE_EAP_TYPE_TLS	= 13,
	IKE_EAP_TYPE_TTLS	= 21,
	IKE_EAP_TYPE_PEAP	= 25,
	IKE_EAP_TYPE_MSCHAPV2	= 26,
	IKE_EAP_TYPE_EXPANDED	= 254,
};

/* Sizes and hard caps. The caps bound work and the size of the decoded
 * structs; inputs beyond them fail with -E_TOOMANY. */
#define IKE_PLD_HDR_LEN		4	/* generic payload header */
#define IKE_PLD_MAX_PROPS	16	/* proposals per SA payload */
#define IKE_PLD_MAX_XFORMS	64	/* transforms per proposal */
#define IKE_PLD_MAX_TS		64	/* selectors per TS payload */
#define IKE_PLD_MAX_CP_ATTRS	64	/* attributes per CP payload */
#define IKE_NONCE_MIN		16	/* RFC 7296 3.9 */
#define IKE_NONCE_MAX		256
#define IKE_COOKIE_MAX		64	/* RFC 7296 2.6 */
#define IKE_NATD_LEN		20	/* SHA-1, RFC 7296 2.23 */

/* The generic payload header (RFC 7296 3.2). type is the payload's own
 * type, which the previous Next Payload field announced. */
struct ike_pld_hdr {
	uint8_t		type;
	uint8_t		next;		/* Next Payload */
	uint8_t		critical;	/* 1 when the C bit is set */
	uint16_t	len;		/* Payload Length, header included */
};

/* SA (3.3): proposals, their transforms and the Key Length attribute. */
#define IKE_XF_KEYLEN		0x01	/* keylen holds a Key Length */
#define IKE_XF_UNKNOWN_ATTR	0x02	/* an attribute we do not know was
					 * present (3.3.6: reject the
					 * transform) */
struct ike_pld_xform {
	uint8_t		type;		/* IKE_TRANS_* */
	uint8_t		flags;		/* IKE_XF_* */
	uint16_t	id;		/* Transform ID (core/xform.h) */
	uint16_t	keylen;		/* bits, when IKE_XF_KEYLEN */
};
struct ike_pld_prop {
	uint8_t		num;		/* Proposal Num */
	uint8_t		proto;		/* IKE_PROTO_* */
	uint8_t		nxf;		/* number of transforms */
	struct span	spi;		/* 0, 4 or 8 bytes */
	struct ike_pld_xform xf[IKE_PLD_MAX_XFORMS];
};
struct ike_pld_sa {
	size_t		nprop;
	struct ike_pld_prop prop[IKE_PLD_MAX_PROPS];
};

/* KE (3.4). */
struct ike_pld_ke {
	uint16_t	group;		/* Diffie-Hellman Group Num */
	struct span	data;		/* Key Exchange Data, never empty */
};

/* IDi / IDr (3.5). */
struct ike_pld_id {
	uint8_t		type;		/* IKE_ID_* */
	struct span	data;
};

/* CERT (3.6) and CERTREQ (3.7). */
struct ike_pld_cert {
	uint8_t		enc;		/* IKE_CERT_* */
	struct span	data;
};
struct ike_pld_certreq {
	uint8_t		enc;		/* IKE_CERT_* */
	struct span	data;		/* X.509: 20-byte SHA-1 key hashes */
};

/* AUTH (3.8). */
struct ike_pld_auth {
	uint8_t		method;		/* IKE_AUTH_* */
	struct span	data;
};

/* Nonce (3.9). */
struct ike_pld_nonce {
	struct span	data;		/* 16..256 bytes */
};

/* Notify (3.10). */
struct ike_pld_notify {
	uint8_t		proto;		/* IKE_PROTO_*, 0 when spi is empty */
	uint16_t	type;		/* IKE_N_* */
	struct span	spi;		/* 0, 4 (AH/ESP) or 8 (IKE) bytes */
	struct span	data;
};

/* Delete (3.11). */
struct ike_pld_delete {
	uint8_t		proto;		/* IKE_PROTO_* */
	uint8_t		spi_size;	/* 0 for IKE, 4 for AH/ESP */
	uint16_t	nspi;
	struct span	spis;		/* nspi * spi_size bytes */
};

/* Vendor ID (3.12). */
struct ike_pld_vendor {
	struct span	data;
};

/* Traffic selectors (3.13). For types 7 and 8 start/end are 4 or 16
 * bytes; for a type this decoder does not know, proto is the second
 * octet, ports are 0, start holds the bytes after the 4-byte selector
 * header and end is empty. */
struct ike_pld_ts_sel {
	uint8_t		type;		/* IKE_TS_* */
	uint8_t		proto;		/* IP protocol ID, 0 = any */
	uint16_t	sport;
	uint16_t	eport;
	struct span	start;
	struct span	end;
};
struct ike_pld_ts {
	size_t		nts;
	struct ike_pld_ts_sel ts[IKE_PLD_MAX_TS];
};

/* SK (3.14): the body is IV || ciphertext || ICV, handed whole to the
 * caller, which knows the sizes of the negotiated transforms. */
struct ike_pld_sk {
	struct span	data;
};

/* SKF (RFC 7383 2.5). */
struct ike_pld_skf {
	uint16_t	num;		/* Fragment Number, 1..total */
	uint16_t	total;		/* Total Fragments */
	struct span	data;		/* IV || ciphertext || ICV */
};

/* CP (3.15). The reserved high bit of each attribute type is dropped. */
struct ike_pld_cp_attr {
	uint16_t	type;		/* IKE_CP_INTERNAL_* etc. */
	struct span	value;
};
struct ike_pld_cp {
	uint8_t		type;		/* IKE_CP_CFG_* */
	size_t		nattr;
	struct ike_pld_cp_attr attr[IKE_PLD_MAX_CP_ATTRS];
};

/* EAP (3.16, RFC 3748 4). type and data are set for requests and
 * responses only; msg is the whole EAP packet (for a AAA relay). The
 * encoder ignores msg. */
struct ike_pld_eap {
	uint8_t		code;		/* IKE_EAP_* */
	uint8_t		id;
	uint8_t		type;		/* IKE_EAP_TYPE_*, requests/responses */
	struct span	data;		/* Type-Data */
	struct span	msg;
};

/*
 * Reads the generic header of the next payload from *chain, whose type
 * the previous Next Payload field gave as type, into *hdr and carves its
 * body into *body (borrowing chain's buffer); chain advances past the
 * payload. Requires 4 bytes (-E_SHORT) and 4 <= Payload Length <= 4 +
 * remaining bytes (-E_BADLEN). On failure chain is not advanced.
 */
int	ike_pld_next(struct span *chain, uint8_t type, struct ike_pld_hdr *hdr,
	    struct span *body) IKE_PLD_WUR;

/*
 * The decoders: each reads one payload body (without its generic header)
 * into *out, pointing into body's buffer, and returns 0 or a negative code
 * as described at the top of this file. The checks each one makes, beyond
 * exact consumption of the body:
 *  sa:		1..16 proposals, each of at most 64 transforms (and at least
 *		one); proposal "more" markers 2/0 and transform markers 3/0
 *		agree with the structure; Proposal Nums consecutive, starting
 *		at 1 when there is more than one (a response carries the
 *		single accepted one); proposal lengths >= 8 and transform
 *		lengths >= 8; protocol IKE with an SPI of 0 or 8 bytes, AH or
 *		ESP with 4 (any other protocol: -E_RANGE); Key Length only in
 *		TV form and at most once per transform.
 *  ke:		data non-empty (-E_SYNTAX).
 *  id:		IPV4_ADDR data is 4 bytes, IPV6_ADDR 16; other types except
 *		ID_NULL have non-empty data.
 *  cert:	data non-empty.  certreq: X.509 data a multiple of 20 bytes.
 *  auth:	data non-empty.
 *  nonce:	16..256 bytes (-E_RANGE).
 *  notify:	SPI Size 0 (any protocol), 4 (AH/ESP) or 8 (IKE), else
 *		-E_RANGE; fixed data sizes of the types that have one
 *		(NAT_DETECTION_* 20, INVALID_KE_PAYLOAD 2, SET_WINDOW_SIZE 4,
 *		UNSUPPORTED_CRITICAL_PAYLOAD 1, COOKIE 1..64,
 *		SIGNATURE_HASH_ALGORITHMS even), else -E_BADLEN.
 *  delete:	IKE with SPI Size 0 and no SPIs, AH/ESP with SPI Size 4
 *		(-E_RANGE); Num of SPIs * SPI Size == remaining (-E_BADLEN).
 *  vendor:	anything.
 *  ts:		1..64 selectors matching the count; IPv4 selectors exactly
 *		16 bytes and IPv6 40 (-E_BADLEN); start port <= end port
 *		except the OPAQUE 65535/0 pair, start address <= end address
 *		(-E_RANGE).
 *  sk:		anything (sizes are the SA's business).
 *  skf:	1 <= Fragment Number <= Total Fragments (-E_RANGE).
 *  cp:		CP type 1..4 (-E_RANGE); attributes within the body
 *		(-E_BADLEN), at most 64; the RFC 7296 fixed-size attributes
 *		have one of their allowed lengths (-E_BADLEN).
 *  eap:	EAP Length equals the body length; requests and responses
 *		have a type, success and failure are 4 bytes exactly
 *		(-E_BADLEN); other codes -E_RANGE.
 */
int	ike_pld_parse_sa(struct span body, struct ike_pld_sa *out) IKE_PLD_WUR;
int	ike_pld_parse_ke(struct span body, struct ike_pld_ke *out) IKE_PLD_WUR;
int	ike_pld_parse_id(struct span body, struct ike_pld_id *out) IKE_PLD_WUR;
int	ike_pld_parse_cert(struct span body, struct ike_pld_cert *out)
	    IKE_PLD_WUR;
int	ike_pld_parse_certreq(struct span body, struct ike_pld_certreq *out)
	    IKE_PLD_WUR;
int	ike_pld_parse_auth(struct span body, struct ike_pld_auth *out)
	    IKE_PLD_WUR;
int	ike_pld_parse_nonce(struct span body, struct ike_pld_nonce *out)
	    IKE_PLD_WUR;
int	ike_pld_parse_notify(struct span body, struct ike_pld_notify *out)
	    IKE_PLD_WUR;
int	ike_pld_parse_delete(struct span body, struct ike_pld_delete *out)
	    IKE_PLD_WUR;
int	ike_pld_parse_vendor(struct span body, struct ike_pld_vendor *out)
	    IKE_PLD_WUR;
int	ike_pld_parse_ts(struct span body, struct ike_pld_ts *out) IKE_PLD_WUR;
int	ike_pld_parse_sk(struct span body, struct ike_pld_sk *out) IKE_PLD_WUR;
int	ike_pld_parse_skf(struct span body, struct ike_pld_skf *out)
	    IKE_PLD_WUR;
int	ike_pld_parse_cp(struct span body, struct ike_pld_cp *out) IKE_PLD_WUR;
int	ike_pld_parse_eap(struct span body, struct ike_pld_eap *out)
	    IKE_PLD_WUR;

/* Returns nonzero when type is a payload type this module decodes. */
int	ike_pld_known(uint8_t type);

/* Runs the decoder of a known type over body into scratch storage and
 * returns its result; -E_NOTSUP for an unknown type. Uses about 10 KiB of
 * stack (the SA struct). */
int	ike_pld_check(uint8_t type, struct span body) IKE_PLD_WUR;

/* Return static names for logs and dumps ("SA", "IKE_AUTH",
 * "NAT_DETECTION_SOURCE_IP"), or NULL for values without a name here. */
const char *ike_pld_type_name(uint8_t type);
const char *ike_pld_exch_name(uint8_t exch);
const char *ike_pld_notify_name(uint16_t type);

/*
 * struct ike_chain: the state of a payload chain being appended to a buf
 * (embedded, no allocation). next_off is the offset in b of the Next
 * Payload octet the next payload's type goes into (the IKE header's, then
 * each payload's own); IKE_CHAIN_NONE means "store it in first" (a bare
 * chain with no header yet, e.g. an inner chain built for fragmentation).
 * The sk_* offsets are set by ike_msg_sk_begin()/ike_msg_skf_begin(); see
 * core/ike_msg.h. Callers read the fields but change them only through the
 * functions here and in ike_msg.
 */
#define IKE_CHAIN_NONE	((size_t)-1)
struct ike_chain {
	struct buf	*b;		/* borrowed */
	size_t		 msg_off;	/* IKE header, or IKE_CHAIN_NONE */
	size_t		 next_off;
	uint8_t		 first;		/* first payload type of the chain */
	uint8_t		 closed;	/* no more payloads may be added */
	size_t		 sk_off;	/* SK/SKF generic header, or NONE */
	size_t		 iv_off;	/* IV inside SK/SKF */
	size_t		 plain_off;	/* first byte after the IV */
};

/* Starts a bare chain at the end of b (borrowed; it must outlive c). */
void	ike_pld_chain_init(struct ike_chain *c, struct buf *b);

/* Appends a payload of any type with the given body verbatim, setting the
 * critical bit when critical is nonzero (tests, unknown payloads). */
int	ike_pld_add_raw(struct ike_chain *c, uint8_t type, int critical,
	    struct span body) IKE_PLD_WUR;

/*
 * The encoders: each appends one payload built from *in (borrowed). The
 * ID and TS encoders take the payload type (IDi/IDr, TSi/TSr) as a
 * parameter. The SA encoder writes the "more" markers and lengths itself
 * and emits a Key Length attribute for transforms with IKE_XF_KEYLEN. The
 * SK and SKF encoders write an already sealed body, with first (the type
 * of the first inner payload, 0 for SKF fragments other than the first)
 * in the SK/SKF Next Payload field; to build an SK payload in clear and
 * seal it in place, use ike_msg_sk_begin() instead.
 */
int	ike_pld_add_sa(struct ike_chain *c, const struct ike_pld_sa *in)
	    IKE_PLD_WUR;
int	ike_pld_add_ke(struct ike_chain *c, const struct ike_pld_ke *in)
	    IKE_PLD_WUR;
int	ike_pld_add_id(struct ike_chain *c, uint8_t type,
	    const struct ike_pld_id *in) IKE_PLD_WUR;
int	ike_pld_add_cert(struct ike_chain *c, const struct ike_pld_cert *in)
	    IKE_PLD_WUR;
int	ike_pld_add_certreq(struct ike_chain *c,
	    const struct ike_pld_certreq *in) IKE_PLD_WUR;
int	ike_pld_add_auth(struct ike_chain *c, const struct ike_pld_auth *in)
	    IKE_PLD_WUR;
int	ike_pld_add_nonce(struct ike_chain *c, const struct ike_pld_nonce *in)
	    IKE_PLD_WUR;
int	ike_pld_add_notify(struct ike_chain *c,
	    const struct ike_pld_notify *in) IKE_PLD_WUR;
int	ike_pld_add_delete(struct ike_chain *c,
	    const struct ike_pld_delete *in) IKE_PLD_WUR;
/* A Delete payload of ESP SAs (3.11): spi[0..n), host order, written in
 * network order. n is 1 to IKE_PLD_DELETE_ESP_MAX (else -E_INVAL). */
#define IKE_PLD_DELETE_ESP_MAX	8
int	ike_pld_add_delete_esp(struct ike_chain *c, const uint32_t *spi,
	    size_t n) IKE_PLD_WUR;
int	ike_pld_add_vendor(struct ike_chain *c,
	    const struct ike_pld_vendor *in) IKE_PLD_WUR;
int	ike_pld_add_ts(struct ike_chain *c, uint8_t type,
	    const struct ike_pld_ts *in) IKE_PLD_WUR;
int	ike_pld_add_sk(struct ike_chain *c, uint8_t first,
	    const struct ike_pld_sk *in) IKE_PLD_WUR;
int	ike_pld_add_skf(struct ike_chain *c, uint8_t first,
	    const struct ike_pld_skf *in) IKE_PLD_WUR;
int	ike_pld_add_cp(struct ike_chain *c, const struct ike_pld_cp *in)
	    IKE_PLD_WUR;
int	ike_pld_add_eap(struct ike_chain *c, const struct ike_pld_eap *in)
	    IKE_PLD_WUR;

/* Internal to ike_pld and ike_msg: open a payload (generic header with a
 * zero length, chained in) and close it (back-patch its length). */
int	ike_pld__open(struct ike_chain *c, uint8_t type, int critical,
	    size_t *start) IKE_PLD_WUR;
int	ike_pld__close(struct ike_chain *c, size_t start) IKE_PLD_WUR;

#endif /* CORE_IKE_PLD_H */
