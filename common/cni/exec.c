/* common/cni/exec.c - find a plugin on the search path and run it with a time limit. */
#include "common/clock.h"
#include "common/cni/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/mem.h"

int kk_cni_plugin_find(const char *path, const char *type, char **out, struct kk_err *err)
{
	const char *p = path, *end;

	if (!type || !*type || strchr(type, '/'))
		return kk_err_set(err, EINVAL, "invalid plugin type `%s`", type ? type : "");
	for (; p && *p; p = *end ? end + 1 : end) {
		cleanup_free char *full = NULL;
		struct stat st;

		end = strchrnul(p, ':');
		if (end == p)
			continue;
		full = kk_xasprintf("%.*s/%s", (int)(end - p), p, type);
		if (stat(full, &st) == 0 && S_ISREG(st.st_mode)) {
			*out = TAKE_PTR(full);
			return 0;
		}
	}
	return kk_err_set(err, ENOENT,
			  "plugin `%s` not found in `%s` (install the standard CNI plugins, e.g. "
			  "apt install containernetworking-plugins)",
			  type, path ? path : "");
}

void kk_cni_run_clear(struct kk_cni_run *run)
{
	free(run->out);
	free(run->errout);
	memset(run, 0, sizeof(*run));
}

/* A growing output buffer with a cap: bytes beyond it are read and dropped, so a chatty
 * plugin can neither block on a full pipe nor make us allocate without bound. */
struct sink {
	struct kk_buf b;
	size_t max;
	int fd;
};

/* Read what is available. Returns 1 at EOF (fd closed), 0 otherwise. */
static int sink_read(struct sink *s)
{
	char chunk[16384];

	for (;;) {
		ssize_t n = read(s->fd, chunk, sizeof(chunk));
		size_t keep;

		if (n == 0)
			return 1;
		if (n < 0)
			return (errno == EAGAIN || errno == EINTR) ? 0 : 1;
		keep = s->b.len < s->max ? s->max - s->b.len : 0;
		if (keep > (size_t)n)
			keep = (size_t)n;
		kk_buf_add(&s->b, chunk, keep);
	}
}

static void sink_freep(struct sink *s)
{
	free(s->b.p);
}

static char *sink_take(struct sink *s, size_t *len)
{
	*len = s->b.len;
	if (!s->b.p)
		return kk_xcalloc(1, 1);
	return TAKE_PTR(s->b.p);
}

static int pidfd_open_(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	errno = ENOSYS;
	return -1;
#endif
}

/* Kill the plugin's process group (it leads it: POSIX_SPAWN_SETPGROUP) and reap the leader.
 * The leader is not reaped before this, so its pid (and the group id) cannot be reused. */
static void kill_and_reap(pid_t pid)
{
	int status;

	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
}

/* The child's ends are dup2()ed onto 0, 1 and 2 in that order; one that is itself 0-2 (our
 * own stdio was closed) would be overwritten before its turn, so move it above. */
static int above_stdio(int fd)
{
	int moved;

	if (fd > STDERR_FILENO)
		return fd;
	moved = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
	kk_closep(&fd);
	return moved;
}

static int spawn(const char *exe, char *const argv_in[], char *const envp[], int in_fd, int out_fd,
		 int err_fd, pid_t *pid, struct kk_err *err)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	char *argv_plain[] = { (char *)exe, NULL };
	char *const *argv = argv_in ? argv_in : argv_plain;
	sigset_t none, all;
	int rc, tries;

	sigemptyset(&none);
	sigfillset(&all);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in_fd, STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, out_fd, STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, err_fd, STDERR_FILENO);
	posix_spawnattr_init(&attr);
	/* own process group, so a timeout can kill what the plugin started (its IPAM plugin);
	 * default signal handling and an empty mask whatever this process had (a plugin
	 * script must not inherit an ignored SIGPIPE) */
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
						POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	/* a plugin binary being replaced right now is busy for a moment; libcni retries too */
	for (tries = 0;; tries++) {
		rc = posix_spawn(pid, exe, &fa, &attr, argv, envp);
		if (rc != ETXTBSY || tries == 5)
			break;
		usleep(200 * 1000);
	}
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		errno = rc;
		return kk_err_sys(err, "cannot run `%s`", exe);
	}
	return 0;
}

int kk_cni_plugin_run(const char *exe, char *const argv[], char *const envp[],
		      const char *stdin_data, size_t stdin_len, int timeout_ms,
		      struct kk_cni_run *run, struct kk_err *err)
{
	cleanup_close int in_w = -1, in_r = -1, out_r = -1, out_w = -1, err_r = -1, err_w = -1;
	cleanup_close int pidfd = -1;
	cleanup_(sink_freep) struct sink out = { .max = KK_CNI_STDOUT_MAX };
	cleanup_(sink_freep) struct sink errs = { .max = KK_CNI_STDERR_MAX };
	size_t written = 0;
	bool out_eof = false, err_eof = false, exited = false;
	long long deadline;
	int fds[2], status = 0;
	pid_t pid;

	/* stdin is a socket so that a plugin exiting before it read everything gets us EPIPE
	 * from send(MSG_NOSIGNAL) rather than a SIGPIPE for the whole process */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
		return kk_err_sys(err, "socketpair"), -2;
	in_w = fds[0], in_r = above_stdio(fds[1]);
	if (pipe2(fds, O_CLOEXEC) < 0)
		return kk_err_sys(err, "pipe"), -2;
	out_r = fds[0], out_w = above_stdio(fds[1]);
	if (pipe2(fds, O_CLOEXEC) < 0)
		return kk_err_sys(err, "pipe"), -2;
	err_r = fds[0], err_w = above_stdio(fds[1]);
	if (in_r < 0 || out_w < 0 || err_w < 0)
		return kk_err_sys(err, "dup"), -2;
	/* only our ends are non-blocking: each pipe end is its own open file description */
	if (fcntl(out_r, F_SETFL, O_NONBLOCK) < 0 || fcntl(err_r, F_SETFL, O_NONBLOCK) < 0)
		return kk_err_sys(err, "fcntl"), -2;

	if (spawn(exe, argv, envp, in_r, out_w, err_w, &pid, err) < 0)
		return -2;
	kk_closep(&in_r), in_r = -1;
	kk_closep(&out_w), out_w = -1;
	kk_closep(&err_w), err_w = -1;
	pidfd = pidfd_open_(pid);
	out.fd = out_r;
	errs.fd = err_r;
	if (timeout_ms <= 0)
		timeout_ms = KK_CNI_DEFAULT_TIMEOUT_MS;
	deadline = kk_now_ms() + timeout_ms;

	while (!exited) {
		struct pollfd pfd[4];
		int n = 0, i_in = -1, i_out = -1, i_err = -1, i_pid = -1, wait_ms;
		long long left = deadline - kk_now_ms();

		if (left <= 0) {
			kill_and_reap(pid);
			return kk_err_set(err, ETIMEDOUT,
					  "`%s` did not finish within %d ms and was killed", exe,
					  timeout_ms);
		}
		if (in_w >= 0) {
			pfd[n] = (struct pollfd){ .fd = in_w, .events = POLLOUT };
			i_in = n++;
		}
		if (!out_eof) {
			pfd[n] = (struct pollfd){ .fd = out_r, .events = POLLIN };
			i_out = n++;
		}
		if (!err_eof) {
			pfd[n] = (struct pollfd){ .fd = err_r, .events = POLLIN };
			i_err = n++;
		}
		if (pidfd >= 0) {
			pfd[n] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
			i_pid = n++;
		}
		/* without a pidfd (old kernel), look at the child every 20 ms */
		wait_ms = left > 20 && pidfd < 0 ? 20 : (int)(left > 1000 ? 1000 : left);
		if (poll(pfd, n, wait_ms) < 0 && errno != EINTR) {
			int saved = errno;

			kill_and_reap(pid);
			errno = saved;
			return kk_err_sys(err, "poll");
		}
		if (i_in >= 0 && pfd[i_in].revents) {
			ssize_t w = send(in_w, stdin_data + written, stdin_len - written,
					 MSG_NOSIGNAL | MSG_DONTWAIT);

			if (w > 0)
				written += (size_t)w;
			/* EPIPE: the plugin does not want the rest; its exit status will say */
			if (written == stdin_len || (w < 0 && errno != EAGAIN && errno != EINTR)) {
				shutdown(in_w, SHUT_WR);
				kk_closep(&in_w), in_w = -1;
			}
		}
		if (i_out >= 0 && pfd[i_out].revents)
			out_eof = sink_read(&out);
		if (i_err >= 0 && pfd[i_err].revents)
			err_eof = sink_read(&errs);
		if (pidfd < 0 || (i_pid >= 0 && pfd[i_pid].revents)) {
			pid_t r = waitpid(pid, &status, WNOHANG);

			if (r < 0 && errno == ECHILD) /* SIGCHLD ignored: reaped by the kernel */
				return kk_err_set(err, ECHILD,
						  "exit status of `%s` lost (SIGCHLD is ignored)",
						  exe);
			exited = r == pid;
		}
	}
	/* everything the plugin wrote is in the pipes now; what a leftover child of it may
	 * write later is not its result */
	if (!out_eof)
		sink_read(&out);
	if (!err_eof)
		sink_read(&errs);
	run->out = sink_take(&out, &run->out_len);
	run->errout = sink_take(&errs, &run->errout_len);
	run->status = status;
	return 0;
}
