/* common/controller/namespace.h - emptying and deleting a realm's containerd namespace
 * (upstream's CleanupNamespaceResources, used by realm delete/purge and uninstall). */
#ifndef KK_COMMON_CONTROLLER_NAMESPACE_H
#define KK_COMMON_CONTROLLER_NAMESPACE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/controller/controller.h"
#include "common/err.h"

struct kk_local;
struct kk_realm;

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
int kk_ctl_namespace_cleanup(const struct kk_local *l, const char *ns,
			     struct kk_ns_cleanup_result *res, struct kk_err *err);

/* The containerd namespace of a realm: its stored spec.namespace, or "<name>.<suffix>" for a
 * realm without one (r NULL: not stored yet). The one place this is derived. A new string. */
char *kk_realm_ns(const struct kk_local *l, const struct kk_realm *r, const char *name);

/* Load realm `name` and give its namespace: 0, or ENOENT `realm not found: <name>`. */
int kk_realm_ns_load(struct kk_local *l, const char *name, char **ns, struct kk_err *err);

#endif
