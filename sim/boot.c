// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * boot.c - cold boot, KHO boot, scrub and kexec of the simulated machine.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <kho/validate.h>

#include "boot.h"
#include "scratch.h"

uint64_t sim_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static uint64_t round_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) & ~(a - 1);
}

/* ---- what libkho sees: struct kho_env_ops over the machine --------------- */

static void *env_alloc_pages(void *ctx, unsigned int order)
{
	struct sim_boot *b = ctx;

	return sim_alloc_pages(b, order);
}

static void env_free_pages(void *ctx, void *va, unsigned int order)
{
	sim_free_pages(ctx, va, order);
}

static void *env_alloc_page(void *ctx)
{
	return sim_alloc_pages(ctx, 0);
}

static void env_free_page(void *ctx, void *page)
{
	sim_free_pages(ctx, page, 0);
}

static uint64_t env_virt_to_phys(void *ctx, const void *va)
{
	struct sim_boot *b = ctx;

	return sim_virt_to_phys(&b->m, va);
}

static void *env_phys_to_virt(void *ctx, uint64_t pa)
{
	struct sim_boot *b = ctx;

	return sim_phys_to_virt(&b->m, pa);
}

static struct kho_page *env_pfn_to_page(void *ctx, uint64_t pfn)
{
	struct sim_boot *b = ctx;
	struct sim_page *p = sim_pfn_to_page(&b->buddy, pfn);

	return p ? &p->kp : NULL;
}

static void *alloc_common(struct sim_boot *b, unsigned int order, bool movable)
{
	uint64_t pfn;
	void *va;

	if (!b->buddy_up || b->m.readonly)
		return NULL;
	if (movable)
		pfn = sim_buddy_alloc(&b->buddy, order, true);
	else
		pfn = sim_buddy_alloc_contig(&b->buddy, order);
	if (pfn == SIM_NO_PHYS)
		return NULL;
	va = sim_phys_to_virt(&b->m, pfn << b->m.conf.page_shift);
	memset(va, 0, b->m.page_size << order);
	return va;
}

void *sim_alloc_pages(struct sim_boot *b, unsigned int order)
{
	return alloc_common(b, order, false);
}

void *sim_alloc_movable(struct sim_boot *b, unsigned int order)
{
	return alloc_common(b, order, true);
}

void sim_free_pages(struct sim_boot *b, void *va, unsigned int order)
{
	uint64_t pa = sim_virt_to_phys(&b->m, va);

	if (pa == SIM_NO_PHYS || !b->buddy_up)
		return;
	sim_buddy_free(&b->buddy, pa >> b->m.conf.page_shift, order);
}

static void env_setup(struct sim_boot *b)
{
	b->env.mem.alloc_page = env_alloc_page;
	b->env.mem.free_page = env_free_page;
	b->env.mem.virt_to_phys = env_virt_to_phys;
	b->env.mem.phys_to_virt = env_phys_to_virt;
	b->env.mem.ctx = b;
	b->env.alloc_pages = env_alloc_pages;
	b->env.free_pages = env_free_pages;
	b->env.pfn_to_page = env_pfn_to_page;
}

void sim_format_kho_error(const struct kho_error *err, const char *prefix,
			  struct sim_error *e)
{
	char sentence[SIM_ERROR_LEN];

	kho_error_format(err, sentence, sizeof(sentence));
	sim_fail(e, err->code ? err->code : -EINVAL, "%s%s", prefix, sentence);
}

/* ---- memblock setup ------------------------------------------------------ */

/* Charge each node the struct pages a kernel would allocate for it. */
static int charge_memmap(struct sim_boot *b, struct sim_error *e)
{
	const struct sim_conf *c = &b->m.conf;

	for (unsigned int nid = 0; nid < c->nr_nodes; nid++) {
		uint64_t pages = 0, size, pa;

		for (unsigned int i = 0; i < c->nr_ranges; i++)
			if (c->ram[i].nid == (int)nid)
				pages += c->ram[i].size >> c->page_shift;
		if (!pages)
			continue;
		size = round_up(pages * SIM_STRUCT_PAGE_SIZE, b->m.page_size);
		pa = sim_memblock_alloc(&b->mb, size, b->m.page_size, 0,
					SIM_MB_ALLOC_ANYWHERE, nid,
					SIM_MB_RSRV_KERN, 0);
		if (pa == SIM_MB_ALLOC_ANYWHERE)
			pa = sim_memblock_alloc(&b->mb, size, b->m.page_size, 0,
						SIM_MB_ALLOC_ANYWHERE,
						SIM_NUMA_NO_NODE,
						SIM_MB_RSRV_KERN, 0);
		if (pa == SIM_MB_ALLOC_ANYWHERE)
			return sim_fail(
				e, -ENOMEM,
				"%s: no room for the memmap of node %u (%" PRIu64
				" KiB)%s",
				b->m.dir, nid, size >> 10,
				b->mb.scratch_only ? " in the scratch areas" :
						     "");
	}
	return 0;
}

/* How scratch areas are sized and aligned on this machine. */
static uint64_t scratch_align(const struct sim_boot *b)
{
	return SIM_SCRATCH_ALIGN_OF(b->m.page_size);
}

/*
 * Where the kernel's arithmetic would wrap (size * scratch_scale in a u64,
 * round_up() past 2^64: a huge kho_scratch= gives a small area there),
 * these give the largest size instead: no RAM holds it, and the
 * reservation says so.
 */
static uint64_t scratch_scaled(uint64_t size, unsigned int scale)
{
	uint64_t product;

	if (__builtin_mul_overflow(size, scale, &product))
		return UINT64_MAX;
	return product / 100;
}

static uint64_t scratch_round(const struct sim_boot *b, uint64_t size)
{
	const uint64_t align = scratch_align(b);

	if (size > UINT64_MAX - (align - 1))
		return UINT64_MAX & ~(align - 1);
	return round_up(size, align);
}

static int reserve_scratch_area(struct sim_boot *b, uint64_t size,
				uint64_t limit, int nid, const char *what,
				struct sim_error *e)
{
	uint64_t pa;

	/*
	 * Linux records an empty area too (x86 with all RAM below 4 GiB has
	 * an empty global area): memblock's top-down search returns the top
	 * of the highest free range, which is where the area before it
	 * started, and reserves nothing there.
	 */
	if (!size) {
		pa = b->nr_scratch ? b->scratch[b->nr_scratch - 1].addr : 0;
		goto record;
	}
	pa = sim_memblock_alloc(&b->mb, size, scratch_align(b), 0, limit, nid,
				SIM_MB_RSRV_SCRATCH, 0);
	/*
	 * The lowmem area must lie below 4 GiB (kho_reserve_scratch() passes
	 * ARCH_LOW_ADDRESS_LIMIT): more RAM above cannot help it.
	 */
	if (pa == SIM_MB_ALLOC_ANYWHERE && limit != SIM_MB_ALLOC_ANYWHERE) {
		const struct sim_conf *c = &b->m.conf;
		uint64_t below = 0;

		for (unsigned int i = 0; i < c->nr_ranges; i++)
			if (c->ram[i].base < limit)
				below += (c->ram[i].base + c->ram[i].size <=
							  limit ?
						  c->ram[i].size :
						  limit - c->ram[i].base);
		if (size > limit)
			return sim_fail(
				e, -ENOMEM,
				"%s: cannot reserve %" PRIu64
				" MiB of KHO scratch (%s): it must lie below %" PRIu64
				" GiB, which cannot hold that much (set kho_scratch)",
				b->m.dir, size >> 20, what, limit >> 30);
		return sim_fail(
			e, -ENOMEM,
			"%s: cannot reserve %" PRIu64
			" MiB of KHO scratch (%s): it must lie below %" PRIu64
			" GiB, where the machine has %" PRIu64
			" MiB of RAM, not enough of it free (give the machine more RAM below %" PRIu64
			" GiB, or set kho_scratch)",
			b->m.dir, size >> 20, what, limit >> 30, below >> 20,
			limit >> 30);
	}
	if (pa == SIM_MB_ALLOC_ANYWHERE)
		return sim_fail(
			e, -ENOMEM,
			"%s: cannot reserve %" PRIu64
			" MiB of KHO scratch (%s): not enough free memory (give the machine more RAM or fewer nodes, or set kho_scratch)",
			b->m.dir, size >> 20, what);
	if (sim_memblock_mark_scratch(&b->mb, pa, size))
		return sim_fail(e, -ENOMEM, "out of memblock regions");
record:
	b->scratch[b->nr_scratch].addr = pa;
	b->scratch[b->nr_scratch].size = size;
	b->nr_scratch++;
	return 0;
}

/* The kernel's kho_reserve_scratch(): lowmem, global, then one per node. */
static int reserve_scratch(struct sim_boot *b, struct sim_error *e)
{
	struct sim_scratch_spec spec;
	uint64_t low, global;
	char what[32];
	int ret;

	/*
	 * A value the kernel refuses is ignored with a warning
	 * (init/main.c:743-744), its defaults kept (kexec_handover.c:683-686
	 * are only changed once the value is whole, :712 and :741-745): spec
	 * holds them, and the report says so.
	 */
	b->scratch_malformed = sim_scratch_parse(b->m.conf.kho_scratch, &spec);
	if (spec.scale) {
		/*
		 * Global is the scaled whole less the scaled lowmem, both
		 * before rounding (kexec_handover.c:763-786). The whole holds
		 * lowmem, so only saturation can make it the smaller.
		 */
		low = scratch_scaled(sim_memblock_reserved_kern_size(
					     &b->mb, SIM_LOW_ADDRESS_LIMIT,
					     SIM_NUMA_NO_NODE),
				     spec.scale);
		global = scratch_scaled(sim_memblock_reserved_kern_size(
						&b->mb, SIM_MB_ALLOC_ANYWHERE,
						SIM_NUMA_NO_NODE),
					spec.scale);
		global = scratch_round(b, global > low ? global - low : 0);
		low = scratch_round(b, low);
	} else {
		low = scratch_round(b, spec.lowmem);
		global = scratch_round(b, spec.global);
	}
	/*
	 * The next kernel is loaded into the lowmem area: it must fit, with
	 * an alignment unit for its first allocations, and the area stays a
	 * whole number of units like every other.
	 */
	if (low < SIM_KERNEL_SIZE + scratch_align(b))
		low = scratch_round(b, SIM_KERNEL_SIZE + scratch_align(b));
	ret = reserve_scratch_area(b, low, SIM_LOW_ADDRESS_LIMIT,
				   SIM_NUMA_NO_NODE, "lowmem", e);
	if (!ret)
		ret = reserve_scratch_area(b, global, SIM_MB_ALLOC_ANYWHERE,
					   SIM_NUMA_NO_NODE, "global", e);
	/*
	 * One area per node with memory, none for a memoryless node
	 * (for_each_node_state(nid, N_MEMORY), kexec_handover.c:843, :883).
	 */
	for (unsigned int nid = 0; !ret && nid < b->m.conf.nr_nodes; nid++) {
		uint64_t size = spec.pernode;

		if (!sim_conf_node_has_memory(&b->m.conf, nid))
			continue;
		if (spec.scale)
			size = scratch_scaled(
				sim_memblock_reserved_kern_size(
					&b->mb, SIM_MB_ALLOC_ANYWHERE, nid),
				spec.scale);
		size = scratch_round(b, size);
		snprintf(what, sizeof(what), "node %u", nid);
		ret = reserve_scratch_area(b, size, SIM_MB_ALLOC_ANYWHERE, nid,
					   what, e);
	}
	return ret;
}

static int cold_boot(struct sim_boot *b, struct sim_error *e)
{
	uint64_t base = SIM_KERNEL_BASE;
	int ret;

	if (!sim_ram_range_of(&b->m, base, SIM_KERNEL_SIZE) ||
	    sim_memblock_is_reserved(&b->mb, base, SIM_KERNEL_SIZE))
		base = sim_memblock_alloc(
			&b->mb, SIM_KERNEL_SIZE, scratch_align(b), 0,
			SIM_LOW_ADDRESS_LIMIT, SIM_NUMA_NO_NODE,
			SIM_MB_RSRV_KERN, 0);
	else if (sim_memblock_reserve(&b->mb, base, SIM_KERNEL_SIZE,
				      SIM_MB_RSRV_KERN))
		base = SIM_MB_ALLOC_ANYWHERE;
	if (base == SIM_MB_ALLOC_ANYWHERE)
		return sim_fail(
			e, -ENOMEM,
			"%s: no room for the kernel image (it needs %llu MiB of "
			"free RAM below 4 GiB)",
			b->m.dir, SIM_KERNEL_SIZE >> 20);
	b->kernel_base = base;
	ret = charge_memmap(b, e);
	if (ret)
		return ret;
	return reserve_scratch(b, e);
}

static int walk_reserve(uint64_t start, uint64_t end, void *arg)
{
	struct sim_boot *b = arg;

	if (b->stats.nr_reserved_ranges < SIM_REPORT_RANGES) {
		b->stats.ranges[b->stats.nr_reserved_ranges][0] = start;
		b->stats.ranges[b->stats.nr_reserved_ranges][1] = end;
	}
	b->stats.nr_reserved_ranges++;
	b->stats.reserved_bytes += end - start;
	return sim_memblock_reserve(&b->mb, start, end - start,
				    SIM_MB_RSRV_NOINIT);
}

/* [@pa, @pa + @size) inside one RAM range (size 0 counts as 1), no wrap. */
static bool in_one_range(const struct kho_mem_region *ram, unsigned int nr_ram,
			 uint64_t pa, uint64_t size)
{
	uint64_t last = pa + (size ? size : 1) - 1;

	if (last < pa)
		return false;
	for (unsigned int i = 0; i < nr_ram; i++)
		if (pa >= ram[i].start && last < ram[i].end)
			return true;
	return false;
}

int sim_check_handover_record(const struct kho_data *kd,
			      const struct kho_mem_region *ram,
			      unsigned int nr_ram, struct sim_error *e)
{
	if (!kd->fdt_size ||
	    !in_one_range(ram, nr_ram, kd->fdt_addr, kd->fdt_size))
		return sim_fail(
			e, -EINVAL,
			"KHO handover refused: the root FDT at %#" PRIx64
			" (%" PRIu64 " bytes) is not in RAM",
			kd->fdt_addr, kd->fdt_size);
	if (!kd->scratch_size ||
	    kd->scratch_size % sizeof(struct kho_scratch) ||
	    !in_one_range(ram, nr_ram, kd->scratch_addr, kd->scratch_size))
		return sim_fail(
			e, -EINVAL,
			"KHO handover refused: the scratch array at %#" PRIx64
			" (%" PRIu64 " bytes) is not a whole array in RAM",
			kd->scratch_addr, kd->scratch_size);
	return 0;
}

int sim_machine_check_record(const struct sim_machine *m,
			     const struct kho_data *kd, struct sim_error *e)
{
	struct kho_mem_region ram[SIM_MAX_RAM_RANGES];

	for (unsigned int i = 0; i < m->conf.nr_ranges; i++) {
		ram[i].start = m->conf.ram[i].base;
		ram[i].end = m->conf.ram[i].base + m->conf.ram[i].size;
	}
	return sim_check_handover_record(kd, ram, m->conf.nr_ranges, e);
}

/*
 * kho_memory_init() checks the whole tree before walking it: every node in
 * RAM, reached once, outside scratch and outside every preserved block. It
 * needs the machine's RAM layout and a zeroed bitmap of one bit per page,
 * which the library does not allocate.
 */
static int tree_check_init(struct sim_boot *b, struct kho_tree_check *chk,
			   struct kho_mem_region *ram, struct sim_error *e)
{
	memset(chk, 0, sizeof(*chk));
	for (unsigned int i = 0; i < b->m.conf.nr_ranges; i++) {
		ram[i].start = b->m.conf.ram[i].base;
		ram[i].end = b->m.conf.ram[i].base + b->m.conf.ram[i].size;
	}
	chk->ram = ram;
	chk->nr_ram = b->m.conf.nr_ranges;
	chk->seen = calloc(
		kho_tree_check_words(ram, chk->nr_ram, b->m.conf.page_shift) +
			1,
		sizeof(uint64_t));
	if (!chk->seen)
		return sim_fail(e, -ENOMEM, "out of memory");
	return 0;
}

/* The first scratch area the kernel fits in, or nr_scratch when none. */
static unsigned int kernel_scratch_area(const struct sim_boot *b)
{
	unsigned int i;

	for (i = 0; i < b->nr_scratch; i++) {
		if (b->scratch[i].size >= SIM_KERNEL_SIZE)
			break;
	}
	return i;
}

static int kho_boot(struct sim_boot *b, struct sim_error *e)
{
	unsigned int kernel_area;
	const struct kho_data *kd = &b->handover;
	struct kho_mem_region ram[SIM_MAX_RAM_RANGES];
	struct kho_tree_check chk;
	const struct kho_scratch *s;
	uint64_t t0;
	int ret;

	ret = sim_machine_check_record(&b->m, kd, e);
	if (ret)
		return ret;
	ret = kho_populate(&b->in, &b->geo, &b->env, kd->fdt_addr, kd->fdt_size,
			   kd->scratch_addr, kd->scratch_size);
	if (ret) {
		if (!b->in.err.code)
			b->in.err.code = ret;
		sim_format_kho_error(&b->in.err, "", e);
		return ret;
	}
	s = b->in.scratch;
	if (!b->in.nr_scratch || b->in.nr_scratch > SIM_MAX_SCRATCH)
		return sim_fail(
			e, -EINVAL,
			"KHO handover refused: %u scratch areas (1 to %d expected)",
			b->in.nr_scratch, SIM_MAX_SCRATCH);
	for (unsigned int i = 0; i < b->in.nr_scratch; i++) {
		/* An empty area (kho_populate() warned) is not memory. */
		if (!s[i].size) {
			b->scratch[i] = s[i];
			continue;
		}
		if ((s[i].addr | s[i].size) & (b->m.page_size - 1) ||
		    !sim_ram_range_of(&b->m, s[i].addr, s[i].size))
			return sim_fail(
				e, -EINVAL,
				"KHO handover refused: scratch area %u (%#" PRIx64
				"+%#" PRIx64 ") is not page-aligned RAM",
				i, s[i].addr, s[i].size);
		b->scratch[i] = s[i];
	}
	b->nr_scratch = b->in.nr_scratch;
	/*
	 * kexec put this kernel in the first scratch area that holds it
	 * (kho_locate_mem_hole() walks them in order; libkho's kexec uses
	 * the lowmem one). None that can is a refusal, said after the tree's
	 * own, which kho inspect says too.
	 */
	kernel_area = kernel_scratch_area(b);
	/* kho_populate(): scratch is memory, and from now on the only memory
	 * memblock may allocate from, until the tree is walked. */
	for (unsigned int i = 0; i < b->nr_scratch; i++)
		if (s[i].size &&
		    sim_memblock_mark_scratch(&b->mb, s[i].addr, s[i].size))
			return sim_fail(e, -ENOMEM, "out of memblock regions");
	sim_memblock_reserve(&b->mb, kd->scratch_addr, kd->scratch_size,
			     SIM_MB_RSRV_KERN);
	b->mb.scratch_only = true;
	if (kernel_area < b->nr_scratch) {
		b->kernel_base = s[kernel_area].addr;
		b->kernel_loaded = !memcmp(sim_phys_to_virt(&b->m,
							    b->kernel_base),
					   SIM_KERNEL_MAGIC,
					   sizeof(SIM_KERNEL_MAGIC));
		sim_memblock_reserve(&b->mb, b->kernel_base, SIM_KERNEL_SIZE,
				     SIM_MB_RSRV_KERN);
	}
	ret = charge_memmap(b, e);
	if (ret)
		return ret;
	/*
	 * kho_memory_init(): check the whole tree, then reserve every
	 * preserved block and stamp its page.
	 */
	ret = tree_check_init(b, &chk, ram, e);
	if (ret)
		return ret;
	t0 = sim_now_ns();
	ret = kho_memory_init(&b->in, &chk, walk_reserve, b);
	b->stats.walk_ns = sim_now_ns() - t0;
	free(chk.seen);
	if (ret) {
		if (!b->in.err.code)
			b->in.err.code = ret;
		/*
		 * The tree check fills chk.err and says what is wrong with the
		 * tree itself, as the separate check did before; a refusal of
		 * the walk proper (chk.err clear) says it came from the walk.
		 */
		sim_format_kho_error(&b->in.err,
				     chk.err.code ? "" : SIM_WALK_REFUSED, e);
		return ret;
	}
	b->stats.validated_nodes = chk.nr_nodes;
	b->mb.scratch_only = false;
	/* kho-v1 hands over no tree. */
	if (b->in.tree.root)
		kho_radix_get_stats(&b->in.tree, &b->stats.in_tree);
	if (kernel_area == b->nr_scratch)
		return sim_fail(e, -EINVAL,
				"KHO handover refused: no scratch area can hold the kernel (%u KiB)",
				(unsigned int)(SIM_KERNEL_SIZE >> 10));
	return 0;
}

/* memblock as firmware hands it over: every RAM range, the firmware's own. */
static int memblock_setup(struct sim_boot *b, struct sim_error *e)
{
	for (unsigned int i = 0; i < b->m.conf.nr_ranges; i++) {
		const struct sim_ram_range *r = &b->m.conf.ram[i];

		if (sim_memblock_add(&b->mb, r->base, r->size, r->nid))
			return sim_fail(e, -ENOMEM, "out of memblock regions");
	}
	sim_memblock_reserve(&b->mb, 0, SIM_FIRMWARE_SIZE, 0);
	return 0;
}

int sim_boot_plan(const struct sim_conf *conf, const char *dir,
		  struct sim_error *e)
{
	struct sim_boot *b = calloc(1, sizeof(*b));
	int ret;

	if (!b)
		return sim_fail(e, -ENOMEM, "out of memory");
	snprintf(b->m.dir, sizeof(b->m.dir), "%s", dir);
	b->m.conf = *conf;
	b->m.page_size = 1ULL << conf->page_shift;
	sim_memblock_init(&b->mb);
	ret = memblock_setup(b, e);
	if (!ret)
		ret = cold_boot(b, e);
	sim_memblock_destroy(&b->mb);
	free(b);
	return ret;
}

/*
 * In a sticky directory, removing a file (unlink(2), or rename(2) over it)
 * also needs the caller to own the file or the directory, or CAP_FOWNER
 * (fs/namei.c:3645-3655 __check_sticky(), from may_delete_dentry() at
 * :3703): a KHO boot would find out only at power off, after the scrub.
 * Root is taken to have CAP_FOWNER. Like unlink(2), this asks as the
 * effective user (the kernel's fsuid, which follows it).
 */
static int check_record_sticky(struct sim_boot *b, bool consumes,
			       struct sim_error *e)
{
	char path[PATH_MAX];
	struct stat dir, rec;
	uid_t uid = geteuid();

	snprintf(path, sizeof(path), "%s/" SIM_HANDOVER_FILE, b->m.dir);
	/* The record was just read: what cannot be stat'ed fails later. */
	if (stat(b->m.dir, &dir) || !(dir.st_mode & S_ISVTX) || !uid ||
	    dir.st_uid == uid ||
	    fstatat(AT_FDCWD, path, &rec, AT_SYMLINK_NOFOLLOW) ||
	    rec.st_uid == uid)
		return 0;
	return sim_fail(
		e, -EPERM,
		"%s cannot be removed: %s is a sticky directory (mode %04o) and uid %u owns neither it (uid %u) nor the file (uid %u), so %s (%s)",
		path, b->m.dir, (unsigned int)(dir.st_mode & 07777),
		(unsigned int)uid, (unsigned int)dir.st_uid,
		(unsigned int)rec.st_uid,
		consumes ?
			"this KHO boot could not remove the handover it consumes" :
			"the kexec could not replace it with the next handover",
		strerror(EPERM));
}

/*
 * A KHO boot removes the handover it consumes when it powers off, and a
 * kexec writes DIR/handover.tmp and renames it over DIR/handover: both
 * need write and search permission on the directory, and a record to
 * remove or replace in a sticky one needs check_record_sticky() too.
 * Without it the boot would scrub RAM and then leave the old record for
 * the next boot to take over memory that no longer holds it, so it is
 * refused before anything changed. (Like unlink(2), this asks as the
 * effective user.)
 */
static int check_record_writable(struct sim_boot *b, struct sim_error *e)
{
	bool consumes = b->kho_boot && !b->opts.inspect && !b->opts.kexec;
	int err;

	if (!consumes && !b->opts.kexec)
		return 0;
	/* A cold boot's kexec replaces no record. */
	if (!faccessat(AT_FDCWD, b->m.dir, W_OK | X_OK, AT_EACCESS))
		return b->kho_boot ? check_record_sticky(b, consumes, e) : 0;
	err = errno;
	return sim_fail(
		e, -err, "%s is not writable: %s (%s)", b->m.dir,
		consumes ?
			"this KHO boot could not remove the handover it consumes" :
			"the kexec could not write its handover there",
		strerror(err));
}

/* kexec loads the next kernel into the lowmem scratch area, area 0. */
static int next_kernel_fits(const struct sim_boot *b, struct sim_error *e)
{
	const struct kho_scratch *low = &b->scratch[0];

	if (low->size >= SIM_KERNEL_SIZE)
		return 0;
	return sim_fail(e, -ENOSPC,
			"%s: the lowmem scratch area (%" PRIu64
			" KiB) cannot hold the next kernel",
			b->m.dir, low->size >> 10);
}

int sim_boot_open(struct sim_boot *b, const char *dir,
		  const struct sim_boot_opts *opts, struct sim_error *e)
{
	int ret;

	memset(b, 0, sizeof(*b));
	b->opts = *opts;
	env_setup(b);
	sim_memblock_init(&b->mb);
	ret = sim_machine_open(&b->m, dir, opts->inspect, e);
	if (ret)
		return ret;
	if (kho_geometry_init(&b->geo, b->m.conf.page_shift)) {
		ret = sim_fail(e, -EINVAL, "no tree geometry for page shift %u",
			       b->m.conf.page_shift);
		goto fail;
	}
	ret = sim_buddy_init(&b->buddy, &b->m);
	if (ret) {
		sim_fail(e, ret, "no memory for the memmap");
		goto fail;
	}
	ret = memblock_setup(b, e);
	if (ret)
		goto fail;

	ret = sim_handover_read(&b->m, &b->handover, e);
	if (ret && (ret != -ENOENT || opts->inspect))
		goto fail;
	b->kho_boot = !ret;
	ret = check_record_writable(b, e);
	if (ret)
		goto fail;
	ret = b->kho_boot ? kho_boot(b, e) : cold_boot(b, e);
	/* A kexec that cannot happen is said before the handover is used. */
	if (!ret && opts->kexec)
		ret = next_kernel_fits(b, e);
	if (ret)
		goto fail;
	return 0;
fail:
	sim_buddy_destroy(&b->buddy);
	sim_memblock_destroy(&b->mb);
	sim_machine_close(&b->m);
	return ret;
}

/* memblock_free_all(): free ranges, split by ram range, to the allocator. */
static int free_to_buddy(uint64_t start, uint64_t end, unsigned int flags,
			 int nid, void *arg)
{
	struct sim_boot *b = arg;
	unsigned int shift = b->m.conf.page_shift;
	enum sim_migratetype mt =
		flags & SIM_MB_SCRATCH ? SIM_MT_CMA : SIM_MT_UNMOVABLE;

	start = round_up(start, b->m.page_size);
	end &= ~(b->m.page_size - 1);
	for (unsigned int i = 0; i < b->m.conf.nr_ranges; i++) {
		const struct sim_ram_range *r = &b->m.conf.ram[i];
		uint64_t s = start > r->base ? start : r->base;
		uint64_t t = end < r->base + r->size ? end : r->base + r->size;
		int ret;

		if (s >= t)
			continue;
		ret = sim_buddy_free_range(&b->buddy, s >> shift, t >> shift,
					   mt);
		if (ret)
			return ret;
	}
	return 0;
}

static int scrub_block(uint64_t pfn, unsigned int order,
		       enum sim_migratetype mt, void *arg)
{
	struct sim_boot *b = arg;
	uint64_t size = b->m.page_size << order;
	int ret;

	ret = sim_ram_discard(&b->m, pfn << b->m.conf.page_shift, size,
			      b->opts.punch && size >= SIM_SCRUB_PUNCH_MIN);
	if (!ret)
		b->stats.scrubbed_boot += size;
	return ret;
}

int sim_boot_mm_init(struct sim_boot *b, struct sim_error *e)
{
	struct sim_mb_type *rsv = &b->mb.reserved;
	uint64_t t0;
	int ret;

	/* The cold boot's scratch reservations become movable memory. */
	for (unsigned int i = 0; i < rsv->cnt;) {
		struct sim_mb_region r = rsv->regions[i];

		if (!(r.flags & SIM_MB_RSRV_SCRATCH)) {
			i++;
			continue;
		}
		sim_memblock_free(&b->mb, r.base, r.size);
	}
	/* Before anything is free: scratch is CMA, free or reserved now. */
	for (unsigned int i = 0; i < b->nr_scratch; i++) {
		uint64_t at = b->scratch[i].addr, size = b->scratch[i].size;
		unsigned int shift = b->m.conf.page_shift;

		sim_buddy_mark_cma(&b->buddy, at >> shift,
				   (at + size) >> shift);
	}
	ret = sim_memblock_for_each_free(&b->mb, free_to_buddy, b);
	if (ret)
		return sim_fail(
			e, ret,
			"%s: handing memory to the page allocator failed",
			b->m.dir);
	b->buddy_up = true;
	if (!b->opts.scrub)
		return 0;
	/* Nothing the allocator owns was promised to anyone: destroy it, so
	 * a preserved byte that was not really preserved cannot survive. */
	t0 = sim_now_ns();
	ret = sim_buddy_for_each_free(&b->buddy, scrub_block, b);
	b->stats.scrub_ns = sim_now_ns() - t0;
	if (ret)
		return sim_fail(e, ret, "%s: scrubbing free memory failed",
				b->m.dir);
	return 0;
}

int sim_boot_out_init(struct sim_boot *b, struct sim_error *e)
{
	int ret;

	const struct kho_abi_version *abi = b->opts.abi;

	if (!abi)
		abi = kho_abi_get(KHO_ABI_DEFAULT);
	ret = kho_out_init_abi(&b->out, &b->geo, &b->env, b->scratch,
			       b->nr_scratch, abi);
	if (ret)
		return sim_fail(e, ret,
				"%s: cannot start the outgoing handover: %s",
				b->m.dir, strerror(-ret));
	b->out_up = true;
	return 0;
}

static int need_out(const struct sim_boot *b, struct sim_error *e)
{
	if (!b->out_up)
		return sim_fail(e, -EINVAL,
				"kexec before the outgoing handover exists");
	return 0;
}

/*
 * The scratch array goes in a preserved page of its own, outside every
 * scratch area, where no kernel can be loaded over it. Linux's kexec puts
 * it in scratch (kexec_handover.c:2054-2068), and so did libkho; but x86's
 * decompressor with KASLR picks where the kernel goes among the scratch
 * areas (arch/x86/boot/compressed/kaslr.c:770-807) and avoids the
 * setup_data entries, not the array the KHO entry names (:423-449). A
 * kernel decompressed over the array reads garbage areas in
 * kho_populate(), can allocate nothing and panics before its console is up
 * (docs/abi.md, "The scratch array"). Kernel B reserves the array
 * (kexec_handover.c:2014) and keeps using it as its own (:1923); as a
 * preserved page it is also reserved by the tree walk, like the root FDT.
 * The array's page is given back in @arrayp.
 */
static int write_handover(struct sim_boot *b, void **arrayp,
			  struct sim_error *e)
{
	uint64_t array_size = b->nr_scratch * sizeof(struct kho_scratch);
	struct kho_data kd;
	void *array;
	int ret;

	ret = need_out(b, e);
	if (ret)
		return ret;
	array = kho_alloc_preserve(&b->out, array_size);
	if (!array)
		return sim_fail(e, -ENOMEM,
				"%s: no memory for the scratch array (%" PRIu64
				" bytes)",
				b->m.dir, array_size);
	memcpy(array, b->scratch, array_size);
	kd.fdt_addr = b->out.fdt_phys;
	kd.fdt_size = b->m.page_size;
	kd.scratch_addr = sim_virt_to_phys(&b->m, array);
	kd.scratch_size = array_size;
	ret = sim_handover_write(&b->m, &kd, e);
	if (ret) {
		kho_unpreserve_free(&b->out, array);
		return ret;
	}
	b->handed_over = kd;
	*arrayp = array;
	return 0;
}

int sim_boot_write_handover(struct sim_boot *b, struct sim_error *e)
{
	void *array;

	return write_handover(b, &array, e);
}

int sim_boot_kexec(struct sim_boot *b, struct sim_error *e)
{
	const struct kho_scratch *low = &b->scratch[0];
	void *array;
	int ret;

	ret = need_out(b, e);
	if (!ret)
		ret = next_kernel_fits(b, e);
	if (ret)
		return ret;
	/* First what can fail for want of memory, while nothing changed. */
	ret = write_handover(b, &array, e);
	if (ret)
		return ret;
	kho_radix_get_stats(&b->out.tree, &b->stats.out_tree);
	/* Loading the next kernel overwrites every scratch area. */
	for (unsigned int i = 0; i < b->nr_scratch; i++) {
		ret = sim_ram_discard(&b->m, b->scratch[i].addr,
				      b->scratch[i].size, b->opts.punch);
		if (ret) {
			struct sim_error re;

			/* No kexec: no record, and the array goes back. */
			kho_unpreserve_free(&b->out, array);
			if (sim_handover_remove(&b->m, &re))
				return sim_fail(
					e, ret,
					"cannot overwrite scratch area %u, and the handover written for it stays: %s",
					i, re.msg);
			return sim_fail(e, ret,
					"cannot overwrite scratch area %u", i);
		}
		b->stats.scrubbed_kexec += b->scratch[i].size;
	}
	memcpy(sim_phys_to_virt(&b->m, low->addr), SIM_KERNEL_MAGIC,
	       sizeof(SIM_KERNEL_MAGIC));
	b->kexeced = true;
	return 0;
}

static void power_off(struct sim_boot *b)
{
	if (b->kho_boot)
		kho_in_destroy(&b->in);
	sim_buddy_destroy(&b->buddy);
	sim_memblock_destroy(&b->mb);
	sim_machine_close(&b->m);
}

int sim_boot_close(struct sim_boot *b, struct sim_error *e)
{
	int ret = 0;

	/* The handover was consumed; a kexec wrote a fresh one instead. */
	if (b->kho_boot && !b->kexeced && !b->opts.inspect) {
		ret = sim_handover_remove(&b->m, NULL);
		if (ret)
			sim_fail(
				e, ret,
				"%s/" SIM_HANDOVER_FILE
				" was consumed by this boot but cannot be removed (%s): the next boot would take it again over scrubbed memory",
				b->m.dir, strerror(-ret));
	}
	power_off(b);
	return ret;
}

void sim_boot_abort(struct sim_boot *b)
{
	power_off(b);
}
