// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * memblock_mem.c - reserve_mem regions: memory set aside by memblock at
 * early boot (a persistent trace buffer, an oops log) and handed over in the
 * "memblock" subtree, an FDT:
 *
 *   / { compatible = "memblock-v1";
 *       trace { compatible = "reserve-mem-v1"; start = <u64>; size = <u64>; };
 *       oops  { ... }; }
 *
 * As in the kernel, a region handed over is revived where it was: the next
 * boot's reserve_mem takes the same address (the tree walk already reserved
 * it), checks what it holds, and hands it over again. Only a region the
 * handover lacks is allocated afresh.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <libfdt.h>

#include "client.h"

#define MB_NR_REGIONS 2

static const char *const region_names[MB_NR_REGIONS] = { "trace", "oops" };

struct mb_region {
	uint64_t start;
	uint64_t size;
	uint64_t hash;
};

static struct mb_region regions[MB_NR_REGIONS];
static unsigned int nr_regions;
/* Regions taken over from the handover rather than allocated. */
static bool revived[MB_NR_REGIONS];

/* The handed-over region called @name, if the handover has a sane one. */
static bool find_handed_over(struct sim_boot *b, const char *name,
			     struct mb_region *r)
{
	const void *fdt;
	uint64_t phys;
	int node;

	if (!b->kho_boot ||
	    kho_retrieve_subtree(&b->in, KHO_MEMBLOCK_NAME, &phys, NULL))
		return false;
	fdt = client_map_fdt(b, phys, KHO_MEMBLOCK_COMPATIBLE, NULL, "memblock");
	if (!fdt)
		return false;
	node = fdt_subnode_offset(fdt, 0, name);
	if (node < 0 ||
	    fdt_node_check_compatible(fdt, node, KHO_RESERVE_MEM_COMPATIBLE) ||
	    client_fdt_u64(fdt, node, "start", &r->start) ||
	    client_fdt_u64(fdt, node, "size", &r->size))
		return false;
	return r->size && !((r->start | r->size) & (b->m.page_size - 1)) &&
	       sim_ram_range_of(&b->m, r->start, r->size) &&
	       sim_memblock_is_reserved(&b->mb, r->start, r->size);
}

/* reserve_mem= is parsed at memblock time: allocate there. */
static int mb_early(struct sim_boot *b, struct client_state *st,
		    struct sim_error *e)
{
	uint64_t page = b->m.page_size;
	uint64_t half = (st->size / MB_NR_REGIONS + page - 1) & ~(page - 1);

	nr_regions = 0;
	for (unsigned int i = 0; i < MB_NR_REGIONS; i++) {
		struct mb_region *r = &regions[i];

		revived[i] = find_handed_over(b, region_names[i], r);
		if (revived[i]) {
			nr_regions++;
			continue;
		}
		r->size = half ? half : page;
		r->start = sim_memblock_alloc(&b->mb, r->size, page, 0,
					      SIM_MB_ALLOC_ANYWHERE,
					      SIM_NUMA_NO_NODE, SIM_MB_RSRV_KERN,
					      SIM_MB_ALLOC_NO_SCRATCH);
		if (r->start == SIM_MB_ALLOC_ANYWHERE)
			return sim_fail(e, -ENOMEM,
					"memblock: no room for reserve_mem region %s (%" PRIu64 " KiB)",
					region_names[i], r->size >> 10);
		nr_regions++;
	}
	return 0;
}

/* Is [start, start + size) a region this boot keeps (revived)? */
static bool is_revived(uint64_t start, uint64_t size)
{
	for (unsigned int i = 0; i < nr_regions; i++)
		if (revived[i] && regions[i].start == start &&
		    regions[i].size == size)
			return true;
	return false;
}

static int mb_restore(struct sim_boot *b, struct client_state *st,
		      uint64_t blob_phys, struct sim_error *e)
{
	unsigned int shift = b->m.conf.page_shift, n = 0;
	const void *fdt;
	int node;

	fdt = client_map_fdt(b, blob_phys, KHO_MEMBLOCK_COMPATIBLE, e, "memblock");
	if (!fdt)
		return -EINVAL;
	fdt_for_each_subnode(node, fdt, 0) {
		const char *name = fdt_get_name(fdt, node, NULL);
		uint64_t start, size, hash;
		const void *va;

		if (fdt_node_check_compatible(fdt, node, KHO_RESERVE_MEM_COMPATIBLE) ||
		    client_fdt_u64(fdt, node, "start", &start) ||
		    client_fdt_u64(fdt, node, "size", &size) ||
		    client_fdt_u64(fdt, node, CLIENT_HASH_PROP, &hash))
			return sim_fail(e, -EINVAL,
					"memblock: region %s in the blob at %#" PRIx64
					" lacks compatible, start, size or xxh3",
					name, blob_phys);
		if (!size || (start | size) & (b->m.page_size - 1) ||
		    !sim_ram_range_of(&b->m, start, size))
			return sim_fail(e, -EINVAL,
					"memblock: region %s (%#" PRIx64 "+%#" PRIx64
					") is not page-aligned RAM", name, start, size);
		if (!kho_restore_pages(&b->in, start, size >> shift))
			return sim_fail(e, -ENOENT,
					"memblock: region %s at %#" PRIx64
					" was not preserved (or restored twice)",
					name, start);
		va = sim_phys_to_virt(&b->m, start);
		if (client_hash(va, size) != hash)
			return sim_fail(e, -EBADMSG,
					"memblock: region %s at %#" PRIx64
					" did not survive: its hash differs",
					name, start);
		st->restored_bytes += size;
		if (!is_revived(start, size))
			client_release(b, start, size);
		n++;
	}
	snprintf(st->msg, sizeof(st->msg), "%u reserve_mem regions intact", n);
	if (kho_restore_free(&b->in, (void *)fdt))
		return sim_fail(e, -ENOENT,
				"memblock: blob at %#" PRIx64 " was not preserved",
				blob_phys);
	return 0;
}

static int mb_preserve(struct sim_boot *b, struct client_state *st,
		       struct sim_error *e)
{
	unsigned int shift = b->m.conf.page_shift;
	size_t fdt_size = b->m.page_size;
	void *fdt;
	int ret = 0;

	fdt = kho_alloc_preserve(&b->out, fdt_size);
	if (!fdt)
		return sim_fail(e, -ENOMEM, "memblock: out of memory");
	ret |= fdt_create(fdt, fdt_size);
	ret |= fdt_finish_reservemap(fdt);
	ret |= fdt_begin_node(fdt, "");
	ret |= fdt_property_string(fdt, "compatible", KHO_MEMBLOCK_COMPATIBLE);
	for (unsigned int i = 0; i < nr_regions && !ret; i++) {
		struct mb_region *r = &regions[i];
		void *va = sim_phys_to_virt(&b->m, r->start);

		client_fill_random(va, r->size);
		r->hash = client_hash(va, r->size);
		ret = kho_preserve_pages(&b->out, r->start, r->size >> shift);
		if (ret)
			return sim_fail(e, ret, "memblock: cannot preserve %s at %#" PRIx64 ": %s",
					region_names[i], r->start, strerror(-ret));
		ret |= fdt_begin_node(fdt, region_names[i]);
		ret |= fdt_property_string(fdt, "compatible",
					   KHO_RESERVE_MEM_COMPATIBLE);
		ret |= fdt_property(fdt, "start", &r->start, sizeof(r->start));
		ret |= fdt_property(fdt, "size", &r->size, sizeof(r->size));
		ret |= fdt_property(fdt, CLIENT_HASH_PROP, &r->hash,
				    sizeof(r->hash));
		ret |= fdt_end_node(fdt);
		st->preserved_bytes += r->size;
	}
	if (nr_regions)
		snprintf(st->msg, sizeof(st->msg), "trace at %#" PRIx64 "%s",
			 regions[0].start, revived[0] ? " (revived)" : "");
	ret |= fdt_end_node(fdt);
	ret |= fdt_finish(fdt);
	if (ret)
		return sim_fail(e, -ENOSPC, "memblock: the FDT does not fit a page");
	ret = kho_add_subtree(&b->out, KHO_MEMBLOCK_NAME, fdt,
			      fdt_totalsize(fdt));
	if (ret)
		return sim_fail(e, ret, "memblock: cannot add the subtree: %s",
				strerror(-ret));
	return 0;
}

const struct kho_client client_memblock = {
	.name = KHO_MEMBLOCK_NAME,
	.summary = "reserve_mem regions allocated by memblock at early boot",
	.default_size = 2ULL << 20,
	.early = mb_early,
	.restore = mb_restore,
	.preserve = mb_preserve,
};
