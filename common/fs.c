/* common/fs.c - see fs.h. */
#include "common/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/mem.h"
#include "common/strv.h"

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

int kk_read_file_max(const char *path, size_t max, char **out, size_t *len, struct kk_err *err)
{
	cleanup_close int fd = -1;
	cleanup_free char *buf = NULL;
	size_t cap = 4096, used = 0;
	struct stat sb;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return kk_err_sys(err, "open `%s`", path);
	/* sized to the file (one byte spare, to see the end in one read): a fixed 4 KiB for
	 * every small metadata file made glibc consolidate its free lists on each read; files
	 * that say 0 (proc, cgroupfs) keep the 4 KiB */
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0 &&
	    (size_t)sb.st_size < max)
		cap = (size_t)sb.st_size + 2;
	buf = kk_xmalloc(cap);
	for (;;) {
		ssize_t r;

		if (used == cap - 1) {
			if (cap - 1 > max)
				return kk_err_set(err, EFBIG, "read `%s`: larger than %zu bytes",
						  path, max);
			cap *= 2;
			buf = kk_xrealloc(buf, cap);
		}
		r = read(fd, buf + used, cap - 1 - used);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return kk_err_sys(err, "read `%s`", path);
		}
		if (r == 0)
			break;
		used += (size_t)r;
	}
	if (used > max)
		return kk_err_set(err, EFBIG, "read `%s`: larger than %zu bytes", path, max);
	buf[used] = '\0';
	if (len)
		*len = used;
	*out = TAKE_PTR(buf);
	return 0;
}

int kk_read_file(const char *path, char **out, struct kk_err *err)
{
	return kk_read_file_max(path, KK_READ_FILE_MAX, out, NULL, err);
}

int kk_mkdir_p(const char *path, mode_t mode, struct kk_err *err)
{
	cleanup_free char *p = kk_xstrdup(path);
	size_t n = strlen(p);

	if (n == 0)
		return kk_err_set(err, EINVAL, "mkdir: empty path");
	/* walk the prefixes "/a", "/a/b", ... and the full path */
	for (size_t i = 1; i <= n; i++) {
		struct stat st;

		if (i < n && p[i] != '/')
			continue;
		if (i < n && p[i - 1] == '/')
			continue; /* "//" */
		p[i] = '\0';
		if (mkdir(p, mode & 07777) == 0) {
			/* mkdir() applies the umask and drops setgid: set the mode we were asked
			 * for */
			if (chmod(p, mode & 07777) < 0)
				return kk_err_sys(err, "chmod `%s`", p);
		} else if (errno == EEXIST) {
			if (stat(p, &st) < 0)
				return kk_err_sys(err, "stat `%s`", p);
			if (!S_ISDIR(st.st_mode))
				return kk_err_set(err, ENOTDIR,
						  "mkdir `%s`: `%s` is not a directory", path, p);
		} else {
			return kk_err_sys(err, "mkdir `%s`", p);
		}
		if (i < n)
			p[i] = '/';
	}
	return 0;
}

int kk_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int kk_fsync_dir(const char *dir, struct kk_err *err)
{
	cleanup_close int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return kk_err_sys(err, "open directory `%s`", dir);
	if (fsync(fd) < 0)
		return kk_err_sys(err, "fsync directory `%s`", dir);
	return 0;
}

int kk_write_rename(int fd, const char *tmp, const char *path, const void *data, size_t len,
		    struct kk_err *err)
{
	cleanup_close int f = fd;

	if (kk_write_all(f, data, len) < 0) {
		kk_err_sys(err, "write `%s`", tmp);
		goto undo_tmp;
	}
	if (fsync(f) < 0) {
		kk_err_sys(err, "fsync `%s`", tmp);
		goto undo_tmp;
	}
	if (close(TAKE_FD(f)) < 0) {
		kk_err_sys(err, "close `%s`", tmp);
		goto undo_tmp;
	}
	if (rename(tmp, path) < 0) {
		kk_err_sys(err, "rename `%s` to `%s`", tmp, path);
		goto undo_tmp;
	}
	return 0;
undo_tmp:
	unlink(tmp);
	return -1;
}

int kk_write_atomic(const char *path, const char *tmp_prefix, const void *data, size_t len,
		    mode_t mode, struct kk_err *err)
{
	cleanup_free char *dcopy = kk_xstrdup(path);
	const char *dir = dirname(dcopy);
	cleanup_free char *tmp = kk_xasprintf("%s/%sXXXXXX.tmp", dir, tmp_prefix);
	cleanup_close int fd = -1;

	fd = mkostemps(tmp, 4, O_CLOEXEC);
	if (fd < 0)
		return kk_err_sys(err, "create temp file in `%s`", dir);
	if (fchmod(fd, mode & 07777) < 0) {
		kk_err_sys(err, "chmod `%s`", tmp);
		goto undo_tmp;
	}
	if (kk_write_rename(TAKE_FD(fd), tmp, path, data, len, err) < 0)
		return -1;
	/* the new content is in place; a failing directory fsync only weakens durability */
	return kk_fsync_dir(dir, err);
undo_tmp:
	unlink(tmp);
	return -1;
}

static bool is_tmp_name(const char *name, const char *prefix)
{
	size_t n = strlen(name), p = strlen(prefix);

	return n > p + 4 && strncmp(name, prefix, p) == 0 && strcmp(name + n - 4, ".tmp") == 0;
}

int kk_remove_tmp_files(const char *dir, const char *tmp_prefix, struct kk_err *err)
{
	cleanup_(closedirp) DIR *d = NULL;
	struct dirent *de;
	int dfd;

	d = opendir(dir);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		return kk_err_sys(err, "open directory `%s`", dir);
	}
	dfd = dirfd(d);
	while ((errno = 0, de = readdir(d))) {
		struct stat st;

		if (!is_tmp_name(de->d_name, tmp_prefix))
			continue;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (unlinkat(dfd, de->d_name, 0) < 0 && errno != ENOENT)
			return kk_err_sys(err, "remove `%s/%s`", dir, de->d_name);
	}
	if (errno)
		return kk_err_sys(err, "read directory `%s`", dir);
	return 0;
}

/* Empty the directory open at fd (which this function closes), recursively. */
static int rm_contents(int fd, const char *path, struct kk_err *err)
{
	cleanup_(closedirp) DIR *d = fdopendir(fd);
	struct dirent *de;

	if (!d) {
		close(fd);
		return kk_err_sys(err, "open directory `%s`", path);
	}
	while ((errno = 0, de = readdir(d))) {
		struct stat st;
		int cfd;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue;
			return kk_err_sys(err, "stat `%s/%s`", path, de->d_name);
		}
		if (S_ISDIR(st.st_mode)) {
			cleanup_free char *sub = kk_xasprintf("%s/%s", path, de->d_name);

			cfd = openat(dirfd(d), de->d_name,
				     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (cfd < 0)
				return kk_err_sys(err, "open directory `%s`", sub);
			if (rm_contents(cfd, sub, err) < 0)
				return -1;
			if (unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT)
				return kk_err_sys(err, "remove directory `%s`", sub);
		} else if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT) {
			return kk_err_sys(err, "remove `%s/%s`", path, de->d_name);
		}
	}
	if (errno)
		return kk_err_sys(err, "read directory `%s`", path);
	return 0;
}

int kk_rm_rf(const char *path, struct kk_err *err)
{
	struct stat st;
	int fd;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		return kk_err_sys(err, "stat `%s`", path);
	}
	if (!S_ISDIR(st.st_mode)) {
		if (unlink(path) < 0 && errno != ENOENT)
			return kk_err_sys(err, "remove `%s`", path);
		return 0;
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return kk_err_sys(err, "open directory `%s`", path);
	if (rm_contents(fd, path, err) < 0)
		return -1;
	if (rmdir(path) < 0 && errno != ENOENT)
		return kk_err_sys(err, "remove directory `%s`", path);
	return 0;
}

int kk_list_subdirs(const char *dir, char ***out, struct kk_err *err)
{
	cleanup_(closedirp) DIR *d = NULL;
	cleanup_(kk_strv_freep) char **names = NULL;
	struct dirent *de;

	d = opendir(dir);
	if (!d)
		return kk_err_sys(err, "open directory `%s`", dir);
	while ((errno = 0, de = readdir(d))) {
		unsigned char type = de->d_type;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (type == DT_UNKNOWN) {
			struct stat st;

			if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
				continue;
			type = S_ISDIR(st.st_mode) ? DT_DIR : DT_REG;
		}
		if (type == DT_DIR)
			kk_strv_push_take(&names, kk_xstrdup(de->d_name));
	}
	if (errno)
		return kk_err_sys(err, "read directory `%s`", dir);
	kk_strv_sort(names);
	*out = TAKE_PTR(names);
	return 0;
}

int kk_rmdir_if_empty(const char *dir, struct kk_err *err)
{
	if (rmdir(dir) == 0)
		return 1;
	if (errno == ENOTEMPTY || errno == EEXIST || errno == ENOENT)
		return 0;
	return kk_err_sys(err, "remove directory `%s`", dir);
}
