/*
 * ike_rekey.c: the answer to a CHILD SA rekey, read by the side that
 * asked (RFC 7296 1.3.3, 2.17).
 */
#include "config.h"

#include <string.h>

#include "core/err.h"
#include "core/ike_rekey.h"

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
