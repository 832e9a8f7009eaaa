/*
 * xform.c: the crypto registry.
 *
 * Entries are looked up in the configured backend order. An entry is
 * usable when its required members are set, its probe passes and it passed
 * its known-answer self-test at xform_init(); the rest are withdrawn.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#if HAVE_GETRANDOM
#include <sys/random.h>
#endif

#include "core/log.h"
#include "core/xform.h"

static const struct xform_backend *const all_backends[] = {
	&be_openssl_backend,
#if HAVE_SODIUM
	&be_sodium_backend,
#endif
#if HAVE_IPSECMB
	&be_ipsecmb_backend,
#endif
	NULL
};
#define NBACKENDS	(sizeof(all_backends) / sizeof(all_backends[0]) - 1)

/*
 * "auto" order: measured on the reference machine (see
 * shared/reference/perf-limits.md, table 1b; 1420-byte ESP packet, seal):
 * intel-ipsec-mb's AES-256-GCM takes ~145 ns against ~900 ns for OpenSSL
 * 3.0 EVP and ~1.8 us for libsodium, and its ChaCha20-Poly1305 ~680 ns
 * against ~1360 ns and ~2.6 us. So ipsecmb comes first (it has only the
 * AEADs; the rest falls through), then OpenSSL, and libsodium serves as
 * the fallback. A backend that is not compiled in is skipped.
 */
static const char *const auto_order[] = { "ipsecmb", "openssl", "sodium" };

static const struct xform_backend *order[NBACKENDS + 1];
static size_t norder;
static int initialized;

/* Withdrawn entries, by address, after probe or self-test failure. */
#define MAX_WITHDRAWN	256
static const void *withdrawn[MAX_WITHDRAWN];
static size_t nwithdrawn;

const struct xform_backend *const *
xform_backends(void)
{
	return all_backends;
}

const struct xform_backend *
xform_backend_lookup(const char *name)
{
	size_t i;

	for (i = 0; i < NBACKENDS; i++)
		if (strcmp(all_backends[i]->name, name) == 0)
			return all_backends[i];
	return NULL;
}

static int
in_order(const struct xform_backend *be)
{
	size_t i;

	for (i = 0; i < norder; i++)
		if (order[i] == be)
			return 1;
	return 0;
}

/* Appends the backend called name (len bytes) to the order. */
static int
append(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < NBACKENDS; i++) {
		if (strlen(all_backends[i]->name) != len ||
		    strncmp(all_backends[i]->name, name, len) != 0)
			continue;
		if (!in_order(all_backends[i]))
			order[norder++] = all_backends[i];
		return 0;
	}
	return -E_NOENT;
}

static int
withdrawn_has(const void *entry)
{
	size_t i;

	for (i = 0; i < nwithdrawn; i++)
		if (withdrawn[i] == entry)
			return 1;
	return 0;
}

static void
withdraw(const void *entry, const char *kind, const char *name,
    const char *backend, int r)
{
	if (nwithdrawn < MAX_WITHDRAWN)
		withdrawn[nwithdrawn++] = entry;
	log_warn_e(SUB_CRYPTO, r, "%s %s from backend %s withdrawn", kind,
	    name, backend);
}

int
xform_aead_usable(const struct xform_aead *a)
{
	return a->name && a->init && a->seal && a->open && a->cleanup &&
	    a->icv_len > 0 && (a->probe == NULL || a->probe() == 0) &&
	    !withdrawn_has(a);
}

int
xform_cipher_usable(const struct xform_cipher *c)
{
	return c->name && c->init && c->encrypt && c->decrypt && c->cleanup &&
	    c->block_len > 0 && (c->probe == NULL || c->probe() == 0) &&
	    !withdrawn_has(c);
}

int
xform_mac_usable(const struct xform_mac *m)
{
	return m->name && m->init && m->mac && m->cleanup &&
	    m->out_len > 0 && (m->probe == NULL || m->probe() == 0) &&
	    !withdrawn_has(m);
}

int
xform_md_usable(const struct xform_md *m)
{
	return m->name && m->digest && m->out_len > 0 &&
	    (m->probe == NULL || m->probe() == 0) && !withdrawn_has(m);
}

int
xform_dh_usable(const struct xform_dh *d)
{
	return d->name && d->keygen && d->derive && d->free &&
	    d->pub_len > 0 && (d->probe == NULL || d->probe() == 0) &&
	    !withdrawn_has(d);
}

static int
sig_usable(const struct xform_sig *s)
{
	return s != NULL && s->load_private && s->load_public &&
	    s->key_info && s->sign && s->verify && s->key_free;
}

static int
x509_usable(const struct xform_x509 *x)
{
	return x != NULL && sig_usable(x->sig) && x->load && x->load_bundle &&
	    x->der && x->subject && x->pubkey && x->keyid && x->match_id &&
	    x->verify && x->free;
}

/* Withdraws every entry of a backend whose init failed: its entries must
 * not be used untested. */
static void
withdraw_all(const struct xform_backend *be)
{
	const struct xform_aead *const *a;
	const struct xform_cipher *const *c;
	const struct xform_mac *const *m;
	const struct xform_md *const *d;
	const struct xform_dh *const *g;

	for (a = be->aead; a && *a; a++)
		if (nwithdrawn < MAX_WITHDRAWN)
			withdrawn[nwithdrawn++] = *a;
	for (c = be->cipher; c && *c; c++)
		if (nwithdrawn < MAX_WITHDRAWN)
			withdrawn[nwithdrawn++] = *c;
	for (m = be->mac; m && *m; m++)
		if (nwithdrawn < MAX_WITHDRAWN)
			withdrawn[nwithdrawn++] = *m;
	for (d = be->md; d && *d; d++)
		if (nwithdrawn < MAX_WITHDRAWN)
			withdrawn[nwithdrawn++] = *d;
	for (g = be->dh; g && *g; g++)
		if (nwithdrawn < MAX_WITHDRAWN)
			withdrawn[nwithdrawn++] = *g;
}

/* Runs the self-test of every entry of be that is usable so far. */
static void
selftest(const struct xform_backend *be)
{
	const struct xform_aead *const *a;
	const struct xform_cipher *const *c;
	const struct xform_mac *const *m;
	const struct xform_md *const *d;
	const struct xform_dh *const *g;
	int r;

	for (a = be->aead; a && *a; a++)
		if (xform_aead_usable(*a) && (r = xform_kat_aead(*a)) != 0)
			withdraw(*a, "AEAD", (*a)->name, be->name, r);
	for (c = be->cipher; c && *c; c++)
		if (xform_cipher_usable(*c) &&
		    (r = xform_kat_cipher(*c)) != 0)
			withdraw(*c, "cipher", (*c)->name, be->name, r);
	for (m = be->mac; m && *m; m++)
		if (xform_mac_usable(*m) && (r = xform_kat_mac(*m)) != 0)
			withdraw(*m, "MAC", (*m)->name, be->name, r);
	for (d = be->md; d && *d; d++)
		if (xform_md_usable(*d) && (r = xform_kat_md(*d)) != 0)
			withdraw(*d, "digest", (*d)->name, be->name, r);
	for (g = be->dh; g && *g; g++)
		if (xform_dh_usable(*g) && (r = xform_kat_dh(*g)) != 0)
			withdraw(*g, "key exchange", (*g)->name, be->name, r);
}

int
xform_init(const char *spec)
{
	const struct xform_backend *be;
	const char *p, *e;
	size_t i, k;
	int r;

	norder = 0;
	if (spec == NULL || strcmp(spec, "auto") == 0)
		spec = "";
	for (p = spec; *p != '\0'; p = *e ? e + 1 : e) {
		while (*p == ' ' || *p == '\t')
			p++;
		for (e = p; *e != '\0' && *e != ','; e++)
			;
		k = (size_t)(e - p);
		while (k > 0 && (p[k - 1] == ' ' || p[k - 1] == '\t'))
			k--;
		if (k == 0)
			continue;
		if (append(p, k) != 0) {
			norder = 0;
			return -E_NOENT;
		}
	}
	/* The rest follow in "auto" order, so every algorithm stays
	 * available whatever the preference. */
	for (i = 0; i < sizeof(auto_order) / sizeof(auto_order[0]); i++)
		if ((be = xform_backend_lookup(auto_order[i])) != NULL &&
		    !in_order(be))
			order[norder++] = be;
	for (i = 0; i < NBACKENDS; i++)
		if (!in_order(all_backends[i]))
			order[norder++] = all_backends[i];

	if (!initialized) {
		for (i = 0; i < NBACKENDS; i++) {
			be = all_backends[i];
			if (be->init != NULL && (r = be->init()) != 0) {
				log_warn_e(SUB_CRYPTO, r,
				    "crypto backend %s unavailable", be->name);
				withdraw_all(be);
				continue;
			}
			selftest(be);
		}
		initialized = 1;
	}
	return 0;
}

void
xform_cleanup(void)
{
	size_t i;

	if (!initialized)
		return;
	for (i = 0; i < NBACKENDS; i++)
		if (all_backends[i]->cleanup != NULL)
			all_backends[i]->cleanup();
	initialized = 0;
	nwithdrawn = 0;
	norder = 0;
}

/* Before xform_init, or after a failed one, lookups use "auto" order. */
static void
ensure_order(void)
{
	if (norder == 0 && xform_init("auto") != 0)
		norder = 0;
}

const struct xform_aead *
xform_find_aead(uint16_t ike_id, uint16_t key_bits)
{
	const struct xform_aead *const *a;
	size_t i;

	ensure_order();
	for (i = 0; i < norder; i++)
		for (a = order[i]->aead; a && *a; a++)
			if ((*a)->ike_id == ike_id &&
			    (*a)->key_bits == key_bits && xform_aead_usable(*a))
				return *a;
	return NULL;
}

const struct xform_cipher *
xform_find_cipher(uint16_t ike_id, uint16_t key_bits)
{
	const struct xform_cipher *const *c;
	size_t i;

	ensure_order();
	for (i = 0; i < norder; i++)
		for (c = order[i]->cipher; c && *c; c++)
			if ((*c)->ike_id == ike_id &&
			    (*c)->key_bits == key_bits &&
			    xform_cipher_usable(*c))
				return *c;
	return NULL;
}

const struct xform_mac *
xform_find_mac(enum xform_hash h)
{
	const struct xform_mac *const *m;
	size_t i;

	ensure_order();
	for (i = 0; i < norder; i++)
		for (m = order[i]->mac; m && *m; m++)
			if ((*m)->hash == h && xform_mac_usable(*m))
				return *m;
	return NULL;
}

const struct xform_md *
xform_find_md(enum xform_hash h)
{
	const struct xform_md *const *m;
	size_t i;

	ensure_order();
	for (i = 0; i < norder; i++)
		for (m = order[i]->md; m && *m; m++)
			if ((*m)->hash == h && xform_md_usable(*m))
				return *m;
	return NULL;
}

const struct xform_dh *
xform_find_dh(uint16_t group)
{
	const struct xform_dh *const *d;
	size_t i;

	ensure_order();
	for (i = 0; i < norder; i++)
		for (d = order[i]->dh; d && *d; d++)
			if ((*d)->group == group && xform_dh_usable(*d))
				return *d;
	return NULL;
}

const struct xform_sig *
xform_find_sig(void)
{
	size_t i;

	ensure_order();
	for (i = 0; i < norder; i++)
		if (sig_usable(order[i]->sig))
			return order[i]->sig;
	return NULL;
}

const struct xform_x509 *
xform_find_x509(void)
{
	size_t i;

	ensure_order();
	for (i = 0; i < norder; i++)
		if (x509_usable(order[i]->x509))
			return order[i]->x509;
	return NULL;
}

int
xform_random(void *p, size_t n)
{
	size_t i;

	ensure_order();
	for (i = 0; i < norder; i++)
		if (order[i]->random != NULL)
			return order[i]->random(p, n) == 0 ? 0 : -E_CRYPTO;
#if HAVE_GETRANDOM
	{
		uint8_t *b = p;
		ssize_t got;

		while (n > 0) {
			got = getrandom(b, n, 0);
			if (got < 0 && errno == EINTR)
				continue;
			if (got <= 0)
				return -E_CRYPTO;
			b += got;
			n -= (size_t)got;
		}
		return 0;
	}
#else
	return -E_CRYPTO;
#endif
}

int
xform_integ_info(uint16_t integ_id, enum xform_hash *h, size_t *icv_len,
    size_t *key_len)
{
	/* RFC 7296 3.3.2 (SHA1_96), RFC 4868 2.1 (SHA2: ICV is half the
	 * output, the key is the full output length). */
	switch (integ_id) {
	case XFORM_INTEG_HMAC_SHA1_96:
		*h = XFORM_HASH_SHA1, *icv_len = 12, *key_len = 20;
		return 0;
	case XFORM_INTEG_HMAC_SHA2_256_128:
		*h = XFORM_HASH_SHA256, *icv_len = 16, *key_len = 32;
		return 0;
	case XFORM_INTEG_HMAC_SHA2_384_192:
		*h = XFORM_HASH_SHA384, *icv_len = 24, *key_len = 48;
		return 0;
	case XFORM_INTEG_HMAC_SHA2_512_256:
		*h = XFORM_HASH_SHA512, *icv_len = 32, *key_len = 64;
		return 0;
	}
	return -E_NOTSUP;
}

int
xform_prf_info(uint16_t prf_id, enum xform_hash *h)
{
	switch (prf_id) {
	case XFORM_PRF_HMAC_SHA1:
		*h = XFORM_HASH_SHA1;
		return 0;
	case XFORM_PRF_HMAC_SHA2_256:
		*h = XFORM_HASH_SHA256;
		return 0;
	case XFORM_PRF_HMAC_SHA2_384:
		*h = XFORM_HASH_SHA384;
		return 0;
	case XFORM_PRF_HMAC_SHA2_512:
		*h = XFORM_HASH_SHA512;
		return 0;
	}
	return -E_NOTSUP;
}

size_t
xform_hash_len(enum xform_hash h)
{
	static const size_t len[XFORM_HASH__MAX] = {
		[XFORM_HASH_SHA1] = 20, [XFORM_HASH_SHA256] = 32,
		[XFORM_HASH_SHA384] = 48, [XFORM_HASH_SHA512] = 64,
	};

	return (unsigned)h < XFORM_HASH__MAX ? len[h] : 0;
}
