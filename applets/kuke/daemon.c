/* applets/kuke/daemon.c - kuke daemon start|stop|kill|restart|reset|logs (runtime
 * reference §3.9, CLI reference §3.14): the kukeond cell made by `kuke init`, driven
 * in-process on this host whatever --host says (the daemon cannot stop itself). */
#include "applets/kuke/kuke.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "applets/kuke/client.h"
#include "common/cgroup/kill.h"
#include "common/cleanup.h"
#include "common/controller/bootstrap.h"
#include "common/controller/cell.h"
#include "common/controller/ops.h"
#include "common/env.h"
#include "common/fs.h"
#include "common/gostr.h"
#include "common/mem.h"
#include "common/path.h"
#include "common/runtime/runtime.h"
#include "kk_config.h"

#define DEFAULT_TIMEOUT_MS 10000
#define KILL_TIMEOUT_MS    10000 /* for the cell's processes to be gone after the kill */

#define WHERE "(cell \"" KK_SYSTEM_CELL "\" in realm \"" KK_SYSTEM_REALM "\")"

static const struct kk_ref kukeond_ref = {
	.realm = KK_SYSTEM_REALM,
	.space = KK_SYSTEM_SPACE,
	.stack = KK_SYSTEM_STACK,
	.name = KK_SYSTEM_CELL,
};

/* 1 running, 0 not, -1 error: running is any container Ready or the cell Ready. */
static int is_running(struct kk_local *l, struct kk_err *err)
{
	struct kk_cell_get_result res = { 0 };
	int running = 0;

	if (kk_ctl_cell_get(l, KK_SYSTEM_REALM, KK_SYSTEM_SPACE, KK_SYSTEM_STACK, KK_SYSTEM_CELL,
			    &res, err) < 0) {
		if (err->code == ENOENT)
			return kk_err_set(err, ENOENT,
					  "kukeon host is not initialized: kukeond cell metadata "
					  "is "
					  "missing; run `kuke init` first");
		return kk_err_wrap(err, "inspect kukeond cell");
	}
	running = res.cell->status.common.state == KK_CELL_READY;
	for (size_t i = 0; i < res.cell->status.n_containers && !running; i++)
		running = res.cell->status.containers[i].state == KK_CONTAINER_READY;
	kk_cell_get_result_clear(&res);
	return running;
}

/* A hung kukeond may hold a store lock that KillCell needs (a reconcile pass holds each
 * realm's lock while it walks it): the cell's processes go first, with one kill of its
 * cgroup, and the kernel drops their locks. KillCell then releases the tasks and records
 * the exits. */
static int kill_processes(struct kk_local *l, struct kk_err *err)
{
	struct kk_cell_get_result res = { 0 };
	const char *group;
	int rc = 0;

	if (kk_ctl_cell_get(l, KK_SYSTEM_REALM, KK_SYSTEM_SPACE, KK_SYSTEM_STACK, KK_SYSTEM_CELL,
			    &res, err) < 0)
		return kk_err_wrap(err, "inspect kukeond cell");
	group = res.cell->status.common.cgroup_path;
	if (group && *group &&
	    (kk_local_cgroup(l, err) < 0 ||
	     kk_cgroup_kill(l->cg, group, KK_CGROUP_KILL_AUTO, KILL_TIMEOUT_MS, err) < 0))
		rc = -1;
	kk_cell_get_result_clear(&res);
	return rc;
}

/* op on the cell; a failure is "<what> kukeond cell<why>: <cause>" */
static int act(struct kk_local *l, enum kk_op_id id, const char *what, const char *why,
	       struct kk_err *err)
{
	struct kk_action_result r = { 0 };

	if (id == KK_OP_KillCell && kill_processes(l, err) < 0)
		return kk_err_wrap(err, "%s kukeond cell%s", what, why);
	if (kk_ops[id].call(l, &kukeond_ref, &r, err) < 0)
		return kk_err_wrap(err, "%s kukeond cell%s", what, why);
	if (!r.done)
		return kk_err_set(err, EIO, "%s kukeond cell: controller reported no change", what);
	return 0;
}

/* --timeout in ms: <= 0 (or unset) is the default 10 s */
static int parse_timeout(const char *s, int64_t *ms, struct kk_err *err)
{
	*ms = 0;
	if (s && kk_go_parse_duration(s, ms, err) < 0)
		return kk_err_set(err, KK_EUSAGE, "invalid argument \"%s\" for \"--timeout\" flag",
				  s);
	if (*ms <= 0)
		*ms = DEFAULT_TIMEOUT_MS;
	return 0;
}

/* StopCell on its own controller (calls on one kk_local must not overlap), in a thread the
 * caller waits for with a deadline */
struct stop_race {
	struct kk_local_opts opts;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool done;
	int rc;
	struct kk_err err;
};

static void *stop_thread(void *arg)
{
	struct stop_race *r = arg;
	struct kk_local *l = NULL;
	struct kk_err err = { 0 };
	int rc = kk_local_new(&r->opts, &l, &err);

	if (rc == 0)
		rc = act(l, KK_OP_StopCell, "stop", "", &err);
	kk_local_free(l);
	pthread_mutex_lock(&r->mu);
	r->rc = rc;
	r->err = err;
	r->done = true;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

/* Stop the running cell, racing StopCell against timeout_ms: when it has not finished by
 * then, KillCell (upstream's escalation). The stop thread is joined either way (after the
 * kill its tasks are gone, so it returns). */
static int stop_or_kill(struct kk_local *l, const struct kk_local_opts *opts, int64_t timeout_ms,
			struct kk_err *err)
{
	struct stop_race r = { .opts = *opts };
	struct timespec deadline;
	char grace[32], why[64];
	pthread_condattr_t ca;
	pthread_t t;
	bool done;
	int rc;

	pthread_mutex_init(&r.mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r.cv, &ca);
	pthread_condattr_destroy(&ca);
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (timeout_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	if ((rc = pthread_create(&t, NULL, stop_thread, &r)) != 0) {
		errno = rc;
		rc = kk_err_sys(err, "stop kukeond cell: start a thread");
		goto out;
	}
	pthread_mutex_lock(&r.mu);
	while (!r.done && pthread_cond_timedwait(&r.cv, &r.mu, &deadline) != ETIMEDOUT)
		;
	done = r.done;
	pthread_mutex_unlock(&r.mu);
	if (done) {
		rc = r.rc;
		if (rc < 0)
			*err = r.err;
		else
			printf("kukeond stopped " WHERE "\n");
	} else {
		kk_go_format_duration(timeout_ms, grace, sizeof(grace));
		snprintf(why, sizeof(why), " after %s grace period expired", grace);
		rc = act(l, KK_OP_KillCell, "kill", why, err);
		if (rc == 0)
			printf("kukeond force-killed after %s grace period expired " WHERE "\n",
			       grace);
	}
	pthread_join(t, NULL);
out:
	pthread_cond_destroy(&r.cv);
	pthread_mutex_destroy(&r.mu);
	return rc;
}

/* Call op on the cell when its running state is `when_running` (start: not running; stop,
 * kill: running) and say `kukeond DONE (...)`, else say `kukeond ALREADY (...)`. Returns 1
 * when it acted, 0 when not. */
static int act_or_say(struct kk_local *l, bool when_running, enum kk_op_id id, const char *verb,
		      const char *done, const char *already, struct kk_err *err)
{
	int running = is_running(l, err);

	if (running < 0)
		return -1;
	if (running != when_running) {
		printf("kukeond %s " WHERE "\n", already);
		return 0;
	}
	if (act(l, id, verb, "", err) < 0)
		return -1;
	printf("kukeond %s " WHERE "\n", done);
	return 1;
}

/* Stop the cell when it runs (stop_or_kill), else say `kukeond <is|was> already stopped`.
 * Returns 1 when it stopped it, 0 when not. */
static int stop_phase(struct kk_local *l, const struct kk_local_opts *opts, int64_t timeout_ms,
		      const char *tense, struct kk_err *err)
{
	int running = is_running(l, err);

	if (running <= 0) {
		if (running == 0)
			printf("kukeond %s already stopped " WHERE "\n", tense);
		return running;
	}
	return stop_or_kill(l, opts, timeout_ms, err) < 0 ? -1 : 1;
}

/* Remove path when present, saying so. */
static int remove_noted(const char *path, struct kk_err *err)
{
	if (unlink(path) == 0) {
		printf("removed %s\n", path);
		return 0;
	}
	if (errno == ENOENT)
		return 0;
	return kk_err_sys(err, "remove `%s`", path);
}

static int reset(struct kk_local *l, const struct kk_local_opts *opts, int64_t timeout_ms,
		 bool purge, struct kk_err *err)
{
	const char *sock = kk_env_or("KUKEOND_SOCKET", NULL);
	cleanup_free char *dir = NULL, *s = NULL, *p = NULL, *sys = NULL;
	struct kk_delete_result del = { 0 };
	int rc;

	dir = kk_path_clean(sock ? sock : CONFIG_DEFAULT_KUKEOND_SOCKET);
	if (strrchr(dir, '/'))
		*strrchr(dir, '/') = '\0';
	rc = stop_phase(l, opts, timeout_ms, "was", err);
	if (rc < 0 && err->code != ENOENT)
		return -1;
	if (rc < 0) {
		kk_err_clear(err);
		printf("kukeond cell already torn down " WHERE "\n");
	} else {
		if (kk_op_cell_delete(l, &kukeond_ref, &del, err) < 0)
			return kk_err_wrap(err, "delete kukeond cell");
		kk_delete_result_clear(&del);
		printf("kukeond cell deleted " WHERE "\n");
	}
	s = kk_path_join(dir, "kukeond.sock");
	p = kk_path_join(dir, "kukeond.pid");
	if (remove_noted(s, err) < 0 || remove_noted(p, err) < 0)
		return -1;
	if (!purge)
		return 0;
	sys = kk_path_join(l->run_path, "data", KK_SYSTEM_REALM);
	if (access(sys, F_OK) == 0) {
		if (kk_rm_rf(sys, err) < 0)
			return -1;
		printf("removed %s\n", sys);
	}
	rc = kk_ctl_forward_chain_remove(l, err);
	if (rc > 0)
		printf("removed iptables chain KUKEON-FORWARD\n");
	return rc < 0 ? -1 : 0;
}

static int logs(struct kuke_ctx *ctx, struct kk_local **l, const struct kuke_flags *f,
		struct kk_err *err)
{
	cleanup_free char *path = NULL;
	struct kuke_flags lf = { 0 };
	char *argv[] = { "log", KK_SYSTEM_CELL, NULL };
	int running = is_running(*l, err);

	if (running < 0)
		return -1;
	if (!running)
		return kk_err_set(err, ESRCH,
				  "kukeond is not running " WHERE "; run `kuke daemon start` to "
				  "bring it up (or `kuke status` to inspect)");
	path = kk_path_join((*l)->run_path, "data", KK_SYSTEM_REALM, KK_SYSTEM_SPACE,
			    KK_SYSTEM_STACK, KK_SYSTEM_CELL, KK_SYSTEM_DAEMON, "log");
	if (access(path, F_OK) < 0)
		return kk_err_set(err, ENOENT, "kukeond has no log file at %s yet " WHERE, path);
	/* the log verb runs its own controller on this run path */
	kk_local_free(*l);
	*l = NULL;
	lf.realm = KK_SYSTEM_REALM;
	lf.space = KK_SYSTEM_SPACE;
	lf.stack = KK_SYSTEM_STACK;
	lf.container = KK_SYSTEM_DAEMON;
	lf.follow = f->follow;
	ctx->no_daemon = true;
	return kuke_log(ctx, 0, &lf, 2, argv, err);
}

int kuke_daemon(struct kuke_ctx *ctx, int arg, const struct kuke_flags *f, int argc, char **argv,
		struct kk_err *err)
{
	cleanup_(kk_local_freep) struct kk_local *l = NULL;
	enum kuke_op op = kuke_arg_op(arg);
	struct kk_local_opts opts;
	int64_t timeout_ms;
	int rc;

	if (argc > 1)
		return kk_err_set(err, KK_EUSAGE, "unknown command \"%s\" for \"kuke daemon %s\"",
				  argv[1], argv[0]);
	if (op == KUKE_OP_DELETE && geteuid() != 0)
		return kk_err_set(err, EPERM,
				  "command must run as root: `kuke daemon reset` writes to "
				  "root-owned paths — re-run with `sudo kuke daemon reset`");
	opts = kuke_local_opts(ctx);
	if (parse_timeout(f->timeout, &timeout_ms, err) < 0 || kk_local_new(&opts, &l, err) < 0)
		return -1;
	switch (op) {
	case KUKE_OP_START:
		rc = act_or_say(l, false, KK_OP_StartCell, "start", "started", "is already running",
				err);
		break;
	case KUKE_OP_STOP:
		rc = stop_phase(l, &opts, timeout_ms, "is", err);
		break;
	case KUKE_OP_KILL:
		rc = act_or_say(l, true, KK_OP_KillCell, "kill", "force-killed",
				"is already stopped", err);
		break;
	case KUKE_OP_NONE: /* restart */
		rc = stop_phase(l, &opts, timeout_ms, "was", err);
		if (rc >= 0)
			rc = act_or_say(l, false, KK_OP_StartCell, "start", "started",
					"is already running", err);
		break;
	case KUKE_OP_DELETE:
		return reset(l, &opts, timeout_ms, f->purge_system, err);
	default:
		return logs(ctx, &l, f, err);
	}
	return rc < 0 ? -1 : 0;
}
