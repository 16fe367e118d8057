// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * cmd_inspect.c - kho inspect: a handover in any physical memory, read-only.
 *
 *   kho inspect DIR                    a machine directory's pending handover
 *   kho inspect --mem SOURCE [--fdt F] any memory source (memsrc.h): a machine
 *                                      directory, raw image, ELF core,
 *                                      /proc/kcore, /dev/mem
 *
 * One reader (inspect_mem.c) for every source; this file parses the command
 * line and prints what it found as text (JSON: inspect_json.c, SVG:
 * inspect_svg.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libfdt.h>

#include "inspect_mem.h"
#include "kho_tool.h"
#include "report.h"

/* Ranges shown in text output; --json lists them all. */
#define INSPECT_TEXT_RANGES 32

/* ---- text output -------------------------------------------------------------- */

/* A memfd-v2 file that was read: its size, position, seals and folios. */
static void print_memfd(FILE *out, const struct inspect_luo_file *f)
{
	uint32_t back = kho_memfd_seals_retrieved(f->memfd.seals);
	char b[32];

	fprintf(out, ": size %" PRIu64 " (%s), pos %" PRIu64 ", seals %#x",
		f->memfd.size, fmt_bytes(f->memfd.size, b, sizeof(b)),
		f->memfd.pos, f->memfd.seals);
	/* 7.3.4 adds the write seals to F_SEAL_EXEC (patches/0003). */
	if (back != f->memfd.seals)
		fprintf(out, " (%#x once Linux 7.3.4 retrieves it)", back);
	fprintf(out, ", %" PRIu64 " folios",
		f->memfd.nr_folios - f->memfd.nr_holes);
	if (f->holes_known && f->hole_pages)
		fprintf(out, ", %" PRIu64 " page%s in holes", f->hole_pages,
			f->hole_pages == 1 ? "" : "s");
}

static void print_subtree(FILE *out, const struct inspect *in,
			  const struct inspect_subtree *s, bool first)
{
	char b[32];

	fprintf(out, "  %-14s%-16s", first ? "subtrees" : "", s->name);
	if (!s->has_phys) {
		fprintf(out, " %s\n", s->problem);
		return;
	}
	fprintf(out, " at %#" PRIx64, s->phys);
	if (s->has_blob_size)
		fprintf(out, ", blob-size %" PRIu64, s->blob_size);
	if (s->fdt_size)
		fprintf(out, " (%s%sFDT %u bytes)", s->compatible,
			s->compatible[0] ? ", " : "",
			(unsigned int)s->fdt_size);
	if (in->map_read)
		fprintf(out, ", %s",
			s->preserved ? "preserved" : "NOT PRESERVED");
	switch (s->kind) {
	case INSPECT_KEXEC_METADATA:
		fprintf(out,
			": version %u, previous release \"%s\", kexec count %u",
			s->km.version, s->release, s->km.kexec_count);
		break;
	case INSPECT_LUO:
		fprintf(out,
			": %s, live update %" PRIu64 ", %" PRIu64
			" session%s, %" PRIu64 " file%s, %" PRIu64
			" FLB%s, %" PRIu64 " block%s",
			KHO_LUO_COMPATIBLE, s->luo.liveupdate_num,
			s->luo.nr_sessions, s->luo.nr_sessions == 1 ? "" : "s",
			s->luo.nr_files, s->luo.nr_files == 1 ? "" : "s",
			s->luo.nr_flbs, s->luo.nr_flbs == 1 ? "" : "s",
			s->luo.nr_blocks, s->luo.nr_blocks == 1 ? "" : "s");
		break;
	case INSPECT_KHO_TEST:
		fprintf(out, ": %u folios (%s), csum %#x %s%s%s",
			s->kt.info.nr_folios,
			fmt_bytes(s->kt.folio_bytes, b, sizeof(b)),
			s->kt.info.csum,
			s->kt.csum_state == 1 ? "ok (" :
			s->kt.csum_state == 0 ? "WRONG" :
						"not checked: ",
			s->kt.csum_state == 1 ? s->kt.csum_arch :
			s->kt.csum_state == 0 ? "" :
						s->kt.csum_note,
			s->kt.csum_state == 1 ? ")" : "");
		break;
	case INSPECT_MEMBLOCK:
		fprintf(out, ": %u reserve_mem region%s", s->total_regions,
			s->total_regions == 1 ? "" : "s");
		break;
	case INSPECT_MEMFD:
		fprintf(out,
			": memfd-v1 at %#" PRIx64 ", size %s, pos %" PRIu64
			", %" PRIu64
			" folios (array: %u pages of order %u at %#" PRIx64 ")",
			s->memfd_phys, fmt_bytes(s->memfd.size, b, sizeof(b)),
			(uint64_t)s->memfd.pos, (uint64_t)s->memfd.nr_folios,
			s->memfd.folios.total_pages, s->memfd.folios.order,
			(uint64_t)s->memfd.folios.first);
		break;
	case INSPECT_BLOB:
		break;
	}
	fprintf(out, "\n");
	for (unsigned int i = 0; i < s->nr_sessions; i++) {
		const struct inspect_luo_session *si = &s->sessions[i];

		fprintf(out, "  %-14s  session %-16s %" PRIu64 " file%s\n", "",
			si->name, si->info.nr_files,
			si->info.nr_files == 1 ? "" : "s");
		for (unsigned int j = 0; j < s->nr_files; j++) {
			const struct inspect_luo_file *f = &s->files[j];

			if (f->session != i)
				continue;
			fprintf(out,
				"  %-14s    file %-10s token %#" PRIx64
				", data %#" PRIx64,
				"", f->compatible, f->f.token, f->f.data);
			if (!f->memfd_read)
				print_memfd(out, f);
			if (f->problem[0])
				fprintf(out, "%s%s",
					f->memfd_read ? ": " : "; ",
					f->problem);
			fprintf(out, "\n");
		}
	}
	/* Only the non-zero counts: "0 more sessions" says nothing. */
	if (s->unlisted_sessions || s->unlisted_files) {
		fprintf(out, "  %-14s  ...", "");
		if (s->unlisted_sessions)
			fprintf(out, " %" PRIu64 " more session%s",
				s->unlisted_sessions,
				s->unlisted_sessions == 1 ? "" : "s");
		if (s->unlisted_sessions && s->unlisted_files)
			fprintf(out, " and");
		if (s->unlisted_files)
			fprintf(out, " %" PRIu64 " more file%s",
				s->unlisted_files,
				s->unlisted_files == 1 ? "" : "s");
		fprintf(out,
			" not listed (at most %u sessions and %u files are)\n",
			INSPECT_MAX_SESSIONS, INSPECT_MAX_FILES);
	}
	for (unsigned int i = 0; i < s->nr_flbs; i++)
		fprintf(out,
			"  %-14s  FLB %-20s data %#" PRIx64 ", %" PRIu64
			" file%s\n",
			"", s->flbs[i].name, s->flbs[i].info.data,
			s->flbs[i].info.count,
			s->flbs[i].info.count == 1 ? "" : "s");
	if (s->unlisted_flbs)
		fprintf(out,
			"  %-14s  ... %" PRIu64 " more FLB%s not listed (at "
			"most %u are)\n",
			"", s->unlisted_flbs, s->unlisted_flbs == 1 ? "" : "s",
			INSPECT_MAX_FILES);
	for (unsigned int i = 0; i < s->nr_regions; i++)
		fprintf(out,
			"  %-14s  region %-16s 0x%012" PRIx64 "-0x%012" PRIx64
			" %s\n",
			"", s->regions[i].name, s->regions[i].start,
			s->regions[i].start + s->regions[i].size,
			fmt_bytes(s->regions[i].size, b, sizeof(b)));
	if (s->duplicate)
		fprintf(out,
			"  %-14s  note: a child before it is named %s too; "
			"kernel B finds only that one (fdt_subnode_offset())\n",
			"", s->name);
	if (s->problem[0])
		fprintf(out, "  %-14s  note: %s\n", "", s->problem);
}

static void print_text(FILE *out, struct inspect *in)
{
	struct kho_radix_stats st = in->tree;
	char b[32];

	if (in->ms.kind == MEMSRC_MACHINE && in->ms.has_handover)
		fprintf(out, "handover of %s: %s", in->source,
			in->valid ? "accepted" : "REFUSED");
	else
		fprintf(out, "handover in %s, memory %s (%s): %s", in->fdt_name,
			in->source, memsrc_kind_name(in->ms.kind),
			in->valid ? "accepted" : "REFUSED");
	if (in->version)
		fprintf(out, " (kho-v%d, %llu KiB pages)", in->version,
			(1ULL << in->page_shift) >> 10);
	fprintf(out, "\n");
	if (in->fdt)
		fprintf(out, "  %-14s%s, %zu bytes\n", "root FDT", in->fdt_name,
			(size_t)fdt_totalsize(in->fdt));
	else if (in->fdt_len)
		fprintf(out, "  %-14s%s, %zu bytes read, refused\n", "root FDT",
			in->fdt_name, in->fdt_len);
	else
		fprintf(out, "  %-14s%s, not read\n", "root FDT", in->fdt_name);
	fprintf(out, "  %-14s%s (%s)\n", "page size",
		fmt_bytes(1ULL << in->page_shift, b, sizeof(b)),
		in->page_size_from);
	for (unsigned int i = 0; i < in->ms.nr_ram; i++)
		fprintf(out, "  %-14s0x%012" PRIx64 "-0x%012" PRIx64 " %s\n",
			i ? "" : "memory", in->ms.ram[i].start,
			in->ms.ram[i].end,
			fmt_bytes(in->ms.ram[i].end - in->ms.ram[i].start, b,
				  sizeof(b)));
	if (in->ms.has_handover)
		fprintf(out, "  %-14s%#" PRIx64 ", %" PRIu64 " bytes\n",
			"scratch array", in->ms.handover.scratch_addr,
			in->ms.handover.scratch_size);
	for (unsigned int i = 0; i < in->nr_scratch; i++)
		fprintf(out, "  %-14s0x%012" PRIx64 "-0x%012" PRIx64 " %s\n",
			i ? "" : "scratch", in->scratch[i].addr,
			in->scratch[i].addr + in->scratch[i].size,
			fmt_bytes(in->scratch[i].size, b, sizeof(b)));
	if (in->version)
		fprintf(out, "  %-14s%#" PRIx64 " (%s)\n", "memory map",
			in->map_phys,
			in->version >= KHO_ABI_V2 ? "radix tree root" :
						    "first kho-v1 chunk");
	for (unsigned int i = 0; i < in->nr_subtrees; i++)
		print_subtree(out, in, &in->subtrees[i], !i);
	if (in->unread_subtrees)
		fprintf(out,
			"  %-14s... %" PRIu64 " more subtree%s not read (at "
			"most %u are)\n",
			in->nr_subtrees ? "" : "subtrees", in->unread_subtrees,
			in->unread_subtrees == 1 ? "" : "s",
			INSPECT_MAX_SUBTREES);
	report_warnings(out, &in->warn);
	fprintf(out, "  %-14s%s\n", "verdict",
		!in->valid  ? in->reason :
		in->warn.nr ? "accepted, with the warnings above" :
			      "accepted: every check passed");
	/* A map read whole is shown, whatever the verdict. */
	if (!in->map_read)
		return;
	memcpy(st.blocks, in->blocks, sizeof(st.blocks));
	st.nr_blocks = in->nr_blocks;
	st.preserved_bytes = in->preserved_bytes;
	st.bytes = in->meta_bytes;
	report_blocks(out, "blocks", &st);
	if (in->version >= KHO_ABI_V2) {
		report_tree(out, "tree", &in->tree, in->geo.depth);
		fprintf(out,
			"  %-14s%u levels; every node in RAM, reached once, "
			"clear of the blocks\n",
			"tree check", in->geo.depth);
	} else {
		fprintf(out,
			"  %-14s%" PRIu64 " chunks, %" PRIu64
			" bitmaps of %u bytes, %s, overhead %.4f%%\n",
			"kho-v1 map", in->v1_chunks, in->v1_bitmaps,
			in->v1_bitmap_bytes,
			fmt_bytes(in->meta_bytes, b, sizeof(b)),
			report_overhead(&st));
		fprintf(out, "  %-14s%s\n", "bitmap size", in->v1_bitmap_why);
	}
	for (uint64_t i = 0; i < in->nr_ranges && i < INSPECT_TEXT_RANGES; i++)
		fprintf(out, "  %-14s0x%012" PRIx64 "-0x%012" PRIx64 " %s\n",
			i ? "" : "ranges", in->ranges[i].start,
			in->ranges[i].end,
			fmt_bytes(in->ranges[i].end - in->ranges[i].start, b,
				  sizeof(b)));
	if (in->nr_ranges > INSPECT_TEXT_RANGES)
		fprintf(out,
			"  %-14s... %" PRIu64
			" more ranges (--json lists all)\n",
			"", in->nr_ranges - INSPECT_TEXT_RANGES);
	fprintf(out, "  %-14s%" PRIu64 " ranges, %s\n",
		in->nr_ranges ? "" : "ranges", in->nr_ranges,
		fmt_bytes(in->preserved_bytes, b, sizeof(b)));
}

static int print_block(uint64_t phys, unsigned int order, void *arg)
{
	fprintf(arg, "block %#" PRIx64 " order %u\n", phys, order);
	return 0;
}

/* ---- the command ---------------------------------------------------------------- */

static int parse_page_size(const char *s, unsigned int *shift)
{
	uint64_t v;

	if (sim_parse_size(s, &v))
		return -EINVAL;
	for (unsigned int sh = KHO_PAGE_SHIFT_MIN; sh <= KHO_PAGE_SHIFT_MAX;
	     sh += 2)
		if (v == 1ULL << sh) {
			*shift = sh;
			return 0;
		}
	return -EINVAL;
}

static int usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	char msg[SIM_ERROR_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tool_error("inspect: %s (%s)", msg, tool_synopsis("inspect"));
	return 2;
}

/* Return: 0, 2 after a usage error, or TOOL_HELP after -h. */
static int parse_opts(struct inspect_opts *o, int argc, char **argv)
{
	enum {
		OPT_JSON,
		OPT_BLOCKS,
		OPT_MEM,
		OPT_FDT,
		OPT_HANDOVER,
		OPT_SCRATCH,
		OPT_SVG,
		OPT_SVG_COLOR,
		OPT_PAGE_SIZE,
		OPT_V1_BITMAP,
	};
	struct tool_opt opts[] = {
		[OPT_JSON] = { "--json" },
		[OPT_BLOCKS] = { "--blocks" },
		/* A second source is refused as such, below. */
		[OPT_MEM] = { "--mem", "a value", true },
		[OPT_FDT] = { "--fdt", "a value" },
		[OPT_HANDOVER] = { "--handover", "a value" },
		[OPT_SCRATCH] = { "--scratch", "a value" },
		[OPT_SVG] = { "--svg", "a value" },
		[OPT_SVG_COLOR] = { "--svg-color", "a value" },
		[OPT_PAGE_SIZE] = { "--page-size", "a value" },
		[OPT_V1_BITMAP] = { "--v1-bitmap", "a value" },
		{ NULL },
	};
	struct tool_args ta;
	int k, ret = 0;

	tool_args_init(&ta, "inspect", opts, argc, argv);
	while (!ret && (k = tool_next(&ta)) != TOOL_END) {
		const char *v = ta.arg;

		/*
		 * "" is no file: --scratch "" would read /scratch_phys
		 * (memsrc_parse() says what an empty SOURCE lacks).
		 */
		if (k >= 0 && v && !*v && k != OPT_MEM) {
			ret = usage_error("%s needs a value, not an empty "
					  "string",
					  opts[k].name);
			break;
		}
		switch (k) {
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_BLOCKS:
			o->blocks = true;
			break;
		case TOOL_OPERAND:
		case OPT_MEM:
			if (o->mem)
				ret = usage_error(
					"\"%s\": one memory source only", v);
			o->mem = v;
			break;
		case OPT_FDT:
			o->fdt = v;
			break;
		case OPT_HANDOVER:
			o->handover = v;
			break;
		case OPT_SCRATCH:
			o->scratch = v;
			break;
		case OPT_SVG:
			o->svg = v;
			break;
		case OPT_SVG_COLOR:
			if (strcmp(v, "order") && strcmp(v, "subsystem"))
				ret = usage_error(
					"--svg-color is order or subsystem, "
					"not \"%s\"",
					v);
			o->svg_by_subsystem = !strcmp(v, "subsystem");
			o->svg_color = true;
			break;
		case OPT_PAGE_SIZE:
			if (parse_page_size(v, &o->page_shift))
				ret = usage_error(
					"--page-size is 4K, 16K or 64K, "
					"not \"%s\"",
					v);
			break;
		case OPT_V1_BITMAP:
			if (!strcmp(v, "512"))
				o->v1_bitmap = 512;
			else if (!strcmp(v, "page"))
				o->v1_bitmap = UINT32_MAX;
			else
				ret = usage_error("--v1-bitmap is 512 or page, "
						  "not \"%s\"",
						  v);
			break;
		case TOOL_HELP:
			ret = TOOL_HELP;
			break;
		case TOOL_UNKNOWN:
			ret = usage_error("unknown option %s", v);
			break;
		default:
			ret = usage_error("%s", ta.e.msg);
			break;
		}
	}
	if (ret)
		return ret;
	if (!o->mem)
		return usage_error("%s", "which memory? give --mem SOURCE or a "
					 "machine directory");
	if (o->svg_color && !o->svg)
		return usage_error("%s", "--svg-color colours the picture of "
					 "--svg FILE, which is not given");
	return 0;
}

/* The picture, and a file inspect reads: --svg must not replace it. */
struct svg_target {
	struct stat st;
	char input[4200];
};

static int same_file(const char *path, void *arg)
{
	struct svg_target *t = arg;
	struct stat st;

	if (stat(path, &st) || st.st_dev != t->st.st_dev ||
	    st.st_ino != t->st.st_ino)
		return 0;
	snprintf(t->input, sizeof(t->input), "%s", path);
	return 1;
}

/*
 * kho inspect changes nothing: --svg FILE naming any file the inspection
 * reads (the source's, --fdt, --handover, --scratch's lists; through any
 * name or link) is refused before anything is read or written.
 */
static int check_svg_target(const struct inspect_opts *o,
			    const struct memsrc_spec *sp)
{
	struct svg_target t = { .input = "" };
	char path[4200];

	if (!o->svg || stat(o->svg, &t.st))
		return 0;
	if (!memsrc_for_each_input(sp, same_file, &t) &&
	    !(o->fdt && same_file(o->fdt, &t)) &&
	    !(o->handover && same_file(o->handover, &t)) && o->scratch) {
		snprintf(path, sizeof(path), "%s/scratch_phys", o->scratch);
		if (!same_file(path, &t)) {
			snprintf(path, sizeof(path), "%s/scratch_len",
				 o->scratch);
			same_file(path, &t);
		}
	}
	if (!t.input[0])
		return 0;
	if (!strcmp(o->svg, t.input))
		return usage_error("--svg %s is a file inspect reads: the "
				   "picture would replace it",
				   o->svg);
	return usage_error("--svg %s is %s, which inspect reads: the picture "
			   "would replace it",
			   o->svg, t.input);
}

int cmd_inspect(int argc, char **argv)
{
	struct sim_error perr = { "" };
	struct memsrc_spec *sp;
	struct inspect_opts o = { 0 };
	struct inspect *in;
	int ret, jret;

	ret = parse_opts(&o, argc, argv);
	if (ret)
		return ret == TOOL_HELP ? 0 : ret;
	/* A source that cannot be parsed is a usage error, like any option. */
	sp = malloc(sizeof(*sp));
	if (!sp) {
		tool_error("out of memory");
		return 1;
	}
	ret = memsrc_parse(sp, o.mem, &perr);
	if (ret == -ENAMETOOLONG) {
		/* Refused as a machine directory's is elsewhere: exit 1. */
		tool_error("%s", perr.msg);
		ret = 1;
	} else if (ret) {
		ret = usage_error("%s", perr.msg);
	} else {
		ret = check_svg_target(&o, sp);
	}
	free(sp);
	if (ret)
		return ret;
	in = calloc(1, sizeof(*in));
	if (!in) {
		tool_error("out of memory");
		return 1;
	}
	in->fdt_phys = KHO_ERR_NO_ADDR;
	ret = inspect_run(in, &o);
	if (in->oom) {
		tool_error("out of memory while reading the handover");
		inspect_free(in);
		free(in);
		return 1;
	}
	if (in->read_failure[0]) {
		ret = -EIO;
		snprintf(in->err.msg, sizeof(in->err.msg), "%s",
			 in->read_failure);
	}
	if (ret < 0) {
		/* No handover to describe: the source or the FDT is unusable. */
		in->valid = false;
		in->code = ret;
		snprintf(in->reason, sizeof(in->reason), "%s", in->err.msg);
		if (o.json)
			inspect_print_json(in, stdout, false);
		tool_error("%s", in->err.msg);
		inspect_free(in);
		free(in);
		return 1;
	}
	/*
	 * The picture first: when it cannot be written, the command fails
	 * with that one sentence and no report.
	 */
	if (o.svg) {
		struct sim_error e = { "" };

		if (inspect_write_svg(in, o.svg, o.svg_by_subsystem, &e)) {
			tool_error("%s", e.msg);
			inspect_free(in);
			free(in);
			return 1;
		}
	}
	if (!o.json) {
		print_text(stdout, in);
	} else if ((jret = inspect_print_json(in, stdout, o.blocks))) {
		tool_error(
			jret == -ENOMEM ?
				"out of memory while writing the JSON report" :
				"json-c printed the JSON report in a shape "
				"--blocks cannot extend");
		inspect_free(in);
		free(in);
		return 1;
	}
	if (o.blocks && !o.json)
		inspect_for_each_block(in, print_block, stdout);
	/* The report before the reason, when both go to one place. */
	tool_flush_stdout();
	if (!in->valid)
		tool_error("%s", in->reason);
	inspect_free(in);
	free(in);
	return ret ? 1 : 0;
}
