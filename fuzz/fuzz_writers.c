// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * fuzz_writers.c - libFuzzer target: kernel A's writers driven by a program
 * of calls, then a kexec, and kernel B gives back what was accepted.
 *
 * The other targets fuzz the readers with hostile bytes; here the input
 * drives the writers with hostile arguments: addresses outside RAM, in the
 * hole, in scratch, unaligned or at 0, orders past what a key holds, empty
 * and huge counts and sizes, overlapping and duplicate blocks, duplicate
 * names and tokens, seals and positions memfd-v2 cannot keep, and an
 * allocation that fails (fuzz_env.h's fail_at).
 *
 *   range 0: pages 0..3      scratch (the scratch array in its first page)
 *            pages 4..127    kernel A's allocator (tree, FDT, blobs, chunks)
 *            pages 128..191  user: what the program names
 *   hole of 0-3 pages, then
 *   range 1: pages 0..63     user (ordinals 192..255)
 *
 * Input: cfg (1: bits 0-1 page size, 2-3 pages of hole, 4 arm64 sums,
 * 5-6 ABI: kho-v4, v3, v2 (not on 16 KiB pages), v4),
 * then up to 64 struct op records (12 bytes each), one call each:
 * preserve/unpreserve a folio or pages, kho_alloc_preserve() and its free,
 * a vmalloc area and its undo, kho-test (preserve + its subtree) and its
 * undo, a memfd-v2 file, LUO init, sessions, files and FLBs (one, or
 * hundreds: chains of several blocks, a full FLB page), LUO's destroy (and
 * a new init), add and remove a subtree, and "fail the k-th allocation
 * from now". The LUO blob, if any, is added as subtree "LUO" last.
 * KHO_FUZZ_WRITERS_TRACE=1 prints the calls of an input and what became
 * of them.
 *
 * Must hold, after every call: it returns 0 or a negative errno; a refused
 * call leaves the tree's blocks (kho_radix_walk()), the root FDT's bytes
 * and the allocator's pages as they were; the blocks outside the
 * allocator's pages are exactly the model's (a set of (address, order)
 * that accepted calls add to and remove from); a name or token taken is
 * refused, a subtree over memory not preserved is refused.
 * After the kexec: kernel B accepts the handover exactly when every block
 * is in RAM and every subtree's blob in preserved memory; then every
 * subtree comes back with its address, size and bytes, and every item
 * whose blocks no other item shares or overlaps restores exactly as the
 * model says: folios, page runs, vmalloc blocks in order, kho-test's
 * checksum, memfd-v2 size, pos, seals and folios, LUO sessions, files and
 * FLBs in order, blobs freed; then no stamp is left but the FLB page's.
 * No crash, hang, leak, bad free or UB.
 *
 * Where the caller broke a precondition (a vmalloc block or a kho-test
 * folio preserved otherwise, <kho/kho.h>, <kho/kho_test.h>), a refusal may
 * drop blocks, never add any or keep a page. A subtree whose blob kernel
 * B's stamps do not cover (a hostile address, or a blob in a block whose
 * first page a smaller block shares: regression-subtree-in-overlapped-block)
 * is a warning naming it, and the handover is still taken.
 *
 * KHO_FUZZ_WRITE_SEEDS=DIR writes seeds (programs that round-trip) and exits.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include <kho/block.h>
#include <kho/kho.h>
#include <kho/kho_test.h>
#include <kho/luo.h>
#include <kho/memfd.h>
#include <kho/vmalloc.h>

#include "fuzz_env.h"

#define CHECK FENV_CHECK

#define RAM_BASE (1ULL << 30)
#define N0 192
#define N1 64
#define SCRATCH_PAGE 0
#define SCRATCH_PAGES 4
#define KERNEL_LO 4
#define KERNEL_HI 128
#define USER_LO 128
#define USER_PAGES 128
#define MAX_OPS 64
#define MAX_KEYS 1024
#define MAX_ITEMS MAX_OPS
#define MAX_SUBS 32
#define MAX_SESSIONS 128
#define MAX_FILES 256
#define MAX_FLBS 1100
#define MAX_BULK 300
#define MAX_VBLOCKS 8
#define MAX_TF 4

enum {
	OP_FOLIO,
	OP_UNFOLIO,
	OP_PAGES,
	OP_UNPAGES,
	OP_ALLOC,
	OP_FREE,
	OP_VMALLOC,
	OP_UNVMALLOC,
	OP_KTEST,
	OP_UNKTEST,
	OP_MEMFD,
	OP_LUO_INIT,
	OP_SESSION,
	OP_FILE,
	OP_FLB,
	OP_SUB_ADD,
	OP_SUB_REMOVE,
	OP_FAIL,
	OP_SESSIONS, /* many at once: chains of several blocks */
	OP_FILES,
	OP_FLBS,
	OP_LUO_DESTROY,
	NR_OPS
};

struct op {
	uint8_t op;
	uint8_t sel; /* an address (addr()) or an item */
	uint8_t mis; /* >= 0xf0: the address is off by (mis - 0xef) * 8 */
	uint8_t b, c, e; /* op's own */
	uint16_t w;
	uint32_t d;
} __attribute__((packed));

struct key {
	uint64_t phys;
	unsigned int order;
};

enum kind { IT_FOLIO, IT_PAGES, IT_VMALLOC, IT_KTEST, IT_MEMFD, IT_ALLOC };

struct item {
	enum kind kind;
	bool live;
	bool dirty; /* a block shared, overlapped or no longer preserved */
	uint64_t phys, n; /* folio (n = order), pages */
	uint64_t blocks[MAX_VBLOCKS]; /* vmalloc */
	struct kho_vmalloc v;
	struct kho_test_folio tf[MAX_TF]; /* kho-test */
	struct kho_test_out t;
	struct kho_memfd_folio mf[MAX_TF]; /* memfd */
	struct kho_memfd_file file;
	uint64_t ser;
	bool in_luo;
	void *va; /* alloc */
	size_t size;
};

struct sub {
	char name[64];
	uint64_t phys;
	uint64_t size;
	int alloc; /* the item it names, or -1 */
	bool stale; /* that item was freed */
	bool seen;
};

struct m_file {
	char compat[KHO_LUO_FILE_COMPAT_LEN];
	uint64_t data, token;
	int memfd; /* item, or -1 */
};

struct m_session {
	char name[KHO_LUO_SESSION_NAME_LEN];
	struct kho_luo_session s;
	struct m_file files[MAX_FILES];
	unsigned int nr_files;
};

struct m_flb {
	char name[KHO_LUO_FLB_COMPAT_LEN];
	uint64_t data, count;
};

struct model {
	struct fenv *f;
	struct kho_out out;
	enum kho_csum_arch arch;
	struct key s[MAX_KEYS];
	unsigned int nr_s;
	struct item items[MAX_ITEMS];
	unsigned int nr_items;
	struct sub subs[MAX_SUBS];
	unsigned int nr_subs;
	bool luo_live, luo_added;
	uint64_t luo_num;
	struct kho_luo_out luo;
	unsigned int nr_sessions; /* of sessions[] */
	unsigned int nr_flbs; /* of flbs[] */
	bool strict; /* a seed: every call accepted, everything round-trips */
	unsigned int call;
};

static struct model M;
/* Outside M, which is cleared per input: only what the counts name is used. */
static struct m_session sessions[MAX_SESSIONS];
static struct m_flb flbs[MAX_FLBS];

/* KHO_FUZZ_WRITERS_TRACE=1: each call on stderr, to read a crash's input. */
static bool trace;

static const char *const op_names[NR_OPS] = {
	[OP_FOLIO] = "folio",
	[OP_UNFOLIO] = "unfolio",
	[OP_PAGES] = "pages",
	[OP_UNPAGES] = "unpages",
	[OP_ALLOC] = "alloc",
	[OP_FREE] = "free",
	[OP_VMALLOC] = "vmalloc",
	[OP_UNVMALLOC] = "unvmalloc",
	[OP_KTEST] = "ktest",
	[OP_UNKTEST] = "unktest",
	[OP_MEMFD] = "memfd",
	[OP_LUO_INIT] = "luo_init",
	[OP_SESSION] = "session",
	[OP_FILE] = "file",
	[OP_FLB] = "flb",
	[OP_SUB_ADD] = "sub_add",
	[OP_SUB_REMOVE] = "sub_remove",
	[OP_FAIL] = "fail",
	[OP_SESSIONS] = "sessions",
	[OP_FILES] = "files",
	[OP_FLBS] = "flbs",
	[OP_LUO_DESTROY] = "luo_destroy",
};

static unsigned int cfg_shift(uint8_t cfg)
{
	static const unsigned int shifts[] = { 12, 14, 16, 12 };

	return shifts[cfg & 3];
}

/* ---- addresses and blocks ------------------------------------------------- */

static uint64_t addr(struct fenv *f, uint8_t sel, uint8_t mis)
{
	uint64_t pa;

	switch (sel) {
	case 0xf0:
		pa = 0;
		break;
	case 0xf1:
		pa = RAM_BASE - f->page;
		break;
	case 0xf2:
		pa = f->base[0] + N0 * f->page; /* the hole, or range 1 */
		break;
	case 0xf3:
		pa = fenv_page_phys(f, SCRATCH_PAGE + 1);
		break;
	case 0xf4:
		pa = f->base[1] + (N1 - 1) * f->page;
		break;
	case 0xf5:
		pa = f->base[1] + N1 * f->page;
		break;
	case 0xf6:
		pa = ~(f->page - 1);
		break;
	case 0xf7:
		pa = 1ULL << (f->geo.order0_bit + f->geo.page_shift - 1);
		break;
	default:
		pa = fenv_page_phys(f, USER_LO + sel % USER_PAGES);
	}
	if (mis >= 0xf0)
		pa += (uint64_t)(mis - 0xef) * 8;
	return pa;
}

/* An order: small mostly, around the tree's limit at times. */
static unsigned int ord(struct fenv *f, uint8_t b)
{
	if (b < 0xf0)
		return b % 8;
	return f->geo.order0_bit - 8 + (b - 0xf0);
}

static bool in_ram(struct fenv *f, uint64_t pa)
{
	uint64_t idx;

	return fenv_range_of(f, pa, &idx) >= 0;
}

/* The allocator's pages: no call names them, the model ignores them. */
static bool kernel_key(struct fenv *f, uint64_t pa)
{
	return pa >= f->base[0] + KERNEL_LO * f->page &&
	       pa < f->base[0] + KERNEL_HI * f->page;
}

static uint64_t key_end(struct fenv *f, const struct key *k)
{
	return k->phys + (f->page << k->order);
}

/* kho_preserve_pages()'s split of a run into blocks. */
static unsigned int split(struct fenv *f, uint64_t phys, uint64_t n,
			  struct key *k, unsigned int max)
{
	uint64_t pfn = phys >> f->geo.page_shift, end = pfn + n;
	unsigned int nr = 0;

	while (pfn < end) {
		unsigned int o = kho_range_block_order(pfn, end);

		CHECK(nr < max);
		k[nr].phys = pfn << f->geo.page_shift;
		k[nr++].order = o;
		pfn += 1ULL << o;
	}
	return nr;
}

static int s_find(const struct key *k)
{
	for (unsigned int i = 0; i < M.nr_s; i++) {
		if (M.s[i].phys == k->phys && M.s[i].order == k->order)
			return (int)i;
	}
	return -1;
}

static void s_add(const struct key *k)
{
	if (s_find(k) >= 0)
		return;
	CHECK(M.nr_s < MAX_KEYS);
	M.s[M.nr_s++] = *k;
}

static void s_del(const struct key *k)
{
	int i = s_find(k);

	CHECK(i >= 0);
	M.s[i] = M.s[--M.nr_s];
}

/* The blocks an item preserved outside the allocator's pages. */
static unsigned int item_keys(struct fenv *f, const struct item *it,
			      struct key *k, unsigned int max)
{
	unsigned int nr = 0;

	switch (it->kind) {
	case IT_FOLIO:
		k[0].phys = it->phys;
		k[0].order = (unsigned int)it->n;
		return 1;
	case IT_PAGES:
		return split(f, it->phys, it->n, k, max);
	case IT_VMALLOC:
		for (unsigned int i = 0; i < it->v.total_pages >> it->v.order;
		     i++)
			nr += split(f, it->blocks[i], 1ULL << it->v.order,
				    k + nr, max - nr);
		return nr;
	case IT_KTEST:
		for (unsigned int i = 0; i < it->t.nr_folios; i++) {
			k[i].phys = it->tf[i].phys;
			k[i].order = it->tf[i].order;
		}
		return it->t.nr_folios;
	case IT_MEMFD:
		for (unsigned int i = 0; i < it->file.nr_folios; i++) {
			k[i].phys = it->mf[i].phys;
			k[i].order = it->mf[i].order;
		}
		return (unsigned int)it->file.nr_folios;
	case IT_ALLOC:
		return 0;
	}
	return 0;
}

static struct item *new_item(enum kind kind)
{
	struct item *it;

	CHECK(M.nr_items < MAX_ITEMS);
	it = &M.items[M.nr_items++];
	memset(it, 0, sizeof(*it));
	it->kind = kind;
	it->live = true;
	return it;
}

/* The @sel-th live item of @kind, or NULL. */
static struct item *pick(enum kind kind, uint8_t sel)
{
	unsigned int n = 0, i;

	for (i = 0; i < M.nr_items; i++)
		n += M.items[i].live && M.items[i].kind == kind;
	if (!n)
		return NULL;
	sel %= n;
	for (i = 0; i < M.nr_items; i++) {
		if (M.items[i].live && M.items[i].kind == kind && !sel--)
			return &M.items[i];
	}
	return NULL;
}

/* ---- kernel A's state: blocks, FDT bytes, allocator ------------------------ */

struct snap {
	struct key k[MAX_KEYS];
	unsigned int nr;
	bool used[FENV_MAX_PAGES];
	uint32_t fdt_len; /* the root FDT's totalsize: what is handed over */
	unsigned char fdt[1 << 16];
};

static struct snap before, now;

static int walk_cb(uint64_t phys, unsigned int order, void *arg)
{
	struct snap *s = arg;

	CHECK(s->nr < MAX_KEYS);
	s->k[s->nr].phys = phys;
	s->k[s->nr++].order = order;
	return 0;
}

static void snap_take(struct snap *s)
{
	s->nr = 0;
	CHECK(!kho_radix_walk(&M.out.tree, walk_cb, s));
	memcpy(s->used, M.f->used[0], sizeof(s->used));
	s->fdt_len = fdt_totalsize(M.out.fdt);
	CHECK(s->fdt_len <= M.f->page);
	memcpy(s->fdt, M.out.fdt, s->fdt_len);
}

static bool same_fdt(void)
{
	return now.fdt_len == before.fdt_len &&
	       !memcmp(now.fdt, before.fdt, now.fdt_len);
}

/* A refused call: as it was. */
static void check_unchanged(int ret)
{
	if (M.strict || trace)
		fprintf(stderr, "  call %u refused: %d\n", M.call, ret);
	CHECK(!M.strict);
	CHECK(ret < 0 && ret >= -4095);
	snap_take(&now);
	if (trace && (now.nr != before.nr ||
		      memcmp(now.k, before.k, now.nr * sizeof(now.k[0])))) {
		for (unsigned int i = 0; i < before.nr; i++)
			fprintf(stderr, "  before: %#llx order %u\n",
				(unsigned long long)before.k[i].phys,
				before.k[i].order);
		for (unsigned int i = 0; i < now.nr; i++)
			fprintf(stderr, "  now:    %#llx order %u\n",
				(unsigned long long)now.k[i].phys,
				now.k[i].order);
	}
	CHECK(now.nr == before.nr);
	CHECK(!memcmp(now.k, before.k, now.nr * sizeof(now.k[0])));
	CHECK(!memcmp(now.used, before.used, sizeof(now.used)));
	CHECK(same_fdt());
	CHECK(!M.f->bad_frees);
}

/* The blocks outside the allocator's pages are the model's. */
static void check_model(void)
{
	unsigned int n = 0;

	snap_take(&now);
	for (unsigned int i = 0; i < now.nr; i++) {
		if (kernel_key(M.f, now.k[i].phys))
			continue;
		CHECK(s_find(&now.k[i]) >= 0);
		n++;
	}
	CHECK(n == M.nr_s);
	CHECK(!M.f->bad_frees);
}

/*
 * A refused call whose caller broke a precondition (blocks of a vmalloc
 * area preserved before): it may drop blocks, never add any, and keeps no
 * page; the model takes what is left.
 */
static void check_dropped_only(int ret)
{
	CHECK(ret < 0 && ret >= -4095);
	snap_take(&now);
	for (unsigned int i = 0; i < now.nr; i++) {
		bool was = false;

		for (unsigned int j = 0; j < before.nr && !was; j++)
			was = now.k[i].phys == before.k[j].phys &&
			      now.k[i].order == before.k[j].order;
		CHECK(was);
	}
	for (unsigned int i = 0; i < FENV_MAX_PAGES; i++)
		CHECK(!now.used[i] || before.used[i]);
	CHECK(same_fdt());
	M.nr_s = 0;
	for (unsigned int i = 0; i < now.nr; i++) {
		if (!kernel_key(M.f, now.k[i].phys))
			s_add(&now.k[i]);
	}
	check_model();
}

static bool covered_by(uint64_t phys, uint64_t size, bool stamps);

/* What kernel B knows of a blob's size: kho-v2 has none (0: one byte). */
static uint64_t sub_size(const struct sub *s)
{
	return M.out.abi->size_prop ? s->size : 0;
}

/* Is [phys, phys + size) in blocks of the tree (@now, just taken)? */
static bool covered(uint64_t phys, uint64_t size)
{
	return covered_by(phys, size, false);
}

/*
 * Is block @i the one whose stamp its first page keeps in kernel B: no
 * block of a smaller order starts there (kho_in.c stamp_block())?
 */
static bool stamp_kept(unsigned int i)
{
	for (unsigned int j = 0; j < now.nr; j++) {
		if (now.k[j].phys == now.k[i].phys &&
		    now.k[j].order < now.k[i].order)
			return false;
	}
	return true;
}

/* covered(), by every block or (@stamps) by the stamps kernel B reads. */
static bool covered_by(uint64_t phys, uint64_t size, bool stamps)
{
	uint64_t p = phys, last = phys + size - 1;

	if (!size || last < phys)
		return false;
	for (;;) {
		uint64_t end = 0;

		for (unsigned int i = 0; i < now.nr; i++) {
			if (now.k[i].phys <= p && p < key_end(M.f, &now.k[i]) &&
			    key_end(M.f, &now.k[i]) > end &&
			    (!stamps || stamp_kept(i)))
				end = key_end(M.f, &now.k[i]);
		}
		if (!end)
			return false;
		if (end - 1 >= last)
			return true;
		p = end;
	}
}

/* ---- the calls -------------------------------------------------------------- */

static void op_folio(const struct op *o, bool un)
{
	struct fenv *f = M.f;
	struct item *it = un && (o->e & 1) ? pick(IT_FOLIO, o->sel) : NULL;
	uint64_t pa = it ? it->phys : addr(f, o->sel, o->mis);
	unsigned int order = it ? (unsigned int)it->n : ord(f, o->b);
	struct key k = { pa, order };
	int ret;

	snap_take(&before);
	ret = un ? kho_unpreserve_folio(&M.out, pa, order) :
		   kho_preserve_folio(&M.out, pa, order);
	if (ret) {
		check_unchanged(ret);
		return;
	}
	if (un) {
		CHECK(s_find(&k) >= 0);
		s_del(&k);
		for (unsigned int i = 0; i < M.nr_items; i++) {
			struct item *x = &M.items[i];

			if (x->live && x->kind == IT_FOLIO && x->phys == pa &&
			    x->n == order) {
				x->live = false;
				break;
			}
		}
	} else {
		CHECK(order < f->geo.order0_bit);
		CHECK(!(pa & ((f->page << order) - 1)));
		CHECK(in_ram(f, pa) && in_ram(f, key_end(f, &k) - f->page));
		s_add(&k);
		it = new_item(IT_FOLIO);
		it->phys = pa;
		it->n = order;
	}
	check_model();
}

static void op_pages(const struct op *o, bool un)
{
	static struct key k[MAX_KEYS];
	struct fenv *f = M.f;
	struct item *it = un && (o->e & 1) ? pick(IT_PAGES, o->sel) : NULL;
	uint64_t pa = it ? it->phys : addr(f, o->sel, o->mis);
	uint64_t n = it ? it->n : (o->b & 1) ? o->d : o->d % 70;
	unsigned int nr;
	int ret;

	snap_take(&before);
	ret = un ? kho_unpreserve_pages(&M.out, pa, n) :
		   kho_preserve_pages(&M.out, pa, n);
	if (ret) {
		check_unchanged(ret);
		return;
	}
	CHECK(n && n <= 2 * USER_PAGES);
	nr = split(f, pa, n, k, MAX_KEYS);
	for (unsigned int i = 0; i < nr; i++) {
		if (un) {
			s_del(&k[i]);
		} else {
			CHECK(in_ram(f, k[i].phys) &&
			      in_ram(f, key_end(f, &k[i]) - f->page));
			s_add(&k[i]);
		}
	}
	if (un) {
		for (unsigned int i = 0; i < M.nr_items; i++) {
			struct item *x = &M.items[i];

			if (x->live && x->kind == IT_PAGES && x->phys == pa &&
			    x->n == n) {
				x->live = false;
				break;
			}
		}
	} else {
		it = new_item(IT_PAGES);
		it->phys = pa;
		it->n = n;
	}
	check_model();
}

static unsigned char pattern(const struct item *it, size_t off)
{
	return (unsigned char)((it - M.items) * 37 + off * 7 + 1);
}

static void op_alloc(const struct op *o)
{
	struct fenv *f = M.f;
	struct item *it;
	size_t size;
	void *va;

	switch (o->b & 3) {
	case 0:
		size = o->d % (3 * f->page);
		break;
	case 1:
		size = f->page << (o->d % 16);
		break;
	case 2:
		size = o->d;
		break;
	default:
		size = (size_t)o->d << 20;
	}
	snap_take(&before);
	va = kho_alloc_preserve(&M.out, size);
	if (!va) {
		check_unchanged(-ENOMEM);
		return;
	}
	CHECK(size);
	CHECK(kernel_key(f, fenv_virt_to_phys(f, va)));
	it = new_item(IT_ALLOC);
	it->va = va;
	it->size = size;
	for (size_t i = 0; i < size; i++)
		((unsigned char *)va)[i] = pattern(it, i);
	check_model();
}

static void op_free(const struct op *o)
{
	struct item *it = pick(IT_ALLOC, o->sel);
	struct fenv *f = M.f;
	uint64_t pa, idx;

	if (!it) {
		kho_unpreserve_free(&M.out, NULL);
		return;
	}
	pa = fenv_virt_to_phys(f, it->va);
	kho_unpreserve_free(&M.out, it->va);
	it->live = false;
	for (unsigned int i = 0; i < M.nr_subs; i++) {
		if (M.subs[i].alloc == (int)(it - M.items))
			M.subs[i].stale = true;
	}
	check_model();
	/* Its block is gone and its pages free. */
	CHECK(fenv_range_of(f, pa, &idx) == 0 && !f->used[0][idx]);
	for (unsigned int i = 0; i < now.nr; i++)
		CHECK(now.k[i].phys != pa);
}

static void op_vmalloc(const struct op *o)
{
	struct fenv *f = M.f;
	unsigned int nr = o->b % (MAX_VBLOCKS + 1);
	unsigned int order = o->c < 0xf0 ? o->c % 4 : ord(f, o->c);
	uint64_t blocks[MAX_VBLOCKS];
	static struct key k[MAX_KEYS];
	struct kho_vmalloc v;
	struct item *it;
	uint16_t flags =
		o->e & 0x80 ? (o->e >> 4) & 7 : KHO_VMALLOC_FLAG_VM_ALLOC;
	unsigned int step = (1U << (order & 7)) * (1 + (o->e & 3)), n;
	bool shared = false;
	int ret;

	for (unsigned int i = 0; i < nr; i++)
		blocks[i] =
			addr(f, (uint8_t)(o->sel + i * step), i ? 0 : o->mis);
	/* "The blocks must not be preserved otherwise" (<kho/kho.h>). */
	for (unsigned int i = 0; i < nr; i++) {
		struct key bk = { blocks[i], order };

		for (unsigned int j = 0; j < M.nr_s; j++) {
			if (order < 16 && M.s[j].phys < key_end(f, &bk) &&
			    blocks[i] < key_end(f, &M.s[j]))
				shared = true;
		}
	}
	snap_take(&before);
	memset(&v, 0x5a, sizeof(v));
	ret = kho_preserve_vmalloc(&M.out, blocks, nr, order, flags, &v);
	if (ret) {
		if (shared)
			check_dropped_only(ret);
		else
			check_unchanged(ret);
		/* Untouched on failure. */
		for (unsigned int i = 0; i < sizeof(v); i++)
			CHECK(((unsigned char *)&v)[i] == 0x5a);
		return;
	}
	CHECK(nr && v.order == order && v.total_pages == (uint64_t)nr << order);
	CHECK(v.flags == flags);
	it = new_item(IT_VMALLOC);
	memcpy(it->blocks, blocks, sizeof(blocks));
	it->v = v;
	n = item_keys(f, it, k, MAX_KEYS);
	for (unsigned int i = 0; i < n; i++)
		s_add(&k[i]);
	check_model();
}

static void op_unvmalloc(const struct op *o)
{
	static struct key k[MAX_KEYS];
	struct item *it = pick(IT_VMALLOC, o->sel);
	unsigned int n;

	if (!it)
		return;
	/* Block by block, each all or nothing (kho_unpreserve_pages()). */
	for (unsigned int b = 0; b < it->v.total_pages >> it->v.order; b++) {
		bool all = true;

		n = split(M.f, it->blocks[b], 1ULL << it->v.order, k, MAX_KEYS);
		for (unsigned int i = 0; i < n; i++)
			all &= s_find(&k[i]) >= 0;
		for (unsigned int i = 0; all && i < n; i++)
			s_del(&k[i]);
	}
	kho_unpreserve_vmalloc(&M.out, &it->v);
	for (unsigned int i = 0; i < sizeof(it->v); i++)
		CHECK(!((unsigned char *)&it->v)[i]);
	it->live = false;
	check_model();
}

static struct sub *sub_named(const char *name)
{
	for (unsigned int i = 0; i < M.nr_subs; i++) {
		if (!strcmp(M.subs[i].name, name))
			return &M.subs[i];
	}
	return NULL;
}

static void sub_del(struct sub *s)
{
	*s = M.subs[--M.nr_subs];
}

static void op_ktest(const struct op *o)
{
	struct fenv *f = M.f;
	unsigned int nr = o->b % (MAX_TF + 1);
	bool shared = false;
	struct item *it;
	struct sub *s;
	int ret;

	CHECK(M.nr_items < MAX_ITEMS);
	it = &M.items[M.nr_items];
	memset(it, 0, sizeof(*it));
	for (unsigned int i = 0; i < nr; i++) {
		unsigned int order = (o->c >> (2 * i)) & 3;
		uint8_t sel = (uint8_t)(o->sel + 8 * i);

		if (sel < 0xf0)
			sel &= (uint8_t) ~((1U << order) - 1);
		it->tf[i].phys = addr(f, sel, i ? 0 : o->mis);
		it->tf[i].order = order;
	}
	/* The last folio's order past what a key or test_kho's sum holds. */
	if (nr && o->e >= 0xf0)
		it->tf[nr - 1].order = ord(f, o->e);
	snap_take(&before);
	for (unsigned int i = 0; i < nr; i++) {
		struct key k = { it->tf[i].phys, it->tf[i].order };

		shared |= s_find(&k) >= 0;
	}
	ret = kho_test_preserve(&M.out, it->tf, nr, M.arch, &it->t);
	if (ret) {
		/*
		 * A folio preserved otherwise breaks kho_test_preserve()'s
		 * precondition (<kho/kho_test.h>): a failure after the folios
		 * were preserved unpreserves each (memfd keeps the caller's).
		 * Input: corpus/fuzz_writers/regression-ktest-drops-caller-folio.
		 */
		if (shared)
			check_dropped_only(ret);
		else
			check_unchanged(ret);
		return;
	}
	CHECK(it->t.nr_folios == nr && it->t.folios == it->tf);
	ret = kho_add_subtree(&M.out, KHO_TEST_NAME, it->t.fdt, it->t.fdt_size);
	if (ret) {
		/* A subtree of that name exists: the whole call is undone. */
		CHECK(ret == -EEXIST || ret == -ENOSPC);
		CHECK(ret != -EEXIST || sub_named(KHO_TEST_NAME));
		kho_test_unpreserve(&M.out, &it->t);
		if (!shared) {
			check_unchanged(ret);
			return;
		}
		/* Folios preserved before are unpreserved too: set semantics. */
		for (unsigned int i = 0; i < nr; i++) {
			struct key k = { it->tf[i].phys, it->tf[i].order };

			if (s_find(&k) >= 0)
				s_del(&k);
		}
		check_model();
		/* Nothing kept; tree nodes left empty may have gone. */
		for (unsigned int i = 0; i < FENV_MAX_PAGES; i++)
			CHECK(!now.used[i] || before.used[i]);
		return;
	}
	CHECK(!sub_named(KHO_TEST_NAME));
	M.nr_items++; /* it, filled in above */
	it->live = true;
	it->kind = IT_KTEST;
	CHECK(M.nr_subs < MAX_SUBS);
	s = &M.subs[M.nr_subs++];
	memset(s, 0, sizeof(*s));
	strcpy(s->name, KHO_TEST_NAME);
	s->phys = it->t.fdt_phys;
	s->size = it->t.fdt_size;
	s->alloc = -1;
	{
		struct key k[MAX_TF];
		unsigned int n = item_keys(f, it, k, MAX_TF);

		for (unsigned int i = 0; i < n; i++)
			s_add(&k[i]);
	}
	check_model();
}

static void op_unktest(const struct op *o)
{
	struct item *it = pick(IT_KTEST, o->sel);
	struct key k[MAX_TF];
	unsigned int n;
	struct sub *s;

	if (!it)
		return;
	n = item_keys(M.f, it, k, MAX_TF);
	kho_remove_subtree(&M.out, it->t.fdt);
	s = sub_named(KHO_TEST_NAME);
	CHECK(s && s->phys == it->t.fdt_phys);
	sub_del(s);
	CHECK(fdt_subnode_offset(M.out.fdt, 0, KHO_TEST_NAME) < 0);
	kho_test_unpreserve(&M.out, &it->t);
	for (unsigned int i = 0; i < n; i++) {
		if (s_find(&k[i]) >= 0)
			s_del(&k[i]);
	}
	it->live = false;
	check_model();
}

static void op_memfd(const struct op *o)
{
	struct fenv *f = M.f;
	unsigned int nr = o->b % (MAX_TF + 1);
	uint64_t index = 0, ser = 0x5a5a;
	struct item *it;
	struct key k[MAX_TF];
	int ret;

	CHECK(M.nr_items < MAX_ITEMS);
	it = &M.items[M.nr_items];
	memset(it, 0, sizeof(*it));
	for (unsigned int i = 0; i < nr; i++) {
		unsigned int order = (o->c >> (2 * i)) & 3;
		uint8_t sel = (uint8_t)(o->sel + 8 * i);
		uint64_t gap = (o->e >> (2 * i)) & 3;

		if (sel < 0xf0)
			sel &= (uint8_t) ~((1U << order) - 1);
		it->mf[i].phys = addr(f, sel, i ? 0 : o->mis);
		it->mf[i].order = order;
		index += gap;
		/* Aligned as shmem keeps folios, unless the input says not. */
		if (!(o->e & 0x80))
			index = (index + (1ULL << order) - 1) &
				~((1ULL << order) - 1);
		it->mf[i].index = index;
		index += 1ULL << order;
	}
	switch (o->w & 3) {
	case 0:
		it->file.size = index * f->page - (nr ? o->d % f->page : 0);
		break;
	case 1:
		it->file.size = o->d;
		break;
	case 2:
		it->file.size = 0;
		break;
	default:
		it->file.size = (uint64_t)o->d << 32;
	}
	switch ((o->w >> 2) & 3) {
	case 0:
		it->file.pos = o->d % 4096;
		break;
	case 1:
		it->file.pos = INT64_MAX;
		break;
	case 2:
		it->file.pos = (uint64_t)INT64_MAX + 1;
		break;
	default:
		it->file.pos = UINT64_MAX;
	}
	it->file.seals = o->w >> 8;
	it->file.folios = it->mf;
	it->file.nr_folios = nr;
	snap_take(&before);
	ret = kho_memfd_preserve(&M.out, &it->file, &ser);
	if (ret) {
		check_unchanged(ret);
		CHECK(ser == 0x5a5a);
		return;
	}
	CHECK(!(it->file.seals & ~KHO_MEMFD_ALL_SEALS));
	CHECK(it->file.pos <= INT64_MAX);
	CHECK(kernel_key(f, ser));
	M.nr_items++; /* it, filled in above */
	it->kind = IT_MEMFD;
	it->live = true;
	it->ser = ser;
	for (unsigned int i = 0; i < item_keys(f, it, k, MAX_TF); i++)
		s_add(&k[i]);
	check_model();
}

/* Names: short ones that repeat, the longest allowed, one too long, empty. */
static void name_of(char *buf, size_t len, uint8_t mode, uint8_t sel, char c,
		    const char *fmt)
{
	switch (mode & 3) {
	case 0:
		snprintf(buf, len, fmt, sel % 6);
		break;
	case 1:
		memset(buf, c, len - 2);
		buf[len - 2] = 0;
		buf[0] = (char)('0' + sel % 6);
		break;
	case 2:
		memset(buf, c, len - 1);
		buf[len - 1] = 0;
		break;
	default:
		buf[0] = 0;
	}
}

static void op_luo_init(const struct op *o)
{
	int ret;

	if (M.luo_live)
		return;
	snap_take(&before);
	ret = kho_luo_out_init(&M.luo, &M.out, o->d);
	if (ret) {
		check_unchanged(ret);
		return;
	}
	M.luo_live = true;
	M.luo_num = o->d;
	check_model();
}

static void session_create(const char *name)
{
	struct m_session *ms;
	bool dup = false;
	int ret;

	if (!M.luo_live || M.nr_sessions == MAX_SESSIONS)
		return;
	for (unsigned int i = 0; i < M.nr_sessions; i++)
		dup |= !strcmp(sessions[i].name, name);
	ms = &sessions[M.nr_sessions];
	snap_take(&before);
	ret = kho_luo_session_create(&M.luo, &ms->s, name);
	if (ret) {
		CHECK(ret != -EEXIST || dup);
		check_unchanged(ret);
		return;
	}
	CHECK(!dup && name[0] && strlen(name) < KHO_LUO_SESSION_NAME_LEN);
	strcpy(ms->name, name);
	ms->nr_files = 0;
	M.nr_sessions++;
	check_model();
}

/* kho_luo_out_destroy(): LUO is gone, its memfd files are files again. */
static void op_luo_destroy(const struct op *o)
{
	if (!M.luo_live)
		return;
	snap_take(&before);
	kho_luo_out_destroy(&M.luo);
	M.luo_live = false;
	M.nr_sessions = 0;
	M.nr_flbs = 0;
	for (unsigned int i = 0; i < M.nr_items; i++)
		M.items[i].in_luo = false;
	check_model();
	/* Its blob, FLB page and chains given back; nothing taken. */
	for (unsigned int i = 0; i < FENV_MAX_PAGES; i++)
		CHECK(!now.used[i] || before.used[i]);
	CHECK(now.nr < before.nr);
	CHECK(same_fdt());
}

static void op_session(const struct op *o)
{
	char name[KHO_LUO_SESSION_NAME_LEN + 1];

	name_of(name, sizeof(name), o->b, o->sel, 'n', "s%u");
	session_create(name);
}

static void op_sessions(const struct op *o)
{
	char name[KHO_LUO_SESSION_NAME_LEN + 1];

	for (unsigned int i = 0; i < o->d % MAX_BULK; i++) {
		snprintf(name, sizeof(name), "m%u-%u", M.call, i);
		session_create(name);
	}
}

static void file_add(struct m_session *ms, const char *compat, uint64_t data,
		     uint64_t token, struct item *memfd)
{
	bool dup = false;
	int ret;

	if (ms->nr_files == MAX_FILES)
		return;
	for (unsigned int i = 0; i < ms->nr_files; i++)
		dup |= ms->files[i].token == token;
	snap_take(&before);
	ret = kho_luo_session_add_file(&ms->s, compat, data, token);
	if (ret) {
		CHECK(ret != -EEXIST || dup);
		check_unchanged(ret);
		return;
	}
	CHECK(!dup && compat[0] && strlen(compat) < KHO_LUO_FILE_COMPAT_LEN);
	strcpy(ms->files[ms->nr_files].compat, compat);
	ms->files[ms->nr_files].data = data;
	ms->files[ms->nr_files].token = token;
	ms->files[ms->nr_files].memfd = memfd ? (int)(memfd - M.items) : -1;
	if (memfd)
		memfd->in_luo = true;
	ms->nr_files++;
	check_model();
}

static void op_file(const struct op *o)
{
	char compat[KHO_LUO_FILE_COMPAT_LEN + 1];
	struct item *memfd = NULL;
	uint64_t data = o->d;

	if (!M.nr_sessions)
		return;
	switch (o->b & 3) {
	case 0:
		/* A memfd not listed yet, or a file of another handler. */
		for (unsigned int i = 0, n = o->c; i < M.nr_items; i++) {
			struct item *x = &M.items[(i + n) % M.nr_items];

			if (x->live && x->kind == IT_MEMFD && !x->in_luo) {
				memfd = x;
				break;
			}
		}
		strcpy(compat, memfd ? KHO_MEMFD_V2_COMPATIBLE : "other-v1");
		if (memfd)
			data = memfd->ser;
		break;
	case 1:
		strcpy(compat, "other-v1");
		break;
	default:
		name_of(compat, sizeof(compat), o->b & 3, o->sel, 'c', "");
	}
	file_add(&sessions[o->sel % M.nr_sessions], compat, data, o->e % 4,
		 memfd);
}

/* Files of tokens from @e on, every @c-th one taken already at times. */
static void op_files(const struct op *o)
{
	if (!M.nr_sessions)
		return;
	for (unsigned int i = 0; i < o->d % MAX_BULK; i++)
		file_add(&sessions[o->sel % M.nr_sessions], "other-v1", i,
			 1000 + o->e + (o->c ? i % (o->c + 1u) : i), NULL);
}

static void flb_add(const char *name, uint64_t data, uint64_t count)
{
	uint64_t cap = (M.f->page - sizeof(struct kho_luo_flb_header_ser)) /
		       sizeof(struct kho_luo_flb_ser);
	int ret;

	if (!M.luo_live || M.nr_flbs == MAX_FLBS)
		return;
	snap_take(&before);
	ret = kho_luo_add_flb(&M.luo, name, data, count);
	if (ret) {
		/* The page is full exactly when it holds cap entries. */
		CHECK((ret == -ENOSPC) == (M.nr_flbs == cap) || ret == -EINVAL);
		check_unchanged(ret);
		return;
	}
	CHECK(name[0] && strlen(name) < KHO_LUO_FLB_COMPAT_LEN);
	CHECK(count && count <= 0x7fffffff && M.nr_flbs < cap);
	strcpy(flbs[M.nr_flbs].name, name);
	flbs[M.nr_flbs].data = data;
	flbs[M.nr_flbs++].count = count;
	check_model();
}

static void op_flb(const struct op *o)
{
	char name[KHO_LUO_FLB_COMPAT_LEN + 1];
	uint64_t count;

	name_of(name, sizeof(name), o->b, o->sel, 'f', "f%u");
	switch (o->c & 3) {
	case 0:
		count = 1 + o->d % 5;
		break;
	case 1:
		count = 0;
		break;
	case 2:
		count = 0x7fffffff + (uint64_t)(o->d & 1);
		break;
	default:
		count = (uint64_t)o->d << (o->e % 33);
	}
	flb_add(name, o->w, count);
}

static void op_flbs(const struct op *o)
{
	char name[KHO_LUO_FLB_COMPAT_LEN + 1];

	for (unsigned int i = 0; i < o->d % MAX_BULK; i++) {
		snprintf(name, sizeof(name), "g%u-%u", M.call, i);
		flb_add(name, i, 1 + i % 3);
	}
}

static const char *const sub_names[] = {
	"a", "b", "c", "blob-d", "", "x/y", KHO_TEST_NAME, "a-longer-name"
};

static void op_sub_add(const struct op *o)
{
	const char *name = sub_names[o->b % 8];
	struct fenv *f = M.f;
	struct item *it = NULL;
	uint64_t size, base;
	struct sub *s;
	void *blob;
	int ret;

	if (M.nr_subs == MAX_SUBS)
		return;
	if (o->e & 1) {
		/* Memory the program names: preserved or not. */
		blob = fenv_phys_to_virt(f, addr(f, o->sel, 0));
		if (!blob)
			return;
		base = f->page;
	} else {
		it = pick(IT_ALLOC, o->sel);
		if (!it)
			return;
		blob = it->va;
		base = it->size;
	}
	switch (o->c & 3) {
	case 0:
		size = base;
		break;
	case 1:
		size = o->d % (2 * base + 1);
		break;
	case 2:
		size = o->d;
		break;
	default:
		size = UINT64_MAX - o->d;
	}
	snap_take(&before);
	ret = kho_add_subtree(&M.out, name, blob, size);
	if (ret) {
		CHECK(ret != -EEXIST || sub_named(name));
		check_unchanged(ret);
		return;
	}
	CHECK(!sub_named(name) && name[0] && !strchr(name, '/'));
	CHECK(covered(fenv_virt_to_phys(f, blob), size));
	s = &M.subs[M.nr_subs++];
	memset(s, 0, sizeof(*s));
	strcpy(s->name, name);
	s->phys = fenv_virt_to_phys(f, blob);
	s->size = size;
	s->alloc = it ? (int)(it - M.items) : -1;
	check_model();
}

static void op_sub_remove(const struct op *o)
{
	struct fenv *f = M.f;
	unsigned int gone = 0, match = 0;
	uint64_t phys;
	struct sub *s;

	if (o->e & 1) {
		/* A blob no subtree may name: nothing changes. */
		phys = addr(f, o->sel, 0);
	} else {
		if (!M.nr_subs)
			return;
		s = &M.subs[o->sel % M.nr_subs];
		if (!strcmp(s->name, KHO_TEST_NAME) && s->alloc < 0)
			return; /* kho-test's: op_unktest() */
		phys = s->phys;
	}
	if (!fenv_phys_to_virt(f, phys))
		return;
	snap_take(&before);
	kho_remove_subtree(&M.out, fenv_phys_to_virt(f, phys));
	for (unsigned int i = 0; i < M.nr_subs;) {
		s = &M.subs[i];
		if (s->phys != phys) {
			i++;
			continue;
		}
		match++;
		if (fdt_subnode_offset(M.out.fdt, 0, s->name) < 0) {
			gone++;
			sub_del(s);
			continue;
		}
		i++;
	}
	/* The first subtree that names it goes, and only that one. */
	CHECK(gone == (match ? 1 : 0));
	if (!match && trace) {
		for (unsigned int i = 0; i < before.fdt_len; i++)
			if (((unsigned char *)M.out.fdt)[i] != before.fdt[i])
				fprintf(stderr, "fdt byte %u: %#x -> %#x\n", i,
					before.fdt[i],
					((unsigned char *)M.out.fdt)[i]);
	}
	if (!match)
		CHECK(fdt_totalsize(M.out.fdt) == before.fdt_len &&
		      !memcmp(M.out.fdt, before.fdt, before.fdt_len));
	CHECK(fdt_check_full(M.out.fdt, f->page) == 0);
	check_model();
}

/* ---- kernel B ---------------------------------------------------------------- */

/* Which items own a block another item owns, overlaps, or was unpreserved. */
static void mark_dirty(void)
{
	static struct key k[MAX_ITEMS][64];
	static unsigned int nk[MAX_ITEMS];
	struct fenv *f = M.f;

	for (unsigned int i = 0; i < M.nr_items; i++) {
		M.items[i].dirty = false;
		nk[i] = M.items[i].live ? item_keys(f, &M.items[i], k[i], 64) :
					  0;
		for (unsigned int j = 0; j < nk[i]; j++) {
			if (s_find(&k[i][j]) < 0)
				M.items[i].dirty = true;
		}
	}
	for (unsigned int i = 0; i < M.nr_items; i++) {
		for (unsigned int a = 0; a < nk[i]; a++) {
			/* Against every block of the tree but this one. */
			bool self = false;

			for (unsigned int x = 0; x < M.nr_s; x++) {
				const struct key *s = &M.s[x];

				if (s->phys == k[i][a].phys &&
				    s->order == k[i][a].order) {
					self = true;
					continue;
				}
				if (s->phys < key_end(f, &k[i][a]) &&
				    k[i][a].phys < key_end(f, s))
					M.items[i].dirty = true;
			}
			(void)self;
			/* Its own blocks overlapping (an area lists one twice). */
			for (unsigned int a2 = 0; a2 < nk[i]; a2++) {
				if (a2 != a &&
				    k[i][a2].phys < key_end(f, &k[i][a]) &&
				    k[i][a].phys < key_end(f, &k[i][a2]))
					M.items[i].dirty = true;
			}
			/* Another item owning the same block. */
			for (unsigned int j = 0; j < M.nr_items; j++) {
				if (j == i)
					continue;
				for (unsigned int b = 0; b < nk[j]; b++) {
					if (k[j][b].phys == k[i][a].phys &&
					    k[j][b].order == k[i][a].order)
						M.items[i].dirty = true;
				}
			}
		}
	}
}

/*
 * First pages of the model's blocks no live item owns (an area undone
 * after another listed the same block, all or nothing per block): no
 * item restores them, their stamps stay.
 */
static unsigned int orphan_pages(void)
{
	static struct key k[MAX_KEYS];
	static bool owned[MAX_KEYS];
	unsigned int n = 0;

	memset(owned, 0, sizeof(owned));
	for (unsigned int i = 0; i < M.nr_items; i++) {
		unsigned int nk;

		if (!M.items[i].live)
			continue;
		nk = item_keys(M.f, &M.items[i], k, MAX_KEYS);
		for (unsigned int j = 0; j < nk; j++) {
			int x = s_find(&k[j]);

			if (x >= 0)
				owned[x] = true;
		}
	}
	for (unsigned int x = 0; x < M.nr_s; x++) {
		bool first = !owned[x];

		for (unsigned int y = 0; first && y < x; y++)
			first = owned[y] || M.s[y].phys != M.s[x].phys;
		n += first;
	}
	return n;
}

/* Will kernel B take it: every block in RAM? */
static bool predict_valid(void)
{
	struct fenv *f = M.f;

	snap_take(&now);
	for (unsigned int i = 0; i < now.nr; i++) {
		uint64_t pfn = now.k[i].phys >> f->geo.page_shift;

		for (uint64_t p = 0; p < 1ULL << now.k[i].order; p++) {
			if (!fenv_pfn_to_page(f, pfn + p))
				return false;
		}
	}
	return true;
}

/*
 * Is subtree @s one kernel B warns of? It judges blobs by the stamps: a
 * blob in a block whose first page is also a smaller block's is not
 * covered there though kernel A's kho_add_subtree() took it; Linux's
 * owner would fail at its restore (the page keeps the smaller order).
 */
static bool predict_sub_warned(const struct sub *s)
{
	return !covered_by(s->phys, sub_size(s) ?: 1, true);
}

/* Every subtree warning names a subtree predicted broken, and each once. */
static void check_sub_warnings(const struct kho_in *in)
{
	unsigned int warned = 0, predicted = 0;

	for (unsigned int i = 0; i < M.nr_subs; i++)
		predicted += predict_sub_warned(&M.subs[i]);
	for (unsigned int i = 0; i < in->warn.nr && i < KHO_MAX_WARNINGS; i++) {
		const struct kho_error *w = &in->warn.w[i];
		const struct sub *s;

		if (strncmp(w->what, "a subtree's ", 12))
			continue;
		s = sub_named(w->property);
		CHECK(s && predict_sub_warned(s) && w->phys == s->phys);
		warned++;
	}
	/* The rest were counted, not kept: no more than predicted. */
	if (in->warn.nr <= KHO_MAX_WARNINGS)
		CHECK(warned == predicted);
	else
		CHECK(warned <= predicted);
}

struct b_state {
	struct kho_in *in;
	const struct item *it;
	unsigned int n;
	bool bad;
	unsigned int sessions, files, flbs;
	unsigned int subs;
};

static int on_subtree(const char *name, uint64_t phys, uint64_t size, void *arg)
{
	struct b_state *b = arg;
	struct sub *s = sub_named(name);

	b->subs++;
	if (M.luo_added && !strcmp(name, KHO_LUO_NAME))
		return 0;
	CHECK(s && !s->seen);
	CHECK(s->phys == phys && sub_size(s) == size);
	s->seen = true;
	return 0;
}

static int on_memfd_folio(uint64_t phys, unsigned int order, uint64_t index,
			  void *arg)
{
	struct b_state *b = arg;
	const struct item *it = b->it;

	if (b->n >= it->file.nr_folios || it->mf[b->n].phys != phys ||
	    it->mf[b->n].order != order || it->mf[b->n].index != index)
		b->bad = true;
	b->n++;
	return 0;
}

static void restore_memfd(struct kho_in *in, const struct item *it)
{
	struct b_state b = { .in = in, .it = it };
	struct kho_memfd_info info;
	struct kho_error err = { 0 };
	int ret;

	ret = kho_memfd_restore(in, it->ser, on_memfd_folio, &b, &info, &err);
	if (it->dirty) {
		CHECK(ret <= 0);
		return;
	}
	CHECK(!ret);
	CHECK(!b.bad && b.n == it->file.nr_folios);
	CHECK(info.pos == it->file.pos && info.size == it->file.size &&
	      info.seals == it->file.seals &&
	      info.nr_folios == it->file.nr_folios && !info.nr_holes);
}

static int on_session(const struct kho_luo_session_info *s, void *arg)
{
	struct b_state *b = arg;
	const struct m_session *ms = &sessions[b->sessions];

	CHECK(b->sessions < M.nr_sessions && s->index == b->sessions);
	CHECK(!strcmp(s->name, ms->name) && s->nr_files == ms->nr_files);
	b->sessions++;
	b->files = 0;
	return 0;
}

static int on_file(const struct kho_luo_session_info *s,
		   const struct kho_luo_file_info *fi, void *arg)
{
	struct b_state *b = arg;
	const struct m_session *ms = &sessions[b->sessions - 1];
	const struct m_file *mf = &ms->files[b->files];

	CHECK(b->files < ms->nr_files && fi->index == b->files);
	CHECK(!strcmp(fi->compatible, mf->compat) && fi->data == mf->data &&
	      fi->token == mf->token);
	if (mf->memfd >= 0 && !M.items[mf->memfd].dirty)
		restore_memfd(b->in, &M.items[mf->memfd]);
	b->files++;
	return 0;
}

static int on_flb(const struct kho_luo_flb_info *fl, void *arg)
{
	struct b_state *b = arg;
	const struct m_flb *mf = &flbs[b->flbs];

	CHECK(b->flbs < M.nr_flbs && fl->index == b->flbs);
	CHECK(!strcmp(fl->name, mf->name) && fl->data == mf->data &&
	      fl->count == mf->count);
	b->flbs++;
	return 0;
}

static void restore_luo(struct kho_in *in)
{
	struct b_state b = { .in = in };
	struct kho_luo_read_ops ops = { on_session, on_file, on_flb, &b };
	struct kho_luo_info info;
	struct kho_error err = { 0 };
	struct kho_view view;
	uint64_t phys, size;

	CHECK(!kho_retrieve_subtree(in, KHO_LUO_NAME, &phys, &size));
	CHECK(size == (M.out.abi->size_prop ? sizeof(struct kho_luo_ser) : 0));
	size = sizeof(struct kho_luo_ser);
	kho_in_view(in, &view);
	CHECK(!kho_luo_read(&view, phys, size, NULL, &info, &err));
	CHECK(info.liveupdate_num == M.luo_num);
	CHECK(info.nr_sessions == M.nr_sessions && info.nr_flbs == M.nr_flbs);
	CHECK(!kho_luo_read(&view, phys, size, &ops, NULL, &err));
	CHECK(b.sessions == M.nr_sessions && b.flbs == M.nr_flbs);
	CHECK(!kho_luo_restore_free(in, phys));
}

static int on_vmalloc_block(uint64_t phys, unsigned int order, void *arg)
{
	struct b_state *b = arg;

	if (b->n >= (b->it->v.total_pages >> b->it->v.order) ||
	    b->it->blocks[b->n] != phys || order != b->it->v.order)
		b->bad = true;
	b->n++;
	return 0;
}

/* Give back @it if it is live and as dirty as @dirty. */
static void restore_item(struct kho_in *in, struct item *it, bool dirty)
{
	struct fenv *f = M.f;
	struct b_state b = { .in = in, .it = it };
	struct kho_page *pg;
	int ret = 0;

	if (!it->live || it->dirty != dirty)
		return;
	if (trace)
		fprintf(stderr, "item %u: kind %d phys %#llx n %llu%s\n",
			(unsigned int)(it - M.items), it->kind,
			(unsigned long long)it->phys, (unsigned long long)it->n,
			it->dirty ? " dirty" : "");
	switch (it->kind) {
	case IT_FOLIO:
		pg = kho_restore_folio(in, it->phys);
		if (!dirty)
			CHECK(pg &&
			      pg == fenv_pfn_to_page(
					    f, it->phys >> f->geo.page_shift) &&
			      pg->refcount == 1);
		break;
	case IT_PAGES:
		pg = kho_restore_pages(in, it->phys, it->n);
		if (!dirty)
			CHECK(pg &&
			      pg == fenv_pfn_to_page(
					    f, it->phys >> f->geo.page_shift));
		break;
	case IT_VMALLOC:
		ret = kho_restore_vmalloc(in, &it->v, on_vmalloc_block, &b);
		if (!dirty)
			CHECK(!ret && !b.bad &&
			      b.n == it->v.total_pages >> it->v.order);
		break;
	case IT_KTEST: {
		struct kho_test_info info;
		struct kho_error err = { 0 };

		ret = kho_test_restore(in, it->t.fdt_phys,
				       M.out.abi->size_prop ? it->t.fdt_size :
							      0,
				       M.arch, &info, &err);
		if (!dirty)
			CHECK(!ret && info.nr_folios == it->t.nr_folios &&
			      info.csum == it->t.csum);
		break;
	}
	case IT_MEMFD:
		/* A clean one listed in LUO: restore_luo()'s. */
		if (dirty || !it->in_luo || !M.luo_added)
			restore_memfd(in, it);
		break;
	case IT_ALLOC:
		CHECK(!kho_restore_free(in, it->va));
		break;
	}
	CHECK(ret <= 0);
}

static void kernel_b(void)
{
	struct fenv *f = M.f;
	struct b_state b = { 0 };
	bool valid, clean = true;
	struct kho_in in;
	unsigned int stamped = 0;
	int ret;

	mark_dirty();
	valid = predict_valid();
	ret = fenv_kexec(f, &M.out, SCRATCH_PAGE, &in);
	b.in = &in;
	if (trace) {
		char msg[256];

		kho_error_format(&in.err, msg, sizeof(msg));
		fprintf(stderr, "kexec: %d, predicted %s: %s\n", ret,
			valid ? "valid" : "refused", msg);
	}
	CHECK((ret == 0) == valid);
	CHECK(valid || !M.strict);
	if (ret) {
		CHECK(ret < 0);
		for (unsigned int r = 0; r < 2; r++)
			for (unsigned int i = 0; i < FENV_MAX_PAGES; i++)
				CHECK(!f->memmap[r][i].private);
		kho_in_destroy(&in);
		return;
	}

	/* Subtrees: warnings, names, addresses, sizes, the blobs' bytes. */
	check_sub_warnings(&in);
	CHECK(!kho_for_each_subtree(&in, on_subtree, &b));
	CHECK(b.subs == M.nr_subs + M.luo_added);
	for (unsigned int i = 0; i < M.nr_subs; i++) {
		const struct sub *s = &M.subs[i];
		const struct item *it;
		uint64_t phys, size;
		const unsigned char *p;

		CHECK(s->seen);
		CHECK(!kho_retrieve_subtree(&in, s->name, &phys, &size));
		CHECK(phys == s->phys && size == sub_size(s));
		size = s->size;
		if (s->alloc < 0 || s->stale)
			continue;
		it = &M.items[s->alloc];
		p = fenv_phys_to_virt(f, phys);
		for (size_t j = 0; j < size && j < it->size; j++)
			CHECK(p[j] == pattern(it, j));
	}
	/*
	 * Items whose blocks are their own first: a restore of another item
	 * naming the same address would take the block (kho_restore_folio()
	 * asks no order). LUO restores its clean memfd files.
	 */
	for (unsigned int i = 0; i < M.nr_items; i++) {
		clean &= !M.items[i].live || !M.items[i].dirty;
		restore_item(&in, &M.items[i], false);
	}
	if (M.luo_added)
		restore_luo(&in);
	for (unsigned int i = 0; i < M.nr_items; i++)
		restore_item(&in, &M.items[i], true);
	CHECK(!f->bad_frees);
	/* All given back: the FLB page alone stays (the kernel keeps it). */
	for (unsigned int r = 0; r < 2; r++)
		for (unsigned int i = 0; i < FENV_MAX_PAGES; i++)
			if (f->memmap[r][i].private) {
				stamped++;
				if (trace)
					fprintf(stderr,
						"stamped: range %u page %u: %#llx\n",
						r, i,
						(unsigned long long)f
							->memmap[r][i]
							.private);
			}
	if (clean && (M.luo_added || !M.luo_live))
		CHECK(stamped == orphan_pages() + (M.luo_added ? 1 : 0));
	kho_in_destroy(&in);
}

/* ---- one program --------------------------------------------------------------- */

static void run(uint8_t cfg, const struct op *ops, unsigned int nr, bool strict)
{
	static const enum kho_abi abis[] = { KHO_ABI_V4, KHO_ABI_V3, KHO_ABI_V2,
					     KHO_ABI_V4 };
	const struct kho_abi_version *abi;
	static struct kho_scratch scratch;
	struct fenv *f = fenv_get(cfg_shift(cfg));
	size_t size;

	memset(&M, 0, sizeof(M));
	M.f = f;
	M.arch = cfg & 16 ? KHO_CSUM_ARM64 : KHO_CSUM_X86_64;
	abi = kho_abi_get(abis[(cfg >> 5) & 3]);
	M.strict = strict;
	fenv_reset(f, RAM_BASE, N0, (cfg >> 2) & 3, N1);
	f->alloc_lo = KERNEL_LO;
	f->alloc_hi = KERNEL_HI;
	scratch.addr = fenv_page_phys(f, SCRATCH_PAGE);
	scratch.size = SCRATCH_PAGES * f->page;
	CHECK(!kho_out_init_abi(&M.out, &f->geo, &f->ops, &scratch, 1, abi));
	/* kho-v2 on 16 KiB pages has no order-0 key: not this target's. */
	if (kho_geometry_truncates_order0(&M.out.geo)) {
		kho_out_destroy(&M.out);
		fenv_reset(f, RAM_BASE, N0, (cfg >> 2) & 3, N1);
		f->alloc_lo = KERNEL_LO;
		f->alloc_hi = KERNEL_HI;
		CHECK(!kho_out_init(&M.out, &f->geo, &f->ops, &scratch, 1));
	}

	for (unsigned int i = 0; i < nr; i++) {
		const struct op *o = &ops[i];

		M.call = i;
		if (trace)
			fprintf(stderr,
				"call %u: %s sel %#x mis %#x b %#x c %#x e %#x w %#x d %#x\n",
				i, op_names[o->op % NR_OPS], o->sel, o->mis,
				o->b, o->c, o->e, o->w, o->d);
		switch (o->op % NR_OPS) {
		case OP_FOLIO:
		case OP_UNFOLIO:
			op_folio(o, o->op % NR_OPS == OP_UNFOLIO);
			break;
		case OP_PAGES:
		case OP_UNPAGES:
			op_pages(o, o->op % NR_OPS == OP_UNPAGES);
			break;
		case OP_ALLOC:
			op_alloc(o);
			break;
		case OP_FREE:
			op_free(o);
			break;
		case OP_VMALLOC:
			op_vmalloc(o);
			break;
		case OP_UNVMALLOC:
			op_unvmalloc(o);
			break;
		case OP_KTEST:
			op_ktest(o);
			break;
		case OP_UNKTEST:
			op_unktest(o);
			break;
		case OP_MEMFD:
			op_memfd(o);
			break;
		case OP_LUO_INIT:
			op_luo_init(o);
			break;
		case OP_SESSION:
			op_session(o);
			break;
		case OP_FILE:
			op_file(o);
			break;
		case OP_FLB:
			op_flb(o);
			break;
		case OP_SUB_ADD:
			op_sub_add(o);
			break;
		case OP_SUB_REMOVE:
			op_sub_remove(o);
			break;
		case OP_SESSIONS:
			op_sessions(o);
			break;
		case OP_FILES:
			op_files(o);
			break;
		case OP_FLBS:
			op_flbs(o);
			break;
		case OP_LUO_DESTROY:
			op_luo_destroy(o);
			break;
		case OP_FAIL:
			f->fail_at = f->allocs + 1 + o->sel % 16;
			break;
		}
		CHECK(!f->bad_frees);
	}
	f->fail_at = 0;
	if (M.luo_live) {
		struct kho_luo_ser *ser = kho_luo_finish(&M.luo, &size);
		int ret;

		CHECK(ser && size == sizeof(*ser));
		snap_take(&before);
		ret = kho_add_subtree(&M.out, KHO_LUO_NAME, ser, size);
		if (ret)
			check_unchanged(ret);
		CHECK(!ret || ret == -ENOSPC);
		M.luo_added = !ret;
	}
	kernel_b();
	kho_out_destroy(&M.out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct op ops[MAX_OPS];
	size_t nr;

	if (size < 1)
		return 0;
	nr = (size - 1) / sizeof(struct op);
	if (nr > MAX_OPS)
		nr = MAX_OPS;
	memcpy(ops, data + 1, nr * sizeof(struct op));
	run(data[0], ops, (unsigned int)nr, false);
	return 0;
}

/* ---- seeds: programs whose every call is accepted and round-trips ------------ */

#define OP(o, s, b_, c_, e_, w_, d_)                                    \
	{                                                               \
		.op = (o), .sel = (s), .b = (b_), .c = (c_), .e = (e_), \
		.w = (w_), .d = (d_)                                    \
	}

static void seed_warn(const char *file, int line, const char *what)
{
	fprintf(stderr, "seed: %s:%d: %s\n", file, line, what);
}

static void write_seed(const char *dir, const char *name, uint8_t cfg,
		       const struct op *ops, unsigned int nr)
{
	char path[4096];
	FILE *fp;

	run(cfg, ops, nr, true);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "wb");
	CHECK(fp);
	fwrite(&cfg, 1, 1, fp);
	fwrite(ops, sizeof(*ops), nr, fp);
	CHECK(!fclose(fp));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* Folios, pages, an undo, a blob named by a subtree. */
	static const struct op blocks[] = {
		OP(OP_FOLIO, 0, 2, 0, 0, 0, 0),
		OP(OP_FOLIO, 8, 0, 0, 0, 0, 0),
		OP(OP_PAGES, 9, 0, 0, 0, 0, 5),
		OP(OP_PAGES, 70, 0, 0, 0, 0, 13),
		OP(OP_FOLIO, 32, 3, 0, 0, 0, 0),
		OP(OP_UNFOLIO, 0, 0, 0, 1, 0, 0),
		OP(OP_ALLOC, 0, 0, 0, 0, 0, 100),
		OP(OP_ALLOC, 0, 1, 0, 0, 0, 1),
		OP(OP_SUB_ADD, 1, 0, 0, 0, 0, 0),
		OP(OP_SUB_ADD, 0, 3, 1, 0, 0, 77),
		OP(OP_ALLOC, 0, 0, 0, 0, 0, 5000),
		OP(OP_FREE, 2, 0, 0, 0, 0, 0),
		OP(OP_SUB_ADD, 0, 1, 0, 0, 0, 0),
	};
	/* vmalloc areas and kho-test. */
	static const struct op areas[] = {
		OP(OP_VMALLOC, 0, 5, 0, 0, 0, 0),
		OP(OP_VMALLOC, 16, 3, 1, 1, 0, 0),
		OP(OP_VMALLOC, 64, 2, 2, 0, 0, 0),
		OP(OP_UNVMALLOC, 1, 0, 0, 0, 0, 0),
		OP(OP_KTEST, 100, 4, 0x1b, 0, 0, 0),
		OP(OP_VMALLOC, 40, 2, 0, 0, 0, 0),
	};
	/* memfd-v2 files in LUO sessions, FLBs. */
	static const struct op luo[] = {
		OP(OP_LUO_INIT, 0, 0, 0, 0, 0, 7),
		OP(OP_MEMFD, 0, 4, 0x24, 0x01, 0x0300, 100),
		OP(OP_MEMFD, 64, 2, 0x01, 0, 0x0004, 4000),
		OP(OP_MEMFD, 0, 0, 0, 0, 0x0002, 0),
		OP(OP_SESSION, 0, 0, 0, 0, 0, 0),
		OP(OP_SESSION, 1, 1, 0, 0, 0, 0),
		OP(OP_FILE, 0, 0, 0, 0, 0, 0),
		OP(OP_FILE, 0, 1, 0, 1, 0, 55),
		OP(OP_FILE, 1, 0, 0, 0, 0, 0),
		OP(OP_FLB, 0, 0, 0, 0, 9, 2),
		OP(OP_FLB, 1, 1, 2, 0, 10, 0),
	};
	/* Chains of several blocks: sessions, files of one session, FLBs. */
	static const struct op bulk[] = {
		OP(OP_LUO_INIT, 0, 0, 0, 0, 0, 1),
		OP(OP_SESSIONS, 0, 0, 0, 0, 0, 60),
		OP(OP_FILES, 3, 0, 0, 0, 0, 150),
		OP(OP_MEMFD, 0, 2, 0x04, 0, 0, 0),
		OP(OP_FILE, 3, 0, 0, 0, 0, 0),
		OP(OP_FLBS, 0, 0, 0, 0, 0, 40),
	};
	const char *dir = getenv("KHO_FUZZ_WRITE_SEEDS");

	trace = getenv("KHO_FUZZ_WRITERS_TRACE");
	if (!dir)
		return 0;
	kho_warn_hook = seed_warn;
	write_seed(dir, "blocks-4k", 0, blocks, 13);
	write_seed(dir, "blocks-16k-hole", 1 | 4, blocks, 13);
	write_seed(dir, "areas-4k", 0, areas, 6);
	write_seed(dir, "areas-64k-arm64", 2 | 16, areas, 6);
	write_seed(dir, "luo-4k", 0, luo, 11);
	write_seed(dir, "luo-16k-hole", 1 | 8, luo, 11);
	write_seed(dir, "blocks-4k-v2", 2 << 5, blocks, 13);
	write_seed(dir, "areas-4k-v3", 1 << 5, areas, 6);
	write_seed(dir, "luo-64k-v3", 2 | 1 << 5, luo, 11);
	write_seed(dir, "luo-bulk-4k", 0, bulk, 6);
	write_seed(dir, "luo-bulk-16k", 1, bulk, 6);
	exit(0);
}
