// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * main.c - the kho command: run, inspect and measure KHO handovers on a
 * simulated machine.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kho_tool.h"

/*
 * Each command's synopsis, word for word as man/kho.1's SYNOPSIS has it
 * (test_kho_cli.sh compares them); wrapped for the terminal when printed.
 */
static const struct {
	const char *cmd;
	const char *synopsis;
} synopses[] = {
	{ "demo", "kho demo [--dir DIR] [--abi VERSION]" },
	{ "machine create",
	  "kho machine create DIR [--ram SIZE] [--ram-base ADDR] [--nodes N] "
	  "[--page-size 4K|16K|64K] [--kho-scratch SPEC]" },
	{ "machine offset", "kho machine offset DIR PHYS" },
	{ "boot", "kho boot DIR [--preserve CLIENT[:SIZE] ...] "
		  "[--without CLIENT ...] [--kexec] [--no-scrub] "
		  "[--abi VERSION]" },
	{ "inspect",
	  "kho inspect [--mem] DIR|SOURCE [--fdt FILE] "
	  "[--page-size 4K|16K|64K] [--v1-bitmap 512|page] [--scratch DIR] "
	  "[--handover FILE] [--json] [--blocks] "
	  "[--svg FILE [--svg-color order|subsystem]]" },
	{ "debug corrupt", "kho debug corrupt DIR WHAT" },
	{ NULL, "kho [COMMAND] -h|--help" },
};

/* What the synopses' words stand for, after the commands that use them. */
static const struct {
	const char *cmd[2];
	const char *text;
} notes[] = {
	{ { "machine create" },
	  "SPEC: N% or LOW,GLOBAL,PERNODE, as Linux's kho_scratch=" },
	{ { "inspect" },
	  "SOURCE: [machine:]DIR, raw:FILE@0xBASE, elf:FILE, kcore:/proc/kcore "
	  "or devmem" },
	{ { "demo", "boot" },
	  "VERSION: kho-v2, kho-v3 or kho-v4 (the default); v3 is short for kho-v3" },
	{ { "debug corrupt" }, "WHAT: a damage kho(1) lists (for tests)" },
};

/* Does `kho @key -h` show @cmd? "machine" shows both machine commands. */
static bool shows(const char *key, const char *cmd)
{
	size_t n;

	if (!key)
		return true;
	if (!cmd)
		return false;
	n = strlen(key);
	return !strncmp(cmd, key, n) && (!cmd[n] || cmd[n] == ' ');
}

/*
 * @s after @prefix, broken before a top-level " [" where the line would
 * pass 80 columns; the next line starts under the first "[".
 */
static void print_synopsis(FILE *f, const char *prefix, const char *s)
{
	size_t col = strlen(prefix), indent = 0;
	const char *p = s, *q;
	int depth = 0;

	fputs(prefix, f);
	while (*p) {
		/* One piece: up to the next " [" outside brackets. */
		for (q = p; *q; q++) {
			if (*q == '[')
				depth++;
			else if (*q == ']')
				depth--;
			else if (!depth && q[0] == ' ' && q[1] == '[' && q > p)
				break;
		}
		if (p != s && col + (size_t)(q - p) > 80) {
			fprintf(f, "\n%*s", (int)indent, "");
			col = indent;
			p++; /* the blank the line broke at */
		}
		if (p == s)
			indent = col + (size_t)(q - p) + 1;
		fwrite(p, 1, q - p, f);
		col += q - p;
		p = q;
	}
	fputc('\n', f);
}

void tool_usage(FILE *f, const char *cmd)
{
	const char *prefix = "usage: ";

	for (size_t i = 0; i < sizeof(synopses) / sizeof(synopses[0]); i++) {
		if (!shows(cmd, synopses[i].cmd))
			continue;
		print_synopsis(f, prefix, synopses[i].synopsis);
		prefix = "       ";
	}
	for (size_t i = 0; i < sizeof(notes) / sizeof(notes[0]); i++)
		if (shows(cmd, notes[i].cmd[0]) || shows(cmd, notes[i].cmd[1]))
			fprintf(f, "%s\n", notes[i].text);
	if (shows(cmd, "boot")) {
		fprintf(f, "clients:");
		for (int i = 0; kho_clients[i]; i++)
			fprintf(f, " %s", kho_clients[i]->name);
		fprintf(f, "\n");
	}
	fprintf(f, "See kho(1).\n");
}

const char *tool_synopsis(const char *cmd)
{
	for (size_t i = 0; i < sizeof(synopses) / sizeof(synopses[0]); i++)
		if (synopses[i].cmd && !strcmp(synopses[i].cmd, cmd))
			return synopses[i].synopsis;
	return "kho --help";
}

bool tool_is_help(const char *arg)
{
	return !strcmp(arg, "-h") || !strcmp(arg, "--help");
}

/* ---- options ------------------------------------------------------------- */

/*
 * Why not getopt_long(): it takes "--ra" for "--ram" (a script that
 * abbreviates breaks when an option "--range" is added), it reads "-1" in
 * `kho machine offset DIR -1` as an option rather than a PHYS the command
 * refuses in its own words, and it takes "--fdt --json" as a file named
 * "--json". Options and operands here are read in order, exactly as
 * written; what is left (a table lookup and two checks) is this page.
 */

void tool_args_init(struct tool_args *a, const char *cmd, struct tool_opt *opts,
		    int argc, char **argv)
{
	a->cmd = cmd;
	a->opts = opts;
	a->argc = argc;
	a->argv = argv;
	a->next = 1;
	a->operands = false;
	a->arg = NULL;
	a->e.msg[0] = '\0';
	for (struct tool_opt *o = opts; o->name; o++)
		o->given = false;
}

static struct tool_opt *find_opt(struct tool_opt *opts, const char *name)
{
	for (struct tool_opt *o = opts; o->name; o++)
		if (!strcmp(o->name, name))
			return o;
	return NULL;
}

int tool_next(struct tool_args *a)
{
	struct tool_opt *o;
	const char *s, *v;

	a->arg = NULL;
	if (a->next >= a->argc)
		return TOOL_END;
	s = a->argv[a->next++];
	if (a->operands || s[0] != '-') {
		a->arg = s;
		return TOOL_OPERAND;
	}
	if (!strcmp(s, "--")) {
		a->operands = true;
		return tool_next(a);
	}
	if (tool_is_help(s)) {
		tool_usage(stdout, a->cmd);
		return TOOL_HELP;
	}
	o = find_opt(a->opts, s);
	if (!o) {
		a->arg = s;
		return TOOL_UNKNOWN;
	}
	if (!o->needs)
		return o - a->opts;
	/* Two values for one setting: which one was meant? */
	if (o->given && !o->repeat) {
		sim_fail(&a->e, -EINVAL, "%s given twice", s);
		return TOOL_BAD;
	}
	o->given = true;
	/*
	 * "--fdt --json": the value was forgotten, and --json is not the
	 * file meant.
	 */
	v = a->next < a->argc ? a->argv[a->next] : NULL;
	if (!v || tool_is_help(v) || find_opt(a->opts, v)) {
		sim_fail(&a->e, -EINVAL, "%s needs %s", s, o->needs);
		return TOOL_BAD;
	}
	a->next++;
	a->arg = v;
	return o - a->opts;
}

int tool_args_stop(const struct tool_args *a, int k)
{
	if (k == TOOL_HELP)
		return 0;
	if (k == TOOL_UNKNOWN)
		tool_error("%s: unknown option %s", a->cmd, a->arg);
	else
		tool_error("%s: %s", a->cmd, a->e.msg);
	return 2;
}

int tool_operands(const char *cmd, int argc, char **argv, const char **ops,
		  int max)
{
	struct tool_opt none[] = { { NULL } };
	struct tool_args a;
	int n = 0, k;

	tool_args_init(&a, cmd, none, argc, argv);
	while ((k = tool_next(&a)) != TOOL_END) {
		if (k == TOOL_HELP)
			return TOOL_HELP;
		/* TOOL_OPERAND, or TOOL_UNKNOWN: "-1" is a PHYS to refuse. */
		if (n < max)
			ops[n] = a.arg;
		n++;
	}
	return n;
}

/* ---- standard output ------------------------------------------------------ */

static bool stdout_said;

/* Say once that standard output failed (@err: errno, 0 when unknown). */
static void stdout_failed(int err)
{
	if (stdout_said)
		return;
	stdout_said = true;
	if (err)
		tool_error("cannot write standard output: %s", strerror(err));
	else
		tool_error("cannot write standard output");
}

/*
 * Flush stdout; @earlier: why a write that failed before failed (the errno
 * it left, when nothing came between), 0 when not known.
 */
static int flush_stdout(int earlier)
{
	errno = 0;
	if (fflush(stdout) == EOF) {
		stdout_failed(errno);
		return -1;
	}
	/* A large write goes out at once: its failure left nothing pending. */
	if (ferror(stdout)) {
		stdout_failed(earlier);
		return -1;
	}
	return 0;
}

int tool_flush_stdout(void)
{
	return flush_stdout(errno);
}

/* The last of the output, and the descriptor's close, checked. */
static int close_stdout(void)
{
	if (flush_stdout(0))
		return -1;
	if (fclose(stdout) == EOF) {
		stdout_failed(errno);
		return -1;
	}
	return 0;
}

/*
 * A standard descriptor the caller closed (">&-") is held by /dev/null
 * opened the other way (write-only for 0, read-only for 1 and 2): reading
 * stdin and writing stdout still fail (EBADF), so a closed stdout is a
 * write error, and no file kho opens can take the number and receive the
 * report (ram.img on descriptor 1).
 */
static int hold_closed_std_fds(void)
{
	for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++) {
		int n;

		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		/* The lowest free number: this one, the lower ones are held. */
		n = open("/dev/null", fd == STDIN_FILENO ? O_WRONLY : O_RDONLY);
		if (n == fd)
			continue;
		if (n >= 0)
			close(n);
		tool_error(
			"descriptor %d is closed and /dev/null cannot hold it: %s",
			fd, n < 0 ? strerror(errno) : "another number came");
		return -1;
	}
	return 0;
}

/* The longest error tool_error() prints when it cannot allocate. */
#define TOOL_ERROR_FALLBACK_LEN 1024

void tool_error(const char *fmt, ...)
{
	/* Out of memory: as much of the sentence as this holds. */
	char fallback[TOOL_ERROR_FALLBACK_LEN];
	const char *text;
	char *buf = NULL;
	size_t n;
	va_list ap;
	int len;

	/* Whole, however long: a sentence may name two long paths. */
	va_start(ap, fmt);
	len = vasprintf(&buf, fmt, ap);
	va_end(ap);
	if (len < 0) {
		buf = NULL;
		va_start(ap, fmt);
		vsnprintf(fallback, sizeof(fallback), fmt, ap);
		va_end(ap);
		text = fallback;
	} else {
		text = buf;
	}
	n = strlen(text);
	/*
	 * One line, whatever it quotes: a control byte of an argument or a
	 * path (a newline, an escape) is shown as \xHH. Text read from
	 * memory or files was escaped already, backslash included.
	 */
	fputs("kho: ", stderr);
	for (const char *c = text; *c; c++) {
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			fprintf(stderr, "\\x%02x", (unsigned char)*c);
		else
			fputc(*c, stderr);
	}
	/* A sentence ends once: no period after ".", "?" or "!". */
	fprintf(stderr, "%s\n", n && strchr(".?!", text[n - 1]) ? "" : ".");
	free(buf);
}

const char *fmt_bytes(uint64_t bytes, char *buf, size_t len)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	unsigned int u = 0;
	double v = bytes;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (!u || v == (uint64_t)v)
		snprintf(buf, len, "%.0f %s", v, unit[u]);
	else
		snprintf(buf, len, "%.2f %s", v, unit[u]);
	return buf;
}

const char *fmt_ns(uint64_t ns, char *buf, size_t len)
{
	if (ns < 1000000)
		snprintf(buf, len, "%.1f us", ns / 1e3);
	else if (ns < 10000000000ULL)
		snprintf(buf, len, "%.2f ms", ns / 1e6);
	else
		snprintf(buf, len, "%.2f s", ns / 1e9);
	return buf;
}

static int run(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (!cmd || tool_is_help(cmd) || !strcmp(cmd, "help")) {
		tool_usage(cmd ? stdout : stderr, NULL);
		return cmd ? 0 : 2;
	}
	if (!strcmp(cmd, "demo"))
		return cmd_demo(argc - 1, argv + 1);
	if (!strcmp(cmd, "machine"))
		return cmd_machine(argc - 1, argv + 1);
	if (!strcmp(cmd, "boot"))
		return cmd_boot(argc - 1, argv + 1);
	if (!strcmp(cmd, "inspect"))
		return cmd_inspect(argc - 1, argv + 1);
	if (!strcmp(cmd, "debug"))
		return cmd_debug(argc - 1, argv + 1);
	tool_error("unknown command \"%s\" (try kho --help)", cmd);
	return 2;
}

int main(int argc, char **argv)
{
	int ret;

	if (hold_closed_std_fds())
		return 1;
	ret = run(argc, argv);
	/* Output that did not arrive fails the command, unless it failed. */
	if (close_stdout() && !ret)
		ret = 1;
	return ret;
}
