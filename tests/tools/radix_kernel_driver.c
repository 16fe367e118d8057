// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * radix_kernel_driver.c - libkho's radix tree against the kernel's own
 * (radix_kernel_glue.c: kernel/liveupdate/kexec_handover.c compiled here),
 * for the page size the glue was built for. tests/test_radix_kernel.sh
 * runs it once per page size.
 *
 * A random sequence (fixed xorshift seed) of adds and deletes of blocks,
 * clustered in a few regions and spread over the whole address space, goes
 * to both trees, and to tests/lib/model.c's sorted set. Both trees live in
 * memory where physical == virtual, so each can read the other's nodes.
 * At checkpoints, and at the end after every block was deleted:
 *
 *   keys       the kernel's kho_radix_walk_tree() of its tree and libkho's
 *              of its own report the same keys in the same order, and
 *              decoded they are the model's blocks;
 *   crossed    the kernel's walk reads libkho's tree (its root given to
 *              kho_radix_init_tree()) and libkho reads the kernel's
 *              (kho_radix_attach()): the same keys again, the kernel's
 *              node callback once per libkho node, and libkho's blocks
 *              and coalesced ranges (kho_radix_walk_ranges()) of the
 *              kernel's tree are the model's;
 *   structure  node for node: every table entry libkho sets, the kernel
 *              sets at the same index, and every leaf is byte for byte
 *              the kernel's; an entry only the kernel sets leads to keys
 *              of none (the kernel keeps emptied nodes, libkho frees
 *              them);
 *   validated  in a second sequence whose blocks stay below
 *              BOUNDED_RAM: kho_radix_validate(), kernel B's check of a
 *              handed-over tree, takes the kernel's tree (emptied nodes
 *              and all) with RAM = [0, BOUNDED_RAM) and its node pages,
 *              and counts its nodes and the model's ranges.
 *
 * Every add of a new block is also tried first with its k-th page
 * allocation failing (k from 1 to the nodes it needs, on each side its
 * own: the kernel keeps emptied nodes, so it may need fewer): the side
 * returns -ENOMEM and its tree holds what it held, no page more.
 *
 * Output: one line of counts; exit 1 with the first differences said.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kho/radix.h>
#include <kho/validate.h>

#include "lib/model.h"
#include "radix_kernel.h"

#define NR_OPS 20000
#define CHECK_EVERY 2500
#define NR_CLUSTERS 4
#define MAX_ORDER_TRIED 24
/* The second sequence: blocks below 64 GiB, of order 8 at most. */
#define BOUNDED_RAM (1ULL << 36)
#define BOUNDED_MAX_ORDER 8

static unsigned long failures;

#define FAIL(...)                                                  \
	do {                                                       \
		if (failures++ < 10) {                             \
			fprintf(stderr, "page shift %u: ", shift); \
			fprintf(stderr, __VA_ARGS__);              \
			fputc('\n', stderr);                       \
		}                                                  \
	} while (0)

static unsigned int shift;
static uint64_t page_size;
static bool bounded;
static uint64_t rng = 0x2545f4914f6cdd1dULL;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* ---- libkho's tree: page allocator with physical == virtual ----------- */

static uint64_t lk_live_pages;
static unsigned long lk_fail_nth;

static void *lk_alloc(void *ctx)
{
	void *p;

	(void)ctx;
	if (lk_fail_nth && !--lk_fail_nth)
		return NULL;
	p = aligned_alloc(page_size, page_size);
	if (!p)
		abort();
	memset(p, 0, page_size);
	lk_live_pages++;
	return p;
}

static void lk_free(void *ctx, void *page)
{
	(void)ctx;
	free(page);
	lk_live_pages--;
}

static uint64_t lk_v2p(void *ctx, const void *va)
{
	(void)ctx;
	return (uint64_t)(uintptr_t)va;
}

static void *lk_p2v(void *ctx, uint64_t pa)
{
	(void)ctx;
	return (void *)(uintptr_t)pa;
}

static const struct kho_mem_ops lk_ops = {
	.alloc_page = lk_alloc,
	.free_page = lk_free,
	.virt_to_phys = lk_v2p,
	.phys_to_virt = lk_p2v,
};

/* ---- keys as walks report them ---------------------------------------- */

struct keys {
	uint64_t *k;
	size_t n, cap;
	uint64_t nodes;
	struct keys *node_list; /* the nodes' addresses too, when set */
};

static void keys_push(struct keys *ks, uint64_t key)
{
	if (ks->n == ks->cap) {
		ks->cap = ks->cap ? 2 * ks->cap : 1024;
		ks->k = realloc(ks->k, ks->cap * sizeof(*ks->k));
		if (!ks->k)
			abort();
	}
	ks->k[ks->n++] = key;
}

static int kernel_leaf(unsigned long key, void *data)
{
	keys_push(data, key);
	return 0;
}

static int kernel_node(uint64_t phys, void *data)
{
	struct keys *ks = data;

	ks->nodes++;
	if (ks->node_list)
		keys_push(ks->node_list, phys);
	return 0;
}

static int lk_leaf(uint64_t key, void *data)
{
	keys_push(data, key);
	return 0;
}

static int lk_node(uint64_t phys, void *data)
{
	(void)phys;
	((struct keys *)data)->nodes++;
	return 0;
}

static bool keys_equal(const struct keys *a, const struct keys *b)
{
	return a->n == b->n &&
	       (!a->n || !memcmp(a->k, b->k, a->n * sizeof(*a->k)));
}

/* ---- the checks ---------------------------------------------------------- */

struct pair {
	struct kernel_tree *kt;
	struct kho_radix_tree lt;
	struct kho_geometry geo;
	struct model m;
};

/* The model's blocks, in walk order, as keys. */
static void model_keys(const struct model *m, struct keys *out)
{
	for (size_t i = 0; i < m->n; i++)
		keys_push(out, kernel_key(m->v[i].phys, m->v[i].order));
}

struct block_cmp {
	const struct model *m;
	size_t i;
	bool bad;
};

static int block_seen(uint64_t phys, unsigned int order, void *arg)
{
	struct block_cmp *c = arg;

	if (c->i >= c->m->n || c->m->v[c->i].phys != phys ||
	    c->m->v[c->i].order != order)
		c->bad = true;
	c->i++;
	return 0;
}

struct range_cmp {
	const struct model_range *r;
	size_t n, i;
	bool bad;
};

static int range_seen(uint64_t start, uint64_t end, void *arg)
{
	struct range_cmp *c = arg;

	if (c->i >= c->n || c->r[c->i].start != start || c->r[c->i].end != end)
		c->bad = true;
	c->i++;
	return 0;
}

/* Does the kernel's subtree at @node (level @level) hold any key? */
static bool kernel_has_keys(const uint64_t *node, unsigned int level)
{
	size_t words = page_size / sizeof(uint64_t);

	for (size_t i = 0; i < words; i++) {
		if (!node[i])
			continue;
		if (!level ||
		    kernel_has_keys((const uint64_t *)(uintptr_t)node[i],
				    level - 1))
			return true;
	}
	return false;
}

/* Node for node, from level @level down; @where names the path. */
static void compare_nodes(const uint64_t *k, const uint64_t *l,
			  unsigned int level, uint64_t path)
{
	size_t words = page_size / sizeof(uint64_t);

	if (!level) {
		if (memcmp(k, l, page_size))
			FAIL("leaf at index path %#" PRIx64
			     ": the kernel's bitmap and libkho's differ",
			     path);
		return;
	}
	for (size_t i = 0; i < words; i++) {
		const uint64_t *kc = (const uint64_t *)(uintptr_t)k[i];
		const uint64_t *lc = (const uint64_t *)(uintptr_t)l[i];

		if (l[i] && !k[i])
			FAIL("level %u index %zu (path %#" PRIx64
			     "): libkho has a node the kernel does not",
			     level, i, path);
		else if (l[i])
			compare_nodes(kc, lc, level - 1, path << 16 | i);
		else if (k[i] && kernel_has_keys(kc, level - 1))
			FAIL("level %u index %zu (path %#" PRIx64
			     "): the kernel has keys there, libkho no node",
			     level, i, path);
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * kho_radix_validate() of the kernel's tree @att, which holds @nodes
 * (addresses, sorted here): RAM is [0, BOUNDED_RAM) and the node pages.
 */
static void validate_kernel_tree(struct pair *p, struct kho_radix_tree *att,
				 struct keys *nodes, size_t nr_ranges,
				 const char *when)
{
	struct kho_mem_region *ram = calloc(nodes->n + 1, sizeof(*ram));
	struct kho_tree_check chk = { 0 };
	unsigned int nr = 1;
	int ret;

	if (!ram)
		abort();
	qsort(nodes->k, nodes->n, sizeof(*nodes->k), cmp_u64);
	ram[0].end = BOUNDED_RAM;
	for (size_t i = 0; i < nodes->n; i++) {
		if (nodes->k[i] < BOUNDED_RAM)
			FAIL("%s: a kernel node at %#" PRIx64
			     " lies in the blocks' RAM",
			     when, nodes->k[i]);
		if (ram[nr - 1].end == nodes->k[i]) {
			ram[nr - 1].end += page_size;
			continue;
		}
		ram[nr].start = nodes->k[i];
		ram[nr++].end = nodes->k[i] + page_size;
	}
	chk.ram = ram;
	chk.nr_ram = nr;
	chk.seen = calloc(kho_tree_check_words(ram, nr, shift) + 1,
			  sizeof(uint64_t));
	if (!chk.seen)
		abort();
	ret = kho_radix_validate(att, &chk);
	if (ret)
		FAIL("%s: kho_radix_validate() refuses the kernel's tree: %d, "
		     "%s",
		     when, ret, chk.err.what ? chk.err.what : "?");
	else if (chk.nr_nodes != nodes->n || chk.nr_ranges != nr_ranges)
		FAIL("%s: kho_radix_validate() counts %" PRIu64
		     " nodes and %" PRIu64 " ranges, the kernel's tree has "
		     "%zu and the model %zu",
		     when, chk.nr_nodes, chk.nr_ranges, nodes->n, nr_ranges);
	free(chk.seen);
	free(ram);
	(void)p;
}

static void check(struct pair *p, const char *when)
{
	struct keys kk = { 0 }, lk = { 0 }, mk = { 0 }, kl = { 0 }, la = { 0 };
	struct keys knodes = { 0 };
	struct kho_radix_walk_cb cb = { .leaf = lk_leaf, .node = lk_node };
	struct kho_radix_tree att;
	struct kernel_tree *cross;
	struct kho_radix_stats st;
	struct block_cmp bc = { .m = &p->m };
	struct range_cmp rc = { 0 };
	struct model_range *ranges;
	int ret;

	/* keys */
	kk.node_list = &knodes;
	if (kernel_walk(p->kt, kernel_leaf, kernel_node, &kk))
		FAIL("%s: the kernel's walk failed", when);
	if (kho_radix_walk_tree(&p->lt, &cb, &lk))
		FAIL("%s: libkho's walk failed", when);
	model_keys(&p->m, &mk);
	if (!keys_equal(&kk, &lk))
		FAIL("%s: the kernel's walk gives %zu keys, libkho's %zu, or "
		     "in another order",
		     when, kk.n, lk.n);
	if (!keys_equal(&kk, &mk))
		FAIL("%s: the kernel's tree holds %zu keys, the model %zu "
		     "blocks, or others",
		     when, kk.n, mk.n);

	/* crossed: the kernel reads libkho's tree */
	cross = kernel_tree_new(kho_radix_root_phys(&p->lt));
	if (kernel_walk(cross, kernel_leaf, kernel_node, &kl))
		FAIL("%s: the kernel's walk of libkho's tree failed", when);
	kernel_tree_forget(cross);
	if (kho_radix_get_stats(&p->lt, &st))
		FAIL("%s: kho_radix_get_stats() failed", when);
	if (!keys_equal(&kl, &mk))
		FAIL("%s: the kernel's walk of libkho's tree gives %zu keys, "
		     "not the model's %zu, or others",
		     when, kl.n, mk.n);
	if (kl.nodes != st.nr_nodes)
		FAIL("%s: the kernel's walk of libkho's tree visits %" PRIu64
		     " nodes, libkho counts %" PRIu64,
		     when, kl.nodes, st.nr_nodes);
	if (lk_live_pages != st.nr_nodes)
		FAIL("%s: libkho holds %" PRIu64 " pages for %" PRIu64 " nodes",
		     when, lk_live_pages, st.nr_nodes);

	/* crossed: libkho reads the kernel's tree */
	ret = kho_radix_attach(&att, &p->geo, &lk_ops, kernel_root(p->kt));
	if (ret) {
		FAIL("%s: kho_radix_attach() of the kernel's tree: %d", when,
		     ret);
	} else {
		if (kho_radix_walk_tree(&att, &cb, &la) ||
		    !keys_equal(&la, &mk))
			FAIL("%s: libkho reads %zu keys in the kernel's tree, "
			     "which has %zu",
			     when, la.n, mk.n);
		if (kho_radix_walk(&att, block_seen, &bc) || bc.bad ||
		    bc.i != p->m.n)
			FAIL("%s: libkho's blocks of the kernel's tree are not "
			     "the model's",
			     when);
		rc.n = model_ranges(&p->m, &ranges);
		rc.r = ranges;
		if (kho_radix_walk_ranges(&att, range_seen, &rc) || rc.bad ||
		    rc.i != rc.n)
			FAIL("%s: libkho's ranges of the kernel's tree are not "
			     "the model's %zu",
			     when, rc.n);
		if (bounded)
			validate_kernel_tree(p, &att, &knodes, rc.n, when);
		free(ranges);
		kho_radix_destroy(&att);
	}

	/* structure */
	compare_nodes((const uint64_t *)(uintptr_t)kernel_root(p->kt),
		      (const uint64_t *)(uintptr_t)kho_radix_root_phys(&p->lt),
		      kernel_depth() - 1, 0);
	if (kshim_warnings)
		FAIL("%s: the kernel's code warned %lu times", when,
		     kshim_warnings);
	free(kk.k);
	free(lk.k);
	free(mk.k);
	free(kl.k);
	free(la.k);
	free(knodes.k);
}

/* ---- the sequence -------------------------------------------------------- */

/* A block: clustered (in a few regions) or anywhere below 2^64. */
static void pick(const uint64_t *cluster, uint64_t *phys, unsigned int *order)
{
	uint64_t r = rnd();
	unsigned int o = r % 4 ? (unsigned int)(r >> 8) % 4 :
				 (unsigned int)(r >> 8) % (MAX_ORDER_TRIED + 1);
	uint64_t pfn;

	if (rnd() % 8)
		pfn = cluster[rnd() % NR_CLUSTERS] + rnd() % (1ULL << 18);
	else
		pfn = rnd() >> shift;
	if (bounded) {
		o %= BOUNDED_MAX_ORDER + 1;
		pfn = cluster[rnd() % 2] + rnd() % (1ULL << 18);
	}
	pfn &= ~((1ULL << o) - 1);
	*phys = pfn << shift;
	*order = o;
}

/*
 * Add a block new to both trees: first with each page allocation the add
 * makes failing in turn, which must leave that side's pages as they were
 * (the structure is compared at the next checkpoint).
 */
static void add_new(struct pair *p, uint64_t phys, unsigned int order,
		    uint64_t *enomem)
{
	uint64_t key = kernel_key(phys, order);
	unsigned long kpages = kshim_live_pages;
	uint64_t lpages = lk_live_pages;
	bool kdone = false, ldone = false;
	unsigned int got, kgot;
	int ret;

	/* libkho's own key helpers, against the kernel's. */
	if (kho_key_encode(&p->geo, phys, order) != key ||
	    kho_key_decode(&p->geo, key, &got) != kernel_decode(key, &kgot) ||
	    got != kgot || got != order)
		FAIL("block %#" PRIx64 " order %u: the kernel's key %#" PRIx64
		     ", kho_key_encode() %#" PRIx64,
		     phys, order, key, kho_key_encode(&p->geo, phys, order));

	for (unsigned long n = 1; !kdone || !ldone; n++) {
		if (!kdone) {
			kernel_fail_alloc_nth(n);
			ret = kernel_add(p->kt, key);
			kernel_fail_alloc_nth(0);
			kdone = !ret;
			if (ret &&
			    (ret != -ENOMEM || kshim_live_pages != kpages))
				FAIL("add %#" PRIx64 " order %u, allocation "
				     "%lu failing: the kernel returns %d, "
				     "%lu pages more",
				     phys, order, n, ret,
				     kshim_live_pages - kpages);
			*enomem += !kdone;
		}
		if (!ldone) {
			lk_fail_nth = n;
			ret = kho_radix_add_page(&p->lt, phys >> shift, order);
			lk_fail_nth = 0;
			ldone = !ret;
			if (ret && (ret != -ENOMEM || lk_live_pages != lpages))
				FAIL("add %#" PRIx64 " order %u, allocation "
				     "%lu failing: libkho returns %d, %" PRIu64
				     " pages more",
				     phys, order, n, ret,
				     lk_live_pages - lpages);
			*enomem += !ldone;
		}
		if (n > 64) {
			FAIL("add %#" PRIx64 " order %u: never succeeds", phys,
			     order);
			break;
		}
	}
}

static int run(void)
{
	struct pair p = { 0 };
	uint64_t cluster[NR_CLUSTERS];
	uint64_t adds = 0, dels = 0, dups = 0, enomem = 0;
	uint64_t phys;
	unsigned int order;
	char when[64];

	if (kho_geometry_init(&p.geo, shift) ||
	    kho_radix_init(&p.lt, &p.geo, &lk_ops))
		return 2;
	if (p.geo.depth != kernel_depth())
		FAIL("libkho's depth is %u, the kernel's %u", p.geo.depth,
		     kernel_depth());
	p.kt = kernel_tree_new(0);
	model_init(&p.m, shift);
	cluster[0] = 0;
	cluster[1] = (4ULL << 30) >> shift;
	cluster[2] = (1ULL << 40) >> shift;
	cluster[3] = (rnd() >> shift) & ~((1ULL << 20) - 1);

	for (unsigned int i = 1; i <= NR_OPS; i++) {
		uint64_t r = rnd() % 10;

		if (r < 3 && p.m.n) {
			/* Delete a block the trees hold. */
			const struct model_block *b = &p.m.v[rnd() % p.m.n];

			phys = b->phys;
			order = b->order;
			kernel_del(p.kt, kernel_key(phys, order));
			if (kho_radix_del_page(&p.lt, phys >> shift, order))
				FAIL("del %#" PRIx64 " order %u: libkho "
				     "refuses a block it holds",
				     phys, order);
			model_del(&p.m, phys >> shift, order);
			dels++;
		} else if (r < 4 && p.m.n) {
			/* Add one again: both take it, nothing changes. */
			const struct model_block *b = &p.m.v[rnd() % p.m.n];

			if (kernel_add(p.kt, kernel_key(b->phys, b->order)) ||
			    kho_radix_add_page(&p.lt, b->phys >> shift,
					       b->order))
				FAIL("add %#" PRIx64 " order %u again: refused",
				     b->phys, b->order);
			dups++;
		} else {
			pick(cluster, &phys, &order);
			if (model_has(&p.m, phys >> shift, order))
				continue;
			add_new(&p, phys, order, &enomem);
			model_add(&p.m, phys >> shift, order);
			adds++;
		}
		if (!(i % CHECK_EVERY)) {
			snprintf(when, sizeof(when), "after %u operations", i);
			check(&p, when);
		}
	}
	/* Drain: the kernel keeps its emptied nodes, libkho keeps its root. */
	while (p.m.n) {
		const struct model_block b = p.m.v[p.m.n - 1];

		kernel_del(p.kt, kernel_key(b.phys, b.order));
		if (kho_radix_del_page(&p.lt, b.phys >> shift, b.order))
			FAIL("drain: libkho refuses %#" PRIx64 " order %u",
			     b.phys, b.order);
		model_del(&p.m, b.phys >> shift, b.order);
		dels++;
	}
	check(&p, "after every block was deleted");
	if (lk_live_pages != 1)
		FAIL("drained: libkho holds %" PRIu64 " pages, not its root",
		     lk_live_pages);
	printf("page shift %u%s: %" PRIu64 " adds (%" PRIu64
	       " refusals for memory before), %" PRIu64 " adds again, %" PRIu64
	       " deletes; the kernel's tree %lu pages at the end\n",
	       shift, bounded ? ", below 64 GiB, validated" : "", adds, enomem,
	       dups, dels, kshim_live_pages);
	kernel_tree_free(p.kt);
	kho_radix_destroy(&p.lt);
	model_free(&p.m);
	return 0;
}

int main(void)
{
	int ret;

	shift = kernel_page_shift();
	page_size = 1ULL << shift;
	ret = run();
	bounded = true;
	if (!ret)
		ret = run();
	if (ret)
		return ret;
	if (failures)
		fprintf(stderr, "page shift %u: %lu differences\n", shift,
			failures);
	return failures ? 1 : 0;
}
