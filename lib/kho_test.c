// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * kho_test.c - kho-test-v1, the handover of Linux's KHO test module
 * (<kho/kho_test.h> draws it).
 *
 * Kernel facts (Linux 7.3.4, lib/test_kho.c):
 *   :26-28    name "kho_test", compatible "kho-test-v1", magic 0x4b484f21
 *   :30       max_mem (PAGE_SIZE << MAX_PAGE_ORDER) * 2 by default
 *   :60-64    the entries: vmalloc_array(nr, 8), kho_preserve_vmalloc()
 *             (vm flags 0: VM_ALLOC only, order 0)
 *   :75       entry = phys | order
 *   :107-115  root compatible and magic (u32), /data nr_folios (u32),
 *             folios_info (struct kho_vmalloc), csum (__wsum), native-endian
 *   :129-134  the blob: folio of get_order(nr * 8 + PAGE_SIZE), preserved,
 *             fdt_create() with that many bytes
 *   :146      kho_add_subtree(name, blob, fdt_totalsize(blob))
 *   :168      orders random in [0, NR_PAGE_ORDERS)
 *   :191      csum = csum_partial(folio, size, csum), in allocation order
 *   :246-256  restore checks the three properties' lengths only
 *   :262-276  each folio restored, its order compared, summed; a failure
 *             ends the loop and the sum then differs
 *   :326-328  "KHO restore failed" / "KHO restore succeeded"
 *
 * The kernel reads nr_folios entries from the restored area without
 * checking that the area holds them, nor the entries' alignment; this
 * reader checks both.
 */
#include <libfdt.h>

#include <kho/block.h>
#include <kho/kho_test.h>
#include <kho/vmalloc.h>

#include "kho_internal.h"

#define KHO_TEST_ENTRY_SIZE sizeof(uint64_t)

/* Pages holding @nr entries. */
static uint64_t entry_pages(uint64_t nr, unsigned int shift)
{
	uint64_t bytes = nr * KHO_TEST_ENTRY_SIZE;

	return (bytes >> shift) + !!(bytes & ((1ULL << shift) - 1));
}

/* ---- writer ---------------------------------------------------------------- */

/* The blob, written as kho_test_prepare_fdt() writes it. */
static int write_fdt(void *fdt, int fdt_size, const struct kho_test_out *t)
{
	static const char compatible[] = KHO_TEST_COMPATIBLE;
	uint32_t magic = KHO_TEST_MAGIC;
	int err;

	err = fdt_create(fdt, fdt_size);
	err |= fdt_finish_reservemap(fdt);
	err |= fdt_begin_node(fdt, "");
	err |= fdt_property(fdt, "compatible", compatible, sizeof(compatible));
	err |= fdt_property(fdt, "magic", &magic, sizeof(magic));
	err |= fdt_begin_node(fdt, "data");
	err |= fdt_property(fdt, "nr_folios", &t->nr_folios,
			    sizeof(t->nr_folios));
	err |= fdt_property(fdt, "folios_info", &t->folios_info,
			    sizeof(t->folios_info));
	err |= fdt_property(fdt, "csum", &t->csum, sizeof(t->csum));
	err |= fdt_end_node(fdt);
	err |= fdt_end_node(fdt);
	err |= fdt_finish(fdt);
	return err ? -ENOSPC : 0;
}

/* The folios' raw checksum, chained in order, page by page. */
static int sum_folios(struct kho_out *out, const struct kho_test_folio *folios,
		      uint32_t nr, enum kho_csum_arch arch, uint32_t *csum)
{
	const struct kho_geometry *geo = &out->geo;
	uint64_t page = kho_page_size(geo), acc, off;
	uint32_t sum = 0, i;
	const void *va;

	for (i = 0; i < nr; i++) {
		acc = 0;
		for (off = 0; off < page << folios[i].order; off += page) {
			va = kho_map_range(geo, &out->ops.mem,
					   folios[i].phys + off, page);
			if (!va)
				return -EINVAL;
			acc = kho_csum_add(acc, va, page);
		}
		sum = kho_csum_finish(arch, acc, sum);
	}
	*csum = sum;
	return 0;
}

/* Free the entries' pages listed in @list (the first @nr of them). */
static void free_entry_pages(struct kho_out *out, const uint64_t *list,
			     uint64_t nr)
{
	const struct kho_mem_ops *mem = &out->ops.mem;

	while (nr--)
		out->ops.free_pages(mem->ctx,
				    mem->phys_to_virt(mem->ctx, list[nr]), 0);
}

/*
 * The entries, phys | order, in order-0 pages preserved as a vmalloc area;
 * the pages' addresses go through a one-page scratch list.
 */
static int preserve_entries(struct kho_out *out, struct kho_test_out *t)
{
	const struct kho_mem_ops *mem = &out->ops.mem;
	unsigned int shift = out->geo.page_shift;
	uint64_t per_page = (1ULL << shift) / KHO_TEST_ENTRY_SIZE;
	uint64_t nr_pages = entry_pages(t->nr_folios, shift), i, j, n;
	uint64_t *list, *page;
	int ret;

	/* kho_test_preserve() checked that one page lists them all. */
	list = out->ops.alloc_pages(mem->ctx, 0);
	if (!list)
		return -ENOMEM;
	for (i = 0; i < nr_pages; i++) {
		page = out->ops.alloc_pages(mem->ctx, 0);
		if (!page) {
			ret = -ENOMEM;
			goto err;
		}
		kho_memset(page, 0, 1ULL << shift);
		list[i] = mem->virt_to_phys(mem->ctx, page);
		n = t->nr_folios - i * per_page;
		for (j = 0; j < per_page && j < n; j++) {
			const struct kho_test_folio *f =
				&t->folios[i * per_page + j];

			page[j] = f->phys | f->order;
		}
	}
	ret = kho_preserve_vmalloc(out, list, (unsigned int)nr_pages, 0,
				   KHO_VMALLOC_FLAG_VM_ALLOC, &t->folios_info);
	if (ret)
		goto err;
	out->ops.free_pages(mem->ctx, list, 0);
	return 0;

err:
	free_entry_pages(out, list, i);
	out->ops.free_pages(mem->ctx, list, 0);
	return ret;
}

/* The entries' pages of a preservation this library made, freed. */
static const void *out_view_map(void *ctx, uint64_t phys, uint64_t len)
{
	struct kho_out *out = ctx;

	return kho_map_range(&out->geo, &out->ops.mem, phys, len);
}

static int free_entry_block(uint64_t phys, unsigned int order, uint64_t index,
			    void *arg)
{
	struct kho_out *out = arg;
	const struct kho_mem_ops *mem = &out->ops.mem;

	out->ops.free_pages(mem->ctx, mem->phys_to_virt(mem->ctx, phys), order);
	return 0;
}

static void unpreserve_entries(struct kho_out *out, struct kho_test_out *t)
{
	struct kho_view view = {
		.map = out_view_map,
		.ctx = out,
		.page_shift = out->geo.page_shift,
	};

	/* Our own list: it reads; the pages go before the chunks do. */
	kho_vmalloc_read(&view, &t->folios_info, free_entry_block, out, NULL);
	kho_unpreserve_vmalloc(out, &t->folios_info);
}

int kho_test_preserve(struct kho_out *out, const struct kho_test_folio *folios,
		      uint32_t nr_folios, enum kho_csum_arch arch,
		      struct kho_test_out *t)
{
	const struct kho_geometry *geo;
	struct kho_test_out local = { 0 };
	uint64_t fdt_size;
	uint32_t done = 0, i;
	int ret;

	if (KHO_WARN_ON(!out || !t || (nr_folios && !folios)))
		return -EINVAL;
	geo = &out->geo;
	if (!nr_folios)
		return -EINVAL;
	/* The entries' page list must fit one page (preserve_entries()). */
	if (entry_pages(nr_folios, geo->page_shift) >
	    kho_page_size(geo) / sizeof(uint64_t))
		return -ERANGE;
	for (i = 0; i < nr_folios; i++) {
		/* The order shares the entry with the address's low bits. */
		if (folios[i].order >= geo->order0_bit)
			return -EINVAL;
		/* Kernel B sums the folio's bytes counted in an unsigned int. */
		if (!kho_block_bytes_fit_u32(geo->page_shift, folios[i].order))
			return -ERANGE;
		if (folios[i].phys &
		    ((kho_page_size(geo) << folios[i].order) - 1))
			return -EINVAL;
	}
	local.nr_folios = nr_folios;
	local.folios = folios;
	ret = sum_folios(out, folios, nr_folios, arch, &local.csum);
	if (ret)
		return ret;

	fdt_size =
		(uint64_t)nr_folios * KHO_TEST_ENTRY_SIZE + kho_page_size(geo);
	if (fdt_size > INT32_MAX)
		return -ERANGE;
	local.fdt = kho_alloc_preserve(out, (size_t)fdt_size);
	if (!local.fdt)
		return -ENOMEM;
	local.fdt_phys = out->ops.mem.virt_to_phys(out->ops.mem.ctx, local.fdt);

	ret = preserve_entries(out, &local);
	if (ret)
		goto err_fdt;
	for (; done < nr_folios; done++) {
		ret = kho_preserve_folio(out, folios[done].phys,
					 folios[done].order);
		if (ret)
			goto err_folios;
	}
	ret = write_fdt(local.fdt, (int)fdt_size, &local);
	if (ret)
		goto err_folios;
	local.fdt_size = fdt_totalsize(local.fdt);
	*t = local;
	return 0;

err_folios:
	while (done--)
		kho_unpreserve_folio(out, folios[done].phys,
				     folios[done].order);
	unpreserve_entries(out, &local);
err_fdt:
	kho_unpreserve_free(out, local.fdt);
	return ret;
}

void kho_test_unpreserve(struct kho_out *out, struct kho_test_out *t)
{
	uint32_t i;

	if (!out || !t || !t->fdt)
		return;
	for (i = 0; i < t->nr_folios; i++)
		kho_unpreserve_folio(out, t->folios[i].phys,
				     t->folios[i].order);
	unpreserve_entries(out, t);
	kho_unpreserve_free(out, t->fdt);
	kho_memset(t, 0, sizeof(*t));
}

/* ---- reader ---------------------------------------------------------------- */

/* A property of exactly @len bytes, copied out (it may be unaligned). */
static int get_prop(const void *fdt, int node, const char *name, void *val,
		    int len, uint64_t phys, struct kho_error *err,
		    const char *what)
{
	const void *prop;
	int got;

	prop = fdt_getprop(fdt, node, name, &got);
	if (!prop || got != len)
		return kho_fail(err, -EINVAL, what, name, phys,
				KHO_ERR_NO_INDEX);
	kho_memcpy(val, prop, (size_t)len);
	return 0;
}

static const struct kho_fdt_blob kho_test_blob =
	KHO_FDT_BLOB("kho-test", KHO_TEST_COMPATIBLE);

/* The blob: mapped, a sound FDT, the properties test_kho.c reads. */
static int read_blob(const struct kho_view *view, uint64_t phys, uint64_t size,
		     struct kho_test_info *info, struct kho_error *err)
{
	const void *fdt;
	uint64_t total;
	uint32_t magic;
	int node, ret;

	ret = kho_view_map_fdt(view, &kho_test_blob, phys, size, &fdt, err);
	if (ret)
		return ret;
	total = fdt_totalsize(fdt);
	ret = get_prop(fdt, 0, "magic", &magic, sizeof(magic), phys, err,
		       "the kho-test magic is not 4 bytes");
	if (ret)
		return ret;
	if (magic != KHO_TEST_MAGIC)
		return kho_fail(err, -EINVAL,
				"the kho-test magic is not 0x4b484f21", "magic",
				phys, KHO_ERR_NO_INDEX);
	node = fdt_path_offset(fdt, "/data");
	if (node < 0)
		return kho_fail(err, -EINVAL, "the kho-test blob has no /data",
				"data", phys, KHO_ERR_NO_INDEX);
	ret = get_prop(fdt, node, "nr_folios", &info->nr_folios,
		       sizeof(info->nr_folios), phys, err,
		       "the kho-test nr_folios is not 4 bytes");
	if (ret)
		return ret;
	ret = get_prop(fdt, node, "csum", &info->csum, sizeof(info->csum), phys,
		       err, "the kho-test csum is not 4 bytes");
	if (ret)
		return ret;
	ret = get_prop(fdt, node, "folios_info", &info->folios_info,
		       sizeof(info->folios_info), phys, err,
		       "the kho-test folios_info is not 16 bytes");
	if (ret)
		return ret;
	if (!info->nr_folios)
		return kho_fail(err, -EINVAL,
				"the kho-test blob lists no folios",
				"nr_folios", phys, KHO_ERR_NO_INDEX);
	/*
	 * vmalloc_array() never maps huge pages: the list is of order 0, and
	 * a hostile order cannot make a page of the list terabytes long.
	 */
	if (info->folios_info.order)
		return kho_fail(err, -EINVAL,
				"the kho-test folio list is not of order 0",
				"folios_info", phys, KHO_ERR_NO_INDEX);
	if (((uint64_t)info->folios_info.total_pages << view->page_shift) /
		    KHO_TEST_ENTRY_SIZE <
	    info->nr_folios)
		return kho_fail(
			err, -EINVAL,
			"the kho-test folio list is smaller than nr_folios entries",
			"folios_info", phys, KHO_ERR_NO_INDEX);
	info->fdt_size = total;
	return 0;
}

struct test_walk {
	const struct kho_view *view;
	bool check; /* pass 1: check; pass 2: own and call back */
	kho_test_folio_cb cb;
	void *arg;
	struct kho_error *err;
	uint32_t nr_folios;
	uint32_t entry;
};

/* One page (or block) of the folio list: its entries, checked or listed. */
static int list_block(uint64_t phys, unsigned int order, uint64_t index,
		      void *arg)
{
	struct test_walk *w = arg;
	unsigned int shift = w->view->page_shift;
	uint64_t len = 1ULL << (shift + order), i, e, fphys;
	const unsigned char *block;
	unsigned int forder;
	int ret;

	if (w->entry >= w->nr_folios)
		return 0;
	block = kho_view_map(w->view, phys, len);
	if (!block)
		return kho_fail(
			w->err, -EFAULT,
			"a page of the kho-test folio list is not in memory",
			"folios_info", phys, (long)w->entry);
	if (!w->check) {
		ret = kho_view_own(w->view, phys, len, "kho-test folio list");
		if (ret)
			return kho_fail(
				w->err, ret,
				"a page of the kho-test folio list is not preserved memory",
				"folios_info", phys, (long)w->entry);
	}
	for (i = 0; i < len / KHO_TEST_ENTRY_SIZE && w->entry < w->nr_folios;
	     i++, w->entry++) {
		e = kho_load_u64(block + i * KHO_TEST_ENTRY_SIZE);
		forder = (unsigned int)(e & ((1ULL << shift) - 1));
		fphys = e & ~((1ULL << shift) - 1);
		if (w->check) {
			/*
			 * An order a tree key holds (restorable at all), of
			 * fewer bytes than Linux's unsigned int counts.
			 */
			if (forder >= KHO_ORDER_0_LOG2_OF(shift) ||
			    !kho_block_bytes_fit_u32(shift, forder))
				return kho_fail(
					w->err, -EINVAL,
					"a kho-test folio is 4 GiB or more, more than Linux's test_kho sums",
					"folios_info",
					phys + i * KHO_TEST_ENTRY_SIZE,
					(long)w->entry);
			if (fphys & ((1ULL << (shift + forder)) - 1))
				return kho_fail(
					w->err, -EINVAL,
					"a kho-test folio is not aligned to its order",
					"folios_info",
					phys + i * KHO_TEST_ENTRY_SIZE,
					(long)w->entry);
			continue;
		}
		if (w->cb) {
			ret = w->cb(fphys, forder, w->entry, w->arg);
			if (ret)
				return ret;
		}
	}
	return 0;
}

int kho_test_read(const struct kho_view *view, uint64_t phys, uint64_t size,
		  kho_test_folio_cb cb, void *arg, struct kho_test_info *info,
		  struct kho_error *err)
{
	struct test_walk w = { .check = true, .err = err };
	struct kho_test_info local;
	struct kho_view quiet;
	int ret;

	if (KHO_WARN_ON(kho_view_unusable(view)))
		return -EINVAL;
	ret = read_blob(view, phys, size, &local, err);
	if (ret)
		return ret;
	/* Pass 1, quietly: the list and every entry. */
	quiet = *view;
	quiet.own = NULL;
	w.view = &quiet;
	w.nr_folios = local.nr_folios;
	ret = kho_vmalloc_read(&quiet, &local.folios_info, list_block, &w, err);
	if (ret)
		return kho_fail_in(err, ret, phys);
	if (info)
		*info = local;
	/* Pass 2: tell the owner, then the caller. */
	ret = kho_view_own(view, phys, size ? size : local.fdt_size,
			   KHO_TEST_COMPATIBLE);
	if (ret)
		return kho_fail(err, ret,
				"the kho-test blob is not preserved memory",
				NULL, phys, KHO_ERR_NO_INDEX);
	w.view = view;
	w.check = false;
	w.cb = cb;
	w.arg = arg;
	w.entry = 0;
	return kho_vmalloc_read(view, &local.folios_info, list_block, &w, err);
}

/* ---- checksum through a view ------------------------------------------------- */

struct test_sum {
	const struct kho_view *view;
	enum kho_csum_arch arch;
	struct kho_error *err;
	uint32_t sum;
};

static int sum_folio(uint64_t phys, unsigned int order, uint32_t index,
		     void *arg)
{
	struct test_sum *s = arg;
	uint64_t page = 1ULL << s->view->page_shift, acc = 0, off;
	const void *va;

	for (off = 0; off < page << order; off += page) {
		va = kho_view_map(s->view, phys + off, page);
		if (!va)
			return kho_fail(s->err, -EFAULT,
					"a kho-test folio is not in memory",
					"folios_info", phys + off, (long)index);
		acc = kho_csum_add(acc, va, page);
	}
	s->sum = kho_csum_finish(s->arch, acc, s->sum);
	return 0;
}

int kho_test_verify(const struct kho_view *view, uint64_t phys, uint64_t size,
		    enum kho_csum_arch arch, uint32_t *csum,
		    struct kho_error *err)
{
	struct test_sum s = { .view = view, .arch = arch, .err = err };
	struct kho_test_info info;
	struct kho_view quiet;
	int ret;

	if (KHO_WARN_ON(!view || !csum))
		return -EINVAL;
	quiet = *view;
	quiet.own = NULL;
	s.view = &quiet;
	ret = kho_test_read(&quiet, phys, size, sum_folio, &s, &info, err);
	if (ret)
		return ret;
	*csum = s.sum;
	if (s.sum != info.csum)
		return kho_fail(
			err, -EBADMSG,
			"the kho-test folios do not add up to the stored csum",
			"csum", phys, KHO_ERR_NO_INDEX);
	return 0;
}

/* ---- kernel B ------------------------------------------------------------ */

struct test_restore {
	struct kho_in *in;
	enum kho_csum_arch arch;
	struct kho_error *err;
	uint32_t nr_folios;
	uint32_t entry;
	uint32_t sum;
	int ret;
};

/* The order stamped on the block at @phys, or -1. */
static int stamped_order(struct kho_in *in, uint64_t phys)
{
	union kho_page_info info;
	struct kho_page *page;

	page = in->ops.pfn_to_page(in->ops.mem.ctx,
				   kho_phys_to_pfn(&in->geo, phys));
	if (!page)
		return -1;
	info.page_private = page->private;
	if (info.magic != KHO_PAGE_MAGIC || info.order >= in->geo.order0_bit)
		return -1;
	return (int)info.order;
}

/* One folio: restored with the entry's order, summed, put. */
static int restore_folio(struct test_restore *r, uint64_t e, uint64_t slot)
{
	struct kho_in *in = r->in;
	const struct kho_geometry *geo = &in->geo;
	uint64_t page = kho_page_size(geo), len, acc;
	unsigned int order = (unsigned int)(e & (page - 1));
	uint64_t phys = e & ~(page - 1);
	void *va;

	len = page << order;
	/*
	 * Stamped with that order first (cheap, and it bounds the order by
	 * what was preserved), then mapped and restored.
	 */
	va = stamped_order(in, phys) == (int)order ?
		     (void *)kho_map_range(geo, &in->ops.mem, phys, len) :
		     NULL;
	if (!va || !kho_restore_folio(in, phys))
		return kho_fail(
			r->err, -EINVAL,
			"a kho-test folio is not preserved with its entry's order",
			"folios_info", slot, (long)r->entry);
	acc = kho_csum_add(0, va, len);
	r->sum = kho_csum_finish(r->arch, acc, r->sum);
	in->ops.free_pages(in->ops.mem.ctx, va, order);
	return 0;
}

/* Each restored page of the folio list: its folios, then the page freed. */
static int restore_list_block(uint64_t phys, unsigned int order, void *arg)
{
	struct test_restore *r = arg;
	struct kho_in *in = r->in;
	uint64_t len = kho_page_size(&in->geo) << order, i;
	const unsigned char *block;

	block = in->ops.mem.phys_to_virt(in->ops.mem.ctx, phys);
	for (i = 0; i < len / KHO_TEST_ENTRY_SIZE && r->entry < r->nr_folios;
	     i++, r->entry++) {
		/* The kernel stops at the first folio it cannot take. */
		if (r->ret)
			break;
		r->ret = restore_folio(r, kho_load_u64(block + i * 8),
				       phys + i * KHO_TEST_ENTRY_SIZE);
	}
	/* The list was only the list (the kernel vfree()s it): every page. */
	in->ops.free_pages(in->ops.mem.ctx, (void *)block, order);
	return 0;
}

int kho_test_restore(struct kho_in *in, uint64_t phys, uint64_t size,
		     enum kho_csum_arch arch, struct kho_test_info *info,
		     struct kho_error *err)
{
	struct test_restore r = { .in = in, .arch = arch, .err = err };
	struct kho_test_info local;
	struct kho_view view;
	int ret;

	ret = in_restore_view(
		in, phys,
		"there is no walked handover to restore kho-test from", &view,
		err);
	if (ret)
		return ret;
	ret = kho_test_read(&view, phys, size, NULL, NULL, &local, err);
	if (ret)
		return ret;
	if (info)
		*info = local;
	r.nr_folios = local.nr_folios;
	ret = kho_restore_vmalloc(in, &local.folios_info, restore_list_block,
				  &r);
	if (ret)
		return kho_fail(err, ret,
				"the kho-test folio list cannot be restored",
				"folios_info", phys, KHO_ERR_NO_INDEX);
	if (r.ret)
		return r.ret;
	if (r.sum != local.csum)
		return kho_fail(
			err, -EBADMSG,
			"the kho-test folios do not add up to the stored csum",
			"csum", phys, KHO_ERR_NO_INDEX);
	ret = kho_restore_free(in,
			       in->ops.mem.phys_to_virt(in->ops.mem.ctx, phys));
	if (ret)
		return kho_fail(err, ret,
				"the kho-test blob is not a preserved block",
				NULL, phys, KHO_ERR_NO_INDEX);
	return 0;
}
