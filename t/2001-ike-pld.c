/* 2001-ike-pld: every IKEv2 payload type encodes to hand-checked bytes
 * (RFC 7296 section 3 layouts, one comment per field), decodes back to
 * the same fields, and re-encodes to the same bytes. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/ike_pld.h"
#include "t/tap.h"

static struct buf *b;
static struct ike_chain c;
static uint8_t want[2048];
static uint8_t first_enc[2048];
static size_t first_len;

/* Starts a fresh bare chain. */
static void
start(void)
{
	buf_reset(b);
	ike_pld_chain_init(&c, b);
}

/* Checks that the chain holds exactly one payload of type, with a clean
 * generic header, and returns its body in a copy of the encoding (so that
 * the decoded spans survive the re-encoding into b). */
static int
one(uint8_t type, struct span *body, const char *what)
{
	static uint8_t pkt[2048];
	struct span chain = buf_span(b);
	struct ike_pld_hdr h;
	int r;

	memcpy(pkt, chain.p, chain.len);
	chain.p = pkt;
	r = ike_pld_next(&chain, c.first, &h, body);
	return ok(r == 0 && c.first == type && h.type == type &&
	    h.next == IKE_PLD_NONE && h.critical == 0 &&
	    h.len == buf_len(b) && span_is_empty(chain),
	    "%s: one payload of type %u, length %zu", what, type, buf_len(b));
}

/* Compares the chain with hex (which includes the generic header). */
static void
bytes(const char *hex, const char *what)
{
	size_t n = tap_unhex(hex, want, sizeof(want));
	struct span s = buf_span(b);

	is_int(s.len, n, "%s: encoded length", what);
	is_mem(s.p, want, n < s.len ? n : s.len, "%s: encoded bytes", what);
}

/* Remembers the current encoding for a re-encoding comparison. */
static void
save(void)
{
	struct span s = buf_span(b);

	first_len = s.len;
	memcpy(first_enc, s.p, s.len);
}

static void
same_as_saved(const char *what)
{
	struct span s = buf_span(b);

	ok(s.len == first_len && memcmp(s.p, first_enc, s.len) == 0,
	    "%s: decode then encode gives the same bytes", what);
}

static struct span
sp(const void *p, size_t n)
{
	return span_make(p, n);
}

static void
test_sa(void)
{
	static struct ike_pld_sa in, out;
	static const uint8_t espspi[4] = { 0xc0, 0xff, 0xee, 0x01 };
	struct span body;

	/* One IKE proposal: AES-CBC-256, PRF-HMAC-SHA2-256,
	 * HMAC-SHA2-256-128, ECP-256 (ids from the IANA registry). */
	memset(&in, 0, sizeof(in));
	in.nprop = 1;
	in.prop[0].num = 1;
	in.prop[0].proto = IKE_PROTO_IKE;
	in.prop[0].nxf = 4;
	in.prop[0].xf[0] = (struct ike_pld_xform){ IKE_TRANS_ENCR,
	    IKE_XF_KEYLEN, 12, 256 };
	in.prop[0].xf[1] = (struct ike_pld_xform){ IKE_TRANS_PRF, 0, 5, 0 };
	in.prop[0].xf[2] = (struct ike_pld_xform){ IKE_TRANS_INTEG, 0, 12, 0 };
	in.prop[0].xf[3] = (struct ike_pld_xform){ IKE_TRANS_DH, 0, 19, 0 };
	start();
	is_int(ike_pld_add_sa(&c, &in), 0, "SA: encode");
	bytes(
	    "00 00 0030"	/* next 0, flags 0, payload length 48 */
	    "00 00 002c"	/* last proposal, reserved, length 44 */
	    "01 01 00 04"	/* num 1, IKE, SPI size 0, 4 transforms */
	    "03 00 000c"	/* more transforms, length 12 */
	    "01 00 000c"	/* ENCR, reserved, AES-CBC (12) */
	    "800e 0100"		/* AF=1 Key Length (14) = 256 */
	    "03 00 0008 02 00 0005"	/* PRF HMAC-SHA2-256 (5) */
	    "03 00 0008 03 00 000c"	/* INTEG HMAC-SHA2-256-128 (12) */
	    "00 00 0008 04 00 0013",	/* last: DH ECP-256 (19) */
	    "SA");
	save();
	if (one(IKE_PLD_SA, &body, "SA")) {
		is_int(ike_pld_parse_sa(body, &out), 0, "SA: decode");
		is_int(out.nprop, 1, "SA: one proposal");
		is_int(out.prop[0].num, 1, "SA: proposal num");
		is_int(out.prop[0].proto, IKE_PROTO_IKE, "SA: protocol");
		is_int(out.prop[0].spi.len, 0, "SA: no SPI");
		is_int(out.prop[0].nxf, 4, "SA: 4 transforms");
		ok(memcmp(out.prop[0].xf, in.prop[0].xf,
		    4 * sizeof(in.prop[0].xf[0])) == 0, "SA: transforms");
		start();
		is_int(ike_pld_add_sa(&c, &out), 0, "SA: re-encode");
		same_as_saved("SA");
	}

	/* Two proposals, the second ESP with an SPI and ESN, to exercise
	 * the "more" markers (2 on every proposal but the last). */
	in.nprop = 2;
	in.prop[1].num = 2;
	in.prop[1].proto = IKE_PROTO_ESP;
	in.prop[1].spi = sp(espspi, 4);
	in.prop[1].nxf = 2;
	in.prop[1].xf[0] = (struct ike_pld_xform){ IKE_TRANS_ENCR,
	    IKE_XF_KEYLEN, 20, 128 };
	in.prop[1].xf[1] = (struct ike_pld_xform){ IKE_TRANS_ESN, 0,
	    IKE_ESN_NONE, 0 };
	start();
	is_int(ike_pld_add_sa(&c, &in), 0, "SA2: encode");
	bytes(
	    "00 00 0050"	/* payload length 80 */
	    "02 00 002c 01 01 00 04"	/* more proposals (2), length 44 */
	    "03 00 000c 01 00 000c 800e 0100"
	    "03 00 0008 02 00 0005"
	    "03 00 0008 03 00 000c"
	    "00 00 0008 04 00 0013"
	    "00 00 0020"	/* last proposal, length 32 */
	    "02 03 04 02"	/* num 2, ESP, SPI size 4, 2 transforms */
	    "c0ffee01"		/* SPI */
	    "03 00 000c 01 00 0014 800e 0080"	/* AES-GCM-16 (20) 128 */
	    "00 00 0008 05 00 0000",	/* ESN: no ESN (0) */
	    "SA2");
	save();
	if (one(IKE_PLD_SA, &body, "SA2")) {
		is_int(ike_pld_parse_sa(body, &out), 0, "SA2: decode");
		is_int(out.nprop, 2, "SA2: two proposals");
		is_int(out.prop[1].num, 2, "SA2: second num");
		is_int(out.prop[1].proto, IKE_PROTO_ESP, "SA2: ESP");
		is_mem(out.prop[1].spi.p, espspi, 4, "SA2: ESP SPI");
		is_int(out.prop[1].xf[0].keylen, 128, "SA2: key length");
		is_int(out.prop[1].xf[1].type, IKE_TRANS_ESN, "SA2: ESN");
		start();
		is_int(ike_pld_add_sa(&c, &out), 0, "SA2: re-encode");
		same_as_saved("SA2");
	}

	/* A transform attribute we do not know (TLV type 17) is flagged,
	 * not rejected: 3.3.6 leaves refusing the transform to the
	 * negotiation. */
	start();
	is_int(ike_pld_add_raw(&c, IKE_PLD_SA, 0, span_make(want,
	    tap_unhex("00 00 0014 01 01 00 01"
	    "00 00 000c 01 00 000c 0011 0000", want, sizeof(want)))), 0,
	    "SA3: raw encode");
	if (one(IKE_PLD_SA, &body, "SA3")) {
		is_int(ike_pld_parse_sa(body, &out), 0, "SA3: decode");
		is_int(out.prop[0].xf[0].flags, IKE_XF_UNKNOWN_ATTR,
		    "SA3: unknown attribute flagged");
	}
}

static void
test_ke(void)
{
	static const uint8_t pub[4] = { 1, 2, 3, 4 };
	struct ike_pld_ke in = { 19, { pub, 4 } }, out;
	struct span body;

	start();
	is_int(ike_pld_add_ke(&c, &in), 0, "KE: encode");
	bytes("00 00 000c"	/* length 12 */
	    "0013 0000"		/* group 19, reserved */
	    "01020304",		/* key exchange data */
	    "KE");
	save();
	if (one(IKE_PLD_KE, &body, "KE")) {
		is_int(ike_pld_parse_ke(body, &out), 0, "KE: decode");
		is_int(out.group, 19, "KE: group");
		ok(span_eq(out.data, in.data), "KE: data");
		start();
		is_int(ike_pld_add_ke(&c, &out), 0, "KE: re-encode");
		same_as_saved("KE");
	}
}

static void
test_id(void)
{
	static const uint8_t v4[4] = { 192, 0, 2, 1 };
	struct ike_pld_id in, out;
	struct span body;

	in.type = IKE_ID_FQDN;
	in.data = span_str("vpn.example");
	start();
	is_int(ike_pld_add_id(&c, IKE_PLD_IDR, &in), 0, "IDr: encode");
	bytes("00 00 0013"	/* length 19 */
	    "02 000000"		/* ID_FQDN, reserved */
	    "76706e2e6578616d706c65",	/* "vpn.example" */
	    "IDr");
	save();
	if (one(IKE_PLD_IDR, &body, "IDr")) {
		is_int(ike_pld_parse_id(body, &out), 0, "IDr: decode");
		is_int(out.type, IKE_ID_FQDN, "IDr: type");
		ok(span_eq(out.data, in.data), "IDr: data");
		start();
		is_int(ike_pld_add_id(&c, IKE_PLD_IDR, &out), 0,
		    "IDr: re-encode");
		same_as_saved("IDr");
	}

	in.type = IKE_ID_IPV4_ADDR;
	in.data = sp(v4, 4);
	start();
	is_int(ike_pld_add_id(&c, IKE_PLD_IDI, &in), 0, "IDi: encode");
	bytes("00 00 000c 01 000000 c0000201", "IDi");
	if (one(IKE_PLD_IDI, &body, "IDi")) {
		is_int(ike_pld_parse_id(body, &out), 0, "IDi: decode");
		is_mem(out.data.p, v4, 4, "IDi: address");
	}
	is_int(ike_pld_add_id(&c, IKE_PLD_AUTH, &in), -E_INVAL,
	    "ID encoder refuses a non-ID payload type");

	/* RFC 7619: ID_NULL has no data. */
	in.type = IKE_ID_NULL;
	in.data = span_make(NULL, 0);
	start();
	is_int(ike_pld_add_id(&c, IKE_PLD_IDI, &in), 0, "ID_NULL: encode");
	if (one(IKE_PLD_IDI, &body, "ID_NULL"))
		is_int(ike_pld_parse_id(body, &out), 0, "ID_NULL: decodes");
}

static void
test_cert(void)
{
	static const uint8_t der[5] = { 0x30, 0x03, 0x02, 0x01, 0x00 };
	static uint8_t hashes[40];
	struct ike_pld_cert in = { IKE_CERT_X509_SIG, { der, 5 } }, out;
	struct ike_pld_certreq rin, rout;
	struct span body;

	start();
	is_int(ike_pld_add_cert(&c, &in), 0, "CERT: encode");
	bytes("00 00 000a"	/* length 10 */
	    "04"		/* X.509 Certificate - Signature */
	    "3003020100",	/* DER */
	    "CERT");
	save();
	if (one(IKE_PLD_CERT, &body, "CERT")) {
		is_int(ike_pld_parse_cert(body, &out), 0, "CERT: decode");
		is_int(out.enc, IKE_CERT_X509_SIG, "CERT: encoding");
		ok(span_eq(out.data, in.data), "CERT: data");
		start();
		is_int(ike_pld_add_cert(&c, &out), 0, "CERT: re-encode");
		same_as_saved("CERT");
	}

	memset(hashes, 0xab, sizeof(hashes));
	rin.enc = IKE_CERT_X509_SIG;
	rin.data = sp(hashes, 40);
	start();
	is_int(ike_pld_add_certreq(&c, &rin), 0, "CERTREQ: encode");
	save();
	if (one(IKE_PLD_CERTREQ, &body, "CERTREQ")) {
		is_int(body.len, 41, "CERTREQ: encoding + two SHA-1 hashes");
		is_int(ike_pld_parse_certreq(body, &rout), 0,
		    "CERTREQ: decode");
		ok(span_eq(rout.data, rin.data), "CERTREQ: hashes");
		start();
		is_int(ike_pld_add_certreq(&c, &rout), 0,
		    "CERTREQ: re-encode");
		same_as_saved("CERTREQ");
	}
	/* An empty list asks for any certificate. */
	rin.data = span_make(NULL, 0);
	start();
	is_int(ike_pld_add_certreq(&c, &rin), 0, "CERTREQ empty: encode");
	if (one(IKE_PLD_CERTREQ, &body, "CERTREQ empty"))
		is_int(ike_pld_parse_certreq(body, &rout), 0,
		    "CERTREQ empty: decodes");
}

static void
test_auth(void)
{
	static uint8_t mac[32];
	struct ike_pld_auth in = { IKE_AUTH_SHARED_KEY_MIC, { mac, 32 } }, out;
	struct span body;

	memset(mac, 0x5a, sizeof(mac));
	start();
	is_int(ike_pld_add_auth(&c, &in), 0, "AUTH: encode");
	bytes("00 00 0028"	/* length 40 */
	    "02 000000"		/* Shared Key Message Integrity Code */
	    "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
	    "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a",
	    "AUTH");
	save();
	if (one(IKE_PLD_AUTH, &body, "AUTH")) {
		is_int(ike_pld_parse_auth(body, &out), 0, "AUTH: decode");
		is_int(out.method, IKE_AUTH_SHARED_KEY_MIC, "AUTH: method");
		ok(span_eq(out.data, in.data), "AUTH: data");
		start();
		is_int(ike_pld_add_auth(&c, &out), 0, "AUTH: re-encode");
		same_as_saved("AUTH");
	}
}

static void
test_nonce(void)
{
	static uint8_t n[256];
	struct ike_pld_nonce in, out;
	struct span body;
	size_t i;

	for (i = 0; i < sizeof(n); i++)
		n[i] = (uint8_t)i;
	in.data = sp(n, 16);
	start();
	is_int(ike_pld_add_nonce(&c, &in), 0, "Nonce: encode");
	bytes("00 00 0014"	/* length 20 */
	    "000102030405060708090a0b0c0d0e0f",	/* 16-byte nonce */
	    "Nonce");
	save();
	if (one(IKE_PLD_NONCE, &body, "Nonce")) {
		is_int(ike_pld_parse_nonce(body, &out), 0, "Nonce: decode");
		ok(span_eq(out.data, in.data), "Nonce: data");
		start();
		is_int(ike_pld_add_nonce(&c, &out), 0, "Nonce: re-encode");
		same_as_saved("Nonce");
	}
	/* 3.9: 16 and 256 are the bounds, both allowed. */
	in.data = sp(n, 256);
	start();
	is_int(ike_pld_add_nonce(&c, &in), 0, "Nonce 256: encode");
	if (one(IKE_PLD_NONCE, &body, "Nonce 256"))
		is_int(ike_pld_parse_nonce(body, &out), 0, "Nonce 256 decodes");
}

static void
test_notify(void)
{
	static uint8_t natd[20];
	static const uint8_t spi[4] = { 0x11, 0x22, 0x33, 0x44 };
	struct ike_pld_notify in, out;
	struct span body;

	memset(natd, 0xa5, sizeof(natd));
	memset(&in, 0, sizeof(in));
	in.type = IKE_N_NAT_DETECTION_SOURCE_IP;
	in.data = sp(natd, 20);
	start();
	is_int(ike_pld_add_notify(&c, &in), 0, "N(NATD): encode");
	bytes("00 00 001c"	/* length 28 */
	    "00 00 4004"	/* no protocol, SPI size 0, type 16388 */
	    "a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5",	/* SHA-1 */
	    "N(NATD)");
	save();
	if (one(IKE_PLD_NOTIFY, &body, "N(NATD)")) {
		is_int(ike_pld_parse_notify(body, &out), 0, "N(NATD): decode");
		is_int(out.type, IKE_N_NAT_DETECTION_SOURCE_IP, "N: type");
		is_int(out.spi.len, 0, "N: no SPI");
		ok(span_eq(out.data, in.data), "N: data");
		start();
		is_int(ike_pld_add_notify(&c, &out), 0, "N(NATD): re-encode");
		same_as_saved("N(NATD)");
	}

	in.proto = IKE_PROTO_ESP;
	in.type = IKE_N_REKEY_SA;
	in.spi = sp(spi, 4);
	in.data = span_make(NULL, 0);
	start();
	is_int(ike_pld_add_notify(&c, &in), 0, "N(REKEY_SA): encode");
	bytes("00 00 000c"	/* length 12 */
	    "03 04 4009"	/* ESP, SPI size 4, REKEY_SA (16393) */
	    "11223344",		/* SPI */
	    "N(REKEY_SA)");
	if (one(IKE_PLD_NOTIFY, &body, "N(REKEY_SA)")) {
		is_int(ike_pld_parse_notify(body, &out), 0,
		    "N(REKEY_SA): decode");
		is_int(out.proto, IKE_PROTO_ESP, "N(REKEY_SA): protocol");
		is_mem(out.spi.p, spi, 4, "N(REKEY_SA): SPI");
		is_int(out.data.len, 0, "N(REKEY_SA): no data");
	}
}

static void
test_delete(void)
{
	static const uint8_t spis[8] = { 0xaa, 0, 0, 1, 0xbb, 0, 0, 2 };
	static const uint32_t esp_spis[IKE_PLD_DELETE_ESP_MAX + 1] = {
		0xaa000001, 0xbb000002 };
	struct ike_pld_delete in = { IKE_PROTO_ESP, 4, 2, { spis, 8 } }, out;
	struct span body;

	start();
	is_int(ike_pld_add_delete(&c, &in), 0, "D: encode");
	bytes("00 00 0010"	/* length 16 */
	    "03 04 0002"	/* ESP, SPI size 4, 2 SPIs */
	    "aa000001 bb000002",
	    "D");
	save();
	if (one(IKE_PLD_DELETE, &body, "D")) {
		is_int(ike_pld_parse_delete(body, &out), 0, "D: decode");
		is_int(out.proto, IKE_PROTO_ESP, "D: protocol");
		is_int(out.spi_size, 4, "D: SPI size");
		is_int(out.nspi, 2, "D: count");
		ok(span_eq(out.spis, in.spis), "D: SPIs");
		start();
		is_int(ike_pld_add_delete(&c, &out), 0, "D: re-encode");
		same_as_saved("D");
		/* The same from host-order SPIs. */
		start();
		is_int(ike_pld_add_delete_esp(&c, esp_spis, 2), 0,
		    "D(ESP list): encode");
		same_as_saved("D(ESP list)");
	}
	start();
	ok(ike_pld_add_delete_esp(&c, esp_spis, 0) == -E_INVAL &&
	    ike_pld_add_delete_esp(&c, esp_spis, IKE_PLD_DELETE_ESP_MAX + 1) ==
	    -E_INVAL, "D(ESP list): 0 or too many SPIs refused");
	/* 3.11: deleting the IKE SA. */
	in = (struct ike_pld_delete){ IKE_PROTO_IKE, 0, 0, { NULL, 0 } };
	start();
	is_int(ike_pld_add_delete(&c, &in), 0, "D(IKE): encode");
	bytes("00 00 0008 01 00 0000", "D(IKE)");
	if (one(IKE_PLD_DELETE, &body, "D(IKE)"))
		is_int(ike_pld_parse_delete(body, &out), 0, "D(IKE): decode");
}

static void
test_vendor(void)
{
	struct ike_pld_vendor in, out;
	struct span body;

	in.data = span_str("ikegate");
	start();
	is_int(ike_pld_add_vendor(&c, &in), 0, "V: encode");
	bytes("00 00 000b 696b6567617465", "V");
	save();
	if (one(IKE_PLD_VENDOR, &body, "V")) {
		is_int(ike_pld_parse_vendor(body, &out), 0, "V: decode");
		ok(span_eq(out.data, in.data), "V: data");
		start();
		is_int(ike_pld_add_vendor(&c, &out), 0, "V: re-encode");
		same_as_saved("V");
	}
}

static void
test_ts(void)
{
	static struct ike_pld_ts in, out;
	static const uint8_t a4[8] = { 10, 0, 0, 0, 10, 0, 0, 255 };
	static const uint8_t a6[32] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0,
	    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
	    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t blob[4] = { 1, 2, 3, 4 };
	struct span body;

	memset(&in, 0, sizeof(in));
	in.nts = 2;
	in.ts[0] = (struct ike_pld_ts_sel){ IKE_TS_IPV4_ADDR_RANGE, 0, 0,
	    65535, { a4, 4 }, { a4 + 4, 4 } };
	in.ts[1] = (struct ike_pld_ts_sel){ IKE_TS_IPV6_ADDR_RANGE, 17, 500,
	    500, { a6, 16 }, { a6 + 16, 16 } };
	start();
	is_int(ike_pld_add_ts(&c, IKE_PLD_TSI, &in), 0, "TSi: encode");
	bytes("00 00 0040"	/* length 64 */
	    "02 000000"		/* 2 selectors, reserved */
	    "07 00 0010"	/* IPv4 range, any protocol, length 16 */
	    "0000 ffff"		/* ports 0..65535 */
	    "0a000000 0a0000ff"	/* 10.0.0.0 .. 10.0.0.255 */
	    "08 11 0028"	/* IPv6 range, UDP, length 40 */
	    "01f4 01f4"		/* port 500 only */
	    "20010db8000000000000000000000000"
	    "20010db800000000ffffffffffffffff",
	    "TSi");
	save();
	if (one(IKE_PLD_TSI, &body, "TSi")) {
		is_int(ike_pld_parse_ts(body, &out), 0, "TSi: decode");
		is_int(out.nts, 2, "TSi: 2 selectors");
		is_int(out.ts[0].eport, 65535, "TSi: end port");
		is_mem(out.ts[0].end.p, a4 + 4, 4, "TSi: v4 end");
		is_int(out.ts[1].proto, 17, "TSi: UDP");
		is_int(out.ts[1].sport, 500, "TSi: start port");
		is_mem(out.ts[1].start.p, a6, 16, "TSi: v6 start");
		start();
		is_int(ike_pld_add_ts(&c, IKE_PLD_TSI, &out), 0,
		    "TSi: re-encode");
		same_as_saved("TSi");
	}

	/* 3.13.1: ports 65535..0 mean OPAQUE; a selector type we do not
	 * know is kept (start holds its body) for the policy to refuse. */
	in.nts = 2;
	in.ts[0].sport = 65535;
	in.ts[0].eport = 0;
	in.ts[1] = (struct ike_pld_ts_sel){ 10, 0, 0, 0, { blob, 4 },
	    { NULL, 0 } };
	start();
	is_int(ike_pld_add_ts(&c, IKE_PLD_TSR, &in), 0, "TSr: encode");
	bytes("00 00 0020 02 000000"	/* length 32, 2 selectors */
	    "07 00 0010 ffff 0000 0a000000 0a0000ff"
	    "0a 00 0008 01020304",	/* type 10, length 8, body */
	    "TSr");
	save();
	if (one(IKE_PLD_TSR, &body, "TSr")) {
		is_int(ike_pld_parse_ts(body, &out), 0, "TSr: decode");
		is_int(out.ts[1].type, 10, "TSr: unknown type kept");
		ok(span_eq(out.ts[1].start, in.ts[1].start),
		    "TSr: unknown selector body");
		start();
		is_int(ike_pld_add_ts(&c, IKE_PLD_TSR, &out), 0,
		    "TSr: re-encode");
		same_as_saved("TSr");
	}
}

static void
test_sk(void)
{
	static const uint8_t ct[6] = { 1, 2, 3, 4, 5, 6 };
	struct ike_pld_sk in = { { ct, 6 } }, out;
	struct ike_pld_skf fin = { 2, 3, { ct, 6 } }, fout;
	struct span chain, body;
	struct ike_pld_hdr h;

	start();
	is_int(ike_pld_add_sk(&c, IKE_PLD_IDI, &in), 0, "SK: encode");
	bytes("23 00 000a"	/* next: IDi (35), length 10 */
	    "010203040506",	/* IV || ciphertext || ICV */
	    "SK");
	is_int(ike_pld_add_vendor(&c, &(struct ike_pld_vendor){ { ct, 1 } }),
	    -E_STATE, "nothing may follow SK");
	chain = buf_span(b);
	if (ok(ike_pld_next(&chain, c.first, &h, &body) == 0 &&
	    c.first == IKE_PLD_SK && h.next == IKE_PLD_IDI, "SK: header")) {
		is_int(ike_pld_parse_sk(body, &out), 0, "SK: decode");
		ok(span_eq(out.data, in.data), "SK: body");
	}

	start();
	is_int(ike_pld_add_skf(&c, IKE_PLD_NONE, &fin), 0, "SKF: encode");
	bytes("00 00 000e"	/* next 0 (not the first fragment) */
	    "0002 0003"		/* fragment 2 of 3 */
	    "010203040506",
	    "SKF");
	save();
	if (one(IKE_PLD_SKF, &body, "SKF")) {
		is_int(ike_pld_parse_skf(body, &fout), 0, "SKF: decode");
		is_int(fout.num, 2, "SKF: number");
		is_int(fout.total, 3, "SKF: total");
		ok(span_eq(fout.data, fin.data), "SKF: data");
		start();
		is_int(ike_pld_add_skf(&c, IKE_PLD_NONE, &fout), 0,
		    "SKF: re-encode");
		same_as_saved("SKF");
	}
}

static void
test_cp(void)
{
	static struct ike_pld_cp in, out;
	static const uint8_t addr[4] = { 100, 64, 0, 2 };
	struct span body;

	memset(&in, 0, sizeof(in));
	in.type = IKE_CP_CFG_REQUEST;
	in.nattr = 3;
	in.attr[0].type = IKE_CP_INTERNAL_IP4_ADDRESS;
	in.attr[1].type = IKE_CP_INTERNAL_IP4_DNS;
	in.attr[2].type = IKE_CP_INTERNAL_DNS_DOMAIN;
	start();
	is_int(ike_pld_add_cp(&c, &in), 0, "CP request: encode");
	bytes("00 00 0014"	/* length 20 */
	    "01 000000"		/* CFG_REQUEST, reserved */
	    "0001 0000"		/* INTERNAL_IP4_ADDRESS, empty */
	    "0003 0000"		/* INTERNAL_IP4_DNS, empty */
	    "0019 0000",	/* INTERNAL_DNS_DOMAIN (RFC 8598), empty */
	    "CP request");
	save();
	if (one(IKE_PLD_CP, &body, "CP request")) {
		is_int(ike_pld_parse_cp(body, &out), 0, "CP request: decode");
		is_int(out.type, IKE_CP_CFG_REQUEST, "CP: type");
		is_int(out.nattr, 3, "CP: 3 attributes");
		is_int(out.attr[2].type, IKE_CP_INTERNAL_DNS_DOMAIN,
		    "CP: third attribute");
		start();
		is_int(ike_pld_add_cp(&c, &out), 0, "CP request: re-encode");
		same_as_saved("CP request");
	}

	in.type = IKE_CP_CFG_REPLY;
	in.nattr = 2;
	in.attr[0].value = sp(addr, 4);
	in.attr[1].type = IKE_CP_APPLICATION_VERSION;
	in.attr[1].value = span_str("ikegate");
	start();
	is_int(ike_pld_add_cp(&c, &in), 0, "CP reply: encode");
	bytes("00 00 001b"	/* length 27 */
	    "02 000000"		/* CFG_REPLY */
	    "0001 0004 64400002"	/* INTERNAL_IP4_ADDRESS 100.64.0.2 */
	    "0007 0007 696b6567617465",	/* APPLICATION_VERSION */
	    "CP reply");
	if (one(IKE_PLD_CP, &body, "CP reply")) {
		is_int(ike_pld_parse_cp(body, &out), 0, "CP reply: decode");
		is_mem(out.attr[0].value.p, addr, 4, "CP reply: address");
		ok(span_eq(out.attr[1].value, span_str("ikegate")),
		    "CP reply: version string");
	}
}

static void
test_eap(void)
{
	struct ike_pld_eap in, out;
	struct span body;

	memset(&in, 0, sizeof(in));
	in.code = IKE_EAP_RESPONSE;
	in.id = 7;
	in.type = IKE_EAP_TYPE_IDENTITY;
	in.data = span_str("user");
	start();
	is_int(ike_pld_add_eap(&c, &in), 0, "EAP: encode");
	bytes("00 00 000d"	/* length 13 */
	    "02 07 0009"	/* Response, identifier 7, EAP length 9 */
	    "01"		/* Identity */
	    "75736572",		/* "user" */
	    "EAP");
	save();
	if (one(IKE_PLD_EAP, &body, "EAP")) {
		is_int(ike_pld_parse_eap(body, &out), 0, "EAP: decode");
		is_int(out.code, IKE_EAP_RESPONSE, "EAP: code");
		is_int(out.id, 7, "EAP: identifier");
		is_int(out.type, IKE_EAP_TYPE_IDENTITY, "EAP: type");
		ok(span_eq(out.data, in.data), "EAP: type data");
		ok(out.msg.p == body.p && out.msg.len == 9,
		    "EAP: msg is the whole EAP packet");
		start();
		is_int(ike_pld_add_eap(&c, &out), 0, "EAP: re-encode");
		same_as_saved("EAP");
	}

	in.code = IKE_EAP_SUCCESS;
	in.data = span_make(NULL, 0);
	start();
	is_int(ike_pld_add_eap(&c, &in), 0, "EAP success: encode");
	bytes("00 00 0008 03 07 0004", "EAP success");
	if (one(IKE_PLD_EAP, &body, "EAP success")) {
		is_int(ike_pld_parse_eap(body, &out), 0,
		    "EAP success: decode");
		is_int(out.code, IKE_EAP_SUCCESS, "EAP success: code");
	}
}

/* Several payloads in one bare chain: each Next Payload names the
 * following type, and the generic reader walks them in order. */
static void
test_chain(void)
{
	static const uint8_t n16[16];
	struct ike_pld_nonce nonce = { { n16, 16 } };
	struct ike_pld_vendor v = { { n16, 3 } };
	struct span chain, body;
	struct ike_pld_hdr h;
	uint8_t type;

	start();
	is_int(ike_pld_add_nonce(&c, &nonce), 0, "chain: nonce");
	is_int(ike_pld_add_raw(&c, 200, 1, span_make(n16, 2)), 0,
	    "chain: unknown critical");
	is_int(ike_pld_add_vendor(&c, &v), 0, "chain: vendor");
	bytes("c8 00 0014 00000000000000000000000000000000"	/* next 200 */
	    "2b 80 0006 0000"	/* next V (43), critical, length 6 */
	    "00 00 0007 000000",
	    "chain");
	chain = buf_span(b);
	type = c.first;
	is_int(type, IKE_PLD_NONCE, "chain: first type");
	is_int(ike_pld_next(&chain, type, &h, &body), 0, "chain: read 1");
	is_int(h.next, 200, "chain: 1 -> 200");
	is_int(ike_pld_next(&chain, h.next, &h, &body), 0, "chain: read 2");
	ok(h.type == 200 && h.critical == 1 && body.len == 2,
	    "chain: critical unknown payload");
	is_int(ike_pld_next(&chain, h.next, &h, &body), 0, "chain: read 3");
	ok(h.type == IKE_PLD_VENDOR && h.next == 0 && span_is_empty(chain),
	    "chain: vendor last");
	/* The generic reader's own limits. */
	chain = span_make(want, tap_unhex("00 00 0003", want, sizeof(want)));
	is_int(ike_pld_next(&chain, 40, &h, &body), -E_BADLEN,
	    "generic header: length 3 < 4");
	chain = span_make(want, tap_unhex("00 00 0009 0000", want,
	    sizeof(want)));
	is_int(ike_pld_next(&chain, 40, &h, &body), -E_BADLEN,
	    "generic header: length past the chain");
	is_int(chain.len, 6, "generic header: failure does not advance");
	chain = span_make(want, 3);
	is_int(ike_pld_next(&chain, 40, &h, &body), -E_SHORT,
	    "generic header: 3 bytes");
}

static void
test_names(void)
{
	is_str(ike_pld_type_name(IKE_PLD_SKF), "SKF", "name of SKF");
	is_str(ike_pld_exch_name(IKE_EXCH_AUTH), "IKE_AUTH", "IKE_AUTH");
	is_str(ike_pld_notify_name(IKE_N_IKEV2_FRAGMENTATION_SUPPORTED),
	    "IKEV2_FRAGMENTATION_SUPPORTED", "notify 16430");
	ok(ike_pld_notify_name(12345) == NULL, "unnamed notify");
	ok(ike_pld_known(IKE_PLD_SKF) && ike_pld_known(IKE_PLD_EAP) &&
	    !ike_pld_known(49) && !ike_pld_known(32) &&
	    !ike_pld_known(IKE_PLD_NONE), "known payload types");
	is_int(ike_pld_check(49, span_make(NULL, 0)), -E_NOTSUP,
	    "check of an unknown type");
}

/* The payload body written as hex text h (at most 2 KB), decoded into a
 * static buffer. */
static struct span
body_of(const char *h)
{
	static uint8_t raw[2048];

	return span_make(raw, tap_unhex(h, raw, sizeof(raw)));
}

/* The caps and rules that keep a payload from the network inside the
 * fixed arrays and the RFC, at the payload decoders themselves (the
 * message checks of t/2003 stop most of these earlier). */
static void
test_limits(void)
{
	static char h[1024 * 3];
	static struct ike_pld_sa sa;
	static struct ike_pld_ts ts;
	static struct ike_pld_cp cp;
	size_t n, i;

	is_int(ike_pld_parse_sa(body_of(""), &sa), -E_SYNTAX,
	    "SA: empty body");
	is_int(ike_pld_parse_sa(body_of("00 00 0014 01 01 04 01 01020304"
	    "00 00 0008 04 00 0013"), &sa), -E_RANGE,
	    "SA: IKE proposal with a 4-byte SPI");
	/* 3.3.1: Last Substruc is 0 or 2; 1 is neither. */
	is_int(ike_pld_parse_sa(body_of("02 00 0010 01 01 00 01"
	    "00 00 0008 04 00 0013 00 00 0010 02 01 00 01"
	    "00 00 0008 04 00 0013"), &sa), 0, "SA: two proposals");
	is_int(ike_pld_parse_sa(body_of("01 00 0010 01 01 00 01"
	    "00 00 0008 04 00 0013 00 00 0010 02 01 00 01"
	    "00 00 0008 04 00 0013"), &sa), -E_SYNTAX,
	    "SA: 'more' marker 1");

	/* IKE_PLD_MAX_TS selectors fit, one more does not. */
	for (n = IKE_PLD_MAX_TS; n <= IKE_PLD_MAX_TS + 1; n++) {
		snprintf(h, sizeof(h), "%02zx 000000", n);
		for (i = 0; i < n; i++)
			strcat(h, "07 00 0010 0000 ffff 0a000000 0a0000ff");
		is_int(ike_pld_parse_ts(body_of(h), &ts),
		    n > IKE_PLD_MAX_TS ? -E_TOOMANY : 0,
		    "TS: %zu selectors", n);
	}
	/* The same for the attributes of a CP payload. */
	for (n = IKE_PLD_MAX_CP_ATTRS; n <= IKE_PLD_MAX_CP_ATTRS + 1; n++) {
		snprintf(h, sizeof(h), "01 000000");
		for (i = 0; i < n; i++)
			strcat(h, "0003 0000");
		is_int(ike_pld_parse_cp(body_of(h), &cp),
		    n > IKE_PLD_MAX_CP_ATTRS ? -E_TOOMANY : 0,
		    "CP: %zu attributes", n);
	}
}

int
main(void)
{
	if ((b = buf_new(4096)) == NULL)
		skip_all("out of memory");
	test_sa();
	test_ke();
	test_id();
	test_cert();
	test_auth();
	test_nonce();
	test_notify();
	test_delete();
	test_vendor();
	test_ts();
	test_sk();
	test_cp();
	test_eap();
	test_chain();
	test_names();
	test_limits();
	buf_free(b);
	return done_testing();
}
