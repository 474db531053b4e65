/* common/controller/orphans.c - see orphans.h. */
#include "common/controller/orphans.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/cleanup.h"
#include "common/cni/cni.h"
#include "common/cgroup/cgroup.h"
#include "common/cgroup/kill.h"
#include "common/controller/cell.h"
#include "common/controller/cell_env.h"
#include "common/controller/journal.h"
#include "common/controller/local_internal.h"
#include "common/fs.h"
#include "common/model/model.h"
#include "common/store/paths.h"
#include "common/controller/namespace.h"
#include "common/mem.h"
#include "common/store/store.h"
#include "common/strv.h"
#include "ctr/ctr.h"

struct owner {
	const char *space, *stack, *cell; /* borrowed from the container list */
	int64_t created_ns;               /* its youngest container's */
};

static struct owner *owner_find(struct owner *v, size_t n, const struct owner *o)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].space, o->space) && !strcmp(v[i].stack, o->stack) &&
		    !strcmp(v[i].cell, o->cell))
			return &v[i];
	return NULL;
}

/* Purge the cell if, under its lock, it still has no metadata. 1 purged, 0 not an orphan
 * (or busy), -1 the purge failed. */
static int sweep_one(struct kk_local *l, const char *realm, const struct owner *o,
		     struct kk_err *err)
{
	struct kk_store_ref ref = { realm, o->space, o->stack, o->cell };
	struct kk_delete_result res = { 0 };
	struct kk_err busy = { 0 };
	int rc;

	if (kk_store_exists(l->store, &ref, err) != 0)
		return 0;
	/* a writer holds it: a create in flight, not an orphan */
	if (kk_store_lock_ref(l->store, &ref, 0, &busy) < 0)
		return 0;
	rc = kk_store_exists(l->store, &ref, err);
	if (rc == 0) {
		rc = kk_ctl_cell_purge(l, realm, o->space, o->stack, o->cell, &res, err) < 0 ? -1
											     : 1;
		kk_delete_result_clear(&res);
	} else {
		rc = 0;
	}
	kk_store_unlock(l->store);
	return rc;
}

/* One orphan: what (taken) into *swept when removed, else with e's reason into *failed;
 * e cleared. */
static void tally(bool removed, char *what, struct kk_err *e, char ***swept, char ***failed)
{
	if (removed) {
		kk_strv_push_take(swept, what);
	} else {
		kk_strv_push_take(failed, kk_xasprintf("%s: %s", what, e->msg));
		free(what);
	}
	kk_err_clear(e);
}

/* Seconds an orphan must have existed before it is removed (KUKEON_ORPHAN_GRACE, a test
 * and tuning knob; default KK_ORPHAN_GRACE_S), in nanoseconds. */
static int64_t grace_ns(void)
{
	const char *v = getenv("KUKEON_ORPHAN_GRACE");
	char *end = NULL;
	long long s = v && *v ? strtoll(v, &end, 10) : -1;

	if (s < 0 || (end && *end))
		s = KK_ORPHAN_GRACE_S;
	return s * 1000000000LL;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* path was changed within the grace (or cannot be seen): keep it */
static bool path_young(const char *path, int64_t grace)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return true;
	return now_ns() - ((int64_t)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec) < grace;
}

/* Under ref's lock, taken without waiting: 1 when ref (a cell) has neither metadata nor a
 * journal record, so what its names point to is an orphan; 0 when it is owned, journaled or
 * busy. The caller unlocks after a 1. */
static int cell_unowned(struct kk_local *l, const struct kk_store_ref *ref)
{
	struct kk_err e = { 0 };

	if (kk_store_exists(l->store, ref, &e) != 0 || kk_journal_exists(l, ref))
		return 0;
	if (kk_store_lock_ref(l->store, ref, 0, &e) < 0)
		return 0;
	if (kk_store_exists(l->store, ref, &e) != 0 || kk_journal_exists(l, ref)) {
		kk_store_unlock(l->store);
		return 0;
	}
	return 1;
}

/* "<space>_<stack>_<cell>_<container>" (a container's id and snapshot key) into ref's names
 * and (not NULL) *container, in buf; false when name is not one */
static bool id_parse(const char *name, char *buf, size_t size, struct kk_store_ref *ref,
		     const char **container)
{
	char *parts[4], *save = NULL, *t;
	size_t n = 0;

	if (snprintf(buf, size, "%s", name) >= (int)size)
		return false;
	for (char *s = buf; (t = strtok_r(s, "_", &save)); s = NULL) {
		if (n == 4)
			return false;
		parts[n++] = t;
	}
	if (n != 4)
		return false;
	ref->space = parts[0];
	ref->stack = parts[1];
	ref->cell = parts[2];
	if (container)
		*container = parts[3];
	return true;
}

/* Active snapshots and views named as kukeon names them (a container's id, or its
 * "-kkview" for image lookups) that no container record uses: a create or a lookup that
 * died before its container was made. */
static void sweep_snapshots(struct kk_local *l, struct ctr_conn *conn, const char *realm,
			    const struct ctr_container *list, size_t n, int64_t grace,
			    char ***swept, char ***failed)
{
	struct ctr_snapshot *snaps = NULL;
	size_t n_snaps = 0;
	struct kk_err err = { 0 };
	int64_t now = now_ns();

	if (ctr_snapshot_list(conn, KK_ORPHAN_SNAPSHOTTER, NULL, &snaps, &n_snaps, &err) < 0) {
		kk_strv_push_take(failed, kk_xasprintf("realm %s: snapshots: %s", realm, err.msg));
		return;
	}
	for (size_t i = 0; i < n_snaps; i++) {
		const char *name = snaps[i].name;
		cleanup_free char *base = NULL;
		cleanup_free char *lease = NULL;
		struct kk_store_ref ref = { .realm = realm };
		struct kk_err e = { 0 };
		char buf[256];
		bool used = false;
		size_t len = strlen(name);
		int r;

		if (snaps[i].kind == CTR_SNAPSHOT_COMMITTED || now - snaps[i].created_ns < grace)
			continue;
		base = kk_xstrdup(name);
		if (len > 7 && strcmp(name + len - 7, "-kkview") == 0)
			base[len - 7] = '\0';
		if (!id_parse(base, buf, sizeof(buf), &ref, NULL))
			continue;
		for (size_t j = 0; j < n && !used; j++)
			used = list[j].snapshot_key && strcmp(list[j].snapshot_key, name) == 0;
		/* the cell's writer holds its lock while it makes the snapshot */
		if (used || kk_store_lock_ref(l->store, &ref, 0, &e) < 0)
			continue;
		lease = kk_xasprintf("kukeon-create-%s", base);
		r = ctr_snapshot_remove(conn, KK_ORPHAN_SNAPSHOTTER, name, &e);
		if (r == 0 || e.code == ENOENT)
			ctr_lease_delete(conn, lease, false, &(struct kk_err){ 0 });
		tally(r == 0 || e.code == ENOENT, kk_xasprintf("snapshot %s/%s", realm, name), &e,
		      swept, failed);
		kk_store_unlock(l->store);
	}
	ctr_snapshot_list_free(snaps, n_snaps);
}

static bool labelled_for(const struct ctr_container *c, const char *realm, const struct owner *o)
{
	const struct ctr_labels *lb = &c->labels;

	return !strcmp(kk_str(ctr_labels_get(lb, "kukeon.io/realm")), realm) &&
	       !strcmp(kk_str(ctr_labels_get(lb, "kukeon.io/space")), o->space) &&
	       !strcmp(kk_str(ctr_labels_get(lb, "kukeon.io/stack")), o->stack) &&
	       !strcmp(kk_str(ctr_labels_get(lb, "kukeon.io/cell")), o->cell);
}

/* c is one of cell's (named as the runtime names it, labelled for it) that cell does not
 * declare, nor a journal record covers; *name gets its container name (in buf). */
static bool undeclared(struct kk_local *l, const struct kk_store_ref *ref,
		       const struct kk_cell *cell, const struct ctr_container *c, char *buf,
		       size_t size)
{
	struct kk_store_ref id = { 0 };
	const char *name = NULL;

	if (!id_parse(c->id, buf, size, &id, &name) || strcmp(id.space, ref->space) != 0 ||
	    strcmp(id.stack, ref->stack) != 0 || strcmp(id.cell, kk_str(cell->spec.id)) != 0)
		return false;
	/* the root's id ends in "_root" whatever the root container is called */
	return strcmp(name, KK_RT_ROOT_ID) != 0 && !kk_cell_find_container(&cell->spec, name) &&
	       !kk_journal_container_exists(l, ref, name);
}

/* Containers labelled for cell o, which has metadata, that its spec does not declare and
 * no journal record covers (a container create that died with its record lost), past the
 * grace: deleted with their task, snapshot and lease, under the cell's lock. */
static void sweep_undeclared(struct kk_local *l, const char *realm, const struct owner *o,
			     const struct ctr_container *list, size_t n, int64_t grace,
			     char ***swept, char ***failed)
{
	struct kk_store_ref ref = { realm, o->space, o->stack, o->cell };
	struct kk_cell_env e = { 0 };
	struct kk_cell *cell = NULL;
	struct kk_err err = { 0 };
	int64_t now = now_ns();
	bool any = false;
	char buf[256];

	if (kk_local_load_cell(l, &ref, &cell, &err) != 1)
		return;
	for (size_t i = 0; i < n && !any; i++)
		any = labelled_for(&list[i], realm, o) && now - list[i].created_ns >= grace &&
		      undeclared(l, &ref, cell, &list[i], buf, sizeof(buf));
	kk_cell_free(cell);
	/* held: a writer is at work on the cell */
	if (!any || kk_store_lock_ref(l->store, &ref, 0, &err) < 0)
		return;
	if (kk_cell_env_open(l, &e, realm, o->space, o->stack, o->cell, true, NULL, &err) < 0) {
		kk_strv_push_take(failed, kk_xasprintf("%s/%s/%s/%s: %s", realm, o->space, o->stack,
						       o->cell, err.msg));
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (!labelled_for(&list[i], realm, o) || now - list[i].created_ns < grace ||
		    !undeclared(l, &ref, e.cell, &list[i], buf, sizeof(buf)))
			continue;
		tally(kk_rt_container_delete(&e.rt, list[i].id, &err) >= 0,
		      kk_xasprintf("container %s/%s", realm, list[i].id), &err, swept, failed);
	}
out:
	kk_cell_env_clear(&e);
	kk_store_unlock(l->store);
}

static void sweep_realm(struct kk_local *l, const char *realm, int64_t grace, char ***swept,
			char ***failed)
{
	cleanup_free char *ns = NULL;
	struct ctr_conn *conn = NULL;
	struct ctr_container *list = NULL;
	struct owner *owners = NULL;
	size_t n = 0, n_owners = 0;
	struct kk_err err = { 0 };
	int64_t now = now_ns();

	/* a realm that cannot be read or reached is the walk's error to report, not ours */
	if (kk_realm_ns_load(l, realm, &ns, &err) < 0 || kk_local_connect(l, ns, &conn, &err) < 0 ||
	    ctr_container_list(conn, NULL, &list, &n, &err) < 0)
		goto out;
	owners = kk_xcalloc(n + 1, sizeof(*owners));
	for (size_t i = 0; i < n; i++) {
		const struct ctr_labels *lb = &list[i].labels;
		struct owner o = { ctr_labels_get(lb, "kukeon.io/space"),
				   ctr_labels_get(lb, "kukeon.io/stack"),
				   ctr_labels_get(lb, "kukeon.io/cell"), list[i].created_ns };
		const char *r = ctr_labels_get(lb, "kukeon.io/realm");
		struct owner *seen;

		if (!r || strcmp(r, realm) != 0 || !o.space || !*o.space || !o.stack || !*o.stack ||
		    !o.cell || !*o.cell)
			continue;
		seen = owner_find(owners, n_owners, &o);
		if (seen) {
			if (o.created_ns > seen->created_ns)
				seen->created_ns = o.created_ns;
			continue;
		}
		owners[n_owners++] = o;
	}
	for (size_t i = 0; i < n_owners; i++) {
		struct kk_store_ref ref = { realm, owners[i].space, owners[i].stack,
					    owners[i].cell };
		struct kk_err e = { 0 };
		int rc;

		if (kk_store_exists(l->store, &ref, &e) == 1) {
			sweep_undeclared(l, realm, &owners[i], list, n, grace, swept, failed);
			continue;
		}
		kk_err_clear(&e);
		/* a young one may be a create that has not written its record yet */
		if (now - owners[i].created_ns < grace)
			continue;
		rc = sweep_one(l, realm, &owners[i], &e);
		if (rc == 1)
			kk_strv_push_take(swept, kk_xasprintf("%s/%s/%s/%s", realm, owners[i].space,
							      owners[i].stack, owners[i].cell));
		else if (rc < 0)
			kk_strv_push_take(failed,
					  kk_xasprintf("%s/%s/%s/%s: %s", realm, owners[i].space,
						       owners[i].stack, owners[i].cell, e.msg));
	}
	sweep_snapshots(l, conn, realm, list, n, grace, swept, failed);
out:
	free(owners);
	ctr_container_list_free(list, n);
	ctr_disconnect(conn);
}

/* The group of ref (a space or a stack of realm), in dir: when ref has no metadata nor a
 * child group left, is past the grace and no writer holds it, its processes are killed
 * and it is removed. */
static void sweep_level(struct kk_local *l, const struct kk_store_ref *ref, const char *dir,
			int64_t grace, char ***swept, char ***failed)
{
	cleanup_free char *group = kk_local_cgroup_group(l, ref->realm, ref->space, ref->stack);
	cleanup_(kk_strv_freep) char **subs = NULL;
	struct kk_err e = { 0 };

	if (kk_store_exists(l->store, ref, &e) != 0 || kk_list_subdirs(dir, &subs, &e) < 0 ||
	    subs || path_young(dir, grace) || kk_store_lock_ref(l->store, ref, 0, &e) < 0)
		return;
	if (kk_store_exists(l->store, ref, &e) == 0)
		tally(kk_cgroup_kill(l->cg, group, KK_CGROUP_KILL_AUTO, KK_ORPHAN_CGROUP_TIMEOUT_MS,
				     &e) >= 0 &&
			      kk_cgroup_remove(l->cg, group, KK_ORPHAN_CGROUP_TIMEOUT_MS, &e) >= 0,
		      kk_xasprintf("cgroup %s", group), &e, swept, failed);
	kk_store_unlock(l->store);
}

/* Cell cgroups (<root>/<realm>/<space>/<stack>/<cell>) whose cell has no metadata nor
 * record: their processes killed, the groups removed; then the space and stack groups
 * left with no metadata and no cell below (sweep_level). */
static void sweep_cgroups(struct kk_local *l, const char *realm, int64_t grace, char ***swept,
			  char ***failed)
{
	cleanup_free char *top = kk_local_cgroup_group(l, realm, NULL, NULL);
	cleanup_free char *dir = kk_xasprintf("%s%s", l->cgroup_mount, top);
	cleanup_(kk_strv_freep) char **spaces = NULL;
	struct kk_err e = { 0 };

	if (kk_local_cgroup(l, &e) < 0 || kk_list_subdirs(dir, &spaces, &e) < 0)
		return;
	for (size_t i = 0; spaces && spaces[i]; i++) {
		cleanup_free char *sdir = kk_xasprintf("%s/%s", dir, spaces[i]);
		cleanup_(kk_strv_freep) char **stacks = NULL;

		kk_list_subdirs(sdir, &stacks, &e);
		kk_err_clear(&e);
		for (size_t j = 0; stacks && stacks[j]; j++) {
			cleanup_free char *tdir = kk_xasprintf("%s/%s", sdir, stacks[j]);
			cleanup_(kk_strv_freep) char **cells = NULL;

			kk_list_subdirs(tdir, &cells, &e);
			kk_err_clear(&e);
			for (size_t k = 0; cells && cells[k]; k++) {
				struct kk_store_ref ref = { realm, spaces[i], stacks[j], cells[k] };
				cleanup_free char *cdir = kk_xasprintf("%s/%s", tdir, cells[k]);
				cleanup_free char *group = NULL;

				if (path_young(cdir, grace) || cell_unowned(l, &ref) != 1)
					continue;
				group = kk_xasprintf("%s/%s/%s/%s", top, spaces[i], stacks[j],
						     cells[k]);
				tally(kk_cgroup_kill(l->cg, group, KK_CGROUP_KILL_AUTO,
						     KK_ORPHAN_CGROUP_TIMEOUT_MS, &e) >= 0 &&
					      kk_cgroup_remove(l->cg, group,
							       KK_ORPHAN_CGROUP_TIMEOUT_MS,
							       &e) >= 0,
				      kk_xasprintf("cgroup %s", group), &e, swept, failed);
				kk_store_unlock(l->store);
			}
			sweep_level(l, &(struct kk_store_ref){ realm, spaces[i], stacks[j], NULL },
				    tdir, grace, swept, failed);
		}
		sweep_level(l, &(struct kk_store_ref){ realm, spaces[i], NULL, NULL }, sdir, grace,
			    swept, failed);
	}
}

static bool spec_has(const struct kk_cell *c, const char *name)
{
	for (size_t i = 0; c && i < c->spec.n_containers; i++)
		if (strcmp(kk_str(c->spec.containers[i].id), name) == 0)
			return true;
	return false;
}

/* In the run path: cell directories with no metadata nor record (etc files, logs, tty
 * dirs of a create that died), and the directories of containers a cell no longer has. */
static void sweep_dirs(struct kk_local *l, const char *realm, int64_t grace, char ***swept,
		       char ***failed)
{
	cleanup_(kk_strv_freep) char **spaces = NULL;
	struct kk_err e = { 0 };

	if (kk_store_list(l->store, &(struct kk_store_ref){ .realm = realm }, &spaces, &e) < 0)
		return;
	for (size_t i = 0; spaces && spaces[i]; i++) {
		cleanup_(kk_strv_freep) char **stacks = NULL;

		if (kk_store_list(l->store, &(struct kk_store_ref){ realm, spaces[i], NULL, NULL },
				  &stacks, &e) < 0) {
			kk_err_clear(&e);
			continue;
		}
		for (size_t j = 0; stacks && stacks[j]; j++) {
			cleanup_free char *sdir =
				kk_store_stack_dir(l->run_path, realm, spaces[i], stacks[j]);
			cleanup_(kk_strv_freep) char **cells = NULL;

			kk_list_subdirs(sdir, &cells, &e);
			kk_err_clear(&e);
			for (size_t k = 0; cells && cells[k]; k++) {
				struct kk_store_ref ref = { realm, spaces[i], stacks[j], cells[k] };
				cleanup_free char *cdir = kk_xasprintf("%s/%s", sdir, cells[k]);
				cleanup_(kk_strv_freep) char **subs = NULL;
				struct kk_cell *cell = NULL;

				if (path_young(cdir, grace))
					continue;
				if (cell_unowned(l, &ref) == 1) {
					tally(kk_store_remove_tree(l->store, &ref, &e) >= 0,
					      kk_xstrdup(cdir), &e, swept, failed);
					kk_store_unlock(l->store);
					continue;
				}
				if (kk_local_load_cell(l, &ref, &cell, &e) != 1) {
					kk_err_clear(&e);
					continue;
				}
				kk_list_subdirs(cdir, &subs, &e);
				kk_err_clear(&e);
				for (size_t m = 0; subs && subs[m]; m++) {
					cleanup_free char *p = kk_xasprintf("%s/%s", cdir, subs[m]);

					if (spec_has(cell, subs[m]) || path_young(p, grace) ||
					    kk_journal_container_exists(l, &ref, subs[m]))
						continue;
					tally(kk_rm_rf(p, &e) >= 0, kk_xstrdup(p), &e, swept,
					      failed);
				}
				kk_cell_free(cell);
			}
		}
	}
}

/* veths on a kukeon bridge ("k-" and 8 hex digits, kk_naming_bridge) whose peer is in this
 * netns too: the bridge plugin makes the pair in the container's netns and moves only the
 * host end out, so such a pair is no cell's, even one being made. */
static void sweep_veths(char ***swept, char ***failed)
{
	cleanup_free struct kk_cni_link *links = NULL;
	struct kk_err e = { 0 };
	size_t n = 0;

	if (kk_cni_link_list(&links, &n, &e) < 0) {
		kk_strv_push_take(failed, kk_xasprintf("links: %s", e.msg));
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const char *master = NULL;

		if (!links[i].master || !links[i].peer || links[i].peer == links[i].index ||
		    links[i].peer_elsewhere)
			continue;
		for (size_t j = 0; j < n && !master; j++)
			if (links[j].index == links[i].master)
				master = links[j].name;
		if (!master || strncmp(master, "k-", 2) != 0 || strlen(master) != 10 ||
		    strspn(master + 2, "0123456789abcdef") != 8)
			continue;
		tally(kk_cni_link_delete(links[i].name, &e) >= 0,
		      kk_xasprintf("link %s", links[i].name), &e, swept, failed);
	}
}

/* The cell named by container id cid (of realm) has a journal record, or a writer holds
 * its lock: what cid holds may be a create in flight. */
static bool cid_busy(struct kk_local *l, const char *realm, const char *cid)
{
	struct kk_store_ref ref = { .realm = realm };
	struct kk_err e = { 0 };
	char buf[256];

	if (!id_parse(cid, buf, sizeof(buf), &ref, NULL))
		return false;
	if (kk_journal_exists(l, &ref))
		return true;
	if (kk_store_lock_ref(l->store, &ref, 0, &e) < 0)
		return true;
	kk_store_unlock(l->store);
	return false;
}

/* keep cid when path is young or its cell busy */
static void keep_if(struct kk_local *l, const char *realm, const char *cid, const char *path,
		    int64_t grace, char ***keep)
{
	if (!kk_strv_contains(*keep, cid) && (path_young(path, grace) || cid_busy(l, realm, cid)))
		kk_strv_push_take(keep, kk_xstrdup(cid));
}

char **kk_orphans_cni_keep(struct kk_local *l, const char *realm, const struct kk_cni_conflist *net,
			   char *const *live_ids)
{
	struct kk_cni_host host = kk_local_cni_host(l);
	const char *name = kk_cni_conflist_name(net);
	struct kk_cni_cached_attachment *list = NULL;
	int64_t grace = grace_ns();
	char **keep = NULL;
	size_t n = 0;

	for (size_t i = 0; live_ids && live_ids[i]; i++)
		kk_strv_push_take(&keep, kk_xstrdup(live_ids[i]));
	if (kk_cni_cache_list(&host, NULL, &list, &n, &(struct kk_err){ 0 }) == 0) {
		for (size_t i = 0; i < n; i++) {
			cleanup_free char *path = NULL;

			if (strcmp(list[i].network, name) != 0)
				continue;
			path = kk_cni_cache_path(host.cache_dir, name, list[i].container_id,
						 list[i].ifname);
			keep_if(l, realm, list[i].container_id, path, grace, &keep);
		}
		kk_cni_cached_attachments_free(list, n);
	}
	for (size_t i = 0; i < kk_cni_conflist_n_plugins(net); i++) {
		const char *data = kk_cni_conflist_hostlocal_dir(net, i);
		cleanup_free char *dir = data ? kk_xasprintf("%s/%s", data, name) : NULL;
		DIR *d = dir ? opendir(dir) : NULL;
		struct dirent *de;

		while (d && (de = readdir(d))) {
			cleanup_free char *path = NULL;
			cleanup_free char *text = NULL;
			size_t len = 0;

			/* the store's own files: its lock and the last IP handed out per range */
			if (de->d_name[0] == '.' || strcmp(de->d_name, "lock") == 0 ||
			    strncmp(de->d_name, "last_reserved_ip", 16) == 0)
				continue;
			path = kk_xasprintf("%s/%s", dir, de->d_name);
			/* host-local writes "<id>\r\n<ifname>" (older versions just "<id>") */
			if (kk_read_file_max(path, 512, &text, &len, &(struct kk_err){ 0 }) < 0)
				continue;
			text[strcspn(text, "\r\n")] = '\0';
			if (*text)
				keep_if(l, realm, text, path, grace, &keep);
		}
		if (d)
			closedir(d);
	}
	return keep;
}

int kk_ctl_sweep_orphans(struct kk_local *l, char ***swept, char ***failed, struct kk_err *err)
{
	cleanup_(kk_strv_freep) char **realms = NULL;
	int64_t grace = grace_ns();

	*swept = *failed = NULL;
	if (kk_store_list(l->store, NULL, &realms, err) < 0)
		return kk_err_wrap(err, "failed to list realms");
	/* before any cell lock: the instance check may need the whole store */
	if (realms && kk_cell_prepare(l, err) < 0)
		return kk_err_wrap(err, "orphan sweep");
	for (size_t i = 0; realms && realms[i]; i++) {
		sweep_realm(l, realms[i], grace, swept, failed);
		sweep_cgroups(l, realms[i], grace, swept, failed);
		sweep_dirs(l, realms[i], grace, swept, failed);
	}
	if (realms)
		sweep_veths(swept, failed);
	return 0;
}
