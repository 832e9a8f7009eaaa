/*
 * ike_init_int.h: the initiator module's private header, shared by its
 * files only: core/ike_init.c (the exchanges that make the SA, its
 * requests and retransmissions, DPD, DELETE, the gateway's requests) and
 * core/ike_init_rekey.c (rekeying the CHILD SA and the IKE SA, ours and
 * the gateway's CHILD SA rekeys). Included nowhere else: the module's
 * interface is core/ike_init.h.
 */
#ifndef CORE_IKE_INIT_INT_H
#define CORE_IKE_INIT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/child_sa.h"
#include "core/eap_mschapv2.h"
#include "core/ike_init.h"
#include "core/ike_keys.h"
#include "core/ike_msg.h"
#include "core/ike_pld.h"
#include "core/ike_prop.h"
#include "core/ike_sk.h"
#include "core/timer.h"
#include "core/xform.h"

#define MSG_MAX		65535
#define NONCE_LEN	32	/* our nonce: 256 bits (2.10) */
/* IKE_SA_INIT requests sent again for COOKIE or INVALID_KE_PAYLOAD before
 * we give up: a responder that keeps asking is broken or hostile. */
#define INIT_RETRIES	4
/* A due rekey waits this long for the request in flight; a failed one is
 * tried again after REKEY_RETRY_MS. */
#define REKEY_BUSY_MS	1000
#define REKEY_RETRY_MS	30000
/* answer_rekey: no response can be made (not a notify type). */
#define ANSWER_NONE	0xffff

/* The request outstanding (2.3: a window of one). */
enum req_kind {
	REQ_NONE,
	REQ_INIT,		/* IKE_SA_INIT */
	REQ_AUTH,		/* first IKE_AUTH */
	REQ_EAP,		/* IKE_AUTH carrying an EAP response */
	REQ_EAP_AUTH,		/* IKE_AUTH with the MSK-based AUTH */
	REQ_DPD,		/* empty INFORMATIONAL */
	REQ_DELETE,		/* INFORMATIONAL with DELETE of the IKE SA */
	REQ_REKEY,		/* CREATE_CHILD_SA rekeying the CHILD SA */
	REQ_DEL_CHILD,		/* INFORMATIONAL with DELETE of the CHILD
				 * SA the rekey replaced */
	REQ_IKE_REKEY,		/* CREATE_CHILD_SA rekeying the IKE SA */
};

struct ike_init {
	struct timer_heap	*th;
	struct ike_init_ops	 ops;
	enum ike_init_state	 state;
	uint64_t		 now;
	struct ike_init_stats	 st;

	/* The configuration, copied. */
	enum ike_init_mode	 mode;
	struct net_path		 path;		/* where we send now */
	uint16_t		 nat_port, local_nat_port;
	int			 force_natt;
	uint8_t			 lid_type, rid_type;
	struct buf		*lid, *rid;	/* ID data */
	struct buf		*eap_identity;
	struct buf		*psk, *session_id, *token;
	void			*key;
	void			*certs[IKE_INIT_MAX_CERTS];
	size_t			 ncerts;
	void			*cas[IKE_INIT_MAX_CAS];
	size_t			 ncas;
	int			 want_session;
	uint16_t		 sid_attr, tok_attr;
	struct cfg_proposal	 props[IKE_INIT_MAX_PROPS];
	const struct cfg_proposal *propv[IKE_INIT_MAX_PROPS];
	size_t			 nprops;
	struct cfg_esp		 esp;
	struct child_sa_sel	 tsr[IKE_INIT_MAX_TS];
	size_t			 ntsr;
	unsigned		 retx_base, retx_tries, dpd_ms;
	const struct xform_x509	*x509;
	const struct xform_sig	*sig;

	/* IKE_SA_INIT. */
	uint64_t		 spi_i, spi_r;
	uint8_t			 ni[NONCE_LEN];
	uint8_t			 nr[IKE_NONCE_MAX];
	size_t			 nr_len;
	uint16_t		 ke_group;
	const struct xform_dh	*dh;
	void			*dhst;
	uint8_t			 ke_pub[XFORM_MAX_DH_PUB_LEN];
	uint8_t			 cookie[IKE_COOKIE_MAX];
	size_t			 cookie_len;
	unsigned		 init_retries;
	uint8_t			 natd_fake[IKE_NATD_LEN];
	struct buf		*init_req, *init_resp;
	struct ike_prop_ike	 prop;
	const struct xform_mac	*prf;
	struct ike_keys		 keys;
	struct ike_sk		 sk;
	int			 have_sk;
	unsigned		 peer_hashes;
	int			 nat_local, nat_peer;

	/* IKE_AUTH. */
	struct buf		*idi;		/* our ID payload body */
	struct buf		*idr;		/* the gateway's, as received */
	uint32_t		 spi_in;
	struct eap_mschapv2_peer *eap;
	int			 eap_failing;	/* our Failure response sent */
	enum ike_init_error	 eap_fail;	/* ... and why */
	uint8_t			 msk[EAP_MSCHAPV2_MSK_LEN];
	int			 have_msk;

	/* Our requests. */
	uint32_t		 msgid;		/* outstanding, or next */
	enum req_kind		 req_kind;
	uint8_t			 req_exch;
	struct buf		*req;
	unsigned		 retx;
	uint64_t		 retx_at;
	struct timer		 t_retx;
	int			 delete_pending;
	/* The gateway's requests. */
	uint32_t		 peer_msgid;	/* next expected */
	struct buf		*last_resp;
	/* Liveness. */
	uint64_t		 last_rx;
	uint64_t		 dpd_at;
	struct timer		 t_dpd;
	/* Our rekeys of the CHILD SA (1.3.3, 2.8): when the next starts,
	 * the new SA's inbound SPI and our nonce while it is negotiated,
	 * and the SPIs of the SA it replaced until the DELETE of that one
	 * is answered (have_old). */
	unsigned		 rekey_ms;
	uint64_t		 rekey_at;
	struct timer		 t_rekey;
	/* The CHILD SA's volume nears its end (ike_init_rekey_child): it
	 * is rekeyed as soon as it may be, rekey_ms 0 or not, until it is
	 * replaced. */
	int			 rekey_due;
	uint64_t		 life_bytes;
	uint32_t		 rk_spi;
	uint8_t			 rk_ni[NONCE_LEN];
	/* Its KE (1.3.3): the group (the IKE SA's, or the one the gateway
	 * asked for with INVALID_KE_PAYLOAD: rk_group) and key pair. */
	uint16_t		 rk_group;
	const struct xform_dh	*rk_dh;
	void			*rk_dhst;
	uint8_t			 rk_pub[XFORM_MAX_DH_PUB_LEN];
	uint32_t		 old_spi_in, old_spi_out;
	int			 have_old;
	/* Our rekeys of the IKE SA (2.18): when the next starts, and the
	 * new SPIi, nonce and key pair while it is negotiated. */
	unsigned		 ike_rekey_ms;
	uint64_t		 ike_rekey_at;
	struct timer		 t_ike_rekey;
	/* The gateway tried to rekey the IKE SA: ours is due as soon as it
	 * may go, ike_rekey_ms 0 or not, until it succeeds. */
	int			 ike_rekey_due;
	uint64_t		 irk_spi;
	uint8_t			 irk_ni[NONCE_LEN];
	const struct xform_dh	*irk_dh;
	void			*irk_dhst;
	uint8_t			 irk_pub[XFORM_MAX_DH_PUB_LEN];

	struct ike_init_result	 res;
	int			 have_res;

	/* Scratch, off the stack. */
	struct ike_msg		 msg, inner;
	struct ike_pld_sa	 sa_pld;
	uint8_t			 rx[MSG_MAX];
};

/* ike_init.c: the monotonic time a timer callback runs at. */
uint64_t ike_init__clock_now(struct ike_init *sa, uint64_t deadline);
/* ike_init.c: an 8-byte SPI from network order. */
void	ike_init__spi_from_bytes(const uint8_t b[8], uint64_t *v);
/* ike_init.c: reports the end of the SA (or of its CHILD SA); the last
 * thing done with sa. */
void	ike_init__report_down(struct ike_init *sa, enum ike_init_down why);
/* ike_init.c: makes b (consumed) the outstanding request of kind k and
 * sends it. Returns 0 or a timer error. */
int	ike_init__send_request(struct ike_init *sa, enum req_kind k,
	    uint8_t exch, struct buf *b);
/* ike_init.c: the outstanding request got its response. */
void	ike_init__req_done(struct ike_init *sa);
/* ike_init.c: starts a protected request (msgid sa->msgid) or response
 * (msgid given) of exchange exch in *bp (returned owned). */
int	ike_init__msg_begin(struct ike_init *sa, uint8_t exch, int response,
	    uint32_t msgid, struct buf **bp, struct ike_chain *c);
/* ike_init.c: a DELETE of the IKE SA (established) or an
 * AUTHENTICATION_FAILED, sent once without waiting for an answer. */
void	ike_init__abandon(struct ike_init *sa, int established);
/* ike_init.c: reads narrowed selectors t, each within one of ours. */
int	ike_init__read_ts(const struct ike_pld_ts *t,
	    const struct child_sa_sel *ours, size_t nours,
	    struct child_sa_sel *out, size_t *n);
/* ike_init.c: the DELETE the user asked for while a request was in
 * flight goes now; returns 1 when it did (or the SA ended). */
int	ike_init__delete_if_pending(struct ike_init *sa);

/* ike_init_rekey.c: arms our next CHILD SA / IKE SA rekey at at. */
void	ike_init__rekey_arm(struct ike_init *sa, uint64_t at);
void	ike_init__ike_rekey_arm(struct ike_init *sa, uint64_t at);
/* ike_init_rekey.c: the rekey timers. */
timer_fn ike_init__on_rekey;
timer_fn ike_init__on_ike_rekey;
/* ike_init_rekey.c: a rekey of ours failed; the SA stays. */
void	ike_init__rekey_failed(struct ike_init *sa, const char *why,
	    uint16_t notify);
void	ike_init__ike_rekey_failed(struct ike_init *sa, const char *why,
	    uint16_t notify);
/* ike_init_rekey.c: the responses to our CHILD SA rekey, to the DELETE
 * of the SA it replaced, and to our IKE SA rekey (req_done called). */
void	ike_init__handle_rekey_resp(struct ike_init *sa,
	    const struct ike_msg *m);
void	ike_init__handle_del_child_resp(struct ike_init *sa);
void	ike_init__handle_ike_rekey_resp(struct ike_init *sa,
	    const struct ike_msg *m);
/* ike_init_rekey.c: the replaced CHILD SA is gone on both sides. */
void	ike_init__retire_old(struct ike_init *sa);
/* ike_init_rekey.c: the gateway's CHILD SA rekey in m: the response's
 * payloads into c and the new SA into *nc; 0, an error notify (with
 * *grp for INVALID_KE_PAYLOAD) or ANSWER_NONE. */
uint16_t ike_init__answer_rekey(struct ike_init *sa, const struct ike_msg *m,
	    struct ike_chain *c, struct child_sa *nc, uint16_t *grp);
/* ike_init_rekey.c: the gateway's rekey of the IKE SA was answered
 * TEMPORARY_FAILURE: ours goes at once instead. */
void	ike_init__ike_rekey_instead(struct ike_init *sa);
/* ike_init_rekey.c: our answer to the gateway's rekey went out: nc
 * (consumed) is the CHILD SA now. */
void	ike_init__take_gateway_rekey(struct ike_init *sa,
	    struct child_sa *nc);

#endif /* CORE_IKE_INIT_INT_H */
