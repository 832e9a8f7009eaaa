/*
 * replay.h: the ESP anti-replay window (RFC 4303 3.4.3) with 64-bit
 * extended sequence numbers (RFC 4303 2.2.1 and Appendix A).
 *
 * The window is a ring of REPLAY_WORDS 64-bit words (RFC 6479): bit
 * (seq mod REPLAY_BITS) records whether seq was received. When the top of
 * the window moves, the words it enters are cleared whole, so a jump costs
 * at most REPLAY_WORDS stores and never a bit-by-bit shift. One word is
 * kept for the bits above the top, so REPLAY_WINDOW = REPLAY_BITS - 64
 * sequence numbers are accepted: those in (top - REPLAY_WINDOW, top] that
 * were not seen yet, and every one above top.
 *
 * Use is split in two so that forged packets cannot move the window (RFC
 * 4303 3.4.3: "the receive window is updated only if the integrity
 * verification succeeds"):
 *  1. replay_check() before decryption: cheap, read-only; it also infers
 *     the high 32 bits of an extended sequence number from the low 32 bits
 *     on the wire (Appendix A2.2), which the ICV then covers;
 *  2. replay_commit() after the ICV verified: records the number and
 *     slides the window. It checks again, so that two copies of one packet
 *     that both passed check (in one batch, say) cannot both be accepted.
 *
 * Sequence number 0 is never valid: the sender's first packet carries 1
 * (3.3.3), and with ESN the 64-bit counter never returns to 0.
 *
 * The struct is transparent so an inbound SA can embed it; nothing here
 * allocates or logs. A window is owned by one thread at a time.
 */
#ifndef CORE_REPLAY_H
#define CORE_REPLAY_H

#include <stdint.h>

#define REPLAY_WUR	__attribute__((warn_unused_result))

#define REPLAY_BITS	4096
#define REPLAY_WORDS	(REPLAY_BITS / 64)
/* Packets accepted below and including the top (RFC 4303 3.4.3 asks for
 * at least 32, 64 by default; reordering by GRO and parallel senders
 * needs far more). */
#define REPLAY_WINDOW	(REPLAY_BITS - 64)

struct replay_win {
	uint64_t	top;		/* highest number committed; 0: none */
	int		esn;		/* 64-bit sequence numbers */
	uint64_t	bmp[REPLAY_WORDS];
};

/* Initializes *w empty, for ESN (esn nonzero) or 32-bit numbers. */
void	replay_init(struct replay_win *w, int esn);

/*
 * Initializes *w as if top had been the only number received: top is the
 * top of the window, numbers in the window below it are still accepted
 * once. For windows that do not start at 1 (tests of the ESN wrap-around).
 * Without ESN only the low 32 bits of top are used.
 */
void	replay_init_at(struct replay_win *w, int esn, uint64_t top);

/*
 * Checks the 32-bit number seq_lo from a packet's header: infers the full
 * number (with ESN; seq_lo itself without) and stores it in *seq. Returns
 * 0 when it may be new; -E_DUP when it was already received; -E_RANGE when
 * it is 0, below the window, or would need high bits past 2^64 - 1. *seq
 * is set only on success. Read-only on w.
 */
int	replay_check(const struct replay_win *w, uint32_t seq_lo,
	    uint64_t *seq) REPLAY_WUR;

/*
 * Records seq (the value replay_check returned, once the packet's ICV
 * verified) and slides the window when seq is above the top. Returns 0,
 * -E_DUP (already recorded since the check) or -E_RANGE (0, or fell below
 * the window since the check); w is unchanged on failure.
 */
int	replay_commit(struct replay_win *w, uint64_t seq) REPLAY_WUR;

#endif /* CORE_REPLAY_H */
