/*
 * 3005-ike-prop: responder transform selection (core/ike_prop, RFC 7296
 * 2.7, 3.3) for the IKE SA and for ESP CHILD SAs, the INVALID_KE_PAYLOAD
 * decision, and the reply SA payloads.
 *
 * The STRONGSWAN_* vectors are SA payload bodies sent by strongSwan
 * 5.9.8 (Debian 5.9.8-5+deb12u6), captured once at authoring time: two
 * charon instances in network namespaces (the t/interop/lib.sh setup, PSK,
 * vips = 0.0.0.0 or 0.0.0.0,::, remote_ts = 0.0.0.0/0) with filelog
 * "net = 4" (received datagrams) and "enc = 4" (IKE_AUTH plaintext before
 * encryption), the bytes copied from the hex dumps. The connections were:
 *  default: proposals and esp_proposals left at their defaults;
 *  custom:  proposals = aes256-sha384-ecp256,aes128-sha256-x25519
 *           esp_proposals = aes256gcm16-esn-noesn,chacha20poly1305-noesn,
 *                           aes128-sha256
 * and the gateway (a strongSwan too) used the default proposals.
 */
#include "config.h"

#include <string.h>

#include "core/buf.h"
#include "core/cfg.h"
#include "core/ike_keys.h"
#include "core/ike_pld.h"
#include "core/ike_prop.h"
#include "core/xform.h"
#include "t/tap.h"

/* IKE_SA_INIT request, default proposals: proposal 1 AES-CBC/CTR,
 * Camellia, 3DES with HMAC-SHA2/SHA1, PRFs, 15 groups starting with
 * Curve25519 (its KE payload is group 31); proposal 2 the AEADs
 * (AES-GCM/CCM 16/12/8, ChaCha20-Poly1305), same PRFs and groups. */
#define STRONGSWAN_INIT_DEFAULT \
	"02000148010100220300000c0100000c800e00800300000c0100000c800e00c0" \
	"0300000c0100000c800e01000300000c0100000d800e00800300000c0100000d" \
	"800e00c00300000c0100000d800e01000300000c01000017800e00800300000c" \
	"01000017800e00c00300000c01000017800e01000300000c01000018800e0080" \
	"0300000c01000018800e00c00300000c01000018800e01000300000801000003" \
	"030000080300000c030000080300000d030000080300000e0300000803000002" \
	"0300000802000005030000080200000603000008020000070300000802000002" \
	"030000080400001f030000080400002003000008040000130300000804000014" \
	"0300000804000015030000080400001c030000080400001d030000080400001e" \
	"030000080400000f030000080400001003000008040000110300000804000012" \
	"000000080400000e00000170020100240300000c01000014800e00800300000c" \
	"01000014800e00c00300000c01000014800e01000300000c01000010800e0080" \
	"0300000c01000010800e00c00300000c01000010800e0100030000080100001c" \
	"0300000c01000013800e00800300000c01000013800e00c00300000c01000013" \
	"800e01000300000c01000012800e00800300000c01000012800e00c00300000c" \
	"01000012800e01000300000c0100000f800e00800300000c0100000f800e00c0" \
	"0300000c0100000f800e01000300000c0100000e800e00800300000c0100000e" \
	"800e00c00300000c0100000e800e010003000008020000050300000802000006" \
	"03000008020000070300000802000002030000080400001f0300000804000020" \
	"030000080400001303000008040000140300000804000015030000080400001c" \
	"030000080400001d030000080400001e030000080400000f0300000804000010" \
	"03000008040000110300000804000012000000080400000e"

/* The strongSwan gateway's IKE_SA_INIT response to it: proposal 1,
 * AES-CBC-128, HMAC-SHA2-256-128, PRF-HMAC-SHA2-256, Curve25519. */
#define STRONGSWAN_INIT_REPLY \
	"0000002c010100040300000c0100000c800e0080030000080300000c03000008" \
	"02000005000000080400001f"

/* IKE_SA_INIT request, custom: aes256-sha384-ecp256 (KE group 19) and
 * aes128-sha256-x25519. */
#define STRONGSWAN_INIT_CUSTOM \
	"0200002c010100040300000c0100000c800e0100030000080300000d03000008" \
	"0200000600000008040000130000002c020100040300000c0100000c800e0080" \
	"030000080300000c0300000802000005000000080400001f"

/* IKE_AUTH request SA (ESP), default: proposal 1 AES-CBC 128/192/256 with
 * HMAC-SHA2-256/384/512, HMAC-SHA1-96, AES-XCBC-96 and no ESN; proposal 2
 * AES-GCM-16 128/192/256, no ESN; SPI 04d30852 in both. */
#define STRONGSWAN_ESP_DEFAULT \
	"020000600103040904d308520300000c0100000c800e00800300000c0100000c" \
	"800e00c00300000c0100000c800e0100030000080300000c030000080300000d" \
	"030000080300000e030000080300000203000008030000050000000805000000" \
	"000000380203040404d308520300000c01000014800e00800300000c01000014" \
	"800e00c00300000c01000014800e01000000000805000000"

/* The strongSwan gateway's IKE_AUTH response SA: proposal 1, its SPI
 * 17c7d3bb, AES-CBC-128, HMAC-SHA2-256-128, no ESN. */
#define STRONGSWAN_ESP_REPLY \
	"000000280103040317c7d3bb0300000c0100000c800e0080030000080300000c" \
	"0000000805000000"

/* IKE_AUTH request SA (ESP), custom: 1 AES-GCM-16-256 with ESN then no
 * ESN; 2 ChaCha20-Poly1305 (no Key Length), no ESN; 3 AES-CBC-128 with
 * HMAC-SHA2-256-128, no ESN; SPI 5260b79b. */
#define STRONGSWAN_ESP_CUSTOM \
	"02000028010304035260b79b0300000c01000014800e01000300000805000001" \
	"00000008050000000200001c020304025260b79b030000080100001c00000008" \
	"0500000000000028030304035260b79b0300000c0100000c800e008003000008" \
	"0300000c0000000805000000"

static struct ike_pld_sa sa;
static uint8_t raw[2048];
static struct buf *b;

/* Our proposals. */
static struct cfg_proposal p_default, p_ke, p_cbc128, p_swan;
static struct cfg_esp e_default;

static void
setup_cfg(void)
{
	static const struct cfg_encr all[] = {
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

	/* The built-in default of core/cfg.c. */
	p_default.name = "default";
	memcpy(p_default.encr, all, sizeof(all));
	p_default.nencr = 5;
	memcpy(p_default.integ, integ, sizeof(integ));
	p_default.ninteg = 3;
	memcpy(p_default.prf, prf, sizeof(prf));
	p_default.nprf = 3;
	memcpy(p_default.group, group, sizeof(group));
	p_default.ngroup = 5;

	/* The INVALID_KE scenario: groups 19 14 21. */
	p_ke.name = "ke";
	p_ke.encr[0] = (struct cfg_encr){ XFORM_ENCR_AES_CBC, 256 };
	p_ke.nencr = 1;
	p_ke.integ[0] = XFORM_INTEG_HMAC_SHA2_256_128;
	p_ke.ninteg = 1;
	p_ke.prf[0] = XFORM_PRF_HMAC_SHA2_256;
	p_ke.nprf = 1;
	p_ke.group[0] = XFORM_DH_ECP256;
	p_ke.group[1] = XFORM_DH_MODP2048;
	p_ke.group[2] = XFORM_DH_ECP521;
	p_ke.ngroup = 3;

	/* aes128-sha256-prfsha256: 128-bit first, then 256; x25519, ecp256. */
	p_cbc128.name = "cbc128";
	p_cbc128.encr[0] = (struct cfg_encr){ XFORM_ENCR_AES_CBC, 128 };
	p_cbc128.encr[1] = (struct cfg_encr){ XFORM_ENCR_AES_CBC, 256 };
	p_cbc128.nencr = 2;
	p_cbc128.integ[0] = XFORM_INTEG_HMAC_SHA2_256_128;
	p_cbc128.integ[1] = XFORM_INTEG_HMAC_SHA2_384_192;
	p_cbc128.ninteg = 2;
	p_cbc128.prf[0] = XFORM_PRF_HMAC_SHA2_256;
	p_cbc128.prf[1] = XFORM_PRF_HMAC_SHA2_384;
	p_cbc128.nprf = 2;
	p_cbc128.group[0] = XFORM_DH_CURVE25519;
	p_cbc128.group[1] = XFORM_DH_ECP256;
	p_cbc128.ngroup = 2;

	/* What the strongSwan gateway picked from its default list. */
	p_swan.name = "swan";
	p_swan.encr[0] = (struct cfg_encr){ XFORM_ENCR_AES_CBC, 128 };
	p_swan.nencr = 1;
	p_swan.integ[0] = XFORM_INTEG_HMAC_SHA2_256_128;
	p_swan.ninteg = 1;
	p_swan.prf[0] = XFORM_PRF_HMAC_SHA2_256;
	p_swan.nprf = 1;
	p_swan.group[0] = XFORM_DH_CURVE25519;
	p_swan.ngroup = 1;

	e_default.name = "default";
	memcpy(e_default.encr, all, sizeof(all));
	e_default.nencr = 5;
	memcpy(e_default.integ, integ, sizeof(integ));
	e_default.ninteg = 3;
	e_default.esn = CFG_ESN_BOTH;
}

/* Decodes the SA payload body in hex into sa (pointing into raw). */
static int
load(const char *hex)
{
	size_t n = tap_unhex(hex, raw, sizeof(raw));

	return ike_pld_parse_sa(span_make(raw, n), &sa);
}

/* Builders for hand-made SA payloads (decoded form). */
static struct ike_pld_prop *
prop(uint8_t proto, const void *spi, size_t spilen)
{
	struct ike_pld_prop *p = &sa.prop[sa.nprop++];

	memset(p, 0, sizeof(*p));
	p->num = (uint8_t)sa.nprop;
	p->proto = proto;
	p->spi = span_make(spi, spilen);
	return p;
}

static void
xf(struct ike_pld_prop *p, uint8_t type, uint16_t id, uint16_t keylen)
{
	struct ike_pld_xform *x = &p->xf[p->nxf++];

	memset(x, 0, sizeof(*x));
	x->type = type;
	x->id = id;
	if (keylen != 0) {
		x->flags = IKE_XF_KEYLEN;
		x->keylen = keylen;
	}
}

static void
reset(void)
{
	memset(&sa, 0, sizeof(sa));
}

static int
sel1(const struct cfg_proposal *p, struct ike_prop_ike *c)
{
	const struct cfg_proposal *v[1] = { p };

	return ike_prop_select_ike(v, 1, &sa, c);
}

static const char *
ike_name(const struct ike_prop_ike *c)
{
	static char s[IKE_PROP_STRLEN];

	if (ike_prop_ike_str(c, s, sizeof(s)) != 0)
		return "(truncated)";
	return s;
}

static const char *
esp_name(const struct ike_prop_esp *c)
{
	static char s[IKE_PROP_STRLEN];

	if (ike_prop_esp_str(c, s, sizeof(s)) != 0)
		return "(truncated)";
	return s;
}

/* Encodes the IKE reply for c and decodes it back into *out (spans into
 * b). */
static int
reply_ike(const struct ike_prop_ike *c, struct span spi,
    struct ike_pld_sa *out)
{
	struct ike_chain ch;
	struct ike_pld_hdr h;
	struct span chain, body;
	int r;

	buf_reset(b);
	ike_pld_chain_init(&ch, b);
	if ((r = ike_prop_add_ike(&ch, c, spi)) != 0)
		return r;
	chain = buf_span(b);
	if ((r = ike_pld_next(&chain, ch.first, &h, &body)) != 0)
		return r;
	return ike_pld_parse_sa(body, out);
}

static int
reply_esp(const struct ike_prop_esp *c, uint32_t spi, struct span *body)
{
	struct ike_chain ch;
	struct ike_pld_hdr h;
	struct span chain;
	int r;

	buf_reset(b);
	ike_pld_chain_init(&ch, b);
	if ((r = ike_prop_add_esp(&ch, c, spi)) != 0)
		return r;
	chain = buf_span(b);
	return ike_pld_next(&chain, ch.first, &h, body);
}

/* Returns nonzero when proposal p has transform type/id/keylen. */
static int
has(const struct ike_pld_prop *p, uint8_t type, uint16_t id, uint16_t kl)
{
	size_t i;

	for (i = 0; i < p->nxf; i++)
		if (p->xf[i].type == type && p->xf[i].id == id &&
		    (kl == 0 ? !(p->xf[i].flags & IKE_XF_KEYLEN) :
		    (p->xf[i].flags & IKE_XF_KEYLEN) && p->xf[i].keylen == kl))
			return 1;
	return 0;
}

static void
test_strongswan_ike(void)
{
	static struct ike_pld_sa theirs, ours;
	struct ike_prop_ike c;
	struct ike_keys_suite suite;
	const struct xform_mac *m;
	uint16_t want = 0;
	size_t el, il, i;
	int r;

	is_int(load(STRONGSWAN_INIT_DEFAULT), 0, "swan default: decodes");
	is_int(sa.nprop, 2, "swan default: two proposals");
	is_int(sa.prop[0].nxf, 34, "swan default: 34 transforms in #1");
	is_int(sa.prop[1].nxf, 36, "swan default: 36 transforms in #2");

	/* Our default prefers AES-GCM-16-256: the AEAD proposal, no
	 * integrity, and our first PRF and group it offers. */
	is_int(sel1(&p_default, &c), 0, "swan default vs ours: chosen");
	is_int(c.num, 2, "swan default vs ours: proposal 2 (AEAD)");
	is_str(ike_name(&c), "aes256gcm16-prfsha256-ecp256",
	    "swan default vs ours: transforms");
	is_int(c.keylen_attr, 1, "AES carries its Key Length");
	ok(c.cfg == &p_default, "the matching proposal is reported");
	is_int(c.spi_len, 0, "IKE_SA_INIT proposals carry no SPI");
	/* strongSwan's KE was Curve25519 (its first group): we prefer
	 * ECP-256, which its proposal offers. */
	r = ike_prop_ke_check(&c, XFORM_DH_CURVE25519, &want);
	is_int(r, -E_AGAIN, "KE 31 against ecp256: INVALID_KE_PAYLOAD");
	is_int(want, XFORM_DH_ECP256, "... asking for group 19");
	is_int(ike_prop_ke_check(&c, XFORM_DH_ECP256, &want), 0,
	    "the retry with KE 19 is accepted");

	/* Only AES-CBC-128 etc.: proposal 1, and the KE group fits. */
	is_int(sel1(&p_cbc128, &c), 0, "swan default vs cbc128: chosen");
	is_int(c.num, 1, "swan default vs cbc128: proposal 1");
	is_str(ike_name(&c), "aes128-sha256-prfsha256-x25519",
	    "swan default vs cbc128: transforms");
	is_int(ike_prop_ke_check(&c, XFORM_DH_CURVE25519, &want), 0,
	    "swan default vs cbc128: KE 31 accepted at once");

	/* What strongSwan's gateway chose from the same request; our reply
	 * for the same choice carries the same transforms (strongSwan
	 * orders ENCR INTEG PRF DH, we follow the type numbers). */
	is_int(sel1(&p_swan, &c), 0, "swan default vs swan's pick");
	r = reply_ike(&c, span_make(NULL, 0), &ours);
	is_int(r, 0, "our reply encodes and decodes");
	{
		size_t n = tap_unhex(STRONGSWAN_INIT_REPLY, raw, sizeof(raw));

		is_int(ike_pld_parse_sa(span_make(raw, n), &theirs), 0,
		    "strongSwan's reply decodes");
	}
	is_int(ours.nprop, 1, "reply: one proposal");
	is_int(ours.prop[0].num, theirs.prop[0].num, "reply: same number");
	is_int(ours.prop[0].nxf, theirs.prop[0].nxf,
	    "reply: same transform count");
	for (i = 0, r = 1; i < theirs.prop[0].nxf; i++)
		r &= has(&ours.prop[0], theirs.prop[0].xf[i].type,
		    theirs.prop[0].xf[i].id, theirs.prop[0].xf[i].keylen);
	ok(r, "reply: every transform of strongSwan's reply is in ours");

	/* Key sizes for ike_keys and the PRF. */
	ike_prop_ike_suite(&c, &suite);
	is_int(ike_keys_suite_lens(&suite, &el, &il), 0, "suite: valid");
	is_int(el, 16, "suite: 16-byte AES-128 keys");
	is_int(il, 32, "suite: 32-byte HMAC-SHA2-256 keys");
	m = ike_prop_prf(&c);
	ok(m != NULL && m->out_len == 32, "PRF: HMAC-SHA2-256");

	/* Custom: two CBC proposals. Ours prefers AES-256: proposal 1, with
	 * its own PRF and group; the KE (19) fits. */
	is_int(load(STRONGSWAN_INIT_CUSTOM), 0, "swan custom: decodes");
	is_int(sel1(&p_default, &c), 0, "swan custom vs ours: chosen");
	is_int(c.num, 1, "swan custom vs ours: proposal 1");
	is_str(ike_name(&c), "aes256-sha384-prfsha384-ecp256",
	    "swan custom vs ours: aes256-sha384-ecp256");
	is_int(ike_prop_ke_check(&c, XFORM_DH_ECP256, &want), 0,
	    "swan custom: KE 19 accepted");
	ike_prop_ike_suite(&c, &suite);
	is_int(ike_keys_suite_lens(&suite, &el, &il), 0, "suite: valid");
	is_int(el * 100 + il, 32 * 100 + 48, "suite: 32/48-byte keys");
	/* Preferring AES-128: proposal 2. */
	is_int(sel1(&p_cbc128, &c), 0, "swan custom vs cbc128: chosen");
	is_int(c.num, 2, "swan custom vs cbc128: proposal 2");
	is_str(ike_name(&c), "aes128-sha256-prfsha256-x25519",
	    "swan custom vs cbc128: aes128-sha256-x25519");
	r = ike_prop_ke_check(&c, XFORM_DH_ECP256, &want);
	ok(r == -E_AGAIN && want == XFORM_DH_CURVE25519,
	    "swan custom vs cbc128: KE 19 -> INVALID_KE_PAYLOAD(31)");
	ok(ike_prop_ike_allowed(&c, &p_cbc128), "allowed by cbc128");
	ok(ike_prop_ike_allowed(&c, &p_default),
	    "allowed by the default (it has every transform)");
	ok(!ike_prop_ike_allowed(&c, &p_ke), "not allowed by p_ke");
}

static void
test_aead_integ(void)
{
	static struct ike_pld_sa out;
	struct ike_prop_ike c;
	struct ike_pld_prop *p;
	int r;

	/* AEAD with an INTEG NONE transform (3.3 allows a single NONE). */
	reset();
	p = prop(IKE_PROTO_IKE, NULL, 0);
	xf(p, IKE_TRANS_ENCR, XFORM_ENCR_AES_GCM_16, 256);
	xf(p, IKE_TRANS_PRF, XFORM_PRF_HMAC_SHA2_384, 0);
	xf(p, IKE_TRANS_INTEG, 0, 0);
	xf(p, IKE_TRANS_DH, XFORM_DH_ECP384, 0);
	is_int(sel1(&p_default, &c), 0, "AEAD + INTEG NONE: accepted");
	is_int(c.integ, 0, "AEAD + INTEG NONE: no integrity chosen");
	is_str(ike_name(&c), "aes256gcm16-prfsha384-ecp384",
	    "AEAD + INTEG NONE: transforms");
	r = reply_ike(&c, span_make(NULL, 0), &out);
	is_int(r, 0, "AEAD reply encodes");
	ok(out.prop[0].nxf == 3 && out.prop[0].xf[0].type == IKE_TRANS_ENCR &&
	    out.prop[0].xf[1].type == IKE_TRANS_PRF &&
	    out.prop[0].xf[2].type == IKE_TRANS_DH,
	    "AEAD reply: ENCR PRF DH, no INTEG transform");

	/* The same without the NONE transform. */
	reset();
	p = prop(IKE_PROTO_IKE, NULL, 0);
	xf(p, IKE_TRANS_ENCR, XFORM_ENCR_AES_GCM_16, 128);
	xf(p, IKE_TRANS_PRF, XFORM_PRF_HMAC_SHA2_256, 0);
	xf(p, IKE_TRANS_DH, XFORM_DH_ECP256, 0);
	is_int(sel1(&p_default, &c), 0, "AEAD without INTEG: accepted");
	is_str(ike_name(&c), "aes128gcm16-prfsha256-ecp256",
	    "AEAD without INTEG: transforms");

	/* CBC with nothing but INTEG NONE: no integrity, unacceptable. */
	reset();
	p = prop(IKE_PROTO_IKE, NULL, 0);
	xf(p, IKE_TRANS_ENCR, XFORM_ENCR_AES_CBC, 256);
	xf(p, IKE_TRANS_PRF, XFORM_PRF_HMAC_SHA2_256, 0);
	xf(p, IKE_TRANS_INTEG, 0, 0);
	xf(p, IKE_TRANS_DH, XFORM_DH_ECP256, 0);
	is_int(sel1(&p_default, &c), -E_NOENT, "CBC + INTEG NONE: refused");

	/* CBC with an integrity we lack falls back to a later cipher of the
	 * same proposal that needs none. */
	reset();
	p = prop(IKE_PROTO_IKE, NULL, 0);
	xf(p, IKE_TRANS_ENCR, XFORM_ENCR_AES_CBC, 256);
	xf(p, IKE_TRANS_ENCR, XFORM_ENCR_CHACHA20_POLY1305, 0);
	xf(p, IKE_TRANS_PRF, XFORM_PRF_HMAC_SHA2_256, 0);
	xf(p, IKE_TRANS_INTEG, 5, 0);		/* AES-XCBC-96 */
	xf(p, IKE_TRANS_DH, XFORM_DH_CURVE25519, 0);
	is_int(sel1(&p_default, &c), 0, "mixed proposal: accepted");
	is_str(ike_name(&c), "chacha20poly1305-prfsha256-x25519",
	    "mixed proposal: the AEAD, since no integrity of ours fits CBC");
	is_int(c.keylen_attr, 0, "ChaCha20 without Key Length stays without");
}

static void
test_mandatory_and_unknown(void)
{
	struct ike_prop_ike c;
	struct ike_pld_prop *p;

	/* No PRF: a mandatory type is missing (3.3.3, 3.3.6). */
	reset();
	p = prop(IKE_PROTO_IKE, NULL, 0);
	xf(p, IKE_TRANS_ENCR, XFORM_ENCR_AES_CBC, 128);
	xf(p, IKE_TRANS_INTEG, XFORM_INTEG_HMAC_SHA2_256_128, 0);
	xf(p, IKE_TRANS_DH, XFORM_DH_ECP256, 0);
	is_int(sel1(&p_default, &c), -E_NOENT, "PRF missing: refused");
	p = prop(IKE_PROTO_IKE, NULL, 0);
	xf(p, IKE_TRANS_ENCR, XFORM_ENCR_AES_CBC, 128);
	xf(p, IKE_TRANS_PRF, XFORM_PRF_HMAC_SHA1, 0);
	xf(p, IKE_TRANS_PRF, XFORM_PRF_HMAC_SHA2_512, 0);
	xf(p, IKE_TRANS_INTEG, XFORM_INTEG_HMAC_SHA2_256_128, 0);
	xf(p, IKE_TRANS_DH, XFORM_DH_ECP256, 0);
	is_int(sel1(&p_default, &c), 0, "... a second, complete proposal");
	is_int(c.num, 2, "... is the one chosen");
	is_int(c.prf, XFORM_PRF_HMAC_SHA2_512, "... with a PRF we list");

	/* No D-H group: refused too. */
	reset();
	p = prop(IKE_PROTO_IKE, NULL, 0);
	xf(p, IKE_TRANS_ENCR, XFORM_ENCR_AES_GCM_16, 256);
	xf(p, IKE_TRANS_PRF, XFORM_PRF_HMAC_SHA2_256, 0);
	is_int(sel1(&p_default, &c), -E_NOENT, "D-H missing: refused");

	/* An unknown Transform Type (6, Additional Key Exchange 1 of RFC
	 * 9370) makes proposal 1 unacceptable as a whole (3.3.6), though
	 * the rest would be our first choice; proposal 2 is taken. */
	{
		static const char *hex =
		    "0200002c01010004"
		    "0300000c01000014800e0100"	/* ENCR AES-GCM-16 256 */
		    "0300000802000005"		/* PRF HMAC-SHA2-256 */
		    "0300000804000013"		/* D-H 19 */
		    "0000000806000024"		/* type 6, ID 36 */
		    "0000002402010003"
		    "0300000c01000014800e0080"	/* ENCR AES-GCM-16 128 */
		    "0300000802000005"
		    "0000000804000013";

		is_int(load(hex), 0, "unknown type: decodes");
		is_int(sel1(&p_default, &c), 0, "unknown type: chosen");
		is_int(c.num, 2, "unknown type: proposal 1 refused whole");
		is_int(c.encr_bits, 128, "unknown type: AES-128 of #2");
		sa.nprop = 1;
		is_int(sel1(&p_default, &c), -E_NOENT,
		    "unknown type alone: no proposal");
	}

	/* An unknown attribute (type 99, TV) on the AES-256 transform: that
	 * transform is unacceptable, the AES-128 one of the same proposal
	 * is fine (3.3.6). */
	{
		static const char *hex =
		    "0000003401010004"
		    "0300001001000014800e010080630001"
		    "0300000c01000014800e0080"
		    "0300000802000005"
		    "0000000804000013";

		is_int(load(hex), 0, "unknown attribute: decodes");
		ok(sa.prop[0].xf[0].flags & IKE_XF_UNKNOWN_ATTR,
		    "unknown attribute: flagged by the decoder");
		is_int(sel1(&p_default, &c), 0, "unknown attribute: chosen");
		is_str(ike_name(&c), "aes128gcm16-prfsha256-ecp256",
		    "unknown attribute: AES-256 transform skipped");
	}

	/* Unknown IDs are never chosen; the known ones still are. */
	reset();
	p = prop(IKE_PROTO_IKE, NULL, 0);
	xf(p, IKE_TRANS_ENCR, 1234, 256);
	xf(p, IKE_TRANS_ENCR, XFORM_ENCR_AES_CBC, 128);
	xf(p, IKE_TRANS_PRF, 777, 0);
	xf(p, IKE_TRANS_PRF, XFORM_PRF_HMAC_SHA2_256, 0);
	xf(p, IKE_TRANS_INTEG, 999, 0);
	xf(p, IKE_TRANS_INTEG, XFORM_INTEG_HMAC_SHA2_512_256, 0);
	xf(p, IKE_TRANS_DH, 4444, 0);
	xf(p, IKE_TRANS_DH, XFORM_DH_MODP2048, 0);
	is_int(sel1(&p_default, &c), 0, "unknown IDs: skipped");
	is_str(ike_name(&c), "aes128-sha512-prfsha256-modp2048",
	    "unknown IDs: the known ones chosen");

	/* A Key Length on a PRF is an attribute PRFs do not have. */
	reset();
	p = prop(IKE_PROTO_IKE, NULL, 0);
	xf(p, IKE_TRANS_ENCR, XFORM_ENCR_AES_GCM_16, 256);
	xf(p, IKE_TRANS_PRF, XFORM_PRF_HMAC_SHA2_256, 256);
	xf(p, IKE_TRANS_DH, XFORM_DH_ECP256, 0);
	is_int(sel1(&p_default, &c), -E_NOENT,
	    "Key Length on a PRF: transform unacceptable");

	/* Proposals of other protocols are not IKE proposals. */
	reset();
	p = prop(IKE_PROTO_ESP, "\x01\x02\x03\x04", 4);
	xf(p, IKE_TRANS_ENCR, XFORM_ENCR_AES_GCM_16, 256);
	xf(p, IKE_TRANS_PRF, XFORM_PRF_HMAC_SHA2_256, 0);
	xf(p, IKE_TRANS_DH, XFORM_DH_ECP256, 0);
	is_int(sel1(&p_default, &c), -E_NOENT, "ESP proposal: not for IKE");
}

static void
test_keylen(void)
{
	static struct cfg_proposal p192;
	struct ike_prop_ike c;
	struct ike_pld_prop *p;

	/* AES-192 only: we offer 128 and 256. */
	reset();
	p = prop(IKE_PROTO_IKE, NULL, 0);
	xf(p, IKE_TRANS_ENCR, XFORM_ENCR_AES_CBC, 192);
	xf(p, IKE_TRANS_ENCR, XFORM_ENCR_AES_GCM_16, 192);
	xf(p, IKE_TRANS_PRF, XFORM_PRF_HMAC_SHA2_256, 0);
	xf(p, IKE_TRANS_INTEG, XFORM_INTEG_HMAC_SHA2_256_128, 0);
	xf(p, IKE_TRANS_DH, XFORM_DH_ECP256, 0);
	is_int(sel1(&p_default, &c), -E_NOENT, "AES-192 only: refused");

	/* A configuration asking for AES-192 that no backend provides
	 * (OpenSSL's table has 128 and 256): never chosen. */
	p192 = p_ke;
	p192.encr[0] = (struct cfg_encr){ XFORM_ENCR_AES_CBC, 192 };
	ok(xform_find_cipher(XFORM_ENCR_AES_CBC, 192) == NULL,
	    "the registry has no AES-CBC-192");
	is_int(sel1(&p192, &c), -E_NOENT,
	    "AES-192 configured but not provided: refused");

	/* 128, 192, 256 offered: our first, 256. */
	xf(p, IKE_TRANS_ENCR, XFORM_ENCR_AES_CBC, 128);
	xf(p, IKE_TRANS_ENCR, XFORM_ENCR_AES_CBC, 256);
	is_int(sel1(&p_default, &c), 0, "128/192/256: chosen");
	is_int(c.encr_bits, 256, "128/192/256: 256 bits");
	is_int(c.encr, XFORM_ENCR_AES_CBC, "128/192/256: AES-CBC");

	/* AES without a Key Length: the size is unknown. */
	reset();
	p = prop(IKE_PROTO_IKE, NULL, 0);
	xf(p, IKE_TRANS_ENCR, XFORM_ENCR_AES_GCM_16, 0);
	xf(p, IKE_TRANS_PRF, XFORM_PRF_HMAC_SHA2_256, 0);
	xf(p, IKE_TRANS_DH, XFORM_DH_ECP256, 0);
	is_int(sel1(&p_default, &c), -E_NOENT, "AES without Key Length");

	/* ChaCha20-Poly1305 with Key Length 256 (echoed) or 128 (no). */
	reset();
	p = prop(IKE_PROTO_IKE, NULL, 0);
	xf(p, IKE_TRANS_ENCR, XFORM_ENCR_CHACHA20_POLY1305, 256);
	xf(p, IKE_TRANS_PRF, XFORM_PRF_HMAC_SHA2_256, 0);
	xf(p, IKE_TRANS_DH, XFORM_DH_CURVE25519, 0);
	is_int(sel1(&p_default, &c), 0, "ChaCha20 with Key Length 256");
	ok(c.keylen_attr == 1 && c.encr_bits == 256,
	    "ChaCha20: the attribute is returned unmodified");
	p->xf[0].keylen = 128;
	is_int(sel1(&p_default, &c), -E_NOENT, "ChaCha20 with 128: refused");
}

static void
test_invalid_ke(void)
{
	struct ike_prop_ike c;
	struct ike_pld_prop *p;
	uint16_t want = 0;

	/* The client lists 14 first and sends KE 14; we prefer 19 (config
	 * order 19 14 21) and it offers 19: INVALID_KE_PAYLOAD(19). */
	reset();
	p = prop(IKE_PROTO_IKE, NULL, 0);
	xf(p, IKE_TRANS_ENCR, XFORM_ENCR_AES_CBC, 256);
	xf(p, IKE_TRANS_PRF, XFORM_PRF_HMAC_SHA2_256, 0);
	xf(p, IKE_TRANS_INTEG, XFORM_INTEG_HMAC_SHA2_256_128, 0);
	xf(p, IKE_TRANS_DH, XFORM_DH_MODP2048, 0);
	xf(p, IKE_TRANS_DH, XFORM_DH_ECP256, 0);
	is_int(sel1(&p_ke, &c), 0, "KE scenario: chosen");
	is_int(c.dh, XFORM_DH_ECP256, "KE scenario: our group 19");
	is_int(ike_prop_ke_check(&c, XFORM_DH_MODP2048, &want), -E_AGAIN,
	    "KE 14: rejected");
	is_int(want, XFORM_DH_ECP256, "KE 14: INVALID_KE_PAYLOAD(19)");
	/* The retry: same SA payload, KE 19. */
	is_int(sel1(&p_ke, &c), 0, "retry: chosen");
	is_int(ike_prop_ke_check(&c, XFORM_DH_ECP256, &want), 0,
	    "retry with KE 19: accepted");
	/* A client that offers only 14 gets 14. */
	p->nxf--;
	is_int(sel1(&p_ke, &c), 0, "only 14 offered: chosen");
	is_int(ike_prop_ke_check(&c, XFORM_DH_MODP2048, &want), 0,
	    "only 14 offered: KE 14 accepted");
	/* A group we list but cannot compute is never asked for. */
	{
		static struct cfg_proposal pg;

		pg = p_ke;
		pg.group[0] = 15;		/* MODP-3072: no backend */
		pg.group[1] = XFORM_DH_MODP2048;
		pg.ngroup = 2;
		xf(p, IKE_TRANS_DH, 15, 0);
		ok(xform_find_dh(15) == NULL, "the registry has no group 15");
		is_int(sel1(&pg, &c), 0, "group 15 offered: chosen");
		is_int(c.dh, XFORM_DH_MODP2048, "... with 14 instead");
	}
}

static void
test_preference(void)
{
	const struct cfg_proposal *v[3];
	struct ike_prop_ike c;
	struct ike_pld_prop *p;
	int i;

	/* Two identical proposals: the peer's first wins a tie. */
	reset();
	for (i = 0; i < 2; i++) {
		p = prop(IKE_PROTO_IKE, NULL, 0);
		xf(p, IKE_TRANS_ENCR, XFORM_ENCR_AES_GCM_16, 128);
		xf(p, IKE_TRANS_PRF, XFORM_PRF_HMAC_SHA2_256, 0);
		xf(p, IKE_TRANS_DH, XFORM_DH_ECP256, 0);
	}
	is_int(sel1(&p_default, &c), 0, "tie: chosen");
	is_int(c.num, 1, "tie: the peer's first");
	/* A later peer proposal with our better cipher wins. */
	p = prop(IKE_PROTO_IKE, NULL, 0);
	xf(p, IKE_TRANS_ENCR, XFORM_ENCR_AES_GCM_16, 256);
	xf(p, IKE_TRANS_PRF, XFORM_PRF_HMAC_SHA2_512, 0);
	xf(p, IKE_TRANS_DH, XFORM_DH_MODP2048, 0);
	is_int(sel1(&p_default, &c), 0, "preference: chosen");
	is_int(c.num, 3, "preference: our cipher order decides first");
	/* Our proposals in order: the first one that matches anything. */
	v[0] = NULL;
	v[1] = &p_ke;
	v[2] = &p_default;
	is_int(ike_prop_select_ike(v, 3, &sa, &c), 0, "list: chosen");
	ok(c.cfg == &p_default, "list: p_ke matched nothing, default did");
	is_int(ike_prop_select_ike(v, 0, &sa, &c), -E_INVAL, "empty list");
	/* Nothing at all in common. */
	v[0] = &p_ke;
	is_int(ike_prop_select_ike(v, 1, &sa, &c), -E_NOENT,
	    "no match: NO_PROPOSAL_CHOSEN");
}

static void
test_ike_reply(void)
{
	static struct ike_pld_sa out;
	struct ike_prop_ike c;
	struct ike_pld_prop *p;
	struct span s;
	uint8_t want[64];
	size_t n;
	static const uint8_t spi8[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

	/* Proposal 2 of two, AES-GCM-16-256 / PRF-SHA2-256 / ECP-256. */
	reset();
	p = prop(IKE_PROTO_IKE, NULL, 0);
	xf(p, IKE_TRANS_ENCR, XFORM_ENCR_AES_CBC, 128);
	xf(p, IKE_TRANS_PRF, XFORM_PRF_HMAC_SHA1, 0);
	xf(p, IKE_TRANS_INTEG, XFORM_INTEG_HMAC_SHA1_96, 0);
	xf(p, IKE_TRANS_DH, XFORM_DH_ECP256, 0);
	p = prop(IKE_PROTO_IKE, NULL, 0);
	xf(p, IKE_TRANS_ENCR, XFORM_ENCR_AES_GCM_16, 256);
	xf(p, IKE_TRANS_PRF, XFORM_PRF_HMAC_SHA2_256, 0);
	xf(p, IKE_TRANS_DH, XFORM_DH_ECP256, 0);
	is_int(sel1(&p_default, &c), 0, "reply case: chosen");
	is_int(reply_ike(&c, span_make(NULL, 0), &out), 0, "reply: encodes");
	/* RFC 7296 3.3.1, 3.3.2, 3.3.5 layouts. */
	n = tap_unhex(
	    "00000028"			/* SA header, length 40 */
	    "00000024" "02010003"	/* last proposal, 36, #2, IKE, 0, 3 */
	    "0300000c" "01000014" "800e0100" /* ENCR 20, Key Length 256 */
	    "03000008" "02000005"	/* PRF 5 */
	    "00000008" "04000013",	/* last, D-H 19 */
	    want, sizeof(want));
	s = buf_span(b);
	is_int(s.len, n, "reply: 40 bytes");
	is_mem(s.p, want, n, "reply: exact bytes");
	/* Rekeying: our 8-byte SPI goes in. */
	is_int(reply_ike(&c, span_make(spi8, 8), &out), 0,
	    "reply with SPI: encodes");
	ok(out.prop[0].spi.len == 8 &&
	    memcmp(out.prop[0].spi.p, spi8, 8) == 0, "reply with SPI: ours");
	is_int(reply_ike(&c, span_make(spi8, 4), &out), -E_INVAL,
	    "a 4-byte IKE SPI is refused");
	/* Names and truncation. */
	{
		char tiny[8];

		is_int(ike_prop_ike_str(&c, tiny, sizeof(tiny)), -E_RANGE,
		    "name: truncated");
		is_str(tiny, "aes256g", "name: truncated but terminated");
	}
}

static void
test_esp(void)
{
	struct ike_prop_esp c;
	struct ike_keys_suite suite;
	struct ike_pld_prop *p;
	struct span body;
	static struct cfg_esp e;
	size_t el, il, n;
	int r;

	/* strongSwan default: CBC (1) and GCM (2); we prefer GCM-256. */
	is_int(load(STRONGSWAN_ESP_DEFAULT), 0, "swan ESP default: decodes");
	is_int(ike_prop_select_esp(&e_default, &sa, &c), 0,
	    "swan ESP default: chosen");
	is_int(c.num, 2, "swan ESP default: proposal 2");
	is_str(esp_name(&c), "aes256gcm16", "swan ESP default: aes256gcm16");
	is_int(c.esn, 0, "swan ESP default: no ESN (all it offers)");
	is_int(c.peer_spi, 0x04d30852, "swan ESP default: the peer's SPI");
	ike_prop_esp_suite(&c, &suite);
	is_int(ike_keys_suite_lens(&suite, &el, &il), 0, "ESP suite: valid");
	is_int(el * 100 + il, 36 * 100, "ESP suite: 36-byte keys, no integ");

	/* strongSwan's gateway chose AES-CBC-128/SHA2-256 (its list starts
	 * with CBC); with that as our only choice our reply, with its SPI,
	 * is byte for byte the reply strongSwan sent. */
	e = e_default;
	e.encr[0] = (struct cfg_encr){ XFORM_ENCR_AES_CBC, 128 };
	e.nencr = 1;
	is_int(ike_prop_select_esp(&e, &sa, &c), 0, "swan's pick: chosen");
	is_str(esp_name(&c), "aes128-sha256", "swan's pick: aes128-sha256");
	is_int(reply_esp(&c, 0x17c7d3bb, &body), 0, "ESP reply: encodes");
	n = tap_unhex(STRONGSWAN_ESP_REPLY, raw, sizeof(raw));
	is_int(body.len, n, "ESP reply: strongSwan's length");
	is_mem(body.p, raw, n, "ESP reply: strongSwan's bytes");
	is_int(reply_esp(&c, 255, &body), -E_INVAL, "ESP reply: SPI 255");

	/* Custom: ESN variants. */
	is_int(load(STRONGSWAN_ESP_CUSTOM), 0, "swan ESP custom: decodes");
	e = e_default;
	is_int(ike_prop_select_esp(&e, &sa, &c), 0, "esn both: chosen");
	ok(c.num == 1 && c.esn == 1 && c.encr_bits == 256,
	    "esn both: GCM-256 with ESN, the peer's first");
	is_int(c.peer_spi, 0x5260b79b, "esn both: SPI");
	e.esn = CFG_ESN_NO;
	is_int(ike_prop_select_esp(&e, &sa, &c), 0, "esn no: chosen");
	ok(c.num == 1 && c.esn == 0, "esn no: GCM-256 without ESN");
	e.esn = CFG_ESN_YES;
	is_int(ike_prop_select_esp(&e, &sa, &c), 0, "esn yes: chosen");
	ok(c.num == 1 && c.esn == 1, "esn yes: GCM-256 with ESN");
	e.encr[0] = (struct cfg_encr){ XFORM_ENCR_CHACHA20_POLY1305, 0 };
	e.nencr = 1;
	is_int(ike_prop_select_esp(&e, &sa, &c), -E_NOENT,
	    "chacha + esn yes: its proposal has no ESN");
	e.esn = CFG_ESN_NO;
	is_int(ike_prop_select_esp(&e, &sa, &c), 0, "chacha + esn no");
	ok(c.num == 2 && c.keylen_attr == 0,
	    "chacha: proposal 2, no Key Length");
	is_str(esp_name(&c), "chacha20poly1305", "chacha: name");
	is_int(reply_esp(&c, 0xc0ffee01, &body), 0, "chacha reply encodes");
	n = tap_unhex("0000001c02030402c0ffee01"
	    "030000080100001c" "0000000805000000", raw, sizeof(raw));
	ok(body.len == n && memcmp(body.p, raw, n) == 0,
	    "chacha reply: #2, ESP, our SPI, ENCR 28 bare, ESN 0");

	/* Hand-made cases. */
	reset();
	p = prop(IKE_PROTO_ESP, "\x00\x00\x10\x00", 4);
	xf(p, IKE_TRANS_ENCR, XFORM_ENCR_AES_CBC, 256);
	xf(p, IKE_TRANS_INTEG, XFORM_INTEG_HMAC_SHA2_384_192, 0);
	xf(p, IKE_TRANS_DH, XFORM_DH_ECP256, 0);	/* ignored (1.2) */
	e = e_default;
	e.esn = CFG_ESN_NO;
	r = ike_prop_select_esp(&e, &sa, &c);
	is_int(r, 0, "no ESN transform, D-H present: accepted");
	is_str(esp_name(&c), "aes256-sha384", "... aes256-sha384");
	ok(c.esn == 0 && c.peer_spi == 0x1000, "... 32-bit SN, SPI 0x1000");
	is_int(reply_esp(&c, 0x2000, &body), 0, "... reply encodes");
	{
		static struct ike_pld_sa back;

		is_int(ike_pld_parse_sa(body, &back), 0, "... reply decodes");
		ok(back.prop[0].nxf == 3 &&
		    has(&back.prop[0], IKE_TRANS_ENCR, XFORM_ENCR_AES_CBC,
		    256) &&
		    has(&back.prop[0], IKE_TRANS_INTEG,
		    XFORM_INTEG_HMAC_SHA2_384_192, 0) &&
		    has(&back.prop[0], IKE_TRANS_ESN, 0, 0),
		    "... reply: ENCR INTEG ESN, no D-H");
	}
	e.esn = CFG_ESN_YES;
	is_int(ike_prop_select_esp(&e, &sa, &c), -E_NOENT,
	    "no ESN transform, esn yes: refused");
	/* A PRF has no place in an ESP proposal. */
	e.esn = CFG_ESN_BOTH;
	xf(p, IKE_TRANS_PRF, XFORM_PRF_HMAC_SHA2_256, 0);
	is_int(ike_prop_select_esp(&e, &sa, &c), -E_NOENT,
	    "PRF in ESP: proposal refused");
	p->nxf--;
	/* A reserved SPI. */
	p->spi = span_make("\x00\x00\x00\xff", 4);
	is_int(ike_prop_select_esp(&e, &sa, &c), -E_NOENT,
	    "SPI 255: proposal refused");
	/* An IKE proposal in IKE_AUTH is not an ESP proposal. */
	reset();
	p = prop(IKE_PROTO_IKE, NULL, 0);
	xf(p, IKE_TRANS_ENCR, XFORM_ENCR_AES_GCM_16, 256);
	xf(p, IKE_TRANS_ESN, 0, 0);
	is_int(ike_prop_select_esp(&e, &sa, &c), -E_NOENT,
	    "IKE proposal: not for ESP");
}

/* CREATE_CHILD_SA (RFC 7296 1.3.3): the key exchange of a rekey. */
static void
test_esp_rekey(void)
{
	struct ike_prop_esp c;
	struct ike_pld_prop *p;
	struct span body;
	static struct cfg_esp e;
	static struct ike_pld_sa back;

	e = e_default;
	e.esn = CFG_ESN_BOTH;
	/* No group offered: no PFS, whatever KE says. */
	reset();
	p = prop(IKE_PROTO_ESP, "\x00\x00\x10\x00", 4);
	xf(p, IKE_TRANS_ENCR, XFORM_ENCR_AES_GCM_16, 256);
	xf(p, IKE_TRANS_ESN, 0, 0);
	is_int(ike_prop_select_esp_rekey(&e, &sa, 0, &c), 0,
	    "rekey without groups: chosen");
	is_int(c.dh, 0, "... without a key exchange");
	/* Groups only, we ask for none: the KE's group if offered. */
	xf(p, IKE_TRANS_DH, XFORM_DH_ECP256, 0);
	xf(p, IKE_TRANS_DH, XFORM_DH_CURVE25519, 0);
	is_int(ike_prop_select_esp_rekey(&e, &sa, 0, &c), -E_NOENT,
	    "groups only, no KE: refused");
	is_int(ike_prop_select_esp_rekey(&e, &sa, XFORM_DH_MODP2048, &c),
	    -E_NOENT, "groups only, KE of a group not offered: refused");
	is_int(ike_prop_select_esp_rekey(&e, &sa, XFORM_DH_CURVE25519, &c),
	    0, "groups only, KE curve25519: chosen");
	is_int(c.dh, XFORM_DH_CURVE25519, "... with curve25519");
	is_int(reply_esp(&c, 0x2000, &body), 0, "... reply encodes");
	is_int(ike_pld_parse_sa(body, &back), 0, "... reply decodes");
	ok(back.prop[0].nxf == 3 &&
	    has(&back.prop[0], IKE_TRANS_DH, XFORM_DH_CURVE25519, 0),
	    "... reply: ENCR D-H ESN, the group chosen");
	/* NONE among the groups: no PFS when we ask for none. */
	xf(p, IKE_TRANS_DH, 0, 0);
	is_int(ike_prop_select_esp_rekey(&e, &sa, XFORM_DH_ECP256, &c), 0,
	    "NONE offered: chosen");
	is_int(c.dh, 0, "... without a key exchange");
	/* pfs = 19: the proposal must offer it, KE or not. */
	e.pfs = XFORM_DH_ECP256;
	is_int(ike_prop_select_esp_rekey(&e, &sa, XFORM_DH_CURVE25519, &c),
	    0, "pfs 19 offered: chosen");
	is_int(c.dh, XFORM_DH_ECP256, "... group 19, the caller's "
	    "INVALID_KE_PAYLOAD for a curve25519 KE");
	e.pfs = XFORM_DH_ECP384;
	is_int(ike_prop_select_esp_rekey(&e, &sa, XFORM_DH_ECP384, &c),
	    -E_NOENT, "pfs 20 not offered: refused");
	reset();
	p = prop(IKE_PROTO_ESP, "\x00\x00\x10\x00", 4);
	xf(p, IKE_TRANS_ENCR, XFORM_ENCR_AES_GCM_16, 256);
	xf(p, IKE_TRANS_ESN, 0, 0);
	is_int(ike_prop_select_esp_rekey(&e, &sa, 0, &c), -E_NOENT,
	    "pfs 20, no group offered: refused");
	/* IKE_AUTH never chooses a group, pfs or not. */
	is_int(ike_prop_select_esp(&e, &sa, &c), 0,
	    "IKE_AUTH with pfs set: chosen");
	is_int(c.dh, 0, "... without a key exchange (1.2)");
}

/* Our own CHILD SA rekey (the initiator's side of 1.3.3): the offer
 * carries our groups and NONE; the responder's choice is accepted when
 * it is NONE or the KE's group, refused when it took another group. */
static void
test_esp_rekey_offer(void)
{
	static const uint16_t groups[2] = { XFORM_DH_ECP256,
	    XFORM_DH_CURVE25519 };
	static struct ike_pld_sa offer, back;
	static struct cfg_esp e, gw;
	struct ike_prop_esp c, got;
	struct ike_chain ch;
	struct ike_pld_hdr h;
	struct span chain, body;
	size_t i;
	int shape = 1;

	e = e_default;
	buf_reset(b);
	ike_pld_chain_init(&ch, b);
	is_int(ike_prop_add_offer_esp_rekey(&ch, &e, 0x3000, groups, 2), 0,
	    "rekey offer: encodes");
	chain = buf_span(b);
	if (ike_pld_next(&chain, ch.first, &h, &body) != 0 ||
	    ike_pld_parse_sa(body, &offer) != 0) {
		ok(0, "rekey offer: decodes");
		return;
	}
	for (i = 0; i < offer.nprop; i++)
		shape &= has(&offer.prop[i], IKE_TRANS_DH, XFORM_DH_ECP256,
		    0) && has(&offer.prop[i], IKE_TRANS_DH,
		    XFORM_DH_CURVE25519, 0) &&
		    has(&offer.prop[i], IKE_TRANS_DH, 0, 0);
	ok(offer.nprop == 2 && shape, "rekey offer: each proposal offers "
	    "ecp256, curve25519 and NONE");
	/* A gateway without PFS takes NONE: accepted, no key exchange. */
	gw = e_default;
	is_int(ike_prop_select_esp_rekey(&gw, &offer, XFORM_DH_ECP256, &c),
	    0, "gateway without pfs: chooses");
	is_int(c.dh, 0, "... NONE");
	if (reply_esp(&c, 0x4000, &body) != 0 ||
	    ike_pld_parse_sa(body, &back) != 0)
		ok(0, "... reply");
	else
		ok(ike_prop_accept_esp_rekey(&e, &back, XFORM_DH_ECP256,
		    &got) == 0 && got.dh == 0, "... accepted without PFS");
	/* A gateway with pfs = our KE's group: PFS with it. */
	gw.pfs = XFORM_DH_ECP256;
	is_int(ike_prop_select_esp_rekey(&gw, &offer, XFORM_DH_ECP256, &c),
	    0, "gateway with pfs 19: chooses");
	if (reply_esp(&c, 0x4000, &body) != 0 ||
	    ike_pld_parse_sa(body, &back) != 0)
		ok(0, "... reply");
	else
		ok(ike_prop_accept_esp_rekey(&e, &back, XFORM_DH_ECP256,
		    &got) == 0 && got.dh == XFORM_DH_ECP256,
		    "... accepted with ecp256");
	/* A gateway with pfs = another of our groups: it chooses that one
	 * (and answers INVALID_KE_PAYLOAD); such a reply is refused. */
	gw.pfs = XFORM_DH_CURVE25519;
	is_int(ike_prop_select_esp_rekey(&gw, &offer, XFORM_DH_ECP256, &c),
	    0, "gateway with pfs 31: chooses");
	is_int(c.dh, XFORM_DH_CURVE25519, "... curve25519, not our KE's");
	if (reply_esp(&c, 0x4000, &body) != 0 ||
	    ike_pld_parse_sa(body, &back) != 0)
		ok(0, "... reply");
	else
		is_int(ike_prop_accept_esp_rekey(&e, &back, XFORM_DH_ECP256,
		    &got), -E_NOENT, "... a reply with it is refused");
}

int
main(void)
{
	if (xform_init("auto") != 0)
		skip_all("no crypto backend");
	if ((b = buf_new(4096)) == NULL)
		skip_all("out of memory");
	setup_cfg();
	test_strongswan_ike();
	test_aead_integ();
	test_mandatory_and_unknown();
	test_keylen();
	test_invalid_ke();
	test_preference();
	test_ike_reply();
	test_esp();
	test_esp_rekey();
	test_esp_rekey_offer();
	buf_free(b);
	xform_cleanup();
	return done_testing();
}
