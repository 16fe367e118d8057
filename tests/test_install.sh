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
# walks the same blocks. A C++ program does the same with versions,
# geometry and a tree, and every installed header compiles alone as C11 and
# as C++11, strictly. Also: libkho.pc names the ABI versions, and the shared
# library exports exactly the functions and variables the installed headers
# declare, each in the version node lib/libkho.map gives it.
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

# Every installed header, in one unit.
for h in "$tmp"/include/kho/*.h; do
	echo "#include <kho/${h##*/}>"
done >"$tmp/headers.h"

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
if [ -z "$abi_first" ] || [ -z "$abi_default" ]; then
	fail "no enum kho_abi or KHO_ABI_DEFAULT in the installed kho/version.h"
fi
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

# --- The installed headers in C11 and in C++11 -----------------------------
#
# Each header alone, strict (-pedantic, every warning an error), hosted and
# freestanding (the two struct kho_lock): C11, and C++11, which needs the
# extern "C" blocks, static_assert for the layout checks
# (KHO_STATIC_ASSERT), no C++ keyword as a name and every anonymous member
# marked __extension__.
CXX=${CXX:-g++}
for h in "$tmp"/include/kho/*.h; do
	h=${h##*/}
	printf '#include <kho/%s>\n' "$h" >"$tmp/one.c"
	cp "$tmp/one.c" "$tmp/one.cc"
	for env in -UKHO_FREESTANDING "-DKHO_FREESTANDING -ffreestanding"; do
		# shellcheck disable=SC2086
		$CC -std=c11 -Wall -Wextra -Werror -pedantic $env $cflags \
			-fsyntax-only "$tmp/one.c" >"$tmp/cc.log" 2>&1 ||
			{ cat "$tmp/cc.log" >&2; fail "<kho/$h> alone does not compile as C11 ($env)"; }
		# shellcheck disable=SC2086
		$CXX -std=c++11 -Wall -Wextra -Werror -pedantic $env $cflags \
			-fsyntax-only "$tmp/one.cc" >"$tmp/cc.log" 2>&1 ||
			{ cat "$tmp/cc.log" >&2; fail "<kho/$h> alone does not compile as C++11 ($env)"; }
	done
done

# A C++ program with every installed header: versions, geometry, a tree of
# its own walked both ways, a lock; linked shared and static. (Every other
# public function is linked from C++ below, with the exported symbols.)
cat >"$tmp/prog.cc" <<'EOF'
// An outside C++ program: every installed header, a few calls.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "headers.h"

#define CHECK(cond)                                                        \
	do {                                                               \
		if (!(cond)) {                                             \
			std::fprintf(stderr, "%s:%d: %s\n", __FILE__,      \
				     __LINE__, #cond);                     \
			return 1;                                          \
		}                                                          \
	} while (0)

static unsigned int live;

// One page, page-aligned inside an allocation of two; the word before the
// page says where the allocation starts.
static void *page_alloc(void *)
{
	void *p = std::calloc(2, 4096);

	if (!p)
		return nullptr;
	live++;
	uintptr_t a = (reinterpret_cast<uintptr_t>(p) + 4096) & ~uintptr_t(4095);
	reinterpret_cast<void **>(a)[-1] = p;
	return reinterpret_cast<void *>(a);
}

static void page_free(void *, void *page)
{
	live--;
	std::free(static_cast<void **>(page)[-1]);
}

static uint64_t to_phys(void *, const void *va)
{
	return reinterpret_cast<uintptr_t>(va);
}

static void *to_virt(void *, uint64_t pa)
{
	return reinterpret_cast<void *>(static_cast<uintptr_t>(pa));
}

static int count_block(uint64_t, unsigned int order, void *arg)
{
	*static_cast<unsigned int *>(arg) += 1u << order;
	return 0;
}

static int count_key(uint64_t, void *arg)
{
	++*static_cast<unsigned int *>(arg);
	return 0;
}

int main()
{
	const struct kho_abi_version *v = kho_abi_get(KHO_ABI_DEFAULT);
	CHECK(v && std::strcmp(v->name, KHO_FDT_COMPATIBLE) == 0);
	CHECK(kho_abi_find("kho-v1") == kho_abi_get(KHO_ABI_V1));
	unsigned int i = 0, versions = 0;
	while (kho_abi_for_each(&i))
		versions++;
	CHECK(versions >= KHO_ABI_DEFAULT);

	struct kho_geometry geo;
	CHECK(kho_geometry_init_abi(&geo, 14, kho_abi_find("kho-v2")) == 0);
	CHECK(kho_geometry_truncates_order0(&geo));
	CHECK(kho_geometry_init(&geo, 12) == 0);
	CHECK(geo.depth == KHO_TREE_DEPTH_OF(12) &&
	      geo.key_width == KHO_KEY_WIDTH_OF(12));
	unsigned int order = 0;
	CHECK(kho_key_decode(&geo, kho_key_encode(&geo, 0x200000, 9),
			     &order) == 0x200000 && order == 9);

	// What C++ spells its own way: the anonymous members, struct
	// kho_page's private, the two walk callbacks.
	union kho_page_info info;
	info.order = 9;
	info.magic = KHO_PAGE_MAGIC;
	struct kho_page page = {};
	page.private_ = info.page_private;
	info.page_private = 0;
	info.page_private = page.private_;
	CHECK(info.order == 9 && info.magic == KHO_PAGE_MAGIC);

	struct kho_mem_ops ops = { page_alloc, page_free, to_phys, to_virt,
				   nullptr };
	struct kho_radix_tree tree;
	CHECK(kho_radix_init(&tree, &geo, &ops) == 0);
	CHECK(kho_radix_add_page(&tree, 0x200, 9) == 0);
	CHECK(kho_radix_add_page(&tree, 0x123456, 0) == 0);
	unsigned int pages = 0, keys = 0;
	kho_radix_block_cb per_block = count_block;
	CHECK(kho_radix_walk(&tree, per_block, &pages) == 0 && pages == 513);
	kho_radix_walk_cb per_key = { count_key, nullptr };
	CHECK(kho_radix_walk_tree(&tree, &per_key, &keys) == 0 && keys == 2);
	kho_radix_destroy(&tree);
	CHECK(live == 0);

	struct kho_lock lock;
	kho_lock_init(&lock);
	kho_lock_acquire(&lock);
	kho_lock_release(&lock);
	kho_lock_destroy(&lock);

	std::printf("outside C++ program: %u versions, %u pages walked\n",
		    versions, pages);
	return 0;
}
EOF
cxxwarn="-std=c++11 -Wall -Wextra -Werror -pedantic"
# shellcheck disable=SC2086
$CXX $cxxwarn $cflags -o "$tmp/progxx_shared" "$tmp/prog.cc" $libs \
	>"$tmp/cc.log" 2>&1 ||
	{ cat "$tmp/cc.log" >&2; fail "compiling the C++ program against the shared library"; }
LD_LIBRARY_PATH=$tmp/lib "$tmp/progxx_shared" ||
	fail "the C++ program linked with the shared library failed"
# shellcheck disable=SC2086
$CXX $cxxwarn $cflags -o "$tmp/progxx_static" "$tmp/prog.cc" $static_libs \
	>"$tmp/cc.log" 2>&1 ||
	{ cat "$tmp/cc.log" >&2; fail "compiling the C++ program against the static library"; }
"$tmp/progxx_static" ||
	fail "the C++ program linked with the static library failed"

# --- The shared library exports the public API and nothing else ------------
#
# Three lists of names must be the same, and none of them comes from reading
# C with a script:
#   listed:   what lib/libkho.map lists, each name with its version node. The
#             map lists names, one a line; a wildcard in a global: section
#             is refused here (it is how an internal function leaked out).
#   exported: what the installed libkho.so defines in its dynamic symbol
#             table, as name and version node (nm -D).
#   declared: every function and variable with external linkage that the
#             installed headers declare, as the compiler sees them. GCC's
#             -aux-info writes one line per function declaration, with the
#             file and line it is in and its storage class (static inline
#             helpers say "static"); the name is the identifier before the
#             parameter list. Variables come from the DWARF of the same unit
#             built with -fno-eliminate-unused-debug-symbols, which keeps
#             every external declaration even when unused; among those, the
#             ones in the library's namespaces (kho_*, khoser_*).
# listed = exported is compared name by name, with the node. listed is
# within declared: a unit that includes every installed header and takes the
# address of every listed name must compile (an undeclared name does not),
# must leave each name an undefined reference (nm -u; a static inline or a
# macro would not) and must link against the installed libkho.so. declared
# is within listed: compared, so a misread declaration fails too instead of
# passing unseen.

# Listed: the map without its comments, cut into tokens at { } ; and blanks.
listed=$(awk '
	{
		line = $0; out = ""
		while (line != "") {
			if (incomment) {
				i = index(line, "*/")
				if (!i)
					break
				line = substr(line, i + 2); incomment = 0
				continue
			}
			i = index(line, "/*")
			if (!i) {
				out = out line
				break
			}
			out = out substr(line, 1, i - 1) " "
			line = substr(line, i + 2); incomment = 1
		}
		gsub(/[{};]/, " & ", out)
		n = split(out, tok, /[ \t]+/)
		for (j = 1; j <= n; j++) {
			t = tok[j]
			if (t == "")
				continue
			if (t == "{") {
				node = prev; section = ""
			} else if (t == "}") {
				node = ""
			} else if (t == "global:" || t == "local:") {
				section = t
			} else if (node != "" && section == "global:" && t != ";") {
				if (t !~ /^[A-Za-z_][A-Za-z0-9_]*$/) {
					print "BAD " t
					exit
				}
				print t " " node
			}
			prev = t
		}
	}' lib/libkho.map | sort)
case $listed in
*"BAD "*) fail "lib/libkho.map exports a pattern, not a name: $(echo "$listed" | sed -n 's/^BAD //p')" ;;
esac
[ -n "$listed" ] || fail "no names in lib/libkho.map"

# Exported: name@@NODE (the default version) or name@NODE, without the
# nodes themselves (absolute symbols).
exported=$(nm -D --defined-only "$tmp/lib/libkho.so" |
	awk '$2 != "A" { n = split($3, p, /@+/); print p[1] " " (n > 1 ? p[n] : "(none)") }' |
	sort)
[ -n "$exported" ] || fail "nm -D found no symbols in libkho.so"
bad=$(echo "$exported" | awk '$1 !~ /^kho_/ { print $1 }')
[ -z "$bad" ] ||
	fail "libkho.so exports names outside kho_*: $(echo "$bad" | tr '\n' ' ')"

if [ "$listed" != "$exported" ]; then
	echo "$listed" >"$tmp/listed"
	echo "$exported" >"$tmp/exported"
	fail "libkho.so does not export what lib/libkho.map lists (name node;" \
		"< listed only, > exported only):" \
		"$(diff "$tmp/listed" "$tmp/exported" | grep '^[<>]' | tr '\n' ' ')"
fi

# Listed names are declared: take the address of each.
{
	echo '#include "headers.h"'
	echo 'void *const listed[] = {'
	echo "$listed" | awk '{ print "\t(void *)&" $1 "," }'
	echo '};'
	echo 'int main(void) { return listed[0] == 0; }'
} >"$tmp/listed.c"
# shellcheck disable=SC2086
$CC -std=c11 -Wall -Wextra -Werror $cflags -c -o "$tmp/listed.o" \
	"$tmp/listed.c" >"$tmp/cc.log" 2>&1 ||
	{ cat "$tmp/cc.log" >&2; fail "a name lib/libkho.map lists is not declared by the installed headers"; }
undef=$(nm -u "$tmp/listed.o" | awk '{ print $NF }')
for name in $(echo "$listed" | awk '{ print $1 }'); do
	echo "$undef" | grep -qx "$name" ||
		fail "$name, listed in lib/libkho.map, is no external declaration of the installed headers"
done
# shellcheck disable=SC2086
$CC -o "$tmp/listed" "$tmp/listed.o" $libs >"$tmp/cc.log" 2>&1 ||
	{ cat "$tmp/cc.log" >&2; fail "the names lib/libkho.map lists do not link against libkho.so"; }
# The same unit as C++ finds every name under its C symbol: no header
# lacks its extern "C".
# shellcheck disable=SC2086
$CXX -std=c++11 -Wall -Wextra -Werror $cflags -x c++ -o "$tmp/listedxx" \
	"$tmp/listed.c" $libs >"$tmp/cc.log" 2>&1 ||
	{ cat "$tmp/cc.log" >&2; fail "C++ does not link the names lib/libkho.map lists against libkho.so"; }

# Declared: functions from -aux-info, variables from DWARF (see above).
echo '#include "headers.h"' >"$tmp/declared.c"
# shellcheck disable=SC2086
gcc -std=c11 $cflags -g -fno-eliminate-unused-debug-symbols \
	-aux-info "$tmp/declared.aux" -c -o "$tmp/declared.o" \
	"$tmp/declared.c" >"$tmp/cc.log" 2>&1 ||
	{ cat "$tmp/cc.log" >&2; fail "gcc -aux-info on the installed headers"; }
funcs=$(grep -F "/* $tmp/include/kho/" "$tmp/declared.aux" |
	grep -v '^/\* [^ ]* \*/ static ')
nfuncs=$(echo "$funcs" | grep -c .)
funcs=$(echo "$funcs" |
	sed -e 's|^/\* [^ ]* \*/ extern ||' -e 's/ ([^*].*//' \
	    -e 's/.*[ *(]//' | grep -x '[A-Za-z_][A-Za-z0-9_]*')
if [ "$nfuncs" -eq 0 ] || [ "$(echo "$funcs" | grep -c .)" -ne "$nfuncs" ]; then
	fail "cannot read the function names of gcc -aux-info: $(echo "$funcs" | tr '\n' ' ')"
fi
vars=$(readelf --debug-dump=info "$tmp/declared.o" | awk '
	function flush() {
		if (tag == "DW_TAG_variable" && ext && decl &&
		    name ~ /^kho(ser)?_/)
			print name
	}
	/^ <[0-9]+><[0-9a-f]+>: Abbrev Number/ {
		flush()
		tag = ""; name = ""; ext = 0; decl = 0
		if ($1 ~ /^<1>/ && match($0, /\(DW_TAG_[a-z_]+\)/))
			tag = substr($0, RSTART + 1, RLENGTH - 2)
		next
	}
	/DW_AT_name/ { name = $NF }
	/DW_AT_external/ { ext = 1 }
	/DW_AT_declaration/ { decl = 1 }
	END { flush() }')
declared=$(printf '%s\n%s\n' "$funcs" "$vars" | grep . | sort -u)
echo "$declared" | grep -qx kho_radix_attach ||
	fail "gcc -aux-info does not show kho_radix_attach in the installed headers"
missing=$(echo "$declared" | grep -vxF "$(echo "$listed" | awk '{ print $1 }')")
[ -z "$missing" ] ||
	fail "declared in the installed headers but not in lib/libkho.map (not exported): $(echo "$missing" | tr '\n' ' ')"

echo "test_install: ok: installed, built static and shared, $(echo "$exported" | wc -l) symbols exported, each declared in the installed headers and listed in lib/libkho.map"
