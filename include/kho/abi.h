/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * kho/abi.h - the Kexec HandOver formats, as Linux lays them out.
 *
 * Everything in this header is ABI: the bytes another kernel, a boot loader
 * or a hypervisor writes and reads. Layouts follow the kernel's
 * include/linux/kho/abi/ (Linux 7.3.4); any change to them needs a new
 * compatible string. The structures here serve every version: the tree's
 * keys and nodes (not its depth), the root FDT names, scratch, struct
 * kho_data, vmalloc and kexec-metadata do not change between kho-v2,
 * kho-v3 and kho-v4 (Linux 7.2 and 7.3 speak kho-v4), and kho-v1's chunk
 * list is here for readers. What
 * differs between versions (compatible, subtree properties, blob-size, tree
 * depth, subsystem formats) is the table of <kho/version.h>; the formats
 * that came with kho-v4 have their own headers (<kho/block.h>, <kho/luo.h>,
 * <kho/memfd.h>). docs/abi.md has all of them, with kernel references.
 * Multi-byte values are in the CPU's native byte order (KHO properties are
 * native-endian, unlike device-tree cells). Only 64-bit systems are supported.
 *
 * The installed headers need C11 (anonymous structs and unions, static
 * assertions) or C++11, with GCC or Clang (packed structures); C++ sees
 * every declaration as extern "C". Under -std=c99 -pedantic they warn.
 *
 * The radix tree that lists every preserved block
 * ===============================================
 *
 * A block is 2^order pages at a physical address aligned to its size. One u64
 * key carries both: an "order bit" whose position says the order, and the
 * address shifted down by the block size below it. With 4 KiB pages
 * (ORDER_0_LOG2 = 64 - PAGE_SHIFT = 52):
 *
 *   order | key bit 52 51 50 49 ... | low bits
 *   ------+-------------------------+------------------------------
 *     0   |         1  .  .  .      | phys >> 12, bits 51..0
 *     1   |         0  1  .  .      | phys >> 13, bits 50..0
 *     2   |         0  0  1  .      | phys >> 14, bits 49..0
 *     3   |         0  0  0  1      | phys >> 15, bits 48..0
 *    ...  |            (moves one bit right per order)
 *
 *   key = 1 << (ORDER_0_LOG2 - order) | phys >> (PAGE_SHIFT + order)
 *
 * so one tree holds every order, a larger order has smaller keys, and a walk
 * in ascending key order meets the largest blocks first.
 *
 * The key is cut into indices, low bits in the leaf (4 KiB pages, 6 levels):
 *
 *     63..60  59..51   50..42   41..33   32..24   23..15       14..0
 *   +-------+--------+--------+--------+--------+--------+----------------+
 *   |   0   |  lv 5  |  lv 4  |  lv 3  |  lv 2  |  lv 1  | lv 0 (bitmap)  |
 *   +-------+--------+--------+--------+--------+--------+----------------+
 *             root                                          leaf
 *
 *   root (level DEPTH-1)        struct kho_radix_node: 2^TABLE_LOG2 u64
 *   +---+---+---+---+-- --+     physical addresses of the next level, 0 = none
 *   | a | 0 | 0 | 0 | ... |
 *   +-|-+---+---+---+-- --+
 *     v
 *   level DEPTH-2 ... level 1   (same shape)
 *     v
 *   level 0                     struct kho_radix_leaf: 2^BITMAP_LOG2 bits,
 *   +--------------------+      bit i = word i / 64, bit i % 64; a set bit
 *   |0010...0001...1111  |      is a preserved block
 *   +--------------------+
 *
 * Every node is exactly one page. From kho-v3 on the depth counts the whole
 * key: the pfn bits plus the order bit, KEY_WIDTH = ORDER_0_LOG2 + 1, as
 * below. (kho-v2 counted only ORDER_0_LOG2; with 16 KiB pages that gave 4
 * levels, the order bit of an order-0 key fell off the tree and order-0
 * blocks collided with larger ones. kho_geometry_init_abi() in
 * <kho/version.h> gives that geometry for kho-v2; 16 KiB pages need 5
 * levels.)
 *
 * Why bitmaps and not ranges: a leaf costs one bit per possible block, so dense
 * preservation is cheap (16 GiB of 4 KiB pages fit in 512 KiB of leaves), the
 * cost does not depend on how fragmented the preserved memory is, and the tree
 * is updated in place, without serialization at kexec time. Ranges are cheaper
 * only while memory stays contiguous.
 */
#ifndef KHO_ABI_H
#define KHO_ABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A layout checked at compile time: C11's _Static_assert, C++11's
 * static_assert, at file scope in both.
 */
#ifdef __cplusplus
#define KHO_STATIC_ASSERT(expr, msg) static_assert(expr, msg)
#else
#define KHO_STATIC_ASSERT(expr, msg) _Static_assert(expr, msg)
#endif

#ifndef KHO_PAGE_SHIFT
/* The page size the fixed-size structs below are laid out for. */
#define KHO_PAGE_SHIFT 12
#endif

/* Page sizes a handover may use: 4 KiB, 16 KiB, 64 KiB. */
#define KHO_PAGE_SHIFT_MIN 12
#define KHO_PAGE_SHIFT_MAX 16

/* log2 of the size of a u64 / of a byte in bits: the units of the tree. */
#define KHO_U64_SIZE_LOG2 3
#define KHO_BITS_PER_BYTE_LOG2 3

/*
 * Radix geometry as a function of the page shift. Each is a compile-time
 * constant expression, so the same formulas serve the static layouts below
 * and struct kho_geometry at run time.
 */
/* Bit position of the order bit of an order-0 key (= length of its pfn). */
#define KHO_ORDER_0_LOG2_OF(shift) (64 - (shift))
/* Bits in a whole key: the pfn bits plus the order bit. */
#define KHO_KEY_WIDTH_OF(shift) (KHO_ORDER_0_LOG2_OF(shift) + 1)
/* log2 of the entries of an inner node's table. */
#define KHO_TABLE_SIZE_LOG2_OF(shift) ((shift) - KHO_U64_SIZE_LOG2)
/* log2 of the bits of a leaf's bitmap. */
#define KHO_BITMAP_SIZE_LOG2_OF(shift) ((shift) + KHO_BITS_PER_BYTE_LOG2)
/* Levels: enough tables to cover the key above the bitmap, plus the leaf. */
#define KHO_TREE_DEPTH_OF(shift)                                          \
	((KHO_KEY_WIDTH_OF(shift) - KHO_BITMAP_SIZE_LOG2_OF(shift) +      \
	  KHO_TABLE_SIZE_LOG2_OF(shift) - 1) /                            \
		 KHO_TABLE_SIZE_LOG2_OF(shift) +                          \
	 1)

/* The deepest tree of any supported page size (4 KiB pages: 6 levels). */
#define KHO_TREE_MAX_DEPTH KHO_TREE_DEPTH_OF(KHO_PAGE_SHIFT_MIN)
/* Orders a key can carry: 0 .. ORDER_0_LOG2 (a block of the whole space). */
#define KHO_MAX_ORDERS (KHO_ORDER_0_LOG2_OF(KHO_PAGE_SHIFT_MIN) + 1)

/* The same constants for KHO_PAGE_SHIFT, named as the kernel names them. */
#define KHO_PAGE_SIZE (1UL << KHO_PAGE_SHIFT)
#define KHO_ORDER_0_LOG2 KHO_ORDER_0_LOG2_OF(KHO_PAGE_SHIFT)
#define KHO_KEY_WIDTH KHO_KEY_WIDTH_OF(KHO_PAGE_SHIFT)
#define KHO_TABLE_SIZE_LOG2 KHO_TABLE_SIZE_LOG2_OF(KHO_PAGE_SHIFT)
#define KHO_BITMAP_SIZE_LOG2 KHO_BITMAP_SIZE_LOG2_OF(KHO_PAGE_SHIFT)
#define KHO_TREE_DEPTH KHO_TREE_DEPTH_OF(KHO_PAGE_SHIFT)

/* An inner node: physical addresses of the next level's nodes, 0 = empty. */
struct kho_radix_node {
	uint64_t table[1UL << KHO_TABLE_SIZE_LOG2];
};

/* A leaf: one bit per key; the reasons for a bitmap are at the top. */
struct kho_radix_leaf {
	uint64_t bitmap[(1UL << KHO_BITMAP_SIZE_LOG2) / 64];
};

KHO_STATIC_ASSERT(sizeof(struct kho_radix_node) == KHO_PAGE_SIZE,
		  "a radix node is one page");
KHO_STATIC_ASSERT(sizeof(struct kho_radix_leaf) == KHO_PAGE_SIZE,
		  "a radix leaf is one page");
KHO_STATIC_ASSERT(KHO_TREE_DEPTH_OF(12) == 6 && KHO_TREE_DEPTH_OF(14) == 5 &&
			  KHO_TREE_DEPTH_OF(16) == 4,
		  "tree depth counts the order bit");

/*
 * Root FDT names, as Linux 7.3 names them (kho-v4). Every version's
 * compatible and properties are in the table of <kho/version.h>.
 */
#define KHO_FDT_COMPATIBLE "kho-v4"
#define KHO_FDT_MEMORY_MAP_PROP_NAME "preserved-memory-map"
#define KHO_FDT_SUB_TREE_PROP_NAME "preserved-data"
#define KHO_FDT_SUB_TREE_SIZE_PROP_NAME "blob-size"
/* kho-v1 (Linux 6.16 to 6.19), for readers. */
#define KHO_V1_FDT_COMPATIBLE "kho-v1"
#define KHO_V1_FDT_SUB_TREE_PROP_NAME "fdt"

/* Device-tree architectures pass the handover in /chosen. */
#define KHO_CHOSEN_FDT_PROP_NAME "linux,kho-fdt"
#define KHO_CHOSEN_SCRATCH_PROP_NAME "linux,kho-scratch"
/* x86 passes struct kho_data in a setup_data entry of this type. */
#define KHO_SETUP_KEXEC_KHO 10

/*
 * The first struct page of a preserved block, after kernel B walked the tree:
 * page->private holds the order and this magic ("KHOP").
 */
#define KHO_PAGE_MAGIC 0x4b484f50U
union kho_page_info {
	uint64_t page_private;
	/* Anonymous structs are C11; __extension__ lets ISO C++ have it too. */
	__extension__ struct {
		uint32_t order;
		uint32_t magic;
	};
};

/* A scratch area: kernel B allocates only from these until it walked the tree. */
struct kho_scratch {
	uint64_t addr;
	uint64_t size;
};

/* x86 SETUP_KEXEC_KHO payload, and the simulated machine's handover file. */
struct kho_data {
	uint64_t fdt_addr;
	uint64_t fdt_size;
	uint64_t scratch_addr;
	uint64_t scratch_size;
} __attribute__((packed));

KHO_STATIC_ASSERT(sizeof(struct kho_data) == 32, "struct kho_data is 32 bytes");

/* vmalloc preservation: a list of one-page chunks of block addresses. */
#define KHO_VMALLOC_FLAG_VM_ALLOC 0x1
#define KHO_VMALLOC_FLAG_HUGE_VMAP 0x2

struct kho_vmalloc_hdr {
	uint64_t next; /* physical address of the next chunk, 0 = last */
};

/* Entries of a chunk for a given page shift. */
#define KHO_VMALLOC_SIZE_OF(shift)                                         \
	(((1UL << (shift)) - sizeof(struct kho_vmalloc_hdr)) / sizeof(uint64_t))
#define KHO_VMALLOC_SIZE KHO_VMALLOC_SIZE_OF(KHO_PAGE_SHIFT)

struct kho_vmalloc_chunk {
	struct kho_vmalloc_hdr hdr;
	uint64_t phys[KHO_VMALLOC_SIZE]; /* zero-terminated */
};

KHO_STATIC_ASSERT(sizeof(struct kho_vmalloc_chunk) == KHO_PAGE_SIZE,
		  "a vmalloc chunk is one page");

struct kho_vmalloc {
	uint64_t first; /* physical address of the first chunk */
	uint32_t total_pages;
	uint16_t flags;
	uint16_t order;
};

KHO_STATIC_ASSERT(sizeof(struct kho_vmalloc) == 16,
		  "struct kho_vmalloc is 16 bytes");

/* "kexec-metadata" subtree. */
#define KHO_KEXEC_METADATA_NAME "kexec-metadata"
#define KHO_KEXEC_METADATA_VERSION 1
#define KHO_KEXEC_RELEASE_LEN 65
struct kho_kexec_metadata {
	uint32_t version;
	char previous_release[KHO_KEXEC_RELEASE_LEN];
	uint32_t kexec_count;
} __attribute__((packed));

KHO_STATIC_ASSERT(sizeof(struct kho_kexec_metadata) == 73,
		  "kexec-metadata is 73 bytes");

/*
 * libfdt wants an FDT's base 8-byte aligned, and reading its header through
 * a misaligned pointer is undefined behaviour in C. The kernel's libfdt
 * checks it first, in fdt_check_header() and in fdt_ro_probe_() under every
 * read function (scripts/dtc/libfdt/fdt.c:94 and :26 in 7.3.4): Linux
 * refuses a misaligned root FDT (kexec_handover.c:1971) and its memblock
 * and test_kho blobs fail their compatible check (memblock.c:2734,
 * test_kho.c:297).
 */
#define KHO_FDT_ALIGN 8

/* "memblock" subtree: an FDT of reserve_mem regions. */
#define KHO_MEMBLOCK_NAME "memblock"
#define KHO_MEMBLOCK_COMPATIBLE "memblock-v1"
#define KHO_RESERVE_MEM_COMPATIBLE "reserve-mem-v1"

/*
 * memfd-v1 (the first Live Update memfd handler): libkho hands it over with
 * kho-v2 and kho-v3 as a top-level child; kho-v4 has memfd-v2 in LUO
 * sessions (<kho/memfd.h>).
 */
#define KHO_MEMFD_COMPATIBLE "memfd-v1"
#define KHO_MEMFD_FOLIO_DIRTY 0x1
#define KHO_MEMFD_FOLIO_UPTODATE 0x2
#define KHO_MEMFD_PFN_BITS 52

struct kho_memfd_folio_ser {
	uint64_t pfn : KHO_MEMFD_PFN_BITS;
	uint64_t flags : 64 - KHO_MEMFD_PFN_BITS;
	uint64_t index;
} __attribute__((packed));

struct kho_memfd_ser {
	uint64_t pos;
	uint64_t size;
	uint64_t nr_folios;
	struct kho_vmalloc folios;
} __attribute__((packed));

KHO_STATIC_ASSERT(sizeof(struct kho_memfd_folio_ser) == 16,
		  "memfd folio is 16 bytes");
KHO_STATIC_ASSERT(sizeof(struct kho_memfd_ser) == 40,
		  "memfd_luo_ser is 40 bytes");

/* kho-v1 chunk list, for readers of older handovers. */
struct khoser_mem_chunk_hdr {
	uint64_t next;
	uint32_t order;
	uint32_t num_elms;
};

struct khoser_mem_bitmap_ptr {
	uint64_t phys_start;
	uint64_t bitmap; /* physical address of the bitmap */
};

#define KHOSER_BITMAPS_PER_CHUNK_OF(shift)                                \
	(((1UL << (shift)) - sizeof(struct khoser_mem_chunk_hdr)) /        \
	 sizeof(struct khoser_mem_bitmap_ptr))

struct khoser_mem_chunk {
	struct khoser_mem_chunk_hdr hdr;
	struct khoser_mem_bitmap_ptr bitmaps[KHOSER_BITMAPS_PER_CHUNK_OF(KHO_PAGE_SHIFT)];
};

KHO_STATIC_ASSERT(sizeof(struct khoser_mem_chunk) == KHO_PAGE_SIZE,
		  "a kho-v1 chunk is one page");

#ifdef __cplusplus
}
#endif

#endif /* KHO_ABI_H */
