/*
 * ike_rekey.h: what both IKE sides share when they rekey a CHILD SA
 * (RFC 7296 1.3.3): the side that asked reads the answer the same way,
 * whether it is ikeclient (core/ike_init_rekey.c) or the gateway before
 * the SA's lifetime ends (core/ike_sa_life.c).
 */
#ifndef CORE_IKE_REKEY_H
#define CORE_IKE_REKEY_H

#include <stdint.h>

#include "core/cfg.h"
#include "core/ike_msg.h"
#include "core/ike_pld.h"
#include "core/ike_prop.h"
#include "core/span.h"
#include "core/xform.h"

struct child_sa;

/* Most D-H groups a CHILD SA rekey offers. */
#define IKE_REKEY_GROUPS	8

/*
 * The D-H groups a CHILD SA rekey offers with its KE (1.3.3): group (the
 * KE's) first, then the others of props[0..nprops) (IKE proposals; NULL
 * entries skipped) that the crypto backends run, so that a peer that
 * insists on PFS finds the group it wants and names it with
 * INVALID_KE_PAYLOAD. Returns how many (IKE_REKEY_GROUPS at most) in out.
 */
size_t	ike_rekey_groups(uint16_t group,
	    const struct cfg_proposal *const *props, size_t nprops,
	    uint16_t out[IKE_REKEY_GROUPS]);

/*
 * Adds to c the payloads of our CREATE_CHILD_SA request that rekeys ch
 * (borrowed): N(REKEY_SA) naming it by the SPI we receive with (3.10.1),
 * the offer of ours (ike_prop_add_offer_esp_rekey: our new inbound SPI
 * spi, D-H groups dh[0..ndh)), our nonce ni, our KE ke (NULL: none) and
 * ch's selectors, ours as TSi. Returns 0 or a -E_* code.
 */
int	ike_rekey_request_add(struct ike_chain *c, const struct child_sa *ch,
	    const struct cfg_esp *ours, uint32_t spi, const uint16_t *dh,
	    size_t ndh, struct span ni, const struct ike_pld_ke *ke)
	    __attribute__((warn_unused_result));

/* The answer to our CREATE_CHILD_SA request that rekeys a CHILD SA. */
struct ike_rekey_answer {
	struct ike_prop_esp	 esp;	/* esp.dh: PFS group, or 0 */
	struct ike_pld_nonce	 nr;	/* into the message */
	struct ike_pld_ts	 tsi, tsr;
	struct span		 gir;	/* g^ir in the caller's
					 * buffer; empty: no PFS */
};

/*
 * Reads the answer m (decrypted, verified; borrowed) to our rekey offered
 * with ours (borrowed) and a KE of dh's group made with dhst (dh NULL:
 * none): its SA, accepted as ike_prop_accept_esp_rekey does (decoded into
 * the caller's scratch), Nr, TSi, TSr and, when it took our group, its KE,
 * from which g^ir goes into shared (XFORM_MAX_DH_PUB_LEN bytes; the
 * caller wipes it). Returns 0 and *out, -E_NOENT (a payload missing, a
 * proposal we did not offer) or -E_CRYPTO (an unusable KE).
 */
int	ike_rekey_answer_read(const struct ike_msg *m,
	    const struct cfg_esp *ours, const struct xform_dh *dh, void *dhst,
	    struct ike_pld_sa *scratch, uint8_t *shared,
	    struct ike_rekey_answer *out)
	    __attribute__((warn_unused_result));

#endif /* CORE_IKE_REKEY_H */
