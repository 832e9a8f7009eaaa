/*
 * ike_pld.c: IKEv2 payload decoders and encoders (RFC 7296 section 3).
 *
 * Every byte is read through a span. Each decoder reads its fixed fields
 * in one chained || condition, carves every variable field by a length
 * that was checked against what remains, and ends by requiring the body
 * to be empty. Loops are bounded by the body length (each iteration
 * consumes at least one byte) and by the IKE_PLD_MAX_* caps.
 */
#include "config.h"

#include <string.h>

#include "core/ike_pld.h"

/* Carves n bytes announced by a length field: too few left is a length
 * inconsistency, not a truncated fixed field. */
static int
carve(struct span *s, size_t n, struct span *sub)
{
	if (span_get_bytes(s, n, sub) != 0)
		return -E_BADLEN;
	return 0;
}

/* Skips n reserved octets, which are sent as zero and ignored on receipt
 * (RFC 7296 3.2). */
static int
skip_reserved(struct span *s, size_t n)
{
	return span_skip(s, n);
}

int
ike_pld_next(struct span *chain, uint8_t type, struct ike_pld_hdr *hdr,
    struct span *body)
{
	struct span s = *chain;
	uint8_t next, fl;
	uint16_t len;

	if (span_get_u8(&s, &next) != 0 || span_get_u8(&s, &fl) != 0 ||
	    span_get_u16(&s, &len) != 0)
		return -E_SHORT;
	/* RFC 7296 3.2: Payload Length includes the generic header. */
	if (len < IKE_PLD_HDR_LEN || (size_t)(len - IKE_PLD_HDR_LEN) > s.len)
		return -E_BADLEN;
	if (span_get_bytes(&s, len - IKE_PLD_HDR_LEN, body) != 0)
		return -E_BADLEN;
	hdr->type = type;
	hdr->next = next;
	hdr->critical = (fl & 0x80) != 0;
	hdr->len = len;
	*chain = s;
	return 0;
}

/*
 * SA payload (RFC 7296 3.3).
 */

/* Transform attributes (3.3.5): only Key Length is defined, in TV form. */
static int
parse_attrs(struct span s, struct ike_pld_xform *xf)
{
	struct span v;
	uint16_t at, val;

	while (!span_is_empty(s)) {
		if (span_get_u16(&s, &at) != 0 || span_get_u16(&s, &val) != 0)
			return -E_SHORT;
		if (at & IKE_ATTR_TV) {
			if ((at & ~IKE_ATTR_TV) != IKE_ATTR_KEY_LENGTH) {
				xf->flags |= IKE_XF_UNKNOWN_ATTR;
				continue;
			}
			if (xf->flags & IKE_XF_KEYLEN)
				return -E_DUP;
			xf->flags |= IKE_XF_KEYLEN;
			xf->keylen = val;
			continue;
		}
		/* TLV: val is the length of the value. */
		if (at == IKE_ATTR_KEY_LENGTH)
			return -E_SYNTAX;
		if (carve(&s, val, &v) != 0)
			return -E_BADLEN;
		xf->flags |= IKE_XF_UNKNOWN_ATTR;
	}
	return 0;
}

static int
parse_prop(struct span s, struct ike_pld_prop *p)
{
	struct ike_pld_xform *xf;
	struct span tb;
	uint8_t spisize, more, rsv, i;
	uint16_t tlen;
	int r;

	if (span_get_u8(&s, &p->num) != 0 || span_get_u8(&s, &p->proto) != 0 ||
	    span_get_u8(&s, &spisize) != 0 || span_get_u8(&s, &p->nxf) != 0)
		return -E_SHORT;
	/* 3.3.1: IKE SPIs are empty in IKE_SA_INIT and 8 bytes when
	 * rekeying; AH and ESP SPIs are 4 bytes. */
	switch (p->proto) {
	case IKE_PROTO_IKE:
		if (spisize != 0 && spisize != 8)
			return -E_RANGE;
		break;
	case IKE_PROTO_AH:
	case IKE_PROTO_ESP:
		if (spisize != 4)
			return -E_RANGE;
		break;
	default:
		return -E_RANGE;
	}
	if (carve(&s, spisize, &p->spi) != 0)
		return -E_BADLEN;
	if (p->nxf == 0)
		return -E_SYNTAX;
	if (p->nxf > IKE_PLD_MAX_XFORMS)
		return -E_TOOMANY;
	for (i = 0; i < p->nxf; i++) {
		xf = &p->xf[i];
		memset(xf, 0, sizeof(*xf));
		/* Fewer transforms than Num Transforms announced. */
		if (span_is_empty(s))
			return -E_BADLEN;
		if (span_get_u8(&s, &more) != 0 || span_get_u8(&s, &rsv) != 0 ||
		    span_get_u16(&s, &tlen) != 0)
			return -E_SHORT;
		/* 3.3.2: 0 on the last transform, 3 on the others. */
		if (more != (i + 1 == p->nxf ? 0 : 3))
			return -E_SYNTAX;
		if (tlen < 8 || carve(&s, tlen - 4, &tb) != 0)
			return -E_BADLEN;
		if (span_get_u8(&tb, &xf->type) != 0 ||
		    skip_reserved(&tb, 1) != 0 ||
		    span_get_u16(&tb, &xf->id) != 0)
			return -E_SHORT;
		if ((r = parse_attrs(tb, xf)) != 0)
			return r;
	}
	if (!span_is_empty(s))
		return -E_TRAILING;
	return 0;
}

int
ike_pld_parse_sa(struct span body, struct ike_pld_sa *out)
{
	struct ike_pld_prop *p;
	struct span pb;
	uint8_t more, rsv;
	uint16_t plen;
	int r;

	out->nprop = 0;
	for (;;) {
		/* 3.3: at least one proposal (an empty body after a "more"
		 * marker is caught below). */
		if (span_is_empty(body))
			return -E_SYNTAX;
		if (out->nprop == IKE_PLD_MAX_PROPS)
			return -E_TOOMANY;
		p = &out->prop[out->nprop];
		if (span_get_u8(&body, &more) != 0 ||
		    span_get_u8(&body, &rsv) != 0 ||
		    span_get_u16(&body, &plen) != 0)
			return -E_SHORT;
		if (plen < 8 || carve(&body, plen - 4, &pb) != 0)
			return -E_BADLEN;
		if ((r = parse_prop(pb, p)) != 0)
			return r;
		/* 3.3.1: numbering starts at one (checked below when there
		 * are several) and grows by one. */
		if (p->num == 0 || (out->nprop > 0 &&
		    p->num != out->prop[out->nprop - 1].num + 1))
			return -E_SYNTAX;
		out->nprop++;
		/* 3.3.1: 0 on the last proposal, 2 on the others. */
		if (more == 0) {
			if (!span_is_empty(body))
				return -E_SYNTAX;
			break;
		}
		if (more != 2 || span_is_empty(body))
			return -E_SYNTAX;
	}
	if (out->nprop > 1 && out->prop[0].num != 1)
		return -E_SYNTAX;
	return 0;
}

int
ike_pld_parse_ke(struct span body, struct ike_pld_ke *out)
{
	if (span_get_u16(&body, &out->group) != 0 ||
	    skip_reserved(&body, 2) != 0)
		return -E_SHORT;
	out->data = body;
	/* 3.4: the public value is never empty. */
	if (span_is_empty(body))
		return -E_SYNTAX;
	return 0;
}

int
ike_pld_parse_id(struct span body, struct ike_pld_id *out)
{
	if (span_get_u8(&body, &out->type) != 0 ||
	    skip_reserved(&body, 3) != 0)
		return -E_SHORT;
	out->data = body;
	/* 3.5: addresses are exactly one address long. */
	if ((out->type == IKE_ID_IPV4_ADDR && body.len != 4) ||
	    (out->type == IKE_ID_IPV6_ADDR && body.len != 16))
		return -E_BADLEN;
	/* RFC 7619: only ID_NULL identifies nothing. */
	if (out->type != IKE_ID_NULL && span_is_empty(body))
		return -E_SYNTAX;
	return 0;
}

int
ike_pld_parse_cert(struct span body, struct ike_pld_cert *out)
{
	if (span_get_u8(&body, &out->enc) != 0)
		return -E_SHORT;
	out->data = body;
	if (span_is_empty(body))
		return -E_SYNTAX;
	return 0;
}

int
ike_pld_parse_certreq(struct span body, struct ike_pld_certreq *out)
{
	if (span_get_u8(&body, &out->enc) != 0)
		return -E_SHORT;
	out->data = body;
	/* 3.7: X.509 authorities are a list of SHA-1 key hashes; an empty
	 * list asks for any certificate. */
	if (out->enc == IKE_CERT_X509_SIG &&
	    body.len % IKE_CERTREQ_HASH_LEN != 0)
		return -E_BADLEN;
	return 0;
}

int
ike_pld_parse_auth(struct span body, struct ike_pld_auth *out)
{
	if (span_get_u8(&body, &out->method) != 0 ||
	    skip_reserved(&body, 3) != 0)
		return -E_SHORT;
	out->data = body;
	if (span_is_empty(body))
		return -E_SYNTAX;
	return 0;
}

int
ike_pld_parse_nonce(struct span body, struct ike_pld_nonce *out)
{
	out->data = body;
	/* 3.9: between 16 and 256 octets. */
	if (body.len < IKE_NONCE_MIN || body.len > IKE_NONCE_MAX)
		return -E_RANGE;
	return 0;
}

/* Checks the data size of the notify types that have a fixed one. */
static int
notify_data_ok(uint16_t type, size_t len)
{
	switch (type) {
	case IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD:	/* 3.10.1: the type */
		return len == 1;
	case IKE_N_INVALID_KE_PAYLOAD:			/* 3.10.1: a group */
		return len == 2;
	case IKE_N_SET_WINDOW_SIZE:			/* 3.10.1: 4 octets */
		return len == 4;
	case IKE_N_NAT_DETECTION_SOURCE_IP:		/* 2.23: SHA-1 */
	case IKE_N_NAT_DETECTION_DESTINATION_IP:
		return len == IKE_NATD_LEN;
	case IKE_N_COOKIE:				/* 2.6: 1..64 */
		return len >= 1 && len <= IKE_COOKIE_MAX;
	case IKE_N_SIGNATURE_HASH_ALGORITHMS:		/* RFC 7427 4 */
		return len % 2 == 0;
	default:
		return 1;
	}
}

int
ike_pld_parse_notify(struct span body, struct ike_pld_notify *out)
{
	uint8_t spisize;

	if (span_get_u8(&body, &out->proto) != 0 ||
	    span_get_u8(&body, &spisize) != 0 ||
	    span_get_u16(&body, &out->type) != 0)
		return -E_SHORT;
	/* 3.10: an empty SPI leaves the protocol meaningless; otherwise the
	 * SPI is that of an AH/ESP SA or (RFC 4306 style) of the IKE SA. */
	if (!(spisize == 0 ||
	    (spisize == 4 && (out->proto == IKE_PROTO_AH ||
	    out->proto == IKE_PROTO_ESP)) ||
	    (spisize == 8 && out->proto == IKE_PROTO_IKE)))
		return -E_RANGE;
	if (carve(&body, spisize, &out->spi) != 0)
		return -E_BADLEN;
	out->data = body;
	if (!notify_data_ok(out->type, body.len))
		return -E_BADLEN;
	return 0;
}

int
ike_pld_parse_delete(struct span body, struct ike_pld_delete *out)
{
	if (span_get_u8(&body, &out->proto) != 0 ||
	    span_get_u8(&body, &out->spi_size) != 0 ||
	    span_get_u16(&body, &out->nspi) != 0)
		return -E_SHORT;
	/* 3.11: deleting the IKE SA names no SPI; AH/ESP SPIs are 4. */
	switch (out->proto) {
	case IKE_PROTO_IKE:
		if (out->spi_size != 0 || out->nspi != 0)
			return -E_RANGE;
		break;
	case IKE_PROTO_AH:
	case IKE_PROTO_ESP:
		if (out->spi_size != 4)
			return -E_RANGE;
		break;
	default:
		return -E_RANGE;
	}
	/* nspi is 16 bits and spi_size at most 4 here: no overflow. */
	if ((size_t)out->nspi * out->spi_size != body.len)
		return -E_BADLEN;
	out->spis = body;
	return 0;
}

int
ike_pld_parse_vendor(struct span body, struct ike_pld_vendor *out)
{
	out->data = body;
	return 0;
}

/* Reads one traffic selector (3.13.1) from *body. */
static int
parse_sel(struct span *body, struct ike_pld_ts_sel *t)
{
	struct span s;
	uint16_t len;
	size_t alen;

	if (span_get_u8(body, &t->type) != 0 ||
	    span_get_u8(body, &t->proto) != 0 ||
	    span_get_u16(body, &len) != 0)
		return -E_SHORT;
	switch (t->type) {
	case IKE_TS_IPV4_ADDR_RANGE:
		if (len != IKE_TS_IPV4_LEN)
			return -E_BADLEN;
		alen = 4;
		break;
	case IKE_TS_IPV6_ADDR_RANGE:
		if (len != IKE_TS_IPV6_LEN)
			return -E_BADLEN;
		alen = 16;
		break;
	default:
		/* Unknown selector types are kept whole for the policy code
		 * to refuse (RFC 9478 adds type 10). */
		if (len < 4 || carve(body, len - 4, &t->start) != 0)
			return -E_BADLEN;
		t->sport = t->eport = 0;
		t->end = span_make(NULL, 0);
		return 0;
	}
	if (carve(body, len - 4, &s) != 0)
		return -E_BADLEN;
	if (span_get_u16(&s, &t->sport) != 0 ||
	    span_get_u16(&s, &t->eport) != 0 ||
	    span_get_bytes(&s, alen, &t->start) != 0 ||
	    span_get_bytes(&s, alen, &t->end) != 0)
		return -E_SHORT;
	/* 3.13.1: start <= end, except ports 65535..0 meaning OPAQUE. */
	if (t->sport > t->eport && !(t->sport == 65535 && t->eport == 0))
		return -E_RANGE;
	/* Addresses of equal length compare as big-endian numbers. */
	if (memcmp(t->start.p, t->end.p, alen) > 0)
		return -E_RANGE;
	return 0;
}

int
ike_pld_parse_ts(struct span body, struct ike_pld_ts *out)
{
	uint8_t count;
	size_t i;
	int r;

	out->nts = 0;
	if (span_get_u8(&body, &count) != 0 || skip_reserved(&body, 3) != 0)
		return -E_SHORT;
	/* 3.13: a TS payload with no selector selects nothing. */
	if (count == 0)
		return -E_SYNTAX;
	if (count > IKE_PLD_MAX_TS)
		return -E_TOOMANY;
	for (i = 0; i < count; i++) {
		if (span_is_empty(body))
			return -E_BADLEN;
		if ((r = parse_sel(&body, &out->ts[i])) != 0)
			return r;
		out->nts++;
	}
	if (!span_is_empty(body))
		return -E_TRAILING;
	return 0;
}

int
ike_pld_parse_sk(struct span body, struct ike_pld_sk *out)
{
	out->data = body;
	return 0;
}

int
ike_pld_parse_skf(struct span body, struct ike_pld_skf *out)
{
	if (span_get_u16(&body, &out->num) != 0 ||
	    span_get_u16(&body, &out->total) != 0)
		return -E_SHORT;
	/* RFC 7383 2.5: numbers start at 1 and never exceed the total. */
	if (out->num == 0 || out->num > out->total)
		return -E_RANGE;
	out->data = body;
	return 0;
}

/* Returns nonzero when len is an allowed value length for an attribute of
 * the RFC 7296 3.15.1 table; other attributes may have any length. */
static int
cp_len_ok(uint16_t type, size_t len)
{
	switch (type) {
	case IKE_CP_INTERNAL_IP4_ADDRESS:
	case IKE_CP_INTERNAL_IP4_NETMASK:
	case IKE_CP_INTERNAL_IP4_DNS:
	case IKE_CP_INTERNAL_IP4_NBNS:
	case IKE_CP_INTERNAL_IP4_DHCP:
		return len == 0 || len == 4;
	case IKE_CP_INTERNAL_IP6_DNS:
	case IKE_CP_INTERNAL_IP6_DHCP:
		return len == 0 || len == 16;
	case IKE_CP_INTERNAL_IP6_ADDRESS:
	case IKE_CP_INTERNAL_IP6_SUBNET:
		/* Address and prefix length; empty in a request. */
		return len == 0 || len == 17;
	case IKE_CP_INTERNAL_IP4_SUBNET:
		return len == 0 || len == 8;
	case IKE_CP_SUPPORTED_ATTRIBUTES:
		return len % 2 == 0;
	default:
		return 1;
	}
}

int
ike_pld_parse_cp(struct span body, struct ike_pld_cp *out)
{
	struct ike_pld_cp_attr *a;
	uint16_t at, alen;

	out->nattr = 0;
	if (span_get_u8(&body, &out->type) != 0 ||
	    skip_reserved(&body, 3) != 0)
		return -E_SHORT;
	if (out->type < IKE_CP_CFG_REQUEST || out->type > IKE_CP_CFG_ACK)
		return -E_RANGE;
	while (!span_is_empty(body)) {
		if (out->nattr == IKE_PLD_MAX_CP_ATTRS)
			return -E_TOOMANY;
		a = &out->attr[out->nattr];
		if (span_get_u16(&body, &at) != 0 ||
		    span_get_u16(&body, &alen) != 0)
			return -E_SHORT;
		/* 3.15.1: the top bit is reserved, ignored on receipt. */
		a->type = at & 0x7fff;
		if (carve(&body, alen, &a->value) != 0)
			return -E_BADLEN;
		if (!cp_len_ok(a->type, alen))
			return -E_BADLEN;
		out->nattr++;
	}
	return 0;
}

int
ike_pld_parse_eap(struct span body, struct ike_pld_eap *out)
{
	uint16_t len;

	out->msg = body;
	out->type = 0;
	if (span_get_u8(&body, &out->code) != 0 ||
	    span_get_u8(&body, &out->id) != 0 ||
	    span_get_u16(&body, &len) != 0)
		return -E_SHORT;
	/* RFC 7296 3.16: the payload holds exactly one EAP message. */
	if (len != out->msg.len)
		return -E_BADLEN;
	switch (out->code) {
	case IKE_EAP_REQUEST:
	case IKE_EAP_RESPONSE:
		/* RFC 3748 4.1: requests and responses carry a Type. */
		if (span_get_u8(&body, &out->type) != 0)
			return -E_BADLEN;
		break;
	case IKE_EAP_SUCCESS:
	case IKE_EAP_FAILURE:
		/* RFC 3748 4.2: exactly the 4-octet header. */
		if (!span_is_empty(body))
			return -E_BADLEN;
		break;
	default:
		return -E_RANGE;
	}
	out->data = body;
	return 0;
}

int
ike_pld_known(uint8_t type)
{
	return (type >= IKE_PLD_SA && type <= IKE_PLD_EAP) ||
	    type == IKE_PLD_SKF;
}

int
ike_pld_check(uint8_t type, struct span body)
{
	union {
		struct ike_pld_sa	sa;
		struct ike_pld_ke	ke;
		struct ike_pld_id	id;
		struct ike_pld_cert	cert;
		struct ike_pld_certreq	certreq;
		struct ike_pld_auth	auth;
		struct ike_pld_nonce	nonce;
		struct ike_pld_notify	notify;
		struct ike_pld_delete	del;
		struct ike_pld_vendor	vendor;
		struct ike_pld_ts	ts;
		struct ike_pld_sk	sk;
		struct ike_pld_skf	skf;
		struct ike_pld_cp	cp;
		struct ike_pld_eap	eap;
	} u;

	switch (type) {
	case IKE_PLD_SA:	return ike_pld_parse_sa(body, &u.sa);
	case IKE_PLD_KE:	return ike_pld_parse_ke(body, &u.ke);
	case IKE_PLD_IDI:
	case IKE_PLD_IDR:	return ike_pld_parse_id(body, &u.id);
	case IKE_PLD_CERT:	return ike_pld_parse_cert(body, &u.cert);
	case IKE_PLD_CERTREQ:	return ike_pld_parse_certreq(body, &u.certreq);
	case IKE_PLD_AUTH:	return ike_pld_parse_auth(body, &u.auth);
	case IKE_PLD_NONCE:	return ike_pld_parse_nonce(body, &u.nonce);
	case IKE_PLD_NOTIFY:	return ike_pld_parse_notify(body, &u.notify);
	case IKE_PLD_DELETE:	return ike_pld_parse_delete(body, &u.del);
	case IKE_PLD_VENDOR:	return ike_pld_parse_vendor(body, &u.vendor);
	case IKE_PLD_TSI:
	case IKE_PLD_TSR:	return ike_pld_parse_ts(body, &u.ts);
	case IKE_PLD_SK:	return ike_pld_parse_sk(body, &u.sk);
	case IKE_PLD_SKF:	return ike_pld_parse_skf(body, &u.skf);
	case IKE_PLD_CP:	return ike_pld_parse_cp(body, &u.cp);
	case IKE_PLD_EAP:	return ike_pld_parse_eap(body, &u.eap);
	default:		return -E_NOTSUP;
	}
}

const char *
ike_pld_type_name(uint8_t type)
{
	switch (type) {
	case IKE_PLD_NONE:	return "NONE";
	case IKE_PLD_SA:	return "SA";
	case IKE_PLD_KE:	return "KE";
	case IKE_PLD_IDI:	return "IDi";
	case IKE_PLD_IDR:	return "IDr";
	case IKE_PLD_CERT:	return "CERT";
	case IKE_PLD_CERTREQ:	return "CERTREQ";
	case IKE_PLD_AUTH:	return "AUTH";
	case IKE_PLD_NONCE:	return "NONCE";
	case IKE_PLD_NOTIFY:	return "N";
	case IKE_PLD_DELETE:	return "D";
	case IKE_PLD_VENDOR:	return "V";
	case IKE_PLD_TSI:	return "TSi";
	case IKE_PLD_TSR:	return "TSr";
	case IKE_PLD_SK:	return "SK";
	case IKE_PLD_CP:	return "CP";
	case IKE_PLD_EAP:	return "EAP";
	case IKE_PLD_SKF:	return "SKF";
	default:		return NULL;
	}
}

const char *
ike_pld_exch_name(uint8_t exch)
{
	switch (exch) {
	case IKE_EXCH_SA_INIT:		return "IKE_SA_INIT";
	case IKE_EXCH_AUTH:		return "IKE_AUTH";
	case IKE_EXCH_CREATE_CHILD_SA:	return "CREATE_CHILD_SA";
	case IKE_EXCH_INFORMATIONAL:	return "INFORMATIONAL";
	case IKE_EXCH_SESSION_RESUME:	return "IKE_SESSION_RESUME";
	default:			return NULL;
	}
}

const char *
ike_pld_notify_name(uint16_t type)
{
	static const struct {
		uint16_t	 type;
		const char	*name;
	} names[] = {
#define N(x) { IKE_N_##x, #x }
		N(UNSUPPORTED_CRITICAL_PAYLOAD), N(INVALID_IKE_SPI),
		N(INVALID_MAJOR_VERSION), N(INVALID_SYNTAX),
		N(INVALID_MESSAGE_ID), N(INVALID_SPI), N(NO_PROPOSAL_CHOSEN),
		N(INVALID_KE_PAYLOAD), N(AUTHENTICATION_FAILED),
		N(SINGLE_PAIR_REQUIRED), N(NO_ADDITIONAL_SAS),
		N(INTERNAL_ADDRESS_FAILURE), N(FAILED_CP_REQUIRED),
		N(TS_UNACCEPTABLE), N(INVALID_SELECTORS),
		N(UNACCEPTABLE_ADDRESSES), N(UNEXPECTED_NAT_DETECTED),
		N(USE_ASSIGNED_HOA), N(TEMPORARY_FAILURE),
		N(CHILD_SA_NOT_FOUND), N(INITIAL_CONTACT), N(SET_WINDOW_SIZE),
		N(ADDITIONAL_TS_POSSIBLE), N(IPCOMP_SUPPORTED),
		N(NAT_DETECTION_SOURCE_IP), N(NAT_DETECTION_DESTINATION_IP),
		N(COOKIE), N(USE_TRANSPORT_MODE),
		N(HTTP_CERT_LOOKUP_SUPPORTED), N(REKEY_SA),
		N(ESP_TFC_PADDING_NOT_SUPPORTED), N(NON_FIRST_FRAGMENTS_ALSO),
		N(MOBIKE_SUPPORTED), N(ADDITIONAL_IP4_ADDRESS),
		N(ADDITIONAL_IP6_ADDRESS), N(NO_ADDITIONAL_ADDRESSES),
		N(UPDATE_SA_ADDRESSES), N(COOKIE2), N(NO_NATS_ALLOWED),
		N(AUTH_LIFETIME), N(MULTIPLE_AUTH_SUPPORTED),
		N(ANOTHER_AUTH_FOLLOWS), N(REDIRECT_SUPPORTED), N(REDIRECT),
		N(REDIRECTED_FROM), N(TICKET_LT_OPAQUE), N(TICKET_REQUEST),
		N(TICKET_ACK), N(TICKET_NACK), N(TICKET_OPAQUE),
		N(EAP_ONLY_AUTHENTICATION), N(CHILDLESS_IKEV2_SUPPORTED),
		N(IKEV2_FRAGMENTATION_SUPPORTED), N(SIGNATURE_HASH_ALGORITHMS),
#undef N
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].type == type)
			return names[i].name;
	return NULL;
}

/*
 * Encoders.
 */

void
ike_pld_chain_init(struct ike_chain *c, struct buf *b)
{
	c->b = b;
	c->msg_off = IKE_CHAIN_NONE;
	c->next_off = IKE_CHAIN_NONE;
	c->first = IKE_PLD_NONE;
	c->closed = 0;
	c->sk_off = c->iv_off = c->plain_off = IKE_CHAIN_NONE;
}

int
ike_pld__open(struct ike_chain *c, uint8_t type, int critical,
    size_t *start)
{
	size_t off = buf_len(c->b);
	int r;

	if (c->closed)
		return -E_STATE;
	if ((r = buf_add_u8(c->b, IKE_PLD_NONE)) != 0 ||
	    (r = buf_add_u8(c->b, critical ? 0x80 : 0)) != 0 ||
	    (r = buf_add_u16(c->b, 0)) != 0)
		return r;
	/* Chain it in: the previous Next Payload now names this one. */
	if (c->next_off == IKE_CHAIN_NONE)
		c->first = type;
	else if ((r = buf_set_u8(c->b, c->next_off, type)) != 0)
		return r;
	c->next_off = off;
	*start = off;
	return 0;
}

int
ike_pld__close(struct ike_chain *c, size_t start)
{
	size_t len = buf_len(c->b) - start;

	if (len > UINT16_MAX)
		return -E_RANGE;
	return buf_set_u16(c->b, start + 2, (uint16_t)len);
}

int
ike_pld_add_raw(struct ike_chain *c, uint8_t type, int critical,
    struct span body)
{
	size_t start;
	int r;

	if ((r = ike_pld__open(c, type, critical, &start)) != 0 ||
	    (r = buf_add_span(c->b, body)) != 0)
		return r;
	return ike_pld__close(c, start);
}

/* Appends one transform (3.3.2) with its Key Length attribute, if any. */
static int
add_xform(struct buf *b, const struct ike_pld_xform *xf, int last)
{
	size_t start = buf_len(b);
	int r;

	if ((r = buf_add_u8(b, last ? 0 : 3)) != 0 ||
	    (r = buf_add_u8(b, 0)) != 0 ||
	    (r = buf_add_u16(b, 0)) != 0 ||
	    (r = buf_add_u8(b, xf->type)) != 0 ||
	    (r = buf_add_u8(b, 0)) != 0 ||
	    (r = buf_add_u16(b, xf->id)) != 0)
		return r;
	if ((xf->flags & IKE_XF_KEYLEN) &&
	    ((r = buf_add_u16(b, IKE_ATTR_TV | IKE_ATTR_KEY_LENGTH)) != 0 ||
	    (r = buf_add_u16(b, xf->keylen)) != 0))
		return r;
	return buf_set_u16(b, start + 2, (uint16_t)(buf_len(b) - start));
}

int
ike_pld_add_sa(struct ike_chain *c, const struct ike_pld_sa *in)
{
	const struct ike_pld_prop *p;
	size_t start, pstart, i, j;
	int r;

	if (in->nprop == 0 || in->nprop > IKE_PLD_MAX_PROPS)
		return -E_INVAL;
	for (i = 0; i < in->nprop; i++)
		if (in->prop[i].nxf == 0 ||
		    in->prop[i].nxf > IKE_PLD_MAX_XFORMS ||
		    in->prop[i].spi.len > UINT8_MAX)
			return -E_INVAL;
	if ((r = ike_pld__open(c, IKE_PLD_SA, 0, &start)) != 0)
		return r;
	for (i = 0; i < in->nprop; i++) {
		p = &in->prop[i];
		pstart = buf_len(c->b);
		if ((r = buf_add_u8(c->b, i + 1 == in->nprop ? 0 : 2)) != 0 ||
		    (r = buf_add_u8(c->b, 0)) != 0 ||
		    (r = buf_add_u16(c->b, 0)) != 0 ||
		    (r = buf_add_u8(c->b, p->num)) != 0 ||
		    (r = buf_add_u8(c->b, p->proto)) != 0 ||
		    (r = buf_add_u8(c->b, (uint8_t)p->spi.len)) != 0 ||
		    (r = buf_add_u8(c->b, p->nxf)) != 0 ||
		    (r = buf_add_span(c->b, p->spi)) != 0)
			return r;
		for (j = 0; j < p->nxf; j++)
			if ((r = add_xform(c->b, &p->xf[j],
			    j + 1 == p->nxf)) != 0)
				return r;
		/* A proposal is at most 8 + 255 + 64 * 12 bytes. */
		if ((r = buf_set_u16(c->b, pstart + 2,
		    (uint16_t)(buf_len(c->b) - pstart))) != 0)
			return r;
	}
	return ike_pld__close(c, start);
}

int
ike_pld_add_ke(struct ike_chain *c, const struct ike_pld_ke *in)
{
	size_t start;
	int r;

	if ((r = ike_pld__open(c, IKE_PLD_KE, 0, &start)) != 0 ||
	    (r = buf_add_u16(c->b, in->group)) != 0 ||
	    (r = buf_add_u16(c->b, 0)) != 0 ||
	    (r = buf_add_span(c->b, in->data)) != 0)
		return r;
	return ike_pld__close(c, start);
}

/* type, three reserved octets, data: the ID and AUTH layout. */
static int
add_type3(struct ike_chain *c, uint8_t pld, uint8_t type, struct span data)
{
	size_t start;
	int r;

	if ((r = ike_pld__open(c, pld, 0, &start)) != 0 ||
	    (r = buf_add_u8(c->b, type)) != 0 ||
	    (r = buf_add_u8(c->b, 0)) != 0 ||
	    (r = buf_add_u16(c->b, 0)) != 0 ||
	    (r = buf_add_span(c->b, data)) != 0)
		return r;
	return ike_pld__close(c, start);
}

int
ike_pld_add_id(struct ike_chain *c, uint8_t type, const struct ike_pld_id *in)
{
	if (type != IKE_PLD_IDI && type != IKE_PLD_IDR)
		return -E_INVAL;
	return add_type3(c, type, in->type, in->data);
}

int
ike_pld_add_auth(struct ike_chain *c, const struct ike_pld_auth *in)
{
	return add_type3(c, IKE_PLD_AUTH, in->method, in->data);
}

/* encoding octet, data: CERT and CERTREQ. */
static int
add_enc(struct ike_chain *c, uint8_t pld, uint8_t enc, struct span data)
{
	size_t start;
	int r;

	if ((r = ike_pld__open(c, pld, 0, &start)) != 0 ||
	    (r = buf_add_u8(c->b, enc)) != 0 ||
	    (r = buf_add_span(c->b, data)) != 0)
		return r;
	return ike_pld__close(c, start);
}

int
ike_pld_add_cert(struct ike_chain *c, const struct ike_pld_cert *in)
{
	return add_enc(c, IKE_PLD_CERT, in->enc, in->data);
}

int
ike_pld_add_certreq(struct ike_chain *c, const struct ike_pld_certreq *in)
{
	return add_enc(c, IKE_PLD_CERTREQ, in->enc, in->data);
}

int
ike_pld_add_nonce(struct ike_chain *c, const struct ike_pld_nonce *in)
{
	return ike_pld_add_raw(c, IKE_PLD_NONCE, 0, in->data);
}

int
ike_pld_add_notify(struct ike_chain *c, const struct ike_pld_notify *in)
{
	size_t start;
	int r;

	if (in->spi.len > UINT8_MAX)
		return -E_INVAL;
	if ((r = ike_pld__open(c, IKE_PLD_NOTIFY, 0, &start)) != 0 ||
	    (r = buf_add_u8(c->b, in->proto)) != 0 ||
	    (r = buf_add_u8(c->b, (uint8_t)in->spi.len)) != 0 ||
	    (r = buf_add_u16(c->b, in->type)) != 0 ||
	    (r = buf_add_span(c->b, in->spi)) != 0 ||
	    (r = buf_add_span(c->b, in->data)) != 0)
		return r;
	return ike_pld__close(c, start);
}

int
ike_pld_add_delete(struct ike_chain *c, const struct ike_pld_delete *in)
{
	size_t start;
	int r;

	if ((r = ike_pld__open(c, IKE_PLD_DELETE, 0, &start)) != 0 ||
	    (r = buf_add_u8(c->b, in->proto)) != 0 ||
	    (r = buf_add_u8(c->b, in->spi_size)) != 0 ||
	    (r = buf_add_u16(c->b, in->nspi)) != 0 ||
	    (r = buf_add_span(c->b, in->spis)) != 0)
		return r;
	return ike_pld__close(c, start);
}

int
ike_pld_add_delete_esp(struct ike_chain *c, const uint32_t *spi, size_t n)
{
	struct ike_pld_delete d;
	uint8_t s[4 * IKE_PLD_DELETE_ESP_MAX];
	size_t i;

	if (n == 0 || n > IKE_PLD_DELETE_ESP_MAX)
		return -E_INVAL;
	for (i = 0; i < n; i++) {
		s[4 * i] = (uint8_t)(spi[i] >> 24);
		s[4 * i + 1] = (uint8_t)(spi[i] >> 16);
		s[4 * i + 2] = (uint8_t)(spi[i] >> 8);
		s[4 * i + 3] = (uint8_t)spi[i];
	}
	memset(&d, 0, sizeof(d));
	d.proto = IKE_PROTO_ESP;
	d.spi_size = 4;
	d.nspi = (uint16_t)n;
	d.spis = span_make(s, 4 * n);
	return ike_pld_add_delete(c, &d);
}

int
ike_pld_add_vendor(struct ike_chain *c, const struct ike_pld_vendor *in)
{
	return ike_pld_add_raw(c, IKE_PLD_VENDOR, 0, in->data);
}

int
ike_pld_add_ts(struct ike_chain *c, uint8_t type, const struct ike_pld_ts *in)
{
	const struct ike_pld_ts_sel *t;
	size_t start, i, len;
	int known, r;

	if ((type != IKE_PLD_TSI && type != IKE_PLD_TSR) ||
	    in->nts > UINT8_MAX)
		return -E_INVAL;
	if ((r = ike_pld__open(c, type, 0, &start)) != 0 ||
	    (r = buf_add_u8(c->b, (uint8_t)in->nts)) != 0 ||
	    (r = buf_add_u8(c->b, 0)) != 0 ||
	    (r = buf_add_u16(c->b, 0)) != 0)
		return r;
	for (i = 0; i < in->nts; i++) {
		t = &in->ts[i];
		/* Unknown types are written back as the decoder kept them:
		 * the 4-byte selector header, then start. */
		known = t->type == IKE_TS_IPV4_ADDR_RANGE ||
		    t->type == IKE_TS_IPV6_ADDR_RANGE;
		if (t->start.len > UINT16_MAX || t->end.len > UINT16_MAX)
			return -E_INVAL;
		len = known ? 8 + t->start.len + t->end.len : 4 + t->start.len;
		if (len > UINT16_MAX)
			return -E_INVAL;
		if ((r = buf_add_u8(c->b, t->type)) != 0 ||
		    (r = buf_add_u8(c->b, t->proto)) != 0 ||
		    (r = buf_add_u16(c->b, (uint16_t)len)) != 0)
			return r;
		if (known &&
		    ((r = buf_add_u16(c->b, t->sport)) != 0 ||
		    (r = buf_add_u16(c->b, t->eport)) != 0))
			return r;
		if ((r = buf_add_span(c->b, t->start)) != 0 ||
		    (known && (r = buf_add_span(c->b, t->end)) != 0))
			return r;
	}
	return ike_pld__close(c, start);
}

/* SK and SKF sealed bodies: the payload's Next Payload names the first
 * inner payload (RFC 7296 3.14, RFC 7383 2.5), and nothing may follow. */
static int
add_sealed(struct ike_chain *c, uint8_t type, uint8_t first,
    const struct ike_pld_skf *frag, struct span data)
{
	size_t start;
	int r;

	if ((r = ike_pld__open(c, type, 0, &start)) != 0)
		return r;
	if (frag != NULL &&
	    ((r = buf_add_u16(c->b, frag->num)) != 0 ||
	    (r = buf_add_u16(c->b, frag->total)) != 0))
		return r;
	if ((r = buf_add_span(c->b, data)) != 0 ||
	    (r = buf_set_u8(c->b, start, first)) != 0)
		return r;
	c->closed = 1;
	return ike_pld__close(c, start);
}

int
ike_pld_add_sk(struct ike_chain *c, uint8_t first, const struct ike_pld_sk *in)
{
	return add_sealed(c, IKE_PLD_SK, first, NULL, in->data);
}

int
ike_pld_add_skf(struct ike_chain *c, uint8_t first,
    const struct ike_pld_skf *in)
{
	return add_sealed(c, IKE_PLD_SKF, first, in, in->data);
}

int
ike_pld_add_cp(struct ike_chain *c, const struct ike_pld_cp *in)
{
	const struct ike_pld_cp_attr *a;
	size_t start, i;
	int r;

	if (in->nattr > IKE_PLD_MAX_CP_ATTRS)
		return -E_INVAL;
	for (i = 0; i < in->nattr; i++)
		if (in->attr[i].type > 0x7fff ||
		    in->attr[i].value.len > UINT16_MAX)
			return -E_INVAL;
	if ((r = ike_pld__open(c, IKE_PLD_CP, 0, &start)) != 0 ||
	    (r = buf_add_u8(c->b, in->type)) != 0 ||
	    (r = buf_add_u8(c->b, 0)) != 0 ||
	    (r = buf_add_u16(c->b, 0)) != 0)
		return r;
	for (i = 0; i < in->nattr; i++) {
		a = &in->attr[i];
		if ((r = buf_add_u16(c->b, a->type)) != 0 ||
		    (r = buf_add_u16(c->b, (uint16_t)a->value.len)) != 0 ||
		    (r = buf_add_span(c->b, a->value)) != 0)
			return r;
	}
	return ike_pld__close(c, start);
}

int
ike_pld_add_eap(struct ike_chain *c, const struct ike_pld_eap *in)
{
	size_t start, len;
	int withtype;
	int r;

	withtype = in->code == IKE_EAP_REQUEST || in->code == IKE_EAP_RESPONSE;
	len = 4 + (withtype ? 1 : 0) + in->data.len;
	if (len > UINT16_MAX)
		return -E_INVAL;
	if ((r = ike_pld__open(c, IKE_PLD_EAP, 0, &start)) != 0 ||
	    (r = buf_add_u8(c->b, in->code)) != 0 ||
	    (r = buf_add_u8(c->b, in->id)) != 0 ||
	    (r = buf_add_u16(c->b, (uint16_t)len)) != 0 ||
	    (withtype && (r = buf_add_u8(c->b, in->type)) != 0) ||
	    (r = buf_add_span(c->b, in->data)) != 0)
		return r;
	return ike_pld__close(c, start);
}
