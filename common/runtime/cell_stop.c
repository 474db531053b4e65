/* common/runtime/cell_stop.c - stop, kill, release, delete and purge a cell: every member, the
 * root last, its network, ports and cgroup. */
#include "common/runtime/cell_internal.h"

#include <signal.h>
#include <string.h>

#include "common/cgroup/cgroup.h"
#include "common/cgroup/kill.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/mem.h"
#include "ctr/ctr.h"

/* Take the cell's published ports off the host: when it declares some, or always (purge,
 * whatever the spec says now). A failure is kept in err/ret as the first error. */
static void unpublish(const struct kk_rt *rt, const struct kk_rt_cell *cell, bool always,
		      struct kk_err *err, int *ret)
{
	struct kk_netpolicy_cell pc = kk_rtcell_np(cell);
	struct kk_err e = { 0 };
	bool any = always;

	for (size_t i = 0; !any && i < cell->n_containers; i++)
		any = cell->containers[i].ports.n > 0;
	if (any && kk_netpolicy_ports_unpublish(rt->cni, &pc, &e) < 0) {
		if (always)
			kk_log_ignored(rt->log, &e, "unpublish the ports of cell `%s`",
				       kk_str(cell->cell));
		else
			kk_rtcell_keep_first(rt, err, &e, ret);
	}
}

/* What a stop or a delete works through: the members, the conflist (NULL on the host's
 * network or when it could not be read), the first error kept. */
struct halt {
	struct cell_ctx x;
	struct kk_cni_conflist *net;
	int ret;
	bool late; /* the cell's address goes after the tasks, not before the root's */
};

/* Build h, then unpublish the cell's ports. A conflist that cannot be read is the first
 * error, or only logged for a purge. waits: the tasks are gone before this returns (a stop
 * or a delete, not a kill): kukeon's own conflist then releases the address after them,
 * with no plugin run that would need the root's netns. */
static int halt_begin(const struct kk_rt *rt, const struct kk_rt_cell *cell, bool purge, bool waits,
		      struct halt *h, struct kk_err *err)
{
	struct kk_err e = { 0 };

	if (kk_rtcell_ctx_build(cell, &h->x, err) < 0)
		return -1;
	if (!h->x.host_network && kk_rtcell_load_net(cell, &h->net, &e) < 0) {
		if (purge)
			kk_log_ignored(rt->log, &e, "purge cell `%s`: its network",
				       kk_str(cell->cell));
		else
			kk_rtcell_keep_first(rt, err, &e, &h->ret);
	}
	unpublish(rt, cell, purge, err, &h->ret);
	h->late = waits && h->net && kk_cni_conflist_is_owned(h->net);
	return 0;
}

/* Release the cell's address if this is its turn: before the root's task goes (after:
 * false) or after every task (after: true). */
static void halt_release(const struct kk_rt *rt, const struct halt *h, bool after)
{
	if (after != h->late)
		return;
	if (after)
		kk_rtcell_cni_release_after(rt, h->net, h->x.m[0].id);
	else
		kk_rtcell_cni_release(rt, h->net, h->x.m[0].id,
				      kk_rtcell_running_pid(rt, h->x.m[0].id));
}

/* Release h; the first error kept (0 or -1). */
static int halt_end(struct halt *h)
{
	kk_rtcell_ctx_clear(&h->x);
	kk_cni_conflist_free(h->net);
	return h->ret;
}

/* rc, with a failure's message saying what was done to which cell */
static int cell_done(int rc, const char *verb, const struct kk_rt_cell *cell, struct kk_err *err)
{
	return rc < 0 ? kk_err_wrap(err, "%s cell `%s`", verb, kk_str(cell->cell)) : 0;
}

/* Stop (signal < 0) or kill (signal) every container, non-root first; CNI DEL before the
 * root goes. */
static int cell_halt(const struct kk_rt *rt, const struct kk_rt_cell *cell, int signal,
		     struct kk_err *err)
{
	struct halt h = { .ret = 0 };
	struct kk_err e = { 0 };

	if (halt_begin(rt, cell, false, signal < 0, &h, err) < 0)
		return -1;
	for (size_t i = h.x.n; i-- > 0;) {
		memset(&e, 0, sizeof(e));
		if (i == 0)
			halt_release(rt, &h, false);
		if (signal < 0) {
			if (kk_rt_container_stop(rt, h.x.m[i].id, cell->stop_timeout_ms, &e) < 0)
				kk_rtcell_keep_first(rt, err, &e, &h.ret);
		} else if (kk_rtcell_running_pid(rt, h.x.m[i].id) &&
			   kk_rt_container_kill(rt, h.x.m[i].id, signal, &e) < 0 &&
			   e.code != ENOENT) {
			kk_rtcell_keep_first(rt, err, &e, &h.ret);
		}
	}
	memset(&e, 0, sizeof(e));
	if (signal < 0 && kk_rt_step(rt, "cell-stop:containers", &e) < 0)
		kk_rtcell_keep_first(rt, err, &e, &h.ret);
	/* a killed task is reported stopped a moment later: wait, so its exit can be read */
	for (size_t i = 0; signal >= 0 && i < h.x.n; i++)
		if (kk_rtcell_running_pid(rt, h.x.m[i].id)) {
			ctr_task_wait(rt->conn, h.x.m[i].id, KK_RT_KILL_WAIT_MS, NULL, NULL, &e);
			kk_log_ignored(rt->log, &e, "wait for killed task `%s`", h.x.m[i].id);
		}
	halt_release(rt, &h, true);
	return halt_end(&h);
}

static int cell_release(const struct kk_rt *rt, const struct kk_rt_cell *cell, struct kk_err *err)
{
	struct cell_ctx x = { 0 };
	struct kk_err e = { 0 };
	int ret = 0;

	if (kk_rtcell_ctx_build(cell, &x, err) < 0)
		return -1;
	for (size_t i = x.n; i-- > 0;) {
		memset(&e, 0, sizeof(e));
		if (kk_rt_container_release(rt, x.m[i].id, &e) < 0)
			kk_rtcell_keep_first(rt, err, &e, &ret);
	}
	kk_rtcell_ctx_clear(&x);
	return ret;
}

int kk_rt_cell_release(const struct kk_rt *rt, const struct kk_rt_cell *cell, struct kk_err *err)
{
	return cell_done(cell_release(rt, cell, err), "release", cell, err);
}

int kk_rt_cell_stop(const struct kk_rt *rt, const struct kk_rt_cell *cell, struct kk_err *err)
{
	return cell_done(cell_halt(rt, cell, -1, err), "stop", cell, err);
}

int kk_rt_cell_kill(const struct kk_rt *rt, const struct kk_rt_cell *cell, struct kk_err *err)
{
	return cell_done(cell_halt(rt, cell, SIGKILL, err), "kill", cell, err);
}

/* The members' deletion, each on its own thread (kk_rtcell_each). Their tasks share one
 * shim, which exits once its last task is deleted, and may before it answers a delete
 * beside that one: kk_rt_task_delete takes that answer once the task is gone. */
struct member_del {
	const struct cell_ctx *x;
	bool killed; /* the cell's cgroup was killed: every task has ended or is ending */
	struct kk_err *errs;
	int *rcs;
};

static void member_delete(const struct kk_rt *rt, size_t i, void *arg)
{
	struct member_del *d = arg;
	const char *id = d->x->m[i].id;
	struct kk_err e = { 0 };

	/* the exit of a task ended by the cgroup kill is read first, so that the delete finds
	 * it stopped rather than signalling it again (a runc process per task) */
	if (d->killed)
		ctr_task_wait(rt->conn, id, KK_RT_KILL_WAIT_MS, NULL, NULL, &e);
	else
		ctr_task_kill(rt->conn, id, SIGKILL, true, &e);
	if (e.code != ENOENT) /* no task */
		kk_log_ignored(rt->log, &e, "%s task `%s` before the delete",
			       d->killed ? "wait for the killed" : "kill", id);
	d->rcs[i] = kk_rt_container_delete(rt, id, &d->errs[i]);
}

/* A purge also removes the snapshots under the cell's prefix that have no container
 * record: a create killed while its members were prepared at once leaves one for a member
 * the purge does not know by name (kk_rt_container_delete of an id with no record removes
 * the snapshot and the lease that holds it). */
static void delete_recordless_snapshots(const struct kk_rt *rt, const char *prefix,
					struct kk_err *err, int *ret)
{
	cleanup_free char *filter = kk_xasprintf("name~=\"^%s\"", prefix);
	struct ctr_snapshot *snaps = NULL;
	size_t n = 0, plen = strlen(prefix);
	struct kk_err e = { 0 };

	if (ctr_snapshot_list(rt->conn, kk_rt_snapshotter(rt),
			      (const char *const[]){ filter, NULL }, &snaps, &n, &e) < 0) {
		kk_rtcell_keep_first(rt, err, &e, ret);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const char *key = snaps[i].name;

		if (strncmp(key, prefix, plen) != 0 || snaps[i].kind == CTR_SNAPSHOT_COMMITTED ||
		    kk_rtcell_container_exists(rt, key))
			continue;
		memset(&e, 0, sizeof(e));
		if (kk_rt_container_delete(rt, key, &e) < 0)
			kk_rtcell_keep_first(rt, err, &e, ret);
	}
	ctr_snapshot_list_free(snaps, n);
}

/* Delete every containerd container of the cell: the members, then any container whose id
 * has the cell's prefix or (labels) that carries the cell's labels. */
static int delete_containers(const struct kk_rt *rt, const struct kk_rt_cell *cell,
			     const struct cell_ctx *x, bool by_labels, struct kk_err *err)
{
	cleanup_free char *prefix = NULL, *by_prefix = NULL, *by_label = NULL;
	cleanup_free struct kk_err *errs = kk_xcalloc(x->n, sizeof(*errs));
	cleanup_free int *rcs = kk_xcalloc(x->n, sizeof(*rcs));
	struct member_del d = { x, false, errs, rcs };
	struct ctr_container *list = NULL;
	struct kk_err e = { 0 };
	size_t n = 0, plen;
	int ret = 0;

	/* every task killed at once, by the kernel (the members' cgroups are below the
	 * cell's); where that cannot be done, each member's task is killed by containerd, all
	 * of them together */
	if (rt->cg && cell->cgroup_path && *cell->cgroup_path &&
	    kk_cgroup_exists(rt->cg, cell->cgroup_path, &e) == 1) {
		d.killed = kk_cgroup_kill(rt->cg, cell->cgroup_path, KK_CGROUP_KILL_AUTO,
					  KK_RTCELL_CGROUP_REMOVE_TIMEOUT_MS, &e) == 0;
		kk_log_ignored(rt->log, &e, "kill cgroup `%s` (each task killed instead)",
			       cell->cgroup_path);
	}
	kk_rtcell_each(rt, x->n, member_delete, &d);
	for (size_t i = x->n; i-- > 0;)
		if (rcs[i] < 0)
			kk_rtcell_keep_first(rt, err, &errs[i], &ret);
	prefix = kk_xasprintf("%s_%s_%s_", cell->space, cell->stack, cell->cell);
	plen = strlen(prefix);
	/* containerd picks them (a whole namespace's records, specs included, grows with every
	 * cell); the checks below stay the judge */
	by_prefix = kk_xasprintf("id~=\"^%s\"", prefix);
	by_label = kk_xasprintf("labels.\"kukeon.io/cell\"==\"%s\",labels.\"kukeon.io/space\"=="
				"\"%s\",labels.\"kukeon.io/stack\"==\"%s\"",
				cell->cell, cell->space, cell->stack);
	memset(&e, 0, sizeof(e));
	if (ctr_container_list(rt->conn,
			       (const char *const[]){ by_prefix, by_labels ? by_label : NULL,
						      NULL },
			       &list, &n, &e) < 0) {
		kk_rtcell_keep_first(rt, err, &e, &ret);
		return ret;
	}
	for (size_t i = 0; i < n; i++) {
		const struct ctr_labels *l = &list[i].labels;
		bool mine = strncmp(list[i].id, prefix, plen) == 0;

		if (by_labels && !mine)
			mine = strcmp(kk_str(ctr_labels_get(l, "kukeon.io/cell")), cell->cell) ==
				       0 &&
			       strcmp(kk_str(ctr_labels_get(l, "kukeon.io/space")), cell->space) ==
				       0 &&
			       strcmp(kk_str(ctr_labels_get(l, "kukeon.io/stack")), cell->stack) ==
				       0 &&
			       strcmp(kk_str(ctr_labels_get(l, "kukeon.io/realm")), cell->realm) ==
				       0;
		if (!mine)
			continue;
		memset(&e, 0, sizeof(e));
		if (kk_rt_container_delete(rt, list[i].id, &e) < 0)
			kk_rtcell_keep_first(rt, err, &e, &ret);
	}
	ctr_container_list_free(list, n);
	if (by_labels)
		delete_recordless_snapshots(rt, prefix, err, &ret);
	return ret;
}

static int cell_delete(const struct kk_rt *rt, const struct kk_rt_cell *cell, bool purge,
		       struct kk_err *err)
{
	struct halt h = { .ret = 0 };
	struct kk_err e = { 0 };

	/* upstream's DeleteCell never runs a CNI DEL (docs/compat.md); ours releases the
	 * address too */
	if (halt_begin(rt, cell, purge, true, &h, err) < 0)
		return -1;
	halt_release(rt, &h, false);
	if (delete_containers(rt, cell, &h.x, purge, &e) < 0 ||
	    kk_rt_step(rt, "cell-delete:containers", &e) < 0)
		kk_rtcell_keep_first(rt, err, &e, &h.ret);
	halt_release(rt, &h, true);
	if (h.ret < 0 && !purge)
		goto out;
	/* a create killed while a member's task was being made can leave the cell's shim
	 * holding a container containerd no longer knows (or stuck in that task's create): the
	 * cell's next create would go to it. No task of the cell is left now: end it. */
	if (purge)
		kk_rt_shim_reap(rt, h.x.m[0].id);
	if (purge && cell->cgroup_path) {
		memset(&e, 0, sizeof(e));
		kk_cgroup_kill(rt->cg, cell->cgroup_path, KK_CGROUP_KILL_AUTO,
			       KK_RTCELL_CGROUP_REMOVE_TIMEOUT_MS, &e);
		kk_log_ignored(rt->log, &e, "purge: kill cgroup `%s`", cell->cgroup_path);
	}
	memset(&e, 0, sizeof(e));
	if (cell->cgroup_path &&
	    kk_cgroup_remove(rt->cg, cell->cgroup_path, KK_RTCELL_CGROUP_REMOVE_TIMEOUT_MS, &e) < 0)
		kk_rtcell_keep_first(rt, err, &e, &h.ret);
	unlink(h.x.etc_hosts);
	unlink(h.x.etc_hostname);
out:
	return halt_end(&h);
}

int kk_rt_cell_delete(const struct kk_rt *rt, const struct kk_rt_cell *cell, struct kk_err *err)
{
	return cell_done(cell_delete(rt, cell, false, err), "delete", cell, err);
}

int kk_rt_cell_purge(const struct kk_rt *rt, const struct kk_rt_cell *cell, struct kk_err *err)
{
	return cell_done(cell_delete(rt, cell, true, err), "purge", cell, err);
}
