/*
 * mschapv2_legacy.c: MD4 (RFC 1320) and single DES (FIPS 46-3) for
 * MS-CHAPv2. See mschapv2_legacy.h for why these live here.
 *
 * Speed is irrelevant (one MD4 of a password and three DES blocks per
 * authentication), so both favour plain code over tricks: DES works bit by
 * bit from the FIPS 46-3 tables, and reads S-boxes by scanning every entry
 * under a mask, so no memory access depends on the key.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "core/ct.h"
#include "core/mschapv2_legacy.h"

/* RFC 1320 3.4: the three auxiliary functions and the round step. */
#define MD4_F(x, y, z)	(((x) & (y)) | (~(x) & (z)))
#define MD4_G(x, y, z)	(((x) & (y)) | ((x) & (z)) | ((y) & (z)))
#define MD4_H(x, y, z)	((x) ^ (y) ^ (z))
#define ROL32(v, s)	(((v) << (s)) | ((v) >> (32 - (s))))

struct md4 {
	uint32_t	h[4];
	uint64_t	total;		/* bytes hashed so far */
	uint8_t		blk[64];
	size_t		n;		/* bytes buffered in blk */
};

static void
md4_block(uint32_t h[4], const uint8_t p[64])
{
	/* RFC 1320 3.4: word order of rounds 2 and 3, and the shifts. */
	static const uint8_t r2[16] = {
		0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15
	};
	static const uint8_t r3[16] = {
		0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15
	};
	static const uint8_t s1[4] = { 3, 7, 11, 19 };
	static const uint8_t s2[4] = { 3, 5, 9, 13 };
	static const uint8_t s3[4] = { 3, 9, 11, 15 };
	uint32_t x[16], v[4], t;
	int i;

	/* RFC 1320 3.4: words are little-endian. */
	for (i = 0; i < 16; i++)
		x[i] = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 |
		    (uint32_t)p[4 * i + 2] << 16 | (uint32_t)p[4 * i + 3] << 24;
	memcpy(v, h, sizeof(v));

	/*
	 * Each step updates the word at index (-i mod 4), i.e. a, d, c, b in
	 * turn, from the other three taken in the order (b, c, d) relative to
	 * it: this is [abcd k s] [dabc k s] [cdab k s] [bcda k s].
	 */
	for (i = 0; i < 16; i++) {
		uint32_t *a = &v[(4 - i % 4) % 4];
		uint32_t b = v[(5 - i % 4) % 4], c = v[(6 - i % 4) % 4];
		uint32_t d = v[(7 - i % 4) % 4];

		t = *a + MD4_F(b, c, d) + x[i];
		*a = ROL32(t, s1[i % 4]);
	}
	for (i = 0; i < 16; i++) {
		uint32_t *a = &v[(4 - i % 4) % 4];
		uint32_t b = v[(5 - i % 4) % 4], c = v[(6 - i % 4) % 4];
		uint32_t d = v[(7 - i % 4) % 4];

		t = *a + MD4_G(b, c, d) + x[r2[i]] + 0x5a827999u;
		*a = ROL32(t, s2[i % 4]);
	}
	for (i = 0; i < 16; i++) {
		uint32_t *a = &v[(4 - i % 4) % 4];
		uint32_t b = v[(5 - i % 4) % 4], c = v[(6 - i % 4) % 4];
		uint32_t d = v[(7 - i % 4) % 4];

		t = *a + MD4_H(b, c, d) + x[r3[i]] + 0x6ed9eba1u;
		*a = ROL32(t, s3[i % 4]);
	}
	for (i = 0; i < 4; i++)
		h[i] += v[i];
	ct_wipe(x, sizeof(x));
	ct_wipe(v, sizeof(v));
}

static void
md4_update(struct md4 *m, const uint8_t *p, size_t len)
{
	size_t take;

	m->total += len;
	while (len > 0) {
		take = 64 - m->n;
		if (take > len)
			take = len;
		memcpy(m->blk + m->n, p, take);
		m->n += take;
		p += take;
		len -= take;
		if (m->n == 64) {
			md4_block(m->h, m->blk);
			m->n = 0;
		}
	}
}

void
mschapv2_legacy_md4(const struct span *v, size_t nv,
    uint8_t out[static MSCHAPV2_LEGACY_MD4_LEN])
{
	struct md4 m;
	uint8_t pad[72];
	uint64_t bits;
	size_t i, padlen;

	m.h[0] = 0x67452301u;
	m.h[1] = 0xefcdab89u;
	m.h[2] = 0x98badcfeu;
	m.h[3] = 0x10325476u;
	m.total = 0;
	m.n = 0;
	for (i = 0; i < nv; i++)
		if (v[i].len > 0)
			md4_update(&m, v[i].p, v[i].len);

	/* RFC 1320 3.1-3.2: a 1 bit, zeros to 56 mod 64, then the bit length
	 * as a little-endian 64-bit value. */
	bits = m.total << 3;
	padlen = (m.n < 56 ? 56 : 120) - m.n;
	memset(pad, 0, sizeof(pad));
	pad[0] = 0x80;
	for (i = 0; i < 8; i++)
		pad[padlen + i] = (uint8_t)(bits >> (8 * i));
	md4_update(&m, pad, padlen + 8);

	for (i = 0; i < 4; i++) {
		out[4 * i] = (uint8_t)m.h[i];
		out[4 * i + 1] = (uint8_t)(m.h[i] >> 8);
		out[4 * i + 2] = (uint8_t)(m.h[i] >> 16);
		out[4 * i + 3] = (uint8_t)(m.h[i] >> 24);
	}
	ct_wipe(&m, sizeof(m));
}

/*
 * DES tables from FIPS 46-3. Bit positions are 1-based, bit 1 being the
 * most significant bit of the input, as the standard numbers them.
 */
static const uint8_t des_ip[64] = {
	58, 50, 42, 34, 26, 18, 10, 2, 60, 52, 44, 36, 28, 20, 12, 4,
	62, 54, 46, 38, 30, 22, 14, 6, 64, 56, 48, 40, 32, 24, 16, 8,
	57, 49, 41, 33, 25, 17, 9, 1, 59, 51, 43, 35, 27, 19, 11, 3,
	61, 53, 45, 37, 29, 21, 13, 5, 63, 55, 47, 39, 31, 23, 15, 7
};

static const uint8_t des_fp[64] = {
	40, 8, 48, 16, 56, 24, 64, 32, 39, 7, 47, 15, 55, 23, 63, 31,
	38, 6, 46, 14, 54, 22, 62, 30, 37, 5, 45, 13, 53, 21, 61, 29,
	36, 4, 44, 12, 52, 20, 60, 28, 35, 3, 43, 11, 51, 19, 59, 27,
	34, 2, 42, 10, 50, 18, 58, 26, 33, 1, 41, 9, 49, 17, 57, 25
};

static const uint8_t des_e[48] = {
	32, 1, 2, 3, 4, 5, 4, 5, 6, 7, 8, 9,
	8, 9, 10, 11, 12, 13, 12, 13, 14, 15, 16, 17,
	16, 17, 18, 19, 20, 21, 20, 21, 22, 23, 24, 25,
	24, 25, 26, 27, 28, 29, 28, 29, 30, 31, 32, 1
};

static const uint8_t des_p[32] = {
	16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10,
	2, 8, 24, 14, 32, 27, 3, 9, 19, 13, 30, 6, 22, 11, 4, 25
};

static const uint8_t des_pc1[56] = {
	57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18,
	10, 2, 59, 51, 43, 35, 27, 19, 11, 3, 60, 52, 44, 36,
	63, 55, 47, 39, 31, 23, 15, 7, 62, 54, 46, 38, 30, 22,
	14, 6, 61, 53, 45, 37, 29, 21, 13, 5, 28, 20, 12, 4
};

static const uint8_t des_pc2[48] = {
	14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10,
	23, 19, 12, 4, 26, 8, 16, 7, 27, 20, 13, 2,
	41, 52, 31, 37, 47, 55, 30, 40, 51, 45, 33, 48,
	44, 49, 39, 56, 34, 53, 46, 42, 50, 36, 29, 32
};

static const uint8_t des_shift[16] = {
	1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1
};

/* S-boxes, each 4 rows of 16 columns (row-major). */
static const uint8_t des_s[8][64] = {
	{ 14, 4, 13, 1, 2, 15, 11, 8, 3, 10, 6, 12, 5, 9, 0, 7,
	  0, 15, 7, 4, 14, 2, 13, 1, 10, 6, 12, 11, 9, 5, 3, 8,
	  4, 1, 14, 8, 13, 6, 2, 11, 15, 12, 9, 7, 3, 10, 5, 0,
	  15, 12, 8, 2, 4, 9, 1, 7, 5, 11, 3, 14, 10, 0, 6, 13 },
	{ 15, 1, 8, 14, 6, 11, 3, 4, 9, 7, 2, 13, 12, 0, 5, 10,
	  3, 13, 4, 7, 15, 2, 8, 14, 12, 0, 1, 10, 6, 9, 11, 5,
	  0, 14, 7, 11, 10, 4, 13, 1, 5, 8, 12, 6, 9, 3, 2, 15,
	  13, 8, 10, 1, 3, 15, 4, 2, 11, 6, 7, 12, 0, 5, 14, 9 },
	{ 10, 0, 9, 14, 6, 3, 15, 5, 1, 13, 12, 7, 11, 4, 2, 8,
	  13, 7, 0, 9, 3, 4, 6, 10, 2, 8, 5, 14, 12, 11, 15, 1,
	  13, 6, 4, 9, 8, 15, 3, 0, 11, 1, 2, 12, 5, 10, 14, 7,
	  1, 10, 13, 0, 6, 9, 8, 7, 4, 15, 14, 3, 11, 5, 2, 12 },
	{ 7, 13, 14, 3, 0, 6, 9, 10, 1, 2, 8, 5, 11, 12, 4, 15,
	  13, 8, 11, 5, 6, 15, 0, 3, 4, 7, 2, 12, 1, 10, 14, 9,
	  10, 6, 9, 0, 12, 11, 7, 13, 15, 1, 3, 14, 5, 2, 8, 4,
	  3, 15, 0, 6, 10, 1, 13, 8, 9, 4, 5, 11, 12, 7, 2, 14 },
	{ 2, 12, 4, 1, 7, 10, 11, 6, 8, 5, 3, 15, 13, 0, 14, 9,
	  14, 11, 2, 12, 4, 7, 13, 1, 5, 0, 15, 10, 3, 9, 8, 6,
	  4, 2, 1, 11, 10, 13, 7, 8, 15, 9, 12, 5, 6, 3, 0, 14,
	  11, 8, 12, 7, 1, 14, 2, 13, 6, 15, 0, 9, 10, 4, 5, 3 },
	{ 12, 1, 10, 15, 9, 2, 6, 8, 0, 13, 3, 4, 14, 7, 5, 11,
	  10, 15, 4, 2, 7, 12, 9, 5, 6, 1, 13, 14, 0, 11, 3, 8,
	  9, 14, 15, 5, 2, 8, 12, 3, 7, 0, 4, 10, 1, 13, 11, 6,
	  4, 3, 2, 12, 9, 5, 15, 10, 11, 14, 1, 7, 6, 0, 8, 13 },
	{ 4, 11, 2, 14, 15, 0, 8, 13, 3, 12, 9, 7, 5, 10, 6, 1,
	  13, 0, 11, 7, 4, 9, 1, 10, 14, 3, 5, 12, 2, 15, 8, 6,
	  1, 4, 11, 13, 12, 3, 7, 14, 10, 15, 6, 8, 0, 5, 9, 2,
	  6, 11, 13, 8, 1, 4, 10, 7, 9, 5, 0, 15, 14, 2, 3, 12 },
	{ 13, 2, 8, 4, 6, 15, 11, 1, 10, 9, 3, 14, 5, 0, 12, 7,
	  1, 15, 13, 8, 10, 3, 7, 4, 12, 5, 6, 11, 0, 14, 9, 2,
	  7, 11, 4, 1, 9, 12, 14, 2, 0, 6, 10, 13, 15, 3, 5, 8,
	  2, 1, 14, 7, 4, 10, 8, 13, 15, 12, 9, 0, 3, 5, 6, 11 }
};

/* Returns the n-bit value whose bit i (1-based, from the top) is bit
 * tbl[i] of the inbits-bit value in. */
static uint64_t
permute(uint64_t in, const uint8_t *tbl, int n, int inbits)
{
	uint64_t out = 0;
	int i;

	for (i = 0; i < n; i++)
		out = out << 1 | ((in >> (inbits - tbl[i])) & 1);
	return out;
}

/* Returns s[idx] for idx < 64 by reading all 64 entries. */
static uint32_t
sbox(const uint8_t s[64], uint32_t idx)
{
	uint32_t i, v = 0, mask;

	for (i = 0; i < 64; i++) {
		/* All ones when i == idx, else zero, without a branch. */
		mask = 0u - (((i ^ idx) - 1u) >> 31);
		v |= s[i] & mask;
	}
	return v;
}

/* FIPS 46-3: the cipher function f(R, K) = P(S(E(R) xor K)). */
static uint32_t
des_f(uint32_t r, uint64_t k)
{
	uint64_t x;
	uint32_t out = 0, six, idx;
	int j;

	x = permute(r, des_e, 48, 32) ^ k;
	for (j = 0; j < 8; j++) {
		six = (uint32_t)(x >> (42 - 6 * j)) & 0x3f;
		/* The outer bits pick the row, the inner four the column. */
		idx = ((six & 0x20) | (six & 1) << 4) | ((six >> 1) & 0xf);
		out = out << 4 | sbox(des_s[j], idx);
	}
	return (uint32_t)permute(out, des_p, 32, 32);
}

void
mschapv2_legacy_des_encrypt(const uint8_t key[static 8],
    const uint8_t in[static MSCHAPV2_LEGACY_DES_BLOCK],
    uint8_t out[static MSCHAPV2_LEGACY_DES_BLOCK])
{
	uint64_t k = 0, b = 0, cd, sub[16];
	uint32_t c, d, l, r, t;
	int i;

	for (i = 0; i < 8; i++) {
		k = k << 8 | key[i];
		b = b << 8 | in[i];
	}

	/* Key schedule: PC-1, then 28-bit left rotations and PC-2. */
	cd = permute(k, des_pc1, 56, 64);
	c = (uint32_t)(cd >> 28) & 0x0fffffff;
	d = (uint32_t)cd & 0x0fffffff;
	for (i = 0; i < 16; i++) {
		c = ((c << des_shift[i]) | (c >> (28 - des_shift[i]))) &
		    0x0fffffff;
		d = ((d << des_shift[i]) | (d >> (28 - des_shift[i]))) &
		    0x0fffffff;
		sub[i] = permute((uint64_t)c << 28 | d, des_pc2, 48, 56);
	}

	/* Sixteen Feistel rounds between IP and its inverse; the halves are
	 * swapped once more before the final permutation. */
	b = permute(b, des_ip, 64, 64);
	l = (uint32_t)(b >> 32);
	r = (uint32_t)b;
	for (i = 0; i < 16; i++) {
		t = r;
		r = l ^ des_f(r, sub[i]);
		l = t;
	}
	b = permute((uint64_t)r << 32 | l, des_fp, 64, 64);
	for (i = 0; i < 8; i++)
		out[i] = (uint8_t)(b >> (56 - 8 * i));

	ct_wipe(sub, sizeof(sub));
	ct_wipe(&k, sizeof(k));
	ct_wipe(&cd, sizeof(cd));
	ct_wipe(&c, sizeof(c));
	ct_wipe(&d, sizeof(d));
}

void
mschapv2_legacy_des_key56(const uint8_t k7[static 7], uint8_t k8[static 8])
{
	uint64_t v = 0;
	uint8_t b, ones;
	int i, j;

	for (i = 0; i < 7; i++)
		v = v << 8 | k7[i];
	for (i = 0; i < 8; i++) {
		b = (uint8_t)(v >> (49 - 7 * i)) & 0x7f;
		for (ones = 0, j = 0; j < 7; j++)
			ones += (b >> j) & 1;
		/* Odd parity over the whole byte (FIPS 46-3 3). */
		k8[i] = (uint8_t)(b << 1 | ((ones & 1) ^ 1));
	}
	ct_wipe(&v, sizeof(v));
}
