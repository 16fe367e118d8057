// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * kinit.c - the init program of the real-kernel harness's guests.
 *
 * Built static against the kernel tree's nolibc (tools/include/nolibc) and
 * its UAPI headers; one binary for every case, told what to do by the
 * kernel command line, whose unknown "key=value" words the kernel hands to
 * init as environment:
 *
 *   kcase=selftest   kernel A: kexec into /kernel with /initrd-b.cpio;
 *                    lib/test_kho.c in both kernels does the checking.
 *   kcase=capture    kernel A: fill the reserve_mem regions named kho_rm*
 *                    with a known pattern through /dev/mem, preserve a memfd
 *                    with known contents in a LUO session, print the
 *                    kernel's own view (debugfs kho/out, /proc/iomem), then
 *                    kexec into /stub, which halts the machine at once so
 *                    the RAM file holds the handover exactly as kernel B
 *                    would find it.
 *   kcase=live       kernel A: as capture without the memfd; after
 *                    kexec_file_load, run the static /kho inspect on the
 *                    live kernel (/proc/kcore, debugfs; the whole root FDT
 *                    found in RAM since debugfs's copy is short), print its
 *                    JSON, then kexec into /stub as capture does.
 *   kcase=scatter    kernel A: preserve kscatter=N order-0 pages that are
 *                    not physically adjacent (a memfd of N pages faulted in
 *                    turn with a second one, which is then freed) in a LUO
 *                    session, say how many ended up adjacent (pagemap), and
 *                    kexec into /kernel: kernel B's kho_mem_retrieve() then
 *                    reserves about N separate blocks (tests/kernel/
 *                    case-retrieve-curve.sh times it from the printk stamps).
 *   kcase=luobugs    kernel A: three bugs of 7.3.4's LUO, shown from user
 *                    space (luo_bugs_a()): 51 sessions, a memfd preserved
 *                    in the first and sealed after PRESERVE_FD, with kdup=1
 *                    one more CREATE_SESSION under a name in use, with
 *                    kovercommit, kbreak or kfailslab a 16 MiB memfd too;
 *                    then kexec into /kernel, whose kinit (kluobugs=1)
 *                    reports the sessions and the memfd's seals
 *                    (luo_bugs_b()), or with kovercommit=1 retrieves
 *                    under strict overcommit and again, =2 finishes after
 *                    one failed retrieve; with kbreak=1 damages the 16 MiB
 *                    memfd's folio array first (luo_bugs_broken()); with
 *                    kfailslab=SPACE retrieves the 16 MiB memfd with slab
 *                    allocations failing after SPACE bytes, and again.
 *   kcase=luoself    Linux's own live update selftests (luo_self()):
 *                    liveupdate and stage 1 of the kexec tests in kernel
 *                    A, stage 2 in kernel B (kluoself=1).
 *   kcase=luofind    kernel A: three more bugs of 7.3.4's LUO
 *                    (luo_find_a()): a memfd preserved through an O_RDONLY
 *                    descriptor, a PRESERVE_FD whose reply cannot be
 *                    copied out, a kexec_load() probe; then kexec into
 *                    /kernel, whose kinit (kluofind=R,E: the errnos of
 *                    the two PRESERVE_FDs, 0 for none) reports what came
 *                    back (luo_find_b()).
 *   kcase=kexecload  kernel A: a session with a memfd (none with
 *                    knosession=1), then /kernel loaded with kexec_load()
 *                    (kexec-tools) and a reboot; if refused,
 *                    kexec_file_load() and reboot again (kexec_load_a());
 *                    kernel B (kkexecload=load|file|none) retrieves what
 *                    it can (kexec_load_b()).
 *   kcase=rmadd      kernel A: fill the reserve_mem regions as capture
 *                    does, then kexec into /kernel with the regions of
 *                    krm_add=V1,V2... more (reserve_mem=V1 ...), and
 *                    krmadd=1. Kernel B reports
 *                    as any kernel B, says where each of its regions lies
 *                    against its scratch areas (rm_report()), fills each
 *                    region it allocated outside them, and kexecs into
 *                    /kernel again (rm_b()).
 *   kstage=c         kernel C of kcase=rmadd (stage_c()): says where its
 *                    regions lie and whether those kernel B kept with the
 *                    pattern (krm_kept=) came back revived with it.
 *   kstage=b         any kernel B: with kdirty=1 first dirty nearly all free
 *                    memory; print what came back (the LUO session's memfd:
 *                    ksession=, ktoken=, kmemfd_fnv=; the reserve_mem
 *                    regions KHO handed over) and check it, and which
 *                    subtrees it hands on ("kho_out NAME"), then reboot
 *                    (QEMU runs with -no-reboot, so it exits).
 *
 * Every line it prints starts with "kinit: " so the case scripts can grep
 * the serial log; verdict lines are "kinit: PASS ..." or "kinit: FAIL ...".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <dirent.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/kexec.h>
#include <linux/liveupdate.h>
#include <linux/memfd.h>

/* What kinit preserves; kernel B looks for ksession= and ktoken= if given. */
#define SESSION_NAME "kho-kern"
#define MEMFD_TOKEN 0x6b65726eULL /* "kern" */
/* Not a whole number of pages, so the last folio is partly used. */
#define MEMFD_SIZE (1048576 + 3 * 4096 + 100)
#define BLOB_MAX (1 << 20)
#define CMDLINE_MAX 2048
#define MAX_REGIONS 8

static unsigned char blob[BLOB_MAX];
static int failures;

static void say(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	/* One write a line, so kernel messages cannot split it. */
	strcpy(line, "kinit: ");
	va_start(ap, fmt);
	n = vsnprintf(line + 7, sizeof(line) - 8, fmt, ap);
	va_end(ap);
	n = n < 0 ? 7 :
		    7 + (n < (int)sizeof(line) - 8 ? n : (int)sizeof(line) - 9);
	line[n++] = '\n';
	write(1, line, n);
}

static void verdict(int ok, const char *what)
{
	say("%s %s", ok ? "PASS" : "FAIL", what);
	if (!ok)
		failures++;
}

/*
 * /dev/liveupdate, or -1 once it is said why: in kernel B, where the case
 * judges what came back (@judged), a FAIL of @who; in kernel A a note.
 */
static int luo_open(const char *who, int judged)
{
	int fd = open("/dev/liveupdate", O_RDWR);

	if (fd >= 0)
		return fd;
	say("%s%s: cannot open /dev/liveupdate (errno %d)",
	    judged ? "FAIL " : "", who, errno);
	failures += judged;
	return -1;
}

/* FNV-1a, 64 bits: the content hash every line prints. */
static uint64_t fnv_add(uint64_t h, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

#define FNV_INIT 0xcbf29ce484222325ULL

/* The byte at offset @i of the preserved memfd. */
static unsigned char memfd_byte(uint64_t i)
{
	return (unsigned char)((i * 131 + 7) ^ (i >> 12));
}

/* Whether @fd holds @size bytes of memfd_byte()s, and no more. */
static int memfd_intact(int fd, uint64_t size)
{
	static unsigned char buf[65536];
	uint64_t off = 0;
	ssize_t n;

	lseek(fd, 0, SEEK_SET);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] != memfd_byte(off + i))
				return 0;
		off += n;
	}
	return !n && off == size;
}

/* The 64-bit word at physical address @pa of a reserve_mem region. */
static uint64_t region_word(uint64_t pa)
{
	return (pa * 0x9e3779b97f4a7c15ULL) ^ 0x4b484f5245534d31ULL;
}

static long read_file(const char *path, void *buf, size_t max)
{
	size_t got = 0;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -1;
	while (got < max) {
		ssize_t n = read(fd, (char *)buf + got, max - got);

		if (n <= 0)
			break;
		got += n;
	}
	close(fd);
	return got;
}

/*
 * fcntl(@fd, @cmd, @arg) for the seal commands, -errno on failure: nolibc
 * has no fcntl(), and the arguments are plain values.
 */
static long seals_op(int fd, int cmd, long arg)
{
	long ret = syscall(__NR_fcntl, fd, cmd, arg);

	return ret < 0 ? -errno : ret;
}

/* Set a sysctl (or any file) to the string @value. */
static void write_str(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY);

	if (fd >= 0) {
		write(fd, value, strlen(value));
		close(fd);
	}
}

/* A file's bytes as "kinit: hex NAME OFFSET BYTES" lines, 32 a line. */
static void dump_hex(const char *name, const unsigned char *p, long n)
{
	static const char digits[] = "0123456789abcdef";
	char line[80];

	for (long off = 0; off < n; off += 32) {
		int k = 0;

		for (long i = off; i < n && i < off + 32; i++) {
			line[k++] = digits[p[i] >> 4];
			line[k++] = digits[p[i] & 15];
		}
		line[k] = 0;
		say("hex %s %lx %s", name, off, line);
	}
}

static void print_text_file(const char *tag, const char *path)
{
	long n = read_file(path, blob, BLOB_MAX - 1);
	char *line, *next;

	if (n < 0) {
		say("%s: cannot read %s", tag, path);
		return;
	}
	blob[n] = 0;
	for (line = (char *)blob; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		say("%s %s", tag, line);
	}
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

struct region {
	char name[32];
	uint64_t start, size;
};

/*
 * The memblock subtree (memblock-v1): one node per reserve_mem region with
 * native-endian u64 "start" and "size". A small structure-block walk.
 */
static int parse_memblock_fdt(const unsigned char *f, long len,
			      struct region *r, int max)
{
	uint32_t off_struct, off_strings, size_struct;
	int depth = 0, n = 0;
	uint32_t pos;

	if (len < 40 || be32(f) != 0xd00dfeed)
		return -1;
	off_struct = be32(f + 8);
	off_strings = be32(f + 12);
	size_struct = be32(f + 36);
	if ((long)off_struct + size_struct > len || off_strings > len)
		return -1;
	pos = off_struct;
	while (pos + 4 <= off_struct + size_struct) {
		uint32_t tok = be32(f + pos);

		pos += 4;
		if (tok == 1) { /* FDT_BEGIN_NODE */
			const char *name = (const char *)f + pos;

			depth++;
			if (depth == 2 && n < max) {
				memset(&r[n], 0, sizeof(r[n]));
				strncpy(r[n].name, name, sizeof(r[n].name) - 1);
				n++;
			}
			pos += (strlen(name) + 4) & ~3U;
		} else if (tok == 2) { /* FDT_END_NODE */
			depth--;
		} else if (tok == 3) { /* FDT_PROP */
			uint32_t plen = be32(f + pos);
			const char *pname = (const char *)f + off_strings +
					    be32(f + pos + 4);
			const unsigned char *val = f + pos + 8;

			if (depth == 2 && n && plen == 8) {
				uint64_t v;

				memcpy(&v, val, 8);
				if (!strcmp(pname, "start"))
					r[n - 1].start = v;
				else if (!strcmp(pname, "size"))
					r[n - 1].size = v;
			}
			pos += 8 + ((plen + 3) & ~3U);
		} else if (tok == 9) { /* FDT_END */
			break;
		} else if (tok != 4) { /* FDT_NOP */
			return -1;
		}
	}
	return n;
}

static int find_regions(const char *dir, struct region *r)
{
	char path[128];
	long n;

	snprintf(path, sizeof(path), "/debugfs/kho/%s/sub_fdts/memblock", dir);
	n = read_file(path, blob, BLOB_MAX);
	if (n <= 0) {
		say("no memblock subtree in %s", path);
		return 0;
	}
	return parse_memblock_fdt(blob, n, r, MAX_REGIONS);
}

/* Map a region through /dev/mem, fill or check it; returns mismatches. */
static long region_access(const struct region *r, int fill, uint64_t *hash)
{
	long bad = 0;
	uint64_t *w;
	int fd;

	fd = open("/dev/mem", O_RDWR | O_SYNC);
	if (fd < 0) {
		say("cannot open /dev/mem");
		return -1;
	}
	w = mmap(NULL, r->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 r->start);
	close(fd);
	if (w == MAP_FAILED) {
		say("cannot map %s at 0x%llx through /dev/mem", r->name,
		    (unsigned long long)r->start);
		return -1;
	}
	for (uint64_t i = 0; i < r->size / 8; i++) {
		uint64_t want = region_word(r->start + i * 8);

		if (fill)
			w[i] = want;
		else if (w[i] != want)
			bad++;
	}
	*hash = fnv_add(FNV_INIT, (const unsigned char *)w, r->size);
	munmap(w, r->size);
	return bad;
}

/* The kB of /proc/meminfo's line @key ("MemFree:"), or 0. */
static unsigned long long meminfo_kb(const char *key)
{
	static char info[8192];
	long n = read_file("/proc/meminfo", info, sizeof(info) - 1);
	char *p;

	if (n <= 0)
		return 0;
	info[n] = 0;
	p = strstr(info, key);
	return p ? strtoull(p + strlen(key), NULL, 10) : 0;
}

/*
 * Free memory in KiB, the pages on the per-cpu lists included: /proc/zoneinfo's
 * "pages free" and "count:" lines. MemFree leaves the per-cpu lists out, and
 * on these machines they take 16 MiB just freed without a trace in it.
 */
static unsigned long long free_kb_all(void)
{
	static char info[65536];
	unsigned long long pages = 0;
	long n;
	char *p;

	write_str("/proc/sys/vm/stat_refresh", "1"); /* fold per-cpu counts */
	n = read_file("/proc/zoneinfo", info, sizeof(info) - 1);
	if (n <= 0)
		return 0;
	info[n] = 0;
	for (p = info; (p = strstr(p, "pages free")); p += 10)
		pages += strtoull(p + 10, NULL, 10);
	for (p = info; (p = strstr(p, "count:")); p += 6)
		pages += strtoull(p + 6, NULL, 10);
	return pages * (getpagesize() / 1024);
}

/* Dirty nearly all free memory: a page KHO did not keep is overwritten. */
static void dirty_free_memory(void)
{
	enum { CHUNK = 16 << 20, MAX_CHUNKS = 512 };
	static void *chunks[MAX_CHUNKS];
	unsigned long long free_kb = meminfo_kb("MemFree:");
	unsigned long long avail_kb = meminfo_kb("MemAvailable:");
	unsigned long long pmd_kb, margin_kb, want, done = 0;
	int nr = 0;

	/*
	 * Stay 16 MiB inside MemAvailable, which leaves out the zones' high
	 * watermarks: with THP, khugepaged raises min_free_kbytes to about
	 * 45 MiB on these 1 GiB machines, and a fixed 48 MiB left of MemFree
	 * once fell below DMA32's minimum ("System is deadlocked on memory":
	 * init is the only process, and the OOM killer may not take it).
	 * Larger pages need more: a fragmentation event boosts the
	 * watermarks by a pageblock, a PMD's worth (a page of page table
	 * entries: 512 MiB with 64 KiB pages), and a 64 KiB kernel B 256 MiB
	 * inside MemAvailable deadlocked with "boost:524288kB". Leave 16 MiB
	 * and two PMDs (4 KiB pages: 20 MiB).
	 */
	pmd_kb = (unsigned long long)getpagesize() / 1024 * (getpagesize() / 8);
	margin_kb = 16384 + 2 * pmd_kb;
	want = avail_kb > margin_kb ? (avail_kb - margin_kb) << 10 : 0;
	while (done + CHUNK <= want && nr < MAX_CHUNKS) {
		void *m = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (m == MAP_FAILED)
			break;
		memset(m, 0x5a, CHUNK);
		chunks[nr++] = m;
		done += CHUNK;
	}
	while (nr)
		munmap(chunks[--nr], CHUNK);
	say("dirtied %llu MiB of %llu MiB free memory (%llu MiB available)",
	    done >> 20, free_kb >> 10, avail_kb >> 10);
}

/*
 * The first page of System RAM (/proc/iomem's top-level ranges, read
 * through /dev/mem 1 MiB at a time) for which @match(page, its physical
 * address, @arg) says yes, or 0. @match sees the mapping from the page's
 * start to the end of the window, at least one page: @len bytes.
 */
static uint64_t ram_find(int (*match)(const unsigned char *p, uint64_t len,
				      uint64_t pa, void *arg),
			 void *arg)
{
	static char iomem[65536];
	uint64_t found = 0;
	char *line, *next;
	int mem;

	if (read_file("/proc/iomem", iomem, sizeof(iomem) - 1) <= 0)
		return 0;
	mem = open("/dev/mem", O_RDONLY);
	if (mem < 0)
		return 0;
	for (line = iomem; line && *line && !found; line = next) {
		unsigned long long a, b;
		char *end;

		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		/* Top-level "start-end : System RAM" lines only. */
		if (line[0] == ' ' || !strstr(line, ": System RAM"))
			continue;
		a = strtoull(line, &end, 16);
		b = strtoull(end + 1, NULL, 16) + 1;
		a = (a + 4095) & ~4095ULL;
		for (uint64_t pa = a; pa + 4096 <= b && !found; pa += 1 << 20) {
			uint64_t len = b - pa < (1 << 20) ? b - pa : 1 << 20;
			unsigned char *m;

			len &= ~4095ULL;
			m = mmap(NULL, len, PROT_READ, MAP_SHARED, mem, pa);
			if (m == MAP_FAILED)
				continue;
			for (uint64_t off = 0; off < len && !found; off += 4096)
				if (match(m + off, len - off, pa + off, arg))
					found = pa + off;
			munmap(m, len);
		}
	}
	close(mem);
	return found;
}

struct fdt_match {
	const unsigned char *head;
	long n;
	uint32_t total;
	const char *path;
};

/* ram_find(): a page that starts as @arg's head does; write the FDT. */
static int fdt_page(const unsigned char *p, uint64_t len, uint64_t pa,
		    void *arg)
{
	const struct fdt_match *f = arg;
	int fd;

	if (memcmp(p, f->head, f->n))
		return 0;
	if (f->total > len)
		return 0;
	fd = open(f->path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	write(fd, p, f->total);
	close(fd);
	return 1;
}

/*
 * debugfs kho/out/fdt keeps the size the root FDT had when the file was
 * made, so it is short once subtrees were added later. Its first bytes are
 * still the real FDT's: find the page that starts with them in RAM
 * (ram_find()) and write the whole FDT, as long as its header says, to
 * @path. Returns its physical address or 0.
 */
static uint64_t find_root_fdt(const char *path)
{
	static unsigned char head[4096];
	struct fdt_match f = { head, 0, 0, path };
	uint64_t found;

	f.n = read_file("/debugfs/kho/out/fdt", head, sizeof(head));
	if (f.n < 40)
		return 0;
	f.total = be32(head + 4);
	found = ram_find(fdt_page, &f);
	if (found)
		say("root FDT: debugfs gives %ld of %u bytes; the whole FDT is at 0x%llx",
		    f.n, f.total, (unsigned long long)found);
	return found;
}

/*
 * Run @argv (an absolute path first) with an empty environment, its output
 * in the file @out or, when NULL, on the console; its exit status, 128 +
 * the signal that ended it, or -1 when it could not be waited for.
 */
static int run_prog(char *const argv[], const char *out)
{
	char *envp[] = { NULL };
	int status = 0, fd;
	pid_t pid = fork();

	if (pid == 0) {
		if (out) {
			fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execve(argv[0], argv, envp);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Run the static kho in the guest on the live kernel, output as lines. */
static void live_inspect(void)
{
	char *argv[] = {
		"/kho",	  "inspect",	       "--fdt",	    "/fdt.full",
		"--mem",  "kcore:/proc/kcore", "--scratch", "/debugfs/kho/out",
		"--json", "--blocks",	       NULL
	};
	int rc;

	if (!find_root_fdt("/fdt.full")) {
		verdict(0, "live: root FDT not found in RAM");
		return;
	}
	rc = run_prog(argv, "/live.json");
	print_text_file("live", "/live.json");
	say("live: kho inspect exit %d", rc);
}

/* Name every entry of a directory, one line each. */
static void list_dir(const char *tag, const char *path)
{
	struct dirent ent, *d;
	DIR *dir = opendir(path);

	if (!dir) {
		say("%s: no %s", tag, path);
		return;
	}
	while (!readdir_r(dir, &ent, &d) && d)
		if (d->d_name[0] != '.')
			say("%s %s", tag, d->d_name);
	closedir(dir);
}

static int mount_all(void)
{
	int ret = 0;

	mkdir("/proc", 0755);
	mkdir("/debugfs", 0755);
	mkdir("/dev", 0755);
	if (mount("proc", "/proc", "proc", 0, NULL))
		ret = -1;
	if (mount("debugfs", "/debugfs", "debugfs", 0, NULL))
		ret = -1;
	if (mount("devtmpfs", "/dev", "devtmpfs", 0, NULL))
		ret = -1;
	if (ret)
		say("mounting proc, debugfs or devtmpfs failed");
	return ret;
}

static void print_kho_out(void)
{
	char path[160], val[64];
	struct dirent ent, *d;
	DIR *dir;
	long n;

	n = read_file("/debugfs/kho/out/scratch_phys", blob, BLOB_MAX - 1);
	if (n > 0)
		print_text_file("scratch_phys",
				"/debugfs/kho/out/scratch_phys");
	print_text_file("scratch_len", "/debugfs/kho/out/scratch_len");
	n = read_file("/debugfs/kho/out/fdt", blob, BLOB_MAX);
	if (n >= 8)
		say("blob fdt %ld bytes, header totalsize %u", n,
		    be32(blob + 4));
	dump_hex("fdt", blob, n);
	dir = opendir("/debugfs/kho/out/sub_fdts");
	if (!dir)
		return;
	while (!readdir_r(dir, &ent, &d) && d) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/debugfs/kho/out/sub_fdts/%s",
			 d->d_name);
		n = read_file(path, blob, BLOB_MAX);
		snprintf(val, sizeof(val), "sub/%s", d->d_name);
		say("blob %s %ld bytes", val, n);
		dump_hex(val, blob, n);
	}
	closedir(dir);
}

static int memfd_preserve(int *luo_keep, int *session_keep, int *memfd_keep)
{
	struct liveupdate_ioctl_create_session cs = { .size = sizeof(cs) };
	struct liveupdate_session_preserve_fd pf = { .size = sizeof(pf) };
	static unsigned char buf[65536];
	uint64_t h = FNV_INIT, off = 0;
	int luo, mfd;
	long seals;

	/*
	 * Non-executable, as every memfd is under vm.memfd_noexec=1: its seals
	 * are F_SEAL_EXEC alone, which a 7.3.4 kernel B gives back with the
	 * write seals too (docs/kernel.md, "Facts"; patches/0003).
	 */
	mfd = memfd_create("kho-kern", MFD_NOEXEC_SEAL);
	if (mfd < 0) {
		say("memfd_create failed");
		return -1;
	}
	while (off < MEMFD_SIZE) {
		size_t n = MEMFD_SIZE - off < sizeof(buf) ? MEMFD_SIZE - off :
							    sizeof(buf);

		for (size_t i = 0; i < n; i++)
			buf[i] = memfd_byte(off + i);
		if (write(mfd, buf, n) != (ssize_t)n) {
			say("writing the memfd failed");
			return -1;
		}
		h = fnv_add(h, buf, n);
		off += n;
	}
	luo = luo_open("memfd", 0);
	if (luo < 0)
		return -1;
	strcpy((char *)cs.name, SESSION_NAME);
	if (ioctl(luo, LIVEUPDATE_IOCTL_CREATE_SESSION, &cs)) {
		say("LIVEUPDATE_IOCTL_CREATE_SESSION failed (errno %d)", errno);
		return -1;
	}
	pf.fd = mfd;
	pf.token = MEMFD_TOKEN;
	if (ioctl(cs.fd, LIVEUPDATE_SESSION_PRESERVE_FD, &pf)) {
		say("LIVEUPDATE_SESSION_PRESERVE_FD failed (errno %d)", errno);
		return -1;
	}
	seals = seals_op(mfd, F_GET_SEALS, 0);
	say("memfd session=%s token=0x%llx size=%d seals=0x%lx fnv=%016llx",
	    SESSION_NAME, MEMFD_TOKEN, MEMFD_SIZE, seals,
	    (unsigned long long)h);
	/* The session lives as long as its descriptor: keep them open. */
	*luo_keep = luo;
	*session_keep = cs.fd;
	*memfd_keep = mfd;
	return 0;
}

#define SCATTER_SESSION "kho-scatter"
#define SCATTER_TOKEN 0x73636174ULL /* "scat" */
#define PAGE 4096UL

/*
 * kcase=scatter: a memfd of @n pages whose pages are, as far as the page
 * allocator hands out ascending frames, every other physical page: its
 * pages are faulted in turn with those of a second memfd, which is then
 * closed (its pages freed). Kernel A's /proc/self/pagemap says how many of
 * the kept pages are adjacent to another kept page. Preserved in a LUO
 * session; the descriptors stay open until the kexec.
 */
static int scatter_preserve(long n, int *luo_keep, int *session_keep,
			    int *memfd_keep)
{
	struct liveupdate_ioctl_create_session cs = { .size = sizeof(cs) };
	struct liveupdate_session_preserve_fd pf = { .size = sizeof(pf) };
	unsigned long long lo = ~0ULL, hi = 0, adjacent = 0, absent = 0;
	unsigned long len = n * PAGE;
	unsigned char *x, *y, *bits;
	uint64_t *pfn;
	int xfd, yfd, pm, luo;

	xfd = memfd_create("kho-scatter", 0);
	yfd = memfd_create("kho-gaps", 0);
	if (xfd < 0 || yfd < 0 || ftruncate(xfd, len) || ftruncate(yfd, len)) {
		say("scatter: cannot create two memfds of %ld pages", n);
		return -1;
	}
	x = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, xfd, 0);
	y = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, yfd, 0);
	pfn = mmap(NULL, n * sizeof(*pfn), PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (x == MAP_FAILED || y == MAP_FAILED || pfn == MAP_FAILED) {
		say("scatter: cannot map %ld pages twice", n);
		return -1;
	}
	for (long i = 0; i < n; i++) {
		x[i * PAGE] = (unsigned char)i | 1;
		y[i * PAGE] = 1;
	}
	munmap(y, len);
	close(yfd);
	/* Bit 63 of a pagemap entry: present; bits 0-54: the frame number. */
	pm = open("/proc/self/pagemap", O_RDONLY);
	if (pm < 0 ||
	    lseek(pm, (long)((unsigned long)x / PAGE * 8), SEEK_SET) < 0 ||
	    read(pm, pfn, n * sizeof(*pfn)) != (ssize_t)(n * sizeof(*pfn))) {
		say("scatter: cannot read /proc/self/pagemap");
		return -1;
	}
	close(pm);
	for (long i = 0; i < n; i++) {
		if (!(pfn[i] >> 63)) {
			pfn[i] = ~0ULL;
			absent++;
			continue;
		}
		pfn[i] &= (1ULL << 55) - 1;
		lo = pfn[i] < lo ? pfn[i] : lo;
		hi = pfn[i] > hi ? pfn[i] : hi;
	}
	bits = absent == (unsigned long long)n ?
		       MAP_FAILED :
		       mmap(NULL, (hi - lo) / 8 + 2, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (bits == MAP_FAILED) {
		say("scatter: no frame numbers in pagemap");
		return -1;
	}
	for (long i = 0; i < n; i++)
		if (pfn[i] >= lo && pfn[i] <= hi)
			bits[(pfn[i] - lo) / 8] |= 1 << ((pfn[i] - lo) % 8);
	for (long i = 0; i < n; i++) {
		unsigned long long b = pfn[i] + 1 - lo;

		if (pfn[i] >= lo && pfn[i] < hi && (bits[b / 8] >> (b % 8) & 1))
			adjacent++;
	}
	say("scatter: %ld pages, %llu not present, %llu adjacent to the next kept page, pfn 0x%llx-0x%llx",
	    n, absent, adjacent, lo, hi);
	munmap(x, len);
	luo = luo_open("scatter", 0);
	if (luo < 0)
		return -1;
	strcpy((char *)cs.name, SCATTER_SESSION);
	if (ioctl(luo, LIVEUPDATE_IOCTL_CREATE_SESSION, &cs)) {
		say("LIVEUPDATE_IOCTL_CREATE_SESSION failed (errno %d)", errno);
		return -1;
	}
	pf.fd = xfd;
	pf.token = SCATTER_TOKEN;
	if (ioctl(cs.fd, LIVEUPDATE_SESSION_PRESERVE_FD, &pf)) {
		say("LIVEUPDATE_SESSION_PRESERVE_FD failed (errno %d)", errno);
		return -1;
	}
	say("scatter: preserved %ld pages (session %s token 0x%llx)", n,
	    SCATTER_SESSION, SCATTER_TOKEN);
	*luo_keep = luo;
	*session_keep = cs.fd;
	*memfd_keep = xfd;
	return 0;
}

/*
 * kcase=luobugs: two bugs of Linux 7.3.4's live update, shown from user
 * space.
 *
 * 1. luo_session_insert() (kernel/liveupdate/luo_session.c:183-198) grows
 *    the outgoing sessions' KHO block set before it checks the name, and
 *    its -EEXIST return does not shrink it again. With 4 KiB pages a block
 *    holds (4096 - 16) / 80 = 51 struct luo_session_ser; with 51 sessions,
 *    a CREATE_SESSION under a name in use adds a zeroed block to the chain
 *    (kho_block.c:79-101) and fails. Kernel B's kho_block_set_restore()
 *    refuses a block whose count is 0 (kho_block.c:268), and
 *    liveupdate_early_init() panics (luo_core.c:145, luo_internal.h:42).
 *    kdup=1 does that; kdup=0 is the same without the duplicate.
 *
 * 2. memfd_luo_preserve() saves the seals at PRESERVE_FD time
 *    (mm/memfd_luo.c:276-301) and memfd_luo_freeze() updates only the
 *    position (:337); memfd_add_seals() (mm/memfd.c) does not look at
 *    SHMEM_F_MAPPING_FROZEN. Seals added between PRESERVE_FD and the kexec
 *    are lost (F_SEAL_WRITE itself cannot be added: the pinned folios make
 *    memfd_wait_for_pins() return -EBUSY).
 */
#define LUOBUGS_SESSIONS 51
#define LUOBUGS_SIZE 8192
#define LUOBUGS_BIG_SIZE (16 << 20)
#define LUOBUGS_BIG_TOKEN 0x626967ULL /* "big" */
#define LUOBUGS_TOKEN 0x7365616cULL /* "seal" */
#define LUOBUGS_SEALS \
	(F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_FUTURE_WRITE | F_SEAL_SEAL)

/*
 * kovercommit: a second memfd, of LUOBUGS_BIG_SIZE, whose retrieve kernel B
 * makes fail midway (luo_bugs_midway()).
 */
static void luo_bugs_big_a(int sfd)
{
	struct liveupdate_session_preserve_fd pf = { .size = sizeof(pf) };
	static unsigned char buf[65536];
	int mfd = memfd_create("luobugs-big", 0);

	for (uint64_t off = 0; mfd >= 0 && off < LUOBUGS_BIG_SIZE;
	     off += sizeof(buf)) {
		for (unsigned i = 0; i < sizeof(buf); i++)
			buf[i] = memfd_byte(off + i);
		if (write(mfd, buf, sizeof(buf)) != sizeof(buf))
			mfd = -1;
	}
	pf.fd = mfd;
	pf.token = LUOBUGS_BIG_TOKEN;
	if (mfd < 0 || ioctl(sfd, LIVEUPDATE_SESSION_PRESERVE_FD, &pf)) {
		say("luobugs: cannot preserve the %d MiB memfd (errno %d)",
		    LUOBUGS_BIG_SIZE >> 20, errno);
		return;
	}
	say("luobugs: a %d MiB memfd preserved in luo-s00 too",
	    LUOBUGS_BIG_SIZE >> 20);
}

static void luo_bugs_a(int *keep)
{
	struct liveupdate_session_preserve_fd pf = { .size = sizeof(pf) };
	static unsigned char buf[LUOBUGS_SIZE];
	int luo, mfd, first = -1;
	long r;

	luo = luo_open("luobugs", 0);
	if (luo < 0)
		return;
	*keep = luo;
	for (int i = 0; i < LUOBUGS_SESSIONS; i++) {
		struct liveupdate_ioctl_create_session cs = { .size = sizeof(cs) };

		snprintf((char *)cs.name, sizeof(cs.name), "luo-s%02d", i);
		if (ioctl(luo, LIVEUPDATE_IOCTL_CREATE_SESSION, &cs)) {
			say("luobugs: CREATE_SESSION %s failed (errno %d)",
			    (char *)cs.name, errno);
			return;
		}
		if (!i)
			first = cs.fd;
	}
	say("luobugs: %d sessions luo-s00..luo-s%02d created",
	    LUOBUGS_SESSIONS, LUOBUGS_SESSIONS - 1);

	mfd = memfd_create("luobugs", MFD_ALLOW_SEALING);
	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = memfd_byte(i);
	if (mfd < 0 || write(mfd, buf, sizeof(buf)) != sizeof(buf)) {
		say("luobugs: cannot make the memfd");
		return;
	}
	pf.fd = mfd;
	pf.token = LUOBUGS_TOKEN;
	if (ioctl(first, LIVEUPDATE_SESSION_PRESERVE_FD, &pf)) {
		say("luobugs: PRESERVE_FD failed (errno %d)", errno);
		return;
	}
	say("luobugs: memfd preserved in luo-s00, seals 0x%lx",
	    seals_op(mfd, F_GET_SEALS, 0));
	r = seals_op(mfd, F_ADD_SEALS, F_SEAL_WRITE);
	say("luobugs: after PRESERVE_FD, F_ADD_SEALS(F_SEAL_WRITE) = %ld", r);
	r = seals_op(mfd, F_ADD_SEALS, LUOBUGS_SEALS);
	say("luobugs: after PRESERVE_FD, F_ADD_SEALS(SHRINK|GROW|FUTURE_WRITE|SEAL) = %ld, seals now 0x%lx",
	    r, seals_op(mfd, F_GET_SEALS, 0));
	if (getenv("kovercommit") || getenv("kbreak") || getenv("kfailslab"))
		luo_bugs_big_a(first);

	if (getenv("kdup") && atoi(getenv("kdup"))) {
		struct liveupdate_ioctl_create_session cs = { .size = sizeof(cs) };

		strcpy((char *)cs.name, "luo-s00");
		r = ioctl(luo, LIVEUPDATE_IOCTL_CREATE_SESSION, &cs);
		say("luobugs: CREATE_SESSION luo-s00 again: ret %ld errno %d (sessions still %d)",
		    r, r ? errno : 0, LUOBUGS_SESSIONS);
	}
}

/*
 * The big memfd's retrieve under strict overcommit with room for about
 * half of it (vm.overcommit_kbytes: what is committed now and half the
 * file), so that it fails midway, with folios already in the new file;
 * overcommit is set back after. shmem accounts each folio as it adds it,
 * and vm_committed_as moves in batches of 1024 pages on these 1 GiB
 * guests, so the failure comes between 2048 and 3072 of its 4096 pages
 * (the kernel says which: "failed to account folio index N"). @how gets
 * the overcommit_kbytes used; returns RETRIEVE_FD's errno, or 0.
 */
static int luo_bugs_big_strict(int sfd,
				struct liveupdate_session_retrieve_fd *rf,
				char how[48])
{
	unsigned long long room = meminfo_kb("Committed_AS:") +
				  LUOBUGS_BIG_SIZE / 2 / 1024;
	char kb[24];
	int e;

	rf->token = LUOBUGS_BIG_TOKEN;
	snprintf(kb, sizeof(kb), "%llu", room);
	snprintf(how, 48, "overcommit_kbytes=%s", kb);
	write_str("/proc/sys/vm/overcommit_kbytes", kb);
	write_str("/proc/sys/vm/overcommit_memory", "2");
	e = ioctl(sfd, LIVEUPDATE_SESSION_RETRIEVE_FD, rf) ? errno : 0;
	write_str("/proc/sys/vm/overcommit_memory", "0");
	write_str("/proc/sys/vm/overcommit_ratio", "50");
	return e;
}

/*
 * kfailslab=SPACE: the big memfd's retrieve with every slab allocation of
 * this task failing once SPACE bytes were allocated (debugfs failslab,
 * /proc/self/make-it-fail; reclaiming allocations too, which failslab
 * spares by default). Each folio goes into the page cache through
 * shmem_add_to_page_cache(), whose XArray nodes come from the slab: at a
 * SPACE that the file's setup does not use up, the retrieve fails there,
 * midway ("failed to add to page cache folio index N"), the path of
 * patches/0010 that strict overcommit does not reach. @how gets SPACE.
 */
static int luo_bugs_big_nomem(int sfd,
			      struct liveupdate_session_retrieve_fd *rf,
			      char how[48])
{
	const char *space = getenv("kfailslab");
	int e, mif;

	rf->token = LUOBUGS_BIG_TOKEN;
	snprintf(how, 48, "failslab space=%s", space);
	write_str("/debugfs/failslab/ignore-gfp-wait", "N");
	write_str("/debugfs/failslab/task-filter", "Y");
	write_str("/debugfs/failslab/probability", "100");
	write_str("/debugfs/failslab/interval", "1");
	write_str("/debugfs/failslab/space", space);
	write_str("/debugfs/failslab/times", "-1");
	/* Opened before: once armed, an open() fails too (its struct file). */
	mif = open("/proc/self/make-it-fail", O_WRONLY);
	if (mif < 0 || write(mif, "1", 1) != 1) {
		say("luobugs: cannot write /proc/self/make-it-fail");
		if (mif >= 0)
			close(mif);
		return -1;
	}
	e = ioctl(sfd, LIVEUPDATE_SESSION_RETRIEVE_FD, rf) ? errno : 0;
	if (write(mif, "0", 1) != 1)
		say("luobugs: cannot clear /proc/self/make-it-fail");
	close(mif);
	write_str("/debugfs/failslab/times", "0");
	return e;
}

/*
 * The big memfd's retrieve made to fail midway by @fail, then tried
 * again with nothing in the way.
 */
static void luo_bugs_midway(int sfd,
			    int (*fail)(int sfd,
					struct liveupdate_session_retrieve_fd *rf,
					char how[48]))
{
	struct liveupdate_session_retrieve_fd rf = { .size = sizeof(rf) };
	struct stat st;
	char how[48];
	int e1, e2;

	e1 = fail(sfd, &rf, how);
	e2 = ioctl(sfd, LIVEUPDATE_SESSION_RETRIEVE_FD, &rf) ? errno : 0;
	say("luobugs: %d MiB memfd: RETRIEVE_FD with %s: errno %d; again after setting it back: errno %d",
	    LUOBUGS_BIG_SIZE >> 20, how, e1, e2);
	if (e2)
		return;
	if (fstat(rf.fd, &st))
		st.st_blocks = -1;
	say("luobugs: retried %d MiB memfd: contents %s, %ld blocks",
	    LUOBUGS_BIG_SIZE >> 20,
	    memfd_intact(rf.fd, LUOBUGS_BIG_SIZE) ? "intact" : "differ",
	    (long)st.st_blocks);
}

/* Read (@out 0) or write @n bytes at physical address @pa by /dev/mem. */
static int phys_rw(uint64_t pa, void *buf, size_t n, int out)
{
	uint64_t page = (uint64_t)getpagesize(), base = pa & ~(page - 1);
	unsigned char *m;
	int fd;

	if (pa - base + n > page)
		return -1;
	fd = open("/dev/mem", out ? O_RDWR : O_RDONLY);
	if (fd < 0)
		return -1;
	m = mmap(NULL, page, out ? PROT_READ | PROT_WRITE : PROT_READ,
		 MAP_SHARED, fd, base);
	close(fd);
	if (m == MAP_FAILED)
		return -1;
	if (out)
		memcpy(m + (pa - base), buf, n);
	else
		memcpy(buf, m + (pa - base), n);
	munmap(m, page);
	return 0;
}

/*
 * ram_find(): the big memfd's struct memfd_luo_ser (include/linux/kho/abi/
 * memfd.h: pos, size, seals and flags, nr_folios, then the folio array's
 * kho_vmalloc: first chunk, total_pages...), which kho_alloc_preserve()
 * put at the start of a page: position and size 16 MiB, one folio a page,
 * an array of 16 bytes a folio. Kernel B cannot be asked where it is: LUO
 * frees struct luo_ser, which names the sessions, once it has read it.
 */
static int big_ser_page(const unsigned char *p, uint64_t len, uint64_t pa,
			void *arg)
{
	uint64_t page = (uint64_t)getpagesize(), ser[6];
	uint64_t nr = LUOBUGS_BIG_SIZE / page;

	memcpy(ser, p, sizeof(ser));
	return ser[0] == LUOBUGS_BIG_SIZE && ser[1] == LUOBUGS_BIG_SIZE &&
	       ser[3] == nr && (uint32_t)ser[5] == (nr * 16 + page - 1) / page;
}

/*
 * kbreak: the big memfd's folio array damaged in kernel B's memory before
 * its retrieve: entry LUOBUGS_BREAK_AT names entry 0's folio again. The
 * retrieve restores entry 0 first, which clears the page's KHO mark, so
 * the second restore of it fails (kho_restore_page(),
 * kernel/liveupdate/kexec_handover.c:529, with a WARN_ON_ONCE): the
 * preserved state is lost midway, for good, on 7.3.4 as with
 * patches/0010. Returns the entry's physical address, or 0.
 */
#define LUOBUGS_BREAK_AT 1000

static uint64_t luo_bugs_break_array(void)
{
	uint64_t page = (uint64_t)getpagesize(), ser[6], vpage, at, e0[2], e[2];
	uint64_t chunk, data = ram_find(big_ser_page, NULL);
	const uint64_t pfn_mask = (1ULL << 52) - 1;

	/* memfd_luo_ser: pos, size, seals|flags, nr_folios, kho_vmalloc */
	if (!data || phys_rw(data, ser, sizeof(ser), 0) ||
	    ser[3] <= LUOBUGS_BREAK_AT)
		return 0;
	chunk = ser[4];
	vpage = page << (ser[5] >> 48); /* the vmalloc area's page order */
	/* A chunk: next, then the areas' pages; entries of 16 bytes. */
	if (phys_rw(chunk + 8, &at, 8, 0) || phys_rw(at, e0, sizeof(e0), 0) ||
	    phys_rw(chunk + 8 + LUOBUGS_BREAK_AT * 16 / vpage * 8, &at, 8, 0))
		return 0;
	at += LUOBUGS_BREAK_AT * 16 % vpage;
	if (phys_rw(at, e, sizeof(e), 0))
		return 0;
	e[0] = (e[0] & ~pfn_mask) | (e0[0] & pfn_mask);
	return phys_rw(at, e, 8, 1) ? 0 : at;
}

static void luo_bugs_broken(int sfd)
{
	struct liveupdate_session_retrieve_fd rf = { .size = sizeof(rf) };
	struct liveupdate_session_finish fin = { .size = sizeof(fin) };
	unsigned long long before, after;
	uint64_t at = luo_bugs_break_array();
	int e1, e2, e3;

	say("luobugs: the 16 MiB memfd's folio entry %d at 0x%llx names folio 0 again",
	    LUOBUGS_BREAK_AT, (unsigned long long)at);
	if (!at) {
		verdict(0, "luobugs: the 16 MiB memfd's folio array damaged");
		return;
	}
	rf.token = LUOBUGS_BIG_TOKEN;
	before = free_kb_all();
	e1 = ioctl(sfd, LIVEUPDATE_SESSION_RETRIEVE_FD, &rf) ? errno : 0;
	after = free_kb_all();
	e2 = ioctl(sfd, LIVEUPDATE_SESSION_RETRIEVE_FD, &rf) ? errno : 0;
	e3 = ioctl(sfd, LIVEUPDATE_SESSION_FINISH, &fin) ? errno : 0;
	say("luobugs: damaged memfd: RETRIEVE_FD errno %d, free memory up %lld KiB; again: errno %d; then FINISH: errno %d",
	    e1, (long long)(after - before), e2, e3);
	verdict(e1 == EIO && e2 == EIO && !e3,
		"luobugs: damaged memfd refused twice, session finished");
}

static void luo_bugs_b(void)
{
	struct liveupdate_session_retrieve_fd rf = { .size = sizeof(rf) };
	int luo, sfd = -1, found = 0;
	ssize_t wr;
	long seals;

	/*
	 * debugfs kho/in/sub_fdts/LUO shows the blob at the address the
	 * handover gives, but luo_early_startup() frees that blob, struct
	 * luo_ser, once it has read it (kernel/liveupdate/luo_core.c:134):
	 * the file then reads a freed page, which the kernel may have given
	 * to someone else. Say what it holds now.
	 */
	{
		unsigned char head[8] = { 0 };
		char hex[17];

		read_file("/debugfs/kho/in/sub_fdts/LUO", head, sizeof(head));
		for (int i = 0; i < 8; i++)
			snprintf(hex + 2 * i, 3, "%02x", head[i]);
		say("luobugs: debugfs kho/in/sub_fdts/LUO starts %s (%s)", hex,
		    memcmp(head, "luo-v5\0", 7) ? "not struct luo_ser" :
						   "struct luo_ser's");
	}
	luo = luo_open("luobugs", 1);
	if (luo < 0)
		return;
	for (int i = 0; i < LUOBUGS_SESSIONS; i++) {
		struct liveupdate_ioctl_retrieve_session rs = { .size = sizeof(rs) };

		snprintf((char *)rs.name, sizeof(rs.name), "luo-s%02d", i);
		if (ioctl(luo, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, &rs))
			continue;
		found++;
		if (!i)
			sfd = rs.fd;
	}
	say("luobugs: %d of %d sessions handed over", found, LUOBUGS_SESSIONS);
	verdict(found == LUOBUGS_SESSIONS, "luobugs: every session back");
	if (sfd < 0)
		return;
	rf.token = LUOBUGS_TOKEN;
	if (getenv("kbreak")) {
		luo_bugs_broken(sfd);
		return;
	}
	if (getenv("kovercommit")) {
		/*
		 * 3. A retrieve that fails for a passing reason destroys the
		 *    file: memfd_luo_retrieve_folios() (mm/memfd_luo.c:473-515)
		 *    frees what it restored, memfd_luo_retrieve() frees the
		 *    memfd_luo_ser (:573-577), and luo_retrieve_file()
		 *    (kernel/liveupdate/luo_file.c:574-595) answers every later
		 *    RETRIEVE_FD with the stored error. Here the passing reason
		 *    is strict overcommit (shmem_inode_acct_blocks() ->
		 *    shmem_acct_blocks() for a VM_NORESERVE memfd).
		 *    kovercommit=1 tries again after setting overcommit back;
		 *    kovercommit=2 finishes the session instead, which must
		 *    free what the failed attempt kept (patches/0010).
		 */
		struct liveupdate_session_finish fin = { .size = sizeof(fin) };
		struct stat st;
		int e1, e2, intact;

		write_str("/proc/sys/vm/overcommit_ratio", "0");
		write_str("/proc/sys/vm/overcommit_memory", "2");
		e1 = ioctl(sfd, LIVEUPDATE_SESSION_RETRIEVE_FD, &rf) ? errno : 0;
		write_str("/proc/sys/vm/overcommit_memory", "0");
		write_str("/proc/sys/vm/overcommit_ratio", "50");
		if (atoi(getenv("kovercommit")) == 2) {
			/*
			 * The big memfd fails midway too. FINISH then frees
			 * what both attempts kept: the big one's 16 MiB (in
			 * the new file, the folio it could not add, the rest
			 * never restored) and the folio arrays.
			 */
			unsigned long long before, after;
			char how[48];
			int e3 = luo_bugs_big_strict(sfd, &rf, how);

			before = free_kb_all();
			e2 = ioctl(sfd, LIVEUPDATE_SESSION_FINISH, &fin) ? errno : 0;
			after = free_kb_all();
			say("luobugs: RETRIEVE_FD under vm.overcommit_memory=2: errno %d; the %d MiB memfd's: errno %d; then FINISH: errno %d, free memory up %lld KiB",
			    e1, LUOBUGS_BIG_SIZE >> 20, e3, e2,
			    (long long)(after - before));
			verdict(e1 == ENOSPC && e3 == ENOSPC && !e2,
				"luobugs: session finished after failed retrieves");
			return;
		}
		e2 = ioctl(sfd, LIVEUPDATE_SESSION_RETRIEVE_FD, &rf) ? errno : 0;
		say("luobugs: RETRIEVE_FD under vm.overcommit_memory=2: errno %d; again after setting it back to 0: errno %d",
		    e1, e2);
		verdict(!e2, "luobugs: memfd retrievable after a failed retrieve");
		if (e2) {
			luo_bugs_midway(sfd, luo_bugs_big_strict);
			return;
		}
		/* Blocks of 512 bytes, as accounted by shmem when each was added. */
		if (fstat(rf.fd, &st))
			st.st_blocks = -1;
		intact = memfd_intact(rf.fd, LUOBUGS_SIZE);
		say("luobugs: retried memfd: contents %s, seals 0x%lx, %ld blocks",
		    intact ? "intact" : "differ",
		    seals_op(rf.fd, F_GET_SEALS, 0), (long)st.st_blocks);
		verdict(intact, "luobugs: retried memfd intact");
		luo_bugs_midway(sfd, luo_bugs_big_strict);
		return;
	}
	if (getenv("kfailslab")) {
		luo_bugs_midway(sfd, luo_bugs_big_nomem);
		return;
	}
	if (ioctl(sfd, LIVEUPDATE_SESSION_RETRIEVE_FD, &rf)) {
		verdict(0, "luobugs: memfd not handed over");
		return;
	}
	seals = seals_op(rf.fd, F_GET_SEALS, 0);
	say("luobugs: memfd back, seals 0x%lx (kernel A had 0x%x)", seals,
	    LUOBUGS_SEALS);
	verdict(seals == LUOBUGS_SEALS,
		"luobugs: seals added after PRESERVE_FD kept");
	lseek(rf.fd, 0, SEEK_SET);
	wr = write(rf.fd, "x", 1);
	say("luobugs: write(2) on the retrieved memfd (F_SEAL_FUTURE_WRITE in A): %ld",
	    wr < 0 ? -(long)errno : (long)wr);
}

/*
 * kcase=luofind: more bugs of Linux 7.3.4's live update, found by reading
 * it and shown here from user space.
 *
 * 1. memfd_luo_can_preserve() (mm/memfd_luo.c:580-586) takes any unlinked
 *    shmem file, whatever its file description may do, and
 *    memfd_luo_retrieve() makes a new file with memfd_alloc_file()
 *    (:539), which is always O_RDWR. A memfd preserved through a
 *    read-only description (a reopen of /proc/self/fd/N with O_RDONLY,
 *    the writable descriptor closed) comes back writable in kernel B.
 *    (patches/0008 refuses such a description: PRESERVE_FD says ENOENT.)
 *
 * 2. luo_session_preserve_fd() (kernel/liveupdate/luo_session.c:263-279)
 *    preserves the file, then copies the reply to user space: when that
 *    copy fails the ioctl returns -EFAULT (:274-277) but the file stays
 *    preserved. kinit fills the argument on its own page and makes the
 *    page read-only: the kernel's copy in still works, the copy out does
 *    not. A retry of PRESERVE_FD then finds the token in use.
 *    (patches/0007 copies nothing back: the call returns 0.)
 *
 * 3. kernel_kexec() (kernel/kexec_core.c:1149-1152) freezes the sessions
 *    whatever loaded the image, but only kexec_file_load() adds the KHO
 *    handover (kernel/kexec_file.c:285): an image loaded with kexec_load()
 *    loses every session. The kernels of this case are built without
 *    CONFIG_KEXEC, so kinit only probes for kexec_load(); kcase=kexecload,
 *    on kernels built with it, shows the bug.
 *
 * Kernel B is told the errno each PRESERVE_FD of 1 and 2 gave in A, and
 * judges by it: a file whose PRESERVE_FD failed must not come back; one
 * whose PRESERVE_FD succeeded must, and as it was.
 */
#define LUOFIND_SESSION "luo-find"
#define LUOFIND_RO_TOKEN 0x726f6e6cULL /* "ronl" */
#define LUOFIND_EFAULT_TOKEN 0x65666c74ULL /* "eflt" */
#define LUOFIND_OTHER_TOKEN 0x6f746872ULL /* "othr" */
#define LUOFIND_SIZE 8192

/* A memfd of LUOFIND_SIZE bytes of memfd_byte()s, or -1. */
static int luo_find_memfd(const char *name)
{
	static unsigned char buf[LUOFIND_SIZE];
	int fd = memfd_create(name, 0);

	for (unsigned int i = 0; i < sizeof(buf); i++)
		buf[i] = memfd_byte(i);
	if (fd < 0 || write(fd, buf, sizeof(buf)) != sizeof(buf)) {
		say("luofind: cannot make the memfd %s", name);
		return -1;
	}
	return fd;
}

static long fcntl_getfl(int fd)
{
	long ret = syscall(__NR_fcntl, fd, F_GETFL, 0);

	return ret < 0 ? -errno : ret;
}

static const char *accmode_name(long flags)
{
	if (flags < 0)
		return "(F_GETFL failed)";
	switch (flags & O_ACCMODE) {
	case O_RDONLY:
		return "O_RDONLY";
	case O_WRONLY:
		return "O_WRONLY";
	case O_RDWR:
		return "O_RDWR";
	}
	return "(unknown)";
}

/*
 * The errno each of kernel A's two PRESERVE_FDs gave, 0 for none, -1 when
 * kinit did not get that far; kernel B is told them (kluofind=R,E).
 */
struct luo_find_errnos {
	int ro;		/* the memfd through an O_RDONLY description */
	int efault;	/* the memfd whose argument was on a read-only page */
};

static void luo_find_a(int *keep, struct luo_find_errnos *e)
{
	struct liveupdate_ioctl_create_session cs = { .size = sizeof(cs) };
	struct liveupdate_session_preserve_fd pf = { .size = sizeof(pf) };
	struct liveupdate_session_preserve_fd *ropf;
	char path[64];
	int luo, mfd, ro;
	ssize_t wr;
	long r;

	luo = luo_open("luofind", 0);
	if (luo < 0)
		return;
	*keep = luo;
	strcpy((char *)cs.name, LUOFIND_SESSION);
	if (ioctl(luo, LIVEUPDATE_IOCTL_CREATE_SESSION, &cs)) {
		say("luofind: CREATE_SESSION failed (errno %d)", errno);
		return;
	}

	/* 1: preserve a memfd through a read-only description only. */
	mfd = luo_find_memfd("luofind-ro");
	if (mfd < 0)
		return;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", mfd);
	ro = open(path, O_RDONLY);
	close(mfd);
	if (ro < 0) {
		say("luofind: cannot reopen the memfd O_RDONLY (errno %d)",
		    errno);
		return;
	}
	wr = write(ro, "x", 1);
	say("luofind: A: the memfd reopened read-only, writable descriptor closed: access mode %s, write(2) %ld",
	    accmode_name(fcntl_getfl(ro)), wr < 0 ? -(long)errno : (long)wr);
	pf.fd = ro;
	pf.token = LUOFIND_RO_TOKEN;
	r = ioctl(cs.fd, LIVEUPDATE_SESSION_PRESERVE_FD, &pf);
	e->ro = r ? errno : 0;
	say("luofind: A: PRESERVE_FD of the O_RDONLY descriptor: ret %ld errno %d",
	    r, e->ro);

	/* 2: the reply cannot be copied out; the file is preserved anyway. */
	mfd = luo_find_memfd("luofind-efault");
	ropf = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mfd < 0 || ropf == MAP_FAILED) {
		say("luofind: cannot make the memfd or map a page");
		return;
	}
	ropf->size = sizeof(*ropf);
	ropf->fd = mfd;
	ropf->token = LUOFIND_EFAULT_TOKEN;
	if (syscall(__NR_mprotect, ropf, 4096, PROT_READ)) {
		say("luofind: mprotect(PROT_READ) failed (errno %d)", errno);
		return;
	}
	r = ioctl(cs.fd, LIVEUPDATE_SESSION_PRESERVE_FD, ropf);
	e->efault = r ? errno : 0;
	say("luofind: A: PRESERVE_FD with its argument on a read-only page: ret %ld errno %d",
	    r, e->efault);
	pf.fd = mfd;
	pf.token = LUOFIND_EFAULT_TOKEN;
	r = ioctl(cs.fd, LIVEUPDATE_SESSION_PRESERVE_FD, &pf);
	say("luofind: A: retry, same fd and token, writable argument: ret %ld errno %d",
	    r, r ? errno : 0);
	pf.token = LUOFIND_OTHER_TOKEN;
	r = ioctl(cs.fd, LIVEUPDATE_SESSION_PRESERVE_FD, &pf);
	say("luofind: A: retry, same fd, another token: ret %ld errno %d",
	    r, r ? errno : 0);

	/*
	 * 3: is kexec_load() there? With CONFIG_KEXEC, no segments and no
	 * flags unloads the (not yet loaded) image: harmless here.
	 */
	r = syscall(__NR_kexec_load, 0, 0, NULL, 0);
	say("luofind: A: kexec_load() probe: ret %ld errno %d%s", r,
	    r ? errno : 0,
	    r && errno == ENOSYS ? " (no CONFIG_KEXEC: case kexec-load shows bug 3)" :
				   "");
}

/* Retrieve @token from session @sfd: its fd, or -errno. */
static int luo_find_retrieve(int sfd, unsigned long long token)
{
	struct liveupdate_session_retrieve_fd rf = { .size = sizeof(rf) };

	rf.token = token;
	if (ioctl(sfd, LIVEUPDATE_SESSION_RETRIEVE_FD, &rf))
		return -errno;
	return rf.fd;
}

/* @e: what kernel A's PRESERVE_FDs gave. */
static void luo_find_b(const struct luo_find_errnos *e)
{
	struct liveupdate_ioctl_retrieve_session rs = { .size = sizeof(rs) };
	int luo, fd;
	ssize_t wr;
	long fl;

	luo = luo_open("luofind", 1);
	if (luo < 0)
		return;
	strcpy((char *)rs.name, LUOFIND_SESSION);
	if (ioctl(luo, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, &rs)) {
		say("luofind: B: no session %s (errno %d)", LUOFIND_SESSION,
		    errno);
		verdict(0, "luofind: session handed over");
		return;
	}

	fd = luo_find_retrieve(rs.fd, LUOFIND_RO_TOKEN);
	if (fd < 0) {
		say("luofind: B: RETRIEVE_FD of the memfd preserved O_RDONLY (errno %d in A): errno %d",
		    e->ro, -fd);
		verdict(e->ro, e->ro ? "luofind: memfd refused O_RDONLY not handed over" :
				       "luofind: O_RDONLY memfd handed over");
	} else if (e->ro) {
		say("luofind: B: the memfd refused O_RDONLY (errno %d in A) is back",
		    e->ro);
		verdict(0, "luofind: memfd refused O_RDONLY not handed over");
		close(fd);
	} else {
		fl = fcntl_getfl(fd);
		lseek(fd, 0, SEEK_SET);
		/* The contents first: the write below changes a byte. */
		say("luofind: B: the memfd preserved O_RDONLY: contents %s",
		    memfd_intact(fd, LUOFIND_SIZE) ? "intact" : "differ");
		lseek(fd, 0, SEEK_SET);
		wr = write(fd, "x", 1);
		say("luofind: B: the memfd preserved O_RDONLY: access mode %s, write(2) %ld",
		    accmode_name(fl), wr < 0 ? -(long)errno : (long)wr);
		verdict(fl >= 0 && (fl & O_ACCMODE) == O_RDONLY,
			"luofind: O_RDONLY memfd comes back O_RDONLY");
		verdict(wr < 0, "luofind: O_RDONLY memfd refuses write(2)");
		close(fd);
	}

	fd = luo_find_retrieve(rs.fd, LUOFIND_EFAULT_TOKEN);
	if (fd < 0) {
		say("luofind: B: RETRIEVE_FD of the memfd preserved through a read-only argument (errno %d in A): errno %d",
		    e->efault, -fd);
	} else {
		say("luofind: B: the memfd preserved through a read-only argument (errno %d in A) is back: contents %s",
		    e->efault, memfd_intact(fd, LUOFIND_SIZE) ? "intact" : "differ");
		close(fd);
	}
	if (e->efault)
		verdict(fd < 0,
			"luofind: memfd whose PRESERVE_FD failed not handed over");
	else
		verdict(fd >= 0,
			"luofind: memfd whose PRESERVE_FD succeeded handed over");
	fd = luo_find_retrieve(rs.fd, LUOFIND_OTHER_TOKEN);
	say("luofind: B: RETRIEVE_FD of the second retry's token: %s %d",
	    fd < 0 ? "errno" : "fd", fd < 0 ? -fd : fd);
}

/*
 * kcase=rmadd: a reserve_mem region added across a kexec. Where this
 * kernel put each reserve_mem= region of its command line: a region
 * revived from KHO ("Revived memory reservation 'NAME' from KHO" in the
 * kernel's log) is where the incoming memblock subtree says; any other was
 * allocated by memblock, and with memblock=debug the log names each try,
 * in command-line order: "memblock_phys_alloc_range: SIZE bytes ...
 * reserve_mem+..." (7.3.4: while the parameters are parsed) or, with
 * patches/0009, once KHO has reserved what it keeps, one a memory region
 * until one has room, "... reserve_mem_alloc_outside_scratch+..." or "...
 * memblock_free_all+..." where the compiler inlines the patch's helpers;
 * a try that succeeds is followed by the range taken, "__memblock_reserve:
 * [START-END] ...". Each region takes the first allocation of its size
 * not taken by a region before it; one that failed has none.
 */
struct rm_where {
	char name[32];
	uint64_t start, size;
	int revived, in_scratch;
};

#define RM_ALLOCS 8
#define RM_REVIVED "Revived memory reservation '"

/* What the kernel's log says about its reserve_mem regions. */
struct rm_log {
	char revived[256]; /* "'NAME1' 'NAME2' " */
	uint64_t size[RM_ALLOCS], start[RM_ALLOCS], end[RM_ALLOCS];
	int nalloc;
};

/*
 * What of the kernel's log kinit says again ("kinit: kmsg: ..."): the
 * messages of a failed preservation, which come at late_initcall. The
 * serial console may not show them: on arm64 the thousands of lines of
 * memblock=debug keep its printing behind, and the kexec comes first.
 */
static const char *const rm_echo[] = {
	"WARNING: ", "failed to prepare memblock FDT", "reserve_mem: ",
};
#define RM_ECHO (sizeof(rm_echo) / sizeof(rm_echo[0]))

/*
 * Read the kernel's log (/dev/kmsg), one record a read, into @log, and say
 * again each record rm_echo[] names.
 */
static void rm_read_log(struct rm_log *log)
{
	static char rec[2048];
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	uint64_t trying = 0; /* the size of the last try, 0 for none */

	memset(log, 0, sizeof(*log));
	if (fd < 0) {
		say("rmadd: cannot open /dev/kmsg");
		return;
	}
	for (;;) {
		ssize_t n = read(fd, rec, sizeof(rec) - 1);
		char *msg, *p;

		if (n < 0 && errno == EPIPE)
			continue; /* records lost: go on with the next */
		if (n <= 0)
			break;
		rec[n] = 0;
		msg = strchr(rec, ';');
		if (!msg)
			continue;
		msg++;
		p = strchr(msg, '\n');
		if (p)
			*p = 0;
		for (size_t i = 0; i < RM_ECHO; i++)
			if (strstr(msg, rm_echo[i])) {
				say("kmsg: %s", msg);
				break;
			}
		p = strstr(msg, RM_REVIVED);
		if (p) {
			char *q;

			p += strlen(RM_REVIVED) - 1;
			q = strchr(p + 1, '\'');
			if (q)
				q[1] = 0;
			strlcat(log->revived, p, sizeof(log->revived));
			strlcat(log->revived, " ", sizeof(log->revived));
		} else if (!strncmp(msg, "memblock_phys_alloc_range: ", 27) &&
			   (strstr(msg, " reserve_mem") ||
			    strstr(msg, " memblock_free_all+"))) {
			trying = strtoull(msg + 27, NULL, 10);
		} else if (trying && log->nalloc < RM_ALLOCS &&
			   !strncmp(msg, "__memblock_reserve: [", 21)) {
			log->size[log->nalloc] = trying;
			log->start[log->nalloc] = strtoull(msg + 21, &p, 16);
			log->end[log->nalloc++] = strtoull(p + 1, NULL, 16);
			trying = 0;
		} else if (trying) {
			trying = 0; /* that try failed */
		}
	}
	close(fd);
}

/* The size of a reserve_mem=SIZE:ALIGN:NAME value, as memparse() reads it. */
static uint64_t rm_size(const char *value)
{
	char *end;
	uint64_t size = strtoull(value, &end, 0);

	switch (*end) {
	case 'G': case 'g':
		size <<= 10;
		/* fall through */
	case 'M': case 'm':
		size <<= 10;
		/* fall through */
	case 'K': case 'k':
		size <<= 10;
	}
	return size;
}

static int rm_locate(struct rm_where *w, int max)
{
	static char cmdline[CMDLINE_MAX];
	static struct rm_log log;
	struct region in[MAX_REGIONS];
	int n = 0, nin, taken[RM_ALLOCS] = { 0 };
	char *word, *next;
	long len;

	rm_read_log(&log);
	nin = find_regions("in", in);
	len = read_file("/proc/cmdline", cmdline, sizeof(cmdline) - 1);
	if (len <= 0)
		return 0;
	cmdline[len] = 0;
	for (word = cmdline; *word && n < max; word = next) {
		char *name, key[40];

		for (next = word; *next && *next != ' ' && *next != '\n';)
			next++;
		if (*next)
			*next++ = 0;
		if (strncmp(word, "reserve_mem=", 12))
			continue;
		name = strrchr(word, ':');
		if (!name)
			continue;
		memset(&w[n], 0, sizeof(w[n]));
		strncpy(w[n].name, name + 1, sizeof(w[n].name) - 1);
		snprintf(key, sizeof(key), "'%s'", w[n].name);
		if (strstr(log.revived, key)) {
			w[n].revived = 1;
			for (int i = 0; i < nin; i++) {
				if (strcmp(in[i].name, w[n].name))
					continue;
				w[n].start = in[i].start;
				w[n].size = in[i].size;
			}
			n++;
			continue;
		}
		for (int i = 0; i < log.nalloc; i++) {
			if (taken[i] || log.size[i] != rm_size(word + 12))
				continue;
			w[n].start = log.start[i];
			w[n].size = log.end[i] - log.start[i] + 1;
			taken[i] = 1;
			break;
		}
		n++;
	}
	return n;
}

/* Read debugfs kho/out/@file: one number ("0x...") a line. */
static int rm_scratch(const char *file, uint64_t *v, int max)
{
	static char text[1024];
	char path[64], *line, *next;
	long len;
	int n = 0;

	snprintf(path, sizeof(path), "/debugfs/kho/out/%s", file);
	len = read_file(path, text, sizeof(text) - 1);
	if (len <= 0)
		return 0;
	text[len] = 0;
	for (line = text; *line && n < max; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		else
			next = line + strlen(line);
		if (!strncmp(line, "0x", 2))
			v[n++] = strtoull(line + 2, NULL, 16);
	}
	return n;
}

/*
 * Say where each region lies against this kernel's scratch areas and
 * whether it holds kernel A's pattern; returns the count and fills @w.
 */
static int rm_report(const char *stage, struct rm_where *w, int max)
{
	uint64_t phys[8], len[8];
	int nscratch, n;

	nscratch = rm_scratch("scratch_phys", phys, 8);
	if (rm_scratch("scratch_len", len, 8) != nscratch)
		nscratch = 0;
	for (int i = 0; i < nscratch; i++) {
		if (!len[i]) {
			say("rmadd: %s: scratch area %d at 0x%llx, empty", stage,
			    i, (unsigned long long)phys[i]);
			continue;
		}
		say("rmadd: %s: scratch area %d [0x%llx-0x%llx]", stage, i,
		    (unsigned long long)phys[i],
		    (unsigned long long)(phys[i] + len[i] - 1));
	}
	n = rm_locate(w, max);
	for (int i = 0; i < n; i++) {
		uint64_t s = w[i].start, e = s + w[i].size - 1, h;
		char where[96] = "outside every scratch area";
		struct region r = { .start = s, .size = w[i].size };
		const char *pattern = "unreadable";
		long bad;

		if (!w[i].size) {
			say("rmadd: %s: region %s: neither revived nor allocated",
			    stage, w[i].name);
			continue;
		}
		for (int k = 0; k < nscratch; k++) {
			if (s >= phys[k] + len[k] || e < phys[k])
				continue;
			snprintf(where, sizeof(where), "inside scratch area %d",
				 k);
			w[i].in_scratch = 1;
		}
		strcpy(r.name, w[i].name);
		bad = region_access(&r, 0, &h);
		if (bad >= 0)
			pattern = bad ? "no" : "yes";
		say("rmadd: %s: region %s [0x%llx-0x%llx] %s, %s, kinit_pattern=%s",
		    stage, w[i].name, (unsigned long long)s,
		    (unsigned long long)e,
		    w[i].revived ? "revived from KHO" : "allocated at boot",
		    where, pattern);
	}
	return n;
}

/*
 * The next kernel's command line: this one's without its kstage= word,
 * then @extra (static storage), or NULL.
 */
static char *next_cmdline(const char *extra)
{
	static char cmdline[CMDLINE_MAX];
	long n;

	n = read_file("/proc/cmdline", cmdline, sizeof(cmdline) - 256);
	if (n <= 0)
		return NULL;
	if (cmdline[n - 1] == '\n')
		n--;
	cmdline[n] = 0;
	/* The caller's extra words name the next stage: drop this one's. */
	for (char *w = strstr(cmdline, "kstage="); w;
	     w = strstr(cmdline, "kstage=")) {
		char *e = w;

		while (*e && *e != ' ')
			e++;
		while (*e == ' ')
			e++;
		memmove(w, e, strlen(e) + 1);
	}
	n = strlen(cmdline);
	cmdline[n++] = ' ';
	strcpy(cmdline + n, extra);
	return cmdline;
}

static int do_kexec(const char *kernel, const char *initrd, const char *extra)
{
	char *cmdline = next_cmdline(extra);
	unsigned long flags = 0;
	int kfd, ifd = -1;
	unsigned long len;
	long ret;

	if (!cmdline)
		return -1;
	kfd = open(kernel, O_RDONLY);
	if (kfd < 0) {
		say("cannot open %s", kernel);
		return -1;
	}
	if (initrd) {
		ifd = open(initrd, O_RDONLY);
		if (ifd < 0) {
			say("cannot open %s", initrd);
			return -1;
		}
	} else {
		flags |= KEXEC_FILE_NO_INITRAMFS;
	}
	/*
	 * nolibc's syscall() loads registers in its argument expressions: no
	 * function call may appear among them (it would clobber the number).
	 */
	len = strlen(cmdline) + 1;
	ret = syscall(__NR_kexec_file_load, kfd, ifd, len, cmdline, flags);
	if (ret) {
		say("kexec_file_load %s failed (errno %d)", kernel, errno);
		return -1;
	}
	say("kexec %s, cmdline: %s", kernel, cmdline);
	return 0;
}

/* Append @path's contents to @out; returns them (malloc()ed) or NULL. */
static char *rm_copy(int out, const char *path, off_t *size)
{
	int fd = open(path, O_RDONLY);
	char *data;

	if (fd < 0)
		return NULL;
	*size = lseek(fd, 0, SEEK_END);
	close(fd);
	data = *size > 0 ? malloc(*size) : NULL;
	if (!data || read_file(path, data, *size) != *size) {
		free(data);
		return NULL;
	}
	if (out >= 0)
		write(out, data, *size);
	return data;
}

/* One newc cpio member (a regular file, or the trailer if @data is NULL). */
static void rm_cpio_member(int out, const char *name, const char *data,
			   off_t size)
{
	static const char zeros[4];
	size_t nlen = strlen(name) + 1;
	char hdr[112];

	snprintf(hdr, sizeof(hdr),
		 "070701%08x%08x%08x%08x%08x%08x%08lx%08x%08x%08x%08x%08lx%08x",
		 0, data ? 0100644 : 0, 0, 0, 1, 0, (unsigned long)size, 0, 0,
		 0, 0, (unsigned long)nlen, 0);
	write(out, hdr, 110);
	write(out, name, nlen);
	write(out, zeros, (4 - (110 + nlen) % 4) % 4);
	if (data) {
		write(out, data, size);
		write(out, zeros, (4 - size % 4) % 4);
	}
}

/*
 * Kernel B's initrd for kcase=rmadd, which needs /kernel and
 * /initrd-b.cpio to go on to kernel C: /initrd-b.cpio followed by a second
 * archive holding those two (Linux unpacks concatenated archives).
 */
static const char *rm_initrd(void)
{
	static const char *const files[] = { "kernel", "initrd-b.cpio" };
	const char *path = "/initrd-bc.cpio";
	int out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	off_t size;
	char *data;

	if (out < 0)
		return NULL;
	free(rm_copy(out, "/initrd-b.cpio", &size));
	for (int i = 0; i < 2; i++) {
		char src[32];

		snprintf(src, sizeof(src), "/%s", files[i]);
		data = rm_copy(-1, src, &size);
		if (!data) {
			close(out);
			return NULL;
		}
		rm_cpio_member(out, files[i], data, size);
		free(data);
	}
	rm_cpio_member(out, "TRAILER!!!", NULL, 0);
	close(out);
	return path;
}

/*
 * kcase=rmadd, kernel B: where its regions lie against its scratch areas
 * (stage_b() said which subtrees it hands on), then kexec into kernel C,
 * telling it which regions should come back with the pattern: those
 * kernel B revived (kernel A filled them) and those it allocated outside
 * every scratch area (the patched kernel, patches/0009), which it fills
 * here. A region in scratch cannot be preserved and is not filled.
 */
static void rm_b(void)
{
	struct rm_where w[MAX_REGIONS];
	char extra[160] = "kstage=c krm_kept=";
	int n = rm_report("B", w, MAX_REGIONS), first = 1;
	uint64_t h;

	for (int i = 0; i < n; i++) {
		struct region r = { .start = w[i].start, .size = w[i].size };

		if (!w[i].size || w[i].in_scratch ||
		    strlen(extra) + strlen(w[i].name) + 2 > sizeof(extra))
			continue;
		if (!w[i].revived) {
			strcpy(r.name, w[i].name);
			if (region_access(&r, 1, &h) < 0)
				continue;
			say("rmadd: B: region %s filled with the pattern",
			    w[i].name);
		}
		if (!first)
			strlcat(extra, ",", sizeof(extra));
		strlcat(extra, w[i].name, sizeof(extra));
		first = 0;
	}
	if (do_kexec("/kernel", "/initrd-b.cpio", extra))
		return;
	say("rebooting into /kernel");
	reboot(RB_KEXEC);
	say("reboot(RB_KEXEC) returned");
}

/*
 * kcase=kexecload: an image loaded with kexec_load() while a session is
 * held. kernel_kexec() serializes the sessions whatever loaded the image
 * (kernel/kexec_core.c:1149-1152), but only kexec_file_load() gives an
 * image KHO's handover (kho_fill_kimage(), kernel/kexec_file.c:285), so
 * 7.3.4's kernel B boots with no session and kernel A said nothing.
 * (patches/0011 refuses that reboot with EOPNOTSUPP while a session is
 * held, before anything is frozen.)
 *
 * Kernel A preserves an 8 KiB memfd in session "kexec-load", loads
 * /kernel with kexec-tools' kexec_load() (/bin/kexec --kexec-syscall,
 * which case kexec-load puts in the initrd with its libraries) and
 * reboots. If the reboot returns, the memfd must be intact and the
 * session must still take a file (a second memfd); then /kernel is
 * loaded with kexec_file_load() and the reboot tried again. Kernel B
 * (kkexecload=load or =file: which image it is) must get back every
 * memfd kernel A preserved, intact. With knosession=1 kernel A holds no
 * session, and the kexec_load() image must boot (kkexecload=none).
 */
#define KEXECLOAD_SESSION "kexec-load"
#define KEXECLOAD_TOKEN 0x6b6c6f61ULL /* "kloa" */
#define KEXECLOAD_AFTER_TOKEN 0x6b616674ULL /* "kaft" */

/* A new memfd preserved as @token in session @sfd: its fd, or -1. */
static int kexec_load_preserve(int sfd, unsigned long long token,
			       const char *name)
{
	struct liveupdate_session_preserve_fd pf = { .size = sizeof(pf) };
	int mfd = luo_find_memfd(name);
	long r;

	if (mfd < 0)
		return -1;
	pf.fd = mfd;
	pf.token = token;
	r = ioctl(sfd, LIVEUPDATE_SESSION_PRESERVE_FD, &pf);
	say("kexecload: A: PRESERVE_FD of %s: ret %ld errno %d", name, r,
	    r ? errno : 0);
	return r ? -1 : mfd;
}

/*
 * Kernel A: 0 once /kernel is loaded by kexec_file_load() after a refused
 * reboot, -1 when kinit is to stop here. On 7.3.4 the reboot does not
 * return. The descriptors stay open: they hold the session. Without
 * @session (knosession=1) no session is made: the kexec_load() image must
 * boot, on either kernel.
 */
static int kexec_load_a(int session)
{
	struct liveupdate_ioctl_create_session cs = { .size = sizeof(cs) };
	static char append[CMDLINE_MAX + 16];
	char *argv[] = { "/bin/kexec", "--load", "--kexec-syscall", "/kernel",
			 "--initrd=/initrd-b.cpio", append, NULL };
	char *cmdline = next_cmdline(session ? "kstage=b kkexecload=load" :
					       "kstage=b kkexecload=none");
	int luo, mfd = -1, rc;
	long r;

	if (!cmdline)
		return -1;
	if (session) {
		luo = luo_open("kexecload", 0);
		if (luo < 0)
			return -1;
		strcpy((char *)cs.name, KEXECLOAD_SESSION);
		if (ioctl(luo, LIVEUPDATE_IOCTL_CREATE_SESSION, &cs)) {
			say("kexecload: CREATE_SESSION failed (errno %d)",
			    errno);
			return -1;
		}
		mfd = kexec_load_preserve(cs.fd, KEXECLOAD_TOKEN,
					  "kexecload-before");
		if (mfd < 0)
			return -1;
	}
	/* kexec-tools reads /sys/firmware/memmap and boot_params there. */
	mkdir("/sys", 0755);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	snprintf(append, sizeof(append), "--command-line=%s", cmdline);
	rc = run_prog(argv, NULL);
	say("kexecload: A: kexec --load --kexec-syscall /kernel: exit %d", rc);
	if (rc) {
		verdict(0, "kexecload: kexec-tools loads /kernel with kexec_load()");
		return -1;
	}
	r = reboot(RB_KEXEC);
	say("kexecload: A: reboot(RB_KEXEC) of the kexec_load() image: ret %ld errno %d",
	    r, r ? errno : 0);
	if (!session) {
		verdict(0, "kexecload: a kexec_load() image boots when no session is held");
		return -1;
	}
	verdict(memfd_intact(mfd, LUOFIND_SIZE),
		"kexecload: the memfd intact after the refused kexec");
	verdict(kexec_load_preserve(cs.fd, KEXECLOAD_AFTER_TOKEN,
				    "kexecload-after") >= 0,
		"kexecload: the session takes a file after the refused kexec");
	return do_kexec("/kernel", "/initrd-b.cpio",
			"kstage=b kkexecload=file");
}

/*
 * Kernel B, booted from the image kernel A loaded @how: "load" or "file",
 * or "none" (kexec_load(), no session held).
 */
static void kexec_load_b(const char *how)
{
	struct liveupdate_ioctl_retrieve_session rs = { .size = sizeof(rs) };
	static const struct {
		unsigned long long token;
		const char *name;
	} files[] = { { KEXECLOAD_TOKEN, "kexecload-before" },
		      { KEXECLOAD_AFTER_TOKEN, "kexecload-after" } };
	const char *image = strcmp(how, "load") ? "kexec_file_load()" :
						  "kexec_load()";
	char what[96];
	int luo, fd, intact;

	if (!strcmp(how, "none")) {
		verdict(1, "kexecload: a kexec_load() image boots when no session is held");
		return;
	}
	luo = luo_open("kexecload", 1);
	if (luo < 0)
		return;
	strcpy((char *)rs.name, KEXECLOAD_SESSION);
	if (ioctl(luo, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, &rs)) {
		say("kexecload: B, booted from the %s image: no session %s (errno %d)",
		    image, KEXECLOAD_SESSION, errno);
		verdict(0, "kexecload: session handed over");
		return;
	}
	/* The second memfd exists only once a kexec has been refused. */
	for (unsigned int i = 0; i < (strcmp(how, "load") ? 2 : 1); i++) {
		fd = luo_find_retrieve(rs.fd, files[i].token);
		intact = fd >= 0 && memfd_intact(fd, LUOFIND_SIZE);
		say("kexecload: B, booted from the %s image: %s %s", image,
		    files[i].name,
		    fd < 0 ? "not retrieved" : intact ? "intact" : "differs");
		snprintf(what, sizeof(what),
			 "kexecload: %s handed over intact", files[i].name);
		verdict(intact, what);
	}
}

/*
 * kcase=luoself: Linux's own live update selftests
 * (tools/testing/selftests/liveupdate, built static into /st by
 * tests/kernel/case-luo-selftests.sh). Kernel A runs liveupdate, which
 * needs no kexec, and stage 1 of each kexec test: a child of it keeps its
 * sessions open across the kexec, as with the selftests' own do_kexec.sh.
 * Kernel B (kluoself=1) runs stage 2 of each, which retrieves, checks and
 * finishes them. Each verdict is the program's exit status (kselftest: 0
 * pass, 4 skip, anything else a failure); its TAP lines go to the console.
 */
static const char *const luo_self_kexec[] = {
	"luo_kexec_simple", "luo_multi_session", "luo_stress_sessions",
	"luo_stress_files",
};

static void luo_self(int stage)
{
	char path[64], what[96];
	char *argv[] = { path, "-s", stage == 1 ? "1" : "2", NULL };
	unsigned i;
	int rc;

	if (stage == 1) {
		strcpy(path, "/st/liveupdate");
		argv[1] = NULL;
		rc = run_prog(argv, NULL);
		say("luoself: liveupdate exit %d", rc);
		verdict(!rc, "luoself: liveupdate");
		argv[1] = "-s";
	}
	for (i = 0; i < sizeof(luo_self_kexec) / sizeof(*luo_self_kexec); i++) {
		snprintf(path, sizeof(path), "/st/%s", luo_self_kexec[i]);
		rc = run_prog(argv, NULL);
		say("luoself: %s stage %d exit %d", luo_self_kexec[i], stage,
		    rc);
		snprintf(what, sizeof(what), "luoself: %s stage %d",
			 luo_self_kexec[i], stage);
		verdict(!rc, what);
	}
}

static void stage_a(const char *kcase)
{
	int luo = -1, session = -1, mfd = -1;
	struct region r[MAX_REGIONS];
	const char *next = "/kernel";
	const char *initrd = "/initrd-b.cpio";
	int n;

	say("stage A, case %s", kcase);
	if (!strcmp(kcase, "capture") || !strcmp(kcase, "live") ||
	    !strcmp(kcase, "rmadd")) {
		n = find_regions("out", r);
		for (int i = 0; i < n; i++) {
			uint64_t h;
			long bad = region_access(&r[i], 1, &h);

			say("reserve_mem %s start=0x%llx size=0x%llx fnv=%016llx%s",
			    r[i].name, (unsigned long long)r[i].start,
			    (unsigned long long)r[i].size,
			    (unsigned long long)h, bad ? " (fill failed)" : "");
		}
	}
	if (!strcmp(kcase, "capture") || !strcmp(kcase, "live")) {
		if (strcmp(kcase, "live") &&
		    memfd_preserve(&luo, &session, &mfd))
			failures++;
		print_text_file("iomem", "/proc/iomem");
		next = getenv("knext") ? getenv("knext") : "/stub";
		if (strcmp(next, "/kernel"))
			initrd = NULL;
	}
	if (!strcmp(kcase, "scatter") &&
	    scatter_preserve(getenv("kscatter") ?
				     strtol(getenv("kscatter"), NULL, 0) :
				     1000,
			     &luo, &session, &mfd)) {
		failures++;
		return;
	}
	if (!strcmp(kcase, "luobugs")) {
		luo_bugs_a(&luo);
		if (do_kexec(next, initrd, "kstage=b kluobugs=1"))
			return;
	} else if (!strcmp(kcase, "luoself")) {
		luo_self(1);
		if (do_kexec(next, initrd, "kstage=b kluoself=1"))
			return;
	} else if (!strcmp(kcase, "luofind")) {
		struct luo_find_errnos e = { -1, -1 };
		char extra[64];

		luo_find_a(&luo, &e);
		snprintf(extra, sizeof(extra), "kstage=b kluofind=%d,%d", e.ro,
			 e.efault);
		if (do_kexec(next, initrd, extra))
			return;
	} else if (!strcmp(kcase, "kexecload")) {
		if (kexec_load_a(!getenv("knosession")))
			return;
	} else if (!strcmp(kcase, "rmadd")) {
		const char *add = getenv("krm_add") ? getenv("krm_add") :
						     "1M:4K:r2";
		char extra[256] = "kstage=b krmadd=1 memblock=debug";

		/*
		 * memblock=debug before the new regions (krm_add=V1,V2...:
		 * reserve_mem=V1 reserve_mem=V2 ...), so that kernel B's log
		 * names the range memblock gives each (rm_locate()).
		 */
		for (const char *v = add; *v;) {
			const char *e = strchr(v, ',');
			size_t len = e ? (size_t)(e - v) : strlen(v);

			snprintf(extra + strlen(extra),
				 sizeof(extra) - strlen(extra),
				 " reserve_mem=%.*s", (int)len, v);
			v += len + (v[len] == ',');
		}
		initrd = rm_initrd();
		if (!initrd) {
			say("rmadd: cannot write kernel B's initrd");
			return;
		}
		if (do_kexec(next, initrd, extra))
			return;
	} else if (do_kexec(next, initrd, "kstage=b"))
		return;
	if (!strcmp(kcase, "capture") || !strcmp(kcase, "live"))
		print_kho_out();
	if (!strcmp(kcase, "live"))
		live_inspect();
	say("rebooting into %s", next);
	reboot(RB_KEXEC);
	say("reboot(RB_KEXEC) returned");
}

static void check_memfd(void)
{
	struct liveupdate_ioctl_retrieve_session rs = { .size = sizeof(rs) };
	struct liveupdate_session_retrieve_fd rf = { .size = sizeof(rf) };
	struct liveupdate_session_finish fin = { .size = sizeof(fin) };
	static unsigned char buf[65536];
	uint64_t h = FNV_INIT, off = 0, bad = 0;
	const char *name =
		getenv("ksession") ? getenv("ksession") : SESSION_NAME;
	unsigned long long token = MEMFD_TOKEN;
	int luo;
	ssize_t n;

	if (getenv("ktoken"))
		token = strtoull(getenv("ktoken"), NULL, 0);

	luo = luo_open("memfd", 1);
	if (luo < 0)
		return;
	strncpy((char *)rs.name, name, sizeof(rs.name) - 1);
	if (ioctl(luo, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, &rs)) {
		say("memfd: no session %s (errno %d)", name, errno);
		verdict(0, "memfd: session not handed over");
		return;
	}
	rf.token = token;
	if (ioctl(rs.fd, LIVEUPDATE_SESSION_RETRIEVE_FD, &rf)) {
		say("memfd: token 0x%llx not in session (errno %d)", token,
		    errno);
		verdict(0, "memfd: file not handed over");
		return;
	}
	lseek(rf.fd, 0, SEEK_SET);
	while ((n = read(rf.fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++)
			bad += buf[i] != memfd_byte(off + i);
		h = fnv_add(h, buf, n);
		off += n;
	}
	say("memfd session=%s token=0x%llx size=%llu fnv=%016llx", name, token,
	    (unsigned long long)off, (unsigned long long)h);
	if (getenv("kmemfd_fnv"))
		verdict(strtoull(getenv("kmemfd_fnv"), NULL, 16) == h,
			"memfd: contents hash as expected");
	else
		verdict(off == MEMFD_SIZE && !bad, "memfd: contents intact");
	if (ioctl(rs.fd, LIVEUPDATE_SESSION_FINISH, &fin))
		say("memfd: LIVEUPDATE_SESSION_FINISH failed (errno %d)",
		    errno);
}

/*
 * kmemfds=SESSION:TOKEN:SIZE:FNV[:SEALS][,...]: every memfd the handover
 * carries (tests/kernel/handover.py decodes them from the LUO subtree), each
 * retrieved through /dev/liveupdate and hashed, and its seals (F_GET_SEALS)
 * compared with SEALS when given; a session is retrieved once.
 */
static void check_memfds(char *list)
{
	struct {
		char name[LIVEUPDATE_SESSION_NAME_LENGTH];
		int fd;
	} ses[16];
	static unsigned char buf[65536];
	int nr_ses = 0, luo;
	char *item, *next;

	luo = luo_open("memfds", 1);
	if (luo < 0)
		return;
	for (item = list; item && *item; item = next) {
		struct liveupdate_session_retrieve_fd rf = { .size = sizeof(
								     rf) };
		char *name = item, *tok, *sz, *hs, *sl;
		unsigned long long token, size, want, h = FNV_INIT, off = 0;
		long seals, want_seals = -1;
		int sfd = -1;
		off_t pos;
		ssize_t n;

		next = strchr(item, ',');
		if (next)
			*next++ = 0;
		tok = strchr(name, ':');
		sz = tok ? strchr(tok + 1, ':') : NULL;
		hs = sz ? strchr(sz + 1, ':') : NULL;
		if (!hs) {
			verdict(0,
				"memfds: an entry is not SESSION:TOKEN:SIZE:FNV");
			return;
		}
		*tok++ = 0;
		*sz++ = 0;
		*hs++ = 0;
		sl = strchr(hs, ':');
		if (sl) {
			*sl++ = 0;
			want_seals = (long)strtoul(sl, NULL, 0);
		}
		token = strtoull(tok, NULL, 0);
		size = strtoull(sz, NULL, 0);
		want = strtoull(hs, NULL, 16);
		for (int i = 0; i < nr_ses; i++)
			if (!strcmp(ses[i].name, name))
				sfd = ses[i].fd;
		if (sfd < 0) {
			struct liveupdate_ioctl_retrieve_session rs = {
				.size = sizeof(rs)
			};

			strncpy((char *)rs.name, name, sizeof(rs.name) - 1);
			if (ioctl(luo, LIVEUPDATE_IOCTL_RETRIEVE_SESSION,
				  &rs)) {
				say("memfd: no session %s (errno %d)", name,
				    errno);
				verdict(0, "memfd: session not handed over");
				continue;
			}
			sfd = rs.fd;
			if (nr_ses < 16) {
				strncpy(ses[nr_ses].name, name,
					sizeof(ses[nr_ses].name) - 1);
				ses[nr_ses++].fd = sfd;
			}
		}
		rf.token = token;
		if (ioctl(sfd, LIVEUPDATE_SESSION_RETRIEVE_FD, &rf)) {
			say("memfd: token 0x%llx not in session %s (errno %d)",
			    token, name, errno);
			verdict(0, "memfd: file not handed over");
			continue;
		}
		/* The file comes back at the position it was preserved at. */
		pos = lseek(rf.fd, 0, SEEK_CUR);
		lseek(rf.fd, 0, SEEK_SET);
		while ((n = read(rf.fd, buf, sizeof(buf))) > 0) {
			h = fnv_add(h, buf, n);
			off += n;
		}
		seals = seals_op(rf.fd, F_GET_SEALS, 0);
		say("memfd session=%s token=0x%llx size=%llu pos=%lld seals=0x%lx fnv=%016llx",
		    name, token, off, (long long)pos, seals, h);
		verdict(off == size && h == want,
			"memfd: contents as handed over");
		if (want_seals >= 0)
			verdict(seals == want_seals,
				"memfd: seals as expected");
		close(rf.fd);
	}
}

static void stage_b(void)
{
	struct region r[MAX_REGIONS];
	int n;

	say("stage B up");
	if (getenv("kdirty"))
		dirty_free_memory();
	list_dir("kho_in", "/debugfs/kho/in/sub_fdts");
	/* What this kernel hands on, once every initcall has added its own. */
	list_dir("kho_out", "/debugfs/kho/out/sub_fdts");
	n = find_regions("in", r);
	for (int i = 0; i < n; i++) {
		uint64_t h;
		long bad = region_access(&r[i], 0, &h);

		say("reserve_mem %s start=0x%llx size=0x%llx fnv=%016llx kinit_pattern=%s",
		    r[i].name, (unsigned long long)r[i].start,
		    (unsigned long long)r[i].size, (unsigned long long)h,
		    bad ? "no" : "yes");
	}
	if (getenv("kcheck_memfd"))
		check_memfd();
	if (getenv("kmemfds"))
		check_memfds(getenv("kmemfds"));
	if (getenv("kluobugs"))
		luo_bugs_b();
	if (getenv("kluoself"))
		luo_self(2);
	if (getenv("kluofind")) {
		char *end;
		struct luo_find_errnos e;

		e.ro = strtol(getenv("kluofind"), &end, 10);
		e.efault = *end == ',' ? strtol(end + 1, NULL, 10) : -1;
		luo_find_b(&e);
	}
	if (getenv("kkexecload"))
		kexec_load_b(getenv("kkexecload"));
	say("stage B done, %d failure%s", failures, failures == 1 ? "" : "s");
	if (getenv("krmadd"))
		rm_b();
}

/*
 * kcase=rmadd, kernel C: the regions of its command line (the same as
 * kernel B's), where they lie, and whether each region that kernel B kept
 * with the pattern (krm_kept=NAME,...) came back revived with it.
 */
static void stage_c(void)
{
	struct rm_where w[MAX_REGIONS];
	const char *kept = getenv("krm_kept") ? getenv("krm_kept") : "";
	char what[96];
	int n;

	say("stage C up");
	list_dir("kho_in", "/debugfs/kho/in/sub_fdts");
	n = rm_report("C", w, MAX_REGIONS);
	for (const char *p = kept; *p;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		int ok = 0;

		for (int i = 0; i < n; i++) {
			struct region r = { .start = w[i].start,
					    .size = w[i].size };
			uint64_t h;

			if (strlen(w[i].name) != len ||
			    strncmp(w[i].name, p, len) || !w[i].revived)
				continue;
			ok = region_access(&r, 0, &h) == 0;
		}
		snprintf(what, sizeof(what),
			 "rmadd: region %.*s kept by kernel B revived in kernel C with its contents",
			 (int)len, p);
		verdict(ok, what);
		p += len;
		if (*p == ',')
			p++;
	}
	say("stage C done, %d failure%s", failures, failures == 1 ? "" : "s");
}

int main(int argc, char **argv)
{
	const char *kcase = getenv("kcase");

	mount_all();
	if (getenv("kstage") && !strcmp(getenv("kstage"), "b"))
		stage_b();
	else if (getenv("kstage") && !strcmp(getenv("kstage"), "c"))
		stage_c();
	else
		stage_a(kcase ? kcase : "selftest");
	/* QEMU runs with -no-reboot: a reboot ends it on every machine. */
	reboot(RB_AUTOBOOT);
	return 0;
}
