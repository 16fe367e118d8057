// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * file.c - opening and reading the files the tool is named: a machine's
 * files, kho inspect's --fdt, --handover and --scratch inputs and its
 * memory sources. One opener and one whole-file reader, so that every
 * command refuses a FIFO, a directory or an oversized file in the same
 * sentence.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "machine.h"
#include "text.h"

/* The first buffer sim_read_file() tries; it doubles up to the limit. */
#define READ_FIRST_BYTES 4096

#define SIM_OPEN_DEVICES (SIM_OPEN_CHARDEV | SIM_OPEN_BLKDEV)

_Static_assert(!(SIM_OPEN_DEVICES &
		 (O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND |
		  O_NONBLOCK | O_DSYNC | O_SYNC | O_DIRECT | O_LARGEFILE |
		  O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC | O_PATH |
		  O_TMPFILE)),
	       "SIM_OPEN_* flags overlap open(2) flags");

/* Is @mode a file sim_open_file() takes with @flags? */
static bool file_taken(mode_t mode, int flags)
{
	return S_ISREG(mode) || (S_ISCHR(mode) && (flags & SIM_OPEN_CHARDEV)) ||
	       (S_ISBLK(mode) && (flags & SIM_OPEN_BLKDEV));
}

/* The one sentence for a file of a kind @flags does not take. */
static int not_regular(const char *path, int flags, struct sim_error *e)
{
	return sim_fail(e, -EINVAL, "%s is not a regular file%s%s", path,
			flags & SIM_OPEN_CHARDEV ? " or a character device" :
						   "",
			flags & SIM_OPEN_BLKDEV ? " or a block device" : "");
}

/*
 * A symbolic link whose target does not exist is not an absent file: a
 * handover record on a filesystem not mounted is still a handover, and a
 * boot that took it for none would cold-boot over its memory.
 */
static bool dangling_link(const char *path, struct sim_error *e)
{
	char target[PATH_MAX], shown[96];
	ssize_t n = readlink(path, target, sizeof(target));

	if (n < 0)
		return false;
	/* Shown escaped, and cut with "..." when long. */
	sim_clean_str(shown, sizeof(shown), target, (size_t)n);
	sim_fail(e, -EINVAL,
		 "%s is a symbolic link to %s, which does not exist", path,
		 shown);
	return true;
}

int sim_open_file(const char *path, int flags, struct sim_error *e)
{
	struct stat st;
	int fd, err;

	/* O_NONBLOCK: opening a FIFO must not wait for a writer (ENXIO). */
	fd = open(path, (flags & ~SIM_OPEN_DEVICES) | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		/*
		 * ENXIO: a socket, a FIFO opened to write with no reader, or
		 * a device without its hardware. Only the last is a file
		 * that can be taken, and it says why it cannot be opened.
		 */
		if (err == ENXIO &&
		    (stat(path, &st) || !file_taken(st.st_mode, flags)))
			return not_regular(path, flags, e);
		if (err == ENOENT && dangling_link(path, e))
			return -EINVAL;
		return sim_fail(e, -err, "cannot open %s: %s", path,
				strerror(err));
	}
	if (fstat(fd, &st)) {
		err = errno;
		close(fd);
		return sim_fail(e, -err, "cannot stat %s: %s", path,
				strerror(err));
	}
	if (!file_taken(st.st_mode, flags)) {
		close(fd);
		/* A directory opens read-only; reading it is what fails. */
		if (S_ISDIR(st.st_mode))
			return sim_fail(e, -EISDIR, "cannot read %s: %s", path,
					strerror(EISDIR));
		return not_regular(path, flags, e);
	}
	/*
	 * Regular files never block, nor do the devices a caller takes
	 * (memory and disks): later reads and writes need no flag.
	 */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)) {
		err = errno;
		close(fd);
		return sim_fail(e, -err, "cannot open %s: %s", path,
				strerror(err));
	}
	return fd;
}

/*
 * Read @fd to its end into *@buf, growing it by doubling: the size a stat
 * gives is not used, since files under /proc say 0. Return: the length, or
 * a negative errno with @e set.
 */
static ssize_t read_all(int fd, const char *path, size_t max, char **buf,
			struct sim_error *e)
{
	size_t len = 0, cap = READ_FIRST_BYTES;
	char *p;

	for (;;) {
		ssize_t n;

		/* One byte past @max is read to tell "too large" from "full". */
		if (len == cap) {
			if (cap > max)
				return sim_fail(e, -EFBIG,
						"%s is larger than %zu bytes",
						path, max);
			cap = cap > max / 2 ? max + 1 : cap * 2;
			p = realloc(*buf, cap + 1);
			if (!p)
				return sim_fail(e, -ENOMEM,
						"out of memory reading %s",
						path);
			*buf = p;
		}
		n = read(fd, *buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return sim_fail(e, -errno, "cannot read %s: %s", path,
					strerror(errno));
		if (!n)
			break;
		len += n;
	}
	if (len > max)
		return sim_fail(e, -EFBIG, "%s is larger than %zu bytes", path,
				max);
	return len;
}

int sim_read_file(const char *path, size_t max, char **buf, size_t *len,
		  struct sim_error *e)
{
	ssize_t n;
	int fd;

	*buf = NULL;
	fd = sim_open_file(path, O_RDONLY, e);
	if (fd < 0)
		return fd;
	*buf = malloc(READ_FIRST_BYTES + 1);
	n = *buf ? read_all(fd, path, max, buf, e) :
		   sim_fail(e, -ENOMEM, "out of memory reading %s", path);
	close(fd);
	if (n < 0) {
		free(*buf);
		*buf = NULL;
		return n;
	}
	(*buf)[n] = '\0';
	if (len)
		*len = n;
	return 0;
}

int sim_check_text(const char *path, const char *text, size_t len,
		   struct sim_error *e)
{
	const char *nul = memchr(text, '\0', len);

	if (nul)
		return sim_fail(e, -EINVAL, "%s: a NUL byte at offset %zu",
				path, (size_t)(nul - text));
	return 0;
}
