/* applets/log_writer.c - `<binary> __log-writer LOG`: the logger containerd's shim runs for a
 * non-attachable container (a `binary://` log URI, see kk_rt_log_uri). The shim passes the
 * read ends of the task's stdout and stderr pipes as fds 3 and 4 and a pipe to signal that
 * the logger is ready as fd 5. Every chunk read from either is appended to LOG as it comes,
 * the same bytes the shim's own `file://` logging would write, and its time goes to the
 * index beside it (common/logidx.h). The shim sends SIGTERM once the task is gone: what the
 * pipes still hold is written, then the writer exits 0.
 *
 * Nobody reads its stderr (the shim gives it /dev/null), so it never stops the workload: a
 * log that cannot be opened or written drops the output (the pipes are still drained), an
 * index that cannot be opened leaves the log without times. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "applets/applets.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "common/logidx.h"

enum { FD_STDOUT = 3, FD_STDERR = 4, FD_READY = 5, CHUNK = 64 * 1024 };

struct writer {
	int log; /* -1: output dropped */
	struct kk_logidx_writer idx;
	char buf[CHUNK];
};

/* One read of fd into the log. 1: more may come; 0: closed (or, nonblocking, empty). */
static int pump(struct writer *w, int fd)
{
	ssize_t r = read(fd, w->buf, sizeof(w->buf));
	const char *p = w->buf;
	struct stat st;

	if (r < 0 && errno == EINTR)
		return 1;
	if (r <= 0)
		return 0;
	if (w->log >= 0 && fstat(w->log, &st) == 0)
		kk_logidx_note(&w->idx, st.st_size);
	while (w->log >= 0 && r > 0) {
		ssize_t n = write(w->log, p, (size_t)r);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* disk full and the like: this chunk is lost, not the workload */
		p += n;
		r -= n;
	}
	return 1;
}

int kukeon_log_writer_main(const char *path)
{
	struct writer w = { .log = -1 };
	struct pollfd pfd[3] = { { .fd = FD_STDOUT, .events = POLLIN },
				 { .fd = FD_STDERR, .events = POLLIN },
				 { .fd = -1, .events = POLLIN } };
	struct kk_err err = { 0 };
	sigset_t set;

	if (fcntl(FD_STDOUT, F_GETFD) < 0 || fcntl(FD_STDERR, F_GETFD) < 0) {
		fprintf(stderr, "kukeon: " KK_LOGIDX_WRITER_ARG
				": run by containerd's shim only (fds 3 and 4 are not open)\n");
		return 2;
	}
	/* nothing of the shim's but the three pipes: no other fd it leaked, not its bundle dir */
	if (close_range(FD_READY + 1, ~0U, 0) < 0)
		for (int fd = FD_READY + 1; fd < 4096; fd++)
			close(fd);
	(void)!chdir("/"); /* best effort: stays where the shim left it if "/" cannot be entered */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	pfd[2].fd = signalfd(-1, &set, SFD_CLOEXEC);
	signal(SIGPIPE, SIG_IGN);
	/* as the shim opens a file:// log */
	w.log = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	w.idx.fd = -1;
	if (w.log >= 0)
		kk_logidx_writer_open(&w.idx, path, 0644, &err);
	close(FD_READY); /* ready: the shim starts the task */
	while (pfd[0].fd >= 0 || pfd[1].fd >= 0) {
		if (poll(pfd, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[2].revents & POLLIN)
			break;
		for (int i = 0; i < 2; i++) {
			if (pfd[i].fd >= 0 && pfd[i].revents && !pump(&w, pfd[i].fd)) {
				close(pfd[i].fd);
				pfd[i].fd = -1;
			}
		}
	}
	/* SIGTERM: the task is gone; write what the pipes still hold */
	for (int i = 0; i < 2; i++) {
		if (pfd[i].fd < 0)
			continue;
		fcntl(pfd[i].fd, F_SETFL, fcntl(pfd[i].fd, F_GETFL) | O_NONBLOCK);
		while (pump(&w, pfd[i].fd))
			;
		close(pfd[i].fd);
	}
	kk_logidx_writer_close(&w.idx);
	if (w.log >= 0)
		close(w.log);
	if (pfd[2].fd >= 0)
		close(pfd[2].fd);
	return 0;
}
