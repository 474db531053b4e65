/* common/controller/status.c - see status.h. */
#include "common/controller/status.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cjson/cJSON.h"
#include "common/cleanup.h"
#include "common/controller/ops.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/mem.h"
#include "common/path.h"
#include "common/strv.h"
#include "ctr/ctr.h"

void kk_daemon_status_clear(struct kk_daemon_status *s)
{
	free(s->version);
	free(s->socket);
	kk_strv_free(s->last_errors);
	memset(s, 0, sizeof(*s));
}

int kk_daemon_status_write(const char *run_path, const struct kk_daemon_status *s,
			   struct kk_err *err)
{
	cleanup_(kk_json_freep) cJSON *o = cJSON_CreateObject();
	cleanup_free char *path = kk_path_join(run_path, KK_DAEMON_STATUS_FILE);
	cleanup_free char *text = NULL;

	cJSON_AddNumberToObject(o, "pid", (double)s->pid);
	cJSON_AddStringToObject(o, "version", kk_str(s->version));
	cJSON_AddStringToObject(o, "socket", kk_str(s->socket));
	cJSON_AddNumberToObject(o, "startedMs", (double)s->started_ms);
	cJSON_AddNumberToObject(o, "reconcileMs", (double)s->reconcile_ms);
	cJSON_AddNumberToObject(o, "passes", (double)s->passes);
	cJSON_AddNumberToObject(o, "lastPassMs", (double)s->last_pass_ms);
	cJSON_AddNumberToObject(o, "lastPassTookMs", (double)s->last_pass_took_ms);
	kk_json_add_strv(o, "lastErrors", s->last_errors);
	text = kk_json_print(o, KK_JSON_NEWLINE);
	return kk_write_atomic(path, ".kukeond-status-", text, strlen(text), 0644, err);
}

static int64_t num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return kk_json_int64(v, 0);
}

static char *str(const cJSON *o, const char *key)
{
	return kk_xstrdup(kk_str(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key))));
}

int kk_daemon_status_read(const char *run_path, struct kk_daemon_status *out, struct kk_err *err)
{
	cleanup_free char *path = kk_path_join(run_path, KK_DAEMON_STATUS_FILE);
	cleanup_free char *text = NULL;
	cleanup_(kk_json_freep) cJSON *o = NULL;
	struct kk_err e = { 0 };
	struct kk_daemon_status s = { .present = true };

	memset(out, 0, sizeof(*out));
	if (kk_read_file(path, &text, &e) < 0) {
		if (e.code == ENOENT)
			return 0;
		*err = e;
		return -1;
	}
	if (kk_json_parse(text, strlen(text), path, &o, err) < 0)
		return -1;
	s.pid = num(o, "pid");
	s.version = str(o, "version");
	s.socket = str(o, "socket");
	s.started_ms = num(o, "startedMs");
	s.reconcile_ms = num(o, "reconcileMs");
	s.passes = num(o, "passes");
	s.last_pass_ms = num(o, "lastPassMs");
	s.last_pass_took_ms = num(o, "lastPassTookMs");
	if (kk_json_strv(cJSON_GetObjectItemCaseSensitive(o, "lastErrors"), &s.last_errors) < 0) {
		kk_daemon_status_clear(&s);
		return kk_err_set(err, EINVAL, "`%s`: lastErrors: expected an array of strings",
				  path);
	}
	*out = s;
	return 0;
}

void kk_daemon_status_remove(const char *run_path)
{
	cleanup_free char *path = kk_path_join(run_path, KK_DAEMON_STATUS_FILE);

	unlink(path);
}

void kk_host_status_clear(struct kk_host_status *s)
{
	free(s->containerd_version);
	free(s->containerd_error);
	kk_daemon_status_clear(&s->daemon);
	for (size_t i = 0; i < s->n_realms; i++)
		free(s->realms[i].name);
	free(s->realms);
	free(s->run_path);
	free(s->content_path);
	free(s->disk_error);
	memset(s, 0, sizeof(*s));
}

/* ---- disk use: what the files under a directory occupy (st_blocks), one file system ---- */

static void du_dir(int fd, dev_t dev, int depth, int64_t *total)
{
	DIR *d = fdopendir(fd);
	struct dirent *de;

	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d))) {
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		/* what vanishes or cannot be read meanwhile counts as nothing */
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != dev)
			continue;
		*total += (int64_t)st.st_blocks * 512;
		if (S_ISDIR(st.st_mode) && depth < 64) {
			int sub = openat(dirfd(d), de->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (sub >= 0)
				du_dir(sub, dev, depth + 1, total);
		}
	}
	closedir(d);
}

static int disk_use(const char *dir, int64_t *out, struct kk_err *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return kk_err_sys(err, "disk use of `%s`", dir);
	if (fstat(fd, &st) < 0) {
		close(fd);
		return kk_err_sys(err, "disk use of `%s`", dir);
	}
	*out = (int64_t)st.st_blocks * 512;
	du_dir(fd, st.st_dev, 0, out);
	return 0;
}

/* containerd's content store root, as its content plugin exports it */
static int content_root(struct ctr_conn *conn, char **out, struct kk_err *err)
{
	static const char *const filters[] = { "type==io.containerd.content.v1", NULL };
	struct ctr_plugin *p = NULL;
	size_t n = 0;
	int rc = -1;

	if (ctr_plugins(conn, filters, &p, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n && rc < 0; i++)
		for (size_t j = 0; j < p[i].exports.n; j++)
			if (!strcmp(p[i].exports.keys[j], "root")) {
				*out = kk_xstrdup(p[i].exports.values[j]);
				rc = 0;
				break;
			}
	ctr_plugin_list_free(p, n);
	if (rc < 0)
		kk_err_set(err, ENOENT, "containerd does not say where its content store is");
	return rc;
}

static void cells_by_realm(struct kk_local *l, struct kk_host_status *r, struct kk_err *err,
			   int *rc)
{
	struct kk_realm **realms = NULL;
	struct kk_cell **cells = NULL;
	size_t n_realms = 0, n_cells = 0;

	if (kk_ctl_realm_list(l, &realms, &n_realms, err) < 0 ||
	    kk_ctl_cell_list(l, NULL, NULL, NULL, &cells, &n_cells, err) < 0) {
		*rc = -1;
		goto out;
	}
	r->realms = kk_xcalloc(n_realms + 1, sizeof(*r->realms));
	for (size_t i = 0; i < n_realms; i++)
		r->realms[r->n_realms++].name = kk_xstrdup(kk_str(realms[i]->meta.name));
	for (size_t i = 0; i < n_cells; i++) {
		int st = cells[i]->status.common.state;

		if (st < 0 || st >= KK_STATUS_CELL_STATES)
			st = KK_CELL_UNKNOWN;
		for (size_t j = 0; j < r->n_realms; j++)
			if (!strcmp(r->realms[j].name, kk_str(cells[i]->spec.realm_id)))
				r->realms[j].cells[st]++;
	}
out:
	kk_realm_list_free(realms, n_realms);
	kk_cell_list_free(cells, n_cells);
}

int kk_op_host_status(struct kk_local *l, const struct kk_no_args *a, struct kk_host_status *r,
		      struct kk_err *err)
{
	cleanup_(ctr_disconnectp) struct ctr_conn *conn = NULL;
	struct ctr_version v = { 0 };
	struct kk_err e = { 0 };
	int rc = 0;

	(void)a;
	r->run_path = kk_xstrdup(l->run_path);
	r->run_path_bytes = r->content_bytes = -1;
	if (kk_local_connect(l, NULL, &conn, &e) < 0 || ctr_version(conn, &v, &e) < 0) {
		r->containerd_error = kk_xstrdup(e.msg);
	} else {
		r->containerd_ok = true;
		r->containerd_version = TAKE_PTR(v.version);
		free(v.revision);
	}
	if (kk_daemon_status_read(l->run_path, &r->daemon, err) < 0)
		goto fail;
	cells_by_realm(l, r, err, &rc);
	if (rc < 0)
		goto fail;
	memset(&e, 0, sizeof(e));
	if (disk_use(l->run_path, &r->run_path_bytes, &e) < 0)
		r->disk_error = kk_xstrdup(e.msg);
	memset(&e, 0, sizeof(e));
	if (r->containerd_ok && content_root(conn, &r->content_path, &e) == 0 &&
	    disk_use(r->content_path, &r->content_bytes, &e) == 0)
		return 0;
	if (!r->disk_error && r->containerd_ok)
		r->disk_error = kk_xstrdup(e.msg);
	return 0;
fail:
	kk_host_status_clear(r);
	return -1;
}
