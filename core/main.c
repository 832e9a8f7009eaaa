/*
 * main.c: ikegated, the IKEv2 gateway daemon: options, configuration,
 * logging and the crypto registry.
 *
 * -t (or -n) checks the configuration and exits, as sshd -t and iked -n
 * do: 0 and "configuration OK" when it loads and its crypto setting can be
 * honoured, 1 otherwise, with every error on stderr.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cfg.h"
#include "core/err.h"
#include "core/log.h"
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

int
main(int argc, char *argv[])
{
	const char *path = IKEGATED_CONFIG;
	const struct cfg_gateway *gw;
	struct cfg *cfg = NULL;
	int ch, foreground = 0, check = 0, verbose = 0, r;

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
	if ((cfg = load(path)) == NULL)
		return 1;
	gw = cfg_gateway(cfg);

	if (check) {
		/* The backends named in crypto must exist and pass their
		 * self-tests on this machine. */
		set_levels(gw, verbose);
		if ((r = xform_init(gw->crypto)) != 0) {
			fprintf(stderr, "%s: crypto = \"%s\": %s\n", path,
			    gw->crypto, r == -E_NOENT ?
			    "backend not compiled in" : err_str(r));
			cfg_free(cfg);
			return 1;
		}
		xform_cleanup();
		cfg_free(cfg);
		fprintf(stderr, "configuration OK\n");
		return 0;
	}

	log_init(foreground, LOGL_INFO, "ikegated");
	set_levels(gw, verbose);
	if ((r = xform_init(gw->crypto)) != 0) {
		log_err_e(SUB_CRYPTO, r, "crypto = \"%s\"", gw->crypto);
		goto out;
	}
	/* The configuration and crypto are ready, but the IKE engine that
	 * would use them is not in this build: say so rather than appear to
	 * run. */
	log_errx(SUB_MAIN, "ikegated %s cannot serve yet: the IKE engine is "
	    "not part of this build; exiting", IKEGATE_VERSION);
	if (!foreground)
		fprintf(stderr, "ikegated: cannot serve yet: the IKE engine "
		    "is not part of this build\n");
 out:
	xform_cleanup();
	cfg_free(cfg);
	return 1;
}
