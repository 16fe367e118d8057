// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_client_memblock.c - the memblock client (clients/memblock_mem.c)
 * over handovers built by hand: a first boot preserves one page per
 * region and adds a "memblock" subtree written with libfdt, kexecs; a
 * second boot runs the client as kho boot does (early, restore,
 * preserve) and kexecs; a third reads what it handed on. Cases:
 *  - a region whose name is too long for the client (MB_NAME_LEN) is
 *    not revived, and a name one byte shorter is;
 *  - of more regions than the client keeps (MB_MAX_REGIONS), the first
 *    ones in handover order are revived, the rest not; with the longest
 *    names it keeps, their FDT still fits a 4 KiB page;
 *  - two regions at one address;
 *  - two regions of one name: only the first is looked at.
 * Each boot is its own process (fork), as real kexecs are.
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <libfdt.h>

#include <kho/kho.h>
#include <kho/kho_memblock.h>

#include "../clients/client.h"
#include "../sim/boot.h"
#include "lib/boot_proc.h"

/* clients/memblock_mem.c's limits. */
#define MB_MAX_REGIONS 16
#define MB_NAME_LEN 64
/* Regions in a handover built here, and kept by the boot after. */
#define MAX_BUILT 24

/* What one boot tells the next: shared across fork. */
struct shared {
	char dir[64];
	/* The handover to build: names, and which region shares whose page. */
	unsigned int nr;
	char name[MAX_BUILT][MB_NAME_LEN + 8];
	int same_as[MAX_BUILT];
	unsigned int pages[MAX_BUILT];
	uint64_t start[MAX_BUILT];
	/* The boot over it. */
	int early_ret, restore_ret, preserve_ret;
	char err[512];
	char restore_msg[CLIENT_MSG_LEN];
	char preserve_msg[CLIENT_MSG_LEN];
	uint64_t restored_bytes;
	/* What it handed on. */
	unsigned int nr_out;
	char name_out[MAX_BUILT][MB_NAME_LEN];
	uint64_t start_out[MAX_BUILT];
	uint64_t fdt_size_out;
};

static struct shared *sh;

static int setup(void **state)
{
	sh = shared_machine(sizeof(*sh), "/tmp/kho-client-memblock.XXXXXX");
	return 0;
}

static int teardown(void **state)
{
	machine_remove(sh->dir);
	munmap(sh, sizeof(*sh));
	return 0;
}

static struct sim_boot boot;

static int open_boot(struct sim_boot *b, bool expect_kho)
{
	struct sim_boot_opts opts = { .scrub = true, .punch = true };
	struct sim_error e = { "" };

	if (sim_boot_open(b, sh->dir, &opts, &e)) {
		fprintf(stderr, "boot failed: %s\n", e.msg);
		return 1;
	}
	CHECK(b->kho_boot == expect_kho);
	return 0;
}

/*
 * A cold boot that hands over sh's regions, of pages[i] preserved pages
 * each (or the pages of region same_as[i]), in a memblock-v1 FDT made
 * with libfdt:
 * kho_memblock_write() refuses names longer than the client keeps.
 */
static int build_handover(void)
{
	struct sim_boot *b = &boot;
	struct sim_error e = { "" };
	uint64_t page;
	void *fdt, *va;

	if (open_boot(b, false))
		return 1;
	if (sim_boot_mm_init(b, &e) || sim_boot_out_init(b, &e)) {
		fprintf(stderr, "boot failed: %s\n", e.msg);
		return 1;
	}
	page = b->m.page_size;
	for (unsigned int i = 0; i < sh->nr; i++) {
		if (sh->same_as[i] >= 0) {
			sh->start[i] = sh->start[sh->same_as[i]];
			continue;
		}
		va = kho_alloc_preserve(&b->out, sh->pages[i] * page);
		CHECK(va);
		sh->start[i] = sim_virt_to_phys(&b->m, va);
	}
	fdt = kho_alloc_preserve(&b->out, page);
	CHECK(fdt);
	CHECK(!fdt_create(fdt, (int)page));
	CHECK(!fdt_finish_reservemap(fdt));
	CHECK(!fdt_begin_node(fdt, ""));
	CHECK(!fdt_property_string(fdt, "compatible", KHO_MEMBLOCK_COMPATIBLE));
	for (unsigned int i = 0; i < sh->nr; i++) {
		uint64_t size = sh->pages[i] * page;

		CHECK(!fdt_begin_node(fdt, sh->name[i]));
		CHECK(!fdt_property_string(fdt, "compatible",
					   KHO_RESERVE_MEM_COMPATIBLE));
		CHECK(!fdt_property(fdt, "start", &sh->start[i],
				    sizeof(sh->start[i])));
		CHECK(!fdt_property(fdt, "size", &size, sizeof(size)));
		CHECK(!fdt_end_node(fdt));
	}
	CHECK(!fdt_end_node(fdt));
	CHECK(!fdt_finish(fdt));
	CHECK(!kho_add_subtree(&b->out, KHO_MEMBLOCK_NAME, fdt,
			       fdt_totalsize(fdt)));
	return kexec_down(b);
}

/*
 * The boot over it: the memblock client, asked for as by --preserve
 * memblock, in kho boot's order (tools/kho/cmd_boot.c); what each step
 * returned and said goes to sh.
 */
static int boot_client(void)
{
	struct client_state st = { .cl = &client_memblock, .requested = true };
	struct sim_boot *b = &boot;
	struct sim_error e = { "" };
	uint64_t phys, size;

	st.size = client_memblock.default_size;
	if (open_boot(b, true))
		return 1;
	sh->early_ret = client_memblock.early(b, &st, &e);
	CHECK(!sh->early_ret);
	CHECK(!sim_boot_mm_init(b, &e));
	CHECK(!kho_retrieve_subtree(&b->in, KHO_MEMBLOCK_NAME, &phys, &size));
	sh->restore_ret = client_memblock.restore(b, &st, phys, &e);
	snprintf(sh->restore_msg, sizeof(sh->restore_msg), "%s", st.msg);
	snprintf(sh->err, sizeof(sh->err), "%s", e.msg);
	sh->restored_bytes = st.restored_bytes;
	CHECK(!sim_boot_out_init(b, &e));
	st.msg[0] = '\0';
	sh->preserve_ret = client_memblock.preserve(b, &st, &e);
	snprintf(sh->preserve_msg, sizeof(sh->preserve_msg), "%s", st.msg);
	if (sh->preserve_ret) {
		snprintf(sh->err, sizeof(sh->err), "%s", e.msg);
		sim_boot_abort(b);
		return 0;
	}
	return kexec_down(b);
}

static int record_out(const struct kho_memblock_region *r, void *arg)
{
	if (sh->nr_out < MAX_BUILT) {
		snprintf(sh->name_out[sh->nr_out], MB_NAME_LEN, "%s", r->name);
		sh->start_out[sh->nr_out] = r->start;
	}
	sh->nr_out++;
	return 0;
}

/* The boot after: which regions were handed on. */
static int read_handed_on(void)
{
	struct kho_memblock_info info = { 0 };
	struct sim_boot *b = &boot;
	struct kho_view view;
	uint64_t phys, size;

	if (open_boot(b, true))
		return 1;
	CHECK(!kho_retrieve_subtree(&b->in, KHO_MEMBLOCK_NAME, &phys, &size));
	client_view(b, &view);
	view.own = NULL;
	sh->nr_out = 0;
	CHECK(!kho_memblock_read(&view, phys, size, record_out, NULL, &info,
				 NULL));
	sh->fdt_size_out = info.fdt_size;
	return power_down(b);
}

/* Hand over sh's regions, boot over them, and read what was handed on. */
static void run(void)
{
	assert_int_equal(boot_process(build_handover), 0);
	assert_int_equal(boot_process(boot_client), 0);
	if (!sh->preserve_ret)
		assert_int_equal(boot_process(read_handed_on), 0);
}

static void add_sized(const char *name, int same_as, unsigned int pages)
{
	snprintf(sh->name[sh->nr], sizeof(sh->name[0]), "%s", name);
	sh->pages[sh->nr] = pages;
	sh->same_as[sh->nr++] = same_as;
}

static void add_region(const char *name, int same_as)
{
	add_sized(name, same_as, 1);
}

static void reset(void)
{
	unsigned int keep = offsetof(struct shared, nr);

	memset((char *)sh + keep, 0, sizeof(*sh) - keep);
}

/* ---- names ---------------------------------------------------------------- */

/*
 * A name of MB_NAME_LEN bytes does not fit the client's name field:
 * revive_cb() skips it, and its page is restored and given back; one of
 * MB_NAME_LEN - 1 bytes, before and after it, is revived and handed on.
 * (Linux keeps names of at most 15 bytes, mm/memblock.c:2508, and
 * reserve_mem= refuses longer ones, mm/memblock.c:2842: it revives
 * neither, and leaves their memory reserved.)
 */
static void test_name_too_long(void **state)
{
	char longest[MB_NAME_LEN], too_long[MB_NAME_LEN + 1];

	reset();
	memset(longest, 'a', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	memset(too_long, 'b', sizeof(too_long) - 1);
	too_long[sizeof(too_long) - 1] = '\0';
	add_region("log", -1);
	add_region(too_long, -1);
	add_region(longest, -1);
	run();
	assert_int_equal(sh->restore_ret, 0);
	/* Every region of the handover is restored, the skipped one too. */
	assert_string_equal(sh->restore_msg,
			    "3 reserve_mem regions restored, 0 of them checked "
			    "(the others carry no hash)");
	assert_int_equal(sh->restored_bytes, 3 * 4096);
	assert_int_equal(sh->preserve_ret, 0);
	assert_int_equal(sh->nr_out, 2);
	assert_string_equal(sh->name_out[0], "log");
	assert_int_equal(sh->start_out[0], sh->start[0]);
	assert_string_equal(sh->name_out[1], longest);
	assert_int_equal(sh->start_out[1], sh->start[2]);
	assert_true(!strncmp(sh->preserve_msg, "2 regions, log at 0x", 20));
	assert_non_null(strstr(sh->preserve_msg, " (revived)"));
}

/* ---- too many regions ------------------------------------------------------ */

/*
 * MB_MAX_REGIONS + 4 regions, each with the longest name the client keeps:
 * the first MB_MAX_REGIONS in handover order are revived and handed on,
 * the others not (their pages given back), and "trace" and "oops" are not
 * allocated (a boot that revives regions asks for no others). Sixteen
 * such names and their hashes are the largest FDT mb_preserve() writes,
 * and it fits a 4 KiB page (2691 bytes), the smallest page a machine has:
 * its "does not fit a page" refusal cannot happen. (Linux keeps 8,
 * mm/memblock.c:2507, and refuses a ninth reserve_mem=, :2814.)
 */
static void test_too_many_regions(void **state)
{
	char name[MB_NAME_LEN];

	reset();
	for (unsigned int i = 0; i < MB_MAX_REGIONS + 4; i++) {
		memset(name, 'r', sizeof(name) - 1);
		name[sizeof(name) - 1] = '\0';
		snprintf(name, sizeof(name), "%02u", i);
		name[2] = 'r';
		add_region(name, -1);
	}
	run();
	assert_int_equal(sh->restore_ret, 0);
	assert_int_equal(sh->restored_bytes, (MB_MAX_REGIONS + 4) * 4096);
	assert_int_equal(sh->preserve_ret, 0);
	assert_int_equal(sh->nr_out, MB_MAX_REGIONS);
	for (unsigned int i = 0; i < MB_MAX_REGIONS; i++) {
		assert_string_equal(sh->name_out[i], sh->name[i]);
		assert_int_equal(sh->start_out[i], sh->start[i]);
	}
	assert_true(sh->fdt_size_out <= 4096);
}

/* ---- one address ----------------------------------------------------------- */

/*
 * Two regions at one address, no kernel writes this: Linux revives both
 * if reserve_mem= names them (reserved_mem_add() has no overlap check,
 * mm/memblock.c:2787) and preserves their pages twice, which is allowed
 * (kho_radix_add_key() sets a bit, kernel/liveupdate/kexec_handover.c:270).
 * Here the second one's pages cannot be restored again: the boot fails
 * saying so, and nothing crashes. Both are still handed on.
 */
static void test_one_address(void **state)
{
	char want[128];

	reset();
	add_region("x", -1);
	add_region("y", 0);
	run();
	assert_int_equal(sh->restore_ret, -ENOENT);
	snprintf(want, sizeof(want),
		 "memblock: region y at %#" PRIx64
		 " was not preserved (or restored twice)",
		 sh->start[0]);
	assert_string_equal(sh->err, want);
	assert_int_equal(sh->preserve_ret, 0);
	assert_int_equal(sh->nr_out, 2);
	assert_int_equal(sh->start_out[0], sh->start[0]);
	assert_int_equal(sh->start_out[1], sh->start[0]);
}

/* ---- one name twice -------------------------------------------------------- */

/*
 * Two regions of one name at two addresses: Linux revives the first only
 * (fdt_subnode_offset() in reserve_mem_kho_revive(), mm/memblock.c:2755,
 * finds the first node of a name, and reserve_mem() refuses a name
 * already used, mm/memblock.c:2854). The second's page is restored and
 * given back; one region is handed on. The client once revived both and
 * handed on two nodes of one name.
 */
static void test_one_name_twice(void **state)
{
	reset();
	add_region("x", -1);
	add_region("x", -1);
	run();
	assert_int_equal(sh->restore_ret, 0);
	assert_int_equal(sh->restored_bytes, 2 * 4096);
	assert_int_equal(sh->preserve_ret, 0);
	assert_int_equal(sh->nr_out, 1);
	assert_string_equal(sh->name_out[0], "x");
	assert_int_equal(sh->start_out[0], sh->start[0]);
}

/*
 * And when the first is refused, the second is not taken instead: a
 * "trace" of one page (this boot asks for 1 MiB) then a "trace" of 1 MiB.
 * Linux finds the first, refuses its size (mm/memblock.c:2781) and
 * allocates "trace" anew; so does the client, and with no region revived
 * it allocates "oops" too. Neither handed-over "trace" is handed on.
 */
static void test_first_of_name_refused(void **state)
{
	reset();
	add_sized("trace", -1, 1);
	add_sized("trace", -1, 256);
	run();
	assert_int_equal(sh->restore_ret, 0);
	assert_non_null(strstr(sh->restore_msg,
			       "; trace (4 KiB) is not the 1024 KiB asked for: "
			       "allocated anew, not revived, as Linux does"));
	assert_int_equal(sh->preserve_ret, 0);
	assert_int_equal(sh->nr_out, 2);
	assert_string_equal(sh->name_out[0], "trace");
	assert_string_equal(sh->name_out[1], "oops");
	assert_int_not_equal(sh->start_out[0], sh->start[0]);
	assert_int_not_equal(sh->start_out[0], sh->start[1]);
	assert_null(strstr(sh->preserve_msg, "(revived)"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_too_long),
		cmocka_unit_test(test_too_many_regions),
		cmocka_unit_test(test_one_address),
		cmocka_unit_test(test_one_name_twice),
		cmocka_unit_test(test_first_of_name_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
