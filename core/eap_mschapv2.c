/*
 * eap_mschapv2.c: EAP-MSCHAPv2 server (draft-kamath-pppext-eap-mschapv2-02)
 * and the MS-CHAPv2 computations (RFC 2759 8, RFC 3079 3.4).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/ct.h"
#include "core/eap.h"
#include "core/eap_mschapv2.h"
#include "core/err.h"
#include "core/log.h"
#include "core/mschapv2_legacy.h"
#include "core/span.h"
#include "core/xform.h"

#define SHA1_LEN	20

/* draft-kamath 2: OpCode, MS-CHAPv2-ID and MS-Length precede the data. */
#define MS_HDR_LEN	4

/* RFC 2759 8.7. */
static const char auth_magic1[] = "Magic server to client signing constant";
static const char auth_magic2[] = "Pad to make it do more than one iteration";

/* RFC 3079 3.4. */
static const char mppe_magic1[] = "This is the MPPE Master Key";
static const char mppe_magic2[] = "On the client side, this is the send key; "
    "on the server side, it is the receive key.";
static const char mppe_magic3[] = "On the client side, this is the receive "
    "key; on the server side, it is the send key.";

#define SUCCESS_MSG	" M=Authentication succeeded"
#define FAILURE_HEAD	"E=691 R=0 C="
#define FAILURE_TAIL	" V=3 M=Authentication failed"

enum ms_state {
	ST_INIT,		/* nothing sent yet */
	ST_CHALLENGE,		/* Challenge sent, waiting for a Response */
	ST_SUCCESS_SENT,	/* Success request sent, waiting for the ack */
	ST_FAILURE_SENT,	/* Failure request sent, waiting for the ack */
	ST_DONE_OK,
	ST_DONE_FAIL,
};

struct eap_mschapv2 {
	enum ms_state		 state;
	uint8_t			 id;	/* of the outstanding request */
	uint8_t			 ms_id;	/* MS-CHAPv2-ID of the Challenge */
	uint8_t			 auth_chal[EAP_MSCHAPV2_CHALLENGE_LEN];
	uint8_t			 msk[EAP_MSCHAPV2_MSK_LEN];
	eap_mschapv2_lookup_fn	*lookup;
	void			*arg;
	size_t			 name_len;
	uint8_t			 name[EAP_MSCHAPV2_NAME_MAX];
};

static int
sha1(const struct span *v, size_t nv, uint8_t out[static SHA1_LEN])
{
	const struct xform_md *md;

	if ((md = xform_find_md(XFORM_HASH_SHA1)) == NULL ||
	    md->out_len != SHA1_LEN)
		return -E_NOTSUP;
	return md->digest(v, nv, out) == 0 ? 0 : -E_CRYPTO;
}

/* Writes n bytes as 2n upper-case hex digits (RFC 2759 5 wants A-F upper
 * case in the authenticator response; we use it for C= too). */
static void
hex_upper(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0xf];
	}
}

/*
 * Decodes one BMP code point from UTF-8 at *s. Returns it (>= 0), or
 * -E_SYNTAX for malformed, overlong or surrogate input and NUL, -E_NOTSUP
 * for code points beyond U+FFFF (RFC 3629 3 for the well-formed ranges).
 */
static long
utf8_next(struct span *s)
{
	uint8_t b0, b1, b2;

	if (span_get_u8(s, &b0) != 0)
		return -E_SYNTAX;
	if (b0 == 0)
		return -E_SYNTAX;
	if (b0 < 0x80)
		return b0;
	if (b0 >= 0xc2 && b0 <= 0xdf) {
		if (span_get_u8(s, &b1) != 0 || (b1 & 0xc0) != 0x80)
			return -E_SYNTAX;
		return (long)(b0 & 0x1f) << 6 | (b1 & 0x3f);
	}
	if (b0 >= 0xe0 && b0 <= 0xef) {
		if (span_get_u8(s, &b1) != 0 || (b1 & 0xc0) != 0x80 ||
		    span_get_u8(s, &b2) != 0 || (b2 & 0xc0) != 0x80)
			return -E_SYNTAX;
		/* E0 80..9F would be overlong, ED A0..BF a surrogate. */
		if ((b0 == 0xe0 && b1 < 0xa0) || (b0 == 0xed && b1 >= 0xa0))
			return -E_SYNTAX;
		return (long)(b0 & 0x0f) << 12 | (long)(b1 & 0x3f) << 6 |
		    (b2 & 0x3f);
	}
	if (b0 >= 0xf0 && b0 <= 0xf4)
		return -E_NOTSUP;
	return -E_SYNTAX;
}

int
eap_mschapv2_nt_hash(struct span password,
    uint8_t out[static EAP_MSCHAPV2_NT_HASH_LEN])
{
	uint8_t u16[2 * EAP_MSCHAPV2_PASSWORD_MAX];
	struct span v;
	size_t n = 0;
	long cp;
	int r = -E_INTERNAL;

	/* RFC 2759 8.3: MD4 over the Unicode (UTF-16LE) password. */
	while (!span_is_empty(password)) {
		if ((cp = utf8_next(&password)) < 0) {
			r = (int)cp;
			goto out;
		}
		if (n == EAP_MSCHAPV2_PASSWORD_MAX) {
			r = -E_RANGE;
			goto out;
		}
		u16[2 * n] = (uint8_t)cp;
		u16[2 * n + 1] = (uint8_t)(cp >> 8);
		n++;
	}
	v = span_make(u16, 2 * n);
	mschapv2_legacy_md4(&v, 1, out);
	r = 0;
out:
	ct_wipe(u16, sizeof(u16));
	ct_wipe(&cp, sizeof(cp));
	return r;
}

void
eap_mschapv2_hash_nt_hash(
    const uint8_t nt_hash[static EAP_MSCHAPV2_NT_HASH_LEN],
    uint8_t out[static EAP_MSCHAPV2_NT_HASH_LEN])
{
	struct span v = span_make(nt_hash, EAP_MSCHAPV2_NT_HASH_LEN);

	mschapv2_legacy_md4(&v, 1, out);
}

/* RFC 2759 8.2: only the user name, without a prepended domain, enters the
 * hash. strongSwan's extract_username cuts at the first backslash. */
static struct span
strip_domain(struct span name)
{
	const uint8_t *bs;

	if (name.len > 0 && (bs = memchr(name.p, '\\', name.len)) != NULL)
		return span_make(bs + 1, name.len - (size_t)(bs + 1 - name.p));
	return name;
}

int
eap_mschapv2_challenge_hash(
    const uint8_t peer_chal[static EAP_MSCHAPV2_CHALLENGE_LEN],
    const uint8_t auth_chal[static EAP_MSCHAPV2_CHALLENGE_LEN],
    struct span username, uint8_t out[static EAP_MSCHAPV2_CHALLENGE_HASH_LEN])
{
	struct span v[3];
	uint8_t d[SHA1_LEN];
	int r;

	v[0] = span_make(peer_chal, EAP_MSCHAPV2_CHALLENGE_LEN);
	v[1] = span_make(auth_chal, EAP_MSCHAPV2_CHALLENGE_LEN);
	v[2] = strip_domain(username);
	if ((r = sha1(v, 3, d)) == 0)
		memcpy(out, d, EAP_MSCHAPV2_CHALLENGE_HASH_LEN);
	ct_wipe(d, sizeof(d));
	return r;
}

void
eap_mschapv2_challenge_response(
    const uint8_t challenge[static EAP_MSCHAPV2_CHALLENGE_HASH_LEN],
    const uint8_t nt_hash[static EAP_MSCHAPV2_NT_HASH_LEN],
    uint8_t out[static EAP_MSCHAPV2_NT_RESPONSE_LEN])
{
	uint8_t z[21], k8[8];
	int i;

	/* RFC 2759 8.5: the hash zero-padded to 21 bytes gives three 56-bit
	 * DES keys (8.6 DesEncrypt), each encrypting the challenge. */
	memset(z, 0, sizeof(z));
	memcpy(z, nt_hash, EAP_MSCHAPV2_NT_HASH_LEN);
	for (i = 0; i < 3; i++) {
		mschapv2_legacy_des_key56(z + 7 * i, k8);
		mschapv2_legacy_des_encrypt(k8, challenge, out + 8 * i);
	}
	ct_wipe(z, sizeof(z));
	ct_wipe(k8, sizeof(k8));
}

int
eap_mschapv2_nt_response(
    const uint8_t auth_chal[static EAP_MSCHAPV2_CHALLENGE_LEN],
    const uint8_t peer_chal[static EAP_MSCHAPV2_CHALLENGE_LEN],
    struct span username,
    const uint8_t nt_hash[static EAP_MSCHAPV2_NT_HASH_LEN],
    uint8_t out[static EAP_MSCHAPV2_NT_RESPONSE_LEN])
{
	uint8_t ch[EAP_MSCHAPV2_CHALLENGE_HASH_LEN];
	int r;

	/* RFC 2759 8.1: GenerateNTResponse. */
	if ((r = eap_mschapv2_challenge_hash(peer_chal, auth_chal, username,
	    ch)) != 0)
		return r;
	eap_mschapv2_challenge_response(ch, nt_hash, out);
	ct_wipe(ch, sizeof(ch));
	return 0;
}

int
eap_mschapv2_auth_response(
    const uint8_t nt_hash[static EAP_MSCHAPV2_NT_HASH_LEN],
    const uint8_t nt_response[static EAP_MSCHAPV2_NT_RESPONSE_LEN],
    const uint8_t peer_chal[static EAP_MSCHAPV2_CHALLENGE_LEN],
    const uint8_t auth_chal[static EAP_MSCHAPV2_CHALLENGE_LEN],
    struct span username, uint8_t out[static EAP_MSCHAPV2_AUTH_RESPONSE_LEN])
{
	uint8_t hh[EAP_MSCHAPV2_NT_HASH_LEN], d[SHA1_LEN];
	uint8_t ch[EAP_MSCHAPV2_CHALLENGE_HASH_LEN];
	struct span v[3];
	int r = -E_INTERNAL;

	/* RFC 2759 8.7: SHA1(SHA1(HashHash | NT-Response | Magic1) |
	 * ChallengeHash | Magic2). */
	eap_mschapv2_hash_nt_hash(nt_hash, hh);
	v[0] = span_make(hh, sizeof(hh));
	v[1] = span_make(nt_response, EAP_MSCHAPV2_NT_RESPONSE_LEN);
	v[2] = span_make(auth_magic1, sizeof(auth_magic1) - 1);
	if ((r = sha1(v, 3, d)) != 0)
		goto out;
	if ((r = eap_mschapv2_challenge_hash(peer_chal, auth_chal, username,
	    ch)) != 0)
		goto out;
	v[0] = span_make(d, sizeof(d));
	v[1] = span_make(ch, sizeof(ch));
	v[2] = span_make(auth_magic2, sizeof(auth_magic2) - 1);
	if ((r = sha1(v, 3, out)) != 0)
		goto out;
	r = 0;
out:
	ct_wipe(hh, sizeof(hh));
	ct_wipe(d, sizeof(d));
	ct_wipe(ch, sizeof(ch));
	return r;
}

int
eap_mschapv2_master_key(
    const uint8_t nt_hash_hash[static EAP_MSCHAPV2_NT_HASH_LEN],
    const uint8_t nt_response[static EAP_MSCHAPV2_NT_RESPONSE_LEN],
    uint8_t out[static EAP_MSCHAPV2_MASTER_KEY_LEN])
{
	uint8_t d[SHA1_LEN];
	struct span v[3];
	int r;

	/* RFC 3079 3.4 GetMasterKey. */
	v[0] = span_make(nt_hash_hash, EAP_MSCHAPV2_NT_HASH_LEN);
	v[1] = span_make(nt_response, EAP_MSCHAPV2_NT_RESPONSE_LEN);
	v[2] = span_make(mppe_magic1, sizeof(mppe_magic1) - 1);
	if ((r = sha1(v, 3, d)) == 0)
		memcpy(out, d, EAP_MSCHAPV2_MASTER_KEY_LEN);
	ct_wipe(d, sizeof(d));
	return r;
}

int
eap_mschapv2_start_key(
    const uint8_t master_key[static EAP_MSCHAPV2_MASTER_KEY_LEN],
    int is_send, int is_server,
    uint8_t out[static EAP_MSCHAPV2_MASTER_KEY_LEN])
{
	static const uint8_t pad1[40];
	uint8_t pad2[40], d[SHA1_LEN];
	struct span v[4];
	const char *magic;
	int r;

	/* RFC 3079 3.4 GetAsymmetricStartKey: Magic3 is the server's send
	 * key and the client's receive key, Magic2 the other direction. */
	if (is_send)
		magic = is_server ? mppe_magic3 : mppe_magic2;
	else
		magic = is_server ? mppe_magic2 : mppe_magic3;
	memset(pad2, 0xf2, sizeof(pad2));
	v[0] = span_make(master_key, EAP_MSCHAPV2_MASTER_KEY_LEN);
	v[1] = span_make(pad1, sizeof(pad1));
	v[2] = span_str(magic);
	v[3] = span_make(pad2, sizeof(pad2));
	if ((r = sha1(v, 4, d)) == 0)
		memcpy(out, d, EAP_MSCHAPV2_MASTER_KEY_LEN);
	ct_wipe(d, sizeof(d));
	return r;
}

int
eap_mschapv2_msk_derive(const uint8_t nt_hash[static EAP_MSCHAPV2_NT_HASH_LEN],
    const uint8_t nt_response[static EAP_MSCHAPV2_NT_RESPONSE_LEN],
    uint8_t out[static EAP_MSCHAPV2_MSK_LEN])
{
	uint8_t hh[EAP_MSCHAPV2_NT_HASH_LEN], mk[EAP_MSCHAPV2_MASTER_KEY_LEN];
	int r = -E_INTERNAL;

	/*
	 * strongSwan src/libcharon/plugins/eap_mschapv2/eap_mschapv2.c,
	 * GenerateMSK(): master_receive_key = SHA1(MasterKey | pad1 | Magic2
	 * | pad2), master_send_key = the same with Magic3, both cut to 16
	 * bytes, and MSK = receive | send | 16 zero bytes | 16 zero bytes.
	 * Both its peer and its server call it, so it is oriented for the
	 * server: RFC 3079 3.4 gives the server Magic2 for receiving.
	 */
	memset(out, 0, EAP_MSCHAPV2_MSK_LEN);
	eap_mschapv2_hash_nt_hash(nt_hash, hh);
	if ((r = eap_mschapv2_master_key(hh, nt_response, mk)) != 0 ||
	    (r = eap_mschapv2_start_key(mk, 0, 1, out)) != 0 ||
	    (r = eap_mschapv2_start_key(mk, 1, 1, out + 16)) != 0)
		goto out;
	r = 0;
out:
	if (r != 0)
		ct_wipe(out, EAP_MSCHAPV2_MSK_LEN);
	ct_wipe(hh, sizeof(hh));
	ct_wipe(mk, sizeof(mk));
	return r;
}

int
eap_mschapv2_new(const char *server_name, eap_mschapv2_lookup_fn *lookup,
    void *arg, struct eap_mschapv2 **out)
{
	struct eap_mschapv2 *s;
	size_t len;

	if (server_name == NULL || lookup == NULL)
		return -E_INVAL;
	len = strlen(server_name);
	if (len == 0 || len > EAP_MSCHAPV2_NAME_MAX)
		return -E_INVAL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -E_NOMEM;
	s->state = ST_INIT;
	s->lookup = lookup;
	s->arg = arg;
	s->name_len = len;
	memcpy(s->name, server_name, len);
	*out = s;
	return 0;
}

void
eap_mschapv2_free(struct eap_mschapv2 *s)
{
	if (s == NULL)
		return;
	ct_wipe(s, sizeof(*s));
	free(s);
}

/*
 * Appends an EAP-MSCHAPv2 Request: EAP header, Type 26, OpCode,
 * MS-CHAPv2-ID, MS-Length (EAP Length - 5, draft-kamath 2), then the nv
 * spans of v.
 */
static int
ms_request(struct eap_mschapv2 *s, struct buf *out, uint8_t id, uint8_t op,
    const struct span *v, size_t nv)
{
	struct span all[4];
	uint8_t hdr[MS_HDR_LEN];
	size_t i, len = MS_HDR_LEN;

	if (nv > 3)
		return -E_INTERNAL;
	for (i = 0; i < nv; i++)
		len += v[i].len;
	if (len > EAP_MAX_LEN - EAP_HDR_LEN - 1)
		return -E_RANGE;
	hdr[0] = op;
	hdr[1] = s->ms_id;
	hdr[2] = (uint8_t)(len >> 8);
	hdr[3] = (uint8_t)len;
	all[0] = span_make(hdr, sizeof(hdr));
	for (i = 0; i < nv; i++)
		all[i + 1] = v[i];
	return eap_build(out, EAP_CODE_REQUEST, id, EAP_TYPE_MSCHAPV2, all,
	    nv + 1);
}

int
eap_mschapv2_start(struct eap_mschapv2 *s, uint8_t id, struct buf *out)
{
	struct span v[3];
	uint8_t vsize = EAP_MSCHAPV2_CHALLENGE_LEN;
	int r;

	if (s->state != ST_INIT)
		return -E_STATE;
	/* Fail now rather than after the peer answered. */
	if (xform_find_md(XFORM_HASH_SHA1) == NULL)
		return -E_NOTSUP;
	if ((r = xform_random(s->auth_chal, sizeof(s->auth_chal))) != 0)
		return r;
	s->ms_id = id;
	/* draft-kamath 2.1: Value-Size 16, the challenge, our Name. */
	v[0] = span_make(&vsize, 1);
	v[1] = span_make(s->auth_chal, sizeof(s->auth_chal));
	v[2] = span_make(s->name, s->name_len);
	if ((r = ms_request(s, out, id, EAP_MSCHAPV2_OP_CHALLENGE, v, 3)) != 0)
		return r;
	s->id = id;
	s->state = ST_CHALLENGE;
	return 0;
}

/*
 * Handles a Response (draft-kamath 2.2): data is the Type-Data from the
 * OpCode on. Verifies the NT-Response and appends the Success or Failure
 * request.
 */
static int
on_response(struct eap_mschapv2 *s, struct span data, struct buf *out)
{
	struct eap_mschapv2_cred cred;
	struct span d = data, value, name, v[2];
	uint8_t op, ms_id, vsize, known, match;
	uint8_t nt_hash[EAP_MSCHAPV2_NT_HASH_LEN];
	uint8_t dummy[EAP_MSCHAPV2_NT_HASH_LEN];
	uint8_t expect[EAP_MSCHAPV2_NT_RESPONSE_LEN];
	uint8_t auth[EAP_MSCHAPV2_AUTH_RESPONSE_LEN];
	uint8_t msk[EAP_MSCHAPV2_MSK_LEN], chal[EAP_MSCHAPV2_CHALLENGE_LEN];
	char msg[sizeof(FAILURE_HEAD) + 2 * EAP_MSCHAPV2_CHALLENGE_LEN +
	    sizeof(FAILURE_TAIL) + sizeof(SUCCESS_MSG)];
	const uint8_t *peer_chal, *nt_resp;
	uint16_t ms_len;
	size_t mlen;
	int r = -E_INTERNAL;

	memset(&cred, 0, sizeof(cred));
	if ((r = span_get_u8(&d, &op)) != 0 ||
	    (r = span_get_u8(&d, &ms_id)) != 0 ||
	    (r = span_get_u16(&d, &ms_len)) != 0)
		goto out;
	/* MS-Length counts from the OpCode: EAP Length - 5. */
	if (ms_len != data.len) {
		r = -E_BADLEN;
		goto out;
	}
	if (ms_id != s->ms_id) {
		r = -E_STATE;
		goto out;
	}
	if ((r = span_get_u8(&d, &vsize)) != 0)
		goto out;
	if (vsize != EAP_MSCHAPV2_RESPONSE_LEN) {
		r = -E_BADLEN;
		goto out;
	}
	if ((r = span_get_bytes(&d, EAP_MSCHAPV2_RESPONSE_LEN, &value)) != 0)
		goto out;
	name = d;
	if (span_is_empty(name)) {
		r = -E_SYNTAX;
		goto out;
	}
	if (name.len > EAP_MSCHAPV2_NAME_MAX) {
		r = -E_RANGE;
		goto out;
	}
	/*
	 * RFC 2759 4: Peer-Challenge (16), Reserved (8, zero), NT-Response
	 * (24), Flags (1, zero). The reserved octets and flags are ignored
	 * rather than enforced: they carry nothing we use.
	 */
	peer_chal = value.p;
	nt_resp = value.p + 24;

	/*
	 * An unknown user goes through the same computation with a random
	 * stand-in hash and gets the same Failure request, so neither the
	 * reply nor (beyond the lookup itself) its timing tells the two
	 * cases apart. The stand-in is drawn in both cases for that reason.
	 */
	if ((r = xform_random(dummy, sizeof(dummy))) != 0)
		goto out;
	r = s->lookup(s->arg, name, &cred);
	if (r != 0 && r != -E_NOENT)
		goto out;
	known = r == 0;
	if (!known)
		memcpy(nt_hash, dummy, sizeof(nt_hash));
	else if (cred.password.p != NULL) {
		if ((r = eap_mschapv2_nt_hash(cred.password, nt_hash)) != 0)
			goto out;
	} else
		memcpy(nt_hash, cred.nt_hash, sizeof(nt_hash));

	if ((r = eap_mschapv2_nt_response(s->auth_chal, peer_chal, name,
	    nt_hash, expect)) != 0 ||
	    (r = eap_mschapv2_auth_response(nt_hash, nt_resp, peer_chal,
	    s->auth_chal, name, auth)) != 0 ||
	    (r = eap_mschapv2_msk_derive(nt_hash, nt_resp, msk)) != 0)
		goto out;
	match = (uint8_t)(ct_memeq(expect, nt_resp, sizeof(expect)) & known);

	if (match) {
		/* RFC 2759 5: "S=<40 hex digits> M=<message>". */
		memcpy(msg, "S=", 2);
		hex_upper(auth, sizeof(auth), msg + 2);
		memcpy(msg + 2 + 2 * sizeof(auth), SUCCESS_MSG,
		    sizeof(SUCCESS_MSG) - 1);
		mlen = 2 + 2 * sizeof(auth) + sizeof(SUCCESS_MSG) - 1;
		v[0] = span_make(msg, mlen);
		if ((r = ms_request(s, out, (uint8_t)(s->id + 1),
		    EAP_MSCHAPV2_OP_SUCCESS, v, 1)) != 0)
			goto out;
		memcpy(s->msk, msk, sizeof(msk));
		s->state = ST_SUCCESS_SENT;
	} else {
		/*
		 * RFC 2759 6: the C= field must hold a 32-digit challenge
		 * even though R=0 rules out a retry; send a fresh one, never
		 * the challenge the peer just answered.
		 */
		if ((r = xform_random(chal, sizeof(chal))) != 0)
			goto out;
		mlen = sizeof(FAILURE_HEAD) - 1;
		memcpy(msg, FAILURE_HEAD, mlen);
		hex_upper(chal, sizeof(chal), msg + mlen);
		mlen += 2 * sizeof(chal);
		memcpy(msg + mlen, FAILURE_TAIL, sizeof(FAILURE_TAIL) - 1);
		mlen += sizeof(FAILURE_TAIL) - 1;
		v[0] = span_make(msg, mlen);
		if ((r = ms_request(s, out, (uint8_t)(s->id + 1),
		    EAP_MSCHAPV2_OP_FAILURE, v, 1)) != 0)
			goto out;
		log_debug(SUB_IKE, "EAP-MSCHAPv2 response rejected");
		s->state = ST_FAILURE_SENT;
	}
	s->id++;
	r = 0;
out:
	ct_wipe(&cred, sizeof(cred));
	ct_wipe(nt_hash, sizeof(nt_hash));
	ct_wipe(dummy, sizeof(dummy));
	ct_wipe(expect, sizeof(expect));
	ct_wipe(auth, sizeof(auth));
	ct_wipe(msk, sizeof(msk));
	ct_wipe(chal, sizeof(chal));
	ct_wipe(msg, sizeof(msg));
	return r;
}

/* Ends the exchange with EAP-Success or EAP-Failure answering Response id
 * (RFC 3748 4.2). */
static int
finish(struct eap_mschapv2 *s, struct buf *out, int success,
    enum eap_mschapv2_status *st)
{
	int r;

	if ((r = eap_build_result(out, success ? EAP_CODE_SUCCESS :
	    EAP_CODE_FAILURE, s->id)) != 0)
		return r;
	if (success) {
		s->state = ST_DONE_OK;
		*st = EAP_MSCHAPV2_SUCCESS;
	} else {
		ct_wipe(s->msk, sizeof(s->msk));
		s->state = ST_DONE_FAIL;
		*st = EAP_MSCHAPV2_FAILURE;
	}
	ct_wipe(s->auth_chal, sizeof(s->auth_chal));
	return 0;
}

int
eap_mschapv2_process(struct eap_mschapv2 *s, struct span in, struct buf *out,
    enum eap_mschapv2_status *st)
{
	struct eap_pkt pkt;
	struct span d;
	uint8_t op;
	int r;

	if (s->state == ST_INIT || s->state == ST_DONE_OK ||
	    s->state == ST_DONE_FAIL)
		return -E_STATE;
	if ((r = eap_parse(in, &pkt)) != 0)
		return r;
	if (pkt.code != EAP_CODE_RESPONSE)
		return -E_SYNTAX;
	/* RFC 3748 4.1: a Response must match the outstanding Request. */
	if (pkt.id != s->id)
		return -E_STATE;
	if (pkt.type == EAP_TYPE_NAK)
		return -E_NOTSUP;
	if (pkt.type != EAP_TYPE_MSCHAPV2)
		return -E_SYNTAX;
	d = pkt.data;
	if ((r = span_get_u8(&d, &op)) != 0)
		return r;

	switch (op) {
	case EAP_MSCHAPV2_OP_RESPONSE:
		if (s->state != ST_CHALLENGE)
			return -E_STATE;
		if ((r = on_response(s, pkt.data, out)) != 0)
			return r;
		*st = EAP_MSCHAPV2_CONTINUE;
		return 0;
	case EAP_MSCHAPV2_OP_SUCCESS:
		/* draft-kamath 2.4: the Success Response is the OpCode. */
		if (s->state != ST_SUCCESS_SENT)
			return -E_STATE;
		if (!span_is_empty(d))
			return -E_TRAILING;
		return finish(s, out, 1, st);
	case EAP_MSCHAPV2_OP_FAILURE:
		/*
		 * draft-kamath 2.6: the Failure Response is the OpCode. After
		 * a Success request it means the peer rejected our
		 * authenticator response.
		 */
		if (s->state != ST_FAILURE_SENT && s->state != ST_SUCCESS_SENT)
			return -E_STATE;
		if (!span_is_empty(d))
			return -E_TRAILING;
		return finish(s, out, 0, st);
	case EAP_MSCHAPV2_OP_CHANGE_PASSWORD:
		return -E_NOTSUP;
	default:
		return -E_SYNTAX;
	}
}

int
eap_mschapv2_msk(const struct eap_mschapv2 *s,
    uint8_t msk[static EAP_MSCHAPV2_MSK_LEN])
{
	if (s->state != ST_DONE_OK)
		return -E_STATE;
	memcpy(msk, s->msk, EAP_MSCHAPV2_MSK_LEN);
	return 0;
}

/* The peer side. */

enum peer_state {
	PEER_WAIT,		/* no Challenge answered yet */
	PEER_RESPONDED,		/* our Response sent */
	PEER_VERIFIED,		/* "S=" checked, Success response sent */
	PEER_DONE,		/* Failure response sent */
};

struct eap_mschapv2_peer {
	enum peer_state		 state;
	eap_mschapv2_rand_fn	*rnd;
	uint8_t			 nt_hash[EAP_MSCHAPV2_NT_HASH_LEN];
	uint8_t			 auth_want[EAP_MSCHAPV2_AUTH_RESPONSE_LEN];
	uint8_t			 msk[EAP_MSCHAPV2_MSK_LEN];
	size_t			 name_len;
	uint8_t			 name[EAP_MSCHAPV2_NAME_MAX];
};

int
eap_mschapv2_peer_new(struct span name,
    const uint8_t nt_hash[static EAP_MSCHAPV2_NT_HASH_LEN],
    eap_mschapv2_rand_fn *rnd, struct eap_mschapv2_peer **out)
{
	struct eap_mschapv2_peer *p;

	if (name.len == 0 || name.len > EAP_MSCHAPV2_NAME_MAX)
		return -E_INVAL;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return -E_NOMEM;
	p->state = PEER_WAIT;
	p->rnd = rnd != NULL ? rnd : xform_random;
	memcpy(p->nt_hash, nt_hash, sizeof(p->nt_hash));
	memcpy(p->name, name.p, name.len);
	p->name_len = name.len;
	*out = p;
	return 0;
}

void
eap_mschapv2_peer_free(struct eap_mschapv2_peer *p)
{
	if (p == NULL)
		return;
	ct_wipe(p, sizeof(*p));
	free(p);
}

/* Decodes the 40 hex digits after "S=" (RFC 2759 5: upper case; lower
 * case accepted) into out, requiring nothing or " M=..." after them. */
static int
parse_s(struct span msg, uint8_t out[static EAP_MSCHAPV2_AUTH_RESPONSE_LEN])
{
	size_t i, n = 2 + 2 * EAP_MSCHAPV2_AUTH_RESPONSE_LEN;
	int c, v[2], k;

	if (msg.len < n || msg.p[0] != 'S' || msg.p[1] != '=')
		return -E_SYNTAX;
	for (i = 0; i < EAP_MSCHAPV2_AUTH_RESPONSE_LEN; i++) {
		for (k = 0; k < 2; k++) {
			c = msg.p[2 + 2 * i + (size_t)k];
			if (c >= '0' && c <= '9')
				v[k] = c - '0';
			else if (c >= 'A' && c <= 'F')
				v[k] = c - 'A' + 10;
			else if (c >= 'a' && c <= 'f')
				v[k] = c - 'a' + 10;
			else
				return -E_SYNTAX;
		}
		out[i] = (uint8_t)(v[0] << 4 | v[1]);
	}
	if (msg.len > n && msg.p[n] != ' ')
		return -E_SYNTAX;
	return 0;
}

/* Appends a Response whose Type-Data is the OpCode alone (draft-kamath
 * 2.4 and 2.6: the Success and Failure responses). */
static int
peer_opcode(struct buf *out, uint8_t id, uint8_t op)
{
	struct span v = span_make(&op, 1);

	return eap_build(out, EAP_CODE_RESPONSE, id, EAP_TYPE_MSCHAPV2, &v, 1);
}

/* The Response to a Challenge (draft-kamath 2.2; RFC 2759 4). */
static int
peer_challenge(struct eap_mschapv2_peer *p, uint8_t id, uint8_t ms_id,
    struct span d, struct buf *out)
{
	struct span chal, v[4], name = span_make(p->name, p->name_len);
	uint8_t vsize, hdr[MS_HDR_LEN], value[EAP_MSCHAPV2_RESPONSE_LEN];
	uint8_t want[EAP_MSCHAPV2_AUTH_RESPONSE_LEN];
	uint8_t msk[EAP_MSCHAPV2_MSK_LEN];
	size_t len;
	int r = -E_INTERNAL;

	memset(value, 0, sizeof(value));
	if (span_get_u8(&d, &vsize) != 0 ||
	    vsize != EAP_MSCHAPV2_CHALLENGE_LEN ||
	    span_get_bytes(&d, EAP_MSCHAPV2_CHALLENGE_LEN, &chal) != 0) {
		r = -E_BADLEN;
		goto out;
	}
	/* The rest is the server's Name, which we do not use. Value:
	 * Peer-Challenge, 8 reserved zero octets, NT-Response, Flags 0. What
	 * the server must answer and the MSK are computed now, so that no
	 * challenge needs keeping. */
	if (p->rnd(value, EAP_MSCHAPV2_CHALLENGE_LEN) != 0) {
		r = -E_CRYPTO;
		goto out;
	}
	if ((r = eap_mschapv2_nt_response(chal.p, value, name, p->nt_hash,
	    value + 24)) != 0 ||
	    (r = eap_mschapv2_auth_response(p->nt_hash, value + 24, value,
	    chal.p, name, want)) != 0 ||
	    (r = eap_mschapv2_msk_derive(p->nt_hash, value + 24, msk)) != 0)
		goto out;
	len = MS_HDR_LEN + 1 + sizeof(value) + name.len;
	hdr[0] = EAP_MSCHAPV2_OP_RESPONSE;
	hdr[1] = ms_id;
	hdr[2] = (uint8_t)(len >> 8);
	hdr[3] = (uint8_t)len;
	vsize = EAP_MSCHAPV2_RESPONSE_LEN;
	v[0] = span_make(hdr, sizeof(hdr));
	v[1] = span_make(&vsize, 1);
	v[2] = span_make(value, sizeof(value));
	v[3] = name;
	if ((r = eap_build(out, EAP_CODE_RESPONSE, id, EAP_TYPE_MSCHAPV2, v,
	    4)) != 0)
		goto out;
	memcpy(p->auth_want, want, sizeof(want));
	memcpy(p->msk, msk, sizeof(msk));
	p->state = PEER_RESPONDED;
	r = 0;
out:
	ct_wipe(value, sizeof(value));
	ct_wipe(want, sizeof(want));
	ct_wipe(msk, sizeof(msk));
	return r;
}

int
eap_mschapv2_peer_process(struct eap_mschapv2_peer *p, struct span in,
    struct buf *out, enum eap_mschapv2_peer_status *st)
{
	uint8_t got[EAP_MSCHAPV2_AUTH_RESPONSE_LEN];
	struct eap_pkt pkt;
	struct span d;
	uint8_t op, ms_id;
	uint16_t ms_len;
	int r;

	if ((r = eap_parse(in, &pkt)) != 0)
		return r;
	if (pkt.code != EAP_CODE_REQUEST || pkt.type != EAP_TYPE_MSCHAPV2)
		return -E_SYNTAX;
	d = pkt.data;
	if ((r = span_get_u8(&d, &op)) != 0 ||
	    (r = span_get_u8(&d, &ms_id)) != 0 ||
	    (r = span_get_u16(&d, &ms_len)) != 0)
		return r;
	/* MS-Length counts from the OpCode: EAP Length - 5. */
	if (ms_len != pkt.data.len)
		return -E_BADLEN;
	*st = EAP_MSCHAPV2_PEER_CONTINUE;
	switch (op) {
	case EAP_MSCHAPV2_OP_CHALLENGE:
		/* One attempt: no answer to a second Challenge. */
		if (p->state != PEER_WAIT)
			return -E_STATE;
		return peer_challenge(p, pkt.id, ms_id, d, out);
	case EAP_MSCHAPV2_OP_SUCCESS:
		if (p->state != PEER_RESPONDED)
			return -E_STATE;
		/* RFC 2759 8.7: the server proves it knows the password. */
		if (parse_s(d, got) == 0 &&
		    ct_memeq(got, p->auth_want, sizeof(got))) {
			if ((r = peer_opcode(out, pkt.id,
			    EAP_MSCHAPV2_OP_SUCCESS)) != 0)
				return r;
			p->state = PEER_VERIFIED;
			return 0;
		}
		if ((r = peer_opcode(out, pkt.id,
		    EAP_MSCHAPV2_OP_FAILURE)) != 0)
			return r;
		ct_wipe(p->msk, sizeof(p->msk));
		p->state = PEER_DONE;
		*st = EAP_MSCHAPV2_PEER_BAD_SERVER;
		return 0;
	case EAP_MSCHAPV2_OP_FAILURE:
		/* RFC 2759 6: "E=691 R=0 ...", the password was refused. */
		if (p->state != PEER_RESPONDED)
			return -E_STATE;
		if ((r = peer_opcode(out, pkt.id,
		    EAP_MSCHAPV2_OP_FAILURE)) != 0)
			return r;
		ct_wipe(p->msk, sizeof(p->msk));
		p->state = PEER_DONE;
		*st = EAP_MSCHAPV2_PEER_REFUSED;
		return 0;
	case EAP_MSCHAPV2_OP_CHANGE_PASSWORD:
		return -E_NOTSUP;
	default:
		return -E_SYNTAX;
	}
}

int
eap_mschapv2_peer_msk(const struct eap_mschapv2_peer *p,
    uint8_t msk[static EAP_MSCHAPV2_MSK_LEN])
{
	if (p->state != PEER_VERIFIED)
		return -E_STATE;
	memcpy(msk, p->msk, EAP_MSCHAPV2_MSK_LEN);
	return 0;
}
