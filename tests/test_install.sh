#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# test_install.sh - libkho as an outside program sees it.
#
# Installs with `make install PREFIX=$tmp`, then builds a program of its own
# against the installed headers and libraries through pkg-config, statically
# and shared. The program passes its own struct kho_mem_ops (pages from
# posix_memalign, physical address = virtual address), builds a tree, hands
# the root's physical address to a second tree with kho_radix_attach() and
# walks the same blocks. Also: the shared library exports only kho_* names.
#
# The library is built afresh in a build directory of its own, without
# sanitizers, whatever BUILD the caller uses (an ASan build's objects would
# not link into a plain outside program).

set -u

cd "$(dirname "$0")/.." || exit 1

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kho-install.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

fail() {
	echo "test_install: FAIL: $*" >&2
	exit 1
}

# Make's variables from a calling make must not leak into this one.
unset MAKEFLAGS MFLAGS MAKELEVEL
make --no-print-directory BUILD="$tmp/build" SAN= install PREFIX="$tmp" \
	>"$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log" >&2; fail "make install PREFIX=$tmp failed"; }

for f in include/kho/radix.h include/kho/abi.h include/kho/lock.h \
	 lib/libkho.a lib/libkho.so lib/pkgconfig/libkho.pc; do
	[ -e "$tmp/$f" ] || fail "make install did not install $f"
done

PKG_CONFIG_PATH=$tmp/lib/pkgconfig
export PKG_CONFIG_PATH
pkg-config --exists libkho || fail "pkg-config does not find libkho.pc"
cflags=$(pkg-config --cflags libkho) || fail "pkg-config --cflags libkho"
libs=$(pkg-config --libs libkho) || fail "pkg-config --libs libkho"
static_libs=$(pkg-config --static --libs libkho) ||
	fail "pkg-config --static --libs libkho"

# libkho.pc's description names the versions the library speaks: the first
# and last of enum kho_abi and the default of the installed <kho/version.h>.
desc=$(sed -n 's/^Description: //p' "$tmp/lib/pkgconfig/libkho.pc")
abis=$(sed -n 's/^[[:space:]]*KHO_ABI_V\([0-9][0-9]*\) = .*/\1/p' \
	"$tmp/include/kho/version.h" | sort -n)
abi_first=$(echo "$abis" | head -n 1)
abi_last=$(echo "$abis" | tail -n 1)
abi_default=$(sed -n 's/^#define KHO_ABI_DEFAULT KHO_ABI_V\([0-9][0-9]*\)$/\1/p' \
	"$tmp/include/kho/version.h")
[ -n "$abi_first" ] && [ -n "$abi_default" ] ||
	fail "no enum kho_abi or KHO_ABI_DEFAULT in the installed kho/version.h"
for v in "kho-v$abi_first" "kho-v$abi_last" "kho-v$abi_default by default"; do
	echo "$desc" | grep -Eq "(^|[^[:alnum:]-])$v([^[:alnum:]]|\$)" ||
		fail "libkho.pc's Description does not say '$v': $desc"
done

cat >"$tmp/prog.c" <<'EOF'
/* An outside program: its own memory, its own tree, a second reader. */
#define _POSIX_C_SOURCE 200112L
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kho/radix.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define MAX_PAGES 4096

/* Pages we handed out: phys_to_virt() knows nothing else. */
static void *pages[MAX_PAGES];
static unsigned int nr_live;

static void *my_alloc_page(void *ctx)
{
	void *p;
	int i;

	for (i = 0; i < MAX_PAGES; i++) {
		if (pages[i])
			continue;
		if (posix_memalign(&p, PAGE_SIZE, PAGE_SIZE))
			return NULL;
		memset(p, 0, PAGE_SIZE);
		pages[i] = p;
		nr_live++;
		return p;
	}
	return NULL;
}

static void my_free_page(void *ctx, void *page)
{
	int i;

	for (i = 0; i < MAX_PAGES; i++) {
		if (pages[i] == page) {
			pages[i] = NULL;
			nr_live--;
			free(page);
			return;
		}
	}
	fprintf(stderr, "freed a page that is not ours: %p\n", page);
	exit(1);
}

static uint64_t my_virt_to_phys(void *ctx, const void *va)
{
	return (uint64_t)(uintptr_t)va;
}

static void *my_phys_to_virt(void *ctx, uint64_t pa)
{
	int i;

	for (i = 0; i < MAX_PAGES; i++)
		if (pages[i] && (uint64_t)(uintptr_t)pages[i] ==
				(pa & ~(uint64_t)(PAGE_SIZE - 1)))
			return (void *)(uintptr_t)pa;
	return NULL;
}

struct list {
	uint64_t phys[256];
	unsigned int order[256];
	unsigned int n;
};

static int collect(uint64_t phys, unsigned int order, void *arg)
{
	struct list *l = arg;

	if (l->n == 256)
		return -ENOSPC;
	l->phys[l->n] = phys;
	l->order[l->n++] = order;
	return 0;
}

#define CHECK(cond)                                                  \
	do {                                                         \
		if (!(cond)) {                                       \
			fprintf(stderr, "%s:%d: %s\n", __FILE__,     \
				__LINE__, #cond);                    \
			return 1;                                    \
		}                                                    \
	} while (0)

int main(void)
{
	struct kho_mem_ops ops = {
		.alloc_page = my_alloc_page,
		.free_page = my_free_page,
		.virt_to_phys = my_virt_to_phys,
		.phys_to_virt = my_phys_to_virt,
		.ctx = NULL,
	};
	struct kho_radix_tree tree, next;
	struct kho_geometry geo;
	struct list a = { .n = 0 }, b = { .n = 0 };
	unsigned int i;

	CHECK(kho_geometry_init(&geo, PAGE_SHIFT) == 0);
	CHECK(kho_radix_init(&tree, &geo, &ops) == 0);
	CHECK(kho_radix_add_page(&tree, 0x123456, 0) == 0);
	CHECK(kho_radix_add_page(&tree, 0x200, 9) == 0);
	CHECK(kho_radix_add_page(&tree, 0x40000, 18) == 0);
	CHECK(kho_radix_add_page(&tree, 0xfffff00000ULL, 4) == 0);
	CHECK(kho_radix_add_range(&tree, 0x1001, 100) == 0);
	CHECK(kho_radix_add_page(&tree, 0x201, 9) == -EINVAL);
	CHECK(kho_radix_walk(&tree, collect, &a) == 0);
	CHECK(a.n > 4);

	/* The next reader knows only the root's physical address. */
	CHECK(kho_radix_attach(&next, &geo, &ops,
			       kho_radix_root_phys(&tree)) == 0);
	CHECK(kho_radix_walk(&next, collect, &b) == 0);
	CHECK(a.n == b.n);
	for (i = 0; i < a.n; i++)
		CHECK(a.phys[i] == b.phys[i] && a.order[i] == b.order[i]);
	CHECK(kho_radix_test_page(&next, 0x123456, 0));
	CHECK(kho_radix_test_page(&next, 0x200, 9));
	CHECK(!kho_radix_test_page(&next, 0x200, 8));
	CHECK(kho_radix_add_page(&next, 7, 0) == -EPERM);
	/* Largest order first, as Linux walks. */
	CHECK(b.order[0] == 18 && b.phys[0] == 0x40000ULL << PAGE_SHIFT);

	kho_radix_destroy(&next);
	CHECK(nr_live > 1);
	kho_radix_destroy(&tree);
	CHECK(nr_live == 0);
	printf("outside program: %u blocks walked by the attached tree\n",
	       b.n);
	return 0;
}
EOF

CC=${CC:-cc}
warn="-std=c11 -Wall -Wextra -Werror -Wno-unused-parameter"

# Shared: the installed libkho.so, found through LD_LIBRARY_PATH.
# shellcheck disable=SC2086
$CC $warn $cflags -o "$tmp/prog_shared" "$tmp/prog.c" $libs \
	>"$tmp/cc.log" 2>&1 ||
	{ cat "$tmp/cc.log" >&2; fail "compiling against the shared library"; }
readelf -d "$tmp/prog_shared" | grep -q 'NEEDED.*libkho\.so' ||
	fail "prog_shared does not need libkho.so"
LD_LIBRARY_PATH=$tmp/lib "$tmp/prog_shared" ||
	fail "the program linked with the shared library failed"

# Static: the installed libkho.a, the private dependencies from pkg-config.
static_libs=$(echo "$static_libs" |
	sed 's/\(^\| \)-lkho\( \|$\)/ -Wl,-Bstatic -lkho -Wl,-Bdynamic /')
# shellcheck disable=SC2086
$CC $warn $cflags -o "$tmp/prog_static" "$tmp/prog.c" $static_libs \
	>"$tmp/cc.log" 2>&1 ||
	{ cat "$tmp/cc.log" >&2; fail "compiling against the static library"; }
if readelf -d "$tmp/prog_static" | grep -q 'NEEDED.*libkho'; then
	fail "prog_static needs libkho.so: it was not linked statically"
fi
"$tmp/prog_static" || fail "the program linked with the static library failed"

# The shared library exports the public API only.
syms=$(nm -D --defined-only "$tmp/lib/libkho.so" |
	awk '$2 != "A" { sub(/@.*/, "", $3); print $3 }')
[ -n "$syms" ] || fail "nm -D found no symbols in libkho.so"
bad=$(echo "$syms" | grep -v '^kho_')
[ -z "$bad" ] || fail "libkho.so exports names outside kho_*: $(echo $bad)"
echo "$syms" | grep -qx kho_radix_attach ||
	fail "libkho.so does not export kho_radix_attach"

echo "test_install: ok: installed, built static and shared, $(echo "$syms" | wc -l) kho_* symbols exported"
