/* applets/kuke/daemon.c - kuke daemon start|stop|kill|restart|reset|logs (runtime
 * reference §3.9, CLI reference §3.14): the kukeond cell made by `kuke init`, driven
 * in-process on this host whatever --host says (the daemon cannot stop itself). */
#include "applets/kuke/kuke.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "applets/kuke/client.h"
#include "common/cleanup.h"
#include "common/controller/bootstrap.h"
#include "common/controller/cell.h"
#include "common/controller/ops.h"
#include "common/fs.h"
#include "common/gostr.h"
#include "common/mem.h"
#include "common/path.h"
#include "common/runtime/runtime.h"
#include "kk_config.h"

#define WHERE "(cell \"" KK_SYSTEM_CELL "\" in realm \"" KK_SYSTEM_REALM "\")"

static const struct kk_ref kukeond_ref = {
	.realm = KK_SYSTEM_REALM,
	.space = KK_SYSTEM_SPACE,
	.stack = KK_SYSTEM_STACK,
	.name = KK_SYSTEM_CELL,
};

static const char *env_nonempty(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

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

static int act(struct kk_local *l, enum kk_op_id id, const char *what, struct kk_err *err)
{
	struct kk_action_result r = { 0 };

	if (kk_ops[id].call(l, &kukeond_ref, &r, err) < 0)
		return kk_err_wrap(err, "%s kukeond cell", what);
	if (!r.done)
		return kk_err_set(err, EIO, "%s kukeond cell: controller reported no change", what);
	return 0;
}

static int parse_timeout(const char *s, struct kk_err *err)
{
	int64_t ms = 0;

	if (s && kk_go_parse_duration(s, &ms, err) < 0)
		return kk_err_set(err, KK_EUSAGE, "invalid argument \"%s\" for \"--timeout\" flag",
				  s);
	return 0;
}

/* Call op on the cell when its running state is `when_running` (start: not running; stop,
 * kill: running) and say `kukeond DONE (...)`, else say `kukeond ALREADY (...)`. Returns 1
 * when it acted, 0 when not. The runtime's stop sends SIGTERM, then SIGKILL after its grace
 * period (docs/compat.md). */
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
	if (act(l, id, verb, err) < 0)
		return -1;
	printf("kukeond %s " WHERE "\n", done);
	return 1;
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

static int reset(struct kuke_ctx *ctx, struct kk_local *l, bool purge, struct kk_err *err)
{
	const char *sock = env_nonempty("KUKEOND_SOCKET");
	cleanup_free char *dir = NULL, *s = NULL, *p = NULL, *sys = NULL;
	struct kk_delete_result del = { 0 };
	int rc;

	(void)ctx;
	dir = kk_path_clean(sock ? sock : CONFIG_DEFAULT_KUKEOND_SOCKET);
	if (strrchr(dir, '/'))
		*strrchr(dir, '/') = '\0';
	rc = act_or_say(l, true, KK_OP_StopCell, "stop", "stopped", "was already stopped", err);
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
	int rc;

	if (argc > 1)
		return kk_err_set(err, KK_EUSAGE, "unknown command \"%s\" for \"kuke daemon %s\"",
				  argv[1], argv[0]);
	if (op == KUKE_OP_DELETE && geteuid() != 0)
		return kk_err_set(err, EPERM,
				  "command must run as root: `kuke daemon reset` writes to "
				  "root-owned paths — re-run with `sudo kuke daemon reset`");
	opts = kuke_local_opts(ctx);
	if (parse_timeout(f->timeout, err) < 0 || kk_local_new(&opts, &l, err) < 0)
		return -1;
	switch (op) {
	case KUKE_OP_START:
		rc = act_or_say(l, false, KK_OP_StartCell, "start", "started", "is already running",
				err);
		break;
	case KUKE_OP_STOP:
		rc = act_or_say(l, true, KK_OP_StopCell, "stop", "stopped", "is already stopped",
				err);
		break;
	case KUKE_OP_KILL:
		rc = act_or_say(l, true, KK_OP_KillCell, "kill", "force-killed",
				"is already stopped", err);
		break;
	case KUKE_OP_NONE: /* restart */
		rc = act_or_say(l, true, KK_OP_StopCell, "stop", "stopped", "was already stopped",
				err);
		if (rc >= 0)
			rc = act_or_say(l, false, KK_OP_StartCell, "start", "started",
					"is already running", err);
		break;
	case KUKE_OP_DELETE:
		return reset(ctx, l, f->purge_system, err);
	default:
		return logs(ctx, &l, f, err);
	}
	return rc < 0 ? -1 : 0;
}
