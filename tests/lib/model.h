/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * model.h - the simple model a radix tree is checked against: a sorted set
 * of (phys, order) blocks, kept in the order a walk must visit them (largest
 * order first, then ascending address, which is ascending key order).
 *
 * The model computes keys, node counts and coalesced ranges on its own, from
 * the page shift alone, without the library's helpers, so a test compares
 * two independent answers.
 */
#ifndef TESTS_MODEL_H
#define TESTS_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kho/radix.h>

struct model_block {
	uint64_t phys;
	unsigned int order;
};

struct model_range {
	uint64_t start;
	uint64_t end; /* exclusive */
};

struct model {
	unsigned int page_shift;
	struct model_block *v; /* walk order */
	size_t n, cap;
};

void model_init(struct model *m, unsigned int page_shift);
void model_free(struct model *m);
void model_clear(struct model *m);
void model_copy(struct model *dst, const struct model *src);
bool model_equal(const struct model *a, const struct model *b);

/* Blocks by page frame, like the tree's API. */
bool model_has(const struct model *m, uint64_t pfn, unsigned int order);
/* true when the block was not there before. */
bool model_add(struct model *m, uint64_t pfn, unsigned int order);
/* true when the block was there. */
bool model_del(struct model *m, uint64_t pfn, unsigned int order);

/*
 * A run of @nr blocks of @order from @pfn, back to back (as
 * kho_radix_add_blocks() takes them). Add: returns how many were new. Del:
 * all or nothing, returns false (and changes nothing) when one is missing.
 */
uint64_t model_add_blocks(struct model *m, uint64_t pfn, uint64_t nr,
			  unsigned int order);
bool model_has_blocks(const struct model *m, uint64_t pfn, uint64_t nr,
		      unsigned int order);
bool model_del_blocks(struct model *m, uint64_t pfn, uint64_t nr,
		      unsigned int order);

/* The key of a block, computed from abi.md's formula. */
uint64_t model_key(unsigned int page_shift, uint64_t phys, unsigned int order);
/* Levels of a tree for this page shift, leaf included. */
unsigned int model_depth(unsigned int page_shift);

/*
 * The kernel's split of [pfn, pfn + nr) into aligned blocks, computed here
 * independently: calls @fn for each block in order; stops and returns
 * @fn's non-zero return. @nr must not be 0.
 */
int model_split(uint64_t pfn, uint64_t nr,
		int (*fn)(uint64_t pfn, unsigned int order, void *arg),
		void *arg);

/* Coalesced [start, end) ranges in ascending address; caller frees *out. */
size_t model_ranges(const struct model *m, struct model_range **out);
/* Sum of the blocks' sizes, and bytes covered (overlaps counted once). */
uint64_t model_sum_bytes(const struct model *m);
uint64_t model_union_bytes(const struct model *m);
/*
 * Nodes per level (0 = leaves, depth-1 = root) that a tree holding exactly
 * these blocks and no empty node has; @nodes has model_depth() entries.
 * Returns the total.
 */
uint64_t model_nodes(const struct model *m, uint64_t *nodes);

/*
 * cmocka assertions that @t holds exactly the model: kho_radix_walk() yields
 * the model's blocks in order, kho_radix_walk_ranges() its coalesced ranges,
 * kho_radix_get_stats() its counts (blocks per order, nodes per level: every
 * empty node reclaimed). @what names the check in failure messages.
 */
void model_assert_tree(const struct model *m, struct kho_radix_tree *t,
		       const char *what);
/* Only the walk (for attached trees, where stats are checked apart). */
void model_assert_walk(const struct model *m, struct kho_radix_tree *t,
		       const char *what);

/*
 * A tree's coalesced ranges, walked every way: kho_radix_walk_ranges() and
 * kho_radix_walk_range_batches(), each with every build of the scan the
 * processor can run (base, popcnt/BMI, AVX-512 VBMI2 and VPOPCNTDQ). Fails
 * the test when two ways differ in ranges or return. *@out (malloc'd) and
 * *@n are the ranges; the return is the walks'.
 */
int model_walk_ranges(struct kho_radix_tree *t, struct model_range **out,
		      size_t *n, const char *what);

/* Collect a tree's walk into a model (blocks in the order visited). */
int model_from_walk(struct model *m, struct kho_radix_tree *t);

#endif /* TESTS_MODEL_H */
