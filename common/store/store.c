/* common/store/store.c - see store.h. */
#include "common/store/store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/lockfile.h"
#include "common/mem.h"
#include "common/path.h"
#include "common/store/paths.h"
#include "common/strv.h"

#define DIR_MODE  02750
#define META_MODE 0644

struct kk_store {
	char *run_path;
	int lock_fd;    /* -1 when not held */
	int lock_depth; /* kk_store_lock() calls not yet matched by an unlock */
	int lock_timeout_ms;
};

struct kk_store *kk_store_new(const char *run_path)
{
	struct kk_store *st = kk_xcalloc(1, sizeof(*st));

	st->run_path = kk_xstrdup(run_path);
	st->lock_fd = -1;
	st->lock_timeout_ms = KK_STORE_LOCK_TIMEOUT_MS;
	return st;
}

void kk_store_free(struct kk_store *st)
{
	if (!st)
		return;
	kk_lockfile_release(st->lock_fd);
	free(st->run_path);
	free(st);
}

void kk_store_freep(struct kk_store **st)
{
	kk_store_free(*st);
	*st = NULL;
}

const char *kk_store_run_path(const struct kk_store *st)
{
	return st->run_path;
}

void kk_store_set_lock_timeout(struct kk_store *st, int timeout_ms)
{
	st->lock_timeout_ms = timeout_ms;
}

int kk_store_lock(struct kk_store *st, int timeout_ms, struct kk_err *err)
{
	cleanup_free char *path = NULL;

	if (st->lock_depth > 0) {
		st->lock_depth++;
		return 0;
	}
	if (kk_mkdir_p(st->run_path, 0750, err) < 0)
		return kk_err_wrap(err, "store lock");
	path = kk_store_lock_path(st->run_path);
	if (kk_lockfile_acquire(path, timeout_ms, &st->lock_fd, err) < 0)
		return kk_err_wrap(err, "store");
	st->lock_depth = 1;
	return 0;
}

void kk_store_unlock(struct kk_store *st)
{
	if (st->lock_depth == 0)
		return;
	if (--st->lock_depth == 0) {
		kk_lockfile_release(st->lock_fd);
		st->lock_fd = -1;
	}
}

bool kk_store_is_locked(const struct kk_store *st)
{
	return st->lock_depth > 0;
}

void kk_store_unlockp(struct kk_store **held)
{
	if (*held)
		kk_store_unlock(*held);
}

int kk_store_lock_scoped(struct kk_store *st, int timeout_ms, struct kk_store **held,
			 struct kk_err *err)
{
	if (kk_store_lock(st, timeout_ms, err) < 0)
		return -1;
	*held = st;
	return 0;
}

/* The implicit lock of mutating calls, with the store's own timeout. */
static int lock_scope(struct kk_store *st, struct kk_store **held, struct kk_err *err)
{
	return kk_store_lock_scoped(st, st->lock_timeout_ms, held, err);
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

int kk_store_read(const struct kk_store *st, const struct kk_store_ref *ref, char **out,
		  size_t *len, struct kk_err *err)
{
	cleanup_free char *path = NULL;

	if (kk_store_meta_path(st, ref, &path, err) < 0)
		return -1;
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
	if (lock_scope(st, &held, err) < 0 || write_locked(path, data, len, META_MODE, err) < 0)
		return kk_err_wrap(err, "write metadata");
	return 0;
}

static bool is_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return path[0] == '/' && path[1];
	return strncmp(path, dir, n) == 0 && path[n] == '/' && path[n + 1];
}

int kk_store_write_file(struct kk_store *st, const char *path, const void *data, size_t len,
			mode_t mode, struct kk_err *err)
{
	cleanup_(kk_store_unlockp) struct kk_store *held = NULL;
	cleanup_free char *clean = kk_path_clean(path);
	cleanup_free char *root = kk_path_clean(st->run_path);

	if (!is_under(clean, root))
		return kk_err_set(err, EINVAL, "store: `%s` is not under the run path `%s`", path,
				  st->run_path);
	if (lock_scope(st, &held, err) < 0 || write_locked(clean, data, len, mode, err) < 0)
		return kk_err_wrap(err, "write");
	return 0;
}

int kk_store_delete(struct kk_store *st, const struct kk_store_ref *ref, struct kk_err *err)
{
	cleanup_(kk_store_unlockp) struct kk_store *held = NULL;
	cleanup_free char *path = NULL;
	cleanup_free char *dir = NULL;

	if (kk_store_meta_path(st, ref, &path, err) < 0 || kk_store_dir(st, ref, &dir, err) < 0)
		return -1;
	if (lock_scope(st, &held, err) < 0)
		return -1;
	if (unlink(path) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return kk_err_sys(err, "delete metadata file `%s`", path);
	}
	/* as upstream: the directory goes only if nothing else is in it; failing that is fine */
	struct kk_err ignored = { 0 };

	kk_rmdir_if_empty(dir, &ignored);
	return 1;
}

int kk_store_remove_tree(struct kk_store *st, const struct kk_store_ref *ref, struct kk_err *err)
{
	cleanup_(kk_store_unlockp) struct kk_store *held = NULL;
	cleanup_free char *dir = NULL;

	if (kk_store_dir(st, ref, &dir, err) < 0)
		return -1;
	if (lock_scope(st, &held, err) < 0)
		return -1;
	return kk_rm_rf(dir, err);
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

	if (lock_scope(st, &held, err) < 0)
		return -1;
	if (kk_remove_tmp_files(st->run_path, KK_STORE_INSTANCE_TMP_PREFIX, err) < 0)
		return kk_err_wrap(err, "store cleanup");
	/* data/<realm>/<space>/<stack>/<cell>/<container>: metadata lives down to cells */
	if (cleanup_tree(data, 4, err) < 0)
		return kk_err_wrap(err, "store cleanup");
	return 0;
}
