// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * cmd_demo.c - kho demo: a 4 GiB machine with a hole and RAM above 4 GiB,
 * every client, a chain of three kexecs; each boot its own process.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kho_tool.h"

#define DEMO_RAM (4ULL << 30)
#define DEMO_NODES 2
#define DEMO_KEXECS 3
/* A boot's exit status when it could not write its report (it said so). */
#define DEMO_EXIT_STDOUT 3

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* What every boot of the chain preserves for the next one. */
static const char *const demo_preserve[] = {
	"memblock:4M",
	"memfd:64M",
	"guest:1280M",	/* one 1 GiB folio and 128 of 2 MiB */
	"kho-test",	/* lib/test_kho.c: 8 MiB of random folios */
};

/* The files a machine directory may hold: the temporary one loses them. */
static const char *const demo_files[] = {
	SIM_RAM_FILE,
	SIM_CONF_FILE,
	SIM_HANDOVER_FILE,
	SIM_HANDOVER_FILE ".tmp",
};

/*
 * The temporary machine (not --dir's), removed when a signal ends the demo.
 * Its paths are made before the handler is armed, which then calls only
 * kill(), waitpid(), unlink(), rmdir(), sigaction() and raise(), all
 * async-signal-safe.
 */
static struct {
	char dir[SIM_DIR_LEN];
	char file[ARRAY_LEN(demo_files)]
		 [SIM_DIR_LEN + sizeof("/" SIM_HANDOVER_FILE ".tmp")];
	volatile sig_atomic_t armed;
	volatile sig_atomic_t child; /* the boot running, or 0 */
} demo_tmp;

/* The signals that end a demo: Ctrl-C, kill, a hangup, a closed pipe. */
static const int demo_signals[] = { SIGHUP, SIGINT, SIGTERM, SIGPIPE };
/* Their handling before the demo's, which each boot gets back. */
static struct sigaction demo_old[ARRAY_LEN(demo_signals)];
static bool demo_handled;

static void demo_remove(void)
{
	for (size_t i = 0; i < ARRAY_LEN(demo_tmp.file); i++)
		unlink(demo_tmp.file[i]);
	rmdir(demo_tmp.dir);
}

static void demo_signal(int sig)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	pid_t child = demo_tmp.child;

	/* The boot dies first: it writes into the directory. */
	if (child > 0) {
		kill(child, SIGKILL);
		while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (demo_tmp.armed)
		demo_remove();
	/* The demo ends as the signal ends it, once this handler returns. */
	sigaction(sig, &dfl, NULL);
	raise(sig);
}

static void demo_sigset(sigset_t *set)
{
	sigemptyset(set);
	for (size_t i = 0; i < ARRAY_LEN(demo_signals); i++)
		sigaddset(set, demo_signals[i]);
}

/*
 * Make the temporary machine's directory in $TMPDIR and arm the handler
 * that removes it. Return: 0, or 1 after saying why not.
 */
static int demo_tmp_dir(void)
{
	struct sigaction sa = { .sa_handler = demo_signal };
	const char *tmp = getenv("TMPDIR");
	sigset_t set, old;
	int n;

	if (!tmp || !*tmp)
		tmp = "/tmp";
	n = snprintf(demo_tmp.dir, sizeof(demo_tmp.dir), "%s/kho-demo.XXXXXX",
		     tmp);
	/* Cut short, the template lost its XXXXXX: "Invalid argument". */
	if (n < 0 || (size_t)n >= sizeof(demo_tmp.dir)) {
		tool_error(
			"demo: cannot create a directory in $TMPDIR: " SIM_DIR_TOO_LONG,
			strlen(tmp) + strlen("/kho-demo.XXXXXX"),
			SIM_DIR_LEN - 1);
		return 1;
	}
	/* No signal between the directory and the handler that removes it. */
	demo_sigset(&set);
	sa.sa_mask = set;
	sigprocmask(SIG_BLOCK, &set, &old);
	if (!mkdtemp(demo_tmp.dir)) {
		int err = errno;

		sigprocmask(SIG_SETMASK, &old, NULL);
		tool_error("demo: cannot create a directory in %s: %s", tmp,
			   strerror(err));
		return 1;
	}
	for (size_t i = 0; i < ARRAY_LEN(demo_files); i++)
		snprintf(demo_tmp.file[i], sizeof(demo_tmp.file[i]), "%s/%s",
			 demo_tmp.dir, demo_files[i]);
	demo_tmp.armed = 1;
	for (size_t i = 0; i < ARRAY_LEN(demo_signals); i++) {
		sigaction(demo_signals[i], NULL, &demo_old[i]);
		/* Ignored (nohup, a background job's SIGINT): it stays so. */
		if (demo_old[i].sa_handler != SIG_IGN)
			sigaction(demo_signals[i], &sa, NULL);
	}
	demo_handled = true;
	sigprocmask(SIG_SETMASK, &old, NULL);
	return 0;
}

static int boot_child(const char *dir, unsigned int no, unsigned int total,
		      const struct kho_abi_version *abi,
		      struct boot_result *res)
{
	struct boot_args args = { .scrub = true, .boot_no = no,
				  .boot_total = total, .kexec = no < total,
				  .result = res, .abi = abi };
	struct sim_error e = { "" };
	sigset_t set, old;
	siginfo_t info;
	int status, ret, err;
	pid_t pid;

	/* The last boot restores and checks; it has no one to hand over to. */
	for (size_t i = 0; args.kexec && i < ARRAY_LEN(demo_preserve); i++)
		if (parse_preserve(&args, demo_preserve[i], &e)) {
			tool_error("demo: %s", e.msg);
			return 1;
		}
	/* A report that cannot be written stops the demo. */
	if (tool_flush_stdout())
		return -1;
	/* The handler knows the boot as soon as it runs. */
	demo_sigset(&set);
	sigprocmask(SIG_BLOCK, &set, &old);
	pid = fork();
	if (!pid) {
		/* The signals as the demo got them: a boot does not clean up. */
		demo_tmp.armed = 0;
		for (size_t i = 0; demo_handled && i < ARRAY_LEN(demo_signals);
		     i++)
			sigaction(demo_signals[i], &demo_old[i], NULL);
		sigprocmask(SIG_SETMASK, &old, NULL);
		/* A boot is a process: nothing but ram.img carries over. */
		ret = run_boot(dir, &args, stdout, &e);
		if (tool_flush_stdout())
			_exit(DEMO_EXIT_STDOUT);
		if (ret < 0)
			tool_error("%s", e.msg);
		_exit(ret ? 1 : 0);
	}
	err = errno;
	if (pid > 0)
		demo_tmp.child = pid;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid < 0) {
		tool_error("demo: cannot fork: %s", strerror(err));
		return 1;
	}
	/*
	 * Wait without reaping, then forget the boot, then reap it: a
	 * signal in between never kills a process that reused its number.
	 */
	while (waitid(P_PID, pid, &info, WEXITED | WNOWAIT) < 0 &&
	       errno == EINTR)
		;
	demo_tmp.child = 0;
	if (waitpid(pid, &status, 0) < 0)
		return 1;
	if (WIFEXITED(status) && WEXITSTATUS(status) == DEMO_EXIT_STDOUT)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static void print_summary(const struct boot_result *res, unsigned int total)
{
	char b[6][32], tree[48];

	printf("summary  boot  kind  restored+checked  preserved   "
	       "tree (overhead)      walk       restore     scrubbed   verdict\n");
	for (unsigned int i = 0; i < total; i++) {
		const struct boot_result *r = &res[i];

		if (!r->ran) {
			printf("         %-4u  did not finish\n", i + 1);
			continue;
		}
		if (r->kho_boot)
			snprintf(tree, sizeof(tree), "%s (%.4f%%)",
				 fmt_bytes(r->tree_bytes, b[2], 32), r->overhead);
		else
			snprintf(tree, sizeof(tree), "-");
		printf("         %-4u  %-4s  %-16s  %-10s  %-19s  %-9s  %-10s  %-9s  %s\n",
		       i + 1, r->kho_boot ? "KHO" : "cold",
		       r->kho_boot ? fmt_bytes(r->restored, b[0], 32) : "-",
		       r->preserved ? fmt_bytes(r->preserved, b[1], 32) : "-",
		       tree,
		       r->kho_boot ? fmt_ns(r->walk_ns, b[3], 32) : "-",
		       r->kho_boot ? fmt_ns(r->restore_ns, b[4], 32) : "-",
		       fmt_bytes(r->scrubbed, b[5], 32),
		       r->bad ? "FAIL" : "PASS");
	}
	printf("\n");
}

int cmd_demo(int argc, char **argv)
{
	enum { OPT_DIR, OPT_ABI };
	struct tool_opt opts[] = {
		[OPT_DIR] = { "--dir", "a directory" },
		[OPT_ABI] = { "--abi", TOOL_ABI_NEEDS },
		{ NULL },
	};
	const struct kho_abi_version *abi = kho_abi_get(KHO_ABI_DEFAULT);
	unsigned int total = DEMO_KEXECS + 1, failed = 0;
	struct sim_error e = { "" };
	const char *keep = NULL, *dir;
	struct boot_result *res;
	struct tool_args ta;
	struct sim_conf conf;
	int k, ret = 0;
	char buf[32];

	tool_args_init(&ta, "demo", opts, argc, argv);
	while ((k = tool_next(&ta)) != TOOL_END) {
		switch (k) {
		case OPT_DIR:
			keep = ta.arg;
			if (!*keep) {
				tool_error("demo: --dir needs a directory");
				return 2;
			}
			break;
		case OPT_ABI:
			abi = parse_abi("demo", ta.arg);
			if (!abi)
				return 2;
			break;
		case TOOL_OPERAND:
		case TOOL_UNKNOWN:
			tool_error(
				"demo: unknown argument %s (--dir DIR keeps the machine, --abi VERSION picks the handover's version)",
				ta.arg);
			return 2;
		default:
			return tool_args_stop(&ta, k);
		}
	}
	if (keep) {
		dir = keep;
	} else {
		if (demo_tmp_dir())
			return 1;
		dir = demo_tmp.dir;
	}
	if (sim_conf_layout(&conf, DEMO_RAM, DEMO_NODES, 12, &e) ||
	    sim_machine_create(dir, &conf, &e)) {
		tool_error("demo: %s", e.msg);
		ret = 1;
		goto out;
	}
	printf("kho demo: %s handover, %s of RAM, %d NUMA nodes, 4 KiB pages, in %s\n", abi->name,
	       fmt_bytes(DEMO_RAM, buf, sizeof(buf)), DEMO_NODES, dir);
	for (unsigned int i = 0; i < conf.nr_ranges; i++)
		printf("  ram 0x%012" PRIx64 "-0x%012" PRIx64 " node %d\n",
		       conf.ram[i].base, conf.ram[i].base + conf.ram[i].size,
		       conf.ram[i].nid);
	printf("  every boot preserves kexec-metadata,");
	for (size_t i = 0; i < ARRAY_LEN(demo_preserve); i++)
		printf(" %s", demo_preserve[i]);
	printf("; %d kexecs\n\n", DEMO_KEXECS);
	/* Each boot is a child process: it reports its numbers through a
	 * shared page, nothing else of it survives. */
	res = mmap(NULL, total * sizeof(*res), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (res == MAP_FAILED) {
		tool_error("demo: cannot map the results: %s", strerror(errno));
		ret = 1;
		goto out;
	}
	memset(res, 0, total * sizeof(*res));
	for (unsigned int no = 1; no <= total; no++) {
		ret = boot_child(dir, no, total, abi, &res[no - 1]);
		/* Standard output failed (and said so): nothing more to show. */
		if (ret < 0)
			break;
		printf("\n");
		if (ret) {
			failed++;
			printf("boot %u failed: the chain stops here\n\n", no);
			break;
		}
	}
	if (ret >= 0) {
		print_summary(res, total);
		if (failed)
			printf("kho demo: FAIL\n");
		else
			printf("kho demo: PASS: every preserved byte survived %d kexecs\n",
			       DEMO_KEXECS);
	}
	munmap(res, total * sizeof(*res));
	ret = ret < 0 || failed ? 1 : 0;
out:
	if (!keep) {
		demo_remove();
		demo_tmp.armed = 0;
	}
	return ret;
}
