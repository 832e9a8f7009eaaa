/*
 * fuzz-gso.c: libFuzzer harness for core/gso, the data plane's
 * segmentation and coalescing of TCP/UDP packets.
 *
 * gso_coalesce reads the packets an authenticated client sent, once
 * decrypted: the client chose every byte, so it must be no more able to
 * crash or confuse the gateway than a stranger. gso_split reads what the
 * local kernel hands the TUN reader. The first input byte picks which:
 *  - even: coalesce. The rest is a batch of up to 2 * GSO_BATCH_MAX
 *    packets (so that batches run over more than one window), each a
 *    2-byte big-endian length (its low 14 bits) and that many bytes, the
 *    last one cut short by the end of the input;
 *  - odd: split. A 10-byte virtio-net header, a 2-byte big-endian
 *    segment limit (at least 1), then the packet.
 * Every packet gets an exactly sized heap copy, so that ASan sees an
 * overread. Beyond "no crash, no out-of-bounds access, no undefined
 * behaviour", the harness aborts when a property fails:
 *  - coalesce: every packet lands in exactly one output, the outputs in
 *    range; an output of one packet leaves it unchanged with an empty
 *    header; a merged output is a well-formed TCP super-packet (length,
 *    virtio-net header, at most 64 KB) that gso_split cuts back into
 *    the very packets it came from, but for the IPv4 header and TCP
 *    checksums (gso_coalesce does not verify them; gso_split computes
 *    them);
 *  - split: gso_split_init returns 0 or one of its documented errors;
 *    after 0, gso_split_next yields gso_split_count segments, each of
 *    1 to seg_max bytes, and then gso_split_done holds.
 *
 * Build: make fuzz (clang -fsanitize=fuzzer,address,undefined). Run:
 *   t/fuzz/fuzz-gso -max_total_time=300 SCRATCH_DIR \
 *       $(srcdir)/t/fuzz/corpus/gso
 * The seed corpus holds hand-made batches and super-packets, one case
 * each (t/0009-gso-fuzz-replay.c says what each must yield); that replay
 * test includes this file with FUZZ_REPLAY defined and calls fuzz_gso()
 * directly.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/gso.h"

/* Runs one input; returns the number of outputs (coalesce) or segments
 * (split) it made, or 0 for an input split refused. Aborts when a
 * property above fails. */
size_t	fuzz_gso(const uint8_t *data, size_t size);

#define FUZZ_MUST(x)	do { if (!(x)) abort(); } while (0)
#define FUZZ_PKTS	(2 * GSO_BATCH_MAX)
#define SEGS		8	/* segments per gso_split_next */

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint8_t *
dup_exact(const uint8_t *p, size_t n)
{
	uint8_t *d = malloc(n ? n : 1);

	FUZZ_MUST(d != NULL);
	if (n > 0)
		memcpy(d, p, n);
	return d;
}

/* Gives each of the SEGS segments its own heap buffer of exactly cap
 * bytes, so that ASan sees a write past seg_max. */
static void
segs_alloc(struct gso_seg *seg, size_t cap)
{
	size_t q;

	for (q = 0; q < SEGS; q++) {
		seg[q].p = malloc(cap);
		FUZZ_MUST(seg[q].p != NULL);
		seg[q].cap = cap;
		seg[q].len = 0;
	}
}

static void
segs_free(struct gso_seg *seg)
{
	size_t q;

	for (q = 0; q < SEGS; q++)
		free(seg[q].p);
}

/* Whether segment seg equals the original packet o, both n bytes, but
 * for the checksums gso_split computes: the IPv4 header's and TCP's. */
static int
same_but_csums(const uint8_t *seg, const uint8_t *o, size_t n)
{
	size_t l4 = (o[0] >> 4) == 6 ? 40 : 20, i;

	for (i = 0; i < n; i++) {
		if ((l4 == 20 && (i == 10 || i == 11)) ||
		    i == l4 + 16 || i == l4 + 17)
			continue;
		if (seg[i] != o[i])
			return 0;
	}
	return 1;
}

/* Checks one merged output o of the batch pkts (orig: their bytes
 * before gso_coalesce) by splitting it back. */
static void
check_merged(const struct gso_out *o, const struct gso_pkt *pkts,
    uint8_t *const *orig, const size_t *order)
{
	static uint8_t flat[GSO_MAX_LEN];
	struct gso_split s;
	struct gso_seg seg[SEGS];
	size_t m, i, got, done = 0, flen = 0, seg_max = 0, q;

	FUZZ_MUST(o->len <= GSO_MAX_LEN && o->hlen > 0);
	FUZZ_MUST(o->hdr.flags == GSO_F_NEEDS_CSUM);
	FUZZ_MUST(o->hdr.gso_type == GSO_TCPV4 ||
	    o->hdr.gso_type == GSO_TCPV6);
	for (m = 0; m < o->count; m++) {
		i = order[o->start + m];
		FUZZ_MUST(pkts[i].len > o->hlen);
		if (pkts[i].len > seg_max)
			seg_max = pkts[i].len;
		q = m > 0 ? o->hlen : 0;
		memcpy(flat + flen, pkts[i].p + q, pkts[i].len - q);
		flen += pkts[i].len - q;
	}
	FUZZ_MUST(flen == o->len);
	FUZZ_MUST(gso_split_init(&s, &o->hdr, flat, flen, seg_max) == 0);
	FUZZ_MUST(gso_split_count(&s) == o->count);
	while (done < o->count) {
		segs_alloc(seg, seg_max);
		got = gso_split_next(&s, seg, SEGS);
		FUZZ_MUST(got > 0 && done + got <= o->count);
		for (q = 0; q < got; q++) {
			i = order[o->start + done + q];
			FUZZ_MUST(seg[q].len == pkts[i].len);
			FUZZ_MUST(same_but_csums(seg[q].p, orig[i],
			    pkts[i].len));
		}
		segs_free(seg);
		done += got;
	}
	FUZZ_MUST(gso_split_done(&s));
}

static size_t
fuzz_coalesce(const uint8_t *data, size_t size)
{
	static struct gso_pkt pkts[FUZZ_PKTS];
	static struct gso_out out[FUZZ_PKTS];
	static size_t order[FUZZ_PKTS];
	static uint8_t *orig[FUZZ_PKTS];
	uint8_t seen[FUZZ_PKTS];
	size_t n = 0, k, j, m, i, len;

	while (size >= 2 && n < FUZZ_PKTS) {
		len = rd16(data) & 0x3fff;
		data += 2;
		size -= 2;
		if (len > size)
			len = size;
		pkts[n].p = dup_exact(data, len);
		pkts[n].len = len;
		orig[n] = dup_exact(data, len);
		data += len;
		size -= len;
		n++;
	}
	k = gso_coalesce(pkts, n, out, order);
	FUZZ_MUST(k <= n);
	memset(seen, 0, sizeof(seen));
	for (j = 0; j < k; j++) {
		FUZZ_MUST(out[j].count > 0 && out[j].start <= n &&
		    out[j].count <= n - out[j].start);
		for (m = 0; m < out[j].count; m++) {
			i = order[out[j].start + m];
			FUZZ_MUST(i < n && !seen[i]);
			seen[i] = 1;
		}
		if (out[j].count == 1) {
			i = order[out[j].start];
			FUZZ_MUST(out[j].hdr.gso_type == GSO_NONE &&
			    out[j].hdr.flags == 0 && out[j].len == pkts[i].len);
			FUZZ_MUST(pkts[i].len == 0 ||
			    memcmp(pkts[i].p, orig[i], pkts[i].len) == 0);
		} else
			check_merged(&out[j], pkts, orig, order);
	}
	for (i = 0; i < n; i++) {
		FUZZ_MUST(seen[i]);
		free(pkts[i].p);
		free(orig[i]);
	}
	return k;
}

static size_t
fuzz_split(const uint8_t *data, size_t size)
{
	struct gso_hdr h;
	struct gso_split s;
	struct gso_seg seg[SEGS];
	uint8_t *pkt;
	size_t seg_max, count, done = 0, got, q;
	int r;

	if (size < GSO_VNET_HDR_LEN + 2)
		return 0;
	gso_hdr_decode(data, &h);
	seg_max = rd16(data + GSO_VNET_HDR_LEN);
	if (seg_max == 0)
		seg_max = 1;
	data += GSO_VNET_HDR_LEN + 2;
	size -= GSO_VNET_HDR_LEN + 2;
	pkt = dup_exact(data, size);
	r = gso_split_init(&s, &h, pkt, size, seg_max);
	FUZZ_MUST(r == 0 || r == -E_SYNTAX || r == -E_NOTSUP ||
	    r == -E_RANGE);
	if (r != 0) {
		free(pkt);
		return 0;
	}
	count = gso_split_count(&s);
	FUZZ_MUST(count > 0);
	while (!gso_split_done(&s)) {
		segs_alloc(seg, seg_max);
		got = gso_split_next(&s, seg, SEGS);
		FUZZ_MUST(got > 0 && done + got <= count);
		for (q = 0; q < got; q++)
			FUZZ_MUST(seg[q].len > 0 && seg[q].len <= seg_max);
		segs_free(seg);
		done += got;
	}
	FUZZ_MUST(done == count);
	free(pkt);
	return count;
}

size_t
fuzz_gso(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	return (data[0] & 1) ? fuzz_split(data + 1, size - 1) :
	    fuzz_coalesce(data + 1, size - 1);
}

#ifndef FUZZ_REPLAY
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	(void)fuzz_gso(data, size);
	return 0;
}
#endif
