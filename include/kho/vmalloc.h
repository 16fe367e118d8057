/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * kho/vmalloc.h - reading a vmalloc preservation (struct kho_vmalloc and its
 * chunk list, <kho/abi.h>) through a struct kho_view.
 *
 * The one decoder of the format: kho_restore_vmalloc() (kernel B), memfd
 * folio arrays, kho-test's folio list and `kho inspect` all call it.
 *
 *   struct kho_vmalloc     chunk 0                 chunk 1 (last: next = 0)
 *   first ---------------> next ----------------> next = 0
 *   total_pages            phys[0] -> block 0      phys[0] -> block cap
 *   flags, order           ...                     ...
 *                          phys[cap-1]             0 (end of entries)
 *
 * A writer like Linux's starts a new, empty chunk as soon as one fills, so
 * an area of n blocks has n / cap + 1 chunks, cap = (page - 8) / 8.
 */
#ifndef KHO_VMALLOC_H
#define KHO_VMALLOC_H

#include <stdint.h>

#include <kho/abi.h>
#include <kho/kho.h>
#include <kho/view.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Called per entry of the area, in list order: the block at @phys of
 * 2^@order pages, the @index-th of the area (from 0). Non-zero stops.
 */
typedef int (*kho_vmalloc_entry_cb)(uint64_t phys, unsigned int order,
				    uint64_t index, void *arg);

/**
 * kho_vmalloc_read() - check a handed-over vmalloc preservation and list it
 * @view: how to reach physical memory; @view->page_shift sizes the chunks
 * @v: the preservation, as read from its owner's blob
 * @cb: called per entry, in list order; may be NULL
 * @arg: passed to @cb
 * @err: optional; filled in when the format is wrong
 *
 * First checks the whole list without calling anything: known flags, blocks
 * of 2^order pages smaller than the address space, total_pages a multiple
 * of 2^order, a first chunk, every chunk
 * page-aligned and mapped, at most total_pages / 2^order / cap + 1 chunks
 * (so a cycle ends), every entry page-aligned with its block inside the
 * address space, and the entries adding up to exactly total_pages. Then
 * walks it again: each chunk page goes to kho_view_own() ("vmalloc chunk")
 * before its entries go to @cb. A block listed twice, or a chunk that is
 * also a block, is not detected here: that needs the owner's bookkeeping
 * (kho_restore_vmalloc() finds it while restoring).
 * Context: any; reads only through @view, allocates nothing.
 * Return: 0; -EINVAL (format wrong, @err says what: property "flags",
 * "order", "total_pages", "first", "next" or "phys", the physical address
 * of the chunk or of the entry's slot, the chunk number or the entry's
 * index in the area); -EFAULT (a chunk not mapped by @view); the first
 * non-zero return of @view->own ("vmalloc chunk is not preserved memory"
 * in @err, kho_in_view()'s meaning); or the first non-zero return of @cb,
 * which leaves @err untouched.
 */
int kho_vmalloc_read(const struct kho_view *view, const struct kho_vmalloc *v,
		     kho_vmalloc_entry_cb cb, void *arg, struct kho_error *err);

#ifdef __cplusplus
}
#endif

#endif /* KHO_VMALLOC_H */
