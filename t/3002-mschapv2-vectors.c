/*
 * 3002-mschapv2-vectors: MD4, DES and every MS-CHAPv2 / MPPE intermediate
 * value against the published vectors.
 */
#include "config.h"

#include <string.h>

#include "core/eap_mschapv2.h"
#include "core/err.h"
#include "core/mschapv2_legacy.h"
#include "core/xform.h"
#include "t/tap.h"

static void
check_md4(void)
{
	/* RFC 1320 A.5 "Test suite". */
	static const struct {
		const char *in, *md;
	} v[] = {
		{ "", "31d6cfe0d16ae931b73c59d7e0c089c0" },
		{ "a", "bde52cb31de33e46245e05fbdbd6fb24" },
		{ "abc", "a448017aaf21d8525fc10ae87aa6729d" },
		{ "message digest", "d9130a8164549fe818874806e1c7014b" },
		{ "abcdefghijklmnopqrstuvwxyz",
		  "d79e1c308aa5bbcdeea8ed63df412da9" },
		{ "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		  "0123456789", "043f8582f241db351ce627e153e7f0e4" },
		{ "1234567890123456789012345678901234567890"
		  "1234567890123456789012345678901234567890",
		  "e33b4ddc9c38f2199c3e7b164fcc0536" },
	};
	uint8_t got[16], want[16];
	struct span s, parts[3];
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		s = span_str(v[i].in);
		mschapv2_legacy_md4(&s, 1, got);
		tap_unhex(v[i].md, want, sizeof(want));
		is_mem(got, want, 16, "RFC 1320 A.5 MD4(\"%.20s\")", v[i].in);
	}
	/* The gather list hashes the concatenation, across block edges. */
	parts[0] = span_make(v[6].in, 3);
	parts[1] = span_make(v[6].in + 3, 0);
	parts[2] = span_make(v[6].in + 3, strlen(v[6].in) - 3);
	mschapv2_legacy_md4(parts, 3, got);
	tap_unhex(v[6].md, want, sizeof(want));
	is_mem(got, want, 16, "MD4 over a gather list");
}

static void
check_des(void)
{
	/*
	 * Single DES known answers:
	 *  - FIPS 81 Appendix B, Table B1 (ECB): key 0123456789ABCDEF,
	 *    plaintext "Now is the time for all ";
	 *  - NIST SP 800-17 Table A.1 (variable plaintext), A.2 (variable
	 *    key) and A.5 (S-box) entries;
	 *  - the worked example key 133457799BBCDFF1 / 0123456789ABCDEF
	 *    (J. Orlin Grabbe, "The DES Algorithm Illustrated").
	 */
	static const struct {
		const char *key, *pt, *ct, *src;
	} v[] = {
		{ "0123456789abcdef", "4e6f772069732074", "3fa40e8a984d4815",
		  "FIPS 81 B1 block 1" },
		{ "0123456789abcdef", "68652074696d6520", "6a271787ab8883f9",
		  "FIPS 81 B1 block 2" },
		{ "0123456789abcdef", "666f7220616c6c20", "893d51ec4b563b53",
		  "FIPS 81 B1 block 3" },
		{ "0101010101010101", "8000000000000000", "95f8a5e5dd31d900",
		  "SP 800-17 A.1 round 1" },
		{ "0101010101010101", "4000000000000000", "dd7f121ca5015619",
		  "SP 800-17 A.1 round 2" },
		{ "0101010101010101", "0000000000000001", "166b40b44aba4bd6",
		  "SP 800-17 A.1 round 64" },
		{ "8001010101010101", "0000000000000000", "95a8d72813daa94d",
		  "SP 800-17 A.2 round 1" },
		{ "4001010101010101", "0000000000000000", "0eec1487dd8c26d5",
		  "SP 800-17 A.2 round 2" },
		{ "7ca110454a1a6e57", "01a1d6d039776742", "690f5b0d9a26939b",
		  "SP 800-17 A.5 round 1" },
		{ "0131d9619dc1376e", "5cd54ca83def57da", "7a389d10354bd271",
		  "SP 800-17 A.5 round 2" },
		{ "133457799bbcdff1", "0123456789abcdef", "85e813540f0ab405",
		  "Grabbe worked example" },
	};
	uint8_t k[8], pt[8], ct[8], got[8], k8[8];
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		tap_unhex(v[i].key, k, sizeof(k));
		tap_unhex(v[i].pt, pt, sizeof(pt));
		tap_unhex(v[i].ct, ct, sizeof(ct));
		mschapv2_legacy_des_encrypt(k, pt, got);
		is_mem(got, ct, 8, "DES %s", v[i].src);
	}
	/* In place. */
	tap_unhex(v[0].key, k, sizeof(k));
	tap_unhex(v[0].pt, got, sizeof(got));
	mschapv2_legacy_des_encrypt(k, got, got);
	tap_unhex(v[0].ct, ct, sizeof(ct));
	is_mem(got, ct, 8, "DES in place");

	/* Parity bits are ignored: flipping every low bit changes nothing. */
	tap_unhex(v[10].key, k, sizeof(k));
	for (i = 0; i < 8; i++)
		k[i] ^= 1;
	tap_unhex(v[10].pt, pt, sizeof(pt));
	tap_unhex(v[10].ct, ct, sizeof(ct));
	mschapv2_legacy_des_encrypt(k, pt, got);
	is_mem(got, ct, 8, "DES ignores parity bits");

	/*
	 * 56-to-64-bit key spreading (RFC 2759 8.6): seven key bits per byte,
	 * odd parity in the low bit. 7 x FF -> 8 x FE (seven ones, odd);
	 * 7 x 00 -> 8 x 01; the 56-bit string of 133457799BBCDFF1 (the
	 * Grabbe key, whose low bits are all parity-correct) comes back.
	 */
	memset(k, 0xff, 7);
	mschapv2_legacy_des_key56(k, k8);
	is_mem(k8, "\xfe\xfe\xfe\xfe\xfe\xfe\xfe\xfe", 8, "key56 of ones");
	memset(k, 0, 7);
	mschapv2_legacy_des_key56(k, k8);
	is_mem(k8, "\x01\x01\x01\x01\x01\x01\x01\x01", 8, "key56 of zeros");
	/* 0x13 0x34 0x57 0x79 0x9b 0xbc 0xdf 0xf1 without parity bits,
	 * packed: 0001001 0011010 0101011 0111100 1001101 1011110 1101111
	 * 1111000 = 12 69 5b c9 b7 b7 f8. */
	tap_unhex("12695bc9b7b7f8", k, 7);
	mschapv2_legacy_des_key56(k, k8);
	is_mem(k8, "\x13\x34\x57\x79\x9b\xbc\xdf\xf1", 8, "key56 packing");
}

static void
check_rfc2759(void)
{
	/* RFC 2759 9.2 "Hash Example" (also RFC 3079 3.5.3). */
	static const char user[] = "User";
	static const char password[] = "clientPass";
	uint8_t auth_chal[16], peer_chal[16], want[24];
	uint8_t hash[16], hh[16], ch[8], nt[24], auth[20];
	char sresp[43];
	size_t i;

	tap_unhex("5B 5D 7C 7D 7B 3F 2F 3E 3C 2C 60 21 32 26 26 28",
	    auth_chal, 16);
	tap_unhex("21 40 23 24 25 5E 26 2A 28 29 5F 2B 3A 33 7C 7E",
	    peer_chal, 16);

	is_int(eap_mschapv2_challenge_hash(peer_chal, auth_chal,
	    span_str(user), ch), 0, "ChallengeHash");
	tap_unhex("D0 2E 43 86 BC E9 12 26", want, 8);
	is_mem(ch, want, 8, "RFC 2759 9.2 Challenge");

	is_int(eap_mschapv2_nt_hash(span_str(password), hash), 0,
	    "NtPasswordHash");
	tap_unhex("44 EB BA 8D 53 12 B8 D6 11 47 44 11 F5 69 89 AE", want, 16);
	is_mem(hash, want, 16, "RFC 2759 9.2 PasswordHash");

	eap_mschapv2_challenge_response(ch, hash, nt);
	tap_unhex("82 30 9E CD 8D 70 8B 5E A0 8F AA 39 81 CD 83 54"
	    "42 33 11 4A 3D 85 D6 DF", want, 24);
	is_mem(nt, want, 24, "RFC 2759 9.2 NT-Response (ChallengeResponse)");
	memset(nt, 0, sizeof(nt));
	is_int(eap_mschapv2_nt_response(auth_chal, peer_chal, span_str(user),
	    hash, nt), 0, "GenerateNTResponse");
	is_mem(nt, want, 24, "RFC 2759 9.2 NT-Response (GenerateNTResponse)");

	eap_mschapv2_hash_nt_hash(hash, hh);
	tap_unhex("41 C0 0C 58 4B D2 D9 1C 40 17 A2 A1 2F A5 9F 3F", want, 16);
	is_mem(hh, want, 16, "RFC 2759 9.2 PasswordHashHash");

	is_int(eap_mschapv2_auth_response(hash, nt, peer_chal, auth_chal,
	    span_str(user), auth), 0, "GenerateAuthenticatorResponse");
	memcpy(sresp, "S=", 2);
	for (i = 0; i < 20; i++) {
		sresp[2 + 2 * i] = "0123456789ABCDEF"[auth[i] >> 4];
		sresp[3 + 2 * i] = "0123456789ABCDEF"[auth[i] & 0xf];
	}
	sresp[42] = '\0';
	is_str(sresp, "S=407A5589115FD0D6209F510FE9C04566932CDA56",
	    "RFC 2759 9.2 AuthenticatorResponse");

	/* RFC 2759 8.2: a "DOMAIN\" prefix does not enter the hash. */
	memset(ch, 0, sizeof(ch));
	is_int(eap_mschapv2_challenge_hash(peer_chal, auth_chal,
	    span_str("EXAMPLE\\User"), ch), 0, "ChallengeHash with domain");
	tap_unhex("D0 2E 43 86 BC E9 12 26", want, 8);
	is_mem(ch, want, 8, "domain prefix stripped");
}

static void
check_rfc3079(void)
{
	uint8_t hh[16], nt[24], hash[16], mk[16], k[16], want[64], msk[64];

	/* RFC 3079 3.5.3 "Sample 128-bit Key Derivation", from the RFC 2759
	 * 9.2 PasswordHashHash and NT-Response. */
	tap_unhex("41 C0 0C 58 4B D2 D9 1C 40 17 A2 A1 2F A5 9F 3F", hh, 16);
	tap_unhex("82 30 9E CD 8D 70 8B 5E A0 8F AA 39 81 CD 83 54"
	    "42 33 11 4A 3D 85 D6 DF", nt, 24);
	is_int(eap_mschapv2_master_key(hh, nt, mk), 0, "GetMasterKey");
	tap_unhex("FD EC E3 71 7A 8C 83 8C B3 88 E5 27 AE 3C DD 31", want, 16);
	is_mem(mk, want, 16, "RFC 3079 3.5.3 MasterKey");

	/*
	 * RFC 3079 3.5.3 SendStartKey128 is GetAsymmetricStartKey with
	 * IsSend and IsServer both TRUE (Magic3); the client's receive key
	 * is the same value.
	 */
	tap_unhex("8B 7C DC 14 9B 99 3A 1B A1 18 CB 15 3F 56 DC CB", want, 16);
	is_int(eap_mschapv2_start_key(mk, 1, 1, k), 0, "server send key");
	is_mem(k, want, 16, "RFC 3079 3.5.3 SendStartKey128 (server send)");
	is_int(eap_mschapv2_start_key(mk, 0, 0, k), 0, "client receive key");
	is_mem(k, want, 16, "client receive key = server send key");

	/*
	 * The RFC prints no receive key. The Magic2 value below was derived
	 * once, at authoring time, with Python's hashlib:
	 *   sha1(MasterKey + b"\0" * 40 + Magic2 + b"\xf2" * 40)[:16]
	 * with MasterKey the RFC 3079 3.5.3 value above and Magic2 the RFC
	 * 3079 3.4 string "On the client side, this is the send key; on the
	 * server side, it is the receive key." (84 bytes). The same script
	 * reproduced the printed SendStartKey128 from Magic3.
	 */
	tap_unhex("d5f0e9521e3ea9589645e86051c82226", want, 16);
	is_int(eap_mschapv2_start_key(mk, 0, 1, k), 0, "server receive key");
	is_mem(k, want, 16, "server receive key (Magic2)");
	is_int(eap_mschapv2_start_key(mk, 1, 0, k), 0, "client send key");
	is_mem(k, want, 16, "client send key = server receive key");

	/*
	 * MSK as strongSwan's eap-mschapv2 GenerateMSK lays it out:
	 * MasterReceiveKey | MasterSendKey | 32 zero bytes, server-oriented
	 * (same Python derivation as above).
	 */
	tap_unhex("44 EB BA 8D 53 12 B8 D6 11 47 44 11 F5 69 89 AE", hash, 16);
	tap_unhex("d5f0e9521e3ea9589645e86051c82226"
	    "8b7cdc149b993a1ba118cb153f56dccb"
	    "00000000000000000000000000000000"
	    "00000000000000000000000000000000", want, 64);
	is_int(eap_mschapv2_msk_derive(hash, nt, msk), 0, "MSK derivation");
	is_mem(msk, want, 64, "MSK = recv | send | 32 zeros");
}

static void
check_nt_hash(void)
{
	uint8_t h[16], want[16];
	char longpw[258];

	/*
	 * Non-ASCII BMP password: "pässwörd€" in UTF-8 converted to
	 * UTF-16LE. Expected value computed once at authoring time with
	 *   printf 'pässwörd€' | iconv -f UTF-8 -t UTF-16LE |
	 *       openssl dgst -md4 -provider legacy
	 */
	is_int(eap_mschapv2_nt_hash(span_str("p\xc3\xa4ssw\xc3\xb6rd\xe2\x82"
	    "\xac"), h), 0, "UTF-8 password");
	tap_unhex("7f20bf6e69d97371914a8807579cab5c", want, 16);
	is_mem(h, want, 16, "NT hash of a BMP password");

	/* 256 characters is the RFC 2759 limit; hash computed as above with
	 * 256 x 'a'. */
	memset(longpw, 'a', 256);
	longpw[256] = '\0';
	is_int(eap_mschapv2_nt_hash(span_str(longpw), h), 0, "256 chars");
	tap_unhex("9118f6ce48955b5ca2be01329e7f959e", want, 16);
	is_mem(h, want, 16, "NT hash of 256 x a");
	longpw[256] = 'a';
	longpw[257] = '\0';
	is_int(eap_mschapv2_nt_hash(span_str(longpw), h), -E_RANGE,
	    "257 chars refused");

	is_int(eap_mschapv2_nt_hash(span_str("\xc0\xaf"), h), -E_SYNTAX,
	    "overlong 2-byte refused");
	is_int(eap_mschapv2_nt_hash(span_str("\xe0\x80\xaf"), h), -E_SYNTAX,
	    "overlong 3-byte refused");
	is_int(eap_mschapv2_nt_hash(span_str("\xed\xa0\x80"), h), -E_SYNTAX,
	    "surrogate refused");
	is_int(eap_mschapv2_nt_hash(span_str("ab\xe2\x82"), h), -E_SYNTAX,
	    "truncated sequence refused");
	is_int(eap_mschapv2_nt_hash(span_str("\x80"), h), -E_SYNTAX,
	    "stray continuation byte refused");
	is_int(eap_mschapv2_nt_hash(span_make("a\0b", 3), h), -E_SYNTAX,
	    "NUL refused");
	is_int(eap_mschapv2_nt_hash(span_str("\xf0\x9f\x98\x80"), h),
	    -E_NOTSUP, "non-BMP refused");
	is_int(eap_mschapv2_nt_hash(span_str("\xf8\x88\x80\x80\x80"), h),
	    -E_SYNTAX, "5-byte form refused");
}

int
main(void)
{
	check_md4();
	check_des();
	if (xform_init("auto") != 0 || xform_find_md(XFORM_HASH_SHA1) == NULL)
		diag("no SHA-1 in the registry: MS-CHAPv2 checks will fail");
	check_rfc2759();
	check_rfc3079();
	check_nt_hash();
	xform_cleanup();
	return done_testing();
}
