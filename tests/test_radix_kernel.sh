#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# libkho's radix tree against the kernel's own: the tree's code of
# kernel/liveupdate/kexec_handover.c (kho_encode_radix_key() to
# kho_radix_walk_tree(): keys, add, delete, walk), cut out of an unpacked
# kernel source (KHO_KERNEL_SRC, default Debian's linux-source-7.3 under
# /var/cache/libkho/src) and compiled here with its ABI header
# (include/linux/kho/abi/kexec_handover.h) and include/linux/kho_radix_tree.h
# for 4, 16 and 64 KiB pages. Nothing of the kernel is copied into the
# repository: the kernel headers those include are stand-ins written below,
# and tests/tools/radix_kernel_glue.c is the small API the driver calls.
# tests/tools/radix_kernel_driver.c says what is compared: the same random
# adds and deletes on both trees, each tree read by the other side's walk,
# node for node equality, and every allocation of an add failing in turn.
# Without the kernel source, or without a C compiler, the test says why and
# is skipped (exit 77); tests/test_radix_diff.c checks the tree against a
# model of its own.
# Needs BUILD (a build directory with libkho.a).
set -eu
: "${BUILD:?BUILD must name a build directory}"
SRC=${KHO_KERNEL_SRC:-/var/cache/libkho/src/linux-source-7.3}
KHO_C=$SRC/kernel/liveupdate/kexec_handover.c
ABI_H=$SRC/include/linux/kho/abi/kexec_handover.h
CC=${CC:-cc}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac

if [ ! -f "$KHO_C" ] || [ ! -f "$ABI_H" ]; then
	echo "SKIP: no kernel source at $SRC (make check fetches it with scripts/kernel/fetch.sh; or set KHO_KERNEL_SRC)"
	exit 77
fi
command -v "$CC" >/dev/null 2>&1 || { echo "SKIP: no $CC"; exit 77; }
[ -f "$BUILD/libkho.a" ] || { echo "FAIL: no $BUILD/libkho.a" >&2; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/kho-radix-kernel.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }

# ---- the kernel's tree code, cut out whole ------------------------------------
sed -n '/^static unsigned long kho_encode_radix_key(/,/^EXPORT_SYMBOL_GPL(kho_radix_walk_tree);/p' \
	"$KHO_C" >"$T/kernel_radix.inc"
for f in kho_encode_radix_key kho_decode_radix_key kho_radix_add_key \
	kho_radix_del_key kho_radix_init_tree kho_radix_destroy_tree \
	kho_radix_walk_tree; do
	grep -q "$f(" "$T/kernel_radix.inc" ||
		fail "$KHO_C: no $f() between kho_encode_radix_key() and kho_radix_walk_tree()'s export"
done

# ---- stand-ins for the kernel headers it includes -------------------------------
mkdir -p "$T/inc/linux" "$T/inc/asm"
cat >"$T/inc/kshim.h" <<'SHIM'
#pragma once
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#define CONFIG_KEXEC_HANDOVER 1
typedef uint64_t u64;
typedef uint32_t u32;
typedef uint16_t u16;
typedef uint8_t u8;
typedef uint64_t phys_addr_t;
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define BITS_PER_BYTE 8
#define BITS_PER_LONG 64
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define __ref
#define __init
#define EXPORT_SYMBOL_GPL(sym) extern int kshim_export_##sym
#define static_assert(expr, ...) _Static_assert(expr, #expr)
#define typecheck(type, x) 1
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
/* Only ever given a constant power of two. */
#define const_ilog2(n) (63 - __builtin_clzll(n))
#define DECLARE_BITMAP(name, bits) unsigned long name[((bits) + 63) / 64]
/* Counted: a warning the kernel would print is a failure of the test. */
extern unsigned long kshim_warnings;
#define WARN_ON(c) ({ bool kshim_c = !!(c); if (kshim_c) kshim_warnings++; kshim_c; })
#define WARN_ON_ONCE(c) WARN_ON(c)
#define might_sleep() do { } while (0)
struct mutex {
	int unused;
};
#define mutex_init(m) ((void)(m))
#define guard(type) (void)
static inline unsigned int fls64(uint64_t x)
{
	return x ? 64 - (unsigned int)__builtin_clzll(x) : 0;
}
static inline void __set_bit(unsigned long nr, unsigned long *addr)
{
	addr[nr / 64] |= 1UL << (nr % 64);
}
static inline void __clear_bit(unsigned long nr, unsigned long *addr)
{
	addr[nr / 64] &= ~(1UL << (nr % 64));
}
static inline unsigned long kshim_next_bit(const unsigned long *addr,
					   unsigned long size,
					   unsigned long from)
{
	for (; from < size; from++)
		if (addr[from / 64] >> (from % 64) & 1)
			return from;
	return size;
}
#define for_each_set_bit(bit, addr, size)                              \
	for ((bit) = kshim_next_bit((addr), (size), 0); (bit) < (size); \
	     (bit) = kshim_next_bit((addr), (size), (bit) + 1))
/* The page allocator: physical == virtual, as the driver's for libkho. */
#define GFP_KERNEL 0
#define slab_is_available() 1
unsigned long kshim_get_zeroed_page(void);
void kshim_free_page(unsigned long addr);
#define get_zeroed_page(gfp) kshim_get_zeroed_page()
#define free_page(addr) kshim_free_page(addr)
#define memblock_alloc(size, align) NULL
#define memblock_free(p, size) ((void)(p))
#define virt_to_phys(p) ((phys_addr_t)(uintptr_t)(p))
#define phys_to_virt(pa) ((void *)(uintptr_t)(pa))
SHIM
# Not linux/errno.h: glibc's <errno.h> takes the E* values from the UAPI's.
for h in linux/bits.h linux/log2.h linux/math.h linux/types.h linux/err.h \
	linux/mutex_types.h asm/page.h; do
	echo '#include "../kshim.h"' >"$T/inc/$h"
done

# ---- build: the glue once per page size, the driver once ------------------------
# The kernel's exported names renamed, so that they do not meet libkho's.
renames=""
for f in kho_radix_add_key kho_radix_del_key kho_radix_init_tree \
	kho_radix_destroy_tree kho_radix_walk_tree; do
	renames="$renames -D$f=linux_$f"
done
# Sanitized when the compiler can (the kernel's code and the driver).
san="-fsanitize=address,undefined -fno-sanitize-recover=all"
echo 'int main(void) { return 0; }' >"$T/probe.c"
"$CC" $san "$T/probe.c" -o "$T/probe" 2>/dev/null || san=""
TOOLS=$ROOT/tests/tools
"$CC" -O1 -g $san -Wall -I"$ROOT/include" -I"$ROOT/tests" -c \
	"$TOOLS/radix_kernel_driver.c" -o "$T/driver.o" ||
	fail "cannot compile the driver"
"$CC" -O1 -g $san -I"$ROOT/include" -c "$ROOT/tests/lib/model.c" \
	-o "$T/model.o" || fail "cannot compile tests/lib/model.c"
for shift in 12 14 16; do
	# -w: the kernel's code is compiled as it is, with its own style.
	"$CC" -O1 -g $san -w -std=gnu11 -DPAGE_SHIFT=$shift $renames \
		-I"$T" -I"$T/inc" -I"$TOOLS" -idirafter "$SRC/include" \
		-c "$TOOLS/radix_kernel_glue.c" -o "$T/glue-$shift.o" ||
		fail "cannot compile the kernel's tree for PAGE_SHIFT $shift"
	"$CC" $san "$T/driver.o" "$T/model.o" "$T/glue-$shift.o" \
		"$BUILD/libkho.a" -lcmocka -lfdt -lpthread -o "$T/driver-$shift" ||
		fail "cannot link the driver for PAGE_SHIFT $shift"
done

# ---- run -----------------------------------------------------------------------
for shift in 12 14 16; do
	"$T/driver-$shift" || fail "libkho's tree and the kernel's differ (PAGE_SHIFT $shift)"
done
echo "radix tree against the kernel's own code: 4, 16 and 64 KiB pages agree"
