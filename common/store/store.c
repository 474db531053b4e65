/* common/store/store.c - see store.h. */
#include "common/store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/lockfile.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/path.h"
#include "common/store/paths.h"
#include "common/store/readset.h"
#include "common/strv.h"

#define DIR_MODE  02750
#define META_MODE 0644

static int ref_depth(const struct kk_store_ref *ref, struct kk_err *err);

/* One lock file held by this store: how often, and whether exclusively. */
struct held_lock {
	char *key; /* "" the whole store, else "<realm>[_<space>[_<stack>[_<cell>]]]" or "@name" */
	int fd;
	int depth;
	bool exclusive;
};

/* One kk_store_lock*() call: which entries it counted, so unlock undoes exactly that. */
struct acquisition {
	size_t idx[5];
	size_t n;
};

struct kk_store {
	char *run_path;
	int lock_timeout_ms;
	struct held_lock *locks;
	size_t n_locks;
	struct acquisition *stack; /* LIFO: kk_store_unlock() undoes the last */
	size_t n_stack, cap_stack;
	const struct kk_log *log; /* borrowed; NULL = silent */
	struct kk_store_readset *rec; /* borrowed: kk_store_record() */
	uint64_t *gen;                /* the mapped write generation, or NULL */
};

struct kk_store *kk_store_new(const char *run_path)
{
	struct kk_store *st = kk_xcalloc(1, sizeof(*st));

	st->run_path = kk_xstrdup(run_path);
	st->lock_timeout_ms = KK_STORE_LOCK_TIMEOUT_MS;
	return st;
}

void kk_store_free(struct kk_store *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->n_locks; i++) {
		kk_lockfile_release(st->locks[i].fd);
		free(st->locks[i].key);
	}
	free(st->locks);
	free(st->stack);
	if (st->gen)
		munmap(st->gen, sizeof(*st->gen));
	free(st->run_path);
	free(st);
}

KK_DEFINE_FREEP(kk_store)

const char *kk_store_run_path(const struct kk_store *st)
{
	return st->run_path;
}

void kk_store_set_log(struct kk_store *st, const struct kk_log *log)
{
	st->log = log;
}

void kk_store_set_lock_timeout(struct kk_store *st, int timeout_ms)
{
	st->lock_timeout_ms = timeout_ms;
}

static char *lock_file(const struct kk_store *st, const char *key, struct kk_err *err)
{
	cleanup_free char *dir = NULL;

	if (!*key)
		return kk_store_lock_path(st->run_path);
	dir = kk_xasprintf("%s/.locks", st->run_path);
	if (kk_mkdir_p(dir, 0750, err) < 0)
		return NULL;
	return kk_xasprintf("%s/%s.lock", dir, key);
}

static size_t entry(struct kk_store *st, const char *key)
{
	for (size_t i = 0; i < st->n_locks; i++)
		if (strcmp(st->locks[i].key, key) == 0)
			return i;
	st->locks = kk_xrealloc(st->locks, (st->n_locks + 1) * sizeof(*st->locks));
	st->locks[st->n_locks] = (struct held_lock){ .key = kk_xstrdup(key), .fd = -1 };
	return st->n_locks++;
}

static void entry_put(struct kk_store *st, size_t i)
{
	struct held_lock *h = &st->locks[i];

	if (--h->depth > 0)
		return;
	kk_lockfile_release(h->fd);
	h->fd = -1;
	h->exclusive = false;
}

static int entry_take(struct kk_store *st, size_t i, bool exclusive, int timeout_ms,
		      struct kk_err *err)
{
	struct held_lock *h = &st->locks[i];
	cleanup_free char *path = NULL;

	if (h->depth > 0) {
		/* held: shared under exclusive is fine, the other way round would need an
		 * upgrade, which two holders could wait on forever */
		if (exclusive && !h->exclusive)
			return kk_err_set(err, EDEADLK,
					  "store: lock `%s` is held shared and cannot be upgraded",
					  h->key);
		h->depth++;
		return 0;
	}
	if (kk_mkdir_p(st->run_path, 0750, err) < 0)
		return kk_err_wrap(err, "store lock");
	path = lock_file(st, h->key, err);
	if (!path)
		return kk_err_wrap(err, "store lock");
	if (kk_lockfile_acquire_mode(path, !exclusive, timeout_ms, &h->fd, err) < 0)
		return kk_err_wrap(err, "store");
	h->depth = 1;
	h->exclusive = exclusive;
	return 0;
}

static void push(struct kk_store *st, const struct acquisition *a)
{
	if (st->n_stack == st->cap_stack) {
		st->cap_stack = st->cap_stack ? 2 * st->cap_stack : 8;
		st->stack = kk_xrealloc(st->stack, st->cap_stack * sizeof(*st->stack));
	}
	st->stack[st->n_stack++] = *a;
}

/* Take keys[0..n) in order, shared but the last (exclusive); all or nothing. */
static int lock_chain(struct kk_store *st, char *const *keys, size_t n, int timeout_ms,
		      struct kk_err *err)
{
	struct acquisition a = { .n = 0 };

	for (size_t i = 0; i < n; i++) {
		size_t e = entry(st, keys[i]);

		if (entry_take(st, e, i == n - 1, timeout_ms, err) < 0) {
			while (a.n > 0)
				entry_put(st, a.idx[--a.n]);
			return -1;
		}
		a.idx[a.n++] = e;
	}
	push(st, &a);
	return 0;
}

int kk_store_lock_ref(struct kk_store *st, const struct kk_store_ref *ref, int timeout_ms,
		      struct kk_err *err)
{
	const char *names[4] = { ref ? ref->realm : NULL, ref ? ref->space : NULL,
				 ref ? ref->stack : NULL, ref ? ref->cell : NULL };
	char *keys[5] = { "" };
	size_t n = 1;
	int rc;

	if (ref && ref_depth(ref, err) < 0) /* names that stay inside the lock directory */
		return -1;
	/* the whole store, then each level down to ref: "r", "r_s", "r_s_t", "r_s_t_c" ('_' is
	 * never in a name) */
	for (size_t i = 0; i < 4 && names[i]; i++, n++)
		keys[n] = kk_xasprintf("%s%s%s", i ? keys[n - 1] : "", i ? "_" : "", names[i]);
	rc = lock_chain(st, keys, n, timeout_ms, err);
	for (size_t i = 1; i < n; i++)
		free(keys[i]);
	return rc;
}

int kk_store_lock(struct kk_store *st, int timeout_ms, struct kk_err *err)
{
	return kk_store_lock_ref(st, NULL, timeout_ms, err);
}

int kk_store_lock_name(struct kk_store *st, const char *name, int timeout_ms, struct kk_err *err)
{
	cleanup_free char *key = kk_xasprintf("@%s", name);
	char *keys[1] = { key };

	return lock_chain(st, keys, 1, timeout_ms, err);
}

int kk_store_lock_name_scoped(struct kk_store *st, const char *name, int timeout_ms,
			      struct kk_store **held, struct kk_err *err)
{
	if (kk_store_lock_name(st, name, timeout_ms, err) < 0)
		return -1;
	*held = st;
	return 0;
}

void kk_store_unlock(struct kk_store *st)
{
	struct acquisition a;

	if (st->n_stack == 0)
		return;
	a = st->stack[--st->n_stack];
	while (a.n > 0)
		entry_put(st, a.idx[--a.n]);
}

bool kk_store_is_locked(const struct kk_store *st)
{
	return st->n_stack > 0;
}

void kk_store_unlockp(struct kk_store **held)
{
	if (*held)
		kk_store_unlock(*held);
}

int kk_store_lock_scoped(struct kk_store *st, int timeout_ms, struct kk_store **held,
			 struct kk_err *err)
{
	return kk_store_lock_ref_scoped(st, NULL, timeout_ms, held, err);
}

int kk_store_lock_ref_scoped(struct kk_store *st, const struct kk_store_ref *ref, int timeout_ms,
			     struct kk_store **held, struct kk_err *err)
{
	if (kk_store_lock_ref(st, ref, timeout_ms, err) < 0)
		return -1;
	*held = st;
	return 0;
}

/* The implicit lock of mutating calls, on what they change, with the store's timeout. */
static int lock_scope(struct kk_store *st, const struct kk_store_ref *ref, struct kk_store **held,
		      struct kk_err *err)
{
	return kk_store_lock_ref_scoped(st, ref, st->lock_timeout_ms, held, err);
}

static int check_name(const char *kind, const char *name, struct kk_err *err)
{
	if (!*name)
		return kk_err_set(err, EINVAL, "store: %s name is empty", kind);
	if (strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return kk_err_set(err, EINVAL, "store: invalid %s name `%s`", kind, name);
	return 0;
}

/* How deep ref goes (0: nothing, 1: realm ... 4: cell), after checking its names. */
static int ref_depth(const struct kk_store_ref *ref, struct kk_err *err)
{
	static const char *const kinds[] = { "realm", "space", "stack", "cell" };
	const char *names[4];
	bool gap = false;
	int depth = 0;

	if (!ref)
		return 0;
	names[0] = ref->realm;
	names[1] = ref->space;
	names[2] = ref->stack;
	names[3] = ref->cell;
	for (int i = 0; i < 4; i++) {
		if (!names[i]) {
			gap = true;
			continue;
		}
		/* nothing may follow the first missing name */
		if (gap)
			return kk_err_set(err, EINVAL, "store: %s `%s` given without its %s",
					  kinds[i], names[i], kinds[i - 1]);
		if (check_name(kinds[i], names[i], err) < 0)
			return -1;
		depth = i + 1;
	}
	return depth;
}

int kk_store_dir(const struct kk_store *st, const struct kk_store_ref *ref, char **out,
		 struct kk_err *err)
{
	int depth = ref_depth(ref, err);

	if (depth < 0)
		return -1;
	if (depth == 0)
		return kk_err_set(err, EINVAL, "store: no realm given");
	*out = kk_path_join(st->run_path, KK_STORE_DATA_SUBDIR, ref->realm,
			    depth > 1 ? ref->space : "", depth > 2 ? ref->stack : "",
			    depth > 3 ? ref->cell : "");
	return 0;
}

int kk_store_meta_path(const struct kk_store *st, const struct kk_store_ref *ref, char **out,
		       struct kk_err *err)
{
	cleanup_free char *dir = NULL;

	if (kk_store_dir(st, ref, &dir, err) < 0)
		return -1;
	*out = kk_path_join(dir, KK_STORE_METADATA_FILE);
	return 0;
}

/* ---- the write generation (readset.h) ---------------------------------------------- */

#define GEN_FILE ".kukeon-store.gen"

static int gen_map(struct kk_store *st, struct kk_err *err)
{
	cleanup_free char *path = NULL;
	cleanup_close int fd = -1;
	struct stat sb;
	void *p;

	if (st->gen)
		return 0;
	path = kk_path_join(st->run_path, GEN_FILE);
	if (kk_mkdir_p(st->run_path, DIR_MODE, err) < 0)
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, META_MODE);
	if (fd < 0)
		return kk_err_sys(err, "open `%s`", path);
	if (fstat(fd, &sb) < 0)
		return kk_err_sys(err, "stat `%s`", path);
	if (sb.st_size < (off_t)sizeof(uint64_t) && ftruncate(fd, sizeof(uint64_t)) < 0)
		return kk_err_sys(err, "size `%s`", path);
	p = mmap(NULL, sizeof(uint64_t), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return kk_err_sys(err, "map `%s`", path);
	st->gen = p;
	return 0;
}

int kk_store_generation(struct kk_store *st, uint64_t *out, struct kk_err *err)
{
	if (gen_map(st, err) < 0)
		return -1;
	*out = __atomic_load_n(st->gen, __ATOMIC_SEQ_CST);
	return 0;
}

/* After every change to what a reader could have seen. */
static void gen_bump(struct kk_store *st)
{
	struct kk_err e = { 0 };

	if (gen_map(st, &e) < 0) {
		kk_log_ignored(st->log, &e, "store write generation: not bumped");
		return;
	}
	__atomic_add_fetch(st->gen, 1, __ATOMIC_SEQ_CST);
}

void kk_store_record(struct kk_store *st, struct kk_store_readset *rs)
{
	st->rec = rs;
}

int kk_store_read(const struct kk_store *st, const struct kk_store_ref *ref, char **out,
		  size_t *len, struct kk_err *err)
{
	cleanup_free char *path = NULL;

	if (kk_store_meta_path(st, ref, &path, err) < 0)
		return -1;
	if (st->rec)
		kk_store_readset_note(st->rec, path);
	if (kk_read_file_max(path, KK_READ_FILE_MAX, out, len, err) < 0) {
		if (err->code == ENOENT || err->code == ENOTDIR)
			return kk_err_set(err, ENOENT, "metadata file `%s` does not exist", path);
		return -1;
	}
	return 0;
}

int kk_store_exists(const struct kk_store *st, const struct kk_store_ref *ref, struct kk_err *err)
{
	cleanup_free char *path = NULL;
	struct stat sb;

	if (kk_store_meta_path(st, ref, &path, err) < 0)
		return -1;
	if (st->rec)
		kk_store_readset_note(st->rec, path);
	if (stat(path, &sb) == 0)
		return 1;
	if (errno == ENOENT || errno == ENOTDIR)
		return 0;
	return kk_err_sys(err, "metadata file `%s`", path);
}

/* Under the lock: make dir (and parents) 02750, clear stale temp files, write. */
static int write_locked(const char *path, const void *data, size_t len, mode_t mode,
			struct kk_err *err)
{
	cleanup_free char *dir = kk_path_join(path, "..");
	struct stat sb;

	if (kk_mkdir_p(dir, DIR_MODE, err) < 0)
		return -1;
	/* as upstream: a resource's first write (re)sets its directory to the canonical mode */
	if (stat(path, &sb) < 0 && errno == ENOENT && chmod(dir, DIR_MODE) < 0)
		return kk_err_sys(err, "chmod `%s`", dir);
	if (kk_remove_tmp_files(dir, KK_STORE_TMP_PREFIX, err) < 0)
		return -1;
	return kk_write_atomic(path, KK_STORE_TMP_PREFIX, data, len, mode, err);
}

int kk_store_write(struct kk_store *st, const struct kk_store_ref *ref, const void *data,
		   size_t len, struct kk_err *err)
{
	cleanup_(kk_store_unlockp) struct kk_store *held = NULL;
	cleanup_free char *path = NULL;

	if (kk_store_meta_path(st, ref, &path, err) < 0)
		return -1;
	if (lock_scope(st, ref, &held, err) < 0 ||
	    write_locked(path, data, len, META_MODE, err) < 0)
		return kk_err_wrap(err, "write metadata");
	gen_bump(st);
	return 0;
}

static bool is_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return path[0] == '/' && path[1];
	return strncmp(path, dir, n) == 0 && path[n] == '/' && path[n + 1];
}

int kk_store_write_file(struct kk_store *st, const struct kk_store_ref *scope, const char *path,
			const void *data, size_t len, mode_t mode, struct kk_err *err)
{
	cleanup_(kk_store_unlockp) struct kk_store *held = NULL;
	cleanup_free char *clean = kk_path_clean(path);
	cleanup_free char *root = kk_path_clean(st->run_path);

	if (!is_under(clean, root))
		return kk_err_set(err, EINVAL, "store: `%s` is not under the run path `%s`", path,
				  st->run_path);
	if (lock_scope(st, scope, &held, err) < 0 || write_locked(clean, data, len, mode, err) < 0)
		return kk_err_wrap(err, "write");
	gen_bump(st);
	return 0;
}

int kk_store_delete(struct kk_store *st, const struct kk_store_ref *ref, struct kk_err *err)
{
	cleanup_(kk_store_unlockp) struct kk_store *held = NULL;
	cleanup_free char *path = NULL;
	cleanup_free char *dir = NULL;

	if (kk_store_meta_path(st, ref, &path, err) < 0 || kk_store_dir(st, ref, &dir, err) < 0)
		return -1;
	if (lock_scope(st, ref, &held, err) < 0)
		return -1;
	if (unlink(path) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return kk_err_sys(err, "delete metadata file `%s`", path);
	}
	gen_bump(st);
	/* as upstream: the directory goes only if nothing else is in it; failing that is fine */
	struct kk_err ignored = { 0 };

	kk_rmdir_if_empty(dir, &ignored);
	kk_log_ignored(st->log, &ignored, "remove directory `%s` if empty", dir);
	return 1;
}

int kk_store_remove_tree(struct kk_store *st, const struct kk_store_ref *ref, struct kk_err *err)
{
	cleanup_(kk_store_unlockp) struct kk_store *held = NULL;
	cleanup_free char *dir = NULL;
	int rc;

	if (kk_store_dir(st, ref, &dir, err) < 0)
		return -1;
	if (lock_scope(st, ref, &held, err) < 0)
		return -1;
	rc = kk_rm_rf(dir, err);
	gen_bump(st); /* even a partial removal changed what readers see */
	return rc;
}

int kk_store_list(const struct kk_store *st, const struct kk_store_ref *parent, char ***out,
		  struct kk_err *err)
{
	cleanup_free char *dir = NULL;
	int depth = ref_depth(parent, err);

	if (depth < 0)
		return -1;
	if (depth > 3)
		return kk_err_set(err, EINVAL, "store: a cell has no child resources");
	if (depth == 0)
		dir = kk_store_data_dir(st->run_path);
	else if (kk_store_dir(st, parent, &dir, err) < 0)
		return -1;
	if (st->rec)
		kk_store_readset_note(st->rec, dir);
	if (kk_list_subdirs(dir, out, err) < 0) {
		if (err->code == ENOENT || err->code == ENOTDIR) {
			kk_err_clear(err);
			*out = NULL;
			return 0;
		}
		return -1;
	}
	return 0;
}

/* Remove stale metadata temp files in dir and, up to depth levels down, its subdirectories. */
static int cleanup_tree(const char *dir, int depth, struct kk_err *err)
{
	cleanup_(kk_strv_freep) char **subs = NULL;

	if (kk_remove_tmp_files(dir, KK_STORE_TMP_PREFIX, err) < 0)
		return -1;
	if (depth == 0)
		return 0;
	if (kk_list_subdirs(dir, &subs, err) < 0)
		return kk_err_tolerate(err, ENOENT, 0);
	for (size_t i = 0; subs && subs[i]; i++) {
		cleanup_free char *sub = kk_path_join(dir, subs[i]);

		if (cleanup_tree(sub, depth - 1, err) < 0)
			return -1;
	}
	return 0;
}

int kk_store_cleanup(struct kk_store *st, struct kk_err *err)
{
	cleanup_(kk_store_unlockp) struct kk_store *held = NULL;
	cleanup_free char *data = kk_store_data_dir(st->run_path);

	if (lock_scope(st, NULL, &held, err) < 0)
		return -1;
	if (kk_remove_tmp_files(st->run_path, KK_STORE_INSTANCE_TMP_PREFIX, err) < 0)
		return kk_err_wrap(err, "store cleanup");
	/* data/<realm>/<space>/<stack>/<cell>/<container>: metadata lives down to cells */
	if (cleanup_tree(data, 4, err) < 0)
		return kk_err_wrap(err, "store cleanup");
	return 0;
}
