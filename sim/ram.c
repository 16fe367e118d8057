// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * ram.c - a machine's RAM: ram.img mapped MAP_SHARED, physical addresses
 * translated through the ram table, and the handover record beside it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "machine.h"

/*
 * "pid N" of a process holding a flock(2) lock on @path, as /proc/locks
 * lists it ("1: FLOCK  ADVISORY  WRITE 4242 fd:01:1234 0 EOF"), or "pid
 * unknown" (no /proc, a holder in another pid namespace, or one gone).
 */
static const char *lock_holder(const char *path, char *buf, size_t len)
{
	char line[256], dev[64];
	unsigned long long ino;
	struct stat st;
	FILE *f;
	long pid;

	snprintf(buf, len, "pid unknown");
	if (stat(path, &st))
		return buf;
	snprintf(dev, sizeof(dev), "%02x:%02x:", major(st.st_dev),
		 minor(st.st_dev));
	f = fopen("/proc/locks", "re");
	if (!f)
		return buf;
	while (fgets(line, sizeof(line), f)) {
		char kind[16], where[64];

		/* A waiter's line has "->" before its kind: never matched. */
		if (sscanf(line, "%*[^:]: %15s %*s %*s %ld %63s", kind, &pid,
			   where) != 3 ||
		    strcmp(kind, "FLOCK") || pid <= 0 ||
		    strncmp(where, dev, strlen(dev)) ||
		    sscanf(where + strlen(dev), "%llu", &ino) != 1 ||
		    ino != (unsigned long long)st.st_ino)
			continue;
		/*
		 * The pid is the one that took the lock: a holder that got
		 * the file from it across fork(2) may outlive it.
		 */
		if (!kill((pid_t)pid, 0) || errno == EPERM)
			snprintf(buf, len, "pid %ld", pid);
		break;
	}
	fclose(f);
	return buf;
}

/*
 * The lock is on machine.conf, not ram.img nor the handover record:
 * machine.conf is the file that makes a directory a machine and the first
 * one every opener reads, so the lock is there to take before ram.img or
 * the record is looked at, for kho boot and kho inspect alike; and no
 * command writes or replaces it, so every process locks the same inode
 * (the record is replaced by rename(2): a lock on it would be on a file
 * that is no longer there). flock(2), not fcntl(2): it belongs to the open
 * file, so it is not lost when another descriptor of the same file in the
 * process is closed, and it goes with the process when that dies.
 */
int sim_machine_lock(const char *dir, bool exclusive, struct sim_error *e)
{
	char path[PATH_MAX], who[32];
	int fd, err;

	if (snprintf(path, sizeof(path), "%s/" SIM_CONF_FILE, dir) >=
	    (int)sizeof(path))
		return sim_fail(e, -ENAMETOOLONG, SIM_DIR_TOO_LONG, strlen(dir),
				SIM_DIR_LEN - 1);
	fd = sim_open_file(path, O_RDONLY, e);
	if (fd < 0)
		return fd;
	/* LOCK_NB: a machine in use is refused at once, never waited for. */
	while (flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB)) {
		err = errno;
		if (err == EINTR)
			continue;
		close(fd);
		if (err == EWOULDBLOCK)
			return sim_fail(
				e, -EBUSY,
				"%s is in use by another process (%s), which holds a lock on %s",
				dir, lock_holder(path, who, sizeof(who)), path);
		return sim_fail(e, -err, "cannot lock %s: %s", path,
				strerror(err));
	}
	return fd;
}

int sim_machine_open(struct sim_machine *m, const char *dir, bool readonly,
		     struct sim_error *e)
{
	char path[PATH_MAX];
	struct stat st;
	int ret;

	memset(m, 0, sizeof(*m));
	m->fd = -1;
	m->lock_fd = -1;
	/* It refuses a @dir too long for m->dir. */
	ret = sim_conf_read(dir, &m->conf, e);
	if (ret)
		return ret;
	/*
	 * Held until sim_machine_close(): one writer (a boot), or any
	 * number of readers, which never see a machine half written.
	 */
	m->lock_fd = sim_machine_lock(dir, !readonly, e);
	if (m->lock_fd < 0) {
		ret = m->lock_fd;
		m->lock_fd = -1;
		return ret;
	}
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
		goto unlock;
	}
	if (fstat(m->fd, &st)) {
		ret = sim_fail(e, -errno, "cannot stat %s", path);
		goto close;
	}
	ret = sim_ram_image_check(path, st.st_size, m->ram_bytes, e);
	if (ret)
		goto close;
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
unlock:
	close(m->lock_fd);
	m->lock_fd = -1;
	return ret;
}

void sim_machine_close(struct sim_machine *m)
{
	if (m->ram)
		munmap(m->ram, m->ram_bytes);
	if (m->fd >= 0)
		close(m->fd);
	/* Last: the machine is whole again (its mapping is gone). */
	if (m->lock_fd >= 0)
		close(m->lock_fd);
	m->ram = NULL;
	m->fd = -1;
	m->lock_fd = -1;
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

int sim_ram_image_check(const char *path, uint64_t size, uint64_t ram_bytes,
			struct sim_error *e)
{
	if (size == ram_bytes)
		return 0;
	return sim_fail(e, -EINVAL,
			"%s is %" PRIu64
			" bytes but machine.conf describes %" PRIu64,
			path, size, ram_bytes);
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
