/* ike_cp.c: CFG_REQUEST parsing and CFG_REPLY building (RFC 7296 3.15). */
#include "config.h"

#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "core/err.h"
#include "core/ike_cp.h"

/* Our APPLICATION_VERSION (3.15.1: a printable version string). */
#define APP_VERSION	"ikegate " IKEGATE_VERSION

/* INTERNAL_IP6_ADDRESS and _SUBNET: 16 address bytes and a prefix
 * length (3.15.1). */
#define IP6_ATTR_LEN	17

/* The attribute types this module answers, for SUPPORTED_ATTRIBUTES. */
static const uint16_t supported[] = {
	IKE_CP_INTERNAL_IP4_ADDRESS, IKE_CP_INTERNAL_IP4_NETMASK,
	IKE_CP_INTERNAL_IP4_DNS, IKE_CP_APPLICATION_VERSION,
	IKE_CP_INTERNAL_IP6_ADDRESS, IKE_CP_INTERNAL_IP6_DNS,
	IKE_CP_INTERNAL_IP4_SUBNET, IKE_CP_SUPPORTED_ATTRIBUTES,
	IKE_CP_INTERNAL_IP6_SUBNET, IKE_CP_INTERNAL_DNS_DOMAIN,
};
#define NSUPPORTED	(sizeof(supported) / sizeof(supported[0]))

/* A reply's attributes besides the split networks: the IPv4 address and
 * netmask, the IPv6 address, the DNS servers, the domain, our version,
 * SUPPORTED_ATTRIBUTES and the two of session resumption. With as many
 * split networks as a policy may list, a reply always fits. */
#define REPLY_FIXED_MAX	(3 + CFG_MAX_DNS + 3 + 2)
_Static_assert(CFG_MAX_SPLIT + REPLY_FIXED_MAX <= IKE_PLD_MAX_CP_ATTRS,
    "a CFG_REPLY with CFG_MAX_SPLIT networks must fit a CP payload");

static int
all_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

int
ike_cp_parse_req(const struct ike_pld_cp *cp, const uint16_t *extra,
    size_t nextra, struct ike_cp_req *out)
{
	const struct ike_pld_cp_attr *a;
	struct span v;
	uint8_t buf[IP6_ATTR_LEN];
	size_t i, j, n;
	int have_ver = 0;

	memset(out, 0, sizeof(*out));
	if (cp->type != IKE_CP_CFG_REQUEST)
		return -E_NOTSUP;
	if (nextra > IKE_CP_MAX_EXTRA)
		return -E_INVAL;
	for (i = 0; i < cp->nattr && i < IKE_PLD_MAX_CP_ATTRS; i++) {
		a = &cp->attr[i];
		v = a->value;
		if (a->type < 32)
			out->asked |= 1u << a->type;
		for (j = 0; j < nextra; j++)
			if (extra[j] == a->type)
				break;
		if (j < nextra) {
			for (n = 0; n < out->nextra; n++)
				if (out->extra[n] == a->type)
					break;
			if (n == out->nextra)
				out->extra[out->nextra++] = a->type;
		}
		switch (a->type) {
		case IKE_CP_INTERNAL_IP4_ADDRESS:
			/* 3.15.1: empty, or the address the client would
			 * like (0.0.0.0 meaning none in particular). */
			if (v.len == 0)
				break;
			if (span_copy(&v, buf, 4) != 0 || v.len != 0)
				return -E_BADLEN;
			if (out->v4.family == 0 && !all_zero(buf, 4) &&
			    pool_addr_set(&out->v4, AF_INET, buf) != 0)
				return -E_INTERNAL;
			break;
		case IKE_CP_INTERNAL_IP6_ADDRESS:
			if (v.len == 0)
				break;
			if (span_copy(&v, buf, IP6_ATTR_LEN) != 0 ||
			    v.len != 0)
				return -E_BADLEN;
			if (out->v6.family == 0 && !all_zero(buf, 16)) {
				if (pool_addr_set(&out->v6, AF_INET6, buf) != 0)
					return -E_INTERNAL;
				out->v6_prefix = buf[16];
			}
			break;
		case IKE_CP_APPLICATION_VERSION:
			/* Kept for logs: cut, and made printable. */
			if (have_ver)
				break;
			have_ver = 1;
			n = v.len < IKE_CP_APPVER_MAX ? v.len :
			    IKE_CP_APPVER_MAX;
			for (j = 0; j < n; j++)
				out->app_version[j] = v.p[j] >= 0x20 &&
				    v.p[j] < 0x7f ? (char)v.p[j] : '?';
			out->app_version[n] = '\0';
			break;
		default:
			break;
		}
	}
	return 0;
}

int
ike_cp_asked(const struct ike_cp_req *r, uint16_t type)
{
	size_t i;

	if (type < 32)
		return (r->asked & (1u << type)) != 0;
	for (i = 0; i < r->nextra; i++)
		if (r->extra[i] == type)
			return 1;
	return 0;
}

int
ike_cp_wants_addr(const struct ike_cp_req *r, int family)
{
	if (family == AF_INET)
		return ike_cp_asked(r, IKE_CP_INTERNAL_IP4_ADDRESS);
	if (family == AF_INET6)
		return ike_cp_asked(r, IKE_CP_INTERNAL_IP6_ADDRESS);
	return 0;
}

int
ike_cp_addr_failed(const struct ike_cp_req *r, int got_v4, int got_v6)
{
	int w4 = ike_cp_wants_addr(r, AF_INET);
	int w6 = ike_cp_wants_addr(r, AF_INET6);

	/* 3.10.1 INTERNAL_ADDRESS_FAILURE: "an error assigning an internal
	 * address"; as long as one asked-for family was served, the client
	 * has an address and the CHILD SA can be set up. */
	if (!w4 && !w6)
		return 0;
	return !((w4 && got_v4) || (w6 && got_v6));
}

/* The reply under construction: the decoded form the encoder takes, and
 * storage for the short values. */
struct reply {
	struct ike_pld_cp	cp;
	uint8_t			val[IKE_PLD_MAX_CP_ATTRS][IP6_ATTR_LEN];
};

/* Adds an attribute whose value is copied (at most IP6_ATTR_LEN bytes). */
static int
add_copy(struct reply *rp, uint16_t type, const uint8_t *p, size_t len)
{
	struct ike_pld_cp_attr *a;

	if (rp->cp.nattr == IKE_PLD_MAX_CP_ATTRS)
		return -E_TOOMANY;
	if (len > IP6_ATTR_LEN)
		return -E_INTERNAL;
	a = &rp->cp.attr[rp->cp.nattr];
	if (len > 0)
		memcpy(rp->val[rp->cp.nattr], p, len);
	a->type = type;
	a->value = span_make(rp->val[rp->cp.nattr], len);
	rp->cp.nattr++;
	return 0;
}

/* Adds an attribute whose value is borrowed (valid until encoded). */
static int
add_span(struct reply *rp, uint16_t type, struct span v)
{
	struct ike_pld_cp_attr *a;

	if (rp->cp.nattr == IKE_PLD_MAX_CP_ATTRS)
		return -E_TOOMANY;
	a = &rp->cp.attr[rp->cp.nattr++];
	a->type = type;
	a->value = v;
	return 0;
}

/* An IPv6 address or network: 16 bytes and a prefix length. */
static int
add_ip6(struct reply *rp, uint16_t type, const uint8_t *addr, unsigned plen)
{
	uint8_t v[IP6_ATTR_LEN];

	memcpy(v, addr, 16);
	v[16] = (uint8_t)plen;
	return add_copy(rp, type, v, sizeof(v));
}

/* INTERNAL_IP4_SUBNET: address and netmask (3.15.1). */
static int
add_ip4_subnet(struct reply *rp, const struct cfg_prefix *p)
{
	uint8_t v[8];
	uint32_t mask;

	if (p->len > 32)
		return -E_INVAL;
	mask = p->len == 0 ? 0 : 0xffffffffu << (32 - p->len);
	memcpy(v, p->addr.a, 4);
	v[4] = (uint8_t)(mask >> 24);
	v[5] = (uint8_t)(mask >> 16);
	v[6] = (uint8_t)(mask >> 8);
	v[7] = (uint8_t)mask;
	return add_copy(rp, IKE_CP_INTERNAL_IP4_SUBNET, v, sizeof(v));
}

/* SUPPORTED_ATTRIBUTES (3.15.1): 2-octet types, ours then the extras. */
static int
add_supported(struct reply *rp, const struct ike_cp_assign *a, uint8_t *buf,
    size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < NSUPPORTED && n + 2 <= max; i++) {
		buf[n++] = (uint8_t)(supported[i] >> 8);
		buf[n++] = (uint8_t)supported[i];
	}
	for (i = 0; i < a->nextra && n + 2 <= max; i++) {
		buf[n++] = (uint8_t)(a->extra[i].type >> 8);
		buf[n++] = (uint8_t)a->extra[i].type;
	}
	return add_span(rp, IKE_CP_SUPPORTED_ATTRIBUTES, span_make(buf, n));
}

int
ike_cp_add_reply(struct ike_chain *ch, const struct ike_cp_req *req,
    const struct cfg_policy *pol, const struct ike_cp_assign *a)
{
	static const uint8_t host_mask[4] = { 0xff, 0xff, 0xff, 0xff };
	uint8_t sup[2 * (NSUPPORTED + IKE_PLD_MAX_CP_ATTRS)];
	struct reply rp;
	const struct cfg_addr *d;
	const struct cfg_prefix *p;
	size_t i;
	int r;

	if ((a->v4 != NULL && a->v4->family != AF_INET) ||
	    (a->v6 != NULL && a->v6->family != AF_INET6))
		return -E_INVAL;
	for (i = 0; i < a->nextra; i++)
		if (a->extra[i].type > 0x7fff)
			return -E_INVAL;
	if (pol != NULL && pol->domain != NULL &&
	    strlen(pol->domain) > UINT16_MAX)
		return -E_INVAL;
	memset(&rp.cp, 0, sizeof(rp.cp));
	rp.cp.type = IKE_CP_CFG_REPLY;

	if (a->v4 != NULL &&
	    (r = add_copy(&rp, IKE_CP_INTERNAL_IP4_ADDRESS, a->v4->a, 4)) != 0)
		return r;
	/* 3.15.1: one netmask, only with INTERNAL_IP4_ADDRESS; the client
	 * owns a single address. */
	if (a->v4 != NULL && ike_cp_asked(req, IKE_CP_INTERNAL_IP4_NETMASK) &&
	    (r = add_copy(&rp, IKE_CP_INTERNAL_IP4_NETMASK, host_mask,
	    sizeof(host_mask))) != 0)
		return r;
	if (a->v6 != NULL &&
	    (r = add_ip6(&rp, IKE_CP_INTERNAL_IP6_ADDRESS, a->v6->a, 128)) != 0)
		return r;

	if (pol != NULL) {
		for (i = 0; i < pol->ndns && i < CFG_MAX_DNS; i++) {
			d = &pol->dns[i];
			if (d->family == AF_INET && a->v4 != NULL)
				r = add_copy(&rp, IKE_CP_INTERNAL_IP4_DNS,
				    d->a, 4);
			else if (d->family == AF_INET6 && a->v6 != NULL)
				r = add_copy(&rp, IKE_CP_INTERNAL_IP6_DNS,
				    d->a, 16);
			else
				r = 0;
			if (r != 0)
				return r;
		}
		/* RFC 8598 3.1: the name in presentation format, not
		 * NUL-terminated. */
		if (pol->domain != NULL && pol->domain[0] != '\0' &&
		    (r = add_span(&rp, IKE_CP_INTERNAL_DNS_DOMAIN,
		    span_str(pol->domain))) != 0)
			return r;
		/* 3.15.2: the networks behind the gateway. */
		for (i = 0; i < pol->nsplit; i++) {
			p = &pol->split[i];
			if (p->addr.family == AF_INET && a->v4 != NULL)
				r = add_ip4_subnet(&rp, p);
			else if (p->addr.family == AF_INET6 && a->v6 != NULL)
				r = p->len > 128 ? -E_INVAL :
				    add_ip6(&rp, IKE_CP_INTERNAL_IP6_SUBNET,
				    p->addr.a, p->len);
			else
				r = 0;
			if (r != 0)
				return r;
		}
	}

	if (ike_cp_asked(req, IKE_CP_APPLICATION_VERSION) &&
	    (r = add_span(&rp, IKE_CP_APPLICATION_VERSION,
	    span_str(APP_VERSION))) != 0)
		return r;
	if (ike_cp_asked(req, IKE_CP_SUPPORTED_ATTRIBUTES) &&
	    (r = add_supported(&rp, a, sup, sizeof(sup))) != 0)
		return r;
	for (i = 0; i < a->nextra; i++)
		if ((r = add_span(&rp, a->extra[i].type,
		    a->extra[i].value)) != 0)
			return r;
	return ike_pld_add_cp(ch, &rp.cp);
}

int
ike_cp_add_request(struct ike_chain *ch, const uint16_t *types, size_t ntypes)
{
	struct ike_pld_cp cp;
	size_t i;

	if (ntypes > IKE_PLD_MAX_CP_ATTRS)
		return -E_TOOMANY;
	memset(&cp, 0, sizeof(cp));
	cp.type = IKE_CP_CFG_REQUEST;
	for (i = 0; i < ntypes; i++) {
		/* The top bit of the 16-bit field is reserved (3.15.1). */
		if (types[i] > 0x7fff)
			return -E_INVAL;
		cp.attr[i].type = types[i];
		cp.attr[i].value = span_make(NULL, 0);
	}
	cp.nattr = ntypes;
	return ike_pld_add_cp(ch, &cp);
}

/* Returns the prefix length of the 4-byte netmask m, or -1 when its one
 * bits are not contiguous from the top. */
static int
mask_len(const uint8_t m[4])
{
	uint32_t v = (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 |
	    (uint32_t)m[2] << 8 | m[3];
	int n = 0;

	while (n < 32 && (v & (0x80000000u >> n)))
		n++;
	if (n < 32 && (v & (0xffffffffu >> n)) != 0)
		return -1;
	return n;
}

/* Keeps the network addr/len (host bits cleared here) unless it is there
 * already or the list is full. */
static void
add_net(struct ike_cp_reply *out, int family, const uint8_t *addr,
    unsigned len)
{
	struct ike_cp_net n;
	size_t i, alen = family == AF_INET ? 4 : 16;

	memset(&n, 0, sizeof(n));
	n.addr.family = family;
	memcpy(n.addr.a, addr, alen);
	for (i = 0; i < alen; i++) {
		if (len >= 8 * (i + 1))
			continue;
		n.addr.a[i] &= len <= 8 * i ? 0 :
		    (uint8_t)(0xff << (8 - (len - 8 * i)));
	}
	n.len = len;
	for (i = 0; i < out->nsplit; i++)
		if (pool_addr_eq(&out->split[i].addr, &n.addr) &&
		    out->split[i].len == len)
			return;
	if (out->nsplit < IKE_CP_MAX_SPLIT)
		out->split[out->nsplit++] = n;
}

int
ike_cp_parse_reply(const struct ike_pld_cp *cp, const uint16_t *extra,
    size_t nextra, struct ike_cp_reply *out)
{
	const struct ike_pld_cp_attr *a;
	struct span v;
	uint8_t buf[IP6_ATTR_LEN];
	size_t i, j;
	int plen;

	memset(out, 0, sizeof(*out));
	if (cp->type != IKE_CP_CFG_REPLY)
		return -E_NOTSUP;
	if (nextra > IKE_CP_MAX_EXTRA)
		return -E_INVAL;
	for (i = 0; i < cp->nattr && i < IKE_PLD_MAX_CP_ATTRS; i++) {
		a = &cp->attr[i];
		v = a->value;
		if (v.len == 0)
			continue;
		switch (a->type) {
		case IKE_CP_INTERNAL_IP4_ADDRESS:
		case IKE_CP_INTERNAL_IP4_DNS:
			if (span_copy(&v, buf, 4) != 0 || v.len != 0)
				return -E_BADLEN;
			if (all_zero(buf, 4))
				break;
			if (a->type == IKE_CP_INTERNAL_IP4_ADDRESS) {
				if (out->v4.family == 0 &&
				    pool_addr_set(&out->v4, AF_INET, buf) != 0)
					return -E_INTERNAL;
			} else if (out->ndns < IKE_CP_MAX_DNS &&
			    pool_addr_set(&out->dns[out->ndns++], AF_INET,
			    buf) != 0)
				return -E_INTERNAL;
			break;
		case IKE_CP_INTERNAL_IP6_ADDRESS:
			if (span_copy(&v, buf, IP6_ATTR_LEN) != 0 || v.len != 0)
				return -E_BADLEN;
			if (all_zero(buf, 16) || buf[16] > 128 ||
			    out->v6.family != 0)
				break;
			if (pool_addr_set(&out->v6, AF_INET6, buf) != 0)
				return -E_INTERNAL;
			out->v6_prefix = buf[16];
			break;
		case IKE_CP_INTERNAL_IP6_DNS:
			if (span_copy(&v, buf, 16) != 0 || v.len != 0)
				return -E_BADLEN;
			if (!all_zero(buf, 16) && out->ndns < IKE_CP_MAX_DNS &&
			    pool_addr_set(&out->dns[out->ndns++], AF_INET6,
			    buf) != 0)
				return -E_INTERNAL;
			break;
		case IKE_CP_INTERNAL_IP4_SUBNET:
			/* 3.15.1: address and netmask, 8 octets. */
			if (span_copy(&v, buf, 8) != 0 || v.len != 0)
				return -E_BADLEN;
			if ((plen = mask_len(buf + 4)) >= 0)
				add_net(out, AF_INET, buf, (unsigned)plen);
			break;
		case IKE_CP_INTERNAL_IP6_SUBNET:
			if (span_copy(&v, buf, IP6_ATTR_LEN) != 0 || v.len != 0)
				return -E_BADLEN;
			if (buf[16] <= 128)
				add_net(out, AF_INET6, buf, buf[16]);
			break;
		case IKE_CP_INTERNAL_DNS_DOMAIN:
			if (out->domain.len == 0)
				out->domain = v;
			break;
		default:
			for (j = 0; j < nextra && extra[j] != a->type; j++)
				;
			if (j == nextra)
				break;
			for (j = 0; j < out->nextra &&
			    out->extra[j].type != a->type; j++)
				;
			if (j == out->nextra && out->nextra < IKE_CP_MAX_EXTRA)
				out->extra[out->nextra++] = *a;
			break;
		}
	}
	return 0;
}
