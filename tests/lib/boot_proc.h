/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * boot_proc.h - simulated boots as processes of their own, for the tests
 * that chain them (test_sim_handover.c, test_client_memblock.c):
 *
 *   CHECK(x)         in a boot: say which check failed, return 1;
 *   boot_process()   run a boot function in a child (fork), as a real
 *                    kexec starts a new kernel, and give its exit status;
 *   power_down()     sim_boot_close(), said on stderr when it fails;
 *   kexec_down()     sim_boot_kexec(), then power_down();
 *   shared_machine() the boots' common memory (MAP_SHARED, zeroed), and a
 *                    machine of 128 MiB in a fresh directory;
 *   machine_remove() that directory and its files.
 *
 * Include after <cmocka.h>, <stdio.h>, <string.h>, <sys/mman.h>,
 * <sys/wait.h>, <unistd.h> and "../sim/boot.h".
 */
#ifndef TESTS_BOOT_PROC_H
#define TESTS_BOOT_PROC_H

#define CHECK(x)                                                            \
	do {                                                                \
		if (!(x)) {                                                 \
			fprintf(stderr, "%s:%d: check failed: %s\n",        \
				__FILE__, __LINE__, #x);                    \
			return 1;                                           \
		}                                                           \
	} while (0)

/* Run @fn as its own process, like a boot. Return: its exit status. */
static inline int boot_process(int (*fn)(void))
{
	pid_t pid;
	int status;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid)
		_exit(fn());
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Power off; a KHO boot removes the handover it consumed. */
static inline int power_down(struct sim_boot *b)
{
	struct sim_error e = { "" };

	if (sim_boot_close(b, &e)) {
		fprintf(stderr, "power off failed: %s\n", e.msg);
		return 1;
	}
	return 0;
}

static inline int kexec_down(struct sim_boot *b)
{
	struct sim_error e = { "" };

	if (sim_boot_kexec(b, &e)) {
		fprintf(stderr, "kexec failed: %s\n", e.msg);
		return 1;
	}
	return power_down(b);
}

/*
 * @size zeroed bytes shared with every boot (fork), which begin with the
 * name of a new directory made from @tmpl ("/tmp/NAME.XXXXXX"; the
 * caller's structure starts with char dir[64]) holding a machine of 128
 * MiB, one node, 4 KiB pages.
 */
static inline void *shared_machine(size_t size, const char *tmpl)
{
	struct sim_error e;
	struct sim_conf c;
	char *p;

	assert_true(size >= 64 && strlen(tmpl) < 64);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		 -1, 0);
	assert_true(p != MAP_FAILED);
	memset(p, 0, size);
	strcpy(p, tmpl);
	assert_non_null(mkdtemp(p));
	assert_int_equal(sim_conf_layout(&c, 128ULL << 20, 1, 12, &e), 0);
	assert_int_equal(sim_machine_create(p, &c, &e), 0);
	return p;
}

/* The machine directory @dir and the files a boot leaves in it. */
static inline void machine_remove(const char *dir)
{
	static const char *const files[] = { "ram.img", "machine.conf",
					     "handover" };
	char path[128];

	for (unsigned int i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

#endif /* TESTS_BOOT_PROC_H */
