/*
 * 1003-xform-cipher: every usable CBC entry of every backend against RFC
 * 3602 (AES-128) and NIST SP 800-38A (AES-256) vectors, both directions;
 * each call starts from its own IV; lengths that are not whole blocks are
 * refused; and no allocation per packet on the OpenSSL backend.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/xform.h"
#include "t/ossl_alloc.h"
#include "t/tap.h"

struct vec {
	const char	*name;
	uint16_t	 key_bits;
	const char	*key, *iv, *pt, *ct;
};

/* "This is a 48-byte message (exactly 3 AES blocks)" */
#define CASE3_P \
	"5468697320697320612034382d62797465206d65737361676520286578616374" \
	"6c7920332041455320626c6f636b7329"
/* SP 800-38A F.2 plaintext, four blocks. */
#define F2_P \
	"6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51" \
	"30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710"

static const struct vec vecs[] = {
	/* RFC 3602 4, Case #1: one block, "Single block msg". */
	{ "RFC 3602 case 1", 128, "06a9214036b8a15b512e03d534120006",
	    "3dafba429d9eb430b422da802c9fac41",
	    "53696e676c6520626c6f636b206d7367",
	    "e353779c1079aeb82708942dbe77181a" },
	/* RFC 3602 4, Case #2: two blocks. */
	{ "RFC 3602 case 2", 128, "c286696d887c9aa0611bbb3e2025a45a",
	    "562e17996d093d28ddb3ba695a2e6f58",
	    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
	    "d296cd94c2cccf8a3a863028b5e1dc0a"
	    "7586602d253cfff91b8266bea6d61ab1" },
	/* RFC 3602 4, Case #3: three blocks. */
	{ "RFC 3602 case 3", 128, "6c3ea0477630ce21a2ce334aa746c2cd",
	    "c782dc4c098c66cbd9cd27d825682c81", CASE3_P,
	    "d0a02b3836451753d493665d33f0e8862dea54cdb293abc7506939276772f8d5"
	    "021c19216bad525c8579695d83ba2684" },
	/* RFC 3602 4, Case #4: four blocks. */
	{ "RFC 3602 case 4", 128, "56e47a38c5598974bc46903dba290349",
	    "8ce82eefbea0da3c44699ed7db51b7d9",
	    "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
	    "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf",
	    "c30e32ffedc0774e6aff6af0869f71aa0f3af07a9a31a9c684db207eb0ef8e4e"
	    "35907aa632c3ffdf868bb7b29d3d46ad"
	    "83ce9f9a102ee99d49a53e87f4c3da55" },
	/* NIST SP 800-38A F.2.1/F.2.2, CBC-AES128: a second source. */
	{ "SP 800-38A F.2.1", 128, "2b7e151628aed2a6abf7158809cf4f3c",
	    "000102030405060708090a0b0c0d0e0f", F2_P,
	    "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2"
	    "73bed6b8e3c1743b7116e69e22229516"
	    "3ff1caa1681fac09120eca307586e1a7" },
	/* NIST SP 800-38A F.2.5 CBC-AES256.Encrypt; F.2.6 is the same
	 * data decrypted. */
	{ "SP 800-38A F.2.5/F.2.6", 256,
	    "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
	    "000102030405060708090a0b0c0d0e0f", F2_P,
	    "f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d"
	    "39f23369a9d9bacfa530e26304231461"
	    "b2eb05e2c39be9fcda6c19078c6a9d1b" },
};

static void *
ctx_new(size_t size)
{
	size_t n;

	n = (size + XFORM_CTX_ALIGN - 1) / XFORM_CTX_ALIGN * XFORM_CTX_ALIGN;
	if (n == 0)
		n = XFORM_CTX_ALIGN;
	return aligned_alloc(XFORM_CTX_ALIGN, n);
}

static void
check_vec(const struct xform_cipher *c, const struct vec *v)
{
	uint8_t key[32], iv[16], pt[64], ct[64], buf[64];
	size_t keylen, len;
	void *ctx;

	keylen = tap_unhex(v->key, key, sizeof(key));
	tap_unhex(v->iv, iv, sizeof(iv));
	len = tap_unhex(v->pt, pt, sizeof(pt));
	tap_unhex(v->ct, ct, sizeof(ct));
	if ((ctx = ctx_new(c->ctx_size)) == NULL)
		abort();
	is_int(c->init(ctx, key, keylen), 0, "%s/%s %s: init", c->name,
	    c->backend, v->name);
	memcpy(buf, pt, len);
	is_int(c->encrypt(ctx, iv, buf, len), 0, "%s/%s %s: encrypt",
	    c->name, c->backend, v->name);
	is_mem(buf, ct, len, "%s/%s %s: ciphertext", c->name, c->backend,
	    v->name);
	/* Again: the IV is the caller's each time, not the last block. */
	memcpy(buf, pt, len);
	ok(c->encrypt(ctx, iv, buf, len) == 0 && memcmp(buf, ct, len) == 0,
	    "%s/%s %s: encrypt again from the same IV", c->name, c->backend,
	    v->name);
	memcpy(buf, ct, len);
	is_int(c->decrypt(ctx, iv, buf, len), 0, "%s/%s %s: decrypt",
	    c->name, c->backend, v->name);
	is_mem(buf, pt, len, "%s/%s %s: plaintext", c->name, c->backend,
	    v->name);
	/* The second block alone decrypts with the first as its IV. */
	if (len >= 32) {
		memcpy(buf, ct + 16, len - 16);
		ok(c->decrypt(ctx, ct, buf, len - 16) == 0 &&
		    memcmp(buf, pt + 16, len - 16) == 0,
		    "%s/%s %s: decrypt from block 2 with C1 as IV", c->name,
		    c->backend, v->name);
	}
	c->cleanup(ctx);
	free(ctx);
}

/* Lengths that are not whole blocks are -E_INVAL (the caller pads), and
 * a wrong key length is refused. */
static void
bad_args(const struct xform_cipher *c)
{
	uint8_t key[32] = { 0 }, iv[16] = { 0 }, buf[48] = { 0 };
	void *ctx;

	if ((ctx = ctx_new(c->ctx_size)) == NULL)
		abort();
	is_int(c->init(ctx, key, c->key_bits / 8u + 1), -E_INVAL,
	    "%s/%s: wrong key length refused", c->name, c->backend);
	c->cleanup(ctx);
	is_int(c->init(ctx, key, c->key_bits / 8u), 0, "%s/%s: init",
	    c->name, c->backend);
	is_int(c->encrypt(ctx, iv, buf, 17), -E_INVAL,
	    "%s/%s: encrypt of 17 bytes refused", c->name, c->backend);
	is_int(c->decrypt(ctx, iv, buf, 47), -E_INVAL,
	    "%s/%s: decrypt of 47 bytes refused", c->name, c->backend);
	is_int(c->encrypt(ctx, iv, buf, 0), 0,
	    "%s/%s: zero blocks is a no-op", c->name, c->backend);
	c->cleanup(ctx);
	free(ctx);
}

static void
no_alloc(const struct xform_cipher *c, int hooked)
{
	static uint8_t buf[1408];
	uint8_t key[32] = { 1 }, iv[16] = { 2 };
	unsigned long before;
	int i, bad = 0;
	void *ctx;

	if (!hooked) {
		skip("%s/%s: OpenSSL refused the allocation hook", c->name,
		    c->backend);
		return;
	}
	if ((ctx = ctx_new(c->ctx_size)) == NULL)
		abort();
	if (c->init(ctx, key, c->key_bits / 8u) != 0)
		bad++;
	before = ossl_allocs;
	for (i = 0; i < 100 && bad == 0; i++) {
		iv[15] = (uint8_t)i;
		if (c->encrypt(ctx, iv, buf, sizeof(buf)) != 0 ||
		    c->decrypt(ctx, iv, buf, sizeof(buf)) != 0)
			bad++;
	}
	ok(bad == 0 && ossl_allocs == before,
	    "%s/%s: 100 encrypt+decrypt, no allocation (%lu)", c->name,
	    c->backend, ossl_allocs - before);
	c->cleanup(ctx);
	free(ctx);
}

int
main(void)
{
	const struct xform_backend *const *be;
	const struct xform_cipher *const *c;
	size_t i;
	int hooked, tested = 0;

	hooked = ossl_alloc_hook();
	if (xform_init("auto") != 0)
		skip_all("xform_init failed");
	for (be = xform_backends(); *be != NULL; be++) {
		for (c = (*be)->cipher; c != NULL && *c != NULL; c++) {
			if (!xform_cipher_usable(*c)) {
				diag("%s/%s: not usable here, skipped",
				    (*c)->name, (*c)->backend);
				continue;
			}
			is_int((*c)->block_len, 16, "%s/%s: AES block",
			    (*c)->name, (*c)->backend);
			for (i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++)
				if ((*c)->ike_id == XFORM_ENCR_AES_CBC &&
				    vecs[i].key_bits == (*c)->key_bits)
					check_vec(*c, &vecs[i]);
			bad_args(*c);
			if (strcmp((*be)->name, "openssl") == 0)
				no_alloc(*c, hooked);
			tested++;
		}
	}
	ok(tested >= 2, "AES-128-CBC and AES-256-CBC were tested (%d)",
	    tested);
	xform_cleanup();
	return done_testing();
}
