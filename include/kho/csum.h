/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * kho/csum.h - Linux's raw csum_partial(), as x86-64 and arm64 compute it.
 *
 * lib/test_kho.c stores the raw 32-bit __wsum of its folios, chained
 * (csum = csum_partial(folio, size, csum)), and the next kernel compares
 * the raw value. Both architectures sum the same 16-bit ones' complement
 * checksum, but they hand back different 32-bit values for it:
 *
 *   x86-64  the data as little-endian 64-bit words plus @sum, added with
 *           end-around carry, folded to 32 bits (never to 16): any value
 *   arm64   the data's 16-bit ones' complement sum (at most 0xffff, fixed
 *           up for an odd address so it does not depend on it), then
 *           added to @sum with end-around carry in 32 bits
 *
 * Both are congruent modulo 0xffff (csum_fold() gives the same 16 bits),
 * so a checksum of one architecture is not the value the other stores:
 * the flavour follows the machine. Neither depends on the buffer's
 * address. The data is read as little-endian, whatever the host.
 */
#ifndef KHO_CSUM_H
#define KHO_CSUM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Whose csum_partial(). */
enum kho_csum_arch {
	KHO_CSUM_X86_64,
	KHO_CSUM_ARM64,
};

/**
 * kho_csum_partial_x86_64() - csum_partial() as x86-64 Linux computes it
 * @buf: the data, any alignment
 * @len: its bytes (the kernel's is an int: at most INT_MAX there)
 * @sum: the running __wsum, 0 to start
 *
 * arch/x86/lib/csum-partial_64.c:44: 64-bit adds with carry, the last
 * 1 to 7 bytes as one zero-padded word, folded to 32 bits with
 * end-around carry (csum_finalize_sum(), :14).
 * Context: any.
 * Return: the unfolded 32-bit sum (@sum itself for @len 0).
 */
uint32_t kho_csum_partial_x86_64(const void *buf, size_t len, uint32_t sum);

/**
 * kho_csum_partial_arm64() - csum_partial() as arm64 Linux computes it
 * @buf: the data, any alignment
 * @len: its bytes
 * @sum: the running __wsum, 0 to start
 *
 * lib/checksum.c:116 adds do_csum() (arch/arm64/lib/csum.c: the 16-bit
 * ones' complement sum, byte-swapped back for an odd address at :126) to
 * @sum with end-around carry.
 * Context: any.
 * Return: the 32-bit sum (@sum itself for @len 0).
 */
uint32_t kho_csum_partial_arm64(const void *buf, size_t len, uint32_t sum);

/**
 * kho_csum_partial() - csum_partial() of the architecture @arch
 * @arch: KHO_CSUM_X86_64 or KHO_CSUM_ARM64
 * @buf: the data
 * @len: its bytes
 * @sum: the running __wsum
 *
 * Context: any.
 * Return: as kho_csum_partial_x86_64() or kho_csum_partial_arm64(); an
 * unknown @arch is a bug (warned) and computes x86-64's.
 */
uint32_t kho_csum_partial(enum kho_csum_arch arch, const void *buf, size_t len,
			  uint32_t sum);

/**
 * kho_csum_add() - add data to a running 64-bit ones' complement sum
 * @acc: 0 to start, or a previous return
 * @buf: the data, any alignment
 * @len: its bytes; a multiple of 8 unless it is the last piece
 *
 * For data that cannot be mapped at once (a large folio read page by
 * page): kho_csum_finish() of the pieces' sum is kho_csum_partial() of the
 * whole.
 * Context: any.
 * Return: the new sum.
 */
uint64_t kho_csum_add(uint64_t acc, const void *buf, size_t len);

/**
 * kho_csum_finish() - csum_partial() of the data summed into @acc
 * @arch: KHO_CSUM_X86_64 or KHO_CSUM_ARM64
 * @acc: from kho_csum_add()
 * @sum: the running __wsum before this data
 *
 * Context: any.
 * Return: what kho_csum_partial(@arch, data, len, @sum) returns.
 */
uint32_t kho_csum_finish(enum kho_csum_arch arch, uint64_t acc, uint32_t sum);

#ifdef __cplusplus
}
#endif

#endif /* KHO_CSUM_H */
