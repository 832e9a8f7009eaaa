/* eap.c: EAP packet framing (RFC 3748). */
#include "config.h"

#include <string.h>

#include "core/buf.h"
#include "core/eap.h"
#include "core/err.h"
#include "core/span.h"

int
eap_parse(struct span in, struct eap_pkt *pkt)
{
	struct span body;
	uint16_t len;
	uint8_t code, id, type = 0;
	int r;

	if ((r = span_get_u8(&in, &code)) != 0 ||
	    (r = span_get_u8(&in, &id)) != 0 ||
	    (r = span_get_u16(&in, &len)) != 0)
		return r;
	if (len < EAP_HDR_LEN)
		return -E_BADLEN;
	/*
	 * RFC 3748 4.1: a Length beyond the received octets means the packet
	 * was truncated. Octets beyond Length would be link-layer padding on
	 * PPP, but an IKEv2 EAP payload carries exactly one message (RFC 7296
	 * 3.16), so they can only be an error here.
	 */
	if ((size_t)(len - EAP_HDR_LEN) > in.len)
		return -E_SHORT;
	if ((size_t)(len - EAP_HDR_LEN) < in.len)
		return -E_TRAILING;

	switch (code) {
	case EAP_CODE_REQUEST:
	case EAP_CODE_RESPONSE:
		/* RFC 3748 4.1: Request and Response carry a Type. */
		if (len < EAP_HDR_LEN + 1)
			return -E_BADLEN;
		if ((r = span_get_u8(&in, &type)) != 0)
			return r;
		break;
	case EAP_CODE_SUCCESS:
	case EAP_CODE_FAILURE:
		/* RFC 3748 4.2: Success and Failure have no Data. */
		if (len != EAP_HDR_LEN)
			return -E_BADLEN;
		break;
	default:
		return -E_SYNTAX;
	}
	body = in;
	pkt->code = code;
	pkt->id = id;
	pkt->type = type;
	pkt->data = body;
	return 0;
}

int
eap_build(struct buf *out, uint8_t code, uint8_t id, uint8_t type,
    const struct span *v, size_t nv)
{
	size_t start, total = EAP_HDR_LEN + 1, i;
	int r = -E_INTERNAL;

	if (code != EAP_CODE_REQUEST && code != EAP_CODE_RESPONSE)
		return -E_INVAL;
	for (i = 0; i < nv; i++) {
		if (v[i].len > EAP_MAX_LEN - total)
			return -E_RANGE;
		total += v[i].len;
	}
	start = buf_len(out);
	if ((r = buf_add_u8(out, code)) != 0 ||
	    (r = buf_add_u8(out, id)) != 0 ||
	    (r = buf_add_u16(out, (uint16_t)total)) != 0 ||
	    (r = buf_add_u8(out, type)) != 0)
		goto out;
	for (i = 0; i < nv; i++)
		if ((r = buf_add_span(out, v[i])) != 0)
			goto out;
	r = 0;
out:
	/* Leave out as it was on failure: never half a packet. */
	if (r != 0 && buf_truncate(out, start) != 0)
		r = -E_INTERNAL;
	return r;
}

int
eap_build_result(struct buf *out, uint8_t code, uint8_t id)
{
	size_t start;
	int r = -E_INTERNAL;

	if (code != EAP_CODE_SUCCESS && code != EAP_CODE_FAILURE)
		return -E_INVAL;
	start = buf_len(out);
	if ((r = buf_add_u8(out, code)) != 0 ||
	    (r = buf_add_u8(out, id)) != 0 ||
	    (r = buf_add_u16(out, EAP_HDR_LEN)) != 0)
		goto out;
	r = 0;
out:
	if (r != 0 && buf_truncate(out, start) != 0)
		r = -E_INTERNAL;
	return r;
}

int
eap_build_identity_request(struct buf *out, uint8_t id)
{
	return eap_build(out, EAP_CODE_REQUEST, id, EAP_TYPE_IDENTITY, NULL,
	    0);
}

int
eap_parse_identity(const struct eap_pkt *pkt, struct span *identity)
{
	if (pkt->code != EAP_CODE_RESPONSE || pkt->type != EAP_TYPE_IDENTITY)
		return -E_SYNTAX;
	if (pkt->data.len > EAP_IDENTITY_MAX)
		return -E_RANGE;
	if (pkt->data.len > 0 && memchr(pkt->data.p, 0, pkt->data.len) != NULL)
		return -E_SYNTAX;
	*identity = pkt->data;
	return 0;
}
