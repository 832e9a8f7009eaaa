/* 0009-gso-fuzz-replay: runs the libFuzzer harness of core/gso
 * (t/fuzz/fuzz-gso.c) over every file of its seed corpus, then over
 * mutants of each (bytes flipped, cut, inserted; a fixed seed), so that
 * make check replays it with the normal compiler and sanitizers. The
 * harness aborts on a broken property, which fails this test. The
 * hand-made seeds must also give the outputs and segments they were
 * made for. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "t/corpus.h"
#include "t/tap.h"

#define FUZZ_REPLAY 1
#include "t/fuzz/fuzz-gso.c"

#define MUTANTS		300

/* What the hand-made seeds yield: outputs of gso_coalesce, segments of
 * gso_split. Files the fuzzer adds only have to keep the properties. */
static const struct {
	const char	*name;
	size_t		 want;
} seeds[] = {
	/* Two TCP flows interleaved with a UDP datagram: 10 packets. */
	{ "coalesce-v4-two-flows", 3 },
	/* A gap in the sequence numbers cuts 6 segments in 2 + 1 + 3. */
	{ "coalesce-v4-breaks", 3 },
	/* 90 segments of one flow: one per window of GSO_BATCH_MAX. */
	{ "coalesce-v4-two-windows", 2 },
	{ "coalesce-v6-timestamps", 1 },
	{ "split-none-csum", 1 },
	{ "split-tcp4", 4 },			/* 350 bytes by 100 */
	{ "split-tcp6-ecn", 4 },		/* 300 bytes by 96 */
	{ "split-udp4", 3 },			/* 500 bytes by 200 */
};

static uint64_t rng = 0x243f6a8885a308d3ULL;

static uint64_t
rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

/* Runs MUTANTS mutants of d[0..len): a few bytes changed, then maybe cut
 * short or grown by random bytes. The mode byte is kept, so that each
 * seed's mutants go down its own path. */
static void
mutants(const uint8_t *d, size_t len)
{
	uint8_t *m;
	size_t ml, k, i, nflip;

	for (k = 0; k < MUTANTS; k++) {
		ml = len;
		switch (rnd() % 3) {
		case 0:
			ml = len > 1 ? 1 + rnd() % (len - 1) : len;
			break;
		case 1:
			ml = len + 1 + rnd() % 64;
			break;
		}
		if ((m = malloc(ml)) == NULL)
			abort();
		for (i = 0; i < ml; i++)
			m[i] = i < len ? d[i] : (uint8_t)rnd();
		for (nflip = 1 + rnd() % 4; ml > 1 && nflip > 0; nflip--)
			m[1 + rnd() % (ml - 1)] ^= (uint8_t)(1 + rnd() % 255);
		(void)fuzz_gso(m, ml);
		free(m);
	}
}

int
main(void)
{
	char dir[4096], **names;
	uint8_t *data;
	size_t len, got, s, found = 0;
	int i, n;

	n = corpus_list("gso", &names, dir, sizeof(dir));
	for (i = 0; i < n; i++) {
		if ((data = corpus_slurp(dir, names[i], &len)) == NULL) {
			ok(0, "%s: readable", names[i]);
			free(names[i]);
			continue;
		}
		got = fuzz_gso(data, len);
		for (s = 0; s < sizeof(seeds) / sizeof(seeds[0]); s++)
			if (strcmp(names[i], seeds[s].name) == 0) {
				is_int(got, seeds[s].want, "%s: %s", names[i],
				    data[0] & 1 ? "segments" : "outputs");
				found++;
			}
		mutants(data, len);
		ok(1, "%s: it and %d mutants keep the properties", names[i],
		    MUTANTS);
		free(data);
		free(names[i]);
	}
	free(names);
	is_int(found, sizeof(seeds) / sizeof(seeds[0]),
	    "every hand-made seed is in the corpus");
	return done_testing();
}
