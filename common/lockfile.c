/* common/lockfile.c - see lockfile.h. */
#include "common/clock.h"
#include "common/lockfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"

/* The pid holding a flock on the file open at fd: /proc/locks knows for sure; the pid the
 * holder wrote into the file is the fallback. 0 if neither says. */
static long holder_pid(int fd)
{
	struct stat st;
	char line[256];
	FILE *f;
	long pid = 0;

	if (fstat(fd, &st) < 0)
		return 0;
	f = fopen("/proc/locks", "re");
	if (f) {
		char want[64];

		snprintf(want, sizeof(want), "%02x:%02x:%llu", major(st.st_dev), minor(st.st_dev),
			 (unsigned long long)st.st_ino);
		while (fgets(line, sizeof(line), f)) {
			char kind[16], dev[64];
			long p;

			/* "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF" */
			if (sscanf(line, "%*s %15s %*s %*s %ld %63s", kind, &p, dev) == 3 &&
			    strcmp(kind, "FLOCK") == 0 && strcmp(dev, want) == 0 && p > 0) {
				pid = p;
				break;
			}
		}
		fclose(f);
	}
	if (pid == 0) {
		char buf[32] = { 0 };

		if (pread(fd, buf, sizeof(buf) - 1, 0) > 0)
			pid = strtol(buf, NULL, 10);
	}
	return pid > 0 ? pid : 0;
}

int kk_lockfile_acquire(const char *path, int timeout_ms, int *fd_out, struct kk_err *err)
{
	return kk_lockfile_acquire_mode(path, false, timeout_ms, fd_out, err);
}

int kk_lockfile_acquire_mode(const char *path, bool shared, int timeout_ms, int *fd_out,
			     struct kk_err *err)
{
	cleanup_close int fd = -1;
	long long deadline = kk_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	long long nap = 5;
	char pidbuf[32];
	int n;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
	if (fd < 0)
		return kk_err_sys(err, "open lock file `%s`", path);
	for (;;) {
		if (flock(fd, (shared ? LOCK_SH : LOCK_EX) | LOCK_NB) == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK)
			return kk_err_sys(err, "lock `%s`", path);
		if (timeout_ms >= 0 && kk_now_ms() >= deadline) {
			long pid = holder_pid(fd);

			if (pid)
				return kk_err_set(err, ETIMEDOUT,
						  "timed out after %.3gs waiting for lock `%s` "
						  "(held by pid %ld)",
						  timeout_ms / 1000.0, path, pid);
			return kk_err_set(err, ETIMEDOUT,
					  "timed out after %.3gs waiting for lock `%s`",
					  timeout_ms / 1000.0, path);
		}
		if (timeout_ms >= 0 && kk_now_ms() + nap > deadline)
			nap = deadline - kk_now_ms() > 0 ? deadline - kk_now_ms() : 1;
		kk_sleep_ms(nap);
		if (nap < 100)
			nap *= 2;
	}
	if (shared) {
		*fd_out = TAKE_FD(fd);
		return 0;
	}
	/* say who holds it; a failure here only loses that hint */
	n = snprintf(pidbuf, sizeof(pidbuf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == 0 && pwrite(fd, pidbuf, (size_t)n, 0) < 0) {
		/* ignored */
	}
	*fd_out = TAKE_FD(fd);
	return 0;
}

void kk_lockfile_release(int fd)
{
	if (fd < 0)
		return;
	/* a shared holder may not own the pid written there: only an exclusive one clears it */
	if (flock(fd, LOCK_EX | LOCK_NB) == 0 && ftruncate(fd, 0) < 0) {
		/* the stale pid is harmless: waiters ask /proc/locks first */
	}
	flock(fd, LOCK_UN);
	close(fd);
}
