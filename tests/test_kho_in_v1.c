// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_kho_in_v1.c - kernel B takes a kho-v1 handover (Linux 6.16 to
 * 6.19): the root FDT compatible "kho-v1", preserved-memory-map naming a
 * list of chunk pages of bitmaps, subtrees with an "fdt" property. Every
 * block is stamped and reserved, subtrees are found, restores work, a root
 * FDT kernel A preserved is taken by KHO, with a larger block it begins
 * (one it did not preserve, or a block it lies inside, is left); a list
 * that loops, a block outside RAM or a failed reservation is refused with
 * nothing left stamped.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <libfdt.h>

#include <kho/abi.h>
#include <kho/kho.h>
#include <kho/validate.h>

#include "lib/kho_env.h"

#define ENV_PHYS_BASE 0x100000000ULL
#define ENV_PAGES 512
#define PAGE 4096ULL
#define SHIFT 12
#define BITS (PAGE * 8) /* a page-sized bitmap */

struct v1 {
	struct kho_env *e;
	struct khoser_mem_chunk_hdr *chunk[2];
	uint64_t chunk_phys[2];
	unsigned char *bitmap[2];
	uint64_t bitmap_phys[2];
	void *fdt;
	uint64_t fdt_phys;
	struct kho_scratch *scratch;
	uint64_t scratch_phys;
	uint64_t blob_phys;
	struct kho_in in;
};

static uint64_t page_phys(unsigned int i)
{
	return ENV_PHYS_BASE + i * PAGE;
}

/* Mark block (@phys, @order) in element 0 of chunk @c. */
static void set_block(struct v1 *v, unsigned int c, uint64_t phys,
		      unsigned int order)
{
	struct khoser_mem_bitmap_ptr *elm = (void *)(v->chunk[c] + 1);
	uint64_t n = phys >> (order + SHIFT);

	assert_int_equal(elm->phys_start, (n / BITS * BITS) << (order + SHIFT));
	v->bitmap[c][(n % BITS) / 8] |= 1 << (n % 8);
}

/*
 * Kernel A, as 6.16-6.19 serialized it: chunk 0 holds order 0 (pages 100,
 * 101, 105 and the blob's page 300), chunk 1 order 2 (pages 200-203).
 */
static void kernel_a(struct v1 *v)
{
	struct khoser_mem_bitmap_ptr *elm;
	unsigned int c, order[2] = { 0, 2 };
	uint64_t mm;
	int node;

	memset(v, 0, sizeof(*v));
	v->e = kho_env_create(SHIFT, ENV_PHYS_BASE, ENV_PAGES);
	assert_non_null(v->e);
	kho_env_add_scratch(v->e, 0, 16);
	for (c = 0; c < 2; c++) {
		v->chunk[c] = kho_env_alloc(v->e, 0);
		v->bitmap[c] = kho_env_alloc(v->e, 0);
		assert_non_null(v->chunk[c]);
		assert_non_null(v->bitmap[c]);
		memset(v->chunk[c], 0, PAGE);
		memset(v->bitmap[c], 0, PAGE);
		v->chunk_phys[c] = kho_env_phys(v->e, v->chunk[c]);
		v->bitmap_phys[c] = kho_env_phys(v->e, v->bitmap[c]);
		v->chunk[c]->order = order[c];
		v->chunk[c]->num_elms = 1;
		elm = (void *)(v->chunk[c] + 1);
		elm->bitmap = v->bitmap_phys[c];
		elm->phys_start =
			((ENV_PHYS_BASE >> (order[c] + SHIFT)) / BITS * BITS)
			<< (order[c] + SHIFT);
	}
	v->chunk[0]->next = v->chunk_phys[1];
	v->blob_phys = page_phys(300);
	set_block(v, 0, page_phys(100), 0);
	set_block(v, 0, page_phys(101), 0);
	set_block(v, 0, page_phys(105), 0);
	set_block(v, 0, v->blob_phys, 0);
	set_block(v, 1, page_phys(200), 2);

	v->fdt = kho_env_alloc(v->e, 0);
	assert_non_null(v->fdt);
	v->fdt_phys = kho_env_phys(v->e, v->fdt);
	mm = v->chunk_phys[0];
	assert_int_equal(fdt_create(v->fdt, PAGE), 0);
	assert_int_equal(fdt_finish_reservemap(v->fdt), 0);
	assert_int_equal(fdt_begin_node(v->fdt, ""), 0);
	assert_int_equal(fdt_property_string(v->fdt, "compatible", "kho-v1"),
			 0);
	assert_int_equal(
		fdt_property(v->fdt, "preserved-memory-map", &mm, sizeof(mm)),
		0);
	assert_int_equal(fdt_begin_node(v->fdt, "blob"), 0);
	assert_int_equal(fdt_property(v->fdt, "fdt", &v->blob_phys,
				      sizeof(v->blob_phys)),
			 0);
	assert_int_equal(fdt_end_node(v->fdt), 0);
	assert_int_equal(fdt_end_node(v->fdt), 0);
	assert_int_equal(fdt_finish(v->fdt), 0);
	node = fdt_subnode_offset(v->fdt, 0, "blob");
	assert_true(node >= 0);

	v->scratch = kho_env_alloc(v->e, 0);
	assert_non_null(v->scratch);
	v->scratch_phys = kho_env_phys(v->e, v->scratch);
	v->scratch[0] = v->e->scratch[0];
}

static int populate(struct v1 *v)
{
	kho_env_reboot(v->e);
	return kho_populate(&v->in, &v->e->geo, &v->e->ops, v->fdt_phys, PAGE,
			    v->scratch_phys, sizeof(struct kho_scratch));
}

static unsigned int nr_reserved;
static uint64_t reserved_bytes;

static int count_reserve(uint64_t start, uint64_t end, void *arg)
{
	nr_reserved++;
	reserved_bytes += end - start;
	return 0;
}

static int fail_reserve(uint64_t start, uint64_t end, void *arg)
{
	return -ENOSPC;
}

static void done(struct v1 *v)
{
	kho_in_destroy(&v->in);
	kho_env_destroy(v->e);
}

static void test_v1_boot(void **state)
{
	struct v1 v;
	uint64_t phys, size = 1;

	kernel_a(&v);
	assert_int_equal(populate(&v), 0);
	assert_string_equal(v.in.abi->name, "kho-v1");
	nr_reserved = 0;
	reserved_bytes = 0;
	assert_int_equal(
		kho_memory_init(&v.in, kho_env_check(v.e), count_reserve, NULL),
		0);
	/* One reservation per block, as the kernel did. */
	assert_int_equal(nr_reserved, 5);
	assert_int_equal(reserved_bytes, 8 * PAGE);
	assert_int_equal(kho_retrieve_subtree(&v.in, "blob", &phys, &size), 0);
	assert_int_equal(phys, v.blob_phys);
	assert_int_equal(size, 0); /* kho-v1 has no blob-size */
	assert_non_null(kho_restore_folio(&v.in, page_phys(200)));
	assert_null(kho_restore_folio(&v.in, page_phys(200)));
	assert_non_null(kho_restore_folio(&v.in, page_phys(100)));
	assert_non_null(kho_restore_pages(&v.in, page_phys(101), 1));
	assert_null(kho_restore_folio(&v.in, page_phys(102)));
	assert_non_null(kho_restore_folio(&v.in, page_phys(105)));
	/* This kernel A did not preserve its root FDT: nothing to take. */
	assert_int_equal(kho_env_page(v.e, v.fdt_phys)->private, 0);
	assert_int_equal(kho_env_page(v.e, v.fdt_phys)->refcount, 0);
	assert_null(kho_restore_folio(&v.in, v.fdt_phys));
	done(&v);
}

/* A root FDT kernel A preserved: kernel B's KHO takes it, as for a tree. */
static void test_v1_root_fdt_taken(void **state)
{
	struct v1 v;

	kernel_a(&v);
	set_block(&v, 0, v.fdt_phys, 0);
	assert_int_equal(populate(&v), 0);
	assert_int_equal(
		kho_memory_init(&v.in, kho_env_check(v.e), count_reserve, NULL),
		0);
	assert_int_equal(kho_env_page(v.e, v.fdt_phys)->private, 0);
	assert_int_equal(kho_env_page(v.e, v.fdt_phys)->refcount, 1);
	assert_null(kho_restore_folio(&v.in, v.fdt_phys));
	assert_non_null(kho_restore_folio(&v.in, page_phys(100)));
	done(&v);
}

/* Make chunk 1 hold order @order alone (kernel_a()'s order-2 block gone). */
static void chunk1_order(struct v1 *v, unsigned int order)
{
	struct khoser_mem_bitmap_ptr *elm = (void *)(v->chunk[1] + 1);

	v->chunk[1]->order = order;
	elm->phys_start = ((ENV_PHYS_BASE >> (order + SHIFT)) / BITS * BITS)
			  << (order + SHIFT);
	memset(v->bitmap[1], 0, PAGE);
}

/*
 * A root FDT in a larger block of kernel A's: the block it begins is taken
 * whole, as a folio; a block it lies inside is left to its owner.
 */
static void test_v1_root_fdt_in_block(void **state)
{
	for (unsigned int order = 1; order <= 8; order++) {
		const uint64_t size = PAGE << order;
		struct v1 v;
		uint64_t base;
		bool head;

		kernel_a(&v);
		chunk1_order(&v, order);
		base = v.fdt_phys & ~(size - 1);
		head = base == v.fdt_phys;
		set_block(&v, 1, base, order);
		assert_int_equal(populate(&v), 0);
		assert_int_equal(kho_memory_init(&v.in, kho_env_check(v.e),
						 count_reserve, NULL),
				 0);
		assert_int_equal(kho_env_page(v.e, base)->refcount,
				 head ? 1 : 0);
		if (head)
			assert_null(kho_restore_folio(&v.in, base));
		else
			assert_non_null(kho_restore_folio(&v.in, base));
		assert_null(kho_restore_folio(&v.in, v.fdt_phys));
		done(&v);
	}
}

static void test_v1_refusals(void **state)
{
	struct v1 v;

	/* The list loops back to its first chunk. */
	kernel_a(&v);
	v.chunk[1]->next = v.chunk_phys[0];
	assert_int_equal(populate(&v), 0);
	assert_int_equal(
		kho_memory_init(&v.in, kho_env_check(v.e), count_reserve, NULL),
		-ELOOP);
	assert_false(v.in.revive);
	assert_false(kho_env_any_stamp(v.e));
	done(&v);

	/* A block past the end of RAM. */
	kernel_a(&v);
	set_block(&v, 0, page_phys(ENV_PAGES + 3), 0);
	assert_int_equal(populate(&v), 0);
	assert_int_equal(
		kho_memory_init(&v.in, kho_env_check(v.e), count_reserve, NULL),
		-EINVAL);
	assert_string_equal(v.in.err.what, "preserved block is not in RAM");
	assert_int_equal(v.in.err.phys, page_phys(ENV_PAGES + 3));
	assert_false(kho_env_any_stamp(v.e));
	done(&v);

	/* The subtree's blob was not preserved: a warning; only it fails. */
	kernel_a(&v);
	memset(v.bitmap[0], 0, PAGE);
	set_block(&v, 0, page_phys(100), 0);
	assert_int_equal(populate(&v), 0);
	assert_int_equal(
		kho_memory_init(&v.in, kho_env_check(v.e), count_reserve, NULL),
		0);
	assert_int_equal(v.in.warn.nr, 1);
	assert_string_equal(v.in.warn.w[0].what,
			    "a subtree's blob is not all in preserved memory");
	assert_non_null(kho_restore_folio(&v.in, page_phys(100)));
	done(&v);

	/* The caller cannot reserve: nothing stays stamped. */
	kernel_a(&v);
	assert_int_equal(populate(&v), 0);
	assert_int_equal(
		kho_memory_init(&v.in, kho_env_check(v.e), fail_reserve, NULL),
		-ENOSPC);
	assert_false(kho_env_any_stamp(v.e));
	assert_null(kho_restore_folio(&v.in, page_phys(200)));
	done(&v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v1_boot),
		cmocka_unit_test(test_v1_root_fdt_taken),
		cmocka_unit_test(test_v1_root_fdt_in_block),
		cmocka_unit_test(test_v1_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
