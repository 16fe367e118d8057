// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_kho_vmalloc.c - the vmalloc chunk-list ABI both ways: the chunks'
 * layout (next, zero-terminated entries, each chunk a preserved order-0
 * page), chunk boundaries, unpreserve, an injected allocation failure at
 * every allocation (nothing changes), a round trip through a kexec (blocks
 * mapped in order, data intact, chunk pages freed), and hostile lists that
 * must be refused without restoring anything: a cycle, a count that does not
 * add up, a chunk outside RAM or misaligned, an entry never preserved or
 * naming kernel A's root FDT, a block listed twice, a second restore, bad
 * flags.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <kho/kho.h>
#include <kho/vmalloc.h>

#include "lib/machine.h"

#define ENV_PHYS_BASE 0x100000000ULL
#define ENV_PAGES 2048
#define SCRATCH_FIRST 0
#define SCRATCH_PAGES 16

static void count_warning(const char *file, int line, const char *what)
{
}

struct area {
	uint64_t *phys;
	unsigned int nr;
	unsigned int order;
};

struct machine {
	struct kho_env *e;
	struct kho_out out;
	struct kho_in in;
	struct area a;
	struct kho_vmalloc v;
	uint64_t scratch_phys;
};

static uint64_t seed_of(unsigned int i)
{
	return 0x9e3779b97f4a7c15ULL * (i + 1);
}

/* @nr blocks of 2^@order pages, allocated in shuffled order, filled. */
static void make_area(struct machine *m, unsigned int nr, unsigned int order)
{
	uint64_t *p, words, j;
	unsigned int i;

	m->a.nr = nr;
	m->a.order = order;
	m->a.phys = calloc(nr, sizeof(*m->a.phys));
	assert_non_null(m->a.phys);
	for (i = 0; i < nr; i++) {
		p = kho_env_alloc(m->e, order);
		assert_non_null(p);
		m->a.phys[i] = kho_env_phys(m->e, p);
	}
	/* Scatter them: the area's order is not the allocation order. */
	for (i = nr; i > 1; i--) {
		unsigned int k = (unsigned int)(seed_of(i) % i);
		uint64_t t = m->a.phys[i - 1];

		m->a.phys[i - 1] = m->a.phys[k];
		m->a.phys[k] = t;
	}
	words = (m->e->page_size << order) / sizeof(uint64_t);
	for (i = 0; i < nr; i++) {
		p = kho_env_va(m->e, m->a.phys[i]);
		for (j = 0; j < words; j++)
			p[j] = seed_of(i) + j;
	}
}

static void machine_init(struct machine *m, unsigned int page_shift)
{
	memset(m, 0, sizeof(*m));
	m->e = machine_env_new(page_shift, ENV_PHYS_BASE, ENV_PAGES,
			       SCRATCH_PAGES, &m->out);
}

static void machine_free(struct machine *m)
{
	machine_env_free(m->e, &m->out, &m->in);
	free(m->a.phys);
}

static int preserve(struct machine *m)
{
	return kho_preserve_vmalloc(&m->out, m->a.phys, m->a.nr, m->a.order,
				    KHO_VMALLOC_FLAG_VM_ALLOC, &m->v);
}

/* preserve() for kho_env_sweep(), over a descriptor that is all garbage. */
static int op_preserve(void *arg)
{
	struct machine *m = arg;

	memset(&m->v, 0xa5, sizeof(m->v));
	return preserve(m);
}

static uint64_t *chunk_at(struct machine *m, uint64_t phys)
{
	return kho_env_va(m->e, phys);
}

static uint64_t chunk_capacity(struct machine *m)
{
	return (m->e->page_size - sizeof(struct kho_vmalloc_hdr)) /
	       sizeof(uint64_t);
}

static unsigned int count_chunks(struct machine *m)
{
	uint64_t phys = m->v.first;
	unsigned int n = 0;

	while (phys) {
		n++;
		phys = chunk_at(m, phys)[0];
	}
	return n;
}

/* The layout abi.md gives, read back word by word. */
static void check_layout(struct machine *m)
{
	uint64_t cap = chunk_capacity(m), phys = m->v.first, *chunk, i;
	unsigned int shift = m->e->geo.page_shift, seen = 0;

	assert_int_equal(m->v.total_pages, (uint64_t)m->a.nr << m->a.order);
	assert_int_equal(m->v.order, m->a.order);
	assert_int_equal(m->v.flags, KHO_VMALLOC_FLAG_VM_ALLOC);
	while (phys) {
		assert_true(
			kho_radix_test_page(&m->out.tree, phys >> shift, 0));
		chunk = chunk_at(m, phys);
		for (i = 0; i < cap && chunk[1 + i]; i++) {
			assert_true(seen < m->a.nr);
			assert_int_equal(chunk[1 + i], m->a.phys[seen]);
			/* Aligned blocks: one block of the area's order. */
			assert_true(kho_radix_test_page(&m->out.tree,
							chunk[1 + i] >> shift,
							m->a.order));
			seen++;
		}
		phys = chunk[0];
	}
	assert_int_equal(seen, m->a.nr);
}

static void test_layout(void **state)
{
	static const unsigned int shifts[] = { 12, 14, 16 };
	struct machine m;
	uint64_t cap;
	unsigned int i;

	for (i = 0; i < 3; i++) {
		machine_init(&m, shifts[i]);
		cap = chunk_capacity(&m);
		/* Exactly one chunk full: Linux starts an empty one at once. */
		make_area(&m, shifts[i] == 12 ? (unsigned int)cap : 100, 0);
		assert_int_equal(preserve(&m), 0);
		check_layout(&m);
		assert_int_equal(count_chunks(&m), shifts[i] == 12 ? 2 : 1);
		if (shifts[i] == 12)
			assert_int_equal(
				chunk_at(&m, chunk_at(&m, m.v.first)[0])[1], 0);
		kho_unpreserve_vmalloc(&m.out, &m.v);
		assert_int_equal(m.v.first, 0);
		machine_free(&m);
	}

	/* One entry less and one more than a chunk holds: 1 and 2 chunks. */
	machine_init(&m, 12);
	make_area(&m, (unsigned int)chunk_capacity(&m) - 1, 0);
	assert_int_equal(preserve(&m), 0);
	check_layout(&m);
	assert_int_equal(count_chunks(&m), 1);
	machine_free(&m);
	machine_init(&m, 12);
	make_area(&m, (unsigned int)chunk_capacity(&m) + 1, 0);
	assert_int_equal(preserve(&m), 0);
	check_layout(&m);
	assert_int_equal(count_chunks(&m), 2);
	machine_free(&m);

	/* Two chunks full: three chunks, the last empty. */
	machine_init(&m, 12);
	make_area(&m, 2 * (unsigned int)chunk_capacity(&m), 0);
	assert_int_equal(preserve(&m), 0);
	check_layout(&m);
	assert_int_equal(count_chunks(&m), 3);
	machine_free(&m);

	/* Order-2 blocks (huge vmap). */
	machine_init(&m, 12);
	make_area(&m, 40, 2);
	assert_int_equal(kho_preserve_vmalloc(&m.out, m.a.phys, m.a.nr, 2,
					      KHO_VMALLOC_FLAG_VM_ALLOC, &m.v),
			 0);
	check_layout(&m);
	machine_free(&m);
}

static void test_unpreserve(void **state)
{
	struct kho_env_snapshot before, after;
	struct machine m;

	machine_init(&m, 12);
	make_area(&m, 700, 0);
	kho_env_snapshot(m.e, &m.out, &before);
	assert_int_equal(preserve(&m), 0);
	kho_unpreserve_vmalloc(&m.out, &m.v);
	kho_env_snapshot(m.e, &m.out, &after);
	/* Blocks gone, chunk pages and tree nodes freed. */
	assert_true(kho_env_snapshot_equal(&before, &after));
	kho_env_snapshot_free(&before);
	kho_env_snapshot_free(&after);
	kho_unpreserve_vmalloc(&m.out, &m.v);
	kho_unpreserve_vmalloc(&m.out, NULL);
	machine_free(&m);
}

static void test_preserve_refused(void **state)
{
	struct kho_env_snapshot before, after;
	struct kho_vmalloc untouched = { 1, 2, 3, 4 };
	struct machine m;

	machine_init(&m, 12);
	make_area(&m, 10, 0);
	m.v = untouched;
	kho_env_snapshot(m.e, &m.out, &before);

	assert_int_equal(
		kho_preserve_vmalloc(&m.out, m.a.phys, m.a.nr, 0, 0x4, &m.v),
		-EINVAL);
	assert_int_equal(kho_preserve_vmalloc(&m.out, m.a.phys, m.a.nr,
					      m.e->geo.order0_bit, 0, &m.v),
			 -ERANGE);
	assert_int_equal(
		kho_preserve_vmalloc(&m.out, m.a.phys, UINT32_MAX, 1, 0, &m.v),
		-ERANGE);
	assert_int_equal(kho_preserve_vmalloc(&m.out, NULL, 3, 0, 0, &m.v),
			 -EINVAL);
	/* No empty area, no block of 4 GiB: Linux could map neither back. */
	assert_int_equal(kho_preserve_vmalloc(&m.out, m.a.phys, 0, 0, 0, &m.v),
			 -EINVAL);
	assert_int_equal(kho_preserve_vmalloc(&m.out, m.a.phys, 1, 20, 0, &m.v),
			 -ERANGE);
	/* A block at 0 would end the list. */
	m.a.phys[5] = 0;
	assert_int_equal(preserve(&m), -EINVAL);
	/* A block in scratch, listed late: the blocks before are released. */
	m.a.phys[5] = kho_env_page_phys(m.e, SCRATCH_FIRST + 1);
	assert_int_equal(preserve(&m), -EINVAL);
	kho_env_snapshot(m.e, &m.out, &after);
	assert_true(kho_env_snapshot_equal(&before, &after));
	assert_memory_equal(&m.v, &untouched, sizeof(untouched));
	kho_env_snapshot_free(&before);
	kho_env_snapshot_free(&after);
	machine_free(&m);
}

static void test_alloc_failure(void **state)
{
	struct machine m;

	machine_init(&m, 12);
	/*
	 * Exactly one chunk's worth: the empty chunk started after the last
	 * entry fails too, with every block already preserved.
	 */
	make_area(&m, (unsigned int)chunk_capacity(&m), 0);
	kho_env_sweep(m.e, &m.out, op_preserve, &m, -ENOMEM);
	assert_int_equal(count_chunks(&m), 2);
	check_layout(&m);
	machine_free(&m);

	machine_init(&m, 12);
	/* Three chunks: every chunk allocation fails once too. */
	make_area(&m, (unsigned int)(2 * chunk_capacity(&m) + 5), 0);
	/* Three chunk pages at least, and tree nodes. */
	assert_true(kho_env_sweep(m.e, &m.out, op_preserve, &m, -ENOMEM) >= 3);
	check_layout(&m);
	machine_free(&m);

	/*
	 * With no order-0 block preserved (the FDT page's bit taken away),
	 * the first chunk's preservation needs new tree nodes: fail those.
	 */
	machine_init(&m, 12);
	make_area(&m, 10, 1);
	assert_int_equal(kho_unpreserve_folio(&m.out, m.out.fdt_phys, 0), 0);
	kho_env_sweep(m.e, &m.out, op_preserve, &m, -ENOMEM);
	check_layout(&m);
	machine_free(&m);
}

/* ---- kernel B ------------------------------------------------------------ */

static int reserve_nothing(uint64_t start, uint64_t end, void *arg)
{
	return 0;
}

/* Kexec and take the handover, without walking it yet. */
static void kexec_populate(struct machine *m)
{
	struct kho_scratch *array = kho_env_alloc(m->e, 0);

	memcpy(array, m->e->scratch, sizeof(*array));
	m->scratch_phys = kho_env_phys(m->e, array);
	kho_env_reboot(m->e);
	assert_int_equal(kho_populate(&m->in, &m->e->geo, &m->e->ops,
				      m->out.fdt_phys, m->e->page_size,
				      m->scratch_phys, sizeof(*array)),
			 0);
}

static void kexec(struct machine *m)
{
	kexec_populate(m);
	assert_int_equal(kho_memory_init(&m->in, kho_env_check(m->e),
					 reserve_nothing, NULL),
			 0);
}

struct mapped {
	struct machine *m;
	unsigned int nr;
	bool bad;
	int fail_at;
};

static int map_block(uint64_t phys, unsigned int order, void *arg)
{
	struct mapped *mp = arg;
	struct machine *m = mp->m;
	uint64_t *p, words, j, i;

	if ((int)mp->nr == mp->fail_at)
		return -ENOSPC;
	if (mp->nr >= m->a.nr || phys != m->a.phys[mp->nr] ||
	    order != m->a.order) {
		mp->bad = true;
		return 0;
	}
	/* Restored as pages: every page refcount 1, no stamp left. */
	for (i = 0; i < 1ULL << order; i++) {
		struct kho_page *pg =
			kho_env_page(m->e, phys + i * m->e->page_size);

		if (pg->refcount != 1 || pg->private)
			mp->bad = true;
	}
	p = kho_env_va(m->e, phys);
	words = (m->e->page_size << order) / sizeof(uint64_t);
	for (j = 0; j < words; j++) {
		if (p[j] != seed_of(mp->nr) + j)
			mp->bad = true;
	}
	mp->nr++;
	return 0;
}

static void round_trip(unsigned int page_shift, unsigned int nr,
		       unsigned int order)
{
	struct machine m;
	struct mapped mp = { .m = &m, .fail_at = -1 };
	unsigned int chunks;
	uint64_t live;

	machine_init(&m, page_shift);
	make_area(&m, nr, order);
	assert_int_equal(preserve(&m), 0);
	chunks = count_chunks(&m);
	kexec(&m);

	live = m.e->live_pages;
	assert_int_equal(kho_restore_vmalloc(&m.in, &m.v, map_block, &mp), 0);
	assert_false(mp.bad);
	assert_int_equal(mp.nr, nr);
	/* The chunk pages went back to the allocator. */
	assert_int_equal(m.e->live_pages, live - chunks);
	/* A second restore finds no stamp (and must not read freed chunks). */
	assert_int_equal(kho_restore_vmalloc(&m.in, &m.v, map_block, &mp),
			 -EINVAL);
	machine_free(&m);
}

static void test_round_trip(void **state)
{
	round_trip(12, 1, 0);
	/* Full chunks, each followed by another (the last one empty). */
	round_trip(12, 511, 0);
	round_trip(12, 1022, 0);
	round_trip(12, 1200, 0);
	round_trip(12, 64, 3);
	round_trip(14, 1500, 0);
	round_trip(16, 100, 1);
}

/* A refused restore leaves every block and chunk stamped for a retry. */
static void assert_untouched(struct machine *m)
{
	uint64_t phys = m->v.first;
	unsigned int i;

	for (i = 0; i < m->a.nr; i++) {
		union kho_page_info info;

		info.page_private = kho_env_page(m->e, m->a.phys[i])->private;
		assert_int_equal(info.magic, KHO_PAGE_MAGIC);
		assert_int_equal(kho_env_page(m->e, m->a.phys[i])->refcount, 0);
	}
	for (i = 0; phys && i < 8; i++) {
		if (!kho_env_page(m->e, phys))
			break;
		if (phys % m->e->page_size)
			break;
		assert_int_not_equal(kho_env_page(m->e, phys)->private, 0);
		phys = chunk_at(m, phys)[0];
	}
}

/* Preserve 2 chunks' worth of blocks, kexec, corrupt, expect @code. */
typedef void (*corrupt_fn)(struct machine *m);

static void corrupted(corrupt_fn corrupt, int code)
{
	struct machine m;
	struct mapped mp = { .m = &m, .fail_at = -1 };
	struct kho_vmalloc good;
	uint64_t live;

	machine_init(&m, 12);
	make_area(&m, (unsigned int)chunk_capacity(&m) + 20, 0);
	assert_int_equal(preserve(&m), 0);
	good = m.v;
	kexec(&m);
	corrupt(&m);
	live = m.e->live_pages;
	assert_int_equal(kho_restore_vmalloc(&m.in, &m.v, map_block, &mp),
			 code);
	assert_int_equal(mp.nr, 0);
	assert_int_equal(m.e->live_pages, live);
	m.v = good;
	assert_untouched(&m);
	machine_free(&m);
}

static void make_cycle(struct machine *m)
{
	uint64_t second = chunk_at(m, m->v.first)[0];

	chunk_at(m, second)[0] = m->v.first;
}

static void make_self_cycle(struct machine *m)
{
	chunk_at(m, m->v.first)[0] = m->v.first;
}

static void add_one_page(struct machine *m)
{
	m->v.total_pages++;
}

static void drop_one_page(struct machine *m)
{
	m->v.total_pages--;
}

static void chunk_outside_ram(struct machine *m)
{
	chunk_at(m, m->v.first)[0] = kho_env_page_phys(m->e, ENV_PAGES + 3);
}

static void chunk_misaligned(struct machine *m)
{
	chunk_at(m, m->v.first)[0] += 8;
}

static void first_not_preserved(struct machine *m)
{
	m->v.first = kho_env_page_phys(m->e, ENV_PAGES - 1);
}

static void entry_not_preserved(struct machine *m)
{
	chunk_at(m, m->v.first)[1 + 7] = kho_env_page_phys(m->e, ENV_PAGES - 1);
}

/* Kernel A's root FDT: preserved, but taken by KHO itself (fuzz_vmalloc). */
static void entry_root_fdt(struct machine *m)
{
	chunk_at(m, m->v.first)[1 + 7] = m->out.fdt_phys;
}

static void entry_outside_ram(struct machine *m)
{
	chunk_at(m, m->v.first)[1 + 7] = kho_env_page_phys(m->e, ENV_PAGES + 9);
}

/* The same block twice, and the count adjusted to match: caught late. */
static void entry_twice(struct machine *m)
{
	uint64_t second = chunk_at(m, m->v.first)[0];
	uint64_t *chunk = chunk_at(m, second);

	chunk[1 + 20] = chunk_at(m, m->v.first)[1 + 3];
	m->v.total_pages++;
}

/* A chunk page listed as a data block: restored twice, caught late. */
static void chunk_as_entry(struct machine *m)
{
	uint64_t second = chunk_at(m, m->v.first)[0];
	uint64_t *chunk = chunk_at(m, second);

	chunk[1 + 20] = second;
	m->v.total_pages++;
}

/* A block listed twice in the middle: the rollback stops where pass 2 did. */
static void entry_twice_early(struct machine *m)
{
	uint64_t second = chunk_at(m, m->v.first)[0];

	chunk_at(m, second)[1 + 5] = chunk_at(m, m->v.first)[1 + 3];
}

/* The next chunk listed as a block before it is reached as a chunk. */
static void next_chunk_as_entry(struct machine *m)
{
	chunk_at(m, m->v.first)[1 + 7] = chunk_at(m, m->v.first)[0];
}

static void entry_misaligned(struct machine *m)
{
	chunk_at(m, m->v.first)[1 + 7] += 8;
}

static void no_first_chunk(struct machine *m)
{
	m->v.first = 0;
}

static void bad_flags(struct machine *m)
{
	m->v.flags |= 0x80;
}

static void bad_order(struct machine *m)
{
	m->v.order = 60;
}

static void test_corrupted(void **state)
{
	corrupted(make_cycle, -EINVAL);
	corrupted(make_self_cycle, -EINVAL);
	corrupted(add_one_page, -EINVAL);
	corrupted(drop_one_page, -EINVAL);
	corrupted(chunk_outside_ram, -EFAULT);
	corrupted(chunk_misaligned, -EINVAL);
	corrupted(first_not_preserved, -EINVAL);
	corrupted(entry_not_preserved, -EINVAL);
	corrupted(entry_root_fdt, -EINVAL);
	corrupted(entry_outside_ram, -EINVAL);
	corrupted(entry_twice, -EINVAL);
	corrupted(chunk_as_entry, -EINVAL);
	corrupted(entry_twice_early, -EINVAL);
	corrupted(next_chunk_as_entry, -EINVAL);
	corrupted(entry_misaligned, -EINVAL);
	corrupted(no_first_chunk, -EINVAL);
	corrupted(bad_flags, -EINVAL);
	corrupted(bad_order, -EINVAL);
}

/* @map failing: its error comes back, the blocks stay restored. */
static void test_map_failure(void **state)
{
	struct machine m;
	struct mapped mp = { .m = &m, .fail_at = 3 };

	machine_init(&m, 12);
	make_area(&m, 10, 0);
	assert_int_equal(preserve(&m), 0);
	kexec(&m);
	assert_int_equal(kho_restore_vmalloc(&m.in, &m.v, map_block, &mp),
			 -ENOSPC);
	assert_int_equal(mp.nr, 3);
	assert_int_equal(kho_env_page(m.e, m.a.phys[9])->refcount, 1);
	machine_free(&m);
}

static void test_revival_disabled(void **state)
{
	struct machine m;
	struct mapped mp = { .m = &m, .fail_at = -1 };

	machine_init(&m, 12);
	make_area(&m, 10, 0);
	assert_int_equal(preserve(&m), 0);
	assert_int_equal(kho_restore_vmalloc(&m.in, &m.v, NULL, NULL), -EPERM);
	/* Not populated, then populated but not walked. */
	assert_int_equal(kho_restore_vmalloc(&m.in, &m.v, map_block, &mp),
			 -EPERM);
	kexec_populate(&m);
	assert_int_equal(kho_restore_vmalloc(&m.in, &m.v, map_block, &mp),
			 -EPERM);
	assert_int_equal(mp.nr, 0);
	assert_int_equal(kho_memory_init(&m.in, kho_env_check(m.e),
					 reserve_nothing, NULL),
			 0);
	assert_int_equal(kho_restore_vmalloc(&m.in, &m.v, NULL, NULL), -EINVAL);
	assert_int_equal(kho_restore_vmalloc(&m.in, NULL, map_block, &mp),
			 -EINVAL);
	machine_free(&m);
}

/* ---- kho_vmalloc_read(): the decoder, through a struct kho_view ---------- */

#define LOG_CHUNKS 8

struct view_log {
	struct machine *m;
	struct kho_view view;
	uint64_t own[LOG_CHUNKS];
	unsigned int nr_own;
	uint64_t nr_entries;
	bool bad;
	int own_fail_at; /* -1: never */
	long cb_fail_at; /* -1: never */
	long repoint_at; /* -1: never; else aim the first chunk past RAM */
};

/* The environment's RAM, and nothing else. */
static const void *log_map(void *ctx, uint64_t phys, uint64_t len)
{
	struct view_log *l = ctx;
	struct kho_env *e = l->m->e;
	uint64_t end = e->phys_base + e->nr_pages * e->page_size;

	if (phys < e->phys_base || phys + len > end)
		return NULL;
	return kho_env_va(e, phys);
}

static int log_own(void *ctx, uint64_t phys, uint64_t len, const char *what)
{
	struct view_log *l = ctx;

	if (len != l->m->e->page_size || strcmp(what, "vmalloc chunk") ||
	    l->nr_own == LOG_CHUNKS) {
		l->bad = true;
		return 0;
	}
	if ((int)l->nr_own == l->own_fail_at)
		return -ENOSPC;
	l->own[l->nr_own++] = phys;
	return 0;
}

static int log_entry(uint64_t phys, unsigned int order, uint64_t index,
		     void *arg)
{
	struct view_log *l = arg;
	struct area *a = &l->m->a;

	if ((long)index == l->cb_fail_at)
		return -EIO;
	if ((long)index == l->repoint_at)
		chunk_at(l->m, l->m->v.first)[0] =
			kho_env_page_phys(l->m->e, l->m->e->nr_pages);
	if (index != l->nr_entries || index >= a->nr ||
	    phys != a->phys[index] || order != a->order)
		l->bad = true;
	l->nr_entries++;
	return 0;
}

static void log_init(struct view_log *l, struct machine *m)
{
	memset(l, 0, sizeof(*l));
	l->m = m;
	l->view.map = log_map;
	l->view.own = log_own;
	l->view.ctx = l;
	l->view.page_shift = m->e->geo.page_shift;
	l->own_fail_at = -1;
	l->cb_fail_at = -1;
	l->repoint_at = -1;
}

static int log_read(struct view_log *l, const struct kho_vmalloc *v,
		    struct kho_error *err)
{
	return kho_vmalloc_read(&l->view, v, log_entry, l, err);
}

/* Every page size, every chunk count: chunks owned in order, entries too. */
static void test_read(void **state)
{
	static const unsigned int shifts[] = { 12, 14, 16 };
	struct kho_error err = { 0 };
	struct view_log l;
	struct machine m;
	uint64_t cap, second;
	unsigned int i, k, nr;

	for (i = 0; i < 3; i++) {
		for (k = 0; k < 4; k++) {
			machine_init(&m, shifts[i]);
			cap = chunk_capacity(&m);
			nr = k == 0 ? 1 :
				      (unsigned int)(k == 1 ? cap : cap + 7);
			if (k == 3)
				nr = 100;
			if (nr > ENV_PAGES - SCRATCH_PAGES - 40) {
				machine_free(&m);
				continue;
			}
			make_area(&m, nr, 0);
			assert_int_equal(preserve(&m), 0);
			log_init(&l, &m);
			assert_int_equal(log_read(&l, &m.v, &err), 0);
			assert_int_equal(err.code, 0);
			assert_false(l.bad);
			assert_int_equal(l.nr_entries, nr);
			assert_int_equal(l.nr_own, count_chunks(&m));
			assert_int_equal(l.own[0], m.v.first);
			if (l.nr_own > 1) {
				second = chunk_at(&m, m.v.first)[0];
				assert_int_equal(l.own[1], second);
			}
			/* No callback: only the chunks. */
			log_init(&l, &m);
			assert_int_equal(kho_vmalloc_read(&l.view, &m.v, NULL,
							  NULL, NULL),
					 0);
			assert_int_equal(l.nr_own, count_chunks(&m));
			machine_free(&m);
		}
	}

	/* A list without the trailing empty chunk (older writers) reads. */
	machine_init(&m, 12);
	make_area(&m, (unsigned int)chunk_capacity(&m), 0);
	assert_int_equal(preserve(&m), 0);
	second = chunk_at(&m, m.v.first)[0];
	chunk_at(&m, m.v.first)[0] = 0;
	log_init(&l, &m);
	assert_int_equal(log_read(&l, &m.v, &err), 0);
	assert_int_equal(l.nr_own, 1);
	assert_int_equal(l.nr_entries, m.a.nr);
	chunk_at(&m, m.v.first)[0] = second;
	machine_free(&m);

	/*
	 * A chunk that is not full before the last: its first 0 ends it, the
	 * next chunk goes on at the next index (as Linux reads the list).
	 * Here the first chunk's last entry moved to the front of the second.
	 */
	machine_init(&m, 12);
	cap = chunk_capacity(&m);
	make_area(&m, (unsigned int)cap + 7, 0);
	assert_int_equal(preserve(&m), 0);
	assert_int_equal(count_chunks(&m), 2);
	{
		const size_t hdr = sizeof(struct kho_vmalloc_hdr) / 8;
		uint64_t *first = chunk_at(&m, m.v.first);
		uint64_t *next = chunk_at(&m, first[0]);

		memmove(next + hdr + 1, next + hdr, 7 * sizeof(uint64_t));
		next[hdr] = first[hdr + cap - 1];
		first[hdr + cap - 1] = 0;
		log_init(&l, &m);
		assert_int_equal(log_read(&l, &m.v, &err), 0);
		assert_false(l.bad);
		assert_int_equal(l.nr_entries, cap + 7);
		assert_int_equal(l.nr_own, 2);
	}
	machine_free(&m);
}

/* A wrong list: @code, and the field, address and index it names. */
struct bad_read {
	const char *name;
	void (*corrupt)(struct machine *m);
	int code;
	const char *property;
	/* phys: from @where, after @corrupt (NULL: none); index as given */
	uint64_t (*where)(struct machine *m);
	long index;
};

static uint64_t second_chunk(struct machine *m)
{
	return chunk_at(m, m->v.first)[0];
}

static uint64_t at_first(struct machine *m)
{
	return m->v.first;
}

static uint64_t outside_ram(struct machine *m)
{
	return kho_env_page_phys(m->e, ENV_PAGES + 3);
}

static uint64_t slot_7(struct machine *m)
{
	return m->v.first + 8 + 7 * 8;
}

static uint64_t slot_20(struct machine *m)
{
	return m->v.first + 8 + 20 * 8;
}

static uint64_t slot_second_3(struct machine *m)
{
	return second_chunk(m) + 8 + 3 * 8;
}

static uint64_t slot_second_19(struct machine *m)
{
	return second_chunk(m) + 8 + 19 * 8;
}

static uint64_t slot_second_20(struct machine *m)
{
	return second_chunk(m) + 8 + 20 * 8;
}

static void first_misaligned(struct machine *m)
{
	m->v.first += 8;
}

static void second_entry_misaligned(struct machine *m)
{
	chunk_at(m, second_chunk(m))[1 + 3] += 8;
}

static void odd_pages_for_order_1(struct machine *m)
{
	m->v.order = 1;
}

/* 2^20 pages of 4 KiB: a block's alignment no longer fits 32 bits. */
static void order_4g(struct machine *m)
{
	m->v.order = 20;
	m->v.total_pages = 1U << 20;
}

/* The largest order Linux maps (2 GiB blocks), but no pages at all. */
static void no_pages(struct machine *m)
{
	m->v.order = 19;
	m->v.total_pages = 0;
}

/* The list reaches the second chunk again after its own entries. */
static void second_names_itself(struct machine *m)
{
	uint64_t second = second_chunk(m);

	chunk_at(m, second)[0] = second;
}

static void extra_entry(struct machine *m)
{
	chunk_at(m, second_chunk(m))[1 + 20] = m->a.phys[0];
}

static void test_read_refused(void **state)
{
	static const struct bad_read cases[] = {
		{ "flags", bad_flags, -EINVAL, "flags", NULL, -1 },
		{ "order", bad_order, -EINVAL, "order", NULL, -1 },
		{ "order 20", order_4g, -EINVAL, "order", NULL, -1 },
		{ "no pages", no_pages, -EINVAL, "total_pages", NULL, -1 },
		{ "odd", odd_pages_for_order_1, -EINVAL, "total_pages", NULL,
		  -1 },
		{ "no first", no_first_chunk, -EINVAL, "first", NULL, -1 },
		{ "first misaligned", first_misaligned, -EINVAL, "first",
		  at_first, 0 },
		{ "first unmapped", first_not_preserved, 0, NULL, NULL, 0 },
		{ "next misaligned", chunk_misaligned, -EINVAL, "next",
		  second_chunk, 1 },
		{ "next unmapped", chunk_outside_ram, -EFAULT, "next",
		  outside_ram, 1 },
		{ "cycle", make_cycle, -EINVAL, "next", at_first, 2 },
		{ "self cycle", make_self_cycle, -EINVAL, "phys", slot_20, -2 },
		{ "second names itself", second_names_itself, -EINVAL, "next",
		  second_chunk, 2 },
		{ "entry misaligned", entry_misaligned, -EINVAL, "phys", slot_7,
		  7 },
		{ "second entry misaligned", second_entry_misaligned, -EINVAL,
		  "phys", slot_second_3, -3 },
		{ "one page more", add_one_page, -EINVAL, "total_pages", NULL,
		  -4 },
		{ "one page less", drop_one_page, -EINVAL, "phys",
		  slot_second_19, -5 },
		{ "extra entry", extra_entry, -EINVAL, "phys", slot_second_20,
		  -4 },
	};
	struct kho_error err;
	struct view_log l;
	struct machine m;
	uint64_t cap;
	unsigned int i;
	long index;
	char line[256];

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad_read *c = &cases[i];

		machine_init(&m, 12);
		cap = chunk_capacity(&m);
		make_area(&m, (unsigned int)cap + 20, 0);
		assert_int_equal(preserve(&m), 0);
		c->corrupt(&m);
		memset(&err, 0, sizeof(err));
		log_init(&l, &m);
		print_message("%s\n", c->name);
		if (!c->code) {
			/* Mapped but not a chunk this list made: still read. */
			assert_int_not_equal(log_read(&l, &m.v, &err), 0);
			machine_free(&m);
			continue;
		}
		assert_int_equal(log_read(&l, &m.v, &err), c->code);
		/* Nothing handed out before the whole list was checked. */
		assert_int_equal(l.nr_own, 0);
		assert_int_equal(l.nr_entries, 0);
		assert_int_equal(err.code, c->code);
		assert_non_null(err.what);
		assert_string_equal(err.property, c->property);
		assert_int_equal(err.level, KHO_ERR_NO_LEVEL);
		assert_int_equal(err.phys,
				 c->where ? c->where(&m) : KHO_ERR_NO_ADDR);
		/* Negative: cap + that, in the second chunk; -4: cap + 20. */
		index = c->index;
		if (index == -2)
			index = (long)cap + 20;
		else if (index == -3)
			index = (long)cap + 3;
		else if (index == -4)
			index = (long)cap + 20;
		else if (index == -5)
			index = (long)cap + 19;
		assert_int_equal(err.index, index);
		assert_true(kho_error_format(&err, line, sizeof(line)) > 0);
		assert_non_null(strstr(line, err.what));
		/* No struct kho_error: the same code. */
		assert_int_equal(
			kho_vmalloc_read(&l.view, &m.v, NULL, NULL, NULL),
			c->code);
		machine_free(&m);
	}

	/* A block running off the end of the address space. */
	machine_init(&m, 12);
	make_area(&m, 3, 2);
	assert_int_equal(kho_preserve_vmalloc(&m.out, m.a.phys, 3, 2, 0, &m.v),
			 0);
	chunk_at(&m, m.v.first)[1 + 1] = UINT64_MAX & ~0xfffULL;
	log_init(&l, &m);
	assert_int_equal(log_read(&l, &m.v, &err), -EINVAL);
	assert_string_equal(err.property, "phys");
	assert_int_equal(err.index, 1);
	assert_int_equal(err.phys, m.v.first + 16);
	assert_non_null(strstr(err.what, "end of the address space"));
	machine_free(&m);
}

/* The callbacks stop the read; their code comes back, @err untouched. */
static void test_read_stopped(void **state)
{
	struct kho_error err;
	struct view_log l;
	struct machine m;
	uint64_t cap, second;

	machine_init(&m, 12);
	cap = chunk_capacity(&m);
	make_area(&m, (unsigned int)cap + 20, 0);
	assert_int_equal(preserve(&m), 0);

	log_init(&l, &m);
	l.cb_fail_at = 5;
	memset(&err, 0x5a, sizeof(err));
	assert_int_equal(log_read(&l, &m.v, &err), -EIO);
	assert_int_equal(err.code, 0x5a5a5a5a);
	assert_int_equal(l.nr_entries, 5);
	assert_int_equal(l.nr_own, 1);

	log_init(&l, &m);
	l.own_fail_at = 1;
	assert_int_equal(log_read(&l, &m.v, &err), -ENOSPC);
	/* The owner's refusal is the list's: err names the chunk. */
	assert_int_equal(err.code, -ENOSPC);
	assert_string_equal(err.property, "next");
	assert_int_equal(err.phys, second_chunk(&m));
	assert_int_equal(err.index, 1);
	assert_non_null(strstr(err.what, "not preserved"));
	assert_int_equal(l.nr_entries, cap);
	assert_int_equal(l.nr_own, 1);

	/* The callback moves the next chunk out of RAM: refused, not read. */
	log_init(&l, &m);
	l.repoint_at = (long)cap - 1;
	second = chunk_at(&m, m.v.first)[0];
	assert_int_equal(log_read(&l, &m.v, &err), -EFAULT);
	assert_string_equal(err.what, "vmalloc chunk is not in memory");
	assert_string_equal(err.property, "next");
	assert_int_equal(err.phys, kho_env_page_phys(m.e, m.e->nr_pages));
	assert_int_equal(err.index, 1);
	assert_int_equal(l.nr_entries, cap);
	chunk_at(&m, m.v.first)[0] = second;

	/* No owner: the chunks are just read. */
	log_init(&l, &m);
	l.view.own = NULL;
	assert_int_equal(log_read(&l, &m.v, &err), 0);
	assert_int_equal(l.nr_entries, m.a.nr);
	assert_false(l.bad);

	/* Impossible arguments: loud, and -EINVAL. */
	log_init(&l, &m);
	assert_int_equal(kho_vmalloc_read(NULL, &m.v, NULL, NULL, NULL),
			 -EINVAL);
	assert_int_equal(kho_vmalloc_read(&l.view, NULL, NULL, NULL, NULL),
			 -EINVAL);
	l.view.page_shift = 11;
	assert_int_equal(kho_vmalloc_read(&l.view, &m.v, NULL, NULL, NULL),
			 -EINVAL);
	l.view.page_shift = 12;
	l.view.map = NULL;
	assert_int_equal(kho_vmalloc_read(&l.view, &m.v, NULL, NULL, NULL),
			 -EINVAL);
	machine_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_unpreserve),
		cmocka_unit_test(test_preserve_refused),
		cmocka_unit_test(test_alloc_failure),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_corrupted),
		cmocka_unit_test(test_map_failure),
		cmocka_unit_test(test_revival_disabled),
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_read_refused),
		cmocka_unit_test(test_read_stopped),
	};

	kho_warn_hook = count_warning;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
