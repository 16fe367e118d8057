// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_sim_handover.c - handovers between boots of the simulated machine,
 * each boot in its own process (fork), as real kexecs are:
 *  - scrub: unpreserved memory does not survive, preserved memory does,
 *    and without the scrub the unpreserved bytes would have survived;
 *  - vmalloc round trip over more than one chunk page;
 *  - subtree add, duplicate, remove, retrieve;
 *  - double restore, tail page and unpreserved page refused;
 *  - the scratch array outside scratch, and a kexec on a full machine;
 *  - a consumed handover that cannot be removed at power off is reported.
 * A child reports a failed check on stderr and exits non-zero.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "../clients/client.h"
#include "../sim/boot.h"
#include "lib/boot_proc.h"

#define PATTERN_KEPT 0xa5
#define PATTERN_LOST 0x5a
#define PATTERN_MOVABLE 0x3c
#define VM_PAGES 600		/* more than one chunk of 511 entries */
#define VM_HUGE_BLOCKS 3
#define VM_HUGE_ORDER 2

/* What one boot tells the next test step: shared across fork. */
struct shared {
	char dir[64];
	uint64_t kept, lost, movable;
	uint64_t blob_a;
	uint64_t folio, single;
};

static struct shared *sh;

static int setup(void **state)
{
	sh = shared_machine(sizeof(*sh), "/tmp/kho-handover.XXXXXX");
	return 0;
}

static int teardown(void **state)
{
	machine_remove(sh->dir);
	munmap(sh, sizeof(*sh));
	return 0;
}

static int boot_up(struct sim_boot *b, bool scrub, bool expect_kho)
{
	struct sim_boot_opts opts = { .scrub = scrub, .punch = true };
	struct sim_error e = { "" };

	if (sim_boot_open(b, sh->dir, &opts, &e) || sim_boot_mm_init(b, &e) ||
	    sim_boot_out_init(b, &e)) {
		fprintf(stderr, "boot failed: %s\n", e.msg);
		return 1;
	}
	CHECK(b->kho_boot == expect_kho);
	return 0;
}

static bool all_bytes(struct sim_boot *b, uint64_t pa, uint64_t len, int c)
{
	const uint8_t *p = sim_phys_to_virt(&b->m, pa);

	for (uint64_t i = 0; i < len; i++)
		if (p[i] != c)
			return false;
	return true;
}

static bool any_byte(struct sim_boot *b, uint64_t pa, uint64_t len, int c)
{
	const uint8_t *p = sim_phys_to_virt(&b->m, pa);

	for (uint64_t i = 0; i < len; i++)
		if (p[i] == c)
			return true;
	return false;
}

static struct sim_boot boot;

/* ---- boot layout --------------------------------------------------------- */

static bool in_scratch(const struct sim_boot *b, uint64_t pa, uint64_t size)
{
	for (unsigned int i = 0; i < b->nr_scratch; i++)
		if (pa >= b->scratch[i].addr &&
		    pa + size <= b->scratch[i].addr + b->scratch[i].size)
			return true;
	return false;
}

static bool touches_scratch(const struct sim_boot *b, uint64_t pa,
			    uint64_t size)
{
	for (unsigned int i = 0; i < b->nr_scratch; i++)
		if (pa < b->scratch[i].addr + b->scratch[i].size &&
		    b->scratch[i].addr < pa + size)
			return true;
	return false;
}

static int layout_cold(void)
{
	struct sim_boot *b = &boot;
	uint64_t kern, low, scratch_pages = 0;

	if (boot_up(b, true, false))
		return 1;
	/* lowmem, global, one node: the kernel's order. */
	CHECK(b->nr_scratch == 3);
	CHECK(b->scratch[0].addr + b->scratch[0].size <= SIM_LOW_ADDRESS_LIMIT);
	for (unsigned int i = 0; i < b->nr_scratch; i++) {
		CHECK(b->scratch[i].size % SIM_SCRATCH_ALIGN_OF(b->m.page_size) == 0);
		CHECK(b->scratch[i].addr % SIM_SCRATCH_ALIGN_OF(b->m.page_size) == 0);
		scratch_pages += b->scratch[i].size >> b->m.conf.page_shift;
	}
	/* 200% of the kernel's allocations (image + struct pages). */
	kern = SIM_KERNEL_SIZE +
	       (b->m.nr_pages * SIM_STRUCT_PAGE_SIZE + b->m.page_size - 1) /
		       b->m.page_size * b->m.page_size;
	low = sim_memblock_reserved_kern_size(&b->mb, SIM_LOW_ADDRESS_LIMIT,
					      SIM_NUMA_NO_NODE);
	CHECK(b->scratch[0].size >= 2 * low);
	CHECK(b->scratch[2].size >= 2 * kern);
	/* Firmware and kernel image reserved; scratch went to the allocator
	 * as movable memory only. */
	CHECK(sim_memblock_is_reserved(&b->mb, 0, SIM_FIRMWARE_SIZE));
	CHECK(sim_memblock_is_reserved(&b->mb, SIM_KERNEL_BASE, SIM_KERNEL_SIZE));
	CHECK(b->buddy.free_pages[SIM_MT_CMA] == scratch_pages);
	return kexec_down(b);
}

static int layout_warm(void)
{
	struct sim_boot_opts opts = { .scrub = true, .punch = true };
	struct sim_boot *b = &boot;
	struct sim_error e = { "" };
	struct sim_mb_type *rsv;
	uint64_t array;

	CHECK(sim_boot_open(b, sh->dir, &opts, &e) == 0);
	CHECK(b->kho_boot && b->kernel_loaded);
	array = b->handover.scratch_addr;
	/* The kernel runs where kexec loaded it, and everything it allocated
	 * before the walk came from scratch. */
	CHECK(in_scratch(b, b->kernel_base, SIM_KERNEL_SIZE));
	rsv = &b->mb.reserved;
	for (unsigned int i = 0; i < rsv->cnt; i++) {
		if (!(rsv->regions[i].flags & SIM_MB_RSRV_KERN) ||
		    rsv->regions[i].base == array)
			continue;
		CHECK(in_scratch(b, rsv->regions[i].base, rsv->regions[i].size));
	}
	/*
	 * But the scratch array: kexec put it in a preserved page outside
	 * every scratch area, where no kernel image can land on it (x86's
	 * KASLR picks the image's place among the scratch areas).
	 */
	CHECK(sim_memblock_is_reserved(&b->mb, array,
				       b->handover.scratch_size));
	CHECK(!touches_scratch(b, array, b->handover.scratch_size));
	CHECK(kho_radix_test_page(&b->in.tree, array >> b->m.conf.page_shift,
				  0));
	CHECK(!b->mb.scratch_only);	/* lifted after the walk */
	return power_down(b);
}

static void test_boot_layout(void **state)
{
	assert_int_equal(boot_process(layout_cold), 0);
	assert_int_equal(boot_process(layout_warm), 0);
}

/* ---- scrub --------------------------------------------------------------- */

static int scrub_cold(void)
{
	struct sim_boot *b = &boot;
	void *kept, *lost, *movable;
	uint64_t len;

	if (boot_up(b, true, false))
		return 1;
	len = b->m.page_size << 2;
	kept = sim_alloc_pages(b, 2);
	lost = sim_alloc_pages(b, 2);
	movable = sim_alloc_movable(b, 0);
	CHECK(kept && lost && movable);
	memset(kept, PATTERN_KEPT, len);
	memset(lost, PATTERN_LOST, len);
	memset(movable, PATTERN_MOVABLE, b->m.page_size);
	sh->kept = sim_virt_to_phys(&b->m, kept);
	sh->lost = sim_virt_to_phys(&b->m, lost);
	sh->movable = sim_virt_to_phys(&b->m, movable);
	/* Movable memory lives in scratch, which cannot be preserved. */
	CHECK(sim_pfn_to_page(&b->buddy, sh->movable >> 12)->flags & SIM_PG_CMA);
	CHECK(kho_preserve_pages(&b->out, sh->movable, 1) == -EINVAL);
	CHECK(kho_preserve_pages(&b->out, sh->kept, 4) == 0);
	return kexec_down(b);
}

/* Without the scrub, unpreserved memory outside scratch would survive. */
static int scrub_off(void)
{
	struct sim_boot_opts opts = { .scrub = false, .punch = true };
	struct sim_boot *b = &boot;
	struct sim_error e = { "" };
	uint64_t len;

	/* No outgoing side: its first pages could reuse the lost block. */
	CHECK(sim_boot_open(b, sh->dir, &opts, &e) == 0);
	CHECK(sim_boot_mm_init(b, &e) == 0);
	CHECK(b->kho_boot && b->stats.scrubbed_boot == 0);
	len = b->m.page_size << 2;
	CHECK(all_bytes(b, sh->lost, len, PATTERN_LOST));
	/* Scratch was overwritten by the kexec itself. */
	CHECK(!any_byte(b, sh->movable, b->m.page_size, PATTERN_MOVABLE));
	CHECK(all_bytes(b, sh->kept, len, PATTERN_KEPT));
	/* Nothing to hand over yet: no kexec, and the handover stays. */
	CHECK(sim_boot_kexec(b, &e) == -EINVAL);
	CHECK(!strcmp(e.msg, "kexec before the outgoing handover exists"));
	/* kho-v1 is read only: no outgoing handover speaks it. */
	b->opts.abi = kho_abi_get(KHO_ABI_V1);
	CHECK(sim_boot_out_init(b, &e) == -EINVAL);
	CHECK(strstr(e.msg,
		     ": cannot start the outgoing handover: Invalid argument"));
	CHECK(!b->out_up);
	/* Power off without consuming the handover: the next step boots it. */
	return 0;
}

static int scrub_on(void)
{
	struct sim_boot *b = &boot;
	uint64_t len;

	if (boot_up(b, true, true))
		return 1;
	len = b->m.page_size << 2;
	CHECK(b->stats.scrubbed_boot > 0);
	CHECK(!any_byte(b, sh->lost, len, PATTERN_LOST));
	CHECK(!any_byte(b, sh->movable, b->m.page_size, PATTERN_MOVABLE));
	CHECK(all_bytes(b, sh->kept, len, PATTERN_KEPT));
	CHECK(kho_restore_pages(&b->in, sh->kept, 4));
	CHECK(all_bytes(b, sh->kept, len, PATTERN_KEPT));
	return power_down(b);
}

static void test_scrub(void **state)
{
	assert_int_equal(boot_process(scrub_cold), 0);
	assert_int_equal(boot_process(scrub_off), 0);
	assert_int_equal(boot_process(scrub_on), 0);
}

/* ---- vmalloc ------------------------------------------------------------- */

struct vm_blob {
	struct kho_vmalloc small;
	struct kho_vmalloc huge;
	uint64_t hash[VM_PAGES];
	uint64_t huge_hash[VM_HUGE_BLOCKS];
};

static int vm_cold(void)
{
	uint64_t phys[VM_PAGES], huge[VM_HUGE_BLOCKS];
	struct sim_boot *b = &boot;
	struct vm_blob *blob;

	if (boot_up(b, true, false))
		return 1;
	blob = kho_alloc_preserve(&b->out, sizeof(*blob));
	CHECK(blob);
	for (int i = 0; i < VM_PAGES; i++) {
		void *va = sim_alloc_pages(b, 0);

		/* A hole between pages, as vmalloc's pages are scattered. */
		CHECK(va && sim_alloc_pages(b, 0));
		client_fill_random(va, b->m.page_size);
		blob->hash[i] = client_hash(va, b->m.page_size);
		phys[i] = sim_virt_to_phys(&b->m, va);
	}
	for (int i = 0; i < VM_HUGE_BLOCKS; i++) {
		uint64_t len = b->m.page_size << VM_HUGE_ORDER;
		void *va = sim_alloc_pages(b, VM_HUGE_ORDER);

		CHECK(va);
		client_fill_random(va, len);
		blob->huge_hash[i] = client_hash(va, len);
		huge[i] = sim_virt_to_phys(&b->m, va);
	}
	CHECK(kho_preserve_vmalloc(&b->out, phys, VM_PAGES, 0,
				   KHO_VMALLOC_FLAG_VM_ALLOC, &blob->small) == 0);
	CHECK(blob->small.total_pages == VM_PAGES);
	CHECK(kho_preserve_vmalloc(&b->out, huge, VM_HUGE_BLOCKS, VM_HUGE_ORDER,
				   KHO_VMALLOC_FLAG_VM_ALLOC |
					   KHO_VMALLOC_FLAG_HUGE_VMAP,
				   &blob->huge) == 0);
	CHECK(blob->huge.order == VM_HUGE_ORDER);
	CHECK(kho_add_subtree(&b->out, "vm-test", blob, 64) == 0);
	return kexec_down(b);
}

struct vm_check {
	struct sim_boot *b;
	const uint64_t *hash;
	unsigned int n;
	unsigned int bad;
};

static int vm_check_block(uint64_t phys, unsigned int order, void *arg)
{
	struct vm_check *c = arg;
	void *va = sim_phys_to_virt(&c->b->m, phys);

	if (client_hash(va, c->b->m.page_size << order) != c->hash[c->n])
		c->bad++;
	c->n++;
	return 0;
}

static int vm_warm(void)
{
	struct sim_boot *b = &boot;
	struct vm_check c = { .b = b };
	struct vm_blob *blob;
	uint64_t phys;

	if (boot_up(b, true, true))
		return 1;
	CHECK(kho_retrieve_subtree(&b->in, "vm-test", &phys, NULL) == 0);
	blob = sim_phys_to_virt(&b->m, phys);
	c.hash = blob->hash;
	CHECK(kho_restore_vmalloc(&b->in, &blob->small, vm_check_block, &c) == 0);
	CHECK(c.n == VM_PAGES && !c.bad);
	c = (struct vm_check){ .b = b, .hash = blob->huge_hash };
	CHECK(kho_restore_vmalloc(&b->in, &blob->huge, vm_check_block, &c) == 0);
	CHECK(c.n == VM_HUGE_BLOCKS && !c.bad);
	/* Restored once: the chunks and blocks are no longer stamped. */
	CHECK(kho_restore_vmalloc(&b->in, &blob->small, vm_check_block, &c) != 0);
	CHECK(kho_restore_free(&b->in, blob) == 0);
	return power_down(b);
}

static void test_vmalloc_round_trip(void **state)
{
	assert_int_equal(boot_process(vm_cold), 0);
	assert_int_equal(boot_process(vm_warm), 0);
}

/* ---- subtrees ------------------------------------------------------------ */

static int sub_cold(void)
{
	struct sim_boot *b = &boot;
	char *a, *bb, *c, *dup;

	if (boot_up(b, true, false))
		return 1;
	a = kho_alloc_preserve(&b->out, 64);
	bb = kho_alloc_preserve(&b->out, 64);
	c = kho_alloc_preserve(&b->out, 64);
	dup = kho_alloc_preserve(&b->out, 64);
	CHECK(a && bb && c && dup);
	strcpy(a, "alpha");
	strcpy(bb, "beta");
	strcpy(c, "gamma");
	CHECK(kho_add_subtree(&b->out, "a", a, 64) == 0);
	CHECK(kho_add_subtree(&b->out, "b", bb, 64) == 0);
	CHECK(kho_add_subtree(&b->out, "c", c, 64) == 0);
	CHECK(kho_add_subtree(&b->out, "a", dup, 64) == -EEXIST);
	kho_remove_subtree(&b->out, bb);
	sh->blob_a = sim_virt_to_phys(&b->m, a);
	return kexec_down(b);
}

static int count_subtree(const char *name, uint64_t phys,
			 uint64_t size, void *arg)
{
	(*(int *)arg)++;
	return 0;
}

static int sub_warm(void)
{
	struct sim_boot *b = &boot;
	uint64_t phys;
	int n = 0;

	if (boot_up(b, true, true))
		return 1;
	CHECK(kho_retrieve_subtree(&b->in, "a", &phys, NULL) == 0);
	CHECK(phys == sh->blob_a);
	CHECK(!strcmp(sim_phys_to_virt(&b->m, phys), "alpha"));
	CHECK(kho_retrieve_subtree(&b->in, "b", &phys, NULL) == -ENOENT);
	CHECK(kho_retrieve_subtree(&b->in, "c", &phys, NULL) == 0);
	CHECK(!strcmp(sim_phys_to_virt(&b->m, phys), "gamma"));
	CHECK(kho_retrieve_subtree(&b->in, "nope", &phys, NULL) == -ENOENT);
	CHECK(kho_for_each_subtree(&b->in, count_subtree, &n) == 0);
	CHECK(n == 2);
	return power_down(b);
}

static void test_subtrees(void **state)
{
	assert_int_equal(boot_process(sub_cold), 0);
	assert_int_equal(boot_process(sub_warm), 0);
}

/* ---- double restore ------------------------------------------------------ */

static int dr_cold(void)
{
	struct sim_boot *b = &boot;
	void *f, *s;

	if (boot_up(b, true, false))
		return 1;
	f = sim_alloc_pages(b, 3);
	s = sim_alloc_pages(b, 0);
	CHECK(f && s);
	sh->folio = sim_virt_to_phys(&b->m, f);
	sh->single = sim_virt_to_phys(&b->m, s);
	CHECK(kho_preserve_folio(&b->out, sh->folio, 3) == 0);
	return kexec_down(b);
}

static int dr_warm(void)
{
	struct sim_boot *b = &boot;
	struct kho_page *p;
	uint64_t ps;

	if (boot_up(b, true, true))
		return 1;
	ps = b->m.page_size;
	CHECK(!kho_restore_folio(&b->in, sh->folio + ps));	/* tail page */
	CHECK(!kho_restore_folio(&b->in, sh->single));		/* never preserved */
	p = kho_restore_folio(&b->in, sh->folio);
	CHECK(p && p->refcount == 1);
	CHECK(!kho_restore_folio(&b->in, sh->folio));		/* twice */
	CHECK(!kho_restore_pages(&b->in, sh->folio, 8));
	return power_down(b);
}

static void test_double_restore(void **state)
{
	assert_int_equal(boot_process(dr_cold), 0);
	assert_int_equal(boot_process(dr_warm), 0);
}

/* ---- kexec on a full machine ------------------------------------------- */

#define FREED_PAGES 8		/* the array's page and room for tree nodes */

/*
 * The scratch array needs a page of its own: on a machine with none left
 * the kexec refuses, says why and leaves no handover behind; so does a
 * kexec that cannot load the kernel; with a few pages back and the areas
 * sound it goes through, and the next boot takes the handover.
 */
static int full_cold(void)
{
	struct sim_boot *b = &boot;
	struct sim_error e = { "" };
	struct kho_data kd;
	struct kho_radix_stats before, after;
	void *last[FREED_PAGES];
	unsigned int n = 0, last_area;
	uint64_t low_size;
	void *va;

	if (boot_up(b, false, false))
		return 1;
	last_area = b->nr_scratch - 1;
	while ((va = sim_alloc_pages(b, 0)))
		last[n++ % FREED_PAGES] = va;
	CHECK(n >= FREED_PAGES);
	CHECK(sim_boot_kexec(b, &e) == -ENOMEM);
	CHECK(strstr(e.msg, ": no memory for the scratch array (48 bytes)"));
	CHECK(sim_handover_read(&b->m, &kd, &e) == -ENOENT);
	CHECK(!b->kexeced);
	for (unsigned int i = 0; i < FREED_PAGES; i++)
		sim_free_pages(b, last[i], 0);
	/*
	 * A boot opened without planning the kexec: a lowmem area too small
	 * for the next kernel is found at the kexec, before anything is
	 * written (sim_boot_open() says it first when the kexec is planned).
	 */
	low_size = b->scratch[0].size;
	b->scratch[0].size = SIM_KERNEL_SIZE - b->m.page_size;
	CHECK(sim_boot_kexec(b, &e) == -ENOSPC);
	CHECK(strstr(e.msg, " cannot hold the next kernel"));
	CHECK(sim_handover_read(&b->m, &kd, &e) == -ENOENT);
	CHECK(!b->kexeced);
	b->scratch[0].size = low_size;
	/*
	 * A scratch area that runs past RAM cannot be overwritten: the kexec
	 * fails after the record was written, removes it and gives the
	 * array's page back.
	 */
	kho_radix_get_stats(&b->out.tree, &before);
	b->scratch[last_area].size += b->m.conf.ram[0].size;
	CHECK(sim_boot_kexec(b, &e) == -EINVAL);
	CHECK(strstr(e.msg, "cannot overwrite scratch area"));
	CHECK(sim_handover_read(&b->m, &kd, &e) == -ENOENT);
	CHECK(!b->kexeced);
	kho_radix_get_stats(&b->out.tree, &after);
	CHECK(after.nr_blocks == before.nr_blocks);
	b->scratch[last_area].size -= b->m.conf.ram[0].size;
	return kexec_down(b);
}

static int full_warm(void)
{
	struct sim_boot *b = &boot;

	if (boot_up(b, true, true))
		return 1;
	return power_down(b);
}

static void test_kexec_full(void **state)
{
	assert_int_equal(boot_process(full_cold), 0);
	assert_int_equal(boot_process(full_warm), 0);
}

static int stays_cold(void)
{
	struct sim_boot *b = &boot;

	if (boot_up(b, true, false))
		return 1;
	return kexec_down(b);
}

/*
 * A KHO boot whose handover cannot be removed at power off says so, with
 * the file and the reason: the next boot would take the record again over
 * memory this one scrubbed. (A directory in its place: unlink(2) refuses
 * it even for root.)
 */
static int stays_warm(void)
{
	struct sim_boot *b = &boot;
	struct sim_error e = { "" };
	char path[128];

	if (boot_up(b, true, true))
		return 1;
	snprintf(path, sizeof(path), "%s/handover", sh->dir);
	CHECK(unlink(path) == 0 && mkdir(path, 0755) == 0);
	CHECK(sim_boot_close(b, &e) == -EISDIR);
	CHECK(strstr(e.msg, path) && strstr(e.msg, "cannot be removed") &&
	      strstr(e.msg, strerror(EISDIR)));
	CHECK(rmdir(path) == 0);
	return 0;
}

static void test_close_reports(void **state)
{
	assert_int_equal(boot_process(stays_cold), 0);
	assert_int_equal(boot_process(stays_warm), 0);
}

/*
 * Every client refuses, on its own, a size no machine holds, whatever
 * the sum check of kho boot let through: no round-up wraps to 0 and no
 * count derived from the size is truncated (a 2^63-byte guest once got a
 * folio array of 0 entries and wrote past it).
 */
static int client_sizes(void)
{
	static const uint64_t sizes[] = { UINT64_MAX, 1ULL << 63,
					  0xFFFFFFFFFFF00000ULL, 1ULL << 42 };
	struct sim_boot *b = calloc(1, sizeof(*b));

	CHECK(b);
	if (boot_up(b, false, false))
		return 1;
	for (int i = 0; kho_clients[i]; i++) {
		const struct kho_client *cl = kho_clients[i];

		/* memblock sizes its regions at memblock time, by halving. */
		if (cl->fixed_size || cl->early)
			continue;
		for (unsigned int j = 0; j < sizeof(sizes) / sizeof(sizes[0]);
		     j++) {
			struct client_state st = { .cl = cl,
						   .requested = true,
						   .size = sizes[j] };
			struct sim_error e = { "" };

			CHECK(cl->preserve(b, &st, &e) == -ENOMEM);
			CHECK(strstr(e.msg, "more than the machine's"));
			CHECK(!strncmp(e.msg, cl->name, strlen(cl->name)));
			CHECK(!st.preserved_bytes);
		}
	}
	if (power_down(b)) {
		free(b);
		return 1;
	}
	free(b);
	return 0;
}

static void test_client_sizes(void **state)
{
	assert_int_equal(boot_process(client_sizes), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_boot_layout, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_scrub, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vmalloc_round_trip, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_subtrees, setup, teardown),
		cmocka_unit_test_setup_teardown(test_double_restore, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_kexec_full, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_close_reports, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_client_sizes, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
