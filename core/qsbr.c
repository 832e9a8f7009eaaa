/*
 * qsbr.c: grace periods for the lock-free SA tables (see qsbr.h).
 *
 * Why it is safe. The writer unpublishes object O (a release store), then
 * takes a new grace period g = ++gp (a sequentially consistent
 * read-modify-write) and tags O's callback with g. A reader that later
 * publishes seen >= g has loaded gp after that increment with acquire, so
 * it also sees O unpublished, and by the contract of qsbr_quiescent it
 * dropped every pointer loaded before. A reader that goes online stores
 * seen, then issues a full fence before its first load; the writer
 * issues a full fence before it reads the seen values. This is the
 * store-buffering (Dekker) pattern: either the writer sees the reader
 * online, and waits for it, or the reader's loads see O unpublished
 * (C11 7.17.4, fences ordered in the single total order S). seen is
 * stored with release and read with acquire, so the reader's last
 * accesses to O happen before the writer frees it.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "core/qsbr.h"

/*
 * ThreadSanitizer does not model fences (gcc refuses them under
 * -fsanitize=thread). There, both sides' full fence becomes a sequentially
 * consistent read-modify-write of one shared word instead: two RMWs of
 * one location are ordered, and whichever comes second synchronizes with
 * the first, which gives the same either-or as the fences and is
 * something TSan follows. It costs a contended cache line, so only there.
 */
#if defined(__SANITIZE_THREAD__)
#define QSBR_TSAN
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define QSBR_TSAN
#endif
#endif

struct qsbr {
	/* The grace period sequence: readers load it every batch, the
	 * writer bumps it once per qsbr_call. Its own cache line. */
	uint64_t	 gp __attribute__((aligned(64)));
	uint8_t		 pad[64 - sizeof(uint64_t)];
	struct qsbr_reader *readers;
	struct qsbr_head *head;		/* pending, oldest first */
	struct qsbr_head **tail;
	size_t		 npending;
	uint64_t	 fence;		/* QSBR_TSAN only */
};

static void
full_fence(struct qsbr *q)
{
#ifdef QSBR_TSAN
	(void)__atomic_fetch_add(&q->fence, 1, __ATOMIC_SEQ_CST);
#else
	(void)q;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

struct qsbr *
qsbr_new(void)
{
	struct qsbr *q;

	/* aligned_alloc: the gp member asks for a cache line of its own;
	 * the size is a multiple of the alignment by construction. */
	if ((q = aligned_alloc(64, sizeof(*q))) == NULL)
		return NULL;
	q->gp = 1;
	q->readers = NULL;
	q->head = NULL;
	q->tail = &q->head;
	q->npending = 0;
	q->fence = 0;
	return q;
}

/* Runs, oldest first, the callbacks whose grace period is at most upto
 * (their tags grow with the queue, so the first one not ready stops). */
static void
run_ready(struct qsbr *q, uint64_t upto)
{
	struct qsbr_head *h;

	while ((h = q->head) != NULL && h->gp <= upto) {
		q->head = h->next;
		if (q->head == NULL)
			q->tail = &q->head;
		q->npending--;
		/* The callback may free the memory h lives in. */
		h->fn(h);
	}
}

void
qsbr_free(struct qsbr *q)
{
	if (q == NULL)
		return;
	run_ready(q, UINT64_MAX);
	free(q);
}

void
qsbr_reader_add(struct qsbr *q, struct qsbr_reader *r)
{
	__atomic_store_n(&r->seen, 0, __ATOMIC_RELAXED);
	r->q = q;
	r->next = q->readers;
	q->readers = r;
}

void
qsbr_reader_remove(struct qsbr *q, struct qsbr_reader *r)
{
	struct qsbr_reader **pp;

	for (pp = &q->readers; *pp != NULL; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			r->next = NULL;
			r->q = NULL;
			return;
		}
}

void
qsbr_online(struct qsbr_reader *r)
{
	__atomic_store_n(&r->seen, __atomic_load_n(&r->q->gp,
	    __ATOMIC_ACQUIRE), __ATOMIC_RELAXED);
	/* Orders the store above before this batch's loads (see top). */
	full_fence(r->q);
}

void
qsbr_quiescent(struct qsbr_reader *r)
{
	__atomic_store_n(&r->seen, __atomic_load_n(&r->q->gp,
	    __ATOMIC_ACQUIRE), __ATOMIC_RELEASE);
}

void
qsbr_offline(struct qsbr_reader *r)
{
	__atomic_store_n(&r->seen, 0, __ATOMIC_RELEASE);
}

void
qsbr_call(struct qsbr *q, struct qsbr_head *h, qsbr_fn *fn)
{
	h->fn = fn;
	h->next = NULL;
	h->gp = __atomic_add_fetch(&q->gp, 1, __ATOMIC_SEQ_CST);
	*q->tail = h;
	q->tail = &h->next;
	q->npending++;
}

size_t
qsbr_poll(struct qsbr *q)
{
	const struct qsbr_reader *r;
	uint64_t min = UINT64_MAX, s;

	if (q->head == NULL)
		return 0;
	/* Pairs with the fence in qsbr_online (see top). */
	full_fence(q);
	for (r = q->readers; r != NULL; r = r->next) {
		s = __atomic_load_n(&r->seen, __ATOMIC_ACQUIRE);
		if (s != 0 && s < min)
			min = s;
	}
	run_ready(q, min);
	return q->npending;
}

size_t
qsbr_pending(const struct qsbr *q)
{
	return q->npending;
}

void
qsbr_synchronize(struct qsbr *q)
{
	struct timespec ts = { 0, 1000000 };	/* 1 ms */
	struct timespec left;

	while (qsbr_poll(q) > 0) {
		left = ts;
		while (nanosleep(&left, &left) == -1 && errno == EINTR)
			;
	}
}
