/*
 * ike_sa_cookie.c: the responder's cookies (RFC 7296 2.6). While too many
 * IKE SAs are half-open, an IKE_SA_INIT request without a valid cookie is
 * answered with N(COOKIE) and nothing else: no Diffie-Hellman, no state.
 * Only a peer that receives at the address it claims can come back with
 * the cookie, so a flood from spoofed addresses costs one MAC per packet.
 *
 * Cookie = version (1 byte) | HMAC-SHA-256(secret, SPIi | Ni | IPi), as
 * 2.6 suggests. The secret changes every IKE_COOKIE_ROTATE_MS; a cookie
 * made with the one before is still good, so one made just before a
 * change survives the round trip.
 */
#include "config.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "core/ct.h"
#include "core/err.h"
#include "core/ike_sa_int.h"

/* A secret lives this long as the current one, and as long again as the
 * one before. */
#define IKE_COOKIE_ROTATE_MS	60000
#define IKE_COOKIE_LEN		(1 + 32)

int
ike_sa__cookies_init(struct ike_ctx *ctx)
{
	struct ike_cookies *ck = &ctx->cookies;
	unsigned i;

	if ((ck->mac = xform_find_mac(XFORM_HASH_SHA256)) == NULL)
		return -E_NOTSUP;
	for (i = 0; i < 2; i++)
		if ((ck->k[i].mac = calloc(1, ck->mac->ctx_size)) == NULL)
			return -E_NOMEM;
	return 0;
}

void
ike_sa__cookies_free(struct ike_ctx *ctx)
{
	struct ike_cookies *ck = &ctx->cookies;
	unsigned i;

	for (i = 0; i < 2; i++) {
		if (ck->k[i].live)
			ck->mac->cleanup(ck->k[i].mac);
		free(ck->k[i].mac);
		ct_wipe(ck->k[i].secret, sizeof(ck->k[i].secret));
	}
}

/* Makes key slot i a fresh secret with version ver. */
static int
key_new(struct ike_cookies *ck, unsigned i, uint8_t ver)
{
	struct ike_cookie_key *k = &ck->k[i];
	int r;

	if (k->live)
		ck->mac->cleanup(k->mac);
	k->live = 0;
	if ((r = xform_random(k->secret, sizeof(k->secret))) != 0 ||
	    (r = ck->mac->init(k->mac, k->secret, sizeof(k->secret))) != 0)
		return r;
	k->ver = ver;
	k->live = 1;
	return 0;
}

/* Brings the secrets up to date at ctx->now: the current one becomes the
 * one before when its time is up; after a long quiet spell, neither old
 * one is kept. */
static int
rotate(struct ike_ctx *ctx)
{
	struct ike_cookies *ck = &ctx->cookies;
	struct ike_cookie_key *cur = &ck->k[ck->cur];
	uint64_t age = ctx->now - ck->born;
	int r;

	if (cur->live && age < IKE_COOKIE_ROTATE_MS)
		return 0;
	if (cur->live && age >= 2 * IKE_COOKIE_ROTATE_MS) {
		ck->mac->cleanup(cur->mac);
		cur->live = 0;
	}
	ck->cur ^= 1;
	if ((r = key_new(ck, ck->cur, (uint8_t)(cur->ver + 1))) != 0)
		return r;
	ck->born = ctx->now;
	return 0;
}

/* The peer's address bytes (IPi). */
static struct span
peer_ip(const struct net_path *p)
{
	const struct sockaddr_in6 *s6 = (const void *)&p->remote;
	const struct sockaddr_in *s4 = (const void *)&p->remote;

	if (p->remote.ss_family == AF_INET6)
		return span_make((const uint8_t *)&s6->sin6_addr, 16);
	return span_make((const uint8_t *)&s4->sin_addr, 4);
}

/* Writes the cookie of key k for the request into out. */
static int
cookie_make(struct ike_cookies *ck, struct ike_cookie_key *k,
    const struct ike_msg_hdr *h, struct span ni, const struct net_path *p,
    uint8_t out[IKE_COOKIE_LEN])
{
	uint8_t spi[IKE_KEYS_SPI_LEN];
	struct span v[3];

	ike_keys_spi_put(h->spi_i, spi);
	v[0] = span_make(spi, sizeof(spi));
	v[1] = ni;
	v[2] = peer_ip(p);
	out[0] = k->ver;
	return ck->mac->mac(k->mac, v, 3, out + 1);
}

/* 1 when c is a cookie we made, with a live secret, for this request. */
static int
cookie_good(struct ike_cookies *ck, struct span c, const struct ike_msg_hdr *h,
    struct span ni, const struct net_path *p)
{
	uint8_t want[IKE_COOKIE_LEN];
	struct ike_cookie_key *k;
	unsigned i;
	int ok;

	if (c.len != IKE_COOKIE_LEN)
		return 0;
	for (i = 0; i < 2; i++) {
		k = &ck->k[i];
		if (!k->live || k->ver != c.p[0])
			continue;
		if (cookie_make(ck, k, h, ni, p, want) != 0)
			return 0;
		ok = ct_memeq(want, c.p, sizeof(want));
		ct_wipe(want, sizeof(want));
		return ok;
	}
	return 0;
}

int
ike_sa__cookie_gate(struct ike_ctx *ctx, const struct ike_msg *m,
    struct span ni, const struct net_path *p)
{
	struct ike_cookies *ck = &ctx->cookies;
	unsigned threshold = cfg_gateway(ctx->cfg)->cookie_threshold;
	uint8_t out[IKE_COOKIE_LEN];
	struct ike_pld_notify n;
	char ps[NET_ADDRSTRLEN];
	size_t i;

	if (threshold == CFG_COOKIES_OFF || ctx->st.half_open < threshold)
		return 0;
	if (rotate(ctx) != 0) {
		/* No secret, no cookie: better to serve than to refuse
		 * everyone. */
		log_warnx(SUB_IKE, "cannot make a cookie secret");
		return 0;
	}
	for (i = 0; i < m->npld; i++) {
		if (m->pld[i].type != IKE_PLD_NOTIFY ||
		    ike_pld_parse_notify(m->pld[i].body, &n) != 0 ||
		    n.type != IKE_N_COOKIE)
			continue;
		if (cookie_good(ck, n.data, &m->hdr, ni, p)) {
			ctx->st.init_cookie_ok++;
			return 0;
		}
		ctx->st.init_cookie_bad++;
		if (log_ratelimit_ok(&ike_sa__rl_input, 5))
			log_info(SUB_IKE, "IKE_SA_INIT from %s: wrong or stale "
			    "cookie", net_addr_str((const struct sockaddr *)
			    &p->remote, ps, sizeof(ps)));
		break;
	}
	if (cookie_make(ck, &ck->k[ck->cur], &m->hdr, ni, p, out) != 0)
		return 0;
	ctx->st.init_cookie_sent++;
	ike_sa__init_notify(ctx, &m->hdr, p, IKE_N_COOKIE,
	    span_make(out, sizeof(out)));
	return 1;
}
