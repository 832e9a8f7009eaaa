/* session.c: one resumable session: credentials, identity, authorization,
 * counters, and its `ikectl show sessions` forms. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ct.h"
#include "core/err.h"
#include "core/session.h"
#include "core/xform.h"

struct session {
	char		 id[SESSION_ID_LEN + 1];	/* "" until added */
	uint8_t		 token[SESSION_TOKEN_LEN];	/* secret, hex ASCII */
	uint8_t		 idi_type;
	uint8_t		*idi;
	size_t		 idi_len;
	uint8_t		*eap_id;
	size_t		 eap_id_len;
	char		*profile;
	char		*policy;			/* or NULL */
	struct session_addr addrs[SESSION_MAX_ADDRS];
	size_t		 naddrs;
	struct pool_addr peer;			/* family 0: none */
	uint16_t	 peer_port;
	unsigned	 caps;
	enum session_state state;
	uint32_t	 resumes;
	uint64_t	 created, last_active, idle_since, deadline;
	struct session_counters carried, live;
	void		*owner;
	struct session_dblink dblink;
};

/* IKEv2 identification types (RFC 7296 3.5) as `show` prints them. */
#define ID_IPV4_ADDR	1
#define ID_FQDN		2
#define ID_RFC822_ADDR	3
#define ID_IPV6_ADDR	5
#define ID_KEY_ID	11

static const char letters[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/*
 * Writes the lowercase hex of n bytes at in to out (2n bytes). The digit
 * is computed without a table or a branch, so encoding a secret leaks
 * nothing through the cache or the branch predictor: for a nibble v,
 * (9 - v) converted to unsigned has its top bit set exactly when v > 9,
 * and then the distance from '9' + 1 to 'a' (39) is added.
 */
static uint8_t
hex_digit(unsigned v)
{
	unsigned gt9 = (9u - v) >> (sizeof(unsigned) * 8 - 1);

	return (uint8_t)('0' + v + ((0u - gt9) & 39u));
}

static void
hex_ct(const uint8_t *in, size_t n, uint8_t *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex_digit(in[i] >> 4);
		out[2 * i + 1] = hex_digit(in[i] & 0x0fu);
	}
}

/* Fills tok (SESSION_TOKEN_LEN bytes) with a fresh token. */
static int
new_token(uint8_t tok[static SESSION_TOKEN_LEN])
{
	uint8_t raw[SESSION_TOKEN_BYTES];
	int r = -E_INTERNAL;

	if (xform_random(raw, sizeof(raw)) != 0) {
		r = -E_CRYPTO;
		goto out;
	}
	hex_ct(raw, sizeof(raw), tok);
	r = 0;
 out:
	ct_wipe(raw, sizeof(raw));
	return r;
}

static int
set_sockaddr(struct pool_addr *a, uint16_t *port, const struct sockaddr *sa)
{
	const struct sockaddr_in *sin;
	const struct sockaddr_in6 *sin6;

	memset(a, 0, sizeof(*a));
	if (sa->sa_family == AF_INET) {
		sin = (const struct sockaddr_in *)(const void *)sa;
		a->family = AF_INET;
		memcpy(a->a, &sin->sin_addr, 4);
		*port = ntohs(sin->sin_port);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		sin6 = (const struct sockaddr_in6 *)(const void *)sa;
		a->family = AF_INET6;
		memcpy(a->a, &sin6->sin6_addr, 16);
		*port = ntohs(sin6->sin6_port);
		return 0;
	}
	return -E_INVAL;
}

static int
copy_bytes(struct span in, size_t max, uint8_t **out, size_t *len)
{
	if (in.len > max)
		return -E_RANGE;
	*len = in.len;
	if (in.len == 0) {
		*out = NULL;
		return 0;
	}
	if ((*out = malloc(in.len)) == NULL)
		return -E_NOMEM;
	memcpy(*out, in.p, in.len);
	return 0;
}

static int
copy_name(const char *in, char **out)
{
	size_t n;

	*out = NULL;
	if (in == NULL)
		return 0;
	if ((n = strlen(in)) > SESSION_NAME_MAX)
		return -E_RANGE;
	if ((*out = malloc(n + 1)) == NULL)
		return -E_NOMEM;
	memcpy(*out, in, n + 1);
	return 0;
}

int
session_new(const struct session_params *p, struct session **out)
{
	struct session *s = NULL;
	size_t i;
	int r = -E_INTERNAL;

	if (p->idi_type == 0 || p->profile == NULL ||
	    p->naddrs > SESSION_MAX_ADDRS || (p->naddrs > 0 &&
	    p->addrs == NULL) ||
	    (p->caps & ~(SESSION_CAP_DPD | SESSION_CAP_NATT)) != 0) {
		r = -E_INVAL;
		goto out;
	}
	for (i = 0; i < p->naddrs; i++)
		if (pool_addr_len(&p->addrs[i].addr) == 0) {
			r = -E_INVAL;
			goto out;
		}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		r = -E_NOMEM;
		goto out;
	}
	if ((r = copy_bytes(p->idi, SESSION_IDI_MAX, &s->idi,
	    &s->idi_len)) != 0 ||
	    (r = copy_bytes(p->eap_identity, SESSION_EAP_ID_MAX, &s->eap_id,
	    &s->eap_id_len)) != 0 ||
	    (r = copy_name(p->profile, &s->profile)) != 0 ||
	    (r = copy_name(p->policy, &s->policy)) != 0)
		goto out;
	if (p->peer != NULL &&
	    (r = set_sockaddr(&s->peer, &s->peer_port, p->peer)) != 0)
		goto out;
	if ((r = new_token(s->token)) != 0)
		goto out;
	s->idi_type = p->idi_type;
	for (i = 0; i < p->naddrs; i++)
		s->addrs[i] = p->addrs[i];
	s->naddrs = p->naddrs;
	s->caps = p->caps;
	s->state = SESSION_ACTIVE;
	*out = s;
	s = NULL;
	r = 0;
 out:
	session_free(s);
	return r;
}

static void
free_wiped(void *p, size_t n)
{
	if (p == NULL)
		return;
	ct_wipe(p, n);
	free(p);
}

void
session_free(struct session *s)
{
	if (s == NULL)
		return;
	/* Identities and names are personal data: wiped like the token. */
	free_wiped(s->idi, s->idi_len);
	free_wiped(s->eap_id, s->eap_id_len);
	if (s->profile != NULL)
		free_wiped(s->profile, strlen(s->profile));
	if (s->policy != NULL)
		free_wiped(s->policy, strlen(s->policy));
	ct_wipe(s, sizeof(*s));
	free(s);
}

const char *
session_id(const struct session *s)
{
	return s->id;
}

struct span
session_token(const struct session *s)
{
	return span_make(s->token, sizeof(s->token));
}

int
session_token_check(const struct session *s, struct span presented)
{
	const uint8_t *p;
	int same_len;

	/*
	 * The length is not secret (the peer chose it), so branching on it
	 * leaks nothing; what follows runs the same ct_memeq over the full
	 * SESSION_TOKEN_LEN bytes in every case, and ct_memeq has no
	 * data-dependent exit.
	 */
	same_len = presented.len == SESSION_TOKEN_LEN;
	p = same_len ? presented.p : s->token;
	return ct_memeq(s->token, p, SESSION_TOKEN_LEN) & same_len;
}

int
session_token_rotate(struct session *s)
{
	uint8_t tok[SESSION_TOKEN_LEN];
	int r = -E_INTERNAL;

	if ((r = new_token(tok)) != 0)
		goto out;
	ct_wipe(s->token, sizeof(s->token));
	memcpy(s->token, tok, sizeof(s->token));
	r = 0;
 out:
	ct_wipe(tok, sizeof(tok));
	return r;
}

uint8_t
session_idi_type(const struct session *s)
{
	return s->idi_type;
}

struct span
session_idi(const struct session *s)
{
	return span_make(s->idi, s->idi_len);
}

struct span
session_eap_identity(const struct session *s)
{
	return span_make(s->eap_id, s->eap_id_len);
}

const char *
session_profile(const struct session *s)
{
	return s->profile;
}

const char *
session_policy(const struct session *s)
{
	return s->policy;
}

size_t
session_addrs(const struct session *s, const struct session_addr **addrs)
{
	*addrs = s->addrs;
	return s->naddrs;
}

int
session_set_peer(struct session *s, const struct sockaddr *sa)
{
	struct pool_addr a;
	uint16_t port;
	int r;

	if ((r = set_sockaddr(&a, &port, sa)) != 0)
		return r;
	s->peer = a;
	s->peer_port = port;
	return 0;
}

int
session_peer(const struct session *s, struct pool_addr *addr,
    uint16_t *port)
{
	if (s->peer.family == 0)
		return -E_NOENT;
	*addr = s->peer;
	*port = s->peer_port;
	return 0;
}

void
session_set_caps(struct session *s, unsigned caps)
{
	s->caps = (s->caps & SESSION_CAP_RESUMED) |
	    (caps & (SESSION_CAP_DPD | SESSION_CAP_NATT));
}

unsigned
session_caps(const struct session *s)
{
	return s->caps;
}

void
session_set_owner(struct session *s, void *owner)
{
	s->owner = owner;
}

void *
session_owner(const struct session *s)
{
	return s->owner;
}

enum session_state
session_state(const struct session *s)
{
	return s->state;
}

uint32_t
session_resumes(const struct session *s)
{
	return s->resumes;
}

uint64_t
session_created(const struct session *s)
{
	return s->created;
}

uint64_t
session_last_active(const struct session *s)
{
	return s->last_active;
}

uint64_t
session_idle_since(const struct session *s)
{
	return s->idle_since;
}

uint64_t
session_deadline(const struct session *s)
{
	return s->deadline;
}

void
session_touch(struct session *s, uint64_t now)
{
	s->last_active = now;
}

void
session_count_live(struct session *s, const struct session_counters *c)
{
	s->live = *c;
}

void
session_count_commit(struct session *s)
{
	s->carried.pkts_in += s->live.pkts_in;
	s->carried.pkts_out += s->live.pkts_out;
	s->carried.bytes_in += s->live.bytes_in;
	s->carried.bytes_out += s->live.bytes_out;
	memset(&s->live, 0, sizeof(s->live));
}

void
session_counters(const struct session *s, struct session_counters *c)
{
	c->pkts_in = s->carried.pkts_in + s->live.pkts_in;
	c->pkts_out = s->carried.pkts_out + s->live.pkts_out;
	c->bytes_in = s->carried.bytes_in + s->live.bytes_in;
	c->bytes_out = s->carried.bytes_out + s->live.bytes_out;
}

int
session__draw_id(struct session *s, session_rng_fn *rng)
{
	uint8_t rnd[32];
	size_t n = 0, i;
	int tries, r = -E_CRYPTO;

	/*
	 * Rejection sampling: a byte below 208 = 4 * 52 maps to a letter
	 * with probability exactly 1/52 each; bytes 208..255 are dropped,
	 * which avoids the bias of a plain modulo. 32 bytes give 18 letters
	 * at the first try with overwhelming probability; a generator that
	 * keeps failing is treated as broken.
	 */
	for (tries = 0; tries < 16 && n < SESSION_ID_LEN; tries++) {
		if (rng(rnd, sizeof(rnd)) != 0)
			goto out;
		for (i = 0; i < sizeof(rnd) && n < SESSION_ID_LEN; i++)
			if (rnd[i] < 4 * 52)
				s->id[n++] = letters[rnd[i] % 52];
	}
	if (n < SESSION_ID_LEN)
		goto out;
	s->id[SESSION_ID_LEN] = '\0';
	r = 0;
 out:
	if (r != 0)
		s->id[0] = '\0';
	ct_wipe(rnd, sizeof(rnd));
	return r;
}

void
session__clear_id(struct session *s)
{
	memset(s->id, 0, sizeof(s->id));
}

struct session_dblink *
session__dblink(struct session *s)
{
	return &s->dblink;
}

void
session__mark_active(struct session *s, uint64_t now, int first,
    int resumed)
{
	if (first)
		s->created = now;
	if (resumed) {
		/* The CHILD SA the session had is gone or being replaced. */
		session_count_commit(s);
		s->resumes++;
		s->caps |= SESSION_CAP_RESUMED;
	}
	s->state = SESSION_ACTIVE;
	s->last_active = now;
	s->idle_since = 0;
	s->deadline = 0;
}

void
session__mark_idle(struct session *s, uint64_t now, uint64_t deadline)
{
	session_count_commit(s);
	s->state = SESSION_IDLE;
	s->idle_since = now;
	s->deadline = deadline;
	s->owner = NULL;
}

/*
 * Formatting. Every string that may come from a peer (identities) goes
 * through esc_text or esc_json; addf only ever gets numbers and strings
 * made here.
 */


static int
adds(struct buf *out, const char *s)
{
	return buf_add(out, s, strlen(s));
}

/* Appends the bytes of in for a text answer: printable ASCII as is, '"'
 * and '\\' backslash-escaped (identities are shown in quotes), anything
 * else as \xNN, so the text is unambiguous and holds no control. */
static int
esc_text(struct buf *out, struct span in)
{
	char e[5];
	size_t i;
	int r = 0;
	uint8_t c;

	for (i = 0; i < in.len && r == 0; i++) {
		c = in.p[i];
		if (c == '"' || c == '\\') {
			e[0] = '\\';
			e[1] = (char)c;
			r = buf_add(out, e, 2);
		} else if (c >= 0x20 && c < 0x7f)
			r = buf_add_u8(out, c);
		else {
			snprintf(e, sizeof(e), "\\x%02x", c);
			r = buf_add(out, e, 4);
		}
	}
	return r;
}

/* Appends in as a JSON string; bytes outside printable ASCII become
 * \u00NN, one per byte, so the exact bytes can be recovered. */

/* Appends a JSON string, or null for NULL. */
static int
json_str(struct buf *out, const char *s)
{
	return s == NULL ? adds(out, "null") : buf_add_json_str(out, span_str(s));
}

static int
hex_upper(struct buf *out, struct span in)
{
	char e[3];
	size_t i;
	int r = 0;

	for (i = 0; i < in.len && r == 0; i++) {
		snprintf(e, sizeof(e), "%02X", in.p[i]);
		r = buf_add(out, e, 2);
	}
	return r;
}

static const char *
id_type_name(uint8_t t)
{
	/* RFC 7296 3.5 (and RFC 7619 for ID_NULL). */
	switch (t) {
	case 1:
		return "ipv4";
	case 2:
		return "fqdn";
	case 3:
		return "rfc822";
	case 5:
		return "ipv6";
	case 9:
		return "dn";
	case 10:
		return "gn";
	case 11:
		return "keyid";
	case 13:
		return "null";
	}
	return "other";
}

/*
 * Appends an IKE identity the way IOS prints "Phase1_id": addresses and
 * FQDN and RFC822 names as (escaped) text, and anything else
 * (KEY_ID above all, which is opaque octets) as uppercase hex; for a
 * resumed client the KEY_ID is the session-id, so IOS shows
 * "724955484B63634452695574465441547771" for "rIUHKccDRiUtFTATwq".
 * When json, the result is a JSON string.
 */
static int
id_value(struct buf *out, uint8_t type, struct span data, int json)
{
	char a[INET6_ADDRSTRLEN];
	int r;

	if ((type == ID_IPV4_ADDR && data.len == 4 &&
	    inet_ntop(AF_INET, data.p, a, sizeof(a)) != NULL) ||
	    (type == ID_IPV6_ADDR && data.len == 16 &&
	    inet_ntop(AF_INET6, data.p, a, sizeof(a)) != NULL))
		return json ? json_str(out, a) : adds(out, a);
	if (type == ID_FQDN || type == ID_RFC822_ADDR)
		return json ? buf_add_json_str(out, data) : esc_text(out, data);
	if (json && (r = buf_add_u8(out, '"')) != 0)
		return r;
	if ((r = hex_upper(out, data)) != 0)
		return r;
	return json ? buf_add_u8(out, '"') : 0;
}

/* Appends the current IKE SA's IDi: KEY_ID(session-id) once resumed,
 * the identity that first authenticated before. */
static int
phase1_id(struct buf *out, const struct session *s, int json)
{
	if (s->caps & SESSION_CAP_RESUMED)
		return id_value(out, ID_KEY_ID, span_str(s->id), json);
	return id_value(out, s->idi_type, span_make(s->idi, s->idi_len),
	    json);
}

/* Appends who the user is: the EAP identity, else the IDi. */
static int
identity(struct buf *out, const struct session *s, int json)
{
	if (s->eap_id_len > 0)
		return json ? buf_add_json_str(out, span_make(s->eap_id,
		    s->eap_id_len)) : esc_text(out, span_make(s->eap_id,
		    s->eap_id_len));
	return id_value(out, s->idi_type, span_make(s->idi, s->idi_len),
	    json);
}

static void
hms(char *dst, size_t len, uint64_t secs)
{
	snprintf(dst, len, "%02llu:%02llu:%02llu",
	    (unsigned long long)(secs / 3600),
	    (unsigned long long)(secs / 60 % 60),
	    (unsigned long long)(secs % 60));
}

static uint64_t
uptime_s(const struct session *s, uint64_t now)
{
	return now > s->created ? (now - s->created) / 1000 : 0;
}

/* Seconds left before an idle session expires, rounded up, so a session
 * that still exists never shows 0. */
static uint64_t
left_s(const struct session *s, uint64_t now)
{
	uint64_t ms = s->deadline > now ? s->deadline - now : 0;

	return ms / 1000 + (ms % 1000 != 0);
}

static void
caps_str(char dst[4], unsigned caps)
{
	size_t n = 0;

	if (caps & SESSION_CAP_DPD)
		dst[n++] = 'D';
	if (caps & SESSION_CAP_NATT)
		dst[n++] = 'N';
	if (caps & SESSION_CAP_RESUMED)
		dst[n++] = 'R';
	dst[n] = '\0';
}

static const char *
status_str(const struct session *s)
{
	return s->state == SESSION_ACTIVE ? "UP-ACTIVE" : "IDLE";
}

static int
addr_list(struct buf *out, const struct session *s, int json)
{
	char a[POOL_ADDR_STRLEN];
	size_t i;
	int r = 0;

	if (json)
		r = buf_add_u8(out, '[');
	else if (s->naddrs == 0)
		r = buf_add_u8(out, '-');
	for (i = 0; i < s->naddrs && r == 0; i++) {
		pool_addr_ntop(&s->addrs[i].addr, a);
		r = buf_addf(out, json ? "%s\"%s\"" : "%s%s", i ? "," : "", a);
	}
	if (r == 0 && json)
		r = buf_add_u8(out, ']');
	return r;
}

static int
fmt_line(const struct session *s, struct buf *out, uint64_t now)
{
	char peer[POOL_ADDR_STRLEN], up[32], left[32], caps[4];
	int r;

	if (s->peer.family != 0)
		pool_addr_ntop(&s->peer, peer);
	else
		snprintf(peer, sizeof(peer), "-");
	hms(up, sizeof(up), uptime_s(s, now));
	caps_str(caps, s->caps);
	if ((r = buf_addf(out, "%s %s peer %s port %u addr ",
	    s->id[0] ? s->id : "-", status_str(s), peer,
	    (unsigned)s->peer_port)) != 0 ||
	    (r = addr_list(out, s, 0)) != 0 ||
	    (r = adds(out, " id \"")) != 0 ||
	    (r = identity(out, s, 0)) != 0 ||
	    (r = adds(out, "\" profile ")) != 0 ||
	    (r = esc_text(out, span_str(s->profile))) != 0 ||
	    (r = buf_addf(out, " up %s caps %s", up, caps[0] ? caps : "-")) != 0)
		return r;
	if (s->state == SESSION_IDLE) {
		hms(left, sizeof(left), left_s(s, now));
		if ((r = buf_addf(out, " left %s", left)) != 0)
			return r;
	}
	return buf_add_u8(out, '\n');
}

/* The fields of IOS "show crypto session detail" that apply, with IOS's
 * labels; those IOS does not have come after. */
static int
fmt_detail(const struct session *s, struct buf *out, uint64_t now)
{
	struct session_counters c;
	char peer[POOL_ADDR_STRLEN], t[32], caps[4];
	int r;

	session_counters(s, &c);
	caps_str(caps, s->caps);
	hms(t, sizeof(t), uptime_s(s, now));
	if ((r = adds(out, "Session ID: ")) != 0 ||
	    (r = adds(out, s->id[0] ? s->id : "-")) != 0 ||
	    (r = adds(out, "\nProfile: ")) != 0 ||
	    (r = esc_text(out, span_str(s->profile))) != 0 ||
	    (r = buf_addf(out, "\nUptime: %s\nSession status: %s", t,
	    status_str(s))) != 0)
		return r;
	if (s->state == SESSION_IDLE) {
		hms(t, sizeof(t), left_s(s, now));
		if ((r = buf_addf(out, ", time left %s", t)) != 0)
			return r;
	}
	if (s->peer.family != 0)
		r = buf_addf(out, "\nPeer: %s port %u", pool_addr_ntop(&s->peer,
		    peer), (unsigned)s->peer_port);
	else
		r = adds(out, "\nPeer: (none)");
	if (r != 0 ||
	    (r = adds(out, "\nPhase1_id: ")) != 0 ||
	    (r = phase1_id(out, s, 0)) != 0 ||
	    (r = buf_addf(out, "\nIdentity: %s%s", id_type_name(s->idi_type),
	    s->idi_len > 0 ? " " : "")) != 0 ||
	    (r = id_value(out, s->idi_type, span_make(s->idi, s->idi_len),
	    0)) != 0)
		return r;
	if (s->eap_id_len > 0 &&
	    ((r = adds(out, "\nRemote EAP id: ")) != 0 ||
	    (r = esc_text(out, span_make(s->eap_id, s->eap_id_len))) != 0))
		return r;
	if (s->policy != NULL &&
	    ((r = adds(out, "\nPolicy: ")) != 0 ||
	    (r = esc_text(out, span_str(s->policy))) != 0))
		return r;
	if ((r = buf_addf(out, "\nCapabilities:%s\nResumed: %lu\n"
	    "Assigned host addr: ", caps, (unsigned long)s->resumes)) != 0 ||
	    (r = addr_list(out, s, 0)) != 0)
		return r;
	return buf_addf(out, "\nInbound: #pkts dec'ed %llu bytes %llu\n"
	    "Outbound: #pkts enc'ed %llu bytes %llu\n",
	    (unsigned long long)c.pkts_in, (unsigned long long)c.bytes_in,
	    (unsigned long long)c.pkts_out, (unsigned long long)c.bytes_out);
}

static int
fmt_json(const struct session *s, struct buf *out, uint64_t now,
    int detail)
{
	struct session_counters c;
	char peer[POOL_ADDR_STRLEN], caps[4];
	uint64_t ago;
	int r;

	caps_str(caps, s->caps);
	if ((r = adds(out, "{\"session_id\":")) != 0 ||
	    (r = json_str(out, s->id[0] ? s->id : NULL)) != 0 ||
	    (r = buf_addf(out, ",\"status\":\"%s\",\"peer\":",
	    status_str(s))) != 0 ||
	    (r = json_str(out, s->peer.family ? pool_addr_ntop(&s->peer,
	    peer) : NULL)) != 0 ||
	    (r = buf_addf(out, ",\"port\":%u,\"addresses\":",
	    (unsigned)s->peer_port)) != 0 ||
	    (r = addr_list(out, s, 1)) != 0 ||
	    (r = adds(out, ",\"identity\":")) != 0 ||
	    (r = identity(out, s, 1)) != 0 ||
	    (r = adds(out, ",\"profile\":")) != 0 ||
	    (r = json_str(out, s->profile)) != 0 ||
	    (r = buf_addf(out, ",\"uptime\":%llu,\"time_left\":",
	    (unsigned long long)uptime_s(s, now))) != 0)
		return r;
	if (s->state == SESSION_IDLE)
		r = buf_addf(out, "%llu", (unsigned long long)left_s(s, now));
	else
		r = adds(out, "null");
	if (r != 0 || (r = buf_addf(out, ",\"capabilities\":\"%s\"", caps)) != 0)
		return r;
	if (!detail)
		return buf_add_u8(out, '}');
	session_counters(s, &c);
	ago = now > s->last_active ? (now - s->last_active) / 1000 : 0;
	if ((r = adds(out, ",\"phase1_id\":")) != 0 ||
	    (r = phase1_id(out, s, 1)) != 0 ||
	    (r = buf_addf(out, ",\"id_type\":\"%s\",\"idi\":",
	    id_type_name(s->idi_type))) != 0 ||
	    (r = id_value(out, s->idi_type, span_make(s->idi, s->idi_len),
	    1)) != 0 ||
	    (r = adds(out, ",\"eap_identity\":")) != 0)
		return r;
	if (s->eap_id_len > 0)
		r = buf_add_json_str(out, span_make(s->eap_id, s->eap_id_len));
	else
		r = adds(out, "null");
	if (r != 0 ||
	    (r = adds(out, ",\"policy\":")) != 0 ||
	    (r = json_str(out, s->policy)) != 0)
		return r;
	return buf_addf(out, ",\"resumes\":%lu,\"last_active\":%llu,"
	    "\"packets_in\":%llu,\"packets_out\":%llu,\"bytes_in\":%llu,"
	    "\"bytes_out\":%llu}", (unsigned long)s->resumes,
	    (unsigned long long)ago,
	    (unsigned long long)c.pkts_in, (unsigned long long)c.pkts_out,
	    (unsigned long long)c.bytes_in, (unsigned long long)c.bytes_out);
}

int
session_format(const struct session *s, struct buf *out, uint64_t now,
    unsigned flags)
{
	if (flags & SESSION_FMT_JSON)
		return fmt_json(s, out, now, (flags & SESSION_FMT_DETAIL) != 0);
	if (flags & SESSION_FMT_DETAIL)
		return fmt_detail(s, out, now);
	return fmt_line(s, out, now);
}
