// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_kho_metadata.c - kexec-metadata (lib/kho_metadata.c): the kernel's
 * own acceptance rules (blob-size >= 4, version 1, blob-size >= 73), the
 * release cut as strscpy() cuts it, unmapped blobs, own(), and the writer
 * with every allocation failing in turn.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <kho/block.h>
#include <kho/kho.h>
#include <kho/kho_metadata.h>

#include "lib/flat_view.h"
#include "lib/kho_env.h"

#define BLOB (FLAT_BASE + 0x100)
/* A blob-size, as kho_metadata_read() takes it (NULL: the version has none). */
#define SIZE(n) (&(const uint64_t){ (n) })

static void put_blob(struct flat *f, uint32_t version, const char *release,
		     uint32_t count)
{
	struct kho_kexec_metadata md;

	memset(&md, 0, sizeof(md));
	md.version = version;
	memcpy(md.previous_release, release,
	       strnlen(release, sizeof(md.previous_release)));
	md.kexec_count = count;
	memcpy(f->mem + (BLOB - FLAT_BASE), &md, sizeof(md));
}

static void test_read_good(void **state)
{
	struct kho_view v;
	struct flat *f = flat_new(&v);
	struct kho_metadata_info info;

	put_blob(f, 1, "7.3.4", 3);
	assert_int_equal(kho_metadata_read(&v, BLOB, SIZE(73), &info, NULL), 0);
	assert_int_equal(info.version, 1);
	assert_string_equal(info.previous_release, "7.3.4");
	assert_true(info.release_terminated);
	assert_int_equal(info.kexec_count, 3);
	assert_int_equal(f->own_phys, BLOB);
	assert_int_equal(f->own_len, 73);
	assert_string_equal(f->own_what, "kexec-metadata");
	/* kho-v2: no blob-size, the whole struct is read. */
	assert_int_equal(kho_metadata_read(&v, BLOB, NULL, NULL, NULL), 0);
	/* A larger blob-size is fine: the kernel only needs 73. */
	assert_int_equal(kho_metadata_read(&v, BLOB, SIZE(4096), &info, NULL),
			 0);
	free(f);
}

static void test_read_refused(void **state)
{
	struct kho_view v;
	struct flat *f = flat_new(&v);
	struct kho_metadata_info info;
	struct kho_error err;

	put_blob(f, 1, "7.3.4", 1);
	/* blob-size below the version: kexec_handover.c:1743; 0 too */
	assert_int_equal(kho_metadata_read(&v, BLOB, SIZE(0), &info, &err),
			 -EINVAL);
	assert_string_equal(err.property, "blob-size");
	assert_int_equal(kho_metadata_read(&v, BLOB, SIZE(3), &info, &err),
			 -EINVAL);
	assert_string_equal(err.property, "blob-size");
	assert_int_equal(err.phys, BLOB);
	/* below 73 with version 1: kexec_handover.c:1757 */
	assert_int_equal(kho_metadata_read(&v, BLOB, SIZE(72), &info, &err),
			 -EINVAL);
	assert_string_equal(err.property, "blob-size");
	assert_int_equal(info.version, 1);
	/* another version: kexec_handover.c:1751 */
	put_blob(f, 2, "7.3.4", 1);
	assert_int_equal(kho_metadata_read(&v, BLOB, SIZE(73), &info, &err),
			 -EINVAL);
	assert_string_equal(err.property, "version");
	assert_int_equal(info.version, 2);
	/* not mapped: past the end, and straddling it */
	assert_int_equal(kho_metadata_read(&v, FLAT_BASE + FLAT_LEN, SIZE(73),
					   NULL, &err),
			 -EFAULT);
	assert_int_equal(err.phys, FLAT_BASE + FLAT_LEN);
	put_blob(f, 1, "x", 1);
	memcpy(f->mem + FLAT_LEN - 4, f->mem + (BLOB - FLAT_BASE), 4);
	assert_int_equal(kho_metadata_read(&v, FLAT_BASE + FLAT_LEN - 4,
					   SIZE(73), NULL, &err),
			 -EFAULT);
	/* own() refusing: its return comes back, and the blob is named */
	f->own_ret = -EPERM;
	assert_int_equal(kho_metadata_read(&v, BLOB, SIZE(73), NULL, &err),
			 -EPERM);
	assert_string_equal(err.what,
			    "the kexec-metadata blob is not preserved memory");
	assert_int_equal(err.phys, BLOB);
	free(f);
}

/* 65 bytes without a NUL: cut to 64 as strscpy() does, accepted. */
static void test_read_unterminated(void **state)
{
	struct kho_view v;
	struct flat *f = flat_new(&v);
	struct kho_metadata_info info;
	char rel[KHO_KEXEC_RELEASE_LEN + 1];

	memset(rel, 'r', KHO_KEXEC_RELEASE_LEN);
	rel[KHO_KEXEC_RELEASE_LEN] = '\0';
	put_blob(f, 1, rel, 9);
	assert_int_equal(kho_metadata_read(&v, BLOB, SIZE(73), &info, NULL), 0);
	assert_false(info.release_terminated);
	assert_int_equal(strlen(info.previous_release),
			 KHO_KEXEC_RELEASE_LEN - 1);
	assert_int_equal(info.kexec_count, 9);
	free(f);
}

static int reserve_nothing(uint64_t start, uint64_t end, void *arg)
{
	return 0;
}

/* The writer: kernel A's blob, read back through kernel B's view. */
static void test_preserve(void **state)
{
	struct kho_env *e = kho_env_create(12, 0x100000000ULL, 512);
	struct kho_metadata_info info;
	struct kho_scratch *array;
	struct kho_out out;
	struct kho_in in;
	struct kho_view v;
	uint64_t phys, got, size, live;

	assert_non_null(e);
	kho_env_add_scratch(e, 0, 16);
	assert_int_equal(
		kho_out_init(&out, &e->geo, &e->ops, e->scratch, e->nr_scratch),
		0);
	/* The allocation fails: nothing leaks, nothing is added. */
	live = e->live_pages;
	kho_env_fail_nth(e, 1);
	assert_int_equal(kho_metadata_preserve(&out, "7.3.4", 1, &phys),
			 -ENOMEM);
	assert_false(kho_env_fail_pending(e));
	assert_int_equal(e->live_pages, live);
	assert_int_equal(kho_metadata_preserve(&out, "7.3.4-libkho", 5, &phys),
			 0);
	/* A second one is refused by the FDT, and undone. */
	live = e->live_pages;
	assert_int_equal(kho_metadata_preserve(&out, "x", 1, NULL), -EEXIST);
	assert_int_equal(e->live_pages, live);

	array = kho_env_alloc(e, 0);
	assert_non_null(array);
	memcpy(array, e->scratch, sizeof(*array));
	kho_env_reboot(e);
	memset(&in, 0, sizeof(in));
	assert_int_equal(kho_populate(&in, &e->geo, &e->ops, out.fdt_phys,
				      e->page_size, kho_env_phys(e, array),
				      sizeof(*array)),
			 0);
	assert_int_equal(
		kho_memory_init(&in, kho_env_check(e), reserve_nothing, NULL),
		0);
	assert_int_equal(
		kho_retrieve_subtree(&in, KHO_KEXEC_METADATA_NAME, &got, &size),
		0);
	assert_int_equal(got, phys);
	assert_int_equal(size, 73);
	kho_in_view(&in, &v);
	assert_int_equal(kho_metadata_read(&v, got, SIZE(size), &info, NULL),
			 0);
	assert_string_equal(info.previous_release, "7.3.4-libkho");
	assert_int_equal(info.kexec_count, 5);
	/* kernel B's view owns only preserved memory: one byte on is not. */
	assert_int_not_equal(
		kho_metadata_read(&v, got + e->page_size, SIZE(73), NULL, NULL),
		0);
	kho_in_destroy(&in);
	kho_out_destroy(&out);
	kho_env_free(e, array, 0);
	kho_env_destroy(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_good),
		cmocka_unit_test(test_read_refused),
		cmocka_unit_test(test_read_unterminated),
		cmocka_unit_test(test_preserve),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
