// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_radix_ranges.c - the edges of kho_radix_walk_ranges(), each checked
 * against the model's ranges (tests/lib/model.c), for 4, 16 and 64 KiB
 * pages (runs of whole leaves: 4 and 16 KiB only):
 *
 * - runs that cross word boundaries, leaf boundaries, and leaves that are
 *   adjacent in key space but not linked (a run must end at a missing leaf);
 * - whole leaves set, alone and back to back (the 32-word skips and their
 *   overlapping last test), and leaves with one word clear at every place
 *   a skip could miss it;
 * - every order alone, including the orders whose keys live in leaf 0 (the
 *   key range ends inside a leaf), and two orders interleaved, adjacent and
 *   overlapping;
 * - trees of 1 to 21 orders (a stream per order but the lowest, in a small
 *   array or a large one);
 * - leaves of changing density (the stores per word follow it), words
 *   with 64 edges; the AVX-512 scan's eight-word steps and each reason it
 *   declines one;
 * - thousands of runs with blocks of another order among them, touching,
 *   overlapping or far (the merge hands whole batches over when it can);
 * - a callback's non-zero return stops the walk at once and is returned,
 *   per range and per batch.
 *
 * Every check walks each way: per range and in batches
 * (kho_radix_walk_range_batches()), each with every build of the scan this
 * processor runs (base, popcnt/BMI, AVX-512 VBMI2 and VPOPCNTDQ).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <kho/radix.h>

#include "lib/arena.h"
#include "lib/model.h"

static const unsigned int page_shifts[] = { 12, 14, 16 };

struct fix {
	unsigned int shift;
	struct kho_geometry geo;
	struct arena *arena;
	struct kho_radix_tree tree;
	struct model m;
};

struct got {
	struct model_range *r;
	size_t n, cap;
	size_t stop_after; /* 0: never */
};

static int collect(uint64_t start, uint64_t end, void *arg)
{
	struct got *g = arg;

	if (g->n == g->cap) {
		g->cap = g->cap ? 2 * g->cap : 64;
		g->r = realloc(g->r, g->cap * sizeof(*g->r));
		assert_non_null(g->r);
	}
	g->r[g->n].start = start;
	g->r[g->n].end = end;
	g->n++;
	return g->stop_after && g->n == g->stop_after ? 77 : 0;
}

static void setup(struct fix *f, unsigned int shift)
{
	memset(f, 0, sizeof(*f));
	f->shift = shift;
	f->arena = arena_create(shift, 0x7f0000000000ULL, 2048);
	assert_non_null(f->arena);
	assert_int_equal(kho_geometry_init(&f->geo, shift), 0);
	assert_int_equal(kho_radix_init(&f->tree, &f->geo, arena_ops(f->arena)),
			 0);
	model_init(&f->m, shift);
}

static void teardown(struct fix *f)
{
	kho_radix_destroy(&f->tree);
	assert_int_equal(arena_live(f->arena), 0);
	arena_destroy(f->arena);
	model_free(&f->m);
}

static void add(struct fix *f, uint64_t pfn, unsigned int order)
{
	assert_int_equal(kho_radix_add_page(&f->tree, pfn, order), 0);
	model_add(&f->m, pfn, order);
}

static void add_run(struct fix *f, uint64_t pfn, uint64_t nr,
		    unsigned int order)
{
	assert_int_equal(kho_radix_add_blocks(&f->tree, pfn, nr, order), 0);
	model_add_blocks(&f->m, pfn, nr, order);
}

/* The walk gives exactly the model's ranges. */
static void check(struct fix *f, const char *what)
{
	struct model_range *want;
	size_t n = model_ranges(&f->m, &want), i;
	struct got g = { 0 };

	/* Per range and in batches, with each build of the scan: all agree. */
	assert_int_equal(model_walk_ranges(&f->tree, &g.r, &g.n, what), 0);
	if (g.n != n)
		fail_msg("%s, %u-bit pages: %zu ranges, the model %zu", what,
			 f->shift, g.n, n);
	for (i = 0; i < n; i++)
		if (g.r[i].start != want[i].start || g.r[i].end != want[i].end)
			fail_msg(
				"%s, %u-bit pages: range %zu is [%#llx, %#llx), "
				"the model [%#llx, %#llx)",
				what, f->shift, i,
				(unsigned long long)g.r[i].start,
				(unsigned long long)g.r[i].end,
				(unsigned long long)want[i].start,
				(unsigned long long)want[i].end);
	free(g.r);
	free(want);
}

static uint64_t leaf_pages(const struct fix *f)
{
	return 1ULL << f->geo.bitmap_bits; /* order-0 pages one leaf covers */
}

/* Leaves of 64 KiB pages hold 512 Ki pages: too many for the model here. */
#define NR_SMALL_SHIFTS 2

static void test_runs_across_words_and_leaves(void **state)
{
	for (size_t p = 0; p < NR_SMALL_SHIFTS; p++) {
		struct fix f;
		uint64_t lp;

		setup(&f, page_shifts[p]);
		lp = leaf_pages(&f);
		/* Word edges: 63..64, 127..130, a run of 200 from 5. */
		add_run(&f, 63, 2, 0);
		add_run(&f, 127, 4, 0);
		add_run(&f, 1000, 200, 0);
		check(&f, "word edges");
		/* A run over the edge of leaf 0 into leaf 1, and on into 2. */
		add_run(&f, lp - 3, 2 * lp + 10, 0);
		check(&f, "across two leaf edges");
		/* Leaves 5 and 7 set at their edges: leaf 6 missing between. */
		add(&f, 6 * lp - 1, 0);
		add(&f, 7 * lp, 0);
		add(&f, 8 * lp - 1, 0);
		add(&f, 8 * lp, 0);
		check(&f, "edges of missing and present leaves");
		/* The same far up, in another subtree. */
		add_run(&f, (1ULL << 34) - 1, 3, 0);
		check(&f, "across a table edge");
		teardown(&f);
	}
}

static void test_full_leaves(void **state)
{
	for (size_t p = 0; p < NR_SMALL_SHIFTS; p++) {
		struct fix f;
		uint64_t lp, holes[] = { 0, 1, 31, 32, 33, 62, 63, 64, 65 };

		setup(&f, page_shifts[p]);
		lp = leaf_pages(&f);
		/* Three whole leaves back to back: one range. */
		add_run(&f, 10 * lp, 3 * lp, 0);
		check(&f, "three full leaves");
		/*
		 * Full leaves but one clear page, in the first words, around
		 * the 32-word blocks and in the last words.
		 */
		for (size_t h = 0; h < sizeof(holes) / sizeof(holes[0]); h++) {
			uint64_t base = (20 + 2 * h) * lp;
			uint64_t words = lp / 64;
			uint64_t hole_word =
				h < 5 ? holes[h] : words - 1 - holes[h] % 32;
			uint64_t hole = base + hole_word * 64 + (h * 7) % 64;

			if (hole > base)
				add_run(&f, base, hole - base, 0);
			add_run(&f, hole + 1, base + lp - hole - 1, 0);
		}
		check(&f, "full leaves with one hole");
		teardown(&f);
	}
}

static void test_each_order_alone(void **state)
{
	for (size_t p = 0; p < 3; p++) {
		struct fix f;
		unsigned int order;

		setup(&f, page_shifts[p]);
		teardown(&f);
		for (order = 0; order < f.geo.order0_bit; order++) {
			/* The order's first, second and next-to-last blocks. */
			uint64_t nblocks = 1ULL << (f.geo.order0_bit - order);
			uint64_t last = nblocks - 2;

			setup(&f, page_shifts[p]);
			add(&f, 0, order);
			if (nblocks > 3)
				add(&f, 2ULL << order, order);
			if (last > 2)
				add(&f, last << order, order);
			check(&f, "one order");
			teardown(&f);
		}
	}
}

static void test_orders_mixed(void **state)
{
	for (size_t p = 0; p < 3; p++) {
		struct fix f;
		uint64_t seed = 7 + p;

		setup(&f, page_shifts[p]);
		/* 2 MiB-like blocks with order-0 pages between and beside. */
		add_run(&f, 1ULL << 20, 40, 9);
		add_run(&f, (1ULL << 20) + 40 * 512, 100, 0);
		add(&f, (1ULL << 20) - 1, 0);
		add(&f, 1ULL << 30, 18);
		add(&f, (1ULL << 30) + (1ULL << 18), 0);
		add(&f, (1ULL << 30) - 2, 1);
		check(&f, "orders adjacent");
		/* Random blocks of orders 0..20. */
		for (int i = 0; i < 400; i++) {
			unsigned int order;
			uint64_t pfn;

			seed ^= seed << 13;
			seed ^= seed >> 7;
			seed ^= seed << 17;
			order = seed % 21;
			pfn = (seed >> 8) % (1ULL << 26) >> order << order;
			add(&f, pfn, order);
		}
		check(&f, "orders random (overlaps merge)");
		teardown(&f);
	}
}

/*
 * Trees of 1 to 21 orders, one more each time. The walk keeps a stream for
 * every order but the lowest, in a small array or, past a few orders, a
 * large one (lib/radix_walk.c, FEW_ORDERS): every count on both sides of
 * that switch is walked, and under ASan a stream written past the small
 * array is caught. Each new order's block touches an order-0 page, so the
 * merge joins the two.
 */
static void test_order_counts(void **state)
{
	for (size_t p = 0; p < 3; p++) {
		struct fix f;
		unsigned int order;
		char what[64];

		setup(&f, page_shifts[p]);
		for (order = 0; order <= 20; order++) {
			uint64_t pfn = (uint64_t)(order + 1) << 21;

			add(&f, pfn, order);
			add(&f, pfn + (1ULL << order), 0);
			snprintf(what, sizeof(what), "%u orders", order + 1);
			check(&f, what);
		}
		teardown(&f);
	}
}

/*
 * Leaves of different densities one after another, so that the stores per
 * word change from leaf to leaf: sparse (about one run a word), medium
 * (three), dense (every other page: 64 edges a word, the loop beyond the
 * slots) twice, so that the second takes the most stores a word and still
 * loops, a leaf that is whole, then sparse again; runs cross each pair of
 * leaves.
 */
static void test_densities(void **state)
{
	for (size_t p = 0; p < NR_SMALL_SHIFTS; p++) {
		struct fix f;
		uint64_t lp, pfn, seed = 99 + p;
		const unsigned int gap[] = { 60, 18, 1, 1, 0, 60, 1 };

		setup(&f, page_shifts[p]);
		lp = leaf_pages(&f);
		for (size_t l = 0; l < sizeof(gap) / sizeof(gap[0]); l++) {
			/* From one page before the leaf: runs cross its edge. */
			for (pfn = (l + 1) * lp - 1; pfn < (l + 2) * lp;) {
				seed ^= seed << 13;
				seed ^= seed >> 7;
				seed ^= seed << 17;
				if (!gap[l]) {
					add_run(&f, pfn, (l + 2) * lp - pfn, 0);
					break;
				}
				add(&f, pfn, 0);
				pfn += 2 + (gap[l] > 1 ? seed % gap[l] : 0);
			}
		}
		check(&f, "leaves of changing density");
		teardown(&f);
	}
}

/*
 * Thousands of runs of order 0 (many batches of edges) with order-1 blocks
 * among them: touching the run before, the run after, both, neither,
 * overlapping one; long stretches with none, where whole batches go out as
 * they are; then larger blocks over several runs of such a stretch.
 */
static void test_batches_with_other_orders(void **state)
{
	for (size_t p = 0; p < 3; p++) {
		struct fix f;
		uint64_t seed = 3 + p, k;

		setup(&f, page_shifts[p]);
		/* Runs [8k, 8k + 2); an order-1 block at 8k + 2, 4, 6 or 0. */
		for (k = 0; k < 6000; k++) {
			add_run(&f, 8 * k, 2, 0);
			seed ^= seed << 13;
			seed ^= seed >> 7;
			seed ^= seed << 17;
			if (k >= 2000 && k < 4000)
				continue; /* a stretch of one order only */
			if (seed % 16 == 0)
				add(&f, 8 * k + 2 + 2 * (seed >> 8) % 6, 1);
		}
		/* One block far above everything. */
		add(&f, 1ULL << 30, 1);
		check(&f, "runs with other orders among them");
		/*
		 * Blocks of 32 pages over four runs each, in the stretch of one
		 * order: the range they start reaches past the runs after.
		 */
		for (k = 2000; k < 4000; k += 97)
			add(&f, 8 * k / 32 * 32, 5);
		/* Over hundreds, so across batches of edges. */
		add(&f, 16384, 12);
		add(&f, 24576, 10);
		check(&f, "blocks over several runs");
		add(&f, (uint64_t)1 << 40, 3);
		check(&f, "and far above");
		teardown(&f);
	}
}

/*
 * A block of a larger order, taken in with the batch of edges it starts in,
 * that covers the first run of the next batch and ends before its second:
 * that batch goes out whole, led by the block's range, not by its first run.
 * Runs of one page every third page up to the block; in its first word the
 * same; in its second word one run; the next runs after a gap past its end.
 * Where a batch ends depends on how many edges came before, so the dense
 * runs start at each page of three words in turn: one start puts the end of
 * a batch at the block's middle.
 */
static void test_block_leads_batch(void **state)
{
	const uint64_t block = 1024, order = 7, past = block + 136;

	for (size_t p = 0; p < NR_SMALL_SHIFTS; p++) {
		for (uint64_t first = 0; first < 192; first++) {
			struct fix f;
			uint64_t pfn;

			setup(&f, page_shifts[p]);
			for (pfn = first; pfn < block + 64; pfn += 3)
				add(&f, pfn, 0);
			add(&f, block + 70, 0);
			for (pfn = past; pfn < past + 600; pfn += 3)
				add(&f, pfn, 0);
			add(&f, block, order);
			check(&f, "a block leading a batch");
			teardown(&f);
		}
	}
}

/* Set the pages of leaf @leaf's word @w that @bits has. */
static void add_word(struct fix *f, uint64_t leaf, unsigned int w,
		     uint64_t bits)
{
	const uint64_t pfn = leaf * leaf_pages(f) + 64ULL * w;

	for (unsigned int i = 0; i < 64; i++)
		if (bits >> i & 1)
			add(f, pfn + i, 0);
}

/*
 * Words the AVX-512 scan takes eight at a time (scan_eight_vec()), and each
 * reason it leaves a step to the word loop. The stores a word that a step
 * makes follow the leaf before: leaf 2 comes after a sparse leaf (8, so a
 * word of 9 to 16 edges is left to the loop) and leaf 4 after a dense one
 * (16, so one of 17 or more is). Where the steps start depends on what the
 * loop took before, so each case is a stretch of words, not one step:
 *
 *   words 0-7     two edges each: steps taken
 *   word 11       12 edges: too many for 8 stores (leaf 2)
 *   words 16-30   empty: a step with no edge, the stretch skipped
 *   words 31-63   a run across every word boundary: the carry into,
 *                 within and out of each step
 *   word 70       16 edges: too many for 8 (leaf 2), exactly 16 (leaf 4)
 *   word 80       64 edges (0101...): too many for either
 *   word 90       32 edges: too many for 16
 */
static void test_eight_word_steps(void **state)
{
	for (size_t p = 0; p < NR_SMALL_SHIFTS; p++) {
		struct fix f;
		uint64_t lp, pfn;

		setup(&f, page_shifts[p]);
		lp = leaf_pages(&f);
		/* Leaf 1 sparse, leaf 3 dense: the leaves after them. */
		for (pfn = lp; pfn < 2 * lp; pfn += 60)
			add(&f, pfn, 0);
		for (pfn = 3 * lp; pfn < 4 * lp; pfn += 2)
			add(&f, pfn, 0);
		for (uint64_t leaf = 2; leaf <= 4; leaf += 2) {
			for (unsigned int w = 0; w < 8; w++)
				add_word(&f, leaf, w, 0x0000ffff00000000ULL);
			for (unsigned int w = 8; w < 16; w++)
				add_word(&f, leaf, w,
					 w == 11 ? 0x0f0f0f0f0f0f0000ULL :
						   0x0ff0000000000000ULL);
			for (unsigned int w = 31; w < 64; w++)
				add_word(&f, leaf, w, 0xff000000000000ffULL);
			add_word(&f, leaf, 70, 0x0f0f0f0f0f0f0f0fULL);
			add_word(&f, leaf, 80, 0x5555555555555555ULL);
			add_word(&f, leaf, 90, 0x3333333333333333ULL);
			for (unsigned int w = 64; w < 100; w++)
				if (w != 70 && w != 80 && w != 90)
					add_word(&f, leaf, w,
						 0x00000000000ff000ULL);
		}
		check(&f, "eight-word steps");
		teardown(&f);
	}
}

static int stop_batch(const struct kho_radix_range *r, size_t nr, void *arg)
{
	size_t *calls = arg;

	assert_true(nr > 0);
	(void)r;
	return ++*calls == 2 ? 78 : 0;
}

static void test_stop(void **state)
{
	struct fix f;
	struct got g = { .stop_after = 3 };

	setup(&f, 12);
	for (int i = 0; i < 10; i++)
		add(&f, 100 * i, 0);
	assert_int_equal(kho_radix_walk_ranges(&f.tree, collect, &g), 77);
	assert_int_equal(g.n, 3);
	free(g.r);
	/* With two orders, through the merge. */
	add(&f, 1ULL << 20, 9);
	memset(&g, 0, sizeof(g));
	g.stop_after = 5;
	assert_int_equal(kho_radix_walk_ranges(&f.tree, collect, &g), 77);
	assert_int_equal(g.n, 5);
	free(g.r);
	teardown(&f);

	/* In batches: the second call's non-zero return ends the walk. */
	for (int orders = 1; orders <= 2; orders++) {
		size_t calls = 0;

		setup(&f, 12);
		for (int i = 0; i < 1000; i++)
			add(&f, 4 * i, 0);
		if (orders == 2)
			add(&f, 1ULL << 20, 9);
		assert_int_equal(kho_radix_walk_range_batches(
					 &f.tree, stop_batch, &calls),
				 78);
		assert_int_equal(calls, 2);
		teardown(&f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runs_across_words_and_leaves),
		cmocka_unit_test(test_densities),
		cmocka_unit_test(test_batches_with_other_orders),
		cmocka_unit_test(test_block_leads_batch),
		cmocka_unit_test(test_eight_word_steps),
		cmocka_unit_test(test_full_leaves),
		cmocka_unit_test(test_each_order_alone),
		cmocka_unit_test(test_orders_mixed),
		cmocka_unit_test(test_order_counts),
		cmocka_unit_test(test_stop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
