/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * tools/kho/kho_tool.h - the kho command's pieces.
 */
#ifndef KHO_TOOL_H
#define KHO_TOOL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../../clients/client.h"
#include "../../sim/boot.h"

#define KHO_MAX_PRESERVE 16
#define KHO_MAX_SUBTREES 64

/**
 * struct boot_result - one boot in numbers, for the demo's summary
 * @ran: the boot got as far as its verdict
 * @kho_boot: it took a handover
 * @kexec_count: kexecs since cold boot, as kexec-metadata told it
 * @restored: bytes restored and checked
 * @preserved: bytes preserved for the next kernel
 * @tree_bytes: the handed-over tree's nodes, in bytes
 * @overhead: tree bytes per preserved byte, in percent
 * @walk_ns: tree walk
 * @restore_ns: restores and checks
 * @scrubbed: bytes scrubbed at boot
 * @bad: subtrees that did not come back intact
 */
struct boot_result {
	bool ran;
	bool kho_boot;
	uint64_t restored;
	uint64_t preserved;
	uint64_t tree_bytes;
	double overhead;
	uint64_t walk_ns;
	uint64_t restore_ns;
	uint64_t scrubbed;
	unsigned int bad;
};

/**
 * struct boot_args - what `kho boot` was asked
 * @nr: entries of @req
 * @req: clients to preserve and their sizes
 * @without: clients this kernel lacks: their subtrees go unclaimed
 * @nr_without: entries of @without
 * @kexec: kexec at the end
 * @scrub: scrub free memory after the walk
 * @boot_no: the boot's number in a chain (0: not part of a chain)
 * @boot_total: the chain's length
 * @result: filled in when not NULL
 * @abi: the ABI version to hand over in; NULL: kho-v4
 */
struct boot_args {
	unsigned int nr;
	struct {
		const struct kho_client *cl;
		uint64_t size;
	} req[KHO_MAX_PRESERVE];
	/* Each client once (--without X twice is refused): room for all. */
	const struct kho_client *without[KHO_MAX_PRESERVE];
	unsigned int nr_without;
	bool kexec;
	bool scrub;
	unsigned int boot_no;
	unsigned int boot_total;
	struct boot_result *result;
	const struct kho_abi_version *abi;
};

/* What --abi takes, as "--abi needs ..." says it. */
#define TOOL_ABI_NEEDS "a version (kho-v2, kho-v3, kho-v4)"

/* The version --abi names ("kho-v3" or "v3"), or NULL after an error. */
const struct kho_abi_version *parse_abi(const char *cmd, const char *arg);

/* Parse CLIENT[:SIZE] into @args. Return: 0, or -EINVAL with @e filled. */
int parse_preserve(struct boot_args *args, const char *spec,
		   struct sim_error *e);

/**
 * run_boot() - one boot of a machine, with its report on @out
 * @dir: machine directory
 * @args: what to do
 * @out: where the report goes
 * @e: why the boot failed
 *
 * The verdict is printed after the machine powered off: a KHO boot that
 * cannot remove the handover it consumed prints no PASS.
 * Return: 0 when the boot ran and every restored byte checked out, 1 when
 * something did not survive, or a negative errno (@e says why), also when
 * the handover could not be removed.
 */
int run_boot(const char *dir, const struct boot_args *args, FILE *out,
	     struct sim_error *e);

int cmd_machine(int argc, char **argv);
int cmd_boot(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_debug(int argc, char **argv);

/* "1.25 GiB", "64 MiB", "4 KiB", "73 B" into @buf. */
const char *fmt_bytes(uint64_t bytes, char *buf, size_t len);
/* "1.234 ms" into @buf. */
const char *fmt_ns(uint64_t ns, char *buf, size_t len);

/* Print "kho: <sentence>." on stderr. */
void tool_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * The usage of @cmd ("machine create"; "machine" for both machine commands;
 * NULL for all) on @f: what -h and --help print.
 */
void tool_usage(FILE *f, const char *cmd);
/* @cmd's synopsis on one line, "kho boot DIR [--preserve ...] ...". */
const char *tool_synopsis(const char *cmd);
/* Is @arg -h or --help? */
bool tool_is_help(const char *arg);

/**
 * struct tool_opt - one option of a command, for tool_next()
 * @name: "--ram"
 * @needs: what its value is, as "--ram needs a value" says; NULL: a flag,
 *	which may be given more than once
 * @repeat: the value may be given more than once (the command checks
 *	each, as --preserve does); otherwise twice is a usage error
 * @given: set by tool_next()
 */
struct tool_opt {
	const char *name;
	const char *needs;
	bool repeat;
	bool given;
};

/**
 * struct tool_args - a command's arguments, read one at a time
 * @cmd: the command ("machine create"), for -h and messages
 * @opts: its options, ended by one without a name
 * @argc: arguments, the command's name first
 * @argv: the arguments
 * @next: index of the next one
 * @operands: "--" was read: every argument after it is an operand
 * @arg: the option's value, or the operand, tool_next() found
 * @e: why tool_next() returned TOOL_BAD
 */
struct tool_args {
	const char *cmd;
	struct tool_opt *opts;
	int argc;
	char **argv;
	int next;
	bool operands;
	const char *arg;
	struct sim_error e;
};

/* What tool_next() found, when it is not an option (their index, >= 0). */
enum {
	TOOL_END = -1, /* no more arguments */
	TOOL_OPERAND = -2, /* @arg: an operand */
	TOOL_HELP = -3, /* -h or --help: the usage is printed */
	TOOL_UNKNOWN = -4, /* @arg: an option the command does not have */
	TOOL_BAD = -5, /* @e: a value missing, or given twice */
};

void tool_args_init(struct tool_args *a, const char *cmd, struct tool_opt *opts,
		    int argc, char **argv);

/**
 * tool_next() - the next argument of a command
 * @a: the arguments
 *
 * An argument that starts with "-" is an option, unless it comes after
 * "--"; -h and --help print the command's usage on stdout. An option's
 * value is the next argument, which must not be one of the command's
 * option names ("--fdt --json" lacks the value, it names no file).
 *
 * Return: the index in @a->opts of the option read (@a->arg its value), or
 * a TOOL_* code.
 */
int tool_next(struct tool_args *a);

/*
 * For TOOL_HELP, TOOL_UNKNOWN and TOOL_BAD: say what is wrong
 * ("machine create: unknown option --x") and return the exit status (0
 * after -h, 2 otherwise).
 */
int tool_args_stop(const struct tool_args *a, int k);

/*
 * The operands of a command that has no option but -h and --help, up to
 * @max of them in @ops ("-1" is an operand too); "--" ends the options.
 * Return: how many there are, or TOOL_HELP (the usage is printed).
 */
int tool_operands(const char *cmd, int argc, char **argv, const char **ops,
		  int max);

/*
 * Flush stdout, right after writing to it (a write that failed then left
 * its errno). Return: 0, or -1 when standard output cannot be written,
 * which it says (once) on stderr.
 */
int tool_flush_stdout(void);

#endif /* KHO_TOOL_H */
