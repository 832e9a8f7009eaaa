/*
 * 3007-ike-cp: the configuration payload of the responder (core/ike_cp,
 * RFC 7296 3.15, RFC 8598): what a CFG_REQUEST asks for, the exact
 * attribute set of the CFG_REPLY, and the INTERNAL_ADDRESS_FAILURE
 * decision.
 *
 * The STRONGSWAN_* vectors are CP payload bodies of strongSwan 5.9.8
 * (Debian 5.9.8-5+deb12u6) captured at authoring time from IKE_AUTH
 * plaintext (charon filelog "enc = 4"): a client with vips = 0.0.0.0 and
 * the resolve plugin (then vips = 0.0.0.0,::), and a strongSwan gateway
 * with pool 198.18.20.0/28 and dns = 198.18.10.53, 198.18.10.54.
 */
#include "config.h"

#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "core/buf.h"
#include "core/ike_cp.h"
#include "core/ike_pld.h"
#include "core/pool.h"
#include "t/tap.h"

/* CFG_REQUEST: INTERNAL_IP4_ADDRESS and INTERNAL_IP4_DNS, both empty. */
#define STRONGSWAN_REQ_V4 \
	"010000000001000000030000"
/* CFG_REQUEST: IP4 and IP6 address, IP4 and IP6 DNS, all empty. */
#define STRONGSWAN_REQ_V46 \
	"01000000000100000008000000030000000a0000"
/* The gateway's CFG_REPLY to either: 198.18.20.1 and the two servers,
 * no netmask, nothing for IPv6 (the pool had none). */
#define STRONGSWAN_REPLY \
	"0200000000010004c612140100030004c6120a3500030004c6120a36"

static struct ike_pld_cp cp;
static uint8_t raw[1024];
static struct buf *b;

static int
load(const char *hex)
{
	size_t n = tap_unhex(hex, raw, sizeof(raw));

	return ike_pld_parse_cp(span_make(raw, n), &cp);
}

static struct pool_addr
addr(const char *s)
{
	struct pool_addr a;

	memset(&a, 0, sizeof(a));
	if (pool_addr_pton(s, &a) != 0)
		diag("bad address %s", s);
	return a;
}

static struct cfg_addr
caddr(const char *s)
{
	struct cfg_addr c;
	struct pool_addr a = addr(s);

	memset(&c, 0, sizeof(c));
	c.family = a.family;
	memcpy(c.a, a.a, 16);
	return c;
}

/* Builds the reply into b and returns its body. */
static int
reply(const struct ike_cp_req *req, const struct cfg_policy *pol,
    const struct ike_cp_assign *a, struct span *body)
{
	struct ike_chain ch;
	struct ike_pld_hdr h;
	struct span chain;
	int r;

	buf_reset(b);
	ike_pld_chain_init(&ch, b);
	if ((r = ike_cp_add_reply(&ch, req, pol, a)) != 0)
		return r;
	chain = buf_span(b);
	if ((r = ike_pld_next(&chain, ch.first, &h, body)) != 0)
		return r;
	return ch.first == IKE_PLD_CP ? 0 : -E_INTERNAL;
}

static void
test_strongswan(void)
{
	struct ike_cp_req req;
	struct cfg_policy pol;
	struct ike_cp_assign a;
	struct pool_addr v4 = addr("198.18.20.1");
	struct span body;
	size_t n;

	is_int(load(STRONGSWAN_REQ_V4), 0, "swan request decodes");
	is_int(ike_cp_parse_req(&cp, NULL, 0, &req), 0, "swan request read");
	is_int(req.asked, (1u << IKE_CP_INTERNAL_IP4_ADDRESS) |
	    (1u << IKE_CP_INTERNAL_IP4_DNS), "swan: address and DNS asked");
	ok(ike_cp_wants_addr(&req, AF_INET) && !ike_cp_wants_addr(&req,
	    AF_INET6), "swan: wants an IPv4 address only");
	is_int(req.v4.family, 0, "swan: no particular address");
	is_str(req.app_version, "", "swan: no application version");

	memset(&pol, 0, sizeof(pol));
	pol.dns[0] = caddr("198.18.10.53");
	pol.dns[1] = caddr("198.18.10.54");
	pol.ndns = 2;
	memset(&a, 0, sizeof(a));
	a.v4 = &v4;
	is_int(ike_cp_addr_failed(&req, 1, 0), 0, "swan: no address failure");
	is_int(reply(&req, &pol, &a, &body), 0, "swan: reply built");
	n = tap_unhex(STRONGSWAN_REPLY, raw, sizeof(raw));
	ok(body.len == n && memcmp(body.p, raw, n) == 0,
	    "swan: the reply strongSwan's gateway sent, byte for byte");

	/* Asking for IPv6 too, with an IPv4-only pool: the same reply; an
	 * IPv6 DNS server of the policy is left out. */
	is_int(load(STRONGSWAN_REQ_V46), 0, "swan 4+6 request decodes");
	is_int(ike_cp_parse_req(&cp, NULL, 0, &req), 0, "swan 4+6 read");
	ok(ike_cp_wants_addr(&req, AF_INET) && ike_cp_wants_addr(&req,
	    AF_INET6), "swan 4+6: wants both");
	ok(ike_cp_asked(&req, IKE_CP_INTERNAL_IP6_DNS), "swan 4+6: DNS6");
	is_int(ike_cp_addr_failed(&req, 1, 0), 0,
	    "swan 4+6: IPv4 alone is not a failure");
	pol.dns[2] = caddr("2001:db8:10::53");
	pol.ndns = 3;
	is_int(reply(&req, &pol, &a, &body), 0, "swan 4+6: reply built");
	n = tap_unhex(STRONGSWAN_REPLY, raw, sizeof(raw));
	ok(body.len == n && memcmp(body.p, raw, n) == 0,
	    "swan 4+6: same reply, no IPv6 attribute");
}

static void
test_full(void)
{
	static const uint16_t extra[] = { 24576, 24577 };
	static struct ike_pld_cp back;
	struct ike_cp_req req;
	struct cfg_policy pol;
	struct cfg_prefix split[3];
	struct ike_cp_assign a;
	struct ike_pld_cp_attr ex[1];
	struct pool_addr v4 = addr("10.99.0.7"), v6 = addr("2001:db8:99::7");
	struct span body;
	static const uint16_t want_types[] = {
		IKE_CP_INTERNAL_IP4_ADDRESS, IKE_CP_INTERNAL_IP4_NETMASK,
		IKE_CP_INTERNAL_IP6_ADDRESS, IKE_CP_INTERNAL_IP4_DNS,
		IKE_CP_INTERNAL_IP6_DNS, IKE_CP_INTERNAL_DNS_DOMAIN,
		IKE_CP_INTERNAL_IP4_SUBNET, IKE_CP_INTERNAL_IP6_SUBNET,
		IKE_CP_INTERNAL_IP4_SUBNET, IKE_CP_APPLICATION_VERSION,
		IKE_CP_SUPPORTED_ATTRIBUTES, 24576,
	};
	uint8_t v[32];
	size_t i, n;
	int same;

	/* A request with a bit of everything: a specific IPv4 address,
	 * an IPv6 address with prefix, netmask, application version (with
	 * an unprintable byte), supported attributes, a domain, the two
	 * resumption types (24577 twice) and an unknown private type. */
	is_int(load("01000000"
	    "00010004" "0a090807"		/* IP4 address 10.9.8.7 */
	    "00080011" "20010db8000000000000000000000042" "80"
	    "00020000"				/* netmask */
	    "0007000b" "7374726f6e675377616e01"	/* "strongSwan\x01" */
	    "000e0000"				/* supported attributes */
	    "00190000"				/* DNS domain */
	    "60010000" "60010000"		/* 24577 twice */
	    "60000003" "534944"			/* 24576 "SID" */
	    "75300000"),			/* 30000 */
	    0, "full request decodes");
	is_int(ike_cp_parse_req(&cp, extra, 2, &req), 0, "full request read");
	ok(ike_cp_asked(&req, IKE_CP_INTERNAL_IP4_NETMASK) &&
	    ike_cp_asked(&req, IKE_CP_APPLICATION_VERSION) &&
	    ike_cp_asked(&req, IKE_CP_SUPPORTED_ATTRIBUTES) &&
	    ike_cp_asked(&req, IKE_CP_INTERNAL_DNS_DOMAIN) &&
	    !ike_cp_asked(&req, IKE_CP_INTERNAL_IP4_DNS),
	    "full: standard types");
	ok(req.nextra == 2 && req.extra[0] == 24577 && req.extra[1] == 24576,
	    "full: extra types in order of appearance, once each");
	ok(ike_cp_asked(&req, 24576) && ike_cp_asked(&req, 24577) &&
	    !ike_cp_asked(&req, 30000), "full: unknown private type ignored");
	ok(req.v4.family == AF_INET &&
	    pool_addr_eq(&req.v4, &(struct pool_addr){ AF_INET,
	    { 10, 9, 8, 7 } }), "full: the IPv4 address asked for");
	ok(req.v6.family == AF_INET6 && req.v6.a[15] == 0x42 &&
	    req.v6_prefix == 128, "full: the IPv6 address asked for");
	is_str(req.app_version, "strongSwan?", "full: version made printable");

	memset(&pol, 0, sizeof(pol));
	pol.dns[0] = caddr("10.99.0.53");
	pol.dns[1] = caddr("2001:db8:99::53");
	pol.ndns = 2;
	pol.domain = "corp.example";
	split[0].addr = caddr("10.1.0.0");
	split[0].len = 16;
	split[1].addr = caddr("2001:db8:1::");
	split[1].len = 48;
	split[2].addr = caddr("198.18.10.0");
	split[2].len = 24;
	pol.split = split;
	pol.nsplit = 3;
	ex[0].type = 24576;
	ex[0].value = span_make("SID", 3);
	memset(&a, 0, sizeof(a));
	a.v4 = &v4;
	a.v6 = &v6;
	a.extra = ex;
	a.nextra = 1;
	is_int(reply(&req, &pol, &a, &body), 0, "full reply built");
	is_int(ike_pld_parse_cp(body, &back), 0, "full reply decodes");
	is_int(back.type, IKE_CP_CFG_REPLY, "full reply: CFG_REPLY");
	is_int(back.nattr, sizeof(want_types) / sizeof(want_types[0]),
	    "full reply: attribute count");
	for (i = 0, same = 1; i < back.nattr &&
	    i < sizeof(want_types) / sizeof(want_types[0]); i++)
		same &= back.attr[i].type == want_types[i];
	ok(same, "full reply: exactly the expected attributes, in order");
	if (back.nattr != 12)
		return;
	/* Values, against the RFC 7296 3.15.1 layouts. */
	n = tap_unhex("0a630007", v, sizeof(v));
	ok(back.attr[0].value.len == n && !memcmp(back.attr[0].value.p, v, n),
	    "IP4 address: assigned, not the one asked for");
	n = tap_unhex("ffffffff", v, sizeof(v));
	ok(back.attr[1].value.len == n && !memcmp(back.attr[1].value.p, v, n),
	    "netmask: 255.255.255.255");
	n = tap_unhex("20010db8009900000000000000000007" "80", v, sizeof(v));
	ok(back.attr[2].value.len == n && !memcmp(back.attr[2].value.p, v, n),
	    "IP6 address: address, prefix length 128");
	n = tap_unhex("0a630035", v, sizeof(v));
	ok(back.attr[3].value.len == n && !memcmp(back.attr[3].value.p, v, n),
	    "IP4 DNS");
	n = tap_unhex("20010db8009900000000000000000053", v, sizeof(v));
	ok(back.attr[4].value.len == n && !memcmp(back.attr[4].value.p, v, n),
	    "IP6 DNS");
	ok(back.attr[5].value.len == 12 &&
	    !memcmp(back.attr[5].value.p, "corp.example", 12),
	    "DNS domain: presentation format, no NUL (RFC 8598 3.1)");
	n = tap_unhex("0a010000" "ffff0000", v, sizeof(v));
	ok(back.attr[6].value.len == n && !memcmp(back.attr[6].value.p, v, n),
	    "IP4 subnet: address and mask");
	n = tap_unhex("20010db8000100000000000000000000" "30", v, sizeof(v));
	ok(back.attr[7].value.len == n && !memcmp(back.attr[7].value.p, v, n),
	    "IP6 subnet: address and prefix length");
	n = tap_unhex("c6120a00" "ffffff00", v, sizeof(v));
	ok(back.attr[8].value.len == n && !memcmp(back.attr[8].value.p, v, n),
	    "IP4 subnet 2");
	ok(back.attr[9].value.len == strlen("ikegate " IKEGATE_VERSION) &&
	    !memcmp(back.attr[9].value.p, "ikegate " IKEGATE_VERSION,
	    back.attr[9].value.len), "application version: ours");
	n = tap_unhex("0001 0002 0003 0007 0008 000a 000d 000e 000f 0019 6000",
	    v, sizeof(v));
	ok(back.attr[10].value.len == n &&
	    !memcmp(back.attr[10].value.p, v, n),
	    "supported attributes: ours and the extra type");
	ok(back.attr[11].value.len == 3 &&
	    !memcmp(back.attr[11].value.p, "SID", 3), "extra: verbatim");

	/* Only IPv4 assigned: no IPv6 address, DNS or subnet. */
	a.v6 = NULL;
	is_int(reply(&req, &pol, &a, &body), 0, "IPv4 only: built");
	is_int(ike_pld_parse_cp(body, &back), 0, "IPv4 only: decodes");
	for (i = 0, same = 1; i < back.nattr; i++)
		same &= back.attr[i].type != IKE_CP_INTERNAL_IP6_ADDRESS &&
		    back.attr[i].type != IKE_CP_INTERNAL_IP6_DNS &&
		    back.attr[i].type != IKE_CP_INTERNAL_IP6_SUBNET;
	ok(same && back.nattr == 9, "IPv4 only: no IPv6 attribute (%zu)",
	    back.nattr);
}

static void
test_minimal_and_errors(void)
{
	static struct ike_pld_cp back;
	struct ike_cp_req req;
	struct cfg_policy pol;
	struct cfg_prefix split[70];
	struct ike_cp_assign a;
	struct ike_pld_cp_attr ex[1];
	struct pool_addr v4 = addr("10.0.0.1"), v6 = addr("2001:db8::1");
	struct span body;
	uint16_t extra[IKE_CP_MAX_EXTRA + 1];
	int i;

	/* Nothing asked, nothing assigned, no policy: an empty reply. */
	is_int(load("01000000"), 0, "empty request decodes");
	is_int(ike_cp_parse_req(&cp, NULL, 0, &req), 0, "empty request");
	is_int(req.asked, 0, "empty request: nothing asked");
	is_int(ike_cp_addr_failed(&req, 0, 0), 0,
	    "no address asked: never a failure");
	memset(&a, 0, sizeof(a));
	is_int(reply(&req, NULL, &a, &body), 0, "empty reply built");
	is_int(ike_pld_parse_cp(body, &back), 0, "empty reply decodes");
	ok(back.type == IKE_CP_CFG_REPLY && back.nattr == 0,
	    "empty reply: CFG_REPLY without attributes");
	/* An address asked for but not given: not even in the reply. */
	is_int(load("01000000" "00010000"), 0, "v4 request decodes");
	is_int(ike_cp_parse_req(&cp, NULL, 0, &req), 0, "v4 request");
	is_int(ike_cp_addr_failed(&req, 0, 0), 1,
	    "pool exhausted: INTERNAL_ADDRESS_FAILURE");
	is_int(ike_cp_addr_failed(&req, 0, 1), 1,
	    "an IPv6 address that was not asked for does not help");
	/* The unspecified address is no request for a particular one. */
	is_int(load("01000000" "00010004" "00000000"), 0, "0.0.0.0 decodes");
	is_int(ike_cp_parse_req(&cp, NULL, 0, &req), 0, "0.0.0.0 read");
	is_int(req.v4.family, 0, "0.0.0.0: no particular address");
	is_int(load("01000000" "00080000"), 0, "v6 request decodes");
	is_int(ike_cp_parse_req(&cp, NULL, 0, &req), 0, "v6 request");
	is_int(ike_cp_addr_failed(&req, 1, 0), 1,
	    "v6 asked, v4 given: failure");
	is_int(ike_cp_addr_failed(&req, 0, 1), 0, "v6 asked and given");
	/* Netmask without an IPv4 address is not sent. */
	is_int(load("01000000" "00020000"), 0, "netmask request decodes");
	is_int(ike_cp_parse_req(&cp, NULL, 0, &req), 0, "netmask request");
	a.v6 = &v6;
	is_int(reply(&req, NULL, &a, &body), 0, "netmask, IPv6 only: built");
	is_int(ike_pld_parse_cp(body, &back), 0, "... decodes");
	ok(back.nattr == 1 && back.attr[0].type == IKE_CP_INTERNAL_IP6_ADDRESS,
	    "netmask, IPv6 only: just the IPv6 address");

	/* Not a request. */
	is_int(load("02000000"), 0, "a CFG_REPLY decodes");
	is_int(ike_cp_parse_req(&cp, NULL, 0, &req), -E_NOTSUP,
	    "a CFG_REPLY is not a request");
	is_int(load("01000000"), 0, "request decodes");
	for (i = 0; i <= IKE_CP_MAX_EXTRA; i++)
		extra[i] = (uint16_t)(20000 + i);
	is_int(ike_cp_parse_req(&cp, extra, IKE_CP_MAX_EXTRA + 1, &req),
	    -E_INVAL, "too many extra types");
	/* A decoded struct the decoder would not produce. */
	cp.nattr = 1;
	cp.attr[0].type = IKE_CP_INTERNAL_IP4_ADDRESS;
	cp.attr[0].value = span_make("\x01\x02\x03", 3);
	is_int(ike_cp_parse_req(&cp, NULL, 0, &req), -E_BADLEN,
	    "a 3-byte IPv4 address");

	/* Reply errors. */
	is_int(load("01000000"), 0, "request decodes");
	is_int(ike_cp_parse_req(&cp, NULL, 0, &req), 0, "request read");
	memset(&a, 0, sizeof(a));
	a.v4 = &v6;
	is_int(reply(&req, NULL, &a, &body), -E_INVAL, "IPv6 as v4");
	a.v4 = &v4;
	ex[0].type = 0x8000;
	ex[0].value = span_make(NULL, 0);
	a.extra = ex;
	a.nextra = 1;
	is_int(reply(&req, NULL, &a, &body), -E_INVAL, "extra type 32768");
	a.nextra = 0;
	memset(&pol, 0, sizeof(pol));
	for (i = 0; i < 70; i++) {
		memset(&split[i], 0, sizeof(split[i]));
		split[i].addr.family = AF_INET;
		split[i].addr.a[0] = 10;
		split[i].addr.a[1] = (uint8_t)i;
		split[i].len = 16;
	}
	pol.split = split;
	pol.nsplit = 70;
	is_int(reply(&req, &pol, &a, &body), -E_TOOMANY,
	    "70 split networks: more than a CP payload holds");
	pol.nsplit = 63;
	is_int(reply(&req, &pol, &a, &body), 0, "63 split networks fit");
	is_int(ike_pld_parse_cp(body, &back), 0, "... and decode");
	is_int(back.nattr, 64, "... address and 63 subnets");
}

/* The fullest reply a policy can make: a request for every attribute
 * the gateway answers, both addresses, CFG_MAX_DNS servers of both
 * families, a domain, the two resumption attributes and CFG_MAX_SPLIT
 * networks. It must fit one CP payload (REPLY_FIXED_MAX in ike_cp.c
 * counts the attributes besides the networks). */
static void
test_fullest(void)
{
	static struct ike_pld_cp back;
	struct ike_cp_req req;
	struct cfg_policy pol;
	struct cfg_prefix split[CFG_MAX_SPLIT];
	struct ike_cp_assign a;
	struct ike_pld_cp_attr ex[2];
	struct pool_addr v4 = addr("10.0.0.1"), v6 = addr("2001:db8::1");
	struct span body;
	size_t i;

	/* IP4_ADDRESS, IP4_NETMASK, IP4_DNS, APPLICATION_VERSION,
	 * IP6_ADDRESS, IP6_DNS, SUPPORTED_ATTRIBUTES, all empty. */
	is_int(load("01000000 00010000 00020000 00030000 00070000"
	    "00080000 000a0000 000e0000"), 0, "fullest: request decodes");
	is_int(ike_cp_parse_req(&cp, NULL, 0, &req), 0, "fullest: request");
	memset(&pol, 0, sizeof(pol));
	for (i = 0; i < CFG_MAX_DNS; i++)
		pol.dns[i] = caddr(i % 2 ? "2001:db8::53" : "198.51.100.53");
	pol.ndns = CFG_MAX_DNS;
	pol.domain = "example.test";
	for (i = 0; i < CFG_MAX_SPLIT; i++) {
		memset(&split[i], 0, sizeof(split[i]));
		split[i].addr.family = AF_INET;
		split[i].addr.a[0] = 198;
		split[i].addr.a[1] = 18;
		split[i].addr.a[2] = (uint8_t)i;
		split[i].len = 24;
	}
	pol.split = split;
	pol.nsplit = CFG_MAX_SPLIT;
	memset(&a, 0, sizeof(a));
	a.v4 = &v4;
	a.v6 = &v6;
	ex[0].type = 24576;
	ex[0].value = span_str("session-id");
	ex[1].type = 24577;
	ex[1].value = span_str("token");
	a.extra = ex;
	a.nextra = 2;
	is_int(reply(&req, &pol, &a, &body), 0, "fullest: reply built");
	is_int(ike_pld_parse_cp(body, &back), 0, "fullest: ... and decodes");
	is_int(back.nattr, IKE_PLD_MAX_CP_ATTRS,
	    "fullest: %d networks and 16 more fill the payload", CFG_MAX_SPLIT);
}

int
main(void)
{
	if ((b = buf_new(8192)) == NULL)
		skip_all("out of memory");
	test_fullest();
	test_strongswan();
	test_full();
	test_minimal_and_errors();
	buf_free(b);
	return done_testing();
}
