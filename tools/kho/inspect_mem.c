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
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libfdt.h>

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
/* The validator's page bitmap: 1 GiB covers 32 TiB of 4 KiB pages. */
#define INSPECT_SEEN_MAX (1ULL << 30)
/* Ranges shown in text output; --json lists them all. */
#define INSPECT_TEXT_RANGES 32
/* Subtree property of newer kernels: the blob's size in bytes (u64). */
#define INSPECT_BLOB_SIZE_PROP "blob-size"
/* libkho's simulated guest memory (clients/guest.c). */
#define INSPECT_GUEST_COMPATIBLE "guest-memory-v1"
/* memfd folio entries read to attribute memory to the file. */
#define INSPECT_MEMFD_MAX_FOLIOS (1U << 22)
/* ... the chunks of its folio array, and the size of one array block. */
#define INSPECT_MEMFD_MAX_CHUNKS 4096U
#define INSPECT_MEMFD_BLOCK_LOG2 24

/* ---- small helpers ------------------------------------------------------- */

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

void *u64_map_get(const struct u64_map *m, uint64_t key)
{
	if (!m->cap)
		return NULL;
	for (uint64_t i = mix64(key) & (m->cap - 1);;
	     i = (i + 1) & (m->cap - 1)) {
		if (!m->vals[i])
			return NULL;
		if (m->keys[i] == key)
			return m->vals[i];
	}
}

int u64_map_put(struct u64_map *m, uint64_t key, void *val)
{
	uint64_t i;

	if ((m->nr + 1) * 2 > m->cap) {
		struct u64_map n = { .cap = m->cap ? m->cap * 2 : 64 };

		n.keys = calloc(n.cap, sizeof(*n.keys));
		n.vals = calloc(n.cap, sizeof(*n.vals));
		if (!n.keys || !n.vals) {
			free(n.keys);
			free(n.vals);
			return -ENOMEM;
		}
		for (i = 0; i < m->cap; i++)
			if (m->vals[i])
				u64_map_put(&n, m->keys[i], m->vals[i]);
		u64_map_free(m);
		*m = n;
	}
	for (i = mix64(key) & (m->cap - 1); m->vals[i] && m->keys[i] != key;
	     i = (i + 1) & (m->cap - 1))
		;
	if (!m->vals[i])
		m->nr++;
	m->keys[i] = key;
	m->vals[i] = val;
	return 0;
}

void u64_map_free(struct u64_map *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

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

static int refuse(struct inspect *in, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Record the verdict: "KHO handover refused: <what>". */
static int refuse(struct inspect *in, int code, const char *fmt, ...)
{
	char what[sizeof(in->reason) - 32];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(in->reason, sizeof(in->reason), "KHO handover refused: %s",
		 what);
	in->code = code;
	in->valid = false;
	return code;
}

/* ---- the page cache the radix library reads through --------------------- */

/*
 * Each page the tree code asks for is read once and kept until the end:
 * the library holds pointers to the nodes of a path while it descends, so
 * nothing may be evicted. Only tree nodes go through here.
 */
static void *cache_phys_to_virt(void *ctx, uint64_t pa)
{
	struct inspect *in = ctx;
	uint64_t mask = (1ULL << in->page_shift) - 1, page = pa & ~mask;
	uint8_t *p = u64_map_get(&in->cache, page);

	if (p)
		return p + (pa & mask);
	if (!memsrc_backed(&in->ms, page, mask + 1))
		return NULL;
	p = aligned_alloc(mask + 1, mask + 1);
	if (!p)
		return NULL;
	if (memsrc_read(&in->ms, page, p, mask + 1, &in->err) ||
	    u64_map_put(&in->cache, page, p)) {
		free(p);
		return NULL;
	}
	return p + (pa & mask);
}

static void cache_free(struct inspect *in)
{
	for (uint64_t i = 0; i < in->cache.cap; i++)
		free(in->cache.vals[i]);
	u64_map_free(&in->cache);
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

static int read_fdt_file(struct inspect *in, const char *path)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return sim_fail(&in->err, -errno, "cannot open %s: %s", path,
				strerror(errno));
	in->fdt = malloc(INSPECT_FDT_MAX);
	if (!in->fdt) {
		fclose(f);
		return sim_fail(&in->err, -ENOMEM, "out of memory");
	}
	n = fread(in->fdt, 1, INSPECT_FDT_MAX, f);
	if (ferror(f)) {
		fclose(f);
		return sim_fail(&in->err, -EIO, "cannot read %s", path);
	}
	fclose(f);
	in->fdt_len = n;
	in->fdt_phys = KHO_ERR_NO_ADDR;
	snprintf(in->fdt_name, sizeof(in->fdt_name), "%s", path);
	return check_fdt_blob(in->fdt, n, path, &in->err);
}

static int read_fdt_mem(struct inspect *in, uint64_t phys, uint64_t size)
{
	char where[64];
	int ret;

	snprintf(where, sizeof(where), "the root FDT at %#" PRIx64, phys);
	if (!size || size > INSPECT_FDT_MAX)
		return sim_fail(&in->err, -EINVAL,
				"%s: the handover gives its size as %" PRIu64
				" bytes",
				where, size);
	in->fdt = malloc(size);
	if (!in->fdt)
		return sim_fail(&in->err, -ENOMEM, "out of memory");
	ret = memsrc_read(&in->ms, phys, in->fdt, size, &in->err);
	if (ret)
		return ret;
	in->fdt_len = size;
	in->fdt_phys = phys;
	snprintf(in->fdt_name, sizeof(in->fdt_name), "memory at %#" PRIx64,
		 phys);
	return check_fdt_blob(in->fdt, size, where, &in->err);
}

/* Kernel B's checks of the root node; sets version and map_phys. */
static int check_root(struct inspect *in)
{
	const void *map;
	int len;

	const struct kho_abi_version *v;
	unsigned int i = 0;

	while ((v = kho_abi_for_each(&i))) {
		if (!fdt_node_check_compatible(in->fdt, 0, v->name))
			break;
	}
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
	if (!ram)
		return refuse(in, -ENOMEM, "out of memory");
	words = kho_tree_check_words(ram, chk.nr_ram, in->page_shift);
	if (words > INSPECT_SEEN_MAX / sizeof(uint64_t)) {
		free(ram);
		return refuse(in, -E2BIG,
			      "%s claims %" PRIu64 " pages of RAM, more than "
			      "inspect checks (%llu)",
			      in->source, words * 64,
			      (unsigned long long)INSPECT_SEEN_MAX * 8);
	}
	chk.ram = ram;
	chk.scratch = in->scratch;
	chk.nr_scratch = in->nr_scratch;
	chk.seen = calloc(words ? words : 1, sizeof(uint64_t));
	if (!chk.seen) {
		free(ram);
		return refuse(in, -ENOMEM,
			      "out of memory for a bitmap of %" PRIu64
			      " RAM pages",
			      words * 64);
	}
	ret = kho_radix_validate(&in->radix, &chk);
	free(chk.seen);
	free(ram);
	if (ret) {
		int n = kho_error_format(&chk.err, in->reason,
					 sizeof(in->reason));

		/* Name the source when it lacks the memory, not the tree. */
		if (chk.err.phys != KHO_ERR_NO_ADDR && n > 0 &&
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

	if (!in->valid)
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

static bool in_ranges(const struct inspect *in, uint64_t pa)
{
	uint64_t lo = 0, hi = in->nr_ranges;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (pa < in->ranges[mid].start)
			hi = mid;
		else if (pa >= in->ranges[mid].end)
			lo = mid + 1;
		else
			return true;
	}
	return false;
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

static void copy_str(char *dst, size_t len, const char *src, int srclen)
{
	size_t n = 0;

	for (; src && (int)n < srclen && n + 1 < len && src[n]; n++)
		dst[n] = (src[n] >= 0x20 && src[n] < 0x7f) ? src[n] : '?';
	dst[n] = '\0';
}

static void owner(struct inspect *in, int idx, uint64_t start, uint64_t end)
{
	if (end > start)
		inspect_add_extent(&in->owners, &in->nr_owners, start, end,
				   idx);
}

static void decode_kexec_metadata(struct inspect *in, struct inspect_subtree *s)
{
	struct kho_kexec_metadata km;

	if (memsrc_read(&in->ms, s->phys, &km, sizeof(km), &in->err)) {
		snprintf(s->problem, sizeof(s->problem), "%s", in->err.msg);
		return;
	}
	s->kind = INSPECT_KEXEC_METADATA;
	s->km.version = km.version;
	s->km.kexec_count = km.kexec_count;
	copy_str(s->km.previous_release, sizeof(s->km.previous_release),
		 km.previous_release, KHO_KEXEC_RELEASE_LEN);
	if (km.version != KHO_KEXEC_METADATA_VERSION)
		snprintf(s->problem, sizeof(s->problem),
			 "version %u, this reader knows %u", km.version,
			 KHO_KEXEC_METADATA_VERSION);
}

static void decode_memblock(struct inspect *in, struct inspect_subtree *s,
			    const void *fdt, int idx)
{
	int node;

	s->kind = INSPECT_MEMBLOCK;
	fdt_for_each_subnode(node, fdt, 0)
	{
		uint64_t start, size;
		int len;
		const char *name = fdt_get_name(fdt, node, &len);

		if (fdt_node_check_compatible(fdt, node,
					      KHO_RESERVE_MEM_COMPATIBLE) ||
		    fdt_u64(fdt, node, "start", &start) ||
		    fdt_u64(fdt, node, "size", &size)) {
			snprintf(
				s->problem, sizeof(s->problem),
				"region %.32s lacks compatible " KHO_RESERVE_MEM_COMPATIBLE
				", start or size",
				name ? name : "?");
			continue;
		}
		s->total_regions++;
		owner(in, idx, start,
		      start + size < start ? UINT64_MAX : start + size);
		if (s->nr_regions == INSPECT_MAX_REGIONS)
			continue;
		copy_str(s->regions[s->nr_regions].name, INSPECT_NAME_LEN, name,
			 len);
		s->regions[s->nr_regions].start = start;
		s->regions[s->nr_regions].size = size;
		s->nr_regions++;
	}
}

/* struct kho_memfd_ser and its vmalloc'ed folio array. */
static void decode_memfd(struct inspect *in, struct inspect_subtree *s,
			 const void *fdt, int idx)
{
	uint64_t page_size = 1ULL << in->page_shift, chunk, block_size;
	uint64_t left, per_chunk = KHO_VMALLOC_SIZE_OF(in->page_shift);
	struct kho_memfd_folio_ser *fs = NULL;
	struct u64_map seen = { 0 };
	uint64_t *ck = NULL;

	if (fdt_u64(fdt, 0, "data", &s->memfd_phys)) {
		snprintf(s->problem, sizeof(s->problem),
			 "no 8-byte data property");
		return;
	}
	if (memsrc_read(&in->ms, s->memfd_phys, &s->memfd, sizeof(s->memfd),
			&in->err)) {
		snprintf(s->problem, sizeof(s->problem), "%s", in->err.msg);
		return;
	}
	s->kind = INSPECT_MEMFD;
	owner(in, idx, s->memfd_phys, s->memfd_phys + sizeof(s->memfd));
	if (s->memfd.folios.order + in->page_shift > INSPECT_MEMFD_BLOCK_LOG2) {
		snprintf(s->problem, sizeof(s->problem),
			 "folio array blocks of order %u are too large to read",
			 s->memfd.folios.order);
		return;
	}
	block_size = page_size << s->memfd.folios.order;
	left = s->memfd.nr_folios < INSPECT_MEMFD_MAX_FOLIOS ?
		       s->memfd.nr_folios :
		       INSPECT_MEMFD_MAX_FOLIOS;
	ck = malloc(page_size);
	fs = malloc(block_size);
	if (!ck || !fs)
		goto out;
	for (chunk = s->memfd.folios.first; chunk; chunk = ck[0]) {
		if (seen.nr == INSPECT_MEMFD_MAX_CHUNKS) {
			snprintf(s->problem, sizeof(s->problem),
				 "the folio array has more than %u chunks",
				 INSPECT_MEMFD_MAX_CHUNKS);
			break;
		}
		if (u64_map_get(&seen, chunk) ||
		    u64_map_put(&seen, chunk, ck)) {
			snprintf(s->problem, sizeof(s->problem),
				 "folio chunk list loops at %#" PRIx64, chunk);
			break;
		}
		if (memsrc_read(&in->ms, chunk, ck, page_size, &in->err)) {
			snprintf(s->problem, sizeof(s->problem), "%s",
				 in->err.msg);
			break;
		}
		owner(in, idx, chunk, chunk + page_size);
		for (uint64_t i = 1; i <= per_chunk && ck[i]; i++) {
			uint64_t n = block_size / sizeof(*fs);

			owner(in, idx, ck[i], ck[i] + block_size);
			if (!left)
				continue;
			if (memsrc_read(&in->ms, ck[i], fs, block_size,
					&in->err)) {
				snprintf(s->problem, sizeof(s->problem), "%s",
					 in->err.msg);
				left = 0;
				continue;
			}
			for (uint64_t j = 0; j < n && left; j++, left--) {
				uint64_t pa = (uint64_t)fs[j].pfn
					      << in->page_shift;

				s->memfd_entries++;
				owner(in, idx, pa, pa + page_size);
			}
		}
	}
	if (!s->problem[0] && s->memfd_entries != s->memfd.nr_folios &&
	    s->memfd.nr_folios <= INSPECT_MEMFD_MAX_FOLIOS)
		snprintf(s->problem, sizeof(s->problem),
			 "nr_folios is %" PRIu64
			 " but the folio array holds %" PRIu64,
			 (uint64_t)s->memfd.nr_folios, s->memfd_entries);
out:
	u64_map_free(&seen);
	free(ck);
	free(fs);
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
	struct fdt_header h;
	void *fdt = NULL;
	const char *c;
	int len;

	s->preserved = in->valid && in_ranges(in, s->phys);
	owner(in, idx, s->phys, s->phys + page_size);
	if (!memsrc_backed(&in->ms, s->phys, sizeof(h))) {
		snprintf(s->problem, sizeof(s->problem),
			 "the blob at %#" PRIx64 " is not in memory", s->phys);
		return;
	}
	if (!memsrc_read(&in->ms, s->phys, &h, sizeof(h), NULL) &&
	    fdt_magic(&h) == FDT_MAGIC &&
	    fdt_totalsize(&h) <= INSPECT_FDT_MAX &&
	    fdt_totalsize(&h) >= sizeof(h) &&
	    memsrc_backed(&in->ms, s->phys, fdt_totalsize(&h))) {
		size_t size = fdt_totalsize(&h);

		/* Checked as read: live memory may change between reads. */
		fdt = malloc(size);
		if (fdt &&
		    (memsrc_read(&in->ms, s->phys, fdt, size, NULL) ||
		     fdt_check_header(fdt) ||
		     fdt_version(fdt) < INSPECT_FDT_MIN_VERSION ||
		     fdt_totalsize(fdt) != size || fdt_check_full(fdt, size))) {
			free(fdt);
			fdt = NULL;
			snprintf(s->problem, sizeof(s->problem),
				 "an FDT header, but not a sound FDT of "
				 "version %d or later",
				 INSPECT_FDT_MIN_VERSION);
		}
	}
	if (!fdt) {
		if (!strcmp(s->name, KHO_KEXEC_METADATA_NAME))
			decode_kexec_metadata(in, s);
		return;
	}
	s->fdt_size = fdt_totalsize(fdt);
	owner(in, idx, s->phys, s->phys + s->fdt_size);
	c = fdt_getprop(fdt, 0, "compatible", &len);
	copy_str(s->compatible, sizeof(s->compatible), c, c ? len : 0);
	if (!strcmp(s->compatible, INSPECT_GUEST_COMPATIBLE))
		own_guest_folios(in, fdt, idx);
	else if (!strcmp(s->compatible, KHO_MEMBLOCK_COMPATIBLE))
		decode_memblock(in, s, fdt, idx);
	else if (!strcmp(s->compatible, KHO_MEMFD_COMPATIBLE))
		decode_memfd(in, s, fdt, idx);
	free(fdt);
}

static void read_subtrees(struct inspect *in)
{
	const char *prop = in->abi->sub_prop;
	int node;

	fdt_for_each_subnode(node, in->fdt, 0)
	{
		struct inspect_subtree *s;
		int len;
		const char *name = fdt_get_name(in->fdt, node, &len);

		if (in->nr_subtrees == INSPECT_MAX_SUBTREES)
			break;
		s = &in->subtrees[in->nr_subtrees++];
		copy_str(s->name, sizeof(s->name), name, name ? len : 0);
		/* Newer kernels also say how large the blob is. */
		if (fdt_u64(in->fdt, node, INSPECT_BLOB_SIZE_PROP,
			    &s->blob_size))
			s->blob_size = KHO_ERR_NO_ADDR;
		if (fdt_u64(in->fdt, node, prop, &s->phys)) {
			s->phys = KHO_ERR_NO_ADDR;
			snprintf(s->problem, sizeof(s->problem),
				 "%s is missing or not 8 bytes", prop);
			continue;
		}
		decode_subtree(in, s, in->nr_subtrees - 1);
	}
}

/* ---- text output -------------------------------------------------------------- */

static void print_subtree(FILE *out, const struct inspect *in,
			  const struct inspect_subtree *s, bool first)
{
	char b[32];

	fprintf(out, "  %-14s%-16s", first ? "subtrees" : "", s->name);
	if (s->phys == KHO_ERR_NO_ADDR) {
		fprintf(out, " %s\n", s->problem);
		return;
	}
	fprintf(out, " at %#" PRIx64, s->phys);
	if (s->blob_size != KHO_ERR_NO_ADDR)
		fprintf(out, ", blob-size %" PRIu64, s->blob_size);
	if (s->fdt_size)
		fprintf(out, " (%s%sFDT %u bytes)", s->compatible,
			s->compatible[0] ? ", " : "",
			(unsigned int)s->fdt_size);
	if (in->valid)
		fprintf(out, ", %s",
			s->preserved ? "preserved" : "NOT PRESERVED");
	switch (s->kind) {
	case INSPECT_KEXEC_METADATA:
		fprintf(out,
			": version %u, previous release \"%s\", kexec count %u",
			s->km.version, s->km.previous_release,
			s->km.kexec_count);
		break;
	case INSPECT_MEMBLOCK:
		fprintf(out, ": %u reserve_mem region%s", s->total_regions,
			s->total_regions == 1 ? "" : "s");
		break;
	case INSPECT_MEMFD:
		fprintf(out,
			": memfd-v1 at %#" PRIx64 ", size %s, pos %" PRIu64
			", %" PRIu64
			" folios (array: %u pages of order %u at %#" PRIx64 ")",
			s->memfd_phys, fmt_bytes(s->memfd.size, b, sizeof(b)),
			(uint64_t)s->memfd.pos, (uint64_t)s->memfd.nr_folios,
			s->memfd.folios.total_pages, s->memfd.folios.order,
			(uint64_t)s->memfd.folios.first);
		break;
	case INSPECT_BLOB:
		break;
	}
	fprintf(out, "\n");
	for (unsigned int i = 0; i < s->nr_regions; i++)
		fprintf(out,
			"  %-14s  region %-16s 0x%012" PRIx64 "-0x%012" PRIx64
			" %s\n",
			"", s->regions[i].name, s->regions[i].start,
			s->regions[i].start + s->regions[i].size,
			fmt_bytes(s->regions[i].size, b, sizeof(b)));
	if (s->problem[0])
		fprintf(out, "  %-14s  note: %s\n", "", s->problem);
}

static void print_text(FILE *out, struct inspect *in)
{
	struct kho_radix_stats st = in->tree;
	char b[32];

	fprintf(out, "handover in %s, memory %s (%s): %s", in->fdt_name,
		in->source, memsrc_kind_name(in->ms.kind),
		in->valid ? "accepted" : "REFUSED");
	if (in->version)
		fprintf(out, " (kho-v%d, %llu KiB pages)", in->version,
			(1ULL << in->page_shift) >> 10);
	fprintf(out, "\n");
	fprintf(out, "  %-14s%s, %zu bytes\n", "root FDT", in->fdt_name,
		in->fdt ? (size_t)fdt_totalsize(in->fdt) : 0);
	fprintf(out, "  %-14s%s (%s)\n", "page size",
		fmt_bytes(1ULL << in->page_shift, b, sizeof(b)),
		in->page_size_from);
	for (unsigned int i = 0; i < in->ms.nr_ram; i++)
		fprintf(out, "  %-14s0x%012" PRIx64 "-0x%012" PRIx64 " %s\n",
			i ? "" : "memory", in->ms.ram[i].start,
			in->ms.ram[i].end,
			fmt_bytes(in->ms.ram[i].end - in->ms.ram[i].start, b,
				  sizeof(b)));
	for (unsigned int i = 0; i < in->nr_scratch; i++)
		fprintf(out, "  %-14s0x%012" PRIx64 "-0x%012" PRIx64 " %s\n",
			i ? "" : "scratch", in->scratch[i].addr,
			in->scratch[i].addr + in->scratch[i].size,
			fmt_bytes(in->scratch[i].size, b, sizeof(b)));
	if (in->version)
		fprintf(out, "  %-14s%#" PRIx64 " (%s)\n", "memory map",
			in->map_phys,
			in->version >= KHO_ABI_V2 ? "radix tree root" :
					   "first kho-v1 chunk");
	for (unsigned int i = 0; i < in->nr_subtrees; i++)
		print_subtree(out, in, &in->subtrees[i], !i);
	fprintf(out, "  %-14s%s\n", "verdict",
		in->valid ? "accepted: every check passed" : in->reason);
	if (!in->valid)
		return;
	memcpy(st.blocks, in->blocks, sizeof(st.blocks));
	st.nr_blocks = in->nr_blocks;
	st.preserved_bytes = in->preserved_bytes;
	st.bytes = in->meta_bytes;
	report_blocks(out, "blocks", &st);
	if (in->version >= KHO_ABI_V2) {
		report_tree(out, "tree", &in->tree, in->geo.depth);
	} else {
		fprintf(out,
			"  %-14s%" PRIu64 " chunks, %" PRIu64
			" bitmaps of %u bytes, %s, overhead %.4f%%\n",
			"kho-v1 map", in->v1_chunks, in->v1_bitmaps,
			in->v1_bitmap_bytes,
			fmt_bytes(in->meta_bytes, b, sizeof(b)),
			report_overhead(&st));
		fprintf(out, "  %-14s%s\n", "bitmap size", in->v1_bitmap_why);
	}
	for (uint64_t i = 0; i < in->nr_ranges && i < INSPECT_TEXT_RANGES; i++)
		fprintf(out, "  %-14s0x%012" PRIx64 "-0x%012" PRIx64 " %s\n",
			i ? "" : "ranges", in->ranges[i].start,
			in->ranges[i].end,
			fmt_bytes(in->ranges[i].end - in->ranges[i].start, b,
				  sizeof(b)));
	if (in->nr_ranges > INSPECT_TEXT_RANGES)
		fprintf(out,
			"  %-14s... %" PRIu64
			" more ranges (--json lists all)\n",
			"", in->nr_ranges - INSPECT_TEXT_RANGES);
	fprintf(out, "  %-14s%" PRIu64 " ranges, %s\n",
		in->nr_ranges ? "" : "ranges", in->nr_ranges,
		fmt_bytes(in->preserved_bytes, b, sizeof(b)));
}

static int print_block(uint64_t phys, unsigned int order, void *arg)
{
	fprintf(arg, "block %#" PRIx64 " order %u\n", phys, order);
	return 0;
}

/* ---- the command ---------------------------------------------------------------- */

static int parse_page_size(const char *s, unsigned int *shift)
{
	uint64_t v;

	if (sim_parse_size(s, &v))
		return -EINVAL;
	for (unsigned int sh = KHO_PAGE_SHIFT_MIN; sh <= KHO_PAGE_SHIFT_MAX;
	     sh += 2)
		if (v == 1ULL << sh) {
			*shift = sh;
			return 0;
		}
	return -EINVAL;
}

static int read_handover_file(struct inspect *in, const char *path)
{
	FILE *f = fopen(path, "rb");
	char extra;
	int ok;

	if (!f)
		return sim_fail(&in->err, -errno, "cannot open %s: %s", path,
				strerror(errno));
	ok = fread(&in->ms.handover, sizeof(in->ms.handover), 1, f) == 1 &&
	     fread(&extra, 1, 1, f) == 0;
	fclose(f);
	if (!ok)
		return sim_fail(&in->err, -EINVAL,
				"%s is not a %zu-byte struct kho_data", path,
				sizeof(in->ms.handover));
	in->ms.has_handover = true;
	return 0;
}

/*
 * Linux's debugfs lists the running kernel's scratch areas in
 * kho/out/scratch_phys and kho/out/scratch_len, one hex number a line.
 */
static int read_scratch_dir(struct inspect *in, const char *dir)
{
	const char *names[2] = { "scratch_phys", "scratch_len" };
	uint64_t *vals[2] = { NULL, NULL };
	unsigned int n[2] = { 0, 0 };
	int ret = 0;

	for (int k = 0; k < 2 && !ret; k++) {
		char path[4200], line[64];
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", dir, names[k]);
		f = fopen(path, "r");
		if (!f) {
			ret = sim_fail(&in->err, -errno, "cannot open %s: %s",
				       path, strerror(errno));
			break;
		}
		vals[k] = calloc(INSPECT_SCRATCH_MAX, sizeof(uint64_t));
		while (vals[k] && fgets(line, sizeof(line), f)) {
			char *end;

			if (n[k] == INSPECT_SCRATCH_MAX) {
				ret = sim_fail(&in->err, -E2BIG,
					       "%s lists more than %d areas",
					       path, INSPECT_SCRATCH_MAX);
				break;
			}
			line[strcspn(line, "\n")] = '\0';
			errno = 0;
			vals[k][n[k]] = strtoull(line, &end, 16);
			if (errno || end == line || *end) {
				ret = sim_fail(
					&in->err, -EINVAL,
					"%s:%u: \"%.32s\" is not a hex number",
					path, n[k] + 1, line);
				break;
			}
			n[k]++;
		}
		if (!vals[k] && !ret)
			ret = sim_fail(&in->err, -ENOMEM, "out of memory");
		fclose(f);
	}
	if (!ret && n[0] != n[1])
		ret = sim_fail(
			&in->err, -EINVAL,
			"%s: scratch_phys lists %u areas, scratch_len %u", dir,
			n[0], n[1]);
	if (!ret && n[0]) {
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

	in->scratch_array.addr = kd->scratch_addr;
	in->scratch_array.size = kd->scratch_size;
	if (!n || kd->scratch_size % sizeof(struct kho_scratch) ||
	    n > INSPECT_SCRATCH_MAX)
		return refuse(in, -EINVAL,
			      "the scratch array's size %" PRIu64
			      " is not a small non-zero multiple of %zu bytes",
			      (uint64_t)kd->scratch_size,
			      sizeof(struct kho_scratch));
	in->scratch = calloc(n, sizeof(*in->scratch));
	if (!in->scratch)
		return refuse(in, -ENOMEM, "out of memory");
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

struct inspect_opts {
	const char *fdt;
	const char *mem;
	const char *handover;
	const char *scratch;
	const char *svg;
	unsigned int page_shift;
	unsigned int v1_bitmap;
	bool json;
	bool blocks;
	bool svg_by_subsystem;
};

static int usage_error(const char *fmt, const char *arg)
{
	char msg[512];

	snprintf(msg, sizeof(msg), fmt, arg);
	tool_error(
		"inspect: %s (kho inspect [DIR] [--fdt FILE] [--mem SOURCE] "
		"[--page-size N] [--v1-bitmap 512|page] [--handover FILE] "
		"[--scratch DEBUGFS_DIR] "
		"[--json] [--blocks] [--svg FILE [--svg-color order|subsystem]])",
		msg);
	return 2;
}

static int parse_opts(struct inspect_opts *o, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		bool takes = true;

		if (!strcmp(a, "--json")) {
			o->json = true;
			takes = false;
		} else if (!strcmp(a, "--blocks")) {
			o->blocks = true;
			takes = false;
		} else if (a[0] != '-') {
			if (o->mem)
				return usage_error(
					"\"%s\": one memory source only", a);
			o->mem = a;
			takes = false;
		} else if (!v) {
			return usage_error("%s needs a value", a);
		} else if (!strcmp(a, "--fdt")) {
			o->fdt = v;
		} else if (!strcmp(a, "--mem")) {
			if (o->mem)
				return usage_error(
					"\"%s\": one memory source only", v);
			o->mem = v;
		} else if (!strcmp(a, "--handover")) {
			o->handover = v;
		} else if (!strcmp(a, "--scratch")) {
			o->scratch = v;
		} else if (!strcmp(a, "--svg")) {
			o->svg = v;
		} else if (!strcmp(a, "--svg-color")) {
			if (strcmp(v, "order") && strcmp(v, "subsystem"))
				return usage_error(
					"--svg-color is order or subsystem, "
					"not \"%s\"",
					v);
			o->svg_by_subsystem = !strcmp(v, "subsystem");
		} else if (!strcmp(a, "--page-size")) {
			if (parse_page_size(v, &o->page_shift))
				return usage_error(
					"--page-size is 4K, 16K or 64K, "
					"not \"%s\"",
					v);
		} else if (!strcmp(a, "--v1-bitmap")) {
			if (!strcmp(v, "512"))
				o->v1_bitmap = 512;
			else if (!strcmp(v, "page"))
				o->v1_bitmap = UINT32_MAX;
			else
				return usage_error(
					"--v1-bitmap is 512 or page, "
					"not \"%s\"",
					v);
		} else {
			return usage_error("unknown option %s", a);
		}
		if (takes)
			i++;
	}
	if (!o->mem)
		return usage_error("%s", "which memory? give --mem SOURCE or a "
					 "machine directory");
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

/* Everything up to the verdict. Return: 0, 1 refused, -errno: no result. */
static int inspect_run(struct inspect *in, const struct inspect_opts *o)
{
	int ret;

	in->source = o->mem;
	ret = memsrc_open(&in->ms, o->mem, &in->err);
	if (ret)
		return ret;
	set_page_size(in, o);
	if (o->handover) {
		ret = read_handover_file(in, o->handover);
		if (ret)
			return ret;
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
	read_subtrees(in);
	return in->valid ? 0 : 1;
}

static void inspect_free(struct inspect *in)
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
}

bool inspect_mem_wanted(int argc, char **argv)
{
	static const char *const opts[] = {
		"--fdt",       "--mem",	     "--svg",
		"--svg-color", "--blocks",   "--page-size",
		"--v1-bitmap", "--handover", "--scratch",
	};

	for (int i = 1; i < argc; i++)
		for (size_t k = 0; k < sizeof(opts) / sizeof(opts[0]); k++)
			if (!strcmp(argv[i], opts[k]))
				return true;
	return false;
}

int cmd_inspect_mem(int argc, char **argv)
{
	struct inspect_opts o = { 0 };
	struct inspect *in;
	int ret;

	ret = parse_opts(&o, argc, argv);
	if (ret)
		return ret;
	in = calloc(1, sizeof(*in));
	if (!in) {
		tool_error("out of memory");
		return 1;
	}
	in->fdt_phys = KHO_ERR_NO_ADDR;
	ret = inspect_run(in, &o);
	if (ret < 0) {
		/* No handover to describe: the source or the FDT is unusable. */
		in->valid = false;
		in->code = ret;
		snprintf(in->reason, sizeof(in->reason), "%s", in->err.msg);
		if (o.json)
			inspect_print_json(in, stdout, false);
		tool_error("%s", in->err.msg);
		inspect_free(in);
		free(in);
		return 1;
	}
	if (o.json)
		ret = inspect_print_json(in, stdout, o.blocks) ? 1 : ret;
	else
		print_text(stdout, in);
	if (o.blocks && !o.json)
		inspect_for_each_block(in, print_block, stdout);
	if (o.svg) {
		struct sim_error e = { "" };

		if (inspect_write_svg(in, o.svg, o.svg_by_subsystem, &e)) {
			tool_error("%s", e.msg);
			ret = 1;
		}
	}
	if (!in->valid)
		tool_error("%s", in->reason);
	inspect_free(in);
	free(in);
	return ret ? 1 : 0;
}
