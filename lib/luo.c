// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * luo.c - the Live Update Orchestrator's handover, "luo-v5" (<kho/luo.h>).
 *
 * Kernel facts (Linux 7.3.4):
 *   include/linux/kho/abi/luo.h:67      subtree "LUO", compatible "luo-v5"
 *   include/linux/kho/abi/luo.h:80      struct luo_ser, 32 bytes
 *   include/linux/kho/abi/luo.h:97,131  luo_file_ser 64, luo_session_ser 80
 *   include/linux/kho/abi/luo.h:152,174 FLB header 16, luo_flb_ser 64
 *   kernel/liveupdate/luo_core.c:110    blob smaller than luo_ser: -EINVAL
 *   kernel/liveupdate/luo_core.c:116    strncmp(compatible, "luo-v5", 8)
 *   kernel/liveupdate/luo_core.c:166    liveupdate_num = previous + 1
 *   kernel/liveupdate/luo_session.c:472 name of 1..63 bytes
 *   kernel/liveupdate/luo_session.c:196 two sessions of one name: -EEXIST
 *   kernel/liveupdate/luo_session.c:668 sessions_pa 0 without sessions
 *   kernel/liveupdate/luo_file.c:238    token unique in a session: -EEXIST
 *   kernel/liveupdate/luo_file.c:490    files = chain head, count = files
 *   kernel/liveupdate/luo_file.c:792    files 0 with count != 0: WARN only
 *   kernel/liveupdate/luo_file.c:824    count != files read: -EINVAL
 *   kernel/liveupdate/luo_flb.c:54      the FLB region is 1 page
 *   kernel/liveupdate/luo_flb.c:578     incoming FLBs are read unchecked
 *
 * Where the kernel reads on trust (an unterminated compatible goes to
 * strcmp(), an FLB count beyond its page is followed) this reader
 * refuses; files 0 with a non-zero count, which the kernel only warns
 * about, is refused too: no kernel writes it.
 */
#include <kho/luo.h>

#include "kho_internal.h"

#define LUO_FLB_PGCNT 1

static size_t bounded_len(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

/* Copy a NUL-terminated name of 1..@max-1 bytes into a zeroed field. */
static int copy_name(char *dst, const char *src, size_t max)
{
	size_t len;

	if (!src)
		return -EINVAL;
	len = bounded_len(src, max);
	if (!len || len >= max)
		return -EINVAL;
	kho_memset(dst, 0, max);
	kho_memcpy(dst, src, len);
	return 0;
}

/* ---- writer ---------------------------------------------------------------- */

int kho_luo_out_init(struct kho_luo_out *luo, struct kho_out *out,
		     uint64_t liveupdate_num)
{
	int ret;

	if (KHO_WARN_ON(!luo || !out))
		return -EINVAL;
	kho_memset(luo, 0, sizeof(*luo));
	luo->out = out;
	ret = kho_block_set_init(&luo->sessions, out,
				 sizeof(struct kho_luo_session_ser));
	if (ret)
		return ret;
	luo->ser = kho_alloc_preserve(out, sizeof(*luo->ser));
	if (!luo->ser)
		return -ENOMEM;
	luo->flb = kho_alloc_preserve(out,
				      LUO_FLB_PGCNT * kho_page_size(&out->geo));
	if (!luo->flb) {
		kho_unpreserve_free(out, luo->ser);
		luo->ser = NULL;
		return -ENOMEM;
	}
	kho_memcpy(luo->ser->compatible, KHO_LUO_COMPATIBLE,
		   sizeof(KHO_LUO_COMPATIBLE));
	luo->ser->liveupdate_num = liveupdate_num;
	luo->ser->flbs_pa =
		out->ops.mem.virt_to_phys(out->ops.mem.ctx, luo->flb);
	luo->flb->pgcnt = LUO_FLB_PGCNT;
	return 0;
}

static struct kho_luo_session_ser *session_entry(struct kho_luo_out *luo,
						 uint64_t index)
{
	return kho_block_set_entry(&luo->sessions, index);
}

static int same_name(void *entry, uint64_t index, void *arg)
{
	const struct kho_luo_session_ser *ser = entry;

	return kho_memcmp(ser->name, arg, sizeof(ser->name)) ? 0 : -EEXIST;
}

static int same_token(void *entry, uint64_t index, void *arg)
{
	const struct kho_luo_file_ser *ser = entry;

	return ser->token == *(const uint64_t *)arg ? -EEXIST : 0;
}

int kho_luo_session_create(struct kho_luo_out *luo, struct kho_luo_session *s,
			   const char *name)
{
	struct kho_luo_session_ser entry;
	int ret;

	if (KHO_WARN_ON(!luo || !s || !luo->ser))
		return -EINVAL;
	kho_memset(&entry, 0, sizeof(entry));
	ret = copy_name(entry.name, name, sizeof(entry.name));
	if (ret)
		return ret;
	ret = kho_block_set_for_each(&luo->sessions, same_name, entry.name);
	if (ret)
		return ret;
	ret = kho_block_set_append(&luo->sessions, &entry);
	if (ret)
		return ret;
	s->luo = luo;
	s->index = luo->sessions.count - 1;
	return kho_block_set_init(&s->files, luo->out,
				  sizeof(struct kho_luo_file_ser));
}

int kho_luo_session_add_file(struct kho_luo_session *s, const char *compatible,
			     uint64_t data, uint64_t token)
{
	struct kho_luo_session_ser *sess;
	struct kho_luo_file_ser file;
	int ret;

	if (KHO_WARN_ON(!s || !s->luo))
		return -EINVAL;
	kho_memset(&file, 0, sizeof(file));
	ret = copy_name(file.compatible, compatible, sizeof(file.compatible));
	if (ret)
		return ret;
	ret = kho_block_set_for_each(&s->files, same_token, &token);
	if (ret)
		return ret;
	file.data = data;
	file.token = token;
	ret = kho_block_set_append(&s->files, &file);
	if (ret)
		return ret;
	sess = session_entry(s->luo, s->index);
	sess->file_set_ser.files = s->files.head_pa;
	sess->file_set_ser.count = s->files.count;
	return 0;
}

/* FLB entries the region holds. */
static uint64_t flb_capacity(uint64_t pgcnt, unsigned int page_shift)
{
	return ((pgcnt << page_shift) - sizeof(struct kho_luo_flb_header_ser)) /
	       sizeof(struct kho_luo_flb_ser);
}

/*
 * An FLB's user count as Linux has it: kernel A hands over only objects in
 * use (luo_flb.c:616), and kernel B makes a refcount_t of it (:183).
 */
static bool flb_count_valid(uint64_t count)
{
	return count && count <= INT32_MAX;
}

int kho_luo_add_flb(struct kho_luo_out *luo, const char *name, uint64_t data,
		    uint64_t count)
{
	struct kho_luo_flb_ser entry;

	if (KHO_WARN_ON(!luo || !luo->flb))
		return -EINVAL;
	if (copy_name(entry.name, name, sizeof(entry.name)) ||
	    !flb_count_valid(count))
		return -EINVAL;
	if (luo->flb->count ==
	    flb_capacity(LUO_FLB_PGCNT, luo->out->geo.page_shift))
		return -ENOSPC;
	entry.data = data;
	entry.count = count;
	kho_memcpy((struct kho_luo_flb_ser *)(luo->flb + 1) + luo->flb->count,
		   &entry, sizeof(entry));
	luo->flb->count++;
	return 0;
}

struct kho_luo_ser *kho_luo_finish(struct kho_luo_out *luo, size_t *size)
{
	luo->ser->sessions_pa = luo->sessions.count ? luo->sessions.head_pa : 0;
	if (size)
		*size = sizeof(*luo->ser);
	return luo->ser;
}

void kho_luo_out_destroy(struct kho_luo_out *luo)
{
	struct kho_block_set files;
	uint64_t i;

	if (!luo || !luo->ser)
		return;
	/* Each session's file chain, found from its entry. */
	for (i = 0; i < luo->sessions.count; i++) {
		struct kho_luo_session_ser *sess = session_entry(luo, i);

		if (!sess->file_set_ser.files)
			continue;
		kho_block_set_init(&files, luo->out,
				   sizeof(struct kho_luo_file_ser));
		files.head_pa = sess->file_set_ser.files;
		kho_block_set_destroy(&files);
	}
	kho_block_set_destroy(&luo->sessions);
	kho_unpreserve_free(luo->out, luo->flb);
	kho_unpreserve_free(luo->out, luo->ser);
	luo->flb = NULL;
	luo->ser = NULL;
}

/* ---- reader ---------------------------------------------------------------- */

struct luo_walk {
	const struct kho_view *view; /* own() only in the checking pass */
	const struct kho_luo_read_ops *ops; /* NULL in the checking pass */
	struct kho_luo_info *info;
	struct kho_error *err;
	uint64_t sessions_pa;
	struct kho_luo_session_info s;
};

static int file_entry(const void *entry, uint64_t phys, uint64_t index,
		      void *arg)
{
	struct luo_walk *w = arg;
	struct kho_luo_file_ser ser;
	struct kho_luo_file_info f;

	kho_memcpy(&ser, entry, sizeof(ser));
	if (bounded_len(ser.compatible, sizeof(ser.compatible)) ==
	    sizeof(ser.compatible))
		return kho_fail(w->err, -EINVAL,
				"a LUO file's compatible is not NUL-terminated",
				"compatible", phys, index);
	if (!w->ops) {
		w->info->nr_files++;
		return 0;
	}
	if (!w->ops->file)
		return 0;
	kho_memset(&f, 0, sizeof(f));
	kho_memcpy(f.compatible, ser.compatible, sizeof(f.compatible));
	f.data = ser.data;
	f.token = ser.token;
	f.index = index;
	f.phys = phys;
	return w->ops->file(&w->s, &f, w->ops->arg);
}

static int session_entry_cb(const void *entry, uint64_t phys, uint64_t index,
			    void *arg)
{
	struct luo_walk *w = arg;
	struct kho_luo_session_ser ser;
	struct kho_block_info bi;
	int ret;

	kho_memcpy(&ser, entry, sizeof(ser));
	kho_memset(&w->s, 0, sizeof(w->s));
	/* The kernel's strscpy() keeps at most 63 bytes of the name. */
	kho_memcpy(w->s.name, ser.name, sizeof(w->s.name) - 1);
	w->s.index = index;
	w->s.phys = phys;
	w->s.files_pa = ser.file_set_ser.files;
	w->s.nr_files = ser.file_set_ser.count;

	if (!w->ops) {
		/* Checking pass: the file chain (names: check_names()). */
		if (!ser.file_set_ser.files) {
			if (ser.file_set_ser.count)
				return kho_fail(
					w->err, -EINVAL,
					"a LUO session counts files but has no file chain",
					"count", phys, index);
			w->info->nr_sessions++;
			return 0;
		}
		ret = kho_block_read(w->view, ser.file_set_ser.files,
				     sizeof(struct kho_luo_file_ser),
				     "LUO files", file_entry, w, &bi, w->err);
		if (ret)
			return ret;
		if (bi.nr_entries != ser.file_set_ser.count)
			return kho_fail(
				w->err, -EINVAL,
				"a LUO session's file count differs from its file chain",
				"count", phys, index);
		w->info->nr_blocks += bi.nr_blocks;
		w->info->nr_sessions++;
		return 0;
	}
	if (w->ops->session) {
		ret = w->ops->session(&w->s, w->ops->arg);
		if (ret)
			return ret;
	}
	if (!w->s.files_pa)
		return 0;
	return kho_block_read(w->view, w->s.files_pa,
			      sizeof(struct kho_luo_file_ser), "LUO files",
			      file_entry, w, NULL, w->err);
}

/* ---- unique session names ------------------------------------------------ */

/*
 * The kernel refuses a second session of a name as it inserts each one, by
 * scanning those before it (luo_session.c:196): quadratic, and a hostile
 * handover can fill 10000 blocks with sessions. Given working memory by the
 * view, the names are sorted instead: one record per session, heap-sorted
 * by the hash of its name, then by the name, then by index, so that equal
 * names end up next to each other in index order. Without it each session
 * is compared with every one before it. Either way the session reported is
 * the first, in index order, whose name an earlier session has.
 *
 *   recs[]: { hash of the name | entry's address | session index } x nr
 */
struct name_rec {
	uint64_t hash;
	uint64_t phys;
	uint64_t index;
};

struct name_check {
	const struct kho_view *view; /* owns nothing */
	uint64_t sessions_pa;
	struct name_rec *recs;
	uint64_t nr;
	char name[KHO_LUO_SESSION_NAME_LEN]; /* pairwise: the one looked for */
	uint64_t before; /* ... among the sessions below this index */
	uint64_t dup_index; /* the session reported, or KHO_LUO_NO_DUP */
	uint64_t dup_phys;
};

#define KHO_LUO_NO_DUP UINT64_MAX
#define FNV1A64_INIT 0xcbf29ce484222325ULL
#define FNV1A64_PRIME 0x100000001b3ULL

/* The name as the kernel keeps it: strscpy()'s at most 63 bytes, zeroed. */
static void session_name(char *name, const void *entry)
{
	const struct kho_luo_session_ser *ser = entry;
	size_t n = bounded_len(ser->name, KHO_LUO_SESSION_NAME_LEN - 1);

	kho_memset(name, 0, KHO_LUO_SESSION_NAME_LEN);
	kho_memcpy(name, ser->name, n);
}

static uint64_t name_hash(const char *name)
{
	uint64_t h = FNV1A64_INIT;

	for (size_t i = 0; i < KHO_LUO_SESSION_NAME_LEN; i++)
		h = (h ^ (unsigned char)name[i]) * FNV1A64_PRIME;
	return h;
}

/* Names of two records (their entries were checked: they are mapped). */
static int rec_name_cmp(const struct name_check *c, const struct name_rec *a,
			const struct name_rec *b)
{
	char na[KHO_LUO_SESSION_NAME_LEN], nb[KHO_LUO_SESSION_NAME_LEN];

	session_name(na, kho_view_map(c->view, a->phys,
				      sizeof(struct kho_luo_session_ser)));
	session_name(nb, kho_view_map(c->view, b->phys,
				      sizeof(struct kho_luo_session_ser)));
	return kho_memcmp(na, nb, sizeof(na));
}

/* kho_sort()'s order of two records @x, @y of the check @ctx. */
static int rec_cmp(const void *x, const void *y, const void *ctx)
{
	const struct name_rec *a = x, *b = y;
	const struct name_check *c = ctx;
	int d;

	if (a->hash != b->hash)
		return a->hash < b->hash ? -1 : 1;
	d = rec_name_cmp(c, a, b);
	if (d)
		return d;
	return a->index < b->index ? -1 : a->index > b->index;
}

static int fill_rec(const void *entry, uint64_t phys, uint64_t index,
		    void *arg)
{
	struct name_check *c = arg;
	char name[KHO_LUO_SESSION_NAME_LEN];

	session_name(name, entry);
	c->recs[index] = (struct name_rec){ name_hash(name), phys, index };
	return 0;
}

static void sorted_check(struct name_check *c)
{
	uint64_t i;

	kho_block_read(c->view, c->sessions_pa,
		       sizeof(struct kho_luo_session_ser), "LUO sessions",
		       fill_rec, c, NULL, NULL);
	kho_sort(c->recs, c->nr, sizeof(*c->recs), rec_cmp, c);
	for (i = 1; i < c->nr; i++) {
		const struct name_rec *a = &c->recs[i - 1], *b = &c->recs[i];

		if (a->hash == b->hash && !rec_name_cmp(c, a, b) &&
		    b->index < c->dup_index) {
			c->dup_index = b->index;
			c->dup_phys = b->phys;
		}
	}
}

/* Pairwise: is c->name the name of a session below c->before? */
static int find_dup(const void *entry, uint64_t phys, uint64_t index,
		    void *arg)
{
	struct name_check *c = arg;
	char name[KHO_LUO_SESSION_NAME_LEN];

	if (index >= c->before)
		return 1; /* done: stop the walk */
	session_name(name, entry);
	return kho_memcmp(name, c->name, sizeof(name)) ? 0 : -EEXIST;
}

static int pairwise_one(const void *entry, uint64_t phys, uint64_t index,
			void *arg)
{
	struct name_check *c = arg;

	session_name(c->name, entry);
	c->before = index;
	if (kho_block_read(c->view, c->sessions_pa,
			   sizeof(struct kho_luo_session_ser), "LUO sessions",
			   find_dup, c, NULL, NULL) == -EEXIST) {
		c->dup_index = index;
		c->dup_phys = phys;
		return 1; /* the first one: stop */
	}
	return 0;
}

/* After the session chain was checked whole: no two sessions of one name. */
static int check_names(const struct luo_walk *w, uint64_t nr_sessions)
{
	const struct kho_view *view = w->view;
	struct kho_view quiet = *view;
	struct name_check c = {
		.view = &quiet,
		.sessions_pa = w->sessions_pa,
		.nr = nr_sessions,
		.dup_index = KHO_LUO_NO_DUP,
	};

	quiet.own = NULL;
	if (nr_sessions < 2)
		return 0;
	if (view->scratch_alloc)
		c.recs = view->scratch_alloc(view->ctx,
					     nr_sessions * sizeof(*c.recs));
	if (c.recs) {
		sorted_check(&c);
		view->scratch_free(view->ctx, c.recs);
	} else {
		kho_block_read(&quiet, c.sessions_pa,
			       sizeof(struct kho_luo_session_ser),
			       "LUO sessions", pairwise_one, &c, NULL, NULL);
	}
	if (c.dup_index == KHO_LUO_NO_DUP)
		return 0;
	return kho_fail(w->err, -EEXIST, "two LUO sessions have the same name",
			"name", c.dup_phys, (long)c.dup_index);
}

/* The FLB region: checked when @ops is NULL, else visited. */
static int read_flbs(struct luo_walk *w, uint64_t flbs_pa)
{
	const struct kho_view *view = w->view;
	const struct kho_luo_flb_header_ser *hdr;
	const unsigned char *region;
	struct kho_luo_flb_ser ser;
	struct kho_luo_flb_info f;
	uint64_t pgcnt, count, len, i, max_pages;
	int ret;

	if (!flbs_pa)
		return 0;
	hdr = kho_view_map(view, flbs_pa, sizeof(*hdr));
	if (!hdr)
		return kho_fail(w->err, -EFAULT,
				"the LUO FLB header is not in memory",
				"flbs_pa", flbs_pa, KHO_ERR_NO_INDEX);
	kho_memcpy(&pgcnt, &hdr->pgcnt, sizeof(pgcnt));
	kho_memcpy(&count, &hdr->count, sizeof(count));
	/* The kernel writes 1 page; allow any that fits the address space. */
	max_pages = 1ULL << (64 - view->page_shift - 1);
	if (!pgcnt || pgcnt > max_pages ||
	    flbs_pa & ((1ULL << view->page_shift) - 1))
		return kho_fail(w->err, -EINVAL,
				"the LUO FLB region's page count is not valid",
				"pgcnt", flbs_pa, KHO_ERR_NO_INDEX);
	if (count > flb_capacity(pgcnt, view->page_shift))
		return kho_fail(
			w->err, -EINVAL,
			"the LUO FLB count is larger than its pages hold",
			"count", flbs_pa, KHO_ERR_NO_INDEX);
	len = sizeof(*hdr) + count * sizeof(ser);
	region = kho_view_map(view, flbs_pa, len);
	if (!region)
		return kho_fail(w->err, -EFAULT,
				"the LUO FLB entries are not in memory",
				"count", flbs_pa, KHO_ERR_NO_INDEX);
	if (!w->ops) {
		ret = kho_view_own(view, flbs_pa, pgcnt << view->page_shift,
				   "LUO FLBs");
		if (ret)
			return kho_fail(
				w->err, ret,
				"the LUO FLB region is not preserved memory",
				"flbs_pa", flbs_pa, KHO_ERR_NO_INDEX);
	}
	for (i = 0; i < count; i++) {
		kho_memcpy(&ser, region + sizeof(*hdr) + i * sizeof(ser),
			   sizeof(ser));
		if (!w->ops) {
			const char *why = NULL, *prop = NULL;

			if (bounded_len(ser.name, sizeof(ser.name)) ==
			    sizeof(ser.name)) {
				why = "a LUO FLB's name is not NUL-terminated";
				prop = "name";
			} else if (!flb_count_valid(ser.count)) {
				why = "a LUO FLB's count is 0 or above 2^31 - 1, which the next kernel's refcount_t cannot hold";
				prop = "count";
			}
			if (why)
				return kho_fail(w->err, -EINVAL, why, prop,
						flbs_pa + sizeof(*hdr) +
							i * sizeof(ser),
						i);
			w->info->nr_flbs++;
			continue;
		}
		if (!w->ops->flb)
			continue;
		kho_memcpy(f.name, ser.name, sizeof(f.name));
		f.data = ser.data;
		f.count = ser.count;
		f.index = i;
		ret = w->ops->flb(&f, w->ops->arg);
		if (ret)
			return ret;
	}
	return 0;
}

int kho_luo_read(const struct kho_view *view, uint64_t phys, uint64_t size,
		 const struct kho_luo_read_ops *ops, struct kho_luo_info *info,
		 struct kho_error *err)
{
	struct kho_luo_info local = { 0 };
	struct luo_walk w = { .view = view, .info = &local, .err = err };
	const struct kho_luo_ser *blob;
	struct kho_luo_ser ser;
	struct kho_block_info bi;
	struct kho_view quiet;
	size_t n;
	int ret;

	if (KHO_WARN_ON(kho_view_unusable(view)))
		return -EINVAL;
	if (size < sizeof(ser))
		return kho_fail(err, -EINVAL,
				"the LUO blob is smaller than struct luo_ser",
				"blob-size", phys, KHO_ERR_NO_INDEX);
	blob = kho_view_map(view, phys, sizeof(ser));
	if (!blob)
		return kho_fail(err, -EFAULT, "the LUO blob is not in memory",
				NULL, phys, KHO_ERR_NO_INDEX);
	kho_memcpy(&ser, blob, sizeof(ser));
	/* strncmp(): equal up to the first NUL within 8 bytes. */
	n = bounded_len(KHO_LUO_COMPATIBLE, KHO_LUO_COMPAT_LEN);
	if (kho_memcmp(ser.compatible, KHO_LUO_COMPATIBLE, n) ||
	    (n < KHO_LUO_COMPAT_LEN && ser.compatible[n]))
		return kho_fail(err, -EINVAL,
				"the LUO blob is not compatible with luo-v5",
				"compatible", phys, KHO_ERR_NO_INDEX);
	ret = kho_view_own(view, phys, sizeof(ser), KHO_LUO_NAME);
	if (ret)
		return kho_fail(err, ret,
				"the LUO blob is not preserved memory", NULL,
				phys, KHO_ERR_NO_INDEX);
	local.liveupdate_num = ser.liveupdate_num;
	local.sessions_pa = ser.sessions_pa;
	local.flbs_pa = ser.flbs_pa;
	w.sessions_pa = ser.sessions_pa;

	/* Checking pass: every structure, own() once each, no callback. */
	ret = kho_block_read(view, ser.sessions_pa,
			     sizeof(struct kho_luo_session_ser), "LUO sessions",
			     session_entry_cb, &w, &bi, err);
	if (ret)
		return ret;
	local.nr_blocks += bi.nr_blocks;
	ret = check_names(&w, bi.nr_entries);
	if (ret)
		return ret;
	ret = read_flbs(&w, ser.flbs_pa);
	if (ret)
		return ret;
	if (info)
		*info = local;
	if (!ops)
		return 0;

	/* Visiting pass, through a view that owns nothing again. */
	quiet = *view;
	quiet.own = NULL;
	w.view = &quiet;
	w.ops = ops;
	ret = kho_block_read(&quiet, ser.sessions_pa,
			     sizeof(struct kho_luo_session_ser), "LUO sessions",
			     session_entry_cb, &w, NULL, err);
	if (ret)
		return ret;
	return read_flbs(&w, ser.flbs_pa);
}

/* Free the file chain of each session entry. */
static int free_files(const void *entry, uint64_t phys, uint64_t index,
		      void *arg)
{
	const struct kho_luo_session_ser *ser = entry;
	uint64_t files;

	kho_memcpy(&files, &ser->file_set_ser.files, sizeof(files));
	return kho_block_restore_free(arg, files);
}

int kho_luo_restore_free(struct kho_in *in, uint64_t phys)
{
	const struct kho_luo_ser *ser;
	struct kho_view view;
	uint64_t sessions_pa;
	int ret;

	kho_in_view(in, &view);
	view.own = NULL;
	ser = kho_view_map(&view, phys, sizeof(*ser));
	if (!ser)
		return -EFAULT;
	kho_memcpy(&sessions_pa, &ser->sessions_pa, sizeof(sessions_pa));
	/* The file chains first: their heads are in the session blocks. */
	ret = kho_block_read(&view, sessions_pa,
			     sizeof(struct kho_luo_session_ser), "LUO sessions",
			     free_files, in, NULL, NULL);
	if (ret)
		return ret;
	ret = kho_block_restore_free(in, sessions_pa);
	if (ret)
		return ret;
	return kho_restore_free(
		in, in->ops.mem.phys_to_virt(in->ops.mem.ctx, phys));
}
