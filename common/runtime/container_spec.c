/* common/runtime/container_spec.c - one container's OCI spec: the model spec and the
 * space's defaults mapped onto kk_oci_opts (volumes, secrets staged for mounting, security
 * options, resources), the image's rootfs opened for user and group names, and the spec
 * built from them. container.c creates the containerd objects around it. */
#include "common/runtime/container_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/model/model.h"
#include "common/runtime/attachable.h"
#include "ctr/ctr.h"

static size_t strv_count(char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

/* ---- model -> kk_oci_opts ------------------------------------------------------------- */

/* kk_oci_opts and the arrays it points to. */
struct oci_map {
	struct kk_oci_opts o;
	struct kk_oci_volume *vols;
	struct kk_oci_tmpfs *tmpfs;
	struct kk_oci_secret *secrets;
	char **owned; /* secret values and staged paths */
	size_t n_owned;
	const char **cap_add, **cap_drop;
	struct kk_oci_kv annotation;
};

static void oci_map_clear(struct oci_map *m)
{
	free(m->vols);
	free(m->tmpfs);
	for (size_t i = 0; i < m->n_owned; i++) {
		if (m->owned[i])
			explicit_bzero(m->owned[i], strlen(m->owned[i]));
		free(m->owned[i]);
	}
	free(m->owned);
	free(m->secrets);
	memset(m, 0, sizeof(*m));
}

static const char *own(struct oci_map *m, char *s)
{
	m->owned = kk_xrealloc(m->owned, (m->n_owned + 1) * sizeof(*m->owned));
	m->owned[m->n_owned++] = s;
	return s;
}

static int check_volumes(const struct kk_container_spec *s, struct kk_err *err)
{
	for (size_t i = 0; i < s->n_volumes; i++) {
		const struct kk_volume_mount *v = &s->volumes[i];
		const char *kind = kk_str(v->kind);
		struct stat st;

		if (strcmp(kind, "") != 0 && strcmp(kind, "bind") != 0 &&
		    strcmp(kind, "tmpfs") != 0)
			return kk_err_set(err, EINVAL,
					  "volumes[%zu].kind: `%s` is not recognized; expected "
					  "\"\", "
					  "\"bind\", or \"tmpfs\"",
					  i, kind);
		if (!v->target || !*v->target)
			return kk_err_set(err, EINVAL, "volumes[%zu].target: required", i);
		if (v->target[0] != '/')
			return kk_err_set(err, EINVAL, "volumes[%zu].target: `%s` is not absolute",
					  i, v->target);
		if (strcmp(kind, "tmpfs") == 0) {
			if (v->source && *v->source)
				return kk_err_set(err, EINVAL,
						  "volumes[%zu].source: a tmpfs volume takes no "
						  "source",
						  i);
			continue;
		}
		if (!v->source || !*v->source)
			return kk_err_set(err, EINVAL, "volumes[%zu].source: required", i);
		if (v->source[0] != '/')
			return kk_err_set(err, EINVAL,
					  "volumes[%zu].source: `%s`: named or managed volumes are "
					  "not supported; use an absolute host path as source",
					  i, v->source);
		if (stat(v->source, &st) < 0)
			return kk_err_sys(err, "volumes[%zu].source: bind source `%s`", i,
					  v->source);
	}
	return 0;
}

/* Resolve the secrets; with stage, write mount-mode ones under secrets_dir/<id>/. */
static int map_secrets(const struct kk_rt *rt, const struct kk_rt_container *c, bool stage,
		       struct oci_map *m, struct kk_err *err)
{
	const struct kk_container_spec *s = c->spec;
	cleanup_free char *dir = NULL;

	if (c->root || s->n_secrets == 0)
		return 0;
	m->secrets = kk_xcalloc(s->n_secrets, sizeof(*m->secrets));
	dir = kk_xasprintf("%s/%s", rt && rt->secrets_dir ? rt->secrets_dir : KK_RT_SECRETS_DIR,
			   c->id);
	for (size_t i = 0; i < s->n_secrets; i++) {
		const struct kk_secret *sec = &s->secrets[i];
		struct kk_oci_secret *o = &m->secrets[i];
		char *value = NULL;

		o->name = sec->name;
		if (sec->from_file && *sec->from_file) {
			if (kk_read_file(sec->from_file, &value, err) < 0)
				return kk_err_wrap(err, "secrets[%zu] `%s`: fromFile", i,
						   sec->name);
		} else {
			const char *e = getenv(sec->from_env);

			if (!e)
				return kk_err_set(err, ENOENT,
						  "secrets[%zu] `%s`: fromEnv: variable `%s` is "
						  "not "
						  "set",
						  i, sec->name, sec->from_env);
			value = kk_xstrdup(e);
		}
		own(m, value);
		if (!sec->mount_path || !*sec->mount_path) {
			o->value = value;
			continue;
		}
		o->mount_path = sec->mount_path;
		o->staged_path = own(m, kk_xasprintf("%s/%s", dir, sec->name));
		if (!stage)
			continue;
		if (kk_mkdir_p(dir, 0700, err) < 0 ||
		    kk_write_atomic(o->staged_path, ".secret-", value, strlen(value), 0400, err) <
			    0)
			return kk_err_wrap(err, "secrets[%zu] `%s`: staging", i, sec->name);
	}
	m->o.secrets = m->secrets;
	m->o.n_secrets = s->n_secrets;
	return 0;
}

/* Fill m->o from the container (and the image config, when img is not NULL). */
static int map_opts(const struct kk_rt *rt, const struct kk_rt_container *c,
		    const struct ctr_image_rootfs *img, bool stage, struct oci_map *m,
		    struct kk_err *err)
{
	const struct kk_container_spec *s = c->spec;
	const struct kk_space_container_defaults *d = c->defaults;
	const struct kk_capabilities *caps = s->capabilities;
	const struct kk_strv *secopts = &s->security_opts;
	const struct kk_tmpfs_mount *tmpfs = s->tmpfs;
	size_t n_tmpfs = s->n_tmpfs;
	const struct kk_resources *res = s->resources;
	struct kk_oci_opts *o = &m->o;

	if (check_volumes(s, err) < 0)
		return -1;
	if (!c->root && kk_container_secrets_validate(s, err) < 0)
		return -1;

	o->id = c->id;
	o->ctr_namespace = rt && rt->conn ? ctr_namespace(rt->conn) : NULL;
	o->root = c->root;
	o->hostname = c->hostname;
	if (img) {
		o->image.entrypoint = (const char *const *)img->entrypoint;
		o->image.n_entrypoint = strv_count(img->entrypoint);
		o->image.cmd = (const char *const *)img->cmd;
		o->image.n_cmd = strv_count(img->cmd);
		o->image.env = (const char *const *)img->env;
		o->image.n_env = strv_count(img->env);
		o->image.working_dir = img->working_dir;
		o->image.user = img->user;
	}
	o->command = s->command && *s->command ? s->command : NULL;
	o->args = (const char *const *)s->args.v;
	o->n_args = s->args.n;
	o->working_dir = s->working_dir;
	o->env = (const char *const *)s->env.v;
	o->n_env = s->env.n;
	o->identity = c->identity;
	o->etc_hosts_path = c->etc_hosts;
	o->etc_hostname_path = c->etc_hostname;

	m->vols = kk_xcalloc(s->n_volumes + 1, sizeof(*m->vols));
	for (size_t i = 0; i < s->n_volumes; i++) {
		const struct kk_volume_mount *v = &s->volumes[i];

		m->vols[i].kind = strcmp(kk_str(v->kind), "tmpfs") == 0 ? KK_OCI_VOLUME_TMPFS
									: KK_OCI_VOLUME_BIND;
		m->vols[i].source = v->source;
		m->vols[i].target = v->target;
		m->vols[i].read_only = v->read_only;
		m->vols[i].size_bytes = v->size_bytes;
		m->vols[i].mode = v->mode;
	}
	o->volumes = m->vols;
	o->n_volumes = s->n_volumes;

	o->privileged = s->privileged;
	o->host_network = s->host_network;
	o->host_pid = s->host_pid;
	o->host_cgroup = s->host_cgroup;
	o->nested_cgroup_runtime = c->nested_cgroup_runtime;
	o->read_only_rootfs = s->read_only_root_filesystem;
	o->user = s->user && *s->user ? s->user : NULL;
	if (d) {
		if (!o->user && d->user && *d->user)
			o->user = d->user;
		if (!o->read_only_rootfs && d->has_read_only_root_filesystem)
			o->read_only_rootfs = d->read_only_root_filesystem;
		if (!caps)
			caps = d->capabilities;
		if (secopts->n == 0)
			secopts = &d->security_opts;
		if (n_tmpfs == 0) {
			tmpfs = d->tmpfs;
			n_tmpfs = d->n_tmpfs;
		}
		if (!res)
			res = d->resources;
	}
	if (caps) {
		o->cap_add = (const char *const *)caps->add.v;
		o->n_cap_add = caps->add.n;
		o->cap_drop = (const char *const *)caps->drop.v;
		o->n_cap_drop = caps->drop.n;
	}
	o->security_opts = (const char *const *)secopts->v;
	o->n_security_opts = secopts->n;
	m->tmpfs = kk_xcalloc(n_tmpfs + 1, sizeof(*m->tmpfs));
	for (size_t i = 0; i < n_tmpfs; i++) {
		m->tmpfs[i].path = tmpfs[i].path;
		m->tmpfs[i].size_bytes = tmpfs[i].size_bytes;
		m->tmpfs[i].options = (const char *const *)tmpfs[i].options.v;
		m->tmpfs[i].n_options = tmpfs[i].options.n;
	}
	o->tmpfs = m->tmpfs;
	o->n_tmpfs = n_tmpfs;
	if (res) {
		o->resources.memory_limit =
			res->has_memory_limit_bytes ? res->memory_limit_bytes : 0;
		o->resources.cpu_shares = res->has_cpu_shares ? res->cpu_shares : 0;
		o->resources.pids_limit = res->has_pids_limit ? res->pids_limit : 0;
	}
	if (c->cell_cgroup && *c->cell_cgroup)
		o->identity.cell_cgroup_path = c->cell_cgroup;
	o->cni_config_path = c->cni_config_path;
	if (c->shim_group && *c->shim_group) {
		m->annotation = (struct kk_oci_kv){ KK_RT_ANNOTATION_SHIM_GROUP, c->shim_group };
		o->annotations = &m->annotation;
		o->n_annotations = 1;
	}
	return map_secrets(rt, c, stage, m, err);
}

int kk_rt_container_validate(const struct kk_rt_container *c, struct kk_err *err)
{
	struct oci_map m = { 0 };
	cleanup_(kk_json_freep) cJSON *spec = NULL;
	int r;

	if (!c->spec->image || !*c->spec->image)
		return kk_err_set(err, EINVAL, "container `%s`: image: required", kk_rtctr_name(c));
	r = map_opts(NULL, c, NULL, false, &m, err);
	/* user names need the image's /etc/passwd: checked when the spec is built for real */
	m.o.user = NULL;
	if (r == 0)
		r = kk_oci_spec_build(&m.o, &spec, err);
	oci_map_clear(&m);
	if (r < 0)
		return kk_err_wrap(err, "container `%s`", kk_rtctr_name(c));
	return 0;
}

/* ---- the image rootfs, for user and group names ----------------------------------------- */

struct rootfs_view {
	char *key;  /* the view snapshot */
	char *dir;  /* our mount point, or NULL when path is the snapshot's own dir */
	char *path; /* what to read /etc/passwd from */
};

static void rootfs_view_close(const struct kk_rt *rt, struct rootfs_view *v)
{
	struct kk_err ignored = { 0 };

	if (v->dir) {
		umount2(v->dir, MNT_DETACH);
		rmdir(v->dir);
	}
	if (v->key) {
		ctr_snapshot_remove(rt->conn, kk_rt_snapshotter(rt), v->key, &ignored);
		kk_log_ignored(rt->log, &ignored, "remove the rootfs view snapshot `%s`", v->key);
	}
	free(v->key);
	free(v->dir);
	free(v->path);
	memset(v, 0, sizeof(*v));
}

/* containerd's overlayfs snapshotter killed in the middle of a snapshot create keeps the new
 * snapshot's directory while its database forgets the id, so every later create gets that
 * id again and fails `failed to rename: ... file exists` until a garbage collection runs
 * the snapshotter's cleanup. When e is that error, run one (a synchronous lease delete) and
 * say so: the caller tries once more. */
bool kk_rtctr_snapshots_unwedged(const struct kk_rt *rt, const struct kk_err *e)
{
	cleanup_free char *lease = NULL;
	struct kk_err ignored = { 0 };

	if (!strstr(e->msg, "failed to rename") || !strstr(e->msg, "file exists"))
		return false;
	if (ctr_lease_create_temp(rt->conn, "kukeon-gc", &lease, &ignored) == 0)
		ctr_lease_delete(rt->conn, lease, true, &ignored);
	kk_log_ignored(rt->log, &ignored, "garbage collection after `%s`", e->msg);
	return true;
}

/* Where to read the image's files from, given the mounts of a snapshot of it (lent): the
 * directory itself for a bind mount or an overlay of one lower layer, else the overlay
 * mounted read-only on a scratch dir. An active snapshot's upper layer is left out: it is
 * empty until the container runs, and the container's own mount will use it. */
static int rootfs_open(const struct kk_rt *rt, const char *id, const struct ctr_mounts *mounts,
		       struct rootfs_view *v, struct kk_err *err)
{
	const char *scratch = rt->scratch_dir ? rt->scratch_dir : "/run/kukeon";
	const struct ctr_mount *mt;
	cleanup_free char *data = NULL;
	const char *lower = NULL;
	unsigned long flags = 0;

	if (mounts->n != 1)
		return kk_err_set(err, ENOTSUP, "image rootfs has %zu mounts", mounts->n);
	mt = &mounts->m[0];
	if (strcmp(mt->type, "bind") == 0 || strcmp(mt->type, "rbind") == 0) {
		v->path = kk_xstrdup(mt->source);
		return 0;
	}
	for (size_t i = 0; i < mt->n_options; i++) {
		const char *opt = mt->options[i];

		if (strcmp(opt, "ro") == 0)
			flags |= MS_RDONLY;
		else if (strcmp(opt, "bind") == 0 || strcmp(opt, "rbind") == 0)
			flags |= MS_BIND | MS_REC;
		else if (strncmp(opt, "upperdir=", 9) == 0 || strncmp(opt, "workdir=", 8) == 0)
			continue;
		else if (strcmp(opt, "rw") != 0) {
			char *nd = kk_xasprintf("%s%s%s", data ? data : "", data ? "," : "", opt);

			if (strncmp(opt, "lowerdir=", 9) == 0)
				lower = opt + 9;
			free(data);
			data = nd;
		}
	}
	if (strcmp(mt->type, "overlay") == 0 && lower && !strchr(lower, ':')) {
		v->path = kk_xstrdup(lower);
		return 0;
	}
	if (kk_mkdir_p(scratch, 0700, err) < 0)
		return -1;
	v->dir = kk_xasprintf("%s/rootfs-%s-XXXXXX", scratch, id);
	if (!mkdtemp(v->dir)) {
		kk_err_sys(err, "mkdtemp `%s`", v->dir);
		free(v->dir);
		v->dir = NULL;
		return -1;
	}
	if (mount(mt->source, v->dir, mt->type, flags | MS_RDONLY, data) < 0) {
		kk_err_sys(err, "mount image rootfs on `%s`", v->dir);
		rmdir(v->dir);
		free(v->dir);
		v->dir = NULL;
		return -1;
	}
	v->path = kk_xstrdup(v->dir);
	return 0;
}

/* A view snapshot of the image's chain, for a spec built without a container snapshot. */
static int rootfs_view_open(const struct kk_rt *rt, const char *id, const char *chain_id,
			    struct rootfs_view *v, struct kk_err *err)
{
	struct ctr_mounts mounts = { 0 };
	struct kk_err e = { 0 };
	int r;

	v->key = kk_xasprintf("%s-kkview", id);
	r = ctr_snapshot_view(rt->conn, kk_rt_snapshotter(rt), v->key, chain_id, NULL, &mounts, &e);
	/* a view left by a process that died here is in the way: drop it and retry */
	if (r < 0 && e.code == EEXIST &&
	    ctr_snapshot_remove(rt->conn, kk_rt_snapshotter(rt), v->key, &e) == 0)
		r = ctr_snapshot_view(rt->conn, kk_rt_snapshotter(rt), v->key, chain_id, NULL,
				      &mounts, &e);
	if (r < 0 && kk_rtctr_snapshots_unwedged(rt, &e)) {
		memset(&e, 0, sizeof(e));
		r = ctr_snapshot_view(rt->conn, kk_rt_snapshotter(rt), v->key, chain_id, NULL,
				      &mounts, &e);
	}
	if (r < 0) {
		*err = e;
		free(v->key);
		v->key = NULL;
		return -1;
	}
	r = rootfs_open(rt, id, &mounts, v, err);
	ctr_mounts_clear(&mounts);
	if (r < 0)
		rootfs_view_close(rt, v);
	return r;
}

int kk_rtctr_image_rootfs(const struct kk_rt *rt, const struct kk_rt_container *c,
			  struct ctr_image_rootfs *img, struct kk_err *err)
{
	if (!c->spec->image || !*c->spec->image)
		return kk_err_set(err, EINVAL, "image: required");
	if (ctr_image_rootfs(rt->conn, c->spec->image, img, err) < 0) {
		if (err->code == ENOENT)
			return kk_err_set(err, ENOENT,
					  "image `%s` is not in containerd namespace `%s` (load "
					  "it first: nothing is pulled here)",
					  c->spec->image, kk_str(ctr_namespace(rt->conn)));
		return -1;
	}
	return 0;
}

/* Staged secret files belong to the container's user (still 0400): a container running
 * as uid 1000 reads its secret, and nobody else on the host or in the cell does. */
static int secrets_own(const struct oci_map *m, const cJSON *spec, struct kk_err *err)
{
	uid_t uid = (uid_t)kk_rt_spec_id(spec, "uid");
	gid_t gid = (gid_t)kk_rt_spec_id(spec, "gid");

	if (uid == 0 && gid == 0)
		return 0;
	for (size_t i = 0; i < m->o.n_secrets; i++)
		if (m->secrets[i].staged_path && chown(m->secrets[i].staged_path, uid, gid) < 0)
			return kk_err_sys(err, "secrets[%zu] `%s`: chown to %u:%u", i,
					  m->secrets[i].name, (unsigned)uid, (unsigned)gid);
	return 0;
}

/* The spec for c from image img; the image's files (/etc/passwd, /etc/group) are read from
 * the container's own snapshot when its mounts are given, else from a view made for it. */
int kk_rtctr_build_spec(const struct kk_rt *rt, const struct kk_rt_container *c,
			const struct ctr_image_rootfs *img, const struct ctr_mounts *snapshot,
			uint32_t join_pid, bool stage, cJSON **out, struct kk_err *err)
{
	struct rootfs_view view = { 0 };
	struct oci_map m = { 0 };
	char net[64], ipc[64], uts[64];
	int ret = -1;

	if (map_opts(rt, c, img, stage, &m, err) < 0)
		goto out;
	if (snapshot ? rootfs_open(rt, c->id, snapshot, &view, err) < 0
		     : rootfs_view_open(rt, c->id, img->chain_id, &view, err) < 0)
		goto out;
	m.o.rootfs = view.path;
	if (join_pid) {
		snprintf(net, sizeof(net), "/proc/%u/ns/net", join_pid);
		snprintf(ipc, sizeof(ipc), "/proc/%u/ns/ipc", join_pid);
		snprintf(uts, sizeof(uts), "/proc/%u/ns/uts", join_pid);
		m.o.join.net = net;
		m.o.join.ipc = ipc;
		m.o.join.uts = uts;
	}
	ret = kk_oci_spec_build(&m.o, out, err);
	if (ret == 0 && kk_rt_attach_wanted(c) && kk_rt_attach_wrap(rt, c, *out, stage, err) < 0) {
		cJSON_Delete(*out);
		*out = NULL;
		ret = -1;
	}
	rootfs_view_close(rt, &view);
	if (ret == 0 && stage && secrets_own(&m, *out, err) < 0) {
		cJSON_Delete(*out);
		*out = NULL;
		ret = -1;
	}
out:
	oci_map_clear(&m);
	return ret;
}

int kk_rt_container_spec(const struct kk_rt *rt, const struct kk_rt_container *c, uint32_t join_pid,
			 struct cJSON **out, struct kk_err *err)
{
	struct ctr_image_rootfs img = { 0 };
	int r = kk_rtctr_image_rootfs(rt, c, &img, err);

	if (r == 0)
		r = kk_rtctr_build_spec(rt, c, &img, NULL, join_pid, false, out, err);
	ctr_image_rootfs_clear(&img);
	if (r < 0)
		return kk_err_wrap(err, "container `%s`", kk_rtctr_name(c));
	return 0;
}
