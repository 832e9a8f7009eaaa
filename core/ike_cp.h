/*
 * ike_cp.h: the configuration payload of a remote-access responder (RFC
 * 7296 2.19, 3.15; RFC 8598 for INTERNAL_DNS_DOMAIN), and the client's
 * side of it at the end of this file.
 *
 * In IKE_AUTH the client sends a CFG_REQUEST listing what it wants,
 * mostly as empty attributes ("give me an address, DNS servers"); the
 * gateway answers with a CFG_REPLY. ike_cp_parse_req() reduces the
 * request to what was asked; the caller then allocates addresses from
 * its pool (this module allocates nothing) and ike_cp_add_reply() writes
 * the reply from the assignment and the policy.
 *
 * What goes into the reply, in this order:
 *  - INTERNAL_IP4_ADDRESS / INTERNAL_IP6_ADDRESS (address and prefix
 *    length 128): the assigned addresses;
 *  - INTERNAL_IP4_NETMASK 255.255.255.255: only when asked for, with an
 *    IPv4 address (3.15.1: it accompanies INTERNAL_IP4_ADDRESS; the client
 *    gets one address, not a network). strongSwan neither asks for it nor
 *    sends it;
 *  - INTERNAL_IP4_DNS / INTERNAL_IP6_DNS: the policy's servers of each
 *    family for which the client got an address (a server of the other
 *    family would be reached outside the tunnel, or not at all);
 *  - INTERNAL_DNS_DOMAIN: the policy's domain, in presentation format
 *    without a trailing NUL (RFC 8598 3.1);
 *  - INTERNAL_IP4_SUBNET / INTERNAL_IP6_SUBNET: the split include networks
 *    (3.15.2), of the families the client got an address of;
 *  - APPLICATION_VERSION "ikegate VERSION": only when asked for;
 *  - SUPPORTED_ATTRIBUTES: only when asked for: the types above and the
 *    caller's extra types;
 *  - the caller's extra attributes (e.g. the resumption session-id),
 *    verbatim.
 * DNS, domain and split networks are pushed whether or not they were
 * requested: they are the policy. Nothing else is sent unasked.
 *
 * Nothing here logs.
 */
#ifndef CORE_IKE_CP_H
#define CORE_IKE_CP_H

#include <stddef.h>
#include <stdint.h>

#include "core/cfg.h"
#include "core/ike_pld.h"
#include "core/pool.h"

#define IKE_CP_WUR	__attribute__((warn_unused_result))

/* Most caller-defined attribute types ike_cp_parse_req looks for. */
#define IKE_CP_MAX_EXTRA	16
/* Longest client APPLICATION_VERSION kept, in bytes. */
#define IKE_CP_APPVER_MAX	64

/*
 * What a CFG_REQUEST asked for. asked has bit t set when an attribute of
 * type t (< 32: every RFC 7296 and RFC 8598 type) was present; extra
 * lists the caller's extra types that were present, in the caller's
 * order. v4/v6 hold a specific address the client asked for (family 0
 * when none, or when it sent the unspecified address); the gateway may
 * ignore them. app_version is the client's APPLICATION_VERSION, cut to
 * IKE_CP_APPVER_MAX bytes, non-printable bytes replaced by '?', "" when
 * absent.
 */
struct ike_cp_req {
	uint32_t	 asked;
	uint16_t	 extra[IKE_CP_MAX_EXTRA];
	size_t		 nextra;
	struct pool_addr v4;
	struct pool_addr v6;
	uint8_t		 v6_prefix;
	char		 app_version[IKE_CP_APPVER_MAX + 1];
};

/*
 * Reads the decoded CP payload cp (borrowed) into *out. extra (borrowed,
 * nextra entries; may be NULL when nextra is 0) lists attribute types
 * beyond RFC 7296 / RFC 8598 to look for (e.g. the resumption session-id
 * and token types of the profile). Unknown types not in extra are
 * ignored (3.15.1: a responder ignores attributes it does not support).
 * Returns 0; -E_NOTSUP when cp is not a CFG_REQUEST; -E_INVAL when nextra
 * is above IKE_CP_MAX_EXTRA; -E_BADLEN for an address attribute of a
 * wrong length (which ike_pld_parse_cp already refuses). Does not log.
 */
int	ike_cp_parse_req(const struct ike_pld_cp *cp, const uint16_t *extra,
	    size_t nextra, struct ike_cp_req *out) IKE_CP_WUR;

/* Returns 1 when r (borrowed) contains an attribute of type type (a
 * standard type, or one of the extra types given to the parse). */
int	ike_cp_asked(const struct ike_cp_req *r, uint16_t type);

/* Returns 1 when r asked for an inner address of family (AF_INET:
 * INTERNAL_IP4_ADDRESS, AF_INET6: INTERNAL_IP6_ADDRESS). */
int	ike_cp_wants_addr(const struct ike_cp_req *r, int family);

/*
 * Returns 1 when the caller must answer INTERNAL_ADDRESS_FAILURE (RFC
 * 7296 3.10.1) instead of a CFG_REPLY: r asked for at least one address
 * and the caller could assign none of the families asked for (got_v4,
 * got_v6: nonzero when an address of that family was allocated). Getting
 * only some of them (IPv4 but not IPv6) is not a failure: the reply
 * carries what was assigned, as strongSwan does.
 */
int	ike_cp_addr_failed(const struct ike_cp_req *r, int got_v4,
	    int got_v6);

/* What the caller assigned: an IPv4 and an IPv6 address (NULL: none),
 * and extra attributes appended verbatim (borrowed; types below 32768). */
struct ike_cp_assign {
	const struct pool_addr		*v4;
	const struct pool_addr		*v6;
	const struct ike_pld_cp_attr	*extra;
	size_t				 nextra;
};

/*
 * Appends a CFG_REPLY payload to ch (borrowed) answering req (borrowed)
 * with the assignment a (borrowed) and the policy pol (borrowed; NULL for
 * none), as described at the top of this file. Returns 0; -E_INVAL (an
 * address of the wrong family, a domain longer than 65535 bytes, an extra
 * attribute type of 32768 or more); -E_TOOMANY (more than
 * IKE_PLD_MAX_CP_ATTRS attributes, e.g. a very long split list); or an
 * ike_pld_add_cp error. Does not log.
 */
int	ike_cp_add_reply(struct ike_chain *ch, const struct ike_cp_req *req,
	    const struct cfg_policy *pol, const struct ike_cp_assign *a)
	    IKE_CP_WUR;

/*
 * The initiator's side (3.15, 3.15.1): a client asks with empty
 * attributes and reads the gateway's answer.
 */

/* Most DNS servers and split networks ike_cp_parse_reply keeps; further
 * ones are ignored. */
#define IKE_CP_MAX_DNS		CFG_MAX_DNS
#define IKE_CP_MAX_SPLIT	32

/*
 * Appends a CFG_REQUEST payload to ch (borrowed) holding one empty
 * attribute of each of types[0..ntypes) (borrowed, in that order; each
 * below 32768), e.g. INTERNAL_IP4_ADDRESS, INTERNAL_IP4_DNS and the
 * resumption attribute types. Returns 0, -E_INVAL (a type of 32768 or
 * more), -E_TOOMANY (more than IKE_PLD_MAX_CP_ATTRS) or an ike_pld_add_cp
 * error. Does not log.
 */
int	ike_cp_add_request(struct ike_chain *ch, const uint16_t *types,
	    size_t ntypes) IKE_CP_WUR;

/* A network: addr with its host bits cleared, prefix length len. */
struct ike_cp_net {
	struct pool_addr addr;
	unsigned	 len;
};

/*
 * What a CFG_REPLY gave. v4 and v6 are the first non-empty
 * INTERNAL_IP4_ADDRESS / INTERNAL_IP6_ADDRESS (family 0 when absent; v6
 * with its prefix length); dns the INTERNAL_IP4_DNS and INTERNAL_IP6_DNS
 * servers in order; domain the first non-empty INTERNAL_DNS_DOMAIN (RFC
 * 8598 3.1; empty when none), borrowed from the payload; split the
 * INTERNAL_IP4_SUBNET and INTERNAL_IP6_SUBNET networks (3.15.2) in
 * order, without duplicates; extra the first non-empty attribute of each
 * caller's extra type, values borrowed from the payload, in the order
 * they came.
 */
struct ike_cp_reply {
	struct pool_addr v4;
	struct pool_addr v6;
	uint8_t		 v6_prefix;
	struct pool_addr dns[IKE_CP_MAX_DNS];
	size_t		 ndns;
	struct span	 domain;
	struct ike_cp_net split[IKE_CP_MAX_SPLIT];
	size_t		 nsplit;
	struct ike_pld_cp_attr extra[IKE_CP_MAX_EXTRA];
	size_t		 nextra;
};

/*
 * Reads the decoded CP payload cp (borrowed) of an IKE_AUTH response
 * into *out. extra (borrowed, nextra entries; NULL when 0) lists the
 * private-use types to keep (the session-id and token). Attributes are
 * checked beyond the decoder: an address of the wrong length is
 * -E_BADLEN; an unspecified address, an IPv4 subnet whose mask is not
 * contiguous or an IPv6 prefix length above 128 is skipped, as are
 * attributes of types we do not know (3.15.1). Returns 0; -E_NOTSUP when
 * cp is not a CFG_REPLY; -E_INVAL when nextra is above IKE_CP_MAX_EXTRA.
 * Does not log.
 */
int	ike_cp_parse_reply(const struct ike_pld_cp *cp, const uint16_t *extra,
	    size_t nextra, struct ike_cp_reply *out) IKE_CP_WUR;

#endif /* CORE_IKE_CP_H */
