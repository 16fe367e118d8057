// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_radix_faults.c - error paths and the tree's promises one by one.
 *
 * - Allocation failure at every allocation of kho_radix_add_page() and of
 *   kho_radix_add_range(): the call returns -ENOMEM, the tree walks exactly
 *   as before, and no page leaked; the successful call allocates exactly the
 *   nodes the model says are missing. kho_radix_init() failure too.
 * - The same for kho_radix_add_blocks(): a failed run changes nothing.
 * - A failed add_range keeps the blocks that were there before it; del_range
 *   and del_blocks are all or nothing.
 * - A node phys_to_virt() no longer maps: -EFAULT, nothing changed.
 * - Reclaim: deleting every block leaves only the root; destroy frees all.
 * - Crash consistency: a reader looking through an attached tree at every
 *   allocation and free (as the next kernel would if this process died
 *   there) always walks without error and sees the state before or after.
 * - Walk order (largest order first, then ascending address), early stop,
 *   coalesced ranges across orders and leaves, and the statistics.
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

struct fx {
	unsigned int shift;
	struct kho_geometry geo;
	struct arena *arena;
	struct kho_radix_tree tree;
	struct model m;
	uint64_t limit; /* pfns are below this */
};

static void fx_init(struct fx *f, unsigned int shift, uint64_t phys_base)
{
	memset(f, 0, sizeof(*f));
	f->shift = shift;
	assert_int_equal(kho_geometry_init(&f->geo, shift), 0);
	f->limit = 1ULL << f->geo.order0_bit;
	f->arena = arena_create(shift, phys_base, 8192);
	assert_non_null(f->arena);
	assert_true(arena_scramble(f->arena, 0x1234));
	assert_int_equal(kho_radix_init(&f->tree, &f->geo, arena_ops(f->arena)),
			 0);
	model_init(&f->m, shift);
}

/* fx_init(), with the tree reaching its nodes through @p2v instead. */
static void fx_init_mapped(struct fx *f, unsigned int shift, uint64_t phys_base,
			   void *(*p2v)(void *ctx, uint64_t pa))
{
	struct kho_mem_ops ops;

	fx_init(f, shift, phys_base);
	kho_radix_destroy(&f->tree);
	ops = *arena_ops(f->arena);
	ops.phys_to_virt = p2v;
	assert_int_equal(kho_radix_init(&f->tree, &f->geo, &ops), 0);
}

static void fx_fini(struct fx *f)
{
	kho_radix_destroy(&f->tree);
	assert_int_equal(arena_live(f->arena), 0);
	assert_int_equal(arena_errors(f->arena), 0);
	arena_destroy(f->arena);
	model_free(&f->m);
}

static void fx_add(struct fx *f, uint64_t pfn, unsigned int order)
{
	assert_int_equal(kho_radix_add_page(&f->tree, pfn, order), 0);
	model_add(&f->m, pfn, order);
}

static int split_add(uint64_t pfn, unsigned int order, void *arg)
{
	model_add(arg, pfn, order);
	return 0;
}

static int split_del(uint64_t pfn, unsigned int order, void *arg)
{
	model_del(arg, pfn, order);
	return 0;
}

static uint64_t total_nodes(const struct model *m)
{
	uint64_t nodes[KHO_TREE_MAX_DEPTH];

	return model_nodes(m, nodes);
}

enum op { OP_PAGE, OP_RANGE, OP_BLOCKS };

static int call_op(struct fx *f, enum op op, uint64_t pfn, uint64_t arg,
		   unsigned int order)
{
	switch (op) {
	case OP_PAGE:
		return kho_radix_add_page(&f->tree, pfn, arg);
	case OP_RANGE:
		return kho_radix_add_range(&f->tree, pfn, arg);
	default:
		return kho_radix_add_blocks(&f->tree, pfn, arg, order);
	}
}

/*
 * Run an add (@op: add_page(pfn, order @arg), add_range(pfn, @arg pages) or
 * add_blocks(pfn, @arg blocks, @order)) with the n-th allocation failing,
 * for n = 1, 2, ... until the call no longer reaches the failure. Every
 * failed try must leave tree and arena as they were.
 * Return: the allocations the successful call made.
 */
static uint64_t inject_op(struct fx *f, enum op op, uint64_t pfn, uint64_t arg,
			  unsigned int order)
{
	static const char *const names[] = { "add", "add_range", "add_blocks" };
	uint64_t live = arena_live(f->arena), n;
	struct model after;
	char what[96];
	int ret;

	model_init(&after, f->shift);
	model_copy(&after, &f->m);
	if (op == OP_RANGE)
		model_split(pfn, arg, split_add, &after);
	else if (op == OP_PAGE)
		model_add(&after, pfn, arg);
	else
		model_add_blocks(&after, pfn, arg, order);

	for (n = 1;; n++) {
		arena_fail_nth(f->arena, n);
		ret = call_op(f, op, pfn, arg, order);
		if (arena_fail_pending(f->arena))
			break; /* fewer than n allocations: it succeeded */
		snprintf(what, sizeof(what),
			 "shift %u %s pfn 0x%llx, "
			 "allocation %llu failed",
			 f->shift, names[op], (unsigned long long)pfn,
			 (unsigned long long)n);
		if (ret != -ENOMEM)
			fail_msg("%s: returned %d", what, ret);
		model_assert_tree(&f->m, &f->tree, what);
		assert_int_equal(arena_live(f->arena), live);
		assert_int_equal(arena_errors(f->arena), 0);
	}
	arena_fail_nth(f->arena, 0);
	if (ret)
		fail_msg("shift %u %s pfn 0x%llx returned %d", f->shift,
			 names[op], (unsigned long long)pfn, ret);
	model_copy(&f->m, &after);
	model_free(&after);
	snprintf(what, sizeof(what),
		 "shift %u %s pfn 0x%llx done after %llu "
		 "failures",
		 f->shift, names[op], (unsigned long long)pfn,
		 (unsigned long long)(n - 1));
	model_assert_tree(&f->m, &f->tree, what);
	/* It allocated exactly the nodes that were missing. */
	assert_int_equal(arena_live(f->arena), live + n - 1);
	assert_int_equal(arena_live(f->arena), total_nodes(&f->m));
	return n - 1;
}

static uint64_t inject_every(struct fx *f, bool range, uint64_t pfn,
			     uint64_t arg)
{
	return inject_op(f, range ? OP_RANGE : OP_PAGE, pfn, arg, 0);
}

static void test_init_failure(void **state)
{
	struct kho_mem_ops ops;
	struct kho_radix_tree t;
	struct kho_geometry geo;
	struct arena *a;
	unsigned int s;

	for (s = 0; s < 3; s++) {
		assert_int_equal(kho_geometry_init(&geo, page_shifts[s]), 0);
		a = arena_create(page_shifts[s], 1ULL << 40, 16);
		assert_non_null(a);
		arena_fail_nth(a, 1);
		assert_int_equal(kho_radix_init(&t, &geo, arena_ops(a)),
				 -ENOMEM);
		assert_int_equal(arena_nr_injected(a), 1);
		assert_int_equal(arena_live(a), 0);
		/* A missing op or an impossible geometry is refused. */
		ops = *arena_ops(a);
		ops.alloc_page = NULL;
		assert_int_equal(kho_radix_init(&t, &geo, &ops), -EINVAL);
		ops = *arena_ops(a);
		ops.phys_to_virt = NULL;
		assert_int_equal(kho_radix_init(&t, &geo, &ops), -EINVAL);
		geo.depth--;
		assert_int_equal(kho_radix_init(&t, &geo, arena_ops(a)),
				 -EINVAL);
		assert_int_equal(arena_live(a), 0);
		/* Then it works: one page, the root. */
		assert_int_equal(kho_geometry_init(&geo, page_shifts[s]), 0);
		assert_int_equal(kho_radix_init(&t, &geo, arena_ops(a)), 0);
		assert_int_equal(arena_live(a), 1);
		assert_true(arena_is_live(a, kho_radix_root_phys(&t)));
		kho_radix_destroy(&t);
		assert_int_equal(arena_live(a), 0);
		assert_int_equal(arena_errors(a), 0);
		arena_destroy(a);
	}
}

static void test_add_alloc_failures(void **state)
{
	unsigned int s;

	for (s = 0; s < 3; s++) {
		unsigned int depth = model_depth(page_shifts[s]);
		uint64_t b, pfn;
		struct fx f;

		fx_init(&f, page_shifts[s], 0xfe00000000000000ULL);
		/* Empty tree: every level below the root is missing. */
		pfn = f.limit / 3 & ~0xfULL;
		assert_int_equal(inject_every(&f, false, pfn, 0), depth - 1);
		/* Same leaf: nothing to allocate. */
		assert_int_equal(inject_every(&f, false, pfn + 1, 0), 0);
		/* Present already: nothing either. */
		assert_int_equal(inject_every(&f, false, pfn, 0), 0);
		/* The neighbouring leaf: only the leaf. */
		b = 1ULL << f.geo.bitmap_bits;
		assert_int_equal(inject_every(&f, false, pfn + b, 0), 1);
		/* Order 1 (key bit order0_bit - 1): a root index of its own. */
		assert_int_equal(inject_every(&f, false, 2, 1), depth - 1);
		/* Another entry under the root's: shares the root only. */
		b = f.geo.bitmap_bits + (depth - 2) * f.geo.table_bits - 1;
		assert_int_equal(inject_every(&f, false, pfn ^ (1ULL << b), 0),
				 depth - 2);
		/* Address 0, and the highest valid order-0 block. */
		inject_every(&f, false, 0, 0);
		inject_every(&f, false, f.limit - 2, 0);
		/* Blocks of every order at the same address. */
		for (b = 1; b < f.geo.order0_bit; b++)
			inject_every(&f, false, 0, b);
		fx_fini(&f);
	}
}

static void test_add_range_alloc_failures(void **state)
{
	unsigned int s;

	for (s = 0; s < 3; s++) {
		uint64_t before, n, limit;
		struct fx f;

		fx_init(&f, page_shifts[s], 0x4000000000ULL);
		limit = f.limit;
		/* Orders 0..29 rising then falling: one path per order. */
		before = total_nodes(&f.m);
		n = inject_every(&f, true, 1, 1ULL << 30);
		assert_int_equal(n, total_nodes(&f.m) - before);
		assert_true(n >= 30);
		/* Order-0 blocks across a leaf boundary. */
		before = total_nodes(&f.m);
		n = inject_every(&f, true,
				 (limit / 2) + (1ULL << f.geo.bitmap_bits) - 5,
				 10);
		assert_int_equal(n, total_nodes(&f.m) - before);
		/*
		 * Blocks present before the range stay when it fails: add a
		 * few of the split's blocks, and others nearby, first.
		 */
		fx_add(&f, limit / 4 + 64, 6);
		fx_add(&f, limit / 4 + 3, 0);
		fx_add(&f, limit / 4 + 4096, 12);
		fx_add(&f, limit / 4 + 5, 0);
		before = total_nodes(&f.m);
		n = inject_every(&f, true, limit / 4 + 3, 1ULL << 16);
		assert_int_equal(n, total_nodes(&f.m) - before);
		assert_true(kho_radix_test_page(&f.tree, limit / 4 + 5, 0));
		/* The range at the top of the address space. */
		n = inject_every(&f, true, limit - 12345, 12344);
		/* A range that is all present already: no allocation. */
		assert_int_equal(inject_every(&f, true, 1, 1ULL << 30), 0);
		model_assert_tree(&f.m, &f.tree, "ranges");
		fx_fini(&f);
	}
}

/*
 * A failed add_range removes only what it added itself. [8, 8 + 2^20)
 * splits into 8/o3, 16/o4, 32/o5, ...; 16/o4 is there before, so a failure
 * after 8/o3 was added, or at any later block, must keep 16/o4 and drop
 * 8/o3 (inject_every() compares with the model after each failure).
 */
static void test_add_range_failure_keeps_old(void **state)
{
	struct fx f;
	uint64_t n;

	fx_init(&f, 12, 0x1000);
	fx_add(&f, 16, 4);
	fx_add(&f, 1ULL << 19, 19);
	n = inject_every(&f, true, 8, 1ULL << 20);
	assert_true(n > 8);
	assert_true(kho_radix_test_page(&f.tree, 16, 4));
	assert_true(kho_radix_test_page(&f.tree, 8, 3));
	/* Once more, every block there: nothing to allocate or undo. */
	assert_int_equal(inject_every(&f, true, 8, 1ULL << 20), 0);
	fx_fini(&f);
}

static void test_add_blocks_alloc_failures(void **state)
{
	unsigned int s, order;

	for (s = 0; s < 3; s++) {
		uint64_t before, n, lb, pfn;
		struct fx f;

		fx_init(&f, page_shifts[s], 0x2000000000ULL);
		lb = 1ULL << f.geo.bitmap_bits; /* keys per leaf */
		for (order = 0; order < 3; order++) {
			/* Leaf A ends 7 blocks after pfn, leaf B follows. */
			pfn = (f.limit / 3 >> (f.geo.bitmap_bits + order))
			      << (f.geo.bitmap_bits + order);
			pfn += (lb - 7) << order;
			/* A run across A and B, in an empty region. */
			before = total_nodes(&f.m);
			n = inject_op(&f, OP_BLOCKS, pfn, 30, order);
			assert_int_equal(n, total_nodes(&f.m) - before);
			/* Empty tree: a path below the root, one more leaf. */
			if (!order)
				assert_int_equal(n, model_depth(f.shift));
			/* Overlapping it, inside B: nothing new. */
			assert_int_equal(inject_op(&f, OP_BLOCKS,
						   pfn + (20 << order), 15,
						   order),
					 0);
			/* From the end of B into a new leaf C: only C. */
			assert_int_equal(inject_op(&f, OP_BLOCKS,
						   pfn + ((lb + 2) << order),
						   10, order),
					 1);
		}
		/* Spread far: a path of its own per run. */
		inject_op(&f, OP_BLOCKS, f.limit / 2 + 0x12340, 16, 4);
		inject_op(&f, OP_BLOCKS, f.limit - 64, 63, 0);
		model_assert_tree(&f.m, &f.tree, "add_blocks");
		fx_fini(&f);
	}
}

static void test_del_blocks_all_or_nothing(void **state)
{
	unsigned int s;

	for (s = 0; s < 3; s++) {
		uint64_t pfn, nr, live, lb;
		struct fx f;

		fx_init(&f, page_shifts[s], 0x300000000ULL);
		lb = 1ULL << f.geo.bitmap_bits;
		/* A run of order 1 across two leaves: keys lb - 5 .. lb + 4. */
		pfn = (f.limit / 7 >> (f.geo.bitmap_bits + 1)
					      << (f.geo.bitmap_bits + 1)) +
		      ((lb - 5) << 1);
		nr = 10;
		assert_int_equal(kho_radix_add_blocks(&f.tree, pfn, nr, 1), 0);
		model_add_blocks(&f.m, pfn, nr, 1);
		/* The last block of the run missing: nothing is deleted. */
		assert_int_equal(
			kho_radix_del_page(&f.tree, pfn + 2 * (nr - 1), 1), 0);
		model_del(&f.m, pfn + 2 * (nr - 1), 1);
		live = arena_live(f.arena);
		assert_int_equal(kho_radix_del_blocks(&f.tree, pfn, nr, 1),
				 -ENOENT);
		model_assert_tree(&f.m, &f.tree, "del_blocks refused");
		assert_int_equal(arena_live(f.arena), live);
		/* The same pages as order-0 blocks are not there. */
		assert_int_equal(kho_radix_del_blocks(&f.tree, pfn, 2, 0),
				 -ENOENT);
		/* One block fewer: everything goes, nodes too. */
		assert_int_equal(kho_radix_del_blocks(&f.tree, pfn, nr - 1, 1),
				 0);
		model_del_blocks(&f.m, pfn, nr - 1, 1);
		assert_int_equal(f.m.n, 0);
		model_assert_tree(&f.m, &f.tree, "del_blocks done");
		assert_int_equal(arena_live(f.arena), 1);
		fx_fini(&f);
	}
}

static void test_del_range_all_or_nothing(void **state)
{
	unsigned int s;

	for (s = 0; s < 3; s++) {
		uint64_t pfn, nr = 1000003, live;
		struct fx f;

		fx_init(&f, page_shifts[s], 0x100000000ULL);
		pfn = f.limit / 5;
		assert_int_equal(kho_radix_add_range(&f.tree, pfn, nr), 0);
		model_split(pfn, nr, split_add, &f.m);
		assert_true(f.m.n > 5);
		/* Remove one block in the middle of the split. */
		{
			struct model_block b = f.m.v[f.m.n / 2];

			assert_int_equal(kho_radix_del_page(&f.tree,
							    b.phys >> f.shift,
							    b.order),
					 0);
			model_del(&f.m, b.phys >> f.shift, b.order);
			live = arena_live(f.arena);
			assert_int_equal(kho_radix_del_range(&f.tree, pfn, nr),
					 -ENOENT);
			model_assert_tree(&f.m, &f.tree, "del_range refused");
			assert_int_equal(arena_live(f.arena), live);
			/* A different split of the same pages is absent. */
			assert_int_equal(
				kho_radix_del_range(&f.tree, pfn + 1, nr - 1),
				-ENOENT);
			model_assert_tree(&f.m, &f.tree, "del_range refused");
			assert_int_equal(kho_radix_add_page(&f.tree,
							    b.phys >> f.shift,
							    b.order),
					 0);
			model_add(&f.m, b.phys >> f.shift, b.order);
		}
		assert_int_equal(kho_radix_del_range(&f.tree, pfn, nr), 0);
		model_split(pfn, nr, split_del, &f.m);
		assert_int_equal(f.m.n, 0);
		model_assert_tree(&f.m, &f.tree, "del_range done");
		assert_int_equal(arena_live(f.arena), 1);
		assert_int_equal(kho_radix_del_range(&f.tree, pfn, nr),
				 -ENOENT);
		fx_fini(&f);
	}
}

/* phys_to_virt() that maps nothing while refuse_map is set. */
static bool refuse_map;

static void *refusing_phys_to_virt(void *ctx, uint64_t pa)
{
	if (refuse_map)
		return NULL;
	return arena_ops(ctx)->phys_to_virt(ctx, pa);
}

/*
 * A node of an owned tree that phys_to_virt() no longer maps: an add or a
 * delete that needs it returns -EFAULT and changes nothing, whether the
 * descent starts at the finger's level-1 table (the next leaf, read inline)
 * or at the root (the finger reset by that failure); once it maps again,
 * both work.
 */
static void test_unmapped_node(void **state)
{
	for (size_t s = 0; s < 3; s++) {
		struct fx f;
		uint64_t leaf_pages;

		fx_init_mapped(&f, page_shifts[s], 1ULL << 40,
			       refusing_phys_to_virt);
		leaf_pages = 1ULL << f.geo.bitmap_bits;
		/* Two leaves under one level-1 table; the finger on the first. */
		assert_int_equal(kho_radix_add_page(&f.tree, leaf_pages, 0), 0);
		assert_int_equal(kho_radix_add_page(&f.tree, 0, 0), 0);
		model_add(&f.m, leaf_pages, 0);
		model_add(&f.m, 0, 0);

		refuse_map = true;
		assert_int_equal(kho_radix_add_page(&f.tree, leaf_pages + 1, 0),
				 -EFAULT);
		assert_int_equal(kho_radix_add_page(&f.tree, leaf_pages + 2, 0),
				 -EFAULT);
		assert_int_equal(kho_radix_del_page(&f.tree, leaf_pages, 0),
				 -EFAULT);
		refuse_map = false;
		model_assert_tree(&f.m, &f.tree, "after -EFAULT");

		assert_int_equal(kho_radix_add_page(&f.tree, 1, 0), 0);
		assert_int_equal(kho_radix_add_page(&f.tree, leaf_pages + 1, 0),
				 0);
		model_add(&f.m, 1, 0);
		model_add(&f.m, leaf_pages + 1, 0);
		model_assert_tree(&f.m, &f.tree, "mapped again");
		fx_fini(&f);
	}
}

static void test_reclaim(void **state)
{
	unsigned int s;

	for (s = 0; s < 3; s++) {
		struct kho_radix_stats st;
		uint64_t seed = 77 + s, i;
		struct fx f;

		fx_init(&f, page_shifts[s], 0x8000000000000000ULL);
		/* Empty tree: the root alone. */
		assert_int_equal(kho_radix_get_stats(&f.tree, &st), 0);
		assert_int_equal(st.nr_nodes, 1);
		assert_int_equal(st.nodes[f.geo.depth - 1], 1);
		for (i = 0; i < 400; i++) {
			unsigned int order;
			uint64_t pfn;

			seed ^= seed << 13;
			seed ^= seed >> 7;
			seed ^= seed << 17;
			order = seed % 7 ? 0 : seed % 30;
			pfn = (i % 2 ? seed : seed % 100000) &
			      (f.limit / 2 - 1);
			fx_add(&f, pfn & ~((1ULL << order) - 1), order);
		}
		assert_int_equal(kho_radix_add_range(&f.tree, 12345, 67890), 0);
		model_split(12345, 67890, split_add, &f.m);
		model_assert_tree(&f.m, &f.tree, "full");
		assert_true(arena_live(f.arena) > 400);
		/* Delete in walk order: each delete frees what it empties. */
		while (f.m.n) {
			struct model_block b = f.m.v[f.m.n - 1];

			assert_int_equal(kho_radix_del_page(&f.tree,
							    b.phys >> f.shift,
							    b.order),
					 0);
			model_del(&f.m, b.phys >> f.shift, b.order);
			assert_int_equal(arena_live(f.arena),
					 total_nodes(&f.m));
			if (f.m.n % 50 == 0)
				model_assert_tree(&f.m, &f.tree, "deleting");
		}
		assert_int_equal(kho_radix_get_stats(&f.tree, &st), 0);
		assert_int_equal(st.nr_nodes, 1);
		assert_int_equal(st.nr_blocks, 0);
		assert_int_equal(arena_live(f.arena), 1);
		/* The root is the same page it was. */
		assert_true(
			arena_is_live(f.arena, kho_radix_root_phys(&f.tree)));
		/* A deleted block is gone for good. */
		assert_int_equal(kho_radix_del_page(&f.tree, 12345, 0),
				 -ENOENT);
		fx_fini(&f);
	}
}

struct visit {
	struct model_block v[64];
	unsigned int n;
	unsigned int stop_at; /* 1-based; 0: never */
	int stop_ret;
};

static int visit_cb(uint64_t phys, unsigned int order, void *arg)
{
	struct visit *v = arg;

	assert_true(v->n < 64);
	v->v[v->n].phys = phys;
	v->v[v->n].order = order;
	if (++v->n == v->stop_at)
		return v->stop_ret;
	return 0;
}

static int visit_range_cb(uint64_t start, uint64_t end, void *arg)
{
	struct visit *v = arg;

	assert_true(v->n < 64);
	v->v[v->n].phys = start;
	v->v[v->n].order = 0;
	if (++v->n == v->stop_at)
		return v->stop_ret;
	return 0;
}

static void test_walk_order(void **state)
{
	unsigned int s, i;

	for (s = 0; s < 3; s++) {
		/* Inserted out of order, in many orders and places. */
		static const struct {
			uint64_t pfn;
			unsigned int order;
		} b[] = {
			{ 0x100000, 0 }, { 0x40000, 18 }, { 3, 0 },
			{ 0, 0 },	 { 0x200, 9 },	  { 0x80000, 18 },
			{ 0x400, 9 },	 { 0, 9 },	  { 0xfff, 0 },
			{ 2, 1 },	 { 0, 1 },	  { 0x1000000000, 0 },
			{ 0x40, 6 },	 { 0, 30 },
		};
		struct visit v = { .n = 0 };
		struct fx f;

		fx_init(&f, page_shifts[s], 0x10000000);
		for (i = 0; i < sizeof(b) / sizeof(b[0]); i++)
			fx_add(&f, b[i].pfn, b[i].order);
		assert_int_equal(kho_radix_walk(&f.tree, visit_cb, &v), 0);
		assert_int_equal(v.n, f.m.n);
		for (i = 1; i < v.n; i++) {
			/* Largest order first, then ascending address. */
			assert_true(v.v[i - 1].order > v.v[i].order ||
				    (v.v[i - 1].order == v.v[i].order &&
				     v.v[i - 1].phys < v.v[i].phys));
		}
		assert_int_equal(v.v[0].order, 30);
		assert_int_equal(v.v[0].phys, 0);
		assert_int_equal(v.v[v.n - 1].order, 0);
		assert_int_equal(v.v[v.n - 1].phys, 0x1000000000ULL << f.shift);
		model_assert_tree(&f.m, &f.tree, "walk order");
		fx_fini(&f);
	}
}

static void test_walk_early_stop(void **state)
{
	static const int rets[] = { 42, -7, 1 };
	struct fx f;
	unsigned int k, r, nr_ranges;

	fx_init(&f, 12, 0x20000000);
	/* Ten blocks, five separate ranges. */
	for (k = 0; k < 5; k++) {
		fx_add(&f, k * 100, 0);
		fx_add(&f, k * 100 + 1, 0);
	}
	nr_ranges = 5;
	for (r = 0; r < 3; r++) {
		for (k = 1; k <= f.m.n; k++) {
			struct visit v = { .stop_at = k, .stop_ret = rets[r] };

			assert_int_equal(kho_radix_walk(&f.tree, visit_cb, &v),
					 rets[r]);
			assert_int_equal(v.n, k);
		}
		for (k = 1; k <= nr_ranges; k++) {
			struct visit v = { .stop_at = k, .stop_ret = rets[r] };

			assert_int_equal(kho_radix_walk_ranges(
						 &f.tree, visit_range_cb, &v),
					 rets[r]);
			assert_int_equal(v.n, k);
		}
	}
	/* A walk that is not stopped visits all and returns 0. */
	{
		struct visit v = { .stop_at = 0 };

		assert_int_equal(kho_radix_walk(&f.tree, visit_cb, &v), 0);
		assert_int_equal(v.n, f.m.n);
		v.n = 0;
		assert_int_equal(
			kho_radix_walk_ranges(&f.tree, visit_range_cb, &v), 0);
		assert_int_equal(v.n, nr_ranges);
	}
	/* The tree lock was released: the tree is usable. */
	fx_add(&f, 7, 0);
	model_assert_tree(&f.m, &f.tree, "after early stops");
	fx_fini(&f);
}

struct ranges {
	uint64_t start[16], end[16];
	unsigned int n;
};

static int range_cb(uint64_t start, uint64_t end, void *arg)
{
	struct ranges *r = arg;

	assert_true(r->n < 16);
	r->start[r->n] = start;
	r->end[r->n++] = end;
	return 0;
}

static void expect_ranges(struct fx *f, unsigned int n, const uint64_t *pfns)
{
	struct ranges r = { .n = 0 };
	unsigned int i;

	assert_int_equal(kho_radix_walk_ranges(&f->tree, range_cb, &r), 0);
	assert_int_equal(r.n, n);
	for (i = 0; i < n; i++) {
		assert_int_equal(r.start[i], pfns[2 * i] << f->shift);
		assert_int_equal(r.end[i], pfns[2 * i + 1] << f->shift);
	}
	model_assert_tree(&f->m, &f->tree, "ranges");
}

static void test_coalesced_ranges(void **state)
{
	unsigned int s;

	for (s = 0; s < 3; s++) {
		uint64_t lb;
		struct fx f;

		fx_init(&f, page_shifts[s], 0x40000000);
		lb = 1ULL << f.geo.bitmap_bits; /* order-0 keys per leaf */
		/* Orders 0, 1, 2, 3 end to end, but page 1 missing. */
		fx_add(&f, 0, 0);
		fx_add(&f, 2, 1);
		fx_add(&f, 4, 2);
		fx_add(&f, 8, 3);
		expect_ranges(&f, 2, (const uint64_t[]){ 0, 1, 2, 16 });
		fx_add(&f, 1, 0);
		expect_ranges(&f, 1, (const uint64_t[]){ 0, 16 });
		fx_add(&f, 32, 5);
		expect_ranges(&f, 2, (const uint64_t[]){ 0, 16, 32, 64 });
		fx_add(&f, 16, 4);
		expect_ranges(&f, 1, (const uint64_t[]){ 0, 64 });
		/* Overlap: a larger block around smaller ones. */
		fx_add(&f, 0, 7);
		expect_ranges(&f, 1, (const uint64_t[]){ 0, 128 });
		/* Order-0 blocks across a leaf boundary are one range. */
		fx_add(&f, lb - 1, 0);
		fx_add(&f, lb, 0);
		fx_add(&f, lb + 1, 0);
		expect_ranges(&f, 2,
			      (const uint64_t[]){ 0, 128, lb - 1, lb + 2 });
		/* A run of set bits filling a whole leaf and going on. */
		assert_int_equal(kho_radix_add_range(&f.tree, 4 * lb, lb + 3),
				 0);
		model_split(4 * lb, lb + 3, split_add, &f.m);
		assert_int_equal(
			kho_radix_add_range(&f.tree, 8 * lb + 1, 2 * lb), 0);
		model_split(8 * lb + 1, 2 * lb, split_add, &f.m);
		expect_ranges(&f, 4,
			      (const uint64_t[]){ 0, 128, lb - 1, lb + 2,
						  4 * lb, 5 * lb + 3,
						  8 * lb + 1, 10 * lb + 1 });
		/* Removing the middle of a block's neighbours splits again. */
		assert_int_equal(kho_radix_del_page(&f.tree, 0, 7), 0);
		model_del(&f.m, 0, 7);
		assert_int_equal(kho_radix_del_page(&f.tree, 16, 4), 0);
		model_del(&f.m, 16, 4);
		expect_ranges(&f, 5,
			      (const uint64_t[]){ 0, 16, 32, 64, lb - 1, lb + 2,
						  4 * lb, 5 * lb + 3,
						  8 * lb + 1, 10 * lb + 1 });
		/* The highest pages of the address space. */
		assert_int_equal(
			kho_radix_add_range(&f.tree, f.limit - 100, 99), 0);
		model_split(f.limit - 100, 99, split_add, &f.m);
		expect_ranges(&f, 6,
			      (const uint64_t[]){ 0, 16, 32, 64, lb - 1, lb + 2,
						  4 * lb, 5 * lb + 3,
						  8 * lb + 1, 10 * lb + 1,
						  f.limit - 100, f.limit - 1 });
		fx_fini(&f);
	}
}

static void test_stats(void **state)
{
	struct kho_radix_stats st;
	struct fx f;
	unsigned int i;

	fx_init(&f, 12, 0x7000000000ULL);
	assert_int_equal(kho_radix_get_stats(&f.tree, &st), 0);
	for (i = 0; i < 5; i++)
		assert_int_equal(st.nodes[i], 0);
	assert_int_equal(st.nodes[5], 1);
	assert_int_equal(st.nr_nodes, 1);
	assert_int_equal(st.bytes, 4096);
	assert_int_equal(st.nr_blocks, 0);
	assert_int_equal(st.preserved_bytes, 0);

	/* 0x0 and 0x1000 share one path of five new nodes. */
	fx_add(&f, 0, 0);
	fx_add(&f, 1, 0);
	/* 2 MiB at 2 MiB: key (1 << 43) | 1, another root index. */
	fx_add(&f, 0x200, 9);
	assert_int_equal(kho_radix_get_stats(&f.tree, &st), 0);
	for (i = 0; i < 5; i++)
		assert_int_equal(st.nodes[i], 2);
	assert_int_equal(st.nodes[5], 1);
	assert_int_equal(st.nr_nodes, 11);
	assert_int_equal(st.bytes, 11 * 4096);
	assert_int_equal(st.blocks[0], 2);
	assert_int_equal(st.blocks[9], 1);
	assert_int_equal(st.nr_blocks, 3);
	assert_int_equal(st.preserved_bytes, 2 * 4096 + (2 << 20));

	/*
	 * 1 GiB at 1 GiB: key (1 << 34) | 1. It shares the root's entry 0
	 * and the level-4 node under it with the 2 MiB block (key bits 59:51
	 * are 0 for both), then takes entry 0 there (bits 50:42) where the
	 * 2 MiB block took entry 2: four new nodes below level 4.
	 */
	fx_add(&f, 0x40000, 18);
	assert_int_equal(kho_radix_get_stats(&f.tree, &st), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(st.nodes[i], 3);
	assert_int_equal(st.nodes[4], 2);
	assert_int_equal(st.nodes[5], 1);
	assert_int_equal(st.nr_nodes, 15);
	assert_int_equal(arena_live(f.arena), 15);
	assert_int_equal(st.blocks[18], 1);
	assert_int_equal(st.nr_blocks, 4);
	assert_int_equal(st.preserved_bytes,
			 2 * 4096 + (2 << 20) + (1ULL << 30));
	model_assert_tree(&f.m, &f.tree, "stats");
	/* Every order counted in its own slot. */
	for (i = 0; i < f.geo.order0_bit; i++)
		fx_add(&f, 0, i);
	assert_int_equal(kho_radix_get_stats(&f.tree, &st), 0);
	for (i = 0; i < f.geo.order0_bit; i++)
		assert_int_equal(st.blocks[i],
				 1 + (i == 0) + (i == 9) + (i == 18));
	model_assert_tree(&f.m, &f.tree, "every order");
	fx_fini(&f);
}

static int count_blocks_cb(uint64_t phys, unsigned int order, void *arg)
{
	(*(uint64_t *)arg)++;
	return 0;
}

/*
 * Runs of set bits longer than a leaf: whole leaves full, the run going on
 * into the next; the walk visits every block, once, and the ranges walk
 * gives one range; an early stop in the middle of a full word works.
 */
static void test_long_runs(void **state)
{
	unsigned int s;

	for (s = 0; s < 3; s++) {
		uint64_t lb, pfn, nr, n = 0;
		struct ranges r = { .n = 0 };
		struct visit v = { .stop_at = 60, .stop_ret = 5 };
		struct fx f;

		fx_init(&f, page_shifts[s], 0x500000000ULL);
		lb = 1ULL << f.geo.bitmap_bits;
		pfn = f.limit / 4 + lb - 5;
		nr = (s == 2 ? 1 : 2) * lb + 10;
		assert_int_equal(kho_radix_add_blocks(&f.tree, pfn, nr, 0), 0);
		model_add_blocks(&f.m, pfn, nr, 0);
		assert_int_equal(kho_radix_walk(&f.tree, count_blocks_cb, &n),
				 0);
		assert_int_equal(n, nr);
		assert_int_equal(kho_radix_walk_ranges(&f.tree, range_cb, &r),
				 0);
		assert_int_equal(r.n, 1);
		assert_int_equal(r.start[0], pfn << f.shift);
		assert_int_equal(r.end[0], (pfn + nr) << f.shift);
		assert_int_equal(kho_radix_walk(&f.tree, visit_cb, &v), 5);
		assert_int_equal(v.n, 60);
		assert_int_equal(v.v[59].phys, (pfn + 59) << f.shift);
		model_assert_tree(&f.m, &f.tree, "long run");
		/* A hole in the middle leaf splits it in two. */
		assert_int_equal(kho_radix_del_page(&f.tree, pfn + lb, 0), 0);
		model_del(&f.m, pfn + lb, 0);
		r.n = 0;
		assert_int_equal(kho_radix_walk_ranges(&f.tree, range_cb, &r),
				 0);
		assert_int_equal(r.n, 2);
		assert_int_equal(r.end[0], (pfn + lb) << f.shift);
		assert_int_equal(r.start[1], (pfn + lb + 1) << f.shift);
		assert_int_equal(kho_radix_del_blocks(&f.tree, pfn, lb, 0), 0);
		model_del_blocks(&f.m, pfn, lb, 0);
		model_assert_tree(&f.m, &f.tree, "long run, head deleted");
		fx_fini(&f);
	}
}

/*
 * A reader that looks at the tree at every allocation and every free of an
 * add or a delete, through a second (attached) tree struct, as the next
 * kernel would if this process died right there. The tree must always walk
 * without error (a node is linked only once it is ready, unlinked before
 * it is freed), and show a state between the one before the call and the
 * one after it.
 */
struct observer {
	unsigned int shift;
	struct kho_radix_tree att;
	const struct model *lower, *upper; /* seen: lower <= seen <= upper */
	uint64_t nr_looks;
	char err[200];
};

static void observe(void *arg, int event)
{
	struct observer *o = arg;
	struct model seen;
	size_t i;
	int ret;

	if (o->err[0] || !o->lower)
		return;
	o->nr_looks++;
	model_init(&seen, o->shift);
	ret = model_from_walk(&seen, &o->att);
	if (ret) {
		snprintf(o->err, sizeof(o->err), "at a%s, the walk failed: %d",
			 event == ARENA_EVENT_ALLOC ? "n allocation" : " free",
			 ret);
		goto out;
	}
	for (i = 0; i < seen.n; i++)
		if (!model_has(o->upper, seen.v[i].phys >> o->shift,
			       seen.v[i].order))
			snprintf(o->err, sizeof(o->err),
				 "at a%s, the walk "
				 "shows phys 0x%llx order %u, neither before "
				 "nor after",
				 event == ARENA_EVENT_ALLOC ? "n allocation" :
							      " free",
				 (unsigned long long)seen.v[i].phys,
				 seen.v[i].order);
	for (i = 0; i < o->lower->n; i++)
		if (!model_has(&seen, o->lower->v[i].phys >> o->shift,
			       o->lower->v[i].order))
			snprintf(o->err, sizeof(o->err),
				 "at a%s, the walk "
				 "misses phys 0x%llx order %u",
				 event == ARENA_EVENT_ALLOC ? "n allocation" :
							      " free",
				 (unsigned long long)o->lower->v[i].phys,
				 o->lower->v[i].order);
out:
	model_free(&seen);
}

enum crash_op { C_ADD, C_DEL, C_RANGE, C_DEL_RANGE, C_BLOCKS, C_DEL_BLOCKS };

/* One call with the reader watching; allocation @fail_nth fails (0: none). */
static void watched(struct fx *f, struct observer *o, enum crash_op op,
		    uint64_t pfn, uint64_t n, unsigned int order,
		    uint64_t fail_nth)
{
	struct model after;
	int ret = 0;

	model_init(&after, f->shift);
	model_copy(&after, &f->m);
	switch (op) {
	case C_ADD:
		model_add(&after, pfn, order);
		break;
	case C_DEL:
		model_del(&after, pfn, order);
		break;
	case C_RANGE:
		model_split(pfn, n, split_add, &after);
		break;
	case C_DEL_RANGE:
		model_split(pfn, n, split_del, &after);
		break;
	case C_BLOCKS:
		model_add_blocks(&after, pfn, n, order);
		break;
	case C_DEL_BLOCKS:
		model_del_blocks(&after, pfn, n, order);
		break;
	}
	if (op == C_ADD || op == C_RANGE || op == C_BLOCKS) {
		o->lower = &f->m;
		o->upper = &after;
	} else {
		o->lower = &after;
		o->upper = &f->m;
	}
	arena_fail_nth(f->arena, fail_nth);
	switch (op) {
	case C_ADD:
		ret = kho_radix_add_page(&f->tree, pfn, order);
		break;
	case C_DEL:
		ret = kho_radix_del_page(&f->tree, pfn, order);
		break;
	case C_RANGE:
		ret = kho_radix_add_range(&f->tree, pfn, n);
		break;
	case C_DEL_RANGE:
		ret = kho_radix_del_range(&f->tree, pfn, n);
		break;
	case C_BLOCKS:
		ret = kho_radix_add_blocks(&f->tree, pfn, n, order);
		break;
	case C_DEL_BLOCKS:
		ret = kho_radix_del_blocks(&f->tree, pfn, n, order);
		break;
	}
	o->lower = o->upper = NULL;
	if (o->err[0])
		fail_msg("shift %u op %d pfn 0x%llx (allocation %llu failing): "
			 "%s",
			 f->shift, op, (unsigned long long)pfn,
			 (unsigned long long)fail_nth, o->err);
	if (!ret)
		model_copy(&f->m, &after);
	else if (ret != -ENOMEM || !fail_nth)
		fail_msg("shift %u op %d pfn 0x%llx returned %d", f->shift, op,
			 (unsigned long long)pfn, ret);
	arena_fail_nth(f->arena, 0);
	model_free(&after);
	model_assert_tree(&f->m, &f->tree, "watched");
}

static void test_crash_consistency(void **state)
{
	unsigned int s, k;

	for (s = 0; s < 3; s++) {
		struct observer o;
		struct fx f;
		uint64_t lb, q;

		fx_init(&f, page_shifts[s], 0x8000000000ULL);
		memset(&o, 0, sizeof(o));
		o.shift = f.shift;
		assert_int_equal(kho_radix_attach(&o.att, &f.geo,
						  arena_ops(f.arena),
						  kho_radix_root_phys(&f.tree)),
				 0);
		arena_set_hook(f.arena, observe, &o);
		lb = 1ULL << f.geo.bitmap_bits;
		q = f.limit / 4;
		/* Fail each allocation in turn, then let it succeed. */
		for (k = 1; k <= 8; k++) {
			watched(&f, &o, C_ADD, q + 3, 0, 0, k);
			watched(&f, &o, C_RANGE, 2 * q + 1, 1000, 0, k);
			watched(&f, &o, C_BLOCKS, 3 * q + lb - 3, 10, 0, k);
		}
		watched(&f, &o, C_ADD, q + 3, 0, 0, 0);
		watched(&f, &o, C_RANGE, 2 * q + 1, 1000, 0, 0);
		watched(&f, &o, C_BLOCKS, 3 * q + lb - 3, 10, 0, 0);
		watched(&f, &o, C_ADD, 5, 0, 0, 0);
		watched(&f, &o, C_ADD, 1ULL << 30, 0, 30, 0);
		/* Deletes that empty nodes: every free is watched. */
		watched(&f, &o, C_DEL, q + 3, 0, 0, 0);
		watched(&f, &o, C_DEL_RANGE, 2 * q + 1, 1000, 0, 0);
		watched(&f, &o, C_DEL_BLOCKS, 3 * q + lb - 3, 10, 0, 0);
		watched(&f, &o, C_DEL, 1ULL << 30, 0, 30, 0);
		watched(&f, &o, C_DEL, 5, 0, 0, 0);
		assert_int_equal(f.m.n, 0);
		assert_true(o.nr_looks > 50);
		arena_set_hook(f.arena, NULL, NULL);
		kho_radix_destroy(&o.att);
		assert_int_equal(arena_live(f.arena), 1);
		fx_fini(&f);
	}
}

static unsigned int nr_warnings;

static void count_warning(const char *file, int line, const char *what)
{
	nr_warnings++;
}

/*
 * A call no correct caller makes (misaligned block, empty run) is loud
 * through kho_warn_hook and still returns its error; an ordinary outcome
 * (absent block, present block) is not.
 */
static void test_impossible_arguments_warn(void **state)
{
	struct fx f;

	fx_init(&f, 14, 0x1000000);
	fx_add(&f, 0x40, 6);
	kho_warn_hook = count_warning;
	nr_warnings = 0;
	assert_int_equal(kho_radix_add_page(&f.tree, 0x41, 6), -EINVAL);
	assert_int_equal(nr_warnings, 1);
	assert_int_equal(kho_radix_del_page(&f.tree, 0x60, 6), -EINVAL);
	assert_int_equal(nr_warnings, 2);
	assert_int_equal(kho_radix_add_range(&f.tree, 0x40, 0), -EINVAL);
	assert_int_equal(nr_warnings, 3);
	assert_int_equal(kho_radix_del_range(&f.tree, 0x40, 0), -EINVAL);
	assert_int_equal(nr_warnings, 4);
	assert_int_equal(kho_radix_add_blocks(&f.tree, 0x40, 0, 6), -EINVAL);
	assert_int_equal(nr_warnings, 5);
	assert_int_equal(kho_radix_add_blocks(&f.tree, 0x41, 2, 6), -EINVAL);
	assert_int_equal(nr_warnings, 6);
	nr_warnings = 0;
	assert_int_equal(kho_radix_add_page(&f.tree, 0x40, 6), 0);
	assert_int_equal(kho_radix_del_page(&f.tree, 0x80, 6), -ENOENT);
	assert_int_equal(kho_radix_del_range(&f.tree, 0x1000, 5), -ENOENT);
	assert_false(kho_radix_test_page(&f.tree, 0x80, 6));
	assert_int_equal(nr_warnings, 0);
	kho_warn_hook = NULL;
	model_assert_tree(&f.m, &f.tree, "after refused calls");
	fx_fini(&f);
}

/* phys_to_virt() that fails once, at call map_fail_at (0: never). */
static uint64_t map_calls, map_fail_at;

static void *failing_phys_to_virt(void *ctx, uint64_t pa)
{
	if (map_fail_at && ++map_calls == map_fail_at)
		return NULL;
	return arena_ops(ctx)->phys_to_virt(ctx, pa);
}

struct range_log {
	uint64_t *start, *end;
	size_t n, cap;
	size_t stop_at; /* 1-based; 0: never */
};

static int log_range(uint64_t start, uint64_t end, void *arg)
{
	struct range_log *l = arg;

	assert_true(l->n < l->cap);
	l->start[l->n] = start;
	l->end[l->n] = end;
	if (++l->n == l->stop_at)
		return -ECANCELED;
	return 0;
}

static int count_block(uint64_t phys, unsigned int order, void *arg)
{
	(*(uint64_t *)arg)++;
	return 0;
}

/*
 * A tree of several orders whose runs cross leaves: order-0 pages spread
 * over three leaves with runs across both boundaries, order-1 blocks whose
 * run crosses an order-1 leaf boundary, order-3 blocks in between.
 */
static void multi_order_tree(struct fx *f)
{
	const uint64_t lb = 1ULL << f->geo.bitmap_bits;
	uint64_t p;

	for (p = 0; p < 3 * lb; p += lb / 64)
		fx_add(f, p + 5 * (p / (lb / 64) % 3), 0);
	for (p = lb - 3; p < lb + 3; p++)
		fx_add(f, p, 0);
	for (p = 2 * lb - 3; p < 2 * lb + 3; p++)
		fx_add(f, p, 0);
	for (p = 4 * lb - 8; p < 4 * lb + 8; p += 2)
		fx_add(f, p, 1);
	for (p = 24; p < 3 * lb; p += lb / 16)
		fx_add(f, p, 3);
}

/*
 * The range walk of @f stopped at every range: the callback's return comes
 * back at once, after exactly that many calls, and the ranges reported are
 * the model's first ones.
 */
static void stop_at_every_range(struct fx *f)
{
	struct model_range *want;
	struct range_log l = { 0 };
	size_t n, k, i;

	n = model_ranges(&f->m, &want);
	l.cap = n;
	l.start = calloc(n, sizeof(*l.start));
	l.end = calloc(n, sizeof(*l.end));
	assert_non_null(l.start);
	assert_non_null(l.end);
	for (k = 1; k <= n; k++) {
		l.n = 0;
		l.stop_at = k;
		assert_int_equal(kho_radix_walk_ranges(&f->tree, log_range, &l),
				 -ECANCELED);
		assert_int_equal(l.n, k);
		for (i = 0; i < k; i++) {
			assert_int_equal(l.start[i], want[i].start);
			assert_int_equal(l.end[i], want[i].end);
		}
	}
	free(l.start);
	free(l.end);
	free(want);
}

/*
 * Early stops of range walks over several orders. The lowest order's runs
 * are merged one by one while another order has a run among them, and
 * handed over a buffer at a time once none has: with 1 to 40 order-3 blocks
 * among the first order-0 pages, the ranges merged one by one before the
 * first whole buffer fall on each place of the merge's batch of finished
 * ranges, so a stop comes from each of the places that hand ranges over.
 */
static void test_ranges_early_stop(void **state)
{
	struct fx f;

	for (size_t s = 0; s < 3; s++) {
		fx_init(&f, page_shifts[s], 1ULL << 40);
		multi_order_tree(&f);
		assert_true(f.m.n > 2 * 32);
		stop_at_every_range(&f);
		fx_fini(&f);
	}
	for (uint64_t j = 1; j <= 40; j++) {
		fx_init(&f, 12, 1ULL << 40);
		for (uint64_t i = 0; i < 300; i++)
			fx_add(&f, 32 * i, 0);
		for (uint64_t i = 0; i < j; i++)
			fx_add(&f, 32 * i + 16, 3);
		stop_at_every_range(&f);
		fx_fini(&f);
	}
}

/*
 * The walks of a tree whose nodes phys_to_virt() fails to map, at each of
 * its calls in turn (as a reader of another kernel's memory may fail): the
 * walk returns -EFAULT, and what it reported before is what a walk without
 * the failure reports first; once no call fails, the whole tree.
 */
static void test_walk_map_failures(void **state)
{
	for (size_t s = 0; s < 3; s++) {
		struct model_range *want;
		struct range_log l = { 0 };
		struct fx f;
		uint64_t fail, blocks;
		size_t n, i;
		int ret;

		fx_init_mapped(&f, page_shifts[s], 1ULL << 40,
			       failing_phys_to_virt);
		multi_order_tree(&f);
		n = model_ranges(&f.m, &want);
		l.cap = n;
		l.start = calloc(n, sizeof(*l.start));
		l.end = calloc(n, sizeof(*l.end));
		assert_non_null(l.start);
		assert_non_null(l.end);
		for (fail = 1;; fail++) {
			l.n = 0;
			map_calls = 0;
			map_fail_at = fail;
			ret = kho_radix_walk_ranges(&f.tree, log_range, &l);
			for (i = 0; i < l.n; i++) {
				assert_int_equal(l.start[i], want[i].start);
				assert_int_equal(l.end[i], want[i].end);
			}
			if (map_calls < fail)
				break;
			assert_int_equal(ret, -EFAULT);
			assert_true(l.n < n);
		}
		assert_int_equal(ret, 0);
		assert_int_equal(l.n, n);
		/* the block walk: -EFAULT, or (past its last map) all */
		for (fail = 1;; fail++) {
			blocks = 0;
			map_calls = 0;
			map_fail_at = fail;
			ret = kho_radix_walk(&f.tree, count_block, &blocks);
			if (map_calls < fail)
				break;
			assert_int_equal(ret, -EFAULT);
			assert_true(blocks < f.m.n);
		}
		assert_int_equal(ret, 0);
		assert_int_equal(blocks, f.m.n);
		map_fail_at = 0;
		model_assert_tree(&f.m, &f.tree, "after map failures");
		free(l.start);
		free(l.end);
		free(want);
		fx_fini(&f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_failure),
		cmocka_unit_test(test_add_alloc_failures),
		cmocka_unit_test(test_add_range_alloc_failures),
		cmocka_unit_test(test_add_range_failure_keeps_old),
		cmocka_unit_test(test_add_blocks_alloc_failures),
		cmocka_unit_test(test_del_blocks_all_or_nothing),
		cmocka_unit_test(test_del_range_all_or_nothing),
		cmocka_unit_test(test_unmapped_node),
		cmocka_unit_test(test_reclaim),
		cmocka_unit_test(test_walk_order),
		cmocka_unit_test(test_walk_early_stop),
		cmocka_unit_test(test_coalesced_ranges),
		cmocka_unit_test(test_ranges_early_stop),
		cmocka_unit_test(test_walk_map_failures),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_long_runs),
		cmocka_unit_test(test_crash_consistency),
		cmocka_unit_test(test_impossible_arguments_warn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
