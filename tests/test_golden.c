// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_golden.c - the bytes libkho writes, pinned.
 *
 * 1. Linux's own root FDTs: tests/golden/linux-7.3.4-{x86_64,arm64}-root.fdt
 *    are the root FDT pages real Linux 7.3.4 kernels handed over (taken
 *    from the RAM of QEMU guests at the kexec point, bytes as they were).
 *    The same FDT is built again with libkho's writer, from the names,
 *    addresses and sizes it holds, and must come out byte for byte.
 * 2. Every version libkho writes (kho-v2, kho-v3, kho-v4) at every page
 *    size: a fixed handover (the same blocks, one blob) is written and its
 *    root FDT and every tree node (non-zero words only, depth-first) are
 *    compared with tests/golden/<version>-<page size>.txt. KHO_GOLDEN_UPDATE=1
 *    rewrites those files instead; a change to them is a change of ABI
 *    output and shows in review.
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

#include <cmocka.h>
#include <libfdt.h>

#include <kho/kho.h>
#include <kho/version.h>

#include "../lib/kho_internal.h"
#include "lib/kho_env.h"

#define GOLDEN_DIR "tests/golden/"
#define ENV_PHYS_BASE 0x100000000ULL
#define ENV_PAGES 512
#define GOLDEN_MAX (1 << 20)

/* ---- 1. Linux's root FDTs -------------------------------------------- */

static void *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	void *buf = malloc(GOLDEN_MAX);

	assert_non_null(f);
	assert_non_null(buf);
	*len = fread(buf, 1, GOLDEN_MAX, f);
	fclose(f);
	return buf;
}

static uint64_t prop_u64(const void *fdt, int node, const char *name)
{
	const void *p;
	uint64_t v;
	int len;

	p = fdt_getprop(fdt, node, name, &len);
	assert_non_null(p);
	assert_int_equal(len, sizeof(v));
	memcpy(&v, p, sizeof(v));
	return v;
}

static void rebuild_linux_fdt(const char *path, unsigned int page_size)
{
	const struct kho_abi_version *v4 = kho_abi_get(KHO_ABI_V4);
	int nodes[16], nr = 0, node;
	size_t len;
	void *linux_fdt = read_file(path, &len);
	void *ours = calloc(1, page_size);

	assert_non_null(ours);
	assert_int_equal(fdt_check_full(linux_fdt, len), 0);
	assert_int_equal(fdt_totalsize(linux_fdt), len);
	assert_int_equal(fdt_node_check_compatible(linux_fdt, 0, "kho-v4"), 0);
	assert_int_equal(
		root_fdt_build(ours, page_size, v4,
			       prop_u64(linux_fdt, 0, "preserved-memory-map")),
		0);
	fdt_for_each_subnode(node, linux_fdt, 0)
	{
		assert_true(nr < 16);
		nodes[nr++] = node;
	}
	/*
	 * libfdt puts a new node before its older siblings: the kernel added
	 * them last to first (kexec-metadata at kho_init() first).
	 */
	while (nr--) {
		node = nodes[nr];
		assert_int_equal(
			root_fdt_add_subtree(
				ours, page_size, v4,
				fdt_get_name(linux_fdt, node, NULL),
				prop_u64(linux_fdt, node, "preserved-data"),
				prop_u64(linux_fdt, node, "blob-size")),
			0);
	}
	assert_int_equal(fdt_totalsize(ours), len);
	assert_memory_equal(ours, linux_fdt, len);
	free(ours);
	free(linux_fdt);
}

static void test_linux_root_fdt_x86_64(void **state)
{
	rebuild_linux_fdt(GOLDEN_DIR "linux-7.3.4-x86_64-root.fdt", 4096);
}

static void test_linux_root_fdt_arm64(void **state)
{
	rebuild_linux_fdt(GOLDEN_DIR "linux-7.3.4-arm64-root.fdt", 4096);
}

/* ---- 2. every version libkho writes ----------------------------------- */

struct golden {
	char *buf;
	size_t len;
};

static void emit(struct golden *g, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(g->buf + g->len, GOLDEN_MAX - g->len, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < GOLDEN_MAX - g->len);
	g->len += n;
}

/* Depth-first, table indices ascending: every node's non-zero words. */
static void emit_node(struct golden *g, struct kho_env *e, uint64_t phys,
		      unsigned int level)
{
	const uint64_t *words = kho_env_va(e, phys);
	size_t i, nr = e->page_size / sizeof(uint64_t);

	assert_non_null(words);
	emit(g, "node level %u phys %#" PRIx64 "\n", level,
	     phys - ENV_PHYS_BASE);
	for (i = 0; i < nr; i++) {
		if (words[i])
			emit(g, "  [%zu] %#" PRIx64 "\n", i,
			     level ? words[i] - ENV_PHYS_BASE : words[i]);
	}
	for (i = 0; level && i < nr; i++) {
		if (words[i])
			emit_node(g, e, words[i], level - 1);
	}
}

/*
 * The fixed handover: folios of several orders at fixed addresses (order 0
 * refused where kho-v2's 16 KiB tree has no room for its key), a page run
 * split the kernel's way, and one 73-byte blob named "kexec-metadata".
 */
static void write_handover(struct golden *g, struct kho_env *e,
			   const struct kho_abi_version *v)
{
	struct kho_out out;
	unsigned char *blob;
	uint64_t page = e->page_size;
	int want0;
	size_t i;

	assert_int_equal(kho_out_init_abi(&out, &e->geo, &e->ops, NULL, 0, v),
			 0);
	want0 = kho_geometry_truncates_order0(&out.geo) ? -ERANGE : 0;
	assert_int_equal(
		kho_preserve_folio(&out, ENV_PHYS_BASE + 300 * page, 0), want0);
	assert_int_equal(
		kho_preserve_folio(&out, ENV_PHYS_BASE + 256 * page, 3), 0);
	assert_int_equal(
		kho_preserve_folio(&out, ENV_PHYS_BASE + 320 * page, 6), 0);
	if (!want0)
		assert_int_equal(kho_preserve_pages(
					 &out, ENV_PHYS_BASE + 401 * page, 23),
				 0);
	blob = kho_alloc_preserve(&out, 73);
	assert_non_null(blob);
	for (i = 0; i < 73; i++)
		blob[i] = (unsigned char)(i * 7 + 1);
	assert_int_equal(kho_add_subtree(&out, "kexec-metadata", blob, 73), 0);

	emit(g, "# %s, %zu-byte pages: root FDT, then the tree depth-first\n",
	     v->name, e->page_size);
	emit(g, "fdt phys %#" PRIx64 " size %u\n", out.fdt_phys - ENV_PHYS_BASE,
	     fdt_totalsize(out.fdt));
	for (i = 0; i < fdt_totalsize(out.fdt); i++)
		emit(g, "%02x%s", ((unsigned char *)out.fdt)[i],
		     i % 32 == 31 ? "\n" : "");
	emit(g, "\ndepth %u\n", out.geo.depth);
	emit_node(g, e, kho_radix_root_phys(&out.tree), out.geo.depth - 1);
	kho_remove_subtree(&out, blob);
	kho_unpreserve_free(&out, blob);
	kho_out_destroy(&out);
}

static void check_golden(const struct golden *g, const char *path)
{
	struct golden want;
	FILE *f;

	if (getenv("KHO_GOLDEN_UPDATE")) {
		f = fopen(path, "w");
		assert_non_null(f);
		assert_int_equal(fwrite(g->buf, 1, g->len, f), g->len);
		fclose(f);
		return;
	}
	want.buf = read_file(path, &want.len);
	if (want.len != g->len || memcmp(want.buf, g->buf, g->len))
		fail_msg(
			"%s: libkho now writes other bytes (KHO_GOLDEN_UPDATE=1 "
			"rewrites it if that is intended):\n%.*s",
			path, (int)g->len, g->buf);
	free(want.buf);
}

static void test_versions(void **state)
{
	static const unsigned int shifts[] = { 12, 14, 16 };
	static const enum kho_abi abis[] = { KHO_ABI_V2, KHO_ABI_V3,
					     KHO_ABI_V4 };
	struct golden g = { .buf = malloc(GOLDEN_MAX) };
	char path[256];

	assert_non_null(g.buf);
	for (size_t a = 0; a < sizeof(abis) / sizeof(abis[0]); a++) {
		for (size_t s = 0; s < sizeof(shifts) / sizeof(shifts[0]);
		     s++) {
			const struct kho_abi_version *v = kho_abi_get(abis[a]);
			struct kho_env *e = kho_env_create(
				shifts[s], ENV_PHYS_BASE, ENV_PAGES);

			assert_non_null(e);
			g.len = 0;
			write_handover(&g, e, v);
			snprintf(path, sizeof(path), GOLDEN_DIR "%s-%uK.txt",
				 v->name, 1U << (shifts[s] - 10));
			check_golden(&g, path);
			assert_int_equal(e->live_pages, 0);
			kho_env_destroy(e);
		}
	}
	free(g.buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linux_root_fdt_x86_64),
		cmocka_unit_test(test_linux_root_fdt_arm64),
		cmocka_unit_test(test_versions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
