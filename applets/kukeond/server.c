/* applets/kukeond/server.c - the socket, one thread per connection, and shutdown.
 *
 * Each connection is served by its own thread with its own controller (struct kk_local):
 * calls on one connection are answered in order, connections run side by side, and the
 * store's locks keep two writers of one object apart, as they do between processes. A
 * connection that sends something that is not JSON, or a message over the limit, is
 * closed; everyone else goes on being served. */
#include "applets/kukeond/kukeond.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "applets/applets.h"
#include "common/cleanup.h"
#include "common/clock.h"
#include "common/controller/controller.h"
#include "common/fs.h"
#include "common/mem.h"
#include "common/rpc/server.h"
#include "common/sock.h"
#include "common/rpc/wire.h"
#include "common/store/instance.h"

/* in-flight calls get this long to finish after SIGTERM */
#define SHUTDOWN_GRACE_MS 10000
#define CONN_STACK        (1u << 20)
/* enough for the lists of a few thousand objects; the RSS budget is 8 MiB idle */
#define REPLY_CACHE_BYTES (2u << 20)

struct conn {
	struct server *srv;
	int fd;
	struct conn *prev, *next;
};

struct server {
	struct kukeond *d;
	pthread_mutex_t mu;
	pthread_cond_t idle;
	struct conn *conns;
	size_t n_conns;
	struct kk_rpc_cache *cache; /* replies of the calls that only read the store */
};

static void conn_unlink(struct conn *c)
{
	struct server *s = c->srv;

	pthread_mutex_lock(&s->mu);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	if (--s->n_conns == 0)
		pthread_cond_broadcast(&s->idle);
	pthread_mutex_unlock(&s->mu);
}

/* recv() that also collects descriptors passed with the bytes (LoadImage's tarball);
 * past the queue's room they are closed. */
static ssize_t recv_fds(int fd, char *buf, size_t size, struct kk_wire_fds *q)
{
	union {
		char b[CMSG_SPACE(sizeof(int) * 8)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = size };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = ctl.b,
			     .msg_controllen = sizeof(ctl.b) };
	ssize_t n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);

	if (n < 0)
		return n;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		size_t k;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int got;

			memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (q->n < ARRAY_SIZE(q->v))
				q->v[q->n++] = got;
			else
				close(got);
		}
	}
	return n;
}

/* Serve requests until EOF or a protocol error; the replies go back in order. */
static void conn_serve(struct conn *c, struct kk_local *l)
{
	const struct kk_log *log = &c->srv->d->log;
	size_t max = c->srv->d->cfg.max_request;
	struct kk_wire_fds fds = { .n = 0 };
	struct kk_wire_scanner scan = { 0 };
	size_t len = 0, cap = 65536;
	char *buf = kk_xmalloc(cap);

	for (;;) {
		long end = kk_wire_scan_more(&scan, buf, len);

		if (end < 0) {
			kk_log(log, KK_LOG_WARN,
			       "closing a connection that sent something not JSON");
			break;
		}
		if (end > 0) {
			cleanup_free char *reply = NULL;
			cleanup_free char *method = NULL;
			struct kk_err err = { 0 };
			int rc = kk_rpc_serve_message(c->srv->cache, l, buf, (size_t)end, &fds,
						      &reply, &method, &err);

			memmove(buf, buf + end, len - (size_t)end);
			len -= (size_t)end;
			if (rc < 0) {
				kk_log(log, KK_LOG_WARN, "closing a connection after a bad request",
				       "error", err.msg);
				break;
			}
			kk_log(log, KK_LOG_DEBUG, "rpc", "method", method);
			if (kk_sock_send_all(c->fd, reply, strlen(reply), -1, &err) < 0) {
				/* the client went away; its call was done anyway */
				kk_log_ignored(log, &err, "send the reply to `%s`",
					       method ? method : "");
				break;
			}
			continue;
		}
		if (len >= max) {
			char n[32];

			snprintf(n, sizeof(n), "%zu", max);
			kk_log(log, KK_LOG_WARN, "closing a connection whose request is too large",
			       "limit", n);
			break;
		}
		if (cap - len < 65536) {
			cap *= 2;
			if (cap > max + 65536)
				cap = max + 65536;
			buf = kk_xrealloc(buf, cap);
		}
		{
			ssize_t n = recv_fds(c->fd, buf + len, cap - len, &fds);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			len += (size_t)n;
		}
		/* an idle connection does not keep a large buffer */
		if (len == 0 && cap > 65536) {
			cap = 65536;
			buf = kk_xrealloc(buf, cap);
		}
	}
	kk_wire_fds_close(&fds);
	free(buf);
}

static void *conn_thread(void *arg)
{
	struct conn *c = arg;
	struct kk_local *l = NULL;
	struct kk_err err = { 0 };

	if (kk_local_new(&c->srv->d->opts, &l, &err) < 0)
		kk_log(&c->srv->d->log, KK_LOG_ERROR, "controller", "error", err.msg);
	else
		conn_serve(c, l);
	kk_local_free(l);
	close(c->fd);
	conn_unlink(c);
	free(c);
	return NULL;
}

static void conn_start(struct server *s, int fd)
{
	struct conn *c = kk_xcalloc(1, sizeof(*c));
	pthread_attr_t attr;
	pthread_t t;

	c->srv = s;
	c->fd = fd;
	pthread_mutex_lock(&s->mu);
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	s->n_conns++;
	pthread_mutex_unlock(&s->mu);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, CONN_STACK);
	if (pthread_create(&t, &attr, conn_thread, c) != 0) {
		kk_log(&s->d->log, KK_LOG_ERROR, "cannot start a connection thread");
		close(fd);
		conn_unlink(c);
		free(c);
	}
	pthread_attr_destroy(&attr);
}

/* Stop reading from every connection; wait (bounded) for the calls in flight. */
static void conns_drain(struct server *s)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += SHUTDOWN_GRACE_MS / 1000;
	pthread_mutex_lock(&s->mu);
	for (struct conn *c = s->conns; c; c = c->next)
		shutdown(c->fd, SHUT_RD);
	while (s->n_conns > 0)
		if (pthread_cond_timedwait(&s->idle, &s->mu, &until) == ETIMEDOUT)
			break;
	if (s->n_conns)
		kk_log(&s->d->log, KK_LOG_WARN, "exiting with calls still in flight");
	pthread_mutex_unlock(&s->mu);
}

static char *pid_path(const char *socket)
{
	cleanup_free char *dir = kk_xstrdup(socket);
	char *slash = strrchr(dir, '/');

	if (slash)
		*slash = '\0';
	return kk_xasprintf("%s/kukeond.pid", slash ? dir : ".");
}

static int listen_on(const struct kukeond_config *cfg, const struct kk_log *log, int *out,
		     struct kk_err *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	cleanup_free char *dir = kk_xstrdup(cfg->socket);
	char *slash = strrchr(dir, '/');
	int fd;

	if (strlen(cfg->socket) >= sizeof(sa.sun_path))
		return kk_err_set(err, ENAMETOOLONG, "socket path `%s` is too long", cfg->socket);
	if (slash && slash != dir) {
		*slash = '\0';
		if (kk_mkdir_p(dir, 0755, err) < 0)
			return kk_err_wrap(err, "socket directory");
	}
	if (unlink(cfg->socket) < 0 && errno != ENOENT)
		return kk_err_sys(err, "remove stale socket `%s`", cfg->socket);
	strcpy(sa.sun_path, cfg->socket);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return kk_err_sys(err, "socket");
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, SOMAXCONN) < 0) {
		kk_err_sys(err, "listen on `%s`", cfg->socket);
		close(fd);
		return -1;
	}
	if (cfg->socket_gid > 0 && chown(cfg->socket, 0, cfg->socket_gid) < 0)
		kk_log(log, KK_LOG_WARN, "could not give the socket to its group", "socket",
		       cfg->socket, "error", strerror(errno));
	if (chmod(cfg->socket, cfg->socket_gid > 0 ? 0660 : 0600) < 0) {
		kk_err_sys(err, "chmod `%s`", cfg->socket);
		close(fd);
		unlink(cfg->socket);
		return -1;
	}
	*out = fd;
	return 0;
}

static int write_pid(const char *path, struct kk_err *err)
{
	char text[32];
	int n = snprintf(text, sizeof(text), "%d\n", (int)getpid());

	return kk_write_atomic(path, ".kukeond-pid-", text, (size_t)n, 0644, err);
}

void kukeond_status_save(struct kukeond *d)
{
	struct kk_err err = { 0 };

	if (kk_daemon_status_write(d->cfg.run_path, &d->status, &err) < 0)
		kk_log(&d->log, KK_LOG_WARN, "status record not written", "error", err.msg);
}

static void status_start(struct kukeond *d)
{
	pthread_mutex_lock(&d->status_mu);
	d->status.pid = getpid();
	d->status.version = kk_xstrdup(kk_version);
	d->status.socket = kk_xstrdup(d->cfg.socket);
	d->status.started_ms = kk_wall_ms();
	d->status.reconcile_ms = d->cfg.reconcile_ms;
	kukeond_status_save(d);
	pthread_mutex_unlock(&d->status_mu);
}

int kukeond_serve(struct kukeond *d, struct kk_err *err)
{
	struct server s = { .d = d };
	struct kukeond_reconciler *rec = NULL;
	cleanup_free char *pidfile = pid_path(d->cfg.socket);
	struct kk_local *l = NULL;
	sigset_t mask;
	int lfd = -1, sfd = -1, rc = -1;

	/* Block the stop signals before any thread exists (grpc starts its own): every thread
	 * inherits the mask, and only the signalfd below sees them. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* a thread per connection: without a bound glibc gives new threads new arenas and
	 * the RSS of a daemon that runs for months creeps up */
	mallopt(M_ARENA_MAX, 2);
	/* one grpc library reference for the daemon's life, not one per connection */
	kk_runtime_hold();
	if (kk_local_new(&d->opts, &l, err) < 0) {
		kk_err_wrap(err, "configure runtime");
		goto out;
	}
	if (kk_instance_verify_or_write(l->store, l->ns_suffix, l->cgroup_root, err) < 0)
		goto out;
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0) {
		kk_err_sys(err, "signalfd");
		goto out;
	}
	if (listen_on(&d->cfg, &d->log, &lfd, err) < 0)
		goto out;
	if (write_pid(pidfile, err) < 0)
		goto out;
	pthread_mutex_init(&s.mu, NULL);
	pthread_cond_init(&s.idle, NULL);
	s.cache = kk_rpc_cache_new(REPLY_CACHE_BYTES);
	kk_log(&d->log, KK_LOG_INFO, "kukeond listening", "socket", d->cfg.socket);
	status_start(d);
	if (d->cfg.reconcile_ms > 0 && kukeond_reconcile_start(d, &rec, err) < 0)
		goto stop;
	for (;;) {
		struct pollfd p[2] = { { .fd = lfd, .events = POLLIN },
				       { .fd = sfd, .events = POLLIN } };

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			kk_err_sys(err, "poll");
			goto stop;
		}
		if (p[1].revents) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si))
				kk_log(&d->log, KK_LOG_INFO, "shutting down", "signal",
				       strsignal((int)si.ssi_signo));
			break;
		}
		if (p[0].revents & POLLIN) {
			int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

			if (cfd >= 0)
				conn_start(&s, cfd);
			else if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED)
				kk_log(&d->log, KK_LOG_WARN, "accept", "error", strerror(errno));
		}
	}
	rc = 0;
stop:
	kukeond_reconcile_stop(rec);
	close(lfd);
	lfd = -1;
	conns_drain(&s);
	unlink(d->cfg.socket);
	unlink(pidfile);
	kk_daemon_status_remove(d->cfg.run_path);
	if (s.n_conns) /* threads still run: leave what they use to the exit */
		return rc;
	pthread_mutex_destroy(&s.mu);
	pthread_cond_destroy(&s.idle);
	kk_rpc_cache_free(s.cache);
out:
	if (lfd >= 0)
		close(lfd);
	if (sfd >= 0)
		close(sfd);
	kk_local_free(l);
	kk_runtime_release();
	return rc;
}
