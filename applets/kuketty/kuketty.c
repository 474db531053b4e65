/* applets/kuketty/kuketty.c - the terminal wrapper bind-mounted into attachable containers
 * (runtime reference §8.3-§8.4): `kuketty [--config PATH]`.
 *
 * It runs inside arbitrary images (scratch ones too), so it needs nothing from them: the
 * release binary is static and this applet links no grpc.
 *
 * One thread, one poll loop. The workload runs as session leader on a PTY. Every byte it
 * writes is appended to the capture file, and the capture file is the only output buffer:
 * each attached client has an offset into it (0 on attach: the replay) and is sent what
 * lies between its offset and the end whenever its socket can take it. A slow or absent
 * client never blocks the workload and costs no memory; a flood only grows the file.
 * Keyboard input goes through one bounded buffer; while it is full, clients are not read
 * (the kernel's socket buffers push back on them).
 *
 * Exit status: the workload's (128 + signal when killed), so `kuke get` and `kuke run` see
 * it (upstream exits 70 here; docs/compat.md). 64: bad command line. 70: kuketty itself
 * failed (config, socket, PTY, capture), with one line on stderr. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "applets/applets.h"
#include "cjson/cJSON.h"
#include "common/cleanup.h"
#include "common/clock.h"
#include "common/err.h"
#include "common/fault.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/logidx.h"
#include "common/mem.h"
#include "common/strv.h"
#include "common/tty/doc.h"
#include "common/tty/proto.h"

#define EXIT_USAGE    64
#define EXIT_INTERNAL 70
#define CONFIG_MAX    (1 << 20)
#define IN_MAX        (64 * 1024)
#define CHUNK         (64 * 1024)
#define MAX_CONNS     64
#define MAX_CLIENTS   64
#define DETACH_MS     100
#define DRAIN_MS      2000

static const char usage_text[] =
	"Usage: kuketty [--config PATH]\n"
	"\n"
	"Runs the command of a kuketty configuration (an sbsh Terminal document, default\n"
	"" KK_TTY_CONFIG_PATH ") on a pseudo-terminal, appends its output to the\n"
	"capture file and serves the attach socket that `kuke attach` connects to. Exits with\n"
	"the command's status; 64 on a bad command line, 70 when kuketty itself fails.\n"
	"\n"
	"Flags:\n"
	"      --config PATH  the configuration (default " KK_TTY_CONFIG_PATH ")\n"
	"  -h, --help         this help\n"
	"      --version      print the version\n";

struct conn { /* a control connection: newline-terminated JSON-RPC requests */
	int fd;
	size_t len;
	char *buf; /* KK_TTY_MSG_MAX */
};

struct client { /* an attached data socket */
	int fd;
	char *id;
	int64_t pos;      /* next byte of the capture to send */
	int64_t close_at; /* ms clock; 0: not detaching */
	bool read_only;   /* Subscribe */
};

struct tty {
	struct kk_tty_doc doc;
	int listen_fd, master, sig_fd, cap_w, cap_r, log_fd;
	pid_t child;
	int status; /* the exit status to return */
	bool exited;
	enum kk_tty_state state;
	int64_t cap_size;
	struct kk_logidx_writer idx; /* the capture's time index (kuke log --since) */
	struct conn conns[MAX_CONNS];
	size_t n_conns;
	struct client clients[MAX_CLIENTS];
	size_t n_clients;
	char in[IN_MAX];
	size_t in_len;
	char chunk[CHUNK];
};

static void logf_(struct tty *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(struct tty *t, const char *fmt, ...)
{
	char line[512], when[KK_TIME_RFC3339NANO_MAX];
	struct kk_time now = kk_time_now();
	va_list ap;
	int n;

	if (t->log_fd < 0)
		return;
	n = snprintf(line, sizeof(line), "time=%s level=INFO msg=\"", kk_time_format(&now, when));
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 3)
		n = (int)sizeof(line) - 3;
	line[n++] = '"';
	line[n++] = '\n';
	if (write(t->log_fd, line, (size_t)n) < 0) {
		/* the log is informative: a full disk must not stop the terminal */
	}
}

static void set_nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* mode and group from the config, on a file kuketty created */
static int apply_mode(const char *path, uint32_t mode, int64_t gid, struct kk_err *err)
{
	if (mode && chmod(path, mode) < 0)
		return kk_err_sys(err, "chmod `%s`", path);
	if (gid >= 0 && chown(path, (uid_t)-1, (gid_t)gid) < 0)
		return kk_err_sys(err, "chown `%s` to group %lld", path, (long long)gid);
	return 0;
}

/* ---- setup ------------------------------------------------------------------------------ */

static int listen_socket(struct tty *t, struct kk_err *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = t->doc.socket_io;

	if (strlen(path) >= sizeof(sa.sun_path))
		return kk_err_set(err, ENAMETOOLONG, "socket `%s`: path too long", path);
	strcpy(sa.sun_path, path);
	/* a socket left by a kuketty that died is in the way */
	if (unlink(path) < 0 && errno != ENOENT)
		return kk_err_sys(err, "remove stale socket `%s`", path);
	t->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (t->listen_fd < 0)
		return kk_err_sys(err, "socket");
	if (bind(t->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return kk_err_sys(err, "listen on `%s`", path);
	if (listen(t->listen_fd, 16) < 0)
		return kk_err_sys(err, "listen on `%s`", path);
	/* unset: 0600, as sbsh's terminal runner, not whatever the umask leaves */
	return apply_mode(path, t->doc.socket_mode ? t->doc.socket_mode : 0600, t->doc.socket_gid,
			  err);
}

static int open_files(struct tty *t, struct kk_err *err)
{
	const char *cap = t->doc.capture_file;
	struct stat st;

	if (t->doc.run_path && *t->doc.run_path && kk_mkdir_p(t->doc.run_path, 0700, err) < 0)
		return -1;
	if (t->doc.log_file && *t->doc.log_file) {
		t->log_fd = open(t->doc.log_file, O_CREAT | O_APPEND | O_WRONLY | O_CLOEXEC, 0600);
		if (t->log_fd < 0)
			return kk_err_sys(err, "open log file `%s`", t->doc.log_file);
		if (apply_mode(t->doc.log_file, t->doc.log_file_mode, t->doc.log_file_gid, err) < 0)
			return -1;
	}
	if (!cap || !*cap)
		return kk_err_set(err, EINVAL, "spec.captureFile is required");
	t->cap_w = open(cap, O_CREAT | O_APPEND | O_WRONLY | O_CLOEXEC, 0600);
	if (t->cap_w < 0)
		return kk_err_sys(err, "open capture file `%s`", cap);
	if (apply_mode(cap, t->doc.capture_mode, t->doc.capture_gid, err) < 0)
		return -1;
	t->cap_r = open(cap, O_RDONLY | O_CLOEXEC);
	if (t->cap_r < 0)
		return kk_err_sys(err, "open capture file `%s`", cap);
	if (fstat(t->cap_w, &st) < 0)
		return kk_err_sys(err, "stat capture file `%s`", cap);
	t->cap_size = st.st_size;
	/* the capture's time index: readable by whoever may read the capture; without one the
	 * capture is still served (kuke log then dates its lines by the file's mtime) */
	if (kk_logidx_writer_open(&t->idx, cap, 0600, err) < 0) {
		logf_(t, "%s", err->msg);
		*err = (struct kk_err){ 0 };
	} else {
		cleanup_free char *idx = kk_logidx_path(cap);

		if (apply_mode(idx, t->doc.capture_mode, t->doc.capture_gid, err) < 0)
			return -1;
	}
	return 0;
}

/* sbsh's own status document under <runPath>/terminals/<id>/ */
static void write_status(struct tty *t)
{
	cleanup_free char *dir = NULL, *text = NULL, *path = NULL;
	struct kk_err ignored = { 0 };

	if (!t->doc.run_path || !*t->doc.run_path || !t->doc.id)
		return;
	dir = kk_xasprintf("%s/terminals/%s", t->doc.run_path, t->doc.id);
	path = kk_xasprintf("%s/metadata.json", dir);
	text = kk_tty_doc_encode(&t->doc);
	if (kk_mkdir_p(dir, 0700, &ignored) == 0)
		kk_write_atomic(path, ".meta-", text, strlen(text), 0600, &ignored);
}

static void child_env(const struct kk_tty_doc *d)
{
	if (!d->inherit_env)
		clearenv();
	for (size_t i = 0; d->env && d->env[i]; i++)
		putenv(d->env[i]);
	setenv("SBSH_TERM_SOCKET", d->socket_io, 1);
	setenv("SBSH_TERM_ID", d->id ? d->id : "", 1);
	setenv("SBSH_TERM_NAME", d->tname ? d->tname : "", 1);
	setenv("SBSH_TERM_PROFILE", "", 1);
	setenv("SB_RUN_PATH", d->run_path ? d->run_path : "", 1);
	if (!getenv("TERM")) {
		setenv("TERM", "xterm-256color", 1);
		setenv("COLORTERM", "truecolor", 1);
	}
}

static int start_workload(struct tty *t, const sigset_t *old, struct kk_err *err)
{
	struct winsize ws = { .ws_row = 24, .ws_col = 80 };
	int unlock = 0;
	unsigned int n = 0;
	char *slave;
	pid_t pid;

	/* /dev/ptmx by hand: glibc's grantpt() would look the tty group up through NSS, which a
	 * static binary in an arbitrary image must never do */
	t->master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (t->master < 0)
		return kk_err_sys(err, "open a pseudo-terminal (/dev/ptmx)");
	if (ioctl(t->master, TIOCSPTLCK, &unlock) < 0 || ioctl(t->master, TIOCGPTN, &n) < 0)
		return kk_err_sys(err, "unlock the pseudo-terminal");
	ioctl(t->master, TIOCSWINSZ, &ws);
	slave = kk_xasprintf("/dev/pts/%u", n);
	pid = fork();
	if (pid < 0) {
		free(slave);
		return kk_err_sys(err, "fork");
	}
	if (pid == 0) {
		char **argv = kk_xcalloc(kk_strv_len(t->doc.args) + 2, sizeof(*argv));
		int fd;

		argv[0] = t->doc.command;
		for (size_t i = 0; t->doc.args && t->doc.args[i]; i++)
			argv[i + 1] = t->doc.args[i];
		setsid();
		fd = open(slave, O_RDWR);
		if (fd < 0)
			_exit(EXIT_INTERNAL);
		ioctl(fd, TIOCSCTTY, 0);
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
		for (int s = 1; s < NSIG; s++)
			signal(s, SIG_DFL);
		sigprocmask(SIG_SETMASK, old, NULL);
		child_env(&t->doc);
		execvp(argv[0], argv);
		dprintf(2, "kuketty: exec `%s`: %s\r\n", argv[0], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	free(slave);
	t->child = pid;
	set_nonblock(t->master);
	return 0;
}

/* Starting -> SettingUp -> OnInit -> Ready: what upstream types into the terminal first */
static void queue_input(struct tty *t, const char *s, size_t n)
{
	if (n > IN_MAX - t->in_len)
		n = IN_MAX - t->in_len;
	memcpy(t->in + t->in_len, s, n);
	t->in_len += n;
}

static void setup_stages(struct tty *t)
{
	t->state = KK_TTY_SETTING_UP;
	queue_input(t, "\x15", 1);
	if (t->doc.set_prompt && t->doc.prompt) {
		cleanup_free char *line = kk_xasprintf("export PS1=%s\n", t->doc.prompt);

		queue_input(t, line, strlen(line));
	}
	t->state = KK_TTY_ON_INIT;
	for (size_t i = 0; t->doc.on_init && t->doc.on_init[i]; i++) {
		queue_input(t, t->doc.on_init[i], strlen(t->doc.on_init[i]));
		queue_input(t, "\n", 1);
	}
	t->state = KK_TTY_READY;
	write_status(t);
}

/* ---- clients ---------------------------------------------------------------------------- */

static void client_drop(struct tty *t, size_t i)
{
	logf_(t, "client %s gone", t->clients[i].id);
	close(t->clients[i].fd);
	free(t->clients[i].id);
	t->clients[i] = t->clients[--t->n_clients];
}

/* send what the client has not seen of the capture; -1: drop it */
static int client_flush(struct tty *t, struct client *c)
{
	while (c->pos < t->cap_size) {
		size_t want = (size_t)(t->cap_size - c->pos) < CHUNK
				      ? (size_t)(t->cap_size - c->pos)
				      : CHUNK;
		ssize_t r = pread(t->cap_r, t->chunk, want, c->pos), w;

		if (r <= 0)
			return -1;
		w = send(c->fd, t->chunk, (size_t)r, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		c->pos += w;
		if (w < r)
			return 0;
	}
	return 0;
}

static int client_read(struct tty *t, struct client *c)
{
	ssize_t r;

	if (t->in_len == IN_MAX)
		return 0;
	r = recv(c->fd, t->in + t->in_len, IN_MAX - t->in_len, MSG_DONTWAIT);
	if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
		return -1;
	if (r > 0 && !c->read_only && !t->exited)
		t->in_len += (size_t)r;
	return 0;
}

/* ---- control requests -------------------------------------------------------------------- */

static const char *param_str(const cJSON *p, const char *key)
{
	const cJSON *v = key ? cJSON_GetObjectItemCaseSensitive(p, key) : p;

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void hangup(struct tty *t, int sig)
{
	if (t->child > 0 && !t->exited) {
		kill(-t->child, sig);
		kill(-t->child, SIGHUP);
		kill(-t->child, SIGCONT);
	}
}

/* One request; the reply goes on fd. -1: close the connection. */
static int handle(struct tty *t, int fd, const char *line, size_t len)
{
	struct kk_tty_request req = { 0 };
	struct kk_err err = { 0 };
	cleanup_free char *result = NULL, *error = NULL;
	int pass = -1, rc;

	if (kk_tty_request_parse(line, len, &req, &err) < 0) {
		kk_tty_reply(fd, NULL, NULL, err.msg, -1, &err);
		return -1;
	}
	if (strcmp(req.method, "Ping") == 0) {
		result = kk_xstrdup("{\"Message\":\"PONG\"}");
	} else if (strcmp(req.method, "State") == 0) {
		result = kk_xasprintf("%d", (int)t->state);
	} else if (strcmp(req.method, "Attach") == 0 || strcmp(req.method, "Subscribe") == 0) {
		bool sub = strcmp(req.method, "Subscribe") == 0;
		const char *id = param_str(req.param, sub ? "ClientID" : NULL);
		int sv[2];

		if (!id)
			error = kk_xasprintf("%s: the client id must be a string", req.method);
		else if (t->n_clients == MAX_CLIENTS)
			error = kk_xasprintf("too many clients attached (%d)", MAX_CLIENTS);
		else if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
			error = kk_xasprintf("socketpair: %s", strerror(errno));
		else {
			set_nonblock(sv[0]);
			t->clients[t->n_clients++] = (struct client){ .fd = sv[0],
								      .id = kk_xstrdup(id),
								      .read_only = sub };
			pass = sv[1];
			result = kk_xstrdup("{\"ok\":true}");
			logf_(t, "client %s attached", id);
		}
	} else if (strcmp(req.method, "Detach") == 0) {
		const char *id = param_str(req.param, NULL);
		size_t i;

		for (i = 0; id && i < t->n_clients; i++)
			if (strcmp(t->clients[i].id, id) == 0 && !t->clients[i].close_at)
				break;
		if (!id || i == t->n_clients)
			error = kk_xasprintf("client %s not found among clients", id ? id : "");
		else {
			t->clients[i].close_at = kk_now_ms() + DETACH_MS;
			result = kk_xstrdup("{}");
		}
	} else if (strcmp(req.method, "Resize") == 0) {
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(req.param, "Cols");
		const cJSON *r = cJSON_GetObjectItemCaseSensitive(req.param, "Rows");
		struct winsize ws = { 0 };

		if (!cJSON_IsNumber(c) || !cJSON_IsNumber(r) || c->valuedouble < 0 ||
		    r->valuedouble < 0 || c->valuedouble > 65535 || r->valuedouble > 65535)
			error = kk_xstrdup("Resize: Cols and Rows must be numbers");
		else {
			ws.ws_col = (unsigned short)c->valuedouble;
			ws.ws_row = (unsigned short)r->valuedouble;
			ioctl(t->master, TIOCSWINSZ, &ws);
			result = kk_xstrdup("{}");
		}
	} else if (strcmp(req.method, "Metadata") == 0) {
		cleanup_(kk_json_freep) cJSON *doc = NULL;
		cleanup_free char *text = kk_tty_doc_encode(&t->doc);

		if (kk_json_parse(text, strlen(text), "metadata", &doc, &err) == 0) {
			cJSON *st = cJSON_GetObjectItemCaseSensitive(doc, "status");

			cJSON_ReplaceItemInObjectCaseSensitive(st, "pid",
							       cJSON_CreateNumber(t->child));
			cJSON_ReplaceItemInObjectCaseSensitive(st, "state",
							       cJSON_CreateNumber(t->state));
			result = kk_json_print(doc, KK_JSON_COMPACT);
		} else
			error = kk_xstrdup(err.msg);
	} else if (strcmp(req.method, "Stop") == 0) {
		hangup(t, SIGTERM);
		result = kk_xstrdup("{}");
	} else if (strcmp(req.method, "Write") == 0) {
		const char *data = param_str(req.param, "Data");
		cleanup_free unsigned char *buf = NULL;
		size_t n = 0;

		if (!data)
			error = kk_xstrdup("Write: Data must be a base64 string");
		else if (kk_tty_base64_decode(data, &buf, &n, &err) < 0)
			error = kk_xasprintf("Write: %s", err.msg);
		else if (n > IN_MAX - t->in_len)
			error = kk_xstrdup("Write: input buffer full, try again");
		else {
			queue_input(t, (const char *)buf, n);
			result = kk_xstrdup("{}");
		}
	} else {
		error = kk_xasprintf("rpc: can't find method " KK_TTY_SERVICE ".%s", req.method);
	}
	rc = kk_tty_reply(fd, req.id, result, error, pass, &err);
	if (pass >= 0)
		close(pass);
	kk_tty_request_clear(&req);
	return rc;
}

static void conn_drop(struct tty *t, size_t i)
{
	close(t->conns[i].fd);
	free(t->conns[i].buf);
	t->conns[i] = t->conns[--t->n_conns];
}

/* read what is there; answer each complete line. -1: close. */
static int conn_read(struct tty *t, struct conn *c)
{
	ssize_t r = recv(c->fd, c->buf + c->len, KK_TTY_MSG_MAX - c->len, MSG_DONTWAIT);
	char *nl;

	if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
		return -1;
	if (r < 0)
		return 0;
	c->len += (size_t)r;
	while ((nl = memchr(c->buf, '\n', c->len))) {
		size_t n = (size_t)(nl - c->buf);

		if (handle(t, c->fd, c->buf, n) < 0)
			return -1;
		memmove(c->buf, nl + 1, c->len - n - 1);
		c->len -= n + 1;
	}
	return c->len == KK_TTY_MSG_MAX ? -1 : 0;
}

static void accept_conns(struct tty *t)
{
	int fd;

	while ((fd = accept4(t->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
		if (t->n_conns == MAX_CONNS) {
			close(fd);
			continue;
		}
		t->conns[t->n_conns++] =
			(struct conn){ .fd = fd, .buf = kk_xmalloc(KK_TTY_MSG_MAX) };
	}
}

/* ---- the loop ----------------------------------------------------------------------------- */

/* PTY output -> capture. 0: nothing more now; -1: the PTY is closed. */
static int pty_read(struct tty *t)
{
	for (;;) {
		ssize_t r = read(t->master, t->chunk, CHUNK);
		const char *p = t->chunk;

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return 0;
		if (r <= 0)
			return -1;
		kk_logidx_note(&t->idx, t->cap_size);
		while (r > 0) {
			ssize_t w = write(t->cap_w, p, (size_t)r);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				/* the capture is the only way to the clients: output that cannot
				 * be stored is lost, but the workload keeps running */
				logf_(t, "capture write failed: %s", strerror(errno));
				break;
			}
			t->cap_size += w;
			p += w;
			r -= w;
		}
	}
}

static void pty_write(struct tty *t)
{
	ssize_t w = write(t->master, t->in, t->in_len);

	if (w > 0) {
		memmove(t->in, t->in + w, t->in_len - (size_t)w);
		t->in_len -= (size_t)w;
	} else if (w < 0 && errno != EAGAIN && errno != EINTR)
		t->in_len = 0;
}

static void reap(struct tty *t)
{
	int st;
	pid_t p;

	/* as the container's pid 1, reap every orphan too */
	while ((p = waitpid(-1, &st, WNOHANG)) > 0)
		if (p == t->child) {
			t->exited = true;
			t->state = KK_TTY_EXITED;
			t->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			logf_(t, "workload exited with status %d", t->status);
		}
}

static void on_signal(struct tty *t)
{
	struct signalfd_siginfo si;

	while (read(t->sig_fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			reap(t);
		else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT ||
			 si.ssi_signo == SIGHUP)
			hangup(t, (int)si.ssi_signo);
		else if (t->child > 0 && !t->exited)
			kill(t->child, (int)si.ssi_signo);
	}
}

static void serve(struct tty *t)
{
	struct pollfd pfd[3 + MAX_CONNS + MAX_CLIENTS];
	int64_t drain_until = 0;
	bool pty_open = true;

	for (;;) {
		size_t n = 0, nc;
		int timeout = -1;
		int64_t now = kk_now_ms();

		if (t->exited) {
			bool behind = false;

			/* what the workload wrote last is still in the PTY */
			if (!drain_until) {
				if (pty_open && pty_read(t) < 0)
					pty_open = false;
				drain_until = now + DRAIN_MS;
			}
			/* done once every client has the whole capture (or time is up) */
			for (size_t i = 0; i < t->n_clients; i++)
				behind |= t->clients[i].pos < t->cap_size;
			if (!behind || now >= drain_until)
				return;
		}
		pfd[n++] = (struct pollfd){ .fd = t->sig_fd, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = t->listen_fd, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = pty_open ? t->master : -1,
					    .events = (short)(POLLIN | (t->in_len ? POLLOUT : 0)) };
		for (size_t i = 0; i < t->n_conns; i++)
			pfd[n++] = (struct pollfd){ .fd = t->conns[i].fd, .events = POLLIN };
		nc = t->n_conns;
		for (size_t i = 0; i < t->n_clients; i++) {
			struct client *c = &t->clients[i];
			short ev = 0;

			if (t->in_len < IN_MAX)
				ev |= POLLIN;
			if (c->pos < t->cap_size)
				ev |= POLLOUT;
			pfd[n++] = (struct pollfd){ .fd = c->fd, .events = ev };
			if (c->close_at) {
				int64_t left = c->close_at - now;

				timeout = left <= 0 ? 0
						    : (timeout < 0 || left < timeout ? (int)left
										     : timeout);
			}
		}
		if (t->exited)
			timeout = timeout < 0 || timeout > 50 ? 50 : timeout;
		if (poll(pfd, n, timeout) < 0 && errno != EINTR)
			return;
		if (pfd[0].revents)
			on_signal(t);
		if (pfd[1].revents)
			accept_conns(t);
		if (pfd[2].revents & (POLLIN | POLLHUP | POLLERR))
			if (pty_read(t) < 0)
				pty_open = false;
		if (pty_open && (pfd[2].revents & POLLOUT))
			pty_write(t);
		/* control connections: walk backwards, a drop moves the last one here */
		for (size_t i = nc; i-- > 0;)
			if (pfd[3 + i].revents && conn_read(t, &t->conns[i]) < 0)
				conn_drop(t, i);
		now = kk_now_ms();
		for (size_t i = t->n_clients; i-- > 0;) {
			struct client *c = &t->clients[i];
			short re = i < n - 3 - nc ? pfd[3 + nc + i].revents : 0;
			bool drop = false;

			if (re & POLLIN)
				drop = client_read(t, c) < 0;
			else if (re & (POLLHUP | POLLERR))
				drop = true;
			if (!drop)
				drop = client_flush(t, c) < 0;
			if (!drop && c->close_at && now >= c->close_at)
				drop = true;
			if (drop)
				client_drop(t, i);
		}
		if (pty_open && t->in_len)
			pty_write(t);
	}
}

static int setup(struct tty *t, const char *config, struct kk_err *err)
{
	cleanup_free char *text = NULL;
	cleanup_free char *what = kk_xasprintf("config %s", config);
	size_t len = 0;
	sigset_t mask, old;

	if (kk_read_file_max(config, CONFIG_MAX, &text, &len, err) < 0)
		return kk_err_wrap(err, "read config %s", config);
	if (kk_tty_doc_decode(text, len, what, &t->doc, err) < 0)
		return -1;
	if (listen_socket(t, err) < 0 || open_files(t, err) < 0)
		return -1;
	sigemptyset(&mask);
	for (int s = 1; s < 32; s++)
		if (s != SIGKILL && s != SIGSTOP && s != SIGSEGV && s != SIGBUS && s != SIGFPE &&
		    s != SIGILL && s != SIGTSTP && s != SIGTTIN && s != SIGTTOU && s != SIGWINCH &&
		    s != SIGPIPE)
			sigaddset(&mask, s);
	signal(SIGPIPE, SIG_IGN);
	sigprocmask(SIG_BLOCK, &mask, &old);
	t->sig_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (t->sig_fd < 0)
		return kk_err_sys(err, "signalfd");
	t->state = KK_TTY_STARTING;
	if (start_workload(t, &old, err) < 0)
		return -1;
	logf_(t, "started `%s` as pid %d", t->doc.command, (int)t->child);
	/* a test knob: a terminal that never gets past Starting (kuke attach's readiness wait) */
	if (kk_fault("kuketty:setup", err) < 0) {
		logf_(t, "%s: the terminal stays Starting", err->msg);
		kk_err_clear(err);
		return 0;
	}
	setup_stages(t);
	return 0;
}

static void tty_close(struct tty *t)
{
	while (t->n_clients)
		client_drop(t, t->n_clients - 1);
	while (t->n_conns)
		conn_drop(t, t->n_conns - 1);
	if (t->listen_fd >= 0) {
		close(t->listen_fd);
		if (t->doc.socket_io)
			unlink(t->doc.socket_io);
	}
	kk_closep(&t->master);
	kk_closep(&t->sig_fd);
	kk_closep(&t->cap_w);
	kk_closep(&t->cap_r);
	kk_closep(&t->log_fd);
	kk_logidx_writer_close(&t->idx);
	kk_tty_doc_clear(&t->doc);
}

int kuketty_main(int argc, char **argv)
{
	const char *config = KK_TTY_CONFIG_PATH;
	struct tty *t;
	struct kk_err err = { 0 };
	int rc;

	if (applet_std_flags(argc, argv, "kuketty", usage_text))
		return 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 || strcmp(argv[i], "-config") == 0) {
			if (i + 1 == argc) {
				fprintf(stderr, "kuketty: flag needs an argument: -config\n");
				return EXIT_USAGE;
			}
			config = argv[++i];
		} else if (strncmp(argv[i], "--config=", 9) == 0) {
			config = argv[i] + 9;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "kuketty: flag provided but not defined: %s\n", argv[i]);
			return EXIT_USAGE;
		} else {
			fprintf(stderr, "kuketty: unexpected positional argument(s): %s\n",
				argv[i]);
			return EXIT_USAGE;
		}
	}
	t = kk_xcalloc(1, sizeof(*t));
	t->listen_fd = t->master = t->sig_fd = t->cap_w = t->cap_r = t->log_fd = -1;
	t->idx.fd = -1;
	if (setup(t, config, &err) < 0) {
		fprintf(stderr, "kuketty: %s\n", err.msg);
		rc = EXIT_INTERNAL;
		if (t->child > 0) {
			kill(-t->child, SIGKILL);
			waitpid(t->child, NULL, 0);
		}
	} else {
		serve(t);
		rc = t->exited ? t->status : EXIT_INTERNAL;
	}
	tty_close(t);
	free(t);
	return rc;
}
