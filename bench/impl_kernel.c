// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * bench/impl_kernel.c - baselines: the Linux 7.3.4 kho-v2 radix tree as the
 * kernel runs it (kernel/liveupdate/kexec_handover.c), written from reading
 * it, not copied.
 *
 * What it models:
 *  - the same format as libkho: one-page nodes of physical addresses, one-page
 *    leaf bitmaps, 6 levels for 4 KiB pages, the same key encoding;
 *  - the 7.3 key API: kho_preserve_folio() encodes the block's key
 *    (kho_encode_radix_key(), :127) and calls kho_radix_add_key() (:215):
 *    a key wider than KHO_RADIX_KEY_WIDTH is -ERANGE; take the tree mutex;
 *    descend from the root through every level, mapping each entry with
 *    phys_to_virt() (an ops call here), allocating zeroed pages for missing
 *    nodes and remembering them and the anchor entry for the unwind on
 *    -ENOMEM; set the leaf bit;
 *  - kho_radix_del_key() (:295): the same descent, clear the bit, never free
 *    a node;
 *  - kho_radix_walk_tree() (:474): under the mutex, recursive, a node
 *    callback per node and a leaf callback per set key (for_each_set_bit);
 *    kernel B's kho_mem_retrieve() (:1685) passes
 *    kho_preserved_memory_reserve() (:614) as the leaf callback: decode the
 *    key, memblock_reserve() the block, memblock_reserved_mark_noinit() it
 *    (the struct page stamp is left out: the bench has no memmap).
 *
 * Two reserves, two implementations:
 *  - "kernel-like": reserve into a sorted range array found by binary search
 *    (range_reserve()), which favours the kernel: no scan from the start and
 *    no noinit flag;
 *  - "kernel-memblock": reserve into the model of memblock.reserved in
 *    bench/memblock.c: a scan from the first region per call, memmove
 *    insertion, merging, the array doubled, the noinit flag set per block.
 *    Quadratic in scattered blocks as the real kernel is, so it runs only
 *    when named (--impls) and in the --curve sweep;
 *  - "kernel-memblock-fix": the same with patches/0001-memblock-*.patch
 *    applied to the model (scans start by bisection).
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
#define KT_KEY_WIDTH KHO_KEY_WIDTH

struct ktree {
	struct arena arena;
	struct {
		void *(*alloc_page)(void *ctx);
		void (*free_page)(void *ctx, void *page);
		uint64_t (*virt_to_phys)(void *ctx, const void *va);
		void *(*phys_to_virt)(void *ctx, uint64_t pa);
		void *ctx;
	} ops;
	uint64_t *root;
	pthread_mutex_t lock;
	bool memblock; /* reserve through the memblock model */
	bool bisect; /* ... with patches/0001's bisection */
	struct mb_type mb;
};

/* struct kho_radix_walk_cb: per key, per node (physical address). */
struct kt_walk_cb {
	int (*leaf)(uint64_t key, void *data);
	int (*node)(uint64_t phys, void *data);
};

/* kho_encode_radix_key(): the order bit right above the shifted address. */
static uint64_t kt_encode(uint64_t phys, unsigned int order)
{
	unsigned int shift = BENCH_PAGE_SHIFT + order;

	return 1ULL << (64 - shift) | phys >> shift;
}

/* kho_decode_radix_key(): the order from the order bit's position. */
static uint64_t kt_decode(uint64_t key, unsigned int *order)
{
	unsigned int order_bit = bench_fls64(key) - 1;

	*order = 64 - (BENCH_PAGE_SHIFT + order_bit);
	return key << (BENCH_PAGE_SHIFT + *order);
}

static unsigned int kt_index(uint64_t key, unsigned int level)
{
	unsigned int shift = (level - 1) * KT_TABLE_LOG2 + KT_BITMAP_LOG2;

	return (key >> shift) & (KT_TABLE_ENTRIES - 1);
}

static void *kt_create_common(bool memblock, bool bisect)
{
	struct ktree *t = calloc(1, sizeof(*t));

	if (!t || arena_init(&t->arena, 1UL << 30))
		bench_die("kernel-like: no memory");
	t->ops.alloc_page = arena_alloc_page;
	t->ops.free_page = arena_free_page;
	t->ops.virt_to_phys = arena_virt_to_phys;
	t->ops.phys_to_virt = arena_phys_to_virt;
	t->ops.ctx = &t->arena;
	t->root = t->ops.alloc_page(t->ops.ctx);
	t->memblock = memblock;
	t->bisect = bisect;
	pthread_mutex_init(&t->lock, NULL);
	return t;
}

static void *kt_create(void)
{
	return kt_create_common(false, false);
}

static void *kt_create_memblock(void)
{
	return kt_create_common(true, false);
}

static void *kt_create_memblock_fix(void)
{
	return kt_create_common(true, true);
}

/* kho_radix_add_key(). */
static int kt_add_key(struct ktree *t, uint64_t key)
{
	uint64_t *fresh[KT_DEPTH] = { 0 }; /* nodes this call allocated */
	uint64_t *anchor = NULL, *node = t->root;
	unsigned int level, idx, anchor_idx = 0;
	int err = 0;

	if (bench_fls64(key) > KT_KEY_WIDTH)
		return -ERANGE;
	pthread_mutex_lock(&t->lock);
	for (level = KT_DEPTH - 1; level > 0; level--) {
		uint64_t *child;

		idx = kt_index(key, level);
		if (node[idx]) {
			node = t->ops.phys_to_virt(t->ops.ctx, node[idx]);
			continue;
		}
		child = t->ops.alloc_page(t->ops.ctx);
		if (!child) {
			err = -ENOMEM;
			goto unwind;
		}
		node[idx] = t->ops.virt_to_phys(t->ops.ctx, child);
		if (!anchor) {
			anchor = node;
			anchor_idx = idx;
		}
		fresh[level] = child;
		node = child;
	}
	idx = key & ((1UL << KT_BITMAP_LOG2) - 1);
	node[idx / 64] |= 1ULL << (idx % 64);
	pthread_mutex_unlock(&t->lock);
	return 0;

unwind:
	for (level = KT_DEPTH - 1; level > 0; level--)
		if (fresh[level])
			t->ops.free_page(t->ops.ctx, fresh[level]);
	if (anchor)
		anchor[anchor_idx] = 0;
	pthread_mutex_unlock(&t->lock);
	return err;
}

/* kho_radix_del_key(): a missing path is a warning there, -ENOENT here. */
static int kt_del_key(struct ktree *t, uint64_t key)
{
	uint64_t *node = t->root;
	unsigned int level, idx;

	if (bench_fls64(key) > KT_KEY_WIDTH)
		return -ERANGE;
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

/* kho_preserve_folio() / kho_unpreserve_folio(): encode, then the key API. */
static int kt_add(void *s, uint64_t pfn, unsigned int order)
{
	return kt_add_key(s, kt_encode(pfn << BENCH_PAGE_SHIFT, order));
}

static int kt_del(void *s, uint64_t pfn, unsigned int order)
{
	return kt_del_key(s, kt_encode(pfn << BENCH_PAGE_SHIFT, order));
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
			const struct kt_walk_cb *cb, void *data)
{
	const unsigned long bits = 1UL << KT_BITMAP_LOG2;
	unsigned long i;
	int err;

	if (cb->node) {
		err = cb->node(t->ops.virt_to_phys(t->ops.ctx, leaf), data);
		if (err)
			return err;
	}
	if (!cb->leaf)
		return 0;
	for (i = kt_find_next_bit(leaf, bits, 0); i < bits;
	     i = kt_find_next_bit(leaf, bits, i + 1)) {
		err = cb->leaf(key | i, data);
		if (err)
			return err;
	}
	return 0;
}

static int kt_walk_node(struct ktree *t, const uint64_t *node,
			unsigned int level, uint64_t start,
			const struct kt_walk_cb *cb, void *data)
{
	unsigned long i;
	int err;

	if (cb->node) {
		err = cb->node(t->ops.virt_to_phys(t->ops.ctx, node), data);
		if (err)
			return err;
	}
	for (i = 0; i < KT_TABLE_ENTRIES; i++) {
		unsigned int shift =
			(level - 1) * KT_TABLE_LOG2 + KT_BITMAP_LOG2;
		uint64_t key = start | ((uint64_t)i << shift);
		const uint64_t *child;

		if (!node[i])
			continue;
		child = t->ops.phys_to_virt(t->ops.ctx, node[i]);
		if (level == 1)
			err = kt_walk_leaf(t, child, key, cb, data);
		else
			err = kt_walk_node(t, child, level - 1, key, cb, data);
		if (err)
			return err;
	}
	return 0;
}

/* kho_radix_walk_tree(). */
static int kt_walk_tree(struct ktree *t, const struct kt_walk_cb *cb,
			void *data)
{
	int err;

	pthread_mutex_lock(&t->lock);
	err = kt_walk_node(t, t->root, KT_DEPTH - 1, 0, cb, data);
	pthread_mutex_unlock(&t->lock);
	return err;
}

/*
 * kho_preserved_memory_reserve(), its memblock_reserve() modelled by a
 * binary-searched range array (no noinit flag).
 */
static int kt_reserve_cb(uint64_t key, void *data)
{
	unsigned int order;
	uint64_t phys = kt_decode(key, &order);

	range_reserve(data, phys, phys + (BENCH_PAGE_SIZE << order));
	return 0;
}

/* kho_preserved_memory_reserve() on the memblock model. */
static int kt_memblock_cb(uint64_t key, void *data)
{
	unsigned int order;
	uint64_t phys = kt_decode(key, &order);

	mb_reserve_noinit(data, phys, BENCH_PAGE_SIZE << order);
	return 0;
}

static int kt_walk(void *s, struct range_array *out)
{
	struct ktree *t = s;
	const struct kt_walk_cb cb = {
		.leaf = t->memblock ? kt_memblock_cb : kt_reserve_cb,
	};
	int err;

	if (!t->memblock)
		return kt_walk_tree(t, &cb, out);
	/* kernel B's memblock.reserved, empty to start with. */
	mb_free(&t->mb);
	mb_init(&t->mb, t->bisect);
	err = kt_walk_tree(t, &cb, &t->mb);
	if (err)
		return err;
	/* Hand the regions over for the cross-check. */
	for (size_t i = 0; i < t->mb.cnt; i++)
		range_add_sorted(out, t->mb.r[i].base,
				 t->mb.r[i].base + t->mb.r[i].size);
	return 0;
}

static uint64_t kt_visits(void *s)
{
	struct ktree *t = s;

	return t->mb.visits;
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

	mb_free(&t->mb);
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

const struct bench_impl impl_kernel_memblock = {
	.name = "kernel-memblock",
	.create = kt_create_memblock,
	.add = kt_add,
	.del = kt_del,
	.walk = kt_walk,
	.memory = kt_memory,
	.nodes = kt_nodes,
	.destroy = kt_destroy,
	.explicit_only = true,
	.visits = kt_visits,
};

const struct bench_impl impl_kernel_memblock_fix = {
	.name = "kernel-memblock-fix",
	.create = kt_create_memblock_fix,
	.add = kt_add,
	.del = kt_del,
	.walk = kt_walk,
	.memory = kt_memory,
	.nodes = kt_nodes,
	.destroy = kt_destroy,
	.explicit_only = true,
	.visits = kt_visits,
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
