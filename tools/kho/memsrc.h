/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * tools/kho/memsrc.h - physical memory to inspect, read-only and lazily.
 *
 * Every source reduces to one file and a table of segments, each a run of
 * physical addresses stored at a file offset:
 *
 *   source               file          segments
 *   DIR (machine)        DIR/ram.img   machine.conf ram lines, back to back
 *   raw:FILE@0xBASE      FILE          one: [BASE, BASE + size of FILE)
 *   elf:FILE             FILE          PT_LOAD p_paddr .. + p_memsz at p_offset
 *   kcore:/proc/kcore    /proc/kcore   the same (direct-map and text segments)
 *   devmem               /dev/mem      /proc/iomem "System RAM", offset = phys
 *
 *   phys    0x0 ..... 0x80000000  hole  0x100000000 ..... 0x180000000
 *           |  seg 0  |                 |   seg 1        |
 *   file    off0 ..... off0+2G          off1 ........... off1+2G
 *
 * A read looks the address up (binary search) and preads exactly the bytes
 * asked for: nothing is mapped or loaded whole, so a 1 TiB vmcore costs what
 * the tree costs. Bytes of a segment past its file size (p_filesz <
 * p_memsz) read as zeroes. Segments never overlap: where an ELF core names a
 * physical range twice (the kernel text inside RAM) the first segment wins.
 */
#ifndef KHO_MEMSRC_H
#define KHO_MEMSRC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kho/abi.h>
#include <kho/validate.h>

#include "../../sim/error.h"

/**
 * enum memsrc_kind - where the bytes come from
 * @MEMSRC_MACHINE: a simulated machine directory
 * @MEMSRC_RAW: a raw image loaded at a base address
 * @MEMSRC_ELF: an ELF core file (kdump vmcore, or any ET_CORE)
 * @MEMSRC_KCORE: /proc/kcore (an ELF core of the running kernel)
 * @MEMSRC_DEVMEM: /dev/mem, RAM ranges from /proc/iomem
 */
enum memsrc_kind {
	MEMSRC_MACHINE,
	MEMSRC_RAW,
	MEMSRC_ELF,
	MEMSRC_KCORE,
	MEMSRC_DEVMEM,
};

/**
 * struct memsrc_seg - physical [@start, @end) stored at @offset of the file
 * @start: first physical address
 * @end: physical address after the last
 * @offset: file offset of @start
 * @filesz: bytes actually in the file; the rest of the segment reads as 0
 */
struct memsrc_seg {
	uint64_t start;
	uint64_t end;
	uint64_t offset;
	uint64_t filesz;
};

/**
 * struct memsrc - an open memory source
 * @kind: what it is
 * @name: the source as the user spelled it, for messages
 * @path: the file read
 * @fd: that file, read-only
 * @lock_fd: a machine directory's machine.conf, locked shared
 *	(sim_machine_lock()) while the source is open; -1 for the others
 * @seg: segments, ascending, not overlapping
 * @nr_seg: entries of @seg
 * @ram: RAM ranges (@seg coalesced where they touch)
 * @nr_ram: entries of @ram
 * @page_shift: the page size the source knows (machine.conf, VMCOREINFO
 *	PAGESIZE), or 0 when it does not say
 * @has_handover: a machine directory with a pending handover file
 * @handover: that file's struct kho_data
 */
struct memsrc {
	enum memsrc_kind kind;
	char name[4096];
	char path[4096];
	int fd;
	int lock_fd;
	struct memsrc_seg *seg;
	unsigned int nr_seg;
	struct kho_mem_region *ram;
	unsigned int nr_ram;
	unsigned int page_shift;
	bool has_handover;
	struct kho_data handover;
};

/**
 * struct memsrc_spec - a memory source as the command line names it
 * @kind: what it is
 * @path: the machine directory, or the file read (raw, ELF, kcore, /dev/mem)
 * @iomem: /dev/mem only: the file listing its RAM (/proc/iomem)
 * @base: raw only: the physical address of the image's first byte
 */
struct memsrc_spec {
	enum memsrc_kind kind;
	char path[4096];
	char iomem[4096];
	uint64_t base;
};

/**
 * memsrc_parse() - parse a memory source's name, opening nothing
 * @sp: filled in
 * @spec: as for memsrc_open()
 * @e: why it cannot be parsed: one sentence naming @spec
 *
 * A name with a colon and no known prefix is a machine directory only if
 * such a file exists (the one look at the file system).
 * Return: 0, -EINVAL (no such kind of source, a raw image without a file or
 * a base address) or -ENAMETOOLONG.
 */
int memsrc_parse(struct memsrc_spec *sp, const char *spec, struct sim_error *e);

/**
 * memsrc_for_each_input() - call @fn on every file memsrc_open() reads
 * @sp: a parsed source
 * @fn: called with each path (machine directory: machine.conf, ram.img and
 *	handover, which may not exist); a non-zero return stops the walk
 * @arg: passed to @fn
 *
 * Return: 0, or what @fn returned.
 */
int memsrc_for_each_input(const struct memsrc_spec *sp,
			  int (*fn)(const char *path, void *arg), void *arg);

/**
 * memsrc_open() - open a memory source by its command-line name
 * @ms: filled in
 * @spec: "DIR" or "machine:DIR", "raw:FILE@0xBASE", "elf:FILE",
 *	"kcore:FILE" (normally kcore:/proc/kcore), or "devmem"
 * @e: why it failed: one sentence naming the source and the problem
 *
 * Reads only headers (machine.conf, ELF program headers, /proc/iomem).
 * "devmem" reads /dev/mem and /proc/iomem; the environment variables
 * KHO_DEVMEM and KHO_IOMEM name other files instead (for tests).
 * Return: 0, -EINVAL (bad spec, not an ELF core, no RAM), -ENOEXEC
 * (truncated or malformed ELF), or the errno of a failed open or read.
 */
int memsrc_open(struct memsrc *ms, const char *spec, struct sim_error *e);

/**
 * memsrc_close() - close a source opened with memsrc_open()
 * @ms: the source; closing twice is harmless
 */
void memsrc_close(struct memsrc *ms);

/**
 * memsrc_backed() - is every byte of [@pa, @pa + @len) in the source
 * @ms: source
 * @pa: physical address
 * @len: bytes (0 counts as 1)
 *
 * Return: true when segments cover the whole range (it may span adjacent
 * segments).
 */
bool memsrc_backed(const struct memsrc *ms, uint64_t pa, uint64_t len);

/**
 * memsrc_read() - read physical memory
 * @ms: source
 * @pa: physical address
 * @buf: where to put the bytes
 * @len: bytes
 * @e: why it failed, naming the address
 *
 * Return: 0, -EFAULT (some byte is in no segment), -EIO (the file is
 * shorter than its headers say, or the read failed).
 */
int memsrc_read(const struct memsrc *ms, uint64_t pa, void *buf, size_t len,
		struct sim_error *e);

/* "machine directory", "raw image", "ELF core", "/proc/kcore", "/dev/mem" */
const char *memsrc_kind_name(enum memsrc_kind kind);

#endif /* KHO_MEMSRC_H */
