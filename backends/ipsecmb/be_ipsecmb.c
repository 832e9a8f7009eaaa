/*
 * be_ipsecmb.c: the intel-ipsec-mb backend, for the ESP fast path.
 *
 * intel-ipsec-mb picks, at run time, the widest AES-GCM code the CPU runs
 * (VAES + VPCLMULQDQ on AVX-512 where present). On the reference machine
 * (shared/reference/perf-limits.md, table 1b) it seals a 1420-byte ESP
 * packet with AES-256-GCM in about 145 ns, against about 900 ns for
 * OpenSSL 3.0's EVP and 1.8 us for libsodium, and its ChaCha20-Poly1305
 * takes about 680 ns against OpenSSL's 1360 ns. So this backend registers
 * only the AEADs: AES-GCM-16 with 128- and 256-bit keys (RFC 4106) and
 * ChaCha20-Poly1305 (RFC 7634). Everything else is left to OpenSSL: the
 * other lists are empty.
 *
 * It uses the library's direct (single-buffer) API: the GCM key schedule
 * and GHASH key powers are expanded once per SA into ctx, and each packet
 * is one call, in place, with the 12-byte nonce (salt || IV) and the AAD.
 *
 * Like every backend this is a leaf: it never logs, and it returns 0,
 * -E_AUTH, -E_INVAL, -E_NOTSUP, -E_NOMEM or -E_CRYPTO.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <intel-ipsec-mb.h>

/* span.h brings err.h (the -E_* codes). */
#include "core/ct.h"
#include "core/span.h"
#include "core/xform.h"

#define IMB_TAG_LEN		16
#define IMB_CHACHA_KEY_LEN	32
/* RFC 5116 5.1 and 5.3: P_MAX = 2^36 - 31 bytes for AES-GCM. ESP and IKE
 * never come near; the bound keeps the library's 64-bit counters honest. */
#define IMB_MAX_LEN		((UINT64_C(1) << 36) - 31)

_Static_assert(IMB_GCM_IV_DATA_LEN == XFORM_AEAD_NONCE_LEN,
    "GCM IV length is the ESP nonce length");
_Static_assert(IMB_MAX_TAG_LEN == IMB_TAG_LEN, "GCM tag length");
_Static_assert(IMB_GCM_128_KEY_LEN == 16 && IMB_GCM_256_KEY_LEN == 32,
    "GCM key lengths");

/*
 * The multi-buffer manager, allocated and set up by be_ipsecmb_init.
 *
 * The direct calls used here (IMB_AES*_GCM_*, IMB_CHACHA20_POLY1305_*) only
 * read function pointers that init_mb_mgr_auto fills once, so one manager
 * can serve every thread today. The job and burst API, which a batching
 * data plane would use to run several packets in one call, keeps its
 * queues in the manager and is not thread-safe: a multi-threaded data
 * plane built on it needs one manager per thread. Every use therefore goes
 * through mgr(): turning it into a _Thread_local pointer that each
 * data-plane thread sets up when it starts (the fast path must not
 * allocate) changes nothing else in this file.
 */
static IMB_MGR	*be_mgr;
static IMB_ARCH	 be_arch = IMB_ARCH_NONE;
/* Probe results, decided once by be_ipsecmb_init: cpuid is slow in a VM
 * and the registry probes on every lookup. */
static int	 be_gcm_ok = -E_NOTSUP;
static int	 be_chacha_ok = -E_NOTSUP;

/* The library reads an AAD pointer even when the AAD is empty. */
static const uint8_t no_aad[1];

static IMB_MGR *
mgr(void)
{
	return be_mgr;
}

/* Returns the CPU features the code of arch a needs (intel-ipsec-mb's
 * IMB_CPUFLAGS_*), or 0 for an arch this backend does not accept. */
static uint64_t
arch_needs(IMB_ARCH a)
{
	switch (a) {
	case IMB_ARCH_NOAESNI:
		return IMB_CPUFLAGS_NO_AESNI;
	case IMB_ARCH_SSE:
		return IMB_CPUFLAGS_SSE;
	case IMB_ARCH_AVX:
		return IMB_CPUFLAGS_AVX;
	case IMB_ARCH_AVX2:
		return IMB_CPUFLAGS_AVX2;
	case IMB_ARCH_AVX512:
		return IMB_CPUFLAGS_AVX512;
	default:
		return 0;
	}
}

static void
be_ipsecmb_cleanup(void)
{
	if (be_mgr != NULL)
		free_mb_mgr(be_mgr);
	be_mgr = NULL;
	be_arch = IMB_ARCH_NONE;
	be_gcm_ok = be_chacha_ok = -E_NOTSUP;
}

static int
be_ipsecmb_init(void)
{
	const uint64_t gcm_needs = IMB_FEATURE_AESNI | IMB_FEATURE_PCLMULQDQ;
	uint64_t cpu, need;
	int r = -E_INTERNAL;

	be_ipsecmb_cleanup();
	if ((be_mgr = alloc_mb_mgr(0)) == NULL) {
		r = -E_NOMEM;
		goto out;
	}
	init_mb_mgr_auto(be_mgr, &be_arch);
	if (imb_get_errno(be_mgr) != 0) {
		r = -E_NOTSUP;
		goto out;
	}
	/* FIPS builds of the library run their own self-test here. */
	if ((be_mgr->features & IMB_FEATURE_SELF_TEST) != 0 &&
	    (be_mgr->features & IMB_FEATURE_SELF_TEST_PASS) == 0) {
		r = -E_CRYPTO;
		goto out;
	}
	/* Trust, but check, the arch the library picked against the CPU. */
	cpu = imb_get_feature_flags();
	need = arch_needs(be_arch);
	if (need == 0 || (cpu & need) != need) {
		r = -E_NOTSUP;
		goto out;
	}
	be_chacha_ok = 0;
	/* Without AES-NI and PCLMULQDQ the library would emulate AES: leave
	 * AES-GCM to the other backends then. */
	if (be_arch != IMB_ARCH_NOAESNI && (cpu & gcm_needs) == gcm_needs)
		be_gcm_ok = 0;
	r = 0;
out:
	if (r != 0)
		be_ipsecmb_cleanup();
	return r;
}

static const uint8_t *
aad_ptr(struct span aad)
{
	return aad.p != NULL ? aad.p : no_aad;
}

/*
 * AES-GCM-16 (RFC 4106; NIST SP 800-38D), 128- or 256-bit keys. The
 * library's VAES code loads the expanded keys with aligned moves, so the
 * key data sits first in ctx at 64-byte alignment (its header aligns the
 * type only when LINUX is defined; this does not depend on that).
 */
struct imb_gcm_ctx {
	_Alignas(64) struct gcm_key_data key;
	uint16_t	bits;		/* 128 or 256; 0 when not keyed */
};

_Static_assert(XFORM_CTX_ALIGN % _Alignof(struct imb_gcm_ctx) == 0,
    "ctx alignment too weak for the GCM key data");

static int
gcm_probe(void)
{
	return be_gcm_ok;
}

static int
gcm_init(struct imb_gcm_ctx *c, unsigned bits, const uint8_t *key,
    size_t keylen)
{
	IMB_MGR *m;

	c->bits = 0;
	if (key == NULL || keylen != bits / 8)
		return -E_INVAL;
	/* Without the right CPU the library's code would trap on an illegal
	 * instruction rather than fail. */
	if (gcm_probe() != 0 || (m = mgr()) == NULL)
		return -E_NOTSUP;
	if (bits == 128)
		IMB_AES128_GCM_PRE(m, key, &c->key);
	else
		IMB_AES256_GCM_PRE(m, key, &c->key);
	c->bits = (uint16_t)bits;
	return 0;
}

static int
aes128gcm_init(void *ctx, const uint8_t *key, size_t keylen)
{
	return gcm_init(ctx, 128, key, keylen);
}

static int
aes256gcm_init(void *ctx, const uint8_t *key, size_t keylen)
{
	return gcm_init(ctx, 256, key, keylen);
}

static int
gcm_seal(void *ctx, const uint8_t *nonce, struct span aad, uint8_t *buf,
    size_t len)
{
	const struct imb_gcm_ctx *c = ctx;
	_Alignas(64) struct gcm_context_data g;
	IMB_MGR *m = mgr();

	if (c->bits == 0 || m == NULL || nonce == NULL || buf == NULL ||
	    len > IMB_MAX_LEN)
		return -E_INVAL;
	if (c->bits == 128)
		IMB_AES128_GCM_ENC(m, &c->key, &g, buf, buf, len, nonce,
		    aad_ptr(aad), aad.len, buf + len, IMB_TAG_LEN);
	else
		IMB_AES256_GCM_ENC(m, &c->key, &g, buf, buf, len, nonce,
		    aad_ptr(aad), aad.len, buf + len, IMB_TAG_LEN);
	/* g holds the keystream of the last partial block. */
	ct_wipe(&g, sizeof(g));
	return 0;
}

/*
 * The single-pass call decrypts and computes the tag together; the tag is
 * then compared in constant time. On a mismatch the unauthenticated
 * plaintext is wiped so that nothing can use it by mistake.
 */
static int
gcm_open(void *ctx, const uint8_t *nonce, struct span aad, uint8_t *buf,
    size_t len)
{
	const struct imb_gcm_ctx *c = ctx;
	_Alignas(64) struct gcm_context_data g;
	uint8_t tag[IMB_TAG_LEN];
	IMB_MGR *m = mgr();
	int r = -E_INTERNAL;

	if (c->bits == 0 || m == NULL || nonce == NULL || buf == NULL ||
	    len > IMB_MAX_LEN)
		return -E_INVAL;
	if (c->bits == 128)
		IMB_AES128_GCM_DEC(m, &c->key, &g, buf, buf, len, nonce,
		    aad_ptr(aad), aad.len, tag, sizeof(tag));
	else
		IMB_AES256_GCM_DEC(m, &c->key, &g, buf, buf, len, nonce,
		    aad_ptr(aad), aad.len, tag, sizeof(tag));
	if (!ct_memeq(tag, buf + len, sizeof(tag))) {
		ct_wipe(buf, len);
		r = -E_AUTH;
		goto out;
	}
	r = 0;
out:
	ct_wipe(&g, sizeof(g));
	ct_wipe(tag, sizeof(tag));
	return r;
}

static void
gcm_cleanup(void *ctx)
{
	ct_wipe(ctx, sizeof(struct imb_gcm_ctx));
}

static const struct xform_aead be_ipsecmb_aes128gcm16 = {
	.name		= "aes128gcm16",
	.backend	= "ipsecmb",
	.ike_id		= XFORM_ENCR_AES_GCM_16,
	.key_bits	= 128,
	.icv_len	= IMB_TAG_LEN,
	.ctx_size	= sizeof(struct imb_gcm_ctx),
	.probe		= gcm_probe,
	.init		= aes128gcm_init,
	.seal		= gcm_seal,
	.open		= gcm_open,
	.cleanup	= gcm_cleanup,
};

static const struct xform_aead be_ipsecmb_aes256gcm16 = {
	.name		= "aes256gcm16",
	.backend	= "ipsecmb",
	.ike_id		= XFORM_ENCR_AES_GCM_16,
	.key_bits	= 256,
	.icv_len	= IMB_TAG_LEN,
	.ctx_size	= sizeof(struct imb_gcm_ctx),
	.probe		= gcm_probe,
	.init		= aes256gcm_init,
	.seal		= gcm_seal,
	.open		= gcm_open,
	.cleanup	= gcm_cleanup,
};

/*
 * ChaCha20-Poly1305 for IKEv2 and ESP (RFC 7634 2 and 4): the IETF
 * construction of RFC 8439 2.8 with a 96-bit nonce (salt || IV) and a
 * 16-byte tag. There is no precomputation, so ctx is the key.
 */
struct imb_chacha_ctx {
	uint8_t	key[IMB_CHACHA_KEY_LEN];
	uint8_t	keyed;
};

static int
chacha_probe(void)
{
	return be_chacha_ok;
}

static int
chacha_init(void *ctx, const uint8_t *key, size_t keylen)
{
	struct imb_chacha_ctx *c = ctx;

	c->keyed = 0;
	if (key == NULL || keylen != IMB_CHACHA_KEY_LEN)
		return -E_INVAL;
	if (chacha_probe() != 0 || mgr() == NULL)
		return -E_NOTSUP;
	memcpy(c->key, key, IMB_CHACHA_KEY_LEN);
	c->keyed = 1;
	return 0;
}

static int
chacha_seal(void *ctx, const uint8_t *nonce, struct span aad, uint8_t *buf,
    size_t len)
{
	const struct imb_chacha_ctx *c = ctx;
	_Alignas(64) struct chacha20_poly1305_context_data s;
	IMB_MGR *m = mgr();

	if (!c->keyed || m == NULL || nonce == NULL || buf == NULL ||
	    len > IMB_MAX_LEN)
		return -E_INVAL;
	IMB_CHACHA20_POLY1305_INIT(m, c->key, &s, nonce, aad_ptr(aad),
	    aad.len);
	if (len > 0)
		IMB_CHACHA20_POLY1305_ENC_UPDATE(m, c->key, &s, buf, buf, len);
	IMB_CHACHA20_POLY1305_ENC_FINALIZE(m, &s, buf + len, IMB_TAG_LEN);
	/* s holds the Poly1305 key and the last keystream block. */
	ct_wipe(&s, sizeof(s));
	return 0;
}

/* As gcm_open: decrypt and compute the tag in one pass, compare in constant
 * time, wipe the plaintext on a mismatch. */
static int
chacha_open(void *ctx, const uint8_t *nonce, struct span aad, uint8_t *buf,
    size_t len)
{
	const struct imb_chacha_ctx *c = ctx;
	_Alignas(64) struct chacha20_poly1305_context_data s;
	uint8_t tag[IMB_TAG_LEN];
	IMB_MGR *m = mgr();
	int r = -E_INTERNAL;

	if (!c->keyed || m == NULL || nonce == NULL || buf == NULL ||
	    len > IMB_MAX_LEN)
		return -E_INVAL;
	IMB_CHACHA20_POLY1305_INIT(m, c->key, &s, nonce, aad_ptr(aad),
	    aad.len);
	if (len > 0)
		IMB_CHACHA20_POLY1305_DEC_UPDATE(m, c->key, &s, buf, buf, len);
	IMB_CHACHA20_POLY1305_DEC_FINALIZE(m, &s, tag, sizeof(tag));
	if (!ct_memeq(tag, buf + len, sizeof(tag))) {
		ct_wipe(buf, len);
		r = -E_AUTH;
		goto out;
	}
	r = 0;
out:
	ct_wipe(&s, sizeof(s));
	ct_wipe(tag, sizeof(tag));
	return r;
}

static void
chacha_cleanup(void *ctx)
{
	ct_wipe(ctx, sizeof(struct imb_chacha_ctx));
}

static const struct xform_aead be_ipsecmb_chacha20poly1305 = {
	.name		= "chacha20poly1305",
	.backend	= "ipsecmb",
	.ike_id		= XFORM_ENCR_CHACHA20_POLY1305,
	.key_bits	= 256,
	.icv_len	= IMB_TAG_LEN,
	.ctx_size	= sizeof(struct imb_chacha_ctx),
	.probe		= chacha_probe,
	.init		= chacha_init,
	.seal		= chacha_seal,
	.open		= chacha_open,
	.cleanup	= chacha_cleanup,
};

/* Every entry is listed; the probes withdraw what this CPU cannot run. */
static const struct xform_aead *const be_ipsecmb_aeads[] = {
	&be_ipsecmb_aes128gcm16,
	&be_ipsecmb_aes256gcm16,
	&be_ipsecmb_chacha20poly1305,
	NULL
};
static const struct xform_cipher *const be_ipsecmb_ciphers[] = { NULL };
static const struct xform_mac *const be_ipsecmb_macs[] = { NULL };
static const struct xform_md *const be_ipsecmb_mds[] = { NULL };
static const struct xform_dh *const be_ipsecmb_dhs[] = { NULL };

const struct xform_backend be_ipsecmb_backend = {
	.name		= "ipsecmb",
	.init		= be_ipsecmb_init,
	.cleanup	= be_ipsecmb_cleanup,
	.aead		= be_ipsecmb_aeads,
	.cipher		= be_ipsecmb_ciphers,
	.mac		= be_ipsecmb_macs,
	.md		= be_ipsecmb_mds,
	.dh		= be_ipsecmb_dhs,
	.sig		= NULL,
	.random		= NULL,
};
