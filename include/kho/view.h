/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * kho/view.h - a read-only view of physical memory, for the format decoders.
 *
 * Every on-memory format of a handover (vmalloc chunks, KHO serialization
 * blocks, LUO, memfd, memblock, kexec-metadata, kho-test) has one decoder in
 * lib/. The same decoder serves kernel B (which then restores what it read)
 * and `kho inspect` (which only reads, from a machine directory, an ELF core,
 * /proc/kcore, /dev/mem or a raw dump). Both reach memory through this view:
 *
 *   decoder --map(phys, len)--> view --> kernel B's RAM | memory source
 *           <-- pointer or NULL (some byte of [phys, phys+len) not backed)
 *           --own(phys, len, what)--> caller (restore it / attribute it)
 *           --scratch_alloc(len)--> caller: working memory, if it has any
 *
 * Memory handed over is untrusted: a decoder maps exactly the bytes it reads,
 * checks every count against what it mapped, bounds every chain, and fills a
 * struct kho_error naming the field and physical address of any problem.
 */
#ifndef KHO_VIEW_H
#define KHO_VIEW_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * struct kho_view - how a decoder reads physical memory
 * @map: returns a pointer through which @len bytes at @phys can be read, or
 *	NULL when any of them is not backed by memory the view holds. The
 *	pointer stays valid while the view lives; it may be unaligned.
 * @own: optional; told of every range [@phys, @phys + @len) that the format
 *	itself occupies (a chunk page, a block, a blob), with a short name of
 *	what it is. A non-zero return stops the decoder and is returned.
 * @ctx: passed to all four
 * @page_shift: the handover's page size, log2: KHO_PAGE_SHIFT_MIN to
 *	KHO_PAGE_SHIFT_MAX (<kho/abi.h>), as a geometry has. Every decoder
 *	that reads through a view refuses one without @map or with another
 *	@page_shift: -EINVAL, reported through kho_warn_hook, nothing read.
 * @scratch_alloc: optional; @len bytes of working memory for a decoder's
 *	own bookkeeping, or NULL. Only a check whose cost would otherwise grow
 *	with the square of what the handover holds asks (LUO's unique session
 *	names: 24 bytes a session); without the memory it runs pairwise, as
 *	the kernel does.
 * @scratch_free: takes back what @scratch_alloc gave; set with it
 */
struct kho_view {
	const void *(*map)(void *ctx, uint64_t phys, uint64_t len);
	int (*own)(void *ctx, uint64_t phys, uint64_t len, const char *what);
	void *ctx;
	unsigned int page_shift;
	void *(*scratch_alloc)(void *ctx, uint64_t len);
	void (*scratch_free)(void *ctx, void *p);
};

/* Map @len bytes at @phys through @view; NULL when not backed. */
static inline const void *kho_view_map(const struct kho_view *view,
				       uint64_t phys, uint64_t len)
{
	if (phys + len < phys)
		return (const void *)0;
	return view->map(view->ctx, phys, len);
}

/* Tell @view's owner that [@phys, @phys + @len) belongs to the format. */
static inline int kho_view_own(const struct kho_view *view, uint64_t phys,
			       uint64_t len, const char *what)
{
	return view->own ? view->own(view->ctx, phys, len, what) : 0;
}

#ifdef __cplusplus
}
#endif

#endif /* KHO_VIEW_H */
