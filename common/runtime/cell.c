/* common/runtime/cell.c - a cell on the host: cgroup, root container and its network,
 * the managed /etc files, the other containers joined to the root's namespaces. */
#include "common/runtime/runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cgroup/cgroup.h"
#include "common/cgroup/delegate.h"
#include "common/cgroup/kill.h"
#include "common/cleanup.h"
#include "common/cni/cni.h"
#include "common/cni/netpolicy.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/model/model.h"
#include "common/model/naming.h"
#include "common/strv.h"
#include "ctr/ctr.h"

#define CGROUP_REMOVE_TIMEOUT_MS 3000
#define IFNAME                   "eth0"

static const char hosts_localhost[] = "127.0.0.1\tlocalhost\n"
				      "::1\tlocalhost ip6-localhost ip6-loopback\n"
				      "fe00::\tip6-localnet\n"
				      "ff00::\tip6-mcastprefix\n"
				      "ff02::1\tip6-allnodes\n"
				      "ff02::2\tip6-allrouters\n";

static char *const infinity_args[] = { (char *)"infinity", NULL };

/* One container of the cell, derived. */
struct member {
	struct kk_rt_container c;
	const struct kk_container_spec *spec;
	char *id;  /* owned: containerd id */
	char *log; /* owned */
	struct kk_labels labels;
	bool existed; /* start: the containerd container was there before this call */
	bool started; /* start: this call started its task */
};

struct cell_ctx {
	struct kk_container_spec default_root; /* strings borrowed */
	struct member *m;                      /* m[0] is the root */
	size_t n;
	char *etc_hosts, *etc_hostname; /* owned */
	bool host_network;              /* the root's */
};

static const char *cell_name(const struct kk_rt_cell *cell)
{
	return cell->name ? cell->name : cell->cell;
}

static void ctx_clear(struct cell_ctx *x)
{
	for (size_t i = 0; i < x->n; i++) {
		free(x->m[i].id);
		free(x->m[i].log);
		kk_labels_clear(&x->m[i].labels);
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
		kk_labels_root_container(&m->labels, cell->labels, cell->cell, cell_name(cell),
					 cell->realm, cell->space, cell->stack);
	else
		kk_labels_container(&m->labels, cell->cell, cell->realm, cell->space, cell->stack);
	m->c.labels = &m->labels;
	m->c.cni_config_path = cell->conflist_path;
	m->c.nested_cgroup_runtime = cell->nested_cgroup_runtime;
}

static int ctx_build(const struct kk_rt_cell *cell, struct cell_ctx *x, struct kk_err *err)
{
	ssize_t r = root_index(cell);
	bool any_host = false;
	size_t k = 1;

	if (!cell->cell_dir || !*cell->cell_dir)
		return kk_err_set(err, EINVAL, "cell dir: required");
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
	ctx_clear(x);
	return -1;
}

/* The host ports the cell's containers publish (`ports`), parsed; none twice. *out is a new
 * array of *n (NULL if none). */
static int cell_ports(const struct kk_rt_cell *cell, struct kk_netpolicy_port **out, size_t *n,
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

static struct kk_netpolicy_cell np_cell(const struct kk_rt_cell *cell)
{
	return (struct kk_netpolicy_cell){ cell->realm, cell->space, cell->stack, cell->cell };
}

/* Fail closed: a space with an egress policy runs cells only while the policy is in place;
 * if it is not (a flush, a reboot), it is installed again before the cell starts. */
static int egress_in_place(const struct kk_rt *rt, const struct kk_rt_cell *cell,
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

static int cell_validate(const struct kk_rt_cell *cell, struct kk_err *err)
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
	if (cell_ports(cell, &ports, &n_ports, err) < 0)
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
	if (ctx_build(cell, &x, err) < 0)
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
	ctx_clear(&x);
	return ret;
}

int kk_rt_cell_validate(const struct kk_rt_cell *cell, struct kk_err *err)
{
	if (cell_validate(cell, err) < 0)
		return kk_err_wrap(err, "cell `%s`", kk_str(cell->cell));
	return 0;
}

/* Write in place (not rename): the file is bind-mounted into running containers. */
static int write_in_place(const char *path, const char *text, struct kk_err *err)
{
	cleanup_close int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t len = strlen(text), off = 0;

	if (fd < 0)
		return kk_err_sys(err, "open `%s`", path);
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return kk_err_sys(err, "write `%s`", path);
		}
		off += (size_t)w;
	}
	return 0;
}

static int write_hosts(const struct kk_rt_cell *cell, const struct cell_ctx *x, const char *ip,
		       struct kk_err *err)
{
	cleanup_free char *text = NULL;

	if (ip && *ip) {
		if (strcmp(cell_name(cell), cell->cell) != 0)
			text = kk_xasprintf("%s%s\t%s %s\n", hosts_localhost, ip, cell->cell,
					    cell_name(cell));
		else
			text = kk_xasprintf("%s%s\t%s\n", hosts_localhost, ip, cell->cell);
	} else {
		text = kk_xstrdup(hosts_localhost);
	}
	return write_in_place(x->etc_hosts, text, err);
}

static int load_net(const struct kk_rt_cell *cell, struct kk_cni_conflist **net, struct kk_err *err)
{
	*net = NULL;
	if (!cell->conflist_path || !*cell->conflist_path)
		return 0;
	return kk_cni_conflist_load(cell->conflist_path, net, err);
}

/* The root task's pid if it runs, else 0. */
static uint32_t running_pid(const struct kk_rt *rt, const char *id)
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

static bool container_exists(const struct kk_rt *rt, const char *id)
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
static void cni_release(const struct kk_rt *rt, const struct kk_cni_conflist *net,
			const char *root_id, uint32_t root_pid)
{
	struct kk_err ignored = { 0 };

	if (!net)
		return;
	if (root_pid) {
		char netns[64];
		struct kk_cni_attachment att = { root_id, netns, IFNAME, NULL };

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
static void cni_release_after(const struct kk_rt *rt, const struct kk_cni_conflist *net,
			      const char *root_id)
{
	uint32_t pid = running_pid(rt, root_id);
	struct kk_err ignored = { 0 };

	if (!net)
		return;
	if (pid || kk_cni_release_owned(rt->cni, net, root_id, IFNAME, &ignored) != 1) {
		kk_log_ignored(rt->log, &ignored, "CNI release of `%s` (a DEL instead)", root_id);
		cni_release(rt, net, root_id, pid);
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

static int cell_status(const struct kk_rt *rt, const struct kk_rt_cell *cell,
		       struct kk_rt_cell_info *info, struct kk_err *err);

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
	struct kk_netpolicy_cell pc = np_cell(n->cell);

	if (n->done)
		goto out;
	n->done = true;
	net_join(n);
	n->rc = -1;
	if (n->job.rc < 0) {
		n->err = n->job.err;
	} else if (kk_cni_result_ipv4(n->res, IFNAME, n->ip, sizeof(n->ip), &n->err) < 0) {
		kk_err_wrap(&n->err, "network `%s`", kk_cni_conflist_name(n->job.net));
	} else if (write_hosts(n->cell, n->x, n->ip, &n->err) == 0 &&
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
	struct kk_netpolicy_cell pc = np_cell(cell);
	struct kk_err ignored = { 0 };
	struct cell_ctx x = { 0 };
	struct net_up up = { 0 };
	struct member *root;
	char ip[INET_ADDRSTRLEN] = "";
	bool cg_created = false, etc_created = false;
	uint32_t root_pid = 0, old_root_pid;
	size_t n_ports = 0;
	int r;

	if (cell_validate(cell, err) < 0 || cell_ports(cell, &ports, &n_ports, err) < 0)
		return -1;
	if (ctx_build(cell, &x, err) < 0)
		return -1;
	up.cell = cell;
	up.x = &x;
	up.ports = ports;
	up.n_ports = n_ports;
	root = &x.m[0];
	if (!x.host_network && load_net(cell, &net, err) < 0)
		goto fail;
	if (egress_in_place(rt, cell, net, err) < 0)
		goto fail;

	r = kk_cgroup_create(rt->cg, cell->cgroup_path, err);
	if (r < 0)
		goto fail;
	cg_created = r == 1;
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

		if (write_in_place(x.etc_hostname, hn, err) < 0)
			goto undo;
	}
	if (access(x.etc_hosts, F_OK) != 0 && write_hosts(cell, &x, NULL, err) < 0)
		goto undo;

	for (size_t i = 0; i < x.n; i++)
		x.m[i].existed = container_exists(rt, x.m[i].id);

	old_root_pid = running_pid(rt, root->id);
	if (kk_rt_container_start(rt, &root->c, 0, &root_pid, err) < 0)
		goto undo;
	root->started = root_pid != old_root_pid;

	if (net) {
		int cached;

		snprintf(up.netns, sizeof(up.netns), "/proc/%u/ns/net", root_pid);
		up.att = (struct kk_cni_attachment){ root->id, up.netns, IFNAME, NULL };
		cached = kk_cni_cached_result(rt->cni, kk_cni_conflist_name(net), root->id, IFNAME,
					      &up.res, root->started ? &ignored : err);
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
		uint32_t old = running_pid(rt, x.m[i].id), pid = 0;

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
	if (net && net_gate(&up, err) < 0)
		goto undo;
	memcpy(ip, up.ip, sizeof(ip));
	/* every container's status too, so the first metadata write is complete; the basics
	 * when containerd cannot say */
	if (info && cell_status(rt, cell, info, &ignored) < 0) {
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
	ctx_clear(&x);
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
		cni_release(rt, net, root->id, root_pid);
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
		kk_cgroup_remove(rt->cg, cell->cgroup_path, CGROUP_REMOVE_TIMEOUT_MS, &ignored);
		kk_log_ignored(rt->log, &ignored, "undo: remove cgroup `%s`", cell->cgroup_path);
	}
fail:
	ctx_clear(&x);
	return -1;
}

int kk_rt_cell_start(const struct kk_rt *rt, const struct kk_rt_cell *cell,
		     struct kk_rt_cell_info *info, struct kk_err *err)
{
	if (cell_start(rt, cell, info, err) < 0)
		return kk_err_wrap(err, "cell `%s`", kk_str(cell->cell));
	return 0;
}

/* Keep e as the operation's error if it is the first; a later one is only logged. */
static void keep_first(const struct kk_rt *rt, struct kk_err *err, struct kk_err *e, int *ret)
{
	if (*ret == 0) {
		*err = *e;
		*ret = -1;
		return;
	}
	kk_log_ignored(rt->log, e, "a further failure (the first is reported)");
}

/* Take the cell's published ports off the host: when it declares some, or always (purge,
 * whatever the spec says now). A failure is kept in err/ret as the first error. */
static void unpublish(const struct kk_rt *rt, const struct kk_rt_cell *cell, bool always,
		      struct kk_err *err, int *ret)
{
	struct kk_netpolicy_cell pc = np_cell(cell);
	struct kk_err e = { 0 };
	bool any = always;

	for (size_t i = 0; !any && i < cell->n_containers; i++)
		any = cell->containers[i].ports.n > 0;
	if (any && kk_netpolicy_ports_unpublish(rt->cni, &pc, &e) < 0) {
		if (always)
			kk_log_ignored(rt->log, &e, "unpublish the ports of cell `%s`",
				       kk_str(cell->cell));
		else
			keep_first(rt, err, &e, ret);
	}
}

/* Stop (signal < 0) or kill (signal) every container, non-root first; CNI DEL before the
 * root goes. */
static int cell_halt(const struct kk_rt *rt, const struct kk_rt_cell *cell, int signal,
		     struct kk_err *err)
{
	cleanup_(kk_cni_conflist_freep) struct kk_cni_conflist *net = NULL;
	struct cell_ctx x = { 0 };
	struct kk_err e = { 0 };
	bool late;
	int ret = 0;

	if (ctx_build(cell, &x, err) < 0)
		return -1;
	if (!x.host_network && load_net(cell, &net, &e) < 0)
		keep_first(rt, err, &e, &ret);
	/* a stop waits for the tasks: the address can go after them, with no plugin run */
	late = signal < 0 && net && kk_cni_conflist_is_owned(net);
	unpublish(rt, cell, false, err, &ret);
	for (size_t i = x.n; i-- > 0;) {
		memset(&e, 0, sizeof(e));
		if (i == 0 && !late)
			cni_release(rt, net, x.m[0].id, running_pid(rt, x.m[0].id));
		if (signal < 0) {
			if (kk_rt_container_stop(rt, x.m[i].id, cell->stop_timeout_ms, &e) < 0)
				keep_first(rt, err, &e, &ret);
		} else if (running_pid(rt, x.m[i].id) &&
			   kk_rt_container_kill(rt, x.m[i].id, signal, &e) < 0 &&
			   e.code != ENOENT) {
			keep_first(rt, err, &e, &ret);
		}
	}
	/* a killed task is reported stopped a moment later: wait, so its exit can be read */
	for (size_t i = 0; signal >= 0 && i < x.n; i++)
		if (running_pid(rt, x.m[i].id)) {
			ctr_task_wait(rt->conn, x.m[i].id, KK_RT_KILL_WAIT_MS, NULL, NULL, &e);
			kk_log_ignored(rt->log, &e, "wait for killed task `%s`", x.m[i].id);
		}
	if (late)
		cni_release_after(rt, net, x.m[0].id);
	ctx_clear(&x);
	return ret;
}

static int cell_release(const struct kk_rt *rt, const struct kk_rt_cell *cell, struct kk_err *err)
{
	struct cell_ctx x = { 0 };
	struct kk_err e = { 0 };
	int ret = 0;

	if (ctx_build(cell, &x, err) < 0)
		return -1;
	for (size_t i = x.n; i-- > 0;) {
		memset(&e, 0, sizeof(e));
		if (kk_rt_container_release(rt, x.m[i].id, &e) < 0)
			keep_first(rt, err, &e, &ret);
	}
	ctx_clear(&x);
	return ret;
}

int kk_rt_cell_release(const struct kk_rt *rt, const struct kk_rt_cell *cell, struct kk_err *err)
{
	if (cell_release(rt, cell, err) < 0)
		return kk_err_wrap(err, "release cell `%s`", kk_str(cell->cell));
	return 0;
}

int kk_rt_cell_stop(const struct kk_rt *rt, const struct kk_rt_cell *cell, struct kk_err *err)
{
	if (cell_halt(rt, cell, -1, err) < 0)
		return kk_err_wrap(err, "stop cell `%s`", kk_str(cell->cell));
	return 0;
}

int kk_rt_cell_kill(const struct kk_rt *rt, const struct kk_rt_cell *cell, struct kk_err *err)
{
	if (cell_halt(rt, cell, SIGKILL, err) < 0)
		return kk_err_wrap(err, "kill cell `%s`", kk_str(cell->cell));
	return 0;
}

/* Delete every containerd container of the cell: the members, then any container whose id
 * has the cell's prefix or (labels) that carries the cell's labels. */
static int delete_containers(const struct kk_rt *rt, const struct kk_rt_cell *cell,
			     const struct cell_ctx *x, bool by_labels, struct kk_err *err)
{
	cleanup_free char *prefix = NULL, *by_prefix = NULL, *by_label = NULL;
	struct ctr_container *list = NULL;
	struct kk_err e = { 0 };
	size_t n = 0, plen;
	int ret = 0;

	/* every task killed first: they die together rather than one wait after the other */
	for (size_t i = 0; i < x->n; i++) {
		ctr_task_kill(rt->conn, x->m[i].id, SIGKILL, true, &e);
		if (e.code != ENOENT) /* no task to kill */
			kk_log_ignored(rt->log, &e, "kill task `%s` before the delete", x->m[i].id);
		memset(&e, 0, sizeof(e));
	}
	for (size_t i = x->n; i-- > 0;) {
		memset(&e, 0, sizeof(e));
		if (kk_rt_container_delete(rt, x->m[i].id, &e) < 0)
			keep_first(rt, err, &e, &ret);
	}
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
		keep_first(rt, err, &e, &ret);
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
			keep_first(rt, err, &e, &ret);
	}
	ctr_container_list_free(list, n);
	return ret;
}

static int cell_delete(const struct kk_rt *rt, const struct kk_rt_cell *cell, bool purge,
		       struct kk_err *err)
{
	cleanup_(kk_cni_conflist_freep) struct kk_cni_conflist *net = NULL;
	struct cell_ctx x = { 0 };
	struct kk_err e = { 0 };
	bool late;
	int ret = 0;

	if (ctx_build(cell, &x, err) < 0)
		return -1;
	if (!x.host_network && load_net(cell, &net, &e) < 0) {
		if (purge)
			kk_log_ignored(rt->log, &e, "purge cell `%s`: its network",
				       kk_str(cell->cell));
		else
			keep_first(rt, err, &e, &ret);
	}
	unpublish(rt, cell, purge, err, &ret);
	/* upstream's DeleteCell never runs a CNI DEL (docs/compat.md); ours releases the
	 * address after the tasks when the conflist is kukeon's own (no plugin run) */
	late = net && kk_cni_conflist_is_owned(net);
	if (!late)
		cni_release(rt, net, x.m[0].id, running_pid(rt, x.m[0].id));
	if (delete_containers(rt, cell, &x, purge, &e) < 0)
		keep_first(rt, err, &e, &ret);
	if (late)
		cni_release_after(rt, net, x.m[0].id);
	if (ret < 0 && !purge)
		goto out;
	if (purge && cell->cgroup_path) {
		memset(&e, 0, sizeof(e));
		kk_cgroup_kill(rt->cg, cell->cgroup_path, KK_CGROUP_KILL_AUTO,
			       CGROUP_REMOVE_TIMEOUT_MS, &e);
		kk_log_ignored(rt->log, &e, "purge: kill cgroup `%s`", cell->cgroup_path);
	}
	memset(&e, 0, sizeof(e));
	if (cell->cgroup_path &&
	    kk_cgroup_remove(rt->cg, cell->cgroup_path, CGROUP_REMOVE_TIMEOUT_MS, &e) < 0)
		keep_first(rt, err, &e, &ret);
	unlink(x.etc_hosts);
	unlink(x.etc_hostname);
out:
	ctx_clear(&x);
	return ret;
}

int kk_rt_cell_delete(const struct kk_rt *rt, const struct kk_rt_cell *cell, struct kk_err *err)
{
	if (cell_delete(rt, cell, false, err) < 0)
		return kk_err_wrap(err, "delete cell `%s`", kk_str(cell->cell));
	return 0;
}

int kk_rt_cell_purge(const struct kk_rt *rt, const struct kk_rt_cell *cell, struct kk_err *err)
{
	if (cell_delete(rt, cell, true, err) < 0)
		return kk_err_wrap(err, "purge cell `%s`", kk_str(cell->cell));
	return 0;
}

static bool active(int state)
{
	return state == KK_CONTAINER_READY || state == KK_CONTAINER_PENDING ||
	       state == KK_CONTAINER_PAUSED || state == KK_CONTAINER_PAUSING;
}

static int cell_status(const struct kk_rt *rt, const struct kk_rt_cell *cell,
		       struct kk_rt_cell_info *info, struct kk_err *err)
{
	cleanup_(kk_cni_conflist_freep) struct kk_cni_conflist *net = NULL;
	cleanup_(kk_cni_result_freep) struct kk_cni_result *res = NULL;
	struct kk_rt_cell_info out = { 0 };
	struct cell_ctx x = { 0 };
	struct kk_err ignored = { 0 };
	bool any_active = false, any_unknown = false;
	int r;

	if (ctx_build(cell, &x, err) < 0)
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
	if (out.root_pid && !x.host_network && load_net(cell, &net, &ignored) == 0 && net &&
	    kk_cni_cached_result(rt->cni, kk_cni_conflist_name(net), x.m[0].id, IFNAME, &res,
				 &ignored) == 1)
		kk_cni_result_ipv4(res, IFNAME, out.ip, sizeof(out.ip), &ignored);
	kk_log_ignored(rt->log, &ignored, "IP address of cell `%s`", kk_str(cell->cell));
	ctx_clear(&x);
	kk_rt_cell_info_clear(info);
	*info = out;
	return 0;
}

int kk_rt_cell_status(const struct kk_rt *rt, const struct kk_rt_cell *cell,
		      struct kk_rt_cell_info *info, struct kk_err *err)
{
	if (cell_status(rt, cell, info, err) < 0)
		return kk_err_wrap(err, "status of cell `%s`", kk_str(cell->cell));
	return 0;
}

/* ---- one container of a cell ------------------------------------------------------------ */

enum member_op { OP_START, OP_STOP, OP_KILL, OP_DELETE, OP_RELEASE };

/* A container with `ports` joining a running cell: the cell's ports (its own included) are
 * published again to the cell IP before its process starts. */
struct member_ports {
	const struct kk_rt *rt;
	const struct kk_rt_cell *cell;
	const char *root_id;
};

static int member_ports_gate(void *arg, struct kk_err *err)
{
	const struct member_ports *mp = arg;
	cleanup_(kk_cni_conflist_freep) struct kk_cni_conflist *net = NULL;
	cleanup_(kk_cni_result_freep) struct kk_cni_result *res = NULL;
	cleanup_free struct kk_netpolicy_port *ports = NULL;
	struct kk_netpolicy_cell pc = np_cell(mp->cell);
	char ip[INET_ADDRSTRLEN];
	size_t n = 0;

	if (cell_ports(mp->cell, &ports, &n, err) < 0 || load_net(mp->cell, &net, err) < 0)
		return -1;
	if (!net || !n)
		return 0;
	if (kk_cni_cached_result(mp->rt->cni, kk_cni_conflist_name(net), mp->root_id, IFNAME, &res,
				 err) < 0)
		return -1;
	if (!res || kk_cni_result_ipv4(res, IFNAME, ip, sizeof(ip), err) < 0)
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

	if (ctx_build(cell, &x, err) < 0)
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
		root_pid = running_pid(rt, x.m[0].id);
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
	ctx_clear(&x);
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
