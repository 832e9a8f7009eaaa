/*
 * 4002-esp: ESP encapsulation and decapsulation (core/esp.c).
 *
 *  - round trips of every algorithm (AES-GCM-16 128/256, ChaCha20-Poly1305,
 *    AES-CBC 128/256 with HMAC-SHA1-96 and each HMAC-SHA2) with and without
 *    ESN (the ESN runs cross 2^32), every inner size 20..1500 (IPv4) and
 *    40..1500 (IPv6), sealed by each backend that has the algorithm and
 *    opened by each;
 *  - whole-packet known answers: RFC 7634 Appendix A (byte-exact both
 *    ways), four draft-mcgrew-gcm-test-01 packets (opened), and four
 *    packets derived with an independent OpenSSL program (see kats[]);
 *  - malformed packets, each dropped and counted under its reason; a
 *    truncation sweep; a failed ICV leaves no plaintext in the buffer;
 *  - sequence number exhaustion without and with ESN, lifetime hooks,
 *    headroom/tailroom, parameter checks;
 *  - the SA tables: churn against a reference, outbound lookup by inner
 *    destination, rekey replacement, batches, the spoofing check;
 *  - no OpenSSL allocation on the packet path.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/err.h"
#include "core/esp.h"
#include "core/ike_keys.h"
#include "core/xform.h"
#include "t/ossl_alloc.h"
#include "t/tap.h"

#define GCM	XFORM_ENCR_AES_GCM_16
#define CHACHA	XFORM_ENCR_CHACHA20_POLY1305
#define CBC	XFORM_ENCR_AES_CBC
#define HEAD	64		/* headroom left before inner packets */
#define BUFSZ	2048
#define MAX_IMPL 16

struct alg {
	const char	*name;
	uint16_t	 encr, bits, integ;
};

static const struct alg algs[] = {
	{ "aes128gcm16", GCM, 128, 0 },
	{ "aes256gcm16", GCM, 256, 0 },
	{ "chacha20poly1305", CHACHA, 256, 0 },
	{ "aes128cbc+sha1_96", CBC, 128, XFORM_INTEG_HMAC_SHA1_96 },
	{ "aes128cbc+sha256_128", CBC, 128, XFORM_INTEG_HMAC_SHA2_256_128 },
	{ "aes128cbc+sha384_192", CBC, 128, XFORM_INTEG_HMAC_SHA2_384_192 },
	{ "aes128cbc+sha512_256", CBC, 128, XFORM_INTEG_HMAC_SHA2_512_256 },
	{ "aes256cbc+sha256_128", CBC, 256, XFORM_INTEG_HMAC_SHA2_256_128 },
	{ "aes256cbc+sha384_192", CBC, 256, XFORM_INTEG_HMAC_SHA2_384_192 },
	{ "aes256cbc+sha512_256", CBC, 256, XFORM_INTEG_HMAC_SHA2_512_256 },
};
#define NALGS	(sizeof(algs) / sizeof(algs[0]))
#define ALG_GCM128	(&algs[0])
#define ALG_CHACHA	(&algs[2])
#define ALG_CBC128	(&algs[4])

/* One backend's implementation of an algorithm. */
struct impl {
	const struct xform_aead		*aead;
	const struct xform_cipher	*cipher;
	const struct xform_mac		*mac;
	char				 name[48];
};

static uint8_t k_enc[36], k_int[64];

static int
is_aead(const struct alg *a)
{
	return a->integ == 0;
}

static size_t
integ_keylen(uint16_t integ)
{
	enum xform_hash h;
	size_t icv, klen;

	if (integ == 0 || xform_integ_info(integ, &h, &icv, &klen) != 0)
		return 0;
	return klen;
}

/* Every usable backend entry (pair, for CBC) implementing a. */
static size_t
impls(const struct alg *a, struct impl *out, size_t max)
{
	const struct xform_backend *const *be, *const *be2;
	const struct xform_aead *const *ae;
	const struct xform_cipher *const *ci;
	const struct xform_mac *const *ma;
	enum xform_hash h;
	size_t n = 0, icv, klen;

	for (be = xform_backends(); *be != NULL; be++) {
		if (is_aead(a)) {
			for (ae = (*be)->aead; ae && *ae; ae++)
				if ((*ae)->ike_id == a->encr &&
				    (*ae)->key_bits == a->bits &&
				    xform_aead_usable(*ae) && n < max) {
					memset(&out[n], 0, sizeof(out[n]));
					out[n].aead = *ae;
					snprintf(out[n].name,
					    sizeof(out[n].name), "%s",
					    (*ae)->backend);
					n++;
				}
			continue;
		}
		if (xform_integ_info(a->integ, &h, &icv, &klen) != 0)
			continue;
		for (ci = (*be)->cipher; ci && *ci; ci++) {
			if ((*ci)->ike_id != a->encr ||
			    (*ci)->key_bits != a->bits ||
			    !xform_cipher_usable(*ci))
				continue;
			for (be2 = xform_backends(); *be2 != NULL; be2++)
				for (ma = (*be2)->mac; ma && *ma; ma++)
					if ((*ma)->hash == h &&
					    xform_mac_usable(*ma) && n < max) {
						memset(&out[n], 0,
						    sizeof(out[n]));
						out[n].cipher = *ci;
						out[n].mac = *ma;
						snprintf(out[n].name,
						    sizeof(out[n].name),
						    "%s+%s", (*ci)->backend,
						    (*ma)->backend);
						n++;
					}
		}
	}
	return n;
}

/* The first (preferred-order-independent) implementation of a. */
static int
first_impl(const struct alg *a, struct impl *im)
{
	struct impl all[MAX_IMPL];

	if (impls(a, all, MAX_IMPL) == 0)
		return -1;
	*im = all[0];
	return 0;
}

/* Fills p for alg a and implementation im with the test keys. */
static void
params(struct esp_sa_params *p, const struct alg *a, const struct impl *im,
    enum esp_dir dir, int esn, uint32_t spi, uint64_t seq)
{
	memset(p, 0, sizeof(*p));
	p->spi = spi;
	p->dir = dir;
	p->esn = esn;
	p->encr_id = a->encr;
	p->encr_bits = a->bits;
	p->integ_id = a->integ;
	if (im != NULL) {
		p->aead = im->aead;
		p->cipher = im->cipher;
		p->mac = im->mac;
	}
	p->encr_key = k_enc;
	p->encr_len = a->bits / 8 + (is_aead(a) ? 4 : 0);
	p->integ_key = k_int;
	p->integ_len = integ_keylen(a->integ);
	p->seq = seq;
}

static struct esp_sa *
mk(const struct alg *a, const struct impl *im, enum esp_dir dir, int esn,
    uint32_t spi, uint64_t seq)
{
	struct esp_sa_params p;
	struct esp_sa *sa = NULL;
	int r;

	params(&p, a, im, dir, esn, spi, seq);
	if ((r = esp_sa_new(&p, &sa)) != 0)
		diag("esp_sa_new %s: %s", a->name, err_name(r));
	return sa;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static size_t
get16(const uint8_t *p)
{
	return (size_t)p[0] << 8 | p[1];
}

/* An IPv4 packet of n >= 20 bytes from 10.0.0.s to 10.0.1.d. */
static void
mk_v4(uint8_t *p, size_t n, uint8_t s, uint8_t d, unsigned seed)
{
	size_t i;

	memset(p, 0, 20);
	p[0] = 0x45;
	put16(p + 2, (uint16_t)n);
	p[8] = 64;
	p[9] = 17;
	p[12] = 10, p[13] = 0, p[14] = 0, p[15] = s;
	p[16] = 10, p[17] = 0, p[18] = 1, p[19] = d;
	for (i = 20; i < n; i++)
		p[i] = (uint8_t)(i * 31 + seed);
}

/* An IPv6 packet of n >= 40 bytes from fd00::s to fd00::1:d. */
static void
mk_v6(uint8_t *p, size_t n, uint8_t s, uint8_t d, unsigned seed)
{
	size_t i;

	memset(p, 0, 40);
	p[0] = 0x60;
	put16(p + 4, (uint16_t)(n - 40));
	p[6] = 17;
	p[7] = 64;
	p[8] = 0xfd, p[23] = s;
	p[24] = 0xfd, p[37] = 1, p[39] = d;
	for (i = 40; i < n; i++)
		p[i] = (uint8_t)(i * 17 + seed);
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
pkt_init(struct esp_pkt *p, uint8_t *buf, size_t cap, size_t off,
    size_t len)
{
	memset(p, 0, sizeof(*p));
	p->buf = buf;
	p->cap = cap;
	p->off = off;
	p->len = len;
}

/*
 * Seals every inner size with so, opens with si; esn runs start the
 * counter 700 below 2^32 so that the low half wraps mid-run.
 */
static void
roundtrip(const struct alg *a, const struct impl *so, const struct impl *si,
    int esn, int v6, unsigned step)
{
	static uint8_t buf[BUFSZ], ref[BUFSZ];
	struct esp_sa *out, *in;
	struct esp_sa_stats st;
	struct esp_pkt p;
	uint64_t seq0 = esn ? 0xffffffffULL - 700 : 0, bytes = 0;
	size_t len, h, t, n = 0;
	unsigned bad = 0;
	int r;

	out = mk(a, so, ESP_OUT, esn, 0x11223344, seq0);
	in = mk(a, si, ESP_IN, esn, 0x11223344, seq0);
	if (out == NULL || in == NULL) {
		ok(0, "%s: SAs", a->name);
		goto done;
	}
	for (len = v6 ? 40 : 20; len <= 1500; len += step) {
		if (v6)
			mk_v6(ref, len, 2, 1, (unsigned)len);
		else
			mk_v4(ref, len, 2, 1, (unsigned)len);
		memset(buf, 0xee, sizeof(buf));
		memcpy(buf + HEAD, ref, len);
		pkt_init(&p, buf, sizeof(buf), HEAD, len);
		esp_sa_overhead(out, len, &h, &t);
		n++;
		if ((r = esp_seal(out, &p)) != 0 || p.off != HEAD - h ||
		    p.len != h + len + t ||
		    get32(buf + p.off) != 0x11223344 ||
		    get32(buf + p.off + 4) != (uint32_t)(seq0 + n)) {
			if (bad++ == 0)
				diag("seal len %zu: %s off %zu len %zu", len,
				    err_name(r), p.off, p.len);
			continue;
		}
		bytes += len;
		if ((r = esp_open(in, &p)) != 0 || p.off != HEAD ||
		    p.len != len || memcmp(buf + HEAD, ref, len) != 0) {
			if (bad++ == 0)
				diag("open len %zu: %s (%s) off %zu len %zu",
				    len, err_name(r), esp_drop_name(p.drop),
				    p.off, p.len);
		}
	}
	esp_sa_stats(out, &st);
	if (st.packets != n || st.bytes != bytes)
		bad++;
	esp_sa_stats(in, &st);
	if (st.packets != n || st.bytes != bytes)
		bad++;
	ok(bad == 0, "%s %s -> %s, %s, %s: %zu round trips", a->name,
	    so->name, si->name, esn ? "ESN" : "32-bit seq",
	    v6 ? "IPv6" : "IPv4", n);
done:
	esp_sa_free(out);
	esp_sa_free(in);
}

static void
roundtrips(void)
{
	struct impl im[MAX_IMPL];
	size_t i, n, s, o;
	int esn, v6;

	for (i = 0; i < NALGS; i++) {
		n = impls(&algs[i], im, MAX_IMPL);
		if (n == 0) {
			skip("%s: no backend provides it", algs[i].name);
			continue;
		}
		/* Every size with each backend; cross pairs every 7th. */
		for (s = 0; s < n; s++)
			for (o = 0; o < n; o++)
				for (esn = 0; esn <= 1; esn++)
					for (v6 = 0; v6 <= 1; v6++)
						roundtrip(&algs[i], &im[s],
						    &im[o], esn, v6,
						    s == o ? 1 : 7);
	}
}

/*
 * Known answers. Each vector is a whole ESP packet and the inner packet
 * it carries. encr is the cipher key then (AEAD) the 4-byte salt.
 */
struct kat {
	const char	*name;
	const struct alg *a;
	int		 esn;
	uint32_t	 spi;
	uint64_t	 seq;		/* the packet's full number */
	uint64_t	 iv_xor;
	const char	*encr, *integ;
	const char	*inner;
	const char	*esp;
};

static const struct kat kats[] = {
	/*
	 * RFC 7634 Appendix A: the ESP example (tunnel mode, SPI
	 * 0x01020304, sequence number 5, IV 10 11 .. 17, KEYMAT 80 .. 9f
	 * with salt a0 a1 a2 a3), an ICMP echo 198.51.100.5 -> 192.0.2.5 of
	 * 84 bytes, padded with 01 02, pad length 2, next header 4.
	 */
	{ "RFC 7634 A", &algs[2], 0, 0x01020304, 5,
	    5 ^ 0x1011121314151617ULL,
	    "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
	    "a0a1a2a3", "",
	    "45000054a6f200004001e778c6336405c000020508005b7a3a080000553bec10"
	    "0007362708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223"
	    "2425262728292a2b2c2d2e2f3031323334353637",
	    "01020304000000051011121314151617"
	    "24039428b97f417e3c13753a4f05087b67c352e6a7fab1b982d466ef407ae5c6"
	    "14ee8099d52844eb61aa95dfab4c02f72aa71e7c4c4f64c9befe2facc638e8f3"
	    "cbec163fac469b502773f6fb94e664da9165b82829f641e076aaa8266b7fb0f7"
	    "b11b369907e1ad43" },
	/*
	 * The next four were derived once, for this test, by a standalone C
	 * program that uses OpenSSL 3.0 directly and none of ikegate's code:
	 * for GCM, EVP_EncryptInit_ex(EVP_aes_{128,256}_gcm()) with the
	 * 12-byte nonce salt | IV, EVP_EncryptUpdate over the AAD (SPI |
	 * Seq, or SPI | Seq high | Seq low with ESN: RFC 4106 5), then over
	 * inner | 01 02 .. | pad length | next header (padded to 4 bytes),
	 * and EVP_CTRL_GCM_GET_TAG; for CBC, EVP_aes_{128,256}_cbc() without
	 * padding over the same trailer padded to 16 bytes, then
	 * HMAC(EVP_sha{256,512}) over SPI | Seq | IV | ciphertext (| Seq high
	 * with ESN: RFC 4303 2.2.1), truncated to 16 / 32 bytes (RFC 4868).
	 * The packet is SPI | Seq low | IV | ciphertext | ICV. The GCM IVs
	 * equal the sequence number, which is what esp_seal writes (iv_xor
	 * 0); the CBC IVs are fixed here (esp_seal draws random ones). IPv4
	 * checksums are left 0: nothing on this path reads them.
	 */
	/* AES-128-GCM, no ESN: ICMP echo 198.51.100.2 -> 192.0.2.1. */
	{ "OpenSSL-derived AES-128-GCM IPv4", &algs[0], 0, 0x0a0b0c0d, 1, 0,
	    "000102030405060708090a0b0c0d0e0fa0a1a2a3", "",
	    "4500003c1c46000040010000c6336402c00002010800f7ff00010001"
	    "6162636465666768696a6b6c6d6e6f7071727374757677616263646566676869",
	    "0a0b0c0d00000001000000000000000103711cce70c27750c76d46171d37f064"
	    "d1f21b829ef5775d6df08b117dc43c768e9da9c34c5bfbbb5d648bc8be5ecc60"
	    "c7249ab763239da2be45a97aa35a9e341179195dd73567d44536ec7549b02d74"
	},
	/* AES-256-GCM, ESN 0x0000000100000002: UDP 2001:db8::2 ->
	 * 2001:db8::1, 13 bytes of data. */
	{ "OpenSSL-derived AES-256-GCM IPv6 ESN", &algs[1], 1, 0xc0ffee01,
	    0x0000000100000002ULL, 0,
	    "101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f"
	    "b0b1b2b3", "",
	    "600000000015114020010db800000000000000000000000220010db800000000"
	    "0000000000000001d43100350015000068656c6c6f2c20776f726c6421",
	    "c0ffee0100000002000000010000000210b65394744d6c3b25cbe0341520d2ab"
	    "ac5ccd1a2b5440d73664f6e0f046421fde2e68d168774b78467ce61bdc94ccb0"
	    "84714b9d9c7f59500d08509af8e6b24c5bb50195cfd6e913beca6e53d1ec971f"
	},
	/* AES-128-CBC + HMAC-SHA2-256-128, no ESN, IV f0 .. ff: UDP
	 * 10.1.2.3 -> 10.9.8.7. */
	{ "OpenSSL-derived AES-128-CBC/SHA256 IPv4", &algs[4], 0, 0x00001234,
	    7, 0, "303132333435363738393a3b3c3d3e3f",
	    "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f",
	    "4500002c00070000401100000a0102030a090807303930390018000054455354"
	    "494b45676174652121212121",
	    "0000123400000007f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff1986e1d9f9ce0a1c"
	    "fe420a8fca566c3dea23cc0e37efc3a9a907472ec322c8e95d6d0bed60c1a0a6"
	    "79ed68c43c4755344f13f3a0d4aadef9615b0dd2c6a9ad40" },
	/* AES-256-CBC + HMAC-SHA2-512-256, ESN 0x0000000300000009, IV 00 ..
	 * 0f: ICMPv6 echo fd00::2 -> fd00::1. */
	{ "OpenSSL-derived AES-256-CBC/SHA512 IPv6 ESN", &algs[9], 1,
	    0x00005678, 0x0000000300000009ULL, 0,
	    "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f",
	    "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
	    "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf",
	    "6000000000083a40fd000000000000000000000000000002fd00000000000000"
	    "00000000000000018000000012340001",
	    "0000567800000009000102030405060708090a0b0c0d0e0f76cfd81801ead201"
	    "97e31ce2db3ad053cd42f2bc7997258652ab362c8f6c6f34ad788f361c4ccedf"
	    "472be385c804036ed4db984e521ebedf7717f5249dc8b8813f81db5412dfda76"
	    "05bd035ae9a16921976baafe7e73c523fe74bcb3fd6f2685" },
};

static struct esp_sa *
kat_sa(const struct kat *v, const struct impl *im, enum esp_dir dir,
    uint64_t seq, const uint8_t *ek, size_t el, const uint8_t *ik, size_t il)
{
	struct esp_sa_params p;
	struct esp_sa *sa = NULL;
	int r;

	params(&p, v->a, im, dir, v->esn, v->spi, seq);
	p.encr_key = ek;
	p.encr_len = el;
	p.integ_key = ik;
	p.integ_len = il;
	p.iv_xor = v->iv_xor;
	if ((r = esp_sa_new(&p, &sa)) != 0)
		diag("%s: esp_sa_new: %s", v->name, err_name(r));
	return sa;
}

/*
 * Decodes an ESP packet esp[0..n) of a CBC SA with the raw backend ops
 * (not esp_open): the ICV over SPI | Seq | IV | ciphertext (| Seq high),
 * then the decryption; returns the plaintext length (trailer included) or
 * 0 when the ICV does not verify.
 */
static size_t
raw_cbc_decode(const struct impl *im, const uint8_t *ek, size_t el,
    const uint8_t *ik, size_t il, size_t icv, int esn, uint64_t seq,
    const uint8_t *esp, size_t n, uint8_t *pt)
{
	void *cc = NULL, *mc = NULL;
	uint8_t mac[XFORM_MAX_HASH_LEN], hi[4];
	struct span v[2];
	size_t ctlen = n - 24 - icv, r = 0;

	cc = aligned_alloc(XFORM_CTX_ALIGN, 4096);
	mc = aligned_alloc(XFORM_CTX_ALIGN, 4096);
	if (cc == NULL || mc == NULL || im->cipher->ctx_size > 4096 ||
	    im->mac->ctx_size > 4096)
		abort();
	if (im->cipher->init(cc, ek, el) != 0 ||
	    im->mac->init(mc, ik, il) != 0)
		goto out;
	put32(hi, (uint32_t)(seq >> 32));
	v[0] = span_make(esp, n - icv);
	v[1] = span_make(hi, 4);
	if (im->mac->mac(mc, v, esn ? 2 : 1, mac) != 0 ||
	    memcmp(mac, esp + n - icv, icv) != 0)
		goto out;
	memcpy(pt, esp + 24, ctlen);
	if (im->cipher->decrypt(cc, esp + 8, pt, ctlen) == 0)
		r = ctlen;
 out:
	im->cipher->cleanup(cc);
	im->mac->cleanup(mc);
	free(cc);
	free(mc);
	return r;
}

static void
kat_one(const struct kat *v, const struct impl *im)
{
	static uint8_t ek[64], ik[64], inner[BUFSZ], esp[BUFSZ];
	static uint8_t buf[BUFSZ], pt[BUFSZ];
	struct esp_sa *out = NULL, *in = NULL;
	struct esp_pkt p;
	size_t el, il, ilen, elen, ctlen, icv, n, i;
	int r;

	el = tap_unhex(v->encr, ek, sizeof(ek));
	il = tap_unhex(v->integ, ik, sizeof(ik));
	ilen = tap_unhex(v->inner, inner, sizeof(inner));
	elen = tap_unhex(v->esp, esp, sizeof(esp));

	/* Open the published packet. */
	in = kat_sa(v, im, ESP_IN, v->seq - 1, ek, el, ik, il);
	memset(buf, 0, sizeof(buf));
	memcpy(buf + HEAD, esp, elen);
	pkt_init(&p, buf, sizeof(buf), HEAD, elen);
	r = in != NULL ? esp_open(in, &p) : -E_INVAL;
	is_int(r, 0, "%s [%s]: opens (%s)", v->name, im->name,
	    esp_drop_name(p.drop));
	ok(p.len == ilen && memcmp(buf + p.off, inner, ilen) == 0,
	    "%s [%s]: inner packet exact", v->name, im->name);

	/* Seal the inner packet: an AEAD packet must come out exact; a CBC
	 * one (random IV) must decode with the raw ops. */
	out = kat_sa(v, im, ESP_OUT, v->seq - 1, ek, el, ik, il);
	memset(buf, 0, sizeof(buf));
	memcpy(buf + HEAD, inner, ilen);
	pkt_init(&p, buf, sizeof(buf), HEAD, ilen);
	r = out != NULL ? esp_seal(out, &p) : -E_INVAL;
	is_int(r, 0, "%s [%s]: seals", v->name, im->name);
	if (is_aead(v->a)) {
		is_int(p.len, elen, "%s [%s]: ESP length", v->name, im->name);
		is_mem(buf + p.off, esp, elen, "%s [%s]: ESP packet exact",
		    v->name, im->name);
	} else if (out != NULL) {
		ctlen = (ilen + ESP_TRAILER_LEN + 15) / 16 * 16;
		icv = elen - 24 - ctlen;
		is_int(p.len, elen, "%s [%s]: ESP length", v->name, im->name);
		is_mem(buf + p.off, esp, 8, "%s [%s]: SPI and Seq", v->name,
		    im->name);
		n = raw_cbc_decode(im, ek, el, ik, il, icv, v->esn, v->seq,
		    buf + p.off, p.len, pt);
		is_int(n, ctlen, "%s [%s]: sealed packet verifies and "
		    "decrypts with the raw ops", v->name, im->name);
		for (i = 0; n == ctlen && ilen + i + 2 < n; i++)
			if (pt[ilen + i] != i + 1)
				break;
		ok(n == ctlen && memcmp(pt, inner, ilen) == 0 &&
		    ilen + i + 2 == n && pt[n - 2] == i &&
		    pt[n - 1] == (inner[0] >> 4 == 6 ? 41 : 4),
		    "%s [%s]: inner, padding 1, 2, .., pad length, next "
		    "header", v->name, im->name);
		ok(memcmp(buf + p.off + 8, esp + 8, 16) != 0,
		    "%s [%s]: a fresh IV", v->name, im->name);
	}
	esp_sa_free(in);
	esp_sa_free(out);
}

static void
known_answers(void)
{
	struct impl im[MAX_IMPL];
	size_t i, j, n;

	for (i = 0; i < sizeof(kats) / sizeof(kats[0]); i++) {
		n = impls(kats[i].a, im, MAX_IMPL);
		if (n == 0)
			skip("%s: algorithm not available", kats[i].name);
		for (j = 0; j < n; j++)
			kat_one(&kats[i], &im[j]);
	}
}

/*
 * draft-mcgrew-gcm-test-01 (D. McGrew, "Test Cases for the use of GCM and
 * GMAC in IPsec ESP", 2009), section 4: published AES-GCM-16 ESP packets
 * given as key, nonce (salt | IV), AAD (SPI | Seq, or SPI | Seq high | Seq
 * low), plaintext (IP packet | padding | pad length | next header) and
 * ciphertext | tag. The packet on the wire is SPI | Seq low | IV |
 * ciphertext | tag. The draft's payloads carry Next Header 1, not a
 * tunnel-mode inner packet, so esp_open must verify the ICV (with the
 * ESN high bits for cases 1 and 9), decrypt exactly the draft's
 * plaintext, commit the window, and only then drop under bad-next-hdr.
 */
struct gcmt {
	const char	*name;
	uint16_t	 bits;
	int		 esn;
	uint32_t	 spi;
	uint64_t	 seq;
	const char	*key, *nonce, *pt, *ct, *tag;
};

static const struct gcmt gcmts[] = {
	{ "draft-mcgrew-gcm-test-01 case 1 (ESN)", 128, 1, 0x00004321,
	    0x8765432100000000ULL, "4c80cdefbb5d10da906ac73c3613a634",
	    "2e443b684956ed7e3b244cfe",
	    "45000048699a000080114db7c0a80102c0a801010a9bf15638d3010000010000"
	    "00000000045f736970045f756470037369700963796265726369747902646b00"
	    "0021000101020201",
	    "fecf537e729d5b07dc30df528dd22b768d1b98736696a6fd348509fa13ceac34"
	    "cfa2436f14a3f3cf65925bf1f4a13c5d15b21e1884f5ff6247aeabb786b93bce"
	    "61bc17d768fd9732",
	    "459018148f6cbe722fd04796562dfdb4" },
	{ "draft-mcgrew-gcm-test-01 case 2", 128, 0, 0x0000a5f8, 0xa,
	    "feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
	    "4500003e698f000080114dccc0a80102c0a801010a980035002a2343b2d00100"
	    "0001000000000000037369700963796265726369747902646b00000100010001",
	    "deb22cd9b07c72c16e3a65beeb8df304a5a5897d33ae530f1ba76d5d114d2a5c"
	    "3de81827c10e9a4f51330d0eec416642cfbb85a5b47e48a4ec3b9ba95d918bd1",
	    "83b70d3aa8bc6ee4c309e9d85a41ad4a" },
	{ "draft-mcgrew-gcm-test-01 case 3", 256, 0, 0x4a2cbfe3, 2,
	    "abbccddef00112233445566778899aababbccddef00112233445566778899aab",
	    "112233440102030405060708",
	    "4500003069a6400080062690c0a801029389155e0a9e008b2dc57ee000000000"
	    "7002400020bf0000020405b40101040201020201",
	    "ff425c9b724599df7a3bcd510194e00d6a78107f1b0b1cbf06efae9d65a5d763"
	    "748a637985771d347f0545659f14e99def842d8e",
	    "b335f4eecfdbf831824b4c4915956c96" },
	{ "draft-mcgrew-gcm-test-01 case 9 (ESN)", 256, 1, 0x17405e67,
	    0x156f3126dd0db99bULL,
	    "abbccddef00112233445566778899aababbccddef00112233445566778899aab",
	    "73616c74616e640169766563",
	    "45080028732c00004006e9f90a0106120a01038f06b88023dd6bafbecb712602"
	    "50101f646d540001",
	    "f2d69ecdbd5a0d5b8d5ef38bad4da58d1f278fde98ef67549d524a3018d9a57f"
	    "f4d3a31ce673119e",
	    "451626c2415771e3b7eebca614c89b35" },
};

static void
gcm_draft(void)
{
	static uint8_t key[36], nonce[12], pt[256], esp[512], buf[BUFSZ];
	struct impl im[MAX_IMPL];
	const struct gcmt *v;
	const struct alg *a;
	struct esp_sa_params prm;
	struct esp_sa *sa;
	struct esp_sa_stats st;
	struct esp_pkt p;
	size_t i, j, n, kl, ptl, ctl;
	int r;

	for (i = 0; i < sizeof(gcmts) / sizeof(gcmts[0]); i++) {
		v = &gcmts[i];
		a = v->bits == 128 ? &algs[0] : &algs[1];
		kl = tap_unhex(v->key, key, sizeof(key));
		tap_unhex(v->nonce, nonce, sizeof(nonce));
		memcpy(key + kl, nonce, 4);		/* the salt */
		ptl = tap_unhex(v->pt, pt, sizeof(pt));
		put32(esp, v->spi);
		put32(esp + 4, (uint32_t)v->seq);
		memcpy(esp + 8, nonce + 4, 8);
		ctl = tap_unhex(v->ct, esp + 16, sizeof(esp) - 16);
		ctl += tap_unhex(v->tag, esp + 16 + ctl, 16);
		n = impls(a, im, MAX_IMPL);
		for (j = 0; j < n; j++) {
			params(&prm, a, &im[j], ESP_IN, v->esn, v->spi,
			    v->seq > 16 ? v->seq - 16 : 0);
			prm.encr_key = key;
			prm.encr_len = kl + 4;
			sa = NULL;
			if (esp_sa_new(&prm, &sa) != 0) {
				ok(0, "%s [%s]: SA", v->name, im[j].name);
				continue;
			}
			memcpy(buf + HEAD, esp, 16 + ctl);
			pkt_init(&p, buf, sizeof(buf), HEAD, 16 + ctl);
			r = esp_open(sa, &p);
			esp_sa_stats(sa, &st);
			ok(r == -E_NOTSUP && p.drop == ESP_DROP_NEXT_HDR &&
			    st.drops[ESP_DROP_ICV] == 0 &&
			    st.drops[ESP_DROP_NEXT_HDR] == 1,
			    "%s [%s]: ICV verifies, next header 1 refused "
			    "(%s)", v->name, im[j].name,
			    esp_drop_name(p.drop));
			is_mem(buf + HEAD + 16, pt, ptl,
			    "%s [%s]: decrypts to the draft's plaintext",
			    v->name, im[j].name);
			memcpy(buf + HEAD, esp, 16 + ctl);
			pkt_init(&p, buf, sizeof(buf), HEAD, 16 + ctl);
			r = esp_open(sa, &p);
			ok(r == -E_DUP && p.drop == ESP_DROP_REPLAY,
			    "%s [%s]: the window moved: a replay now",
			    v->name, im[j].name);
			esp_sa_free(sa);
		}
	}
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t
rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

/*
 * An ESP packet built with the raw backend ops, not esp_seal, so that
 * payloads esp_seal never writes (bad padding, other next headers) can be
 * authenticated: SPI | Seq low | IV | E(pt) | ICV, with the AAD or ICV
 * input of RFC 4106 5 / RFC 4303 2.2.1. pt holds the whole plaintext,
 * trailer included, whole blocks for CBC.
 */
static size_t
raw_esp(const struct alg *a, const struct impl *im, uint32_t spi,
    uint64_t seq, int esn, const uint8_t *pt, size_t ptl, uint8_t *out)
{
	uint8_t nonce[12], aad[12], mac[XFORM_MAX_HASH_LEN], hi[4];
	struct span v[2];
	void *cc, *mc;
	size_t kl = a->bits / 8, icv = 0, n = 0, ikl;
	enum xform_hash h;
	int r = -1;

	cc = aligned_alloc(XFORM_CTX_ALIGN, 4096);
	mc = aligned_alloc(XFORM_CTX_ALIGN, 4096);
	if (cc == NULL || mc == NULL)
		abort();
	put32(out, spi);
	put32(out + 4, (uint32_t)seq);
	put32(hi, (uint32_t)(seq >> 32));
	if (is_aead(a)) {
		memcpy(out + 8, "\x5a\x01\x02\x03", 4);
		memcpy(out + 12, out + 4, 4);
		memcpy(nonce, k_enc + kl, 4);
		memcpy(nonce + 4, out + 8, 8);
		memcpy(aad, out, 4);
		memcpy(aad + 4, hi, 4);
		memcpy(aad + 8, out + 4, 4);
		memcpy(out + 16, pt, ptl);
		if (im->aead->init(cc, k_enc, kl) == 0)
			r = im->aead->seal(cc, nonce, esn ?
			    span_make(aad, 12) : span_make(out, 8), out + 16,
			    ptl);
		im->aead->cleanup(cc);
		n = 16 + ptl + im->aead->icv_len;
	} else {
		if (xform_integ_info(a->integ, &h, &icv, &ikl) != 0)
			abort();
		memcpy(out + 8, "\x10\x32\x54\x76\x98\xba\xdc\xfe"
		    "\x01\x23\x45\x67\x89\xab\xcd\xef", 16);
		memcpy(out + 24, pt, ptl);
		v[0] = span_make(out, 24 + ptl);
		v[1] = span_make(hi, 4);
		if (im->cipher->init(cc, k_enc, kl) == 0 &&
		    im->mac->init(mc, k_int, ikl) == 0 &&
		    im->cipher->encrypt(cc, out + 8, out + 24, ptl) == 0)
			r = im->mac->mac(mc, v, esn ? 2 : 1, mac);
		memcpy(out + 24 + ptl, mac, icv);
		im->cipher->cleanup(cc);
		im->mac->cleanup(mc);
		n = 24 + ptl + icv;
	}
	free(cc);
	free(mc);
	if (r != 0)
		abort();
	return n;
}

/* inner[0..n), tfc bytes of 0 (RFC 4303 2.7), padding 1, 2, .. to align,
 * pad length, nh: the plaintext of an ESP payload. */
static size_t
payload(uint8_t *pt, const uint8_t *inner, size_t n, size_t tfc,
    size_t align, uint8_t nh)
{
	size_t m = n + tfc, pad, i;

	memcpy(pt, inner, n);
	memset(pt + n, 0, tfc);
	pad = (align - (m + 2) % align) % align;
	for (i = 0; i < pad; i++)
		pt[m + i] = (uint8_t)(i + 1);
	pt[m + pad] = (uint8_t)pad;
	pt[m + pad + 1] = nh;
	return m + pad + 2;
}

static uint64_t
drops_sum(const struct esp_sa_stats *st)
{
	uint64_t s = 0;
	size_t i;

	for (i = 0; i < ESP_DROP__MAX; i++)
		s += st->drops[i];
	return s;
}

/* Opens pkt[0..n) on in and expects a drop under want, counted once. */
static void
expect_drop(struct esp_sa *in, const uint8_t *pkt, size_t n,
    enum esp_drop want, int want_r, const char *alg, const char *what)
{
	static uint8_t buf[BUFSZ];
	struct esp_sa_stats b, a;
	struct esp_pkt p;
	int r;

	esp_sa_stats(in, &b);
	memcpy(buf + HEAD, pkt, n);
	pkt_init(&p, buf, sizeof(buf), HEAD, n);
	r = esp_open(in, &p);
	esp_sa_stats(in, &a);
	if (!ok(r == want_r && p.drop == want &&
	    a.drops[want] == b.drops[want] + 1 &&
	    drops_sum(&a) == drops_sum(&b) + 1 && a.packets == b.packets &&
	    p.off == HEAD && p.len == n,
	    "%s: %s: dropped as %s", alg, what, esp_drop_name(want)))
		diag("got %s, drop %s", err_name(r), esp_drop_name(p.drop));
}

static void
expect_ok(struct esp_sa *in, const uint8_t *pkt, size_t n,
    const uint8_t *inner, size_t ilen, const char *alg, const char *what)
{
	static uint8_t buf[BUFSZ];
	struct esp_pkt p;
	int r;

	memcpy(buf + HEAD, pkt, n);
	pkt_init(&p, buf, sizeof(buf), HEAD, n);
	r = esp_open(in, &p);
	if (!ok(r == 0 && p.len == ilen &&
	    memcmp(buf + p.off, inner, ilen) == 0, "%s: %s: delivered",
	    alg, what))
		diag("got %s, drop %s, len %zu", err_name(r),
		    esp_drop_name(p.drop), p.len);
}

static void
malformed(const struct alg *a)
{
	static uint8_t inner[256], pt[512], pkt[1024], buf[BUFSZ];
	struct impl im;
	struct esp_sa *in, *out;
	struct esp_sa_stats b, st;
	struct esp_pkt p;
	uint64_t seq = 100;
	size_t align = is_aead(a) ? 4 : 16, n, ptl, full, len, hl, i, k;
	size_t pad, room, hmin;
	unsigned bad;
	int v6;
	const char *nm = a->name;
	static const char secret[] = "TOP-SECRET-PAYLOAD";
	int r;

	if (first_impl(a, &im) != 0) {
		skip("%s: not available", nm);
		return;
	}
	in = mk(a, &im, ESP_IN, 0, 0x5000, 0);
	out = mk(a, &im, ESP_OUT, 0, 0x5000, 0);
	if (in == NULL || out == NULL)
		goto done;
	hl = 8 + (is_aead(a) ? 8 : 16);

	mk_v4(inner, 40, 2, 1, 7);
	ptl = payload(pt, inner, 40, 0, align, 4);
	n = raw_esp(a, &im, 0x5000, seq++, 0, pt, ptl, pkt);
	expect_ok(in, pkt, n, inner, 40, nm, "well-formed raw packet");
	expect_drop(in, pkt, n, ESP_DROP_REPLAY, -E_DUP, nm, "its replay");

	/* Padding must read 1, 2, 3, ... (RFC 4303 2.4). */
	ptl = payload(pt, inner, 40, 0, align, 4);
	pt[41] = 9;
	n = raw_esp(a, &im, 0x5000, seq++, 0, pt, ptl, pkt);
	expect_drop(in, pkt, n, ESP_DROP_PAD, -E_SYNTAX, nm,
	    "padding byte 2 is 9");
	ptl = payload(pt, inner, 40, 0, align, 4);
	pt[ptl - 2] = (uint8_t)(ptl - 1);
	n = raw_esp(a, &im, 0x5000, seq++, 0, pt, ptl, pkt);
	expect_drop(in, pkt, n, ESP_DROP_PAD, -E_SYNTAX, nm,
	    "pad length past the payload");
	/* Next header (RFC 4303 2.6). */
	ptl = payload(pt, inner, 40, 0, align, 17);
	n = raw_esp(a, &im, 0x5000, seq++, 0, pt, ptl, pkt);
	expect_drop(in, pkt, n, ESP_DROP_NEXT_HDR, -E_NOTSUP, nm,
	    "next header 17 in tunnel mode");
	ptl = payload(pt, inner, 0, 0, align, ESP_NH_NONE);
	n = raw_esp(a, &im, 0x5000, seq++, 0, pt, ptl, pkt);
	expect_drop(in, pkt, n, ESP_DROP_DUMMY, -E_AGAIN, nm,
	    "dummy packet (next header 59)");
	/* The inner packet itself. */
	mk_v6(inner, 60, 2, 1, 3);
	ptl = payload(pt, inner, 60, 0, align, 4);
	n = raw_esp(a, &im, 0x5000, seq++, 0, pt, ptl, pkt);
	expect_drop(in, pkt, n, ESP_DROP_INNER, -E_SYNTAX, nm,
	    "next header 4 over an IPv6 packet");
	ptl = payload(pt, inner, 50, 0, align, 41);
	n = raw_esp(a, &im, 0x5000, seq++, 0, pt, ptl, pkt);
	expect_drop(in, pkt, n, ESP_DROP_INNER, -E_SYNTAX, nm,
	    "IPv6 payload length past the payload");
	mk_v4(inner, 40, 2, 1, 7);
	put16(inner + 2, 300);
	ptl = payload(pt, inner, 40, 0, align, 4);
	n = raw_esp(a, &im, 0x5000, seq++, 0, pt, ptl, pkt);
	expect_drop(in, pkt, n, ESP_DROP_INNER, -E_SYNTAX, nm,
	    "IPv4 total length past the payload");
	put16(inner + 2, 12);
	ptl = payload(pt, inner, 40, 0, align, 4);
	n = raw_esp(a, &im, 0x5000, seq++, 0, pt, ptl, pkt);
	expect_drop(in, pkt, n, ESP_DROP_INNER, -E_SYNTAX, nm,
	    "IPv4 total length below 20");
	/* RFC 4303 2.7: TFC padding after the inner packet is trimmed. */
	mk_v4(inner, 40, 2, 1, 7);
	ptl = payload(pt, inner, 40, 37, align, 4);
	n = raw_esp(a, &im, 0x5000, seq++, 0, pt, ptl, pkt);
	expect_ok(in, pkt, n, inner, 40, nm, "TFC padding trimmed");
	mk_v6(inner, 72, 2, 1, 5);
	ptl = payload(pt, inner, 72, 0, align, 41);
	n = raw_esp(a, &im, 0x5000, seq++, 0, pt, ptl, pkt);
	expect_ok(in, pkt, n, inner, 72, nm, "IPv6 over next header 41");

	/* Tampering: each fails the ICV. */
	mk_v4(inner, 40, 2, 1, 7);
	ptl = payload(pt, inner, 40, 0, align, 4);
	full = raw_esp(a, &im, 0x5000, seq, 0, pt, ptl, pkt);
	pkt[full - 1] ^= 0x01;
	expect_drop(in, pkt, full, ESP_DROP_ICV, -E_AUTH, nm, "ICV bit");
	pkt[full - 1] ^= 0x01;
	pkt[hl + 3] ^= 0x80;
	expect_drop(in, pkt, full, ESP_DROP_ICV, -E_AUTH, nm,
	    "ciphertext bit");
	pkt[hl + 3] ^= 0x80;
	pkt[9] ^= 0x04;
	expect_drop(in, pkt, full, ESP_DROP_ICV, -E_AUTH, nm, "IV bit");
	pkt[9] ^= 0x04;
	pkt[5] ^= 0x01;
	expect_drop(in, pkt, full, ESP_DROP_ICV, -E_AUTH, nm,
	    "sequence number (authenticated) changed");
	pkt[5] ^= 0x01;
	/* The forgeries did not move the window: the genuine one passes. */
	expect_ok(in, pkt, full, inner, 40, nm,
	    "genuine packet after forged copies");

	/* Sizes. */
	for (len = 0, bad = 0; len < 8; len++) {
		esp_sa_stats(in, &b);
		memcpy(buf + HEAD, pkt, len);
		pkt_init(&p, buf, sizeof(buf), HEAD, len);
		r = esp_open(in, &p);
		esp_sa_stats(in, &st);
		bad += r != -E_SHORT || p.drop != ESP_DROP_SHORT ||
		    st.drops[ESP_DROP_SHORT] != b.drops[ESP_DROP_SHORT] + 1;
	}
	ok(bad == 0, "%s: 0..7 bytes dropped as short", nm);
	ptl = payload(pt, inner, 40, 0, align, 4);
	n = raw_esp(a, &im, 0x5000, ++seq, 0, pt, ptl, pkt);
	expect_drop(in, pkt, hl + 1 + (n - hl - ptl), ESP_DROP_SHORT,
	    -E_SHORT, nm, "one byte of ciphertext");
	pkt[n] = 0;
	expect_drop(in, pkt, n + 1, ESP_DROP_ALIGN, -E_BADLEN, nm,
	    "ciphertext one byte past the block");
	/* Every truncation fails, and is counted, without a crash. */
	esp_sa_stats(in, &b);
	for (len = 0, bad = 0; len < n; len++) {
		memcpy(buf + HEAD, pkt, len);
		pkt_init(&p, buf, sizeof(buf), HEAD, len);
		r = esp_open(in, &p);
		bad += r == 0 || (p.drop != ESP_DROP_SHORT &&
		    p.drop != ESP_DROP_ALIGN && p.drop != ESP_DROP_ICV);
	}
	esp_sa_stats(in, &st);
	ok(bad == 0 && drops_sum(&st) == drops_sum(&b) + n,
	    "%s: all %zu truncations dropped and counted", nm, n);
	/* Replay window: far ahead, then one below the window. */
	n = raw_esp(a, &im, 0x5000, seq + 10000, 0, pt, ptl, pkt);
	expect_ok(in, pkt, n, inner, 40, nm, "window jumps 10000 ahead");
	n = raw_esp(a, &im, 0x5000, seq + 10000 - REPLAY_WINDOW, 0, pt, ptl,
	    pkt);
	expect_drop(in, pkt, n, ESP_DROP_OLD, -E_RANGE, nm,
	    "number below the window");
	/* Random damage anywhere past the SPI (all of it authenticated):
	 * never delivered, always counted. */
	esp_sa_stats(in, &b);
	for (i = 0, bad = 0; i < 2000; i++) {
		n = raw_esp(a, &im, 0x5000, seq + 11000 + i, 0, pt, ptl, pkt);
		/* One or two distinct bytes, each surely changed. */
		k = 4 + rnd() % (n - 4);
		pkt[k] ^= (uint8_t)(1 + rnd() % 255);
		if (rnd() % 2)
			pkt[4 + (k - 4 + 1 + rnd() % (n - 5)) % (n - 4)] ^=
			    (uint8_t)(1 + rnd() % 255);
		len = rnd() % 4 == 0 ? rnd() % n : n;
		memcpy(buf + HEAD, pkt, len);
		pkt_init(&p, buf, sizeof(buf), HEAD, len);
		bad += esp_open(in, &p) == 0 || p.drop == ESP_DROP_NONE;
	}
	esp_sa_stats(in, &st);
	ok(bad == 0 && drops_sum(&st) == drops_sum(&b) + 2000 &&
	    st.packets == b.packets,
	    "%s: 2000 randomly damaged packets dropped and counted", nm);
	/* An authenticated peer may send any plaintext: random bytes of a
	 * random aligned length under a valid ICV are each either
	 * delivered, as the inner packet at the start of that plaintext,
	 * or dropped and counted; never both, never neither. */
	esp_sa_stats(in, &b);
	for (i = 0, k = 0, bad = 0; i < 2000; i++) {
		ptl = align * (1 + rnd() % (sizeof(pt) / align - 1));
		for (len = 0; len < ptl; len++)
			pt[len] = (uint8_t)rnd();
		/* Half with valid padding and an IPv4 or IPv6 header that
		 * may fit, sometimes with a byte of it changed, so that
		 * many reach the checks of the inner packet, and some
		 * pass them. */
		if (rnd() % 2) {
			pad = rnd() % (ptl - 1 < 256 ? ptl - 1 : 256);
			pt[ptl - 2] = (uint8_t)pad;
			for (len = 0; len < pad; len++)
				pt[ptl - 2 - pad + len] = (uint8_t)(len + 1);
			v6 = rnd() % 2;
			pt[ptl - 1] = v6 ? 41 : 4;
			room = ptl - 2 - pad;
			hmin = v6 ? 40 : 20;
			if (room >= hmin) {
				/* Any length that fits, or one within 8
				 * bytes of the payload's end, either side. */
				len = rnd() % 2 ? hmin + rnd() % (room - hmin +
				    1) : room + 8 - rnd() % 17;
				if (len < hmin)
					len = hmin;
				if (v6) {
					mk_v6(pt, len < room ? len : room, 2, 1,
					    (unsigned)i);
					put16(pt + 4, (uint16_t)(len - 40));
				} else {
					mk_v4(pt, len < room ? len : room, 2, 1,
					    (unsigned)i);
					put16(pt + 2, (uint16_t)len);
				}
				if (rnd() % 2)
					pt[rnd() % hmin] ^=
					    (uint8_t)(1 + rnd() % 255);
			}
		}
		n = raw_esp(a, &im, 0x5000, seq + 13000 + i, 0, pt, ptl, pkt);
		memcpy(buf + HEAD, pkt, n);
		pkt_init(&p, buf, sizeof(buf), HEAD, n);
		r = esp_open(in, &p);
		if (r == 0) {
			/* Exactly the packet its header describes, out of
			 * the payload before the padding. */
			k++;
			len = pt[0] >> 4 == 6 ? 40 + get16(pt + 4) :
			    get16(pt + 2);
			bad += p.drop != ESP_DROP_NONE || p.len != len ||
			    p.len > ptl - 2 - pt[ptl - 2] ||
			    memcmp(buf + p.off, pt, p.len) != 0;
		} else
			bad += p.drop == ESP_DROP_NONE;
	}
	esp_sa_stats(in, &st);
	ok(bad == 0 && drops_sum(&st) - drops_sum(&b) + k == 2000 &&
	    st.packets == b.packets + k,
	    "%s: 2000 random authenticated plaintexts: %zu delivered whole, "
	    "the rest dropped and counted", nm, k);
	ptl = payload(pt, inner, 40, 0, align, 4);	/* as before */
	/* The caller looked up the wrong SA: refused, not counted. */
	n = raw_esp(a, &im, 0x5001, seq + 20000, 0, pt, ptl, pkt);
	esp_sa_stats(in, &b);
	memcpy(buf + HEAD, pkt, n);
	pkt_init(&p, buf, sizeof(buf), HEAD, n);
	r = esp_open(in, &p);
	esp_sa_stats(in, &st);
	ok(r == -E_INVAL && p.drop == ESP_DROP_NO_SPI &&
	    drops_sum(&st) == drops_sum(&b), "%s: another SA's SPI refused",
	    nm);

	/* A failed ICV leaves no plaintext in the buffer (fresh SAs: the
	 * window of in is far ahead now). */
	esp_sa_free(in);
	esp_sa_free(out);
	in = mk(a, &im, ESP_IN, 0, 0x5000, 0);
	out = mk(a, &im, ESP_OUT, 0, 0x5000, 0);
	if (in == NULL || out == NULL)
		goto done;
	memset(inner + 20, 0, 20);
	memcpy(inner + 20, secret, sizeof(secret) - 1);
	memset(buf, 0, sizeof(buf));
	memcpy(buf + HEAD, inner, 40);
	pkt_init(&p, buf, sizeof(buf), HEAD, 40);
	r = esp_seal(out, &p);
	is_int(r, 0, "%s: sealed a secret", nm);
	buf[p.off + p.len - 1] ^= 0x20;
	n = p.len;
	esp_sa_stats(in, &b);
	r = esp_open(in, &p);
	esp_sa_stats(in, &st);
	ok(r == -E_AUTH && p.drop == ESP_DROP_ICV &&
	    st.drops[ESP_DROP_ICV] == b.drops[ESP_DROP_ICV] + 1 &&
	    p.off == HEAD - hl && p.len == n,
	    "%s: forged packet refused and counted, span not moved", nm);
	ok(memmem(buf, sizeof(buf), secret, sizeof(secret) - 1) == NULL,
	    "%s: no plaintext left in the buffer", nm);
 done:
	esp_sa_free(in);
	esp_sa_free(out);
}

struct rec {
	unsigned	soft, hard, seq;
	uint64_t	soft_at, hard_at, seq_at;
};

static void
rec_hook(struct esp_sa *sa, enum esp_event ev, void *arg)
{
	struct rec *r = arg;
	struct esp_sa_stats st;

	esp_sa_stats(sa, &st);
	switch (ev) {
	case ESP_EV_SOFT:
		r->soft++;
		r->soft_at = st.packets;
		break;
	case ESP_EV_HARD:
		r->hard++;
		r->hard_at = st.packets;
		break;
	case ESP_EV_SEQ_EXHAUSTED:
		r->seq++;
		r->seq_at = st.packets;
		break;
	}
}

static int
seal_v4(struct esp_sa *sa, uint8_t *buf, size_t len, struct esp_pkt *p)
{
	mk_v4(buf + HEAD, len, 2, 1, 1);
	pkt_init(p, buf, BUFSZ, HEAD, len);
	return esp_seal(sa, p);
}

static void
exhaustion(void)
{
	static uint8_t buf[BUFSZ], copy[BUFSZ];
	struct esp_sa_params prm;
	struct esp_sa *out = NULL, *in = NULL;
	struct esp_sa_stats st;
	struct impl im;
	struct rec rc;
	struct esp_pkt p;
	int r, esn;

	if (first_impl(ALG_GCM128, &im) != 0) {
		skip("exhaustion: AES-128-GCM not available");
		return;
	}
	for (esn = 0; esn <= 1; esn++) {
		memset(&rc, 0, sizeof(rc));
		params(&prm, ALG_GCM128, &im, ESP_OUT, esn, 0x6000,
		    esn ? UINT64_MAX - 1 : 0xfffffffeULL);
		prm.hook = rec_hook;
		prm.hook_arg = &rc;
		if (esp_sa_new(&prm, &out) != 0)
			abort();
		params(&prm, ALG_GCM128, &im, ESP_IN, esn, 0x6000,
		    esn ? UINT64_MAX - 1 : 0xfffffffeULL);
		if (esp_sa_new(&prm, &in) != 0)
			abort();
		r = seal_v4(out, buf, 100, &p);
		ok(r == 0 && get32(buf + p.off + 4) == 0xffffffffu,
		    "%s: the last number (%s) is sent",
		    esn ? "ESN" : "32-bit", esn ? "2^64 - 1" : "2^32 - 1");
		is_int(esp_open(in, &p), 0, "%s: and received",
		    esn ? "ESN" : "32-bit");
		r = seal_v4(out, buf, 100, &p);
		memcpy(copy, buf, sizeof(buf));
		ok(r == -E_RANGE && p.drop == ESP_DROP_SEQ_EXHAUSTED &&
		    p.off == HEAD && p.len == 100,
		    "%s: the next packet is refused: the counter never "
		    "cycles (RFC 4303 3.3.3)", esn ? "ESN" : "32-bit");
		pkt_init(&p, buf, BUFSZ, HEAD, 100);
		r = esp_seal(out, &p);
		ok(r == -E_RANGE && memcmp(copy, buf, sizeof(buf)) == 0,
		    "%s: and the next, buffer untouched",
		    esn ? "ESN" : "32-bit");
		esp_sa_stats(out, &st);
		ok(rc.seq == 1 && rc.seq_at == 1 &&
		    st.drops[ESP_DROP_SEQ_EXHAUSTED] == 2 && st.packets == 1,
		    "%s: exhaustion hook raised once, drops counted",
		    esn ? "ESN" : "32-bit");
		esp_sa_free(out);
		esp_sa_free(in);
		out = in = NULL;
	}
}

static void
lifetimes(void)
{
	static uint8_t buf[BUFSZ];
	struct esp_sa_params prm;
	struct esp_sa *out = NULL, *in = NULL, *plain = NULL;
	struct esp_sa_stats st;
	struct esp_sa_info info;
	struct impl im;
	struct rec rc;
	struct esp_pkt p;
	unsigned i, okn = 0, expn = 0;
	int r;

	if (first_impl(ALG_CHACHA, &im) != 0 &&
	    first_impl(ALG_GCM128, &im) != 0)
		return;
	/* Packets, outbound: soft at 5, hard at 8. */
	memset(&rc, 0, sizeof(rc));
	params(&prm, im.aead->ike_id == CHACHA ? ALG_CHACHA : ALG_GCM128,
	    &im, ESP_OUT, 0, 0x7000, 0);
	prm.life.soft_packets = 5;
	prm.life.hard_packets = 8;
	prm.hook = rec_hook;
	prm.hook_arg = &rc;
	if (esp_sa_new(&prm, &out) != 0)
		abort();
	for (i = 1; i <= 10; i++) {
		r = seal_v4(out, buf, 60, &p);
		okn += r == 0;
		expn += r == -E_STATE && p.drop == ESP_DROP_EXPIRED;
	}
	ok(okn == 8 && expn == 2, "packet limit: 8 sealed, then expired");
	ok(rc.soft == 1 && rc.soft_at == 5, "soft packet hook once, at 5 "
	    "(%u at %llu)", rc.soft, (unsigned long long)rc.soft_at);
	ok(rc.hard == 1 && rc.hard_at == 8, "hard packet hook once, at 8");
	esp_sa_info(out, &info);
	ok(info.soft_fired && info.hard_fired && !info.exhausted &&
	    info.seq == 8 && info.stats.drops[ESP_DROP_EXPIRED] == 2 &&
	    info.dir == ESP_OUT && info.spi == 0x7000 &&
	    strcmp(info.encr, im.aead->name) == 0 &&
	    strcmp(info.backend, im.aead->backend) == 0 &&
	    info.life.hard_packets == 8, "esp_sa_info reports it");
	esp_sa_free(out);
	out = NULL;

	/* Bytes, inbound: 300-byte packets, soft at 1000, hard at 2000. */
	memset(&rc, 0, sizeof(rc));
	params(&prm, im.aead->ike_id == CHACHA ? ALG_CHACHA : ALG_GCM128,
	    &im, ESP_IN, 1, 0x7001, 0);
	prm.life.soft_bytes = 1000;
	prm.life.hard_bytes = 2000;
	prm.hook = rec_hook;
	prm.hook_arg = &rc;
	if (esp_sa_new(&prm, &in) != 0)
		abort();
	params(&prm, im.aead->ike_id == CHACHA ? ALG_CHACHA : ALG_GCM128,
	    &im, ESP_OUT, 1, 0x7001, 0);
	if (esp_sa_new(&prm, &plain) != 0)
		abort();
	for (i = 1, okn = 0, expn = 0; i <= 9; i++) {
		if (seal_v4(plain, buf, 300, &p) != 0)
			abort();
		r = esp_open(in, &p);
		okn += r == 0;
		expn += r == -E_STATE && p.drop == ESP_DROP_EXPIRED;
	}
	esp_sa_stats(in, &st);
	ok(okn == 7 && expn == 2 && st.bytes == 2100,
	    "byte limit: 7 opened (2100 bytes), then expired");
	ok(rc.soft == 1 && rc.soft_at == 4, "soft byte hook once, at the "
	    "4th packet (1200 bytes)");
	ok(rc.hard == 1 && rc.hard_at == 7, "hard byte hook once, at the "
	    "7th packet");
	esp_sa_free(in);
	esp_sa_free(plain);
}

static void
seal_errors(void)
{
	static uint8_t buf[BUFSZ], copy[BUFSZ];
	struct esp_sa *out, *in;
	struct esp_sa_stats st;
	struct impl im;
	struct esp_pkt p;
	uint8_t *big;
	size_t h, t;
	int r;

	if (first_impl(ALG_CBC128, &im) != 0)
		return;
	out = mk(ALG_CBC128, &im, ESP_OUT, 0, 0x8000, 0);
	in = mk(ALG_CBC128, &im, ESP_IN, 0, 0x8000, 0);
	if (out == NULL || in == NULL)
		abort();
	esp_sa_overhead(out, 100, &h, &t);
	is_int(h, 24, "CBC header: SPI, Seq, 16-byte IV");
	is_int(t, 28, "CBC trailer: 10 bytes of "
	    "padding to 112, 2, ICV 16");
	/* Headroom one short. */
	memset(buf, 0x77, sizeof(buf));
	mk_v4(buf + h - 1, 100, 2, 1, 0);
	memcpy(copy, buf, sizeof(buf));
	pkt_init(&p, buf, sizeof(buf), h - 1, 100);
	r = esp_seal(out, &p);
	ok(r == -E_RANGE && p.drop == ESP_DROP_NOROOM &&
	    memcmp(buf, copy, sizeof(buf)) == 0,
	    "headroom one short: refused, nothing written");
	/* Tailroom one short, then exact. */
	pkt_init(&p, buf, h + 100 + t - 1, h, 100);
	p.off = h;
	mk_v4(buf + h, 100, 2, 1, 0);
	memcpy(copy, buf, sizeof(buf));
	r = esp_seal(out, &p);
	ok(r == -E_RANGE && p.drop == ESP_DROP_NOROOM &&
	    memcmp(buf, copy, sizeof(buf)) == 0,
	    "tailroom one short: refused, nothing written");
	pkt_init(&p, buf, h + 100 + t, h, 100);
	r = esp_seal(out, &p);
	ok(r == 0 && p.off == 0 && p.len == h + 100 + t,
	    "exact headroom and tailroom suffice");
	ok(esp_open(in, &p) == 0 && p.len == 100, "and it opens");
	/* Not an IP packet. */
	buf[h] = 0x55;
	pkt_init(&p, buf, sizeof(buf), h, 100);
	ok(esp_seal(out, &p) == -E_SYNTAX && p.drop == ESP_DROP_INNER,
	    "version 5: refused as bad inner");
	mk_v4(buf + h, 19, 2, 1, 0);
	pkt_init(&p, buf, sizeof(buf), h, 19);
	ok(esp_seal(out, &p) == -E_SYNTAX, "19-byte IPv4: refused");
	mk_v6(buf + h, 40, 2, 1, 0);
	pkt_init(&p, buf, sizeof(buf), h, 39);
	ok(esp_seal(out, &p) == -E_SYNTAX, "39-byte IPv6: refused");
	pkt_init(&p, buf, sizeof(buf), h, 0);
	ok(esp_seal(out, &p) == -E_SYNTAX, "empty: refused");
	/* One byte over the largest IP packet, room enough around it. */
	if ((big = malloc(h + ESP_INNER_MAX + 1 + t)) == NULL)
		abort();
	mk_v4(big + h, 100, 2, 1, 0);
	pkt_init(&p, big, h + ESP_INNER_MAX + 1 + t, h, ESP_INNER_MAX + 1);
	ok(esp_seal(out, &p) == -E_SYNTAX && p.drop == ESP_DROP_INNER,
	    "IPv4 over ESP_INNER_MAX: refused");
	mk_v6(big + h, 100, 2, 1, 0);
	pkt_init(&p, big, h + ESP_INNER_MAX + 1 + t, h, ESP_INNER_MAX + 1);
	ok(esp_seal(out, &p) == -E_SYNTAX && p.drop == ESP_DROP_INNER,
	    "IPv6 over ESP_INNER_MAX: refused");
	free(big);
	esp_sa_stats(out, &st);
	ok(st.drops[ESP_DROP_NOROOM] == 2 && st.drops[ESP_DROP_INNER] == 6 &&
	    st.packets == 1, "seal drops counted by reason");
	/* Wrong direction, inconsistent descriptor: not counted. */
	mk_v4(buf + h, 100, 2, 1, 0);
	pkt_init(&p, buf, sizeof(buf), h, 100);
	ok(esp_seal(in, &p) == -E_INVAL, "seal on an inbound SA: refused");
	ok(esp_open(out, &p) == -E_INVAL, "open on an outbound SA: refused");
	pkt_init(&p, buf, 50, h, 100);
	ok(esp_seal(out, &p) == -E_INVAL, "span past cap: refused");
	esp_sa_stats(out, &st);
	ok(drops_sum(&st) == 8, "programming errors are not counted drops");
	esp_sa_free(out);
	esp_sa_free(in);
}

static int
new_err(struct esp_sa_params *p)
{
	struct esp_sa *sa = NULL;
	int r = esp_sa_new(p, &sa);

	if (r == 0)
		esp_sa_free(sa);
	return r;
}

static void
param_checks(void)
{
	struct esp_sa_params p;
	struct ike_keys_child k;
	struct impl g128, g256;

	params(&p, ALG_GCM128, NULL, ESP_IN, 0, 0x9000, 0);
	is_int(new_err(&p), 0, "valid AES-128-GCM SA");
	p.encr_len = 16;
	is_int(new_err(&p), -E_INVAL, "GCM key without its salt");
	params(&p, ALG_GCM128, NULL, ESP_IN, 0, 0x9000, 0);
	p.integ_id = XFORM_INTEG_HMAC_SHA2_256_128;
	is_int(new_err(&p), -E_INVAL, "AEAD with an integrity transform");
	params(&p, ALG_CBC128, NULL, ESP_IN, 0, 0x9000, 0);
	is_int(new_err(&p), 0, "valid AES-128-CBC/SHA256 SA");
	p.integ_id = 0;
	is_int(new_err(&p), -E_INVAL, "CBC without integrity");
	params(&p, ALG_CBC128, NULL, ESP_IN, 0, 0x9000, 0);
	p.integ_len = 20;
	is_int(new_err(&p), -E_INVAL, "HMAC key of the wrong length");
	params(&p, ALG_GCM128, NULL, ESP_IN, 0, 0x9000, 0);
	p.encr_id = 3;
	is_int(new_err(&p), -E_NOTSUP, "3DES is not offered");
	params(&p, ALG_GCM128, NULL, ESP_IN, 0, 0x9000, 0);
	p.encr_bits = 192;
	p.encr_len = 28;
	is_int(new_err(&p), -E_NOTSUP, "192-bit keys are not offered");
	params(&p, ALG_GCM128, NULL, ESP_IN, 0, 255, 0);
	is_int(new_err(&p), -E_INVAL, "SPI 255 (reserved, RFC 4303 2.1)");
	params(&p, ALG_GCM128, NULL, ESP_OUT, 0, 0x9000, 0x100000000ULL);
	is_int(new_err(&p), -E_INVAL, "33-bit counter without ESN");
	params(&p, ALG_GCM128, NULL, ESP_IN, 0, 0x9000, 0);
	p.nts = ESP_TS_MAX + 1;
	is_int(new_err(&p), -E_INVAL, "too many selectors");
	p.nts = 1;
	p.ts[0].family = 99;
	is_int(new_err(&p), -E_INVAL, "selector of an unknown family");
	p.ts[0].family = AF_INET;
	p.ts[0].start[0] = 11;
	p.ts[0].end[0] = 10;
	is_int(new_err(&p), -E_INVAL, "selector with start > end");
	if (first_impl(ALG_GCM128, &g128) == 0 &&
	    first_impl(&algs[1], &g256) == 0) {
		params(&p, ALG_GCM128, &g256, ESP_IN, 0, 0x9000, 0);
		is_int(new_err(&p), -E_INVAL,
		    "explicit entry of another key size");
	}

	memset(&k, 0, sizeof(k));
	k.encr_len = 20;
	k.integ_len = 0;
	params(&p, ALG_GCM128, NULL, ESP_IN, 0, 0x9000, 0);
	esp_sa_params_keys(&p, &k, 0);
	ok(p.encr_key == k.encr_i && p.encr_len == 20,
	    "responder inbound uses the i keys (RFC 7296 2.17)");
	p.dir = ESP_OUT;
	esp_sa_params_keys(&p, &k, 0);
	ok(p.encr_key == k.encr_r && p.integ_key == k.integ_r,
	    "responder outbound uses the r keys");
	esp_sa_params_keys(&p, &k, 1);
	ok(p.encr_key == k.encr_i && p.integ_key == k.integ_i,
	    "initiator outbound uses the i keys");
	p.dir = ESP_IN;
	esp_sa_params_keys(&p, &k, 1);
	ok(p.encr_key == k.encr_r, "initiator inbound uses the r keys");

	ok(strcmp(esp_drop_name(ESP_DROP_ICV), "bad-icv") == 0 &&
	    strcmp(esp_drop_name(ESP_DROP_NO_SPI), "unknown-spi") == 0 &&
	    strcmp(esp_drop_name((enum esp_drop)1000), "unknown") == 0,
	    "drop names");
}

static struct esp_sa *
mk_out_dst(const struct alg *a, const struct impl *im, uint32_t spi,
    int family, const uint8_t *addr)
{
	struct esp_sa_params p;
	struct esp_sa *sa = NULL;

	params(&p, a, im, ESP_OUT, 0, spi, 0);
	p.dst[0].family = family;
	memcpy(p.dst[0].a, addr, family == AF_INET ? 4 : 16);
	p.ndst = 1;
	if (esp_sa_new(&p, &sa) != 0)
		abort();
	return sa;
}

static int
count_fn(struct esp_sa *sa, void *arg)
{
	(void)sa;
	(*(size_t *)arg)++;
	return 0;
}

static int
stop_fn(struct esp_sa *sa, void *arg)
{
	(void)sa;
	(void)arg;
	return 42;
}

#define NCHURN	400

/* Inbound table churn: adds, removals and lookups against a plain array,
 * through several growths and tombstone purges. */
static void
sadb_churn(const struct impl *im)
{
	static struct esp_sa *sas[NCHURN];
	static int present[NCHURN];
	struct esp_sadb *db;
	struct esp_sadb_stats st;
	struct esp_sa *got;
	size_t i, k, live = 0, cnt = 0;
	unsigned bad = 0, op;
	uint32_t spi;

	db = esp_sadb_new();
	if (db == NULL)
		abort();
	/* Distinct SPIs >= 256: a multiplicative sequence. */
	for (i = 0; i < NCHURN; i++) {
		spi = (uint32_t)(0x1000 + i * 2654435761u % 0x7fff0000u);
		sas[i] = mk(ALG_GCM128, im, ESP_IN, 0, spi, 0);
		present[i] = 0;
		if (sas[i] == NULL)
			abort();
	}
	for (op = 0; op < 20000; op++) {
		k = rnd() % NCHURN;
		switch (rnd() % 3) {
		case 0:
			if (esp_sadb_add(db, sas[k]) !=
			    (present[k] ? -E_EXIST : 0))
				bad++;
			if (!present[k])
				live++;
			present[k] = 1;
			break;
		case 1:
			if (esp_sadb_remove(db, sas[k]) !=
			    (present[k] ? 0 : -E_NOENT))
				bad++;
			if (present[k])
				live--;
			present[k] = 0;
			break;
		default:
			got = esp_sadb_lookup_spi(db, esp_sa_spi(sas[k]));
			if (got != (present[k] ? sas[k] : NULL))
				bad++;
			if (esp_sadb_spi_taken(esp_sa_spi(sas[k]), db) !=
			    present[k])
				bad++;
			break;
		}
	}
	for (i = 0; i < NCHURN; i++)
		if (esp_sadb_lookup_spi(db, esp_sa_spi(sas[i])) !=
		    (present[i] ? sas[i] : NULL))
			bad++;
	if (esp_sadb_lookup_spi(db, 0x12345) != NULL)
		bad++;
	esp_sadb_stats(db, &st);
	is_int(bad, 0, "SA table churn: 20000 operations on %d SAs agree "
	    "with the reference", NCHURN);
	is_int(st.n_in, live, "live inbound count");
	ok(esp_sadb_foreach(db, count_fn, &cnt) == 0 && cnt == live,
	    "foreach visits every SA once (%zu)", cnt);
	ok(live == 0 || esp_sadb_foreach(db, stop_fn, NULL) == 42,
	    "foreach stops on a nonzero return");
	esp_sadb_free(db);
	for (i = 0; i < NCHURN; i++)
		esp_sa_free(sas[i]);
}

static void
sadb_batches(const struct impl *im)
{
	static uint8_t bufs[8][BUFSZ];
	static const uint8_t v4a[4] = { 10, 0, 1, 1 }, v4b[4] = { 10, 0, 1, 9 };
	uint8_t v6a[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1 };
	struct esp_sadb *db;
	struct esp_sa *oa, *ob, *o6, *ia, *ib, *i6, *na, *old = NULL;
	struct esp_sadb_stats st;
	struct esp_addr ad;
	struct esp_pkt p[8];
	size_t n, i;

	db = esp_sadb_new();
	oa = mk_out_dst(ALG_GCM128, im, 0xa001, AF_INET, v4a);
	ob = mk_out_dst(ALG_GCM128, im, 0xa002, AF_INET, v4b);
	o6 = mk_out_dst(ALG_GCM128, im, 0xa006, AF_INET6, v6a);
	ia = mk(ALG_GCM128, im, ESP_IN, 0, 0xa001, 0);
	ib = mk(ALG_GCM128, im, ESP_IN, 0, 0xa002, 0);
	i6 = mk(ALG_GCM128, im, ESP_IN, 0, 0xa006, 0);
	if (db == NULL || ia == NULL || ib == NULL || i6 == NULL)
		abort();
	ok(esp_sadb_add(db, oa) == 0 && esp_sadb_add(db, ob) == 0 &&
	    esp_sadb_add(db, o6) == 0 && esp_sadb_add(db, ia) == 0 &&
	    esp_sadb_add(db, ib) == 0 && esp_sadb_add(db, i6) == 0,
	    "three SA pairs added");
	is_int(esp_sadb_add(db, oa), -E_EXIST, "same destination twice");
	na = mk(ALG_GCM128, im, ESP_OUT, 0, 0xa0ff, 0);
	is_int(esp_sadb_add(db, na), -E_INVAL, "outbound SA without dst");
	esp_sa_free(na);

	memset(&ad, 0, sizeof(ad));
	ad.family = AF_INET;
	memcpy(ad.a, v4b, 4);
	ok(esp_sadb_lookup_dst(db, &ad) == ob, "lookup by IPv4 destination");
	ad.family = AF_INET6;
	memcpy(ad.a, v6a, 16);
	ok(esp_sadb_lookup_dst(db, &ad) == o6, "lookup by IPv6 destination");
	ad.a[15] = 2;
	ok(esp_sadb_lookup_dst(db, &ad) == NULL, "unknown IPv6 destination");
	ad.family = AF_INET;
	memset(ad.a, 0, 16);
	memcpy(ad.a, v6a, 4);
	ok(esp_sadb_lookup_dst(db, &ad) == NULL,
	    "IPv4 address equal to an IPv6 prefix: no match");
	ok(esp_sadb_lookup_spi(db, 0xa006) == i6 &&
	    esp_sadb_lookup_spi(db, 0xa007) == NULL, "lookup by SPI");

	/* A batch of inner packets: runs per SA, misses, garbage. */
	mk_v4(bufs[0] + HEAD, 100, 2, 1, 1);
	mk_v4(bufs[1] + HEAD, 200, 2, 1, 2);
	mk_v4(bufs[2] + HEAD, 300, 2, 9, 3);
	mk_v4(bufs[3] + HEAD, 100, 2, 77, 4);		/* no SA */
	mk_v6(bufs[4] + HEAD, 120, 2, 1, 5);
	bufs[5][HEAD] = 0x55;				/* not IP */
	mk_v4(bufs[6] + HEAD, 100, 2, 1, 6);		/* cut short */
	mk_v4(bufs[7] + HEAD, 64, 2, 1, 7);
	for (i = 0; i < 8; i++)
		pkt_init(&p[i], bufs[i], BUFSZ, HEAD, i == 6 ? 19 :
		    i == 5 ? 60 : get32(bufs[i] + HEAD) >> 28 == 6 ?
		    120 : (get32(bufs[i] + HEAD) & 0xffff));
	n = esp_sadb_encap(db, p, 8);
	is_int(n, 5, "encap batch: 5 of 8 sealed");
	ok(p[0].sa == oa && p[1].sa == oa && p[2].sa == ob &&
	    p[4].sa == o6 && p[7].sa == oa && p[0].r == 0 && p[4].r == 0,
	    "each went to its destination's SA");
	ok(p[3].r == -E_NOENT && p[3].drop == ESP_DROP_NO_SA &&
	    p[3].sa == NULL, "unknown destination: no SA");
	ok(p[5].r == -E_SYNTAX && p[5].drop == ESP_DROP_INNER &&
	    p[6].r == -E_SYNTAX && p[6].drop == ESP_DROP_INNER,
	    "not IP, and too short for a destination: bad inner");
	esp_sadb_stats(db, &st);
	ok(st.drops[ESP_DROP_NO_SA] == 1 && st.drops[ESP_DROP_INNER] == 2 &&
	    st.n_in == 3 && st.n_out == 3, "table counts the misses");

	/* Decap the sealed ones, plus an unknown SPI and a truncated packet. */
	p[3].buf[p[3].off] = 0xde, p[3].buf[p[3].off + 1] = 0xad;
	memcpy(p[3].buf + HEAD, p[0].buf + p[0].off, 40);
	p[3].buf[HEAD + 3] ^= 0x5a;			/* unknown SPI */
	p[3].off = HEAD;
	p[3].len = 40;
	p[5].len = 7;					/* truncated */
	p[6] = p[7];
	p[6].buf = bufs[6];
	memcpy(bufs[6], bufs[7], BUFSZ);
	p[6].off = p[7].off;
	n = esp_sadb_decap(db, p, 8);
	is_int(n, 5, "decap batch: 5 of 8 delivered");
	ok(p[0].r == 0 && p[0].sa == ia && p[0].len == 100 &&
	    p[1].len == 200 && p[2].sa == ib && p[4].sa == i6 &&
	    p[4].len == 120, "each opened on its inbound SA");
	ok(p[3].r == -E_NOENT && p[3].drop == ESP_DROP_NO_SPI,
	    "unknown SPI");
	ok(p[5].r == -E_SHORT && p[5].drop == ESP_DROP_SHORT,
	    "truncated packet: short");
	ok((p[6].r == 0) != (p[7].r == 0) &&
	    (p[6].drop == ESP_DROP_REPLAY || p[7].drop == ESP_DROP_REPLAY),
	    "two copies in one batch: one delivered, one a replay");
	esp_sadb_stats(db, &st);
	ok(st.drops[ESP_DROP_NO_SPI] == 1 && st.drops[ESP_DROP_SHORT] == 1,
	    "table counts them");

	/* Rekey: the new outbound SA takes the address in one store. */
	na = mk_out_dst(ALG_GCM128, im, 0xa101, AF_INET, v4a);
	ok(esp_sadb_replace_out(db, na, &old) == 0 && old == oa,
	    "replace returns the old outbound SA");
	ad.family = AF_INET;
	memset(ad.a, 0, 16);
	memcpy(ad.a, v4a, 4);
	ok(esp_sadb_lookup_dst(db, &ad) == na, "lookup finds the new one");
	ok(esp_sadb_remove(db, oa) == -E_NOENT, "the old one is gone");
	esp_sadb_stats(db, &st);
	is_int(st.n_out, 3, "still three outbound SAs");
	ok(esp_sadb_remove(db, na) == 0 && esp_sadb_remove(db, ib) == 0 &&
	    esp_sadb_lookup_spi(db, 0xa002) == NULL &&
	    esp_sadb_lookup_dst(db, &ad) == NULL, "removals");
	ok(esp_sadb_replace_out(db, na, &old) == 0 && old == NULL &&
	    esp_sadb_lookup_dst(db, &ad) == na,
	    "replace on a free address adds");
	esp_sadb_free(db);
	esp_sa_free(oa);
	esp_sa_free(ob);
	esp_sa_free(o6);
	esp_sa_free(na);
	esp_sa_free(ia);
	esp_sa_free(ib);
	esp_sa_free(i6);
}

/* An outbound SA found under several inner addresses (a dual-stack
 * client: mk_v4 and mk_v6 destinations), or under none. */
static struct esp_sa *
mk_out_multi(const struct impl *im, uint32_t spi, const uint8_t d4[][4],
    size_t n4, const uint8_t d6[][16], size_t n6)
{
	struct esp_sa_params p;
	struct esp_sa *sa = NULL;
	size_t i;

	params(&p, ALG_GCM128, im, ESP_OUT, 0, spi, 0);
	for (i = 0; i < n4; i++) {
		p.dst[p.ndst].family = AF_INET;
		memcpy(p.dst[p.ndst++].a, d4[i], 4);
	}
	for (i = 0; i < n6; i++) {
		p.dst[p.ndst].family = AF_INET6;
		memcpy(p.dst[p.ndst++].a, d6[i], 16);
	}
	if (esp_sa_new(&p, &sa) != 0)
		abort();
	return sa;
}

static void
set_addr(struct esp_addr *a, int family, const uint8_t *b)
{
	memset(a, 0, sizeof(*a));
	a->family = family;
	memcpy(a->a, b, family == AF_INET ? 4 : 16);
}

/* The sequence number of the ESP packet p. */
static uint32_t
esp_seq(const struct esp_pkt *p)
{
	return get32(p->buf + p->off + 4);
}

/*
 * One outbound SA under an IPv4 and an IPv6 address (both inner
 * addresses of one client), and the default outbound SA of each family
 * (a client sends all it routes to its gateway): lookups, one sequence
 * counter for both families, counts, removal, replacement, refusals.
 */
static void
sadb_multi(const struct impl *im)
{
	static uint8_t bufs[6][BUFSZ];
	static const uint8_t a4[][4] = { { 10, 0, 1, 1 }, { 10, 0, 1, 2 },
	    { 10, 0, 1, 3 } };
	static const uint8_t a6[][16] = {
	    { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1 },
	    { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2 } };
	struct esp_sa_params prm;
	struct esp_sadb *db;
	struct esp_sa *m, *x, *d, *in, *old, *r1, *r2, *sa = NULL;
	struct esp_sadb_stats st;
	struct esp_addr ad;
	struct esp_pkt p[6];
	size_t cnt, i, n;

	if ((db = esp_sadb_new()) == NULL)
		abort();
	/* m: 10.0.1.1 and fd00::1:1; x: 10.0.1.1 again. */
	m = mk_out_multi(im, 0xd001, a4, 1, a6, 1);
	x = mk_out_multi(im, 0xd002, a4, 1, NULL, 0);
	ok(esp_sadb_add(db, m) == 0, "an SA under an IPv4 and an IPv6 "
	    "address");
	set_addr(&ad, AF_INET, a4[0]);
	ok(esp_sadb_lookup_dst(db, &ad) == m, "found by its IPv4 address");
	set_addr(&ad, AF_INET6, a6[0]);
	ok(esp_sadb_lookup_dst(db, &ad) == m, "found by its IPv6 address");
	set_addr(&ad, AF_INET6, a6[1]);
	ok(esp_sadb_lookup_dst(db, &ad) == NULL,
	    "another IPv6 address: nothing (no default yet)");
	esp_sadb_stats(db, &st);
	cnt = 0;
	ok(st.n_out == 1 && esp_sadb_foreach(db, count_fn, &cnt) == 0 &&
	    cnt == 1, "counted and visited once, not once per address");
	is_int(esp_sadb_add(db, m), -E_EXIST, "added twice: refused");
	is_int(esp_sadb_add(db, x), -E_EXIST,
	    "another SA on a taken address: refused");

	/* One SA, one counter: an IPv4 and an IPv6 packet in one batch get
	 * consecutive sequence numbers (RFC 4303 3.3.3). */
	mk_v4(bufs[0] + HEAD, 100, 2, 1, 1);
	mk_v6(bufs[1] + HEAD, 120, 2, 1, 2);
	mk_v4(bufs[2] + HEAD, 100, 2, 1, 3);
	pkt_init(&p[0], bufs[0], BUFSZ, HEAD, 100);
	pkt_init(&p[1], bufs[1], BUFSZ, HEAD, 120);
	pkt_init(&p[2], bufs[2], BUFSZ, HEAD, 100);
	n = esp_sadb_encap(db, p, 3);
	ok(n == 3 && p[0].sa == m && p[1].sa == m && p[2].sa == m &&
	    esp_seq(&p[0]) == 1 && esp_seq(&p[1]) == 2 &&
	    esp_seq(&p[2]) == 3, "IPv4, IPv6, IPv4: sequence 1, 2, 3 on "
	    "one SA");

	/* A family's default: what has no key of its own. */
	d = mk_out_multi(im, 0xd003, NULL, 0, NULL, 0);
	is_int(esp_sadb_add(db, d), -E_INVAL, "an SA without addresses "
	    "cannot be keyed");
	ok(esp_sadb_set_default(db, AF_INET, d, &old) == 0 && old == NULL,
	    "IPv4 default set");
	set_addr(&ad, AF_INET, a4[2]);
	ok(esp_sadb_lookup_dst(db, &ad) == d, "unknown IPv4 destination: "
	    "the default");
	set_addr(&ad, AF_INET, a4[0]);
	ok(esp_sadb_lookup_dst(db, &ad) == m, "a keyed address still wins");
	set_addr(&ad, AF_INET6, a6[1]);
	ok(esp_sadb_lookup_dst(db, &ad) == NULL,
	    "IPv6 has no default: nothing");
	ok(esp_sadb_set_default(db, AF_INET6, d, &old) == 0 && old == NULL &&
	    esp_sadb_lookup_dst(db, &ad) == d,
	    "the same SA as the IPv6 default");
	esp_sadb_stats(db, &st);
	cnt = 0;
	ok(st.n_out == 2 && esp_sadb_foreach(db, count_fn, &cnt) == 0 &&
	    cnt == 2, "a default of both families counts once");
	ok(esp_sadb_set_default(db, AF_INET, m, &old) == 0 && old == d,
	    "replacing a default returns the old one");
	esp_sadb_stats(db, &st);
	cnt = 0;
	ok(st.n_out == 2 && esp_sadb_foreach(db, count_fn, &cnt) == 0 &&
	    cnt == 2, "a keyed SA that is also a default counts once");
	ok(esp_sadb_set_default(db, AF_INET, d, &old) == 0 && old == m,
	    "and back");
	in = mk(ALG_GCM128, im, ESP_IN, 0, 0xd001, 0);
	ok(esp_sadb_set_default(db, AF_INET, in, &old) == -E_INVAL &&
	    esp_sadb_set_default(db, AF_UNIX, d, &old) == -E_INVAL,
	    "an inbound SA or another family: refused");
	esp_sa_free(in);

	/* Through the batch path: a run to unknown destinations. */
	mk_v4(bufs[3] + HEAD, 100, 2, 3, 4);
	mk_v6(bufs[4] + HEAD, 120, 2, 2, 5);
	mk_v4(bufs[5] + HEAD, 100, 2, 1, 6);
	pkt_init(&p[3], bufs[3], BUFSZ, HEAD, 100);
	pkt_init(&p[4], bufs[4], BUFSZ, HEAD, 120);
	pkt_init(&p[5], bufs[5], BUFSZ, HEAD, 100);
	n = esp_sadb_encap(db, p + 3, 3);
	ok(n == 3 && p[3].sa == d && p[4].sa == d && p[5].sa == m &&
	    esp_seq(&p[3]) == 1 && esp_seq(&p[4]) == 2 && esp_seq(&p[5]) == 4,
	    "batch: defaults for the unknown, the keyed SA for its own");

	/* Removal takes every key and every default an SA holds. */
	ok(esp_sadb_remove(db, d) == 0, "default removed");
	set_addr(&ad, AF_INET, a4[2]);
	ok(esp_sadb_lookup_dst(db, &ad) == NULL, "no IPv4 default any more");
	set_addr(&ad, AF_INET6, a6[1]);
	ok(esp_sadb_lookup_dst(db, &ad) == NULL, "no IPv6 default any more");
	is_int(esp_sadb_remove(db, d), -E_NOENT, "removed twice");
	ok(esp_sadb_remove(db, m) == 0, "the two-address SA removed");
	set_addr(&ad, AF_INET6, a6[0]);
	esp_sadb_stats(db, &st);
	ok(esp_sadb_lookup_dst(db, &ad) == NULL && st.n_out == 0,
	    "both its addresses are free, nothing counted");
	ok(esp_sadb_add(db, x) == 0, "the address is free for another SA");

	/* Rekey of a two-address SA: r1 holds 10.0.1.1 (as x) ... */
	r1 = mk_out_multi(im, 0xd004, a4 + 1, 2, a6, 1);
	ok(esp_sadb_add(db, r1) == 0, "10.0.1.2, 10.0.1.3, fd00::1:1");
	r2 = mk_out_multi(im, 0xd005, a4, 2, a6, 1);
	ok(esp_sadb_replace_out(db, r2, &old) == -E_EXIST && old == NULL,
	    "replacing two different SAs at once: refused");
	set_addr(&ad, AF_INET, a4[0]);
	ok(esp_sadb_lookup_dst(db, &ad) == x, "and nothing changed");
	ok(esp_sadb_remove(db, x) == 0, "x removed");
	ok(esp_sadb_replace_out(db, r2, &old) == 0 && old == r1,
	    "replace: 10.0.1.1, 10.0.1.2, fd00::1:1 over r1");
	set_addr(&ad, AF_INET, a4[0]);
	ok(esp_sadb_lookup_dst(db, &ad) == r2, "new address: the new SA");
	set_addr(&ad, AF_INET, a4[1]);
	ok(esp_sadb_lookup_dst(db, &ad) == r2, "shared IPv4: the new SA");
	set_addr(&ad, AF_INET6, a6[0]);
	ok(esp_sadb_lookup_dst(db, &ad) == r2, "shared IPv6: the new SA");
	set_addr(&ad, AF_INET, a4[2]);
	ok(esp_sadb_lookup_dst(db, &ad) == NULL,
	    "the old SA's other address left with it");
	esp_sadb_stats(db, &st);
	ok(st.n_out == 1 && esp_sadb_remove(db, r1) == -E_NOENT,
	    "one outbound SA left; the old one is out");
	ok(esp_sadb_remove(db, r2) == 0, "removed");

	/* Parameters. */
	params(&prm, ALG_GCM128, im, ESP_OUT, 0, 0xd006, 0);
	prm.ndst = 2;
	set_addr(&prm.dst[0], AF_INET, a4[0]);
	set_addr(&prm.dst[1], AF_INET, a4[0]);
	is_int(esp_sa_new(&prm, &sa), -E_INVAL, "the same address twice");
	prm.ndst = ESP_DST_MAX + 1;
	for (i = 0; i < ESP_DST_MAX + 1; i++) {
		set_addr(&prm.dst[i < ESP_DST_MAX ? i : 0], AF_INET, a4[0]);
		prm.dst[i < ESP_DST_MAX ? i : 0].a[3] = (uint8_t)(i + 10);
	}
	is_int(esp_sa_new(&prm, &sa), -E_INVAL, "more than ESP_DST_MAX");
	prm.ndst = 1;
	prm.dst[0].family = AF_UNIX;
	is_int(esp_sa_new(&prm, &sa), -E_INVAL, "a dst of another family");
	esp_sadb_free(db);
	esp_sa_free(m);
	esp_sa_free(x);
	esp_sa_free(d);
	esp_sa_free(r1);
	esp_sa_free(r2);
}

#define NMULTI	300

/* Churn of SAs with one to three addresses each, in both families, and
 * defaults coming and going, against a reference. */
static void
sadb_multi_churn(const struct impl *im)
{
	static struct esp_sa *sas[NMULTI];
	static int present[NMULTI];
	static uint8_t d4[NMULTI][2][4], d6[NMULTI][16];
	struct esp_sadb *db;
	struct esp_sadb_stats st;
	struct esp_sa *dflt[2] = { NULL, NULL }, *old, *want;
	struct esp_addr ad;
	size_t i, k, live = 0, cnt = 0;
	unsigned bad = 0, op, f;

	if ((db = esp_sadb_new()) == NULL)
		abort();
	for (i = 0; i < NMULTI; i++) {
		d4[i][0][0] = 10, d4[i][0][1] = 1;
		d4[i][0][2] = (uint8_t)(i >> 8), d4[i][0][3] = (uint8_t)i;
		memcpy(d4[i][1], d4[i][0], 4);
		d4[i][1][1] = 2;
		memset(d6[i], 0, 16);
		d6[i][0] = 0xfd, d6[i][14] = (uint8_t)(i >> 8);
		d6[i][15] = (uint8_t)i;
		sas[i] = mk_out_multi(im, (uint32_t)(0x10000 + i),
		    (const uint8_t (*)[4])d4[i], 1 + i % 2,
		    (const uint8_t (*)[16])&d6[i], i % 3 != 0);
		present[i] = 0;
	}
	for (op = 0; op < 20000; op++) {
		k = rnd() % NMULTI;
		switch (rnd() % 4) {
		case 0:
			if (esp_sadb_add(db, sas[k]) !=
			    (present[k] ? -E_EXIST : 0))
				bad++;
			live += !present[k];
			present[k] = 1;
			break;
		case 1:
			/* Removal also drops a default k holds. */
			if (esp_sadb_remove(db, sas[k]) != (present[k] ||
			    dflt[0] == sas[k] || dflt[1] == sas[k] ? 0 :
			    -E_NOENT))
				bad++;
			live -= present[k];
			present[k] = 0;
			for (f = 0; f < 2; f++)
				if (dflt[f] == sas[k])
					dflt[f] = NULL;
			break;
		case 2:
			f = (unsigned)(rnd() % 2);
			want = rnd() % 4 == 0 ? NULL : sas[k];
			if (esp_sadb_set_default(db, f ? AF_INET6 : AF_INET,
			    want, &old) != 0 || old != dflt[f])
				bad++;
			dflt[f] = want;
			break;
		default:
			i = rnd() % 3;
			if (i == 2 && k % 3 == 0)
				i = 0;
			set_addr(&ad, i == 2 ? AF_INET6 : AF_INET,
			    i == 2 ? d6[k] : d4[k][i]);
			want = present[k] && (i != 1 || k % 2 == 1) ?
			    sas[k] : dflt[i == 2];
			if (esp_sadb_lookup_dst(db, &ad) != want)
				bad++;
			break;
		}
	}
	esp_sadb_stats(db, &st);
	for (i = 0; i < NMULTI; i++)
		if (!present[i] && (sas[i] == dflt[0] || sas[i] == dflt[1]))
			cnt++;
	if (dflt[0] != NULL && dflt[0] == dflt[1] && cnt == 2)
		cnt = 1;
	is_int(bad, 0, "multi-address churn: 20000 operations on %d SAs "
	    "agree with the reference", NMULTI);
	is_int(st.n_out, live + cnt, "outbound count: keyed SAs and "
	    "keyless defaults, each once");
	cnt = 0;
	ok(esp_sadb_foreach(db, count_fn, &cnt) == 0 && cnt == st.n_out,
	    "foreach visits each once (%zu)", cnt);
	esp_sadb_free(db);
	for (i = 0; i < NMULTI; i++)
		esp_sa_free(sas[i]);
}

/* RFC 4301 5.2: and they may go only where the SA's TSr allows (the
 * policy's split networks), not to anything else the gateway routes. */
static void
destinations(const struct impl *im)
{
	static uint8_t buf[BUFSZ];
	struct esp_sa_params prm;
	struct esp_sa *in = NULL, *out;
	struct esp_sa_stats st;
	struct esp_pkt p;
	int r;

	/* mk_v4 sends to 10.0.1.d: allow 10.0.1.1 - 10.0.1.9 only. */
	params(&prm, ALG_GCM128, im, ESP_IN, 0, 0xb100, 0);
	prm.ndts = 1;
	prm.dts[0].family = AF_INET;
	memcpy(prm.dts[0].start, "\x0a\x00\x01\x01", 4);
	memcpy(prm.dts[0].end, "\x0a\x00\x01\x09", 4);
	if (esp_sa_new(&prm, &in) != 0)
		abort();
	out = mk(ALG_GCM128, im, ESP_OUT, 0, 0xb100, 0);
	mk_v4(buf + HEAD, 80, 2, 9, 0);
	pkt_init(&p, buf, BUFSZ, HEAD, 80);
	r = esp_seal(out, &p) == 0 ? esp_open(in, &p) : -1;
	is_int(r, 0, "inner destination 10.0.1.9, in TSr: delivered");
	mk_v4(buf + HEAD, 80, 2, 10, 0);
	pkt_init(&p, buf, BUFSZ, HEAD, 80);
	r = esp_seal(out, &p) == 0 ? esp_open(in, &p) : -1;
	ok(r == -E_AUTH && p.drop == ESP_DROP_DEST,
	    "inner destination 10.0.1.10, outside TSr: dropped");
	mk_v6(buf + HEAD, 80, 2, 1, 0);
	pkt_init(&p, buf, BUFSZ, HEAD, 80);
	r = esp_seal(out, &p) == 0 ? esp_open(in, &p) : -1;
	ok(r == -E_AUTH && p.drop == ESP_DROP_DEST,
	    "an IPv6 destination with only IPv4 in TSr: dropped");
	esp_sa_stats(in, &st);
	ok(st.drops[ESP_DROP_DEST] == 2 && st.packets == 1,
	    "bad destinations counted, not delivered");
	esp_sa_free(in);
	in = NULL;
	prm.ndts = ESP_TS_MAX + 1;
	is_int(esp_sa_new(&prm, &in), -E_INVAL,
	    "more destination selectors than ESP_TS_MAX refused");
	esp_sa_free(in);
	esp_sa_free(out);
}

/* RFC 4301 5.2: packets from a client must come from its own inner
 * address (its TSi), not another client's. */
static void
spoofing(const struct impl *im)
{
	static uint8_t buf[BUFSZ];
	struct esp_sa_params prm;
	struct esp_sa *in = NULL, *out;
	struct esp_sa_stats st;
	struct esp_addr a;
	struct esp_pkt p;
	int r;

	params(&prm, ALG_GCM128, im, ESP_IN, 0, 0xb000, 0);
	prm.nts = 3;
	prm.ts[0].family = AF_INET;
	memcpy(prm.ts[0].start, "\x0a\x00\x00\x02", 4);
	memcpy(prm.ts[0].end, "\x0a\x00\x00\x02", 4);
	prm.ts[1].family = AF_INET6;
	prm.ts[1].start[0] = prm.ts[1].end[0] = 0xfd;
	prm.ts[1].start[15] = prm.ts[1].end[15] = 2;
	prm.ts[2].family = AF_INET;
	memcpy(prm.ts[2].start, "\xc0\x00\x02\x0a", 4);
	memcpy(prm.ts[2].end, "\xc0\x00\x02\x14", 4);
	if (esp_sa_new(&prm, &in) != 0)
		abort();
	out = mk(ALG_GCM128, im, ESP_OUT, 0, 0xb000, 0);

	mk_v4(buf + HEAD, 80, 2, 1, 0);
	pkt_init(&p, buf, BUFSZ, HEAD, 80);
	r = esp_seal(out, &p) == 0 ? esp_open(in, &p) : -1;
	is_int(r, 0, "inner source 10.0.0.2, in the selector: delivered");
	mk_v4(buf + HEAD, 80, 3, 1, 0);
	pkt_init(&p, buf, BUFSZ, HEAD, 80);
	r = esp_seal(out, &p) == 0 ? esp_open(in, &p) : -1;
	ok(r == -E_AUTH && p.drop == ESP_DROP_SPOOF,
	    "inner source 10.0.0.3: dropped as spoofed");
	mk_v6(buf + HEAD, 80, 2, 1, 0);
	pkt_init(&p, buf, BUFSZ, HEAD, 80);
	r = esp_seal(out, &p) == 0 ? esp_open(in, &p) : -1;
	is_int(r, 0, "inner source fd00::2: delivered");
	mk_v6(buf + HEAD, 80, 3, 1, 0);
	pkt_init(&p, buf, BUFSZ, HEAD, 80);
	r = esp_seal(out, &p) == 0 ? esp_open(in, &p) : -1;
	ok(r == -E_AUTH && p.drop == ESP_DROP_SPOOF,
	    "inner source fd00::3: dropped as spoofed");
	esp_sa_stats(in, &st);
	ok(st.drops[ESP_DROP_SPOOF] == 2 && st.packets == 2,
	    "spoofed packets counted, not delivered");

	memset(&a, 0, sizeof(a));
	a.family = AF_INET;
	memcpy(a.a, "\xc0\x00\x02\x09", 4);
	ok(!esp_sa_ts_match(in, &a), "range: 192.0.2.9 outside");
	a.a[3] = 10;
	ok(esp_sa_ts_match(in, &a), "range: 192.0.2.10 (start) inside");
	a.a[3] = 20;
	ok(esp_sa_ts_match(in, &a), "range: 192.0.2.20 (end) inside");
	a.a[3] = 21;
	ok(!esp_sa_ts_match(in, &a), "range: 192.0.2.21 outside");
	a.family = AF_INET6;
	ok(!esp_sa_ts_match(in, &a), "range: family must match");
	a.family = 0;
	ok(!esp_sa_ts_match(in, &a), "no family: no match");
	ok(esp_sa_ts_match(out, &a) == 1, "an SA without selectors matches "
	    "everything");
	esp_sa_free(in);
	esp_sa_free(out);
}

/* The packet path never makes OpenSSL allocate (seal, open, the HMAC,
 * and the CBC IV pool refills every 32 packets). */
static void
no_alloc(int hooked)
{
	static uint8_t buf[BUFSZ];
	static const struct alg *const which[] = { &algs[0], &algs[2],
	    &algs[4] };
	struct impl all[MAX_IMPL];
	struct esp_sa *out, *in;
	struct esp_pkt p;
	unsigned long before;
	size_t i, j, n, bad;

	for (i = 0; i < sizeof(which) / sizeof(which[0]); i++) {
		n = impls(which[i], all, MAX_IMPL);
		for (j = 0; j < n; j++)
			if (strcmp(all[j].name, "openssl") == 0 ||
			    strcmp(all[j].name, "openssl+openssl") == 0)
				break;
		if (!hooked || j == n) {
			skip("%s/openssl: allocation hook or entry missing",
			    which[i]->name);
			continue;
		}
		out = mk(which[i], &all[j], ESP_OUT, 1, 0xc000, 0);
		in = mk(which[i], &all[j], ESP_IN, 1, 0xc000, 0);
		if (out == NULL || in == NULL)
			abort();
		before = ossl_allocs;
		for (bad = 0, n = 0; n < 1000; n++) {
			mk_v4(buf + HEAD, 1400, 2, 1, (unsigned)n);
			pkt_init(&p, buf, BUFSZ, HEAD, 1400);
			bad += esp_seal(out, &p) != 0 || esp_open(in, &p) != 0;
		}
		ok(bad == 0 && ossl_allocs == before,
		    "%s/openssl: 1000 seal+open, %lu OpenSSL allocations",
		    which[i]->name, ossl_allocs - before);
		esp_sa_free(out);
		esp_sa_free(in);
	}
}

int
main(void)
{
	struct impl im;
	size_t i;
	int hooked;

	hooked = ossl_alloc_hook();
	if (xform_init("auto") != 0)
		skip_all("xform_init failed");
	for (i = 0; i < sizeof(k_enc); i++)
		k_enc[i] = (uint8_t)(0x11 * i + 3);
	for (i = 0; i < sizeof(k_int); i++)
		k_int[i] = (uint8_t)(0x3b * i + 1);

	roundtrips();
	known_answers();
	gcm_draft();
	for (i = 0; i < NALGS; i += 2)
		malformed(&algs[i]);
	malformed(&algs[1]);
	exhaustion();
	lifetimes();
	seal_errors();
	param_checks();
	if (first_impl(ALG_GCM128, &im) == 0) {
		sadb_churn(&im);
		sadb_batches(&im);
		sadb_multi(&im);
		sadb_multi_churn(&im);
		spoofing(&im);
		destinations(&im);
	}
	no_alloc(hooked);
	xform_cleanup();
	return done_testing();
}
