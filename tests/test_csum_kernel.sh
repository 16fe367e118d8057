#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# kho_csum_partial_x86_64() and kho_csum_partial_arm64() against the
# kernel's own C files, compiled here from an unpacked kernel source tree
# (KHO_KERNEL_SRC, default Debian's linux-source-7.3 under
# /var/cache/libkho/src): arch/x86/lib/csum-partial_64.c (x86-64 hosts only:
# it is inline assembly) and arch/arm64/lib/csum.c (portable C with
# __uint128_t, little-endian). Nothing of the kernel is copied into the
# tree: the few kernel headers those files include are stand-ins written
# below, and arm64's csum_partial() wrapper (lib/checksum.c:116, do_csum()
# plus the running sum with end-around carry) is three lines of the driver.
# Without the kernel source, or without a C compiler, the test says why and
# is skipped (exit 77); tests/test_csum.c holds known answers and a
# reference of its own.
# Needs BUILD (a build directory with libkho.a).
set -eu
: "${BUILD:?BUILD must name a build directory}"
SRC=${KHO_KERNEL_SRC:-/var/cache/libkho/src/linux-source-7.3}
X86=$SRC/arch/x86/lib/csum-partial_64.c
ARM=$SRC/arch/arm64/lib/csum.c
CC=${CC:-cc}

if [ ! -f "$ARM" ]; then
	echo "SKIP: no kernel source at $SRC (make check fetches it with scripts/kernel/fetch.sh; or set KHO_KERNEL_SRC)"
	exit 77
fi
command -v "$CC" >/dev/null 2>&1 || { echo "SKIP: no $CC"; exit 77; }
[ -f "$BUILD/libkho.a" ] || { echo "FAIL: no $BUILD/libkho.a" >&2; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/kho-csum.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
mkdir -p "$T/inc/linux" "$T/inc/asm" "$T/inc/net"

# ---- stand-ins for the kernel headers the two files include ---------------
cat >"$T/inc/kshim.h" <<'SHIM'
#pragma once
#include <stdint.h>
#include <string.h>
typedef uint64_t u64;
typedef uint32_t u32;
typedef uint16_t u16;
typedef uint8_t u8;
typedef uint32_t __u32;
typedef uint8_t __u8;
typedef uint32_t __wsum;
typedef uint16_t __sum16;
#define __force
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define EXPORT_SYMBOL(sym)
#define __no_sanitize_address __attribute__((no_sanitize_address))
#define kasan_check_read(p, n) ((void)(p), (void)(n))
#define swab32(x) __builtin_bswap32(x)
#define htonl(x) __builtin_bswap32(x)
static inline u64 ror64(u64 w, unsigned int s)
{
	return (w >> (s & 63)) | (w << ((-s) & 63));
}
/* The data's tail: 8 bytes read at once (the driver leaves slack). */
static inline unsigned long load_unaligned_zeropad(const void *p)
{
	unsigned long v;

	memcpy(&v, p, sizeof(v));
	return v;
}
static inline __sum16 csum_fold(__wsum w)
{
	u32 s = (w & 0xffff) + (w >> 16);

	s = (s & 0xffff) + (s >> 16);
	return (__sum16)~s;
}
struct in6_addr {
	u8 s6_addr[16];
};
SHIM
for h in linux/compiler.h linux/export.h linux/kasan-checks.h \
	linux/kernel.h asm/checksum.h asm/word-at-a-time.h net/checksum.h; do
	echo '#include "../kshim.h"' >"$T/inc/$h"
done

# ---- the driver ---------------------------------------------------------------
cat >"$T/driver.c" <<'DRIVER'
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kho/csum.h>

unsigned int kernel_do_csum(const unsigned char *buff, int len);
#ifdef HAVE_X86
uint32_t kernel_x86_csum_partial(const void *buff, int len, uint32_t sum);
#endif

/* arm64 links lib/checksum.c's csum_partial(): do_csum() + sum, carry. */
static uint32_t kernel_arm64_csum_partial(const void *buff, int len,
					  uint32_t sum)
{
	uint32_t r = kernel_do_csum(buff, len) + sum;

	return r < sum ? r + 1 : r;
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

static unsigned long checks, failures;

static void check(const unsigned char *b, int len, uint32_t sum)
{
	uint32_t want, got;

	want = kernel_arm64_csum_partial(b, len, sum);
	got = kho_csum_partial_arm64(b, (size_t)len, sum);
	checks++;
	if (want != got && failures++ < 10)
		fprintf(stderr, "arm64: len %d align %u sum 0x%x: kernel 0x%x, libkho 0x%x\n",
			len, (unsigned int)((uintptr_t)b & 15), sum, want, got);
#ifdef HAVE_X86
	want = kernel_x86_csum_partial(b, len, sum);
	got = kho_csum_partial_x86_64(b, (size_t)len, sum);
	checks++;
	if (want != got && failures++ < 10)
		fprintf(stderr, "x86-64: len %d align %u sum 0x%x: kernel 0x%x, libkho 0x%x\n",
			len, (unsigned int)((uintptr_t)b & 15), sum, want, got);
#endif
}

#define MAX_LEN 4200
#define SLACK 32

int main(void)
{
	static const uint32_t sums[] = { 0, 1, 0xffff, 0x10000, 0xfffffffe,
					 0xffffffff };
	static unsigned char raw[MAX_LEN + 2 * SLACK] __attribute__((aligned(64)));
	unsigned char *page;
	uint32_t kx = 0, ka = 0, lx = 0, la = 0;
	int len, kind, k;
	unsigned int off, s, i;

	for (kind = 0; kind < 4; kind++) {
		for (i = 0; i < sizeof(raw); i++)
			raw[i] = kind == 0 ? (unsigned char)rnd() :
				 kind == 1 ? 0xff :
				 kind == 2 ? 0 :
					     (rnd() & 1 ? 0xff : 0xfe);
		for (len = 0; len <= MAX_LEN; len += len < 300 ? 1 : 37) {
			for (off = 0; off < 16; off++) {
				for (s = 0; s < sizeof(sums) / sizeof(sums[0]); s++)
					check(raw + SLACK + off, len, sums[s]);
				check(raw + SLACK + off, len, rnd());
			}
		}
	}
	/* A chain as lib/test_kho.c makes it, over folios of order 0..3. */
	for (k = 0; k < 4; k++) {
		size_t size = (size_t)4096 << k;

		page = aligned_alloc(4096, size + 4096);
		if (!page)
			return 2;
		for (i = 0; i < size; i++)
			page[i] = (unsigned char)rnd();
		ka = kernel_arm64_csum_partial(page, (int)size, ka);
		la = kho_csum_partial_arm64(page, size, la);
#ifdef HAVE_X86
		kx = kernel_x86_csum_partial(page, (int)size, kx);
		lx = kho_csum_partial_x86_64(page, size, lx);
#endif
		free(page);
	}
	checks += 2;
	if (ka != la || kx != lx) {
		fprintf(stderr, "chain: kernel x86 0x%x arm64 0x%x, libkho x86 0x%x arm64 0x%x\n",
			kx, ka, lx, la);
		failures++;
	}
	printf("csum against the kernel's C: %lu checks, %lu failures\n",
	       checks, failures);
	return failures ? 1 : 0;
}
DRIVER

FLAGS="-O2 -w -I$T/inc -D__LITTLE_ENDIAN=1234"
"$CC" $FLAGS -Ddo_csum=kernel_do_csum -Dcsum_ipv6_magic=kernel_csum_ipv6_magic \
	-c "$ARM" -o "$T/arm64.o"
objs="$T/arm64.o"
defs=""
if [ "$(uname -m)" = x86_64 ] && [ -f "$X86" ]; then
	"$CC" $FLAGS -Dcsum_partial=kernel_x86_csum_partial \
		-Dip_compute_csum=kernel_ip_compute_csum -c "$X86" -o "$T/x86.o"
	objs="$objs $T/x86.o"
	defs="-DHAVE_X86"
else
	echo "NOTE: x86-64's csum_partial() is inline assembly: not checked on $(uname -m)"
fi
# A sanitized build's library needs its runtime in the link.
link() {
	"$CC" -O2 -Iinclude $defs "$@" -o "$T/driver" "$T/driver.c" $objs \
		"$BUILD/libkho.a" -lfdt -lpthread
}
link 2>/dev/null || link -fsanitize=address,undefined
"$T/driver"
