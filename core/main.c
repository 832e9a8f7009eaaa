/*
 * main.c: ikegated, the IKEv2 gateway daemon. It owns the event loop and
 * wires the modules together: configuration and credentials, the UDP
 * sockets (net), the IKE responder (ike_sa), the control socket (ctl).
 *
 * -t (or -n) checks the configuration and exits, as sshd -t and iked -n
 * do: 0 and "configuration OK" when it loads, its crypto setting can be
 * honoured and the gateway's certificate and key load, 1 otherwise, with
 * every error on stderr.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "core/cfg.h"
#include "core/child_sa.h"
#include "core/ctl.h"
#include "core/dp.h"
#include "core/err.h"
#include "core/ev.h"
#include "core/ike_sa.h"
#include "core/log.h"
#include "core/net.h"
#include "core/session.h"
#include "core/xform.h"

#define IKEGATED_CONFIG	IKEGATE_SYSCONFDIR "/ikegate/ikegate.ini"

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: ikegated [-dhnt] [-c file] [-v]\n"
	    "  -c file  configuration file (default %s)\n"
	    "  -d       stay in the foreground and log to stderr\n"
	    "  -h       show this help\n"
	    "  -n, -t   check the configuration and exit\n"
	    "  -v       more verbose logging (may be repeated)\n",
	    IKEGATED_CONFIG);
	exit(status);
}

/* Loads the configuration, printing every error to stderr. */
static struct cfg *
load(const char *path)
{
	struct cfg *cfg = NULL;
	unsigned nerr = 0;

	if (cfg_load(path, &cfg, stderr, &nerr) != 0) {
		if (nerr > 1)
			fprintf(stderr, "%s: %u errors\n", path, nerr);
		return NULL;
	}
	return cfg;
}

/* Sets every subsystem to its configured level raised by -v. */
static void
set_levels(const struct cfg_gateway *gw, int verbose)
{
	int s, l;

	for (s = 0; s < SUB__MAX; s++) {
		l = (int)gw->log_level[s] + verbose;
		if (l > LOGL_DEBUG2)
			l = LOGL_DEBUG2;
		(void)log_set_level((enum log_sub)s, (enum log_level)l);
	}
}

/* The daemon's state: one per process, owned by main. */
struct daemon {
	struct ev		 ev;
	struct cfg		*cfg;
	struct ike_creds	 creds;
	struct ike_ctx		*ike;
	struct net		*net;
	struct ctl		*ctl;
	struct dp		*dp;
	int			 stopping;
};

/* Inner MTU of the TUN device: a 1500-byte path less the outer IPv4 and
 * UDP headers and the largest ESP overhead we negotiate (CBC IV, padding,
 * trailer, HMAC-SHA-512-256 ICV), rounded down. */
#define IKEGATED_TUN_MTU	1400


/* Loads the gateway's certificate and private key, when configured,
 * printing errors to errfp. Returns 0 or a negative code. */
static int
load_creds(const struct cfg_gateway *gw, struct ike_creds *cr, FILE *errfp)
{
	const struct xform_x509 *x509 = xform_find_x509();
	struct buf *b = NULL;
	int r;

	memset(cr, 0, sizeof(*cr));
	if (gw->certificate == NULL && gw->private_key == NULL)
		return 0;
	if (x509 == NULL) {
		fprintf(errfp, "no crypto backend handles certificates\n");
		return -E_NOTSUP;
	}
	if (gw->certificate != NULL) {
		if ((r = buf_read_file(gw->certificate, 1u << 20, &b)) != 0) {
			fprintf(errfp, "certificate %s: %s\n", gw->certificate,
			    r == -E_SYS ? strerror(errno) : err_str(r));
			return r;
		}
		r = x509->load(buf_span(b), &cr->cert);
		buf_free(b);
		if (r != 0) {
			fprintf(errfp, "certificate %s: %s\n", gw->certificate,
			    err_str(r));
			return r;
		}
	}
	if (gw->private_key != NULL) {
		if ((r = buf_read_file(gw->private_key, 1u << 20, &b)) != 0) {
			fprintf(errfp, "private key %s: %s\n", gw->private_key,
			    r == -E_SYS ? strerror(errno) : err_str(r));
			return r;
		}
		r = x509->sig->load_private(buf_span(b), &cr->key);
		buf_free(b);
		if (r != 0) {
			fprintf(errfp, "private key %s: %s (PEM or DER, not "
			    "encrypted)\n", gw->private_key, err_str(r));
			return r;
		}
	}
	return 0;
}

static void
free_creds(struct ike_creds *cr)
{
	const struct xform_x509 *x509 = xform_find_x509();

	if (x509 == NULL)
		return;
	if (cr->cert != NULL)
		x509->free(cr->cert);
	if (cr->key != NULL)
		x509->sig->key_free(cr->key);
	memset(cr, 0, sizeof(*cr));
}

static void
on_ike(void *arg, struct span dgram, const struct net_path *p)
{
	struct daemon *d = arg;

	ike_ctx_input(d->ike, dgram, p, ev_now(&d->ev));
}

static void
ike_send(void *arg, const struct net_path *p, struct span dgram)
{
	struct daemon *d = arg;
	static struct log_ratelimit rl;

	if (net_send(d->net, p, 1, dgram) != 0 && log_ratelimit_ok(&rl, 5))
		log_warn(SUB_NET, "sending an IKE message");
}

static int
ctl_show_sa(void *arg, int argc, char **argv, struct buf *out)
{
	struct daemon *d = arg;
	int json = argc > 0 && strcmp(argv[0], "--json") == 0;

	if (argc > (json ? 1 : 0))
		return buf_add_span(out, span_str("usage: show sa [--json]\n")) ?
		    -E_NOMEM : -E_INVAL;
	ike_ctx_set_now(d->ike, ev_now(&d->ev));
	return ike_ctx_show_sa(d->ike, out, json);
}

static int
ctl_show_pools(void *arg, int argc, char **argv, struct buf *out)
{
	struct daemon *d = arg;
	int json = argc > 0 && strcmp(argv[0], "--json") == 0;

	if (argc > (json ? 1 : 0))
		return buf_add_span(out, span_str("usage: show pools "
		    "[--json]\n")) ? -E_NOMEM : -E_INVAL;
	return ike_ctx_show_pools(d->ike, out, json);
}

static void
on_esp(void *arg, uint8_t *const *pkts, const size_t *lens,
    const struct net_path *const *paths, size_t n)
{
	struct daemon *d = arg;

	if (d->dp != NULL)
		dp_esp_input(d->dp, pkts, lens, paths, n);
}

static int
child_up(void *arg, const struct child_sa *c, const struct pool_addr *vips,
    size_t nvip, const struct net_path *path)
{
	struct daemon *d = arg;
	int r;

	if (d->dp == NULL)
		return -E_STATE;
	if ((r = dp_child_up(d->dp, c, vips, nvip, path)) != 0)
		log_warn_e(SUB_ESP, r, "cannot install ESP SA %08x", c->spi_in);
	return r;
}

static void
child_down(void *arg, const struct child_sa *c)
{
	struct daemon *d = arg;

	if (d->dp != NULL)
		dp_child_down(d->dp, c->spi_in);
}

/* dp_ops.due: an ESP SA nears or reached the end of its volume. */
static void
child_due(void *arg, uint32_t spi_in, int hard)
{
	struct daemon *d = arg;

	ike_ctx_child_due(d->ike, spi_in, hard);
}

static int
child_promote(void *arg, const struct child_sa *c)
{
	struct daemon *d = arg;
	int r;

	if (d->dp == NULL)
		return -E_STATE;
	if ((r = dp_child_promote(d->dp, c->spi_in)) != 0)
		log_warn_e(SUB_ESP, r, "cannot switch to ESP SA %08x",
		    c->spi_in);
	return r;
}

static void
child_stats(void *arg, struct child_sa *c)
{
	struct daemon *d = arg;
	struct dp_child_stats st;

	if (d->dp == NULL || dp_child_stats(d->dp, c->spi_in, &st) != 0)
		return;
	c->packets_in = st.packets_in;
	c->bytes_in = st.bytes_in;
	c->packets_out = st.packets_out;
	c->bytes_out = st.bytes_out;
	c->drops_in = st.drops_in;
	c->drops_out = st.drops_out;
}

static uint64_t
child_last_rx(void *arg, const struct child_sa *c)
{
	struct daemon *d = arg;

	return d->dp != NULL ? dp_child_last_rx(d->dp, c->spi_in) : 0;
}

static uint64_t
loop_now(void *arg)
{
	struct daemon *d = arg;

	/* The loop's cached time is that of this iteration's start, which
	 * is what the timers that fire now were compared with. */
	return ev_now(&d->ev);
}

/* Parses [--detail] [--json] into SESSION_FMT_* flags; -1 on anything
 * else. */
static int
show_flags(int argc, char **argv, int detail_ok)
{
	int i, flags = 0;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			flags |= SESSION_FMT_JSON;
		else if (detail_ok && strcmp(argv[i], "--detail") == 0)
			flags |= SESSION_FMT_DETAIL;
		else
			return -1;
	}
	return flags;
}

static int
ctl_show_sessions(void *arg, int argc, char **argv, struct buf *out)
{
	struct daemon *d = arg;
	int flags = show_flags(argc, argv, 1);

	if (flags < 0)
		return buf_add_span(out, span_str("usage: show sessions "
		    "[--detail] [--json]\n")) ? -E_NOMEM : -E_INVAL;
	ike_ctx_set_now(d->ike, ev_now(&d->ev));
	return ike_ctx_show_sessions(d->ike, out, (unsigned)flags);
}

static int
ctl_stats_reconnect(void *arg, int argc, char **argv, struct buf *out)
{
	struct daemon *d = arg;
	int flags = show_flags(argc, argv, 0);

	if (flags < 0)
		return buf_add_span(out, span_str("usage: stats reconnect "
		    "[--json]\n")) ? -E_NOMEM : -E_INVAL;
	return ike_ctx_stats_reconnect(d->ike, out,
	    (flags & SESSION_FMT_JSON) != 0);
}

static int
ctl_stats_ike(void *arg, int argc, char **argv, struct buf *out)
{
	struct daemon *d = arg;
	int flags = show_flags(argc, argv, 0);

	if (flags < 0)
		return buf_add_span(out, span_str("usage: stats ike "
		    "[--json]\n")) ? -E_NOMEM : -E_INVAL;
	return ike_ctx_stats_ike(d->ike, out, (flags & SESSION_FMT_JSON) != 0);
}

static int
ctl_disconnect(void *arg, int argc, char **argv, struct buf *out)
{
	struct daemon *d = arg;
	int r;

	if (argc != 1)
		return buf_add_span(out, span_str("usage: disconnect "
		    "SESSION-ID\n")) ? -E_NOMEM : -E_INVAL;
	ike_ctx_set_now(d->ike, ev_now(&d->ev));
	if ((r = ike_ctx_disconnect(d->ike, span_str(argv[0]))) == -E_NOENT)
		return buf_add_span(out, span_str("no such session\n")) ?
		    -E_NOMEM : r;
	return r;
}

/* rekey SPIi: the gateway rekeys that IKE SA's CHILD SA now. */
static int
ctl_rekey(void *arg, int argc, char **argv, struct buf *out)
{
	struct daemon *d = arg;
	unsigned long long spi;
	char *end;
	int r;

	if (argc != 1 || strlen(argv[0]) != 16 ||
	    (spi = strtoull(argv[0], &end, 16), *end != '\0'))
		return buf_add_span(out, span_str("usage: rekey SPI "
		    "(the IKE SA's SPIi, 16 hex digits, as in show sa)\n")) ?
		    -E_NOMEM : -E_INVAL;
	ike_ctx_set_now(d->ike, ev_now(&d->ev));
	r = ike_ctx_rekey_child(d->ike, (uint64_t)spi);
	if (r == -E_NOENT)
		return buf_add_span(out, span_str("no established IKE SA with "
		    "a CHILD SA under that SPI\n")) ? -E_NOMEM : r;
	if (r == -E_AGAIN)
		return buf_add_span(out, span_str("a rekey of it is in "
		    "flight\n")) ? -E_NOMEM : r;
	return r;
}

#if IKEGATE_DEBUG
static int
ctl_debug_sessions(void *arg, int argc, char **argv, struct buf *out)
{
	struct daemon *d = arg;

	return ike_ctx_debug_sessions(d->ike, out);
}
#endif

static int
ctl_show_dp(void *arg, int argc, char **argv, struct buf *out)
{
	struct daemon *d = arg;
	int json = argc > 0 && strcmp(argv[0], "--json") == 0;

	if (argc > (json ? 1 : 0))
		return buf_add_span(out, span_str("usage: show dataplane "
		    "[--json]\n")) ? -E_NOMEM : -E_INVAL;
	return dp_show(d->dp, out, json);
}

static void
on_shutdown(void *arg)
{
	struct daemon *d = arg;

	if (d->stopping)
		return;
	d->stopping = 1;
	/* The data plane first: its threads use net's sockets. */
	dp_close(d->dp);
	d->dp = NULL;
	net_close(d->net, NULL, NULL);
	d->net = NULL;
	ctl_close(d->ctl);
	d->ctl = NULL;
	ev_stop(&d->ev);
}

static void
on_reload(void *arg)
{
	log_warnx(SUB_MAIN, "reload is not supported yet; restart ikegated "
	    "to apply a new configuration");
}

static int
to_sockaddr(const struct cfg_addr *a, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, a->a, 16);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, a->a, 4);
	}
	return 0;
}

/*
 * Drops root for the configured user once everything privileged is open:
 * the UDP sockets (ports below 1024), the TUN device and its
 * configuration, the keys, the control socket. iked's order: groups,
 * then gid, then uid, and a check that root cannot be regained. Nothing
 * privileged is needed afterwards: routes are set up at start.
 */
static int
drop_privileges(const char *user)
{
	struct passwd *pw;

	if (user == NULL)
		return 0;
	if ((pw = getpwnam(user)) == NULL) {
		log_errx(SUB_PRIV, "user %s does not exist", user);
		return -E_CONFIG;
	}
	if (setgroups(1, &pw->pw_gid) != 0 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) != 0 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) != 0) {
		log_err(SUB_PRIV, "cannot switch to user %s", user);
		return -E_SYS;
	}
	if (pw->pw_uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		log_errx(SUB_PRIV, "could regain root after dropping it");
		return -E_INTERNAL;
	}
	log_info(SUB_PRIV, "running as user %s", user);
	return 0;
}

/*
 * dataplane_threads = auto: one thread per CPU this process may run on
 * (its affinity, which a container or taskset may narrow; the online
 * CPUs when that cannot be read), at most DP_THREADS_MAX.
 */
static unsigned
dp_threads(const struct cfg_gateway *gw)
{
	cpu_set_t set;
	long n;

	if (gw->dataplane_threads != 0)
		return gw->dataplane_threads;
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		n = CPU_COUNT(&set);
	else
		n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	return n > DP_THREADS_MAX ? DP_THREADS_MAX : (unsigned)n;
}

static int
serve(struct daemon *d, int foreground)
{
	const struct cfg_gateway *gw = cfg_gateway(d->cfg);
	struct ev_ops eops = { on_reload, on_shutdown, d };
	struct net_ops nops = { on_ike, on_esp, d };
	struct ike_io io = {
		.send = ike_send, .child_up = child_up,
		.child_down = child_down, .child_promote = child_promote,
		.child_stats = child_stats, .child_last_rx = child_last_rx,
		.now = loop_now, .arg = d,
	};
	struct dp_config dc;
	struct net_config nc;
	int r;

	if ((r = ev_init(&d->ev, &eops)) != 0) {
		log_err(SUB_MAIN, "event loop");
		return r;
	}
	if ((r = ike_ctx_new(d->cfg, &d->creds, &d->ev.timers, &io,
	    &d->ike)) != 0) {
		log_err_e(SUB_IKE, r, "cannot set up the IKE responder");
		goto out;
	}
	memset(&nc, 0, sizeof(nc));
	to_sockaddr(&gw->address, &nc.addr);
	nc.port = gw->port;
	nc.nat_port = gw->nat_port;
	/* One NAT-T socket per data-plane thread (core/net.h, "Workers"). */
	nc.workers = dp_threads(gw);
	nc.rx_coalesce_us = gw->rx_coalesce_usecs;
	if ((r = net_start(&d->ev.loop, &nc, &nops, &d->net)) != 0) {
		log_err(SUB_NET, "cannot listen on ports %u and %u", gw->port,
		    gw->nat_port);
		goto out;
	}
	memset(&dc, 0, sizeof(dc));
	dc.tun = gw->tun;
	dc.mtu = IKEGATED_TUN_MTU;
	dc.cfg = d->cfg;
	dc.threads = nc.workers;
	dc.ops.due = child_due;
	dc.ops.arg = d;
	if ((r = dp_start(&d->ev.loop, d->net, &dc, &d->dp)) != 0)
		goto out;
	if ((r = ctl_start(&d->ev.loop, gw->control_socket, (gid_t)-1,
	    &d->ctl)) != 0) {
		log_err(SUB_CTL, "control socket %s", gw->control_socket);
		goto out;
	}
	if ((r = ctl_register(d->ctl, "show sa", ctl_show_sa, d)) != 0 ||
	    (r = ctl_register(d->ctl, "show pools", ctl_show_pools, d)) != 0 ||
	    (r = ctl_register(d->ctl, "show dataplane", ctl_show_dp, d)) != 0 ||
	    (r = ctl_register(d->ctl, "show sessions", ctl_show_sessions,
	    d)) != 0 ||
	    (r = ctl_register(d->ctl, "stats reconnect", ctl_stats_reconnect,
	    d)) != 0 ||
	    (r = ctl_register(d->ctl, "stats ike", ctl_stats_ike, d)) != 0 ||
	    (r = ctl_register(d->ctl, "disconnect", ctl_disconnect, d)) != 0 ||
	    (r = ctl_register(d->ctl, "rekey", ctl_rekey, d)) != 0)
		goto out;
#if IKEGATE_DEBUG
	/* Test hook: session-ids and tokens in clear, for tests whose
	 * client cannot ask for them. Never in a release build. */
	if ((r = ctl_register(d->ctl, "debug sessions", ctl_debug_sessions,
	    d)) != 0)
		goto out;
#endif
	if ((r = drop_privileges(gw->user)) != 0)
		goto out;
	log_info(SUB_MAIN, "ikegated %s started", IKEGATE_VERSION);
	(void)foreground;
	ev_run(&d->ev);
	log_info(SUB_MAIN, "ikegated stopped");
	r = 0;
out:
	dp_close(d->dp);
	d->dp = NULL;
	net_close(d->net, NULL, NULL);
	ctl_close(d->ctl);
	if (ev_cleanup(&d->ev) != 0)
		log_warnx(SUB_MAIN, "a libuv handle was left open");
	/* After the loop is gone: the SAs' timers live in its heap. */
	ike_ctx_free(d->ike);
	return r;
}

int
main(int argc, char *argv[])
{
	const char *path = IKEGATED_CONFIG;
	const struct cfg_gateway *gw;
	struct daemon d;
	int ch, foreground = 0, check = 0, verbose = 0, r;

	memset(&d, 0, sizeof(d));
	while ((ch = getopt(argc, argv, "c:dhntv")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'd':
			foreground = 1;
			break;
		case 'h':
			usage(0);
		case 'n':
		case 't':
			check = 1;
			break;
		case 'v':
			verbose++;
			break;
		default:
			usage(1);
		}
	}
	if (optind != argc)
		usage(1);

	/* Until the configuration is known, everything goes to stderr. */
	log_init(1, LOGL_WARN, "ikegated");
	if ((d.cfg = load(path)) == NULL)
		return 1;
	gw = cfg_gateway(d.cfg);

	if (check) {
		/* The backends named in crypto must exist and pass their
		 * self-tests on this machine, and the credentials load. */
		set_levels(gw, verbose);
		if ((r = xform_init(gw->crypto)) != 0) {
			fprintf(stderr, "%s: crypto = \"%s\": %s\n", path,
			    gw->crypto, r == -E_NOENT ?
			    "backend not compiled in" : err_str(r));
			cfg_free(d.cfg);
			return 1;
		}
		r = load_creds(gw, &d.creds, stderr);
		free_creds(&d.creds);
		xform_cleanup();
		cfg_free(d.cfg);
		if (r != 0)
			return 1;
		fprintf(stderr, "configuration OK\n");
		return 0;
	}

	log_init(foreground, LOGL_INFO, "ikegated");
	set_levels(gw, verbose);
	if ((r = xform_init(gw->crypto)) != 0) {
		log_err_e(SUB_CRYPTO, r, "crypto = \"%s\"", gw->crypto);
		goto out;
	}
	if ((r = load_creds(gw, &d.creds, stderr)) != 0)
		goto out;
	r = serve(&d, foreground);
out:
	free_creds(&d.creds);
	xform_cleanup();
	cfg_free(d.cfg);
	return r == 0 ? 0 : 1;
}
