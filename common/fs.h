/* common/fs.h - small file system helpers shared by the store, the cgroup manager and others.
 *
 * Every fd is opened O_CLOEXEC. Errors follow common/err.h and name the path in backticks;
 * the code is the errno of the failing call (ENOENT for a missing file, so callers can test
 * err.code). */
#ifndef KK_COMMON_FS_H
#define KK_COMMON_FS_H

#include <stddef.h>
#include <sys/types.h>

#include "common/err.h"

/* Default bound for kk_read_file(): metadata and config files are far smaller. */
#define KK_READ_FILE_MAX (64u << 20)

/* Read the whole file at path (at most KK_READ_FILE_MAX bytes). On success *out is a new
 * NUL-terminated buffer (free() it). A larger file fails with EFBIG. */
int kk_read_file(const char *path, char **out, struct kk_err *err);
/* Same with an explicit bound; len (may be NULL) gets the byte count (the content may hold
 * NUL bytes). */
int kk_read_file_max(const char *path, size_t max, char **out, size_t *len, struct kk_err *err);

/* mkdir -p. Each directory this call creates gets exactly mode (setgid and sticky bits
 * included; the umask does not apply); existing ones are left alone. A component that
 * exists but is not a directory fails with ENOTDIR. */
int kk_mkdir_p(const char *path, mode_t mode, struct kk_err *err);

/* write(2) all of data to fd, again after a signal or a short write. -1 with errno set on
 * failure (the caller names what it was writing). */
int kk_write_all(int fd, const void *data, size_t len);

/* The end of a crash-safe replace: data into fd (open on the temp file tmp, whose owner and
 * mode the caller has set), fsync, close, rename tmp over path. fd is closed either way; on
 * failure tmp is removed and path is untouched. The directory is not fsynced. */
int kk_write_rename(int fd, const char *tmp, const char *path, const void *data, size_t len,
		    struct kk_err *err);

/* Replace path with data so that a crash leaves the old or the new content, never a mix:
 * write a temp file "<dir>/<tmp_prefix>XXXXXX.tmp" (mode exactly `mode`), fsync it, rename
 * it over path, fsync the directory. The directory must exist. On a failure before the
 * rename the temp file is removed and path is untouched; a failing directory fsync after it
 * is reported although path already holds the new content. */
int kk_write_atomic(const char *path, const char *tmp_prefix, const void *data, size_t len,
		    mode_t mode, struct kk_err *err);

/* Remove the regular files "<tmp_prefix>*.tmp" directly in dir, the leftovers of writers
 * that died between creating and renaming their temp file. Only call it while no writer
 * can be active in dir (the store does so under its lock). A missing dir is fine. */
int kk_remove_tmp_files(const char *dir, const char *tmp_prefix, struct kk_err *err);

/* fsync a directory, making renames and unlinks in it durable. */
int kk_fsync_dir(const char *dir, struct kk_err *err);

/* rm -rf: remove path and, if it is a directory, everything below it. Symlinks are
 * removed, never followed. A missing path is success. */
int kk_rm_rf(const char *path, struct kk_err *err);

/* The names of the directories directly in dir (no "." or "..", no symlinks), sorted in byte
 * order. *out is a new NULL-terminated vector (free with kk_strv_free()); it is NULL when
 * there are none. A missing dir fails with ENOENT. */
int kk_list_subdirs(const char *dir, char ***out, struct kk_err *err);

/* Remove dir if it is empty. Returns 1 if removed, 0 if it was not empty or is missing. */
int kk_rmdir_if_empty(const char *dir, struct kk_err *err);

#endif
