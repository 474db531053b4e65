/* common/runtime/cell_start.c - create and start a cell: its cgroup, the managed /etc files, the
 * root task with the other members' records made beside it, the network and the other
 * members' tasks brought up beside the root's start, the ports. */
#include "common/runtime/cell_internal.h"

#include <pthread.h>
#include <string.h>

#include "common/cgroup/cgroup.h"
#include "common/cgroup/delegate.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/strv.h"
#include "ctr/ctr.h"

/* A CNI ADD run on its own thread: plugins and files only, no containerd. */
struct cni_job {
	const struct kk_rt *rt;
	const struct kk_cni_conflist *net;
	const struct kk_cni_attachment *att;
	struct kk_cni_result *res;
	struct kk_err err;
	int rc;
};

static void *cni_job_run(void *arg)
{
	struct cni_job *j = arg;

	j->rc = kk_cni_add(j->rt->cni, j->net, j->att, &j->res, &j->err);
	return NULL;
}

/* Work on the other members (m[1..n-1]) beside the root's: fn for each, at once
 * (kk_rtcell_each), on a thread of their own with a sibling connection; the first failure
 * in member order at the join. */
typedef int side_fn(const struct kk_rt *rt, struct member *m, void *ctx, struct kk_err *err);

struct side {
	struct kk_rt rt; /* the caller's, on a sibling connection */
	struct cell_ctx *x;
	side_fn *fn;
	void *ctx;
	struct kk_err *errs; /* per member, m[i + 1] at i */
	int *rcs;
	pthread_t th;
	bool begun, threaded, joined;
};

static void side_one(const struct kk_rt *rt, size_t i, void *arg)
{
	struct side *s = arg;

	s->rcs[i] = s->fn(rt, &s->x->m[i + 1], s->ctx, &s->errs[i]);
}

static void *side_run(void *arg)
{
	struct side *s = arg;

	kk_rtcell_each(&s->rt, s->x->n - 1, side_one, s);
	return NULL;
}

static void side_begin(struct side *s, const struct kk_rt *rt, struct cell_ctx *x, side_fn *fn,
		       void *ctx)
{
	s->x = x;
	s->fn = fn;
	s->ctx = ctx;
	s->begun = true;
	if (x->n < 2)
		return;
	s->errs = kk_xcalloc(x->n - 1, sizeof(*s->errs));
	s->rcs = kk_xcalloc(x->n - 1, sizeof(*s->rcs));
	s->rt = *rt;
	s->rt.conn = ctr_conn_sibling(rt->conn);
	s->threaded = pthread_create(&s->th, NULL, side_run, s) == 0;
	if (!s->threaded)
		side_run(s);
}

static int side_join(struct side *s, struct kk_err *err)
{
	int ret = 0;

	if (!s->begun || s->joined)
		return 0;
	s->joined = true;
	if (s->x->n < 2)
		return 0;
	if (s->threaded)
		pthread_join(s->th, NULL);
	ctr_disconnect(s->rt.conn);
	for (size_t i = 0; ret == 0 && i < s->x->n - 1; i++)
		if (s->rcs[i] < 0) {
			*err = s->errs[i];
			ret = -1;
		}
	free(s->errs);
	free(s->rcs);
	return ret;
}

/* The cell's network, begun as soon as the root task's namespaces exist (between its
 * creation and its start) and brought up while the other containers' tasks are being
 * created: the ADD runs on its own thread (plugins and files, no containerd), and the first
 * task about to start waits for it here (net_gate), then the cell IP goes into /etc/hosts
 * and the ports are published. So no container process but the root runs before the
 * network is up, and runc's task creation and the plugins' time overlap. */
struct net_up {
	const struct kk_rt *rt;
	const struct kk_rt_cell *cell;
	const struct cell_ctx *x;
	const struct kk_cni_conflist *net;
	const struct kk_netpolicy_port *ports;
	size_t n_ports;
	struct cni_job job;
	char netns[64];
	struct kk_cni_attachment att;
	struct kk_cni_result *res; /* owned: the ADD's, or the cached one */
	char ip[INET_ADDRSTRLEN];
	uint32_t root_pid; /* the root task whose namespace it is */
	pthread_t th;
	pthread_mutex_t lock; /* net_gate: the members start at once */
	bool begun, threaded, joined, added, published, done;
	int rc;
	struct kk_err err;
};

/* Begin the network of root task pid: the cached result when this task already has one
 * (started: a new task, whose cache entry can only be an earlier one's: forgotten), else
 * an ADD on its own thread. */
static int net_begin(struct net_up *n, uint32_t pid, bool started, struct kk_err *err)
{
	const struct kk_rt *rt = n->rt;
	const char *root_id = n->x->m[0].id;
	struct kk_err ignored = { 0 };
	int cached;

	n->begun = true;
	n->root_pid = pid;
	snprintf(n->netns, sizeof(n->netns), "/proc/%u/ns/net", pid);
	n->att = (struct kk_cni_attachment){ root_id, n->netns, KK_RTCELL_IFNAME, NULL };
	cached = kk_cni_cached_result(rt->cni, kk_cni_conflist_name(n->net), root_id,
				      KK_RTCELL_IFNAME, &n->res, started ? &ignored : err);
	if (cached < 0 && !started)
		return -1;
	if (cached != 0 && started) {
		/* the attachment of an earlier root task (or an unreadable entry) would make
		 * ADD fail: forget it, its address and NAT chain too */
		kk_log_ignored(rt->log, &ignored, "cached CNI result of `%s`", root_id);
		kk_cni_result_free(n->res);
		n->res = NULL;
		kk_cni_purge(rt->cni, n->net, root_id, &ignored);
		kk_log_ignored(rt->log, &ignored, "CNI purge of `%s`", root_id);
	}
	n->job = (struct cni_job){ rt, n->net, &n->att, NULL, { 0 }, 0 };
	if (!n->res) {
		n->threaded = pthread_create(&n->th, NULL, cni_job_run, &n->job) == 0;
		if (!n->threaded)
			cni_job_run(&n->job);
	}
	return 0;
}

static void net_join(struct net_up *n)
{
	if (n->threaded && !n->joined)
		pthread_join(n->th, NULL);
	n->joined = true;
	if (n->job.res) {
		n->res = n->job.res;
		n->job.res = NULL;
		n->added = true;
	}
}

static int net_gate_locked(struct net_up *n, struct kk_err *err)
{
	struct kk_netpolicy_cell pc = kk_rtcell_np(n->cell);

	if (n->done)
		goto out;
	n->done = true;
	net_join(n);
	n->rc = -1;
	if (n->job.rc < 0) {
		n->err = n->job.err;
	} else if (kk_cni_result_ipv4(n->res, KK_RTCELL_IFNAME, n->ip, sizeof(n->ip), &n->err) <
		   0) {
		kk_err_wrap(&n->err, "network `%s`", kk_cni_conflist_name(n->net));
	} else if (kk_rtcell_write_hosts(n->cell, n->x, n->ip, &n->err) == 0 &&
		   (!n->n_ports || kk_netpolicy_ports_publish(n->rt->cni, &pc, n->ip, n->ports,
							      n->n_ports, &n->err) == 0)) {
		n->published = n->n_ports > 0;
		n->rc = 0;
	}
out:
	if (n->rc < 0)
		*err = n->err;
	return n->rc;
}

static int net_gate(void *arg, uint32_t pid, struct kk_err *err)
{
	struct net_up *n = arg;
	int rc;

	(void)pid;
	pthread_mutex_lock(&n->lock);
	rc = net_gate_locked(n, err);
	pthread_mutex_unlock(&n->lock);
	return rc;
}

/* A cell's start in flight. */
struct start {
	const struct kk_rt *rt;
	const struct kk_rt_cell *cell;
	struct cell_ctx *x;
	struct net_up up;
	struct side prep;    /* the other members' records, made beside the root's */
	struct side members; /* their tasks, created beside the root's start */
	uint32_t root_pid;
	bool root_started; /* a new root task: the members' old tasks sit in a dead netns */
	bool gated;        /* the root's gate ran */
};

static int prep_member(const struct kk_rt *rt, struct member *m, void *ctx, struct kk_err *err)
{
	(void)ctx;
	return m->existed ? 0 : kk_rt_container_create(rt, &m->c, &m->made, err);
}

/* A member's task, joined to the root's namespaces, started once the network is up. */
static int start_member(const struct kk_rt *rt, struct member *m, void *ctx, struct kk_err *err)
{
	struct start *s = ctx;
	/* a record this create made (prep_member) has no task yet */
	uint32_t old = m->existed ? kk_rtcell_running_pid(rt, m->id) : 0, pid = 0;

	/* a task left running by a root that has been replaced sits in a dead netns */
	if (old && s->root_started) {
		if (kk_rt_container_stop(rt, m->id, s->cell->stop_timeout_ms, err) < 0)
			return -1;
		old = 0;
	}
	m->c.record = m->existed ? KK_RT_RECORD_UNKNOWN : KK_RT_RECORD_FRESH;
	m->c.made = &m->made;
	if (kk_rt_container_start_gated(rt, &m->c, s->root_pid, s->up.net ? net_gate : NULL, &s->up,
					&pid, err) < 0)
		return -1;
	m->started = pid != old;
	return 0;
}

/* The root's namespaces exist (its task is created, not yet started): the other members are
 * prepared by then (over before the crash point, so a crash leaves no half-made record);
 * the network begins, and the members' tasks are created beside the root's start. */
static int root_ready(struct start *s, uint32_t pid, bool started, struct kk_err *err)
{
	if (side_join(&s->prep, err) < 0 || kk_rt_step(s->rt, "cell-create:root-task", err) < 0)
		return -1;
	if (s->up.net && net_begin(&s->up, pid, started, err) < 0)
		return -1;
	s->root_pid = pid;
	s->root_started = started;
	side_begin(&s->members, s->rt, s->x, start_member, s);
	return 0;
}

static int root_gate(void *arg, uint32_t pid, struct kk_err *err)
{
	struct start *s = arg;

	s->gated = true;
	return root_ready(s, pid, true, err);
}

static int cell_start(const struct kk_rt *rt, const struct kk_rt_cell *cell,
		      struct kk_rt_cell_info *info, struct kk_err *err)
{
	cleanup_(kk_cni_conflist_freep) struct kk_cni_conflist *net = NULL;
	struct kk_cgroup_delegation deleg = { 0 };
	char *const want[] = { KK_CGROUP_RESOURCE_CONTROLLERS, NULL };
	cleanup_(kk_strv_freep) char **all = NULL;
	cleanup_free struct kk_netpolicy_port *ports = NULL;
	struct kk_netpolicy_cell pc = kk_rtcell_np(cell);
	struct kk_err ignored = { 0 };
	struct cell_ctx x = { 0 };
	struct start st = { .rt = rt, .cell = cell, .x = &x };
	struct net_up *up = &st.up;
	struct member *root;
	char ip[INET_ADDRSTRLEN] = "";
	bool cg_created = false, etc_created = false;
	uint32_t root_pid = 0, old_root_pid;
	size_t n_ports = 0;
	int r;

	if (kk_rtcell_validate(cell, err) < 0 || kk_rtcell_ports(cell, &ports, &n_ports, err) < 0)
		return -1;
	if (kk_rtcell_ctx_build(cell, &x, err) < 0)
		return -1;
	up->rt = rt;
	up->cell = cell;
	up->x = &x;
	up->ports = ports;
	up->n_ports = n_ports;
	pthread_mutex_init(&up->lock, NULL);
	root = &x.m[0];
	if (!x.host_network && kk_rtcell_load_net(cell, &net, err) < 0)
		goto fail;
	up->net = net;
	if (kk_rtcell_egress_in_place(rt, cell, net, err) < 0)
		goto fail;

	r = kk_cgroup_create(rt->cg, cell->cgroup_path, err);
	if (r < 0)
		goto fail;
	cg_created = r == 1;
	if (kk_rt_step(rt, "cell-create:cgroup", err) < 0)
		goto undo;
	if (cell->nested_cgroup_runtime && kk_cgroup_controllers(rt->cg, "/", &all, err) < 0)
		goto undo;
	if (kk_cgroup_delegate(rt->cg, cell->cgroup_path, cell->nested_cgroup_runtime ? all : want,
			       NULL, &deleg, err) < 0)
		goto undo;
	kk_cgroup_delegation_clear(&deleg);

	if (kk_mkdir_p(cell->cell_dir, 0755, err) < 0)
		goto undo;
	etc_created = access(x.etc_hostname, F_OK) != 0;
	{
		cleanup_free char *hn = kk_xasprintf("%s\n", cell->cell);

		if (kk_rtcell_write_in_place(x.etc_hostname, hn, err) < 0)
			goto undo;
	}
	if (access(x.etc_hosts, F_OK) != 0 && kk_rtcell_write_hosts(cell, &x, NULL, err) < 0)
		goto undo;

	for (size_t i = 0; i < x.n; i++)
		x.m[i].existed = kk_rtcell_container_exists(rt, x.m[i].id);

	old_root_pid = root->existed ? kk_rtcell_running_pid(rt, root->id) : 0;
	side_begin(&st.prep, rt, &x, prep_member, NULL);
	root->c.record = root->existed ? KK_RT_RECORD_UNKNOWN : KK_RT_RECORD_ABSENT;
	if (kk_rt_container_start_gated(rt, &root->c, 0, root_gate, &st, &root_pid, err) < 0)
		goto undo;
	root->started = root_pid != old_root_pid;
	/* a root task that was running already: its network is the cached one, or an ADD */
	if (!st.gated && root_ready(&st, root_pid, root->started, err) < 0)
		goto undo;
	if (side_join(&st.members, err) < 0 || (net && net_gate(up, root_pid, err) < 0) ||
	    kk_rt_step(rt, "cell-create:network", err) < 0)
		goto undo;
	memcpy(ip, up->ip, sizeof(ip));
	/* every container's status too, so the first metadata write is complete; the basics
	 * when containerd cannot say */
	if (info && kk_rtcell_status(rt, cell, info, &ignored) < 0) {
		kk_log_ignored(rt->log, &ignored, "status of cell `%s` after its start",
			       kk_str(cell->cell));
		kk_rt_cell_info_clear(info);
		memcpy(info->ip, ip, sizeof(ip));
		info->root_pid = root_pid;
		info->root_id = kk_xstrdup(root->id);
		info->state = KK_CELL_READY;
	}
	if (info)
		info->root_existed = root->existed;
	kk_cni_result_free(up->res);
	pthread_mutex_destroy(&up->lock);
	kk_rtcell_ctx_clear(&x);
	return 0;

undo:
	side_join(&st.prep, &ignored);
	kk_log_ignored(rt->log, &ignored, "undo: the containers prepared beside the root");
	side_join(&st.members, &ignored);
	kk_log_ignored(rt->log, &ignored, "undo: the containers started beside the root");
	net_join(up);
	kk_cni_result_free(up->res);
	kk_cni_result_free(up->job.res);
	if (up->published) {
		kk_netpolicy_ports_unpublish(rt->cni, &pc, &ignored);
		kk_log_ignored(rt->log, &ignored, "undo: unpublish the ports of cell `%s`",
			       kk_str(cell->cell));
	}
	if (up->added)
		kk_rtcell_cni_release(rt, net, root->id, up->root_pid);
	for (size_t i = x.n; i-- > 0;) {
		struct member *m = &x.m[i];

		if (!m->existed)
			kk_rt_container_delete(rt, m->id, &ignored);
		else if (m->started)
			kk_rt_container_stop(rt, m->id, 1, &ignored);
		kk_log_ignored(rt->log, &ignored, "undo: %s container `%s`",
			       m->existed ? "stop" : "delete", m->id);
	}
	if (etc_created) {
		unlink(x.etc_hostname);
		unlink(x.etc_hosts);
	}
	if (cg_created) {
		kk_cgroup_remove(rt->cg, cell->cgroup_path, KK_RTCELL_CGROUP_REMOVE_TIMEOUT_MS,
				 &ignored);
		kk_log_ignored(rt->log, &ignored, "undo: remove cgroup `%s`", cell->cgroup_path);
	}
fail:
	pthread_mutex_destroy(&up->lock);
	kk_rtcell_ctx_clear(&x);
	return -1;
}

int kk_rt_cell_start(const struct kk_rt *rt, const struct kk_rt_cell *cell,
		     struct kk_rt_cell_info *info, struct kk_err *err)
{
	if (cell_start(rt, cell, info, err) < 0)
		return kk_err_wrap(err, "cell `%s`", kk_str(cell->cell));
	return 0;
}
