// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * machine_conf.c - machine.conf: parse, write, and the default layout.
 */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "machine.h"
#include "text.h"

#define SZ_1M (1ULL << 20)
#define SZ_2M (2ULL << 20)
#define SZ_1G (1ULL << 30)
#define SZ_3G (3ULL << 30)
#define SZ_4G (4ULL << 30)
#define SIM_MIN_RAM (128 * SZ_1M)

/* A word of the file in a sentence: escaped (\xHH) and cut with "...". */
#define CONF_SHOWN_LEN 68

/* The memmap indexes pages with 32 bits (sim/buddy.h). */
#define SIM_MAX_PAGES (UINT32_MAX - 1ULL)

int sim_parse_number(const char *s, unsigned int base, uint64_t *v,
		     const char **endp)
{
	const char *p;
	uint64_t x = 0;
	unsigned int d;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	/*
	 * Digits only: strtoull() would also take blanks, a sign and, in
	 * base 16, a second "0x" ("0x0x10" was 16); its base 0 reads "010"
	 * as eight and refuses "08".
	 */
	for (p = s;; p++) {
		if (isdigit((unsigned char)*p))
			d = *p - '0';
		else if (base == 16 && isxdigit((unsigned char)*p))
			d = tolower((unsigned char)*p) - 'a' + 10;
		else
			break;
		if (x > (UINT64_MAX - d) / base)
			return -ERANGE;
		x = x * base + d;
	}
	if (p == s)
		return -EINVAL; /* no digit: no sign, no space */
	*v = x;
	*endp = p;
	return 0;
}

int sim_parse_size(const char *s, uint64_t *out)
{
	unsigned int shift = 0;
	const char *end;
	uint64_t v;

	if (!s || sim_parse_number(s, 10, &v, &end))
		return -EINVAL;
	switch (toupper((unsigned char)*end)) {
	case 'K':
		shift = 10;
		break;
	case 'M':
		shift = 20;
		break;
	case 'G':
		shift = 30;
		break;
	case 'T':
		shift = 40;
		break;
	case '\0':
		break;
	default:
		return -EINVAL;
	}
	if (shift) {
		end++;
		/* Accept "256M", "256MB" and "256MiB". */
		if (!strcmp(end, "B") || !strcmp(end, "iB"))
			end += strlen(end);
	}
	if (*end)
		return -EINVAL;
	if (shift && v > (UINT64_MAX >> shift))
		return -EINVAL;
	*out = (uint64_t)v << shift;
	return 0;
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

static int parse_u64(const char *s, uint64_t *v)
{
	const char *end;

	if (sim_parse_number(s, 10, v, &end) || *end)
		return -EINVAL;
	return 0;
}

/* "BASE SIZE node=N": one ram line's value. */
static int parse_ram(struct sim_conf *conf, char *val, const char *where,
		     int line, struct sim_error *e)
{
	char *tok[3], *save = NULL, *bad, shown[CONF_SHOWN_LEN];
	struct sim_ram_range *r;
	uint64_t nid = 0;
	int n = 0;

	for (char *t = strtok_r(val, " \t", &save); t;
	     t = strtok_r(NULL, " \t", &save)) {
		if (n == 3)
			return sim_fail(e, -EINVAL,
					"%s:%d: a ram line is \"ram = BASE SIZE [node=N]\"",
					where, line);
		tok[n++] = t;
	}
	if (n < 2)
		return sim_fail(e, -EINVAL,
				"%s:%d: a ram line is \"ram = BASE SIZE [node=N]\"",
				where, line);
	if (conf->nr_ranges == SIM_MAX_RAM_RANGES)
		return sim_fail(e, -EINVAL, "%s:%d: more than %d ram lines",
				where, line, SIM_MAX_RAM_RANGES);
	r = &conf->ram[conf->nr_ranges];
	/* An address, then a size, which takes K, M, G and T as all sizes. */
	bad = parse_u64(tok[0], &r->base)      ? tok[0] :
	      sim_parse_size(tok[1], &r->size) ? tok[1] :
						 NULL;
	if (bad) {
		sim_clean_str(shown, sizeof(shown), bad, strlen(bad));
		return sim_fail(e, -EINVAL,
				"%s:%d: ram base and size must be numbers, "
				"not \"%s\"",
				where, line, shown);
	}
	if (n == 3 && (strncmp(tok[2], "node=", 5) ||
		       parse_u64(tok[2] + 5, &nid) || nid >= SIM_MAX_NODES)) {
		sim_clean_str(shown, sizeof(shown), tok[2], strlen(tok[2]));
		return sim_fail(e, -EINVAL,
				"%s:%d: \"%s\" is not node=N with N below %d",
				where, line, shown, SIM_MAX_NODES);
	}
	r->nid = (int)nid;
	conf->nr_ranges++;
	return 0;
}

bool sim_conf_node_has_memory(const struct sim_conf *conf, unsigned int nid)
{
	for (unsigned int i = 0; i < conf->nr_ranges; i++)
		if (conf->ram[i].nid == (int)nid)
			return true;
	return false;
}

/* Whole-file checks once every line is read. */
static int conf_check(struct sim_conf *conf, const char *where,
		      struct sim_error *e)
{
	uint64_t page_size = 1ULL << conf->page_shift, off = 0;

	if (!conf->nr_ranges)
		return sim_fail(e, -EINVAL, "%s: no ram line", where);
	conf->nr_nodes = 0;
	conf->nr_mem_nodes = 0;
	for (unsigned int i = 0; i < conf->nr_ranges; i++) {
		struct sim_ram_range *r = &conf->ram[i];

		if (!r->size || (r->base | r->size) & (page_size - 1))
			return sim_fail(e, -EINVAL,
					"%s: ram range %#" PRIx64 "+%#" PRIx64
					" is empty or not page-aligned (page size %" PRIu64 ")",
					where, r->base, r->size, page_size);
		if (r->base + r->size < r->base)
			return sim_fail(e, -EINVAL,
					"%s: ram range %#" PRIx64 "+%#" PRIx64
					" wraps around", where, r->base, r->size);
		if (i && r->base < conf->ram[i - 1].base + conf->ram[i - 1].size)
			return sim_fail(e, -EINVAL,
					"%s: ram range at %#" PRIx64
					" is not above the one before it", where,
					r->base);
		r->file_off = off;
		off += r->size;
		if ((unsigned int)r->nid + 1 > conf->nr_nodes)
			conf->nr_nodes = r->nid + 1;
	}
	for (unsigned int nid = 0; nid < conf->nr_nodes; nid++)
		conf->nr_mem_nodes += sim_conf_node_has_memory(conf, nid);
	if (off / page_size > SIM_MAX_PAGES)
		return sim_fail(e, -EINVAL, "%s: more than %llu pages of RAM",
				where, (unsigned long long)SIM_MAX_PAGES);
	return 0;
}

int sim_conf_parse(struct sim_conf *conf, const char *text, const char *where,
		   struct sim_error *e)
{
	/* The line each key was given on, 0 if not yet: given once. */
	int page_size_line = 0, scratch_line = 0, arch_line = 0;
	int line = 0, ret = 0;
	char *copy;

	memset(conf, 0, sizeof(*conf));
	conf->page_shift = KHO_PAGE_SHIFT_MIN;
	copy = strdup(text);
	if (!copy)
		return sim_fail(e, -ENOMEM, "%s: out of memory", where);
	/* strtok_r skips empty lines; count lines by hand to name them. */
	for (char *p = copy, *nl; p && !ret; p = nl) {
		char *key, *val, *eq;
		int *seen;

		line++;
		nl = strchr(p, '\n');
		if (nl)
			*nl++ = '\0';
		if ((eq = strchr(p, '#')))
			*eq = '\0';
		key = trim(p);
		if (!*key)
			continue;
		eq = strchr(key, '=');
		if (!eq) {
			ret = sim_fail(e, -EINVAL,
				       "%s:%d: expected \"key = value\"", where,
				       line);
			break;
		}
		*eq = '\0';
		val = trim(eq + 1);
		key = trim(key);
		/* ram lines are a list; every other key is said once. */
		seen = !strcmp(key, "page_size")   ? &page_size_line :
		       !strcmp(key, "kho_scratch") ? &scratch_line :
		       !strcmp(key, "arch")	   ? &arch_line :
						     NULL;
		if (seen && *seen) {
			ret = sim_fail(
				e, -EINVAL,
				"%s:%d: %s given twice (first on line %d)",
				where, line, key, *seen);
			break;
		}
		if (seen)
			*seen = line;
		if (!strcmp(key, "page_size")) {
			uint64_t ps;

			if (sim_parse_size(val, &ps) ||
			    (ps != 4096 && ps != 16384 && ps != 65536)) {
				ret = sim_fail(e, -EINVAL,
					       "%s:%d: page_size must be 4096, 16384 or 65536",
					       where, line);
				break;
			}
			conf->page_shift = __builtin_ctzll(ps);
		} else if (!strcmp(key, "ram")) {
			ret = parse_ram(conf, val, where, line, e);
		} else if (!strcmp(key, "kho_scratch")) {
			if (strlen(val) >= SIM_SCRATCH_SPEC_LEN) {
				ret = sim_fail(e, -EINVAL,
					       "%s:%d: kho_scratch value too long",
					       where, line);
				break;
			}
			strcpy(conf->kho_scratch, val);
		} else if (!strcmp(key, "arch")) {
			if (!strcmp(val, "x86_64")) {
				conf->arch = SIM_ARCH_X86_64;
			} else if (!strcmp(val, "arm64")) {
				conf->arch = SIM_ARCH_ARM64;
			} else {
				ret = sim_fail(e, -EINVAL,
					       "%s:%d: arch must be x86_64 or arm64",
					       where, line);
				break;
			}
		} else {
			char shown[CONF_SHOWN_LEN];

			sim_clean_str(shown, sizeof(shown), key, strlen(key));
			ret = sim_fail(e, -EINVAL, "%s:%d: unknown key \"%s\"",
				       where, line, shown);
		}
	}
	free(copy);
	if (ret)
		return ret;
	if (!page_size_line)
		return sim_fail(e, -EINVAL, "%s: no page_size line", where);
	return conf_check(conf, where, e);
}

/* A machine directory's name: not empty, and short enough (SIM_DIR_LEN). */
static int check_dir_name(const char *dir, struct sim_error *e)
{
	if (!*dir)
		return sim_fail(e, -EINVAL,
				"the machine directory is an empty string");
	if (strlen(dir) >= SIM_DIR_LEN)
		return sim_fail(e, -ENAMETOOLONG, SIM_DIR_TOO_LONG, strlen(dir),
				SIM_DIR_LEN - 1);
	return 0;
}

int sim_conf_read(const char *dir, struct sim_conf *conf, struct sim_error *e)
{
	char path[PATH_MAX], *text;
	size_t len;
	int ret;

	ret = check_dir_name(dir, e);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "%s/" SIM_CONF_FILE, dir);
	ret = sim_read_file(path, SIM_CONF_MAX, &text, &len, e);
	if (ret == -ENOENT || ret == -ENOTDIR)
		return sim_fail(
			e, ret,
			"%s is not a machine directory (no " SIM_CONF_FILE ")",
			dir);
	if (ret)
		return ret;
	ret = sim_check_text(path, text, len, e);
	if (!ret)
		ret = sim_conf_parse(conf, text, path, e);
	free(text);
	return ret;
}

int sim_conf_format(const struct sim_conf *conf, char *buf, size_t len)
{
	size_t n;

	n = snprintf(buf, len,
		     "# libkho simulated machine: RAM ranges back to back in ram.img\n"
		     "page_size = %llu\n",
		     1ULL << conf->page_shift);
	for (unsigned int i = 0; i < conf->nr_ranges && n < len; i++)
		n += snprintf(buf + n, len - n,
			      "ram = %#" PRIx64 " %#" PRIx64 " node=%d\n",
			      conf->ram[i].base, conf->ram[i].size,
			      conf->ram[i].nid);
	if (conf->kho_scratch[0] && n < len)
		n += snprintf(buf + n, len - n, "kho_scratch = %s\n",
			      conf->kho_scratch);
	if (conf->arch == SIM_ARCH_ARM64 && n < len)
		n += snprintf(buf + n, len - n, "arch = arm64\n");
	return n < len ? (int)n : -ENOSPC;
}

static void add_range(struct sim_conf *conf, uint64_t base, uint64_t size,
		      int nid)
{
	struct sim_ram_range *r = &conf->ram[conf->nr_ranges++];

	r->base = base;
	r->size = size;
	r->nid = nid;
}

/* RAM as given, in its largest whole unit: "16 TiB", "130 MiB", "1 byte". */
static const char *ram_text(uint64_t ram, char *buf, size_t len)
{
	static const char *const unit[] = { "byte", "KiB", "MiB", "GiB",
					    "TiB" };
	unsigned int u = 0;

	while (u + 1 < sizeof(unit) / sizeof(unit[0]) && ram && !(ram % 1024)) {
		ram >>= 10;
		u++;
	}
	snprintf(buf, len, "%" PRIu64 " %s%s", ram, unit[u],
		 !u && ram != 1 ? "s" : "");
	return buf;
}

/* The checks every layout shares; the nodes split RAM in 2 MiB units. */
static int layout_check(struct sim_conf *conf, uint64_t ram, unsigned int nodes,
			unsigned int page_shift, struct sim_error *e)
{
	char buf[48];

	memset(conf, 0, sizeof(*conf));
	if (page_shift != 12 && page_shift != 14 && page_shift != 16)
		return sim_fail(e, -EINVAL, "page size must be 4K, 16K or 64K");
	if (!nodes || nodes > SIM_MAX_NODES)
		return sim_fail(e, -EINVAL, "--nodes must be 1 to %d",
				SIM_MAX_NODES);
	conf->page_shift = page_shift;
	/*
	 * Below 128 MiB the low half cannot hold firmware, kernel and
	 * scratch. 128 MiB is 64 units of 2 MiB: every node, at most
	 * SIM_MAX_NODES, gets a low and a high piece of at least one unit.
	 */
	static_assert(SIM_MIN_RAM / SZ_2M >= 2 * SIM_MAX_NODES,
		      "every node gets two 2 MiB units");
	if (ram % SZ_2M || ram < SIM_MIN_RAM)
		return sim_fail(
			e, -EINVAL,
			"--ram %s: RAM must be a multiple of 2 MiB and at least 128 MiB",
			ram_text(ram, buf, sizeof(buf)));
	if ((ram >> page_shift) > SIM_MAX_PAGES)
		return sim_fail(
			e, -EINVAL,
			"--ram %s: %llu pages of %u KiB, more than the %llu a machine can have",
			ram_text(ram, buf, sizeof(buf)),
			(unsigned long long)(ram >> page_shift),
			1U << (page_shift - 10),
			(unsigned long long)SIM_MAX_PAGES);
	return 0;
}

int sim_conf_layout(struct sim_conf *conf, uint64_t ram, unsigned int nodes,
		    unsigned int page_shift, struct sim_error *e)
{
	uint64_t unit = SZ_2M, units = ram / unit, low_units,
		 cut[SIM_MAX_NODES + 1];
	int ret = layout_check(conf, ram, nodes, page_shift, e);

	if (ret)
		return ret;
	low_units = units / 2;
	if (low_units * unit > SZ_3G)
		low_units = SZ_3G / unit;
	for (unsigned int n = 0; n <= nodes; n++)
		cut[n] = units * n / nodes;
	/* Unit u lives at u * unit below the hole, past 4 GiB above it. */
	for (unsigned int n = 0; n < nodes; n++) {
		uint64_t a = cut[n], b = cut[n + 1];

		if (a < low_units) {
			uint64_t end = b < low_units ? b : low_units;

			add_range(conf, a * unit, (end - a) * unit, n);
			a = end;
		}
		if (a < b)
			add_range(conf, SZ_4G + (a - low_units) * unit,
				  (b - a) * unit, n);
	}
	return conf_check(conf, "layout", e);
}

int sim_conf_layout_at(struct sim_conf *conf, uint64_t base, uint64_t ram,
		       unsigned int nodes, unsigned int page_shift,
		       struct sim_error *e)
{
	uint64_t unit = SZ_2M, units = ram / unit;
	int ret = layout_check(conf, ram, nodes, page_shift, e);

	if (ret)
		return ret;
	if (base % unit)
		return sim_fail(e, -EINVAL,
				"--ram-base %#" PRIx64 " is not 2 MiB-aligned",
				base);
	if (base + ram < base)
		return sim_fail(e, -EINVAL,
				"--ram-base %#" PRIx64
				": the RAM would not end below 2^64",
				base);
	/* One contiguous block from base, as on arm64 virt. */
	for (unsigned int n = 0; n < nodes; n++) {
		uint64_t a = units * n / nodes, b = units * (n + 1) / nodes;

		add_range(conf, base + a * unit, (b - a) * unit, n);
	}
	return conf_check(conf, "layout", e);
}

static int write_file(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, buf, len);
	if (n != (ssize_t)len || fsync(fd)) {
		int ret = n < 0 ? -errno : -EIO;

		close(fd);
		unlink(path);
		return ret;
	}
	return close(fd) ? -errno : 0;
}

int sim_machine_create(const char *dir, const struct sim_conf *conf,
		       struct sim_error *e)
{
	static const char *const used[] = {
		SIM_RAM_FILE,
		SIM_HANDOVER_FILE,
		SIM_HANDOVER_FILE ".tmp",
	};
	char path[PATH_MAX], text[8192];
	bool made_dir = false;
	uint64_t bytes = 0;
	struct stat st;
	int fd, ret;

	static_assert(SIM_DIR_LEN + sizeof("/" SIM_HANDOVER_FILE ".tmp") <=
			      sizeof(path),
		      "a machine's file names fit in PATH_MAX");
	for (unsigned int i = 0; i < conf->nr_ranges; i++)
		bytes += conf->ram[i].size;
	/* The check sim_machine_open() makes: what is made here must open. */
	ret = check_dir_name(dir, e);
	if (ret)
		return ret;
	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return sim_fail(e, -ENOTDIR, "%s is not a directory",
					dir);
	} else if (mkdir(dir, 0755)) {
		return sim_fail(e, -errno, "cannot create directory %s: %s",
				dir, strerror(errno));
	} else {
		made_dir = true;
	}
	/* Nothing already there is overwritten: not even a dangling link. */
	snprintf(path, sizeof(path), "%s/" SIM_CONF_FILE, dir);
	if (lstat(path, &st) == 0)
		return sim_fail(e, -EEXIST, "%s already holds a machine (%s)",
				dir, path);
	/*
	 * Nor any other file a machine uses: a stale handover would be taken
	 * for a pending one into zeroed RAM at the first boot.
	 */
	for (unsigned int i = 0; i < sizeof(used) / sizeof(used[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, used[i]);
		if (lstat(path, &st) == 0)
			return sim_fail(
				e, -EEXIST,
				"%s already holds a %s (%s): move it away to make a machine there",
				dir, used[i], path);
	}
	snprintf(path, sizeof(path), "%s/" SIM_CONF_FILE, dir);
	ret = sim_conf_format(conf, text, sizeof(text));
	if (ret < 0)
		return sim_fail(e, ret, "machine.conf too long");
	ret = write_file(path, text, ret);
	if (ret) {
		sim_fail(e, ret, "cannot write %s: %s", path, strerror(-ret));
		goto undo_dir;
	}
	snprintf(path, sizeof(path), "%s/" SIM_RAM_FILE, dir);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0644);
	if (fd < 0 || ftruncate(fd, bytes)) {
		ret = -errno;
		sim_fail(e, ret, "cannot create %s: %s", path, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(path);
		}
		snprintf(path, sizeof(path), "%s/" SIM_CONF_FILE, dir);
		unlink(path);
		goto undo_dir;
	}
	close(fd);
	return 0;
undo_dir:
	if (made_dir)
		rmdir(dir);
	return ret;
}
