// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * model.c - the sorted-set model of a radix tree and the assertions that
 * compare a tree with it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model.h"
#include "../../lib/radix_internal.h"

/* Walk order: larger order first, then ascending address. */
static int block_cmp(const struct model_block *a, const struct model_block *b)
{
	if (a->order != b->order)
		return a->order > b->order ? -1 : 1;
	if (a->phys != b->phys)
		return a->phys < b->phys ? -1 : 1;
	return 0;
}

void model_init(struct model *m, unsigned int page_shift)
{
	memset(m, 0, sizeof(*m));
	m->page_shift = page_shift;
}

void model_free(struct model *m)
{
	free(m->v);
	m->v = NULL;
	m->n = m->cap = 0;
}

void model_clear(struct model *m)
{
	m->n = 0;
}

static void model_reserve(struct model *m, size_t n)
{
	if (n <= m->cap)
		return;
	m->cap = m->cap ? m->cap * 2 : 64;
	if (m->cap < n)
		m->cap = n;
	m->v = realloc(m->v, m->cap * sizeof(*m->v));
	assert_non_null(m->v);
}

void model_copy(struct model *dst, const struct model *src)
{
	dst->page_shift = src->page_shift;
	dst->n = 0;
	model_reserve(dst, src->n);
	if (src->n)
		memcpy(dst->v, src->v, src->n * sizeof(*src->v));
	dst->n = src->n;
}

bool model_equal(const struct model *a, const struct model *b)
{
	size_t i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (block_cmp(&a->v[i], &b->v[i]))
			return false;
	return true;
}

/*
 * memmove() of @n blocks. A plain loop: AddressSanitizer's memmove copies
 * byte by byte and made the model the slowest part of the tests.
 */
static void move_blocks(struct model_block *dst, const struct model_block *src,
			size_t n)
{
	size_t i;

	if (dst < src)
		for (i = 0; i < n; i++)
			dst[i] = src[i];
	else
		for (i = n; i; i--)
			dst[i - 1] = src[i - 1];
}

/* Index of the first block not before @b; *found when it is @b. */
static size_t model_find(const struct model *m, const struct model_block *b,
			 bool *found)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (block_cmp(&m->v[mid], b) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < m->n && !block_cmp(&m->v[lo], b);
	return lo;
}

static struct model_block mk(const struct model *m, uint64_t pfn,
			     unsigned int order)
{
	struct model_block b = { pfn << m->page_shift, order };

	return b;
}

bool model_has(const struct model *m, uint64_t pfn, unsigned int order)
{
	struct model_block b = mk(m, pfn, order);
	bool found;

	model_find(m, &b, &found);
	return found;
}

bool model_add(struct model *m, uint64_t pfn, unsigned int order)
{
	struct model_block b = mk(m, pfn, order);
	bool found;
	size_t i = model_find(m, &b, &found);

	if (found)
		return false;
	model_reserve(m, m->n + 1);
	move_blocks(&m->v[i + 1], &m->v[i], m->n - i);
	m->v[i] = b;
	m->n++;
	return true;
}

bool model_del(struct model *m, uint64_t pfn, unsigned int order)
{
	struct model_block b = mk(m, pfn, order);
	bool found;
	size_t i = model_find(m, &b, &found);

	if (!found)
		return false;
	move_blocks(&m->v[i], &m->v[i + 1], m->n - i - 1);
	m->n--;
	return true;
}

uint64_t model_add_blocks(struct model *m, uint64_t pfn, uint64_t nr,
			  unsigned int order)
{
	struct model_block *add = calloc(nr ? nr : 1, sizeof(*add));
	uint64_t i, k = 0;
	size_t j;

	assert_non_null(add);
	/* The run is sorted in walk order already: merge, from the back. */
	for (i = 0; i < nr; i++) {
		struct model_block b = mk(m, pfn + (i << order), order);
		bool found;

		model_find(m, &b, &found);
		if (!found)
			add[k++] = b;
	}
	model_reserve(m, m->n + k);
	for (i = k, j = m->n; i;) {
		if (j && block_cmp(&m->v[j - 1], &add[i - 1]) > 0) {
			m->v[j + i - 1] = m->v[j - 1];
			j--;
		} else {
			m->v[j + i - 1] = add[i - 1];
			i--;
		}
	}
	m->n += k;
	free(add);
	return k;
}

bool model_has_blocks(const struct model *m, uint64_t pfn, uint64_t nr,
		      unsigned int order)
{
	uint64_t i;

	for (i = 0; i < nr; i++)
		if (!model_has(m, pfn + (i << order), order))
			return false;
	return true;
}

bool model_del_blocks(struct model *m, uint64_t pfn, uint64_t nr,
		      unsigned int order)
{
	struct model_block b = mk(m, pfn, order);
	bool found;
	size_t i;

	if (!model_has_blocks(m, pfn, nr, order))
		return false;
	/* All present, same order, ascending: contiguous in walk order. */
	i = model_find(m, &b, &found);
	move_blocks(&m->v[i], &m->v[i + nr], m->n - i - nr);
	m->n -= nr;
	return true;
}

uint64_t model_key(unsigned int page_shift, uint64_t phys, unsigned int order)
{
	unsigned int order0_bit = 64 - page_shift;
	unsigned int shift = page_shift + order;
	uint64_t key = (uint64_t)1 << (order0_bit - order);

	if (shift < 64)
		key |= phys >> shift;
	return key;
}

unsigned int model_depth(unsigned int page_shift)
{
	unsigned int key_width = 65 - page_shift;
	unsigned int table_bits = page_shift - 3;
	unsigned int bitmap_bits = page_shift + 3;

	return (key_width - bitmap_bits + table_bits - 1) / table_bits + 1;
}

int model_split(uint64_t pfn, uint64_t nr,
		int (*fn)(uint64_t pfn, unsigned int order, void *arg),
		void *arg)
{
	uint64_t end = pfn + nr;

	while (pfn < end) {
		unsigned int order = 0;
		int ret;

		/* Largest order that keeps pfn aligned and fits what is left. */
		while (order < 63 && !(pfn & ((uint64_t)1 << order)) &&
		       ((uint64_t)2 << order) <= end - pfn)
			order++;
		ret = fn(pfn, order, arg);
		if (ret)
			return ret;
		pfn += (uint64_t)1 << order;
	}
	return 0;
}

static uint64_t block_size(const struct model *m, const struct model_block *b)
{
	return (uint64_t)1 << (m->page_shift + b->order);
}

static int range_cmp(const void *pa, const void *pb)
{
	const struct model_range *a = pa, *b = pb;

	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return 0;
}

size_t model_ranges(const struct model *m, struct model_range **out)
{
	struct model_range *r;
	size_t i, n = 0;

	r = calloc(m->n ? m->n : 1, sizeof(*r));
	assert_non_null(r);
	for (i = 0; i < m->n; i++) {
		r[i].start = m->v[i].phys;
		r[i].end = m->v[i].phys + block_size(m, &m->v[i]);
	}
	qsort(r, m->n, sizeof(*r), range_cmp);
	for (i = 0; i < m->n; i++) {
		if (n && r[i].start <= r[n - 1].end) {
			if (r[i].end > r[n - 1].end)
				r[n - 1].end = r[i].end;
			continue;
		}
		r[n++] = r[i];
	}
	*out = r;
	return n;
}

uint64_t model_sum_bytes(const struct model *m)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < m->n; i++)
		sum += block_size(m, &m->v[i]);
	return sum;
}

uint64_t model_union_bytes(const struct model *m)
{
	struct model_range *r;
	size_t i, n = model_ranges(m, &r);
	uint64_t sum = 0;

	for (i = 0; i < n; i++)
		sum += r[i].end - r[i].start;
	free(r);
	return sum;
}

static int u64_cmp(const void *pa, const void *pb)
{
	uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;

	return a < b ? -1 : a > b;
}

uint64_t model_nodes(const struct model *m, uint64_t *nodes)
{
	unsigned int depth = model_depth(m->page_shift);
	unsigned int table_bits = m->page_shift - 3;
	unsigned int bitmap_bits = m->page_shift + 3;
	uint64_t *keys, total = 1;
	unsigned int level;
	size_t i;

	keys = calloc(m->n ? m->n : 1, sizeof(*keys));
	assert_non_null(keys);
	for (i = 0; i < m->n; i++)
		keys[i] = model_key(m->page_shift, m->v[i].phys, m->v[i].order);
	qsort(keys, m->n, sizeof(*keys), u64_cmp);
	for (level = 0; level + 1 < depth; level++) {
		unsigned int shift = bitmap_bits + level * table_bits;
		uint64_t count = 0;

		for (i = 0; i < m->n; i++)
			if (!i || keys[i] >> shift != keys[i - 1] >> shift)
				count++;
		nodes[level] = count;
		total += count;
	}
	nodes[depth - 1] = 1;
	free(keys);
	return total;
}

struct collect {
	struct model_block *v;
	size_t n, cap;
};

static int collect_block(uint64_t phys, unsigned int order, void *arg)
{
	struct collect *c = arg;

	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 256;
		c->v = realloc(c->v, c->cap * sizeof(*c->v));
		if (!c->v)
			return -12;
	}
	c->v[c->n].phys = phys;
	c->v[c->n].order = order;
	c->n++;
	return 0;
}

struct collect_ranges {
	struct model_range *v;
	size_t n, cap;
};

static int collect_range(uint64_t start, uint64_t end, void *arg)
{
	struct collect_ranges *c = arg;

	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 256;
		c->v = realloc(c->v, c->cap * sizeof(*c->v));
		if (!c->v)
			return -12;
	}
	c->v[c->n].start = start;
	c->v[c->n].end = end;
	c->n++;
	return 0;
}

int model_from_walk(struct model *m, struct kho_radix_tree *t)
{
	struct collect c = { 0 };
	int ret;

	ret = kho_radix_walk(t, collect_block, &c);
	model_clear(m);
	model_reserve(m, c.n);
	if (c.n)
		memcpy(m->v, c.v, c.n * sizeof(*c.v));
	m->n = c.n;
	free(c.v);
	return ret;
}

void model_assert_walk(const struct model *m, struct kho_radix_tree *t,
		       const char *what)
{
	struct collect c = { 0 };
	size_t i;
	int ret;

	ret = kho_radix_walk(t, collect_block, &c);
	if (ret)
		fail_msg("%s: walk returned %d", what, ret);
	for (i = 0; i < c.n && i < m->n; i++) {
		if (block_cmp(&c.v[i], &m->v[i]))
			fail_msg("%s: walk block %zu is phys 0x%llx order %u, "
				 "model has phys 0x%llx order %u",
				 what, i, (unsigned long long)c.v[i].phys,
				 c.v[i].order, (unsigned long long)m->v[i].phys,
				 m->v[i].order);
	}
	if (c.n != m->n)
		fail_msg("%s: walk visited %zu blocks, model has %zu", what,
			 c.n, m->n);
	free(c.v);
}

static int collect_batch(const struct kho_radix_range *r, size_t nr, void *arg)
{
	size_t i;
	int ret;

	if (!nr)
		fail_msg("walk_range_batches handed over an empty batch");
	for (i = 0; i < nr; i++) {
		ret = collect_range(r[i].start, r[i].end, arg);
		if (ret)
			return ret;
	}
	return 0;
}

/* Set which build of the scan the range walk runs; returns the one before. */
static int set_walk_scan(int v)
{
	return __atomic_exchange_n(&radix_walk_scan, v, __ATOMIC_RELAXED);
}

int model_walk_ranges(struct kho_radix_tree *t, struct model_range **out,
		      size_t *n, const char *what)
{
	static const char *const builds[] = { "", " with popcnt/BMI",
					      " with AVX-512 VBMI2/VPOPCNTDQ" };
	const int best = radix_cpu_scan();
	const int saved = set_walk_scan(RADIX_SCAN_BASE);
	struct collect_ranges first = { 0 };
	int ret = 0, build, batch;

	for (build = RADIX_SCAN_BASE; build <= best; build++) {
		set_walk_scan(build);
		for (batch = 0; batch < 2; batch++) {
			struct collect_ranges c = { 0 };
			int r = batch ? kho_radix_walk_range_batches(
						t, collect_batch, &c) :
					kho_radix_walk_ranges(t, collect_range,
							      &c);

			if (build == RADIX_SCAN_BASE && !batch) {
				first = c;
				ret = r;
				continue;
			}
			if (r != ret || c.n != first.n ||
			    (c.n && memcmp(c.v, first.v, c.n * sizeof(*c.v))))
				fail_msg("%s: the range walk %s%s gave %zu "
					 "ranges (return %d), the plain one "
					 "%zu (return %d)",
					 what, batch ? "in batches" : "per range",
					 builds[build], c.n, r, first.n, ret);
			free(c.v);
		}
	}
	set_walk_scan(saved);
	*out = first.v;
	*n = first.n;
	return ret;
}

static void model_assert_ranges(const struct model *m, struct kho_radix_tree *t,
				const char *what)
{
	struct collect_ranges c = { 0 };
	struct model_range *r;
	size_t i, n = model_ranges(m, &r);
	int ret;

	ret = model_walk_ranges(t, &c.v, &c.n, what);
	if (ret)
		fail_msg("%s: walk_ranges returned %d", what, ret);
	for (i = 0; i < c.n && i < n; i++) {
		if (c.v[i].start != r[i].start || c.v[i].end != r[i].end)
			fail_msg("%s: range %zu is [0x%llx, 0x%llx), model has "
				 "[0x%llx, 0x%llx)",
				 what, i, (unsigned long long)c.v[i].start,
				 (unsigned long long)c.v[i].end,
				 (unsigned long long)r[i].start,
				 (unsigned long long)r[i].end);
	}
	if (c.n != n)
		fail_msg("%s: walk_ranges gave %zu ranges, model has %zu", what,
			 c.n, n);
	free(c.v);
	free(r);
}

static void model_assert_stats(const struct model *m, struct kho_radix_tree *t,
			       const char *what)
{
	uint64_t nodes[KHO_TREE_MAX_DEPTH] = { 0 };
	uint64_t blocks[KHO_MAX_ORDERS] = { 0 };
	struct kho_radix_stats st;
	unsigned int depth = model_depth(m->page_shift), i;
	uint64_t total;
	size_t b;
	int ret;

	memset(&st, 0xa5, sizeof(st));
	ret = kho_radix_get_stats(t, &st);
	if (ret)
		fail_msg("%s: get_stats returned %d", what, ret);
	total = model_nodes(m, nodes);
	for (i = 0; i < depth; i++)
		if (st.nodes[i] != nodes[i])
			fail_msg("%s: %llu nodes at level %u, expected %llu",
				 what, (unsigned long long)st.nodes[i], i,
				 (unsigned long long)nodes[i]);
	if (st.nr_nodes != total)
		fail_msg("%s: nr_nodes %llu, expected %llu", what,
			 (unsigned long long)st.nr_nodes,
			 (unsigned long long)total);
	if (st.bytes != total << m->page_shift)
		fail_msg("%s: bytes %llu, expected %llu", what,
			 (unsigned long long)st.bytes,
			 (unsigned long long)(total << m->page_shift));
	for (b = 0; b < m->n; b++)
		blocks[m->v[b].order]++;
	for (i = 0; i < KHO_MAX_ORDERS; i++)
		if (st.blocks[i] != blocks[i])
			fail_msg("%s: %llu blocks of order %u, expected %llu",
				 what, (unsigned long long)st.blocks[i], i,
				 (unsigned long long)blocks[i]);
	if (st.nr_blocks != m->n)
		fail_msg("%s: nr_blocks %llu, expected %zu", what,
			 (unsigned long long)st.nr_blocks, m->n);
	/* Blocks may overlap (different orders at one address): then only
	 * the sum of their sizes is unambiguous when it equals the union. */
	if (model_sum_bytes(m) == model_union_bytes(m) &&
	    st.preserved_bytes != model_sum_bytes(m))
		fail_msg("%s: preserved_bytes %llu, expected %llu", what,
			 (unsigned long long)st.preserved_bytes,
			 (unsigned long long)model_sum_bytes(m));
}

void model_assert_tree(const struct model *m, struct kho_radix_tree *t,
		       const char *what)
{
	model_assert_walk(m, t, what);
	model_assert_ranges(m, t, what);
	model_assert_stats(m, t, what);
}
