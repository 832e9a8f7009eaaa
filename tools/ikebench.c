/*
 * ikebench.c: in-process benchmarks of ikegate's data plane.
 *
 *   ikebench esp [-e] [-l len] [-n packets] [-r reps] [-b backend]
 *
 * "esp" measures, for every backend and every algorithm it provides,
 * ESP encapsulation + decapsulation (esp_seal then esp_open, in place, in
 * batches of 32) of inner packets of len bytes (1420 by default), next to
 * the raw AEAD seal + open (or CBC encrypt + HMAC, HMAC check + decrypt) of
 * the very same payload sizes in the same buffers, in the same process.
 * Each repetition is a fixed amount of work (packets, a quarter of it for
 * CBC+HMAC, which is about 4x slower per packet), raw and ESP alternating
 * in CHUNKS slices, timed with CLOCK_THREAD_CPUTIME_ID; the table shows
 * the median of reps. Gbit/s
 * counts the inner bytes of one seal + open round trip, per core; "ESP/raw"
 * is the share of the raw crypto speed the data plane keeps, that is one
 * minus its overhead. -e uses extended sequence numbers. Nothing here
 * asserts a speed: the numbers are for people.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/ct.h"
#include "core/err.h"
#include "core/esp.h"
#include "core/xform.h"

#define BATCH		32
#define HEAD		64
#define BUFSZ		2048
#define MAX_REPS	31
#define CHUNKS		8	/* raw/ESP alternations per repetition */

struct opts {
	size_t		 len;
	size_t		 packets;
	int		 reps;
	int		 esn;
	const char	*backend;
};

/* One algorithm of one backend. */
struct cand {
	const struct xform_aead		*aead;
	const struct xform_cipher	*cipher;
	const struct xform_mac		*mac;
	uint16_t			 integ;
	char				 name[48];
};

static uint8_t	 bufs[BATCH][BUFSZ] __attribute__((aligned(64)));
static uint8_t	 k_enc[36], k_int[64];

static void
usage(void)
{
	fprintf(stderr, "usage: ikebench esp [-e] [-l len] [-n packets] "
	    "[-r reps] [-b backend]\n");
	exit(2);
}

static double
now_cpu(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) {
		perror("clock_gettime");
		exit(1);
	}
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(v[0]), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void *
ctx_new(size_t size)
{
	size_t n = (size + XFORM_CTX_ALIGN - 1) / XFORM_CTX_ALIGN *
	    XFORM_CTX_ALIGN;
	void *p = aligned_alloc(XFORM_CTX_ALIGN, n ? n : XFORM_CTX_ALIGN);

	if (p == NULL) {
		perror("aligned_alloc");
		exit(1);
	}
	return p;
}

/* An IPv4 packet of len bytes from 10.0.0.2 to 10.0.1.1. */
static void
inner_v4(uint8_t *p, size_t len)
{
	size_t i;

	memset(p, 0, 20);
	p[0] = 0x45;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	p[8] = 64;
	p[9] = 17;
	p[12] = 10, p[15] = 2;
	p[16] = 10, p[18] = 1, p[19] = 1;
	for (i = 20; i < len; i++)
		p[i] = (uint8_t)i;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/*
 * The raw crypto of one ESP packet, with what any ESP code must do at the
 * least around it (the 12-byte nonce; the HMAC compare), on the payload
 * (inner packet and trailer) at pkt + hl.
 */
struct raw {
	const struct cand	*c;
	void			*cctx, *mctx;
	size_t			 icv;
};

static int
raw_seal(struct raw *r, uint8_t *pkt, size_t plen, uint64_t seq)
{
	uint8_t nonce[XFORM_AEAD_NONCE_LEN], mac[XFORM_MAX_HASH_LEN];
	struct span v;

	if (r->c->aead != NULL) {
		memcpy(nonce, k_enc + r->c->aead->key_bits / 8, 4);
		put32(nonce + 4, (uint32_t)(seq >> 32));
		put32(nonce + 8, (uint32_t)seq);
		return r->c->aead->seal(r->cctx, nonce, span_make(pkt, 8),
		    pkt + 16, plen);
	}
	if (r->c->cipher->encrypt(r->cctx, pkt + 8, pkt + 24, plen) != 0)
		return -E_CRYPTO;
	v = span_make(pkt, 24 + plen);
	if (r->c->mac->mac(r->mctx, &v, 1, mac) != 0)
		return -E_CRYPTO;
	memcpy(pkt + 24 + plen, mac, r->icv);
	return 0;
}

static int
raw_open(struct raw *r, uint8_t *pkt, size_t plen, uint64_t seq)
{
	uint8_t nonce[XFORM_AEAD_NONCE_LEN], mac[XFORM_MAX_HASH_LEN];
	struct span v;

	if (r->c->aead != NULL) {
		memcpy(nonce, k_enc + r->c->aead->key_bits / 8, 4);
		put32(nonce + 4, (uint32_t)(seq >> 32));
		put32(nonce + 8, (uint32_t)seq);
		return r->c->aead->open(r->cctx, nonce, span_make(pkt, 8),
		    pkt + 16, plen);
	}
	v = span_make(pkt, 24 + plen);
	if (r->c->mac->mac(r->mctx, &v, 1, mac) != 0 ||
	    !ct_memeq(mac, pkt + 24 + plen, r->icv))
		return -E_AUTH;
	return r->c->cipher->decrypt(r->cctx, pkt + 8, pkt + 24, plen);
}

/* Seconds of CPU for n packets through the raw crypto. */
static double
run_raw(struct raw *r, size_t hl, size_t plen, size_t n, uint64_t *seq)
{
	double t0;
	size_t i, b;

	t0 = now_cpu();
	for (i = 0; i < n; i += BATCH) {
		for (b = 0; b < BATCH; b++)
			if (raw_seal(r, bufs[b] + HEAD - hl, plen,
			    *seq + b) != 0)
				goto fail;
		for (b = 0; b < BATCH; b++)
			if (raw_open(r, bufs[b] + HEAD - hl, plen,
			    *seq + b) != 0)
				goto fail;
		*seq += BATCH;
	}
	return now_cpu() - t0;
 fail:
	fprintf(stderr, "ikebench: raw %s failed\n", r->c->name);
	exit(1);
}

/* Seconds of CPU for n packets through esp_seal and esp_open. */
static double
run_esp(struct esp_sa *out, struct esp_sa *in, size_t len, size_t n)
{
	struct esp_pkt p[BATCH];
	double t0;
	size_t i, b;

	for (b = 0; b < BATCH; b++) {
		memset(&p[b], 0, sizeof(p[b]));
		p[b].buf = bufs[b];
		p[b].cap = BUFSZ;
	}
	t0 = now_cpu();
	for (i = 0; i < n; i += BATCH) {
		/* esp_open leaves the inner packet where it was: seal it
		 * again as is. */
		for (b = 0; b < BATCH; b++) {
			p[b].off = HEAD;
			p[b].len = len;
			if (esp_seal(out, &p[b]) != 0)
				goto fail;
		}
		for (b = 0; b < BATCH; b++)
			if (esp_open(in, &p[b]) != 0 || p[b].len != len)
				goto fail;
	}
	return now_cpu() - t0;
 fail:
	fprintf(stderr, "ikebench: ESP round trip failed: %s\n",
	    esp_drop_name(p[b].drop));
	exit(1);
}

static struct esp_sa *
mk_sa(const struct cand *c, enum esp_dir dir, int esn)
{
	struct esp_sa_params p;
	struct esp_sa *sa = NULL;
	enum xform_hash h;
	size_t icv, klen = 0;
	int r;

	memset(&p, 0, sizeof(p));
	p.spi = 0x1000;
	p.dir = dir;
	p.esn = esn;
	if (c->aead != NULL) {
		p.encr_id = c->aead->ike_id;
		p.encr_bits = c->aead->key_bits;
		p.aead = c->aead;
		p.encr_len = c->aead->key_bits / 8 + XFORM_AEAD_SALT_LEN;
	} else {
		p.encr_id = c->cipher->ike_id;
		p.encr_bits = c->cipher->key_bits;
		p.integ_id = c->integ;
		p.cipher = c->cipher;
		p.mac = c->mac;
		p.encr_len = c->cipher->key_bits / 8;
		if (xform_integ_info(c->integ, &h, &icv, &klen) != 0)
			exit(1);
	}
	p.encr_key = k_enc;
	p.integ_key = k_int;
	p.integ_len = klen;
	if ((r = esp_sa_new(&p, &sa)) != 0) {
		fprintf(stderr, "ikebench: %s: %s\n", c->name, err_str(r));
		exit(1);
	}
	return sa;
}

static void
bench_one(const struct cand *c, const struct opts *o)
{
	double traw[MAX_REPS], tesp[MAX_REPS], mraw, mesp, graw, gesp;
	struct esp_sa *out, *in;
	struct raw r;
	enum xform_hash h;
	size_t hl, tl, plen, n, chunk, b, klen = 0;
	uint64_t seq = 1;
	int i, j;

	memset(&r, 0, sizeof(r));
	r.c = c;
	out = mk_sa(c, ESP_OUT, o->esn);
	in = mk_sa(c, ESP_IN, o->esn);
	esp_sa_overhead(out, o->len, &hl, &tl);
	if (c->aead != NULL) {
		r.cctx = ctx_new(c->aead->ctx_size);
		r.icv = c->aead->icv_len;
		if (c->aead->init(r.cctx, k_enc, c->aead->key_bits / 8) != 0)
			exit(1);
	} else {
		r.cctx = ctx_new(c->cipher->ctx_size);
		r.mctx = ctx_new(c->mac->ctx_size);
		if (xform_integ_info(c->integ, &h, &r.icv, &klen) != 0 ||
		    c->cipher->init(r.cctx, k_enc, c->cipher->key_bits / 8) ||
		    c->mac->init(r.mctx, k_int, klen) != 0)
			exit(1);
	}
	/* The payload both paths encrypt: inner, padding, trailer. */
	plen = tl - r.icv + o->len;
	n = c->aead != NULL ? o->packets : o->packets / 4;
	chunk = (n / CHUNKS + BATCH - 1) / BATCH * BATCH;
	n = chunk * CHUNKS;
	for (b = 0; b < BATCH; b++)
		inner_v4(bufs[b] + HEAD, o->len);

	/* Warm up caches, branch predictors and the CPU clock. */
	(void)run_raw(&r, hl, plen, chunk, &seq);
	(void)run_esp(out, in, o->len, chunk);
	/*
	 * The host's speed drifts by tens of percent within seconds on the
	 * reference VM: each repetition alternates raw and ESP chunks so
	 * that both see the same conditions, and the ratio stays honest.
	 */
	for (i = 0; i < o->reps; i++) {
		traw[i] = tesp[i] = 0;
		for (j = 0; j < CHUNKS; j++) {
			traw[i] += run_raw(&r, hl, plen, chunk, &seq);
			tesp[i] += run_esp(out, in, o->len, chunk);
		}
	}
	mraw = median(traw, o->reps) / (double)n;
	mesp = median(tesp, o->reps) / (double)n;
	graw = (double)o->len * 8 / mraw * 1e-9;
	gesp = (double)o->len * 8 / mesp * 1e-9;
	printf("%-9s %-22s %8zu %9.0f %9.0f %9.2f %9.2f %7.1f%%\n",
	    c->aead != NULL ? c->aead->backend : c->cipher->backend, c->name,
	    n, mraw * 1e9, mesp * 1e9, graw, gesp, 100 * gesp / graw);
	fflush(stdout);

	if (c->aead != NULL)
		c->aead->cleanup(r.cctx);
	else {
		c->cipher->cleanup(r.cctx);
		c->mac->cleanup(r.mctx);
	}
	free(r.cctx);
	free(r.mctx);
	esp_sa_free(out);
	esp_sa_free(in);
}

static const uint16_t integs[] = {
	XFORM_INTEG_HMAC_SHA2_256_128,
	XFORM_INTEG_HMAC_SHA2_384_192,
	XFORM_INTEG_HMAC_SHA2_512_256,
};

static const char *
integ_name(uint16_t id)
{
	switch (id) {
	case XFORM_INTEG_HMAC_SHA2_256_128:
		return "sha256_128";
	case XFORM_INTEG_HMAC_SHA2_384_192:
		return "sha384_192";
	default:
		return "sha512_256";
	}
}

static int
cmd_esp(int argc, char **argv)
{
	const struct xform_backend *const *be;
	const struct xform_aead *const *a;
	const struct xform_cipher *const *ci;
	const struct xform_mac *const *m;
	struct opts o = { 1420, 200000, 5, 0, NULL };
	struct cand c;
	enum xform_hash h;
	size_t i, icv, klen;
	int ch;

	while ((ch = getopt(argc, argv, "eb:l:n:r:")) != -1) {
		switch (ch) {
		case 'e':
			o.esn = 1;
			break;
		case 'b':
			o.backend = optarg;
			break;
		case 'l':
			o.len = strtoul(optarg, NULL, 10);
			break;
		case 'n':
			o.packets = strtoul(optarg, NULL, 10);
			break;
		case 'r':
			o.reps = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (o.len < 20 || o.len > BUFSZ - HEAD - ESP_TAILROOM_MAX ||
	    o.packets < BATCH || o.reps < 1 || o.reps > MAX_REPS)
		usage();
	if (xform_init("auto") != 0) {
		fprintf(stderr, "ikebench: crypto initialization failed\n");
		return 1;
	}
	for (i = 0; i < sizeof(k_enc); i++)
		k_enc[i] = (uint8_t)(i * 13 + 7);
	for (i = 0; i < sizeof(k_int); i++)
		k_int[i] = (uint8_t)(i * 29 + 3);

	printf("ESP seal+open vs raw crypto seal+open, %zu-byte inner "
	    "packets, %s, batches of %d\n", o.len,
	    o.esn ? "ESN" : "32-bit sequence numbers", BATCH);
	printf("CPU time per packet (CLOCK_THREAD_CPUTIME_ID), median of %d "
	    "runs; Gbit/s of inner data per core\n", o.reps);
	printf("%-9s %-22s %8s %9s %9s %9s %9s %8s\n", "backend",
	    "algorithm", "packets", "raw ns", "ESP ns", "raw Gb/s",
	    "ESP Gb/s", "ESP/raw");
	for (be = xform_backends(); *be != NULL; be++) {
		if (o.backend != NULL && strcmp(o.backend, (*be)->name) != 0)
			continue;
		for (a = (*be)->aead; a && *a; a++) {
			if (!xform_aead_usable(*a) ||
			    ((*a)->ike_id != XFORM_ENCR_AES_GCM_16 &&
			    (*a)->ike_id != XFORM_ENCR_CHACHA20_POLY1305))
				continue;
			memset(&c, 0, sizeof(c));
			c.aead = *a;
			snprintf(c.name, sizeof(c.name), "%s", (*a)->name);
			bench_one(&c, &o);
		}
		for (ci = (*be)->cipher; ci && *ci; ci++) {
			if (!xform_cipher_usable(*ci) ||
			    (*ci)->ike_id != XFORM_ENCR_AES_CBC)
				continue;
			for (i = 0; i < sizeof(integs) / sizeof(integs[0]);
			    i++) {
				if (xform_integ_info(integs[i], &h, &icv,
				    &klen) != 0)
					continue;
				/* HMAC from the same backend. */
				for (m = (*be)->mac; m && *m; m++)
					if ((*m)->hash == h &&
					    xform_mac_usable(*m))
						break;
				if (m == NULL || *m == NULL)
					continue;
				memset(&c, 0, sizeof(c));
				c.cipher = *ci;
				c.mac = *m;
				c.integ = integs[i];
				snprintf(c.name, sizeof(c.name), "%s+%s",
				    (*ci)->name, integ_name(integs[i]));
				bench_one(&c, &o);
			}
		}
	}
	xform_cleanup();
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	if (strcmp(argv[1], "esp") == 0)
		return cmd_esp(argc - 1, argv + 1);
	usage();
	return 2;
}
