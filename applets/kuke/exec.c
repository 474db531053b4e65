/* applets/kuke/exec.c - kuke exec CELL [--container C] [-i] [-t] -- CMD...
 *
 * kuke makes the process's stdio FIFOs in a private directory, asks the controller (here or
 * in kukeond: ExecContainer) to start the process on them, then copies bytes between its
 * own stdio and the FIFOs until the process's output ends, and asks for its exit status
 * (ExecWait), which becomes kuke's. With -t the shim puts the process on a PTY and kuke's
 * terminal goes to raw mode (restored on every way out) and lends its size (ExecResize, now
 * and on every SIGWINCH). */
#include "applets/kuke/kuke.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "applets/kuke/attach.h"
#include "applets/kuke/client.h"
#include "common/cleanup.h"
#include "common/mem.h"

enum { IN, OUT, ERR, N_STREAMS };

struct exec_session {
	struct kk_client *c;
	struct kk_exec_req req;
	char *dir;             /* the FIFOs' directory; removed with them */
	char *path[N_STREAMS]; /* "" when not made */
	int fd[N_STREAMS];     /* our ends */
	struct kuke_session_signals sig;
	bool raw;
	struct termios saved;
};

static void session_end(struct exec_session *s)
{
	if (s->raw)
		tcsetattr(STDIN_FILENO, TCSADRAIN, &s->saved);
	s->raw = false;
	kuke_session_signals_close(&s->sig);
	for (int i = 0; i < N_STREAMS; i++) {
		if (s->fd[i] >= 0)
			close(s->fd[i]);
		s->fd[i] = -1;
		if (s->path[i] && *s->path[i])
			unlink(s->path[i]);
		free(s->path[i]);
		s->path[i] = NULL;
	}
	if (s->dir)
		rmdir(s->dir);
	free(s->dir);
	s->dir = NULL;
}

/* <dir>/<name> as a FIFO, with our end open (read: O_RDONLY, which sees EOF once the shim's
 * writer goes; write: O_RDWR, so the open does not wait for the shim). */
static int fifo_make(struct exec_session *s, int which, const char *name, bool we_write,
		     struct kk_err *err)
{
	s->path[which] = kk_xasprintf("%s/%s", s->dir, name);
	if (mkfifo(s->path[which], 0600) < 0) {
		kk_err_sys(err, "exec: make FIFO `%s`", s->path[which]);
		free(s->path[which]);
		s->path[which] = NULL;
		return -1;
	}
	s->fd[which] =
		open(s->path[which], (we_write ? O_RDWR : O_RDONLY) | O_NONBLOCK | O_CLOEXEC);
	if (s->fd[which] < 0)
		return kk_err_sys(err, "exec: open FIFO `%s`", s->path[which]);
	return 0;
}

static int session_open(struct exec_session *s, bool in, bool tty, struct kk_err *err)
{
	const char *tmp = getenv("TMPDIR");

	s->dir = kk_xasprintf("%s/kuke-exec-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(s->dir)) {
		kk_err_sys(err, "exec: make a directory for the FIFOs in `%s`",
			   tmp && *tmp ? tmp : "/tmp");
		free(s->dir);
		s->dir = NULL;
		return -1;
	}
	if ((in && fifo_make(s, IN, "stdin", true, err) < 0) ||
	    fifo_make(s, OUT, "stdout", false, err) < 0 ||
	    (!tty && fifo_make(s, ERR, "stderr", false, err) < 0))
		return -1;
	return kuke_session_signals_open(&s->sig, err);
}

/* Best effort: a lost resize leaves the old size. */
static void resize(struct exec_session *s)
{
	struct winsize ws = { 0 };
	struct kk_exec_result r = { 0 };
	struct kk_err ignored = { 0 };
	struct kk_exec_req req = s->req;

	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) < 0 || ws.ws_col == 0)
		return;
	req.width = ws.ws_col;
	req.height = ws.ws_row;
	if (kk_call_exec_resize(s->c, &req, &r, &ignored) == 0)
		kk_exec_result_clear(&r);
}

static void on_winch(void *s)
{
	resize(s);
}

/* Copy what is there from `from` to `to`: 1 moved bytes, 0 end of input, -1 nothing now. */
static int copy(int from, int to)
{
	char buf[16 * 1024];
	ssize_t r = read(from, buf, sizeof(buf));

	if (r == 0)
		return 0;
	if (r < 0)
		return errno == EAGAIN || errno == EINTR ? -1 : 0;
	for (size_t off = 0; off < (size_t)r;) {
		ssize_t w = write(to, buf + off, (size_t)r - off);

		if (w < 0 && errno == EAGAIN) {
			poll(&(struct pollfd){ .fd = to, .events = POLLOUT }, 1, -1);
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return 1; /* our reader went away: drop the rest, keep draining */
		off += (size_t)w;
	}
	return 1;
}

/* Our input ended: once the shim has read what is in the FIFO (5 s at most), close the
 * process's input. */
static void close_stdin(struct exec_session *s)
{
	struct kk_exec_result r = { 0 };
	struct kk_err ignored = { 0 };
	int pending = 0;

	for (int i = 0; i < 500; i++) {
		if (ioctl(s->fd[IN], FIONREAD, &pending) < 0 || pending == 0)
			break;
		usleep(10000);
	}
	if (kk_call_exec_close_stdin(s->c, &s->req, &r, &ignored) == 0)
		kk_exec_result_clear(&r);
	close(s->fd[IN]);
	s->fd[IN] = -1;
}

/* Until the process's output ends (or a signal). */
static int pump(struct exec_session *s, struct kk_err *err)
{
	bool in_open = s->fd[IN] >= 0;

	while (s->fd[OUT] >= 0 || s->fd[ERR] >= 0) {
		struct pollfd p[4] = {
			{ .fd = s->sig.fd, .events = POLLIN },
			{ .fd = s->fd[OUT], .events = POLLIN },
			{ .fd = s->fd[ERR], .events = POLLIN },
			{ .fd = in_open ? STDIN_FILENO : -1, .events = POLLIN },
		};

		if (poll(p, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			return kk_err_sys(err, "exec: poll");
		}
		if (p[0].revents && kuke_session_signals_read(&s->sig, on_winch, s, err) < 0)
			return kk_err_wrap(err, "exec");
		for (int i = OUT; i <= ERR; i++)
			if (p[i].revents &&
			    copy(s->fd[i], i == OUT ? STDOUT_FILENO : STDERR_FILENO) == 0) {
				close(s->fd[i]);
				s->fd[i] = -1;
			}
		if (p[3].revents && copy(STDIN_FILENO, s->fd[IN]) == 0) {
			in_open = false;
			close_stdin(s);
		}
	}
	return 0;
}

int kuke_exec(struct kuke_ctx *ctx, int arg, const struct kuke_flags *f, int argc, char **argv,
	      struct kk_err *err)
{
	cleanup_(kk_client_freep) struct kk_client *c = NULL;
	struct exec_session s = { .fd = { -1, -1, -1 }, .sig.fd = -1 };
	struct kk_exec_result started = { 0 }, done = { 0 };
	int rc = -1;

	(void)arg;
	if (argc < 2)
		return kk_err_set(err, KK_EUSAGE,
				  "exec: a cell is required (kuke exec CELL -- CMD...)");
	if (argc < 3)
		return kk_err_set(err, KK_EUSAGE,
				  "exec: a command is required (kuke exec %s -- CMD...)", argv[1]);
	if (f->tty && !isatty(STDIN_FILENO))
		return kk_err_set(err, EINVAL, "exec: -t: standard input is not a terminal");
	if (kuke_client_open(ctx, &c, err) < 0)
		return -1;
	s.c = c;
	s.req = (struct kk_exec_req){ .realm = kuke_or_default(f->realm),
				      .space = kuke_or_default(f->space),
				      .stack = kuke_or_default(f->stack),
				      .cell = argv[1],
				      .container = f->container,
				      .args = argv + 2,
				      .terminal = f->tty };
	if (f->tty) {
		struct winsize ws = { 0 };

		if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col) {
			s.req.width = ws.ws_col;
			s.req.height = ws.ws_row;
		}
	}
	if (session_open(&s, f->interactive || f->tty, f->tty, err) < 0)
		goto out;
	s.req.stdin_path = s.path[IN];
	s.req.stdout_path = s.path[OUT];
	s.req.stderr_path = s.path[ERR];
	if (kk_call_container_exec(c, &s.req, &started, err) < 0)
		goto out;
	s.req.container = started.container;
	s.req.exec_id = started.exec_id;
	if (f->tty && tcgetattr(STDIN_FILENO, &s.saved) == 0) {
		struct termios raw = s.saved;

		cfmakeraw(&raw);
		s.raw = tcsetattr(STDIN_FILENO, TCSADRAIN, &raw) == 0;
		resize(&s);
	}
	fflush(stdout);
	if (pump(&s, err) < 0)
		goto out;
	if (kk_call_exec_wait(c, &s.req, &done, err) < 0)
		goto out;
	ctx->exit_status = (int)done.exit_code;
	rc = 0;
out:
	session_end(&s);
	kk_exec_result_clear(&started);
	kk_exec_result_clear(&done);
	return rc;
}
