/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * kho/block.h - KHO serialization blocks (Linux 7.2+, versioned by kho-v4):
 * a chain of one-page blocks, each a 16-byte header followed by fixed-size
 * entries, that a subsystem uses to hand over an array of records.
 *
 *   head_pa
 *     |     one page (KHO_BLOCK_SIZE = PAGE_SIZE), preserved as order 0
 *     v    +------+-------+---------+---------+-- --+---------+-------+
 *   block  | next | count | entry 0 | entry 1 | ... | entry n | (0s)  |
 *          +--|---+-------+---------+---------+-- --+---------+-------+
 *             v           <---- count entries of entry_size bytes --->
 *   next block ... (next = 0: last)
 *
 * Capacity of a block: (page size - 16) / entry_size entries. The writer
 * fills every block before it links the next one, so only the last block
 * may be partly used; an empty chain is head_pa 0.
 *
 * A reader checks, as the kernel does (kernel/liveupdate/kho_block.c,
 * kho_block_set_restore() and kho_block_set_is_cyclic()): the chain is not
 * cyclic, it has at most KHO_MAX_BLOCKS blocks, and every block's count is
 * between 1 and its capacity. It also checks what the kernel takes on
 * trust: each block is page-aligned and mapped.
 *
 * Writer: on struct kho_out, blocks from kho_alloc_preserve(). Reader: on a
 * struct kho_view, so kernel B and `kho inspect` decode chains alike.
 */
#ifndef KHO_BLOCK_H
#define KHO_BLOCK_H

#include <stddef.h>
#include <stdint.h>

#include <kho/abi.h>
#include <kho/kho.h>
#include <kho/view.h>

#ifdef __cplusplus
extern "C" {
#endif

/* include/linux/kho/abi/block.h: the header at the start of every block. */
struct kho_block_header_ser {
	uint64_t next; /* physical address of the next block, 0 = last */
	uint64_t count; /* entries that follow the header in this block */
} __attribute__((packed));

KHO_STATIC_ASSERT(sizeof(struct kho_block_header_ser) == 16,
		  "a block header is 16 bytes");

/*
 * The most blocks a chain may have (kernel/liveupdate/kho_block.c,
 * KHO_MAX_BLOCKS): 40 MB of 4 KiB blocks; a longer chain is refused.
 */
#define KHO_MAX_BLOCKS 10000

/**
 * kho_block_capacity() - entries of @entry_size bytes one block holds
 * @page_shift: the handover's page size, log2
 * @entry_size: bytes per entry
 *
 * Return: (page size - 16) / @entry_size; 0 when @entry_size is 0 or does
 * not fit a block.
 */
static inline uint64_t kho_block_capacity(unsigned int page_shift,
					  size_t entry_size)
{
	uint64_t room =
		(1ULL << page_shift) - sizeof(struct kho_block_header_ser);

	return entry_size ? room / entry_size : 0;
}

/* ---- writer (kernel A) --------------------------------------------------- */

/**
 * struct kho_block_set - an outgoing chain of blocks (the kernel's
 *	struct kho_block_set, without its list: the chain itself is walked)
 * @out: the handover the blocks are preserved in
 * @entry_size: bytes per entry
 * @count_per_block: entries a block holds
 * @nblocks: blocks in the chain
 * @head_pa: physical address of the first block, 0 when empty
 * @last: the last block, mapped, or NULL
 * @count: entries reserved so far (kho_block_set_append())
 */
struct kho_block_set {
	struct kho_out *out;
	size_t entry_size;
	uint64_t count_per_block;
	uint64_t nblocks;
	uint64_t head_pa;
	struct kho_block_header_ser *last;
	uint64_t count;
};

/**
 * kho_block_set_init() - start an empty chain of @entry_size-byte entries
 * @bs: caller-allocated, filled in
 * @out: outgoing handover whose memory the blocks come from
 * @entry_size: bytes per entry, at least 1, at most a page minus 16
 *
 * Allocates nothing.
 * Context: any.
 * Return: 0, or -EINVAL for an entry size no block can hold.
 */
int kho_block_set_init(struct kho_block_set *bs, struct kho_out *out,
		       size_t entry_size);

/**
 * kho_block_set_grow() - make room for @count entries
 * @bs: chain
 * @count: entries the chain must hold
 *
 * Adds blocks (each kho_alloc_preserve()'d, zeroed, linked at the end)
 * until the chain holds @count entries, as kho_block_set_grow() in the
 * kernel does at preserve time.
 * Context: may allocate.
 * Return: 0, -ENOSPC (more than KHO_MAX_BLOCKS blocks needed) or -ENOMEM;
 * on failure the blocks this call added are freed again.
 */
int kho_block_set_grow(struct kho_block_set *bs, uint64_t count);

/**
 * kho_block_set_shrink() - free blocks not needed for @count entries
 * @bs: chain
 * @count: entries the chain must still hold
 *
 * Frees last blocks while the ones before them hold @count entries.
 * Entries are removed last first: the last block's entries are lost.
 * Context: frees.
 */
void kho_block_set_shrink(struct kho_block_set *bs, uint64_t count);

/**
 * kho_block_set_append() - add one entry at the end of the chain
 * @bs: chain
 * @entry: @bs->entry_size bytes to copy in
 *
 * Grows the chain by a block when the last one is full, then stores the
 * entry and raises that block's count. The chain's layout is the kernel's:
 * full blocks, then the last one.
 * Context: may allocate.
 * Return: 0, -ENOSPC or -ENOMEM (the chain is then unchanged).
 */
int kho_block_set_append(struct kho_block_set *bs, const void *entry);

/**
 * kho_block_set_entry() - the entry at @index, to read or update in place
 * @bs: chain
 * @index: below @bs->count
 *
 * Context: any.
 * Return: the entry, or NULL when @index is past the end.
 */
void *kho_block_set_entry(struct kho_block_set *bs, uint64_t index);

/**
 * kho_block_set_for_each() - visit the entries written so far, in order
 * @bs: chain
 * @fn: called with each entry (writable) and its index; non-zero stops
 * @arg: passed to @fn
 *
 * One walk of the chain, however many blocks it has.
 * Context: any.
 * Return: 0, or @fn's non-zero return.
 */
int kho_block_set_for_each(struct kho_block_set *bs,
			   int (*fn)(void *entry, uint64_t index, void *arg),
			   void *arg);

/**
 * kho_block_set_destroy() - unpreserve and free every block
 * @bs: chain; empty afterwards
 *
 * Context: frees.
 */
void kho_block_set_destroy(struct kho_block_set *bs);

/* ---- reader (kernel B, kho inspect) -------------------------------------- */

/*
 * Called per entry, in chain order: @entry (entry_size bytes, maybe
 * unaligned) at @phys, @index counting from 0 over the whole chain.
 * Non-zero stops the read and is returned.
 */
typedef int (*kho_block_entry_cb)(const void *entry, uint64_t phys,
				  uint64_t index, void *arg);

/**
 * struct kho_block_info - what a chain held
 * @nr_blocks: blocks
 * @nr_entries: entries over all blocks
 */
struct kho_block_info {
	uint64_t nr_blocks;
	uint64_t nr_entries;
};

/**
 * kho_block_read() - check a handed-over chain, then visit its entries
 * @view: memory of the handover
 * @head_pa: first block; 0 is an empty chain
 * @entry_size: bytes per entry, as the chain's owner defines it
 * @what: name of the chain for own() and messages ("LUO sessions")
 * @cb: called per entry after the whole chain was checked; may be NULL
 * @arg: passed to @cb
 * @info: set to the chain's size when not NULL
 * @err: filled in on failure (field, block address, block index)
 *
 * First pass, before any entry is visited: every block page-aligned and
 * mapped (its whole page), its count in [1, capacity], no cycle (found as
 * the kernel finds it, Floyd's two pointers) and at most KHO_MAX_BLOCKS
 * blocks. Second pass: each block's page is reported through view->own()
 * as @what, then its entries go to @cb.
 * Context: any; allocates nothing.
 * Return: 0; -EINVAL (misaligned block, count 0 or over capacity, a cycle,
 * bad @entry_size); -EFAULT (a block not mapped); -ENOSPC (more than
 * KHO_MAX_BLOCKS blocks, as the kernel says); or the non-zero return of
 * own() or @cb.
 */
int kho_block_read(const struct kho_view *view, uint64_t head_pa,
		   size_t entry_size, const char *what, kho_block_entry_cb cb,
		   void *arg, struct kho_block_info *info,
		   struct kho_error *err);

/**
 * kho_block_restore_free() - give back the pages of a chain kernel B read
 * @in: walked handover
 * @head_pa: first block of a chain kho_block_read() accepted
 *
 * Restores each block as kho_restore_free() does and frees it, as the
 * kernel's kho_block_set_destroy() does for an incoming set. Stops at the
 * first block that is not a preserved page.
 * Context: any, after kho_memory_init(); frees.
 * Return: 0, or the first kho_restore_free() error.
 */
int kho_block_restore_free(struct kho_in *in, uint64_t head_pa);

/**
 * kho_in_view() - a struct kho_view over kernel B's memory
 * @in: accepted handover
 * @view: filled in: map() is @in's phys_to_virt over contiguously mapped
 *	ranges; own() accepts a range only inside one preserved block whose
 *	first page is the range's (the block stamped by kho_memory_init()),
 *	so a decoder refuses a handover whose structures are not preserved
 *
 * Context: any.
 */
void kho_in_view(struct kho_in *in, struct kho_view *view);

#ifdef __cplusplus
}
#endif

#endif /* KHO_BLOCK_H */
