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
 * chunk page is never part of the area. A chunk that fills is followed by
 * a new one at once, so n blocks take n / cap + 1 chunks, the last one
 * possibly empty: Linux writes it so.
 *
 * kho_vmalloc_read() is the format's one decoder: it reads a list another
 * kernel wrote through a struct kho_view, checks all of it (every chunk
 * aligned and mapped, the chunk count bounded so a cycle ends, every entry
 * aligned, the pages adding up to total_pages) and only then hands out the
 * chunks and the entries. kho_restore_vmalloc() is built on it: one read
 * checks that every chunk and block is preserved, the next restores them,
 * and a block found listed twice makes it take back what it restored.
 *
 * Kernel facts (Linux 7.3.4):
 *   include/linux/kho/abi/kexec_handover.h:147-178  header, chunk, area
 *   kernel/liveupdate/kexec_handover.c:1282   flags VM_ALLOC, HUGE_VMAP
 *   kernel/liveupdate/kexec_handover.c:1389   entry stored, then a full
 *                                             chunk gets its successor
 *   kernel/liveupdate/kexec_handover.c:1475   restore: no more pages than
 *                                             total_pages ...
 *   kernel/liveupdate/kexec_handover.c:1495   ... and exactly that many
 *   kernel/liveupdate/kexec_handover.c:1467   a block's alignment, 1 <<
 *                                             (PAGE_SHIFT + order), is an
 *                                             unsigned int
 *   kernel/liveupdate/kexec_handover.c:1498   __get_vm_area_node() of
 *                                             total_pages pages: none is
 *                                             refused (mm/vmalloc.c:3229)
 */
#include <kho/vmalloc.h>

#include "kho_internal.h"

#define KHO_VMALLOC_SUPPORTED_FLAGS \
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
	/* Linux has no empty area to hand over, and cannot map one back. */
	if (!nr_blocks)
		return -EINVAL;
	if (order >= geo->order0_bit ||
	    !kho_block_bytes_fit_u32(geo->page_shift, order))
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
		ret = kho_preserve_pages(out, block_phys[i], 1ULL << order);
		if (ret)
			goto err;
		chunk_entries(chunk)[idx++] = block_phys[i];
		/*
		 * As Linux does (kho_preserve_vmalloc() in
		 * kernel/liveupdate/kexec_handover.c): a chunk that fills is
		 * followed at once by a new one, empty if no entry follows.
		 */
		if (idx == cap) {
			ret = new_chunk(out, chunk, &v, &chunk);
			if (ret)
				goto err;
			idx = 0;
		}
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

/* ---- the reader: one decoder of the chunk list ---------------------------- */

/* Where the reader is in the list, for its error messages. */
struct vmalloc_cursor {
	const struct kho_view *view;
	const struct kho_vmalloc *v;
	struct kho_error *err;
	uint64_t cap; /* entries of one chunk */
	uint64_t blocks; /* entries the area must list */
};

static int vmalloc_fail(struct vmalloc_cursor *c, int code, const char *what,
			const char *property, uint64_t phys, long index)
{
	return kho_fail(c->err, code, what, property, phys, index);
}

/* The fields of struct kho_vmalloc itself, before any chunk is read. */
static int vmalloc_check_head(struct vmalloc_cursor *c)
{
	const struct kho_vmalloc *v = c->v;

	if (v->flags & ~KHO_VMALLOC_SUPPORTED_FLAGS)
		return vmalloc_fail(c, -EINVAL,
				    "vmalloc flags has unknown bits", "flags",
				    KHO_ERR_NO_ADDR, KHO_ERR_NO_INDEX);
	if (!kho_block_bytes_fit_u32(c->view->page_shift, v->order))
		return vmalloc_fail(
			c, -EINVAL,
			"vmalloc order makes blocks of 4 GiB or more, which Linux cannot map",
			"order", KHO_ERR_NO_ADDR, KHO_ERR_NO_INDEX);
	if (!v->total_pages)
		return vmalloc_fail(
			c, -EINVAL,
			"vmalloc area has no pages, which Linux cannot map",
			"total_pages", KHO_ERR_NO_ADDR, KHO_ERR_NO_INDEX);
	if (v->total_pages & ((1ULL << v->order) - 1))
		return vmalloc_fail(
			c, -EINVAL,
			"vmalloc total_pages is not whole blocks of its order",
			"total_pages", KHO_ERR_NO_ADDR, KHO_ERR_NO_INDEX);
	if (!v->first)
		return vmalloc_fail(c, -EINVAL,
				    "vmalloc area has no first chunk", "first",
				    KHO_ERR_NO_ADDR, KHO_ERR_NO_INDEX);
	return 0;
}

/*
 * Map chunk number @nr at @phys, reached through @property. The chunk count
 * is bounded by what the entries can fill plus the empty chunk a full one
 * leaves behind, so a cyclic list ends here.
 */
static const unsigned char *vmalloc_map_chunk(struct vmalloc_cursor *c,
					      uint64_t phys, uint64_t nr,
					      const char *property, int *ret)
{
	uint64_t page = 1ULL << c->view->page_shift;
	const unsigned char *chunk;

	*ret = 0;
	if (nr > c->blocks / c->cap) {
		*ret = vmalloc_fail(
			c, -EINVAL,
			"vmalloc chunk list is longer than its entries need (a cycle?)",
			property, phys, (long)nr);
		return NULL;
	}
	if (phys & (page - 1)) {
		*ret = vmalloc_fail(c, -EINVAL,
				    "vmalloc chunk is not page-aligned",
				    property, phys, (long)nr);
		return NULL;
	}
	chunk = kho_view_map(c->view, phys, page);
	if (!chunk)
		*ret = vmalloc_fail(c, -EFAULT,
				    "vmalloc chunk is not in memory", property,
				    phys, (long)nr);
	return chunk;
}

/* Entry @i of @chunk; 0 ends the chunk's entries. */
static uint64_t vmalloc_entry(const unsigned char *chunk, uint64_t i)
{
	return kho_load_u64(chunk + sizeof(struct kho_vmalloc_hdr) +
			    i * sizeof(uint64_t));
}

/* Physical address of the slot of entry @i in the chunk at @chunk_phys. */
static uint64_t vmalloc_slot(uint64_t chunk_phys, uint64_t i)
{
	return chunk_phys + sizeof(struct kho_vmalloc_hdr) +
	       i * sizeof(uint64_t);
}

/* Entry @index, in the slot at @slot: a block that can be preserved. */
static int vmalloc_check_entry(struct vmalloc_cursor *c, uint64_t phys,
			       uint64_t slot, uint64_t index)
{
	unsigned int shift = c->view->page_shift;
	uint64_t bytes = 1ULL << (shift + c->v->order);

	if (index >= c->blocks)
		return vmalloc_fail(
			c, -EINVAL,
			"vmalloc chunks list more blocks than total_pages holds",
			"phys", slot, (long)index);
	if (phys & ((1ULL << shift) - 1))
		return vmalloc_fail(c, -EINVAL,
				    "vmalloc entry is not page-aligned", "phys",
				    slot, (long)index);
	if (phys + bytes - 1 < phys)
		return vmalloc_fail(
			c, -EINVAL,
			"vmalloc entry's block runs past the end of the address space",
			"phys", slot, (long)index);
	return 0;
}

/* Pass 1: the whole list, checked; nothing called. */
static int vmalloc_check_list(struct vmalloc_cursor *c)
{
	uint64_t chunk_phys = c->v->first, nr = 0, index = 0, i, phys;
	const char *property = "first";
	const unsigned char *chunk;
	int ret;

	for (; chunk_phys; nr++) {
		chunk = vmalloc_map_chunk(c, chunk_phys, nr, property, &ret);
		if (!chunk)
			return ret;
		for (i = 0; i < c->cap; i++, index++) {
			phys = vmalloc_entry(chunk, i);
			if (!phys)
				break;
			ret = vmalloc_check_entry(
				c, phys, vmalloc_slot(chunk_phys, i), index);
			if (ret)
				return ret;
		}
		chunk_phys = kho_load_u64(chunk);
		property = "next";
	}
	if (index != c->blocks)
		return vmalloc_fail(
			c, -EINVAL,
			"vmalloc chunks list fewer blocks than total_pages says",
			"total_pages", KHO_ERR_NO_ADDR, (long)index);
	return 0;
}

/* Pass 2: each chunk to the view's owner, each entry to @cb. */
static int vmalloc_emit_list(struct vmalloc_cursor *c, kho_vmalloc_entry_cb cb,
			     void *arg)
{
	uint64_t page = 1ULL << c->view->page_shift;
	uint64_t chunk_phys = c->v->first, index = 0, nr = 0, i, phys;
	const char *property = "first";
	const unsigned char *chunk;
	int ret;

	for (; chunk_phys; nr++, property = "next") {
		/* Pass 1 mapped it: only a view that changed fails here. */
		chunk = kho_view_map(c->view, chunk_phys, page);
		if (!chunk)
			return vmalloc_fail(c, -EFAULT,
					    "vmalloc chunk is not in memory",
					    property, chunk_phys, (long)nr);
		/* The owner refuses it (kernel B: it is not preserved). */
		ret = kho_view_own(c->view, chunk_phys, page, "vmalloc chunk");
		if (ret)
			return vmalloc_fail(
				c, ret, "vmalloc chunk is not preserved memory",
				property, chunk_phys, (long)nr);
		for (i = 0; i < c->cap && index < c->blocks; i++, index++) {
			phys = vmalloc_entry(chunk, i);
			if (!phys)
				break;
			ret = cb ? cb(phys, c->v->order, index, arg) : 0;
			if (ret)
				return ret;
		}
		chunk_phys = kho_load_u64(chunk);
	}
	return 0;
}

int kho_vmalloc_read(const struct kho_view *view, const struct kho_vmalloc *v,
		     kho_vmalloc_entry_cb cb, void *arg, struct kho_error *err)
{
	struct vmalloc_cursor c = { .view = view, .v = v, .err = err };
	int ret;

	if (KHO_WARN_ON(kho_view_unusable(view) || !v))
		return -EINVAL;
	c.cap = KHO_VMALLOC_SIZE_OF(view->page_shift);

	ret = vmalloc_check_head(&c);
	if (ret)
		return ret;
	c.blocks = (uint64_t)v->total_pages >> v->order;
	ret = vmalloc_check_list(&c);
	if (ret)
		return ret;
	return vmalloc_emit_list(&c, cb, arg);
}

/* ---- kernel B ------------------------------------------------------------ */

/* What one read of the list does to the chunks and blocks it is given. */
enum restore_step {
	STEP_CHECK, /* every chunk and block still stamped */
	STEP_RESTORE, /* chunks as order-0 folios, blocks as pages */
	STEP_UNDO, /* stamp again what STEP_RESTORE restored */
	STEP_MAP, /* hand each block to the caller */
};

struct vmalloc_restore {
	struct kho_in *in;
	const struct kho_vmalloc *v;
	enum restore_step step;
	uint64_t blocks; /* blocks restored, or left to take back */
	kho_vmalloc_map_cb map;
	void *map_arg;
};

static const void *restore_view_map(void *ctx, uint64_t phys, uint64_t len)
{
	struct vmalloc_restore *r = ctx;

	return kho_map_range(&r->in->geo, &r->in->ops.mem, phys, len);
}

/* One block of the split of an entry (or a chunk page, @is_folio). */
static int restore_block(struct vmalloc_restore *r, uint64_t pfn,
			 unsigned int order, bool is_folio)
{
	struct kho_in *in = r->in;

	switch (r->step) {
	case STEP_CHECK:
		return in_block_stamped(in, pfn, order) ? 0 : -EINVAL;
	case STEP_RESTORE:
		if (!in_restore_block(in, pfn, order, is_folio))
			return -EINVAL;
		r->blocks++;
		return 0;
	case STEP_UNDO:
		/* Stop after the blocks STEP_RESTORE took: the rest are intact. */
		if (!r->blocks)
			return 1;
		in_unrestore_block(in, pfn, order);
		r->blocks--;
		return 0;
	case STEP_MAP:
		break;
	}
	return 0;
}

static int restore_chunk(void *ctx, uint64_t phys, uint64_t len,
			 const char *what)
{
	struct vmalloc_restore *r = ctx;

	return restore_block(r, kho_phys_to_pfn(&r->in->geo, phys), 0, true);
}

/* An entry's pages, in the split kho_preserve_pages() made of them. */
static int restore_entry(uint64_t phys, unsigned int order, uint64_t index,
			 void *arg)
{
	struct vmalloc_restore *r = arg;
	uint64_t pfn = kho_phys_to_pfn(&r->in->geo, phys);
	uint64_t end = pfn + (1ULL << order);
	unsigned int block;
	int ret;

	if (r->step == STEP_MAP)
		return r->map(phys, order, r->map_arg);
	/* The reader checked that the area does not wrap. */
	for (; pfn < end; pfn += 1ULL << block) {
		block = kho_range_block_order(pfn, end);
		ret = restore_block(r, pfn, block, false);
		if (ret)
			return ret;
	}
	return 0;
}

static int restore_step(struct vmalloc_restore *r, enum restore_step step)
{
	struct kho_view view = {
		.map = restore_view_map,
		.own = restore_chunk,
		.ctx = r,
		.page_shift = r->in->geo.page_shift,
	};

	r->step = step;
	return kho_vmalloc_read(&view, r->v, restore_entry, r, NULL);
}

/* The chunk pages were only the list: give them back. */
static void free_chunks(struct kho_in *in, uint64_t chunk_phys)
{
	const struct kho_mem_ops *mem = &in->ops.mem;
	struct kho_vmalloc_hdr *hdr;

	/* STEP_RESTORE restored each chunk once: the list is acyclic. */
	while (chunk_phys) {
		hdr = mem->phys_to_virt(mem->ctx, chunk_phys);
		chunk_phys = hdr->next;
		in->ops.free_pages(mem->ctx, hdr, 0);
	}
}

int kho_restore_vmalloc(struct kho_in *in, const struct kho_vmalloc *v,
			kho_vmalloc_map_cb map, void *arg)
{
	struct vmalloc_restore r = {
		.in = in,
		.v = v,
		.map = map,
		.map_arg = arg,
	};
	int ret;

	if (!in_may_restore(in))
		return -EPERM;
	if (KHO_WARN_ON(!v || !map))
		return -EINVAL;
	/* An order the tree's keys cannot hold was never preserved. */
	if (v->order >= in->geo.order0_bit)
		return -EINVAL;

	ret = restore_step(&r, STEP_CHECK);
	if (ret)
		return ret;
	ret = restore_step(&r, STEP_RESTORE);
	if (ret) {
		/* Only a block or chunk listed twice gets here. */
		restore_step(&r, STEP_UNDO);
		return ret;
	}
	ret = restore_step(&r, STEP_MAP);
	free_chunks(in, v->first);
	return ret;
}
