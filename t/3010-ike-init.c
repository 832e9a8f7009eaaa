/*
 * 3010-ike-init: the IKEv2 initiator (core/ike_init) against our own
 * responder (core/ike_sa), in one process: a mock network that queues
 * datagrams between the two (optionally through a NAT, optionally
 * dropping some), one timer heap and a fake clock.
 *
 * Scenarios: EAP-MSCHAPv2, PSK and certificate logins (the CHILD SA of
 * each side must mirror the other's: SPIs swapped, same keys, and an ESP
 * packet sealed by one opens on the other); a wrong password; the
 * gateway's identity or CA not the expected ones; INVALID_KE_PAYLOAD
 * (we offer modp2048 first, the gateway prefers ecp256); COOKIE (the
 * test answers the first IKE_SA_INIT with a cookie, as a loaded
 * responder would, RFC 7296 2.6), and the gateway's own cookies (bound
 * to SPIi and address, good for two secrets; past 30 half-open SAs in a
 * flood); our rekeys of the CHILD SA and of the IKE SA against the
 * gateway's responder;
 * NO_PROPOSAL_CHOSEN; a lost response
 * (the retransmitted request and the resent response are byte-identical,
 * 2.1); an unreachable gateway (exponential backoff); NAT detection and
 * the switch to port 4500 (2.23); session resumption after the gateway
 * declared us dead (same address, rotated token; an old or wrong token
 * refused), over a live SA (replaced), and after the reconnect timeout
 * (refused); dead peer detection in both directions; DELETE from either
 * side. Plus unit checks of the initiator additions to ike_prop and
 * ike_cp, and of the EAP-MSCHAPv2 peer on the RFC 2759 9.2 example (the
 * NT-Response it sends, the "S=" it accepts, a wrong "S=" refused).
 *
 * Certificates and keys are t/data/pki and t/data/keys (TEST FIXTURES
 * ONLY, see their README): the gateway is gw-rsa.crt (CN and SAN
 * vpn.example.test) with keys/rsa2048.pem, the certificate client
 * gw-p384.crt with keys/ecp384.pem, both under ca.crt.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/cfg.h"
#include "core/eap.h"
#include "core/eap_mschapv2.h"
#include "core/child_sa.h"
#include "core/err.h"
#include "core/esp.h"
#include "core/ike_cp.h"
#include "core/ike_init.h"
#include "core/ike_msg.h"
#include "core/ike_prop.h"
#include "core/ike_sa.h"
#include "core/log.h"
#include "core/session.h"
#include "core/timer.h"
#include "core/xform.h"
#include "t/tap.h"

#define MAX_FILE	16384
#define MAX_PKTS	256
#define MAX_CLIENTS	4
#define PSK		"a-long-enough-test-psk-0123456789"
#define PASSWORD	"correct horse battery staple"

/* ------------------------------------------------------------------ */
/* Fixtures. */

static const struct xform_x509 *xx;
static void *gw_cert, *gw_key, *ca, *other_ca, *cli_cert, *cli_key;
static struct cfg *gwcfg, *ckcfg;	/* ckcfg: cookie_threshold = 0 */

static struct buf *
read_data(const char *rel)
{
	const char *src = getenv("SRCDIR");
	char path[1024];
	struct buf *b = NULL;
	int r;

	snprintf(path, sizeof(path), "%s/t/data/%s", src ? src : ".", rel);
	if ((r = buf_read_file(path, MAX_FILE, &b)) != 0) {
		diag("cannot read %s (is SRCDIR set?): %s", path, err_str(r));
		abort();
	}
	return b;
}

static void *
load_cert(const char *rel)
{
	struct buf *b = read_data(rel);
	void *c = NULL;

	if (xx->load(buf_span(b), &c) != 0) {
		diag("cannot load %s", rel);
		abort();
	}
	buf_free(b);
	return c;
}

static void *
load_key(const char *rel)
{
	struct buf *b = read_data(rel);
	void *k = NULL;

	if (xx->sig->load_private(buf_span(b), &k) != 0) {
		diag("cannot load %s", rel);
		abort();
	}
	buf_free(b);
	return k;
}

/* The gateway: a default proposal that prefers ecp256, one profile per
 * client authentication, a dual-stack pool (RFC 5180's benchmarking
 * prefix 2001:2::/48 for IPv6), a policy with DNS, domain and split
 * networks of both families, resumption and DPD on the EAP profile. */
static const char cfg_fmt[] =
    "[gateway]\n"
    "%s"
    "address = 198.51.100.1\n"
    "local_id = fqdn:vpn.example.test\n"
    "half_open_timeout = 30\n"
    "certificate = %s/t/data/pki/gw-rsa.crt\n"
    "private_key = %s/t/data/keys/rsa2048.pem\n"
    "[pool POOL]\n"
    "range = 198.18.20.5 - 198.18.20.10\n"
    "range = 2001:2:0:20::5 - 2001:2:0:20::10\n"
    "[policy POL]\n"
    "pool = POOL\n"
    "dns = 198.18.10.53, 198.18.10.54\n"
    "domain = corp.example.test\n"
    "split_include = 198.18.10.0/24, 198.18.11.0/24, 2001:2:0:10::/64\n"
    "[profile eap]\n"
    "match = key-id eap-client*\n"
    "local_auth = rsa-sig\n"
    "remote_auth = eap-mschapv2\n"
    "policy = POL\n"
    "reconnect_timeout = 600\n"
    "dpd = 10 2\n"
    "[profile psk]\n"
    "match = fqdn psk.client.test\n"
    "local_auth = rsa-sig\n"
    "remote_auth = psk\n"
    "psk = " PSK "\n"
    "policy = POL\n"
    "[profile cert]\n"
    "match = fqdn gw-p384.example.test\n"
    "local_auth = rsa-sig\n"
    "remote_auth = cert\n"
    "ca = %s/t/data/pki/ca.crt\n"
    "policy = POL\n"
    "[esp short]\n"
    "encryption = aes-gcm-256\n"
    "lifetime = 10\n"
    "[esp short-pfs]\n"
    "encryption = aes-gcm-256\n"
    "lifetime = 10\n"
    "pfs = 19\n"
    "[esp long]\n"
    "encryption = aes-gcm-256\n"
    "lifetime = 60\n"
    "[profile long]\n"
    "match = fqdn long.client.test\n"
    "local_auth = rsa-sig\n"
    "remote_auth = psk\n"
    "psk = " PSK "\n"
    "esp = long\n"
    "policy = POL\n"
    "[profile short]\n"
    "match = fqdn short.client.test\n"
    "local_auth = rsa-sig\n"
    "remote_auth = psk\n"
    "psk = " PSK "\n"
    "esp = short\n"
    "policy = POL\n"
    "[profile short-pfs]\n"
    "match = fqdn pfs.client.test\n"
    "local_auth = rsa-sig\n"
    "remote_auth = psk\n"
    "psk = " PSK "\n"
    "esp = short-pfs\n"
    "policy = POL\n"
    "[user alice]\n"
    "password = " PASSWORD "\n";

/* ------------------------------------------------------------------ */
/* The mock network, clock and both sides. */

struct pkt {
	int		 to_gw;
	struct net_path	 path;		/* as the sender saw it */
	size_t		 len;
	uint8_t		*data;
};

struct cli {
	struct ike_init	*sa;
	int		 established, failed, down;
	enum ike_init_error err;
	uint16_t	 notify;
	enum ike_init_down why;
	int		 free_in_cb;	/* free the SA from the callback */
};

static struct {
	struct pkt	 q[MAX_PKTS];
	size_t		 nq;
	/* Drops: everything to the gateway / to the client, or the next n
	 * datagrams to the client. */
	int		 drop_to_gw, drop_to_cli;
	uint8_t		 drop_exch;	/* drop the next drop_count ... */
	int		 drop_count;	/* ... to the client of that exchange */
	int		 nat;		/* translate the client's source */
	int		 cookie;	/* answer IKE_SA_INIT with a cookie */
	/* Records. */
	struct buf	*last_to_gw, *last_to_cli, *dropped_cli;
	struct net_path	 last_cli_path;	/* of the last client datagram */
	uint64_t	 cli_sent_at[32];
	struct buf	*cli_dgram[32];
	size_t		 ncli_sent;
	size_t		 cookie_seen;	/* requests that carried it */
	int		 cookie_first;	/* ... as their first payload */
	struct buf	*init_first;	/* first IKE_SA_INIT, as sent */
	struct buf	*init_cookie;	/* the one that carried the cookie */
} net;

static uint64_t now_ms;
static struct timer_heap th;
static struct ike_ctx *gw;
static struct cli clis[MAX_CLIENTS];
static struct child_sa gw_child;
static int gw_child_ups, gw_child_downs;
static uint32_t gw_down_spi;	/* spi_in of the last one down */
static struct pool_addr gw_vip, gw_vip6;
static size_t gw_nvip;

static const uint8_t cookie_data[] = "a cookie from a busy gateway";

static void
addr4(struct sockaddr_storage *ss, const char *a, uint16_t port)
{
	struct sockaddr_in *s = (struct sockaddr_in *)(void *)ss;

	memset(ss, 0, sizeof(*ss));
	s->sin_family = AF_INET;
	s->sin_port = htons(port);
	if (inet_pton(AF_INET, a, &s->sin_addr) != 1)
		abort();
}

static uint16_t
port_of(const struct sockaddr_storage *ss)
{
	return ntohs(((const struct sockaddr_in *)(const void *)ss)->sin_port);
}

static void
enqueue(int to_gw, const struct net_path *p, struct span d)
{
	struct pkt *k;

	if (net.nq == MAX_PKTS)
		abort();
	k = &net.q[net.nq++];
	k->to_gw = to_gw;
	k->path = *p;
	k->len = d.len;
	if ((k->data = malloc(d.len)) == NULL)
		abort();
	memcpy(k->data, d.p, d.len);
}

static void
keep(struct buf **b, struct span d)
{
	buf_free(*b);
	*b = buf_from_span(d, d.len);
}

static void
cli_send(void *arg, const struct net_path *p, struct span d)
{
	(void)arg;
	if (net.ncli_sent < 32) {
		net.cli_dgram[net.ncli_sent] = buf_from_span(d, d.len);
		net.cli_sent_at[net.ncli_sent++] = now_ms;
	}
	net.last_cli_path = *p;
	keep(&net.last_to_gw, d);
	enqueue(1, p, d);
}

static void
gw_send(void *arg, const struct net_path *p, struct span d)
{
	(void)arg;
	keep(&net.last_to_cli, d);
	enqueue(0, p, d);
}

static int
gw_child_up(void *arg, const struct child_sa *c, const struct pool_addr *vips,
    size_t nvip, const struct net_path *path)
{
	size_t i;

	(void)arg;
	(void)path;
	gw_child = *c;
	gw_nvip = nvip;
	for (i = 0; i < nvip; i++) {
		if (vips[i].family == AF_INET)
			gw_vip = vips[i];
		else
			gw_vip6 = vips[i];
	}
	gw_child_ups++;
	return 0;
}

static void
gw_child_down(void *arg, const struct child_sa *c)
{
	(void)arg;
	gw_down_spi = c->spi_in;
	gw_child_downs++;
}

static uint64_t
clock_fn(void *arg)
{
	(void)arg;
	return now_ms;
}

static void
ev_established(void *arg, struct ike_init *sa, const struct ike_init_result *r)
{
	struct cli *c = arg;

	(void)sa;
	(void)r;
	c->established++;
}

/* Our CHILD SA rekeys (ike_init_conf.rekey_ms). */
static int cli_rekeyed, cli_retired;
static struct child_sa cli_child;
static uint32_t cli_retired_spi;

static void
ev_rekeyed(void *arg, struct ike_init *sa, const struct child_sa *ch,
    int send_now)
{
	(void)arg;
	(void)sa;
	(void)send_now;
	cli_rekeyed++;
	cli_child = *ch;
}

static void
ev_retired(void *arg, struct ike_init *sa, uint32_t spi_in)
{
	(void)arg;
	(void)sa;
	cli_retired++;
	cli_retired_spi = spi_in;
}

static void
ev_failed(void *arg, struct ike_init *sa, enum ike_init_error err,
    uint16_t notify)
{
	struct cli *c = arg;

	c->failed++;
	c->err = err;
	c->notify = notify;
	if (c->free_in_cb) {
		ike_init_free(sa);
		c->sa = NULL;
	}
}

static void
ev_down(void *arg, struct ike_init *sa, enum ike_init_down why)
{
	struct cli *c = arg;

	(void)sa;
	c->down++;
	c->why = why;
}

/* Where the client is and what the gateway sees of it. */
#define CLI_ADDR	"198.18.0.2"
#define CLI_PRIV	"198.18.5.2"	/* behind the NAT */
#define GW_ADDR		"198.51.100.1"
#define NAT_OFFSET	40000		/* public port = private + this */

/* Answers an IKE_SA_INIT request with N(COOKIE) and nothing else, as a
 * responder under load would (2.6). */
static void
answer_cookie(const struct pkt *k)
{
	struct ike_msg_hdr h, rh;
	struct ike_pld_notify n;
	struct ike_chain c;
	struct net_path p;
	struct buf *b = buf_new(256);

	if (b == NULL || ike_msg_hdr_parse(span_make(k->data, k->len),
	    &h) != 0)
		abort();
	memset(&rh, 0, sizeof(rh));
	rh.spi_i = h.spi_i;
	rh.version = IKE_VERSION;
	rh.exch = IKE_EXCH_SA_INIT;
	rh.flags = IKE_FLAG_RESPONSE;
	memset(&n, 0, sizeof(n));
	n.type = IKE_N_COOKIE;
	n.data = span_make(cookie_data, sizeof(cookie_data) - 1);
	if (ike_msg_begin(&c, b, &rh) != 0 || ike_pld_add_notify(&c, &n) != 0 ||
	    ike_msg_finish(&c) != 0)
		abort();
	p.local = k->path.local;
	p.remote = k->path.remote;
	p.natt = 0;
	enqueue(0, &p, buf_span(b));
	buf_free(b);
}

/* Notes whether an IKE_SA_INIT request carries our cookie, first. */
static void
look_for_cookie(const struct pkt *k)
{
	struct ike_msg m;
	struct ike_pld_notify n;

	if (ike_msg_parse(span_make(k->data, k->len), &m) != 0 ||
	    m.hdr.exch != IKE_EXCH_SA_INIT ||
	    (m.hdr.flags & IKE_FLAG_RESPONSE))
		return;
	if (net.init_first == NULL)
		net.init_first = buf_from_span(span_make(k->data, k->len),
		    k->len);
	if (ike_msg_find_notify(&m, IKE_N_COOKIE, &n) != 0)
		return;
	net.cookie_seen++;
	net.cookie_first = m.npld > 0 && m.pld[0].type == IKE_PLD_NOTIFY &&
	    ike_pld_parse_notify(m.pld[0].body, &n) == 0 &&
	    n.type == IKE_N_COOKIE &&
	    span_eq(n.data, span_make(cookie_data, sizeof(cookie_data) - 1));
	if (net.init_cookie == NULL)
		net.init_cookie = buf_from_span(span_make(k->data, k->len),
		    k->len);
}

static void
deliver(struct pkt *k)
{
	struct net_path p;
	struct span d = span_make(k->data, k->len);
	uint64_t spi;
	size_t i;

	if (k->to_gw) {
		look_for_cookie(k);
		if (net.drop_to_gw)
			return;
		if (net.cookie && net.cookie_seen == 0 &&
		    d.len > 18 && d.p[18] == IKE_EXCH_SA_INIT) {
			answer_cookie(k);
			return;
		}
		/* The gateway's view: it is local, the client remote. */
		p.local = k->path.remote;
		p.remote = k->path.local;
		p.natt = k->path.natt;
		if (net.nat) {
			char a[] = CLI_ADDR;

			addr4(&p.remote, a, (uint16_t)(port_of(&k->path.local) +
			    NAT_OFFSET));
		}
		ike_ctx_input(gw, d, &p, now_ms);
		return;
	}
	if (net.drop_to_cli)
		return;
	if (net.drop_count > 0 && d.len > 18 && d.p[18] == net.drop_exch) {
		net.drop_count--;
		keep(&net.dropped_cli, d);
		return;
	}
	p.local = k->path.remote;
	p.remote = k->path.local;
	p.natt = k->path.natt;
	if (net.nat)
		addr4(&p.local, CLI_PRIV, (uint16_t)(port_of(&k->path.remote) -
		    NAT_OFFSET));
	for (spi = 0, i = 0; i < 8 && d.len >= 8; i++)
		spi = spi << 8 | d.p[i];
	for (i = 0; i < MAX_CLIENTS; i++)
		if (clis[i].sa != NULL &&
		    ike_init_spi(clis[i].sa, NULL) == spi) {
			ike_init_input(clis[i].sa, d, &p, now_ms);
			return;
		}
}

/* Delivers every queued datagram, and what they cause, in order. */
static void
pump(void)
{
	struct pkt k;

	while (net.nq > 0) {
		k = net.q[0];
		memmove(&net.q[0], &net.q[1], (net.nq - 1) * sizeof(net.q[0]));
		net.nq--;
		deliver(&k);
		free(k.data);
	}
}

/* Moves the fake clock to now + ms, firing every timer on the way. */
static void
advance(uint64_t ms)
{
	uint64_t end = now_ms + ms, d;

	pump();
	while (timer_next(&th, &d) == 0 && d <= end) {
		if (d > now_ms)
			now_ms = d;
		ike_ctx_set_now(gw, now_ms);
		timer_run(&th, now_ms);
		pump();
	}
	now_ms = end;
	ike_ctx_set_now(gw, now_ms);
}

static void
gw_start(void)
{
	static const struct ike_creds creds_tmpl;
	static struct ike_creds creds;
	struct ike_io io;

	creds = creds_tmpl;
	creds.key = gw_key;
	creds.cert = gw_cert;
	memset(&io, 0, sizeof(io));
	io.send = gw_send;
	io.child_up = gw_child_up;
	io.child_down = gw_child_down;
	if (ike_ctx_new(gwcfg, &creds, &th, &io, &gw) != 0)
		abort();
	memset(&gw_child, 0, sizeof(gw_child));
	memset(&gw_vip, 0, sizeof(gw_vip));
	memset(&gw_vip6, 0, sizeof(gw_vip6));
	gw_nvip = 0;
	gw_child_ups = gw_child_downs = 0;
}

static void
net_reset(void)
{
	size_t i;

	for (i = 0; i < net.nq; i++)
		free(net.q[i].data);
	buf_free(net.last_to_gw);
	buf_free(net.last_to_cli);
	buf_free(net.dropped_cli);
	buf_free(net.init_first);
	buf_free(net.init_cookie);
	for (i = 0; i < net.ncli_sent; i++)
		buf_free(net.cli_dgram[i]);
	memset(&net, 0, sizeof(net));
}

static void
gw_stop(void)
{
	size_t i;

	for (i = 0; i < MAX_CLIENTS; i++) {
		ike_init_free(clis[i].sa);
		memset(&clis[i], 0, sizeof(clis[i]));
	}
	ike_ctx_free(gw);
	gw = NULL;
	net_reset();
}

static struct ike_stats
gw_stats(void)
{
	struct ike_stats st;

	ike_ctx_stats(gw, &st);
	return st;
}

/* A conf for client slot i of mode m, towards the gateway. */
static void
conf_base(struct ike_init_conf *c, enum ike_init_mode m)
{
	memset(c, 0, sizeof(*c));
	c->mode = m;
	addr4(&c->path.local, net.nat ? CLI_PRIV : CLI_ADDR, 500);
	addr4(&c->path.remote, GW_ADDR, 500);
	c->local_nat_port = 4500;
	c->cas = &ca;
	c->ncas = 1;
	c->remote_id_type = 2;		/* FQDN */
	c->remote_id = span_str("vpn.example.test");
	switch (m) {
	case IKE_INIT_EAP:
		c->local_id_type = 11;	/* KEY_ID */
		c->local_id = span_str("eap-client-1");
		c->eap_identity = span_str("alice");
		c->password = span_str(PASSWORD);
		break;
	case IKE_INIT_PSK:
		c->local_id_type = 2;
		c->local_id = span_str("psk.client.test");
		c->psk = span_str(PSK);
		break;
	case IKE_INIT_CERT:
		c->local_id_type = 2;
		c->local_id = span_str("gw-p384.example.test");
		c->key = cli_key;
		c->certs = &cli_cert;
		c->ncerts = 1;
		break;
	case IKE_INIT_RESUME:
		break;
	}
}

/* Starts client slot i with conf c; returns its SA. */
static struct ike_init *
cli_start(size_t i, const struct ike_init_conf *c)
{
	struct ike_init_ops ops;
	int r;

	memset(&ops, 0, sizeof(ops));
	ops.send = cli_send;
	ops.established = ev_established;
	ops.failed = ev_failed;
	ops.down = ev_down;
	ops.child_rekeyed = ev_rekeyed;
	ops.child_retired = ev_retired;
	ops.now = clock_fn;
	ops.arg = &clis[i];
	ike_init_free(clis[i].sa);
	memset(&clis[i], 0, sizeof(clis[i]));
	if ((r = ike_init_new(c, &th, &ops, &clis[i].sa)) != 0) {
		diag("ike_init_new: %s", err_name(r));
		return NULL;
	}
	if ((r = ike_init_start(clis[i].sa, now_ms)) != 0)
		diag("ike_init_start: %s", err_name(r));
	return clis[i].sa;
}

static int
is_letters(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' &&
		    p[i] <= 'Z')))
			return 0;
	return 1;
}

static int
is_hex(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' &&
		    p[i] <= 'f')))
			return 0;
	return 1;
}

/* ------------------------------------------------------------------ */
/* The CHILD SA of both sides. */

/* An IPv4/UDP packet of 60 bytes from src to dst. */
static void
mk_v4(uint8_t *p, const uint8_t src[4], const uint8_t dst[4])
{
	size_t i;

	memset(p, 0, 60);
	p[0] = 0x45;
	p[3] = 60;
	p[8] = 64;
	p[9] = 17;
	memcpy(p + 12, src, 4);
	memcpy(p + 16, dst, 4);
	for (i = 28; i < 60; i++)
		p[i] = (uint8_t)i;
}

static struct esp_sa *
esp_for(const struct child_sa *c, enum esp_dir dir)
{
	struct esp_sa_params p;
	struct esp_sa *sa = NULL;

	memset(&p, 0, sizeof(p));
	p.spi = dir == ESP_IN ? c->spi_in : c->spi_out;
	p.dir = dir;
	p.esn = c->prop.esn;
	p.encr_id = c->prop.encr;
	p.encr_bits = c->prop.encr_bits;
	p.integ_id = c->prop.integ;
	esp_sa_params_keys(&p, &c->keys, c->we_initiated);
	if (esp_sa_new(&p, &sa) != 0)
		return NULL;
	return sa;
}

/* Seals one packet with out and opens it with in; 1 when it comes out
 * intact. */
static int
esp_pass(struct esp_sa *out, struct esp_sa *in, const uint8_t src[4],
    const uint8_t dst[4])
{
	uint8_t buf[256], ref[60];
	struct esp_pkt p;

	if (out == NULL || in == NULL)
		return 0;
	mk_v4(ref, src, dst);
	memcpy(buf + 64, ref, sizeof(ref));
	memset(&p, 0, sizeof(p));
	p.buf = buf;
	p.cap = sizeof(buf);
	p.off = 64;
	p.len = sizeof(ref);
	if (esp_seal(out, &p) != 0 || esp_open(in, &p) != 0)
		return 0;
	return p.len == sizeof(ref) && memcmp(buf + p.off, ref,
	    sizeof(ref)) == 0;
}

/* The two CHILD SAs mirror each other: SPIs swapped, same transforms
 * and keys, opposite roles, and ESP flows both ways. */
static void
check_children_by(const char *what, const struct child_sa *ci,
    const struct child_sa *cr, const struct pool_addr *vip, int gw_made)
{
	static const uint8_t inside[4] = { 198, 18, 10, 1 };
	struct esp_sa *co, *ri, *ro, *cin;

	is_int(ci->spi_in, cr->spi_out, "%s: our inbound SPI is the "
	    "gateway's outbound", what);
	is_int(ci->spi_out, cr->spi_in, "%s: our outbound SPI is the "
	    "gateway's inbound", what);
	ok(ci->prop.encr == cr->prop.encr &&
	    ci->prop.encr_bits == cr->prop.encr_bits &&
	    ci->prop.integ == cr->prop.integ && ci->prop.esn == cr->prop.esn,
	    "%s: same ESP transforms", what);
	ok(ci->keys.encr_len == cr->keys.encr_len &&
	    ci->keys.integ_len == cr->keys.integ_len &&
	    ci->keys.encr_len > 0 &&
	    memcmp(ci->keys.encr_i, cr->keys.encr_i, ci->keys.encr_len) == 0 &&
	    memcmp(ci->keys.encr_r, cr->keys.encr_r, ci->keys.encr_len) == 0 &&
	    memcmp(ci->keys.integ_i, cr->keys.integ_i,
	    ci->keys.integ_len) == 0 &&
	    memcmp(ci->keys.integ_r, cr->keys.integ_r,
	    ci->keys.integ_len) == 0 &&
	    memcmp(ci->keys.encr_i, ci->keys.encr_r, ci->keys.encr_len) != 0,
	    "%s: same KEYMAT on both sides, distinct per direction", what);
	ok(ci->we_initiated == !gw_made && cr->we_initiated == gw_made,
	    "%s: roles: %s initiated, %s responded", what,
	    gw_made ? "the gateway" : "we", gw_made ? "we" : "the gateway");
	co = esp_for(ci, ESP_OUT);
	ri = esp_for(cr, ESP_IN);
	ro = esp_for(cr, ESP_OUT);
	cin = esp_for(ci, ESP_IN);
	ok(esp_pass(co, ri, vip->a, inside),
	    "%s: ESP from us opens at the gateway", what);
	ok(esp_pass(ro, cin, inside, vip->a),
	    "%s: ESP from the gateway opens here", what);
	esp_sa_free(co);
	esp_sa_free(ri);
	esp_sa_free(ro);
	esp_sa_free(cin);
}

static void
check_children(const char *what, const struct child_sa *ci,
    const struct child_sa *cr, const struct pool_addr *vip)
{
	check_children_by(what, ci, cr, vip, 0);
}

/* ------------------------------------------------------------------ */
/* Scenarios. */

/* EAP-MSCHAPv2 with the session attributes: everything the CFG_REPLY
 * carries, the CHILD SA, and the gateway's counters. */
static void
t_eap(void)
{
	struct ike_init_conf c;
	const struct ike_init_result *res;
	struct ike_init_stats st;
	struct pool_addr lo, hi;
	char a[POOL_ADDR_STRLEN];

	gw_start();
	conf_base(&c, IKE_INIT_EAP);
	c.want_session = 1;
	cli_start(0, &c);
	pump();
	is_int(clis[0].established, 1, "eap: established");
	is_int(ike_init_state(clis[0].sa), IKE_INIT_S_ESTABLISHED,
	    "eap: state ESTABLISHED");
	res = ike_init_result(clis[0].sa);
	if (res == NULL) {
		ok(0, "eap: result");
		gw_stop();
		return;
	}
	if (pool_addr_pton("198.18.20.5", &lo) != 0 ||
	    pool_addr_pton("198.18.20.10", &hi) != 0)
		abort();
	ok(res->vip.family == AF_INET && memcmp(res->vip.a, lo.a, 4) >= 0 &&
	    memcmp(res->vip.a, hi.a, 4) <= 0,
	    "eap: address %s from the pool", pool_addr_ntop(&res->vip, a));
	ok(pool_addr_eq(&res->vip, &gw_vip), "eap: the gateway assigned it");
	/* RFC 7296 3.15.1: we asked for an IPv6 address too. */
	if (pool_addr_pton("2001:2:0:20::5", &lo) != 0 ||
	    pool_addr_pton("2001:2:0:20::10", &hi) != 0)
		abort();
	ok(res->vip6.family == AF_INET6 &&
	    memcmp(res->vip6.a, lo.a, 16) >= 0 &&
	    memcmp(res->vip6.a, hi.a, 16) <= 0 && res->vip6_prefix == 128,
	    "eap: IPv6 address %s/128 from the pool",
	    pool_addr_ntop(&res->vip6, a));
	ok(gw_nvip == 2 && pool_addr_eq(&res->vip6, &gw_vip6),
	    "eap: the gateway installed the CHILD SA under both addresses");
	ok(res->ndns == 2 && strcmp(pool_addr_ntop(&res->dns[0], a),
	    "198.18.10.53") == 0 && strcmp(pool_addr_ntop(&res->dns[1], a),
	    "198.18.10.54") == 0, "eap: DNS servers");
	is_str(res->domain, "corp.example.test", "eap: DNS domain");
	ok(res->nsplit == 3 && res->split[0].len == 24 &&
	    strcmp(pool_addr_ntop(&res->split[0].addr, a), "198.18.10.0") ==
	    0 && res->split[1].len == 24 &&
	    strcmp(pool_addr_ntop(&res->split[1].addr, a), "198.18.11.0") ==
	    0 && res->split[2].len == 64 &&
	    strcmp(pool_addr_ntop(&res->split[2].addr, a), "2001:2:0:10::") ==
	    0, "eap: split networks of both families");
	ok(res->session_id_len == SESSION_ID_LEN &&
	    is_letters(res->session_id, res->session_id_len),
	    "eap: session-id of %d letters", SESSION_ID_LEN);
	ok(res->token_len == SESSION_TOKEN_LEN &&
	    is_hex(res->token, res->token_len),
	    "eap: token of %d hex digits", SESSION_TOKEN_LEN);
	ok(!res->resumed && res->path.natt == 0 && !res->nat_local &&
	    !res->nat_peer, "eap: no NAT, not resumed, port 500");
	ok(res->child.ts.ni == 2 && res->child.ts.i[0].family == AF_INET &&
	    memcmp(res->child.ts.i[0].start, res->vip.a, 4) == 0 &&
	    memcmp(res->child.ts.i[0].end, res->vip.a, 4) == 0 &&
	    res->child.ts.i[1].family == AF_INET6 &&
	    memcmp(res->child.ts.i[1].start, res->vip6.a, 16) == 0 &&
	    memcmp(res->child.ts.i[1].end, res->vip6.a, 16) == 0,
	    "eap: TSi narrowed to our two addresses");
	ok(res->child.ts.nr == 3 && res->child.ts.r[2].family == AF_INET6,
	    "eap: TSr narrowed to the split networks, IPv6 included");
	is_int(gw_child_ups, 1, "eap: the gateway installed its CHILD SA");
	check_children("eap", &res->child, &gw_child, &res->vip);
	ike_init_stats(clis[0].sa, &st);
	ok(st.retransmits == 0 && st.rx_invalid == 0,
	    "eap: no retransmission, nothing invalid");
	is_int(gw_stats().auth_ok, 1, "eap: the gateway counts one login");
	gw_stop();
}

/* PSK and certificate logins, the gateway signing with RSA. */
static void
t_psk_cert(void)
{
	struct ike_init_conf c;
	const struct ike_init_result *res;

	gw_start();
	conf_base(&c, IKE_INIT_PSK);
	cli_start(0, &c);
	pump();
	is_int(clis[0].established, 1, "psk: established");
	res = ike_init_result(clis[0].sa);
	if (res != NULL) {
		ok(res->vip.family == AF_INET && res->session_id_len == 0,
		    "psk: address, no session asked for");
		check_children("psk", &res->child, &gw_child, &res->vip);
	} else
		ok(0, "psk: result");

	conf_base(&c, IKE_INIT_CERT);
	cli_start(1, &c);
	pump();
	is_int(clis[1].established, 1, "cert: established (ECDSA P-384 "
	    "client, RSA gateway)");
	res = ike_init_result(clis[1].sa);
	if (res != NULL)
		check_children("cert", &res->child, &gw_child, &res->vip);
	else
		ok(0, "cert: result");
	is_int(gw_stats().ike_sas, 2, "psk, cert: two IKE SAs at the gateway");
	gw_stop();
}

/* Refusals, both ways. */
static void
t_refused(void)
{
	struct ike_init_conf c;
	struct ike_stats st;

	gw_start();
	conf_base(&c, IKE_INIT_EAP);
	c.password = span_str("wrong password");
	cli_start(0, &c);
	pump();
	ok(clis[0].failed == 1 && clis[0].err == IKE_INIT_ERR_AUTH,
	    "wrong password: refused (%s)", ike_init_error_name(clis[0].err));
	is_int(ike_init_state(clis[0].sa), IKE_INIT_S_DONE,
	    "wrong password: state DONE");
	st = gw_stats();
	ok(st.auth_failed == 1 && st.auth_ok == 0 && gw_child_ups == 0,
	    "wrong password: the gateway counts a failure, no CHILD SA");

	conf_base(&c, IKE_INIT_PSK);
	c.psk = span_str("not-the-right-psk-at-all-0123456");
	cli_start(1, &c);
	pump();
	ok(clis[1].failed == 1 && clis[1].err == IKE_INIT_ERR_AUTH &&
	    clis[1].notify == IKE_N_AUTHENTICATION_FAILED,
	    "wrong PSK: AUTHENTICATION_FAILED");

	/* The gateway is not who we expect: refused after its AUTH, and
	 * told with a DELETE (it counts the SA as established). */
	conf_base(&c, IKE_INIT_PSK);
	c.remote_id = span_str("other.example.test");
	st = gw_stats();
	cli_start(2, &c);
	pump();
	ok(clis[2].failed == 1 && clis[2].err == IKE_INIT_ERR_PEER_AUTH,
	    "unexpected gateway identity: refused");
	ok(gw_stats().ike_sas == st.ike_sas &&
	    gw_stats().deleted_by_peer == st.deleted_by_peer + 1,
	    "... and the gateway deleted its SA on our DELETE");

	/* A gateway certificate from a CA we do not trust, with EAP: we
	 * stop before sending any credential. */
	conf_base(&c, IKE_INIT_EAP);
	c.cas = &other_ca;
	st = gw_stats();
	cli_start(3, &c);
	clis[3].free_in_cb = 1;
	pump();
	ok(clis[3].failed == 1 && clis[3].err == IKE_INIT_ERR_PEER_AUTH &&
	    clis[3].sa == NULL,
	    "untrusted gateway certificate: refused (freed in the callback)");
	ok(gw_stats().ike_sas == st.ike_sas && gw_stats().half_open == 0 &&
	    gw_stats().auth_failed == st.auth_failed + 1,
	    "... and the gateway dropped the half-made SA on our notify");
	gw_stop();
}

/* INVALID_KE_PAYLOAD (1.2): we offer modp2048 first, the gateway wants
 * ecp256. Then NO_PROPOSAL_CHOSEN. */
static void
t_proposals(void)
{
	static struct cfg_proposal p14, sha1;
	const struct cfg_proposal *pv[1];
	struct ike_init_conf c;
	struct ike_init_stats st;
	const struct ike_init_result *res;

	gw_start();
	memset(&p14, 0, sizeof(p14));
	p14.encr[0].id = XFORM_ENCR_AES_GCM_16;
	p14.encr[0].key_bits = 256;
	p14.nencr = 1;
	p14.prf[0] = XFORM_PRF_HMAC_SHA2_256;
	p14.nprf = 1;
	p14.group[0] = XFORM_DH_MODP2048;
	p14.group[1] = XFORM_DH_ECP256;
	p14.ngroup = 2;
	pv[0] = &p14;
	conf_base(&c, IKE_INIT_PSK);
	c.ike = pv;
	c.nike = 1;
	cli_start(0, &c);
	pump();
	is_int(clis[0].established, 1, "invalid KE: established after a "
	    "retry");
	ike_init_stats(clis[0].sa, &st);
	is_int(st.init_retries, 1, "invalid KE: one IKE_SA_INIT retry");
	is_int(gw_stats().init_invalid_ke, 1, "invalid KE: the gateway asked "
	    "once");
	res = ike_init_result(clis[0].sa);
	is_str(res != NULL ? res->ike_algs : NULL,
	    "aes256gcm16-prfsha256-ecp256", "invalid KE: IKE transforms");

	sha1 = p14;
	sha1.prf[0] = XFORM_PRF_HMAC_SHA1;
	pv[0] = &sha1;
	cli_start(1, &c);
	pump();
	ok(clis[1].failed == 1 && clis[1].err == IKE_INIT_ERR_NO_PROPOSAL &&
	    clis[1].notify == IKE_N_NO_PROPOSAL_CHOSEN,
	    "no common PRF: NO_PROPOSAL_CHOSEN");
	gw_stop();
}

/* COOKIE (2.6): the first IKE_SA_INIT is answered with a cookie; the
 * second must carry it first, every other byte as before. */
static void
t_cookie(void)
{
	struct ike_init_conf c;
	struct span a, b;

	gw_start();
	net.cookie = 1;
	conf_base(&c, IKE_INIT_PSK);
	cli_start(0, &c);
	pump();
	is_int(clis[0].established, 1, "cookie: established");
	ok(net.cookie_seen >= 1 && net.cookie_first,
	    "cookie: sent again with N(COOKIE) as the first payload");
	if (net.init_first != NULL && net.init_cookie != NULL) {
		/* The retry is the header, then N(COOKIE) (4 + 4 + cookie
		 * bytes), then the first request's payloads verbatim. */
		a = buf_span(net.init_first);
		b = buf_span(net.init_cookie);
		ok(b.len == a.len + 8 + sizeof(cookie_data) - 1 &&
		    memcmp(a.p + IKE_HDR_LEN + 1, b.p + IKE_HDR_LEN + 8 +
		    sizeof(cookie_data) - 1 + 1, a.len - IKE_HDR_LEN - 1) == 0,
		    "cookie: the other payloads unchanged");
	} else
		ok(0, "cookie: both requests seen");
	gw_stop();
}

/* 1 when the gateway's last datagram is an IKE_SA_INIT response holding
 * N(COOKIE) alone (2.6); its data in *ck. */
static int
gw_sent_cookie(struct span *ck)
{
	struct ike_msg m;
	struct ike_pld_notify n;

	return net.last_to_cli != NULL &&
	    ike_msg_parse(buf_span(net.last_to_cli), &m) == 0 &&
	    m.hdr.exch == IKE_EXCH_SA_INIT &&
	    (m.hdr.flags & IKE_FLAG_RESPONSE) && m.hdr.spi_r == 0 &&
	    m.npld == 1 && ike_msg_find_notify(&m, IKE_N_COOKIE, &n) == 0 &&
	    (*ck = n.data).len > 0;
}

/* 1 when k is an IKE_SA_INIT request that carries N(COOKIE). */
static int
has_cookie(const struct pkt *k)
{
	struct ike_msg m;
	struct ike_pld_notify n;

	return k->to_gw && ike_msg_parse(span_make(k->data, k->len), &m) == 0 &&
	    m.hdr.exch == IKE_EXCH_SA_INIT &&
	    !(m.hdr.flags & IKE_FLAG_RESPONSE) &&
	    ike_msg_find_notify(&m, IKE_N_COOKIE, &n) == 0;
}

/* Client slot i starts; its first IKE_SA_INIT reaches the gateway, whose
 * COOKIE reaches the client; the retry with the cookie is taken off the
 * network and returned (owned), the client freed. */
static struct buf *
capture_retry(size_t i, const struct ike_init_conf *c)
{
	struct buf *b = NULL;
	struct pkt k;

	cli_start(i, c);
	while (net.nq > 0 && b == NULL) {
		k = net.q[0];
		memmove(&net.q[0], &net.q[1], (net.nq - 1) * sizeof(net.q[0]));
		net.nq--;
		if (has_cookie(&k))
			b = buf_from_span(span_make(k.data, k.len), k.len);
		else
			deliver(&k);
		free(k.data);
	}
	ike_init_free(clis[i].sa);
	clis[i].sa = NULL;
	return b;
}

/* The gateway's view of a datagram from the client at addr. */
static void
gw_input_from(struct span d, const char *addr)
{
	struct net_path p;

	memset(&p, 0, sizeof(p));
	addr4(&p.local, GW_ADDR, 500);
	addr4(&p.remote, addr, 500);
	ike_ctx_input(gw, d, &p, now_ms);
}

/*
 * Our own cookies (2.6), with cookie_threshold = 0 (always): a client
 * gets one, comes back with it and gets its SA, the gateway having done
 * no Diffie-Hellman for the first request. The cookie is bound to SPIi
 * and the client's address; one made under the secret before the current
 * one still works, one two secrets old does not.
 */
static void
t_gw_cookie(void)
{
	struct ike_init_conf c;
	struct ike_stats st;
	struct cfg *saved = gwcfg;
	struct buf *r1, *r2, *r3;
	struct span ck;
	uint8_t *x;

	gwcfg = ckcfg;
	gw_start();
	conf_base(&c, IKE_INIT_PSK);
	cli_start(0, &c);
	pump();
	st = gw_stats();
	is_int(clis[0].established, 1, "our cookie: the client gets its SA");
	ok(st.init_cookie_sent == 1 && st.init_cookie_ok == 1 &&
	    st.init_cookie_bad == 0 && st.init_ok == 1,
	    "our cookie: one sent, one accepted, one IKE_SA_INIT done");
	{
		struct ike_msg m;
		struct ike_pld_notify n;

		ok(net.init_cookie != NULL &&
		    ike_msg_parse(buf_span(net.init_cookie), &m) == 0 &&
		    m.npld > 0 && m.pld[0].type == IKE_PLD_NOTIFY &&
		    ike_pld_parse_notify(m.pld[0].body, &n) == 0 &&
		    n.type == IKE_N_COOKIE && n.data.len == 33,
		    "our cookie: 33 bytes, first in the retry");
	}

	/* Two retries made at the same time, kept for later. */
	r1 = capture_retry(1, &c);
	r2 = capture_retry(2, &c);
	ok(r1 != NULL && r2 != NULL, "our cookie: two retries captured");
	if (r1 == NULL || r2 == NULL)
		goto out;
	st = gw_stats();

	/* Another SPIi, or another address: not its cookie. */
	r3 = buf_from_span(buf_span(r1), buf_len(r1));
	x = (uint8_t *)buf_span(r3).p;
	x[7] ^= 1;
	gw_input_from(buf_span(r3), CLI_ADDR);
	buf_free(r3);
	ok(gw_sent_cookie(&ck) && gw_stats().init_cookie_bad ==
	    st.init_cookie_bad + 1 && gw_stats().init_ok == st.init_ok,
	    "our cookie: refused under another SPIi, a new one sent");
	gw_input_from(buf_span(r1), "198.51.100.77");
	ok(gw_sent_cookie(&ck) && gw_stats().init_cookie_bad ==
	    st.init_cookie_bad + 2 && gw_stats().init_ok == st.init_ok,
	    "our cookie: refused from another address");

	/* The secret changes: the one before still counts... */
	advance(61000);
	gw_input_from(buf_span(r1), CLI_ADDR);
	ok(!gw_sent_cookie(&ck) && gw_stats().init_ok == st.init_ok + 1 &&
	    gw_stats().init_cookie_ok == st.init_cookie_ok + 1,
	    "our cookie: good under the secret before (61 s later)");
	/* ... the one before that does not. */
	advance(61000);
	gw_input_from(buf_span(r2), CLI_ADDR);
	ok(gw_sent_cookie(&ck) && gw_stats().init_ok == st.init_ok + 1 &&
	    gw_stats().init_cookie_bad == st.init_cookie_bad + 3,
	    "our cookie: stale two secrets later (122 s)");
out:
	buf_free(r1);
	buf_free(r2);
	gw_stop();
	gwcfg = saved;
}

/*
 * A flood of IKE_SA_INIT requests (one client's first request under 40
 * SPIs) against the default cookie_threshold of 30: the first 30 make
 * half-open SAs, the other 10 get a cookie and leave nothing behind. Once
 * the half-open SAs expired, a request without a cookie is served again.
 */
static void
t_gw_flood(void)
{
	struct ike_init_conf c;
	struct ike_stats st;
	struct buf *first = NULL, *b;
	struct span ck;
	struct pkt k;
	int i, cookies = 0;

	gw_start();
	conf_base(&c, IKE_INIT_PSK);
	cli_start(0, &c);
	while (net.nq > 0) {
		k = net.q[--net.nq];
		if (k.to_gw && first == NULL)
			first = buf_from_span(span_make(k.data, k.len), k.len);
		free(k.data);
	}
	ike_init_free(clis[0].sa);
	clis[0].sa = NULL;
	if (first == NULL) {
		ok(0, "flood: a first IKE_SA_INIT");
		gw_stop();
		return;
	}
	for (i = 0; i < 40; i++) {
		b = buf_from_span(buf_span(first), buf_len(first));
		((uint8_t *)buf_span(b).p)[6] = (uint8_t)(i + 1);
		gw_input_from(buf_span(b), CLI_ADDR);
		cookies += gw_sent_cookie(&ck);
		buf_free(b);
	}
	st = gw_stats();
	ok(st.half_open == 30 && st.init_ok == 30 && st.init_cookie_sent == 10 &&
	    cookies == 10, "flood: 30 half-open SAs, then 10 cookies (%zu, "
	    "%llu, %llu)", st.half_open, (unsigned long long)st.init_ok,
	    (unsigned long long)st.init_cookie_sent);
	advance(31000);
	b = buf_from_span(buf_span(first), buf_len(first));
	((uint8_t *)buf_span(b).p)[6] = 0xee;
	gw_input_from(buf_span(b), CLI_ADDR);
	st = gw_stats();
	ok(!gw_sent_cookie(&ck) && st.half_open_expired == 30 &&
	    st.half_open == 1 && st.init_ok == 31,
	    "flood: once they expired, served without a cookie");
	buf_free(b);
	buf_free(first);
	gw_stop();
}

/*
 * Our rekeys of the CHILD SA (rekey_ms 5 s, 1.3.3): none before it is
 * due; then CREATE_CHILD_SA with REKEY_SA, answered by ikegated's own
 * responder: the new SA mirrors the gateway's (SPIs, keys, roles, ESP
 * both ways), replaces the old one, which our DELETE retires; again 5 s
 * later, the SA up all along.
 */
static void
t_rekey_ours(void)
{
	struct ike_init_conf c;
	const struct ike_init_result *res;
	struct ike_init_stats st;
	uint32_t in0, out0;

	gw_start();
	cli_rekeyed = cli_retired = 0;
	conf_base(&c, IKE_INIT_PSK);
	c.rekey_ms = 5000;
	cli_start(0, &c);
	pump();
	res = clis[0].sa != NULL ? ike_init_result(clis[0].sa) : NULL;
	if (clis[0].established != 1 || res == NULL) {
		ok(0, "our rekey: established");
		gw_stop();
		return;
	}
	in0 = res->child.spi_in;
	out0 = res->child.spi_out;
	advance(4900);
	is_int(cli_rekeyed, 0, "our rekey: not before rekey_ms");
	advance(200);
	is_int(cli_rekeyed, 1, "our rekey: made after rekey_ms");
	ok(cli_retired == 1 && cli_retired_spi == in0,
	    "our rekey: the old SA retired after its DELETE");
	ok(gw_child_downs == 1 && gw_down_spi == out0,
	    "our rekey: the gateway retired its half on our DELETE");
	ok(cli_child.replaces == in0 && cli_child.spi_in != in0 &&
	    cli_child.spi_out != out0 && res->child.spi_in ==
	    cli_child.spi_in, "our rekey: new SPIs, replacing the old");
	check_children("our rekey", &cli_child, &gw_child, &gw_vip);
	is_int(gw_stats().child_rekeys, 1, "our rekey: the gateway counts it");
	advance(5100);
	ike_init_stats(clis[0].sa, &st);
	ok(cli_rekeyed == 2 && cli_retired == 2 && st.child_rekeys == 2 &&
	    clis[0].down == 0 && ike_init_state(clis[0].sa) ==
	    IKE_INIT_S_ESTABLISHED, "our rekey: again 5 s later, still up");
	gw_stop();
}

/*
 * A rekey the data plane asks for (ike_init_rekey_child: the CHILD SA's
 * volume nears its end) with timed rekeys off (rekey_ms 0): refused
 * before the SA is up; made at once, and once when asked twice; the new
 * SA carries life_bytes as the first did; none follows by time, but
 * another when asked again.
 */
static void
t_rekey_volume(void)
{
	struct ike_init_conf c;
	const struct ike_init_result *res;
	struct ike_init *sa;
	uint32_t in0;

	gw_start();
	cli_rekeyed = cli_retired = 0;
	conf_base(&c, IKE_INIT_PSK);
	c.life_bytes = 1u << 20;
	if ((sa = cli_start(0, &c)) == NULL) {
		ok(0, "volume rekey: started");
		gw_stop();
		return;
	}
	is_int(ike_init_rekey_child(sa, now_ms), -E_STATE,
	    "volume rekey: refused before the SA is up");
	pump();
	res = ike_init_result(sa);
	if (clis[0].established != 1 || res == NULL) {
		ok(0, "volume rekey: established");
		gw_stop();
		return;
	}
	ok(res->child.life_bytes == 1u << 20,
	    "volume rekey: the CHILD SA carries life_bytes");
	in0 = res->child.spi_in;
	advance(60000);
	is_int(cli_rekeyed, 0, "volume rekey: none by time (rekey_ms 0)");
	ok(ike_init_rekey_child(sa, now_ms) == 0 &&
	    ike_init_rekey_child(sa, now_ms) == 0, "volume rekey: asked twice");
	advance(1000);
	ok(cli_rekeyed == 1 && cli_retired == 1 && cli_retired_spi == in0,
	    "volume rekey: one rekey, at once, the old SA retired");
	ok(cli_child.replaces == in0 && cli_child.life_bytes == 1u << 20 &&
	    res->child.life_bytes == 1u << 20,
	    "volume rekey: the new SA carries life_bytes too");
	check_children("volume rekey", &cli_child, &gw_child, &gw_vip);
	advance(1800000);	/* within the gateway's lifetime (3600) */
	is_int(cli_rekeyed, 1, "volume rekey: none by time after it");
	ok(ike_init_rekey_child(sa, now_ms) == 0, "volume rekey: asked again");
	advance(1000);
	ok(cli_rekeyed == 2 && cli_retired == 2 && clis[0].down == 0,
	    "volume rekey: a second one, the SA still up");
	gw_stop();
}

/*
 * Our rekey of the IKE SA (ike_rekey_ms 5 s, 2.18) against ikegated's
 * responder: new SPIs on both sides, the old SA deleted, the CHILD SA
 * kept; then our DELETE, protected with the new keys, is understood.
 */
static void
t_ike_rekey_ours(void)
{
	struct ike_init_conf c;
	struct ike_init_stats st;
	uint64_t spi0, spi_r0, spi_r;
	uint32_t child0;

	gw_start();
	conf_base(&c, IKE_INIT_PSK);
	c.ike_rekey_ms = 5000;
	cli_start(0, &c);
	pump();
	if (clis[0].established != 1) {
		ok(0, "IKE rekey: established");
		gw_stop();
		return;
	}
	spi0 = ike_init_spi(clis[0].sa, &spi_r0);
	child0 = ike_init_result(clis[0].sa)->child.spi_in;
	advance(5100);
	ike_init_stats(clis[0].sa, &st);
	(void)ike_init_spi(clis[0].sa, &spi_r);
	ok(st.ike_rekeys == 1 && ike_init_spi(clis[0].sa, NULL) != spi0 &&
	    spi_r != spi_r0 && spi_r != 0, "IKE rekey: new SPIs");
	ok(gw_stats().ike_rekeys == 1 && gw_stats().ike_sas == 1,
	    "IKE rekey: the gateway has the new SA only");
	ok(ike_init_result(clis[0].sa)->child.spi_in == child0 &&
	    gw_child_downs == 0, "IKE rekey: the CHILD SA carries on");
	ok(ike_init_delete(clis[0].sa, now_ms) == 0, "IKE rekey: DELETE");
	pump();
	ok(clis[0].down == 1 && clis[0].why == IKE_INIT_DOWN_CLOSED &&
	    gw_stats().ike_sas == 0,
	    "IKE rekey: the new keys agree (the DELETE is answered)");
	gw_stop();
}

/*
 * The gateway's rekeys at the CHILD SA's lifetime ([esp] lifetime = 10
 * s): not before 85% of it; then CREATE_CHILD_SA from the gateway, which
 * our client answers: the new SA mirrors (SPIs, keys, the gateway its
 * initiator, ESP both ways), what the gateway sends moves at once, and
 * its DELETE of the old SA retires it on both sides. With pfs = 19, the
 * request carries a KE of that group. A rekey of ours while the
 * gateway's is in flight is answered TEMPORARY_FAILURE. A client that
 * never answers is declared dead after the retransmissions.
 */
static void
t_gw_rekey_run(const char *what, const char *id, int pfs)
{
	struct ike_init_conf c;
	const struct ike_init_result *res;
	struct ike_init_stats st;
	struct ike_stats gs;
	uint32_t in0, out0;

	gw_start();
	cli_rekeyed = cli_retired = 0;
	conf_base(&c, IKE_INIT_PSK);
	c.local_id = span_str(id);
	cli_start(0, &c);
	pump();
	res = clis[0].sa != NULL ? ike_init_result(clis[0].sa) : NULL;
	if (clis[0].established != 1 || res == NULL) {
		ok(0, "%s: established", what);
		gw_stop();
		return;
	}
	in0 = res->child.spi_in;
	out0 = res->child.spi_out;
	advance(8400);
	ok(cli_rekeyed == 0 && gw_stats().child_rekeys == 0,
	    "%s: not before 85%% of the lifetime", what);
	advance(700);
	gs = gw_stats();
	ok(cli_rekeyed == 1 && gs.child_rekeys == 1,
	    "%s: rekeyed by 90%% of it (%d, %llu)", what, cli_rekeyed,
	    (unsigned long long)gs.child_rekeys);
	ok(cli_retired == 1 && cli_retired_spi == in0,
	    "%s: the old SA retired after the gateway's DELETE", what);
	ok(cli_child.replaces == in0 && cli_child.spi_in != in0 &&
	    cli_child.spi_out != out0 && res->child.spi_in ==
	    cli_child.spi_in && gw_child.spi_in == cli_child.spi_out,
	    "%s: new SPIs, replacing the old", what);
	ok(gw_child.prop.dh == (pfs ? 19 : 0) &&
	    cli_child.prop.dh == gw_child.prop.dh,
	    "%s: %s", what, pfs ? "PFS with group 19" : "no PFS");
	check_children_by(what, &cli_child, &gw_child, &gw_vip, 1);
	advance(9100);
	ike_init_stats(clis[0].sa, &st);
	ok(cli_rekeyed == 2 && cli_retired == 2 && clis[0].down == 0 &&
	    gw_stats().child_sas == 1 && ike_init_state(clis[0].sa) ==
	    IKE_INIT_S_ESTABLISHED, "%s: again one lifetime later, one SA",
	    what);
	gw_stop();
}

static void
t_gw_rekey(void)
{
	struct ike_init_conf c;
	struct ike_init_stats st;
	struct ike_stats gs;
	int i;

	t_gw_rekey_run("gateway rekey", "short.client.test", 0);
	t_gw_rekey_run("gateway rekey, PFS", "pfs.client.test", 1);

	/* Our rekey, due while the gateway's is in flight (lifetime 60 s:
	 * its request at 51-54 s, lost, then ours at 54 s):
	 * TEMPORARY_FAILURE; the gateway's retransmission goes through. */
	gw_start();
	cli_rekeyed = cli_retired = 0;
	conf_base(&c, IKE_INIT_PSK);
	c.local_id = span_str("long.client.test");
	c.rekey_ms = 54000;
	cli_start(0, &c);
	pump();
	net.drop_to_cli = 1;
	advance(54100);
	net.drop_to_cli = 0;
	ok(cli_rekeyed == 0 && gw_stats().child_rekeys == 0,
	    "collision: no rekey done while the client hears nothing");
	advance(5000);
	ike_init_stats(clis[0].sa, &st);
	gs = gw_stats();
	ok(cli_rekeyed == 1 && gs.child_rekeys == 1 && gs.child_sas == 1 &&
	    clis[0].down == 0 && st.child_rekeys == 1,
	    "collision: ours refused, the gateway's done (%d, %llu)",
	    cli_rekeyed, (unsigned long long)gs.child_rekeys);
	gw_stop();

	/* The client's answer lost until the SA's lifetime is over: the
	 * SA expires, and once the answer comes (to the retransmission)
	 * one DELETE ends both the expired SA and the one the client made
	 * for our rekey (else it would send there); the IKE SA stays. */
	gw_start();
	conf_base(&c, IKE_INIT_PSK);
	c.local_id = span_str("short.client.test");
	cli_start(0, &c);
	pump();
	advance(8400);
	net.drop_to_gw = 1;
	advance(1700);
	net.drop_to_gw = 0;
	gs = gw_stats();
	ok(gs.child_sas == 0 && gw_child_downs == 1 && gs.child_rekeys == 0,
	    "lost answer: the SA expired at its lifetime (%zu, %d)",
	    gs.child_sas, gw_child_downs);
	for (i = 0; i < 100; i++)
		advance(1000);
	gs = gw_stats();
	ok(gs.ike_sas == 1 && gs.child_sas == 0 && gs.child_rekeys == 0 &&
	    gs.dpd_dead == 0, "lost answer: the DELETE answered (no "
	    "retransmission left), the IKE SA stays");
	ok(clis[0].down == 1, "lost answer: the client knows its tunnel is "
	    "gone (ikeclient resumes then)");
	gw_stop();

	/* A client that never answers: dead 90 s after the request
	 * (sent again 2, 4, 8, 16 and 30 s apart, then 30 s more). */
	gw_start();
	conf_base(&c, IKE_INIT_PSK);
	c.local_id = span_str("short.client.test");
	cli_start(0, &c);
	pump();
	net.drop_to_cli = 1;
	advance(9100);
	for (i = 0; i < 88; i++)
		advance(1000);
	ok(gw_stats().ike_sas == 1, "silent client: alive at 88 s");
	advance(3000);
	gs = gw_stats();
	ok(gs.dpd_dead == 1 && gs.ike_sas == 0,
	    "silent client: dead after the rekey's retransmissions");
	net.drop_to_cli = 0;
	gw_stop();
}

/* A lost response: the request goes again, byte for byte, after the
 * first wait, and the gateway answers with its cached response (2.1). */
static void
t_retransmit(void)
{
	struct ike_init_conf c;
	struct ike_init_stats st;
	uint64_t t0;

	gw_start();
	conf_base(&c, IKE_INIT_PSK);
	net.drop_exch = IKE_EXCH_SA_INIT;
	net.drop_count = 1;
	cli_start(0, &c);
	t0 = now_ms;
	pump();
	ok(net.drop_count == 0 && net.ncli_sent == 1,
	    "retransmit: IKE_SA_INIT response lost");
	/* 1 s later the same request; the gateway answers it again, and
	 * the IKE_AUTH response is lost in turn. */
	net.drop_exch = IKE_EXCH_AUTH;
	net.drop_count = 1;
	advance(1000);
	ok(net.ncli_sent == 3 && net.cli_sent_at[1] == t0 + 1000 &&
	    span_eq(buf_span(net.cli_dgram[0]), buf_span(net.cli_dgram[1])),
	    "retransmit: IKE_SA_INIT again after 1 s, same bytes");
	is_int(clis[0].established, 0, "retransmit: IKE_AUTH response lost");
	advance(999);
	is_int(net.ncli_sent, 3, "retransmit: nothing more before 1 s");
	advance(1);
	ok(net.ncli_sent == 4 &&
	    span_eq(buf_span(net.cli_dgram[2]), buf_span(net.cli_dgram[3])),
	    "retransmit: IKE_AUTH request again, same bytes");
	ok(net.dropped_cli != NULL && net.last_to_cli != NULL &&
	    span_eq(buf_span(net.dropped_cli), buf_span(net.last_to_cli)),
	    "retransmit: the gateway resent its response, same bytes");
	is_int(clis[0].established, 1, "retransmit: established");
	ike_init_stats(clis[0].sa, &st);
	is_int(st.retransmits, 2, "retransmit: two retransmissions");
	is_int(gw_stats().rx_retransmit, 2, "retransmit: the gateway saw "
	    "both");
	gw_stop();
}

/* Nobody answers: 1, 2, 4 s between the sends, then unreachable. */
static void
t_timeout(void)
{
	struct ike_init_conf c;
	uint64_t t0;

	gw_start();
	net.drop_to_gw = 1;
	conf_base(&c, IKE_INIT_PSK);
	c.retx_tries = 3;
	cli_start(0, &c);
	t0 = now_ms;
	advance(14999);
	ok(net.ncli_sent == 4 && net.cli_sent_at[1] == t0 + 1000 &&
	    net.cli_sent_at[2] == t0 + 3000 && net.cli_sent_at[3] == t0 + 7000,
	    "timeout: sent at +0, +1, +3, +7 s");
	is_int(clis[0].failed, 0, "timeout: still trying at +15 s - 1 ms");
	advance(1);
	ok(clis[0].failed == 1 && clis[0].err == IKE_INIT_ERR_TIMEOUT,
	    "timeout: gateway unreachable at +15 s");
	gw_stop();
}

/* Through a NAT (2.23): detected from the gateway's hashes, and IKE_AUTH
 * goes to port 4500; and NAT-T forced without a NAT. */
static void
t_nat(void)
{
	struct ike_init_conf c;
	const struct ike_init_result *res;

	gw_start();
	net.nat = 1;
	conf_base(&c, IKE_INIT_PSK);
	cli_start(0, &c);
	pump();
	is_int(clis[0].established, 1, "nat: established");
	res = ike_init_result(clis[0].sa);
	ok(res != NULL && res->nat_local && !res->nat_peer &&
	    res->path.natt && port_of(&res->path.remote) == 4500 &&
	    port_of(&res->path.local) == 4500,
	    "nat: we are behind a NAT, IKE and ESP on 4500");
	ok(net.last_cli_path.natt == 1 &&
	    port_of(&net.last_cli_path.remote) == 4500,
	    "nat: IKE_AUTH went to port 4500");
	if (res != NULL)
		check_children("nat", &res->child, &gw_child, &res->vip);
	gw_stop();

	gw_start();
	conf_base(&c, IKE_INIT_PSK);
	c.force_natt = 1;
	cli_start(0, &c);
	pump();
	res = ike_init_result(clis[0].sa);
	ok(clis[0].established == 1 && res != NULL && res->path.natt &&
	    port_of(&res->path.remote) == 4500,
	    "forced NAT-T: established on port 4500");
	gw_stop();
}

/*
 * Resumption (DESIGN.md): log in asking for the session attributes; go
 * silent until the gateway's DPD declares us dead; resume with
 * KEY_ID(session-id) and the token: same address, new token; then the
 * old token and a made-up one are refused.
 */
static void
t_resume(void)
{
	struct ike_init_conf c;
	const struct ike_init_result *res;
	uint8_t sid[IKE_INIT_SECRET_MAX], tok[IKE_INIT_SECRET_MAX];
	uint8_t bad[SESSION_TOKEN_LEN];
	size_t sid_len, tok_len;
	struct pool_addr vip, vip6;
	struct ike_stats st;
	struct buf *out;

	gw_start();
	conf_base(&c, IKE_INIT_EAP);
	c.want_session = 1;
	cli_start(0, &c);
	pump();
	res = ike_init_result(clis[0].sa);
	if (res == NULL || res->session_id_len == 0 || res->token_len == 0) {
		ok(0, "resume: login with a session");
		gw_stop();
		return;
	}
	sid_len = res->session_id_len;
	memcpy(sid, res->session_id, sid_len);
	tok_len = res->token_len;
	memcpy(tok, res->token, tok_len);
	vip = res->vip;
	vip6 = res->vip6;

	/* The client hears nothing more: the gateway probes 10 s after the
	 * last message, twice more, then gives up. */
	net.drop_to_cli = 1;
	advance(60000);
	st = gw_stats();
	ok(st.dpd_dead == 1 && st.ike_sas == 0 && gw_child_downs == 1,
	    "resume: the gateway declared us dead");
	ike_init_free(clis[0].sa);
	clis[0].sa = NULL;
	net.drop_to_cli = 0;

	conf_base(&c, IKE_INIT_RESUME);
	c.session_id = span_make(sid, sid_len);
	c.token = span_make(tok, tok_len);
	cli_start(1, &c);
	pump();
	is_int(clis[1].established, 1, "resume: established");
	res = ike_init_result(clis[1].sa);
	if (res != NULL) {
		ok(res->resumed && pool_addr_eq(&res->vip, &vip) &&
		    vip6.family == AF_INET6 && pool_addr_eq(&res->vip6, &vip6),
		    "resume: same addresses, IPv4 and IPv6");
		ok(res->session_id_len == sid_len &&
		    memcmp(res->session_id, sid, sid_len) == 0,
		    "resume: same session-id");
		ok(res->token_len == SESSION_TOKEN_LEN &&
		    (res->token_len != tok_len ||
		    memcmp(res->token, tok, tok_len) != 0),
		    "resume: token rotated");
		ok(res->nsplit == 3 && res->ndns == 2 &&
		    strcmp(res->domain, "corp.example.test") == 0,
		    "resume: same attributes");
		check_children("resume", &res->child, &gw_child, &res->vip);
	} else
		ok(0, "resume: result");
	ok((out = buf_new(4096)) != NULL &&
	    ike_ctx_stats_reconnect(gw, out, 1) == 0 &&
	    buf_add_u8(out, 0) == 0 &&
	    strstr((const char *)buf_span(out).p,
	    "\"success_reconnect_connection\":1,") != NULL,
	    "resume: the gateway counts one successful reconnect");
	buf_free(out);

	/* The old token was single-use. */
	cli_start(2, &c);
	pump();
	ok(clis[2].failed == 1 && clis[2].err == IKE_INIT_ERR_RESUME &&
	    clis[2].notify == IKE_N_AUTHENTICATION_FAILED,
	    "resume with the old token: refused, distinctly");
	memset(bad, 'a', sizeof(bad));
	c.token = span_make(bad, sizeof(bad));
	cli_start(2, &c);
	pump();
	ok(clis[2].failed == 1 && clis[2].err == IKE_INIT_ERR_RESUME,
	    "resume with a wrong token: refused");
	is_int(ike_init_state(clis[1].sa), IKE_INIT_S_ESTABLISHED,
	    "resume: the resumed SA is still up");

	/* The client moves before the gateway noticed anything (a new
	 * network): it resumes over its live SA, which the gateway
	 * replaces. Let the refused attempts above expire first. */
	advance(6000);
	res = ike_init_result(clis[1].sa);
	if (res == NULL) {
		ok(0, "resume: second round");
		gw_stop();
		return;
	}
	tok_len = res->token_len;
	memcpy(tok, res->token, tok_len);
	c.token = span_make(tok, tok_len);
	st = gw_stats();
	cli_start(2, &c);
	pump();
	res = ike_init_result(clis[2].sa);
	ok(clis[2].established == 1 && res != NULL &&
	    pool_addr_eq(&res->vip, &vip),
	    "resume over a live SA: established, same address");
	ok(gw_stats().ike_sas == st.ike_sas &&
	    gw_child_downs == 2 && gw_stats().child_sas == 1,
	    "resume over a live SA: the old SAs were replaced");
	ike_init_free(clis[1].sa);
	clis[1].sa = NULL;

	/* Lost again, and not back within reconnect_timeout (600 s): the
	 * session is gone, the resume is refused (DESIGN.md step 5). */
	tok_len = res->token_len;
	memcpy(tok, res->token, tok_len);
	net.drop_to_cli = 1;
	advance(60000);
	net.drop_to_cli = 0;
	is_int(gw_stats().ike_sas, 0, "resume: lost again");
	advance(600000);
	cli_start(3, &c);
	pump();
	ok(clis[3].failed == 1 && clis[3].err == IKE_INIT_ERR_RESUME,
	    "resume after the reconnect timeout: refused");
	gw_stop();
}

/* The gateway's DPD is answered; ours too; ours detects a dead gateway. */
static void
t_dpd(void)
{
	struct ike_init_conf c;
	struct ike_init_stats st;
	struct ike_stats gs;

	gw_start();
	conf_base(&c, IKE_INIT_EAP);
	cli_start(0, &c);
	pump();
	advance(35000);
	gs = gw_stats();
	ok(gs.dpd_sent >= 3 && gs.dpd_dead == 0 && gs.ike_sas == 1,
	    "dpd: the gateway probed %llu times, we answered",
	    (unsigned long long)gs.dpd_sent);
	is_int(ike_init_state(clis[0].sa), IKE_INIT_S_ESTABLISHED,
	    "dpd: still established");
	gw_stop();

	/* The PSK profile has no DPD: only ours runs. */
	gw_start();
	conf_base(&c, IKE_INIT_PSK);
	c.dpd_ms = 5000;
	c.retx_tries = 2;
	cli_start(0, &c);
	pump();
	advance(5000);
	ike_init_stats(clis[0].sa, &st);
	ok(st.dpd_sent == 1 && ike_init_state(clis[0].sa) ==
	    IKE_INIT_S_ESTABLISHED && clis[0].down == 0,
	    "our dpd: probe answered");
	/* ESP traffic counts as life: no probe while it flows. */
	advance(3000);
	ike_init_alive(clis[0].sa, now_ms);
	advance(3000);
	ike_init_stats(clis[0].sa, &st);
	is_int(st.dpd_sent, 1, "our dpd: no probe after recent ESP");
	net.drop_to_gw = 1;
	advance(5000 + 1000 + 2000 + 4000);
	ok(clis[0].down == 1 && clis[0].why == IKE_INIT_DOWN_DEAD &&
	    ike_init_state(clis[0].sa) == IKE_INIT_S_DONE,
	    "our dpd: gateway dead after 3 unanswered probes");
	gw_stop();
}

/* DELETE from us (a user disconnect), and from the gateway (ikectl
 * disconnect). */
static void
t_delete(void)
{
	struct ike_init_conf c;
	const struct ike_init_result *res;
	struct ike_stats st;
	char sid[SESSION_ID_LEN];

	gw_start();
	conf_base(&c, IKE_INIT_EAP);
	c.want_session = 1;
	cli_start(0, &c);
	pump();
	is_int(ike_init_delete(clis[0].sa, now_ms), 0, "delete: started");
	is_int(ike_init_state(clis[0].sa), IKE_INIT_S_DELETING,
	    "delete: DELETING");
	pump();
	st = gw_stats();
	ok(clis[0].down == 1 && clis[0].why == IKE_INIT_DOWN_CLOSED &&
	    st.deleted_by_peer == 1 && st.ike_sas == 0 && gw_child_downs == 1,
	    "delete: closed at both ends");
	is_int(ike_init_delete(clis[0].sa, now_ms), -E_STATE,
	    "delete: not twice");

	conf_base(&c, IKE_INIT_EAP);
	c.want_session = 1;
	cli_start(1, &c);
	pump();
	res = ike_init_result(clis[1].sa);
	if (res == NULL || res->session_id_len != SESSION_ID_LEN) {
		ok(0, "delete by the gateway: setup");
		gw_stop();
		return;
	}
	memcpy(sid, res->session_id, sizeof(sid));
	is_int(ike_ctx_disconnect(gw, span_make(sid, sizeof(sid))), 0,
	    "delete by the gateway: disconnected");
	pump();
	ok(clis[1].down == 1 && clis[1].why == IKE_INIT_DOWN_DELETED &&
	    ike_init_state(clis[1].sa) == IKE_INIT_S_DONE,
	    "delete by the gateway: reported");
	gw_stop();
}

/* ------------------------------------------------------------------ */
/* Unit checks of the initiator's additions to ike_prop and ike_cp. */

/* Encodes with fn into a bare chain and decodes the one payload of type
 * t back into its body. */
static struct span
one_payload(struct buf *b, uint8_t t)
{
	struct ike_pld_hdr h;
	struct span chain = buf_span(b), body = { NULL, 0 };

	if (ike_pld_next(&chain, t, &h, &body) != 0)
		body.len = 0;
	return body;
}

static void
t_prop_units(void)
{
	static struct ike_pld_sa sa, reply;
	static struct cfg_proposal mine, narrow;
	static struct cfg_esp esp;
	const struct cfg_proposal *pv[1] = { &mine }, *gwv[1];
	struct ike_prop_ike ch, acc;
	struct ike_prop_esp ech, eacc;
	struct ike_chain c;
	struct buf *b, *kept[4];
	size_t i, nkeep = 0, naes = 0, ninteg = 0;
	int keylen_ok = 1;

	/* Our offer: the built-in shape, AEAD and CBC mixed. */
	mine.encr[0].id = XFORM_ENCR_AES_GCM_16;
	mine.encr[0].key_bits = 256;
	mine.encr[1].id = XFORM_ENCR_CHACHA20_POLY1305;
	mine.encr[1].key_bits = 256;
	mine.encr[2].id = XFORM_ENCR_AES_CBC;
	mine.encr[2].key_bits = 128;
	mine.nencr = 3;
	mine.integ[0] = XFORM_INTEG_HMAC_SHA2_256_128;
	mine.ninteg = 1;
	mine.prf[0] = XFORM_PRF_HMAC_SHA2_256;
	mine.nprf = 1;
	mine.group[0] = XFORM_DH_ECP256;
	mine.ngroup = 1;
	b = buf_new(4096);
	ike_pld_chain_init(&c, b);
	is_int(ike_prop_add_offer_ike(&c, pv, 1), 0, "offer ike: encoded");
	is_int(ike_pld_parse_sa(one_payload(b, IKE_PLD_SA), &sa), 0,
	    "offer ike: decodes");
	for (i = 0; i < sa.prop[0].nxf; i++) {
		if (sa.prop[0].xf[i].type == IKE_TRANS_INTEG)
			ninteg++;
		if (sa.prop[0].xf[i].type == IKE_TRANS_ENCR &&
		    sa.prop[0].xf[i].id == XFORM_ENCR_AES_GCM_16)
			keylen_ok &= (sa.prop[0].xf[i].flags &
			    IKE_XF_KEYLEN) && sa.prop[0].xf[i].keylen == 256;
		if (sa.prop[0].xf[i].type == IKE_TRANS_ENCR &&
		    sa.prop[0].xf[i].id == XFORM_ENCR_CHACHA20_POLY1305)
			keylen_ok &= !(sa.prop[0].xf[i].flags & IKE_XF_KEYLEN);
	}
	for (i = 0; sa.nprop == 2 && i < sa.prop[1].nxf; i++)
		if (sa.prop[1].xf[i].type == IKE_TRANS_ENCR)
			naes++;
	ok(sa.nprop == 2 && sa.prop[0].num == 1 && sa.prop[1].num == 2 &&
	    sa.prop[0].proto == IKE_PROTO_IKE && sa.prop[0].spi.len == 0 &&
	    ninteg == 0 && naes == 1 && keylen_ok,
	    "offer ike: AEAD proposal without integrity, then CBC (3.3)");
	kept[nkeep++] = b;

	/* The responder's choice from it, its reply, our check. */
	gwv[0] = cfg_profile_at(gwcfg, 0)->proposal;
	is_int(ike_prop_select_ike(gwv, 1, &sa, &ch), 0,
	    "offer ike: the responder selects from it");
	b = buf_new(4096);
	ike_pld_chain_init(&c, b);
	if (ike_prop_add_ike(&c, &ch, span_make(NULL, 0)) != 0 ||
	    ike_pld_parse_sa(one_payload(b, IKE_PLD_SA), &reply) != 0)
		reply.nprop = 0;
	kept[nkeep++] = b;
	ok(ike_prop_accept_ike(pv, 1, &reply, &acc) == 0 &&
	    acc.encr == ch.encr && acc.encr_bits == ch.encr_bits &&
	    acc.prf == ch.prf && acc.dh == ch.dh && acc.integ == 0,
	    "accept ike: the responder's reply");
	/* Replies we did not offer, or malformed ones. */
	narrow = mine;
	narrow.group[0] = XFORM_DH_ECP384;
	pv[0] = &narrow;
	is_int(ike_prop_accept_ike(pv, 1, &reply, &acc), -E_NOENT,
	    "accept ike: a group we did not offer");
	pv[0] = &mine;
	sa = reply;
	sa.prop[0].xf[sa.prop[0].nxf] = sa.prop[0].xf[0];
	sa.prop[0].nxf++;
	is_int(ike_prop_accept_ike(pv, 1, &sa, &acc), -E_NOENT,
	    "accept ike: two encryption transforms");
	sa = reply;
	sa.prop[0].xf[sa.prop[0].nxf].type = IKE_TRANS_INTEG;
	sa.prop[0].xf[sa.prop[0].nxf].id = XFORM_INTEG_HMAC_SHA2_256_128;
	sa.prop[0].xf[sa.prop[0].nxf].flags = 0;
	sa.prop[0].nxf++;
	is_int(ike_prop_accept_ike(pv, 1, &sa, &acc), -E_NOENT,
	    "accept ike: integrity with an AEAD");
	sa = reply;
	sa.nprop = 2;
	sa.prop[1] = sa.prop[0];
	is_int(ike_prop_accept_ike(pv, 1, &sa, &acc), -E_NOENT,
	    "accept ike: two proposals");
	sa = reply;
	sa.prop[0].proto = IKE_PROTO_ESP;
	is_int(ike_prop_accept_ike(pv, 1, &sa, &acc), -E_NOENT,
	    "accept ike: an ESP proposal");
	ok(ike_prop_offers_group(pv, 1, XFORM_DH_ECP256) &&
	    !ike_prop_offers_group(pv, 1, XFORM_DH_ECP384),
	    "offers_group");

	/* ESP. */
	esp.encr[0].id = XFORM_ENCR_AES_CBC;
	esp.encr[0].key_bits = 256;
	esp.encr[1].id = XFORM_ENCR_AES_GCM_16;
	esp.encr[1].key_bits = 128;
	esp.nencr = 2;
	esp.integ[0] = XFORM_INTEG_HMAC_SHA2_384_192;
	esp.ninteg = 1;
	esp.esn = CFG_ESN_NO;
	b = buf_new(4096);
	ike_pld_chain_init(&c, b);
	is_int(ike_prop_add_offer_esp(&c, &esp, 255), -E_INVAL,
	    "offer esp: SPI below 256");
	is_int(ike_prop_add_offer_esp(&c, &esp, 0xc0ffee01), 0,
	    "offer esp: encoded");
	is_int(ike_pld_parse_sa(one_payload(b, IKE_PLD_SA), &sa), 0,
	    "offer esp: decodes");
	kept[nkeep++] = b;
	ok(sa.nprop == 2 && sa.prop[0].spi.len == 4 &&
	    span_eq(sa.prop[0].spi, sa.prop[1].spi) &&
	    sa.prop[0].xf[0].id == XFORM_ENCR_AES_GCM_16 &&
	    sa.prop[1].xf[0].id == XFORM_ENCR_AES_CBC,
	    "offer esp: AEAD then CBC, one SPI");
	is_int(ike_prop_select_esp(&esp, &sa, &ech), 0,
	    "offer esp: the responder selects from it");
	ech.peer_spi = 0xc0ffee01;
	b = buf_new(4096);
	ike_pld_chain_init(&c, b);
	if (ike_prop_add_esp(&c, &ech, 0xabcdef00) != 0 ||
	    ike_pld_parse_sa(one_payload(b, IKE_PLD_SA), &reply) != 0)
		reply.nprop = 0;
	kept[nkeep++] = b;
	ok(ike_prop_accept_esp(&esp, &reply, &eacc) == 0 &&
	    eacc.peer_spi == 0xabcdef00 && eacc.encr == ech.encr &&
	    eacc.esn == 0, "accept esp: the reply, the responder's SPI");
	sa = reply;
	sa.prop[0].xf[sa.prop[0].nxf].type = IKE_TRANS_DH;
	sa.prop[0].xf[sa.prop[0].nxf].id = XFORM_DH_ECP256;
	sa.prop[0].xf[sa.prop[0].nxf].flags = 0;
	sa.prop[0].nxf++;
	is_int(ike_prop_accept_esp(&esp, &sa, &eacc), -E_NOENT,
	    "accept esp: a D-H transform (1.2)");
	/* The answer must be for the protocol asked and carry its SPI. */
	sa = reply;
	sa.prop[0].proto = IKE_PROTO_AH;
	is_int(ike_prop_accept_esp(&esp, &sa, &eacc), -E_NOENT,
	    "accept esp: an AH proposal");
	sa = reply;
	sa.prop[0].spi.len = 0;
	is_int(ike_prop_accept_esp(&esp, &sa, &eacc), -E_NOENT,
	    "accept esp: no SPI");
	/* The decoded payloads point into these. */
	for (i = 0; i < nkeep; i++)
		buf_free(kept[i]);
}

static void
t_cp_units(void)
{
	static const uint16_t types[] = { IKE_CP_INTERNAL_IP4_ADDRESS,
	    IKE_CP_INTERNAL_IP4_DNS, IKE_CP_INTERNAL_DNS_DOMAIN, 24576,
	    24577 };
	static struct ike_pld_cp cp;
	static struct ike_cp_reply rep;
	struct ike_cp_req req;
	struct ike_cp_assign as;
	struct ike_pld_cp_attr extra[2];
	struct pool_addr v4;
	struct ike_chain c;
	struct buf *b;
	char a[POOL_ADDR_STRLEN];
	const struct cfg_policy *pol = cfg_policy_find(gwcfg, "POL");
	uint8_t odd[8] = { 198, 18, 12, 0, 255, 0, 255, 0 };
	uint8_t host[8] = { 198, 18, 13, 77, 255, 255, 255, 0 };
	uint8_t three[3] = { 1, 2, 3 };
	uint16_t bigt = 0x8000;

	b = buf_new(4096);
	ike_pld_chain_init(&c, b);
	is_int(ike_cp_add_request(&c, &bigt, 1), -E_INVAL,
	    "cp request: type over 32767");
	buf_reset(b);
	ike_pld_chain_init(&c, b);
	is_int(ike_cp_add_request(&c, types, 5), 0, "cp request: encoded");
	ok(ike_pld_parse_cp(one_payload(b, IKE_PLD_CP), &cp) == 0 &&
	    cp.type == IKE_CP_CFG_REQUEST && cp.nattr == 5 &&
	    cp.attr[3].value.len == 0 &&
	    ike_cp_parse_req(&cp, types + 3, 2, &req) == 0 &&
	    ike_cp_wants_addr(&req, AF_INET) && ike_cp_asked(&req, 24576) &&
	    ike_cp_asked(&req, 24577) &&
	    ike_cp_asked(&req, IKE_CP_INTERNAL_DNS_DOMAIN),
	    "cp request: the responder reads what we asked");
	buf_free(b);

	/* The responder's reply, read back. */
	if (pool_addr_pton("198.18.20.7", &v4) != 0)
		abort();
	memset(&as, 0, sizeof(as));
	as.v4 = &v4;
	extra[0].type = 24576;
	extra[0].value = span_str("AbCdEfGhIjKlMnOpQr");
	extra[1].type = 24577;
	extra[1].value = span_str("00112233");
	as.extra = extra;
	as.nextra = 2;
	b = buf_new(4096);
	ike_pld_chain_init(&c, b);
	ok(ike_cp_add_reply(&c, &req, pol, &as) == 0 &&
	    ike_pld_parse_cp(one_payload(b, IKE_PLD_CP), &cp) == 0 &&
	    ike_cp_parse_reply(&cp, types + 3, 2, &rep) == 0,
	    "cp reply: built and read");
	ok(pool_addr_eq(&rep.v4, &v4) && rep.v6.family == 0 &&
	    rep.ndns == 2 && strcmp(pool_addr_ntop(&rep.dns[1], a),
	    "198.18.10.54") == 0 &&
	    span_eq(rep.domain, span_str("corp.example.test")) &&
	    rep.nsplit == 2 && rep.split[1].len == 24 && rep.nextra == 2 &&
	    rep.extra[0].type == 24576 &&
	    span_eq(rep.extra[1].value, span_str("00112233")),
	    "cp reply: address, DNS, domain, split, session attributes");
	is_int(ike_cp_parse_reply(&cp, types, 17, &rep), -E_INVAL,
	    "cp reply: too many extra types");
	buf_free(b);
	/* Odd subnets: a mask with holes is skipped, host bits cleared. */
	memset(&cp, 0, sizeof(cp));
	cp.type = IKE_CP_CFG_REPLY;
	cp.attr[0].type = IKE_CP_INTERNAL_IP4_SUBNET;
	cp.attr[0].value = span_make(odd, sizeof(odd));
	cp.attr[1].type = IKE_CP_INTERNAL_IP4_SUBNET;
	cp.attr[1].value = span_make(host, sizeof(host));
	cp.attr[2] = cp.attr[1];
	cp.nattr = 3;
	ok(ike_cp_parse_reply(&cp, NULL, 0, &rep) == 0 && rep.nsplit == 1 &&
	    rep.split[0].len == 24 && strcmp(pool_addr_ntop(&rep.split[0].addr,
	    a), "198.18.13.0") == 0,
	    "cp reply: non-contiguous mask skipped, host bits cleared, "
	    "duplicates once");
	cp.attr[0].type = IKE_CP_INTERNAL_IP4_ADDRESS;
	cp.attr[0].value = span_make(three, sizeof(three));
	is_int(ike_cp_parse_reply(&cp, NULL, 0, &rep), -E_BADLEN,
	    "cp reply: a 3-byte address");
	cp.type = IKE_CP_CFG_REQUEST;
	is_int(ike_cp_parse_reply(&cp, NULL, 0, &rep), -E_NOTSUP,
	    "cp reply: a CFG_REQUEST is not a reply");
}

/*
 * The EAP-MSCHAPv2 peer, on RFC 2759 9.2 "Hash Example": user "User",
 * password "clientPass", AuthenticatorChallenge 5B5D7C7D7B3F2F3E
 * 3C2C602132262628, PeerChallenge 21402324255E262A28295F2B3A337C7E give
 * the NT-Response 82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF and
 * the AuthenticatorResponse "S=407A5589115FD0D6209F510FE9C04566932CDA56".
 */
static uint8_t rfc_peer_chal[16];

/* The server's user database for the peer test: "User", "clientPass". */
static int
srv_lookup(void *arg, struct span name, struct eap_mschapv2_cred *cred)
{
	(void)arg;
	if (!span_eq(name, span_str("User")))
		return -E_NOENT;
	cred->password = span_str("clientPass");
	return 0;
}

static int
rfc_rand(void *p, size_t n)
{
	if (n != sizeof(rfc_peer_chal))
		return -E_CRYPTO;
	memcpy(p, rfc_peer_chal, n);
	return 0;
}

/* An EAP-MSCHAPv2 request (draft-kamath 2): OpCode, MS-CHAPv2-ID,
 * MS-Length, then body. */
static struct buf *
ms_req(uint8_t id, uint8_t op, struct span body)
{
	struct buf *b = buf_new(1024);
	uint8_t hdr[4];
	struct span v[2];
	size_t len = 4 + body.len;

	hdr[0] = op;
	hdr[1] = 7;
	hdr[2] = (uint8_t)(len >> 8);
	hdr[3] = (uint8_t)len;
	v[0] = span_make(hdr, 4);
	v[1] = body;
	if (b == NULL || eap_build(b, EAP_CODE_REQUEST, id, EAP_TYPE_MSCHAPV2,
	    v, 2) != 0)
		abort();
	return b;
}

static void
t_mschapv2_peer(void)
{
	static const char good[] =
	    "S=407A5589115FD0D6209F510FE9C04566932CDA56 M=welcome";
	static const char bad[] =
	    "S=407A5589115FD0D6209F510FE9C04566932CDA57 M=welcome";
	enum eap_mschapv2_peer_status st;
	enum eap_mschapv2_status sst;
	struct eap_mschapv2_peer *p = NULL;
	struct eap_mschapv2 *srv = NULL;
	struct eap_pkt pkt;
	struct buf *req, *out = buf_new(1024);
	uint8_t chal[17], hash[16], want[24], msk[64], smsk[64], pmsk[64];
	/* Response, Identifier 4, Length 6, EAP-MSCHAPv2, OpCode alone. */
	static const uint8_t okop[6] = { 2, 4, 0, 6, 26, 3 };
	static const uint8_t failop[6] = { 2, 4, 0, 6, 26, 4 };

	tap_unhex("21402324255E262A28295F2B3A337C7E", rfc_peer_chal, 16);
	chal[0] = 16;
	tap_unhex("5B5D7C7D7B3F2F3E3C2C602132262628", chal + 1, 16);
	if (eap_mschapv2_nt_hash(span_str("clientPass"), hash) != 0)
		abort();
	is_int(eap_mschapv2_peer_new(span_str("User"), hash, rfc_rand, &p), 0,
	    "peer: created");
	/* Before our Response there is nothing for a server to prove: a
	 * Success (here with the all-zero authenticator a peer that never
	 * answered holds) or a Failure is out of turn, and changes nothing. */
	req = ms_req(3, EAP_MSCHAPV2_OP_SUCCESS, span_str("S=0000000000"
	    "000000000000000000000000000000"));
	is_int(eap_mschapv2_peer_process(p, buf_span(req), out, &st), -E_STATE,
	    "peer: Success before any Challenge refused");
	buf_free(req);
	req = ms_req(3, EAP_MSCHAPV2_OP_FAILURE, span_str("E=691 R=0"));
	is_int(eap_mschapv2_peer_process(p, buf_span(req), out, &st), -E_STATE,
	    "peer: Failure before any Challenge refused");
	buf_free(req);
	ok(buf_len(out) == 0 && eap_mschapv2_peer_msk(p, msk) == -E_STATE,
	    "peer: ... nothing answered, no MSK");
	req = ms_req(3, EAP_MSCHAPV2_OP_CHALLENGE, span_make(chal, 17));
	ok(eap_mschapv2_peer_process(p, buf_span(req), out, &st) == 0 &&
	    st == EAP_MSCHAPV2_PEER_CONTINUE &&
	    eap_parse(buf_span(out), &pkt) == 0 && pkt.id == 3 &&
	    pkt.code == EAP_CODE_RESPONSE && pkt.type == EAP_TYPE_MSCHAPV2 &&
	    pkt.data.len == 4 + 1 + 49 + 4 && pkt.data.p[0] == 2 &&
	    pkt.data.p[1] == 7 && pkt.data.p[3] == 58 && pkt.data.p[4] == 49,
	    "peer: Response layout (OpCode 2, same MS-CHAPv2-ID, MS-Length "
	    "58, Value-Size 49)");
	tap_unhex("82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF", want,
	    24);
	if (pkt.data.len == 58) {
		is_mem(pkt.data.p + 5, rfc_peer_chal, 16,
		    "peer: RFC 2759 9.2 PeerChallenge sent");
		is_mem(pkt.data.p + 5 + 24, want, 24,
		    "peer: RFC 2759 9.2 NT-Response");
		is_mem(pkt.data.p + 54, "User", 4, "peer: Name");
	} else
		ok(0, "peer: Response body");
	is_int(eap_mschapv2_peer_msk(p, msk), -E_STATE,
	    "peer: no MSK before the server proved itself");
	buf_free(req);
	req = ms_req(3, EAP_MSCHAPV2_OP_CHALLENGE, span_make(chal, 17));
	is_int(eap_mschapv2_peer_process(p, buf_span(req), out, &st), -E_STATE,
	    "peer: one Challenge only");
	buf_free(req);

	/* A wrong "S=": the server does not know the password. */
	buf_reset(out);
	req = ms_req(4, EAP_MSCHAPV2_OP_SUCCESS, span_str(bad));
	ok(eap_mschapv2_peer_process(p, buf_span(req), out, &st) == 0 &&
	    st == EAP_MSCHAPV2_PEER_BAD_SERVER && buf_len(out) == 6 &&
	    memcmp(buf_span(out).p, failop, 6) == 0 &&
	    eap_mschapv2_peer_msk(p, msk) == -E_STATE,
	    "peer: a wrong S= is refused with a Failure response, no MSK");
	buf_free(req);
	eap_mschapv2_peer_free(p);

	/* The right one. */
	p = NULL;
	buf_reset(out);
	if (eap_mschapv2_peer_new(span_str("User"), hash, rfc_rand, &p) != 0)
		abort();
	req = ms_req(3, EAP_MSCHAPV2_OP_CHALLENGE, span_make(chal, 17));
	if (eap_mschapv2_peer_process(p, buf_span(req), out, &st) != 0)
		abort();
	buf_free(req);
	buf_reset(out);
	req = ms_req(4, EAP_MSCHAPV2_OP_SUCCESS, span_str(good));
	ok(eap_mschapv2_peer_process(p, buf_span(req), out, &st) == 0 &&
	    st == EAP_MSCHAPV2_PEER_CONTINUE && buf_len(out) == 6 &&
	    memcmp(buf_span(out).p, okop, 6) == 0,
	    "peer: RFC 2759 9.2 S= accepted, Success response");
	ok(eap_mschapv2_peer_msk(p, msk) == 0 &&
	    eap_mschapv2_msk_derive(hash, want, smsk) == 0 &&
	    memcmp(msk, smsk, 64) == 0, "peer: MSK as the server derives it");
	buf_free(req);
	eap_mschapv2_peer_free(p);

	/* A Failure request: refused. */
	p = NULL;
	buf_reset(out);
	if (eap_mschapv2_peer_new(span_str("User"), hash, rfc_rand, &p) != 0)
		abort();
	req = ms_req(3, EAP_MSCHAPV2_OP_CHALLENGE, span_make(chal, 17));
	if (eap_mschapv2_peer_process(p, buf_span(req), out, &st) != 0)
		abort();
	buf_free(req);
	buf_reset(out);
	req = ms_req(4, EAP_MSCHAPV2_OP_FAILURE,
	    span_str("E=691 R=0 C=00000000000000000000000000000000 V=3"));
	ok(eap_mschapv2_peer_process(p, buf_span(req), out, &st) == 0 &&
	    st == EAP_MSCHAPV2_PEER_REFUSED && buf_len(out) == 6 &&
	    memcmp(buf_span(out).p, failop, 6) == 0,
	    "peer: Failure request answered, refused");
	buf_free(req);
	eap_mschapv2_peer_free(p);

	/* Against our server, with real randomness: both MSKs agree. */
	p = NULL;
	if (eap_mschapv2_peer_new(span_str("User"), hash, NULL, &p) != 0 ||
	    eap_mschapv2_new("ikegate", srv_lookup, NULL, &srv) != 0)
		abort();
	buf_reset(out);
	req = buf_new(1024);
	if (eap_mschapv2_start(srv, 2, req) != 0)
		abort();
	ok(eap_mschapv2_peer_process(p, buf_span(req), out, &st) == 0 &&
	    (buf_reset(req), eap_mschapv2_process(srv, buf_span(out), req,
	    &sst) == 0) && sst == EAP_MSCHAPV2_CONTINUE &&
	    (buf_reset(out), eap_mschapv2_peer_process(p, buf_span(req), out,
	    &st) == 0) && st == EAP_MSCHAPV2_PEER_CONTINUE &&
	    (buf_reset(req), eap_mschapv2_process(srv, buf_span(out), req,
	    &sst) == 0) && sst == EAP_MSCHAPV2_SUCCESS &&
	    eap_mschapv2_msk(srv, smsk) == 0 &&
	    eap_mschapv2_peer_msk(p, pmsk) == 0 && memcmp(smsk, pmsk, 64) == 0,
	    "peer against our server: success, same MSK");
	buf_free(req);
	buf_free(out);
	eap_mschapv2_peer_free(p);
	eap_mschapv2_free(srv);
}

/* Bad confs are refused before anything is sent. */
static void
t_conf(void)
{
	struct ike_init_conf c;
	struct ike_init_ops ops;
	struct ike_init *sa = NULL;

	memset(&ops, 0, sizeof(ops));
	ops.send = cli_send;
	conf_base(&c, IKE_INIT_EAP);
	c.password = span_make(NULL, 0);
	is_int(ike_init_new(&c, &th, &ops, &sa), -E_INVAL,
	    "conf: EAP without a password");
	conf_base(&c, IKE_INIT_PSK);
	c.psk = span_make(NULL, 0);
	is_int(ike_init_new(&c, &th, &ops, &sa), -E_INVAL,
	    "conf: PSK without a key");
	conf_base(&c, IKE_INIT_RESUME);
	is_int(ike_init_new(&c, &th, &ops, &sa), -E_INVAL,
	    "conf: resume without session-id and token");
	conf_base(&c, IKE_INIT_EAP);
	c.password = span_str("\xff\xfe");
	is_int(ike_init_new(&c, &th, &ops, &sa), -E_SYNTAX,
	    "conf: a password that is not UTF-8");
	conf_base(&c, IKE_INIT_PSK);
	ops.send = NULL;
	is_int(ike_init_new(&c, &th, &ops, &sa), -E_INVAL,
	    "conf: no send op");
	ops.send = cli_send;
	is_int(ike_init_new(&c, &th, &ops, &sa), 0, "conf: a good one");
	ok(sa != NULL && ike_init_state(sa) == IKE_INIT_S_IDLE &&
	    ike_init_result(sa) == NULL && ike_init_spi(sa, NULL) != 0,
	    "conf: idle, a SPIi, no result");
	ike_init_free(sa);
}

int
main(void)
{
	const char *src = getenv("SRCDIR");
	char *text;
	size_t n;

	log_init(1, getenv("TEST_VERBOSE") != NULL ? LOGL_DEBUG : LOGL_ERR,
	    "3010-ike-init");
	if (xform_init("auto") != 0)
		skip_all("no crypto backend");
	if ((xx = xform_find_x509()) == NULL)
		skip_all("no X.509 support in the crypto backends");
	gw_cert = load_cert("pki/gw-rsa.crt");
	gw_key = load_key("keys/rsa2048.pem");
	ca = load_cert("pki/ca.crt");
	other_ca = load_cert("pki/other-ca.crt");
	cli_cert = load_cert("pki/gw-p384.crt");
	cli_key = load_key("keys/ecp384.pem");
	n = sizeof(cfg_fmt) + 1024;
	if ((text = malloc(n)) == NULL)
		abort();
	if (src == NULL)
		src = ".";
	snprintf(text, n, cfg_fmt, "", src, src, src);
	if (cfg_load_string("3010-ike-init.ini", text, &gwcfg, stderr,
	    NULL) != 0) {
		free(text);
		ok(0, "the gateway configuration loads");
		return done_testing();
	}
	snprintf(text, n, cfg_fmt, "cookie_threshold = 0\n", src, src, src);
	if (cfg_load_string("3010-ike-init.ini", text, &ckcfg, stderr,
	    NULL) != 0) {
		free(text);
		ok(0, "the cookie gateway configuration loads");
		return done_testing();
	}
	free(text);
	timer_heap_init(&th);
	now_ms = 1000000;

	t_prop_units();
	t_cp_units();
	t_mschapv2_peer();
	t_conf();
	t_eap();
	t_psk_cert();
	t_refused();
	t_proposals();
	t_cookie();
	t_gw_cookie();
	t_gw_flood();
	t_rekey_ours();
	t_rekey_volume();
	t_ike_rekey_ours();
	t_gw_rekey();
	t_retransmit();
	t_timeout();
	t_nat();
	t_resume();
	t_dpd();
	t_delete();

	timer_heap_cleanup(&th);
	cfg_free(gwcfg);
	cfg_free(ckcfg);
	xx->free(gw_cert);
	xx->free(ca);
	xx->free(other_ca);
	xx->free(cli_cert);
	xx->sig->key_free(gw_key);
	xx->sig->key_free(cli_key);
	xform_cleanup();
	return done_testing();
}
