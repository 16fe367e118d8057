// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_memfd_v2.c - memfd-v2 both ways: the writer's blob (48 bytes: pos,
 * size, seals, flags 0, nr_folios, the folio array as a vmalloc area of
 * {pfn, flags dirty|uptodate, index} entries), files of size 0 and of a
 * size that is not a page multiple, the writer's refusals (a folio at
 * address 0 among them), an injected allocation failure at every
 * allocation (nothing changes), a round trip
 * through a kexec (folios back with their orders and bytes, the array and
 * the blob freed), and the reader's refusals: unknown seals, flags, more
 * folios than pages, a file over 2^32 - 1 pages, an array too small, a pfn
 * beyond the address space, unknown folio flags, an index past the end or
 * out of order, a folio not preserved, folios that overlap.
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
#include <kho/memfd.h>

#include "lib/machine.h"

#define ENV_PHYS_BASE 0x100000000ULL
#define ENV_PAGES 4096
#define SCRATCH_PAGES 16
#define MAX_FOLIOS 600

struct machine {
	struct kho_env *e;
	struct kho_out out;
	struct kho_in in;
	struct kho_memfd_folio folios[MAX_FOLIOS];
	struct kho_memfd_file file;
	uint64_t blob;
};

static void machine_init(struct machine *m, unsigned int page_shift)
{
	memset(m, 0, sizeof(*m));
	m->e = machine_env_new(page_shift, ENV_PHYS_BASE, ENV_PAGES,
			       SCRATCH_PAGES, &m->out);
}

static void machine_free(struct machine *m)
{
	machine_env_free(m->e, &m->out, &m->in);
}

static void kexec(struct machine *m)
{
	assert_int_equal(kho_env_kexec(m->e, m->out.fdt_phys, &m->in, NULL), 0);
}

static unsigned char byte_of(uint64_t page, uint64_t off)
{
	return (unsigned char)(page * 31 + off / 8);
}

/*
 * A file of @nr folios, orders cycling 2,0,0,1,1 but each at an index that
 * is a multiple of its size, as shmem keeps them (so 0:o2 4 5 6:o1 8:o1
 * 10:o1 12 13 14:o1 16:o1 ...), filled so every page says where it
 * belongs; the last folio may be cut by @tail bytes.
 */
static void make_file(struct machine *m, unsigned int nr, uint64_t tail)
{
	static const unsigned int orders[] = { 2, 0, 0, 1, 1 };
	uint64_t index = 0, ps = m->e->page_size;

	assert_true(nr <= MAX_FOLIOS);
	for (unsigned int i = 0; i < nr; i++) {
		unsigned int order = orders[i % 5];
		unsigned char *va;

		while (index & ((1ULL << order) - 1))
			order--;
		va = kho_env_alloc(m->e, order);

		assert_non_null(va);
		m->folios[i].phys = kho_env_phys(m->e, va);
		m->folios[i].order = order;
		m->folios[i].index = index;
		for (uint64_t p = 0; p < 1ULL << order; p++)
			for (uint64_t o = 0; o < ps; o++)
				va[p * ps + o] = byte_of(index + p, o);
		index += 1ULL << order;
	}
	m->file.pos = 1234;
	m->file.size = index * ps - tail;
	m->file.seals = KHO_MEMFD_SEAL_GROW | KHO_MEMFD_SEAL_SHRINK;
	m->file.folios = m->folios;
	m->file.nr_folios = nr;
}

static struct kho_memfd_v2_ser *blob_of(struct machine *m)
{
	return kho_env_va(m->e, m->blob);
}

/* ---- writer ---------------------------------------------------------------- */

struct listed {
	struct machine *m;
	uint64_t nr;
	bool bad;
};

static int on_folio(uint64_t phys, uint64_t index, unsigned int flags,
		    uint64_t entry, void *arg)
{
	struct listed *l = arg;
	const struct kho_memfd_folio *f = &l->m->folios[l->nr];

	if (entry != l->nr || phys != f->phys || index != f->index ||
	    flags != (KHO_MEMFD_FOLIO_DIRTY | KHO_MEMFD_FOLIO_UPTODATE))
		l->bad = true;
	l->nr++;
	return 0;
}

static void test_layout(void **state)
{
	struct kho_memfd_v2_ser *ser;
	struct kho_memfd_info info;
	struct listed l = { 0 };
	struct kho_view view;
	struct machine m;

	machine_init(&m, 12);
	l.m = &m;
	make_file(&m, 300, 100);
	assert_int_equal(kho_memfd_preserve(&m.out, &m.file, &m.blob), 0);
	ser = blob_of(&m);
	assert_int_equal(ser->pos, 1234);
	assert_int_equal(ser->size, m.file.size);
	assert_int_equal(ser->seals, 6);
	assert_int_equal(ser->flags, 0);
	assert_int_equal(ser->nr_folios, 300);
	/* 300 entries of 16 bytes: two order-0 pages, VM_ALLOC */
	assert_int_equal(ser->folios.total_pages, 2);
	assert_int_equal(ser->folios.order, 0);
	assert_int_equal(ser->folios.flags, KHO_VMALLOC_FLAG_VM_ALLOC);
	for (unsigned int i = 0; i < 300; i++)
		assert_true(kho_radix_test_page(&m.out.tree,
						m.folios[i].phys >> 12,
						m.folios[i].order));
	view = kho_env_view(m.e);
	assert_int_equal(
		kho_memfd_read(&view, m.blob, on_folio, &l, &info, NULL), 0);
	assert_false(l.bad);
	assert_int_equal(l.nr, 300);
	assert_int_equal(info.size, m.file.size);
	assert_int_equal(info.nr_holes, 0);
	machine_free(&m);
}

static void test_empty_file(void **state)
{
	struct kho_memfd_info info;
	struct kho_error err;
	struct kho_view view;
	struct machine m;
	uint64_t live;

	machine_init(&m, 12);
	m.file.size = 0;
	assert_int_equal(kho_memfd_preserve(&m.out, &m.file, &m.blob), 0);
	assert_int_equal(blob_of(&m)->nr_folios, 0);
	assert_int_equal(blob_of(&m)->folios.first, 0);
	view = kho_env_view(m.e);
	assert_int_equal(
		kho_memfd_read(&view, m.blob, on_folio, NULL, &info, NULL), 0);
	kexec(&m);
	live = m.e->live_pages;
	assert_int_equal(
		kho_memfd_restore(&m.in, m.blob, NULL, NULL, &info, &err), 0);
	assert_int_equal(m.e->live_pages, live - 1);
	machine_free(&m);
}

/*
 * With folio @i of @m's file moved to @phys, preserving the file is refused
 * (-EINVAL) and changes nothing; the folio is moved back.
 */
static void refused_at(struct machine *m, unsigned int i, uint64_t phys)
{
	struct kho_env_snapshot before, after;
	uint64_t keep = m->folios[i].phys;

	kho_env_snapshot(m->e, &m->out, &before);
	m->folios[i].phys = phys;
	assert_int_equal(kho_memfd_preserve(&m->out, &m->file, &m->blob),
			 -EINVAL);
	m->folios[i].phys = keep;
	kho_env_snapshot(m->e, &m->out, &after);
	assert_true(kho_env_snapshot_equal(&before, &after));
	kho_env_snapshot_free(&before);
	kho_env_snapshot_free(&after);
}

/* As Linux 7.3.4's retrieve: F_SEAL_EXEC brings the four write seals. */
static void test_seals_retrieved(void **state)
{
	static const uint32_t cases[][2] = {
		{ 0, 0 },	{ 0x01, 0x01 }, { 0x06, 0x06 }, { 0x09, 0x09 },
		{ 0x1f, 0x1f }, { 0x20, 0x3e }, { 0x21, 0x3f }, { 0x28, 0x3e },
		{ 0x3e, 0x3e }, { 0x3f, 0x3f },
	};

	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(kho_memfd_seals_retrieved(cases[i][0]),
				 cases[i][1]);
}

static void test_writer_refusals(void **state)
{
	struct kho_env_snapshot before, after;
	struct machine m;
	uint64_t keep, size;

	machine_init(&m, 12);
	make_file(&m, 10, 0);
	size = m.file.size;
	kho_env_snapshot(m.e, &m.out, &before);
	m.file.seals = 0x40;
	assert_int_equal(kho_memfd_preserve(&m.out, &m.file, &m.blob), -EINVAL);
	m.file.seals = KHO_MEMFD_ALL_SEALS;
	/*
	 * A position beyond LLONG_MAX is negative as a loff_t: the next
	 * kernel's vfs_setpos() refuses it and the file starts at 0.
	 */
	m.file.pos = (uint64_t)INT64_MAX + 1;
	assert_int_equal(kho_memfd_preserve(&m.out, &m.file, &m.blob), -EINVAL);
	m.file.pos = INT64_MAX;
	/* The last folio (order 1) may reach past the end, not start there. */
	m.file.size -= 2 * m.e->page_size;
	assert_int_equal(kho_memfd_preserve(&m.out, &m.file, &m.blob), -EINVAL);
	m.file.size += 2 * m.e->page_size;
	keep = m.folios[3].index;
	m.folios[3].index = 0;
	assert_int_equal(kho_memfd_preserve(&m.out, &m.file, &m.blob), -EINVAL);
	m.folios[3].index = keep;
	/* an order-1 folio at an odd index: shmem cannot hold it */
	assert_int_equal(m.folios[9].order, 1);
	m.folios[9].index++;
	assert_int_equal(kho_memfd_preserve(&m.out, &m.file, &m.blob), -EINVAL);
	m.folios[9].index--;
	m.file.size = (uint64_t)UINT32_MAX * 4096 + 1;
	assert_int_equal(kho_memfd_preserve(&m.out, &m.file, &m.blob), -ERANGE);
	m.file.size = size;
	/* A folio in scratch, late: what was preserved is released. */
	refused_at(&m, 8, kho_env_page_phys(m.e, 2));
	kho_env_snapshot(m.e, &m.out, &after);
	assert_true(kho_env_snapshot_equal(&before, &after));
	kho_env_snapshot_free(&before);
	kho_env_snapshot_free(&after);
	assert_int_equal(kho_memfd_preserve(&m.out, &m.file, &m.blob), 0);
	assert_int_equal(blob_of(&m)->pos, INT64_MAX);
	machine_free(&m);
}

/*
 * A failed call removes only what it added: a folio the caller preserved
 * before the call is still preserved afterwards.
 */
static void test_writer_keeps_earlier_folios(void **state)
{
	struct machine m;

	machine_init(&m, 12);
	make_file(&m, 10, 0);
	assert_int_equal(
		kho_preserve_folio(&m.out, m.folios[2].phys, m.folios[2].order),
		0);
	assert_int_equal(
		kho_preserve_folio(&m.out, m.folios[7].phys, m.folios[7].order),
		0);
	/* A folio in scratch, late: folios 0..7 were preserved by then. */
	refused_at(&m, 8, kho_env_page_phys(m.e, 2));
	assert_true(kho_radix_test_page(&m.out.tree, m.folios[2].phys >> 12,
					m.folios[2].order));
	assert_true(kho_radix_test_page(&m.out.tree, m.folios[7].phys >> 12,
					m.folios[7].order));
	assert_false(kho_radix_test_page(&m.out.tree, m.folios[3].phys >> 12,
					 m.folios[3].order));
	/* The call that succeeds then keeps them too. */
	assert_int_equal(kho_memfd_preserve(&m.out, &m.file, &m.blob), 0);
	machine_free(&m);
}

/*
 * Two folios of one file sharing memory: the kernel never writes that (a
 * folio has one index) and its retrieve fails on the second restore of the
 * same folio, so the writer refuses it, changing nothing.
 */
static void test_writer_shared_folio(void **state)
{
	struct machine m;

	machine_init(&m, 12);
	make_file(&m, 10, 0);
	/* The same address twice, far apart in the array (both order 0). */
	assert_int_equal(m.folios[7].order, 0);
	assert_int_equal(m.folios[1].order, 0);
	refused_at(&m, 7, m.folios[1].phys);
	/* A page inside another, larger folio (folio 0 is order 2). */
	assert_int_equal(m.folios[0].order, 2);
	refused_at(&m, 7, m.folios[0].phys + 2 * m.e->page_size);
	assert_int_equal(kho_memfd_preserve(&m.out, &m.file, &m.blob), 0);
	machine_free(&m);
}

/*
 * A folio at physical address 0 has pfn 0, which every reader of the
 * folio array (Linux's retrieve, skipping at mm/memfd_luo.c:434, and
 * libkho's) takes for a hole: its bytes would come back as zeroes and the
 * folio would stay reserved. On a machine whose RAM starts at 0 the
 * writer refuses it, changing nothing.
 */
static void test_writer_folio_at_zero(void **state)
{
	struct machine m;
	void *page0;

	memset(&m, 0, sizeof(m));
	m.e = kho_env_create(12, 0, ENV_PAGES);
	assert_non_null(m.e);
	kho_env_add_scratch(m.e, ENV_PAGES - SCRATCH_PAGES, SCRATCH_PAGES);
	/* The first allocation is the lowest page: keep it for the file. */
	page0 = kho_env_alloc(m.e, 0);
	assert_non_null(page0);
	assert_int_equal(kho_env_phys(m.e, page0), 0);
	assert_int_equal(kho_out_init(&m.out, &m.e->geo, &m.e->ops,
				      m.e->scratch, m.e->nr_scratch),
			 0);
	make_file(&m, 10, 0);
	assert_int_equal(m.folios[1].order, 0);
	refused_at(&m, 1, 0);
	assert_int_equal(kho_memfd_preserve(&m.out, &m.file, &m.blob), 0);
	kho_env_free(m.e, page0, 0);
	machine_free(&m);
}

static int op_preserve(void *arg)
{
	struct machine *m = arg;

	return kho_memfd_preserve(&m->out, &m->file, &m->blob);
}

static void test_alloc_failure(void **state)
{
	struct machine m;

	machine_init(&m, 12);
	/* 600 entries: three array pages, a chunk, tree nodes. */
	make_file(&m, 600, 0);
	assert_true(kho_env_sweep(m.e, &m.out, op_preserve, &m, -ENOMEM) >= 5);
	machine_free(&m);
}

/* ---- kernel B ------------------------------------------------------------ */

struct restored {
	struct machine *m;
	uint64_t nr;
	bool bad;
};

static int on_restore(uint64_t phys, unsigned int order, uint64_t index,
		      void *arg)
{
	struct restored *r = arg;
	struct machine *m = r->m;
	const struct kho_memfd_folio *f = &m->folios[r->nr];
	const unsigned char *va = kho_env_va(m->e, phys);
	uint64_t ps = m->e->page_size;

	if (phys != f->phys || order != f->order || index != f->index ||
	    kho_env_page(m->e, phys)->refcount != 1)
		r->bad = true;
	for (uint64_t p = 0; p < 1ULL << order; p++)
		for (uint64_t o = 0; o < ps; o += 97)
			if (va[p * ps + o] != byte_of(index + p, o))
				r->bad = true;
	r->nr++;
	return 0;
}

static void test_round_trip(void **state)
{
	static const unsigned int shifts[] = { 12, 14, 16 };

	for (unsigned int k = 0; k < 3; k++) {
		struct restored r = { 0 };
		struct kho_memfd_info info;
		struct kho_error err;
		struct machine m;
		uint64_t live, array_pages;

		machine_init(&m, shifts[k]);
		r.m = &m;
		make_file(&m, 500, 1);
		assert_int_equal(kho_memfd_preserve(&m.out, &m.file, &m.blob),
				 0);
		array_pages = blob_of(&m)->folios.total_pages;
		kexec(&m);
		live = m.e->live_pages;
		assert_int_equal(kho_memfd_restore(&m.in, m.blob, on_restore,
						   &r, &info, &err),
				 0);
		assert_false(r.bad);
		assert_int_equal(r.nr, 500);
		assert_int_equal(info.pos, 1234);
		assert_int_equal(info.seals, 6);
		/* blob, array pages and chunk pages went back */
		assert_true(m.e->live_pages < live - array_pages);
		/* a second restore finds the blob gone */
		assert_int_not_equal(kho_memfd_restore(&m.in, m.blob, NULL,
						       NULL, NULL, &err),
				     0);
		machine_free(&m);
	}
}

/* A large folio over a short file: the last folio reaches past its end. */
static void test_last_folio_past_end(void **state)
{
	struct restored r = { 0 };
	struct kho_error err;
	struct machine m;

	machine_init(&m, 12);
	r.m = &m;
	make_file(&m, 5, 0);
	/* 10 pages: folio 4 is order 1 at index 8; a file of 8.02 pages */
	assert_int_equal(m.folios[4].index, 8);
	assert_int_equal(m.folios[4].order, 1);
	m.file.size = 8 * m.e->page_size + 100;
	assert_int_equal(kho_memfd_preserve(&m.out, &m.file, &m.blob), 0);
	kexec(&m);
	assert_int_equal(
		kho_memfd_restore(&m.in, m.blob, on_restore, &r, NULL, &err),
		0);
	assert_false(r.bad);
	assert_int_equal(r.nr, 5);
	machine_free(&m);
}

static void expect_refusal(struct machine *m, int code, const char *what,
			   const char *field)
{
	struct kho_view view = kho_env_view(m->e);
	struct listed l = { .m = m };
	struct kho_error err;

	memset(&err, 0, sizeof(err));
	assert_int_equal(
		kho_memfd_read(&view, m->blob, on_folio, &l, NULL, &err), code);
	assert_int_equal(l.nr, 0);
	if (what)
		assert_string_equal(err.what, what);
	if (field)
		assert_string_equal(err.property, field);
	/* Each names where: the folio array's descriptor by the blob. */
	assert_int_not_equal(err.phys, KHO_ERR_NO_ADDR);
}

static struct kho_memfd_folio_ser *entry_of(struct machine *m, uint64_t i)
{
	struct kho_memfd_v2_ser *ser = blob_of(m);
	uint64_t *chunk = kho_env_va(m->e, ser->folios.first);
	uint64_t per = m->e->page_size / 16;
	struct kho_memfd_folio_ser *page = kho_env_va(m->e, chunk[1 + i / per]);

	return page + i % per;
}

/*
 * A view whose owner refuses the @refuse-th folio it is asked for, as kho
 * inspect's refuses a block claimed twice.
 */
struct refusing {
	struct kho_view inner;
	uint64_t folios_owned, refuse;
};

static const void *refusing_map(void *ctx, uint64_t phys, uint64_t len)
{
	struct refusing *r = ctx;

	return r->inner.map(r->inner.ctx, phys, len);
}

static int refusing_own(void *ctx, uint64_t phys, uint64_t len,
			const char *what)
{
	struct refusing *r = ctx;

	if (strcmp(what, "memfd folio"))
		return 0;
	return r->folios_owned++ == r->refuse ? -EBUSY : 0;
}

static void test_refusals(void **state)
{
	struct kho_memfd_v2_ser *ser;
	struct kho_view view;
	struct machine m;
	uint64_t saved;

	machine_init(&m, 12);
	make_file(&m, 300, 0);
	assert_int_equal(kho_memfd_preserve(&m.out, &m.file, &m.blob), 0);
	ser = blob_of(&m);
	view = kho_env_view(m.e);
	assert_int_equal(kho_memfd_read(&view, m.blob, NULL, NULL, NULL, NULL),
			 0);

	ser->seals = 0x46;
	expect_refusal(&m, -EINVAL, "a memfd has seals memfd-v2 cannot keep",
		       "seals");
	ser->seals = 6;
	ser->flags = 1;
	expect_refusal(&m, -EINVAL, "a memfd's flags are not 0", "flags");
	ser->flags = 0;
	saved = ser->pos;
	ser->pos = (uint64_t)INT64_MAX + 1;
	expect_refusal(&m, -EINVAL,
		       "a memfd's position is negative as a loff_t", "pos");
	ser->pos = INT64_MAX;
	assert_int_equal(kho_memfd_read(&view, m.blob, NULL, NULL, NULL, NULL),
			 0);
	ser->pos = saved;
	saved = ser->size;
	ser->size = 299 * 4096;
	expect_refusal(&m, -EINVAL, "a memfd has more folios than pages",
		       "nr_folios");
	ser->size = (uint64_t)UINT32_MAX * 4096 + 1;
	expect_refusal(&m, -EINVAL, "a memfd is larger than 2^32 - 1 pages",
		       "size");
	ser->size = saved;
	ser->folios.total_pages = 1; /* one page holds 256 */
	expect_refusal(
		&m, -EINVAL,
		"a memfd's folio array is smaller than nr_folios entries",
		"folios");
	ser->folios.total_pages = 3;
	expect_refusal(&m, -EINVAL, NULL, "total_pages");
	ser->folios.total_pages = 2;
	ser->folios.flags |= 0x80;
	expect_refusal(&m, -EINVAL, "vmalloc flags has unknown bits", "flags");
	ser->folios.flags &= ~0x80ULL;

	entry_of(&m, 7)->flags = 4 | 1;
	expect_refusal(&m, -EINVAL, "a memfd folio has unknown flags", "flags");
	entry_of(&m, 7)->flags = 3;
	saved = entry_of(&m, 299)->index;
	entry_of(&m, 299)->index = ser->size / 4096;
	expect_refusal(&m, -EINVAL,
		       "a memfd folio lies past the end of the file", "index");
	entry_of(&m, 299)->index = entry_of(&m, 298)->index;
	expect_refusal(
		&m, -EINVAL,
		"a memfd folio's index is not above the previous folio's",
		"index");
	entry_of(&m, 299)->index = saved;
	/* a folio its owner will not give this file: the owner's code */
	{
		struct refusing r = { .inner = view, .refuse = 8 };
		struct kho_view v = { .map = refusing_map,
				      .own = refusing_own,
				      .ctx = &r,
				      .page_shift = 12 };
		struct kho_error err = { 0 };

		assert_int_equal(
			kho_memfd_read(&v, m.blob, NULL, NULL, NULL, &err),
			-EBUSY);
		assert_string_equal(err.what,
				    "a memfd folio is not preserved memory, "
				    "or is another folio's");
		assert_string_equal(err.property, "pfn");
		assert_int_equal(err.index, 8);
	}
	/* a hole is skipped, as the kernel skips it */
	saved = entry_of(&m, 5)->pfn;
	entry_of(&m, 5)->pfn = 0;
	{
		struct kho_memfd_info info;

		assert_int_equal(
			kho_memfd_read(&view, m.blob, NULL, NULL, &info, NULL),
			0);
		assert_int_equal(info.nr_holes, 1);
	}
	entry_of(&m, 5)->pfn = saved;
	saved = m.blob;
	m.blob = ENV_PHYS_BASE - 64;
	expect_refusal(&m, -EFAULT, "the memfd-v2 blob is not in memory",
		       "data");
	m.blob = saved;
	machine_free(&m);

	/* 64 KiB pages: a 52-bit pfn does not fit 64 bits of address */
	machine_init(&m, 16);
	make_file(&m, 5, 0);
	assert_int_equal(kho_memfd_preserve(&m.out, &m.file, &m.blob), 0);
	entry_of(&m, 1)->pfn = (1ULL << 52) - 1;
	expect_refusal(&m, -EINVAL,
		       "a memfd folio's pfn is beyond the address space",
		       "pfn");
	machine_free(&m);
}

static int stop_at_third(uint64_t phys, unsigned int order, uint64_t index,
			 void *arg)
{
	unsigned int *n = arg;

	return ++*n == 3 ? -ENOSPC : 0;
}

static void test_restore_refusals(void **state)
{
	struct kho_error err;
	struct machine m;
	unsigned int n = 0;

	/* the folio array lists one page twice: its restore finds it */
	machine_init(&m, 12);
	make_file(&m, 300, 0);
	assert_int_equal(kho_memfd_preserve(&m.out, &m.file, &m.blob), 0);
	{
		uint64_t *chunk = kho_env_va(m.e, blob_of(&m)->folios.first);

		/* entries only from the first page: the reader sees no repeat */
		chunk[2] = chunk[1];
		blob_of(&m)->nr_folios = 100;
	}
	kexec(&m);
	assert_int_equal(
		kho_memfd_restore(&m.in, m.blob, NULL, NULL, NULL, &err),
		-EINVAL);
	assert_string_equal(err.what,
			    "the memfd folio array cannot be restored");
	machine_free(&m);

	/* a callback's error comes back; the array is freed all the same */
	machine_init(&m, 12);
	make_file(&m, 10, 0);
	assert_int_equal(kho_memfd_preserve(&m.out, &m.file, &m.blob), 0);
	kexec(&m);
	assert_int_equal(
		kho_memfd_restore(&m.in, m.blob, stop_at_third, &n, NULL, &err),
		-ENOSPC);
	assert_int_equal(n, 3);
	machine_free(&m);

	/* a folio taken out of the handover */
	machine_init(&m, 12);
	make_file(&m, 20, 0);
	assert_int_equal(kho_memfd_preserve(&m.out, &m.file, &m.blob), 0);
	assert_int_equal(kho_unpreserve_folio(&m.out, m.folios[6].phys,
					      m.folios[6].order),
			 0);
	kexec(&m);
	assert_int_equal(
		kho_memfd_restore(&m.in, m.blob, NULL, NULL, NULL, &err),
		-EINVAL);
	assert_string_equal(err.what, "a memfd folio is not preserved memory, "
				      "or is another folio's");
	assert_int_equal(err.index, 6);
	machine_free(&m);

	/* an order-2 folio at index 0 covers 0..3: the next may not be 3 */
	machine_init(&m, 12);
	make_file(&m, 20, 0);
	assert_int_equal(kho_memfd_preserve(&m.out, &m.file, &m.blob), 0);
	assert_int_equal(entry_of(&m, 1)->index, 4);
	entry_of(&m, 1)->index = 3;
	kexec(&m);
	assert_int_equal(
		kho_memfd_restore(&m.in, m.blob, NULL, NULL, NULL, &err),
		-EINVAL);
	assert_string_equal(err.what,
			    "a memfd folio overlaps the folio before it");
	assert_int_equal(err.index, 1);
	machine_free(&m);

	/* an order-1 folio moved to an odd index (6 -> 7) */
	machine_init(&m, 12);
	make_file(&m, 20, 0);
	assert_int_equal(kho_memfd_preserve(&m.out, &m.file, &m.blob), 0);
	assert_int_equal(entry_of(&m, 3)->index, 6);
	entry_of(&m, 3)->index = 7;
	kexec(&m);
	assert_int_equal(
		kho_memfd_restore(&m.in, m.blob, NULL, NULL, NULL, &err),
		-EINVAL);
	assert_string_equal(
		err.what,
		"a memfd folio's index is not a multiple of its size");
	assert_int_equal(err.index, 3);
	machine_free(&m);

	/* the folio array's chunk page taken out of the handover */
	machine_init(&m, 12);
	make_file(&m, 20, 0);
	assert_int_equal(kho_memfd_preserve(&m.out, &m.file, &m.blob), 0);
	assert_int_equal(
		kho_unpreserve_folio(&m.out, blob_of(&m)->folios.first, 0), 0);
	kexec(&m);
	memset(&err, 0, sizeof(err));
	assert_int_equal(
		kho_memfd_restore(&m.in, m.blob, NULL, NULL, NULL, &err),
		-EINVAL);
	/* said by kho_vmalloc_read(), or by the memfd reader for it */
	assert_non_null(err.what);
	assert_non_null(strstr(err.what, "not preserved memory"));
	machine_free(&m);

	/* the folio array's page of entries taken out of the handover */
	machine_init(&m, 12);
	make_file(&m, 20, 0);
	assert_int_equal(kho_memfd_preserve(&m.out, &m.file, &m.blob), 0);
	{
		uint64_t *chunk = kho_env_va(m.e, blob_of(&m)->folios.first);

		assert_int_equal(kho_unpreserve_folio(&m.out, chunk[1], 0), 0);
		kexec(&m);
		assert_int_equal(kho_memfd_restore(&m.in, m.blob, NULL, NULL,
						   NULL, &err),
				 -EINVAL);
		assert_string_equal(
			err.what,
			"a page of the memfd folio array is not preserved memory");
		assert_int_equal(err.phys, chunk[1]);
		assert_int_equal(err.index, 0);
	}
	machine_free(&m);

	/*
	 * two entries naming one order-0 folio: each is preserved memory when
	 * read, the second is no longer a preserved block once the first
	 * restored it
	 */
	machine_init(&m, 12);
	make_file(&m, 20, 0);
	assert_int_equal(kho_memfd_preserve(&m.out, &m.file, &m.blob), 0);
	assert_int_equal(m.folios[1].order, 0);
	assert_int_equal(m.folios[2].order, 0);
	entry_of(&m, 2)->pfn = entry_of(&m, 1)->pfn;
	kexec(&m);
	memset(&err, 0, sizeof(err));
	assert_int_equal(
		kho_memfd_restore(&m.in, m.blob, NULL, NULL, NULL, &err),
		-EINVAL);
	assert_string_equal(err.what, "a memfd folio is not a preserved block");
	assert_string_equal(err.property, "pfn");
	assert_int_equal(err.index, 2);
	machine_free(&m);

	/* a folio entry naming the blob's own page: restored as a folio */
	machine_init(&m, 12);
	make_file(&m, 20, 0);
	assert_int_equal(kho_memfd_preserve(&m.out, &m.file, &m.blob), 0);
	entry_of(&m, 0)->pfn = m.blob >> 12;
	kexec(&m);
	assert_int_equal(
		kho_memfd_restore(&m.in, m.blob, NULL, NULL, NULL, &err),
		-EINVAL);
	assert_string_equal(err.what, "the memfd-v2 blob cannot be restored");
	machine_free(&m);

	/* no handover walked */
	machine_init(&m, 12);
	assert_int_equal(
		kho_memfd_restore(&m.in, 0x1000, NULL, NULL, NULL, &err),
		-EPERM);
	machine_free(&m);
}

/* Each way a folio cannot go where its file says, alone. */
static void test_folio_misplaced(void **state)
{
	/* fits: the first folio, one right after another, one past a hole */
	assert_null(kho_memfd_folio_misplaced(0, 9, 0));
	assert_null(kho_memfd_folio_misplaced(4, 2, 4));
	assert_null(kho_memfd_folio_misplaced(12, 2, 5));
	assert_string_equal(kho_memfd_folio_misplaced(4, -1, 0),
			    "a memfd folio is not a preserved block");
	assert_string_equal(kho_memfd_folio_misplaced(3, 0, 4),
			    "a memfd folio overlaps the folio before it");
	assert_string_equal(
		kho_memfd_folio_misplaced(6, 2, 0),
		"a memfd folio's index is not a multiple of its size");
	/* no order a tree holds reaches 64, but no shift may either */
	assert_string_equal(
		kho_memfd_folio_misplaced(0, 64, 0),
		"a memfd folio's index is not a multiple of its size");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_empty_file),
		cmocka_unit_test(test_seals_retrieved),
		cmocka_unit_test(test_writer_refusals),
		cmocka_unit_test(test_writer_keeps_earlier_folios),
		cmocka_unit_test(test_writer_shared_folio),
		cmocka_unit_test(test_writer_folio_at_zero),
		cmocka_unit_test(test_alloc_failure),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_last_folio_past_end),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_restore_refusals),
		cmocka_unit_test(test_folio_misplaced),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
