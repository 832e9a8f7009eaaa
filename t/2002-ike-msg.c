/* 2002-ike-msg: whole IKEv2 messages. An IKE_SA_INIT request and an
 * IKE_AUTH request with an SK payload are built with the builder,
 * compared byte for byte with hand-assembled messages (RFC 7296 3.1 header
 * and section 3 payload layouts, one comment per field), parsed back and
 * checked field by field. An SKF fragment message is built the same way
 * (RFC 7383 2.5). */
#include "config.h"

#include <string.h>

#include "core/buf.h"
#include "core/ike_msg.h"
#include "core/ike_pld.h"
#include "t/tap.h"

static uint8_t want[1024];
static uint8_t pkt[1024];
static uint8_t nonce[32], kepub[32], natd_s[20], natd_d[20], psk_mac[32];

/* The hand-assembled IKE_SA_INIT request. */
static const char sa_init_hex[] =
    /* IKE header (3.1) */
    "0102030405060708"	/* Initiator's SPI */
    "0000000000000000"	/* Responder's SPI: zero in IKE_SA_INIT */
    "21"		/* Next Payload: SA (33) */
    "20"		/* version 2.0 */
    "22"		/* exchange: IKE_SA_INIT (34) */
    "08"		/* flags: Initiator */
    "00000000"		/* Message ID 0 */
    "000000ff"		/* Length 255 */
    /* SA (3.3) */
    "22 00 0054"	/* next KE (34), length 84 */
    "02 00 0024"	/* more proposals, length 36 */
    "01 01 00 03"	/* proposal 1, IKE, no SPI, 3 transforms */
    "03 00 000c 01 00 0014 800e 0100"	/* ENCR AES-GCM-16 (20), 256 bits */
    "03 00 0008 02 00 0005"	/* PRF HMAC-SHA2-256 (5) */
    "00 00 0008 04 00 001f"	/* DH Curve25519 (31) */
    "00 00 002c"	/* last proposal, length 44 */
    "02 01 00 04"	/* proposal 2, IKE, no SPI, 4 transforms */
    "03 00 000c 01 00 000c 800e 0080"	/* ENCR AES-CBC (12), 128 bits */
    "03 00 0008 02 00 0005"	/* PRF HMAC-SHA2-256 */
    "03 00 0008 03 00 000c"	/* INTEG HMAC-SHA2-256-128 (12) */
    "00 00 0008 04 00 0013"	/* DH ECP-256 (19) */
    /* KE (3.4) */
    "28 00 0028"	/* next Nonce (40), length 40 */
    "001f 0000"		/* group 31, reserved */
    "404142434445464748494a4b4c4d4e4f"	/* 32-byte public value */
    "505152535455565758595a5b5c5d5e5f"
    /* Ni (3.9) */
    "29 00 0024"	/* next Notify (41), length 36 */
    "000102030405060708090a0b0c0d0e0f"	/* 32-byte nonce */
    "101112131415161718191a1b1c1d1e1f"
    /* N(NAT_DETECTION_SOURCE_IP) (3.10, 2.23) */
    "29 00 001c"	/* next Notify, length 28 */
    "00 00 4004"	/* protocol 0, SPI size 0, type 16388 */
    "5353535353535353535353535353535353535353"	/* SHA-1 digest */
    /* N(NAT_DETECTION_DESTINATION_IP) */
    "2b 00 001c"	/* next Vendor ID (43), length 28 */
    "00 00 4005"	/* type 16389 */
    "4444444444444444444444444444444444444444"
    /* V (3.12) */
    "00 00 000b"	/* last payload, length 11 */
    "696b6567617465";	/* "ikegate" */

/* The hand-assembled IKE_AUTH request: header, then one SK payload whose
 * inner chain is in clear here (a test stands in for the cipher). */
static const char auth_hex[] =
    "0102030405060708"	/* Initiator's SPI */
    "1112131415161718"	/* Responder's SPI */
    "2e"		/* Next Payload: SK (46) */
    "20 23 08"		/* version 2.0, IKE_AUTH (35), Initiator */
    "00000001"		/* Message ID 1 */
    "000000e3"		/* Length 227 */
    /* SK (3.14) */
    "23 00 00c7"	/* next: first inner payload IDi (35), length 199 */
    "a0a1a2a3a4a5a6a7"	/* 8-byte IV (AES-GCM, RFC 5282) */
    /* IDi (3.5) */
    "27 00 0016"	/* next AUTH (39), length 22 */
    "02 000000"		/* ID_FQDN */
    "636c69656e742e6578616d706c65"	/* "client.example" */
    /* AUTH (3.8) */
    "2f 00 0028"	/* next CP (47), length 40 */
    "02 000000"		/* Shared Key MIC */
    "6d6d6d6d6d6d6d6d6d6d6d6d6d6d6d6d"
    "6d6d6d6d6d6d6d6d6d6d6d6d6d6d6d6d"
    /* CP (3.15) */
    "21 00 0010"	/* next SA (33), length 16 */
    "01 000000"		/* CFG_REQUEST */
    "0001 0000"		/* INTERNAL_IP4_ADDRESS, empty */
    "0003 0000"		/* INTERNAL_IP4_DNS, empty */
    /* SA for the CHILD_SA (3.3) */
    "2c 00 0024"	/* next TSi (44), length 36 */
    "00 00 0020"	/* last proposal, length 32 */
    "01 03 04 02"	/* proposal 1, ESP, SPI size 4, 2 transforms */
    "cafe0001"		/* ESP SPI */
    "03 00 000c 01 00 0014 800e 0100"	/* ENCR AES-GCM-16, 256 bits */
    "00 00 0008 05 00 0000"	/* ESN: none */
    /* TSi (3.13) */
    "2d 00 0018"	/* next TSr (45), length 24 */
    "01 000000"		/* 1 selector */
    "07 00 0010 0000 ffff 00000000 ffffffff"	/* all IPv4 */
    /* TSr */
    "29 00 0018"	/* next Notify (41), length 24 */
    "01 000000"
    "07 00 0010 0000 ffff 00000000 ffffffff"
    /* N(INITIAL_CONTACT) (3.10) */
    "00 00 0008"	/* last inner payload, length 8 */
    "00 00 4000"	/* type 16384 */
    /* SK trailer */
    "00"		/* Pad Length 0 */
    "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee";	/* 16-byte ICV */

/* A fragment message (RFC 7383 2.5), fragment 1 of 2. */
static const char skf_hex[] =
    "0102030405060708 1112131415161718"	/* SPIs */
    "35 20 23 08"	/* next SKF (53), 2.0, IKE_AUTH, Initiator */
    "00000001 0000002e"	/* Message ID 1, Length 46 */
    "23 00 0012"	/* next IDi (first inner type), length 18 */
    "0001 0002"		/* fragment 1 of 2 */
    "b0b1b2b3b4b5b6b7"	/* IV */
    "27 00";		/* the start of the inner chain (sealed) */

static void
fill(uint8_t *p, size_t n, uint8_t base)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(base + i);
}

static struct span
sp(const void *p, size_t n)
{
	return span_make(p, n);
}

static void
build_sa_init(struct buf *b)
{
	static struct ike_pld_sa sa;
	struct ike_msg_hdr h = { 0x0102030405060708ULL, 0, 0, IKE_VERSION,
	    IKE_EXCH_SA_INIT, IKE_FLAG_INITIATOR, 0, 0 };
	struct ike_pld_notify n;
	struct ike_chain c;

	memset(&sa, 0, sizeof(sa));
	sa.nprop = 2;
	sa.prop[0].num = 1;
	sa.prop[0].proto = IKE_PROTO_IKE;
	sa.prop[0].nxf = 3;
	sa.prop[0].xf[0] = (struct ike_pld_xform){ IKE_TRANS_ENCR,
	    IKE_XF_KEYLEN, 20, 256 };
	sa.prop[0].xf[1] = (struct ike_pld_xform){ IKE_TRANS_PRF, 0, 5, 0 };
	sa.prop[0].xf[2] = (struct ike_pld_xform){ IKE_TRANS_DH, 0, 31, 0 };
	sa.prop[1].num = 2;
	sa.prop[1].proto = IKE_PROTO_IKE;
	sa.prop[1].nxf = 4;
	sa.prop[1].xf[0] = (struct ike_pld_xform){ IKE_TRANS_ENCR,
	    IKE_XF_KEYLEN, 12, 128 };
	sa.prop[1].xf[1] = (struct ike_pld_xform){ IKE_TRANS_PRF, 0, 5, 0 };
	sa.prop[1].xf[2] = (struct ike_pld_xform){ IKE_TRANS_INTEG, 0, 12,
	    0 };
	sa.prop[1].xf[3] = (struct ike_pld_xform){ IKE_TRANS_DH, 0, 19, 0 };

	is_int(ike_msg_begin(&c, b, &h), 0, "SA_INIT: begin");
	is_int(ike_pld_add_sa(&c, &sa), 0, "SA_INIT: SA");
	is_int(ike_pld_add_ke(&c, &(struct ike_pld_ke){ 31,
	    sp(kepub, 32) }), 0, "SA_INIT: KE");
	is_int(ike_pld_add_nonce(&c, &(struct ike_pld_nonce){
	    sp(nonce, 32) }), 0, "SA_INIT: Ni");
	memset(&n, 0, sizeof(n));
	n.type = IKE_N_NAT_DETECTION_SOURCE_IP;
	n.data = sp(natd_s, 20);
	is_int(ike_pld_add_notify(&c, &n), 0, "SA_INIT: N(NATD_S)");
	n.type = IKE_N_NAT_DETECTION_DESTINATION_IP;
	n.data = sp(natd_d, 20);
	is_int(ike_pld_add_notify(&c, &n), 0, "SA_INIT: N(NATD_D)");
	is_int(ike_pld_add_vendor(&c, &(struct ike_pld_vendor){
	    span_str("ikegate") }), 0, "SA_INIT: V");
	is_int(ike_msg_finish(&c), 0, "SA_INIT: finish");
	is_int(ike_pld_add_vendor(&c, &(struct ike_pld_vendor){
	    span_str("x") }), -E_STATE, "SA_INIT: no payload after finish");
}

static void
check_sa_init(struct span dgram)
{
	static struct ike_msg m;
	static struct ike_pld_sa sa;
	struct ike_pld_ke ke;
	struct ike_pld_nonce ni;
	struct ike_pld_notify n;
	struct ike_pld_vendor v;
	uint8_t bad = 99;
	static const uint8_t types[6] = { IKE_PLD_SA, IKE_PLD_KE,
	    IKE_PLD_NONCE, IKE_PLD_NOTIFY, IKE_PLD_NOTIFY, IKE_PLD_VENDOR };
	static const size_t offs[6] = { 28, 112, 152, 188, 216, 244 };
	size_t i;
	int ok_types = 1;

	is_int(ike_msg_parse(dgram, &m), 0, "SA_INIT: parse");
	ok(m.hdr.spi_i == 0x0102030405060708ULL && m.hdr.spi_r == 0,
	    "SA_INIT: SPIs");
	is_int(m.hdr.next, IKE_PLD_SA, "SA_INIT: first payload");
	is_int(m.hdr.version, 0x20, "SA_INIT: version");
	is_int(m.hdr.exch, IKE_EXCH_SA_INIT, "SA_INIT: exchange");
	is_int(m.hdr.flags, IKE_FLAG_INITIATOR, "SA_INIT: flags");
	is_int(m.hdr.msgid, 0, "SA_INIT: message ID");
	is_int(m.hdr.len, 255, "SA_INIT: length");
	is_int(m.npld, 6, "SA_INIT: 6 payloads");
	for (i = 0; i < 6 && i < m.npld; i++)
		if (m.pld[i].type != types[i] || m.pld[i].off != offs[i] ||
		    m.pld[i].critical)
			ok_types = 0;
	ok(ok_types, "SA_INIT: payload types and offsets");
	is_int(ike_msg_verify(&m, &bad), 0, "SA_INIT: verify");
	is_int(bad, 0, "SA_INIT: no bad type");
	if (m.npld != 6)
		return;

	is_int(ike_pld_parse_sa(m.pld[0].body, &sa), 0, "SA_INIT: SA decode");
	is_int(sa.nprop, 2, "SA_INIT: 2 proposals");
	ok(sa.prop[0].num == 1 && sa.prop[0].nxf == 3 &&
	    sa.prop[0].xf[0].type == IKE_TRANS_ENCR &&
	    sa.prop[0].xf[0].id == 20 && sa.prop[0].xf[0].keylen == 256 &&
	    sa.prop[0].xf[0].flags == IKE_XF_KEYLEN &&
	    sa.prop[0].xf[1].type == IKE_TRANS_PRF &&
	    sa.prop[0].xf[1].id == 5 &&
	    sa.prop[0].xf[2].type == IKE_TRANS_DH &&
	    sa.prop[0].xf[2].id == 31, "SA_INIT: proposal 1 transforms");
	ok(sa.prop[1].num == 2 && sa.prop[1].nxf == 4 &&
	    sa.prop[1].proto == IKE_PROTO_IKE && sa.prop[1].spi.len == 0 &&
	    sa.prop[1].xf[0].id == 12 && sa.prop[1].xf[0].keylen == 128 &&
	    sa.prop[1].xf[2].type == IKE_TRANS_INTEG &&
	    sa.prop[1].xf[2].id == 12 && sa.prop[1].xf[3].id == 19,
	    "SA_INIT: proposal 2 transforms");
	is_int(ike_pld_parse_ke(m.pld[1].body, &ke), 0, "SA_INIT: KE decode");
	ok(ke.group == 31 && span_eq(ke.data, sp(kepub, 32)),
	    "SA_INIT: KE fields");
	is_int(ike_pld_parse_nonce(m.pld[2].body, &ni), 0, "SA_INIT: Ni");
	ok(span_eq(ni.data, sp(nonce, 32)), "SA_INIT: nonce bytes");
	is_int(ike_msg_find_notify(&m, IKE_N_NAT_DETECTION_DESTINATION_IP,
	    &n), 0, "SA_INIT: find N(NATD_D)");
	ok(n.proto == 0 && n.spi.len == 0 && span_eq(n.data, sp(natd_d, 20)),
	    "SA_INIT: NATD_D fields");
	is_int(ike_msg_find_notify(&m, IKE_N_NAT_DETECTION_SOURCE_IP, &n), 0,
	    "SA_INIT: find N(NATD_S)");
	ok(span_eq(n.data, sp(natd_s, 20)), "SA_INIT: NATD_S data");
	is_int(ike_msg_find_notify(&m, IKE_N_COOKIE, &n), -E_NOENT,
	    "SA_INIT: no COOKIE");
	is_int(ike_msg_find(&m, IKE_PLD_NOTIFY, 4), 4, "SA_INIT: find from");
	is_int(ike_msg_find(&m, IKE_PLD_CERT, 0), -E_NOENT,
	    "SA_INIT: no CERT");
	is_int(ike_pld_parse_vendor(m.pld[5].body, &v), 0, "SA_INIT: V");
	ok(span_eq(v.data, span_str("ikegate")), "SA_INIT: vendor id");
}

static void
build_auth(struct buf *b, size_t *iv_off, size_t *plain_off)
{
	static struct ike_pld_sa sa;
	static struct ike_pld_cp cp;
	static struct ike_pld_ts ts;
	static const uint8_t spi[4] = { 0xca, 0xfe, 0, 1 };
	static const uint8_t any4[8] = { 0, 0, 0, 0, 255, 255, 255, 255 };
	struct ike_msg_hdr h = { 0x0102030405060708ULL,
	    0x1112131415161718ULL, 0, IKE_VERSION, IKE_EXCH_AUTH,
	    IKE_FLAG_INITIATOR, 1, 0 };
	struct ike_pld_notify n;
	struct ike_chain c;
	uint8_t *p;

	memset(&sa, 0, sizeof(sa));
	sa.nprop = 1;
	sa.prop[0] = (struct ike_pld_prop){ 1, IKE_PROTO_ESP, 2, sp(spi, 4),
	    { { 0 } } };
	sa.prop[0].xf[0] = (struct ike_pld_xform){ IKE_TRANS_ENCR,
	    IKE_XF_KEYLEN, 20, 256 };
	sa.prop[0].xf[1] = (struct ike_pld_xform){ IKE_TRANS_ESN, 0,
	    IKE_ESN_NONE, 0 };
	memset(&cp, 0, sizeof(cp));
	cp.type = IKE_CP_CFG_REQUEST;
	cp.nattr = 2;
	cp.attr[0].type = IKE_CP_INTERNAL_IP4_ADDRESS;
	cp.attr[1].type = IKE_CP_INTERNAL_IP4_DNS;
	memset(&ts, 0, sizeof(ts));
	ts.nts = 1;
	ts.ts[0] = (struct ike_pld_ts_sel){ IKE_TS_IPV4_ADDR_RANGE, 0, 0,
	    65535, sp(any4, 4), sp(any4 + 4, 4) };

	is_int(ike_msg_begin(&c, b, &h), 0, "AUTH: begin");
	is_int(ike_msg_sk_begin(&c, 8), 0, "AUTH: SK begin");
	ok(c.sk_off == 28 && c.iv_off == 32 && c.plain_off == 40,
	    "AUTH: SK offsets 28/32/40");
	is_int(ike_msg_sk_begin(&c, 8), -E_STATE, "AUTH: one SK only");
	is_int(ike_pld_add_id(&c, IKE_PLD_IDI, &(struct ike_pld_id){
	    IKE_ID_FQDN, span_str("client.example") }), 0, "AUTH: IDi");
	is_int(ike_pld_add_auth(&c, &(struct ike_pld_auth){
	    IKE_AUTH_SHARED_KEY_MIC, sp(psk_mac, 32) }), 0, "AUTH: AUTH");
	is_int(ike_pld_add_cp(&c, &cp), 0, "AUTH: CP");
	is_int(ike_pld_add_sa(&c, &sa), 0, "AUTH: SA");
	is_int(ike_pld_add_ts(&c, IKE_PLD_TSI, &ts), 0, "AUTH: TSi");
	is_int(ike_pld_add_ts(&c, IKE_PLD_TSR, &ts), 0, "AUTH: TSr");
	memset(&n, 0, sizeof(n));
	n.type = IKE_N_INITIAL_CONTACT;
	is_int(ike_pld_add_notify(&c, &n), 0, "AUTH: N(INITIAL_CONTACT)");
	/* What the IKE SA does next: Pad Length, room for the ICV, lengths,
	 * then IV and in-place sealing (here: a fixed IV and ICV). */
	is_int(buf_add_u8(b, 0), 0, "AUTH: pad length");
	is_int(buf_reserve(b, 16, &p), 0, "AUTH: ICV room");
	memset(p, 0xee, 16);
	is_int(ike_msg_finish(&c), 0, "AUTH: finish");
	is_int(buf_mut(b, c.iv_off, 8, &p), 0, "AUTH: IV writable");
	fill(p, 8, 0xa0);
	*iv_off = c.iv_off;
	*plain_off = c.plain_off;
}

static void
check_auth(struct span dgram)
{
	static struct ike_msg m, in;
	static struct ike_pld_sa sa;
	static struct ike_pld_cp cp;
	static struct ike_pld_ts ts;
	struct ike_pld_id id;
	struct ike_pld_auth auth;
	struct ike_pld_notify n;
	struct ike_pld_sk sk;
	struct span plain, icv;
	uint8_t padlen;
	static const uint8_t types[7] = { IKE_PLD_IDI, IKE_PLD_AUTH,
	    IKE_PLD_CP, IKE_PLD_SA, IKE_PLD_TSI, IKE_PLD_TSR, IKE_PLD_NOTIFY };
	size_t i;
	int ok_types = 1;

	is_int(ike_msg_parse(dgram, &m), 0, "AUTH: parse");
	ok(m.hdr.spi_i == 0x0102030405060708ULL &&
	    m.hdr.spi_r == 0x1112131415161718ULL, "AUTH: SPIs");
	ok(m.hdr.exch == IKE_EXCH_AUTH && m.hdr.msgid == 1 &&
	    m.hdr.flags == IKE_FLAG_INITIATOR && m.hdr.len == 227,
	    "AUTH: exchange, message ID, flags, length");
	is_int(m.npld, 1, "AUTH: one outer payload");
	if (m.npld != 1)
		return;
	ok(m.pld[0].type == IKE_PLD_SK && m.pld[0].next == IKE_PLD_IDI &&
	    m.pld[0].off == 28, "AUTH: SK at 28, first inner IDi");
	is_int(ike_msg_verify(&m, NULL), 0, "AUTH: verify outer");
	is_int(ike_pld_parse_sk(m.pld[0].body, &sk), 0, "AUTH: SK decode");
	is_int(sk.data.len, 199 - 4, "AUTH: SK body length");
	/* Strip IV, ICV and padding as the IKE SA will after opening. */
	plain = sk.data;
	if (span_skip(&plain, 8) != 0 || span_get_tail(&plain, 16, &icv) != 0 ||
	    plain.len < 1) {
		ok(0, "AUTH: SK body shape");
		return;
	}
	padlen = plain.p[plain.len - 1];
	is_int(padlen, 0, "AUTH: pad length");
	plain.len -= 1 + padlen;
	is_int(plain.len, 170, "AUTH: inner chain length");
	is_int(ike_msg_parse_inner(&m.hdr, m.pld[0].next, plain, &in), 0,
	    "AUTH: parse inner");
	is_int(ike_msg_verify(&in, NULL), 0, "AUTH: verify inner");
	is_int(in.npld, 7, "AUTH: 7 inner payloads");
	ok(in.hdr.exch == IKE_EXCH_AUTH, "AUTH: inner keeps the header");
	for (i = 0; i < 7 && i < in.npld; i++)
		if (in.pld[i].type != types[i])
			ok_types = 0;
	ok(ok_types, "AUTH: inner payload types");
	if (in.npld != 7)
		return;
	ok(in.pld[0].off == 0 && in.pld[1].off == 22,
	    "AUTH: inner offsets are relative to the plaintext");
	is_int(ike_pld_parse_id(in.pld[0].body, &id), 0, "AUTH: IDi decode");
	ok(id.type == IKE_ID_FQDN && span_eq(id.data,
	    span_str("client.example")), "AUTH: IDi fields");
	is_int(ike_pld_parse_auth(in.pld[1].body, &auth), 0, "AUTH: AUTH");
	ok(auth.method == IKE_AUTH_SHARED_KEY_MIC &&
	    span_eq(auth.data, sp(psk_mac, 32)), "AUTH: AUTH fields");
	is_int(ike_pld_parse_cp(in.pld[2].body, &cp), 0, "AUTH: CP decode");
	ok(cp.type == IKE_CP_CFG_REQUEST && cp.nattr == 2 &&
	    cp.attr[0].type == IKE_CP_INTERNAL_IP4_ADDRESS &&
	    cp.attr[0].value.len == 0 &&
	    cp.attr[1].type == IKE_CP_INTERNAL_IP4_DNS, "AUTH: CP fields");
	is_int(ike_pld_parse_sa(in.pld[3].body, &sa), 0, "AUTH: SA decode");
	ok(sa.nprop == 1 && sa.prop[0].proto == IKE_PROTO_ESP &&
	    sa.prop[0].spi.len == 4 && sa.prop[0].spi.p[0] == 0xca &&
	    sa.prop[0].spi.p[3] == 0x01 && sa.prop[0].nxf == 2 &&
	    sa.prop[0].xf[0].keylen == 256 &&
	    sa.prop[0].xf[1].type == IKE_TRANS_ESN, "AUTH: SA fields");
	is_int(ike_pld_parse_ts(in.pld[4].body, &ts), 0, "AUTH: TSi decode");
	ok(ts.nts == 1 && ts.ts[0].type == IKE_TS_IPV4_ADDR_RANGE &&
	    ts.ts[0].sport == 0 && ts.ts[0].eport == 65535 &&
	    ts.ts[0].start.p[0] == 0 && ts.ts[0].end.p[3] == 255,
	    "AUTH: TSi fields");
	is_int(ike_pld_parse_ts(in.pld[5].body, &ts), 0, "AUTH: TSr decode");
	is_int(ike_pld_parse_notify(in.pld[6].body, &n), 0, "AUTH: N decode");
	ok(n.type == IKE_N_INITIAL_CONTACT && n.data.len == 0,
	    "AUTH: INITIAL_CONTACT");
	is_int(in.pld[6].next, 0, "AUTH: last inner payload");
}

static void
test_skf(struct buf *b)
{
	static struct ike_msg m;
	struct ike_msg_hdr h = { 0x0102030405060708ULL,
	    0x1112131415161718ULL, 0, IKE_VERSION, IKE_EXCH_AUTH,
	    IKE_FLAG_INITIATOR, 1, 0 };
	struct ike_pld_skf f;
	struct ike_chain c;
	uint8_t *p;
	size_t n;

	buf_reset(b);
	is_int(ike_msg_begin(&c, b, &h), 0, "SKF: begin");
	is_int(ike_msg_skf_begin(&c, 3, 2, IKE_PLD_IDI, 8), -E_INVAL,
	    "SKF: number above total refused");
	is_int(ike_msg_skf_begin(&c, 1, 2, IKE_PLD_IDI, 8), 0, "SKF: open");
	is_int(buf_add(b, "\x27\x00", 2), 0, "SKF: fragment bytes");
	is_int(ike_pld_add_vendor(&c, &(struct ike_pld_vendor){
	    span_str("x") }), -E_STATE, "SKF: no payloads after SKF");
	is_int(ike_msg_finish(&c), 0, "SKF: finish");
	is_int(buf_mut(b, c.iv_off, 8, &p), 0, "SKF: IV writable");
	fill(p, 8, 0xb0);
	n = tap_unhex(skf_hex, want, sizeof(want));
	is_int(buf_len(b), n, "SKF: length");
	is_mem(buf_span(b).p, want, n, "SKF: bytes");
	is_int(ike_msg_parse(buf_span(b), &m), 0, "SKF: parse");
	is_int(ike_msg_verify(&m, NULL), 0, "SKF: verify");
	ok(m.npld == 1 && m.pld[0].type == IKE_PLD_SKF &&
	    m.pld[0].next == IKE_PLD_IDI, "SKF: one SKF, first inner IDi");
	is_int(ike_pld_parse_skf(m.pld[0].body, &f), 0, "SKF: decode");
	ok(f.num == 1 && f.total == 2 && f.data.len == 10,
	    "SKF: number, total, data");
}

static void
test_hdr(void)
{
	struct ike_msg_hdr h;
	size_t n = tap_unhex(sa_init_hex, want, sizeof(want));

	/* 3.1: the minor version is ignored. */
	memcpy(pkt, want, n);
	pkt[17] = 0x2f;
	is_int(ike_msg_hdr_parse(span_make(pkt, n), &h), 0,
	    "header: minor version 15 accepted");
	is_int(h.version, 0x2f, "header: version octet kept");
	pkt[17] = 0x30;
	is_int(ike_msg_hdr_parse(span_make(pkt, n), &h), -E_VERSION,
	    "header: major version 3 refused");
	ok(h.spi_i == 0x0102030405060708ULL && h.msgid == 0,
	    "header: filled for INVALID_MAJOR_VERSION");
	is_int(ike_msg_hdr_parse(span_make(want, 27), &h), -E_SHORT,
	    "header: 27 bytes");
}

int
main(void)
{
	struct buf *b;
	size_t n, iv_off, plain_off;

	fill(nonce, 32, 0x00);
	fill(kepub, 32, 0x40);
	memset(natd_s, 0x53, sizeof(natd_s));
	memset(natd_d, 0x44, sizeof(natd_d));
	memset(psk_mac, 0x6d, sizeof(psk_mac));
	if ((b = buf_new(4096)) == NULL)
		skip_all("out of memory");

	build_sa_init(b);
	n = tap_unhex(sa_init_hex, want, sizeof(want));
	is_int(buf_len(b), n, "SA_INIT: length matches the hand assembly");
	is_mem(buf_span(b).p, want, n < buf_len(b) ? n : buf_len(b),
	    "SA_INIT: bytes match the hand assembly");
	memcpy(pkt, want, n);
	check_sa_init(span_make(pkt, n));

	buf_reset(b);
	build_auth(b, &iv_off, &plain_off);
	n = tap_unhex(auth_hex, want, sizeof(want));
	is_int(buf_len(b), n, "AUTH: length matches the hand assembly");
	is_mem(buf_span(b).p, want, n < buf_len(b) ? n : buf_len(b),
	    "AUTH: bytes match the hand assembly");
	is_int(plain_off - iv_off, 8, "AUTH: IV room");
	memcpy(pkt, want, n);
	check_auth(span_make(pkt, n));

	test_skf(b);
	test_hdr();
	buf_free(b);
	return done_testing();
}
