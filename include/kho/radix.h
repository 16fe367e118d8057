/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * kho/radix.h - the KHO radix tree: which blocks of physical memory survive
 * a kexec. The format is drawn in <kho/abi.h>.
 *
 * Invariants the functions below keep:
 *  - every node is one page reached only through ops->phys_to_virt() of the
 *    physical address in its parent; a node is zeroed before it is linked,
 *    and linked with a release store, so a tree read at any instant (by a
 *    process killed mid-add, or by the next kernel) walks correctly;
 *  - a failed call leaves the tree exactly as it was;
 *  - no inner node or leaf is empty except the root: a delete that empties a
 *    node unlinks and frees it;
 *  - one lock per tree serializes every call; walk callbacks run under it and
 *    must not call back into the same tree.
 */
#ifndef KHO_RADIX_H
#define KHO_RADIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kho/abi.h>
#include <kho/lock.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * struct kho_geometry - the tree's shape for one page size
 * @page_shift: log2 of the page size: 12, 14 or 16
 * @order0_bit: position of an order-0 key's order bit (64 - page_shift)
 * @table_bits: log2 of an inner node's entries
 * @bitmap_bits: log2 of a leaf's bits
 * @depth: levels, leaf included
 * @key_width: bits of a key, order bit included (order0_bit + 1)
 */
struct kho_geometry {
	unsigned int page_shift;
	unsigned int order0_bit;
	unsigned int table_bits;
	unsigned int bitmap_bits;
	unsigned int depth;
	unsigned int key_width;
};

/**
 * struct kho_mem_ops - how the tree reaches physical memory
 * @alloc_page: one zeroed, page-aligned page, or NULL
 * @free_page: give back a page from @alloc_page
 * @virt_to_phys: physical address of a page from @alloc_page
 * @phys_to_virt: where physical address @pa is mapped, or NULL when it is not
 *	backed by memory; the tree never touches an address it did not get here
 * @ctx: passed to every op
 */
struct kho_mem_ops {
	void *(*alloc_page)(void *ctx);
	void (*free_page)(void *ctx, void *page);
	uint64_t (*virt_to_phys)(void *ctx, const void *va);
	void *(*phys_to_virt)(void *ctx, uint64_t pa);
	void *ctx;
};

/**
 * struct kho_radix_tree - a tree and what is needed to reach it
 * @geo: geometry
 * @ops: memory operations
 * @root: the root node, mapped
 * @root_phys: physical address of the root
 * @attached: adopted with kho_radix_attach(): read-only, nodes not ours
 * @finger_key: key of the last descent, or KHO_RADIX_NO_FINGER (always, for
 *	an attached tree)
 * @finger_node: the nodes on that key's path, by level (0 = leaf): the next
 *	descent starts at the lowest node it shares with the last one, so adds
 *	that stay in one leaf skip the descent altogether
 * @index_shift: per level, the lowest key bit of its index
 * @start_level: by the highest bit in which a key differs from the finger's,
 *	the level of the lowest node both share: where a descent starts
 * @lock: serializes every call
 *
 * Caller-allocated; the fields are the library's.
 */
struct kho_radix_tree {
	struct kho_geometry geo;
	struct kho_mem_ops ops;
	uint64_t *root;
	uint64_t root_phys;
	bool attached;
	uint64_t finger_key;
	uint64_t *finger_node[KHO_TREE_MAX_DEPTH];
	uint8_t index_shift[KHO_TREE_MAX_DEPTH];
	uint8_t start_level[64];
	struct kho_lock lock;
};

#define KHO_RADIX_NO_FINGER UINT64_MAX

/**
 * struct kho_radix_stats - what a tree holds and what it costs
 * @nodes: nodes per level; level 0 are the leaves, level depth-1 the root
 * @nr_nodes: all nodes, leaves and root included
 * @bytes: memory the nodes take (nr_nodes pages)
 * @blocks: preserved blocks per order
 * @nr_blocks: all preserved blocks
 * @preserved_bytes: sum of the blocks' sizes (overlapping blocks, which
 *	validation refuses, would count twice)
 */
struct kho_radix_stats {
	uint64_t nodes[KHO_TREE_MAX_DEPTH];
	uint64_t nr_nodes;
	uint64_t bytes;
	uint64_t blocks[KHO_MAX_ORDERS];
	uint64_t nr_blocks;
	uint64_t preserved_bytes;
};

/**
 * kho_geometry_init() - compute the tree geometry of a page size
 * @geo: filled in
 * @page_shift: 12, 14 or 16
 *
 * Return: 0, or -EINVAL for another page shift.
 */
int kho_geometry_init(struct kho_geometry *geo, unsigned int page_shift);

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
			unsigned int order);

/**
 * kho_key_decode() - the block of a key
 * @geo: geometry
 * @key: a key, non-zero and below 2^key_width
 * @order: set to the block's order
 *
 * Return: the block's physical address (0 and order 0 for key 0).
 */
uint64_t kho_key_decode(const struct kho_geometry *geo, uint64_t key,
			unsigned int *order);

/**
 * kho_radix_init() - a new, empty tree
 * @tree: caller-allocated
 * @geo: geometry (copied)
 * @ops: memory operations (copied)
 *
 * Allocates the root.
 * Return: 0, -EINVAL for a bad geometry or missing op, -ENOMEM.
 */
int kho_radix_init(struct kho_radix_tree *tree, const struct kho_geometry *geo,
		   const struct kho_mem_ops *ops);

/**
 * kho_radix_attach() - adopt a tree someone else built
 * @tree: caller-allocated
 * @geo: geometry (copied)
 * @ops: memory operations (copied); only phys_to_virt is needed
 * @root_phys: physical address of the root
 *
 * The tree is read-only: add and delete return -EPERM, and
 * kho_radix_destroy() frees nothing. It caches no descent path, since its
 * owner may change it at any time. Entries are checked as they are read:
 * every node address must be page-aligned and mapped by phys_to_virt.
 * Return: 0, -EINVAL (bad geometry, root 0 or misaligned), -EFAULT (root not
 * mapped).
 */
int kho_radix_attach(struct kho_radix_tree *tree, const struct kho_geometry *geo,
		     const struct kho_mem_ops *ops, uint64_t root_phys);

/**
 * kho_radix_root_phys() - physical address of the tree's root
 * @tree: tree
 *
 * Return: what the root FDT's preserved-memory-map property carries.
 */
uint64_t kho_radix_root_phys(const struct kho_radix_tree *tree);

/**
 * kho_radix_destroy() - free every node of a tree
 * @tree: tree; an attached tree is only forgotten. A tree destroyed already
 *	is left alone: a second call is a no-op, as for kho_out_destroy().
 */
void kho_radix_destroy(struct kho_radix_tree *tree);

/**
 * kho_radix_add_page() - record a block as preserved
 * @tree: tree
 * @pfn: first page frame, aligned to 2^@order
 * @order: log2 of the block's pages
 *
 * Adding a block already present succeeds. On failure the nodes this call
 * allocated are unlinked and freed: the tree is unchanged.
 * Context: takes the tree lock; may allocate.
 * Return: 0, -EINVAL (misaligned pfn), -ERANGE (key wider than the tree, or
 * a block that does not end below 2^64: (pfn + 2^order) << page_shift must
 * not wrap), -ENOMEM, -EPERM (attached tree).
 */
int kho_radix_add_page(struct kho_radix_tree *tree, uint64_t pfn,
		       unsigned int order);

/**
 * kho_radix_del_page() - forget a preserved block
 * @tree: tree
 * @pfn: first page frame
 * @order: its order, as added
 *
 * Nodes left empty are unlinked and freed.
 * Context: takes the tree lock.
 * Return: 0, -ENOENT (not present), -EINVAL, -ERANGE, -EPERM as for add.
 */
int kho_radix_del_page(struct kho_radix_tree *tree, uint64_t pfn,
		       unsigned int order);

/**
 * kho_radix_test_page() - is a block preserved
 * @tree: tree
 * @pfn: first page frame
 * @order: order
 *
 * Only the exact block counts, not a larger block around it.
 * Context: takes the tree lock.
 * Return: true when present.
 */
bool kho_radix_test_page(struct kho_radix_tree *tree, uint64_t pfn,
			 unsigned int order);

/* Called per block, in ascending key order; non-zero stops the walk. */
typedef int (*kho_radix_block_cb)(uint64_t phys, unsigned int order, void *arg);
#ifndef __cplusplus
/*
 * The same type under the kernel's name. C++ does not have it: there
 * kho_radix_walk_cb names struct kho_radix_walk_cb (kho_radix_walk_tree()),
 * and a type name may not be both.
 */
typedef kho_radix_block_cb kho_radix_walk_cb;
#endif

/**
 * kho_radix_walk() - visit every preserved block
 * @tree: tree
 * @cb: called with each block's address and order, ascending key order
 *	(largest orders first, then ascending address), as Linux walks;
 *	required
 * @arg: passed to @cb
 *
 * Context: holds the tree lock throughout; @cb must not call into @tree.
 * Return: 0, @cb's first non-zero return, -EINVAL (with a kho_warn_hook
 * warning, nothing walked) for a NULL @cb, or -EFAULT/-EINVAL for an
 * attached tree with an entry that is misaligned or not mapped.
 */
int kho_radix_walk(struct kho_radix_tree *tree, kho_radix_block_cb cb,
		   void *arg);

/**
 * kho_radix_add_range() - preserve a run of pages
 * @tree: tree
 * @pfn: first page frame
 * @nr_pages: pages
 *
 * Split like the kernel's kho_preserve_pages(): blocks of order
 * min(ctz(pfn), ilog2(pages left)). On failure the blocks this call added
 * are removed again; blocks that were present before stay.
 * Context: takes the tree lock; may allocate.
 * Return: 0, -EINVAL (nr_pages 0), -ERANGE (past the keys, or a split
 * with an order-0 block on kho-v2's 16 KiB-page tree, which has no place
 * for one: @pfn and @pfn + @nr_pages must be even there), -ENOMEM, -EPERM.
 */
int kho_radix_add_range(struct kho_radix_tree *tree, uint64_t pfn,
			uint64_t nr_pages);

/**
 * kho_radix_del_range() - unpreserve a run of pages
 * @tree: tree
 * @pfn: first page frame, as given to kho_radix_add_range()
 * @nr_pages: pages, as given to kho_radix_add_range()
 *
 * Same split as the add. All or nothing: when a block is missing nothing is
 * deleted.
 * Context: takes the tree lock.
 * Return: 0, -ENOENT, -EINVAL, -ERANGE, -EPERM.
 */
int kho_radix_del_range(struct kho_radix_tree *tree, uint64_t pfn,
			uint64_t nr_pages);

/**
 * kho_radix_add_blocks() - record a run of equal blocks in one call
 * @tree: tree
 * @pfn: first page frame of the first block, aligned to 2^@order
 * @nr_blocks: blocks, each 2^@order pages, back to back
 * @order: their order
 *
 * The batch form of kho_radix_add_page() for memory preserved block by block
 * but contiguous (a file's folios, a guest's RAM): one lock, one descent per
 * leaf, up to 64 blocks per word store. The blocks keep their order; unlike
 * kho_radix_add_range() nothing becomes a larger block.
 * Context: takes the tree lock; may allocate.
 * Return: 0, -EINVAL, -ERANGE, -ENOMEM, -EPERM; on failure nothing changed.
 */
int kho_radix_add_blocks(struct kho_radix_tree *tree, uint64_t pfn,
			 uint64_t nr_blocks, unsigned int order);

/**
 * kho_radix_del_blocks() - forget a run of equal blocks in one call
 * @tree: tree
 * @pfn: first page frame of the first block
 * @nr_blocks: blocks, as given to kho_radix_add_blocks()
 * @order: their order
 *
 * All or nothing: when one block is missing nothing is deleted. Nodes left
 * empty are freed.
 * Context: takes the tree lock.
 * Return: 0, -ENOENT, -EINVAL, -ERANGE, -EPERM.
 */
int kho_radix_del_blocks(struct kho_radix_tree *tree, uint64_t pfn,
			 uint64_t nr_blocks, unsigned int order);

/* Called per coalesced range [start, end); non-zero stops the walk. */
typedef int (*kho_radix_range_cb)(uint64_t start, uint64_t end, void *arg);

/**
 * kho_radix_walk_ranges() - preserved memory as coalesced physical ranges
 * @tree: tree
 * @cb: called with each maximal [start, end) of preserved memory, ascending
 *	address; adjacent blocks merge whatever their orders; required
 * @arg: passed to @cb
 *
 * This is what the next kernel reserves: one call per range, not per block.
 * Context: holds the tree lock throughout; @cb must not call into @tree.
 * Allocates nothing; takes about 4.5 KiB of stack below @cb's frame, 10 KiB
 * when the tree holds more than 9 orders.
 * Return: as kho_radix_walk().
 */
int kho_radix_walk_ranges(struct kho_radix_tree *tree, kho_radix_range_cb cb,
			  void *arg);

/**
 * struct kho_radix_range - preserved memory [start, end), bytes
 * @start: first byte
 * @end: byte after the last
 */
struct kho_radix_range {
	uint64_t start;
	uint64_t end;
};

/* Called per array of @nr coalesced ranges; non-zero stops the walk. */
typedef int (*kho_radix_ranges_cb)(const struct kho_radix_range *r, size_t nr,
				   void *arg);

/**
 * kho_radix_walk_range_batches() - kho_radix_walk_ranges(), an array at a time
 * @tree: tree
 * @cb: called with arrays of maximal ranges, ascending address within and
 *	across calls; the array is valid only during the call; required
 * @arg: passed to @cb
 *
 * The same ranges as kho_radix_walk_ranges() reports, in arrays: one call
 * per array rather than per range, for a caller that stores or reserves
 * many ranges at once.
 * Context: holds the tree lock throughout; @cb must not call into @tree.
 * Stack as kho_radix_walk_ranges().
 * Return: as kho_radix_walk().
 */
int kho_radix_walk_range_batches(struct kho_radix_tree *tree,
				 kho_radix_ranges_cb cb, void *arg);

/**
 * kho_radix_get_stats() - count nodes per level and blocks per order
 * @tree: tree
 * @stats: filled in; required
 *
 * Context: takes the tree lock.
 * Return: 0, -EINVAL (with a warning) for a NULL @stats, or -EFAULT/-EINVAL
 * as kho_radix_walk().
 */
int kho_radix_get_stats(struct kho_radix_tree *tree,
			struct kho_radix_stats *stats);

/*
 * The kernel's key API (include/linux/kho_radix_tree.h in Linux 7.3), with
 * the same names and an explicit tree: code written against it ports
 * directly. A key is any number of at most geo.key_width bits; for the
 * preserved-memory map it is kho_key_encode()'s, but the tree does not care
 * (Linux also keeps a tree of 1 GiB block numbers in it).
 */

/**
 * struct kho_radix_walk_cb - what kho_radix_walk_tree() calls
 * @leaf: called for each set key, ascending; NULL: none
 * @node: called for each node with its physical address, a node before the
 *	nodes below it and a leaf before its keys; NULL: none
 *
 * A non-zero return stops the walk and is returned. (Not to be confused
 * with the kho_radix_walk_cb typedef of kho_radix_walk(): C keeps struct
 * tags apart from type names, and both names are the kernel's. C++ does not,
 * and has only this struct under the name; the typedef is kho_radix_block_cb
 * there.)
 */
struct kho_radix_walk_cb {
	int (*leaf)(uint64_t key, void *data);
	int (*node)(uint64_t phys, void *data);
};

/**
 * kho_radix_add_key() - set a key
 * @tree: tree
 * @key: key, at most geo.key_width bits wide; 0 is a key too
 *
 * The kernel's kho_radix_add_key(). Setting a key already set succeeds. On
 * failure the nodes this call allocated are unlinked and freed.
 * Context: takes the tree lock; may allocate.
 * Return: 0, -ERANGE (key wider than the tree), -ENOMEM, -EPERM (attached
 * tree).
 */
int kho_radix_add_key(struct kho_radix_tree *tree, uint64_t key);

/**
 * kho_radix_del_key() - clear a key
 * @tree: tree
 * @key: key
 *
 * The kernel's kho_radix_del_key(), which returns nothing (callers that
 * ignore the result port unchanged). Unlike the kernel's, nodes left empty
 * are unlinked and freed.
 * Context: takes the tree lock.
 * Return: 0, -ENOENT (not set), -ERANGE, -EPERM.
 */
int kho_radix_del_key(struct kho_radix_tree *tree, uint64_t key);

/**
 * kho_radix_walk_tree() - visit every node and every set key
 * @tree: tree
 * @cb: callbacks, required; either member may be NULL
 * @data: passed to each callback
 *
 * The kernel's kho_radix_walk_tree(), in its order: depth first in index
 * order, each node reported before what is below it; a leaf's keys
 * ascending after the leaf itself. Keys are reported as stored, key 0 and
 * keys no block encodes included.
 * Context: holds the tree lock throughout; callbacks must not call into
 * @tree.
 * Return: 0, the first non-zero callback return, -EINVAL (with a warning)
 * for a NULL @cb, or -EFAULT/-EINVAL for an attached tree with an entry
 * that is misaligned or not mapped.
 */
int kho_radix_walk_tree(struct kho_radix_tree *tree,
			const struct kho_radix_walk_cb *cb, void *data);

/* Split of a page run into aligned blocks, as the kernel does it. */

/**
 * kho_range_block_order() - order of the next block of a range split
 * @pfn: first page frame not yet covered
 * @end: page frame after the range (> @pfn)
 *
 * Return: min(ctz(@pfn), ilog2(@end - @pfn)).
 */
unsigned int kho_range_block_order(uint64_t pfn, uint64_t end);

/**
 * kho_warn_hook - called when a caller passes an impossible argument
 *
 * The library returns an error for it too. NULL (the default) stays silent;
 * tests and debug builds set it to make such calls loud.
 */
extern void (*kho_warn_hook)(const char *file, int line, const char *what);

#ifdef __cplusplus
}
#endif

#endif /* KHO_RADIX_H */
