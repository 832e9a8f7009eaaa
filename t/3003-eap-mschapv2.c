/*
 * 3003-eap-mschapv2: EAP framing and the EAP-MSCHAPv2 server, driven by a
 * client written here from the same RFC 2759 primitives (the primitives
 * themselves are checked against the RFC vectors in 3002).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/eap.h"
#include "core/eap_mschapv2.h"
#include "core/err.h"
#include "core/xform.h"
#include "t/tap.h"

#define SERVER_NAME	"ikegate-test"

/* Offsets in a Response packet (draft-kamath 2.2). */
#define OFF_MSID	6
#define OFF_MSLEN	7
#define OFF_VSIZE	9
#define OFF_PEERCHAL	10
#define OFF_RESERVED	26
#define OFF_NTRESP	34
#define OFF_FLAGS	58
#define OFF_NAME	59

/* The user table behind the lookup callback. */
struct user {
	const char	*name;
	const char	*password;
	int		 plaintext;	/* the server holds the password */
};

static const struct user users[] = {
	{ "alice", "alice-secret", 0 },
	{ "EXAMPLE\\bob", "b\xc3\xb6" "b-pw", 1 },	/* "böb-pw" */
};

static int lookups;
static int lookup_error;	/* returned instead of a lookup when set */

static int
lookup(void *arg, struct span name, struct eap_mschapv2_cred *cred)
{
	size_t i;

	(void)arg;
	lookups++;
	if (lookup_error != 0)
		return lookup_error;
	for (i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
		if (!span_eq(name, span_str(users[i].name)))
			continue;
		if (users[i].plaintext) {
			cred->password = span_str(users[i].password);
			return 0;
		}
		return eap_mschapv2_nt_hash(span_str(users[i].password),
		    cred->nt_hash);
	}
	return -E_NOENT;
}

/* The test-side peer. */
struct client {
	const char	*name;
	const char	*password;
	uint8_t		 id;		/* of the last request */
	uint8_t		 ms_id;
	uint8_t		 auth_chal[16];
	uint8_t		 peer_chal[16];
	uint8_t		 nt_resp[24];
	uint8_t		 nt_hash[16];
};

/* Parses an EAP-MSCHAPv2 request: checks the framing the server must
 * produce and returns the OpCode and the data after MS-Length. */
static int
client_parse(struct client *cl, struct span in, uint8_t *op, struct span *d)
{
	struct eap_pkt pkt;
	uint16_t ms_len;

	if (eap_parse(in, &pkt) != 0 || pkt.code != EAP_CODE_REQUEST ||
	    pkt.type != EAP_TYPE_MSCHAPV2)
		return -1;
	*d = pkt.data;
	if (span_get_u8(d, op) != 0 || span_get_u8(d, &cl->ms_id) != 0 ||
	    span_get_u16(d, &ms_len) != 0 || ms_len != pkt.data.len)
		return -1;
	cl->id = pkt.id;
	return 0;
}

static int client_response(struct client *, struct buf *);

/* Answers a Challenge request with a Response into out. */
static int
client_challenge(struct client *cl, struct span in, struct buf *out)
{
	struct span d;
	uint8_t op, vsize;

	if (client_parse(cl, in, &op, &d) != 0 ||
	    op != EAP_MSCHAPV2_OP_CHALLENGE ||
	    span_get_u8(&d, &vsize) != 0 || vsize != 16 ||
	    span_copy(&d, cl->auth_chal, 16) != 0 ||
	    !span_eq(d, span_str(SERVER_NAME)))
		return -1;
	return client_response(cl, out);
}

/* A Response to the challenge cl last read, with cl's password, under
 * cl's current Identifier and MS-CHAPv2-ID, into out. */
static int
client_response(struct client *cl, struct buf *out)
{
	struct span v[5];
	uint8_t vsize, hdr[4], zero[8], flags = 0;
	int i;

	for (i = 0; i < 16; i++)
		cl->peer_chal[i] = (uint8_t)(0xc0 + i);
	if (eap_mschapv2_nt_hash(span_str(cl->password), cl->nt_hash) != 0 ||
	    eap_mschapv2_nt_response(cl->auth_chal, cl->peer_chal,
	    span_str(cl->name), cl->nt_hash, cl->nt_resp) != 0)
		return -1;
	hdr[0] = EAP_MSCHAPV2_OP_RESPONSE;
	hdr[1] = cl->ms_id;
	hdr[2] = 0;
	hdr[3] = (uint8_t)(4 + 1 + 49 + strlen(cl->name));
	vsize = 49;
	memset(zero, 0, sizeof(zero));
	v[0] = span_make(hdr, 4);
	v[1] = span_make(&vsize, 1);
	v[2] = span_make(cl->peer_chal, 16);
	v[3] = span_make(zero, 8);
	v[4] = span_make(cl->nt_resp, 24);
	if (eap_build(out, EAP_CODE_RESPONSE, cl->id, EAP_TYPE_MSCHAPV2, v,
	    5) != 0)
		return -1;
	/* Flags and Name follow the value. */
	if (buf_add_u8(out, flags) != 0 || buf_add(out, cl->name,
	    strlen(cl->name)) != 0 ||
	    buf_set_u16(out, 2, (uint16_t)buf_len(out)) != 0)
		return -1;
	return 0;
}

/* Appends the one-OpCode Success or Failure Response (draft-kamath 2.4,
 * 2.6). */
static int
client_ack(struct client *cl, uint8_t op, struct buf *out)
{
	struct span v = span_make(&op, 1);

	return eap_build(out, EAP_CODE_RESPONSE, cl->id, EAP_TYPE_MSCHAPV2,
	    &v, 1);
}

/* Verifies a Success request's S= against our own computation. */
static int
client_success(struct client *cl, struct span in)
{
	uint8_t op, auth[20];
	char want[80];
	struct span d;
	int i;

	if (client_parse(cl, in, &op, &d) != 0 ||
	    op != EAP_MSCHAPV2_OP_SUCCESS)
		return -1;
	if (eap_mschapv2_auth_response(cl->nt_hash, cl->nt_resp,
	    cl->peer_chal, cl->auth_chal, span_str(cl->name), auth) != 0)
		return -1;
	memcpy(want, "S=", 2);
	for (i = 0; i < 20; i++)
		snprintf(want + 2 + 2 * i, 3, "%02X", auth[i]);
	strcat(want, " M=Authentication succeeded");
	return span_eq(d, span_str(want)) ? 0 : -1;
}

/* The client's MSK: its own send key then receive key (which are the
 * server's receive and send keys), then 32 zeros. */
static int
client_msk(struct client *cl, uint8_t msk[64])
{
	uint8_t hh[16], mk[16];

	memset(msk, 0, 64);
	eap_mschapv2_hash_nt_hash(cl->nt_hash, hh);
	if (eap_mschapv2_master_key(hh, cl->nt_resp, mk) != 0 ||
	    eap_mschapv2_start_key(mk, 1, 0, msk) != 0 ||
	    eap_mschapv2_start_key(mk, 0, 0, msk + 16) != 0)
		return -1;
	return 0;
}

/* Checks a Failure request and returns the C= position in *coff. */
static int
client_failure(struct client *cl, struct span in, size_t *coff)
{
	static const char head[] = "E=691 R=0 C=";
	static const char tail[] = " V=3 M=Authentication failed";
	struct span d;
	uint8_t op;
	size_t i;

	if (client_parse(cl, in, &op, &d) != 0 ||
	    op != EAP_MSCHAPV2_OP_FAILURE ||
	    d.len != sizeof(head) - 1 + 32 + sizeof(tail) - 1 ||
	    memcmp(d.p, head, sizeof(head) - 1) != 0 ||
	    memcmp(d.p + sizeof(head) - 1 + 32, tail, sizeof(tail) - 1) != 0)
		return -1;
	for (i = 0; i < 32; i++)
		if (strchr("0123456789ABCDEF", d.p[sizeof(head) - 1 + i]) ==
		    NULL)
			return -1;
	*coff = (size_t)(d.p - in.p) + sizeof(head) - 1;
	return 0;
}

static struct eap_mschapv2 *
server(void)
{
	struct eap_mschapv2 *s = NULL;

	if (eap_mschapv2_new(SERVER_NAME, lookup, NULL, &s) != 0)
		return NULL;
	return s;
}

/* Runs start + Response; leaves the server's reply in reply. */
static int
challenge_response(struct eap_mschapv2 *s, struct client *cl, uint8_t id,
    struct buf *reply, enum eap_mschapv2_status *st)
{
	struct buf *b = buf_new(1500);
	int r = -1;

	buf_reset(reply);
	if (b == NULL || eap_mschapv2_start(s, id, b) != 0 ||
	    client_challenge(cl, buf_span(b), reply) != 0)
		goto out;
	buf_reset(b);
	if (eap_mschapv2_process(s, buf_span(reply), b, st) != 0)
		goto out;
	buf_reset(reply);
	r = buf_add_span(reply, buf_span(b));
out:
	buf_free(b);
	return r;
}

static void
check_framing(void)
{
	struct buf *b = buf_new(300);
	struct eap_pkt pkt;
	struct span id;
	uint8_t p[300];

	is_int(eap_build_identity_request(b, 7), 0, "Identity request");
	is_int(buf_len(b), 5, "Identity request is 5 bytes");
	is_mem(buf_span(b).p, "\x01\x07\x00\x05\x01", 5,
	    "Identity request bytes");
	buf_reset(b);
	is_int(eap_build_result(b, EAP_CODE_SUCCESS, 9), 0, "Success");
	is_mem(buf_span(b).p, "\x03\x09\x00\x04", 4, "Success bytes");
	is_int(eap_build_result(b, EAP_CODE_REQUEST, 9), -E_INVAL,
	    "result with a Request code refused");
	is_int(eap_build(b, EAP_CODE_SUCCESS, 1, 1, NULL, 0), -E_INVAL,
	    "build with a Success code refused");
	buf_free(b);
	b = buf_new(6);
	id = span_str("0123456789");
	is_int(eap_build(b, EAP_CODE_RESPONSE, 1, 1, &id, 1), -E_RANGE,
	    "build into a full buf");
	is_int(buf_len(b), 0, "failed build leaves out empty");
	buf_free(b);

	memcpy(p, "\x02\x07\x00\x0a\x01" "alice", 10);
	is_int(eap_parse(span_make(p, 10), &pkt), 0, "parse Identity response");
	ok(pkt.code == 2 && pkt.id == 7 && pkt.type == 1, "header fields");
	is_int(eap_parse_identity(&pkt, &id), 0, "identity");
	ok(span_eq(id, span_str("alice")), "identity is alice");
	is_int(eap_parse(span_make(p, 9), &pkt), -E_SHORT,
	    "Length beyond the data");
	is_int(eap_parse(span_make(p, 3), &pkt), -E_SHORT, "3 bytes");
	p[10] = 'x';
	is_int(eap_parse(span_make(p, 11), &pkt), -E_TRAILING,
	    "bytes after Length");
	p[3] = 3;
	is_int(eap_parse(span_make(p, 10), &pkt), -E_BADLEN, "Length 3");
	memcpy(p, "\x02\x07\x00\x04", 4);
	is_int(eap_parse(span_make(p, 4), &pkt), -E_BADLEN,
	    "Response without a Type");
	memcpy(p, "\x03\x07\x00\x05\x00", 5);
	is_int(eap_parse(span_make(p, 5), &pkt), -E_BADLEN,
	    "Success with data");
	memcpy(p, "\x04\x07\x00\x04", 4);
	is_int(eap_parse(span_make(p, 4), &pkt), 0, "Failure");
	ok(pkt.type == 0 && pkt.data.len == 0, "Failure has no type/data");
	memcpy(p, "\x05\x07\x00\x04", 4);
	is_int(eap_parse(span_make(p, 4), &pkt), -E_SYNTAX, "unknown code");

	memcpy(p, "\x02\x07\x00\x08\x01" "a\0b", 8);
	is_int(eap_parse(span_make(p, 8), &pkt), 0, "identity with NUL parses");
	is_int(eap_parse_identity(&pkt, &id), -E_SYNTAX, "NUL refused");
	memcpy(p, "\x02\x07\x01\x05\x01", 5);
	memset(p + 5, 'a', 256);
	is_int(eap_parse(span_make(p, 261), &pkt), 0,
	    "256-byte identity parses");
	is_int(eap_parse_identity(&pkt, &id), -E_RANGE, "too long refused");
	p[3] = 0x04;
	is_int(eap_parse(span_make(p, 260), &pkt), 0, "255-byte identity");
	is_int(eap_parse_identity(&pkt, &id), 0, "255 bytes accepted");
	memcpy(p, "\x01\x07\x00\x05\x01", 5);
	is_int(eap_parse(span_make(p, 5), &pkt), 0, "Identity request parses");
	is_int(eap_parse_identity(&pkt, &id), -E_SYNTAX,
	    "a Request is not an identity");
}

/* A good password: Success request, ack, EAP-Success, equal MSKs. */
static void
check_success(const char *user, const char *pw, uint8_t start_id)
{
	struct eap_mschapv2 *s = server();
	struct client cl = { user, pw, 0, 0, { 0 }, { 0 }, { 0 }, { 0 } };
	struct buf *reply = buf_new(1500), *b = buf_new(1500);
	enum eap_mschapv2_status st = EAP_MSCHAPV2_FAILURE;
	uint8_t smsk[64], cmsk[64];

	ok(s != NULL, "%s: server", user);
	is_int(challenge_response(s, &cl, start_id, reply, &st), 0,
	    "%s: challenge/response", user);
	is_int(st, EAP_MSCHAPV2_CONTINUE, "%s: continue", user);
	is_int(cl.ms_id, start_id, "%s: MS-CHAPv2-ID kept", user);
	is_int(client_success(&cl, buf_span(reply)), 0,
	    "%s: Success request with the right S=", user);
	is_int(cl.id, (uint8_t)(start_id + 1), "%s: next Identifier", user);
	is_int(eap_mschapv2_msk(s, smsk), -E_STATE, "%s: no MSK yet", user);

	is_int(client_ack(&cl, EAP_MSCHAPV2_OP_SUCCESS, b), 0, "ack");
	buf_reset(reply);
	is_int(eap_mschapv2_process(s, buf_span(b), reply, &st), 0,
	    "%s: Success response", user);
	is_int(st, EAP_MSCHAPV2_SUCCESS, "%s: success", user);
	is_int(buf_len(reply), 4, "%s: EAP-Success", user);
	is_mem(buf_span(reply).p, "\x03", 1, "%s: code Success", user);
	is_int(buf_span(reply).p[1], cl.id, "%s: Identifier of the ack", user);
	is_int(eap_mschapv2_msk(s, smsk), 0, "%s: server MSK", user);
	is_int(client_msk(&cl, cmsk), 0, "%s: client MSK", user);
	is_mem(smsk, cmsk, 64, "%s: MSK equal on both sides", user);
	ok(memcmp(smsk + 32, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
	    "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 32) == 0 &&
	    memcmp(smsk, smsk + 16, 16) != 0, "%s: MSK layout", user);

	buf_reset(reply);
	is_int(eap_mschapv2_process(s, buf_span(b), reply, &st), -E_STATE,
	    "%s: nothing after the end", user);
	is_int(eap_mschapv2_start(s, 1, reply), -E_STATE,
	    "%s: no restart", user);
	eap_mschapv2_free(s);
	buf_free(reply);
	buf_free(b);
}

/* A wrong password or an unknown user: the Failure request; returns it in
 * fail (C= offset in *coff). */
static void
check_failure(const char *user, const char *pw, struct buf *fail,
    size_t *coff)
{
	struct eap_mschapv2 *s = server();
	struct client cl = { user, pw, 0, 0, { 0 }, { 0 }, { 0 }, { 0 } };
	struct buf *ack = buf_new(10), *bad = buf_new(10), *r = buf_new(100);
	struct buf *again = buf_new(1500);
	enum eap_mschapv2_status st = EAP_MSCHAPV2_SUCCESS;
	struct span v = span_make("\x03", 1);
	uint8_t msk[64];
	char hex[33];
	size_t i;

	is_int(challenge_response(s, &cl, 42, fail, &st), 0,
	    "%s/%s: challenge/response", user, pw);
	is_int(st, EAP_MSCHAPV2_CONTINUE, "%s: continue", user);
	is_int(client_failure(&cl, buf_span(fail), coff), 0,
	    "%s: Failure request E=691 R=0 C=<32 hex> V=3", user);
	is_int(cl.id, 43, "%s: next Identifier", user);
	for (i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02X", cl.auth_chal[i]);
	ok(buf_len(fail) >= *coff + 32 &&
	    memcmp(buf_span(fail).p + *coff, hex, 32) != 0,
	    "%s: C= is not the challenge just answered", user);

	/* A Success response is not what a Failure request asks for. */
	is_int(eap_build(bad, EAP_CODE_RESPONSE, cl.id, EAP_TYPE_MSCHAPV2, &v,
	    1), 0, "build");
	is_int(eap_mschapv2_process(s, buf_span(bad), r, &st), -E_STATE,
	    "%s: Success response refused after Failure", user);
	/* One guess per conversation: a second Response, even with the
	 * right password, is refused. */
	cl.password = "alice-secret";
	is_int(client_response(&cl, again), 0, "build");
	is_int(eap_mschapv2_process(s, buf_span(again), r, &st), -E_STATE,
	    "%s: a second Response refused after Failure", user);
	is_int(buf_len(r), 0, "%s: ... and nothing answered", user);
	is_int(client_ack(&cl, EAP_MSCHAPV2_OP_FAILURE, ack), 0, "ack");
	is_int(eap_mschapv2_process(s, buf_span(ack), r, &st), 0,
	    "%s: Failure response", user);
	is_int(st, EAP_MSCHAPV2_FAILURE, "%s: failure", user);
	is_int(buf_len(r), 4, "%s: EAP-Failure length", user);
	is_mem(buf_span(r).p, "\x04\x2b\x00\x04", 4,
	    "%s: EAP-Failure with the ack's Identifier", user);
	is_int(eap_mschapv2_msk(s, msk), -E_STATE, "%s: no MSK", user);
	eap_mschapv2_free(s);
	buf_free(ack);
	buf_free(bad);
	buf_free(again);
	buf_free(r);
}

/* Builds a good Response for a fresh server s into resp. */
static void
fresh(struct eap_mschapv2 **s, struct client *cl, struct buf *resp)
{
	struct buf *b = buf_new(1500);

	eap_mschapv2_free(*s);
	*s = server();
	buf_reset(resp);
	if (*s == NULL || eap_mschapv2_start(*s, 5, b) != 0 ||
	    client_challenge(cl, buf_span(b), resp) != 0)
		diag("setup failed");
	buf_free(b);
}

/* Feeds a mutated copy of resp; returns the error and checks that out
 * stayed empty. */
static int
feed(struct eap_mschapv2 *s, const uint8_t *p, size_t len)
{
	struct buf *out = buf_new(1500);
	enum eap_mschapv2_status st;
	int r;

	r = eap_mschapv2_process(s, span_make(p, len), out, &st);
	if (r != 0 && buf_len(out) != 0)
		r = 9999;
	buf_free(out);
	return r;
}

static void
check_malformed(void)
{
	struct client cl = { "alice", "alice-secret", 0, 0, { 0 }, { 0 },
	    { 0 }, { 0 } };
	struct eap_mschapv2 *s = NULL;
	struct buf *resp = buf_new(1500), *out = buf_new(1500);
	enum eap_mschapv2_status st;
	uint8_t p[400], q[400];
	size_t n, i, bit, bad;
	int r, all, prev;

	fresh(&s, &cl, resp);
	n = buf_len(resp);
	memcpy(p, buf_span(resp).p, n);
	is_int(n, OFF_NAME + 5, "good response is 64 bytes");

	is_int(feed(s, p, 3), -E_SHORT, "short: 3 bytes");
	for (i = 0, all = 1; i < n; i++) {
		r = feed(s, p, i);
		all &= r == -E_SHORT || r == -E_BADLEN;
	}
	ok(all, "every truncation refused as short");
	is_int(feed(s, p, n - 2), -E_SHORT, "truncated name");

	memcpy(q, p, n);
	q[n] = 'x';
	is_int(feed(s, q, n + 1), -E_TRAILING, "trailing byte");

	memcpy(q, p, n);
	q[OFF_MSLEN + 1]++;
	is_int(feed(s, q, n), -E_BADLEN, "MS-Length too large");
	memcpy(q, p, n);
	q[OFF_MSLEN + 1]--;
	is_int(feed(s, q, n), -E_BADLEN, "MS-Length too small");

	memcpy(q, p, n);
	q[1]++;
	is_int(feed(s, q, n), -E_STATE, "wrong EAP Identifier");
	memcpy(q, p, n);
	q[OFF_MSID]++;
	is_int(feed(s, q, n), -E_STATE, "wrong MS-CHAPv2-ID");

	memcpy(q, p, n);
	q[5] = EAP_MSCHAPV2_OP_SUCCESS;
	is_int(feed(s, q, n), -E_STATE, "Success OpCode before success");
	q[5] = EAP_MSCHAPV2_OP_FAILURE;
	is_int(feed(s, q, n), -E_STATE, "Failure OpCode before failure");
	q[5] = EAP_MSCHAPV2_OP_CHALLENGE;
	is_int(feed(s, q, n), -E_SYNTAX, "Challenge OpCode in a Response");
	q[5] = 9;
	is_int(feed(s, q, n), -E_SYNTAX, "unknown OpCode");
	q[5] = EAP_MSCHAPV2_OP_CHANGE_PASSWORD;
	is_int(feed(s, q, n), -E_NOTSUP, "Change-Password unsupported");

	memcpy(q, p, n);
	q[OFF_VSIZE] = 48;
	is_int(feed(s, q, n), -E_BADLEN, "Value-Size 48");
	q[OFF_VSIZE] = 50;
	is_int(feed(s, q, n), -E_BADLEN, "Value-Size 50");

	/* Consistent lengths but no Name, or only part of the value. */
	memcpy(q, p, OFF_NAME);
	q[3] = OFF_NAME;
	q[OFF_MSLEN + 1] = OFF_NAME - 5;
	is_int(feed(s, q, OFF_NAME), -E_SYNTAX, "empty Name");
	q[3] = OFF_NTRESP;
	q[OFF_MSLEN + 1] = OFF_NTRESP - 5;
	is_int(feed(s, q, OFF_NTRESP), -E_SHORT, "value cut short");
	/* A 256-byte Name. */
	memcpy(q, p, OFF_NAME);
	memset(q + OFF_NAME, 'n', 256);
	q[2] = (uint8_t)((OFF_NAME + 256) >> 8);
	q[3] = (uint8_t)(OFF_NAME + 256);
	q[OFF_MSLEN] = (uint8_t)((OFF_NAME + 256 - 5) >> 8);
	q[OFF_MSLEN + 1] = (uint8_t)(OFF_NAME + 256 - 5);
	is_int(feed(s, q, OFF_NAME + 256), -E_RANGE, "Name too long");

	memcpy(q, p, n);
	q[0] = EAP_CODE_REQUEST;
	is_int(feed(s, q, n), -E_SYNTAX, "a Request from the peer");
	memcpy(q, p, n);
	q[4] = EAP_TYPE_IDENTITY;
	is_int(feed(s, q, n), -E_SYNTAX, "wrong EAP Type");
	memcpy(q, "\x02\x05\x00\x06\x03\x01", 6);
	is_int(feed(s, q, 6), -E_NOTSUP, "Nak");
	memcpy(q, "\x02\x05\x00\x05\x1a", 5);
	is_int(feed(s, q, 5), -E_SHORT, "no OpCode");

	/* Unknown-user lookups errors other than -E_NOENT are passed up. */
	lookup_error = -E_NOMEM;
	is_int(feed(s, p, n), -E_NOMEM, "lookup error returned");
	lookup_error = 0;

	/* None of the above moved the state: the good response still works. */
	is_int(eap_mschapv2_process(s, span_make(p, n), out, &st), 0,
	    "good response after the bad ones");
	is_int(st, EAP_MSCHAPV2_CONTINUE, "continue");
	ok(client_success(&cl, buf_span(out)) == 0, "and it succeeds");

	/*
	 * Every single-bit flip on a fresh server: no crash, never an
	 * unchanged out on error, and success only when the flip hit the
	 * reserved octets or the flags (ignored, RFC 2759 4).
	 */
	for (i = 0, bad = 0; i < n; i++) {
		for (bit = 0; bit < 8; bit++) {
			fresh(&s, &cl, resp);
			memcpy(q, buf_span(resp).p, n);
			q[i] ^= (uint8_t)(1u << bit);
			buf_reset(out);
			r = eap_mschapv2_process(s, span_make(q, n), out, &st);
			if (r < 0) {
				if (buf_len(out) != 0)
					bad++;
				continue;
			}
			if ((client_success(&cl, buf_span(out)) == 0) !=
			    ((i >= OFF_RESERVED && i < OFF_NTRESP) ||
			    i == OFF_FLAGS))
				bad++;
		}
	}
	is_int(bad, 0, "bit-flip sweep over %zu bits", n * 8);

	/* Out too small: -E_RANGE and the state kept. */
	fresh(&s, &cl, resp);
	buf_free(out);
	out = buf_new(20);
	is_int(eap_mschapv2_process(s, buf_span(resp), out, &st), -E_RANGE,
	    "reply does not fit");
	is_int(buf_len(out), 0, "nothing half-written");
	buf_free(out);
	out = buf_new(1500);
	is_int(eap_mschapv2_process(s, buf_span(resp), out, &st), 0,
	    "retry with room");
	ok(client_success(&cl, buf_span(out)) == 0, "succeeds");

	/* A Success response with a trailing byte; then the peer rejects
	 * our authenticator with a Failure response: no MSK. */
	buf_reset(resp);
	prev = client_ack(&cl, EAP_MSCHAPV2_OP_SUCCESS, resp);
	memcpy(q, buf_span(resp).p, 6);
	q[3] = 7;
	q[6] = 0;
	is_int(prev == 0 ? feed(s, q, 7) : prev, -E_TRAILING,
	    "Success response with a trailing byte");
	buf_reset(resp);
	buf_reset(out);
	is_int(client_ack(&cl, EAP_MSCHAPV2_OP_FAILURE, resp), 0, "nak");
	is_int(eap_mschapv2_process(s, buf_span(resp), out, &st), 0,
	    "Failure response after a Success request");
	is_int(st, EAP_MSCHAPV2_FAILURE, "peer rejected us: failure");
	{
		uint8_t msk[64];

		is_int(eap_mschapv2_msk(s, msk), -E_STATE, "no MSK");
	}

	eap_mschapv2_free(s);
	buf_free(resp);
	buf_free(out);
}

static void
check_api(void)
{
	struct eap_mschapv2 *s = NULL;
	struct buf *b = buf_new(1500);
	enum eap_mschapv2_status st;
	char name[300];

	is_int(eap_mschapv2_new("", lookup, NULL, &s), -E_INVAL, "empty name");
	memset(name, 'n', 256);
	name[256] = '\0';
	is_int(eap_mschapv2_new(name, lookup, NULL, &s), -E_INVAL,
	    "256-byte name");
	is_int(eap_mschapv2_new("x", NULL, NULL, &s), -E_INVAL, "no lookup");
	is_int(eap_mschapv2_new("x", lookup, NULL, &s), 0, "one-byte name");
	is_int(eap_mschapv2_process(s, span_make("\x02\x00\x00\x06\x1a\x03",
	    6), b, &st), -E_STATE, "process before start");
	eap_mschapv2_free(s);
	eap_mschapv2_free(NULL);
	buf_free(b);
}

int
main(void)
{
	struct buf *f1 = buf_new(1500), *f2 = buf_new(1500);
	size_t c1 = 0, c2 = 0;

	if (xform_init("auto") != 0)
		diag("xform_init failed");
	check_framing();
	check_api();
	check_success("alice", "alice-secret", 1);
	/* Plaintext password (hashed by the module), a non-ASCII BMP
	 * character, a domain prefix, and the Identifier wrapping. */
	check_success("EXAMPLE\\bob", "b\xc3\xb6" "b-pw", 0xff);

	lookups = 0;
	check_failure("alice", "wrong", f1, &c1);
	check_failure("mallory", "alice-secret", f2, &c2);
	is_int(lookups, 2, "the unknown user was looked up like the others");
	/* Unknown user and wrong password: the same reply but for C=. */
	ok(buf_len(f1) == buf_len(f2) && c1 == c2 &&
	    memcmp(buf_span(f1).p, buf_span(f2).p, c1) == 0 &&
	    memcmp(buf_span(f1).p + c1 + 32, buf_span(f2).p + c1 + 32,
	    buf_len(f1) - c1 - 32) == 0,
	    "unknown user indistinguishable from a wrong password");
	ok(memcmp(buf_span(f1).p + c1, buf_span(f2).p + c2, 32) != 0,
	    "fresh C= challenge each time");

	check_malformed();
	buf_free(f1);
	buf_free(f2);
	xform_cleanup();
	return done_testing();
}
