/* ike_sk.c: SK payload sealing and opening. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/ct.h"
#include "core/ike_sk.h"

static void *
ctx_new(size_t size)
{
	void *p;
	size_t n = (size + XFORM_CTX_ALIGN - 1) / XFORM_CTX_ALIGN *
	    XFORM_CTX_ALIGN;

	if ((p = aligned_alloc(XFORM_CTX_ALIGN, n ? n : XFORM_CTX_ALIGN)) !=
	    NULL)
		memset(p, 0, n ? n : XFORM_CTX_ALIGN);
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

int
ike_sk_init(struct ike_sk *sk, const struct ike_keys_suite *suite,
    const struct ike_keys *k)
{
	const uint8_t *ek[2] = { k->sk_ei, k->sk_er };
	const uint8_t *ak[2] = { k->sk_ai, k->sk_ar };
	enum xform_hash h;
	size_t icv, klen, i;
	int r = -E_INTERNAL;

	memset(sk, 0, sizeof(*sk));
	if (suite->encr_id == XFORM_ENCR_AES_GCM_16 ||
	    suite->encr_id == XFORM_ENCR_CHACHA20_POLY1305) {
		sk->aead = xform_find_aead(suite->encr_id,
		    suite->encr_id == XFORM_ENCR_CHACHA20_POLY1305 ? 256 :
		    suite->encr_bits);
		if (sk->aead == NULL)
			return -E_NOTSUP;
		sk->icv_len = sk->aead->icv_len;
		sk->iv_len = XFORM_AEAD_IV_LEN;
		/* RFC 5282 3: no alignment for the combined-mode padding. */
		sk->block_len = 1;
		klen = k->encr_len - XFORM_AEAD_SALT_LEN;
		for (i = 0; i < 2; i++) {
			if ((sk->enc[i] = ctx_new(sk->aead->ctx_size)) == NULL) {
				r = -E_NOMEM;
				goto fail;
			}
			if ((r = sk->aead->init(sk->enc[i], ek[i], klen)) != 0)
				goto fail;
			memcpy(sk->salt[i], ek[i] + klen, XFORM_AEAD_SALT_LEN);
		}
		return 0;
	}
	if (suite->encr_id != XFORM_ENCR_AES_CBC)
		return -E_NOTSUP;
	if ((sk->cipher = xform_find_cipher(suite->encr_id,
	    suite->encr_bits)) == NULL ||
	    xform_integ_info(suite->integ_id, &h, &icv, &klen) != 0 ||
	    (sk->integ = xform_find_mac(h)) == NULL)
		return -E_NOTSUP;
	sk->icv_len = icv;
	sk->iv_len = sk->cipher->block_len;
	sk->block_len = sk->cipher->block_len;
	for (i = 0; i < 2; i++) {
		if ((sk->enc[i] = ctx_new(sk->cipher->ctx_size)) == NULL ||
		    (sk->mac[i] = ctx_new(sk->integ->ctx_size)) == NULL) {
			r = -E_NOMEM;
			goto fail;
		}
		if ((r = sk->cipher->init(sk->enc[i], ek[i], k->encr_len)) != 0 ||
		    (r = sk->integ->init(sk->mac[i], ak[i], k->integ_len)) != 0)
			goto fail;
	}
	return 0;
fail:
	ike_sk_cleanup(sk);
	return r;
}

void
ike_sk_cleanup(struct ike_sk *sk)
{
	size_t i;

	for (i = 0; i < 2; i++) {
		if (sk->enc[i] != NULL) {
			if (sk->aead != NULL) {
				sk->aead->cleanup(sk->enc[i]);
				ctx_free(sk->enc[i], sk->aead->ctx_size);
			} else {
				sk->cipher->cleanup(sk->enc[i]);
				ctx_free(sk->enc[i], sk->cipher->ctx_size);
			}
		}
		if (sk->mac[i] != NULL) {
			sk->integ->cleanup(sk->mac[i]);
			ctx_free(sk->mac[i], sk->integ->ctx_size);
		}
	}
	ct_wipe(sk, sizeof(*sk));
}

size_t
ike_sk_iv_len(const struct ike_sk *sk)
{
	return sk->iv_len;
}

int
ike_sk_seal(struct ike_sk *sk, struct ike_chain *c, int by_initiator)
{
	uint8_t nonce[XFORM_AEAD_NONCE_LEN], icv[XFORM_MAX_HASH_LEN];
	size_t plen, pad, total, i, d = by_initiator ? 0 : 1;
	struct span msg, whole;
	uint8_t *p, *iv, *body;
	int r;

	plen = buf_len(c->b) - c->plain_off;
	/* Padding plus the Pad Length octet fill up to the block size
	 * (3.14); the padding bytes are zero. */
	pad = sk->block_len - (plen + 1) % sk->block_len;
	if (pad == sk->block_len)
		pad = 0;
	if ((r = buf_reserve(c->b, pad + 1 + sk->icv_len, &p)) != 0)
		return r;
	p[pad] = (uint8_t)pad;
	if ((r = ike_msg_finish(c)) != 0)
		return r;
	total = buf_len(c->b);
	if ((r = buf_mut(c->b, c->iv_off, total - c->iv_off, &iv)) != 0)
		return r;
	body = iv + (c->plain_off - c->iv_off);
	plen += pad + 1;
	whole = buf_span(c->b);
	if (sk->aead != NULL) {
		/* The explicit IV must never repeat under a key: a counter
		 * (RFC 5282 3.1, RFC 7634 2). */
		sk->iv_seq++;
		for (i = 0; i < XFORM_AEAD_IV_LEN; i++)
			iv[i] = (uint8_t)(sk->iv_seq >> (56 - 8 * i));
		memcpy(nonce, sk->salt[d], XFORM_AEAD_SALT_LEN);
		memcpy(nonce + XFORM_AEAD_SALT_LEN, iv, XFORM_AEAD_IV_LEN);
		/* AAD: the IKE header through the SK generic header
		 * (RFC 5282 5.1). */
		return sk->aead->seal(sk->enc[d], nonce,
		    span_make(whole.p, c->sk_off + IKE_PLD_HDR_LEN), body, plen);
	}
	/* CBC: an unpredictable IV, then encrypt, then MAC everything up to
	 * the ICV. */
	if ((r = xform_random(iv, sk->iv_len)) != 0 ||
	    (r = sk->cipher->encrypt(sk->enc[d], iv, body, plen)) != 0)
		return r;
	msg = span_make(whole.p, total - sk->icv_len);
	if ((r = sk->integ->mac(sk->mac[d], &msg, 1, icv)) != 0)
		return r;
	memcpy(body + plen, icv, sk->icv_len);
	ct_wipe(icv, sizeof(icv));
	return 0;
}

int
ike_sk_open(struct ike_sk *sk, const struct ike_msg *m, uint8_t *dgram,
    size_t dlen, int by_initiator, struct span *plain, uint8_t *first)
{
	uint8_t nonce[XFORM_AEAD_NONCE_LEN], icv[XFORM_MAX_HASH_LEN];
	const struct ike_msg_pld *sk_pld;
	size_t d = by_initiator ? 0 : 1, off, clen;
	struct span msg;
	uint8_t *iv, *body, padlen;
	int r;

	if (m->npld == 0 || m->pld[m->npld - 1].type != IKE_PLD_SK)
		return -E_SYNTAX;
	sk_pld = &m->pld[m->npld - 1];
	off = (size_t)(sk_pld->body.p - m->data.p);
	if (off > dlen || sk_pld->body.len > dlen - off)
		return -E_BADLEN;
	if (sk_pld->body.len < sk->iv_len + sk->icv_len + 1)
		return -E_SHORT;
	iv = dgram + off;
	body = iv + sk->iv_len;
	clen = sk_pld->body.len - sk->iv_len - sk->icv_len;
	if (sk->aead != NULL) {
		memcpy(nonce, sk->salt[d], XFORM_AEAD_SALT_LEN);
		memcpy(nonce + XFORM_AEAD_SALT_LEN, iv, XFORM_AEAD_IV_LEN);
		if ((r = sk->aead->open(sk->enc[d], nonce,
		    span_make(dgram, off), body, clen)) != 0)
			return -E_AUTH;
	} else {
		if (clen % sk->block_len != 0)
			return -E_BADLEN;
		/* Verify before decrypting (encrypt-then-MAC). */
		msg = span_make(dgram, off + sk->iv_len + clen);
		if ((r = sk->integ->mac(sk->mac[d], &msg, 1, icv)) != 0)
			return r;
		r = ct_memeq(icv, body + clen, sk->icv_len) ? 0 : -E_AUTH;
		ct_wipe(icv, sizeof(icv));
		if (r != 0)
			return r;
		if ((r = sk->cipher->decrypt(sk->enc[d], iv, body, clen)) != 0)
			return r;
	}
	padlen = body[clen - 1];
	if ((size_t)padlen + 1 > clen)
		return -E_SYNTAX;
	*plain = span_make(body, clen - padlen - 1);
	*first = sk_pld->next;
	return 0;
}
