// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * bench/impl_before.c - "libkho-before": the radix tree as it was before
 * issue 11 (lib/radix.c and lib/radix_walk.c at commit f8c4693, taken from
 * git history into $(BUILD)/bench/before/ by the Makefile, never copied into
 * the tree), built into the bench under other names, so
 * that "no workload gets slower than today" is measured in the same runs
 * as the library of now rather than against numbers of another day.
 *
 * Same calls as "libkho": kho_radix_add_page(), kho_radix_del_page(),
 * kho_radix_walk_ranges(), over the bench's page arena.
 */
#define kho_radix_init before_kho_radix_init
#define kho_radix_attach before_kho_radix_attach
#define kho_radix_root_phys before_kho_radix_root_phys
#define kho_radix_destroy before_kho_radix_destroy
#define kho_radix_add_page before_kho_radix_add_page
#define kho_radix_del_page before_kho_radix_del_page
#define kho_radix_test_page before_kho_radix_test_page
#define kho_radix_add_range before_kho_radix_add_range
#define kho_radix_del_range before_kho_radix_del_range
#define kho_radix_add_blocks before_kho_radix_add_blocks
#define kho_radix_del_blocks before_kho_radix_del_blocks
#define kho_radix_walk before_kho_radix_walk
#define kho_radix_walk_ranges before_kho_radix_walk_ranges
#define kho_radix_get_stats before_kho_radix_get_stats
#define radix_map_entry before_radix_map_entry
#define radix_for_each_node before_radix_for_each_node
#define radix_merge_ranges before_radix_merge_ranges
#define radix_test_locked before_radix_test_locked

#include <stdlib.h>

#include "before/radix.c"
#include "before/radix_walk.c"

#include "bench.h"

struct lkb {
	struct arena arena;
	struct kho_radix_tree tree;
};

static void *lkb_create(void)
{
	struct lkb *l = calloc(1, sizeof(*l));
	struct kho_geometry geo;
	struct kho_mem_ops ops;

	if (!l || arena_init(&l->arena, 1UL << 30))
		bench_die("libkho-before: no memory");
	if (kho_geometry_init(&geo, BENCH_PAGE_SHIFT))
		bench_die("libkho-before: kho_geometry_init");
	ops.alloc_page = arena_alloc_page;
	ops.free_page = arena_free_page;
	ops.virt_to_phys = arena_virt_to_phys;
	ops.phys_to_virt = arena_phys_to_virt;
	ops.ctx = &l->arena;
	if (kho_radix_init(&l->tree, &geo, &ops))
		bench_die("libkho-before: kho_radix_init");
	return l;
}

static int lkb_add(void *s, uint64_t pfn, unsigned int order)
{
	struct lkb *l = s;

	return kho_radix_add_page(&l->tree, pfn, order);
}

static int lkb_del(void *s, uint64_t pfn, unsigned int order)
{
	struct lkb *l = s;

	return kho_radix_del_page(&l->tree, pfn, order);
}

static int lkb_range_cb(uint64_t start, uint64_t end, void *arg)
{
	range_append(arg, start, end);
	return 0;
}

static int lkb_walk(void *s, struct range_array *out)
{
	struct lkb *l = s;

	return kho_radix_walk_ranges(&l->tree, lkb_range_cb, out);
}

static uint64_t lkb_nodes(void *s)
{
	struct lkb *l = s;

	return l->arena.live_pages;
}

static uint64_t lkb_memory(void *s)
{
	return lkb_nodes(s) * BENCH_PAGE_SIZE;
}

static void lkb_destroy(void *s)
{
	struct lkb *l = s;

	kho_radix_destroy(&l->tree);
	arena_destroy(&l->arena);
	free(l);
}

const struct bench_impl impl_libkho_before = {
	.name = "libkho-before",
	.create = lkb_create,
	.add = lkb_add,
	.del = lkb_del,
	.walk = lkb_walk,
	.memory = lkb_memory,
	.nodes = lkb_nodes,
	.destroy = lkb_destroy,
};
