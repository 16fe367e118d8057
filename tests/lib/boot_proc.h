/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * boot_proc.h - simulated boots as processes of their own, for the tests
 * that chain them (test_sim_handover.c, test_client_memblock.c):
 *
 *   CHECK(x)         in a boot: say which check failed, return 1;
 *   boot_process()   run a boot function in a child (fork), as a real
 *                    kexec starts a new kernel, and give its exit status;
 *   power_down()     sim_boot_close(), said on stderr when it fails;
 *   kexec_down()     sim_boot_kexec(), then power_down().
 *
 * Include after <stdio.h>, <sys/wait.h>, <unistd.h> and "../sim/boot.h".
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

#endif /* TESTS_BOOT_PROC_H */
