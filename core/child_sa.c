/* child_sa.c: traffic selector narrowing, ESP SPIs, CHILD SA records. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/child_sa.h"
#include "core/ct.h"
#include "core/err.h"
#include "core/xform.h"

/* RFC 4301 4.4.1.1: a start port above the end port marks OPAQUE. */
#define OPAQUE_S	65535
#define OPAQUE_E	0

static size_t
fam_len(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

static int
is_opaque(const struct child_sa_sel *s)
{
	return s->sport == OPAQUE_S && s->eport == OPAQUE_E;
}

static int
is_anyport(const struct child_sa_sel *s)
{
	return s->sport == 0 && s->eport == 65535;
}

int
child_sa_sel_from_pld(const struct ike_pld_ts_sel *in, struct child_sa_sel *out)
{
	struct span s, e;
	size_t alen;
	int family;

	switch (in->type) {
	case IKE_TS_IPV4_ADDR_RANGE:
		family = AF_INET;
		break;
	case IKE_TS_IPV6_ADDR_RANGE:
		family = AF_INET6;
		break;
	default:
		return -E_NOTSUP;
	}
	alen = fam_len(family);
	s = in->start;
	e = in->end;
	if (s.len != alen || e.len != alen)
		return -E_BADLEN;
	memset(out, 0, sizeof(*out));
	if (span_copy(&s, out->start, alen) != 0 ||
	    span_copy(&e, out->end, alen) != 0)
		return -E_BADLEN;
	out->family = family;
	out->proto = in->proto;
	out->sport = in->sport;
	out->eport = in->eport;
	return 0;
}

int
child_sa_sel_intersect(const struct child_sa_sel *a,
    const struct child_sa_sel *b, struct child_sa_sel *out)
{
	struct child_sa_sel r;
	size_t alen;

	if (a->family != b->family || (alen = fam_len(a->family)) == 0)
		return -E_NOENT;
	memset(&r, 0, sizeof(r));
	r.family = a->family;
	/* Addresses of one length compare as big-endian numbers. */
	memcpy(r.start, memcmp(a->start, b->start, alen) >= 0 ?
	    a->start : b->start, alen);
	memcpy(r.end, memcmp(a->end, b->end, alen) <= 0 ? a->end : b->end,
	    alen);
	if (memcmp(r.start, r.end, alen) > 0)
		return -E_NOENT;
	/* 3.13.1: IP Protocol ID 0 means any protocol. */
	if (a->proto == 0 || a->proto == b->proto)
		r.proto = b->proto;
	else if (b->proto == 0)
		r.proto = a->proto;
	else
		return -E_NOENT;
	/* RFC 4301 4.4.1.1: OPAQUE matches only ANY or OPAQUE. */
	if (is_opaque(a) || is_opaque(b)) {
		if (!(is_opaque(a) || is_anyport(a)) ||
		    !(is_opaque(b) || is_anyport(b)))
			return -E_NOENT;
		r.sport = OPAQUE_S;
		r.eport = OPAQUE_E;
	} else {
		r.sport = a->sport > b->sport ? a->sport : b->sport;
		r.eport = a->eport < b->eport ? a->eport : b->eport;
		if (r.sport > r.eport)
			return -E_NOENT;
	}
	*out = r;
	return 0;
}

/* The selector covering all of family (any protocol, any port). */
static void
sel_all(struct child_sa_sel *s, int family)
{
	memset(s, 0, sizeof(*s));
	s->family = family;
	s->sport = 0;
	s->eport = 65535;
	memset(s->end, 0xff, fam_len(family));
}

/* The selector covering the network p (any protocol, any port). */
static int
sel_prefix(struct child_sa_sel *s, const struct cfg_prefix *p)
{
	size_t alen = fam_len(p->addr.family), i;
	unsigned bits;

	if (alen == 0 || p->len > alen * 8)
		return -E_INVAL;
	sel_all(s, p->addr.family);
	for (i = 0; i < alen; i++) {
		bits = p->len > i * 8 ? p->len - (unsigned)i * 8 : 0;
		if (bits >= 8) {
			s->start[i] = s->end[i] = p->addr.a[i];
			continue;
		}
		/* Host bits: all zero in start, all one in end. */
		s->start[i] = p->addr.a[i] & (uint8_t)(0xff00 >> bits);
		s->end[i] = s->start[i] | (uint8_t)(0xff >> bits);
	}
	return 0;
}

/* Appends s to v[0..*n) unless it is there already. */
static int
add_sel(struct child_sa_sel *v, size_t *n, const struct child_sa_sel *s)
{
	size_t i, alen = fam_len(s->family);

	for (i = 0; i < *n; i++)
		if (v[i].family == s->family && v[i].proto == s->proto &&
		    v[i].sport == s->sport && v[i].eport == s->eport &&
		    memcmp(v[i].start, s->start, alen) == 0 &&
		    memcmp(v[i].end, s->end, alen) == 0)
			return 0;
	if (*n == CHILD_SA_MAX_TS)
		return -E_TOOMANY;
	v[(*n)++] = *s;
	return 0;
}

/* Each split network is a TSr selector when the client asks for a whole
 * family, as clients do. */
_Static_assert(CFG_MAX_SPLIT <= CHILD_SA_MAX_TS,
    "every split network of a policy must fit in TSr");

/*
 * Our side of one payload: the client's addresses (TSi), or the split
 * networks, or the full address space of both families (TSr).
 */
struct locals {
	int			 is_tsi;
	const struct pool_addr	*addr;
	size_t			 naddr;
	const struct cfg_prefix	*split;
	size_t			 nsplit;
};

static size_t
locals_count(const struct locals *l)
{
	if (l->is_tsi)
		return l->naddr;
	return l->nsplit > 0 ? l->nsplit : 2;
}

/* Stores the j-th local selector of l in *s. */
static int
locals_at(const struct locals *l, size_t j, struct child_sa_sel *s)
{
	size_t alen;

	if (l->is_tsi) {
		if ((alen = fam_len(l->addr[j].family)) == 0)
			return -E_INVAL;
		sel_all(s, l->addr[j].family);
		memcpy(s->start, l->addr[j].a, alen);
		memcpy(s->end, l->addr[j].a, alen);
		return 0;
	}
	if (l->nsplit > 0)
		return sel_prefix(s, &l->split[j]);
	sel_all(s, j == 0 ? AF_INET : AF_INET6);
	return 0;
}

/*
 * Intersects every known selector of ts with every local one, in ts's
 * order, and adds the results to v (n entries so far). Only selectors
 * of the families in fams (bit 0 IPv4, bit 1 IPv6) are considered.
 */
static int
narrow_one(const struct ike_pld_ts *ts, const struct locals *l,
    unsigned fams, struct child_sa_sel *v, size_t *n)
{
	struct child_sa_sel peer, local, x;
	size_t i, j, nl = locals_count(l);
	int r;

	for (i = 0; i < ts->nts && i < IKE_PLD_MAX_TS; i++) {
		if (child_sa_sel_from_pld(&ts->ts[i], &peer) != 0)
			continue;
		if (!(fams & (peer.family == AF_INET ? 1u : 2u)))
			continue;
		for (j = 0; j < nl; j++) {
			if ((r = locals_at(l, j, &local)) != 0)
				return r;
			if (child_sa_sel_intersect(&peer, &local, &x) == 0 &&
			    (r = add_sel(v, n, &x)) != 0)
				return r;
		}
	}
	return 0;
}

int
child_sa_narrow(const struct ike_pld_ts *tsi, const struct ike_pld_ts *tsr,
    const struct pool_addr *addr, size_t naddr, const struct cfg_policy *pol,
    struct child_sa_ts *out)
{
	struct locals l;
	size_t i;
	unsigned fams = 0;
	int r = -E_INTERNAL;

	out->ni = out->nr = 0;
	/* Every address must have a family, even when no selector of the
	 * client would meet it. */
	for (i = 0; i < naddr; i++)
		if (fam_len(addr[i].family) == 0)
			return -E_INVAL;

	/* TSi: the client's inner address(es), each a single address. */
	memset(&l, 0, sizeof(l));
	l.is_tsi = 1;
	l.addr = addr;
	l.naddr = naddr;
	if ((r = narrow_one(tsi, &l, 3, out->i, &out->ni)) != 0)
		goto out;
	if (out->ni == 0) {
		r = -E_NOENT;
		goto out;
	}
	for (i = 0; i < out->ni; i++)
		fams |= out->i[i].family == AF_INET ? 1u : 2u;

	/* TSr: the split include networks, or everything (2.9: the
	 * responder narrows to what its policy allows). */
	memset(&l, 0, sizeof(l));
	if (pol != NULL) {
		l.split = pol->split;
		l.nsplit = pol->nsplit;
	}
	if ((r = narrow_one(tsr, &l, fams, out->r, &out->nr)) != 0)
		goto out;
	if (out->nr == 0) {
		r = -E_NOENT;
		goto out;
	}
	r = 0;
out:
	if (r != 0)
		out->ni = out->nr = 0;
	return r;
}

int
child_sa_ts_pld(const struct child_sa_sel *sel, size_t n,
    struct ike_pld_ts *out)
{
	size_t i, alen;

	if (n == 0 || n > IKE_PLD_MAX_TS)
		return -E_INVAL;
	for (i = 0; i < n; i++) {
		if ((alen = fam_len(sel[i].family)) == 0)
			return -E_INVAL;
		out->ts[i].type = sel[i].family == AF_INET ?
		    IKE_TS_IPV4_ADDR_RANGE : IKE_TS_IPV6_ADDR_RANGE;
		out->ts[i].proto = sel[i].proto;
		out->ts[i].sport = sel[i].sport;
		out->ts[i].eport = sel[i].eport;
		out->ts[i].start = span_make(sel[i].start, alen);
		out->ts[i].end = span_make(sel[i].end, alen);
	}
	out->nts = n;
	return 0;
}

/* Returns the prefix length when start..end is exactly one network,
 * else -1. */
static int
prefix_len(const struct child_sa_sel *s)
{
	size_t alen = fam_len(s->family), i;
	int len = 0, host = 0;
	uint8_t x, m;

	for (i = 0; i < alen; i++) {
		x = s->start[i] ^ s->end[i];
		for (m = 0x80; m != 0; m >>= 1) {
			if (!host && !(x & m)) {
				len++;
				continue;
			}
			/* In the host part start is all zeros and end all
			 * ones. */
			host = 1;
			if ((s->start[i] & m) || !(s->end[i] & m))
				return -1;
		}
	}
	return len;
}

int
child_sa_sel_str(const struct child_sa_sel *sel, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], ports[32];
	int n, pl;

	if (len == 0)
		return -E_RANGE;
	buf[0] = '\0';
	if (fam_len(sel->family) == 0 ||
	    inet_ntop(sel->family, sel->start, a, sizeof(a)) == NULL ||
	    inet_ntop(sel->family, sel->end, b, sizeof(b)) == NULL)
		return -E_INVAL;
	ports[0] = '\0';
	if (is_opaque(sel))
		snprintf(ports, sizeof(ports), "[%u/OPAQUE]", sel->proto);
	else if (sel->sport == sel->eport)
		snprintf(ports, sizeof(ports), "[%u/%u]", sel->proto,
		    sel->sport);
	else if (!is_anyport(sel))
		snprintf(ports, sizeof(ports), "[%u/%u-%u]", sel->proto,
		    sel->sport, sel->eport);
	else if (sel->proto != 0)
		snprintf(ports, sizeof(ports), "[%u]", sel->proto);
	if ((pl = prefix_len(sel)) >= 0)
		n = snprintf(buf, len, "%s/%d%s", a, pl, ports);
	else
		n = snprintf(buf, len, "%s..%s%s", a, b, ports);
	return n < 0 || (size_t)n >= len ? -E_RANGE : 0;
}

const struct child_sa_sel *
child_sa_side(const struct child_sa *c, int ours, size_t *n)
{
	int tsi = (ours != 0) == (c->we_initiated != 0);

	*n = tsi ? c->ts.ni : c->ts.nr;
	return tsi ? c->ts.i : c->ts.r;
}

void
child_sa_spi_put(uint32_t spi, uint8_t out[4])
{
	out[0] = (uint8_t)(spi >> 24);
	out[1] = (uint8_t)(spi >> 16);
	out[2] = (uint8_t)(spi >> 8);
	out[3] = (uint8_t)spi;
}

int
child_sa_spi_alloc(child_sa_spi_taken_fn *taken, void *arg,
    child_sa_rand_fn *rnd, uint32_t *spi)
{
	uint8_t b[4];
	uint32_t v;
	int i;

	if (rnd == NULL)
		rnd = xform_random;
	for (i = 0; i < CHILD_SA_SPI_TRIES; i++) {
		if (rnd(b, sizeof(b)) != 0)
			return -E_CRYPTO;
		v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
		    (uint32_t)b[2] << 8 | b[3];
		/* RFC 4303 2.1: 1-255 reserved by IANA, 0 local only. */
		if (v < 256)
			continue;
		if (taken != NULL && taken(v, arg))
			continue;
		*spi = v;
		return 0;
	}
	return -E_EXIST;
}

int
child_sa_init(struct child_sa *c, uint32_t spi_in,
    const struct ike_prop_esp *prop, const struct child_sa_ts *ts,
    const struct sockaddr *peer, uint64_t now_ms)
{
	memset(c, 0, sizeof(*c));
	if (spi_in < 256 || peer == NULL)
		return -E_INVAL;
	switch (peer->sa_family) {
	case AF_INET:
		memcpy(&c->peer, peer, sizeof(struct sockaddr_in));
		break;
	case AF_INET6:
		memcpy(&c->peer, peer, sizeof(struct sockaddr_in6));
		break;
	default:
		return -E_INVAL;
	}
	c->spi_in = spi_in;
	c->spi_out = prop->peer_spi;
	c->prop = *prop;
	c->ts = *ts;
	c->created_ms = now_ms;
	return 0;
}

void
child_sa_cleanup(struct child_sa *c)
{
	ike_keys_child_cleanup(&c->keys);
	ct_wipe(c, sizeof(*c));
}

int
child_sa_new(uint32_t spi_in, const struct ike_prop_esp *prop,
    const struct child_sa_ts *ts, const struct sockaddr *peer,
    uint64_t now_ms, struct child_sa **out)
{
	struct child_sa *c;
	int r;

	*out = NULL;
	if ((c = malloc(sizeof(*c))) == NULL)
		return -E_NOMEM;
	if ((r = child_sa_init(c, spi_in, prop, ts, peer, now_ms)) != 0) {
		free(c);
		return r;
	}
	*out = c;
	return 0;
}

void
child_sa_free(struct child_sa *c)
{
	if (c == NULL)
		return;
	child_sa_cleanup(c);
	free(c);
}


/* Appends the selectors v[0..n) separated by ",". */
static int
add_sels(struct buf *out, const struct child_sa_sel *v, size_t n)
{
	char s[CHILD_SA_SEL_STRLEN];
	size_t i;
	int r;

	for (i = 0; i < n; i++)
		if ((r = child_sa_sel_str(&v[i], s, sizeof(s))) != 0 ||
		    (r = buf_addf(out, "%s%s", i > 0 ? "," : "", s)) != 0)
			return r;
	return 0;
}

int
child_sa_format(const struct child_sa *c, uint64_t now_ms, struct buf *out)
{
	char alg[IKE_PROP_STRLEN], host[INET6_ADDRSTRLEN];
	const struct sockaddr_in *s4 = (const void *)&c->peer;
	const struct sockaddr_in6 *s6 = (const void *)&c->peer;
	unsigned port;
	int r;

	if ((r = ike_prop_esp_str(&c->prop, alg, sizeof(alg))) != 0)
		return r;
	if (c->peer.ss_family == AF_INET6) {
		if (inet_ntop(AF_INET6, &s6->sin6_addr, host,
		    sizeof(host)) == NULL)
			return -E_INVAL;
		port = ntohs(s6->sin6_port);
	} else {
		if (inet_ntop(AF_INET, &s4->sin_addr, host,
		    sizeof(host)) == NULL)
			return -E_INVAL;
		port = ntohs(s4->sin_port);
	}
	if ((r = buf_addf(out, "ESP in 0x%08x out 0x%08x %s %s peer %s[%u] ",
	    c->spi_in, c->spi_out, alg, c->prop.esn ? "esn" : "noesn", host,
	    port)) != 0 ||
	    (r = add_sels(out, c->ts.i, c->ts.ni)) != 0 ||
	    (r = buf_addf(out, " === ")) != 0 ||
	    (r = add_sels(out, c->ts.r, c->ts.nr)) != 0)
		return r;
	return buf_addf(out, " up %llus in %llu bytes %llu packets %llu drops "
	    "out %llu bytes %llu packets %llu drops\n",
	    (unsigned long long)(now_ms >= c->created_ms ?
	    (now_ms - c->created_ms) / 1000 : 0),
	    (unsigned long long)c->bytes_in,
	    (unsigned long long)c->packets_in,
	    (unsigned long long)c->drops_in,
	    (unsigned long long)c->bytes_out,
	    (unsigned long long)c->packets_out,
	    (unsigned long long)c->drops_out);
}
