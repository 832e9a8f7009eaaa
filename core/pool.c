/* pool.c: inner address pools: segments, rotating bitmap, leases, sticky. */
#include "config.h"

#include <arpa/inet.h>
#include <assert.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if HAVE_GETRANDOM
#include <sys/random.h>
#endif

#include "core/err.h"
#include "core/pool.h"

/*
 * Layout. The segments of a pool are numbered in the order they were
 * added and their addresses get consecutive indices 0..n-1 in that order,
 * so adding a segment never renumbers existing leases. Per index there is
 * one bit in `busy` (leased, excluded, or padding past n) and one in
 * `excl`; `full` has one bit per busy word that is all ones, so looking
 * for a free address reads at most n / 4096 summary words: with
 * POOL_MAX_ADDRS that is 256, and in practice one or two.
 *
 * Leases (index -> owner) and the sticky memory (owner -> last index) are
 * chained hash tables. Owner strings are chosen by peers, so the sticky
 * table hashes them with SipHash-2-4 under a per-pool random key and an
 * attacker cannot aim many owners at one chain.
 */

#define WORD_BITS	64
#define NO_INDEX	UINT32_MAX
#define STICKY_DEFAULT	4096
#define SPEC_MAX	128		/* "FIRST-LAST" in pool_add_spec */

struct seg {
	uint8_t		 first[16];	/* network order, alen bytes used */
	uint8_t		 last[16];
	uint32_t	 start;		/* index of first */
	uint32_t	 count;
};

struct lease {
	struct lease	*next;		/* hash chain */
	uint32_t	 idx;
	char		 owner[];
};

struct sticky {
	struct sticky	*next;		/* hash chain */
	struct sticky	*older;		/* age list, newest at p->newest */
	struct sticky	*newer;
	uint64_t	 hash;
	uint32_t	 idx;
	char		 owner[];
};

struct pool {
	int		 family;
	size_t		 alen;		/* 4 or 16 */

	struct seg	*segs;		/* in order of addition (by start) */
	uint32_t	*byaddr;	/* indices into segs, by address */
	size_t		 nsegs;
	size_t		 capsegs;

	uint32_t	 n;		/* addresses in all segments */
	uint32_t	 nexcl;
	uint32_t	 nused;
	uint32_t	 cursor;	/* where the next search starts */
	uint64_t	*busy;
	uint64_t	*excl;
	uint64_t	*full;
	size_t		 nwords;
	size_t		 nsum;

	struct lease	**leases;
	size_t		 nlbuckets;	/* power of two, or 0 */

	int		 sticky;
	size_t		 sticky_max;
	size_t		 nsticky;
	struct sticky	**sbuckets;
	size_t		 nsbuckets;	/* power of two, or 0 */
	struct sticky	*newest;
	struct sticky	*oldest;
	uint64_t	 key[2];	/* SipHash key */
};

/*
 * Addresses.
 */

int
pool_addr_pton(const char *s, struct pool_addr *out)
{
	struct pool_addr a;

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, s, a.a) == 1)
		a.family = AF_INET;
	else if (inet_pton(AF_INET6, s, a.a) == 1)
		a.family = AF_INET6;
	else
		return -E_SYNTAX;
	*out = a;
	return 0;
}

const char *
pool_addr_ntop(const struct pool_addr *a, char dst[static POOL_ADDR_STRLEN])
{
	if ((a->family != AF_INET && a->family != AF_INET6) ||
	    inet_ntop(a->family, a->a, dst, POOL_ADDR_STRLEN) == NULL)
		strcpy(dst, "invalid");
	return dst;
}

int
pool_addr_set(struct pool_addr *out, int family, const uint8_t *p)
{
	struct pool_addr a;

	memset(&a, 0, sizeof(a));
	a.family = family;
	if (pool_addr_len(&a) == 0)
		return -E_INVAL;
	memcpy(a.a, p, pool_addr_len(&a));
	*out = a;
	return 0;
}

size_t
pool_addr_len(const struct pool_addr *a)
{
	if (a->family == AF_INET)
		return 4;
	if (a->family == AF_INET6)
		return 16;
	return 0;
}

int
pool_addr_eq(const struct pool_addr *a, const struct pool_addr *b)
{
	size_t len = pool_addr_len(a);

	return len != 0 && a->family == b->family &&
	    memcmp(a->a, b->a, len) == 0;
}

/*
 * Big-endian arithmetic on len-byte addresses.
 */

/* out = a - b; returns 1 when it borrowed (a < b). */
static int
addr_sub(const uint8_t *a, const uint8_t *b, size_t len, uint8_t *out)
{
	unsigned borrow = 0, d;
	size_t i;

	for (i = len; i-- > 0;) {
		d = (unsigned)a[i] - b[i] - borrow;
		out[i] = (uint8_t)d;
		borrow = (d >> 8) & 1;
	}
	return (int)borrow;
}

/* out = a + off; returns 1 when it carried out of the address. */
static int
addr_add(const uint8_t *a, uint32_t off, size_t len, uint8_t *out)
{
	unsigned carry = 0, s;
	size_t i;

	for (i = len; i-- > 0;) {
		s = (unsigned)a[i] + (off & 0xff) + carry;
		out[i] = (uint8_t)s;
		carry = s >> 8;
		off >>= 8;
	}
	return carry != 0 || off != 0;
}

/* Stores a - b in *d and returns 0 when b <= a and the difference fits in
 * 32 bits; else returns -1. */
static int
addr_diff(const uint8_t *a, const uint8_t *b, size_t len, uint32_t *d)
{
	uint8_t t[16];
	size_t i;

	if (addr_sub(a, b, len, t))
		return -1;
	for (i = 0; i + 4 < len; i++)
		if (t[i] != 0)
			return -1;
	*d = (uint32_t)t[len - 4] << 24 | (uint32_t)t[len - 3] << 16 |
	    (uint32_t)t[len - 2] << 8 | t[len - 1];
	return 0;
}

/*
 * Bitmaps.
 */

static int
bit_get(const uint64_t *m, uint32_t i)
{
	return (m[i / WORD_BITS] >> (i % WORD_BITS)) & 1;
}

static void
busy_set(struct pool *p, uint32_t i)
{
	size_t w = i / WORD_BITS;

	p->busy[w] |= UINT64_C(1) << (i % WORD_BITS);
	if (p->busy[w] == UINT64_MAX)
		p->full[w / WORD_BITS] |= UINT64_C(1) << (w % WORD_BITS);
}

static void
busy_clear(struct pool *p, uint32_t i)
{
	size_t w = i / WORD_BITS;

	p->busy[w] &= ~(UINT64_C(1) << (i % WORD_BITS));
	p->full[w / WORD_BITS] &= ~(UINT64_C(1) << (w % WORD_BITS));
}

/* Returns the index of the first busy word at or after w that has a free
 * bit, wrapping around. The caller guarantees that one exists. */
static size_t
next_word(const struct pool *p, size_t w)
{
	size_t sw, i;
	uint64_t m;

	if (w == p->nwords)
		w = 0;
	sw = w / WORD_BITS;
	m = ~p->full[sw] & (UINT64_MAX << (w % WORD_BITS));
	/* nsum + 1 visits cover the bits of the first word below w too. */
	for (i = 0; i <= p->nsum; i++) {
		if (m != 0)
			return sw * WORD_BITS + (size_t)__builtin_ctzll(m);
		sw = sw + 1 == p->nsum ? 0 : sw + 1;
		m = ~p->full[sw];
	}
	abort();	/* broken invariant: nexcl + nused < n */
}

/* Returns the first free index at or after start, wrapping around. The
 * caller guarantees that one exists. */
static uint32_t
find_free(const struct pool *p, uint32_t start)
{
	size_t w = start / WORD_BITS;
	uint64_t m;

	m = ~p->busy[w] & (UINT64_MAX << (start % WORD_BITS));
	if (m == 0) {
		/* May come back to w, whose free bits are then below start. */
		w = next_word(p, w + 1);
		m = ~p->busy[w];
	}
	return (uint32_t)(w * WORD_BITS + (size_t)__builtin_ctzll(m));
}

/* Grows the bitmaps from p->n to n addresses; the new ones are free. */
static int
bitmaps_grow(struct pool *p, uint32_t n)
{
	size_t nwords = ((size_t)n + WORD_BITS - 1) / WORD_BITS;
	size_t nsum = (nwords + WORD_BITS - 1) / WORD_BITS;
	uint64_t *busy, *excl, *full;
	uint32_t i;
	size_t w;

	if ((busy = realloc(p->busy, nwords * sizeof(*busy))) != NULL)
		p->busy = busy;
	if ((excl = realloc(p->excl, nwords * sizeof(*excl))) != NULL)
		p->excl = excl;
	if ((full = realloc(p->full, nsum * sizeof(*full))) != NULL)
		p->full = full;
	/* A failed realloc left the old, smaller arrays in place. */
	if (busy == NULL || excl == NULL || full == NULL)
		return -E_NOMEM;
	for (w = p->nwords; w < nwords; w++)
		busy[w] = excl[w] = 0;
	/* Indices p->n..n-1 were padding (busy) in the old last word. */
	for (i = p->n; i < n && i % WORD_BITS != 0; i++)
		busy[i / WORD_BITS] &= ~(UINT64_C(1) << (i % WORD_BITS));
	/* Padding past the new end stays busy, so it is never handed out. */
	if (n % WORD_BITS != 0)
		busy[nwords - 1] |= UINT64_MAX << (n % WORD_BITS);
	memset(full, 0, nsum * sizeof(*full));
	for (w = 0; w < nsum * WORD_BITS; w++)
		if (w >= nwords || busy[w] == UINT64_MAX)
			full[w / WORD_BITS] |= UINT64_C(1) << (w % WORD_BITS);
	p->nwords = nwords;
	p->nsum = nsum;
	p->n = n;
	return 0;
}

/*
 * Segments.
 */

/* Returns the index of addr in p, or NO_INDEX. */
static uint32_t
addr_index(const struct pool *p, const struct pool_addr *addr)
{
	const struct seg *s;
	size_t lo = 0, hi = p->nsegs, mid;
	uint32_t d;

	if (addr->family != p->family || p->nsegs == 0)
		return NO_INDEX;
	/* Find the last segment whose first address is <= addr. */
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (memcmp(p->segs[p->byaddr[mid]].first, addr->a,
		    p->alen) <= 0)
			lo = mid;
		else
			hi = mid;
	}
	s = &p->segs[p->byaddr[lo]];
	if (addr_diff(addr->a, s->first, p->alen, &d) != 0 || d >= s->count)
		return NO_INDEX;
	return s->start + d;
}

/* Stores the address with index idx (< p->n) in *out. */
static void
index_addr(const struct pool *p, uint32_t idx, struct pool_addr *out)
{
	size_t lo = 0, hi = p->nsegs, mid;
	const struct seg *s;

	/* Find the last segment starting at or below idx. */
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (p->segs[mid].start <= idx)
			lo = mid;
		else
			hi = mid;
	}
	s = &p->segs[lo];
	memset(out, 0, sizeof(*out));
	out->family = p->family;
	(void)addr_add(s->first, idx - s->start, p->alen, out->a);
}

/* Adds the count addresses from first on, after checking for overlap. */
static int
seg_add(struct pool *p, const uint8_t *first, uint32_t count)
{
	struct seg s, *segs;
	uint32_t *byaddr;
	size_t pos, lo, hi, mid, cap;
	int r = -E_INTERNAL;

	if (count == 0 || count > POOL_MAX_ADDRS - p->n)
		return -E_RANGE;
	memset(&s, 0, sizeof(s));
	memcpy(s.first, first, p->alen);
	if (addr_add(first, count - 1, p->alen, s.last))
		return -E_RANGE;
	s.start = p->n;
	s.count = count;

	/* pos: the first segment (by address) starting above s.first. */
	lo = 0;
	hi = p->nsegs;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (memcmp(p->segs[p->byaddr[mid]].first, s.first,
		    p->alen) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	pos = lo;
	if ((pos > 0 && memcmp(p->segs[p->byaddr[pos - 1]].last, s.first,
	    p->alen) >= 0) || (pos < p->nsegs &&
	    memcmp(p->segs[p->byaddr[pos]].first, s.last, p->alen) <= 0))
		return -E_DUP;

	if (p->nsegs == p->capsegs) {
		cap = p->capsegs == 0 ? 4 : p->capsegs * 2;
		if ((segs = realloc(p->segs, cap * sizeof(*segs))) == NULL)
			return -E_NOMEM;
		p->segs = segs;
		if ((byaddr = realloc(p->byaddr, cap * sizeof(*byaddr))) ==
		    NULL)
			return -E_NOMEM;
		p->byaddr = byaddr;
		p->capsegs = cap;
	}
	if ((r = bitmaps_grow(p, p->n + count)) != 0)
		return r;
	p->segs[p->nsegs] = s;
	memmove(&p->byaddr[pos + 1], &p->byaddr[pos],
	    (p->nsegs - pos) * sizeof(*p->byaddr));
	p->byaddr[pos] = (uint32_t)p->nsegs;
	p->nsegs++;
	return 0;
}

int
pool_add_range(struct pool *p, const struct pool_addr *first,
    const struct pool_addr *last)
{
	uint32_t d;

	if (first->family != p->family || last->family != p->family ||
	    memcmp(first->a, last->a, p->alen) > 0)
		return -E_INVAL;
	if (addr_diff(last->a, first->a, p->alen, &d) != 0 ||
	    d >= POOL_MAX_ADDRS)
		return -E_RANGE;
	return seg_add(p, first->a, d + 1);
}

int
pool_add_cidr(struct pool *p, const struct pool_addr *net,
    unsigned prefixlen)
{
	unsigned bits = (unsigned)p->alen * 8, host, i;
	uint8_t first[16];
	uint32_t count;

	if (net->family != p->family || prefixlen > bits)
		return -E_INVAL;
	host = bits - prefixlen;
	for (i = prefixlen; i < bits; i++)
		if (net->a[i / 8] & (0x80 >> (i % 8)))
			return -E_INVAL;	/* host bits set */
	memcpy(first, net->a, p->alen);
	if (host <= 1) {
		/* /32, /31 (RFC 3021), /128, /127 (RFC 6164): all usable. */
		count = 1u << host;
	} else if (p->family == AF_INET) {
		/* Leave out the network and broadcast addresses. */
		if (host > 21)
			return -E_RANGE;
		count = (1u << host) - 2;
		(void)addr_add(net->a, 1, p->alen, first);
	} else {
		/*
		 * RFC 4291 2.6.1: the all-zero interface identifier is the
		 * Subnet-Router anycast address. Hand out single addresses
		 * from ::1 on, at most POOL_MAX_ADDRS of them.
		 */
		count = host > 20 ? POOL_MAX_ADDRS : (1u << host) - 1;
		(void)addr_add(net->a, 1, p->alen, first);
	}
	return seg_add(p, first, count);
}

int
pool_add_spec(struct pool *p, const char *spec)
{
	struct pool_addr a, b;
	char buf[SPEC_MAX], *sep, *end;
	unsigned long plen;
	size_t len;
	int r = -E_INTERNAL;

	len = strnlen(spec, sizeof(buf));
	if (len == 0 || len == sizeof(buf))
		return -E_SYNTAX;
	memcpy(buf, spec, len + 1);
	if ((sep = strchr(buf, '-')) != NULL) {
		*sep++ = '\0';
		if ((r = pool_addr_pton(buf, &a)) != 0 ||
		    (r = pool_addr_pton(sep, &b)) != 0)
			return r;
		return pool_add_range(p, &a, &b);
	}
	if ((sep = strchr(buf, '/')) != NULL) {
		*sep++ = '\0';
		/* Digits only: strtoul would accept signs and spaces. */
		if (*sep < '0' || *sep > '9' || strlen(sep) > 3)
			return -E_SYNTAX;
		plen = strtoul(sep, &end, 10);
		if (*end != '\0')
			return -E_SYNTAX;
		if ((r = pool_addr_pton(buf, &a)) != 0)
			return r;
		return pool_add_cidr(p, &a, (unsigned)plen);
	}
	if ((r = pool_addr_pton(buf, &a)) != 0)
		return r;
	return pool_add_range(p, &a, &a);
}

/*
 * Leases.
 */

static size_t
lease_bucket(const struct pool *p, uint32_t idx)
{
	/* Fibonacci hashing; indices are chosen by the pool, not peers. */
	return (size_t)((idx * UINT64_C(0x9e3779b97f4a7c15)) >> 32) &
	    (p->nlbuckets - 1);
}

static struct lease *
lease_find(const struct pool *p, uint32_t idx)
{
	struct lease *l;

	if (p->nlbuckets == 0)
		return NULL;
	for (l = p->leases[lease_bucket(p, idx)]; l != NULL; l = l->next)
		if (l->idx == idx)
			return l;
	return NULL;
}

/* Keeps the load factor at most 1. A failed resize only makes chains
 * longer, so it is not an error. */
static void
lease_resize(struct pool *p)
{
	struct lease **old = p->leases, **nb, *l, *next;
	size_t oldn = p->nlbuckets, n, i;

	if ((size_t)p->nused + 1 <= oldn)
		return;
	n = oldn == 0 ? 16 : oldn * 2;
	if ((nb = calloc(n, sizeof(*nb))) == NULL)
		return;
	p->leases = nb;
	p->nlbuckets = n;
	for (i = 0; i < oldn; i++)
		for (l = old[i]; l != NULL; l = next) {
			next = l->next;
			l->next = nb[lease_bucket(p, l->idx)];
			nb[lease_bucket(p, l->idx)] = l;
		}
	free(old);
}

static void
lease_insert(struct pool *p, struct lease *l)
{
	size_t b;

	lease_resize(p);
	b = lease_bucket(p, l->idx);
	l->next = p->leases[b];
	p->leases[b] = l;
}

static void
lease_remove(struct pool *p, struct lease *l)
{
	struct lease **pp;

	for (pp = &p->leases[lease_bucket(p, l->idx)]; *pp != l;
	    pp = &(*pp)->next)
		;
	*pp = l->next;
}

/*
 * Sticky memory.
 */

#define ROTL(x, b)	(uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND do {							\
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);	\
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;				\
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;				\
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);	\
} while (0)

/* SipHash-2-4 (Aumasson and Bernstein, 2012) of in under key k. */
static uint64_t
siphash24(const uint64_t k[2], const uint8_t *in, size_t len)
{
	uint64_t v0 = UINT64_C(0x736f6d6570736575) ^ k[0];
	uint64_t v1 = UINT64_C(0x646f72616e646f6d) ^ k[1];
	uint64_t v2 = UINT64_C(0x6c7967656e657261) ^ k[0];
	uint64_t v3 = UINT64_C(0x7465646279746573) ^ k[1];
	uint64_t m, b = (uint64_t)len << 56;
	size_t i, j;

	for (i = 0; i + 8 <= len; i += 8) {
		for (m = 0, j = 0; j < 8; j++)
			m |= (uint64_t)in[i + j] << (8 * j);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	for (j = 0; i + j < len; j++)
		b |= (uint64_t)in[i + j] << (8 * j);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

static size_t
sticky_bucket(const struct pool *p, uint64_t h)
{
	return (size_t)h & (p->nsbuckets - 1);
}

static struct sticky *
sticky_find(const struct pool *p, const char *owner, uint64_t h)
{
	struct sticky *s;

	if (p->nsbuckets == 0)
		return NULL;
	for (s = p->sbuckets[sticky_bucket(p, h)]; s != NULL; s = s->next)
		if (s->hash == h && strcmp(s->owner, owner) == 0)
			return s;
	return NULL;
}

static void
sticky_unlink_age(struct pool *p, struct sticky *s)
{
	if (s->newer != NULL)
		s->newer->older = s->older;
	else
		p->newest = s->older;
	if (s->older != NULL)
		s->older->newer = s->newer;
	else
		p->oldest = s->newer;
	s->newer = s->older = NULL;
}

static void
sticky_push_newest(struct pool *p, struct sticky *s)
{
	s->older = p->newest;
	s->newer = NULL;
	if (p->newest != NULL)
		p->newest->newer = s;
	else
		p->oldest = s;
	p->newest = s;
}

static void
sticky_remove(struct pool *p, struct sticky *s)
{
	struct sticky **pp;

	for (pp = &p->sbuckets[sticky_bucket(p, s->hash)]; *pp != s;
	    pp = &(*pp)->next)
		;
	*pp = s->next;
	sticky_unlink_age(p, s);
	p->nsticky--;
}

/* Same policy as lease_resize. */
static void
sticky_resize(struct pool *p)
{
	struct sticky **old = p->sbuckets, **nb, *s, *next;
	size_t oldn = p->nsbuckets, n, i;

	if (p->nsticky + 1 <= oldn)
		return;
	n = oldn == 0 ? 16 : oldn * 2;
	if ((nb = calloc(n, sizeof(*nb))) == NULL)
		return;
	p->sbuckets = nb;
	p->nsbuckets = n;
	for (i = 0; i < oldn; i++)
		for (s = old[i]; s != NULL; s = next) {
			next = s->next;
			s->next = nb[sticky_bucket(p, s->hash)];
			nb[sticky_bucket(p, s->hash)] = s;
		}
	free(old);
}

/*
 * Records that s->owner (hash s->hash) last received idx. s is the entry
 * found for the owner, or NULL with fresh holding a new entry, which is
 * then consumed. Evicts the oldest owner when the memory is full.
 */
static void
sticky_note(struct pool *p, struct sticky *s, struct sticky *fresh,
    uint32_t idx)
{
	size_t b;

	if (s != NULL) {
		sticky_unlink_age(p, s);
		sticky_push_newest(p, s);
		s->idx = idx;
		return;
	}
	if (p->nsticky == p->sticky_max) {
		s = p->oldest;
		sticky_remove(p, s);
		free(s);
	}
	sticky_resize(p);
	fresh->idx = idx;
	b = sticky_bucket(p, fresh->hash);
	fresh->next = p->sbuckets[b];
	p->sbuckets[b] = fresh;
	sticky_push_newest(p, fresh);
	p->nsticky++;
}

/*
 * Pools.
 */

static void
pool_key(struct pool *p)
{
	struct timespec ts;
	uintptr_t self = (uintptr_t)p;

#if HAVE_GETRANDOM
	if (getrandom(p->key, sizeof(p->key), GRND_NONBLOCK) ==
	    (ssize_t)sizeof(p->key))
		return;
#endif
	/*
	 * XXX No kernel randomness yet (early boot) or none at all: fall
	 * back to a guessable key. Only resistance to hash flooding by
	 * owners with chosen identities suffers; correctness does not
	 * depend on the key.
	 */
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	p->key[0] = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32);
	p->key[1] = (uint64_t)self;
}

struct pool *
pool_new(int family, int sticky, size_t sticky_max)
{
	struct pool *p;

	if (family != AF_INET && family != AF_INET6)
		return NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->family = family;
	p->alen = family == AF_INET ? 4 : 16;
	p->sticky = sticky != 0;
	p->sticky_max = sticky_max == 0 ? STICKY_DEFAULT : sticky_max;
	pool_key(p);
	return p;
}

void
pool_free(struct pool *p)
{
	struct lease *l, *ln;
	struct sticky *s, *sn;
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nlbuckets; i++)
		for (l = p->leases[i]; l != NULL; l = ln) {
			ln = l->next;
			free(l);
		}
	for (s = p->newest; s != NULL; s = sn) {
		sn = s->older;
		free(s);
	}
	free(p->leases);
	free(p->sbuckets);
	free(p->segs);
	free(p->byaddr);
	free(p->busy);
	free(p->excl);
	free(p->full);
	free(p);
}

int
pool_exclude(struct pool *p, const struct pool_addr *addr)
{
	uint32_t idx;

	if ((idx = addr_index(p, addr)) == NO_INDEX)
		return -E_NOENT;
	if (bit_get(p->excl, idx))
		return 0;
	if (bit_get(p->busy, idx))
		return -E_EXIST;
	p->excl[idx / WORD_BITS] |= UINT64_C(1) << (idx % WORD_BITS);
	busy_set(p, idx);
	p->nexcl++;
	return 0;
}

/* Returns a new lease for owner (len bytes) at idx, or NULL (OOM). */
static struct lease *
lease_new(const char *owner, size_t len, uint32_t idx)
{
	struct lease *l;

	if ((l = malloc(sizeof(*l) + len + 1)) == NULL)
		return NULL;
	l->next = NULL;
	l->idx = idx;
	memcpy(l->owner, owner, len + 1);
	return l;
}

/*
 * Leases idx to owner, updating the sticky memory of a sticky pool.
 * Everything that can fail is allocated before the pool changes, so a
 * failure leaves it as it was.
 */
static int
take(struct pool *p, uint32_t idx, const char *owner, size_t len,
    struct sticky *s, uint64_t h)
{
	struct lease *l = NULL;
	struct sticky *fresh = NULL;
	int r = -E_INTERNAL;

	if ((l = lease_new(owner, len, idx)) == NULL) {
		r = -E_NOMEM;
		goto out;
	}
	if (p->sticky && s == NULL) {
		if ((fresh = malloc(sizeof(*fresh) + len + 1)) == NULL) {
			r = -E_NOMEM;
			goto out;
		}
		memset(fresh, 0, sizeof(*fresh));
		fresh->hash = h;
		memcpy(fresh->owner, owner, len + 1);
	}
	lease_insert(p, l);
	l = NULL;
	busy_set(p, idx);
	p->nused++;
	if (p->sticky)
		sticky_note(p, s, fresh, idx);
	fresh = NULL;
	r = 0;
 out:
	free(l);
	free(fresh);
	return r;
}

int
pool_alloc(struct pool *p, const char *owner, struct pool_addr *addr)
{
	struct sticky *s = NULL;
	uint64_t h = 0;
	uint32_t idx = NO_INDEX;
	size_t len;
	int r = -E_INTERNAL;

	if ((len = strnlen(owner, POOL_OWNER_MAX + 1)) > POOL_OWNER_MAX)
		return -E_RANGE;
	if (p->nused + p->nexcl == p->n)
		return -E_AGAIN;
	if (p->sticky) {
		h = siphash24(p->key, (const uint8_t *)owner, len);
		s = sticky_find(p, owner, h);
		if (s != NULL && !bit_get(p->busy, s->idx))
			idx = s->idx;
	}
	if (idx == NO_INDEX) {
		/*
		 * Take the next free address after the last one handed out,
		 * not the lowest free one: a just-released address may still
		 * have packets in flight towards the old client, and ARP/ND
		 * or conntrack state on the LAN pointing at it, so it is
		 * reused as late as the pool allows.
		 */
		idx = find_free(p, p->cursor);
		if ((r = take(p, idx, owner, len, s, h)) != 0)
			return r;
		p->cursor = idx + 1 == p->n ? 0 : idx + 1;
	} else if ((r = take(p, idx, owner, len, s, h)) != 0)
		return r;
	index_addr(p, idx, addr);
	return 0;
}

int
pool_reserve(struct pool *p, const struct pool_addr *addr, const char *owner)
{
	struct sticky *s = NULL;
	struct lease *l;
	uint64_t h = 0;
	uint32_t idx;
	size_t len;

	if ((len = strnlen(owner, POOL_OWNER_MAX + 1)) > POOL_OWNER_MAX)
		return -E_RANGE;
	if ((idx = addr_index(p, addr)) == NO_INDEX || bit_get(p->excl, idx))
		return -E_NOENT;
	if (bit_get(p->busy, idx)) {
		l = lease_find(p, idx);
		assert(l != NULL);
		return strcmp(l->owner, owner) == 0 ? 0 : -E_EXIST;
	}
	if (p->sticky) {
		h = siphash24(p->key, (const uint8_t *)owner, len);
		s = sticky_find(p, owner, h);
	}
	return take(p, idx, owner, len, s, h);
}

int
pool_release(struct pool *p, const struct pool_addr *addr)
{
	struct lease *l;
	uint32_t idx;

	if ((idx = addr_index(p, addr)) == NO_INDEX ||
	    (l = lease_find(p, idx)) == NULL)
		return -E_NOENT;
	lease_remove(p, l);
	free(l);
	busy_clear(p, idx);
	p->nused--;
	return 0;
}

int
pool_contains(const struct pool *p, const struct pool_addr *addr)
{
	uint32_t idx;

	return (idx = addr_index(p, addr)) != NO_INDEX &&
	    !bit_get(p->excl, idx);
}

int
pool_in_use(const struct pool *p, const struct pool_addr *addr)
{
	return pool_owner(p, addr) != NULL;
}

const char *
pool_owner(const struct pool *p, const struct pool_addr *addr)
{
	struct lease *l;
	uint32_t idx;

	if ((idx = addr_index(p, addr)) == NO_INDEX ||
	    (l = lease_find(p, idx)) == NULL)
		return NULL;
	return l->owner;
}

void
pool_stats(const struct pool *p, size_t *total, size_t *used)
{
	if (total != NULL)
		*total = (size_t)p->n - p->nexcl;
	if (used != NULL)
		*used = p->nused;
}
