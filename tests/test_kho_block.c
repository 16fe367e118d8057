// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_kho_block.c - KHO serialization blocks both ways: the writer's
 * layout (full blocks, then the last; counts; next links; every block a
 * preserved order-0 page) for 4/16/64 KiB pages and several entry sizes,
 * grow and shrink, an injected allocation failure at every allocation
 * (nothing changes), the KHO_MAX_BLOCKS limit, a round trip through a kexec
 * (entries back in order, blocks restored and freed), and every refusal of
 * the reader: count 0, count over capacity, cycles (self, two blocks, a
 * long tail), more than 10000 blocks, a block unmapped or misaligned, a
 * block that is not preserved, a bad entry size.
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

#include "lib/machine.h"

#define ENV_PHYS_BASE 0x100000000ULL
#define ENV_PAGES 2048
#define SCRATCH_PAGES 16

struct machine {
	struct kho_env *e;
	struct kho_out out;
	struct kho_in in;
};

static void machine_init_pages(struct machine *m, unsigned int page_shift,
			       size_t pages)
{
	memset(m, 0, sizeof(*m));
	m->e = machine_env_new(page_shift, ENV_PHYS_BASE, pages, SCRATCH_PAGES,
			       &m->out);
}

static void machine_init(struct machine *m, unsigned int page_shift)
{
	machine_init_pages(m, page_shift, ENV_PAGES);
}

static void machine_free(struct machine *m)
{
	machine_env_free(m->e, &m->out, &m->in);
}

static void kexec(struct machine *m)
{
	assert_int_equal(kho_env_kexec(m->e, m->out.fdt_phys, &m->in, NULL), 0);
}

/* An entry of @size bytes whose bytes say which entry it is. */
static void fill_entry(unsigned char *buf, size_t size, uint64_t i)
{
	for (size_t j = 0; j < size; j++)
		buf[j] = (unsigned char)(i * 7 + j);
}

/* ---- a view straight over the test machine's RAM -------------------------- */

struct env_view {
	struct kho_env *e;
	uint64_t owned; /* own() calls */
	int own_ret; /* what own() returns */
	uint64_t last_own;
};

static const void *env_map(void *ctx, uint64_t phys, uint64_t len)
{
	struct env_view *v = ctx;
	uint64_t end = v->e->phys_base + v->e->nr_pages * v->e->page_size;

	if (phys < v->e->phys_base || len > end - phys)
		return NULL;
	return kho_env_va(v->e, phys);
}

static int env_own(void *ctx, uint64_t phys, uint64_t len, const char *what)
{
	struct env_view *v = ctx;

	v->owned++;
	v->last_own = phys;
	return v->own_ret;
}

static struct kho_view make_view(struct env_view *ev, struct kho_env *e)
{
	struct kho_view view = { .map = env_map,
				 .own = env_own,
				 .ctx = ev,
				 .page_shift = e->geo.page_shift };

	memset(ev, 0, sizeof(*ev));
	ev->e = e;
	return view;
}

/* ---- writer ------------------------------------------------------------------ */

static void check_layout(struct machine *m, struct kho_block_set *bs,
			 uint64_t nr)
{
	uint64_t cap = bs->count_per_block, phys = bs->head_pa, i = 0, k = 0;
	unsigned int shift = m->e->geo.page_shift;
	unsigned char want[4096];

	assert_int_equal(bs->count, nr);
	assert_int_equal(bs->nblocks, (nr + cap - 1) / cap);
	while (phys) {
		struct kho_block_header_ser *b = kho_env_va(m->e, phys);
		const unsigned char *ent = (const unsigned char *)(b + 1);

		assert_true(
			kho_radix_test_page(&m->out.tree, phys >> shift, 0));
		/* Full blocks first, then the last one. */
		assert_int_equal(b->count, nr - i < cap ? nr - i : cap);
		for (uint64_t j = 0; j < b->count; j++, i++) {
			fill_entry(want, bs->entry_size, i);
			assert_memory_equal(ent + j * bs->entry_size, want,
					    bs->entry_size);
			assert_ptr_equal(kho_block_set_entry(bs, i),
					 ent + j * bs->entry_size);
		}
		phys = b->next;
		k++;
	}
	assert_int_equal(i, nr);
	assert_int_equal(k, bs->nblocks);
	assert_null(kho_block_set_entry(bs, nr));
}

static void append_n(struct kho_block_set *bs, uint64_t nr)
{
	unsigned char buf[4096];

	for (uint64_t i = bs->count; i < nr; i++) {
		fill_entry(buf, bs->entry_size, i);
		assert_int_equal(kho_block_set_append(bs, buf), 0);
	}
}

static void test_layout(void **state)
{
	static const unsigned int shifts[] = { 12, 14, 16 };
	static const size_t sizes[] = { 64, 80, 16, 1000 };

	for (unsigned int s = 0; s < 3; s++) {
		for (unsigned int z = 0; z < 4; z++) {
			struct kho_block_set bs;
			struct machine m;
			uint64_t cap, live;

			machine_init(&m, shifts[s]);
			live = m.e->live_pages;
			assert_int_equal(
				kho_block_set_init(&bs, &m.out, sizes[z]), 0);
			cap = bs.count_per_block;
			assert_int_equal(cap,
					 ((1ULL << shifts[s]) - 16) / sizes[z]);
			assert_int_equal(bs.head_pa, 0);
			/* Exactly one block full, then one more entry. */
			append_n(&bs, cap);
			check_layout(&m, &bs, cap);
			append_n(&bs, cap + 1);
			check_layout(&m, &bs, cap + 1);
			append_n(&bs, 3 * cap + 5);
			check_layout(&m, &bs, 3 * cap + 5);
			kho_block_set_destroy(&bs);
			assert_int_equal(bs.head_pa, 0);
			assert_int_equal(bs.nblocks, 0);
			/* Blocks freed; tree nodes may stay. */
			assert_true(m.e->live_pages <= live + 8);
			machine_free(&m);
		}
	}
}

/* Kernel figures: 4 KiB pages hold 63 files of 64 B, 51 sessions of 80 B. */
static void test_kernel_capacities(void **state)
{
	assert_int_equal(kho_block_capacity(12, 64), 63);
	assert_int_equal(kho_block_capacity(12, 80), 51);
	assert_int_equal(kho_block_capacity(12, 32), 127);
	assert_int_equal(kho_block_capacity(12, 0), 0);
	assert_int_equal(kho_block_capacity(12, 4081), 0);
	assert_int_equal(kho_block_capacity(16, 64), 1023);
}

static void test_init_refused(void **state)
{
	struct kho_block_set bs;
	struct machine m;

	machine_init(&m, 12);
	assert_int_equal(kho_block_set_init(&bs, &m.out, 0), -EINVAL);
	assert_int_equal(kho_block_set_init(&bs, &m.out, 4081), -EINVAL);
	assert_int_equal(kho_block_set_init(&bs, &m.out, 4080), 0);
	assert_int_equal(bs.count_per_block, 1);
	machine_free(&m);
}

static void test_grow_shrink(void **state)
{
	struct kho_block_set bs;
	struct machine m;
	uint64_t cap;

	machine_init(&m, 12);
	assert_int_equal(kho_block_set_init(&bs, &m.out, 64), 0);
	cap = bs.count_per_block;
	assert_int_equal(kho_block_set_grow(&bs, 0), 0);
	assert_int_equal(bs.nblocks, 0);
	assert_int_equal(kho_block_set_grow(&bs, 3 * cap), 0);
	assert_int_equal(bs.nblocks, 3);
	/* Grown beforehand: entries fill the blocks in order. */
	append_n(&bs, cap + 2);
	assert_int_equal(bs.nblocks, 3);
	{
		struct kho_block_header_ser *b = kho_env_va(m.e, bs.head_pa);

		assert_int_equal(b->count, cap);
		b = kho_env_va(m.e, b->next);
		assert_int_equal(b->count, 2);
		b = kho_env_va(m.e, b->next);
		assert_int_equal(b->count, 0);
		assert_int_equal(b->next, 0);
	}
	kho_block_set_shrink(&bs, cap + 2);
	assert_int_equal(bs.nblocks, 2);
	check_layout(&m, &bs, cap + 2);
	kho_block_set_shrink(&bs, cap);
	assert_int_equal(bs.nblocks, 1);
	check_layout(&m, &bs, cap);
	kho_block_set_shrink(&bs, 0);
	assert_int_equal(bs.nblocks, 0);
	assert_int_equal(bs.head_pa, 0);
	assert_null(bs.last);
	assert_int_equal(bs.count, 0);
	/* Usable again. */
	append_n(&bs, 2);
	check_layout(&m, &bs, 2);
	kho_block_set_destroy(&bs);
	machine_free(&m);
}

/* The append of entry @cap, which needs a new block, for kho_env_sweep(). */
static int op_append_to_new_block(void *arg)
{
	struct kho_block_set *bs = arg;
	uint64_t cap = bs->count_per_block;
	unsigned char buf[64];
	int ret;

	fill_entry(buf, sizeof(buf), cap);
	ret = kho_block_set_append(bs, buf);
	if (ret == -ENOMEM) {
		assert_int_equal(bs->count, cap);
		assert_int_equal(bs->nblocks, 1);
	}
	return ret;
}

/* Growing from two blocks to five, for kho_env_sweep(). */
static int op_grow_to_five(void *arg)
{
	struct kho_block_set *bs = arg;
	int ret = kho_block_set_grow(bs, 5 * bs->count_per_block);

	if (ret == -ENOMEM)
		assert_int_equal(bs->nblocks, 2);
	return ret;
}

static void test_alloc_failure(void **state)
{
	struct kho_block_set bs;
	struct machine m;
	uint64_t cap;

	machine_init(&m, 12);
	assert_int_equal(kho_block_set_init(&bs, &m.out, 64), 0);
	cap = bs.count_per_block;
	append_n(&bs, cap);
	/* The next entry needs a block: fail each allocation it makes. */
	kho_env_sweep(m.e, &m.out, op_append_to_new_block, &bs, -ENOMEM);
	check_layout(&m, &bs, cap + 1);

	/* grow() by three blocks: a failure at any of them undoes all. */
	assert_true(kho_env_sweep(m.e, &m.out, op_grow_to_five, &bs, -ENOMEM) >=
		    3);
	assert_int_equal(bs.nblocks, 5);
	kho_block_set_destroy(&bs);
	machine_free(&m);
}

/* One entry per block: the writer stops at KHO_MAX_BLOCKS blocks. */
static void test_writer_limit(void **state)
{
	struct kho_block_info info;
	struct kho_block_set bs;
	struct env_view ev;
	struct kho_view view;
	struct kho_error err;
	struct machine m;

	machine_init_pages(&m, 12, KHO_MAX_BLOCKS + 512);
	assert_int_equal(kho_block_set_init(&bs, &m.out, 4080), 0);
	assert_int_equal(kho_block_set_grow(&bs, KHO_MAX_BLOCKS), 0);
	assert_int_equal(bs.nblocks, KHO_MAX_BLOCKS);
	assert_int_equal(kho_block_set_grow(&bs, KHO_MAX_BLOCKS + 1), -ENOSPC);
	assert_int_equal(bs.nblocks, KHO_MAX_BLOCKS);
	append_n(&bs, KHO_MAX_BLOCKS);
	{
		unsigned char buf[4080] = { 0 };

		assert_int_equal(kho_block_set_append(&bs, buf), -ENOSPC);
	}
	/* Exactly KHO_MAX_BLOCKS blocks are read back. */
	view = make_view(&ev, m.e);
	assert_int_equal(kho_block_read(&view, bs.head_pa, 4080, "t", NULL,
					NULL, &info, &err),
			 0);
	assert_int_equal(info.nr_blocks, KHO_MAX_BLOCKS);
	assert_int_equal(info.nr_entries, KHO_MAX_BLOCKS);
	assert_int_equal(ev.owned, KHO_MAX_BLOCKS);
	kho_block_set_destroy(&bs);
	machine_free(&m);
}

/* ---- reader -------------------------------------------------------------- */

struct seen {
	struct kho_env *e;
	size_t entry_size;
	uint64_t nr;
	int fail_at;
	bool bad;
};

static int on_entry(const void *entry, uint64_t phys, uint64_t index, void *arg)
{
	struct seen *s = arg;
	unsigned char want[4096];

	if ((int)index == s->fail_at)
		return -ENOSPC;
	fill_entry(want, s->entry_size, index);
	if (index != s->nr || memcmp(entry, want, s->entry_size) ||
	    kho_env_va(s->e, phys) != entry)
		s->bad = true;
	s->nr++;
	return 0;
}

static void test_round_trip(void **state)
{
	static const unsigned int shifts[] = { 12, 14, 16 };

	for (unsigned int s = 0; s < 3; s++) {
		struct kho_block_set bs;
		struct kho_block_info info;
		struct kho_error err;
		struct kho_view view;
		struct machine m;
		struct seen seen = { .entry_size = 80, .fail_at = -1 };
		uint64_t nr, head, live;

		machine_init(&m, shifts[s]);
		assert_int_equal(kho_block_set_init(&bs, &m.out, 80), 0);
		nr = 4 * bs.count_per_block + 3;
		append_n(&bs, nr);
		head = bs.head_pa;
		kexec(&m);
		seen.e = m.e;
		kho_in_view(&m.in, &view);
		assert_int_equal(kho_block_read(&view, head, 80, "sessions",
						on_entry, &seen, &info, &err),
				 0);
		assert_false(seen.bad);
		assert_int_equal(seen.nr, nr);
		assert_int_equal(info.nr_blocks, 5);
		assert_int_equal(info.nr_entries, nr);
		/* A callback's error stops the read and comes back. */
		seen.nr = 0;
		seen.fail_at = 7;
		assert_int_equal(kho_block_read(&view, head, 80, "sessions",
						on_entry, &seen, NULL, &err),
				 -ENOSPC);
		/* Kernel B frees the blocks once read. */
		live = m.e->live_pages;
		assert_int_equal(kho_block_restore_free(&m.in, head), 0);
		assert_int_equal(m.e->live_pages, live - 5);
		/* Read again, the blocks are no longer preserved. */
		assert_int_equal(kho_block_restore_free(&m.in, 0), 0);
		machine_free(&m);
	}
}

/*
 * Hand-built chains in free pages of the test machine: block i at page
 * FIRST + i, each with @count entries, linked in order.
 */
#define FIRST 100

static uint64_t page_phys(struct machine *m, size_t i)
{
	return kho_env_page_phys(m->e, FIRST + i);
}

static struct kho_block_header_ser *page_block(struct machine *m, size_t i)
{
	return kho_env_va(m->e, page_phys(m, i));
}

static void build_chain(struct machine *m, size_t nr, uint64_t count)
{
	for (size_t i = 0; i < nr; i++) {
		page_block(m, i)->count = count;
		page_block(m, i)->next = i + 1 < nr ? page_phys(m, i + 1) : 0;
	}
}

static void expect_refusal(struct machine *m, uint64_t head, size_t entry_size,
			   int code, const char *field, uint64_t phys,
			   long index)
{
	struct env_view ev;
	struct kho_view view = make_view(&ev, m->e);
	struct kho_error err;
	struct seen seen = { .e = m->e,
			     .entry_size = entry_size,
			     .fail_at = -1 };

	memset(&err, 0, sizeof(err));
	assert_int_equal(kho_block_read(&view, head, entry_size, "t", on_entry,
					&seen, NULL, &err),
			 code);
	/* Nothing is visited or owned before the whole chain is checked. */
	assert_int_equal(seen.nr, 0);
	assert_int_equal(ev.owned, 0);
	assert_int_equal(err.code, code);
	assert_non_null(err.what);
	if (field)
		assert_string_equal(err.property, field);
	assert_int_equal(err.phys, phys);
	assert_int_equal(err.index, index);
}

static void test_refusals(void **state)
{
	struct machine m;
	uint64_t cap;

	machine_init_pages(&m, 12, 2 * KHO_MAX_BLOCKS + 512);
	cap = kho_block_capacity(12, 64);

	/* count 0, in the third block */
	build_chain(&m, 5, 3);
	page_block(&m, 2)->count = 0;
	expect_refusal(&m, page_phys(&m, 0), 64, -EINVAL, "count",
		       page_phys(&m, 2), 2);
	/* count over capacity; capacity itself is fine */
	build_chain(&m, 5, cap);
	{
		struct env_view ev;
		struct kho_view view = make_view(&ev, m.e);

		assert_int_equal(kho_block_read(&view, page_phys(&m, 0), 64,
						"t", NULL, NULL, NULL, NULL),
				 0);
		assert_int_equal(ev.owned, 5);
	}
	page_block(&m, 4)->count = cap + 1;
	expect_refusal(&m, page_phys(&m, 0), 64, -EINVAL, "count",
		       page_phys(&m, 4), 4);
	/* the same count is fine with smaller entries */
	{
		struct env_view ev;
		struct kho_view view = make_view(&ev, m.e);

		assert_int_equal(kho_block_read(&view, page_phys(&m, 0), 32,
						"t", NULL, NULL, NULL, NULL),
				 0);
	}

	/* a block pointing at itself */
	build_chain(&m, 1, 1);
	page_block(&m, 0)->next = page_phys(&m, 0);
	expect_refusal(&m, page_phys(&m, 0), 64, -EINVAL, "next",
		       page_phys(&m, 0), 2);
	/* two blocks pointing at each other */
	build_chain(&m, 2, 1);
	page_block(&m, 1)->next = page_phys(&m, 0);
	expect_refusal(&m, page_phys(&m, 0), 64, -EINVAL, "next",
		       page_phys(&m, 0), 4);
	/* a long tail, then a cycle of three */
	build_chain(&m, 1000, 1);
	page_block(&m, 999)->next = page_phys(&m, 997);
	{
		struct env_view ev;
		struct kho_view view = make_view(&ev, m.e);
		struct kho_error err;

		assert_int_equal(kho_block_read(&view, page_phys(&m, 0), 64,
						"t", NULL, NULL, NULL, &err),
				 -EINVAL);
		assert_string_equal(err.what, "the KHO block chain is cyclic");
	}
	/* a cycle through all 10000 blocks allowed */
	build_chain(&m, KHO_MAX_BLOCKS, 1);
	page_block(&m, KHO_MAX_BLOCKS - 1)->next = page_phys(&m, 0);
	{
		struct env_view ev;
		struct kho_view view = make_view(&ev, m.e);
		struct kho_error err;

		assert_int_equal(kho_block_read(&view, page_phys(&m, 0), 64,
						"t", NULL, NULL, NULL, &err),
				 -EINVAL);
		assert_string_equal(err.what, "the KHO block chain is cyclic");
	}
	/* 10000 blocks are fine, 10001 are not */
	build_chain(&m, KHO_MAX_BLOCKS, 1);
	{
		struct env_view ev;
		struct kho_view view = make_view(&ev, m.e);
		struct kho_block_info info;

		assert_int_equal(kho_block_read(&view, page_phys(&m, 0), 64,
						"t", NULL, NULL, &info, NULL),
				 0);
		assert_int_equal(info.nr_blocks, KHO_MAX_BLOCKS);
	}
	build_chain(&m, KHO_MAX_BLOCKS + 1, 1);
	expect_refusal(&m, page_phys(&m, 0), 64, -ENOSPC, "next",
		       page_phys(&m, KHO_MAX_BLOCKS), KHO_MAX_BLOCKS);
	/* far more: the walk still ends */
	build_chain(&m, 2 * KHO_MAX_BLOCKS + 100, 1);
	expect_refusal(&m, page_phys(&m, 0), 64, -ENOSPC, "next",
		       page_phys(&m, KHO_MAX_BLOCKS), KHO_MAX_BLOCKS);

	/* a block past RAM, a block across its end, a misaligned block */
	build_chain(&m, 3, 1);
	page_block(&m, 2)->next = ENV_PHYS_BASE - 4096;
	expect_refusal(&m, page_phys(&m, 0), 64, -EFAULT, "next",
		       ENV_PHYS_BASE - 4096, 3);
	page_block(&m, 2)->next = page_phys(&m, 1) + 8;
	expect_refusal(&m, page_phys(&m, 0), 64, -EINVAL, "next",
		       page_phys(&m, 1) + 8, 3);
	expect_refusal(&m, 0x123, 64, -EINVAL, "head", 0x123, 0);
	expect_refusal(&m, kho_env_page_phys(m.e, m.e->nr_pages), 64, -EFAULT,
		       "head", kho_env_page_phys(m.e, m.e->nr_pages), 0);

	/* entry sizes no block holds */
	expect_refusal(&m, page_phys(&m, 0), 0, -EINVAL, NULL, page_phys(&m, 0),
		       0);
	expect_refusal(&m, page_phys(&m, 0), 4081, -EINVAL, NULL,
		       page_phys(&m, 0), 0);

	/* own() refusing a block stops the read with its error */
	build_chain(&m, 3, 1);
	{
		struct env_view ev;
		struct kho_view view = make_view(&ev, m.e);
		struct kho_error err;

		ev.own_ret = -EPERM;
		assert_int_equal(kho_block_read(&view, page_phys(&m, 0), 64,
						"t", NULL, NULL, NULL, &err),
				 -EPERM);
		assert_int_equal(err.phys, page_phys(&m, 0));
	}
	/* an empty chain */
	{
		struct env_view ev;
		struct kho_view view = make_view(&ev, m.e);
		struct kho_block_info info = { 1, 1 };

		assert_int_equal(kho_block_read(&view, 0, 64, "t", NULL, NULL,
						&info, NULL),
				 0);
		assert_int_equal(info.nr_blocks, 0);
		assert_int_equal(info.nr_entries, 0);
	}
	machine_free(&m);
}

/*
 * A callback that frees (poisons) the next block, or when @next is set
 * points the first block's next there: the read stops cleanly.
 */
struct spoil {
	struct kho_env *e;
	uint64_t victim;
	uint64_t next;
	uint64_t seen;
};

static int spoil_next(const void *entry, uint64_t phys, uint64_t index,
		      void *arg)
{
	struct spoil *sp = arg;
	struct kho_block_header_ser *first;

	if (index == 0 && sp->next) {
		first = kho_env_va(sp->e, phys - sizeof(*first));
		first->next = sp->next;
	} else if (index == 0) {
		memset(kho_env_va(sp->e, sp->victim), KHO_ENV_POISON, 4096);
	}
	sp->seen++;
	return 0;
}

static int count_entry(void *entry, uint64_t index, void *arg)
{
	uint64_t *n = arg;
	unsigned char want[64];

	fill_entry(want, sizeof(want), index);
	assert_memory_equal(entry, want, sizeof(want));
	return ++*n == 100 ? -ENOSPC : 0;
}

static void test_changed_while_read(void **state)
{
	const uint64_t nexts[] = {
		ENV_PHYS_BASE + 4096 + 8,
		ENV_PHYS_BASE + (uint64_t)ENV_PAGES * 4096,
		0, /* last: it poisons the second block */
	};
	struct kho_block_set bs;
	struct kho_error err;
	struct env_view ev;
	struct kho_view view;
	struct machine m;
	struct spoil sp;
	uint64_t n = 0;
	unsigned int i;

	machine_init(&m, 12);
	assert_int_equal(kho_block_set_init(&bs, &m.out, 64), 0);
	append_n(&bs, 130);
	/* kho_block_set_for_each(): every entry once, in order; stops */
	assert_int_equal(kho_block_set_for_each(&bs, count_entry, &n), -ENOSPC);
	assert_int_equal(n, 100);
	n = 1000;
	assert_int_equal(kho_block_set_for_each(&bs, count_entry, &n), 0);
	assert_int_equal(n, 1000 + 130);

	sp.e = m.e;
	sp.victim = ((struct kho_block_header_ser *)kho_env_va(m.e, bs.head_pa))
			    ->next;
	view = make_view(&ev, m.e);
	/* The first block's next (misaligned, past RAM), the next's count. */
	for (i = 0; i < sizeof(nexts) / sizeof(nexts[0]); i++) {
		sp.next = nexts[i];
		sp.seen = 0;
		assert_int_equal(kho_block_read(&view, bs.head_pa, 64, "t",
						spoil_next, &sp, NULL, &err),
				 -EINVAL);
		assert_string_equal(err.what,
				    "a KHO block changed while it was read");
		assert_string_equal(err.property, nexts[i] ? "next" : "count");
		assert_int_equal(err.phys, nexts[i] ? nexts[i] : sp.victim);
		assert_int_equal(err.index, 1);
		assert_int_equal(sp.seen, 63);
		/* Put the first block's next back for the following case. */
		((struct kho_block_header_ser *)kho_env_va(m.e, bs.head_pa))
			->next = sp.victim;
	}
	/* the writer's view is poisoned too: forget the chain */
	bs.head_pa = 0;
	bs.nblocks = 0;
	machine_free(&m);
}

/* Kernel B: a chain in memory that was never preserved is refused. */
static void test_not_preserved(void **state)
{
	struct kho_block_set bs;
	struct kho_error err;
	struct kho_view view;
	struct machine m;
	uint64_t head;

	machine_init(&m, 12);
	assert_int_equal(kho_block_set_init(&bs, &m.out, 64), 0);
	append_n(&bs, 70);
	head = bs.head_pa;
	/* Take the second block out of the handover. */
	{
		struct kho_block_header_ser *b = kho_env_va(m.e, head);

		assert_int_equal(kho_unpreserve_folio(&m.out, b->next, 0), 0);
	}
	kexec(&m);
	kho_in_view(&m.in, &view);
	assert_int_equal(kho_block_read(&view, head, 64, "LUO files", NULL,
					NULL, NULL, &err),
			 -EINVAL);
	assert_string_equal(err.what, "a KHO block is not preserved memory");
	assert_string_equal(err.property, "LUO files");
	assert_int_equal(err.index, 1);
	/* restore_free stops at that block, and at memory that is not there */
	assert_int_equal(kho_block_restore_free(&m.in, head), -EINVAL);
	assert_int_equal(kho_block_restore_free(&m.in, ENV_PHYS_BASE - 4096),
			 -EFAULT);
	machine_free(&m);
}

/*
 * kho_in_view()'s own() is the restore's test of a block: the start of a
 * preserved, not yet restored block that holds the range. An address inside
 * the block's first page, or a page outside RAM (no struct kho_page), is
 * none; nothing is restored either way.
 */
static void test_in_view_own(void **state)
{
	struct kho_block_set bs;
	struct kho_view view;
	struct machine m;
	uint64_t head, live;

	machine_init(&m, 12);
	assert_int_equal(kho_block_set_init(&bs, &m.out, 64), 0);
	append_n(&bs, 3);
	head = bs.head_pa;
	kexec(&m);
	kho_in_view(&m.in, &view);
	live = m.e->live_pages;
	assert_int_equal(view.own(view.ctx, head, 4096, "t"), 0);
	assert_int_equal(view.own(view.ctx, head + 64, 64, "t"), -EINVAL);
	assert_int_equal(view.own(view.ctx, ENV_PHYS_BASE - 4096, 4096, "t"),
			 -EINVAL);
	assert_int_equal(view.own(view.ctx, kho_env_page_phys(m.e, ENV_PAGES),
				  4096, "t"),
			 -EINVAL);
	/* Asking restored nothing: the block is still there to restore. */
	assert_int_equal(m.e->live_pages, live);
	assert_int_equal(view.own(view.ctx, head, 4096, "t"), 0);
	assert_int_equal(kho_block_restore_free(&m.in, head), 0);
	assert_int_equal(view.own(view.ctx, head, 4096, "t"), -EINVAL);
	machine_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kernel_capacities),
		cmocka_unit_test(test_init_refused),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_grow_shrink),
		cmocka_unit_test(test_alloc_failure),
		cmocka_unit_test(test_writer_limit),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_not_preserved),
		cmocka_unit_test(test_changed_while_read),
		cmocka_unit_test(test_in_view_own),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
