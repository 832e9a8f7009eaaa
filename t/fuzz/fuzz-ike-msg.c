/*
 * fuzz-ike-msg.c: libFuzzer harness for the IKEv2 codec (core/ike_msg,
 * core/ike_pld).
 *
 * Each input is one datagram. It is parsed and verified; every payload
 * the walk reached is run through its decoder; the body of a trailing SK
 * (or SKF, after its 4-byte fragment header) is walked as an inner chain,
 * as if it were already decrypted, and treated the same way. Beyond "no
 * crash, no out-of-bounds access, no undefined behaviour", the harness
 * aborts when one of these properties fails:
 *  - every result is 0 or one of the codec's parse errors;
 *  - every payload body lies inside the input, SK/SKF only last;
 *  - a payload that decodes re-encodes to bytes that decode again, and
 *    re-encoding those gives the same bytes (encode(decode(x)) is a fixed
 *    point after one step);
 *  - when every known payload decodes, the message rebuilt from the
 *    decoded payloads parses, and verifies with the same result.
 *
 * Build: make fuzz (clang -fsanitize=fuzzer,address,undefined). Run:
 *   t/fuzz/fuzz-ike-msg -max_total_time=300 SCRATCH_DIR \
 *       $(srcdir)/t/fuzz/corpus/ike-msg
 * (new inputs go to SCRATCH_DIR, the first directory). The seed corpus
 * holds the messages of t/2002-ike-msg.c and variants; files named bad-*
 * must be rejected, the others accepted (t/2004-ike-fuzz-replay.c). The
 * replay test includes this file with FUZZ_REPLAY defined and calls
 * fuzz_ike_msg() directly.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/ike_msg.h"
#include "core/ike_pld.h"

/* Runs one input; returns the parse/verify result of the outer message
 * and stores that of the inner chain in *inner_r (1 when there is none).
 * Aborts when a property above fails. */
int	fuzz_ike_msg(const uint8_t *data, size_t size, int *inner_r);

#define FUZZ_MUST(x)	do { if (!(x)) abort(); } while (0)

static int
clean_error(int r)
{
	switch (-r) {
	case 0:
	case E_SHORT:
	case E_BADLEN:
	case E_TRAILING:
	case E_RANGE:
	case E_DUP:
	case E_CRITICAL:
	case E_TOOMANY:
	case E_SYNTAX:
	case E_VERSION:
		return 1;
	default:
		return 0;
	}
}

/* Decodes body as a payload of type and, on success, appends its
 * re-encoding to c (for SK/SKF with next as the first inner type).
 * Returns the decoder's result; -E_NOTSUP for unknown types. */
static int
reencode(struct ike_chain *c, uint8_t type, uint8_t next, struct span body)
{
	static union {
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
	int r, w = 0;

	switch (type) {
	case IKE_PLD_SA:
		if ((r = ike_pld_parse_sa(body, &u.sa)) == 0)
			w = ike_pld_add_sa(c, &u.sa);
		break;
	case IKE_PLD_KE:
		if ((r = ike_pld_parse_ke(body, &u.ke)) == 0)
			w = ike_pld_add_ke(c, &u.ke);
		break;
	case IKE_PLD_IDI:
	case IKE_PLD_IDR:
		if ((r = ike_pld_parse_id(body, &u.id)) == 0)
			w = ike_pld_add_id(c, type, &u.id);
		break;
	case IKE_PLD_CERT:
		if ((r = ike_pld_parse_cert(body, &u.cert)) == 0)
			w = ike_pld_add_cert(c, &u.cert);
		break;
	case IKE_PLD_CERTREQ:
		if ((r = ike_pld_parse_certreq(body, &u.certreq)) == 0)
			w = ike_pld_add_certreq(c, &u.certreq);
		break;
	case IKE_PLD_AUTH:
		if ((r = ike_pld_parse_auth(body, &u.auth)) == 0)
			w = ike_pld_add_auth(c, &u.auth);
		break;
	case IKE_PLD_NONCE:
		if ((r = ike_pld_parse_nonce(body, &u.nonce)) == 0)
			w = ike_pld_add_nonce(c, &u.nonce);
		break;
	case IKE_PLD_NOTIFY:
		if ((r = ike_pld_parse_notify(body, &u.notify)) == 0)
			w = ike_pld_add_notify(c, &u.notify);
		break;
	case IKE_PLD_DELETE:
		if ((r = ike_pld_parse_delete(body, &u.del)) == 0)
			w = ike_pld_add_delete(c, &u.del);
		break;
	case IKE_PLD_VENDOR:
		if ((r = ike_pld_parse_vendor(body, &u.vendor)) == 0)
			w = ike_pld_add_vendor(c, &u.vendor);
		break;
	case IKE_PLD_TSI:
	case IKE_PLD_TSR:
		if ((r = ike_pld_parse_ts(body, &u.ts)) == 0)
			w = ike_pld_add_ts(c, type, &u.ts);
		break;
	case IKE_PLD_SK:
		if ((r = ike_pld_parse_sk(body, &u.sk)) == 0)
			w = ike_pld_add_sk(c, next, &u.sk);
		break;
	case IKE_PLD_SKF:
		if ((r = ike_pld_parse_skf(body, &u.skf)) == 0)
			w = ike_pld_add_skf(c, next, &u.skf);
		break;
	case IKE_PLD_CP:
		if ((r = ike_pld_parse_cp(body, &u.cp)) == 0)
			w = ike_pld_add_cp(c, &u.cp);
		break;
	case IKE_PLD_EAP:
		if ((r = ike_pld_parse_eap(body, &u.eap)) == 0)
			w = ike_pld_add_eap(c, &u.eap);
		break;
	default:
		return -E_NOTSUP;
	}
	/* Whatever decodes must encode. */
	FUZZ_MUST(w == 0);
	FUZZ_MUST(clean_error(r));
	/* The dispatcher agrees with the decoder. */
	FUZZ_MUST(ike_pld_check(type, body) == r);
	return r;
}

/* encode(decode(x)) must decode, and re-encode to itself. */
static int
roundtrip(const struct ike_msg_pld *e)
{
	static struct buf *b1, *b2;
	struct ike_chain c1, c2;
	struct ike_pld_hdr h;
	struct span s1, body1;
	int r;

	if (b1 == NULL) {
		FUZZ_MUST((b1 = buf_new(1 << 20)) != NULL);
		FUZZ_MUST((b2 = buf_new(1 << 20)) != NULL);
	}
	buf_reset(b1);
	ike_pld_chain_init(&c1, b1);
	if ((r = reencode(&c1, e->type, e->next, e->body)) != 0)
		return r;
	FUZZ_MUST(c1.first == e->type);
	s1 = buf_span(b1);
	FUZZ_MUST(ike_pld_next(&s1, c1.first, &h, &body1) == 0);
	FUZZ_MUST(span_is_empty(s1) && h.critical == 0);
	FUZZ_MUST(h.next == ((e->type == IKE_PLD_SK ||
	    e->type == IKE_PLD_SKF) ? e->next : 0));
	buf_reset(b2);
	ike_pld_chain_init(&c2, b2);
	FUZZ_MUST(reencode(&c2, e->type, e->next, body1) == 0);
	FUZZ_MUST(span_eq(buf_span(b1), buf_span(b2)));
	return 0;
}

/* Checks the walked entries against the input and round-trips each. */
static int
entries(const struct ike_msg *m)
{
	const struct ike_msg_pld *e;
	size_t i;
	int all = 1;

	FUZZ_MUST(m->npld <= IKE_MSG_MAX_PLD);
	for (i = 0; i < m->npld; i++) {
		e = &m->pld[i];
		/* The body is inside the parsed bytes, after its header. */
		FUZZ_MUST(e->body.p >= m->data.p + e->off + IKE_PLD_HDR_LEN);
		FUZZ_MUST(e->off + IKE_PLD_HDR_LEN + e->body.len <=
		    m->data.len);
		FUZZ_MUST(e->body.p == m->data.p + e->off + IKE_PLD_HDR_LEN);
		if (e->type == IKE_PLD_SK || e->type == IKE_PLD_SKF)
			FUZZ_MUST(i + 1 == m->npld);
		if (roundtrip(e) != 0 && ike_pld_known(e->type))
			all = 0;
	}
	return all;
}

/* Rebuilds m from its decoded payloads (unknown ones verbatim) after the
 * header hdr, or as a bare chain when hdr is NULL, and returns the result
 * of parsing and verifying the rebuilt bytes. */
static int
rebuild(const struct ike_msg *m, const struct ike_msg_hdr *hdr)
{
	static struct buf *b;
	static struct ike_msg m2;
	const struct ike_msg_pld *e;
	struct ike_chain c;
	size_t i;
	int r;

	if (b == NULL)
		FUZZ_MUST((b = buf_new(1 << 20)) != NULL);
	buf_reset(b);
	if (hdr != NULL)
		FUZZ_MUST(ike_msg_begin(&c, b, hdr) == 0);
	else
		ike_pld_chain_init(&c, b);
	for (i = 0; i < m->npld; i++) {
		e = &m->pld[i];
		if (ike_pld_known(e->type))
			FUZZ_MUST(reencode(&c, e->type, e->next, e->body) == 0);
		else
			FUZZ_MUST(ike_pld_add_raw(&c, e->type, e->critical,
			    e->body) == 0);
	}
	if (hdr != NULL) {
		FUZZ_MUST(ike_msg_finish(&c) == 0);
		r = ike_msg_parse(buf_span(b), &m2);
	} else
		r = ike_msg_parse_inner(&m->hdr, c.first, buf_span(b), &m2);
	FUZZ_MUST(r == 0);
	FUZZ_MUST(m2.npld == m->npld);
	if (hdr != NULL)
		FUZZ_MUST(m2.hdr.spi_i == hdr->spi_i &&
		    m2.hdr.spi_r == hdr->spi_r &&
		    m2.hdr.version == hdr->version &&
		    m2.hdr.exch == hdr->exch && m2.hdr.flags == hdr->flags &&
		    m2.hdr.msgid == hdr->msgid);
	return ike_msg_verify(&m2, NULL);
}

/* Verifies a walked chain and checks the properties; returns the verify
 * result. */
static int
check(const struct ike_msg *m, int outer)
{
	uint8_t bad = 0;
	int all, r;

	all = entries(m);
	r = ike_msg_verify(m, &bad);
	FUZZ_MUST(clean_error(r));
	FUZZ_MUST(r != -E_CRITICAL || (!ike_pld_known(bad) && bad != 0));
	FUZZ_MUST(ike_msg_err_notify(r) != 0 || r == 0);
	if (all)
		FUZZ_MUST(rebuild(m, outer ? &m->hdr : NULL) == r);
	return r;
}

int
fuzz_ike_msg(const uint8_t *data, size_t size, int *inner_r)
{
	static struct ike_msg m, in;
	const struct ike_msg_pld *last;
	struct span plain;
	int r;

	*inner_r = 1;
	r = ike_msg_parse(span_make(data, size), &m);
	FUZZ_MUST(clean_error(r));
	FUZZ_MUST(r == 0 || ike_msg_err_notify(r) != 0);
	if (r != 0) {
		/* The payloads walked before the error are still sound. */
		(void)entries(&m);
		return r;
	}
	FUZZ_MUST(m.hdr.len == size);
	r = check(&m, 1);
	if (m.npld == 0)
		return r;
	last = &m.pld[m.npld - 1];
	if (last->type != IKE_PLD_SK && last->type != IKE_PLD_SKF)
		return r;
	plain = last->body;
	if (last->type == IKE_PLD_SKF && span_skip(&plain, 4) != 0)
		return r;
	*inner_r = ike_msg_parse_inner(&m.hdr, last->next, plain, &in);
	FUZZ_MUST(clean_error(*inner_r));
	if (*inner_r == 0)
		*inner_r = check(&in, 0);
	else
		(void)entries(&in);
	return r;
}

#ifndef FUZZ_REPLAY
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int inner_r;

	(void)fuzz_ike_msg(data, size, &inner_r);
	return 0;
}
#endif
