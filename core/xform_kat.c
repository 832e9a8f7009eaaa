/*
 * xform_kat.c: known-answer self-tests that xform_init runs on every
 * backend entry before first use (strongSwan's crypto_tester, WireGuard's
 * selftests).
 *
 * Each test picks one published vector from what the entry says it is
 * (ike_id and key_bits, hash, group), never from which backend it comes
 * from, so the same checks hold any backend to the same answers. MODP has
 * no published fixed-key vector; two fresh key pairs must agree instead.
 * The t/100x tests run these vectors and more. Nothing here logs: the
 * registry logs what is withdrawn.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/ct.h"
#include "core/xform.h"

#define KAT_MAX		160	/* largest decoded vector */

/* Decodes trusted hex (no separators) into out; returns the byte count, or
 * (size_t)-1 when it is malformed or longer than max. */
static size_t
unhex(const char *hex, uint8_t *out, size_t max)
{
	size_t n = 0;
	int hi = -1, v;

	for (; *hex != '\0'; hex++) {
		if (*hex >= '0' && *hex <= '9')
			v = *hex - '0';
		else if (*hex >= 'a' && *hex <= 'f')
			v = *hex - 'a' + 10;
		else
			return (size_t)-1;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n >= max)
			return (size_t)-1;
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	return hi < 0 ? n : (size_t)-1;
}

/* A zeroed ctx of size bytes with the alignment backends may rely on. */
static void *
ctx_new(size_t size)
{
	size_t n = (size + XFORM_CTX_ALIGN - 1) / XFORM_CTX_ALIGN *
	    XFORM_CTX_ALIGN;
	void *p;

	if (n == 0)
		n = XFORM_CTX_ALIGN;
	if ((p = aligned_alloc(XFORM_CTX_ALIGN, n)) != NULL)
		memset(p, 0, n);
	return p;
}

static void
ctx_free(void *p, size_t size)
{
	if (p == NULL)
		return;
	ct_wipe(p, size);
	free(p);
}

/*
 * AEAD vectors. The 12-byte IV of each is the AEAD nonce as the contract
 * takes it (salt || explicit IV, RFC 4106 4 and RFC 7634 2). For the
 * truncated GCM ICVs the expected tag is the leftmost icv_len bytes of the
 * full one (NIST SP 800-38D 5.2.1.2).
 */
struct aead_kat {
	int		 chacha;
	uint16_t	 key_bits;
	const char	*key, *nonce, *aad, *pt, *ct, *tag;
};

static const struct aead_kat aead_kats[] = {
	/* McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)",
	 * Appendix B, Test Case 4 (AES-128, 60-byte plaintext, AAD). */
	{ 0, 128, "feffe9928665731c6d6a8f9467308308",
	    "cafebabefacedbaddecaf888",
	    "feedfacedeadbeeffeedfacedeadbeefabaddad2",
	    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
	    "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
	    "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
	    "5bc94fbc3221a5db94fae95ae7121a47" },
	/* Same document, Test Case 16 (AES-256). */
	{ 0, 256, "feffe9928665731c6d6a8f9467308308"
	    "feffe9928665731c6d6a8f9467308308",
	    "cafebabefacedbaddecaf888",
	    "feedfacedeadbeeffeedfacedeadbeefabaddad2",
	    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
	    "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
	    "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
	    "76fc6ece0f4e1768cddf8853bb2d551b" },
	/* RFC 8439 2.8.2 (ChaCha20-Poly1305, "Ladies and Gentlemen..."). */
	{ 1, 256, "808182838485868788898a8b8c8d8e8f"
	    "909192939495969798999a9b9c9d9e9f",
	    "070000004041424344454647",
	    "50515253c0c1c2c3c4c5c6c7",
	    "4c616469657320616e642047656e746c656d656e206f662074686520636c6173"
	    "73206f66202739393a204966204920636f756c64206f6666657220796f75206f"
	    "6e6c79206f6e652074697020666f7220746865206675747572652c2073756e73"
	    "637265656e20776f756c642062652069742e",
	    "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
	    "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
	    "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
	    "3ff4def08e4b7a9de576d26586cec64b6116",
	    "1ae10b594f09e26a7e902ecbd0600691" },
};

int
xform_kat_aead(const struct xform_aead *a)
{
	const struct aead_kat *v = NULL;
	uint8_t key[32], nonce[XFORM_AEAD_NONCE_LEN], aad[32], pt[KAT_MAX];
	uint8_t ct[KAT_MAX], tag[16], buf[KAT_MAX + 16];
	size_t i, keylen, aadlen, ptlen, icv = 0;
	void *ctx = NULL;
	int r = -E_CRYPTO;

	switch (a->ike_id) {
	case XFORM_ENCR_AES_GCM_8:
		icv = 8;
		break;
	case XFORM_ENCR_AES_GCM_12:
		icv = 12;
		break;
	case XFORM_ENCR_AES_GCM_16:
	case XFORM_ENCR_CHACHA20_POLY1305:
		icv = 16;
		break;
	}
	for (i = 0; i < sizeof(aead_kats) / sizeof(aead_kats[0]); i++)
		if (aead_kats[i].key_bits == a->key_bits &&
		    aead_kats[i].chacha ==
		    (a->ike_id == XFORM_ENCR_CHACHA20_POLY1305))
			v = &aead_kats[i];
	if (v == NULL || icv == 0 || a->icv_len != icv)
		return -E_CRYPTO;
	keylen = unhex(v->key, key, sizeof(key));
	aadlen = unhex(v->aad, aad, sizeof(aad));
	ptlen = unhex(v->pt, pt, sizeof(pt));
	if (keylen != a->key_bits / 8u ||
	    unhex(v->nonce, nonce, sizeof(nonce)) != sizeof(nonce) ||
	    aadlen == (size_t)-1 || ptlen == (size_t)-1 ||
	    unhex(v->ct, ct, sizeof(ct)) != ptlen ||
	    unhex(v->tag, tag, sizeof(tag)) != sizeof(tag))
		return -E_INTERNAL;
	if ((ctx = ctx_new(a->ctx_size)) == NULL)
		return -E_NOMEM;
	if (a->init(ctx, key, keylen) != 0)
		goto out;
	/* Seal: ciphertext and tag as published. */
	memcpy(buf, pt, ptlen);
	if (a->seal(ctx, nonce, span_make(aad, aadlen), buf, ptlen) != 0 ||
	    memcmp(buf, ct, ptlen) != 0 || memcmp(buf + ptlen, tag, icv) != 0)
		goto out;
	/* Open: the plaintext comes back. */
	if (a->open(ctx, nonce, span_make(aad, aadlen), buf, ptlen) != 0 ||
	    memcmp(buf, pt, ptlen) != 0)
		goto out;
	/* A tag with one bit flipped is refused. */
	memcpy(buf, ct, ptlen);
	memcpy(buf + ptlen, tag, icv);
	buf[ptlen + icv - 1] ^= 0x01;
	if (a->open(ctx, nonce, span_make(aad, aadlen), buf, ptlen) !=
	    -E_AUTH)
		goto out;
	r = 0;
 out:
	a->cleanup(ctx);
	ctx_free(ctx, a->ctx_size);
	ct_wipe(key, sizeof(key));
	ct_wipe(buf, sizeof(buf));
	return r;
}

struct cipher_kat {
	uint16_t	 key_bits;
	const char	*key, *iv, *pt, *ct;
};

static const struct cipher_kat cipher_kats[] = {
	/* RFC 3602 4, Case #2: AES-128-CBC, 32 bytes. */
	{ 128, "c286696d887c9aa0611bbb3e2025a45a",
	    "562e17996d093d28ddb3ba695a2e6f58",
	    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
	    "d296cd94c2cccf8a3a863028b5e1dc0a"
	    "7586602d253cfff91b8266bea6d61ab1" },
	/* NIST SP 800-38A F.2.5, CBC-AES256.Encrypt (F.2.6 inverts it). */
	{ 256, "603deb1015ca71be2b73aef0857d7781"
	    "1f352c073b6108d72d9810a30914dff4",
	    "000102030405060708090a0b0c0d0e0f",
	    "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
	    "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710",
	    "f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d"
	    "39f23369a9d9bacfa530e26304231461"
	    "b2eb05e2c39be9fcda6c19078c6a9d1b" },
};

int
xform_kat_cipher(const struct xform_cipher *c)
{
	const struct cipher_kat *v = NULL;
	uint8_t key[32], iv[16], pt[64], ct[64], buf[64];
	size_t i, keylen, len;
	void *ctx = NULL;
	int r = -E_CRYPTO;

	for (i = 0; i < sizeof(cipher_kats) / sizeof(cipher_kats[0]); i++)
		if (cipher_kats[i].key_bits == c->key_bits)
			v = &cipher_kats[i];
	if (v == NULL || c->ike_id != XFORM_ENCR_AES_CBC || c->block_len != 16)
		return -E_CRYPTO;
	keylen = unhex(v->key, key, sizeof(key));
	len = unhex(v->pt, pt, sizeof(pt));
	if (keylen != c->key_bits / 8u ||
	    unhex(v->iv, iv, sizeof(iv)) != sizeof(iv) ||
	    len == (size_t)-1 || unhex(v->ct, ct, sizeof(ct)) != len)
		return -E_INTERNAL;
	if ((ctx = ctx_new(c->ctx_size)) == NULL)
		return -E_NOMEM;
	if (c->init(ctx, key, keylen) != 0)
		goto out;
	memcpy(buf, pt, len);
	if (c->encrypt(ctx, iv, buf, len) != 0 || memcmp(buf, ct, len) != 0)
		goto out;
	if (c->decrypt(ctx, iv, buf, len) != 0 || memcmp(buf, pt, len) != 0)
		goto out;
	r = 0;
 out:
	c->cleanup(ctx);
	ctx_free(ctx, c->ctx_size);
	ct_wipe(key, sizeof(key));
	return r;
}

/*
 * HMAC: a short key (RFC 2202 / RFC 4231 test case 2, "Jefe") and a key
 * longer than the hash block, which must be hashed first (test case 6:
 * 80 bytes of 0xaa for SHA-1, 131 for SHA-2).
 */
struct mac_kat {
	enum xform_hash	 hash;
	size_t		 long_key;
	const char	*short_mac, *long_mac;
};

static const struct mac_kat mac_kats[] = {
	/* RFC 2202 3, test cases 2 and 6. */
	{ XFORM_HASH_SHA1, 80, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79",
	    "aa4ae5e15272d00e95705637ce8a3b55ed402112" },
	/* RFC 4231 4.3 and 4.7. */
	{ XFORM_HASH_SHA256, 131,
	    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
	    "60e431591ee0b67f0d8a26aacbf5b77f"
	    "8e0bc6213728c5140546040f0ee37f54" },
	{ XFORM_HASH_SHA384, 131,
	    "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47"
	    "e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649",
	    "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f"
	    "3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952" },
	{ XFORM_HASH_SHA512, 131,
	    "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
	    "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
	    "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
	    "6b56d037e05f2598bd0fd2215d6a1e52"
	    "95e64f73f63f0aec8b915a985d786598" },
};

int
xform_kat_mac(const struct xform_mac *m)
{
	static const char jefe_msg[] = "what do ya want for nothing?";
	static const char long_msg[] =
	    "Test Using Larger Than Block-Size Key - Hash Key First";
	const struct mac_kat *v = NULL;
	uint8_t key[131], want[XFORM_MAX_HASH_LEN], got[XFORM_MAX_HASH_LEN];
	struct span iov[3];
	size_t i, n;
	void *ctx = NULL;
	int r = -E_CRYPTO;

	for (i = 0; i < sizeof(mac_kats) / sizeof(mac_kats[0]); i++)
		if (mac_kats[i].hash == m->hash)
			v = &mac_kats[i];
	n = xform_hash_len(m->hash);
	if (v == NULL || m->out_len != n)
		return -E_CRYPTO;
	if ((ctx = ctx_new(m->ctx_size)) == NULL)
		return -E_NOMEM;
	/* Short key, message split over a gather list with an empty
	 * element; a second call must give the same answer. */
	if (unhex(v->short_mac, want, sizeof(want)) != n ||
	    m->init(ctx, (const uint8_t *)"Jefe", 4) != 0)
		goto out;
	iov[0] = span_make(jefe_msg, 10);
	iov[1] = span_make(NULL, 0);
	iov[2] = span_make(jefe_msg + 10, sizeof(jefe_msg) - 1 - 10);
	if (m->mac(ctx, iov, 3, got) != 0 || memcmp(got, want, n) != 0)
		goto out;
	memset(got, 0, sizeof(got));
	iov[0] = span_make(jefe_msg, sizeof(jefe_msg) - 1);
	if (m->mac(ctx, iov, 1, got) != 0 || memcmp(got, want, n) != 0)
		goto out;
	m->cleanup(ctx);
	/* Long key, on the same ctx after cleanup. */
	memset(key, 0xaa, v->long_key);
	iov[0] = span_make(long_msg, sizeof(long_msg) - 1);
	if (unhex(v->long_mac, want, sizeof(want)) != n ||
	    m->init(ctx, key, v->long_key) != 0 ||
	    m->mac(ctx, iov, 1, got) != 0 || memcmp(got, want, n) != 0)
		goto out;
	r = 0;
 out:
	m->cleanup(ctx);
	ctx_free(ctx, m->ctx_size);
	return r;
}

/* FIPS 180-2 Appendices A.1, B.1, C.1 and D.1: the one-block "abc". */
static const char *const md_abc[XFORM_HASH__MAX] = {
	[XFORM_HASH_SHA1] = "a9993e364706816aba3e25717850c26c9cd0d89d",
	[XFORM_HASH_SHA256] =
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	[XFORM_HASH_SHA384] =
	    "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded163"
	    "1a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",
	[XFORM_HASH_SHA512] =
	    "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
	    "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
};

int
xform_kat_md(const struct xform_md *m)
{
	uint8_t want[XFORM_MAX_HASH_LEN], got[XFORM_MAX_HASH_LEN];
	struct span iov[3];
	size_t n;

	n = xform_hash_len(m->hash);
	if (n == 0 || m->out_len != n ||
	    unhex(md_abc[m->hash], want, sizeof(want)) != n)
		return -E_CRYPTO;
	iov[0] = span_make("a", 1);
	iov[1] = span_make(NULL, 0);
	iov[2] = span_make("bc", 2);
	if (m->digest(iov, 3, got) != 0 || memcmp(got, want, n) != 0)
		return -E_CRYPTO;
	return 0;
}

/*
 * ECP and Curve25519: the initiator's fixed private key must give the
 * published public value, and with the responder's public value the
 * published shared secret.
 */
struct dh_kat {
	uint16_t	 group;
	const char	*priv, *pub, *peer, *shared;
};

static const struct dh_kat dh_kats[] = {
	/* RFC 5903 8.1: 256-bit random ECP group (i, gi, gr, girx). */
	{ XFORM_DH_ECP256,
	    "c88f01f510d9ac3f70a292daa2316de544e9aab8afe84049c62a9c57862d1433",
	    "dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c3772581180"
	    "5271a0461cdb8252d61f1c456fa3e59ab1f45b33accf5f58389e0577b8990bb3",
	    "d12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf63"
	    "56fbf3ca366cc23e8157854c13c58d6aac23f046ada30f8353e74f33039872ab",
	    "d6840f6b42f6edafd13116e0e1256520"
	    "2fef8e9ece7dce03812464d04b9442de" },
	/* RFC 5903 8.2: 384-bit random ECP group. */
	{ XFORM_DH_ECP384,
	    "099f3c7034d4a2c699884d73a375a67f7624ef7c6b3c0f16"
	    "0647b67414dce655e35b538041e649ee3faef896783ab194",
	    "667842d7d180ac2cde6f74f37551f55755c7645c20ef73e3"
	    "1634fe72b4c55ee6de3ac808acb4bdb4c88732aee95f41aa"
	    "9482ed1fc0eeb9cafc4984625ccfc23f65032149e0e144ad"
	    "a024181535a0f38eeb9fcff3c2c947dae69b4c634573a81c",
	    "e558dbef53eecde3d3fccfc1aea08a89a987475d12fd950d"
	    "83cfa41732bc509d0d1ac43a0336def96fda41d0774a3571"
	    "dcfbec7aacf3196472169e838430367f66eebe3c6e70c416"
	    "dd5f0c68759dd1fff83fa40142209dff5eaad96db9e6386c",
	    "11187331c279962d93d604243fd592cb9d0a926f422e4718"
	    "7521287e7156c5c4d603135569b9e9d09cf5d4a270f59746" },
	/* RFC 5903 8.3: 521-bit random ECP group. */
	{ XFORM_DH_ECP521,
	    "0037ade9319a89f4dabdb3ef411aaccca5123c61acab57b5393dce47608172a0"
	    "95aa85a30fe1c2952c6771d937ba9777f5957b2639bab072462f68c27a57382d"
	    "4a52",
	    "0015417e84dbf28c0ad3c278713349dc7df153c897a1891bd98bab4357c9ecbe"
	    "e1e3bf42e00b8e380aeae57c2d107564941885942af5a7f4601723c4195d176c"
	    "ed3e"
	    "017cae20b6641d2eeb695786d8c946146239d099e18e1d5a514c739d7cb4a10a"
	    "d8a788015ac405d7799dc75e7b7d5b6cf2261a6a7f1507438bf01beb6ca3926f"
	    "9582",
	    "00d0b3975ac4b799f5bea16d5e13e9af971d5e9b984c9f39728b5e5739735a21"
	    "9b97c356436adc6e95bb0352f6be64a6c2912d4ef2d0433ced2b6171640012d9"
	    "460f"
	    "015c68226383956e3bd066e797b623c27ce0eac2f551a10c2c724d9852077b87"
	    "220b6536c5c408a1d2aebb8e86d678ae49cb57091f4732296579ab44fcd17f0f"
	    "c56a",
	    "01144c7d79ae6956bc8edb8e7c787c4521cb086fa64407f97894e5e6b2d79b04"
	    "d1427e73ca4baa240a34786859810c06b3c715a3a8cc3151f2bee417996d19f3"
	    "ddea" },
	/* RFC 7748 6.1: Alice's key, Bob's public value, K. */
	{ XFORM_DH_CURVE25519,
	    "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
	    "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
	    "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
	    "4a5d9d5ba4ce2de1728e3bf480350f25"
	    "e07e21c947d19e3376f09b3c1e161742" },
};

/* MODP: two fresh key pairs must derive the same, non-trivial secret. */
static int
kat_dh_agree(const struct xform_dh *d)
{
	uint8_t pa[XFORM_MAX_DH_PUB_LEN], pb[XFORM_MAX_DH_PUB_LEN];
	uint8_t sa[XFORM_MAX_DH_PUB_LEN], sb[XFORM_MAX_DH_PUB_LEN];
	void *a = NULL, *b = NULL;
	size_t i;
	uint8_t acc = 0;
	int r = -E_CRYPTO;

	if (d->keygen(&a, NULL, 0, pa) != 0 ||
	    d->keygen(&b, NULL, 0, pb) != 0 ||
	    memcmp(pa, pb, d->pub_len) == 0 ||
	    d->derive(a, span_make(pb, d->pub_len), sa) != 0 ||
	    d->derive(b, span_make(pa, d->pub_len), sb) != 0 ||
	    !ct_memeq(sa, sb, d->shared_len))
		goto out;
	for (i = 0; i < d->shared_len; i++)
		acc |= sa[i];
	if (acc == 0)
		goto out;
	r = 0;
 out:
	if (a != NULL)
		d->free(a);
	if (b != NULL)
		d->free(b);
	ct_wipe(sa, sizeof(sa));
	ct_wipe(sb, sizeof(sb));
	return r;
}

int
xform_kat_dh(const struct xform_dh *d)
{
	const struct dh_kat *v = NULL;
	uint8_t priv[66], pub[XFORM_MAX_DH_PUB_LEN], want[XFORM_MAX_DH_PUB_LEN];
	uint8_t peer[XFORM_MAX_DH_PUB_LEN], shared[XFORM_MAX_DH_PUB_LEN];
	size_t i, privlen;
	void *st = NULL;
	int r = -E_CRYPTO;

	/* RFC 3526 3, RFC 5903 7, RFC 7748 6.1: the value sizes. */
	static const struct {
		uint16_t group, pub_len, shared_len;
	} sizes[] = {
		{ XFORM_DH_MODP2048, 256, 256 },
		{ XFORM_DH_ECP256, 64, 32 },
		{ XFORM_DH_ECP384, 96, 48 },
		{ XFORM_DH_ECP521, 132, 66 },
		{ XFORM_DH_CURVE25519, 32, 32 },
	};

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		if (sizes[i].group == d->group)
			break;
	if (i == sizeof(sizes) / sizeof(sizes[0]) ||
	    d->pub_len != sizes[i].pub_len ||
	    d->shared_len != sizes[i].shared_len)
		return -E_CRYPTO;
	if (d->group == XFORM_DH_MODP2048)
		return kat_dh_agree(d);
	for (i = 0; i < sizeof(dh_kats) / sizeof(dh_kats[0]); i++)
		if (dh_kats[i].group == d->group)
			v = &dh_kats[i];
	if (v == NULL)
		return -E_CRYPTO;
	privlen = unhex(v->priv, priv, sizeof(priv));
	if (privlen == (size_t)-1 ||
	    unhex(v->pub, want, sizeof(want)) != d->pub_len ||
	    unhex(v->peer, peer, sizeof(peer)) != d->pub_len)
		return -E_INTERNAL;
	if (d->keygen(&st, priv, privlen, pub) != 0 ||
	    memcmp(pub, want, d->pub_len) != 0)
		goto out;
	if (unhex(v->shared, want, sizeof(want)) != d->shared_len ||
	    d->derive(st, span_make(peer, d->pub_len), shared) != 0 ||
	    memcmp(shared, want, d->shared_len) != 0)
		goto out;
	r = 0;
 out:
	if (st != NULL)
		d->free(st);
	ct_wipe(priv, sizeof(priv));
	ct_wipe(shared, sizeof(shared));
	return r;
}
