/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * sim/machine.h - the simulated machine: a directory of three files.
 *
 *   DIR/machine.conf   page_size = 4096
 *                      ram = 0x0 0x80000000 node=0          (base size, hex)
 *                      ram = 0x100000000 0x80000000 node=1
 *                      kho_scratch = 200%                    (optional)
 *                      arch = arm64        (optional; x86_64 by default)
 *   DIR/ram.img        the RAM ranges back to back, sparse:
 *
 *     phys  0x0 ........ 0x80000000   hole   0x100000000 .... 0x180000000
 *           |  range 0   |                   |   range 1      |
 *     file  0x0 ........ 0x80000000 ........................ 0x100000000
 *
 *   DIR/handover       struct kho_data (32 bytes), only between a kexec
 *                      and the next boot
 *
 * A boot maps ram.img MAP_SHARED, so what one boot (process) leaves in RAM
 * is what the next one finds, as with a real kexec.
 */
#ifndef SIM_MACHINE_H
#define SIM_MACHINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kho/abi.h>

#include "error.h"

#define SIM_CONF_FILE "machine.conf"
#define SIM_RAM_FILE "ram.img"
#define SIM_HANDOVER_FILE "handover"

/*
 * A machine directory's path is shorter than this: room is left in PATH_MAX
 * for "/machine.conf", "/handover.tmp" and the like.
 */
#define SIM_DIR_LEN 4000
/* A sentence may name two files of one machine directory, whole. */
_Static_assert(SIM_ERROR_LEN >= 2 * (SIM_DIR_LEN + 32) + 1024,
	       "SIM_ERROR_LEN cannot hold two machine paths and a sentence");
/* The refusal of a longer one: printf arguments (size_t) length, (int) max. */
#define SIM_DIR_TOO_LONG \
	"machine directory path of %zu bytes is too long (at most %d)"

/* Enough for any layout `kho machine create` makes, and hand-written ones. */
#define SIM_MAX_RAM_RANGES 64
#define SIM_MAX_NODES 16
/* The kernel's kho_scratch= value is short: "200%" or "64M,512M,256M". */
#define SIM_SCRATCH_SPEC_LEN 64

/* arch = ... in machine.conf; the zero value is the default. */
enum sim_arch {
	SIM_ARCH_X86_64,
	SIM_ARCH_ARM64,
};

/* "No physical address": not in RAM. */
#define SIM_NO_PHYS UINT64_MAX

/**
 * struct sim_ram_range - one ram line of machine.conf
 * @base: physical address
 * @size: bytes, a multiple of the page size
 * @file_off: where the range starts in ram.img (the sum of the sizes before)
 * @nid: NUMA node
 */
struct sim_ram_range {
	uint64_t base;
	uint64_t size;
	uint64_t file_off;
	int nid;
};

/**
 * struct sim_conf - machine.conf, parsed
 * @page_shift: log2 of the page size (12, 14 or 16)
 * @nr_ranges: ram lines
 * @ram: the ranges, ascending and not overlapping
 * @nr_nodes: highest node id + 1: node ids index arrays below it
 * @nr_mem_nodes: nodes that have RAM (Linux's N_MEMORY); a node id below
 *	@nr_nodes that no ram line names has none
 * @kho_scratch: the kernel's kho_scratch= option, "" for the default
 * @arch: the architecture the machine's kernels are built for, where it
 *	shows in what they hand over (kho-test's csum_partial())
 */
struct sim_conf {
	unsigned int page_shift;
	unsigned int nr_ranges;
	struct sim_ram_range ram[SIM_MAX_RAM_RANGES];
	unsigned int nr_nodes;
	unsigned int nr_mem_nodes;
	char kho_scratch[SIM_SCRATCH_SPEC_LEN];
	enum sim_arch arch;
};

/**
 * struct sim_machine - an open machine directory
 * @dir: the directory
 * @conf: its machine.conf
 * @page_size: 1 << conf.page_shift
 * @ram_bytes: size of ram.img, the sum of the ranges
 * @nr_pages: page frames of RAM (ram_bytes / page_size)
 * @fd: ram.img
 * @lock_fd: machine.conf, locked (sim_machine_lock()) while the machine is
 *	open
 * @ram: ram.img mapped MAP_SHARED (read-only when @readonly)
 * @readonly: opened for inspection; nothing may be written
 */
struct sim_machine {
	char dir[SIM_DIR_LEN];
	struct sim_conf conf;
	uint64_t page_size;
	uint64_t ram_bytes;
	uint64_t nr_pages;
	int fd;
	int lock_fd;
	uint8_t *ram;
	bool readonly;
};

/**
 * sim_parse_number() - a number as kho reads one: digits only
 * @s: the text
 * @base: 10 or 16: the base without a prefix; after "0x" it is 16
 * @v: the value
 * @endp: where the digits end
 *
 * No sign, no blank, no second "0x", never octal ("010" is ten in base
 * 10). The one reader of numbers for machine.conf, sizes, raw:FILE@BASE
 * and debugfs scratch lists (kho_scratch alone is read as the kernel
 * reads it, sim/scratch.c).
 * Return: 0; -EINVAL when there is no digit; -ERANGE past 2^64 - 1.
 */
int sim_parse_number(const char *s, unsigned int base, uint64_t *v,
		     const char **endp);

/**
 * sim_conf_parse() - parse the text of a machine.conf
 * @conf: filled in
 * @text: NUL-terminated file contents
 * @where: file name for messages
 * @e: why it is refused
 *
 * Return: 0, or -EINVAL naming the line and the problem.
 */
int sim_conf_parse(struct sim_conf *conf, const char *text, const char *where,
		   struct sim_error *e);

/* The largest machine.conf read: a few hundred bytes make a machine. */
#define SIM_CONF_MAX (1 << 20)

/**
 * sim_conf_read() - read and parse DIR/machine.conf
 * @dir: machine directory
 * @conf: filled in
 * @e: why it failed
 *
 * The one reader of a machine's description, for kho boot's machine and
 * kho inspect's memory source alike.
 * Return: 0; -ENOENT when @dir holds no machine.conf; -EINVAL, -EFBIG or
 * another negative errno as sim_read_file() and sim_conf_parse().
 */
int sim_conf_read(const char *dir, struct sim_conf *conf, struct sim_error *e);

/* Whether a ram line names node @nid. */
bool sim_conf_node_has_memory(const struct sim_conf *conf, unsigned int nid);

/**
 * sim_conf_format() - machine.conf text of a configuration
 * @conf: configuration
 * @buf: output
 * @len: size of @buf
 *
 * Return: characters written (without the NUL), or -ENOSPC.
 */
int sim_conf_format(const struct sim_conf *conf, char *buf, size_t len);

/**
 * sim_conf_layout() - the layout `kho machine create` gives a machine
 * @conf: filled in
 * @ram: total RAM in bytes, at least 128 MiB
 * @nodes: NUMA nodes, 1..SIM_MAX_NODES
 * @page_shift: 12, 14 or 16
 * @e: why it is refused
 *
 * Half the RAM (at most 3 GiB) sits at address 0, the rest above 4 GiB, so
 * every machine has a hole and high address bits; the nodes split the RAM
 * in address order, in 2 MiB units as evenly as they go (130 MiB on three
 * nodes is 42, 44 and 44 MiB).
 * Return: 0, or -EINVAL when @ram is not a multiple of 2 MiB of at least
 * 128 MiB, or @nodes or @page_shift is out of range.
 */
int sim_conf_layout(struct sim_conf *conf, uint64_t ram, unsigned int nodes,
		    unsigned int page_shift, struct sim_error *e);

/**
 * sim_conf_layout_at() - RAM in one block from @base
 * @conf: filled in
 * @base: where RAM starts (0 too: one block from 0, no hole)
 * @ram: total RAM in bytes, at least 128 MiB
 * @nodes: NUMA nodes, 1..SIM_MAX_NODES
 * @page_shift: 12, 14 or 16
 * @e: why it is refused
 *
 * @base (2 MiB-aligned) gives one contiguous block of RAM from @base,
 * without sim_conf_layout()'s hole, as on arm64 QEMU virt (RAM at
 * 0x40000000); the nodes split it as sim_conf_layout() does.
 * Return: 0 or -EINVAL.
 */
int sim_conf_layout_at(struct sim_conf *conf, uint64_t base, uint64_t ram,
		       unsigned int nodes, unsigned int page_shift,
		       struct sim_error *e);

/**
 * sim_machine_create() - make a new machine directory
 * @dir: created if missing; must hold none of machine.conf, ram.img,
 *	handover and handover.tmp, and its path must be shorter than
 *	SIM_DIR_LEN
 * @conf: its layout
 * @e: why it failed
 *
 * Writes machine.conf and a sparse ram.img, never over an existing file
 * (or link) of those names. Nothing is left behind on failure.
 * Return: 0 or a negative errno.
 */
int sim_machine_create(const char *dir, const struct sim_conf *conf,
		       struct sim_error *e);

/**
 * sim_machine_lock() - lock a machine directory against other processes
 * @dir: the directory (its machine.conf must exist)
 * @exclusive: for a writer (kho boot, kho debug corrupt): no other holder;
 *	else shared, for a reader (kho inspect DIR, kho machine offset): other
 *	readers too, no writer
 * @e: why it failed
 *
 * flock(2) on DIR/machine.conf, never waited for: held until the
 * descriptor returned is closed, or the process ends.
 * Return: the locked descriptor; -EBUSY when another process holds a lock
 * that conflicts, or another negative errno.
 */
int sim_machine_lock(const char *dir, bool exclusive, struct sim_error *e);

/**
 * sim_machine_open() - open a machine directory and map its RAM
 * @m: filled in
 * @dir: the directory
 * @readonly: map read-only (inspection)
 * @e: why it failed
 *
 * The machine is locked (sim_machine_lock()), exclusively unless
 * @readonly, until sim_machine_close().
 * Return: 0; -EBUSY when another process has it open (for writing, or
 * when this is not @readonly, at all); or another negative errno.
 */
int sim_machine_open(struct sim_machine *m, const char *dir, bool readonly,
		     struct sim_error *e);

/* Unmap, close and unlock. */
void sim_machine_close(struct sim_machine *m);

/**
 * sim_ram_range_of() - the ram range holding [@pa, @pa + @size)
 * @m: machine
 * @pa: physical address
 * @size: bytes (0 counts as 1)
 *
 * Return: the range, or NULL when any byte is outside RAM or the bytes span
 * a hole.
 */
const struct sim_ram_range *sim_ram_range_of(const struct sim_machine *m,
					     uint64_t pa, uint64_t size);

/* Where @pa is mapped, or NULL outside RAM. */
void *sim_phys_to_virt(const struct sim_machine *m, uint64_t pa);
/* Physical address of a pointer into the mapping, or SIM_NO_PHYS. */
uint64_t sim_virt_to_phys(const struct sim_machine *m, const void *va);
/* Offset of @pa in ram.img, or SIM_NO_PHYS. */
uint64_t sim_phys_to_offset(const struct sim_machine *m, uint64_t pa);
/* Index of @pfn in a memmap covering all RAM, or SIM_NO_PHYS. */
uint64_t sim_pfn_to_index(const struct sim_machine *m, uint64_t pfn);
/* The page frame of memmap index @idx. */
uint64_t sim_index_to_pfn(const struct sim_machine *m, uint64_t idx);

/**
 * sim_ram_discard() - destroy the contents of RAM
 * @m: machine (writable)
 * @pa: physical address, page-aligned, in RAM (ranges may touch)
 * @size: bytes, a multiple of the page size
 * @punch: punch a hole in ram.img (reads back as zeroes, keeps the file
 *	sparse) instead of writing the poison pattern
 *
 * Return: 0 or a negative errno.
 */
int sim_ram_discard(struct sim_machine *m, uint64_t pa, uint64_t size,
		    bool punch);

/* The byte scrubbed memory is filled with when not punched out. */
#define SIM_POISON_BYTE 0x6b

/**
 * sim_ram_image_check() - is ram.img as large as machine.conf's RAM?
 * @path: the image, for the sentence
 * @size: its size in bytes
 * @ram_bytes: the sum of machine.conf's ranges
 * @e: why not
 *
 * The one check of the image's size: kho boot's (sim_machine_open()) and
 * kho inspect's of a machine directory say the same sentence.
 * Return: 0, or -EINVAL when the sizes differ.
 */
int sim_ram_image_check(const char *path, uint64_t size, uint64_t ram_bytes,
			struct sim_error *e);

/**
 * sim_handover_read_file() - a handover record, from any file
 * @path: the file
 * @kd: filled in
 * @e: why it failed
 *
 * The one reader of the 32-byte record: kho boot's (sim_handover_read())
 * and kho inspect's of a machine directory say the same sentences.
 * Return: 0, -ENOENT when @path does not exist, -EINVAL when it is not a
 * regular file of 32 bytes, or another negative errno.
 */
int sim_handover_read_file(const char *path, struct kho_data *kd,
			   struct sim_error *e);

/**
 * sim_handover_read() - the pending handover record
 * @m: machine
 * @kd: filled in
 * @e: why it failed
 *
 * Return: 0, -ENOENT when there is no handover (cold boot), -EINVAL when the
 * file is not 32 bytes, or another negative errno.
 */
int sim_handover_read(const struct sim_machine *m, struct kho_data *kd,
		      struct sim_error *e);
/* Write the handover record atomically (rename). Return: 0 or -errno. */
int sim_handover_write(const struct sim_machine *m, const struct kho_data *kd,
		       struct sim_error *e);
/* Remove the handover record: the boot took it. */
int sim_handover_remove(const struct sim_machine *m, struct sim_error *e);

/*
 * sim_open_file() flags, beside O_RDONLY or O_RDWR: the kinds of device
 * taken as well as a regular file. Bits no open(2) flag uses; they are
 * not passed to open(2).
 */
/* A character device is opened too (/dev/mem). */
#define SIM_OPEN_CHARDEV (1 << 30)
/* A block device is opened too (a raw image of a disk). */
#define SIM_OPEN_BLKDEV (1 << 29)

/**
 * sim_open_file() - open a file the tool was named, refusing what is not one
 * @path: the file
 * @flags: O_RDONLY or O_RDWR (O_CLOEXEC is added), and SIM_OPEN_CHARDEV
 *	or SIM_OPEN_BLKDEV to take a character or block device too
 * @e: why it failed
 *
 * Never blocks: a FIFO, socket or device (through a link too) that @flags
 * does not take is refused, not waited on, in one sentence for every
 * caller ("PATH is not a regular file", naming the devices @flags takes).
 * Return: a file descriptor; -EINVAL when @path is not a regular file or
 * a device @flags takes, -EISDIR for a directory, or another negative
 * errno.
 */
int sim_open_file(const char *path, int flags, struct sim_error *e);

/**
 * sim_read_file() - a file read whole into a new buffer
 * @path: the file, opened as sim_open_file() opens it
 * @max: the largest size taken; a larger file is refused, not cut short
 * @buf: set to the bytes, NUL-terminated; the caller frees it
 * @len: set to the length without the NUL, when not NULL
 * @e: why it failed
 *
 * Reads to the end of the file, not to the size it claims: files under
 * /proc say 0.
 * Return: 0; -EFBIG when the file holds more than @max bytes; a negative
 * errno as sim_open_file(), or -ENOMEM. *@buf is NULL on failure.
 */
int sim_read_file(const char *path, size_t max, char **buf, size_t *len,
		  struct sim_error *e);

/**
 * sim_check_text() - refuse a text file that holds a NUL byte
 * @path: the file, for the message
 * @text: its bytes, as sim_read_file() gave them
 * @len: their length
 * @e: why it is refused
 *
 * A parser of text stops at a NUL: what follows it would be dropped
 * without a word, so every text file the tool parses (machine.conf,
 * /proc/iomem) is checked first.
 * Return: 0, or -EINVAL: "PATH: a NUL byte at offset N".
 */
int sim_check_text(const char *path, const char *text, size_t len,
		   struct sim_error *e);

/**
 * sim_parse_size() - "256M", "4G", "64K", "4096", "0x1000"
 * @s: text
 * @out: bytes
 *
 * The number is decimal, or hexadecimal after 0x; a leading 0 is decimal
 * ("010" is ten), never octal. K, M, G and T (then optionally B or iB)
 * multiply by powers of 1024.
 *
 * Return: 0, or -EINVAL for anything else (including overflow).
 */
int sim_parse_size(const char *s, uint64_t *out);

#endif /* SIM_MACHINE_H */
