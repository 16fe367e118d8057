// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * geometry.c - tree geometry per page size, and the key encoding drawn in
 * <kho/abi.h>.
 */
#include <kho/radix.h>

#include "radix_internal.h"

void (*kho_warn_hook)(const char *file, int line, const char *what);

/**
 * kho_geometry_init() - compute the tree geometry of a page size
 * @geo: filled in
 * @page_shift: 12, 14 or 16
 *
 * Return: 0, or -EINVAL for another page shift.
 */
int kho_geometry_init(struct kho_geometry *geo, unsigned int page_shift)
{
	/* 4 KiB, 16 KiB and 64 KiB pages: the sizes Linux runs 64-bit on. */
	if (page_shift != 12 && page_shift != 14 && page_shift != 16)
		return -EINVAL;

	geo->page_shift = page_shift;
	geo->order0_bit = KHO_ORDER_0_LOG2_OF(page_shift);
	geo->key_width = KHO_KEY_WIDTH_OF(page_shift);
	geo->table_bits = KHO_TABLE_SIZE_LOG2_OF(page_shift);
	geo->bitmap_bits = KHO_BITMAP_SIZE_LOG2_OF(page_shift);
	geo->depth = KHO_TREE_DEPTH_OF(page_shift);
	return 0;
}

/**
 * kho_key_encode() - the key of a block
 * @geo: geometry
 * @phys: physical address, aligned to the block size
 * @order: log2 of the block's pages, at most geo->order0_bit
 *
 * Return: the key, or 0 (never a valid key) for an order out of range:
 * above geo->order0_bit, or one whose order bit lies past the tree's
 * geo->key_width bits (order 0 of kho-v2's 16 KiB-page tree, see
 * kho_geometry_truncates_order0()).
 */
uint64_t kho_key_encode(const struct kho_geometry *geo, uint64_t phys,
			unsigned int order)
{
	if (KHO_WARN_ON(order > geo->order0_bit))
		return 0;
	/* The key would be wider than the tree: no key of this tree. */
	if (geo->order0_bit - order >= geo->key_width)
		return 0;
	/* Order order0_bit is one block of all 2^64 bytes: no address bits. */
	if (order == geo->order0_bit)
		return 1;
	return 1ULL << (geo->order0_bit - order) |
	       phys >> (geo->page_shift + order);
}

/**
 * kho_key_decode() - the block of a key
 * @geo: geometry
 * @key: a key, non-zero and below 2^key_width
 * @order: set to the block's order
 *
 * Return: the block's physical address (0 and order 0 for an invalid key).
 */
uint64_t kho_key_decode(const struct kho_geometry *geo, uint64_t key,
			unsigned int *order)
{
	unsigned int top;

	if (KHO_WARN_ON(!key || key >> geo->key_width)) {
		*order = 0;
		return 0;
	}
	top = 63 - __builtin_clzll(key);
	*order = geo->order0_bit - top;
	/* Key 1: the one block of the whole address space. */
	if (!top)
		return 0;
	/* Shifting by page_shift + order == 64 - top drops the order bit. */
	return (key & ~(1ULL << top)) << (geo->page_shift + *order);
}

/**
 * kho_range_block_order() - order of the next block of a range split
 * @pfn: first page frame not yet covered
 * @end: page frame after the range (> @pfn)
 *
 * Return: min(ctz(@pfn), ilog2(@end - @pfn)).
 */
unsigned int kho_range_block_order(uint64_t pfn, uint64_t end)
{
	unsigned int size_order, align_order;

	if (KHO_WARN_ON(end <= pfn))
		return 0;
	size_order = 63 - __builtin_clzll(end - pfn);
	/* Page frame 0 is aligned to every order. */
	align_order = pfn ? (unsigned int)__builtin_ctzll(pfn) : size_order;
	return align_order < size_order ? align_order : size_order;
}
