/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * tools/kho/inspect_mem.h - kho inspect's one reader: a handover in any
 * physical memory (memsrc.h: a machine directory, raw dump, ELF core,
 * /proc/kcore, /dev/mem), its root FDT from memory or a file.
 *
 *   root FDT --compatible--> kho-v2..v4: radix tree, attached read-only
 *      |                     through a page cache (JudyL) over the source,
 *      |                     checked whole with kho_radix_validate(), walked
 *      |                     kho-v1: lib/kho_v1.c's chunk list (v1.c)
 *      +--children--> subtrees, each decoded by its lib/ module through a
 *                     struct kho_view of the source (kexec-metadata,
 *                     memblock-v1, LUO + memfd-v2, kho-test-v1, memfd-v1)
 *
 * Everything found lands in one struct inspect; the text (cmd_inspect.c),
 * JSON (inspect_json.c) and SVG (inspect_svg.c) outputs only read it.
 */
#ifndef KHO_INSPECT_MEM_H
#define KHO_INSPECT_MEM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <kho/kho.h>
#include <kho/kho_metadata.h>
#include <kho/kho_test.h>
#include <kho/luo.h>
#include <kho/memfd.h>
#include <kho/radix.h>
#include <kho/validate.h>
#include <kho/view.h>

#include "../../sim/text.h"
#include "memsrc.h"

/*
 * Regions shown per memblock subtree, and subtrees read per handover: a
 * root FDT of a page holds far fewer; the cap is for a hostile --fdt FILE.
 * What lies past a cap is counted and the report says how much.
 */
#define INSPECT_MAX_REGIONS 32
#define INSPECT_MAX_SUBTREES 4096
/* LUO sessions and files listed. */
#define INSPECT_MAX_SESSIONS 256
#define INSPECT_MAX_FILES 4096
/*
 * Names of nodes (cut at 64 bytes) and compatibles, as shown
 * (sim_clean_str(), sim/text.h).
 */
#define INSPECT_NAME_LEN SIM_SHOWN_LEN(64)

/**
 * struct inspect_run - blocks of one order back to back, [@start, @end)
 * @start: first block
 * @end: end of the last block
 * @order: their order
 */
struct inspect_run {
	uint64_t start;
	uint64_t end;
	unsigned int order;
};

/**
 * struct inspect_extent - memory a subsystem or the metadata owns
 * @start: first byte
 * @end: byte after the last
 * @owner: index of the subtree, or -1 for KHO metadata (tree nodes,
 *	kho-v1 chunks and bitmaps)
 */
struct inspect_extent {
	uint64_t start;
	uint64_t end;
	int owner;
};

enum inspect_decoded {
	INSPECT_BLOB, /* not decoded: name, address, FDT size */
	INSPECT_KEXEC_METADATA, /* struct kho_kexec_metadata */
	INSPECT_MEMBLOCK, /* memblock-v1 FDT of reserve-mem-v1 regions */
	INSPECT_MEMFD, /* memfd-v1: struct kho_memfd_ser */
	INSPECT_LUO, /* luo-v5: sessions and files in block chains */
	INSPECT_KHO_TEST, /* kho-test-v1: lib/test_kho.c's folios */
};

/**
 * struct inspect_luo_file - one file of a LUO session
 * @session: index of its session in struct inspect_subtree's @sessions
 * @f: the file's record
 * @memfd: a memfd-v2 file's blob, when @memfd_read is 0
 * @memfd_read: kho_memfd_read()'s return, or 1 when not a memfd-v2 file
 * @hole_pages: pages of the file no folio holds (they read as zeroes),
 *	counted when @holes_known: with a valid radix tree for the folios'
 *	orders
 * @holes_known: see @hole_pages
 * @problem: why the memfd-v2 blob was refused, or the first folio a kernel
 *	B cannot put where the file says (kho_memfd_folio_misplaced()), or ""
 * @compatible: @f's compatible as shown (sim_clean_str())
 */
struct inspect_luo_file {
	unsigned int session;
	struct kho_luo_file_info f;
	struct kho_memfd_info memfd;
	int memfd_read;
	uint64_t hole_pages;
	bool holes_known;
	char problem[256];
	char compatible[INSPECT_NAME_LEN];
};

/**
 * struct inspect_luo_session - one LUO session
 * @info: as read
 * @name: its name as shown (sim_clean_str())
 */
struct inspect_luo_session {
	struct kho_luo_session_info info;
	char name[INSPECT_NAME_LEN];
};

/**
 * struct inspect_luo_flb - one LUO FLB entry
 * @info: as read
 * @name: its compatible as shown (sim_clean_str())
 */
struct inspect_luo_flb {
	struct kho_luo_flb_info info;
	char name[INSPECT_NAME_LEN];
};

/**
 * struct inspect_kho_test - what a kho-test-v1 blob says
 * @info: its fields
 * @folio_bytes: memory of its folios
 * @csum_state: 1 the stored checksum matches the folios, 0 it does not,
 *	-1 not checked (@csum_note says why)
 * @csum_arch: the architecture whose csum_partial() matched, or NULL
 * @csum_found: the sum computed (x86-64's) when none matched
 * @csum_note: why not checked, or ""
 */
struct inspect_kho_test {
	struct kho_test_info info;
	uint64_t folio_bytes;
	int csum_state;
	const char *csum_arch;
	uint32_t csum_found;
	char csum_note[128];
};

/**
 * struct inspect_subtree - one child of the root FDT
 * @name: node name
 * @phys: its blob, when @has_phys
 * @has_phys: the node has an 8-byte preserved-data (or fdt) property
 * @blob_size: the node's blob-size property (newer kernels), when
 *	@has_blob_size
 * @has_blob_size: the node has an 8-byte blob-size
 * @preserved: the blob lies in preserved memory
 * @fdt_size: totalsize when the blob is a valid FDT, else 0
 * @compatible: the blob FDT's root compatible, or ""
 * @kind: what was decoded
 * @problem: why decoding stopped, or ""
 * @km: kexec-metadata fields
 * @release: @km's previous release as shown (sim_clean_str())
 * @regions: memblock regions (name, start, size)
 * @nr_regions: entries of @regions shown
 * @total_regions: regions in the FDT
 * @memfd: memfd-v1 fields; @memfd_phys is where the struct lies
 * @memfd_entries: folio entries found in the vmalloc chunk list
 * @luo: LUO totals
 * @sessions: LUO sessions (malloc'ed), @nr_sessions of them
 * @files: their files (malloc'ed), @nr_files of them
 * @flbs: LUO FLB entries (malloc'ed), @nr_flbs of them
 * @unlisted_sessions: sessions past INSPECT_MAX_SESSIONS, not listed
 * @unlisted_files: files past INSPECT_MAX_FILES (or of unlisted sessions)
 * @unlisted_flbs: FLB entries past INSPECT_MAX_FILES
 * @duplicate: an earlier child has the same name (kernel B's
 *	fdt_subnode_offset() finds only the first)
 * @kt: kho-test-v1
 */
struct inspect_subtree {
	char name[INSPECT_NAME_LEN];
	uint64_t phys;
	bool has_phys;
	uint64_t blob_size;
	bool has_blob_size;
	bool preserved;
	uint64_t fdt_size;
	char compatible[INSPECT_NAME_LEN];
	enum inspect_decoded kind;
	char problem[256];
	struct kho_metadata_info km;
	char release[SIM_SHOWN_LEN(KHO_KEXEC_RELEASE_LEN)];
	struct {
		char name[INSPECT_NAME_LEN];
		uint64_t start;
		uint64_t size;
	} regions[INSPECT_MAX_REGIONS];
	unsigned int nr_regions;
	unsigned int total_regions;
	struct kho_memfd_ser memfd;
	uint64_t memfd_phys;
	uint64_t memfd_entries;
	struct kho_luo_info luo;
	struct inspect_luo_session *sessions;
	unsigned int nr_sessions;
	struct inspect_luo_file *files;
	unsigned int nr_files;
	struct inspect_luo_flb *flbs;
	unsigned int nr_flbs;
	uint64_t unlisted_sessions;
	uint64_t unlisted_files;
	uint64_t unlisted_flbs;
	bool duplicate;
	struct inspect_kho_test kt;
};

/**
 * struct inspect - everything kho inspect found
 * @ms: memory source
 * @source: how the user named it
 * @fdt_name: where the root FDT came from ("FILE" or "memory at 0x...")
 * @fdt: the root FDT (malloc'ed), @fdt_len bytes; NULL when not read, or
 *	read (@fdt_len bytes) and refused
 * @fdt_phys: its physical address when read from memory, else KHO_ERR_NO_ADDR
 * @geo: geometry of @page_shift
 * @page_shift: page size used
 * @page_size_from: "--page-size", "machine.conf", "VMCOREINFO", ...
 * @version: the ABI version's number (1 to 4); 0 when the FDT is not a
 *	handover
 * @abi: that version's table entry, or NULL
 * @warn: what was accepted though odd (as kernel B's kho_in warns)
 * @map_phys: preserved-memory-map: tree root (v2) or first chunk (v1)
 * @scratch: scratch areas when known (machine handover), else NULL
 * @nr_scratch: entries of @scratch
 * @oom: an allocation failed while reading: the report is incomplete
 * @read_failure: the first read the memory source failed, or ""
 * @valid: the handover passed every check
 * @unchecked: a limit of inspect (more RAM than it checks) stopped it
 *	before a verdict on the handover: @reason says which
 * @map_read: the memory map was read whole: each subtree's @preserved is
 *	known, and every report shows the map (a later failed read of the
 *	source may still refuse the handover)
 * @code: negative errno of the first failure, or 0
 * @reason: the verdict's sentence
 * @blocks: preserved blocks per order
 * @nr_blocks: their sum
 * @preserved_bytes: memory the blocks cover
 * @ranges: coalesced preserved ranges, ascending
 * @nr_ranges: entries of @ranges
 * @tree: v2 tree statistics
 * @meta_bytes: memory the memory map itself takes (tree nodes, or kho-v1
 *	chunks and bitmaps)
 * @meta: where it lies, one extent per node/chunk/bitmap
 * @nr_meta: entries of @meta
 * @v1_bitmap_bytes: kho-v1 bitmap size used
 * @v1_bitmap_why: how it was chosen
 * @v1_chunks: kho-v1 chunks
 * @v1_bitmaps: kho-v1 bitmaps (chunk elements)
 * @v1_runs: kho-v1 blocks as runs, ascending address
 * @nr_v1_runs: entries of @v1_runs
 * @owners: memory attributed to subtrees (for the SVG), any order
 * @nr_owners: entries of @owners
 * @subtrees: the root FDT's children (malloc'ed)
 * @nr_subtrees: entries of @subtrees
 * @unread_subtrees: children past INSPECT_MAX_SUBTREES, not read
 */
struct inspect {
	struct memsrc ms;
	const char *source;
	char fdt_name[4200];
	void *fdt;
	size_t fdt_len;
	uint64_t fdt_phys;
	struct kho_geometry geo;
	unsigned int page_shift;
	const char *page_size_from;
	int version;
	const struct kho_abi_version *abi;
	struct kho_warnings warn;
	uint64_t map_phys;
	struct kho_scratch *scratch;
	unsigned int nr_scratch;
	bool oom;
	char read_failure[SIM_ERROR_LEN];
	bool valid;
	bool unchecked;
	bool map_read;
	int code;
	char reason[SIM_ERROR_LEN + 64];

	uint64_t blocks[KHO_MAX_ORDERS];
	uint64_t nr_blocks;
	uint64_t preserved_bytes;
	struct kho_mem_region *ranges;
	uint64_t nr_ranges;
	struct kho_radix_stats tree;
	uint64_t meta_bytes;
	struct inspect_extent *meta;
	uint64_t nr_meta;

	unsigned int v1_bitmap_bytes;
	char v1_bitmap_why[256];
	uint64_t v1_chunks;
	uint64_t v1_bitmaps;
	struct inspect_run *v1_runs;
	uint64_t nr_v1_runs;

	struct inspect_extent *owners;
	uint64_t nr_owners;
	struct inspect_subtree *subtrees;
	unsigned int nr_subtrees;
	uint64_t unread_subtrees;

	/* private to inspect_mem.c */
	void *cache; /* JudyL: page address -> copy of the page */
	void *spans; /* JudyL: address -> struct inspect_span, multi-page */
	struct inspect_span *span_list;
	uint64_t mapped_bytes;
	struct kho_view view;
	int cur_owner;
	struct inspect_subtree *cur;
	/* The memfd-v2 file being read: the page after its last folio, and
	 * the pages its folios hold. */
	uint64_t memfd_next, memfd_held;
	struct kho_radix_tree radix;
	bool attached;
	struct sim_error err;
};

/* Called per preserved block, ascending address within an order. */
typedef int (*inspect_block_cb)(uint64_t phys, unsigned int order, void *arg);

/**
 * inspect_for_each_block() - visit every preserved block of a valid handover
 * @in: inspected handover (@in->valid)
 * @cb: called with each block
 * @arg: passed to @cb
 *
 * v2 trees are walked in key order (largest orders first), kho-v1 runs in
 * address order.
 * Return: 0, or @cb's first non-zero return.
 */
int inspect_for_each_block(struct inspect *in, inspect_block_cb cb, void *arg);

/* Add an extent to a list. Return: 0 or -ENOMEM. */
int inspect_add_extent(struct inspect_extent **list, uint64_t *nr,
		       uint64_t start, uint64_t end, int owner);

/**
 * inspect_v1_read() - read a kho-v1 chunk list into @in
 * @in: FDT read, @map_phys the first chunk, @page_shift set
 * @bitmap_bytes: 512 or the page size, or 0 to infer it
 *
 * Fills blocks, runs, ranges, chunks and bitmaps, or the verdict.
 * Return: 0 when the memory map is sound, else a negative errno with
 * @in->reason saying what and where.
 */
int inspect_v1_read(struct inspect *in, unsigned int bitmap_bytes);

/**
 * inspect_print_json() - print what inspect found as one JSON object
 * @in: inspected handover (or the failure to read one)
 * @out: where to print
 * @blocks: add "block_list", every preserved block as [address, order],
 *	streamed: memory does not grow with the number of blocks
 *
 * The shape is docs/inspect-schema.json.
 * Return: 0, -ENOMEM, or -EPROTO when json-c did not end the document
 * as the streamed "block_list" expects (nothing is printed then).
 */
int inspect_print_json(struct inspect *in, FILE *out, bool blocks);

/**
 * inspect_write_svg() - draw physical memory as an SVG picture
 * @in: inspected handover (blocks are drawn only when @in->valid)
 * @path: the file to write (replaced atomically)
 * @by_subsystem: colour preserved blocks by owning subtree, not by order
 * @e: why it failed
 *
 * Return: 0 or a negative errno.
 */
int inspect_write_svg(struct inspect *in, const char *path, bool by_subsystem,
		      struct sim_error *e);

/**
 * struct inspect_opts - what the command line asked for
 * @fdt: the root FDT's file, or NULL (the source's pending handover)
 * @mem: the memory source (memsrc_open())
 * @handover: a struct kho_data file, or NULL
 * @scratch: a debugfs kho/out directory for the scratch areas, or NULL
 * @svg: picture to write, or NULL
 * @page_shift: --page-size, or 0
 * @v1_bitmap: kho-v1 bitmap bytes: 512, UINT32_MAX for a page, 0 to infer
 * @json: print JSON
 * @blocks: list every block
 * @svg_by_subsystem: colour by owner
 * @svg_color: --svg-color was given (it needs @svg)
 */
struct inspect_opts {
	const char *fdt;
	const char *mem;
	const char *handover;
	const char *scratch;
	const char *svg;
	unsigned int page_shift;
	unsigned int v1_bitmap;
	bool json;
	bool blocks;
	bool svg_by_subsystem;
	bool svg_color;
};

/**
 * inspect_run() - read a handover from a memory source, everything
 * @in: zeroed, with @fdt_phys KHO_ERR_NO_ADDR
 * @o: what to read
 *
 * Opens the source, finds the root FDT, checks it as kernel B would,
 * checks and walks the memory map, decodes every subtree through the
 * lib/ modules (kexec-metadata, memblock-v1, LUO with memfd-v2, kho-test-v1,
 * memfd-v1) over a struct kho_view of the source.
 * Return: 0 accepted, 1 refused (@in->reason says why), or a negative
 * errno when there is no handover to describe (@in->err says why).
 */
int inspect_run(struct inspect *in, const struct inspect_opts *o);

/* Free what inspect_run() allocated (not @in itself). */
void inspect_free(struct inspect *in);

#endif /* KHO_INSPECT_MEM_H */
