/* common/controller/orphans.h - what is on the host for a cell the store does not know.
 *
 * A create killed half way is normally rolled back through its journal record
 * (journal.h); the sweep finds what is left without one (made by hand, left by an older
 * version, a record lost with the power), in each realm:
 *   containers and their tasks   kukeon.io/{realm,space,stack,cell} labels, no cell metadata:
 *                                the cell purged by its names; labels of a cell with
 *                                metadata that does not declare it (nor has a record for
 *                                it): that container deleted (task, snapshot, lease)
 *   snapshots                    active snapshots and views named as kukeon names them
 *                                (`<space>_<stack>_<cell>_<container>`, `...-kkview`) that no
 *                                container uses, and their create lease
 *   cgroups                      `<root>/<realm>/<space>/<stack>/<cell>` of no cell: killed,
 *                                removed; then a stack's or space's group with no metadata
 *                                and no group left below it
 *   run path directories         a cell directory without metadata (etc files, logs, tty
 *                                dirs), a container directory its cell no longer declares
 *   veths                        on a kukeon bridge with the peer on the host too (no
 *                                container's: the host end of a cell's pair has its peer in
 *                                the cell's netns, even during the create)
 * CNI cache entries and host-local reservations of no running root container are swept
 * by refresh's network pass (network.h), but for those kk_orphans_cni_keep keeps. Nothing is
 * touched while its cell has metadata or a journal record, while a writer holds the cell's lock (a
 * create in flight takes it before its first side effect), or within the grace period of its
 * creation (containerd's created time, or the directory's mtime). Runs at the start of `kuke
 * refresh` and of each kukeond reconcile pass. */
#ifndef KK_COMMON_CONTROLLER_ORPHANS_H
#define KK_COMMON_CONTROLLER_ORPHANS_H

#include "common/controller/hierarchy.h"
#include "common/err.h"

/* Miren's 3 minutes; KUKEON_ORPHAN_GRACE (seconds) overrides it */
#define KK_ORPHAN_GRACE_S           180
#define KK_ORPHAN_SNAPSHOTTER       "overlayfs"
#define KK_ORPHAN_CGROUP_TIMEOUT_MS 2000

/* Sweep every realm. *swept gets one line for each orphan removed ("realm/space/stack/cell"
 * for a cell purged, "snapshot ...", "cgroup ..." or the directory's path; NULL: none; free
 * with kk_strv_free), *failed one for each that could not be, with why. Fails only when
 * the realms cannot be listed. */
int kk_ctl_sweep_orphans(struct kk_local *l, char ***swept, char ***failed, struct kk_err *err);

struct kk_cni_conflist;
/* The containerd ids whose CNI cache entries and host-local reservations on net (a network
 * of realm) the sweep keeps: live_ids (the running roots), and each whose entry or
 * reservation file is within the grace (its mtime) or whose cell has a journal record or
 * a writer holding its lock (a create in flight, whose root is not running yet). A new
 * vector; NULL: none. */
char **kk_orphans_cni_keep(struct kk_local *l, const char *realm, const struct kk_cni_conflist *net,
			   char *const *live_ids);

#endif
