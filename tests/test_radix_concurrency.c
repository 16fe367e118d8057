// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_radix_concurrency.c - one tree, several threads, one lock.
 *
 * Writer threads add and delete at once: blocks each thread owns, interleaved
 * page by page with the other threads' so that they share leaves (and one
 * thread's delete empties a leaf another is about to fill); blocks of
 * different orders at the same addresses, owned by different threads, so the
 * memory they cover overlaps; page ranges and runs of blocks of their own;
 * and a shared set that every thread adds and nobody deletes. Each return
 * code is checked against the thread's own bookkeeping. A reader walks
 * meanwhile and must always see a consistent tree (keys strictly ascending,
 * ranges disjoint and sorted). Afterwards the tree must equal the model
 * rebuilt from every thread's final state, and no page may have leaked. The
 * Makefile also builds this test with ThreadSanitizer.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <kho/radix.h>

#include "lib/arena.h"
#include "lib/model.h"

#define NR_WRITERS 4
#define NR_INTERLEAVED 256
#define NR_SPREAD 48
#define NR_OVERLAP 48
#define NR_RANGES 16
#define NR_SHARED 64
/* ThreadSanitizer makes each step ~50x slower: fewer steps there. */
#ifdef __SANITIZE_THREAD__
#define NR_STEPS 2500
#else
#define NR_STEPS 20000
#endif

struct block {
	uint64_t pfn;
	unsigned int order;
	bool present;
};

/* A page run (order < 0, add_range) or a run of nr blocks (add_blocks). */
struct range {
	uint64_t pfn, nr;
	int order;
	bool present;
};

struct shared {
	unsigned int shift;
	struct kho_geometry geo;
	struct arena *arena;
	struct kho_radix_tree tree;
	struct block shared[NR_SHARED];
	pthread_barrier_t start;
	int writers_done; /* under done_lock */
	pthread_mutex_t done_lock;
};

struct writer {
	struct shared *sh;
	unsigned int id;
	uint64_t seed;
	struct block own[NR_INTERLEAVED + NR_SPREAD + NR_OVERLAP];
	unsigned int nr_own;
	struct range ranges[NR_RANGES];
	char err[160]; /* first failure, reported by main */
	uint64_t nr_ops;
};

struct reader {
	struct shared *sh;
	uint64_t nr_walks;
	char err[160];
};

static uint64_t xs(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static uint64_t limit_of(const struct shared *sh)
{
	return 1ULL << sh->geo.order0_bit;
}

/* Regions of the pfn space, far apart. */
static uint64_t region(const struct shared *sh, unsigned int n)
{
	return limit_of(sh) / 8 * n;
}

static void writer_setup(struct writer *w, struct shared *sh, unsigned int id)
{
	uint64_t limit = limit_of(sh), pfn;
	unsigned int i, order;

	memset(w, 0, sizeof(*w));
	w->sh = sh;
	w->id = id;
	w->seed = 0x9e3779b97f4a7c15ULL * (id + 1);
	/* Page by page with the other writers: the same leaves. */
	for (i = 0; i < NR_INTERLEAVED; i++) {
		w->own[w->nr_own].pfn = region(sh, 1) + i * NR_WRITERS + id;
		w->own[w->nr_own++].order = 0;
	}
	/* Anywhere in a region of its own. */
	for (i = 0; i < NR_SPREAD; i++) {
		order = xs(&w->seed) % 12;
		pfn = region(sh, 2) + (limit / 8 / NR_WRITERS) * id +
		      xs(&w->seed) % (limit / 8 / NR_WRITERS / 2);
		w->own[w->nr_own].pfn = pfn & ~((1ULL << order) - 1);
		w->own[w->nr_own++].order = order;
	}
	/* Same addresses as the other writers, order id: overlapping memory. */
	for (i = 0; i < NR_OVERLAP; i++) {
		w->own[w->nr_own].pfn = region(sh, 3) + ((uint64_t)i << 12);
		w->own[w->nr_own++].order = id;
	}
	for (i = 0; i < NR_RANGES; i++) {
		w->ranges[i].pfn = region(sh, 4) + ((uint64_t)id << 24) +
				   ((uint64_t)i << 16) + xs(&w->seed) % 1000;
		w->ranges[i].nr = 1 + xs(&w->seed) % 6000;
		w->ranges[i].order = -1;
		if (i % 2)
			continue;
		/* Every other one a run of blocks of order 0..3. */
		order = i / 2 % 4;
		w->ranges[i].pfn &= ~((1ULL << order) - 1);
		w->ranges[i].nr = 1 + xs(&w->seed) % (6000 >> order);
		w->ranges[i].order = order;
	}
}

#define WFAIL(w, ...)                                                      \
	do {                                                               \
		if (!(w)->err[0])                                          \
			snprintf((w)->err, sizeof((w)->err), __VA_ARGS__); \
	} while (0)

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	struct shared *sh = w->sh;
	struct kho_radix_tree *t = &sh->tree;
	unsigned int i, next_shared = 0;
	uint64_t order_of_shared = xs(&w->seed);
	int ret;

	pthread_barrier_wait(&sh->start);
	for (w->nr_ops = 0; w->nr_ops < NR_STEPS && !w->err[0]; w->nr_ops++) {
		uint64_t p = xs(&w->seed) % 100;

		if (p < 70) {
			struct block *b = &w->own[xs(&w->seed) % w->nr_own];

			if (b->present)
				ret = kho_radix_del_page(t, b->pfn, b->order);
			else
				ret = kho_radix_add_page(t, b->pfn, b->order);
			if (ret)
				WFAIL(w,
				      "writer %u: %s pfn 0x%llx order %u: %d",
				      w->id, b->present ? "del" : "add",
				      (unsigned long long)b->pfn, b->order,
				      ret);
			b->present = !b->present;
			if (kho_radix_test_page(t, b->pfn, b->order) !=
			    b->present)
				WFAIL(w,
				      "writer %u: test pfn 0x%llx order %u "
				      "is not %d",
				      w->id, (unsigned long long)b->pfn,
				      b->order, b->present);
			/* Deleting it again, or adding it again. */
			ret = b->present ?
				      kho_radix_add_page(t, b->pfn, b->order) :
				      kho_radix_del_page(t, b->pfn, b->order);
			if (ret != (b->present ? 0 : -ENOENT))
				WFAIL(w,
				      "writer %u: repeated op on pfn 0x%llx:"
				      " %d",
				      w->id, (unsigned long long)b->pfn, ret);
		} else if (p < 85) {
			struct range *r = &w->ranges[xs(&w->seed) % NR_RANGES];

			if (r->order >= 0)
				ret = r->present ?
					      kho_radix_del_blocks(t, r->pfn,
								   r->nr,
								   r->order) :
					      kho_radix_add_blocks(t, r->pfn,
								   r->nr,
								   r->order);
			else if (r->present)
				ret = kho_radix_del_range(t, r->pfn, r->nr);
			else
				ret = kho_radix_add_range(t, r->pfn, r->nr);
			if (ret)
				WFAIL(w, "writer %u: range pfn 0x%llx: %d",
				      w->id, (unsigned long long)r->pfn, ret);
			r->present = !r->present;
		} else if (p < 95 && next_shared < NR_SHARED) {
			/* Each writer adds the shared set in its own order. */
			i = (next_shared++ + order_of_shared) % NR_SHARED;
			ret = kho_radix_add_page(t, sh->shared[i].pfn,
						 sh->shared[i].order);
			if (ret || !kho_radix_test_page(t, sh->shared[i].pfn,
							sh->shared[i].order))
				WFAIL(w, "writer %u: shared pfn 0x%llx: %d",
				      w->id,
				      (unsigned long long)sh->shared[i].pfn,
				      ret);
		} else {
			struct block *b = &w->own[xs(&w->seed) % w->nr_own];

			if (kho_radix_test_page(t, b->pfn, b->order) !=
			    b->present)
				WFAIL(w,
				      "writer %u: test pfn 0x%llx order %u "
				      "is not %d",
				      w->id, (unsigned long long)b->pfn,
				      b->order, b->present);
		}
	}
	/* The shared set is complete whatever the dice said. */
	for (; next_shared < NR_SHARED; next_shared++) {
		i = (next_shared + order_of_shared) % NR_SHARED;
		if (kho_radix_add_page(t, sh->shared[i].pfn,
				       sh->shared[i].order))
			WFAIL(w, "writer %u: shared add failed", w->id);
	}
	pthread_mutex_lock(&sh->done_lock);
	sh->writers_done++;
	pthread_mutex_unlock(&sh->done_lock);
	return NULL;
}

struct walk_check {
	unsigned int shift;
	uint64_t last_key, n;
	bool bad;
};

static int ascending_cb(uint64_t phys, unsigned int order, void *arg)
{
	struct walk_check *c = arg;
	uint64_t key = model_key(c->shift, phys, order);

	if (c->n++ && key <= c->last_key)
		c->bad = true;
	c->last_key = key;
	return 0;
}

static int disjoint_cb(uint64_t start, uint64_t end, void *arg)
{
	struct walk_check *c = arg;

	/* Coalesced: a gap between consecutive ranges, none empty. */
	if (end <= start || (c->n++ && start <= c->last_key))
		c->bad = true;
	c->last_key = end;
	return 0;
}

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	struct shared *sh = r->sh;
	struct kho_radix_stats st;
	int done, ret;

	pthread_barrier_wait(&sh->start);
	do {
		struct walk_check c = { .shift = sh->shift };

		pthread_mutex_lock(&sh->done_lock);
		done = sh->writers_done == NR_WRITERS;
		pthread_mutex_unlock(&sh->done_lock);

		ret = kho_radix_walk(&sh->tree, ascending_cb, &c);
		if (ret || c.bad)
			snprintf(r->err, sizeof(r->err),
				 "walk: %d, keys ascending: %d", ret, !c.bad);
		memset(&c, 0, sizeof(c));
		ret = kho_radix_walk_ranges(&sh->tree, disjoint_cb, &c);
		if (ret || c.bad)
			snprintf(r->err, sizeof(r->err),
				 "walk_ranges: %d, disjoint: %d", ret, !c.bad);
		ret = kho_radix_get_stats(&sh->tree, &st);
		if (ret || st.nodes[sh->geo.depth - 1] != 1)
			snprintf(r->err, sizeof(r->err), "stats: %d", ret);
		r->nr_walks++;
		/* Leave the lock to the writers most of the time. */
		usleep(2000);
	} while (!done && !r->err[0]);
	return NULL;
}

static int split_add(uint64_t pfn, unsigned int order, void *arg)
{
	model_add(arg, pfn, order);
	return 0;
}

static void run_threads(unsigned int shift, uint64_t phys_base)
{
	struct shared *sh = calloc(1, sizeof(*sh));
	struct writer *w = calloc(NR_WRITERS, sizeof(*w));
	struct reader rd = { .sh = sh };
	pthread_t tw[NR_WRITERS], tr;
	uint64_t seed = 0x5eed + shift, nodes[KHO_TREE_MAX_DEPTH];
	struct model m;
	size_t i, j;

	assert_non_null(sh);
	assert_non_null(w);
	sh->shift = shift;
	assert_int_equal(kho_geometry_init(&sh->geo, shift), 0);
	sh->arena = arena_create(shift, phys_base, (64 << 20) >> shift);
	assert_non_null(sh->arena);
	assert_true(arena_scramble(sh->arena, 0x3ff));
	assert_int_equal(
		kho_radix_init(&sh->tree, &sh->geo, arena_ops(sh->arena)), 0);
	for (i = 0; i < NR_SHARED; i++) {
		unsigned int order = xs(&seed) % 10;

		sh->shared[i].pfn = (region(sh, 5) + xs(&seed) % (1ULL << 30)) &
				    ~((1ULL << order) - 1);
		sh->shared[i].order = order;
	}
	pthread_mutex_init(&sh->done_lock, NULL);
	assert_int_equal(pthread_barrier_init(&sh->start, NULL, NR_WRITERS + 1),
			 0);
	rd.sh = sh;
	for (i = 0; i < NR_WRITERS; i++) {
		writer_setup(&w[i], sh, i);
		assert_int_equal(
			pthread_create(&tw[i], NULL, writer_main, &w[i]), 0);
	}
	assert_int_equal(pthread_create(&tr, NULL, reader_main, &rd), 0);
	for (i = 0; i < NR_WRITERS; i++)
		assert_int_equal(pthread_join(tw[i], NULL), 0);
	assert_int_equal(pthread_join(tr, NULL), 0);
	pthread_barrier_destroy(&sh->start);

	for (i = 0; i < NR_WRITERS; i++) {
		if (w[i].err[0])
			fail_msg("%s", w[i].err);
		assert_int_equal(w[i].nr_ops, NR_STEPS);
	}
	if (rd.err[0])
		fail_msg("reader: %s", rd.err);
	assert_true(rd.nr_walks > 0);

	/* The model of what every thread left behind. */
	model_init(&m, shift);
	for (i = 0; i < NR_SHARED; i++)
		model_add(&m, sh->shared[i].pfn, sh->shared[i].order);
	for (i = 0; i < NR_WRITERS; i++) {
		for (j = 0; j < w[i].nr_own; j++)
			if (w[i].own[j].present)
				model_add(&m, w[i].own[j].pfn,
					  w[i].own[j].order);
		for (j = 0; j < NR_RANGES; j++) {
			struct range *r = &w[i].ranges[j];

			if (!r->present)
				continue;
			if (r->order < 0)
				model_split(r->pfn, r->nr, split_add, &m);
			else
				model_add_blocks(&m, r->pfn, r->nr, r->order);
		}
	}
	print_message("shift %u: %zu blocks after %u x %u steps, %llu walks "
		      "meanwhile\n",
		      shift, m.n, NR_WRITERS, NR_STEPS,
		      (unsigned long long)rd.nr_walks);
	model_assert_tree(&m, &sh->tree, "after the threads");
	assert_int_equal(arena_live(sh->arena), model_nodes(&m, nodes));
	assert_int_equal(arena_errors(sh->arena), 0);

	/*
	 * Delete everything, run by run (consecutive blocks of one order):
	 * only the root remains; destroy frees it.
	 */
	for (i = 0; i < m.n; i = j) {
		uint64_t size = 1ULL << (shift + m.v[i].order);

		for (j = i + 1; j < m.n && m.v[j].order == m.v[i].order &&
				m.v[j].phys == m.v[j - 1].phys + size;
		     j++)
			;
		assert_int_equal(kho_radix_del_blocks(&sh->tree,
						      m.v[i].phys >> shift,
						      j - i, m.v[i].order),
				 0);
	}
	assert_int_equal(arena_live(sh->arena), 1);
	kho_radix_destroy(&sh->tree);
	assert_int_equal(arena_live(sh->arena), 0);
	assert_int_equal(arena_errors(sh->arena), 0);
	arena_destroy(sh->arena);
	pthread_mutex_destroy(&sh->done_lock);
	model_free(&m);
	free(w);
	free(sh);
}

static void test_threads_4k(void **state)
{
	run_threads(12, 0xf000000000000000ULL);
}

static void test_threads_16k(void **state)
{
	run_threads(14, 0x100000000ULL);
}

static void test_threads_64k(void **state)
{
	run_threads(16, 0x7fff00000000ULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads_4k),
		cmocka_unit_test(test_threads_16k),
		cmocka_unit_test(test_threads_64k),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
