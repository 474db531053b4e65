/* common/runtime/cell_member.c - one container of a running cell: start (joining the root's
 * namespaces, its ports published), stop, kill, delete, release. */
#include "common/runtime/cell_internal.h"

#include <string.h>

#include "common/cleanup.h"

/* ---- one container of a cell ------------------------------------------------------------ */

enum member_op { OP_START, OP_STOP, OP_KILL, OP_DELETE, OP_RELEASE };

/* A container with `ports` joining a running cell: the cell's ports (its own included) are
 * published again to the cell IP before its process starts. */
struct member_ports {
	const struct kk_rt *rt;
	const struct kk_rt_cell *cell;
	const char *root_id;
};

static int member_ports_gate(void *arg, uint32_t pid, struct kk_err *err)
{
	const struct member_ports *mp = arg;
	cleanup_(kk_cni_conflist_freep) struct kk_cni_conflist *net = NULL;
	cleanup_(kk_cni_result_freep) struct kk_cni_result *res = NULL;
	cleanup_free struct kk_netpolicy_port *ports = NULL;
	struct kk_netpolicy_cell pc = kk_rtcell_np(mp->cell);
	char ip[INET_ADDRSTRLEN];
	size_t n = 0;

	(void)pid;
	if (kk_rtcell_ports(mp->cell, &ports, &n, err) < 0 ||
	    kk_rtcell_load_net(mp->cell, &net, err) < 0)
		return -1;
	if (!net || !n)
		return 0;
	if (kk_cni_cached_result(mp->rt->cni, kk_cni_conflist_name(net), mp->root_id,
				 KK_RTCELL_IFNAME, &res, err) < 0)
		return -1;
	if (!res || kk_cni_result_ipv4(res, KK_RTCELL_IFNAME, ip, sizeof(ip), err) < 0)
		return kk_err_set(err, ENOENT, "ports: the cell has no IP to publish them to");
	return kk_netpolicy_ports_publish(mp->rt->cni, &pc, ip, ports, n, err);
}

static int member_op(const struct kk_rt *rt, const struct kk_rt_cell *cell, const char *name,
		     enum member_op op, int signal, uint32_t *pid, struct kk_err *err)
{
	static const char *const verbs[] = { "started", "stopped", "killed", "deleted",
					     "released" };
	static const char *const cmds[] = { "start", "stop", "kill", "delete", "release" };
	struct cell_ctx x = { 0 };
	struct member *m = NULL;
	uint32_t root_pid;
	int ret = -1;

	if (kk_rtcell_ctx_build(cell, &x, err) < 0)
		return -1;
	for (size_t i = 0; i < x.n && !m; i++)
		if (strcmp(kk_str(x.m[i].spec->id), name) == 0)
			m = &x.m[i];
	if (!m) {
		kk_err_set(err, ENOENT, "container `%s` not found in cell", name);
		goto out;
	}
	if (m == &x.m[0]) {
		kk_err_set(err, EINVAL,
			   "root container cannot be %s directly, %s the cell instead using "
			   "'kuke %s cell %s'",
			   verbs[op], cmds[op], cmds[op], cell->cell);
		goto out;
	}
	switch (op) {
	case OP_START:
		root_pid = kk_rtcell_running_pid(rt, x.m[0].id);
		if (!root_pid) {
			kk_err_set(err, ESRCH,
				   "root container \"%s\" has no running task, start the cell "
				   "first using 'kuke start cell %s'",
				   x.m[0].id, cell->cell);
			goto out;
		}
		ret = kk_rt_container_start_gated(rt, &m->c, root_pid,
						  m->spec->ports.n ? member_ports_gate : NULL,
						  &(struct member_ports){ rt, cell, x.m[0].id },
						  pid, err);
		break;
	case OP_STOP:
		ret = kk_rt_container_stop(rt, m->id, cell->stop_timeout_ms, err);
		break;
	case OP_KILL:
		ret = kk_rt_container_kill(rt, m->id, signal, err);
		break;
	case OP_DELETE:
		ret = kk_rt_container_delete(rt, m->id, err);
		break;
	case OP_RELEASE:
		ret = kk_rt_container_release(rt, m->id, err);
		break;
	}
out:
	kk_rtcell_ctx_clear(&x);
	if (ret < 0)
		kk_err_wrap(err, "cell `%s`", kk_str(cell->cell));
	return ret;
}

int kk_rt_cell_container_start(const struct kk_rt *rt, const struct kk_rt_cell *cell,
			       const char *name, uint32_t *pid, struct kk_err *err)
{
	return member_op(rt, cell, name, OP_START, 0, pid, err);
}

int kk_rt_cell_container_stop(const struct kk_rt *rt, const struct kk_rt_cell *cell,
			      const char *name, struct kk_err *err)
{
	return member_op(rt, cell, name, OP_STOP, 0, NULL, err);
}

int kk_rt_cell_container_kill(const struct kk_rt *rt, const struct kk_rt_cell *cell,
			      const char *name, int signal, struct kk_err *err)
{
	return member_op(rt, cell, name, OP_KILL, signal, NULL, err);
}

int kk_rt_cell_container_delete(const struct kk_rt *rt, const struct kk_rt_cell *cell,
				const char *name, struct kk_err *err)
{
	return member_op(rt, cell, name, OP_DELETE, 0, NULL, err);
}

int kk_rt_cell_container_release(const struct kk_rt *rt, const struct kk_rt_cell *cell,
				 const char *name, struct kk_err *err)
{
	return member_op(rt, cell, name, OP_RELEASE, 0, NULL, err);
}
