/*
 * 1005-xform-dh: every usable key exchange entry of every backend: X25519
 * against RFC 7748 5.2 and 6.1, ECP groups 19/20/21 against RFC 5903 8,
 * MODP group 14 by agreement and by exponents whose result is known;
 * random key pairs agree in every group; and bad peer values are refused
 * (wrong length, MODP 0/1/p-1/p, points off the curve, X25519 low-order
 * points whose shared secret is all zero).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/xform.h"
#include "t/tap.h"

#define MAXV	XFORM_MAX_DH_PUB_LEN

/* RFC 3526 3: the 2048-bit MODP prime, group 14. */
#define MODP2048_P \
	"ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74" \
	"020bbea63b139b22514a08798e3404ddef9519b3cd3a431b302b0a6df25f1437" \
	"4fe1356d6d51c245e485b576625e7ec6f44c42e9a637ed6b0bff5cb6f406b7ed" \
	"ee386bfb5a899fa5ae9f24117c4b1fe649286651ece45b3dc2007cb8a163bf05" \
	"98da48361c55d39a69163fa8fd24cf5f83655d23dca3ad961c62f356208552bb" \
	"9ed529077096966d670c354e4abc9804f1746c08ca18217c32905e462e36ce3b" \
	"e39e772c180e86039b2783a2ec07a28fb5c55df06f4c52c9de2bcbf695581718" \
	"3995497cea956ae515d2261898fa051015728e5a8aacaa68ffffffffffffffff"

/* A fixed key: keygen(priv) must give pub; derive(peer) must give
 * shared. pub may be NULL when the source does not publish it. */
struct kat {
	const char	*name;
	uint16_t	 group;
	const char	*priv, *pub, *peer, *shared;
};

static const struct kat kats[] = {
	/* RFC 7748 5.2: the two X25519 test vectors (scalar, input u,
	 * output u). The second u has bit 255 set, which must be masked. */
	{ "RFC 7748 5.2 #1", XFORM_DH_CURVE25519,
	    "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
	    NULL,
	    "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
	    "c3da55379de9c6908e94ea4df28d084f"
	    "32eccf03491c71f754b4075577a28552" },
	{ "RFC 7748 5.2 #2", XFORM_DH_CURVE25519,
	    "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
	    NULL,
	    "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
	    "95cbde9476e8907d7aade45cb4b873f8"
	    "8b595a68799fa152e6f8f7647aac7957" },
	/* RFC 7748 6.1: Alice's side, then Bob's. */
	{ "RFC 7748 6.1 Alice", XFORM_DH_CURVE25519,
	    "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
	    "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
	    "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
	    "4a5d9d5ba4ce2de1728e3bf480350f25"
	    "e07e21c947d19e3376f09b3c1e161742" },
	{ "RFC 7748 6.1 Bob", XFORM_DH_CURVE25519,
	    "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
	    "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
	    "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
	    "4a5d9d5ba4ce2de1728e3bf480350f25"
	    "e07e21c947d19e3376f09b3c1e161742" },
	/* RFC 5903 8.1: 256-bit random ECP group; initiator (i, gi) with
	 * the responder's gr, then the responder (r, gr) with gi. */
	{ "RFC 5903 8.1 initiator", XFORM_DH_ECP256,
	    "c88f01f510d9ac3f70a292daa2316de544e9aab8afe84049c62a9c57862d1433",
	    "dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c3772581180"
	    "5271a0461cdb8252d61f1c456fa3e59ab1f45b33accf5f58389e0577b8990bb3",
	    "d12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf63"
	    "56fbf3ca366cc23e8157854c13c58d6aac23f046ada30f8353e74f33039872ab",
	    "d6840f6b42f6edafd13116e0e1256520"
	    "2fef8e9ece7dce03812464d04b9442de" },
	{ "RFC 5903 8.1 responder", XFORM_DH_ECP256,
	    "c6ef9c5d78ae012a011164acb397ce2088685d8f06bf9be0b283ab46476bee53",
	    "d12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf63"
	    "56fbf3ca366cc23e8157854c13c58d6aac23f046ada30f8353e74f33039872ab",
	    "dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c3772581180"
	    "5271a0461cdb8252d61f1c456fa3e59ab1f45b33accf5f58389e0577b8990bb3",
	    "d6840f6b42f6edafd13116e0e1256520"
	    "2fef8e9ece7dce03812464d04b9442de" },
	/* RFC 5903 8.2: 384-bit random ECP group. */
	{ "RFC 5903 8.2 initiator", XFORM_DH_ECP384,
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
	{ "RFC 5903 8.2 responder", XFORM_DH_ECP384,
	    "41cb0779b4bdb85d47846725fbec3c9430fab46cc8dc5060"
	    "855cc9bda0aa2942e0308312916b8ed2960e4bd55a7448fc",
	    "e558dbef53eecde3d3fccfc1aea08a89a987475d12fd950d"
	    "83cfa41732bc509d0d1ac43a0336def96fda41d0774a3571"
	    "dcfbec7aacf3196472169e838430367f66eebe3c6e70c416"
	    "dd5f0c68759dd1fff83fa40142209dff5eaad96db9e6386c",
	    "667842d7d180ac2cde6f74f37551f55755c7645c20ef73e3"
	    "1634fe72b4c55ee6de3ac808acb4bdb4c88732aee95f41aa"
	    "9482ed1fc0eeb9cafc4984625ccfc23f65032149e0e144ad"
	    "a024181535a0f38eeb9fcff3c2c947dae69b4c634573a81c",
	    "11187331c279962d93d604243fd592cb9d0a926f422e4718"
	    "7521287e7156c5c4d603135569b9e9d09cf5d4a270f59746" },
	/* RFC 5903 8.3: 521-bit random ECP group. */
	{ "RFC 5903 8.3 initiator", XFORM_DH_ECP521,
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
	{ "RFC 5903 8.3 responder", XFORM_DH_ECP521,
	    "0145ba99a847af43793fdd0e872e7cdfa16be30fdc780f97bccc3f078380201e"
	    "9c677d600b343757a3bdbf2a3163e4c2f869cca7458aa4a4effc311f5cb15168"
	    "5eb9",
	    "00d0b3975ac4b799f5bea16d5e13e9af971d5e9b984c9f39728b5e5739735a21"
	    "9b97c356436adc6e95bb0352f6be64a6c2912d4ef2d0433ced2b6171640012d9"
	    "460f"
	    "015c68226383956e3bd066e797b623c27ce0eac2f551a10c2c724d9852077b87"
	    "220b6536c5c408a1d2aebb8e86d678ae49cb57091f4732296579ab44fcd17f0f"
	    "c56a",
	    "0015417e84dbf28c0ad3c278713349dc7df153c897a1891bd98bab4357c9ecbe"
	    "e1e3bf42e00b8e380aeae57c2d107564941885942af5a7f4601723c4195d176c"
	    "ed3e"
	    "017cae20b6641d2eeb695786d8c946146239d099e18e1d5a514c739d7cb4a10a"
	    "d8a788015ac405d7799dc75e7b7d5b6cf2261a6a7f1507438bf01beb6ca3926f"
	    "9582",
	    "01144c7d79ae6956bc8edb8e7c787c4521cb086fa64407f97894e5e6b2d79b04"
	    "d1427e73ca4baa240a34786859810c06b3c715a3a8cc3151f2bee417996d19f3"
	    "ddea" },
};

/*
 * X25519 peer values whose shared secret is all zero for every private
 * key (RFC 7748 6.1 says to check for it; RFC 8031 requires it):
 * the points of small order, little-endian, some non-canonical (>= p) or
 * with bit 255 set, which X25519 masks off.
 */
static const char *const x25519_low[] = {
	"0000000000000000000000000000000000000000000000000000000000000000",
	"0100000000000000000000000000000000000000000000000000000000000000",
	"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
	"5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"0000000000000000000000000000000000000000000000000000000000000080",
};

static void
rnd(void *p, size_t n)
{
	if (xform_random(p, n) != 0)
		abort();
}

/* A refused peer value: -E_INVAL per the contract ("bad length or
 * argument"); -E_CRYPTO is tolerated from a library that cannot tell. */
static int
refused(int r)
{
	return r == -E_INVAL || r == -E_CRYPTO;
}

static int
all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;

	while (n-- > 0)
		acc |= *p++;
	return acc == 0;
}

static void
check_kat(const struct xform_dh *d, const struct kat *k)
{
	uint8_t priv[66], pub[MAXV], want[MAXV], peer[MAXV], shared[MAXV];
	size_t privlen;
	void *st = NULL;

	privlen = tap_unhex(k->priv, priv, sizeof(priv));
	tap_unhex(k->peer, peer, sizeof(peer));
	is_int(d->keygen(&st, priv, privlen, pub), 0, "%s/%s %s: keygen",
	    d->name, d->backend, k->name);
	if (st == NULL)
		return;
	if (k->pub != NULL) {
		tap_unhex(k->pub, want, sizeof(want));
		is_mem(pub, want, d->pub_len, "%s/%s %s: public value",
		    d->name, d->backend, k->name);
	}
	tap_unhex(k->shared, want, sizeof(want));
	memset(shared, 0, sizeof(shared));
	is_int(d->derive(st, span_make(peer, d->pub_len), shared), 0,
	    "%s/%s %s: derive", d->name, d->backend, k->name);
	is_mem(shared, want, d->shared_len, "%s/%s %s: shared secret",
	    d->name, d->backend, k->name);
	d->free(st);
}

/* Random key pairs: distinct public values, equal shared secrets. */
static void
check_agree(const struct xform_dh *d)
{
	uint8_t pa[MAXV], pb[MAXV], sa[MAXV], sb[MAXV];
	void *a = NULL, *b = NULL;

	ok(d->keygen(&a, NULL, 0, pa) == 0 && d->keygen(&b, NULL, 0, pb) == 0,
	    "%s/%s: two random key pairs", d->name, d->backend);
	if (a == NULL || b == NULL)
		goto out;
	ok(memcmp(pa, pb, d->pub_len) != 0, "%s/%s: distinct public values",
	    d->name, d->backend);
	ok(d->derive(a, span_make(pb, d->pub_len), sa) == 0 &&
	    d->derive(b, span_make(pa, d->pub_len), sb) == 0 &&
	    memcmp(sa, sb, d->shared_len) == 0 && !all_zero(sa, d->shared_len),
	    "%s/%s: both sides derive the same secret", d->name, d->backend);
 out:
	if (a != NULL)
		d->free(a);
	if (b != NULL)
		d->free(b);
}

/* Wrong lengths are refused in every group. */
static void
check_lengths(const struct xform_dh *d)
{
	uint8_t pub[MAXV], peer[MAXV + 1], shared[MAXV];
	void *st = NULL;

	if (d->keygen(&st, NULL, 0, pub) != 0) {
		ok(0, "%s/%s: keygen", d->name, d->backend);
		return;
	}
	memcpy(peer, pub, d->pub_len);
	peer[d->pub_len] = 0;
	ok(refused(d->derive(st, span_make(peer, d->pub_len - 1), shared)),
	    "%s/%s: %u-byte peer value refused", d->name, d->backend,
	    d->pub_len - 1u);
	ok(refused(d->derive(st, span_make(peer, d->pub_len + 1), shared)),
	    "%s/%s: %u-byte peer value refused", d->name, d->backend,
	    d->pub_len + 1u);
	ok(refused(d->derive(st, span_make(peer, 0), shared)),
	    "%s/%s: empty peer value refused", d->name, d->backend);
	d->free(st);
}

/* Writes p + delta (delta in -1..1) big-endian into out (256 bytes). */
static void
modp_p_plus(int delta, uint8_t *out)
{
	tap_unhex(MODP2048_P, out, 256);
	/* The last byte of p is 0xff: no carry or borrow for -1..0, and
	 * p + 1 carries through the 64 trailing one bits. */
	if (delta <= 0)
		out[255] = (uint8_t)(out[255] + delta);
	else {
		int i = 255;

		while (out[i] == 0xff)
			out[i--] = 0;
		out[i]++;
	}
}

/*
 * MODP group 14: the RFC 6989 peer checks (1 < y < p - 1), plus fixed
 * exponents whose public values are known without a bignum library:
 * 2^2 = 4 and 2^256, both far below p.
 */
static void
check_modp(const struct xform_dh *d)
{
	uint8_t pub[256], want[256], peer[256], shared[256], pb[256];
	uint8_t priv[32];
	void *st = NULL, *b = NULL;
	int i;
	static const struct {
		const char *name;
		int kind;	/* 0: small value, 1: p + delta */
		int v;
	} bad[] = {
		{ "0", 0, 0 }, { "1", 0, 1 }, { "p - 1", 1, -1 },
		{ "p", 1, 0 }, { "p + 1", 1, 1 },
	};

	memset(priv, 0, sizeof(priv));
	priv[31] = 2;
	memset(want, 0, sizeof(want));
	want[255] = 4;
	ok(d->keygen(&st, priv, sizeof(priv), pub) == 0 &&
	    memcmp(pub, want, 256) == 0, "%s/%s: 2^2 = 4", d->name,
	    d->backend);
	if (st != NULL) {
		/* 4^y from our side must equal 2^(2y) from the peer's. */
		ok(d->keygen(&b, NULL, 0, pb) == 0 &&
		    d->derive(st, span_make(pb, 256), shared) == 0 &&
		    d->derive(b, span_make(pub, 256), peer) == 0 &&
		    memcmp(shared, peer, 256) == 0,
		    "%s/%s: fixed and random keys agree", d->name, d->backend);
		if (b != NULL)
			d->free(b);
		d->free(st);
		st = NULL;
	}
	memset(priv, 0, sizeof(priv));
	priv[30] = 1;	/* x = 256 */
	memset(want, 0, sizeof(want));
	want[255 - 32] = 1;	/* 2^256: byte 32 from the end */
	ok(d->keygen(&st, priv, sizeof(priv), pub) == 0 &&
	    memcmp(pub, want, 256) == 0, "%s/%s: 2^256", d->name, d->backend);
	if (st != NULL)
		d->free(st);
	st = NULL;
	memset(priv, 0, sizeof(priv));
	priv[31] = 1;
	ok(refused(d->keygen(&st, priv, sizeof(priv), pub)) && st == NULL,
	    "%s/%s: private exponent 1 refused", d->name, d->backend);

	if (d->keygen(&st, NULL, 0, pub) != 0) {
		ok(0, "%s/%s: keygen", d->name, d->backend);
		return;
	}
	for (i = 0; i < (int)(sizeof(bad) / sizeof(bad[0])); i++) {
		if (bad[i].kind == 0) {
			memset(peer, 0, sizeof(peer));
			peer[255] = (uint8_t)bad[i].v;
		} else
			modp_p_plus(bad[i].v, peer);
		ok(refused(d->derive(st, span_make(peer, 256), shared)),
		    "%s/%s: peer value %s refused", d->name, d->backend,
		    bad[i].name);
	}
	memset(peer, 0xff, sizeof(peer));
	ok(refused(d->derive(st, span_make(peer, 256), shared)),
	    "%s/%s: peer value 2^2048 - 1 refused", d->name, d->backend);
	/* The bounds are exact: 2 and p - 2 are valid group elements. */
	memset(peer, 0, sizeof(peer));
	peer[255] = 2;
	is_int(d->derive(st, span_make(peer, 256), shared), 0,
	    "%s/%s: peer value 2 accepted", d->name, d->backend);
	modp_p_plus(-1, peer);
	peer[255]--;
	is_int(d->derive(st, span_make(peer, 256), shared), 0,
	    "%s/%s: peer value p - 2 accepted", d->name, d->backend);
	d->free(st);
}

/* ECP: points off the curve, (0, 0), coordinates >= p; bad scalars. */
static void
check_ecp(const struct xform_dh *d)
{
	uint8_t pub[MAXV], peer[MAXV], shared[MAXV], priv[66];
	size_t half = d->pub_len / 2;
	void *st = NULL;

	if (d->keygen(&st, NULL, 0, pub) != 0) {
		ok(0, "%s/%s: keygen", d->name, d->backend);
		return;
	}
	memcpy(peer, pub, d->pub_len);
	peer[d->pub_len - 1] ^= 0x01;
	ok(refused(d->derive(st, span_make(peer, d->pub_len), shared)),
	    "%s/%s: point off the curve (y flipped) refused", d->name,
	    d->backend);
	memcpy(peer, pub, d->pub_len);
	peer[half - 1] ^= 0x01;
	ok(refused(d->derive(st, span_make(peer, d->pub_len), shared)),
	    "%s/%s: point off the curve (x flipped) refused", d->name,
	    d->backend);
	memset(peer, 0, d->pub_len);
	ok(refused(d->derive(st, span_make(peer, d->pub_len), shared)),
	    "%s/%s: (0, 0) refused", d->name, d->backend);
	memset(peer, 0xff, d->pub_len);
	ok(refused(d->derive(st, span_make(peer, d->pub_len), shared)),
	    "%s/%s: coordinates >= p refused", d->name, d->backend);
	memcpy(peer, pub, d->pub_len);
	is_int(d->derive(st, span_make(peer, d->pub_len), shared), 0,
	    "%s/%s: a valid point (our own) accepted", d->name, d->backend);
	d->free(st);
	st = NULL;

	/* SEC 1 3.2.1: the private value is in [1, n - 1]. */
	memset(priv, 0, sizeof(priv));
	ok(refused(d->keygen(&st, priv, d->shared_len, pub)) && st == NULL,
	    "%s/%s: private value 0 refused", d->name, d->backend);
	memset(priv, 0xff, sizeof(priv));
	ok(refused(d->keygen(&st, priv, d->shared_len, pub)) && st == NULL,
	    "%s/%s: private value >= n refused", d->name, d->backend);
	priv[0] = 1;
	ok(refused(d->keygen(&st, priv, d->shared_len - 1, pub)) &&
	    st == NULL, "%s/%s: short private value refused", d->name,
	    d->backend);
}

static void
check_x25519(const struct xform_dh *d)
{
	uint8_t pub[32], peer[32], shared[32], priv[32];
	size_t i;
	void *st = NULL;
	int r;

	if (d->keygen(&st, NULL, 0, pub) != 0) {
		ok(0, "%s/%s: keygen", d->name, d->backend);
		return;
	}
	for (i = 0; i < sizeof(x25519_low) / sizeof(x25519_low[0]); i++) {
		tap_unhex(x25519_low[i], peer, sizeof(peer));
		memset(shared, 0x55, sizeof(shared));
		r = d->derive(st, span_make(peer, 32), shared);
		ok(refused(r), "%s/%s: low-order point %.8s... refused",
		    d->name, d->backend, x25519_low[i]);
	}
	d->free(st);
	st = NULL;
	rnd(priv, sizeof(priv));
	ok(refused(d->keygen(&st, priv, 31, pub)) && st == NULL,
	    "%s/%s: 31-byte private key refused", d->name, d->backend);
}

int
main(void)
{
	const struct xform_backend *const *be;
	const struct xform_dh *const *d;
	size_t i;
	int groups[5] = { 0 };

	if (xform_init("auto") != 0)
		skip_all("xform_init failed");
	for (be = xform_backends(); *be != NULL; be++) {
		for (d = (*be)->dh; d != NULL && *d != NULL; d++) {
			if (!xform_dh_usable(*d)) {
				diag("%s/%s: not usable here, skipped",
				    (*d)->name, (*d)->backend);
				continue;
			}
			for (i = 0; i < sizeof(kats) / sizeof(kats[0]); i++)
				if (kats[i].group == (*d)->group)
					check_kat(*d, &kats[i]);
			check_agree(*d);
			check_lengths(*d);
			switch ((*d)->group) {
			case XFORM_DH_MODP2048:
				check_modp(*d);
				groups[0]++;
				break;
			case XFORM_DH_ECP256:
			case XFORM_DH_ECP384:
			case XFORM_DH_ECP521:
				check_ecp(*d);
				groups[(*d)->group - XFORM_DH_ECP256 + 1]++;
				break;
			case XFORM_DH_CURVE25519:
				check_x25519(*d);
				groups[4]++;
				break;
			}
		}
	}
	ok(groups[0] && groups[1] && groups[2] && groups[3] && groups[4],
	    "groups 14, 19, 20, 21 and 31 were all tested");
	xform_cleanup();
	return done_testing();
}
