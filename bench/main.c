// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * bench/main.c - kho-bench: fixed workloads, fixed seeds, every
 * implementation in one process, interleaved runs, medians.
 *
 * Usage: kho-bench [--quick] [--reps N] [--csv PATH] [--goals PATH]
 *                  [--sweep PATH | --no-sweep] [--wall] [--single-threaded]
 *                  [--workloads W1,W4,...] [--impls libkho,kernel-like,...]
 *                  [--parts PATH]
 *
 * Every walk's result (the merged reserved ranges) is compared with a model
 * computed from the workload itself; any difference aborts the run with
 * exit status 2. The table goes to stdout; --csv writes one row per
 * (workload, implementation), --goals one row per goal of issue 4, --sweep
 * the fragmentation sweep (run unless --no-sweep or --workloads), --parts
 * where libkho's walk time goes, warm (walk_parts()).
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/single_threaded.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
/* Only to choose the build of the range walk's scan (--scan). */
#include "../lib/radix_internal.h"

/* ------------------------------------------------------------------------ */
/* Implementations */

static const struct bench_impl *const all_impls[] = {
#ifndef BENCH_NO_LIBKHO
	&impl_libkho,
	&impl_libkho_batch,
	&impl_libkho_before,
#endif
	&impl_kernel,
	&impl_v1,
	&impl_ranges,
	&impl_judy,
	&impl_roaring,
	&impl_kernel_memblock,
	&impl_kernel_memblock_fix,
};
#define NR_ALL_IMPLS (sizeof(all_impls) / sizeof(all_impls[0]))

/* ------------------------------------------------------------------------ */
/* Workloads */

struct block {
	uint64_t pfn;
	unsigned int order;
};

/* @nr blocks of @order back to back from @pfn, for the batch forms. */
struct run {
	uint64_t pfn;
	uint64_t nr;
	unsigned int order;
};

struct runs {
	struct run *r;
	size_t nr;
};

struct workload {
	const char *name;
	char what[96];
	struct block *add; /* added first, in this order */
	size_t nr_add;
	struct block *del; /* then deleted (W5) */
	size_t nr_del;
	struct block *readd; /* then added back (W5) */
	size_t nr_readd;
	struct block *final; /* the content at the end, ascending address */
	size_t nr_final;
	struct range_array ref; /* the model's reserved ranges */
	struct runs add_runs, del_runs, readd_runs;
	bool shared_add; /* add[] belongs to another workload */
	bool shared_readd; /* readd[] belongs to another workload */
};

static void workload_free(struct workload *w)
{
	if (!w->shared_add)
		free(w->add);
	if (!w->shared_readd)
		free(w->readd);
	free(w->del);
	free(w->final);
	free(w->add_runs.r);
	free(w->del_runs.r);
	free(w->readd_runs.r);
	range_array_free(&w->ref);
}

#define NR_WORKLOADS 6

/* splitmix64: small, fast, and the same sequence everywhere. */
static uint64_t rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rng_below(uint64_t *state, uint64_t n)
{
	return rng_next(state) % n;
}

static struct block *blocks_alloc(size_t n)
{
	struct block *b = malloc((n ? n : 1) * sizeof(*b));

	if (!b)
		bench_die("out of memory for %zu blocks", n);
	return b;
}

static void shuffle(struct block *b, size_t n, uint64_t *rng)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = rng_below(rng, i);
		struct block t = b[i - 1];

		b[i - 1] = b[j];
		b[j] = t;
	}
}

static int block_cmp(const void *a, const void *b)
{
	const struct block *x = a, *y = b;

	return x->pfn < y->pfn ? -1 : x->pfn > y->pfn;
}

/* The model: sort the content by address and merge what touches. */
static void model_ranges(struct workload *w)
{
	struct block *s = blocks_alloc(w->nr_final);

	memcpy(s, w->final, w->nr_final * sizeof(*s));
	qsort(s, w->nr_final, sizeof(*s), block_cmp);
	range_array_init(&w->ref, w->nr_final + 1);
	for (size_t i = 0; i < w->nr_final; i++) {
		uint64_t start = s[i].pfn << BENCH_PAGE_SHIFT;
		uint64_t end = start + (BENCH_PAGE_SIZE << s[i].order);
		struct range *last =
			w->ref.nr ? &w->ref.r[w->ref.nr - 1] : NULL;

		if (last && last->end > start)
			bench_die("%s: blocks overlap at %#llx", w->name,
				  (unsigned long long)start);
		if (last && last->end == start) {
			last->end = end;
			continue;
		}
		w->ref.r[w->ref.nr].start = start;
		w->ref.r[w->ref.nr].end = end;
		w->ref.nr++;
	}
	free(s);
}

static void set_final(struct workload *w, const struct block *b, size_t n)
{
	w->final = blocks_alloc(n);
	memcpy(w->final, b, n * sizeof(*b));
	w->nr_final = n;
	qsort(w->final, n, sizeof(*w->final), block_cmp);
}

/* W1: @n distinct order-0 pages uniformly over @span pages, random order. */
static void gen_scatter(struct workload *w, size_t n, uint64_t span,
			uint64_t seed)
{
	uint64_t *seen = calloc(span / 64 + 1, sizeof(*seen));
	uint64_t rng = seed;
	size_t i = 0;

	if (!seen)
		bench_die("out of memory");
	w->add = blocks_alloc(n);
	while (i < n) {
		uint64_t pfn = rng_below(&rng, span);

		if (seen[pfn / 64] & (1ULL << (pfn % 64)))
			continue;
		seen[pfn / 64] |= 1ULL << (pfn % 64);
		w->add[i].pfn = pfn;
		w->add[i].order = 0;
		i++;
	}
	w->nr_add = n;
	free(seen);
	set_final(w, w->add, n);
}

/* W2: @n order-0 pages in ascending runs of 1..64 pages, gaps of 1..64. */
static void gen_file(struct workload *w, size_t n, uint64_t seed)
{
	uint64_t rng = seed;
	uint64_t pfn = (1ULL << 30) >> BENCH_PAGE_SHIFT;
	size_t i = 0;

	w->add = blocks_alloc(n);
	while (i < n) {
		uint64_t run = 1 + rng_below(&rng, 64);

		for (uint64_t k = 0; k < run && i < n; k++) {
			w->add[i].pfn = pfn + k;
			w->add[i].order = 0;
			i++;
		}
		pfn += run + 1 + rng_below(&rng, 64);
	}
	w->nr_add = n;
	set_final(w, w->add, n);
}

/*
 * W3: a VM guest: @nr_huge 1 GiB folios (order 18), then @nr_folios 2 MiB
 * folios (order 9) in guest order from 4 GiB up, each placed right after
 * the previous one except one in ten, which follows a gap of 1..8 folios.
 * The 1 GiB folios sit above them, one free GiB between each two.
 */
static void gen_vm(struct workload *w, size_t nr_folios, size_t nr_huge,
		   uint64_t seed)
{
	const unsigned int o9 = 9, o18 = 18;
	uint64_t rng = seed;
	uint64_t slot = (4ULL << 30) >> (BENCH_PAGE_SHIFT + o9);
	uint64_t top, huge;
	size_t i = 0;

	w->add = blocks_alloc(nr_folios + nr_huge);
	/* Where the 2 MiB folios end, at most: every one after a full gap. */
	top = (slot + nr_folios * 9) << o9;
	huge = (top >> o18) + 2;
	for (size_t h = 0; h < nr_huge; h++) {
		w->add[i].pfn = (huge + 2 * h) << o18;
		w->add[i].order = o18;
		i++;
	}
	for (size_t f = 0; f < nr_folios; f++) {
		if (f && rng_below(&rng, 10) == 0)
			slot += 1 + rng_below(&rng, 8);
		w->add[i].pfn = slot << o9;
		w->add[i].order = o9;
		slot++;
		i++;
	}
	w->nr_add = i;
	set_final(w, w->add, i);
}

/* W4: every page of @pages from 4 GiB up, order 0, ascending. */
static void gen_dense(struct workload *w, size_t pages)
{
	uint64_t base = (4ULL << 30) >> BENCH_PAGE_SHIFT;

	w->add = blocks_alloc(pages);
	for (size_t i = 0; i < pages; i++) {
		w->add[i].pfn = base + i;
		w->add[i].order = 0;
	}
	w->nr_add = pages;
	set_final(w, w->add, pages);
}

/* W5: W1, then delete a random 90%, then add half of those back. */
static void gen_churn(struct workload *w, const struct workload *w1,
		      uint64_t seed)
{
	uint64_t rng = seed;
	struct block *order = blocks_alloc(w1->nr_add);
	size_t n = w1->nr_add, nr_del = n / 10 * 9, nr_keep;

	w->add = w1->add;
	w->shared_add = true;
	w->nr_add = n;
	memcpy(order, w1->add, n * sizeof(*order));
	shuffle(order, n, &rng);
	w->del = blocks_alloc(nr_del);
	memcpy(w->del, order, nr_del * sizeof(*order));
	w->nr_del = nr_del;
	w->readd = blocks_alloc(nr_del / 2);
	memcpy(w->readd, w->del, nr_del / 2 * sizeof(*order));
	shuffle(w->readd, nr_del / 2, &rng);
	w->nr_readd = nr_del / 2;
	/* Content: never deleted (order[nr_del..n)) plus the re-added half. */
	nr_keep = n - nr_del;
	w->final = blocks_alloc(nr_keep + w->nr_readd);
	memcpy(w->final, &order[nr_del], nr_keep * sizeof(*order));
	memcpy(&w->final[nr_keep], w->readd, w->nr_readd * sizeof(*order));
	w->nr_final = nr_keep + w->nr_readd;
	qsort(w->final, w->nr_final, sizeof(*w->final), block_cmp);
	free(order);
}

static void cut_runs(struct runs *rs, const struct block *b, size_t n)
{
	rs->r = malloc((n ? n : 1) * sizeof(*rs->r));
	rs->nr = 0;
	if (!rs->r)
		bench_die("out of memory for %zu runs", n);
	for (size_t i = 0; i < n; i++) {
		struct run *last = rs->nr ? &rs->r[rs->nr - 1] : NULL;

		if (last && last->order == b[i].order &&
		    last->pfn + (last->nr << last->order) == b[i].pfn) {
			last->nr++;
			continue;
		}
		rs->r[rs->nr].pfn = b[i].pfn;
		rs->r[rs->nr].nr = 1;
		rs->r[rs->nr].order = b[i].order;
		rs->nr++;
	}
}

/*
 * W6 (beyond issue 4): W1, then delete every block, then add W3. Nothing of
 * W1 is left, so a tree that frees emptied nodes ends like a fresh W3 tree;
 * W5 cannot show that, as no leaf empties there.
 */
static void gen_drain(struct workload *w, const struct workload *w1,
		      const struct workload *w3, uint64_t seed)
{
	uint64_t rng = seed;

	w->add = w1->add;
	w->shared_add = true;
	w->nr_add = w1->nr_add;
	w->del = blocks_alloc(w1->nr_add);
	memcpy(w->del, w1->add, w1->nr_add * sizeof(*w->del));
	shuffle(w->del, w1->nr_add, &rng);
	w->nr_del = w1->nr_add;
	w->readd = w3->add;
	w->shared_readd = true;
	w->nr_readd = w3->nr_add;
	set_final(w, w3->add, w3->nr_add);
}

struct sizes {
	size_t scatter;
	uint64_t scatter_span;
	size_t file;
	size_t folios;
	size_t huge;
	size_t dense;
};

static const struct sizes full_sizes = {
	.scatter = 1 << 20,
	.scatter_span = (64ULL << 30) >> BENCH_PAGE_SHIFT,
	.file = 1 << 20,
	.folios = 32768,
	.huge = 8,
	.dense = (16ULL << 30) >> BENCH_PAGE_SHIFT,
};

static const struct sizes quick_sizes = {
	.scatter = 1 << 14,
	.scatter_span = (1ULL << 30) >> BENCH_PAGE_SHIFT,
	.file = 1 << 14,
	.folios = 512,
	.huge = 2,
	.dense = (256ULL << 20) >> BENCH_PAGE_SHIFT,
};

static const char *gib(uint64_t pages)
{
	static char buf[4][32];
	static int n;
	uint64_t bytes = pages << BENCH_PAGE_SHIFT;
	char *b = buf[n++ % 4];

	if (bytes >= (1ULL << 30))
		snprintf(b, sizeof(buf[0]), "%llu GiB",
			 (unsigned long long)(bytes >> 30));
	else
		snprintf(b, sizeof(buf[0]), "%llu MiB",
			 (unsigned long long)(bytes >> 20));
	return b;
}

static void make_workloads(struct workload *w, const struct sizes *sz)
{
	memset(w, 0, NR_WORKLOADS * sizeof(*w));
	w[0].name = "W1";
	snprintf(w[0].what, sizeof(w[0].what),
		 "scatter: order-0 pages uniformly over %s, random order",
		 gib(sz->scatter_span));
	gen_scatter(&w[0], sz->scatter, sz->scatter_span, 0x5ca77e4ULL);
	w[1].name = "W2";
	snprintf(w[1].what, sizeof(w[1].what),
		 "file-like: order-0 pages, ascending runs of 1-64 with gaps");
	gen_file(&w[1], sz->file, 0xf11eULL);
	w[2].name = "W3";
	snprintf(w[2].what, sizeof(w[2].what),
		 "VM guest: order-9 folios (10%% not contiguous) + order-18");
	gen_vm(&w[2], sz->folios, sz->huge, 0x7a5eULL);
	w[3].name = "W4";
	snprintf(w[3].what, sizeof(w[3].what),
		 "dense: every page of %s, order 0, ascending", gib(sz->dense));
	gen_dense(&w[3], sz->dense);
	w[4].name = "W5";
	snprintf(w[4].what, sizeof(w[4].what),
		 "churn: W1, delete a random 90%%, add half of them back");
	gen_churn(&w[4], &w[0], 0xc4a2ULL);
	w[5].name = "W6";
	snprintf(w[5].what, sizeof(w[5].what),
		 "drain: W1, delete every block, then add W3");
	gen_drain(&w[5], &w[0], &w[2], 0xd4a1ULL);
	for (int i = 0; i < NR_WORKLOADS; i++) {
		model_ranges(&w[i]);
		cut_runs(&w[i].add_runs, w[i].add, w[i].nr_add);
		cut_runs(&w[i].del_runs, w[i].del, w[i].nr_del);
		cut_runs(&w[i].readd_runs, w[i].readd, w[i].nr_readd);
	}
}

/* ------------------------------------------------------------------------ */
/* Measuring */

struct sample {
	double add_ns; /* total, add phase */
	double del_ns; /* total, delete phase (W5) */
	double readd_ns; /* total, add-back phase (W5) */
	double walk_ns; /* total, walk to reserved ranges */
	double bound_ns; /* W4, kernel-like: read every leaf word once */
	uint64_t bytes;
	uint64_t nodes;
	uint64_t fresh_nodes;
	uint64_t ranges;
};

/*
 * Phases are timed in the thread's CPU time by default: the machine is
 * shared, and time spent descheduled is not the code's. --wall switches to
 * the monotonic clock. Run totals always use the monotonic clock.
 */
static clockid_t phase_clock = CLOCK_THREAD_CPUTIME_ID;

static double clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static double now_ns(void)
{
	return clock_ns(phase_clock);
}

static double wall_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

static volatile uint64_t sink;

static double phase(const struct bench_impl *impl, void *s,
		    const struct workload *w, const struct block *b, size_t n,
		    const struct runs *runs, bool del)
{
	double t0, t1;
	size_t i;
	int err = 0;

	if (runs && (del ? impl->del_run : impl->add_run)) {
		int (*op)(void *, uint64_t, uint64_t, unsigned int) =
			del ? impl->del_run : impl->add_run;

		t0 = now_ns();
		for (i = 0; i < runs->nr; i++) {
			err = op(s, runs->r[i].pfn, runs->r[i].nr,
				 runs->r[i].order);
			if (err)
				break;
		}
		t1 = now_ns();
		if (err)
			bench_die("%s on %s: %s_run(pfn %#llx, %llu blocks, "
				  "order %u) = %d",
				  impl->name, w->name, del ? "del" : "add",
				  (unsigned long long)runs->r[i].pfn,
				  (unsigned long long)runs->r[i].nr,
				  runs->r[i].order, err);
		return t1 - t0;
	}
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		err = del ? impl->del(s, b[i].pfn, b[i].order) :
			    impl->add(s, b[i].pfn, b[i].order);
		if (err)
			break;
	}
	t1 = now_ns();
	if (err)
		bench_die("%s on %s: %s(pfn %#llx, order %u) = %d", impl->name,
			  w->name, del ? "del" : "add",
			  (unsigned long long)b[i].pfn, b[i].order, err);
	return t1 - t0;
}

static void check_ranges(const struct bench_impl *impl,
			 const struct workload *w,
			 const struct range_array *got)
{
	const struct range_array *ref = &w->ref;
	size_t i;

	for (i = 0; i < ref->nr && i < got->nr; i++)
		if (got->r[i].start != ref->r[i].start ||
		    got->r[i].end != ref->r[i].end)
			break;
	if (i == ref->nr && i == got->nr)
		return;
	fprintf(stderr,
		"kho-bench: %s on %s: walk gave %zu ranges, the model %zu; "
		"first difference at range %zu:\n",
		impl->name, w->name, got->nr, ref->nr, i);
	if (i < got->nr)
		fprintf(stderr, "  got   [%#llx, %#llx)\n",
			(unsigned long long)got->r[i].start,
			(unsigned long long)got->r[i].end);
	if (i < ref->nr)
		fprintf(stderr, "  model [%#llx, %#llx)\n",
			(unsigned long long)ref->r[i].start,
			(unsigned long long)ref->r[i].end);
	bench_die("cross-check failed: %s does not reserve what %s holds",
		  impl->name, w->name);
}

static double median(double *v, size_t n)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
			double t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	if (!n)
		return 0;
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#define BOUND_READS 9

/* A new set given @w's phases (add, delete, add back), timed into @smp. */
static void *replay(const struct bench_impl *impl, const struct workload *w,
		    struct sample *smp)
{
	void *s = impl->create();

	memset(smp, 0, sizeof(*smp));
	smp->add_ns = phase(impl, s, w, w->add, w->nr_add, &w->add_runs, false);
	if (w->nr_del) {
		smp->del_ns = phase(impl, s, w, w->del, w->nr_del, &w->del_runs,
				    true);
		smp->readd_ns = phase(impl, s, w, w->readd, w->nr_readd,
				      &w->readd_runs, false);
	}
	return s;
}

static void run_one(const struct bench_impl *impl, const struct workload *w,
		    struct range_array *out, struct sample *smp, bool fresh)
{
	void *s = replay(impl, w, smp);
	int err;

	range_array_reset(out);
	{
		double t0 = now_ns();

		err = impl->walk(s, out);
		smp->walk_ns = now_ns() - t0;
	}
	if (err)
		bench_die("%s on %s: walk = %d", impl->name, w->name, err);
	check_ranges(impl, w, out);
	smp->ranges = out->nr;
	smp->bytes = impl->memory(s);
	smp->nodes = impl->nodes(s);
	if (impl == &impl_kernel) {
		/*
		 * The bound: read every leaf word once, of a fresh tree of the
		 * final content (kernel-like keeps emptied leaves, W6).
		 */
		void *f = impl->create();
		double v[BOUND_READS];
		uint64_t words;

		phase(impl, f, w, w->final, w->nr_final, NULL, false);
		for (int i = 0; i < BOUND_READS; i++) {
			double t0 = now_ns();

			sink += kernel_like_sum_leaves(f, &words);
			v[i] = now_ns() - t0;
		}
		smp->bound_ns = median(v, BOUND_READS);
		impl->destroy(f);
	}
	impl->destroy(s);
	if (fresh && smp->nodes) {
		/* The same content added afresh, ascending. */
		void *f = impl->create();

		struct range_array tmp;

		phase(impl, f, w, w->final, w->nr_final, NULL, false);
		/* Walk it too: kho-v1 counts the chunks its walk makes. */
		range_array_init(&tmp, w->ref.nr + 1);
		if (impl->walk(f, &tmp))
			bench_die("%s on %s: walk of the fresh copy failed",
				  impl->name, w->name);
		check_ranges(impl, w, &tmp);
		range_array_free(&tmp);
		smp->fresh_nodes = impl->nodes(f);
		impl->destroy(f);
	}
}

/* ------------------------------------------------------------------------ */
/* Reporting */

struct result {
	const struct bench_impl *impl;
	const struct workload *w;
	struct sample *s; /* one per rep */
	/* medians */
	double add, del, readd, walk, bound;
	uint64_t bytes, nodes, fresh_nodes, ranges;
};

static struct result *find_result(struct result *res, size_t nres,
				  const char *impl, const char *wl)
{
	for (size_t i = 0; i < nres; i++)
		if (!strcmp(res[i].impl->name, impl) &&
		    !strcmp(res[i].w->name, wl))
			return &res[i];
	return NULL;
}

static void summarize(struct result *r, int reps)
{
	double v[reps];

#define MED(field, out)                        \
	do {                                   \
		for (int i = 0; i < reps; i++) \
			v[i] = r->s[i].field;  \
		out = median(v, reps);         \
	} while (0)
	MED(add_ns, r->add);
	MED(del_ns, r->del);
	MED(readd_ns, r->readd);
	MED(walk_ns, r->walk);
	MED(bound_ns, r->bound);
#undef MED
	r->bytes = r->s[0].bytes;
	r->nodes = r->s[0].nodes;
	r->fresh_nodes = r->s[0].fresh_nodes;
	r->ranges = r->s[0].ranges;
}

static void print_table(struct result *res, size_t nres,
			const struct workload *wl, int nwl, int reps)
{
	for (int k = 0; k < nwl; k++) {
		const struct workload *w = &wl[k];
		bool first = true;

		for (size_t i = 0; i < nres; i++) {
			struct result *r = &res[i];
			size_t nb = w->nr_add;

			if (r->w != w)
				continue;
			if (first) {
				printf("\n%s %s\n  %zu blocks added", w->name,
				       w->what, w->nr_add);
				if (w->nr_del)
					printf(", %zu deleted, %zu added",
					       w->nr_del, w->nr_readd);
				printf("; %zu blocks and %zu ranges at the end; "
				       "medians of %d runs\n",
				       w->nr_final, w->ref.nr, reps);
				printf("  %-12s %9s %9s %9s %9s %10s %12s %8s %8s %8s\n",
				       "impl", "add ns", "del ns", "readd ns",
				       "walk ns", "walk ms", "bytes", "B/block",
				       "nodes", "fresh");
				first = false;
			}
			printf("  %-12s %9.1f ", r->impl->name, r->add / nb);
			if (w->nr_del)
				printf("%9.1f %9.1f ", r->del / w->nr_del,
				       r->readd / w->nr_readd);
			else
				printf("%9s %9s ", "-", "-");
			printf("%9.1f %10.3f %12llu %8.3f ",
			       r->walk / w->nr_final, r->walk / 1e6,
			       (unsigned long long)r->bytes,
			       (double)r->bytes / w->nr_final);
			if (r->nodes)
				printf("%8llu ", (unsigned long long)r->nodes);
			else
				printf("%8s ", "-");
			if (r->fresh_nodes)
				printf("%8llu\n",
				       (unsigned long long)r->fresh_nodes);
			else
				printf("%8s\n", "-");
			if (r->bound > 0)
				printf("  %-12s %9s %9s %9s %9.1f %10.3f   "
				       "(read every leaf word once)\n",
				       "bound", "-", "-", "-",
				       r->bound / w->nr_final, r->bound / 1e6);
		}
	}
}

static void write_csv(const char *path, struct result *res, size_t nres,
		      int reps)
{
	FILE *f = fopen(path, "w");

	if (!f)
		bench_die("cannot write %s: %s", path, strerror(errno));
	fprintf(f, "workload,impl,blocks,final_blocks,ranges,reps,"
		   "add_ns_per_block,del_ns_per_block,readd_ns_per_block,"
		   "walk_ns_per_block,walk_ms,bytes,bytes_per_block,nodes,"
		   "fresh_nodes\n");
	for (size_t i = 0; i < nres; i++) {
		struct result *r = &res[i];
		const struct workload *w = r->w;

		fprintf(f,
			"%s,%s,%zu,%zu,%llu,%d,%.2f,%.2f,%.2f,%.2f,%.4f,"
			"%llu,%.4f,%llu,%llu\n",
			w->name, r->impl->name, w->nr_add, w->nr_final,
			(unsigned long long)r->ranges, reps, r->add / w->nr_add,
			w->nr_del ? r->del / w->nr_del : 0,
			w->nr_readd ? r->readd / w->nr_readd : 0,
			r->walk / w->nr_final, r->walk / 1e6,
			(unsigned long long)r->bytes,
			(double)r->bytes / w->nr_final,
			(unsigned long long)r->nodes,
			(unsigned long long)r->fresh_nodes);
		if (r->bound > 0)
			fprintf(f,
				"%s,bound,%zu,%zu,%llu,%d,0,0,0,%.2f,%.4f,"
				"0,0,0,0\n",
				w->name, w->nr_add, w->nr_final,
				(unsigned long long)r->ranges, reps,
				r->bound / w->nr_final, r->bound / 1e6);
	}
	if (fclose(f))
		bench_die("cannot write %s", path);
}

/* ------------------------------------------------------------------------ */
/* Goals of issue 4: libkho against the kernel-like tree, same runs. */

enum goal_kind { GOAL_WALK, GOAL_ADD, GOAL_BOUND, GOAL_NODES };

struct goal {
	enum goal_kind kind;
	const char *wl;
	double target;
	const char *text;
};

static const struct goal goals[] = {
	{ GOAL_WALK, "W4", 10, "W4 walk-to-ranges speedup" },
	{ GOAL_WALK, "W1", 2, "W1 walk-to-ranges speedup" },
	{ GOAL_ADD, "W2", 3, "W2 add speedup" },
	{ GOAL_ADD, "W4", 3, "W4 add speedup" },
	{ GOAL_ADD, "W1", 1, "W1 add speedup" },
	{ GOAL_BOUND, "W4", 2, "W4 walk time / bandwidth bound" },
	{ GOAL_NODES, "W5", 1.1, "W5 nodes / nodes of a fresh tree" },
};

/* Median over the runs of one goal's ratio for one libkho variant. */
static double goal_ratio(const struct goal *gl, const struct result *lk,
			 const struct result *kl, int reps)
{
	double v[reps];

	for (int i = 0; i < reps; i++) {
		switch (gl->kind) {
		case GOAL_WALK:
			v[i] = kl->s[i].walk_ns / lk->s[i].walk_ns;
			break;
		case GOAL_ADD:
			v[i] = kl->s[i].add_ns / lk->s[i].add_ns;
			break;
		case GOAL_BOUND:
			v[i] = lk->s[i].walk_ns / kl->s[i].bound_ns;
			break;
		case GOAL_NODES:
			v[i] = lk->fresh_nodes ?
				       (double)lk->nodes / lk->fresh_nodes :
				       0;
			break;
		}
	}
	return median(v, reps);
}

static bool goal_met(const struct goal *gl, double m)
{
	if (gl->kind == GOAL_BOUND || gl->kind == GOAL_NODES)
		return m > 0 && m <= gl->target;
	return m >= gl->target;
}

static int report_goals(struct result *res, size_t nres, int reps,
			const char *path)
{
	FILE *f = path ? fopen(path, "w") : NULL;
	int unmet = 0;

	if (path && !f)
		bench_die("cannot write %s: %s", path, strerror(errno));
	if (f)
		fprintf(f, "goal,workload,target,libkho,libkho_batch,met\n");
	printf("\nGoals (issue 4): libkho against kernel-like in the same runs, "
	       "median of per-run ratios\n");
	printf("  %-40s %8s %9s %9s  %s\n", "goal", "target", "libkho", "batch",
	       "verdict");
	for (size_t g = 0; g < sizeof(goals) / sizeof(goals[0]); g++) {
		const struct goal *gl = &goals[g];
		struct result *kl =
			find_result(res, nres, "kernel-like", gl->wl);
		const char *names[2] = { "libkho", "libkho-batch" };
		double m[2] = { -1, -1 };
		bool met = false;

		for (int k = 0; k < 2; k++) {
			struct result *lk =
				find_result(res, nres, names[k], gl->wl);

			if (!lk || (gl->kind != GOAL_NODES && !kl))
				continue;
			m[k] = goal_ratio(gl, lk, kl, reps);
			met |= goal_met(gl, m[k]);
		}
		printf("  %-40s %s%6.1fx ", gl->text,
		       gl->kind == GOAL_BOUND || gl->kind == GOAL_NODES ? "<=" :
									  ">=",
		       gl->target);
		for (int k = 0; k < 2; k++) {
			if (m[k] < 0)
				printf("%9s ", "-");
			else
				printf("%8.2fx ", m[k]);
		}
		if (m[0] < 0 && m[1] < 0) {
			printf(" not measured\n");
			continue;
		}
		unmet += !met;
		printf(" %s\n", met ? "met" : "NOT MET");
		if (f)
			fprintf(f, "\"%s\",%s,%.2f,%.3f,%.3f,%s\n", gl->text,
				gl->wl, gl->target, m[0], m[1],
				met ? "met" : "not met");
	}
	if (f && fclose(f))
		bench_die("cannot write %s", path);
	return unmet;
}

/* ------------------------------------------------------------------------ */
/*
 * Goals of issue 11, each a median over the runs of a per-run ratio (lower
 * is better for every one of them): libkho's time over the reference's.
 */
enum goal11_kind {
	G11_WALK_PEERS, /* walk / fastest of kernel-like, kho-v1, judy1, roaring */
	G11_WALK_FLOOR, /* walk / larger of ranges' walk and the bound */
	G11_ADD_V1, /* per-page add / kho-v1's add */
	G11_ADD_KERNEL, /* per-page add / kernel-like's add */
	G11_BATCH_LEAD, /* batch add / fastest add of every other design */
	G11_ADD_TODAY, /* add / libkho-before's add */
	G11_WALK_TODAY, /* walk / libkho-before's walk */
	G11_BYTES_TODAY, /* bytes / libkho-before's bytes */
};

struct goal11 {
	enum goal11_kind kind;
	const char *wl;
	double target; /* met when the ratio is at most this (or below 1) */
	bool strict; /* met only below the target */
};

/*
 * "No slower than today": libkho against libkho-before (impl_before.c, the
 * library before issue 11) in the same runs, allowing this much noise.
 */
#define TODAY_NOISE 1.05

static const struct goal11 goals11[] = {
	{ G11_WALK_PEERS, "W1", 1, true },
	{ G11_WALK_PEERS, "W2", 1, true },
	{ G11_WALK_PEERS, "W3", 1, true },
	{ G11_WALK_PEERS, "W4", 1, true },
	{ G11_WALK_PEERS, "W5", 1, true },
	{ G11_WALK_PEERS, "W6", 1, true },
	{ G11_WALK_FLOOR, "W1", 1.5, false },
	{ G11_WALK_FLOOR, "W2", 1.5, false },
	{ G11_WALK_FLOOR, "W3", 1.5, false },
	{ G11_WALK_FLOOR, "W4", 1.5, false },
	{ G11_WALK_FLOOR, "W5", 1.5, false },
	{ G11_WALK_FLOOR, "W6", 1.5, false },
	{ G11_ADD_V1, "W2", 1, false },
	{ G11_ADD_V1, "W3", 1, false },
	{ G11_ADD_V1, "W4", 1, false },
	{ G11_ADD_V1, "W1", 1.5, false },
	{ G11_ADD_V1, "W5", 1.5, false },
	{ G11_ADD_KERNEL, "W1", 1, false },
	{ G11_ADD_KERNEL, "W2", 1, false },
	{ G11_ADD_KERNEL, "W3", 1, false },
	{ G11_ADD_KERNEL, "W4", 1, false },
	{ G11_ADD_KERNEL, "W5", 1, false },
	{ G11_ADD_KERNEL, "W6", 1, false },
	{ G11_BATCH_LEAD, "W2", 1, true },
	{ G11_BATCH_LEAD, "W3", 1, true },
	{ G11_BATCH_LEAD, "W4", 1, true },
};

static const char *const walk_peers[] = { "kernel-like", "kho-v1", "judy1",
					  "roaring" };
static const char *const add_others[] = { "kernel-like", "kho-v1", "ranges",
					  "judy1", "roaring" };

static const char *goal11_text(enum goal11_kind k)
{
	switch (k) {
	case G11_WALK_PEERS:
		return "walk / fastest tree or bitmap peer";
	case G11_WALK_FLOOR:
		return "walk / max of ranges walk and bound";
	case G11_ADD_V1:
		return "per-page add / kho-v1 add";
	case G11_ADD_KERNEL:
		return "per-page add / kernel-like add";
	case G11_BATCH_LEAD:
		return "batch add / fastest other add";
	case G11_ADD_TODAY:
		return "add / libkho-before add";
	case G11_WALK_TODAY:
		return "walk / libkho-before walk";
	case G11_BYTES_TODAY:
		return "bytes / libkho-before bytes";
	}
	return "?";
}

/* Smallest add or walk time among @names in rep @i, or -1 when none ran. */
static double best_of(struct result *res, size_t nres, const char *wl,
		      const char *const *names, size_t n, int i, bool walk)
{
	double best = -1;

	for (size_t k = 0; k < n; k++) {
		struct result *r = find_result(res, nres, names[k], wl);
		double t;

		if (!r)
			continue;
		t = walk ? r->s[i].walk_ns : r->s[i].add_ns;
		if (best < 0 || t < best)
			best = t;
	}
	return best;
}

/* Median of the per-run ratio of one goal for one libkho entry, or -1. */
static double goal11_ratio(const struct goal11 *g, struct result *res,
			   size_t nres, const struct result *lk, bool batch,
			   int reps)
{
	double v[reps];

	for (int i = 0; i < reps; i++) {
		struct result *r;
		double ref = -1, mine = lk->s[i].add_ns;

		switch (g->kind) {
		case G11_WALK_PEERS:
			mine = lk->s[i].walk_ns;
			ref = best_of(res, nres, g->wl, walk_peers, 4, i, true);
			break;
		case G11_WALK_FLOOR:
			mine = lk->s[i].walk_ns;
			r = find_result(res, nres, "ranges", g->wl);
			ref = r ? r->s[i].walk_ns : -1;
			r = find_result(res, nres, "kernel-like", g->wl);
			if (r && r->s[i].bound_ns > ref)
				ref = r->s[i].bound_ns;
			break;
		case G11_ADD_V1:
			r = find_result(res, nres, "kho-v1", g->wl);
			ref = r && !batch ? r->s[i].add_ns : -1;
			break;
		case G11_ADD_KERNEL:
			r = find_result(res, nres, "kernel-like", g->wl);
			ref = r && !batch ? r->s[i].add_ns : -1;
			break;
		case G11_BATCH_LEAD:
			ref = batch ? best_of(res, nres, g->wl, add_others, 5,
					      i, false) :
				      -1;
			break;
		case G11_ADD_TODAY:
			r = find_result(res, nres, "libkho-before", g->wl);
			ref = r && !batch ? r->s[i].add_ns : -1;
			break;
		case G11_WALK_TODAY:
			mine = lk->s[i].walk_ns;
			r = find_result(res, nres, "libkho-before", g->wl);
			ref = r ? r->s[i].walk_ns : -1;
			break;
		case G11_BYTES_TODAY:
			mine = lk->bytes;
			r = find_result(res, nres, "libkho-before", g->wl);
			ref = r ? (double)r->bytes : -1;
			break;
		}
		if (ref <= 0)
			return -1;
		v[i] = mine / ref;
	}
	return median(v, reps);
}

static bool goal11_met(const struct goal11 *g, double m)
{
	return m >= 0 && (g->strict ? m < g->target : m <= g->target);
}

static void print_goal11(FILE *f, const struct goal11 *g, struct result *res,
			 size_t nres, int reps, int *met, int *total)
{
	const char *names[2] = { "libkho", "libkho-batch" };
	double m[2] = { -1, -1 };
	bool ok = false;
	char text[64];

	for (int k = 0; k < 2; k++) {
		struct result *lk = find_result(res, nres, names[k], g->wl);

		if (!lk)
			continue;
		m[k] = goal11_ratio(g, res, nres, lk, k, reps);
		ok |= goal11_met(g, m[k]);
	}
	snprintf(text, sizeof(text), "%s %s", g->wl, goal11_text(g->kind));
	printf("  %-46s %s%5.2fx ", text, g->strict ? "< " : "<=", g->target);
	for (int k = 0; k < 2; k++) {
		if (m[k] < 0)
			printf("%9s ", "-");
		else
			printf("%8.2fx ", m[k]);
	}
	if (m[0] < 0 && m[1] < 0) {
		printf(" not measured\n");
		return;
	}
	(*total)++;
	*met += ok;
	printf(" %s\n", ok ? "met" : "NOT MET");
	if (f)
		fprintf(f, "\"%s\",%s,%s%.2f,%.3f,%.3f,%s\n", text, g->wl,
			g->strict ? "<" : "<=", g->target, m[0], m[1],
			ok ? "met" : "not met");
}

static void report_goals11(struct result *res, size_t nres, int reps,
			   const char *path)
{
	FILE *f = path ? fopen(path, "w") : NULL;
	int met = 0, total = 0;

	if (path && !f)
		bench_die("cannot write %s: %s", path, strerror(errno));
	if (f)
		fprintf(f, "goal,workload,target,libkho,libkho_batch,met\n");
	printf("\nGoals (issue 11): ratios of libkho's time to the reference's "
	       "in the same runs, medians; lower is better\n");
	printf("  %-46s %8s %9s %9s  %s\n", "goal", "target", "libkho", "batch",
	       "verdict");
	for (size_t g = 0; g < sizeof(goals11) / sizeof(goals11[0]); g++)
		print_goal11(f, &goals11[g], res, nres, reps, &met, &total);
	for (int t = 0; t < NR_WORKLOADS; t++) {
		static const enum goal11_kind kinds[] = { G11_ADD_TODAY,
							  G11_WALK_TODAY,
							  G11_BYTES_TODAY };
		char wl[8];

		snprintf(wl, sizeof(wl), "W%d", t + 1);
		for (int k = 0; k < 3; k++) {
			struct goal11 g = { kinds[k], wl, TODAY_NOISE, false };

			print_goal11(f, &g, res, nres, reps, &met, &total);
		}
	}
	printf("  issue 11: %d of %d goals met\n", met, total);
	if (f && fclose(f))
		bench_die("cannot write %s", path);
}

/* ------------------------------------------------------------------------ */

static bool listed(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p = list;

	if (!list)
		return true;
	while ((p = strstr(p, name))) {
		if ((p == list || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return true;
		p += n;
	}
	return false;
}

/*
 * Run every selected workload on every implementation, @reps times,
 * interleaved: rep by rep, workload by workload, the order of the
 * implementations rotated by one each rep. Returns the results with medians.
 */
static struct result *run_matrix(struct workload *wl, int nwl, const char *wsel,
				 const struct bench_impl *const *impls,
				 size_t nimpl, int reps, size_t *nres_out,
				 const char *what)
{
	struct result *res = calloc(nwl * nimpl, sizeof(*res));
	struct range_array out;
	size_t nres = 0, maxref = 0;
	double t0 = wall_ns();

	if (!res)
		bench_die("out of memory");
	for (int k = 0; k < nwl; k++) {
		if (!listed(wsel, wl[k].name))
			continue;
		if (wl[k].ref.nr > maxref)
			maxref = wl[k].ref.nr;
		for (size_t i = 0; i < nimpl; i++) {
			res[nres].impl = impls[i];
			res[nres].w = &wl[k];
			res[nres].s = calloc(reps, sizeof(struct sample));
			if (!res[nres].s)
				bench_die("out of memory");
			nres++;
		}
	}
	if (!nres)
		bench_die("no workload selected");
	range_array_init(&out, maxref + 1);

	for (int rep = 0; rep < reps; rep++) {
		for (size_t j = 0; j < nres; j += nimpl) {
			for (size_t i = 0; i < nimpl; i++) {
				struct result *r = &res[j + (i + rep) % nimpl];

				run_one(r->impl, r->w, &out, &r->s[rep],
					rep == 0);
			}
		}
		fprintf(stderr, "kho-bench: %s %d/%d done, %.1f s\n", what,
			rep + 1, reps, (wall_ns() - t0) / 1e9);
	}
	for (size_t i = 0; i < nres; i++) {
		for (int rep = 1; rep < reps; rep++)
			res[i].s[rep].fresh_nodes = res[i].s[0].fresh_nodes;
		summarize(&res[i], reps);
	}
	range_array_free(&out);
	*nres_out = nres;
	return res;
}

/*
 * Fragmentation sweep: the same number of order-0 pages in runs of L pages
 * with gaps of L pages, L = 1 .. 32768: what a block costs as the preserved
 * memory goes from fully fragmented to contiguous.
 */
#define SWEEP_POINTS 11

static void results_free(struct result *res, size_t nres)
{
	for (size_t i = 0; i < nres; i++)
		free(res[i].s);
	free(res);
}

static void sweep(const struct bench_impl *const *impls, size_t nimpl,
		  bool quick, const char *path)
{
	size_t pages = quick ? 1 << 14 : 1 << 18;
	struct workload wl[SWEEP_POINTS];
	static char names[SWEEP_POINTS][16];
	struct result *res;
	size_t nres;
	FILE *f;
	int n = 0;

	memset(wl, 0, sizeof(wl));
	for (uint64_t run = 1; run <= 32768 && n < SWEEP_POINTS; run *= 4) {
		struct workload *w = &wl[n];
		uint64_t base = (4ULL << 30) >> BENCH_PAGE_SHIFT;
		size_t i = 0;

		if (run > pages)
			break;
		snprintf(names[n], sizeof(names[n]), "run%llu",
			 (unsigned long long)run);
		w->name = names[n];
		snprintf(w->what, sizeof(w->what),
			 "%zu order-0 pages in runs of %llu, gaps of %llu",
			 pages, (unsigned long long)run,
			 (unsigned long long)run);
		w->add = blocks_alloc(pages);
		for (uint64_t pfn = base; i < pages; pfn += 2 * run)
			for (uint64_t k = 0; k < run && i < pages; k++, i++) {
				w->add[i].pfn = pfn + k;
				w->add[i].order = 0;
			}
		w->nr_add = pages;
		set_final(w, w->add, pages);
		model_ranges(w);
		cut_runs(&w->add_runs, w->add, w->nr_add);
		n++;
	}
	res = run_matrix(wl, n, NULL, impls, nimpl, 3, &nres, "sweep");
	printf("\nFragmentation sweep: %zu order-0 pages in runs of L pages, "
	       "gaps of L; medians of 3 runs\n",
	       pages);
	printf("  %-8s %-12s %9s %9s %9s\n", "L", "impl", "add ns", "walk ns",
	       "B/block");
	for (size_t i = 0; i < nres; i++)
		printf("  %-8s %-12s %9.1f %9.2f %9.3f\n", res[i].w->name + 3,
		       res[i].impl->name, res[i].add / res[i].w->nr_add,
		       res[i].walk / res[i].w->nr_final,
		       (double)res[i].bytes / res[i].w->nr_final);
	if (!path)
		goto out;
	f = fopen(path, "w");
	if (!f)
		bench_die("cannot write %s: %s", path, strerror(errno));
	fprintf(f, "run_pages,impl,blocks,ranges,add_ns_per_block,"
		   "walk_ns_per_block,bytes_per_block\n");
	for (size_t i = 0; i < nres; i++)
		fprintf(f, "%s,%s,%zu,%llu,%.3f,%.4f,%.5f\n",
			res[i].w->name + 3, res[i].impl->name,
			res[i].w->nr_final, (unsigned long long)res[i].ranges,
			res[i].add / res[i].w->nr_add,
			res[i].walk / res[i].w->nr_final,
			(double)res[i].bytes / res[i].w->nr_final);
	if (fclose(f))
		bench_die("cannot write %s", path);
out:
	results_free(res, nres);
	for (int i = 0; i < n; i++)
		workload_free(&wl[i]);
}

/*
 * Size curve (issue 11): the walk to reserved ranges alone, N order-0 blocks
 * from 1 Ki to 4 Mi, scattered (every other page: nothing merges) and
 * adjacent (one run), for libkho, kernel-like (binary-searched reserve) and
 * kernel-memblock (the memblock model: quadratic when scattered). A
 * kernel-memblock point is skipped when its predicted time, from the last
 * one scaled by (N / N_last)^2, is above @max_s seconds.
 */
static const uint64_t curve_sizes[] = { 1024,  5000,   10000,	20000,	40000,
					80000, 160000, 1048576, 4194304 };
#define NR_CURVE_SIZES (sizeof(curve_sizes) / sizeof(curve_sizes[0]))

struct curve_point {
	double ms;
	uint64_t ranges;
	uint64_t visits;
	bool run;
};

static struct curve_point curve_one(const struct bench_impl *impl, uint64_t n,
				    bool adjacent, struct range_array *out)
{
	const uint64_t base = (4ULL << 30) >> BENCH_PAGE_SHIFT;
	const int reps = n <= 160000 ? 3 : 1;
	struct curve_point p = { .run = true };
	double v[3];
	void *s = impl->create();

	for (uint64_t i = 0; i < n; i++) {
		int err = impl->add(s, base + (adjacent ? i : 2 * i), 0);

		if (err)
			bench_die("%s: curve add = %d", impl->name, err);
	}
	for (int r = 0; r < reps; r++) {
		double t0;

		range_array_reset(out);
		t0 = now_ns();
		if (impl->walk(s, out))
			bench_die("%s: curve walk failed", impl->name);
		v[r] = now_ns() - t0;
		if (out->nr != (adjacent ? 1 : n) ||
		    out->r[0].start != base << BENCH_PAGE_SHIFT)
			bench_die("%s: curve walk gave %zu ranges for %llu "
				  "blocks",
				  impl->name, out->nr, (unsigned long long)n);
	}
	p.ms = median(v, reps) / 1e6;
	p.ranges = out->nr;
	p.visits = impl->visits ? impl->visits(s) : 0;
	impl->destroy(s);
	return p;
}

static void curve(double max_s, const char *path)
{
	static const struct bench_impl *const impls[] = {
#ifndef BENCH_NO_LIBKHO
		&impl_libkho,
#endif
		&impl_kernel,
		&impl_kernel_memblock_fix,
		&impl_kernel_memblock,
	};
	const size_t nimpl = sizeof(impls) / sizeof(impls[0]);
	struct curve_point pts[2][sizeof(impls) / sizeof(impls[0])]
			      [NR_CURVE_SIZES];
	struct range_array out;
	FILE *f = NULL;

	memset(pts, 0, sizeof(pts));
	range_array_init(&out, curve_sizes[NR_CURVE_SIZES - 1] + 1);
	for (int adj = 0; adj < 2; adj++) {
		for (size_t i = 0; i < nimpl; i++) {
			double last_ms = 0;
			uint64_t last_n = 0;

			for (size_t k = 0; k < NR_CURVE_SIZES; k++) {
				uint64_t n = curve_sizes[k];
				double scale = last_n ? (double)n / last_n : 0;

				if (impls[i]->explicit_only && !adj && last_n &&
				    last_ms * scale * scale / 1e3 > max_s)
					continue;
				pts[adj][i][k] =
					curve_one(impls[i], n, adj, &out);
				last_ms = pts[adj][i][k].ms;
				last_n = n;
			}
			fprintf(stderr, "kho-bench: curve %s %s done\n",
				impls[i]->name, adj ? "adjacent" : "scattered");
		}
	}
	printf("\nSize curve: walk to reserved ranges, ms (N order-0 blocks; "
	       "scattered = every other page); kernel-memblock region visits\n");
	printf("  %-10s %9s", "pattern", "blocks");
	for (size_t i = 0; i < nimpl; i++)
		printf(" %16s", impls[i]->name);
	printf(" %16s\n", "memblock visits");
	for (int adj = 0; adj < 2; adj++) {
		for (size_t k = 0; k < NR_CURVE_SIZES; k++) {
			printf("  %-10s %9llu", adj ? "adjacent" : "scattered",
			       (unsigned long long)curve_sizes[k]);
			for (size_t i = 0; i < nimpl; i++) {
				if (pts[adj][i][k].run)
					printf(" %16.3f", pts[adj][i][k].ms);
				else
					printf(" %16s", "(skipped)");
			}
			if (pts[adj][nimpl - 1][k].run)
				printf(" %16llu\n",
				       (unsigned long long)
					       pts[adj][nimpl - 1][k]
						       .visits);
			else
				printf(" %16s\n", "-");
		}
	}
	if (path) {
		f = fopen(path, "w");
		if (!f)
			bench_die("cannot write %s: %s", path, strerror(errno));
		fprintf(f, "pattern,blocks,impl,walk_ms,ranges,visits\n");
		for (int adj = 0; adj < 2; adj++)
			for (size_t i = 0; i < nimpl; i++)
				for (size_t k = 0; k < NR_CURVE_SIZES; k++) {
					struct curve_point *p = &pts[adj][i][k];

					if (!p->run)
						continue;
					fprintf(f,
						"%s,%llu,%s,%.4f,%llu,%llu\n",
						adj ? "adjacent" : "scattered",
						(unsigned long long)
							curve_sizes[k],
						impls[i]->name, p->ms,
						(unsigned long long)p->ranges,
						(unsigned long long)p->visits);
				}
		if (fclose(f))
			bench_die("cannot write %s", path);
	}
	range_array_free(&out);
}

static const char *const scan_names[] = { "base", "bits", "vec" };
static const char *const scan_what[] = {
	"x86-64 baseline instructions",
	"popcnt and BMI",
	"AVX-512 VBMI2 and VPOPCNTDQ",
};

/* --scan NAME: a build this processor can run. */
static int scan_build(const char *name)
{
	for (int i = RADIX_SCAN_BASE; i <= RADIX_SCAN_VEC; i++) {
		if (strcmp(name, scan_names[i]))
			continue;
		if (i > radix_cpu_scan())
			bench_die("--scan %s: this processor or build cannot "
				  "run it (best: %s)",
				  name, scan_names[radix_cpu_scan()]);
		return i;
	}
	bench_die("--scan: '%s' is not base, bits or vec", name);
}

/*
 * Locks are timed as a kernel pays for them. A kernel always has other CPUs:
 * its mutex takes a locked instruction to lock and another to unlock, and
 * kho-v1's set_bit() is one. glibc's mutex takes neither while the process
 * has a single thread (__libc_single_threaded), which would time libkho's,
 * libkho-before's and kernel-like's locks at a price no kernel pays. So a
 * second thread waits, idle, for the whole run (--single-threaded: none).
 */
static void *idle_thread(void *arg)
{
	for (;;)
		pause();
	return arg;
}

static void start_idle_thread(void)
{
	pthread_t t;
	int err = pthread_create(&t, NULL, idle_thread, NULL);

	if (err)
		bench_die("cannot start the idle thread: %s", strerror(err));
	pthread_detach(t);
}

/* ------------------------------------------------------------------------ */
/*
 * Walk parts (--parts): where libkho's walk time goes, warm. For each
 * workload, libkho-batch and ranges are given it as in a run (add, delete,
 * add back), then each walk runs PARTS_REPS times back to back and the
 * median counts:
 *
 *   walk      libkho-batch's walk into the range array, as the runs time it
 *             (once a run there, after the other implementations' runs);
 *   scan      the same walk with a consumer that only counts the ranges:
 *             the scan and the merge alone;
 *   ranges    the range list's walk, which appends its own ranges to the
 *             same array, checking each: about what the consumer costs.
 *
 * walk - scan is what the consumer costs on libkho's batches. The goal of
 * walking within 1.5x of ranges leaves the scan half of what the consumer
 * costs; scan / ranges shows how much of that this processor gives it.
 */
#define PARTS_REPS 101

/* Median of PARTS_REPS walks of @s, into @out or counted (@count). */
static double parts_time(const struct bench_impl *impl, void *s,
			 const struct workload *w, struct range_array *out,
			 bool count)
{
	double v[PARTS_REPS];
	uint64_t nr = 0;

	for (int i = 0; i < PARTS_REPS; i++) {
		double t0;
		int err;

		range_array_reset(out);
		t0 = now_ns();
		err = count ? impl->walk_count(s, &nr) : impl->walk(s, out);
		v[i] = now_ns() - t0;
		if (err)
			bench_die("%s on %s: walk = %d", impl->name, w->name,
				  err);
		if (count ? nr != w->ref.nr : out->nr != w->ref.nr)
			bench_die("%s on %s: walk gave %llu ranges, the model "
				  "%zu",
				  impl->name, w->name,
				  (unsigned long long)(count ? nr : out->nr),
				  w->ref.nr);
	}
	return median(v, PARTS_REPS);
}

static void walk_parts(const struct workload *wl, size_t nwl, const char *wsel,
		       const char *path)
{
	const struct bench_impl *lk = &impl_libkho_batch, *rs = &impl_ranges;
	FILE *f = fopen(path, "w");

	if (!f)
		bench_die("cannot write %s", path);
	fprintf(f, "workload,ranges,reps,walk_ms,scan_ms,ranges_ms\n");
	printf("\nWalk parts, warm: libkho-batch's walk, its scan with a "
	       "consumer that only counts, and ranges' walk (the consumer "
	       "alone);\nmedians of %d walks back to back, ms\n",
	       PARTS_REPS);
	printf("  %-4s %8s %9s %9s %9s %9s %9s %9s\n", "", "ranges", "walk",
	       "scan", "consumer", "ranges", "walk/rg", "scan/rg");
	for (size_t i = 0; i < nwl; i++) {
		const struct workload *w = &wl[i];
		struct range_array out;
		double walk, scan, ranges, consumer;
		struct sample unused;
		void *a, *b;

		if (!listed(wsel, w->name))
			continue;
		range_array_init(&out, w->ref.nr + 1);
		a = replay(lk, w, &unused);
		b = replay(rs, w, &unused);
		walk = parts_time(lk, a, w, &out, false);
		scan = parts_time(lk, a, w, &out, true);
		ranges = parts_time(rs, b, w, &out, false);
		lk->destroy(a);
		rs->destroy(b);
		range_array_free(&out);
		/*
		 * A consumer of a range or two (W4) costs less than the two
		 * medians differ by chance: no cost, not a negative one.
		 */
		consumer = walk > scan ? walk - scan : 0;
		printf("  %-4s %8zu %9.4f %9.4f %9.4f %9.4f %8.2fx %8.2fx\n",
		       w->name, w->ref.nr, walk / 1e6, scan / 1e6,
		       consumer / 1e6, ranges / 1e6, walk / ranges,
		       scan / ranges);
		fprintf(f, "%s,%zu,%d,%.5f,%.5f,%.5f\n", w->name, w->ref.nr,
			PARTS_REPS, walk / 1e6, scan / 1e6, ranges / 1e6);
	}
	if (fclose(f))
		bench_die("cannot write %s", path);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: kho-bench [--quick] [--reps N] [--csv PATH] [--goals PATH]\n"
		"                 [--sweep PATH | --no-sweep] [--wall]\n"
		"                 [--single-threaded]\n"
		"                 [--workloads W1,..] [--impls NAME,..]\n"
		"                 [--goals11 PATH] [--curve PATH]\n"
		"                 [--curve-max-s SECONDS] [--scan base|bits|vec]\n"
		"                 [--parts PATH]\n");
	exit(1);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "reps", required_argument, NULL, 'r' },
		{ "csv", required_argument, NULL, 'c' },
		{ "goals", required_argument, NULL, 'g' },
		{ "workloads", required_argument, NULL, 'w' },
		{ "impls", required_argument, NULL, 'i' },
		{ "sweep", required_argument, NULL, 's' },
		{ "curve", required_argument, NULL, 'C' },
		{ "goals11", required_argument, NULL, 'G' },
		{ "curve-max-s", required_argument, NULL, 'M' },
		{ "no-sweep", no_argument, NULL, 'n' },
		{ "wall", no_argument, NULL, 'W' },
		{ "scan", required_argument, NULL, 'S' },
		{ "single-threaded", no_argument, NULL, '1' },
		{ "parts", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	const char *csv = NULL, *goals_path = NULL, *wsel = NULL, *isel = NULL;
	const char *sweep_path = NULL, *curve_path = NULL;
	const char *goals11_path = NULL, *parts_path = NULL;
	double curve_max_s = 10;
	const struct bench_impl *impls[NR_ALL_IMPLS];
	struct workload wl[NR_WORKLOADS];
	struct result *res;
	size_t nimpl = 0, nres = 0;
	bool quick = false, do_sweep = true, one_thread = false;
	int scan = RADIX_SCAN_AUTO;
	int reps = 0, c;
	double t0 = wall_ns();

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			quick = true;
			break;
		case 'r':
			reps = atoi(optarg);
			if (reps < 1)
				usage();
			break;
		case 'c':
			csv = optarg;
			break;
		case 'g':
			goals_path = optarg;
			break;
		case 'w':
			wsel = optarg;
			break;
		case 'i':
			isel = optarg;
			break;
		case 'G':
			goals11_path = optarg;
			break;
		case 'C':
			curve_path = optarg;
			break;
		case 'M':
			curve_max_s = atof(optarg);
			break;
		case 's':
			sweep_path = optarg;
			break;
		case 'n':
			do_sweep = false;
			break;
		case 'W':
			phase_clock = CLOCK_MONOTONIC;
			break;
		case 'S':
			scan = scan_build(optarg);
			break;
		case '1':
			one_thread = true;
			break;
		case 'P':
			parts_path = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (!reps)
		reps = quick ? 3 : 7;
	for (size_t i = 0; i < NR_ALL_IMPLS; i++)
		if (listed(isel, all_impls[i]->name) &&
		    (isel || !all_impls[i]->explicit_only))
			impls[nimpl++] = all_impls[i];
	if (!nimpl)
		bench_die("no implementation selected");

	if (!one_thread)
		start_idle_thread();
	if (scan == RADIX_SCAN_AUTO)
		scan = radix_cpu_scan();
	radix_walk_scan = scan;
	make_workloads(wl, quick ? &quick_sizes : &full_sizes);
	printf("kho-bench: %s mode, %zu implementations, %d interleaved runs "
	       "each, timed in %s; workloads built in %.1f s\n",
	       quick ? "quick" : "full", nimpl, reps,
	       phase_clock == CLOCK_MONOTONIC ? "wall-clock time" :
						"thread CPU time",
	       (wall_ns() - t0) / 1e9);
	/* What glibc's mutex sees, not what was asked for. */
	printf("kho-bench: %s\n",
	       __libc_single_threaded ?
		       "one thread: glibc's mutex skips its locked "
		       "instructions (--single-threaded)" :
		       "an idle second thread: mutexes take their locked "
		       "instructions, as a kernel's do");
	printf("kho-bench: libkho's range walk runs its %s scan build (%s)\n",
	       scan_names[scan], scan_what[scan]);

	res = run_matrix(wl, NR_WORKLOADS, wsel, impls, nimpl, reps, &nres,
			 "run");
	print_table(res, nres, wl, NR_WORKLOADS, reps);
	report_goals(res, nres, reps, goals_path);
	report_goals11(res, nres, reps, goals11_path);
	if (csv)
		write_csv(csv, res, nres, reps);
	results_free(res, nres);
	if (parts_path)
		walk_parts(wl, NR_WORKLOADS, wsel, parts_path);
	for (int i = 0; i < NR_WORKLOADS; i++)
		workload_free(&wl[i]);
	if (curve_path)
		curve(curve_max_s, curve_path);
	if (do_sweep && !wsel)
		sweep(impls, nimpl, quick, sweep_path);
	printf("\nkho-bench: every walk matched the model; total %.1f s\n",
	       (wall_ns() - t0) / 1e9);
	return 0;
}
