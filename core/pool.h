/*
 * pool.h: pools of inner (virtual) IP addresses for remote-access clients.
 *
 * A pool serves one address family. Its address space is a list of
 * segments added at configuration time: IPv4 or IPv6 ranges (first..last),
 * IPv4 networks (CIDR; the network and broadcast addresses are left out
 * when the prefix is shorter than /31, RFC 3021 lets /31 use both) and
 * IPv6 prefixes (single /128 addresses out of the prefix, skipping the
 * Subnet-Router anycast address of RFC 4291 2.6.1 when the prefix is
 * shorter than /127, RFC 6164). A pool holds at most POOL_MAX_ADDRS
 * addresses: an IPv6 prefix larger than that contributes only its first
 * POOL_MAX_ADDRS addresses; any other segment that would exceed it is
 * refused. Single addresses may be excluded (the gateway's own, a
 * router's).
 *
 * Each address in use is leased to an owner: an opaque identity string
 * such as the EAP identity, copied by the pool. Allocation is O(1)
 * amortised and hands addresses out in rotation, so a released address is
 * reused as late as possible. A sticky pool also remembers, for up to
 * sticky_max owners, the address each one last received, and gives it
 * back when it is free.
 *
 * The IKE code maps -E_AGAIN from pool_alloc to INTERNAL_ADDRESS_FAILURE
 * (RFC 7296 3.10.1, notify 36). Nothing here logs; callers log with the
 * context they have.
 */
#ifndef CORE_POOL_H
#define CORE_POOL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Upper bound on the addresses in one pool: 2^20, a 128 KiB bitmap. */
#define POOL_MAX_ADDRS		(1u << 20)

/* Longest owner string accepted, in bytes, without the NUL. It covers a
 * NAI (253 octets, RFC 7542 2.2) and textual IKE identities. */
#define POOL_OWNER_MAX		1024

/* Room for any address printed by pool_addr_ntop, with its NUL. */
#define POOL_ADDR_STRLEN	46

/*
 * An IP address as a small value type. family is AF_INET or AF_INET6;
 * a holds the address in network byte order: a[0..3] for IPv4 (the rest
 * zero), a[0..15] for IPv6. These are the bytes of an INTERNAL_IP4/6_
 * ADDRESS attribute (RFC 7296 3.15.1) and of an IP header, so they copy
 * straight in and out.
 */
struct pool_addr {
	int	family;
	uint8_t	a[16];
};

struct pool;

#define POOL_WUR	__attribute__((warn_unused_result))

/* Parses s (dotted quad or RFC 5952 text, via inet_pton) into *out.
 * Returns 0, or -E_SYNTAX (then *out is unchanged). */
int	pool_addr_pton(const char *s, struct pool_addr *out) POOL_WUR;

/* Formats a into dst (borrowed, POOL_ADDR_STRLEN bytes) and returns dst;
 * an invalid family prints "invalid". Never NULL. */
const char *pool_addr_ntop(const struct pool_addr *a,
	    char dst[static POOL_ADDR_STRLEN]);

/* Fills *out from family (AF_INET or AF_INET6) and the 4 or 16 bytes at p
 * (borrowed, network order). Returns 0, or -E_INVAL on another family. */
int	pool_addr_set(struct pool_addr *out, int family, const uint8_t *p)
	    POOL_WUR;

/* Returns the address length in bytes of a's family (4 or 16), or 0. */
size_t	pool_addr_len(const struct pool_addr *a);

/* Returns 1 when a and b hold the same family and address, else 0. */
int	pool_addr_eq(const struct pool_addr *a, const struct pool_addr *b);

/*
 * Returns a new, empty pool for family (AF_INET or AF_INET6), or NULL
 * (out of memory, or another family). When sticky is nonzero the pool
 * remembers the last address of up to sticky_max owners (evicting the
 * one that least recently received an address); sticky_max 0 means 4096.
 */
struct pool *pool_new(int family, int sticky, size_t sticky_max);

/* Frees p, its leases and its sticky memory; NULL is a no-op. */
void	pool_free(struct pool *p);

/*
 * Adds the addresses first..last (borrowed, inclusive, of the pool's
 * family) to p. Segments may be added at any time, also after
 * allocations. Returns 0; -E_INVAL (wrong family, or last < first);
 * -E_DUP (overlaps a segment of p); -E_RANGE (p would exceed
 * POOL_MAX_ADDRS); -E_NOMEM.
 */
int	pool_add_range(struct pool *p, const struct pool_addr *first,
	    const struct pool_addr *last) POOL_WUR;

/*
 * Adds the network net/prefixlen (net borrowed) to p, as described at the
 * top of this file. Returns 0; -E_INVAL (wrong family, prefixlen too
 * long, or host bits set in net); -E_DUP; -E_RANGE (an IPv4 network larger
 * than POOL_MAX_ADDRS, or p would exceed it); -E_NOMEM.
 */
int	pool_add_cidr(struct pool *p, const struct pool_addr *net,
	    unsigned prefixlen) POOL_WUR;

/*
 * Parses one textual segment (borrowed) and adds it: "FIRST-LAST",
 * "NET/PREFIXLEN" or a single "ADDR". Returns what pool_add_range or
 * pool_add_cidr return, or -E_SYNTAX for text that is none of these.
 */
int	pool_add_spec(struct pool *p, const char *spec) POOL_WUR;

/*
 * Removes addr (borrowed) from what p hands out, for good. Returns 0 (also
 * when addr was already excluded); -E_NOENT (addr is not in a segment of
 * p; exclude after adding the segments); -E_EXIST (addr is leased).
 */
int	pool_exclude(struct pool *p, const struct pool_addr *addr) POOL_WUR;

/*
 * Leases an address of p to owner (borrowed NUL-terminated string, copied)
 * and stores it in *addr. A sticky pool first tries the address owner last
 * received; otherwise the next free address after the previous allocation
 * is taken, wrapping around. Returns 0; -E_AGAIN (every address is in use
 * or excluded); -E_RANGE (owner longer than POOL_OWNER_MAX); -E_NOMEM.
 * *addr is written only on success.
 */
int	pool_alloc(struct pool *p, const char *owner, struct pool_addr *addr)
	    POOL_WUR;

/*
 * Leases the specific address addr (borrowed) to owner (borrowed, copied),
 * for a resumed session whose address must not change. Returns 0 (also
 * when owner already holds addr: a lease is a single claim, still freed
 * by one pool_release); -E_EXIST (another owner holds addr); -E_NOENT
 * (addr is not in p, or is excluded); -E_RANGE (owner too long); -E_NOMEM.
 */
int	pool_reserve(struct pool *p, const struct pool_addr *addr,
	    const char *owner) POOL_WUR;

/* Ends the lease on addr (borrowed). Returns 0, or -E_NOENT when addr is
 * not leased from p (free, excluded, outside p, another family). */
int	pool_release(struct pool *p, const struct pool_addr *addr) POOL_WUR;

/* Returns 1 when p could hand out addr (borrowed): it lies in a segment
 * and is not excluded. Else 0. */
int	pool_contains(const struct pool *p, const struct pool_addr *addr);

/* Returns 1 when addr (borrowed) is leased from p, else 0. */
int	pool_in_use(const struct pool *p, const struct pool_addr *addr);

/* Returns the owner holding addr (borrowed) as a string owned by p and
 * valid until the lease ends, or NULL when addr is not leased. */
const char *pool_owner(const struct pool *p, const struct pool_addr *addr);

/* Stores the number of addresses p can hand out (segments minus
 * exclusions) in *total and the number leased in *used; either may be
 * NULL. */
void	pool_stats(const struct pool *p, size_t *total, size_t *used);

#endif /* CORE_POOL_H */
