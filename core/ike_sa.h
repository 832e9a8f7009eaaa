/*
 * ike_sa.h: the IKEv2 responder (RFC 7296): IKE SAs, their exchanges and
 * their CHILD SAs.
 *
 * struct ike_ctx owns every IKE SA of the gateway, indexed by both SPIs in
 * hash tables. It takes received datagrams with their addresses and the
 * current monotonic time, and answers through struct ike_io: it never sees
 * libuv or a socket, so tests drive it with a fake network and clock.
 *
 * Exchanges handled as responder: IKE_SA_INIT, IKE_AUTH (PSK, certificate,
 * or EAP-MSCHAPv2 over several round trips), INFORMATIONAL (liveness
 * checks, DELETE of the IKE SA or of CHILD SAs). Message IDs use a window
 * of one; the last response is cached and sent again, byte for byte, when
 * its request is retransmitted. A half-open SA that does not authenticate
 * within the configured time is deleted.
 */
#ifndef CORE_IKE_SA_H
#define CORE_IKE_SA_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/cfg.h"
#include "core/net.h"
#include "core/pool.h"
#include "core/span.h"
#include "core/timer.h"

struct ike_ctx;
struct ike_sa;
struct child_sa;

/* How the responder talks to the rest of the daemon. */
struct ike_io {
	/* Sends an IKE message along p (NAT-T marker added by the net
	 * layer). */
	void	(*send)(void *arg, const struct net_path *p, struct span dgram);
	/* A CHILD SA is established: install it into the data plane, with
	 * the client's inner addresses vips[0..nvip) (an IPv4 and/or an
	 * IPv6 one; nvip 0 when it got none) and the path its ESP takes.
	 * Returns 0, or a negative code, after which the CHILD SA is
	 * answered with TEMPORARY_FAILURE instead. Optional. */
	int	(*child_up)(void *arg, const struct child_sa *c,
		    const struct pool_addr *vips, size_t nvip,
		    const struct net_path *path);
	/* A CHILD SA is removed: take it out of the data plane. Optional. */
	void	(*child_down)(void *arg, const struct child_sa *c);
	/* A rekeyed CHILD SA, installed by child_up with c->replaces set
	 * (inbound only), now carries what we send, in place of the one it
	 * replaces. Returns 0 or a negative code. Optional. */
	int	(*child_promote)(void *arg, const struct child_sa *c);
	/* Refreshes c's counters from the data plane (for show sa).
	 * Optional. */
	void	(*child_stats)(void *arg, struct child_sa *c);
	/* Monotonic ms of the last authenticated ESP packet of c (0: none),
	 * so that dead peer detection probes only silent peers. Optional. */
	uint64_t (*child_last_rx)(void *arg, const struct child_sa *c);
	/* Monotonic ms now, read when a timer fires (the time of the last
	 * input is stale then). Optional: without it, the deadline of the
	 * timer that fired stands for now. */
	uint64_t (*now)(void *arg);
	void	*arg;
};

/* The gateway's own credentials, loaded by the daemon (owned by it). */
struct ike_creds {
	void		*key;		/* xform_sig private key, or NULL */
	void		*cert;		/* xform_x509 certificate, or NULL */
};

struct ike_stats {
	uint64_t	rx, rx_invalid, rx_retransmit, rx_unknown_spi;
	uint64_t	tx;
	uint64_t	init_ok, init_invalid_ke, init_no_proposal;
	uint64_t	init_cookie_sent, init_cookie_ok, init_cookie_bad;
	uint64_t	auth_ok, auth_failed;
	uint64_t	half_open_expired;
	uint64_t	dpd_sent, dpd_dead;
	uint64_t	deleted_by_peer;
	uint64_t	child_rekeys, ike_rekeys;
	size_t		ike_sas, half_open, child_sas;
};

/*
 * Creates the responder for cfg (borrowed; must outlive the ctx, or be
 * swapped with ike_ctx_set_config), creds (borrowed), timer heap th
 * (borrowed), and io (copied). Address pools are created from cfg.
 * Returns 0 or -E_NOMEM / -E_CONFIG (a pool that cannot be built).
 */
int	ike_ctx_new(const struct cfg *cfg, const struct ike_creds *creds,
	    struct timer_heap *th, const struct ike_io *io,
	    struct ike_ctx **out) __attribute__((warn_unused_result));

/* Deletes every SA (without notifying peers) and frees ctx; NULL is a
 * no-op. */
void	ike_ctx_free(struct ike_ctx *ctx);

/* Handles one received IKE message (without the NAT-T marker) that
 * arrived along p at monotonic time now_ms. Bad input is counted and
 * logged (rate-limited), never fatal. */
void	ike_ctx_input(struct ike_ctx *ctx, struct span dgram,
	    const struct net_path *p, uint64_t now_ms);

/* Updates the responder's idea of now (for timers armed by ctl
 * commands). */
void	ike_ctx_set_now(struct ike_ctx *ctx, uint64_t now_ms);

/* Appends the `ikectl show sa` listing (text, or JSON when json) to out.
 * Returns 0 or -E_RANGE (out full). */
int	ike_ctx_show_sa(struct ike_ctx *ctx, struct buf *out, int json)
	    __attribute__((warn_unused_result));

/* Appends the `ikectl show pools` listing to out: per configured pool and
 * address family, its name, the family ("ipv4" or "ipv6"), how many
 * addresses it can hand out and how many are leased; one line each, or a
 * JSON array of objects {name, family, total, used} when json. Returns 0
 * or -E_RANGE (out full). */
int	ike_ctx_show_pools(struct ike_ctx *ctx, struct buf *out, int json)
	    __attribute__((warn_unused_result));

/* Appends `ikectl show sessions` (flags: SESSION_FMT_DETAIL and
 * SESSION_FMT_JSON from core/session.h) to out. No secret is shown. */
int	ike_ctx_show_sessions(struct ike_ctx *ctx, struct buf *out,
	    unsigned flags) __attribute__((warn_unused_result));

/* Appends `ikectl stats reconnect`: the five lines of Cisco's `show
 * crypto ikev2 stats reconnect`, or JSON. */
int	ike_ctx_stats_reconnect(struct ike_ctx *ctx, struct buf *out, int json)
	    __attribute__((warn_unused_result));

/* Ends the session whose session-id is id, active or idle (`ikectl
 * disconnect`): an active client is sent a DELETE, the address goes back
 * to its pool. Returns 0 or -E_NOENT. */
int	ike_ctx_disconnect(struct ike_ctx *ctx, struct span id)
	    __attribute__((warn_unused_result));

/* Debug builds only (configure --enable-debug): appends one line per
 * session with its session-id and token, for tests that resume with a
 * client that cannot ask for them (strongSwan). */
int	ike_ctx_debug_sessions(struct ike_ctx *ctx, struct buf *out)
	    __attribute__((warn_unused_result));

/* Returns a snapshot of the counters. */
void	ike_ctx_stats(const struct ike_ctx *ctx, struct ike_stats *st);

/* The operator's rekey of the CHILD SA of the IKE SA whose SPIi is spi_i
 * (as show sa prints it): started now, as at the end of its lifetime.
 * Returns 0, -E_NOENT (no such established IKE SA, or it has no CHILD
 * SA) or -E_AGAIN (a rekey of it is in flight). */
int	ike_ctx_rekey_child(struct ike_ctx *ctx, uint64_t spi_i)
	    __attribute__((warn_unused_result));

/* The data plane's word that an SA of the CHILD SA with inbound SPI
 * spi_in nears the end of its volume (hard 0: it is rekeyed now, unless
 * it is already being rekeyed) or reached it (hard 1: it is deleted). A
 * no-op for an SPI no established SA's current CHILD SA has. */
void	ike_ctx_child_due(struct ike_ctx *ctx, uint32_t spi_in, int hard);

/* Appends the counters of ctx (ike_stats and the cookie threshold) to out,
 * as text or one JSON object. Returns 0 or -E_NOMEM. */
int	ike_ctx_stats_ike(const struct ike_ctx *ctx, struct buf *out, int json)
	    __attribute__((warn_unused_result));

#endif /* CORE_IKE_SA_H */
