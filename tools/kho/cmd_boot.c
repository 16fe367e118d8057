// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * cmd_boot.c - kho boot: one boot of a machine, as one process.
 *
 *   open: cold boot, or take the handover and walk the tree
 *   early clients (memblock) -> page allocator + scrub -> restore every
 *   subtree and check it -> preserve what was asked -> kexec
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../sim/scratch.h"
#include "../../sim/text.h"
#include "kho_tool.h"
#include "report.h"

/*
 * Set *@want to the bytes every --preserve asks for, in all. Return true
 * when the sum does not fit in 64 bits (*@want is then UINT64_MAX: it
 * fits in no machine either).
 */
static bool preserve_total(const struct boot_args *args, uint64_t *want)
{
	*want = 0;
	for (unsigned int i = 0; i < args->nr; i++) {
		if (__builtin_add_overflow(*want, args->req[i].size, want)) {
			*want = UINT64_MAX;
			return true;
		}
	}
	return false;
}

/* Does --without name @cl? */
static bool boot_without(const struct boot_args *args,
			 const struct kho_client *cl)
{
	for (unsigned int i = 0; i < args->nr_without; i++)
		if (args->without[i] == cl)
			return true;
	return false;
}

int parse_preserve(struct boot_args *args, const char *spec,
		   struct sim_error *e)
{
	char name[64];
	const char *colon = strchr(spec, ':');
	size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
	const struct kho_client *cl;
	uint64_t size;

	if (len >= sizeof(name))
		return sim_fail(e, -EINVAL, "--preserve \"%s\": no such client", spec);
	memcpy(name, spec, len);
	name[len] = '\0';
	cl = client_find(name);
	if (!cl)
		return sim_fail(e, -EINVAL,
				"--preserve \"%s\": no client \"%s\" (kexec-metadata, memblock, memfd, guest, kho-test)",
				spec, name);
	size = cl->default_size;
	if (colon && cl->fixed_size)
		return sim_fail(e, -EINVAL,
				"--preserve \"%s\": %s preserves %" PRIu64
				" bytes and takes no size",
				spec, name, size);
	if (colon && sim_parse_size(colon + 1, &size))
		return sim_fail(e, -EINVAL,
				"--preserve \"%s\": \"%s\" is not a size like 64M",
				spec, colon + 1);
	/* Every client preserves any size from one byte (a page holds it). */
	if (colon && !size)
		return sim_fail(
			e, -EINVAL,
			"--preserve \"%s\": a size must be at least 1 byte",
			spec);
	for (unsigned int i = 0; i < args->nr; i++)
		if (args->req[i].cl == cl)
			return sim_fail(e, -EINVAL, "--preserve %s given twice", name);
	if (args->nr == KHO_MAX_PRESERVE)
		return sim_fail(e, -EINVAL, "too many --preserve options");
	args->req[args->nr].cl = cl;
	args->req[args->nr].size = size;
	args->nr++;
	return 0;
}

/*
 * A child of the root FDT. Its name is copied whole: the FDT format and
 * libfdt set no length on a node name (Linux's kho_add_subtree() passes
 * any to fdt_begin_node()), so only the record's size bounds it.
 */
struct subtree {
	char *name;
	uint64_t phys;
};

struct subtree_list {
	unsigned int nr;
	struct subtree s[KHO_MAX_SUBTREES];
};

static int collect_subtree(const char *name, uint64_t phys, uint64_t size,
			   void *arg)
{
	struct subtree_list *l = arg;

	if (l->nr == KHO_MAX_SUBTREES)
		return -ENOSPC;
	l->s[l->nr].name = strdup(name);
	if (!l->s[l->nr].name)
		return -ENOMEM;
	l->s[l->nr].phys = phys;
	l->nr++;
	return 0;
}

static void subtree_list_free(struct subtree_list *l)
{
	for (unsigned int i = 0; i < l->nr; i++)
		free(l->s[i].name);
	l->nr = 0;
}

static struct client_state *state_of(struct client_state *st,
				     const struct kho_client *cl)
{
	for (int i = 0; kho_clients[i]; i++)
		if (kho_clients[i] == cl)
			return &st[i];
	return NULL;
}

/* The @n-th node with memory: the one the @n-th per-node area is for. */
static int mem_node(const struct sim_boot *b, unsigned int n)
{
	for (unsigned int nid = 0; nid < b->m.conf.nr_nodes; nid++)
		if (sim_conf_node_has_memory(&b->m.conf, nid) && !n--)
			return (int)nid;
	return -1;
}

static void print_header(FILE *out, const struct sim_boot *b,
			 const struct boot_args *args)
{
	char b1[32];

	if (args->boot_no)
		fprintf(out, "== boot %u of %u: %s ==\n", args->boot_no,
			args->boot_total, b->kho_boot ? "KHO boot" : "cold boot");
	else
		fprintf(out, "== %s of %s ==\n",
			b->kho_boot ? "KHO boot" : "cold boot", b->m.dir);
	fprintf(out,
		"  %-14s%s in %u ranges, %u node%s, %" PRIu64 " KiB pages\n",
		"machine", fmt_bytes(b->m.ram_bytes, b1, sizeof(b1)),
		b->m.conf.nr_ranges, b->m.conf.nr_mem_nodes,
		b->m.conf.nr_mem_nodes > 1 ? "s" : "", b->m.page_size >> 10);
	if (b->kho_boot)
		fprintf(out, "  %-14sroot FDT %#" PRIx64 ", scratch array %#" PRIx64
			" (%u areas), kernel at %#" PRIx64 "%s\n", "handover",
			b->handover.fdt_addr, b->handover.scratch_addr,
			b->nr_scratch, b->kernel_base,
			b->kernel_loaded ? "" : " (no image kexec'ed there)");
	if (b->scratch_malformed)
		fprintf(out,
			"  %-14s\"%s\" is malformed (neither %s): ignored as Linux ignores it, the default 200%% used\n",
			"kho_scratch", b->m.conf.kho_scratch,
			SIM_SCRATCH_SYNTAX);
	for (unsigned int i = 0; i < b->nr_scratch; i++) {
		const char *what = i == 0 ? "lowmem" : i == 1 ? "global" : "node";

		fprintf(out, "  %-14s0x%012" PRIx64 "-0x%012" PRIx64 " %s",
			i ? "" : "scratch", b->scratch[i].addr,
			b->scratch[i].addr + b->scratch[i].size,
			fmt_bytes(b->scratch[i].size, b1, sizeof(b1)));
		if (i >= 2 && mem_node(b, i - 2) >= 0)
			fprintf(out, " (%s %d)\n", what, mem_node(b, i - 2));
		else if (i >= 2) /* a handover with more areas than nodes */
			fprintf(out, " (area %u)\n", i);
		else
			fprintf(out, " (%s)\n", what);
	}
	/* What Linux takes though it is odd, as inspect says it. */
	if (b->kho_boot)
		report_warnings(out, &b->in.warn);
}

/*
 * The verdict of a boot that ran to its end, printed after power-off; and
 * the numbers, for a caller that asked for them (args->result).
 */
static void print_verdict(FILE *out, const struct sim_boot *b,
			  const struct boot_args *args, unsigned int bad,
			  uint64_t restored, uint64_t preserved,
			  uint64_t restore_ns)
{
	char b1[32];

	if (bad)
		fprintf(out,
			"  %-14sFAIL: %u subtree%s did not come back intact\n",
			"verdict", bad, bad > 1 ? "s" : "");
	else if (b->kho_boot)
		fprintf(out,
			"  %-14sPASS: every preserved byte survived (%s)\n",
			"verdict", fmt_bytes(restored, b1, sizeof(b1)));
	else
		fprintf(out, "  %-14sPASS: cold boot%s\n", "verdict",
			args->kexec ? ", handover written" : "");
	if (args->result) {
		struct boot_result *r = args->result;

		r->ran = true;
		r->kho_boot = b->kho_boot;
		r->restored = restored;
		r->preserved = preserved;
		r->tree_bytes = b->stats.in_tree.bytes;
		r->overhead = report_overhead(&b->stats.in_tree);
		r->walk_ns = b->stats.walk_ns;
		r->restore_ns = restore_ns;
		r->scrubbed = b->stats.scrubbed_boot;
		r->bad = bad;
	}
}

int run_boot(const char *dir, const struct boot_args *args, FILE *out,
	     struct sim_error *e)
{
	struct sim_boot_opts opts = { .scrub = args->scrub,
				      .punch = true,
				      .kexec = args->kexec,
				      .abi = args->abi };
	struct client_state st[8] = { 0 }, *km;
	struct subtree_list subtrees = { 0 };
	struct sim_boot *b;
	uint64_t t0, restore_ns = 0, restored = 0, preserved = 0, want = 0;
	unsigned int bad = 0;
	bool finished = false;
	struct sim_error close_e = { "" };
	char b1[32], b2[32];
	int ret, close_ret;

	b = calloc(1, sizeof(*b));
	if (!b)
		return sim_fail(e, -ENOMEM, "out of memory");
	for (int i = 0; kho_clients[i]; i++)
		st[i].cl = kho_clients[i];
	for (unsigned int i = 0; i < args->nr; i++) {
		struct client_state *s = state_of(st, args->req[i].cl);

		s->requested = true;
		s->size = args->req[i].size;
	}
	/*
	 * The kernel's own record of the chain: like Linux (kho_init() ->
	 * kho_kexec_metadata_init(), kernel/liveupdate/kexec_handover.c:1803),
	 * every boot adds it, kexec or not; a kernel without it adds none.
	 */
	km = state_of(st, &client_kexec_metadata);
	km->requested = !boot_without(args, &client_kexec_metadata);

	ret = sim_boot_open(b, dir, &opts, e);
	if (ret) {
		free(b);
		return ret;
	}
	/* Refuse what cannot fit before anything on disk changes. */
	preserve_total(args, &want);
	if (want > b->m.ram_bytes) {
		ret = sim_fail(e, -ENOMEM,
			       "%s: --preserve asks for %s but the machine has %s of RAM",
			       dir, fmt_bytes(want, b1, sizeof(b1)),
			       fmt_bytes(b->m.ram_bytes, b2, sizeof(b2)));
		goto out_close;
	}
	/*
	 * kho-v2's 16 KiB-page tree has no place for an order-0 page
	 * (docs/abi.md): refuse a client that preserves such pages now.
	 */
	for (unsigned int i = 0; i < args->nr && args->abi; i++) {
		struct kho_geometry geo;

		const struct kho_client *cl = args->req[i].cl;

		if (!cl->needs_order0 ||
		    !cl->needs_order0(args->req[i].size, b->m.page_size) ||
		    kho_geometry_init_abi(&geo, b->m.conf.page_shift,
					  args->abi) ||
		    !kho_geometry_truncates_order0(&geo))
			continue;
		ret = sim_fail(
			e, -ERANGE,
			"%s: --abi %s on %" PRIu64
			" KiB pages cannot hold %s's order-0 pages: its tree has no place for them (docs/abi.md); kho-v3 and kho-v4 have",
			dir, args->abi->name, b->m.page_size >> 10,
			args->req[i].cl->name);
		goto out_close;
	}
	print_header(out, b, args);
	if (b->kho_boot) {
		fprintf(out, "  %-14s%s: %" PRIu64 " ranges reserved, %s\n", "walk",
			fmt_ns(b->stats.walk_ns, b1, sizeof(b1)),
			b->stats.nr_reserved_ranges,
			fmt_bytes(b->stats.reserved_bytes, b2, sizeof(b2)));
		for (uint64_t i = 0; i < b->stats.nr_reserved_ranges &&
				     i < SIM_REPORT_RANGES; i++)
			fprintf(out, "  %-14s0x%012" PRIx64 "-0x%012" PRIx64 " %s\n",
				i ? "" : "reserved", b->stats.ranges[i][0],
				b->stats.ranges[i][1],
				fmt_bytes(b->stats.ranges[i][1] - b->stats.ranges[i][0],
					  b1, sizeof(b1)));
		if (b->stats.nr_reserved_ranges > SIM_REPORT_RANGES)
			fprintf(out, "  %-14s... and %" PRIu64 " more (kho inspect lists all)\n",
				"", b->stats.nr_reserved_ranges - SIM_REPORT_RANGES);
		report_blocks(out, "blocks", &b->stats.in_tree);
		report_tree(out, "tree", &b->stats.in_tree, b->geo.depth);
	}

	for (int i = 0; kho_clients[i]; i++) {
		if (!st[i].requested || !kho_clients[i]->early)
			continue;
		ret = kho_clients[i]->early(b, &st[i], e);
		if (ret)
			goto out;
	}
	ret = sim_boot_mm_init(b, e);
	if (ret)
		goto out;
	fprintf(out, "  %-14s%s in %s%s\n", "scrubbed",
		fmt_bytes(b->stats.scrubbed_boot, b1, sizeof(b1)),
		fmt_ns(b->stats.scrub_ns, b2, sizeof(b2)),
		args->scrub ? " (free memory poisoned or punched out)" :
			      " (--no-scrub)");

	if (b->kho_boot) {
		ret = kho_for_each_subtree(&b->in, collect_subtree, &subtrees);
		if (ret) {
			sim_fail(e, ret, "%s: cannot list the subtrees: %s", dir,
				 strerror(-ret));
			goto out;
		}
	}
	for (unsigned int i = 0; i < subtrees.nr; i++) {
		const char *name = subtrees.s[i].name;
		const struct kho_client *cl =
			client_for_subtree(name, b->in.abi);
		uint64_t phys = subtrees.s[i].phys;
		size_t len = strlen(name);
		struct client_state *s;
		struct sim_error ce = { "" };
		unsigned int j;
		char *shown;

		shown = malloc(SIM_SHOWN_LEN(len));
		if (!shown) {
			ret = sim_fail(e, -ENOMEM, "out of memory");
			goto out;
		}
		sim_clean_str(shown, SIM_SHOWN_LEN(len), name, len);
		for (j = 0; j < i && strcmp(subtrees.s[j].name, name); j++)
			;
		if (boot_without(args, cl))
			cl = NULL;
		/*
		 * A second child of the same name: Linux's kho_retrieve_subtree()
		 * looks it up with fdt_subnode_offset(), which finds the first
		 * only (kernel/liveupdate/kexec_handover.c:1661). Nobody claims
		 * this one; at the first one's address, its memory is the
		 * first one's, whatever became of it.
		 */
		if (j < i) {
			fprintf(out,
				"  %-14ssubtree \"%s\" at %#" PRIx64
				": a second one of that name, which Linux never finds (it finds the first), %s\n",
				"unclaimed", shown, phys,
				phys == subtrees.s[j].phys ?
					"at the first one's address" :
					"its memory stays reserved");
			free(shown);
			continue;
		}
		if (!cl) {
			fprintf(out,
				"  %-14ssubtree \"%s\" at %#" PRIx64
				": no client here, its memory stays reserved\n",
				"unclaimed", shown, phys);
			free(shown);
			continue;
		}
		/*
		 * A client claims one name (client_subtree()), and a second
		 * child of that name went above: each is restored once.
		 */
		s = state_of(st, cl);
		free(shown);
		s->found = true;
		t0 = sim_now_ns();
		s->restore_ret = cl->restore(b, s, subtrees.s[i].phys, &ce);
		s->restore_ns = sim_now_ns() - t0;
		restore_ns += s->restore_ns;
		restored += s->restored_bytes;
		if (s->restore_ret) {
			bad++;
			fprintf(out, "  %-14s%s: FAILED: %s\n", "restore", cl->name,
				ce.msg);
		} else {
			fprintf(out, "  %-14s%s: %s (%s, %s)\n", "restore",
				cl->name, s->msg,
				fmt_bytes(s->restored_bytes, b1, sizeof(b1)),
				fmt_ns(s->restore_ns, b2, sizeof(b2)));
		}
	}
	/*
	 * Linux's kho_in_kexec_metadata() finds none and keeps a count of 0
	 * (kernel/liveupdate/kexec_handover.c:1737): the next count is 1.
	 */
	if (b->kho_boot && km->requested && !km->found)
		fprintf(out,
			"  %-14s%s: none handed over (the previous kernel had none): the count starts again\n",
			"restore", client_kexec_metadata.name);
	if (b->kho_boot)
		fprintf(out, "  %-14s%s checked in %s\n", "restored",
			fmt_bytes(restored, b1, sizeof(b1)),
			fmt_ns(restore_ns, b2, sizeof(b2)));

	ret = sim_boot_out_init(b, e);
	if (ret)
		goto out;
	for (int i = 0; kho_clients[i]; i++) {
		if (!st[i].requested)
			continue;
		st[i].msg[0] = '\0';
		ret = kho_clients[i]->preserve(b, &st[i], e);
		if (ret)
			goto out;
		preserved += st[i].preserved_bytes;
		fprintf(out, "  %-14s%s: %s%s%s\n", "preserve",
			kho_clients[i]->name,
			fmt_bytes(st[i].preserved_bytes, b1, sizeof(b1)),
			st[i].msg[0] ? ", " : "", st[i].msg);
	}
	if (preserved)
		fprintf(out, "  %-14s%s for the next kernel\n", "preserved",
			fmt_bytes(preserved, b1, sizeof(b1)));
	if (args->kexec) {
		ret = sim_boot_kexec(b, e);
		if (ret)
			goto out;
		report_blocks(out, "handing over", &b->stats.out_tree);
		report_tree(out, "next tree", &b->stats.out_tree, b->geo.depth);
		fprintf(out,
			"  %-14snext kernel loaded into scratch (%s overwritten); "
			"handover: FDT %#" PRIx64 ", scratch array %#" PRIx64
			"\n",
			"kexec",
			fmt_bytes(b->stats.scrubbed_kexec, b1, sizeof(b1)),
			(uint64_t)b->handed_over.fdt_addr,
			(uint64_t)b->handed_over.scratch_addr);
	}
	ret = bad ? 1 : 0;
	finished = true;
out:
	subtree_list_free(&subtrees);
	/*
	 * Power off first: a KHO boot removes the handover it consumed, and
	 * one that cannot has failed, whatever it restored. The verdict
	 * comes after, and a PASS only when the machine is left as it says.
	 */
	close_ret = sim_boot_close(b, &close_e);
	if (close_ret && ret < 0) {
		size_t n = strlen(e->msg);

		snprintf(e->msg + n, sizeof(e->msg) - n, ", and %s",
			 close_e.msg);
	} else if (close_ret) {
		sim_fail(e, close_ret, "%s", close_e.msg);
	}
	/* A PASS only when the machine is left as the report says. */
	if (finished && (bad || !close_ret))
		print_verdict(out, b, args, bad, restored, preserved,
			      restore_ns);
	if (close_ret)
		ret = close_ret;
	free(b);
	return ret;
out_close:
	subtree_list_free(&subtrees);
	sim_boot_abort(b);
	free(b);
	return ret;
}

int cmd_boot(int argc, char **argv)
{
	enum { OPT_KEXEC, OPT_NO_SCRUB, OPT_ABI, OPT_WITHOUT, OPT_PRESERVE };
	struct tool_opt opts[] = {
		[OPT_KEXEC] = { "--kexec" },
		[OPT_NO_SCRUB] = { "--no-scrub" },
		[OPT_ABI] = { "--abi", TOOL_ABI_NEEDS },
		/* Once per client: each is checked where it is read. */
		[OPT_WITHOUT] = { "--without",
				  "a client name (kexec-metadata, memblock, memfd, guest, kho-test)",
				  true },
		[OPT_PRESERVE] = { "--preserve", "CLIENT[:SIZE]", true },
		{ NULL },
	};
	struct boot_args args = { .scrub = true };
	struct sim_error e = { "" };
	struct tool_args ta;
	const char *dir = NULL;
	uint64_t want;
	int k, ret;

	tool_args_init(&ta, "boot", opts, argc, argv);
	while ((k = tool_next(&ta)) != TOOL_END) {
		const char *v = ta.arg;
		const struct kho_client *cl;

		switch (k) {
		case OPT_KEXEC:
			args.kexec = true;
			break;
		case OPT_NO_SCRUB:
			args.scrub = false;
			break;
		case OPT_ABI:
			args.abi = parse_abi("boot", v);
			if (!args.abi)
				return 2;
			break;
		case OPT_WITHOUT:
			cl = client_find(v);
			if (!cl) {
				tool_error(
					"boot: --without %s: \"%s\" is no client (kexec-metadata, memblock, memfd, guest, kho-test)",
					v, v);
				return 2;
			}
			if (boot_without(&args, cl)) {
				tool_error("boot: --without %s given twice",
					   cl->name);
				return 2;
			}
			args.without[args.nr_without++] = cl;
			break;
		case OPT_PRESERVE:
			if (parse_preserve(&args, v, &e)) {
				tool_error("boot: %s", e.msg);
				return 2;
			}
			break;
		case TOOL_OPERAND:
			if (dir) {
				tool_error(
					"boot: one machine directory only (\"%s\" and \"%s\")",
					dir, v);
				return 2;
			}
			if (!*v) {
				tool_error(
					"boot: the machine directory is an empty string");
				return 2;
			}
			dir = v;
			break;
		default:
			return tool_args_stop(&ta, k);
		}
	}
	if (!dir) {
		tool_error("boot: no machine directory given (kho boot DIR)");
		return 2;
	}
	/* Sizes that add up past 2^64 bytes fit in no machine. */
	if (preserve_total(&args, &want)) {
		char sizes[KHO_MAX_PRESERVE * 48] = "";
		size_t n = 0;

		for (unsigned int i = 0; i < args.nr && n < sizeof(sizes); i++)
			n += snprintf(sizes + n, sizeof(sizes) - n,
				      "%s%s:%#" PRIx64, i ? " + " : "",
				      args.req[i].cl->name, args.req[i].size);
		tool_error("boot: --preserve %s add up to more than 2^64 bytes",
			   sizes);
		return 2;
	}
	/* A kernel without the subsystem has nothing of it to preserve. */
	for (unsigned int i = 0; i < args.nr; i++) {
		const char *name = args.req[i].cl->name;

		if (boot_without(&args, args.req[i].cl)) {
			tool_error(
				"boot: --preserve %s and --without %s: a kernel without %s preserves none",
				name, name, name);
			return 2;
		}
	}
	ret = run_boot(dir, &args, stdout, &e);
	/* The report before the sentence, when both go to one place. */
	tool_flush_stdout();
	if (ret < 0) {
		tool_error("%s", e.msg);
		return 1;
	}
	return ret;
}

const struct kho_abi_version *parse_abi(const char *cmd, const char *arg)
{
	const struct kho_abi_version *v;
	char name[16];

	/* "v3" is short for "kho-v3". */
	snprintf(name, sizeof(name), "%s%s", strncmp(arg, "kho-", 4) ? "kho-" : "",
		 arg);
	v = kho_abi_find(name);
	if (!v || v->mem_map != KHO_MEM_MAP_RADIX) {
		tool_error(
			"%s: --abi \"%s\": libkho writes kho-v2, kho-v3 and kho-v4 (kho-v1 is read only)",
			cmd, arg);
		return NULL;
	}
	return v;
}
