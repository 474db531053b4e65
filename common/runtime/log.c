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
#include "common/fs.h"
#include "common/logidx.h"
#include "common/mem.h"

char *kk_rt_log_path(const char *cell_dir, const char *container)
{
	return kk_xasprintf("%s/%s/log", cell_dir, container);
}

static int write_all(int fd, const char *buf, size_t len, struct kk_err *err)
{
	return kk_write_all(fd, buf, len) < 0 ? kk_err_sys(err, "write log output") : 0;
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

int kk_rt_log_since_start(const char *path, int64_t since_ns, int64_t *pos, struct kk_err *err)
{
	cleanup_close int in = open(path, O_RDONLY | O_CLOEXEC);
	struct kk_logidx idx;
	struct stat st;
	char buf[4096];
	int64_t at;
	int rc = -1;

	if (in < 0)
		return kk_err_sys(err, "log file `%s`", path);
	if (fstat(in, &st) < 0)
		return kk_err_sys(err, "stat `%s`", path);
	kk_logidx_init(&idx, path);
	if (kk_logidx_refresh(&idx, path, err) < 0)
		goto out;
	at = kk_logidx_since(&idx, since_ns, st.st_size);
	/* a record inside a line (a write that did not end one): the next line is the first */
	if (at > 0 && at < st.st_size && pread(in, buf, 1, (off_t)(at - 1)) == 1 &&
	    buf[0] != '\n') {
		for (;;) {
			ssize_t r = pread(in, buf, sizeof(buf), (off_t)at);
			char *nl;

			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0) {
				kk_err_sys(err, "read `%s`", path);
				goto out;
			}
			if (r == 0)
				break;
			nl = memchr(buf, '\n', (size_t)r);
			if (nl) {
				at += nl - buf + 1;
				break;
			}
			at += r;
		}
	}
	*pos = at;
	rc = 0;
out:
	kk_logidx_clear(&idx);
	return rc;
}

enum { LINE_MAX_BYTES = 64 * 1024 };

struct line_src {
	struct kk_rt_log_src *src;
	int fd; /* -1: not open (yet) */
	char *partial;
	size_t n_partial;
	int64_t line_off;     /* where the line being gathered starts */
	struct kk_logidx idx; /* src->timestamps: the file's time index */
};

/* The line that starts at l->line_off; the next one starts at next. */
static int emit_line(int out, struct line_src *l, const char *tail, size_t n, int64_t next,
		     struct kk_err *err)
{
	char stamp[KK_LOGIDX_STAMP_MAX];

	if (write_all(out, l->src->prefix, strlen(l->src->prefix), err) < 0 ||
	    (l->src->timestamps &&
	     write_all(out, stamp, kk_logidx_stamp(kk_logidx_time(&l->idx, l->line_off), stamp),
		       err) < 0) ||
	    write_all(out, l->partial, l->n_partial, err) < 0 || write_all(out, tail, n, err) < 0)
		return -1;
	l->line_off = next;
	return write_all(out, "\n", 1, err);
}

/* Write the line held back (a last line without its newline yet), if any. */
static int flush_partial(int out, struct line_src *l, struct kk_err *err)
{
	if (!l->n_partial)
		return 0;
	if (emit_line(out, l, "", 0, l->src->pos, err) < 0)
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
		l->src->pos = l->line_off = 0;
	for (;;) {
		ssize_t r = pread(l->fd, buf, sizeof(buf), (off_t)l->src->pos);
		int64_t base = l->src->pos;
		size_t start = 0;

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return kk_err_sys(err, "read `%s`", l->src->path);
		if (r == 0)
			return 0;
		/* the index after the bytes: their records are written before them */
		if (l->src->timestamps && kk_logidx_refresh(&l->idx, l->src->path, err) < 0)
			return -1;
		l->src->pos += r;
		for (size_t i = 0; i < (size_t)r; i++) {
			if (buf[i] != '\n')
				continue;
			if (emit_line(out, l, buf + start, i - start, base + (int64_t)i + 1, err) <
			    0)
				return -1;
			l->n_partial = 0;
			start = i + 1;
		}
		if (l->n_partial + ((size_t)r - start) > LINE_MAX_BYTES &&
		    flush_partial(out, l, err) < 0)
			return -1;
		if ((size_t)r - start > LINE_MAX_BYTES) {
			if (emit_line(out, l, buf + start, (size_t)r - start, l->src->pos, err) < 0)
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
		ls[i] = (struct line_src){ .src = &src[i], .fd = -1, .line_off = src[i].pos };
		ls[i].partial = kk_xmalloc(LINE_MAX_BYTES);
		kk_logidx_init(&ls[i].idx, src[i].path);
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
		kk_logidx_clear(&ls[i].idx);
	}
	free(ls);
	return rc;
}
