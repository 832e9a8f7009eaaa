/* ikectl_local.c: ikectl commands that need no daemon. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "core/ct.h"
#include "core/eap_mschapv2.h"
#include "core/span.h"
#include "tools/ikectl_local.h"

int
ikectl_hash_password(int argc, char **argv)
{
	uint8_t h[EAP_MSCHAPV2_NT_HASH_LEN];
	struct termios old, quiet;
	char pw[EAP_MSCHAPV2_PASSWORD_MAX * 4 + 2];
	int tty = isatty(STDIN_FILENO), r;
	size_t n, i;

	if (argc != 0) {
		fprintf(stderr, "usage: ikectl hash-password < password\n");
		return 2;
	}
	/* Never take the password from the command line, where ps and the
	 * shell history would see it. */
	if (tty) {
		fprintf(stderr, "Password: ");
		tcgetattr(STDIN_FILENO, &old);
		quiet = old;
		quiet.c_lflag &= (tcflag_t)~ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	if (fgets(pw, sizeof(pw), stdin) == NULL)
		pw[0] = '\0';
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fprintf(stderr, "\n");
	}
	n = strcspn(pw, "\r\n");
	if (n == 0) {
		fprintf(stderr, "ikectl: empty password\n");
		return 2;
	}
	r = eap_mschapv2_nt_hash(span_make(pw, n), h);
	ct_wipe(pw, sizeof(pw));
	if (r != 0) {
		fprintf(stderr, "ikectl: the password must be valid UTF-8 of "
		    "at most %d characters\n", EAP_MSCHAPV2_PASSWORD_MAX);
		return 2;
	}
	for (i = 0; i < sizeof(h); i++)
		printf("%02x", h[i]);
	printf("\n");
	ct_wipe(h, sizeof(h));
	return 0;
}
