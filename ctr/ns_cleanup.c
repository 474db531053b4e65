/* ctr/ns_cleanup.c - empty a containerd namespace and delete it (see image.h). */
#include "ctr/image.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/mem.h"

static const char *const snapshotters[] = { "overlayfs", "native",    "btrfs",
					    "zfs",       "devmapper", "blockfile" };

static void add(char ***list, size_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void add(char ***list, size_t *n, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	*list = kk_xrealloc(*list, (*n + 1) * sizeof(char *));
	(*list)[(*n)++] = s;
}

#define REMOVED(rep, ...) add(&(rep)->removed, &(rep)->n_removed, __VA_ARGS__)
#define FAILED(rep, ...)  add(&(rep)->failed, &(rep)->n_failed, __VA_ARGS__)
#define WARNED(rep, ...)  add(&(rep)->warnings, &(rep)->n_warnings, __VA_ARGS__)

void ctr_cleanup_report_clear(struct ctr_cleanup_report *r)
{
	for (size_t i = 0; i < r->n_removed; i++)
		free(r->removed[i]);
	for (size_t i = 0; i < r->n_failed; i++)
		free(r->failed[i]);
	for (size_t i = 0; i < r->n_warnings; i++)
		free(r->warnings[i]);
	free(r->removed);
	free(r->failed);
	free(r->warnings);
	memset(r, 0, sizeof(*r));
}

/* kill (SIGKILL to every process), wait up to 10 s, delete */
static void drop_task(struct ctr_conn *conn, const char *id, struct ctr_cleanup_report *rep)
{
	struct ctr_process p = { 0 };
	struct kk_err err = { 0 };
	uint32_t status;

	if (ctr_task_get(conn, id, &p, &err) < 0) {
		if (err.code != ENOENT)
			FAILED(rep, "task `%s`: %s", id, err.msg);
		return;
	}
	if (p.status == CTR_TASK_RUNNING || p.status == CTR_TASK_PAUSED ||
	    p.status == CTR_TASK_PAUSING || p.status == CTR_TASK_CREATED) {
		if (ctr_task_kill(conn, id, SIGKILL, true, &err) < 0 && err.code != ENOENT)
			FAILED(rep, "task `%s`: kill: %s", id, err.msg);
		memset(&err, 0, sizeof(err));
		if (p.status != CTR_TASK_CREATED &&
		    ctr_task_wait(conn, id, 10000, &status, NULL, &err) < 0 && err.code != ENOENT)
			FAILED(rep, "task `%s`: wait: %s", id, err.msg);
	}
	ctr_process_clear(&p);
	memset(&err, 0, sizeof(err));
	if (ctr_task_delete(conn, id, NULL, &err) < 0) {
		if (err.code != ENOENT)
			FAILED(rep, "task `%s`: %s", id, err.msg);
		return;
	}
	REMOVED(rep, "task `%s`", id);
}

static void drop_containers(struct ctr_conn *conn, struct ctr_cleanup_report *rep)
{
	struct ctr_container *list = NULL;
	struct kk_err err = { 0 };
	size_t n = 0;

	if (ctr_container_list(conn, NULL, &list, &n, &err) < 0) {
		FAILED(rep, "containers: %s", err.msg);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct ctr_container *c = &list[i];

		drop_task(conn, c->id, rep);
		memset(&err, 0, sizeof(err));
		if (ctr_container_delete(conn, c->id, &err) < 0 && err.code != ENOENT) {
			FAILED(rep, "container `%s`: %s", c->id, err.msg);
			continue;
		}
		REMOVED(rep, "container `%s`", c->id);
		/* the container's own snapshot, as delete with snapshot cleanup does */
		if (c->snapshot_key && c->snapshot_key[0]) {
			const char *sn =
				c->snapshotter && c->snapshotter[0] ? c->snapshotter : "overlayfs";

			memset(&err, 0, sizeof(err));
			if (ctr_snapshot_remove(conn, sn, c->snapshot_key, &err) == 0)
				REMOVED(rep, "snapshot `%s/%s`", sn, c->snapshot_key);
			else if (err.code != ENOENT)
				FAILED(rep, "snapshot `%s/%s`: %s", sn, c->snapshot_key, err.msg);
		}
	}
	ctr_container_list_free(list, n);
}

static void drop_leases(struct ctr_conn *conn, struct ctr_cleanup_report *rep)
{
	struct ctr_lease *list = NULL;
	struct kk_err err = { 0 };
	size_t n = 0;

	if (ctr_lease_list(conn, NULL, &list, &n, &err) < 0) {
		FAILED(rep, "leases: %s", err.msg);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		memset(&err, 0, sizeof(err));
		if (ctr_lease_delete(conn, list[i].id, true, &err) < 0 && err.code != ENOENT)
			FAILED(rep, "lease `%s`: %s", list[i].id, err.msg);
		else
			REMOVED(rep, "lease `%s`", list[i].id);
	}
	ctr_lease_list_free(list, n);
}

static void drop_images(struct ctr_conn *conn, struct ctr_cleanup_report *rep)
{
	struct ctr_image *list = NULL;
	struct kk_err err = { 0 };
	size_t n = 0;

	if (ctr_image_list(conn, NULL, &list, &n, &err) < 0) {
		FAILED(rep, "images: %s", err.msg);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		memset(&err, 0, sizeof(err));
		/* the last delete waits for GC, so what only images held is gone after it */
		if (ctr_image_delete(conn, list[i].name, i + 1 == n, &err) < 0 &&
		    err.code != ENOENT)
			FAILED(rep, "image `%s`: %s", list[i].name, err.msg);
		else
			REMOVED(rep, "image `%s`", list[i].name);
	}
	ctr_image_list_free(list, n);
}

/* Remove children before parents: each pass removes what no remaining snapshot has as
 * parent; at most 32 passes, stopping when a pass makes no progress. */
static void drop_snapshots(struct ctr_conn *conn, const char *sn, struct ctr_cleanup_report *rep)
{
	for (int pass = 0; pass < 32; pass++) {
		struct ctr_snapshot *list = NULL;
		struct kk_err err = { 0 };
		size_t n = 0, removed = 0;
		cleanup_free bool *is_parent = NULL;

		if (ctr_snapshot_list(conn, sn, NULL, &list, &n, &err) < 0) {
			if (pass == 0)
				WARNED(rep, "snapshotter `%s` skipped: %s", sn, err.msg);
			else
				FAILED(rep, "snapshotter `%s`: %s", sn, err.msg);
			return;
		}
		if (n == 0) {
			ctr_snapshot_list_free(list, n);
			return;
		}
		is_parent = kk_xcalloc(n, sizeof(bool));
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < n; j++)
				if (list[j].parent && !strcmp(list[j].parent, list[i].name))
					is_parent[i] = true;
		for (size_t i = 0; i < n; i++) {
			if (is_parent[i])
				continue;
			memset(&err, 0, sizeof(err));
			if (ctr_snapshot_remove(conn, sn, list[i].name, &err) == 0 ||
			    err.code == ENOENT) {
				REMOVED(rep, "snapshot `%s/%s`", sn, list[i].name);
				removed++;
			} else if (pass == 31) {
				FAILED(rep, "snapshot `%s/%s`: %s", sn, list[i].name, err.msg);
			}
		}
		if (removed == 0) {
			for (size_t i = 0; i < n; i++)
				FAILED(rep, "snapshot `%s/%s`: could not be removed", sn,
				       list[i].name);
			ctr_snapshot_list_free(list, n);
			return;
		}
		ctr_snapshot_list_free(list, n);
	}
}

static void drop_content(struct ctr_conn *conn, struct ctr_cleanup_report *rep)
{
	struct ctr_content_info *list = NULL;
	struct kk_err err = { 0 };
	size_t n = 0;

	if (ctr_content_list(conn, NULL, &list, &n, &err) < 0) {
		FAILED(rep, "content: %s", err.msg);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		memset(&err, 0, sizeof(err));
		if (ctr_content_delete(conn, list[i].digest, &err) < 0 && err.code != ENOENT)
			FAILED(rep, "content `%s`: %s", list[i].digest, err.msg);
		else
			REMOVED(rep, "content `%s`", list[i].digest);
	}
	ctr_content_info_list_free(list, n);
}

int ctr_namespace_cleanup(struct ctr_conn *conn, const char *ns, struct ctr_cleanup_report *rep,
			  struct kk_err *err)
{
	struct ctr_namespace_info *list = NULL;
	size_t n = 0;
	bool found = false;
	cleanup_free char *saved = ctr_namespace(conn) ? kk_xstrdup(ctr_namespace(conn)) : NULL;
	cleanup_free char *saved_lease = ctr_lease(conn) ? kk_xstrdup(ctr_lease(conn)) : NULL;
	int rc = 0;

	memset(rep, 0, sizeof(*rep));
	/* containerd answers Get for any name: existence is membership in the list */
	if (ctr_namespace_list(conn, &list, &n, err) < 0)
		return kk_err_wrap(err, "namespace `%s`", ns);
	for (size_t i = 0; i < n; i++)
		found |= !strcmp(list[i].name, ns);
	ctr_namespace_list_free(list, n);
	if (!found)
		return 0;
	rep->ns_existed = true;
	ctr_set_namespace(conn, ns);
	ctr_set_lease(conn, NULL);

	drop_containers(conn, rep);
	drop_leases(conn, rep);
	drop_images(conn, rep);
	for (size_t i = 0; i < sizeof(snapshotters) / sizeof(snapshotters[0]); i++)
		drop_snapshots(conn, snapshotters[i], rep);
	drop_content(conn, rep);

	if (ctr_namespace_delete(conn, ns, err) < 0) {
		rc = kk_err_wrap(err, "delete namespace `%s`", ns);
	} else {
		rep->ns_deleted = true;
		REMOVED(rep, "namespace `%s`", ns);
	}
	ctr_set_namespace(conn, saved);
	ctr_set_lease(conn, saved_lease);
	return rc;
}
