/* common/controller/orphans.h - cells that containerd runs and the store does not know.
 *
 * A cell's metadata is written when its create is done, so a create killed half way (a
 * kill -9 of kukeond or of an in-process kuke) leaves containers and tasks that no
 * metadata owns. The sweep finds them by their kukeon.io/{realm,space,stack,cell} labels in
 * each realm's namespace and purges each such cell under the cell's lock. A create in
 * flight holds that lock from before its first containerd call, so it is never taken for
 * an orphan: only a dead writer's leftovers are swept. */
#ifndef KK_COMMON_CONTROLLER_ORPHANS_H
#define KK_COMMON_CONTROLLER_ORPHANS_H

#include "common/controller/hierarchy.h"
#include "common/err.h"

/* Purge every orphan cell of every realm. *swept gets "realm/space/stack/cell" of each
 * one purged (NULL: none; free with kk_strv_free), *failed the ones that could not be,
 * with why. Fails only when the realms cannot be listed. */
int kk_ctl_sweep_orphans(struct kk_local *l, char ***swept, char ***failed, struct kk_err *err);

#endif
