/*
 * cfg.c: INI configuration through the system inih.
 *
 * The file is read into memory and fed to ini_parse_stream through our own
 * reader. The reader counts lines (Debian's inih does not pass line
 * numbers to the handler), checks the syntax of every line so that each
 * syntax error is reported with its line rather than only the first, and
 * handles section headers itself, so that empty sections exist and
 * unknown ones are reported where they start. The handler is driven by
 * the keys[] table: {section kind, key, parser, offset, flags}. After the
 * parse, validate() checks the configuration as a whole: required keys,
 * rules that span keys, references between sections, pool overlaps.
 * Errors are collected, sorted by line and printed at the end.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ini.h>

#include "core/cfg.h"
#include "core/ct.h"
#include "core/err.h"
#include "core/log.h"
#include "core/pool.h"
#include "core/xform.h"

#define FMT(a, b)	__attribute__((format(printf, a, b)))

/* Room for a quoted value in a message; longer values are cut. */
#define QLEN		96
/* Most messages kept for printing; the rest are only counted. */
#define MAX_MSGS	200
/* Most tokens in one list value. */
#define MAX_TOKS	128
/* Most keys in the table (checked at compile time below). */
#define MAX_KEYS	64
/* Most references one section holds (profile: proposal, esp, policy). */
#define MAX_REFS	3
/* Shortest pre-shared key accepted: RFC 7296 2.15 warns that a PSK is
 * open to an offline dictionary attack by anyone who sees one exchange. */
#define PSK_MIN		16
/* MS-CHAPv2 passwords: at most 256 Unicode characters (RFC 2759 8.3,
 * the UTF-16 code units of NtPasswordHash's input). */
#define PASSWORD_MAX	256
#define BANNER_MAX	2048

enum sec_kind {
	SEC_GATEWAY,
	SEC_PROPOSAL,
	SEC_ESP,
	SEC_POOL,
	SEC_POLICY,
	SEC_PROFILE,
	SEC_USER,
	SEC__MAX
};

static const char *const sec_names[SEC__MAX] = {
	[SEC_GATEWAY] = "gateway",
	[SEC_PROPOSAL] = "proposal",
	[SEC_ESP] = "esp",
	[SEC_POOL] = "pool",
	[SEC_POLICY] = "policy",
	[SEC_PROFILE] = "profile",
	[SEC_USER] = "user",
};

/* Reference slots (struct inst ref[]) per kind. */
enum {
	REF_POLICY_POOL = 0,
	REF_PROFILE_PROPOSAL = 0,
	REF_PROFILE_ESP = 1,
	REF_PROFILE_POLICY = 2,
	REF_USER_POLICY = 0,
};

struct vec {
	void		**v;
	size_t		  n;
};

struct cfg {
	char		 *source;
	struct cfg_gateway gw;
	struct vec	  sec[SEC__MAX];	/* SEC_GATEWAY unused */
};

/* A section as it was parsed: which keys it set, on which lines, and the
 * names it refers to until validate() resolves them. */
struct inst {
	enum sec_kind	  kind;
	void		 *obj;
	const char	 *name;		/* the object's, "" for [gateway] */
	unsigned	  line;
	unsigned	  seen[MAX_KEYS];
	char		 *ref[MAX_REFS];
	unsigned	  refline[MAX_REFS];
};

struct msg {
	unsigned	  line;
	unsigned	  seq;
	char		 *text;
};

struct ctx {
	struct cfg	 *cfg;
	const char	 *name;		/* for messages */
	char		 *dir;		/* anchors relative paths, or NULL */
	/* Reader state. */
	const char	 *p;
	size_t		  left;
	unsigned	  line;
	/* Sections, in file order (struct inst *). */
	struct vec	  insts;
	struct inst	 *cur;		/* section of the current line */
	int		  skip;		/* inside a bad section header */
	/* Errors. */
	struct msg	 *msgs;
	size_t		  nmsgs;
	unsigned	  nerr;
	int		  nomem;
};

struct key;
typedef int parse_fn(struct ctx *, struct inst *, const struct key *,
    const char *);

#define K_REQ		0x01	/* required */
#define K_REP		0x02	/* may be given more than once */
#define K_SECRET	0x04	/* never echo the value */

struct key {
	enum sec_kind	  kind;
	const char	 *name;
	parse_fn	 *parse;
	size_t		  off;		/* in the section struct, or ref slot */
	unsigned	  flags;
	unsigned long	  lo, hi;	/* bounds of numbers */
};

struct tok {
	const char	 *p;
	size_t		  len;
};

static parse_fn p_addr, p_port, p_uint, p_uint0, p_usecs, p_kbytes, p_cookies,
    p_attr, p_crypto, p_path, p_sockpath, p_id, p_sysuser, p_ifname,
    p_loglevel, p_encr, p_integ, p_prf, p_group, p_esn, p_pfs, p_range,
    p_network, p_exclude, p_bool, p_ref, p_dns, p_domain, p_split, p_banner,
    p_match, p_local_auth, p_remote_auth, p_psk, p_dpd, p_password, p_nthash,
    p_threads;

#define GW(f)	offsetof(struct cfg_gateway, f)
#define PR(f)	offsetof(struct cfg_proposal, f)
#define ES(f)	offsetof(struct cfg_esp, f)
#define PO(f)	offsetof(struct cfg_pool, f)
#define PL(f)	offsetof(struct cfg_policy, f)
#define PF(f)	offsetof(struct cfg_profile, f)
#define US(f)	offsetof(struct cfg_user, f)

/* Every key of every section; ikegate.ini(5) documents each one. */
static const struct key keys[] = {
	{ SEC_GATEWAY, "address", p_addr, GW(address), 0, 0, 0 },
	{ SEC_GATEWAY, "port", p_port, GW(port), 0, 0, 0 },
	{ SEC_GATEWAY, "nat_port", p_port, GW(nat_port), 0, 0, 0 },
	{ SEC_GATEWAY, "crypto", p_crypto, GW(crypto), 0, 0, 0 },
	{ SEC_GATEWAY, "certificate", p_path, GW(certificate), 0, 0, 0 },
	{ SEC_GATEWAY, "private_key", p_path, GW(private_key), 0, 0, 0 },
	{ SEC_GATEWAY, "local_id", p_id, GW(local_id), 0, 0, 0 },
	{ SEC_GATEWAY, "control_socket", p_sockpath, GW(control_socket), 0,
	    0, 0 },
	{ SEC_GATEWAY, "user", p_sysuser, GW(user), 0, 0, 0 },
	{ SEC_GATEWAY, "tun", p_ifname, GW(tun), 0, 0, 0 },
	{ SEC_GATEWAY, "log_level", p_loglevel, GW(log_level), 0, 0, 0 },
	{ SEC_GATEWAY, "half_open_timeout", p_uint, GW(half_open_timeout), 0,
	    1, 300 },
	{ SEC_GATEWAY, "dataplane_threads", p_threads, GW(dataplane_threads),
	    0, 1, CFG_THREADS_MAX },
	{ SEC_GATEWAY, "rx_coalesce_usecs", p_usecs, GW(rx_coalesce_usecs),
	    0, 0, CFG_RX_COALESCE_MAX },
	{ SEC_GATEWAY, "cookie_threshold", p_cookies, GW(cookie_threshold),
	    0, 0, CFG_COOKIES_MAX },

	{ SEC_PROPOSAL, "encryption", p_encr, PR(encr), K_REQ, 0, 0 },
	{ SEC_PROPOSAL, "integrity", p_integ, PR(integ), 0, 0, 0 },
	{ SEC_PROPOSAL, "prf", p_prf, PR(prf), 0, 0, 0 },
	{ SEC_PROPOSAL, "group", p_group, PR(group), K_REQ, 0, 0 },

	{ SEC_ESP, "encryption", p_encr, ES(encr), K_REQ, 0, 0 },
	{ SEC_ESP, "integrity", p_integ, ES(integ), 0, 0, 0 },
	{ SEC_ESP, "esn", p_esn, ES(esn), 0, 0, 0 },
	{ SEC_ESP, "lifetime", p_uint, ES(lifetime), 0, 2, 86400 },
	{ SEC_ESP, "lifetime_kilobytes", p_kbytes, ES(lifetime_kb), 0, 1024,
	    4294967295ul },
	{ SEC_ESP, "pfs", p_pfs, ES(pfs), 0, 0, 0 },

	{ SEC_POOL, "range", p_range, 0, K_REP, 0, 0 },
	{ SEC_POOL, "network", p_network, 0, K_REP, 0, 0 },
	{ SEC_POOL, "exclude", p_exclude, 0, K_REP, 0, 0 },
	{ SEC_POOL, "sticky", p_bool, PO(sticky), 0, 0, 0 },

	{ SEC_POLICY, "pool", p_ref, REF_POLICY_POOL, K_REQ, SEC_POOL, 0 },
	{ SEC_POLICY, "dns", p_dns, 0, 0, 0, 0 },
	{ SEC_POLICY, "domain", p_domain, PL(domain), 0, 0, 0 },
	{ SEC_POLICY, "split_include", p_split, 0, K_REP, 0, 0 },
	{ SEC_POLICY, "banner", p_banner, 0, K_REP, 0, 0 },

	{ SEC_PROFILE, "match", p_match, 0, K_REQ | K_REP, 0, 0 },
	{ SEC_PROFILE, "local_auth", p_local_auth, PF(local_auth), K_REQ,
	    0, 0 },
	{ SEC_PROFILE, "remote_auth", p_remote_auth, PF(remote_auth), K_REQ,
	    0, 0 },
	{ SEC_PROFILE, "psk", p_psk, 0, K_SECRET, 0, 0 },
	{ SEC_PROFILE, "ca", p_path, PF(ca), 0, 0, 0 },
	{ SEC_PROFILE, "local_id", p_id, PF(local_id), 0, 0, 0 },
	{ SEC_PROFILE, "proposal", p_ref, REF_PROFILE_PROPOSAL, 0,
	    SEC_PROPOSAL, 0 },
	{ SEC_PROFILE, "esp", p_ref, REF_PROFILE_ESP, 0, SEC_ESP, 0 },
	{ SEC_PROFILE, "policy", p_ref, REF_PROFILE_POLICY, K_REQ,
	    SEC_POLICY, 0 },
	{ SEC_PROFILE, "lifetime", p_uint, PF(lifetime), 0, 120, 86400 },
	{ SEC_PROFILE, "reconnect_timeout", p_uint0, PF(reconnect_timeout),
	    0, 1, 86400 },
	{ SEC_PROFILE, "dpd", p_dpd, 0, 0, 0, 0 },
	{ SEC_PROFILE, "session_id_attribute", p_attr, PF(session_id_attr),
	    0, 16384, 32767 },
	{ SEC_PROFILE, "session_token_attribute", p_attr,
	    PF(session_token_attr), 0, 16384, 32767 },

	{ SEC_USER, "password", p_password, 0, K_SECRET, 0, 0 },
	{ SEC_USER, "nt_hash", p_nthash, 0, K_SECRET, 0, 0 },
	{ SEC_USER, "policy", p_ref, REF_USER_POLICY, 0, SEC_POLICY, 0 },
};
#define NKEYS	(sizeof(keys) / sizeof(keys[0]))
_Static_assert(NKEYS <= MAX_KEYS, "raise MAX_KEYS");

/* Names of transforms as written in the file, with their IKEv2 IDs. */
struct name_id {
	const char	 *name;
	uint16_t	  id;
	uint16_t	  bits;
};

static const struct name_id encr_names[] = {
	{ "aes-cbc-128", XFORM_ENCR_AES_CBC, 128 },
	{ "aes-cbc-256", XFORM_ENCR_AES_CBC, 256 },
	{ "aes-gcm-128", XFORM_ENCR_AES_GCM_16, 128 },
	{ "aes-gcm-256", XFORM_ENCR_AES_GCM_16, 256 },
	/* RFC 7634 2: fixed 256-bit key, no Key Length attribute. */
	{ "chacha20-poly1305", XFORM_ENCR_CHACHA20_POLY1305, 256 },
	{ NULL, 0, 0 }
};

/* RFC 4868: HMAC-SHA-256-128, -384-192, -512-256 for integrity; the same
 * hashes as PRFs. */
static const struct name_id integ_names[] = {
	{ "sha256", XFORM_INTEG_HMAC_SHA2_256_128, XFORM_PRF_HMAC_SHA2_256 },
	{ "sha384", XFORM_INTEG_HMAC_SHA2_384_192, XFORM_PRF_HMAC_SHA2_384 },
	{ "sha512", XFORM_INTEG_HMAC_SHA2_512_256, XFORM_PRF_HMAC_SHA2_512 },
	{ NULL, 0, 0 }
};

static const struct name_id prf_names[] = {
	{ "sha256", XFORM_PRF_HMAC_SHA2_256, 0 },
	{ "sha384", XFORM_PRF_HMAC_SHA2_384, 0 },
	{ "sha512", XFORM_PRF_HMAC_SHA2_512, 0 },
	{ NULL, 0, 0 }
};

/* RFC 3526 (14), RFC 5903 (19-21), RFC 8031/7748 (31). */
static const struct name_id group_names[] = {
	{ "14", XFORM_DH_MODP2048, 0 },
	{ "19", XFORM_DH_ECP256, 0 },
	{ "20", XFORM_DH_ECP384, 0 },
	{ "21", XFORM_DH_ECP521, 0 },
	{ "31", XFORM_DH_CURVE25519, 0 },
	{ NULL, 0, 0 }
};

static const struct name_id esn_names[] = {
	{ "no", CFG_ESN_NO, 0 },
	{ "yes", CFG_ESN_YES, 0 },
	{ "both", CFG_ESN_BOTH, 0 },
	{ NULL, 0, 0 }
};

static const struct name_id local_auth_names[] = {
	{ "rsa-sig", CFG_AUTH_RSA_SIG, 0 },
	{ "ecdsa-sig", CFG_AUTH_ECDSA_SIG, 0 },
	{ "psk", CFG_AUTH_PSK, 0 },
	{ NULL, 0, 0 }
};

static const struct name_id remote_auth_names[] = {
	{ "eap-mschapv2", CFG_AUTH_EAP_MSCHAPV2, 0 },
	{ "psk", CFG_AUTH_PSK, 0 },
	{ "cert", CFG_AUTH_CERT, 0 },
	{ NULL, 0, 0 }
};

static const char *const crypto_backends[] = { "ipsecmb", "openssl", "sodium",
    NULL };

/*
 * Errors.
 */

static void
nomem(struct ctx *c)
{
	c->nomem = 1;
}

/* Records one error at line (0: the file as a whole). */
static void FMT(3, 4)
errf(struct ctx *c, unsigned line, const char *fmt, ...)
{
	struct msg *m;
	va_list ap;
	char *text;
	int n;

	c->nerr++;
	if (c->nmsgs >= MAX_MSGS)
		return;
	va_start(ap, fmt);
	n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n < 0) {
		nomem(c);
		return;
	}
	if ((m = reallocarray(c->msgs, c->nmsgs + 1, sizeof(*m))) == NULL) {
		free(text);
		nomem(c);
		return;
	}
	c->msgs = m;
	m[c->nmsgs].line = line;
	m[c->nmsgs].seq = (unsigned)c->nmsgs;
	m[c->nmsgs].text = text;
	c->nmsgs++;
}

/*
 * Writes the n bytes at s to dst in double quotes, escaping quotes,
 * backslashes and bytes outside printable ASCII so that a value cannot
 * disturb a terminal, and cutting long values with "...". Returns dst.
 */
static const char *
quote(char *dst, size_t dstlen, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i;
	unsigned char ch;

	dst[o++] = '"';
	for (i = 0; i < n; i++) {
		ch = (unsigned char)s[i];
		if (o + 8 >= dstlen) {
			memcpy(dst + o, "...", 3);
			o += 3;
			break;
		}
		if (ch == '"' || ch == '\\') {
			dst[o++] = '\\';
			dst[o++] = (char)ch;
		} else if (ch < 0x20 || ch >= 0x7f) {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[ch >> 4];
			dst[o++] = hex[ch & 15];
		} else
			dst[o++] = (char)ch;
	}
	dst[o++] = '"';
	dst[o] = '\0';
	return dst;
}

/* Reports that the value v of key k on the current line is wrong:
 * 'KEY = "VALUE": why', or 'KEY: why' for secrets. Returns -1. */
static int FMT(4, 5)
bad(struct ctx *c, const struct key *k, const char *v, const char *fmt, ...)
{
	char q[QLEN], why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (k->flags & K_SECRET)
		errf(c, c->line, "%s: %s", k->name, why);
	else
		errf(c, c->line, "%s = %s: %s", k->name,
		    quote(q, sizeof(q), v, strlen(v)), why);
	return -1;
}

/*
 * Small helpers.
 */

static int
blank(int ch)
{
	return ch == ' ' || ch == '\t';
}

static int
tok_is(struct tok t, const char *s)
{
	return strlen(s) == t.len && memcmp(t.p, s, t.len) == 0;
}

/* Copies t into buf (NUL-terminated); -1 when it does not fit. */
static int
tok_str(struct tok t, char *buf, size_t n)
{
	if (t.len >= n)
		return -1;
	memcpy(buf, t.p, t.len);
	buf[t.len] = '\0';
	return 0;
}

static char *
xstrdup(struct ctx *c, const char *s)
{
	char *d;

	if ((d = strdup(s)) == NULL)
		nomem(c);
	return d;
}

static int
vec_push(struct ctx *c, struct vec *v, void *p)
{
	void **n;

	if ((n = reallocarray(v->v, v->n + 1, sizeof(*n))) == NULL) {
		nomem(c);
		return -1;
	}
	v->v = n;
	v->v[v->n++] = p;
	return 0;
}

/*
 * Splits v into tokens separated by commas and/or blanks ("a, b c"), as
 * both the INI habit (commas) and IOS (blanks) write lists. Empty
 * elements ("a,,b", a trailing comma) are errors. Returns the number of
 * tokens, or -1 after reporting an error against key k.
 */
static int
split(struct ctx *c, const struct key *k, const char *v, struct tok *t,
    size_t max)
{
	const char *p = v, *s;
	size_t n = 0;
	int comma = 0;

	for (;;) {
		while (blank(*p))
			p++;
		if (*p == '\0') {
			if (comma)
				return bad(c, k, v, "empty list element");
			break;
		}
		if (*p == ',') {
			if (n == 0 || comma)
				return bad(c, k, v, "empty list element");
			comma = 1;
			p++;
			continue;
		}
		for (s = p; *p != '\0' && *p != ',' && !blank(*p); p++)
			;
		if (n == max)
			return bad(c, k, v, "more than %zu elements", max);
		t[n].p = s;
		t[n].len = (size_t)(p - s);
		n++;
		comma = 0;
	}
	return (int)n;
}

/* Parses a decimal number without sign, blanks or leading zeros, at most
 * max. Returns 0 or -1. */
static int
parse_ulong(struct tok t, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	size_t i;

	if (t.len == 0 || (t.len > 1 && t.p[0] == '0'))
		return -1;
	for (i = 0; i < t.len; i++) {
		if (t.p[i] < '0' || t.p[i] > '9')
			return -1;
		if (v > (max - (unsigned long)(t.p[i] - '0')) / 10)
			return -1;
		v = v * 10 + (unsigned long)(t.p[i] - '0');
	}
	*out = v;
	return 0;
}

static struct tok
tok_of(const char *s)
{
	struct tok t = { s, strlen(s) };

	return t;
}

/* Parses an IPv4 (dotted quad) or IPv6 (RFC 4291 2.2 text) address. */
static int
parse_addr(struct tok t, struct cfg_addr *a)
{
	char buf[INET6_ADDRSTRLEN];

	if (tok_str(t, buf, sizeof(buf)) != 0)
		return -1;
	memset(a, 0, sizeof(*a));
	a->family = memchr(t.p, ':', t.len) ? AF_INET6 : AF_INET;
	return inet_pton(a->family, buf, a->a) == 1 ? 0 : -1;
}

static const char *
addr_str(const struct cfg_addr *a, char *buf, size_t n)
{
	if (inet_ntop(a->family, a->a, buf, (socklen_t)n) == NULL)
		snprintf(buf, n, "?");
	return buf;
}

static unsigned
addr_bits(const struct cfg_addr *a)
{
	return a->family == AF_INET ? 32 : 128;
}

static int
addr_cmp(const struct cfg_addr *a, const struct cfg_addr *b)
{
	return memcmp(a->a, b->a, sizeof(a->a));
}

/* Sets every bit after the first len to v (0: network, 1: last). */
static void
addr_fill(struct cfg_addr *a, unsigned len, int v)
{
	unsigned i, bits = addr_bits(a);

	for (i = len; i < bits; i++) {
		if (v)
			a->a[i / 8] |= (uint8_t)(0x80u >> (i % 8));
		else
			a->a[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
	}
}

/* Returns nonzero when a lies in the network p. */
static int
prefix_has(const struct cfg_prefix *p, const struct cfg_addr *a)
{
	struct cfg_addr m = *a;

	if (a->family != p->addr.family)
		return 0;
	addr_fill(&m, p->len, 0);
	return addr_cmp(&m, &p->addr) == 0;
}

/*
 * Parses "ADDR/LEN" or a bare "ADDR" (a host: /32 or /128). Returns 0,
 * -1 for bad syntax, -2 when host bits are set (then *p holds the
 * network meant, for the message).
 */
static int
parse_prefix(struct tok t, struct cfg_prefix *p)
{
	struct tok a = t, l;
	struct cfg_addr m;
	const char *slash;
	unsigned long len;

	if ((slash = memchr(t.p, '/', t.len)) != NULL)
		a.len = (size_t)(slash - t.p);
	if (parse_addr(a, &p->addr) != 0)
		return -1;
	p->len = addr_bits(&p->addr);
	if (slash == NULL)
		return 0;
	l.p = slash + 1;
	l.len = t.len - a.len - 1;
	if (parse_ulong(l, addr_bits(&p->addr), &len) != 0)
		return -1;
	p->len = (unsigned)len;
	m = p->addr;
	addr_fill(&m, p->len, 0);
	if (addr_cmp(&m, &p->addr) != 0) {
		p->addr = m;
		return -2;
	}
	return 0;
}

/* Reports a bad prefix in value v, item t, after parse_prefix returned
 * r. Returns -1. */
static int
bad_prefix(struct ctx *c, const struct key *k, const char *v, struct tok t,
    int r, const struct cfg_prefix *p)
{
	char q[QLEN], a[INET6_ADDRSTRLEN];

	quote(q, sizeof(q), t.p, t.len);
	if (r == -2)
		return bad(c, k, v, "host bits set in %s (the network is "
		    "%s/%u)", q, addr_str(&p->addr, a, sizeof(a)), p->len);
	return bad(c, k, v, "%s is not an address or ADDRESS/PREFIXLEN", q);
}

/* Looks up t in a name table; returns the entry or NULL. */
static const struct name_id *
lookup(const struct name_id *tab, struct tok t)
{
	for (; tab->name != NULL; tab++)
		if (tok_is(t, tab->name))
			return tab;
	return NULL;
}

/* Lists the names of a table for messages ("a, b, c"). */
static const char *
names_of(const struct name_id *tab, char *buf, size_t n)
{
	size_t o = 0;

	buf[0] = '\0';
	for (; tab->name != NULL && o < n; tab++)
		o += (size_t)snprintf(buf + o, n - o, "%s%s", o ? ", " : "",
		    tab->name);
	return buf;
}

/* Returns nonzero for a valid section name: letters, digits, '.', '-',
 * '_' (users: any byte but blanks, controls and ']'). */
static int
valid_name(const char *s, size_t n, int user)
{
	size_t i;
	unsigned char ch;

	if (n == 0 || n > CFG_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		ch = (unsigned char)s[i];
		if (user) {
			if (ch <= ' ' || ch == ']' || ch == 0x7f)
				return 0;
		} else if (!((ch >= 'a' && ch <= 'z') ||
		    (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    ch == '.' || ch == '-' || ch == '_'))
			return 0;
	}
	return 1;
}

/* Returns nonzero for a DNS name: LDH labels of 1-63 characters, not
 * starting or ending with '-', 253 characters at most (RFC 1035 2.3.1,
 * RFC 1123 2.1); with wild, '*' may stand anywhere. */
static int
valid_fqdn(const char *s, int wild)
{
	size_t n = strlen(s), lab = 0, i;
	char ch, prev = '.';

	if (n == 0 || n > 253)
		return 0;
	for (i = 0; i <= n; i++) {
		ch = s[i];
		if (ch == '.' || ch == '\0') {
			if (lab == 0 || prev == '-')
				return 0;
			lab = 0;
		} else if ((ch >= 'a' && ch <= 'z') ||
		    (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    (ch == '-' && prev != '.') || (wild && ch == '*')) {
			if (++lab > 63)
				return 0;
		} else
			return 0;
		prev = ch;
	}
	return 1;
}

/* Returns nonzero for local@domain with a non-empty local part free of
 * blanks and a valid domain (RFC 5322 addr-spec, simplified). */
static int
valid_email(const char *s, int wild)
{
	const char *at = strrchr(s, '@');
	const char *p;

	if (at == NULL || at == s)
		return 0;
	for (p = s; p < at; p++)
		if (blank(*p) || *p == '@')
			return 0;
	return valid_fqdn(at + 1, wild);
}

/* Resolves a path from the file against the file's directory. */
static char *
resolve(struct ctx *c, const char *v)
{
	char *s;

	if (v[0] == '/' || c->dir == NULL)
		return xstrdup(c, v);
	if (asprintf(&s, "%s/%s", c->dir, v) < 0) {
		nomem(c);
		return NULL;
	}
	return s;
}

/* Replaces the string at *dst with s (owned). */
static void
set_str(char **dst, char *s)
{
	free(*dst);
	*dst = s;
}

/*
 * Value parsers. Each gets the section (in->obj), the key and the value
 * (never empty), reports its own errors through bad() and returns 0 or -1.
 */

#define FIELD(in, k, type)	((type *)(void *)((char *)(in)->obj + (k)->off))

static int
p_addr(struct ctx *c, struct inst *in, const struct key *k, const char *v)
{
	if (parse_addr(tok_of(v), FIELD(in, k, struct cfg_addr)) != 0)
		return bad(c, k, v, "not an IPv4 or IPv6 address");
	return 0;
}

static int
p_port(struct ctx *c, struct inst *in, const struct key *k, const char *v)
{
	unsigned long n;

	if (parse_ulong(tok_of(v), 65535, &n) != 0 || n == 0)
		return bad(c, k, v, "not a port number (1 to 65535)");
	*FIELD(in, k, uint16_t) = (uint16_t)n;
	return 0;
}

/* Stores v, a number from k->lo to k->hi, or the keyword word (NULL:
 * none) as word_val; what names the number's unit in the error. */
static int
num_or_word(struct ctx *c, struct inst *in, const struct key *k,
    const char *v, const char *word, unsigned word_val, const char *what)
{
	unsigned long n;

	if (word != NULL && tok_is(tok_of(v), word)) {
		*FIELD(in, k, unsigned) = word_val;
		return 0;
	}
	if (parse_ulong(tok_of(v), ~0ul, &n) != 0 || n < k->lo || n > k->hi)
		return word != NULL ?
		    bad(c, k, v, "expected \"%s\" or a number of %s from %lu "
		    "to %lu", word, what, k->lo, k->hi) :
		    bad(c, k, v, "expected a number of %s from %lu to %lu",
		    what, k->lo, k->hi);
	*FIELD(in, k, unsigned) = (unsigned)n;
	return 0;
}

static int
p_uint(struct ctx *c, struct inst *in, const struct key *k, const char *v)
{
	return num_or_word(c, in, k, v, NULL, 0, "seconds");
}

/* Like p_uint, but 0 (off) is allowed too. */
static int
p_uint0(struct ctx *c, struct inst *in, const struct key *k, const char *v)
{
	unsigned long n;

	if (parse_ulong(tok_of(v), ~0ul, &n) != 0 ||
	    (n != 0 && (n < k->lo || n > k->hi)))
		return bad(c, k, v, "expected 0 (off) or a number of seconds "
		    "from %lu to %lu", k->lo, k->hi);
	*FIELD(in, k, unsigned) = (unsigned)n;
	return 0;
}

/* A volume in kilobytes, or "off" (0). */
static int
p_kbytes(struct ctx *c, struct inst *in, const struct key *k, const char *v)
{
	return num_or_word(c, in, k, v, "off", 0, "kilobytes");
}

static int
p_usecs(struct ctx *c, struct inst *in, const struct key *k, const char *v)
{
	return num_or_word(c, in, k, v, NULL, 0, "microseconds");
}

/* A number of half-open IKE SAs, or "off" (CFG_COOKIES_OFF). */
static int
p_cookies(struct ctx *c, struct inst *in, const struct key *k, const char *v)
{
	return num_or_word(c, in, k, v, "off", CFG_COOKIES_OFF,
	    "half-open IKE SAs");
}

/* A thread count, or "auto" (stored as 0: the caller counts the CPUs). */
static int
p_threads(struct ctx *c, struct inst *in, const struct key *k, const char *v)
{
	return num_or_word(c, in, k, v, "auto", 0, "threads");
}

/* A configuration payload attribute type (RFC 7296 3.15.1): private use
 * is 16384-32767. */
static int
p_attr(struct ctx *c, struct inst *in, const struct key *k, const char *v)
{
	unsigned long n;

	if (parse_ulong(tok_of(v), ~0ul, &n) != 0 || n < k->lo || n > k->hi)
		return bad(c, k, v, "expected an attribute type in the "
		    "private-use range %lu to %lu", k->lo, k->hi);
	*FIELD(in, k, uint16_t) = (uint16_t)n;
	return 0;
}

static int
p_crypto(struct ctx *c, struct inst *in, const struct key *k, const char *v)
{
	struct tok t[MAX_TOKS];
	char out[64], q[QLEN];
	size_t o = 0, i, j;
	int n;

	if ((n = split(c, k, v, t, MAX_TOKS)) < 0)
		return -1;
	if (n == 1 && tok_is(t[0], "auto")) {
		set_str(FIELD(in, k, char *), xstrdup(c, "auto"));
		return 0;
	}
	for (i = 0; i < (size_t)n; i++) {
		for (j = 0; crypto_backends[j] != NULL; j++)
			if (tok_is(t[i], crypto_backends[j]))
				break;
		if (crypto_backends[j] == NULL)
			return bad(c, k, v, "unknown backend %s (expected "
			    "auto, or a list of ipsecmb, openssl and sodium)",
			    quote(q, sizeof(q), t[i].p, t[i].len));
		for (j = 0; j < i; j++)
			if (t[j].len == t[i].len &&
			    memcmp(t[j].p, t[i].p, t[i].len) == 0)
				return bad(c, k, v, "%s is listed twice",
				    quote(q, sizeof(q), t[i].p, t[i].len));
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%.*s",
		    i ? "," : "", (int)t[i].len, t[i].p);
	}
	set_str(FIELD(in, k, char *), xstrdup(c, out));
	return 0;
}

static int
p_path(struct ctx *c, struct inst *in, const struct key *k, const char *v)
{
	if (strlen(v) >= PATH_MAX)
		return bad(c, k, v, "path too long");
	set_str(FIELD(in, k, char *), resolve(c, v));
	return 0;
}

static int
p_sockpath(struct ctx *c, struct inst *in, const struct key *k,
    const char *v)
{
	struct sockaddr_un sun;
	char *s;

	if ((s = resolve(c, v)) == NULL)
		return -1;
	if (strlen(s) >= sizeof(sun.sun_path)) {
		free(s);
		return bad(c, k, v, "longer than a UNIX socket path may be "
		    "(%zu bytes)", sizeof(sun.sun_path) - 1);
	}
	set_str(FIELD(in, k, char *), s);
	return 0;
}

/* TYPE:VALUE, as in "fqdn:vpn.example.com" (RFC 7296 3.5 ID types). */
static int
p_id(struct ctx *c, struct inst *in, const struct key *k, const char *v)
{
	struct cfg_id *id = FIELD(in, k, struct cfg_id);
	const char *val, *colon = strchr(v, ':');
	struct tok type;
	struct cfg_addr a;
	size_t len;

	if (colon == NULL)
		return bad(c, k, v, "expected TYPE:VALUE with TYPE one of "
		    "fqdn, address, email, key-id, dn");
	type.p = v;
	type.len = (size_t)(colon - v);
	for (val = colon + 1; blank(*val); val++)
		;
	len = strlen(val);
	if (tok_is(type, "address")) {
		if (parse_addr(tok_of(val), &a) != 0)
			return bad(c, k, v, "not an IPv4 or IPv6 address");
		id->type = a.family == AF_INET ? CFG_ID_IPV4_ADDR :
		    CFG_ID_IPV6_ADDR;
		len = a.family == AF_INET ? 4 : 16;
		val = (const char *)a.a;
	} else if (tok_is(type, "fqdn")) {
		if (!valid_fqdn(val, 0))
			return bad(c, k, v, "not a valid domain name");
		id->type = CFG_ID_FQDN;
	} else if (tok_is(type, "email")) {
		if (!valid_email(val, 0))
			return bad(c, k, v, "not a valid email address");
		id->type = CFG_ID_RFC822_ADDR;
	} else if (tok_is(type, "key-id")) {
		if (len == 0)
			return bad(c, k, v, "empty key-id");
		id->type = CFG_ID_KEY_ID;
	} else if (tok_is(type, "dn")) {
		if (strchr(val, '=') == NULL)
			return bad(c, k, v, "not a distinguished name "
			    "(\"CN=..., O=...\")");
		id->type = CFG_ID_DER_ASN1_DN;
	} else
		return bad(c, k, v, "unknown identity type (expected fqdn, "
		    "address, email, key-id or dn)");
	if ((id->data = malloc(len + 1)) == NULL) {
		nomem(c);
		return -1;
	}
	memcpy(id->data, val, len);
	id->data[len] = '\0';
	id->len = len;
	return 0;
}

/* A POSIX portable user name (POSIX 3.437): [A-Za-z0-9._-], not
 * starting with '-'. */
static int
p_sysuser(struct ctx *c, struct inst *in, const struct key *k,
    const char *v)
{
	size_t i, n = strlen(v);

	for (i = 0; i < n; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') ||
		    (v[i] >= 'A' && v[i] <= 'Z') ||
		    (v[i] >= '0' && v[i] <= '9') || v[i] == '.' ||
		    v[i] == '_' || (v[i] == '-' && i > 0)))
			return bad(c, k, v, "not a valid user name");
	if (n > 32)
		return bad(c, k, v, "user name longer than 32 characters");
	set_str(FIELD(in, k, char *), xstrdup(c, v));
	return 0;
}

/* A network interface name: at most IFNAMSIZ - 1 = 15 bytes on Linux. */
static int
p_ifname(struct ctx *c, struct inst *in, const struct key *k, const char *v)
{
	size_t n = strlen(v);

	if (n > 15 || !valid_name(v, n, 0) || strcmp(v, ".") == 0 ||
	    strcmp(v, "..") == 0)
		return bad(c, k, v, "not a valid interface name (at most 15 "
		    "letters, digits, '.', '-', '_')");
	set_str(FIELD(in, k, char *), xstrdup(c, v));
	return 0;
}

/* "LEVEL" for every subsystem and/or "SUBSYSTEM:LEVEL" for one. */
static int
p_loglevel(struct ctx *c, struct inst *in, const struct key *k,
    const char *v)
{
	enum log_level *lv = FIELD(in, k, enum log_level);
	enum log_level set[SUB__MAX];
	struct tok t[MAX_TOKS];
	char buf[32], q[QLEN];
	const char *colon;
	int n, i, s, l, all = -1, done[SUB__MAX];

	if ((n = split(c, k, v, t, MAX_TOKS)) < 0)
		return -1;
	for (s = 0; s < SUB__MAX; s++) {
		done[s] = 0;
		set[s] = lv[s];
	}
	for (i = 0; i < n; i++) {
		quote(q, sizeof(q), t[i].p, t[i].len);
		if (tok_str(t[i], buf, sizeof(buf)) != 0)
			return bad(c, k, v, "unknown level %s", q);
		if ((colon = strchr(buf, ':')) == NULL) {
			if (all != -1)
				return bad(c, k, v, "more than one level "
				    "for all subsystems");
			if ((all = log_level_lookup(buf)) < 0)
				return bad(c, k, v, "unknown level %s "
				    "(expected err, warn, info, debug, "
				    "debug2)", q);
			continue;
		}
		buf[colon - buf] = '\0';
		if ((s = log_sub_lookup(buf)) < 0)
			return bad(c, k, v, "unknown subsystem in %s "
			    "(expected main, ike, esp, net, tun, cfg, "
			    "crypto, ctl, priv)", q);
		if ((l = log_level_lookup(colon + 1)) < 0)
			return bad(c, k, v, "unknown level in %s", q);
		if (done[s])
			return bad(c, k, v, "subsystem %s is listed twice",
			    buf);
		done[s] = 1;
		set[s] = (enum log_level)l;
	}
	for (s = 0; s < SUB__MAX; s++)
		lv[s] = done[s] ? set[s] : all != -1 ? (enum log_level)all :
		    lv[s];
	return 0;
}

/* Parses a list of names from tab into ids (and bits) without
 * duplicates; returns the count or -1. */
static int
name_list(struct ctx *c, const struct key *k, const char *v,
    const struct name_id *tab, const char *what,
    const struct name_id **out, size_t max)
{
	struct tok t[MAX_TOKS];
	char q[QLEN], all[128];
	const struct name_id *e;
	int n, i, j;

	if ((n = split(c, k, v, t, MAX_TOKS)) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		quote(q, sizeof(q), t[i].p, t[i].len);
		if ((e = lookup(tab, t[i])) == NULL)
			return bad(c, k, v, "unknown %s %s (expected %s)",
			    what, q, names_of(tab, all, sizeof(all)));
		for (j = 0; j < i; j++)
			if (out[j] == e)
				return bad(c, k, v, "%s is listed twice", q);
		/* Without duplicates, a list is never longer than tab. */
		if ((size_t)i >= max)
			return bad(c, k, v, "too many elements");
		out[i] = e;
	}
	return n;
}

/* encryption in [proposal] and [esp]: the arrays and counts are laid
 * out alike in both structs, found from k->off. */
static int
p_encr(struct ctx *c, struct inst *in, const struct key *k, const char *v)
{
	const struct name_id *e[CFG_MAX_ENCR];
	struct cfg_encr *encr = FIELD(in, k, struct cfg_encr);
	size_t *nencr;
	int n, i;

	if (in->kind == SEC_PROPOSAL)
		nencr = &((struct cfg_proposal *)in->obj)->nencr;
	else
		nencr = &((struct cfg_esp *)in->obj)->nencr;
	if ((n = name_list(c, k, v, encr_names, "cipher", e,
	    CFG_MAX_ENCR)) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		encr[i].id = e[i]->id;
		encr[i].key_bits = e[i]->bits;
	}
	*nencr = (size_t)n;
	return 0;
}

static int
p_integ(struct ctx *c, struct inst *in, const struct key *k, const char *v)
{
	const struct name_id *e[CFG_MAX_INTEG];
	uint16_t *integ = FIELD(in, k, uint16_t);
	size_t *ninteg;
	int n, i;

	if (in->kind == SEC_PROPOSAL)
		ninteg = &((struct cfg_proposal *)in->obj)->ninteg;
	else
		ninteg = &((struct cfg_esp *)in->obj)->ninteg;
	if ((n = name_list(c, k, v, integ_names, "integrity algorithm", e,
	    CFG_MAX_INTEG)) < 0)
		return -1;
	for (i = 0; i < n; i++)
		integ[i] = e[i]->id;
	*ninteg = (size_t)n;
	return 0;
}

static int
p_prf(struct ctx *c, struct inst *in, const struct key *k, const char *v)
{
	struct cfg_proposal *p = in->obj;
	const struct name_id *e[CFG_MAX_INTEG];
	int n, i;

	if ((n = name_list(c, k, v, prf_names, "PRF", e, CFG_MAX_INTEG)) < 0)
		return -1;
	for (i = 0; i < n; i++)
		p->prf[i] = e[i]->id;
	p->nprf = (size_t)n;
	return 0;
}

static int
p_group(struct ctx *c, struct inst *in, const struct key *k, const char *v)
{
	struct cfg_proposal *p = in->obj;
	const struct name_id *e[CFG_MAX_GROUP];
	int n, i;

	if ((n = name_list(c, k, v, group_names, "group", e,
	    CFG_MAX_GROUP)) < 0)
		return -1;
	for (i = 0; i < n; i++)
		p->group[i] = e[i]->id;
	p->ngroup = (size_t)n;
	return 0;
}

/* One name out of tab; returns its entry or NULL after an error. */
static const struct name_id *
one_name(struct ctx *c, const struct key *k, const char *v,
    const struct name_id *tab)
{
	const struct name_id *e;
	char all[128];

	if ((e = lookup(tab, tok_of(v))) == NULL)
		bad(c, k, v, "expected one of %s",
		    names_of(tab, all, sizeof(all)));
	return e;
}

static int
p_esn(struct ctx *c, struct inst *in, const struct key *k, const char *v)
{
	const struct name_id *e;

	if ((e = one_name(c, k, v, esn_names)) == NULL)
		return -1;
	((struct cfg_esp *)in->obj)->esn = (enum cfg_esn)e->id;
	return 0;
}

static int
p_pfs(struct ctx *c, struct inst *in, const struct key *k, const char *v)
{
	const struct name_id *e;

	if (strcmp(v, "none") == 0) {
		((struct cfg_esp *)in->obj)->pfs = 0;
		return 0;
	}
	if ((e = lookup(group_names, tok_of(v))) == NULL)
		return bad(c, k, v, "expected none or one of 14, 19, 20, 21, "
		    "31");
	((struct cfg_esp *)in->obj)->pfs = e->id;
	return 0;
}

static int
p_local_auth(struct ctx *c, struct inst *in, const struct key *k,
    const char *v)
{
	const struct name_id *e;

	if ((e = one_name(c, k, v, local_auth_names)) == NULL)
		return -1;
	((struct cfg_profile *)in->obj)->local_auth = (enum cfg_auth)e->id;
	return 0;
}

static int
p_remote_auth(struct ctx *c, struct inst *in, const struct key *k,
    const char *v)
{
	const struct name_id *e;

	if ((e = one_name(c, k, v, remote_auth_names)) == NULL)
		return -1;
	((struct cfg_profile *)in->obj)->remote_auth = (enum cfg_auth)e->id;
	return 0;
}

static int
p_bool(struct ctx *c, struct inst *in, const struct key *k, const char *v)
{
	if (strcmp(v, "yes") == 0)
		*FIELD(in, k, int) = 1;
	else if (strcmp(v, "no") == 0)
		*FIELD(in, k, int) = 0;
	else
		return bad(c, k, v, "expected yes or no");
	return 0;
}

static int
add_seg(struct ctx *c, struct cfg_pool *p, const struct cfg_pool_seg *s)
{
	struct cfg_pool_seg *n;

	if (p->nseg >= CFG_MAX_LIST) {
		errf(c, c->line, "more than %d segments in [pool %s]",
		    CFG_MAX_LIST, p->name);
		return -1;
	}
	if ((n = reallocarray(p->seg, p->nseg + 1, sizeof(*n))) == NULL) {
		nomem(c);
		return -1;
	}
	p->seg = n;
	p->seg[p->nseg++] = *s;
	return 0;
}

/* "FIRST - LAST" (blanks around the dash are optional). */
static int
p_range(struct ctx *c, struct inst *in, const struct key *k, const char *v)
{
	struct cfg_pool_seg s;
	struct tok a, b;
	const char *dash = strchr(v, '-');

	if (dash == NULL)
		return bad(c, k, v, "expected FIRST - LAST");
	a.p = v;
	a.len = (size_t)(dash - v);
	while (a.len > 0 && blank(a.p[a.len - 1]))
		a.len--;
	for (b.p = dash + 1; blank(*b.p); b.p++)
		;
	b.len = strlen(b.p);
	memset(&s, 0, sizeof(s));
	if (parse_addr(a, &s.first) != 0 || parse_addr(b, &s.last) != 0)
		return bad(c, k, v, "expected FIRST - LAST, two addresses");
	if (s.first.family != s.last.family)
		return bad(c, k, v, "the two addresses are of different "
		    "families");
	if (addr_cmp(&s.first, &s.last) > 0)
		return bad(c, k, v, "the first address is above the last");
	s.len = addr_bits(&s.first);
	s.line = c->line;
	return add_seg(c, in->obj, &s);
}

static int
p_network(struct ctx *c, struct inst *in, const struct key *k,
    const char *v)
{
	struct tok t[MAX_TOKS];
	struct cfg_prefix p;
	struct cfg_pool_seg s;
	int n, i, r;

	if ((n = split(c, k, v, t, MAX_TOKS)) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if ((r = parse_prefix(t[i], &p)) != 0)
			return bad_prefix(c, k, v, t[i], r, &p);
		memset(&s, 0, sizeof(s));
		s.is_net = 1;
		s.first = s.last = p.addr;
		addr_fill(&s.last, p.len, 1);
		s.len = p.len;
		s.line = c->line;
		if (add_seg(c, in->obj, &s) != 0)
			return -1;
	}
	return 0;
}

static int
p_exclude(struct ctx *c, struct inst *in, const struct key *k,
    const char *v)
{
	struct cfg_pool *p = in->obj;
	struct tok t[MAX_TOKS];
	struct cfg_addr a, *x;
	char q[QLEN];
	int n, i;
	size_t j;

	if ((n = split(c, k, v, t, MAX_TOKS)) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		quote(q, sizeof(q), t[i].p, t[i].len);
		if (parse_addr(t[i], &a) != 0)
			return bad(c, k, v, "%s is not an address", q);
		for (j = 0; j < p->nexclude; j++)
			if (p->exclude[j].family == a.family &&
			    addr_cmp(&p->exclude[j], &a) == 0)
				return bad(c, k, v, "%s is excluded twice", q);
		if (p->nexclude >= CFG_MAX_LIST)
			return bad(c, k, v, "more than %d exclusions",
			    CFG_MAX_LIST);
		if ((x = reallocarray(p->exclude, p->nexclude + 1,
		    sizeof(*x))) == NULL) {
			nomem(c);
			return -1;
		}
		p->exclude = x;
		p->exclude[p->nexclude++] = a;
	}
	return 0;
}

/* The name of another section; resolved by validate(). */
static int
p_ref(struct ctx *c, struct inst *in, const struct key *k, const char *v)
{
	if (!valid_name(v, strlen(v), 0))
		return bad(c, k, v, "not a valid %s name", sec_names[k->lo]);
	in->ref[k->off] = xstrdup(c, v);
	in->refline[k->off] = c->line;
	return 0;
}

static int
p_dns(struct ctx *c, struct inst *in, const struct key *k, const char *v)
{
	struct cfg_policy *p = in->obj;
	struct tok t[MAX_TOKS];
	char q[QLEN];
	int n, i;

	if ((n = split(c, k, v, t, MAX_TOKS)) < 0)
		return -1;
	if (n > CFG_MAX_DNS)
		return bad(c, k, v, "more than %d servers", CFG_MAX_DNS);
	for (i = 0; i < n; i++)
		if (parse_addr(t[i], &p->dns[i]) != 0)
			return bad(c, k, v, "%s is not an address",
			    quote(q, sizeof(q), t[i].p, t[i].len));
	p->ndns = (size_t)n;
	return 0;
}

static int
p_domain(struct ctx *c, struct inst *in, const struct key *k, const char *v)
{
	if (!valid_fqdn(v, 0))
		return bad(c, k, v, "not a valid domain name");
	set_str(FIELD(in, k, char *), xstrdup(c, v));
	return 0;
}

static int
p_split(struct ctx *c, struct inst *in, const struct key *k, const char *v)
{
	struct cfg_policy *p = in->obj;
	struct tok t[MAX_TOKS];
	struct cfg_prefix pf, *x;
	char q[QLEN];
	int n, i, r;
	size_t j;

	if ((n = split(c, k, v, t, MAX_TOKS)) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if ((r = parse_prefix(t[i], &pf)) != 0)
			return bad_prefix(c, k, v, t[i], r, &pf);
		for (j = 0; j < p->nsplit; j++)
			if (p->split[j].len == pf.len &&
			    p->split[j].addr.family == pf.addr.family &&
			    addr_cmp(&p->split[j].addr, &pf.addr) == 0)
				return bad(c, k, v, "%s is listed twice",
				    quote(q, sizeof(q), t[i].p, t[i].len));
		if (p->nsplit >= CFG_MAX_SPLIT)
			return bad(c, k, v, "more than %d networks (each is "
			    "an attribute of the configuration reply and a "
			    "traffic selector)", CFG_MAX_SPLIT);
		if ((x = reallocarray(p->split, p->nsplit + 1,
		    sizeof(*x))) == NULL) {
			nomem(c);
			return -1;
		}
		p->split = x;
		p->split[p->nsplit++] = pf;
	}
	return 0;
}

/* Each banner line appends one line of text. */
static int
p_banner(struct ctx *c, struct inst *in, const struct key *k, const char *v)
{
	struct cfg_policy *p = in->obj;
	size_t old = p->banner ? strlen(p->banner) : 0, n = strlen(v);
	char *b;

	if (old + 1 + n > BANNER_MAX)
		return bad(c, k, v, "banner longer than %d bytes", BANNER_MAX);
	if ((b = realloc(p->banner, old + 1 + n + 1)) == NULL) {
		nomem(c);
		return -1;
	}
	if (old > 0)
		b[old++] = '\n';
	memcpy(b + old, v, n + 1);
	p->banner = b;
	return 0;
}

/* "TYPE PATTERN" as IOS "match identity remote TYPE PATTERN" (a colon
 * may stand for the blank), or "any". */
static int
p_match(struct ctx *c, struct inst *in, const struct key *k, const char *v)
{
	struct cfg_profile *p = in->obj;
	struct cfg_match m, *x;
	struct tok type;
	const char *pat;
	int r;

	memset(&m, 0, sizeof(m));
	m.line = c->line;
	for (type.p = v, type.len = 0; v[type.len] != '\0' &&
	    !blank(v[type.len]) && v[type.len] != ':'; type.len++)
		;
	for (pat = v + type.len; blank(*pat); pat++)
		;
	if (*pat == ':')
		for (pat++; blank(*pat); pat++)
			;
	if (tok_is(type, "any")) {
		if (*pat != '\0')
			return bad(c, k, v, "any takes no pattern");
		m.type = CFG_ID_NONE;
	} else if (*pat == '\0')
		return bad(c, k, v, "expected TYPE PATTERN with TYPE one of "
		    "key-id, email, fqdn, address, or any");
	else if (tok_is(type, "key-id"))
		m.type = CFG_ID_KEY_ID;
	else if (tok_is(type, "fqdn")) {
		if (!valid_fqdn(pat, 1))
			return bad(c, k, v, "not a domain name pattern");
		m.type = CFG_ID_FQDN;
	} else if (tok_is(type, "email")) {
		if (!valid_email(pat, 1))
			return bad(c, k, v, "not an email address pattern");
		m.type = CFG_ID_RFC822_ADDR;
	} else if (tok_is(type, "address")) {
		if ((r = parse_prefix(tok_of(pat), &m.prefix)) != 0)
			return bad_prefix(c, k, v, tok_of(pat), r, &m.prefix);
		m.type = m.prefix.addr.family == AF_INET ? CFG_ID_IPV4_ADDR :
		    CFG_ID_IPV6_ADDR;
	} else
		return bad(c, k, v, "unknown identity type (expected "
		    "key-id, email, fqdn, address or any)");
	if (p->nmatch >= CFG_MAX_LIST)
		return bad(c, k, v, "more than %d match lines", CFG_MAX_LIST);
	if (m.type != CFG_ID_NONE && m.type != CFG_ID_IPV4_ADDR &&
	    m.type != CFG_ID_IPV6_ADDR) {
		if ((m.pattern = xstrdup(c, pat)) == NULL)
			return -1;
		m.plen = strlen(pat);
	}
	if ((x = reallocarray(p->match, p->nmatch + 1, sizeof(*x))) == NULL) {
		free(m.pattern);
		nomem(c);
		return -1;
	}
	p->match = x;
	p->match[p->nmatch++] = m;
	return 0;
}

static int
p_psk(struct ctx *c, struct inst *in, const struct key *k, const char *v)
{
	struct cfg_profile *p = in->obj;
	size_t n = strlen(v);

	if (n < PSK_MIN)
		return bad(c, k, v, "shorter than %d characters", PSK_MIN);
	if ((p->psk = malloc(n)) == NULL) {
		nomem(c);
		return -1;
	}
	memcpy(p->psk, v, n);
	p->psk_len = n;
	return 0;
}

/* "INTERVAL RETRIES": probe a client silent for INTERVAL seconds, and
 * declare it dead after RETRIES unanswered retransmissions. */
static int
p_dpd(struct ctx *c, struct inst *in, const struct key *k, const char *v)
{
	struct cfg_profile *p = in->obj;
	struct tok t[MAX_TOKS];
	unsigned long iv, rt;
	int n;

	if ((n = split(c, k, v, t, MAX_TOKS)) < 0)
		return -1;
	if (n != 2 || parse_ulong(t[0], ~0ul, &iv) != 0 ||
	    parse_ulong(t[1], ~0ul, &rt) != 0)
		return bad(c, k, v, "expected INTERVAL RETRIES");
	if (iv < 1 || iv > 3600)
		return bad(c, k, v, "interval must be 1 to 3600 seconds");
	if (rt > 10)
		return bad(c, k, v, "retries must be 0 to 10");
	p->dpd_interval = (unsigned)iv;
	p->dpd_retry = (unsigned)rt;
	return 0;
}

/*
 * Checks that s is well-formed UTF-8 (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF) and returns its length in UTF-16
 * code units, or -1.
 */
static long
utf16_units(const unsigned char *s, size_t n)
{
	unsigned long cp, min;
	size_t i = 0, more, j;
	long units = 0;

	while (i < n) {
		if (s[i] < 0x80) {
			cp = s[i];
			more = 0;
			min = 0;
		} else if ((s[i] & 0xe0) == 0xc0) {
			cp = s[i] & 0x1f;
			more = 1;
			min = 0x80;
		} else if ((s[i] & 0xf0) == 0xe0) {
			cp = s[i] & 0x0f;
			more = 2;
			min = 0x800;
		} else if ((s[i] & 0xf8) == 0xf0) {
			cp = s[i] & 0x07;
			more = 3;
			min = 0x10000;
		} else
			return -1;
		if (more > n - i - 1)
			return -1;
		for (j = 1; j <= more; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return -1;
			cp = (cp << 6) | (s[i + j] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return -1;
		units += cp >= 0x10000 ? 2 : 1;
		i += more + 1;
	}
	return units;
}

static int
p_password(struct ctx *c, struct inst *in, const struct key *k,
    const char *v)
{
	struct cfg_user *u = in->obj;
	size_t n = strlen(v);
	long units;

	if ((units = utf16_units((const unsigned char *)v, n)) < 0)
		return bad(c, k, v, "not valid UTF-8");
	if (units > PASSWORD_MAX)
		return bad(c, k, v, "longer than %d characters (RFC 2759)",
		    PASSWORD_MAX);
	if ((u->password = malloc(n + 1)) == NULL) {
		nomem(c);
		return -1;
	}
	memcpy(u->password, v, n + 1);
	u->password_len = n;
	return 0;
}

static int
hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* 32 hexadecimal digits: NtPasswordHash (RFC 2759 8.3). */
static int
p_nthash(struct ctx *c, struct inst *in, const struct key *k, const char *v)
{
	struct cfg_user *u = in->obj;
	size_t i;
	int hi, lo;

	if (strlen(v) != 2 * sizeof(u->nt_hash))
		return bad(c, k, v, "expected 32 hexadecimal digits");
	for (i = 0; i < sizeof(u->nt_hash); i++) {
		if ((hi = hexval(v[2 * i])) < 0 ||
		    (lo = hexval(v[2 * i + 1])) < 0) {
			ct_wipe(u->nt_hash, sizeof(u->nt_hash));
			return bad(c, k, v, "expected 32 hexadecimal digits");
		}
		u->nt_hash[i] = (uint8_t)(hi << 4 | lo);
	}
	u->has_nt_hash = 1;
	return 0;
}

/*
 * Sections.
 */

static void
id_free(struct cfg_id *id)
{
	free(id->data);
	id->data = NULL;
}

static void
obj_free(enum sec_kind kind, void *obj)
{
	struct cfg_proposal *pr;
	struct cfg_esp *es;
	struct cfg_pool *po;
	struct cfg_policy *pl;
	struct cfg_profile *pf;
	struct cfg_user *us;
	size_t i;

	if (obj == NULL)
		return;
	switch (kind) {
	case SEC_PROPOSAL:
		pr = obj;
		free(pr->name);
		break;
	case SEC_ESP:
		es = obj;
		free(es->name);
		break;
	case SEC_POOL:
		po = obj;
		free(po->name);
		free(po->seg);
		free(po->exclude);
		break;
	case SEC_POLICY:
		pl = obj;
		free(pl->name);
		free(pl->domain);
		free(pl->split);
		free(pl->banner);
		break;
	case SEC_PROFILE:
		pf = obj;
		free(pf->name);
		for (i = 0; i < pf->nmatch; i++)
			free(pf->match[i].pattern);
		free(pf->match);
		if (pf->psk != NULL)
			ct_wipe(pf->psk, pf->psk_len);
		free(pf->psk);
		free(pf->ca);
		id_free(&pf->local_id);
		break;
	case SEC_USER:
		us = obj;
		free(us->name);
		if (us->password != NULL)
			ct_wipe(us->password, us->password_len);
		free(us->password);
		ct_wipe(us->nt_hash, sizeof(us->nt_hash));
		break;
	case SEC_GATEWAY:
	case SEC__MAX:
		return;
	}
	free(obj);
}

/* Returns the name of a section object of kind. */
static const char *
obj_name(enum sec_kind kind, const void *o)
{
	switch (kind) {
	case SEC_PROPOSAL:
		return ((const struct cfg_proposal *)o)->name;
	case SEC_ESP:
		return ((const struct cfg_esp *)o)->name;
	case SEC_POOL:
		return ((const struct cfg_pool *)o)->name;
	case SEC_POLICY:
		return ((const struct cfg_policy *)o)->name;
	case SEC_PROFILE:
		return ((const struct cfg_profile *)o)->name;
	case SEC_USER:
		return ((const struct cfg_user *)o)->name;
	case SEC_GATEWAY:
	case SEC__MAX:
		break;
	}
	return "";
}

static void *
find(const struct cfg *cfg, enum sec_kind kind, const char *name)
{
	const struct vec *v = &cfg->sec[kind];
	size_t i;

	for (i = 0; i < v->n; i++)
		if (strcmp(obj_name(kind, v->v[i]), name) == 0)
			return v->v[i];
	return NULL;
}

#define OBJ_NEW(type, o, nm, ln) do {					\
	type *x_ = calloc(1, sizeof(*x_));				\
	if (x_ != NULL) {						\
		x_->name = (nm);					\
		x_->line = (ln);					\
	}								\
	(o) = x_;							\
} while (0)

/* Creates the object of a new section, with the defaults of its kind,
 * and appends it to the configuration. */
static void *
obj_new(struct ctx *c, enum sec_kind kind, const char *name, unsigned line)
{
	struct cfg_esp *es;
	struct cfg_profile *pf;
	char *nm;
	void *o = NULL;

	if ((nm = strdup(name)) == NULL) {
		nomem(c);
		return NULL;
	}
	switch (kind) {
	case SEC_PROPOSAL:
		OBJ_NEW(struct cfg_proposal, o, nm, line);
		break;
	case SEC_ESP:
		OBJ_NEW(struct cfg_esp, es, nm, line);
		if ((o = es) != NULL) {
			es->esn = CFG_ESN_BOTH;
			es->lifetime = 3600;
		}
		break;
	case SEC_POOL:
		OBJ_NEW(struct cfg_pool, o, nm, line);
		break;
	case SEC_POLICY:
		OBJ_NEW(struct cfg_policy, o, nm, line);
		break;
	case SEC_PROFILE:
		OBJ_NEW(struct cfg_profile, pf, nm, line);
		if ((o = pf) != NULL) {
			pf->lifetime = 86400;
			pf->session_id_attr = CFG_SESSION_ID_ATTR;
			pf->session_token_attr = CFG_SESSION_TOKEN_ATTR;
		}
		break;
	case SEC_USER:
		OBJ_NEW(struct cfg_user, o, nm, line);
		break;
	case SEC_GATEWAY:
	case SEC__MAX:
		break;
	}
	if (o == NULL) {
		free(nm);
		nomem(c);
		return NULL;
	}
	if (vec_push(c, &c->cfg->sec[kind], o) != 0) {
		obj_free(kind, o);
		return NULL;
	}
	return o;
}

static void
enter_bad_section(struct ctx *c)
{
	c->cur = NULL;
	c->skip = 1;
}

/* Handles a "[KIND NAME]" line (s, n bytes, no line end). */
static void
header(struct ctx *c, const char *s, size_t n)
{
	const char *end = memchr(s, ']', n), *p, *kind, *name;
	size_t klen, nlen, i;
	struct inst *in;
	char q[QLEN];
	int k;

	enter_bad_section(c);
	if (end == NULL) {
		errf(c, c->line, "missing ']' in section header");
		return;
	}
	for (p = end + 1; p < s + n && blank(*p); p++)
		;
	if (p < s + n && *p != ';' && *p != '#') {
		errf(c, c->line, "unexpected text after ']'");
		return;
	}
	for (kind = s + 1; kind < end && blank(*kind); kind++)
		;
	for (klen = 0; kind + klen < end && !blank(kind[klen]); klen++)
		;
	for (name = kind + klen; name < end && blank(*name); name++)
		;
	for (nlen = (size_t)(end - name); nlen > 0 && blank(name[nlen - 1]);
	    nlen--)
		;
	for (k = 0; k < SEC__MAX; k++)
		if (strlen(sec_names[k]) == klen &&
		    memcmp(kind, sec_names[k], klen) == 0)
			break;
	if (k == SEC__MAX) {
		errf(c, c->line, "unknown section %s (expected gateway, "
		    "proposal, esp, pool, policy, profile or user)",
		    quote(q, sizeof(q), kind, klen));
		return;
	}
	if (k == SEC_GATEWAY && nlen > 0) {
		errf(c, c->line, "[gateway] takes no name");
		return;
	}
	if (k != SEC_GATEWAY && nlen == 0) {
		errf(c, c->line, "[%s] needs a name: [%s NAME]", sec_names[k],
		    sec_names[k]);
		return;
	}
	if (k != SEC_GATEWAY && !valid_name(name, nlen, k == SEC_USER)) {
		errf(c, c->line, "invalid %s name %s (at most %d %s)",
		    sec_names[k], quote(q, sizeof(q), name, nlen),
		    CFG_NAME_MAX, k == SEC_USER ?
		    "bytes, no blanks or ']'" :
		    "letters, digits, '.', '-', '_'");
		return;
	}
	for (i = 0; i < c->insts.n; i++) {
		in = c->insts.v[i];
		if (in->kind == (enum sec_kind)k &&
		    strlen(in->name) == nlen &&
		    memcmp(in->name, name, nlen) == 0) {
			errf(c, c->line, "duplicate section [%s%s%.*s] (first "
			    "at line %u)", sec_names[k], nlen ? " " : "",
			    (int)nlen, name, in->line);
			return;
		}
	}
	if ((in = calloc(1, sizeof(*in))) == NULL) {
		nomem(c);
		return;
	}
	in->kind = (enum sec_kind)k;
	in->line = c->line;
	if (k == SEC_GATEWAY) {
		in->obj = &c->cfg->gw;
		in->name = "";
	} else {
		char nm[CFG_NAME_MAX + 1];

		memcpy(nm, name, nlen);
		nm[nlen] = '\0';
		if ((in->obj = obj_new(c, in->kind, nm, c->line)) == NULL) {
			free(in);
			return;
		}
		in->name = obj_name(in->kind, in->obj);
	}
	if (vec_push(c, &c->insts, in) != 0) {
		free(in);
		return;
	}
	c->cur = in;
	c->skip = 0;
}

/*
 * The reader: hands inih one line at a time, like fgets, and checks it
 * first. It strips leading blanks, so that inih never sees a
 * continuation line (INI_ALLOW_MULTILINE: an indented line would be
 * handed to the handler as another value of the previous key). Lines it
 * finds wrong (and section headers, which it handles itself) reach inih
 * as empty lines, so inih's count of lines stays equal to ours.
 */
static char *
reader(char *str, int num, void *arg)
{
	struct ctx *c = arg;
	const char *s, *nl;
	size_t len, i, cap;
	unsigned char ch;
	int was_blank = 0;

	if (c->left == 0 || num < 3)
		return NULL;
	cap = (size_t)num - 2;		/* room for "\n" and NUL */
	s = c->p;
	nl = memchr(s, '\n', c->left);
	len = nl != NULL ? (size_t)(nl - s) : c->left;
	c->p += len + (nl != NULL);
	c->left -= len + (nl != NULL);
	c->line++;
	str[0] = '\n';
	str[1] = '\0';

	/* inih skips a UTF-8 byte order mark on the first line too. */
	if (c->line == 1 && len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
		s += 3;
		len -= 3;
	}
	while (len > 0 && (blank(s[len - 1]) || s[len - 1] == '\r'))
		len--;
	while (len > 0 && blank(*s)) {
		s++;
		len--;
	}
	for (i = 0; i < len; i++) {
		ch = (unsigned char)s[i];
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
			errf(c, c->line, ch == 0 ? "NUL byte in line" :
			    "control character 0x%02x in line", ch);
			if (s[0] == '[')
				enter_bad_section(c);
			return str;
		}
	}
	if (len > cap) {
		errf(c, c->line, "line longer than %zu characters", cap);
		if (s[0] == '[')
			enter_bad_section(c);
		return str;
	}
	if (len == 0 || s[0] == ';' || s[0] == '#')
		return str;
	if (s[0] == '[') {
		header(c, s, len);
		return str;
	}
	/* KEY = VALUE: inih splits at the first '=' or ':' unless an inline
	 * comment (';' after a blank) comes first; accept '=' only. */
	for (i = 0; i < len; i++) {
		if (s[i] == '=' || s[i] == ':' || (was_blank && s[i] == ';'))
			break;
		was_blank = blank(s[i]);
	}
	if (i == len || s[i] != '=') {
		errf(c, c->line, "expected KEY = VALUE or [SECTION]");
		return str;
	}
	if (i == 0) {
		errf(c, c->line, "missing key name before '='");
		return str;
	}
	memcpy(str, s, len);
	str[len] = '\n';
	str[len + 1] = '\0';
	return str;
}

static const struct key *
key_find(enum sec_kind kind, const char *name)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (keys[i].kind == kind && strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

/* Returns the line where in set the key name, or 0. */
static unsigned
seen(const struct inst *in, const char *name)
{
	const struct key *k = key_find(in->kind, name);

	return k != NULL ? in->seen[k - keys] : 0;
}

/* inih's handler: one KEY = VALUE of the section the reader entered. */
static int
handler(void *arg, const char *section, const char *name, const char *value)
{
	struct ctx *c = arg;
	struct inst *in = c->cur;
	const struct key *k;
	char q[QLEN];

	(void)section;		/* the reader tracks sections */
	if (c->skip)
		return 1;	/* reported once, at the section header */
	if (in == NULL) {
		errf(c, c->line, "%s: key outside of any section",
		    quote(q, sizeof(q), name, strlen(name)));
		return 1;
	}
	if ((k = key_find(in->kind, name)) == NULL) {
		errf(c, c->line, "unknown key %s in [%s%s%s]",
		    quote(q, sizeof(q), name, strlen(name)),
		    sec_names[in->kind], *in->name ? " " : "", in->name);
		return 1;
	}
	if (in->seen[k - keys] != 0 && !(k->flags & K_REP)) {
		errf(c, c->line, "%s is set twice (first at line %u)",
		    k->name, in->seen[k - keys]);
		return 1;
	}
	if (in->seen[k - keys] == 0)
		in->seen[k - keys] = c->line;
	if (*value == '\0') {
		errf(c, c->line, "%s: missing value", k->name);
		return 1;
	}
	(void)k->parse(c, in, k, value);
	return !c->nomem;
}

/*
 * Validation of the whole configuration.
 */

static int
is_aead(uint16_t id)
{
	return id != XFORM_ENCR_AES_CBC;
}

/* RFC 7296 3.3: AEAD ciphers take no integrity transform, others need
 * one; mixed lists become two proposals on the wire. */
static void
check_suite(struct ctx *c, const struct inst *in, const struct cfg_encr *e,
    size_t ne, size_t ninteg)
{
	size_t i, cbc = 0;

	for (i = 0; i < ne; i++)
		if (!is_aead(e[i].id))
			cbc++;
	if (cbc > 0 && ninteg == 0 && seen(in, "encryption"))
		errf(c, seen(in, "encryption"), "encryption: AES-CBC needs "
		    "an integrity algorithm; set integrity in [%s %s]",
		    sec_names[in->kind], in->name);
	if (cbc == 0 && ne > 0 && ninteg > 0)
		errf(c, seen(in, "integrity"), "integrity: not used with "
		    "AEAD ciphers (RFC 7296 3.3); remove it or add an "
		    "AES-CBC cipher");
}

static void
check_proposal(struct ctx *c, const struct inst *in)
{
	struct cfg_proposal *p = in->obj;
	size_t i, j;

	check_suite(c, in, p->encr, p->nencr, p->ninteg);
	if (p->nprf > 0)
		return;
	/* The PRF follows the integrity hash; AEAD suites get SHA-256 and
	 * SHA-384 (RFC 8247 3.2 recommends HMAC-SHA2). */
	if (p->ninteg == 0) {
		p->prf[p->nprf++] = XFORM_PRF_HMAC_SHA2_256;
		p->prf[p->nprf++] = XFORM_PRF_HMAC_SHA2_384;
		return;
	}
	for (i = 0; i < p->ninteg; i++)
		for (j = 0; integ_names[j].name != NULL; j++)
			if (integ_names[j].id == p->integ[i])
				p->prf[p->nprf++] = integ_names[j].bits;
}

/* Loads an address as a 128-bit number in two halves. */
static void
addr_u128(const struct cfg_addr *a, uint64_t *hi, uint64_t *lo)
{
	unsigned i, n = addr_bits(a) / 8;

	*hi = *lo = 0;
	for (i = 0; i < n; i++) {
		*hi = (*hi << 8) | (*lo >> 56);
		*lo = (*lo << 8) | a->a[i];
	}
}

/* Number of addresses pool_add_* would add for s (see core/pool.h),
 * saturated at POOL_MAX_ADDRS + 1. */
static uint64_t
seg_size(const struct cfg_pool_seg *s)
{
	uint64_t lim = (uint64_t)POOL_MAX_ADDRS + 1, fh, fl, lh, ll, n;
	unsigned bits = addr_bits(&s->first);

	if (s->is_net) {
		if (bits - s->len > 40)
			return lim;
		n = (uint64_t)1 << (bits - s->len);
		/* RFC 3021: /31 and /32 use every address; RFC 6164 and
		 * RFC 4291 2.6.1 for the IPv6 anycast address. */
		if (bits == 32 && s->len < 31)
			n -= 2;
		else if (bits == 128 && s->len < 127)
			n -= 1;
		return n < lim ? n : lim;
	}
	addr_u128(&s->first, &fh, &fl);
	addr_u128(&s->last, &lh, &ll);
	if (lh - fh - (ll < fl) != 0)
		return lim;
	n = ll - fl;
	return n < lim - 1 ? n + 1 : lim;
}

/* Nonzero when a is one of the addresses s hands out. */
static int
seg_has(const struct cfg_pool_seg *s, const struct cfg_addr *a)
{
	uint64_t ah, al, fh, fl;

	if (a->family != s->first.family || addr_cmp(a, &s->first) < 0 ||
	    addr_cmp(a, &s->last) > 0)
		return 0;
	if (!s->is_net)
		return 1;
	if (s->first.family == AF_INET && s->len < 31)
		return addr_cmp(a, &s->first) != 0 &&
		    addr_cmp(a, &s->last) != 0;
	if (s->first.family == AF_INET6 && s->len < 127) {
		/* pool.h hands out first + 1 .. first + POOL_MAX_ADDRS. */
		addr_u128(a, &ah, &al);
		addr_u128(&s->first, &fh, &fl);
		return ah - fh - (al < fl) == 0 && al - fl >= 1 &&
		    al - fl <= POOL_MAX_ADDRS;
	}
	return 1;
}

static int
seg_overlap(const struct cfg_pool_seg *a, const struct cfg_pool_seg *b)
{
	return a->first.family == b->first.family &&
	    addr_cmp(&a->first, &b->last) <= 0 &&
	    addr_cmp(&b->first, &a->last) <= 0;
}

static void
check_pool(struct ctx *c, const struct inst *in)
{
	struct cfg_pool *p = in->obj;
	char a[INET6_ADDRSTRLEN];
	uint64_t total[2] = { 0, 0 }, excl[2] = { 0, 0 }, n;
	size_t i, j;
	int f, big = 0;

	if (p->nseg == 0) {
		/* A bad range or network was reported already. */
		if (!seen(in, "range") && !seen(in, "network"))
			errf(c, in->line, "[pool %s] has no addresses: set "
			    "range or network", p->name);
		return;
	}
	for (i = 0; i < p->nseg; i++) {
		f = p->seg[i].first.family == AF_INET6;
		n = seg_size(&p->seg[i]);
		/* pool.h takes the first POOL_MAX_ADDRS of a large IPv6
		 * prefix and refuses any other segment that does not fit. */
		if (f && p->seg[i].is_net && n > POOL_MAX_ADDRS)
			n = POOL_MAX_ADDRS;
		total[f] += n;
		for (j = 0; j < i; j++)
			if (seg_overlap(&p->seg[i], &p->seg[j]))
				errf(c, p->seg[i].line, "%s overlaps the one "
				    "at line %u", p->seg[i].is_net ?
				    "network" : "range", p->seg[j].line);
		if (n > POOL_MAX_ADDRS) {
			errf(c, p->seg[i].line, "%s: more than %u addresses",
			    p->seg[i].is_net ? "network" : "range",
			    POOL_MAX_ADDRS);
			big = 1;
		}
	}
	for (f = 0; f < 2 && !big; f++)
		if (total[f] > POOL_MAX_ADDRS)
			errf(c, in->line, "[pool %s] has more than %u IPv%d "
			    "addresses", p->name, POOL_MAX_ADDRS, f ? 6 : 4);
	for (i = 0; i < p->nexclude; i++) {
		for (j = 0; j < p->nseg; j++)
			if (seg_has(&p->seg[j], &p->exclude[i]))
				break;
		if (j == p->nseg)
			errf(c, seen(in, "exclude"), "exclude: %s is not an "
			    "address of [pool %s]", addr_str(&p->exclude[i],
			    a, sizeof(a)), p->name);
		else
			excl[p->exclude[i].family == AF_INET6]++;
	}
	for (f = 0; f < 2; f++)
		if (total[f] > 0 && total[f] <= excl[f])
			errf(c, seen(in, "exclude"), "exclude: leaves no IPv%d "
			    "address in [pool %s]", f ? 6 : 4, p->name);
}

/* Two pools must not hand out the same address. */
static void
check_pools_apart(struct ctx *c)
{
	const struct vec *v = &c->cfg->sec[SEC_POOL];
	const struct cfg_pool *a, *b;
	size_t i, j, x, y;

	for (i = 0; i < v->n; i++)
		for (j = 0; j < i; j++) {
			a = v->v[i];
			b = v->v[j];
			for (x = 0; x < a->nseg; x++)
				for (y = 0; y < b->nseg; y++)
					if (seg_overlap(&a->seg[x],
					    &b->seg[y]))
						errf(c, a->seg[x].line,
						    "%s overlaps [pool %s] "
						    "(line %u)",
						    a->seg[x].is_net ?
						    "network" : "range",
						    b->name, b->seg[y].line);
		}
}

/* Reports an error when name is in use in a profile with resumption:
 * IOS refuses the same (see the "Restrictions" of Cisco's "Understand
 * IKEv2 and AnyConnect Reconnect"): a resumed session authenticates with
 * a PSK, its session token, so a PSK of the profile's own would be
 * ambiguous. */
static void
refuse_with_reconnect(struct ctx *c, const struct inst *in, const char *key,
    const char *what)
{
	errf(c, seen(in, key), "%s cannot be used with reconnect_timeout "
	    "(line %u): resumed sessions authenticate with the session "
	    "token as PSK", what, seen(in, "reconnect_timeout"));
}

static void
check_profile(struct ctx *c, const struct inst *in)
{
	struct cfg_profile *p = in->obj;
	const struct cfg_gateway *gw = &c->cfg->gw;
	int psk_auth;

	if (p->reconnect_timeout > 0) {
		if (p->local_auth == CFG_AUTH_PSK)
			refuse_with_reconnect(c, in, "local_auth",
			    "local_auth = psk");
		if (p->remote_auth == CFG_AUTH_PSK)
			refuse_with_reconnect(c, in, "remote_auth",
			    "remote_auth = psk");
		if (seen(in, "psk"))
			refuse_with_reconnect(c, in, "psk", "psk");
	} else {
		psk_auth = p->local_auth == CFG_AUTH_PSK ||
		    p->remote_auth == CFG_AUTH_PSK;
		if (psk_auth && p->psk == NULL && !seen(in, "psk"))
			errf(c, seen(in, p->local_auth == CFG_AUTH_PSK ?
			    "local_auth" : "remote_auth"), "%s = psk needs "
			    "psk in [profile %s]", p->local_auth ==
			    CFG_AUTH_PSK ? "local_auth" : "remote_auth",
			    p->name);
	}
	if ((p->local_auth == CFG_AUTH_RSA_SIG ||
	    p->local_auth == CFG_AUTH_ECDSA_SIG) &&
	    (gw->certificate == NULL || gw->private_key == NULL))
		errf(c, seen(in, "local_auth"), "local_auth = %s needs "
		    "certificate and private_key in [gateway]",
		    p->local_auth == CFG_AUTH_RSA_SIG ? "rsa-sig" :
		    "ecdsa-sig");
	if (p->remote_auth == CFG_AUTH_CERT && p->ca == NULL &&
	    !seen(in, "ca"))
		errf(c, seen(in, "remote_auth"), "remote_auth = cert needs "
		    "ca in [profile %s]", p->name);
	if (p->remote_auth == CFG_AUTH_EAP_MSCHAPV2 &&
	    c->cfg->sec[SEC_USER].n == 0)
		errf(c, seen(in, "remote_auth"), "remote_auth = "
		    "eap-mschapv2 needs at least one [user NAME] section");
	if (p->session_id_attr == p->session_token_attr)
		errf(c, seen(in, "session_token_attribute") ?
		    seen(in, "session_token_attribute") :
		    seen(in, "session_id_attribute"), "session_id_attribute "
		    "and session_token_attribute must differ");
}

static void
check_user(struct ctx *c, const struct inst *in)
{
	unsigned pw = seen(in, "password"), nt = seen(in, "nt_hash");

	if (pw && nt)
		errf(c, pw > nt ? pw : nt, "password and nt_hash are "
		    "exclusive: set one of them");
	else if (!pw && !nt)
		errf(c, in->line, "[user %s] needs password or nt_hash",
		    in->name);
}

static void
check_gateway(struct ctx *c, const struct inst *in)
{
	const struct cfg_gateway *gw = &c->cfg->gw;
	unsigned cl = seen(in, "certificate"), kl = seen(in, "private_key");

	if (cl && !kl)
		errf(c, cl, "certificate is set but private_key is not");
	if (kl && !cl)
		errf(c, kl, "private_key is set but certificate is not");
	if (gw->port == gw->nat_port)
		errf(c, seen(in, "nat_port") ? seen(in, "nat_port") :
		    seen(in, "port"), "port and nat_port must differ");
}

/* Resolves the name in slot of in to a section of kind, falling back to
 * dflt when the key is absent. */
static void *
resolve_ref(struct ctx *c, const struct inst *in, int slot,
    enum sec_kind kind, const char *key, const char *dflt)
{
	const char *name = in->ref[slot] != NULL ? in->ref[slot] : dflt;
	void *o;
	char q[QLEN];

	if (name == NULL)
		return NULL;
	if ((o = find(c->cfg, kind, name)) == NULL)
		errf(c, in->refline[slot], "%s = %s: no [%s %s] section", key,
		    quote(q, sizeof(q), name, strlen(name)), sec_names[kind],
		    name);
	return o;
}

/* The built-in proposal and ESP set: AEADs first, then AES-CBC with
 * HMAC-SHA2 (RFC 8221, RFC 8247 recommendations). */
static void
add_builtins(struct ctx *c)
{
	static const struct cfg_encr encr[] = {
		{ XFORM_ENCR_AES_GCM_16, 256 }, { XFORM_ENCR_AES_GCM_16, 128 },
		{ XFORM_ENCR_CHACHA20_POLY1305, 256 },
		{ XFORM_ENCR_AES_CBC, 256 }, { XFORM_ENCR_AES_CBC, 128 },
	};
	static const uint16_t integ[] = { XFORM_INTEG_HMAC_SHA2_256_128,
	    XFORM_INTEG_HMAC_SHA2_384_192, XFORM_INTEG_HMAC_SHA2_512_256 };
	static const uint16_t prf[] = { XFORM_PRF_HMAC_SHA2_256,
	    XFORM_PRF_HMAC_SHA2_384, XFORM_PRF_HMAC_SHA2_512 };
	static const uint16_t group[] = { XFORM_DH_ECP256, XFORM_DH_ECP384,
	    XFORM_DH_ECP521, XFORM_DH_CURVE25519, XFORM_DH_MODP2048 };
	struct cfg_proposal *p;
	struct cfg_esp *e;

	if (find(c->cfg, SEC_PROPOSAL, "default") == NULL &&
	    (p = obj_new(c, SEC_PROPOSAL, "default", 0)) != NULL) {
		memcpy(p->encr, encr, sizeof(encr));
		p->nencr = sizeof(encr) / sizeof(encr[0]);
		memcpy(p->integ, integ, sizeof(integ));
		p->ninteg = sizeof(integ) / sizeof(integ[0]);
		memcpy(p->prf, prf, sizeof(prf));
		p->nprf = sizeof(prf) / sizeof(prf[0]);
		memcpy(p->group, group, sizeof(group));
		p->ngroup = sizeof(group) / sizeof(group[0]);
	}
	if (find(c->cfg, SEC_ESP, "default") == NULL &&
	    (e = obj_new(c, SEC_ESP, "default", 0)) != NULL) {
		memcpy(e->encr, encr, sizeof(encr));
		e->nencr = sizeof(encr) / sizeof(encr[0]);
		memcpy(e->integ, integ, sizeof(integ));
		e->ninteg = sizeof(integ) / sizeof(integ[0]);
	}
}

static void
validate(struct ctx *c)
{
	struct inst *in;
	struct cfg_profile *pf;
	size_t i, j;

	add_builtins(c);
	for (i = 0; i < c->insts.n && !c->nomem; i++) {
		in = c->insts.v[i];
		for (j = 0; j < NKEYS; j++)
			if (keys[j].kind == in->kind &&
			    (keys[j].flags & K_REQ) && in->seen[j] == 0)
				errf(c, in->line, "[%s%s%s]: %s is required",
				    sec_names[in->kind], *in->name ? " " : "",
				    in->name, keys[j].name);
		switch (in->kind) {
		case SEC_GATEWAY:
			check_gateway(c, in);
			break;
		case SEC_PROPOSAL:
			check_proposal(c, in);
			break;
		case SEC_ESP:
			check_suite(c, in, ((struct cfg_esp *)in->obj)->encr,
			    ((struct cfg_esp *)in->obj)->nencr,
			    ((struct cfg_esp *)in->obj)->ninteg);
			break;
		case SEC_POOL:
			check_pool(c, in);
			break;
		case SEC_POLICY:
			((struct cfg_policy *)in->obj)->pool = resolve_ref(c,
			    in, REF_POLICY_POOL, SEC_POOL, "pool", NULL);
			break;
		case SEC_PROFILE:
			pf = in->obj;
			pf->proposal = resolve_ref(c, in,
			    REF_PROFILE_PROPOSAL, SEC_PROPOSAL, "proposal",
			    "default");
			pf->esp = resolve_ref(c, in, REF_PROFILE_ESP,
			    SEC_ESP, "esp", "default");
			pf->policy = resolve_ref(c, in, REF_PROFILE_POLICY,
			    SEC_POLICY, "policy", NULL);
			check_profile(c, in);
			break;
		case SEC_USER:
			((struct cfg_user *)in->obj)->policy = resolve_ref(c,
			    in, REF_USER_POLICY, SEC_POLICY, "policy", NULL);
			check_user(c, in);
			break;
		case SEC__MAX:
			break;
		}
	}
	check_pools_apart(c);
	if (c->cfg->sec[SEC_PROFILE].n == 0)
		errf(c, 0, "no [profile NAME] section: no client could "
		    "connect");
}

/*
 * Loading.
 */

static struct cfg *
cfg_new(struct ctx *c, const char *name)
{
	struct cfg *cfg;
	int i;

	if ((cfg = calloc(1, sizeof(*cfg))) == NULL ||
	    (cfg->source = strdup(name)) == NULL ||
	    (cfg->gw.crypto = strdup("auto")) == NULL ||
	    (cfg->gw.control_socket = strdup(IKEGATE_RUNSTATEDIR
	    "/ikegated.sock")) == NULL ||
	    (cfg->gw.tun = strdup("ikeg0")) == NULL) {
		nomem(c);
		cfg_free(cfg);
		return NULL;
	}
	cfg->gw.address.family = AF_INET;	/* 0.0.0.0 */
	cfg->gw.port = 500;			/* RFC 7296 2 */
	cfg->gw.nat_port = 4500;		/* RFC 3948 */
	cfg->gw.half_open_timeout = 30;
	cfg->gw.rx_coalesce_usecs = CFG_RX_COALESCE_DEFAULT;
	cfg->gw.cookie_threshold = CFG_COOKIES_DEFAULT;
	for (i = 0; i < SUB__MAX; i++)
		cfg->gw.log_level[i] = LOGL_INFO;
	return cfg;
}

static int
msg_cmp(const void *a, const void *b)
{
	const struct msg *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void
print_msgs(struct ctx *c, FILE *fp)
{
	size_t i;

	if (c->nmsgs > 1)
		qsort(c->msgs, c->nmsgs, sizeof(*c->msgs), msg_cmp);
	for (i = 0; fp != NULL && i < c->nmsgs; i++) {
		if (c->msgs[i].line > 0)
			fprintf(fp, "%s:%u: %s\n", c->name, c->msgs[i].line,
			    c->msgs[i].text);
		else
			fprintf(fp, "%s: %s\n", c->name, c->msgs[i].text);
	}
	if (fp != NULL && c->nerr > c->nmsgs)
		fprintf(fp, "%s: %u more errors not shown\n", c->name,
		    c->nerr - (unsigned)c->nmsgs);
	if (fp != NULL)
		fflush(fp);
}

/*
 * inih parses each line in a buffer on its own stack frame, which we
 * cannot reach to wipe; once it has returned, overwrite the stack below
 * the caller where that frame was, so that secrets from the file do not
 * linger there (libgcrypt's _gcry_burn_stack does the same).
 */
static void __attribute__((noinline))
burn_stack(void)
{
	unsigned char pad[8192];

	ct_wipe(pad, sizeof(pad));
}

static void
ctx_cleanup(struct ctx *c)
{
	struct inst *in;
	size_t i, j;

	for (i = 0; i < c->insts.n; i++) {
		in = c->insts.v[i];
		for (j = 0; j < MAX_REFS; j++)
			free(in->ref[j]);
		free(in);
	}
	free(c->insts.v);
	for (i = 0; i < c->nmsgs; i++)
		free(c->msgs[i].text);
	free(c->msgs);
	free(c->dir);
}

static int
ctx_init(struct ctx *c, const char *name)
{
	const char *slash = strrchr(name, '/');

	memset(c, 0, sizeof(*c));
	c->name = name;
	if (slash != NULL &&
	    (c->dir = strndup(name, slash == name ? 1 :
	    (size_t)(slash - name))) == NULL)
		return -E_NOMEM;
	if ((c->cfg = cfg_new(c, name)) == NULL)
		return -E_NOMEM;
	return 0;
}

/* Parses text[0..len) in c, validates, reports; consumes c. */
static int
finish(struct ctx *c, const char *text, size_t len, struct cfg **out,
    FILE *errfp, unsigned *nerr)
{
	int r = -E_INTERNAL, ir;
	size_t i;

	if (text != NULL) {
		c->p = text;
		c->left = len;
		ir = ini_parse_stream(reader, c, handler, c);
		burn_stack();
		/* The reader hides every malformed line from inih, so a line
		 * number here is a handler failure (out of memory). */
		if (ir == -2)
			nomem(c);
		else if (ir == -1)
			errf(c, 0, "cannot read");
		else if (ir > 0 && !c->nomem)
			errf(c, (unsigned)ir, "syntax error");
		if (!c->nomem)
			validate(c);
	}
	if (c->nomem) {
		for (i = 0; i < c->nmsgs; i++)
			free(c->msgs[i].text);
		c->nmsgs = 0;
		c->nerr = 0;
		errf(c, 0, "out of memory");
		if (c->nmsgs == 0 && errfp != NULL)
			fprintf(errfp, "%s: out of memory\n", c->name);
		r = -E_NOMEM;
	} else
		r = c->nerr > 0 ? -E_CONFIG : 0;
	print_msgs(c, errfp);
	if (nerr != NULL)
		*nerr = c->nerr;
	if (r == 0) {
		*out = c->cfg;
		c->cfg = NULL;
	}
	cfg_free(c->cfg);
	ctx_cleanup(c);
	return r;
}

int
cfg_load_string(const char *name, const char *text, struct cfg **out,
    FILE *errfp, unsigned *nerr)
{
	struct ctx c;

	*out = NULL;
	if (ctx_init(&c, name) != 0)
		c.nomem = 1;
	return finish(&c, c.nomem ? NULL : text, strlen(text), out, errfp,
	    nerr);
}

int
cfg_load(const char *path, struct cfg **out, FILE *errfp, unsigned *nerr)
{
	struct ctx c;
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int fd = -1, r;

	*out = NULL;
	if (ctx_init(&c, path) != 0) {
		c.nomem = 1;
		return finish(&c, NULL, 0, out, errfp, nerr);
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		errf(&c, 0, "cannot open: %s", strerror(errno));
		goto done;
	}
	if (fstat(fd, &st) == -1) {
		errf(&c, 0, "cannot read: %s", strerror(errno));
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		errf(&c, 0, "not a regular file");
		goto done;
	}
	if (st.st_size > (off_t)CFG_FILE_MAX) {
		errf(&c, 0, "larger than %u bytes", CFG_FILE_MAX);
		goto done;
	}
	/* Read to end of file, not st_size bytes: the file may change. */
	if ((buf = malloc(CFG_FILE_MAX + 1)) == NULL) {
		c.nomem = 1;
		goto done;
	}
	while ((n = read(fd, buf + len, CFG_FILE_MAX + 1 - len)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			errf(&c, 0, "cannot read: %s", strerror(errno));
			goto done;
		}
		len += (size_t)n;
		if (len > CFG_FILE_MAX) {
			errf(&c, 0, "larger than %u bytes", CFG_FILE_MAX);
			goto done;
		}
	}
	close(fd);
	fd = -1;
	r = finish(&c, buf, len, out, errfp, nerr);
	ct_wipe(buf, len);
	free(buf);
	return r;
 done:
	if (fd != -1)
		close(fd);
	if (buf != NULL) {
		ct_wipe(buf, len);
		free(buf);
	}
	return finish(&c, NULL, 0, out, errfp, nerr);
}

void
cfg_free(struct cfg *c)
{
	size_t i;
	int k;

	if (c == NULL)
		return;
	for (k = 0; k < SEC__MAX; k++) {
		for (i = 0; i < c->sec[k].n; i++)
			obj_free((enum sec_kind)k, c->sec[k].v[i]);
		free(c->sec[k].v);
	}
	free(c->gw.crypto);
	free(c->gw.certificate);
	free(c->gw.private_key);
	id_free(&c->gw.local_id);
	free(c->gw.control_socket);
	free(c->gw.user);
	free(c->gw.tun);
	free(c->source);
	free(c);
}

/*
 * Lookups.
 */

const char *
cfg_source(const struct cfg *c)
{
	return c->source;
}

const struct cfg_gateway *
cfg_gateway(const struct cfg *c)
{
	return &c->gw;
}

size_t
cfg_profile_count(const struct cfg *c)
{
	return c->sec[SEC_PROFILE].n;
}

const struct cfg_profile *
cfg_profile_at(const struct cfg *c, size_t i)
{
	return i < c->sec[SEC_PROFILE].n ? c->sec[SEC_PROFILE].v[i] : NULL;
}

size_t
cfg_pool_count(const struct cfg *c)
{
	return c->sec[SEC_POOL].n;
}

const struct cfg_pool *
cfg_pool_at(const struct cfg *c, size_t i)
{
	return i < c->sec[SEC_POOL].n ? c->sec[SEC_POOL].v[i] : NULL;
}

static int
lower(int ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch;
}

/*
 * Matches s against pattern p where '*' stands for any run of bytes:
 * the greedy algorithm that backtracks only to the last star, so the
 * cost stays O(|p| * |s|) whatever the input.
 */
static int
wild(const char *p, size_t pn, const uint8_t *s, size_t sn, int icase)
{
	size_t pi = 0, si = 0, star = SIZE_MAX, mark = 0;

	while (si < sn) {
		if (pi < pn && p[pi] == '*') {
			star = pi++;
			mark = si;
		} else if (pi < pn && (icase ?
		    lower((unsigned char)p[pi]) == lower(s[si]) :
		    (unsigned char)p[pi] == s[si])) {
			pi++;
			si++;
		} else if (star != SIZE_MAX) {
			pi = star + 1;
			si = ++mark;
		} else
			return 0;
	}
	while (pi < pn && p[pi] == '*')
		pi++;
	return pi == pn;
}

static int
match_one(const struct cfg_match *m, enum cfg_id_type type, struct span id)
{
	struct cfg_addr a;

	switch (m->type) {
	case CFG_ID_NONE:
		return 1;
	case CFG_ID_IPV4_ADDR:
	case CFG_ID_IPV6_ADDR:
		if (type != m->type ||
		    id.len != (type == CFG_ID_IPV4_ADDR ? 4u : 16u))
			return 0;
		memset(&a, 0, sizeof(a));
		a.family = type == CFG_ID_IPV4_ADDR ? AF_INET : AF_INET6;
		memcpy(a.a, id.p, id.len);
		return prefix_has(&m->prefix, &a);
	case CFG_ID_KEY_ID:
		return type == m->type && wild(m->pattern, m->plen, id.p,
		    id.len, 0);
	case CFG_ID_FQDN:
	case CFG_ID_RFC822_ADDR:
		return type == m->type && wild(m->pattern, m->plen, id.p,
		    id.len, 1);
	case CFG_ID_DER_ASN1_DN:
		return 0;
	}
	return 0;
}

const struct cfg_profile *
cfg_profile_match(const struct cfg *c, enum cfg_id_type type, struct span id)
{
	const struct cfg_profile *p;
	size_t i, j;

	for (i = 0; i < c->sec[SEC_PROFILE].n; i++) {
		p = c->sec[SEC_PROFILE].v[i];
		for (j = 0; j < p->nmatch; j++)
			if (match_one(&p->match[j], type, id))
				return p;
	}
	return NULL;
}

const struct cfg_user *
cfg_user_find(const struct cfg *c, struct span name)
{
	const struct cfg_user *u;
	size_t i;

	for (i = 0; i < c->sec[SEC_USER].n; i++) {
		u = c->sec[SEC_USER].v[i];
		if (strlen(u->name) == name.len &&
		    memcmp(u->name, name.p, name.len) == 0)
			return u;
	}
	return NULL;
}

const struct cfg_policy *
cfg_policy_for(const struct cfg_profile *p, const struct cfg_user *user)
{
	return user != NULL && user->policy != NULL ? user->policy :
	    p->policy;
}

const struct cfg_pool *
cfg_pool_find(const struct cfg *c, const char *name)
{
	return find(c, SEC_POOL, name);
}

const struct cfg_policy *
cfg_policy_find(const struct cfg *c, const char *name)
{
	return find(c, SEC_POLICY, name);
}

const struct cfg_proposal *
cfg_proposal_find(const struct cfg *c, const char *name)
{
	return find(c, SEC_PROPOSAL, name);
}

const struct cfg_esp *
cfg_esp_find(const struct cfg *c, const char *name)
{
	return find(c, SEC_ESP, name);
}
