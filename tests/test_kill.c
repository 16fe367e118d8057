// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_kill.c - the preserving kernel killed at any instant.
 *
 * Each trial forks a kernel A on a simulated machine (sim/): it cold-boots,
 * registers a subtree, writes the handover record (struct kho_data and the
 * scratch array, as a kexec would, but first: there will be no orderly
 * kexec), and then preserves and unpreserves folios and page runs at random
 * until the parent kills it with SIGKILL after a random delay. Kernel B (a
 * KHO boot of the same machine, in the parent) must then accept the
 * handover (sim_boot_open() validates the whole tree before walking it) and
 * find exactly what kernel A's log says:
 *
 *   log (shared memory)     rec 0   rec 1   ...   rec n-1
 *                           done    done          begun, maybe not done
 *
 * A record is published before its call (n = i + 1) and marked done after
 * the call returned, with release stores, so the log never claims more than
 * happened. Every block of a completed preserve is in the tree, every block
 * of a completed unpreserve is gone; only the region of the one call in
 * flight may hold any part of that call's blocks. Each expected block must
 * restore. Subtree edits of the root FDT are not atomic in place, so the
 * subtree is registered before the kill window (docs/reliability.md).
 *
 * KHO_KILL_TRIALS (default 500) sets the number of trials, KHO_KILL_SEED
 * the random seed (printed, to replay a failure). Page sizes rotate 4K,
 * 16K, 64K.
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../sim/boot.h"

#define SZ_1M (1ULL << 20)
#define MACHINE_RAM (128 * SZ_1M)
#define NR_SLOTS 24
#define SLOT_MAX_ORDER 4
#define MAX_OPS 40000
#define DEFAULT_TRIALS 500
/* The kill lands within this many microseconds after the record exists. */
#define KILL_WINDOW_US 3000
#define READY_TIMEOUT_US (20 * 1000 * 1000)
#define SUBTREE_NAME "kill-test"

enum { OP_PRESERVE, OP_UNPRESERVE };
enum { KIND_FOLIO, KIND_PAGES };
enum { REC_BEGUN = 1, REC_DONE };

struct rec {
	uint64_t phys;		/* folio or first page */
	uint64_t arg;		/* order (folio) or pages (run) */
	uint8_t slot, kind, op;
	_Atomic uint8_t state;
	int32_t ret;
};

struct slot {
	uint64_t phys;		/* 2^order pages kernel A allocated */
	unsigned int order;
};

struct shared {
	_Atomic uint32_t ready;
	_Atomic uint64_t n;
	uint64_t blob_phys;
	uint64_t array_phys;
	uint64_t fdt_phys;
	unsigned int page_shift;
	struct slot slots[NR_SLOTS];
	struct rec r[MAX_OPS];
};

static struct shared *sh;
static char dirs[3][32];

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int setup(void **state)
{
	static const unsigned int shifts[] = { 12, 14, 16 };
	struct sim_error e;
	struct sim_conf c;

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(sh != MAP_FAILED);
	for (int i = 0; i < 3; i++) {
		strcpy(dirs[i], "/tmp/kho-kill.XXXXXX");
		assert_non_null(mkdtemp(dirs[i]));
		/* 64 KiB pages align scratch to 64 MiB: more RAM. */
		assert_int_equal(sim_conf_layout(&c,
						 shifts[i] == 16 ? 4 * MACHINE_RAM :
								   MACHINE_RAM,
						 1, shifts[i], &e),
				 0);
		assert_int_equal(sim_machine_create(dirs[i], &c, &e), 0);
	}
	return 0;
}

static int teardown(void **state)
{
	static const char *const files[] = { "ram.img", "machine.conf",
					     "handover" };
	char path[128];

	for (int i = 0; i < 3; i++) {
		for (int f = 0; f < 3; f++) {
			snprintf(path, sizeof(path), "%s/%s", dirs[i], files[f]);
			unlink(path);
		}
		rmdir(dirs[i]);
	}
	munmap(sh, sizeof(*sh));
	return 0;
}

/* Kernel A: set up, say ready, then work until killed. */
static void kernel_a(const char *dir, uint64_t seed)
{
	struct sim_boot_opts opts = { 0 };
	struct sim_error e = { "" };
	struct kho_data kd;
	bool preserved[NR_SLOTS] = { false };
	struct rec cur[NR_SLOTS];
	struct sim_boot *b;
	void *blob;

	b = calloc(1, sizeof(*b));
	if (!b || sim_boot_open(b, dir, &opts, &e) || sim_boot_mm_init(b, &e) ||
	    sim_boot_out_init(b, &e)) {
		fprintf(stderr, "kernel A: %s\n", e.msg);
		_exit(2);
	}
	sh->page_shift = b->m.conf.page_shift;
	for (int i = 0; i < NR_SLOTS; i++) {
		unsigned int order = i % (SLOT_MAX_ORDER + 1);
		void *va = sim_alloc_pages(b, order);

		if (!va)
			_exit(3);
		sh->slots[i].phys = sim_virt_to_phys(&b->m, va);
		sh->slots[i].order = order;
	}
	blob = kho_alloc_preserve(&b->out, 64);
	if (!blob || kho_add_subtree(&b->out, SUBTREE_NAME, blob, 64) ||
	    sim_boot_write_handover(b, &e) || sim_handover_read(&b->m, &kd, &e))
		_exit(4);
	sh->array_phys = kd.scratch_addr;
	sh->blob_phys = sim_virt_to_phys(&b->m, blob);
	sh->fdt_phys = b->out.fdt_phys;
	atomic_store_explicit(&sh->ready, 1, memory_order_release);

	for (uint64_t i = 0; i < MAX_OPS; i++) {
		struct rec *r = &sh->r[i];
		unsigned int s = rnd(&seed) % NR_SLOTS;
		const struct slot *sl = &sh->slots[s];
		uint64_t page = 1ULL << sh->page_shift, span, off;
		int ret;

		if (!preserved[s]) {
			cur[s].slot = (uint8_t)s;
			cur[s].op = OP_PRESERVE;
			cur[s].kind = rnd(&seed) & 1 ? KIND_PAGES : KIND_FOLIO;
			if (cur[s].kind == KIND_FOLIO) {
				cur[s].phys = sl->phys;
				cur[s].arg = sl->order;
			} else {
				span = 1ULL << sl->order;
				off = rnd(&seed) % span;
				cur[s].phys = sl->phys + off * page;
				cur[s].arg = 1 + rnd(&seed) % (span - off);
			}
		} else {
			cur[s].op = OP_UNPRESERVE;
		}
		r->phys = cur[s].phys;
		r->arg = cur[s].arg;
		r->slot = cur[s].slot;
		r->kind = cur[s].kind;
		r->op = cur[s].op;
		/* Published before the call: the parent may see it begun. */
		atomic_store_explicit(&sh->n, i + 1, memory_order_release);
		if (r->kind == KIND_FOLIO)
			ret = r->op == OP_PRESERVE ?
				      kho_preserve_folio(&b->out, r->phys, r->arg) :
				      kho_unpreserve_folio(&b->out, r->phys, r->arg);
		else
			ret = r->op == OP_PRESERVE ?
				      kho_preserve_pages(&b->out, r->phys, r->arg) :
				      kho_unpreserve_pages(&b->out, r->phys, r->arg);
		r->ret = ret;
		atomic_store_explicit(&r->state, REC_DONE, memory_order_release);
		if (!ret)
			preserved[s] = r->op == OP_PRESERVE;
	}
	/* Not killed in time: a clean end is a trial too. */
	_exit(0);
}

struct block {
	uint64_t phys;
	unsigned int order;
};

struct blocks {
	struct block v[4 * NR_SLOTS * (SLOT_MAX_ORDER + 2) + 8];
	unsigned int nr;
};

static void add_block(struct blocks *l, uint64_t phys, unsigned int order)
{
	assert_true(l->nr < sizeof(l->v) / sizeof(l->v[0]));
	l->v[l->nr].phys = phys;
	l->v[l->nr++].order = order;
}

static int collect(uint64_t phys, unsigned int order, void *arg)
{
	add_block(arg, phys, order);
	return 0;
}

/* The blocks a call covers: the folio, or the kernel's split of the run. */
static void blocks_of(const struct rec *r, unsigned int shift,
		      struct blocks *l)
{
	uint64_t pfn = r->phys >> shift, end = pfn + r->arg;
	unsigned int order;

	if (r->kind == KIND_FOLIO) {
		add_block(l, r->phys, r->arg);
		return;
	}
	for (; pfn < end; pfn += 1ULL << order) {
		order = kho_range_block_order(pfn, end);
		add_block(l, pfn << shift, order);
	}
}

static bool has(const struct blocks *l, uint64_t phys, unsigned int order)
{
	for (unsigned int i = 0; i < l->nr; i++)
		if (l->v[i].phys == phys && l->v[i].order == order)
			return true;
	return false;
}

struct tally {
	unsigned int trials, in_flight, partial, finished, ops;
};

/* Kernel B: take the handover and compare it with kernel A's log. */
static void kernel_b(const char *dir, struct tally *t)
{
	struct sim_boot_opts opts = { 0 };
	struct sim_error e = { "" };
	struct rec last[NR_SLOTS];
	bool on[NR_SLOTS] = { false };
	static struct blocks want, got, flight;
	const struct rec *fl = NULL;
	uint64_t n = atomic_load_explicit(&sh->n, memory_order_acquire);
	unsigned int shift = sh->page_shift;
	struct sim_boot *b;
	int ret;

	/* Replay the log: the last completed call decides each slot. */
	for (uint64_t i = 0; i < n; i++) {
		const struct rec *r = &sh->r[i];

		if (atomic_load_explicit(&r->state, memory_order_acquire) !=
		    REC_DONE) {
			assert_true(i == n - 1);
			fl = r;
			continue;
		}
		if (r->ret) {
			/* Only a full machine may refuse; it changes nothing. */
			assert_int_equal(r->ret, -ENOMEM);
			continue;
		}
		last[r->slot] = *r;
		on[r->slot] = r->op == OP_PRESERVE;
	}
	want.nr = got.nr = flight.nr = 0;
	/* The root FDT, the subtree's blob and the scratch array are
	 * preserved pages too. */
	add_block(&want, sh->fdt_phys, 0);
	add_block(&want, sh->blob_phys, 0);
	add_block(&want, sh->array_phys, 0);
	for (int s = 0; s < NR_SLOTS; s++)
		if (on[s] && !(fl && fl->slot == s))
			blocks_of(&last[s], shift, &want);
	if (fl)
		blocks_of(fl, shift, &flight);

	b = calloc(1, sizeof(*b));
	assert_non_null(b);
	ret = sim_boot_open(b, dir, &opts, &e);
	if (ret)
		fail_msg("kernel B refused the handover after %" PRIu64
			 " calls: %s", n, e.msg);
	assert_true(b->kho_boot);
	assert_true(b->stats.validated_nodes > 0);
	assert_int_equal(kho_radix_walk(&b->in.tree, collect, &got), 0);

	/* Everything found was promised, or belongs to the call in flight. */
	for (unsigned int i = 0; i < got.nr; i++) {
		const struct block *g = &got.v[i];

		if (has(&want, g->phys, g->order))
			continue;
		if (has(&flight, g->phys, g->order))
			continue;
		fail_msg("block %#" PRIx64 " order %u in the tree, not in the log",
			 g->phys, g->order);
	}
	/*
	 * Everything promised is there and restores once, but the root FDT,
	 * which kernel B's KHO keeps for itself.
	 */
	for (unsigned int i = 0; i < want.nr; i++) {
		const struct block *w = &want.v[i];

		if (!has(&got, w->phys, w->order))
			fail_msg("block %#" PRIx64 " order %u preserved before the kill, missing",
				 w->phys, w->order);
		if (w->phys != sh->fdt_phys)
			assert_non_null(kho_restore_folio(&b->in, w->phys));
		assert_null(kho_restore_folio(&b->in, w->phys));
	}
	/* A run split into blocks, caught half done: the kill hit the tree. */
	if (fl) {
		unsigned int present = 0;

		for (unsigned int i = 0; i < flight.nr; i++)
			present += has(&got, flight.v[i].phys, flight.v[i].order);
		t->partial += present && present < flight.nr;
	}
	if (sim_boot_close(b, &e))
		fail_msg("kernel B could not power off: %s", e.msg);
	free(b);
	t->trials++;
	t->ops += n;
	if (fl)
		t->in_flight++;
}

static void test_kill_anywhere(void **state)
{
	const char *env = getenv("KHO_KILL_TRIALS");
	const char *env_seed = getenv("KHO_KILL_SEED");
	unsigned int trials = env ? (unsigned int)atoi(env) : DEFAULT_TRIALS;
	uint64_t seed = env_seed ? strtoull(env_seed, NULL, 0) :
				   (uint64_t)time(NULL) * 2654435761u ^ getpid();
	struct tally t = { 0 };
	uint64_t t0 = sim_now_ns();

	seed |= 1;
	printf("kill: %u trials, seed %#" PRIx64 " (KHO_KILL_SEED)\n", trials,
	       seed);
	for (unsigned int i = 0; i < trials; i++) {
		const char *dir = dirs[i % 3];
		uint64_t child_seed = rnd(&seed), waited = 0;
		int status;
		pid_t pid;

		memset(sh, 0, sizeof(*sh));
		pid = fork();
		assert_true(pid >= 0);
		if (!pid)
			kernel_a(dir, child_seed | 1);
		while (!atomic_load_explicit(&sh->ready, memory_order_acquire)) {
			assert_int_equal(waitpid(pid, &status, WNOHANG), 0);
			assert_true(waited < READY_TIMEOUT_US);
			usleep(100);
			waited += 100;
		}
		usleep(rnd(&seed) % KILL_WINDOW_US);
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (WIFEXITED(status)) {
			assert_int_equal(WEXITSTATUS(status), 0);
			t.finished++;
		} else {
			assert_true(WIFSIGNALED(status) &&
				    WTERMSIG(status) == SIGKILL);
		}
		kernel_b(dir, &t);
	}
	printf("kill: %u trials in %.1f s: %u killed, %u of them inside a "
	       "call (%u with a page run half in the tree), %u ran to the "
	       "end; %u calls before the kills; every handover accepted and "
	       "as logged\n",
	       t.trials, (sim_now_ns() - t0) / 1e9, t.trials - t.finished,
	       t.in_flight, t.partial, t.finished, t.ops);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kill_anywhere),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
