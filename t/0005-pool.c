/* 0005-pool.c: inner address pools: ranges, CIDRs, leases, sticky. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/err.h"
#include "core/pool.h"
#include "t/tap.h"

static struct pool_addr
A(const char *s)
{
	struct pool_addr a;

	if (pool_addr_pton(s, &a) != 0) {
		diag("bad address in test: %s", s);
		abort();
	}
	return a;
}

static const char *
S(const struct pool_addr *a)
{
	static char buf[4][POOL_ADDR_STRLEN];
	static int k;

	k = (k + 1) % 4;
	return pool_addr_ntop(a, buf[k]);
}

/* Allocates for owner and returns the address as text, or the error. */
static const char *
alloc_s(struct pool *p, const char *owner)
{
	static char err[4][32];
	static int k;
	struct pool_addr a;
	int r;

	if ((r = pool_alloc(p, owner, &a)) != 0) {
		k = (k + 1) % 4;
		snprintf(err[k], sizeof(err[k]), "%s", err_name(r));
		return err[k];
	}
	return S(&a);
}

static int
rel(struct pool *p, const char *s)
{
	struct pool_addr a = A(s);

	return pool_release(p, &a);
}

static int
res(struct pool *p, const char *s, const char *owner)
{
	struct pool_addr a = A(s);

	return pool_reserve(p, &a, owner);
}

static int
has(const struct pool *p, const char *s)
{
	struct pool_addr a = A(s);

	return pool_contains(p, &a);
}

static int
used(const struct pool *p, const char *s)
{
	struct pool_addr a = A(s);

	return pool_in_use(p, &a);
}

static size_t
stat_total(const struct pool *p)
{
	size_t t;

	pool_stats(p, &t, NULL);
	return t;
}

static size_t
stat_used(const struct pool *p)
{
	size_t u;

	pool_stats(p, NULL, &u);
	return u;
}

static void
test_addr(void)
{
	struct pool_addr a, b;
	char buf[POOL_ADDR_STRLEN];
	static const uint8_t v4[4] = { 192, 0, 2, 1 };

	is_int(pool_addr_pton("192.0.2.1", &a), 0, "pton v4");
	is_int(a.family, AF_INET, "v4 family");
	is_mem(a.a, v4, 4, "v4 bytes in network order");
	is_str(pool_addr_ntop(&a, buf), "192.0.2.1", "ntop v4");
	is_int(pool_addr_len(&a), 4, "v4 length");
	is_int(pool_addr_pton("2001:DB8:0:0::1", &a), 0, "pton v6");
	is_int(a.family, AF_INET6, "v6 family");
	/* RFC 5952 4: lower case, longest zero run compressed. */
	is_str(pool_addr_ntop(&a, buf), "2001:db8::1", "ntop v6 canonical");
	is_int(pool_addr_len(&a), 16, "v6 length");
	b = a;
	is_int(pool_addr_pton("1.2.3", &b), -E_SYNTAX, "three-part v4");
	is_int(pool_addr_pton("1.2.3.4.5", &b), -E_SYNTAX, "five-part v4");
	is_int(pool_addr_pton("1.2.3.256", &b), -E_SYNTAX, "octet > 255");
	is_int(pool_addr_pton("::g", &b), -E_SYNTAX, "bad v6");
	is_int(pool_addr_pton("", &b), -E_SYNTAX, "empty");
	ok(pool_addr_eq(&a, &b), "failed pton leaves output alone");
	is_int(pool_addr_set(&b, AF_INET, v4), 0, "set v4");
	is_str(S(&b), "192.0.2.1", "set v4 prints");
	ok(!pool_addr_eq(&a, &b), "v4 != v6");
	is_int(pool_addr_set(&b, AF_UNIX, v4), -E_INVAL, "set: bad family");
	b.family = AF_UNIX;
	is_str(pool_addr_ntop(&b, buf), "invalid", "ntop: bad family");
	is_int(pool_addr_len(&b), 0, "bad family length 0");
	ok(!pool_addr_eq(&b, &b), "bad family never equal");
}

static void
test_range_exhaustion(void)
{
	struct pool *p;
	char name[32];
	int i, distinct = 1, r;

	p = pool_new(AF_INET, 0, 0);
	ok(p != NULL, "pool_new v4");
	is_str(alloc_s(p, "x"), "E_AGAIN", "empty pool: E_AGAIN");
	is_int(rel(p, "10.0.0.1"), -E_NOENT, "empty pool: release E_NOENT");
	is_int(pool_add_spec(p, "10.0.0.1-10.0.0.10"), 0, "add range of 10");
	is_int(stat_total(p), 10, "total 10");
	for (i = 1; i <= 10; i++) {
		snprintf(name, sizeof(name), "10.0.0.%d", i);
		if (strcmp(alloc_s(p, "user"), name) != 0)
			distinct = 0;
	}
	ok(distinct, "10 allocations hand out .1 .. .10 in order");
	is_int(stat_used(p), 10, "used 10");
	is_str(alloc_s(p, "user"), "E_AGAIN", "11th allocation: E_AGAIN");
	is_int(rel(p, "10.0.0.4"), 0, "release .4");
	is_str(alloc_s(p, "user"), "10.0.0.4", "wraps around to .4");
	is_str(alloc_s(p, "user"), "E_AGAIN", "full again");

	/* Rotation: a released address is not reused at once. */
	is_int(rel(p, "10.0.0.5"), 0, "release .5");
	is_int(rel(p, "10.0.0.7"), 0, "release .7");
	is_str(alloc_s(p, "user"), "10.0.0.5", ".5 is next after .4");
	is_int(rel(p, "10.0.0.5"), 0, "release .5 again");
	is_str(alloc_s(p, "user"), "10.0.0.7",
	    "just-released .5 not reused: .7 comes first");
	is_str(alloc_s(p, "user"), "10.0.0.5", "then .5 after wrapping");

	/* Growing a pool that is in use. */
	is_int(pool_add_spec(p, "10.0.0.11-10.0.0.80"), 0,
	    "add 70 more (crosses a bitmap word)");
	is_int(stat_total(p), 80, "total 80");
	for (i = 0, r = 0; i < 70; i++)
		if (pool_alloc(p, "user", &(struct pool_addr){ 0 }) != 0)
			r++;
	is_int(r, 0, "70 more allocations succeed");
	is_str(alloc_s(p, "user"), "E_AGAIN", "then E_AGAIN");
	ok(used(p, "10.0.0.80") && used(p, "10.0.0.11"), "new ones in use");
	is_int(stat_used(p), 80, "used 80");
	pool_free(p);
	pool_free(NULL);
}

static void
test_reserve_release(void)
{
	struct pool *p;
	char longname[POOL_OWNER_MAX + 2];
	struct pool_addr a;

	p = pool_new(AF_INET, 0, 0);
	ok(p != NULL && pool_add_spec(p, "192.0.2.0/28") == 0, "pool /28");
	ok(pool_exclude(p, &(struct pool_addr){ AF_INET, { 192, 0, 2, 9 } }) ==
	    0, "exclude .9");
	is_int(res(p, "192.0.2.5", "alice"), 0, "reserve free .5");
	ok(used(p, "192.0.2.5"), ".5 in use");
	is_str(pool_owner(p, &(struct pool_addr){ AF_INET, { 192, 0, 2, 5 } }),
	    "alice", "owner of .5 is alice");
	is_int(res(p, "192.0.2.5", "alice"), 0, "reserve again by alice: 0");
	is_int(stat_used(p), 1, "still one lease");
	is_int(res(p, "192.0.2.5", "bob"), -E_EXIST, "reserve by bob: E_EXIST");
	is_int(res(p, "192.0.2.5", "alic"), -E_EXIST, "owner's prefix differs");
	is_int(res(p, "192.0.2.0", "bob"), -E_NOENT, "network addr: E_NOENT");
	is_int(res(p, "192.0.2.15", "bob"), -E_NOENT, "broadcast: E_NOENT");
	is_int(res(p, "192.0.2.9", "bob"), -E_NOENT, "excluded: E_NOENT");
	is_int(res(p, "198.51.100.1", "bob"), -E_NOENT, "outside: E_NOENT");
	is_int(res(p, "2001:db8::1", "bob"), -E_NOENT, "v6 in v4: E_NOENT");

	is_int(rel(p, "192.0.2.6"), -E_NOENT, "release free: E_NOENT");
	is_int(rel(p, "192.0.2.9"), -E_NOENT, "release excluded: E_NOENT");
	is_int(rel(p, "192.0.2.0"), -E_NOENT, "release network: E_NOENT");
	is_int(rel(p, "203.0.113.5"), -E_NOENT, "release foreign: E_NOENT");
	is_int(rel(p, "::1"), -E_NOENT, "release other family: E_NOENT");
	is_int(rel(p, "192.0.2.5"), 0, "release .5");
	is_int(rel(p, "192.0.2.5"), -E_NOENT, "double release: E_NOENT");
	ok(!used(p, "192.0.2.5") && pool_owner(p, &(struct pool_addr){
	    AF_INET, { 192, 0, 2, 5 } }) == NULL, ".5 free, no owner");
	is_int(res(p, "192.0.2.5", "bob"), 0, "bob reserves .5 now");
	is_int(stat_used(p), 1, "used 1");

	/* The allocator skips reserved and excluded addresses. */
	is_str(alloc_s(p, "carol"), "192.0.2.1", "alloc .1");
	is_int(res(p, "192.0.2.2", "dave"), 0, "reserve .2 ahead of cursor");
	is_str(alloc_s(p, "carol"), "192.0.2.3", "alloc skips reserved .2");
	is_str(alloc_s(p, "carol"), "192.0.2.4", "alloc .4");
	is_str(alloc_s(p, "carol"), "192.0.2.6", "alloc skips reserved .5");
	is_str(alloc_s(p, "carol"), "192.0.2.7", "alloc .7");
	is_str(alloc_s(p, "carol"), "192.0.2.8", "alloc .8");
	is_str(alloc_s(p, "carol"), "192.0.2.10", "alloc skips excluded .9");

	is_int(pool_exclude(p, &(struct pool_addr){ AF_INET,
	    { 192, 0, 2, 8 } }), -E_EXIST, "exclude leased: E_EXIST");
	is_int(pool_exclude(p, &(struct pool_addr){ AF_INET,
	    { 192, 0, 2, 9 } }), 0, "exclude twice: 0");
	is_int(pool_exclude(p, &(struct pool_addr){ AF_INET,
	    { 192, 0, 2, 16 } }), -E_NOENT, "exclude outside: E_NOENT");
	is_int(stat_total(p), 13, "total 14 - 1 excluded");

	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	is_int(pool_alloc(p, longname, &a), -E_RANGE, "owner too long: alloc");
	is_int(res(p, "192.0.2.11", longname), -E_RANGE,
	    "owner too long: reserve");
	longname[POOL_OWNER_MAX] = '\0';
	is_int(pool_alloc(p, longname, &a), 0, "owner of the maximum length");
	is_str(S(&a), "192.0.2.11", "gets .11");
	pool_free(p);
}

static void
test_sticky(void)
{
	struct pool *p;

	p = pool_new(AF_INET, 1, 0);
	ok(p != NULL && pool_add_spec(p, "10.0.0.1-10.0.0.4") == 0,
	    "sticky pool of 4");
	is_str(alloc_s(p, "alice"), "10.0.0.1", "alice gets .1");
	is_int(rel(p, "10.0.0.1"), 0, "alice leaves");
	is_str(alloc_s(p, "bob"), "10.0.0.2", "bob gets .2 (rotation)");
	is_str(alloc_s(p, "alice"), "10.0.0.1", "alice gets .1 back");
	is_int(rel(p, "10.0.0.1"), 0, "alice leaves again");
	is_str(alloc_s(p, "carol"), "10.0.0.3", "carol gets .3");
	is_str(alloc_s(p, "dave"), "10.0.0.4", "dave gets .4");
	is_str(alloc_s(p, "erin"), "10.0.0.1", "erin gets free .1");
	is_str(alloc_s(p, "alice"), "E_AGAIN", "alice: pool full");
	is_int(rel(p, "10.0.0.3"), 0, "carol leaves");
	is_str(alloc_s(p, "alice"), "10.0.0.3",
	    "alice's .1 is taken: she gets the free .3");
	is_int(rel(p, "10.0.0.3"), 0, "alice leaves");
	is_int(rel(p, "10.0.0.1"), 0, "erin leaves");
	is_str(alloc_s(p, "alice"), "10.0.0.3",
	    "alice gets her latest address (.3), not .1");
	/* A second lease for the same owner (a second device). */
	is_str(alloc_s(p, "alice"), "10.0.0.1", "alice's second device: .1");
	is_str(pool_owner(p, &(struct pool_addr){ AF_INET, { 10, 0, 0, 1 } }),
	    "alice", "owner recorded");
	pool_free(p);

	/* Without stickiness the same history rotates. */
	p = pool_new(AF_INET, 0, 0);
	ok(p != NULL && pool_add_spec(p, "10.0.0.1-10.0.0.4") == 0,
	    "plain pool of 4");
	is_str(alloc_s(p, "alice"), "10.0.0.1", "alice gets .1");
	is_int(rel(p, "10.0.0.1"), 0, "alice leaves");
	is_str(alloc_s(p, "bob"), "10.0.0.2", "bob gets .2");
	is_str(alloc_s(p, "alice"), "10.0.0.3", "not sticky: alice gets .3");
	pool_free(p);

	/* Bounded memory: the least recently served owner is forgotten. */
	p = pool_new(AF_INET, 1, 2);
	ok(p != NULL && pool_add_spec(p, "10.0.0.1-10.0.0.10") == 0,
	    "sticky pool remembering 2 owners");
	ok(strcmp(alloc_s(p, "a"), "10.0.0.1") == 0 &&
	    rel(p, "10.0.0.1") == 0 &&
	    strcmp(alloc_s(p, "b"), "10.0.0.2") == 0 &&
	    rel(p, "10.0.0.2") == 0 &&
	    strcmp(alloc_s(p, "c"), "10.0.0.3") == 0 &&
	    rel(p, "10.0.0.3") == 0, "a, b, c come and go");
	is_str(alloc_s(p, "c"), "10.0.0.3", "c remembered");
	is_int(rel(p, "10.0.0.3"), 0, "c leaves");
	is_str(alloc_s(p, "a"), "10.0.0.4", "a was evicted: gets .4");
	is_str(alloc_s(p, "b"), "10.0.0.5", "b evicted by a: gets .5");
	is_str(alloc_s(p, "c"), "10.0.0.6", "c evicted by b: gets .6");
	/* Reserve feeds the memory too. */
	is_int(res(p, "10.0.0.9", "zed"), 0, "zed reserves .9");
	is_int(rel(p, "10.0.0.9"), 0, "zed leaves");
	is_str(alloc_s(p, "zed"), "10.0.0.9", "zed gets .9 back");
	pool_free(p);
}

static void
test_cidr(void)
{
	static char longspec[129];
	struct pool *p;
	struct pool_addr a;

	p = pool_new(AF_INET, 0, 0);
	is_int(pool_add_spec(p, "10.1.0.0/29"), 0, "add /29");
	is_int(stat_total(p), 6, "/29 has 6 usable addresses");
	ok(!has(p, "10.1.0.0") && !has(p, "10.1.0.7"),
	    "network and broadcast not in the pool");
	ok(has(p, "10.1.0.1") && has(p, "10.1.0.6"), ".1 and .6 are");
	is_str(alloc_s(p, "u"), "10.1.0.1", "first is .1");
	alloc_s(p, "u");
	alloc_s(p, "u");
	alloc_s(p, "u");
	is_str(alloc_s(p, "u"), "10.1.0.5", "fifth is .5");
	is_str(alloc_s(p, "u"), "10.1.0.6", "sixth is .6");
	is_str(alloc_s(p, "u"), "E_AGAIN", "seventh: E_AGAIN");
	is_int(pool_add_spec(p, "10.1.0.8/31"), 0, "add /31");
	is_str(alloc_s(p, "u"), "10.1.0.8", "/31: first address usable");
	is_str(alloc_s(p, "u"), "10.1.0.9", "/31: second address usable");
	is_int(pool_add_spec(p, "10.1.0.10/32"), 0, "add /32");
	is_str(alloc_s(p, "u"), "10.1.0.10", "/32: the address itself");
	is_str(alloc_s(p, "u"), "E_AGAIN", "then E_AGAIN");
	is_int(stat_total(p), 9, "total 6 + 2 + 1");

	is_int(pool_add_spec(p, "10.1.0.12/32"), 0, "add .12");
	is_int(pool_add_spec(p, "10.1.0.1/29"), -E_INVAL, "host bits set");
	is_int(pool_add_spec(p, "10.1.0.0/33"), -E_INVAL, "prefix 33");
	is_int(pool_add_spec(p, "10.1.0.0/29"), -E_DUP, "same /29 again");
	is_int(pool_add_spec(p, "10.1.0.6-10.1.0.8"), -E_DUP,
	    "range overlapping two segments");
	is_int(pool_add_spec(p, "10.0.255.250-10.1.0.1"), -E_DUP,
	    "range ending in a segment");
	is_int(pool_add_spec(p, "10.1.0.11-10.1.0.20"), -E_DUP,
	    "range covering a segment");
	is_int(pool_add_spec(p, "10.1.0.11"), 0, "the gap .11 is free");
	is_int(pool_add_spec(p, "10.1.0.7"), 0,
	    "the /29's broadcast may be added on its own");
	is_int(pool_add_spec(p, "10.1.0.3-10.1.0.2"), -E_INVAL, "last < first");
	is_int(pool_add_spec(p, "2001:db8::1"), -E_INVAL, "v6 into v4 pool");
	is_int(pool_add_spec(p, "10.0.0.0/11"), -E_RANGE, "/11 too large");
	is_int(pool_add_spec(p, "0.0.0.0/0"), -E_RANGE, "/0 too large");
	is_int(pool_add_spec(p, "10.2.0.0-10.18.0.0"), -E_RANGE,
	    "range too large");
	is_int(pool_add_spec(p, "172.16.0.0/12"), -E_RANGE,
	    "/12 fits alone but not with the rest");
	is_int(stat_total(p), 12, "failed adds changed nothing");
	pool_free(p);

	p = pool_new(AF_INET, 0, 0);
	is_int(pool_add_spec(p, "172.16.0.0/12"), 0, "/12 fits an empty pool");
	is_int(stat_total(p), (1 << 20) - 2, "/12 total");
	is_int(pool_add_spec(p, "192.168.0.1-192.168.0.3"), -E_RANGE,
	    "3 more do not fit");
	is_int(pool_add_spec(p, "192.168.0.1-192.168.0.2"), 0,
	    "2 more fill the bound");
	is_int(stat_total(p), POOL_MAX_ADDRS, "total at the bound");
	is_int(pool_add_spec(p, "255.255.255.255/32"), -E_RANGE,
	    "no room for a /32");
	pool_free(p);

	p = pool_new(AF_INET, 0, 0);
	is_int(pool_add_spec(p, "255.255.255.254-255.255.255.255"), 0,
	    "range at the top of the space");
	is_str(alloc_s(p, "u"), "255.255.255.254", "top range first");
	is_str(alloc_s(p, "u"), "255.255.255.255", "top range last");
	is_int(pool_add_spec(p, "0.0.0.0"), 0, "bottom of the space");
	is_str(alloc_s(p, "u"), "0.0.0.0", "bottom address");
	is_int(pool_add_spec(p, ""), -E_SYNTAX, "spec: empty");
	is_int(pool_add_spec(p, "10.0.0.1-"), -E_SYNTAX, "spec: no last");
	is_int(pool_add_spec(p, "10.0.0.0/"), -E_SYNTAX, "spec: no prefix");
	is_int(pool_add_spec(p, "10.0.0.0/+8"), -E_SYNTAX, "spec: sign");
	is_int(pool_add_spec(p, "10.0.0.0/ 8"), -E_SYNTAX, "spec: space");
	is_int(pool_add_spec(p, "10.0.0.0/1000"), -E_SYNTAX, "spec: 4 digits");
	is_int(pool_add_spec(p, "10.0.0.0/8x"), -E_SYNTAX, "spec: junk");
	is_int(pool_add_spec(p, "10.0.0.1 - 10.0.0.2"), -E_SYNTAX,
	    "spec: spaces");
	is_int(pool_add_spec(p, "host.example"), -E_SYNTAX, "spec: a name");
	is_int(pool_add_spec(p, "10.0.0.0/8/8"), -E_SYNTAX, "spec: two /");
	/* Longer than any address range can be: refused before it is
	 * copied into the parser's fixed buffer. */
	memset(longspec, '1', sizeof(longspec) - 1);
	longspec[sizeof(longspec) - 1] = '\0';
	is_int(pool_add_spec(p, longspec), -E_SYNTAX, "spec: 128 characters");
	ok(pool_alloc(p, "u", &a) == -E_AGAIN, "nothing was added");
	pool_free(p);
}

static void
test_v6(void)
{
	struct pool *p;
	int i, r;
	size_t n;

	ok(pool_new(AF_UNIX, 0, 0) == NULL, "pool_new: bad family");
	p = pool_new(AF_INET6, 1, 0);
	is_int(pool_add_spec(p, "2001:db8::/64"), 0, "add /64");
	is_int(stat_total(p), POOL_MAX_ADDRS, "/64 capped to 2^20 addresses");
	ok(!has(p, "2001:db8::"), "Subnet-Router anycast not handed out");
	ok(has(p, "2001:db8::1"), "::1 in the pool");
	ok(has(p, "2001:db8::10:0"), "::1 + 2^20 - 1 = ::10:0 in the pool");
	ok(!has(p, "2001:db8::10:1"), "::10:1 beyond the cap");
	ok(!has(p, "2001:db8::ffff:ffff:ffff:ffff"), "top of the /64 beyond");
	is_str(alloc_s(p, "alice"), "2001:db8::1", "first v6 address");
	is_str(alloc_s(p, "bob"), "2001:db8::2", "second v6 address");
	is_int(res(p, "2001:db8::10:0", "carol"), 0, "reserve the last");
	is_int(res(p, "2001:db8::10:0", "dave"), -E_EXIST, "taken");
	is_int(rel(p, "2001:db8::1"), 0, "alice leaves");
	is_str(alloc_s(p, "alice"), "2001:db8::1", "sticky v6");
	is_int(rel(p, "192.0.2.1"), -E_NOENT, "release v4 from v6 pool");
	is_int(res(p, "192.0.2.1", "x"), -E_NOENT, "reserve v4 in v6 pool");
	is_int(pool_add_spec(p, "192.0.2.0/24"), -E_INVAL, "v4 into v6 pool");
	is_int(pool_add_spec(p, "2001:db8:1::/64"), -E_RANGE,
	    "a second /64 exceeds the bound");
	pool_free(p);

	p = pool_new(AF_INET6, 0, 0);
	is_int(pool_add_spec(p, "2001:db8:1::/126"), 0, "add /126");
	is_int(pool_add_spec(p, "2001:db8:2::/127"), 0, "add /127");
	is_int(pool_add_spec(p, "2001:db8:3::7/128"), 0, "add /128");
	is_int(pool_add_spec(p, "2001:db8:4::1-2001:db8:4::3"), 0,
	    "add a v6 range");
	is_int(pool_add_spec(p, "2001:db8:5::1/126"), -E_INVAL, "host bits");
	is_int(pool_add_spec(p, "2001:db8:5::/129"), -E_INVAL, "prefix 129");
	is_int(pool_add_spec(p, "2001:db8:4::3-2001:db8:4::4"), -E_DUP,
	    "overlapping range");
	is_int(stat_total(p), 3 + 2 + 1 + 3, "total 9");
	is_str(alloc_s(p, "u"), "2001:db8:1::1", "/126: ::1");
	is_str(alloc_s(p, "u"), "2001:db8:1::2", "/126: ::2");
	is_str(alloc_s(p, "u"), "2001:db8:1::3", "/126: ::3");
	is_str(alloc_s(p, "u"), "2001:db8:2::", "/127: RFC 6164 ::0 usable");
	is_str(alloc_s(p, "u"), "2001:db8:2::1", "/127: ::1");
	is_str(alloc_s(p, "u"), "2001:db8:3::7", "/128");
	is_str(alloc_s(p, "u"), "2001:db8:4::1", "range ::1");
	is_str(alloc_s(p, "u"), "2001:db8:4::2", "range ::2");
	is_str(alloc_s(p, "u"), "2001:db8:4::3", "range ::3");
	is_str(alloc_s(p, "u"), "E_AGAIN", "E_AGAIN");
	pool_free(p);

	/* Exhaust a /112 (65535 addresses) through the summary bitmap. */
	p = pool_new(AF_INET6, 0, 0);
	is_int(pool_add_spec(p, "fd00:1::/112"), 0, "add /112");
	pool_stats(p, &n, NULL);
	is_int(n, 65535, "/112 total");
	for (i = 0, r = 0; i < 65535; i++)
		if (pool_alloc(p, "u", &(struct pool_addr){ 0 }) != 0)
			r++;
	is_int(r, 0, "65535 allocations");
	is_str(alloc_s(p, "u"), "E_AGAIN", "then E_AGAIN");
	is_int(rel(p, "fd00:1::8000"), 0, "release one in the middle");
	is_str(alloc_s(p, "u"), "fd00:1::8000", "found again");
	pool_free(p);
}

/*
 * Random alloc/reserve/release against a shadow set. Every address of the
 * pool lies in 10.0.0.0/16, so the shadow is indexed by the low 16 bits.
 */
static uint64_t rng_state = UINT64_C(0x2545f4914f6cdd1d);

static uint64_t
rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * UINT64_C(0x2545f4914f6cdd1d);
}

#define NOWNERS	50
#define NSTEPS	100000

static void
test_random(void)
{
	static const char *const segs[] = {
		"10.0.0.1-10.0.0.100", "10.0.1.0/24", "10.0.16.0/20",
		"10.0.200.250-10.0.201.5", "10.0.255.255/32",
	};
	static const char *const excluded[] = {
		"10.0.0.50", "10.0.1.1", "10.0.201.0", "10.0.31.254",
	};
	static uint8_t valid[65536], held[65536];
	static int owner_of[65536];
	static uint16_t list[65536];
	char owners[NOWNERS][16];
	struct pool *p;
	struct pool_addr a;
	size_t i, k, total = 0, nheld = 0, nbad = 0, nalloc = 0, nfull = 0;
	size_t nres = 0;
	uint32_t lo;
	int r, o, want;

	for (o = 0; o < NOWNERS; o++)
		snprintf(owners[o], sizeof(owners[o]), "user%d", o);
	p = pool_new(AF_INET, 1, 20);
	for (i = 0, r = 0; i < sizeof(segs) / sizeof(segs[0]); i++)
		r |= pool_add_spec(p, segs[i]);
	for (i = 0; i < sizeof(excluded) / sizeof(excluded[0]); i++) {
		a = A(excluded[i]);
		r |= pool_exclude(p, &a);
	}
	is_int(r, 0, "five segments, four exclusions");
	/* The reference: which addresses the pool may hand out. */
	for (lo = 1; lo <= 100; lo++)
		valid[lo] = 1;
	for (lo = 0x0101; lo <= 0x01fe; lo++)
		valid[lo] = 1;
	for (lo = 0x1001; lo <= 0x1ffe; lo++)
		valid[lo] = 1;
	for (lo = 0xc8fa; lo <= 0xc905; lo++)
		valid[lo] = 1;
	valid[0xffff] = 1;
	valid[50] = valid[0x0101] = valid[0xc900] = valid[0x1ffe] = 0;
	for (lo = 0; lo < 65536; lo++)
		total += valid[lo];
	is_int(stat_total(p), total, "total matches the reference (%zu)",
	    total);
	for (lo = 0, k = 0; lo < 65536; lo++) {
		a = (struct pool_addr){ AF_INET,
		    { 10, 0, lo >> 8, lo & 0xff } };
		if (pool_contains(p, &a) != valid[lo])
			k++;
	}
	is_int(k, 0, "pool_contains matches the reference on 10.0/16");

	for (i = 0; i < NSTEPS; i++) {
		/* Phases of 10 000 steps lean to allocation (70% alloc, 20%
		 * release) or release (30%, 60%); 10% reserve or release a
		 * random address. */
		int lean = (i / 10000) % 2 == 0 ? 70 : 30;
		unsigned op = (unsigned)(rnd() % 100);

		o = (int)(rnd() % NOWNERS);
		if (op < (unsigned)lean) {
			r = pool_alloc(p, owners[o], &a);
			if (nheld == total) {
				nfull++;
				if (r != -E_AGAIN)
					nbad++;
				continue;
			}
			lo = (uint32_t)a.a[2] << 8 | a.a[3];
			if (r != 0 || a.family != AF_INET || a.a[0] != 10 ||
			    a.a[1] != 0 || !valid[lo] || held[lo]) {
				diag("step %zu: alloc %d %s", i, r, S(&a));
				nbad++;
				continue;
			}
			held[lo] = 1;
			owner_of[lo] = o;
			list[nheld++] = (uint16_t)lo;
			nalloc++;
		} else if (op >= 90 || nheld == 0) {
			/* Reserve or release some address of 10.0/16,
			 * half of the time one of the /20. */
			lo = rnd() % 2 ? (uint32_t)(rnd() % 65536) :
			    0x1000 + (uint32_t)(rnd() % 0x1000);
			a = (struct pool_addr){ AF_INET,
			    { 10, 0, lo >> 8, lo & 0xff } };
			if (op % 2 == 0) {
				r = pool_reserve(p, &a, owners[o]);
				want = !valid[lo] ? -E_NOENT : !held[lo] ? 0 :
				    owner_of[lo] == o ? 0 : -E_EXIST;
				if (r != want)
					nbad++;
				if (r == 0 && !held[lo]) {
					held[lo] = 1;
					owner_of[lo] = o;
					list[nheld++] = (uint16_t)lo;
					nres++;
				}
			} else if (!held[lo]) {
				if (pool_release(p, &a) != -E_NOENT)
					nbad++;
			}
		} else {
			/* Release a random held address. */
			k = (size_t)(rnd() % nheld);
			lo = list[k];
			list[k] = list[--nheld];
			a = (struct pool_addr){ AF_INET,
			    { 10, 0, lo >> 8, lo & 0xff } };
			if (!pool_in_use(p, &a) || strcmp(pool_owner(p, &a),
			    owners[owner_of[lo]]) != 0 ||
			    pool_release(p, &a) != 0 || pool_in_use(p, &a))
				nbad++;
			held[lo] = 0;
		}
		if (stat_used(p) != nheld)
			nbad++;
	}
	is_int(nbad, 0, "%d steps agree with the shadow set", NSTEPS);
	ok(nalloc > 10000 && nfull > 1000 && nres > 500,
	    "the walk allocated (%zu), hit exhaustion (%zu), reserved (%zu)",
	    nalloc, nfull, nres);
	/* Fill up: every remaining valid address comes out exactly once. */
	for (k = 0; pool_alloc(p, "fill", &a) == 0; k++) {
		lo = (uint32_t)a.a[2] << 8 | a.a[3];
		if (!valid[lo] || held[lo])
			nbad++;
		held[lo] = 1;
	}
	is_int(k, total - nheld, "fill hands out exactly the free addresses");
	is_int(nbad, 0, "no duplicates or excluded addresses while filling");
	is_int(stat_used(p), total, "pool full");
	for (lo = 0, k = 0; lo < 65536; lo++)
		if (held[lo] != valid[lo])
			k++;
	is_int(k, 0, "every valid address leased, nothing else");
	pool_free(p);
}

int
main(void)
{
	test_addr();
	test_range_exhaustion();
	test_reserve_release();
	test_sticky();
	test_cidr();
	test_v6();
	test_random();
	return done_testing();
}
