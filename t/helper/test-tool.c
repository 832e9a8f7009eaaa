/*
 * test-tool: git-style subcommands that expose internals to shell tests.
 *
 *   test-tool ike-parse [--inner] [HEX]
 *	Parses one IKEv2 datagram (from HEX, or raw bytes on stdin), verifies
 *	it and prints the header and every payload, decoded. With --inner,
 *	the body of a trailing SK payload is also walked as a cleartext inner
 *	chain (for test messages whose SK body is not encrypted). On
 *	malformed input prints "error: E_NAME: message" on stderr and exits
 *	1; usage errors exit 2.
 *
 *   test-tool esp-forge --spi HEX --key HEX --seq N --src A --dst B
 *	    [--dport N] [--data TEXT] [--natt SPORT] [--flip]
 *	Writes to stdout one ESP packet (RFC 4303) of an outbound AES-GCM-16
 *	SA (KEY: key and 4-byte salt, 20 or 36 bytes) with sequence number
 *	N, carrying an IPv4 UDP datagram from A to B, port DPORT (9), whose
 *	payload is TEXT. With --natt, behind a UDP header from port SPORT to
 *	4500 (RFC 3948 2.1), for a raw IP socket; --flip flips a bit of the
 *	ciphertext. Lets a shell test forge what a real client never sends.
 *
 * Add a subcommand by writing a cmd_* function and a line in cmds[].
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ct.h"
#include "core/err.h"
#include "core/esp.h"
#include "core/ike_msg.h"
#include "core/ike_pld.h"

#define MAX_INPUT	(1 << 20)

static void
hex(const char *label, struct span s)
{
	size_t i;

	printf("%s", label);
	for (i = 0; i < s.len; i++)
		printf("%02x", s.p[i]);
	printf("\n");
}

/* Reads HEX from arg, or raw bytes from stdin; returns the length or -1. */
static long
read_input(const char *arg, uint8_t *out, size_t max)
{
	size_t n = 0;
	int hi = -1, v;

	if (arg == NULL)
		return (long)fread(out, 1, max, stdin);
	for (; *arg != '\0'; arg++) {
		if (isspace((unsigned char)*arg) || *arg == ':')
			continue;
		if (!isxdigit((unsigned char)*arg))
			return -1;
		v = isdigit((unsigned char)*arg) ? *arg - '0' :
		    tolower((unsigned char)*arg) - 'a' + 10;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n == max)
			return -1;
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	return hi < 0 ? (long)n : -1;
}

static const char *
name_or(const char *name, char *tmp, size_t len, unsigned v)
{
	if (name != NULL)
		return name;
	snprintf(tmp, len, "%u", v);
	return tmp;
}

static const char *
proto_name(uint8_t p)
{
	switch (p) {
	case IKE_PROTO_IKE:	return "IKE";
	case IKE_PROTO_AH:	return "AH";
	case IKE_PROTO_ESP:	return "ESP";
	default:		return "?";
	}
}

static void
dump_sa(struct span body)
{
	static const char *const tn[] = { "?", "ENCR", "PRF", "INTEG", "DH",
	    "ESN" };
	static struct ike_pld_sa sa;
	const struct ike_pld_xform *xf;
	size_t i, j;

	if (ike_pld_parse_sa(body, &sa) != 0)
		return;
	for (i = 0; i < sa.nprop; i++) {
		printf("  proposal %u: %s", sa.prop[i].num,
		    proto_name(sa.prop[i].proto));
		hex(" spi=", sa.prop[i].spi);
		for (j = 0; j < sa.prop[i].nxf; j++) {
			xf = &sa.prop[i].xf[j];
			printf("    %s id=%u", xf->type < 6 ? tn[xf->type] :
			    "?", xf->id);
			if (xf->flags & IKE_XF_KEYLEN)
				printf(" keylen=%u", xf->keylen);
			if (xf->flags & IKE_XF_UNKNOWN_ATTR)
				printf(" unknown-attribute");
			printf("\n");
		}
	}
}

static void
dump_ts(struct span body)
{
	static struct ike_pld_ts ts;
	size_t i;

	if (ike_pld_parse_ts(body, &ts) != 0)
		return;
	for (i = 0; i < ts.nts; i++) {
		printf("  ts type=%u proto=%u ports=%u-%u", ts.ts[i].type,
		    ts.ts[i].proto, ts.ts[i].sport, ts.ts[i].eport);
		hex(" start=", ts.ts[i].start);
		if (ts.ts[i].end.len > 0)
			hex("    end=", ts.ts[i].end);
	}
}

static void
dump_cp(struct span body)
{
	static struct ike_pld_cp cp;
	char label[32];
	size_t i;

	if (ike_pld_parse_cp(body, &cp) != 0)
		return;
	printf("  cfg type=%u\n", cp.type);
	for (i = 0; i < cp.nattr; i++) {
		snprintf(label, sizeof(label), "  attr %u: ", cp.attr[i].type);
		hex(label, cp.attr[i].value);
	}
}

static void
dump_pld(const struct ike_msg_pld *e)
{
	union {
		struct ike_pld_ke	ke;
		struct ike_pld_id	id;
		struct ike_pld_cert	cert;
		struct ike_pld_certreq	certreq;
		struct ike_pld_auth	auth;
		struct ike_pld_notify	n;
		struct ike_pld_delete	d;
		struct ike_pld_skf	skf;
		struct ike_pld_eap	eap;
	} u;
	char tmp[16];

	printf("payload %s off=%zu len=%zu%s\n",
	    name_or(ike_pld_type_name(e->type), tmp, sizeof(tmp), e->type),
	    e->off, e->body.len + IKE_PLD_HDR_LEN,
	    e->critical ? " critical" : "");
	switch (e->type) {
	case IKE_PLD_SA:
		dump_sa(e->body);
		break;
	case IKE_PLD_KE:
		if (ike_pld_parse_ke(e->body, &u.ke) == 0) {
			printf("  group=%u\n", u.ke.group);
			hex("  data=", u.ke.data);
		}
		break;
	case IKE_PLD_IDI:
	case IKE_PLD_IDR:
		if (ike_pld_parse_id(e->body, &u.id) == 0) {
			printf("  id type=%u\n", u.id.type);
			hex("  data=", u.id.data);
		}
		break;
	case IKE_PLD_CERT:
		if (ike_pld_parse_cert(e->body, &u.cert) == 0)
			printf("  encoding=%u data=%zu bytes\n", u.cert.enc,
			    u.cert.data.len);
		break;
	case IKE_PLD_CERTREQ:
		if (ike_pld_parse_certreq(e->body, &u.certreq) == 0) {
			printf("  encoding=%u\n", u.certreq.enc);
			hex("  data=", u.certreq.data);
		}
		break;
	case IKE_PLD_AUTH:
		if (ike_pld_parse_auth(e->body, &u.auth) == 0) {
			printf("  method=%u\n", u.auth.method);
			hex("  data=", u.auth.data);
		}
		break;
	case IKE_PLD_NONCE:
	case IKE_PLD_VENDOR:
	case IKE_PLD_SK:
		hex("  data=", e->body);
		if (e->type == IKE_PLD_SK)
			printf("  first inner=%u\n", e->next);
		break;
	case IKE_PLD_NOTIFY:
		if (ike_pld_parse_notify(e->body, &u.n) == 0) {
			printf("  type=%s proto=%u\n",
			    name_or(ike_pld_notify_name(u.n.type), tmp,
			    sizeof(tmp), u.n.type), u.n.proto);
			hex("  spi=", u.n.spi);
			hex("  data=", u.n.data);
		}
		break;
	case IKE_PLD_DELETE:
		if (ike_pld_parse_delete(e->body, &u.d) == 0) {
			printf("  proto=%s count=%u\n", proto_name(u.d.proto),
			    u.d.nspi);
			hex("  spis=", u.d.spis);
		}
		break;
	case IKE_PLD_TSI:
	case IKE_PLD_TSR:
		dump_ts(e->body);
		break;
	case IKE_PLD_SKF:
		if (ike_pld_parse_skf(e->body, &u.skf) == 0) {
			printf("  fragment %u/%u first inner=%u\n", u.skf.num,
			    u.skf.total, e->next);
			hex("  data=", u.skf.data);
		}
		break;
	case IKE_PLD_CP:
		dump_cp(e->body);
		break;
	case IKE_PLD_EAP:
		if (ike_pld_parse_eap(e->body, &u.eap) == 0) {
			printf("  code=%u id=%u type=%u\n", u.eap.code,
			    u.eap.id, u.eap.type);
			hex("  data=", u.eap.data);
		}
		break;
	default:
		hex("  data=", e->body);
		break;
	}
}

static int
fail(const char *what, int r, uint8_t bad)
{
	if (bad != 0)
		fprintf(stderr, "error: %s: %s: %s (payload type %u)\n", what,
		    err_name(r), err_str(r), bad);
	else
		fprintf(stderr, "error: %s: %s: %s\n", what, err_name(r),
		    err_str(r));
	return 1;
}

static int
cmd_ike_parse(int argc, char **argv)
{
	static struct ike_msg m, in;
	static uint8_t data[MAX_INPUT];
	const struct ike_msg_pld *last;
	const char *f;
	char tmp[16];
	uint8_t bad = 0;
	long n;
	int inner = 0, r;
	size_t i;

	if (argc > 1 && strcmp(argv[1], "--inner") == 0) {
		inner = 1;
		argc--;
		argv++;
	}
	if (argc > 2) {
		fprintf(stderr, "usage: test-tool ike-parse [--inner] [HEX]\n");
		return 2;
	}
	if ((n = read_input(argc == 2 ? argv[1] : NULL, data,
	    sizeof(data))) < 0) {
		fprintf(stderr, "error: bad hex input\n");
		return 2;
	}
	if ((r = ike_msg_parse(span_make(data, (size_t)n), &m)) != 0)
		return fail("parse", r, 0);
	f = m.hdr.flags & IKE_FLAG_RESPONSE ? "R" : "";
	printf("header spi_i=%016llx spi_r=%016llx\n",
	    (unsigned long long)m.hdr.spi_i, (unsigned long long)m.hdr.spi_r);
	printf("header version=%u.%u exchange=%s flags=%s%s%s msgid=%u "
	    "len=%u\n", m.hdr.version >> 4, m.hdr.version & 0xf,
	    name_or(ike_pld_exch_name(m.hdr.exch), tmp, sizeof(tmp),
	    m.hdr.exch), m.hdr.flags & IKE_FLAG_INITIATOR ? "I" : "",
	    m.hdr.flags & IKE_FLAG_VERSION ? "V" : "", f, m.hdr.msgid,
	    m.hdr.len);
	for (i = 0; i < m.npld; i++)
		dump_pld(&m.pld[i]);
	if ((r = ike_msg_verify(&m, &bad)) != 0)
		return fail("verify", r, bad);
	if (!inner || m.npld == 0)
		return 0;
	last = &m.pld[m.npld - 1];
	if (last->type != IKE_PLD_SK)
		return 0;
	printf("inner chain:\n");
	if ((r = ike_msg_parse_inner(&m.hdr, last->next, last->body,
	    &in)) != 0)
		return fail("inner parse", r, 0);
	for (i = 0; i < in.npld; i++)
		dump_pld(&in.pld[i]);
	if ((r = ike_msg_verify(&in, &bad)) != 0)
		return fail("inner verify", r, bad);
	return 0;
}

static void
put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* The IPv4 header checksum (RFC 791 3.1) over h[0..20). */
static unsigned
ip4_cksum(const uint8_t *h)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i < 20; i += 2)
		sum += (uint32_t)h[i] << 8 | h[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

static int
cmd_esp_forge(int argc, char **argv)
{
	static uint8_t buf[2048];
	struct esp_sa_params p;
	struct esp_sa *sa = NULL;
	struct esp_pkt pk;
	const char *data = "forged", *v;
	uint8_t key[36], *ip;
	unsigned long long seq = 0;
	unsigned long spi = 0, dport = 9, natt = 0;
	size_t dlen, head, tail, off = 64;
	long klen = -1;
	int i, flip = 0, r = 1, src = 0, dst = 0;

	memset(&p, 0, sizeof(p));
	ip = buf + off;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--flip") == 0) {
			flip = 1;
			continue;
		}
		if (i + 1 == argc)
			goto usage;
		v = argv[++i];
		if (strcmp(argv[i - 1], "--spi") == 0)
			spi = strtoul(v, NULL, 16);
		else if (strcmp(argv[i - 1], "--key") == 0)
			klen = read_input(v, key, sizeof(key));
		else if (strcmp(argv[i - 1], "--seq") == 0)
			seq = strtoull(v, NULL, 10);
		else if (strcmp(argv[i - 1], "--src") == 0)
			src = inet_pton(AF_INET, v, ip + 12);
		else if (strcmp(argv[i - 1], "--dst") == 0)
			dst = inet_pton(AF_INET, v, ip + 16);
		else if (strcmp(argv[i - 1], "--dport") == 0)
			dport = strtoul(v, NULL, 10);
		else if (strcmp(argv[i - 1], "--data") == 0)
			data = v;
		else if (strcmp(argv[i - 1], "--natt") == 0)
			natt = strtoul(v, NULL, 10);
		else
			goto usage;
	}
	dlen = strlen(data);
	if ((klen != 20 && klen != 36) || src != 1 || dst != 1 ||
	    seq == 0 || seq > UINT32_MAX || spi > UINT32_MAX ||
	    dport > 0xffff || natt > 0xffff || dlen > 1000)
		goto usage;

	/* IPv4 (RFC 791): no options, DF, TTL 64, UDP; the UDP checksum
	 * is left 0, "no checksum" (RFC 768). */
	ip[0] = 0x45;
	put16(ip + 2, (unsigned)(28 + dlen));
	ip[6] = 0x40;
	ip[8] = 64;
	ip[9] = 17;
	put16(ip + 10, ip4_cksum(ip));
	put16(ip + 20, 1024);
	put16(ip + 22, (unsigned)dport);
	put16(ip + 24, (unsigned)(8 + dlen));
	memcpy(ip + 28, data, dlen);

	p.spi = (uint32_t)spi;
	p.dir = ESP_OUT;
	p.encr_id = XFORM_ENCR_AES_GCM_16;
	p.encr_bits = klen == 36 ? 256 : 128;
	p.encr_key = key;
	p.encr_len = (size_t)klen;
	p.dst[0].family = AF_INET;
	memcpy(p.dst[0].a, ip + 16, 4);
	p.ndst = 1;
	p.seq = seq - 1;	/* the last number "sent" */
	if ((r = xform_init("auto")) != 0 || (r = esp_sa_new(&p, &sa)) != 0) {
		fail("esp-forge", r, 0);
		r = 1;
		goto out;
	}
	memset(&pk, 0, sizeof(pk));
	pk.buf = buf;
	pk.cap = sizeof(buf);
	pk.off = off;
	pk.len = 28 + dlen;
	esp_sa_overhead(sa, pk.len, &head, &tail);
	if ((r = esp_seal(sa, &pk)) != 0) {
		fail("esp-forge", r, 0);
		r = 1;
		goto out;
	}
	if (flip)
		buf[pk.off + head] ^= 0x01;
	if (natt != 0) {
		/* RFC 3948 2.1: the checksum is sent as zero. */
		pk.off -= 8;
		pk.len += 8;
		put16(buf + pk.off, (unsigned)natt);
		put16(buf + pk.off + 2, 4500);
		put16(buf + pk.off + 4, (unsigned)pk.len);
		put16(buf + pk.off + 6, 0);
	}
	r = fwrite(buf + pk.off, 1, pk.len, stdout) == pk.len &&
	    fflush(stdout) == 0 ? 0 : 1;
out:
	esp_sa_free(sa);
	xform_cleanup();
	ct_wipe(key, sizeof(key));
	return r;
usage:
	fprintf(stderr, "usage: test-tool esp-forge --spi HEX --key HEX "
	    "--seq N --src A --dst B [--dport N] [--data TEXT] "
	    "[--natt SPORT] [--flip]\n");
	return 2;
}

static const struct cmd {
	const char	*name;
	int		(*fn)(int, char **);
	const char	*usage;
} cmds[] = {
	{ "ike-parse", cmd_ike_parse, "ike-parse [--inner] [HEX]" },
	{ "esp-forge", cmd_esp_forge, "esp-forge --spi HEX --key HEX "
	    "--seq N --src A --dst B [--dport N] [--data TEXT] "
	    "[--natt SPORT] [--flip]" },
};

int
main(int argc, char **argv)
{
	size_t i;

	if (argc >= 2)
		for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
			if (strcmp(argv[1], cmds[i].name) == 0)
				return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "usage: test-tool COMMAND [ARGS]\ncommands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(stderr, "  %s\n", cmds[i].usage);
	return 2;
}
