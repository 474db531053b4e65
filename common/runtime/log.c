/* common/runtime/log.c - container log files: where they are, and reading or following
 * one (what `kuke log [-f]` prints). */
#include "common/runtime/runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/mem.h"

char *kk_rt_log_path(const char *cell_dir, const char *container)
{
	return kk_xasprintf("%s/%s/log", cell_dir, container);
}

static int write_all(int fd, const char *buf, size_t len, struct kk_err *err)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return kk_err_sys(err, "write log output");
		}
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Copy what the file holds beyond *pos. */
static int drain(int in, const char *path, int out, int64_t *pos, struct kk_err *err)
{
	char buf[65536];
	struct stat st;

	if (fstat(in, &st) < 0)
		return kk_err_sys(err, "stat `%s`", path);
	if (st.st_size < *pos) /* truncated or replaced: start over */
		*pos = 0;
	for (;;) {
		ssize_t n = pread(in, buf, sizeof(buf), (off_t)*pos);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return kk_err_sys(err, "read `%s`", path);
		}
		if (n == 0)
			return 0;
		if (write_all(out, buf, (size_t)n, err) < 0)
			return -1;
		*pos += n;
	}
}

int kk_rt_log_copy(const char *path, int fd, int64_t *pos, bool follow, int interval_ms,
		   kk_rt_stop_fn *stop, void *arg, struct kk_err *err)
{
	cleanup_close int in = open(path, O_RDONLY | O_CLOEXEC);
	struct timespec ts;

	if (in < 0)
		return kk_err_sys(err, "log file `%s`", path);
	if (interval_ms <= 0)
		interval_ms = 200;
	ts.tv_sec = interval_ms / 1000;
	ts.tv_nsec = (long)(interval_ms % 1000) * 1000000L;
	for (;;) {
		if (drain(in, path, fd, pos, err) < 0)
			return -1;
		if (!follow || (stop && stop(arg)))
			return 0;
		nanosleep(&ts, NULL);
		if (stop && stop(arg))
			return drain(in, path, fd, pos, err);
	}
}

int kk_rt_log_tail_start(const char *path, long lines, int64_t *pos, struct kk_err *err)
{
	cleanup_close int in = open(path, O_RDONLY | O_CLOEXEC);
	char buf[65536];
	struct stat st;
	int64_t end, at;
	long seen = 0;

	if (in < 0)
		return kk_err_sys(err, "log file `%s`", path);
	if (fstat(in, &st) < 0)
		return kk_err_sys(err, "stat `%s`", path);
	end = st.st_size;
	*pos = end;
	if (lines <= 0 || end == 0)
		return 0;
	/* the newline that ends the last line starts no line */
	at = end;
	if (pread(in, buf, 1, (off_t)(end - 1)) == 1 && buf[0] == '\n')
		at--;
	while (at > 0) {
		size_t n = at < (int64_t)sizeof(buf) ? (size_t)at : sizeof(buf);
		ssize_t r = pread(in, buf, n, (off_t)(at - (int64_t)n));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return kk_err_sys(err, "read `%s`", path);
		for (ssize_t i = r - 1; i >= 0; i--) {
			if (buf[i] == '\n' && ++seen == lines) {
				*pos = at - (int64_t)n + i + 1;
				return 0;
			}
		}
		at -= (int64_t)n;
	}
	*pos = 0;
	return 0;
}

enum { LINE_MAX_BYTES = 64 * 1024 };

struct line_src {
	struct kk_rt_log_src *src;
	int fd; /* -1: not open (yet) */
	char *partial;
	size_t n_partial;
};

static int emit_line(int out, const struct line_src *l, const char *tail, size_t n,
		     struct kk_err *err)
{
	if (write_all(out, l->src->prefix, strlen(l->src->prefix), err) < 0 ||
	    write_all(out, l->partial, l->n_partial, err) < 0 || write_all(out, tail, n, err) < 0)
		return -1;
	return write_all(out, "\n", 1, err);
}

/* Write the line held back (a last line without its newline yet), if any. */
static int flush_partial(int out, struct line_src *l, struct kk_err *err)
{
	if (!l->n_partial)
		return 0;
	if (emit_line(out, l, "", 0, err) < 0)
		return -1;
	l->n_partial = 0;
	return 0;
}

/* Every complete line the source holds beyond its position; the rest is held back. */
static int drain_lines(struct line_src *l, int out, struct kk_err *err)
{
	char buf[65536];
	struct stat st;

	if (l->fd < 0) {
		l->fd = open(l->src->path, O_RDONLY | O_CLOEXEC);
		if (l->fd < 0)
			return errno == ENOENT ? 0 : kk_err_sys(err, "log file `%s`", l->src->path);
	}
	if (fstat(l->fd, &st) < 0)
		return kk_err_sys(err, "stat `%s`", l->src->path);
	if (st.st_size < l->src->pos)
		l->src->pos = 0;
	for (;;) {
		ssize_t r = pread(l->fd, buf, sizeof(buf), (off_t)l->src->pos);
		size_t start = 0;

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return kk_err_sys(err, "read `%s`", l->src->path);
		if (r == 0)
			return 0;
		l->src->pos += r;
		for (size_t i = 0; i < (size_t)r; i++) {
			if (buf[i] != '\n')
				continue;
			if (emit_line(out, l, buf + start, i - start, err) < 0)
				return -1;
			l->n_partial = 0;
			start = i + 1;
		}
		if (l->n_partial + ((size_t)r - start) > LINE_MAX_BYTES &&
		    flush_partial(out, l, err) < 0)
			return -1;
		if ((size_t)r - start > LINE_MAX_BYTES) {
			if (emit_line(out, l, buf + start, (size_t)r - start, err) < 0)
				return -1;
			continue;
		}
		memcpy(l->partial + l->n_partial, buf + start, (size_t)r - start);
		l->n_partial += (size_t)r - start;
	}
}

int kk_rt_log_copy_lines(struct kk_rt_log_src *src, size_t n, int fd, bool follow, int interval_ms,
			 kk_rt_stop_fn *stop, void *arg, struct kk_err *err)
{
	struct line_src *ls = kk_xcalloc(n ? n : 1, sizeof(*ls));
	struct timespec ts;
	int rc = -1;

	if (interval_ms <= 0)
		interval_ms = 200;
	ts.tv_sec = interval_ms / 1000;
	ts.tv_nsec = (long)(interval_ms % 1000) * 1000000L;
	for (size_t i = 0; i < n; i++) {
		ls[i] = (struct line_src){ .src = &src[i], .fd = -1 };
		ls[i].partial = kk_xmalloc(LINE_MAX_BYTES);
	}
	for (size_t i = 0; i < n; i++)
		if (drain_lines(&ls[i], fd, err) < 0 ||
		    (!follow && flush_partial(fd, &ls[i], err) < 0))
			goto out;
	while (follow && !(stop && stop(arg))) {
		nanosleep(&ts, NULL);
		for (size_t i = 0; i < n; i++)
			if (drain_lines(&ls[i], fd, err) < 0)
				goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (flush_partial(fd, &ls[i], err) < 0)
			goto out;
	rc = 0;
out:
	for (size_t i = 0; i < n; i++) {
		if (ls[i].fd >= 0)
			close(ls[i].fd);
		free(ls[i].partial);
	}
	free(ls);
	return rc;
}
