/* common/runtime/cell_start.c - create and start a cell: its cgroup, the managed /etc files, the
 * root task, the network brought up beside the other members' task creation, the ports. */
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

/* The cell's network, brought up while the other containers' tasks are being created:
 * the ADD runs on its own thread (plugins and files, no containerd), and the first task
 * about to start waits for it here (net_gate), then the cell IP goes into /etc/hosts and
 * the ports are published. So no container process runs before the network is up, and
 * runc's task creation and the plugins' time overlap. */
struct net_up {
	const struct kk_rt_cell *cell;
	const struct cell_ctx *x;
	const struct kk_netpolicy_port *ports;
	size_t n_ports;
	struct cni_job job;
	char netns[64];
	struct kk_cni_attachment att;
	struct kk_cni_result *res; /* owned: the ADD's, or the cached one */
	char ip[INET_ADDRSTRLEN];
	pthread_t th;
	bool threaded, joined, added, published, done;
	int rc;
	struct kk_err err;
};

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

static int net_gate(void *arg, struct kk_err *err)
{
	struct net_up *n = arg;
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
		kk_err_wrap(&n->err, "network `%s`", kk_cni_conflist_name(n->job.net));
	} else if (kk_rtcell_write_hosts(n->cell, n->x, n->ip, &n->err) == 0 &&
		   (!n->n_ports || kk_netpolicy_ports_publish(n->job.rt->cni, &pc, n->ip, n->ports,
							      n->n_ports, &n->err) == 0)) {
		n->published = n->n_ports > 0;
		n->rc = 0;
	}
out:
	if (n->rc < 0)
		*err = n->err;
	return n->rc;
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
	struct net_up up = { 0 };
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
	up.cell = cell;
	up.x = &x;
	up.ports = ports;
	up.n_ports = n_ports;
	root = &x.m[0];
	if (!x.host_network && kk_rtcell_load_net(cell, &net, err) < 0)
		goto fail;
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

	old_root_pid = kk_rtcell_running_pid(rt, root->id);
	if (kk_rt_container_start(rt, &root->c, 0, &root_pid, err) < 0)
		goto undo;
	root->started = root_pid != old_root_pid;
	if (kk_rt_step(rt, "cell-create:root-task", err) < 0)
		goto undo;

	if (net) {
		int cached;

		snprintf(up.netns, sizeof(up.netns), "/proc/%u/ns/net", root_pid);
		up.att = (struct kk_cni_attachment){ root->id, up.netns, KK_RTCELL_IFNAME, NULL };
		cached = kk_cni_cached_result(rt->cni, kk_cni_conflist_name(net), root->id,
					      KK_RTCELL_IFNAME, &up.res,
					      root->started ? &ignored : err);
		if (cached < 0 && !root->started)
			goto undo;
		if (cached != 0 && root->started) {
			/* the attachment of an earlier root task (or an unreadable entry) would
			 * make ADD fail: forget it, its address and NAT chain too */
			kk_log_ignored(rt->log, &ignored, "cached CNI result of `%s`", root->id);
			kk_cni_result_free(up.res);
			up.res = NULL;
			kk_cni_purge(rt->cni, net, root->id, &ignored);
			kk_log_ignored(rt->log, &ignored, "CNI purge of `%s`", root->id);
		}
		up.job = (struct cni_job){ rt, net, &up.att, NULL, { 0 }, 0 };
		if (!up.res) {
			up.threaded =
				x.n > 1 && pthread_create(&up.th, NULL, cni_job_run, &up.job) == 0;
			if (!up.threaded)
				cni_job_run(&up.job);
		}
	}

	for (size_t i = 1; i < x.n; i++) {
		uint32_t old = kk_rtcell_running_pid(rt, x.m[i].id), pid = 0;

		/* a task left running by a root that has been replaced sits in a dead netns */
		if (old && root->started) {
			if (kk_rt_container_stop(rt, x.m[i].id, cell->stop_timeout_ms, err) < 0)
				goto undo;
			old = 0;
		}
		if (kk_rt_container_start_gated(rt, &x.m[i].c, root_pid, net ? net_gate : NULL, &up,
						&pid, err) < 0)
			goto undo;
		x.m[i].started = pid != old;
	}
	if ((net && net_gate(&up, err) < 0) || kk_rt_step(rt, "cell-create:network", err) < 0)
		goto undo;
	memcpy(ip, up.ip, sizeof(ip));
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
	kk_cni_result_free(up.res);
	kk_rtcell_ctx_clear(&x);
	return 0;

undo:
	net_join(&up);
	kk_cni_result_free(up.res);
	kk_cni_result_free(up.job.res);
	if (up.published) {
		kk_netpolicy_ports_unpublish(rt->cni, &pc, &ignored);
		kk_log_ignored(rt->log, &ignored, "undo: unpublish the ports of cell `%s`",
			       kk_str(cell->cell));
	}
	if (up.added)
		kk_rtcell_cni_release(rt, net, root->id, root_pid);
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
