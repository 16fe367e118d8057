// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * memfd.c - a memfd kept across kexec, as the Live Update Orchestrator's
 * memfd-v1 does: the file's folios are preserved as they are, and an array
 * of struct kho_memfd_folio_ser (pfn, flags, index) is preserved with
 * kho_preserve_vmalloc(). The subtree's blob is a small FDT:
 *
 *   / { compatible = "memfd-v1"; data = <u64 phys of struct kho_memfd_ser>;
 *       xxh3 = <u64 hash of the file's bytes in index order>; }
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>
#include <xxhash.h>

#include "client.h"

#define MEMFD_DATA_PROP "data"

/*
 * Folio orders a shmem file gets: mostly small pages (7 in 8), some mTHP
 * and the odd 2 MiB folio, so the tree sees dense order-0 leaves as well.
 */
static unsigned int memfd_order(void)
{
	uint64_t r = client_random() % 32;

	return r < 28 ? 0 : r < 30 ? 2 : r < 31 ? 4 : 9;
}

struct vm_blocks {
	uint64_t *phys;
	unsigned int nr;
	unsigned int order;
};

static int collect_block(uint64_t phys, unsigned int order, void *arg)
{
	struct vm_blocks *v = arg;
	uint64_t *p = realloc(v->phys, (v->nr + 1) * sizeof(*p));

	if (!p)
		return -ENOMEM;
	v->phys = p;
	v->phys[v->nr++] = phys;
	v->order = order;
	return 0;
}

static int memfd_restore(struct sim_boot *b, struct client_state *st,
			 uint64_t blob_phys, struct sim_error *e)
{
	unsigned int shift = b->m.conf.page_shift;
	struct vm_blocks blocks = { 0 };
	struct kho_memfd_ser *ser;
	struct kho_vmalloc v;
	uint64_t data, hash, next_index = 0, per_block;
	XXH3_state_t *hs = NULL;
	const void *fdt;
	int ret = 0;

	fdt = client_map_fdt(b, blob_phys, KHO_MEMFD_COMPATIBLE, e, "memfd");
	if (!fdt)
		return -EINVAL;
	if (client_fdt_u64(fdt, 0, MEMFD_DATA_PROP, &data) ||
	    client_fdt_u64(fdt, 0, CLIENT_HASH_PROP, &hash))
		return sim_fail(e, -EINVAL,
				"memfd: blob at %#" PRIx64 " lacks data or xxh3",
				blob_phys);
	ser = sim_phys_to_virt(&b->m, data);
	if (!ser || !sim_ram_range_of(&b->m, data, sizeof(*ser)))
		return sim_fail(e, -EFAULT,
				"memfd: struct memfd_luo_ser at %#" PRIx64 " is not in RAM",
				data);
	memcpy(&v, &ser->folios, sizeof(v));
	ret = kho_restore_vmalloc(&b->in, &v, collect_block, &blocks);
	if (ret) {
		sim_fail(e, ret, "memfd: the folio array (vmalloc at %#" PRIx64
			 ") cannot be restored: %s", v.first, strerror(-ret));
		goto out;
	}
	per_block = (b->m.page_size << blocks.order) /
		    sizeof(struct kho_memfd_folio_ser);
	if (ser->nr_folios > per_block * blocks.nr) {
		ret = sim_fail(e, -EINVAL,
			       "memfd: %" PRIu64 " folios do not fit the folio array",
			       ser->nr_folios);
		goto out;
	}
	hs = XXH3_createState();
	if (!hs || XXH3_64bits_reset(hs) == XXH_ERROR) {
		ret = sim_fail(e, -ENOMEM, "memfd: out of memory");
		goto out;
	}
	for (uint64_t i = 0; i < ser->nr_folios; i++) {
		const struct kho_memfd_folio_ser *fs;
		uint64_t phys, size;
		unsigned int order;

		fs = (const struct kho_memfd_folio_ser *)sim_phys_to_virt(
			     &b->m, blocks.phys[i / per_block]) +
		     i % per_block;
		phys = (uint64_t)fs->pfn << shift;
		if (fs->index != next_index ||
		    client_restore_folio(b, phys, &order)) {
			ret = sim_fail(e, -ENOENT,
				       "memfd: folio %" PRIu64 " (index %" PRIu64
				       ", at %#" PRIx64 ") was not preserved",
				       i, (uint64_t)fs->index, phys);
			goto out;
		}
		size = b->m.page_size << order;
		XXH3_64bits_update(hs, sim_phys_to_virt(&b->m, phys), size);
		next_index += 1ULL << order;
		st->restored_bytes += size;
		client_release(b, phys, size);
	}
	if (XXH3_64bits_digest(hs) != hash ||
	    next_index << shift != ser->size) {
		ret = sim_fail(e, -EBADMSG,
			       "memfd: the file's %" PRIu64 " bytes did not survive: the hash differs",
			       ser->size);
		goto out;
	}
	snprintf(st->msg, sizeof(st->msg), "%" PRIu64 " folios in %" PRIu64
		 " vmalloc pages, intact", ser->nr_folios, (uint64_t)blocks.nr);
	for (unsigned int i = 0; i < blocks.nr; i++)
		client_release(b, blocks.phys[i], b->m.page_size << blocks.order);
	kho_restore_free(&b->in, ser);
	kho_restore_free(&b->in, (void *)fdt);
out:
	XXH3_freeState(hs);
	free(blocks.phys);
	return ret;
}

static int memfd_preserve(struct sim_boot *b, struct client_state *st,
			  struct sim_error *e)
{
	unsigned int shift = b->m.conf.page_shift;
	uint64_t nr_pages = (st->size + b->m.page_size - 1) >> shift;
	uint64_t index = 0, n = 0, nr_blocks, per_block, hash;
	struct kho_memfd_folio_ser *folios;
	struct kho_memfd_ser *ser;
	struct kho_vmalloc v;
	uint64_t *block_phys;
	XXH3_state_t *hs;
	void *fdt;
	int ret = 0;

	if (!nr_pages)
		nr_pages = 1;
	folios = calloc(nr_pages, sizeof(*folios));
	hs = XXH3_createState();
	if (!folios || !hs || XXH3_64bits_reset(hs) == XXH_ERROR) {
		ret = sim_fail(e, -ENOMEM, "memfd: out of memory");
		goto out;
	}
	while (index < nr_pages) {
		unsigned int order = memfd_order();
		uint64_t phys, size;
		void *va;

		while ((1ULL << order) > nr_pages - index)
			order--;
		va = sim_alloc_pages(b, order);
		if (!va) {
			ret = sim_fail(e, -ENOMEM,
				       "memfd: out of memory after %" PRIu64 " of %" PRIu64 " KiB",
				       index << shift >> 10, nr_pages << shift >> 10);
			goto out;
		}
		size = b->m.page_size << order;
		phys = sim_virt_to_phys(&b->m, va);
		client_fill_random(va, size);
		XXH3_64bits_update(hs, va, size);
		ret = kho_preserve_folio(&b->out, phys, order);
		if (ret) {
			sim_fail(e, ret, "memfd: cannot preserve the folio at %#" PRIx64 ": %s",
				 phys, strerror(-ret));
			goto out;
		}
		folios[n].pfn = phys >> shift;
		folios[n].flags = KHO_MEMFD_FOLIO_UPTODATE | KHO_MEMFD_FOLIO_DIRTY;
		folios[n].index = index;
		n++;
		index += 1ULL << order;
	}
	hash = XXH3_64bits_digest(hs);

	/* The folio array, in pages that need not be contiguous (vmalloc). */
	per_block = b->m.page_size / sizeof(*folios);
	nr_blocks = (n + per_block - 1) / per_block;
	block_phys = calloc(nr_blocks, sizeof(*block_phys));
	if (!block_phys) {
		ret = sim_fail(e, -ENOMEM, "memfd: out of memory");
		goto out;
	}
	for (uint64_t i = 0; i < nr_blocks; i++) {
		void *va = sim_alloc_pages(b, 0);
		uint64_t cnt = n - i * per_block < per_block ? n - i * per_block :
							       per_block;

		if (!va) {
			free(block_phys);
			ret = sim_fail(e, -ENOMEM, "memfd: out of memory for the folio array");
			goto out;
		}
		memcpy(va, folios + i * per_block, cnt * sizeof(*folios));
		block_phys[i] = sim_virt_to_phys(&b->m, va);
	}
	ret = kho_preserve_vmalloc(&b->out, block_phys, nr_blocks, 0,
				   KHO_VMALLOC_FLAG_VM_ALLOC, &v);
	free(block_phys);
	if (ret) {
		sim_fail(e, ret, "memfd: cannot preserve the folio array: %s",
			 strerror(-ret));
		goto out;
	}
	ser = kho_alloc_preserve(&b->out, sizeof(*ser));
	fdt = kho_alloc_preserve(&b->out, b->m.page_size);
	if (!ser || !fdt) {
		ret = sim_fail(e, -ENOMEM, "memfd: out of memory");
		goto out;
	}
	ser->pos = 0;
	ser->size = nr_pages << shift;
	ser->nr_folios = n;
	memcpy(&ser->folios, &v, sizeof(v));
	{
		uint64_t data = sim_virt_to_phys(&b->m, ser);

		ret = fdt_create(fdt, b->m.page_size);
		ret |= fdt_finish_reservemap(fdt);
		ret |= fdt_begin_node(fdt, "");
		ret |= fdt_property_string(fdt, "compatible", KHO_MEMFD_COMPATIBLE);
		ret |= fdt_property(fdt, MEMFD_DATA_PROP, &data, sizeof(data));
		ret |= fdt_property(fdt, CLIENT_HASH_PROP, &hash, sizeof(hash));
		ret |= fdt_end_node(fdt);
		ret |= fdt_finish(fdt);
	}
	if (ret) {
		ret = sim_fail(e, -ENOSPC, "memfd: the FDT does not fit a page");
		goto out;
	}
	ret = kho_add_subtree(&b->out, "memfd", fdt, fdt_totalsize(fdt));
	if (ret) {
		sim_fail(e, ret, "memfd: cannot add the subtree: %s", strerror(-ret));
		goto out;
	}
	st->preserved_bytes = nr_pages << shift;
	snprintf(st->msg, sizeof(st->msg), "%" PRIu64 " folios", n);
out:
	XXH3_freeState(hs);
	free(folios);
	return ret;
}

const struct kho_client client_memfd = {
	.name = "memfd",
	.summary = "a memfd's folios and its vmalloc'ed folio array (memfd-v1)",
	.default_size = 16ULL << 20,
	.restore = memfd_restore,
	.preserve = memfd_preserve,
};
