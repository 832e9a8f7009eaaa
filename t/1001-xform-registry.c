/*
 * 1001-xform-registry: backend order, lookups, fallbacks, the transform
 * info tables and the RNG.
 */
#include "config.h"

#include <string.h>

#include "core/err.h"
#include "core/xform.h"
#include "t/tap.h"

/* Returns the backend of the preferred AEAD (ike_id, key_bits), or NULL. */
static const char *
aead_backend(uint16_t ike_id, uint16_t key_bits)
{
	const struct xform_aead *a;

	a = xform_find_aead(ike_id, key_bits);
	return a != NULL ? a->backend : NULL;
}

/* Returns the backend of the preferred ChaCha20-Poly1305 entry, or NULL. */
static const char *
chacha_backend(void)
{
	return aead_backend(XFORM_ENCR_CHACHA20_POLY1305, 256);
}

/* Returns nonzero when backend be has a usable AEAD (ike_id, key_bits). */
static int
has_aead(const struct xform_backend *be, uint16_t ike_id, uint16_t key_bits)
{
	const struct xform_aead *const *a;

	for (a = be->aead; a != NULL && *a != NULL; a++)
		if ((*a)->ike_id == ike_id && (*a)->key_bits == key_bits &&
		    xform_aead_usable(*a))
			return 1;
	return 0;
}

/* The "auto" order that xform.c documents: ipsecmb (measured fastest per
 * ESP packet), then OpenSSL, then libsodium. */
static const char *const auto_order[] = {
	"ipsecmb", "openssl", "sodium", NULL
};

/*
 * Returns the backend that must serve (ike_id, key_bits) after
 * xform_init with the list pref (NULL-terminated; NULL for "auto"): the
 * first backend of pref, then of the "auto" order, that is compiled in and
 * has a usable entry. 1008 checks that ipsecmb's entries are usable
 * exactly when the CPU can run them, so this does not hide a backend that
 * withdrew itself by mistake.
 */
static const char *
want_aead(const char *const *pref, uint16_t ike_id, uint16_t key_bits)
{
	const char *const *lists[2] = { pref, auto_order };
	const struct xform_backend *be;
	size_t i, j;

	for (i = 0; i < 2; i++)
		for (j = 0; lists[i] != NULL && lists[i][j] != NULL; j++)
			if ((be = xform_backend_lookup(lists[i][j])) != NULL &&
			    has_aead(be, ike_id, key_bits))
				return lists[i][j];
	return NULL;
}

/* Every entry must name the backend whose table holds it: lookups report
 * ->backend, and the tests and logs rely on it. */
static int
entries_name_backend(const struct xform_backend *be)
{
	const struct xform_aead *const *a;
	const struct xform_cipher *const *c;
	const struct xform_mac *const *m;
	const struct xform_md *const *d;
	const struct xform_dh *const *g;
	int bad = 0;

	for (a = be->aead; a != NULL && *a != NULL; a++)
		bad += (*a)->backend == NULL ||
		    strcmp((*a)->backend, be->name) != 0;
	for (c = be->cipher; c != NULL && *c != NULL; c++)
		bad += (*c)->backend == NULL ||
		    strcmp((*c)->backend, be->name) != 0;
	for (m = be->mac; m != NULL && *m != NULL; m++)
		bad += (*m)->backend == NULL ||
		    strcmp((*m)->backend, be->name) != 0;
	for (d = be->md; d != NULL && *d != NULL; d++)
		bad += (*d)->backend == NULL ||
		    strcmp((*d)->backend, be->name) != 0;
	for (g = be->dh; g != NULL && *g != NULL; g++)
		bad += (*g)->backend == NULL ||
		    strcmp((*g)->backend, be->name) != 0;
	if (be->sig != NULL)
		bad += be->sig->backend == NULL ||
		    strcmp(be->sig->backend, be->name) != 0;
	return bad == 0;
}

static void
test_backends(void)
{
	const struct xform_backend *const *be;
	int n = 0, seen_openssl = 0, seen_sodium = 0, seen_ipsecmb = 0;

	for (be = xform_backends(); *be != NULL; be++) {
		n++;
		if (strcmp((*be)->name, "openssl") == 0)
			seen_openssl = 1;
		if (strcmp((*be)->name, "sodium") == 0)
			seen_sodium = 1;
		if (strcmp((*be)->name, "ipsecmb") == 0)
			seen_ipsecmb = 1;
		ok(xform_backend_lookup((*be)->name) == *be,
		    "lookup finds backend %s", (*be)->name);
		/* Empty lists are NULL-terminated arrays, never NULL. */
		ok((*be)->aead != NULL && (*be)->cipher != NULL &&
		    (*be)->mac != NULL && (*be)->md != NULL &&
		    (*be)->dh != NULL, "%s: every table present", (*be)->name);
		ok(entries_name_backend(*be), "%s: entries name their backend",
		    (*be)->name);
	}
	ok(seen_openssl, "openssl backend listed");
	is_int(seen_sodium, HAVE_SODIUM, "sodium listed iff built with it");
	is_int(seen_ipsecmb, HAVE_IPSECMB, "ipsecmb listed iff built with it");
	is_int(n, 1 + HAVE_SODIUM + HAVE_IPSECMB, "backend count");
	ok(xform_backend_lookup("openssl") == &be_openssl_backend,
	    "lookup openssl");
#if HAVE_SODIUM
	ok(xform_backend_lookup("sodium") == &be_sodium_backend,
	    "lookup sodium");
#else
	ok(xform_backend_lookup("sodium") == NULL, "sodium not built in");
#endif
#if HAVE_IPSECMB
	ok(xform_backend_lookup("ipsecmb") == &be_ipsecmb_backend,
	    "lookup ipsecmb");
#else
	ok(xform_backend_lookup("ipsecmb") == NULL, "ipsecmb not built in");
#endif
	ok(xform_backend_lookup("bogus") == NULL, "lookup bogus");
	ok(xform_backend_lookup("") == NULL, "lookup empty name");
}

/* With a preferred backend that lacks an algorithm, lookups fall through to
 * the next backend rather than failing. pref is the list given to
 * xform_init (NULL for "auto"). */
static void
test_fallthrough(const char *order, const char *const *pref)
{
	const struct xform_dh *d;
	const struct xform_cipher *c;
	const struct xform_mac *m;
	const struct xform_md *md;
	const struct xform_aead *a;

	d = xform_find_dh(XFORM_DH_ECP256);
	ok(d != NULL && strcmp(d->backend, "openssl") == 0,
	    "%s: ecp256 from openssl", order);
	d = xform_find_dh(XFORM_DH_ECP384);
	ok(d != NULL && d->group == XFORM_DH_ECP384,
	    "%s: ecp384 found", order);
	d = xform_find_dh(XFORM_DH_MODP2048);
	ok(d != NULL && d->group == XFORM_DH_MODP2048,
	    "%s: modp2048 found", order);
	c = xform_find_cipher(XFORM_ENCR_AES_CBC, 128);
	ok(c != NULL && strcmp(c->backend, "openssl") == 0 &&
	    c->key_bits == 128, "%s: aes128cbc from openssl", order);
	c = xform_find_cipher(XFORM_ENCR_AES_CBC, 256);
	ok(c != NULL && c->key_bits == 256, "%s: aes256cbc found", order);
	m = xform_find_mac(XFORM_HASH_SHA256);
	ok(m != NULL && strcmp(m->backend, "openssl") == 0 &&
	    m->hash == XFORM_HASH_SHA256 && m->out_len == 32,
	    "%s: hmac-sha256 from openssl", order);
	m = xform_find_mac(XFORM_HASH_SHA1);
	ok(m != NULL && m->out_len == 20, "%s: hmac-sha1 found", order);
	md = xform_find_md(XFORM_HASH_SHA512);
	ok(md != NULL && md->out_len == 64, "%s: sha512 found", order);
	a = xform_find_aead(XFORM_ENCR_AES_GCM_16, 128);
	ok(a != NULL && a->key_bits == 128 && a->icv_len == 16,
	    "%s: aes128gcm16 found", order);
	is_str(a != NULL ? a->backend : NULL,
	    want_aead(pref, XFORM_ENCR_AES_GCM_16, 128),
	    "%s: aes128gcm16 backend", order);
	is_str(aead_backend(XFORM_ENCR_AES_GCM_16, 256),
	    want_aead(pref, XFORM_ENCR_AES_GCM_16, 256),
	    "%s: aes256gcm16 backend", order);
	is_str(chacha_backend(),
	    want_aead(pref, XFORM_ENCR_CHACHA20_POLY1305, 256),
	    "%s: chacha20poly1305 backend", order);
	ok(xform_find_sig() != NULL, "%s: signatures available", order);
}

static void
test_order(void)
{
	static const char *const p_openssl[] = { "openssl", NULL };
#if HAVE_IPSECMB
	static const char *const p_ipsecmb[] = { "ipsecmb", NULL };
#endif
#if HAVE_SODIUM
	static const char *const p_sodium[] = { "sodium", NULL };
	static const char *const p_sodium_openssl[] = {
		"sodium", "openssl", NULL
	};
	const struct xform_dh *d;
#endif

	/* "auto" puts ipsecmb first, then OpenSSL (xform.c: measured
	 * faster per packet); what ipsecmb lacks falls through. */
	is_int(xform_init("auto"), 0, "init auto");
	test_fallthrough("auto", NULL);
#if HAVE_IPSECMB
	/* On a CPU with AES-NI and PCLMULQDQ, ipsecmb serves every AEAD
	 * under "auto" (the reason it leads the order). */
	__builtin_cpu_init();
	if (__builtin_cpu_supports("aes") && __builtin_cpu_supports("pclmul")) {
		is_str(aead_backend(XFORM_ENCR_AES_GCM_16, 128), "ipsecmb",
		    "auto: aes128gcm16 from ipsecmb");
		is_str(aead_backend(XFORM_ENCR_AES_GCM_16, 256), "ipsecmb",
		    "auto: aes256gcm16 from ipsecmb");
		is_str(chacha_backend(), "ipsecmb",
		    "auto: chacha20poly1305 from ipsecmb");
	} else
		skip("auto: this CPU lacks AES-NI or PCLMULQDQ");
	is_int(xform_init("ipsecmb"), 0, "init ipsecmb");
	test_fallthrough("ipsecmb", p_ipsecmb);
#else
	is_int(xform_init("ipsecmb"), -E_NOENT, "ipsecmb not compiled in");
#endif
	is_int(xform_init("openssl"), 0, "init openssl");
	is_str(chacha_backend(), "openssl",
	    "openssl: chacha20poly1305 backend");
	test_fallthrough("openssl", p_openssl);
#if HAVE_SODIUM
	is_int(xform_init("sodium"), 0, "init sodium");
	is_str(chacha_backend(), "sodium", "sodium: chacha20poly1305 backend");
	d = xform_find_dh(XFORM_DH_CURVE25519);
	ok(d != NULL && strcmp(d->backend, "sodium") == 0,
	    "sodium: curve25519 backend");
	/* libsodium's AES-GCM needs AES-NI and it has no AES-128: what its
	 * probe withdraws or it lacks comes from the next backend in the
	 * "auto" order (test_fallthrough checks which). */
	test_fallthrough("sodium", p_sodium);

	is_int(xform_init("sodium,openssl"), 0, "init sodium,openssl");
	is_str(chacha_backend(), "sodium",
	    "sodium,openssl: chacha20poly1305 backend");
	test_fallthrough("sodium,openssl", p_sodium_openssl);
	is_int(xform_init("openssl,sodium"), 0, "init openssl,sodium");
	is_str(chacha_backend(), "openssl",
	    "openssl,sodium: chacha20poly1305 backend");
	is_int(xform_init(" sodium , openssl "), 0, "blanks around names");
	is_str(chacha_backend(), "sodium", "blanks: order kept");
	is_int(xform_init("openssl,bogus"), -E_NOENT,
	    "one unknown name fails the list");
#else
	is_int(xform_init("sodium"), -E_NOENT, "sodium not compiled in");
#endif
	is_int(xform_init("bogus"), -E_NOENT, "init bogus");
	/* After a failed init, lookups still answer. */
	ok(xform_find_aead(XFORM_ENCR_CHACHA20_POLY1305, 256) != NULL,
	    "lookups work after a failed init");
	is_int(xform_init("openssl"), 0, "init again after failure");
	is_str(chacha_backend(), "openssl", "order restored");
}

static void
test_unknown(void)
{
	enum xform_hash h = XFORM_HASH__MAX;
	size_t icv = 0, key = 0;

	ok(xform_find_dh(9999) == NULL, "find_dh(9999)");
	ok(xform_find_dh(0) == NULL, "find_dh(0)");
	ok(xform_find_aead(9999, 256) == NULL, "find_aead(9999)");
	ok(xform_find_aead(XFORM_ENCR_CHACHA20_POLY1305, 128) == NULL,
	    "chacha20poly1305 has no 128-bit key");
	ok(xform_find_cipher(9999, 128) == NULL, "find_cipher(9999)");
	ok(xform_find_cipher(XFORM_ENCR_AES_CBC, 100) == NULL,
	    "find_cipher with a bogus key size");
	ok(xform_find_mac(XFORM_HASH__MAX) == NULL, "find_mac(bogus)");
	ok(xform_find_md(XFORM_HASH__MAX) == NULL, "find_md(bogus)");
	is_int(xform_integ_info(9999, &h, &icv, &key), -E_NOTSUP,
	    "integ_info(9999)");
	/* AUTH_NONE (0) and AUTH_AES_XCBC_96 (5) are not implemented. */
	is_int(xform_integ_info(0, &h, &icv, &key), -E_NOTSUP,
	    "integ_info(NONE)");
	is_int(xform_integ_info(5, &h, &icv, &key), -E_NOTSUP,
	    "integ_info(AES_XCBC_96)");
	is_int(xform_prf_info(9999, &h), -E_NOTSUP, "prf_info(9999)");
	is_int(xform_prf_info(4, &h), -E_NOTSUP, "prf_info(AES128_XCBC)");
}

static void
test_info(void)
{
	/* RFC 7296 3.3.2 and RFC 2404 (HMAC-SHA1-96: 20-byte key, 12-byte
	 * ICV); RFC 4868 2.1 and 2.6 (HMAC-SHA-2: key = output length, ICV =
	 * half of it). */
	static const struct {
		uint16_t	id;
		enum xform_hash	h;
		size_t		icv, key;
	} integ[] = {
		{ XFORM_INTEG_HMAC_SHA1_96, XFORM_HASH_SHA1, 12, 20 },
		{ XFORM_INTEG_HMAC_SHA2_256_128, XFORM_HASH_SHA256, 16, 32 },
		{ XFORM_INTEG_HMAC_SHA2_384_192, XFORM_HASH_SHA384, 24, 48 },
		{ XFORM_INTEG_HMAC_SHA2_512_256, XFORM_HASH_SHA512, 32, 64 },
	};
	/* RFC 7296 3.3.2 and RFC 4868 4. */
	static const struct {
		uint16_t	id;
		enum xform_hash	h;
	} prf[] = {
		{ XFORM_PRF_HMAC_SHA1, XFORM_HASH_SHA1 },
		{ XFORM_PRF_HMAC_SHA2_256, XFORM_HASH_SHA256 },
		{ XFORM_PRF_HMAC_SHA2_384, XFORM_HASH_SHA384 },
		{ XFORM_PRF_HMAC_SHA2_512, XFORM_HASH_SHA512 },
	};
	enum xform_hash h;
	size_t i, icv, key;

	for (i = 0; i < sizeof(integ) / sizeof(integ[0]); i++) {
		h = XFORM_HASH__MAX;
		icv = key = 0;
		ok(xform_integ_info(integ[i].id, &h, &icv, &key) == 0 &&
		    h == integ[i].h && icv == integ[i].icv &&
		    key == integ[i].key, "integ_info(%u)",
		    (unsigned)integ[i].id);
	}
	for (i = 0; i < sizeof(prf) / sizeof(prf[0]); i++) {
		h = XFORM_HASH__MAX;
		ok(xform_prf_info(prf[i].id, &h) == 0 && h == prf[i].h,
		    "prf_info(%u)", (unsigned)prf[i].id);
	}
	/* FIPS 180-4 digest sizes. */
	is_int(xform_hash_len(XFORM_HASH_SHA1), 20, "sha1 length");
	is_int(xform_hash_len(XFORM_HASH_SHA256), 32, "sha256 length");
	is_int(xform_hash_len(XFORM_HASH_SHA384), 48, "sha384 length");
	is_int(xform_hash_len(XFORM_HASH_SHA512), 64, "sha512 length");
}

static int
all_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

/* Two 32-byte draws that are equal or zero happen with probability 2^-256
 * for a working RNG. */
static void
check_rng(const char *what, int (*rnd)(void *, size_t))
{
	uint8_t a[32], b[32], big[4096];

	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	memset(big, 0, sizeof(big));
	ok(rnd(a, sizeof(a)) == 0 && rnd(b, sizeof(b)) == 0,
	    "%s: two draws", what);
	ok(!all_zero(a, sizeof(a)) && !all_zero(b, sizeof(b)),
	    "%s: draws are not all zero", what);
	ok(memcmp(a, b, sizeof(a)) != 0, "%s: draws differ", what);
	/* The last 32 bytes of a large draw are filled too. */
	ok(rnd(big, sizeof(big)) == 0 &&
	    !all_zero(big + sizeof(big) - 32, 32), "%s: large draw", what);
	ok(rnd(a, 0) == 0, "%s: empty draw", what);
}

static int
registry_random(void *p, size_t n)
{
	return xform_random(p, n);
}

static void
test_random(void)
{
	const struct xform_backend *const *be;

	is_int(xform_init("auto"), 0, "init auto for the RNG");
	check_rng("xform_random/auto", registry_random);
#if HAVE_SODIUM
	is_int(xform_init("sodium"), 0, "init sodium for the RNG");
	check_rng("xform_random/sodium", registry_random);
#endif
	for (be = xform_backends(); *be != NULL; be++)
		if ((*be)->random != NULL)
			check_rng((*be)->name, (*be)->random);
}

int
main(void)
{
	test_backends();
	test_order();
	test_unknown();
	test_info();
	test_random();
	xform_cleanup();
	return done_testing();
}
