/*
 * ike_msg.c: IKEv2 header, payload chain walking, message-level checks
 * and the message builder (RFC 7296 2, 3.1, 3.14; RFC 7383 2.5).
 */
#include "config.h"

#include <string.h>

#include "core/ike_msg.h"

int
ike_msg_hdr_parse(struct span dgram, struct ike_msg_hdr *h)
{
	struct span s = dgram;

	if (span_get_u64(&s, &h->spi_i) != 0 ||
	    span_get_u64(&s, &h->spi_r) != 0 ||
	    span_get_u8(&s, &h->next) != 0 ||
	    span_get_u8(&s, &h->version) != 0 ||
	    span_get_u8(&s, &h->exch) != 0 ||
	    span_get_u8(&s, &h->flags) != 0 ||
	    span_get_u32(&s, &h->msgid) != 0 ||
	    span_get_u32(&s, &h->len) != 0)
		return -E_SHORT;
	/* 3.1: a major version we do not speak is answered with
	 * INVALID_MAJOR_VERSION (2.5); the minor version is ignored. */
	if ((h->version >> 4) != (IKE_VERSION >> 4))
		return -E_VERSION;
	if (h->len < IKE_HDR_LEN)
		return -E_BADLEN;
	/* A Length beyond the datagram means it was cut short; one below
	 * it means bytes that belong to no message. */
	if (h->len > dgram.len)
		return -E_SHORT;
	if (h->len < dgram.len)
		return -E_BADLEN;
	return 0;
}

int
ike_msg_hdr_encode(struct buf *b, const struct ike_msg_hdr *h)
{
	int r;

	if ((r = buf_add_u64(b, h->spi_i)) != 0 ||
	    (r = buf_add_u64(b, h->spi_r)) != 0 ||
	    (r = buf_add_u8(b, h->next)) != 0 ||
	    (r = buf_add_u8(b, h->version)) != 0 ||
	    (r = buf_add_u8(b, h->exch)) != 0 ||
	    (r = buf_add_u8(b, h->flags)) != 0 ||
	    (r = buf_add_u32(b, h->msgid)) != 0 ||
	    (r = buf_add_u32(b, h->len)) != 0)
		return r;
	return 0;
}

/* Walks a chain starting with a payload of type first; base is the offset
 * of chain's first byte in m->data. Each iteration consumes at least the
 * 4-byte generic header and the entry array is capped, so the walk ends. */
static int
walk(struct ike_msg *m, struct span chain, uint8_t first, size_t base,
    int inner)
{
	struct ike_msg_pld *e;
	struct ike_pld_hdr hdr;
	uint8_t type = first;
	size_t off = base;
	int r;

	m->npld = 0;
	while (type != IKE_PLD_NONE) {
		if (m->npld == IKE_MSG_MAX_PLD)
			return -E_TOOMANY;
		e = &m->pld[m->npld];
		if ((r = ike_pld_next(&chain, type, &hdr, &e->body)) != 0)
			return r;
		m->npld++;
		e->type = type;
		e->next = hdr.next;
		e->critical = hdr.critical;
		e->off = off;
		if (type == IKE_PLD_SK || type == IKE_PLD_SKF) {
			/* 3.14: SK is the last payload and its Next Payload
			 * names the first inner one; encrypted payloads do
			 * not nest. RFC 7383 2.5: the same for SKF. */
			if (inner || !span_is_empty(chain))
				return -E_SYNTAX;
			return 0;
		}
		off += hdr.len;
		type = hdr.next;
	}
	if (!span_is_empty(chain))
		return -E_TRAILING;
	return 0;
}

int
ike_msg_parse(struct span dgram, struct ike_msg *m)
{
	struct span chain = dgram;
	int r;

	m->npld = 0;
	m->data = dgram;
	if ((r = ike_msg_hdr_parse(dgram, &m->hdr)) != 0)
		return r;
	if (span_skip(&chain, IKE_HDR_LEN) != 0)
		return -E_SHORT;
	return walk(m, chain, m->hdr.next, IKE_HDR_LEN, 0);
}

int
ike_msg_parse_inner(const struct ike_msg_hdr *hdr, uint8_t first,
    struct span plain, struct ike_msg *m)
{
	m->hdr = *hdr;
	m->data = plain;
	return walk(m, plain, first, 0, 1);
}

/* Payloads that may appear at most once in a message (RFC 7296 2.x and
 * the payload descriptions in 3; iked and strongSwan enforce the same). */
static int
singleton(uint8_t type)
{
	switch (type) {
	case IKE_PLD_SA:
	case IKE_PLD_KE:
	case IKE_PLD_NONCE:
	case IKE_PLD_IDI:
	case IKE_PLD_IDR:
	case IKE_PLD_AUTH:
	case IKE_PLD_TSI:
	case IKE_PLD_TSR:
	case IKE_PLD_CP:
	case IKE_PLD_SK:
	case IKE_PLD_SKF:
	case IKE_PLD_EAP:
		return 1;
	default:
		return 0;
	}
}

/* The SA payload's proposals must suit the exchange (3.3.1, 1.3). */
static int
check_sa(const struct ike_msg_hdr *h, const struct ike_pld_sa *sa)
{
	const struct ike_pld_prop *p;
	size_t i;

	/* 3.3.1: "The first Proposal MUST have a Proposal Num of one"; a
	 * response repeats the number of the one it accepted. */
	if (!(h->flags & IKE_FLAG_RESPONSE) && sa->prop[0].num != 1)
		return -E_SYNTAX;
	for (i = 0; i < sa->nprop; i++) {
		p = &sa->prop[i];
		switch (h->exch) {
		case IKE_EXCH_SA_INIT:
			/* The IKE SA's SPIs are in the header. */
			if (p->proto != IKE_PROTO_IKE || p->spi.len != 0)
				return -E_RANGE;
			break;
		case IKE_EXCH_AUTH:
			/* Only the first CHILD_SA is negotiated here. */
			if (p->proto == IKE_PROTO_IKE)
				return -E_RANGE;
			break;
		case IKE_EXCH_CREATE_CHILD_SA:
			/* 1.3.2: rekeying the IKE SA sends its new SPI. */
			if (p->proto == IKE_PROTO_IKE && p->spi.len != 8)
				return -E_RANGE;
			break;
		default:
			break;
		}
	}
	return 0;
}

int
ike_msg_verify(const struct ike_msg *m, uint8_t *bad_type)
{
	struct ike_pld_sa sa;
	const struct ike_msg_pld *e;
	uint32_t seen[256 / 32];
	uint8_t bad = 0;
	size_t i;
	int r = -E_INTERNAL;

	memset(seen, 0, sizeof(seen));
	/* 3.1: "This value MUST NOT be zero." */
	if (m->hdr.spi_i == 0) {
		r = -E_RANGE;
		goto out;
	}
	for (i = 0; i < m->npld; i++) {
		e = &m->pld[i];
		bad = e->type;
		/* 2.5: unknown payloads are skipped unless critical. */
		if (!ike_pld_known(e->type)) {
			if (e->critical) {
				r = -E_CRITICAL;
				goto out;
			}
			continue;
		}
		if (singleton(e->type)) {
			if (seen[e->type / 32] & (1U << (e->type % 32))) {
				r = -E_DUP;
				goto out;
			}
			seen[e->type / 32] |= 1U << (e->type % 32);
		}
		if (e->type == IKE_PLD_SA) {
			if ((r = ike_pld_parse_sa(e->body, &sa)) != 0 ||
			    (r = check_sa(&m->hdr, &sa)) != 0)
				goto out;
		} else if ((r = ike_pld_check(e->type, e->body)) != 0)
			goto out;
	}
	bad = 0;
	r = 0;
out:
	if (bad_type != NULL)
		*bad_type = r == 0 ? 0 : bad;
	return r;
}

uint16_t
ike_msg_err_notify(int err)
{
	switch (err < 0 ? -err : err) {
	case E_SHORT:
	case E_BADLEN:
	case E_TRAILING:
	case E_RANGE:
	case E_DUP:
	case E_TOOMANY:
	case E_SYNTAX:
		return IKE_N_INVALID_SYNTAX;
	case E_CRITICAL:
		return IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD;
	case E_VERSION:
		return IKE_N_INVALID_MAJOR_VERSION;
	default:
		return 0;
	}
}

int
ike_msg_find(const struct ike_msg *m, uint8_t type, size_t from)
{
	size_t i;

	for (i = from; i < m->npld; i++)
		if (m->pld[i].type == type)
			return (int)i;
	return -E_NOENT;
}

int
ike_msg_find_notify(const struct ike_msg *m, uint16_t ntype,
    struct ike_pld_notify *out)
{
	struct span s;
	uint16_t t;
	size_t i;

	for (i = 0; i < m->npld; i++) {
		if (m->pld[i].type != IKE_PLD_NOTIFY)
			continue;
		/* Peek at the type (after protocol and SPI size) first so
		 * that an unrelated malformed notify does not mask it. */
		s = m->pld[i].body;
		if (span_skip(&s, 2) != 0 || span_get_u16(&s, &t) != 0 ||
		    t != ntype)
			continue;
		return ike_pld_parse_notify(m->pld[i].body, out);
	}
	return -E_NOENT;
}

int
ike_msg_body(const struct ike_msg *m, uint8_t type, struct span *body)
{
	int i = ike_msg_find(m, type, 0);

	if (i < 0)
		return i;
	*body = m->pld[i].body;
	return 0;
}

uint16_t
ike_msg_first_error(const struct ike_msg *m)
{
	struct ike_pld_notify n;
	size_t i;

	for (i = 0; i < m->npld; i++)
		if (m->pld[i].type == IKE_PLD_NOTIFY &&
		    ike_pld_parse_notify(m->pld[i].body, &n) == 0 &&
		    n.type != 0 && n.type <= IKE_N_ERROR_MAX)
			return n.type;
	return 0;
}

int
ike_msg_begin(struct ike_chain *c, struct buf *b, const struct ike_msg_hdr *h)
{
	struct ike_msg_hdr hh = *h;
	size_t off = buf_len(b);
	int r;

	hh.next = IKE_PLD_NONE;
	hh.len = 0;
	ike_pld_chain_init(c, b);
	if ((r = ike_msg_hdr_encode(b, &hh)) != 0)
		return r;
	c->msg_off = off;
	c->next_off = off + IKE_HDR_NEXT_OFF;
	return 0;
}

/* Opens an SK or SKF payload; frag is NULL for SK. */
static int
sealed_begin(struct ike_chain *c, uint8_t type, const uint16_t *frag,
    uint8_t first, size_t iv_len)
{
	uint8_t *iv;
	size_t start;
	int r;

	if (c->sk_off != IKE_CHAIN_NONE)
		return -E_STATE;
	if ((r = ike_pld__open(c, type, 0, &start)) != 0)
		return r;
	if (frag != NULL &&
	    ((r = buf_set_u8(c->b, start, first)) != 0 ||
	    (r = buf_add_u16(c->b, frag[0])) != 0 ||
	    (r = buf_add_u16(c->b, frag[1])) != 0))
		return r;
	c->sk_off = start;
	c->iv_off = buf_len(c->b);
	if ((r = buf_reserve(c->b, iv_len, &iv)) != 0)
		return r;
	c->plain_off = buf_len(c->b);
	/* SK: the inner chain starts in SK's own Next Payload (3.14). SKF
	 * carries a slice of an already built chain: nothing is chained. */
	if (frag != NULL)
		c->closed = 1;
	return 0;
}

int
ike_msg_sk_begin(struct ike_chain *c, size_t iv_len)
{
	return sealed_begin(c, IKE_PLD_SK, NULL, IKE_PLD_NONE, iv_len);
}

int
ike_msg_skf_begin(struct ike_chain *c, uint16_t num, uint16_t total,
    uint8_t first, size_t iv_len)
{
	uint16_t frag[2] = { num, total };

	if (num == 0 || num > total)
		return -E_INVAL;
	return sealed_begin(c, IKE_PLD_SKF, frag, first, iv_len);
}

int
ike_msg_finish(struct ike_chain *c)
{
	size_t end = buf_len(c->b);
	int r;

	if (c->msg_off == IKE_CHAIN_NONE)
		return -E_STATE;
	if (c->sk_off != IKE_CHAIN_NONE &&
	    (r = ike_pld__close(c, c->sk_off)) != 0)
		return r;
	if (end - c->msg_off > UINT32_MAX)
		return -E_RANGE;
	if ((r = buf_set_u32(c->b, c->msg_off + IKE_HDR_LEN_OFF,
	    (uint32_t)(end - c->msg_off))) != 0)
		return r;
	c->closed = 1;
	return 0;
}
