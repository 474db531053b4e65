/* common/runtime/log.c - container log files: where they are, and reading or following
 * one (what `kuke log [-f]` prints). */
#include "common/runtime/runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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
