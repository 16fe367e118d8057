// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * kho_vmalloc.c - preserving a vmalloc area: its blocks are scattered, so
 * their addresses go into a list of one-page chunks, and struct kho_vmalloc
 * (16 bytes, in the owner's own blob) names the first chunk:
 *
 *   struct kho_vmalloc          chunk (one page, preserved as order 0)
 *   +-------------+             +------+------+------+-- --+---+
 *   | first ------+-----------> | next | phys | phys | ... | 0 |
 *   | total_pages |             +--|---+--|---+------+-- --+---+
 *   | flags order |                |      +--> 2^order pages, preserved
 *   +-------------+                v           as pages
 *                               next chunk ... (next = 0: last)
 *
 * The entries of a chunk end at the first 0 or at the end of the page. A
 * chunk page is never part of the area.
 *
 * The incoming side reads a list another kernel wrote: it walks it once to
 * check it (every chunk mapped and preserved, the chunk count bounded so a
 * cycle ends, every block preserved, the pages adding up to total_pages)
 * before it restores anything, and takes back what it restored if a block
 * turns out to be listed twice.
 */
#include "kho_internal.h"

#define KHO_VMALLOC_SUPPORTED_FLAGS                                        \
	(KHO_VMALLOC_FLAG_VM_ALLOC | KHO_VMALLOC_FLAG_HUGE_VMAP)

/* Entries of one chunk page for this page size. */
static uint64_t chunk_capacity(const struct kho_geometry *geo)
{
	return KHO_VMALLOC_SIZE_OF(geo->page_shift);
}

static struct kho_vmalloc_hdr *chunk_hdr(void *page)
{
	return page;
}

static uint64_t *chunk_entries(void *page)
{
	return (uint64_t *)(chunk_hdr(page) + 1);
}

/* ---- kernel A ------------------------------------------------------------ */

/*
 * Forget a chain this library built: unpreserve every recorded block and
 * every chunk, free the chunks.
 */
static void unpreserve_chain(struct kho_out *out, uint64_t first,
			     unsigned int order)
{
	const struct kho_mem_ops *mem = &out->ops.mem;
	uint64_t cap = chunk_capacity(&out->geo);
	uint64_t chunk_phys = first, i, *entries;
	void *chunk;

	while (chunk_phys) {
		chunk = mem->phys_to_virt(mem->ctx, chunk_phys);
		entries = chunk_entries(chunk);
		for (i = 0; i < cap && entries[i]; i++)
			kho_unpreserve_pages(out, entries[i], 1ULL << order);
		kho_unpreserve_pages(out, chunk_phys, 1);
		chunk_phys = chunk_hdr(chunk)->next;
		out->ops.free_pages(mem->ctx, chunk, 0);
	}
}

/* A zeroed, preserved chunk page, linked after @prev (or as @v->first). */
static int new_chunk(struct kho_out *out, void *prev, struct kho_vmalloc *v,
		     void **chunk)
{
	const struct kho_mem_ops *mem = &out->ops.mem;
	uint64_t phys;
	int ret;

	*chunk = out->ops.alloc_pages(mem->ctx, 0);
	if (!*chunk)
		return -ENOMEM;
	/* The zeroes terminate the entries: never trust a page to be clean. */
	kho_memset(*chunk, 0, kho_page_size(&out->geo));
	phys = mem->virt_to_phys(mem->ctx, *chunk);
	ret = kho_preserve_pages(out, phys, 1);
	if (ret) {
		out->ops.free_pages(mem->ctx, *chunk, 0);
		return ret;
	}
	if (prev)
		chunk_hdr(prev)->next = phys;
	else
		v->first = phys;
	return 0;
}

int kho_preserve_vmalloc(struct kho_out *out, const uint64_t *block_phys,
			 unsigned int nr_blocks, unsigned int order,
			 uint16_t flags, struct kho_vmalloc *preservation)
{
	const struct kho_geometry *geo = &out->geo;
	uint64_t cap = chunk_capacity(geo), idx = 0, total;
	struct kho_vmalloc v = { 0 };
	void *chunk = NULL;
	unsigned int i;
	int ret;

	if (KHO_WARN_ON(!preservation || (nr_blocks && !block_phys)))
		return -EINVAL;
	/* The kernel says -EOPNOTSUPP; kho_errno.h keeps to the common set. */
	if (flags & ~KHO_VMALLOC_SUPPORTED_FLAGS)
		return -EINVAL;
	if (order >= geo->order0_bit)
		return -ERANGE;
	total = (uint64_t)nr_blocks << order;
	if (total > UINT32_MAX)
		return -ERANGE;
	/* A 0 entry ends a chunk's list: no block can start at 0. */
	for (i = 0; i < nr_blocks; i++) {
		if (KHO_WARN_ON(!block_phys[i]))
			return -EINVAL;
	}

	ret = new_chunk(out, NULL, &v, &chunk);
	if (ret)
		return ret;
	for (i = 0; i < nr_blocks; i++) {
		/* A new chunk only when an entry needs it: none left empty. */
		if (idx == cap) {
			ret = new_chunk(out, chunk, &v, &chunk);
			if (ret)
				goto err;
			idx = 0;
		}
		ret = kho_preserve_pages(out, block_phys[i], 1ULL << order);
		if (ret)
			goto err;
		chunk_entries(chunk)[idx++] = block_phys[i];
	}

	v.total_pages = (uint32_t)total;
	v.flags = flags;
	v.order = (uint16_t)order;
	*preservation = v;
	return 0;

err:
	unpreserve_chain(out, v.first, order);
	return ret;
}

void kho_unpreserve_vmalloc(struct kho_out *out,
			    struct kho_vmalloc *preservation)
{
	if (!preservation || !preservation->first)
		return;
	unpreserve_chain(out, preservation->first, preservation->order);
	kho_memset(preservation, 0, sizeof(*preservation));
}

/* ---- kernel B ------------------------------------------------------------ */

enum chunk_item { ITEM_CHUNK, ITEM_ENTRY };

/* Called per chunk page and per entry; non-zero stops the iteration. */
typedef int (*vmalloc_item_fn)(struct kho_in *in, enum chunk_item kind,
			       uint64_t phys, void *arg);

/*
 * Blocks an area lists. The order comes from the other kernel and may be
 * 32 or more: shift the 32-bit page count as a u64 (found by
 * fuzz/fuzz_vmalloc.c: a u32 shifted by 32 is undefined).
 */
static uint64_t area_blocks(const struct kho_vmalloc *v)
{
	return (uint64_t)v->total_pages >> v->order;
}

/*
 * Visit a handed-over chunk list: each chunk page, then its entries. The
 * number of chunks is bounded by what @v's entries can fill (plus one, as
 * the kernel leaves an empty chunk after a full one), so a cyclic list ends;
 * a chunk that is misaligned or not mapped stops the walk.
 */
static int vmalloc_for_each(struct kho_in *in, const struct kho_vmalloc *v,
			    vmalloc_item_fn fn, void *arg)
{
	const struct kho_geometry *geo = &in->geo;
	uint64_t cap = chunk_capacity(geo);
	uint64_t max_chunks = area_blocks(v) / cap + 1;
	uint64_t chunk_phys = v->first, nr_chunks = 0, i;
	const uint64_t *entries;
	const void *chunk;
	int ret;

	if (!chunk_phys)
		return -EINVAL;
	while (chunk_phys) {
		if (++nr_chunks > max_chunks)
			return -EINVAL;
		if (!kho_page_aligned(geo, chunk_phys))
			return -EINVAL;
		chunk = kho_map_range(geo, &in->ops.mem, chunk_phys,
				      kho_page_size(geo));
		if (!chunk)
			return -EFAULT;
		ret = fn(in, ITEM_CHUNK, chunk_phys, arg);
		if (ret)
			return ret;
		entries = chunk_entries((void *)chunk);
		for (i = 0; i < cap && entries[i]; i++) {
			ret = fn(in, ITEM_ENTRY, entries[i], arg);
			if (ret)
				return ret;
		}
		chunk_phys = chunk_hdr((void *)chunk)->next;
	}
	return 0;
}

struct vmalloc_walk {
	const struct kho_vmalloc *v;
	uint64_t entries;	/* entries seen */
	uint64_t blocks;	/* blocks restored, or left to take back */
	kho_vmalloc_map_cb map;
	void *map_arg;
};

/* Apply @fn to every block of the split of [pfn, pfn + nr_pages). */
static int for_each_block(struct kho_in *in, uint64_t pfn, uint64_t nr_pages,
			  int (*fn)(struct kho_in *in, uint64_t pfn,
				    unsigned int order, struct vmalloc_walk *w),
			  struct vmalloc_walk *w)
{
	uint64_t end = pfn + nr_pages;
	unsigned int order;
	int ret;

	for (; pfn < end; pfn += 1ULL << order) {
		order = kho_range_block_order(pfn, end);
		ret = fn(in, pfn, order, w);
		if (ret)
			return ret;
	}
	return 0;
}

static int check_block(struct kho_in *in, uint64_t pfn, unsigned int order,
		       struct vmalloc_walk *w)
{
	return in_block_stamped(in, pfn, order) ? 0 : -EINVAL;
}

/* Pass 1: every chunk and block preserved, entries adding up. */
static int check_item(struct kho_in *in, enum chunk_item kind, uint64_t phys,
		      void *arg)
{
	const struct kho_geometry *geo = &in->geo;
	struct vmalloc_walk *w = arg;
	uint64_t pfn = kho_phys_to_pfn(geo, phys);
	uint64_t nr_pages = 1ULL << w->v->order;

	if (kind == ITEM_CHUNK)
		return in_block_stamped(in, pfn, 0) ? 0 : -EINVAL;
	if (++w->entries > area_blocks(w->v))
		return -EINVAL;
	if (!kho_page_aligned(geo, phys) || pfn + nr_pages < pfn)
		return -EINVAL;
	return for_each_block(in, pfn, nr_pages, check_block, w);
}

static int restore_block(struct kho_in *in, uint64_t pfn, unsigned int order,
			 struct vmalloc_walk *w)
{
	if (!in_restore_block(in, pfn, order, false))
		return -EINVAL;
	w->blocks++;
	return 0;
}

/* Pass 2: chunk pages as order-0 folios, entries as pages. */
static int restore_item(struct kho_in *in, enum chunk_item kind,
			uint64_t phys, void *arg)
{
	struct vmalloc_walk *w = arg;
	uint64_t pfn = kho_phys_to_pfn(&in->geo, phys);

	if (kind == ITEM_CHUNK) {
		if (!in_restore_block(in, pfn, 0, true))
			return -EINVAL;
		w->blocks++;
		return 0;
	}
	return for_each_block(in, pfn, 1ULL << w->v->order, restore_block, w);
}

static int unrestore_block(struct kho_in *in, uint64_t pfn,
			   unsigned int order, struct vmalloc_walk *w)
{
	/* Stop after the blocks pass 2 restored: the rest are untouched. */
	if (!w->blocks)
		return 1;
	in_unrestore_block(in, pfn, order);
	w->blocks--;
	return 0;
}

/* After a failed pass 2: stamp again what it restored, in the same order. */
static int unrestore_item(struct kho_in *in, enum chunk_item kind,
			  uint64_t phys, void *arg)
{
	struct vmalloc_walk *w = arg;
	uint64_t pfn = kho_phys_to_pfn(&in->geo, phys);

	if (kind == ITEM_CHUNK)
		return unrestore_block(in, pfn, 0, w);
	return for_each_block(in, pfn, 1ULL << w->v->order, unrestore_block,
			      w);
}

/* Pass 3: hand each block to the caller, in list order. */
static int map_item(struct kho_in *in, enum chunk_item kind, uint64_t phys,
		    void *arg)
{
	struct vmalloc_walk *w = arg;

	if (kind == ITEM_CHUNK)
		return 0;
	return w->map(phys, w->v->order, w->map_arg);
}

/* Pass 4: the chunk pages were only the list: give them back. */
static void free_chunks(struct kho_in *in, uint64_t chunk_phys)
{
	const struct kho_mem_ops *mem = &in->ops.mem;
	struct kho_vmalloc_hdr *hdr;

	/* Pass 2 restored each chunk once: the list is finite and acyclic. */
	while (chunk_phys) {
		hdr = mem->phys_to_virt(mem->ctx, chunk_phys);
		chunk_phys = hdr->next;
		in->ops.free_pages(mem->ctx, hdr, 0);
	}
}

int kho_restore_vmalloc(struct kho_in *in, const struct kho_vmalloc *v,
			kho_vmalloc_map_cb map, void *arg)
{
	struct vmalloc_walk w = { .v = v, .map = map, .map_arg = arg };
	int ret;

	if (!in_may_restore(in))
		return -EPERM;
	if (KHO_WARN_ON(!v || !map))
		return -EINVAL;
	if (v->flags & ~KHO_VMALLOC_SUPPORTED_FLAGS ||
	    v->order >= in->geo.order0_bit ||
	    v->total_pages & ((1ULL << v->order) - 1))
		return -EINVAL;

	ret = vmalloc_for_each(in, v, check_item, &w);
	if (ret)
		return ret;
	if (w.entries != area_blocks(v))
		return -EINVAL;

	ret = vmalloc_for_each(in, v, restore_item, &w);
	if (ret) {
		/* Only a block or chunk listed twice gets here. */
		vmalloc_for_each(in, v, unrestore_item, &w);
		return ret;
	}

	ret = vmalloc_for_each(in, v, map_item, &w);
	free_chunks(in, v->first);
	return ret;
}
