/* ctr/run.c - an imported image's rootfs (manifest, config, chain id) and a one-shot
 * container run: snapshot, minimal OCI spec, container, task with a log file, wait,
 * delete everything. */
#include "ctr/ctr.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/log.h"
#include "common/image/digest.h"
#include "common/mem.h"

/* manifests and configs are small; anything bigger is not one */
#define MAX_JSON_BLOB (4 * 1024 * 1024)

static void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static char **strv_from_json(const cJSON *arr)
{
	size_t n = (size_t)cJSON_GetArraySize(arr), k = 0;
	char **v = kk_xcalloc(n + 1, sizeof(*v));
	const cJSON *it;

	cJSON_ArrayForEach(it, arr) if (cJSON_IsString(it)) v[k++] = kk_xstrdup(it->valuestring);
	return v;
}

int ctr_chain_id(const char *const *diff_ids, size_t n, char **out, struct kk_err *err)
{
	cleanup_free char(*chain)[KK_DIGEST_STR_SIZE] = NULL;

	if (n == 0)
		return kk_err_set(err, EINVAL, "chain id of no layers");
	chain = kk_xcalloc(n, sizeof(*chain));
	if (kk_chain_ids(diff_ids, n, chain, err) < 0)
		return -1;
	*out = kk_xstrdup(chain[n - 1]);
	return 0;
}

static const char *host_arch(void)
{
	struct utsname u;

	if (uname(&u) < 0)
		return "amd64";
	if (strcmp(u.machine, "x86_64") == 0)
		return "amd64";
	if (strcmp(u.machine, "aarch64") == 0)
		return "arm64";
	if (strncmp(u.machine, "armv", 4) == 0)
		return "arm";
	return "amd64";
}

static int read_json(struct ctr_conn *conn, const char *digest, const char *what, cJSON **out,
		     struct kk_err *err)
{
	cleanup_free char *text = NULL;
	size_t len = 0;
	cJSON *j;

	if (ctr_content_read_all(conn, digest, MAX_JSON_BLOB, &text, &len, err) < 0)
		return kk_err_wrap(err, "%s", what);
	j = cJSON_ParseWithLength(text, len);
	if (!j || !cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return kk_err_set(err, EBADMSG, "%s `%s`: not a JSON object", what, digest);
	}
	*out = j;
	return 0;
}

static bool is_index(const char *media_type)
{
	return strcmp(media_type, "application/vnd.oci.image.index.v1+json") == 0 ||
	       strcmp(media_type, "application/vnd.docker.distribution.manifest.list.v2+json") == 0;
}

/* The digest (lent by index) of the manifest for linux/<host arch>. */
static const char *pick_manifest(const cJSON *index, const char *image, struct kk_err *err)
{
	const cJSON *m, *list = cJSON_GetObjectItemCaseSensitive(index, "manifests");
	const char *arch = host_arch();

	cJSON_ArrayForEach(m, list)
	{
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(m, "platform");
		const cJSON *os = cJSON_GetObjectItemCaseSensitive(p, "os");
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(p, "architecture");
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(m, "digest");

		if (!cJSON_IsString(d))
			continue;
		if (!p || (cJSON_IsString(os) && strcmp(os->valuestring, "linux") == 0 &&
			   cJSON_IsString(a) && strcmp(a->valuestring, arch) == 0))
			return d->valuestring;
	}
	kk_err_set(err, ENOENT, "image `%s`: no manifest for linux/%s", image, arch);
	return NULL;
}

void ctr_image_rootfs_clear(struct ctr_image_rootfs *r)
{
	free(r->chain_id);
	strv_free(r->env);
	strv_free(r->entrypoint);
	strv_free(r->cmd);
	free(r->working_dir);
	free(r->user);
	memset(r, 0, sizeof(*r));
}

int ctr_image_rootfs(struct ctr_conn *conn, const char *image, struct ctr_image_rootfs *out,
		     struct kk_err *err)
{
	struct ctr_image img = { 0 };
	cleanup_(kk_json_freep) cJSON *index = NULL;
	cleanup_(kk_json_freep) cJSON *manifest = NULL;
	cleanup_(kk_json_freep) cJSON *config = NULL;
	cleanup_free char *manifest_digest = NULL;
	cleanup_free const char **diff_ids = NULL;
	const cJSON *cfg_desc, *cfg_digest, *ids, *it, *cc;
	struct ctr_image_rootfs r = { 0 };
	size_t n = 0;

	if (ctr_image_get(conn, image, &img, err) < 0)
		return -1;
	if (is_index(img.target.media_type)) {
		const char *d;

		if (read_json(conn, img.target.digest, "image index", &index, err) < 0)
			goto fail_img;
		d = pick_manifest(index, image, err);
		if (!d)
			goto fail_img;
		manifest_digest = kk_xstrdup(d);
	} else {
		manifest_digest = kk_xstrdup(img.target.digest);
	}
	ctr_image_clear(&img);

	if (read_json(conn, manifest_digest, "image manifest", &manifest, err) < 0)
		return kk_err_wrap(err, "image `%s`", image);
	cfg_desc = cJSON_GetObjectItemCaseSensitive(manifest, "config");
	cfg_digest = cJSON_GetObjectItemCaseSensitive(cfg_desc, "digest");
	if (!cJSON_IsString(cfg_digest))
		return kk_err_set(err, EBADMSG, "image `%s`: manifest `%s` has no config", image,
				  manifest_digest);
	if (read_json(conn, cfg_digest->valuestring, "image config", &config, err) < 0)
		return kk_err_wrap(err, "image `%s`", image);
	ids = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(config, "rootfs"),
					       "diff_ids");
	diff_ids = kk_xcalloc((size_t)cJSON_GetArraySize(ids) + 1, sizeof(*diff_ids));
	cJSON_ArrayForEach(it, ids) if (cJSON_IsString(it)) diff_ids[n++] = it->valuestring;
	if (ctr_chain_id(diff_ids, n, &r.chain_id, err) < 0)
		return kk_err_wrap(err, "image `%s`: config", image);

	cc = cJSON_GetObjectItemCaseSensitive(config, "config");
	r.env = strv_from_json(cJSON_GetObjectItemCaseSensitive(cc, "Env"));
	r.entrypoint = strv_from_json(cJSON_GetObjectItemCaseSensitive(cc, "Entrypoint"));
	r.cmd = strv_from_json(cJSON_GetObjectItemCaseSensitive(cc, "Cmd"));
	it = cJSON_GetObjectItemCaseSensitive(cc, "WorkingDir");
	r.working_dir = kk_xstrdup(cJSON_IsString(it) ? it->valuestring : "");
	it = cJSON_GetObjectItemCaseSensitive(cc, "User");
	r.user = kk_xstrdup(cJSON_IsString(it) ? it->valuestring : "");
	*out = r;
	return 0;
fail_img:
	ctr_image_clear(&img);
	return kk_err_wrap(err, "image `%s`", image);
}

/* ---- the OCI runtime spec --------------------------------------------------------------- */

static void add_strings(cJSON *obj, const char *key, const char *const *v)
{
	cJSON *arr = cJSON_AddArrayToObject(obj, key);

	for (size_t i = 0; v && v[i]; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(v[i]));
}

static void add_mount(cJSON *mounts, const char *dest, const char *type, const char *src,
		      const char *const *options)
{
	cJSON *m = cJSON_CreateObject();

	cJSON_AddStringToObject(m, "destination", dest);
	cJSON_AddStringToObject(m, "type", type);
	cJSON_AddStringToObject(m, "source", src);
	add_strings(m, "options", options);
	cJSON_AddItemToArray(mounts, m);
}

char *ctr_spec_default(const char *ns, const char *id, const char *const *args,
		       const char *const *env, const char *cwd, bool terminal)
{
	static const char *const caps[] = {
		"CAP_CHOWN",
		"CAP_DAC_OVERRIDE",
		"CAP_FSETID",
		"CAP_FOWNER",
		"CAP_MKNOD",
		"CAP_NET_RAW",
		"CAP_SETGID",
		"CAP_SETUID",
		"CAP_SETFCAP",
		"CAP_SETPCAP",
		"CAP_NET_BIND_SERVICE",
		"CAP_SYS_CHROOT",
		"CAP_KILL",
		"CAP_AUDIT_WRITE",
		NULL,
	};
	static const char *const masked[] = {
		"/proc/acpi",
		"/proc/asound",
		"/proc/kcore",
		"/proc/keys",
		"/proc/latency_stats",
		"/proc/timer_list",
		"/proc/timer_stats",
		"/proc/sched_debug",
		"/sys/firmware",
		"/proc/scsi",
		NULL,
	};
	static const char *const readonly[] = { "/proc/bus",           "/proc/fs",
						"/proc/irq",           "/proc/sys",
						"/proc/sysrq-trigger", NULL };
	static const char *const nsnames[] = { "pid", "ipc", "uts", "mount", "network", NULL };
	cleanup_(kk_json_freep) cJSON *spec = cJSON_CreateObject();
	cleanup_free char *cgpath = kk_xasprintf("/%s/%s", ns ? ns : "default", id);
	cJSON *proc, *user, *capobj, *rl, *root, *mounts, *linux_, *nss, *res, *dev;

	cJSON_AddStringToObject(spec, "ociVersion", "1.0.2-dev");
	proc = cJSON_AddObjectToObject(spec, "process");
	cJSON_AddBoolToObject(proc, "terminal", terminal);
	user = cJSON_AddObjectToObject(proc, "user");
	cJSON_AddNumberToObject(user, "uid", 0);
	cJSON_AddNumberToObject(user, "gid", 0);
	add_strings(proc, "args", args);
	add_strings(proc, "env", env);
	cJSON_AddStringToObject(proc, "cwd", cwd);
	capobj = cJSON_AddObjectToObject(proc, "capabilities");
	add_strings(capobj, "bounding", caps);
	add_strings(capobj, "effective", caps);
	add_strings(capobj, "permitted", caps);
	rl = cJSON_CreateObject();
	cJSON_AddStringToObject(rl, "type", "RLIMIT_NOFILE");
	cJSON_AddNumberToObject(rl, "hard", 1024);
	cJSON_AddNumberToObject(rl, "soft", 1024);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(proc, "rlimits"), rl);
	cJSON_AddBoolToObject(proc, "noNewPrivileges", 1);

	root = cJSON_AddObjectToObject(spec, "root");
	cJSON_AddStringToObject(root, "path", "rootfs");

	mounts = cJSON_AddArrayToObject(spec, "mounts");
	add_mount(mounts, "/proc", "proc", "proc",
		  (const char *const[]){ "nosuid", "noexec", "nodev", NULL });
	add_mount(mounts, "/dev", "tmpfs", "tmpfs",
		  (const char *const[]){ "nosuid", "strictatime", "mode=755", "size=65536k",
					 NULL });
	add_mount(mounts, "/dev/pts", "devpts", "devpts",
		  (const char *const[]){ "nosuid", "noexec", "newinstance", "ptmxmode=0666",
					 "mode=0620", "gid=5", NULL });
	add_mount(mounts, "/dev/shm", "tmpfs", "shm",
		  (const char *const[]){ "nosuid", "noexec", "nodev", "mode=1777", "size=65536k",
					 NULL });
	add_mount(mounts, "/dev/mqueue", "mqueue", "mqueue",
		  (const char *const[]){ "nosuid", "noexec", "nodev", NULL });
	add_mount(mounts, "/sys", "sysfs", "sysfs",
		  (const char *const[]){ "nosuid", "noexec", "nodev", "ro", NULL });
	add_mount(mounts, "/run", "tmpfs", "tmpfs",
		  (const char *const[]){ "nosuid", "strictatime", "mode=755", "size=65536k",
					 NULL });

	linux_ = cJSON_AddObjectToObject(spec, "linux");
	add_strings(linux_, "maskedPaths", masked);
	add_strings(linux_, "readonlyPaths", readonly);
	cJSON_AddStringToObject(linux_, "cgroupsPath", cgpath);
	res = cJSON_AddObjectToObject(linux_, "resources");
	dev = cJSON_CreateObject();
	cJSON_AddBoolToObject(dev, "allow", 0);
	cJSON_AddStringToObject(dev, "access", "rwm");
	cJSON_AddItemToArray(cJSON_AddArrayToObject(res, "devices"), dev);
	nss = cJSON_AddArrayToObject(linux_, "namespaces");
	for (size_t i = 0; nsnames[i]; i++) {
		cJSON *n = cJSON_CreateObject();

		cJSON_AddStringToObject(n, "type", nsnames[i]);
		cJSON_AddItemToArray(nss, n);
	}
	return cJSON_PrintUnformatted(spec);
}

/* args: the caller's, else entrypoint + cmd; env: the image's, then the caller's. */
static char **join_strv(char *const *a, const char *const *b)
{
	size_t na = 0, nb = 0;
	char **v;

	while (a && a[na])
		na++;
	while (b && b[nb])
		nb++;
	v = kk_xcalloc(na + nb + 1, sizeof(*v));
	for (size_t i = 0; a && i < na; i++)
		v[i] = a[i];
	for (size_t i = 0; b && i < nb; i++)
		v[na + i] = (char *)b[i];
	return v; /* the strings stay borrowed */
}

/* An hour from now, RFC 3339: if we die mid-run, containerd drops the lease by itself. */
static void lease_expiry(char *buf, size_t size)
{
	time_t t = time(NULL) + 3600;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Remove a container's snapshot; one already gone is fine. keep_err: report a failure in
 * err (else err keeps the first error of the run). */
static int snapshot_cleanup(struct ctr_conn *conn, const char *sn, const char *key, bool keep_err,
			    struct kk_err *err)
{
	struct kk_err e = { 0 };

	if (ctr_snapshot_remove(conn, sn, key, &e) == 0 || e.code == ENOENT)
		return 0;
	if (keep_err)
		*err = e;
	else
		kk_log_ignored(ctr_log(conn), &e, "run: remove snapshot `%s`", key);
	return -1;
}

int ctr_run_oneshot(struct ctr_conn *conn, const struct ctr_run_opts *o, int *exit_status,
		    struct kk_err *err)
{
	static const char *const default_env[] = {
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", NULL
	};
	const char *sn = o->snapshotter ? o->snapshotter : "overlayfs";
	struct ctr_image_rootfs rootfs = { 0 };
	struct ctr_mounts mounts = { 0 };
	struct ctr_container c = { 0 };
	struct ctr_task_create_opts topts = { 0 };
	struct ctr_labels lease_labels = { 0 };
	struct kk_err ignored = { 0 };
	cleanup_free char *log_uri = NULL, *spec = NULL, *lease_id = NULL;
	cleanup_free char *prev_lease = NULL;
	cleanup_free char **args = NULL, **env = NULL;
	char lease_time[32];
	bool lease_held = false;
	uint32_t status = 0;
	int ret = -1;

	if (!o->id || !*o->id || !o->image || !o->log_path)
		return kk_err_set(err, EINVAL, "run: id, image and log path are required");
	if (ctr_log_uri(o->log_path, &log_uri, err) < 0)
		return kk_err_wrap(err, "run `%s`", o->id);
	if (ctr_image_rootfs(conn, o->image, &rootfs, err) < 0)
		return kk_err_wrap(err, "run `%s`", o->id);
	if (o->args)
		args = join_strv(NULL, o->args);
	else
		args = join_strv(rootfs.entrypoint, (const char *const *)rootfs.cmd);
	if (!args[0]) {
		kk_err_set(err, EINVAL, "run `%s`: image `%s` has no command and none was given",
			   o->id, o->image);
		goto out;
	}
	env = join_strv(rootfs.env && rootfs.env[0] ? rootfs.env : (char **)default_env, o->env);
	spec = ctr_spec_default(ctr_namespace(conn), o->id, (const char *const *)args,
				(const char *const *)env,
				o->cwd ? o->cwd
				       : (rootfs.working_dir && rootfs.working_dir[0]
						  ? rootfs.working_dir
						  : "/"),
				false);

	/* hold the new snapshot under a lease until the container record references it,
	 * so that containerd's garbage collector cannot take it in between */
	lease_id = kk_xasprintf("kukeon-run-%s", o->id);
	lease_expiry(lease_time, sizeof(lease_time));
	ctr_labels_set(&lease_labels, "containerd.io/gc.expire", lease_time);
	ret = ctr_lease_create(conn, lease_id, &lease_labels, NULL, err);
	ctr_labels_clear(&lease_labels);
	if (ret < 0)
		goto out;
	ret = -1;
	lease_held = true;
	prev_lease = ctr_lease(conn) ? kk_xstrdup(ctr_lease(conn)) : NULL;
	ctr_set_lease(conn, lease_id);
	if (ctr_snapshot_prepare(conn, sn, o->id, rootfs.chain_id, NULL, &mounts, err) < 0) {
		ctr_set_lease(conn, prev_lease);
		goto undo_lease;
	}
	c.id = (char *)o->id;
	c.image = (char *)o->image;
	c.runtime = (char *)CTR_RUNTIME_RUNC_V2;
	c.spec = spec;
	c.snapshotter = (char *)sn;
	c.snapshot_key = (char *)o->id;
	ret = ctr_container_create(conn, &c, err);
	ctr_set_lease(conn, prev_lease);
	if (ret < 0)
		goto undo_snapshot;
	ret = -1;
	ctr_lease_delete(conn, lease_id, false, &ignored);
	kk_log_ignored(ctr_log(conn), &ignored, "run `%s`: delete lease `%s`", o->id, lease_id);
	lease_held = false;

	topts.rootfs = &mounts;
	topts.stdout_path = log_uri;
	topts.stderr_path = log_uri;
	if (ctr_task_create(conn, o->id, &topts, NULL, err) < 0)
		goto undo_container;
	if (ctr_task_start(conn, o->id, NULL, err) < 0)
		goto undo_task;
	if (ctr_task_wait(conn, o->id, o->timeout_ms, &status, NULL, err) < 0) {
		ctr_task_kill(conn, o->id, 9, true, &ignored);
		kk_log_ignored(ctr_log(conn), &ignored, "run `%s`: kill after a failed wait",
			       o->id);
		ctr_task_wait(conn, o->id, 5000, NULL, NULL, &ignored);
		kk_log_ignored(ctr_log(conn), &ignored, "run `%s`: wait after the kill", o->id);
		goto undo_task;
	}
	/* the shim finishes copying output when the task is deleted */
	if (ctr_task_delete(conn, o->id, &status, err) < 0)
		goto undo_task;
	*exit_status = (int)status;
	ret = 0;
	goto undo_container;

undo_task:
	ctr_task_delete(conn, o->id, NULL, &ignored);
	kk_log_ignored(ctr_log(conn), &ignored, "undo: delete task `%s`", o->id);
undo_container:
	/* the snapshot first, while the container record still keeps containerd's garbage
	 * collector off it (as the Go client's WithSnapshotCleanup does) */
	if (snapshot_cleanup(conn, sn, o->id, ret == 0, err) < 0)
		ret = -1;
	if (ctr_container_delete(conn, o->id, ret < 0 ? &ignored : err) < 0 && ret == 0)
		ret = -1;
	kk_log_ignored(ctr_log(conn), &ignored, "undo: delete container `%s`", o->id);
	goto undo_lease;
undo_snapshot:
	snapshot_cleanup(conn, sn, o->id, false, err);
undo_lease:
	if (lease_held) {
		ctr_lease_delete(conn, lease_id, false, &ignored);
		kk_log_ignored(ctr_log(conn), &ignored, "undo: delete lease `%s`", lease_id);
	}
out:
	if (ret < 0 && strncmp(err->msg, "run ", 4) != 0)
		kk_err_wrap(err, "run `%s`", o->id);
	ctr_mounts_clear(&mounts);
	ctr_image_rootfs_clear(&rootfs);
	return ret;
}
