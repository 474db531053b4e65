/* common/runtime/cell.c - a cell on the host: cgroup, root container and its network,
 * the managed /etc files, the other containers joined to the root's namespaces. This file
 * derives a cell into its members, validates it and reads its status; the flows are in
 * cell_start.c, cell_stop.c and cell_member.c (cell_internal.h). */
#include "common/runtime/cell_internal.h"

#include <fcntl.h>
#include <pthread.h>
#include <string.h>

#include "common/cgroup/cgroup.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/model/naming.h"
#include "ctr/ctr.h"

static const char hosts_localhost[] = "127.0.0.1\tlocalhost\n"
				      "::1\tlocalhost ip6-localhost ip6-loopback\n"
				      "fe00::\tip6-localnet\n"
				      "ff00::\tip6-mcastprefix\n"
				      "ff02::1\tip6-allnodes\n"
				      "ff02::2\tip6-allrouters\n";

static char *const infinity_args[] = { (char *)"infinity", NULL };

const char *kk_rtcell_name(const struct kk_rt_cell *cell)
{
	return cell->name ? cell->name : cell->cell;
}

void kk_rtcell_ctx_clear(struct cell_ctx *x)
{
	for (size_t i = 0; i < x->n; i++) {
		free(x->m[i].id);
		free(x->m[i].log);
		kk_labels_clear(&x->m[i].labels);
		kk_rt_made_clear(&x->m[i].made);
	}
	free(x->m);
	free(x->etc_hosts);
	free(x->etc_hostname);
	memset(x, 0, sizeof(*x));
}

/* The index of the root spec in cell->containers, or -1 for the default root. */
static ssize_t root_index(const struct kk_rt_cell *cell)
{
	for (size_t i = 0; i < cell->n_containers; i++) {
		const struct kk_container_spec *s = &cell->containers[i];

		if (cell->root_container_id && *cell->root_container_id
			    ? strcmp(kk_str(s->id), cell->root_container_id) == 0
			    : s->root)
			return (ssize_t)i;
	}
	return -1;
}

int kk_rt_cell_container_id(const struct kk_rt_cell *cell, const struct kk_container_spec *c,
			    char **out, struct kk_err *err)
{
	ssize_t r = root_index(cell);

	if (c->root || (r >= 0 && &cell->containers[r] == c) ||
	    (r < 0 && strcmp(kk_str(c->id), KK_RT_ROOT_ID) == 0))
		return kk_naming_root_containerd_id(cell->space, cell->stack, cell->cell, out, err);
	return kk_naming_containerd_id(cell->space, cell->stack, cell->cell, c->id, out, err);
}

static void member_init(const struct kk_rt_cell *cell, struct cell_ctx *x, struct member *m,
			const struct kk_container_spec *spec, bool root)
{
	m->spec = spec;
	m->c.id = m->id;
	m->c.name = spec->id;
	m->c.spec = spec;
	m->c.defaults = cell->defaults;
	m->c.root = root;
	m->c.hostname = root ? cell->cell : NULL;
	m->c.cell_cgroup = cell->cgroup_path;
	m->c.identity.cell_profile_name = cell->profile;
	m->c.identity.cell_name = cell->cell;
	m->c.identity.container_id = spec->id;
	m->c.identity.realm = cell->realm;
	m->c.identity.space = cell->space;
	m->c.identity.stack = cell->stack;
	m->c.identity.cell_cgroup_path = cell->cgroup_path;
	m->c.etc_hosts = x->host_network ? NULL : x->etc_hosts;
	m->c.etc_hostname = x->etc_hostname;
	if (!root)
		m->log = kk_rt_log_path(cell->cell_dir, spec->id);
	m->c.log_path = m->log;
	if (root)
		kk_labels_root_container(&m->labels, cell->labels, cell->cell, kk_rtcell_name(cell),
					 cell->realm, cell->space, cell->stack);
	else
		kk_labels_container(&m->labels, cell->cell, cell->realm, cell->space, cell->stack);
	m->c.labels = &m->labels;
	m->c.cni_config_path = cell->conflist_path;
	/* one shim process per cell: the members' tasks are served by the root's */
	m->c.shim_group = x->m[0].id;
	m->c.relocate_late = spec == &x->default_root;
	m->c.nested_cgroup_runtime = cell->nested_cgroup_runtime;
}

int kk_rtcell_ctx_build(const struct kk_rt_cell *cell, struct cell_ctx *x, struct kk_err *err)
{
	ssize_t r = root_index(cell);
	bool any_host = false;
	size_t k = 1;

	if (!cell->cell_dir || !*cell->cell_dir) {
		kk_err_set(err, EINVAL, "cell dir: required");
		return -1; /* spelled out: the analyzer cannot see kk_err_set's -1 */
	}
	for (size_t i = 0; i < cell->n_containers; i++)
		any_host |= cell->containers[i].host_network;
	x->etc_hosts = kk_xasprintf("%s/etc-hosts", cell->cell_dir);
	x->etc_hostname = kk_xasprintf("%s/etc-hostname", cell->cell_dir);
	if (r < 0) {
		struct kk_container_spec *d = &x->default_root;

		d->id = (char *)KK_RT_ROOT_ID;
		d->root = true;
		d->image = (char *)(cell->root_image     ? cell->root_image
				    : cell->n_containers ? cell->containers[0].image
							 : NULL);
		d->command = (char *)"sleep";
		d->args.v = (char **)infinity_args;
		d->args.n = 1;
		d->args.set = true;
		d->host_network = any_host;
	}
	x->host_network = r < 0 ? any_host : cell->containers[r].host_network;
	x->n = cell->n_containers + (r < 0 ? 1 : 0);
	x->m = kk_xcalloc(x->n, sizeof(*x->m));
	if (kk_naming_root_containerd_id(cell->space, cell->stack, cell->cell, &x->m[0].id, err) <
	    0)
		goto fail;
	member_init(cell, x, &x->m[0], r < 0 ? &x->default_root : &cell->containers[r], true);
	for (size_t i = 0; i < cell->n_containers; i++) {
		struct member *m;

		if ((ssize_t)i == r)
			continue;
		m = &x->m[k++];
		if (kk_naming_containerd_id(cell->space, cell->stack, cell->cell,
					    cell->containers[i].id, &m->id, err) < 0) {
			kk_err_wrap(err, "containers[%zu]", i);
			goto fail;
		}
		member_init(cell, x, m, &cell->containers[i], false);
	}
	return 0;
fail:
	kk_rtcell_ctx_clear(x);
	return -1;
}

/* The host ports the cell's containers publish (`ports`), parsed; none twice. *out is a new
 * array of *n (NULL if none). */
int kk_rtcell_ports(const struct kk_rt_cell *cell, struct kk_netpolicy_port **out, size_t *n,
		    struct kk_err *err)
{
	struct kk_netpolicy_port *v = NULL;
	size_t k = 0;

	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < cell->n_containers; i++) {
		const struct kk_strv *ports = &cell->containers[i].ports;

		for (size_t j = 0; j < ports->n; j++) {
			struct kk_netpolicy_port p;

			if (kk_netpolicy_port_parse(ports->v[j], &p, err) < 0) {
				free(v);
				return kk_err_wrap(err, "containers[%zu]: ports[%zu]", i, j);
			}
			for (size_t q = 0; q < k; q++)
				if (v[q].host == p.host && v[q].udp == p.udp) {
					free(v);
					return kk_err_set(err, EINVAL,
							  "containers[%zu]: ports[%zu]: host port "
							  "%u/%s is published twice in the cell",
							  i, j, p.host, p.udp ? "udp" : "tcp");
				}
			v = kk_xrealloc(v, (k + 1) * sizeof(*v));
			v[k++] = p;
		}
	}
	*out = v;
	*n = k;
	return 0;
}

struct kk_netpolicy_cell kk_rtcell_np(const struct kk_rt_cell *cell)
{
	return (struct kk_netpolicy_cell){ cell->realm, cell->space, cell->stack, cell->cell };
}

/* Fail closed: a space with an egress policy runs cells only while the policy is in place;
 * if it is not (a flush, a reboot), it is installed again before the cell starts. */
int kk_rtcell_egress_in_place(const struct kk_rt *rt, const struct kk_rt_cell *cell,
			      const struct kk_cni_conflist *net, struct kk_err *err)
{
	struct kk_netpolicy_space sp = { 0 };
	struct kk_err missing = { 0 };

	if (!net || !kk_netpolicy_egress_enforced(cell->egress))
		return 0;
	if (kk_netpolicy_space_from_conflist(net, cell->realm, cell->space, cell->egress, &sp,
					     err) < 0)
		return -1;
	if (kk_netpolicy_space_check(rt->cni, &sp, &missing) == 0)
		return 0;
	if (kk_netpolicy_space_ensure(rt->cni, &sp, err) < 0)
		return kk_err_wrap(err, "%s; installing it", missing.msg);
	return 0;
}

int kk_rtcell_validate(const struct kk_rt_cell *cell, struct kk_err *err)
{
	cleanup_free struct kk_netpolicy_port *ports = NULL;
	size_t n_ports = 0;
	cleanup_free char *roots = NULL;
	size_t n_roots = 0;
	struct cell_ctx x = { 0 };
	int ret = 0;

	if (kk_name_validate("realm", cell->realm, NULL, err) < 0 ||
	    kk_name_validate("space", cell->space, NULL, err) < 0 ||
	    kk_name_validate("stack", cell->stack, NULL, err) < 0 ||
	    kk_name_validate("cell", cell->cell, NULL, err) < 0)
		return -1;
	for (size_t i = 0; i < cell->n_containers; i++) {
		const struct kk_container_spec *s = &cell->containers[i];

		if (kk_name_validate("container", s->id, NULL, err) < 0)
			return kk_err_wrap(err, "containers[%zu]", i);
		for (size_t j = 0; j < i; j++)
			if (strcmp(s->id, cell->containers[j].id) == 0)
				return kk_err_set(err, EINVAL,
						  "containers[%zu]: duplicate container id `%s` "
						  "(also containers[%zu])",
						  i, s->id, j);
		if (s->root) {
			char *nr =
				kk_xasprintf("%s%s%s", roots ? roots : "", roots ? " " : "", s->id);

			free(roots);
			roots = nr;
			n_roots++;
		}
	}
	if (n_roots > 1)
		return kk_err_set(err, EINVAL,
				  "only one container in a cell may have root: true: [%s]", roots);
	if (kk_rtcell_ports(cell, &ports, &n_ports, err) < 0)
		return -1;
	if (cell->root_container_id && *cell->root_container_id) {
		ssize_t r = root_index(cell);

		if (r < 0)
			return kk_err_set(err, EINVAL,
					  "rootContainerId \"%s\" not found in containers array",
					  cell->root_container_id);
		if (n_roots == 1 && !cell->containers[r].root)
			return kk_err_set(err, EINVAL,
					  "rootContainerId disagrees with container marked root: "
					  "true: rootContainerId \"%s\", root: true on [%s]",
					  cell->root_container_id, roots);
	}
	if (kk_rtcell_ctx_build(cell, &x, err) < 0)
		return -1;
	if (!x.m[0].spec->image || !*x.m[0].spec->image)
		ret = kk_err_set(err, EINVAL,
				 "root container: no image (the cell has no container to take it "
				 "from and no root image was given)");
	if (x.host_network && !x.m[0].spec->host_network)
		ret = kk_err_set(err, EINVAL,
				 "explicit rootContainerId must have hostNetwork: true when any "
				 "cell container has hostNetwork: true: rootContainerId \"%s\"",
				 x.m[0].spec->id);
	for (size_t i = 0; ret == 0 && i < x.n; i++)
		ret = kk_rt_container_validate(&x.m[i].c, err);
	kk_rtcell_ctx_clear(&x);
	return ret;
}

int kk_rt_cell_validate(const struct kk_rt_cell *cell, struct kk_err *err)
{
	if (kk_rtcell_validate(cell, err) < 0)
		return kk_err_wrap(err, "cell `%s`", kk_str(cell->cell));
	return 0;
}

/* Write in place (not rename): the file is bind-mounted into running containers. */
int kk_rtcell_write_in_place(const char *path, const char *text, struct kk_err *err)
{
	cleanup_close int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		return kk_err_sys(err, "open `%s`", path);
	if (kk_write_all(fd, text, strlen(text)) < 0)
		return kk_err_sys(err, "write `%s`", path);
	return 0;
}

int kk_rtcell_write_hosts(const struct kk_rt_cell *cell, const struct cell_ctx *x, const char *ip,
			  struct kk_err *err)
{
	cleanup_free char *text = NULL;

	if (ip && *ip) {
		if (strcmp(kk_rtcell_name(cell), cell->cell) != 0)
			text = kk_xasprintf("%s%s\t%s %s\n", hosts_localhost, ip, cell->cell,
					    kk_rtcell_name(cell));
		else
			text = kk_xasprintf("%s%s\t%s\n", hosts_localhost, ip, cell->cell);
	} else {
		text = kk_xstrdup(hosts_localhost);
	}
	return kk_rtcell_write_in_place(x->etc_hosts, text, err);
}

int kk_rtcell_load_net(const struct kk_rt_cell *cell, struct kk_cni_conflist **net,
		       struct kk_err *err)
{
	*net = NULL;
	if (!cell->conflist_path || !*cell->conflist_path)
		return 0;
	return kk_cni_conflist_load(cell->conflist_path, net, err);
}

/* The root task's pid if it runs, else 0. */
uint32_t kk_rtcell_running_pid(const struct kk_rt *rt, const char *id)
{
	struct ctr_process p = { 0 };
	struct kk_err ignored = { 0 };
	uint32_t pid = 0;

	if (ctr_task_get(rt->conn, id, &p, &ignored) == 0 && p.status == CTR_TASK_RUNNING)
		pid = p.pid;
	if (ignored.code != ENOENT) /* no task: not running, nothing was lost */
		kk_log_ignored(rt->log, &ignored, "task `%s`: taken as not running", id);
	ctr_process_clear(&p);
	return pid;
}

bool kk_rtcell_container_exists(const struct kk_rt *rt, const char *id)
{
	struct ctr_container c = { 0 };
	struct kk_err ignored = { 0 };
	bool found = ctr_container_get(rt->conn, id, &c, &ignored) == 0;

	if (ignored.code != ENOENT)
		kk_log_ignored(rt->log, &ignored, "container `%s`: taken as absent", id);
	ctr_container_clear(&c);
	return found;
}

/* CNI DEL of the root while its netns lives; when that cannot run or fails, forget whatever
 * is left (cache entry, IP reservation, NAT chain) even with the netns gone. A DEL that
 * succeeded left nothing: its plugins released the address and kk_cni_del dropped the
 * cache entry and NAT chain. */
void kk_rtcell_cni_release(const struct kk_rt *rt, const struct kk_cni_conflist *net,
			   const char *root_id, uint32_t root_pid)
{
	struct kk_err ignored = { 0 };

	if (!net)
		return;
	if (root_pid) {
		char netns[64];
		struct kk_cni_attachment att = { root_id, netns, KK_RTCELL_IFNAME, NULL };

		snprintf(netns, sizeof(netns), "/proc/%u/ns/net", root_pid);
		if (kk_cni_del(rt->cni, net, &att, &ignored) == 0)
			return;
		kk_log_ignored(rt->log, &ignored, "CNI DEL of `%s` (purging instead)", root_id);
	}
	kk_cni_purge(rt->cni, net, root_id, &ignored);
	kk_log_ignored(rt->log, &ignored, "CNI purge of `%s`", root_id);
}

/* After every task of the cell is gone (its netns with them): for kukeon's own conflist,
 * release the address and the cache entry without running a plugin (no ~100 ms bridge DEL
 * per cell); otherwise, or if the root still runs, the DEL of cni_release. */
void kk_rtcell_cni_release_after(const struct kk_rt *rt, const struct kk_cni_conflist *net,
				 const char *root_id)
{
	uint32_t pid = kk_rtcell_running_pid(rt, root_id);
	struct kk_err ignored = { 0 };

	if (!net)
		return;
	if (pid || kk_cni_release_owned(rt->cni, net, root_id, KK_RTCELL_IFNAME, &ignored) != 1) {
		kk_log_ignored(rt->log, &ignored, "CNI release of `%s` (a DEL instead)", root_id);
		kk_rtcell_cni_release(rt, net, root_id, pid);
	}
}

void kk_rt_cell_info_clear(struct kk_rt_cell_info *info)
{
	for (size_t i = 0; i < info->n_containers; i++)
		kk_container_status_clear(&info->containers[i]);
	free(info->containers);
	free(info->has_task);
	free(info->root_id);
	memset(info, 0, sizeof(*info));
}

/* Keep e as the operation's error if it is the first; a later one is only logged. */
void kk_rtcell_keep_first(const struct kk_rt *rt, struct kk_err *err, struct kk_err *e, int *ret)
{
	if (*ret == 0) {
		*err = *e;
		*ret = -1;
		return;
	}
	kk_log_ignored(rt->log, e, "a further failure (the first is reported)");
}

struct each {
	const struct kk_rt *rt;
	kk_rtcell_each_fn *fn;
	void *arg;
	size_t n, next; /* next: the first i no thread has taken (atomic) */
};

static void each_run(const struct kk_rt *rt, struct each *e)
{
	for (size_t i; (i = __atomic_fetch_add(&e->next, 1, __ATOMIC_RELAXED)) < e->n;)
		e->fn(rt, i, e->arg);
}

static void *each_thread(void *arg)
{
	struct each *e = arg;
	struct kk_rt rt = *e->rt;

	rt.conn = ctr_conn_sibling(e->rt->conn);
	each_run(&rt, e);
	ctr_disconnect(rt.conn);
	return NULL;
}

void kk_rtcell_each(const struct kk_rt *rt, size_t n, kk_rtcell_each_fn *fn, void *arg)
{
	struct each e = { rt, fn, arg, n, 0 };
	pthread_t th[KK_RTCELL_PARALLEL - 1];
	size_t k = 0;

	while (k < n - (n > 0) && k < KK_RTCELL_PARALLEL - 1 &&
	       pthread_create(&th[k], NULL, each_thread, &e) == 0)
		k++;
	each_run(rt, &e);
	while (k > 0)
		pthread_join(th[--k], NULL);
}

static bool active(int state)
{
	return state == KK_CONTAINER_READY || state == KK_CONTAINER_PENDING ||
	       state == KK_CONTAINER_PAUSED || state == KK_CONTAINER_PAUSING;
}

int kk_rtcell_status(const struct kk_rt *rt, const struct kk_rt_cell *cell,
		     struct kk_rt_cell_info *info, struct kk_err *err)
{
	cleanup_(kk_cni_conflist_freep) struct kk_cni_conflist *net = NULL;
	cleanup_(kk_cni_result_freep) struct kk_cni_result *res = NULL;
	struct kk_rt_cell_info out = { 0 };
	struct cell_ctx x = { 0 };
	struct kk_err ignored = { 0 };
	bool any_active = false, any_unknown = false;
	int r;

	if (kk_rtcell_ctx_build(cell, &x, err) < 0)
		return -1;
	out.root_id = kk_xstrdup(x.m[0].id);
	out.containers = kk_xcalloc(x.n, sizeof(*out.containers));
	out.has_task = kk_xcalloc(x.n, sizeof(*out.has_task));
	out.n_containers = x.n;
	for (size_t i = 0; i < x.n; i++) {
		uint32_t pid = 0;

		if (kk_rt_container_status(rt, x.m[i].id, x.m[i].spec->id, &out.containers[i], &pid,
					   &ignored) < 0) {
			out.containers[i].state = KK_CONTAINER_UNKNOWN;
			kk_log_ignored(rt->log, &ignored, "status of container `%s`: unknown",
				       x.m[i].id);
		}
		/* a task that exits by itself is reported with its exit time */
		out.has_task[i] = pid != 0 || out.containers[i].finish_time.sec != 0;
		if (i == 0)
			out.root_pid = pid;
		else {
			any_active |= active(out.containers[i].state);
			any_unknown |= out.containers[i].state == KK_CONTAINER_UNKNOWN;
		}
	}
	if (x.n > 1)
		out.state = any_active    ? KK_CELL_READY
			    : any_unknown ? KK_CELL_UNKNOWN
					  : KK_CELL_STOPPED;
	else
		out.state = active(out.containers[0].state)                   ? KK_CELL_READY
			    : out.containers[0].state == KK_CONTAINER_STOPPED ? KK_CELL_STOPPED
									      : KK_CELL_UNKNOWN;
	r = cell->cgroup_path ? kk_cgroup_exists(rt->cg, cell->cgroup_path, &ignored) : 1;
	if (r != 1)
		out.state = KK_CELL_UNKNOWN;
	kk_log_ignored(rt->log, &ignored, "cgroup of cell `%s`: state unknown", kk_str(cell->cell));
	if (out.root_pid && !x.host_network && kk_rtcell_load_net(cell, &net, &ignored) == 0 &&
	    net &&
	    kk_cni_cached_result(rt->cni, kk_cni_conflist_name(net), x.m[0].id, KK_RTCELL_IFNAME,
				 &res, &ignored) == 1)
		kk_cni_result_ipv4(res, KK_RTCELL_IFNAME, out.ip, sizeof(out.ip), &ignored);
	kk_log_ignored(rt->log, &ignored, "IP address of cell `%s`", kk_str(cell->cell));
	kk_rtcell_ctx_clear(&x);
	kk_rt_cell_info_clear(info);
	*info = out;
	return 0;
}

int kk_rt_cell_status(const struct kk_rt *rt, const struct kk_rt_cell *cell,
		      struct kk_rt_cell_info *info, struct kk_err *err)
{
	if (kk_rtcell_status(rt, cell, info, err) < 0)
		return kk_err_wrap(err, "status of cell `%s`", kk_str(cell->cell));
	return 0;
}
