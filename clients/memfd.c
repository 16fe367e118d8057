// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * memfd.c - memfds kept across kexec, the way Live Update does it.
 *
 * kho-v4 (Linux 7.2, 7.3): through LUO "luo-v5" (lib/luo.c), as a 7.3
 * kernel does when user space preserves memfds in a session: subtree "LUO"
 * -> sessions and files in KHO block chains -> one memfd-v2 blob per file
 * (lib/memfd.c) -> its folios and its vmalloc'ed folio array. The files
 * are split over two sessions, "kho-sim-memfd-a" and "-b" (and an empty
 * "kho-sim-memfd-empty"), with a file of size 0 and one whose size is not
 * a page multiple among them. A file's token is the XXH3-64 of its bytes,
 * seeded with its size, position and seals: the next boot restores each
 * file and checks all four with it. Files of other sessions (a real
 * kernel's) are restored and checked for their structure only.
 *
 * kho-v2 and kho-v3: the older top-level child "memfd" (memfd-v1): the
 * file's folios as they are, an array of struct kho_memfd_folio_ser
 * (pfn, flags, index) preserved with kho_preserve_vmalloc(), and a small
 * FDT blob:
 *
 *   / { compatible = "memfd-v1"; data = <u64 phys of struct kho_memfd_ser>;
 *       xxh3 = <u64 hash of the file's bytes in index order>; }
 *
 * memfd_uses_luo() is the one place that picks the path, from the ABI
 * version table (enum kho_memfd_path).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>
#include <xxhash.h>

#include <kho/block.h>
#include <kho/kho_memfd_v1.h>
#include <kho/luo.h>
#include <kho/memfd.h>

#include "client.h"

#define MEMFD_DATA_PROP "data"

/*
 * Folio orders a shmem file gets: mostly small pages (7 in 8), some mTHP
 * and the odd 2 MiB folio, so the tree sees dense order-0 leaves as well.
 */
static unsigned int memfd_order(void)
{
	uint64_t r = client_random() % 32;

	return r < 28 ? 0 : r < 30 ? 2 : r < 31 ? 4 : 9;
}

/*
 * The folio at page @index of a file of @nr_pages pages, of a random order
 * (memfd_order()) cut down until it ends inside the file and @index is
 * aligned to its size, as shmem keeps it; filled with random bytes.
 * Return: its address and *@order, or NULL when no block that large is free.
 */
static void *file_folio(struct sim_boot *b, uint64_t nr_pages, uint64_t index,
			unsigned int *order)
{
	unsigned int o = memfd_order();
	void *va;

	while ((1ULL << o) > nr_pages - index || index & ((1ULL << o) - 1))
		o--;
	va = sim_alloc_pages(b, o);
	if (va)
		client_fill_random(va, b->m.page_size << o);
	*order = o;
	return va;
}

struct vm_blocks {
	uint64_t *phys;
	unsigned int nr;
	unsigned int order;
};

static int collect_block(uint64_t phys, unsigned int order, void *arg)
{
	struct vm_blocks *v = arg;
	uint64_t *p = realloc(v->phys, (v->nr + 1) * sizeof(*p));

	if (!p)
		return -ENOMEM;
	v->phys = p;
	v->phys[v->nr++] = phys;
	v->order = order;
	return 0;
}

/* A decoder's refusal as one sentence (kho_error_describe()), in @buf. */
static const char *fmt_err(const struct kho_error *err, char *buf, size_t len)
{
	kho_error_describe(err, buf, len);
	return buf;
}

/* Kernel B of a memfd-v1 file, folio by folio, as lib/ hands them over. */
struct v1_restore {
	struct sim_boot *b;
	struct client_state *st;
	struct sim_error *e;
	XXH3_state_t *hs;
	uint64_t next_index;
};

static int restore_v1_folio(uint64_t phys, uint64_t index, unsigned int flags,
			    uint64_t entry, void *arg)
{
	struct v1_restore *r = arg;
	unsigned int order;
	uint64_t size;

	/* Our writer leaves no hole: each folio follows the last. */
	if (index != r->next_index || client_restore_folio(r->b, phys, &order))
		return sim_fail(r->e, -ENOENT,
				"memfd: folio %" PRIu64 " (index %" PRIu64
				", at %#" PRIx64 ") was not preserved",
				entry, index, phys);
	size = r->b->m.page_size << order;
	XXH3_64bits_update(r->hs, sim_phys_to_virt(&r->b->m, phys), size);
	r->next_index += 1ULL << order;
	r->st->restored_bytes += size;
	client_release(r->b, phys, size);
	return 0;
}

/*
 * The blob is checked whole by kho_memfd_v1_read() (the one decoder of the
 * format, the one kho inspect uses), then read again to restore each
 * folio; the folio array's pages are taken back last.
 */
static int memfd_restore_v1(struct sim_boot *b, struct client_state *st,
			    uint64_t blob_phys, struct sim_error *e)
{
	struct v1_restore r = { .b = b, .st = st, .e = e };
	struct vm_blocks blocks = { 0 };
	struct kho_memfd_v1_info info;
	struct kho_error kerr = { 0 };
	struct kho_view view;
	uint64_t size, hash;
	char buf[256];
	int ret;

	ret = client_retrieve(b, "memfd", &size, e);
	if (ret)
		return ret;
	client_view(b, &view);
	ret = kho_memfd_v1_read(&view, blob_phys, size, NULL, NULL, &info,
				&kerr);
	if (ret)
		return sim_fail(e, ret,
				"memfd: the memfd-v1 blob at %#" PRIx64
				" is refused: %s",
				blob_phys, fmt_err(&kerr, buf, sizeof(buf)));
	/* Ours carries the file's hash; the reader checked the FDT. */
	if (client_fdt_u64(sim_phys_to_virt(&b->m, blob_phys), 0,
			   CLIENT_HASH_PROP, &hash))
		return sim_fail(e, -EINVAL,
				"memfd: blob at %#" PRIx64 " lacks %s",
				blob_phys, CLIENT_HASH_PROP);
	r.hs = XXH3_createState();
	if (!r.hs || XXH3_64bits_reset(r.hs) == XXH_ERROR) {
		ret = sim_fail(e, -ENOMEM, "memfd: out of memory");
		goto out;
	}
	ret = kho_memfd_v1_read(&view, blob_phys, size, restore_v1_folio, &r,
				NULL, &kerr);
	if (ret) {
		/* The callback already said what went wrong. */
		if (!e->msg[0])
			sim_fail(e, ret, "memfd: %s",
				 fmt_err(&kerr, buf, sizeof(buf)));
		goto out;
	}
	ret = kho_restore_vmalloc(&b->in, &info.folios, collect_block, &blocks);
	if (ret) {
		sim_fail(e, ret,
			 "memfd: the folio array (vmalloc at %#" PRIx64
			 ") cannot be restored: %s",
			 info.folios.first, strerror(-ret));
		goto out;
	}
	if (XXH3_64bits_digest(r.hs) != hash ||
	    r.next_index << b->m.conf.page_shift != info.size) {
		ret = sim_fail(e, -EBADMSG,
			       "memfd: the file's %" PRIu64
			       " bytes did not survive: the hash differs",
			       info.size);
		goto out;
	}
	snprintf(st->msg, sizeof(st->msg),
		 "%" PRIu64 " folios in %" PRIu64 " vmalloc pages, intact",
		 info.nr_folios, (uint64_t)blocks.nr);
	for (unsigned int i = 0; i < blocks.nr; i++)
		client_release(b, blocks.phys[i],
			       b->m.page_size << blocks.order);
	kho_restore_free(&b->in, sim_phys_to_virt(&b->m, info.ser_phys));
	kho_restore_free(&b->in, sim_phys_to_virt(&b->m, blob_phys));
out:
	XXH3_freeState(r.hs);
	free(blocks.phys);
	return ret;
}

static int memfd_preserve_v1(struct sim_boot *b, struct client_state *st,
			     struct sim_error *e)
{
	unsigned int shift = b->m.conf.page_shift;
	uint64_t nr_pages, index = 0, n = 0, nr_blocks, per_block, hash;
	struct kho_memfd_folio_ser *folios;
	struct kho_memfd_ser *ser;
	struct kho_vmalloc v;
	uint64_t *block_phys;
	XXH3_state_t *hs;
	void *fdt;
	int ret;

	/* memfd-v1's file is whole pages: SIZE rounded up to one. */
	ret = client_size(b, st, b->m.page_size, &nr_pages, e);
	if (ret)
		return ret;
	nr_pages >>= shift;
	if (!nr_pages)
		nr_pages = 1;
	folios = calloc(nr_pages, sizeof(*folios));
	hs = XXH3_createState();
	if (!folios || !hs || XXH3_64bits_reset(hs) == XXH_ERROR) {
		ret = sim_fail(e, -ENOMEM, "memfd: out of memory");
		goto out;
	}
	while (index < nr_pages) {
		unsigned int order;
		uint64_t phys, size;
		void *va = file_folio(b, nr_pages, index, &order);

		if (!va) {
			ret = client_out_of_memory(b, st, index << shift,
						   nr_pages << shift, e);
			goto out;
		}
		size = b->m.page_size << order;
		phys = sim_virt_to_phys(&b->m, va);
		XXH3_64bits_update(hs, va, size);
		ret = kho_preserve_folio(&b->out, phys, order);
		if (ret) {
			sim_fail(e, ret,
				 "memfd: cannot preserve the folio at %#" PRIx64
				 ": %s",
				 phys, client_strerror(b, ret));
			goto out;
		}
		folios[n].pfn = phys >> shift;
		folios[n].flags =
			KHO_MEMFD_FOLIO_UPTODATE | KHO_MEMFD_FOLIO_DIRTY;
		folios[n].index = index;
		n++;
		index += 1ULL << order;
	}
	hash = XXH3_64bits_digest(hs);

	/* The folio array, in pages that need not be contiguous (vmalloc). */
	per_block = b->m.page_size / sizeof(*folios);
	nr_blocks = (n + per_block - 1) / per_block;
	block_phys = calloc(nr_blocks, sizeof(*block_phys));
	if (!block_phys) {
		ret = sim_fail(e, -ENOMEM, "memfd: out of memory");
		goto out;
	}
	for (uint64_t i = 0; i < nr_blocks; i++) {
		void *va = sim_alloc_pages(b, 0);
		uint64_t cnt = n - i * per_block < per_block ?
				       n - i * per_block :
				       per_block;

		if (!va) {
			free(block_phys);
			ret = sim_fail(
				e, -ENOMEM,
				"memfd: out of memory for the folio array");
			goto out;
		}
		memcpy(va, folios + i * per_block, cnt * sizeof(*folios));
		block_phys[i] = sim_virt_to_phys(&b->m, va);
	}
	ret = kho_preserve_vmalloc(&b->out, block_phys, nr_blocks, 0,
				   KHO_VMALLOC_FLAG_VM_ALLOC, &v);
	free(block_phys);
	if (ret) {
		sim_fail(e, ret, "memfd: cannot preserve the folio array: %s",
			 client_strerror(b, ret));
		goto out;
	}
	ser = kho_alloc_preserve(&b->out, sizeof(*ser));
	fdt = kho_alloc_preserve(&b->out, b->m.page_size);
	if (!ser || !fdt) {
		ret = sim_fail(e, -ENOMEM, "memfd: out of memory");
		goto out;
	}
	ser->pos = 0;
	ser->size = nr_pages << shift;
	ser->nr_folios = n;
	memcpy(&ser->folios, &v, sizeof(v));
	{
		uint64_t data = sim_virt_to_phys(&b->m, ser);

		ret = fdt_create(fdt, b->m.page_size);
		ret |= fdt_finish_reservemap(fdt);
		ret |= fdt_begin_node(fdt, "");
		ret |= fdt_property_string(fdt, "compatible",
					   KHO_MEMFD_COMPATIBLE);
		ret |= fdt_property(fdt, MEMFD_DATA_PROP, &data, sizeof(data));
		ret |= fdt_property(fdt, CLIENT_HASH_PROP, &hash, sizeof(hash));
		ret |= fdt_end_node(fdt);
		ret |= fdt_finish(fdt);
	}
	if (ret) {
		ret = sim_fail(e, -ENOSPC,
			       "memfd: the FDT does not fit a page");
		goto out;
	}
	ret = kho_add_subtree(&b->out, "memfd", fdt, fdt_totalsize(fdt));
	if (ret) {
		sim_fail(e, ret, "memfd: cannot add the subtree: %s",
			 strerror(-ret));
		goto out;
	}
	st->preserved_bytes = nr_pages << shift;
	snprintf(st->msg, sizeof(st->msg), "%" PRIu64 " folios", n);
out:
	XXH3_freeState(hs);
	free(folios);
	return ret;
}

/* ---- kho-v4: LUO sessions of memfd-v2 files ------------------------------ */

#define LUO_SESSION_PREFIX "kho-sim-memfd"
#define LUO_MAX_FILE_BYTES (512ULL << 10)
#define LUO_MAX_FILES 200
/* A file this small ends inside a page: the partial-page case. */
#define LUO_TAIL_BYTES 100

/* The one switch between the two formats: the ABI version's table entry. */
static bool memfd_uses_luo(const struct kho_abi_version *abi)
{
	return abi && abi->memfd == KHO_MEMFD_LUO;
}

/* What a file's token hashes besides its bytes. */
static uint64_t file_seed(uint64_t size, uint64_t pos, uint32_t seals)
{
	return size * 0x9e3779b97f4a7c15ULL ^ pos * 0xbf58476d1ce4e5b9ULL ^
	       seals;
}

/* The live update number this boot read, for the next one (+1). */
static uint64_t luo_num_in;

/*
 * One file of another session as the restore line names it: its session's
 * name escaped (at most SIM_SHOWN_LEN() of the name), then
 * "/0x<16> <20> B fnv1a <16>" and the ", " before it.
 */
#define OTHER_LEN (SIM_SHOWN_LEN(KHO_LUO_SESSION_NAME_LEN) + 72)

/* The restore line's numbers and words (256), two entries, "and N more". */
_Static_assert(256 + 2 * OTHER_LEN + 32 <= CLIENT_MSG_LEN,
	       "the memfd restore line cannot hold two other files whole");

struct luo_restore {
	struct sim_boot *b;
	struct client_state *st;
	struct sim_error *e; /* the file being restored: why it failed */
	struct sim_error first; /* why the first file that failed did */
	int first_ret;
	uint64_t failed; /* files that did not come back */
	struct kho_error kerr;
	XXH3_state_t *hs;
	uint64_t size; /* of the file being restored */
	uint64_t hashed; /* its bytes hashed so far */
	uint64_t files, checked, other, folios, holes, sessions;
	uint64_t shown; /* of the other files, how many others names */
	bool ours; /* the file being restored is in a session of ours */
	uint64_t fnv; /* FNV-1a 64 of a file of another session */
	/* What those files hashed to: two whole entries at least. */
	char others[2 * OTHER_LEN];
};

#define FNV1A_INIT 0xcbf29ce484222325ULL
#define FNV1A_PRIME 0x100000001b3ULL

/*
 * A file of another session (a real kernel's) has no hash of ours: print
 * the FNV-1a 64 of its bytes, which tests/kernel's init prints too.
 */
static void hash_bytes(struct luo_restore *r, const void *buf, uint64_t len)
{
	const unsigned char *p = buf;

	XXH3_64bits_update(r->hs, buf, len);
	for (uint64_t i = 0; !r->ours && i < len; i++)
		r->fnv = (r->fnv ^ p[i]) * FNV1A_PRIME;
}

/*
 * Feed @len zero bytes of a hole to a file's hash and, unless NULL, its
 * FNV-1a @fnv: the writer's and the reader's.
 */
static void hash_hole(XXH3_state_t *hs, uint64_t *fnv, uint64_t len)
{
	static const unsigned char zero[4096];

	for (uint64_t n; len; len -= n) {
		n = len < sizeof(zero) ? len : sizeof(zero);
		XXH3_64bits_update(hs, zero, n);
		for (uint64_t i = 0; fnv && i < n; i++)
			*fnv *= FNV1A_PRIME;
	}
}

/* Hash @len bytes of zeroes (a hole of the file): checked, as folios are. */
static void hash_zeroes(struct luo_restore *r, uint64_t len)
{
	r->st->restored_bytes += len;
	r->holes++;
	hash_hole(r->hs, r->ours ? NULL : &r->fnv, len);
}

static int restore_folio(uint64_t phys, unsigned int order, uint64_t index,
			 void *arg)
{
	struct luo_restore *r = arg;
	struct sim_boot *b = r->b;
	uint64_t start = index << b->m.conf.page_shift;
	uint64_t size = b->m.page_size << order, n;

	if (start > r->hashed)
		hash_zeroes(r, start - r->hashed);
	n = start + size <= r->size ? size : r->size - start;
	hash_bytes(r, sim_phys_to_virt(&b->m, phys), n);
	r->hashed = start + n;
	r->st->restored_bytes += size;
	r->folios++;
	client_release(b, phys, size);
	return 0;
}

static int on_luo_session(const struct kho_luo_session_info *s, void *arg)
{
	struct luo_restore *r = arg;

	r->sessions++;
	return 0;
}

static int restore_file(const struct kho_luo_session_info *s,
			const struct kho_luo_file_info *f, void *arg)
{
	struct luo_restore *r = arg;
	bool ours = !strncmp(s->name, LUO_SESSION_PREFIX,
			     strlen(LUO_SESSION_PREFIX));
	struct kho_memfd_info info;
	char name[SIM_SHOWN_LEN(sizeof(s->name))];
	char compat[SIM_SHOWN_LEN(sizeof(f->compatible))];
	char buf[256];
	int ret;

	/* Both are bytes the previous kernel wrote: shown escaped. */
	sim_clean_str(name, sizeof(name), s->name, sizeof(s->name));
	sim_clean_str(compat, sizeof(compat), f->compatible,
		      sizeof(f->compatible));
	r->files++;
	if (strcmp(f->compatible, KHO_MEMFD_V2_COMPATIBLE))
		return sim_fail(
			r->e, -ENOENT,
			"memfd: session \"%s\" file %" PRIu64
			" (token %#" PRIx64
			") needs handler \"%s\", which this kernel lacks",
			name, f->index, f->token, compat);
	/* The size and seed come from the blob; the reader checked it. */
	r->hashed = 0;
	r->size = 0;
	r->fnv = FNV1A_INIT;
	r->ours = ours;
	{
		struct kho_view view;

		client_view(r->b, &view);
		ret = kho_memfd_read(&view, f->data, NULL, NULL, &info,
				     &r->kerr);
	}
	if (!ret) {
		r->size = info.size;
		XXH3_64bits_reset_withSeed(
			r->hs, file_seed(info.size, info.pos, info.seals));
		ret = kho_memfd_restore(&r->b->in, f->data, restore_folio, r,
					&info, &r->kerr);
	}
	if (ret)
		return sim_fail(r->e, ret,
				"memfd: session \"%s\" file %" PRIu64
				" (memfd-v2 at %#" PRIx64 "): %s",
				name, f->index, f->data,
				fmt_err(&r->kerr, buf, sizeof(buf)));
	if (r->hashed < info.size)
		hash_zeroes(r, info.size - r->hashed);
	if (!ours) {
		size_t n = strlen(r->others);
		char one[OTHER_LEN];
		int len;

		/*
		 * Whole entries only, in order: once one does not fit, the
		 * rest are counted ("and 2 more"), never cut.
		 */
		len = snprintf(
			one, sizeof(one),
			"%s%s/%#" PRIx64 " %" PRIu64 " B fnv1a %016" PRIx64,
			n ? ", " : "", name, f->token, info.size, r->fnv);
		if (r->shown == r->other && len > 0 &&
		    (size_t)len < sizeof(one) &&
		    n + (size_t)len < sizeof(r->others)) {
			memcpy(r->others + n, one, (size_t)len + 1);
			r->shown++;
		}
		r->other++;
		return 0;
	}
	if (XXH3_64bits_digest(r->hs) != f->token)
		return sim_fail(
			r->e, -EBADMSG,
			"memfd: session \"%s\" file %" PRIu64 ": its %" PRIu64
			" bytes, size, position or seals did not survive: the hash differs",
			name, f->index, info.size);
	r->checked++;
	return 0;
}

/*
 * Each file alone, as user space retrieves each with RETRIEVE_FD: one that
 * fails (its blob refused, its bytes changed) does not stop the others.
 * The first failure is kept to be said; the client fails at the end.
 */
static int on_luo_file(const struct kho_luo_session_info *s,
		       const struct kho_luo_file_info *f, void *arg)
{
	struct luo_restore *r = arg;
	struct sim_error fe = { "" };
	struct sim_error *e = r->e;
	int ret;

	r->e = &fe;
	ret = restore_file(s, f, r);
	r->e = e;
	if (ret && !r->failed++) {
		r->first = fe;
		r->first_ret = ret;
	}
	return 0;
}

static int memfd_restore_luo(struct sim_boot *b, struct client_state *st,
			     uint64_t phys, uint64_t size, struct sim_error *e)
{
	struct kho_luo_read_ops ops = { on_luo_session, on_luo_file, NULL,
					NULL };
	struct luo_restore r = { .b = b, .st = st, .e = e };
	struct kho_luo_info info;
	struct kho_view view;
	char buf[256], more[32] = "";
	int ret;

	ops.arg = &r;
	r.hs = XXH3_createState();
	if (!r.hs) {
		ret = sim_fail(e, -ENOMEM, "memfd: out of memory");
		goto out;
	}
	client_view(b, &view);
	/* Check the whole LUO state first, then restore file by file. */
	ret = kho_luo_read(&view, phys, size, NULL, &info, &r.kerr);
	if (!ret)
		ret = kho_luo_read(&view, phys, size, &ops, NULL, &r.kerr);
	if (ret) {
		/* A callback already said what went wrong. */
		if (!e->msg[0])
			sim_fail(e, ret,
				 "memfd: the LUO state at %#" PRIx64
				 " is refused: %s",
				 phys, fmt_err(&r.kerr, buf, sizeof(buf)));
		goto out;
	}
	luo_num_in = info.liveupdate_num;
	if (r.failed) {
		ret = sim_fail(e, r.first_ret,
			       "%s; %" PRIu64 " of %" PRIu64
			       " files failed, %" PRIu64 " came back intact",
			       r.first.msg, r.failed, r.files, r.checked);
		goto out;
	}
	ret = kho_luo_restore_free(&b->in, phys);
	if (ret) {
		sim_fail(e, ret,
			 "memfd: LUO's own pages at %#" PRIx64
			 " cannot be freed: %s",
			 phys, strerror(-ret));
		goto out;
	}
	if (r.other > r.shown)
		snprintf(more, sizeof(more), " and %" PRIu64 " more",
			 r.other - r.shown);
	snprintf(st->msg, sizeof(st->msg),
		 "live update %" PRIu64 ": %" PRIu64 " session%s, %" PRIu64
		 " memfd-v2 file%s (%" PRIu64 " folios, %" PRIu64
		 " holes, %" PRIu64 " blocks), %" PRIu64 " intact%s%s%s",
		 info.liveupdate_num, r.sessions, r.sessions == 1 ? "" : "s",
		 r.files, r.files == 1 ? "" : "s", r.folios, r.holes,
		 info.nr_blocks, r.checked, r.other ? ", not ours: " : "",
		 r.others, more);
out:
	XXH3_freeState(r.hs);
	return ret;
}

/*
 * A memfd-v2 file's folios are laid out place by place; places 1, 1 +
 * HOLE_EVERY, 1 + 2 * HOLE_EVERY, ... get no folio but one page of hole,
 * which reads as zeroes. Linux never writes one (memfd_luo.c pins, and so
 * allocates, every page of the file first) but its reader takes one
 * (memfd_luo_retrieve_folios() puts each folio at its own index), and a
 * writer that is not Linux may leave one: docs/abi.md.
 */
#define HOLE_EVERY 4

/*
 * One file: @size bytes in fresh folios, holes left as HOLE_EVERY says,
 * preserved; its blob's address.
 */
static int preserve_file(struct sim_boot *b, struct client_state *st,
			 uint64_t total, uint64_t size, uint64_t pos,
			 uint32_t seals, uint64_t *ser_phys, uint64_t *token,
			 uint64_t *fnv, struct sim_error *e)
{
	unsigned int shift = b->m.conf.page_shift;
	uint64_t nr_pages = (size + b->m.page_size - 1) >> shift, index = 0;
	struct kho_memfd_folio *folios = NULL;
	struct kho_memfd_file file = { pos, size, seals, NULL, 0 };
	unsigned int place = 0;
	XXH3_state_t *hs;
	int ret;

	hs = XXH3_createState();
	if (nr_pages)
		folios = calloc(nr_pages, sizeof(*folios));
	if (!hs || (nr_pages && !folios)) {
		ret = sim_fail(e, -ENOMEM, "memfd: out of memory");
		goto out;
	}
	XXH3_64bits_reset_withSeed(hs, file_seed(size, pos, seals));
	for (; index < nr_pages; place++) {
		unsigned int order;
		uint64_t fsize, phys, n;
		void *va;

		if (place % HOLE_EVERY == 1) {
			n = size - (index << shift) < b->m.page_size ?
				    size - (index << shift) :
				    b->m.page_size;
			hash_hole(hs, fnv, n);
			index++;
			continue;
		}
		va = file_folio(b, nr_pages, index, &order);
		if (!va) {
			/* Of the earlier files and of this one so far. */
			ret = client_out_of_memory(
				b, st,
				st->preserved_bytes + ((index << shift) < size ?
							       index << shift :
							       size),
				total, e);
			goto out;
		}
		fsize = b->m.page_size << order;
		phys = sim_virt_to_phys(&b->m, va);
		n = (index << shift) + fsize <= size ? fsize :
						       size - (index << shift);
		XXH3_64bits_update(hs, va, n);
		for (uint64_t i = 0; fnv && i < n; i++)
			*fnv = (*fnv ^ ((unsigned char *)va)[i]) * FNV1A_PRIME;
		folios[file.nr_folios].phys = phys;
		folios[file.nr_folios].order = order;
		folios[file.nr_folios].index = index;
		file.nr_folios++;
		index += 1ULL << order;
	}
	file.folios = folios;
	ret = kho_memfd_preserve(&b->out, &file, ser_phys);
	if (ret == -ENOMEM) {
		ret = client_out_of_memory(b, st, st->preserved_bytes, total,
					   e);
		goto out;
	}
	if (ret) {
		sim_fail(e, ret,
			 "memfd: cannot preserve a memfd-v2 file of %" PRIu64
			 " bytes: %s",
			 size, strerror(-ret));
		goto out;
	}
	*token = XXH3_64bits_digest(hs);
out:
	XXH3_freeState(hs);
	free(folios);
	return ret;
}

static int memfd_preserve_luo(struct sim_boot *b, struct client_state *st,
			      struct sim_error *e)
{
	/*
	 * The files' seals in turn. F_SEAL_EXEC alone is an MFD_NOEXEC_SEAL
	 * memfd's: a real 7.3.4 kernel B gives it back with the write seals
	 * too (docs/abi.md), which tests/kernel's libkho-real case checks.
	 */
	static const uint32_t seals[] = {
		0, KHO_MEMFD_SEAL_EXEC,
		KHO_MEMFD_SEAL_GROW | KHO_MEMFD_SEAL_SHRINK,
		KHO_MEMFD_SEAL_SEAL | KHO_MEMFD_SEAL_WRITE, KHO_MEMFD_ALL_SEALS
	};
	uint64_t page = b->m.page_size, total, nr, per, left, tail, files, i;
	struct kho_luo_session s[3];
	struct kho_luo_out *luo;
	struct kho_luo_ser *blob;
	size_t blob_size;
	uint64_t token0 = 0, size0 = 0, fnv0 = FNV1A_INIT;
	int ret;

	ret = client_size(b, st, 1, &total, e);
	if (ret)
		return ret;
	luo = calloc(1, sizeof(*luo));
	if (!luo)
		return sim_fail(e, -ENOMEM, "memfd: out of memory");
	ret = kho_luo_out_init(luo, &b->out, luo_num_in + 1);
	if (ret) {
		free(luo);
		return sim_fail(e, ret, "memfd: cannot set up LUO: %s",
				strerror(-ret));
	}
	ret = kho_luo_session_create(luo, &s[0], LUO_SESSION_PREFIX "-a");
	if (!ret)
		ret = kho_luo_session_create(luo, &s[1],
					     LUO_SESSION_PREFIX "-empty");
	if (!ret)
		ret = kho_luo_session_create(luo, &s[2],
					     LUO_SESSION_PREFIX "-b");
	if (ret) {
		sim_fail(e, ret, "memfd: cannot create the LUO sessions: %s",
			 strerror(-ret));
		goto err;
	}
	/*
	 * Files of at most 512 KiB (page multiples), then one of size 0:
	 * session -a gets all but the last two, in several blocks when there
	 * are more than 63 (64 MiB and up on 4 KiB pages), -b those two.
	 * The last non-empty file ends inside a page: when SIZE is a page
	 * multiple, its last LUO_TAIL_BYTES are a file of their own. The
	 * files hold SIZE bytes in all.
	 */
	tail = total % page || total <= LUO_TAIL_BYTES ? 0 : LUO_TAIL_BYTES;
	left = total - tail;
	nr = (left + LUO_MAX_FILE_BYTES - 1) / LUO_MAX_FILE_BYTES;
	if (nr > LUO_MAX_FILES)
		nr = LUO_MAX_FILES;
	if (!nr)
		nr = 1;
	/* Rounded up twice, so that nr files of per bytes hold them all. */
	per = ((left + nr - 1) / nr + page - 1) / page * page;
	files = nr + (tail ? 1 : 0);
	for (i = 0; i <= files; i++) {
		uint64_t size = i == files ? 0 :
				i == nr	   ? tail :
				left < per ? left :
					     per;
		uint64_t ser_phys = 0, token = 0;

		left -= i < nr ? size : 0;
		ret = preserve_file(
			b, st, total, size, size / 3,
			seals[i % (sizeof(seals) / sizeof(seals[0]))],
			&ser_phys, &token, i ? NULL : &fnv0, e);
		if (ret)
			goto err;
		if (!i) {
			token0 = token;
			size0 = size;
		}
		ret = kho_luo_session_add_file(&s[i + 1 < files ? 0 : 2],
					       KHO_MEMFD_V2_COMPATIBLE,
					       ser_phys, token);
		if (ret == -ENOMEM) {
			client_out_of_memory(b, st, st->preserved_bytes, total,
					     e);
			goto err;
		}
		if (ret) {
			sim_fail(e, ret,
				 "memfd: cannot add file %" PRIu64
				 " to its session: %s",
				 i, strerror(-ret));
			goto err;
		}
		st->preserved_bytes += size;
	}
	blob = kho_luo_finish(luo, &blob_size);
	ret = kho_add_subtree(&b->out, KHO_LUO_NAME, blob, blob_size);
	if (ret) {
		sim_fail(e, ret, "memfd: cannot add the LUO subtree: %s",
			 strerror(-ret));
		goto err;
	}
	/* What a real kernel B's user space needs to retrieve file 0. */
	snprintf(st->msg, sizeof(st->msg),
		 "live update %" PRIu64 ": %" PRIu64
		 " memfd-v2 files in 3 LUO sessions; file 0: %s token %#" PRIx64
		 " %" PRIu64 " B fnv1a %016" PRIx64,
		 luo->ser->liveupdate_num, files + 1, LUO_SESSION_PREFIX "-a",
		 token0, size0, fnv0);
	free(luo);
	return 0;
err:
	/* The files' folios stay preserved: the boot fails anyway. */
	kho_luo_out_destroy(luo);
	free(luo);
	return ret;
}

static int memfd_restore(struct sim_boot *b, struct client_state *st,
			 uint64_t blob_phys, struct sim_error *e)
{
	uint64_t size;
	int ret;

	/*
	 * The handover's version says which child this is (the one
	 * memfd_subtree_of() names) and so how it is read.
	 */
	if (!memfd_uses_luo(b->in.abi))
		return memfd_restore_v1(b, st, blob_phys, e);
	ret = client_retrieve(b, KHO_LUO_NAME, &size, e);
	if (ret)
		return ret;
	return memfd_restore_luo(b, st, blob_phys, size, e);
}

static int memfd_preserve(struct sim_boot *b, struct client_state *st,
			  struct sim_error *e)
{
	if (memfd_uses_luo(b->out.abi))
		return memfd_preserve_luo(b, st, e);
	return memfd_preserve_v1(b, st, e);
}

/* The child the kernel of @abi looks up: LUO's, or kho-v2/v3's "memfd". */
static const char *memfd_subtree_of(const struct kho_abi_version *abi)
{
	return memfd_uses_luo(abi) ? KHO_LUO_NAME : "memfd";
}

const struct kho_client client_memfd = {
	.name = "memfd",
	.subtree_of = memfd_subtree_of,
	.summary = "memfds through LUO sessions (luo-v5, memfd-v2) on kho-v4, "
		   "the \"memfd\" child (memfd-v1) before",
	.default_size = 16ULL << 20,
	.needs_order0 = client_always_order0,
	.restore = memfd_restore,
	.preserve = memfd_preserve,
};
