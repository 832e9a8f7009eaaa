/*
 * ike_sa_int.h: the responder module's private header, shared by its files
 * only: core/ike_sa.c (the context, the SA tables and lifecycle, message
 * input with its message-ID window and retransmissions, responses and
 * INFORMATIONAL), core/ike_sa_init.c (IKE_SA_INIT), core/ike_sa_auth.c
 * (IKE_AUTH), core/ike_sa_session.c (resumable sessions),
 * core/ike_sa_dpd.c (dead peer detection), core/ike_sa_child.c
 * (CREATE_CHILD_SA: CHILD SAs), core/ike_sa_rekey.c (IKE SA rekeying),
 * core/ike_sa_cookie.c (cookies) and core/ike_sa_show.c (the views). Not
 * installed and included nowhere else: the module's interface is
 * core/ike_sa.h.
 */
#ifndef CORE_IKE_SA_INT_H
#define CORE_IKE_SA_INT_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/cfg.h"
#include "core/eap_mschapv2.h"
#include "core/ike_auth.h"
#include "core/ike_keys.h"
#include "core/ike_msg.h"
#include "core/ike_pld.h"
#include "core/ike_prop.h"
#include "core/ike_sa.h"
#include "core/ike_sk.h"
#include "core/log.h"
#include "core/net.h"
#include "core/pool.h"
#include "core/session.h"
#include "core/sessiondb.h"
#include "core/span.h"
#include "core/timer.h"
#include "core/xform.h"

#define IKE_MSG_MAX		65535
#define IKE_NONCE_LEN		32	/* our nonces: 256 bits */
#define IKE_HASH_MIN		256	/* initial buckets per table */
#define IKE_EAP_SERVER_NAME	"ikegate"
#define IKE_DPD_BASE_MS		2000	/* first DPD retransmission */
#define IKE_DPD_MAX_MS		30000	/* longest wait between them */

/* The request of ours outstanding on an IKE SA. */
enum ike_req {
	IKE_REQ_NONE,
	IKE_REQ_DPD,		/* a liveness check (ike_sa_dpd.c) */
	IKE_REQ_REKEY,		/* our CHILD SA rekey (ike_sa_life.c) */
	IKE_REQ_DEL_CHILD,	/* the DELETE of the CHILD SA it replaced */
};

enum ike_state {
	IKE_S_HALF_OPEN,	/* IKE_SA_INIT answered */
	IKE_S_EAP,		/* EAP round trips in progress */
	IKE_S_EAP_DONE,		/* EAP succeeded; the final AUTH is due */
	IKE_S_ESTABLISHED,
	IKE_S_REKEYED,		/* replaced by a rekey, awaiting DELETE */
	IKE_S_DEAD,		/* being deleted */
};

struct ike_sa {
	struct ike_ctx		*ctx;
	struct ike_sa		*next_r;	/* hash chain by SPIr */
	struct ike_sa		*next_i;	/* hash chain by SPIi + peer */
	struct ike_sa		*next_all;	/* list, for show sa */
	struct ike_sa		*prev_all;
	uint64_t		 spi_i, spi_r;
	enum ike_state		 state;
	struct net_path		 path;
	/* Where IKE_SA_INIT came from: the key of the by_i table, which
	 * finds retransmitted IKE_SA_INIT requests (2.1). It never changes,
	 * while path follows the peer (port 4500, NAT rebinding). */
	struct net_path		 init_path;
	int			 nat_peer;	/* the peer is behind a NAT */
	int			 nat_local;	/* we are behind a NAT */
	uint64_t		 created, established;

	struct ike_prop_ike	 prop;
	const struct xform_mac	*prf;
	struct ike_keys		 keys;
	struct ike_sk		 sk;
	uint8_t			 ni[IKE_NONCE_MAX];
	size_t			 ni_len;
	uint8_t			 nr[IKE_NONCE_LEN];
	struct buf		*init_req;	/* for the AUTH octets */
	struct buf		*init_resp;
	uint16_t		 peer_sig_hashes; /* RFC 7427 bitmap */

	uint32_t		 next_msgid;	/* next request expected */
	struct buf		*last_resp;	/* cached for retransmits */

	const struct cfg_profile *profile;
	struct buf		*idi;		/* IDi payload body */
	struct buf		*auth1;		/* first IKE_AUTH plaintext */
	uint8_t			 auth1_first;
	struct eap_mschapv2	*eap;
	uint8_t			 eap_id;
	struct buf		*eap_identity;
	uint8_t			 msk[EAP_MSCHAPV2_MSK_LEN];
	int			 have_msk;
	const char		*auth_verify;	/* for show sa */

	/* The client's inner addresses (3.15.1): vip[0..nvip), at most one
	 * IPv4 and one IPv6, each with the pool it came from. */
	struct pool		*pool[2];
	struct pool_addr	 vip[2];
	size_t			 nvip;
	int			 vip_leased;	/* ... released with it (else
						 * its session holds them) */
	struct child_sa		*child;
	/* The CHILD SA child rekeyed, until the client deletes it: it
	 * still opens what arrives, and carries what we send until then
	 * (ike_sa_child.c). */
	struct child_sa		*child_old;
	unsigned		 child_rekeys;

	/* Resumption (DESIGN.md, "The flow of a session"). */
	struct session		*session;	/* resumable session, or NULL */
	int			 resumed;
	int			 resume_attempt;	/* IDi is a session-id */

	/* Requests we send: window of one (2.3). The one outstanding
	 * (req_kind, req) is retransmitted by t_dpd (ike_sa_dpd.c). */
	uint32_t		 our_msgid;
	enum ike_req		 req_kind;
	unsigned		 req_tries;
	struct buf		*req;
	uint64_t		 last_rx;	/* last authenticated IKE message */

	/* Our rekey of the CHILD SA (ike_sa_life.c) while in flight: the
	 * new inbound SPI, our nonce and key pair, and the SA it rekeys. */
	uint32_t		 rk_spi, rk_of;
	uint16_t		 rk_group;	/* the client's INVALID_KE */
	/* Our inbound SPIs of CHILD SAs whose DELETE waits for the
	 * request in flight: one that expired, one our failed rekey made
	 * on the client's side. */
	uint32_t		 del_spi[2];
	size_t			 ndel;
	uint8_t			 rk_ni[IKE_NONCE_LEN];
	const struct xform_dh	*rk_dh;
	void			*rk_dhst;

	struct timer		 t_half_open;
	struct timer		 t_dpd;
	struct timer		 t_rekey;	/* child_old's last moment */
	struct timer		 t_life;	/* CHILD SA rekey, end */
	/* IKE SA rekeying (ike_sa_rekey.c): the REKEYED SA this one
	 * replaced, until the client deletes it, and the other way. */
	struct ike_sa		*pred, *succ;
};

struct ike_pool_ent {
	const struct cfg_pool	*cfg;
	struct pool		*v4, *v6;
};

/* RFC 7296 2.6 cookies (ike_sa_cookie.c): two secrets, the current one
 * (k[cur]) and the one before, each with its version byte and a MAC
 * context keyed with it. */
struct ike_cookie_key {
	uint8_t			 secret[32];
	uint8_t			 ver;
	int			 live;
	void			*mac;
};

struct ike_cookies {
	const struct xform_mac	*mac;
	struct ike_cookie_key	 k[2];
	unsigned		 cur;
	uint64_t		 born;		/* ms k[cur] was made */
};

struct ike_prof_ent {
	const struct cfg_profile *cfg;
	void			*cas[IKE_AUTH_MAX_CERTS];
	size_t			 ncas;
};

struct ike_ctx {
	const struct cfg	*cfg;
	const struct ike_creds	*creds;
	struct timer_heap	*th;
	struct ike_io		 io;
	uint64_t		 now;
	struct ike_sa		**by_r, **by_i;
	size_t			 nbuckets;
	struct ike_sa		*all;
	size_t			 nsa;
	struct ike_pool_ent	*pools;
	size_t			 npools;
	struct ike_prof_ent	*profs;		/* per profile: its CAs */
	size_t			 nprofs;
	struct buf		*certreq;	/* SHA-1 SPKI hashes of our CAs */
	struct sessiondb	*sdb;
	const struct xform_x509	*x509;
	const struct xform_sig	*sig;
	uint64_t		 hash_key[2];
	struct ike_stats	 st;
	struct ike_cookies	 cookies;
	/* Scratch for decoding, kept off the stack (the SA payload alone is
	 * several KiB). */
	struct ike_msg		 msg, inner;
	struct ike_pld_sa	 sa_pld;
	uint8_t			 rx[IKE_MSG_MAX];
};

/* ike_sa.c: limits the log lines that malformed input can cause. */
extern struct log_ratelimit ike_sa__rl_input;

/* ike_sa.c: finds the SA by SPIr, or returns NULL. */
struct ike_sa *ike_sa__find_by_r(struct ike_ctx *ctx, uint64_t spi_r);
/* ike_sa.c: enters sa (borrowed, owned by ctx from now on) in the tables
 * and the list. */
void	ike_sa__link_sa(struct ike_ctx *ctx, struct ike_sa *sa);
/* ike_sa.c: writes the peer's address to buf and returns buf. */
const char *ike_sa__peer_str(const struct ike_sa *sa, char *buf, size_t len);
/* ike_sa.c: the SA forgets its addresses without releasing them. */
void	ike_sa__vip_forget(struct ike_sa *sa);
/* ike_sa.c: gives the addresses the SA leases back to their pools. */
void	ike_sa__release_vip(struct ike_sa *sa);
/* ike_sa.c: the SA's address of family, or NULL. */
const struct pool_addr *ike_sa__vip_of(const struct ike_sa *sa, int family);
/* ike_sa.c: writes the SA's addresses for logs to buf and returns buf. */
const char *ike_sa__vip_str(const struct ike_sa *sa, char *buf, size_t len);
/* ike_sa.c: takes the SA's CHILD SA out of the data plane and frees it. */
void	ike_sa__remove_child(struct ike_sa *sa);
/* ike_sa.c: frees sa and all it holds; logs why (may be NULL). */
void	ike_sa__sa_destroy(struct ike_sa *sa, const char *why);
/* ike_sa.c: brings ctx->now up to date in a timer callback. */
void	ike_sa__timer_now(struct ike_ctx *ctx, uint64_t deadline);
/* ike_sa.c: the half-open (and dead SA) timer. */
timer_fn ike_sa__on_half_open;
/* ike_sa.c: sends b (borrowed) along p and counts it. */
void	ike_sa__send_buf(struct ike_ctx *ctx, const struct net_path *p,
	    struct buf *b);
/* ike_sa.c: caches b (consumed) as the last response and sends it. */
void	ike_sa__respond(struct ike_sa *sa, struct buf *b);
/* ike_sa.c: replaces *dst with a copy of s. Returns 0 or -E_NOMEM. */
int	ike_sa__copy_span(struct buf **dst, struct span s);
/* ike_sa.c: starts a protected response to req in *bp (returned owned).
 * Returns 0 or a -E_* code. */
int	ike_sa__resp_begin(struct ike_sa *sa, const struct ike_msg_hdr *req,
	    struct buf **bp, struct ike_chain *c);
/* ike_sa.c: starts our request of exchange exch with message ID
 * sa->our_msgid in *bp, the same way. */
int	ike_sa__req_begin(struct ike_sa *sa, uint8_t exch, struct buf **bp,
	    struct ike_chain *c);
/* ike_sa.c: seals and sends the response in b (consumed). */
void	ike_sa__resp_send(struct ike_sa *sa, struct buf *b,
	    struct ike_chain *c);
/* ike_sa.c: answers req with a protected response holding one notify. */
void	ike_sa__resp_notify(struct ike_sa *sa, const struct ike_msg_hdr *req,
	    uint16_t type);
/* ike_sa.c: the same, the notify carrying data (borrowed). */
void	ike_sa__resp_notify_data(struct ike_sa *sa,
	    const struct ike_msg_hdr *req, uint16_t type, struct span data);

/* ike_sa_init.c: sends an unprotected IKE_SA_INIT error response. */
void	ike_sa__init_notify(struct ike_ctx *ctx, const struct ike_msg_hdr *req,
	    const struct net_path *p, uint16_t type, struct span data);
/* ike_sa_init.c: handles a valid new IKE_SA_INIT request m, whose bytes
 * are dgram, from p. */
void	ike_sa__handle_init(struct ike_ctx *ctx, const struct ike_msg *m,
	    struct span dgram, const struct net_path *p);

/* ike_sa_cookie.c: sets up and frees ctx's cookie state. */
int	ike_sa__cookies_init(struct ike_ctx *ctx);
void	ike_sa__cookies_free(struct ike_ctx *ctx);
/* ike_sa_cookie.c: 0 when the new IKE_SA_INIT request m (nonce ni) from p
 * may go on: cookies are not needed now, or it carries a good one. 1 when
 * it was answered with N(COOKIE) instead (2.6): drop it. */
int	ike_sa__cookie_gate(struct ike_ctx *ctx, const struct ike_msg *m,
	    struct span ni, const struct net_path *p);

/* ike_sa_auth.c: the input for the peer's AUTH (InitiatorSignedOctets). */
void	ike_sa__peer_auth_input(struct ike_sa *sa, struct ike_auth_input *in);
/* ike_sa_auth.c: fails the authentication in the response to req; logs
 * why. */
void	ike_sa__auth_failed(struct ike_sa *sa, const struct ike_msg_hdr *req,
	    const char *why);
/* ike_sa_auth.c: completes IKE_AUTH for an authenticated peer. */
void	ike_sa__establish(struct ike_sa *sa, const struct ike_msg_hdr *req,
	    int with_id);
/* ike_sa_auth.c: the IKE_AUTH requests, in the SA's states HALF-OPEN,
 * EAP and EAP-DONE. */
void	ike_sa__auth_first(struct ike_sa *sa, const struct ike_msg_hdr *req,
	    const struct ike_msg *m);
void	ike_sa__auth_eap(struct ike_sa *sa, const struct ike_msg_hdr *req,
	    const struct ike_msg *m);
void	ike_sa__auth_final(struct ike_sa *sa, const struct ike_msg_hdr *req,
	    const struct ike_msg *m);

/* ike_sa_session.c: writes the identity a session belongs to (never its
 * secrets) to buf and returns buf. */
const char *ike_sa__session_owner_name(const struct session *s, char *buf,
	    size_t len);
/* ike_sa_session.c: sets the session's live counters to those of c, a
 * CHILD SA of sa (refreshed from the data plane); nothing without a
 * session. */
void	ike_sa__session_count(struct ike_sa *sa, struct child_sa *c);
/* ike_sa_session.c: carries the CHILD SA's counters into the session. */
void	ike_sa__session_sync(struct ike_sa *sa);
/* ike_sa_session.c: the SA is lost (its session goes idle) or ended (its
 * session ends); both free sa and log why. */
void	ike_sa__sa_lost(struct ike_sa *sa, const char *why);
void	ike_sa__sa_ended(struct ike_sa *sa, const char *why);
/* ike_sa_session.c: writes the owner string of sa's addresses to buf. */
void	ike_sa__owner_of(const struct ike_sa *sa, char *buf, size_t len);
/* ike_sa_session.c: creates the session of a newly authenticated client.
 * Returns 0 or a -E_* code. */
int	ike_sa__session_start(struct ike_sa *sa);
/* ike_sa_session.c: 1 when id has the shape of our session-ids. */
int	ike_sa__is_session_id(struct span id);
/* ike_sa_session.c: a failed resume: counted, then ike_sa__auth_failed. */
void	ike_sa__resume_failed(struct ike_sa *sa, const struct ike_msg_hdr *req,
	    const char *why);
/* ike_sa_session.c: the IKE_AUTH of a resume, IDi being a session-id. */
void	ike_sa__auth_resume(struct ike_sa *sa, const struct ike_msg_hdr *req,
	    const struct ike_pld_id *id, const struct ike_pld_auth *auth);
/* ike_sa_session.c: the session database's release callback. */
void	ike_sa__session_release(void *arg, struct session *s,
	    enum sessiondb_why why);

/* ike_sa_dpd.c: arms dead peer detection for an established SA. */
void	ike_sa__dpd_arm(struct ike_sa *sa, uint64_t from);
/* ike_sa_dpd.c: the dead peer detection timer. */
timer_fn ike_sa__on_dpd;
/* ike_sa_dpd.c: a response m (its bytes dgram[0..len)) from p to our
 * outstanding request. */
void	ike_sa__handle_response(struct ike_sa *sa, const struct ike_msg *m,
	    uint8_t *dgram, size_t len, const struct net_path *p);
/* ike_sa_dpd.c: sends b (consumed, sealed) as our request of kind k and
 * retransmits it until answered; the slot must be free. */
void	ike_sa__req_send(struct ike_sa *sa, enum ike_req k, struct buf *b);
/* ike_sa_dpd.c: frees the outstanding request: the SA is going away. */
void	ike_sa__req_clear(struct ike_sa *sa);

/* ike_sa_auth.c: the policy of sa's client (its session's when resumed,
 * else its user's or its profile's). */
const struct cfg_policy *ike_sa__policy(const struct ike_sa *sa);
/* ike_sa_auth.c: child_sa_spi_alloc's test: 1 when one of ctx's CHILD SAs
 * (arg) has inbound SPI spi. */
int	ike_sa__spi_taken(uint32_t spi, void *arg);

/* ike_sa_init.c: a fresh responder SPI no SA has, in *spi. Returns 0,
 * -E_EXIST (8 draws taken) or an xform_random error. */
int	ike_sa__new_spi(struct ike_ctx *ctx, uint64_t *spi);

/* ike_sa_rekey.c: answers a CREATE_CHILD_SA request m that rekeys the
 * (established) IKE SA sa: a new SA takes over, sa becomes REKEYED. */
void	ike_sa__rekey_ike(struct ike_sa *sa, const struct ike_msg_hdr *req,
	    const struct ike_msg *m);

/* ike_sa_child.c: answers a CREATE_CHILD_SA request m (established SA). */
void	ike_sa__create_child(struct ike_sa *sa, const struct ike_msg_hdr *req,
	    const struct ike_msg *m);
/* ike_sa_child.c: ends a rekey: with promote, the current CHILD SA
 * carries what we send; the replaced one is removed, its counters kept in
 * the session. A no-op without one. */
void	ike_sa__rekey_finish(struct ike_sa *sa, int promote);
/* ike_sa_child.c: t_rekey: the client never deleted the replaced SA. */
timer_fn ike_sa__on_rekey;

/* ike_sa_life.c: arms t_life for the current CHILD SA: our rekey is due
 * before its profile's lifetime ends (a no-op without a CHILD SA). */
void	ike_sa__life_arm(struct ike_sa *sa);
/* ike_sa_life.c: t_life: starts our rekey of the CHILD SA, or deletes it
 * when its lifetime is over. */
timer_fn ike_sa__on_life;
/* ike_sa_life.c: the response m (decrypted, verified; NULL when it was
 * malformed) to our rekey. */
void	ike_sa__life_rekey_resp(struct ike_sa *sa, const struct ike_msg *m);
/* ike_sa_life.c: the response to our DELETE of the replaced CHILD SA. */
void	ike_sa__life_del_resp(struct ike_sa *sa);
/* ike_sa_life.c: our request slot is free again: sends a DELETE that
 * waited for it. */
void	ike_sa__life_slot_free(struct ike_sa *sa);
/* ike_sa_life.c: forgets a rekey of ours in flight (its key pair). */
void	ike_sa__life_abort(struct ike_sa *sa);

#endif /* CORE_IKE_SA_INT_H */
