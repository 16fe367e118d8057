// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_kho_memblock.c - memblock-v1 (lib/kho_memblock.c): the kernel's own
 * blob (start and size, nothing else) is read; libkho's extra property is
 * ignored; every malformed node is refused naming its index and property;
 * the writer writes what prepare_kho_fdt() writes.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>
#include <libfdt.h>

#include <kho/kho_memblock.h>

#include "lib/flat_view.h"

#define BLOB FLAT_BASE

/* Damage to apply to region 1 while writing by hand. */
enum damage {
	NONE,
	NO_START,
	SHORT_SIZE,
	BAD_COMPAT,
	WRAPS,
	BAD_ROOT,
	NO_NAME,
};

/* The kernel's blob (mm/memblock.c:2660-2673), optionally damaged. */
static int write_kernel_blob(void *fdt, enum damage d)
{
	uint64_t start[2] = { 0x3fa79000, 0x3fa30000 };
	uint64_t size[2] = { 0x100000, 0x40000 };
	const char *name[2] = { "kho_rm1", "kho_rm2" };
	int err;

	err = fdt_create(fdt, 4096);
	err |= fdt_finish_reservemap(fdt);
	err |= fdt_begin_node(fdt, "");
	err |= fdt_property_string(fdt, "compatible",
				   d == BAD_ROOT ? "memblock-v2" :
						   "memblock-v1");
	for (int i = 0; i < 2; i++) {
		bool hit = i == 1;

		err |= fdt_begin_node(fdt, hit && d == NO_NAME ? "" : name[i]);
		err |= fdt_property_string(fdt, "compatible",
					   hit && d == BAD_COMPAT ?
						   "reserve-mem-v0" :
						   "reserve-mem-v1");
		if (hit && d == WRAPS)
			start[i] = UINT64_MAX - 4095;
		if (!(hit && d == NO_START))
			err |= fdt_property(fdt, "start", &start[i], 8);
		err |= fdt_property(fdt, "size", &size[i],
				    hit && d == SHORT_SIZE ? 4 : 8);
		err |= fdt_end_node(fdt);
	}
	err |= fdt_end_node(fdt);
	err |= fdt_finish(fdt);
	return err;
}

struct seen {
	unsigned int n;
	char name[4][16];
	uint64_t start[4], size[4];
	int stop_at;
};

static int region_cb(const struct kho_memblock_region *r, void *arg)
{
	struct seen *s = arg;

	assert_int_equal(r->index, s->n);
	snprintf(s->name[s->n], sizeof(s->name[0]), "%s", r->name);
	s->start[s->n] = r->start;
	s->size[s->n] = r->size;
	s->n++;
	return s->n == (unsigned int)s->stop_at ? -ECANCELED : 0;
}

static void test_kernel_blob(void **state)
{
	struct kho_memblock_info info;
	struct seen s = { 0 };
	struct kho_view v;
	struct flat *f = flat_new(&v);

	assert_int_equal(write_kernel_blob(f->mem, NONE), 0);
	assert_int_equal(kho_memblock_read(&v, BLOB, fdt_totalsize(f->mem),
					   region_cb, &s, &info, NULL),
			 0);
	assert_int_equal(info.nr_regions, 2);
	assert_int_equal(info.fdt_size, fdt_totalsize(f->mem));
	assert_int_equal(s.n, 2);
	assert_string_equal(s.name[0], "kho_rm1");
	assert_int_equal(s.start[1], 0x3fa30000);
	assert_int_equal(s.size[1], 0x40000);
	assert_int_equal(f->own_phys, BLOB);
	assert_int_equal(f->own_len, fdt_totalsize(f->mem));
	assert_string_equal(f->own_what, "memblock");
	/* kho-v2 (no blob-size): the header's totalsize. */
	assert_int_equal(kho_memblock_read(&v, BLOB, 0, NULL, NULL, NULL, NULL),
			 0);
	/* A callback stopping: its value comes back. */
	memset(&s, 0, sizeof(s));
	s.stop_at = 1;
	assert_int_equal(
		kho_memblock_read(&v, BLOB, 0, region_cb, &s, NULL, NULL),
		-ECANCELED);
	assert_int_equal(s.n, 1);
	f->own_ret = -EPERM;
	assert_int_equal(kho_memblock_read(&v, BLOB, 0, NULL, NULL, NULL, NULL),
			 -EPERM);
	free(f);
}

static void expect_refused(enum damage d, const char *property, long index)
{
	struct kho_error err;
	struct seen s = { 0 };
	struct kho_view v;
	struct flat *f = flat_new(&v);

	assert_int_equal(write_kernel_blob(f->mem, d), 0);
	assert_int_equal(
		kho_memblock_read(&v, BLOB, 0, region_cb, &s, NULL, &err),
		-EINVAL);
	/* Checked whole before anybody hears of a region. */
	assert_int_equal(s.n, 0);
	assert_int_equal(f->own_len, 0);
	if (property)
		assert_string_equal(err.property, property);
	else
		assert_null(err.property);
	assert_int_equal(err.phys, BLOB);
	assert_int_equal(err.index, index);
	assert_non_null(err.what);
	free(f);
}

static void test_refused(void **state)
{
	expect_refused(NO_START, "start", 1);
	expect_refused(SHORT_SIZE, "size", 1);
	expect_refused(BAD_COMPAT, "compatible", 1);
	expect_refused(WRAPS, "size", 1);
	expect_refused(BAD_ROOT, "compatible", KHO_ERR_NO_INDEX);
	/* A region is named by its node: the name is what the kernel finds. */
	expect_refused(NO_NAME, NULL, 1);
}

static void test_refused_blob(void **state)
{
	struct kho_error err;
	struct kho_view v;
	struct flat *f = flat_new(&v);

	/* Not an FDT. */
	assert_int_equal(kho_memblock_read(&v, BLOB, 0, NULL, NULL, NULL, &err),
			 -EINVAL);
	assert_string_equal(err.what, "the memblock blob is not an FDT of "
				      "version 16 or later");
	/* Larger than its blob-size. */
	assert_int_equal(write_kernel_blob(f->mem, NONE), 0);
	assert_int_equal(
		kho_memblock_read(&v, BLOB, 64, NULL, NULL, NULL, &err),
		-EINVAL);
	assert_string_equal(err.property, "blob-size");
	assert_string_equal(err.what,
			    "the memblock FDT is larger than its blob-size");
	/* Not mapped, and running off the end of memory. */
	assert_int_equal(kho_memblock_read(&v, BLOB + FLAT_LEN, 0, NULL, NULL,
					   NULL, &err),
			 -EFAULT);
	assert_string_equal(err.what, "the memblock blob is not in memory");
	memmove(f->mem + FLAT_LEN - 256, f->mem, 256);
	assert_int_equal(kho_memblock_read(&v, BLOB + FLAT_LEN - 256, 0, NULL,
					   NULL, NULL, &err),
			 -EFAULT);
	assert_string_equal(err.what, "the memblock FDT is not all in memory");
	/* A structure offset past the end: the header itself is refused. */
	assert_int_equal(write_kernel_blob(f->mem, NONE), 0);
	((struct fdt_header *)f->mem)->off_dt_struct = cpu_to_fdt32(4000);
	assert_int_equal(kho_memblock_read(&v, BLOB, 0, NULL, NULL, NULL, &err),
			 -EINVAL);
	assert_string_equal(err.what, "the memblock blob is not an FDT of "
				      "version 16 or later");
	/* A sound header, and a token no FDT has where the root node begins. */
	assert_int_equal(write_kernel_blob(f->mem, NONE), 0);
	*(fdt32_t *)(f->mem + fdt_off_dt_struct(f->mem)) = cpu_to_fdt32(0x7);
	assert_int_equal(kho_memblock_read(&v, BLOB, 0, NULL, NULL, NULL, &err),
			 -EINVAL);
	assert_string_equal(err.what, "the memblock FDT is corrupt");
	assert_null(err.property);
	assert_int_equal(err.phys, BLOB);
	/* Another format's root. */
	assert_int_equal(write_kernel_blob(f->mem, BAD_ROOT), 0);
	assert_int_equal(kho_memblock_read(&v, BLOB, 0, NULL, NULL, NULL, &err),
			 -EINVAL);
	assert_string_equal(err.what, "the memblock blob is not compatible "
				      "with memblock-v1");
	assert_int_equal(f->own_len, 0);
	free(f);
}

static int add_hash(void *fdt, unsigned int index, void *arg)
{
	uint64_t h = 0x1234 + index;

	return fdt_property(fdt, "xxh3", &h, sizeof(h));
}

static void test_write(void **state)
{
	struct kho_memblock_region r[2] = {
		{ .name = "trace", .start = 0x100000, .size = 0x2000 },
		{ .name = "oops", .start = 0x200000, .size = 0x1000 },
	};
	struct seen s = { 0 };
	struct kho_view v;
	struct flat *f = flat_new(&v);
	int len;

	assert_int_equal(kho_memblock_write(f->mem, 4096, r, 2, add_hash, NULL),
			 0);
	assert_int_equal(
		kho_memblock_read(&v, BLOB, 0, region_cb, &s, NULL, NULL), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.name[1], "oops");
	assert_int_equal(s.start[0], 0x100000);
	assert_non_null(fdt_getprop(
		f->mem, fdt_subnode_offset(f->mem, 0, "oops"), "xxh3", &len));
	/* Without extra properties: exactly the kernel's nodes. */
	assert_int_equal(kho_memblock_write(f->mem, 4096, r, 2, NULL, NULL), 0);
	assert_null(fdt_getprop(f->mem, fdt_subnode_offset(f->mem, 0, "oops"),
				"xxh3", &len));
	/* Too small, a bad name. */
	assert_int_equal(kho_memblock_write(f->mem, 100, r, 2, NULL, NULL),
			 -ENOSPC);
	r[1].name = "";
	assert_int_equal(kho_memblock_write(f->mem, 4096, r, 2, NULL, NULL),
			 -EINVAL);
	free(f);
}

/*
 * A buffer of 2 GiB or more: libfdt counts in an int, so the writer uses
 * the first INT32_MAX bytes and writes the same blob as into a page.
 */
static void test_write_huge_buffer(void **state)
{
	const size_t len = (1ULL << 31) + 4096;
	struct kho_memblock_region r[2] = {
		{ .name = "trace", .start = 0x100000, .size = 0x2000 },
		{ .name = "oops", .start = 0x200000, .size = 0x1000 },
	};
	unsigned char small[4096];
	void *big;

	big = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	assert_true(big != MAP_FAILED);
	assert_int_equal(
		kho_memblock_write(small, sizeof(small), r, 2, NULL, NULL), 0);
	assert_int_equal(kho_memblock_write(big, len, r, 2, NULL, NULL), 0);
	assert_int_equal(fdt_totalsize(big), fdt_totalsize(small));
	assert_memory_equal(big, small, fdt_totalsize(small));
	munmap(big, len);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kernel_blob),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_refused_blob),
		cmocka_unit_test(test_write),
		cmocka_unit_test(test_write_huge_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
