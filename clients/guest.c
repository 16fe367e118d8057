// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * guest.c - a virtual machine's RAM kept across a host kexec: the reason
 * hyperscalers want KHO. Guest memory comes in 1 GiB folios where the host
 * has them and 2 MiB folios for the rest; every folio is preserved as is.
 * The subtree's blob is an FDT:
 *
 *   / { compatible = "guest-memory-v1"; size = <u64>;
 *       folios = <{u64 phys, u64 order, u64 xxh3} ...>; }
 *
 * When this boot preserves a guest of the same size again, the restored
 * folios are kept: the VM goes on running in the same memory (it writes a
 * page of each folio) and the same folios are handed over once more.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include "client.h"

#define GUEST_COMPATIBLE "guest-memory-v1"
#define GUEST_NAME "guest"
#define GUEST_FOLIOS_PROP "folios"
#define GUEST_SIZE_PROP "size"
#define SZ_2M_LOG2 21
#define SZ_1G_LOG2 30

struct guest_folio {
	uint64_t phys;
	uint64_t order;
	uint64_t hash;
};

/* The folios restored and kept for the same guest, if any. */
static struct guest_folio *kept;
static unsigned int nr_kept;
static uint64_t kept_size;

static int guest_restore(struct sim_boot *b, struct client_state *st,
			 uint64_t blob_phys, struct sim_error *e)
{
	const struct guest_folio *gf;
	struct sim_error ignored;
	const void *fdt;
	unsigned int n;
	uint64_t size, want, held = 0;
	int len, ret;

	fdt = client_map_fdt(b, blob_phys, GUEST_COMPATIBLE, e, GUEST_NAME);
	if (!fdt)
		return -EINVAL;
	gf = fdt_getprop(fdt, 0, GUEST_FOLIOS_PROP, &len);
	if (!gf || len % sizeof(*gf) || client_fdt_u64(fdt, 0, GUEST_SIZE_PROP, &size))
		return sim_fail(e, -EINVAL,
				"guest: blob at %#" PRIx64 " lacks size or folios",
				blob_phys);
	n = len / sizeof(*gf);
	/* The VM keeps running when a guest of that size is preserved again. */
	if (st->requested && st->size && n &&
	    !client_size(b, st, 1ULL << SZ_2M_LOG2, &want, &ignored) &&
	    want == size) {
		kept = calloc(n, sizeof(*kept));
		if (kept)
			kept_size = size;
	}
	for (unsigned int i = 0; i < n; i++) {
		struct guest_folio f;
		unsigned int order;
		uint64_t bytes;

		memcpy(&f, &gf[i], sizeof(f));	/* FDT data is 4-byte aligned */
		if (client_restore_folio(b, f.phys, &order) || order != f.order) {
			ret = sim_fail(e, -ENOENT,
				       "guest: folio %u at %#" PRIx64 " (order %" PRIu64
				       ") was not preserved", i, f.phys, f.order);
			goto drop;
		}
		bytes = b->m.page_size << order;
		if (client_hash(sim_phys_to_virt(&b->m, f.phys), bytes) != f.hash) {
			ret = sim_fail(e, -EBADMSG,
				       "guest: folio %u at %#" PRIx64
				       " did not survive: its hash differs", i, f.phys);
			goto drop;
		}
		st->restored_bytes += bytes;
		held += bytes;
		if (kept)
			kept[nr_kept++] = f;
		else
			client_release(b, f.phys, bytes);
	}
	/* The size is the VM's RAM: its folios, no more and no less. */
	if (held != size) {
		ret = sim_fail(e, -EINVAL,
			       "guest: blob at %#" PRIx64
			       " gives size %#" PRIx64
			       ", its %u folios hold %#" PRIx64 " bytes",
			       blob_phys, size, n, held);
		goto drop;
	}
	snprintf(st->msg, sizeof(st->msg), "%u folios, %" PRIu64 " MiB intact",
		 n, size >> 20);
	kho_restore_free(&b->in, (void *)fdt);
	return 0;
drop:
	/* A damaged guest is not run on: give back what was taken. */
	for (unsigned int i = 0; kept && i < nr_kept; i++)
		client_release(b, kept[i].phys, b->m.page_size << kept[i].order);
	free(kept);
	kept = NULL;
	nr_kept = 0;
	return ret;
}

/* Hand the running VM's folios over again, after it wrote to each. */
static int guest_carry_over(struct sim_boot *b, struct guest_folio *gf,
			    unsigned int *n_1g, struct sim_error *e)
{
	unsigned int order_1g = SZ_1G_LOG2 - b->m.conf.page_shift;

	for (unsigned int i = 0; i < nr_kept; i++) {
		uint64_t bytes = b->m.page_size << kept[i].order;
		uint8_t *va = sim_phys_to_virt(&b->m, kept[i].phys);
		int ret;

		gf[i] = kept[i];
		client_fill_random(va, b->m.page_size);
		gf[i].hash = client_hash(va, bytes);
		ret = kho_preserve_folio(&b->out, gf[i].phys, gf[i].order);
		if (ret)
			return sim_fail(
				e, ret,
				"guest: cannot preserve the folio at %#" PRIx64
				" again: %s",
				gf[i].phys, client_strerror(b, ret));
		if (gf[i].order == order_1g)
			(*n_1g)++;
	}
	return nr_kept;
}

static int guest_preserve(struct sim_boot *b, struct client_state *st,
			  struct sim_error *e)
{
	unsigned int shift = b->m.conf.page_shift;
	unsigned int order_2m = SZ_2M_LOG2 > shift ? SZ_2M_LOG2 - shift : 0;
	unsigned int order_1g = SZ_1G_LOG2 - shift;
	uint64_t size, done = 0, fdt_size, max;
	unsigned int n = 0, n_1g = 0;
	struct guest_folio *gf;
	void *fdt;
	int ret;

	ret = client_size(b, st, 1ULL << SZ_2M_LOG2, &size, e);
	if (ret)
		return ret;
	/* A folio per 2 MiB at most, and the kept ones if they are more. */
	max = size >> SZ_2M_LOG2;
	if (kept && kept_size == size && nr_kept > max)
		max = nr_kept;
	gf = calloc(max ? max : 1, sizeof(*gf));
	if (!gf)
		return sim_fail(e, -ENOMEM, "guest: out of memory");
	if (kept && kept_size == size) {
		ret = guest_carry_over(b, gf, &n_1g, e);
		if (ret < 0)
			goto out;
		n = ret;
		ret = 0;
		done = size;
	}
	while (done < size) {
		unsigned int order = order_2m;
		uint64_t bytes;
		void *va = NULL;

		/* 1 GiB folios while they fit and the host has them. */
		if (size - done >= (1ULL << SZ_1G_LOG2)) {
			va = sim_alloc_pages(b, order_1g);
			if (va) {
				order = order_1g;
				n_1g++;
			}
		}
		if (!va)
			va = sim_alloc_pages(b, order);
		if (!va) {
			ret = client_out_of_memory(b, st, done, size, e);
			goto out;
		}
		bytes = b->m.page_size << order;
		gf[n].phys = sim_virt_to_phys(&b->m, va);
		gf[n].order = order;
		client_fill_random(va, bytes);
		gf[n].hash = client_hash(va, bytes);
		ret = kho_preserve_folio(&b->out, gf[n].phys, order);
		if (ret) {
			sim_fail(e, ret,
				 "guest: cannot preserve the folio at %#" PRIx64
				 ": %s",
				 gf[n].phys, client_strerror(b, ret));
			goto out;
		}
		n++;
		done += bytes;
	}
	fdt_size = (b->m.page_size + n * sizeof(*gf) + b->m.page_size - 1) &
		   ~(b->m.page_size - 1);
	fdt = kho_alloc_preserve(&b->out, fdt_size);
	if (!fdt) {
		ret = sim_fail(e, -ENOMEM, "guest: out of memory");
		goto out;
	}
	ret = fdt_create(fdt, fdt_size);
	ret |= fdt_finish_reservemap(fdt);
	ret |= fdt_begin_node(fdt, "");
	ret |= fdt_property_string(fdt, "compatible", GUEST_COMPATIBLE);
	ret |= fdt_property(fdt, GUEST_SIZE_PROP, &size, sizeof(size));
	ret |= fdt_property(fdt, GUEST_FOLIOS_PROP, gf, n * sizeof(*gf));
	ret |= fdt_end_node(fdt);
	ret |= fdt_finish(fdt);
	if (ret) {
		ret = sim_fail(e, -ENOSPC, "guest: the FDT does not fit");
		goto out;
	}
	ret = kho_add_subtree(&b->out, GUEST_NAME, fdt, fdt_totalsize(fdt));
	if (ret) {
		sim_fail(e, ret, "guest: cannot add the subtree: %s", strerror(-ret));
		goto out;
	}
	st->preserved_bytes = size;
	snprintf(st->msg, sizeof(st->msg), "%u x 1 GiB + %u x 2 MiB folios%s",
		 n_1g, n - n_1g,
		 kept ? ", the same ones: the VM kept running" : "");
out:
	free(gf);
	return ret;
}

const struct kho_client client_guest = {
	.name = GUEST_NAME,
	.summary = "a VM's RAM in 1 GiB and 2 MiB folios",
	.default_size = 64ULL << 20,
	.restore = guest_restore,
	.preserve = guest_preserve,
};
