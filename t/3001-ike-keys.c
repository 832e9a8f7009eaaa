/*
 * 3001-ike-keys: prf+, SKEYSEED, IKE SA and CHILD SA keys (RFC 7296 2.13,
 * 2.14, 2.17, 2.18) against known answers.
 *
 * RFC 7296 publishes no key-derivation vectors, so the expected values were
 * derived once, at authoring time, by a second implementation: a short
 * Python 3 script using only hmac and hashlib, run by hand and not part of
 * the build. It implemented
 *   prf(K, S)    = hmac.new(K, S, H).digest()
 *   prf+(K, S)   = T1 | T2 | ..., T1 = prf(K, S | 0x01),
 *                  Tn = prf(K, Tn-1 | S | n)
 *   SKEYSEED     = prf(Ni | Nr, g^ir)
 *   KEYMAT       = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr), cut in the RFC
 *                  order SK_d, SK_ai, SK_ar, SK_ei, SK_er, SK_pi, SK_pr
 *   rekey        = prf(SK_d, g^ir2 | Ni2 | Nr2)
 *   CHILD KEYMAT = prf+(SK_d, [g^ir2 |] Ni2 | Nr2), cut as encr_i, integ_i,
 *                  encr_r, integ_r
 * over these inputs:
 *   Ni    = bytes(range(0x10, 0x30))               32 bytes
 *   Nr    = bytes(range(0xa0, 0xc0))               32 bytes
 *   g^ir  = sha256(b"ikegate g^ir")                32 bytes
 *   SPIi  = 0123456789abcdef, SPIr = fedcba9876543210
 *   Ni2   = bytes(range(0x40, 0x50))               16 bytes
 *   Nr2   = bytes(range(0x60, 0x78))               24 bytes
 *   g^ir2 = sha256(b"ikegate g^ir child") + b"\x42" * 32   64 bytes
 * Key lengths: AEAD suite AES-GCM-16 256 (36-byte keys with the salt, no
 * integrity keys); CBC suites AES-CBC-128 + HMAC-SHA2-256-128 (16/32),
 * AES-CBC-256 + HMAC-SHA2-384-192 (32/48), AES-CBC-256 + HMAC-SHA2-512-256
 * (32/64).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/ike_keys.h"
#include "core/xform.h"
#include "t/tap.h"

#define NI	"101112131415161718191a1b1c1d1e1f" \
		"202122232425262728292a2b2c2d2e2f"
#define NR	"a0a1a2a3a4a5a6a7a8a9aaabacadaeaf" \
		"b0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
#define GIR	"4a2e6ff932bc439b2f2d0c1aaf4300fe" \
		"e0582cb71bf630b26ac4bd692b03f55f"
#define NI2	"404142434445464748494a4b4c4d4e4f"
#define NR2	"606162636465666768696a6b6c6d6e6f7071727374757677"
#define GIR2	"80a04fcdc489a98f4c722677fd1f2747" \
		"48fd3673f5611bd04ca527f0a3f9e8b6" \
		"42424242424242424242424242424242" \
		"42424242424242424242424242424242"

struct ike_case {
	const char		*name;
	enum xform_hash		 hash;
	struct ike_keys_suite	 suite;
	const char		*skeyseed;
	const char		*d, *ai, *ar, *ei, *er, *pi, *pr;
};

static const struct ike_case cases[] = {
	{ "sha256/aes256gcm16", XFORM_HASH_SHA256,
	  { XFORM_ENCR_AES_GCM_16, 256, 0 },
	  "11ff9e0cb706dd1f2ff583509c5dfdaa8729cec10c430a9bd5102834ae6fddcd",
	  "f334722c068813549fcfaf6a44245042e3d9043eb67189171d1edf91d07dfb93",
	  "", "",
	  "a2a19d1c5ff2e7bf4ea394ac25a873a3ff75e0c233389a0e529711d139bf4a12"
	  "154a6362",
	  "ac970e6f51c9401115cb3474e660de8f264b85aff87922bb5ccc81545b2da7d4"
	  "4be62398",
	  "fde13e583c4e8c5b3fae83eb79737cd8d4b165ae8a76268a8ebbad631c7dfafd",
	  "3af0f17d930532b76a9575aa19fc096d6d056cf43f03d3381e170124e50454aa" },
	{ "sha256/aes128cbc+sha256", XFORM_HASH_SHA256,
	  { XFORM_ENCR_AES_CBC, 128, XFORM_INTEG_HMAC_SHA2_256_128 },
	  "11ff9e0cb706dd1f2ff583509c5dfdaa8729cec10c430a9bd5102834ae6fddcd",
	  "f334722c068813549fcfaf6a44245042e3d9043eb67189171d1edf91d07dfb93",
	  "a2a19d1c5ff2e7bf4ea394ac25a873a3ff75e0c233389a0e529711d139bf4a12",
	  "154a6362ac970e6f51c9401115cb3474e660de8f264b85aff87922bb5ccc8154",
	  "5b2da7d44be62398fde13e583c4e8c5b",
	  "3fae83eb79737cd8d4b165ae8a76268a",
	  "8ebbad631c7dfafd3af0f17d930532b76a9575aa19fc096d6d056cf43f03d338",
	  "1e170124e50454aa0d2e4493cdbaceab310ab7f07685f994cae8e2409c011fb1" },
	{ "sha384/aes256gcm16", XFORM_HASH_SHA384,
	  { XFORM_ENCR_AES_GCM_16, 256, 0 },
	  "1e0787c441ff25908848ca8fdbb33c923b4eebd93a8ec13e0ebc6924c224a9bb"
	  "e338d8d1f396342061a192480d30b008",
	  "4933e3f56cece2951cecb6910dca6a5f94f395449a7c9bc03a3bf28ee712a975"
	  "9f7e314a218eba1dc951014f26ff0191",
	  "", "",
	  "91e5eea1532be7e0f1344696bab34646f0d4c2802c198bd203b52d0eed17be4a"
	  "12071e1e",
	  "002bd83ebabf1d3821a0850d3c0abf977bf1c1d747f0fee776f483fd08fe6927"
	  "36815554",
	  "2c875fd048e66b26d25558c669e2f8d5253490f0ccca13f8c6b6f5ac0244892d"
	  "999a90507c73e6623a9e02af9954bf77",
	  "9040d19ae0eb78c9bb6e84b4cb102346760ceeff2ebebfd2072f749541989dad"
	  "2209007a443162921f387208123cbbaf" },
	{ "sha384/aes256cbc+sha384", XFORM_HASH_SHA384,
	  { XFORM_ENCR_AES_CBC, 256, XFORM_INTEG_HMAC_SHA2_384_192 },
	  "1e0787c441ff25908848ca8fdbb33c923b4eebd93a8ec13e0ebc6924c224a9bb"
	  "e338d8d1f396342061a192480d30b008",
	  "4933e3f56cece2951cecb6910dca6a5f94f395449a7c9bc03a3bf28ee712a975"
	  "9f7e314a218eba1dc951014f26ff0191",
	  "91e5eea1532be7e0f1344696bab34646f0d4c2802c198bd203b52d0eed17be4a"
	  "12071e1e002bd83ebabf1d3821a0850d",
	  "3c0abf977bf1c1d747f0fee776f483fd08fe6927368155542c875fd048e66b26"
	  "d25558c669e2f8d5253490f0ccca13f8",
	  "c6b6f5ac0244892d999a90507c73e6623a9e02af9954bf779040d19ae0eb78c9",
	  "bb6e84b4cb102346760ceeff2ebebfd2072f749541989dad2209007a44316292",
	  "1f387208123cbbaf61d0ed1a5e134eca492d6d8e34a6d9c8b5e94f416fed3337"
	  "76f5606a77760eabdaf44b411e791d80",
	  "fb4a2cc767e76f1dcb163630108dd66e4094001c311dcdf5030a505e755be7a8"
	  "347dbcb9925536eb4c71e40193321e03" },
	{ "sha512/aes256gcm16", XFORM_HASH_SHA512,
	  { XFORM_ENCR_AES_GCM_16, 256, 0 },
	  "34a1a1ad5372f0af51f4a264977164ae837321c14f6e2d4358b81b208c6d26e4"
	  "1726bfa8350e33f8c8714ad7dcadefc573a3cd216255a70ef3d46f341fd1beb4",
	  "5c237aab9779d162a7f4e1ba6b7587689f514238243ea0d366738454eefdd53e"
	  "37528ed97976f1eff59a2289e60918c4e111bfd611a892cd4c4296e58c851807",
	  "", "",
	  "d430ddc851403d711f9c0d23377b563507dcc03fa4fddc5c9bd6f4f95a3aed53"
	  "16ea5583",
	  "7334c2d4bc626613536ec51bcc7c25ae637f15ffc298e1ce219e55e9b9fe0a76"
	  "d9446491",
	  "4dbd72b83aeb4207a14b9bbd83d8b010b33efd944115145374fcd195ea082da4"
	  "23ead2f876fd2176540968afc93e2b62ab5a9433716304daa282db848f1d8569",
	  "3604f36e2ce8e3469ef7e3e0b034b1aa86064feb58aedb64ba363149396d34f0"
	  "6931da9a23b302b497ce5dfd42e976a832882efaee88799850c12e578d2bb43b" },
	{ "sha512/aes256cbc+sha512", XFORM_HASH_SHA512,
	  { XFORM_ENCR_AES_CBC, 256, XFORM_INTEG_HMAC_SHA2_512_256 },
	  "34a1a1ad5372f0af51f4a264977164ae837321c14f6e2d4358b81b208c6d26e4"
	  "1726bfa8350e33f8c8714ad7dcadefc573a3cd216255a70ef3d46f341fd1beb4",
	  "5c237aab9779d162a7f4e1ba6b7587689f514238243ea0d366738454eefdd53e"
	  "37528ed97976f1eff59a2289e60918c4e111bfd611a892cd4c4296e58c851807",
	  "d430ddc851403d711f9c0d23377b563507dcc03fa4fddc5c9bd6f4f95a3aed53"
	  "16ea55837334c2d4bc626613536ec51bcc7c25ae637f15ffc298e1ce219e55e9",
	  "b9fe0a76d94464914dbd72b83aeb4207a14b9bbd83d8b010b33efd9441151453"
	  "74fcd195ea082da423ead2f876fd2176540968afc93e2b62ab5a9433716304da",
	  "a282db848f1d85693604f36e2ce8e3469ef7e3e0b034b1aa86064feb58aedb64",
	  "ba363149396d34f06931da9a23b302b497ce5dfd42e976a832882efaee887998",
	  "50c12e578d2bb43baddc585b03d3798e5398eebd7e8467ef6c0284e5a86cccbf"
	  "51e19f6773863e12a245e82ed65e7b56ff6a445ebc72c0e9754db846200e3b49",
	  "30827df4176f92180857df539bf24e9cd66a6b7222087a810ec1a5f5fcd0fcad"
	  "644e924be0571c929d4d6105a4f5ceb71a689d0f5f0f02eb962a8c3816b9802a" },
};

static uint8_t ni[32], nr[32], gir[32], ni2[16], nr2[24], gir2[64];
static const uint8_t spi_i[8] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd,
	0xef };
static const uint8_t spi_r[8] = { 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32,
	0x10 };

/* Checks got[0..len) against hex and that len is the hex's length. */
static void
is_hex(const uint8_t *got, size_t len, const char *hex, const char *what,
    const char *name)
{
	uint8_t want[128];
	size_t n;

	n = tap_unhex(hex, want, sizeof(want));
	is_int(len, n, "%s: %s length", name, what);
	if (n == len)
		is_mem(got, want, n, "%s: %s", name, what);
	else
		ok(0, "%s: %s (length differs)", name, what);
}

static void
check_ike(const struct ike_case *c, uint8_t sk_d_sha256[32])
{
	const struct xform_mac *prf = xform_find_mac(c->hash);
	struct ike_keys k;
	uint8_t seed[64];
	size_t plen;

	if (!ok(prf != NULL, "%s: HMAC in the registry", c->name))
		return;
	plen = prf->out_len;
	is_int(ike_keys_skeyseed(prf, span_make(ni, 32), span_make(nr, 32),
	    span_make(gir, 32), seed), 0, "%s: SKEYSEED", c->name);
	is_hex(seed, plen, c->skeyseed, "SKEYSEED", c->name);
	is_int(ike_keys_derive(&k, prf, &c->suite, span_make(seed, plen),
	    span_make(ni, 32), span_make(nr, 32), spi_i, spi_r), 0,
	    "%s: derive", c->name);
	is_hex(k.sk_d, k.prf_len, c->d, "SK_d", c->name);
	is_hex(k.sk_ai, k.integ_len, c->ai, "SK_ai", c->name);
	is_hex(k.sk_ar, k.integ_len, c->ar, "SK_ar", c->name);
	is_hex(k.sk_ei, k.encr_len, c->ei, "SK_ei", c->name);
	is_hex(k.sk_er, k.encr_len, c->er, "SK_er", c->name);
	is_hex(k.sk_pi, k.prf_len, c->pi, "SK_pi", c->name);
	is_hex(k.sk_pr, k.prf_len, c->pr, "SK_pr", c->name);
	if (c->hash == XFORM_HASH_SHA256)
		memcpy(sk_d_sha256, k.sk_d, 32);
	ike_keys_cleanup(&k);
	ok(k.prf_len == 0 && k.encr_len == 0 && k.sk_d[0] == 0 &&
	    k.sk_pr[plen - 1] == 0, "%s: cleanup wipes", c->name);
}

static void
check_child(const uint8_t sk_d[32])
{
	const struct xform_mac *prf = xform_find_mac(XFORM_HASH_SHA256);
	struct ike_keys_suite gcm = { XFORM_ENCR_AES_GCM_16, 128, 0 };
	struct ike_keys_suite cbc = { XFORM_ENCR_AES_CBC, 128,
	    XFORM_INTEG_HMAC_SHA2_256_128 };
	struct ike_keys_child c;
	uint8_t seed[32];

	if (!ok(prf != NULL, "HMAC-SHA256 in the registry"))
		return;
	/* Rekeyed IKE SA (RFC 7296 2.18) from the sha256 case's SK_d. */
	is_int(ike_keys_skeyseed_rekey(prf, span_make(sk_d, 32),
	    span_make(gir2, 64), span_make(ni2, 16), span_make(nr2, 24), seed),
	    0, "rekey SKEYSEED");
	is_hex(seed, 32,
	    "cc1f5d2e9c97228edaf58e59631f3067239b8bdf95dc8f49ef52bd852dbb35b9",
	    "SKEYSEED", "rekey");

	/* CHILD SA without PFS, AES-GCM-16 128: 20-byte keys, no integ. */
	is_int(ike_keys_child_derive(&c, prf, span_make(sk_d, 32), &gcm,
	    span_make(NULL, 0), span_make(ni2, 16), span_make(nr2, 24)), 0,
	    "child without PFS");
	is_int(c.integ_len, 0, "child AEAD: no integrity keys");
	is_hex(c.encr_i, c.encr_len, "826b7f6ace790acc0a4f9f622a9e2dc4067e3063",
	    "encr_i", "child no PFS");
	is_hex(c.encr_r, c.encr_len, "3518b59e98d9bb133af80b354084a2c999e107e2",
	    "encr_r", "child no PFS");
	ike_keys_child_cleanup(&c);

	/* CHILD SA with PFS, AES-CBC-128 + HMAC-SHA2-256-128. */
	is_int(ike_keys_child_derive(&c, prf, span_make(sk_d, 32), &cbc,
	    span_make(gir2, 64), span_make(ni2, 16), span_make(nr2, 24)), 0,
	    "child with PFS");
	is_hex(c.encr_i, c.encr_len, "efc1b061fe81a1b0684e7f1c51222976",
	    "encr_i", "child PFS");
	is_hex(c.integ_i, c.integ_len,
	    "0140f956f645a57b15b6eb42b533ae14977156a7674d8b098d30be87ad8257a4",
	    "integ_i", "child PFS");
	is_hex(c.encr_r, c.encr_len, "5dd7a5f839981671abe8adcbeb5bff8c",
	    "encr_r", "child PFS");
	is_hex(c.integ_r, c.integ_len,
	    "424f8829e7f71fec9de9dbfa4c19a2c8381002b8024e28234f80a36a32436f7a",
	    "integ_r", "child PFS");
	ike_keys_child_cleanup(&c);
	ok(c.encr_len == 0 && c.integ_r[0] == 0, "child cleanup wipes");

	/* A bad suite leaves nothing behind. */
	cbc.integ_id = 0;
	memset(&c, 0xaa, sizeof(c));
	is_int(ike_keys_child_derive(&c, prf, span_make(sk_d, 32), &cbc,
	    span_make(NULL, 0), span_make(ni2, 16), span_make(nr2, 24)),
	    -E_INVAL, "child: CBC without integrity refused");
	ok(c.encr_len == 0 && c.encr_i[0] == 0, "failed derive wipes");
}

static void
check_prfplus(const uint8_t key[32])
{
	const struct xform_mac *prf = xform_find_mac(XFORM_HASH_SHA256);
	const struct xform_mac *p512 = xform_find_mac(XFORM_HASH_SHA512);
	struct span seed[2];
	uint8_t *out, small[5];
	size_t max;

	if (!ok(prf != NULL && p512 != NULL, "HMAC-SHA256/512 available"))
		return;
	/* RFC 7296 2.13: 255 blocks is the most prf+ can produce. The
	 * first and last blocks come from the Python script (key = the
	 * sha256 SK_d, seed = Ni | Nr). */
	max = 255 * 32;
	out = calloc(1, max + 64);
	seed[0] = span_make(ni, 32);
	seed[1] = span_make(nr, 32);
	is_int(ike_keys_prfplus(prf, span_make(key, 32), seed, 2, out, max), 0,
	    "prf+ of exactly 255 blocks");
	is_hex(out, 32,
	    "d3998269cebc0c7311f2154cf96247a11b3be163429256116e8928bef2ff9ae1",
	    "T1", "prf+ 255");
	is_hex(out + max - 32, 32,
	    "6a2912416a931ae5ff9147980437d187be980380d2ab643b5a9f2538e662cab8",
	    "T255", "prf+ 255");
	/* A partial last block is the prefix of the full one. */
	is_int(ike_keys_prfplus(prf, span_make(key, 32), seed, 2, small, 5), 0,
	    "prf+ of 5 bytes");
	is_mem(small, out, 5, "prf+ short output is a prefix");
	memset(out, 0x55, max + 1);
	is_int(ike_keys_prfplus(prf, span_make(key, 32), seed, 2, out, max + 1),
	    -E_RANGE, "prf+ of 256 blocks refused");
	ok(out[0] == 0x55, "refused prf+ writes nothing");
	is_int(ike_keys_prfplus(p512, span_make(key, 32), seed, 2, out,
	    255 * 64 + 1), -E_RANGE, "prf+ sha512 of 256 blocks refused");
	is_int(ike_keys_prfplus(prf, span_make(key, 32), seed, 7, out, 32),
	    -E_INVAL, "too many seed spans refused");
	free(out);
}

static void
check_suites(void)
{
	struct ike_keys_suite s;
	size_t e = 99, i = 99;

	s = (struct ike_keys_suite){ XFORM_ENCR_CHACHA20_POLY1305, 0, 0 };
	is_int(ike_keys_suite_lens(&s, &e, &i), 0, "chacha20poly1305");
	ok(e == 36 && i == 0, "chacha20poly1305: 32-byte key + 4-byte salt");
	s = (struct ike_keys_suite){ XFORM_ENCR_AES_GCM_16, 128, 0 };
	is_int(ike_keys_suite_lens(&s, &e, &i), 0, "aes128gcm16");
	ok(e == 20 && i == 0, "aes128gcm16: 16-byte key + 4-byte salt");
	s = (struct ike_keys_suite){ XFORM_ENCR_AES_CBC, 256,
	    XFORM_INTEG_HMAC_SHA1_96 };
	is_int(ike_keys_suite_lens(&s, &e, &i), 0, "aes256cbc+sha1");
	ok(e == 32 && i == 20, "aes256cbc+sha1_96: 32 / 20");
	s = (struct ike_keys_suite){ XFORM_ENCR_AES_GCM_16, 256,
	    XFORM_INTEG_HMAC_SHA2_256_128 };
	is_int(ike_keys_suite_lens(&s, &e, &i), -E_INVAL,
	    "AEAD with integrity refused");
	s = (struct ike_keys_suite){ XFORM_ENCR_AES_CBC, 128, 0 };
	is_int(ike_keys_suite_lens(&s, &e, &i), -E_INVAL,
	    "CBC without integrity refused");
	s = (struct ike_keys_suite){ XFORM_ENCR_AES_CBC, 100,
	    XFORM_INTEG_HMAC_SHA2_256_128 };
	is_int(ike_keys_suite_lens(&s, &e, &i), -E_NOTSUP, "bad key size");
	s = (struct ike_keys_suite){ XFORM_ENCR_CHACHA20_POLY1305, 128, 0 };
	is_int(ike_keys_suite_lens(&s, &e, &i), -E_NOTSUP,
	    "chacha20 with 128 bits refused");
	s = (struct ike_keys_suite){ 3, 128, XFORM_INTEG_HMAC_SHA2_256_128 };
	is_int(ike_keys_suite_lens(&s, &e, &i), -E_NOTSUP, "3DES unknown");
	s = (struct ike_keys_suite){ XFORM_ENCR_AES_CBC, 128, 1 };
	is_int(ike_keys_suite_lens(&s, &e, &i), -E_NOTSUP,
	    "HMAC-MD5-96 unknown");
}

int
main(void)
{
	uint8_t sk_d[32], big[IKE_KEYS_NONCE_MAX + 1], seed[64];
	const struct xform_mac *prf;
	size_t i;

	memset(sk_d, 0, sizeof(sk_d));
	tap_unhex(NI, ni, sizeof(ni));
	tap_unhex(NR, nr, sizeof(nr));
	tap_unhex(GIR, gir, sizeof(gir));
	tap_unhex(NI2, ni2, sizeof(ni2));
	tap_unhex(NR2, nr2, sizeof(nr2));
	tap_unhex(GIR2, gir2, sizeof(gir2));

	is_int(xform_init("auto"), 0, "xform_init");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_ike(&cases[i], sk_d);
	check_child(sk_d);
	check_prfplus(sk_d);
	check_suites();

	/* Nonces longer than RFC 7296 3.9 allows are refused. */
	if ((prf = xform_find_mac(XFORM_HASH_SHA256)) != NULL) {
		memset(big, 1, sizeof(big));
		is_int(ike_keys_skeyseed(prf, span_make(big, sizeof(big)),
		    span_make(nr, 32), span_make(gir, 32), seed), -E_RANGE,
		    "oversized Ni refused");
		is_int(ike_keys_skeyseed_rekey(prf, span_make(sk_d, 32),
		    span_make(gir, 32), span_make(ni, 32),
		    span_make(big, sizeof(big)), seed), -E_RANGE,
		    "rekey: oversized Nr refused");
	} else
		ok(0, "HMAC-SHA256 in the registry");
	xform_cleanup();
	return done_testing();
}
