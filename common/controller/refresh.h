/* common/controller/refresh.h - `kuke refresh` (upstream's RefreshAll, v0.5.0): walk realms
 * -> spaces -> stacks -> cells from the metadata, re-derive each status from the host and
 * rewrite only the `status` blocks that changed.
 *
 *   realm  Ready iff its cgroup and its containerd namespace (spec.namespace, or
 *          `<name>.<suffix>` when empty) exist; cgroupReady, containerdNamespaceReady.
 *   space  Ready iff its conflist (readable, named `<realm>-<space>`) and cgroup exist.
 *   stack  Ready iff its cgroup exists.
 *   cell   from containerd (kk_rt_cell_status): state, container statuses (start/finish
 *          time, exit code and signal, restart count), the cell IP; Failed stays Failed;
 *          readyObserved latches.
 * Cgroups are looked up by the names (`<root>/<realm>/...`), as upstream does; a cell uses
 * its status.cgroupPath when set.
 *
 * What cannot be observed (unreadable metadata, containerd not answering) is reported in
 * `errors` with upstream's wording (`failed to refresh realm '<r>': ...`) and that object's
 * metadata is left as it was: nothing is written from a guess. Directories without a
 * metadata.json are skipped, as upstream's listings skip them. */
#ifndef KK_COMMON_CONTROLLER_REFRESH_H
#define KK_COMMON_CONTROLLER_REFRESH_H

#include "common/controller/hierarchy.h"
#include "common/err.h"

/* Upstream's RefreshResult; NULL-terminated owned string vectors (NULL: empty). Names as
 * upstream: realms, spaces, stacks and cells by name, containers as
 * `<realm>/<space>/<stack>/<cell>/<container>`. */
struct kk_refresh_result {
	char **realms_found, **spaces_found, **stacks_found, **cells_found, **containers_found;
	char **realms_updated, **spaces_updated, **stacks_updated, **cells_updated;
	char **containers_updated; /* only the containers whose status changed */
	char **errors;
};
void kk_refresh_result_clear(struct kk_refresh_result *r);

/* The walk. Fails only when it cannot start: the realms cannot be listed, the run path
 * belongs to another configuration (instance file), the cgroup mount cannot be opened, or
 * the store lock is not had in time. Everything else lands in res->errors. */
int kk_ctl_refresh(struct kk_local *l, struct kk_refresh_result *res, struct kk_err *err);

/* The same walk with a say over each cell, for the reconcile pass (reconcile.h). Both
 * hooks run with the store lock held; e and info are the cell as the walk loaded it and
 * its live runtime status, already copied into e->cell's status (Failed kept sticky).
 *   cell     may act on the host and change e->cell's status (and info) before it is
 *            compared with the stored one and written when it differs; returns 1 when
 *            the cell is gone (deleted), so nothing is written, else 0.
 *   settled  after the status was written or found unchanged (not after a failed write):
 *            what is on disk now matches e->cell. */
struct kk_cell_env;
struct kk_rt_cell_info;
struct kk_refresh_hooks {
	int (*cell)(void *arg, struct kk_local *l, struct kk_cell_env *e,
		    struct kk_rt_cell_info *info, int old_state);
	void (*settled)(void *arg, struct kk_local *l, struct kk_cell_env *e,
			const struct kk_rt_cell_info *info);
	void *arg;
};
int kk_refresh_walk(struct kk_local *l, const struct kk_refresh_hooks *hooks,
		    struct kk_refresh_result *res, struct kk_err *err);

/* What `kuke refresh` prints, byte for byte as upstream: the found counts, `Updated:` with
 * the non-empty categories only (or `  (none)`), `Errors:`. A list shows up to five names
 * then `...`. A new string. */
char *kk_refresh_summary(const struct kk_refresh_result *r);

#endif
