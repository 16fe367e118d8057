// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * fuzz_kho_test.c - libFuzzer target: kho-test-v1 (lib/kho_test.c) read,
 * verified and restored from hostile memory.
 *
 * Kernel A (this library) preserves the folios the input names with
 * kho_test_preserve(): the blob, the vmalloc chunk, the folio list and new
 * tree nodes come from data pages the input may then overwrite; the
 * folios' bytes come from a seed before their checksum is taken. Kernel B
 * takes the handover and reads the blob through a view of RAM, recomputes
 * the checksum through it, then restores.
 *
 *   pages 0..31     folios (the input picks page and order: up to 2 at
 *                   4 KiB pages, 1 at 16 KiB, 0 at 64 KiB)
 *   pages 32..63    kernel A's allocations for the blob, chunk, list, nodes
 *   pages 64..67    scratch (the scratch array is in its first page)
 *   pages 68..127   kernel A's own: tree root, root FDT
 *
 * Input: cfg (1: page size, arch), fill (1: seed of the folios' bytes),
 * nr (1), nr x (page, order) (2 each), then fuzz_env.h records on pages
 * 0..63, applied after the preserve.
 *
 * Must hold: no crash, hang, leak or read outside RAM; a read that fails
 * fills the error (code, sentence, field) unless a callback stopped it,
 * calls back nothing and owns nothing; a read that succeeds lists exactly
 * nr_folios folios in order, aligned to their orders; a restore refused by
 * the reader changes no stamp and frees nothing; a restore never succeeds
 * where the verification found another checksum or the reader refused;
 * a second restore fails.
 *
 * KHO_FUZZ_WRITE_SEEDS=DIR writes seeds (valid handovers) and exits.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kho/block.h>
#include <kho/kho.h>
#include <kho/kho_test.h>

#include "fuzz_env.h"

#define CHECK FENV_CHECK

#define RAM_BASE (1ULL << 30)
#define RAM_PAGES 128
#define FOLIO_PAGES 32
#define DATA_PAGES 64
#define SCRATCH_PAGE 64
#define SCRATCH_PAGES 4
#define KERNEL_PAGE 68
#define MAX_FOLIOS 16
#define MAX_ORDER 2

struct hdr {
	uint8_t cfg;
	uint8_t fill;
	uint8_t nr;
} __attribute__((packed));

struct fol {
	uint8_t page;
	uint8_t order;
};

static unsigned int cfg_shift(uint8_t cfg)
{
	static const unsigned int shifts[] = { 12, 14, 16, 12 };

	return shifts[cfg & 3];
}

static enum kho_csum_arch cfg_arch(uint8_t cfg)
{
	return cfg & 4 ? KHO_CSUM_ARM64 : KHO_CSUM_X86_64;
}

/* ---- a view of RAM: contiguous inside one range, owning anything -------- */

struct read_state {
	struct fenv *f;
	uint32_t nr_folios;
	uint32_t folios;
	uint64_t owns;
	bool stop;
};

static const void *view_map(void *ctx, uint64_t phys, uint64_t len)
{
	struct read_state *rs = ctx;
	uint64_t a, b;
	int ra, rb;

	if (!len)
		return NULL;
	ra = fenv_range_of(rs->f, phys, &a);
	rb = fenv_range_of(rs->f, phys + len - 1, &b);
	if (ra < 0 || ra != rb)
		return NULL;
	return fenv_phys_to_virt(rs->f, phys);
}

static int view_own(void *ctx, uint64_t phys, uint64_t len, const char *what)
{
	struct read_state *rs = ctx;
	uint64_t idx;

	CHECK(len && fenv_range_of(rs->f, phys, &idx) >= 0);
	rs->owns++;
	return 0;
}

static int on_folio(uint64_t phys, unsigned int order, uint32_t index,
		    void *arg)
{
	struct read_state *rs = arg;
	const struct kho_geometry *geo = &rs->f->geo;

	CHECK(index == rs->folios);
	CHECK(index < rs->nr_folios);
	CHECK(order < geo->order0_bit);
	CHECK(!(phys & ((rs->f->page << order) - 1)));
	rs->folios++;
	/* Stop on some inputs: the callback's code comes back. */
	return rs->stop && index == 1 ? -ENOSPC : 0;
}

/* kho_test_read() alone: checked whole, then listed. */
static int read_blob(struct fenv *f, uint64_t phys, uint64_t size, bool stop)
{
	struct read_state rs = { .f = f, .stop = stop };
	struct kho_view view = {
		.map = view_map,
		.own = view_own,
		.ctx = &rs,
		.page_shift = f->geo.page_shift,
	};
	struct kho_error err = { 0 };
	struct kho_test_info info;
	int ret;

	/* nr_folios is known only from the blob: read it first, quietly. */
	view.own = NULL;
	ret = kho_test_read(&view, phys, size, NULL, NULL, &info, &err);
	if (ret) {
		CHECK(ret == -EINVAL || ret == -EFAULT);
		CHECK(err.code == ret && err.what);
		return ret;
	}
	rs.nr_folios = info.nr_folios;
	CHECK(info.nr_folios);
	view.own = view_own;
	ret = kho_test_read(&view, phys, size, on_folio, &rs, NULL, &err);
	if (stop && info.nr_folios > 1) {
		CHECK(ret == -ENOSPC && rs.folios == 2);
		return 0;
	}
	CHECK(!ret);
	CHECK(rs.folios == info.nr_folios);
	/* The blob, a chunk at least, a page of the list at least. */
	CHECK(rs.owns >= 3);
	return 0;
}

/* ---- the two kernels ------------------------------------------------------ */

static struct kho_page before[FENV_MAX_PAGES];

static int kernel_b(struct fenv *f, struct kho_out *out,
		    const struct kho_test_out *t, enum kho_csum_arch arch,
		    bool stop, bool strict)
{
	struct kho_error err = { 0 };
	struct kho_view view;
	int read_ret, verify_ret, ret;
	uint32_t sum;
	struct kho_in in;

	ret = fenv_kexec(f, out, SCRATCH_PAGE, &in);
	if (ret) {
		/* The input overwrote a tree node kernel A put in data pages. */
		CHECK(!strict);
		kho_in_destroy(&in);
		return ret;
	}
	read_ret = read_blob(f, t->fdt_phys, t->fdt_size, stop);
	kho_in_view(&in, &view);
	verify_ret = kho_test_verify(&view, t->fdt_phys, t->fdt_size, arch,
				     &sum, &err);
	/* The same reader; the sum adds folios outside RAM (-EFAULT). */
	if (read_ret)
		CHECK(verify_ret == read_ret);
	else
		CHECK(!verify_ret || verify_ret == -EBADMSG ||
		      verify_ret == -EFAULT);

	memcpy(before, f->memmap[0], sizeof(before));
	f->frees = 0;
	memset(&err, 0, sizeof(err));
	ret = kho_test_restore(&in, t->fdt_phys, t->fdt_size, arch, NULL, &err);
	CHECK(!f->bad_frees);
	if (ret)
		CHECK(ret < 0 && err.code == ret && err.what);
	if (read_ret) {
		/* The same reader: refused before anything was touched. */
		CHECK(ret);
		CHECK(!memcmp(before, f->memmap[0], sizeof(before)));
		CHECK(!f->frees);
	}
	if (verify_ret == -EBADMSG)
		CHECK(ret);
	if (!ret) {
		CHECK(!read_ret && !verify_ret);
		/* Folios, list page, chunk, blob. */
		CHECK(f->frees >= 4);
		CHECK(kho_test_restore(&in, t->fdt_phys, t->fdt_size, arch,
				       NULL, NULL) < 0);
	}
	kho_in_destroy(&in);
	return ret;
}

/* The folios' bytes, from @seed: not all zero, so the sums differ. */
static void fill_folios(struct fenv *f, const struct kho_test_folio *fo,
			uint32_t nr, uint8_t seed)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL * (seed + 1), *p, w, i;

	for (i = 0; i < nr; i++) {
		uint64_t idx;

		fenv_range_of(f, fo[i].phys, &idx);
		p = (uint64_t *)fenv_page(f, (unsigned int)idx, true);
		for (w = 0; w < (f->page << fo[i].order) / 8; w++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			p[w] = x;
		}
		for (w = 1; w < 1ULL << fo[i].order; w++)
			fenv_page(f, (unsigned int)(idx + w), true);
	}
}

/* Kernel A: the folios, preserved. -1 when it refuses them. */
static int kernel_a(struct fenv *f, struct kho_out *out, const struct hdr *h,
		    const struct fol *fl, struct kho_test_folio *fo,
		    struct kho_test_out *t)
{
	uint32_t nr = h->nr % (MAX_FOLIOS + 1), i;

	fenv_kernel_a(f, out, &f->ops, RAM_BASE, RAM_PAGES, SCRATCH_PAGE,
		      SCRATCH_PAGES, KERNEL_PAGE);
	for (i = 0; i < nr; i++) {
		/* Large pages, small orders: an input costs what 4 KiB's do. */
		unsigned int order =
			fl[i].order %
			(MAX_ORDER + 1 - (f->geo.page_shift - 12) / 2);
		unsigned int page =
			(fl[i].page % FOLIO_PAGES) & ~((1U << order) - 1);

		fo[i].phys = fenv_page_phys(f, page);
		fo[i].order = order;
	}
	fill_folios(f, fo, nr, h->fill);
	f->alloc_lo = FOLIO_PAGES;
	f->alloc_hi = DATA_PAGES;
	if (kho_test_preserve(out, fo, nr, cfg_arch(h->cfg), t))
		return -1;
	f->alloc_lo = KERNEL_PAGE;
	f->alloc_hi = RAM_PAGES;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kho_test_folio fo[MAX_FOLIOS];
	struct fol fl[MAX_FOLIOS];
	const uint8_t *p;
	struct kho_test_out t;
	struct kho_out out;
	struct hdr h;
	struct fenv *f;
	uint32_t nr;

	if (size < sizeof(h))
		return 0;
	memcpy(&h, data, sizeof(h));
	nr = h.nr % (MAX_FOLIOS + 1);
	if (size - sizeof(h) < nr * sizeof(struct fol))
		return 0;
	memcpy(fl, data + sizeof(h), nr * sizeof(struct fol));
	p = data + sizeof(h) + nr * sizeof(struct fol);
	f = fenv_get(cfg_shift(h.cfg));
	if (kernel_a(f, &out, &h, fl, fo, &t)) {
		kho_out_destroy(&out);
		return 0;
	}
	fenv_apply(f, p, data + size, 0, DATA_PAGES);
	kernel_b(f, &out, &t, cfg_arch(h.cfg), h.cfg & 8, false);
	kho_out_destroy(&out);
	return 0;
}

/* ---- seeds: handovers kho_test_preserve() wrote ---------------------------- */

static void write_seed(const char *dir, const char *name, uint8_t cfg,
		       const struct fol *fl, uint8_t nr)
{
	struct hdr h = { .cfg = cfg, .fill = nr, .nr = nr };
	struct kho_test_folio fo[MAX_FOLIOS];
	struct fenv *f = fenv_get(cfg_shift(cfg));
	struct kho_test_out t;
	struct kho_out out;
	char path[4096];
	FILE *fp;

	CHECK(!kernel_a(f, &out, &h, fl, fo, &t));
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "wb");
	CHECK(fp);
	fwrite(&h, 1, sizeof(h), fp);
	fwrite(fl, sizeof(*fl), nr, fp);
	/* A word of the blob rewritten as it is: the fuzzer's handle. */
	{
		uint8_t rec[4] = { 0, (uint8_t)((t.fdt_phys - RAM_BASE) /
						f->page) };
		uint64_t v;

		memcpy(&v, t.fdt, 8);
		fwrite(rec, 1, 4, fp);
		fwrite(&v, 1, 8, fp);
	}
	CHECK(!fclose(fp));
	/* The real handover restores. */
	CHECK(kernel_b(f, &out, &t, cfg_arch(cfg), false, true) == 0);
	kho_out_destroy(&out);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const struct fol mixed[] = { { 0, 2 },  { 5, 0 },  { 8, 3 },
					    { 16, 1 }, { 19, 0 }, { 24, 2 } };
	static const struct fol pages[] = { { 1, 0 }, { 3, 0 }, { 2, 0 } };
	const char *dir = getenv("KHO_FUZZ_WRITE_SEEDS");

	if (!dir)
		return 0;
	write_seed(dir, "x86-4k-mixed", 0, mixed, 6);
	write_seed(dir, "arm64-4k-mixed", 4, mixed, 6);
	write_seed(dir, "x86-16k-pages", 1, pages, 3);
	write_seed(dir, "arm64-64k-mixed", 6, mixed, 6);
	write_seed(dir, "x86-4k-one", 0, pages, 1);
	exit(0);
}
