// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * cmd_demo.c - kho demo: a 4 GiB machine with a hole and RAM above 4 GiB,
 * every client, a chain of three kexecs; each boot its own process.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
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

/* What every boot of the chain preserves for the next one. */
static const char *const demo_preserve[] = {
	"memblock:4M",
	"memfd:64M",
	"guest:1280M",	/* one 1 GiB folio and 128 of 2 MiB */
	"kho-test",	/* lib/test_kho.c: 8 MiB of random folios */
};

static int boot_child(const char *dir, unsigned int no, unsigned int total,
		      const struct kho_abi_version *abi,
		      struct boot_result *res)
{
	struct boot_args args = { .scrub = true, .boot_no = no,
				  .boot_total = total, .kexec = no < total,
				  .result = res, .abi = abi };
	struct sim_error e = { "" };
	pid_t pid;
	int status, ret;

	/* The last boot restores and checks; it has no one to hand over to. */
	for (size_t i = 0; args.kexec && i < sizeof(demo_preserve) / sizeof(demo_preserve[0]); i++)
		if (parse_preserve(&args, demo_preserve[i], &e)) {
			tool_error("demo: %s", e.msg);
			return 1;
		}
	/* A report that cannot be written stops the demo. */
	if (tool_flush_stdout())
		return -1;
	pid = fork();
	if (pid < 0) {
		tool_error("demo: cannot fork: %s", strerror(errno));
		return 1;
	}
	if (!pid) {
		/* A boot is a process: nothing but ram.img carries over. */
		ret = run_boot(dir, &args, stdout, &e);
		if (tool_flush_stdout())
			_exit(DEMO_EXIT_STDOUT);
		if (ret < 0)
			tool_error("%s", e.msg);
		_exit(ret ? 1 : 0);
	}
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
	char tmpl[PATH_MAX], cmd[PATH_MAX + 16], buf[32];
	const char *keep = NULL, *tmp = getenv("TMPDIR");
	unsigned int total = DEMO_KEXECS + 1, failed = 0;
	struct sim_error e = { "" };
	struct boot_result *res;
	struct tool_args ta;
	struct sim_conf conf;
	const char *dir;
	int k, ret = 0;

	const struct kho_abi_version *abi = kho_abi_get(KHO_ABI_DEFAULT);

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
		snprintf(tmpl, sizeof(tmpl), "%s/kho-demo.XXXXXX",
			 tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(tmpl)) {
			tool_error("demo: cannot create a directory in %s: %s",
				   tmp && *tmp ? tmp : "/tmp", strerror(errno));
			return 1;
		}
		dir = tmpl;
	}
	if (sim_conf_layout(&conf, DEMO_RAM, DEMO_NODES, 12, &e) ||
	    sim_machine_create(dir, &conf, &e)) {
		tool_error("demo: %s", e.msg);
		if (!keep)
			rmdir(tmpl);
		return 1;
	}
	printf("kho demo: %s handover, %s of RAM, %d NUMA nodes, 4 KiB pages, in %s\n", abi->name,
	       fmt_bytes(DEMO_RAM, buf, sizeof(buf)), DEMO_NODES, dir);
	for (unsigned int i = 0; i < conf.nr_ranges; i++)
		printf("  ram 0x%012" PRIx64 "-0x%012" PRIx64 " node %d\n",
		       conf.ram[i].base, conf.ram[i].base + conf.ram[i].size,
		       conf.ram[i].nid);
	printf("  every boot preserves kexec-metadata,");
	for (size_t i = 0; i < sizeof(demo_preserve) / sizeof(demo_preserve[0]); i++)
		printf(" %s", demo_preserve[i]);
	printf("; %d kexecs\n\n", DEMO_KEXECS);
	/* Each boot is a child process: it reports its numbers through a
	 * shared page, nothing else of it survives. */
	res = mmap(NULL, total * sizeof(*res), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (res == MAP_FAILED) {
		tool_error("demo: cannot map the results: %s", strerror(errno));
		return 1;
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
	if (!keep) {
		snprintf(cmd, sizeof(cmd), "%s/" SIM_RAM_FILE, dir);
		unlink(cmd);
		snprintf(cmd, sizeof(cmd), "%s/" SIM_CONF_FILE, dir);
		unlink(cmd);
		snprintf(cmd, sizeof(cmd), "%s/" SIM_HANDOVER_FILE, dir);
		unlink(cmd);
		rmdir(dir);
	}
	return ret < 0 || failed ? 1 : 0;
}
