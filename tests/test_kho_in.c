// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_kho_in.c - kernel B's side, in one process: kernel A builds a
 * handover with kho_out in a test machine, "kexecs" (the memmap is wiped),
 * and a fresh kho_in takes it over on the same RAM. Round trips for every
 * page size (stamps, coalesced reservations, folio / pages / free restores,
 * subtrees), every way a handover is refused (FDT header, size, compatible,
 * memory map missing / short / zero / misaligned / outside RAM, scratch
 * array empty / ragged / outside RAM / overlapping ..., blocks outside RAM,
 * in scratch or overlapping, a corrupt tree, shared nodes refused by
 * kho_memory_init()'s own tree check, a block only the walk's memmap check
 * sees, a failing reservation, a missing tree check), and
 * restores that must fail (second restore, tail page, never preserved,
 * before the walk, after a refusal). Ends with the refusal sentence.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libfdt.h>

#include <kho/kho.h>

#include "lib/machine.h"

#define ENV_PHYS_BASE 0x100000000ULL
#define ENV_PAGES 1024
#define SCRATCH_FIRST 0
#define SCRATCH_PAGES 16
#define SCRATCH2_FIRST 1000
#define SCRATCH2_PAGES 8
#define BLOB_NAME "test-blob"
#define PATTERN_SEED 0x5eed

static const unsigned int page_shifts[] = { 12, 14, 16 };

static unsigned int nr_warnings;

static void count_warning(const char *file, int line, const char *what)
{
	nr_warnings++;
}

/* What kernel A preserved, stored in its blob for kernel B to find. */
struct blob {
	uint64_t folio_phys;	/* order FOLIO_ORDER */
	uint64_t pages_phys;	/* PAGES_NR pages from an odd page */
	uint64_t small_phys;	/* order 0, right after a SMALL_ORDER folio */
	uint64_t next_phys;	/* order SMALL_ORDER, ending where small starts */
};

#define FOLIO_ORDER 3
#define PAGES_NR 13
#define SMALL_ORDER 2

struct machine {
	struct kho_env *e;
	struct kho_out out;
	struct blob *blob;
	struct kho_scratch *scratch;	/* the array kexec passes */
	uint64_t scratch_phys, scratch_size;
	uint64_t fdt_phys, fdt_size;
	struct kho_in in;
};

static void fill(struct kho_env *e, uint64_t phys, uint64_t bytes,
		 uint64_t seed)
{
	uint64_t *p = kho_env_va(e, phys), i;

	for (i = 0; i < bytes / sizeof(*p); i++)
		p[i] = seed * 0x9e3779b97f4a7c15ULL + i;
}

static bool intact(struct kho_env *e, uint64_t phys, uint64_t bytes,
		   uint64_t seed)
{
	uint64_t *p = kho_env_va(e, phys), i;

	for (i = 0; i < bytes / sizeof(*p); i++) {
		if (p[i] != seed * 0x9e3779b97f4a7c15ULL + i)
			return false;
	}
	return true;
}

/* Kernel A: preserve a folio, a page run and two adjacent blocks, a blob. */
static void kernel_a(struct machine *m, unsigned int page_shift)
{
	struct kho_env *e;
	uint64_t page;
	void *p;

	memset(m, 0, sizeof(*m));
	m->e = e = kho_env_create(page_shift, ENV_PHYS_BASE, ENV_PAGES);
	assert_non_null(e);
	page = e->page_size;
	kho_env_add_scratch(e, SCRATCH_FIRST, SCRATCH_PAGES);
	kho_env_add_scratch(e, SCRATCH2_FIRST, SCRATCH2_PAGES);
	assert_int_equal(kho_out_init(&m->out, &e->geo, &e->ops, e->scratch,
				      e->nr_scratch), 0);

	m->blob = kho_alloc_preserve(&m->out, sizeof(*m->blob));
	assert_non_null(m->blob);

	p = kho_env_alloc(e, FOLIO_ORDER);
	m->blob->folio_phys = kho_env_phys(e, p);
	fill(e, m->blob->folio_phys, page << FOLIO_ORDER, PATTERN_SEED);
	assert_int_equal(kho_preserve_folio(&m->out, m->blob->folio_phys,
					    FOLIO_ORDER), 0);

	/* 16 pages allocated, 13 preserved from the 3rd: split 0, 2, 3. */
	p = kho_env_alloc(e, 4);
	m->blob->pages_phys = kho_env_phys(e, p) + 3 * page;
	fill(e, m->blob->pages_phys, PAGES_NR * page, PATTERN_SEED + 1);
	assert_int_equal(kho_preserve_pages(&m->out, m->blob->pages_phys,
					    PAGES_NR), 0);

	/* Order 2 then order 0 right behind it: one reserved range. */
	p = kho_env_alloc(e, 3);
	m->blob->next_phys = kho_env_phys(e, p);
	m->blob->small_phys = m->blob->next_phys + (page << SMALL_ORDER);
	assert_int_equal(kho_preserve_folio(&m->out, m->blob->next_phys,
					    SMALL_ORDER), 0);
	assert_int_equal(kho_preserve_folio(&m->out, m->blob->small_phys, 0),
			 0);

	assert_int_equal(kho_add_subtree(&m->out, BLOB_NAME, m->blob, 64), 0);

	/* The scratch array travels as a kexec segment: any page will do. */
	m->scratch = kho_env_alloc(e, 0);
	memcpy(m->scratch, e->scratch, e->nr_scratch * sizeof(*m->scratch));
	m->scratch_phys = kho_env_phys(e, m->scratch);
	m->scratch_size = e->nr_scratch * sizeof(*m->scratch);
	m->fdt_phys = m->out.fdt_phys;
	m->fdt_size = page;
}

/* kexec: the next kernel builds its memmap afresh. */
static void kexec(struct machine *m)
{
	kho_env_reboot(m->e);
}

static int populate(struct machine *m)
{
	return kho_populate(&m->in, &m->e->geo, &m->e->ops, m->fdt_phys,
			    m->fdt_size, m->scratch_phys, m->scratch_size);
}

static void machine_free(struct machine *m)
{
	/* Kernel A's state is still in RAM: free it to check for leaks. */
	machine_env_free(m->e, &m->out, &m->in);
}

struct ranges {
	uint64_t start[64], end[64];
	unsigned int nr;
	int fail_at;	/* fail the reservation of this range, -1 never */
};

static int collect_range(uint64_t start, uint64_t end, void *arg)
{
	struct ranges *r = arg;

	if ((int)r->nr == r->fail_at)
		return -ENOSPC;
	assert_true(r->nr < 64);
	r->start[r->nr] = start;
	r->end[r->nr] = end;
	r->nr++;
	return 0;
}

static bool in_ranges(const struct ranges *r, uint64_t start, uint64_t end)
{
	unsigned int i;

	for (i = 0; i < r->nr; i++) {
		if (start >= r->start[i] && end <= r->end[i])
			return true;
	}
	return false;
}

static void assert_stamp(struct machine *m, uint64_t phys, unsigned int order)
{
	union kho_page_info info;

	info.page_private = kho_env_page(m->e, phys)->private;
	assert_int_equal(info.magic, KHO_PAGE_MAGIC);
	assert_int_equal(info.order, order);
}

static void round_trip(unsigned int page_shift)
{
	struct ranges r = { .fail_at = -1 };
	struct machine m;
	struct kho_page *head;
	struct blob blob;
	uint64_t page, phys, live, i;
	unsigned int j;

	kernel_a(&m, page_shift);
	page = m.e->page_size;
	kexec(&m);

	assert_int_equal(populate(&m), 0);
	assert_true(m.in.revive);
	assert_false(m.in.walked);
	assert_int_equal(m.in.err.code, 0);
	assert_int_equal(m.in.nr_scratch, 2);
	/* Nothing restores before the walk. */
	assert_null(kho_restore_folio(&m.in, m.blob->folio_phys));

	assert_int_equal(kho_memory_init(&m.in, kho_env_check(m.e),
					 collect_range, &r), 0);
	assert_true(m.in.walked);
	/* The check saw every node: root, tables and the leaves in use. */
	assert_true(m.e->chk.nr_nodes >= m.e->geo.depth);
	assert_true(m.e->chk.nr_ranges > 0);
	assert_int_equal(m.e->chk.nr_scratch, 2);
	assert_ptr_equal(m.e->chk.scratch, m.in.scratch);
	assert_int_equal(kho_memory_init(&m.in, kho_env_check(m.e),
					 collect_range, &r), -EBUSY);

	/* Ranges: ascending, disjoint, not touching (coalesced). */
	for (j = 1; j < r.nr; j++)
		assert_true(r.end[j - 1] < r.start[j]);
	/* next (order 2) and small (order 0) are one range. */
	assert_true(in_ranges(&r, m.blob->next_phys,
			      m.blob->small_phys + page));
	assert_true(in_ranges(&r, m.blob->folio_phys,
			      m.blob->folio_phys + (page << FOLIO_ORDER)));
	assert_true(in_ranges(&r, m.blob->pages_phys,
			      m.blob->pages_phys + PAGES_NR * page));
	assert_true(in_ranges(&r, m.fdt_phys, m.fdt_phys + page));

	/* Stamps on first pages only. */
	assert_stamp(&m, m.blob->folio_phys, FOLIO_ORDER);
	assert_stamp(&m, m.blob->pages_phys, 0);
	assert_stamp(&m, m.blob->pages_phys + page, 2);
	assert_stamp(&m, m.blob->pages_phys + 5 * page, 3);
	/*
	 * The root FDT is reserved with the rest but taken by KHO itself, as
	 * a folio: a record that names it gets nothing.
	 */
	assert_int_equal(kho_env_page(m.e, m.fdt_phys)->private, 0);
	assert_int_equal(kho_env_page(m.e, m.fdt_phys)->refcount, 1);
	assert_null(kho_restore_folio(&m.in, m.fdt_phys));
	assert_null(kho_restore_pages(&m.in, m.fdt_phys, 1));
	assert_int_equal(kho_env_page(m.e, m.blob->folio_phys + page)->private,
			 0);

	/* The blob, by name. */
	assert_int_equal(kho_retrieve_subtree(&m.in, BLOB_NAME, &phys, NULL), 0);
	assert_int_equal(phys, kho_env_phys(m.e, m.blob));
	assert_int_equal(kho_retrieve_subtree(&m.in, "absent", &phys, NULL), -ENOENT);
	memcpy(&blob, kho_env_va(m.e, phys), sizeof(blob));

	/* Folio: head 1, tails 0, stamp gone; second restore and tails fail. */
	assert_null(kho_restore_folio(&m.in, blob.folio_phys + page));
	head = kho_restore_folio(&m.in, blob.folio_phys);
	assert_non_null(head);
	assert_ptr_equal(head, kho_env_page(m.e, blob.folio_phys));
	assert_int_equal(head->refcount, 1);
	assert_int_equal(head->private, 0);
	for (i = 1; i < 1U << FOLIO_ORDER; i++)
		assert_int_equal(kho_env_page(m.e, blob.folio_phys + i * page)
					 ->refcount, 0);
	assert_true(intact(m.e, blob.folio_phys, page << FOLIO_ORDER,
			   PATTERN_SEED));
	assert_null(kho_restore_folio(&m.in, blob.folio_phys));

	/* Pages: a different count is refused and changes nothing. */
	assert_null(kho_restore_pages(&m.in, blob.pages_phys, PAGES_NR - 1));
	/* From the 2nd page, 11 pages split (4, 2), (8, 2): order 3 there. */
	assert_null(kho_restore_pages(&m.in, blob.pages_phys + page,
				      PAGES_NR - 2));
	assert_stamp(&m, blob.pages_phys, 0);
	assert_stamp(&m, blob.pages_phys + page, 2);
	head = kho_restore_pages(&m.in, blob.pages_phys, PAGES_NR);
	assert_non_null(head);
	for (i = 0; i < PAGES_NR; i++) {
		struct kho_page *p = kho_env_page(m.e, blob.pages_phys + i * page);

		assert_int_equal(p->refcount, 1);
		assert_int_equal(p->private, 0);
	}
	assert_true(intact(m.e, blob.pages_phys, PAGES_NR * page,
			   PATTERN_SEED + 1));
	assert_null(kho_restore_pages(&m.in, blob.pages_phys, PAGES_NR));

	/* A page never preserved, and one outside RAM. */
	assert_null(kho_restore_folio(&m.in, kho_env_page_phys(m.e, 900)));
	assert_null(kho_restore_folio(&m.in, kho_env_page_phys(m.e, ENV_PAGES)));
	assert_null(kho_restore_folio(&m.in, blob.small_phys + 8));

	assert_non_null(kho_restore_folio(&m.in, blob.next_phys));
	assert_non_null(kho_restore_pages(&m.in, blob.small_phys, 1));

	/* The blob goes back to the allocator. */
	live = m.e->live_pages;
	assert_int_equal(kho_restore_free(&m.in, kho_env_va(m.e, phys)), 0);
	assert_int_equal(m.e->live_pages, live - 1);
	assert_int_equal(kho_restore_free(&m.in, kho_env_va(m.e, phys)),
			 -EINVAL);
	assert_int_equal(kho_restore_free(&m.in, NULL), 0);
	machine_free(&m);
}

/*
 * A run kernel A preserved in blocks smaller than its split, as Linux's
 * kho_preserve_pages() leaves one that crosses a NUMA node boundary
 * (kexec_handover.c:1192-1193): eight pages as orders 2, 1 and 1. Restored
 * whole, by the stamps (Linux's kernel B would take the first four pages
 * only). The same run with its last block missing, or asked one page
 * short, restores nothing.
 */
static void test_restore_pages_node_split(void **state)
{
	struct ranges r = { .fail_at = -1 };
	struct machine m;
	struct kho_page *head;
	uint64_t page, run, gap, i;

	kernel_a(&m, 12);
	page = m.e->page_size;
	run = kho_env_phys(m.e, kho_env_alloc(m.e, 3));
	gap = kho_env_phys(m.e, kho_env_alloc(m.e, 3));
	for (i = 0; i < 2; i++) {
		uint64_t at = i ? gap : run;

		assert_int_equal(kho_preserve_folio(&m.out, at, 2), 0);
		assert_int_equal(kho_preserve_folio(&m.out, at + 4 * page, 1),
				 0);
	}
	assert_int_equal(kho_preserve_folio(&m.out, run + 6 * page, 1), 0);
	kexec(&m);
	assert_int_equal(populate(&m), 0);
	assert_int_equal(kho_memory_init(&m.in, kho_env_check(m.e),
					 collect_range, &r), 0);

	assert_null(kho_restore_pages(&m.in, gap, 8));
	assert_null(kho_restore_pages(&m.in, run, 7));
	assert_null(kho_restore_pages(&m.in, run + page, 7));
	assert_stamp(&m, gap, 2);
	assert_stamp(&m, gap + 4 * page, 1);
	assert_stamp(&m, run, 2);
	head = kho_restore_pages(&m.in, run, 8);
	assert_ptr_equal(head, kho_env_page(m.e, run));
	for (i = 0; i < 8; i++) {
		struct kho_page *p = kho_env_page(m.e, run + i * page);

		assert_int_equal(p->refcount, 1);
		assert_int_equal(p->private, 0);
	}
	assert_null(kho_restore_pages(&m.in, run, 8));
	/* What the refused call looked at is still there to take. */
	assert_non_null(kho_restore_pages(&m.in, gap, 6));
	machine_free(&m);
}

static void test_round_trip(void **state)
{
	unsigned int i;

	for (i = 0; i < sizeof(page_shifts) / sizeof(page_shifts[0]); i++)
		round_trip(page_shifts[i]);
}

struct names {
	char name[4][32];
	uint64_t phys[4];
	unsigned int nr;
};

static int collect_subtree(const char *name, uint64_t phys,
			 uint64_t size, void *arg)
{
	struct names *n = arg;

	assert_true(n->nr < 4);
	snprintf(n->name[n->nr], sizeof(n->name[0]), "%s", name);
	n->phys[n->nr++] = phys;
	return 0;
}

static int stop_subtree(const char *name, uint64_t phys,
			 uint64_t size, void *arg)
{
	return 42;
}

static void test_subtrees(void **state)
{
	struct names n = { 0 };
	struct machine m;
	uint64_t phys;
	void *fdt;
	int node;

	kernel_a(&m, 12);
	/* A subtree whose preserved-data is 4 bytes: only it is refused. */
	fdt = m.out.fdt;
	assert_int_equal(fdt_open_into(fdt, fdt, m.e->page_size), 0);
	node = fdt_add_subnode(fdt, 0, "short");
	assert_true(node >= 0);
	assert_int_equal(fdt_setprop_u32(fdt, node, "preserved-data", 7), 0);
	node = fdt_add_subnode(fdt, 0, "bare");
	assert_true(node >= 0);
	assert_int_equal(fdt_pack(fdt), 0);
	kexec(&m);

	assert_int_equal(kho_for_each_subtree(&m.in, collect_subtree, &n),
			 -ENOENT);
	assert_int_equal(kho_retrieve_subtree(&m.in, BLOB_NAME, &phys, NULL), -ENOENT);
	assert_int_equal(populate(&m), 0);
	assert_int_equal(kho_retrieve_subtree(&m.in, BLOB_NAME, &phys, NULL), 0);
	assert_int_equal(kho_retrieve_subtree(&m.in, "short", &phys, NULL), -EINVAL);
	assert_int_equal(kho_retrieve_subtree(&m.in, "bare", &phys, NULL), -EINVAL);
	assert_int_equal(kho_for_each_subtree(&m.in, collect_subtree, &n), 0);
	/* FDT order: libfdt puts a new subnode before its siblings. */
	assert_int_equal(n.nr, 3);
	assert_string_equal(n.name[0], "bare");
	assert_int_equal(n.phys[0], KHO_ERR_NO_ADDR);
	assert_string_equal(n.name[1], "short");
	assert_int_equal(n.phys[1], KHO_ERR_NO_ADDR);
	assert_string_equal(n.name[2], BLOB_NAME);
	assert_int_equal(n.phys[2], kho_env_phys(m.e, m.blob));
	assert_int_equal(kho_for_each_subtree(&m.in, stop_subtree, NULL), 42);
	machine_free(&m);
}

/* ---- refusals ------------------------------------------------------------ */

/* Everything that must hold once a handover was refused. */
static void assert_refused(struct machine *m, int code, const char *what)
{
	struct ranges r = { .fail_at = -1 };
	uint64_t phys;

	assert_int_equal(m->in.err.code, code);
	assert_non_null(m->in.err.what);
	assert_string_equal(m->in.err.what, what);
	assert_false(m->in.revive);
	assert_false(m->in.walked);
	assert_int_equal(kho_memory_init(&m->in, kho_env_check(m->e),
					 collect_range, &r), code);
	assert_int_equal(r.nr, 0);
	assert_false(kho_env_any_stamp(m->e));
	assert_null(kho_restore_folio(&m->in, m->blob->folio_phys));
	assert_null(kho_restore_pages(&m->in, m->blob->pages_phys, PAGES_NR));
	assert_int_equal(kho_restore_free(&m->in, m->blob), -EPERM);
	assert_int_equal(kho_retrieve_subtree(&m->in, BLOB_NAME, &phys, NULL),
			 -ENOENT);
}

/* Write a root FDT of our own into kernel A's FDT page. */
static void write_fdt(struct machine *m, const char *compatible,
		      const void *memmap, int memmap_len)
{
	void *fdt = m->out.fdt;
	int size = (int)m->e->page_size;

	assert_int_equal(fdt_create(fdt, size), 0);
	assert_int_equal(fdt_finish_reservemap(fdt), 0);
	assert_int_equal(fdt_begin_node(fdt, ""), 0);
	if (compatible)
		assert_int_equal(fdt_property_string(fdt, "compatible",
						     compatible), 0);
	if (memmap)
		assert_int_equal(fdt_property(fdt, "preserved-memory-map",
					      memmap, memmap_len), 0);
	assert_int_equal(fdt_end_node(fdt), 0);
	assert_int_equal(fdt_finish(fdt), 0);
}

static void refused(struct machine *m, int code, const char *what)
{
	kexec(m);
	assert_int_equal(populate(m), code);
	assert_refused(m, code, what);
	machine_free(m);
}

static void test_refuse_fdt_header(void **state)
{
	struct machine m;

	kernel_a(&m, 12);
	((unsigned char *)m.out.fdt)[0] ^= 0xff;
	refused(&m, -EINVAL, "FDT header is invalid");

	kernel_a(&m, 12);
	/* totalsize beyond the page. */
	fdt_set_totalsize(m.out.fdt, 2 * m.e->page_size);
	m.fdt_size = 4 * m.e->page_size;
	refused(&m, -EINVAL, "FDT is larger than a page");

	kernel_a(&m, 12);
	m.fdt_size = fdt_totalsize(m.out.fdt) - 1;
	refused(&m, -EINVAL, "FDT is larger than the handover says");

	kernel_a(&m, 12);
	m.fdt_size = 8;
	refused(&m, -EINVAL, "FDT size is smaller than an FDT header");

	kernel_a(&m, 12);
	/* The FDT 4 bytes up its page: libfdt (and Linux) want 8. */
	kexec(&m);
	memmove((char *)m.out.fdt + 4, m.out.fdt, fdt_totalsize(m.out.fdt));
	m.fdt_phys += 4;
	assert_int_equal(populate(&m), -EINVAL);
	assert_refused(&m, -EINVAL, "FDT is not 8-byte aligned");
	machine_free(&m);

	kernel_a(&m, 12);
	/* A structure block offset past the strings: header fine, body not. */
	fdt_set_size_dt_struct(m.out.fdt, fdt_size_dt_struct(m.out.fdt) - 8);
	kexec(&m);
	assert_true(populate(&m) < 0);
	assert_false(m.in.revive);
	machine_free(&m);
}

static void test_refuse_fdt_not_mapped(void **state)
{
	struct machine m;

	kernel_a(&m, 12);
	m.fdt_phys = kho_env_page_phys(m.e, ENV_PAGES);
	refused(&m, -EFAULT, "FDT is not in memory");

	/* Starts in the last page of RAM, ends past it. */
	kernel_a(&m, 12);
	m.fdt_phys = kho_env_page_phys(m.e, ENV_PAGES) - 64;
	refused(&m, -EFAULT, "FDT is not in memory");

	kernel_a(&m, 12);
	m.fdt_phys = ENV_PHYS_BASE - m.e->page_size;
	refused(&m, -EFAULT, "FDT is not in memory");

	/* A range that would wrap around the address space. */
	kernel_a(&m, 12);
	m.fdt_phys = UINT64_MAX - 100;
	refused(&m, -EFAULT, "FDT is not in memory");
}

static void test_refuse_compatible(void **state)
{
	struct machine m;
	uint64_t root;

	kernel_a(&m, 12);
	root = kho_radix_root_phys(&m.out.tree);
	write_fdt(&m, "kho-v9", &root, sizeof(root));
	refused(&m, -EINVAL,
		"root FDT is compatible with no KHO version (kho-v1 to kho-v4)");


	kernel_a(&m, 12);
	write_fdt(&m, NULL, &root, sizeof(root));
	kexec(&m);
	assert_int_equal(populate(&m), -EINVAL);
	assert_string_equal(m.in.err.property, "compatible");
	machine_free(&m);
}

static void test_refuse_memory_map(void **state)
{
	struct machine m;
	uint64_t root, zero = 0, misaligned;
	uint32_t half;

	kernel_a(&m, 12);
	write_fdt(&m, "kho-v2", NULL, 0);
	refused(&m, -ENOENT, "preserved-memory-map is missing");

	kernel_a(&m, 12);
	half = 0x1000;
	write_fdt(&m, "kho-v2", &half, sizeof(half));
	refused(&m, -EINVAL, "preserved-memory-map is not 8 bytes");

	kernel_a(&m, 12);
	root = kho_radix_root_phys(&m.out.tree);
	{
		uint64_t twice[2] = { root, root };

		write_fdt(&m, "kho-v2", twice, sizeof(twice));
	}
	refused(&m, -EINVAL, "preserved-memory-map is not 8 bytes");

	kernel_a(&m, 12);
	write_fdt(&m, "kho-v2", &zero, sizeof(zero));
	refused(&m, -EINVAL, "preserved-memory-map is zero");

	kernel_a(&m, 12);
	misaligned = kho_radix_root_phys(&m.out.tree) + 8;
	write_fdt(&m, "kho-v2", &misaligned, sizeof(misaligned));
	refused(&m, -EINVAL, "preserved-memory-map is not page-aligned");

	kernel_a(&m, 12);
	root = kho_env_page_phys(m.e, ENV_PAGES + 7);
	write_fdt(&m, "kho-v2", &root, sizeof(root));
	kexec(&m);
	assert_int_equal(populate(&m), -EFAULT);
	assert_refused(&m, -EFAULT, "the tree root is not in memory");
	assert_int_equal(m.in.err.phys, root);
	assert_int_equal(m.in.err.level, (int)m.e->geo.depth - 1);
	machine_free(&m);
}

static void set_scratch(struct machine *m, unsigned int i, size_t first,
			size_t nr)
{
	m->scratch[i].addr = kho_env_page_phys(m->e, first);
	m->scratch[i].size = (uint64_t)nr * m->e->page_size;
}

static void test_refuse_scratch(void **state)
{
	struct machine m;

	kernel_a(&m, 12);
	m.scratch_size = 0;
	refused(&m, -EINVAL, "scratch array is empty");

	kernel_a(&m, 12);
	m.scratch_size = 24;
	refused(&m, -EINVAL, "scratch array size is not a multiple of 16 bytes");

	kernel_a(&m, 12);
	m.scratch_phys += 4;
	refused(&m, -EINVAL, "scratch array is not 8-byte aligned");

	kernel_a(&m, 12);
	m.scratch_phys = kho_env_page_phys(m.e, ENV_PAGES + 1);
	refused(&m, -EFAULT, "scratch array is not in memory");

	kernel_a(&m, 12);
	m.scratch_size = ((1U << 10) + 3) * sizeof(struct kho_scratch);
	refused(&m, -EINVAL, "scratch array has more areas than NUMA nodes allow");

	/* An area past the end of RAM, and one that runs over it. */
	kernel_a(&m, 12);
	set_scratch(&m, 1, ENV_PAGES + 4, 4);
	refused(&m, -EINVAL, "scratch area is outside RAM");
	kernel_a(&m, 12);
	set_scratch(&m, 1, ENV_PAGES - 4, 8);
	refused(&m, -EINVAL, "scratch area is outside RAM");

	kernel_a(&m, 12);
	set_scratch(&m, 1, 8, 16);
	kexec(&m);
	assert_int_equal(populate(&m), -EINVAL);
	assert_refused(&m, -EINVAL, "scratch areas overlap");
	assert_int_equal(m.in.err.index, 1);
	assert_int_equal(m.in.err.phys, kho_env_page_phys(m.e, 8));
	machine_free(&m);

	kernel_a(&m, 12);
	m.scratch[1].size += 512;
	refused(&m, -EINVAL, "scratch area is not page-aligned");

	/* An empty area is odd but Linux hands it over (x86): a warning. */
	kernel_a(&m, 12);
	m.scratch[1].size = 0;
	kexec(&m);
	assert_int_equal(populate(&m), 0);
	assert_int_equal(m.in.warn.nr, 1);
	assert_string_equal(m.in.warn.w[0].what, "scratch area is empty");
	assert_int_equal(m.in.warn.w[0].index, 1);
	assert_int_equal(m.in.warn.w[0].phys, m.scratch[1].addr);
	machine_free(&m);

	kernel_a(&m, 12);
	m.scratch[1].addr = UINT64_MAX & ~0xfffULL;
	m.scratch[1].size = 0x2000;
	refused(&m, -EINVAL, "scratch area wraps around the address space");
}

/*
 * kho_check_scratch() on its own, as inspect calls it for areas from a
 * debugfs directory: the same words, where, and the empty area's warning.
 */
static void test_check_scratch(void **state)
{
	struct kho_env *e = kho_env_create(12, ENV_PHYS_BASE, ENV_PAGES);
	struct kho_scratch a[3] = {
		{ kho_env_page_phys(e, 4), 4 * e->page_size },
		{ kho_env_page_phys(e, 16), 0 },
		{ kho_env_page_phys(e, 6), 4 * e->page_size },
	};
	struct kho_warnings warn = { 0 };
	struct kho_error err;

	assert_int_equal(kho_check_scratch(&e->geo, &e->ops, a, 2, &err, &warn),
			 0);
	assert_int_equal(warn.nr, 1);
	assert_string_equal(warn.w[0].what, "scratch area is empty");
	assert_int_equal(kho_check_scratch(&e->geo, &e->ops, a, 3, &err, NULL),
			 -EINVAL);
	assert_string_equal(err.what, "scratch areas overlap");
	assert_int_equal(err.phys, a[2].addr);
	assert_int_equal(err.index, 2);
	a[2].addr = kho_env_page_phys(e, ENV_PAGES);
	assert_int_equal(kho_check_scratch(&e->geo, &e->ops, a, 3, NULL, NULL),
			 -EINVAL);
	assert_int_equal(
		kho_check_scratch(&e->geo, &e->ops, NULL, 0, NULL, NULL), 0);
	assert_int_equal(
		kho_check_scratch(&e->geo, &e->ops, NULL, 1, NULL, NULL),
		-EINVAL);
	assert_int_equal(kho_check_scratch(NULL, &e->ops, a, 1, NULL, NULL),
			 -EINVAL);
	kho_env_destroy(e);
}

/* The test machine with one page of RAM turned into a hole. */
struct holed {
	struct kho_env *e;
	uint64_t hole;
};

static void *holed_phys_to_virt(void *ctx, uint64_t pa)
{
	struct holed *h = ctx;

	if (pa >> h->e->geo.page_shift == h->hole >> h->e->geo.page_shift)
		return NULL;
	return kho_env_va(h->e, pa);
}

static uint64_t holed_virt_to_phys(void *ctx, const void *va)
{
	return kho_env_phys(((struct holed *)ctx)->e, va);
}

static struct kho_page *holed_pfn_to_page(void *ctx, uint64_t pfn)
{
	struct holed *h = ctx;

	if (pfn == h->hole >> h->e->geo.page_shift)
		return NULL;
	return kho_env_page(h->e, pfn << h->e->geo.page_shift);
}

/* Mapped on both sides of a hole is not mapped: every page is checked. */
static void test_refuse_scratch_across_hole(void **state)
{
	struct kho_env_ops ops;
	struct machine m;
	struct holed h;
	uint64_t page;
	void *block;

	kernel_a(&m, 12);
	page = m.e->page_size;
	block = kho_env_alloc(m.e, 2);
	h.e = m.e;
	h.hole = kho_env_phys(m.e, block) + page;
	ops = m.e->ops;
	ops.mem.ctx = &h;
	ops.mem.phys_to_virt = holed_phys_to_virt;
	ops.mem.virt_to_phys = holed_virt_to_phys;
	ops.pfn_to_page = holed_pfn_to_page;
	kexec(&m);
	/* From the end of the block's first page into its third. */
	assert_int_equal(kho_populate(&m.in, &m.e->geo, &ops, m.fdt_phys,
				      m.fdt_size, h.hole - 16,
				      page + 32), -EFAULT);
	assert_string_equal(m.in.err.what, "scratch array is not in memory");
	/* Without the hole the same array maps (whatever comes of it). */
	assert_int_not_equal(kho_populate(&m.in, &m.e->geo, &m.e->ops,
					  m.fdt_phys, m.fdt_size, h.hole - 16,
					  page + 32),
			     -EFAULT);
	if (m.in.err.what)
		assert_string_not_equal(m.in.err.what,
					"scratch array is not in memory");
	machine_free(&m);
}

/*
 * A tree kho_memory_init() refuses, with @chk (or the environment's check
 * when NULL); the tree is edited behind kho_out's checks.
 */
static void walk_refused_with(struct machine *m, struct kho_tree_check *chk,
			      int code, const char *what)
{
	struct ranges r = { .fail_at = -1 };

	kexec(m);
	assert_int_equal(populate(m), 0);
	if (!chk)
		chk = kho_env_check(m->e);
	assert_int_equal(kho_memory_init(&m->in, chk, collect_range, &r), code);
	assert_int_equal(r.nr, 0);
	assert_int_equal(m->in.err.code, code);
	assert_string_equal(m->in.err.what, what);
	assert_false(m->in.revive);
	assert_false(m->in.walked);
	/* No stamp survives a refusal. */
	assert_false(kho_env_any_stamp(m->e));
	assert_null(kho_restore_folio(&m->in, m->blob->folio_phys));
	assert_int_equal(kho_restore_free(&m->in, m->blob), -EPERM);
	assert_int_equal(kho_memory_init(&m->in, kho_env_check(m->e),
					 collect_range, &r), code);
	assert_int_equal(r.nr, 0);
}

static void walk_refused(struct machine *m, int code, const char *what)
{
	walk_refused_with(m, NULL, code, what);
}

/* The tree check refuses bad blocks before the walk stamps any. */
static void test_refuse_blocks(void **state)
{
	struct machine m;
	uint64_t pfn;

	kernel_a(&m, 12);
	pfn = kho_env_page_phys(m.e, ENV_PAGES) >> 12;
	assert_int_equal(kho_radix_add_page(&m.out.tree, pfn, 0), 0);
	walk_refused(&m, -ERANGE, "preserved memory lies outside RAM");
	assert_int_equal(m.in.err.phys, kho_env_page_phys(m.e, ENV_PAGES));
	machine_free(&m);

	/*
	 * A block that starts in RAM and ends past it (2 * ENV_PAGES): it
	 * holds kernel A's blocks too (a warning); their union is refused.
	 */
	kernel_a(&m, 12);
	pfn = ENV_PHYS_BASE >> 12;
	assert_int_equal(kho_radix_add_page(&m.out.tree, pfn, 11), 0);
	walk_refused(&m, -ERANGE, "preserved memory lies outside RAM");
	machine_free(&m);
}

/*
 * What Linux takes though it is odd: a block in a scratch area, a page
 * preserved alone and inside a folio. Accepted, each a warning, and every
 * block stamped as the kernel stamps it (the smaller order last).
 */
static void walk_warned(struct machine *m, const char *what, uint64_t phys)
{
	struct ranges r = { .fail_at = -1 };

	kexec(m);
	assert_int_equal(populate(m), 0);
	assert_int_equal(kho_memory_init(&m->in, kho_env_check(m->e),
					 collect_range, &r), 0);
	assert_true(m->in.walked);
	assert_int_equal(m->in.warn.nr, 1);
	assert_string_equal(m->in.warn.w[0].what, what);
	assert_int_equal(m->in.warn.w[0].phys, phys);
}

static void test_odd_blocks_warned(void **state)
{
	/* Every other page of both scratch areas: one range, one warning each. */
	static const uint64_t in_scratch[KHO_MAX_WARNINGS + 2] = {
		SCRATCH2_FIRST,	    SCRATCH2_FIRST + 2, SCRATCH2_FIRST + 4,
		SCRATCH2_FIRST + 6, SCRATCH_FIRST + 5,	SCRATCH_FIRST + 7,
		SCRATCH_FIRST + 9,  SCRATCH_FIRST + 11, SCRATCH_FIRST + 13,
		SCRATCH_FIRST + 15,
	};
	struct machine m;
	uint64_t pfn, phys;

	kernel_a(&m, 12);
	phys = kho_env_page_phys(m.e, SCRATCH2_FIRST + 2);
	assert_int_equal(kho_radix_add_page(&m.out.tree, phys >> 12, 1), 0);
	walk_warned(&m, "preserved memory overlaps a scratch area", phys);
	assert_int_equal(m.in.warn.w[0].index, 1);
	assert_non_null(kho_restore_folio(&m.in, phys));
	machine_free(&m);

	/* A page preserved alone and as the start of a larger block. */
	kernel_a(&m, 12);
	phys = m.blob->folio_phys;
	pfn = phys >> 12;
	assert_int_equal(kho_radix_add_page(&m.out.tree, pfn, 0), 0);
	walk_warned(&m, "two preserved blocks overlap (a page is preserved twice)",
		    phys);
	/* The order-0 key is walked last: its stamp is the one kept. */
	{
		union kho_page_info info = {
			.page_private = kho_env_page(m.e, phys)->private
		};

		assert_int_equal(info.magic, KHO_PAGE_MAGIC);
		assert_int_equal(info.order, 0);
	}
	assert_non_null(kho_restore_folio(&m.in, phys));
	machine_free(&m);

	/* More warnings than are kept: the first kept, all counted. */
	kernel_a(&m, 12);
	for (pfn = 0; pfn < sizeof(in_scratch) / sizeof(in_scratch[0]); pfn++) {
		phys = kho_env_page_phys(m.e, in_scratch[pfn]);
		assert_int_equal(kho_radix_add_page(&m.out.tree, phys >> 12, 0),
				 0);
	}
	kexec(&m);
	assert_int_equal(populate(&m), 0);
	{
		struct ranges r = { .fail_at = -1 };

		assert_int_equal(kho_memory_init(&m.in, kho_env_check(m.e),
						 collect_range, &r),
				 0);
	}
	assert_true(m.in.walked);
	assert_int_equal(m.in.warn.nr, KHO_MAX_WARNINGS + 2);
	assert_int_equal(m.in.warn.w[0].phys,
			 kho_env_page_phys(m.e, in_scratch[4]));
	assert_string_equal(m.in.warn.w[KHO_MAX_WARNINGS - 1].what,
			    "preserved memory overlaps a scratch area");
	machine_free(&m);
}

/*
 * The walk keeps its own checks: a caller's RAM layout coarser than the
 * memmap (here twice the RAM there is) lets a block past RAM through the
 * tree check, and the walk refuses it by its missing struct page.
 */
static void test_walk_checks_memmap(void **state)
{
	struct kho_mem_region wide;
	struct kho_tree_check chk = { 0 };
	uint64_t *seen;
	struct machine m;
	uint64_t pfn;

	kernel_a(&m, 12);
	wide.start = ENV_PHYS_BASE;
	wide.end = kho_env_page_phys(m.e, 2 * ENV_PAGES);
	seen = calloc(kho_tree_check_words(&wide, 1, 12), sizeof(*seen));
	assert_non_null(seen);
	chk.ram = &wide;
	chk.nr_ram = 1;
	chk.seen = seen;
	pfn = kho_env_page_phys(m.e, ENV_PAGES) >> 12;
	assert_int_equal(kho_radix_add_page(&m.out.tree, pfn, 0), 0);
	walk_refused_with(&m, &chk, -EINVAL, "preserved block is not in RAM");
	assert_int_equal(chk.err.code, 0);
	assert_int_equal(m.in.err.phys, kho_env_page_phys(m.e, ENV_PAGES));
	assert_int_equal(m.in.err.level, 0);
	assert_int_equal(m.in.err.index, (long)(((1ULL << 52) | pfn) &
						 ((1ULL << 15) - 1)));
	free(seen);
	machine_free(&m);
}

static void test_refuse_corrupt_tree(void **state)
{
	struct machine m;
	uint64_t *root, saved;

	kernel_a(&m, 12);
	/* Key bit 52 (order 0) sits in root index 2: point it outside RAM. */
	root = kho_env_va(m.e, kho_radix_root_phys(&m.out.tree));
	saved = root[2];
	assert_int_not_equal(saved, 0);
	root[2] = kho_env_page_phys(m.e, ENV_PAGES + 100);
	walk_refused(&m, -EFAULT, "a table entry points outside RAM");
	assert_int_equal(m.in.err.phys,
			 kho_env_page_phys(m.e, ENV_PAGES + 100));
	assert_int_equal(m.in.err.level, (int)m.e->geo.depth - 1);
	assert_int_equal(m.in.err.index, 2);
	/* Kernel A frees its nodes through that entry. */
	root[2] = saved;
	machine_free(&m);
}

#define SHARED_WHAT "a tree node is reached twice (shared or cyclic)"

/* Two root entries naming one node: the second mention is refused. */
static void test_refuse_shared_node(void **state)
{
	struct machine m;
	uint64_t *root;

	kernel_a(&m, 12);
	root = kho_env_va(m.e, kho_radix_root_phys(&m.out.tree));
	assert_int_not_equal(root[2], 0);
	assert_int_equal(root[3], 0);
	root[3] = root[2];
	walk_refused(&m, -ELOOP, SHARED_WHAT);
	assert_int_equal(m.in.err.phys, root[2]);
	assert_int_equal(m.in.err.level, (int)m.e->geo.depth - 1);
	assert_int_equal(m.in.err.index, 3);
	root[3] = 0;
	machine_free(&m);
}

/*
 * Every entry of every table on one path names the node below it (the
 * root's reachable entries too): 4 x 512^4 paths to one leaf on 4 KiB
 * pages, days for a walk that trusts the shape. kho_memory_init() refuses
 * it at the second mention, before stamping or reserving anything.
 */
static void every_entry_one_node(unsigned int page_shift)
{
	uint64_t *node[KHO_TREE_MAX_DEPTH], *saved[KHO_TREE_MAX_DEPTH];
	unsigned int entries, root_entries, top, level, i, idx;
	struct machine m;
	uint64_t next;
	size_t page;

	kernel_a(&m, page_shift);
	page = m.e->page_size;
	entries = 1U << m.e->geo.table_bits;
	top = m.e->geo.depth - 1;
	root_entries = 1U << (m.e->geo.key_width -
			      m.out.tree.index_shift[top]);
	assert_true(top < KHO_TREE_MAX_DEPTH);
	node[top] = m.out.tree.root;
	for (level = top; level > 0; level--) {
		for (idx = 0; idx < entries && !node[level][idx]; idx++)
			;
		assert_true(idx < entries);
		next = node[level][idx];
		saved[level] = malloc(page);
		assert_non_null(saved[level]);
		memcpy(saved[level], node[level], page);
		for (i = 0; i < (level == top ? root_entries : entries); i++)
			node[level][i] = next;
		node[level - 1] = kho_env_va(m.e, next);
		assert_non_null(node[level - 1]);
	}
	walk_refused(&m, -ELOOP, SHARED_WHAT);
	/* Refused at a table's second entry naming the node below it. */
	assert_int_equal(m.in.err.level, 1);
	assert_int_equal(m.in.err.index, 1);
	/* Put the tables back so kernel A can free its tree. */
	for (level = top; level > 0; level--) {
		memcpy(node[level], saved[level], page);
		free(saved[level]);
	}
	machine_free(&m);
}

static void test_refuse_every_entry_one_node(void **state)
{
	unsigned int i;

	for (i = 0; i < sizeof(page_shifts) / sizeof(page_shifts[0]); i++)
		every_entry_one_node(page_shifts[i]);
}

static void test_refuse_reserve(void **state)
{
	struct ranges r = { .fail_at = 1 };
	struct machine m;

	kernel_a(&m, 12);
	kexec(&m);
	assert_int_equal(populate(&m), 0);
	assert_int_equal(kho_memory_init(&m.in, kho_env_check(m.e),
					 collect_range, &r), -ENOSPC);
	assert_int_equal(r.nr, 1);
	assert_string_equal(m.in.err.what, "reserving preserved memory failed");
	assert_false(m.in.revive);
	assert_false(kho_env_any_stamp(m.e));
	assert_null(kho_restore_folio(&m.in, m.blob->folio_phys));
	machine_free(&m);
}

static void test_destroyed(void **state)
{
	struct ranges r = { .fail_at = -1 };
	struct machine m;

	kernel_a(&m, 12);
	kexec(&m);
	assert_int_equal(populate(&m), 0);
	assert_int_equal(kho_memory_init(&m.in, kho_env_check(m.e),
					 collect_range, &r), 0);
	kho_in_destroy(&m.in);
	assert_null(kho_restore_folio(&m.in, m.blob->folio_phys));
	assert_int_equal(kho_restore_free(&m.in, m.blob), -EPERM);
	machine_free(&m);
}

/* Arguments a caller should never pass. */
/* What kho_check_subtrees() asked, and what to answer. */
struct asked {
	unsigned int nr;
	uint64_t phys, size;
	bool answer;
};

static bool answer_preserved(uint64_t phys, uint64_t size, void *arg)
{
	struct asked *a = arg;

	a->nr++;
	a->phys = phys;
	a->size = size;
	return a->answer;
}

/*
 * kho_check_subtrees() over a reader's own map: each subtree's blob asked
 * about once, with the address and size the root FDT gives; a blob the map
 * does not hold is a warning in kho_memory_init()'s words, counted in the
 * return; bad calls refused with a warning of the library's.
 */
static void test_check_subtrees(void **state)
{
	struct asked a = { .answer = true };
	struct kho_warnings warn = { 0 };
	struct machine m;
	uint64_t phys, size;
	unsigned int warned = nr_warnings;

	kernel_a(&m, 12);
	kexec(&m);
	assert_int_equal(populate(&m), 0);
	assert_int_equal(kho_retrieve_subtree(&m.in, BLOB_NAME, &phys, &size),
			 0);
	assert_int_equal(kho_check_subtrees(m.in.fdt, m.in.abi,
					    answer_preserved, &a, &warn),
			 0);
	assert_int_equal(a.nr, 1);
	assert_int_equal(a.phys, phys);
	assert_int_equal(a.size, size);
	assert_int_equal(warn.nr, 0);

	a.answer = false;
	assert_int_equal(kho_check_subtrees(m.in.fdt, m.in.abi,
					    answer_preserved, &a, &warn),
			 1);
	assert_int_equal(warn.nr, 1);
	assert_string_equal(warn.w[0].what,
			    "a subtree's blob is not all in preserved memory");
	assert_string_equal(warn.w[0].property, BLOB_NAME);
	assert_int_equal(warn.w[0].phys, phys);

	assert_int_equal(
		kho_check_subtrees(NULL, m.in.abi, answer_preserved, &a, &warn),
		-EINVAL);
	assert_int_equal(
		kho_check_subtrees(m.in.fdt, NULL, answer_preserved, &a, &warn),
		-EINVAL);
	assert_int_equal(
		kho_check_subtrees(m.in.fdt, m.in.abi, NULL, &a, &warn),
		-EINVAL);
	assert_int_equal(kho_check_subtrees(m.in.fdt, m.in.abi,
					    answer_preserved, &a, NULL),
			 -EINVAL);
	assert_int_equal(nr_warnings, warned + 4);
	assert_int_equal(warn.nr, 1);
	machine_free(&m);
}

static void test_bad_calls(void **state)
{
	struct ranges r = { .fail_at = -1 };
	struct kho_env_ops ops;
	struct kho_geometry geo;
	struct machine m;
	uint64_t phys;

	assert_int_equal(kho_populate(NULL, NULL, NULL, 0, 0, 0, 0), -EINVAL);
	kho_in_destroy(NULL);
	assert_int_equal(kho_memory_init(NULL, NULL, collect_range, &r),
			 -EINVAL);

	kernel_a(&m, 12);
	kexec(&m);
	ops = m.e->ops;
	ops.pfn_to_page = NULL;
	assert_int_equal(kho_populate(&m.in, &m.e->geo, &ops, m.fdt_phys,
				      m.fdt_size, m.scratch_phys,
				      m.scratch_size), -EINVAL);
	assert_false(m.in.revive);
	geo = m.e->geo;
	geo.page_shift = 13;
	assert_int_equal(kho_populate(&m.in, &geo, &m.e->ops, m.fdt_phys,
				      m.fdt_size, m.scratch_phys,
				      m.scratch_size), -EINVAL);
	assert_non_null(m.in.err.what);

	assert_int_equal(populate(&m), 0);
	assert_int_equal(kho_memory_init(&m.in, kho_env_check(m.e), NULL, NULL),
			 -EINVAL);
	assert_int_equal(kho_memory_init(&m.in, kho_env_check(m.e),
					 collect_range, &r), 0);
	assert_int_equal(kho_retrieve_subtree(&m.in, NULL, &phys, NULL), -EINVAL);
	assert_int_equal(kho_retrieve_subtree(&m.in, BLOB_NAME, NULL, NULL), -EINVAL);
	assert_int_equal(kho_for_each_subtree(&m.in, NULL, NULL), -EINVAL);
	assert_null(kho_restore_pages(&m.in, m.blob->pages_phys, 0));
	assert_null(kho_restore_pages(&m.in, m.blob->pages_phys, UINT64_MAX));
	assert_null(kho_restore_pages(&m.in, m.blob->pages_phys + 1, 1));
	assert_null(kho_restore_folio(&m.in, m.blob->folio_phys + 1));
	assert_int_equal(kho_restore_free(&m.in, (char *)m.blob + 1), -EINVAL);
	/* A stamp where no block of its order can start (memmap junk). */
	kho_env_page(m.e, m.blob->folio_phys + m.e->page_size)->private =
		((union kho_page_info){ .order = 1, .magic = KHO_PAGE_MAGIC })
			.page_private;
	assert_null(kho_restore_folio(&m.in,
				      m.blob->folio_phys + m.e->page_size));
	machine_free(&m);
}

/* No tree check, or one without RAM or bitmap: never walk unchecked. */
static void test_memory_init_needs_check(void **state)
{
	struct ranges r = { .fail_at = -1 };
	struct kho_tree_check bad;
	unsigned int warned = nr_warnings;
	struct machine m;

	kernel_a(&m, 12);
	kexec(&m);
	assert_int_equal(populate(&m), 0);
	assert_int_equal(kho_memory_init(&m.in, NULL, collect_range, &r),
			 -EINVAL);
	bad = *kho_env_check(m.e);
	bad.seen = NULL;
	assert_int_equal(kho_memory_init(&m.in, &bad, collect_range, &r),
			 -EINVAL);
	bad = *kho_env_check(m.e);
	bad.ram = NULL;
	assert_int_equal(kho_memory_init(&m.in, &bad, collect_range, &r),
			 -EINVAL);
	bad = *kho_env_check(m.e);
	bad.nr_ram = 0;
	assert_int_equal(kho_memory_init(&m.in, &bad, collect_range, &r),
			 -EINVAL);
	assert_int_equal(nr_warnings, warned + 4);
	/* An impossible argument leaves the handover as it was. */
	assert_int_equal(r.nr, 0);
	assert_false(kho_env_any_stamp(m.e));
	assert_true(m.in.revive);
	assert_false(m.in.walked);
	assert_int_equal(m.in.err.code, 0);
	assert_int_equal(kho_memory_init(&m.in, kho_env_check(m.e),
					 collect_range, &r), 0);
	assert_true(m.in.walked);
	machine_free(&m);
}

/* ---- the sentence ------------------------------------------------------- */

static void test_error_format(void **state)
{
	struct kho_error err = {
		.code = -EINVAL,
		.what = "preserved-memory-map is not 8 bytes",
		.property = "preserved-memory-map",
		.phys = 0x100002000ULL,
		.level = 2,
		.index = 17,
	};
	char buf[256], tiny[16];
	int len;

	len = kho_error_format(&err, buf, sizeof(buf));
	assert_string_equal(buf,
			    "KHO handover refused: preserved-memory-map is not "
			    "8 bytes (property preserved-memory-map, phys "
			    "0x100002000, level 2, index 17)");
	assert_int_equal(len, strlen(buf));

	err.property = NULL;
	err.level = KHO_ERR_NO_LEVEL;
	err.index = KHO_ERR_NO_INDEX;
	kho_error_format(&err, buf, sizeof(buf));
	assert_string_equal(buf, "KHO handover refused: preserved-memory-map "
				 "is not 8 bytes (phys 0x100002000)");

	err.phys = KHO_ERR_NO_ADDR;
	kho_error_format(&err, buf, sizeof(buf));
	assert_string_equal(buf, "KHO handover refused: preserved-memory-map "
				 "is not 8 bytes");

	err.what = NULL;
	kho_error_format(&err, buf, sizeof(buf));
	assert_string_equal(buf, "KHO handover refused: Invalid argument");

	err.code = 0;
	kho_error_format(&err, buf, sizeof(buf));
	assert_string_equal(buf, "KHO handover accepted");

	/* Cut like snprintf: NUL-terminated, the full length returned. */
	err.code = -EINVAL;
	err.what = "scratch areas overlap";
	err.index = 1;
	len = kho_error_format(&err, tiny, sizeof(tiny));
	assert_int_equal(strlen(tiny), sizeof(tiny) - 1);
	assert_int_equal(len, strlen("KHO handover refused: scratch areas "
				     "overlap (index 1)"));
	assert_int_equal(kho_error_format(NULL, buf, sizeof(buf)), -1);

	/* A warning: its sentence and where, no verdict. */
	err.code = 0;
	err.phys = 0x2000;
	kho_error_format(&err, buf, sizeof(buf));
	assert_string_equal(buf, "scratch areas overlap (phys 0x2000, index 1)");
}

/* What one owner refused: the same sentence without the verdict. */
static void test_error_describe(void **state)
{
	struct kho_error err = {
		.code = -EINVAL,
		.what = "a KHO block's count is 0",
		.property = "count",
		.phys = 0x1000,
		.level = KHO_ERR_NO_LEVEL,
		.index = 0,
	};
	char buf[256], tiny[8];
	int len;

	len = kho_error_describe(&err, buf, sizeof(buf));
	assert_string_equal(buf, "a KHO block's count is 0 (property count, "
				 "phys 0x1000, index 0)");
	assert_int_equal(len, strlen(buf));
	err.property = NULL;
	err.phys = KHO_ERR_NO_ADDR;
	err.index = KHO_ERR_NO_INDEX;
	kho_error_describe(&err, buf, sizeof(buf));
	assert_string_equal(buf, "a KHO block's count is 0");
	err.what = NULL;
	err.code = -EFAULT;
	kho_error_describe(&err, buf, sizeof(buf));
	assert_string_equal(buf, "Bad address");
	err.what = "a KHO block's count is 0";
	len = kho_error_describe(&err, tiny, sizeof(tiny));
	assert_string_equal(tiny, "a KHO b");
	assert_int_equal(len, strlen(err.what));
	assert_int_equal(kho_error_describe(NULL, buf, sizeof(buf)), -1);
}

/* A refusal from populate, as a tool prints it. */
static void test_error_sentence_of_refusal(void **state)
{
	struct machine m;
	char buf[256], want[256];
	uint32_t half = 1;

	kernel_a(&m, 12);
	write_fdt(&m, "kho-v2", &half, sizeof(half));
	kexec(&m);
	assert_int_equal(populate(&m), -EINVAL);
	kho_error_format(&m.in.err, buf, sizeof(buf));
	snprintf(want, sizeof(want),
		 "KHO handover refused: preserved-memory-map is not 8 bytes "
		 "(property preserved-memory-map, phys 0x%llx)",
		 (unsigned long long)m.fdt_phys);
	assert_string_equal(buf, want);
	machine_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_restore_pages_node_split),
		cmocka_unit_test(test_subtrees),
		cmocka_unit_test(test_refuse_fdt_header),
		cmocka_unit_test(test_refuse_fdt_not_mapped),
		cmocka_unit_test(test_refuse_compatible),
		cmocka_unit_test(test_refuse_memory_map),
		cmocka_unit_test(test_refuse_scratch),
		cmocka_unit_test(test_check_scratch),
		cmocka_unit_test(test_refuse_scratch_across_hole),
		cmocka_unit_test(test_refuse_blocks),
		cmocka_unit_test(test_odd_blocks_warned),
		cmocka_unit_test(test_walk_checks_memmap),
		cmocka_unit_test(test_refuse_corrupt_tree),
		cmocka_unit_test(test_refuse_shared_node),
		cmocka_unit_test(test_refuse_every_entry_one_node),
		cmocka_unit_test(test_refuse_reserve),
		cmocka_unit_test(test_destroyed),
		cmocka_unit_test(test_check_subtrees),
		cmocka_unit_test(test_error_describe),
		cmocka_unit_test(test_bad_calls),
		cmocka_unit_test(test_memory_init_needs_check),
		cmocka_unit_test(test_error_format),
		cmocka_unit_test(test_error_sentence_of_refusal),
	};

	kho_warn_hook = count_warning;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
