/*
 * 5001-config: the INI configuration (core/cfg.c).
 *
 * The example etc/ikegate.ini parses to the expected values; defaults and
 * built-ins are what ikegate.ini(5) says; a table of broken snippets each
 * reports one error at the expected line with the expected words; several
 * errors in one file are all reported, sorted by line; the IOS reconnect
 * restriction on PSKs; dangling references; identity matching with
 * wildcards; secrets never appear in error output.
 */
#include "config.h"

#include <sys/socket.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cfg.h"
#include "core/err.h"
#include "core/xform.h"
#include "t/tap.h"

/* Loads text and returns what was printed (caller frees). */
static char *
load(const char *name, const char *text, int *rc, unsigned *nerr,
    struct cfg **out)
{
	struct cfg *c = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	if ((fp = open_memstream(&buf, &len)) == NULL) {
		perror("open_memstream");
		exit(1);
	}
	*rc = cfg_load_string(name, text, &c, fp, nerr);
	fclose(fp);
	if (out != NULL)
		*out = c;
	else
		cfg_free(c);
	return buf;
}

static int
has(const char *hay, const char *needle)
{
	return hay != NULL && strstr(hay, needle) != NULL;
}

/* [esp] lifetime_kilobytes: a number of kilobytes, or "off". */
static void
test_esp_volume(void)
{
	struct cfg *c;
	const struct cfg_esp *es;
	unsigned nerr;
	int rc;
	char *out;

	out = load("v.ini", "[esp a]\nencryption = aes-gcm-256\n"
	    "lifetime_kilobytes = 4608000\n[esp b]\nencryption = "
	    "aes-gcm-256\nlifetime_kilobytes = off\n"
	    "[pool p]\nrange = 198.18.20.5 - 198.18.20.10\n"
	    "[policy q]\npool = p\n[profile r]\nmatch = any\n"
	    "local_auth = psk\nremote_auth = psk\n"
	    "psk = VolumeProfileSecret-0042\npolicy = q\nesp = a\n", &rc,
	    &nerr, &c);
	ok(rc == 0 && (es = cfg_esp_find(c, "a")) != NULL &&
	    es->lifetime_kb == 4608000 && (es = cfg_esp_find(c, "b")) != NULL &&
	    es->lifetime_kb == 0, "lifetime_kilobytes: IOS's default, off");
	if (rc != 0)
		diag("%s", out);
	free(out);
	cfg_free(c);
}

static struct cfg_addr
addr(const char *s)
{
	struct cfg_addr a;

	memset(&a, 0, sizeof(a));
	a.family = strchr(s, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(a.family, s, a.a) != 1) {
		fprintf(stderr, "bad test address %s\n", s);
		exit(1);
	}
	return a;
}

static int
addr_is(const struct cfg_addr *a, const char *s)
{
	struct cfg_addr b = addr(s);

	return a->family == b.family && memcmp(a->a, b.a, 16) == 0;
}

static void
test_example(void)
{
	/* NtPasswordHash("example-password") = MD4 of its UTF-16LE form
	 * (RFC 2759 8.3), computed with OpenSSL's legacy MD4, which gives
	 * 44ebba8d5312b8d611474411f56989ae for "clientPass" as in the
	 * RFC 2759 9.2 example. */
	static const uint8_t nt[16] = { 0xbb, 0x7f, 0xaf, 0xd4, 0x5f, 0xab,
	    0xbd, 0xbd, 0x03, 0x5e, 0xcd, 0x5a, 0x7a, 0x78, 0xc0, 0x1d };
	static const uint8_t gw_ip[4] = { 198, 51, 100, 1 };
	const char *srcdir = getenv("SRCDIR");
	const struct cfg_gateway *gw;
	const struct cfg_proposal *pr;
	const struct cfg_esp *es;
	const struct cfg_pool *po;
	const struct cfg_policy *pl;
	const struct cfg_profile *pf;
	const struct cfg_user *u;
	struct cfg *c = NULL;
	char path[4096], want[4200];
	unsigned nerr = 99;
	int r;

	snprintf(path, sizeof(path), "%s/etc/ikegate.ini",
	    srcdir ? srcdir : ".");
	r = cfg_load(path, &c, stderr, &nerr);
	is_int(r, 0, "example: etc/ikegate.ini loads");
	is_int(nerr, 0, "example: no errors");
	if (c == NULL) {
		skip("example did not load");
		return;
	}
	is_str(cfg_source(c), path, "example: source name");

	gw = cfg_gateway(c);
	ok(addr_is(&gw->address, "198.51.100.1"), "gateway address");
	is_int(gw->port, 500, "gateway port");
	is_int(gw->nat_port, 4500, "gateway nat_port");
	is_str(gw->crypto, "auto", "gateway crypto");
	snprintf(want, sizeof(want), "%s/etc/ikegate-cert.pem",
	    srcdir ? srcdir : ".");
	is_str(gw->certificate, want, "certificate resolved against the "
	    "file's directory");
	snprintf(want, sizeof(want), "%s/etc/private/ikegate-key.pem",
	    srcdir ? srcdir : ".");
	is_str(gw->private_key, want, "private_key resolved");
	is_int(gw->local_id.type, CFG_ID_IPV4_ADDR, "local_id type");
	ok(gw->local_id.len == 4 && memcmp(gw->local_id.data, gw_ip, 4) == 0,
	    "local_id is 198.51.100.1");
	is_str(gw->tun, "ikeg0", "tun");
	is_int(gw->half_open_timeout, 30, "half_open_timeout");
	is_int(gw->log_level[SUB_IKE], LOGL_INFO, "log_level");

	pr = cfg_proposal_find(c, "default");
	ok(pr != NULL && pr->line > 0, "[proposal default] from the file "
	    "replaces the built-in");
	if (pr != NULL) {
		ok(pr->nencr == 1 && pr->encr[0].id == XFORM_ENCR_AES_CBC &&
		    pr->encr[0].key_bits == 256, "proposal: aes-cbc-256");
		ok(pr->ninteg == 2 &&
		    pr->integ[0] == XFORM_INTEG_HMAC_SHA2_512_256 &&
		    pr->integ[1] == XFORM_INTEG_HMAC_SHA2_384_192,
		    "proposal: integrity sha512 sha384, in order");
		ok(pr->nprf == 2 && pr->prf[0] == XFORM_PRF_HMAC_SHA2_512 &&
		    pr->prf[1] == XFORM_PRF_HMAC_SHA2_384,
		    "proposal: prf derived from integrity");
		ok(pr->ngroup == 3 && pr->group[0] == XFORM_DH_ECP256 &&
		    pr->group[1] == XFORM_DH_MODP2048 &&
		    pr->group[2] == XFORM_DH_ECP521,
		    "proposal: groups 19 14 21, in order");
	}
	es = cfg_esp_find(c, "TSET");
	ok(es != NULL, "[esp TSET]");
	if (es != NULL) {
		ok(es->nencr == 1 && es->encr[0].id == XFORM_ENCR_AES_CBC &&
		    es->encr[0].key_bits == 256 && es->ninteg == 1 &&
		    es->integ[0] == XFORM_INTEG_HMAC_SHA2_384_192,
		    "esp: aes-cbc-256 + sha384");
		ok(es->esn == CFG_ESN_NO && es->lifetime == 3600 &&
		    es->pfs == 0, "esp: esn no, lifetime 3600, no pfs");
	}
	ok(cfg_esp_find(c, "default") != NULL &&
	    cfg_esp_find(c, "default")->line == 0,
	    "built-in esp default still exists");

	po = cfg_pool_find(c, "ACPPOOL");
	is_int(cfg_pool_count(c), 1, "one pool");
	ok(po != NULL && cfg_pool_at(c, 0) == po && po->nseg == 1 &&
	    !po->seg[0].is_net && addr_is(&po->seg[0].first, "198.18.20.5") &&
	    addr_is(&po->seg[0].last, "198.18.20.10") && !po->sticky,
	    "pool: range 198.18.20.5 - 198.18.20.10, not sticky");

	pl = cfg_policy_find(c, "ikev2-auth-policy");
	ok(pl != NULL && pl->pool == po, "policy: pool resolved");
	if (pl != NULL) {
		is_str(pl->domain, "example.com", "policy: domain");
		ok(pl->nsplit == 1 && pl->split[0].len == 24 &&
		    addr_is(&pl->split[0].addr, "198.18.10.0"),
		    "policy: split_include 198.18.10.0/24");
		ok(pl->ndns == 0 && pl->banner == NULL, "policy: no dns, "
		    "no banner");
	}

	is_int(cfg_profile_count(c), 1, "one profile");
	pf = cfg_profile_at(c, 0);
	ok(pf != NULL && strcmp(pf->name, "AnyConnect-EAP") == 0,
	    "profile AnyConnect-EAP");
	ok(cfg_profile_at(c, 1) == NULL, "cfg_profile_at past the end");
	if (pf != NULL) {
		ok(pf->nmatch == 1 && pf->match[0].type == CFG_ID_KEY_ID &&
		    strcmp(pf->match[0].pattern, "*$AnyConnectClient$*") == 0,
		    "profile: match key-id *$AnyConnectClient$*");
		ok(pf->local_auth == CFG_AUTH_RSA_SIG &&
		    pf->remote_auth == CFG_AUTH_EAP_MSCHAPV2,
		    "profile: rsa-sig / eap-mschapv2");
		ok(pf->proposal == pr && pf->esp == es && pf->policy == pl,
		    "profile: references resolved");
		is_int(pf->reconnect_timeout, 900, "profile: reconnect 900");
		ok(pf->dpd_interval == 45 && pf->dpd_retry == 2,
		    "profile: dpd 45 2");
		ok(pf->session_id_attr == CFG_SESSION_ID_ATTR &&
		    pf->session_token_attr == CFG_SESSION_TOKEN_ATTR,
		    "profile: default resumption attributes");
		is_int(pf->lifetime, 86400, "profile: default lifetime");
		ok(pf->psk == NULL, "profile: no psk");
	}
	u = cfg_user_find(c, span_str("test"));
	ok(u != NULL && u->has_nt_hash && u->password == NULL,
	    "user test has an nt_hash");
	if (u != NULL)
		is_mem(u->nt_hash, nt, 16, "user test: nt_hash bytes");
	ok(cfg_user_find(c, span_str("Test")) == NULL &&
	    cfg_user_find(c, span_str("tes")) == NULL,
	    "user lookup is exact");
	ok(pf != NULL && cfg_policy_for(pf, u) == pl,
	    "user without policy gets the profile's");
	ok(cfg_profile_match(c, CFG_ID_KEY_ID,
	    span_str("*$AnyConnectClient$*")) == pf,
	    "AnyConnect key-id selects the profile");
	ok(cfg_profile_match(c, CFG_ID_KEY_ID,
	    span_str("rIUHKccDRiUtFTATwq")) == NULL,
	    "a session-id key-id selects no profile");
	cfg_free(c);
}

static void
test_defaults(void)
{
	static const char text[] =
	    "\xef\xbb\xbf[gateway]\r\n"		/* BOM and CRLF are fine */
	    "  log_level = warn, ike:debug ; two\r\n"
	    "\tnat_port = 4501\n"	/* indented: not a continuation */
	    "  [pool p]\n"
	    "network = 198.18.64.0/24 2001:db8:1::/64\n"
	    "exclude = 198.18.64.1\n"
	    "[policy q]\n"
	    "pool = p\n"
	    "dns = 198.51.100.53, 2001:db8::53\n"
	    "banner = Authorized use only.\n"
	    "banner = Second line.\n"
	    "split_include = 198.18.10.0/24, 198.18.11.0/24\n"
	    "split_include = 2001:db8:2::/48\n"
	    "[user alice@example.com]\n"
	    "password = correct horse battery\n"
	    "policy = q\n"
	    "[profile psk]\n"
	    "match = fqdn *.example.net\n"
	    "local_auth = psk\n"
	    "remote_auth = psk\n"
	    "psk = tail-profile-secret-0123456789\n"
	    "policy = q\n";
	const struct cfg_proposal *pr;
	const struct cfg_esp *es;
	const struct cfg_gateway *gw;
	const struct cfg_policy *pl;
	const struct cfg_pool *po;
	const struct cfg_profile *pf;
	const struct cfg_user *u;
	struct cfg *c = NULL;
	unsigned nerr = 99;
	char *out;
	int rc;

	out = load("defaults.ini", text, &rc, &nerr, &c);
	is_int(rc, 0, "defaults: loads");
	is_str(out, "", "defaults: prints nothing");
	free(out);
	if (c == NULL) {
		skip("defaults did not load");
		return;
	}
	gw = cfg_gateway(c);
	ok(addr_is(&gw->address, "0.0.0.0") && gw->port == 500,
	    "gateway defaults: 0.0.0.0, 500");
	is_int(gw->nat_port, 4501, "an indented line is a key of its own");
	is_str(gw->control_socket, IKEGATE_RUNSTATEDIR "/ikegated.sock",
	    "default control_socket");
	ok(gw->certificate == NULL && gw->private_key == NULL &&
	    gw->user == NULL && gw->local_id.type == CFG_ID_NONE,
	    "unset gateway keys are NULL");
	ok(gw->log_level[SUB_IKE] == LOGL_DEBUG &&
	    gw->log_level[SUB_ESP] == LOGL_WARN &&
	    gw->log_level[SUB_MAIN] == LOGL_WARN,
	    "log_level: all warn, ike debug (indented line, inline comment)");
	is_int(gw->dataplane_threads, 0, "dataplane_threads: auto by default");
	is_int(gw->rx_coalesce_usecs, 100, "rx_coalesce_usecs: 100 by default");
	is_int(gw->cookie_threshold, 30, "cookie_threshold: 30 by default");

	pr = cfg_proposal_find(c, "default");
	ok(pr != NULL && pr->line == 0 && pr->nencr == 5 &&
	    pr->encr[0].id == XFORM_ENCR_AES_GCM_16 &&
	    pr->encr[0].key_bits == 256 && pr->ninteg == 3 && pr->nprf == 3 &&
	    pr->ngroup == 5 && pr->group[0] == XFORM_DH_ECP256,
	    "built-in default proposal");
	es = cfg_esp_find(c, "default");
	ok(es != NULL && es->nencr == 5 && es->esn == CFG_ESN_BOTH &&
	    es->lifetime == 3600 && es->lifetime_kb == 0,
	    "built-in default esp (no volume limit)");

	po = cfg_pool_find(c, "p");
	ok(po != NULL && po->nseg == 2 && po->seg[0].is_net &&
	    po->seg[0].len == 24 && addr_is(&po->seg[0].last,
	    "198.18.64.255") && po->seg[1].len == 64 &&
	    addr_is(&po->seg[1].last, "2001:db8:1::ffff:ffff:ffff:ffff") &&
	    po->nexclude == 1 && addr_is(&po->exclude[0], "198.18.64.1"),
	    "pool: two networks (blank-separated list) and an exclusion");
	pl = cfg_policy_find(c, "q");
	ok(pl != NULL && pl->ndns == 2 &&
	    addr_is(&pl->dns[1], "2001:db8::53") && pl->nsplit == 3 &&
	    pl->split[2].len == 48, "policy: dns and repeated "
	    "split_include");
	ok(pl != NULL && pl->banner != NULL &&
	    strcmp(pl->banner, "Authorized use only.\nSecond line.") == 0,
	    "policy: banner lines joined");
	pf = cfg_profile_at(c, 0);
	ok(pf != NULL && pf->proposal == pr && pf->esp == es,
	    "profile without proposal/esp uses the built-ins");
	ok(pf != NULL && pf->psk_len == 30 &&
	    memcmp(pf->psk, "tail-profile-secret-0123456789", 30) == 0,
	    "profile psk");
	ok(pf != NULL && pf->reconnect_timeout == 0 && pf->dpd_interval == 0,
	    "resumption and DPD off by default");
	u = cfg_user_find(c, span_str("alice@example.com"));
	ok(u != NULL && !u->has_nt_hash && u->password_len == 21 &&
	    strcmp(u->password, "correct horse battery") == 0,
	    "user with a password (blanks kept)");
	ok(u != NULL && pf != NULL && u->policy == pl &&
	    cfg_policy_for(pf, u) == pl, "user policy");
	cfg_free(c);
	cfg_free(NULL);
	ok(1, "cfg_free(NULL) is a no-op");
}

/* Appended to every snippet so that the rest of the file is valid. */
#define TAIL								\
	"[pool tailpool]\n"						\
	"range = 198.18.30.1 - 198.18.30.9\n"				\
	"[policy tailpolicy]\n"						\
	"pool = tailpool\n"						\
	"[profile tailprofile]\n"					\
	"match = fqdn *.example.net\n"					\
	"local_auth = psk\n"						\
	"remote_auth = psk\n"						\
	"psk = tail-profile-secret-0123456789\n"			\
	"policy = tailpolicy\n"

#define PROFILE_HEAD							\
	"[profile p]\n"							\
	"match = key-id x\n"

static const struct bad {
	const char	*text;
	unsigned	 line;
	const char	*msg;
} bads[] = {
	{ "[gateway]\nport = 70000\n", 2,
	    "port = \"70000\": not a port number" },
	{ "[gateway]\nport = 0500\n", 2, "not a port number" },
	{ "[gateway]\nport = 4500\n", 2, "port and nat_port must differ" },
	{ "[gateway]\naddress = 198.51.100.256\n", 2,
	    "not an IPv4 or IPv6 address" },
	{ "[gateway]\nport = 500\nport = 501\n", 3,
	    "port is set twice (first at line 2)" },
	{ "[gateway]\n\tport = 500\n  port = 501\n", 3,
	    "set twice" },	/* indented: no multi-line continuation */
	{ "[gateway]\nbogus = 1\n", 2, "unknown key \"bogus\" in [gateway]" },
	{ "[gateways]\nport = 1\n", 1, "unknown section \"gateways\"" },
	{ "[gateway]\nport 500\n", 2, "expected KEY = VALUE" },
	{ "[gateway]\nport: 500\n", 2, "expected KEY = VALUE" },
	{ "[gateway]\n= 500\n", 2, "missing key name" },
	{ "[gateway]\nport =\n", 2, "port: missing value" },
	{ "[gateway\nport = 1\n", 1, "missing ']'" },
	{ "[gateway] x\n", 1, "unexpected text after ']'" },
	{ "[gateway x]\n", 1, "[gateway] takes no name" },
	{ "[profile]\n", 1, "needs a name" },
	{ "[pool a b]\n", 1, "invalid pool name" },
	{ "port = 500\n", 1, "key outside of any section" },
	{ "[gateway]\nport = 5\00100\n", 2, "control character 0x01" },
	{ "[gateway]\n# xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "\n", 2, "line longer than" },
	{ "[gateway]\ncrypto = openssl, gnutls\n", 2,
	    "unknown backend \"gnutls\"" },
	{ "[gateway]\ncrypto = auto, openssl\n", 2, "unknown backend" },
	{ "[gateway]\nhalf_open_timeout = 0\n", 2, "from 1 to 300" },
	{ "[gateway]\ndataplane_threads = 0\n", 2,
	    "dataplane_threads = \"0\": expected \"auto\" or a number of "
	    "threads from 1 to 64" },
	{ "[gateway]\ndataplane_threads = 65\n", 2, "from 1 to 64" },
	{ "[gateway]\ndataplane_threads = -1\n", 2, "from 1 to 64" },
	{ "[gateway]\ndataplane_threads = 02\n", 2, "from 1 to 64" },
	{ "[gateway]\ndataplane_threads = two\n", 2, "from 1 to 64" },
	{ "[gateway]\ndataplane_threads = 99999999999999999999999\n", 2,
	    "from 1 to 64" },
	{ "[gateway]\ndataplane_threads = Auto\n", 2, "from 1 to 64" },
	{ "[gateway]\nrx_coalesce_usecs = 1001\n", 2,
	    "rx_coalesce_usecs = \"1001\": expected a number of microseconds "
	    "from 0 to 1000" },
	{ "[gateway]\nrx_coalesce_usecs = -1\n", 2, "from 0 to 1000" },
	{ "[gateway]\nrx_coalesce_usecs = 50us\n", 2, "from 0 to 1000" },
	{ "[gateway]\nrx_coalesce_usecs =\n", 2, "missing value" },
	{ "[gateway]\ncookie_threshold = 1000001\n", 2,
	    "cookie_threshold = \"1000001\": expected \"off\" or a number of "
	    "half-open IKE SAs from 0 to 1000000" },
	{ "[gateway]\ncookie_threshold = -1\n", 2, "from 0 to 1000000" },
	{ "[gateway]\ncookie_threshold = on\n", 2, "from 0 to 1000000" },
	{ "[gateway]\ntun = a/b\n", 2, "not a valid interface name" },
	{ "[gateway]\ntun = ikegate-tunnel-0\n", 2,
	    "not a valid interface name" },
	{ "[gateway]\nuser = -root\n", 2, "not a valid user name" },
	{ "[gateway]\nlocal_id = fqdn:-bad.example.com\n", 2,
	    "not a valid domain name" },
	{ "[gateway]\nlocal_id = ip:198.51.100.1\n", 2,
	    "unknown identity type" },
	{ "[gateway]\nlog_level = loud\n", 2, "unknown level \"loud\"" },
	{ "[gateway]\nlog_level = bgp:debug\n", 2, "unknown subsystem" },
	{ "[gateway]\ncertificate = c.pem\n", 2,
	    "certificate is set but private_key is not" },
	{ "[gateway]\ncontrol_socket = /run/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.sock\n", 2,
	    "longer than a UNIX socket path" },
	{ "[proposal p]\nencryption = aes-cbc-256\ngroup = 19\n", 2,
	    "AES-CBC needs an integrity algorithm" },
	{ "[proposal p]\nencryption = aes-gcm-256\nintegrity = sha256\n"
	    "group = 19\n", 3, "not used with AEAD ciphers" },
	{ "[proposal p]\nencryption = aes-gcm-256\ngroup = 19, 22\n", 3,
	    "unknown group \"22\"" },
	{ "[proposal p]\nencryption = aes-gcm-256 aes-gcm-256\ngroup = 19\n",
	    2, "\"aes-gcm-256\" is listed twice" },
	{ "[proposal p]\nencryption = aes-gcm-256,,aes-gcm-128\ngroup = 19\n",
	    2, "empty list element" },
	{ "[proposal p]\nencryption = aes-gcm-256,\ngroup = 19\n",
	    2, "empty list element" },
	{ "[proposal p]\nencryption = 3des\ngroup = 19\n", 2,
	    "unknown cipher \"3des\"" },
	{ "[proposal p]\nencryption = aes-gcm-128\nprf = md5\ngroup = 19\n",
	    3, "unknown PRF" },
	{ "[proposal p]\ngroup = 19\n", 1,
	    "[proposal p]: encryption is required" },
	{ "[esp e]\nencryption = aes-gcm-128\nesn = maybe\n", 3,
	    "expected one of no, yes, both" },
	{ "[esp e]\nencryption = aes-gcm-128\nlifetime = 1\n", 3,
	    "from 2 to 86400" },
	{ "[esp e]\nencryption = aes-gcm-128\nlifetime_kilobytes = 1023\n", 3,
	    "expected \"off\" or a number of kilobytes from 1024 to "
	    "4294967295" },
	{ "[esp e]\nencryption = aes-gcm-128\nlifetime_kilobytes = 4G\n", 3,
	    "from 1024 to 4294967295" },
	{ "[esp e]\nencryption = aes-gcm-128\npfs = 15\n", 3,
	    "expected none or one of" },
	{ "[esp e]\nencryption = aes-cbc-128\n", 2,
	    "AES-CBC needs an integrity algorithm" },
	{ "[pool p]\nrange = 198.18.40.10 - 198.18.40.1\n", 2,
	    "the first address is above the last" },
	{ "[pool p]\nrange = 198.18.40.1 - 2001:db8::1\n", 2,
	    "different families" },
	{ "[pool p]\nrange = 198.18.40.1\n", 2, "expected FIRST - LAST" },
	{ "[pool p]\nnetwork = 198.18.40.5/24\n", 2,
	    "host bits set in \"198.18.40.5/24\" (the network is "
	    "198.18.40.0/24)" },
	{ "[pool p]\nnetwork = 198.18.40.0/33\n", 2,
	    "is not an address or ADDRESS/PREFIXLEN" },
	{ "[pool p]\nrange = 198.18.40.1 - 198.18.40.9\n[pool q]\n"
	    "network = 198.18.40.8/29\n", 4, "overlaps [pool p] (line 2)" },
	{ "[pool p]\nrange = 198.18.40.1 - 198.18.40.9\n"
	    "network = 198.18.40.0/28\n", 3, "overlaps the one at line 2" },
	{ "[pool p]\nsticky = yes\n", 1, "has no addresses" },
	{ "[pool p]\nsticky = true\nrange = 198.18.40.1 - 198.18.40.2\n", 2,
	    "expected yes or no" },
	{ "[pool p]\nrange = 198.18.40.1 - 198.18.40.1\n"
	    "exclude = 198.18.40.1\n", 3, "leaves no IPv4 address" },
	{ "[pool p]\nrange = 198.18.40.1 - 198.18.40.9\n"
	    "exclude = 198.18.41.1\n", 3,
	    "198.18.41.1 is not an address of [pool p]" },
	{ "[pool p]\nnetwork = 198.18.40.0/24\n"
	    "exclude = 198.18.40.255\n", 3, "is not an address of" },
	{ "[pool p]\nrange = 198.18.40.1 - 198.18.40.9\n"
	    "exclude = 198.18.40.1, 198.18.40.1\n", 3, "excluded twice" },
	{ "[pool p]\nnetwork = 2001:db8::/64\n"
	    "exclude = 2001:db8::1, 2001:db8::10:0, 2001:db8::10:1\n", 3,
	    "2001:db8::10:1 is not an address of [pool p]" },
	{ "[pool p]\nnetwork = 2001:db8::/64\nexclude = 2001:db8::\n", 3,
	    "2001:db8:: is not an address of [pool p]" },
	{ "[pool p]\nrange = 2001:db8::1 - 2001:db8::20:0\n", 2,
	    "range: more than 1048576 addresses" },
	{ "[policy x]\npool = nosuchpool\n", 2,
	    "pool = \"nosuchpool\": no [pool nosuchpool] section" },
	{ "[policy x]\npool = tailpool\ndns = 198.51.100.53, 2001:db8::zz\n",
	    3, "\"2001:db8::zz\" is not an address" },
	{ "[policy x]\npool = tailpool\nsplit_include = 198.18.10.1/24\n", 3,
	    "host bits set" },
	{ "[policy x]\npool = tailpool\ndomain = example..com\n", 3,
	    "not a valid domain name" },
	{ "[policy x]\ndomain = example.com\n", 1, "pool is required" },
	{ PROFILE_HEAD "local_auth = psk\nremote_auth = psk\npsk = short\n"
	    "policy = tailpolicy\n", 5, "psk: shorter than 16 characters" },
	{ PROFILE_HEAD "local_auth = psk\nremote_auth = psk\n"
	    "policy = tailpolicy\n", 3, "local_auth = psk needs psk" },
	{ "[profile p]\nmatch = uid x\nlocal_auth = psk\nremote_auth = psk\n"
	    "psk = 0123456789abcdef\npolicy = tailpolicy\n", 2,
	    "unknown identity type" },
	{ "[profile p]\nmatch = fqdn\nlocal_auth = psk\nremote_auth = psk\n"
	    "psk = 0123456789abcdef\npolicy = tailpolicy\n", 2,
	    "expected TYPE PATTERN" },
	{ "[profile p]\nmatch = address 198.51.100.1/16\nlocal_auth = psk\n"
	    "remote_auth = psk\npsk = 0123456789abcdef\npolicy = tailpolicy\n",
	    2, "host bits set" },
	{ PROFILE_HEAD "local_auth = rsa-sig\nremote_auth = psk\n"
	    "psk = 0123456789abcdef\npolicy = tailpolicy\n", 3,
	    "local_auth = rsa-sig needs certificate and private_key" },
	{ PROFILE_HEAD "local_auth = psk\nremote_auth = cert\n"
	    "psk = 0123456789abcdef\npolicy = tailpolicy\n", 4,
	    "remote_auth = cert needs ca" },
	{ PROFILE_HEAD "local_auth = psk\nremote_auth = eap-mschapv2\n"
	    "psk = 0123456789abcdef\npolicy = tailpolicy\n", 4,
	    "needs at least one [user NAME] section" },
	{ PROFILE_HEAD "local_auth = psk\nremote_auth = eap-md5\n"
	    "psk = 0123456789abcdef\npolicy = tailpolicy\n", 4,
	    "expected one of eap-mschapv2, psk, cert" },
	{ PROFILE_HEAD "local_auth = psk\nremote_auth = psk\n"
	    "psk = 0123456789abcdef\npolicy = tailpolicy\ndpd = 45\n", 7,
	    "expected INTERVAL RETRIES" },
	{ PROFILE_HEAD "local_auth = psk\nremote_auth = psk\n"
	    "psk = 0123456789abcdef\npolicy = tailpolicy\ndpd = 0 2\n", 7,
	    "interval must be 1 to 3600" },
	{ PROFILE_HEAD "local_auth = psk\nremote_auth = psk\n"
	    "psk = 0123456789abcdef\npolicy = tailpolicy\ndpd = 45 11\n", 7,
	    "retries must be 0 to 10" },
	{ PROFILE_HEAD "local_auth = psk\nremote_auth = psk\n"
	    "psk = 0123456789abcdef\npolicy = tailpolicy\n"
	    "reconnect_timeout = 90000\n", 7, "expected 0 (off)" },
	{ PROFILE_HEAD "local_auth = psk\nremote_auth = psk\n"
	    "psk = 0123456789abcdef\npolicy = tailpolicy\n"
	    "session_id_attribute = 100\n", 7, "private-use range" },
	{ PROFILE_HEAD "local_auth = psk\nremote_auth = psk\n"
	    "psk = 0123456789abcdef\npolicy = tailpolicy\n"
	    "session_token_attribute = 24576\n", 7, "must differ" },
	{ PROFILE_HEAD "local_auth = psk\nremote_auth = psk\n"
	    "psk = 0123456789abcdef\npolicy = tailpolicy\n"
	    "proposal = nope\n", 7,
	    "proposal = \"nope\": no [proposal nope] section" },
	{ PROFILE_HEAD "local_auth = psk\nremote_auth = psk\n"
	    "psk = 0123456789abcdef\n", 1, "[profile p]: policy is required" },
	{ "[user u]\n", 1, "[user u] needs password or nt_hash" },
	{ "[user u]\nnt_hash = 0123\n", 2,
	    "nt_hash: expected 32 hexadecimal digits" },
	{ "[user u]\npassword = pw\npolicy = nope\n", 3,
	    "policy = \"nope\": no [policy nope] section" },
	{ "[user u]\npassword = pw\n[user u]\npassword = pw\n", 3,
	    "duplicate section [user u] (first at line 1)" },
};

/* split_include takes CFG_MAX_SPLIT networks, as many as a configuration
 * reply and a TSr carry beside the rest, and refuses one more on the
 * line that adds it. */
static void
test_split_max(void)
{
	char *text, *out, *p;
	unsigned nerr, n;
	size_t len;
	int rc;

	for (n = CFG_MAX_SPLIT; n <= CFG_MAX_SPLIT + 1; n++) {
		len = strlen(TAIL) + 64 + 40 * (size_t)n;
		if ((text = malloc(len)) == NULL)
			exit(1);
		p = text + sprintf(text, "[policy x]\npool = tailpool\n");
		for (unsigned i = 0; i < n; i++)
			p += sprintf(p, "split_include = 198.18.%u.0/24\n", i);
		strcpy(p, TAIL);
		out = load("split.ini", text, &rc, &nerr, NULL);
		if (n == CFG_MAX_SPLIT)
			ok(rc == 0 && nerr == 0, "%u split networks taken", n);
		else
			ok(rc == -E_CONFIG && nerr == 1 &&
			    has(out, "split.ini:51: split_include") &&
			    has(out, "more than 48 networks"),
			    "%u split networks: line 51 refused", n);
		if (rc != (n == CFG_MAX_SPLIT ? 0 : -E_CONFIG))
			diag("rc %d, %u errors, got: %s", rc, nerr, out);
		free(out);
		free(text);
	}
}

static void
test_bad(void)
{
	char *text, *out, want[64];
	unsigned nerr, i;
	int rc;

	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		if (asprintf(&text, "%s%s", bads[i].text, TAIL) < 0)
			exit(1);
		out = load("bad.ini", text, &rc, &nerr, NULL);
		snprintf(want, sizeof(want), "bad.ini:%u: ", bads[i].line);
		ok(rc == -E_CONFIG && nerr == 1 && has(out, want) &&
		    has(out, bads[i].msg), "bad %u: line %u: %s", i,
		    bads[i].line, bads[i].msg);
		if (rc != -E_CONFIG || nerr != 1 || !has(out, want) ||
		    !has(out, bads[i].msg))
			diag("rc %d, %u errors, got: %s", rc, nerr, out);
		free(out);
		free(text);
	}
	/* The tail alone is valid, so each error above came from its
	 * snippet. */
	out = load("tail.ini", TAIL, &rc, &nerr, NULL);
	ok(rc == 0 && nerr == 0 && strcmp(out, "") == 0, "the tail is valid");
	free(out);
}

static void
test_many(void)
{
	static const char text[] =
	    "[gateway]\n"			/* 1 */
	    "port = 99999\n"			/* 2 */
	    "[proposal p]\n"			/* 3: lacks group */
	    "encryption = rot13\n"		/* 4 */
	    "[user u]\n"			/* 5: needs a secret */
	    "[nonsense]\n"			/* 6 */
	    "key = ignored in a bad section\n"	/* 7 */
	    "[pool p]\n"			/* 8 */
	    "range = 198.18.50.1 -\n";		/* 9 */
	char *out, *l;
	unsigned nerr, n = 0, prev = 0, line;
	int rc;

	out = load("many.ini", text, &rc, &nerr, NULL);
	is_int(rc, -E_CONFIG, "many errors: -E_CONFIG");
	/* 2, 3, 4, 5, 6, 9, and no profile. */
	is_int(nerr, 7, "many errors: all seven counted");
	ok(has(out, "many.ini:2: port = \"99999\"") &&
	    has(out, "many.ini:3: [proposal p]: group is required") &&
	    has(out, "many.ini:4: encryption = \"rot13\"") &&
	    has(out, "many.ini:5: [user u] needs password") &&
	    has(out, "many.ini:6: unknown section \"nonsense\"") &&
	    has(out, "many.ini:9: range") &&
	    has(out, "many.ini: no [profile NAME] section"),
	    "many errors: each reported with its line");
	ok(!has(out, "many.ini:7:"), "no cascade from a bad section");
	/* Sorted: file-level first, then by line. */
	for (l = out; l != NULL && *l != '\0'; l = strchr(l, '\n') + 1) {
		line = 0;
		if (sscanf(l, "many.ini:%u:", &line) != 1)
			line = 0;
		if (line < prev)
			break;
		prev = line;
		n++;
		if (strchr(l, '\n') == NULL)
			break;
	}
	is_int(n, 7, "many errors: printed one per line, sorted by line");
	free(out);
}

/* dataplane_threads (its bounds and "auto", 0: counted by the daemon),
 * rx_coalesce_usecs (its bounds, 0: off) and cookie_threshold (its
 * bounds and "off"). */
static void
test_gateway_numbers(void)
{
	static const struct {
		const char	*k, *v;
		unsigned	 want;
	} good[] = {
		{ "dataplane_threads", "auto", 0 },
		{ "dataplane_threads", "1", 1 },
		{ "dataplane_threads", "2", 2 },
		{ "dataplane_threads", "64", 64 },
		{ "rx_coalesce_usecs", "0", 0 },
		{ "rx_coalesce_usecs", "1", 1 },
		{ "rx_coalesce_usecs", "1000", 1000 },
		{ "cookie_threshold", "0", 0 },
		{ "cookie_threshold", "1000000", 1000000 },
		{ "cookie_threshold", "off", CFG_COOKIES_OFF },
	};
	const struct cfg_gateway *gw;
	struct cfg *c;
	char text[512], *out;
	unsigned nerr, got;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		c = NULL;
		snprintf(text, sizeof(text), "[gateway]\n%s = %s\n"
		    "[pool p]\nrange = 198.18.20.5 - 198.18.20.10\n"
		    "[policy q]\npool = p\n[profile r]\nmatch = any\n"
		    "local_auth = psk\nremote_auth = psk\n"
		    "psk = ThreadsProfileSecret-0042\npolicy = q\n",
		    good[i].k, good[i].v);
		out = load("t.ini", text, &rc, &nerr, &c);
		is_int(rc, 0, "%s = %s loads", good[i].k, good[i].v);
		gw = c != NULL ? cfg_gateway(c) : NULL;
		got = gw == NULL ? 12345u :
		    strcmp(good[i].k, "dataplane_threads") == 0 ?
		    gw->dataplane_threads :
		    strcmp(good[i].k, "rx_coalesce_usecs") == 0 ?
		    gw->rx_coalesce_usecs : gw->cookie_threshold;
		is_int(got, good[i].want, "%s = %s is %u", good[i].k,
		    good[i].v, good[i].want);
		free(out);
		cfg_free(c);
	}
}

static void
test_reconnect_psk(void)
{
	static const char text[] =
	    "[pool p]\n"				/* 1 */
	    "range = 198.18.20.5 - 198.18.20.10\n"	/* 2 */
	    "[policy q]\n"				/* 3 */
	    "pool = p\n"				/* 4 */
	    "[profile r]\n"				/* 5 */
	    "match = key-id *$AnyConnectClient$*\n"	/* 6 */
	    "local_auth = psk\n"			/* 7 */
	    "remote_auth = psk\n"			/* 8 */
	    "psk = ReconnectProfileSecret-42\n"		/* 9 */
	    "policy = q\n"				/* 10 */
	    "reconnect_timeout = 900\n";		/* 11 */
	char *out;
	unsigned nerr;
	int rc;

	out = load("r.ini", text, &rc, &nerr, NULL);
	is_int(rc, -E_CONFIG, "reconnect + PSK: refused");
	is_int(nerr, 3, "reconnect + PSK: one error per PSK setting");
	ok(has(out, "r.ini:7: local_auth = psk cannot be used with "
	    "reconnect_timeout (line 11)"), "local_auth = psk refused");
	ok(has(out, "r.ini:8: remote_auth = psk cannot be used with "
	    "reconnect_timeout (line 11)"), "remote_auth = psk refused");
	ok(has(out, "r.ini:9: psk cannot be used with reconnect_timeout"),
	    "psk refused");
	ok(!has(out, "ReconnectProfileSecret"), "the psk is not printed");
	free(out);
}

static void
test_dangling(void)
{
	static const char text[] =
	    "[policy q]\n"				/* 1 */
	    "pool = gone\n"				/* 2 */
	    "[user u]\n"				/* 3 */
	    "password = pw\n"				/* 4 */
	    "policy = missing-policy\n"			/* 5 */
	    "[profile r]\n"				/* 6 */
	    "match = any\n"				/* 7 */
	    "local_auth = psk\n"			/* 8 */
	    "remote_auth = psk\n"			/* 9 */
	    "psk = 0123456789abcdef\n"			/* 10 */
	    "proposal = nope\n"				/* 11 */
	    "esp = TSET\n"				/* 12 */
	    "policy = q2\n";				/* 13 */
	char *out;
	unsigned nerr;
	int rc;

	out = load("d.ini", text, &rc, &nerr, NULL);
	is_int(rc, -E_CONFIG, "dangling references: refused");
	is_int(nerr, 5, "dangling references: five");
	ok(has(out, "d.ini:2: pool = \"gone\": no [pool gone] section") &&
	    has(out, "d.ini:5: policy = \"missing-policy\": no [policy "
	    "missing-policy] section") &&
	    has(out, "d.ini:11: proposal = \"nope\"") &&
	    has(out, "d.ini:12: esp = \"TSET\": no [esp TSET] section") &&
	    has(out, "d.ini:13: policy = \"q2\""),
	    "dangling references: each at its key's line");
	free(out);
}

static void
test_match(void)
{
	static const char text[] =
	    "[pool p]\nrange = 198.18.20.5 - 198.18.20.10\n"
	    "[policy q]\npool = p\n"
	    "[profile p1]\nmatch = key-id *$AnyConnectClient$*\n"
	    "local_auth = psk\nremote_auth = psk\npsk = 0123456789abcdef\n"
	    "policy = q\n"
	    "[profile p2]\nmatch = fqdn *.Example.COM\n"
	    "match = email *@corp.example.org\n"
	    "local_auth = psk\nremote_auth = psk\npsk = 0123456789abcdef\n"
	    "policy = q\n"
	    "[profile p3]\nmatch = address 198.51.100.0/24\n"
	    "match = address:2001:db8::/32\n"
	    "local_auth = psk\nremote_auth = psk\npsk = 0123456789abcdef\n"
	    "policy = q\n"
	    "[profile p4]\nmatch = key-id a*b*c\nmatch = key-id a*a*a*a*b\n"
	    "local_auth = psk\nremote_auth = psk\npsk = 0123456789abcdef\n"
	    "policy = q\n"
	    "[profile p5]\nmatch = any\n"
	    "local_auth = psk\nremote_auth = psk\npsk = 0123456789abcdef\n"
	    "policy = q\n";
	static const uint8_t v4in[4] = { 198, 51, 100, 7 };
	static const uint8_t v4out[4] = { 198, 51, 101, 7 };
	static const uint8_t v6in[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	struct {
		enum cfg_id_type type;
		struct span id;
		const char *want;
		const char *what;
	} cases[] = {
		{ CFG_ID_KEY_ID, span_str("*$AnyConnectClient$*"), "p1",
		    "AnyConnect key-id (first match in file order)" },
		{ CFG_ID_KEY_ID, span_str("xx$AnyConnectClient$yy"), "p1",
		    "'*' matches any run" },
		{ CFG_ID_KEY_ID, span_str("$AnyConnectClient$"), "p1",
		    "'*' matches an empty run" },
		{ CFG_ID_KEY_ID, span_str("*$anyconnectclient$*"), "p5",
		    "key-id is case-sensitive" },
		{ CFG_ID_FQDN, span_str("vpn.example.com"), "p2",
		    "fqdn ignores case" },
		{ CFG_ID_FQDN, span_str("example.com"), "p5",
		    "'*.example.com' needs a label" },
		{ CFG_ID_KEY_ID, span_str("vpn.example.com"), "p5",
		    "types must agree" },
		{ CFG_ID_RFC822_ADDR, span_str("Bob@Corp.Example.Org"), "p2",
		    "email pattern" },
		{ CFG_ID_IPV4_ADDR, span_make(v4in, 4), "p3",
		    "address in the prefix" },
		{ CFG_ID_IPV4_ADDR, span_make(v4out, 4), "p5",
		    "address outside the prefix" },
		{ CFG_ID_IPV4_ADDR, span_make(v6in, 16), "p5",
		    "IPv4 ID of the wrong length" },
		{ CFG_ID_IPV6_ADDR, span_make(v6in, 16), "p3",
		    "IPv6 address in the prefix" },
		{ CFG_ID_KEY_ID, span_str("abc"), "p4", "a*b*c: abc" },
		{ CFG_ID_KEY_ID, span_str("aXXbYbZc"), "p4",
		    "a*b*c: backtracking" },
		{ CFG_ID_KEY_ID, span_str("acb"), "p5", "a*b*c: not acb" },
		{ CFG_ID_KEY_ID, span_str("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
		    "p5", "a*a*a*a*b against a run of a: no match, quickly" },
		{ CFG_ID_KEY_ID, span_make(NULL, 0), "p5", "empty key-id" },
	};
	const struct cfg_profile *p;
	struct cfg *c = NULL;
	unsigned nerr, i;
	char *out;
	int rc;

	out = load("m.ini", text, &rc, &nerr, &c);
	is_int(rc, 0, "match config loads");
	if (rc != 0)
		diag("%s", out);
	free(out);
	if (c == NULL)
		return;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		p = cfg_profile_match(c, cases[i].type, cases[i].id);
		is_str(p ? p->name : "(none)", cases[i].want, "match: %s",
		    cases[i].what);
	}
	cfg_free(c);
}

static void
test_secrets(void)
{
	static const char text[] =
	    "[profile r]\n"
	    "match = any\n"
	    "local_auth = psk\n"
	    "remote_auth = psk\n"
	    "psk = SecretPSK-one-0123456789\n"
	    "psk = SecretPSK-two-0123456789\n"
	    "policy = q\n"
	    "pks = SecretMistyped-0123456789\n"
	    "psk SecretNoEquals-0123456789\n"
	    "[profile s]\n"
	    "match = any\n"
	    "local_auth = rsa-sig\n"
	    "remote_auth = eap-mschapv2\n"
	    "psk = SecretReconnect-0123456789\n"
	    "psk = Short\n"
	    "reconnect_timeout = 60\n"
	    "policy = q\n"
	    "[user a]\n"
	    "password = SecretBadUtf8\xff\n"
	    "nt_hash = SecretNotHexSecretNotHex12345678\n"
	    "[user b]\n"
	    "nt_hash = 0123456789abcdef0123456789abcdeZ\n"
	    "[user c]\n"
	    "password = SecretPassword-c\n"
	    "nt_hash = 0123456789abcdef0123456789abcdef\n";
	static const char *const secrets[] = { "SecretPSK", "SecretMistyped",
	    "SecretNoEquals", "SecretReconnect", "Short", "SecretBadUtf8",
	    "SecretNotHex", "abcdeZ", "SecretPassword", "0123456789abcdef" };
	char *out;
	unsigned nerr, i;
	int rc;

	out = load("s.ini", text, &rc, &nerr, NULL);
	is_int(rc, -E_CONFIG, "secrets: the file is refused");
	ok(nerr >= 10, "secrets: errors reported (%u)", nerr);
	ok(has(out, "s.ini:6: psk is set twice") &&
	    has(out, "s.ini:8: unknown key \"pks\"") &&
	    has(out, "s.ini:19: password: not valid UTF-8") &&
	    has(out, "s.ini:20: nt_hash: expected 32 hexadecimal digits") &&
	    has(out, "s.ini:25: password and nt_hash are exclusive"),
	    "secrets: the errors name the keys");
	for (i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
		ok(!has(out, secrets[i]), "secret %s is not printed",
		    secrets[i]);
	free(out);
}

static void
test_files(void)
{
	struct cfg *c = (struct cfg *)&c;
	char *buf = NULL;
	size_t len = 0;
	unsigned nerr = 0;
	FILE *fp;
	int rc;

	fp = open_memstream(&buf, &len);
	rc = cfg_load("/nonexistent/ikegate.ini", &c, fp, &nerr);
	fclose(fp);
	ok(rc == -E_CONFIG && nerr == 1 && c == NULL,
	    "missing file: -E_CONFIG, one error, *out NULL");
	ok(has(buf, "/nonexistent/ikegate.ini: cannot open: No such file"),
	    "missing file: says so with strerror");
	free(buf);

	buf = NULL;
	fp = open_memstream(&buf, &len);
	rc = cfg_load("/", &c, fp, &nerr);
	fclose(fp);
	ok(rc == -E_CONFIG && has(buf, "/: not a regular file"),
	    "a directory is refused");
	free(buf);

	rc = cfg_load("/nonexistent", &c, NULL, NULL);
	ok(rc == -E_CONFIG, "errfp and nerr may be NULL");
}

static void
test_paths(void)
{
	static const char text[] =
	    "[gateway]\n"
	    "certificate = cert.pem\n"
	    "private_key = /abs/key.pem\n"
	    "control_socket = run/ctl.sock\n"
	    "[pool p]\nrange = 198.18.20.5 - 198.18.20.10\n"
	    "[policy q]\npool = p\n"
	    "[profile r]\nmatch = any\nlocal_auth = rsa-sig\n"
	    "remote_auth = cert\nca = ca/root.pem\npolicy = q\n";
	const struct cfg_profile *p;
	struct cfg *c = NULL;
	unsigned nerr;
	char *out;
	int rc;

	out = load("/etc/ikegate/ikegate.ini", text, &rc, &nerr, &c);
	free(out);
	ok(rc == 0 && c != NULL, "paths: loads");
	if (c == NULL)
		return;
	is_str(cfg_gateway(c)->certificate, "/etc/ikegate/cert.pem",
	    "relative path resolved against the file's directory");
	is_str(cfg_gateway(c)->private_key, "/abs/key.pem",
	    "absolute path kept");
	is_str(cfg_gateway(c)->control_socket, "/etc/ikegate/run/ctl.sock",
	    "control_socket resolved");
	p = cfg_profile_at(c, 0);
	is_str(p ? p->ca : NULL, "/etc/ikegate/ca/root.pem", "ca resolved");
	cfg_free(c);

	out = load("ikegate.ini", text, &rc, &nerr, &c);
	free(out);
	is_str(c ? cfg_gateway(c)->certificate : NULL, "cert.pem",
	    "a name without a directory leaves paths relative");
	cfg_free(c);
}

int
main(void)
{
	test_example();
	test_defaults();
	test_bad();
	test_split_max();
	test_esp_volume();
	test_many();
	test_gateway_numbers();
	test_reconnect_psk();
	test_dangling();
	test_match();
	test_secrets();
	test_files();
	test_paths();
	return done_testing();
}
