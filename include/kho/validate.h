/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * kho/validate.h - check a handed-over tree before trusting any of it.
 *
 * The tree comes from another kernel (or a file someone hands `kho
 * inspect`): every byte is hostile. kho_radix_validate() visits each node at
 * most once, in time linear in the number of nodes plus the pages of RAM,
 * and checks:
 *  - tables: every entry 0 or a page-aligned address of a RAM page that no
 *    other entry names (a shared or cyclic node is an error), and root
 *    entries no valid key can reach are 0;
 *  - leaves: every set bit a block whose order fits the key width, that ends
 *    below 2^64 and lies inside RAM;
 *  - blocks: no block overlaps a tree node.
 * The first failure is returned and described in a struct kho_error.
 * Blocks that overlap each other (a page preserved alone and inside a larger
 * block) or a scratch area are odd but Linux takes them (kexec_handover.c:614
 * reserves whatever the tree lists): they are warnings, not failures.
 */
#ifndef KHO_VALIDATE_H
#define KHO_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

#include <kho/kho.h>
#include <kho/radix.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * struct kho_mem_region - a range of RAM, [start, end)
 * @start: first byte, page-aligned
 * @end: byte after the last, page-aligned
 */
struct kho_mem_region {
	uint64_t start;
	uint64_t end;
};

/**
 * struct kho_tree_check - what the validator needs and what it found
 * @ram: RAM regions, ascending, not overlapping
 * @nr_ram: entries of @ram
 * @scratch: scratch areas (any order), or NULL
 * @nr_scratch: entries of @scratch
 * @seen: zeroed bitmap of kho_tree_check_words() words, one bit per page of
 *	RAM; the caller provides it (lib/ does not allocate it) and may free it
 *	after the check
 * @nr_nodes: out: nodes, root and leaves included
 * @nr_ranges: out: coalesced ranges of preserved memory
 * @err: out: the first problem found
 * @warn: out: what was accepted though odd
 */
struct kho_tree_check {
	const struct kho_mem_region *ram;
	unsigned int nr_ram;
	const struct kho_scratch *scratch;
	unsigned int nr_scratch;
	uint64_t *seen;
	uint64_t nr_nodes;
	uint64_t nr_ranges;
	struct kho_error err;
	struct kho_warnings warn;
};

/**
 * kho_tree_check_words() - size of the @seen bitmap
 * @ram: RAM regions
 * @nr_ram: entries of @ram
 * @page_shift: log2 of the page size
 *
 * Return: u64 words for one bit per page of RAM.
 */
uint64_t kho_tree_check_words(const struct kho_mem_region *ram,
			      unsigned int nr_ram, unsigned int page_shift);

/**
 * kho_radix_validate() - check a handed-over tree completely
 * @tree: tree, normally from kho_radix_attach()
 * @chk: RAM, scratch and the bitmap in; counts and the error out
 *
 * Reads the tree only: nothing is written but @chk. After success every
 * walk of @tree is safe and finite.
 * Context: takes the tree lock.
 * Return: 0, or a negative errno with @chk->err saying what and where:
 * -EINVAL (misaligned entry, unreachable root entry, invalid key),
 * -EFAULT (entry outside RAM or not mapped), -ELOOP (a node reached twice),
 * -ERANGE (block outside RAM or past 2^64), -EBUSY (a block overlaps a
 * tree node). Overlapping blocks and blocks in scratch are @chk->warn.
 */
int kho_radix_validate(struct kho_radix_tree *tree, struct kho_tree_check *chk);

#ifdef __cplusplus
}
#endif

#endif /* KHO_VALIDATE_H */
