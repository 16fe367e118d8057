/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * kho/luo.h - the Live Update Orchestrator's handover, "luo-v5" (Linux 7.2
 * and 7.3, with kho-v4): one KHO subtree "LUO" whose blob is struct
 * kho_luo_ser; sessions and their files live in KHO serialization block
 * chains (<kho/block.h>); global objects (FLBs) in one page of their own.
 *
 *   subtree "LUO" -> struct kho_luo_ser (32 bytes, kho_alloc_preserve())
 *                    compatible "luo-v5", liveupdate_num,
 *                    sessions_pa --+      flbs_pa --+
 *                                  v                v
 *   block chain of struct kho_luo_session_ser    one page: header
 *   (80 bytes: name[64], files, count)           {pgcnt, count}, then
 *        files --+                               struct kho_luo_flb_ser
 *                v                               (64 bytes) x count
 *   block chain of struct kho_luo_file_ser
 *   (64 bytes: compatible[48] "memfd-v2", data = the handler's blob, token)
 *
 * An empty set of sessions is sessions_pa 0; a session without files has
 * files 0 and count 0. Every multi-byte field is native-endian.
 */
#ifndef KHO_LUO_H
#define KHO_LUO_H

#include <stddef.h>
#include <stdint.h>

#include <kho/abi.h>
#include <kho/block.h>
#include <kho/kho.h>
#include <kho/view.h>

#ifdef __cplusplus
extern "C" {
#endif

/* include/linux/kho/abi/luo.h:67-69: the subtree and its compatible. */
#define KHO_LUO_NAME "LUO"
#define KHO_LUO_COMPATIBLE "luo-v5"
#define KHO_LUO_COMPAT_LEN 8 /* ALIGN(sizeof("luo-v5"), 8) */
/* include/uapi/linux/liveupdate.h:47, include/linux/kho/abi/luo.h:87,137 */
#define KHO_LUO_SESSION_NAME_LEN 64
#define KHO_LUO_FILE_COMPAT_LEN 48
#define KHO_LUO_FLB_COMPAT_LEN 48

/* include/linux/kho/abi/luo.h:80: the blob of subtree "LUO". */
struct kho_luo_ser {
	char compatible[KHO_LUO_COMPAT_LEN];
	uint64_t liveupdate_num; /* live updates so far, this one too */
	uint64_t sessions_pa; /* first session block, 0 = none */
	uint64_t flbs_pa; /* FLB page, 0 = none */
} __attribute__((packed));

/* include/linux/kho/abi/luo.h:97: one preserved file of a session. */
struct kho_luo_file_ser {
	char compatible[KHO_LUO_FILE_COMPAT_LEN]; /* handler, NUL-terminated */
	uint64_t data; /* the handler's handle: memfd-v2's blob address */
	uint64_t token; /* user space's name for the file, unique per session */
} __attribute__((packed));

/* include/linux/kho/abi/luo.h:113 */
struct kho_luo_file_set_ser {
	uint64_t files; /* first block of struct kho_luo_file_ser, 0 = none */
	uint64_t count; /* files in the chain */
} __attribute__((packed));

/* include/linux/kho/abi/luo.h:131: one session. */
struct kho_luo_session_ser {
	char name[KHO_LUO_SESSION_NAME_LEN];
	struct kho_luo_file_set_ser file_set_ser;
} __attribute__((packed));

/* include/linux/kho/abi/luo.h:152: heads the FLB page. */
struct kho_luo_flb_header_ser {
	uint64_t pgcnt; /* pages of the whole FLB region, header included */
	uint64_t count; /* struct kho_luo_flb_ser entries after the header */
} __attribute__((packed));

/* include/linux/kho/abi/luo.h:174: one file-lifecycle-bound object. */
struct kho_luo_flb_ser {
	char name[KHO_LUO_FLB_COMPAT_LEN];
	uint64_t data;
	uint64_t count; /* files that depend on it */
} __attribute__((packed));

KHO_STATIC_ASSERT(sizeof(struct kho_luo_ser) == 32, "luo_ser is 32 bytes");
KHO_STATIC_ASSERT(sizeof(struct kho_luo_file_ser) == 64, "luo_file_ser is 64");
KHO_STATIC_ASSERT(sizeof(struct kho_luo_session_ser) == 80,
		  "luo_session_ser is 80 bytes");
KHO_STATIC_ASSERT(sizeof(struct kho_luo_flb_header_ser) == 16, "FLB header");
KHO_STATIC_ASSERT(sizeof(struct kho_luo_flb_ser) == 64, "luo_flb_ser is 64");

/* ---- writer (kernel A) --------------------------------------------------- */

/**
 * struct kho_luo_out - kernel A's LUO state
 * @out: the handover
 * @ser: the blob, preserved
 * @flb: the FLB page, preserved (pgcnt 1), as the kernel always writes it
 * @sessions: chain of struct kho_luo_session_ser
 */
struct kho_luo_out {
	struct kho_out *out;
	struct kho_luo_ser *ser;
	struct kho_luo_flb_header_ser *flb;
	struct kho_block_set sessions;
};

/**
 * struct kho_luo_session - one outgoing session (caller-allocated)
 * @luo: its LUO state
 * @index: its entry in @luo->sessions
 * @files: chain of struct kho_luo_file_ser
 */
struct kho_luo_session {
	struct kho_luo_out *luo;
	uint64_t index;
	struct kho_block_set files;
};

/**
 * kho_luo_out_init() - set up LUO's outgoing state, as luo_state_setup()
 * @luo: caller-allocated, filled in
 * @out: the handover
 * @liveupdate_num: the number to hand over: the previous one plus 1
 *	(1 on a cold boot)
 *
 * Allocates and preserves the 32-byte blob (compatible "luo-v5") and the
 * one-page FLB region (pgcnt 1, count 0). No session yet.
 * Context: may allocate.
 * Return: 0 or -ENOMEM (nothing then stays allocated).
 */
int kho_luo_out_init(struct kho_luo_out *luo, struct kho_out *out,
		     uint64_t liveupdate_num);

/**
 * kho_luo_session_create() - add a session named @name
 * @luo: LUO state
 * @s: caller-allocated, valid while @luo lives
 * @name: 1 to 63 bytes, unique among @luo's sessions
 *
 * Context: may allocate.
 * Return: 0, -EINVAL (name empty or too long), -EEXIST (name taken),
 * -ENOSPC or -ENOMEM (the chain is then unchanged).
 */
int kho_luo_session_create(struct kho_luo_out *luo, struct kho_luo_session *s,
			   const char *name);

/**
 * kho_luo_session_add_file() - preserve a file's record in a session
 * @s: session
 * @compatible: its handler, 1 to 47 bytes ("memfd-v2")
 * @data: the handler's handle (memfd-v2: its blob's physical address)
 * @token: user space's name for it, unique in @s
 *
 * Appends to the session's file chain and updates its session entry.
 * Context: may allocate.
 * Return: 0, -EINVAL, -EEXIST (token used), -ENOSPC or -ENOMEM.
 */
int kho_luo_session_add_file(struct kho_luo_session *s, const char *compatible,
			     uint64_t data, uint64_t token);

/**
 * kho_luo_add_flb() - record a global object in the FLB page
 * @luo: LUO state
 * @name: its compatible, 1 to 47 bytes
 * @data: its handle
 * @count: files that depend on it, 1 to 2^31 - 1 (the next kernel's
 *	refcount_t)
 *
 * Context: any.
 * Return: 0, -EINVAL (@name empty or too long, @count 0 or above
 * 2^31 - 1), or -ENOSPC (the page is full).
 */
int kho_luo_add_flb(struct kho_luo_out *luo, const char *name, uint64_t data,
		    uint64_t count);

/**
 * kho_luo_finish() - the blob to hand over, as luo_session_serialize()
 *	leaves it
 * @luo: LUO state
 * @size: set to its size (32)
 *
 * Writes sessions_pa (0 when there is no session). The caller adds it as
 * subtree KHO_LUO_NAME with kho_add_subtree().
 * Context: any.
 * Return: the blob.
 */
struct kho_luo_ser *kho_luo_finish(struct kho_luo_out *luo, size_t *size);

/**
 * kho_luo_out_destroy() - unpreserve and free everything LUO allocated
 * @luo: as set up; sessions created on it are void afterwards
 *
 * Context: frees.
 */
void kho_luo_out_destroy(struct kho_luo_out *luo);

/* ---- reader (kernel B, kho inspect) -------------------------------------- */

/**
 * struct kho_luo_session_info - a session as read
 * @name: its name, NUL-terminated (at most 63 bytes, as the kernel cuts it)
 * @index: its place in the session chain
 * @phys: address of its struct kho_luo_session_ser
 * @files_pa: its file chain
 * @nr_files: its file count
 */
struct kho_luo_session_info {
	char name[KHO_LUO_SESSION_NAME_LEN];
	uint64_t index;
	uint64_t phys;
	uint64_t files_pa;
	uint64_t nr_files;
};

/**
 * struct kho_luo_file_info - a file as read
 * @compatible: its handler, NUL-terminated
 * @data: the handler's handle
 * @token: its token
 * @index: its place in the session's file chain
 * @phys: address of its struct kho_luo_file_ser
 */
struct kho_luo_file_info {
	char compatible[KHO_LUO_FILE_COMPAT_LEN];
	uint64_t data;
	uint64_t token;
	uint64_t index;
	uint64_t phys;
};

/**
 * struct kho_luo_flb_info - an FLB as read
 * @name: its compatible, NUL-terminated
 * @data: its handle
 * @count: files depending on it
 * @index: its place in the FLB page
 */
struct kho_luo_flb_info {
	char name[KHO_LUO_FLB_COMPAT_LEN];
	uint64_t data;
	uint64_t count;
	uint64_t index;
};

/**
 * struct kho_luo_read_ops - what kho_luo_read() calls, after checking all
 * @session: per session, before its files; may be NULL
 * @file: per file of a session; may be NULL
 * @flb: per FLB; may be NULL
 * @arg: passed to each
 *
 * A non-zero return stops the read and is returned.
 */
struct kho_luo_read_ops {
	int (*session)(const struct kho_luo_session_info *s, void *arg);
	int (*file)(const struct kho_luo_session_info *s,
		    const struct kho_luo_file_info *f, void *arg);
	int (*flb)(const struct kho_luo_flb_info *f, void *arg);
	void *arg;
};

/**
 * struct kho_luo_info - totals of a LUO handover
 * @liveupdate_num: from the blob
 * @sessions_pa: from the blob
 * @flbs_pa: from the blob
 * @nr_sessions: sessions
 * @nr_files: files over all sessions
 * @nr_flbs: FLB entries
 * @nr_blocks: blocks of all chains
 */
struct kho_luo_info {
	uint64_t liveupdate_num;
	uint64_t sessions_pa;
	uint64_t flbs_pa;
	uint64_t nr_sessions;
	uint64_t nr_files;
	uint64_t nr_flbs;
	uint64_t nr_blocks;
};

/**
 * kho_luo_read() - check a handed-over LUO state, then visit it
 * @view: memory of the handover
 * @phys: the "LUO" subtree's blob
 * @size: its blob-size
 * @ops: callbacks, or NULL to only check
 * @info: totals, when not NULL
 * @err: filled in on failure: what, the field, its physical address and
 *	the index of the session, file or block
 *
 * Checks everything before calling @ops, as luo_early_startup(),
 * luo_session_deserialize() and luo_file_deserialize() would while
 * restoring, and what they take on trust: @size at least 32; the blob
 * mapped; compatible "luo-v5" (compared as the kernel's strncmp() does);
 * the session chain and every file chain as kho_block_read() checks them;
 * session names unique; a session's count equal to the files its chain
 * holds, and 0 without a chain; every file's compatible NUL-terminated;
 * the FLB region (pgcnt >= 1 pages, mapped, count entries fitting it, each
 * name NUL-terminated). Each structure goes to view->own() once: "LUO",
 * "LUO sessions", "LUO files", "LUO FLBs".
 * Session names are compared as the kernel keeps them (at most 63 bytes,
 * up to the first NUL), after every chain was checked; the session reported
 * is the first, in index order, whose name an earlier one has. With
 * view->scratch_alloc (24 bytes a session) they are sorted, n log n;
 * without it, or when it gives nothing, compared pairwise as the kernel
 * does, which is quadratic in the number of sessions.
 * Context: any; allocates only through view->scratch_alloc.
 * Return: 0; -EINVAL (malformed, @err says where); -EFAULT (not mapped);
 * -ENOSPC (a chain over KHO_MAX_BLOCKS blocks); -EEXIST (two sessions of
 * one name); or a callback's or own()'s non-zero return.
 */
int kho_luo_read(const struct kho_view *view, uint64_t phys, uint64_t size,
		 const struct kho_luo_read_ops *ops, struct kho_luo_info *info,
		 struct kho_error *err);

/**
 * kho_luo_restore_free() - give back LUO's own pages after reading them
 * @in: walked handover
 * @phys: the blob, accepted by kho_luo_read()
 *
 * Frees every file chain, the session chain and the blob, as kernel B does
 * once the sessions are deserialized. The FLB page stays reserved: the
 * kernel never gives it back either.
 * Context: after kho_memory_init(); frees.
 * Return: 0, or the first restore error (-EPERM, -EINVAL, -EFAULT).
 */
int kho_luo_restore_free(struct kho_in *in, uint64_t phys);

#ifdef __cplusplus
}
#endif

#endif /* KHO_LUO_H */
