// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * inspect_json.c - kho inspect --json, built with json-c. The document's
 * shape is docs/inspect-schema.json; keys shared with `kho inspect DIR
 * --json` (verdict, page_size, scratch, subtrees, blocks_per_order, blocks,
 * preserved_bytes, tree, ranges) mean the same there.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <libfdt.h>

#include "inspect_mem.h"
#include "report.h"

#define JSON_FLAGS                                           \
	(JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | \
	 JSON_C_TO_STRING_NOSLASHESCAPE)

/*
 * json-c returns NULL when it runs out of memory, and asserts when a NULL
 * object is then added to. Every value is made through made(), every add
 * goes through add() or push(): a failure anywhere sets json_oom and the
 * document is dropped whole, never printed with a hole in it.
 */
static bool json_oom;

static struct json_object *made(struct json_object *o)
{
	if (!o)
		json_oom = true;
	return o;
}

static struct json_object *u64(uint64_t v)
{
	return made(json_object_new_uint64(v));
}

static struct json_object *jobj(void)
{
	return made(json_object_new_object());
}

static struct json_object *jarr(void)
{
	return made(json_object_new_array());
}

static struct json_object *jstr(const char *s)
{
	return made(json_object_new_string(s));
}

static struct json_object *jbool(bool b)
{
	return made(json_object_new_boolean(b));
}

static struct json_object *jint(int i)
{
	return made(json_object_new_int(i));
}

static struct json_object *jdouble(double d)
{
	return made(json_object_new_double(d));
}

/* @v NULL is a JSON null; @o NULL was already counted as out of memory. */
static void add(struct json_object *o, const char *key, struct json_object *v)
{
	if (!o || json_object_object_add(o, key, v)) {
		json_oom = true;
		json_object_put(v);
	}
}

static void push(struct json_object *a, struct json_object *v)
{
	if (!a || json_object_array_add(a, v)) {
		json_oom = true;
		json_object_put(v);
	}
}

static struct json_object *addr_size(uint64_t addr, uint64_t size)
{
	struct json_object *o = jobj();

	add(o, "addr", u64(addr));
	add(o, "size", u64(size));
	return o;
}

static struct json_object *vmalloc_json(const struct kho_vmalloc *v)
{
	struct json_object *f = jobj();

	add(f, "first", u64(v->first));
	add(f, "total_pages", u64(v->total_pages));
	add(f, "flags", u64(v->flags));
	add(f, "order", u64(v->order));
	return f;
}

/* A LUO file; memfd-v2 files with their blob's fields. */
static struct json_object *luo_file_json(const struct inspect_luo_file *f)
{
	struct json_object *o = jobj(), *m = NULL;

	add(o, "compatible", jstr(f->compatible));
	add(o, "token", u64(f->f.token));
	add(o, "data", u64(f->f.data));
	if (!f->memfd_read) {
		m = jobj();
		add(m, "type", jstr(KHO_MEMFD_V2_COMPATIBLE));
		add(m, "size", u64(f->memfd.size));
		add(m, "pos", u64(f->memfd.pos));
		add(m, "seals", u64(f->memfd.seals));
		add(m, "seals_retrieved",
		    u64(kho_memfd_seals_retrieved(f->memfd.seals)));
		add(m, "nr_folios", u64(f->memfd.nr_folios));
		add(m, "nr_holes", u64(f->memfd.nr_holes));
		if (f->holes_known)
			add(m, "hole_pages", u64(f->hole_pages));
		add(m, "folios", vmalloc_json(&f->memfd.folios));
	}
	add(o, "memfd", m);
	if (f->problem[0])
		add(o, "problem", jstr(f->problem));
	return o;
}

static struct json_object *luo_json(const struct inspect_subtree *s)
{
	struct json_object *d = jobj();
	struct json_object *ss = jarr();
	struct json_object *fl = jarr();

	add(d, "type", jstr(KHO_LUO_COMPATIBLE));
	add(d, "liveupdate_num", u64(s->luo.liveupdate_num));
	add(d, "sessions_pa", u64(s->luo.sessions_pa));
	add(d, "flbs_pa", u64(s->luo.flbs_pa));
	add(d, "nr_sessions", u64(s->luo.nr_sessions));
	add(d, "nr_files", u64(s->luo.nr_files));
	add(d, "nr_flbs", u64(s->luo.nr_flbs));
	add(d, "nr_blocks", u64(s->luo.nr_blocks));
	for (unsigned int i = 0; i < s->nr_sessions; i++) {
		struct json_object *x = jobj();
		struct json_object *files = jarr();

		add(x, "name", jstr(s->sessions[i].name));
		add(x, "phys", u64(s->sessions[i].info.phys));
		add(x, "nr_files", u64(s->sessions[i].info.nr_files));
		for (unsigned int j = 0; j < s->nr_files; j++)
			if (s->files[j].session == i)
				push(files, luo_file_json(&s->files[j]));
		add(x, "files", files);
		push(ss, x);
	}
	add(d, "sessions", ss);
	for (unsigned int i = 0; i < s->nr_flbs; i++) {
		struct json_object *x = jobj();

		add(x, "name", jstr(s->flbs[i].name));
		add(x, "data", u64(s->flbs[i].info.data));
		add(x, "count", u64(s->flbs[i].info.count));
		push(fl, x);
	}
	add(d, "flbs", fl);
	if (s->unlisted_sessions)
		add(d, "sessions_not_listed", u64(s->unlisted_sessions));
	if (s->unlisted_files)
		add(d, "files_not_listed", u64(s->unlisted_files));
	if (s->unlisted_flbs)
		add(d, "flbs_not_listed", u64(s->unlisted_flbs));
	return d;
}

static struct json_object *subtree_json(const struct inspect *in,
					const struct inspect_subtree *s)
{
	struct json_object *o = jobj(), *d = NULL;

	add(o, "name", jstr(s->name));
	add(o, "phys", s->has_phys ? u64(s->phys) : NULL);
	add(o, "blob_size", s->has_blob_size ? u64(s->blob_size) : NULL);
	add(o, "compatible", jstr(s->compatible));
	add(o, "fdt_size", u64(s->fdt_size));
	add(o, "preserved", jbool(s->preserved));
	switch (s->kind) {
	case INSPECT_KEXEC_METADATA:
		d = jobj();
		add(d, "type", jstr(KHO_KEXEC_METADATA_NAME));
		add(d, "version", u64(s->km.version));
		add(d, "previous_release", jstr(s->release));
		add(d, "release_terminated", jbool(s->km.release_terminated));
		add(d, "kexec_count", u64(s->km.kexec_count));
		break;
	case INSPECT_MEMBLOCK: {
		struct json_object *r = jarr();

		d = jobj();
		add(d, "type", jstr(KHO_MEMBLOCK_COMPATIBLE));
		add(d, "nr_regions", u64(s->total_regions));
		for (unsigned int i = 0; i < s->nr_regions; i++) {
			struct json_object *x = jobj();

			add(x, "name", jstr(s->regions[i].name));
			add(x, "start", u64(s->regions[i].start));
			add(x, "size", u64(s->regions[i].size));
			push(r, x);
		}
		add(d, "regions", r);
		break;
	}
	case INSPECT_MEMFD: {
		struct json_object *f = jobj();

		d = jobj();
		add(d, "type", jstr(KHO_MEMFD_COMPATIBLE));
		add(d, "addr", u64(s->memfd_phys));
		add(d, "pos", u64(s->memfd.pos));
		add(d, "size", u64(s->memfd.size));
		add(d, "nr_folios", u64(s->memfd.nr_folios));
		add(f, "first", u64(s->memfd.folios.first));
		add(f, "total_pages", u64(s->memfd.folios.total_pages));
		add(f, "flags", u64(s->memfd.folios.flags));
		add(f, "order", u64(s->memfd.folios.order));
		add(d, "folios", f);
		add(d, "entries_found", u64(s->memfd_entries));
		break;
	}
	case INSPECT_LUO:
		d = luo_json(s);
		break;
	case INSPECT_KHO_TEST:
		d = jobj();
		add(d, "type", jstr(KHO_TEST_COMPATIBLE));
		add(d, "nr_folios", u64(s->kt.info.nr_folios));
		add(d, "folio_bytes", u64(s->kt.folio_bytes));
		add(d, "csum", u64(s->kt.info.csum));
		add(d, "csum_ok",
		    s->kt.csum_state < 0 ? NULL : jbool(s->kt.csum_state == 1));
		add(d, "csum_arch",
		    s->kt.csum_arch ? jstr(s->kt.csum_arch) : NULL);
		if (s->kt.csum_note[0])
			add(d, "csum_note", jstr(s->kt.csum_note));
		add(d, "folios_info", vmalloc_json(&s->kt.info.folios_info));
		break;
	case INSPECT_BLOB:
		break;
	}
	add(o, "decoded", d);
	if (s->duplicate)
		add(o, "shadowed", jbool(true));
	if (s->problem[0])
		add(o, "problem", jstr(s->problem));
	return o;
}

static void add_results(struct json_object *root, struct inspect *in)
{
	struct kho_radix_stats st = { 0 };
	struct json_object *bpo = jobj();
	struct json_object *ranges = jarr();
	char key[8];

	memcpy(st.blocks, in->blocks, sizeof(st.blocks));
	st.preserved_bytes = in->preserved_bytes;
	st.bytes = in->meta_bytes;
	for (int o = KHO_MAX_ORDERS - 1; o >= 0; o--) {
		if (!in->blocks[o])
			continue;
		snprintf(key, sizeof(key), "%d", o);
		add(bpo, key, u64(in->blocks[o]));
	}
	add(root, "blocks_per_order", bpo);
	add(root, "blocks", u64(in->nr_blocks));
	add(root, "preserved_bytes", u64(in->preserved_bytes));
	add(root, "metadata_bytes", u64(in->meta_bytes));
	add(root, "overhead_percent", jdouble(report_overhead(&st)));
	if (in->version >= KHO_ABI_V2) {
		struct json_object *t = jobj();
		struct json_object *lv = jarr();

		for (unsigned int l = 0; l < in->geo.depth; l++)
			push(lv, u64(in->tree.nodes[l]));
		add(t, "root", u64(in->map_phys));
		add(t, "depth", u64(in->geo.depth));
		add(t, "nodes_per_level", lv);
		add(t, "nodes", u64(in->tree.nr_nodes));
		add(t, "leaves", u64(in->tree.nodes[0]));
		add(t, "bytes", u64(in->tree.bytes));
		add(t, "overhead_percent", jdouble(report_overhead(&in->tree)));
		add(root, "tree", t);
	} else {
		struct json_object *v = jobj();

		add(v, "chunks", u64(in->v1_chunks));
		add(v, "bitmaps", u64(in->v1_bitmaps));
		add(v, "bitmap_bytes", u64(in->v1_bitmap_bytes));
		add(v, "bitmap_size_reason", jstr(in->v1_bitmap_why));
		add(v, "bytes", u64(in->meta_bytes));
		add(root, "kho_v1", v);
	}
	for (uint64_t i = 0; i < in->nr_ranges; i++) {
		struct json_object *r = jarr();

		push(r, u64(in->ranges[i].start));
		push(r, u64(in->ranges[i].end));
		push(ranges, r);
	}
	add(root, "ranges", ranges);
}

/*
 * "block_list" is streamed: a json-c object per block costs some 600 bytes,
 * 2.4 GB for the 4 million blocks of a 16 GiB image. The document is built
 * with an empty "block_list" last, serialized, and printed up to its "[";
 * then each block is printed as json-c prints an array of two integers at
 * that depth, and the document is closed as json-c closes it.
 */
#define BLOCK_LIST_OPEN "\"block_list\": ["
#define BLOCK_LIST_EMPTY_END "\n  ]\n}"

struct block_stream {
	FILE *out;
	bool first;
};

static int print_block(uint64_t phys, unsigned int order, void *arg)
{
	struct block_stream *bs = arg;

	fprintf(bs->out, "%s\n    [\n      %" PRIu64 ",\n      %u\n    ]",
		bs->first ? "" : ",", phys, order);
	bs->first = false;
	return 0;
}

int inspect_print_json(struct inspect *in, FILE *out, bool blocks)
{
	struct json_object *root, *a;
	const char *text;
	char *first;

	json_oom = false;
	root = jobj();
	if (!root)
		return -ENOMEM;
	add(root, "source", jstr(in->source ? in->source : ""));
	add(root, "source_kind", jstr(memsrc_kind_name(in->ms.kind)));
	add(root, "verdict",
	    jstr(in->valid					? "accepted" :
		 !in->unchecked && (in->version || in->fdt_len) ? "refused" :
								  "error"));
	if (!in->valid) {
		add(root, "reason", jstr(in->reason));
		add(root, "code", jint(in->code));
	}
	add(root, "format", in->abi ? jstr(in->abi->name) : NULL);
	a = jarr();
	for (unsigned int i = 0; i < in->warn.nr && i < KHO_MAX_WARNINGS; i++) {
		char w[256];

		kho_error_format(&in->warn.w[i], w, sizeof(w));
		push(a, jstr(w));
	}
	add(root, "warnings", a);
	if (in->warn.nr > KHO_MAX_WARNINGS)
		add(root, "warnings_not_kept",
		    u64(in->warn.nr - KHO_MAX_WARNINGS));
	if (in->page_shift) {
		add(root, "page_size", u64(1ULL << in->page_shift));
		add(root, "page_size_from", jstr(in->page_size_from));
	}
	a = jarr();
	for (unsigned int i = 0; i < in->ms.nr_ram; i++)
		push(a, addr_size(in->ms.ram[i].start,
				  in->ms.ram[i].end - in->ms.ram[i].start));
	add(root, "memory", a);
	if (in->fdt) {
		struct json_object *f = jobj();

		add(f, "from", jstr(in->fdt_name));
		add(f, "addr",
		    in->fdt_phys == KHO_ERR_NO_ADDR ? NULL : u64(in->fdt_phys));
		add(f, "size", u64(fdt_totalsize(in->fdt)));
		add(root, "fdt", f);
	}
	if (in->version)
		add(root, "memory_map", u64(in->map_phys));
	if (in->ms.has_handover)
		add(root, "scratch_array",
		    addr_size(in->ms.handover.scratch_addr,
			      in->ms.handover.scratch_size));
	if (in->ms.has_handover || in->nr_scratch) {
		a = jarr();
		for (unsigned int i = 0; i < in->nr_scratch; i++)
			push(a, addr_size(in->scratch[i].addr,
					  in->scratch[i].size));
		add(root, "scratch", a);
	}
	a = jarr();
	for (unsigned int i = 0; i < in->nr_subtrees; i++)
		push(a, subtree_json(in, &in->subtrees[i]));
	add(root, "subtrees", a);
	if (in->unread_subtrees)
		add(root, "subtrees_not_read", u64(in->unread_subtrees));
	/* A map read whole is reported, whatever the verdict. */
	if (in->map_read)
		add_results(root, in);
	if (in->map_read && blocks)
		add(root, "block_list", jarr());
	if (json_oom) {
		json_object_put(root);
		return -ENOMEM;
	}
	/*
	 * json-c's printbuf ignores some failed appends and returns a document
	 * with a hole in it (a key or a comma missing). Serialize twice and
	 * compare: the second run reuses the buffer the first grew, so a
	 * failure in either shows as a difference, and nothing is printed.
	 */
	text = json_object_to_json_string_ext(root, JSON_FLAGS);
	first = text ? strdup(text) : NULL;
	text = first ? json_object_to_json_string_ext(root, JSON_FLAGS) : NULL;
	if (!text || strcmp(text, first)) {
		free(first);
		json_object_put(root);
		return -ENOMEM;
	}
	free(first);
	if (in->map_read && blocks) {
		struct block_stream bs = { out, true };
		size_t n = strlen(text), tail = strlen(BLOCK_LIST_EMPTY_END);

		/* The empty list json-c printed last, cut before its end. */
		if (n < tail || strcmp(text + n - tail, BLOCK_LIST_EMPTY_END) ||
		    n - tail < strlen(BLOCK_LIST_OPEN) ||
		    strncmp(text + n - tail - strlen(BLOCK_LIST_OPEN),
			    BLOCK_LIST_OPEN, strlen(BLOCK_LIST_OPEN))) {
			json_object_put(root);
			return -EPROTO;
		}
		fwrite(text, 1, n - tail, out);
		inspect_for_each_block(in, print_block, &bs);
		fprintf(out, "%s\n", BLOCK_LIST_EMPTY_END);
	} else {
		fprintf(out, "%s\n", text);
	}
	json_object_put(root);
	return 0;
}
