// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * kho_memfd_v1.c - the one reader of memfd-v1 (<kho/kho_memfd_v1.h> draws
 * it): the blob FDT, the struct it names and the folio array, checked whole
 * before anybody hears of a folio.
 */
#include <libfdt.h>

#include <kho/kho_memfd_v1.h>
#include <kho/vmalloc.h>

#include "kho_internal.h"

#define MEMFD_V1_ENTRY_SIZE sizeof(struct kho_memfd_folio_ser)
#define MEMFD_V1_MAX_PAGES 0xffffffffULL

/* The sentences of memfd_folios_check(); memfd.c has memfd-v2's. */
static const struct memfd_folios_say memfd_v1_say = {
	.array_absent = "a page of the memfd-v1 folio array is not in memory",
	.array_unowned =
		"a page of the memfd-v1 folio array is not preserved memory",
	.pfn_wide = "a memfd-v1 folio's pfn is beyond the address space",
	.flags = "a memfd-v1 folio has unknown flags",
	.past_end = "a memfd-v1 folio lies past the end of the file",
	.not_above =
		"a memfd-v1 folio's index is not above the previous folio's",
	.folio_unowned =
		"a memfd-v1 folio is not preserved memory, or is another folio's",
};

static const struct kho_fdt_blob memfd_v1_blob =
	KHO_FDT_BLOB("memfd-v1", KHO_MEMFD_COMPATIBLE);

/* The blob: a sound FDT of compatible memfd-v1; its data property. */
static int read_blob(const struct kho_view *view, uint64_t phys, uint64_t size,
		     uint64_t *data, uint64_t *total, struct kho_error *err)
{
	const void *fdt, *p;
	int len, ret;

	ret = kho_view_map_fdt(view, &memfd_v1_blob, phys, size, &fdt, err);
	if (ret)
		return ret;
	*total = fdt_totalsize(fdt);
	p = fdt_getprop(fdt, 0, "data", &len);
	if (!p || len != (int)sizeof(*data))
		return kho_fail(err, -EINVAL,
				"the memfd-v1 data property is missing or not "
				"8 bytes",
				"data", phys, KHO_ERR_NO_INDEX);
	kho_memcpy(data, p, sizeof(*data));
	return 0;
}

int kho_memfd_v1_read(const struct kho_view *view, uint64_t phys, uint64_t size,
		      kho_memfd_v1_folio_cb cb, void *arg,
		      struct kho_memfd_v1_info *info, struct kho_error *err)
{
	struct memfd_folios w = { .view = view,
				  .say = &memfd_v1_say,
				  .err = err };
	struct kho_memfd_ser ser;
	struct kho_vmalloc folios;
	uint64_t data, total;
	const void *p;
	unsigned int shift;
	int ret;

	if (KHO_WARN_ON(kho_view_unusable(view)))
		return -EINVAL;
	shift = view->page_shift;
	ret = read_blob(view, phys, size, &data, &total, err);
	if (ret)
		return ret;
	p = kho_view_map(view, data, sizeof(ser));
	if (!p)
		return kho_fail(err, -EFAULT,
				"the memfd-v1 struct is not in memory", "data",
				data, KHO_ERR_NO_INDEX);
	kho_memcpy(&ser, p, sizeof(ser));
	kho_memcpy(&folios, &ser.folios, sizeof(folios));
	w.pages = (ser.size >> shift) + !!(ser.size & ((1ULL << shift) - 1));
	if (w.pages > MEMFD_V1_MAX_PAGES)
		return kho_fail(err, -EINVAL,
				"a memfd-v1 file is larger than 2^32 - 1 pages",
				"size", data, KHO_ERR_NO_INDEX);
	if (ser.nr_folios > w.pages)
		return kho_fail(err, -EINVAL,
				"a memfd-v1 file has more folios than pages",
				"nr_folios", data, KHO_ERR_NO_INDEX);
	/* 2^32 pages of 64 KiB: the product fits 64 bits. */
	if (ser.nr_folios &&
	    ((uint64_t)folios.total_pages << shift) / MEMFD_V1_ENTRY_SIZE <
		    ser.nr_folios)
		return kho_fail(err, -EINVAL,
				"a memfd-v1 folio array is smaller than "
				"nr_folios entries",
				"folios", data, KHO_ERR_NO_INDEX);
	ret = kho_view_own(view, phys, size ? size : total,
			   KHO_MEMFD_COMPATIBLE);
	if (ret)
		return kho_fail(err, ret,
				"the memfd-v1 blob is not preserved memory",
				NULL, phys, KHO_ERR_NO_INDEX);
	ret = kho_view_own(view, data, sizeof(ser), "memfd-v1 struct");
	if (ret)
		return kho_fail(err, ret,
				"the memfd-v1 struct is not preserved memory",
				"data", data, KHO_ERR_NO_INDEX);
	w.nr_folios = ser.nr_folios;
	ret = memfd_folios_check(&w, &folios);
	if (ret)
		return kho_fail_in(err, ret, data);
	if (info) {
		info->ser_phys = data;
		info->pos = ser.pos;
		info->size = ser.size;
		info->nr_folios = ser.nr_folios;
		info->nr_holes = w.holes;
		info->folios = folios;
		info->fdt_size = total;
	}
	return memfd_folios_visit(&w, &folios, cb, arg);
}
