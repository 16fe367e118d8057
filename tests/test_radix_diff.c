// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_radix_diff.c - the tree behaves as a sorted set of blocks.
 *
 * Long random sequences (fixed xorshift seeds) of add, del, test, add_range,
 * del_range, add_blocks and del_blocks run on a tree and on the model
 * (tests/lib/model.c) side by side, for 4 KiB, 16 KiB and 64 KiB pages, with
 * addresses spread over the whole 64-bit space and clustered in a few leaves,
 * on an arena whose physical frames are shuffled. Every return code is
 * checked against the model (0 for a block already present, -ENOENT for an
 * absent one, -EINVAL for a misaligned pfn, -ERANGE for a block that does not
 * end below 2^64); at checkpoints the walk, the coalesced ranges, the
 * statistics and the arena's live pages must match the model exactly, which
 * also proves that every emptied node was reclaimed. The 16 KiB runs include
 * pairs of blocks whose keys differ only in bit 50, which a tree of the
 * miscounted depth (4 levels) would store in the same bit.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <kho/radix.h>

#include "lib/arena.h"
#include "lib/model.h"

#define NR_CLUSTERS 6
#define MAX_RANGES 128
/* Blocks in the model before the sequence turns to deleting for a while. */
#define MAX_BLOCKS 30000

struct run {
	unsigned int shift;
	unsigned int order0; /* order0_bit: pfns are below 2^order0 */
	struct kho_geometry geo;
	struct arena *arena;
	struct kho_radix_tree tree;
	struct model m;
	uint64_t seed;
	uint64_t budget; /* arena pages before draining */
	bool draining;
	unsigned int spread_pct; /* how often an address is spread */
	uint64_t cluster[NR_CLUSTERS]; /* pfns */
	/* runs added: order < 0 for add_range, else add_blocks' order */
	struct {
		uint64_t pfn, nr;
		int order;
	} ranges[MAX_RANGES];
	unsigned int nr_ranges;
	/* what happened, to prove that every path was taken */
	uint64_t nr_add_new, nr_add_dup, nr_del, nr_del_absent, nr_test_hit;
	uint64_t nr_range_add, nr_range_del, nr_range_del_absent;
	uint64_t nr_blocks_add, nr_blocks_del, nr_blocks_del_absent;
	uint64_t nr_einval, nr_erange, nr_collider;
};

static uint64_t rnd(struct run *r)
{
	uint64_t x = r->seed;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return r->seed = x;
}

static uint64_t rnd_below(struct run *r, uint64_t n)
{
	return n ? rnd(r) % n : 0;
}

static uint64_t pfn_limit(const struct run *r)
{
	return 1ULL << r->order0;
}

/* What the tree must answer for a block, from the contract alone. */
static int expect_block(const struct run *r, uint64_t pfn, unsigned int order)
{
	if (order >= r->order0)
		return -ERANGE;
	if (pfn & ((1ULL << order) - 1))
		return -EINVAL;
	/* The block must end below 2^64. */
	if (pfn >= pfn_limit(r) || pfn_limit(r) - pfn <= 1ULL << order)
		return -ERANGE;
	return 0;
}

static int expect_range(const struct run *r, uint64_t pfn, uint64_t nr)
{
	if (!nr)
		return -EINVAL;
	if (pfn >= pfn_limit(r) || pfn_limit(r) - pfn <= nr)
		return -ERANGE;
	return 0;
}

/* kho_radix_add_blocks(): every block valid, the last ending below 2^64. */
static int expect_blocks(const struct run *r, uint64_t pfn, uint64_t nr,
			 unsigned int order)
{
	int ret;

	if (!nr)
		return -EINVAL;
	ret = expect_block(r, pfn, order);
	if (ret)
		return ret;
	if (nr > (pfn_limit(r) - pfn - 1) >> order)
		return -ERANGE;
	return 0;
}

static unsigned int rnd_order(struct run *r)
{
	uint64_t p = rnd_below(r, 100);

	if (p < 55)
		return 0;
	if (p < 80)
		return 1 + rnd_below(r, 9);
	if (p < 95)
		return 10 + rnd_below(r, 16);
	return 26 + rnd_below(r, r->order0 - 26);
}

/* A page frame, spread over the whole space or near a cluster. */
static uint64_t rnd_pfn(struct run *r)
{
	uint64_t pfn;

	if (rnd_below(r, 100) < r->spread_pct)
		return rnd(r) & (pfn_limit(r) - 1);
	/* A few leaves' worth of keys around the cluster base. */
	pfn = r->cluster[rnd_below(r, NR_CLUSTERS)] +
	      rnd_below(r, 1ULL << (r->geo.bitmap_bits + 1));
	return pfn & (pfn_limit(r) - 1);
}

/* A valid block: aligned, ending below 2^64. */
static void rnd_block(struct run *r, uint64_t *pfn, unsigned int *order)
{
	for (;;) {
		*order = rnd_order(r);
		*pfn = rnd_pfn(r) & ~((1ULL << *order) - 1);
		if (!expect_block(r, *pfn, *order))
			return;
	}
}

/*
 * The block whose key is the order-0 key of @pfn without its order bit
 * (bit order0): with a tree one level short both land on the same bit.
 * Return false when there is none (pfn 0, or it would not be valid).
 */
static bool collider(const struct run *r, uint64_t pfn, uint64_t *cpfn,
		     unsigned int *corder)
{
	unsigned int top;

	if (!pfn || pfn >= pfn_limit(r))
		return false;
	top = 63 - __builtin_clzll(pfn);
	*corder = r->order0 - top;
	*cpfn = (pfn ^ (1ULL << top)) << *corder;
	return expect_block(r, *cpfn, *corder) == 0;
}

static void check_test(struct run *r, uint64_t pfn, unsigned int order)
{
	bool want =
		!expect_block(r, pfn, order) && model_has(&r->m, pfn, order);
	bool got = kho_radix_test_page(&r->tree, pfn, order);

	if (got != want)
		fail_msg("shift %u: test pfn 0x%llx order %u: %d, model %d",
			 r->shift, (unsigned long long)pfn, order, got, want);
	if (got)
		r->nr_test_hit++;
}

static void do_add(struct run *r, uint64_t pfn, unsigned int order)
{
	int want = expect_block(r, pfn, order);
	int ret = kho_radix_add_page(&r->tree, pfn, order);

	if (ret != want)
		fail_msg("shift %u: add pfn 0x%llx order %u returned %d, "
			 "expected %d",
			 r->shift, (unsigned long long)pfn, order, ret, want);
	if (ret == -EINVAL)
		r->nr_einval++;
	if (ret == -ERANGE)
		r->nr_erange++;
	if (ret)
		return;
	if (model_add(&r->m, pfn, order))
		r->nr_add_new++;
	else
		r->nr_add_dup++;
	check_test(r, pfn, order);
}

static void do_del(struct run *r, uint64_t pfn, unsigned int order)
{
	int want = expect_block(r, pfn, order);
	int ret;

	if (!want && !model_has(&r->m, pfn, order))
		want = -ENOENT;
	ret = kho_radix_del_page(&r->tree, pfn, order);
	if (ret != want)
		fail_msg("shift %u: del pfn 0x%llx order %u returned %d, "
			 "expected %d",
			 r->shift, (unsigned long long)pfn, order, ret, want);
	if (ret == -ENOENT)
		r->nr_del_absent++;
	if (ret)
		return;
	model_del(&r->m, pfn, order);
	r->nr_del++;
	check_test(r, pfn, order);
}

static int split_has(uint64_t pfn, unsigned int order, void *arg)
{
	return !model_has(arg, pfn, order);
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

static void remember_run(struct run *r, uint64_t pfn, uint64_t nr, int order)
{
	unsigned int i = r->nr_ranges < MAX_RANGES ? r->nr_ranges++ :
						     rnd_below(r, MAX_RANGES);

	r->ranges[i].pfn = pfn;
	r->ranges[i].nr = nr;
	r->ranges[i].order = order;
}

static void do_add_blocks(struct run *r, uint64_t pfn, uint64_t nr,
			  unsigned int order)
{
	int want = expect_blocks(r, pfn, nr, order);
	int ret = kho_radix_add_blocks(&r->tree, pfn, nr, order);

	if (ret != want)
		fail_msg("shift %u: add_blocks pfn 0x%llx nr 0x%llx order %u "
			 "returned %d, expected %d",
			 r->shift, (unsigned long long)pfn,
			 (unsigned long long)nr, order, ret, want);
	if (ret)
		return;
	model_add_blocks(&r->m, pfn, nr, order);
	r->nr_blocks_add++;
	remember_run(r, pfn, nr, order);
	check_test(r, pfn, order);
	check_test(r, pfn + ((nr - 1) << order), order);
}

static void do_del_blocks(struct run *r, uint64_t pfn, uint64_t nr,
			  unsigned int order)
{
	int want = expect_blocks(r, pfn, nr, order);
	int ret;

	/* All or nothing, like del_range. */
	if (!want && !model_has_blocks(&r->m, pfn, nr, order))
		want = -ENOENT;
	ret = kho_radix_del_blocks(&r->tree, pfn, nr, order);
	if (ret != want)
		fail_msg("shift %u: del_blocks pfn 0x%llx nr 0x%llx order %u "
			 "returned %d, expected %d",
			 r->shift, (unsigned long long)pfn,
			 (unsigned long long)nr, order, ret, want);
	if (ret == -ENOENT)
		r->nr_blocks_del_absent++;
	if (ret)
		return;
	model_del_blocks(&r->m, pfn, nr, order);
	r->nr_blocks_del++;
	check_test(r, pfn, order);
}

/* Delete the run of present blocks that starts at a random model block. */
static void del_present_run(struct run *r)
{
	struct model_block b;
	uint64_t pfn, nr = 1;

	if (!r->m.n)
		return;
	b = r->m.v[rnd_below(r, r->m.n)];
	pfn = b.phys >> r->shift;
	while (nr < 5000 && !expect_block(r, pfn + (nr << b.order), b.order) &&
	       model_has(&r->m, pfn + (nr << b.order), b.order))
		nr++;
	do_del_blocks(r, pfn, nr, b.order);
}

/* Blocks in a run: short, a few hundred, or up to a few thousand. */
static uint64_t rnd_nr_blocks(struct run *r)
{
	uint64_t p = rnd_below(r, 10);

	if (p < 5)
		return 1 + rnd_below(r, 70);
	if (p < 9)
		return 1 + rnd_below(r, 600);
	return 1ULL << rnd_below(r, 13);
}

/* The first block of a run: anywhere, or just before a leaf boundary. */
static void rnd_run_start(struct run *r, uint64_t *pfn, unsigned int *order)
{
	unsigned int leaf_shift;

	rnd_block(r, pfn, order);
	if (*order > 12)
		*order = rnd_below(r, 4);
	leaf_shift = r->geo.bitmap_bits + *order;
	if (rnd_below(r, 2))
		*pfn = ((*pfn >> leaf_shift) << leaf_shift) -
		       (rnd_below(r, 100) << *order);
	*pfn &= (pfn_limit(r) - 1) & ~((1ULL << *order) - 1);
}

static void do_add_range(struct run *r, uint64_t pfn, uint64_t nr)
{
	int want = expect_range(r, pfn, nr);
	int ret = kho_radix_add_range(&r->tree, pfn, nr);

	if (ret != want)
		fail_msg("shift %u: add_range pfn 0x%llx nr 0x%llx returned %d,"
			 " expected %d",
			 r->shift, (unsigned long long)pfn,
			 (unsigned long long)nr, ret, want);
	if (ret)
		return;
	model_split(pfn, nr, split_add, &r->m);
	r->nr_range_add++;
	remember_run(r, pfn, nr, -1);
}

static void do_del_range(struct run *r, uint64_t pfn, uint64_t nr)
{
	int want = expect_range(r, pfn, nr);
	int ret;

	/* All or nothing: -ENOENT when any block of the split is absent. */
	if (!want && model_split(pfn, nr, split_has, &r->m))
		want = -ENOENT;
	ret = kho_radix_del_range(&r->tree, pfn, nr);
	if (ret != want)
		fail_msg("shift %u: del_range pfn 0x%llx nr 0x%llx returned %d,"
			 " expected %d",
			 r->shift, (unsigned long long)pfn,
			 (unsigned long long)nr, ret, want);
	if (ret == -ENOENT)
		r->nr_range_del_absent++;
	if (ret)
		return;
	model_split(pfn, nr, split_del, &r->m);
	r->nr_range_del++;
}

static uint64_t rnd_nr(struct run *r)
{
	switch (rnd_below(r, 4)) {
	case 0:
		return 1 + rnd_below(r, 64);
	case 1:
		return 1 + rnd_below(r, 1ULL << (r->geo.bitmap_bits + 2));
	case 2:
		return 1ULL << rnd_below(r, 40);
	default:
		return 1 + rnd_below(r, 1ULL << 36);
	}
}

/* Calls the contract forbids: nothing may change. */
static void do_invalid(struct run *r)
{
	uint64_t pfn, nr;
	unsigned int order;

	rnd_block(r, &pfn, &order);
	switch (rnd_below(r, 12)) {
	case 0: /* misaligned */
		order = 1 + rnd_below(r, 20);
		pfn = (rnd_pfn(r) & ~((1ULL << order) - 1) &
		       (pfn_limit(r) / 2 - 1)) |
		      (1ULL << rnd_below(r, order));
		do_add(r, pfn, order);
		break;
	case 1:
		order = 1 + rnd_below(r, 20);
		pfn = (rnd_pfn(r) & ~((1ULL << order) - 1) &
		       (pfn_limit(r) / 2 - 1)) |
		      (1ULL << rnd_below(r, order));
		do_del(r, pfn, order);
		check_test(r, pfn, order);
		break;
	case 2: /* a pfn whose address does not fit 64 bits */
		pfn = pfn_limit(r) << rnd_below(r, r->shift);
		do_add(r, pfn, 0);
		check_test(r, pfn, 0);
		break;
	case 3: /* the last block of an order ends at 2^64 */
		order = rnd_below(r, r->order0);
		pfn = pfn_limit(r) - (1ULL << order);
		do_add(r, pfn, order);
		do_del(r, pfn, order);
		check_test(r, pfn, order);
		break;
	case 4: /* an order as wide as the space, or wider */
		order = r->order0 + rnd_below(r, 70);
		do_add(r, 0, order);
		do_del(r, 0, order);
		check_test(r, 0, order);
		break;
	case 5:
		do_add_range(r, pfn, 0);
		do_del_range(r, pfn, 0);
		break;
	case 6: /* a range running past 2^64 */
		do_add_range(r, pfn_limit(r) - 1 - rnd_below(r, 4),
			     4 + rnd_below(r, 8));
		break;
	case 7:
		do_del_range(r, pfn_limit(r) - 1 - rnd_below(r, 4), 1ULL << 63);
		break;
	case 8: /* no blocks */
		do_add_blocks(r, pfn, 0, order);
		do_del_blocks(r, pfn, 0, order);
		break;
	case 9: /* a run whose last block ends at 2^64, or past it */
		order = rnd_below(r, 8);
		nr = 1 + rnd_below(r, 100);
		pfn = pfn_limit(r) - (nr << order) + (rnd_below(r, 3) << order);
		do_add_blocks(r, pfn, nr, order);
		do_del_blocks(r, pfn, nr, order);
		break;
	case 10: /* a run so long its size overflows */
		do_add_blocks(r, 0, UINT64_MAX >> rnd_below(r, 8),
			      rnd_below(r, 20));
		break;
	default: /* misaligned first block */
		order = 1 + rnd_below(r, 12);
		pfn = (rnd_pfn(r) & (pfn_limit(r) / 2 - 1)) | 1;
		do_add_blocks(r, pfn, 1 + rnd_below(r, 9), order);
		do_del_blocks(r, pfn, 1 + rnd_below(r, 9), order);
		break;
	}
}

static void checkpoint(struct run *r, const char *what)
{
	uint64_t nodes[KHO_TREE_MAX_DEPTH];
	char msg[96];

	snprintf(msg, sizeof(msg), "shift %u %s (%zu blocks)", r->shift, what,
		 r->m.n);
	model_assert_tree(&r->m, &r->tree, msg);
	/* Every live page of the arena is a node of the tree. */
	assert_int_equal(arena_live(r->arena), model_nodes(&r->m, nodes));
	assert_int_equal(arena_errors(r->arena), 0);
}

/* One operation; @p (0..99) picks which. */
static void step_op(struct run *r, uint64_t p)
{
	uint64_t pfn, cpfn;
	unsigned int order, corder;

	if (p < 30) {
		if (r->m.n && rnd_below(r, 4) == 0) {
			struct model_block *b = &r->m.v[rnd_below(r, r->m.n)];

			do_add(r, b->phys >> r->shift, b->order);
			return;
		}
		rnd_block(r, &pfn, &order);
		if (!order && rnd_below(r, 4) == 0 &&
		    collider(r, pfn, &cpfn, &corder)) {
			/* Both, in either order; then each must stay apart. */
			if (rnd_below(r, 2)) {
				do_add(r, pfn, 0);
				do_add(r, cpfn, corder);
			} else {
				do_add(r, cpfn, corder);
				do_add(r, pfn, 0);
			}
			check_test(r, pfn, 0);
			check_test(r, cpfn, corder);
			r->nr_collider++;
			return;
		}
		do_add(r, pfn, order);
	} else if (p < 50) {
		if (r->m.n && rnd_below(r, 10) < 7) {
			struct model_block *b = &r->m.v[rnd_below(r, r->m.n)];

			pfn = b->phys >> r->shift;
			order = b->order;
		} else {
			rnd_block(r, &pfn, &order);
		}
		do_del(r, pfn, order);
		/* Its collider, if any, is untouched by the delete. */
		if (!order && collider(r, pfn, &cpfn, &corder))
			check_test(r, cpfn, corder);
	} else if (p < 60) {
		rnd_block(r, &pfn, &order);
		check_test(r, pfn, order);
		if (r->m.n) {
			struct model_block *b = &r->m.v[rnd_below(r, r->m.n)];

			check_test(r, b->phys >> r->shift, b->order);
			/* A neighbouring order at the same address. */
			if (b->order &&
			    !expect_block(r, b->phys >> r->shift, b->order - 1))
				check_test(r, b->phys >> r->shift,
					   b->order - 1);
		}
	} else if (p < 65) {
		pfn = rnd_pfn(r);
		do_add_range(r, pfn, rnd_nr(r));
	} else if (p < 70) {
		rnd_run_start(r, &pfn, &order);
		do_add_blocks(r, pfn, rnd_nr_blocks(r), order);
	} else if (p < 78) {
		if (r->nr_ranges && rnd_below(r, 10) < 8) {
			unsigned int i = rnd_below(r, r->nr_ranges);

			if (r->ranges[i].order < 0)
				do_del_range(r, r->ranges[i].pfn,
					     r->ranges[i].nr);
			else
				do_del_blocks(r, r->ranges[i].pfn,
					      r->ranges[i].nr,
					      r->ranges[i].order);
			r->ranges[i] = r->ranges[--r->nr_ranges];
		} else if (rnd_below(r, 3) == 0) {
			del_present_run(r);
		} else if (rnd_below(r, 2)) {
			pfn = rnd_pfn(r);
			do_del_range(r, pfn, rnd_nr(r));
		} else {
			rnd_run_start(r, &pfn, &order);
			do_del_blocks(r, pfn, rnd_nr_blocks(r), order);
		}
	} else if (p < 82) {
		do_invalid(r);
	} else {
		rnd_block(r, &pfn, &order);
		do_add(r, pfn, order);
	}
}

static void step(struct run *r)
{
	uint64_t p;

	if (!r->draining) {
		step_op(r, rnd_below(r, 100));
		return;
	}
	/* Deletes only, of blocks and of runs. */
	p = rnd_below(r, 3);
	if (!p)
		del_present_run(r);
	else
		step_op(r,
			p == 1 ? 30 + rnd_below(r, 20) : 70 + rnd_below(r, 8));
}

static void run_init(struct run *r, unsigned int shift, uint64_t seed,
		     unsigned int spread_pct, uint64_t phys_base)
{
	unsigned int i;

	memset(r, 0, sizeof(*r));
	r->shift = shift;
	r->seed = seed;
	r->spread_pct = spread_pct;
	assert_int_equal(kho_geometry_init(&r->geo, shift), 0);
	r->order0 = r->geo.order0_bit;
	/* 64 MiB of nodes at most, whatever the page size. */
	r->budget = (64ULL << 20) >> shift;
	r->arena = arena_create(shift, phys_base, 4 * r->budget);
	assert_non_null(r->arena);
	/* Physical order unlike memory order: page i is frame i ^ mask. */
	assert_true(arena_scramble(r->arena, (4 * r->budget - 1) & seed));
	assert_int_equal(kho_radix_init(&r->tree, &r->geo, arena_ops(r->arena)),
			 0);
	model_init(&r->m, shift);
	/* Cluster bases: the bottom, the top, and random places. */
	r->cluster[0] = 0;
	r->cluster[1] = pfn_limit(r) - (1ULL << (r->geo.bitmap_bits + 2));
	for (i = 2; i < NR_CLUSTERS; i++)
		r->cluster[i] = rnd(r) & (pfn_limit(r) - 1);
}

/* Delete everything in random order: only the root may remain. */
static void run_finish(struct run *r)
{
	struct kho_radix_stats st;

	while (r->m.n) {
		struct model_block b = r->m.v[rnd_below(r, r->m.n)];

		do_del(r, b.phys >> r->shift, b.order);
	}
	checkpoint(r, "emptied");
	assert_int_equal(kho_radix_get_stats(&r->tree, &st), 0);
	assert_int_equal(st.nr_nodes, 1);
	assert_int_equal(arena_live(r->arena), 1);
	kho_radix_destroy(&r->tree);
	assert_int_equal(arena_live(r->arena), 0);
	assert_int_equal(arena_errors(r->arena), 0);
	arena_destroy(r->arena);
	model_free(&r->m);
}

static void run_sequence(unsigned int shift, uint64_t seed,
			 unsigned int spread_pct, uint64_t phys_base,
			 unsigned int nr_steps)
{
	struct run *r = calloc(1, sizeof(*r));
	unsigned int i;

	assert_non_null(r);
	run_init(r, shift, seed, spread_pct, phys_base);
	for (i = 1; i <= nr_steps; i++) {
		step(r);
		if (!r->draining &&
		    (arena_live(r->arena) > r->budget || r->m.n > MAX_BLOCKS))
			r->draining = true;
		if (r->draining && arena_live(r->arena) < r->budget / 2 &&
		    r->m.n < MAX_BLOCKS / 2)
			r->draining = false;
		if (i % 2500 == 0)
			checkpoint(r, "checkpoint");
	}
	checkpoint(r, "end");
	print_message("shift %u spread %u%%: %zu blocks, %llu nodes; added %llu"
		      " (+%llu again), deleted %llu (%llu absent), ranges %llu/"
		      "%llu (%llu absent), colliders %llu, EINVAL %llu, ERANGE "
		      "%llu; block runs %llu/%llu (%llu absent)\n",
		      shift, spread_pct, r->m.n,
		      (unsigned long long)arena_live(r->arena),
		      (unsigned long long)r->nr_add_new,
		      (unsigned long long)r->nr_add_dup,
		      (unsigned long long)r->nr_del,
		      (unsigned long long)r->nr_del_absent,
		      (unsigned long long)r->nr_range_add,
		      (unsigned long long)r->nr_range_del,
		      (unsigned long long)r->nr_range_del_absent,
		      (unsigned long long)r->nr_collider,
		      (unsigned long long)r->nr_einval,
		      (unsigned long long)r->nr_erange,
		      (unsigned long long)r->nr_blocks_add,
		      (unsigned long long)r->nr_blocks_del,
		      (unsigned long long)r->nr_blocks_del_absent);
	/* The sequence reached every path it is meant to check. */
	assert_true(r->nr_add_new > 100 && r->nr_add_dup > 10);
	assert_true(r->nr_del > 100 && r->nr_del_absent > 10);
	assert_true(r->nr_test_hit > 100);
	assert_true(r->nr_range_add > 10 && r->nr_range_del > 10);
	assert_true(r->nr_range_del_absent > 0);
	assert_true(r->nr_einval > 0 && r->nr_erange > 0);
	assert_true(r->nr_collider > 10);
	assert_true(r->nr_blocks_add > 10 && r->nr_blocks_del > 5);
	assert_true(r->nr_blocks_del_absent > 0);
	run_finish(r);
	free(r);
}

/* Steps per sequence; AddressSanitizer runs fewer to keep its time sane. */
#ifdef __SANITIZE_ADDRESS__
#define NR_STEPS 10000
#else
#define NR_STEPS 20000
#endif

static void test_diff_4k_spread(void **state)
{
	run_sequence(12, 0x243f6a8885a308d3ULL, 90, 0x40000000ULL, NR_STEPS);
}

static void test_diff_4k_clustered(void **state)
{
	run_sequence(12, 0x13198a2e03707344ULL, 10, 0xfff0000000000000ULL,
		     NR_STEPS);
}

static void test_diff_16k_spread(void **state)
{
	run_sequence(14, 0xa4093822299f31d0ULL, 90, 0x8000000000000000ULL,
		     NR_STEPS);
}

static void test_diff_16k_clustered(void **state)
{
	run_sequence(14, 0x082efa98ec4e6c89ULL, 10, 0x1234560000000000ULL,
		     NR_STEPS);
}

static void test_diff_64k_spread(void **state)
{
	run_sequence(16, 0x452821e638d01377ULL, 90, 0x10000ULL, NR_STEPS);
}

static void test_diff_64k_clustered(void **state)
{
	run_sequence(16, 0xbe5466cf34e90c6cULL, 10, 0xffffffff00000000ULL,
		     NR_STEPS);
}

/*
 * 16 KiB pages, by hand: order-0 blocks and the blocks whose keys drop bit 50
 * of theirs. Key 1 << 50 | 0x1000 (phys 0x4000000, order 0) would share a
 * bit with key 0x1000 (phys 0, order 38) in a 4-level tree.
 */
static void test_16k_depth_collisions(void **state)
{
	static const uint64_t pfns[] = {
		0x1000,
		0x1,
		0x2,
		0x3,
		0x12345,
		0x20000,
		0x3ffffffffffffULL,
		0x2aaaaaaaaaaaaULL,
		0x1ffff,
		0x4000000000ULL,
	};
	struct run *r = calloc(1, sizeof(*r));
	unsigned int i, corder, nr_pairs = 0;
	uint64_t cpfn;

	assert_non_null(r);
	run_init(r, 14, 1, 0, 0x7654000000000000ULL);
	assert_int_equal(r->geo.depth, 5);
	/* The example of the comment above. */
	assert_true(collider(r, 0x1000, &cpfn, &corder));
	assert_int_equal(cpfn, 0);
	assert_int_equal(corder, 38);
	assert_int_equal(kho_key_encode(&r->geo, 0x1000ULL << 14, 0),
			 1ULL << 50 | 0x1000);
	assert_int_equal(kho_key_encode(&r->geo, 0, 38), 0x1000);
	/*
	 * Phys 0 order 0 is key 1 << 50 alone: without bit 50 it is key 0,
	 * which no walk visits, so a 4-level tree would lose it.
	 */
	do_add(r, 0, 0);
	checkpoint(r, "phys 0 order 0");
	do_add(r, 1, 0);
	do_add(r, 1ULL << 49, 0);
	checkpoint(r, "order 0 at 0, 1 and 2^49");
	do_del(r, 0, 0);
	do_del(r, 1, 0);
	do_del(r, 1ULL << 49, 0);

	for (i = 0; i < sizeof(pfns) / sizeof(pfns[0]); i++) {
		if (!collider(r, pfns[i], &cpfn, &corder))
			continue;
		nr_pairs++;
		/* The two keys differ in bit 50 only. */
		assert_int_equal(
			kho_key_encode(&r->geo, pfns[i] << 14, 0) ^
				kho_key_encode(&r->geo, cpfn << 14, corder),
			1ULL << 50);
		/* Order 0 alone: the collider is not there. */
		do_add(r, pfns[i], 0);
		check_test(r, cpfn, corder);
		assert_false(kho_radix_test_page(&r->tree, cpfn, corder));
		do_del(r, cpfn, corder); /* -ENOENT */
		check_test(r, pfns[i], 0);
		/* Both, then each goes alone. */
		do_add(r, cpfn, corder);
		checkpoint(r, "both");
		do_del(r, pfns[i], 0);
		assert_true(kho_radix_test_page(&r->tree, cpfn, corder));
		checkpoint(r, "collider left");
		do_add(r, pfns[i], 0);
		do_del(r, cpfn, corder);
		assert_true(kho_radix_test_page(&r->tree, pfns[i], 0));
		checkpoint(r, "order 0 left");
	}
	checkpoint(r, "all");
	assert_true(nr_pairs >= 6);
	assert_int_equal(r->m.n, nr_pairs);
	run_finish(r);
	free(r);
}

/* Blocks at both ends of the address space, every order, every page size. */
static void test_address_space_edges(void **state)
{
	static const unsigned int shifts[] = { 12, 14, 16 };
	unsigned int s, order;

	for (s = 0; s < 3; s++) {
		struct run *r = calloc(1, sizeof(*r));

		assert_non_null(r);
		run_init(r, shifts[s], 7, 0, 0x100000000ULL);
		for (order = 0; order < r->order0; order++) {
			uint64_t size = 1ULL << order;

			/* The top block of the order ends at 2^64: refused. */
			do_add(r, pfn_limit(r) - size, order);
			assert_int_equal(kho_radix_add_page(&r->tree,
							    pfn_limit(r) - size,
							    order),
					 -ERANGE);
			if (order + 1 < r->order0) {
				/* The one below it is the highest valid. */
				do_add(r, pfn_limit(r) - 2 * size, order);
				assert_true(model_has(
					&r->m, pfn_limit(r) - 2 * size, order));
			}
			do_add(r, 0, order);
			do_add(r, size, order);
		}
		assert_int_equal(kho_radix_add_page(&r->tree, 0, r->order0),
				 -ERANGE);
		/*
		 * Orders far past the last: the key's order bit would lie
		 * below bit 0 or wrap, and no shift by them may run.
		 */
		for (order = 64; order < 66; order++)
			assert_int_equal(kho_radix_add_page(&r->tree, 0, order),
					 -ERANGE);
		assert_int_equal(kho_radix_add_page(&r->tree, 0, UINT_MAX),
				 -ERANGE);
		assert_int_equal(kho_radix_add_page(&r->tree, 0, UINT_MAX - 1),
				 -ERANGE);
		assert_int_equal(kho_radix_del_page(&r->tree, 0, UINT_MAX),
				 -ERANGE);
		assert_false(kho_radix_test_page(&r->tree, 0, UINT_MAX));
		assert_int_equal(kho_radix_add_range(&r->tree, 0, pfn_limit(r)),
				 -ERANGE);
		assert_int_equal(
			kho_radix_add_range(&r->tree, 1, pfn_limit(r) - 1),
			-ERANGE);
		/* The longest run that ends below 2^64. */
		do_add_range(r, 0, pfn_limit(r) - 1);
		checkpoint(r, "edges");
		do_del_range(r, 0, pfn_limit(r) - 1);
		checkpoint(r, "edges, range deleted");
		run_finish(r);
		free(r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_16k_depth_collisions),
		cmocka_unit_test(test_address_space_edges),
		cmocka_unit_test(test_diff_4k_spread),
		cmocka_unit_test(test_diff_4k_clustered),
		cmocka_unit_test(test_diff_16k_spread),
		cmocka_unit_test(test_diff_16k_clustered),
		cmocka_unit_test(test_diff_64k_spread),
		cmocka_unit_test(test_diff_64k_clustered),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
