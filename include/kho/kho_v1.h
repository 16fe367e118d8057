/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * kho/kho_v1.h - reading a kho-v1 memory map (Linux 6.16 to 6.19): the
 * chunk list that preserved-memory-map names, through a struct kho_view.
 *
 *   chunk (one page)                          bitmap (512 B or one page)
 *   +------+-------+----------+               +--------------------------+
 *   | next | order | num_elms |  elm i: ----> | bit b: block of 2^order  |
 *   +------+-------+----------+               | pages at phys_start +    |
 *   | phys_start | bitmap     | ...           |  b << (order + PAGE_SHIFT)|
 *   +------------+------------+               +--------------------------+
 *
 * struct khoser_mem_chunk_hdr and khoser_mem_bitmap_ptr are in <kho/abi.h>.
 * Kernels before "increase metadata bitmap size to PAGE_SIZE" used 512-byte
 * bitmaps (4096 blocks each), later ones a page, under the same compatible
 * string. Those kernels compute phys_start as (index * bits) << (order +
 * PAGE_SHIFT), a multiple of the bitmap's span; 512-byte bitmaps come from
 * kmalloc-512 and are only 512-byte aligned, page-sized ones are pages.
 * Either clue betrays 512-byte bitmaps; without one, page-sized is taken.
 *
 * The one decoder of the format: kernel B (a kho-v1 handover) and kho
 * inspect both call kho_v1_read().
 */
#ifndef KHO_KHO_V1_H
#define KHO_KHO_V1_H

#include <stdint.h>

#include <kho/abi.h>
#include <kho/kho.h>
#include <kho/view.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The older kernels' bitmap size, bytes. */
#define KHO_V1_SMALL_BITMAP_BYTES 512

/**
 * enum kho_v1_bitmap_why - how the bitmap size was chosen
 * @KHO_V1_BITMAP_GIVEN: the caller said
 * @KHO_V1_BITMAP_UNALIGNED: a bitmap is not page-aligned: 512 bytes
 * @KHO_V1_BITMAP_SPAN: a phys_start is not a multiple of a page-sized
 *	bitmap's span: 512 bytes
 * @KHO_V1_BITMAP_PAGE: every bitmap page-aligned and every phys_start a
 *	multiple of a page-sized bitmap's span (or no bitmap): a page
 */
enum kho_v1_bitmap_why {
	KHO_V1_BITMAP_GIVEN,
	KHO_V1_BITMAP_UNALIGNED,
	KHO_V1_BITMAP_SPAN,
	KHO_V1_BITMAP_PAGE,
};

/**
 * struct kho_v1_info - what a kho-v1 memory map held
 * @bitmap_bytes: the bitmap size used
 * @why: how it was chosen
 * @why_phys: the bitmap (UNALIGNED) or phys_start (SPAN) that decided it
 * @why_order: that element's order (SPAN)
 * @nr_chunks: chunks in the list
 * @nr_bitmaps: elements (bitmaps) over all chunks
 * @blocks: preserved blocks per order
 * @nr_blocks: their sum
 * @preserved_bytes: memory they cover
 * @meta_bytes: memory the map takes: chunks and bitmaps
 */
struct kho_v1_info {
	unsigned int bitmap_bytes;
	enum kho_v1_bitmap_why why;
	uint64_t why_phys;
	unsigned int why_order;
	uint64_t nr_chunks;
	uint64_t nr_bitmaps;
	uint64_t blocks[KHO_MAX_ORDERS];
	uint64_t nr_blocks;
	uint64_t preserved_bytes;
	uint64_t meta_bytes;
};

/* Called per preserved block, in list order (chunk, element, bit). */
typedef int (*kho_v1_block_cb)(uint64_t phys, unsigned int order, void *arg);

/**
 * kho_v1_read() - check a kho-v1 chunk list whole, then list its blocks
 * @view: memory of the handover; @view->page_shift is the page size
 * @first: the first chunk (preserved-memory-map); 0 is an empty map
 * @bitmap_bytes: 512, the page size, or 0 to infer it (see above)
 * @max_bitmaps: the most elements the list may hold (the caller derives
 *	it from the RAM it knows), 0 for no bound beyond the cycle check
 * @cb: called per block once everything was checked; may be NULL
 * @arg: passed to @cb
 * @info: what the map held (filled as far as it was read); may be NULL
 * @err: filled in on failure: what, the chunk's or bitmap's physical
 *	address, the chunk number or the element's index in the whole list
 *
 * First, calling nothing: every chunk page-aligned and mapped, no cycle
 * (Brent's algorithm: at most twice the list's length in steps),
 * num_elms within a page, each chunk's order a block the address space
 * holds, at most @max_bitmaps elements; then every element's phys_start a
 * multiple of its bitmap's span (so the span cannot wrap), its bitmap
 * mapped. Then each chunk goes to view->own() ("kho-v1 chunk"),
 * each bitmap ("kho-v1 bitmap"), and each set bit to @cb. Blocks listed
 * twice or overlapping, or outside RAM, are not detected here: that needs
 * memory (the caller sorts what @cb gives it).
 * Context: any; allocates nothing.
 * Return: 0; -EINVAL (malformed: a misaligned chunk or phys_start, too
 * many elements in a chunk, an order beyond any block, a bad
 * @bitmap_bytes); -ELOOP (the list loops: @err names the chunk reached
 * again); -E2BIG (more than @max_bitmaps elements); -EFAULT (a chunk or bitmap not mapped); or a non-zero return of
 * @cb or own().
 */
int kho_v1_read(const struct kho_view *view, uint64_t first,
		unsigned int bitmap_bytes, uint64_t max_bitmaps,
		kho_v1_block_cb cb, void *arg, struct kho_v1_info *info,
		struct kho_error *err);

#ifdef __cplusplus
}
#endif

#endif /* KHO_KHO_V1_H */
