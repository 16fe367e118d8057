// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * kho_out.c - kernel A's side of a handover: record what must survive the
 * kexec in the radix tree, and name the tree and the subsystems' blobs in the
 * root FDT. Nothing is serialized at kexec time: the tree and the FDT page
 * are the handover, in place.
 *
 * Every call leaves the tree and the FDT as they were when it fails,
 * allocation failures included.
 */
#include <kho/version.h>

#include "kho_internal.h"

static bool env_ops_valid(const struct kho_env_ops *ops)
{
	return ops->alloc_pages && ops->free_pages && ops->pfn_to_page &&
	       ops->mem.virt_to_phys && ops->mem.phys_to_virt;
}

static bool geometry_is(const struct kho_geometry *a,
			const struct kho_geometry *b)
{
	return a->page_shift == b->page_shift &&
	       a->order0_bit == b->order0_bit &&
	       a->table_bits == b->table_bits &&
	       a->bitmap_bits == b->bitmap_bits && a->depth == b->depth &&
	       a->key_width == b->key_width;
}

/* Is @geo what kho_geometry_init() makes of its page size? */
static bool geometry_is_plain(const struct kho_geometry *geo)
{
	struct kho_geometry plain;

	return !kho_geometry_init(&plain, geo->page_shift) &&
	       geometry_is(geo, &plain);
}

static bool overlaps_scratch(const struct kho_out *out, uint64_t phys,
			     uint64_t len)
{
	const struct kho_scratch *area;
	unsigned int i;

	for (i = 0; i < out->nr_scratch; i++) {
		area = &out->scratch[i];
		if (!area->size)
			continue;
		if (kho_ranges_overlap(phys, len, area->addr, area->size))
			return true;
	}
	return false;
}

/*
 * May [phys, phys + nr_pages pages) be preserved? It must be page-aligned,
 * representable as tree keys, in RAM (the next kernel refuses a handover with
 * a block outside RAM) and clear of every scratch area (scratch is
 * overwritten at kexec). A folio is contiguous memory by definition: its
 * first and last pages tell. A run of pages is whatever the caller names
 * and may cross a hole in RAM: with @every_page, each page is asked.
 */
static int check_preservable(struct kho_out *out, uint64_t phys,
			     uint64_t nr_pages, bool every_page)
{
	const struct kho_geometry *geo = &out->geo;
	uint64_t pfn = kho_phys_to_pfn(geo, phys);
	uint64_t end_pfn = pfn + nr_pages, p;
	void *ctx = out->ops.mem.ctx;

	if (KHO_WARN_ON(!kho_page_aligned(geo, phys)) || KHO_WARN_ON(!nr_pages))
		return -EINVAL;
	/* As the tree requires: the block ends below 2^order0_bit pages. */
	if (end_pfn < pfn || end_pfn >> geo->order0_bit)
		return -ERANGE;
	if (KHO_WARN_ON(overlaps_scratch(out, phys,
					 kho_pfn_to_phys(geo, nr_pages))))
		return -EINVAL;
	if (!out->ops.pfn_to_page(ctx, pfn) ||
	    !out->ops.pfn_to_page(ctx, end_pfn - 1))
		return -EINVAL;
	for (p = pfn + 1; every_page && p < end_pfn - 1; p++) {
		if (!out->ops.pfn_to_page(ctx, p))
			return -EINVAL;
	}
	return 0;
}

/* A folio's order and alignment; the order bounds keep every shift < 64. */
static int check_folio(const struct kho_out *out, uint64_t phys,
		       unsigned int order)
{
	const struct kho_geometry *geo = &out->geo;

	if (order >= geo->order0_bit)
		return -ERANGE;
	if (KHO_WARN_ON(kho_phys_to_pfn(geo, phys) & ((1ULL << order) - 1)))
		return -EINVAL;
	return 0;
}

/*
 * The frame after the preserved block that holds frame @pfn (the largest
 * such block when blocks overlap), or 0 when none does. Looks for the block
 * of every order that could contain the page.
 */
static uint64_t preserved_block_end(struct kho_out *out, uint64_t pfn)
{
	uint64_t end = 0;
	unsigned int order;

	for (order = 0; order < out->geo.order0_bit; order++) {
		uint64_t block_pfn = pfn & ~((1ULL << order) - 1);

		if (kho_radix_test_page(&out->tree, block_pfn, order))
			end = block_pfn + (1ULL << order);
	}
	return end;
}

/**
 * out_range_preserved() - is all of a byte range inside preserved blocks
 * @out: outgoing handover
 * @phys: first byte
 * @size: bytes, non-zero
 *
 * Steps from block to block, so a hostile @size costs one turn per
 * preserved block it covers, and stops at the first page no block holds.
 * Return: true when every page of [@phys, @phys + @size) is preserved and
 * the range does not wrap.
 */
bool out_range_preserved(struct kho_out *out, uint64_t phys, uint64_t size)
{
	const struct kho_geometry *geo = &out->geo;
	uint64_t last = phys + size - 1;
	uint64_t pfn = kho_phys_to_pfn(geo, phys);
	uint64_t last_pfn = kho_phys_to_pfn(geo, last);

	if (!size || last < phys)
		return false;
	for (;;) {
		uint64_t end = preserved_block_end(out, pfn);

		/* No block; a block reaches 2^order0_bit pages at most. */
		if (end <= pfn)
			return false;
		if (end > last_pfn)
			return true;
		pfn = end;
	}
}

/* The order of the root FDT's block: one page, two where order 0 cannot be. */
static unsigned int fdt_order(const struct kho_geometry *geo)
{
	return kho_geometry_truncates_order0(geo) ? 1 : 0;
}

/*
 * The largest block Linux allocates for a blob: one folio of at most
 * MAX_PAGE_ORDER (kho_alloc_preserve() says -E2BIG above it,
 * kexec_handover.c:1554-1556), which kernel B frees as a folio of that
 * order (kho_restore_free()). The defaults: 10 on x86-64 and on arm64 with
 * 4 KiB pages, 11 with 16 KiB, 13 with 64 KiB (include/linux/mmzone.h:31,
 * arch/arm64/Kconfig:1781-1785).
 */
static unsigned int linux_max_page_order(unsigned int page_shift)
{
	switch (page_shift) {
	case 14:
		return 11;
	case 16:
		return 13;
	default:
		return 10;
	}
}

static void *alloc_preserve(struct kho_out *out, size_t size, int *err)
{
	const struct kho_geometry *geo = &out->geo;
	void *ctx = out->ops.mem.ctx;
	unsigned int order = 0;
	uint64_t pages_minus_one;
	void *mem;

	*err = -EINVAL;
	if (KHO_WARN_ON(!size))
		return NULL;
	/* get_order(): the smallest order whose block holds @size bytes. */
	pages_minus_one = ((uint64_t)size - 1) >> geo->page_shift;
	if (pages_minus_one)
		order = 64 - __builtin_clzll(pages_minus_one);
	/*
	 * kho-v2's 16 KiB-page tree has no room for an order-0 key (its order
	 * bit falls off the top level; the first kernels wrote it truncated,
	 * and it read back as a larger block): a blob takes two pages there.
	 */
	if (!order && kho_geometry_truncates_order0(geo))
		order = 1;
	*err = -ERANGE;
	if (order >= geo->order0_bit ||
	    order > linux_max_page_order(geo->page_shift))
		return NULL;

	*err = -ENOMEM;
	mem = out->ops.alloc_pages(ctx, order);
	if (!mem)
		return NULL;
	*err = kho_preserve_folio(out, out->ops.mem.virt_to_phys(ctx, mem),
				  order);
	if (*err) {
		out->ops.free_pages(ctx, mem, order);
		return NULL;
	}
	return mem;
}

int kho_out_init(struct kho_out *out, const struct kho_geometry *geo,
		 const struct kho_env_ops *ops,
		 const struct kho_scratch *scratch, unsigned int nr_scratch)
{
	return kho_out_init_abi(out, geo, ops, scratch, nr_scratch,
				kho_abi_get(KHO_ABI_DEFAULT));
}

int kho_out_init_abi(struct kho_out *out, const struct kho_geometry *geo,
		     const struct kho_env_ops *ops,
		     const struct kho_scratch *scratch, unsigned int nr_scratch,
		     const struct kho_abi_version *abi)
{
	struct kho_geometry abi_geo;
	uint64_t fdt_len;
	int ret;

	if (KHO_WARN_ON(!out || !geo || !ops || !abi) ||
	    KHO_WARN_ON(!env_ops_valid(ops)) ||
	    KHO_WARN_ON(nr_scratch && !scratch))
		return -EINVAL;
	/*
	 * The version decides the depth; @geo names the page size and is
	 * either that geometry or kho_geometry_init()'s.
	 */
	ret = kho_geometry_init_abi(&abi_geo, geo->page_shift, abi);
	if (ret)
		return ret;
	if (!geometry_is(geo, &abi_geo) && !geometry_is_plain(geo))
		return -EINVAL;
	/*
	 * Judged as the next kernel judges them: an area that wraps (or is
	 * misaligned, outside RAM, overlapping another) would make the
	 * overlap test of every preserve meaningless.
	 */
	if (KHO_WARN_ON(kho_check_scratch(&abi_geo, ops, scratch, nr_scratch,
					  NULL, NULL)))
		return -EINVAL;

	kho_memset(out, 0, sizeof(*out));
	out->geo = abi_geo;
	out->ops = *ops;
	out->scratch = scratch;
	out->nr_scratch = nr_scratch;
	out->abi = abi;

	/* Checks the page ops, allocates the root. */
	ret = kho_radix_init(&out->tree, &out->geo, &ops->mem);
	if (ret)
		return ret;
	kho_lock_init(&out->lock);

	/* The root FDT is one page, itself preserved, like any blob. */
	fdt_len = kho_page_size(geo);
	out->fdt = alloc_preserve(out, fdt_len, &ret);
	if (!out->fdt)
		goto err_tree;
	out->fdt_phys = ops->mem.virt_to_phys(ops->mem.ctx, out->fdt);

	ret = root_fdt_build(out->fdt, fdt_len, abi,
			     kho_radix_root_phys(&out->tree));
	if (ret)
		goto err_fdt;
	return 0;

err_fdt:
	ops->free_pages(ops->mem.ctx, out->fdt, fdt_order(&out->geo));
err_tree:
	kho_lock_destroy(&out->lock);
	kho_radix_destroy(&out->tree);
	kho_memset(out, 0, sizeof(*out));
	return ret;
}

void kho_out_destroy(struct kho_out *out)
{
	if (!out || !out->fdt)
		return;
	/* The FDT page's own block goes with the tree. */
	kho_radix_destroy(&out->tree);
	out->ops.free_pages(out->ops.mem.ctx, out->fdt, fdt_order(&out->geo));
	kho_lock_destroy(&out->lock);
	kho_memset(out, 0, sizeof(*out));
}

int kho_preserve_folio(struct kho_out *out, uint64_t phys, unsigned int order)
{
	int ret;

	ret = check_folio(out, phys, order);
	if (!ret)
		ret = check_preservable(out, phys, 1ULL << order, false);
	if (ret)
		return ret;
	return kho_radix_add_page(&out->tree, kho_phys_to_pfn(&out->geo, phys),
				  order);
}

int kho_unpreserve_folio(struct kho_out *out, uint64_t phys, unsigned int order)
{
	int ret;

	ret = check_folio(out, phys, order);
	if (ret)
		return ret;
	if (KHO_WARN_ON(!kho_page_aligned(&out->geo, phys)))
		return -EINVAL;
	return kho_radix_del_page(&out->tree, kho_phys_to_pfn(&out->geo, phys),
				  order);
}

int kho_preserve_pages(struct kho_out *out, uint64_t phys, uint64_t nr_pages)
{
	int ret;

	ret = check_preservable(out, phys, nr_pages, true);
	if (ret)
		return ret;
	/* The kernel's split; a failure removes what this call added. */
	return kho_radix_add_range(&out->tree, kho_phys_to_pfn(&out->geo, phys),
				   nr_pages);
}

int kho_unpreserve_pages(struct kho_out *out, uint64_t phys, uint64_t nr_pages)
{
	if (KHO_WARN_ON(!kho_page_aligned(&out->geo, phys)))
		return -EINVAL;
	/* Same split as the preserve; all or nothing. */
	return kho_radix_del_range(&out->tree, kho_phys_to_pfn(&out->geo, phys),
				   nr_pages);
}

void *kho_alloc_preserve(struct kho_out *out, size_t size)
{
	int err;

	return alloc_preserve(out, size, &err);
}

void kho_unpreserve_free(struct kho_out *out, void *mem)
{
	const struct kho_geometry *geo = &out->geo;
	bool mem_not_preserved = true;
	uint64_t pfn;
	unsigned int order;

	if (!mem)
		return;
	pfn = kho_phys_to_pfn(geo,
			      out->ops.mem.virt_to_phys(out->ops.mem.ctx, mem));
	/*
	 * The order is whichever block kho_alloc_preserve() recorded at @mem:
	 * try every order @mem is aligned to.
	 */
	for (order = 0; order < geo->order0_bit; order++) {
		if (pfn & ((1ULL << order) - 1))
			break;
		if (!kho_radix_test_page(&out->tree, pfn, order))
			continue;
		kho_radix_del_page(&out->tree, pfn, order);
		out->ops.free_pages(out->ops.mem.ctx, mem, order);
		return;
	}
	KHO_WARN_ON(mem_not_preserved);
}

int kho_add_subtree(struct kho_out *out, const char *name, void *blob,
		    size_t size)
{
	uint64_t phys;
	const char *c;
	int ret;

	if (KHO_WARN_ON(!name || !*name || !blob || !size))
		return -EINVAL;
	/* A node name, not a path. */
	for (c = name; *c; c++) {
		if (*c == '/')
			return -EINVAL;
	}
	phys = out->ops.mem.virt_to_phys(out->ops.mem.ctx, blob);
	/* The next kernel can only read the blob if all of it survives. */
	if (!out_range_preserved(out, phys, size))
		return -EINVAL;

	kho_lock_acquire(&out->lock);
	ret = root_fdt_add_subtree(out->fdt, kho_page_size(&out->geo), out->abi,
				   name, phys, size);
	kho_lock_release(&out->lock);
	return ret;
}

void kho_remove_subtree(struct kho_out *out, void *blob)
{
	uint64_t phys;

	if (!blob)
		return;
	phys = out->ops.mem.virt_to_phys(out->ops.mem.ctx, blob);
	kho_lock_acquire(&out->lock);
	root_fdt_remove_subtree(out->fdt, kho_page_size(&out->geo), out->abi,
				phys);
	kho_lock_release(&out->lock);
}
