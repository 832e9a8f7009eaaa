/*
 * dp.h: the data plane of both ends of a tunnel: packets between a TUN
 * device and ESP-in-UDP (RFC 4303, RFC 3948). The gateway (ikegated)
 * runs it for its clients, the client (ikeclient) for its one gateway:
 * one engine, two roles, told apart per CHILD SA by who initiated it.
 *
 * Outbound: packets the kernel routes into the TUN device are read in
 * batches into preallocated slots with headroom, matched to an outbound
 * SA by inner destination (core/esp.h esp_sadb: a client's inner
 * addresses on the gateway; the default SA of the address family on a
 * client), sealed in place and sent in one system call per batch
 * (net_send_esp). Inbound: ESP batches from the NAT-T socket are opened
 * in place (replay window, ICV, padding, and the inner source and
 * destination checked against the SA's traffic selectors: no spoofing)
 * and written to the TUN device. No allocation per packet; every drop is
 * counted by reason, packets read while no SA covers them included.
 *
 * Where the kernel has them, the TUN device runs with virtio-net headers
 * and TSO/USO (tun/tun.h TUN_OPEN_OFFLOAD): one read brings a 64 KB
 * super-packet, split into MTU-sized segments (core/gso.h) before ESP,
 * and the decrypted TCP segments of a flow in one batch are coalesced
 * into one super-packet, written with one system call. Both work for
 * IPv4 and IPv6 inner packets. Counters (per SA and tun_rx/tun_tx) count
 * inner packets, not super-packets.
 *
 * dp owns the TUN device (or borrows one the caller opened and
 * configured) and its poll watchers, and an ESP SA pair per CHILD SA,
 * which the IKE side installs and removes.
 *
 * Threads (dp_config.threads > 0, the gateway). The data plane then runs
 * on that many threads, each with its own libuv loop, its own queue of
 * the TUN device (a multi-queue device, tun/tun.h) and its own socket on
 * the NAT-T port (a net worker socket, core/net.h): it reads its queue,
 * seals and sends through its socket, and opens the ESP its socket
 * receives and writes it to its queue. The same code serves one queue on
 * the caller's loop (threads 0, the client). Everything else stays on
 * the loop that called dp_start: installing and removing SAs (published
 * to the threads without locks, core/esp.h), freeing them after a grace
 * period (core/qsbr.h, polled by a timer on that loop), the counters'
 * sums. The threads share the SA tables; an SA's own lock serializes
 * threads that meet on it (core/esp.h). A CHILD SA's path, which follows
 * NAT rebinding, has a small lock of its own.
 */
#ifndef CORE_DP_H
#define CORE_DP_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/net.h"
#include "core/pool.h"

struct uv_loop_s;
struct dp;
struct child_sa;
struct cfg;
struct tun;

/* Upcalls, all optional; arg is passed back. */
struct dp_ops {
	/* Authenticated ESP (data or RFC 4303 2.6 dummy packets) arrived
	 * on the CHILD SA with inbound SPI spi_in: the peer is alive. Called
	 * from dp_esp_input once per run of such packets in a batch; it
	 * must not install or remove CHILD SAs. Only without threads (it
	 * would run on a data-plane thread): use dp_child_last_rx there. */
	void	(*alive)(void *arg, uint32_t spi_in);
	/* An SA of the CHILD SA with inbound SPI spi_in came near the end
	 * of its life by volume (hard 0: 75 to 80% of child_sa.life_bytes,
	 * or, without ESN, 3/4 of the 2^32 sequence numbers either way:
	 * rekey it), or reached it (hard 1: it carries nothing more).
	 * Called on the loop, at most once each per SA, with or without
	 * threads. Optional. */
	void	(*due)(void *arg, uint32_t spi_in, int hard);
	void	*arg;
};

struct dp_config {
	/* The gateway: dp opens the device named tun (created, or attached
	 * to), with offloads when the kernel has them, brings it up, sets
	 * mtu (0: leave it) and routes cfg's address pools to it. */
	const char	*tun;
	unsigned	 mtu;
	const struct cfg *cfg;
	/* A client: the device the caller opened (with TUN_OPEN_OFFLOAD,
	 * see tun_open) and configures itself (addresses, routes): borrowed,
	 * it stays the caller's to close after dp_close; tun, mtu and cfg
	 * are then unused. dp caps the TSO bursts of the host's TCP to
	 * what one UDP GSO send carries (the device's gso_max_segs), which
	 * needs CAP_NET_ADMIN (else logged once). */
	struct tun	*dev;
	struct dp_ops	 ops;
	/* 0: one queue on the loop given to dp_start, ESP from net's
	 * classic NAT-T socket through dp_esp_input. 1..DP_THREADS_MAX:
	 * that many data-plane threads (see "Threads" above); net must
	 * have been started with as many workers, and the device is opened
	 * multi-queue when threads > 1 (needs cfg->tun, not dev). */
	unsigned	 threads;
};

/* Most data-plane threads (net's worker sockets). */
#define DP_THREADS_MAX	NET_WORKERS_MAX

/* Per-CHILD SA counters, for `ikectl show sa`. */
struct dp_child_stats {
	uint64_t	packets_in, bytes_in, packets_out, bytes_out;
	uint64_t	drops_in, drops_out;
};

/*
 * Starts the data plane on loop: on the device of cfg (borrowed) as
 * described at struct dp_config (logging once what the kernel refused of
 * the offloads, and when a device we may not configure was configured
 * beforehand), reading it on loop or, with cfg->threads, starting the
 * threads; ESP goes out through net (borrowed). A persistent device that
 * is not multi-queue is read by the first thread only (logged once); the
 * others still open ESP and write to it. Returns 0 and the data plane in
 * *out, or a negative code (logged): -E_INVAL (threads and net's workers
 * disagree, too many, dev with threads > 1, or alive with threads).
 */
int	dp_start(struct uv_loop_s *loop, struct net *net,
	    const struct dp_config *cfg, struct dp **out)
	    __attribute__((warn_unused_result));

/* Stops reading (with threads: stops them and waits for them), frees
 * every SA and closes the device (unless it was cfg->dev) once libuv has
 * released the handles on the loop. Call before net_close: the threads
 * use net's worker sockets. NULL is a no-op. */
void	dp_close(struct dp *dp);

/* Most inner addresses one CHILD SA is reached under (an IPv4 and an IPv6
 * address for a dual-stack client). */
#define DP_VIPS_MAX	4

/*
 * Installs the ESP SAs of c (borrowed; keys are copied), sent along path
 * (copied; ESP always travels in UDP, RFC 3948). c->we_initiated decides
 * the keys of each direction (RFC 7296 2.17) and whose selectors are
 * which (the initiator's are TSi); the role comes from nvip:
 *  - a gateway (nvip 1..DP_VIPS_MAX, vips borrowed): inbound under our
 *    SPI, accepting inner sources in the client's selectors and
 *    destinations in ours; outbound reached under each of the client's
 *    inner addresses vips[0..nvip); the path follows the client when a
 *    NAT rebinds its port (authenticated packets only);
 *  - a client (nvip 0): inbound accepting inner sources in the
 *    gateway's selectors and destinations in ours; outbound the default
 *    SA of every address family the gateway's selectors cover, so that
 *    each packet the caller's routes send into the device goes to the
 *    gateway.
 * A rekey (c->replaces, the inbound SPI of the CHILD SA it replaces,
 * still installed) installs the inbound SA only: outbound packets keep
 * the old SA until dp_child_promote.
 * Returns 0; -E_EXIST (our SPI, an inner address or a family's default
 * is taken); -E_INVAL (vips NULL with nvip, too many); -E_NOENT (the SA
 * to replace is not installed); -E_TOOMANY (more selectors than
 * ESP_TS_MAX); or an esp_sa_new code.
 */
int	dp_child_up(struct dp *dp, const struct child_sa *c,
	    const struct pool_addr *vips, size_t nvip,
	    const struct net_path *path) __attribute__((warn_unused_result));

/* Makes the rekeyed CHILD SA with inbound SPI spi_in the outbound SA of
 * its client's addresses (a gateway) or of its address families (the
 * default SAs of a client), in place of the one it replaces (which still
 * opens what arrives until dp_child_down). Returns 0 (also when it was
 * already), -E_NOENT or an esp_sadb_replace_out / set_default code. */
int	dp_child_promote(struct dp *dp, uint32_t spi_in)
	    __attribute__((warn_unused_result));

/* Removes and frees (keys wiped) the SAs installed for inbound SPI spi_in;
 * a no-op when there are none. The device stays, with its addresses and
 * routes. */
void	dp_child_down(struct dp *dp, uint32_t spi_in);

/* The net callback for ESP batches (struct net_ops.esp) without threads;
 * arg is the dp. */
void	dp_esp_input(void *arg, uint8_t *const *pkts, const size_t *lens,
	    const struct net_path *const *paths, size_t n);

/* Fills *st for the CHILD SA with inbound SPI spi_in; -E_NOENT if none. */
int	dp_child_stats(const struct dp *dp, uint32_t spi_in,
	    struct dp_child_stats *st) __attribute__((warn_unused_result));

/* Monotonic ms of the last authenticated ESP packet from the CHILD SA
 * with inbound SPI spi_in (0: none yet, or no such SA). */
uint64_t dp_child_last_rx(const struct dp *dp, uint32_t spi_in);

/*
 * Appends the data plane's counters as text or JSON to out: SAs, inner
 * packets read from and written to the device and the system calls that
 * moved them, super-packets split and coalesced writes (with the
 * offloads in effect), drops by reason summed over the table and every
 * SA; then, with threads, one line per thread ("  thread N: ...") or, in
 * JSON, a "per_thread" array that comes first in the object (so that the
 * totals are the last occurrence of each name). Counters are sums over
 * the threads, read while they run. Returns 0 or a buf error.
 */
int	dp_show(const struct dp *dp, struct buf *out, int json)
	    __attribute__((warn_unused_result));

#endif /* CORE_DP_H */
