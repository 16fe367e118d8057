// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_kho_memfd_v1.c - memfd-v1 (lib/kho_memfd_v1.c), the memfd handover
 * of kho-v2/v3: a blob built by hand in flat memory is read, its folios
 * listed in order with holes skipped, every structure owned; every
 * refusal names its field and address and comes before any callback.
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

#include <kho/kho_memfd_v1.h>

#define SHIFT 12
#define PAGE (1ULL << SHIFT)
#define BASE 0x100000000ULL
#define PAGES 32
#define BLOB BASE
#define SER (BASE + PAGE)
#define CHUNK (BASE + 2 * PAGE)
#define ARRAY (BASE + 3 * PAGE)
#define FOLIO(i) (BASE + (8 + (i)) * PAGE)

struct flat {
	uint8_t mem[PAGES * PAGE];
	unsigned int owned;
	int own_ret;
	unsigned int refuse_nth; /* 1: the first own() call refuses */
};

static const void *flat_map(void *ctx, uint64_t phys, uint64_t len)
{
	struct flat *f = ctx;

	if (phys < BASE || len > sizeof(f->mem) ||
	    phys - BASE > sizeof(f->mem) - len)
		return NULL;
	return f->mem + (phys - BASE);
}

static int flat_own(void *ctx, uint64_t phys, uint64_t len, const char *what)
{
	struct flat *f = ctx;

	if (++f->owned == f->refuse_nth)
		return -EPERM;
	return f->own_ret;
}

static void *at(struct flat *f, uint64_t phys)
{
	return f->mem + (phys - BASE);
}

static void set_entry(struct flat *f, unsigned int i, uint64_t pfn,
		      unsigned int flags, uint64_t index)
{
	struct kho_memfd_folio_ser e = { 0 };

	e.pfn = pfn;
	e.flags = flags;
	e.index = index;
	memcpy(at(f, ARRAY) + i * sizeof(e), &e, sizeof(e));
}

/* A 5-page file: folios at indexes 0, 2 and 4, a hole entry between. */
static struct flat *make(struct kho_view *v, const char *compat, bool data)
{
	struct flat *f = calloc(1, sizeof(*f));
	struct kho_memfd_ser ser = { 0 };
	uint64_t d = SER, chunk[2] = { 0, ARRAY };
	void *fdt;

	assert_non_null(f);
	*v = (struct kho_view){
		.map = flat_map, .own = flat_own, .ctx = f, .page_shift = SHIFT
	};
	fdt = at(f, BLOB);
	assert_int_equal(fdt_create(fdt, PAGE), 0);
	fdt_finish_reservemap(fdt);
	fdt_begin_node(fdt, "");
	fdt_property_string(fdt, "compatible", compat);
	if (data)
		fdt_property(fdt, "data", &d, sizeof(d));
	fdt_end_node(fdt);
	assert_int_equal(fdt_finish(fdt), 0);
	ser.pos = 7;
	ser.size = 5 * PAGE - 100;
	ser.nr_folios = 4;
	ser.folios.first = CHUNK;
	ser.folios.total_pages = 1;
	ser.folios.flags = KHO_VMALLOC_FLAG_VM_ALLOC;
	memcpy(at(f, SER), &ser, sizeof(ser));
	memcpy(at(f, CHUNK), chunk, sizeof(chunk));
	set_entry(f, 0, FOLIO(0) >> SHIFT, 3, 0);
	set_entry(f, 1, 0, 0, 0);
	set_entry(f, 2, FOLIO(2) >> SHIFT, 1, 2);
	set_entry(f, 3, FOLIO(4) >> SHIFT, 2, 4);
	return f;
}

struct seen {
	unsigned int n;
	uint64_t phys[8], index[8], entry[8];
};

static int folio_cb(uint64_t phys, uint64_t index, unsigned int flags,
		    uint64_t entry, void *arg)
{
	struct seen *s = arg;

	s->phys[s->n] = phys;
	s->index[s->n] = index;
	s->entry[s->n] = entry;
	s->n++;
	return 0;
}

static void test_read(void **state)
{
	struct kho_memfd_v1_info info;
	struct seen s = { 0 };
	struct kho_view v;
	struct flat *f = make(&v, "memfd-v1", true);

	assert_int_equal(
		kho_memfd_v1_read(&v, BLOB, 0, folio_cb, &s, &info, NULL), 0);
	assert_int_equal(info.ser_phys, SER);
	assert_int_equal(info.pos, 7);
	assert_int_equal(info.nr_folios, 4);
	assert_int_equal(info.nr_holes, 1);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.phys[2], FOLIO(4));
	assert_int_equal(s.index[1], 2);
	assert_int_equal(s.entry[1], 2);
	/* blob, struct, chunk, array page, three folios */
	assert_int_equal(f->owned, 7);
	/* With a blob-size (kho-v3) that holds it, and without a callback. */
	assert_int_equal(
		kho_memfd_v1_read(&v, BLOB, PAGE, NULL, NULL, NULL, NULL), 0);
	f->own_ret = -EPERM;
	assert_int_equal(kho_memfd_v1_read(&v, BLOB, 0, NULL, NULL, NULL, NULL),
			 -EPERM);
	free(f);
}

/* An empty file: no folio array to read, only the blob and struct owned. */
static void test_read_empty(void **state)
{
	struct kho_memfd_v1_info info;
	struct kho_memfd_ser ser = { 0 };
	struct seen s = { 0 };
	struct kho_view v;
	struct flat *f = make(&v, "memfd-v1", true);

	memcpy(at(f, SER), &ser, sizeof(ser));
	memset(at(f, CHUNK), 0, PAGE);
	assert_int_equal(
		kho_memfd_v1_read(&v, BLOB, 0, folio_cb, &s, &info, NULL), 0);
	assert_int_equal(info.nr_folios, 0);
	assert_int_equal(info.nr_holes, 0);
	assert_int_equal(info.size, 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(f->owned, 2);
	free(f);
}

/* Refused with @code on @field at @phys, before any folio is reported. */
static void expect(struct flat *f, struct kho_view *v, uint64_t size, int code,
		   const char *field, uint64_t phys)
{
	struct kho_error err = { 0 };
	struct seen s = { 0 };

	f->owned = 0;
	assert_int_equal(
		kho_memfd_v1_read(v, BLOB, size, folio_cb, &s, NULL, &err),
		code);
	assert_int_equal(s.n, 0);
	if (field)
		assert_string_equal(err.property, field);
	else
		assert_null(err.property);
	assert_int_equal(err.phys, phys);
	assert_non_null(err.what);
	free(f);
}

static void test_refused(void **state)
{
	struct kho_memfd_ser *ser;
	struct kho_view v;
	struct flat *f;

	f = make(&v, "memfd-v2", true);
	expect(f, &v, 0, -EINVAL, "compatible", BLOB);
	f = make(&v, "memfd-v1", false);
	expect(f, &v, 0, -EINVAL, "data", BLOB);
	f = make(&v, "memfd-v1", true);
	expect(f, &v, 16, -EINVAL, "blob-size", BLOB);
	f = make(&v, "memfd-v1", true);
	memset(at(f, BLOB), 0, 8);
	expect(f, &v, 0, -EINVAL, NULL, BLOB);
	f = make(&v, "memfd-v1", true);
	((struct fdt_header *)at(f, BLOB))->off_dt_struct = cpu_to_fdt32(4000);
	expect(f, &v, 0, -EINVAL, NULL, BLOB);

	f = make(&v, "memfd-v1", true);
	ser = at(f, SER);
	ser->nr_folios = 6;
	expect(f, &v, 0, -EINVAL, "nr_folios", SER);
	f = make(&v, "memfd-v1", true);
	ser = at(f, SER);
	ser->size = (1ULL << 32) << SHIFT;
	expect(f, &v, 0, -EINVAL, "size", SER);
	f = make(&v, "memfd-v1", true);
	ser = at(f, SER);
	ser->size = 300 * PAGE;
	ser->nr_folios = 257;
	expect(f, &v, 0, -EINVAL, "folios", SER);
	f = make(&v, "memfd-v1", true);
	ser = at(f, SER);
	ser->folios.first = BASE + PAGES * PAGE;
	expect(f, &v, 0, -EFAULT, "first", BASE + PAGES * PAGE);
	/* The folio array's descriptor, named by the struct holding it. */
	f = make(&v, "memfd-v1", true);
	ser = at(f, SER);
	ser->folios.first = 0;
	expect(f, &v, 0, -EINVAL, "first", SER);

	f = make(&v, "memfd-v1", true);
	set_entry(f, 2, FOLIO(2) >> SHIFT, 4, 2);
	expect(f, &v, 0, -EINVAL, "flags", ARRAY + 32);
	f = make(&v, "memfd-v1", true);
	set_entry(f, 3, FOLIO(4) >> SHIFT, 0, 5);
	expect(f, &v, 0, -EINVAL, "index", ARRAY + 48);
	f = make(&v, "memfd-v1", true);
	set_entry(f, 3, FOLIO(4) >> SHIFT, 0, 2);
	expect(f, &v, 0, -EINVAL, "index", ARRAY + 48);
}

static void test_unmapped(void **state)
{
	struct kho_error err = { 0 };
	struct kho_view v;
	struct flat *f = make(&v, "memfd-v1", true);
	uint64_t d = BASE + PAGES * PAGE;

	assert_int_equal(
		kho_memfd_v1_read(&v, BASE - PAGE, 0, NULL, NULL, NULL, &err),
		-EFAULT);
	assert_int_equal(
		fdt_setprop_inplace(at(f, BLOB), 0, "data", &d, sizeof(d)), 0);
	assert_int_equal(kho_memfd_v1_read(&v, BLOB, 0, NULL, NULL, NULL, &err),
			 -EFAULT);
	assert_string_equal(err.property, "data");
	assert_int_equal(err.phys, d);
	free(f);
}

/*
 * Each structure the owner refuses (kernel B: it is not preserved, or
 * another structure has it) is named, with where, as the other readers
 * name theirs: own() is called for the blob, the struct, the chunk, the
 * array page, then each folio.
 */
static void test_own_refused(void **state)
{
	static const struct {
		const char *what, *property;
		uint64_t phys;
		long index;
	} want[] = {
		{ "the memfd-v1 blob is not preserved memory", NULL, BLOB,
		  KHO_ERR_NO_INDEX },
		{ "the memfd-v1 struct is not preserved memory", "data", SER,
		  KHO_ERR_NO_INDEX },
		{ "vmalloc chunk is not preserved memory", "first", CHUNK, 0 },
		{ "a page of the memfd-v1 folio array is not preserved memory",
		  "folios", ARRAY, 0 },
		{ "a memfd-v1 folio is not preserved memory, or is another "
		  "folio's",
		  "pfn", ARRAY, 0 },
		{ "a memfd-v1 folio is not preserved memory, or is another "
		  "folio's",
		  "pfn", ARRAY + 2 * sizeof(struct kho_memfd_folio_ser), 2 },
	};

	for (unsigned int i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct kho_error err = { 0 };
		struct kho_view v;
		struct flat *f = make(&v, "memfd-v1", true);

		f->refuse_nth = i + 1;
		assert_int_equal(
			kho_memfd_v1_read(&v, BLOB, 0, NULL, NULL, NULL, &err),
			-EPERM);
		assert_string_equal(err.what, want[i].what);
		if (want[i].property)
			assert_string_equal(err.property, want[i].property);
		else
			assert_null(err.property);
		assert_int_equal(err.phys, want[i].phys);
		assert_int_equal(err.index, want[i].index);
		free(f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_read_empty),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_unmapped),
		cmocka_unit_test(test_own_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
