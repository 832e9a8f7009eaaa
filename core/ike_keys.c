/* ike_keys.c: prf+, SKEYSEED and IKE/CHILD SA keys (RFC 7296 2.13-2.18). */
#include "config.h"

#include <stdlib.h>
#include <netinet/in.h>
#include <string.h>

#include "core/ct.h"
#include "core/err.h"
#include "core/ike_keys.h"
#include "core/ike_msg.h"
#include "core/ike_pld.h"
#include "core/span.h"
#include "core/xform.h"

/* Longest IKE SA keying material: three PRF-sized keys, two integrity
 * keys and two encryption keys. */
#define IKE_KEYMAT_MAX \
	(3 * XFORM_MAX_HASH_LEN + 2 * (IKE_KEYS_INTEG_MAX + IKE_KEYS_ENCR_MAX))
#define CHILD_KEYMAT_MAX (2 * (IKE_KEYS_INTEG_MAX + IKE_KEYS_ENCR_MAX))

/* A PRF context, allocated as xform.h asks (XFORM_CTX_ALIGN). */
struct prf_ctx {
	const struct xform_mac	*prf;
	void			*ctx;
	size_t			 size;
};

static int
prf_open(struct prf_ctx *p, const struct xform_mac *prf, struct span key)
{
	size_t size;

	p->prf = prf;
	p->ctx = NULL;
	if (prf->out_len == 0 || prf->out_len > XFORM_MAX_HASH_LEN)
		return -E_INVAL;
	/* aligned_alloc wants a multiple of the alignment. */
	size = (prf->ctx_size + XFORM_CTX_ALIGN - 1) / XFORM_CTX_ALIGN *
	    XFORM_CTX_ALIGN;
	if (size == 0)
		size = XFORM_CTX_ALIGN;
	if ((p->ctx = aligned_alloc(XFORM_CTX_ALIGN, size)) == NULL)
		return -E_NOMEM;
	p->size = size;
	memset(p->ctx, 0, size);
	if (prf->init(p->ctx, key.p, key.len) != 0)
		return -E_CRYPTO;
	return 0;
}

static void
prf_close(struct prf_ctx *p)
{
	if (p->ctx == NULL)
		return;
	/* cleanup is safe after a failed init (xform.h). */
	p->prf->cleanup(p->ctx);
	ct_wipe(p->ctx, p->size);
	free(p->ctx);
	p->ctx = NULL;
}

/* out = prf(key, v[0] | ... | v[nv - 1]), prf->out_len bytes. */
static int
prf_once(const struct xform_mac *prf, struct span key, const struct span *v,
    size_t nv, uint8_t *out)
{
	struct prf_ctx p;
	int r = -E_INTERNAL;

	if ((r = prf_open(&p, prf, key)) != 0)
		goto out;
	if (prf->mac(p.ctx, v, nv, out) != 0) {
		r = -E_CRYPTO;
		goto out;
	}
	r = 0;
out:
	prf_close(&p);
	return r;
}

int
ike_keys_suite_lens(const struct ike_keys_suite *suite, size_t *encr_len,
    size_t *integ_len)
{
	enum xform_hash h;
	size_t icv, klen = 0, elen;
	int aead, r;

	switch (suite->encr_id) {
	case XFORM_ENCR_AES_CBC:
	case XFORM_ENCR_AES_GCM_8:
	case XFORM_ENCR_AES_GCM_12:
	case XFORM_ENCR_AES_GCM_16:
		if (suite->encr_bits != 128 && suite->encr_bits != 192 &&
		    suite->encr_bits != 256)
			return -E_NOTSUP;
		aead = suite->encr_id != XFORM_ENCR_AES_CBC;
		elen = suite->encr_bits / 8;
		/* RFC 5282 7 (IKE), RFC 4106 8.1 (ESP): 4-byte salt. */
		if (aead)
			elen += XFORM_AEAD_SALT_LEN;
		break;
	case XFORM_ENCR_CHACHA20_POLY1305:
		/* RFC 7634 2: fixed 256-bit key, no Key Length attribute. */
		if (suite->encr_bits != 0 && suite->encr_bits != 256)
			return -E_NOTSUP;
		aead = 1;
		elen = 32 + XFORM_AEAD_SALT_LEN;	/* RFC 7634 4 */
		break;
	default:
		return -E_NOTSUP;
	}
	/* RFC 7296 3.3: an AEAD has no integrity transform (or NONE), any
	 * other cipher needs one. */
	if (aead && suite->integ_id != 0)
		return -E_INVAL;
	if (!aead) {
		if (suite->integ_id == 0)
			return -E_INVAL;
		if ((r = xform_integ_info(suite->integ_id, &h, &icv,
		    &klen)) != 0)
			return r;
		if (klen > IKE_KEYS_INTEG_MAX)
			return -E_NOTSUP;
	}
	*encr_len = elen;
	*integ_len = klen;
	return 0;
}

int
ike_keys_prfplus(const struct xform_mac *prf, struct span key,
    const struct span *seed, size_t nseed, uint8_t *out, size_t len)
{
	struct prf_ctx p = { NULL, NULL, 0 };
	struct span v[IKE_KEYS_SEED_MAX + 2];
	uint8_t t[XFORM_MAX_HASH_LEN], n;
	size_t olen, blocks, i, nv, done, take;
	int r = -E_INTERNAL;

	if (nseed > IKE_KEYS_SEED_MAX)
		return -E_INVAL;
	olen = prf->out_len;
	if (olen == 0 || olen > XFORM_MAX_HASH_LEN)
		return -E_INVAL;
	/* RFC 7296 2.13: the counter is one octet, so at most 255 blocks. */
	blocks = len / olen + (len % olen != 0);
	if (blocks > IKE_KEYS_PRFPLUS_MAX_BLOCKS)
		return -E_RANGE;
	if (len == 0)
		return 0;
	if ((r = prf_open(&p, prf, key)) != 0)
		goto out;
	for (i = 1, done = 0; i <= blocks; i++, done += take) {
		/* T1 = prf(K, S | 0x01); Tn = prf(K, Tn-1 | S | n). */
		nv = 0;
		if (i > 1)
			v[nv++] = span_make(t, olen);
		if (nseed > 0)
			memcpy(v + nv, seed, nseed * sizeof(*seed));
		nv += nseed;
		n = (uint8_t)i;
		v[nv++] = span_make(&n, 1);
		if (prf->mac(p.ctx, v, nv, t) != 0) {
			r = -E_CRYPTO;
			goto out;
		}
		take = len - done < olen ? len - done : olen;
		memcpy(out + done, t, take);
	}
	r = 0;
out:
	if (r != 0)
		ct_wipe(out, len);
	ct_wipe(t, sizeof(t));
	prf_close(&p);
	return r;
}

int
ike_keys_skeyseed(const struct xform_mac *prf, struct span ni, struct span nr,
    struct span g_ir, uint8_t *skeyseed)
{
	uint8_t key[2 * IKE_KEYS_NONCE_MAX];
	int r;

	if (ni.len > IKE_KEYS_NONCE_MAX || nr.len > IKE_KEYS_NONCE_MAX)
		return -E_RANGE;
	/* RFC 7296 2.14: the key is Ni | Nr, the data g^ir. */
	if (ni.len > 0)
		memcpy(key, ni.p, ni.len);
	if (nr.len > 0)
		memcpy(key + ni.len, nr.p, nr.len);
	r = prf_once(prf, span_make(key, ni.len + nr.len), &g_ir, 1,
	    skeyseed);
	ct_wipe(key, sizeof(key));
	return r;
}

int
ike_keys_skeyseed_rekey(const struct xform_mac *prf, struct span sk_d_old,
    struct span g_ir, struct span ni, struct span nr, uint8_t *skeyseed)
{
	struct span v[3];

	if (ni.len > IKE_KEYS_NONCE_MAX || nr.len > IKE_KEYS_NONCE_MAX)
		return -E_RANGE;
	/* RFC 7296 2.18: keyed with the old SK_d over g^ir | Ni | Nr. */
	v[0] = g_ir;
	v[1] = ni;
	v[2] = nr;
	return prf_once(prf, sk_d_old, v, 3, skeyseed);
}

int
ike_keys_derive(struct ike_keys *k, const struct xform_mac *prf,
    const struct ike_keys_suite *suite, struct span skeyseed, struct span ni,
    struct span nr, const uint8_t spi_i[static IKE_KEYS_SPI_LEN],
    const uint8_t spi_r[static IKE_KEYS_SPI_LEN])
{
	uint8_t km[IKE_KEYMAT_MAX];
	struct span seed[4];
	size_t plen, elen, ilen, total, off = 0;
	int r = -E_INTERNAL;

	memset(k, 0, sizeof(*k));
	plen = prf->out_len;
	if (plen == 0 || plen > XFORM_MAX_HASH_LEN)
		return -E_INVAL;
	if ((r = ike_keys_suite_lens(suite, &elen, &ilen)) != 0)
		goto out;
	total = 3 * plen + 2 * ilen + 2 * elen;

	/* RFC 7296 2.14: prf+(SKEYSEED, Ni | Nr | SPIi | SPIr). */
	seed[0] = ni;
	seed[1] = nr;
	seed[2] = span_make(spi_i, IKE_KEYS_SPI_LEN);
	seed[3] = span_make(spi_r, IKE_KEYS_SPI_LEN);
	if ((r = ike_keys_prfplus(prf, skeyseed, seed, 4, km, total)) != 0)
		goto out;

	/* In the order SK_d, SK_ai, SK_ar, SK_ei, SK_er, SK_pi, SK_pr. */
	k->prf_len = plen;
	k->integ_len = ilen;
	k->encr_len = elen;
	memcpy(k->sk_d, km + off, plen), off += plen;
	memcpy(k->sk_ai, km + off, ilen), off += ilen;
	memcpy(k->sk_ar, km + off, ilen), off += ilen;
	memcpy(k->sk_ei, km + off, elen), off += elen;
	memcpy(k->sk_er, km + off, elen), off += elen;
	memcpy(k->sk_pi, km + off, plen), off += plen;
	memcpy(k->sk_pr, km + off, plen), off += plen;
	r = 0;
out:
	if (r != 0)
		ike_keys_cleanup(k);
	ct_wipe(km, sizeof(km));
	return r;
}

void
ike_keys_cleanup(struct ike_keys *k)
{
	ct_wipe(k, sizeof(*k));
}

int
ike_keys_child_derive(struct ike_keys_child *c, const struct xform_mac *prf,
    struct span sk_d, const struct ike_keys_suite *suite, struct span g_ir,
    struct span ni, struct span nr)
{
	uint8_t km[CHILD_KEYMAT_MAX];
	struct span seed[3];
	size_t elen, ilen, ns = 0, off = 0;
	int r = -E_INTERNAL;

	memset(c, 0, sizeof(*c));
	if ((r = ike_keys_suite_lens(suite, &elen, &ilen)) != 0)
		goto out;

	/* RFC 7296 2.17: prf+(SK_d, [g^ir (new) |] Ni | Nr). */
	if (!span_is_empty(g_ir))
		seed[ns++] = g_ir;
	seed[ns++] = ni;
	seed[ns++] = nr;
	if ((r = ike_keys_prfplus(prf, sk_d, seed, ns, km,
	    2 * (elen + ilen))) != 0)
		goto out;

	/* Initiator-to-responder keys first, encryption before integrity. */
	c->encr_len = elen;
	c->integ_len = ilen;
	memcpy(c->encr_i, km + off, elen), off += elen;
	memcpy(c->integ_i, km + off, ilen), off += ilen;
	memcpy(c->encr_r, km + off, elen), off += elen;
	memcpy(c->integ_r, km + off, ilen), off += ilen;
	r = 0;
out:
	if (r != 0)
		ike_keys_child_cleanup(c);
	ct_wipe(km, sizeof(km));
	return r;
}

void
ike_keys_child_cleanup(struct ike_keys_child *c)
{
	ct_wipe(c, sizeof(*c));
}

int
ike_keys_natd(uint64_t spi_i, uint64_t spi_r, const struct sockaddr_storage *ss,
    uint8_t *out)
{
	const struct xform_md *sha1 = xform_find_md(XFORM_HASH_SHA1);
	uint8_t spis[2 * IKE_KEYS_SPI_LEN];
	struct span v[3];

	if (sha1 == NULL)
		return -E_NOTSUP;
	ike_keys_spi_put(spi_i, spis);
	ike_keys_spi_put(spi_r, spis + 8);
	v[0] = span_make(spis, sizeof(spis));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)ss;

		v[1] = span_make(&s4->sin_addr, 4);
		v[2] = span_make(&s4->sin_port, 2);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		v[1] = span_make(&s6->sin6_addr, 16);
		v[2] = span_make(&s6->sin6_port, 2);
	} else
		return -E_INVAL;
	return sha1->digest(v, 3, out);
}

/* 1 when the notify data d is the NAT detection hash of ss. */
static int
natd_matches(uint64_t spi_i, uint64_t spi_r,
    const struct sockaddr_storage *ss, struct span d)
{
	uint8_t h[IKE_KEYS_NATD_LEN];

	return d.len == sizeof(h) && ike_keys_natd(spi_i, spi_r, ss, h) == 0 &&
	    memcmp(h, d.p, sizeof(h)) == 0;
}

void
ike_keys_natd_check(const struct ike_msg *m, uint64_t spi_i, uint64_t spi_r,
    const struct sockaddr_storage *remote,
    const struct sockaddr_storage *local, int *nat_peer, int *nat_local)
{
	struct ike_pld_notify n;
	size_t i;
	int found_src = 0, match_src = 0, found_dst = 0, match_dst = 0;

	for (i = 0; i < m->npld; i++) {
		if (m->pld[i].type != IKE_PLD_NOTIFY ||
		    ike_pld_parse_notify(m->pld[i].body, &n) != 0)
			continue;
		if (n.type == IKE_N_NAT_DETECTION_SOURCE_IP) {
			found_src = 1;
			match_src |= natd_matches(spi_i, spi_r, remote, n.data);
		} else if (n.type == IKE_N_NAT_DETECTION_DESTINATION_IP) {
			found_dst = 1;
			match_dst |= natd_matches(spi_i, spi_r, local, n.data);
		}
	}
	*nat_peer = found_src && !match_src;
	*nat_local = found_dst && !match_dst;
}

void
ike_keys_spi_put(uint64_t v, uint8_t out[static IKE_KEYS_SPI_LEN])
{
	int i;

	for (i = 0; i < IKE_KEYS_SPI_LEN; i++)
		out[i] = (uint8_t)(v >> (56 - 8 * i));
}
