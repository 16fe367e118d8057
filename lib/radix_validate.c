// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * radix_validate.c - check a handed-over tree before anything trusts it.
 *
 * Two passes. The first visits the nodes: each table entry is checked before
 * it is followed, and its page is marked in the caller's bitmap of RAM
 * pages, so a node named twice (a shared subtree, a cycle, every entry
 * pointing at one node) is caught at its second mention: the pass costs one
 * look at each entry of each distinct node, never a path count. The second
 * pass merges the blocks into ranges (the walk the next kernel reserves
 * with) and checks each range against RAM, scratch and the node pages.
 */
#include <kho/validate.h>
#include <kho/version.h>

#include "radix_internal.h"

static int check_fail(struct kho_tree_check *chk, int code, const char *what,
		      uint64_t phys, int level, long index)
{
	chk->err.code = code;
	chk->err.what = what;
	chk->err.property = NULL;
	chk->err.phys = phys;
	chk->err.level = level;
	chk->err.index = index;
	return code;
}

/**
 * kho_tree_check_words() - size of the @seen bitmap
 * @ram: RAM regions
 * @nr_ram: entries of @ram
 * @page_shift: log2 of the page size
 *
 * Return: u64 words for one bit per page of RAM.
 */
uint64_t kho_tree_check_words(const struct kho_mem_region *ram,
			      unsigned int nr_ram, unsigned int page_shift)
{
	uint64_t pages = 0;
	unsigned int i;

	for (i = 0; i < nr_ram; i++)
		pages += (ram[i].end - ram[i].start) >> page_shift;
	return (pages + BITS_PER_WORD - 1) / BITS_PER_WORD;
}

/*
 * Ordinal of the RAM page holding @phys, counting across regions; false
 * outside RAM. Regions are few (a machine's memory map), so a scan is fine.
 */
static bool ram_page(const struct kho_tree_check *chk, unsigned int shift,
		     uint64_t phys, uint64_t *ordinal)
{
	uint64_t before = 0;
	unsigned int i;

	for (i = 0; i < chk->nr_ram; i++) {
		const struct kho_mem_region *r = &chk->ram[i];

		if (phys >= r->start && phys < r->end) {
			*ordinal = before + ((phys - r->start) >> shift);
			return true;
		}
		before += (r->end - r->start) >> shift;
	}
	return false;
}

/* Is [start, end) inside RAM (touching regions count as one)? */
static bool ram_covers(const struct kho_tree_check *chk, uint64_t start,
		       uint64_t end)
{
	unsigned int i;

	for (i = 0; i < chk->nr_ram && start < end; i++) {
		const struct kho_mem_region *r = &chk->ram[i];

		if (start >= r->start && start < r->end)
			start = end < r->end ? end : r->end;
	}
	return start >= end;
}

static bool test_and_set(uint64_t *map, uint64_t bit)
{
	uint64_t mask = 1ULL << (bit % BITS_PER_WORD);
	uint64_t *word = &map[bit / BITS_PER_WORD];
	bool was = *word & mask;

	*word |= mask;
	return was;
}

/* Pass 1: every node once, every entry checked before it is followed. */
static int check_nodes(struct kho_radix_tree *tree, struct kho_tree_check *chk)
{
	const struct kho_geometry *geo = &tree->geo;
	const unsigned int entries = 1U << geo->table_bits;
	const unsigned int top = geo->depth - 1;
	/* Root entries at or past this index hold keys wider than the tree. */
	const unsigned int root_entries =
		1U << (geo->key_width - level_shift(geo, top));
	uint64_t *stack[KHO_TREE_MAX_DEPTH];
	unsigned int next[KHO_TREE_MAX_DEPTH];
	unsigned int level = top, idx;
	uint64_t entry, page;

	if (!ram_page(chk, geo->page_shift, tree->root_phys, &page))
		return check_fail(chk, -EFAULT,
				  "the tree's root is outside RAM",
				  tree->root_phys, top, KHO_ERR_NO_INDEX);
	test_and_set(chk->seen, page);
	chk->nr_nodes = 1;
	stack[top] = tree->root;
	next[top] = 0;

	for (;;) {
		if (!level || next[level] == entries) {
			if (level == top)
				return 0;
			level++;
			continue;
		}
		idx = next[level]++;
		entry = load_entry(&stack[level][idx]);
		if (!entry)
			continue;
		if (level == top && idx >= root_entries)
			return check_fail(
				chk, -EINVAL,
				"a root entry no valid key can reach is set",
				entry, level, idx);
		if (entry & (page_size(geo) - 1))
			return check_fail(chk, -EINVAL,
					  "a table entry is not page-aligned",
					  entry, level, idx);
		if (!ram_page(chk, geo->page_shift, entry, &page))
			return check_fail(chk, -EFAULT,
					  "a table entry points outside RAM",
					  entry, level, idx);
		if (test_and_set(chk->seen, page))
			return check_fail(
				chk, -ELOOP,
				"a tree node is reached twice (shared or cyclic)",
				entry, level, idx);
		if (radix_map_entry(tree, entry, &stack[level - 1]))
			return check_fail(
				chk, -EFAULT,
				"a table entry points to unmapped memory",
				entry, level, idx);
		chk->nr_nodes++;
		level--;
		next[level] = 0;
	}
}

/*
 * Keys the range walk leaves out because no valid block has them: key 0 (no
 * order bit), key 1 (a block of all 2^64 bytes) and each order's last key
 * (a block ending at 2^64). A set bit there is an error, not a silent skip.
 */
static int check_invalid_keys(struct kho_radix_tree *tree,
			      struct kho_tree_check *chk)
{
	const struct kho_geometry *geo = &tree->geo;
	const uint64_t bit_mask = leaf_keys(geo) - 1;
	unsigned int order, n;
	uint64_t key;

	for (n = 0; n <= geo->order0_bit + 1; n++) {
		/* n = 0: key 0; n = 1: key 1; n >= 2: order n - 1's last key. */
		key = n < 2 ? n : (1ULL << (geo->order0_bit - (n - 2) + 1)) - 1;
		if (!radix_test_locked(tree, key))
			continue;
		order = n < 2 ? geo->order0_bit : n - 2;
		return check_fail(
			chk, -ERANGE,
			n ? "a leaf holds a block that reaches past 2^64" :
			    "a leaf holds key 0, which has no order bit",
			n > 1 ? (key & ~(1ULL << (geo->order0_bit - order)))
					<< (geo->page_shift + order) :
				0,
			0, (long)(key & bit_mask));
	}
	return 0;
}

struct range_check {
	struct kho_radix_tree *tree;
	struct kho_tree_check *chk;
};

/* Pass 2: one coalesced range of preserved memory. */
static int check_range(uint64_t start, uint64_t end, void *arg)
{
	struct range_check *rc = arg;
	struct kho_tree_check *chk = rc->chk;
	unsigned int shift = rc->tree->geo.page_shift;
	uint64_t phys, page = 0;
	unsigned int i;

	chk->nr_ranges++;
	if (!ram_covers(chk, start, end))
		return check_fail(
			chk, -ERANGE,
			kho_geometry_truncates_order0(&rc->tree->geo) ?
				"preserved memory lies outside RAM (kho-v2 on 16 KiB pages: an order-0 page's key loses its order bit there and reads as a larger block)" :
				"preserved memory lies outside RAM",
			start, KHO_ERR_NO_LEVEL, KHO_ERR_NO_INDEX);
	for (i = 0; i < chk->nr_scratch; i++) {
		const struct kho_scratch *s = &chk->scratch[i];

		if (start < s->addr + s->size && s->addr < end)
			kho_warn(&chk->warn,
				 "preserved memory overlaps a scratch area",
				 NULL, start > s->addr ? start : s->addr, i);
	}
	/* Node pages are marked in @seen: none may be inside the range. */
	for (phys = start; phys < end; phys += 1ULL << shift) {
		ram_page(chk, shift, phys, &page);
		if (chk->seen[page / BITS_PER_WORD] &
		    1ULL << (page % BITS_PER_WORD))
			return check_fail(
				chk, -EBUSY,
				"preserved memory overlaps a tree node", phys,
				KHO_ERR_NO_LEVEL, KHO_ERR_NO_INDEX);
	}
	return 0;
}

struct order0_check {
	const struct kho_geometry *geo;
	struct kho_tree_check *chk;
};

/*
 * kho-v2 on 16 KiB pages: the tree has no room for an order-0 key's order
 * bit, so the key of order-0 page p was stored as p itself, which is also
 * the key of some larger block. A key whose order-0 reading is a page of
 * RAM cannot be told apart: refuse it rather than guess.
 */
static int check_order0_reading(uint64_t phys, unsigned int order, void *arg)
{
	struct order0_check *oc = arg;
	uint64_t key = kho_key_encode(oc->geo, phys, order);
	uint64_t page = key << oc->geo->page_shift;

	/* Keys below 2^(64 - page_shift) have a page address: no wrap. */
	if (!ram_covers(oc->chk, page, page + (1ULL << oc->geo->page_shift)))
		return 0;
	return check_fail(
		oc->chk, -EINVAL,
		"kho-v2 on 16 KiB pages: this key is also the truncated key of an order-0 page in RAM (order-0 and larger blocks collide in that tree)",
		phys, 0, (long)(key & ((1ULL << oc->geo->bitmap_bits) - 1)));
}

/**
 * kho_radix_validate() - check a handed-over tree completely
 * @tree: tree, normally from kho_radix_attach()
 * @chk: RAM, scratch and the bitmap in; counts and the error out
 *
 * Context: takes the tree lock.
 * Return: 0, or a negative errno with @chk->err saying what and where.
 */
int kho_radix_validate(struct kho_radix_tree *tree, struct kho_tree_check *chk)
{
	struct range_check rc = { .tree = tree, .chk = chk };
	uint64_t overlap;
	int ret;

	chk->nr_nodes = 0;
	chk->nr_ranges = 0;
	chk->err.code = 0;
	chk->err.what = NULL;
	chk->warn.nr = 0;

	kho_lock_acquire(&tree->lock);
	ret = check_nodes(tree, chk);
	if (!ret)
		ret = check_invalid_keys(tree, chk);
	if (!ret) {
		ret = radix_merge_ranges(tree, check_range, NULL, &rc, &overlap);
		if (ret == -EEXIST) {
			/* Linux reserves both: check their union instead. */
			chk->warn.nr = 0;
			chk->nr_ranges = 0;
			ret = radix_merge_ranges(tree, check_range, NULL, &rc, NULL);
			kho_warn(
				&chk->warn,
				"two preserved blocks overlap (a page is preserved twice)",
				NULL, overlap, KHO_ERR_NO_INDEX);
		}
		if (ret && !chk->err.code)
			check_fail(chk, ret, "the tree cannot be walked",
				   KHO_ERR_NO_ADDR, KHO_ERR_NO_LEVEL,
				   KHO_ERR_NO_INDEX);
	}
	kho_lock_release(&tree->lock);
	/* The tree is sound now: walking it is safe and finite. */
	if (!ret && kho_geometry_truncates_order0(&tree->geo)) {
		struct order0_check oc = { .geo = &tree->geo, .chk = chk };

		ret = kho_radix_walk(tree, check_order0_reading, &oc);
	}
	return ret;
}
