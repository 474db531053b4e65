/* common/controller/uninstall.c - see uninstall.h. */
#include "common/controller/uninstall.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/controller/hierarchy.h"
#include "common/controller/namespace.h"
#include "common/mem.h"
#include "common/path.h"
#include "common/store/paths.h"
#include "common/strv.h"
#include "ctr/ctr.h"

#define DAEMON_GRACE_MS 5000

void kk_uninstall_report_clear(struct kk_uninstall_report *r)
{
	for (size_t i = 0; i < r->n_realms; i++) {
		free(r->realms[i].name);
		free(r->realms[i].ns);
		free(r->realms[i].error);
	}
	free(r->realms);
	free(r->pidfile);
	kk_td_report_clear(&r->items);
	memset(r, 0, sizeof(*r));
}

/* keep the first error: later ones only go to the report */
static void record(struct kk_err *first, const struct kk_err *e)
{
	if (!first->code && e->code)
		*first = *e;
}

/* The containerd namespaces, or -1. */
static int ns_list(struct kk_local *l, char ***out, struct kk_err *err)
{
	cleanup_(ctr_disconnectp) struct ctr_conn *conn = NULL;
	struct ctr_namespace_info *list = NULL;
	char **v = NULL;
	size_t n = 0;

	if (kk_local_connect(l, NULL, &conn, err) < 0 ||
	    ctr_namespace_list(conn, &list, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		kk_strv_push_take(&v, kk_xstrdup(list[i].name));
	ctr_namespace_list_free(list, n);
	*out = v;
	return 0;
}

static void realm_add(struct kk_uninstall_report *rep, const char *name, const char *ns)
{
	struct kk_uninstall_realm *r;

	for (size_t i = 0; i < rep->n_realms; i++)
		if (strcmp(rep->realms[i].name, name) == 0)
			return;
	rep->realms = kk_xrealloc(rep->realms, (rep->n_realms + 1) * sizeof(*rep->realms));
	r = &rep->realms[rep->n_realms++];
	memset(r, 0, sizeof(*r));
	r->name = kk_xstrdup(name);
	r->ns = kk_xstrdup(ns);
}

/* upstream's union, in its order: metadata, then `*.<suffix>` namespaces (sorted), then the
 * well-known two. Listing failures only shorten it. */
static void realms_collect(struct kk_local *l, struct kk_uninstall_report *rep)
{
	static const char *const well_known[] = { "default", "kuke-system" };
	cleanup_(kk_strv_freep) char **nss = NULL;
	struct kk_realm **list = NULL;
	struct kk_err e = { 0 };
	size_t n = 0;

	if (kk_ctl_realm_list(l, &list, &n, &e) == 0) {
		for (size_t i = 0; i < n; i++) {
			cleanup_free char *ns = kk_realm_ns(l, list[i], list[i]->meta.name);

			realm_add(rep, list[i]->meta.name, ns);
		}
		kk_realm_list_free(list, n);
	} else {
		kk_log_ignored(l->log, &e, "uninstall: list realms");
	}
	if (ns_list(l, &nss, &e) == 0 && nss) {
		cleanup_free char *suffix = kk_xasprintf(".%s", l->ns_suffix);
		size_t sl = strlen(suffix);

		kk_strv_sort(nss);
		for (size_t i = 0; nss[i]; i++) {
			size_t len = strlen(nss[i]);
			cleanup_free char *name = NULL;

			if (len <= sl || strcmp(nss[i] + len - sl, suffix) != 0)
				continue;
			name = kk_xstrndup(nss[i], len - sl);
			realm_add(rep, name, nss[i]);
		}
	} else {
		kk_log_ignored(l->log, &e, "uninstall: list containerd namespaces");
	}
	for (size_t i = 0; i < ARRAY_SIZE(well_known); i++) {
		cleanup_free char *ns = kk_realm_ns(l, NULL, well_known[i]);

		realm_add(rep, well_known[i], ns);
	}
}

static int realms_purge(struct kk_local *l, struct kk_uninstall_report *rep, struct kk_err *err)
{
	struct kk_err first = { 0 };
	cleanup_(kk_strv_freep) char **before = NULL;
	cleanup_(kk_strv_freep) char **after = NULL;
	struct kk_err e = { 0 };
	bool listed;

	realms_collect(l, rep);
	listed = ns_list(l, &before, &e) == 0;
	kk_log_ignored(l->log, &e, "uninstall: list containerd namespaces");
	for (size_t i = 0; i < rep->n_realms; i++) {
		struct kk_uninstall_realm *r = &rep->realms[i];
		struct kk_delete_result res = { 0 };
		cleanup_free char *dir = kk_store_realm_dir(l->run_path, r->name);

		/* nothing of it anywhere: a purge would only write the run path's instance file
		 * (a second uninstall must find the run path absent) */
		if (listed && !kk_strv_contains(before, r->ns) && access(dir, F_OK) < 0) {
			r->purged = true;
			continue;
		}
		kk_err_clear(&e);
		if (kk_ctl_realm_purge(l, r->name, true, true, &res, &e) < 0) {
			r->error = kk_xstrdup(e.msg);
			kk_err_wrap(&e, "purge realm \"%s\"", r->name);
			record(&first, &e);
		} else {
			r->purged = true;
		}
		kk_delete_result_clear(&res);
	}
	/* a namespace is removed when containerd no longer lists it */
	kk_err_clear(&e);
	listed = ns_list(l, &after, &e) == 0;
	if (!listed)
		kk_log_ignored(l->log, &e, "uninstall: list containerd namespaces");
	for (size_t i = 0; i < rep->n_realms; i++) {
		rep->realms[i].ns_removed = listed && !kk_strv_contains(after, rep->realms[i].ns);
		if (!rep->realms[i].ns_removed)
			rep->cleanup_skipped = true;
	}
	if (first.code) {
		*err = first;
		return -1;
	}
	return 0;
}

int kk_uninstall_realms(const struct kk_local_opts *o, struct kk_uninstall_report *rep,
			struct kk_err *err)
{
	cleanup_(kk_local_freep) struct kk_local *l = NULL;

	if (kk_local_new(o, &l, err) < 0)
		return -1;
	return realms_purge(l, rep, err);
}

/* Steps 3 and 4 for one directory: its mounts, then the directory. */
static void dir_teardown(const char *dir, const char *label, struct kk_td_report *items,
			 struct kk_err *first)
{
	size_t from = items->n;

	kk_host_release_mounts(dir, items);
	kk_host_remove_dir(dir, dir, items);
	for (size_t i = from; i < items->n; i++) {
		const struct kk_td_item *it = &items->items[i];
		struct kk_err e = { 0 };

		if (it->outcome != KK_TD_FAILED)
			continue;
		if (strncmp(it->what, "mount ", 6) == 0)
			kk_err_set(&e, EBUSY, "release mount \"%s\" under %s \"%s\": %s",
				   it->what + 6, label, dir, it->why);
		else
			kk_err_set(&e, EIO, "remove %s \"%s\": %s", label, dir, it->why);
		record(first, &e);
	}
}

int kk_uninstall(const struct kk_uninstall_opts *o, struct kk_uninstall_report *rep,
		 struct kk_err *err)
{
	cleanup_(kk_local_freep) struct kk_local *l = NULL;
	struct kk_err first = { 0 };
	struct kk_err e = { 0 };
	size_t from;

	if (kk_local_new(&o->local, &l, err) < 0)
		return -1;
	/* 1: the daemon, through its PID file */
	rep->pidfile = kk_path_join(o->socket_dir, "kukeond.pid");
	if (kk_host_daemon_stop(rep->pidfile, DAEMON_GRACE_MS, &rep->daemon, &e) == 0 &&
	    rep->daemon.survived)
		kk_err_set(&e, EBUSY, "stop kukeond: pid %d survived SIGKILL",
			   (int)rep->daemon.pid);
	record(&first, &e);
	/* 2: every realm */
	kk_err_clear(&e);
	if (realms_purge(l, rep, &e) < 0)
		record(&first, &e);
	if (rep->cleanup_skipped) {
		if (!first.code)
			kk_err_set(&first, EBUSY,
				   "residual containerd namespace prevented teardown");
		*err = first;
		return -1;
	}
	/* kukeon-c: the cgroup tree, with anything a purge could not stop */
	from = rep->items.n;
	kk_host_cgroup_teardown(l->cgroup_mount, l->cgroup_root, &rep->items);
	if (rep->items.n > from && rep->items.items[from].outcome == KK_TD_FAILED) {
		kk_err_set(&e, EBUSY, "remove cgroup \"%s\": %s", l->cgroup_root,
			   rep->items.items[from].why);
		record(&first, &e);
	}
	/* 3, 4: the socket dir and the run path */
	dir_teardown(o->socket_dir, "socket dir", &rep->items, &first);
	dir_teardown(l->run_path, "run path", &rep->items, &first);
	/* 5: the system user and group */
	kk_err_clear(&e);
	if (kk_host_accounts_remove(o->root, &rep->items, &e) < 0) {
		kk_err_wrap(&e, "remove user/group");
		record(&first, &e);
	}
	if (first.code) {
		*err = first;
		return -1;
	}
	return 0;
}
