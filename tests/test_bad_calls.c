// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_bad_calls.c - the format modules' public functions called with an
 * impossible argument (NULL, or a context that was never initialised):
 * each returns -EINVAL and reports it through kho_warn_hook exactly once,
 * touching nothing: a view with a page size no geometry has, and the radix
 * walks without a callback, too. Also a radix
 * tree destroyed twice (a no-op).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <kho/block.h>
#include <kho/kho.h>
#include <kho/kho_memblock.h>
#include <kho/kho_memfd_v1.h>
#include <kho/kho_metadata.h>
#include <kho/kho_test.h>
#include <kho/kho_v1.h>
#include <kho/luo.h>
#include <kho/memfd.h>
#include <kho/radix.h>
#include <kho/version.h>
#include <kho/vmalloc.h>

#include "lib/kho_env.h"

static unsigned int nr_warnings;

static void count_warning(const char *file, int line, const char *what)
{
	nr_warnings++;
}

/* @ret is -EINVAL and the call warned once. */
static void refused(const char *call, int ret)
{
	if (ret != -EINVAL || nr_warnings != 1)
		fail_msg("%s: returned %d with %u warnings, want -EINVAL and 1",
			 call, ret, nr_warnings);
	nr_warnings = 0;
}

#define REFUSED(call) refused(#call, (nr_warnings = 0, call))

static void test_null_arguments(void **state)
{
	struct kho_view view = { .page_shift = 12 }; /* no map() */
	struct kho_luo_session s = { 0 };
	struct kho_luo_out luo = { 0 };
	struct kho_test_out t = { 0 };
	uint64_t phys;

	REFUSED(kho_block_set_init(NULL, NULL, 64));
	REFUSED(kho_block_read(NULL, 0, 64, "t", NULL, NULL, NULL, NULL));
	REFUSED(kho_block_read(&view, 0, 64, "t", NULL, NULL, NULL, NULL));
	REFUSED(kho_memblock_read(NULL, 0, 0, NULL, NULL, NULL, NULL));
	REFUSED(kho_memblock_read(&view, 0, 0, NULL, NULL, NULL, NULL));
	REFUSED(kho_memfd_v1_read(NULL, 0, 0, NULL, NULL, NULL, NULL));
	REFUSED(kho_memfd_v1_read(&view, 0, 0, NULL, NULL, NULL, NULL));
	REFUSED(kho_v1_read(NULL, 0, 8, 1, NULL, NULL, NULL, NULL));
	REFUSED(kho_v1_read(&view, 0, 8, 1, NULL, NULL, NULL, NULL));
	REFUSED(kho_test_preserve(NULL, NULL, 0, KHO_CSUM_X86_64, &t));
	REFUSED(kho_luo_out_init(NULL, NULL, 0));
	/* A kho_luo_out that kho_luo_out_init() never filled in. */
	REFUSED(kho_luo_session_create(&luo, &s, "s"));
	REFUSED(kho_luo_session_add_file(&s, "c", 0, 1));
	REFUSED(kho_luo_add_flb(&luo, "f", 0, 1));
	REFUSED(kho_luo_read(NULL, 0, 0, NULL, NULL, NULL));
	REFUSED(kho_luo_read(&view, 0, 0, NULL, NULL, NULL));
	REFUSED(kho_memfd_preserve(NULL, NULL, &phys));
	REFUSED(kho_memfd_read(NULL, 0, NULL, NULL, NULL, NULL));
	REFUSED(kho_memfd_read(&view, 0, NULL, NULL, NULL, NULL));
	REFUSED(kho_memfd_restore(NULL, 0, NULL, NULL, NULL, NULL));
}

static unsigned char view_mem[1 << 16];

static const void *view_map(void *ctx, uint64_t phys, uint64_t len)
{
	if (phys > sizeof(view_mem) || len > sizeof(view_mem) - phys)
		return NULL;
	return view_mem + phys;
}

/*
 * A view whose page size no geometry has: every decoder refuses it before
 * it reads anything (a shift of 64 was undefined behaviour in several).
 */
static void test_view_bad_page_shift(void **state)
{
	static const unsigned int shifts[] = { 0, 11, 17, 63, 64, 200 };
	struct kho_view view = { .map = view_map };
	struct kho_vmalloc vm = { 0 };
	struct kho_error err;
	unsigned int i;
	uint32_t csum;

	for (i = 0; i < sizeof(shifts) / sizeof(shifts[0]); i++) {
		view.page_shift = shifts[i];
		REFUSED(kho_block_read(&view, 0x1000, 16, "t", NULL, NULL, NULL,
				       &err));
		REFUSED(kho_memblock_read(&view, 0x1000, 4096, NULL, NULL, NULL,
					  &err));
		REFUSED(kho_memfd_v1_read(&view, 0x1000, 4096, NULL, NULL, NULL,
					  &err));
		REFUSED(kho_metadata_read(&view, 0x1000, &(uint64_t){ 4096 },
					  NULL, &err));
		REFUSED(kho_test_read(&view, 0x1000, 4096, NULL, NULL, NULL,
				      &err));
		REFUSED(kho_test_verify(&view, 0x1000, 4096, KHO_CSUM_X86_64,
					&csum, &err));
		REFUSED(kho_v1_read(&view, 0x1000, 64, 100, NULL, NULL, NULL,
				    &err));
		REFUSED(kho_luo_read(&view, 0x1000, 4096, NULL, NULL, &err));
		REFUSED(kho_memfd_read(&view, 0x1000, NULL, NULL, NULL, &err));
		REFUSED(kho_vmalloc_read(&view, &vm, NULL, NULL, &err));
	}
}

/* The page one_page_tree() preserves: the 41st of the RAM at 1 GiB. */
#define ONE_PAGE (((1ULL << 30) >> 12) + 40)

/* A tree of 4 KiB pages in @t holding ONE_PAGE; the environment it uses. */
static struct kho_env *one_page_tree(struct kho_radix_tree *t)
{
	struct kho_env *e = kho_env_create(12, 1ULL << 30, 64);

	assert_non_null(e);
	assert_int_equal(kho_radix_init(t, &e->geo, &e->ops.mem), 0);
	assert_int_equal(kho_radix_add_page(t, ONE_PAGE, 0), 0);
	return e;
}

/* The radix walks without a callback, and the stats without a result. */
static void test_radix_null_callbacks(void **state)
{
	struct kho_radix_tree t;
	struct kho_env *e = one_page_tree(&t);

	REFUSED(kho_radix_walk(&t, NULL, NULL));
	REFUSED(kho_radix_walk_ranges(&t, NULL, NULL));
	REFUSED(kho_radix_walk_range_batches(&t, NULL, NULL));
	REFUSED(kho_radix_walk_tree(&t, NULL, NULL));
	REFUSED(kho_radix_get_stats(&t, NULL));
	/* The lock was not left taken: the tree still works. */
	assert_true(kho_radix_test_page(&t, ONE_PAGE, 0));
	kho_radix_destroy(&t);
	kho_env_destroy(e);
}

/* A tree destroyed twice: the second call finds nothing and frees nothing. */
static void test_radix_destroy_twice(void **state)
{
	struct kho_radix_tree t;
	struct kho_env *e = one_page_tree(&t);

	kho_radix_destroy(&t);
	assert_int_equal(e->live_pages, 0);
	kho_radix_destroy(&t);
	assert_int_equal(e->live_pages, 0);
	assert_int_equal(e->bad_frees, 0);
	kho_env_destroy(e);
}

/*
 * The two calls that return no errno: an empty range has no block order
 * (0), and no FDT names no version (NULL); each warns once.
 */
static void test_no_errno_refusals(void **state)
{
	nr_warnings = 0;
	assert_int_equal(kho_range_block_order(8, 8), 0);
	assert_int_equal(nr_warnings, 1);
	assert_int_equal(kho_range_block_order(9, 3), 0);
	assert_int_equal(nr_warnings, 2);
	assert_null(kho_abi_of_fdt(NULL));
	assert_int_equal(nr_warnings, 3);
	nr_warnings = 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_null_arguments),
		cmocka_unit_test(test_view_bad_page_shift),
		cmocka_unit_test(test_radix_destroy_twice),
		cmocka_unit_test(test_radix_null_callbacks),
		cmocka_unit_test(test_no_errno_refusals),
	};

	kho_warn_hook = count_warning;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
