// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * memsrc.c - physical memory sources for kho inspect: a machine directory,
 * a raw image, an ELF core (vmcore, /proc/kcore) and /dev/mem, each turned
 * into a segment table at open and read with pread on demand.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../sim/machine.h"
#include "memsrc.h"

/* /proc/iomem is small: some hundred lines. */
#define MEMSRC_IOMEM_MAX (1 << 20)
/* A note segment larger than this is not a kernel's. */
#define MEMSRC_NOTE_MAX (1 << 20)
/* More PT_LOAD segments than any kernel writes (one per RAM range). */
#define MEMSRC_MAX_SEGS (1 << 20)

const char *memsrc_kind_name(enum memsrc_kind kind)
{
	switch (kind) {
	case MEMSRC_MACHINE:
		return "machine directory";
	case MEMSRC_RAW:
		return "raw image";
	case MEMSRC_ELF:
		return "ELF core";
	case MEMSRC_KCORE:
		return "/proc/kcore";
	case MEMSRC_DEVMEM:
		return "/dev/mem";
	}
	return "memory source";
}

static int add_seg(struct memsrc *ms, unsigned int *cap, uint64_t start,
		   uint64_t size, uint64_t offset, uint64_t filesz,
		   struct sim_error *e)
{
	if (!size)
		return 0;
	if (start + size < start)
		return sim_fail(e, -EINVAL,
				"%s: segment at physical %#" PRIx64
				" of %#" PRIx64 " bytes wraps around",
				ms->name, start, size);
	if (ms->nr_seg == *cap) {
		unsigned int n = *cap ? *cap * 2 : 16;
		void *p;

		if (n > MEMSRC_MAX_SEGS)
			return sim_fail(e, -E2BIG, "%s: more than %d segments",
					ms->name, MEMSRC_MAX_SEGS);
		p = realloc(ms->seg, n * sizeof(*ms->seg));
		if (!p)
			return sim_fail(e, -ENOMEM, "out of memory");
		ms->seg = p;
		*cap = n;
	}
	ms->seg[ms->nr_seg++] = (struct memsrc_seg){
		.start = start,
		.end = start + size,
		.offset = offset,
		.filesz = filesz < size ? filesz : size,
	};
	return 0;
}

static int seg_cmp(const void *a, const void *b)
{
	const struct memsrc_seg *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	/* Equal starts: the longer first, so it wins the overlap. */
	return x->end > y->end ? -1 : x->end < y->end;
}

/*
 * Sort the segments, clip overlaps (the earlier-starting segment wins),
 * and derive the RAM ranges: segments that touch merge.
 */
static int finish_segs(struct memsrc *ms, struct sim_error *e)
{
	unsigned int n = 0;

	if (!ms->nr_seg)
		return sim_fail(e, -EINVAL, "%s holds no physical memory",
				ms->name);
	qsort(ms->seg, ms->nr_seg, sizeof(*ms->seg), seg_cmp);
	for (unsigned int i = 0; i < ms->nr_seg; i++) {
		struct memsrc_seg s = ms->seg[i];

		if (n && s.start < ms->seg[n - 1].end) {
			uint64_t cut = ms->seg[n - 1].end - s.start;

			if (s.end <= ms->seg[n - 1].end)
				continue;
			s.start += cut;
			s.offset += cut;
			s.filesz = s.filesz > cut ? s.filesz - cut : 0;
		}
		ms->seg[n++] = s;
	}
	ms->nr_seg = n;
	ms->ram = calloc(n, sizeof(*ms->ram));
	if (!ms->ram)
		return sim_fail(e, -ENOMEM, "out of memory");
	ms->nr_ram = 0;
	for (unsigned int i = 0; i < n; i++) {
		if (ms->nr_ram &&
		    ms->ram[ms->nr_ram - 1].end == ms->seg[i].start) {
			ms->ram[ms->nr_ram - 1].end = ms->seg[i].end;
			continue;
		}
		ms->ram[ms->nr_ram].start = ms->seg[i].start;
		ms->ram[ms->nr_ram].end = ms->seg[i].end;
		ms->nr_ram++;
	}
	return 0;
}

/*
 * Open @path read-only as sim_open_file() opens every file the tool is
 * named: a FIFO, socket or directory is refused in its sentence, and so is
 * a device, unless @devices (SIM_OPEN_CHARDEV, SIM_OPEN_BLKDEV) takes it.
 */
static int open_file(struct memsrc *ms, const char *path, int devices,
		     struct stat *st, struct sim_error *e)
{
	int fd;

	if (strlen(path) >= sizeof(ms->path))
		return sim_fail(e, -ENAMETOOLONG, "path too long: %s", path);
	strcpy(ms->path, path);
	fd = sim_open_file(path, O_RDONLY | devices, e);
	if (fd < 0)
		return fd;
	ms->fd = fd;
	if (fstat(ms->fd, st))
		return sim_fail(e, -errno, "cannot stat %s: %s", path,
				strerror(errno));
	return 0;
}

/* ---- machine directory ------------------------------------------------- */

static int open_machine(struct memsrc *ms, const char *dir, struct sim_error *e)
{
	char path[PATH_MAX];
	struct sim_conf *conf;
	unsigned int cap = 0;
	uint64_t need = 0;
	struct stat st;
	int ret;

	ms->kind = MEMSRC_MACHINE;
	conf = malloc(sizeof(*conf));
	if (!conf)
		return sim_fail(e, -ENOMEM, "out of memory");
	ret = sim_conf_read(dir, conf, e);
	if (ret)
		goto out;
	/*
	 * Shared, until memsrc_close(): no boot writes the machine while it
	 * is read, and other readers may read it too.
	 */
	ms->lock_fd = sim_machine_lock(dir, false, e);
	if (ms->lock_fd < 0) {
		ret = ms->lock_fd;
		ms->lock_fd = -1;
		goto out;
	}
	ms->page_shift = conf->page_shift;
	snprintf(path, sizeof(path), "%s/" SIM_RAM_FILE, dir);
	ret = open_file(ms, path, 0, &st, e);
	if (ret)
		goto out;
	for (unsigned int i = 0; i < conf->nr_ranges; i++) {
		const struct sim_ram_range *r = &conf->ram[i];

		ret = add_seg(ms, &cap, r->base, r->size, r->file_off, r->size,
			      e);
		if (ret)
			goto out;
		need = r->file_off + r->size;
	}
	/* The image is the RAM: kho boot's check. */
	ret = sim_ram_image_check(path, st.st_size, need, e);
	if (ret)
		goto out;
	ret = finish_segs(ms, e);
	if (ret)
		goto out;

	/* kho boot's reader: the same sentences; none is no handover. */
	snprintf(path, sizeof(path), "%s/" SIM_HANDOVER_FILE, dir);
	ret = sim_handover_read_file(path, &ms->handover, e);
	ms->has_handover = !ret;
	if (ret == -ENOENT)
		ret = 0;
out:
	free(conf);
	return ret;
}

/* ---- raw image ---------------------------------------------------------- */

static int open_raw(struct memsrc *ms, const char *path, uint64_t base,
		    struct sim_error *e)
{
	unsigned int cap = 0;
	struct stat st;
	int ret;

	ms->kind = MEMSRC_RAW;
	/* A disk holds an image too. */
	ret = open_file(ms, path, SIM_OPEN_BLKDEV, &st, e);
	if (ret)
		return ret;
	if (S_ISBLK(st.st_mode)) {
		off_t sz = lseek(ms->fd, 0, SEEK_END);

		st.st_size = sz < 0 ? 0 : sz;
	}
	if (!st.st_size)
		return sim_fail(e, -EINVAL, "%s is empty", path);
	ret = add_seg(ms, &cap, base, st.st_size, 0, st.st_size, e);
	return ret ? ret : finish_segs(ms, e);
}

/* ---- ELF core ----------------------------------------------------------- */

/* "PAGESIZE=4096" in a VMCOREINFO note: the dumped kernel's page size. */
static void vmcoreinfo_page_shift(struct memsrc *ms, const char *desc,
				  size_t len)
{
	static const char key[] = "PAGESIZE=";
	const char *p = desc, *end = desc + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		size_t n = (nl ? nl : end) - p;

		if (n > sizeof(key) - 1 && n < 32 &&
		    !memcmp(p, key, sizeof(key) - 1)) {
			char num[32];
			unsigned long v;

			memcpy(num, p + sizeof(key) - 1, n - (sizeof(key) - 1));
			num[n - (sizeof(key) - 1)] = '\0';
			v = strtoul(num, NULL, 10);
			for (unsigned int s = KHO_PAGE_SHIFT_MIN;
			     s <= KHO_PAGE_SHIFT_MAX; s += 2)
				if (v == 1UL << s)
					ms->page_shift = s;
		}
		p += n + 1;
	}
}

static void read_notes(struct memsrc *ms, Elf *elf, const GElf_Phdr *ph)
{
	Elf_Data *d;
	size_t off = 0, name_off, desc_off;
	GElf_Nhdr nh;

	if (!ph->p_filesz || ph->p_filesz > MEMSRC_NOTE_MAX)
		return;
	d = elf_getdata_rawchunk(elf, ph->p_offset, ph->p_filesz, ELF_T_NHDR);
	if (!d)
		return;
	while ((off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
		if (nh.n_namesz == sizeof("VMCOREINFO") &&
		    !memcmp((char *)d->d_buf + name_off, "VMCOREINFO",
			    sizeof("VMCOREINFO")))
			vmcoreinfo_page_shift(ms, (char *)d->d_buf + desc_off,
					      nh.n_descsz);
	}
}

static int open_elf(struct memsrc *ms, const char *path, bool kcore,
		    struct sim_error *e)
{
	unsigned int cap = 0, zero_paddr = 0;
	unsigned char ident[SELFMAG];
	size_t phnum;
	GElf_Ehdr eh;
	struct stat st;
	Elf *elf;
	int ret;

	ms->kind = kcore ? MEMSRC_KCORE : MEMSRC_ELF;
	ret = open_file(ms, path, 0, &st, e);
	if (ret)
		return ret;
	/* open_file() took a regular file: its size is the core's. */
	if (pread(ms->fd, ident, SELFMAG, 0) == SELFMAG &&
	    !memcmp(ident, ELFMAG, SELFMAG) &&
	    (uint64_t)st.st_size < sizeof(Elf64_Ehdr))
		return sim_fail(e, -ENOEXEC,
				"%s is truncated: %" PRIu64 " bytes, an "
				"ELF header needs %zu",
				path, (uint64_t)st.st_size, sizeof(Elf64_Ehdr));
	if (elf_version(EV_CURRENT) == EV_NONE)
		return sim_fail(e, -EINVAL, "libelf is out of date");
	elf = elf_begin(ms->fd, ELF_C_READ, NULL);
	if (!elf)
		return sim_fail(e, -ENOEXEC, "%s: cannot read it as ELF: %s",
				path, elf_errmsg(-1));
	if (elf_kind(elf) != ELF_K_ELF) {
		ret = sim_fail(e, -EINVAL, "%s is not an ELF file", path);
		goto out;
	}
	if (gelf_getclass(elf) != ELFCLASS64) {
		ret = sim_fail(
			e, -EINVAL,
			"%s is a 32-bit ELF file; KHO needs a 64-bit core",
			path);
		goto out;
	}
	if (!gelf_getehdr(elf, &eh)) {
		ret = sim_fail(e, -ENOEXEC, "%s: truncated ELF header: %s",
			       path, elf_errmsg(-1));
		goto out;
	}
	if (eh.e_type != ET_CORE) {
		ret = sim_fail(
			e, -EINVAL,
			"%s is an ELF file but not a core dump (e_type %u, "
			"want ET_CORE)",
			path, eh.e_type);
		goto out;
	}
	/*
	 * The header's own count: libelf's elf_getphdrnum() quietly clamps it
	 * to what the file holds, and refuses headers past the end without
	 * saying where. PN_XNUM puts the count in section 0's sh_info.
	 */
	phnum = eh.e_phnum;
	if (eh.e_phnum == PN_XNUM) {
		Elf_Scn *scn = elf_getscn(elf, 0);
		GElf_Shdr sh;

		if (!scn || !gelf_getshdr(scn, &sh)) {
			ret = sim_fail(
				e, -ENOEXEC,
				"%s: e_phnum is PN_XNUM, but section "
				"header 0, which holds the program header "
				"count, cannot be read: %s",
				path, elf_errmsg(-1));
			goto out;
		}
		phnum = sh.sh_info;
	}
	/* libelf reads 56-byte headers whatever e_phentsize says. */
	if (phnum && eh.e_phentsize != sizeof(Elf64_Phdr)) {
		ret = sim_fail(e, -ENOEXEC,
			       "%s: e_phentsize is %u, but a 64-bit program "
			       "header is %zu bytes",
			       path, eh.e_phentsize, sizeof(Elf64_Phdr));
		goto out;
	}
	if (phnum && eh.e_phoff > (uint64_t)st.st_size) {
		ret = sim_fail(e, -ENOEXEC,
			       "%s is truncated: its program headers start at "
			       "offset %#" PRIx64 " (e_phoff) but the file has "
			       "%#" PRIx64 " bytes",
			       path, (uint64_t)eh.e_phoff,
			       (uint64_t)st.st_size);
		goto out;
	}
	if (phnum * (uint64_t)sizeof(Elf64_Phdr) >
	    (uint64_t)st.st_size - eh.e_phoff) {
		ret = sim_fail(
			e, -ENOEXEC,
			"%s is truncated: its %zu program headers end at "
			"offset %#" PRIx64 " but the file has %#" PRIx64
			" bytes",
			path, phnum,
			(uint64_t)(eh.e_phoff + phnum * sizeof(Elf64_Phdr)),
			(uint64_t)st.st_size);
		goto out;
	}
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, i, &ph)) {
			ret = sim_fail(
				e, -ENOEXEC,
				"%s: program header %zu of %zu cannot be "
				"read (truncated file?): %s",
				path, i, phnum, elf_errmsg(-1));
			goto out;
		}
		if (ph.p_type != PT_LOAD && ph.p_type != PT_NOTE)
			continue;
		/*
		 * Only a segment's file bytes must lie in the file: one with
		 * none (memory that reads as zeros) may give any offset, and
		 * writers put it at or past the end.
		 */
		if (ph.p_filesz && ph.p_offset + ph.p_filesz < ph.p_offset) {
			ret = sim_fail(
				e, -ENOEXEC,
				"%s: segment %zu (physical %#" PRIx64
				") runs past 2^64 in the file: file offset "
				"%#" PRIx64 " + %#" PRIx64 " bytes",
				path, i, (uint64_t)ph.p_paddr,
				(uint64_t)ph.p_offset, (uint64_t)ph.p_filesz);
			goto out;
		}
		if (ph.p_filesz && S_ISREG(st.st_mode) &&
		    ph.p_offset + ph.p_filesz > (uint64_t)st.st_size) {
			ret = sim_fail(
				e, -ENOEXEC,
				"%s is truncated: segment %zu (physical %#" PRIx64
				") ends at file offset %#" PRIx64
				" but the file has %#" PRIx64 " bytes",
				path, i, (uint64_t)ph.p_paddr,
				(uint64_t)(ph.p_offset + ph.p_filesz),
				(uint64_t)st.st_size);
			goto out;
		}
		if (ph.p_type == PT_NOTE) {
			read_notes(ms, elf, &ph);
			continue;
		}
		/* /proc/kcore: vmalloc, modules and the like have no paddr. */
		if (ph.p_paddr == UINT64_MAX)
			continue;
		/* Kernels before 4.x wrote p_paddr 0 into every kcore segment. */
		if (kcore && !ph.p_paddr && ++zero_paddr > 1) {
			ret = sim_fail(
				e, -EINVAL,
				"%s gives no physical addresses (p_paddr is 0 "
				"in several segments): the kernel is too old",
				path);
			goto out;
		}
		if (ph.p_filesz > ph.p_memsz) {
			ret = sim_fail(
				e, -ENOEXEC,
				"%s: segment %zu has more file bytes (%#" PRIx64
				") than memory bytes (%#" PRIx64 ")",
				path, i, (uint64_t)ph.p_filesz,
				(uint64_t)ph.p_memsz);
			goto out;
		}
		ret = add_seg(ms, &cap, ph.p_paddr, ph.p_memsz, ph.p_offset,
			      ph.p_filesz, e);
		if (ret)
			goto out;
	}
	if (!ms->nr_seg) {
		ret = sim_fail(
			e, -EINVAL,
			"%s has no PT_LOAD segment with a physical address "
			"and memory (p_memsz above 0)",
			path);
		goto out;
	}
	ret = finish_segs(ms, e);
out:
	elf_end(elf);
	return ret;
}

/* ---- /dev/mem ------------------------------------------------------------ */

/* Top-level "start-end : System RAM" lines of /proc/iomem. */
static int parse_iomem(struct memsrc *ms, const char *iomem_path,
		       struct sim_error *e)
{
	unsigned int cap = 0, line = 0;
	bool any_addr = false;
	char *text, *p, *nl;
	size_t len;
	int ret;

	ret = sim_read_file(iomem_path, MEMSRC_IOMEM_MAX, &text, &len, e);
	if (ret)
		return ret;
	ret = sim_check_text(iomem_path, text, len, e);
	if (ret) {
		free(text);
		return ret;
	}
	for (p = text; p && *p; p = nl) {
		unsigned long long start, end;
		char *q;

		line++;
		nl = strchr(p, '\n');
		if (nl)
			*nl++ = '\0';
		if (isspace((unsigned char)*p))
			continue;
		errno = 0;
		start = strtoull(p, &q, 16);
		if (errno || *q != '-')
			continue;
		end = strtoull(q + 1, &q, 16);
		if (errno)
			continue;
		if (start || end)
			any_addr = true;
		while (*q == ' ')
			q++;
		if (*q != ':' || strcmp(q + 1 + (q[1] == ' '), "System RAM"))
			continue;
		if (end < start || end == UINT64_MAX) {
			free(text);
			return sim_fail(e, -EINVAL, "%s:%u: bad range",
					iomem_path, line);
		}
		ret = add_seg(ms, &cap, start, end - start + 1, start,
			      end - start + 1, e);
		if (ret) {
			free(text);
			return ret;
		}
	}
	free(text);
	if (!any_addr)
		return sim_fail(e, -EPERM, "%s shows no addresses: run as root",
				iomem_path);
	if (!ms->nr_seg)
		return sim_fail(e, -EINVAL, "%s lists no System RAM",
				iomem_path);
	return finish_segs(ms, e);
}

static int open_devmem(struct memsrc *ms, const char *mem, const char *iomem,
		       struct sim_error *e)
{
	struct stat st;
	int ret;

	ms->kind = MEMSRC_DEVMEM;
	/* /dev/mem is a character device; a test's stand-in is a file. */
	ret = open_file(ms, mem, SIM_OPEN_CHARDEV, &st, e);
	if (ret)
		return ret;
	return parse_iomem(ms, iomem, e);
}

/* ---- the interface -------------------------------------------------------- */

static bool prefix(const char *s, const char *p, const char **rest)
{
	size_t n = strlen(p);

	if (strncmp(s, p, n))
		return false;
	*rest = s + n;
	return true;
}

/*
 * Copy @path into @sp->path, or refuse it as too long: -ENAMETOOLONG, a
 * path no file can have rather than a SOURCE that cannot be parsed.
 */
static int spec_path(struct memsrc_spec *sp, const char *path, size_t len,
		     struct sim_error *e)
{
	if (len >= sizeof(sp->path))
		return sim_fail(e, -ENAMETOOLONG,
				"a path of %zu bytes is too long (at most %zu)",
				len, sizeof(sp->path) - 1);
	memcpy(sp->path, path, len);
	sp->path[len] = '\0';
	return 0;
}

int memsrc_parse(struct memsrc_spec *sp, const char *spec, struct sim_error *e)
{
	const char *arg, *at, *end;
	int ret;

	memset(sp, 0, sizeof(*sp));
	if (!spec || !*spec)
		return sim_fail(e, -EINVAL, "which memory? --mem SOURCE");
	if (prefix(spec, "machine:", &arg)) {
		sp->kind = MEMSRC_MACHINE;
		if (!*arg)
			return sim_fail(e, -EINVAL,
					"machine: which directory? "
					"(machine:DIR)");
		return spec_path(sp, arg, strlen(arg), e);
	}
	if (prefix(spec, "raw:", &arg)) {
		sp->kind = MEMSRC_RAW;
		at = strrchr(arg, '@');
		if (!at)
			return sim_fail(e, -EINVAL,
					"raw:%s: no base address: where does "
					"the image start? (raw:FILE@0xBASE)",
					arg);
		ret = sim_parse_number(at + 1, 10, &sp->base, &end);
		if (!ret && *end)
			ret = -EINVAL;
		if (ret)
			return sim_fail(
				e, -EINVAL,
				ret == -ERANGE ?
					"raw:%s: \"%s\" is larger than 2^64 - 1 "
					"(raw:FILE@0xBASE)" :
					"raw:%s: \"%s\" is not a base address: "
					"0x and hex digits or decimal digits "
					"(raw:FILE@0xBASE)",
				arg, at + 1);
		if (at == arg)
			return sim_fail(e, -EINVAL,
					"raw: which file? (raw:FILE@0xBASE)");
		return spec_path(sp, arg, at - arg, e);
	}
	if (prefix(spec, "elf:", &arg)) {
		sp->kind = MEMSRC_ELF;
		if (!*arg)
			return sim_fail(e, -EINVAL,
					"elf: which file? (elf:FILE)");
		return spec_path(sp, arg, strlen(arg), e);
	}
	if (prefix(spec, "kcore:", &arg) || !strcmp(spec, "kcore")) {
		/* "kcore" and "kcore:" alone name /proc/kcore (kho.1). */
		if (!strcmp(spec, "kcore") || !*arg)
			arg = "/proc/kcore";
		sp->kind = MEMSRC_KCORE;
		return spec_path(sp, arg, strlen(arg), e);
	}
	if (!strcmp(spec, "devmem")) {
		const char *mem = getenv("KHO_DEVMEM");
		const char *iomem = getenv("KHO_IOMEM");

		sp->kind = MEMSRC_DEVMEM;
		arg = iomem && *iomem ? iomem : "/proc/iomem";
		if (strlen(arg) >= sizeof(sp->iomem))
			return sim_fail(
				e, -ENAMETOOLONG,
				"KHO_IOMEM: a path of %zu bytes is too long (at most %zu)",
				strlen(arg), sizeof(sp->iomem) - 1);
		strcpy(sp->iomem, arg);
		arg = mem && *mem ? mem : "/dev/mem";
		return spec_path(sp, arg, strlen(arg), e);
	}
	if (strchr(spec, ':') && access(spec, F_OK))
		return sim_fail(
			e, -EINVAL,
			"\"%s\" is no memory source: use DIR, raw:FILE@0xBASE, "
			"elf:FILE, kcore:/proc/kcore or devmem",
			spec);
	sp->kind = MEMSRC_MACHINE;
	return spec_path(sp, spec, strlen(spec), e);
}

int memsrc_for_each_input(const struct memsrc_spec *sp,
			  int (*fn)(const char *path, void *arg), void *arg)
{
	static const char *const machine[] = { SIM_CONF_FILE, SIM_RAM_FILE,
					       SIM_HANDOVER_FILE };
	char path[PATH_MAX + 32];
	int ret = 0;

	switch (sp->kind) {
	case MEMSRC_MACHINE:
		for (unsigned int i = 0;
		     !ret && i < sizeof(machine) / sizeof(*machine); i++) {
			snprintf(path, sizeof(path), "%s/%s", sp->path,
				 machine[i]);
			ret = fn(path, arg);
		}
		return ret;
	case MEMSRC_DEVMEM:
		ret = fn(sp->iomem, arg);
		break;
	case MEMSRC_RAW:
	case MEMSRC_ELF:
	case MEMSRC_KCORE:
		break;
	}
	return ret ? ret : fn(sp->path, arg);
}

int memsrc_open(struct memsrc *ms, const char *spec, struct sim_error *e)
{
	struct memsrc_spec *sp;
	int ret;

	memset(ms, 0, sizeof(*ms));
	ms->fd = -1;
	ms->lock_fd = -1;
	snprintf(ms->name, sizeof(ms->name), "%s", spec);
	sp = malloc(sizeof(*sp));
	if (!sp)
		return sim_fail(e, -ENOMEM, "out of memory");
	ret = memsrc_parse(sp, spec, e);
	if (ret) {
		free(sp);
		return ret;
	}
	switch (sp->kind) {
	case MEMSRC_MACHINE:
		ret = open_machine(ms, sp->path, e);
		break;
	case MEMSRC_RAW:
		ret = open_raw(ms, sp->path, sp->base, e);
		break;
	case MEMSRC_ELF:
	case MEMSRC_KCORE:
		ret = open_elf(ms, sp->path, sp->kind == MEMSRC_KCORE, e);
		break;
	case MEMSRC_DEVMEM:
		ret = open_devmem(ms, sp->path, sp->iomem, e);
		break;
	}
	free(sp);
	if (ret)
		memsrc_close(ms);
	return ret;
}

void memsrc_close(struct memsrc *ms)
{
	if (ms->fd >= 0)
		close(ms->fd);
	ms->fd = -1;
	if (ms->lock_fd >= 0)
		close(ms->lock_fd);
	ms->lock_fd = -1;
	free(ms->seg);
	ms->seg = NULL;
	ms->nr_seg = 0;
	free(ms->ram);
	ms->ram = NULL;
	ms->nr_ram = 0;
}

/* The segment holding @pa, or NULL. */
static const struct memsrc_seg *find_seg(const struct memsrc *ms, uint64_t pa)
{
	unsigned int lo = 0, hi = ms->nr_seg;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (pa < ms->seg[mid].start)
			hi = mid;
		else if (pa >= ms->seg[mid].end)
			lo = mid + 1;
		else
			return &ms->seg[mid];
	}
	return NULL;
}

bool memsrc_backed(const struct memsrc *ms, uint64_t pa, uint64_t len)
{
	if (!len)
		len = 1;
	if (pa + len < pa)
		return false;
	while (len) {
		const struct memsrc_seg *s = find_seg(ms, pa);
		uint64_t n;

		if (!s)
			return false;
		n = s->end - pa < len ? s->end - pa : len;
		pa += n;
		len -= n;
	}
	return true;
}

int memsrc_read(const struct memsrc *ms, uint64_t pa, void *buf, size_t len,
		struct sim_error *e)
{
	uint8_t *out = buf;

	while (len) {
		const struct memsrc_seg *s = find_seg(ms, pa);
		uint64_t in = s ? pa - s->start : 0;
		size_t n, from_file;

		if (!s)
			return sim_fail(e, -EFAULT,
					"physical address %#" PRIx64
					" is not in %s (no segment holds it)",
					pa, ms->name);
		n = s->end - pa < len ? s->end - pa : len;
		from_file = in >= s->filesz    ? 0 :
			    s->filesz - in < n ? s->filesz - in :
						 n;
		for (size_t done = 0; done < from_file;) {
			ssize_t r = pread(ms->fd, out + done, from_file - done,
					  s->offset + in + done);

			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				return sim_fail(e, -EIO,
						"cannot read physical %#" PRIx64
						" from %s: %s",
						pa + done, ms->path,
						strerror(errno));
			if (!r)
				return sim_fail(
					e, -EIO,
					"%s ends before physical %#" PRIx64
					" (file offset %#" PRIx64
					"): truncated",
					ms->path, pa + done,
					s->offset + in + done);
			done += r;
		}
		memset(out + from_file, 0, n - from_file);
		out += n;
		pa += n;
		len -= n;
	}
	return 0;
}
