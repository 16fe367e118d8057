/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * kho/kho.h - a handover (kho-v4 by default, kho-v2 and kho-v3 on
 * request, kho-v1 read only; <kho/version.h>): the outgoing side (kernel A
 * preserves memory, builds the root FDT and the tree) and the incoming side
 * (kernel B takes the handover, reserves every preserved block and gives it
 * back).
 *
 *   kernel A                                  kernel B
 *   kho_out_init()                            kho_populate()    FDT, scratch
 *   kho_preserve_folio/pages/vmalloc()        kho_memory_init() validate the
 *   kho_alloc_preserve()                                        tree, reserve
 *   kho_add_subtree("name", blob, size)                         ranges, stamp
 *                                                               first pages
 *        |  root FDT page + tree pages stay   kho_retrieve_subtree()
 *        +-- in RAM; struct kho_data -------> kho_restore_folio/pages/
 *            names the FDT and scratch        vmalloc/free()
 *
 * Like the kernel, every function takes an explicit context instead of
 * globals. Memory is reached only through struct kho_env_ops.
 */
#ifndef KHO_KHO_H
#define KHO_KHO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kho/abi.h>
#include <kho/lock.h>
#include <kho/radix.h>
#include <kho/version.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Defined in <kho/validate.h>, which includes this header: kernel B's
 * caller fills one in for kho_memory_init().
 */
struct kho_tree_check;

/**
 * struct kho_page - the part of a struct page KHO uses
 * @private: union kho_page_info on the first page of a preserved block
 *	after kernel B walked the tree; cleared by a restore. C++, where
 *	private is a keyword, calls it private_.
 * @refcount: 1 on a restored head page (and on each page of restored pages)
 * @flags: the environment's
 */
struct kho_page {
#ifdef __cplusplus
	uint64_t private_;
#else
	uint64_t private;
#endif
	uint32_t refcount;
	uint32_t flags;
};

/**
 * struct kho_env_ops - what the handover needs from its environment
 * @mem: page operations for tree nodes and chunk pages; @mem.alloc_page
 *	never returns scratch memory (it is overwritten at kexec)
 * @alloc_pages: 2^order zeroed, physically contiguous pages outside scratch,
 *	or NULL
 * @free_pages: give back pages from @alloc_pages
 * @pfn_to_page: the memmap entry of a page frame, NULL outside RAM
 */
struct kho_env_ops {
	struct kho_mem_ops mem;
	void *(*alloc_pages)(void *ctx, unsigned int order);
	void (*free_pages)(void *ctx, void *va, unsigned int order);
	struct kho_page *(*pfn_to_page)(void *ctx, uint64_t pfn);
};

/* Where a handover is wrong: "no" values for fields that do not apply. */
#define KHO_ERR_NO_ADDR UINT64_MAX
#define KHO_ERR_NO_LEVEL (-1)
#define KHO_ERR_NO_INDEX (-1L)

/**
 * struct kho_error - what is wrong with a handover, and where
 * @code: negative errno
 * @what: one sentence without a full stop, e.g. "preserved-memory-map is
 *	not 8 bytes"
 * @property: FDT property or node involved, or NULL
 * @phys: physical address involved, or KHO_ERR_NO_ADDR
 * @level: tree level (0 = leaf), or KHO_ERR_NO_LEVEL
 * @index: table index or bitmap bit, or KHO_ERR_NO_INDEX
 *
 * kho_error_format() (hosted builds) turns it into the sentence tools print.
 */
struct kho_error {
	int code;
	const char *what;
	const char *property;
	uint64_t phys;
	int level;
	long index;
};

/* The first warnings a check keeps; more are only counted. */
#define KHO_MAX_WARNINGS 8

/**
 * struct kho_warnings - what is odd about a handover but not wrong
 * @nr: how many were found (may exceed KHO_MAX_WARNINGS)
 * @w: the first KHO_MAX_WARNINGS of them, each said like an error
 *
 * A real kernel can legitimately hand over some odd things that Linux
 * itself accepts: a zero-size scratch area (x86 when all memory is below
 * 4 GiB: the global area is empty), blocks that overlap each other (a page
 * preserved on its own and inside a folio) or a scratch area. Kernel B takes
 * them as the kernel does, and records each here so a tool can say so.
 */
struct kho_warnings {
	unsigned int nr;
	struct kho_error w[KHO_MAX_WARNINGS];
};

/**
 * kho_warn() - record a warning
 * @warn: where
 * @what: the sentence, as struct kho_error's @what
 * @property: FDT property or node, or NULL
 * @phys: physical address, or KHO_ERR_NO_ADDR
 * @index: table index, scratch area, bitmap bit, or KHO_ERR_NO_INDEX
 */
static inline void kho_warn(struct kho_warnings *warn, const char *what,
			    const char *property, uint64_t phys, long index)
{
	if (warn->nr < KHO_MAX_WARNINGS) {
		struct kho_error *w = &warn->w[warn->nr];

		w->code = 0;
		w->what = what;
		w->property = property;
		w->phys = phys;
		w->level = KHO_ERR_NO_LEVEL;
		w->index = index;
	}
	warn->nr++;
}

/**
 * struct kho_out - kernel A's side of a handover
 * @geo: geometry
 * @ops: environment
 * @tree: preserved blocks
 * @fdt: the root FDT page (itself preserved)
 * @fdt_phys: its physical address
 * @scratch: scratch areas; preserving memory that overlaps one is refused
 * @nr_scratch: entries of @scratch
 * @lock: serializes FDT edits
 * @abi: the ABI version written (compatible, subtree properties, depth)
 */
struct kho_out {
	struct kho_geometry geo;
	struct kho_env_ops ops;
	struct kho_radix_tree tree;
	void *fdt;
	uint64_t fdt_phys;
	const struct kho_scratch *scratch;
	unsigned int nr_scratch;
	struct kho_lock lock;
	const struct kho_abi_version *abi;
};

/**
 * struct kho_in - kernel B's side of a handover
 * @geo: geometry
 * @ops: environment
 * @fdt: the root FDT, mapped
 * @fdt_phys: its physical address
 * @fdt_size: its size as the handover gives it
 * @scratch: the scratch array, mapped
 * @nr_scratch: its entries
 * @tree: the handed-over tree, attached read-only
 * @revive: the handover was accepted; false disables every restore
 * @walked: kho_memory_init() reserved and stamped every block
 * @err: why the handover was refused
 * @abi: the version the root FDT's compatible names (set by kho_populate()
 *	once the compatible is recognised, even when something later is
 *	refused)
 * @warn: what was accepted though odd (kho_populate(), kho_memory_init())
 * @map_phys: preserved-memory-map: the tree's root, or kho-v1's first
 *	chunk (@tree is then unused)
 */
struct kho_in {
	struct kho_geometry geo;
	struct kho_env_ops ops;
	const void *fdt;
	uint64_t fdt_phys;
	uint64_t fdt_size;
	const struct kho_scratch *scratch;
	unsigned int nr_scratch;
	struct kho_radix_tree tree;
	bool revive;
	bool walked;
	struct kho_error err;
	const struct kho_abi_version *abi;
	struct kho_warnings warn;
	uint64_t map_phys;
};

/* ---- kernel A ---------------------------------------------------------- */

/**
 * kho_out_init() - start the outgoing side of a handover
 * @out: caller-allocated, filled in
 * @geo: geometry of the page size (copied)
 * @ops: environment (copied); every op is needed
 * @scratch: this machine's scratch areas, kept by the caller while @out
 *	lives; memory overlapping one is never preserved. Each must pass
 *	kho_check_scratch() (page-aligned, not wrapping, RAM at both ends, no
 *	overlap; an empty area is allowed and covers nothing)
 * @nr_scratch: entries of @scratch; 0 is allowed here (nothing is kept
 *	out), though a next kernel refuses a handover without scratch
 *
 * Allocates the tree's root and the root FDT page (with
 * kho_alloc_preserve(), so the FDT is itself preserved), and writes the FDT:
 * compatible "kho-v4" (KHO_ABI_DEFAULT) and preserved-memory-map, the root's
 * physical address as a native-endian u64. out->fdt_phys is what the
 * handover names; the FDT is handed over as one page.
 * Context: may allocate.
 * Return: 0, -EINVAL (bad geometry, missing op, or a scratch area
 * kho_check_scratch() refuses, reported through kho_warn_hook), -ENOMEM;
 * on failure nothing stays allocated.
 */
int kho_out_init(struct kho_out *out, const struct kho_geometry *geo,
		 const struct kho_env_ops *ops,
		 const struct kho_scratch *scratch, unsigned int nr_scratch);

/**
 * kho_out_init_abi() - kho_out_init() writing a chosen ABI version
 * @out: caller-allocated, filled in
 * @geo: its page_shift is the page size; the version decides the depth
 *	(kho_geometry_init_abi()), and out->geo is the version's geometry
 * @ops: environment (copied)
 * @scratch: scratch areas, as for kho_out_init()
 * @nr_scratch: entries of @scratch
 * @abi: kho-v2, kho-v3 or kho-v4 (kho_abi_get()); kho-v1 is read only
 *
 * Context: may allocate.
 * Return: as kho_out_init(); -EINVAL for kho-v1.
 */
int kho_out_init_abi(struct kho_out *out, const struct kho_geometry *geo,
		     const struct kho_env_ops *ops,
		     const struct kho_scratch *scratch, unsigned int nr_scratch,
		     const struct kho_abi_version *abi);

/**
 * kho_out_destroy() - free the tree and the root FDT page
 * @out: as set up by kho_out_init(); NULL or destroyed already is a no-op
 *
 * Preserved memory stays its owners'; only the library's pages are freed.
 * Context: may free.
 */
void kho_out_destroy(struct kho_out *out);

/**
 * kho_preserve_folio() - preserve a block of 2^@order pages across kexec
 * @out: outgoing handover
 * @phys: physical address, aligned to the block
 * @order: log2 of its pages; the next kernel restores it with that order
 *
 * The block must be in RAM and clear of every scratch area. A folio is
 * contiguous memory by definition, so only its first and last pages are
 * asked of pfn_to_page() (the kernel's kho_preserve_folio() asks nothing:
 * it holds the struct folio); a caller naming a "folio" across a hole in
 * RAM gets a handover the next kernel refuses.
 * Context: takes the tree lock; may allocate tree nodes.
 * Return: 0, -EINVAL (misaligned, in scratch, or first or last page outside
 * RAM), -ERANGE
 * (order or address beyond what a key holds), -ENOMEM; on failure the tree
 * is unchanged.
 */
int kho_preserve_folio(struct kho_out *out, uint64_t phys, unsigned int order);

/**
 * kho_unpreserve_folio() - undo kho_preserve_folio()
 * @out: outgoing handover
 * @phys: as preserved
 * @order: as preserved
 *
 * Context: takes the tree lock; may free tree nodes left empty.
 * Return: 0, -ENOENT (not preserved so), -EINVAL, -ERANGE.
 */
int kho_unpreserve_folio(struct kho_out *out, uint64_t phys,
			 unsigned int order);

/**
 * kho_preserve_pages() - preserve a run of order-0 pages across kexec
 * @out: outgoing handover
 * @phys: first page, page-aligned
 * @nr_pages: pages, at least 1
 *
 * Split as the kernel splits it, into blocks of order
 * min(ctz(pfn), ilog2(pages left)); kho_restore_pages() walks the same split.
 * The run must be in RAM and clear of every scratch area; on kho-v2 with
 * 16 KiB pages it must start and end on an even page, as that tree has
 * no place for an order-0 block. A run is any range the caller names and
 * may cross a hole in RAM, which the next kernel refuses, so every page is
 * asked of pfn_to_page(): the check costs one call per page (about 1.5 ns
 * a page here, against a preserve that otherwise costs per block).
 * Context: takes the tree lock; may allocate tree nodes.
 * Return: 0, -EINVAL (misaligned, no pages, in scratch, or some page outside
 * RAM), -ERANGE, -ENOMEM; on failure the blocks this call added are removed
 * again.
 */
int kho_preserve_pages(struct kho_out *out, uint64_t phys, uint64_t nr_pages);

/**
 * kho_unpreserve_pages() - undo kho_preserve_pages()
 * @out: outgoing handover
 * @phys: as preserved
 * @nr_pages: as preserved (a sub-range of a preserved run is not supported)
 *
 * All or nothing: when a block of the split is missing nothing changes.
 * Context: takes the tree lock; may free tree nodes left empty.
 * Return: 0, -ENOENT, -EINVAL, -ERANGE.
 */
int kho_unpreserve_pages(struct kho_out *out, uint64_t phys, uint64_t nr_pages);

/**
 * kho_alloc_preserve() - allocate zeroed memory and preserve it
 * @out: outgoing handover
 * @size: bytes, rounded up to a power-of-two number of pages
 *
 * For blobs a subsystem hands over (kho_add_subtree()): one block from
 * ops.alloc_pages, preserved as a folio of that order, at most Linux's
 * default MAX_PAGE_ORDER (10 for 4 KiB pages, 11 for 16 KiB, 13 for 64
 * KiB): kernel B frees it as a folio, and Linux's kho_alloc_preserve()
 * refuses larger ones.
 * Context: may allocate.
 * Return: the memory, or NULL (@size 0 or above MAX_PAGE_ORDER, out of
 * memory, or the environment returned memory that cannot be preserved).
 */
void *kho_alloc_preserve(struct kho_out *out, size_t size);

/**
 * kho_unpreserve_free() - undo kho_alloc_preserve()
 * @out: outgoing handover
 * @mem: as returned by kho_alloc_preserve(); NULL is a no-op
 *
 * The order is the one preserved at @mem; the block is unpreserved and
 * given back with ops.free_pages. Memory not preserved is left alone (and
 * reported through kho_warn_hook).
 * Context: takes the tree lock; may free.
 */
void kho_unpreserve_free(struct kho_out *out, void *mem);

/**
 * kho_preserve_vmalloc() - preserve scattered blocks as one area
 * @out: outgoing handover
 * @block_phys: physical address of each block, in the area's order; none 0
 * @nr_blocks: entries of @block_phys
 * @order: every block is 2^@order pages, preserved as pages
 * @flags: KHO_VMALLOC_FLAG_*
 * @preservation: set on success; store it in the owner's blob
 *
 * Writes the block addresses into a list of one-page chunks (each preserved
 * as order 0) named by @preservation->first, the chunk-list ABI of
 * <kho/abi.h>. The blocks must not be preserved otherwise.
 * Context: takes the tree lock; may allocate.
 * Return: 0, -EINVAL (no blocks, unknown flag, block at 0, misaligned or
 * in scratch), -ERANGE (more than 2^32 pages, or an order the tree cannot
 * hold or that makes blocks of 4 GiB or more, which Linux cannot map back),
 * -ENOMEM; on failure every chunk and block is released and @preservation
 * is untouched.
 */
int kho_preserve_vmalloc(struct kho_out *out, const uint64_t *block_phys,
			 unsigned int nr_blocks, unsigned int order,
			 uint16_t flags, struct kho_vmalloc *preservation);

/**
 * kho_unpreserve_vmalloc() - undo kho_preserve_vmalloc()
 * @out: outgoing handover
 * @preservation: as filled in; zeroed afterwards (NULL or zeroed: no-op)
 *
 * Unpreserves every block and chunk and frees the chunks.
 * Context: takes the tree lock; may free.
 */
void kho_unpreserve_vmalloc(struct kho_out *out,
			    struct kho_vmalloc *preservation);

/**
 * kho_add_subtree() - name a subsystem's blob in the root FDT
 * @out: outgoing handover
 * @name: node name, unique among subtrees, without '/'
 * @blob: the blob (a sub-FDT or a plain struct); all of it, @size bytes
 *	from @blob, must be in preserved memory (one block or adjacent ones)
 * @size: the blob's size in bytes, non-zero
 *
 * Adds a child node @name whose preserved-data property is the blob's
 * physical address and, from kho-v3 on, whose blob-size property is @size
 * (both native-endian u64), as the kernel's kho_add_subtree(name, blob, size).
 * Context: takes the FDT lock.
 * Return: 0, -EEXIST (a subtree of that name exists), -EINVAL (bad name,
 * zero size, or some byte of the blob not in preserved memory, a size
 * wrapping the address space included: the next kernel would refuse the
 * whole handover), -ENOSPC (the FDT page is full), -EIO (the FDT is
 * corrupt); on failure the FDT is unchanged.
 */
int kho_add_subtree(struct kho_out *out, const char *name, void *blob,
		    size_t size);

/**
 * kho_remove_subtree() - remove the subtree that names @blob
 * @out: outgoing handover
 * @blob: as given to kho_add_subtree(); nothing happens when none names it
 *
 * Finds the child whose preserved-data is the blob's physical address. The
 * blob's memory stays preserved.
 * Context: takes the FDT lock.
 */
void kho_remove_subtree(struct kho_out *out, void *blob);

/* ---- kernel B ---------------------------------------------------------- */

/**
 * kho_populate() - take the handover the previous kernel left
 * @in: caller-allocated, filled in
 * @geo: geometry of the handover's page size (copied)
 * @ops: environment (copied); mem.phys_to_virt, mem.virt_to_phys,
 *	pfn_to_page and free_pages are used
 * @fdt_phys: physical address of the root FDT (struct kho_data fdt_addr)
 * @fdt_size: its size as the handover says (fdt_size)
 * @scratch_phys: physical address of the scratch array (scratch_addr)
 * @scratch_size: its size in bytes (scratch_size)
 *
 * Checks, as the kernel does and more: the FDT is mapped, its header valid,
 * totalsize within @fdt_size and one page, its structure sound, compatible
 * "kho-v2", preserved-memory-map present, exactly 8 bytes, non-zero and
 * page-aligned; the scratch array is a non-empty multiple of 16 bytes,
 * mapped, and every area page-aligned, inside RAM and apart from the others.
 * Then adopts the tree read-only, reading only its root: the rest of the
 * tree is checked by kho_memory_init(). Only addresses phys_to_virt
 * returned are read. The caller then allocates from scratch only, until
 * kho_memory_init().
 * Context: early boot; does not allocate.
 * Return: 0 (in->revive set), or a negative errno with in->err saying what
 * and where; revival is then disabled.
 */
int kho_populate(struct kho_in *in, const struct kho_geometry *geo,
		 const struct kho_env_ops *ops, uint64_t fdt_phys,
		 uint64_t fdt_size, uint64_t scratch_phys,
		 uint64_t scratch_size);

/**
 * kho_check_scratch() - judge scratch areas as kho_populate() judges them
 * @geo: geometry of the page size
 * @ops: environment; only pfn_to_page (with mem.ctx) is used, to ask
 *	whether a page is RAM
 * @areas: the areas
 * @nr: entries of @areas
 * @err: what is wrong and where (the area's address and index), or NULL
 * @warn: an empty area is taken with a warning here, or NULL
 *
 * For a reader that has the areas from somewhere else than a handover
 * record: Linux's debugfs kho/out/scratch_phys and scratch_len, or a
 * scratch array beside a root FDT file. Each area must be page-aligned,
 * must not wrap, must be RAM at both ends and must not overlap an earlier
 * one; the words are kho_populate()'s. An empty array (@nr 0) passes:
 * whether one may be empty is the caller's question. kho_populate() refuses
 * a handover whose scratch array is empty before it gets here, as Linux
 * does (kexec_handover.c:1988: early_memremap() of zero bytes fails,
 * mm/early_ioremap.c:136); kho_out_init() accepts one.
 * Context: any; does not allocate.
 * Return: 0, or -EINVAL (@err filled in).
 */
int kho_check_scratch(const struct kho_geometry *geo,
		      const struct kho_env_ops *ops,
		      const struct kho_scratch *areas, unsigned int nr,
		      struct kho_error *err, struct kho_warnings *warn);

/* Is [phys, phys + size) all preserved memory (size 0: its first byte)? */
typedef bool (*kho_blob_preserved_cb)(uint64_t phys, uint64_t size, void *arg);

/**
 * kho_check_subtrees() - judge each subtree a root FDT names
 * @fdt: the root FDT, checked (kho_populate() accepted it, or the caller
 *	ran fdt_check_full() on it)
 * @abi: its version
 * @preserved: is [phys, phys + size) all preserved memory? A size of 0
 *	asks for the first byte (a version without blob-size)
 * @arg: passed to @preserved
 * @warn: one warning for each child with a problem: the first of a blob
 *	address or (from kho-v3 on) a blob-size missing or not 8 bytes, a
 *	blob not all in preserved memory, a blob-size of 0; @property names
 *	the child, @phys the blob (KHO_ERR_NO_ADDR when it has none)
 *
 * A child stands alone, as in Linux: kernel B takes the handover and only
 * the broken child's owner fails (kho_retrieve_subtree() refuses a missing
 * address or size; a reader refuses a blob outside the preserved block it
 * starts). kho_memory_init() runs this after its walk, into in->warn; a
 * reader with its own map of the preserved ranges (kho inspect) gets the
 * same words.
 * Context: any; does not allocate.
 * Return: how many children have a problem, or -EINVAL (a NULL argument).
 */
int kho_check_subtrees(const void *fdt, const struct kho_abi_version *abi,
		       kho_blob_preserved_cb preserved, void *arg,
		       struct kho_warnings *warn);

/* Called per coalesced range [start, end) to reserve; non-zero fails. */
typedef int (*kho_reserve_cb)(uint64_t start, uint64_t end, void *arg);

/**
 * kho_memory_init() - validate the handed-over tree, stamp and reserve
 * @in: accepted by kho_populate()
 * @chk: this machine's RAM for the tree check (<kho/validate.h>): @chk->ram
 *	and @chk->nr_ram (ascending, not overlapping, at least one region)
 *	and @chk->seen, a zeroed bitmap of kho_tree_check_words() words that
 *	the caller owns (lib/ allocates nothing) and may free on return.
 *	@chk->scratch and @chk->nr_scratch are overwritten with the
 *	handover's scratch areas (in->scratch); the counts and @chk->err are
 *	filled in by the check
 * @reserve: called once per coalesced range of preserved memory, ascending
 * @arg: passed to @reserve
 *
 * The tree comes from another kernel and is not trusted: first
 * kho_radix_validate(&in->tree, @chk) checks it whole, in time linear in
 * its nodes plus the pages of RAM, before anything is stamped or
 * reserved. A shared or cyclic node, an entry outside RAM or unmapped, a
 * block outside RAM, overlapping another, a scratch area or a tree node is
 * refused there; @chk->err is copied to in->err. Then every block is
 * walked: it must lie in RAM (the memmap, which may be finer than
 * @chk->ram), clear of scratch, and not share its first page with another
 * block; its first page's private gets union kho_page_info { order,
 * KHO_PAGE_MAGIC }. Then every subtree is judged (kho_check_subtrees(): a
 * broken child is a warning in in->warn, not a refusal) and the ranges are
 * reserved. Last, the root FDT's block (kernel A preserves it; this side
 * reads it for as long as the handover lives) is taken as a folio, so that
 * no restore hands it out: Linux's kernel B leaves it a preserved block
 * anyone may name.
 * Call it before the page allocator takes free memory.
 * Context: early boot; does not allocate; holds the tree lock while
 * checking and while walking.
 * Return: 0 (in->walked set), the refusal code of kho_populate() when it
 * failed, -EBUSY when called twice, -EINVAL (with a warning, @in untouched)
 * for a NULL @in, @reserve or @chk, or a @chk without RAM or bitmap, or a
 * negative errno with in->err saying why: the tree check's codes (see
 * kho_radix_validate(): -EINVAL, -EFAULT, -ELOOP, -ERANGE, -EEXIST,
 * -EBUSY), the walk's, or @reserve's; revival is then disabled and no
 * stamp is left behind.
 */
int kho_memory_init(struct kho_in *in, struct kho_tree_check *chk,
		    kho_reserve_cb reserve, void *arg);

/**
 * kho_restore_folio() - take back a folio preserved with kho_preserve_folio()
 * @in: walked handover
 * @phys: physical address of the folio
 *
 * Reads only the stamp on the first page: a page never preserved, already
 * restored, or a tail page fails. Clears the stamp; the head page gets
 * refcount 1, the tail pages 0.
 * Context: any, after kho_memory_init().
 * Return: the head page, or NULL (also when revival is disabled).
 */
struct kho_page *kho_restore_folio(struct kho_in *in, uint64_t phys);

/**
 * kho_restore_pages() - take back pages preserved with kho_preserve_pages()
 * @in: walked handover
 * @phys: first page, as preserved
 * @nr_pages: pages, as preserved
 *
 * The preserved blocks, as stamped, must tile the range exactly: the
 * split kho_preserve_pages() made, smaller blocks where Linux's kernel A
 * split at a NUMA node boundary included (Linux's kernel B steps by the
 * unsplit order there and leaves those blocks unrestored). All or
 * nothing: when a page is not covered, or a block runs past the end,
 * nothing is restored (the kernel keeps the blocks before it). Each page
 * gets refcount 1.
 * Context: any, after kho_memory_init().
 * Return: the first page, or NULL.
 */
struct kho_page *kho_restore_pages(struct kho_in *in, uint64_t phys,
				   uint64_t nr_pages);

/* Called per restored block of a vmalloc area, in order; non-zero stops. */
typedef int (*kho_vmalloc_map_cb)(uint64_t phys, unsigned int order, void *arg);

/**
 * kho_restore_vmalloc() - take back an area preserved with
 *	kho_preserve_vmalloc()
 * @in: walked handover
 * @v: the preservation, as kernel A stored it
 * @map: called with each block (@v->order), in the area's order
 * @arg: passed to @map
 *
 * Checks the whole chunk list before restoring anything: every chunk
 * page-aligned, mapped and preserved as order 0, the number of chunks
 * bounded (a cyclic list ends), every block preserved, the blocks adding up
 * to @v->total_pages. Then restores each block as pages (and each chunk as
 * an order-0 folio), calls @map per block and frees the chunk pages with
 * ops.free_pages. A block listed twice is found while restoring; what was
 * restored is then stamped again.
 * Context: any, after kho_memory_init(); frees.
 * Return: 0, -EPERM (revival disabled or not walked), -EINVAL (bad flags,
 * order or list), -EFAULT (a chunk not mapped), or @map's non-zero return
 * (the blocks then stay restored: the caller's to free).
 */
int kho_restore_vmalloc(struct kho_in *in, const struct kho_vmalloc *v,
			kho_vmalloc_map_cb map, void *arg);

/**
 * kho_restore_free() - restore memory from kho_alloc_preserve() and free it
 * @in: walked handover
 * @mem: where the block is mapped in this kernel; NULL is a no-op
 *
 * For blobs read once after kexec: restores the folio at @mem and gives it
 * to ops.free_pages with its order.
 * Context: any, after kho_memory_init(); frees.
 * Return: 0, -EPERM (revival disabled or not walked), -EINVAL (no
 * preserved block starts at @mem).
 */
int kho_restore_free(struct kho_in *in, void *mem);

/**
 * kho_retrieve_subtree() - find a subsystem's blob by name
 * @in: accepted handover
 * @name: the name given to kho_add_subtree()
 * @phys: set to the blob's physical address
 * @size: if not NULL, set to the blob's size: its blob-size, or, in a
 *	version without one (kho-v1, kho-v2), 0 (unknown)
 *
 * As the kernel, a version that has blob-size requires it (8 bytes) even
 * when @size is NULL, and nothing else is checked here: a blob not all in
 * preserved memory or a blob-size of 0 is found as Linux finds it, and
 * kho_memory_init() has warned of it (in->warn, naming the child); the
 * blob's reader then refuses memory that no preserved block starts.
 * Context: any, after kho_populate().
 * Return: 0, -ENOENT (no such subtree, or no handover accepted), -EINVAL
 * (preserved-data or blob-size missing or not 8 bytes).
 */
int kho_retrieve_subtree(struct kho_in *in, const char *name, uint64_t *phys,
			 uint64_t *size);

/*
 * Called per subtree with its blob's address and size; phys is
 * KHO_ERR_NO_ADDR when the address property is bad, size 0 when the
 * version has no size or the size property is bad.
 */
typedef int (*kho_subtree_cb)(const char *name, uint64_t phys, uint64_t size,
			      void *arg);

/**
 * kho_for_each_subtree() - visit every subtree of an accepted handover
 * @in: accepted handover
 * @cb: called with each child node's name, blob address and size, in FDT
 *	order; a child whose address is missing or not 8 bytes gets
 *	KHO_ERR_NO_ADDR
 * @arg: passed to @cb
 *
 * For subtrees no client claims: the boot names them, their memory stays
 * reserved.
 * Context: any, after kho_populate().
 * Return: 0, -ENOENT (no handover accepted), or @cb's non-zero return.
 */
int kho_for_each_subtree(struct kho_in *in, kho_subtree_cb cb, void *arg);

/**
 * kho_in_destroy() - forget an incoming handover
 * @in: as filled in by kho_populate(), accepted or not
 *
 * The adopted tree's pages are the handover's and are not freed; blocks
 * still stamped stay reserved. Restores fail afterwards.
 * Context: any.
 */
void kho_in_destroy(struct kho_in *in);

/**
 * kho_error_format() - the sentence that says why a handover was refused
 * @err: filled in by the incoming side
 * @buf: where to write, NUL-terminated when @len > 0
 * @len: size of @buf
 *
 * "KHO handover refused: <what> (property P, phys 0x..., level L, index I)",
 * leaving out the fields that do not apply; a warning (code 0 and a
 * @what) is its sentence and where, code 0 alone "KHO handover accepted".
 * Hosted builds only (lib/hosted/).
 * Context: any.
 * Return: the sentence's length (a value >= @len means it was cut), or -1
 * for a NULL @err.
 */
int kho_error_format(const struct kho_error *err, char *buf, size_t len);

/**
 * kho_error_describe() - what a decoder refused, without a verdict
 * @err: filled in by a decoder of one subtree's blob (a reader of
 *	<kho/kho_memblock.h>, <kho/luo.h>, ...), or a warning
 * @buf: where to write, NUL-terminated when @len > 0
 * @len: size of @buf
 *
 * "<what> (property P, phys 0x..., level L, index I)", the same fields as
 * kho_error_format(): for a blob its owner refuses in a handover that was
 * taken, which "KHO handover refused" would misstate. @what missing: the
 * code's strerror(). Hosted builds only (lib/hosted/).
 * Context: any.
 * Return: the sentence's length (a value >= @len means it was cut), or -1
 * for a NULL @err.
 */
int kho_error_describe(const struct kho_error *err, char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* KHO_KHO_H */
