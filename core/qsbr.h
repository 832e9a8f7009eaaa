/*
 * qsbr.h: quiescent-state-based reclamation, the grace period behind the
 * lock-free SA tables (core/esp.h, struct esp_sadb "Publication").
 *
 * One writer thread (the IKE loop) unpublishes an object (a removed SA, a
 * replaced slot array) with a release store, then hands it to
 * qsbr_call(); the data-plane threads (readers) read the published
 * pointers without locks. The object's callback runs, on the writer
 * thread from qsbr_poll(), only once every reader has passed a quiescent
 * state after the call: a point where it holds no pointer it loaded
 * before. This is Linux's QSBR flavour of RCU and liburcu's urcu-qsbr,
 * reduced to what a packet loop needs.
 *
 * A reader is online while it may hold pointers (during a batch) and
 * offline otherwise (while it sleeps in poll: an idle reader must not
 * hold up the writer):
 *
 *	qsbr_online(r);		 before the first load of a batch
 *	... lookups, packet processing ...
 *	qsbr_quiescent(r);		 between batches, staying online
 *	qsbr_offline(r);		 before blocking
 *
 * Each call costs one store to the reader's own cache line (online adds
 * a full fence, which orders that store before the batch's loads).
 *
 * Grace periods are counted by a 64-bit sequence: qsbr_call tags its
 * object with a new value, and an online reader publishes the last value
 * it saw; the object is free when every online reader's value has
 * reached the tag. Nothing here allocates after qsbr_new: the callback's
 * record (struct qsbr_head) is embedded in the object, as Linux's
 * rcu_head is.
 *
 * Threads: qsbr_new, qsbr_free, qsbr_reader_add, qsbr_reader_remove,
 * qsbr_call, qsbr_poll, qsbr_pending and qsbr_synchronize belong to the
 * writer thread; qsbr_online, qsbr_quiescent and qsbr_offline to the
 * reader's own thread. No function logs.
 */
#ifndef CORE_QSBR_H
#define CORE_QSBR_H

#include <stddef.h>
#include <stdint.h>

struct qsbr;
struct qsbr_head;

/* The callback that frees (or otherwise releases) the object embedding
 * h, once no reader can hold it. Runs on the writer thread. */
typedef void qsbr_fn(struct qsbr_head *h);

/* The deferred-call record, embedded in the object it releases. Its
 * members are qsbr's; the caller zeroes nothing. */
struct qsbr_head {
	struct qsbr_head *next;
	qsbr_fn		*fn;
	uint64_t	 gp;		/* the grace period it waits for */
};

/* One reader thread's state, embedded in the caller's per-thread struct
 * (the reader writes seen every batch and the writer reads it when it
 * polls: keep it out of cache lines other threads write). */
struct qsbr_reader {
	uint64_t	 seen;		/* 0: offline, else a period */
	struct qsbr_reader *next;	/* the writer's list */
	struct qsbr	*q;
};

/* Creates a domain, returned owned; NULL when out of memory. */
struct qsbr	*qsbr_new(void);

/*
 * Runs every pending callback at once and frees q; NULL is a no-op. The
 * caller guarantees that no reader is online any more (the reader threads
 * have stopped); readers still registered are forgotten.
 */
void	qsbr_free(struct qsbr *q);

/*
 * Registers r (borrowed until qsbr_reader_remove), offline. Called on the
 * writer thread, typically before the reader's thread starts.
 */
void	qsbr_reader_add(struct qsbr *q, struct qsbr_reader *r);

/* Unregisters r, which must be offline (its thread stopped or between
 * qsbr_offline and qsbr_online). A no-op when r is not registered. */
void	qsbr_reader_remove(struct qsbr *q, struct qsbr_reader *r);

/* Reader: from now on it may load published pointers. */
void	qsbr_online(struct qsbr_reader *r);

/* Reader: it holds no pointer loaded before this call, and stays online. */
void	qsbr_quiescent(struct qsbr_reader *r);

/* Reader: it holds no pointer and loads none until qsbr_online. */
void	qsbr_offline(struct qsbr_reader *r);

/*
 * Writer: queues fn(h) to run from qsbr_poll once every reader online now
 * has passed a quiescent state (or gone offline). h (borrowed; embedded in
 * the object) must not be queued twice. The object must already be
 * unreachable for readers that start now (unpublished with a release
 * store).
 */
void	qsbr_call(struct qsbr *q, struct qsbr_head *h, qsbr_fn *fn);

/*
 * Writer: runs, in the order they were queued, the callbacks whose grace
 * period has passed. Returns how many are still pending, so that the
 * caller knows whether to poll again later (a timer on its loop).
 */
size_t	qsbr_poll(struct qsbr *q);

/* Writer: the number of queued callbacks. */
size_t	qsbr_pending(const struct qsbr *q);

/*
 * Writer: waits (sleeping in short steps) until every callback queued so
 * far has run. Every online reader must reach a quiescent state in finite
 * time, or this never returns; for shutdown and tests.
 */
void	qsbr_synchronize(struct qsbr *q);

#endif /* CORE_QSBR_H */
