/*
 * esp.h: the ESP data plane (RFC 4303, tunnel mode): one-direction security
 * associations, in-place encapsulation and decapsulation, and the SA tables.
 *
 * Pure: bytes in caller buffers, no sockets, no TUN, no libuv, no clock.
 * Nothing on the packet path allocates or logs: contexts are allocated
 * once per SA by esp_sa_new, and every dropped packet is counted under a
 * specific reason instead (per SA, or in the table for packets that match
 * no SA). The callers (net/tun glue) log, rate-limited.
 *
 * Packet layout (RFC 4303 2, RFC 4106 3, RFC 7634 3, RFC 3602 3):
 *
 *   | SPI | Seq | IV | inner IP packet | pad 1,2,3.. | padlen | nh | ICV |
 *                    '-- encrypted -------------------------------'
 *
 * Transforms: AES-GCM-16 with 128/256-bit keys (RFC 4106) and
 * ChaCha20-Poly1305 (RFC 7634), whose 8-byte explicit IV is a counter
 * (see esp_sa_params.iv_xor) and whose AAD is SPI | Seq, or SPI | Seq high
 * | Seq low with ESN (RFC 4106 5); or AES-CBC 128/256 (RFC 3602, random IV
 * drawn from a per-SA pool refilled in batches) with
 * HMAC-SHA2-256-128/384-192/512-256 (RFC 4868) computed over
 * SPI | Seq | IV | ciphertext, followed by Seq high with ESN (RFC 4303
 * 2.2.1, 3.3.2.2: the high bits are authenticated but not sent).
 *
 * Threads. The only mutable state is in the SAs and the table. Several
 * data-plane threads may process packets of one SA at once: an outbound
 * SA whenever the kernel spreads a client's flows over TUN queues, an
 * inbound one when a NAT rebinds a client's port to another socket. Each
 * SA has a lock that serializes them: the backend contexts (an OpenSSL
 * context is not shareable), the CBC IV pool, the replay window's check
 * and commit, and the counters and lifetime checks change only under it.
 * esp_seal and esp_open take it per packet; esp_sadb_encap and
 * esp_sadb_decap once per run of consecutive packets of one SA, so its
 * cost is one uncontended atomic pair per run. The outbound sequence
 * counter is also advanced with a compare-and-swap, so no two packets
 * can ever share an AEAD nonce. Counters are written with relaxed atomic
 * stores (the table's, which have no lock, with atomic adds), so another
 * thread (`ikectl show sa`) may read them at any time. The table's
 * publication scheme is described above struct esp_sadb.
 */
#ifndef CORE_ESP_H
#define CORE_ESP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>		/* AF_INET, AF_INET6 */
#include <sys/types.h>

#include "core/replay.h"
#include "core/xform.h"

#define ESP_WUR		__attribute__((warn_unused_result))

#define ESP_HDR_LEN	8		/* SPI and Seq */
#define ESP_TRAILER_LEN	2		/* Pad Length and Next Header */
/* Largest header (SPI, Seq and a CBC IV) and trailer (15 bytes of padding
 * to the AES block, Pad Length, Next Header, HMAC-SHA-512-256 ICV) that
 * esp_seal writes around an inner packet: headroom and tailroom a caller
 * reserves when it does not ask esp_sa_overhead. */
#define ESP_HEADROOM_MAX	(ESP_HDR_LEN + 16)
#define ESP_TAILROOM_MAX	(15 + ESP_TRAILER_LEN + 32)
/* Largest inner packet esp_seal takes (the IPv4 Total Length limit). */
#define ESP_INNER_MAX	65535
/* Next Header values (IANA protocol numbers; RFC 4303 2.6 for 59). */
#define ESP_NH_IPV4	4
#define ESP_NH_IPV6	41
#define ESP_NH_NONE	59
/* Traffic selector ranges an inbound SA may keep for each of its checks
 * (inner source, inner destination): as many as one TS payload carries
 * (a gateway's TSr holds one per split network). An SA stores only those
 * it was given, and scans them per packet in order. */
#define ESP_TS_MAX	64
/* Inner addresses one outbound SA can be found under in a table: a
 * dual-stack client has an IPv4 and an IPv6 address (RFC 7296 3.15.1),
 * with room to spare. */
#define ESP_DST_MAX	4

/* Why a packet was dropped. The names are for `ikectl show sa`. */
#define ESP_DROP_MAP(X)							\
	X(SHORT,	"short")	/* shorter than its headers */	\
	X(NO_SPI,	"unknown-spi")	/* no inbound SA for the SPI */	\
	X(NO_SA,	"no-sa")	/* no outbound SA for the dst */\
	X(REPLAY,	"replay")	/* already received */		\
	X(OLD,		"too-old")	/* below the replay window */	\
	X(ALIGN,	"bad-align")	/* ciphertext not block-aligned */\
	X(ICV,		"bad-icv")	/* integrity check failed */	\
	X(PAD,		"bad-pad")	/* padding not 1, 2, 3, ... */	\
	X(NEXT_HDR,	"bad-next-hdr")	/* not IPv4 (4) or IPv6 (41) */	\
	X(DUMMY,	"dummy")	/* next header 59 (RFC 4303 2.6) */\
	X(INNER,	"bad-inner")	/* inner packet not a valid IP */\
	X(SPOOF,	"spoofed")	/* inner source outside the TS */\
	X(DEST,		"bad-dest")	/* inner destination outside TS */\
	X(NOROOM,	"no-room")	/* headroom or tailroom short */\
	X(SEQ_EXHAUSTED, "seq-exhausted") /* counter would wrap (3.3.3) */\
	X(EXPIRED,	"expired")	/* hard lifetime reached */	\
	X(CRYPTO,	"crypto")	/* backend failure */

enum esp_drop {
	ESP_DROP_NONE = 0,
#define ESP_DROP_ENUM(n, s) ESP_DROP_##n,
	ESP_DROP_MAP(ESP_DROP_ENUM)
#undef ESP_DROP_ENUM
	ESP_DROP__MAX
};

enum esp_dir {
	ESP_IN,		/* decapsulation: we chose the SPI */
	ESP_OUT,	/* encapsulation: the peer chose the SPI */
};

/* Events raised to the SA's hook, each at most once per SA. */
enum esp_event {
	ESP_EV_SOFT,		/* soft lifetime reached: rekey */
	ESP_EV_HARD,		/* hard lifetime reached: the SA now refuses
				 * every packet; delete it */
	ESP_EV_SEQ_EXHAUSTED,	/* outbound counter at its maximum (2^32 - 1,
				 * or 2^64 - 1 with ESN): rekey now */
};

struct esp_sa;
struct ike_keys_child;
struct qsbr;

/*
 * The hook for events: called on the thread that processed the packet,
 * from inside esp_seal/esp_open, after the packet's own processing. It
 * must not block nor call esp_* on the same SA; the IKE side typically
 * queues a rekey or delete for its loop.
 */
typedef void esp_event_fn(struct esp_sa *sa, enum esp_event ev, void *arg);

/* An IPv4 or IPv6 address: family AF_INET (4 bytes of a used) or
 * AF_INET6 (16), network order, unused bytes zero. */
struct esp_addr {
	int		family;
	uint8_t		a[16];
};

/* An address range start..end (inclusive, network order, same family). */
struct esp_ts {
	int		family;
	uint8_t		start[16];
	uint8_t		end[16];
};

/*
 * Lifetime limits (RFC 4301 4.4.2.1), counted over the inner bytes and
 * packets an SA processed successfully; 0 means no limit. Reaching a soft
 * limit raises ESP_EV_SOFT once; reaching a hard one raises ESP_EV_HARD
 * once, and the packet that reaches it is the last the SA processes.
 */
struct esp_lifetime {
	uint64_t	soft_bytes, hard_bytes;
	uint64_t	soft_packets, hard_packets;
};

/*
 * What esp_sa_new needs. Zero-initialize, then set:
 *  - spi (host order), dir, esn;
 *  - the transforms: encr_id (XFORM_ENCR_AES_GCM_16,
 *    XFORM_ENCR_CHACHA20_POLY1305 or XFORM_ENCR_AES_CBC), encr_bits (128
 *    or 256; 256 for ChaCha20-Poly1305), integ_id (0 with an AEAD, else
 *    XFORM_INTEG_HMAC_SHA2_*); aead, or cipher and mac, pick backend
 *    entries explicitly (NULL: the registry's preferred one);
 *  - the keys (borrowed, copied into the contexts): encr_key holds the
 *    cipher key followed by the 4-byte salt for the AEADs (RFC 4106 8.1,
 *    RFC 7634 4); integ_key the HMAC key. esp_sa_params_keys sets both
 *    from a CHILD SA's KEYMAT;
 *  - optionally: life and the hook (hook, hook_arg); ts[0..nts), the
 *    inbound SA's permitted inner sources (the peer's TSi), and
 *    dts[0..ndts), its permitted inner destinations (our TSr), each
 *    empty for "any"; dst[0..ndst), the outbound SA's inner
 *    destinations (distinct), its keys in the table (an SA used only as
 *    a table's default has none); user, an opaque pointer for the
 *    caller (esp_sa_user);
 *  - seq: 0 for a new SA; otherwise the last number sent (outbound) or
 *    the top of the replay window (inbound), for tests and migration;
 *  - iv_xor: the AEAD explicit IV is the 64-bit sequence number XOR
 *    iv_xor, unique per packet since the counter never repeats (RFC 4106
 *    3.1 asks only for uniqueness). 0 is fine; tests set it to reproduce
 *    published packets.
 */
struct esp_sa_params {
	uint32_t			 spi;
	enum esp_dir			 dir;
	int				 esn;
	uint16_t			 encr_id;
	uint16_t			 encr_bits;
	uint16_t			 integ_id;
	const struct xform_aead		*aead;
	const struct xform_cipher	*cipher;
	const struct xform_mac		*mac;
	const uint8_t			*encr_key;
	size_t				 encr_len;
	const uint8_t			*integ_key;
	size_t				 integ_len;
	struct esp_lifetime		 life;
	esp_event_fn			*hook;
	void				*hook_arg;
	struct esp_ts			 ts[ESP_TS_MAX];
	size_t				 nts;
	struct esp_ts			 dts[ESP_TS_MAX];
	size_t				 ndts;
	struct esp_addr			 dst[ESP_DST_MAX];
	size_t				 ndst;
	void				*user;
	uint64_t			 seq;
	uint64_t			 iv_xor;
};

/* Per-SA counters (a snapshot). drops[ESP_DROP_NONE] is unused. */
struct esp_sa_stats {
	uint64_t	packets;
	uint64_t	bytes;		/* inner bytes */
	uint64_t	drops[ESP_DROP__MAX];
};

/* What `ikectl show sa` prints about an SA. Names are borrowed from the
 * backend tables (static); integ is "" with an AEAD. */
struct esp_sa_info {
	uint32_t		spi;
	enum esp_dir		dir;
	int			esn;
	const char		*encr;		/* "aes256gcm16" */
	const char		*integ;		/* "hmac-sha256", "" */
	const char		*backend;
	uint64_t		seq;		/* last sent / window top */
	int			soft_fired, hard_fired, exhausted;
	struct esp_lifetime	life;
	struct esp_sa_stats	stats;
};

/*
 * A packet in a caller buffer buf[0..cap). On input [off, off + len) is
 * the packet to process; on success it becomes the result: the ESP packet
 * (seal) or the inner IP packet (open). The batch functions also fill r
 * (0 or the -E_* code), drop (ESP_DROP_NONE when r is 0) and sa (the SA
 * used, or NULL).
 */
struct esp_pkt {
	uint8_t		*buf;
	size_t		 cap;
	size_t		 off;
	size_t		 len;
	int		 r;
	enum esp_drop	 drop;
	struct esp_sa	*sa;
};

/* Returns the name of a drop reason ("bad-icv"), never NULL. */
const char	*esp_drop_name(enum esp_drop d);

/*
 * Points p->encr_key / p->integ_key (and their lengths) into k (borrowed:
 * keep it alive until esp_sa_new returns) for an SA of direction p->dir:
 * traffic from the IKE initiator to the responder uses the "i" keys (RFC
 * 7296 2.17), so the responder's inbound SA and the initiator's outbound
 * SA take encr_i/integ_i. we_initiated tells which side we are (for a
 * CHILD SA, the side that sent the request that created it).
 */
void	esp_sa_params_keys(struct esp_sa_params *p,
	    const struct ike_keys_child *k, int we_initiated);

/*
 * Creates an SA from p (borrowed; keys copied into the backend contexts)
 * and returns it owned in *out: one XFORM_CTX_ALIGN-aligned allocation
 * holding the state and the contexts. Returns 0; -E_NOTSUP (transform
 * not available in any backend); -E_INVAL (key lengths, an AEAD with an
 * integrity transform or CBC without, an SPI below 256 (RFC 4303 2.1),
 * nts > ESP_TS_MAX, ndst > ESP_DST_MAX, the same dst twice, an address
 * family other than AF_INET/AF_INET6, a selector with start > end, seq
 * out of range); -E_NOMEM; -E_CRYPTO (the
 * first IV pool fill) or what the backend's init returned. *out is NULL
 * on failure. Does not log.
 */
int	esp_sa_new(const struct esp_sa_params *p, struct esp_sa **out)
	    ESP_WUR;

/* Wipes the keys, contexts and state of sa and frees it; NULL is a
 * no-op. The caller must have removed it from every table (and, with
 * concurrent readers, waited for them: see struct esp_sadb). */
void	esp_sa_free(struct esp_sa *sa);

/* Accessors (sa borrowed). */
uint32_t	 esp_sa_spi(const struct esp_sa *sa);
enum esp_dir	 esp_sa_dir(const struct esp_sa *sa);
void		*esp_sa_user(const struct esp_sa *sa);

/* Fills *st with sa's counters (relaxed reads: safe from another thread,
 * each value exact, the set not an atomic snapshot). */
void	esp_sa_stats(const struct esp_sa *sa, struct esp_sa_stats *st);

/* Fills *info about sa (no secret). An inbound SA's window top is read
 * without synchronization: from another thread it may be stale. */
void	esp_sa_info(const struct esp_sa *sa, struct esp_sa_info *info);

/*
 * Stores in *head and *tail the bytes esp_seal writes before and after an
 * inner packet of inner_len bytes on the outbound SA sa: the ESP header
 * and IV; the padding, trailer and ICV.
 */
void	esp_sa_overhead(const struct esp_sa *sa, size_t inner_len,
	    size_t *head, size_t *tail);

/*
 * Returns 1 when a (borrowed) lies in one of the inbound SA's traffic
 * selector ranges or the SA has none, else 0 (RFC 4301 5.2 step 4: the
 * inner source must match the SA's selectors). esp_open already applies
 * it; it is exported for callers that check other packets.
 */
int	esp_sa_ts_match(const struct esp_sa *sa, const struct esp_addr *a);

/*
 * Encapsulates in place on the outbound SA sa: the inner IPv4 or IPv6
 * packet at p->buf[p->off, p->off + p->len) (its version nibble sets the
 * Next Header, RFC 4303 2.6) gets the ESP header and IV written in the
 * headroom before it, padding (1, 2, 3, ... to the cipher block and a
 * 4-byte boundary, RFC 4303 2.4), Pad Length, Next Header and ICV after
 * it; then p->off and p->len describe the ESP packet. Returns 0, or a
 * negative code with p->drop set, the packet counted as a drop on sa and
 * p->off/len unchanged:
 *   -E_STATE    EXPIRED (hard lifetime reached before);
 *   -E_SYNTAX   INNER (not an IPv4/IPv6 packet or over ESP_INNER_MAX);
 *   -E_RANGE    NOROOM (headroom or tailroom short; nothing written), or
 *               SEQ_EXHAUSTED (RFC 4303 3.3.3: the counter is never
 *               allowed to cycle; ESP_EV_SEQ_EXHAUSTED is raised once);
 *   -E_CRYPTO   CRYPTO (a sequence number was consumed);
 *   -E_INVAL    sa is inbound, or p is inconsistent (not counted).
 * Raises ESP_EV_SOFT / ESP_EV_HARD through the hook when a limit is
 * reached. Never allocates.
 */
int	esp_seal(struct esp_sa *sa, struct esp_pkt *p) ESP_WUR;

/*
 * Decapsulates in place on the inbound SA sa the ESP packet at
 * p->buf[p->off, p->off + p->len), whose SPI the caller looked up (or use
 * esp_sadb_decap): sequence number and replay check, IV and ICV carved by
 * the SA's sizes, block alignment, constant-time ICV verification (AEAD
 * open; for CBC the HMAC before any decryption), replay commit, padding
 * (1, 2, 3, ...), Next Header and inner packet (version, length; trailing
 * TFC padding, RFC 4303 2.7, is trimmed), and the traffic selectors on
 * the inner source. On success p->off and p->len describe the inner
 * packet. Returns 0, or a negative code with p->drop set and the packet
 * counted as a drop on sa:
 *   -E_STATE    EXPIRED;
 *   -E_SHORT    SHORT;
 *   -E_DUP      REPLAY;          -E_RANGE  OLD;
 *   -E_BADLEN   ALIGN;
 *   -E_AUTH     ICV: the decrypted bytes are wiped from the buffer, so
 *               nothing unauthenticated can be handed on;
 *   -E_SYNTAX   PAD, or INNER;
 *   -E_NOTSUP   NEXT_HDR;
 *   -E_AGAIN    DUMMY (next header 59, RFC 4303 2.6: discarded silently);
 *   -E_AUTH     SPOOF (inner source outside the SA's selectors);
 *   -E_AUTH     DEST (inner destination outside them: a client may reach
 *               only what its CHILD SA's TSr allows, RFC 4301 5.2);
 *   -E_CRYPTO   CRYPTO;
 *   -E_INVAL    sa is outbound, the SPI differs from sa's (NO_SPI), or p
 *               is inconsistent (not counted).
 * Raises lifetime events like esp_seal. Never allocates.
 */
int	esp_open(struct esp_sa *sa, struct esp_pkt *p) ESP_WUR;

/*
 * The SA tables: inbound SAs by SPI, outbound SAs by inner destination
 * address, in open-addressing hash tables of keys that live inside the
 * SAs. A remote-access client's CHILD SA is found under each of its inner
 * addresses (an IPv4 and an IPv6 one when it got both): one SA, one
 * sequence counter, several keys. Lookups are O(1). The SPIs are ours
 * (random) and the addresses come from our pool, so a peer cannot choose
 * colliding keys.
 *
 * Each address family also has a default outbound SA, used for any
 * destination that has no key of its own: a client (the initiator of its
 * CHILD SA) sends everything the kernel routes into its device to its
 * gateway, and its routes already decide what enters.
 *
 * The table does not own the SAs: esp_sa_new/esp_sa_free are the
 * caller's, who must remove an SA before freeing it.
 *
 * Publication (for readers on other threads; single-threaded use needs
 * nothing of this). One writer, the IKE loop, changes the table; any
 * number of data-plane threads read it without locks:
 *  - a slot (and a family's default) is written with a release store only
 *    after the SA is fully built, and readers load slots, defaults and
 *    the table pointer with acquire loads, so a reader that finds an SA
 *    sees it initialized;
 *  - removal replaces the slot with a tombstone (a default with NULL);
 *    growth and tombstone purges build a new slot array and publish it
 *    with one release store of the table pointer;
 *  - a removed SA (and so its keys) and a replaced slot array stay valid
 *    for readers that may still hold them: the writer frees them only
 *    after every data-plane thread has passed a quiescent state
 *    (core/qsbr.h: each thread reports one between batches). The table
 *    retires its slot arrays through the qsbr domain given to
 *    esp_sadb_set_qsbr (without one it frees them at once, which is
 *    correct with a single thread); the caller retires removed SAs the
 *    same way before esp_sa_free.
 */
struct esp_sadb;

/* Drops counted in the table: packets that found no SA. Like an SA's,
 * these counters have one writer at a time; a multi-threaded data plane
 * will keep one set per thread and sum them here. n_out counts outbound
 * SAs, each once however many keys it has and whether it is a default. */
struct esp_sadb_stats {
	uint64_t	drops[ESP_DROP__MAX];	/* SHORT NO_SPI NO_SA INNER */
	size_t		n_in, n_out;		/* SAs in each table */
};

/* Creates an empty table, returned owned; NULL when out of memory. */
struct esp_sadb	*esp_sadb_new(void);

/*
 * Makes db retire the slot arrays it replaces through q (borrowed; it
 * must outlive db's last change): freed by qsbr_poll once every reader
 * registered in q has passed a quiescent state. Call before the first
 * change, on the writer thread.
 */
void	esp_sadb_set_qsbr(struct esp_sadb *db, struct qsbr *q);

/* Frees db (not its SAs) and its current slot arrays at once (no reader
 * may be left); NULL is a no-op. */
void	esp_sadb_free(struct esp_sadb *db);

/*
 * Adds sa (borrowed; it must outlive its membership): an inbound SA under
 * its SPI, an outbound SA under each of its dst addresses, all or none.
 * Returns 0, -E_EXIST when a key is taken (or sa is in already),
 * -E_INVAL (an outbound SA without a dst), -E_NOMEM.
 */
int	esp_sadb_add(struct esp_sadb *db, struct esp_sa *sa) ESP_WUR;

/*
 * Replaces the outbound SA found under nsa's addresses with nsa, one
 * release store per address (CHILD SA rekey, RFC 7296 2.8: no packet finds
 * an address without an SA), and returns the previous one in *old (NULL
 * when there was none: nsa is then simply added). Keys of *old that nsa
 * does not have are removed; *old stays a default if it was one.
 * Returns 0, -E_INVAL (nsa not outbound, without a dst, or in the table
 * already), -E_EXIST (nsa's addresses are held by two different SAs;
 * nothing changed), -E_NOMEM.
 */
int	esp_sadb_replace_out(struct esp_sadb *db, struct esp_sa *nsa,
	    struct esp_sa **old) ESP_WUR;

/*
 * Makes the outbound SA sa (borrowed; NULL: none) the default of address
 * family (AF_INET or AF_INET6): esp_sadb_lookup_dst returns it for any
 * destination of that family without a key of its own. One release
 * store, so a rekey replaces it without a gap. The previous default is
 * returned in *old (NULL when none). sa may also have keys, and may be
 * the default of both families. Returns 0 or -E_INVAL (another family,
 * or sa inbound).
 */
int	esp_sadb_set_default(struct esp_sadb *db, int family,
	    struct esp_sa *sa, struct esp_sa **old) ESP_WUR;

/* Removes sa from its table: every key and every default it holds.
 * Returns 0, or -E_NOENT when it held none. */
int	esp_sadb_remove(struct esp_sadb *db, struct esp_sa *sa) ESP_WUR;

/* Returns the inbound SA for spi (host order), or NULL. */
struct esp_sa	*esp_sadb_lookup_spi(const struct esp_sadb *db, uint32_t spi);

/* Returns the outbound SA for the inner destination a: the one indexed
 * under a, else the default of a's family, else NULL. */
struct esp_sa	*esp_sadb_lookup_dst(const struct esp_sadb *db,
		    const struct esp_addr *a);

/* Returns 1 when an inbound SA uses spi, else 0; arg is the esp_sadb.
 * Has the shape of child_sa_spi_taken_fn, for SPI allocation. */
int	esp_sadb_spi_taken(uint32_t spi, void *arg);

/*
 * Decapsulates the batch pkts[0..n): for each packet, reads the SPI, finds
 * the inbound SA (consecutive packets of one SA are looked up once) and
 * calls esp_open; fills r, drop and sa of each. Packets shorter than an
 * ESP header (SHORT) or with an unknown SPI (NO_SPI) are counted in the
 * table's drops; the rest on their SA. Returns the number of packets
 * delivered (r == 0).
 */
size_t	esp_sadb_decap(struct esp_sadb *db, struct esp_pkt *pkts, size_t n);

/*
 * Encapsulates the batch pkts[0..n) of inner packets: for each, reads the
 * destination address, finds the outbound SA (as esp_sadb_lookup_dst:
 * its own key, else its family's default) and calls esp_seal; fills r,
 * drop and sa. Packets that are not IP (INNER) or whose destination has
 * no SA (NO_SA) are counted in the table's drops. Returns the number of
 * packets sealed.
 */
size_t	esp_sadb_encap(struct esp_sadb *db, struct esp_pkt *pkts, size_t n);

/* Fills *st with the table's drop counters and sizes. */
void	esp_sadb_stats(const struct esp_sadb *db, struct esp_sadb_stats *st);

/*
 * Calls fn(sa, arg) for every SA, inbound then outbound, until fn returns
 * nonzero, which is then returned (0 when all were visited). fn must not
 * change db.
 */
typedef int esp_sadb_fn(struct esp_sa *sa, void *arg);
int	esp_sadb_foreach(const struct esp_sadb *db, esp_sadb_fn *fn,
	    void *arg);

#endif /* CORE_ESP_H */
