/* tests/unit/test_reconcile.c - the parts of the reconcile pass that need no host: the
 * restart policy table, a released container keeping its recorded exit, Degraded, and a
 * pass over an empty run path. The restarts themselves run against containerd in
 * tests/bats/47-kukeond-reconcile.bats. */
#include "common/controller/reconcile.h"

#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/controller/cell_env.h"
#include "common/mem.h"
#include "common/model/model.h"
#include "common/runtime/runtime.h"
#include "tests/unit/tap.h"

static void policy_table(void)
{
	TAP_OK(!kk_restart_policy_wants(NULL, 3), "no policy: never");
	TAP_OK(!kk_restart_policy_wants("", 3), "empty policy: never");
	TAP_OK(!kk_restart_policy_wants("never", 3), "never");
	TAP_OK(!kk_restart_policy_wants("on-failure", 0), "on-failure, clean exit: no");
	TAP_OK(kk_restart_policy_wants("on-failure", 3), "on-failure, exit 3: yes");
	TAP_OK(kk_restart_policy_wants("always", 0), "always, clean exit: yes");
}

/* A cell root + app (policy) + side, its stored app status as given. */
static struct kk_cell *cell_new(const char *policy, int stored_state, int64_t stored_exit)
{
	static const char *const ids[] = { "root", "app", "side" };
	struct kk_cell *c = kk_xcalloc(1, sizeof(*c));

	c->spec.containers = kk_xcalloc(4, sizeof(*c->spec.containers));
	c->spec.n_containers = 3;
	for (size_t i = 0; i < 3; i++)
		c->spec.containers[i].id = kk_xstrdup(ids[i]);
	c->spec.containers[0].root = true;
	c->spec.containers[1].restart_policy = kk_xstrdup(policy);
	c->status.containers = kk_xcalloc(2, sizeof(*c->status.containers));
	c->status.n_containers = 1;
	c->status.containers[0].name = kk_xstrdup("app");
	c->status.containers[0].id = kk_xstrdup("app");
	c->status.containers[0].state = stored_state;
	c->status.containers[0].exit_code = stored_exit;
	c->status.containers[0].exit_signal = kk_xstrdup(stored_exit == 137 ? "SIGKILL" : "");
	if (stored_state == KK_CONTAINER_STOPPED)
		c->status.containers[0].finish_time = kk_time_from_unix(1700000000, 5);
	return c;
}

/* What the runtime says: the root and side run, app is Stopped with no task left. */
static void info_init(struct kk_rt_cell_info *info, int cell_state)
{
	static const char *const ids[] = { "root", "app", "side" };
	static const int states[] = { KK_CONTAINER_READY, KK_CONTAINER_STOPPED,
				      KK_CONTAINER_READY };

	memset(info, 0, sizeof(*info));
	info->containers = kk_xcalloc(3, sizeof(*info->containers));
	info->n_containers = 3;
	for (size_t i = 0; i < 3; i++) {
		info->containers[i].name = kk_xstrdup(ids[i]);
		info->containers[i].id = kk_xstrdup(ids[i]);
		info->containers[i].state = states[i];
	}
	info->state = cell_state;
}

static void released_container_keeps_its_exit(void)
{
	struct kk_cell *c = cell_new("never", KK_CONTAINER_STOPPED, 137);
	struct kk_rt_cell_info info;

	info_init(&info, KK_CELL_READY);
	kk_cell_status_fill(c, &info, NULL);
	TAP_INT_EQ(c->status.n_containers, 3);
	TAP_INT_EQ(c->status.containers[1].state, KK_CONTAINER_STOPPED);
	TAP_INT_EQ(c->status.containers[1].exit_code, 137);
	TAP_STR_EQ(c->status.containers[1].exit_signal, "SIGKILL");
	TAP_OK(memcmp(&c->status.containers[1].finish_time, &(struct kk_time){ 0 },
		      sizeof(struct kk_time)) != 0 &&
		       c->status.containers[1].finish_time.sec ==
			       kk_time_from_unix(1700000000, 5).sec &&
		       c->status.containers[1].finish_time.nsec == 5,
	       "finish time kept");
	TAP_INT_EQ(c->status.common.state, KK_CELL_DEGRADED);
	TAP_OK(c->status.ready_observed, "Degraded latches readyObserved");
	kk_rt_cell_info_clear(&info);
	kk_cell_free(c);

	/* last seen running: its exit is not known, nothing is made up */
	c = cell_new("never", KK_CONTAINER_READY, 0);
	info_init(&info, KK_CELL_READY);
	kk_cell_status_fill(c, &info, NULL);
	TAP_INT_EQ(c->status.containers[1].exit_code, 0);
	TAP_OK(c->status.containers[1].finish_time.sec == 0, "no finish time invented");
	kk_rt_cell_info_clear(&info);
	kk_cell_free(c);
}

static void degraded_or_ready(void)
{
	struct {
		const char *policy;
		int64_t exit;
		int want;
		const char *what;
	} cases[] = {
		{ "never", 0, KK_CELL_READY, "a finished job (never, exit 0): Ready" },
		{ "on-failure", 0, KK_CELL_READY, "on-failure, exit 0: Ready" },
		{ "never", 3, KK_CELL_DEGRADED, "exit 3: Degraded" },
		{ "always", 0, KK_CELL_DEGRADED, "always, exit 0 (should run): Degraded" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kk_cell *c = cell_new(cases[i].policy, KK_CONTAINER_STOPPED, cases[i].exit);
		struct kk_rt_cell_info info;

		info_init(&info, KK_CELL_READY);
		kk_cell_status_fill(c, &info, NULL);
		TAP_OK(c->status.common.state == cases[i].want, "%s", cases[i].what);
		kk_rt_cell_info_clear(&info);
		kk_cell_free(c);
	}
	{
		struct kk_cell *c = cell_new("always", KK_CONTAINER_STOPPED, 3);
		struct kk_rt_cell_info info;

		info_init(&info, KK_CELL_STOPPED);
		kk_cell_status_fill(c, &info, NULL);
		TAP_INT_EQ(c->status.common.state, KK_CELL_STOPPED);
		TAP_OK(!c->status.ready_observed, "Stopped does not latch readyObserved");
		kk_rt_cell_info_clear(&info);
		kk_cell_free(c);
	}
}

/* Every other container down, app exited by itself (its task still there): Degraded when
 * its policy restarts that exit in a cell seen Ready. */
static void stopped_with_a_restart_pending(void)
{
	struct {
		const char *policy;
		bool seen_ready;
		int want;
		const char *what;
	} cases[] = {
		{ "always", true, KK_CELL_DEGRADED, "always, seen Ready: Degraded" },
		{ "always", false, KK_CELL_STOPPED, "never seen Ready: Stopped" },
		{ "never", true, KK_CELL_STOPPED, "never: Stopped" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kk_cell *c = cell_new(cases[i].policy, KK_CONTAINER_READY, 0);
		struct kk_rt_cell_info info;

		c->status.ready_observed = cases[i].seen_ready;
		info_init(&info, KK_CELL_STOPPED);
		info.root_pid = 42;
		info.containers[2].state = KK_CONTAINER_STOPPED;
		info.containers[1].finish_time = kk_time_from_unix(1700000000, 0);
		info.has_task = kk_xcalloc(3, sizeof(*info.has_task));
		info.has_task[0] = info.has_task[1] = true;
		kk_cell_status_fill(c, &info, NULL);
		TAP_OK(c->status.common.state == cases[i].want, "%s", cases[i].what);
		kk_rt_cell_info_clear(&info);
		kk_cell_free(c);
	}
}

static void pass_over_an_empty_run_path(void)
{
	char dir[] = "/tmp/kk-reconcile-XXXXXX";
	struct kk_local_opts opts = { .run_path = dir, .containerd_socket = "/nonexistent.sock" };
	cleanup_(kk_local_freep) struct kk_local *l = NULL;
	struct kk_reconciler *rec = NULL;
	struct kk_reconcile_result r = { 0 };
	struct kk_err err = { 0 };
	cleanup_free char *cmd = NULL;

	if (!mkdtemp(dir)) {
		TAP_OK(0, "mkdtemp");
		return;
	}
	kk_reconciler_new(&(struct kk_reconcile_opts){ .backoff_ms = 100 }, &rec);
	for (int i = 0; i < 2; i++) {
		if (kk_local_new(&opts, &l, &err) < 0 || kk_ctl_reconcile(l, rec, &r, &err) < 0) {
			TAP_OK(0, "reconcile: %s", err.msg);
		} else {
			TAP_OK(!r.walk.realms_found && !r.walk.errors && r.cells_scanned == 0 &&
				       !r.restarted && !r.deleted,
			       "pass %d: nothing found, nothing done", i + 1);
		}
		kk_reconcile_result_clear(&r);
		kk_local_freep(&l);
	}
	kk_reconciler_free(rec);
	cmd = kk_xasprintf("rm -rf '%s'", dir);
	TAP_OK(system(cmd) == 0, "scratch dir removed");
}

int main(void)
{
	policy_table();
	released_container_keeps_its_exit();
	degraded_or_ready();
	stopped_with_a_restart_pending();
	pass_over_an_empty_run_path();
	return tap_done();
}
