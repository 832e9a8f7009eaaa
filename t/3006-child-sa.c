/*
 * 3006-child-sa: traffic selector narrowing for the remote-access
 * responder (RFC 7296 2.9, 3.13), selector intersection (RFC 4301
 * 4.4.1.1 for OPAQUE ports), inbound SPI allocation (RFC 4303 2.1) and
 * the CHILD SA record (core/child_sa).
 *
 * The STRONGSWAN_* vectors are TS payload bodies of strongSwan 5.9.8
 * (Debian 5.9.8-5+deb12u6) captured at authoring time from IKE_AUTH
 * plaintext (charon filelog "enc = 4"), two charon instances in network
 * namespaces: a client with vips = 0.0.0.0 (then 0.0.0.0,::) and
 * remote_ts = 0.0.0.0/0, a gateway with local_ts = 198.18.10.0/24 and a
 * pool 198.18.20.0/28, which assigned 198.18.20.1.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "core/buf.h"
#include "core/child_sa.h"
#include "core/ike_pld.h"
#include "core/pool.h"
#include "core/xform.h"
#include "t/tap.h"

/* The client's TSi and TSr (both 0.0.0.0-255.255.255.255, any). */
#define STRONGSWAN_TS_ANY4 \
	"01000000070000100000ffff00000000ffffffff"
/* With vips = 0.0.0.0,:: the TSi also holds ::/0. */
#define STRONGSWAN_TSI_46 \
	"02000000070000100000ffff00000000ffffffff080000280000ffff" \
	"00000000000000000000000000000000" \
	"ffffffffffffffffffffffffffffffff"
/* The gateway's answers: TSi 198.18.20.1/32, TSr 198.18.10.0/24. */
#define STRONGSWAN_TSI_REPLY \
	"01000000070000100000ffffc6121401c6121401"
#define STRONGSWAN_TSR_REPLY \
	"01000000070000100000ffffc6120a00c6120aff"

static struct ike_pld_ts tsi, tsr;
static uint8_t rawi[512], rawr[512];
static struct child_sa_ts out;
static struct buf *b;

static int
load(struct ike_pld_ts *ts, uint8_t *raw, const char *hex)
{
	size_t n = tap_unhex(hex, raw, 512);

	return ike_pld_parse_ts(span_make(raw, n), ts);
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

static struct cfg_prefix
pfx(const char *s, unsigned len)
{
	struct cfg_prefix p;
	struct pool_addr a = addr(s);

	memset(&p, 0, sizeof(p));
	p.addr.family = a.family;
	memcpy(p.addr.a, a.a, 16);
	p.len = len;
	return p;
}

/* A selector from text: "a-b" addresses, proto, ports. */
static struct child_sa_sel
sel(const char *start, const char *end, uint8_t proto, uint16_t sport,
    uint16_t eport)
{
	struct child_sa_sel s;
	struct pool_addr a = addr(start), z = addr(end);

	memset(&s, 0, sizeof(s));
	s.family = a.family;
	memcpy(s.start, a.a, 16);
	memcpy(s.end, z.a, 16);
	s.proto = proto;
	s.sport = sport;
	s.eport = eport;
	return s;
}

static const char *
str(const struct child_sa_sel *s)
{
	static char buf[4][CHILD_SA_SEL_STRLEN];
	static int k;

	k = (k + 1) % 4;
	if (child_sa_sel_str(s, buf[k], sizeof(buf[k])) != 0)
		return "(error)";
	return buf[k];
}

/* Encodes selectors v[0..n) as a TS payload and returns its body. */
static int
encode(const struct child_sa_sel *v, size_t n, uint8_t type,
    struct span *body)
{
	static struct ike_pld_ts ts;
	struct ike_chain ch;
	struct ike_pld_hdr h;
	struct span chain;
	int r;

	buf_reset(b);
	ike_pld_chain_init(&ch, b);
	if ((r = child_sa_ts_pld(v, n, &ts)) != 0 ||
	    (r = ike_pld_add_ts(&ch, type, &ts)) != 0)
		return r;
	chain = buf_span(b);
	return ike_pld_next(&chain, ch.first, &h, body);
}

static void
test_strongswan(void)
{
	struct cfg_policy pol;
	struct cfg_prefix split[1];
	struct pool_addr a[2];
	struct span body;
	uint8_t want[64];
	size_t n;

	memset(&pol, 0, sizeof(pol));
	split[0] = pfx("198.18.10.0", 24);
	pol.split = split;
	pol.nsplit = 1;
	a[0] = addr("198.18.20.1");

	is_int(load(&tsi, rawi, STRONGSWAN_TS_ANY4), 0, "swan TSi decodes");
	is_int(load(&tsr, rawr, STRONGSWAN_TS_ANY4), 0, "swan TSr decodes");
	is_int(child_sa_narrow(&tsi, &tsr, a, 1, &pol, &out), 0,
	    "swan: narrowed");
	ok(out.ni == 1 && out.nr == 1, "swan: one selector each");
	is_str(str(&out.i[0]), "198.18.20.1/32", "swan: TSi is the address");
	is_str(str(&out.r[0]), "198.18.10.0/24", "swan: TSr is the split");
	/* The same bytes strongSwan's gateway answered with. */
	is_int(encode(out.i, out.ni, IKE_PLD_TSI, &body), 0, "TSi encodes");
	n = tap_unhex(STRONGSWAN_TSI_REPLY, want, sizeof(want));
	ok(body.len == n && memcmp(body.p, want, n) == 0,
	    "TSi: strongSwan's bytes");
	is_int(encode(out.r, out.nr, IKE_PLD_TSR, &body), 0, "TSr encodes");
	n = tap_unhex(STRONGSWAN_TSR_REPLY, want, sizeof(want));
	ok(body.len == n && memcmp(body.p, want, n) == 0,
	    "TSr: strongSwan's bytes");

	/* Full tunnel (no split include): TSr stays 0.0.0.0/0. */
	is_int(child_sa_narrow(&tsi, &tsr, a, 1, NULL, &out), 0,
	    "full tunnel: narrowed");
	ok(out.nr == 1 && strcmp(str(&out.r[0]), "0.0.0.0/0") == 0,
	    "full tunnel: TSr 0.0.0.0/0");

	/* TSi with ::/0 too; only IPv4 assigned: the IPv6 selector goes. */
	is_int(load(&tsi, rawi, STRONGSWAN_TSI_46), 0, "swan TSi 4+6 decodes");
	is_int(child_sa_narrow(&tsi, &tsr, a, 1, NULL, &out), 0,
	    "4+6, IPv4 assigned: narrowed");
	ok(out.ni == 1 && strcmp(str(&out.i[0]), "198.18.20.1/32") == 0,
	    "4+6, IPv4 assigned: TSi IPv4 only");
	/* Both assigned: two TSi selectors; TSr as proposed (IPv4). */
	a[1] = addr("2001:db8:20::1");
	is_int(child_sa_narrow(&tsi, &tsr, a, 2, NULL, &out), 0,
	    "4+6, both assigned: narrowed");
	ok(out.ni == 2 && strcmp(str(&out.i[0]), "198.18.20.1/32") == 0 &&
	    strcmp(str(&out.i[1]), "2001:db8:20::1/128") == 0,
	    "4+6, both: TSi %s, %s", str(&out.i[0]), str(&out.i[1]));
	ok(out.nr == 1 && strcmp(str(&out.r[0]), "0.0.0.0/0") == 0,
	    "4+6, both: TSr what the client asked, IPv4");
	is_int(encode(out.i, out.ni, IKE_PLD_TSI, &body), 0,
	    "4+6 TSi encodes (IPv4 and IPv6 selectors)");
	{
		static struct ike_pld_ts back;

		is_int(ike_pld_parse_ts(body, &back), 0, "... and decodes");
		ok(back.nts == 2 && back.ts[1].type == IKE_TS_IPV6_ADDR_RANGE &&
		    back.ts[1].start.len == 16, "... with an IPv6 range");
	}
}

static void
test_v6_split(void)
{
	struct cfg_policy pol;
	struct cfg_prefix split[3];
	struct pool_addr a[1];
	struct child_sa_sel v[2];

	memset(&pol, 0, sizeof(pol));
	split[0] = pfx("2001:db8:1::", 48);
	split[1] = pfx("10.0.0.0", 8);
	split[2] = pfx("2001:db8:2::", 64);
	pol.split = split;
	pol.nsplit = 3;
	a[0] = addr("2001:db8::5");
	v[0] = sel("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0, 0,
	    65535);
	is_int(child_sa_ts_pld(v, 1, &tsi), 0, "v6 TSi built");
	/* TSr: ::/0 and 0.0.0.0/0. */
	v[1] = sel("0.0.0.0", "255.255.255.255", 0, 0, 65535);
	is_int(child_sa_ts_pld(v, 2, &tsr), 0, "v6 TSr built");
	is_int(child_sa_narrow(&tsi, &tsr, a, 1, &pol, &out), 0,
	    "v6: narrowed");
	ok(out.ni == 1 && strcmp(str(&out.i[0]), "2001:db8::5/128") == 0,
	    "v6: TSi %s", str(&out.i[0]));
	ok(out.nr == 2 && strcmp(str(&out.r[0]), "2001:db8:1::/48") == 0 &&
	    strcmp(str(&out.r[1]), "2001:db8:2::/64") == 0,
	    "v6: TSr the IPv6 splits only (no IPv4 TSi), %s %s",
	    str(&out.r[0]), str(&out.r[1]));
}

static void
test_narrowing(void)
{
	struct cfg_policy pol;
	struct cfg_prefix split[70];
	struct pool_addr a[1];
	struct child_sa_sel v[3];
	char s[32];
	int i;

	memset(&pol, 0, sizeof(pol));
	a[0] = addr("10.0.0.7");

	/* The client insists on an old address: empty TSi. */
	v[0] = sel("10.0.0.5", "10.0.0.5", 0, 0, 65535);
	is_int(child_sa_ts_pld(v, 1, &tsi), 0, "old address TSi built");
	v[1] = sel("0.0.0.0", "255.255.255.255", 0, 0, 65535);
	is_int(child_sa_ts_pld(&v[1], 1, &tsr), 0, "TSr 0/0 built");
	is_int(child_sa_narrow(&tsi, &tsr, a, 1, NULL, &out), -E_NOENT,
	    "TSi without the assigned address: TS_UNACCEPTABLE");
	ok(out.ni == 0 && out.nr == 0, "empty result on failure");
	is_int(child_sa_narrow(&tsr, &tsr, a, 0, NULL, &out), -E_NOENT,
	    "no address at all: TS_UNACCEPTABLE");

	/* TSr outside every split network. */
	split[0] = pfx("10.0.0.0", 8);
	split[1] = pfx("172.16.0.0", 12);
	pol.split = split;
	pol.nsplit = 2;
	v[0] = sel("192.168.0.0", "192.168.255.255", 0, 0, 65535);
	is_int(child_sa_ts_pld(v, 1, &tsi), 0, "TSr 192.168/16 built");
	is_int(child_sa_narrow(&tsr, &tsi, a, 1, &pol, &out), -E_NOENT,
	    "TSr outside the splits: TS_UNACCEPTABLE");
	/* 0/0 against two splits: both, in the policy's order. */
	is_int(child_sa_narrow(&tsr, &tsr, a, 1, &pol, &out), 0,
	    "two splits: narrowed");
	ok(out.nr == 2 && strcmp(str(&out.r[0]), "10.0.0.0/8") == 0 &&
	    strcmp(str(&out.r[1]), "172.16.0.0/12") == 0,
	    "two splits: 10.0.0.0/8, 172.16.0.0/12");
	/* A narrower client TSr inside a split stays as it is. */
	v[0] = sel("10.1.2.0", "10.1.2.255", 0, 0, 65535);
	is_int(child_sa_ts_pld(v, 1, &tsi), 0, "TSr 10.1.2.0/24 built");
	is_int(child_sa_narrow(&tsr, &tsi, a, 1, &pol, &out), 0,
	    "inside a split: narrowed");
	ok(out.nr == 1 && strcmp(str(&out.r[0]), "10.1.2.0/24") == 0,
	    "inside a split: %s", str(&out.r[0]));
	/* A range straddling a split boundary is cut to the split. */
	v[0] = sel("9.255.255.0", "10.0.0.255", 0, 0, 65535);
	is_int(child_sa_ts_pld(v, 1, &tsi), 0, "straddling TSr built");
	is_int(child_sa_narrow(&tsr, &tsi, a, 1, &pol, &out), 0,
	    "straddling: narrowed");
	is_str(str(&out.r[0]), "10.0.0.0/24", "straddling: cut to 10/8");
	/* Ports and protocol go through: TCP 80-443 towards 0/0. */
	v[0] = sel("0.0.0.0", "255.255.255.255", 6, 80, 443);
	is_int(child_sa_ts_pld(v, 1, &tsi), 0, "TCP TSr built");
	is_int(child_sa_narrow(&tsr, &tsi, a, 1, &pol, &out), 0,
	    "TCP 80-443: narrowed");
	ok(out.nr == 2 && strcmp(str(&out.r[0]), "10.0.0.0/8[6/80-443]") == 0,
	    "TCP 80-443: %s", str(&out.r[0]));
	/* Duplicates collapse. */
	v[0] = sel("0.0.0.0", "255.255.255.255", 0, 0, 65535);
	v[1] = v[0];
	v[2] = sel("10.0.0.0", "10.255.255.255", 0, 0, 65535);
	is_int(child_sa_ts_pld(v, 3, &tsi), 0, "duplicate TSi built");
	is_int(child_sa_narrow(&tsi, &tsr, a, 1, &pol, &out), 0,
	    "duplicates: narrowed");
	is_int(out.ni, 1, "duplicates: one TSi selector");
	/* Unknown selector types (RFC 9478's type 10) are skipped. */
	tsi.ts[0].type = 10;
	tsi.nts = 1;
	is_int(child_sa_narrow(&tsi, &tsr, a, 1, &pol, &out), -E_NOENT,
	    "only an unknown selector type: TS_UNACCEPTABLE");
	/* More results than a payload can carry. */
	for (i = 0; i < 70; i++) {
		snprintf(s, sizeof(s), "10.9.%d.0", i);
		split[i] = pfx(s, 24);
	}
	pol.nsplit = 70;
	is_int(child_sa_narrow(&tsr, &tsr, a, 1, &pol, &out), -E_TOOMANY,
	    "70 split networks: too many selectors");
	/* An address of no family. */
	memset(&a[0], 0, sizeof(a[0]));
	is_int(child_sa_narrow(&tsr, &tsr, a, 1, NULL, &out), -E_INVAL,
	    "address without a family");
}

static void
test_intersect(void)
{
	struct child_sa_sel x, y, r;

	x = sel("10.0.0.10", "10.0.0.20", 6, 80, 443);
	y = sel("10.0.0.15", "10.0.0.30", 0, 100, 1000);
	is_int(child_sa_sel_intersect(&x, &y, &r), 0, "overlap");
	is_str(str(&r), "10.0.0.15..10.0.0.20[6/100-443]",
	    "overlap: addresses, protocol and ports");
	is_int(child_sa_sel_intersect(&y, &x, &r), 0, "commutes");
	is_str(str(&r), "10.0.0.15..10.0.0.20[6/100-443]", "commutes: same");
	y.proto = 17;
	is_int(child_sa_sel_intersect(&x, &y, &r), -E_NOENT, "TCP vs UDP");
	y.proto = 6;
	y.sport = 444;
	is_int(child_sa_sel_intersect(&x, &y, &r), -E_NOENT, "ports apart");
	y = sel("10.0.0.21", "10.0.0.30", 0, 0, 65535);
	is_int(child_sa_sel_intersect(&x, &y, &r), -E_NOENT,
	    "addresses apart");
	y = sel("10.0.0.20", "10.0.0.30", 0, 0, 65535);
	is_int(child_sa_sel_intersect(&x, &y, &r), 0, "one common address");
	is_str(str(&r), "10.0.0.20/32[6/80-443]", "one common address: /32");
	y = sel("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0, 0, 65535);
	is_int(child_sa_sel_intersect(&x, &y, &r), -E_NOENT,
	    "IPv4 vs IPv6");
	/* OPAQUE (65535..0) against ANY, OPAQUE and a range. */
	x = sel("0.0.0.0", "255.255.255.255", 17, 65535, 0);
	y = sel("10.0.0.0", "10.255.255.255", 0, 0, 65535);
	is_int(child_sa_sel_intersect(&x, &y, &r), 0, "OPAQUE vs ANY");
	is_str(str(&r), "10.0.0.0/8[17/OPAQUE]", "OPAQUE vs ANY: OPAQUE");
	is_int(child_sa_sel_intersect(&x, &x, &r), 0, "OPAQUE vs OPAQUE");
	y.sport = 53;
	y.eport = 53;
	is_int(child_sa_sel_intersect(&x, &y, &r), -E_NOENT,
	    "OPAQUE vs port 53");
	is_int(child_sa_sel_intersect(&y, &y, &r), 0, "port 53 alone");
	is_str(str(&r), "10.0.0.0/8[0/53]", "port 53: printed");
	y = sel("10.0.0.0", "10.255.255.255", 1, 0, 65535);
	is_str(str(&y), "10.0.0.0/8[1]", "protocol only: printed");
	y = sel("0.0.0.0", "0.0.0.0", 0, 0, 65535);
	is_str(str(&y), "0.0.0.0/32", "0.0.0.0 alone: /32");
	y = sel("10.0.0.1", "10.0.0.2", 0, 0, 65535);
	is_str(str(&y), "10.0.0.1..10.0.0.2", "unaligned: a range");
}

static uint32_t seq[80];
static size_t nseq, iseq;
static int taken_calls;

static int
fake_rand(void *p, size_t n)
{
	uint8_t *o = p;
	uint32_t v;

	if (n != 4 || iseq >= nseq)
		return -E_CRYPTO;
	v = seq[iseq++];
	o[0] = (uint8_t)(v >> 24);
	o[1] = (uint8_t)(v >> 16);
	o[2] = (uint8_t)(v >> 8);
	o[3] = (uint8_t)v;
	return 0;
}

static int
taken_0x100(uint32_t spi, void *arg)
{
	(void)arg;
	taken_calls++;
	return spi == 0x100;
}

static int
taken_all(uint32_t spi, void *arg)
{
	(void)spi;
	(void)arg;
	return 1;
}

/* A small open-addressed set of the SPIs handed out so far. */
#define NSPI	1000
static uint32_t spis[4096];

static int
taken_set(uint32_t spi, void *arg)
{
	size_t h = (spi * 2654435761u) % 4096;

	(void)arg;
	while (spis[h] != 0) {
		if (spis[h] == spi)
			return 1;
		h = (h + 1) % 4096;
	}
	return 0;
}

static void
set_add(uint32_t spi)
{
	size_t h = (spi * 2654435761u) % 4096;

	while (spis[h] != 0)
		h = (h + 1) % 4096;
	spis[h] = spi;
}

static void
test_spi(void)
{
	uint32_t spi = 0;
	int i, low = 0, dup = 0, r;

	/* 0, 1, 255 are reserved; 0x100 is taken; then a free one. */
	seq[0] = 0;
	seq[1] = 1;
	seq[2] = 255;
	seq[3] = 0x100;
	seq[4] = 0x12345678;
	nseq = 5;
	iseq = 0;
	taken_calls = 0;
	is_int(child_sa_spi_alloc(taken_0x100, NULL, fake_rand, &spi), 0,
	    "SPI: allocated");
	is_int(spi, 0x12345678, "SPI: reserved and taken values skipped");
	is_int(iseq, 5, "SPI: five draws");
	is_int(taken_calls, 2, "SPI: the reserved ones never reach taken()");
	/* 256 is the smallest allowed. */
	seq[0] = 256;
	nseq = 1;
	iseq = 0;
	is_int(child_sa_spi_alloc(NULL, NULL, fake_rand, &spi), 0,
	    "SPI 256 allowed");
	is_int(spi, 256, "SPI 256");
	/* Everything taken: give up after CHILD_SA_SPI_TRIES draws. */
	for (i = 0; i < 80; i++)
		seq[i] = 0x1000 + (uint32_t)i;
	nseq = 80;
	iseq = 0;
	is_int(child_sa_spi_alloc(taken_all, NULL, fake_rand, &spi), -E_EXIST,
	    "SPI space full: -E_EXIST");
	is_int(iseq, CHILD_SA_SPI_TRIES, "SPI: bounded draws");
	/* A failing source. */
	nseq = 0;
	iseq = 0;
	is_int(child_sa_spi_alloc(NULL, NULL, fake_rand, &spi), -E_CRYPTO,
	    "SPI: random source failure");
	/* The real source: many SPIs, none reserved, all different. */
	for (i = 0; i < NSPI; i++) {
		r = child_sa_spi_alloc(taken_set, NULL, NULL, &spi);
		if (r != 0)
			break;
		if (spi < 256)
			low++;
		if (taken_set(spi, NULL))
			dup++;
		set_add(spi);
	}
	is_int(i, NSPI, "xform_random: %d SPIs allocated", NSPI);
	is_int(low, 0, "xform_random: none below 256");
	is_int(dup, 0, "xform_random: all unique");
}

static void
test_record(void)
{
	static struct child_sa c;
	struct child_sa *h = NULL;
	struct ike_prop_esp prop;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	struct cfg_policy pol;
	struct cfg_prefix split[1];
	struct pool_addr a[1];
	struct span s;
	size_t i;
	int z;
	static const char want[] =
	    "ESP in 0xc1a2b3c4 out 0x04d30852 aes256gcm16 noesn "
	    "peer 198.51.100.2[4500] 198.18.20.1/32 === 198.18.10.0/24 "
	    "up 12s in 1234 bytes 10 packets 0 drops out 567 bytes 8 packets "
	    "0 drops\n";
	static const char want6[] =
	    "ESP in 0x00001000 out 0x04d30852 aes128-sha256 esn "
	    "peer 2001:db8::2[500] 198.18.20.1/32 === 198.18.10.0/24 up 0s";

	memset(&pol, 0, sizeof(pol));
	split[0] = pfx("198.18.10.0", 24);
	pol.split = split;
	pol.nsplit = 1;
	a[0] = addr("198.18.20.1");
	is_int(load(&tsi, rawi, STRONGSWAN_TS_ANY4), 0, "TSi decodes");
	is_int(load(&tsr, rawr, STRONGSWAN_TS_ANY4), 0, "TSr decodes");
	is_int(child_sa_narrow(&tsi, &tsr, a, 1, &pol, &out), 0, "narrowed");

	memset(&prop, 0, sizeof(prop));
	prop.num = 2;
	prop.encr = XFORM_ENCR_AES_GCM_16;
	prop.encr_bits = 256;
	prop.keylen_attr = 1;
	prop.peer_spi = 0x04d30852;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(4500);
	inet_pton(AF_INET, "198.51.100.2", &sin.sin_addr);

	is_int(child_sa_init(&c, 0xc1a2b3c4, &prop, &out,
	    (struct sockaddr *)&sin, 1000), 0, "record: init");
	is_int(c.spi_out, 0x04d30852, "record: spi_out is the peer's");
	c.bytes_in = 1234;
	c.packets_in = 10;
	c.bytes_out = 567;
	c.packets_out = 8;
	memset(c.keys.encr_i, 0xaa, sizeof(c.keys.encr_i));
	c.keys.encr_len = 36;
	buf_reset(b);
	is_int(child_sa_format(&c, 13999, b), 0, "record: formats");
	s = buf_span(b);
	ok(s.len == strlen(want) && memcmp(s.p, want, s.len) == 0,
	    "record: show sa line");
	if (s.len != strlen(want))
		diag("got: %.*s", (int)s.len, (const char *)s.p);
	child_sa_cleanup(&c);
	for (i = 0, z = 1; i < sizeof(c); i++)
		z &= ((const uint8_t *)&c)[i] == 0;
	ok(z, "record: cleanup wipes everything, keys included");

	is_int(child_sa_init(&c, 255, &prop, &out, (struct sockaddr *)&sin,
	    0), -E_INVAL, "record: SPI 255 refused");
	sin.sin_family = AF_UNIX;
	is_int(child_sa_init(&c, 0x1000, &prop, &out,
	    (struct sockaddr *)&sin, 0), -E_INVAL, "record: odd family");

	/* Heap form with an IPv6 peer and ESN. */
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(500);
	inet_pton(AF_INET6, "2001:db8::2", &sin6.sin6_addr);
	prop.encr = XFORM_ENCR_AES_CBC;
	prop.encr_bits = 128;
	prop.integ = XFORM_INTEG_HMAC_SHA2_256_128;
	prop.esn = 1;
	is_int(child_sa_new(0x1000, &prop, &out, (struct sockaddr *)&sin6,
	    0, &h), 0, "record: new");
	buf_reset(b);
	is_int(child_sa_format(h, 0, b), 0, "record: v6 formats");
	s = buf_span(b);
	ok(s.len > strlen(want6) && memcmp(s.p, want6, strlen(want6)) == 0,
	    "record: v6 line %.*s", (int)(s.len > 0 ? s.len - 1 : 0),
	    (const char *)s.p);
	child_sa_free(h);
	child_sa_free(NULL);
}

int
main(void)
{
	if (xform_init("auto") != 0)
		skip_all("no crypto backend");
	if ((b = buf_new(8192)) == NULL)
		skip_all("out of memory");
	test_strongswan();
	test_v6_split();
	test_narrowing();
	test_intersect();
	test_spi();
	test_record();
	buf_free(b);
	xform_cleanup();
	return done_testing();
}
