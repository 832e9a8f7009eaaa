/*
 * 3004-ike-auth: IKEv2 authentication (RFC 7296 2.15, 2.16, 3.8; RFC 7427;
 * RFC 4754) and the X.509 operations it needs.
 *
 * Known answers. RFC 7296 publishes no AUTH vectors, so the signed octets,
 * the shared-key AUTH values and the deterministic RSA signatures below
 * were derived once, at authoring time, by a second implementation: a
 * short Python 3 script (hmac, hashlib and pyca/cryptography 48), run by
 * hand and not part of the build. It computed
 *   MACedID  = HMAC-H(SK_p, IDType | 0 0 0 | "vpn.example.test")
 *   octets   = init_msg | nonce | MACedID
 *   AUTH     = HMAC-H(HMAC-H(secret, "Key Pad for IKEv2"), octets)
 * over these inputs:
 *   init_msg = bytes((i * 7 + 3) & 0xff for i in range(300))
 *   nonce    = bytes(range(0x20, 0x40)), SK_p = bytes(range(0x80, 0xa0))
 *   PSK      = b"ikegate test shared secret"
 *   MSK      = bytes(range(0x40, 0x80))                 (64 bytes)
 * and, over the SHA-256 octets with the keys of t/data/keys (TEST
 * FIXTURES ONLY), RSA PKCS#1 v1.5 SHA-1 and SHA-512 signatures (exact
 * answers: the scheme is deterministic), an RSASSA-PSS SHA-256 signature,
 * a P-256 ECDSA r || s and a P-384 DER ECDSA signature (accepted answers).
 * Published vectors: RFC 7427 Appendix A (AlgorithmIdentifiers) and RFC
 * 4754 8.1-8.3 (ECDSA r || s over "abc").
 *
 * X.509 fixtures are t/data/pki (TEST FIXTURES ONLY, see its README);
 * their SPKI SHA-1 values come from keyids.txt, computed there with
 * "openssl x509 -pubkey | openssl pkey -pubin -outform DER | sha1sum".
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/ike_auth.h"
#include "core/ike_pld.h"
#include "core/xform.h"
#include "t/tap.h"

#define MAX_FILE	16384
#define MAX_DATA	4096

/* Clocks for the verifier: 2030-01-01, 2200-01-01, 2010-01-01 and
 * 2020-06-01, all 00:00:00 UTC. */
#define T_2030		1893456000LL
#define T_2200		7258118400LL
#define T_2010		1262304000LL
#define T_2020		1590969600LL

static const struct xform_sig *sg;
static const struct xform_x509 *xx;

static uint8_t init_msg[300];
static uint8_t nonce[32];
static uint8_t sk_p[32];
static struct buf *id_body;
static struct ike_auth_input in;

/* Reads t/data/rel from the source tree into buf; returns the length, or
 * aborts the test. */
static size_t
read_data(const char *rel, uint8_t *buf, size_t max)
{
	const char *src = getenv("SRCDIR");
	char path[1024];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/t/data/%s", src ? src : ".", rel);
	if ((f = fopen(path, "rb")) == NULL) {
		diag("cannot open %s (is SRCDIR set?)", path);
		abort();
	}
	n = fread(buf, 1, max, f);
	if (ferror(f) || n == max) {
		diag("cannot read %s", path);
		abort();
	}
	fclose(f);
	return n;
}

static void *
load_priv(const char *rel)
{
	static uint8_t file[MAX_FILE];
	void *key = NULL;
	size_t n;

	n = read_data(rel, file, sizeof(file));
	if (sg->load_private(span_make(file, n), &key) != 0) {
		diag("cannot load %s", rel);
		abort();
	}
	return key;
}

static void *
load_cert(const char *rel)
{
	static uint8_t file[MAX_FILE];
	void *c = NULL;
	size_t n;

	n = read_data(rel, file, sizeof(file));
	if (xx->load(span_make(file, n), &c) != 0) {
		diag("cannot load %s", rel);
		abort();
	}
	return c;
}

static void *
cert_key(void *cert)
{
	void *key = NULL;

	if (xx->pubkey(cert, &key) != 0) {
		diag("no public key");
		abort();
	}
	return key;
}

/* The AUTH input of the known answers, with the PRF of hash h. */
static void
input_for(enum xform_hash h)
{
	in.prf = xform_find_mac(h);
	in.sk_p = span_make(sk_p, sizeof(sk_p));
	in.init_msg = span_make(init_msg, sizeof(init_msg));
	in.nonce = span_make(nonce, sizeof(nonce));
	in.id_body = buf_span(id_body);
}

/* RFC 7427 Appendix A, byte for byte. */
static const struct {
	enum xform_sig_scheme	 s;
	const char		*where;
	const char		*hex;
} rfc7427[] = {
	{ XFORM_SIG_RSA_PKCS1_SHA256, "A.1.2 sha256WithRSAEncryption",
	  "300d06092a864886f70d01010b0500" },
	{ XFORM_SIG_RSA_PKCS1_SHA384, "A.1.3 sha384WithRSAEncryption",
	  "300d06092a864886f70d01010c0500" },
	{ XFORM_SIG_RSA_PKCS1_SHA512, "A.1.4 sha512WithRSAEncryption",
	  "300d06092a864886f70d01010d0500" },
	{ XFORM_SIG_ECDSA_SHA256, "A.3.2 ecdsa-with-sha256",
	  "300a06082a8648ce3d040302" },
	{ XFORM_SIG_ECDSA_SHA384, "A.3.3 ecdsa-with-sha384",
	  "300a06082a8648ce3d040303" },
	{ XFORM_SIG_ECDSA_SHA512, "A.3.4 ecdsa-with-sha512",
	  "300a06082a8648ce3d040304" },
	{ XFORM_SIG_RSA_PSS_SHA256, "A.4.3 RSASSA-PSS with SHA-256",
	  "3046 06092a864886f70d01010a 3039"
	  "a00f 300d 0609608648016503040201 0500"
	  "a11c 301a 06092a864886f70d010108 300d 0609608648016503040201 0500"
	  "a203 020120 a303 020101" },
	/* Not in the RFC: the A.4.3 shape with SHA-384 and SHA-512 (hash
	 * OIDs 2.16.840.1.101.3.4.2.2 and .3, salts 48 and 64). */
	{ XFORM_SIG_RSA_PSS_SHA384, "RSASSA-PSS with SHA-384 (A.4.3 shape)",
	  "3046 06092a864886f70d01010a 3039"
	  "a00f 300d 0609608648016503040202 0500"
	  "a11c 301a 06092a864886f70d010108 300d 0609608648016503040202 0500"
	  "a203 020130 a303 020101" },
	{ XFORM_SIG_RSA_PSS_SHA512, "RSASSA-PSS with SHA-512 (A.4.3 shape)",
	  "3046 06092a864886f70d01010a 3039"
	  "a00f 300d 0609608648016503040203 0500"
	  "a11c 301a 06092a864886f70d010108 300d 0609608648016503040203 0500"
	  "a203 020140 a303 020101" },
};
#define NRFC7427	(sizeof(rfc7427) / sizeof(rfc7427[0]))

static size_t
rfc_algid(enum xform_sig_scheme s, uint8_t *out)
{
	size_t i;

	for (i = 0; i < NRFC7427; i++)
		if (rfc7427[i].s == s)
			return tap_unhex(rfc7427[i].hex, out, 128);
	return 0;
}

/* The octets, then id_body and argument checks. */
static void
test_octets(void)
{
	uint8_t want[512], maced[32];
	struct buf *o = NULL;
	struct ike_auth_input bad;

	is_mem(buf_span(id_body).p, "\x02\x00\x00\x00vpn.example.test", 20,
	    "ID' is IDType | RESERVED | data");
	input_for(XFORM_HASH_SHA256);
	memcpy(want, init_msg, sizeof(init_msg));
	memcpy(want + 300, nonce, sizeof(nonce));
	tap_unhex("f0733ec37c34a0566dac1364ce262ef4"
	    "7c7e6e8ef74b33e5beae54ef99ee39a6", maced, sizeof(maced));
	memcpy(want + 332, maced, sizeof(maced));
	is_int(ike_auth_octets(&in, &o), 0, "octets built");
	if (o != NULL) {
		is_int(buf_len(o), 364, "octets are msg | nonce | MACedID");
		is_mem(buf_span(o).p, want, 364,
		    "octets match the Python derivation");
	}
	buf_free(o);
	o = NULL;
	bad = in;
	bad.prf = NULL;
	is_int(ike_auth_octets(&bad, &o), -E_INVAL, "no PRF: -E_INVAL");
	bad = in;
	bad.nonce.len = 0;
	is_int(ike_auth_octets(&bad, &o), -E_INVAL, "no nonce: -E_INVAL");
	bad = in;
	bad.id_body.len = 3;
	is_int(ike_auth_octets(&bad, &o), -E_INVAL, "short ID': -E_INVAL");
	ok(o == NULL, "nothing returned on failure");
}

static const struct {
	enum xform_hash	 h;
	const char	*psk, *msk;
} psk_kat[] = {
	{ XFORM_HASH_SHA1, "7c375530b312199a13b5204f9a4ef8775245e519",
	  "9c9d312833b644b87fab8f3595b5cbeafb495bcb" },
	{ XFORM_HASH_SHA256,
	  "4f890dd785b9be56588a016e17ab2d1896fb4749ab9a106cab966ea00be8c109",
	  "9af99a73ec299ed83a67be7896c7c8024f057ff9d90f715848b08c3495856486" },
	{ XFORM_HASH_SHA384,
	  "783998261213edcbc9d466ba869bd09b8d8583a43c61e8aae5fc2ae878300eef"
	  "292388b9746743d4fa67eef0e2d91621",
	  "d01d2162bbc0bb0a4a2a6c59b989a37af6343a99be4030dec26bfc77ba5bf411"
	  "0e18557910c72ead02f0913b56c422ec" },
	{ XFORM_HASH_SHA512,
	  "9ed0a8ed2866907080dffc48d2e69034116b94d33962250c4ab0b4d2a6ee8103"
	  "a17852c25dd27a8542988e182af12ba85cec76bb5db7ad964339a00d6da113d2",
	  "6904f786666ff99bb9b36a1b28e07a3ab5abf685f3249f6f50296695e0939acd"
	  "53ef0d50fd5483e9bc0421195c9416740248085fad7df26fa0549fe9449aa6d1" },
};

/* Shared-key AUTH (method 2) for a PSK and for an EAP MSK. */
static void
test_psk(void)
{
	static const char psk[] = "ikegate test shared secret";
	uint8_t msk[64], want[64], got[XFORM_MAX_HASH_LEN], bad[64];
	struct span sp = span_make(psk, sizeof(psk) - 1);
	struct span sm = span_make(msk, sizeof(msk));
	size_t i, n, wn;

	for (i = 0; i < sizeof(msk); i++)
		msk[i] = (uint8_t)(0x40 + i);
	for (i = 0; i < sizeof(psk_kat) / sizeof(psk_kat[0]); i++) {
		input_for(psk_kat[i].h);
		if (in.prf == NULL) {
			skip("no HMAC for hash %d", (int)psk_kat[i].h);
			continue;
		}
		wn = tap_unhex(psk_kat[i].psk, want, sizeof(want));
		n = 0;
		is_int(ike_auth_psk(&in, sp, got, &n), 0, "PSK %s",
		    in.prf->name);
		is_int(n, wn, "PSK %s: PRF-sized", in.prf->name);
		is_mem(got, want, wn, "PSK AUTH %s known answer",
		    in.prf->name);
		is_int(ike_auth_psk_verify(&in, sp, span_make(want, wn)), 0,
		    "PSK %s verifies", in.prf->name);
		memcpy(bad, want, wn);
		bad[wn - 1] ^= 0x01;
		is_int(ike_auth_psk_verify(&in, sp, span_make(bad, wn)),
		    -E_AUTH, "PSK %s: flipped bit -> -E_AUTH", in.prf->name);
		is_int(ike_auth_psk_verify(&in, sp, span_make(want, wn - 1)),
		    -E_AUTH, "PSK %s: truncated -> -E_AUTH", in.prf->name);
		is_int(ike_auth_psk_verify(&in, span_make(psk, 5),
		    span_make(want, wn)), -E_AUTH,
		    "PSK %s: other secret -> -E_AUTH", in.prf->name);

		/* RFC 7296 2.16: EAP uses the MSK as the shared secret. */
		wn = tap_unhex(psk_kat[i].msk, want, sizeof(want));
		is_int(ike_auth_psk(&in, sm, got, &n), 0, "MSK %s",
		    in.prf->name);
		is_mem(got, want, wn, "EAP MSK AUTH %s known answer",
		    in.prf->name);
		is_int(ike_auth_psk_verify(&in, sm, span_make(want, wn)), 0,
		    "MSK %s verifies", in.prf->name);
		is_int(ike_auth_psk_verify(&in, span_make(msk, 32),
		    span_make(want, wn)), -E_AUTH,
		    "MSK %s: half the MSK -> -E_AUTH", in.prf->name);
	}
	input_for(XFORM_HASH_SHA256);
	is_int(ike_auth_psk(&in, span_make(psk, 0), got, &n), -E_INVAL,
	    "empty secret: -E_INVAL");
	/* The octets are part of the MAC: another nonce changes it. */
	tap_unhex(psk_kat[1].psk, want, sizeof(want));
	nonce[0] ^= 1;
	is_int(ike_auth_psk_verify(&in, sp, span_make(want, 32)), -E_AUTH,
	    "other nonce -> -E_AUTH");
	nonce[0] ^= 1;
}

/* SIGNATURE_HASH_ALGORITHMS data (RFC 7427 4). */
static void
test_hashes(void)
{
	static const uint8_t ours[] = { 0, 2, 0, 3, 0, 4 };
	static const uint8_t peer[] = { 0, 1, 0, 2, 0, 5, 0x12, 0x34 };
	struct span s = ike_auth_hashes_ours();
	unsigned set = 0;

	is_int(s.len, sizeof(ours), "we send three hash IDs");
	is_mem(s.p, ours, sizeof(ours), "SHA2-256, SHA2-384, SHA2-512");
	is_int(ike_auth_hashes_parse(span_make(peer, sizeof(peer)), &set), 0,
	    "peer set parses");
	is_int(set, IKE_AUTH_HASH_BIT(1) | IKE_AUTH_HASH_BIT(2) |
	    IKE_AUTH_HASH_BIT(5), "SHA1, SHA2-256, Identity; 0x1234 ignored");
	is_int(ike_auth_hashes_parse(span_make(peer, 3), &set), -E_BADLEN,
	    "odd length: -E_BADLEN");
	is_int(ike_auth_hashes_parse(span_make(peer, 0), &set), 0,
	    "empty list parses");
	is_int(set, 0, "empty list: empty set");
}

/* Our AlgorithmIdentifiers are the RFC's bytes. */
static void
test_algids(void)
{
	uint8_t want[128];
	struct span got;
	size_t i, n;

	for (i = 0; i < NRFC7427; i++) {
		n = tap_unhex(rfc7427[i].hex, want, sizeof(want));
		got = ike_auth_algid(rfc7427[i].s);
		is_int(got.len, n, "%s length", rfc7427[i].where);
		if (got.len == n)
			is_mem(got.p, want, n, "RFC 7427 %s",
			    rfc7427[i].where);
		ok(got.len <= IKE_AUTH_ALGID_MAX, "%s fits ALGID_MAX",
		    rfc7427[i].where);
	}
	got = ike_auth_algid(XFORM_SIG_RSA_PKCS1_SHA1);
	is_int(got.len, 0, "no method-14 identifier for SHA-1");
}

/* r || s <-> DER edge cases (RFC 4754 7, RFC 3279 2.2.3). */
static void
test_rs(void)
{
	uint8_t rs[132], der[IKE_AUTH_ECDSA_DER_MAX + 8], back[132];
	uint8_t want[160];
	size_t n, wn;

	/* Leading zero octets are dropped, a high bit gets a sign octet. */
	tap_unhex("00001234 80000001", rs, sizeof(rs));
	wn = tap_unhex("300b 02021234 020500800000 01", want, sizeof(want));
	is_int(ike_auth_ecdsa_rs_to_der(span_make(rs, 8), 4, der, &n), 0,
	    "r with zeros, s with the high bit");
	is_int(n, wn, "DER length");
	is_mem(der, want, wn, "minimal INTEGERs, sign octet on s");
	is_int(ike_auth_ecdsa_der_to_rs(span_make(der, n), 4, back), 0,
	    "back to r || s");
	is_mem(back, rs, 8, "zeros restored by left padding");

	/* Zero is one 0x00 octet. */
	memset(rs, 0, 8);
	wn = tap_unhex("3006 020100 020100", want, sizeof(want));
	is_int(ike_auth_ecdsa_rs_to_der(span_make(rs, 8), 4, der, &n), 0,
	    "r = s = 0");
	ok(n == wn && memcmp(der, want, wn) == 0, "zero encodes as 02 01 00");

	/* P-521 width with both high bits: the longest DER, long-form
	 * SEQUENCE length. */
	memset(rs, 0xff, 132);
	is_int(ike_auth_ecdsa_rs_to_der(span_make(rs, 132), 66, der, &n), 0,
	    "w = 66, all ones");
	is_int(n, IKE_AUTH_ECDSA_DER_MAX, "141 octets");
	ok(der[0] == 0x30 && der[1] == 0x81 && der[2] == 138 &&
	    der[3] == 0x02 && der[4] == 67 && der[5] == 0x00 &&
	    der[6] == 0xff, "30 81 8a 02 43 00 ff ...");
	is_int(ike_auth_ecdsa_der_to_rs(span_make(der, n), 66, back), 0,
	    "back from the longest DER");
	is_mem(back, rs, 132, "round trip at w = 66");

	/* Malformed or out-of-range DER. */
	wn = tap_unhex("3006 020180 020101", want, sizeof(want));
	is_int(ike_auth_ecdsa_der_to_rs(span_make(want, wn), 4, back),
	    -E_SYNTAX, "negative INTEGER: -E_SYNTAX");
	wn = tap_unhex("3008 0203010203 020101", want, sizeof(want));
	is_int(ike_auth_ecdsa_der_to_rs(span_make(want, wn), 2, back),
	    -E_RANGE, "r longer than w: -E_RANGE");
	wn = tap_unhex("3006 020101 020101 00", want, sizeof(want));
	is_int(ike_auth_ecdsa_der_to_rs(span_make(want, wn), 4, back),
	    -E_SYNTAX, "trailing octet: -E_SYNTAX");
	wn = tap_unhex("3007 020101 020101 00", want, sizeof(want));
	is_int(ike_auth_ecdsa_der_to_rs(span_make(want, wn), 4, back),
	    -E_SYNTAX, "junk inside the SEQUENCE: -E_SYNTAX");
	wn = tap_unhex("3006 020101 0201", want, sizeof(want));
	is_int(ike_auth_ecdsa_der_to_rs(span_make(want, wn), 4, back),
	    -E_SYNTAX, "truncated: -E_SYNTAX");
	wn = tap_unhex("3006 020100 0200", want, sizeof(want));
	is_int(ike_auth_ecdsa_der_to_rs(span_make(want, wn), 4, back),
	    -E_SYNTAX, "empty INTEGER: -E_SYNTAX");
	wn = tap_unhex("3180 020101 020101", want, sizeof(want));
	is_int(ike_auth_ecdsa_der_to_rs(span_make(want, wn), 4, back),
	    -E_SYNTAX, "not a SEQUENCE: -E_SYNTAX");
	is_int(ike_auth_ecdsa_rs_to_der(span_make(rs, 63), 32, der, &n),
	    -E_INVAL, "r || s of the wrong length: -E_INVAL");
	is_int(ike_auth_ecdsa_rs_to_der(span_make(rs, 134), 67, der, &n),
	    -E_INVAL, "w above 66: -E_INVAL");
}

/*
 * RFC 4754 8.1-8.3: the published r || s over "abc", converted to DER,
 * verify against the public key of the published private key w (the SPKI
 * was derived from w with pyca/cryptography; for P-256 and P-384 its point
 * equals the one the RFC prints).
 */
static const struct {
	const char		*name;
	enum xform_sig_scheme	 s;
	size_t			 w;
	const char		*spki, *r, *s_;
} rfc4754[] = {
	{ "8.1 ECDSA-256", XFORM_SIG_ECDSA_SHA256, 32,
	  "3059301306072a8648ce3d020106082a8648ce3d03010703420004"
	  "2442a5cc0ecd015fa3ca31dc8e2bbc70bf42d60cbca20085e0822cb04235e970"
	  "6fc98bd7e50211a4a27102fa3549df79ebcb4bf246b80945cddfe7d509bbfd7d",
	  "CB28E099 9B9C7715 FD0A80D8 E47A7707"
	  "9716CBBF 917DD72E 97566EA1 C066957C",
	  "86FA3BB4 E26CAD5B F90B7F81 899256CE"
	  "7594BB1E A0C89212 748BFF3B 3D5B0315" },
	{ "8.2 ECDSA-384", XFORM_SIG_ECDSA_SHA384, 48,
	  "3076301006072a8648ce3d020106052b8104002203620004"
	  "96281bf8dd5e0525ca049c048d345d3082968d10fedf5c5aca0c64e6465a97ea"
	  "5ce10c9dfec21797415710721f437922447688ba94708eb6e2e4d59f6ab6d7ed"
	  "ff9301d249fe49c33096655f5d502fad3d383b91c5e7edaa2b714cc99d5743ca",
	  "FB017B91 4E291494 32D8BAC2 9A514640 B46F53DD AB2C6994"
	  "8084E293 0F1C8F7E 08E07C9C 63F2D21A 07DCB56A 6AF56EB3",
	  "B263A130 5E057F98 4D38726A 1B468741 09F417BC A112674C"
	  "528262A4 0A629AF1 CBB9F516 CE0FA7D2 FF630863 A00E8B9F" },
	{ "8.3 ECDSA-521", XFORM_SIG_ECDSA_SHA512, 66,
	  "30819b301006072a8648ce3d020106052b810400230381860004"
	  "0151518f1af0f563517edd5485190df95a4bf57b5cba4cf2a9a3f6474725a35f"
	  "7afe0a6ddeb8bedbcd6a197e592d40188901cecd650699c9b5e456aea5add190"
	  "52a8006f3b142ea1bfff7e2837ad44c9e4ff6d2d34c73184bbad90026dd5e6e8"
	  "5317d9df45cad7803c6c20035b2f3ff63aff4e1ba64d1c077577da3f4286c58f"
	  "0aeae643",
	  "0154FD38 36AF92D0 DCA57DD5 341D3053 988534FD E8318FC6 AAAAB68E"
	  "2E6F4339 B19F2F28 1A7E0B22 C269D93C F8794A92 78880ED7 DBB8D936"
	  "2CAEACEE 54432055 2251",
	  "017705A7 030290D1 CEB605A9 A1BB03FF 9CDD521E 87A696EC 926C8C10"
	  "C8362DF4 97536710 1F67D1CF 9BCCBF2F 3D239534 FA509E70 AAC851AE"
	  "01AAC68D 62F86647 2660" },
};

static void
test_rfc4754(void)
{
	uint8_t spki[256], rs[132], der[IKE_AUTH_ECDSA_DER_MAX], back[132];
	struct span abc = span_make("abc", 3);
	void *key;
	size_t i, n, w;

	for (i = 0; i < sizeof(rfc4754) / sizeof(rfc4754[0]); i++) {
		w = rfc4754[i].w;
		n = tap_unhex(rfc4754[i].spki, spki, sizeof(spki));
		key = NULL;
		is_int(sg->load_public(span_make(spki, n), &key), 0,
		    "RFC 4754 %s: public key", rfc4754[i].name);
		if (key == NULL)
			continue;
		is_int(tap_unhex(rfc4754[i].r, rs, w), w, "%s r",
		    rfc4754[i].name);
		is_int(tap_unhex(rfc4754[i].s_, rs + w, w), w, "%s s",
		    rfc4754[i].name);
		is_int(ike_auth_ecdsa_rs_to_der(span_make(rs, 2 * w), w, der,
		    &n), 0, "%s: r || s to DER", rfc4754[i].name);
		is_int(sg->verify(key, rfc4754[i].s, abc, span_make(der, n)),
		    0, "RFC 4754 %s verifies", rfc4754[i].name);
		is_int(ike_auth_ecdsa_der_to_rs(span_make(der, n), w, back),
		    0, "%s: back to r || s", rfc4754[i].name);
		is_mem(back, rs, 2 * w, "%s: r || s round trip",
		    rfc4754[i].name);
		rs[2 * w - 1] ^= 1;
		if (ike_auth_ecdsa_rs_to_der(span_make(rs, 2 * w), w, der,
		    &n) == 0)
			is_int(sg->verify(key, rfc4754[i].s, abc,
			    span_make(der, n)), -E_AUTH,
			    "%s: flipped s -> -E_AUTH", rfc4754[i].name);
		sg->key_free(key);
	}
}

/* One key: every hash set, sign then verify, tampering fails. */
struct keycase {
	const char		*priv;		/* under t/data */
	const char		*cert;		/* its certificate */
	enum xform_key_type	 type;
	uint8_t			 classic;	/* method without hashes */
	size_t			 rs_len;	/* classic ECDSA data length */
};

static const struct keycase keycases[] = {
	{ "keys/rsa2048.pem", "pki/gw-rsa.crt", XFORM_KEY_RSA,
	  IKE_AUTH_RSA_SIG, 0 },
	{ "keys/ecp256.pem", "pki/gw-p256.crt", XFORM_KEY_EC_P256,
	  IKE_AUTH_ECDSA_SHA256_P256, 64 },
	{ "keys/ecp384.pem", "pki/gw-p384.crt", XFORM_KEY_EC_P384,
	  IKE_AUTH_ECDSA_SHA384_P384, 96 },
	{ "pki/p521.key", "pki/gw-p521.crt", XFORM_KEY_EC_P521,
	  IKE_AUTH_ECDSA_SHA512_P521, 132 },
};

static const struct {
	unsigned		 set;
	unsigned		 flags;
	enum xform_sig_scheme	 rsa, ec;
} hashcases[] = {
	{ IKE_AUTH_HASH_BIT(IKE_AUTH_HASH_SHA256), 0,
	  XFORM_SIG_RSA_PKCS1_SHA256, XFORM_SIG_ECDSA_SHA256 },
	{ IKE_AUTH_HASH_BIT(IKE_AUTH_HASH_SHA256) |
	  IKE_AUTH_HASH_BIT(IKE_AUTH_HASH_SHA384), 0,
	  XFORM_SIG_RSA_PKCS1_SHA384, XFORM_SIG_ECDSA_SHA384 },
	{ IKE_AUTH_HASH_BIT(IKE_AUTH_HASH_SHA256) |
	  IKE_AUTH_HASH_BIT(IKE_AUTH_HASH_SHA384) |
	  IKE_AUTH_HASH_BIT(IKE_AUTH_HASH_SHA512) |
	  IKE_AUTH_HASH_BIT(IKE_AUTH_HASH_IDENTITY), 0,
	  XFORM_SIG_RSA_PKCS1_SHA512, XFORM_SIG_ECDSA_SHA512 },
	{ IKE_AUTH_HASH_BIT(IKE_AUTH_HASH_SHA256), IKE_AUTH_F_RSA_PSS,
	  XFORM_SIG_RSA_PSS_SHA256, XFORM_SIG_ECDSA_SHA256 },
	{ IKE_AUTH_HASH_BIT(IKE_AUTH_HASH_SHA384), IKE_AUTH_F_RSA_PSS,
	  XFORM_SIG_RSA_PSS_SHA384, XFORM_SIG_ECDSA_SHA384 },
	{ IKE_AUTH_HASH_BIT(IKE_AUTH_HASH_SHA512), IKE_AUTH_F_RSA_PSS,
	  XFORM_SIG_RSA_PSS_SHA512, XFORM_SIG_ECDSA_SHA512 },
};

/* Signs, checks the method, scheme and data shape, verifies, then
 * tampers with the octets and with the signature. */
static void
sign_case(const struct keycase *kc, void *priv, void *pub, unsigned set,
    unsigned flags, uint8_t want_m, enum xform_sig_scheme want_s)
{
	uint8_t algid[128], bad[MAX_DATA];
	struct buf *data;
	struct span d;
	enum xform_sig_scheme s = (enum xform_sig_scheme)-1, vs;
	size_t an;
	uint8_t m = 0;

	if ((data = buf_new(MAX_DATA)) == NULL)
		abort();
	is_int(ike_auth_sign(sg, priv, &in, set, flags, &m, &s, data), 0,
	    "%s: sign, hashes %#x flags %u", kc->priv, set, flags);
	is_int(m, want_m, "%s: method %s", kc->priv,
	    ike_auth_method_name(want_m));
	is_int(s, want_s, "%s: scheme %s", kc->priv,
	    ike_auth_scheme_name(want_s));
	d = buf_span(data);
	if (want_m == IKE_AUTH_DIGITAL_SIGNATURE) {
		an = rfc_algid(want_s, algid);
		ok(d.len > 1 + an && d.p[0] == an &&
		    memcmp(d.p + 1, algid, an) == 0,
		    "%s: data is length | RFC 7427 identifier | signature",
		    kc->priv);
	} else if (kc->rs_len > 0)
		is_int(d.len, kc->rs_len, "%s: r || s of the curve's width",
		    kc->priv);
	else
		is_int(d.len, 256, "%s: a bare RSA-2048 signature", kc->priv);
	vs = (enum xform_sig_scheme)-1;
	is_int(ike_auth_verify(sg, pub, &in, m, d, &vs), 0,
	    "%s: %s verifies", kc->priv, ike_auth_scheme_name(want_s));
	is_int(vs, want_s, "%s: verify reports the scheme", kc->priv);
	/* The signer's nonce-side input changes: the octets differ. */
	nonce[5] ^= 0x40;
	is_int(ike_auth_verify(sg, pub, &in, m, d, NULL), -E_AUTH,
	    "%s: tampered octets -> -E_AUTH", kc->priv);
	nonce[5] ^= 0x40;
	if (d.len <= sizeof(bad)) {
		memcpy(bad, d.p, d.len);
		bad[d.len - 1] ^= 0x01;
		is_int(ike_auth_verify(sg, pub, &in, m,
		    span_make(bad, d.len), NULL), -E_AUTH,
		    "%s: tampered signature -> -E_AUTH", kc->priv);
	}
	buf_free(data);
}

static void
test_sign_verify(void)
{
	void *priv, *pub, *cert;
	size_t i, j;

	input_for(XFORM_HASH_SHA256);
	for (i = 0; i < sizeof(keycases) / sizeof(keycases[0]); i++) {
		priv = load_priv(keycases[i].priv);
		cert = load_cert(keycases[i].cert);
		/* The public key comes from the certificate. */
		pub = cert_key(cert);
		sign_case(&keycases[i], priv, pub, 0, 0, keycases[i].classic,
		    keycases[i].type == XFORM_KEY_RSA ?
		    XFORM_SIG_RSA_PKCS1_SHA1 :
		    keycases[i].type == XFORM_KEY_EC_P256 ?
		    XFORM_SIG_ECDSA_SHA256 :
		    keycases[i].type == XFORM_KEY_EC_P384 ?
		    XFORM_SIG_ECDSA_SHA384 : XFORM_SIG_ECDSA_SHA512);
		/* SHA-1 and Identity alone leave us the classic method. */
		sign_case(&keycases[i], priv, pub,
		    IKE_AUTH_HASH_BIT(IKE_AUTH_HASH_SHA1) |
		    IKE_AUTH_HASH_BIT(IKE_AUTH_HASH_IDENTITY), 0,
		    keycases[i].classic,
		    keycases[i].type == XFORM_KEY_RSA ?
		    XFORM_SIG_RSA_PKCS1_SHA1 :
		    keycases[i].type == XFORM_KEY_EC_P256 ?
		    XFORM_SIG_ECDSA_SHA256 :
		    keycases[i].type == XFORM_KEY_EC_P384 ?
		    XFORM_SIG_ECDSA_SHA384 : XFORM_SIG_ECDSA_SHA512);
		for (j = 0; j < sizeof(hashcases) / sizeof(hashcases[0]); j++)
			sign_case(&keycases[i], priv, pub, hashcases[j].set,
			    hashcases[j].flags, IKE_AUTH_DIGITAL_SIGNATURE,
			    keycases[i].type == XFORM_KEY_RSA ?
			    hashcases[j].rsa : hashcases[j].ec);
		sg->key_free(pub);
		sg->key_free(priv);
		xx->free(cert);
	}
}

/* Builds method-14 data: length | algid | sig. */
static size_t
mk14(uint8_t *out, const uint8_t *alg, size_t alen, const uint8_t *sig,
    size_t slen)
{
	out[0] = (uint8_t)alen;
	memcpy(out + 1, alg, alen);
	memcpy(out + 1 + alen, sig, slen);
	return 1 + alen + slen;
}

/* Signatures made by the second implementation, and the exact answers of
 * the deterministic ones. */
static void
test_python_sigs(void)
{
	static const char rsa_sha1[] =
	    "4b9313ab95a7009565daeec52bc34cde4ba62a9641afb393015e83eb428e2dca"
	    "046e9067c14f1704a8128c59e18c3cdf7f401554c26506f5d6ed1e4580080afd"
	    "9a9756bf04f22f1a2954447830e8002fd985840745ed2046fa43cffca7d269e9"
	    "9c319408f65b96803cd11892c1870deb301e6959f423902a3c7c50d0b51a1c45"
	    "4d16b9b266064a3b833a5792db2ba3b145dff3563943f7a553e33a900333608f"
	    "d9d65c775fa46effd811705e947c2359f585aa6a52e6d9fe781d6d9f8867368c"
	    "ba049db67d897fb8c8a342a8dc7bb9e8d4f15935cb2b25542295defa60b7387c"
	    "202d859783299548f3c19c538e605d647e757ba8d443973692b47cc1337c6fc4";
	static const char rsa_sha512[] =
	    "46722f68b63d7b601b34b4d0ed516a927f418bcf2d905c24ef81b9ae31c1293f"
	    "35926cdb71c6deaf1042288f0e8bf4eee74ef8951eb424dd3e051965d780dfe6"
	    "d6b1434ab95d14969f324dc23c0964cb5867b5ccaa714b0765887de06ac49275"
	    "d7fd3aae157110943ec87bf8de6128940d66df750448fa32c950ea212dbec37c"
	    "3c9135f9fd17b2bef557be1ea96b52870480129c155beebcb96beadd9242d95b"
	    "d03a2d84e1e92ee5713c01ab8d56de00e4c1385056e9fec71dcc11c5fa41c429"
	    "bef2ce9a623caec616d76630535b29419ad62dfe350bb17c995282565be23a8d"
	    "95d276a4edb422599027bb4bf637d1e31b8a24154b8de907633e2701ab7fc99e";
	static const char rsa_pss256[] =
	    "87fc2c85453cec4ad9369301f804ff6f777dc51b2aaa400db92fa5e74b31caeb"
	    "66c8d643b5410f05995d7c62ad20e113143ab79fe8c72d9efda1a162ba1d327f"
	    "988bfbfe51f2042ebbf9ea17ca388524b4b7a22878f130803930c0e04e974841"
	    "32b9b878289bddbe3f3c6a72b22eb3a6f97c58000fb97e46f5c41a2a990031b8"
	    "ef02a8b3eaccb4495c9b5e07b7e7d7c0c5921c7303fe51fc5d05caebba973ad4"
	    "5a125a40c0724b92310a62b0e24b24975f04eeab34151e612c8d80cdc570badc"
	    "15f5b946a97561a5152bc6f8a6b0daaab5b7e76f1f974784570f502d13e1d823"
	    "4f3f373fe030d9e55da16d16de0d00f5a690ac87a121ed85bd452ea5a28c59cf";
	static const char p256_rs[] =
	    "28d16a4c21fbb8950e3fb0bc4810300ff70f79208ef1dcf672376b4db68e557d"
	    "0e0faaf7d6f984b4fa9c4d5ad40ee87b9a85408c99fbe9b795fd0c2db6731d31";
	static const char p384_der[] =
	    "3066023100fd99b322e8a63feb34ab1b5facefd8336a17d3e296e7b841d3b528"
	    "34e125b2953d66b65b6c7aa08a7019fc8757604d13023100da86efe7a53beeb6"
	    "ed116ccf06aa509901ed5bf7fa1649032b96be06d3701616d256f828c9f0a7fc"
	    "4669905d73f0f826";
	/* strongSwan's RSASSA-PSS identifier: A.4.3 without trailerField. */
	static const char pss_swan[] =
	    "3041 06092a864886f70d01010a 3034"
	    "a00f 300d 0609608648016503040201 0500"
	    "a11c 301a 06092a864886f70d010108 300d 0609608648016503040201 0500"
	    "a203 020120";
	/* PSS SHA-256 with the default salt (20) and with MGF1-SHA1. */
	static const char pss_salt20[] =
	    "303c 06092a864886f70d01010a 302f"
	    "a00f 300d 0609608648016503040201 0500"
	    "a11c 301a 06092a864886f70d010108 300d 0609608648016503040201 0500";
	static const char pss_mgf1sha1[] =
	    "303e 06092a864886f70d01010a 3031"
	    "a00f 300d 0609608648016503040201 0500"
	    "a118 3016 06092a864886f70d010108 3009 06052b0e03021a 0500"
	    "a203 020120";
	uint8_t sig[512], alg[128], data[MAX_DATA];
	struct buf *b;
	void *rsa, *p256, *p384, *c;
	size_t n, an;
	uint8_t m;

	input_for(XFORM_HASH_SHA256);
	rsa = load_priv("keys/rsa2048.pem");
	c = load_cert("pki/gw-p256.crt");
	p256 = cert_key(c);
	xx->free(c);
	c = load_cert("pki/gw-p384.crt");
	p384 = cert_key(c);
	xx->free(c);

	/* Method 1: strongSwan's RSA with SHA-1, deterministic. */
	n = tap_unhex(rsa_sha1, sig, sizeof(sig));
	if ((b = buf_new(MAX_DATA)) == NULL)
		abort();
	is_int(ike_auth_sign(sg, rsa, &in, 0, 0, &m, NULL, b), 0,
	    "RSA method 1 signs");
	ok(m == IKE_AUTH_RSA_SIG && buf_len(b) == n &&
	    memcmp(buf_span(b).p, sig, n) == 0,
	    "method 1 is PKCS#1 v1.5 SHA-1, as the Python derivation");
	is_int(ike_auth_verify(sg, rsa, &in, IKE_AUTH_RSA_SIG,
	    span_make(sig, n), NULL), 0, "Python's method 1 verifies");
	buf_free(b);

	/* Method 14, SHA-512 (the strongest announced), deterministic. */
	n = tap_unhex(rsa_sha512, sig, sizeof(sig));
	an = rfc_algid(XFORM_SIG_RSA_PKCS1_SHA512, alg);
	n = mk14(data, alg, an, sig, n);
	if ((b = buf_new(MAX_DATA)) == NULL)
		abort();
	is_int(ike_auth_sign(sg, rsa, &in, IKE_AUTH_HASH_BIT(2) |
	    IKE_AUTH_HASH_BIT(3) | IKE_AUTH_HASH_BIT(4), 0, &m, NULL, b), 0,
	    "RSA method 14 signs");
	ok(m == IKE_AUTH_DIGITAL_SIGNATURE && buf_len(b) == n &&
	    memcmp(buf_span(b).p, data, n) == 0,
	    "method 14 AUTH data equals the Python derivation");
	buf_free(b);

	/* RSASSA-PSS from Python, under three identifier spellings. */
	n = tap_unhex(rsa_pss256, sig, sizeof(sig));
	an = rfc_algid(XFORM_SIG_RSA_PSS_SHA256, alg);
	is_int(ike_auth_verify(sg, rsa, &in, IKE_AUTH_DIGITAL_SIGNATURE,
	    span_make(data, mk14(data, alg, an, sig, n)), NULL), 0,
	    "Python's PSS verifies with the RFC 7427 A.4.3 identifier");
	an = tap_unhex(pss_swan, alg, sizeof(alg));
	is_int(ike_auth_verify(sg, rsa, &in, IKE_AUTH_DIGITAL_SIGNATURE,
	    span_make(data, mk14(data, alg, an, sig, n)), NULL), 0,
	    "... and with strongSwan's (no trailerField)");
	an = tap_unhex(pss_salt20, alg, sizeof(alg));
	is_int(ike_auth_verify(sg, rsa, &in, IKE_AUTH_DIGITAL_SIGNATURE,
	    span_make(data, mk14(data, alg, an, sig, n)), NULL), -E_AUTH,
	    "PSS identifier with salt 20 -> -E_AUTH");
	an = tap_unhex(pss_mgf1sha1, alg, sizeof(alg));
	is_int(ike_auth_verify(sg, rsa, &in, IKE_AUTH_DIGITAL_SIGNATURE,
	    span_make(data, mk14(data, alg, an, sig, n)), NULL), -E_AUTH,
	    "PSS identifier with MGF1-SHA1 -> -E_AUTH");
	an = rfc_algid(XFORM_SIG_RSA_PKCS1_SHA256, alg);
	is_int(ike_auth_verify(sg, rsa, &in, IKE_AUTH_DIGITAL_SIGNATURE,
	    span_make(data, mk14(data, alg, an, sig, n)), NULL), -E_AUTH,
	    "PSS signature under a PKCS#1 identifier -> -E_AUTH");

	/* ECDSA from Python. */
	n = tap_unhex(p256_rs, sig, sizeof(sig));
	is_int(ike_auth_verify(sg, p256, &in, IKE_AUTH_ECDSA_SHA256_P256,
	    span_make(sig, n), NULL), 0, "Python's P-256 r || s (method 9)");
	n = tap_unhex(p384_der, sig, sizeof(sig));
	an = rfc_algid(XFORM_SIG_ECDSA_SHA384, alg);
	is_int(ike_auth_verify(sg, p384, &in, IKE_AUTH_DIGITAL_SIGNATURE,
	    span_make(data, mk14(data, alg, an, sig, n)), NULL), 0,
	    "Python's P-384 DER signature (method 14)");
	an = rfc_algid(XFORM_SIG_ECDSA_SHA256, alg);
	is_int(ike_auth_verify(sg, p384, &in, IKE_AUTH_DIGITAL_SIGNATURE,
	    span_make(data, mk14(data, alg, an, sig, n)), NULL), -E_AUTH,
	    "same signature announced as ecdsa-with-SHA256 -> -E_AUTH");

	sg->key_free(rsa);
	sg->key_free(p256);
	sg->key_free(p384);
}

/* Method and data checks on the verifying side. */
static void
test_mismatch(void)
{
	static const char sha1rsa[] = "300d06092a864886f70d0101050500";
	static const char ecdsa_null[] = "300c06082a8648ce3d0403020500";
	static const char rsa_junk[] = "300f06092a864886f70d01010b05000000";
	uint8_t alg[128], data[MAX_DATA], sig[600];
	struct buf *b;
	struct span d;
	void *rsa, *p256, *p384;
	size_t an, n;
	uint8_t m;

	input_for(XFORM_HASH_SHA256);
	rsa = load_priv("keys/rsa2048.pem");
	p256 = load_priv("keys/ecp256.pem");
	p384 = load_priv("keys/ecp384.pem");
	if ((b = buf_new(MAX_DATA)) == NULL)
		abort();

	/* A good RSA method-14 SHA-256 AUTH, then variations. */
	if (ike_auth_sign(sg, rsa, &in, IKE_AUTH_HASH_BIT(2), 0, &m, NULL,
	    b) != 0)
		abort();
	d = buf_span(b);
	an = d.p[0];
	n = d.len - 1 - an;
	memcpy(sig, d.p + 1 + an, n);
	is_int(ike_auth_verify(sg, rsa, &in, m, d, NULL), 0,
	    "baseline verifies");
	is_int(ike_auth_verify(sg, p256, &in, m, d, NULL), -E_AUTH,
	    "RSA identifier, EC key -> -E_AUTH");
	an = rfc_algid(XFORM_SIG_RSA_PKCS1_SHA512, alg);
	is_int(ike_auth_verify(sg, rsa, &in, m,
	    span_make(data, mk14(data, alg, an, sig, n)), NULL), -E_AUTH,
	    "SHA-256 signature announced as SHA-512 -> -E_AUTH");
	an = rfc_algid(XFORM_SIG_RSA_PSS_SHA256, alg);
	is_int(ike_auth_verify(sg, rsa, &in, m,
	    span_make(data, mk14(data, alg, an, sig, n)), NULL), -E_AUTH,
	    "PKCS#1 signature announced as PSS -> -E_AUTH");
	an = rfc_algid(XFORM_SIG_ECDSA_SHA256, alg);
	is_int(ike_auth_verify(sg, rsa, &in, m,
	    span_make(data, mk14(data, alg, an, sig, n)), NULL), -E_AUTH,
	    "ECDSA identifier, RSA key -> -E_AUTH");
	an = tap_unhex(sha1rsa, alg, sizeof(alg));
	is_int(ike_auth_verify(sg, rsa, &in, m,
	    span_make(data, mk14(data, alg, an, sig, n)), NULL), -E_AUTH,
	    "sha1WithRSAEncryption is not accepted -> -E_AUTH");
	an = tap_unhex(rsa_junk, alg, sizeof(alg));
	is_int(ike_auth_verify(sg, rsa, &in, m,
	    span_make(data, mk14(data, alg, an, sig, n)), NULL), -E_AUTH,
	    "junk after the parameters -> -E_AUTH");
	/* The one-octet length must delimit the identifier exactly. */
	an = rfc_algid(XFORM_SIG_RSA_PKCS1_SHA256, alg);
	mk14(data, alg, an, sig, n);
	data[0] = (uint8_t)(an + 1);
	is_int(ike_auth_verify(sg, rsa, &in, m,
	    span_make(data, 1 + an + n), NULL), -E_AUTH,
	    "length one too long -> -E_AUTH");
	data[0] = (uint8_t)(an - 1);
	is_int(ike_auth_verify(sg, rsa, &in, m,
	    span_make(data, 1 + an + n), NULL), -E_AUTH,
	    "length one too short -> -E_AUTH");
	data[0] = 0xff;
	is_int(ike_auth_verify(sg, rsa, &in, m, span_make(data, 20), NULL),
	    -E_AUTH, "length beyond the data -> -E_AUTH");
	data[0] = (uint8_t)an;
	is_int(ike_auth_verify(sg, rsa, &in, m, span_make(data, 1 + an),
	    NULL), -E_AUTH, "no signature after the identifier -> -E_AUTH");
	is_int(ike_auth_verify(sg, rsa, &in, m, span_make(data, 0), NULL),
	    -E_AUTH, "empty data -> -E_AUTH");

	/* ECDSA identifiers take no parameters (RFC 5758 3.2). */
	buf_reset(b);
	if (ike_auth_sign(sg, p256, &in, IKE_AUTH_HASH_BIT(2), 0, &m, NULL,
	    b) != 0)
		abort();
	d = buf_span(b);
	an = d.p[0];
	n = d.len - 1 - an;
	memcpy(sig, d.p + 1 + an, n);
	is_int(ike_auth_verify(sg, p256, &in, m, d, NULL), 0,
	    "ECDSA baseline verifies");
	is_int(ike_auth_verify(sg, p384, &in, m, d, NULL), -E_AUTH,
	    "another EC key -> -E_AUTH");
	an = tap_unhex(ecdsa_null, alg, sizeof(alg));
	is_int(ike_auth_verify(sg, p256, &in, m,
	    span_make(data, mk14(data, alg, an, sig, n)), NULL), -E_AUTH,
	    "ecdsa-with-SHA256 with NULL parameters -> -E_AUTH");

	/* Classic methods fix the key type and the curve. */
	buf_reset(b);
	if (ike_auth_sign(sg, p256, &in, 0, 0, &m, NULL, b) != 0 ||
	    m != IKE_AUTH_ECDSA_SHA256_P256)
		abort();
	d = buf_span(b);
	is_int(ike_auth_verify(sg, p256, &in, IKE_AUTH_ECDSA_SHA256_P256, d,
	    NULL), 0, "method 9 baseline verifies");
	is_int(ike_auth_verify(sg, p384, &in, IKE_AUTH_ECDSA_SHA256_P256, d,
	    NULL), -E_AUTH, "method 9 with a P-384 key -> -E_AUTH");
	is_int(ike_auth_verify(sg, p256, &in, IKE_AUTH_ECDSA_SHA384_P384, d,
	    NULL), -E_AUTH, "method 10 with a P-256 key -> -E_AUTH");
	is_int(ike_auth_verify(sg, p256, &in, IKE_AUTH_ECDSA_SHA256_P256,
	    span_make(d.p, d.len - 1), NULL), -E_AUTH,
	    "method 9 with 63 bytes -> -E_AUTH");
	is_int(ike_auth_verify(sg, p256, &in, IKE_AUTH_RSA_SIG, d, NULL),
	    -E_AUTH, "method 1 with an EC key -> -E_AUTH");
	is_int(ike_auth_verify(sg, rsa, &in, IKE_AUTH_ECDSA_SHA256_P256, d,
	    NULL), -E_AUTH, "method 9 with an RSA key -> -E_AUTH");
	is_int(ike_auth_verify(sg, p256, &in, IKE_AUTH_SHARED_KEY_MIC, d,
	    NULL), -E_NOTSUP, "method 2 is not a signature: -E_NOTSUP");
	is_int(ike_auth_verify(sg, p256, &in, 201, d, NULL), -E_NOTSUP,
	    "unknown method: -E_NOTSUP");

	buf_free(b);
	sg->key_free(rsa);
	sg->key_free(p256);
	sg->key_free(p384);
}

/* Hex of a key hash from t/data/pki/keyids.txt. */
static const struct {
	const char	*cert, *hex;
} keyids[] = {
	{ "pki/ca.crt", "f716226e3e3a21857b61feee302a9ae9b293c164" },
	{ "pki/other-ca.crt", "763cdab7324ad85a2bf52bb9a805743ab388efe0" },
	{ "pki/int.crt", "092f226f6db5bce9349e87de5bf3029aa828b680" },
	{ "pki/gw-rsa.crt", "829cd4928abeed0196c0300e4a4acfd00d6338a4" },
	{ "pki/gw-p256.crt", "70942b558111534c928422ed8c93e8ed38af87b9" },
	{ "pki/gw-p384.crt", "55654019f7bddec2c020d69e09c9d7856c587cbd" },
	{ "pki/gw-p521.crt", "fb17850f60b898c69971c9e26e2fefb9a7597a04" },
};

static void
test_x509_load(void)
{
	static uint8_t file[MAX_FILE], der[MAX_FILE];
	uint8_t h[XFORM_X509_KEYID_LEN], want[XFORM_X509_KEYID_LEN];
	void *certs[4], *c = NULL, *key;
	struct span s;
	enum xform_key_type t;
	unsigned bits;
	size_t i, n, dn;

	/* PEM and DER give the same certificate. */
	dn = read_data("pki/gw-rsa.der", der, sizeof(der));
	c = load_cert("pki/gw-rsa.crt");
	is_int(xx->der(c, &s), 0, "DER of a PEM certificate");
	ok(s.len == dn && memcmp(s.p, der, dn) == 0,
	    "it is the openssl x509 -outform DER encoding");
	xx->free(c);
	c = NULL;
	is_int(xx->load(span_make(der, dn), &c), 0, "load DER");
	ok(c != NULL && xx->der(c, &s) == 0 && s.len == dn &&
	    memcmp(s.p, der, dn) == 0, "DER round trip");
	xx->free(c);
	c = NULL;
	memcpy(file, der, dn);
	file[dn] = 0;
	is_int(xx->load(span_make(file, dn + 1), &c), -E_INVAL,
	    "DER with a trailing byte: -E_INVAL");
	is_int(xx->load(span_make(der, dn - 1), &c), -E_INVAL,
	    "truncated DER: -E_INVAL");
	n = read_data("keys/rsa2048.pem", file, sizeof(file));
	is_int(xx->load(span_make(file, n), &c), -E_INVAL,
	    "a key is not a certificate: -E_INVAL");
	ok(c == NULL, "nothing returned");

	/* Bundles. */
	n = read_data("pki/cas.pem", file, sizeof(file));
	is_int(xx->load_bundle(span_make(file, n), certs, 4, &i), 0,
	    "CA bundle loads");
	is_int(i, 2, "two CAs");
	if (i == 2) {
		ok(xx->keyid(certs[0], h) == 0 &&
		    tap_unhex(keyids[0].hex, want, sizeof(want)) == 20 &&
		    memcmp(h, want, 20) == 0, "first is the root CA");
		ok(xx->keyid(certs[1], h) == 0 &&
		    tap_unhex(keyids[1].hex, want, sizeof(want)) == 20 &&
		    memcmp(h, want, 20) == 0, "second is the other CA");
		xx->free(certs[0]);
		xx->free(certs[1]);
	}
	is_int(xx->load_bundle(span_make(file, n), certs, 1, &i),
	    -E_TOOMANY, "bundle over max: -E_TOOMANY");
	is_int(i, 0, "nothing returned");
	n = read_data("keys/rsa2048.pem", file, sizeof(file));
	is_int(xx->load_bundle(span_make(file, n), certs, 4, &i), -E_NOENT,
	    "no CERTIFICATE block: -E_NOENT");
	n = read_data("pki/gw-p256-chain.pem", file, sizeof(file));
	/* Cut the second block in half. */
	is_int(xx->load_bundle(span_make(file, n - 200), certs, 4, &i),
	    -E_INVAL, "truncated second block: -E_INVAL");
	is_int(i, 0, "nothing returned");

	/* SHA-1 of the SubjectPublicKeyInfo, as openssl | sha1sum. */
	for (i = 0; i < sizeof(keyids) / sizeof(keyids[0]); i++) {
		c = load_cert(keyids[i].cert);
		tap_unhex(keyids[i].hex, want, sizeof(want));
		is_int(xx->keyid(c, h), 0, "keyid %s", keyids[i].cert);
		is_mem(h, want, sizeof(want), "SPKI SHA-1 of %s",
		    keyids[i].cert);
		xx->free(c);
	}

	/* Public keys of every supported type. */
	for (i = 0; i < sizeof(keycases) / sizeof(keycases[0]); i++) {
		c = load_cert(keycases[i].cert);
		key = NULL;
		is_int(xx->pubkey(c, &key), 0, "public key of %s",
		    keycases[i].cert);
		ok(key != NULL && sg->key_info(key, &t, &bits) == 0 &&
		    t == keycases[i].type, "%s: key type %d",
		    keycases[i].cert, (int)keycases[i].type);
		if (key != NULL)
			sg->key_free(key);
		xx->free(c);
	}
	ok(xx->sig == sg, "the x509 ops pair with the signature ops");
}

static void
test_x509_match(void)
{
	/* The gateway's DN re-encoded with PrintableStrings and another
	 * case (pyca/cryptography); the certificate has UTF8Strings. */
	static const char dn_printable[] =
	    "303f310b300906035504061302434831153013060355040a130c696b6567617465"
	    "2074657374311930170603550403131056504e2e4578616d706c652e54455354";
	static const char dn_utf8[] =
	    "303f310b300906035504061302434831153013060355040a0c0c696b6567617465"
	    "20746573743119301706035504030c1076706e2e6578616d706c652e74657374";
	static const uint8_t ip4[] = { 192, 0, 2, 1 };
	static const uint8_t ip4b[] = { 192, 0, 2, 2 };
	static const uint8_t ip6[] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 1 };
	uint8_t dn[128], ip6b[16];
	struct ike_pld_id id;
	struct span s;
	void *c, *p256;
	size_t n;

	c = load_cert("pki/gw-rsa.crt");
	p256 = load_cert("pki/gw-p256.crt");
#define MATCH(cert, type, str)						\
	xx->match_id((cert), (type), span_make((str), strlen(str)))
	is_int(MATCH(c, XFORM_X509_ID_FQDN, "vpn.example.test"), 0,
	    "FQDN in dNSName");
	is_int(MATCH(c, XFORM_X509_ID_FQDN, "gateway.EXAMPLE.test"), 0,
	    "FQDN: ASCII case-insensitive");
	is_int(MATCH(c, XFORM_X509_ID_FQDN, "vpn.example.tes"), -E_NOENT,
	    "FQDN prefix: -E_NOENT");
	is_int(MATCH(c, XFORM_X509_ID_FQDN, "vpn.example.test."), -E_NOENT,
	    "FQDN longer: -E_NOENT");
	is_int(MATCH(c, XFORM_X509_ID_FQDN, "gw@example.test"), -E_NOENT,
	    "an rfc822Name is not a dNSName");
	is_int(MATCH(p256, XFORM_X509_ID_FQDN, "vpn.example.test"), -E_NOENT,
	    "FQDN of another certificate: -E_NOENT");
	is_int(MATCH(c, XFORM_X509_ID_RFC822_ADDR, "GW@Example.Test"), 0,
	    "RFC822 in rfc822Name, case-insensitive");
	is_int(MATCH(c, XFORM_X509_ID_RFC822_ADDR, "vpn.example.test"),
	    -E_NOENT, "a dNSName is not an rfc822Name");
	is_int(MATCH(p256, XFORM_X509_ID_RFC822_ADDR, "alice@example.test"),
	    0, "RFC822 on the P-256 certificate");
	is_int(xx->match_id(c, XFORM_X509_ID_IPV4_ADDR, span_make(ip4, 4)), 0,
	    "IPv4 in iPAddress");
	is_int(xx->match_id(c, XFORM_X509_ID_IPV4_ADDR, span_make(ip4b, 4)),
	    -E_NOENT, "other IPv4: -E_NOENT");
	is_int(xx->match_id(c, XFORM_X509_ID_IPV6_ADDR, span_make(ip6, 16)),
	    0, "IPv6 in iPAddress");
	memcpy(ip6b, ip6, 16);
	ip6b[15] = 2;
	is_int(xx->match_id(c, XFORM_X509_ID_IPV6_ADDR, span_make(ip6b, 16)),
	    -E_NOENT, "other IPv6: -E_NOENT");
	is_int(xx->match_id(c, XFORM_X509_ID_IPV6_ADDR, span_make(ip4, 4)),
	    -E_NOENT, "IPv6 identity of 4 bytes: -E_NOENT");
	is_int(xx->match_id(p256, XFORM_X509_ID_IPV4_ADDR, span_make(ip4, 4)),
	    -E_NOENT, "no iPAddress at all: -E_NOENT");
	n = tap_unhex(dn_utf8, dn, sizeof(dn));
	is_int(xx->match_id(c, XFORM_X509_ID_DER_ASN1_DN, span_make(dn, n)),
	    0, "DN: the subject itself");
	n = tap_unhex(dn_printable, dn, sizeof(dn));
	is_int(xx->match_id(c, XFORM_X509_ID_DER_ASN1_DN, span_make(dn, n)),
	    0, "DN: other string types and case still match");
	is_int(xx->match_id(p256, XFORM_X509_ID_DER_ASN1_DN,
	    span_make(dn, n)), -E_NOENT, "DN of another subject: -E_NOENT");
	is_int(xx->match_id(c, XFORM_X509_ID_DER_ASN1_DN,
	    span_make(dn, n - 1)), -E_NOENT, "truncated DN: -E_NOENT");
	is_int(xx->match_id(c, (enum xform_x509_id)IKE_ID_KEY_ID,
	    span_make(dn, 4)), -E_NOTSUP, "KEY_ID: -E_NOTSUP");
#undef MATCH

	/* The subject, as our default identity. */
	is_int(ike_auth_cert_id(xx, c, &id), 0, "identity from certificate");
	n = tap_unhex(dn_utf8, dn, sizeof(dn));
	ok(id.type == IKE_ID_DER_ASN1_DN && id.data.len == n &&
	    memcmp(id.data.p, dn, n) == 0, "ID_DER_ASN1_DN of the subject");
	is_int(xx->subject(c, &s), 0, "subject");
	ok(s.len == n && memcmp(s.p, dn, n) == 0, "subject DER");
	xx->free(c);
	xx->free(p256);
}

static void
test_x509_verify(void)
{
	void *ca, *other, *inter, *notca, *gw, *p256, *leaf, *exp;
	void *anchors[2], *chain[1];

	ca = load_cert("pki/ca.crt");
	other = load_cert("pki/other-ca.crt");
	inter = load_cert("pki/int.crt");
	notca = load_cert("pki/notca.crt");
	gw = load_cert("pki/gw-rsa.crt");
	p256 = load_cert("pki/gw-p256.crt");
	leaf = load_cert("pki/leaf-notca.crt");
	exp = load_cert("pki/expired.crt");

	anchors[0] = ca;
	is_int(xx->verify(gw, anchors, 1, NULL, 0, T_2030), 0,
	    "gw-rsa under the root, 2030");
	is_int(xx->verify(gw, anchors, 1, NULL, 0, T_2200), -E_AUTH,
	    "2200: expired -> -E_AUTH");
	is_int(xx->verify(gw, anchors, 1, NULL, 0, T_2010), -E_AUTH,
	    "2010: not yet valid -> -E_AUTH");
	anchors[0] = other;
	is_int(xx->verify(gw, anchors, 1, NULL, 0, T_2030), -E_AUTH,
	    "wrong CA -> -E_AUTH");
	anchors[1] = ca;
	is_int(xx->verify(gw, anchors, 2, NULL, 0, T_2030), 0,
	    "the right CA among two");
	is_int(xx->verify(gw, anchors, 0, NULL, 0, T_2030), -E_AUTH,
	    "no CA -> -E_AUTH");

	anchors[0] = ca;
	chain[0] = inter;
	is_int(xx->verify(p256, anchors, 1, chain, 1, T_2030), 0,
	    "gw-p256 through the intermediate");
	is_int(xx->verify(p256, anchors, 1, NULL, 0, T_2030), -E_AUTH,
	    "without the intermediate -> -E_AUTH");
	anchors[0] = inter;
	is_int(xx->verify(p256, anchors, 1, NULL, 0, T_2030), 0,
	    "the intermediate as a trust anchor");
	anchors[0] = other;
	is_int(xx->verify(p256, anchors, 1, chain, 1, T_2030), -E_AUTH,
	    "chain to the wrong root -> -E_AUTH");

	/* basicConstraints: an issuer that is no CA. */
	anchors[0] = ca;
	chain[0] = notca;
	is_int(xx->verify(leaf, anchors, 1, chain, 1, T_2030), -E_AUTH,
	    "issuer with CA:FALSE -> -E_AUTH");
	anchors[0] = notca;
	is_int(xx->verify(leaf, anchors, 1, NULL, 0, T_2030), -E_AUTH,
	    "CA:FALSE even as the anchor -> -E_AUTH");

	/* A certificate valid in 2020 only. */
	anchors[0] = ca;
	is_int(xx->verify(exp, anchors, 1, NULL, 0, T_2030), -E_AUTH,
	    "expired certificate -> -E_AUTH");
	is_int(xx->verify(exp, anchors, 1, NULL, 0, T_2020), 0,
	    "the same in mid-2020 verifies");

	xx->free(ca);
	xx->free(other);
	xx->free(inter);
	xx->free(notca);
	xx->free(gw);
	xx->free(p256);
	xx->free(leaf);
	xx->free(exp);
}

/* Responder to initiator and back: CERT payload, chain, identity, AUTH. */
static void
test_peer_cert(void)
{
	static uint8_t der1[MAX_FILE], der2[MAX_FILE];
	struct ike_pld_cert certs[IKE_AUTH_MAX_CERTS + 1];
	struct ike_pld_id id;
	struct buf *auth;
	struct span s;
	void *ca, *other, *inter, *gw, *priv, *key, *anchors[1];
	size_t i;
	uint8_t m;

	ca = load_cert("pki/ca.crt");
	other = load_cert("pki/other-ca.crt");
	inter = load_cert("pki/int.crt");
	gw = load_cert("pki/gw-p256.crt");
	priv = load_priv("keys/ecp256.pem");
	anchors[0] = ca;

	/* The sender's side: CERT payloads for its certificate and CA. */
	is_int(ike_auth_cert_payload(xx, gw, &certs[0]), 0, "CERT for gw");
	is_int(certs[0].enc, IKE_CERT_X509_SIG, "encoding 4, X.509 sig");
	ok(xx->der(gw, &s) == 0 && span_eq(s, certs[0].data),
	    "CERT data is the DER certificate");
	is_int(ike_auth_cert_payload(xx, inter, &certs[1]), 0,
	    "CERT for the intermediate");
	/* Copies, as if received. */
	memcpy(der1, certs[0].data.p, certs[0].data.len);
	certs[0].data.p = der1;
	memcpy(der2, certs[1].data.p, certs[1].data.len);
	certs[1].data.p = der2;

	input_for(XFORM_HASH_SHA256);
	if ((auth = buf_new(MAX_DATA)) == NULL)
		abort();
	if (ike_auth_sign(sg, priv, &in, IKE_AUTH_HASH_BIT(2), 0, &m, NULL,
	    auth) != 0)
		abort();

	id.type = IKE_ID_FQDN;
	id.data = span_str("GW-P256.example.test");
	key = NULL;
	is_int(ike_auth_peer_cert(xx, certs, 2, anchors, 1, &id, T_2030,
	    &key), 0, "peer chain and identity check out");
	ok(key != NULL && ike_auth_verify(sg, key, &in, m, buf_span(auth),
	    NULL) == 0, "its key verifies the AUTH");
	if (key != NULL)
		sg->key_free(key);
	key = NULL;
	is_int(ike_auth_peer_cert(xx, certs, 1, anchors, 1, &id, T_2030,
	    &key), -E_AUTH, "without the intermediate -> -E_AUTH");
	ok(key == NULL, "no key on failure");
	is_int(ike_auth_peer_cert(xx, certs, 2, anchors, 1, &id, T_2200,
	    &key), -E_AUTH, "in 2200 -> -E_AUTH");
	anchors[0] = other;
	is_int(ike_auth_peer_cert(xx, certs, 2, anchors, 1, &id, T_2030,
	    &key), -E_AUTH, "wrong CA -> -E_AUTH");
	anchors[0] = ca;
	id.data = span_str("vpn.example.test");
	is_int(ike_auth_peer_cert(xx, certs, 2, anchors, 1, &id, T_2030,
	    &key), -E_AUTH, "identity not in the certificate -> -E_AUTH");
	id.type = IKE_ID_RFC822_ADDR;
	id.data = span_str("alice@example.test");
	is_int(ike_auth_peer_cert(xx, certs, 2, anchors, 1, &id, T_2030,
	    &key), 0, "RFC822 identity in the certificate");
	if (key != NULL)
		sg->key_free(key);
	key = NULL;
	id.type = IKE_ID_KEY_ID;
	is_int(ike_auth_peer_cert(xx, certs, 2, anchors, 1, &id, T_2030,
	    &key), -E_NOTSUP, "KEY_ID with a certificate: -E_NOTSUP");
	id.type = IKE_ID_FQDN;
	id.data = span_str("gw-p256.example.test");
	certs[0].enc = IKE_CERT_PKCS7_X509;
	is_int(ike_auth_peer_cert(xx, certs, 2, anchors, 1, &id, T_2030,
	    &key), -E_NOTSUP, "first CERT not X.509 sig: -E_NOTSUP");
	certs[0].enc = IKE_CERT_X509_SIG;
	certs[1].enc = IKE_CERT_CRL;
	is_int(ike_auth_peer_cert(xx, certs, 2, anchors, 1, &id, T_2030,
	    &key), -E_AUTH, "a non-X.509 second CERT is ignored: no chain");
	certs[1].enc = IKE_CERT_X509_SIG;
	der1[10] ^= 0xff;
	is_int(ike_auth_peer_cert(xx, certs, 2, anchors, 1, &id, T_2030,
	    &key), -E_INVAL, "garbled certificate: -E_INVAL");
	der1[10] ^= 0xff;
	for (i = 0; i <= IKE_AUTH_MAX_CERTS; i++)
		certs[i] = certs[i % 2];
	is_int(ike_auth_peer_cert(xx, certs, IKE_AUTH_MAX_CERTS + 1, anchors,
	    1, &id, T_2030, &key), -E_TOOMANY, "too many CERTs: -E_TOOMANY");
	is_int(ike_auth_peer_cert(xx, certs, 0, anchors, 1, &id, T_2030,
	    &key), -E_AUTH, "no CERT: -E_AUTH");

	buf_free(auth);
	sg->key_free(priv);
	xx->free(ca);
	xx->free(other);
	xx->free(inter);
	xx->free(gw);
}

static void
test_certreq(void)
{
	uint8_t want[40];
	struct ike_pld_certreq req;
	struct buf *b;
	void *ca, *other, *inter, *cas[2];

	ca = load_cert("pki/ca.crt");
	other = load_cert("pki/other-ca.crt");
	inter = load_cert("pki/int.crt");
	cas[0] = ca;
	cas[1] = other;
	if ((b = buf_new(1024)) == NULL)
		abort();
	is_int(ike_auth_certreq_data(xx, cas, 2, b), 0, "CERTREQ data");
	tap_unhex(keyids[0].hex, want, 20);
	tap_unhex(keyids[1].hex, want + 20, 20);
	ok(buf_len(b) == 40 && memcmp(buf_span(b).p, want, 40) == 0,
	    "two SPKI SHA-1 hashes, in order");

	req.enc = IKE_CERT_X509_SIG;
	req.data = buf_span(b);
	cas[0] = ca;
	is_int(ike_auth_certreq_names(xx, &req, cas, 1), 1,
	    "a CERTREQ naming our CA");
	cas[0] = inter;
	is_int(ike_auth_certreq_names(xx, &req, cas, 1), 0,
	    "a CERTREQ naming other CAs");
	cas[1] = ca;
	is_int(ike_auth_certreq_names(xx, &req, cas, 2), 1,
	    "our CA second in the chain");
	req.data = span_make(want + 20, 20);
	cas[0] = ca;
	is_int(ike_auth_certreq_names(xx, &req, cas, 1), 0,
	    "only the other CA named");
	req.data = span_make(want, 0);
	is_int(ike_auth_certreq_names(xx, &req, cas, 1), 0,
	    "empty CERTREQ names nothing");
	req.enc = IKE_CERT_PKCS7_X509;
	req.data = span_make(want, 40);
	is_int(ike_auth_certreq_names(xx, &req, cas, 1), 0,
	    "other encoding names nothing");
	buf_free(b);
	xx->free(ca);
	xx->free(other);
	xx->free(inter);
}

int
main(void)
{
	struct ike_pld_id id;
	size_t i;

	if (xform_init("auto") != 0)
		skip_all("no crypto backend");
	if ((sg = xform_find_sig()) == NULL || (xx = xform_find_x509()) == NULL)
		skip_all("no signature or X.509 backend");
	for (i = 0; i < sizeof(init_msg); i++)
		init_msg[i] = (uint8_t)(i * 7 + 3);
	for (i = 0; i < sizeof(nonce); i++)
		nonce[i] = (uint8_t)(0x20 + i);
	for (i = 0; i < sizeof(sk_p); i++)
		sk_p[i] = (uint8_t)(0x80 + i);
	if ((id_body = buf_new(256)) == NULL)
		abort();
	id.type = IKE_ID_FQDN;
	id.data = span_str("vpn.example.test");
	if (ike_auth_id_body(&id, id_body) != 0)
		abort();

	test_octets();
	test_psk();
	test_hashes();
	test_algids();
	test_rs();
	test_rfc4754();
	test_sign_verify();
	test_python_sigs();
	test_mismatch();
	test_x509_load();
	test_x509_match();
	test_x509_verify();
	test_peer_cert();
	test_certreq();

	buf_free(id_body);
	xform_cleanup();
	return done_testing();
}
