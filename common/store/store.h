/* common/store/store.h - resource metadata under the run path, as upstream lays it out.
 *
 * The store deals in bytes: the caller encodes a document (the model's JSON codec: 2-space
 * indent, trailing newline) and decodes what it reads. Paths are those of
 * common/store/paths.h: <run>/data/<realm>[/<space>[/<stack>[/<cell>]]]/metadata.json.
 *
 * Durability: every write goes to a temp file ".meta-XXXXXX.tmp" in the same directory,
 * fsync, rename, fsync of the directory, so a crash leaves the old or the new file, never a
 * mix. Temp files are regular files whose names start with '.', so listings (which return
 * directories only) never see them; stale ones left by a killed writer are removed by the
 * next write in that directory or by kk_store_cleanup().
 *
 * Concurrency: writers (in-process `kuke`, kukeond's connection threads) are kept apart per
 * subtree with flocks: a writer of an object holds its lock file exclusively and every
 * ancestor's shared, top down (<run>/.kukeon-store.lock for the whole store, then
 * <run>/.locks/<realm>[_<space>[_<stack>[_<cell>]]].lock), so a slow cell create blocks
 * neither reads nor other cells, while a realm delete waits for the writers inside it and
 * they for it. Every mutating call takes the lock of what it changes for its own duration;
 * a caller doing read-modify-write holds it across the sequence with kk_store_lock_ref().
 * Locks are counted within one kk_store (a held exclusive lock covers nested requests at or
 * below it); a shared lock is never upgraded (EDEADLK). Unlocks undo the latest lock first.
 * Readers take no lock: renames make every read see a whole file. flock locks belong to the
 * open file, so each kk_store is one holder: two in one process exclude each other as two
 * processes do. Lock fds are O_CLOEXEC; a forked child that does not exec shares them.
 *
 * Modes as upstream: metadata files 0644, directories created 02750. */
#ifndef KK_COMMON_STORE_STORE_H
#define KK_COMMON_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/err.h"

/* How long a mutating call waits for the lock unless kk_store_set_lock_timeout() says
 * otherwise. */
#define KK_STORE_LOCK_TIMEOUT_MS 10000
/* Temp file prefix of metadata writes (upstream's, so its leftovers are cleaned too). */
#define KK_STORE_TMP_PREFIX ".meta-"

/* Which resource: the leading non-NULL names. { realm } is a realm, { realm, space } a
 * space ... { realm, space, stack, cell } a cell. Strings are borrowed. Each name must be
 * non-empty, without '/', and not "." or ".." (the model validates names properly; this
 * check only keeps the store inside its tree). */
struct kk_store_ref {
	const char *realm;
	const char *space;
	const char *stack;
	const char *cell;
};

struct kk_store;
struct kk_log;

/* A store rooted at run_path (copied). No I/O happens until it is used. */
struct kk_store *kk_store_new(const char *run_path);
/* Releases the lock if still held. NULL is fine. */
void kk_store_free(struct kk_store *st);
void kk_store_freep(struct kk_store **st);
const char *kk_store_run_path(const struct kk_store *st);
/* Logger for the errors the store drops on purpose, at debug level; borrowed, NULL (the
 * default) = silent. */
void kk_store_set_log(struct kk_store *st, const struct kk_log *log);
/* Wait bound for the implicit locking of mutating calls (ms; < 0 waits forever). */
void kk_store_set_lock_timeout(struct kk_store *st, int timeout_ms);

/* Take the store lock, creating the run path (0750) and the lock file if missing. Waits up
 * to timeout_ms; then fails with ETIMEDOUT naming the lock file and the holder's pid.
 * Recursive: each successful call needs one kk_store_unlock(). */
int kk_store_lock(struct kk_store *st, int timeout_ms, struct kk_err *err);
/* The lock of one object (exclusive) under its ancestors' (shared); ref NULL or empty: the
 * whole store, exclusive. Same waiting and errors as kk_store_lock(). */
int kk_store_lock_ref(struct kk_store *st, const struct kk_store_ref *ref, int timeout_ms,
		      struct kk_err *err);
/* An exclusive lock of its own for a host-wide resource outside the tree (e.g. "subnets"),
 * under no other lock. */
int kk_store_lock_name(struct kk_store *st, const char *name, int timeout_ms, struct kk_err *err);
int kk_store_lock_name_scoped(struct kk_store *st, const char *name, int timeout_ms,
			      struct kk_store **held, struct kk_err *err);
/* Undo the latest kk_store_lock*() still in force. */
void kk_store_unlock(struct kk_store *st);
bool kk_store_is_locked(const struct kk_store *st);
/* Lock for the rest of a scope: on success *held = st, and the cleanup unlocks it.
 *   cleanup_(kk_store_unlockp) struct kk_store *held = NULL;
 *   if (kk_store_lock_scoped(st, KK_STORE_LOCK_TIMEOUT_MS, &held, err) < 0) ... */
int kk_store_lock_scoped(struct kk_store *st, int timeout_ms, struct kk_store **held,
			 struct kk_err *err);
int kk_store_lock_ref_scoped(struct kk_store *st, const struct kk_store_ref *ref, int timeout_ms,
			     struct kk_store **held, struct kk_err *err);
void kk_store_unlockp(struct kk_store **held);

/* The metadata.json path of ref, or the directory of ref. Fails with EINVAL on a bad ref. */
int kk_store_meta_path(const struct kk_store *st, const struct kk_store_ref *ref, char **out,
		       struct kk_err *err);
int kk_store_dir(const struct kk_store *st, const struct kk_store_ref *ref, char **out,
		 struct kk_err *err);

/* Read ref's metadata.json. On success *out is a new NUL-terminated buffer and *len (may be
 * NULL) its size. A missing file fails with ENOENT: "metadata file `PATH` does not exist". */
int kk_store_read(const struct kk_store *st, const struct kk_store_ref *ref, char **out,
		  size_t *len, struct kk_err *err);
/* 1 if ref's metadata.json exists, 0 if not. */
int kk_store_exists(const struct kk_store *st, const struct kk_store_ref *ref, struct kk_err *err);
/* Atomically replace ref's metadata.json with data (mode 0644), creating its directory and
 * missing parents (02750). Takes ref's lock. */
int kk_store_write(struct kk_store *st, const struct kk_store_ref *ref, const void *data,
		   size_t len, struct kk_err *err);
/* Remove ref's metadata.json, then its directory if that is left empty (upstream's
 * DeleteMetadata). Returns 1 if the file was removed, 0 if it did not exist. Takes the
 * lock. */
int kk_store_delete(struct kk_store *st, const struct kk_store_ref *ref, struct kk_err *err);
/* rm -rf ref's directory (upstream does this after deleting a space, stack or cell: conflist,
 * etc files, logs and tty dirs go with it). A missing directory is fine. Takes the lock. */
int kk_store_remove_tree(struct kk_store *st, const struct kk_store_ref *ref, struct kk_err *err);
/* The names of the children of parent, sorted: realms for an all-NULL ref (or NULL), spaces
 * of { realm }, stacks of { realm, space }, cells of { realm, space, stack }. These are the
 * directories present; one whose metadata.json is missing or unreadable is still listed
 * (upstream readers skip those; kk_store_read() says ENOENT). A missing parent directory
 * is an empty list: *out is NULL. Free with kk_strv_free(). */
int kk_store_list(const struct kk_store *st, const struct kk_store_ref *parent, char ***out,
		  struct kk_err *err);

/* Atomically write any file under the run path (e.g. a space's network.conflist with mode
 * 0600), creating missing parent directories 02750. path must lie under the run path.
 * Takes the lock of scope (the object the file belongs to; NULL: the whole store). */
int kk_store_write_file(struct kk_store *st, const struct kk_store_ref *scope, const char *path,
			const void *data, size_t len, mode_t mode, struct kk_err *err);

/* Remove stale temp files (".meta-*.tmp" under data/, ".kukeon-instance-*.tmp" in the run
 * path) left by writers that were killed mid-write. Takes the lock. */
int kk_store_cleanup(struct kk_store *st, struct kk_err *err);

#endif
