/* common/controller/namespace.h - emptying and deleting a realm's containerd namespace
 * (upstream's CleanupNamespaceResources, used by realm delete/purge and uninstall). */
#ifndef KK_COMMON_CONTROLLER_NAMESPACE_H
#define KK_COMMON_CONTROLLER_NAMESPACE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/controller/controller.h"
#include "common/err.h"

struct kk_ns_cleanup_result {
	bool existed, deleted;
	size_t n_removed, n_failed, n_warnings;
	char **removed;  /* "task `x`", "image `y`", "snapshot `overlayfs/z`" ... */
	char **failed;   /* "<item>: <reason>" */
	char **warnings; /* "snapshotter `zfs` skipped: ..." */
};
void kk_ns_cleanup_result_clear(struct kk_ns_cleanup_result *r);

/* Kill and delete tasks, delete containers, leases, images, snapshots (every known
 * snapshotter), content, then the namespace. Fails only when the namespace itself could
 * not be deleted; *res is filled either way (clear it in both cases). */
int kk_ctl_namespace_cleanup(const struct kk_ctl *ctl, const char *ns,
			     struct kk_ns_cleanup_result *res, struct kk_err *err);

#endif
