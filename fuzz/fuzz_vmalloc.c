// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * fuzz_vmalloc.c - libFuzzer target: kho_restore_vmalloc() over hostile
 * chunk lists.
 *
 * Kernel A (this library) preserves the blocks the input names and hands
 * over; the input then writes what it likes into the data pages (the chunk
 * lists live there) and names a struct kho_vmalloc. Kernel B takes the
 * handover and restores the area.
 *
 *   pages 0..63     data: preserved blocks and chunk pages, written by input
 *   pages 64..67    scratch (the scratch array is in its first page)
 *   pages 68..127   kernel A's own: tree nodes, root FDT
 *
 * Input: cfg (1: page size), struct kho_vmalloc (16), nr (1), nr x (page,
 * how) (2 each: how bit 7 set = kho_preserve_pages(page, 1 + how % 64),
 * else kho_preserve_folio(page, how % 8)), then fuzz_env.h records.
 *
 * kho_vmalloc_read() reads the same area first through a view of RAM: it
 * hands out nothing unless the whole list checks, then exactly the entries
 * total_pages needs, in order; a list it refuses, the restore refuses too.
 *
 * Must hold: no crash, hang, leak or read outside RAM; a failed restore
 * leaves every stamp as it was and frees nothing; a successful one maps
 * exactly total_pages >> order aligned blocks of the data pages, frees only
 * chunk pages it took, and a second restore of the same area fails.
 *
 * KHO_FUZZ_WRITE_SEEDS=DIR writes seeds from kho_preserve_vmalloc() and exits.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kho/kho.h>
#include <kho/vmalloc.h>

#include "fuzz_env.h"

#define CHECK FENV_CHECK

#define RAM_BASE (1ULL << 30)
#define RAM_PAGES 128
#define DATA_PAGES 64
#define SCRATCH_PAGE 64
#define SCRATCH_PAGES 4
#define KERNEL_PAGE 68

struct hdr {
	uint8_t cfg;
	struct kho_vmalloc v;
	uint8_t nr;
} __attribute__((packed));

struct blk {
	uint8_t page;
	uint8_t how;
};

#define HOW_PAGES 0x80

static unsigned int cfg_shift(uint8_t cfg)
{
	static const unsigned int shifts[] = { 12, 14, 16, 12 };

	return shifts[cfg & 3];
}

struct map_state {
	struct fenv *f;
	const struct kho_vmalloc *v;
	uint64_t nr;
};

static int on_map(uint64_t phys, unsigned int order, void *arg)
{
	struct map_state *ms = arg;
	struct fenv *f = ms->f;

	CHECK(order == ms->v->order);
	CHECK(!(phys & ((f->page << order) - 1)));
	CHECK(phys >= f->base[0]);
	CHECK(phys + (f->page << order) <= f->base[0] + DATA_PAGES * f->page);
	ms->nr++;
	return 0;
}

/* kho_vmalloc_read() through a view of the machine's RAM, one page at most. */
struct read_state {
	struct fenv *f;
	const struct kho_vmalloc *v;
	uint64_t entries, chunks;
};

static const void *read_map(void *ctx, uint64_t phys, uint64_t len)
{
	return fenv_map_in_page(((struct read_state *)ctx)->f, phys, len);
}

static int read_own(void *ctx, uint64_t phys, uint64_t len, const char *what)
{
	struct read_state *rs = ctx;

	fenv_check_own_page(rs->f, phys, len);
	rs->chunks++;
	return 0;
}

static int read_entry(uint64_t phys, unsigned int order, uint64_t index,
		      void *arg)
{
	struct read_state *rs = arg;

	CHECK(order == rs->v->order);
	CHECK(index == rs->entries);
	CHECK(phys && !(phys & (rs->f->page - 1)));
	rs->entries++;
	return 0;
}

/* The decoder alone: checked whole, then handed out; errors say where. */
static int read_area(struct fenv *f, const struct kho_vmalloc *v)
{
	struct read_state rs = { .f = f, .v = v };
	struct kho_view view = {
		.map = read_map,
		.own = read_own,
		.ctx = &rs,
		.page_shift = f->geo.page_shift,
	};
	struct kho_error err = { 0 };
	int ret;

	ret = kho_vmalloc_read(&view, v, read_entry, &rs, &err);
	if (ret) {
		CHECK(ret == -EINVAL || ret == -EFAULT);
		CHECK(err.code == ret && err.what && err.property);
		CHECK(!rs.entries && !rs.chunks);
		return ret;
	}
	CHECK(rs.entries == (uint64_t)v->total_pages >> v->order);
	CHECK(rs.chunks >= 1);
	return 0;
}

static struct kho_page before[FENV_MAX_PAGES];

/* kexec to kernel B and restore @v; kernel A's state is in @out. */
static int kernel_b(struct fenv *f, struct kho_out *out,
		    const struct kho_vmalloc *v, bool strict)
{
	struct map_state ms = { .f = f, .v = v };
	struct kho_in in;
	int ret, again, read_ret;

	ret = fenv_kexec(f, out, SCRATCH_PAGE, &in);
	if (ret) {
		/*
		 * Kernel A accepted blocks that overlap (a folio inside another
		 * preserved block): the tree check refuses the whole handover.
		 */
		CHECK(!strict);
		kho_in_destroy(&in);
		return ret;
	}
	read_ret = read_area(f, v);
	memcpy(before, f->memmap[0], sizeof(before));
	f->frees = 0;
	ret = kho_restore_vmalloc(&in, v, on_map, &ms);
	CHECK(!f->bad_frees);
	/* The restore reads through the same decoder: never more lenient. */
	CHECK(!read_ret || ret);
	if (ret) {
		CHECK(ret < 0);
		CHECK(!memcmp(before, f->memmap[0], sizeof(before)));
		CHECK(!f->frees && !ms.nr);
	} else {
		CHECK(ms.nr == (uint64_t)v->total_pages >> v->order);
		CHECK(f->frees >= 1);
		again = kho_restore_vmalloc(&in, v, on_map, &ms);
		CHECK(again < 0);
	}
	kho_in_destroy(&in);
	return ret;
}

static void kernel_a(struct fenv *f, struct kho_out *out)
{
	fenv_kernel_a(f, out, &f->ops, RAM_BASE, RAM_PAGES, SCRATCH_PAGE,
		      SCRATCH_PAGES, KERNEL_PAGE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data + sizeof(struct hdr);
	struct kho_vmalloc v;
	struct kho_out out;
	struct hdr h;
	struct fenv *f;

	if (size < sizeof(h))
		return 0;
	memcpy(&h, data, sizeof(h));
	if (size - sizeof(h) < h.nr * sizeof(struct blk))
		return 0;
	f = fenv_get(cfg_shift(h.cfg));
	kernel_a(f, &out);
	for (unsigned int i = 0; i < h.nr; i++, p += 2) {
		uint64_t phys = fenv_page_phys(f, p[0] % DATA_PAGES);

		/* Refusals are kernel A's business; keep what it took. */
		if (p[1] & HOW_PAGES)
			kho_preserve_pages(&out, phys, 1 + p[1] % 64);
		else
			kho_preserve_folio(&out, phys, p[1] % 8);
	}
	fenv_apply(f, p, data + size, 0, DATA_PAGES);
	v = h.v;
	kernel_b(f, &out, &v, false);
	kho_out_destroy(&out);
	return 0;
}

/* ---- seeds: areas preserved by kho_preserve_vmalloc() ------------------- */

struct seed_blocks {
	struct blk b[DATA_PAGES];
	unsigned int nr;
	struct fenv *f;
};

static int seed_block(uint64_t phys, unsigned int order, void *arg)
{
	struct seed_blocks *s = arg;
	uint64_t page = (phys - s->f->base[0]) / s->f->page;

	if (phys < s->f->base[0] || page >= DATA_PAGES)
		return 0;
	CHECK(s->nr < DATA_PAGES);
	s->b[s->nr].page = (uint8_t)page;
	s->b[s->nr++].how = (uint8_t)order;
	return 0;
}

static void write_seed(const char *dir, const char *name, unsigned int shift,
		       const unsigned int *pages, unsigned int nr,
		       unsigned int order)
{
	struct fenv *f = fenv_get(shift);
	struct seed_blocks sb = { .f = f };
	struct kho_vmalloc v;
	struct kho_out out;
	uint64_t phys[DATA_PAGES];
	struct hdr h = { .cfg = (uint8_t)((shift - 12) / 2) };
	char path[4096];
	FILE *fp;

	kernel_a(f, &out);
	for (unsigned int i = 0; i < nr; i++)
		phys[i] = fenv_page_phys(f, pages[i]);
	/* The chunk pages come from the top of the data pages. */
	f->alloc_lo = DATA_PAGES - 8;
	f->alloc_hi = DATA_PAGES;
	CHECK(!kho_preserve_vmalloc(&out, phys, nr, order,
				    KHO_VMALLOC_FLAG_VM_ALLOC, &v));
	h.v = v;
	f->alloc_lo = KERNEL_PAGE;
	f->alloc_hi = RAM_PAGES;
	kho_radix_walk(&out.tree, seed_block, &sb);
	h.nr = (uint8_t)sb.nr;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "wb");
	CHECK(fp);
	fwrite(&h, 1, sizeof(h), fp);
	fwrite(sb.b, sizeof(sb.b[0]), sb.nr, fp);
	fenv_dump(f, 0, DATA_PAGES, fp);
	CHECK(!fclose(fp));
	/* The real area restores. */
	CHECK(kernel_b(f, &out, &v, true) == 0);
	kho_out_destroy(&out);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const unsigned int scattered[] = { 9, 3, 17, 5, 40, 41, 12 };
	static const unsigned int pairs[] = { 2, 6, 4, 20, 30 };
	static const unsigned int quads[] = { 8, 16, 0 };
	const char *dir = getenv("KHO_FUZZ_WRITE_SEEDS");

	if (!dir)
		return 0;
	write_seed(dir, "v4k-order0", 12, scattered, 7, 0);
	write_seed(dir, "v4k-order1", 12, pairs, 5, 1);
	write_seed(dir, "v4k-order2", 12, quads, 3, 2);
	write_seed(dir, "v16k-order1", 14, pairs, 5, 1);
	write_seed(dir, "v64k-order0", 16, scattered, 7, 0);
	exit(0);
}
