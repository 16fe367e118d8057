// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * kho_block.c - KHO serialization blocks: chains of one-page blocks of
 * fixed-size entries (the layout is drawn in <kho/block.h>).
 *
 * Kernel facts (Linux 7.3.4):
 *   include/linux/kho/abi/block.h:37    KHO_BLOCK_SIZE is PAGE_SIZE
 *   include/linux/kho/abi/block.h:49    struct kho_block_header_ser
 *   include/linux/kho_block.h:65        capacity (PAGE_SIZE - 16) / entry
 *   kernel/liveupdate/kho_block.c:38    KHO_MAX_BLOCKS 10000
 *   kernel/liveupdate/kho_block.c:76    blocks from kho_alloc_preserve()
 *   kernel/liveupdate/kho_block.c:85    a 10001st block is -ENOSPC
 *   kernel/liveupdate/kho_block.c:204   Floyd cycle check, -EINVAL
 *   kernel/liveupdate/kho_block.c:268   count 0 or over capacity: -EINVAL
 *   kernel/liveupdate/kho_block.c:364   a block fills before the next one
 *
 * The writer keeps no list beside the chain (lib/ allocates nothing): it
 * walks the chain itself when it must find a block.
 */
#include <kho/block.h>

#include "kho_internal.h"

/* The page of a block this library allocated, mapped. */
static struct kho_block_header_ser *out_block(struct kho_out *out,
					      uint64_t phys)
{
	return out->ops.mem.phys_to_virt(out->ops.mem.ctx, phys);
}

static uint64_t out_phys(struct kho_out *out, const void *va)
{
	return out->ops.mem.virt_to_phys(out->ops.mem.ctx, va);
}

static unsigned char *block_entries(struct kho_block_header_ser *block)
{
	return (unsigned char *)(block + 1);
}

int kho_block_set_init(struct kho_block_set *bs, struct kho_out *out,
		       size_t entry_size)
{
	uint64_t cap;

	if (KHO_WARN_ON(!bs || !out))
		return -EINVAL;
	cap = kho_block_capacity(out->geo.page_shift, entry_size);
	if (!cap)
		return -EINVAL;
	kho_memset(bs, 0, sizeof(*bs));
	bs->out = out;
	bs->entry_size = entry_size;
	bs->count_per_block = cap;
	return 0;
}

/* Link one zeroed, preserved block at the end. */
static int grow_one(struct kho_block_set *bs)
{
	struct kho_block_header_ser *block;

	if (bs->nblocks >= KHO_MAX_BLOCKS)
		return -ENOSPC;
	block = kho_alloc_preserve(bs->out, kho_page_size(&bs->out->geo));
	if (!block)
		return -ENOMEM;
	if (bs->last)
		bs->last->next = out_phys(bs->out, block);
	else
		bs->head_pa = out_phys(bs->out, block);
	bs->last = block;
	bs->nblocks++;
	return 0;
}

/* Unlink and free the last block; the one before it becomes the last. */
static void shrink_one(struct kho_block_set *bs)
{
	struct kho_block_header_ser *prev = NULL, *block;
	uint64_t phys = bs->head_pa;

	if (!bs->last)
		return;
	/* Find the block before the last one. */
	for (block = out_block(bs->out, phys); block != bs->last;
	     block = out_block(bs->out, phys)) {
		prev = block;
		phys = block->next;
	}
	kho_unpreserve_free(bs->out, bs->last);
	bs->nblocks--;
	bs->last = prev;
	if (prev)
		prev->next = 0;
	else
		bs->head_pa = 0;
	if (bs->count > bs->nblocks * bs->count_per_block)
		bs->count = bs->nblocks * bs->count_per_block;
}

int kho_block_set_grow(struct kho_block_set *bs, uint64_t count)
{
	uint64_t orig = bs->nblocks;
	int ret;

	while (count > bs->nblocks * bs->count_per_block) {
		ret = grow_one(bs);
		if (ret) {
			while (bs->nblocks > orig)
				shrink_one(bs);
			return ret;
		}
	}
	return 0;
}

void kho_block_set_shrink(struct kho_block_set *bs, uint64_t count)
{
	while (bs->nblocks && count <= (bs->nblocks - 1) * bs->count_per_block)
		shrink_one(bs);
}

/* Block @k of the chain (below nblocks): the last one, or walk to it. */
static struct kho_block_header_ser *block_at(struct kho_block_set *bs,
					     uint64_t k)
{
	uint64_t phys = bs->head_pa;

	if (k + 1 == bs->nblocks)
		return bs->last;
	for (; k; k--)
		phys = out_block(bs->out, phys)->next;
	return out_block(bs->out, phys);
}

void *kho_block_set_entry(struct kho_block_set *bs, uint64_t index)
{
	if (index >= bs->count)
		return NULL;
	return block_entries(block_at(bs, index / bs->count_per_block)) +
	       (index % bs->count_per_block) * bs->entry_size;
}

int kho_block_set_for_each(struct kho_block_set *bs,
			   int (*fn)(void *entry, uint64_t index, void *arg),
			   void *arg)
{
	struct kho_block_header_ser *block;
	uint64_t phys = bs->head_pa, index = 0, j;
	int ret;

	while (phys && index < bs->count) {
		block = out_block(bs->out, phys);
		for (j = 0; j < block->count && index < bs->count;
		     j++, index++) {
			ret = fn(block_entries(block) + j * bs->entry_size,
				 index, arg);
			if (ret)
				return ret;
		}
		phys = block->next;
	}
	return 0;
}

int kho_block_set_append(struct kho_block_set *bs, const void *entry)
{
	uint64_t index = bs->count, cap = bs->count_per_block;
	struct kho_block_header_ser *block;
	int ret;

	ret = kho_block_set_grow(bs, index + 1);
	if (ret)
		return ret;
	/*
	 * The blocks before the entry's are full; a block grown beforehand
	 * (kho_block_set_grow()) is filled in order, as the kernel's
	 * kho_block_set_it_reserve_entry() does, and its count says how far.
	 */
	block = block_at(bs, index / cap);
	kho_memcpy(block_entries(block) + (index % cap) * bs->entry_size, entry,
		   bs->entry_size);
	block->count = index % cap + 1;
	bs->count = index + 1;
	return 0;
}

void kho_block_set_destroy(struct kho_block_set *bs)
{
	struct kho_block_header_ser *block;
	uint64_t phys = bs->head_pa;

	/* From the head: no block needs to find the one before it. */
	while (phys) {
		block = out_block(bs->out, phys);
		phys = block->next;
		kho_unpreserve_free(bs->out, block);
	}
	bs->head_pa = 0;
	bs->last = NULL;
	bs->nblocks = 0;
	bs->count = 0;
}

/* ---- reader ---------------------------------------------------------------- */

/* The header of the block at @phys, if the whole page is mapped. */
static const struct kho_block_header_ser *map_block(const struct kho_view *view,
						    uint64_t phys)
{
	return kho_view_map(view, phys, 1ULL << view->page_shift);
}

/*
 * Pass 1: walk the chain with a second pointer at half speed (Floyd), so a
 * cycle is found however long its tail. Each new block is checked when
 * first reached; the walk continues past KHO_MAX_BLOCKS only as far as a
 * cycle within them could still hide, then calls the chain too long.
 */
static int check_chain(const struct kho_view *view, uint64_t head_pa,
		       uint64_t cap, struct kho_block_info *info,
		       struct kho_error *err)
{
	const struct kho_block_header_ser *block;
	uint64_t page = 1ULL << view->page_shift;
	uint64_t phys = head_pa, slow = head_pa, next, n = 0, count, over = 0;

	while (phys) {
		if (n == KHO_MAX_BLOCKS)
			over = phys;
		/* @phys is block n of the walk, @slow block n / 2. */
		if (phys & (page - 1))
			return kho_fail(err, -EINVAL,
					"a KHO block is not page-aligned",
					n ? "next" : "head", phys, n);
		block = map_block(view, phys);
		if (!block)
			return kho_fail(err, -EFAULT,
					"a KHO block is not in memory",
					n ? "next" : "head", phys, n);
		if (n < KHO_MAX_BLOCKS) {
			kho_memcpy(&count, &block->count, sizeof(count));
			if (!count)
				return kho_fail(err, -EINVAL,
						"a KHO block's count is 0",
						"count", phys, n);
			if (count > cap)
				return kho_fail(
					err, -EINVAL,
					"a KHO block's count is larger than a block holds",
					"count", phys, n);
			info->nr_entries += count;
		}
		kho_memcpy(&next, &block->next, sizeof(next));
		n++;
		/* Floyd: block 2k is block k only in a cycle. */
		if (!(n & 1)) {
			kho_memcpy(&slow, &map_block(view, slow)->next,
				   sizeof(slow));
			if (next && next == slow)
				return kho_fail(err, -EINVAL,
						"the KHO block chain is cyclic",
						"next", next, n);
		}
		phys = next;
		/* Past this, a cycle among the first blocks was found. */
		if (n > 2 * (KHO_MAX_BLOCKS + 1))
			break;
	}
	if (n > KHO_MAX_BLOCKS)
		return kho_fail(err, -ENOSPC,
				"a KHO block chain has more than 10000 blocks",
				"next", over, KHO_MAX_BLOCKS);
	info->nr_blocks = n;
	return 0;
}

int kho_block_read(const struct kho_view *view, uint64_t head_pa,
		   size_t entry_size, const char *what, kho_block_entry_cb cb,
		   void *arg, struct kho_block_info *info,
		   struct kho_error *err)
{
	struct kho_block_info local = { 0 };
	const struct kho_block_header_ser *block;
	const unsigned char *entries;
	uint64_t cap, phys, i, j, index = 0, count;
	int ret;

	if (KHO_WARN_ON(kho_view_unusable(view)))
		return -EINVAL;
	cap = kho_block_capacity(view->page_shift, entry_size);
	if (!cap)
		return kho_fail(err, -EINVAL,
				"a KHO block entry does not fit a block", NULL,
				head_pa, 0);
	ret = check_chain(view, head_pa, cap, &local, err);
	if (ret)
		return ret;

	/* Pass 2: the chain is sound and finite. */
	phys = head_pa;
	for (i = 0; i < local.nr_blocks; i++) {
		block = map_block(view, phys);
		kho_memcpy(&count, &block->count, sizeof(count));
		/*
		 * A callback may have changed memory since the check (kernel B
		 * frees what it restored): never trust more than was checked.
		 */
		if (!count || count > cap)
			return kho_fail(err, -EINVAL,
					"a KHO block changed while it was read",
					"count", phys, i);
		ret = kho_view_own(view, phys, 1ULL << view->page_shift, what);
		if (ret)
			return kho_fail(err, ret,
					"a KHO block is not preserved memory",
					what, phys, i);
		entries = (const unsigned char *)(block + 1);
		for (j = 0; cb && j < count; j++, index++) {
			ret = cb(entries + j * entry_size,
				 phys + sizeof(*block) + j * entry_size, index,
				 arg);
			if (ret)
				return ret;
		}
		kho_memcpy(&phys, &block->next, sizeof(phys));
		if (i + 1 < local.nr_blocks &&
		    (phys & ((1ULL << view->page_shift) - 1) ||
		     !map_block(view, phys)))
			return kho_fail(err, -EINVAL,
					"a KHO block changed while it was read",
					"next", phys, i + 1);
	}
	if (info)
		*info = local;
	return 0;
}

/* ---- kernel B's memory as a view ----------------------------------------- */

static const void *in_view_map(void *ctx, uint64_t phys, uint64_t len)
{
	struct kho_in *in = ctx;

	return kho_map_range(&in->geo, &in->ops.mem, phys, len);
}

static int in_view_own(void *ctx, uint64_t phys, uint64_t len, const char *what)
{
	struct kho_in *in = ctx;
	struct kho_page *page;
	union kho_page_info info;
	uint64_t pfn = kho_phys_to_pfn(&in->geo, phys);

	if (!in->walked || !kho_page_aligned(&in->geo, phys))
		return -EINVAL;
	page = in->ops.pfn_to_page(in->ops.mem.ctx, pfn);
	if (!page)
		return -EINVAL;
	info.page_private = page->private;
	if (info.magic != KHO_PAGE_MAGIC || info.order >= in->geo.order0_bit ||
	    pfn & ((1ULL << info.order) - 1) ||
	    len > kho_page_size(&in->geo) << info.order)
		return -EINVAL;
	return 0;
}

void kho_in_view(struct kho_in *in, struct kho_view *view)
{
	*view = (struct kho_view){
		.map = in_view_map,
		.own = in_view_own,
		.ctx = in,
		.page_shift = in->geo.page_shift,
	};
}

int kho_block_restore_free(struct kho_in *in, uint64_t head_pa)
{
	const struct kho_mem_ops *mem = &in->ops.mem;
	struct kho_block_header_ser *block;
	uint64_t phys = head_pa, next;
	int ret;

	while (phys) {
		block = mem->phys_to_virt(mem->ctx, phys);
		if (!block)
			return -EFAULT;
		next = block->next;
		ret = kho_restore_free(in, block);
		if (ret)
			return ret;
		phys = next;
	}
	return 0;
}
