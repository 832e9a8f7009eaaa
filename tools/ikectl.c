/*
 * ikectl: control client for ikegated.
 *
 * Sends its command words to the daemon's control socket and prints the
 * answer. Exit status: 0 when the daemon answered "ok", 1 when it
 * answered an error, 2 when it could not be reached or on usage errors.
 * A few commands run locally without a daemon (hash-password).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/ctl.h"
#include "tools/ikectl_local.h"

static void
usage(void)
{
	fprintf(stderr,
	    "usage: ikectl [-s socket] command [argument ...]\n"
	    "commands:\n"
	    "  show sa [--json]        IKE and CHILD SAs\n"
	    "  show pools [--json]     address pools: size and leases\n"
	    "  show sessions [--detail] [--json]\n"
	    "                          resumable sessions, active and idle\n"
	    "  show dataplane [--json] data-plane counters\n"
	    "  stats reconnect [--json] resumption counters\n"
	    "  stats ike [--json]      IKE counters: exchanges, cookies,\n"
	    "                          half-open SAs, DPD, rekeys\n"
	    "  disconnect SESSION-ID   end a session\n"
	    "  rekey SPI               rekey the CHILD SA of the IKE SA with\n"
	    "                          that SPIi now\n"
	    "  hash-password           print the nt_hash of a password read"
	    " from stdin\n");
	exit(2);
}

/* Sends the request and copies the answer to stdout; returns the exit
 * status. */
static int
run_remote(const char *path, int argc, char **argv)
{
	struct sockaddr_un sun;
	char req[CTL_MAX_REQUEST + 1], buf[65536];
	size_t len = 0, n;
	ssize_t got;
	int fd, i, status = -1, first = 1;

	for (i = 0; i < argc; i++) {
		n = strlen(argv[i]);
		if (n == 0 || strchr(argv[i], ' ') || strchr(argv[i], '\n') ||
		    len + n + 2 > CTL_MAX_REQUEST) {
			fprintf(stderr, "ikectl: invalid or too long argument "
			    "\"%s\"\n", argv[i]);
			return 2;
		}
		memcpy(req + len, argv[i], n);
		len += n;
		req[len++] = i + 1 < argc ? ' ' : '\n';
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "ikectl: socket path too long: %s\n", path);
		return 2;
	}
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		fprintf(stderr, "ikectl: cannot reach ikegated at %s: %s\n",
		    path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 2;
	}
	for (n = 0; n < len; n += (size_t)got)
		if ((got = write(fd, req + n, len - n)) <= 0) {
			fprintf(stderr, "ikectl: write: %s\n", strerror(errno));
			close(fd);
			return 2;
		}
	/* The first line is the status; the rest is the answer. */
	while ((got = read(fd, buf, sizeof(buf))) > 0) {
		char *p = buf;
		size_t m = (size_t)got;

		if (first) {
			char *nl = memchr(buf, '\n', m);

			if (nl == NULL)
				break;
			status = strncmp(buf, "ok", 2) == 0 ? 0 : 1;
			m -= (size_t)(nl + 1 - buf);
			p = nl + 1;
			first = 0;
		}
		fwrite(p, 1, m, status == 0 ? stdout : stderr);
	}
	close(fd);
	if (status < 0) {
		fprintf(stderr, "ikectl: no answer from ikegated\n");
		return 2;
	}
	return status;
}

int
main(int argc, char **argv)
{
	const char *path = IKEGATE_RUNSTATEDIR "/ikegated.sock";
	int ch;

	while ((ch = getopt(argc, argv, "+hs:")) != -1) {
		switch (ch) {
		case 's':
			path = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	if (strcmp(argv[0], "hash-password") == 0)
		return ikectl_hash_password(argc - 1, argv + 1);
	return run_remote(path, argc, argv);
}
