/* applets/kuke/attach.c - kuke attach CELL [--container C] (reference CLI §3.12): the
 * daemon (or the in-process controller) names the container's kuketty socket, and kuke
 * then talks to kuketty directly (sbsh's TerminalController protocol, common/tty/proto.h). */
#include "applets/kuke/attach.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "applets/kuke/client.h"
#include "applets/kuke/kuke.h"
#include "cjson/cJSON.h"
#include "common/cleanup.h"
#include "common/clock.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/mem.h"
#include "common/strv.h"
#include "common/tty/proto.h"

#define PING_MS       3000
#define STATE_MS      2000
#define STATE_TICK_MS 50
#define FAIL_GRACE_MS 200 /* a failed readiness wait loses to the data socket closing */
#define RESIZE_MS     100
#define PENDING_MAX   (64 * 1024)
#define BANNER        "\x1b[96mTo detach, press ^] twice\x1b[0m\r\n"
#define DETACHED      "\x1b[93m\r\nDetached\x1b[0m\r\n"

char **kuke_attachable(const struct kk_cell *cell)
{
	char **out = NULL;

	for (size_t i = 0; i < cell->spec.n_containers; i++) {
		const struct kk_container_spec *s = &cell->spec.containers[i];

		if (s->attachable && !s->root &&
		    strcmp(kk_str(s->id), kk_str(cell->spec.root_container_id)) != 0)
			kk_strv_push_take(&out, kk_xstrdup(kk_str(s->id)));
	}
	kk_strv_sort(out);
	return out;
}

static int ping(const char *sock, struct kk_err *err)
{
	cleanup_(kk_json_freep) cJSON *r = NULL;
	const cJSON *m;

	if (kk_tty_call(sock, "Ping", "{\"Message\":\"PING\"}", PING_MS, &r, NULL, err) < 0)
		return -1;
	m = cJSON_GetObjectItemCaseSensitive(r, "Message");
	if (!cJSON_IsString(m) || strcmp(m->valuestring, "PONG") != 0)
		return kk_err_set(err, EPROTO, "unexpected ping message: %s",
				  cJSON_IsString(m) ? m->valuestring : "");
	return 0;
}

/* One State call (sbsh's waitReady tick): 1 when the state is one of want (a bit mask of
 * states), 0 when not and deadline (kk_now_ms) is still ahead, -1 with upstream's message
 * otherwise. */
static int state_tick(const char *sock, unsigned want, int64_t deadline, struct kk_err *err)
{
	cleanup_(kk_json_freep) cJSON *r = NULL;
	struct kk_err e = { 0 };
	int64_t left = deadline - kk_now_ms();
	int64_t state;

	if (kk_tty_call(sock, "State", "{}", left > STATE_TICK_MS ? (int)left : STATE_TICK_MS, &r,
			NULL, &e) < 0)
		return kk_err_set(err, e.code,
				  "error attaching client: get terminal state failed during wait: "
				  "%s",
				  e.msg);
	state = kk_json_int64(r, -1);
	if (state >= 0 && state < 32 && (want & (1u << state)))
		return 1;
	if (kk_now_ms() >= deadline)
		return kk_err_set(err, ETIMEDOUT,
				  "error attaching client: context done before ready: context "
				  "deadline exceeded");
	return 0;
}

/* before Attach: poll State every 50 ms (at most 2 s) until Starting or Ready */
static int wait_state(const char *sock, struct kk_err *err)
{
	int64_t deadline = kk_now_ms() + STATE_MS;
	int rc;

	do
		nanosleep(&(struct timespec){ 0, STATE_TICK_MS * 1000000L }, NULL);
	while ((rc = state_tick(sock, 1u << KK_TTY_STARTING | 1u << KK_TTY_READY, deadline, err)) ==
	       0);
	return rc < 0 ? -1 : 0;
}

static void resize(const char *sock)
{
	struct winsize ws = { 0 };
	struct kk_err ignored = { 0 };
	char params[64];

	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) < 0 || ws.ws_col == 0)
		return;
	snprintf(params, sizeof(params), "{\"Cols\":%u,\"Rows\":%u}", ws.ws_col, ws.ws_row);
	/* best effort, as upstream: a lost resize leaves the old size */
	kk_tty_call(sock, "Resize", params, RESIZE_MS, NULL, NULL, &ignored);
}

struct session {
	const char *sock;
	char id[9];
	int data;
	struct kuke_session_signals sig;
	bool raw;
	struct termios saved;
	char pending[PENDING_MAX];
	size_t n_pending;
	/* after Attach, State is polled again until Ready (sbsh's second waitReady), while
	 * the data flows: next_state is the next tick (0: done), ready_by the deadline; a
	 * failure ends the session at fail_at unless the data socket closes first */
	int64_t next_state, ready_by, fail_at;
	struct kk_err fail;
};

/* the poll timeout until the next readiness event (-1: none) */
static int ready_timeout(const struct session *s)
{
	int64_t at = s->fail_at ? s->fail_at : s->next_state;

	if (!at)
		return -1;
	at -= kk_now_ms();
	return at < 0 ? 0 : (int)at;
}

/* the readiness wait's turn, when due: -1 when its failure ends the session */
static int ready_step(struct session *s, struct kk_err *err)
{
	int rc;

	if (s->fail_at) {
		if (kk_now_ms() < s->fail_at)
			return 0;
		*err = s->fail;
		return -1;
	}
	if (!s->next_state || kk_now_ms() < s->next_state)
		return 0;
	rc = state_tick(s->sock, 1u << KK_TTY_READY, s->ready_by, &s->fail);
	s->next_state = rc == 0 ? kk_now_ms() + STATE_TICK_MS : 0;
	if (rc < 0)
		s->fail_at = kk_now_ms() + FAIL_GRACE_MS;
	return 0;
}

static void restore(struct session *s)
{
	if (s->raw) {
		tcsetattr(STDIN_FILENO, TCSADRAIN, &s->saved);
		s->raw = false;
	}
}

int kuke_session_signals_open(struct kuke_session_signals *s, struct kk_err *err)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGWINCH);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, &s->old_mask);
	s->fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s->fd < 0) {
		kk_err_sys(err, "signalfd");
		sigprocmask(SIG_SETMASK, &s->old_mask, NULL);
		return -1;
	}
	return 0;
}

void kuke_session_signals_close(struct kuke_session_signals *s)
{
	struct timespec zero = { 0 };
	sigset_t mask;

	if (s->fd < 0)
		return;
	close(s->fd);
	s->fd = -1;
	/* signals that came after the loop (a second SIGWINCH ...) are dropped here */
	sigemptyset(&mask);
	sigaddset(&mask, SIGWINCH);
	while (sigtimedwait(&mask, NULL, &zero) > 0)
		;
	sigprocmask(SIG_SETMASK, &s->old_mask, NULL);
}

int kuke_session_signals_read(struct kuke_session_signals *s, void (*on_winch)(void *arg),
			      void *arg, struct kk_err *err)
{
	struct signalfd_siginfo si;

	while (read(s->fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo != SIGWINCH)
			return kk_err_set(err, EINTR, "interrupted by SIG%s",
					  sigabbrev_np((int)si.ssi_signo));
		on_winch(arg);
	}
	return 0;
}

static void on_winch(void *sock)
{
	resize(sock);
}

static void session_close(struct session *s)
{
	restore(s);
	kuke_session_signals_close(&s->sig);
	if (s->data >= 0)
		close(s->data);
}

static void detach(struct session *s)
{
	struct kk_err ignored = { 0 };
	char params[16];

	snprintf(params, sizeof(params), "\"%s\"", s->id);
	kk_tty_call(s->sock, "Detach", params, PING_MS, NULL, NULL, &ignored);
}

/* 1: detached by the key, 0: the data socket closed, -1: error (a signal) */
static int pump(struct session *s, struct kk_err *err)
{
	struct kk_tty_detach key = { 0 };
	char buf[16 * 1024], out[16 * 1024];
	bool in_open = true;

	for (;;) {
		struct pollfd p[3] = {
			{ .fd = s->sig.fd, .events = POLLIN },
			{ .fd = s->data, .events = (short)(POLLIN | (s->n_pending ? POLLOUT : 0)) },
			{ .fd = in_open ? STDIN_FILENO : -1, .events = POLLIN },
		};

		if (ready_step(s, err) < 0)
			return -1;
		if (poll(p, 3, ready_timeout(s)) < 0) {
			if (errno == EINTR)
				continue;
			return kk_err_sys(err, "poll");
		}
		if (p[0].revents &&
		    kuke_session_signals_read(&s->sig, on_winch, (void *)s->sock, err) < 0) {
			detach(s);
			return -1;
		}
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t r = recv(s->data, buf, sizeof(buf), MSG_DONTWAIT);

			if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
				return 0;
			if (r > 0)
				(void)kk_write_all(STDOUT_FILENO, buf, (size_t)r);
		}
		if (s->n_pending && (p[1].revents & POLLOUT)) {
			ssize_t w = send(s->data, s->pending, s->n_pending,
					 MSG_DONTWAIT | MSG_NOSIGNAL);

			if (w > 0) {
				memmove(s->pending, s->pending + w, s->n_pending - (size_t)w);
				s->n_pending -= (size_t)w;
			} else if (w < 0 && errno != EAGAIN && errno != EINTR)
				return 0;
		}
		if (p[2].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t r = read(STDIN_FILENO, buf, sizeof(buf));
			bool done = false;
			size_t n;

			if (r <= 0) {
				if (r < 0 && errno == EINTR)
					continue;
				/* stdin ended (a pipe): keep showing output until the workload ends
				 */
				in_open = false;
				continue;
			}
			n = kk_tty_detach_feed(&key, buf, (size_t)r, out, &done);
			/* a paste larger than the server takes keeps the key working: what does
			 * not fit is dropped rather than blocking the loop */
			if (n > PENDING_MAX - s->n_pending)
				n = PENDING_MAX - s->n_pending;
			memcpy(s->pending + s->n_pending, out, n);
			s->n_pending += n;
			if (done) {
				send(s->data, s->pending, s->n_pending,
				     MSG_DONTWAIT | MSG_NOSIGNAL);
				detach(s);
				return 1;
			}
		}
	}
}

int kuke_attach_session(const char *sock, enum kuke_attach_end *end, struct kk_err *err)
{
	struct session *s = kk_xcalloc(1, sizeof(*s));
	uint32_t rnd = 0;
	char params[16];
	int rc = -1;

	s->sock = sock;
	s->data = s->sig.fd = -1;
	if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
		rnd = (uint32_t)time(NULL) ^ (uint32_t)getpid();
	snprintf(s->id, sizeof(s->id), "%08x", rnd);
	if (ping(sock, err) < 0 || wait_state(sock, err) < 0)
		goto out;
	snprintf(params, sizeof(params), "\"%s\"", s->id);
	if (kk_tty_call(sock, "Attach", params, PING_MS, NULL, &s->data, err) < 0)
		goto out;
	if (s->data < 0) {
		kk_err_set(err, EPROTO, "attach: server did not send IO fd");
		goto out;
	}
	if (kuke_session_signals_open(&s->sig, err) < 0)
		goto out;
	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &s->saved) == 0) {
		struct termios raw = s->saved;

		cfmakeraw(&raw);
		if (tcsetattr(STDIN_FILENO, TCSADRAIN, &raw) == 0)
			s->raw = true;
	}
	resize(sock);
	(void)kk_write_all(STDOUT_FILENO, BANNER, sizeof(BANNER) - 1);
	s->ready_by = kk_now_ms() + STATE_MS;
	s->next_state = kk_now_ms() + STATE_TICK_MS;
	rc = pump(s, err);
	if (rc == 1) {
		(void)kk_write_all(STDOUT_FILENO, DETACHED, sizeof(DETACHED) - 1);
		*end = KUKE_ATTACH_DETACHED;
		rc = 0;
	} else if (rc == 0)
		*end = KUKE_ATTACH_CLOSED;
out:
	session_close(s);
	free(s);
	return rc;
}

int kuke_attach_container(struct kk_client *c, const struct kk_ref *ref, enum kuke_attach_end *end,
			  struct kk_err *err)
{
	struct kk_attach_result r = { 0 };
	int rc;

	if (kk_call_container_attach(c, ref, &r, err) < 0)
		return -1;
	fflush(stdout);
	rc = kuke_attach_session(r.socket_path, end, err);
	kk_attach_result_clear(&r);
	return rc;
}

int kuke_attach(struct kuke_ctx *ctx, int arg, const struct kuke_flags *f, int argc, char **argv,
		struct kk_err *err)
{
	cleanup_(kk_client_freep) struct kk_client *c = NULL;
	struct kk_ref ref;
	cleanup_free char *pick = NULL;
	enum kuke_attach_end end;

	(void)arg;
	if (kuke_want_args(argc, false, "attach", NULL, err) < 0)
		return -1;
	if (kuke_client_open(ctx, &c, err) < 0)
		return -1;
	ref = kuke_ref(f, argv[1], f->container);
	if (!f->container || !*f->container) {
		struct kk_ref cell = kuke_ref(f, NULL, argv[1]);
		struct kk_cell_get_result g = { 0 };
		cleanup_(kk_strv_freep) char **cand = NULL;

		if (kk_call_cell_get(c, &cell, &g, err) < 0)
			return -1;
		cand = kuke_attachable(g.cell);
		kk_cell_get_result_clear(&g);
		if (!cand)
			return kk_err_set(err, ENOENT,
					  "no attachable container in cell (cell \"%s\")", argv[1]);
		if (cand[1]) {
			cleanup_free char *list = kk_strv_join(cand, ", ");

			return kk_err_set(err, EINVAL,
					  "multiple attachable containers in cell; specify "
					  "--container (cell \"%s\"): candidates: %s",
					  argv[1], list);
		}
		pick = kk_xstrdup(cand[0]);
		ref.name = pick;
	}
	return kuke_attach_container(c, &ref, &end, err);
}
