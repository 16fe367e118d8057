// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * kho_test.c - what Linux's KHO test module (lib/test_kho.c) does, on the
 * simulated machine: kernel A fills folios of random orders with random
 * bytes, up to max_mem, and hands them over as kho-test-v1 (lib/kho_test.c
 * writes the blob); kernel B restores every folio, sums it and compares
 * with the stored csum. The sum is csum_partial() of the machine's
 * architecture (machine.conf "arch", x86_64 by default), as the raw 32-bit
 * __wsum the kernel stores, so a real kernel's test_kho accepts this
 * handover and this client accepts a real kernel's.
 *
 *   subtree "kho_test" -> FDT {compatible "kho-test-v1", magic,
 *                              /data {nr_folios, folios_info, csum}}
 *
 * The blob carries no hash of the simulator's: the checksum is the check.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kho/block.h>
#include <kho/kho_test.h>

#include "client.h"

#define KHO_TEST_CLIENT "kho-test"

static enum kho_csum_arch machine_arch(const struct sim_boot *b)
{
	return b->m.conf.arch == SIM_ARCH_ARM64 ? KHO_CSUM_ARM64 :
						  KHO_CSUM_X86_64;
}

static const char *arch_name(enum kho_csum_arch arch)
{
	return arch == KHO_CSUM_ARM64 ? "arm64" : "x86_64";
}

/* Bytes of the folios a kho-test blob lists. */
static int add_bytes(uint64_t phys, unsigned int order, uint32_t index,
		     void *arg)
{
	struct sim_boot *b = ((void **)arg)[0];
	uint64_t *bytes = ((void **)arg)[1];

	*bytes += b->m.page_size << order;
	return 0;
}

static int kho_test_client_restore(struct sim_boot *b, struct client_state *st,
				   uint64_t blob_phys, struct sim_error *e)
{
	enum kho_csum_arch arch = machine_arch(b), other;
	struct kho_error err = { 0 };
	struct kho_test_info info;
	uint64_t phys, size = 0, bytes = 0;
	void *args[2] = { b, &bytes };
	struct kho_view view;
	char why[CLIENT_MSG_LEN];
	uint32_t sum, other_sum;
	int ret;

	ret = kho_retrieve_subtree(&b->in, KHO_TEST_NAME, &phys, &size);
	if (ret)
		return sim_fail(
			e, ret,
			"kho-test: KHO restore failed: cannot retrieve %s: %s",
			KHO_TEST_NAME, strerror(-ret));
	client_view(b, &view);
	ret = kho_test_read(&view, phys, size, add_bytes, args, &info, &err);
	if (!ret)
		ret = kho_test_verify(&view, phys, size, arch, &sum, &err);
	if (ret == -EBADMSG) {
		/* The other architecture's sum tells a machine.conf mistake. */
		other = arch == KHO_CSUM_ARM64 ? KHO_CSUM_X86_64 :
						 KHO_CSUM_ARM64;
		if (!kho_test_verify(&view, phys, size, other, &other_sum,
				     NULL))
			return sim_fail(
				e, ret,
				"kho-test: KHO restore failed: the folios sum to 0x%08x with %s's csum_partial, the blob says 0x%08x, which is %s's: set arch = %s in machine.conf",
				sum, arch_name(arch), info.csum,
				arch_name(other), arch_name(other));
		return sim_fail(
			e, ret,
			"kho-test: KHO restore failed: the folios sum to 0x%08x with %s's csum_partial, the blob says 0x%08x",
			sum, arch_name(arch), info.csum);
	}
	if (!ret)
		ret = kho_test_restore(&b->in, phys, size, arch, &info, &err);
	if (ret) {
		kho_error_describe(&err, why, sizeof(why));
		return sim_fail(e, ret, "kho-test: KHO restore failed: %s",
				why[0] ? why : strerror(-ret));
	}
	st->restored_bytes = bytes;
	snprintf(st->msg, sizeof(st->msg),
		 "KHO restore succeeded: %" PRIu32 " folios, csum 0x%08" PRIx32
		 " (%s)",
		 info.nr_folios, info.csum, arch_name(arch));
	return 0;
}

/* The kernel's get_order(): the smallest order of at least @bytes. */
static unsigned int get_order(uint64_t bytes, uint64_t page_size)
{
	unsigned int order = 0;

	while ((page_size << order) < bytes)
		order++;
	return order;
}

static int kho_test_client_preserve(struct sim_boot *b, struct client_state *st,
				    struct sim_error *e)
{
	uint64_t page = b->m.page_size, max_mem, alloc = 0, cap;
	enum kho_csum_arch arch = machine_arch(b);
	struct kho_test_folio *folios;
	struct kho_test_out t;
	uint32_t nr = 0;
	int ret;

	/* max_mem is page-aligned (kho_test_save()); one folio at least. */
	ret = client_size(b, st, page, &max_mem, e);
	if (ret)
		return ret;
	cap = max_mem / page;
	if (cap > UINT32_MAX)
		return sim_fail(e, -EINVAL,
				"kho-test: %" PRIu64 " bytes is too much",
				st->size);
	folios = calloc(cap, sizeof(*folios));
	if (!folios)
		return sim_fail(e, -ENOMEM, "kho-test: out of memory");
	/* kho_test_generate_data(): random orders, random bytes. */
	while (alloc < max_mem) {
		unsigned int order = client_random() % SIM_NR_ORDERS;
		void *va;

		if (alloc + (page << order) > max_mem) {
			order = get_order(max_mem - alloc, page);
			if (order)
				order--;
		}
		va = sim_alloc_pages(b, order);
		if (!va) {
			ret = client_out_of_memory(b, st, alloc, max_mem, e);
			goto out;
		}
		client_fill_random(va, page << order);
		folios[nr].phys = sim_virt_to_phys(&b->m, va);
		folios[nr].order = order;
		nr++;
		alloc += page << order;
	}
	ret = kho_test_preserve(&b->out, folios, nr, arch, &t);
	if (ret) {
		sim_fail(e, ret,
			 "kho-test: cannot preserve %" PRIu32 " folios: %s", nr,
			 client_strerror(b, ret));
		goto out;
	}
	ret = kho_add_subtree(&b->out, KHO_TEST_NAME, t.fdt, t.fdt_size);
	if (ret) {
		kho_test_unpreserve(&b->out, &t);
		sim_fail(e, ret, "kho-test: cannot add the subtree: %s",
			 strerror(-ret));
		goto out;
	}
	st->preserved_bytes = alloc;
	snprintf(st->msg, sizeof(st->msg),
		 "%" PRIu32 " folios, csum 0x%08" PRIx32 " (%s)", nr, t.csum,
		 arch_name(arch));
out:
	/* The folios stay preserved until the kexec; the list is not needed. */
	free(folios);
	return ret;
}

const struct kho_client client_kho_test = {
	.name = KHO_TEST_CLIENT,
	.subtree = KHO_TEST_NAME,
	.summary = "lib/test_kho.c: random folios and their csum_partial",
	.default_size = 8ULL << 20,
	.needs_order0 = client_always_order0,
	.restore = kho_test_client_restore,
	.preserve = kho_test_client_preserve,
};
