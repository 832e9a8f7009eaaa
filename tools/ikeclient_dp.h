/*
 * ikeclient_dp.h: the data path of ikeclient, one CHILD SA between a TUN
 * device and the gateway.
 *
 * Outbound: a readable TUN device is drained in batches; each packet is
 * read at an offset that leaves room for the ESP header, sealed in place
 * with the one outbound SA (core/esp) and sent with one net_send_esp per
 * batch, UDP-encapsulated on the NAT-T socket (RFC 3948; we have no
 * kernel ESP). Inbound: ESP batches from the net callback are matched on
 * our SPI, opened in place and written to the TUN device. Without an SA
 * (between an SA's end and a resume) TUN reads are dropped, so the
 * device and its address and routes stay while the client reconnects.
 */
#ifndef TOOLS_IKECLIENT_DP_H
#define TOOLS_IKECLIENT_DP_H

#include <stddef.h>
#include <stdint.h>

#include "core/child_sa.h"
#include "core/net.h"

struct uv_loop_s;
struct tun;
struct icdp;

struct icdp_ops {
	/* An authenticated ESP packet arrived (the gateway is alive). */
	void	(*alive)(void *arg);
	void	*arg;
};

/* Counters since icdp_new. */
struct icdp_stats {
	uint64_t	tx_packets, tx_bytes, tx_drops;
	uint64_t	rx_packets, rx_bytes, rx_drops;
	uint64_t	no_sa;		/* TUN packets dropped without an SA */
};

/* Starts watching t (borrowed, made non-blocking) on loop; packets go out
 * through n (borrowed). Returns 0 and the data path in *out, -E_NOMEM or
 * -E_SYS. */
int	icdp_new(struct uv_loop_s *loop, struct tun *t, struct net *n,
	    const struct icdp_ops *ops, struct icdp **out)
	    __attribute__((warn_unused_result));

/* Replaces the SAs with those of CHILD SA c (borrowed; we are its
 * initiator), sent along path p (copied; natt is forced). Returns 0, or
 * the esp_sa_new code (the data path then has no SA). */
int	icdp_set_child(struct icdp *d, const struct child_sa *c,
	    const struct net_path *p) __attribute__((warn_unused_result));

/* Drops the SAs (their keys are wiped). */
void	icdp_clear(struct icdp *d);

/* Handles an ESP batch from the net callback (see struct net_ops). */
void	icdp_esp_input(struct icdp *d, uint8_t *const *pkts,
	    const size_t *lens, const struct net_path *paths, size_t n);

/* Copies the counters into *st. */
void	icdp_get_stats(const struct icdp *d, struct icdp_stats *st);

/* Stops watching, drops the SAs and frees d once libuv released the
 * handle. The TUN device stays the caller's. NULL is a no-op. */
void	icdp_close(struct icdp *d);

#endif /* TOOLS_IKECLIENT_DP_H */
