// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * memfd.c - memfd-v2, a memfd kept across a live update (<kho/memfd.h>).
 *
 * Kernel facts (Linux 7.3.4):
 *   include/linux/kho/abi/memfd.h:53    folio entry {pfn:52, flags:12, index}
 *   include/linux/kho/abi/memfd.h:63    MEMFD_LUO_ALL_SEALS, six seals
 *   include/linux/kho/abi/memfd.h:81    struct memfd_luo_ser, 48 bytes
 *   include/linux/kho/abi/memfd.h:91    compatible "memfd-v2"
 *   mm/memfd_luo.c:106                  size 0: no folios, no array
 *   mm/memfd_luo.c:133                  folios from memfd_pin_folios():
 *                                       each once, so none shares memory
 *   mm/memfd_luo.c:152                  each folio kho_preserve_folio()'d
 *   mm/memfd_luo.c:200                  flags DIRTY | UPTODATE, always
 *   mm/memfd_luo.c:204                  the array: kho_preserve_vmalloc()
 *   mm/memfd_luo.c:270                  blob from kho_alloc_preserve()
 *   mm/memfd_luo.c:283                  unknown seals: -EOPNOTSUPP
 *   mm/memfd_luo.c:295                  more than UINT_MAX pages: -EFBIG
 *   mm/memfd_luo.c:434                  pfn 0 entries are skipped
 *   mm/memfd_luo.c:530                  retrieve refuses unknown seals
 *   mm/memfd_luo.c:459, mm/shmem.c:901  a folio's index is a multiple of
 *                                       its size (VM_BUG_ON_FOLIO)
 *
 * The kernel's retrieve takes the array on trust (nr_folios against the
 * array's size, the indices, the flags); this reader checks them.
 */
#include <kho/block.h>
#include <kho/memfd.h>
#include <kho/vmalloc.h>

#include "kho_internal.h"

#define FOLIO_SER_SIZE sizeof(struct kho_memfd_folio_ser)

static uint64_t file_pages(uint64_t size, unsigned int shift)
{
	return (size >> shift) + !!(size & ((1ULL << shift) - 1));
}

/* ---- writer ---------------------------------------------------------------- */

static unsigned int order_for_bytes(uint64_t bytes, unsigned int shift)
{
	unsigned int order = 0;

	while ((1ULL << (shift + order)) < bytes)
		order++;
	return order;
}

static int key_order(const void *a, const void *b, const void *ctx)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Do two folios of @file share memory? A page-cache folio has one index in
 * one file, so the kernel never hands the same folio over twice
 * (memfd_pin_folios(), mm/memfd_luo.c:133); and the next kernel restores a
 * folio once: kho_restore_page() clears its magic (kernel/liveupdate/
 * kexec_handover.c:534), so a second entry at the same address fails the
 * whole retrieve (mm/memfd_luo.c:436-442). The keys (address | order)
 * are sorted in a scratch buffer: each folio must end before the next one
 * starts.
 * Return: 0, -EINVAL (an overlap), -ENOMEM.
 */
static int folios_overlap(struct kho_out *out,
			  const struct kho_memfd_file *file)
{
	const unsigned int shift = out->geo.page_shift;
	const uint64_t n = file->nr_folios, low = (1ULL << shift) - 1;
	unsigned int order = order_for_bytes(n * sizeof(uint64_t), shift);
	uint64_t *key, i, end;
	int ret = 0;

	if (n < 2)
		return 0;
	if (order >= out->geo.order0_bit)
		return -ENOMEM;
	key = out->ops.alloc_pages(out->ops.mem.ctx, order);
	if (!key)
		return -ENOMEM;
	/* A folio's order is below 64 and its address page-aligned. */
	for (i = 0; i < n; i++)
		key[i] = (file->folios[i].phys & ~low) | file->folios[i].order;
	kho_sort(key, n, sizeof(*key), key_order, NULL);
	for (i = 1; i < n; i++) {
		end = (key[i - 1] & ~low) +
		      (1ULL << ((key[i - 1] & low) + shift));
		/* A wrapping end is refused later, by kho_preserve_folio(). */
		if (end > (key[i - 1] & ~low) && end > (key[i] & ~low)) {
			ret = -EINVAL;
			break;
		}
	}
	out->ops.free_pages(out->ops.mem.ctx, key, order);
	return ret;
}

/*
 * Marks, in the array being written, a folio this call preserved (it was
 * not before): the flags field's top bit, which no entry keeps.
 */
#define FOLIO_ADDED (1ULL << (63 - KHO_MEMFD_PFN_BITS))

/* Entry @i of the folio array whose page addresses are @list. */
static struct kho_memfd_folio_ser *folio_entry(const struct kho_mem_ops *mem,
					       const uint64_t *list,
					       uint64_t per_page, uint64_t i)
{
	struct kho_memfd_folio_ser *page =
		mem->phys_to_virt(mem->ctx, list[i / per_page]);

	return &page[i % per_page];
}

int kho_memfd_preserve(struct kho_out *out, const struct kho_memfd_file *file,
		       uint64_t *ser_phys)
{
	const struct kho_mem_ops *mem;
	unsigned int shift, list_order = 0;
	uint64_t pages, per_page = 1, nr_pages = 0, i = 0, done = 0;
	uint64_t prev_end = 0;
	struct kho_memfd_folio_ser *entry;
	struct kho_memfd_v2_ser *ser;
	struct kho_vmalloc folios;
	uint64_t *list = NULL;
	bool was;
	int ret;

	if (KHO_WARN_ON(!out || !file || !ser_phys ||
			(file->nr_folios && !file->folios)))
		return -EINVAL;
	mem = &out->ops.mem;
	shift = out->geo.page_shift;
	/* The kernel says -EOPNOTSUPP and -EFBIG; kho_errno.h has neither. */
	if (file->seals & ~KHO_MEMFD_ALL_SEALS)
		return -EINVAL;
	/*
	 * f_pos is a loff_t: the next kernel's vfs_setpos() (memfd_luo.c:552)
	 * ignores a negative one and the file would start at 0.
	 */
	if (file->pos > INT64_MAX)
		return -EINVAL;
	pages = file_pages(file->size, shift);
	if (pages > UINT32_MAX)
		return -ERANGE;
	for (i = 0; i < file->nr_folios; i++) {
		const struct kho_memfd_folio *f = &file->folios[i];

		/*
		 * In order, each at an index that is a multiple of its size
		 * (shmem_add_to_page_cache() insists: mm/shmem.c:901); the last
		 * may reach past the end, as in shmem. Not at address 0: its
		 * pfn 0 reads back as a hole (mm/memfd_luo.c:434).
		 */
		if (f->index < prev_end || f->order >= out->geo.order0_bit ||
		    f->index & ((1ULL << f->order) - 1) || f->index >= pages ||
		    !(f->phys >> shift))
			return -EINVAL;
		prev_end = f->index + (1ULL << f->order);
	}
	ret = folios_overlap(out, file);
	if (ret)
		return ret;

	ser = kho_alloc_preserve(out, sizeof(*ser));
	if (!ser)
		return -ENOMEM;
	if (file->nr_folios) {
		/* The array first: it records which folios this call adds. */
		per_page = (1ULL << shift) / FOLIO_SER_SIZE;
		nr_pages = (file->nr_folios + per_page - 1) / per_page;
		/* The array's page addresses, for kho_preserve_vmalloc(). */
		list_order = order_for_bytes(nr_pages * sizeof(*list), shift);
		list = out->ops.alloc_pages(mem->ctx, list_order);
		if (!list) {
			ret = -ENOMEM;
			goto err_ser;
		}
		for (i = 0; i < nr_pages; i++) {
			struct kho_memfd_folio_ser *page;
			uint64_t j, n = file->nr_folios - i * per_page;

			page = out->ops.alloc_pages(mem->ctx, 0);
			if (!page) {
				ret = -ENOMEM;
				goto err_array;
			}
			kho_memset(page, 0, 1ULL << shift);
			list[i] = mem->virt_to_phys(mem->ctx, page);
			for (j = 0; j < per_page && j < n; j++) {
				const struct kho_memfd_folio *f =
					&file->folios[i * per_page + j];

				page[j].pfn = f->phys >> shift;
				page[j].flags = KHO_MEMFD_FOLIO_FLAGS;
				page[j].index = f->index;
			}
		}
	}
	for (; done < file->nr_folios; done++) {
		const struct kho_memfd_folio *f = &file->folios[done];

		was = kho_radix_test_page(&out->tree, f->phys >> shift,
					  f->order);
		ret = kho_preserve_folio(out, f->phys, f->order);
		if (ret)
			goto err_folios;
		if (!was)
			folio_entry(mem, list, per_page, done)->flags |=
				FOLIO_ADDED;
	}
	if (file->nr_folios) {
		ret = kho_preserve_vmalloc(out, list, (unsigned int)nr_pages, 0,
					   KHO_VMALLOC_FLAG_VM_ALLOC, &folios);
		if (ret)
			goto err_folios;
		/* Nothing fails any more: the marks go. */
		for (done = 0; done < file->nr_folios; done++)
			folio_entry(mem, list, per_page, done)->flags &=
				~FOLIO_ADDED;
		kho_memcpy(&ser->folios, &folios, sizeof(folios));
		out->ops.free_pages(mem->ctx, list, list_order);
	}
	ser->pos = file->pos;
	ser->size = file->size;
	ser->seals = file->seals;
	ser->flags = 0;
	ser->nr_folios = file->nr_folios;
	*ser_phys = mem->virt_to_phys(mem->ctx, ser);
	return 0;

err_folios:
	/* Only what this call added: a folio preserved before stays so. */
	while (done--) {
		entry = folio_entry(mem, list, per_page, done);
		if (entry->flags & FOLIO_ADDED)
			kho_unpreserve_folio(out, file->folios[done].phys,
					     file->folios[done].order);
	}
err_array:
	while (i--)
		out->ops.free_pages(mem->ctx,
				    mem->phys_to_virt(mem->ctx, list[i]), 0);
	out->ops.free_pages(mem->ctx, list, list_order);
err_ser:
	kho_unpreserve_free(out, ser);
	return ret;
}

/* ---- reader ---------------------------------------------------------------- */

/* One page-block of a folio array: its entries, up to nr_folios. */
static int memfd_folios_block(uint64_t phys, unsigned int order, uint64_t index,
			      void *arg)
{
	struct memfd_folios *w = arg;
	const struct kho_view *view = w->view;
	unsigned int shift = view->page_shift;
	uint64_t len = 1ULL << (shift + order), i, at, fphys;
	struct kho_memfd_folio_ser f;
	const unsigned char *block;
	int ret;

	block = kho_view_map(view, phys, len);
	if (!block)
		return kho_fail(w->err, -EFAULT, w->say->array_absent, "folios",
				phys, (long)index);
	if (w->check) {
		ret = kho_view_own(view, phys, len, "memfd folio array");
		if (ret)
			return kho_fail(w->err, ret, w->say->array_unowned,
					"folios", phys, (long)index);
	}
	for (i = 0; i < len / FOLIO_SER_SIZE && w->entry < w->nr_folios;
	     i++, w->entry++) {
		at = phys + i * FOLIO_SER_SIZE;
		kho_memcpy(&f, block + i * FOLIO_SER_SIZE, sizeof(f));
		if (!f.pfn) {
			w->holes += w->check;
			continue;
		}
		fphys = (uint64_t)f.pfn << shift;
		if (!w->check) {
			ret = w->cb(fphys, f.index, f.flags, w->entry, w->arg);
			if (ret)
				return ret;
			continue;
		}
		if (fphys >> shift != f.pfn)
			return kho_fail(w->err, -EINVAL, w->say->pfn_wide,
					"pfn", at, (long)w->entry);
		if (f.flags & ~KHO_MEMFD_FOLIO_FLAGS)
			return kho_fail(w->err, -EINVAL, w->say->flags, "flags",
					at, (long)w->entry);
		if (f.index >= w->pages)
			return kho_fail(w->err, -EINVAL, w->say->past_end,
					"index", at, (long)w->entry);
		if (f.index < w->next_index)
			return kho_fail(w->err, -EINVAL, w->say->not_above,
					"index", at, (long)w->entry);
		w->next_index = f.index + 1;
		ret = kho_view_own(view, fphys, 1ULL << shift, "memfd folio");
		if (ret)
			return kho_fail(w->err, ret, w->say->folio_unowned,
					"pfn", at, (long)w->entry);
	}
	return 0;
}

/*
 * Pass 1 over the @w->nr_folios entries of @array: every entry checked, the
 * array and every folio owned, the holes counted. @w->err says what is
 * wrong: a chunk, an entry, or memfd_folios_block().
 */
int memfd_folios_check(struct memfd_folios *w, const struct kho_vmalloc *array)
{
	w->check = true;
	w->entry = 0;
	w->next_index = 0;
	w->holes = 0;
	if (!w->nr_folios)
		return 0;
	return kho_vmalloc_read(w->view, array, memfd_folios_block, w, w->err);
}

/*
 * Pass 2, after memfd_folios_check() passed: @cb for every folio, in array
 * order, through a view that owns nothing (pass 1 did). Return: 0, @cb's
 * first non-zero return, or what kho_vmalloc_read() finds wrong.
 */
int memfd_folios_visit(struct memfd_folios *w, const struct kho_vmalloc *array,
		       memfd_folio_fn cb, void *arg)
{
	const struct kho_view *view = w->view;
	struct kho_view quiet;
	int ret;

	if (!cb || !w->nr_folios)
		return 0;
	quiet = *view;
	quiet.own = NULL;
	w->view = &quiet;
	w->check = false;
	w->cb = cb;
	w->arg = arg;
	w->entry = 0;
	ret = kho_vmalloc_read(&quiet, array, memfd_folios_block, w, w->err);
	w->view = view;
	return ret;
}

/* Whole sentences, one table per format, so that each can be searched for. */
static const struct memfd_folios_say memfd_v2_say = {
	.array_absent = "a page of the memfd folio array is not in memory",
	.array_unowned =
		"a page of the memfd folio array is not preserved memory",
	.pfn_wide = "a memfd folio's pfn is beyond the address space",
	.flags = "a memfd folio has unknown flags",
	.past_end = "a memfd folio lies past the end of the file",
	.not_above = "a memfd folio's index is not above the previous folio's",
	.folio_unowned =
		"a memfd folio is not preserved memory, or is another folio's",
};

int kho_memfd_read(const struct kho_view *view, uint64_t phys,
		   kho_memfd_folio_cb cb, void *arg,
		   struct kho_memfd_info *info, struct kho_error *err)
{
	struct memfd_folios w = { .view = view,
				  .say = &memfd_v2_say,
				  .err = err };
	const struct kho_memfd_v2_ser *blob;
	struct kho_memfd_v2_ser ser;
	struct kho_vmalloc folios;
	unsigned int shift;
	int ret;

	if (KHO_WARN_ON(kho_view_unusable(view)))
		return -EINVAL;
	shift = view->page_shift;
	blob = kho_view_map(view, phys, sizeof(ser));
	if (!blob)
		return kho_fail(err, -EFAULT,
				"the memfd-v2 blob is not in memory", "data",
				phys, KHO_ERR_NO_INDEX);
	kho_memcpy(&ser, blob, sizeof(ser));
	kho_memcpy(&folios, &blob->folios, sizeof(folios));
	ret = kho_view_own(view, phys, sizeof(ser), KHO_MEMFD_V2_COMPATIBLE);
	if (ret)
		return kho_fail(err, ret,
				"the memfd-v2 blob is not preserved memory",
				"data", phys, KHO_ERR_NO_INDEX);
	if (ser.seals & ~KHO_MEMFD_ALL_SEALS)
		return kho_fail(err, -EINVAL,
				"a memfd has seals memfd-v2 cannot keep",
				"seals", phys, KHO_ERR_NO_INDEX);
	if (ser.flags)
		return kho_fail(err, -EINVAL, "a memfd's flags are not 0",
				"flags", phys, KHO_ERR_NO_INDEX);
	/* As the writer: kernel B would start the file at 0 instead. */
	if (ser.pos > INT64_MAX)
		return kho_fail(err, -EINVAL,
				"a memfd's position is negative as a loff_t",
				"pos", phys, KHO_ERR_NO_INDEX);
	w.pages = file_pages(ser.size, shift);
	if (w.pages > UINT32_MAX)
		return kho_fail(err, -EINVAL,
				"a memfd is larger than 2^32 - 1 pages", "size",
				phys, KHO_ERR_NO_INDEX);
	if (ser.nr_folios > w.pages)
		return kho_fail(err, -EINVAL,
				"a memfd has more folios than pages",
				"nr_folios", phys, KHO_ERR_NO_INDEX);
	w.nr_folios = ser.nr_folios;
	if (ser.nr_folios) {
		/* 2^32 pages of 64 KiB: the product fits 64 bits. */
		if (((uint64_t)ser.folios.total_pages << shift) /
			    FOLIO_SER_SIZE <
		    ser.nr_folios)
			return kho_fail(
				err, -EINVAL,
				"a memfd's folio array is smaller than nr_folios entries",
				"folios", phys, KHO_ERR_NO_INDEX);
		ret = memfd_folios_check(&w, &folios);
		if (ret)
			return kho_fail_in(err, ret, phys);
	}
	if (info) {
		info->pos = ser.pos;
		info->size = ser.size;
		info->seals = ser.seals;
		info->nr_folios = ser.nr_folios;
		info->nr_holes = w.holes;
		info->folios = folios;
	}
	return memfd_folios_visit(&w, &folios, cb, arg);
}

/* ---- kernel B ------------------------------------------------------------ */

struct memfd_restore {
	struct kho_in *in;
	kho_memfd_restore_cb cb;
	void *arg;
	struct kho_error *err;
	uint64_t nr_folios;
	uint64_t entry;
	uint64_t next_index; /* first page after the previous folio */
	int ret;
};

/* The order stamped on the block at @phys, or -1. */
static int stamped_order(struct kho_in *in, uint64_t phys)
{
	struct kho_page *page;
	union kho_page_info info;

	page = in->ops.pfn_to_page(in->ops.mem.ctx,
				   kho_phys_to_pfn(&in->geo, phys));
	if (!page)
		return -1;
	info.page_private = page->private;
	if (info.magic != KHO_PAGE_MAGIC || info.order >= in->geo.order0_bit)
		return -1;
	return (int)info.order;
}

const char *kho_memfd_folio_misplaced(uint64_t index, int order,
				      uint64_t next_index)
{
	if (order < 0)
		return "a memfd folio is not a preserved block";
	if (index < next_index)
		return "a memfd folio overlaps the folio before it";
	if (order >= 64 || index & ((1ULL << order) - 1))
		return "a memfd folio's index is not a multiple of its size";
	/* It may end past the file: a large shmem folio over a short file. */
	return NULL;
}

/* What memfd_add_seals() adds to F_SEAL_EXEC on an executable file. */
#define SEALS_WITH_EXEC                                                       \
	(KHO_MEMFD_SEAL_SHRINK | KHO_MEMFD_SEAL_GROW | KHO_MEMFD_SEAL_WRITE | \
	 KHO_MEMFD_SEAL_FUTURE_WRITE)

uint32_t kho_memfd_seals_retrieved(uint32_t seals)
{
	return seals & KHO_MEMFD_SEAL_EXEC ? seals | SEALS_WITH_EXEC : seals;
}

/* Each restored page of the folio array: restore its folios, free it. */
static int restore_array_block(uint64_t phys, unsigned int order, void *arg)
{
	struct memfd_restore *r = arg;
	struct kho_in *in = r->in;
	unsigned int shift = in->geo.page_shift;
	uint64_t len = 1ULL << (shift + order), i, fphys;
	const struct kho_memfd_folio_ser *page;
	int forder, ret = 0;
	const char *why;

	page = in->ops.mem.phys_to_virt(in->ops.mem.ctx, phys);
	for (i = 0; i < len / FOLIO_SER_SIZE && r->entry < r->nr_folios;
	     i++, r->entry++) {
		if (!page[i].pfn || ret)
			continue;
		fphys = (uint64_t)page[i].pfn << shift;
		forder = stamped_order(in, fphys);
		why = kho_memfd_folio_misplaced(page[i].index, forder,
						r->next_index);
		if (why) {
			ret = kho_fail(r->err, -EINVAL, why, "pfn",
				       phys + i * FOLIO_SER_SIZE,
				       (long)r->entry);
			continue;
		}
		if (!kho_restore_folio(in, fphys)) {
			ret = kho_fail(r->err, -EINVAL,
				       "a memfd folio cannot be restored",
				       "pfn", phys + i * FOLIO_SER_SIZE,
				       (long)r->entry);
			continue;
		}
		r->next_index = page[i].index + (1ULL << forder);
		if (r->cb)
			ret = r->cb(fphys, (unsigned int)forder, page[i].index,
				    r->arg);
	}
	/* The array was only the list: give its pages back, every one. */
	in->ops.free_pages(in->ops.mem.ctx, (void *)page, order);
	if (ret && !r->ret)
		r->ret = ret;
	return 0;
}

int kho_memfd_restore(struct kho_in *in, uint64_t phys, kho_memfd_restore_cb cb,
		      void *arg, struct kho_memfd_info *info,
		      struct kho_error *err)
{
	struct memfd_restore r = { .in = in, .cb = cb, .arg = arg, .err = err };
	struct kho_memfd_info local;
	struct kho_view view;
	void *blob;
	int ret;

	ret = in_restore_view(
		in, phys, "there is no walked handover to restore a memfd from",
		&view, err);
	if (ret)
		return ret;
	ret = kho_memfd_read(&view, phys, NULL, NULL, &local, err);
	if (ret)
		return ret;
	if (info)
		*info = local;
	r.nr_folios = local.nr_folios;
	if (local.nr_folios) {
		ret = kho_restore_vmalloc(in, &local.folios,
					  restore_array_block, &r);
		if (ret)
			return kho_fail(
				err, ret,
				"the memfd folio array cannot be restored",
				"folios", phys, KHO_ERR_NO_INDEX);
		if (r.ret)
			return r.ret;
	}
	/* The array or a folio may have been the blob's own page. */
	blob = in->ops.mem.phys_to_virt(in->ops.mem.ctx, phys);
	ret = kho_restore_free(in, blob);
	if (ret)
		return kho_fail(err, ret,
				"the memfd-v2 blob cannot be restored", "data",
				phys, KHO_ERR_NO_INDEX);
	return 0;
}
