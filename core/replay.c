/*
 * replay.c: the ESP anti-replay window (RFC 4303 3.4.3, Appendix A; the
 * word-ring bitmap of RFC 6479).
 */
#include "config.h"

#include <string.h>

#include "core/err.h"
#include "core/replay.h"

_Static_assert((REPLAY_WORDS & (REPLAY_WORDS - 1)) == 0,
    "the ring index is a mask: REPLAY_WORDS must be a power of two");

#define WORD_MASK	((uint64_t)REPLAY_WORDS - 1)

void
replay_init(struct replay_win *w, int esn)
{
	memset(w, 0, sizeof(*w));
	w->esn = esn != 0;
}

void
replay_init_at(struct replay_win *w, int esn, uint64_t top)
{
	replay_init(w, esn);
	w->top = w->esn ? top : (uint32_t)top;
	if (w->top != 0)
		w->bmp[(w->top >> 6) & WORD_MASK] =
		    (uint64_t)1 << (w->top & 63);
}

/*
 * RFC 4303 A2.2: the receiver infers the high-order 32 bits (Seqh) from
 * the low-order bits it received (Seql) and the window's top (Th, Tl) and
 * bottom (Bl = Tl - W + 1). When the window lies within one 2^32 block
 * (case A, Tl >= W - 1), a Seql below Bl must belong to the next block;
 * when it straddles two blocks (case B), a Seql at or above Bl belongs to
 * the previous one. Before the first block is complete there is no
 * previous block, so Th stays. Returns 0 or -E_RANGE past 2^64 - 1.
 */
static int
infer_hi(uint64_t top, uint32_t lo, uint32_t *hi)
{
	uint32_t tl = (uint32_t)top, th = (uint32_t)(top >> 32);
	uint32_t bl = tl - (uint32_t)(REPLAY_WINDOW - 1);

	if (tl >= REPLAY_WINDOW - 1) {
		if (lo >= bl)
			*hi = th;
		else if (th == UINT32_MAX)
			return -E_RANGE;
		else
			*hi = th + 1;
	} else {
		if (lo >= bl && th > 0)
			*hi = th - 1;
		else
			*hi = th;
	}
	return 0;
}

static int
seen(const struct replay_win *w, uint64_t seq)
{
	return (w->bmp[(seq >> 6) & WORD_MASK] >> (seq & 63)) & 1;
}

int
replay_check(const struct replay_win *w, uint32_t seq_lo, uint64_t *seq)
{
	uint64_t s = seq_lo;
	uint32_t hi;

	if (w->esn) {
		if (infer_hi(w->top, seq_lo, &hi) != 0)
			return -E_RANGE;
		s |= (uint64_t)hi << 32;
	}
	if (s == 0)
		return -E_RANGE;
	if (s <= w->top) {
		if (w->top - s >= REPLAY_WINDOW)
			return -E_RANGE;
		if (seen(w, s))
			return -E_DUP;
	}
	*seq = s;
	return 0;
}

int
replay_commit(struct replay_win *w, uint64_t seq)
{
	uint64_t cur, nxt, n, i;

	if (seq == 0 || (!w->esn && seq > UINT32_MAX))
		return -E_RANGE;
	if (seq <= w->top) {
		if (w->top - seq >= REPLAY_WINDOW)
			return -E_RANGE;
		if (seen(w, seq))
			return -E_DUP;
	} else {
		/*
		 * RFC 6479 3: clear every word the top enters; bits above
		 * the new top in its own word are then clear, and a jump of
		 * more than the whole ring clears everything.
		 */
		cur = w->top >> 6;
		nxt = seq >> 6;
		n = nxt - cur;
		if (n >= REPLAY_WORDS)
			memset(w->bmp, 0, sizeof(w->bmp));
		else
			for (i = 1; i <= n; i++)
				w->bmp[(cur + i) & WORD_MASK] = 0;
		w->top = seq;
	}
	w->bmp[(seq >> 6) & WORD_MASK] |= (uint64_t)1 << (seq & 63);
	return 0;
}
