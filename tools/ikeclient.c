/*
 * ikeclient: an IKEv2 remote-access client that resumes by itself
 * (DESIGN.md, "The flow of a session"), on the shared core: core/ike_init
 * for the IKE SA, core/dp for the data plane (the gateway's, with the TUN
 * offloads, UDP GSO/GRO and batching, in the initiator's role), core/net
 * for the sockets, core/ev for the loop and core/ctl for the status
 * socket.
 *
 * One connection at a time. A full login asks the gateway for a
 * session-id and a token; when the SA is lost without the user asking
 * (our dead peer detection fails, the gateway deletes the IKE or the
 * CHILD SA, the wall clock jumps as after a suspend, the source address
 * of our route to the gateway changes) we resume with
 * KEY_ID(session-id) + PSK(token), keep the TUN device, its address and
 * routes, and log in again in full only when the gateway refuses the
 * resume. The secrets live in memory, or in the --state file (mode 0600)
 * when asked, so that a restarted client resumes too.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <ini.h>

#include "core/buf.h"
#include "core/ct.h"
#include "core/ctl.h"
#include "core/dp.h"
#include "core/err.h"
#include "core/ev.h"
#include "core/ike_init.h"
#include "core/ike_pld.h"
#include "core/log.h"
#include "core/net.h"
#include "core/xform.h"
#include "tools/ikeclient_mon.h"
#include "tun/tun.h"

#define IC_DEFAULT_SOCK	IKEGATE_RUNSTATEDIR "/ikeclient.sock"
#define IC_DEFAULT_TUN	"ikec0"
#define IC_TUN_MTU	1400
/* Our CHILD SA rekey (rekey = seconds): before the one-hour CHILD SA
 * lifetimes of strongSwan's and Cisco's defaults. */
#define IC_REKEY_S	3000
/* Our IKE SA rekey (ike_rekey = seconds): before strongSwan's 4-hour
 * default (a gateway's IKE SA rekey makes us rekey it ourselves). */
#define IC_IKE_REKEY_S	10800
/* Most routes we install. */
#define IC_MAX_ROUTES	32
#define IC_FILE_MAX	(64 * 1024)
/* Reconnect backoff: 1, 2, 4 ... s, at most IC_RETRY_MAX_MS. */
#define IC_RETRY_MAX_MS	8000
/* A wall clock that moved this much more than the monotonic one between
 * two checks means the machine slept (or its clock was set). */
#define IC_CLOCK_TICK_MS	1000
#define IC_CLOCK_JUMP_S		10
/* Route changes come in bursts: look once they settled. */
#define IC_NETCHK_MS		300
/* How long a user disconnect waits for the gateway's answer. */
#define IC_CLOSE_WAIT_MS	3000

enum ic_auth { IC_AUTH_EAP, IC_AUTH_PSK, IC_AUTH_CERT };
enum ic_routes { IC_ROUTES_SPLIT, IC_ROUTES_DEFAULT, IC_ROUTES_NONE };

/* Everything the INI file and -o can set. Strings are owned. */
struct ic_opts {
	char		*name;
	char		*gateway;
	unsigned	 port, nat_port;
	char		*local_id;
	char		*remote_id;
	char		*ca;
	enum ic_auth	 auth;
	char		*user;
	char		*password;
	char		*psk;
	char		*certificate;
	char		*private_key;
	char		*tun;
	enum ic_routes	 routes;
	unsigned	 dpd_s;
	unsigned	 rekey_s, ike_rekey_s;
	unsigned	 life_kb;	/* 0: off */
	unsigned	 retx_base_ms, retx_tries;
	char		*state_file;
	char		*control_socket;
	int		 keep_session;
	int		 want_session;
};

enum ic_state {
	IC_CONNECTING,		/* full login in progress */
	IC_RECONNECTING,	/* resume in progress */
	IC_WAITING,		/* between attempts */
	IC_CONNECTED,
	IC_CLOSING,		/* our DELETE outstanding */
};

struct ic {
	struct ic_opts		 o;
	struct ev		 ev;
	struct net		*net;
	struct ctl		*ctl;
	struct tun		*tun;
	struct dp		*dp;
	/* The CHILD SA in the data plane (have_child), the one our last
	 * rekey replaced until the gateway deleted it too (have_old), and
	 * the counters of those that came before. */
	uint32_t		 spi_in;
	int			 have_child;
	uint32_t		 old_spi_in;
	int			 have_old;
	unsigned		 rekeys;
	struct dp_child_stats	 past;
	struct ike_init		*sa;
	struct ike_init_conf	 base;
	uint8_t			 id_buf[IKE_INIT_ID_MAX];
	uint8_t			 rid_buf[IKE_INIT_ID_MAX];
	void			*key;
	void			*certs[IKE_INIT_MAX_CERTS];
	size_t			 ncerts;
	void			*cas[IKE_INIT_MAX_CAS];
	size_t			 ncas;
	enum ic_state		 state;
	int			 resuming;	/* this attempt is a resume */
	int			 ever_connected;
	uint8_t			 sid[IKE_INIT_SECRET_MAX];
	size_t			 sid_len;
	uint8_t			 tok[IKE_INIT_SECRET_MAX];
	size_t			 tok_len;
	struct pool_addr	 vip;
	struct pool_addr	 vip6;
	struct tun_prefix	 routes[IC_MAX_ROUTES];
	size_t			 nroutes;
	struct timer		 retry;
	unsigned		 retry_ms;
	struct timer		 clock;
	int64_t			 wall_ref;
	uint64_t		 mono_ref;
	int64_t			 wall_skew;	/* test hook: SIGUSR1 */
	uv_signal_t		 usr1;
	struct timer		 close_wait;
	struct icmon		*mon;
	struct timer		 netchk;
	struct sockaddr_storage	 src;		/* ours when connected */
	int			 have_src;
	unsigned		 resumes, logins, refused, attempts;
	int			 quitting;
	int			 torn;		/* ic_teardown ran */
	int			 exit_code;
};

static int ic_debug;

static void ic_dp_alive(void *arg, uint32_t spi_in);
static void ic_dp_due(void *arg, uint32_t spi_in, int hard);
static void ic_child_rekeyed(void *arg, struct ike_init *sa,
    const struct child_sa *child, int send_now);
static void ic_child_retired(void *arg, struct ike_init *sa,
    uint32_t spi_in);

/* ------------------------------------------------------------------ */
/* Messages for the user: stdout, one line each. */

static void
say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* err_str, with the errno text for E_SYS. */
static const char *
ic_err(int r)
{
	return r == -E_SYS ? strerror(errno) : err_str(r);
}

static const char *
ic_state_name(enum ic_state s)
{
	switch (s) {
	case IC_CONNECTING:	return "connecting";
	case IC_RECONNECTING:	return "reconnecting";
	case IC_WAITING:	return "waiting";
	case IC_CONNECTED:	return "connected";
	case IC_CLOSING:	return "closing";
	}
	return "?";
}

static const char *
vip_str(const struct pool_addr *a, char *buf, size_t len)
{
	if (a->family == 0 || inet_ntop(a->family, a->a, buf,
	    (socklen_t)len) == NULL)
		snprintf(buf, len, "none");
	return buf;
}

/* ------------------------------------------------------------------ */
/* Configuration. */

static int
set_str(char **dst, const char *v)
{
	char *s;

	if ((s = strdup(v)) == NULL)
		return -E_NOMEM;
	if (*dst != NULL) {
		ct_wipe(*dst, strlen(*dst));
		free(*dst);
	}
	*dst = s;
	return 0;
}

static int
set_uint(unsigned *dst, const char *v, unsigned lo, unsigned hi)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || *v == '-' || n < lo ||
	    n > hi)
		return -E_RANGE;
	*dst = (unsigned)n;
	return 0;
}

static int
set_bool(int *dst, const char *v)
{
	if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 ||
	    strcmp(v, "1") == 0)
		*dst = 1;
	else if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0 ||
	    strcmp(v, "0") == 0)
		*dst = 0;
	else
		return -E_SYNTAX;
	return 0;
}

/* Reads the first line of path (a password or key file) into *dst. */
static int
set_from_file(char **dst, const char *path)
{
	struct buf *b = NULL;
	struct span s;
	char *t;
	size_t n;
	int r;

	if ((r = buf_read_file(path, IC_FILE_MAX, &b)) != 0)
		return r;
	s = buf_span(b);
	for (n = 0; n < s.len && s.p[n] != '\n' && s.p[n] != '\r'; n++)
		;
	if (n == 0 || memchr(s.p, '\0', n) != NULL) {
		r = -E_SYNTAX;
		goto out;
	}
	if ((t = malloc(n + 1)) == NULL) {
		r = -E_NOMEM;
		goto out;
	}
	memcpy(t, s.p, n);
	t[n] = '\0';
	if (*dst != NULL) {
		ct_wipe(*dst, strlen(*dst));
		free(*dst);
	}
	*dst = t;
	r = 0;
out:
	if (b != NULL) {
		/* buf_span points into b: wipe its content before freeing. */
		ct_wipe((void *)(uintptr_t)s.p, s.len);
		buf_free(b);
	}
	return r;
}

/* Sets one [client] key; returns 0 or a negative code, with *why set to
 * a message for the error. */
static int
opt_set(struct ic_opts *o, const char *k, const char *v, const char **why)
{
	int r;

	*why = "invalid value";
	if (strcmp(k, "name") == 0)
		return set_str(&o->name, v);
	if (strcmp(k, "gateway") == 0)
		return set_str(&o->gateway, v);
	if (strcmp(k, "port") == 0)
		return set_uint(&o->port, v, 1, 65535);
	if (strcmp(k, "nat_port") == 0)
		return set_uint(&o->nat_port, v, 1, 65535);
	if (strcmp(k, "local_id") == 0)
		return set_str(&o->local_id, v);
	if (strcmp(k, "remote_id") == 0)
		return set_str(&o->remote_id, v);
	if (strcmp(k, "ca") == 0)
		return set_str(&o->ca, v);
	if (strcmp(k, "auth") == 0) {
		*why = "auth must be eap-mschapv2, psk or cert";
		if (strcmp(v, "eap-mschapv2") == 0 || strcmp(v, "eap") == 0)
			o->auth = IC_AUTH_EAP;
		else if (strcmp(v, "psk") == 0)
			o->auth = IC_AUTH_PSK;
		else if (strcmp(v, "cert") == 0)
			o->auth = IC_AUTH_CERT;
		else
			return -E_SYNTAX;
		return 0;
	}
	if (strcmp(k, "user") == 0)
		return set_str(&o->user, v);
	if (strcmp(k, "password") == 0)
		return set_str(&o->password, v);
	if (strcmp(k, "password_file") == 0) {
		*why = "cannot read the password file";
		return set_from_file(&o->password, v);
	}
	if (strcmp(k, "psk") == 0)
		return set_str(&o->psk, v);
	if (strcmp(k, "psk_file") == 0) {
		*why = "cannot read the PSK file";
		return set_from_file(&o->psk, v);
	}
	if (strcmp(k, "certificate") == 0)
		return set_str(&o->certificate, v);
	if (strcmp(k, "private_key") == 0)
		return set_str(&o->private_key, v);
	if (strcmp(k, "tun") == 0) {
		*why = "interface name too long";
		if (strlen(v) >= TUN_NAME_MAX || *v == '\0')
			return -E_RANGE;
		return set_str(&o->tun, v);
	}
	if (strcmp(k, "routes") == 0) {
		*why = "routes must be split, default or none";
		if (strcmp(v, "split") == 0)
			o->routes = IC_ROUTES_SPLIT;
		else if (strcmp(v, "default") == 0)
			o->routes = IC_ROUTES_DEFAULT;
		else if (strcmp(v, "none") == 0)
			o->routes = IC_ROUTES_NONE;
		else
			return -E_SYNTAX;
		return 0;
	}
	if (strcmp(k, "dpd") == 0)
		return set_uint(&o->dpd_s, v, 0, 3600);
	if (strcmp(k, "rekey") == 0)
		return set_uint(&o->rekey_s, v, 0, 86400);
	if (strcmp(k, "ike_rekey") == 0)
		return set_uint(&o->ike_rekey_s, v, 0, 604800);
	if (strcmp(k, "lifetime_kilobytes") == 0) {
		if (strcmp(v, "off") == 0) {
			o->life_kb = 0;
			return 0;
		}
		return set_uint(&o->life_kb, v, 1024, 4294967295u);
	}
	if (strcmp(k, "retransmit_base") == 0)
		return set_uint(&o->retx_base_ms, v, 50, 60000);
	if (strcmp(k, "retransmit_tries") == 0)
		return set_uint(&o->retx_tries, v, 1, 20);
	if (strcmp(k, "state_file") == 0)
		return set_str(&o->state_file, v);
	if (strcmp(k, "control_socket") == 0)
		return set_str(&o->control_socket, v);
	if (strcmp(k, "keep_session") == 0)
		return set_bool(&o->keep_session, v);
	if (strcmp(k, "resume") == 0)
		return set_bool(&o->want_session, v);
	*why = "unknown key";
	r = -E_NOENT;
	return r;
}

struct ini_ctx {
	struct ic_opts	*o;
	const char	*path;
	int		 errors;
};

static int
ic_ini_line(void *arg, const char *section, const char *k, const char *v)
{
	struct ini_ctx *x = arg;
	const char *why;

	if (strcmp(section, "client") != 0) {
		fprintf(stderr, "%s: unknown section [%s]\n", x->path,
		    section);
		x->errors++;
		return 1;
	}
	if (opt_set(x->o, k, v, &why) != 0) {
		fprintf(stderr, "%s: [%s] %s: %s\n", x->path, section, k,
		    why);
		x->errors++;
	}
	return 1;
}

static int
opts_load(struct ic_opts *o, const char *path)
{
	struct ini_ctx x = { o, path, 0 };
	FILE *fp;
	int r;

	if ((fp = fopen(path, "r")) == NULL) {
		fprintf(stderr, "ikeclient: %s: %s\n", path, strerror(errno));
		return -E_SYS;
	}
	r = ini_parse_file(fp, ic_ini_line, &x);
	fclose(fp);
	if (r > 0) {
		fprintf(stderr, "%s:%d: syntax error\n", path, r);
		return -E_SYNTAX;
	}
	if (r < 0)
		return -E_NOMEM;
	return x.errors ? -E_SYNTAX : 0;
}

static void
opts_free(struct ic_opts *o)
{
	char **sp[] = { &o->name, &o->gateway, &o->local_id, &o->remote_id,
	    &o->ca, &o->user, &o->password, &o->psk, &o->certificate,
	    &o->private_key, &o->tun, &o->state_file, &o->control_socket };
	size_t i;

	for (i = 0; i < sizeof(sp) / sizeof(sp[0]); i++) {
		if (*sp[i] != NULL) {
			ct_wipe(*sp[i], strlen(*sp[i]));
			free(*sp[i]);
			*sp[i] = NULL;
		}
	}
}

/* Parses "fqdn:x", "email:x", "key-id:x" (or "keyid:x"), "address:a.b.c.d"
 * (or "ip:a.b.c.d") or a bare value (an IPv4 address, an e-mail address
 * when it holds '@', else an FQDN) into *type and buf[0..*len). The
 * prefixes are those of ikegate.ini(5), so one spelling works on both
 * ends; the short ones are strongSwan's. */
static int
id_parse(const char *s, uint8_t *type, uint8_t *buf, size_t *len)
{
	const char *v = s;
	struct in_addr a;

	if (strncmp(s, "fqdn:", 5) == 0) {
		*type = IKE_ID_FQDN;
		v = s + 5;
	} else if (strncmp(s, "email:", 6) == 0) {
		*type = IKE_ID_RFC822_ADDR;
		v = s + 6;
	} else if (strncmp(s, "keyid:", 6) == 0) {
		*type = IKE_ID_KEY_ID;
		v = s + 6;
	} else if (strncmp(s, "key-id:", 7) == 0) {
		*type = IKE_ID_KEY_ID;
		v = s + 7;
	} else if (strncmp(s, "ip:", 3) == 0 ||
	    strncmp(s, "address:", 8) == 0 || inet_pton(AF_INET, s, &a)) {
		if (strncmp(s, "ip:", 3) == 0)
			v = s + 3;
		else if (strncmp(s, "address:", 8) == 0)
			v = s + 8;
		if (inet_pton(AF_INET, v, &a) != 1)
			return -E_SYNTAX;
		*type = IKE_ID_IPV4_ADDR;
		memcpy(buf, &a, 4);
		*len = 4;
		return 0;
	} else
		*type = strchr(s, '@') ? IKE_ID_RFC822_ADDR : IKE_ID_FQDN;
	if (*v == '\0' || strlen(v) > IKE_INIT_ID_MAX)
		return -E_SYNTAX;
	*len = strlen(v);
	memcpy(buf, v, *len);
	return 0;
}

static int
load_certs(const char *path, void **out, size_t max, size_t *n)
{
	const struct xform_x509 *xx = xform_find_x509();
	struct buf *b = NULL;
	int r;

	*n = 0;
	if (xx == NULL)
		return -E_NOTSUP;
	if ((r = buf_read_file(path, IC_FILE_MAX, &b)) != 0)
		return r;
	r = xx->load_bundle(buf_span(b), out, max, n);
	buf_free(b);
	return r;
}

static int
load_key(const char *path, void **key)
{
	const struct xform_x509 *xx = xform_find_x509();
	struct buf *b = NULL;
	struct span s;
	int r;

	if (xx == NULL)
		return -E_NOTSUP;
	if ((r = buf_read_file(path, IC_FILE_MAX, &b)) != 0)
		return r;
	s = buf_span(b);
	r = xx->sig->load_private(s, key);
	ct_wipe((void *)(uintptr_t)s.p, s.len);
	buf_free(b);
	return r;
}

/* Checks the options and fills c->base, the conf every attempt starts
 * from. Prints what is wrong. */
static int
ic_setup_conf(struct ic *c)
{
	struct ic_opts *o = &c->o;
	struct ike_init_conf *b = &c->base;
	struct sockaddr_in *sin;
	size_t len;
	int r;

	memset(b, 0, sizeof(*b));
	if (o->gateway == NULL) {
		fprintf(stderr, "ikeclient: no gateway address\n");
		return -E_INVAL;
	}
	sin = (struct sockaddr_in *)&b->path.remote;
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)o->port);
	if (inet_pton(AF_INET, o->gateway, &sin->sin_addr) != 1) {
		fprintf(stderr, "ikeclient: gateway %s: not an IPv4 address\n",
		    o->gateway);
		return -E_SYNTAX;
	}
	b->nat_port = (uint16_t)o->nat_port;
	/* ESP always travels in UDP (RFC 3948): this client has no kernel
	 * ESP, and the gateway sends ESP to the port IKE came from. So IKE
	 * moves to the NAT-T port at IKE_AUTH on any network. */
	b->force_natt = 1;
	b->want_session = o->want_session;
	b->dpd_ms = o->dpd_s * 1000;
	b->rekey_ms = o->rekey_s * 1000;
	b->ike_rekey_ms = o->ike_rekey_s * 1000;
	b->life_bytes = (uint64_t)o->life_kb * 1024;
	b->retx_base_ms = o->retx_base_ms;
	b->retx_tries = o->retx_tries;
	if (o->remote_id != NULL) {
		if (id_parse(o->remote_id, &b->remote_id_type, c->rid_buf,
		    &len) != 0) {
			fprintf(stderr, "ikeclient: bad remote_id %s\n",
			    o->remote_id);
			return -E_SYNTAX;
		}
		b->remote_id = span_make(c->rid_buf, len);
	}
	if (o->local_id != NULL) {
		if (id_parse(o->local_id, &b->local_id_type, c->id_buf,
		    &len) != 0) {
			fprintf(stderr, "ikeclient: bad local_id %s\n",
			    o->local_id);
			return -E_SYNTAX;
		}
		b->local_id = span_make(c->id_buf, len);
	}
	if (o->ca != NULL) {
		if ((r = load_certs(o->ca, c->cas, IKE_INIT_MAX_CAS,
		    &c->ncas)) != 0) {
			fprintf(stderr, "ikeclient: %s: %s\n", o->ca,
			    ic_err(r));
			return r;
		}
		b->cas = c->cas;
		b->ncas = c->ncas;
	}
	if (o->psk != NULL)
		b->psk = span_str(o->psk);
	switch (o->auth) {
	case IC_AUTH_EAP:
		b->mode = IKE_INIT_EAP;
		if (o->user == NULL || o->password == NULL) {
			fprintf(stderr, "ikeclient: eap-mschapv2 needs user "
			    "and password (or password_file)\n");
			return -E_INVAL;
		}
		b->eap_identity = span_str(o->user);
		b->password = span_str(o->password);
		if (o->local_id == NULL) {
			b->local_id_type = IKE_ID_RFC822_ADDR;
			b->local_id = span_str(o->user);
		}
		break;
	case IC_AUTH_PSK:
		b->mode = IKE_INIT_PSK;
		if (o->psk == NULL || o->local_id == NULL) {
			fprintf(stderr, "ikeclient: psk needs psk (or "
			    "psk_file) and local_id\n");
			return -E_INVAL;
		}
		break;
	case IC_AUTH_CERT:
		b->mode = IKE_INIT_CERT;
		if (o->certificate == NULL || o->private_key == NULL) {
			fprintf(stderr, "ikeclient: cert needs certificate "
			    "and private_key\n");
			return -E_INVAL;
		}
		if ((r = load_certs(o->certificate, c->certs,
		    IKE_INIT_MAX_CERTS, &c->ncerts)) != 0 ||
		    (r = load_key(o->private_key, &c->key)) != 0) {
			fprintf(stderr, "ikeclient: cannot load the "
			    "certificate or key: %s\n", ic_err(r));
			return r;
		}
		b->key = c->key;
		b->certs = c->certs;
		b->ncerts = c->ncerts;
		break;
	}
	if (b->ncas == 0 && o->psk == NULL) {
		fprintf(stderr, "ikeclient: set ca (or psk): the gateway "
		    "must be authenticated\n");
		return -E_INVAL;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* The state file: the session-id and token, to resume after a restart. */

static int
hex_put(FILE *fp, const char *k, const uint8_t *p, size_t n)
{
	size_t i;

	if (fprintf(fp, "%s ", k) < 0)
		return -E_SYS;
	for (i = 0; i < n; i++)
		if (fprintf(fp, "%02x", p[i]) < 0)
			return -E_SYS;
	return fputc('\n', fp) == EOF ? -E_SYS : 0;
}

static void
state_save(struct ic *c)
{
	char tmp[4096];
	FILE *fp = NULL;
	int fd, r = -E_SYS;

	if (c->o.state_file == NULL)
		return;
	if (c->sid_len == 0) {
		if (unlink(c->o.state_file) != 0 && errno != ENOENT)
			log_warn(SUB_MAIN, "%s", c->o.state_file);
		return;
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", c->o.state_file) >=
	    sizeof(tmp))
		goto out;
	(void)unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1)
		goto out;
	if ((fp = fdopen(fd, "w")) == NULL) {
		close(fd);
		goto out;
	}
	if (fprintf(fp, "# ikeclient session state: secret\n"
	    "gateway %s\n", c->o.gateway) < 0 ||
	    hex_put(fp, "session_id", c->sid, c->sid_len) != 0 ||
	    hex_put(fp, "token", c->tok, c->tok_len) != 0 ||
	    fflush(fp) != 0 || fsync(fileno(fp)) != 0)
		goto out;
	if (fclose(fp) != 0) {
		fp = NULL;
		goto out;
	}
	fp = NULL;
	if (rename(tmp, c->o.state_file) != 0)
		goto out;
	r = 0;
out:
	if (fp != NULL)
		fclose(fp);
	if (r != 0) {
		log_warn(SUB_MAIN, "cannot write %s", c->o.state_file);
		(void)unlink(tmp);
	}
}

static int
nibble(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static int
hex_get(const char *s, size_t slen, uint8_t *out, size_t max, size_t *n)
{
	size_t i;
	int hi, lo;

	if (slen == 0 || slen % 2 != 0 || slen / 2 > max)
		return -E_SYNTAX;
	for (i = 0; i < slen; i += 2) {
		if ((hi = nibble(s[i])) < 0 || (lo = nibble(s[i + 1])) < 0)
			return -E_SYNTAX;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	*n = slen / 2;
	return 0;
}

/* Loads the session of the state file, when it is for our gateway. */
static void
state_load(struct ic *c)
{
	struct buf *b = NULL;
	struct span s;
	const char *p, *e, *nl, *sp;
	int gw_ok = 0;
	size_t n;

	if (c->o.state_file == NULL ||
	    buf_read_file(c->o.state_file, IC_FILE_MAX, &b) != 0)
		return;
	s = buf_span(b);
	p = (const char *)s.p;
	e = p + s.len;
	for (; p < e; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(e - p))) == NULL)
			nl = e;
		if ((sp = memchr(p, ' ', (size_t)(nl - p))) == NULL)
			continue;
		n = (size_t)(nl - sp - 1);
		if ((size_t)(sp - p) == 7 && memcmp(p, "gateway", 7) == 0)
			gw_ok = n == strlen(c->o.gateway) &&
			    memcmp(sp + 1, c->o.gateway, n) == 0;
		else if ((size_t)(sp - p) == 10 &&
		    memcmp(p, "session_id", 10) == 0) {
			if (hex_get(sp + 1, n, c->sid, sizeof(c->sid),
			    &c->sid_len) != 0)
				c->sid_len = 0;
		} else if ((size_t)(sp - p) == 5 &&
		    memcmp(p, "token", 5) == 0) {
			if (hex_get(sp + 1, n, c->tok, sizeof(c->tok),
			    &c->tok_len) != 0)
				c->tok_len = 0;
		}
		if (nl == e)
			break;
	}
	ct_wipe((void *)(uintptr_t)s.p, s.len);
	buf_free(b);
	if (!gw_ok || c->sid_len == 0 || c->tok_len == 0) {
		ct_wipe(c->sid, sizeof(c->sid));
		ct_wipe(c->tok, sizeof(c->tok));
		c->sid_len = c->tok_len = 0;
		return;
	}
	log_info(SUB_MAIN, "session state loaded from %s", c->o.state_file);
}

static void
session_forget(struct ic *c)
{
	ct_wipe(c->sid, sizeof(c->sid));
	ct_wipe(c->tok, sizeof(c->tok));
	c->sid_len = c->tok_len = 0;
	state_save(c);
}

/* ------------------------------------------------------------------ */
/* The TUN device, its address and routes. */

/* p = the host address a (/32 or /128). */
static void
tun_prefix_host(struct tun_prefix *p, const struct pool_addr *a)
{
	memset(p, 0, sizeof(*p));
	p->family = a->family;
	memcpy(p->a, a->a, pool_addr_len(a));
	p->len = a->family == AF_INET ? 32 : 128;
}

static void
ic_routes_del(struct ic *c)
{
	size_t i;
	int r;

	for (i = 0; i < c->nroutes; i++)
		if ((r = tun_route_del(tun_name(c->tun), &c->routes[i])) != 0)
			log_debug(SUB_MAIN, "route del: %s", tun_strerror(r));
	c->nroutes = 0;
}

static void
ic_net_down(struct ic *c)
{
	struct tun_prefix p;
	int r;

	if (c->tun == NULL)
		return;
	ic_routes_del(c);
	if (c->vip.family != 0) {
		tun_prefix_host(&p, &c->vip);
		if ((r = tun_addr_del(tun_name(c->tun), &p)) != 0)
			log_debug(SUB_MAIN, "address del: %s",
			    tun_strerror(r));
	}
	if (c->vip6.family != 0) {
		tun_prefix_host(&p, &c->vip6);
		if ((r = tun_addr_del(tun_name(c->tun), &p)) != 0)
			log_debug(SUB_MAIN, "address del: %s",
			    tun_strerror(r));
	}
	memset(&c->vip, 0, sizeof(c->vip));
	memset(&c->vip6, 0, sizeof(c->vip6));
}

/*
 * No IPv6 link-local address on a device we created (addr_gen_mode 1,
 * "none"): the kernel would otherwise autoconfigure one and send router
 * solicitations from it into the tunnel, where the gateway must drop them
 * (their source is not the address it gave us). Without IPv6 in the
 * kernel there is nothing to do.
 */
static void
ic_tun_no_autoconf(const char *ifname)
{
	char path[96];
	FILE *f;

	if ((size_t)snprintf(path, sizeof(path),
	    "/proc/sys/net/ipv6/conf/%s/addr_gen_mode", ifname) >=
	    sizeof(path) || (f = fopen(path, "w")) == NULL)
		return;
	if (fputs("1\n", f) == EOF)
		log_debug(SUB_MAIN, "%s: %s", path, strerror(errno));
	if (fclose(f) != 0)
		log_debug(SUB_MAIN, "%s: %s", path, strerror(errno));
}

/*
 * Opens the device, with virtio-net headers and TSO/USO when the kernel
 * has them (tun_open falls back to a plain device by itself, and dp says
 * so once), and starts the data plane on it.
 */
static int
ic_tun_open(struct ic *c)
{
	struct dp_config dc;
	int r;

	if (c->tun != NULL)
		return 0;
	r = tun_open(c->o.tun, TUN_OPEN_CREATE | TUN_OPEN_OFFLOAD, &c->tun);
	if (r == -TUN_E_EXIST)
		r = tun_open(c->o.tun, TUN_OPEN_ATTACH | TUN_OPEN_OFFLOAD,
		    &c->tun);
	if (r != 0) {
		say("Cannot open TUN device %s: %s.", c->o.tun,
		    tun_strerror(r));
		return -E_SYS;
	}
	if (tun_created(c->tun))
		ic_tun_no_autoconf(tun_name(c->tun));
	if ((r = tun_link_mtu(tun_name(c->tun), IC_TUN_MTU)) != 0)
		log_warnx(SUB_MAIN, "%s: MTU: %s", tun_name(c->tun),
		    tun_strerror(r));
	memset(&dc, 0, sizeof(dc));
	dc.dev = c->tun;
	dc.ops.alive = ic_dp_alive;
	dc.ops.due = ic_dp_due;
	dc.ops.arg = c;
	return dp_start(&c->ev.loop, c->net, &dc, &c->dp);
}

/* Sets a (family, len bytes) to the integer one more than a; returns 1
 * when it wrapped past the last address. */
static int
addr_inc(uint8_t *a, size_t len)
{
	while (len-- > 0)
		if (++a[len] != 0)
			return 0;
	return 1;
}

/* Returns 1 when the host bits of a (len bytes) below prefix length plen
 * are all zero (is_zero) or all one. */
static int
host_bits(const uint8_t *a, size_t len, unsigned plen, int is_zero)
{
	unsigned b;

	for (b = plen; b < len * 8; b++)
		if (((a[b / 8] >> (7 - b % 8)) & 1) != (is_zero ? 0 : 1))
			return 0;
	return 1;
}

/* Adds the range of sel (a traffic selector, RFC 7296 3.13.1, IPv4 or
 * IPv6) to c->routes as the fewest prefixes that cover it exactly; the
 * whole address space of a family is left to routes = default. */
static void
ts_routes(struct ic *c, const struct child_sa_sel *sel)
{
	size_t len = sel->family == AF_INET ? 4 : 16;
	uint8_t lo[16], end[16];
	struct tun_prefix *p;
	unsigned plen, b;

	if ((sel->family != AF_INET && sel->family != AF_INET6) ||
	    memcmp(sel->start, sel->end, len) > 0 ||
	    (host_bits(sel->start, len, 0, 1) &&
	    host_bits(sel->end, len, 0, 0)))
		return;
	memcpy(lo, sel->start, len);
	while (c->nroutes < IC_MAX_ROUTES) {
		/* The largest aligned block at lo that stays within end:
		 * host bits of lo zero, and lo with them set <= end. */
		for (plen = 0; plen < len * 8; plen++) {
			if (!host_bits(lo, len, plen, 1))
				continue;
			memcpy(end, lo, len);
			for (b = plen; b < len * 8; b++)
				end[b / 8] |= (uint8_t)(0x80 >> (b % 8));
			if (memcmp(end, sel->end, len) <= 0)
				break;
		}
		if (plen == len * 8)
			memcpy(end, lo, len);
		p = &c->routes[c->nroutes++];
		memset(p, 0, sizeof(*p));
		p->family = sel->family;
		memcpy(p->a, lo, len);
		p->len = plen;
		if (memcmp(end, sel->end, len) == 0 || addr_inc(end, len))
			break;
		memcpy(lo, end, len);
	}
}

/* Routes of family (AF_INET, AF_INET6) for res, by c->o.routes. */
static void
ic_routes_for(struct ic *c, const struct ike_init_result *res, int family)
{
	struct tun_prefix *p;
	size_t i, n = 0;

	if (c->o.routes == IC_ROUTES_DEFAULT) {
		if (c->nroutes == IC_MAX_ROUTES)
			return;
		p = &c->routes[c->nroutes++];
		memset(p, 0, sizeof(*p));
		p->family = family;
		return;
	}
	if (c->o.routes != IC_ROUTES_SPLIT)
		return;
	for (i = 0; i < res->nsplit && c->nroutes < IC_MAX_ROUTES; i++) {
		if (res->split[i].addr.family != family)
			continue;
		p = &c->routes[c->nroutes++];
		memset(p, 0, sizeof(*p));
		p->family = family;
		memcpy(p->a, res->split[i].addr.a,
		    pool_addr_len(&res->split[i].addr));
		p->len = res->split[i].len;
		n++;
	}
	/* No split list (strongSwan sends none): the networks the CHILD SA
	 * covers on the gateway's side (its TSr), unless that is
	 * everything. */
	for (i = 0; n == 0 && i < res->child.ts.nr; i++)
		if (res->child.ts.r[i].family == family)
			ts_routes(c, &res->child.ts.r[i]);
}

/* Returns 1 when a and b are the same address (both absent counts). */
static int
same_vip(const struct pool_addr *a, const struct pool_addr *b)
{
	return a->family == b->family &&
	    memcmp(a->a, b->a, pool_addr_len(a)) == 0;
}

/*
 * Puts the assigned addresses on the device and routes the networks of
 * res through it (unchanged when a resume gave the same addresses). IPv4
 * is required; an IPv6 address the kernel refuses (IPv6 disabled) only
 * costs IPv6 and is said once.
 */
static int
ic_net_up(struct ic *c, const struct ike_init_result *res)
{
	struct tun_prefix p;
	const char *ifn;
	size_t i;
	int r;

	if (res->vip.family != AF_INET) {
		say("The gateway assigned no IPv4 address.");
		return -E_NOTSUP;
	}
	if (same_vip(&c->vip, &res->vip) && same_vip(&c->vip6, &res->vip6))
		return 0;
	ic_net_down(c);
	ifn = tun_name(c->tun);
	tun_prefix_host(&p, &res->vip);
	if ((r = tun_addr_add(ifn, &p)) != 0 && r != -TUN_E_EXIST) {
		say("Cannot add the address to %s: %s.", ifn,
		    tun_strerror(r));
		return -E_SYS;
	}
	c->vip = res->vip;
	if ((r = tun_link_up(ifn)) != 0) {
		say("Cannot bring %s up: %s.", ifn, tun_strerror(r));
		return -E_SYS;
	}
	if (res->vip6.family == AF_INET6) {
		/* RFC 7296 3.15.1 gives a prefix length with the address;
		 * ours is a host route like the IPv4 one, and the networks
		 * to reach come as routes below. */
		tun_prefix_host(&p, &res->vip6);
		if ((r = tun_addr_add(ifn, &p)) != 0 && r != -TUN_E_EXIST)
			say("Cannot add the IPv6 address to %s: %s; "
			    "IPv4 only.", ifn, tun_strerror(r));
		else
			c->vip6 = res->vip6;
	}
	ic_routes_for(c, res, AF_INET);
	if (c->vip6.family == AF_INET6)
		ic_routes_for(c, res, AF_INET6);
	for (i = 0; i < c->nroutes; i++) {
		if ((r = tun_route_add(ifn, &c->routes[i])) != 0 &&
		    r != -TUN_E_EXIST) {
			say("Cannot add a route through %s: %s.", ifn,
			    tun_strerror(r));
			c->nroutes = i;
			return -E_SYS;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Connection attempts. */

static void ic_schedule(struct ic *c, unsigned ms);
static void ic_teardown(struct ic *c);

static void
ic_send(void *arg, const struct net_path *p, struct span dgram)
{
	struct ic *c = arg;

	/* A failure (the link is down) is counted by net; the SA
	 * retransmits or gives up on its own. */
	if (net_send(c->net, p, 1, dgram) != 0)
		log_debug(SUB_NET, "send failed: %s", strerror(errno));
}

static uint64_t
ic_now(void *arg)
{
	struct ic *c = arg;

	return uv_now(&c->ev.loop);
}

static void ic_established(void *, struct ike_init *,
    const struct ike_init_result *);
static void ic_failed(void *, struct ike_init *, enum ike_init_error,
    uint16_t);
static void ic_down(void *, struct ike_init *, enum ike_init_down);

static int
ic_start_attempt(struct ic *c)
{
	struct ike_init_conf conf = c->base;
	struct ike_init_ops ops;
	struct sockaddr_in *sin;
	uint16_t port, nat_port;
	int r;

	net_ports(c->net, &port, &nat_port);
	sin = (struct sockaddr_in *)&conf.path.local;
	memset(sin, 0, sizeof(*sin));
	/* The wildcard: the kernel picks the source address of each
	 * datagram, so a new local address is used as soon as routing
	 * does. */
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	conf.local_nat_port = nat_port;
	c->resuming = c->sid_len > 0 && c->tok_len > 0;
	if (c->resuming) {
		conf.mode = IKE_INIT_RESUME;
		conf.session_id = span_make(c->sid, c->sid_len);
		conf.token = span_make(c->tok, c->tok_len);
		c->state = IC_RECONNECTING;
		say("Reconnecting to %s...", c->o.name);
	} else {
		c->state = IC_CONNECTING;
		say("Connecting to %s...", c->o.name);
	}
	memset(&ops, 0, sizeof(ops));
	ops.send = ic_send;
	ops.established = ic_established;
	ops.failed = ic_failed;
	ops.down = ic_down;
	ops.child_rekeyed = ic_child_rekeyed;
	ops.child_retired = ic_child_retired;
	ops.now = ic_now;
	ops.arg = c;
	c->attempts++;
	if ((r = ike_init_new(&conf, &c->ev.timers, &ops, &c->sa)) != 0) {
		say("Cannot start a connection: %s.", err_str(r));
		return r;
	}
	if ((r = ike_init_start(c->sa, uv_now(&c->ev.loop))) != 0) {
		say("Cannot start a connection: %s.", err_str(r));
		ike_init_free(c->sa);
		c->sa = NULL;
		return r;
	}
	return 0;
}

static void
ic_retry_fire(struct timer *t, void *arg)
{
	struct ic *c = arg;

	(void)t;
	if (c->quitting)
		return;
	if (ic_start_attempt(c) != 0) {
		c->exit_code = 1;
		ic_teardown(c);
	}
}

/* Starts the next attempt after ms (0: on the next loop turn, outside
 * the callback of the SA that just ended). */
static void
ic_schedule(struct ic *c, unsigned ms)
{
	c->state = IC_WAITING;
	timer_del(&c->ev.timers, &c->retry);
	if (timer_add(&c->ev.timers, &c->retry, uv_now(&c->ev.loop) + ms)
	    != 0) {
		log_errx(SUB_MAIN, "cannot arm the reconnect timer");
		c->exit_code = 1;
		ic_teardown(c);
	}
}

/* Adds the counters of the CHILD SA with inbound SPI spi to *st. */
static void
ic_child_count(const struct ic *c, uint32_t spi, struct dp_child_stats *st)
{
	struct dp_child_stats now;

	if (dp_child_stats(c->dp, spi, &now) != 0)
		return;
	st->packets_in += now.packets_in;
	st->bytes_in += now.bytes_in;
	st->packets_out += now.packets_out;
	st->bytes_out += now.bytes_out;
	st->drops_in += now.drops_in;
	st->drops_out += now.drops_out;
}

/* Removes the CHILD SA with inbound SPI spi (keys wiped), keeping its
 * counters. */
static void
ic_child_drop(struct ic *c, uint32_t spi)
{
	ic_child_count(c, spi, &c->past);
	dp_child_down(c->dp, spi);
}

/* Takes the CHILD SA (and one a rekey replaced) out of the data plane;
 * the device, its addresses and routes stay. Packets the kernel routes
 * into the device meanwhile are dropped and counted. */
static void
ic_child_clear(struct ic *c)
{
	if (c->have_old)
		ic_child_drop(c, c->old_spi_in);
	c->have_old = 0;
	if (c->have_child)
		ic_child_drop(c, c->spi_in);
	c->have_child = 0;
}

/* A rekey made child: it opens what arrives from now on, and carries
 * what we send from now on (send_now: our rekey, the gateway has both
 * halves) or once the gateway deleted the old one (its rekey). */
static void
ic_child_rekeyed(void *arg, struct ike_init *sa, const struct child_sa *child,
    int send_now)
{
	struct ic *c = arg;
	const struct ike_init_result *res = ike_init_result(sa);
	int r;

	if (!c->have_child || res == NULL)
		return;
	if ((r = dp_child_up(c->dp, child, NULL, 0, &res->path)) != 0)
		goto fail;
	if (send_now && (r = dp_child_promote(c->dp, child->spi_in)) != 0) {
		dp_child_down(c->dp, child->spi_in);
		goto fail;
	}
	c->old_spi_in = c->spi_in;
	c->have_old = 1;
	c->spi_in = child->spi_in;
	c->rekeys++;
	return;
fail:
	/* The gateway moves to the new SA, which we could not install: the
	 * old one goes quiet, and dead peer detection or the gateway's
	 * DELETE of it makes us reconnect. */
	log_warnx(SUB_MAIN, "cannot install the rekeyed CHILD SA: %s",
	    err_str(r));
}

/* The CHILD SA a rekey replaced is gone on the gateway too. */
static void
ic_child_retired(void *arg, struct ike_init *sa, uint32_t spi_in)
{
	struct ic *c = arg;
	int r;

	(void)sa;
	if (!c->have_old || c->old_spi_in != spi_in)
		return;
	/* After the gateway's rekey, what we send moves now (a no-op after
	 * ours); failing that, the old SA keeps it until it goes. */
	if ((r = dp_child_promote(c->dp, c->spi_in)) != 0) {
		log_warnx(SUB_MAIN, "cannot send on the rekeyed CHILD SA: %s",
		    err_str(r));
		return;
	}
	ic_child_drop(c, spi_in);
	c->have_old = 0;
}

/* The SA is gone (or going) without the user asking: resume, keeping
 * the device and its address. */
static void
ic_lost(struct ic *c, const char *why)
{
	ic_child_clear(c);
	say("Connection to %s lost: %s.", c->o.name, why);
	c->retry_ms = 0;
	ic_schedule(c, 0);
}

static void
ic_established(void *arg, struct ike_init *sa,
    const struct ike_init_result *res)
{
	struct ic *c = arg;
	char a[INET6_ADDRSTRLEN], a6[INET6_ADDRSTRLEN], line[512];
	size_t i, n;
	int r;

	(void)sa;
	if (res->session_id_len > 0 && res->token_len > 0) {
		/* The token is single-use: the gateway rotated it. */
		memcpy(c->sid, res->session_id, res->session_id_len);
		c->sid_len = res->session_id_len;
		memcpy(c->tok, res->token, res->token_len);
		c->tok_len = res->token_len;
		state_save(c);
	} else if (!res->resumed && c->sid_len > 0) {
		/* A gateway that gives no session cannot resume it. */
		session_forget(c);
	}
	ic_child_clear(c);
	if ((r = ic_tun_open(c)) != 0 || (r = ic_net_up(c, res)) != 0 ||
	    (r = dp_child_up(c->dp, &res->child, NULL, 0, &res->path)) != 0) {
		say("Cannot set up the tunnel: %s.", err_str(r));
		c->exit_code = 1;
		ic_teardown(c);
		return;
	}
	c->spi_in = res->child.spi_in;
	c->have_child = 1;
	c->have_src = icmon_route_src(&c->base.path.remote, &c->src) == 0;
	if (res->resumed)
		c->resumes++;
	else
		c->logins++;
	c->ever_connected = 1;
	c->state = IC_CONNECTED;
	c->retry_ms = 0;
	say("Connected to %s as %s%s%s%s.", c->o.name,
	    vip_str(&res->vip, a, sizeof(a)),
	    c->vip6.family != 0 ? " and " : "",
	    c->vip6.family != 0 ? vip_str(&c->vip6, a6, sizeof(a6)) : "",
	    res->resumed ? " (session resumed)" : "");
	if (res->ndns > 0 || res->domain[0] != '\0') {
		/* Printed for the user, not applied: resolver setup is
		 * the system's business (resolvconf, systemd-resolved). */
		n = (size_t)snprintf(line, sizeof(line), "DNS (not applied):");
		for (i = 0; i < res->ndns && n < sizeof(line); i++)
			n += (size_t)snprintf(line + n, sizeof(line) - n,
			    "%s %s", i ? "," : " servers",
			    vip_str(&res->dns[i], a, sizeof(a)));
		if (res->domain[0] != '\0' && n < sizeof(line))
			(void)snprintf(line + n, sizeof(line) - n,
			    "%s domain %s", res->ndns ? ";" : "",
			    res->domain);
		say("%s", line);
	}
	log_info(SUB_MAIN, "IKE %s, ESP %s, %zu split networks",
	    res->ike_algs, res->esp_algs, res->nsplit);
}

static void
ic_failed(void *arg, struct ike_init *sa, enum ike_init_error err,
    uint16_t notify)
{
	struct ic *c = arg;

	ike_init_free(sa);
	c->sa = NULL;
	if (c->quitting) {
		ic_teardown(c);
		return;
	}
	if (c->resuming && (err == IKE_INIT_ERR_RESUME ||
	    err == IKE_INIT_ERR_AUTH)) {
		/* Expired, unknown or restarted gateway: log in again. */
		c->refused++;
		say("%s refused to resume the session; logging in again.",
		    c->o.name);
		session_forget(c);
		c->retry_ms = 0;
		ic_schedule(c, 0);
		return;
	}
	switch (err) {
	case IKE_INIT_ERR_AUTH:
	case IKE_INIT_ERR_PEER_AUTH:
	case IKE_INIT_ERR_NO_PROPOSAL:
		/* Trying again would fail the same way. */
		say("Cannot connect to %s: %s (notify %u).", c->o.name,
		    ike_init_error_name(err), notify);
		c->exit_code = 1;
		ic_teardown(c);
		return;
	default:
		break;
	}
	c->retry_ms = c->retry_ms == 0 ? 1000 : c->retry_ms * 2;
	if (c->retry_ms > IC_RETRY_MAX_MS)
		c->retry_ms = IC_RETRY_MAX_MS;
	say("Cannot reach %s (%s); trying again in %u s.", c->o.name,
	    ike_init_error_name(err), c->retry_ms / 1000);
	ic_schedule(c, c->retry_ms);
}

static void
ic_down(void *arg, struct ike_init *sa, enum ike_init_down why)
{
	struct ic *c = arg;

	if (why == IKE_INIT_DOWN_CLOSED || c->quitting) {
		ike_init_free(sa);
		c->sa = NULL;
		ic_teardown(c);
		return;
	}
	/* DEAD, DELETED or CHILD_DELETED. A gateway that deleted only the
	 * CHILD SA still has our IKE SA; it resumes an active session as
	 * well (DESIGN.md step 4), so drop ours silently either way. */
	ike_init_free(sa);
	c->sa = NULL;
	ic_lost(c, ike_init_down_name(why));
}

/* ------------------------------------------------------------------ */
/* Suspend: the wall clock against the monotonic one. */

static void
ic_clock_fire(struct timer *t, void *arg)
{
	struct ic *c = arg;
	int64_t wall = (int64_t)time(NULL) + c->wall_skew;
	uint64_t mono = uv_now(&c->ev.loop);
	int64_t jump;

	(void)t;
	jump = (wall - c->wall_ref) - (int64_t)((mono - c->mono_ref) / 1000);
	c->wall_ref = wall;
	c->mono_ref = mono;
	if ((jump > IC_CLOCK_JUMP_S || jump < -IC_CLOCK_JUMP_S) &&
	    c->state == IC_CONNECTED && c->sa != NULL) {
		/* The monotonic clock stops in suspend, the wall clock does
		 * not: we slept, and our SA may be gone on the gateway. */
		say("Clock jumped by %lld s (suspend?).", (long long)jump);
		ike_init_free(c->sa);
		c->sa = NULL;
		ic_lost(c, "resumed from suspend");
	}
	if (!c->quitting && timer_add(&c->ev.timers, &c->clock,
	    mono + IC_CLOCK_TICK_MS) != 0)
		log_warnx(SUB_MAIN, "cannot arm the clock check");
}

/* Test hook: SIGUSR1 moves our notion of wall time an hour ahead, as a
 * suspend would. */
static void
ic_on_usr1(uv_signal_t *h, int sig)
{
	struct ic *c = h->data;

	(void)sig;
	c->wall_skew += 3600;
}

/* ------------------------------------------------------------------ */
/* Network changes (rtnetlink, ikeclient_mon.c). */

static int
same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET)
		return memcmp(&((const struct sockaddr_in *)a)->sin_addr,
		    &((const struct sockaddr_in *)b)->sin_addr, 4) == 0;
	return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
	    &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
}

/* The address of ss, without its port. */
static const char *
sa_str(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	const void *a = ss->ss_family == AF_INET ?
	    (const void *)&((const struct sockaddr_in *)ss)->sin_addr :
	    (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr;

	if (inet_ntop(ss->ss_family, a, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
	return buf;
}

static void
ic_netchk_fire(struct timer *t, void *arg)
{
	struct ic *c = arg;
	struct sockaddr_storage now_src;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	(void)t;
	if (c->quitting || icmon_route_src(&c->base.path.remote,
	    &now_src) != 0)
		return;		/* no way to the gateway yet: wait */
	if (c->state == IC_CONNECTED && c->sa != NULL && c->have_src &&
	    !same_addr(&now_src, &c->src)) {
		/* The gateway keeps sending to an address we left. */
		say("Network changed: %s is now reached from %s, not %s.",
		    c->o.gateway, sa_str(&now_src, a, sizeof(a)),
		    sa_str(&c->src, b, sizeof(b)));
		ike_init_free(c->sa);
		c->sa = NULL;
		ic_lost(c, "network changed");
	} else if (c->state == IC_WAITING && timer_armed(&c->retry) &&
	    timer_deadline(&c->retry) > uv_now(&c->ev.loop)) {
		/* A way to the gateway (again): no need to wait out the
		 * backoff. */
		log_info(SUB_MAIN, "network changed: retrying now");
		ic_schedule(c, 0);
	}
}

static void
ic_mon_changed(void *arg)
{
	struct ic *c = arg;

	if (c->quitting || timer_armed(&c->netchk))
		return;
	if (timer_add(&c->ev.timers, &c->netchk,
	    uv_now(&c->ev.loop) + IC_NETCHK_MS) != 0)
		log_warnx(SUB_MAIN, "cannot arm the network check");
}

/* ------------------------------------------------------------------ */
/* Status and shutdown. */

static int
ic_ctl_status(void *arg, int argc, char **argv, struct buf *out)
{
	struct ic *c = arg;
	struct dp_child_stats st = c->past;
	struct ike_init_stats ist;
	char a[INET6_ADDRSTRLEN], a6[INET6_ADDRSTRLEN];
	int r;

	(void)argc;
	(void)argv;
	memset(&ist, 0, sizeof(ist));
	if (c->sa != NULL)
		ike_init_stats(c->sa, &ist);
	if (c->have_child)
		ic_child_count(c, c->spi_in, &st);
	if (c->have_old)
		ic_child_count(c, c->old_spi_in, &st);
	if ((r = buf_addf(out, "state: %s\ngateway: %s (%s)\n"
	    "address: %s\naddress6: %s\ninterface: %s\nresumable: %s\n"
	    "resumes: %u\nfull logins: %u\nresumes refused: %u\n"
	    "attempts: %u\nchild rekeys: %u\nike rekeys: %llu\n"
	    "packets out: %llu\npackets in: %llu\n"
	    "bytes out: %llu\nbytes in: %llu\n"
	    "drops out: %llu\ndrops in: %llu\n",
	    ic_state_name(c->state), c->o.name, c->o.gateway,
	    vip_str(&c->vip, a, sizeof(a)), vip_str(&c->vip6, a6, sizeof(a6)),
	    c->tun != NULL ? tun_name(c->tun) : "none",
	    c->sid_len > 0 ? "yes" : "no",
	    c->resumes, c->logins, c->refused, c->attempts, c->rekeys,
	    (unsigned long long)ist.ike_rekeys,
	    (unsigned long long)st.packets_out,
	    (unsigned long long)st.packets_in,
	    (unsigned long long)st.bytes_out,
	    (unsigned long long)st.bytes_in,
	    (unsigned long long)st.drops_out,
	    (unsigned long long)st.drops_in)) != 0)
		return r;
	/* The data plane's own lines: offloads, system calls, drops by
	 * reason (packets read while no SA covered them included). */
	if (c->dp != NULL)
		return dp_show(c->dp, out, 0);
	return 0;
}

static void
ic_net_ike(void *arg, struct span dgram, const struct net_path *p)
{
	struct ic *c = arg;

	if (c->sa != NULL)
		ike_init_input(c->sa, dgram, p, uv_now(&c->ev.loop));
}

static void
ic_net_esp(void *arg, uint8_t *const *pkts, const size_t *lens,
    const struct net_path *const *paths, size_t n)
{
	struct ic *c = arg;

	if (c->dp != NULL)
		dp_esp_input(c->dp, pkts, lens, paths, n);
}

/* Authentic ESP from the gateway: our DPD need not probe. */
static void
ic_dp_alive(void *arg, uint32_t spi_in)
{
	struct ic *c = arg;

	(void)spi_in;
	if (c->sa != NULL && c->state == IC_CONNECTED)
		ike_init_alive(c->sa, uv_now(&c->ev.loop));
}

/* An SA of a CHILD SA nears (hard 0) or reached the end of its volume
 * (lifetime_kilobytes, or 3/4 of the 32-bit sequence numbers): rekey the
 * current CHILD SA (a replaced one is on its way out anyway). */
static void
ic_dp_due(void *arg, uint32_t spi_in, int hard)
{
	struct ic *c = arg;
	int r;

	if (c->sa == NULL || c->state != IC_CONNECTED || !c->have_child ||
	    spi_in != c->spi_in)
		return;
	log_info(SUB_MAIN, "CHILD SA %08x %s the end of its volume: "
	    "rekeying it", spi_in, hard ? "reached" : "nears");
	if ((r = ike_init_rekey_child(c->sa, uv_now(&c->ev.loop))) != 0)
		log_warnx(SUB_MAIN, "cannot rekey CHILD SA %08x: %s", spi_in,
		    err_str(r));
}

static void
ic_close_wait_fire(struct timer *t, void *arg)
{
	struct ic *c = arg;

	(void)t;
	ike_init_free(c->sa);
	c->sa = NULL;
	ic_teardown(c);
}

static void
ic_teardown(struct ic *c)
{
	c->quitting = 1;
	if (c->torn)
		return;
	c->torn = 1;
	timer_del(&c->ev.timers, &c->retry);
	timer_del(&c->ev.timers, &c->clock);
	timer_del(&c->ev.timers, &c->close_wait);
	timer_del(&c->ev.timers, &c->netchk);
	icmon_close(c->mon);
	c->mon = NULL;
	ike_init_free(c->sa);
	c->sa = NULL;
	/* The data plane stops reading the device now (and frees its SAs
	 * once libuv released the watcher); the device is ours to close. */
	dp_close(c->dp);
	c->dp = NULL;
	c->have_child = 0;
	if (c->tun != NULL) {
		/* A device we created goes away with its address and
		 * routes; one we attached to keeps none of ours. */
		if (!tun_created(c->tun))
			ic_net_down(c);
		tun_close(c->tun);
		c->tun = NULL;
	}
	net_close(c->net, NULL, NULL);
	c->net = NULL;
	ctl_close(c->ctl);
	c->ctl = NULL;
	uv_close((uv_handle_t *)&c->usr1, NULL);
	ev_stop(&c->ev);
}

static void
ic_shutdown(void *arg)
{
	struct ic *c = arg;

	if (c->quitting)
		return;
	c->quitting = 1;
	say("Disconnecting from %s.", c->o.name);
	if (c->sa != NULL && !c->o.keep_session &&
	    ike_init_state(c->sa) == IKE_INIT_S_ESTABLISHED &&
	    ike_init_delete(c->sa, uv_now(&c->ev.loop)) == 0) {
		/* A user disconnect ends the session on the gateway. */
		session_forget(c);
		c->state = IC_CLOSING;
		if (timer_add(&c->ev.timers, &c->close_wait,
		    uv_now(&c->ev.loop) + IC_CLOSE_WAIT_MS) == 0)
			return;
	}
	ic_teardown(c);
}

/* ------------------------------------------------------------------ */
/* ikeclient --status: one query on the control socket. */

static int
status_query(const char *path)
{
	struct sockaddr_un sun;
	char buf[4096];
	ssize_t n;
	size_t off = 0;
	int fd, ok = -1;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "ikeclient: %s: path too long\n", path);
		return 1;
	}
	memcpy(sun.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		fprintf(stderr, "ikeclient: %s: %s (is ikeclient "
		    "running?)\n", path, strerror(errno));
		if (fd != -1)
			close(fd);
		return 1;
	}
	if (write(fd, "status\n", 7) != 7) {
		close(fd);
		return 1;
	}
	/* "ok\n" or "error\n", then the text. */
	while ((n = read(fd, buf + off, sizeof(buf) - 1 - off)) > 0) {
		off += (size_t)n;
		if (off == sizeof(buf) - 1)
			break;
	}
	close(fd);
	buf[off] = '\0';
	if (strncmp(buf, "ok\n", 3) == 0)
		ok = 0;
	fputs(strchr(buf, '\n') ? strchr(buf, '\n') + 1 : buf, stdout);
	return ok == 0 ? 0 : 1;
}

/* ------------------------------------------------------------------ */

static void
usage(void)
{
	fprintf(stderr,
	    "usage: ikeclient [-dk] [-c file] [-g gateway] [-o key=value]\n"
	    "                 [-S socket] [--state file]\n"
	    "       ikeclient --status [-S socket]\n");
	exit(2);
}

static void
ic_free(struct ic *c)
{
	const struct xform_x509 *xx = xform_find_x509();
	size_t i;

	for (i = 0; xx != NULL && i < c->ncas; i++)
		xx->free(c->cas[i]);
	for (i = 0; xx != NULL && i < c->ncerts; i++)
		xx->free(c->certs[i]);
	if (c->key != NULL && xx != NULL)
		xx->sig->key_free(c->key);
	ct_wipe(c->sid, sizeof(c->sid));
	ct_wipe(c->tok, sizeof(c->tok));
	ct_wipe(&c->base, sizeof(c->base));
	opts_free(&c->o);
}

int
main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "status", no_argument, NULL, 'T' },
		{ "state", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static struct ic ic;
	struct ic *c = &ic;
	struct ev_ops eops;
	struct net_ops nops;
	struct net_config ncfg;
	const char *cfile = NULL, *why;
	char *eq;
	int ch, status = 0, r, rc = 1;
	struct {
		char	*k, *v;
	} over[64];
	size_t nover = 0, i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	c->o.port = 500;
	c->o.nat_port = IKE_INIT_NAT_PORT;
	c->o.dpd_s = 30;
	c->o.rekey_s = IC_REKEY_S;
	c->o.ike_rekey_s = IC_IKE_REKEY_S;
	c->o.want_session = 1;
	while ((ch = getopt_long(argc, argv, "c:dg:ko:S:h", lopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			cfile = optarg;
			break;
		case 'd':
			ic_debug = 1;
			break;
		case 'g':
		case 'k':
		case 'o':
		case 'S':
		case 'F':
			if (nover == sizeof(over) / sizeof(over[0]))
				usage();
			if (ch == 'o') {
				if ((eq = strchr(optarg, '=')) == NULL)
					usage();
				*eq = '\0';
				over[nover].k = optarg;
				over[nover].v = eq + 1;
			} else {
				over[nover].k = ch == 'g' ? "gateway" :
				    ch == 'k' ? "keep_session" :
				    ch == 'S' ? "control_socket" :
				    "state_file";
				over[nover].v = ch == 'k' ? "yes" : optarg;
			}
			nover++;
			break;
		case 'T':
			status = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	log_init(1, ic_debug ? LOGL_DEBUG : LOGL_INFO, "ikeclient");
	if (cfile != NULL && !status && opts_load(&c->o, cfile) != 0)
		goto out;
	for (i = 0; i < nover; i++) {
		if (opt_set(&c->o, over[i].k, over[i].v, &why) != 0) {
			fprintf(stderr, "ikeclient: %s: %s\n", over[i].k, why);
			goto out;
		}
	}
	if (c->o.control_socket == NULL &&
	    set_str(&c->o.control_socket, IC_DEFAULT_SOCK) != 0)
		goto out;
	if (status) {
		rc = status_query(c->o.control_socket);
		goto out;
	}
	if (c->o.tun == NULL && set_str(&c->o.tun, IC_DEFAULT_TUN) != 0)
		goto out;
	if (c->o.name == NULL && c->o.gateway != NULL &&
	    set_str(&c->o.name, c->o.gateway) != 0)
		goto out;
	if ((r = xform_init("auto")) != 0) {
		fprintf(stderr, "ikeclient: crypto: %s\n", err_str(r));
		goto out;
	}
	if (ic_setup_conf(c) != 0)
		goto out_xform;
	state_load(c);

	memset(&eops, 0, sizeof(eops));
	eops.shutdown = ic_shutdown;
	eops.arg = c;
	if (ev_init(&c->ev, &eops) != 0) {
		fprintf(stderr, "ikeclient: event loop: %s\n",
		    strerror(errno));
		goto out_xform;
	}
	timer_init(&c->retry, ic_retry_fire, c);
	timer_init(&c->clock, ic_clock_fire, c);
	timer_init(&c->close_wait, ic_close_wait_fire, c);
	timer_init(&c->netchk, ic_netchk_fire, c);
	memset(&ncfg, 0, sizeof(ncfg));
	ncfg.addr.ss_family = AF_INET;
	memset(&nops, 0, sizeof(nops));
	nops.ike = ic_net_ike;
	nops.esp = ic_net_esp;
	nops.arg = c;
	uv_signal_init(&c->ev.loop, &c->usr1);
	c->usr1.data = c;
	if (net_start(&c->ev.loop, &ncfg, &nops, &c->net) != 0) {
		fprintf(stderr, "ikeclient: sockets: %s\n", strerror(errno));
		goto out_loop;
	}
	if (ctl_start(&c->ev.loop, c->o.control_socket, (gid_t)-1,
	    &c->ctl) != 0 ||
	    ctl_register(c->ctl, "status", ic_ctl_status, c) != 0) {
		fprintf(stderr, "ikeclient: %s: %s\n", c->o.control_socket,
		    strerror(errno));
		goto out_loop;
	}
	(void)uv_signal_start(&c->usr1, ic_on_usr1, SIGUSR1);
	if ((r = icmon_new(&c->ev.loop, ic_mon_changed, c, &c->mon)) != 0)
		log_warnx(SUB_MAIN, "no network change notifications: %s",
		    ic_err(r));
	c->wall_ref = (int64_t)time(NULL);
	c->mono_ref = uv_now(&c->ev.loop);
	if (timer_add(&c->ev.timers, &c->clock,
	    c->mono_ref + IC_CLOCK_TICK_MS) != 0 ||
	    ic_start_attempt(c) != 0)
		goto out_loop;
	ev_run(&c->ev);
	rc = c->exit_code;
	goto out_clean;
out_loop:
	ic_teardown(c);
out_clean:
	if (ev_cleanup(&c->ev) != 0) {
		log_errx(SUB_MAIN, "a handle leaked at exit");
		rc = 1;
	}
out_xform:
	ic_free(c);
	xform_cleanup();
	return rc;
out:
	ic_free(c);
	return rc;
}
