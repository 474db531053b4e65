/* common/logidx.c - the time index beside a container's output file (see logidx.h). */
#include "common/logidx.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/mem.h"

char *kk_logidx_path(const char *path)
{
	return kk_xasprintf("%s" KK_LOGIDX_SUFFIX, path);
}

int64_t kk_logidx_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void put_le64(unsigned char *p, int64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)((uint64_t)v >> (8 * i));
}

static int64_t get_le64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return (int64_t)v;
}

/* ---- writing ---- */

int kk_logidx_writer_open(struct kk_logidx_writer *w, const char *path, int mode,
			  struct kk_err *err)
{
	cleanup_free char *idx = kk_logidx_path(path);

	*w = (struct kk_logidx_writer){ .fd = -1 };
	w->fd = open(idx, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, (mode_t)mode);
	if (w->fd < 0)
		return kk_err_sys(err, "open time index `%s`", idx);
	return 0;
}

void kk_logidx_note(struct kk_logidx_writer *w, int64_t offset)
{
	unsigned char rec[KK_LOGIDX_REC_SIZE];
	int64_t now;

	if (w->fd < 0)
		return;
	now = kk_logidx_now();
	if (w->last && now >= w->last && now - w->last < KK_LOGIDX_GRAIN_NS)
		return;
	put_le64(rec, offset);
	put_le64(rec + 8, now);
	/* one write of a whole record: O_APPEND keeps records whole unless the disk fills */
	while (write(w->fd, rec, sizeof(rec)) < 0 && errno == EINTR)
		;
	w->last = now;
}

void kk_logidx_writer_close(struct kk_logidx_writer *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
}

/* ---- reading ---- */

void kk_logidx_init(struct kk_logidx *x, const char *path)
{
	*x = (struct kk_logidx){ .path = kk_logidx_path(path) };
}

static void add(struct kk_logidx *x, int64_t off, int64_t ns)
{
	if (off < 0)
		return;
	if (x->n && off < x->recs[x->n - 1].off)
		x->n = 0; /* rewritten from a lower offset: a new run */
	if (x->n && ns < x->recs[x->n - 1].ns)
		ns = x->recs[x->n - 1].ns;
	if (x->n == x->cap) {
		x->cap = x->cap ? 2 * x->cap : 64;
		x->recs = kk_xrealloc(x->recs, x->cap * sizeof(*x->recs));
	}
	x->recs[x->n++] = (struct kk_logidx_rec){ .off = off, .ns = ns };
}

int kk_logidx_refresh(struct kk_logidx *x, const char *out_path, struct kk_err *err)
{
	cleanup_close int fd = -1;
	unsigned char buf[KK_LOGIDX_REC_SIZE * 1024];
	struct stat st;

	if (stat(out_path, &st) == 0)
		x->mtime = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	fd = open(x->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : kk_err_sys(err, "open time index `%s`", x->path);
	if (fstat(fd, &st) < 0)
		return kk_err_sys(err, "stat time index `%s`", x->path);
	if (st.st_size < x->read) { /* replaced or truncated: read it all again */
		x->read = 0;
		x->n = 0;
	}
	for (;;) {
		ssize_t r = pread(fd, buf, sizeof(buf), (off_t)x->read);
		size_t whole;

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return kk_err_sys(err, "read time index `%s`", x->path);
		whole = (size_t)r - (size_t)r % KK_LOGIDX_REC_SIZE;
		for (size_t i = 0; i < whole; i += KK_LOGIDX_REC_SIZE)
			add(x, get_le64(buf + i), get_le64(buf + i + 8));
		x->read += (int64_t)whole;
		if (whole < sizeof(buf))
			return 0; /* the end, or a partial record still being written */
	}
}

int64_t kk_logidx_time(const struct kk_logidx *x, int64_t offset)
{
	size_t lo = 0, hi = x->n;

	if (!x->n)
		return x->mtime;
	/* the first record after offset */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (x->recs[mid].off <= offset)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? x->recs[lo - 1].ns : x->recs[0].ns;
}

int64_t kk_logidx_since(const struct kk_logidx *x, int64_t since_ns, int64_t end)
{
	size_t lo = 0, hi = x->n;

	if (!x->n)
		return x->mtime >= since_ns ? 0 : end;
	/* times are non-decreasing: the first record at or after since_ns */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (x->recs[mid].ns < since_ns)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == x->n)
		return end;
	if (lo == 0)
		return 0; /* what precedes the first record counts as its time */
	return x->recs[lo].off < end ? x->recs[lo].off : end;
}

void kk_logidx_clear(struct kk_logidx *x)
{
	free(x->path);
	free(x->recs);
	*x = (struct kk_logidx){ 0 };
}

size_t kk_logidx_stamp(int64_t ns, char *buf)
{
	time_t sec = (time_t)(ns / 1000000000);
	struct tm tm;
	size_t n;

	if (ns < 0)
		sec = 0, ns = 0;
	gmtime_r(&sec, &tm);
	n = strftime(buf, KK_LOGIDX_STAMP_MAX, "%Y-%m-%dT%H:%M:%S", &tm);
	n += (size_t)snprintf(buf + n, KK_LOGIDX_STAMP_MAX - n, ".%09lldZ ",
			      (long long)(ns % 1000000000));
	return n;
}
