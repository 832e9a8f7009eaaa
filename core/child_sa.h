/*
 * child_sa.h: CHILD SA pieces for the remote-access responder: traffic
 * selector narrowing (RFC 7296 2.9), inbound ESP SPI allocation (RFC 4303
 * 2.1) and the description of an established CHILD SA.
 *
 * Narrowing. A remote-access client proposes TSi = what it will send from
 * (0.0.0.0/0 or ::/0 while it asks for a virtual address, RFC 7296 2.9,
 * 3.15) and TSr = what it wants to reach. The responder answers with a
 * subset of each (2.9: it may narrow, never widen):
 *  - TSi: the intersection of each client selector with each address
 *    assigned to the client (a single /32 or /128);
 *  - TSr: the intersection of each client selector with each network of
 *    the policy's split include list, or with the whole address space of
 *    its family when the list is empty (full tunnel); selectors of a
 *    family for which TSi kept nothing are dropped, since no traffic
 *    could match them;
 *  - protocol and port ranges intersect as well: 0 (any) with a protocol
 *    gives that protocol, two different protocols nothing; port ranges
 *    overlap, and OPAQUE (65535..0, RFC 4301 4.4.1.1) survives only
 *    against the full range 0..65535 or another OPAQUE.
 * Selector types other than IPv4 and IPv6 ranges are ignored. The results
 * keep the client's order and have no duplicates.
 *
 * Nothing here logs. Protocol code: no I/O; "now" comes from the caller.
 */
#ifndef CORE_CHILD_SA_H
#define CORE_CHILD_SA_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/buf.h"
#include "core/cfg.h"
#include "core/ike_keys.h"
#include "core/ike_pld.h"
#include "core/ike_prop.h"
#include "core/pool.h"

#define CHILD_SA_WUR	__attribute__((warn_unused_result))

/* Most selectors kept in each of TSi and TSr (what one TS payload can
 * carry through our decoder). */
#define CHILD_SA_MAX_TS		IKE_PLD_MAX_TS
/* Random draws child_sa_spi_alloc makes before giving up. */
#define CHILD_SA_SPI_TRIES	64
/* Room for one selector printed by child_sa_sel_str. */
#define CHILD_SA_SEL_STRLEN	112

/*
 * One traffic selector (RFC 7296 3.13.1) in our own storage. family is
 * AF_INET or AF_INET6; start and end are network-order addresses (4 or 16
 * bytes used), start <= end; proto 0 means any; sport..eport is the port
 * range (65535..0 is OPAQUE).
 */
struct child_sa_sel {
	int		 family;
	uint8_t		 proto;
	uint16_t	 sport;
	uint16_t	 eport;
	uint8_t		 start[16];
	uint8_t		 end[16];
};

/* Narrowed selectors: i[0..ni) is TSi (the client's side), r[0..nr) TSr
 * (ours). */
struct child_sa_ts {
	size_t		 ni, nr;
	struct child_sa_sel i[CHILD_SA_MAX_TS];
	struct child_sa_sel r[CHILD_SA_MAX_TS];
};

/*
 * An established CHILD SA. spi_in is ours (the peer sends with it),
 * spi_out the peer's; both in host order. prop holds the ESP transforms
 * and ESN flag; keys the ESP keys (secret: the caller derives them in
 * place with ike_keys_child_derive after child_sa_init, and
 * child_sa_cleanup wipes them). peer is the peer's outer address and port.
 * created_ms is monotonic milliseconds; the counters belong to the data
 * plane, which updates them.
 */
struct child_sa {
	uint32_t		 spi_in;
	uint32_t		 spi_out;
	struct ike_prop_esp	 prop;
	struct ike_keys_child	 keys;
	struct child_sa_ts	 ts;
	struct sockaddr_storage	 peer;
	uint64_t		 created_ms;
	uint64_t		 bytes_in, bytes_out;
	uint64_t		 packets_in, packets_out;
	uint64_t		 drops_in, drops_out;
	/* 1 when we sent the request that created the CHILD SA (we are its
	 * initiator: our outbound SA takes the "i" keys, RFC 7296 2.17, see
	 * esp_sa_params_keys), 0 when we answered it. child_sa_init sets 0. */
	int			 we_initiated;
	/* Our inbound SPI of the CHILD SA this one rekeys (RFC 7296
	 * 1.3.3), 0 for none. */
	uint32_t		 replaces;
	/* Bytes each of its SAs may carry (0: no limit): the data plane
	 * reports when one nears it (dp_ops.due), and stops it there. */
	uint64_t		 life_bytes;
};

/*
 * Converts the decoded selector in (borrowed) into *out. Returns 0,
 * -E_NOTSUP (a selector type other than IPv4/IPv6 address range) or
 * -E_BADLEN (address lengths that do not fit the type).
 */
int	child_sa_sel_from_pld(const struct ike_pld_ts_sel *in,
	    struct child_sa_sel *out) CHILD_SA_WUR;

/*
 * Stores the intersection of a and b (borrowed) in *out, by the rules at
 * the top of this file. Returns 0, or -E_NOENT when it is empty (other
 * families, disjoint ranges, protocols or ports); *out is then unchanged.
 * out may alias a or b.
 */
int	child_sa_sel_intersect(const struct child_sa_sel *a,
	    const struct child_sa_sel *b, struct child_sa_sel *out)
	    CHILD_SA_WUR;

/*
 * Narrows the client's selectors tsi and tsr (borrowed, decoded TSi and
 * TSr payloads) into *out as described at the top of this file. addr
 * (borrowed, naddr entries) are the client's inner addresses: the
 * addresses assigned to it through the configuration payload (or its
 * outer address, for a client without one). pol (borrowed) gives the
 * split include list; NULL or an empty list means the full address space.
 * Returns 0; -E_NOENT when TSi or TSr ends up empty (the caller answers
 * TS_UNACCEPTABLE); -E_TOOMANY when either would need more than
 * CHILD_SA_MAX_TS selectors; -E_INVAL for an address of another family.
 * Does not log.
 */
int	child_sa_narrow(const struct ike_pld_ts *tsi,
	    const struct ike_pld_ts *tsr, const struct pool_addr *addr,
	    size_t naddr, const struct cfg_policy *pol, struct child_sa_ts *out)
	    CHILD_SA_WUR;

/*
 * Fills *out with the n selectors sel[0..n) for ike_pld_add_ts. The spans
 * in *out borrow sel's address bytes: keep sel alive and unchanged until
 * the payload is encoded. Returns 0, or -E_INVAL when n is 0 or above
 * IKE_PLD_MAX_TS, or a selector has another family.
 */
int	child_sa_ts_pld(const struct child_sa_sel *sel, size_t n,
	    struct ike_pld_ts *out) CHILD_SA_WUR;

/*
 * Writes sel (borrowed) into buf (len bytes, CHILD_SA_SEL_STRLEN is
 * enough), always NUL-terminated: "10.0.0.5/32", "192.0.2.10..192.0.2.20",
 * "::/0", with "[PROTO]", "[PROTO/PORT]", "[PROTO/LO-HI]" or
 * "[PROTO/OPAQUE]" appended when the protocol or ports are restricted.
 * Returns 0, or -E_RANGE when truncated.
 */
int	child_sa_sel_str(const struct child_sa_sel *sel, char *buf,
	    size_t len) CHILD_SA_WUR;

/* Returns 1 when spi is in use (e.g. in the SA table), 0 when free. */
typedef int child_sa_spi_taken_fn(uint32_t spi, void *arg);
/* Fills p with n random bytes; 0 or a negative error (xform_random's
 * contract). */
typedef int child_sa_rand_fn(void *p, size_t n);

/*
 * Draws a random inbound ESP SPI into *spi: never 0..255 (RFC 4303 2.1:
 * 1-255 are reserved by IANA, 0 is for local use and never sent) and
 * never one for which taken(spi, arg) returns nonzero (taken may be
 * NULL). rnd is the random source: NULL for xform_random, a fixed sequence
 * in tests. Returns 0; -E_EXIST when CHILD_SA_SPI_TRIES draws all failed
 * (the SPI space is nearly full, or the source is broken); -E_CRYPTO when
 * rnd fails. Does not log.
 */
int	child_sa_spi_alloc(child_sa_spi_taken_fn *taken, void *arg,
	    child_sa_rand_fn *rnd, uint32_t *spi) CHILD_SA_WUR;

/* The selectors of c on our side (ours 1) or the peer's (0): whoever
 * sent the request that made c has them as TSi (RFC 7296 2.9). Returns
 * them and their count in *n. */
const struct child_sa_sel *child_sa_side(const struct child_sa *c, int ours,
	    size_t *n);

/* Writes the ESP SPI spi to out in network order, as payloads carry it. */
void	child_sa_spi_put(uint32_t spi, uint8_t out[4]);

/*
 * Initializes *c (caller's storage): spi_in (ours, at least 256), the
 * transforms prop (copied; spi_out is prop->peer_spi), the selectors ts
 * (copied), the peer address peer (borrowed; AF_INET or AF_INET6,
 * copied), creation time now_ms; keys and counters zeroed. Returns 0 or
 * -E_INVAL (then *c is zeroed).
 */
int	child_sa_init(struct child_sa *c, uint32_t spi_in,
	    const struct ike_prop_esp *prop, const struct child_sa_ts *ts,
	    const struct sockaddr *peer, uint64_t now_ms) CHILD_SA_WUR;

/* Wipes *c, keys included. */
void	child_sa_cleanup(struct child_sa *c);

/* Like child_sa_init, for a new heap object returned owned in *out (free
 * with child_sa_free). Returns 0, -E_INVAL or -E_NOMEM; *out is NULL on
 * failure. */
int	child_sa_new(uint32_t spi_in, const struct ike_prop_esp *prop,
	    const struct child_sa_ts *ts, const struct sockaddr *peer,
	    uint64_t now_ms, struct child_sa **out) CHILD_SA_WUR;

/* Wipes and frees c; NULL is a no-op. */
void	child_sa_free(struct child_sa *c);

/*
 * Appends one line describing c (borrowed) to out (borrowed), for
 * `ikectl show sa`, at monotonic time now_ms:
 *
 *   ESP in 0xc1a2b3c4 out 0x0badcafe aes256gcm16 esn peer
 *   198.51.100.2[4500] 198.18.20.1/32 === 198.18.10.0/24 up 12s
 *   in 1234 bytes 10 packets 0 drops out 567 bytes 8 packets 0 drops\n
 *
 * (one line; "noesn" without ESN; selectors separated by ","). No secret
 * is printed. Returns 0, or -E_RANGE / -E_NOMEM from the buf.
 */
int	child_sa_format(const struct child_sa *c, uint64_t now_ms,
	    struct buf *out) CHILD_SA_WUR;

#endif /* CORE_CHILD_SA_H */
