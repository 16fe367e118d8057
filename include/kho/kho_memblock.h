/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * kho/kho_memblock.h - "memblock-v1": the reserve_mem regions memblock hands
 * over (a persistent trace buffer, an oops log), one FDT named "memblock":
 *
 *   / { compatible = "memblock-v1";
 *       <name> { compatible = "reserve-mem-v1";
 *                start = <u64, native-endian>;
 *                size  = <u64, native-endian>; };
 *       ... one node per reserve_mem= region ... }
 *
 * The blob is one preserved page; each region's memory is preserved with
 * kho_preserve_pages(start, size >> PAGE_SHIFT). The next kernel revives a
 * region by name, at the same address, when its own reserve_mem= asks for
 * the same size. The kernel writes no other property; libkho's simulated
 * client adds a content hash, which a reader must not require.
 *
 * Kernel facts (Linux 7.3.4):
 *   include/linux/kho/abi/memblock.h:65-71  "memblock", "memblock-v1",
 *                                           "reserve-mem-v1"
 *   mm/memblock.c:2642-2674  prepare_kho_fdt(): one page, fdt_create(page),
 *                            root compatible, per region a node named after
 *                            it with compatible, start (8 bytes), size
 *                            (8 bytes): nothing else
 *   mm/memblock.c:2679       kho_add_subtree("memblock", fdt, totalsize)
 *   mm/memblock.c:2613-2626  the regions' pages preserved
 *   mm/memblock.c:2734       root compatible checked on revival
 *   mm/memblock.c:2755-2766  node found by name, compatible checked
 *   mm/memblock.c:2768-2774  start and size must be exactly 8 bytes
 *   mm/memblock.c:2776-2785  start aligned to the new boot's reserve_mem
 *                            alignment, size equal to its size
 */
#ifndef KHO_KHO_MEMBLOCK_H
#define KHO_KHO_MEMBLOCK_H

#include <stddef.h>
#include <stdint.h>

#include <kho/abi.h>
#include <kho/kho.h>
#include <kho/view.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * struct kho_memblock_region - one reserve_mem region
 * @name: its node's name (NUL-terminated, inside the mapped blob when
 *	read; the writer copies it)
 * @start: physical address
 * @size: bytes
 * @index: its place among the root's children, from 0
 * @fdt: the blob, mapped (reader only): for properties of the caller's own
 * @node: the region's node offset in @fdt (reader only)
 */
struct kho_memblock_region {
	const char *name;
	uint64_t start;
	uint64_t size;
	unsigned int index;
	const void *fdt;
	int node;
};

/**
 * struct kho_memblock_info - what a memblock blob held
 * @fdt_size: the FDT's totalsize
 * @nr_regions: its regions
 */
struct kho_memblock_info {
	uint64_t fdt_size;
	unsigned int nr_regions;
};

/* Called per region, in FDT order; non-zero stops the read. */
typedef int (*kho_memblock_region_cb)(const struct kho_memblock_region *r,
				      void *arg);

/**
 * kho_memblock_read() - check a memblock-v1 blob, then list its regions
 * @view: memory of the handover
 * @phys: the blob (the subtree's address)
 * @size: the subtree's blob-size, or 0 when the handover has none
 * @cb: called per region once the whole blob was checked; may be NULL
 * @arg: passed to @cb
 * @info: what the blob held, when not NULL
 * @err: filled in on failure: what, the property, the blob's physical
 *	address and the region's index
 *
 * Checks: the blob mapped; an FDT of version 16 or later, whole and sound
 * (fdt_check_full()), its totalsize within @size; root compatible
 * "memblock-v1"; every child of the root compatible "reserve-mem-v1" with
 * "start" and "size" of exactly 8 bytes each and the region not wrapping
 * past 2^64. No other property is needed. Nodes below the regions are not
 * looked at (the kernel never looks either). The blob goes to
 * view->own() as "memblock"; the regions do not (a region spans many
 * preserved blocks): the caller owns them through @cb.
 * Context: any; allocates nothing.
 * Return: 0; -EINVAL (malformed, @err says where); -EFAULT (not mapped);
 * or a non-zero return of @cb or own().
 */
int kho_memblock_read(const struct kho_view *view, uint64_t phys, uint64_t size,
		      kho_memblock_region_cb cb, void *arg,
		      struct kho_memblock_info *info, struct kho_error *err);

/* Called per region while it is written, to add properties of its own. */
typedef int (*kho_memblock_prop_cb)(void *fdt, unsigned int index, void *arg);

/**
 * kho_memblock_write() - write a memblock-v1 blob, as prepare_kho_fdt()
 * @fdt: where (a page from kho_alloc_preserve(), normally)
 * @len: its bytes
 * @regions: the regions (@name, @start, @size); names 1 to 63 bytes
 * @nr: entries of @regions
 * @extra: called inside each region's node after start and size, to add
 *	properties (libkho's client adds a hash); may be NULL
 * @arg: passed to @extra
 *
 * Writes exactly the kernel's nodes and properties, then whatever @extra
 * adds. The caller preserves the regions' pages and adds the blob with
 * kho_add_subtree(out, KHO_MEMBLOCK_NAME, fdt, fdt_totalsize(fdt)).
 * Context: any.
 * Return: 0; -EINVAL (a name empty or too long); -ENOSPC (@len too small,
 * or @extra failed).
 */
int kho_memblock_write(void *fdt, size_t len,
		       const struct kho_memblock_region *regions,
		       unsigned int nr, kho_memblock_prop_cb extra, void *arg);

#ifdef __cplusplus
}
#endif

#endif /* KHO_KHO_MEMBLOCK_H */
