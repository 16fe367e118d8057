/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * fuzz_env.h - a machine for the handover fuzz targets: two ranges of RAM
 * with a hole between them, built afresh from each input.
 *
 *   phys: base0            base0 + n0 pages      base1           + n1 pages
 *         | range 0 .........|     hole          | range 1 .........|
 *   va:   guard | range 0 (MAX pages) | guard | range 1 (MAX pages) | guard
 *
 * phys_to_virt() maps only RAM pages of the current layout and returns NULL
 * for anything else; the mapping has an inaccessible page around each
 * range, so a read that walks off a range faults. pfn_to_page() is NULL
 * outside RAM. A page allocator (first fit in range 0, naturally aligned,
 * pages from @alloc_lo up) serves kernel A when a target builds a handover;
 * freed pages are poisoned, so a read after free sees garbage.
 *
 * The allocator can be told to fail: the @fail_at-th allocation since the
 * last fenv_reset() returns NULL (0, the default, fails none).
 *
 * Inputs write RAM with records (fenv_apply()): only the pages written are
 * zeroed again by fenv_reset(), so an iteration costs what it touched.
 *
 *   record: op (1) | page (1) | then
 *     op even: word (2) | value (8)             one u64 at word index
 *     op odd:  offset (2) | len (1) | bytes     raw bytes (clipped to page)
 */
#ifndef FUZZ_ENV_H
#define FUZZ_ENV_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <kho/kho.h>
#include <kho/validate.h>

#define FENV_MAX_PAGES 256
#define FENV_POISON 0x6b

#define FENV_CHECK(cond)                                                     \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__,   \
				#cond);                                      \
			abort();                                             \
		}                                                            \
	} while (0)

struct fenv {
	struct kho_geometry geo;
	uint64_t page;
	uint64_t base[2];
	uint64_t npages[2];
	unsigned char *va[2];
	struct kho_page memmap[2][FENV_MAX_PAGES];
	bool dirty[2][FENV_MAX_PAGES];
	bool used[2][FENV_MAX_PAGES];
	unsigned int alloc_lo, alloc_hi;	/* allocator's pages in range 0 */
	uint64_t frees;				/* free_pages calls */
	uint64_t bad_frees;
	uint64_t allocs;			/* alloc_pages calls */
	uint64_t fail_at;			/* that call fails; 0: none */
	struct kho_env_ops ops;
};

static inline int fenv_range_of(const struct fenv *f, uint64_t pa,
				uint64_t *idx)
{
	for (int r = 0; r < 2; r++) {
		if (pa >= f->base[r] &&
		    pa - f->base[r] < f->npages[r] * f->page) {
			*idx = (pa - f->base[r]) / f->page;
			return r;
		}
	}
	return -1;
}

static void *fenv_phys_to_virt(void *ctx, uint64_t pa)
{
	struct fenv *f = ctx;
	uint64_t idx;
	int r = fenv_range_of(f, pa, &idx);

	return r < 0 ? NULL : f->va[r] + (pa - f->base[r]);
}

static uint64_t fenv_virt_to_phys(void *ctx, const void *va)
{
	struct fenv *f = ctx;
	const unsigned char *p = va;

	for (int r = 0; r < 2; r++) {
		if (p >= f->va[r] && p < f->va[r] + f->npages[r] * f->page)
			return f->base[r] + (uint64_t)(p - f->va[r]);
	}
	return UINT64_MAX;
}

static struct kho_page *fenv_pfn_to_page(void *ctx, uint64_t pfn)
{
	struct fenv *f = ctx;
	uint64_t idx;
	int r;

	if (pfn >> (64 - f->geo.page_shift))
		return NULL;
	r = fenv_range_of(f, pfn << f->geo.page_shift, &idx);
	return r < 0 ? NULL : &f->memmap[r][idx];
}

static void *fenv_alloc_pages(void *ctx, unsigned int order)
{
	struct fenv *f = ctx;
	unsigned int nr, i, j;

	if (++f->allocs == f->fail_at || order > 8)
		return NULL;
	nr = 1U << order;
	for (i = (f->alloc_lo + nr - 1) & ~(nr - 1);
	     i + nr <= f->alloc_hi && i + nr <= f->npages[0]; i += nr) {
		for (j = i; j < i + nr && !f->used[0][j]; j++)
			;
		if (j < i + nr)
			continue;
		for (j = i; j < i + nr; j++) {
			f->used[0][j] = true;
			f->dirty[0][j] = true;
		}
		memset(f->va[0] + i * f->page, 0, nr * f->page);
		return f->va[0] + i * f->page;
	}
	return NULL;
}

/* Freed memory must be RAM; it is poisoned, as a real allocator may. */
static void fenv_free_pages(void *ctx, void *va, unsigned int order)
{
	struct fenv *f = ctx;
	uint64_t pa = fenv_virt_to_phys(f, va), idx, nr = 1ULL << order;
	int r = fenv_range_of(f, pa, &idx);

	f->frees++;
	if (r < 0 || pa & (f->page - 1) || idx + nr > f->npages[r]) {
		f->bad_frees++;
		return;
	}
	for (uint64_t i = idx; i < idx + nr; i++) {
		f->used[r][i] = false;
		f->dirty[r][i] = true;
	}
	memset(va, FENV_POISON, nr * f->page);
}

static void *fenv_alloc_page(void *ctx)
{
	return fenv_alloc_pages(ctx, 0);
}

static void fenv_free_page(void *ctx, void *page)
{
	fenv_free_pages(ctx, page, 0);
}

/* One mapping per page size, kept across inputs. */
static inline struct fenv *fenv_get(unsigned int page_shift)
{
	static struct fenv *envs[3];
	unsigned int i = (page_shift - 12) / 2;
	uint64_t page = 1ULL << page_shift;
	size_t len = (2 * FENV_MAX_PAGES + 4) * page;
	unsigned char *raw, *al;
	struct fenv *f;

	if (envs[i])
		return envs[i];
	f = calloc(1, sizeof(*f));
	FENV_CHECK(f && !kho_geometry_init(&f->geo, page_shift));
	f->page = page;
	raw = mmap(NULL, len, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	FENV_CHECK(raw != MAP_FAILED);
	al = (unsigned char *)(((uintptr_t)raw + page - 1) & ~(page - 1));
	f->va[0] = al + page;
	f->va[1] = f->va[0] + (FENV_MAX_PAGES + 1) * page;
	FENV_CHECK(!mprotect(f->va[0], FENV_MAX_PAGES * page,
			     PROT_READ | PROT_WRITE));
	FENV_CHECK(!mprotect(f->va[1], FENV_MAX_PAGES * page,
			     PROT_READ | PROT_WRITE));
	f->ops.mem.alloc_page = fenv_alloc_page;
	f->ops.mem.free_page = fenv_free_page;
	f->ops.mem.virt_to_phys = fenv_virt_to_phys;
	f->ops.mem.phys_to_virt = fenv_phys_to_virt;
	f->ops.mem.ctx = f;
	f->ops.alloc_pages = fenv_alloc_pages;
	f->ops.free_pages = fenv_free_pages;
	f->ops.pfn_to_page = fenv_pfn_to_page;
	envs[i] = f;
	return f;
}

/* Forget the last input: zero what it wrote, clear memmap and allocator. */
static inline void fenv_reset(struct fenv *f, uint64_t base0, uint64_t n0,
			      uint64_t gap, uint64_t n1)
{
	for (int r = 0; r < 2; r++) {
		for (unsigned int i = 0; i < FENV_MAX_PAGES; i++) {
			if (!f->dirty[r][i])
				continue;
			memset(f->va[r] + i * f->page, 0, f->page);
			f->dirty[r][i] = false;
		}
	}
	memset(f->memmap, 0, sizeof(f->memmap));
	memset(f->used, 0, sizeof(f->used));
	f->base[0] = base0;
	f->npages[0] = n0;
	f->base[1] = base0 + (n0 + gap) * f->page;
	f->npages[1] = n1;
	f->alloc_lo = 0;
	f->alloc_hi = FENV_MAX_PAGES;
	f->frees = 0;
	f->bad_frees = 0;
	f->allocs = 0;
	f->fail_at = 0;
}

/* The next kernel: a fresh memmap, RAM as it was left. */
static inline void fenv_reboot(struct fenv *f)
{
	memset(f->memmap, 0, sizeof(f->memmap));
}

/* Page @ordinal counting across both ranges, or NULL. */
static inline unsigned char *fenv_page(struct fenv *f, unsigned int ordinal,
				       bool write)
{
	int r = ordinal < f->npages[0] ? 0 : 1;
	unsigned int i = r ? ordinal - f->npages[0] : ordinal;

	if (i >= f->npages[r])
		return NULL;
	if (write)
		f->dirty[r][i] = true;
	return f->va[r] + i * f->page;
}

static inline uint64_t fenv_page_phys(const struct fenv *f,
				      unsigned int ordinal)
{
	if (ordinal < f->npages[0])
		return f->base[0] + ordinal * f->page;
	return f->base[1] + (ordinal - f->npages[0]) * f->page;
}

static inline uint64_t fenv_total_pages(const struct fenv *f)
{
	return f->npages[0] + f->npages[1];
}

/* A view's map() for readers that map within one page: NULL across its end. */
static inline const void *fenv_map_in_page(struct fenv *f, uint64_t phys,
					   uint64_t len)
{
	if (!len || (phys & (f->page - 1)) + len > f->page)
		return NULL;
	return fenv_phys_to_virt(f, phys);
}

/* A reader's own() of one page: a whole, aligned page of RAM. */
static inline void fenv_check_own_page(struct fenv *f, uint64_t phys,
				       uint64_t len)
{
	FENV_CHECK(len == f->page && !(phys & (len - 1)));
	FENV_CHECK(fenv_phys_to_virt(f, phys));
}

static inline int fenv_no_reserve(uint64_t start, uint64_t end, void *arg)
{
	return 0;
}

/*
 * Apply the records in [p, end) to the pages [lo, hi) (ordinals; the page
 * byte is taken modulo their number).
 */
static inline void fenv_apply(struct fenv *f, const uint8_t *p,
			      const uint8_t *end, unsigned int lo,
			      unsigned int hi)
{
	uint64_t words = f->page / 8, v;
	unsigned int n = hi - lo, len;
	unsigned char *pg;
	uint16_t at;

	if (!n)
		return;
	while (end - p >= 4) {
		uint8_t op = p[0];

		pg = fenv_page(f, lo + p[1] % n, true);
		memcpy(&at, p + 2, 2);
		p += 4;
		if (!(op & 1)) {
			if (end - p < 8)
				return;
			memcpy(&v, p, 8);
			p += 8;
			if (pg)
				memcpy(pg + (at % words) * 8, &v, 8);
			continue;
		}
		if (p == end)
			return;
		len = *p++;
		if (len > end - p)
			len = end - p;
		at %= f->page;
		if (pg)
			memcpy(pg + at, p, len < f->page - at ? len : f->page - at);
		p += len;
	}
}

/*
 * What kho_memory_init() checks the tree against: the current layout's RAM
 * ranges and a zeroed bitmap (one per target, reused: zeroed per call).
 */
static inline struct kho_tree_check *fenv_check(struct fenv *f)
{
	static uint64_t seen[(2 * FENV_MAX_PAGES + 63) / 64];
	static struct kho_mem_region ram[2];
	static struct kho_tree_check chk;
	unsigned int nr_ram = 0;

	for (int r = 0; r < 2; r++) {
		if (!f->npages[r])
			continue;
		ram[nr_ram].start = f->base[r];
		ram[nr_ram++].end = f->base[r] + f->npages[r] * f->page;
	}
	FENV_CHECK(kho_tree_check_words(ram, nr_ram, f->geo.page_shift) <=
		   sizeof(seen) / sizeof(seen[0]));
	memset(seen, 0, sizeof(seen));
	memset(&chk, 0, sizeof(chk));
	chk.ram = ram;
	chk.nr_ram = nr_ram;
	chk.seen = seen;
	return &chk;
}

/*
 * Kernel A on a fresh machine of one range, @ram_pages pages at @ram_base:
 * the scratch area is pages [@scratch_page, + @scratch_pages), the
 * allocator serves pages from @kernel_page up, and @out starts on @ops.
 * The area is a static that @out keeps pointing at: one kernel A at a time.
 */
static inline void fenv_kernel_a(struct fenv *f, struct kho_out *out,
				 const struct kho_env_ops *ops,
				 uint64_t ram_base, unsigned int ram_pages,
				 unsigned int scratch_page,
				 unsigned int scratch_pages,
				 unsigned int kernel_page)
{
	static struct kho_scratch scratch;

	fenv_reset(f, ram_base, ram_pages, 0, 0);
	f->alloc_lo = kernel_page;
	f->alloc_hi = ram_pages;
	scratch.addr = fenv_page_phys(f, scratch_page);
	scratch.size = scratch_pages * f->page;
	FENV_CHECK(!kho_out_init(out, &f->geo, ops, &scratch, 1));
}

/*
 * kexec with @out's handover into kernel B's @in: the scratch array (one
 * area) is written to page @scratch_page, the memmap forgotten, and the
 * handover populated (which must succeed) and walked.
 * Return: kho_memory_init()'s result; @in is to be destroyed either way.
 */
static inline int fenv_kexec(struct fenv *f, const struct kho_out *out,
			     unsigned int scratch_page, struct kho_in *in)
{
	memcpy(fenv_page(f, scratch_page, true), out->scratch,
	       sizeof(*out->scratch));
	fenv_reboot(f);
	FENV_CHECK(!kho_populate(in, &f->geo, &f->ops, out->fdt_phys, f->page,
				 fenv_page_phys(f, scratch_page),
				 sizeof(*out->scratch)));
	return kho_memory_init(in, fenv_check(f), fenv_no_reserve, NULL);
}

/* Emit word records for every non-zero word of pages [lo, hi). */
static inline size_t fenv_dump(struct fenv *f, unsigned int lo,
			       unsigned int hi, FILE *out)
{
	uint64_t words = f->page / 8, v;
	size_t n = 0;

	for (unsigned int o = lo; o < hi; o++) {
		unsigned char *pg = fenv_page(f, o, false);

		for (uint64_t w = 0; pg && w < words; w++) {
			uint8_t rec[4] = { 0, (uint8_t)(o - lo) };
			uint16_t at = (uint16_t)w;

			memcpy(&v, pg + w * 8, 8);
			if (!v)
				continue;
			memcpy(rec + 2, &at, 2);
			fwrite(rec, 1, 4, out);
			fwrite(&v, 1, 8, out);
			n++;
		}
	}
	return n;
}

#endif /* FUZZ_ENV_H */
