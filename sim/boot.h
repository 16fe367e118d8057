/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * sim/boot.h - one boot of the simulated machine, from firmware to kexec.
 *
 *   sim_boot_open()     map RAM, fresh memmap, memblock from machine.conf,
 *                       reserve the first MiB and the kernel image;
 *                       cold boot: reserve scratch (lowmem, global, per node)
 *                       KHO boot:  kho_populate(), memblock allocates only
 *                                  from scratch, kho_memory_init() checks
 *                                  the whole tree, walks it and reserves
 *                                  every preserved range
 *   (early users)       memblock allocations (reserve_mem regions)
 *   sim_boot_mm_init()  everything free goes to the buddy allocator; the
 *                       scrub poisons it all before anyone restores
 *   sim_boot_out_init() kho_out_init(): the outgoing tree and root FDT
 *   (subsystems)        restore from b->in, preserve into b->out
 *   sim_boot_kexec()    sim_boot_write_handover() (the scratch array in a
 *                       preserved page outside scratch, DIR/handover),
 *                       then load the next kernel into scratch, over it
 *   sim_boot_close()    a KHO boot that did not kexec consumed the handover:
 *                       it removes DIR/handover, and says so when it cannot
 */
#ifndef SIM_BOOT_H
#define SIM_BOOT_H

#include <stdbool.h>
#include <stdint.h>

#include <kho/kho.h>
#include <kho/validate.h>

#include "buddy.h"
#include "machine.h"
#include "memblock.h"

/* Where a cold boot puts the kernel image (x86's CONFIG_PHYSICAL_START). */
#define SIM_KERNEL_BASE (16ULL << 20)
/* How much a kernel image takes; a kexec loads it into the lowmem scratch. */
#define SIM_KERNEL_SIZE (8ULL << 20)
/*
 * How a refusal of kho_memory_init()'s walk proper begins (the tree check
 * before it says what is wrong with the tree and has no prefix).
 */
#define SIM_WALK_REFUSED "tree walk: "
/* Firmware owns the first MiB, as on x86. */
#define SIM_FIRMWARE_SIZE (1ULL << 20)
/* Bytes of the kernel's struct page: charged to memblock per page of RAM so
 * the scratch areas get the size a real kernel would give them. */
#define SIM_STRUCT_PAGE_SIZE 64
/* The kernel's default kho_scratch: 200% of its memblock allocations. */
#define SIM_SCRATCH_DEFAULT_SCALE 200
/* x86's CMA_MIN_ALIGNMENT_BYTES (a pageblock): scratch areas are multiples. */
/*
 * Scratch areas are sized and aligned like the kernel's
 * SCRATCH_ALIGNMENT_BYTES (kexec_handover.c:50): PAGE_SIZE << MAX_PAGE_ORDER,
 * the largest buddy block (4 MiB with 4 KiB pages).
 */
#define SIM_SCRATCH_ALIGN_OF(page_size) ((uint64_t)(page_size) << SIM_MAX_ORDER)
/* x86's ARCH_LOW_ADDRESS_LIMIT: the lowmem scratch area lies below it. */
#define SIM_LOW_ADDRESS_LIMIT (4ULL << 30)
/* lowmem + global + one per node. */
#define SIM_MAX_SCRATCH (SIM_MAX_NODES + 2)
/* Free blocks at least this large are punched out of ram.img, not poisoned. */
#define SIM_SCRUB_PUNCH_MIN (1ULL << 20)
/* Reserved ranges a boot remembers for its report. */
#define SIM_REPORT_RANGES 8
/* What the "loaded kernel" begins with, to check a kexec put it there. */
#define SIM_KERNEL_MAGIC "libkho-sim kernel image"
/* The release string kexec-metadata records. */
#define SIM_KERNEL_RELEASE "6.19.0-libkho-sim"

/**
 * struct sim_boot_opts - how to boot
 * @scrub: poison free memory after the tree walk (default on)
 * @punch: scrub large free blocks by punching holes in ram.img
 * @inspect: map RAM read-only, take the handover and walk the tree, and
 *	stop there (kho inspect); no handover is -ENOENT, not a cold boot
 * @abi: the ABI version the outgoing handover speaks; NULL: kho-v4
 *	(KHO_ABI_DEFAULT). The incoming one speaks what its FDT says.
 * @kexec: the boot will end in sim_boot_kexec(), which writes DIR/handover:
 *	sim_boot_open() refuses a directory this process cannot write in
 */
struct sim_boot_opts {
	bool scrub;
	bool punch;
	bool inspect;
	bool kexec;
	const struct kho_abi_version *abi;
};

/**
 * struct sim_boot_stats - what a boot measured
 * @walk_ns: kho_memory_init(): tree check, walk and reservation
 * @scrub_ns: the boot-time scrub
 * @scrubbed_boot: bytes poisoned or punched at boot
 * @scrubbed_kexec: bytes of scratch overwritten at kexec
 * @nr_reserved_ranges: ranges the walk reserved
 * @reserved_bytes: bytes they cover
 * @ranges: the first SIM_REPORT_RANGES of them, [start, end)
 * @validated_nodes: nodes the full check of the handed-over tree visited
 *	(kho_memory_init()'s kho_radix_validate())
 * @in_tree: the handed-over tree
 * @out_tree: the outgoing tree, filled in at kexec
 */
struct sim_boot_stats {
	uint64_t walk_ns;
	uint64_t scrub_ns;
	uint64_t scrubbed_boot;
	uint64_t scrubbed_kexec;
	uint64_t nr_reserved_ranges;
	uint64_t reserved_bytes;
	uint64_t ranges[SIM_REPORT_RANGES][2];
	uint64_t validated_nodes;
	struct kho_radix_stats in_tree;
	struct kho_radix_stats out_tree;
};

/**
 * struct sim_boot - a running boot
 * @m: the machine
 * @opts: options
 * @geo: tree geometry of the machine's page size
 * @mb: memblock
 * @buddy: page allocator and memmap
 * @buddy_up: sim_boot_mm_init() ran; alloc ops work from here on
 * @env: what libkho gets: allocation, translation, memmap
 * @scratch: the scratch areas (reserved at cold boot, inherited at KHO boot)
 * @nr_scratch: entries of @scratch
 * @kho_boot: a handover was taken
 * @handover: the record it came in
 * @handed_over: the record written for the next kernel (at kexec or by
 *	sim_boot_write_handover())
 * @in: the incoming side (valid when @kho_boot)
 * @out: the outgoing side (valid when @out_up)
 * @out_up: sim_boot_out_init() ran
 * @kexeced: sim_boot_kexec() wrote a new handover
 * @kernel_base: where this kernel's image is
 * @kernel_loaded: a KHO boot found the image a kexec loaded there (a
 *	handover written by something else need not have one)
 * @stats: measurements for the report
 */
struct sim_boot {
	struct sim_machine m;
	struct sim_boot_opts opts;
	struct kho_geometry geo;
	struct sim_memblock mb;
	struct sim_buddy buddy;
	bool buddy_up;
	struct kho_env_ops env;
	struct kho_scratch scratch[SIM_MAX_SCRATCH];
	unsigned int nr_scratch;
	bool kho_boot;
	struct kho_data handover;
	struct kho_data handed_over;
	struct kho_in in;
	struct kho_out out;
	bool out_up;
	bool kexeced;
	uint64_t kernel_base;
	bool kernel_loaded;
	/* machine.conf's kho_scratch refused: the defaults were used. */
	bool scratch_malformed;
	struct sim_boot_stats stats;
};

/**
 * sim_check_handover_record() - are both blobs a handover record names RAM
 * @kd: the record (a machine directory's handover file)
 * @ram: the machine's RAM ranges, as machine.conf lists them (not merged)
 * @nr_ram: entries of @ram
 * @e: why not: one sentence naming the blob, its address and size
 *
 * The root FDT (@kd->fdt_addr, non-zero @kd->fdt_size bytes) and the
 * scratch array (a non-zero whole number of struct kho_scratch) must each
 * lie whole inside one RAM range. A kho boot checks this before
 * kho_populate(); kho inspect of a machine directory checks it too, so
 * that both refuse such a record with the same sentence.
 * Return: 0, or -EINVAL with @e set.
 */
int sim_check_handover_record(const struct kho_data *kd,
			      const struct kho_mem_region *ram,
			      unsigned int nr_ram, struct sim_error *e);

/**
 * sim_machine_check_record() - sim_check_handover_record() on @m's RAM
 * @m: the machine whose machine.conf lists the RAM ranges
 * @kd: the record
 * @e: why not
 *
 * What kho boot and kho debug corrupt check a machine's record with.
 * Return: 0, or -EINVAL with @e set.
 */
int sim_machine_check_record(const struct sim_machine *m,
			     const struct kho_data *kd, struct sim_error *e);

/**
 * sim_boot_plan() - would a machine of @conf cold-boot at all?
 * @conf: the machine's layout, before it exists
 * @dir: its directory, for messages only (nothing there is read)
 * @e: what stops the first boot
 *
 * Makes what a cold boot reserves while memblock rules (firmware, the
 * kernel image, each node's memmap, the KHO scratch areas) on @conf alone,
 * with no RAM image: `kho machine create` refuses a machine that could
 * never boot, with the sentence its boot would print.
 * Return: 0 or a negative errno.
 */
int sim_boot_plan(const struct sim_conf *conf, const char *dir,
		  struct sim_error *e);

/**
 * sim_boot_open() - power on, up to the point where memblock still rules
 * @b: filled in
 * @dir: machine directory
 * @opts: options
 * @e: why the boot stopped
 *
 * A handover that is refused stops the boot with the reason (what, where)
 * and nothing on disk changed. So does a machine directory this process
 * cannot write in (and search), when the boot would have to change the
 * record there: a KHO boot (not @opts->inspect) removes the handover it
 * consumes when it powers off, and a boot with @opts->kexec writes one.
 * In a sticky directory, a KHO boot is refused too when the effective
 * user owns neither the directory nor the record and is not root: it
 * could not remove the record, nor rename the next one over it.
 * Return: 0 or a negative errno.
 */
int sim_boot_open(struct sim_boot *b, const char *dir,
		  const struct sim_boot_opts *opts, struct sim_error *e);

/**
 * sim_boot_mm_init() - hand free memory to the buddy allocator, then scrub
 * @b: boot
 * @e: why it failed
 *
 * Return: 0 or a negative errno.
 */
int sim_boot_mm_init(struct sim_boot *b, struct sim_error *e);

/* Start the outgoing side (root FDT, tree). Return: 0 or negative errno. */
int sim_boot_out_init(struct sim_boot *b, struct sim_error *e);

/**
 * sim_boot_kexec() - hand over to the next kernel
 * @b: boot, after sim_boot_out_init()
 * @e: why it failed
 *
 * Return: 0 or a negative errno.
 */
int sim_boot_kexec(struct sim_boot *b, struct sim_error *e);

/**
 * sim_boot_write_handover() - write the handover record a kexec leaves
 * @b: boot, after sim_boot_out_init()
 * @e: why it failed
 *
 * Preserves a page for the scratch array (outside every scratch area, so
 * that no kernel is loaded over it), copies the array there and writes
 * DIR/handover naming it and the root FDT. sim_boot_kexec() calls it
 * first, so that a machine out of memory refuses the kexec before anything
 * changed; a test that needs the record without a kexec calls it alone.
 * Return: 0 or a negative errno.
 */
int sim_boot_write_handover(struct sim_boot *b, struct sim_error *e);

/**
 * sim_boot_close() - power off
 * @b: boot, opened
 * @e: why the handover could not be removed
 *
 * A KHO boot that did not kexec (and is no inspection) consumed its
 * handover: DIR/handover is removed, so that the next boot is a cold one
 * rather than one that takes the record again over scrubbed memory. After
 * a kexec the record it wrote stays for the next boot. Whether or not the
 * removal worked, the machine is powered off and what @b holds released.
 * Return: 0, or the negative errno of the removal that failed (@e names
 * the file and why).
 */
int sim_boot_close(struct sim_boot *b, struct sim_error *e);

/**
 * sim_boot_abort() - power off before sim_boot_mm_init(), leaving the disk
 * @b: boot, opened
 *
 * Nothing was written yet; a pending handover stays for the next boot.
 */
void sim_boot_abort(struct sim_boot *b);

/* Pages for boot users (clients): never scratch; NULL when out of memory. */
void *sim_alloc_pages(struct sim_boot *b, unsigned int order);
void sim_free_pages(struct sim_boot *b, void *va, unsigned int order);
/* A movable page (may be scratch): what user space and page cache get. */
void *sim_alloc_movable(struct sim_boot *b, unsigned int order);

/* Fill @e with the sentence for a refused handover. */
void sim_format_kho_error(const struct kho_error *err, const char *prefix,
			  struct sim_error *e);

/* Nanoseconds of CLOCK_MONOTONIC. */
uint64_t sim_now_ns(void);

#endif /* SIM_BOOT_H */
