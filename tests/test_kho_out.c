// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_kho_out.c - kernel A's side: the root FDT's bytes (read back with
 * libfdt), preserving folios and page runs with the kernel's split,
 * refusals (scratch, outside RAM, misaligned), kho_alloc_preserve and
 * kho_unpreserve_free, subtrees (add, duplicate, remove, full page), and
 * an injected allocation failure at every allocation of every call: the
 * call fails and nothing changed, nothing leaked.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <libfdt.h>

#include <kho/kho.h>

#include "lib/machine.h"

#define ENV_PHYS_BASE 0x100000000ULL
#define ENV_PAGES 1024
#define SCRATCH_PAGES 16

static const unsigned int page_shifts[] = { 12, 14, 16 };

static unsigned int nr_warnings;

static void count_warning(const char *file, int line, const char *what)
{
	nr_warnings++;
}

struct fixture {
	struct kho_env *e;
	struct kho_out out;
};

static struct fixture *fixture_new(unsigned int page_shift)
{
	static struct fixture f;

	f.e = machine_env_new(page_shift, ENV_PHYS_BASE, ENV_PAGES,
			      SCRATCH_PAGES, &f.out);
	return &f;
}

static void fixture_free(struct fixture *f)
{
	kho_out_destroy(&f->out);
	assert_int_equal(f->e->live_pages, 0);
	assert_int_equal(f->e->bad_frees, 0);
	kho_env_destroy(f->e);
}

static uint64_t fdt_u64(const void *fdt, int node, const char *name)
{
	const void *val;
	uint64_t v;
	int len;

	val = fdt_getprop(fdt, node, name, &len);
	assert_non_null(val);
	assert_int_equal(len, sizeof(uint64_t));
	memcpy(&v, val, sizeof(v));
	return v;
}

/* The FDT as the kernel writes it, for every page size. */
static void test_root_fdt(void **state)
{
	unsigned int i;

	for (i = 0; i < sizeof(page_shifts) / sizeof(page_shifts[0]); i++) {
		struct fixture *f = fixture_new(page_shifts[i]);
		const void *fdt = f->out.fdt;
		uint64_t page = f->e->page_size, root_phys;
		const char *compat;
		int len;

		assert_int_equal(fdt_check_header(fdt), 0);
		assert_true(fdt_totalsize(fdt) <= page);
		assert_int_equal(fdt_check_full(fdt, fdt_totalsize(fdt)), 0);
		assert_int_equal(fdt_num_mem_rsv(fdt), 0);
		assert_string_equal(fdt_get_name(fdt, 0, NULL), "");
		compat = fdt_getprop(fdt, 0, "compatible", &len);
		assert_non_null(compat);
		assert_int_equal(len, sizeof("kho-v4"));
		assert_string_equal(compat, "kho-v4");
		assert_int_equal(fdt_node_check_compatible(fdt, 0, "kho-v4"), 0);

		/* Native byte order, the root of the tree. */
		root_phys = fdt_u64(fdt, 0, "preserved-memory-map");
		assert_int_equal(root_phys, kho_radix_root_phys(&f->out.tree));
		assert_int_equal(root_phys % page, 0);
		assert_true(root_phys >= ENV_PHYS_BASE);

		assert_int_equal(fdt_first_subnode(fdt, 0), -FDT_ERR_NOTFOUND);

		/* The FDT page itself is preserved as an order-0 folio. */
		assert_int_equal(f->out.fdt_phys, kho_env_phys(f->e, f->out.fdt));
		assert_true(kho_radix_test_page(&f->out.tree,
						f->out.fdt_phys >> page_shifts[i],
						0));
		fixture_free(f);
	}
}

static void test_init_alloc_failure(void **state)
{
	struct kho_env *e = kho_env_create(12, ENV_PHYS_BASE, ENV_PAGES);
	struct kho_out out;
	uint64_t n;
	int ret;

	assert_non_null(e);
	for (n = 1;; n++) {
		kho_env_fail_nth(e, n);
		ret = kho_out_init(&out, &e->geo, &e->ops, NULL, 0);
		if (!ret)
			break;
		assert_int_equal(ret, -ENOMEM);
		assert_int_equal(e->live_pages, 0);
		assert_false(kho_env_fail_pending(e));
	}
	/* Root, the FDT page and the tree path to it: several allocations. */
	assert_true(n > 2);
	kho_env_fail_nth(e, 0);
	kho_out_destroy(&out);
	assert_int_equal(e->live_pages, 0);
	assert_int_equal(e->bad_frees, 0);
	kho_env_destroy(e);
}

static void test_init_bad_args(void **state)
{
	struct kho_env *e = kho_env_create(12, ENV_PHYS_BASE, ENV_PAGES);
	struct kho_env_ops ops = e->ops;
	struct kho_geometry geo = e->geo;
	struct kho_out out;

	ops.pfn_to_page = NULL;
	assert_int_equal(kho_out_init(&out, &e->geo, &ops, NULL, 0), -EINVAL);
	geo.depth++;
	assert_int_equal(kho_out_init(&out, &geo, &e->ops, NULL, 0), -EINVAL);
	assert_int_equal(kho_out_init(&out, &e->geo, &e->ops, NULL, 1), -EINVAL);
	/* A page size no geometry has, and kho-v1, which has no tree. */
	geo = e->geo;
	geo.page_shift = 13;
	assert_int_equal(kho_out_init(&out, &geo, &e->ops, NULL, 0), -EINVAL);
	assert_int_equal(kho_out_init_abi(&out, &e->geo, &e->ops, NULL, 0,
					  kho_abi_get(KHO_ABI_V1)),
			 -EINVAL);
	assert_int_equal(e->live_pages, 0);
	assert_int_equal(e->nr_allocs, 0);
	kho_env_destroy(e);
}

/*
 * Scratch areas the next kernel would refuse are refused at init, with a
 * warning: one running to 2^64 made every overlap test wrap, so a preserve
 * inside it succeeded.
 */
static void test_init_bad_scratch(void **state)
{
	struct kho_env *e = kho_env_create(12, ENV_PHYS_BASE, ENV_PAGES);
	uint64_t a = kho_env_page_phys(e, 100), page = e->page_size;
	const struct kho_scratch bad[][2] = {
		{ { a, UINT64_MAX }, { 0, 0 } },
		{ { a, UINT64_MAX - a + 1 }, { 0, 0 } },
		{ { a + 8, page }, { 0, 0 } },
		{ { a, page + 8 }, { 0, 0 } },
		{ { kho_env_page_phys(e, ENV_PAGES), page }, { 0, 0 } },
		{ { a, 4 * page }, { a + 3 * page, page } },
	};
	struct kho_scratch good[2] = { { a, 4 * page }, { a + 4 * page, 0 } };
	struct kho_out out;
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		nr_warnings = 0;
		assert_int_equal(kho_out_init(&out, &e->geo, &e->ops, bad[i],
					      bad[i][1].size ? 2 : 1),
				 -EINVAL);
		assert_int_equal(nr_warnings, 1);
		assert_int_equal(e->live_pages, 0);
	}
	assert_int_equal(kho_out_init(&out, &e->geo, &e->ops, good, 2), 0);
	nr_warnings = 0;
	assert_int_equal(kho_preserve_folio(&out, a + 3 * page, 0), -EINVAL);
	assert_int_equal(nr_warnings, 1);
	assert_int_equal(kho_preserve_folio(&out, a + 4 * page, 0), 0);
	kho_out_destroy(&out);
	assert_int_equal(e->live_pages, 0);
	kho_env_destroy(e);
}

static bool has_block(struct kho_out *out, uint64_t phys, unsigned int order)
{
	return kho_radix_test_page(&out->tree, phys >> out->geo.page_shift,
				   order);
}

static void test_preserve_folio(void **state)
{
	struct fixture *f = fixture_new(12);
	struct kho_out *out = &f->out;
	void *folio = kho_env_alloc(f->e, 3);
	uint64_t phys = kho_env_phys(f->e, folio);
	uint64_t page = f->e->page_size;

	assert_int_equal(kho_preserve_folio(out, phys, 3), 0);
	assert_true(has_block(out, phys, 3));
	assert_false(has_block(out, phys, 0));
	/* Again is fine: the bit is set already. */
	assert_int_equal(kho_preserve_folio(out, phys, 3), 0);

	nr_warnings = 0;
	assert_int_equal(kho_preserve_folio(out, phys + page, 3), -EINVAL);
	assert_int_equal(kho_preserve_folio(out, phys + 1, 0), -EINVAL);
	assert_int_equal(nr_warnings, 2);
	assert_int_equal(kho_preserve_folio(out, phys, f->e->geo.order0_bit),
			 -ERANGE);

	assert_int_equal(kho_unpreserve_folio(out, phys, 3), 0);
	assert_false(has_block(out, phys, 3));
	assert_int_equal(kho_unpreserve_folio(out, phys, 3), -ENOENT);
	kho_env_free(f->e, folio, 3);
	fixture_free(f);
}

/* Scratch is overwritten at kexec; memory outside RAM has no page. */
static void test_preserve_refused(void **state)
{
	struct fixture *f = fixture_new(12);
	struct kho_out *out = &f->out;
	struct kho_env_snapshot before, after;
	uint64_t page = f->e->page_size;
	uint64_t scratch_end = kho_env_page_phys(f->e, SCRATCH_PAGES);
	uint64_t ram_end = kho_env_page_phys(f->e, ENV_PAGES);

	kho_env_snapshot(f->e, out, &before);
	nr_warnings = 0;
	assert_int_equal(kho_preserve_folio(out, ENV_PHYS_BASE, 0), -EINVAL);
	assert_int_equal(kho_preserve_folio(out, scratch_end - page, 0),
			 -EINVAL);
	/* A run that only ends in scratch. */
	assert_int_equal(kho_preserve_pages(out, scratch_end - page, 2),
			 -EINVAL);
	assert_int_equal(nr_warnings, 3);
	assert_int_equal(kho_preserve_pages(out, scratch_end, 1), 0);
	assert_int_equal(kho_unpreserve_pages(out, scratch_end, 1), 0);

	/* Past RAM, before RAM, and a run that crosses the end of RAM. */
	assert_int_equal(kho_preserve_folio(out, ram_end, 0), -EINVAL);
	assert_int_equal(kho_preserve_folio(out, ENV_PHYS_BASE - page, 0),
			 -EINVAL);
	assert_int_equal(kho_preserve_pages(out, ram_end - page, 2), -EINVAL);

	/* Zero pages, misaligned, and a run wrapping the address space. */
	assert_int_equal(kho_preserve_pages(out, scratch_end, 0), -EINVAL);
	assert_int_equal(kho_preserve_pages(out, scratch_end + 8, 1), -EINVAL);
	assert_int_equal(kho_preserve_pages(out, scratch_end, UINT64_MAX),
			 -ERANGE);
	kho_env_snapshot(f->e, out, &after);
	assert_true(kho_env_snapshot_equal(&before, &after));
	kho_env_snapshot_free(&before);
	kho_env_snapshot_free(&after);
	fixture_free(f);
}

/* RAM with a hole: pages [HOLE_FIRST, HOLE_END) of the env have no page. */
#define HOLE_FIRST 100
#define HOLE_END 110

static struct kho_page *(*ram_pfn_to_page)(void *ctx, uint64_t pfn);
static uint64_t hole_base_pfn;

static struct kho_page *holey_pfn_to_page(void *ctx, uint64_t pfn)
{
	if (pfn >= hole_base_pfn + HOLE_FIRST && pfn < hole_base_pfn + HOLE_END)
		return NULL;
	return ram_pfn_to_page(ctx, pfn);
}

/*
 * A run of pages may cross a hole in RAM, which the next kernel refuses:
 * every page of a run is checked, not only its ends. A folio is contiguous
 * memory by definition: its first and last pages are checked.
 */
static void test_preserve_pages_hole(void **state)
{
	struct kho_env *e = kho_env_create(12, ENV_PHYS_BASE, ENV_PAGES);
	struct kho_env_ops ops = e->ops;
	struct kho_env_snapshot before, after;
	struct kho_out out;

	ram_pfn_to_page = e->ops.pfn_to_page;
	hole_base_pfn = ENV_PHYS_BASE >> 12;
	ops.pfn_to_page = holey_pfn_to_page;
	assert_int_equal(kho_out_init(&out, &e->geo, &ops, NULL, 0), 0);
	kho_env_snapshot(e, &out, &before);
	/* 96..115 splits as 96..111 (order 4) and 112..115: ends in RAM. */
	assert_int_equal(kho_preserve_pages(&out, kho_env_page_phys(e, 96), 20),
			 -EINVAL);
	assert_int_equal(kho_preserve_pages(&out, kho_env_page_phys(e, 99), 2),
			 -EINVAL);
	assert_int_equal(kho_preserve_pages(&out, kho_env_page_phys(e, 105), 1),
			 -EINVAL);
	assert_int_equal(kho_preserve_folio(&out, kho_env_page_phys(e, 100), 0),
			 -EINVAL);
	kho_env_snapshot(e, &out, &after);
	assert_true(kho_env_snapshot_equal(&before, &after));
	kho_env_snapshot_free(&before);
	kho_env_snapshot_free(&after);
	/* Up to the hole, and from its end, is fine. */
	assert_int_equal(kho_preserve_pages(&out, kho_env_page_phys(e, 90), 10),
			 0);
	assert_int_equal(kho_preserve_pages(&out, kho_env_page_phys(e, 110), 6),
			 0);
	kho_out_destroy(&out);
	assert_int_equal(e->live_pages, 0);
	kho_env_destroy(e);
}

/* pfn 3..16 splits as (3, 0), (4, 2), (8, 3): min(ctz(pfn), ilog2(left)). */
static void test_preserve_pages_split(void **state)
{
	struct fixture *f = fixture_new(12);
	struct kho_out *out = &f->out;
	uint64_t base = kho_env_page_phys(f->e, 512);
	uint64_t page = f->e->page_size;
	struct kho_env_block *blocks;
	size_t nr, i, found = 0;

	assert_int_equal(kho_preserve_pages(out, base + 3 * page, 13), 0);
	assert_true(has_block(out, base + 3 * page, 0));
	assert_true(has_block(out, base + 4 * page, 2));
	assert_true(has_block(out, base + 8 * page, 3));
	blocks = kho_env_blocks(&out->tree, &nr);
	/* Those three and the FDT page. */
	assert_int_equal(nr, 4);
	for (i = 0; i < nr; i++)
		found += blocks[i].phys >= base;
	assert_int_equal(found, 3);
	free(blocks);

	/* Unpreserve needs the same run. */
	assert_int_equal(kho_unpreserve_pages(out, base + 3 * page, 12),
			 -ENOENT);
	assert_int_equal(kho_unpreserve_pages(out, base + 3 * page, 13), 0);
	blocks = kho_env_blocks(&out->tree, &nr);
	assert_int_equal(nr, 1);
	assert_int_equal(blocks[0].phys, out->fdt_phys);
	free(blocks);
	fixture_free(f);
}

struct run {
	struct kho_out *out;
	uint64_t phys, nr;
};

static int call_preserve_pages(void *arg)
{
	struct run *r = arg;

	return kho_preserve_pages(r->out, r->phys, r->nr);
}

static int call_preserve_folio(void *arg)
{
	struct run *r = arg;

	return kho_preserve_folio(r->out, r->phys, (unsigned int)r->nr);
}

/* kho_env_sweep() over the fixture. */
static uint64_t fail_every_alloc(struct fixture *f, int (*call)(void *arg),
				 void *arg)
{
	return kho_env_sweep(f->e, &f->out, call, arg, -ENOMEM);
}

static void test_preserve_alloc_failure(void **state)
{
	unsigned int i;

	for (i = 0; i < sizeof(page_shifts) / sizeof(page_shifts[0]); i++) {
		struct fixture *f = fixture_new(page_shifts[i]);
		/* Blocks of several orders: each order has its own subtree. */
		struct run pages = { &f->out, kho_env_page_phys(f->e, 37),
				     300 };
		struct run folio = { &f->out, kho_env_page_phys(f->e, 512), 2 };

		assert_true(fail_every_alloc(f, call_preserve_pages, &pages) >
			    0);
		assert_int_equal(kho_unpreserve_pages(&f->out, pages.phys,
						      pages.nr), 0);
		/* The unpreserve freed the nodes: now they are allocated again. */
		assert_true(fail_every_alloc(f, call_preserve_pages, &pages) >
			    0);
		fail_every_alloc(f, call_preserve_folio, &folio);
		assert_true(has_block(&f->out, folio.phys, 2));
		assert_int_equal(kho_unpreserve_folio(&f->out, folio.phys, 2), 0);
		assert_int_equal(kho_unpreserve_pages(&f->out, pages.phys,
						      pages.nr), 0);
		fixture_free(f);
	}
}

static void test_alloc_preserve(void **state)
{
	struct fixture *f = fixture_new(12);
	struct kho_out *out = &f->out;
	uint64_t page = f->e->page_size;
	const struct {
		size_t size;
		unsigned int order;
	} cases[] = {
		{ 1, 0 }, { 4096, 0 }, { 4097, 1 }, { 3 * 4096, 2 },
		{ 8 * 4096, 3 }, { 8 * 4096 + 1, 4 },
	};
	unsigned int i;
	uint64_t live = f->e->live_pages;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned char *mem = kho_alloc_preserve(out, cases[i].size);
		uint64_t phys;
		size_t j;

		assert_non_null(mem);
		phys = kho_env_phys(f->e, mem);
		assert_true(has_block(out, phys, cases[i].order));
		for (j = 0; j < page << cases[i].order; j++)
			assert_int_equal(mem[j], 0);
		kho_unpreserve_free(out, mem);
		assert_false(has_block(out, phys, cases[i].order));
		assert_int_equal(f->e->live_pages, live);
	}
	nr_warnings = 0;
	assert_null(kho_alloc_preserve(out, 0));
	assert_int_equal(nr_warnings, 1);
	assert_null(kho_alloc_preserve(out, SIZE_MAX));
	kho_unpreserve_free(out, NULL);
	fixture_free(f);
}

/*
 * A blob of 2^10 pages (4 MiB at 4 KiB) is allocated; one page more is
 * refused before anything is allocated: Linux's blobs are folios of at
 * most MAX_PAGE_ORDER, 10 by default with 4 KiB pages.
 */
static void test_alloc_preserve_max_order(void **state)
{
	struct kho_out out;
	struct kho_env *e =
		machine_env_new(12, ENV_PHYS_BASE, 4096, SCRATCH_PAGES, &out);
	uint64_t allocs;
	void *mem;

	mem = kho_alloc_preserve(&out, 1024 * 4096);
	assert_non_null(mem);
	kho_unpreserve_free(&out, mem);
	allocs = e->nr_allocs;
	assert_null(kho_alloc_preserve(&out, 1024 * 4096 + 1));
	assert_int_equal(e->nr_allocs, allocs);
	machine_env_free(e, &out, NULL);
}

struct alloc_call {
	struct fixture *f;
	void *mem;
};

static int call_alloc_preserve(void *arg)
{
	struct alloc_call *c = arg;

	c->mem = kho_alloc_preserve(&c->f->out, 5 * c->f->e->page_size);
	return c->mem ? 0 : -ENOMEM;
}

static void test_alloc_preserve_failure(void **state)
{
	struct fixture *f = fixture_new(12);
	struct alloc_call c = { f, NULL };

	/* The block itself, then the tree path to it. */
	assert_true(fail_every_alloc(f, call_alloc_preserve, &c) >= 1);
	assert_true(has_block(&f->out, kho_env_phys(f->e, c.mem), 3));
	kho_unpreserve_free(&f->out, c.mem);
	fixture_free(f);
}

/* Memory kho_unpreserve_free() does not know is left alone, loudly. */
static void test_unpreserve_free_unknown(void **state)
{
	struct fixture *f = fixture_new(12);
	void *mem = kho_env_alloc(f->e, 0);

	nr_warnings = 0;
	kho_unpreserve_free(&f->out, mem);
	assert_int_equal(nr_warnings, 1);
	assert_int_equal(f->e->bad_frees, 0);
	kho_env_free(f->e, mem, 0);
	fixture_free(f);
}

static void test_subtree(void **state)
{
	struct fixture *f = fixture_new(12);
	struct kho_out *out = &f->out;
	struct kho_env_snapshot before, after;
	void *blob = kho_alloc_preserve(out, 100);
	void *blob2 = kho_alloc_preserve(out, 2 * f->e->page_size);
	void *loose = kho_env_alloc(f->e, 0);
	uint64_t page = f->e->page_size;
	uint64_t run = kho_env_page_phys(f->e, 643);
	char *run_blob = kho_env_va(f->e, run);
	int node;

	assert_int_equal(kho_add_subtree(out, "kexec-metadata", blob, 64), 0);
	node = fdt_subnode_offset(out->fdt, 0, "kexec-metadata");
	assert_true(node >= 0);
	assert_int_equal(fdt_u64(out->fdt, node, "preserved-data"),
			 kho_env_phys(f->e, blob));
	assert_int_equal(fdt_check_full(out->fdt, fdt_totalsize(out->fdt)), 0);

	/* A blob inside a preserved block, not at its start, is fine too. */
	assert_int_equal(kho_add_subtree(out, "memblock",
					 (char *)blob2 + f->e->page_size + 8, 64),
			 0);
	/* So is a blob filling its block to the last byte... */
	assert_int_equal(kho_add_subtree(out, "whole", blob, page), 0);
	kho_remove_subtree(out, blob);
	/* ...or one across adjacent blocks: pages 3..5 split as 3, 4..5. */
	assert_int_equal(kho_preserve_pages(out, run, 3), 0);
	assert_int_equal(
		kho_add_subtree(out, "run", run_blob + 8, 3 * page - 8), 0);
	kho_remove_subtree(out, run_blob + 8);
	assert_int_equal(kho_add_subtree(out, "run", run_blob, 3 * page + 1),
			 -EINVAL);
	assert_int_equal(kho_unpreserve_pages(out, run, 3), 0);
	/* One page preserved alone, the next one not. */
	assert_int_equal(kho_preserve_folio(out, run, 0), 0);

	kho_env_snapshot(f->e, out, &before);
	assert_int_equal(kho_add_subtree(out, "kexec-metadata", blob2, 64),
			 -EEXIST);
	assert_int_equal(kho_add_subtree(out, "loose", loose, 64), -EINVAL);
	assert_int_equal(kho_add_subtree(out, "a/b", blob2, 64), -EINVAL);
	/* All of the blob must be preserved, not only its first page. */
	assert_int_equal(kho_add_subtree(out, "big", blob, 1 << 20), -EINVAL);
	assert_int_equal(kho_add_subtree(out, "big", run_blob + 8, page - 7),
			 -EINVAL);
	assert_int_equal(kho_add_subtree(out, "max", blob, SIZE_MAX), -EINVAL);
	assert_int_equal(
		kho_add_subtree(out, "max", (char *)blob2 + 8, SIZE_MAX - 4),
		-EINVAL);
	nr_warnings = 0;
	assert_int_equal(kho_add_subtree(out, "", blob2, 64), -EINVAL);
	assert_int_equal(nr_warnings, 1);
	/* A blob no subtree names: nothing to remove. */
	kho_remove_subtree(out, loose);
	kho_env_snapshot(f->e, out, &after);
	assert_true(kho_env_snapshot_equal(&before, &after));
	kho_env_snapshot_free(&after);

	kho_remove_subtree(out, blob);
	assert_true(fdt_subnode_offset(out->fdt, 0, "kexec-metadata") < 0);
	assert_true(fdt_subnode_offset(out->fdt, 0, "memblock") >= 0);
	/* The name is free again. */
	assert_int_equal(kho_add_subtree(out, "kexec-metadata", blob, 64), 0);
	kho_remove_subtree(out, blob);
	kho_remove_subtree(out, (char *)blob2 + f->e->page_size + 8);
	assert_int_equal(fdt_first_subnode(out->fdt, 0), -FDT_ERR_NOTFOUND);
	assert_int_equal(fdt_totalsize(out->fdt) <= before.fdt_len, 1);
	kho_env_snapshot_free(&before);

	kho_unpreserve_free(out, blob);
	kho_unpreserve_free(out, blob2);
	assert_int_equal(kho_unpreserve_folio(out, run, 0), 0);
	kho_env_free(f->e, loose, 0);
	fixture_free(f);
}

/*
 * Removing a blob no subtree names leaves the root FDT as it is, byte for
 * byte, on a fresh handover too: fdt_create() leaves the FDT in a layout
 * that fdt_open_into() and fdt_pack() change (found by fuzz_writers,
 * regression-remove-subtree-relayout).
 */
static void test_subtree_remove_none(void **state)
{
	struct fixture *f = fixture_new(12);
	struct kho_out *out = &f->out;
	struct kho_env_snapshot before, after;
	void *loose = kho_env_alloc(f->e, 0);
	void *blob = kho_alloc_preserve(out, 64);

	kho_env_snapshot(f->e, out, &before);
	kho_remove_subtree(out, loose);
	kho_remove_subtree(out, blob);
	kho_env_snapshot(f->e, out, &after);
	assert_true(kho_env_snapshot_equal(&before, &after));
	kho_env_snapshot_free(&after);
	kho_env_snapshot_free(&before);

	/* Once edited, the same. */
	assert_int_equal(kho_add_subtree(out, "blob", blob, 64), 0);
	kho_env_snapshot(f->e, out, &before);
	kho_remove_subtree(out, loose);
	kho_env_snapshot(f->e, out, &after);
	assert_true(kho_env_snapshot_equal(&before, &after));
	kho_env_snapshot_free(&after);
	kho_env_snapshot_free(&before);
	kho_remove_subtree(out, blob);
	assert_int_equal(fdt_first_subnode(out->fdt, 0), -FDT_ERR_NOTFOUND);

	kho_unpreserve_free(out, blob);
	kho_env_free(f->e, loose, 0);
	fixture_free(f);
}

/* Fill the FDT page: the add that does not fit fails and changes nothing. */
static void test_subtree_full(void **state)
{
	struct fixture *f = fixture_new(12);
	struct kho_out *out = &f->out;
	struct kho_env_snapshot before, after;
	void *blob = kho_alloc_preserve(out, 1);
	char name[64];
	unsigned int i, nr_full = 0;
	int ret;

	for (i = 0; i < 1000; i++) {
		/*
		 * Names of varying length, short ones too: when the page is
		 * almost full, some nodes fit but not their property.
		 */
		if (i % 3)
			snprintf(name, sizeof(name), "subtree-%u-%.*s", i,
				 (int)(i % 23), "xxxxxxxxxxxxxxxxxxxxxxxxxx");
		else
			snprintf(name, sizeof(name), "%x", i);
		kho_env_snapshot(f->e, out, &before);
		ret = kho_add_subtree(out, name, blob, 64);
		if (ret) {
			assert_int_equal(ret, -ENOSPC);
			kho_env_snapshot(f->e, out, &after);
			assert_true(kho_env_snapshot_equal(&before, &after));
			kho_env_snapshot_free(&after);
			nr_full++;
		}
		kho_env_snapshot_free(&before);
	}
	assert_true(nr_full > 0);
	assert_true(fdt_totalsize(out->fdt) <= f->e->page_size);
	assert_int_equal(fdt_check_full(out->fdt, fdt_totalsize(out->fdt)), 0);
	kho_unpreserve_free(out, blob);
	fixture_free(f);
}

/* Arguments a caller should never pass, and a corrupt FDT page. */
static void test_bad_calls(void **state)
{
	struct fixture *f = fixture_new(12);
	struct kho_out *out = &f->out;
	struct kho_env_snapshot before, after;
	uint64_t phys = kho_env_page_phys(f->e, 600);
	void *blob = kho_alloc_preserve(out, 1);
	int node;

	assert_int_equal(kho_preserve_folio(out, phys, 0), 0);
	nr_warnings = 0;
	assert_int_equal(kho_unpreserve_folio(out, phys + 1, 0), -EINVAL);
	assert_int_equal(kho_unpreserve_pages(out, phys + 1, 1), -EINVAL);
	assert_int_equal(nr_warnings, 2);
	assert_int_equal(kho_unpreserve_folio(out, phys, 64), -ERANGE);
	assert_int_equal(kho_unpreserve_folio(out, phys, 0), 0);
	kho_remove_subtree(out, NULL);

	/* A child without preserved-data is skipped by the removal. */
	assert_int_equal(kho_add_subtree(out, "blob", blob, 64), 0);
	assert_int_equal(fdt_open_into(out->fdt, out->fdt, f->e->page_size), 0);
	node = fdt_add_subnode(out->fdt, 0, "bare");
	assert_true(node >= 0);
	assert_int_equal(fdt_pack(out->fdt), 0);
	kho_remove_subtree(out, blob);
	assert_true(fdt_subnode_offset(out->fdt, 0, "bare") >= 0);
	assert_true(fdt_subnode_offset(out->fdt, 0, "blob") < 0);

	/* A corrupt FDT page: edits fail and change nothing. */
	fdt_set_magic(out->fdt, 0);
	kho_env_snapshot(f->e, out, &before);
	assert_int_equal(kho_add_subtree(out, "blob", blob, 64), -EIO);
	kho_remove_subtree(out, blob);
	kho_env_snapshot(f->e, out, &after);
	assert_true(kho_env_snapshot_equal(&before, &after));
	kho_env_snapshot_free(&before);
	kho_env_snapshot_free(&after);
	fdt_set_magic(out->fdt, FDT_MAGIC);

	kho_unpreserve_free(out, blob);
	fixture_free(f);
	/* Destroying twice, or nothing, is harmless. */
	kho_out_destroy(&f->out);
	kho_out_destroy(NULL);
}

/* A zero-size scratch entry is no area: nothing overlaps it. */
static void test_empty_scratch_entry(void **state)
{
	struct kho_env *e = kho_env_create(12, ENV_PHYS_BASE, ENV_PAGES);
	struct kho_scratch scratch[2];
	struct kho_out out;

	scratch[0].addr = kho_env_page_phys(e, 700);
	scratch[0].size = 0;
	scratch[1].addr = kho_env_page_phys(e, 800);
	scratch[1].size = 4 * e->page_size;
	assert_int_equal(kho_out_init(&out, &e->geo, &e->ops, scratch, 2), 0);
	assert_int_equal(kho_preserve_folio(&out, scratch[0].addr, 0), 0);
	nr_warnings = 0;
	assert_int_equal(kho_preserve_folio(&out, scratch[1].addr, 0), -EINVAL);
	assert_int_equal(nr_warnings, 1);
	kho_out_destroy(&out);
	assert_int_equal(e->live_pages, 0);
	kho_env_destroy(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_fdt),
		cmocka_unit_test(test_init_alloc_failure),
		cmocka_unit_test(test_init_bad_args),
		cmocka_unit_test(test_init_bad_scratch),
		cmocka_unit_test(test_preserve_folio),
		cmocka_unit_test(test_preserve_refused),
		cmocka_unit_test(test_preserve_pages_split),
		cmocka_unit_test(test_preserve_pages_hole),
		cmocka_unit_test(test_preserve_alloc_failure),
		cmocka_unit_test(test_alloc_preserve),
		cmocka_unit_test(test_alloc_preserve_max_order),
		cmocka_unit_test(test_alloc_preserve_failure),
		cmocka_unit_test(test_unpreserve_free_unknown),
		cmocka_unit_test(test_subtree),
		cmocka_unit_test(test_subtree_remove_none),
		cmocka_unit_test(test_subtree_full),
		cmocka_unit_test(test_bad_calls),
		cmocka_unit_test(test_empty_scratch_entry),
	};

	kho_warn_hook = count_warning;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
