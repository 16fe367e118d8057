// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * bench/impl_kernel.c - baseline: the Linux kho-v2 radix tree as the kernel
 * runs it (kernel/liveupdate/kexec_handover.c), rewritten from its behaviour.
 *
 * What it models:
 *  - the same format as libkho: one-page nodes of physical addresses, one-page
 *    leaf bitmaps, 6 levels for 4 KiB pages, the same key encoding;
 *  - add: take the tree mutex, descend from the root through every level,
 *    mapping each entry with phys_to_virt() (an ops call here), allocating
 *    zeroed pages for missing nodes, set the leaf bit;
 *  - delete: the same descent, clear the bit, never free a node;
 *  - walk: recursive, one callback per set bit (find-next-bit over the leaf,
 *    decode the key), holding the mutex; the callback is the one kernel B
 *    runs, kho_preserved_memory_reserve(), reduced to its memblock_reserve()
 *    of the block (the page->private stamp and the no-init flag are left out,
 *    as they are in the other implementations).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include <kho/abi.h>

#include "bench.h"

#define KT_DEPTH KHO_TREE_DEPTH
#define KT_TABLE_LOG2 KHO_TABLE_SIZE_LOG2
#define KT_BITMAP_LOG2 KHO_BITMAP_SIZE_LOG2
#define KT_TABLE_ENTRIES (1UL << KT_TABLE_LOG2)
#define KT_BITMAP_WORDS ((1UL << KT_BITMAP_LOG2) / 64)

struct ktree {
	struct arena arena;
	struct {
		void *(*alloc_page)(void *ctx);
		uint64_t (*virt_to_phys)(void *ctx, const void *va);
		void *(*phys_to_virt)(void *ctx, uint64_t pa);
		void *ctx;
	} ops;
	uint64_t *root;
	pthread_mutex_t lock;
};

typedef int (*kt_walk_cb)(uint64_t phys, unsigned int order, void *arg);

static uint64_t kt_key(uint64_t pfn, unsigned int order)
{
	return (1ULL << (KHO_ORDER_0_LOG2 - order)) | (pfn >> order);
}

static unsigned int kt_index(uint64_t key, unsigned int level)
{
	unsigned int shift = (level - 1) * KT_TABLE_LOG2 + KT_BITMAP_LOG2;

	return (key >> shift) & (KT_TABLE_ENTRIES - 1);
}

static void *kt_create(void)
{
	struct ktree *t = calloc(1, sizeof(*t));

	if (!t || arena_init(&t->arena, 1UL << 30))
		bench_die("kernel-like: no memory");
	t->ops.alloc_page = arena_alloc_page;
	t->ops.virt_to_phys = arena_virt_to_phys;
	t->ops.phys_to_virt = arena_phys_to_virt;
	t->ops.ctx = &t->arena;
	t->root = t->ops.alloc_page(t->ops.ctx);
	pthread_mutex_init(&t->lock, NULL);
	return t;
}

static int kt_add(void *s, uint64_t pfn, unsigned int order)
{
	struct ktree *t = s;
	uint64_t key = kt_key(pfn, order);
	uint64_t *node = t->root;
	unsigned int level, idx;

	pthread_mutex_lock(&t->lock);
	for (level = KT_DEPTH - 1; level > 0; level--) {
		idx = kt_index(key, level);
		if (!node[idx]) {
			void *page = t->ops.alloc_page(t->ops.ctx);

			if (!page) {
				/* The kernel unlinks the new branch; not needed here. */
				pthread_mutex_unlock(&t->lock);
				return -ENOMEM;
			}
			node[idx] = t->ops.virt_to_phys(t->ops.ctx, page);
		}
		node = t->ops.phys_to_virt(t->ops.ctx, node[idx]);
	}
	idx = key & ((1UL << KT_BITMAP_LOG2) - 1);
	node[idx / 64] |= 1ULL << (idx % 64);
	pthread_mutex_unlock(&t->lock);
	return 0;
}

static int kt_del(void *s, uint64_t pfn, unsigned int order)
{
	struct ktree *t = s;
	uint64_t key = kt_key(pfn, order);
	uint64_t *node = t->root;
	unsigned int level, idx;

	pthread_mutex_lock(&t->lock);
	for (level = KT_DEPTH - 1; level > 0; level--) {
		idx = kt_index(key, level);
		if (!node[idx]) {
			pthread_mutex_unlock(&t->lock);
			return -ENOENT;
		}
		node = t->ops.phys_to_virt(t->ops.ctx, node[idx]);
	}
	idx = key & ((1UL << KT_BITMAP_LOG2) - 1);
	node[idx / 64] &= ~(1ULL << (idx % 64));
	pthread_mutex_unlock(&t->lock);
	return 0;
}

/* find_next_bit(): skips zero words, then the lowest set bit. */
static unsigned long kt_find_next_bit(const uint64_t *map, unsigned long size,
				      unsigned long from)
{
	unsigned long w = from / 64;
	uint64_t word;

	if (from >= size)
		return size;
	word = map[w] & (~0ULL << (from % 64));
	while (!word) {
		if (++w >= size / 64)
			return size;
		word = map[w];
	}
	return w * 64 + __builtin_ctzll(word);
}

static int kt_walk_leaf(struct ktree *t, const uint64_t *leaf, uint64_t key,
			kt_walk_cb cb, void *arg)
{
	const unsigned long bits = 1UL << KT_BITMAP_LOG2;
	unsigned long i;
	int err;

	for (i = kt_find_next_bit(leaf, bits, 0); i < bits;
	     i = kt_find_next_bit(leaf, bits, i + 1)) {
		uint64_t k = key | i;
		unsigned int order = KHO_ORDER_0_LOG2 - (bench_fls64(k) - 1);

		err = cb(k << (BENCH_PAGE_SHIFT + order), order, arg);
		if (err)
			return err;
	}
	return 0;
}

static int kt_walk_node(struct ktree *t, const uint64_t *node,
			unsigned int level, uint64_t start, kt_walk_cb cb,
			void *arg)
{
	unsigned long i;
	int err;

	for (i = 0; i < KT_TABLE_ENTRIES; i++) {
		unsigned int shift =
			(level - 1) * KT_TABLE_LOG2 + KT_BITMAP_LOG2;
		uint64_t key = start | ((uint64_t)i << shift);
		const uint64_t *child;

		if (!node[i])
			continue;
		child = t->ops.phys_to_virt(t->ops.ctx, node[i]);
		if (level == 1)
			err = kt_walk_leaf(t, child, key, cb, arg);
		else
			err = kt_walk_node(t, child, level - 1, key, cb, arg);
		if (err)
			return err;
	}
	return 0;
}

/* kho_preserved_memory_reserve(), reduced to its memblock_reserve(). */
static int kt_reserve_cb(uint64_t phys, unsigned int order, void *arg)
{
	range_reserve(arg, phys, phys + (BENCH_PAGE_SIZE << order));
	return 0;
}

static int kt_walk(void *s, struct range_array *out)
{
	struct ktree *t = s;
	int err;

	pthread_mutex_lock(&t->lock);
	err = kt_walk_node(t, t->root, KT_DEPTH - 1, 0, kt_reserve_cb, out);
	pthread_mutex_unlock(&t->lock);
	return err;
}

static uint64_t kt_nodes(void *s)
{
	struct ktree *t = s;

	return t->arena.live_pages;
}

static uint64_t kt_memory(void *s)
{
	return kt_nodes(s) * BENCH_PAGE_SIZE;
}

static void kt_destroy(void *s)
{
	struct ktree *t = s;

	pthread_mutex_destroy(&t->lock);
	arena_destroy(&t->arena);
	free(t);
}

const struct bench_impl impl_kernel = {
	.name = "kernel-like",
	.create = kt_create,
	.add = kt_add,
	.del = kt_del,
	.walk = kt_walk,
	.memory = kt_memory,
	.nodes = kt_nodes,
	.destroy = kt_destroy,
};

/* Four independent sums, so that loads, not one chain of adds, set the pace. */
static uint64_t kt_sum_leaf(const uint64_t *leaf)
{
	uint64_t a = 0, b = 0, c = 0, d = 0;

	for (unsigned long w = 0; w < KT_BITMAP_WORDS; w += 4) {
		a += leaf[w];
		b += leaf[w + 1];
		c += leaf[w + 2];
		d += leaf[w + 3];
	}
	return a + b + c + d;
}

static uint64_t kt_sum_node(struct ktree *t, const uint64_t *node,
			    unsigned int level, uint64_t *words)
{
	uint64_t sum = 0;
	unsigned long i;

	for (i = 0; i < KT_TABLE_ENTRIES; i++) {
		const uint64_t *child;

		if (!node[i])
			continue;
		child = t->ops.phys_to_virt(t->ops.ctx, node[i]);
		if (level > 1) {
			sum += kt_sum_node(t, child, level - 1, words);
			continue;
		}
		sum += kt_sum_leaf(child);
		*words += KT_BITMAP_WORDS;
	}
	return sum;
}

/*
 * The bandwidth bound of a walk: read every leaf word of the tree once and
 * do nothing else, as fast as a plain loop goes (gcc -O2 turns the four sums
 * into vector adds). A walk that reports ranges cannot read less.
 */
uint64_t kernel_like_sum_leaves(void *s, uint64_t *words)
{
	struct ktree *t = s;

	*words = 0;
	return kt_sum_node(t, t->root, KT_DEPTH - 1, words);
}
