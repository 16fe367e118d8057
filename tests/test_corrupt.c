// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_corrupt.c - a real handover, damaged at random: every outcome of
 * `kho inspect` and `kho boot` is a clean refusal with a message or an
 * accepted (validated) tree; never a crash, a sanitizer report or a hang.
 *
 * Setup: the kho tool of this build directory (BUILD/kho next to
 * BUILD/tests/test_corrupt, so the ASan build runs the ASan tool) makes a
 * 128 MiB machine and a kexec with memfd, memblock and guest memory
 * preserved. The test finds the root FDT page, every tree node (walking the
 * tree from preserved-memory-map) and the scratch array, and keeps the
 * data extents of the sparse ram.img and the handover record to restore
 * the machine after every trial.
 *
 * A trial damages one to three places, each one of:
 *   - a bit flipped in the FDT (within totalsize), a tree node, the
 *     scratch array or the first page of a subtree's blob (which the
 *     clients and inspect parse);
 *   - a hostile u64 written over a u64 of those pages: 0, all ones,
 *     unaligned, outside RAM (past its end, in the hole, 2^52, 2^63), the
 *     address of another node of the same tree (root, parent, itself, a
 *     leaf), of the FDT, of a scratch area, a random page of RAM, random
 *     bits; table entries in use, the memory map property and the scratch
 *     fields are picked more often than the rest;
 * then runs `kho inspect` and `kho boot` (each under a 20 s alarm) and sorts
 * the outcome:
 *   inspect: accepted (exit 0) | refused (exit 1, a sentence on stderr);
 *   boot:    accepted (exit 0) | accepted but a client found its data
 *            damaged (exit 1, verdict FAIL) | refused (exit 1, sentence).
 * Anything else (a signal, a sanitizer report, another exit code, silence)
 * fails the test with the seed and the damage, to replay it.
 *
 * Adversarial shapes, timed: every table entry naming the one node of the
 * level below (4 x 512^4 paths to a full leaf with 4 KiB pages), and a
 * root that names itself, must be refused by both tools in far less than
 * a second, as the real handover is read.
 *
 * KHO_CORRUPT_TRIALS: trials (default 1000; 500 in the ASan build, where a
 * boot costs several times more); KHO_CORRUPT_SEED: the random seed.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <libfdt.h>

#include <kho/radix.h>

#include "../sim/boot.h"

#if defined(__SANITIZE_ADDRESS__)
#define DEFAULT_TRIALS 500
#else
#define DEFAULT_TRIALS 1000
#endif
#define HANG_SECONDS 20
#define MAX_NODES 256
#define MAX_EXTENTS 64
#define MAX_DAMAGE 3
#define MAX_MESSAGES 64

static char kho[1024];
static char dir[64];
static char out_path[96], err_path[96];

struct node {
	uint64_t phys;
	int level;	/* -1: root FDT page, -2: scratch array, -3: a blob */
};

struct extent {
	off_t off;
	size_t len;
	void *data;
};

static struct {
	struct sim_conf conf;
	uint64_t page;
	struct kho_data kd;
	uint64_t fdt_totalsize;
	uint64_t map_prop_off;	/* of preserved-memory-map's value in the FDT */
	struct node nodes[MAX_NODES];
	unsigned int nr_nodes;
	struct extent ext[MAX_EXTENTS];
	unsigned int nr_ext;
	off_t ram_size;
	uint64_t ram_end;	/* past the last RAM byte */
	uint64_t hole;		/* an address in the hole between the ranges */
} M;

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Run `kho CMD DIR [ARG]`, stdout and stderr to files; wait status back. */
static int run_kho(const char *cmd, const char *arg)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (!pid) {
		int o = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
			_exit(126);
		/* An alarm survives exec: a hang ends by SIGALRM. */
		alarm(HANG_SECONDS);
		execl(kho, kho, cmd, dir, arg, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	if (len)
		*len = n;
	return buf;
}

static uint64_t phys_to_off(uint64_t pa)
{
	for (unsigned int i = 0; i < M.conf.nr_ranges; i++) {
		const struct sim_ram_range *r = &M.conf.ram[i];

		if (pa >= r->base && pa - r->base < r->size)
			return r->file_off + (pa - r->base);
	}
	fail_msg("%#" PRIx64 " is not RAM", pa);
	return 0;
}

static void add_node(uint64_t phys, int level)
{
	assert_true(M.nr_nodes < MAX_NODES);
	M.nodes[M.nr_nodes].phys = phys;
	M.nodes[M.nr_nodes++].level = level;
}

/* Every node of a valid tree, depth first. */
static void walk_nodes(struct sim_machine *m, const struct kho_geometry *geo,
		       uint64_t phys, int level)
{
	const uint64_t *table = sim_phys_to_virt(m, phys);

	assert_non_null(table);
	add_node(phys, level);
	if (!level)
		return;
	for (uint64_t i = 0; i < (1ULL << geo->table_bits); i++)
		if (table[i])
			walk_nodes(m, geo, table[i], level - 1);
}

static void snapshot(void)
{
	char path[128];
	int fd;
	off_t off = 0, data, hole;

	snprintf(path, sizeof(path), "%s/ram.img", dir);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	M.ram_size = lseek(fd, 0, SEEK_END);
	while (off < M.ram_size) {
		struct extent *x = &M.ext[M.nr_ext];

		data = lseek(fd, off, SEEK_DATA);
		if (data < 0)
			break;
		hole = lseek(fd, data, SEEK_HOLE);
		assert_true(M.nr_ext < MAX_EXTENTS);
		x->off = data;
		x->len = hole - data;
		x->data = malloc(x->len);
		assert_non_null(x->data);
		assert_int_equal(pread(fd, x->data, x->len, data), (ssize_t)x->len);
		M.nr_ext++;
		off = hole;
	}
	close(fd);
}

/* Put ram.img and the handover record back as the kexec left them. */
static void restore(void)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/ram.img", dir);
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	/* All holes again, then the data: the file stays sparse. */
	assert_int_equal(ftruncate(fd, 0), 0);
	assert_int_equal(ftruncate(fd, M.ram_size), 0);
	for (unsigned int i = 0; i < M.nr_ext; i++)
		assert_int_equal(pwrite(fd, M.ext[i].data, M.ext[i].len,
					M.ext[i].off), (ssize_t)M.ext[i].len);
	close(fd);
	snprintf(path, sizeof(path), "%s/handover", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, &M.kd, sizeof(M.kd)), (ssize_t)sizeof(M.kd));
	close(fd);
}

/*
 * Each test starts from the kexec's machine: a trial that fails ends its
 * loop before restore(), and the next test must not read its damage.
 */
static int fresh_machine(void **state)
{
	(void)state;
	if (kho[0])
		restore();
	return 0;
}

static int setup(void **state)
{
	struct sim_error e = { "" };
	struct kho_geometry geo;
	struct sim_machine m;
	const void *fdt, *val;
	uint64_t root;
	char cmd[4096];
	int len, sub;

	strcpy(dir, "/tmp/kho-corrupt.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(out_path, sizeof(out_path), "%s.out", dir);
	snprintf(err_path, sizeof(err_path), "%s.err", dir);
	rmdir(dir);
	/* A private copy: a rebuild of BUILD/kho during the run cannot hurt. */
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s.kho'", kho, dir);
	assert_int_equal(system(cmd), 0);
	snprintf(kho, sizeof(kho), "%s.kho", dir);
	snprintf(cmd, sizeof(cmd),
		 "'%s' machine create '%s' --ram 128M >/dev/null && "
		 "'%s' boot '%s' --preserve memfd:1M --preserve memblock:64K "
		 "--preserve guest:4M --kexec >/dev/null",
		 kho, dir, kho, dir);
	assert_int_equal(system(cmd), 0);

	assert_int_equal(sim_machine_open(&m, dir, true, &e), 0);
	assert_int_equal(sim_handover_read(&m, &M.kd, &e), 0);
	M.conf = m.conf;
	M.page = m.page_size;
	assert_int_equal(kho_geometry_init(&geo, m.conf.page_shift), 0);
	fdt = sim_phys_to_virt(&m, M.kd.fdt_addr);
	assert_non_null(fdt);
	M.fdt_totalsize = fdt_totalsize(fdt);
	val = fdt_getprop(fdt, 0, KHO_FDT_MEMORY_MAP_PROP_NAME, &len);
	assert_non_null(val);
	assert_int_equal(len, 8);
	M.map_prop_off = (const char *)val - (const char *)fdt;
	memcpy(&root, val, sizeof(root));
	add_node(M.kd.fdt_addr, -1);
	add_node(M.kd.scratch_addr, -2);
	walk_nodes(&m, &geo, root, geo.depth - 1);
	/* The first page of each subtree's blob: clients parse those. */
	fdt_for_each_subnode(sub, fdt, 0) {
		const void *pd = fdt_getprop(fdt, sub, "preserved-data", &len);
		uint64_t blob;

		assert_non_null(pd);
		memcpy(&blob, pd, sizeof(blob));
		add_node(blob & ~(M.page - 1), -3);
	}
	M.ram_end = m.conf.ram[m.conf.nr_ranges - 1].base +
		    m.conf.ram[m.conf.nr_ranges - 1].size;
	M.hole = m.conf.ram[0].base + m.conf.ram[0].size;
	assert_true(m.conf.nr_ranges > 1 && M.hole < m.conf.ram[1].base);
	sim_machine_close(&m);
	snapshot();
	return 0;
}

static int teardown(void **state)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s' '%s' '%s'", dir, out_path,
		 err_path, kho);
	if (system(cmd))
		return -1;
	for (unsigned int i = 0; i < M.nr_ext; i++)
		free(M.ext[i].data);
	return 0;
}

/* A value meant to hurt, chosen for the node at @n (index into M.nodes). */
static uint64_t hostile(uint64_t *s, unsigned int n)
{
	const struct node *other = &M.nodes[rnd(s) % M.nr_nodes];
	uint64_t ram0 = M.conf.ram[0].base, ram0_size = M.conf.ram[0].size;

	switch (rnd(s) % 14) {
	case 0: return 0;
	case 1: return UINT64_MAX;
	case 2: return other->phys + 1 + rnd(s) % (M.page - 1); /* unaligned */
	case 3: return M.ram_end + (rnd(s) % 64) * M.page;	/* past RAM */
	case 4: return M.hole + (rnd(s) % 16) * M.page;	/* in the hole */
	case 5: return 1ULL << 52;
	case 6: return 1ULL << 63;
	case 7: /* another node of the same tree (any, FDT included) */
	case 8: return other->phys;
	case 9: return M.nodes[n].phys;			/* itself: a cycle */
	case 10: return M.nodes[2].phys;			/* the tree's root */
	case 11: return ram0 + (rnd(s) % (ram0_size / M.page)) * M.page;
	case 12: return M.kd.scratch_addr & ~(M.page - 1);
	default: return rnd(s);
	}
}

struct damage {
	uint64_t phys;		/* where */
	uint64_t value;		/* what was written (a flip: the new word) */
	uint64_t old;
	unsigned int size;	/* 8, or 1 for a flipped byte */
};

static void poke(int fd, struct damage *d)
{
	uint64_t off = phys_to_off(d->phys);

	d->old = 0;
	assert_int_equal(pread(fd, &d->old, d->size, off), (ssize_t)d->size);
	assert_int_equal(pwrite(fd, &d->value, d->size, off), (ssize_t)d->size);
}

/* One place of one page, damaged one way. */
static void damage_one(int fd, uint64_t *s, struct damage *d)
{
	unsigned int n = rnd(s) % 10 < 2 ? 0 :
			 rnd(s) % 20 == 0 ? 1 :
			 2 + rnd(s) % (M.nr_nodes - 2);
	const struct node *t = &M.nodes[n];
	uint64_t span = t->level == -1 ? M.fdt_totalsize :
			t->level == -2 ? M.kd.scratch_size : M.page;
	uint64_t at = rnd(s) % span;
	bool flip = rnd(s) & 1;

	if (flip) {
		uint8_t byte;

		d->phys = t->phys + at;
		d->size = 1;
		assert_int_equal(pread(fd, &byte, 1, phys_to_off(d->phys)), 1);
		d->value = byte ^ (1U << (rnd(s) % 8));
		poke(fd, d);
		return;
	}
	at &= ~7ULL;
	if (t->level == -1 && rnd(s) % 2)
		at = M.map_prop_off;
	if (t->level > 0 && rnd(s) % 2) {
		/* An entry in use: the pointers are what a walk trusts. */
		uint64_t e, i0 = rnd(s) % (M.page / 8);

		for (uint64_t k = 0; k < M.page / 8; k++) {
			uint64_t i = (i0 + k) % (M.page / 8);

			assert_int_equal(pread(fd, &e, 8, phys_to_off(t->phys + i * 8)), 8);
			if (e) {
				at = i * 8;
				break;
			}
		}
	}
	d->phys = t->phys + at;
	d->size = 8;
	d->value = hostile(s, n);
	poke(fd, d);
}

struct outcomes {
	unsigned int inspect_ok, inspect_refused;
	unsigned int boot_ok, boot_client_fail, boot_refused;
	unsigned int agree;
	char msg[MAX_MESSAGES][160];
	unsigned int msg_count[MAX_MESSAGES];
	unsigned int nr_msg;
};

/* Count a refusal by its sentence, without addresses. */
static void count_msg(struct outcomes *o, const char *err)
{
	char key[160];
	const char *p = strstr(err, "refused: ");
	size_t n;

	p = p ? p + strlen("refused: ") : err;
	n = strcspn(p, "(\n");
	if (n >= sizeof(key))
		n = sizeof(key) - 1;
	memcpy(key, p, n);
	while (n && key[n - 1] == ' ')
		n--;
	key[n] = '\0';
	for (unsigned int i = 0; i < o->nr_msg; i++)
		if (!strcmp(o->msg[i], key)) {
			o->msg_count[i]++;
			return;
		}
	if (o->nr_msg < MAX_MESSAGES) {
		strcpy(o->msg[o->nr_msg], key);
		o->msg_count[o->nr_msg++] = 1;
	}
}

static void describe(const struct damage *d, unsigned int nr, uint64_t seed,
		     unsigned int trial)
{
	fprintf(stderr, "trial %u (KHO_CORRUPT_SEED=%#" PRIx64 "), damage:\n",
		trial, seed);
	for (unsigned int i = 0; i < nr; i++)
		fprintf(stderr, "  phys %#" PRIx64 ": %u bytes %#" PRIx64
			" -> %#" PRIx64 "\n", d[i].phys, d[i].size, d[i].old,
			d[i].value);
}

/* Fail unless the run ended cleanly; return its exit code. */
static int judge(int status, const char *what, const struct damage *d,
		 unsigned int nr, uint64_t seed, unsigned int trial,
		 char **err)
{
	*err = slurp(err_path, NULL);
	if (WIFSIGNALED(status) || strstr(*err, "Sanitizer") ||
	    strstr(*err, "runtime error") ||
	    (WIFEXITED(status) && WEXITSTATUS(status) > 1)) {
		describe(d, nr, seed, trial);
		fail_msg("kho %s: %s %d; stderr:\n%s", what,
			 WIFSIGNALED(status) ?
				 (WTERMSIG(status) == SIGALRM ? "hung, alarm" :
								"killed by signal") :
				 "exit status",
			 WIFSIGNALED(status) ? WTERMSIG(status) :
					       WEXITSTATUS(status),
			 *err);
	}
	return WEXITSTATUS(status);
}

static void test_corrupt(void **state)
{
	const char *env = getenv("KHO_CORRUPT_TRIALS");
	const char *env_seed = getenv("KHO_CORRUPT_SEED");
	unsigned int trials = env ? (unsigned int)atoi(env) : DEFAULT_TRIALS;
	uint64_t seed = env_seed ? strtoull(env_seed, NULL, 0) :
				   (uint64_t)time(NULL) * 2654435761u ^ getpid();
	static struct outcomes o;
	struct damage d[MAX_DAMAGE];
	uint64_t s, t0 = sim_now_ns();
	char path[128];

	if (!kho[0])
		skip();
	seed |= 1;
	s = seed;
	printf("corrupt: %u trials, seed %#" PRIx64 " (KHO_CORRUPT_SEED), "
	       "%u pages to damage (FDT, scratch array, tree, blobs), tool %s\n",
	       trials, seed, M.nr_nodes, kho);
	snprintf(path, sizeof(path), "%s/ram.img", dir);
	for (unsigned int t = 0; t < trials; t++) {
		unsigned int nr = 1 + rnd(&s) % MAX_DAMAGE;
		char *ierr, *berr, *bout;
		int fd, irc, brc;
		bool refused_i;

		fd = open(path, O_RDWR);
		assert_true(fd >= 0);
		for (unsigned int i = 0; i < nr; i++)
			damage_one(fd, &s, &d[i]);
		close(fd);

		irc = judge(run_kho("inspect", NULL), "inspect", d, nr, seed,
			    t, &ierr);
		refused_i = irc != 0;
		if (refused_i) {
			if (!ierr[0]) {
				describe(d, nr, seed, t);
				fail_msg("kho inspect failed without a message");
			}
			o.inspect_refused++;
		} else {
			o.inspect_ok++;
		}

		brc = judge(run_kho("boot", NULL), "boot", d, nr, seed, t,
			    &berr);
		bout = slurp(out_path, NULL);
		if (!brc) {
			o.boot_ok++;
		} else if (strstr(bout, "verdict       FAIL")) {
			o.boot_client_fail++;
		} else {
			if (!berr[0]) {
				describe(d, nr, seed, t);
				fail_msg("kho boot failed without a message");
			}
			o.boot_refused++;
			count_msg(&o, berr);
		}
		/* Both take the handover the same way. */
		if (strstr(ierr, "KHO handover refused") && !strstr(berr, ierr)) {
			describe(d, nr, seed, t);
			fail_msg("inspect said\n%sboot said\n%s", ierr, berr);
		}
		o.agree += !!strstr(ierr, "KHO handover refused") ==
			   !!strstr(berr, "KHO handover refused");
		free(ierr);
		free(berr);
		free(bout);
		restore();
	}
	printf("corrupt: %u trials in %.1f s\n", trials,
	       (sim_now_ns() - t0) / 1e9);
	printf("corrupt: inspect: %u accepted, %u refused with a message\n",
	       o.inspect_ok, o.inspect_refused);
	printf("corrupt: boot: %u accepted, %u accepted with a client reporting "
	       "damaged data, %u refused with a message\n",
	       o.boot_ok, o.boot_client_fail, o.boot_refused);
	printf("corrupt: no crash, no sanitizer report, no hang; inspect and "
	       "boot agree on the handover's refusal in %u of %u\n",
	       o.agree, trials);
	for (unsigned int i = 0; i < o.nr_msg; i++)
		printf("corrupt: %5u  %s\n", o.msg_count[i], o.msg[i]);
}

/* Wall-clock time of one `kho CMD DIR`, which must refuse with @says. */
static double timed_refusal(const char *cmd, const char *says)
{
	uint64_t t0 = sim_now_ns();
	int status = run_kho(cmd, NULL);
	double ms = (sim_now_ns() - t0) / 1e6;
	char *err = slurp(err_path, NULL);

	if (!WIFEXITED(status) || WEXITSTATUS(status) != 1 ||
	    !strstr(err, says))
		fail_msg("kho %s: status %#x, stderr:\n%s", cmd, status, err);
	free(err);
	return ms;
}

/* One node per level, the last one a leaf: [level] = its physical address. */
static void pick_chain(uint64_t *chain, int depth)
{
	for (int l = 0; l < depth; l++) {
		chain[l] = 0;
		for (unsigned int i = 2; i < M.nr_nodes && !chain[l]; i++)
			if (M.nodes[i].level == l)
				chain[l] = M.nodes[i].phys;
		assert_true(chain[l] != 0);
	}
}

static void fill_page(int fd, uint64_t phys, uint64_t value, uint64_t n)
{
	uint64_t *buf = calloc(1, M.page);

	assert_non_null(buf);
	for (uint64_t i = 0; i < n; i++)
		buf[i] = value;
	assert_int_equal(pwrite(fd, buf, M.page, phys_to_off(phys)),
			 (ssize_t)M.page);
	free(buf);
}

/*
 * Every entry of every table names the one node of the level below (the
 * root's reachable entries too), every leaf bit set: followed blindly, 4 x
 * 512^4 paths to a full leaf. The check visits each node once and refuses
 * at the second mention. Then the plainest cycle: the root names itself.
 */
static void test_adversarial_shapes(void **state)
{
	struct kho_geometry geo;
	uint64_t chain[KHO_TREE_MAX_DEPTH];
	uint64_t all = UINT64_MAX, root_entries;
	double base_i, base_b, ms_i, ms_b, cyc_i, cyc_b;
	char path[128];
	int fd, status, depth;

	if (!kho[0])
		skip();
	assert_int_equal(kho_geometry_init(&geo, M.conf.page_shift), 0);
	depth = geo.depth;
	root_entries = 1ULL << (geo.key_width -
				(geo.bitmap_bits +
				 (depth - 2) * geo.table_bits));
	pick_chain(chain, depth - 1);
	chain[depth - 1] = M.nodes[2].phys;

	/* The real handover, for comparison. */
	{
		uint64_t t0 = sim_now_ns();

		status = run_kho("inspect", NULL);
		base_i = (sim_now_ns() - t0) / 1e6;
		assert_true(WIFEXITED(status) && !WEXITSTATUS(status));
		t0 = sim_now_ns();
		status = run_kho("boot", NULL);
		base_b = (sim_now_ns() - t0) / 1e6;
		assert_true(WIFEXITED(status) && !WEXITSTATUS(status));
		restore();
	}

	snprintf(path, sizeof(path), "%s/ram.img", dir);
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	fill_page(fd, chain[0], all, M.page / 8);
	for (int l = 1; l < depth - 1; l++)
		fill_page(fd, chain[l], chain[l - 1], M.page / 8);
	fill_page(fd, chain[depth - 1], chain[depth - 2], root_entries);
	close(fd);
	ms_i = timed_refusal("inspect", "reached twice");
	ms_b = timed_refusal("boot", "reached twice");
	restore();

	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	fill_page(fd, chain[depth - 1], chain[depth - 1], 1);
	close(fd);
	cyc_i = timed_refusal("inspect", "reached twice");
	cyc_b = timed_refusal("boot", "reached twice");
	restore();

	printf("shapes: real handover: inspect %.1f ms, boot %.1f ms\n",
	       base_i, base_b);
	printf("shapes: every entry -> one node per level (%" PRIu64
	       " x %u^%d paths): refused by inspect in %.1f ms, by boot in "
	       "%.1f ms\n", root_entries, 1U << geo.table_bits, depth - 2,
	       ms_i, ms_b);
	printf("shapes: root names itself: refused by inspect in %.1f ms, by "
	       "boot in %.1f ms\n", cyc_i, cyc_b);
	/* Whole processes, sanitizers included: far below a second. */
	assert_true(ms_i < 1000 && ms_b < 1000 && cyc_i < 1000 && cyc_b < 1000);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_corrupt, fresh_machine),
		cmocka_unit_test_setup(test_adversarial_shapes, fresh_machine),
	};
	char self[4096];

	/* BUILD/tests/test_corrupt -> BUILD/kho */
	snprintf(self, sizeof(self), "%s", argv[0]);
	snprintf(kho, sizeof(kho), "%s/kho", dirname(dirname(self)));
	if (access(kho, X_OK))
		kho[0] = '\0';
	return cmocka_run_group_tests(tests, kho[0] ? setup : NULL,
				      kho[0] ? teardown : NULL);
}
