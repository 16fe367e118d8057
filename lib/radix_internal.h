/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * radix_internal.h - helpers shared by the radix tree's files.
 *
 * Levels are numbered as in <kho/abi.h>: 0 is the leaf, geo->depth - 1 the
 * root. Inner nodes and leaves are both one page of u64 words: a table of
 * 2^table_bits entries or a bitmap of 2^(bitmap_bits - 6) words.
 */
#ifndef KHO_RADIX_INTERNAL_H
#define KHO_RADIX_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <kho/radix.h>

#include "kho_errno.h"
#include "kho_warn.h"
#ifndef KHO_FREESTANDING
#include "hosted/lock_fast.h"
#endif

#define BITS_PER_WORD_LOG2 6
#define BITS_PER_WORD (1U << BITS_PER_WORD_LOG2)

static inline uint64_t page_size(const struct kho_geometry *geo)
{
	return 1ULL << geo->page_shift;
}

/* u64 words in one node page, table or bitmap alike. */
static inline uint64_t node_words(const struct kho_geometry *geo)
{
	return page_size(geo) / sizeof(uint64_t);
}

/* Bits of a leaf: keys one leaf covers. */
static inline uint64_t leaf_keys(const struct kho_geometry *geo)
{
	return 1ULL << geo->bitmap_bits;
}

/* Lowest key bit that indexes @level (level 0: the bit in the bitmap). */
static inline unsigned int level_shift(const struct kho_geometry *geo,
				       unsigned int level)
{
	return level ? (level - 1) * geo->table_bits + geo->bitmap_bits : 0;
}

/* Index of @key in a table at @level >= 1. */
static inline unsigned int level_index(const struct kho_geometry *geo,
				       uint64_t key, unsigned int level)
{
	return (key >> level_shift(geo, level)) &
	       ((1ULL << geo->table_bits) - 1);
}

/* Keys with the same bits above level_shift(level + 1) share the node at @level. */
static inline bool same_node(const struct kho_geometry *geo, uint64_t a,
			     uint64_t b, unsigned int level)
{
	return ((a ^ b) >> level_shift(geo, level + 1)) == 0;
}

static inline uint64_t load_entry(const uint64_t *slot)
{
	return __atomic_load_n(slot, __ATOMIC_ACQUIRE);
}

/* Publish a word another reader (or the next kernel) may see at any time. */
static inline void store_word(uint64_t *slot, uint64_t val)
{
	__atomic_store_n(slot, val, __ATOMIC_RELEASE);
}

/*
 * The tree lock, on every path. A hosted build takes the lock of
 * lib/hosted/lock_futex.c here, inline (lock_fast.h); a freestanding build
 * calls its environment's functions.
 */
static inline void radix_lock(struct kho_radix_tree *tree)
{
#ifdef KHO_FREESTANDING
	kho_lock_acquire(&tree->lock);
#else
	lock_fast_acquire(&tree->lock);
#endif
}

static inline void radix_unlock(struct kho_radix_tree *tree)
{
#ifdef KHO_FREESTANDING
	kho_lock_release(&tree->lock);
#else
	lock_fast_release(&tree->lock);
#endif
}

/*
 * Map a table entry of a tree someone else may have built: a node address
 * must be page-aligned and mapped, or the tree is not walked any further.
 */
int radix_map_entry(const struct kho_radix_tree *tree, uint64_t entry,
		    uint64_t **node);

/*
 * Visit every node, children before their parent (so @fn may free them);
 * @base is the lowest key under the node. A non-zero return stops the visit.
 */
typedef int (*radix_node_fn)(struct kho_radix_tree *tree, unsigned int level,
			     uint64_t *node, uint64_t base, void *arg);
int radix_for_each_node(struct kho_radix_tree *tree, radix_node_fn fn,
			void *arg);

/*
 * kho_radix_walk_ranges() without the lock. With @overlap, blocks that
 * overlap (a page preserved alone and inside a larger block) are an error:
 * -EEXIST, and *@overlap is the address where the second one starts.
 */
int radix_merge_ranges(struct kho_radix_tree *tree, kho_radix_range_cb cb,
		       kho_radix_ranges_cb batch, void *arg, uint64_t *overlap);

/*
 * Which build of the range walk's scan runs (radix_walk.c: base, with
 * popcnt/BMI, with AVX-512 VBMI2 and VPOPCNTDQ): the best the processor
 * has, decided on the first walk; tests set it to run each build.
 */
enum {
	RADIX_SCAN_AUTO = -1,
	RADIX_SCAN_BASE,
	RADIX_SCAN_BITS,
	RADIX_SCAN_VEC,
};
extern int radix_walk_scan;
/* The best build this processor and system can run. */
int radix_cpu_scan(void);

/* Is @key's bit set? Lock held. */
bool radix_test_locked(struct kho_radix_tree *tree, uint64_t key);

#endif /* KHO_RADIX_INTERNAL_H */
