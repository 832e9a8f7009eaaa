/*
 * cfg.h: the configuration, parsed from INI text into an immutable tree.
 *
 * cfg_load() reads one file with the system inih (ini_parse_stream, with
 * our own reader so that line numbers are known), builds a NEW struct cfg,
 * validates it as a whole (required keys, cross-key rules, references
 * between sections, overlapping pools) and returns it only when nothing
 * is wrong. Every problem is reported, not just the first, one line each:
 *
 *	FILE:LINE: message, with the offending value in "quotes"
 *	FILE: message			(no line: the file as a whole)
 *
 * sorted by line. Secret values (psk, password, nt_hash) are never
 * printed, not even when they are malformed. The module is
 * named cfg, not config, because core/config.h would shadow the config.h
 * that configure generates for every #include "config.h" in core/.
 *
 * A struct cfg never changes after cfg_load returns it: SIGHUP loads a new
 * one and swaps it in. Every pointer handed out by the accessors below is
 * owned by the cfg and valid until cfg_free. The structs are transparent
 * so that the protocol code can read them; treat them as read-only.
 * Nothing here logs: errors go to the errfp the caller gives.
 *
 * The file format, every section and key, and their defaults are
 * documented in ikegate.ini(5).
 */
#ifndef CORE_CFG_H
#define CORE_CFG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/log.h"
#include "core/span.h"

#define CFG_WUR		__attribute__((warn_unused_result))

/* Longest section name ("[profile NAME]", "[user NAME]"), in bytes. */
#define CFG_NAME_MAX		64
/* Largest configuration file accepted, in bytes. */
#define CFG_FILE_MAX		(1u << 20)
/* Most entries in one list value (dns) and in repeatable lists. */
#define CFG_MAX_DNS		8
#define CFG_MAX_LIST		256
/* Most split_include networks of a policy. Each is an attribute of the
 * CFG_REPLY and a TSr selector, and a payload carries at most 64 of
 * either (IKE_PLD_MAX_CP_ATTRS, IKE_PLD_MAX_TS); core/ike_cp.c checks
 * that the other attributes of a reply fit beside them. */
#define CFG_MAX_SPLIT		48
/* Most data-plane threads (dataplane_threads); each owns a TUN queue. */
#define CFG_THREADS_MAX		64
/* rx_coalesce_usecs: its default and its most. */
#define CFG_RX_COALESCE_DEFAULT	100
#define CFG_RX_COALESCE_MAX	1000
/* cookie_threshold: its default (strongSwan's), its most, and "off". */
#define CFG_COOKIES_DEFAULT	30
#define CFG_COOKIES_MAX		1000000
#define CFG_COOKIES_OFF		0xffffffffu
/* Default CP attribute types of the resumption session-id and token:
 * ikegate's own numbers in the private-use range (RFC 7296 3.15.1),
 * clear of the Cisco Unity block (28672-28683). */
#define CFG_SESSION_ID_ATTR	24576
#define CFG_SESSION_TOKEN_ATTR	24577

/*
 * An IP address: family is AF_INET or AF_INET6; a holds the address in
 * network byte order, a[0..3] for IPv4 (the rest zero). Same layout as
 * struct pool_addr.
 */
struct cfg_addr {
	int		 family;
	uint8_t		 a[16];
};

/* A network: addr has no host bits set; len is 0..32 or 0..128. */
struct cfg_prefix {
	struct cfg_addr	 addr;
	unsigned	 len;
};

/* IKEv2 identification types (RFC 7296 3.5). */
enum cfg_id_type {
	CFG_ID_NONE		= 0,	/* unset */
	CFG_ID_IPV4_ADDR	= 1,
	CFG_ID_FQDN		= 2,
	CFG_ID_RFC822_ADDR	= 3,
	CFG_ID_IPV6_ADDR	= 5,
	CFG_ID_DER_ASN1_DN	= 9,
	CFG_ID_KEY_ID		= 11,
};

/*
 * An identity. data holds the ID payload body for IPv4/IPv6 (4/16 bytes),
 * FQDN, RFC822 and KEY_ID (the text as given, no NUL counted in len but
 * one present after it). For CFG_ID_DER_ASN1_DN it holds the DN as text
 * ("CN=vpn.example.com, O=Example"): the IKE code encodes it, or uses the
 * certificate's subject when they agree.
 */
struct cfg_id {
	enum cfg_id_type type;
	uint8_t		*data;
	size_t		 len;
};

enum cfg_auth {
	CFG_AUTH_NONE = 0,
	CFG_AUTH_RSA_SIG,	/* local: RSA signature (RFC 7296 3.8, 7427) */
	CFG_AUTH_ECDSA_SIG,	/* local: ECDSA signature (RFC 4754, 7427) */
	CFG_AUTH_PSK,		/* shared key MAC (RFC 7296 2.15) */
	CFG_AUTH_EAP_MSCHAPV2,	/* remote: EAP-MSCHAPv2 (RFC 2759) */
	CFG_AUTH_CERT,		/* remote: any signature with a certificate */
};

enum cfg_esn {
	CFG_ESN_NO = 0,		/* 32-bit sequence numbers only */
	CFG_ESN_YES,		/* extended (64-bit) only, RFC 4303 2.2.1 */
	CFG_ESN_BOTH,		/* either, in the client's order */
};

/* An encryption transform: id is XFORM_ENCR_* (AES-GCM means the 16-byte
 * ICV variant), key_bits 128 or 256 (256 for ChaCha20-Poly1305, whose
 * fixed key size is not sent as a Key Length attribute, RFC 7634 2). */
struct cfg_encr {
	uint16_t	 id;
	uint16_t	 key_bits;
};

#define CFG_MAX_ENCR	5
#define CFG_MAX_INTEG	3
#define CFG_MAX_GROUP	5

/*
 * [proposal NAME]: IKE SA transforms, in order of preference. integ is
 * empty when every cipher is an AEAD; prf is never empty (defaulted from
 * integ, or sha256 and sha384 for AEAD-only proposals). Lists that mix
 * AEAD and CBC ciphers must become separate IKE proposals on the wire
 * (RFC 7296 3.3).
 */
struct cfg_proposal {
	char		*name;
	unsigned	 line;		/* 0 for the built-in default */
	struct cfg_encr	 encr[CFG_MAX_ENCR];
	size_t		 nencr;
	uint16_t	 integ[CFG_MAX_INTEG];	/* XFORM_INTEG_* */
	size_t		 ninteg;
	uint16_t	 prf[CFG_MAX_INTEG];	/* XFORM_PRF_* */
	size_t		 nprf;
	uint16_t	 group[CFG_MAX_GROUP];	/* XFORM_DH_* */
	size_t		 ngroup;
};

/* [esp NAME]: CHILD SA transforms; pfs is 0 (none) or an XFORM_DH_*;
 * lifetime in seconds, lifetime_kb in kilobytes each way (1024 bytes). */
struct cfg_esp {
	char		*name;
	unsigned	 line;		/* 0 for the built-in default */
	struct cfg_encr	 encr[CFG_MAX_ENCR];
	size_t		 nencr;
	uint16_t	 integ[CFG_MAX_INTEG];
	size_t		 ninteg;
	enum cfg_esn	 esn;
	unsigned	 lifetime;
	unsigned	 lifetime_kb;	/* 0: no volume limit */
	uint16_t	 pfs;
};

/*
 * One segment of a pool, the input of pool_add_range / pool_add_cidr:
 * for a network (is_net), first is the network address and len its
 * prefix length; last is always the highest address the segment spans.
 */
struct cfg_pool_seg {
	int		 is_net;
	struct cfg_addr	 first;
	struct cfg_addr	 last;
	unsigned	 len;
	unsigned	 line;
};

/* [pool NAME]: segments of both families, single excluded addresses. */
struct cfg_pool {
	char		*name;
	unsigned	 line;
	struct cfg_pool_seg *seg;
	size_t		 nseg;
	struct cfg_addr	*exclude;
	size_t		 nexclude;
	int		 sticky;
};

/* [policy NAME]: what a client is given (CFG_REPLY attributes). banner is
 * NULL or the lines of the banner joined by "\n"; domain is NULL when
 * unset; nsplit 0 means everything goes through the tunnel. */
struct cfg_policy {
	char		*name;
	unsigned	 line;
	const struct cfg_pool *pool;
	struct cfg_addr	 dns[CFG_MAX_DNS];
	size_t		 ndns;
	char		*domain;
	struct cfg_prefix *split;
	size_t		 nsplit;
	char		*banner;
};

/* One "match =" line of a profile. For address matches, prefix is used;
 * for the others, pattern is the text with '*' wildcards (NUL-terminated,
 * length plen). type CFG_ID_NONE means "any". */
struct cfg_match {
	enum cfg_id_type type;
	char		*pattern;
	size_t		 plen;
	struct cfg_prefix prefix;
	unsigned	 line;
};

/*
 * [profile NAME]: which clients it serves (match, OR-ed), how both sides
 * authenticate, and what they get. proposal, esp and policy are resolved
 * (never NULL). psk is NULL unless set. reconnect_timeout 0 means no
 * session resumption. dpd_interval 0 means no dead peer detection;
 * otherwise the gateway checks a peer it has not heard from for
 * dpd_interval seconds and retransmits the check every dpd_retry seconds
 * (the two numbers of IOS "dpd INTERVAL RETRY-INTERVAL"). lifetime is the
 * IKE SA lifetime in seconds.
 */
struct cfg_profile {
	char		*name;
	unsigned	 line;
	struct cfg_match *match;
	size_t		 nmatch;
	enum cfg_auth	 local_auth;
	enum cfg_auth	 remote_auth;
	uint8_t		*psk;		/* secret */
	size_t		 psk_len;
	char		*ca;
	struct cfg_id	 local_id;	/* CFG_ID_NONE: [gateway]'s applies */
	const struct cfg_proposal *proposal;
	const struct cfg_esp *esp;
	const struct cfg_policy *policy;
	unsigned	 lifetime;
	unsigned	 reconnect_timeout;
	unsigned	 dpd_interval;
	unsigned	 dpd_retry;
	uint16_t	 session_id_attr;
	uint16_t	 session_token_attr;
};

/* [user NAME]: a local account for EAP-MSCHAPv2. Exactly one of password
 * (UTF-8, at most 256 UTF-16 code units, RFC 2759 8.3) and nt_hash (MD4
 * of the UTF-16LE password, RFC 2759 8.3 NtPasswordHash) is set;
 * has_nt_hash tells which. policy is NULL unless the user overrides the
 * profile's. */
struct cfg_user {
	char		*name;
	unsigned	 line;
	char		*password;	/* secret */
	size_t		 password_len;
	uint8_t		 nt_hash[16];	/* secret */
	int		 has_nt_hash;
	const struct cfg_policy *policy;
};

/* [gateway]: process-wide settings. Paths are absolute or relative to the
 * current directory (a relative path in the file is resolved against the
 * file's directory); certificate, private_key and user are NULL when
 * unset. log_level[sub] is the level of each SUB_* subsystem.
 * dataplane_threads is 1..CFG_THREADS_MAX, or 0 for "auto" (the default:
 * as many as the CPUs the daemon may run on, which the daemon counts).
 * rx_coalesce_usecs is 0..CFG_RX_COALESCE_MAX (0: no read pacing).
 * cookie_threshold is 0..CFG_COOKIES_MAX half-open IKE SAs (0: always ask
 * for a cookie), or CFG_COOKIES_OFF. */
struct cfg_gateway {
	struct cfg_addr	 address;
	uint16_t	 port;
	uint16_t	 nat_port;
	char		*crypto;	/* "auto" or "name,name" */
	char		*certificate;
	char		*private_key;
	struct cfg_id	 local_id;
	char		*control_socket;
	char		*user;
	char		*tun;
	enum log_level	 log_level[SUB__MAX];
	unsigned	 half_open_timeout;
	unsigned	 dataplane_threads;
	unsigned	 rx_coalesce_usecs;
	unsigned	 cookie_threshold;
};

struct cfg;

/*
 * Reads and checks the INI file at path (borrowed). On success returns 0
 * and a new configuration in *out (returned owned: cfg_free it). On
 * failure *out is set to NULL and every problem found is written to errfp
 * (borrowed; NULL to stay silent) as described above; returns -E_CONFIG
 * (the file cannot be opened or read, or is invalid) or -E_NOMEM. When
 * nerr is not NULL it receives the number of problems (0 on success).
 * Does not log.
 */
int	cfg_load(const char *path, struct cfg **out, FILE *errfp,
	    unsigned *nerr) CFG_WUR;

/*
 * Same as cfg_load for the NUL-terminated INI text (borrowed). name
 * (borrowed) is used in messages and, when it contains a '/', its
 * directory anchors relative paths, as a file's would.
 */
int	cfg_load_string(const char *name, const char *text, struct cfg **out,
	    FILE *errfp, unsigned *nerr) CFG_WUR;

/* Frees c and everything it owns, wiping secrets first. NULL is a no-op. */
void	cfg_free(struct cfg *c);

/* Returns the name c was loaded from (owned by c). */
const char *cfg_source(const struct cfg *c);

/* Returns the [gateway] settings (defaults when the section is absent). */
const struct cfg_gateway *cfg_gateway(const struct cfg *c);

/* Returns the number of profiles, and the i-th in file order (NULL when
 * i is out of range). There is always at least one profile. */
size_t	cfg_profile_count(const struct cfg *c);
const struct cfg_profile *cfg_profile_at(const struct cfg *c, size_t i);

/*
 * Returns the first profile, in file order, with a match line that
 * accepts the client identity of IKEv2 ID type type (RFC 7296 3.5) and
 * payload body id (borrowed; network bytes), or NULL. key-id patterns
 * match bytes exactly, fqdn and email ones ignore ASCII case; '*' matches
 * any run of bytes, also an empty one. address matches accept ID_IPV4_ADDR
 * or ID_IPV6_ADDR bodies of exactly 4 or 16 bytes within the prefix.
 */
const struct cfg_profile *cfg_profile_match(const struct cfg *c,
	    enum cfg_id_type type, struct span id);

/* Returns the user whose name is exactly the bytes of name (borrowed;
 * e.g. the EAP identity), or NULL. */
const struct cfg_user *cfg_user_find(const struct cfg *c, struct span name);

/* Returns the policy that applies to user under profile p: the user's
 * own when set, else the profile's. user may be NULL. */
const struct cfg_policy *cfg_policy_for(const struct cfg_profile *p,
	    const struct cfg_user *user);

/* Return the section of that kind named name (borrowed), or NULL. The
 * built-in proposal and esp set are called "default" unless the file
 * defines its own [proposal default] or [esp default]. */
const struct cfg_pool *cfg_pool_find(const struct cfg *c, const char *name);
const struct cfg_policy *cfg_policy_find(const struct cfg *c,
	    const char *name);
const struct cfg_proposal *cfg_proposal_find(const struct cfg *c,
	    const char *name);
const struct cfg_esp *cfg_esp_find(const struct cfg *c, const char *name);

/* Returns the number of pools, and the i-th in file order (NULL when i is
 * out of range), for creating them at startup. */
size_t	cfg_pool_count(const struct cfg *c);
const struct cfg_pool *cfg_pool_at(const struct cfg *c, size_t i);

#endif /* CORE_CFG_H */
