/*
 * ike_init.h: one IKEv2 SA as the initiator (RFC 7296), for a
 * remote-access client: IKE_SA_INIT, IKE_AUTH with EAP-MSCHAPv2, PSK, a
 * certificate or a session resume, the CHILD SA it creates, and the life
 * of the IKE SA afterwards (its liveness checks and DELETEs, in both
 * directions).
 *
 * Pure protocol code on the shared core (ike_msg, ike_keys, ike_sk,
 * ike_auth, ike_prop, ike_cp, child_sa, eap_mschapv2): no socket, no
 * libuv, no clock. Datagrams, their path and the monotonic time go in;
 * datagrams to send and events come out through struct ike_init_ops;
 * retransmissions and dead peer detection run on the caller's timer heap.
 * One struct ike_init is one IKE SA; a client opens a new one for each
 * connection attempt (after a failure, for a resume, for a fallback to a
 * full login).
 *
 * The exchanges:
 *  - IKE_SA_INIT (1.2): our proposals, KE for the first group we offer,
 *    Ni, NAT_DETECTION_SOURCE/DESTINATION_IP (2.23) and
 *    SIGNATURE_HASH_ALGORITHMS (RFC 7427 4). INVALID_KE_PAYLOAD naming
 *    another group we offered makes us retry with it (1.2, 3.4); COOKIE
 *    makes us resend with N(COOKIE) first and every other payload
 *    unchanged (2.6); NO_PROPOSAL_CHOSEN ends the attempt. When a NAT is
 *    detected, or NAT-T is forced, IKE_AUTH and everything after it go to
 *    the NAT-T port (2.23, RFC 3948).
 *  - IKE_AUTH (1.2, 2.15, 2.16): IDi, IDr when the gateway's identity is
 *    configured, CERTREQ when CA certificates are, CP(CFG_REQUEST) for an
 *    IPv4 and an IPv6 address (3.15.1; a gateway gives those its pools
 *    have), DNS servers of both families, the DNS domain and, on request,
 *    the resumption session-id and token (empty attributes); an ESP SA
 *    payload (AES-GCM-16, ChaCha20-Poly1305, AES-CBC with HMAC-SHA2),
 *    TSi 0.0.0.0/0 and ::/0 and TSr (configurable, 0.0.0.0/0 and ::/0 by
 *    default); the gateway's narrowed TSi must hold the addresses it
 *    gave. We authenticate by
 *      EAP-MSCHAPv2: no AUTH in the first request; EAP Identity, the
 *        MS-CHAPv2 Response (RFC 2759 8.1) from the password or its NT
 *        hash, a check of the gateway's "S=" authenticator response (RFC
 *        2759 8.7: a gateway that cannot prove it knows the password is
 *        refused), the Success response, then AUTH keyed with the MSK;
 *      PSK: a shared-key AUTH (2.15);
 *      a certificate: a signature (RFC 7427 when the gateway announced
 *        hashes, else the key's classic method) and CERT payloads;
 *      a resume (DESIGN.md step 4): IDi KEY_ID(session-id), a shared-key
 *        AUTH whose key is the token's ASCII bytes.
 *    The gateway must authenticate too: a signature, verified against
 *    its certificate chain to our CA certificates and with its identity
 *    (IDr) in the certificate and equal to the configured one, when set;
 *    or a shared-key AUTH, accepted only when we have a PSK configured.
 *    After EAP its final AUTH, keyed with the MSK, is checked as well.
 *  - Afterwards we are the requester for our own DPD (an empty
 *    INFORMATIONAL when nothing was heard for the interval, 1.4), our
 *    rekeys of the CHILD SA (CREATE_CHILD_SA with REKEY_SA, 1.3.3, then
 *    the DELETE of the old one, 2.8) and our DELETE; we are the
 *    responder for the gateway's requests (its DPD, its DELETEs, its
 *    rekeys of the CHILD SA, with PFS when it asks; any other
 *    CREATE_CHILD_SA is refused with NO_ADDITIONAL_SAS).
 *
 * Requests are retransmitted with exponential backoff (2.1, 2.4): the
 * same bytes after base, 2 * base, 4 * base ... ms, then the gateway is
 * declared unreachable. The window is one in each direction (2.3); the
 * last response we sent is cached and sent again, byte for byte, when the
 * gateway retransmits its request.
 *
 * Secrets (password, NT hash, PSK, token, keys, MSK) are copied into the
 * object, wiped on free and never logged; nor is the session-id. Logs go
 * to SUB_IKE: one info line per outcome, debug lines otherwise.
 */
#ifndef CORE_IKE_INIT_H
#define CORE_IKE_INIT_H

#include <stddef.h>
#include <stdint.h>

#include "core/cfg.h"
#include "core/child_sa.h"
#include "core/ike_cp.h"
#include "core/ike_prop.h"
#include "core/net.h"
#include "core/pool.h"
#include "core/span.h"
#include "core/timer.h"

#define IKE_INIT_WUR		__attribute__((warn_unused_result))

/* Most IKE proposals, TSr selectors, own certificates and CA
 * certificates a conf may carry. */
#define IKE_INIT_MAX_PROPS	8
#define IKE_INIT_MAX_TS		8
#define IKE_INIT_MAX_CERTS	4
#define IKE_INIT_MAX_CAS	8
/* Longest identity data (IDi, IDr), and PSK, session-id and token,
 * taken (bytes); an EAP identity is at most EAP_MSCHAPV2_NAME_MAX. */
#define IKE_INIT_ID_MAX		1024
#define IKE_INIT_SECRET_MAX	256
/* Longest DNS domain kept from a CFG_REPLY (RFC 1035 2.3.4), without the
 * NUL. */
#define IKE_INIT_DOMAIN_MAX	253
/* Retransmission defaults (2.1 leaves them to the implementation). */
#define IKE_INIT_RETX_BASE_MS	1000
#define IKE_INIT_RETX_TRIES	5
/* Default NAT-T port of the gateway (RFC 3948). */
#define IKE_INIT_NAT_PORT	4500

/* How we authenticate. */
enum ike_init_mode {
	IKE_INIT_EAP,		/* EAP-MSCHAPv2 (RFC 2759) */
	IKE_INIT_PSK,		/* shared key (2.15) */
	IKE_INIT_CERT,		/* certificate and signature */
	IKE_INIT_RESUME,	/* KEY_ID(session-id) + PSK(token) */
};

/*
 * The configuration of one IKE SA. Zero-initialize, then set what the
 * mode needs. Everything is copied by ike_init_new except the xform
 * objects (key, certs, cas), which are borrowed and must outlive the SA.
 */
struct ike_init_conf {
	enum ike_init_mode	 mode;
	/* Where to: path.local is our address and IKE port (as bound),
	 * path.remote the gateway's address and IKE port (500); natt 0.
	 * When NAT-T is used, the remote port becomes nat_port (0: 4500)
	 * and the local one local_nat_port (0: unchanged), with natt set:
	 * the caller's send() picks the socket and adds the non-ESP marker
	 * (RFC 3948 2.2). force_natt pretends we are behind a NAT (2.23: a
	 * fake NAT_DETECTION_SOURCE_IP), so that IKE and ESP use UDP
	 * encapsulation on any network. */
	struct net_path		 path;
	uint16_t		 nat_port;
	uint16_t		 local_nat_port;
	int			 force_natt;
	/* IDi (type IKE_ID_*, data). Type 0: for CERT, the certificate's
	 * subject DN; otherwise required (except RESUME, which always uses
	 * KEY_ID(session_id)). */
	uint8_t			 local_id_type;
	struct span		 local_id;
	/* The identity the gateway must show in IDr (type 0: any that its
	 * certificate names); also sent as IDr in the first IKE_AUTH. FQDN
	 * and RFC822 compare without ASCII case, other types byte for
	 * byte (a DN as its DER encoding). */
	uint8_t			 remote_id_type;
	struct span		 remote_id;
	/* EAP: the user name (EAP identity and MS-CHAPv2 Name), and the
	 * UTF-8 password, or its NT hash (RFC 2759 8.3) when nt_hash is not
	 * NULL (16 bytes). */
	struct span		 eap_identity;
	struct span		 password;
	const uint8_t		*nt_hash;
	/* PSK: our key (at least one byte). When set, in any mode but
	 * RESUME, a shared-key AUTH from the gateway is accepted and checked
	 * with it; otherwise the gateway must sign. */
	struct span		 psk;
	/* CERT: our private key (xform_sig object of the x509 backend) and
	 * certificates, end-entity first, then intermediates to send. */
	void			*key;
	void *const		*certs;
	size_t			 ncerts;
	/* The CA certificates the gateway's certificate must chain to (none:
	 * a signing gateway is refused). */
	void *const		*cas;
	size_t			 ncas;
	/* RESUME: the session-id and token a previous login received. */
	struct span		 session_id;
	struct span		 token;
	/* Ask for the session-id and token (always done in RESUME mode),
	 * with these CP attribute types (0: CFG_SESSION_ID_ATTR and
	 * CFG_SESSION_TOKEN_ATTR). */
	int			 want_session;
	uint16_t		 session_id_attr;
	uint16_t		 session_token_attr;
	/* Transforms, in preference order: ike[0..nike) (NULL or 0: the
	 * built-in list, AEADs then AES-CBC with HMAC-SHA2, groups ecp256,
	 * x25519, ecp384, ecp521, modp2048), esp (NULL: the same ciphers,
	 * no ESN). KE is made for the first group offered. */
	const struct cfg_proposal *const *ike;
	size_t			 nike;
	const struct cfg_esp	*esp;
	/* TSr: the networks to reach (NULL or 0: 0.0.0.0/0 and ::/0). */
	const struct child_sa_sel *tsr;
	size_t			 ntsr;
	/* Retransmissions: first wait (0: IKE_INIT_RETX_BASE_MS), doubled
	 * each time, and how many times a request is sent again (0:
	 * IKE_INIT_RETX_TRIES) before the gateway counts as unreachable. */
	unsigned		 retx_base_ms;
	unsigned		 retx_tries;
	/* Our dead peer detection: probe after this much silence (0: off). */
	unsigned		 dpd_ms;
	/* Rekey the CHILD SA this long after it was made (0: never; needs
	 * ops.child_rekeyed): CREATE_CHILD_SA with REKEY_SA, our ESP
	 * proposals with our groups and NONE, and a KE (PFS when the gateway
	 * wants it); then a DELETE of the old one (1.3.3). */
	unsigned		 rekey_ms;
	/* Rekey the IKE SA this long after it was made (0: never):
	 * CREATE_CHILD_SA with its algorithms, a new SPIi and KE (2.18); the
	 * new SA carries on, the CHILD SA with it, the old one is deleted. */
	unsigned		 ike_rekey_ms;
	/* How much each ESP SA of the CHILD SA may carry (0: no limit),
	 * put in child_sa.life_bytes of every CHILD SA made, for the data
	 * plane, whose volume events then call ike_init_rekey_child. */
	uint64_t		 life_bytes;
};

/* Where the SA stands. */
enum ike_init_state {
	IKE_INIT_S_IDLE,	/* created, not started */
	IKE_INIT_S_INIT,	/* IKE_SA_INIT request outstanding */
	IKE_INIT_S_AUTH,	/* first IKE_AUTH request outstanding */
	IKE_INIT_S_EAP,		/* EAP round trips */
	IKE_INIT_S_EAP_AUTH,	/* final AUTH (after EAP) outstanding */
	IKE_INIT_S_ESTABLISHED,
	IKE_INIT_S_DELETING,	/* our DELETE outstanding */
	IKE_INIT_S_DONE,	/* failed, deleted or dead: free it */
};

/* Why an attempt failed (the failed event). */
enum ike_init_error {
	IKE_INIT_ERR_TIMEOUT,		/* no answer: gateway unreachable */
	IKE_INIT_ERR_NO_PROPOSAL,	/* no common transforms or group */
	IKE_INIT_ERR_AUTH,		/* the gateway refused our
					 * credentials (wrong password...) */
	IKE_INIT_ERR_RESUME,		/* the gateway refused the resume:
					 * log in again in full */
	IKE_INIT_ERR_PEER_AUTH,		/* the gateway did not prove its
					 * identity: we refused it */
	IKE_INIT_ERR_CHILD,		/* IKE SA made but no CHILD SA (see
					 * the notify); it was deleted */
	IKE_INIT_ERR_PROTOCOL,		/* another error notify, or a
					 * malformed or unexpected reply */
	IKE_INIT_ERR_INTERNAL,		/* local failure (memory, crypto) */
};

/* Why an established SA ended, or lost its CHILD SA (the down event). */
enum ike_init_down {
	IKE_INIT_DOWN_DELETED,		/* the gateway deleted the IKE SA */
	IKE_INIT_DOWN_CHILD_DELETED,	/* the gateway deleted the CHILD SA;
					 * the IKE SA stays */
	IKE_INIT_DOWN_DEAD,		/* our liveness checks went
					 * unanswered */
	IKE_INIT_DOWN_CLOSED,		/* our DELETE completed (or went
					 * unanswered) */
};

/* A network of the CFG_REPLY's split include list. */
struct ike_init_net {
	struct pool_addr	 addr;
	unsigned		 len;
};

/*
 * What an established SA got. Owned by the SA (ike_init_result), valid
 * until ike_init_free. token is secret. child holds the CHILD SA: our
 * inbound SPI (spi_in, offered by us), the gateway's (spi_out), the ESP
 * transforms, the narrowed selectors (ts.i ours, ts.r the gateway's
 * side), the gateway's outer address and port (peer) and the keys, with
 * we_initiated = 1: our outbound ESP SA takes keys.encr_i/integ_i, the
 * inbound one encr_r/integ_r (RFC 7296 2.17; esp_sa_params_keys).
 * path is where IKE and ESP go (natt: UDP encapsulation on the NAT-T
 * port).
 */
struct ike_init_result {
	uint64_t		 spi_i, spi_r;
	struct pool_addr	 vip;		/* family 0: none assigned */
	struct pool_addr	 vip6;
	uint8_t			 vip6_prefix;
	struct pool_addr	 dns[IKE_CP_MAX_DNS];
	size_t			 ndns;
	char			 domain[IKE_INIT_DOMAIN_MAX + 1];
	struct ike_init_net	 split[IKE_CP_MAX_SPLIT];
	size_t			 nsplit;
	uint8_t			 session_id[IKE_INIT_SECRET_MAX];
	size_t			 session_id_len;	/* 0: none given */
	uint8_t			 token[IKE_INIT_SECRET_MAX];
	size_t			 token_len;
	struct child_sa		 child;
	struct net_path		 path;
	int			 nat_local;	/* we are behind a NAT */
	int			 nat_peer;	/* the gateway is */
	int			 resumed;	/* RESUME mode succeeded */
	char			 ike_algs[IKE_PROP_STRLEN];
	char			 esp_algs[IKE_PROP_STRLEN];
};

struct ike_init;

/*
 * How the SA talks to its owner. arg is passed back to each. An event
 * callback (established, failed, down) is the last thing the SA does in
 * that call, so it may ike_init_free the SA. send must not call into
 * this SA (queue or send the datagram).
 */
struct ike_init_ops {
	/* Sends dgram (borrowed for the call) along p. Required. */
	void	(*send)(void *arg, const struct net_path *p, struct span dgram);
	/* The IKE SA and its CHILD SA are up; res is the SA's own. */
	void	(*established)(void *arg, struct ike_init *sa,
		    const struct ike_init_result *res);
	/* The attempt failed before it was established; notify is the
	 * gateway's error notify type behind it, or 0. The SA is DONE. */
	void	(*failed)(void *arg, struct ike_init *sa,
		    enum ike_init_error err, uint16_t notify);
	/* An established SA ended (it is DONE), or lost its CHILD SA
	 * (IKE_INIT_DOWN_CHILD_DELETED: still ESTABLISHED, no CHILD SA). */
	void	(*down)(void *arg, struct ike_init *sa,
		    enum ike_init_down why);
	/* Optional (without it, no rekey is made or answered): a rekey
	 * made child (the SA's own, valid until the next rekey or
	 * ike_init_free), which replaces the CHILD SA with inbound SPI
	 * child->replaces: open what arrives on both until child_retired.
	 * send_now: our rekey, send on the new SA from now on; 0: the
	 * gateway's, keep sending on the old one until child_retired (the
	 * gateway deleted it, 2.8). Must not free sa. */
	void	(*child_rekeyed)(void *arg, struct ike_init *sa,
		    const struct child_sa *child, int send_now);
	/* Optional: the CHILD SA with inbound SPI spi_in that a rekey
	 * replaced is gone on the gateway too (or given up): remove it.
	 * Must not free sa. */
	void	(*child_retired)(void *arg, struct ike_init *sa,
		    uint32_t spi_in);
	/* Optional: 1 when our inbound SPI spi is in use elsewhere (other
	 * SAs of the same data plane). */
	int	(*spi_taken)(uint32_t spi, void *arg);
	/* Optional: the monotonic ms clock for timer callbacks (else the
	 * deadline of the timer that fired stands for "now"). */
	uint64_t (*now)(void *arg);
	/* Optional: Unix seconds for certificate validity (else time()). */
	int64_t	(*wall)(void *arg);
	void	*arg;
};

/* Counters of one SA. */
struct ike_init_stats {
	uint64_t	tx;		/* datagrams sent */
	uint64_t	retransmits;	/* of our requests */
	uint64_t	rx;		/* datagrams given to ike_init_input */
	uint64_t	rx_invalid;	/* dropped: malformed, bad ICV, ... */
	uint64_t	rx_retransmit;	/* the gateway's requests seen again */
	uint64_t	init_retries;	/* IKE_SA_INIT again: COOKIE,
					 * INVALID_KE_PAYLOAD */
	uint64_t	dpd_sent;
	uint64_t	child_rekeys;	/* ours and the gateway's */
	uint64_t	ike_rekeys;	/* ours */
};

/*
 * Creates an idle SA from conf (copied, see struct ike_init_conf) with
 * timers on th (borrowed) and the callbacks ops (copied). Draws SPIi and
 * computes the NT hash of a password. Returns 0 and the SA owned in *out;
 * -E_INVAL (conf incomplete for its mode, too long a field, a missing
 * send op), -E_SYNTAX / -E_NOTSUP / -E_RANGE (a password that cannot be
 * hashed, see eap_mschapv2_nt_hash), -E_NOMEM, -E_CRYPTO.
 */
int	ike_init_new(const struct ike_init_conf *conf, struct timer_heap *th,
	    const struct ike_init_ops *ops, struct ike_init **out) IKE_INIT_WUR;

/* Disarms the SA's timers, wipes every secret and frees sa, silently (no
 * DELETE is sent: see ike_init_delete). NULL is a no-op. */
void	ike_init_free(struct ike_init *sa);

/* Sends the IKE_SA_INIT request at monotonic time now_ms. Returns 0,
 * -E_STATE (already started), -E_NOENT (no usable proposal or group),
 * -E_NOMEM, -E_CRYPTO. Logs at debug. */
int	ike_init_start(struct ike_init *sa, uint64_t now_ms) IKE_INIT_WUR;

/*
 * Handles one IKE message (without the NAT-T marker) that arrived along
 * p at monotonic time now_ms, for this SA (the caller demultiplexes by
 * the Initiator's SPI, ike_init_spi). Anything invalid, unexpected or
 * failing its integrity check is counted and dropped (2.21); the
 * outcome of an exchange is reported through ops. dgram is borrowed for
 * the call.
 */
void	ike_init_input(struct ike_init *sa, struct span dgram,
	    const struct net_path *p, uint64_t now_ms);

/*
 * Starts the DELETE of an established IKE SA (a user disconnect, 1.4.1):
 * a DELETE payload for the IKE SA, retransmitted like any request;
 * ops.down(IKE_INIT_DOWN_CLOSED) follows when it is answered or given
 * up. Returns 0, or -E_STATE when the SA is not established (nothing is
 * sent: the gateway drops a half-made SA by itself; just free it).
 */
int	ike_init_delete(struct ike_init *sa, uint64_t now_ms) IKE_INIT_WUR;

/*
 * Rekeys the CHILD SA because its volume nears or reached its end (the
 * data plane's soft or hard limit), whatever rekey_ms says: at once, or
 * as soon as the request in flight and the DELETE of the SA the last
 * rekey replaced are done; failures are retried as for timed rekeys.
 * Returns 0 (also when a rekey is already under way), or -E_STATE when
 * the SA is not established or cannot rekey (no child_rekeyed op).
 */
int	ike_init_rekey_child(struct ike_init *sa, uint64_t now_ms)
	    IKE_INIT_WUR;

/* Tells the SA that an authenticated ESP packet of its CHILD SA arrived
 * at now_ms: the gateway is alive, dead peer detection waits. */
void	ike_init_alive(struct ike_init *sa, uint64_t now_ms);

/* Returns the Initiator's SPI (for demultiplexing) and, when spi_r is not
 * NULL, stores the Responder's (0 before IKE_SA_INIT completed). */
uint64_t ike_init_spi(const struct ike_init *sa, uint64_t *spi_r);

/* Returns the state of sa. */
enum ike_init_state ike_init_state(const struct ike_init *sa);

/* Returns what the SA got, or NULL before it was established. */
const struct ike_init_result *ike_init_result(const struct ike_init *sa);

/* Fills *st with the counters of sa. */
void	ike_init_stats(const struct ike_init *sa, struct ike_init_stats *st);

/* Static names for logs and messages; never NULL. */
const char *ike_init_state_name(enum ike_init_state s);
const char *ike_init_error_name(enum ike_init_error e);
const char *ike_init_down_name(enum ike_init_down d);

#endif /* CORE_IKE_INIT_H */
