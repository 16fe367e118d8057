// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * inspect_mem.c - kho inspect --fdt FILE --mem SOURCE: a handover in any
 * physical memory (a machine directory, a raw image, a vmcore, /proc/kcore,
 * /dev/mem), kho-v1 or kho-v2, read-only.
 *
 * The checks are kernel B's (root FDT, compatible, preserved-memory-map)
 * and then the whole memory map: a kho-v2 tree through
 * kho_radix_validate() with the source's RAM ranges, a kho-v1 chunk list
 * through v1.c. Only after that is anything walked.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <Judy.h>
#include <libfdt.h>

#include <kho/kho_memblock.h>
#include <kho/kho_memfd_v1.h>
#include <kho/vmalloc.h>

#include "../../sim/boot.h"
#include "../../sim/machine.h"
#include "inspect_mem.h"
#include "kho_tool.h"
#include "report.h"

/*
 * fdt_create() writes version 17; 16 is the oldest whose node names are
 * not full paths. Older blobs are refused before fdt_check_full(), which in
 * libfdt 1.6.1 dereferences NULL on some of them (as lib/kho_in.c does).
 */
#define INSPECT_FDT_MIN_VERSION 16
/* A root FDT is one page; a sub-FDT may be larger, but not this large. */
#define INSPECT_FDT_MAX (16U << 20)
/* Scratch areas: nodes + 2 of them; far fewer than this. */
#define INSPECT_SCRATCH_MAX 4096
/* The largest scratch list file read: 4096 lines of "0x%llx\n" fit. */
#define INSPECT_SCRATCH_TEXT_MAX (128 * 1024)
/* The validator's page bitmap: 1 GiB covers 32 TiB of 4 KiB pages. */
#define INSPECT_SEEN_MAX (1ULL << 30)
/* Subtree property of newer kernels: the blob's size in bytes (u64). */
#define INSPECT_BLOB_SIZE_PROP "blob-size"
/* libkho's simulated guest memory (clients/guest.c). */
#define INSPECT_GUEST_COMPATIBLE "guest-memory-v1"
/* One map() of the view spanning pages: at most this many bytes ... */
#define INSPECT_SPAN_MAX (64ULL << 20)
/* ... and all of them together (a hostile handover asks for much). */
#define INSPECT_MAPPED_MAX (1ULL << 30)
/* kho-test folios summed to check the checksum, at most. */
#define INSPECT_CSUM_MAX (256ULL << 20)

/* ---- small helpers ------------------------------------------------------- */

int inspect_add_extent(struct inspect_extent **list, uint64_t *nr,
		       uint64_t start, uint64_t end, int owner)
{
	/* Capacity is implied by @nr: 16, then doubled at each power of two. */
	if (!*nr || (*nr >= 16 && !(*nr & (*nr - 1)))) {
		uint64_t cap = *nr ? *nr * 2 : 16;
		void *p;

		p = realloc(*list, cap * sizeof(**list));
		if (!p)
			return -ENOMEM;
		*list = p;
	}
	(*list)[(*nr)++] = (struct inspect_extent){ start, end, owner };
	return 0;
}

/*
 * Out of memory while reading: what was asked for reads as absent to the
 * decoders, so the report would be wrong. Flag it; kho inspect then says
 * so instead of printing the report.
 */
static void *oom(struct inspect *in)
{
	in->oom = true;
	return NULL;
}

/*
 * The source holds the range but reading it failed (a file shorter than its
 * memory map says, a /dev/mem that refuses the page): the same as out of
 * memory, the decoders would take it for memory the handover lacks. Keep
 * the first failure's sentence; kho inspect reports it instead.
 */
static void *read_failed(struct inspect *in)
{
	if (!in->read_failure[0])
		snprintf(in->read_failure, sizeof(in->read_failure), "%s",
			 in->err.msg);
	return NULL;
}

/* A verdict that is not acceptance: @lead, then what went wrong. */
static int not_accepted(struct inspect *in, int code, const char *lead,
			const char *fmt, va_list ap)
{
	char what[sizeof(in->reason) - 48];

	vsnprintf(what, sizeof(what), fmt, ap);
	snprintf(in->reason, sizeof(in->reason), "%s%s", lead, what);
	in->code = code;
	in->valid = false;
	return code;
}

static int refuse(struct inspect *in, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Record the verdict: "KHO handover refused: <what>". */
static int refuse(struct inspect *in, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	code = not_accepted(in, code, "KHO handover refused: ", fmt, ap);
	va_end(ap);
	return code;
}

static int cannot_check(struct inspect *in, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Inspect cannot judge the handover (a limit of the tool, not a fault of
 * the handover): the verdict is an error, in words that do not blame it.
 */
static int cannot_check(struct inspect *in, int code, const char *fmt, ...)
{
	va_list ap;

	in->unchecked = true;
	va_start(ap, fmt);
	code = not_accepted(in, code,
			    "inspect cannot check the handover: ", fmt, ap);
	va_end(ap);
	return code;
}

/* ---- the page cache the radix library and the view read through --------- */

/*
 * Each page asked for is read once and kept until the end, in a JudyL
 * array keyed by its address: the library holds pointers to the nodes of a
 * path while it descends, and a decoder holds what it mapped, so nothing
 * may be evicted.
 */
static void *cache_phys_to_virt(void *ctx, uint64_t pa)
{
	struct inspect *in = ctx;
	uint64_t mask = (1ULL << in->page_shift) - 1, page = pa & ~mask;
	PPvoid_t slot = JudyLGet(in->cache, page, PJE0);
	uint8_t *p;

	if (slot)
		return (uint8_t *)*slot + (pa & mask);
	if (!memsrc_backed(&in->ms, page, mask + 1) ||
	    in->mapped_bytes + mask + 1 > INSPECT_MAPPED_MAX)
		return NULL;
	p = aligned_alloc(mask + 1, mask + 1);
	if (!p)
		return oom(in);
	if (memsrc_read(&in->ms, page, p, mask + 1, &in->err)) {
		free(p);
		return read_failed(in);
	}
	slot = JudyLIns(&in->cache, page, PJE0);
	if (slot == PPJERR) {
		free(p);
		return oom(in);
	}
	*slot = p;
	in->mapped_bytes += mask + 1;
	return p + (pa & mask);
}

/* A copy of memory that spans pages, kept until the end. */
struct inspect_span {
	struct inspect_span *next;
	uint64_t len;
	uint8_t data[];
};

/* struct kho_view's working memory: the sorted check of LUO's names. */
static void *view_scratch_alloc(void *ctx, uint64_t len)
{
	return len <= SIZE_MAX ? malloc((size_t)len) : NULL;
}

static void view_scratch_free(void *ctx, void *p)
{
	free(p);
}

/* struct kho_view's map(): one page from the cache, more as a span. */
static const void *view_map(void *ctx, uint64_t phys, uint64_t len)
{
	struct inspect *in = ctx;
	uint64_t mask = (1ULL << in->page_shift) - 1;
	struct inspect_span *sp;
	PPvoid_t slot;

	if (!len)
		len = 1;
	if ((phys & mask) + len <= mask + 1)
		return cache_phys_to_virt(in, phys);
	slot = JudyLGet(in->spans, phys, PJE0);
	if (slot && ((struct inspect_span *)*slot)->len >= len)
		return ((struct inspect_span *)*slot)->data;
	if (len > INSPECT_SPAN_MAX || !memsrc_backed(&in->ms, phys, len) ||
	    in->mapped_bytes + len > INSPECT_MAPPED_MAX)
		return NULL;
	sp = malloc(sizeof(*sp) + len);
	if (!sp)
		return oom(in);
	if (memsrc_read(&in->ms, phys, sp->data, len, &in->err)) {
		free(sp);
		return read_failed(in);
	}
	slot = JudyLIns(&in->spans, phys, PJE0);
	if (slot == PPJERR) {
		free(sp);
		return oom(in);
	}
	sp->len = len;
	sp->next = in->span_list;
	in->span_list = sp;
	*slot = sp;
	in->mapped_bytes += len;
	return sp->data;
}

static bool range_preserved(const struct inspect *in, uint64_t pa,
			    uint64_t len);

/*
 * struct kho_view's own(): the memory map's own pages (kho-v1 chunks and
 * bitmaps, owner -1) are metadata; anything else belongs to the subtree
 * being decoded, and must be preserved memory: a structure outside it is
 * something kernel B would refuse, noted on the subtree (the decoding
 * goes on, to show the rest).
 */
static int view_own(void *ctx, uint64_t phys, uint64_t len, const char *what)
{
	struct inspect *in = ctx;
	struct inspect_subtree *s = in->cur;

	if (in->cur_owner < 0)
		return inspect_add_extent(&in->meta, &in->nr_meta, phys,
					  phys + len, -1);
	if (len && inspect_add_extent(&in->owners, &in->nr_owners, phys,
				      phys + len, in->cur_owner))
		oom(in);
	if (s && in->valid && !s->problem[0] && !range_preserved(in, phys, len))
		snprintf(s->problem, sizeof(s->problem),
			 "%s at %#" PRIx64 " (%" PRIu64
			 " bytes) is not preserved memory",
			 what, phys, len);
	return 0;
}

static void cache_free(struct inspect *in)
{
	Word_t idx = 0;

	for (PPvoid_t slot = JudyLFirst(in->cache, &idx, PJE0); slot;
	     slot = JudyLNext(in->cache, &idx, PJE0))
		free(*slot);
	JudyLFreeArray(&in->cache, PJE0);
	JudyLFreeArray(&in->spans, PJE0);
	while (in->span_list) {
		struct inspect_span *next = in->span_list->next;

		free(in->span_list);
		in->span_list = next;
	}
}

/* ---- the root FDT ---------------------------------------------------------- */

static int check_fdt_blob(const void *fdt, size_t len, const char *where,
			  struct sim_error *e)
{
	int err;

	if (len < sizeof(struct fdt_header))
		return sim_fail(e, -EINVAL,
				"%s is %zu bytes, too short for an FDT", where,
				len);
	err = fdt_check_header(fdt);
	if (err)
		return sim_fail(e, -EINVAL, "%s is not an FDT: %s", where,
				fdt_strerror(err));
	if (fdt_version(fdt) < INSPECT_FDT_MIN_VERSION)
		return sim_fail(
			e, -EINVAL, "%s is an FDT of version %u, older than %d",
			where, fdt_version(fdt), INSPECT_FDT_MIN_VERSION);
	if (fdt_totalsize(fdt) > len)
		return sim_fail(
			e, -EINVAL,
			"%s is truncated: the FDT header says %u bytes, "
			"there are %zu",
			where, fdt_totalsize(fdt), len);
	err = fdt_check_full(fdt, len);
	if (err)
		return sim_fail(e, -EINVAL, "%s is a corrupt FDT: %s", where,
				fdt_strerror(err));
	return 0;
}

/*
 * Check the @in->fdt_len bytes read at @in->fdt; a refused blob is dropped
 * (its header cannot be trusted, not even for its size: the report then
 * gives only the bytes read) and @in->fdt_len stays to say it was read.
 */
static int take_fdt_blob(struct inspect *in, const char *where)
{
	int ret = check_fdt_blob(in->fdt, in->fdt_len, where, &in->err);

	if (ret) {
		free(in->fdt);
		in->fdt = NULL;
	}
	return ret;
}

static int read_fdt_file(struct inspect *in, const char *path)
{
	char *fdt;
	size_t n;
	int ret;

	ret = sim_read_file(path, INSPECT_FDT_MAX, &fdt, &n, &in->err);
	if (ret)
		return ret;
	in->fdt = fdt;
	in->fdt_len = n;
	in->fdt_phys = KHO_ERR_NO_ADDR;
	snprintf(in->fdt_name, sizeof(in->fdt_name), "%s", path);
	return take_fdt_blob(in, path);
}

static int read_fdt_mem(struct inspect *in, uint64_t phys, uint64_t size)
{
	char where[64];
	int ret;

	snprintf(where, sizeof(where), "the root FDT at %#" PRIx64, phys);
	/*
	 * Named before it is checked or read: a report says where it was
	 * looked for, even when the record's address or size refused it.
	 */
	in->fdt_phys = phys;
	snprintf(in->fdt_name, sizeof(in->fdt_name), "memory at %#" PRIx64,
		 phys);
	if (phys & (KHO_FDT_ALIGN - 1))
		return sim_fail(&in->err, -EINVAL,
				"%s is not %d-byte aligned, as an FDT must be",
				where, KHO_FDT_ALIGN);
	if (!size || size > INSPECT_FDT_MAX)
		return sim_fail(&in->err, -EINVAL,
				"%s: the handover gives its size as %" PRIu64
				" bytes, and inspect reads a root FDT of 1 "
				"to %u bytes",
				where, size, INSPECT_FDT_MAX);
	in->fdt = malloc(size);
	if (!in->fdt)
		return sim_fail(&in->err, -ENOMEM, "out of memory");
	ret = memsrc_read(&in->ms, phys, in->fdt, size, &in->err);
	if (ret) {
		free(in->fdt);
		in->fdt = NULL;
		return ret;
	}
	in->fdt_len = size;
	return take_fdt_blob(in, where);
}

/* Kernel B's checks of the root node; sets version and map_phys. */
static int check_root(struct inspect *in)
{
	const void *map;
	int len;

	const struct kho_abi_version *v = kho_abi_of_fdt(in->fdt);

	if (!v) {
		const char *c = fdt_getprop(in->fdt, 0, "compatible", &len);

		if (!c || len <= 0 || c[len - 1])
			return refuse(in, -EINVAL,
				      "the FDT in %s has no compatible string: "
				      "it is not a KHO root FDT",
				      in->fdt_name);
		return refuse(in, -EINVAL,
			      "the FDT in %s is compatible \"%.64s\", "
			      "no KHO version (kho-v1 to kho-v4)",
			      in->fdt_name, c);
	}
	in->abi = v;
	in->version = v->abi;
	/* The version decides the tree's depth (kho-v2, 16 KiB pages). */
	if (v->mem_map == KHO_MEM_MAP_RADIX)
		kho_geometry_init_abi(&in->geo, in->page_shift, v);
	map = fdt_getprop(in->fdt, 0, KHO_FDT_MEMORY_MAP_PROP_NAME, &len);
	if (!map)
		return refuse(in, -EINVAL,
			      KHO_FDT_MEMORY_MAP_PROP_NAME
			      " is missing from the root FDT in %s",
			      in->fdt_name);
	if (len != sizeof(uint64_t))
		return refuse(in, -EINVAL,
			      KHO_FDT_MEMORY_MAP_PROP_NAME
			      " is %d bytes, not 8 (root FDT in %s)",
			      len, in->fdt_name);
	memcpy(&in->map_phys, map, sizeof(in->map_phys));
	if (!in->map_phys && in->version >= KHO_ABI_V2)
		return refuse(in, -EINVAL,
			      KHO_FDT_MEMORY_MAP_PROP_NAME
			      " is 0 (root FDT in %s)",
			      in->fdt_name);
	return 0;
}

/* ---- kho-v2 --------------------------------------------------------------- */

static int collect_range(uint64_t start, uint64_t end, void *arg)
{
	struct inspect *in = arg;

	if (!(in->nr_ranges & (in->nr_ranges - 1))) {
		uint64_t cap = in->nr_ranges ? in->nr_ranges * 2 : 1;
		void *p = realloc(in->ranges, cap * sizeof(*in->ranges));

		if (!p)
			return -ENOMEM;
		in->ranges = p;
	}
	in->ranges[in->nr_ranges++] = (struct kho_mem_region){ start, end };
	return 0;
}

/* Every node's page, for the picture and the overhead (after validation). */
static int collect_nodes(struct inspect *in, uint64_t phys, int level)
{
	const uint64_t *table;
	uint64_t entries = 1ULL << in->geo.table_bits;
	int ret;

	ret = inspect_add_extent(&in->meta, &in->nr_meta, phys,
				 phys + (1ULL << in->page_shift), -1);
	if (ret || !level)
		return ret;
	table = cache_phys_to_virt(in, phys);
	if (!table)
		return -EFAULT;
	for (uint64_t i = 0; i < entries; i++) {
		if (!table[i])
			continue;
		ret = collect_nodes(in, table[i], level - 1);
		if (ret)
			return ret;
	}
	return 0;
}

/* RAM regions shrunk to whole pages, as the validator wants them. */
static struct kho_mem_region *page_ram(struct inspect *in, unsigned int *nr)
{
	uint64_t mask = (1ULL << in->page_shift) - 1;
	struct kho_mem_region *r = calloc(in->ms.nr_ram + 1, sizeof(*r));

	*nr = 0;
	if (!r)
		return NULL;
	for (unsigned int i = 0; i < in->ms.nr_ram; i++) {
		uint64_t s = (in->ms.ram[i].start + mask) & ~mask;
		uint64_t e = in->ms.ram[i].end & ~mask;

		if (s < in->ms.ram[i].start || s >= e)
			continue;
		r[(*nr)++] = (struct kho_mem_region){ s, e };
	}
	return r;
}

static int read_v2(struct inspect *in)
{
	struct kho_mem_ops ops = {
		.phys_to_virt = cache_phys_to_virt,
		.ctx = in,
	};
	struct kho_tree_check chk = { 0 };
	struct kho_mem_region *ram;
	uint64_t words;
	int ret;

	ret = kho_radix_attach(&in->radix, &in->geo, &ops, in->map_phys);
	if (ret)
		return refuse(
			in, ret,
			"the tree root %#" PRIx64
			" named by " KHO_FDT_MEMORY_MAP_PROP_NAME " is %s",
			in->map_phys,
			ret == -EFAULT ? "not in memory" : "not page-aligned");
	in->attached = true;
	ram = page_ram(in, &chk.nr_ram);
	if (!ram) {
		oom(in);
		return -ENOMEM;
	}
	words = kho_tree_check_words(ram, chk.nr_ram, in->page_shift);
	if (words > INSPECT_SEEN_MAX / sizeof(uint64_t)) {
		free(ram);
		return cannot_check(in, -E2BIG,
				    "%s claims %" PRIu64 " pages of RAM, more "
				    "than inspect checks (%llu)",
				    in->source, words * 64,
				    (unsigned long long)INSPECT_SEEN_MAX * 8);
	}
	chk.ram = ram;
	chk.scratch = in->scratch;
	chk.nr_scratch = in->nr_scratch;
	chk.seen = calloc(words ? words : 1, sizeof(uint64_t));
	if (!chk.seen) {
		free(ram);
		oom(in);
		return -ENOMEM;
	}
	ret = kho_radix_validate(&in->radix, &chk);
	free(chk.seen);
	free(ram);
	for (unsigned int i = 0; i < chk.warn.nr && i < KHO_MAX_WARNINGS; i++)
		kho_warn(&in->warn, chk.warn.w[i].what, chk.warn.w[i].property,
			 chk.warn.w[i].phys, chk.warn.w[i].index);
	/* Those past the kept ones are only counted. */
	if (chk.warn.nr > KHO_MAX_WARNINGS)
		in->warn.nr += chk.warn.nr - KHO_MAX_WARNINGS;
	if (ret) {
		int n = kho_error_format(&chk.err, in->reason,
					 sizeof(in->reason));

		/* Name the source when it lacks the memory, not the tree. */
		if (in->ms.kind != MEMSRC_MACHINE &&
		    chk.err.phys != KHO_ERR_NO_ADDR && n > 0 &&
		    (size_t)n < sizeof(in->reason) &&
		    !memsrc_backed(&in->ms, chk.err.phys, 1))
			snprintf(in->reason + n, sizeof(in->reason) - n,
				 "; %s has no memory at %#" PRIx64, in->source,
				 chk.err.phys);
		in->code = ret;
		return ret;
	}
	ret = kho_radix_get_stats(&in->radix, &in->tree);
	if (!ret)
		ret = kho_radix_walk_ranges(&in->radix, collect_range, in);
	if (!ret)
		ret = collect_nodes(in, in->map_phys, in->geo.depth - 1);
	/* Validated: only the lists collect_range() grows can fail. */
	if (ret == -ENOMEM)
		oom(in);
	if (ret)
		return refuse(in, ret, "reading the tree failed: %s",
			      strerror(-ret));
	memcpy(in->blocks, in->tree.blocks, sizeof(in->blocks));
	in->nr_blocks = in->tree.nr_blocks;
	in->preserved_bytes = in->tree.preserved_bytes;
	in->meta_bytes = in->tree.bytes;
	return 0;
}

struct block_walk {
	inspect_block_cb cb;
	void *arg;
};

static int block_walk_cb(uint64_t phys, unsigned int order, void *arg)
{
	struct block_walk *w = arg;

	return w->cb(phys, order, w->arg);
}

int inspect_for_each_block(struct inspect *in, inspect_block_cb cb, void *arg)
{
	struct block_walk w = { cb, arg };

	if (!in->map_read)
		return 0;
	if (in->version >= KHO_ABI_V2)
		return kho_radix_walk(&in->radix, block_walk_cb, &w);
	for (uint64_t i = 0; i < in->nr_v1_runs; i++) {
		const struct inspect_run *r = &in->v1_runs[i];
		uint64_t bsize = 1ULL << (r->order + in->page_shift);

		for (uint64_t p = r->start; p < r->end; p += bsize) {
			int ret = cb(p, r->order, arg);

			if (ret)
				return ret;
		}
	}
	return 0;
}

/* ---- subtrees ---------------------------------------------------------------- */

/* The coalesced range holding @pa, or NULL. */
static const struct kho_mem_region *range_of(const struct inspect *in,
					     uint64_t pa)
{
	uint64_t lo = 0, hi = in->nr_ranges;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (pa < in->ranges[mid].start)
			hi = mid;
		else if (pa >= in->ranges[mid].end)
			lo = mid + 1;
		else
			return &in->ranges[mid];
	}
	return NULL;
}

static bool range_preserved(const struct inspect *in, uint64_t pa, uint64_t len)
{
	const struct kho_mem_region *r = range_of(in, pa);

	return r && (!len || r->end - pa >= len);
}

static int fdt_u64(const void *fdt, int node, const char *name, uint64_t *v)
{
	int len;
	const void *p = fdt_getprop(fdt, node, name, &len);

	if (!p || len != sizeof(*v))
		return -EINVAL;
	memcpy(v, p, sizeof(*v));
	return 0;
}

static void owner(struct inspect *in, int idx, uint64_t start, uint64_t end)
{
	if (end > start &&
	    inspect_add_extent(&in->owners, &in->nr_owners, start, end, idx))
		oom(in);
}

/* A decoder's refusal, on the subtree: the first problem wins. */
static void problem(struct inspect_subtree *s, int ret,
		    const struct kho_error *err)
{
	if (s->problem[0])
		return;
	if (err && err->code)
		kho_error_describe(err, s->problem, sizeof(s->problem));
	else
		snprintf(s->problem, sizeof(s->problem), "%s", strerror(-ret));
}

/* The subtree's blob-size, or 0 (kho-v2: none) for the decoders. */
static uint64_t blob_size(const struct inspect_subtree *s)
{
	return s->has_blob_size ? s->blob_size : 0;
}

/* The same for a decoder that tells none from 0: NULL when none. */
static const uint64_t *blob_size_ptr(const struct inspect_subtree *s)
{
	return s->has_blob_size ? &s->blob_size : NULL;
}

static void decode_kexec_metadata(struct inspect *in, struct inspect_subtree *s)
{
	struct kho_error err = { 0 };
	int ret;

	ret = kho_metadata_read(&in->view, s->phys, blob_size_ptr(s), &s->km,
				&err);
	sim_clean_str(s->release, sizeof(s->release), s->km.previous_release,
		      sizeof(s->km.previous_release));
	if (!ret || s->km.version)
		s->kind = INSPECT_KEXEC_METADATA;
	/* Say which version it has: all zeroes reads as version 0. */
	if (ret && err.property && !strcmp(err.property, "version") &&
	    !s->problem[0])
		snprintf(s->problem, sizeof(s->problem),
			 "kexec-metadata has version %u, not %u (phys %#" PRIx64
			 ")",
			 s->km.version, KHO_KEXEC_METADATA_VERSION, s->phys);
	if (ret)
		problem(s, ret, &err);
}

static int memblock_region(const struct kho_memblock_region *r, void *arg)
{
	struct inspect *in = arg;
	struct inspect_subtree *s = in->cur;
	char name[INSPECT_NAME_LEN];

	sim_clean_str(name, sizeof(name), r->name, sizeof(r->name));
	s->total_regions++;
	owner(in, in->cur_owner, r->start,
	      r->start + r->size < r->start ? UINT64_MAX : r->start + r->size);
	if (in->valid && r->size && !s->problem[0] &&
	    !range_preserved(in, r->start, r->size))
		snprintf(s->problem, sizeof(s->problem),
			 "reserve_mem region %.128s at %#" PRIx64
			 " is not all preserved memory",
			 name, r->start);
	if (s->nr_regions == INSPECT_MAX_REGIONS)
		return 0;
	memcpy(s->regions[s->nr_regions].name, name, sizeof(name));
	s->regions[s->nr_regions].start = r->start;
	s->regions[s->nr_regions].size = r->size;
	s->nr_regions++;
	return 0;
}

static void decode_memblock(struct inspect *in, struct inspect_subtree *s)
{
	struct kho_error err = { 0 };
	int ret;

	s->kind = INSPECT_MEMBLOCK;
	ret = kho_memblock_read(&in->view, s->phys, blob_size(s),
				memblock_region, in, NULL, &err);
	if (ret)
		problem(s, ret, &err);
}

static int memfd_v1_folio(uint64_t phys, uint64_t index, unsigned int flags,
			  uint64_t entry, void *arg)
{
	struct inspect *in = arg;

	in->cur->memfd_entries++;
	owner(in, in->cur_owner, phys, phys + (1ULL << in->page_shift));
	return 0;
}

/* memfd-v1 (kho-v2, kho-v3): struct kho_memfd_ser and its folio array. */
static void decode_memfd(struct inspect *in, struct inspect_subtree *s)
{
	struct kho_memfd_v1_info info;
	struct kho_error err = { 0 };
	int ret;

	ret = kho_memfd_v1_read(&in->view, s->phys, blob_size(s),
				memfd_v1_folio, in, &info, &err);
	if (ret) {
		problem(s, ret, &err);
		return;
	}
	s->kind = INSPECT_MEMFD;
	s->memfd_phys = info.ser_phys;
	s->memfd.pos = info.pos;
	s->memfd.size = info.size;
	s->memfd.nr_folios = info.nr_folios;
	s->memfd.folios = info.folios;
	s->memfd_entries += info.nr_holes;
}

/* ---- LUO ---- */

static int luo_session(const struct kho_luo_session_info *si, void *arg)
{
	struct inspect *in = arg;
	struct inspect_subtree *s = in->cur;
	void *p;

	if (s->nr_sessions == INSPECT_MAX_SESSIONS) {
		s->unlisted_sessions++;
		return 0;
	}
	p = realloc(s->sessions, (s->nr_sessions + 1) * sizeof(*s->sessions));
	if (!p) {
		oom(in);
		return -ENOMEM;
	}
	s->sessions = p;
	s->sessions[s->nr_sessions].info = *si;
	sim_clean_str(s->sessions[s->nr_sessions].name,
		      sizeof(s->sessions[0].name), si->name, sizeof(si->name));
	s->nr_sessions++;
	return 0;
}

/*
 * Are there blocks to know a memfd folio by: a valid radix tree? (A kho-v1
 * memory map with a LUO subtree is no handover any kernel writes.)
 */
static bool have_block_orders(const struct inspect *in)
{
	return in->valid && in->version >= KHO_ABI_V2;
}

/*
 * The order of the preserved block that starts at @phys, or -1. Each order
 * is a descent of its own, so only the orders the tree holds are tried (a
 * memfd's tree usually holds one to three of them).
 */
static int block_order_at(struct inspect *in, uint64_t phys)
{
	uint64_t pfn = phys >> in->page_shift;

	for (unsigned int order = 0; order < in->geo.order0_bit; order++)
		if (in->blocks[order] &&
		    kho_radix_test_page(&in->radix, pfn, order))
			return (int)order;
	return -1;
}

/*
 * A folio of the memfd-v2 file being read, after kho_memfd_read() checked
 * the file: its first page is the file's, and it must fit where the file
 * puts it as Linux's kernel B needs (kho_memfd_folio_misplaced(), which
 * libkho's kernel B asks too); the first that does not is the file's
 * problem.
 */
static int memfd_folio(uint64_t phys, uint64_t index, unsigned int flags,
		       uint64_t entry, void *arg)
{
	struct inspect *in = arg;
	struct inspect_subtree *s = in->cur;
	struct inspect_luo_file *f = &s->files[s->nr_files - 1];
	struct kho_error err = { .code = -EINVAL,
				 .property = "index",
				 .phys = phys,
				 .level = KHO_ERR_NO_LEVEL,
				 .index = (long)entry };
	uint64_t pages;
	int order;

	owner(in, in->cur_owner, phys, phys + (1ULL << in->page_shift));
	if (!have_block_orders(in))
		return 0;
	order = block_order_at(in, phys);
	err.what = kho_memfd_folio_misplaced(index, order, in->memfd_next);
	if (err.what && !f->problem[0])
		kho_error_describe(&err, f->problem, sizeof(f->problem));
	if (err.what) {
		f->holes_known = false;
		return 0;
	}
	/* It fits: it holds its pages up to the file's end. */
	in->memfd_next = index + (1ULL << order);
	pages = (f->memfd.size + (1ULL << in->page_shift) - 1) >>
		in->page_shift;
	in->memfd_held +=
		(in->memfd_next < pages ? in->memfd_next : pages) - index;
	return 0;
}

static int luo_file(const struct kho_luo_session_info *si,
		    const struct kho_luo_file_info *fi, void *arg)
{
	struct inspect *in = arg;
	struct inspect_subtree *s = in->cur;
	struct inspect_luo_file *f;
	struct kho_error err = { 0 };
	void *p;

	if (s->nr_files == INSPECT_MAX_FILES || !s->nr_sessions ||
	    s->sessions[s->nr_sessions - 1].info.index != si->index) {
		s->unlisted_files++;
		return 0;
	}
	p = realloc(s->files, (s->nr_files + 1) * sizeof(*s->files));
	if (!p) {
		oom(in);
		return -ENOMEM;
	}
	s->files = p;
	f = &s->files[s->nr_files++];
	memset(f, 0, sizeof(*f));
	f->session = s->nr_sessions - 1;
	f->f = *fi;
	sim_clean_str(f->compatible, sizeof(f->compatible), fi->compatible,
		      sizeof(fi->compatible));
	f->memfd_read = 1;
	if (strcmp(fi->compatible, KHO_MEMFD_V2_COMPATIBLE))
		return 0;
	in->memfd_next = 0;
	in->memfd_held = 0;
	f->holes_known = have_block_orders(in);
	f->memfd_read = kho_memfd_read(&in->view, fi->data, memfd_folio, in,
				       &f->memfd, &err);
	if (!f->memfd_read && f->holes_known)
		f->hole_pages =
			((f->memfd.size + (1ULL << in->page_shift) - 1) >>
			 in->page_shift) -
			in->memfd_held;
	if (!f->memfd_read && f->problem[0] && !s->problem[0])
		snprintf(s->problem, sizeof(s->problem),
			 "session %.64s, file %" PRIu64 ": %.160s",
			 s->sessions[f->session].name, fi->index, f->problem);
	if (f->memfd_read) {
		if (err.code)
			kho_error_describe(&err, f->problem,
					   sizeof(f->problem));
		else
			snprintf(f->problem, sizeof(f->problem), "%s",
				 strerror(-f->memfd_read));
		if (!s->problem[0])
			snprintf(s->problem, sizeof(s->problem),
				 "session %.64s, file %" PRIu64 ": %.160s",
				 s->sessions[f->session].name, fi->index,
				 f->problem);
	}
	return 0;
}

static int luo_flb(const struct kho_luo_flb_info *fi, void *arg)
{
	struct inspect *in = arg;
	struct inspect_subtree *s = in->cur;
	void *p;

	if (s->nr_flbs == INSPECT_MAX_FILES) {
		s->unlisted_flbs++;
		return 0;
	}
	p = realloc(s->flbs, (s->nr_flbs + 1) * sizeof(*s->flbs));
	if (!p) {
		oom(in);
		return -ENOMEM;
	}
	s->flbs = p;
	s->flbs[s->nr_flbs].info = *fi;
	sim_clean_str(s->flbs[s->nr_flbs].name, sizeof(s->flbs[0].name),
		      fi->name, sizeof(fi->name));
	s->nr_flbs++;
	return 0;
}

static void decode_luo(struct inspect *in, struct inspect_subtree *s)
{
	struct kho_luo_read_ops ops = { luo_session, luo_file, luo_flb, in };
	struct kho_error err = { 0 };
	int ret;

	ret = kho_luo_read(&in->view, s->phys, blob_size(s), &ops, &s->luo,
			   &err);
	if (!ret || s->luo.liveupdate_num)
		s->kind = INSPECT_LUO;
	snprintf(s->compatible, sizeof(s->compatible), "%s",
		 KHO_LUO_COMPATIBLE);
	if (ret)
		problem(s, ret, &err);
}

/* ---- kho-test ---- */

static int kho_test_folio(uint64_t phys, unsigned int order, uint32_t index,
			  void *arg)
{
	struct inspect *in = arg;
	uint64_t size = 1ULL << (order + in->page_shift);

	in->cur->kt.folio_bytes += size;
	owner(in, in->cur_owner, phys, phys + size);
	if (in->valid && !in->cur->problem[0] &&
	    !range_preserved(in, phys, size))
		snprintf(in->cur->problem, sizeof(in->cur->problem),
			 "kho-test folio %u at %#" PRIx64
			 " is not preserved memory",
			 index, phys);
	return 0;
}

static void decode_kho_test(struct inspect *in, struct inspect_subtree *s)
{
	static const struct {
		enum kho_csum_arch arch;
		const char *name;
	} archs[] = { { KHO_CSUM_X86_64, "x86_64" },
		      { KHO_CSUM_ARM64, "arm64" } };
	struct inspect_kho_test *kt = &s->kt;
	struct kho_error err = { 0 };
	struct kho_view quiet = in->view;
	int ret;

	kt->csum_state = -1;
	ret = kho_test_read(&in->view, s->phys, blob_size(s), kho_test_folio,
			    in, &kt->info, &err);
	if (ret) {
		problem(s, ret, &err);
		snprintf(kt->csum_note, sizeof(kt->csum_note),
			 "the blob was refused");
		return;
	}
	s->kind = INSPECT_KHO_TEST;
	if (kt->folio_bytes > INSPECT_CSUM_MAX) {
		snprintf(kt->csum_note, sizeof(kt->csum_note),
			 "folios larger than inspect sums (%llu MiB)",
			 INSPECT_CSUM_MAX >> 20);
		return;
	}
	/* The raw sum differs by architecture: whichever matches says it. */
	quiet.own = NULL;
	for (size_t i = 0; i < sizeof(archs) / sizeof(archs[0]); i++) {
		uint32_t csum = 0;

		ret = kho_test_verify(&quiet, s->phys, blob_size(s),
				      archs[i].arch, &csum, &err);
		if (!ret) {
			kt->csum_state = 1;
			kt->csum_arch = archs[i].name;
			return;
		}
		if (ret != -EBADMSG) {
			snprintf(kt->csum_note, sizeof(kt->csum_note),
				 "the folios cannot be read: %s",
				 strerror(-ret));
			return;
		}
		if (!i)
			kt->csum_found = csum;
	}
	kt->csum_state = 0;
	if (!s->problem[0])
		snprintf(s->problem, sizeof(s->problem),
			 "the kho-test checksum %#x does not match its folios "
			 "(x86_64 sums them to %#x)",
			 kt->info.csum, kt->csum_found);
}

/*
 * libkho's simulated guest memory ("folios" = {phys, order, hash} u64
 * triples) is not decoded, only attributed, so the picture can colour it.
 */
static void own_guest_folios(struct inspect *in, const void *fdt, int idx)
{
	int len;
	const uint64_t *gf = fdt_getprop(fdt, 0, "folios", &len);

	if (!gf || len < 0 || len % (3 * sizeof(*gf)))
		return;
	for (int i = 0; i < len / (int)(3 * sizeof(*gf)); i++) {
		uint64_t phys, order;

		memcpy(&phys, &gf[3 * i], sizeof(phys));
		memcpy(&order, &gf[3 * i + 1], sizeof(order));
		if (order + in->page_shift < 64)
			owner(in, idx, phys,
			      phys + (1ULL << (order + in->page_shift)));
	}
}

static void decode_subtree(struct inspect *in, struct inspect_subtree *s,
			   int idx)
{
	uint64_t page_size = 1ULL << in->page_shift;
	const struct fdt_header *h;
	const void *fdt = NULL;
	const char *c;
	int len;

	in->cur = s;
	in->cur_owner = idx;
	/* The whole blob, as kho_check_subtrees() judges it. */
	s->preserved =
		in->map_read && range_preserved(in, s->phys, blob_size(s));
	owner(in, idx, s->phys, s->phys + page_size);
	if (!memsrc_backed(&in->ms, s->phys, 1)) {
		snprintf(s->problem, sizeof(s->problem),
			 "the blob at %#" PRIx64 " is not in memory", s->phys);
		return;
	}
	if (!strcmp(s->name, KHO_KEXEC_METADATA_NAME)) {
		decode_kexec_metadata(in, s);
		return;
	}
	if (!strcmp(s->name, KHO_LUO_NAME)) {
		decode_luo(in, s);
		return;
	}
	h = view_map(in, s->phys, sizeof(*h));
	/* An FDT must be aligned; read the magic of any other bytes. */
	if (h && (s->phys & (KHO_FDT_ALIGN - 1))) {
		uint32_t magic;

		memcpy(&magic, h, sizeof(magic));
		if (fdt32_to_cpu(magic) == FDT_MAGIC)
			snprintf(s->problem, sizeof(s->problem),
				 "an FDT header at %#" PRIx64 ", which is not "
				 "%d-byte aligned as an FDT must be",
				 s->phys, KHO_FDT_ALIGN);
		return;
	}
	if (h && fdt_magic(h) == FDT_MAGIC &&
	    fdt_totalsize(h) <= INSPECT_FDT_MAX &&
	    fdt_totalsize(h) >= sizeof(*h)) {
		size_t size = fdt_totalsize(h);

		fdt = view_map(in, s->phys, size);
		if (fdt && (fdt_check_header(fdt) ||
			    fdt_version(fdt) < INSPECT_FDT_MIN_VERSION ||
			    fdt_check_full(fdt, size))) {
			fdt = NULL;
			snprintf(s->problem, sizeof(s->problem),
				 "an FDT header, but not a sound FDT of "
				 "version %d or later",
				 INSPECT_FDT_MIN_VERSION);
		}
	}
	if (!fdt)
		return;
	s->fdt_size = fdt_totalsize(fdt);
	owner(in, idx, s->phys, s->phys + s->fdt_size);
	c = fdt_getprop(fdt, 0, "compatible", &len);
	sim_clean_str(s->compatible, sizeof(s->compatible), c,
		      c && len > 0 ? (size_t)len : 0);
	if (!strcmp(s->compatible, INSPECT_GUEST_COMPATIBLE))
		own_guest_folios(in, fdt, idx);
	else if (!strcmp(s->compatible, KHO_MEMBLOCK_COMPATIBLE))
		decode_memblock(in, s);
	else if (!strcmp(s->compatible, KHO_MEMFD_COMPATIBLE))
		decode_memfd(in, s);
	else if (!strcmp(s->compatible, KHO_TEST_COMPATIBLE))
		decode_kho_test(in, s);
}

/*
 * Is the child at @node named as one before it? Kernel B finds a child by
 * name with fdt_subnode_offset() (kernel/liveupdate/kexec_handover.c:1661),
 * which stops at the first.
 */
static bool named_before(const void *fdt, const int *nodes, unsigned int nr,
			 int node)
{
	int len, l;
	const char *name = fdt_get_name(fdt, node, &len), *n;

	for (unsigned int i = 0; name && i < nr; i++) {
		n = fdt_get_name(fdt, nodes[i], &l);
		if (n && l == len && !memcmp(n, name, len))
			return true;
	}
	return false;
}

static void read_subtrees(struct inspect *in)
{
	const char *prop = in->abi->sub_prop;
	int node, *nodes = NULL;
	unsigned int cap = 0;

	fdt_for_each_subnode(node, in->fdt, 0)
	{
		struct inspect_subtree *s;
		int len;
		const char *name = fdt_get_name(in->fdt, node, &len);
		void *p;

		if (in->nr_subtrees == INSPECT_MAX_SUBTREES) {
			in->unread_subtrees++;
			continue;
		}
		if (!in->subtrees || in->nr_subtrees == cap) {
			cap = in->subtrees ? 2 * cap : 8;
			p = realloc(in->subtrees, cap * sizeof(*in->subtrees));
			if (!p) {
				oom(in);
				break;
			}
			in->subtrees = p;
			p = realloc(nodes, cap * sizeof(*nodes));
			if (!p) {
				oom(in);
				break;
			}
			nodes = p;
		}
		s = &in->subtrees[in->nr_subtrees];
		memset(s, 0, sizeof(*s));
		s->duplicate =
			named_before(in->fdt, nodes, in->nr_subtrees, node);
		nodes[in->nr_subtrees++] = node;
		sim_clean_str(s->name, sizeof(s->name), name,
			      name && len > 0 ? (size_t)len : 0);
		/* Newer kernels also say how large the blob is. */
		s->has_blob_size = !fdt_u64(
			in->fdt, node, INSPECT_BLOB_SIZE_PROP, &s->blob_size);
		s->has_phys = !fdt_u64(in->fdt, node, prop, &s->phys);
		if (!s->has_phys) {
			snprintf(s->problem, sizeof(s->problem),
				 "%s is missing or not 8 bytes", prop);
			continue;
		}
		decode_subtree(in, s, in->nr_subtrees - 1);
		/* kho_retrieve_subtree() of kho-v4 refuses such a child. */
		if (in->abi->size_required && !s->has_blob_size &&
		    !s->problem[0])
			snprintf(s->problem, sizeof(s->problem),
				 "no 8-byte %s: %s's kernels cannot retrieve "
				 "this child",
				 in->abi->size_prop, in->abi->name);
	}
	free(nodes);
	in->cur = NULL;
	in->cur_owner = -1;
}

static bool blob_in_ranges(uint64_t phys, uint64_t size, void *arg)
{
	return range_preserved(arg, phys, size);
}

/*
 * Kernel B's last check before it reserves anything: each subtree's blob
 * named soundly and in preserved memory, judged by the library over the
 * ranges the walk found. A broken child is a warning, as there: only its
 * owner fails. After read_subtrees(), so that the report still says which
 * blob is preserved.
 */
static void check_blobs(struct inspect *in)
{
	kho_check_subtrees(in->fdt, in->abi, blob_in_ranges, in, &in->warn);
}

/* ---- reading it all ------------------------------------------------------------ */
/*
 * Split one scratch list on newlines (the last may lack one) and parse
 * each line. A NUL byte is refused: a line is its bytes, not a C string's
 * prefix. Text that is shown goes through sim_clean_str().
 */
static int parse_scratch_list(struct inspect *in, const char *path,
			      const char *text, size_t len, uint64_t *vals,
			      unsigned int *count)
{
	unsigned int n = 0;
	size_t pos = 0;

	while (pos < len) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - line) : len - pos;
		const char *nul = memchr(line, '\0', ll);
		char shown[36], num[33];
		const char *end;
		int err;

		pos += ll + (nl ? 1 : 0);
		if (n == INSPECT_SCRATCH_MAX)
			return sim_fail(&in->err, -E2BIG,
					"%s lists more than %d areas", path,
					INSPECT_SCRATCH_MAX);
		sim_clean_str(shown, sizeof(shown), line,
			      nul ? (size_t)(nul - line) : ll);
		if (nul)
			return sim_fail(&in->err, -EINVAL,
					"%s:%u: the line holds a NUL byte "
					"(after \"%s\")",
					path, n + 1, shown);
		if (ll >= sizeof(num))
			return sim_fail(&in->err, -EINVAL,
					"%s:%u: \"%s\" is longer than a hex "
					"number",
					path, n + 1, shown);
		memcpy(num, line, ll);
		num[ll] = '\0';
		/*
		 * Linux writes "0x%llx\n" (kexec_handover_debugfs.c:83,
		 * :92): hex, the 0x optional; no sign, no blank, no wrap.
		 */
		err = sim_parse_number(num, 16, &vals[n], &end);
		if (!err && *end)
			err = -EINVAL;
		if (err)
			return sim_fail(
				&in->err, -EINVAL,
				err == -ERANGE ?
					"%s:%u: \"%s\" is larger than "
					"2^64 - 1" :
					"%s:%u: \"%s\" is not a hex "
					"number (hex digits, 0x optional)",
				path, n + 1, shown);
		n++;
	}
	*count = n;
	return 0;
}

/*
 * Linux's debugfs lists the running kernel's scratch areas in
 * kho/out/scratch_phys and kho/out/scratch_len, one hex number a line, and
 * always at least one (kho_scratch_cnt counts a lowmem area, a global one
 * and one per node: kernel/liveupdate/kexec_handover.c:843).
 */
static int read_scratch_dir(struct inspect *in, const char *dir)
{
	const char *names[2] = { "scratch_phys", "scratch_len" };
	uint64_t *vals[2] = { NULL, NULL };
	unsigned int n[2] = { 0, 0 };
	int ret = 0;

	for (int k = 0; k < 2 && !ret; k++) {
		char path[4200], *text = NULL;
		size_t len = 0;

		snprintf(path, sizeof(path), "%s/%s", dir, names[k]);
		/* Linux's lists are at most 19 bytes a line (kexec_handover_debugfs.c:83). */
		ret = sim_read_file(path, INSPECT_SCRATCH_TEXT_MAX, &text, &len,
				    &in->err);
		if (ret)
			break;
		vals[k] = calloc(INSPECT_SCRATCH_MAX, sizeof(uint64_t));
		if (!vals[k])
			ret = sim_fail(&in->err, -ENOMEM, "out of memory");
		else
			ret = parse_scratch_list(in, path, text, len, vals[k],
						 &n[k]);
		free(text);
	}
	if (!ret && !n[0] && !n[1])
		ret = sim_fail(&in->err, -EINVAL,
			       "%s: scratch_phys and scratch_len list no "
			       "scratch areas; Linux lists at least one",
			       dir);
	if (!ret && n[0] != n[1])
		ret = sim_fail(
			&in->err, -EINVAL,
			"%s: scratch_phys lists %u areas, scratch_len %u", dir,
			n[0], n[1]);
	if (!ret) {
		in->scratch = calloc(n[0], sizeof(*in->scratch));
		if (!in->scratch)
			ret = sim_fail(&in->err, -ENOMEM, "out of memory");
		for (unsigned int i = 0; !ret && i < n[0]; i++)
			in->scratch[i] =
				(struct kho_scratch){ vals[0][i], vals[1][i] };
		if (!ret)
			in->nr_scratch = n[0];
	}
	free(vals[0]);
	free(vals[1]);
	return ret;
}

static int read_scratch(struct inspect *in)
{
	const struct kho_data *kd = &in->ms.handover;
	uint64_t n = kd->scratch_size / sizeof(struct kho_scratch);

	if (!n || kd->scratch_size % sizeof(struct kho_scratch) ||
	    n > INSPECT_SCRATCH_MAX)
		return refuse(in, -EINVAL,
			      "the scratch array's size %" PRIu64
			      " is not a small non-zero multiple of %zu bytes",
			      (uint64_t)kd->scratch_size,
			      sizeof(struct kho_scratch));
	in->scratch = calloc(n, sizeof(*in->scratch));
	if (!in->scratch) {
		oom(in);
		return -ENOMEM;
	}
	if (memsrc_read(&in->ms, kd->scratch_addr, in->scratch,
			kd->scratch_size, &in->err)) {
		free(in->scratch);
		in->scratch = NULL;
		return refuse(in, -EFAULT, "the scratch array: %s",
			      in->err.msg);
	}
	in->nr_scratch = n;
	return 0;
}
static void set_page_size(struct inspect *in, const struct inspect_opts *o)
{
	if (o->page_shift) {
		in->page_shift = o->page_shift;
		in->page_size_from = "--page-size";
	} else if (in->ms.page_shift) {
		in->page_shift = in->ms.page_shift;
		in->page_size_from = in->ms.kind == MEMSRC_MACHINE ?
					     "machine.conf" :
					     "VMCOREINFO";
	} else if (in->ms.kind == MEMSRC_KCORE ||
		   in->ms.kind == MEMSRC_DEVMEM) {
		long ps = sysconf(_SC_PAGESIZE);

		in->page_shift = KHO_PAGE_SHIFT_MIN;
		for (unsigned int s = KHO_PAGE_SHIFT_MIN;
		     s <= KHO_PAGE_SHIFT_MAX; s += 2)
			if (ps == 1L << s)
				in->page_shift = s;
		in->page_size_from = "this machine's";
	} else {
		in->page_shift = KHO_PAGE_SHIFT_MIN;
		in->page_size_from = "default; --page-size sets it";
	}
	kho_geometry_init(&in->geo, in->page_shift);
}

/* kernel B's environment over the page cache: what kho_populate() reads. */
static struct kho_page inspect_any_page;

static uint64_t no_virt_to_phys(void *ctx, const void *va)
{
	return KHO_ERR_NO_ADDR;
}

static struct kho_page *backed_page(void *ctx, uint64_t pfn)
{
	struct inspect *in = ctx;

	if (pfn > UINT64_MAX >> in->page_shift ||
	    !memsrc_backed(&in->ms, pfn << in->page_shift,
			   1ULL << in->page_shift))
		return NULL;
	return &inspect_any_page;
}

static void no_free_pages(void *ctx, void *va, unsigned int order)
{
}

/*
 * The scratch areas, from the handover record or a debugfs directory,
 * judged as kernel B judges them, in its words: a root FDT given with
 * --fdt skips populate_check(), and a debugfs directory has no record.
 */
static int judge_scratch(struct inspect *in)
{
	const struct kho_env_ops ops = {
		.mem = { .ctx = in },
		.pfn_to_page = backed_page,
	};
	struct kho_error err;
	char what[sizeof(in->reason) - 32];

	if (!kho_check_scratch(&in->geo, &ops, in->scratch, in->nr_scratch,
			       &err, &in->warn))
		return 0;
	kho_error_describe(&err, what, sizeof(what));
	return refuse(in, err.code, "%s", what);
}

/*
 * kernel B's phys_to_virt() for populate_check(): an address inside a
 * span (a copy of memory across pages) maps into the copy, any other
 * through the page cache.
 */
static void *populate_phys_to_virt(void *ctx, uint64_t pa)
{
	struct inspect *in = ctx;
	Word_t start = pa;
	PPvoid_t slot = JudyLLast(in->spans, &start, PJE0);

	if (slot && pa - start < ((struct inspect_span *)*slot)->len)
		return ((struct inspect_span *)*slot)->data + (pa - start);
	return cache_phys_to_virt(in, pa);
}

/*
 * The cache holds pages apart, but Linux reads the root FDT and the
 * scratch array wherever they lie: either one that crosses a page is read
 * whole into a span first, so that kho_populate() maps it as one range.
 * What is not in memory is left to kho_populate() to say.
 */
static void span_if_across(struct inspect *in, uint64_t phys, uint64_t len)
{
	uint64_t mask = (1ULL << in->page_shift) - 1;

	if (len > 1 && len <= INSPECT_SPAN_MAX &&
	    (phys & mask) + len > mask + 1)
		view_map(in, phys, len);
}

/*
 * A pending handover is first taken exactly as kernel B takes it
 * (kho_populate(): root FDT, version, memory map, scratch array), so a
 * refusal says what `kho boot` would say, word for word. kho-v1, which
 * kernel B does not boot, is left to inspect's own reader.
 */
static int populate_check(struct inspect *in)
{
	const struct kho_data *kd = &in->ms.handover;
	struct kho_env_ops ops = {
		.mem = { .phys_to_virt = populate_phys_to_virt,
			 .virt_to_phys = no_virt_to_phys,
			 .ctx = in },
		.free_pages = no_free_pages,
		.pfn_to_page = backed_page,
	};
	struct kho_in *kin = calloc(1, sizeof(*kin));
	const uint64_t page = 1ULL << in->page_shift;
	struct kho_geometry geo;
	int ret;

	if (!kin)
		return sim_fail(&in->err, -ENOMEM, "out of memory");
	kho_geometry_init(&geo, in->page_shift);
	/* kho_populate() maps at most a page of the FDT, all the array. */
	span_if_across(in, kd->fdt_addr,
		       kd->fdt_size < page ? kd->fdt_size : page);
	if (kd->scratch_size <=
	    INSPECT_SCRATCH_MAX * (uint64_t)sizeof(struct kho_scratch))
		span_if_across(in, kd->scratch_addr, kd->scratch_size);
	ret = kho_populate(kin, &geo, &ops, kd->fdt_addr, kd->fdt_size,
			   kd->scratch_addr, kd->scratch_size);
	if (ret && !(kin->abi && kin->abi->mem_map == KHO_MEM_MAP_CHUNKS)) {
		kho_error_format(&kin->err, in->reason, sizeof(in->reason));
		in->code = ret;
		in->valid = false;
		if (kin->abi) {
			in->abi = kin->abi;
			in->version = kin->abi->abi;
		}
		ret = 1;
	} else {
		ret = 0;
	}
	/* The adopted tree is only forgotten: its pages are the cache's. */
	kho_in_destroy(kin);
	free(kin);
	return ret;
}

/*
 * A machine directory's record, checked as kho boot checks it before
 * kho_populate() (sim_check_handover_record(), on machine.conf's RAM
 * ranges: a machine's segments are those ranges), so that a refusal is the
 * sentence kho boot prints. Other sources have no kho boot: kernel B's
 * kho_populate() alone judges their record.
 */
static int record_check(struct inspect *in)
{
	struct kho_mem_region *ram;
	struct sim_error e = { "" };
	int ret;

	ram = calloc(in->ms.nr_seg, sizeof(*ram));
	if (!ram)
		return sim_fail(&in->err, -ENOMEM, "out of memory");
	for (unsigned int i = 0; i < in->ms.nr_seg; i++)
		ram[i] = (struct kho_mem_region){ in->ms.seg[i].start,
						  in->ms.seg[i].end };
	ret = sim_check_handover_record(&in->ms.handover, ram, in->ms.nr_seg,
					&e);
	free(ram);
	if (!ret)
		return 0;
	snprintf(in->reason, sizeof(in->reason), "%s", e.msg);
	in->code = ret;
	in->valid = false;
	return 1;
}

int inspect_run(struct inspect *in, const struct inspect_opts *o)
{
	int ret;

	in->source = o->mem;
	ret = memsrc_open(&in->ms, o->mem, &in->err);
	if (ret)
		return ret;
	set_page_size(in, o);
	in->view = (struct kho_view){
		.map = view_map,
		.own = view_own,
		.ctx = in,
		.page_shift = in->page_shift,
		.scratch_alloc = view_scratch_alloc,
		.scratch_free = view_scratch_free,
	};
	in->cur_owner = -1;
	if (o->handover) {
		ret = sim_handover_read_file(o->handover, &in->ms.handover,
					     &in->err);
		if (ret)
			return ret;
		in->ms.has_handover = true;
	}
	if (!o->fdt && in->ms.has_handover) {
		ret = in->ms.kind == MEMSRC_MACHINE ? record_check(in) : 0;
		if (!ret)
			ret = populate_check(in);
		if (ret) {
			/* Show what can be shown; the verdict stays kernel B's. */
			if (ret > 0)
				read_fdt_mem(in, in->ms.handover.fdt_addr,
					     in->ms.handover.fdt_size);
			return ret;
		}
	}
	if (o->fdt)
		ret = read_fdt_file(in, o->fdt);
	else if (in->ms.has_handover)
		ret = read_fdt_mem(in, in->ms.handover.fdt_addr,
				   in->ms.handover.fdt_size);
	else
		ret = sim_fail(
			&in->err, -ENOENT,
			"%s holds no pending handover: give the root FDT "
			"with --fdt FILE (Linux: /sys/kernel/debug/kho/out/fdt "
			"or in/fdt)",
			o->mem);
	if (ret)
		return ret;
	in->valid = true;
	if (check_root(in))
		return 1;
	if (o->scratch && !in->ms.has_handover) {
		ret = read_scratch_dir(in, o->scratch);
		if (ret)
			return ret;
	}
	if (in->ms.has_handover && read_scratch(in))
		return 1;
	if (judge_scratch(in))
		return 1;
	if (in->version >= KHO_ABI_V2)
		ret = read_v2(in);
	else
		ret = inspect_v1_read(in, o->v1_bitmap == UINT32_MAX ?
						  1U << in->page_shift :
						  o->v1_bitmap);
	if (ret) {
		if (in->version == 1)
			refuse(in, ret, "%s", in->reason);
		in->valid = false;
	}
	in->map_read = in->valid;
	read_subtrees(in);
	if (in->valid)
		check_blobs(in);
	return in->valid ? 0 : 1;
}

void inspect_free(struct inspect *in)
{
	if (in->attached)
		kho_radix_destroy(&in->radix);
	cache_free(in);
	memsrc_close(&in->ms);
	free(in->fdt);
	free(in->scratch);
	free(in->ranges);
	free(in->meta);
	free(in->v1_runs);
	free(in->owners);
	for (unsigned int i = 0; i < in->nr_subtrees; i++) {
		free(in->subtrees[i].sessions);
		free(in->subtrees[i].files);
		free(in->subtrees[i].flbs);
	}
	free(in->subtrees);
}
