/* dp_tun.c: the gateway's TUN device for the data plane (see dp.h):
 * opened, brought up with its MTU, the address pools routed to it, and a
 * word when the kernel will not forward. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/cfg.h"
#include "core/dp.h"
#include "core/dp_int.h"
#include "core/err.h"
#include "core/log.h"
#include "tun/tun.h"

/* Adds the routes of an IPv4 range as the fewest covering prefixes. */
static int
route_range4(const char *ifname, const uint8_t *first, const uint8_t *last)
{
	uint32_t a = (uint32_t)first[0] << 24 | (uint32_t)first[1] << 16 |
	    (uint32_t)first[2] << 8 | first[3];
	uint32_t z = (uint32_t)last[0] << 24 | (uint32_t)last[1] << 16 |
	    (uint32_t)last[2] << 8 | last[3];
	struct tun_prefix p;
	unsigned len;
	int r;

	while (a <= z) {
		/* The largest aligned block at a that stays within z. */
		for (len = 0; len < 32; len++) {
			uint64_t size = 1ULL << (32 - len);

			if ((a & (uint32_t)(size - 1)) == 0 &&
			    (uint64_t)a + size - 1 <= z)
				break;
		}
		memset(&p, 0, sizeof(p));
		p.family = AF_INET;
		p.a[0] = (uint8_t)(a >> 24);
		p.a[1] = (uint8_t)(a >> 16);
		p.a[2] = (uint8_t)(a >> 8);
		p.a[3] = (uint8_t)a;
		p.len = len;
		if ((r = tun_route_add(ifname, &p)) != 0)
			return r;
		if (len == 0 || (uint64_t)a + (1ULL << (32 - len)) > UINT32_MAX)
			break;
		a += (uint32_t)(1ULL << (32 - len));
	}
	return 0;
}

/* The shortest prefix covering the IPv6 range first..last. */
static void
prefix6_cover(const uint8_t *first, const uint8_t *last,
    struct tun_prefix *p)
{
	unsigned len = 0;
	uint8_t x;

	memset(p, 0, sizeof(*p));
	p->family = AF_INET6;
	while (len < 128) {
		x = first[len / 8] ^ last[len / 8];
		if (x & (0x80 >> (len % 8)))
			break;
		len++;
	}
	memcpy(p->a, first, (len + 7) / 8);
	if (len % 8 != 0)
		p->a[len / 8] &= (uint8_t)(0xff << (8 - len % 8));
	p->len = len;
}

/* Brings the device up and routes the pools to it. Returns 0, or
 * -TUN_E_PERM when we may not (the operator configured it). An IPv6
 * pool the kernel will not route (IPv6 disabled on the device or the
 * host) costs only its clients' IPv6 traffic: said once, not fatal.
 * Sets *v6 when an IPv6 pool was routed. */
static int
configure_tun(struct dp *dp, const struct dp_config *cfg, int *v6)
{
	const char *ifname = tun_name(dp->tun);
	const struct cfg_pool *pl;
	struct tun_prefix p;
	size_t i, j;
	int r, warned = 0;

	*v6 = 0;
	if ((r = tun_link_up(ifname)) != 0)
		return r;
	if (cfg->mtu != 0 && (r = tun_link_mtu(ifname, cfg->mtu)) != 0)
		return r;
	for (i = 0; cfg->cfg != NULL && i < cfg_pool_count(cfg->cfg); i++) {
		pl = cfg_pool_at(cfg->cfg, i);
		for (j = 0; j < pl->nseg; j++) {
			const struct cfg_pool_seg *sg = &pl->seg[j];

			if (sg->is_net) {
				memset(&p, 0, sizeof(p));
				p.family = sg->first.family;
				memcpy(p.a, sg->first.a, sizeof(p.a));
				p.len = sg->len;
				r = tun_route_add(ifname, &p);
			} else if (sg->first.family == AF_INET)
				r = route_range4(ifname, sg->first.a,
				    sg->last.a);
			else {
				/* An IPv6 range: the prefix that covers
				 * it (addresses of it not leased find no
				 * SA and are dropped). */
				prefix6_cover(sg->first.a, sg->last.a, &p);
				r = tun_route_add(ifname, &p);
			}
			if (r == 0 && sg->first.family == AF_INET6)
				*v6 = 1;
			else if (r != 0 && r != -TUN_E_PERM &&
			    sg->first.family == AF_INET6) {
				if (!warned++)
					log_warnx(SUB_TUN, "%s: cannot route "
					    "IPv6 pool %s: %s%s%s (IPv6 "
					    "disabled?); its clients get no "
					    "IPv6 traffic", ifname, pl->name,
					    tun_strerror(r),
					    r == -TUN_E_SYS ? ": " : "",
					    r == -TUN_E_SYS ?
					    strerror(errno) : "");
			} else if (r != 0)
				return r;
		}
	}
	return 0;
}

/* Says when the kernel will not forward what clients send to others:
 * path is the sysctl's file, name its name. */
static void
warn_forwarding(const char *path, const char *name, const char *what)
{
	FILE *f = fopen(path, "r");
	int c;

	if (f == NULL)
		return;
	c = fgetc(f);
	fclose(f);
	if (c == '0')
		log_warnx(SUB_TUN, "%s forwarding is off (%s = 0): clients "
		    "reach only this host", what, name);
}

/* Opens and configures the gateway's device (cfg->tun). */
int
dp__open_own(struct dp *dp, const struct dp_config *cfg)
{
	unsigned int fl = TUN_OPEN_OFFLOAD;
	int r, v6;

	/* One queue per thread; a persistent device made without
	 * multi_queue refuses that: it is then read by one thread. */
	if (cfg->threads > 1)
		fl |= TUN_OPEN_MULTI_QUEUE;
	r = tun_open(cfg->tun, fl, &dp->tun);
	if (r == -TUN_E_NOTSUP && (fl & TUN_OPEN_MULTI_QUEUE)) {
		log_warnx(SUB_TUN, "%s is not a multi-queue device (ip tuntap "
		    "add ... multi_queue): one thread reads it, %u write to "
		    "it", cfg->tun, cfg->threads);
		r = tun_open(cfg->tun, TUN_OPEN_OFFLOAD, &dp->tun);
	}
	if (r != 0) {
		log_errx(SUB_TUN, "TUN device %s: %s%s%s", cfg->tun,
		    tun_strerror(r), r == -TUN_E_SYS || r == -TUN_E_NODRV ?
		    ": " : "", r == -TUN_E_SYS || r == -TUN_E_NODRV ?
		    strerror(errno) : "");
		return -E_SYS;
	}
	dp->own_tun = 1;
	r = configure_tun(dp, cfg, &v6);
	if (r == -TUN_E_PERM)
		log_info(SUB_TUN, "no CAP_NET_ADMIN: %s must have been "
		    "configured beforehand (link up, MTU, routes to the "
		    "pools); leaving it as it is", tun_name(dp->tun));
	else if (r != 0) {
		log_errx(SUB_TUN, "configuring %s: %s", tun_name(dp->tun),
		    tun_strerror(r));
		return -E_SYS;
	}
	warn_forwarding("/proc/sys/net/ipv4/ip_forward", "net.ipv4.ip_forward",
	    "IPv4");
	if (v6)
		warn_forwarding("/proc/sys/net/ipv6/conf/all/forwarding",
		    "net.ipv6.conf.all.forwarding", "IPv6");
	return 0;
}
