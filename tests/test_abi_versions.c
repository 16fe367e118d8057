// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_abi_versions.c - the table of KHO ABI versions and what each one
 * decides: compatible strings, subtree properties, the tree's depth per
 * page size (kho-v2's 4 levels on 16 KiB pages), and how kho-v2's 16 KiB
 * tree is written (no order-0 keys, blobs of two pages) and read (an
 * order-0 key a kho-v2 kernel truncated is refused with the reason); a
 * root whose compatible lists several versions is read as the newest, as
 * Linux 7.3 reads one that lists "kho-v4".
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libfdt.h>

#include <kho/kho.h>
#include <kho/validate.h>
#include <kho/version.h>

#include "lib/kho_env.h"

#define ENV_PHYS_BASE 0x100000000ULL
#define ENV_PAGES 256

static void test_table(void **state)
{
	const struct kho_abi_version *v;
	unsigned int i = 0, n = 0;

	while ((v = kho_abi_for_each(&i))) {
		n++;
		assert_int_equal(v->abi, n);
		assert_ptr_equal(kho_abi_find(v->name), v);
		assert_ptr_equal(kho_abi_get(v->abi), v);
	}
	assert_int_equal(n, 4);
	assert_null(kho_abi_find("kho-v5"));
	assert_null(kho_abi_find(NULL));
	assert_null(kho_abi_get(0));

	v = kho_abi_get(KHO_ABI_DEFAULT);
	assert_string_equal(v->name, "kho-v4");
	assert_string_equal(v->sub_prop, "preserved-data");
	assert_string_equal(v->size_prop, "blob-size");
	assert_true(v->size_required && v->blocks);
	assert_int_equal(v->memfd, KHO_MEMFD_LUO);
	assert_string_equal(v->luo_compatible, "luo-v5");
	assert_string_equal(v->memfd_compatible, "memfd-v2");

	v = kho_abi_get(KHO_ABI_V3);
	assert_string_equal(v->size_prop, "blob-size");
	assert_false(v->blocks);
	assert_int_equal(v->memfd, KHO_MEMFD_SUBTREE);

	v = kho_abi_get(KHO_ABI_V2);
	assert_null(v->size_prop);
	assert_true(v->depth_from_order0);

	v = kho_abi_get(KHO_ABI_V1);
	assert_string_equal(v->sub_prop, "fdt");
	assert_int_equal(v->mem_map, KHO_MEM_MAP_CHUNKS);
}

static void test_depths(void **state)
{
	/* Levels per version (rows) and page size (4, 16, 64 KiB). */
	static const unsigned int depth[][3] = {
		[KHO_ABI_V2] = { 6, 4, 4 },
		[KHO_ABI_V3] = { 6, 5, 4 },
		[KHO_ABI_V4] = { 6, 5, 4 },
	};
	struct kho_geometry geo;

	for (enum kho_abi a = KHO_ABI_V2; a <= KHO_ABI_V4; a++) {
		for (unsigned int s = 0; s < 3; s++) {
			unsigned int shift = 12 + 2 * s;

			assert_int_equal(kho_geometry_init_abi(&geo, shift,
							       kho_abi_get(a)),
					 0);
			assert_int_equal(geo.depth, depth[a][s]);
			assert_int_equal(kho_geometry_truncates_order0(&geo),
					 a == KHO_ABI_V2 && shift == 14);
		}
	}
	/* kho-v2, 16 KiB: 4 levels cover 17 + 3 * 11 = 50 key bits. */
	kho_geometry_init_abi(&geo, 14, kho_abi_get(KHO_ABI_V2));
	assert_int_equal(geo.key_width, 50);
	assert_int_equal(
		kho_geometry_init_abi(&geo, 12, kho_abi_get(KHO_ABI_V1)),
		-EINVAL);
	assert_int_equal(
		kho_geometry_init_abi(&geo, 13, kho_abi_get(KHO_ABI_V4)),
		-EINVAL);
}

/* kho-v2, 16 KiB pages: what its tree cannot hold is never written. */
static void test_v2_16k_writer(void **state)
{
	struct kho_env *e = kho_env_create(14, ENV_PHYS_BASE, ENV_PAGES);
	struct kho_out out;
	void *blob;

	assert_non_null(e);
	assert_int_equal(kho_out_init_abi(&out, &e->geo, &e->ops, NULL, 0,
					  kho_abi_get(KHO_ABI_V2)),
			 0);
	assert_int_equal(out.geo.depth, 4);
	assert_int_equal(
		kho_preserve_folio(&out, ENV_PHYS_BASE + 64 * 16384, 0),
		-ERANGE);
	assert_int_equal(
		kho_preserve_folio(&out, ENV_PHYS_BASE + 64 * 16384, 1), 0);
	/*
	 * Page runs too: one that splits off an order-0 block is refused
	 * (it was once written with its order bit truncated, read back as
	 * an order-32 block far outside RAM), one of even ends is not.
	 */
	assert_int_equal(
		kho_preserve_pages(&out, ENV_PHYS_BASE + 66 * 16384, 1),
		-ERANGE);
	assert_int_equal(
		kho_preserve_pages(&out, ENV_PHYS_BASE + 66 * 16384, 3),
		-ERANGE);
	assert_int_equal(
		kho_preserve_pages(&out, ENV_PHYS_BASE + 67 * 16384, 2),
		-ERANGE);
	assert_false(
		kho_radix_test_page(&out.tree, (ENV_PHYS_BASE >> 14) + 66, 1));
	assert_int_equal(
		kho_preserve_pages(&out, ENV_PHYS_BASE + 66 * 16384, 6), 0);
	assert_true(
		kho_radix_test_page(&out.tree, (ENV_PHYS_BASE >> 14) + 66, 1));
	assert_true(
		kho_radix_test_page(&out.tree, (ENV_PHYS_BASE >> 14) + 68, 2));
	assert_int_equal(
		kho_unpreserve_pages(&out, ENV_PHYS_BASE + 66 * 16384, 6), 0);
	/* The root FDT and blobs take an order-1 block. */
	assert_true(kho_radix_test_page(&out.tree, out.fdt_phys >> 14, 1));
	blob = kho_alloc_preserve(&out, 100);
	assert_non_null(blob);
	assert_true(
		kho_radix_test_page(&out.tree, kho_env_phys(e, blob) >> 14, 1));
	assert_int_equal(kho_add_subtree(&out, "b", blob, 100), 0);
	kho_remove_subtree(&out, blob);
	kho_unpreserve_free(&out, blob);
	kho_out_destroy(&out);
	assert_int_equal(e->live_pages, 0);
	kho_env_destroy(e);
}

/* An FDT whose root's compatible is @len bytes of @list. */
static void *root_compatible(const char *list, int len)
{
	void *fdt = malloc(4096);

	assert_non_null(fdt);
	assert_int_equal(fdt_create_empty_tree(fdt, 4096), 0);
	if (len)
		assert_int_equal(fdt_setprop(fdt, 0, "compatible", list, len),
				 0);
	return fdt;
}

static void test_compatible_lists(void **state)
{
	static const struct {
		const char *list;
		int len;
		enum kho_abi abi; /* 0: none */
	} cases[] = {
		{ "kho-v4", 7, KHO_ABI_V4 },
		{ "kho-v2\0kho-v4", 14, KHO_ABI_V4 },
		{ "kho-v4\0kho-v2", 14, KHO_ABI_V4 },
		{ "vendor,kho\0kho-v3", 18, KHO_ABI_V3 },
		{ "kho-v1\0kho-v2", 14, KHO_ABI_V2 },
		{ "kho-v5", 7, 0 },
		{ "", 0, 0 },
	};
	struct kho_env *e = kho_env_create(14, ENV_PHYS_BASE, ENV_PAGES);
	struct kho_out out;
	struct kho_in in;
	void *fdt;

	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fdt = root_compatible(cases[i].list, cases[i].len);
		if (cases[i].abi)
			assert_ptr_equal(kho_abi_of_fdt(fdt),
					 kho_abi_get(cases[i].abi));
		else
			assert_null(kho_abi_of_fdt(fdt));
		free(fdt);
	}

	/*
	 * End to end, on 16 KiB pages where kho-v2's tree has one level less:
	 * a kho-v4 handover whose root also names kho-v2 is read as kho-v4,
	 * its order-0 block found where kernel A put it.
	 */
	assert_non_null(e);
	kho_env_add_scratch(e, 0, 16);
	assert_int_equal(
		kho_out_init(&out, &e->geo, &e->ops, e->scratch, e->nr_scratch),
		0);
	assert_int_equal(
		kho_preserve_folio(&out, ENV_PHYS_BASE + 64 * 16384, 0), 0);
	assert_int_equal(fdt_open_into(out.fdt, out.fdt, 16384), 0);
	assert_int_equal(
		fdt_setprop(out.fdt, 0, "compatible", "kho-v2\0kho-v4", 14), 0);
	assert_int_equal(kho_env_kexec(e, out.fdt_phys, &in, NULL), 0);
	assert_ptr_equal(in.abi, kho_abi_get(KHO_ABI_V4));
	assert_non_null(kho_restore_folio(&in, ENV_PHYS_BASE + 64 * 16384));
	kho_in_destroy(&in);
	kho_out_destroy(&out);
	kho_env_destroy(e);
}

/* The leaf word holding @key, walking down from the root (nodes exist). */
static uint64_t *leaf_word(struct kho_env *e, const struct kho_geometry *geo,
			   uint64_t root, uint64_t key)
{
	uint64_t *node = kho_env_va(e, root);
	unsigned int level;

	for (level = geo->depth - 1; level; level--) {
		unsigned int shift =
			geo->bitmap_bits + (level - 1) * geo->table_bits;
		uint64_t idx = (key >> shift) & ((1ULL << geo->table_bits) - 1);

		assert_true(node[idx] != 0);
		node = kho_env_va(e, node[idx]);
	}
	return &node[(key & ((1ULL << geo->bitmap_bits) - 1)) / 64];
}

/*
 * A kho-v2 kernel wrote order-0 page p's key as p (its order bit dropped):
 * it reads as a block of a large order far outside RAM, and is refused with
 * the reason.
 */
static void test_v2_16k_truncated_order0_refused(void **state)
{
	struct kho_env *e = kho_env_create(14, ENV_PHYS_BASE, ENV_PAGES);
	struct kho_tree_check *chk;
	struct kho_out out;
	uint64_t page = ENV_PHYS_BASE + 200 * 16384, key = page >> 14;

	assert_non_null(e);
	assert_int_equal(kho_out_init_abi(&out, &e->geo, &e->ops, NULL, 0,
					  kho_abi_get(KHO_ABI_V2)),
			 0);
	/* Build the path with a block whose key shares its leaf's nodes... */
	assert_int_equal(kho_radix_add_key(&out.tree, key ^ 1), 0);
	/* ... then set the truncated key's bit as the old kernel did. */
	*leaf_word(e, &out.geo, kho_radix_root_phys(&out.tree), key) |=
		1ULL << (key % 64);
	chk = kho_env_check(e);
	assert_int_equal(kho_radix_validate(&out.tree, chk), -ERANGE);
	assert_non_null(strstr(chk->err.what, "kho-v2 on 16 KiB pages"));
	kho_out_destroy(&out);
	kho_env_destroy(e);
}

/*
 * An order-1 block at p in kho-v2 on 16 KiB pages has key 2^49 | p >> 15,
 * which is also the truncated key of the order-0 page at key << 14: with
 * RAM there too, the key cannot be told apart and is refused.
 */
static void test_v2_16k_order0_reading_in_ram(void **state)
{
	struct kho_env *e = kho_env_create(14, ENV_PHYS_BASE, ENV_PAGES);
	uint64_t block = ENV_PHYS_BASE + 200 * 16384, key, *seen;
	struct kho_tree_check chk = { 0 };
	struct kho_mem_region ram[2];
	struct kho_out out;

	assert_non_null(e);
	assert_int_equal(kho_out_init_abi(&out, &e->geo, &e->ops, NULL, 0,
					  kho_abi_get(KHO_ABI_V2)),
			 0);
	assert_int_equal(kho_preserve_folio(&out, block, 1), 0);
	key = kho_key_encode(&out.geo, block, 1);
	ram[0] = e->ram;
	ram[1] = (struct kho_mem_region){ key << 14, (key << 14) + 16384 };
	seen = calloc(kho_tree_check_words(ram, 2, 14), sizeof(*seen));
	assert_non_null(seen);
	chk.ram = ram;
	chk.nr_ram = 1;
	chk.seen = seen;
	assert_int_equal(kho_radix_validate(&out.tree, &chk), 0);
	memset(seen, 0, kho_tree_check_words(ram, 2, 14) * sizeof(*seen));
	chk.nr_ram = 2;
	assert_int_equal(kho_radix_validate(&out.tree, &chk), -EINVAL);
	assert_non_null(strstr(chk.err.what, "kho-v2 on 16 KiB pages: this key "
					     "is also the truncated key"));
	assert_int_equal(chk.err.phys, block);
	assert_int_equal(chk.err.level, 0);
	assert_int_equal(chk.err.index,
			 key & ((1ULL << out.geo.bitmap_bits) - 1));
	free(seen);
	kho_out_destroy(&out);
	kho_env_destroy(e);
}

/*
 * Audit of every call that names a block by (pfn, order) or a page run,
 * on kho-v2's 16 KiB-page tree: the order-1 block at p has key
 * 2^49 | p >> 15, which is also the truncated key of the order-0 page
 * whose frame number is that key. No call may read, clear or test that
 * bit for the order-0 page: each refuses (-ERANGE, false, NULL or key 0)
 * and the tree keeps its block.
 */
static void test_v2_16k_order0_never_reaches_a_key(void **state)
{
	struct kho_env *e = kho_env_create(14, ENV_PHYS_BASE, ENV_PAGES);
	uint64_t block = ENV_PHYS_BASE + 200 * 16384, pfn, key, word;
	struct kho_radix_stats st;
	struct kho_out out;
	struct kho_in in;
	void *run;

	assert_non_null(e);
	kho_env_add_scratch(e, 16, 16);
	assert_int_equal(kho_out_init_abi(&out, &e->geo, &e->ops, e->scratch,
					  e->nr_scratch,
					  kho_abi_get(KHO_ABI_V2)),
			 0);
	assert_int_equal(kho_preserve_folio(&out, block, 1), 0);
	key = kho_key_encode(&out.geo, block, 1);
	assert_int_equal(key, 1ULL << 49 | block >> 15);
	/* The order-0 page whose truncated key is @key. */
	pfn = key;
	word = *leaf_word(e, &out.geo, kho_radix_root_phys(&out.tree), key);
	assert_int_equal(kho_radix_get_stats(&out.tree, &st), 0);
	assert_int_equal(st.nr_blocks, 2); /* the block and the root FDT */

	/* Its key does not fit the tree: 0, and the raw key API refuses it. */
	assert_int_equal(kho_key_encode(&out.geo, pfn << 14, 0), 0);
	assert_int_equal(kho_radix_add_key(&out.tree, 1ULL << 50 | pfn),
			 -ERANGE);
	assert_int_equal(kho_radix_del_key(&out.tree, 1ULL << 50 | pfn),
			 -ERANGE);
	/* Single blocks, runs of blocks, page runs: refused. */
	assert_false(kho_radix_test_page(&out.tree, pfn, 0));
	assert_int_equal(kho_radix_del_page(&out.tree, pfn, 0), -ERANGE);
	assert_int_equal(kho_radix_add_page(&out.tree, pfn, 0), -ERANGE);
	assert_int_equal(kho_radix_del_blocks(&out.tree, pfn, 1, 0), -ERANGE);
	assert_int_equal(kho_radix_add_blocks(&out.tree, pfn, 1, 0), -ERANGE);
	assert_int_equal(kho_radix_del_range(&out.tree, pfn, 1), -ERANGE);
	assert_int_equal(kho_radix_del_range(&out.tree, pfn - 1, 2), -ERANGE);
	assert_int_equal(kho_radix_add_range(&out.tree, pfn, 1), -ERANGE);
	assert_int_equal(kho_unpreserve_folio(&out, pfn << 14, 0), -ERANGE);
	assert_int_equal(kho_unpreserve_pages(&out, pfn << 14, 1), -ERANGE);
	assert_int_equal(kho_unpreserve_pages(&out, pfn << 14, 3), -ERANGE);
	/* The same for the block's own first page. */
	assert_false(kho_radix_test_page(&out.tree, block >> 14, 0));
	assert_int_equal(kho_radix_del_page(&out.tree, block >> 14, 0),
			 -ERANGE);
	assert_int_equal(kho_unpreserve_pages(&out, block, 1), -ERANGE);
	/* Nothing changed: the same bit, the same blocks. */
	assert_int_equal(
		*leaf_word(e, &out.geo, kho_radix_root_phys(&out.tree), key),
		word);
	assert_true(kho_radix_test_page(&out.tree, block >> 14, 1));
	assert_int_equal(kho_radix_get_stats(&out.tree, &st), 0);
	assert_int_equal(st.nr_blocks, 2);

	/*
	 * Restore: the walk of that tree yields no order-0 block, so an
	 * order-0 restore finds no stamp and takes nothing; the real blocks
	 * are still there afterwards.
	 */
	run = kho_env_alloc(e, 2);
	assert_non_null(run);
	assert_int_equal(kho_preserve_pages(&out, kho_env_phys(e, run), 4), 0);
	assert_int_equal(kho_env_kexec(e, out.fdt_phys, &in, NULL), 0);
	assert_null(kho_restore_folio(&in, block + 16384));
	assert_null(kho_restore_pages(&in, block, 1));
	assert_null(kho_restore_pages(&in, block + 16384, 1));
	assert_null(kho_restore_pages(&in, kho_env_phys(e, run), 3));
	assert_null(kho_restore_pages(&in, kho_env_phys(e, run) + 16384, 3));
	assert_non_null(kho_restore_folio(&in, block));
	assert_non_null(kho_restore_pages(&in, kho_env_phys(e, run), 4));
	kho_in_destroy(&in);
	kho_out_destroy(&out);
	kho_env_destroy(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_depths),
		cmocka_unit_test(test_v2_16k_writer),
		cmocka_unit_test(test_compatible_lists),
		cmocka_unit_test(test_v2_16k_truncated_order0_refused),
		cmocka_unit_test(test_v2_16k_order0_reading_in_ram),
		cmocka_unit_test(test_v2_16k_order0_never_reaches_a_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
