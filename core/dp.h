/*
 * dp.h: the gateway's data plane: packets between the TUN device and the
 * clients' ESP-in-UDP (RFC 4303, RFC 3948).
 *
 * Outbound: packets the kernel routes into the TUN device are read in
 * batches into preallocated slots with headroom, matched to a client's
 * outbound SA by inner destination, sealed in place and sent with
 * sendmmsg. Inbound: ESP batches from the NAT-T socket are opened in place
 * (replay window, ICV, padding, and the inner source checked against the
 * SA's traffic selectors: no spoofing) and written to the TUN device. No
 * allocation per packet; every drop is counted by reason.
 *
 * Where the kernel has them, the TUN device runs with virtio-net headers
 * and TSO/USO (tun/tun.h TUN_OPEN_OFFLOAD): one read brings a 64 KB
 * super-packet, split into MTU-sized segments (core/gso.h) before ESP,
 * and the decrypted TCP segments of a flow in one batch are coalesced
 * into one super-packet, written with one system call. Counters (per SA
 * and tun_rx/tun_tx) count inner packets, not super-packets.
 *
 * dp owns the TUN device and its poll watcher on the loop, and an ESP SA
 * pair per CHILD SA, which the IKE side installs and removes.
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

struct dp_config {
	const char	*tun;		/* device name, created or attached */
	unsigned	 mtu;		/* inner MTU to set; 0: leave it */
	const struct cfg *cfg;		/* routes to the pools go via tun */
};

/* Per-CHILD SA counters, for `ikectl show sa`. */
struct dp_child_stats {
	uint64_t	packets_in, bytes_in, packets_out, bytes_out;
	uint64_t	drops_in, drops_out;
};

/*
 * Opens (or attaches to) the TUN device, configures link, MTU and routes
 * to the address pools when allowed (logging once when the device was
 * configured beforehand), and starts reading it on loop; ESP goes out
 * through net (borrowed). Returns 0 or a negative code (logged).
 */
int	dp_start(struct uv_loop_s *loop, struct net *net,
	    const struct dp_config *cfg, struct dp **out)
	    __attribute__((warn_unused_result));

/* Stops reading, frees every SA and closes the device once libuv has
 * released the watcher. NULL is a no-op. */
void	dp_close(struct dp *dp);

/*
 * Installs the ESP SAs of c (borrowed; keys are copied): inbound under our
 * SPI, accepting inner sources in c's TSi; outbound towards the client's
 * inner address vip, sent along path. Returns 0 or a negative code.
 */
int	dp_child_up(struct dp *dp, const struct child_sa *c,
	    const struct pool_addr *vip, const struct net_path *path)
	    __attribute__((warn_unused_result));

/* Removes and frees the SAs installed for inbound SPI spi_in; a no-op
 * when there are none. */
void	dp_child_down(struct dp *dp, uint32_t spi_in);

/* The net callback for ESP batches (struct net_ops.esp); arg is the dp. */
void	dp_esp_input(void *arg, uint8_t *const *pkts, const size_t *lens,
	    const struct net_path *paths, size_t n);

/* Fills *st for the CHILD SA with inbound SPI spi_in; -E_NOENT if none. */
int	dp_child_stats(const struct dp *dp, uint32_t spi_in,
	    struct dp_child_stats *st) __attribute__((warn_unused_result));

/* Monotonic ms of the last authenticated ESP packet from the CHILD SA
 * with inbound SPI spi_in (0: none yet, or no such SA). */
uint64_t dp_child_last_rx(const struct dp *dp, uint32_t spi_in);

/* Appends the data plane's counters (drops by reason, TUN and batch
 * counters) as text or JSON to out. */
int	dp_show(const struct dp *dp, struct buf *out, int json)
	    __attribute__((warn_unused_result));

#endif /* CORE_DP_H */
