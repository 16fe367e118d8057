// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * memblock_mem.c - reserve_mem regions: memory set aside by memblock at
 * early boot (a persistent trace buffer, an oops log) and handed over in the
 * "memblock" subtree, an FDT:
 *
 *   / { compatible = "memblock-v1";
 *       trace { compatible = "reserve-mem-v1"; start = <u64>; size = <u64>; };
 *       oops  { ... }; }
 *
 * As in the kernel, a region handed over is revived where it was: the next
 * boot's reserve_mem takes the same address (the tree walk already reserved
 * it), checks what it holds, and hands it over again (mm/memblock.c:
 * reserve_mem_kho_revive() -> reserved_mem_add(), then preserved again with
 * the next handover). Every region the handover names is revived, as if
 * this kernel were booted with the same reserve_mem= options (the first
 * node of a name only: those options name each region once), its bytes
 * left as they are (ours are refilled); a boot with no region handed over
 * allocates "trace" and "oops" afresh, and so does a boot asked for
 * another size of them (memblock:SIZE): Linux revives a region only at
 * the size reserve_mem= asks for.
 *
 * The blob is lib/kho_memblock.c's (one reader, one writer). This client
 * adds an "xxh3" property per region to check the contents; a real
 * kernel's blob has none, and its regions are then restored unchecked.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <libfdt.h>

#include <kho/block.h>
#include <kho/kho_memblock.h>

#include "client.h"

/* The regions this client asks for; a handover may name more. */
#define MB_NR_OWN 2
/* At most this many regions are revived and handed on. */
#define MB_MAX_REGIONS 16
#define MB_NAME_LEN 64
/* A region name as printed: another kernel chose it (sim_clean_str()). */
#define MB_SHOWN_LEN SIM_SHOWN_LEN(MB_NAME_LEN)

static const char *const region_names[MB_NR_OWN] = { "trace", "oops" };

struct mb_region {
	char name[MB_NAME_LEN];
	uint64_t start;
	uint64_t size;
	uint64_t hash;
};

static struct mb_region regions[MB_MAX_REGIONS];
static unsigned int nr_regions;
/* Regions taken over from the handover rather than allocated. */
static bool revived[MB_MAX_REGIONS];
/* This boot's size of each of its own regions (reserve_mem=SIZE). */
static uint64_t own_size;
/* Own regions handed over at another size: not revived, allocated anew. */
static char resized[MB_NR_OWN][MB_NAME_LEN];
static uint64_t resized_from[MB_NR_OWN];
static unsigned int nr_resized;

/* Is @r a region this machine can revive: page-aligned, RAM, reserved? */
static bool revivable(struct sim_boot *b, const struct mb_region *r)
{
	return r->size && !((r->start | r->size) & (b->m.page_size - 1)) &&
	       sim_ram_range_of(&b->m, r->start, r->size) &&
	       sim_memblock_is_reserved(&b->mb, r->start, r->size);
}

static bool own_region(const char *name);

/* @name made safe to print, in @buf (MB_SHOWN_LEN bytes). */
static const char *shown(char *buf, const char *name)
{
	sim_clean_str(buf, MB_SHOWN_LEN, name, MB_NAME_LEN);
	return buf;
}

/*
 * Every sane region of the handover, revived in handover order; but one
 * of this boot's own regions only at the size this boot asks for: Linux's
 * reserve_mem_kho_revive() refuses a region whose size differs from
 * reserve_mem='s ("has wrong size", mm/memblock.c:2778-2782) and
 * reserve_mem() then allocates it afresh.
 */
static int revive_cb(const struct kho_memblock_region *hr, void *arg)
{
	struct sim_boot *b = arg;
	struct mb_region *r = &regions[nr_regions];

	if (nr_regions == MB_MAX_REGIONS || strlen(hr->name) >= MB_NAME_LEN)
		return 0;
	/*
	 * Only the first node of a name is looked at, revived or refused:
	 * Linux looks a name up with fdt_subnode_offset(), which finds the
	 * first node of that name (mm/memblock.c:2755), and reserve_mem=
	 * refuses a name already used (mm/memblock.c:2854).
	 */
	if (fdt_subnode_offset(hr->fdt, 0, hr->name) != hr->node)
		return 0;
	if (own_region(hr->name) && hr->size != own_size) {
		if (nr_resized < MB_NR_OWN) {
			snprintf(resized[nr_resized], MB_NAME_LEN, "%s",
				 hr->name);
			resized_from[nr_resized++] = hr->size;
		}
		return 0;
	}
	snprintf(r->name, sizeof(r->name), "%s", hr->name);
	r->start = hr->start;
	r->size = hr->size;
	if (!revivable(b, r))
		return 0;
	revived[nr_regions++] = true;
	return 0;
}

static void revive_handed_over(struct sim_boot *b)
{
	struct kho_view view;
	uint64_t phys, size;

	if (!b->kho_boot ||
	    kho_retrieve_subtree(&b->in, KHO_MEMBLOCK_NAME, &phys, &size))
		return;
	/* Memblock time: the tree is not walked, nobody owns anything yet. */
	client_view(b, &view);
	view.own = NULL;
	kho_memblock_read(&view, phys, size, revive_cb, b, NULL, NULL);
}

/* Is one of the revived regions called @name? */
static bool have_region(const char *name)
{
	for (unsigned int i = 0; i < nr_regions; i++)
		if (!strcmp(regions[i].name, name))
			return true;
	return false;
}

/* One of this client's own regions, whose bytes it fills and checks. */
static bool own_region(const char *name)
{
	for (unsigned int i = 0; i < MB_NR_OWN; i++)
		if (!strcmp(region_names[i], name))
			return true;
	return false;
}

/* Was own region @name handed over at another size, and not revived? */
static bool was_resized(const char *name)
{
	for (unsigned int i = 0; i < nr_resized; i++)
		if (!strcmp(resized[i], name))
			return true;
	return false;
}

/* The size of each of this client's own regions for --preserve memblock:SIZE. */
static uint64_t region_size(uint64_t size, uint64_t page)
{
	uint64_t half = (size / MB_NR_OWN + page - 1) & ~(page - 1);

	return half ? half : page;
}

/*
 * A region of an odd number of pages takes an order-0 block whatever its
 * start (kho_preserve_pages() cuts it into naturally aligned blocks). One
 * of an even number takes none at a 2-page aligned start, which the
 * top-down allocations here give; were one not, mb_preserve() would still
 * refuse it, before any handover is written.
 */
static bool mb_needs_order0(uint64_t size, uint64_t page_size)
{
	return (region_size(size, page_size) / page_size) & 1;
}

/* reserve_mem= is parsed at memblock time: allocate there. */
static int mb_early(struct sim_boot *b, struct client_state *st,
		    struct sim_error *e)
{
	uint64_t page = b->m.page_size;
	bool revived_any;

	nr_regions = 0;
	nr_resized = 0;
	memset(revived, 0, sizeof(revived));
	own_size = region_size(st->size, page);
	revive_handed_over(b);
	revived_any = nr_regions > 0;
	/*
	 * A kernel that revives regions was booted with the reserve_mem=
	 * options that named them: it asks for no others. Only without a
	 * handed-over region does this client ask for "trace" and "oops",
	 * and for those of them handed over at another size.
	 */
	for (unsigned int i = 0; i < MB_NR_OWN; i++) {
		struct mb_region *r = &regions[nr_regions];

		if ((revived_any && !was_resized(region_names[i])) ||
		    have_region(region_names[i]) ||
		    nr_regions == MB_MAX_REGIONS)
			continue;
		snprintf(r->name, sizeof(r->name), "%s", region_names[i]);
		r->size = own_size;
		r->start = sim_memblock_alloc(
			&b->mb, r->size, page, 0, SIM_MB_ALLOC_ANYWHERE,
			SIM_NUMA_NO_NODE, SIM_MB_RSRV_KERN,
			SIM_MB_ALLOC_NO_SCRATCH);
		if (r->start == SIM_MB_ALLOC_ANYWHERE)
			return sim_fail(
				e, -ENOMEM,
				"memblock: no room for reserve_mem region %s (%" PRIu64
				" KiB)",
				r->name, r->size >> 10);
		nr_regions++;
	}
	return 0;
}

/* Is [start, start + size) a region this boot keeps (revived)? */
static bool is_revived(uint64_t start, uint64_t size)
{
	for (unsigned int i = 0; i < nr_regions; i++)
		if (revived[i] && regions[i].start == start &&
		    regions[i].size == size)
			return true;
	return false;
}

struct mb_restore {
	struct sim_boot *b;
	struct client_state *st;
	struct sim_error *e;
	uint64_t blob_phys;
	unsigned int n, checked;
};

static int restore_region(const struct kho_memblock_region *r, void *arg)
{
	struct mb_restore *m = arg;
	struct sim_boot *b = m->b;
	unsigned int shift = b->m.conf.page_shift;
	char name[MB_SHOWN_LEN];
	uint64_t hash;

	shown(name, r->name);

	if (!r->size || (r->start | r->size) & (b->m.page_size - 1) ||
	    !sim_ram_range_of(&b->m, r->start, r->size))
		return sim_fail(m->e, -EINVAL,
				"memblock: region %s (%#" PRIx64 "+%#" PRIx64
				") is not page-aligned RAM",
				name, r->start, r->size);
	if (!kho_restore_pages(&b->in, r->start, r->size >> shift))
		return sim_fail(m->e, -ENOENT,
				"memblock: region %s at %#" PRIx64
				" was not preserved (or restored twice)",
				name, r->start);
	/* The kernel writes no hash: such a region is taken as it is. */
	if (!client_fdt_u64(r->fdt, r->node, CLIENT_HASH_PROP, &hash)) {
		const void *va = sim_phys_to_virt(&b->m, r->start);

		if (client_hash(va, r->size) != hash)
			return sim_fail(m->e, -EBADMSG,
					"memblock: region %s at %#" PRIx64
					" did not survive: its hash differs",
					name, r->start);
		m->checked++;
	}
	m->st->restored_bytes += r->size;
	if (!is_revived(r->start, r->size))
		client_release(b, r->start, r->size);
	m->n++;
	return 0;
}

static int mb_restore(struct sim_boot *b, struct client_state *st,
		      uint64_t blob_phys, struct sim_error *e)
{
	struct mb_restore m = { b, st, e, blob_phys, 0, 0 };
	struct kho_error err = { 0 };
	struct kho_view view;
	uint64_t size;
	char name[MB_SHOWN_LEN];
	char why[512];
	int ret;

	ret = client_retrieve(b, KHO_MEMBLOCK_NAME, &size, e);
	if (ret)
		return ret;
	client_view(b, &view);
	ret = kho_memblock_read(&view, blob_phys, size, restore_region, &m,
				NULL, &err);
	if (ret) {
		/* restore_region() said why already. */
		if (!err.code)
			return ret;
		kho_error_describe(&err, why, sizeof(why));
		return sim_fail(e, ret, "memblock: %s", why);
	}
	if (m.checked == m.n)
		snprintf(st->msg, sizeof(st->msg),
			 "%u reserve_mem regions intact", m.n);
	else
		snprintf(st->msg, sizeof(st->msg),
			 "%u reserve_mem regions restored, %u of them checked "
			 "(the others carry no hash)",
			 m.n, m.checked);
	for (unsigned int i = 0; i < nr_resized; i++) {
		size_t n = strlen(st->msg);

		snprintf(st->msg + n, sizeof(st->msg) - n,
			 "%s%s (%" PRIu64 " KiB)", i ? " and " : "; ",
			 shown(name, resized[i]), resized_from[i] >> 10);
	}
	if (nr_resized) {
		size_t n = strlen(st->msg);

		snprintf(
			st->msg + n, sizeof(st->msg) - n,
			" %s not the %" PRIu64
			" KiB asked for: allocated anew, not revived, as Linux does",
			nr_resized > 1 ? "are" : "is", own_size >> 10);
	}
	if (kho_restore_free(&b->in, sim_phys_to_virt(&b->m, blob_phys)))
		return sim_fail(e, -ENOENT,
				"memblock: blob at %#" PRIx64
				" was not preserved",
				blob_phys);
	return 0;
}

static int add_hash(void *fdt, unsigned int index, void *arg)
{
	return fdt_property(fdt, CLIENT_HASH_PROP, &regions[index].hash,
			    sizeof(regions[index].hash));
}

static int mb_preserve(struct sim_boot *b, struct client_state *st,
		       struct sim_error *e)
{
	struct kho_memblock_region out[MB_MAX_REGIONS];
	unsigned int shift = b->m.conf.page_shift;
	size_t fdt_size = b->m.page_size;
	char name[MB_SHOWN_LEN];
	void *fdt;
	int ret;

	fdt = kho_alloc_preserve(&b->out, fdt_size);
	if (!fdt)
		return sim_fail(e, -ENOMEM, "memblock: out of memory");
	for (unsigned int i = 0; i < nr_regions; i++) {
		struct mb_region *r = &regions[i];
		void *va = sim_phys_to_virt(&b->m, r->start);

		/* Another kernel's region keeps its bytes; ours get fresh ones. */
		if (own_region(r->name))
			client_fill_random(va, r->size);
		r->hash = client_hash(va, r->size);
		ret = kho_preserve_pages(&b->out, r->start, r->size >> shift);
		if (ret)
			return sim_fail(
				e, ret,
				"memblock: cannot preserve %s at %#" PRIx64
				": %s",
				shown(name, r->name), r->start,
				client_strerror(b, ret));
		out[i] = (struct kho_memblock_region){
			.name = r->name,
			.start = r->start,
			.size = r->size,
		};
		st->preserved_bytes += r->size;
	}
	if (nr_regions)
		snprintf(st->msg, sizeof(st->msg),
			 "%u regions, %s at %#" PRIx64 "%s", nr_regions,
			 shown(name, regions[0].name), regions[0].start,
			 revived[0] ? " (revived)" : "");
	ret = kho_memblock_write(fdt, fdt_size, out, nr_regions, add_hash,
				 NULL);
	if (ret)
		return sim_fail(e, ret,
				"memblock: the FDT does not fit a page");
	ret = kho_add_subtree(&b->out, KHO_MEMBLOCK_NAME, fdt,
			      fdt_totalsize(fdt));
	if (ret)
		return sim_fail(e, ret, "memblock: cannot add the subtree: %s",
				strerror(-ret));
	return 0;
}

const struct kho_client client_memblock = {
	.name = KHO_MEMBLOCK_NAME,
	.summary = "reserve_mem regions allocated by memblock at early boot",
	.default_size = 2ULL << 20,
	.needs_order0 = mb_needs_order0,
	.early = mb_early,
	.restore = mb_restore,
	.preserve = mb_preserve,
};
