/*
 * ike_prop.h: transform negotiation (RFC 7296 2.7, 3.3): the responder's
 * choice, and the initiator's offer and its check of the reply.
 *
 * The peer's SA payload, decoded by ike_pld_parse_sa(), is matched against
 * our configuration: a list of struct cfg_proposal for the IKE SA, one
 * struct cfg_esp for a CHILD SA. The responder's preference decides. For
 * each of our proposals in order, every peer proposal of the right
 * protocol is examined on its own (transforms are never combined across
 * proposals, 3.3) and given the best combination it offers by our order:
 * encryption first, then integrity, PRF, D-H group. The peer proposal
 * whose combination ranks best wins, the earlier one on a tie; the first
 * of our proposals that any peer proposal satisfies is used.
 *
 * Transform rules (3.3.3, 3.3.5, 3.3.6):
 *  - a peer proposal with a Transform Type that its protocol does not
 *    use (IKE: 1-4; ESP: 1, 3, 4, 5) is unacceptable as a whole: 3.3.6
 *    says so for types the responder does not understand, and ESN in an
 *    IKE proposal or a PRF in an ESP one is not understood there;
 *  - a peer proposal without ENCR, or (IKE) without PRF or D-H, is
 *    unacceptable (mandatory types, 3.3.3);
 *  - a transform with an attribute we do not know (IKE_XF_UNKNOWN_ATTR),
 *    or with a Key Length on a type that has none, is skipped: only that
 *    transform is unacceptable (3.3.6);
 *  - AES (CBC and GCM) needs a Key Length equal to one we configured;
 *    ChaCha20-Poly1305 has a fixed 256-bit key and is taken with no Key
 *    Length or with 256 (RFC 7634 2);
 *  - with an AEAD no integrity transform is chosen (3.3: combined-mode
 *    ciphers offer none, or a single "NONE", which is accepted); a CBC
 *    cipher needs one of ours;
 *  - an algorithm is chosen only when the crypto registry can provide it
 *    (xform_find_aead/cipher/mac/dh), so a backend that lacks one never
 *    leads to a choice we cannot carry out;
 *  - ESP: a D-H transform in a CHILD SA proposal negotiated in IKE_AUTH
 *    is ignored (RFC 7296 1.2: IKE_AUTH carries no KE payload, so its SA
 *    payloads cannot use a D-H group other than NONE); a proposal with no
 *    ESN transform is taken as offering 32-bit sequence numbers only
 *    (what strongSwan's own proposal parser assumes).
 *
 * Nothing here logs; no I/O. The structs are transparent values.
 */
#ifndef CORE_IKE_PROP_H
#define CORE_IKE_PROP_H

#include <stddef.h>
#include <stdint.h>

#include "core/cfg.h"
#include "core/ike_keys.h"
#include "core/ike_pld.h"
#include "core/span.h"
#include "core/xform.h"

#define IKE_PROP_WUR	__attribute__((warn_unused_result))

/* Room for any name written by ike_prop_ike_str / ike_prop_esp_str. */
#define IKE_PROP_STRLEN	64

/*
 * The transforms chosen for an IKE SA. encr_bits is the key size in bits
 * (128 or 256; 256 for ChaCha20-Poly1305), so that it can be handed to
 * xform_find_aead/xform_find_cipher as is. keylen_attr tells whether the
 * peer's transform carried a Key Length, which the reply must repeat
 * unmodified (3.3.6). spi holds the peer's SPI (spi_len 0 in IKE_SA_INIT,
 * 8 when an IKE SA is rekeyed). cfg is the proposal of ours that matched
 * (borrowed from the configuration).
 */
struct ike_prop_ike {
	uint8_t		 num;		/* peer's Proposal Num */
	uint8_t		 keylen_attr;
	uint16_t	 encr;		/* XFORM_ENCR_* */
	uint16_t	 encr_bits;
	uint16_t	 integ;		/* XFORM_INTEG_*; 0: AEAD */
	uint16_t	 prf;		/* XFORM_PRF_* */
	uint16_t	 dh;		/* XFORM_DH_* */
	uint8_t		 spi_len;
	uint8_t		 spi[8];
	const struct cfg_proposal *cfg;
};

/* The transforms chosen for an ESP CHILD SA; fields as above. esn is 1
 * for 64-bit extended sequence numbers (RFC 4303 2.2.1). peer_spi is the
 * peer's inbound SPI, in host order: our outbound SPI. */
struct ike_prop_esp {
	uint8_t		 num;
	uint8_t		 keylen_attr;
	uint16_t	 encr;
	uint16_t	 encr_bits;
	uint16_t	 integ;
	uint8_t		 esn;
	uint16_t	 dh;		/* PFS group of a rekey, 0: none */
	uint32_t	 peer_spi;
};

/*
 * Chooses the IKE SA transforms from the peer's SA payload sa (borrowed)
 * with our proposals ours[0..nours) (borrowed, in preference order), as
 * described at the top of this file, and stores the choice in *out.
 * Returns 0; -E_NOENT when no peer proposal is acceptable (the caller
 * answers NO_PROPOSAL_CHOSEN); -E_INVAL when nours is 0. *out is written
 * only on success. Does not log.
 */
int	ike_prop_select_ike(const struct cfg_proposal *const *ours,
	    size_t nours, const struct ike_pld_sa *sa, struct ike_prop_ike *out)
	    IKE_PROP_WUR;

/*
 * Checks the D-H group of the peer's KE payload against the choice c
 * (borrowed). Returns 0 when ke_group is c->dh. Otherwise returns -E_AGAIN
 * and stores in *want the group to name in INVALID_KE_PAYLOAD (RFC 7296
 * 1.2, 3.4): c->dh, which is our most preferred group that the chosen
 * peer proposal offers, so that the initiator's retry with that group is
 * accepted. Does not log.
 */
int	ike_prop_ke_check(const struct ike_prop_ike *c, uint16_t ke_group,
	    uint16_t *want) IKE_PROP_WUR;

/*
 * Returns 1 when every transform of c (borrowed) appears in the proposal
 * p (borrowed), else 0: after IKE_AUTH has matched a profile, this tells
 * whether the IKE SA negotiated in IKE_SA_INIT (with the proposals of all
 * profiles) is one the profile accepts.
 */
int	ike_prop_ike_allowed(const struct ike_prop_ike *c,
	    const struct cfg_proposal *p);

/*
 * Appends the SA payload of the reply to chain ch (borrowed): one
 * proposal with the peer's number, protocol IKE, our SPI spi (borrowed; 0
 * bytes in IKE_SA_INIT, 8 when rekeying) and the chosen transforms in
 * type order, with a Key Length attribute where the peer sent one.
 * Returns 0, -E_INVAL (spi neither 0 nor 8 bytes) or an ike_pld_add_sa
 * error.
 */
int	ike_prop_add_ike(struct ike_chain *ch, const struct ike_prop_ike *c,
	    struct span spi) IKE_PROP_WUR;

/*
 * Chooses the ESP transforms of a CHILD SA negotiated in IKE_AUTH from
 * the peer's SA payload sa (borrowed) with ours (borrowed): encryption,
 * integrity (CBC only) and ESN by ours->esn (CFG_ESN_NO: 32-bit only;
 * CFG_ESN_YES: 64-bit only; CFG_ESN_BOTH: either, in the order the peer
 * lists them). D-H transforms are ignored (RFC 7296 1.2). Returns 0,
 * -E_NOENT (the caller answers NO_PROPOSAL_CHOSEN); *out is written only
 * on success. Does not log.
 */
int	ike_prop_select_esp(const struct cfg_esp *ours,
	    const struct ike_pld_sa *sa, struct ike_prop_esp *out) IKE_PROP_WUR;

/*
 * Chooses the ESP transforms of a CHILD SA rekeyed with CREATE_CHILD_SA
 * (RFC 7296 1.3.3) as ike_prop_select_esp does, and its key exchange: with
 * ours->pfs set, a proposal must offer that group (out->dh); without, a
 * proposal that offers NONE or no group at all is taken without one, and
 * one that insists on groups only with ke_group (the peer's KE payload,
 * 0 when it sent none) if that group is one of them and available. Then
 * a peer KE of another group than out->dh is the caller's
 * INVALID_KE_PAYLOAD (1.3: it names out->dh). Returns 0 or -E_NOENT
 * (NO_PROPOSAL_CHOSEN); *out is written only on success. Does not log.
 */
int	ike_prop_select_esp_rekey(const struct cfg_esp *ours,
	    const struct ike_pld_sa *sa, uint16_t ke_group,
	    struct ike_prop_esp *out) IKE_PROP_WUR;

/*
 * Appends the SA payload of an ESP reply to ch (borrowed): one proposal
 * with the peer's number, protocol ESP, our 4-byte inbound SPI spi (host
 * order; 256 or more, RFC 4303 2.1) and the chosen transforms (with
 * c->dh, a key exchange method). Returns 0, -E_INVAL (spi below 256) or an
 * ike_pld_add_sa error.
 */
int	ike_prop_add_esp(struct ike_chain *ch, const struct ike_prop_esp *c,
	    uint32_t spi) IKE_PROP_WUR;

/*
 * The initiator's side. Offers are built from the same configuration
 * structs; transforms the crypto registry cannot run are left out, so the
 * responder can never choose one. A cfg_proposal whose ciphers mix AEAD
 * and CBC becomes two wire proposals (3.3: combined-mode ciphers take no
 * integrity transform): the AEAD one first, then the CBC one with the
 * integrity list. A reply is accepted only when it is a single proposal
 * with one transform of each type, all of them from one of our proposals
 * (3.3.6); nothing here logs.
 */

/*
 * Appends the SA payload of an IKE_SA_INIT request to ch (borrowed): the
 * proposals of ours[0..nours) (borrowed, in preference order; NULL
 * entries skipped), numbered from 1, protocol IKE, no SPI, each with
 * encryption (Key Length for AES), integrity (CBC only), PRF and D-H
 * transforms in our order. Returns 0, -E_NOENT (nothing usable to
 * offer), -E_TOOMANY (more than IKE_PLD_MAX_PROPS wire proposals) or an
 * ike_pld_add_sa error.
 */
int	ike_prop_add_offer_ike(struct ike_chain *ch,
	    const struct cfg_proposal *const *ours, size_t nours) IKE_PROP_WUR;

/* Returns 1 when one of ours[0..nours) (borrowed) lists D-H group group
 * and the registry has it, else 0: whether an INVALID_KE_PAYLOAD (1.2)
 * names a group we offered. */
int	ike_prop_offers_group(const struct cfg_proposal *const *ours,
	    size_t nours, uint16_t group);

/*
 * Checks the SA payload reply (borrowed) of an IKE_SA_INIT response
 * against what ike_prop_add_offer_ike offered from ours: one proposal,
 * protocol IKE, no SPI, exactly one ENCR, PRF and D-H transform and at
 * most one INTEG (none with an AEAD), all in one of our proposals and
 * available. Stores the choice in *out (its cfg: the matching proposal).
 * Returns 0 or -E_NOENT (the caller gives up: the responder chose
 * something we did not offer); *out is written only on success.
 */
int	ike_prop_accept_ike(const struct cfg_proposal *const *ours,
	    size_t nours, const struct ike_pld_sa *reply,
	    struct ike_prop_ike *out) IKE_PROP_WUR;

/*
 * Appends the SA payload of an ESP CHILD SA request to ch (borrowed):
 * up to two proposals from ours (borrowed; AEAD, then CBC with
 * integrity), each with our inbound SPI spi (host order, 256 or more)
 * and the ESN transforms that ours->esn allows (CFG_ESN_BOTH: 64-bit
 * first). No D-H transform (1.2: the CHILD SA of IKE_AUTH uses the IKE
 * SA's keys). Returns 0, -E_INVAL (spi below 256), -E_NOENT (nothing
 * usable) or an ike_pld_add_sa error.
 */
int	ike_prop_add_offer_esp(struct ike_chain *ch, const struct cfg_esp *ours,
	    uint32_t spi) IKE_PROP_WUR;

/*
 * Checks the SA payload reply (borrowed) of the response that creates a
 * CHILD SA against ours (borrowed): one proposal, protocol ESP, a 4-byte
 * SPI of 256 or more (the responder's inbound SPI, stored in
 * out->peer_spi), exactly one ENCR, at most one INTEG (none with an
 * AEAD) and ESN, no D-H, all allowed by ours. Returns 0 or -E_NOENT; *out
 * is written only on success.
 */
/*
 * The SA payload of a CREATE_CHILD_SA request that rekeys an ESP CHILD
 * SA: as ike_prop_add_offer_esp, and with groups each proposal also
 * offers D-H transforms dh[0..ndh) (dh[0]: the KE's group) and NONE, so
 * that a responder takes PFS with a group it wants, or none (1.3.3);
 * NONE is left out when ours requires PFS (pfs set). Same returns.
 */
int	ike_prop_add_offer_esp_rekey(struct ike_chain *ch,
	    const struct cfg_esp *ours, uint32_t spi, const uint16_t *dh,
	    size_t ndh) IKE_PROP_WUR;

/*
 * Checks the reply to that offer as ike_prop_accept_esp does, a D-H
 * transform allowed when dh (the KE's group) was offered: NONE (out->dh
 * 0: no PFS) or dh (out->dh: the reply must carry a KE of that group); a
 * reply that took another group is the caller's INVALID_KE_PAYLOAD case,
 * refused here. Returns 0 or -E_NOENT.
 */
int	ike_prop_accept_esp_rekey(const struct cfg_esp *ours,
	    const struct ike_pld_sa *reply, uint16_t dh,
	    struct ike_prop_esp *out) IKE_PROP_WUR;

int	ike_prop_accept_esp(const struct cfg_esp *ours,
	    const struct ike_pld_sa *reply, struct ike_prop_esp *out)
	    IKE_PROP_WUR;

/* Fill *suite (for core/ike_keys) from a choice (borrowed). */
void	ike_prop_ike_suite(const struct ike_prop_ike *c,
	    struct ike_keys_suite *suite);
void	ike_prop_esp_suite(const struct ike_prop_esp *c,
	    struct ike_keys_suite *suite);

/* Returns the HMAC the chosen PRF runs on (for ike_keys), or NULL when
 * the registry has none (not after a successful ike_prop_select_ike). */
const struct xform_mac *ike_prop_prf(const struct ike_prop_ike *c);

/*
 * Write strongSwan-style names of a choice into buf (len bytes,
 * IKE_PROP_STRLEN is enough), always NUL-terminated: IKE
 * "aes256gcm16-prfsha384-ecp256", "aes256-sha384-prfsha384-x25519"; ESP
 * "aes256gcm16", "aes128-sha256", "chacha20poly1305" (ESN not included).
 * Unknown IDs print as numbers ("encr1234"). Return 0, or -E_RANGE when
 * the name was truncated.
 */
int	ike_prop_ike_str(const struct ike_prop_ike *c, char *buf, size_t len)
	    IKE_PROP_WUR;
int	ike_prop_esp_str(const struct ike_prop_esp *c, char *buf, size_t len)
	    IKE_PROP_WUR;

#endif /* CORE_IKE_PROP_H */
