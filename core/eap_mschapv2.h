/*
 * eap_mschapv2.h: EAP-MSCHAPv2, server (authenticator) side, the
 * MS-CHAPv2 computations it rests on, and the peer side (at the end).
 *
 * Wire format: draft-kamath-pppext-eap-mschapv2-02 2 (OpCode, MS-CHAPv2-ID,
 * MS-Length = EAP Length - 5, Value-Size, Value, Name; Success and Failure
 * Responses are the OpCode alone). Algorithms: RFC 2759 8. MSK: RFC 3079
 * 3.4 master keys, laid out as strongSwan's eap-mschapv2 plugin does (see
 * eap_mschapv2_msk_derive).
 *
 * The exchange, driven by the IKE layer one EAP message at a time:
 *   start    -> Challenge request (16 random bytes from xform_random)
 *   Response -> verified against the NT-Response computed from the user's
 *               NT hash, which a lookup callback supplies (or a plaintext
 *               password, hashed here, for users configured with one);
 *               right: Success request "S=<AuthenticatorResponse> M=...";
 *               wrong or unknown user: Failure request
 *               "E=691 R=0 C=<new challenge> V=3 M=Authentication failed"
 *   Success Response -> done: EAP-Success, the 64-byte MSK is available
 *   Failure Response -> done: EAP-Failure, no MSK
 *
 * One attempt only (R=0, no retry): strongSwan's client ends the
 * authentication on any Failure request whatever R says, Windows prompts
 * again only through a new IKE_AUTH anyway, and a retry would only give an
 * online guesser a second try per IKE SA. An unknown user follows the same
 * code path as a wrong password (with a random stand-in hash), so the wire
 * reply does not reveal whether a user exists.
 *
 * Needs SHA-1 from the crypto registry: call xform_init() first. Logs
 * nothing but debug lines without peer data; never logs passwords, hashes,
 * challenges or keys.
 */
#ifndef CORE_EAP_MSCHAPV2_H
#define CORE_EAP_MSCHAPV2_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/span.h"

#define EAP_MSCHAPV2_WUR		__attribute__((warn_unused_result))

#define EAP_MSCHAPV2_CHALLENGE_LEN	16	/* both challenges */
#define EAP_MSCHAPV2_RESPONSE_LEN	49	/* Response Value-Size */
#define EAP_MSCHAPV2_NT_HASH_LEN	16	/* NtPasswordHash */
#define EAP_MSCHAPV2_CHALLENGE_HASH_LEN	8
#define EAP_MSCHAPV2_NT_RESPONSE_LEN	24
#define EAP_MSCHAPV2_AUTH_RESPONSE_LEN	20	/* before hex encoding */
#define EAP_MSCHAPV2_MASTER_KEY_LEN	16
#define EAP_MSCHAPV2_MSK_LEN		64
#define EAP_MSCHAPV2_NAME_MAX		255	/* longest Name, both ways */
#define EAP_MSCHAPV2_PASSWORD_MAX	256	/* chars, RFC 2759 8.1 */

/* draft-kamath-pppext-eap-mschapv2-02 2: OpCodes. */
enum eap_mschapv2_opcode {
	EAP_MSCHAPV2_OP_CHALLENGE	= 1,
	EAP_MSCHAPV2_OP_RESPONSE	= 2,
	EAP_MSCHAPV2_OP_SUCCESS		= 3,
	EAP_MSCHAPV2_OP_FAILURE		= 4,
	EAP_MSCHAPV2_OP_CHANGE_PASSWORD	= 7,
};

/* Where the exchange stands after eap_mschapv2_process. */
enum eap_mschapv2_status {
	EAP_MSCHAPV2_CONTINUE,	/* out holds the next EAP Request */
	EAP_MSCHAPV2_SUCCESS,	/* out holds EAP-Success; MSK ready */
	EAP_MSCHAPV2_FAILURE,	/* out holds EAP-Failure */
};

/*
 * A user's credential, filled by the lookup callback: either the NT hash
 * (MD4 of the UTF-16LE password, as `ikectl hash-password` will print it),
 * or, when password.p is not NULL, the UTF-8 password itself, borrowed until
 * the callback's caller returns; the module then computes the NT hash. The
 * module wipes the struct after use.
 */
struct eap_mschapv2_cred {
	uint8_t		nt_hash[EAP_MSCHAPV2_NT_HASH_LEN];
	struct span	password;
};

/*
 * Looks up the user called name (the Response's Name field as received,
 * domain prefix included, borrowed) and fills *cred. Returns 0, -E_NOENT for
 * an unknown user (answered exactly like a wrong password), or another -E_*
 * to abort processing of this message.
 */
typedef int eap_mschapv2_lookup_fn(void *arg, struct span name,
    struct eap_mschapv2_cred *cred);

struct eap_mschapv2;

/*
 * Creates a server exchange. server_name (borrowed, copied) is the Name sent
 * in the Challenge: 1 to EAP_MSCHAPV2_NAME_MAX bytes. lookup and arg are
 * kept for eap_mschapv2_process. Returns 0 and the new object in *out
 * (returned owned), -E_INVAL for a bad name or NULL lookup, -E_NOMEM.
 */
int	eap_mschapv2_new(const char *server_name,
	    eap_mschapv2_lookup_fn *lookup, void *arg,
	    struct eap_mschapv2 **out) EAP_MSCHAPV2_WUR;

/* Wipes (challenges, MSK) and frees s; NULL is a no-op. */
void	eap_mschapv2_free(struct eap_mschapv2 *s);

/*
 * Draws a fresh challenge and appends the Challenge request with EAP
 * Identifier id (also used as MS-CHAPv2-ID) to out; later requests use the
 * following Identifiers. Returns 0, -E_STATE (already started), -E_NOTSUP
 * (no SHA-1 in the registry), -E_CRYPTO (RNG), -E_RANGE (out too small; out
 * is left as it was).
 */
int	eap_mschapv2_start(struct eap_mschapv2 *s, uint8_t id,
	    struct buf *out) EAP_MSCHAPV2_WUR;

/*
 * Processes one EAP message from the peer (in, borrowed: the whole EAP
 * packet) and, on 0, appends the reply to out and sets *st (see enum
 * eap_mschapv2_status). A message that is malformed or unexpected is
 * refused with the state and out unchanged, so the caller may drop it:
 * -E_SHORT, -E_BADLEN (EAP Length or MS-Length inconsistent, Value-Size not
 * 49), -E_TRAILING, -E_SYNTAX (not an EAP-MSCHAPv2 Response, unknown OpCode,
 * empty Name), -E_RANGE (Name longer than EAP_MSCHAPV2_NAME_MAX), -E_STATE
 * (wrong Identifier or MS-CHAPv2-ID, OpCode not expected now, exchange not
 * started or over), -E_NOTSUP (Nak or Change-Password: the peer will not
 * use this method). Errors from the lookup callback or the password
 * conversion are returned as they are, as are -E_CRYPTO and -E_RANGE (out
 * too small).
 */
int	eap_mschapv2_process(struct eap_mschapv2 *s, struct span in,
	    struct buf *out, enum eap_mschapv2_status *st) EAP_MSCHAPV2_WUR;

/* Copies the MSK to msk once the exchange ended in EAP_MSCHAPV2_SUCCESS;
 * -E_STATE otherwise. */
int	eap_mschapv2_msk(const struct eap_mschapv2 *s,
	    uint8_t msk[static EAP_MSCHAPV2_MSK_LEN]) EAP_MSCHAPV2_WUR;

/*
 * MS-CHAPv2 computations (RFC 2759 8, RFC 3079 3.4), exported for the
 * tests, for `ikectl hash-password` and for a future client. Those marked
 * "SHA-1" need xform_init() and return -E_NOTSUP without a SHA-1 entry.
 */

/*
 * NtPasswordHash (RFC 2759 8.3): MD4 of the password in UTF-16LE. password
 * is UTF-8 (ASCII is a subset); characters outside the Basic Multilingual
 * Plane are refused. Returns 0, -E_SYNTAX (invalid or overlong UTF-8, a
 * surrogate code point, NUL), -E_NOTSUP (non-BMP), -E_RANGE (more than
 * EAP_MSCHAPV2_PASSWORD_MAX characters). Note that strongSwan widens each
 * byte of its secret to 16 bits (ascii_to_unicode), which agrees with this
 * only for ASCII passwords.
 */
int	eap_mschapv2_nt_hash(struct span password,
	    uint8_t out[static EAP_MSCHAPV2_NT_HASH_LEN]) EAP_MSCHAPV2_WUR;

/* HashNtPasswordHash (RFC 2759 8.4): MD4 of the NT hash. */
void	eap_mschapv2_hash_nt_hash(
	    const uint8_t nt_hash[static EAP_MSCHAPV2_NT_HASH_LEN],
	    uint8_t out[static EAP_MSCHAPV2_NT_HASH_LEN]);

/* ChallengeHash (RFC 2759 8.2), SHA-1. username is the Name as received;
 * a "DOMAIN\" prefix up to the first backslash is left out, as RFC 2759
 * requires and strongSwan does. */
int	eap_mschapv2_challenge_hash(
	    const uint8_t peer_chal[static EAP_MSCHAPV2_CHALLENGE_LEN],
	    const uint8_t auth_chal[static EAP_MSCHAPV2_CHALLENGE_LEN],
	    struct span username,
	    uint8_t out[static EAP_MSCHAPV2_CHALLENGE_HASH_LEN])
	    EAP_MSCHAPV2_WUR;

/* ChallengeResponse (RFC 2759 8.5): three DES encryptions of challenge
 * under the zero-padded NT hash. */
void	eap_mschapv2_challenge_response(
	    const uint8_t challenge[static EAP_MSCHAPV2_CHALLENGE_HASH_LEN],
	    const uint8_t nt_hash[static EAP_MSCHAPV2_NT_HASH_LEN],
	    uint8_t out[static EAP_MSCHAPV2_NT_RESPONSE_LEN]);

/* GenerateNTResponse (RFC 2759 8.1), SHA-1. */
int	eap_mschapv2_nt_response(
	    const uint8_t auth_chal[static EAP_MSCHAPV2_CHALLENGE_LEN],
	    const uint8_t peer_chal[static EAP_MSCHAPV2_CHALLENGE_LEN],
	    struct span username,
	    const uint8_t nt_hash[static EAP_MSCHAPV2_NT_HASH_LEN],
	    uint8_t out[static EAP_MSCHAPV2_NT_RESPONSE_LEN]) EAP_MSCHAPV2_WUR;

/* GenerateAuthenticatorResponse (RFC 2759 8.7), SHA-1: the 20 bytes that
 * "S=" carries as 40 upper-case hex digits. */
int	eap_mschapv2_auth_response(
	    const uint8_t nt_hash[static EAP_MSCHAPV2_NT_HASH_LEN],
	    const uint8_t nt_response[static EAP_MSCHAPV2_NT_RESPONSE_LEN],
	    const uint8_t peer_chal[static EAP_MSCHAPV2_CHALLENGE_LEN],
	    const uint8_t auth_chal[static EAP_MSCHAPV2_CHALLENGE_LEN],
	    struct span username,
	    uint8_t out[static EAP_MSCHAPV2_AUTH_RESPONSE_LEN])
	    EAP_MSCHAPV2_WUR;

/* GetMasterKey (RFC 3079 3.4), SHA-1, from HashNtPasswordHash's output. */
int	eap_mschapv2_master_key(
	    const uint8_t nt_hash_hash[static EAP_MSCHAPV2_NT_HASH_LEN],
	    const uint8_t nt_response[static EAP_MSCHAPV2_NT_RESPONSE_LEN],
	    uint8_t out[static EAP_MSCHAPV2_MASTER_KEY_LEN]) EAP_MSCHAPV2_WUR;

/* GetAsymmetricStartKey (RFC 3079 3.4), SHA-1, 16-byte keys: the send
 * (is_send) or receive key of the server (is_server) or client. The
 * server's send key is the client's receive key and vice versa. */
int	eap_mschapv2_start_key(
	    const uint8_t master_key[static EAP_MSCHAPV2_MASTER_KEY_LEN],
	    int is_send, int is_server,
	    uint8_t out[static EAP_MSCHAPV2_MASTER_KEY_LEN]) EAP_MSCHAPV2_WUR;

/*
 * The EAP-MSCHAPv2 MSK, SHA-1: MasterReceiveKey | MasterSendKey | 32 zero
 * bytes, both keys in the server's orientation (receive = the client's send
 * key). This is what strongSwan's eap-mschapv2 plugin computes on either
 * side (GenerateMSK), so both ends of an exchange get the same 64 bytes.
 */
int	eap_mschapv2_msk_derive(
	    const uint8_t nt_hash[static EAP_MSCHAPV2_NT_HASH_LEN],
	    const uint8_t nt_response[static EAP_MSCHAPV2_NT_RESPONSE_LEN],
	    uint8_t out[static EAP_MSCHAPV2_MSK_LEN]) EAP_MSCHAPV2_WUR;

/*
 * The peer (client) side, for the initiator (core/ike_init): it answers
 * the authenticator's EAP-MSCHAPv2 requests one at a time.
 *   Challenge request -> our Response: a fresh Peer-Challenge and the
 *                        NT-Response (RFC 2759 8.1) over the user's NT
 *                        hash;
 *   Success request   -> the authenticator must prove it knows the
 *                        password: "S=" must hold the AuthenticatorResponse
 *                        (RFC 2759 8.7, compared in constant time). Then
 *                        our Success response, and the MSK is ready for
 *                        the EAP-Success that follows; else our Failure
 *                        response and EAP_MSCHAPV2_PEER_BAD_SERVER;
 *   Failure request   -> our Failure response, EAP_MSCHAPV2_PEER_REFUSED
 *                        (wrong user name or password; no retry, like the
 *                        server side).
 * The identity, Notification and Nak of EAP itself are the caller's.
 */
struct eap_mschapv2_peer;

/* Where the peer stands after eap_mschapv2_peer_process; out always holds
 * the response to send. */
enum eap_mschapv2_peer_status {
	EAP_MSCHAPV2_PEER_CONTINUE,	/* go on (after a Success request:
					 * the server was verified) */
	EAP_MSCHAPV2_PEER_REFUSED,	/* the server refused us */
	EAP_MSCHAPV2_PEER_BAD_SERVER,	/* the server's "S=" is wrong: it
					 * does not know the password */
};

/* A source of random bytes (xform_random's contract), for the
 * Peer-Challenge. */
typedef int eap_mschapv2_rand_fn(void *p, size_t n);

/*
 * Creates a peer for the user name (borrowed, copied; 1 to
 * EAP_MSCHAPV2_NAME_MAX bytes, sent as the Name and hashed without a
 * "DOMAIN\" prefix) with its NT hash (copied). rnd draws the
 * Peer-Challenge: NULL for xform_random, a fixed source in tests. Returns
 * 0 and the peer owned in *out, -E_INVAL, -E_NOMEM.
 */
int	eap_mschapv2_peer_new(struct span name,
	    const uint8_t nt_hash[static EAP_MSCHAPV2_NT_HASH_LEN],
	    eap_mschapv2_rand_fn *rnd, struct eap_mschapv2_peer **out)
	    EAP_MSCHAPV2_WUR;

/* Wipes (hash, responses, MSK) and frees p; NULL is a no-op. */
void	eap_mschapv2_peer_free(struct eap_mschapv2_peer *p);

/*
 * Processes one EAP Request of type EAP-MSCHAPv2 (in, borrowed: the whole
 * EAP packet) and, on 0, appends our Response (same Identifier) to out
 * and sets *st. A malformed or unexpected request is refused with the
 * state and out unchanged: -E_SHORT, -E_BADLEN (EAP Length or MS-Length
 * inconsistent, Value-Size not 16), -E_SYNTAX (not an EAP-MSCHAPv2
 * Request, unknown OpCode), -E_STATE (a Challenge after the first one, a
 * Success or Failure before our Response, anything after the end),
 * -E_NOTSUP (Change-Password); -E_CRYPTO (SHA-1 or the RNG), -E_RANGE
 * (out too small) as they come. Logs nothing.
 */
int	eap_mschapv2_peer_process(struct eap_mschapv2_peer *p, struct span in,
	    struct buf *out, enum eap_mschapv2_peer_status *st)
	    EAP_MSCHAPV2_WUR;

/* Copies the MSK (the layout of eap_mschapv2_msk_derive, the same as the
 * server's) once the server's "S=" was verified; -E_STATE otherwise. */
int	eap_mschapv2_peer_msk(const struct eap_mschapv2_peer *p,
	    uint8_t msk[static EAP_MSCHAPV2_MSK_LEN]) EAP_MSCHAPV2_WUR;

#endif /* CORE_EAP_MSCHAPV2_H */
