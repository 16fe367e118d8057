// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_kho_test.c - kho-test-v1 (lib/test_kho.c's handover) both ways: the
 * blob's bytes as the kernel writes them (FDT properties, native-endian
 * magic, entries phys | order in a VM_ALLOC vmalloc area, the chained
 * csum_partial of either architecture), a round trip through a kexec at
 * 4, 16 and 64 KiB pages (every folio restored and summed, every page of
 * the list, its chunks, the folios and the blob freed), what view->own()
 * and the callback are told, allocation failures at every allocation,
 * unpreserve, and refusals naming the field: bad magic, compatible, /data,
 * property lengths, nr_folios 0 or larger than the list, a bad checksum,
 * changed data, a folio missing or of another order, entries misaligned or
 * of an order no key holds, an FDT larger than its blob-size, not mapped,
 * corrupt; and, when the frozen captures of Linux 7.3.4 exist, our blob
 * byte for byte against the kernel's own.
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

#include <kho/block.h>
#include <kho/csum.h>
#include <kho/kho.h>
#include <kho/kho_test.h>
#include <kho/vmalloc.h>

#include "lib/machine.h"

#define ENV_PHYS_BASE 0x100000000ULL
#define ENV_PAGES 2048
#define SCRATCH_FIRST 0
#define SCRATCH_PAGES 16

static void count_warning(const char *file, int line, const char *what)
{
}

struct machine {
	struct kho_env *e;
	struct kho_out out;
	struct kho_in in;
	struct kho_test_folio *folios;
	uint32_t nr;
	struct kho_test_out t;
	uint64_t scratch_phys;
	uint64_t rng;
};

static uint64_t next_random(struct machine *m)
{
	m->rng ^= m->rng << 13;
	m->rng ^= m->rng >> 7;
	m->rng ^= m->rng << 17;
	return m->rng;
}

static void machine_init(struct machine *m, unsigned int page_shift)
{
	memset(m, 0, sizeof(*m));
	m->rng = 0x2545f4914f6cdd1dULL + page_shift;
	m->e = machine_env_new(page_shift, ENV_PHYS_BASE, ENV_PAGES,
			       SCRATCH_PAGES, &m->out);
}

static void machine_free(struct machine *m)
{
	machine_env_free(m->e, &m->out, &m->in);
	free(m->folios);
}

/* @nr folios of random orders below @max_order, random bytes, as test_kho. */
static void make_folios(struct machine *m, uint32_t nr, unsigned int max_order)
{
	uint64_t *p, words, j;
	uint32_t i;

	m->nr = nr;
	m->folios = calloc(nr, sizeof(*m->folios));
	assert_non_null(m->folios);
	for (i = 0; i < nr; i++) {
		unsigned int order = (unsigned int)(next_random(m) % max_order);

		p = kho_env_alloc(m->e, order);
		assert_non_null(p);
		m->folios[i].phys = kho_env_phys(m->e, p);
		m->folios[i].order = order;
		words = (m->e->page_size << order) / sizeof(*p);
		for (j = 0; j < words; j++)
			p[j] = next_random(m);
	}
}

/* The chained checksum, computed here in one piece per folio. */
static uint32_t expected_csum(struct machine *m, enum kho_csum_arch arch)
{
	uint32_t sum = 0, i;

	for (i = 0; i < m->nr; i++)
		sum = kho_csum_partial(
			arch, kho_env_va(m->e, m->folios[i].phys),
			m->e->page_size << m->folios[i].order, sum);
	return sum;
}

static int preserve(struct machine *m, enum kho_csum_arch arch)
{
	return kho_test_preserve(&m->out, m->folios, m->nr, arch, &m->t);
}

static int op_preserve(void *arg)
{
	return preserve(arg, KHO_CSUM_X86_64);
}

static void kexec(struct machine *m)
{
	assert_int_equal(kho_env_kexec(m->e, m->out.fdt_phys, &m->in,
				       &m->scratch_phys),
			 0);
}

/* ---- the blob, as lib/test_kho.c writes it -------------------------------- */

static const void *prop(const void *fdt, const char *path, const char *name,
			int len)
{
	int node = fdt_path_offset(fdt, path), got;
	const void *p;

	assert_true(node >= 0);
	p = fdt_getprop(fdt, node, name, &got);
	assert_non_null(p);
	assert_int_equal(got, len);
	return p;
}

static void check_blob(struct machine *m, enum kho_csum_arch arch)
{
	static const unsigned char magic_le[] = { 0x21, 0x4f, 0x48, 0x4b };
	const void *fdt = m->t.fdt;
	struct kho_vmalloc v;
	uint64_t page = m->e->page_size, *entries, phys;
	uint32_t u32, i, seen = 0;
	unsigned int fdt_order = 0;

	assert_int_equal(fdt_check_full(fdt, m->t.fdt_size), 0);
	assert_int_equal(fdt_totalsize(fdt), m->t.fdt_size);
	assert_memory_equal(prop(fdt, "/", "compatible", 12), "kho-test-v1",
			    12);
	assert_memory_equal(prop(fdt, "/", "magic", 4), magic_le, 4);
	memcpy(&u32, prop(fdt, "/data", "nr_folios", 4), 4);
	assert_int_equal(u32, m->nr);
	memcpy(&u32, prop(fdt, "/data", "csum", 4), 4);
	assert_int_equal(u32, expected_csum(m, arch));
	assert_int_equal(u32, m->t.csum);
	memcpy(&v, prop(fdt, "/data", "folios_info", 16), 16);
	assert_memory_equal(&v, &m->t.folios_info, sizeof(v));
	/* vmalloc_array(nr, 8): order 0, VM_ALLOC, pages for nr entries. */
	assert_int_equal(v.order, 0);
	assert_int_equal(v.flags, KHO_VMALLOC_FLAG_VM_ALLOC);
	assert_int_equal(v.total_pages, (m->nr * 8 + page - 1) / page);
	/* The blob: a folio of get_order(nr * 8 + PAGE_SIZE). */
	while ((page << fdt_order) < m->nr * 8 + page)
		fdt_order++;
	assert_true(kho_radix_test_page(&m->out.tree,
					m->t.fdt_phys >> m->e->geo.page_shift,
					fdt_order));
	/* Entries phys | order, in order, each folio preserved. */
	phys = v.first;
	while (phys) {
		uint64_t *chunk = kho_env_va(m->e, phys), j, k;

		for (j = 1; j < page / 8 && chunk[j]; j++) {
			entries = kho_env_va(m->e, chunk[j]);
			for (k = 0; k < page / 8 && seen < m->nr; k++, seen++) {
				i = seen;
				assert_int_equal(entries[k],
						 m->folios[i].phys |
							 m->folios[i].order);
				assert_true(kho_radix_test_page(
					&m->out.tree,
					m->folios[i].phys >>
						m->e->geo.page_shift,
					m->folios[i].order));
			}
		}
		phys = chunk[0];
	}
	assert_int_equal(seen, m->nr);
}

static void test_blob_layout(void **state)
{
	struct machine m;

	machine_init(&m, 12);
	make_folios(&m, 35, 4);
	assert_int_equal(preserve(&m, KHO_CSUM_X86_64), 0);
	check_blob(&m, KHO_CSUM_X86_64);
	machine_free(&m);

	/* Two pages of entries: 600 folios of one page. */
	machine_init(&m, 12);
	make_folios(&m, 600, 1);
	assert_int_equal(preserve(&m, KHO_CSUM_ARM64), 0);
	check_blob(&m, KHO_CSUM_ARM64);
	machine_free(&m);
}

/* ---- round trip ------------------------------------------------------------ */

static void round_trip(unsigned int shift, uint32_t nr, unsigned int max_order,
		       enum kho_csum_arch arch)
{
	struct kho_error err = { 0 };
	struct kho_test_info info;
	struct machine m;
	uint64_t live, fdt_pages;
	uint32_t csum;
	struct kho_view view;
	uint32_t i;

	machine_init(&m, shift);
	make_folios(&m, nr, max_order);
	assert_int_equal(preserve(&m, arch), 0);
	check_blob(&m, arch);
	kexec(&m);

	/* Read without restoring: the stored sum is the folios' sum. */
	kho_in_view(&m.in, &view);
	assert_int_equal(kho_test_verify(&view, m.t.fdt_phys, m.t.fdt_size,
					 arch, &csum, &err),
			 0);
	assert_int_equal(csum, m.t.csum);
	/* The other architecture's sum is another value. */
	assert_int_equal(kho_test_verify(&view, m.t.fdt_phys, m.t.fdt_size,
					 arch == KHO_CSUM_ARM64 ?
						 KHO_CSUM_X86_64 :
						 KHO_CSUM_ARM64,
					 &csum, &err),
			 -EBADMSG);
	assert_string_equal(err.property, "csum");

	live = m.e->live_pages;
	fdt_pages = 1;
	while (fdt_pages * m.e->page_size < nr * 8 + m.e->page_size)
		fdt_pages <<= 1;
	assert_int_equal(kho_test_restore(&m.in, m.t.fdt_phys, m.t.fdt_size,
					  arch, &info, &err),
			 0);
	assert_int_equal(info.nr_folios, nr);
	assert_int_equal(info.csum, m.t.csum);
	assert_int_equal(info.fdt_size, m.t.fdt_size);
	/* Folios, list pages, chunks and the blob all went back. */
	for (i = 0; i < nr; i++)
		live -= 1ULL << m.folios[i].order;
	live -= m.t.folios_info.total_pages;
	live -= m.t.folios_info.total_pages / (m.e->page_size / 8 - 1) + 1;
	live -= fdt_pages;
	assert_int_equal(m.e->live_pages, live);
	/* Nothing is left to restore a second time. */
	assert_int_not_equal(kho_test_restore(&m.in, m.t.fdt_phys, m.t.fdt_size,
					      arch, NULL, &err),
			     0);
	machine_free(&m);
}

static void test_round_trip(void **state)
{
	round_trip(12, 35, 5, KHO_CSUM_X86_64);
	round_trip(12, 35, 5, KHO_CSUM_ARM64);
	round_trip(12, 1, 1, KHO_CSUM_X86_64);
	/* Exactly one page of entries. */
	round_trip(12, 512, 1, KHO_CSUM_ARM64);
	round_trip(12, 700, 1, KHO_CSUM_X86_64);
	round_trip(14, 40, 4, KHO_CSUM_ARM64);
	round_trip(16, 20, 3, KHO_CSUM_X86_64);
}

/* ---- what the reader tells ------------------------------------------------- */

struct told {
	struct machine *m;
	unsigned int blobs, chunks, lists, other;
	uint32_t folios;
	bool bad;
	int stop_own; /* stop at the n-th own() call, from 1; 0 never */
	unsigned int owns;
};

static const void *told_map(void *ctx, uint64_t phys, uint64_t len)
{
	struct told *t = ctx;
	struct kho_env *e = t->m->e;
	uint64_t end = e->phys_base + e->nr_pages * e->page_size;

	if (phys < e->phys_base || phys + len > end)
		return NULL;
	return kho_env_va(e, phys);
}

static int told_own(void *ctx, uint64_t phys, uint64_t len, const char *what)
{
	struct told *t = ctx;

	if (++t->owns == (unsigned int)t->stop_own)
		return -ENOSPC;
	if (!strcmp(what, "kho-test-v1"))
		t->blobs += phys == t->m->t.fdt_phys && len == t->m->t.fdt_size;
	else if (!strcmp(what, "vmalloc chunk"))
		t->chunks++;
	else if (!strcmp(what, "kho-test folio list"))
		t->lists++;
	else
		t->other++;
	return 0;
}

static int told_folio(uint64_t phys, unsigned int order, uint32_t index,
		      void *arg)
{
	struct told *t = arg;

	if (index != t->folios || phys != t->m->folios[index].phys ||
	    order != t->m->folios[index].order)
		t->bad = true;
	t->folios++;
	return index == 7 && t->stop_own < 0 ? -EIO : 0;
}

static void told_view(struct told *t, struct kho_view *view)
{
	view->map = told_map;
	view->own = told_own;
	view->ctx = t;
	view->page_shift = t->m->e->geo.page_shift;
}

static void test_read_tells(void **state)
{
	struct kho_error err = { 0 };
	struct kho_test_info info;
	struct kho_view view;
	struct machine m;
	struct told t;

	machine_init(&m, 12);
	make_folios(&m, 600, 2);
	assert_int_equal(preserve(&m, KHO_CSUM_X86_64), 0);

	memset(&t, 0, sizeof(t));
	t.m = &m;
	told_view(&t, &view);
	assert_int_equal(kho_test_read(&view, m.t.fdt_phys, m.t.fdt_size,
				       told_folio, &t, &info, &err),
			 0);
	assert_false(t.bad);
	assert_int_equal(t.folios, 600);
	assert_int_equal(t.blobs, 1);
	assert_int_equal(t.chunks, 1);
	assert_int_equal(t.lists, 2);
	assert_int_equal(t.other, 0);
	assert_int_equal(info.nr_folios, 600);

	/* Size 0 (a kho-v2 handover): the FDT header's totalsize. */
	memset(&t, 0, sizeof(t));
	t.m = &m;
	assert_int_equal(
		kho_test_read(&view, m.t.fdt_phys, 0, NULL, NULL, NULL, &err),
		0);
	assert_int_equal(t.blobs, 1);
	assert_int_equal(t.lists, 2);

	/* The callback and own() stop the read with their code. */
	memset(&t, 0, sizeof(t));
	t.m = &m;
	t.stop_own = -1;
	assert_int_equal(kho_test_read(&view, m.t.fdt_phys, m.t.fdt_size,
				       told_folio, &t, NULL, &err),
			 -EIO);
	assert_int_equal(t.folios, 8);
	for (t.stop_own = 1; t.stop_own <= 4; t.stop_own++) {
		t.owns = 0;
		assert_int_equal(kho_test_read(&view, m.t.fdt_phys,
					       m.t.fdt_size, NULL, NULL, NULL,
					       &err),
				 -ENOSPC);
	}
	machine_free(&m);
}

/* ---- kernel A's failures ------------------------------------------------ */

static void test_preserve_refused(void **state)
{
	struct kho_env_snapshot before, after;
	struct machine m;
	uint64_t saved;

	machine_init(&m, 12);
	make_folios(&m, 10, 3);
	kho_env_snapshot(m.e, &m.out, &before);
	assert_int_equal(
		kho_test_preserve(&m.out, m.folios, 0, KHO_CSUM_X86_64, &m.t),
		-EINVAL);
	m.folios[4].order = m.e->geo.order0_bit;
	assert_int_equal(preserve(&m, KHO_CSUM_X86_64), -EINVAL);
	/* 4 GiB: more bytes than kernel B's unsigned int counts. */
	m.folios[4].order = 20;
	assert_int_equal(preserve(&m, KHO_CSUM_X86_64), -ERANGE);
	m.folios[4].order = 0;
	saved = m.folios[4].phys;
	m.folios[4].phys += 8;
	assert_int_equal(preserve(&m, KHO_CSUM_X86_64), -EINVAL);
	/* Not mapped: outside RAM. */
	m.folios[4].phys = kho_env_page_phys(m.e, ENV_PAGES + 4);
	assert_int_equal(preserve(&m, KHO_CSUM_X86_64), -EINVAL);
	/* In scratch: kho_preserve_folio() refuses it, late. */
	m.folios[4].phys = kho_env_page_phys(m.e, SCRATCH_FIRST + 2);
	assert_int_equal(preserve(&m, KHO_CSUM_X86_64), -EINVAL);
	m.folios[4].phys = saved;
	/* More entries than a page can list the pages of: checked first. */
	assert_int_equal(
		kho_test_preserve(
			&m.out, m.folios,
			(uint32_t)(m.e->page_size / 8 * m.e->page_size / 8) + 1,
			KHO_CSUM_X86_64, &m.t),
		-ERANGE);
	kho_env_snapshot(m.e, &m.out, &after);
	assert_true(kho_env_snapshot_equal(&before, &after));
	kho_env_snapshot_free(&before);
	kho_env_snapshot_free(&after);
	assert_null(m.t.fdt);
	machine_free(&m);
}

static void test_alloc_failure(void **state)
{
	struct machine m;

	machine_init(&m, 12);
	/* Two pages of entries, chunk, blob, scratch list, tree nodes. */
	make_folios(&m, 600, 1);
	assert_true(kho_env_sweep(m.e, &m.out, op_preserve, &m, -ENOMEM) >= 5);
	check_blob(&m, KHO_CSUM_X86_64);
	machine_free(&m);
}

static void test_unpreserve(void **state)
{
	struct kho_env_snapshot before, after;
	struct machine m;

	machine_init(&m, 12);
	make_folios(&m, 600, 2);
	kho_env_snapshot(m.e, &m.out, &before);
	assert_int_equal(preserve(&m, KHO_CSUM_ARM64), 0);
	kho_test_unpreserve(&m.out, &m.t);
	kho_env_snapshot(m.e, &m.out, &after);
	assert_true(kho_env_snapshot_equal(&before, &after));
	kho_env_snapshot_free(&before);
	kho_env_snapshot_free(&after);
	assert_null(m.t.fdt);
	kho_test_unpreserve(&m.out, &m.t);
	kho_test_unpreserve(&m.out, NULL);
	machine_free(&m);
}

/* ---- refusals -------------------------------------------------------------- */

/* Room to edit the blob: open it into its whole folio, then pack it. */
static void *edit_open(struct machine *m)
{
	void *fdt = m->t.fdt;

	assert_int_equal(fdt_open_into(fdt, fdt, (int)m->e->page_size), 0);
	return fdt;
}

static void edit_close(struct machine *m)
{
	assert_int_equal(fdt_pack(m->t.fdt), 0);
	m->t.fdt_size = fdt_totalsize(m->t.fdt);
}

static void set_prop(struct machine *m, const char *path, const char *name,
		     const void *val, int len)
{
	void *fdt = edit_open(m);

	assert_int_equal(
		fdt_setprop(fdt, fdt_path_offset(fdt, path), name, val, len),
		0);
	edit_close(m);
}

static void bad_magic(struct machine *m)
{
	uint32_t magic = 0x214f484b;

	set_prop(m, "/", "magic", &magic, 4);
}

static void short_magic(struct machine *m)
{
	uint16_t magic = 0x4f21;

	set_prop(m, "/", "magic", &magic, 2);
}

static void no_magic(struct machine *m)
{
	void *fdt = edit_open(m);

	assert_int_equal(fdt_delprop(fdt, 0, "magic"), 0);
	edit_close(m);
}

static void bad_compatible(struct machine *m)
{
	set_prop(m, "/", "compatible", "kho-test-v2", 12);
}

static void no_data(struct machine *m)
{
	void *fdt = edit_open(m);

	assert_int_equal(fdt_del_node(fdt, fdt_path_offset(fdt, "/data")), 0);
	edit_close(m);
}

static void nr_folios_8_bytes(struct machine *m)
{
	uint64_t nr = m->nr;

	set_prop(m, "/data", "nr_folios", &nr, 8);
}

static void nr_folios_zero(struct machine *m)
{
	uint32_t nr = 0;

	set_prop(m, "/data", "nr_folios", &nr, 4);
}

/* More folios than the list's one page holds. */
static void nr_folios_too_many(struct machine *m)
{
	uint32_t nr = (uint32_t)(m->e->page_size / 8 + 1);

	set_prop(m, "/data", "nr_folios", &nr, 4);
}

static void csum_2_bytes(struct machine *m)
{
	uint16_t c = 0;

	set_prop(m, "/data", "csum", &c, 2);
}

static void folios_info_8_bytes(struct machine *m)
{
	set_prop(m, "/data", "folios_info", &m->t.folios_info, 8);
}

static void list_order_1(struct machine *m)
{
	struct kho_vmalloc v = m->t.folios_info;

	v.order = 1;
	v.total_pages = 2;
	set_prop(m, "/data", "folios_info", &v, 16);
}

static void blob_not_fdt(struct machine *m)
{
	memset(m->t.fdt, 0x5a, 8);
}

static void fdt_corrupt(struct machine *m)
{
	struct fdt_header *h = m->t.fdt;

	/* The structure block runs past the end of the blob. */
	h->size_dt_struct = cpu_to_fdt32(fdt_size_dt_struct(m->t.fdt) + 64);
}

static void fdt_old_version(struct machine *m)
{
	fdt_set_version(m->t.fdt, 15);
}

static void blob_size_small(struct machine *m)
{
	m->t.fdt_size -= 8;
}

/* The FDT moved 4 bytes up its page: libfdt, and Linux, want 8. */
static void blob_misaligned(struct machine *m)
{
	memmove((char *)m->t.fdt + 4, m->t.fdt, m->t.fdt_size);
	m->t.fdt_phys += 4;
}

static void blob_outside_ram(struct machine *m)
{
	m->t.fdt_phys = kho_env_page_phys(m->e, ENV_PAGES + 2);
}

static void list_first_zero(struct machine *m)
{
	struct kho_vmalloc v = m->t.folios_info;

	v.first = 0;
	set_prop(m, "/data", "folios_info", &v, 16);
}

/* Entry 3, in the list's first page. */
static uint64_t *entry_3(struct machine *m)
{
	uint64_t *chunk = kho_env_va(m->e, m->t.folios_info.first);

	return (uint64_t *)kho_env_va(m->e, chunk[1]) + 3;
}

static void entry_misaligned(struct machine *m)
{
	/* An order-0 folio named as order 1 at an odd page. */
	*entry_3(m) = (m->folios[3].phys | m->e->page_size) | 1;
}

/* An order-20 folio (4 GiB) at an address aligned to it. */
static void entry_order_4g(struct machine *m)
{
	*entry_3(m) = (1ULL << 32) | 20;
}

static void entry_order_huge(struct machine *m)
{
	*entry_3(m) = (*entry_3(m) & ~(m->e->page_size - 1)) | 60;
}

/* Entry 3 a one-page folio of random data (the corruptions rely on it). */
static void one_page_folio_3(struct machine *m)
{
	uint64_t *p, j;

	kho_env_free(m->e, kho_env_va(m->e, m->folios[3].phys),
		     m->folios[3].order);
	p = kho_env_alloc(m->e, 0);
	assert_non_null(p);
	for (j = 0; j < m->e->page_size / sizeof(*p); j++)
		p[j] = next_random(m);
	m->folios[3].order = 0;
	m->folios[3].phys = kho_env_phys(m->e, p);
}

/* The list's first page outside RAM: the chunk's entry moved. */
static void list_page_outside_ram(struct machine *m)
{
	uint64_t *chunk = kho_env_va(m->e, m->t.folios_info.first);

	chunk[1] = kho_env_page_phys(m->e, ENV_PAGES + 6);
}

typedef void (*corrupt_fn)(struct machine *m);

struct refusal {
	const char *name;
	corrupt_fn corrupt;
	int code;
	const char *property;
	long index;
};

/* Returns the sentence the reader said. */
static const char *refused(const struct refusal *r)
{
	struct kho_error err = { 0 }, err2 = { 0 };
	struct kho_view view;
	struct machine m;
	struct told t;
	uint64_t live;
	uint32_t csum;
	char line[512];

	print_message("%s\n", r->name);
	machine_init(&m, 12);
	make_folios(&m, 10, 2);
	one_page_folio_3(&m);
	assert_int_equal(preserve(&m, KHO_CSUM_X86_64), 0);
	kexec(&m);
	r->corrupt(&m);

	/* The reader alone: nothing told before the whole blob checked. */
	memset(&t, 0, sizeof(t));
	t.m = &m;
	told_view(&t, &view);
	assert_int_equal(kho_test_read(&view, m.t.fdt_phys, m.t.fdt_size,
				       told_folio, &t, NULL, &err),
			 r->code);
	assert_int_equal(t.owns, 0);
	assert_int_equal(t.folios, 0);
	assert_int_equal(err.code, r->code);
	assert_non_null(err.what);
	if (r->property)
		assert_string_equal(err.property, r->property);
	else
		assert_null(err.property);
	assert_int_equal(err.index, r->index);
	/* Each names where: the list's descriptor by the blob holding it. */
	assert_int_not_equal(err.phys, KHO_ERR_NO_ADDR);
	assert_true(kho_error_format(&err, line, sizeof(line)) > 0);
	assert_int_equal(kho_test_verify(&view, m.t.fdt_phys, m.t.fdt_size,
					 KHO_CSUM_X86_64, &csum, NULL),
			 r->code);

	/* Kernel B: the same refusal, nothing restored or freed. */
	live = m.e->live_pages;
	assert_int_equal(kho_test_restore(&m.in, m.t.fdt_phys, m.t.fdt_size,
					  KHO_CSUM_X86_64, NULL, &err2),
			 r->code);
	assert_int_equal(err2.code, err.code);
	assert_ptr_equal(err2.what, err.what);
	assert_int_equal(m.e->live_pages, live);
	machine_free(&m);
	return err.what;
}

static void test_refused(void **state)
{
	static const struct refusal cases[] = {
		{ "bad magic", bad_magic, -EINVAL, "magic", -1 },
		{ "short magic", short_magic, -EINVAL, "magic", -1 },
		{ "no magic", no_magic, -EINVAL, "magic", -1 },
		{ "bad compatible", bad_compatible, -EINVAL, "compatible", -1 },
		{ "no /data", no_data, -EINVAL, "data", -1 },
		{ "nr_folios 8 bytes", nr_folios_8_bytes, -EINVAL, "nr_folios",
		  -1 },
		{ "nr_folios 0", nr_folios_zero, -EINVAL, "nr_folios", -1 },
		{ "nr_folios too many", nr_folios_too_many, -EINVAL,
		  "folios_info", -1 },
		{ "csum 2 bytes", csum_2_bytes, -EINVAL, "csum", -1 },
		{ "folios_info 8 bytes", folios_info_8_bytes, -EINVAL,
		  "folios_info", -1 },
		{ "list of order 1", list_order_1, -EINVAL, "folios_info", -1 },
		{ "not an FDT", blob_not_fdt, -EINVAL, NULL, -1 },
		{ "FDT corrupt", fdt_corrupt, -EINVAL, NULL, -1 },
		{ "FDT version 15", fdt_old_version, -EINVAL, NULL, -1 },
		{ "blob-size too small", blob_size_small, -EINVAL, "blob-size",
		  -1 },
		{ "blob outside RAM", blob_outside_ram, -EFAULT, NULL, -1 },
		{ "list without chunk", list_first_zero, -EINVAL, "first", -1 },
		{ "list page outside RAM", list_page_outside_ram, -EFAULT,
		  "folios_info", 0 },
		{ "entry misaligned", entry_misaligned, -EINVAL, "folios_info",
		  3 },
		{ "entry order 60", entry_order_huge, -EINVAL, "folios_info",
		  3 },
	};
	static const struct refusal misaligned = {
		"blob misaligned", blob_misaligned, -EINVAL, NULL, -1
	};
	static const struct refusal order_4g = { "entry order 20",
						 entry_order_4g, -EINVAL,
						 "folios_info", 3 };
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		refused(&cases[i]);
	assert_non_null(strstr(refused(&misaligned), "not 8-byte aligned"));
	assert_non_null(strstr(refused(&order_4g), "4 GiB or more"));
}

/* ---- refused only by kernel B: what the view cannot see ------------------ */

struct late {
	const char *name;
	corrupt_fn corrupt;
	int code;
	const char *property;
	long index;
	int verify; /* kho_test_verify() on the same memory */
	bool frees_nothing; /* refused before anything was restored */
};

static void bad_csum(struct machine *m)
{
	uint32_t c = m->t.csum + 1;

	set_prop(m, "/data", "csum", &c, 4);
}

static void data_changed(struct machine *m)
{
	unsigned char *p = kho_env_va(m->e, m->folios[5].phys);

	p[100] ^= 0x40;
}

/* Entry 3 names a page nobody preserved. */
static void folio_missing(struct machine *m)
{
	*entry_3(m) = kho_env_page_phys(m->e, ENV_PAGES - 1);
}

/* Entry 3 names a page outside RAM: the view cannot sum it. */
static void folio_outside_ram(struct machine *m)
{
	*entry_3(m) = kho_env_page_phys(m->e, ENV_PAGES + 5);
}

/* The chunk copied to a page nobody preserved, and named from there. */
static void chunk_not_preserved(struct machine *m)
{
	uint64_t copy = kho_env_page_phys(m->e, ENV_PAGES - 2);
	struct kho_vmalloc v = m->t.folios_info;

	memcpy(kho_env_va(m->e, copy), kho_env_va(m->e, v.first),
	       m->e->page_size);
	v.first = copy;
	set_prop(m, "/data", "folios_info", &v, 16);
}

/* The list names its one page twice: kho_restore_vmalloc() refuses it. */
static void list_page_twice(struct machine *m)
{
	uint64_t *chunk = kho_env_va(m->e, m->t.folios_info.first);
	struct kho_vmalloc v = m->t.folios_info;

	chunk[2] = chunk[1];
	v.total_pages = 2;
	set_prop(m, "/data", "folios_info", &v, 16);
}

/* The blob copied to a page nobody preserved, and named from there. */
static void blob_not_preserved(struct machine *m)
{
	uint64_t copy = kho_env_page_phys(m->e, ENV_PAGES - 3);

	memcpy(kho_env_va(m->e, copy), m->t.fdt, m->t.fdt_size);
	m->t.fdt_phys = copy;
}

/* Entry 3 names the blob, preserved as order 1, with order 0. */
static void folio_other_order(struct machine *m)
{
	*entry_3(m) = m->t.fdt_phys;
}

static void late_refused(const struct late *l)
{
	struct kho_error err = { 0 };
	struct kho_view view;
	struct machine m;
	struct told t;
	uint32_t csum;
	uint64_t live;

	print_message("%s\n", l->name);
	machine_init(&m, 12);
	make_folios(&m, 10, 2);
	one_page_folio_3(&m);
	assert_int_equal(preserve(&m, KHO_CSUM_ARM64), 0);
	kexec(&m);
	l->corrupt(&m);

	/* A view that owns whatever it is told: the format itself is fine. */
	memset(&t, 0, sizeof(t));
	t.m = &m;
	told_view(&t, &view);
	assert_int_equal(kho_test_read(&view, m.t.fdt_phys, m.t.fdt_size, NULL,
				       NULL, NULL, &err),
			 0);
	csum = 0;
	assert_int_equal(kho_test_verify(&view, m.t.fdt_phys, m.t.fdt_size,
					 KHO_CSUM_ARM64, &csum, &err),
			 l->verify);

	live = m.e->live_pages;
	memset(&err, 0, sizeof(err));
	assert_int_equal(kho_test_restore(&m.in, m.t.fdt_phys, m.t.fdt_size,
					  KHO_CSUM_ARM64, NULL, &err),
			 l->code);
	if (l->property)
		assert_string_equal(err.property, l->property);
	else
		assert_null(err.property);
	assert_int_equal(err.index, l->index);
	/* The list's pages and chunk went back in any case; the folios
	 * restored before the failure were put, as the kernel puts them. */
	if (l->frees_nothing)
		assert_int_equal(m.e->live_pages, live);
	else
		assert_true(m.e->live_pages < live);
	machine_free(&m);
}

static void test_late_refused(void **state)
{
	static const struct late cases[] = {
		{ "bad csum", bad_csum, -EBADMSG, "csum", -1, -EBADMSG, false },
		{ "data changed", data_changed, -EBADMSG, "csum", -1, -EBADMSG,
		  false },
		{ "folio missing", folio_missing, -EINVAL, "folios_info", 3,
		  -EBADMSG, false },
		{ "folio of another order", folio_other_order, -EINVAL,
		  "folios_info", 3, -EBADMSG, false },
		{ "folio outside RAM", folio_outside_ram, -EINVAL,
		  "folios_info", 3, -EFAULT, false },
		{ "chunk not preserved", chunk_not_preserved, -EINVAL, "first",
		  0, 0, true },
		{ "list page twice", list_page_twice, -EINVAL, "folios_info",
		  -1, 0, true },
		{ "blob not preserved", blob_not_preserved, -EINVAL, NULL, -1,
		  0, true },
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		late_refused(&cases[i]);
}

static void test_not_walked(void **state)
{
	struct kho_error err = { 0 };
	struct machine m;

	machine_init(&m, 12);
	make_folios(&m, 3, 1);
	assert_int_equal(preserve(&m, KHO_CSUM_X86_64), 0);
	assert_int_equal(kho_test_restore(&m.in, m.t.fdt_phys, m.t.fdt_size,
					  KHO_CSUM_X86_64, NULL, &err),
			 -EPERM);
	assert_int_equal(err.code, -EPERM);
	assert_int_equal(
		kho_test_restore(NULL, 0, 0, KHO_CSUM_X86_64, NULL, NULL),
		-EINVAL);
	assert_int_equal(kho_test_read(NULL, 0, 0, NULL, NULL, NULL, NULL),
			 -EINVAL);
	assert_int_equal(
		kho_test_verify(NULL, 0, 0, KHO_CSUM_X86_64, NULL, NULL),
		-EINVAL);
	machine_free(&m);
}

/* ---- byte for byte against Linux 7.3.4's own blob --------------------- */

/*
 * Where tests/kernel's capture case leaves what real kernels handed over
 * (KHO_CAPTURES, as tests/test_inspect_capture.sh reads it).
 */
static const char *captures_dir(void)
{
	const char *dir = getenv("KHO_CAPTURES");

	return dir && *dir ? dir : "/var/cache/libkho/captures";
}

/* A capture's RAM file mapped, where its one RAM range starts, its pages. */
struct capture {
	unsigned char *ram;
	size_t len;
	uint64_t base;
	unsigned int page_shift;
};

static bool capture_open(struct capture *c, const char *name)
{
	char path[512], line[256];
	unsigned long long base = 0, size = 0;
	unsigned int page_size = 4096;
	FILE *f;

	memset(c, 0, sizeof(*c));
	snprintf(path, sizeof(path), "%s/%s/machine.conf", captures_dir(),
		 name);
	f = fopen(path, "r");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long b, sz;

		/* The first RAM range; the page size when given. */
		if (!size && sscanf(line, "ram = %llx %llx", &b, &sz) == 2) {
			base = b;
			size = sz;
		}
		sscanf(line, "page_size = %u", &page_size);
	}
	fclose(f);
	if (!size || !page_size || page_size & (page_size - 1))
		return false;
	c->page_shift = (unsigned int)__builtin_ctz(page_size);
	snprintf(path, sizeof(path), "%s/%s/ram.img", captures_dir(), name);
	f = fopen(path, "r");
	if (!f)
		return false;
	c->len = (size_t)size;
	c->base = base;
	c->ram = mmap(NULL, c->len, PROT_READ, MAP_PRIVATE, fileno(f), 0);
	fclose(f);
	return c->ram != MAP_FAILED;
}

static const void *capture_at(struct capture *c, uint64_t phys)
{
	assert_true(phys >= c->base && phys - c->base < c->len);
	return c->ram + (phys - c->base);
}

/*
 * The kernel's kho_test blob in a capture, against ours for the same
 * nr_folios with its folios_info and csum copied in: the same bytes.
 */
static void capture_bytes(const char *name, enum kho_csum_arch arch)
{
	char path[512];
	const void *root, *blob, *p;
	uint64_t kd[4], phys, size;
	uint32_t nr;
	struct capture c;
	struct machine m;
	unsigned char *ours;
	int node, len;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/handover", captures_dir(), name);
	f = fopen(path, "r");
	if (!f || !capture_open(&c, name)) {
		print_message("SKIP: no capture %s under %s (make kernel-check "
			      "KERNEL_CASES=capture:ARCH leaves one)\n",
			      name, captures_dir());
		if (f)
			fclose(f);
		skip();
	}
	assert_int_equal(fread(kd, sizeof(kd), 1, f), 1);
	fclose(f);
	root = capture_at(&c, kd[0]);
	node = fdt_subnode_offset(root, 0, KHO_TEST_NAME);
	assert_true(node >= 0);
	p = fdt_getprop(root, node, "preserved-data", &len);
	assert_int_equal(len, 8);
	memcpy(&phys, p, 8);
	p = fdt_getprop(root, node, "blob-size", &len);
	assert_int_equal(len, 8);
	memcpy(&size, p, 8);
	blob = capture_at(&c, phys);
	assert_int_equal(fdt_totalsize(blob), size);
	memcpy(&nr, prop(blob, "/data", "nr_folios", 4), 4);

	/* Ours: nr one-page folios, then the kernel's two values. */
	machine_init(&m, c.page_shift);
	make_folios(&m, nr, 1);
	assert_int_equal(preserve(&m, arch), 0);
	assert_int_equal(m.t.fdt_size, size);
	ours = m.t.fdt;
	node = fdt_path_offset(ours, "/data");
	assert_int_equal(
		fdt_setprop_inplace(ours, node, "folios_info",
				    prop(blob, "/data", "folios_info", 16), 16),
		0);
	assert_int_equal(fdt_setprop_inplace(ours, node, "csum",
					     prop(blob, "/data", "csum", 4), 4),
			 0);
	assert_memory_equal(ours, blob, size);
	print_message("%s: kho_test blob, %llu bytes, %u folios: identical\n",
		      name, (unsigned long long)size, nr);
	machine_free(&m);
	munmap(c.ram, c.len);
}

static void test_capture_bytes_x86_64(void **state)
{
	capture_bytes("x86_64-7.3.4-capture1", KHO_CSUM_X86_64);
}

static void test_capture_bytes_arm64(void **state)
{
	capture_bytes("arm64-7.3.4-capture1", KHO_CSUM_ARM64);
}

static void test_capture_bytes_arm64_16k(void **state)
{
	capture_bytes("arm64-16k-7.3.4-capture1", KHO_CSUM_ARM64);
}

static void test_capture_bytes_arm64_64k(void **state)
{
	capture_bytes("arm64-64k-7.3.4-capture1", KHO_CSUM_ARM64);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blob_layout),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_read_tells),
		cmocka_unit_test(test_preserve_refused),
		cmocka_unit_test(test_alloc_failure),
		cmocka_unit_test(test_unpreserve),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_late_refused),
		cmocka_unit_test(test_not_walked),
		cmocka_unit_test(test_capture_bytes_x86_64),
		cmocka_unit_test(test_capture_bytes_arm64),
		cmocka_unit_test(test_capture_bytes_arm64_16k),
		cmocka_unit_test(test_capture_bytes_arm64_64k),
	};

	kho_warn_hook = count_warning;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
