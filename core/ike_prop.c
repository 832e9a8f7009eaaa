/* ike_prop.c: responder transform selection (RFC 7296 2.7, 3.3). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/ike_prop.h"

/* Rank of a transform type the proposal does not satisfy. */
#define NO_RANK		SIZE_MAX

/* Positions in our lists of what a peer proposal offers: lower is better.
 * Compared in this order (encryption first). */
struct rank {
	size_t		encr, integ, prf, dh;
};

/* Bits of the Transform Types each protocol uses (RFC 7296 3.3.3). */
#define TBIT(t)		(1u << (t))
#define IKE_TYPES	(TBIT(IKE_TRANS_ENCR) | TBIT(IKE_TRANS_PRF) | \
			    TBIT(IKE_TRANS_INTEG) | TBIT(IKE_TRANS_DH))
#define IKE_NEEDED	(TBIT(IKE_TRANS_ENCR) | TBIT(IKE_TRANS_PRF) | \
			    TBIT(IKE_TRANS_DH))
#define ESP_TYPES	(TBIT(IKE_TRANS_ENCR) | TBIT(IKE_TRANS_INTEG) | \
			    TBIT(IKE_TRANS_DH) | TBIT(IKE_TRANS_ESN))
#define ESP_NEEDED	TBIT(IKE_TRANS_ENCR)

/*
 * What we know of an encryption transform: whether it is an AEAD and
 * whether its key size varies (and so travels in a Key Length attribute,
 * RFC 7296 3.3.5). -E_NOTSUP for IDs this module cannot negotiate.
 */
static int
encr_kind(uint16_t id, int *aead, int *varkey)
{
	switch (id) {
	case XFORM_ENCR_AES_CBC:
		*aead = 0;
		*varkey = 1;
		return 0;
	case XFORM_ENCR_AES_GCM_8:
	case XFORM_ENCR_AES_GCM_12:
	case XFORM_ENCR_AES_GCM_16:
		*aead = 1;
		*varkey = 1;
		return 0;
	case XFORM_ENCR_CHACHA20_POLY1305:
		/* RFC 7634 2: a fixed 256-bit key. */
		*aead = 1;
		*varkey = 0;
		return 0;
	}
	return -E_NOTSUP;
}

/* The key size of a configured cipher; cfg.h allows 0 for ChaCha20. */
static uint16_t
cfg_bits(const struct cfg_encr *e)
{
	if (e->id == XFORM_ENCR_CHACHA20_POLY1305 && e->key_bits == 0)
		return 256;
	return e->key_bits;
}

static int
encr_avail(uint16_t id, uint16_t bits, int aead)
{
	if (aead)
		return xform_find_aead(id, bits) != NULL;
	return xform_find_cipher(id, bits) != NULL;
}

static int
integ_avail(uint16_t id)
{
	enum xform_hash h;
	size_t icv, klen;

	return xform_integ_info(id, &h, &icv, &klen) == 0 &&
	    xform_find_mac(h) != NULL;
}

static int
prf_avail(uint16_t id)
{
	enum xform_hash h;

	return xform_prf_info(id, &h) == 0 && xform_find_mac(h) != NULL;
}

/*
 * Returns nonzero when the peer's transform t may be chosen at all: 3.3.6
 * makes a transform with an attribute we do not understand unacceptable,
 * and Key Length is understood only on encryption transforms (3.3.5).
 */
static int
xf_usable(const struct ike_pld_xform *t)
{
	if (t->flags & IKE_XF_UNKNOWN_ATTR)
		return 0;
	if ((t->flags & IKE_XF_KEYLEN) && t->type != IKE_TRANS_ENCR)
		return 0;
	return 1;
}

/* Returns nonzero when p offers a usable transform type/id. */
static int
has_xf(const struct ike_pld_prop *p, uint8_t type, uint16_t id)
{
	size_t i;

	for (i = 0; i < p->nxf; i++)
		if (p->xf[i].type == type && p->xf[i].id == id &&
		    xf_usable(&p->xf[i]))
			return 1;
	return 0;
}

/*
 * Returns the index in p of an encryption transform equal to our cipher
 * id/bits, or -1. A variable-key cipher needs the Key Length attribute
 * with exactly our size (without it the size is unknown; an AES-192 offer
 * does not match our 128 or 256); a fixed-key one may carry none, or its
 * one size.
 */
static int
find_encr(const struct ike_pld_prop *p, uint16_t id, uint16_t bits,
    int varkey)
{
	const struct ike_pld_xform *t;
	size_t i;

	for (i = 0; i < p->nxf; i++) {
		t = &p->xf[i];
		if (t->type != IKE_TRANS_ENCR || t->id != id || !xf_usable(t))
			continue;
		if (varkey ? ((t->flags & IKE_XF_KEYLEN) && t->keylen == bits) :
		    (!(t->flags & IKE_XF_KEYLEN) || t->keylen == bits))
			return (int)i;
	}
	return -1;
}

/*
 * Returns nonzero when every Transform Type of p is in the set allowed
 * and the types of needed are present. 3.3.6: "If the responder receives
 * a proposal that contains a Transform Type it does not understand, or a
 * proposal that is missing a mandatory Transform Type, it MUST consider
 * this proposal unacceptable".
 */
static int
types_ok(const struct ike_pld_prop *p, unsigned allowed, unsigned needed)
{
	unsigned seen = 0;
	size_t i;

	for (i = 0; i < p->nxf; i++) {
		if (p->xf[i].type >= 32 ||
		    !(allowed & TBIT(p->xf[i].type)))
			return 0;
		seen |= TBIT(p->xf[i].type);
	}
	return (seen & needed) == needed;
}

/* Our first integrity transform that p offers and the registry has;
 * NO_RANK when none. */
static size_t
best_integ(const uint16_t *integ, size_t ninteg, const struct ike_pld_prop *p)
{
	size_t j;

	for (j = 0; j < ninteg; j++)
		if (has_xf(p, IKE_TRANS_INTEG, integ[j]) &&
		    integ_avail(integ[j]))
			return j;
	return NO_RANK;
}

/*
 * The encryption part shared by IKE and ESP: our first cipher that p
 * offers, that the registry has and whose integrity need is met (an AEAD
 * needs none, 3.3; a CBC cipher the integrity transform ranked ir).
 * Fills the cipher fields and ranks; -E_NOENT when none fits.
 */
static int
pick_encr(const struct cfg_encr *encr, size_t nencr, size_t ir,
    const struct ike_pld_prop *p, struct rank *rk, uint16_t *id,
    uint16_t *bits, uint8_t *keylen_attr, int *aead)
{
	uint16_t b;
	size_t i;
	int k, varkey;

	for (i = 0; i < nencr; i++) {
		if (encr_kind(encr[i].id, aead, &varkey) != 0)
			continue;
		b = cfg_bits(&encr[i]);
		if ((k = find_encr(p, encr[i].id, b, varkey)) < 0 ||
		    !encr_avail(encr[i].id, b, *aead) ||
		    (!*aead && ir == NO_RANK))
			continue;
		rk->encr = i;
		*id = encr[i].id;
		*bits = b;
		*keylen_attr = (p->xf[k].flags & IKE_XF_KEYLEN) != 0;
		return 0;
	}
	return -E_NOENT;
}

/* Ranks what the IKE proposal p offers under our proposal o. */
static int
rank_ike(const struct cfg_proposal *o, const struct ike_pld_prop *p,
    struct rank *rk, struct ike_prop_ike *c)
{
	size_t ir, j;
	int aead;

	memset(c, 0, sizeof(*c));
	ir = best_integ(o->integ, o->ninteg, p);
	if (pick_encr(o->encr, o->nencr, ir, p, rk, &c->encr, &c->encr_bits,
	    &c->keylen_attr, &aead) != 0)
		return -E_NOENT;
	/* 3.3: with a combined-mode cipher no integrity algorithm is
	 * negotiated, whatever else the proposal lists. */
	rk->integ = aead ? 0 : ir;
	c->integ = aead ? 0 : o->integ[ir];
	for (j = 0; j < o->nprf; j++)
		if (has_xf(p, IKE_TRANS_PRF, o->prf[j]) && prf_avail(o->prf[j]))
			break;
	if (j == o->nprf)
		return -E_NOENT;
	rk->prf = j;
	c->prf = o->prf[j];
	for (j = 0; j < o->ngroup; j++)
		if (has_xf(p, IKE_TRANS_DH, o->group[j]) &&
		    xform_find_dh(o->group[j]) != NULL)
			break;
	if (j == o->ngroup)
		return -E_NOENT;
	rk->dh = j;
	c->dh = o->group[j];
	c->num = p->num;
	c->spi_len = (uint8_t)p->spi.len;
	if (p->spi.len > 0)
		memcpy(c->spi, p->spi.p, p->spi.len);
	return 0;
}

/* Returns nonzero when a ranks strictly better than b. */
static int
rank_less(const struct rank *a, const struct rank *b)
{
	if (a->encr != b->encr)
		return a->encr < b->encr;
	if (a->integ != b->integ)
		return a->integ < b->integ;
	if (a->prf != b->prf)
		return a->prf < b->prf;
	return a->dh < b->dh;
}

int
ike_prop_select_ike(const struct cfg_proposal *const *ours, size_t nours,
    const struct ike_pld_sa *sa, struct ike_prop_ike *out)
{
	struct ike_prop_ike c, best;
	struct rank rk, best_rk = { 0 };
	const struct ike_pld_prop *p;
	size_t i, k;
	int have;

	if (nours == 0)
		return -E_INVAL;
	for (i = 0; i < nours; i++) {
		if (ours[i] == NULL)
			continue;
		have = 0;
		for (k = 0; k < sa->nprop && k < IKE_PLD_MAX_PROPS; k++) {
			p = &sa->prop[k];
			if (p->proto != IKE_PROTO_IKE ||
			    (p->spi.len != 0 && p->spi.len != 8) ||
			    !types_ok(p, IKE_TYPES, IKE_NEEDED) ||
			    rank_ike(ours[i], p, &rk, &c) != 0)
				continue;
			/* Strictly better only: on a tie the peer's
			 * earlier proposal stays. */
			if (!have || rank_less(&rk, &best_rk)) {
				best = c;
				best_rk = rk;
				have = 1;
			}
		}
		if (have) {
			best.cfg = ours[i];
			*out = best;
			return 0;
		}
	}
	return -E_NOENT;
}

int
ike_prop_ke_check(const struct ike_prop_ike *c, uint16_t ke_group,
    uint16_t *want)
{
	/*
	 * RFC 7296 1.2: when the KE payload's group is not the selected
	 * one, the responder rejects the message with INVALID_KE_PAYLOAD
	 * naming the group it selected, and the initiator retries with it.
	 * 3.4 requires the named group to be among the initiator's
	 * proposals: c->dh comes from the chosen peer proposal.
	 */
	if (ke_group == c->dh)
		return 0;
	*want = c->dh;
	return -E_AGAIN;
}

int
ike_prop_ike_allowed(const struct ike_prop_ike *c,
    const struct cfg_proposal *p)
{
	size_t i;
	int ok;

	for (ok = 0, i = 0; i < p->nencr && !ok; i++)
		ok = p->encr[i].id == c->encr &&
		    cfg_bits(&p->encr[i]) == c->encr_bits;
	if (!ok)
		return 0;
	if (c->integ != 0) {
		for (ok = 0, i = 0; i < p->ninteg && !ok; i++)
			ok = p->integ[i] == c->integ;
		if (!ok)
			return 0;
	}
	for (ok = 0, i = 0; i < p->nprf && !ok; i++)
		ok = p->prf[i] == c->prf;
	if (!ok)
		return 0;
	for (ok = 0, i = 0; i < p->ngroup && !ok; i++)
		ok = p->group[i] == c->dh;
	return ok;
}

static void
set_xf(struct ike_pld_xform *x, uint8_t type, uint16_t id, int keylen,
    uint16_t bits)
{
	memset(x, 0, sizeof(*x));
	x->type = type;
	x->id = id;
	if (keylen) {
		x->flags = IKE_XF_KEYLEN;
		x->keylen = bits;
	}
}

int
ike_prop_add_ike(struct ike_chain *ch, const struct ike_prop_ike *c,
    struct span spi)
{
	struct ike_pld_sa sa;
	struct ike_pld_prop *p = &sa.prop[0];

	/* 3.3.1: empty in IKE_SA_INIT, the new SPI when rekeying. */
	if (spi.len != 0 && spi.len != 8)
		return -E_INVAL;
	sa.nprop = 1;
	memset(p, 0, sizeof(*p));
	/* 3.3.6: one proposal, with the number the peer gave it, and one
	 * transform of each type, attributes returned unmodified. */
	p->num = c->num;
	p->proto = IKE_PROTO_IKE;
	p->spi = spi;
	set_xf(&p->xf[p->nxf++], IKE_TRANS_ENCR, c->encr, c->keylen_attr,
	    c->encr_bits);
	set_xf(&p->xf[p->nxf++], IKE_TRANS_PRF, c->prf, 0, 0);
	if (c->integ != 0)
		set_xf(&p->xf[p->nxf++], IKE_TRANS_INTEG, c->integ, 0, 0);
	set_xf(&p->xf[p->nxf++], IKE_TRANS_DH, c->dh, 0, 0);
	return ike_pld_add_sa(ch, &sa);
}

/*
 * Picks the ESN transform of p allowed by mode: the first one the peer
 * lists, so that with CFG_ESN_BOTH the peer's preference decides. A
 * proposal without one offers 32-bit sequence numbers. Returns 0 or
 * -E_NOENT.
 */
static int
pick_esn(const struct ike_pld_prop *p, enum cfg_esn mode, uint8_t *esn)
{
	const struct ike_pld_xform *t;
	size_t i;
	int any = 0;

	for (i = 0; i < p->nxf; i++) {
		t = &p->xf[i];
		if (t->type != IKE_TRANS_ESN)
			continue;
		any = 1;
		if (!xf_usable(t))
			continue;
		if ((t->id == IKE_ESN_NONE && mode != CFG_ESN_YES) ||
		    (t->id == IKE_ESN_ON && mode != CFG_ESN_NO)) {
			*esn = (uint8_t)t->id;
			return 0;
		}
	}
	if (!any && mode != CFG_ESN_YES) {
		*esn = 0;
		return 0;
	}
	return -E_NOENT;
}

/* Ranks what the ESP proposal p offers under our o. */
static int
rank_esp(const struct cfg_esp *o, const struct ike_pld_prop *p,
    struct rank *rk, struct ike_prop_esp *c)
{
	struct span s = p->spi;
	size_t ir;
	int aead;

	memset(c, 0, sizeof(*c));
	memset(rk, 0, sizeof(*rk));
	/* RFC 4303 2.1: SPIs 1-255 are reserved by IANA and 0 is never
	 * sent; a proposal announcing one is broken. */
	if (span_get_u32(&s, &c->peer_spi) != 0 || c->peer_spi < 256)
		return -E_NOENT;
	ir = best_integ(o->integ, o->ninteg, p);
	if (pick_encr(o->encr, o->nencr, ir, p, rk, &c->encr, &c->encr_bits,
	    &c->keylen_attr, &aead) != 0)
		return -E_NOENT;
	rk->integ = aead ? 0 : ir;
	c->integ = aead ? 0 : o->integ[ir];
	if (pick_esn(p, o->esn, &c->esn) != 0)
		return -E_NOENT;
	c->num = p->num;
	return 0;
}

/*
 * The key exchange of a rekey from proposal p (see
 * ike_prop_select_esp_rekey): 0 and the group in *dh (0: none), or
 * -E_NOENT.
 */
static int
pick_pfs(const struct cfg_esp *o, const struct ike_pld_prop *p,
    uint16_t ke_group, uint16_t *dh)
{
	size_t i;
	int groups = 0, none = 0, has_ke = 0, has_pfs = 0;

	for (i = 0; i < p->nxf; i++) {
		if (p->xf[i].type != IKE_TRANS_DH)
			continue;
		if (p->xf[i].id == 0)
			none = 1;
		else
			groups++;
		if (p->xf[i].id == o->pfs)
			has_pfs = 1;
		if (ke_group != 0 && p->xf[i].id == ke_group)
			has_ke = 1;
	}
	if (o->pfs != 0) {
		*dh = o->pfs;
		return has_pfs ? 0 : -E_NOENT;
	}
	*dh = 0;
	if (none || groups == 0)
		return 0;
	if (!has_ke || xform_find_dh(ke_group) == NULL)
		return -E_NOENT;
	*dh = ke_group;
	return 0;
}

/* Both selections: in IKE_AUTH (rekey 0: D-H is allowed as a type, but
 * never needed nor chosen, 1.2) and in CREATE_CHILD_SA. */
static int
select_esp(const struct cfg_esp *ours, const struct ike_pld_sa *sa,
    int rekey, uint16_t ke_group, struct ike_prop_esp *out)
{
	struct ike_prop_esp c, best;
	struct rank rk, best_rk = { 0 };
	const struct ike_pld_prop *p;
	uint16_t dh = 0;
	size_t k;
	int have = 0;

	for (k = 0; k < sa->nprop && k < IKE_PLD_MAX_PROPS; k++) {
		p = &sa->prop[k];
		if (p->proto != IKE_PROTO_ESP || p->spi.len != 4 ||
		    !types_ok(p, ESP_TYPES, ESP_NEEDED) ||
		    (rekey && pick_pfs(ours, p, ke_group, &dh) != 0) ||
		    rank_esp(ours, p, &rk, &c) != 0)
			continue;
		c.dh = dh;
		if (!have || rank_less(&rk, &best_rk)) {
			best = c;
			best_rk = rk;
			have = 1;
		}
	}
	if (!have)
		return -E_NOENT;
	*out = best;
	return 0;
}

int
ike_prop_select_esp(const struct cfg_esp *ours, const struct ike_pld_sa *sa,
    struct ike_prop_esp *out)
{
	return select_esp(ours, sa, 0, 0, out);
}

int
ike_prop_select_esp_rekey(const struct cfg_esp *ours,
    const struct ike_pld_sa *sa, uint16_t ke_group, struct ike_prop_esp *out)
{
	return select_esp(ours, sa, 1, ke_group, out);
}

int
ike_prop_add_esp(struct ike_chain *ch, const struct ike_prop_esp *c,
    uint32_t spi)
{
	struct ike_pld_sa sa;
	struct ike_pld_prop *p = &sa.prop[0];
	uint8_t s[4];

	if (spi < 256)
		return -E_INVAL;
	s[0] = (uint8_t)(spi >> 24);
	s[1] = (uint8_t)(spi >> 16);
	s[2] = (uint8_t)(spi >> 8);
	s[3] = (uint8_t)spi;
	sa.nprop = 1;
	memset(p, 0, sizeof(*p));
	p->num = c->num;
	p->proto = IKE_PROTO_ESP;
	p->spi = span_make(s, sizeof(s));
	set_xf(&p->xf[p->nxf++], IKE_TRANS_ENCR, c->encr, c->keylen_attr,
	    c->encr_bits);
	if (c->integ != 0)
		set_xf(&p->xf[p->nxf++], IKE_TRANS_INTEG, c->integ, 0, 0);
	if (c->dh != 0)
		set_xf(&p->xf[p->nxf++], IKE_TRANS_DH, c->dh, 0, 0);
	set_xf(&p->xf[p->nxf++], IKE_TRANS_ESN, c->esn, 0, 0);
	return ike_pld_add_sa(ch, &sa);
}

/*
 * The initiator's side (RFC 7296 2.7, 3.3): the offer, and the check of
 * the single proposal the responder sends back.
 */

/* Appends to p our encryption transforms of one kind (AEAD or not) that
 * the registry provides; returns how many were added. */
static size_t
offer_encr(struct ike_pld_prop *p, const struct cfg_encr *encr, size_t nencr,
    int want_aead)
{
	size_t i, n = 0;
	uint16_t b;
	int aead, varkey;

	for (i = 0; i < nencr && p->nxf < IKE_PLD_MAX_XFORMS; i++) {
		if (encr_kind(encr[i].id, &aead, &varkey) != 0 ||
		    aead != want_aead)
			continue;
		b = cfg_bits(&encr[i]);
		if (!encr_avail(encr[i].id, b, aead))
			continue;
		/* 3.3.5: Key Length only for variable-key ciphers. */
		set_xf(&p->xf[p->nxf++], IKE_TRANS_ENCR, encr[i].id, varkey, b);
		n++;
	}
	return n;
}

/* Appends our usable integrity transforms; returns how many. */
static size_t
offer_integ(struct ike_pld_prop *p, const uint16_t *integ, size_t ninteg)
{
	size_t i, n = 0;

	for (i = 0; i < ninteg && p->nxf < IKE_PLD_MAX_XFORMS; i++)
		if (integ_avail(integ[i])) {
			set_xf(&p->xf[p->nxf++], IKE_TRANS_INTEG, integ[i], 0,
			    0);
			n++;
		}
	return n;
}

/* Builds the IKE proposal of o for one kind of cipher into p; returns 0,
 * or -E_NOENT when a mandatory type would be empty (3.3.3). */
static int
offer_ike_one(const struct cfg_proposal *o, int aead, struct ike_pld_prop *p)
{
	size_t i, nprf = 0, ndh = 0;

	memset(p, 0, sizeof(*p));
	p->proto = IKE_PROTO_IKE;
	if (offer_encr(p, o->encr, o->nencr, aead) == 0)
		return -E_NOENT;
	/* 3.3: combined-mode ciphers come without an integrity transform,
	 * so AEAD and CBC ciphers go in separate proposals. */
	if (!aead && offer_integ(p, o->integ, o->ninteg) == 0)
		return -E_NOENT;
	for (i = 0; i < o->nprf && p->nxf < IKE_PLD_MAX_XFORMS; i++)
		if (prf_avail(o->prf[i])) {
			set_xf(&p->xf[p->nxf++], IKE_TRANS_PRF, o->prf[i], 0,
			    0);
			nprf++;
		}
	for (i = 0; i < o->ngroup && p->nxf < IKE_PLD_MAX_XFORMS; i++)
		if (xform_find_dh(o->group[i]) != NULL) {
			set_xf(&p->xf[p->nxf++], IKE_TRANS_DH, o->group[i], 0,
			    0);
			ndh++;
		}
	return nprf > 0 && ndh > 0 ? 0 : -E_NOENT;
}

int
ike_prop_add_offer_ike(struct ike_chain *ch,
    const struct cfg_proposal *const *ours, size_t nours)
{
	struct ike_pld_sa sa;
	size_t i;
	int k;

	sa.nprop = 0;
	for (i = 0; i < nours; i++) {
		if (ours[i] == NULL)
			continue;
		for (k = 1; k >= 0; k--) {
			if (sa.nprop == IKE_PLD_MAX_PROPS)
				return -E_TOOMANY;
			if (offer_ike_one(ours[i], k, &sa.prop[sa.nprop]) != 0)
				continue;
			/* 3.3.1: numbered from 1; no SPI in IKE_SA_INIT. */
			sa.prop[sa.nprop].num = (uint8_t)(sa.nprop + 1);
			sa.nprop++;
		}
	}
	if (sa.nprop == 0)
		return -E_NOENT;
	return ike_pld_add_sa(ch, &sa);
}

int
ike_prop_offers_group(const struct cfg_proposal *const *ours, size_t nours,
    uint16_t group)
{
	size_t i, j;

	if (xform_find_dh(group) == NULL)
		return 0;
	for (i = 0; i < nours; i++)
		for (j = 0; ours[i] != NULL && j < ours[i]->ngroup; j++)
			if (ours[i]->group[j] == group)
				return 1;
	return 0;
}

/*
 * Checks the shape of a reply (3.3.6): exactly one proposal, of protocol
 * proto with an SPI of spi_len bytes, holding at most one transform of
 * each type, only of the types in allowed, and the types in needed. An
 * integrity transform other than NONE next to a combined-mode cipher
 * (3.3) is refused.
 */
static int
reply_shape(const struct ike_pld_sa *sa, uint8_t proto, size_t spi_len,
    unsigned allowed, unsigned needed)
{
	const struct ike_pld_prop *p;
	unsigned seen = 0;
	uint16_t encr = 0, integ = 0;
	size_t i;
	int aead, varkey;

	if (sa->nprop != 1)
		return -E_NOENT;
	p = &sa->prop[0];
	if (p->proto != proto || p->spi.len != spi_len)
		return -E_NOENT;
	for (i = 0; i < p->nxf; i++) {
		if (p->xf[i].type >= 32 || !(allowed & TBIT(p->xf[i].type)) ||
		    (seen & TBIT(p->xf[i].type)))
			return -E_NOENT;
		seen |= TBIT(p->xf[i].type);
		if (p->xf[i].type == IKE_TRANS_ENCR)
			encr = p->xf[i].id;
		else if (p->xf[i].type == IKE_TRANS_INTEG)
			integ = p->xf[i].id;
	}
	if ((seen & needed) != needed ||
	    encr_kind(encr, &aead, &varkey) != 0 || (aead && integ != 0))
		return -E_NOENT;
	return 0;
}

int
ike_prop_accept_ike(const struct cfg_proposal *const *ours, size_t nours,
    const struct ike_pld_sa *reply, struct ike_prop_ike *out)
{
	/*
	 * Once the shape is right, the selection of the responder's side
	 * does the rest: with one transform of each type there is nothing
	 * left to choose, so it succeeds exactly when one of our proposals
	 * holds every transform (with its key size) and the registry can
	 * run them.
	 */
	if (reply_shape(reply, IKE_PROTO_IKE, 0, IKE_TYPES, IKE_NEEDED) != 0)
		return -E_NOENT;
	return ike_prop_select_ike(ours, nours, reply, out);
}

/* The ESP offer, with D-H transforms dh[0..ndh) and NONE when ndh > 0
 * and ours does not require PFS. */
static int
offer_esp(struct ike_chain *ch, const struct cfg_esp *ours, uint32_t spi,
    const uint16_t *dh, size_t ndh)
{
	size_t j;
	struct ike_pld_sa sa;
	struct ike_pld_prop *p;
	uint8_t s[4];
	int k;

	if (spi < 256)
		return -E_INVAL;
	s[0] = (uint8_t)(spi >> 24);
	s[1] = (uint8_t)(spi >> 16);
	s[2] = (uint8_t)(spi >> 8);
	s[3] = (uint8_t)spi;
	sa.nprop = 0;
	for (k = 1; k >= 0; k--) {
		p = &sa.prop[sa.nprop];
		memset(p, 0, sizeof(*p));
		p->proto = IKE_PROTO_ESP;
		/* 3.3.1: every proposal of one SA payload carries the same
		 * SPI, our inbound one. */
		p->spi = span_make(s, sizeof(s));
		if (offer_encr(p, ours->encr, ours->nencr, k) == 0 ||
		    (!k && offer_integ(p, ours->integ, ours->ninteg) == 0))
			continue;
		/* 1.3.3: a rekey with KE offers its group; NONE lets a
		 * responder without PFS take it without one, unless ours
		 * requires PFS. */
		for (j = 0; j < ndh && p->nxf + 3 < IKE_PLD_MAX_XFORMS; j++)
			set_xf(&p->xf[p->nxf++], IKE_TRANS_DH, dh[j], 0, 0);
		if (ndh > 0 && ours->pfs == 0)
			set_xf(&p->xf[p->nxf++], IKE_TRANS_DH, 0, 0, 0);
		/* RFC 4303 2.2.1 and 3.3.2: ESN is offered explicitly. */
		if (ours->esn != CFG_ESN_NO)
			set_xf(&p->xf[p->nxf++], IKE_TRANS_ESN, IKE_ESN_ON, 0,
			    0);
		if (ours->esn != CFG_ESN_YES)
			set_xf(&p->xf[p->nxf++], IKE_TRANS_ESN, IKE_ESN_NONE,
			    0, 0);
		p->num = (uint8_t)(sa.nprop + 1);
		sa.nprop++;
	}
	if (sa.nprop == 0)
		return -E_NOENT;
	return ike_pld_add_sa(ch, &sa);
}

int
ike_prop_add_offer_esp(struct ike_chain *ch, const struct cfg_esp *ours,
    uint32_t spi)
{
	return offer_esp(ch, ours, spi, NULL, 0);
}

int
ike_prop_add_offer_esp_rekey(struct ike_chain *ch, const struct cfg_esp *ours,
    uint32_t spi, const uint16_t *dh, size_t ndh)
{
	return offer_esp(ch, ours, spi, dh, ndh);
}

int
ike_prop_accept_esp_rekey(const struct cfg_esp *ours,
    const struct ike_pld_sa *reply, uint16_t dh, struct ike_prop_esp *out)
{
	if (reply_shape(reply, IKE_PROTO_ESP, 4, dh != 0 ? ESP_TYPES :
	    ESP_TYPES & ~TBIT(IKE_TRANS_DH), ESP_NEEDED) != 0)
		return -E_NOENT;
	/* Without a group of its own in ours, the rekey selection takes a
	 * D-H transform only when it is NONE or dh, our KE's. */
	return ike_prop_select_esp_rekey(ours, reply, dh, out);
}

int
ike_prop_accept_esp(const struct cfg_esp *ours, const struct ike_pld_sa *reply,
    struct ike_prop_esp *out)
{
	/* No D-H in a CHILD SA made in IKE_AUTH (1.2). */
	if (reply_shape(reply, IKE_PROTO_ESP, 4, ESP_TYPES &
	    ~TBIT(IKE_TRANS_DH), ESP_NEEDED) != 0)
		return -E_NOENT;
	return ike_prop_select_esp(ours, reply, out);
}

void
ike_prop_ike_suite(const struct ike_prop_ike *c, struct ike_keys_suite *suite)
{
	suite->encr_id = c->encr;
	suite->encr_bits = c->encr_bits;
	suite->integ_id = c->integ;
}

void
ike_prop_esp_suite(const struct ike_prop_esp *c, struct ike_keys_suite *suite)
{
	suite->encr_id = c->encr;
	suite->encr_bits = c->encr_bits;
	suite->integ_id = c->integ;
}

const struct xform_mac *
ike_prop_prf(const struct ike_prop_ike *c)
{
	enum xform_hash h;

	if (xform_prf_info(c->prf, &h) != 0)
		return NULL;
	return xform_find_mac(h);
}

/*
 * Names: strongSwan's proposal keywords, so that logs and `ikectl show sa`
 * read like a swanctl.conf line.
 */
struct name {
	uint16_t	 id;
	const char	*name;
};

static const struct name integ_names[] = {
	{ XFORM_INTEG_HMAC_SHA1_96, "sha1" },
	{ XFORM_INTEG_HMAC_SHA2_256_128, "sha256" },
	{ XFORM_INTEG_HMAC_SHA2_384_192, "sha384" },
	{ XFORM_INTEG_HMAC_SHA2_512_256, "sha512" },
	{ 0, NULL }
};
static const struct name prf_names[] = {
	{ XFORM_PRF_HMAC_SHA1, "prfsha1" },
	{ XFORM_PRF_HMAC_SHA2_256, "prfsha256" },
	{ XFORM_PRF_HMAC_SHA2_384, "prfsha384" },
	{ XFORM_PRF_HMAC_SHA2_512, "prfsha512" },
	{ 0, NULL }
};
static const struct name dh_names[] = {
	{ XFORM_DH_MODP2048, "modp2048" },
	{ XFORM_DH_ECP256, "ecp256" },
	{ XFORM_DH_ECP384, "ecp384" },
	{ XFORM_DH_ECP521, "ecp521" },
	{ XFORM_DH_CURVE25519, "x25519" },
	{ 0, NULL }
};

/* A bounded string under construction; trunc records an overflow. */
struct sbuf {
	char		*p;
	size_t		 len, off;
	int		 trunc;
};

/* Appends sep and name or, when name is NULL, sep, prefix and the number
 * id ("-dh1234", "aes256"); snprintf keeps buf terminated on overflow. */
static void
sput(struct sbuf *s, const char *sep, const char *name, const char *prefix,
    unsigned id)
{
	int n;

	if (s->trunc)
		return;
	if (name != NULL)
		n = snprintf(s->p + s->off, s->len - s->off, "%s%s", sep, name);
	else
		n = snprintf(s->p + s->off, s->len - s->off, "%s%s%u", sep,
		    prefix, id);
	if (n < 0 || (size_t)n >= s->len - s->off) {
		s->trunc = 1;
		return;
	}
	s->off += (size_t)n;
}

static void
sput_named(struct sbuf *s, const struct name *t, const char *prefix,
    uint16_t id)
{
	for (; t->name != NULL; t++)
		if (t->id == id)
			break;
	sput(s, "-", t->name, prefix, id);
}

static void
sput_encr(struct sbuf *s, uint16_t id, uint16_t bits)
{
	switch (id) {
	case XFORM_ENCR_AES_CBC:
		sput(s, "", NULL, "aes", bits);
		break;
	case XFORM_ENCR_AES_GCM_8:
		sput(s, "", NULL, "aes", bits);
		sput(s, "", "gcm8", NULL, 0);
		break;
	case XFORM_ENCR_AES_GCM_12:
		sput(s, "", NULL, "aes", bits);
		sput(s, "", "gcm12", NULL, 0);
		break;
	case XFORM_ENCR_AES_GCM_16:
		sput(s, "", NULL, "aes", bits);
		sput(s, "", "gcm16", NULL, 0);
		break;
	case XFORM_ENCR_CHACHA20_POLY1305:
		sput(s, "", "chacha20poly1305", NULL, 0);
		break;
	default:
		sput(s, "", NULL, "encr", id);
	}
}

static int
sbuf_init(struct sbuf *s, char *buf, size_t len)
{
	s->p = buf;
	s->len = len;
	s->off = 0;
	s->trunc = 0;
	if (len == 0)
		return -E_RANGE;
	buf[0] = '\0';
	return 0;
}

int
ike_prop_ike_str(const struct ike_prop_ike *c, char *buf, size_t len)
{
	struct sbuf s;

	if (sbuf_init(&s, buf, len) != 0)
		return -E_RANGE;
	sput_encr(&s, c->encr, c->encr_bits);
	if (c->integ != 0)
		sput_named(&s, integ_names, "integ", c->integ);
	sput_named(&s, prf_names, "prf", c->prf);
	sput_named(&s, dh_names, "dh", c->dh);
	return s.trunc ? -E_RANGE : 0;
}

int
ike_prop_esp_str(const struct ike_prop_esp *c, char *buf, size_t len)
{
	struct sbuf s;

	if (sbuf_init(&s, buf, len) != 0)
		return -E_RANGE;
	sput_encr(&s, c->encr, c->encr_bits);
	if (c->integ != 0)
		sput_named(&s, integ_names, "integ", c->integ);
	return s.trunc ? -E_RANGE : 0;
}
