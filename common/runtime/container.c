/* common/runtime/container.c - one container of a cell: containerd container + snapshot,
 * task start/stop/kill/delete, status. Its OCI spec comes from container_spec.c. */
#include "common/runtime/runtime.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "common/cgroup/cgroup.h"
#include "common/cgroup/delegate.h"
#include "common/cleanup.h"
#include "common/fault.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/json.h"
#include "common/mem.h"
#include "common/strv.h"
#include "common/model/model.h"
#include "common/runtime/attachable.h"
#include "common/runtime/container_internal.h"
#include "ctr/ctr.h"

const char *kk_rt_snapshotter(const struct kk_rt *rt)
{
	return rt->snapshotter ? rt->snapshotter : "overlayfs";
}

/* ---- containerd objects ------------------------------------------------------------------ */

static void lease_expiry(char *buf, size_t size)
{
	time_t t = time(NULL) + 3600;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void secrets_remove(const struct kk_rt *rt, const char *id)
{
	cleanup_free char *dir =
		kk_xasprintf("%s/%s", rt->secrets_dir ? rt->secrets_dir : KK_RT_SECRETS_DIR, id);
	struct kk_err ignored = { 0 };

	kk_rm_rf(dir, &ignored);
	kk_log_ignored(rt->log, &ignored, "remove the staged secrets of `%s`", id);
}

static void labels_to_ctr(const struct kk_labels *in, struct ctr_labels *out)
{
	for (size_t i = 0; in && i < in->n; i++)
		ctr_labels_set(out, in->v[i].key, in->v[i].value);
}

/* the restart labels of a start, the restarts-th restart, now */
static void start_labels(struct ctr_labels *l, long long restarts)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", restarts);
	ctr_labels_set(l, KK_RT_LABEL_RESTARTS, buf);
	snprintf(buf, sizeof(buf), "%lld", (long long)time(NULL));
	ctr_labels_set(l, KK_RT_LABEL_STARTED_AT, buf);
}

/* the lease that holds a new container's snapshot until its record does */
static char *create_lease_id(const char *id)
{
	return kk_xasprintf("kukeon-create-%s", id);
}

/* The lease that held a new container's snapshot until its record did: no longer needed. */
static void create_lease_drop(const struct kk_rt *rt, const char *id)
{
	cleanup_free char *lease_id = create_lease_id(id);
	struct kk_err e = { 0 };

	if (ctr_lease_delete(rt->conn, lease_id, false, &e) < 0 && e.code == ENOENT)
		kk_err_clear(&e);
	kk_log_ignored(rt->log, &e, "container `%s`: delete lease `%s`", id, lease_id);
}

/* Create c's record. made (may be NULL): on success, the record as stored and the mounts of
 * its snapshot, for a start that follows without reading them back; its lease is left for
 * that start to drop (create_lease_drop). */
static int container_create(const struct kk_rt *rt, const struct kk_rt_container *c,
			    struct ctr_container *made, struct ctr_mounts *made_mounts,
			    struct kk_err *err)
{
	cleanup_(kk_json_freep) cJSON *spec = NULL;
	cleanup_free char *text = NULL, *lease_id = NULL, *prev = NULL;
	cleanup_(ctr_image_rootfs_clear) struct ctr_image_rootfs img = { 0 };
	cleanup_(ctr_mounts_clear) struct ctr_mounts mounts = { 0 };
	struct ctr_labels lease_labels = { 0 };
	struct ctr_container rec = { 0 };
	struct kk_err ignored = { 0 }, e = { 0 };
	const char *chain;
	char when[32];
	int r;

	if (kk_rt_container_validate(c, err) < 0 || kk_rtctr_image_rootfs(rt, c, &img, err) < 0)
		return -1;
	chain = img.chain_id;

	/* the new snapshot is held by a lease until the container record references it */
	lease_id = create_lease_id(c->id);
	lease_expiry(when, sizeof(when));
	ctr_labels_set(&lease_labels, "containerd.io/gc.expire", when);
	r = ctr_lease_create(rt->conn, lease_id, &lease_labels, NULL, &e);
	ctr_labels_clear(&lease_labels);
	/* a lease left by a process that died here is reused (and deleted below) */
	if (r < 0 && e.code != EEXIST) {
		*err = e;
		return -1;
	}
	prev = ctr_lease(rt->conn) ? kk_xstrdup(ctr_lease(rt->conn)) : NULL;
	ctr_set_lease(rt->conn, lease_id);
	r = ctr_snapshot_prepare(rt->conn, kk_rt_snapshotter(rt), c->id, chain, NULL, &mounts, &e);
	if (r < 0 && kk_rtctr_snapshots_unwedged(rt, &e)) {
		memset(&e, 0, sizeof(e));
		r = ctr_snapshot_prepare(rt->conn, kk_rt_snapshotter(rt), c->id, chain, NULL,
					 &mounts, &e);
	}
	if (r < 0 && e.code == EEXIST) {
		/* a snapshot without its container: a create that died here; start over */
		memset(&e, 0, sizeof(e));
		if (ctr_snapshot_remove(rt->conn, kk_rt_snapshotter(rt), c->id, &e) == 0)
			r = ctr_snapshot_prepare(rt->conn, kk_rt_snapshotter(rt), c->id, chain,
						 NULL, &mounts, &e);
	}
	if (r < 0) {
		*err = e;
		goto undo_lease;
	}
	if (kk_rt_step(rt, "container-create:snapshot", err) < 0)
		goto undo_snapshot;
	/* the image's /etc/passwd and /etc/group from the snapshot just made: no view of
	 * its own (two containerd writes fewer) */
	if (kk_rtctr_build_spec(rt, c, &img, &mounts, 0, true, &spec, err) < 0)
		goto undo_secrets;
	text = cJSON_PrintUnformatted(spec);
	rec.id = (char *)c->id;
	rec.image = c->spec->image;
	rec.runtime = (char *)CTR_RUNTIME_RUNC_V2;
	rec.spec = text;
	rec.spec_len = strlen(text);
	rec.snapshotter = (char *)kk_rt_snapshotter(rt);
	rec.snapshot_key = (char *)c->id;
	labels_to_ctr(c->labels, &rec.labels);
	start_labels(&rec.labels, 0);
	r = ctr_container_create(rt->conn, &rec, err);
	if (r < 0) {
		ctr_labels_clear(&rec.labels);
		goto undo_secrets;
	}
	if (kk_rt_step(rt, "container-create:container", err) < 0) {
		ctr_labels_clear(&rec.labels);
		kk_rt_container_delete(rt, c->id, &ignored);
		kk_log_ignored(rt->log, &ignored, "undo: delete container `%s`", c->id);
		goto undo_lease;
	}
	ctr_set_lease(rt->conn, prev);
	if (!made) {
		ctr_lease_delete(rt->conn, lease_id, false, &ignored);
		kk_log_ignored(rt->log, &ignored, "delete lease `%s`", lease_id);
		ctr_labels_clear(&rec.labels);
		return 0;
	}
	/* the lease is deleted after the start (create_lease_drop), off its path */
	made->id = kk_xstrdup(c->id);
	made->image = kk_xstrdup(c->spec->image);
	made->runtime = kk_xstrdup(CTR_RUNTIME_RUNC_V2);
	made->spec_len = rec.spec_len;
	made->spec = TAKE_PTR(text);
	made->snapshotter = kk_xstrdup(kk_rt_snapshotter(rt));
	made->snapshot_key = kk_xstrdup(c->id);
	made->labels = rec.labels;
	*made_mounts = mounts;
	mounts = (struct ctr_mounts){ 0 };
	return 0;

undo_secrets:
	secrets_remove(rt, c->id);
undo_snapshot:
	ctr_snapshot_remove(rt->conn, kk_rt_snapshotter(rt), c->id, &ignored);
	kk_log_ignored(rt->log, &ignored, "undo: remove snapshot `%s`", c->id);
undo_lease:
	ctr_set_lease(rt->conn, prev);
	ctr_lease_delete(rt->conn, lease_id, false, &ignored);
	kk_log_ignored(rt->log, &ignored, "undo: delete lease `%s`", lease_id);
	return -1;
}

void kk_rt_made_clear(struct kk_rt_made *made)
{
	if (made->rec)
		ctr_container_clear(made->rec);
	if (made->mounts)
		ctr_mounts_clear(made->mounts);
	free(made->rec);
	free(made->mounts);
	made->rec = NULL;
	made->mounts = NULL;
}

int kk_rt_container_create(const struct kk_rt *rt, const struct kk_rt_container *c,
			   struct kk_rt_made *made, struct kk_err *err)
{
	struct ctr_container *rec = made ? kk_xcalloc(1, sizeof(*rec)) : NULL;
	struct ctr_mounts *mounts = made ? kk_xcalloc(1, sizeof(*mounts)) : NULL;

	if (container_create(rt, c, rec, mounts, err) < 0) {
		free(rec);
		free(mounts);
		return strncmp(err->msg, "container `", 11) == 0
			       ? -1
			       : kk_err_wrap(err, "container `%s`", kk_rtctr_name(c));
	}
	if (made) {
		create_lease_drop(rt, c->id);
		kk_rt_made_clear(made);
		made->rec = rec;
		made->mounts = mounts;
	}
	return 0;
}

/* Point the stored spec at the namespaces of join_pid. */
static int spec_join(const struct kk_rt *rt, struct ctr_container *rec, uint32_t join_pid,
		     struct kk_err *err)
{
	static const char *const paths[] = { "spec", NULL };
	cleanup_(kk_json_freep) cJSON *spec = cJSON_Parse(rec->spec);
	char net[64], ipc[64], uts[64];
	struct kk_oci_ns_paths ns = { net, ipc, uts, NULL };
	char *text;

	if (!spec)
		return kk_err_set(err, EBADMSG, "stored spec is not JSON");
	snprintf(net, sizeof(net), "/proc/%u/ns/net", join_pid);
	snprintf(ipc, sizeof(ipc), "/proc/%u/ns/ipc", join_pid);
	snprintf(uts, sizeof(uts), "/proc/%u/ns/uts", join_pid);
	if (kk_oci_spec_join_namespaces(spec, &ns, err) < 0)
		return -1;
	text = cJSON_PrintUnformatted(spec);
	free(rec->spec);
	rec->spec = text;
	rec->spec_len = strlen(text);
	return ctr_container_update(rt->conn, rec, paths, err);
}

static int64_t label_int(const struct ctr_labels *l, const char *key)
{
	const char *v = ctr_labels_get(l, key);

	return v ? strtoll(v, NULL, 10) : 0;
}

/* nestedCgroupRuntime: every controller the mount root offers, enabled in the task's own
 * cgroup (its processes are in `_payload` by now), so a runtime inside can use them. */
static int delegate_all(const struct kk_rt *rt, const char *group, struct kk_err *err)
{
	cleanup_(kk_strv_freep) char **all = NULL;
	struct kk_cgroup_delegation d = { 0 };

	if (kk_cgroup_controllers(rt->cg, "/", &all, err) < 0 ||
	    kk_cgroup_delegate(rt->cg, group, all, KK_CGROUP_PAYLOAD_LEAF, &d, err) < 0)
		return kk_err_wrap(err, "nestedCgroupRuntime: cgroup `%s`", group);
	kk_cgroup_delegation_clear(&d);
	return 0;
}

/* As upstream: the task's processes move into a `_payload` leaf of its cgroup, so a nested
 * runtime inside may enable controllers there (no internal processes). Before the start
 * unless c->relocate_late: moved after it, a workload that has just put itself in a cgroup
 * of its own would be pulled back into the leaf. */
static int relocate(const struct kk_rt *rt, const struct kk_rt_container *c, struct kk_err *err)
{
	cleanup_free char *group = NULL;
	struct kk_err ignored = { 0 };

	if (!rt->cg || !c->cell_cgroup || !*c->cell_cgroup)
		return 0;
	group = kk_xasprintf("%s/%s", c->cell_cgroup, c->id);
	kk_cgroup_relocate_procs(rt->cg, group, KK_CGROUP_PAYLOAD_LEAF, &ignored);
	kk_log_ignored(rt->log, &ignored, "move the processes of cgroup `%s` to `%s`", group,
		       KK_CGROUP_PAYLOAD_LEAF);
	if (c->nested_cgroup_runtime && delegate_all(rt, group, err) < 0)
		return -1;
	return 0;
}

/* ctr_task_create, with what a containerd restart during an earlier create of the same task
 * can leave: containerd reloads that create's bundle and so knows a task its shim never made
 * (hidden from lists and lookups, and in the way of a create: "already exists"). A task
 * delete drops it (a cell's shim, serving the other members, stays); a shim of that id
 * alone (kk_rt_shim_reap) is ended. Then the create is tried again while containerd cleans
 * up (up to 2 s). */
static int task_create(const struct kk_rt *rt, const char *id, const struct ctr_task_create_opts *o,
		       uint32_t *pid, struct kk_err *err)
{
	struct kk_err e = { 0 }, ignored = { 0 };
	int r = ctr_task_create(rt->conn, id, o, pid, &e);

	if (r < 0 && e.code == EEXIST) {
		ctr_task_delete(rt->conn, id, NULL, &ignored);
		kk_log_ignored(rt->log, &ignored, "delete the lost task `%s`", id);
		kk_rt_shim_reap(rt, id);
		for (int i = 0; i < 40 && r < 0 && e.code == EEXIST; i++) {
			nanosleep(&(struct timespec){ 0, 50 * 1000 * 1000 }, NULL);
			memset(&e, 0, sizeof(e));
			r = ctr_task_create(rt->conn, id, o, pid, &e);
		}
	}
	if (r < 0)
		*err = e;
	return r;
}

static int container_start(const struct kk_rt *rt, const struct kk_rt_container *c,
			   uint32_t join_pid, kk_rt_gate_fn *gate, void *gate_arg,
			   uint32_t *pid_out, struct kk_err *err)
{
	static const char *const label_paths[] = { "labels." KK_RT_LABEL_RESTARTS,
						   "labels." KK_RT_LABEL_STARTED_AT, NULL };
	struct ctr_container rec = { 0 };
	struct ctr_process proc = { 0 };
	struct ctr_mounts mounts = { 0 };
	struct ctr_task_create_opts topts = { 0 };
	struct kk_err e = { 0 }, ignored = { 0 };
	cleanup_free char *log_uri = NULL, *log_dir = NULL;
	bool created = false, restarted = false, made = false;
	uint32_t pid = 0;
	int ret = -1;

	if (c->record == KK_RT_RECORD_FRESH && c->made && c->made->rec && c->made->mounts) {
		/* taken over from the create that made them */
		rec = *c->made->rec;
		mounts = *c->made->mounts;
		*c->made->rec = (struct ctr_container){ 0 };
		*c->made->mounts = (struct ctr_mounts){ 0 };
		kk_rt_made_clear(c->made);
		made = true;
	} else if (c->record == KK_RT_RECORD_ABSENT ||
		   ctr_container_get(rt->conn, c->id, &rec, &e) < 0) {
		if (c->record != KK_RT_RECORD_ABSENT && e.code != ENOENT) {
			*err = e;
			return -1;
		}
		if (container_create(rt, c, &rec, &mounts, err) < 0)
			return -1;
		created = true;
	}
	/* a record just made has no task */
	if (created || c->record == KK_RT_RECORD_FRESH) {
		e.code = ENOENT;
	} else if (ctr_task_get(rt->conn, c->id, &proc, &e) == 0) {
		if (proc.status == CTR_TASK_RUNNING || proc.status == CTR_TASK_PAUSED) {
			if (pid_out)
				*pid_out = proc.pid;
			ret = 0;
			goto out;
		}
		if (kk_rt_task_delete(rt, c->id, err) < 0)
			goto out;
		restarted = true;
	}
	if (e.code != 0 && e.code != ENOENT) {
		*err = e;
		goto out;
	}
	if (join_pid && spec_join(rt, &rec, join_pid, err) < 0)
		goto undo_container;
	if (!created && !made &&
	    ctr_snapshot_mounts(rt->conn, rec.snapshotter, rec.snapshot_key, &mounts, err) < 0)
		goto undo_container;
	topts.rootfs = &mounts;
	if (c->log_path && !kk_rt_attach_wanted(c)) {
		log_dir = kk_xstrdup(c->log_path);
		*strrchr(log_dir, '/') = '\0';
		if ((*log_dir && kk_mkdir_p(log_dir, 0750, err) < 0) ||
		    kk_rt_log_uri(rt, c->log_path, &log_uri, err) < 0)
			goto undo_container;
		topts.stdout_path = log_uri;
		topts.stderr_path = log_uri;
	}
	if (task_create(rt, c->id, &topts, &pid, err) < 0)
		goto undo_container;
	if (kk_rt_step(rt, "container-create:task", err) < 0)
		goto undo_task;
	if (!c->relocate_late && relocate(rt, c, err) < 0)
		goto undo_task;
	/* the gate right before the start: a cell's other members begin in the root's, and
	 * their task creates would hold the shim they share (one create at a time, a start
	 * waiting behind it) if they reached it before this start */
	if (gate && gate(gate_arg, pid, err) < 0)
		goto undo_task;
	if (ctr_task_start(rt->conn, c->id, &pid, err) < 0)
		goto undo_task;
	if (pid == 0) {
		kk_err_set(err, EPROTO, "task started with pid 0");
		goto undo_task;
	}
	if (c->relocate_late && relocate(rt, c, err) < 0)
		goto undo_task;
	/* a record just made has them already (no write on a cell create's critical path) */
	if (!created && c->record != KK_RT_RECORD_FRESH) {
		start_labels(&rec.labels, (long long)label_int(&rec.labels, KK_RT_LABEL_RESTARTS) +
						  (restarted ? 1 : 0));
		/* informative only: a failure here leaves a running task without its
		 * bookkeeping */
		ctr_container_update(rt->conn, &rec, label_paths, &ignored);
		kk_log_ignored(rt->log, &ignored, "record the restart labels of container `%s`",
			       c->id);
	}
	if (created)
		create_lease_drop(rt, c->id);
	if (pid_out)
		*pid_out = pid;
	ret = 0;
	goto out;

undo_task:
	ctr_task_kill(rt->conn, c->id, SIGKILL, true, &ignored);
	kk_log_ignored(rt->log, &ignored, "undo: kill task `%s`", c->id);
	ctr_task_wait(rt->conn, c->id, KK_RT_KILL_WAIT_MS, NULL, NULL, &ignored);
	kk_log_ignored(rt->log, &ignored, "undo: wait for task `%s`", c->id);
	ctr_task_delete(rt->conn, c->id, NULL, &ignored);
	kk_log_ignored(rt->log, &ignored, "undo: delete task `%s`", c->id);
undo_container:
	if (created) {
		kk_rt_container_delete(rt, c->id, &ignored);
		kk_log_ignored(rt->log, &ignored, "undo: delete container `%s`", c->id);
	}
out:
	ctr_mounts_clear(&mounts);
	ctr_process_clear(&proc);
	ctr_container_clear(&rec);
	return ret;
}

int kk_rt_container_start_gated(const struct kk_rt *rt, const struct kk_rt_container *c,
				uint32_t join_pid, kk_rt_gate_fn *gate, void *gate_arg,
				uint32_t *pid, struct kk_err *err)
{
	if (container_start(rt, c, join_pid, gate, gate_arg, pid, err) < 0)
		return strncmp(err->msg, "container `", 11) == 0
			       ? -1
			       : kk_err_wrap(err, "container `%s`", kk_rtctr_name(c));
	return 0;
}

int kk_rt_container_start(const struct kk_rt *rt, const struct kk_rt_container *c,
			  uint32_t join_pid, uint32_t *pid, struct kk_err *err)
{
	return kk_rt_container_start_gated(rt, c, join_pid, NULL, NULL, pid, err);
}

/* The status of id's task: 1 with *status set, 0 when it has none, -1 naming verb. */
static int task_status(const struct kk_rt *rt, const char *id, const char *verb,
		       enum ctr_task_status *status, uint32_t *pid, struct kk_err *err)
{
	struct ctr_process proc = { 0 };
	struct kk_err e = { 0 };

	if (ctr_task_get(rt->conn, id, &proc, &e) < 0) {
		if (e.code == ENOENT)
			return 0;
		*err = e;
		return kk_err_wrap(err, "%s container `%s`", verb, id);
	}
	*status = proc.status;
	if (pid)
		*pid = proc.pid;
	ctr_process_clear(&proc);
	return 1;
}

/* Is SIGTERM lost on pid? It is when pid is the init of its PID namespace (NSpid ends in 1)
 * and has no handler for it: the kernel drops the signal (pid_namespaces(7)), so a grace
 * period after it would only be waited out (a `sleep` as PID 1: every default root). Pids
 * are containerd's, seen in this /proc: kuke and kukeond run in the host PID namespace.
 * Unknown: false. */
static bool sigterm_lost(uint32_t pid)
{
	char path[48], line[256];
	bool init = false, caught = true;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%" PRIu32 "/status", pid);
	f = pid ? fopen(path, "re") : NULL;
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "NSpid:", 6) == 0) {
			const char *last = strrchr(line, '\t');

			init = last && strtoul(last + 1, NULL, 10) == 1;
		} else if (strncmp(line, "SigCgt:", 7) == 0) {
			caught = (strtoull(line + 7, NULL, 16) >> (SIGTERM - 1)) & 1;
		}
	}
	fclose(f);
	return init && !caught;
}

int kk_rt_container_stop(const struct kk_rt *rt, const char *id, int timeout_ms, struct kk_err *err)
{
	enum ctr_task_status st = CTR_TASK_UNKNOWN;
	struct kk_err e = { 0 };
	uint32_t pid = 0;
	bool term = false;
	int r = task_status(rt, id, "stop", &st, &pid, err);

	if (r <= 0)
		return r;
	if (st != CTR_TASK_RUNNING && st != CTR_TASK_PAUSED && st != CTR_TASK_PAUSING)
		return 0;
	if (timeout_ms <= 0)
		timeout_ms = KK_RT_STOP_TIMEOUT_MS;
	if (st == CTR_TASK_RUNNING && sigterm_lost(pid)) {
		/* nothing would end it before the grace period runs out */
		kk_log(rt->log, KK_LOG_DEBUG, "SIGTERM skipped: PID 1 without a handler for it",
		       "container", id);
		goto kill;
	}
	term = true;
	r = ctr_task_kill(rt->conn, id, SIGTERM, false, &e);
	if (r == 0 && kk_rt_step(rt, "container-stop:signal", err) < 0)
		return kk_err_wrap(err, "stop container `%s`", id);
	if (r == 0 && ctr_task_wait(rt->conn, id, timeout_ms, NULL, NULL, &e) == 0)
		return 0;
	if (e.code != ETIMEDOUT && e.code != 0) {
		/* the task may have exited between get and kill */
		struct kk_err e2 = { 0 };

		if (ctr_task_wait(rt->conn, id, 100, NULL, NULL, &e2) == 0)
			return 0;
		kk_log_ignored(rt->log, &e2, "stop container `%s`: wait (SIGKILL next)", id);
	}
	kk_log_ignored(rt->log, &e, "stop container `%s`: SIGTERM (SIGKILL next)", id);
kill:
	if (ctr_task_kill(rt->conn, id, SIGKILL, true, &e) < 0 && e.code != ENOENT) {
		*err = e;
		return kk_err_wrap(err, "stop container `%s`: SIGKILL", id);
	}
	/* the step is the first signal sent: this one when SIGTERM was skipped */
	if (!term && kk_rt_step(rt, "container-stop:signal", err) < 0)
		return kk_err_wrap(err, "stop container `%s`", id);
	if (ctr_task_wait(rt->conn, id, KK_RT_KILL_WAIT_MS, NULL, NULL, &e) < 0)
		return kk_err_set(err, ETIMEDOUT,
				  "stop container `%s`: task is still running after SIGKILL", id);
	return 0;
}

int kk_rt_container_kill(const struct kk_rt *rt, const char *id, int signal, struct kk_err *err)
{
	if (ctr_task_kill(rt->conn, id, signal, true, err) < 0)
		return kk_err_wrap(err, "kill container `%s`", id);
	return 0;
}

int kk_rt_task_delete(const struct kk_rt *rt, const char *id, struct kk_err *err)
{
	struct ctr_process proc = { 0 };
	struct kk_err e = { 0 }, gone = { 0 };

	if (ctr_task_delete(rt->conn, id, NULL, &e) == 0 || e.code == ENOENT)
		return 0;
	if (strstr(e.msg, "ttrpc: closed") && ctr_task_get(rt->conn, id, &proc, &gone) < 0 &&
	    gone.code == ENOENT) {
		kk_log_ignored(rt->log, &e, "delete task `%s` (gone with its shim)", id);
		return 0;
	}
	ctr_process_clear(&proc);
	*err = e;
	return -1;
}

int kk_rt_container_release(const struct kk_rt *rt, const char *id, struct kk_err *err)
{
	enum ctr_task_status st = CTR_TASK_UNKNOWN;
	int r = task_status(rt, id, "release", &st, NULL, err);

	if (r <= 0)
		return r;
	if (st != CTR_TASK_STOPPED && st != CTR_TASK_CREATED)
		return 0;
	if (kk_rt_task_delete(rt, id, err) < 0)
		return kk_err_wrap(err, "release container `%s`: task", id);
	return 0;
}

/* The lease of a create of id killed before it was deleted, and staged secrets. */
static void create_leftovers(const struct kk_rt *rt, const char *id)
{
	create_lease_drop(rt, id);
	secrets_remove(rt, id);
}

/* What a create killed before its container record existed leaves under the id: the
 * snapshot, then what create_leftovers removes. */
static void no_record_leftovers(const struct kk_rt *rt, const char *id)
{
	struct kk_err e = { 0 };

	if (ctr_snapshot_remove(rt->conn, kk_rt_snapshotter(rt), id, &e) < 0 && e.code == ENOENT)
		kk_err_clear(&e);
	kk_log_ignored(rt->log, &e, "delete container `%s`: its snapshot", id);
	create_leftovers(rt, id);
}

int kk_rt_container_delete(const struct kk_rt *rt, const char *id, struct kk_err *err)
{
	struct ctr_process proc = { 0 };
	struct ctr_container rec = { 0 };
	struct kk_err e = { 0 };

	if (ctr_task_get(rt->conn, id, &proc, &e) == 0) {
		if (proc.status != CTR_TASK_STOPPED && proc.status != CTR_TASK_CREATED) {
			ctr_task_kill(rt->conn, id, SIGKILL, true, &e);
			kk_log_ignored(rt->log, &e, "delete container `%s`: kill its task", id);
			ctr_task_wait(rt->conn, id, KK_RT_KILL_WAIT_MS, NULL, NULL, &e);
			kk_log_ignored(rt->log, &e, "delete container `%s`: wait for its task", id);
		}
		ctr_process_clear(&proc);
		if (kk_rt_task_delete(rt, id, err) < 0)
			return kk_err_wrap(err, "delete container `%s`: task", id);
		if (kk_rt_step(rt, "container-delete:task", err) < 0)
			return -1;
	} else if (e.code != ENOENT) {
		*err = e;
		return kk_err_wrap(err, "delete container `%s`", id);
	}
	memset(&e, 0, sizeof(e));
	if (ctr_container_get(rt->conn, id, &rec, &e) < 0) {
		if (e.code != ENOENT) {
			*err = e;
			return kk_err_wrap(err, "delete container `%s`", id);
		}
		no_record_leftovers(rt, id);
		return 0;
	}
	/* the snapshot first, while the record still keeps the garbage collector off it */
	if (rec.snapshot_key && *rec.snapshot_key &&
	    ctr_snapshot_remove(rt->conn,
				*rec.snapshotter ? rec.snapshotter : kk_rt_snapshotter(rt),
				rec.snapshot_key, &e) < 0 &&
	    e.code != ENOENT) {
		ctr_container_clear(&rec);
		*err = e;
		return kk_err_wrap(err, "delete container `%s`: snapshot", id);
	}
	ctr_container_clear(&rec);
	memset(&e, 0, sizeof(e));
	if (ctr_container_delete(rt->conn, id, &e) < 0 && e.code != ENOENT) {
		*err = e;
		return kk_err_wrap(err, "delete container `%s`", id);
	}
	create_leftovers(rt, id);
	return 0;
}

/* ---- status ------------------------------------------------------------------------------ */

/* a containerd task status as a container state */
static const int task_states[] = {
	[CTR_TASK_UNKNOWN] = KK_CONTAINER_UNKNOWN, [CTR_TASK_CREATED] = KK_CONTAINER_PENDING,
	[CTR_TASK_RUNNING] = KK_CONTAINER_READY,   [CTR_TASK_STOPPED] = KK_CONTAINER_STOPPED,
	[CTR_TASK_PAUSED] = KK_CONTAINER_PAUSED,   [CTR_TASK_PAUSING] = KK_CONTAINER_PAUSING,
};

int kk_rt_container_status(const struct kk_rt *rt, const char *id, const char *name,
			   struct kk_container_status *out, uint32_t *pid, struct kk_err *err)
{
	struct ctr_container rec = { 0 };
	struct ctr_process proc = { 0 };
	struct kk_err e = { 0 };
	int64_t started;

	kk_container_status_clear(out);
	out->name = kk_xstrdup(name ? name : id);
	out->id = kk_xstrdup(name ? name : id);
	if (pid)
		*pid = 0;
	if (ctr_container_get(rt->conn, id, &rec, &e) < 0) {
		if (e.code == ENOENT) {
			out->state = KK_CONTAINER_STOPPED;
			return 0;
		}
		*err = e;
		return kk_err_wrap(err, "status of container `%s`", id);
	}
	out->restart_count = label_int(&rec.labels, KK_RT_LABEL_RESTARTS);
	started = label_int(&rec.labels, KK_RT_LABEL_STARTED_AT);
	if (started > 0)
		out->start_time = kk_time_from_unix(started, 0);
	if (out->restart_count > 0 && started > 0)
		out->restart_time = out->start_time;
	ctr_container_clear(&rec);
	if (ctr_task_get(rt->conn, id, &proc, &e) < 0) {
		if (e.code == ENOENT) {
			/* released by stop or kill (or never started): its exit is in metadata */
			out->state = KK_CONTAINER_STOPPED;
			return 0;
		}
		*err = e;
		return kk_err_wrap(err, "status of container `%s`", id);
	}
	out->state = (size_t)proc.status < ARRAY_SIZE(task_states) ? task_states[proc.status]
								   : KK_CONTAINER_UNKNOWN;
	if (proc.status == CTR_TASK_STOPPED) {
		out->exit_code = proc.exit_status;
		if (proc.exited_ns > 0)
			out->finish_time =
				kk_time_from_unix(proc.exited_ns / 1000000000,
						  (int32_t)(proc.exited_ns % 1000000000));
		if (proc.exit_status > 128 && proc.exit_status < 128 + 65) {
			const char *abbrev = sigabbrev_np((int)proc.exit_status - 128);

			if (abbrev)
				out->exit_signal = kk_xasprintf("SIG%s", abbrev);
		}
	} else if (pid && proc.status != CTR_TASK_CREATED) {
		*pid = proc.pid;
	}
	ctr_process_clear(&proc);
	return 0;
}

int kk_rt_step(const struct kk_rt *rt, const char *point, struct kk_err *err)
{
	if (rt->step)
		return rt->step(rt->step_arg, point, err);
	return kk_fault(point, err);
}
