/*
 * ike_rekey.c: the answer to a CHILD SA rekey, read by the side that
 * asked (RFC 7296 1.3.3, 2.17).
 */
#include "config.h"

#include <string.h>

#include "core/child_sa.h"
#include "core/err.h"
#include "core/ike_rekey.h"

size_t
ike_rekey_groups(uint16_t group, const struct cfg_proposal *const *props,
    size_t nprops, uint16_t out[IKE_REKEY_GROUPS])
{
	const struct cfg_proposal *p;
	size_t i, j, k, n = 0;

	out[n++] = group;
	for (i = 0; i < nprops; i++) {
		if ((p = props[i]) == NULL)
			continue;
		for (j = 0; j < p->ngroup && n < IKE_REKEY_GROUPS; j++) {
			for (k = 0; k < n && out[k] != p->group[j]; k++)
				;
			if (k == n && xform_find_dh(p->group[j]) != NULL)
				out[n++] = p->group[j];
		}
	}
	return n;
}

int
ike_rekey_request_add(struct ike_chain *c, const struct child_sa *ch,
    const struct cfg_esp *ours, uint32_t spi, const uint16_t *dh,
    size_t ndh, struct span ni, const struct ike_pld_ke *ke)
{
	struct ike_pld_notify n;
	struct ike_pld_nonce nonce;
	struct ike_pld_ts tsi, tsr;
	const struct child_sa_sel *mine, *theirs;
	size_t nmine, ntheirs;
	uint8_t s[4];
	int r;

	child_sa_spi_put(ch->spi_in, s);
	memset(&n, 0, sizeof(n));
	n.proto = IKE_PROTO_ESP;
	n.type = IKE_N_REKEY_SA;
	n.spi = span_make(s, sizeof(s));
	nonce.data = ni;
	mine = child_sa_side(ch, 1, &nmine);
	theirs = child_sa_side(ch, 0, &ntheirs);
	if ((r = ike_pld_add_notify(c, &n)) != 0 ||
	    (r = ike_prop_add_offer_esp_rekey(c, ours, spi, dh, ndh)) != 0 ||
	    (r = ike_pld_add_nonce(c, &nonce)) != 0 ||
	    (ke != NULL && (r = ike_pld_add_ke(c, ke)) != 0) ||
	    (r = child_sa_ts_pld(mine, nmine, &tsi)) != 0 ||
	    (r = child_sa_ts_pld(theirs, ntheirs, &tsr)) != 0 ||
	    (r = ike_pld_add_ts(c, IKE_PLD_TSI, &tsi)) != 0)
		return r;
	return ike_pld_add_ts(c, IKE_PLD_TSR, &tsr);
}

int
ike_rekey_answer_read(const struct ike_msg *m, const struct cfg_esp *ours,
    const struct xform_dh *dh, void *dhst, struct ike_pld_sa *scratch,
    uint8_t *shared, struct ike_rekey_answer *out)
{
	struct ike_pld_ke ke;
	struct span body;

	memset(out, 0, sizeof(*out));
	if (ike_msg_body(m, IKE_PLD_SA, &body) != 0 ||
	    ike_pld_parse_sa(body, scratch) != 0 ||
	    ike_prop_accept_esp_rekey(ours, scratch, dh != NULL ? dh->group :
	    0, &out->esp) != 0 ||
	    ike_msg_body(m, IKE_PLD_NONCE, &body) != 0 ||
	    ike_pld_parse_nonce(body, &out->nr) != 0 ||
	    ike_msg_body(m, IKE_PLD_TSI, &body) != 0 ||
	    ike_pld_parse_ts(body, &out->tsi) != 0 ||
	    ike_msg_body(m, IKE_PLD_TSR, &body) != 0 ||
	    ike_pld_parse_ts(body, &out->tsr) != 0)
		return -E_NOENT;
	if (out->esp.dh == 0)
		return 0;
	/* PFS: it took our group (accepted above only then), so its KE is
	 * of that group too. */
	if (ike_msg_body(m, IKE_PLD_KE, &body) != 0 ||
	    ike_pld_parse_ke(body, &ke) != 0 || ke.group != out->esp.dh ||
	    ke.data.len != dh->pub_len ||
	    dh->derive(dhst, ke.data, shared) != 0)
		return -E_CRYPTO;
	out->gir = span_make(shared, dh->shared_len);
	return 0;
}
