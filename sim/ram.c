// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * ram.c - a machine's RAM: ram.img mapped MAP_SHARED, physical addresses
 * translated through the ram table, and the handover record beside it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "machine.h"

int sim_machine_open(struct sim_machine *m, const char *dir, bool readonly,
		     struct sim_error *e)
{
	char path[PATH_MAX];
	struct stat st;
	int ret;

	memset(m, 0, sizeof(*m));
	m->fd = -1;
	/* It refuses a @dir too long for m->dir. */
	ret = sim_conf_read(dir, &m->conf, e);
	if (ret)
		return ret;
	strcpy(m->dir, dir);
	m->page_size = 1ULL << m->conf.page_shift;
	for (unsigned int i = 0; i < m->conf.nr_ranges; i++)
		m->ram_bytes += m->conf.ram[i].size;
	m->nr_pages = m->ram_bytes >> m->conf.page_shift;

	snprintf(path, sizeof(path), "%s/" SIM_RAM_FILE, dir);
	m->fd = sim_open_file(path, readonly ? O_RDONLY : O_RDWR, e);
	if (m->fd < 0) {
		ret = m->fd;
		m->fd = -1;
		return ret;
	}
	if (fstat(m->fd, &st)) {
		ret = sim_fail(e, -errno, "cannot stat %s", path);
		goto close;
	}
	if ((uint64_t)st.st_size != m->ram_bytes) {
		ret = sim_fail(e, -EINVAL,
			       "%s is %lld bytes but machine.conf describes %" PRIu64,
			       path, (long long)st.st_size, m->ram_bytes);
		goto close;
	}
	m->ram = mmap(NULL, m->ram_bytes,
		      readonly ? PROT_READ : PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_NORESERVE, m->fd, 0);
	if (m->ram == MAP_FAILED) {
		m->ram = NULL;
		ret = sim_fail(e, -errno, "cannot map %s: %s", path,
			       strerror(errno));
		goto close;
	}
	m->readonly = readonly;
	return 0;
close:
	close(m->fd);
	m->fd = -1;
	return ret;
}

void sim_machine_close(struct sim_machine *m)
{
	if (m->ram)
		munmap(m->ram, m->ram_bytes);
	if (m->fd >= 0)
		close(m->fd);
	m->ram = NULL;
	m->fd = -1;
}

const struct sim_ram_range *sim_ram_range_of(const struct sim_machine *m,
					     uint64_t pa, uint64_t size)
{
	uint64_t last;

	if (!size)
		size = 1;
	last = pa + size - 1;
	if (last < pa)
		return NULL;
	for (unsigned int i = 0; i < m->conf.nr_ranges; i++) {
		const struct sim_ram_range *r = &m->conf.ram[i];

		if (pa >= r->base && last <= r->base + r->size - 1)
			return r;
	}
	return NULL;
}

uint64_t sim_phys_to_offset(const struct sim_machine *m, uint64_t pa)
{
	const struct sim_ram_range *r = sim_ram_range_of(m, pa, 1);

	return r ? r->file_off + (pa - r->base) : SIM_NO_PHYS;
}

void *sim_phys_to_virt(const struct sim_machine *m, uint64_t pa)
{
	uint64_t off = sim_phys_to_offset(m, pa);

	return off == SIM_NO_PHYS || !m->ram ? NULL : m->ram + off;
}

uint64_t sim_virt_to_phys(const struct sim_machine *m, const void *va)
{
	const uint8_t *p = va;
	uint64_t off;

	if (!m->ram || p < m->ram || p >= m->ram + m->ram_bytes)
		return SIM_NO_PHYS;
	off = p - m->ram;
	for (unsigned int i = 0; i < m->conf.nr_ranges; i++) {
		const struct sim_ram_range *r = &m->conf.ram[i];

		if (off >= r->file_off && off < r->file_off + r->size)
			return r->base + (off - r->file_off);
	}
	return SIM_NO_PHYS;
}

uint64_t sim_pfn_to_index(const struct sim_machine *m, uint64_t pfn)
{
	uint64_t off;

	if (pfn > (UINT64_MAX >> m->conf.page_shift))
		return SIM_NO_PHYS;
	off = sim_phys_to_offset(m, pfn << m->conf.page_shift);
	return off == SIM_NO_PHYS ? off : off >> m->conf.page_shift;
}

uint64_t sim_index_to_pfn(const struct sim_machine *m, uint64_t idx)
{
	uint64_t off = idx << m->conf.page_shift;

	for (unsigned int i = 0; i < m->conf.nr_ranges; i++) {
		const struct sim_ram_range *r = &m->conf.ram[i];

		if (off >= r->file_off && off < r->file_off + r->size)
			return (r->base + (off - r->file_off)) >>
			       m->conf.page_shift;
	}
	return SIM_NO_PHYS;
}

int sim_ram_discard(struct sim_machine *m, uint64_t pa, uint64_t size,
		    bool punch)
{
	uint64_t end = pa + size, done = 0;

	if (m->readonly || end < pa)
		return -EINVAL;
	/* Ranges may touch (two nodes back to back): do each piece. */
	for (unsigned int i = 0; i < m->conf.nr_ranges; i++) {
		const struct sim_ram_range *r = &m->conf.ram[i];
		uint64_t s = pa > r->base ? pa : r->base;
		uint64_t e = end < r->base + r->size ? end : r->base + r->size;
		uint64_t off = r->file_off + (s - r->base);

		if (s >= e)
			continue;
		done += e - s;
		if (punch &&
		    !fallocate(m->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       off, e - s))
			continue;
		/* No hole punching here (or not asked for): write the poison. */
		memset(m->ram + off, SIM_POISON_BYTE, e - s);
	}
	return done == size ? 0 : -EINVAL;
}

static void handover_path(const struct sim_machine *m, char *path, size_t len,
			  const char *suffix)
{
	snprintf(path, len, "%s/" SIM_HANDOVER_FILE "%s", m->dir, suffix);
}

int sim_handover_read_file(const char *path, struct kho_data *kd,
			   struct sim_error *e)
{
	struct stat st;
	ssize_t n;
	int fd;

	fd = sim_open_file(path, O_RDONLY, e);
	if (fd < 0)
		return fd;
	/* sim_open_file() has just stat'ed it: fstat() cannot fail. */
	if (fstat(fd, &st) || st.st_size != sizeof(*kd)) {
		close(fd);
		return sim_fail(e, -EINVAL,
				"%s is %lld bytes, not the %zu of struct kho_data",
				path, (long long)st.st_size, sizeof(*kd));
	}
	n = read(fd, kd, sizeof(*kd));
	close(fd);
	if (n != sizeof(*kd))
		return sim_fail(e, -EIO, "cannot read %s", path);
	return 0;
}

int sim_handover_read(const struct sim_machine *m, struct kho_data *kd,
		      struct sim_error *e)
{
	char path[PATH_MAX];
	int ret;

	handover_path(m, path, sizeof(path), "");
	ret = sim_handover_read_file(path, kd, e);
	if (ret == -ENOENT)
		return sim_fail(e, -ENOENT, "%s: no pending handover", m->dir);
	return ret;
}

int sim_handover_write(const struct sim_machine *m, const struct kho_data *kd,
		       struct sim_error *e)
{
	char tmp[PATH_MAX], path[PATH_MAX];
	int fd;

	handover_path(m, tmp, sizeof(tmp), ".tmp");
	handover_path(m, path, sizeof(path), "");
	/* O_NONBLOCK: a FIFO there is refused (ENXIO), not waited on. */
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NONBLOCK | O_CLOEXEC,
		  0644);
	if (fd < 0 && errno == ENXIO)
		return sim_fail(e, -EINVAL, "%s is not a regular file", tmp);
	if (fd < 0)
		return sim_fail(e, -errno, "cannot create %s: %s", tmp,
				strerror(errno));
	if (write(fd, kd, sizeof(*kd)) != sizeof(*kd) || fsync(fd)) {
		close(fd);
		unlink(tmp);
		return sim_fail(e, -EIO, "cannot write %s", tmp);
	}
	close(fd);
	if (rename(tmp, path)) {
		unlink(tmp);
		return sim_fail(e, -errno, "cannot rename %s to %s: %s", tmp,
				path, strerror(errno));
	}
	return 0;
}

int sim_handover_remove(const struct sim_machine *m, struct sim_error *e)
{
	char path[PATH_MAX];

	handover_path(m, path, sizeof(path), "");
	if (unlink(path) && errno != ENOENT)
		return sim_fail(e, -errno, "cannot remove %s: %s", path,
				strerror(errno));
	return 0;
}
