// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * kho_memblock.c - memblock-v1, the reserve_mem regions' blob
 * (<kho/kho_memblock.h> draws it and lists the kernel's lines): the one
 * writer and the one reader, for the memblock client and kho inspect.
 */
#include <libfdt.h>

#include <kho/kho_memblock.h>

#include "kho_internal.h"

/* A region's name: the kernel's reserve_mem name field is 16 bytes; any
 * node name libfdt accepts is read, the writer keeps to this. */
#define KHO_MEMBLOCK_NAME_MAX 63

/* A property of exactly 8 bytes, native-endian. */
static bool get_u64(const void *fdt, int node, const char *name, uint64_t *v)
{
	int len;
	const void *p = fdt_getprop(fdt, node, name, &len);

	if (!p || len != (int)sizeof(*v))
		return false;
	kho_memcpy(v, p, sizeof(*v));
	return true;
}

static const struct kho_fdt_blob memblock_blob =
	KHO_FDT_BLOB("memblock", KHO_MEMBLOCK_COMPATIBLE);

/* One region's node, checked; @r filled in. */
static int read_region(const void *fdt, int node, unsigned int index,
		       uint64_t phys, struct kho_memblock_region *r,
		       struct kho_error *err)
{
	r->name = fdt_get_name(fdt, node, NULL);
	r->index = index;
	r->fdt = fdt;
	r->node = node;
	if (!r->name || !r->name[0])
		return kho_fail(err, -EINVAL,
				"a memblock region's node has no name", NULL,
				phys, index);
	if (fdt_node_check_compatible(fdt, node, KHO_RESERVE_MEM_COMPATIBLE))
		return kho_fail(err, -EINVAL,
				"a memblock region is not compatible with "
				"reserve-mem-v1",
				"compatible", phys, index);
	if (!get_u64(fdt, node, "start", &r->start))
		return kho_fail(err, -EINVAL,
				"a memblock region's start is missing or not "
				"8 bytes",
				"start", phys, index);
	if (!get_u64(fdt, node, "size", &r->size))
		return kho_fail(err, -EINVAL,
				"a memblock region's size is missing or not "
				"8 bytes",
				"size", phys, index);
	if (r->start + r->size < r->start)
		return kho_fail(err, -EINVAL,
				"a memblock region runs past the end of the "
				"address space",
				"size", phys, index);
	return 0;
}

int kho_memblock_read(const struct kho_view *view, uint64_t phys, uint64_t size,
		      kho_memblock_region_cb cb, void *arg,
		      struct kho_memblock_info *info, struct kho_error *err)
{
	struct kho_memblock_region r;
	unsigned int n = 0;
	const void *fdt;
	int node, ret;

	if (KHO_WARN_ON(kho_view_unusable(view)))
		return -EINVAL;
	ret = kho_view_map_fdt(view, &memblock_blob, phys, size, &fdt, err);
	if (ret)
		return ret;
	/* Pass 1: every region, before anybody hears of any. */
	fdt_for_each_subnode(node, fdt, 0)
	{
		ret = read_region(fdt, node, n++, phys, &r, err);
		if (ret)
			return ret;
	}
	if (info) {
		info->fdt_size = fdt_totalsize(fdt);
		info->nr_regions = n;
	}
	ret = kho_view_own(view, phys, size ? size : fdt_totalsize(fdt),
			   KHO_MEMBLOCK_NAME);
	if (ret)
		return kho_fail(err, ret,
				"the memblock blob is not preserved memory",
				NULL, phys, KHO_ERR_NO_INDEX);
	if (!cb)
		return 0;
	n = 0;
	fdt_for_each_subnode(node, fdt, 0)
	{
		read_region(fdt, node, n++, phys, &r, NULL);
		ret = cb(&r, arg);
		if (ret)
			return ret;
	}
	return 0;
}

int kho_memblock_write(void *fdt, size_t len,
		       const struct kho_memblock_region *regions,
		       unsigned int nr, kho_memblock_prop_cb extra, void *arg)
{
	int err;

	for (unsigned int i = 0; i < nr; i++) {
		size_t n = regions[i].name ? kho_strlen(regions[i].name) : 0;

		if (!n || n > KHO_MEMBLOCK_NAME_MAX)
			return -EINVAL;
	}
	if (len > INT32_MAX)
		len = INT32_MAX;
	err = fdt_create(fdt, (int)len);
	err |= fdt_finish_reservemap(fdt);
	err |= fdt_begin_node(fdt, "");
	err |= fdt_property_string(fdt, "compatible", KHO_MEMBLOCK_COMPATIBLE);
	for (unsigned int i = 0; !err && i < nr; i++) {
		const struct kho_memblock_region *r = &regions[i];

		err |= fdt_begin_node(fdt, r->name);
		err |= fdt_property_string(fdt, "compatible",
					   KHO_RESERVE_MEM_COMPATIBLE);
		err |= fdt_property(fdt, "start", &r->start, sizeof(r->start));
		err |= fdt_property(fdt, "size", &r->size, sizeof(r->size));
		if (!err && extra)
			err |= extra(fdt, i, arg);
		err |= fdt_end_node(fdt);
	}
	err |= fdt_end_node(fdt);
	err |= fdt_finish(fdt);
	return err ? -ENOSPC : 0;
}
