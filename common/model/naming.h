/* common/model/naming.h - name rules and every derived name (reference §7).
 *
 * Pure functions: no I/O. Derived strings are new (free() them); inputs are borrowed.
 * Inputs are trimmed of surrounding whitespace the way upstream trims them. */
#ifndef KK_COMMON_MODEL_NAMING_H
#define KK_COMMON_MODEL_NAMING_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/model/codec.h"

#define KK_NAMESPACE_SUFFIX     "kukeon.io"
#define KK_CGROUP_ROOT          "/kukeon"
#define KK_CONTAINERD_ID_MAX    76   /* containerd identifiers (namespaces, container ids) */
#define KK_CONTAINERD_LABEL_MAX 4096 /* containerd: len(key) + len(value) */
#define KK_SUBNET_PARENT        "10.88.0.0/16"
#define KK_CNI_VERSION          "0.4.0"

/* upstream ConfigureRuntime: check the namespace suffix (trimmed; non-empty, no leading or
 * trailing '.', none of "/ \t\n") and the cgroup root (trimmed; absolute; trailing '/'
 * removed; not "/"). On success writes the cleaned values (new strings). Messages as
 * upstream, e.g. `containerdNamespaceSuffix ".x" must not start or end with '.': server
 * configuration is invalid`, `cgroupRoot "/" resolves to root: server configuration is invalid`. */
int kk_runtime_config_validate(const char *suffix, const char *cgroup_root, char **suffix_out,
			       char **root_out, struct kk_err *err);

/* Check a realm/space/stack/cell/container name (kind is "realm", "space", "stack",
 * "cell" or "container"). Upstream's rules and messages first:
 *   realm:  "realm name is required",
 *           `realm name is invalid: "<n>" contains disallowed character (must not contain '_' or
 * '/')` others: "name is invalid: <kind> name is required", `name is invalid: <kind> name "<n>"
 * contains disallowed character (must not contain '_' or '/')` then, beyond upstream, containerd's
 * identifier rules, so a bad name fails before any side effect instead of half way through a create
 * (docs/compat.md):
 *   `... "<n>" must match [A-Za-z0-9]+([.-][A-Za-z0-9]+)* (containerd identifier rule)`
 *   `... "<n>" is N characters long; containerd allows at most 76`
 * On success writes the trimmed name to *out (new) when out is not NULL. */
int kk_name_validate(const char *kind, const char *name, char **out, struct kk_err *err);

/* containerd identifier rule: ^[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*$ and at most 76 bytes.
 * what names the thing in the message ("containerd namespace", "containerd id"). */
int kk_containerd_ident_validate(const char *what, const char *id, struct kk_err *err);
/* containerd label rule: len(key) + len(value) <= 4096, key non-empty. */
int kk_containerd_label_validate(const char *key, const char *value, struct kk_err *err);

/* FNV-1a 32-bit (offset 0x811c9dc5, prime 0x01000193). */
uint32_t kk_fnv1a32(const char *s);

/* "<realm>.<suffix>" (suffix NULL = "kukeon.io"); checked against the identifier rule. */
int kk_naming_namespace(const char *realm, const char *suffix, char **out, struct kk_err *err);
/* The realm of a namespace "<realm>.<suffix>" (new string), or NULL when ns does not end
 * in ".<suffix>" or the prefix is empty. */
char *kk_naming_realm_of_namespace(const char *ns, const char *suffix);
/* "<space>_<stack>_<cell id>_root" / "<space>_<stack>_<cell>_<container>", with upstream's
 * errors for empty parts ("space name cannot be empty", ...) and the 76-byte limit. */
int kk_naming_root_containerd_id(const char *space, const char *stack, const char *cell, char **out,
				 struct kk_err *err);
int kk_naming_containerd_id(const char *space, const char *stack, const char *cell,
			    const char *container, char **out, struct kk_err *err);
/* Whether a new space (stack NULL) or stack leaves room for a cell: the root id of a cell
 * with one-character names below it must fit containerd's 76 bytes, else every cell
 * created in it would fail. EINVAL naming the object and the id it would need. */
int kk_naming_room_for_cells(const char *space, const char *stack, struct kk_err *err);
/* cgroup path relative to the cgroup mount: root (NULL = "/kukeon", trailing '/' dropped),
 * then realm, space, stack, cell — pass NULL to stop at a level. */
char *kk_naming_cgroup_path(const char *root, const char *realm, const char *space,
			    const char *stack, const char *cell);
/* A container task's cgroup: "<cell cgroup>/<containerd id>/_payload". */
char *kk_naming_task_cgroup_path(const char *cell_cgroup, const char *containerd_id);
/* "<realm>-<space>" ("space name is required" / "realm name is required"). */
int kk_naming_network(const char *realm, const char *space, char **out, struct kk_err *err);
/* "k-" + 8 lowercase hex of FNV-1a(network name); "" for "". Always 10 characters. */
char *kk_naming_bridge(const char *network);
/* "KUKE-EGR-" + %08x of FNV-1a("<realm>/<space>"). */
char *kk_naming_egress_chain(const char *realm, const char *space);
/* "<runPath>/data/<realm>/<space>/network.conflist" */
char *kk_naming_conflist_path(const char *run_path, const char *realm, const char *space);

/* A container's host directory "<runPath>/data/<realm>/<space>/<stack>/<cellId>/<id>",
 * built from the container spec's own fields (cellId is normally the cell name). */
char *kk_naming_container_dir(const char *run_path, const char *realm, const char *space,
			      const char *stack, const char *cell_id, const char *id);

/* First /24 in 10.88.0.0/16 not in used[] (scanning 10.88.0.0/24 upward), as a new
 * string "10.88.N.0/24". Fails when all 256 are used:
 * "no free subnet available in parent CIDR: parent 10.88.0.0/16 exhausted at /24". */
int kk_subnet_first_free(const char *const *used, size_t n_used, char **out, struct kk_err *err);

/* The space conflist (reference §7.1): JSON, 2-space indent, no trailing newline. The bridge
 * has `ipMasq: false`: the space masquerades once, in the host firewall (common/cni/netpolicy.h),
 * instead of the bridge plugin per container (docs/compat.md). */
char *kk_cni_conflist(const char *network, const char *bridge, const char *subnet);

/* containerd labels of a cell's root container (cell labels copied, then kukeon.io/cell,
 * cell-name, space, realm, stack, container-type=root) and of its other containers. */
void kk_labels_root_container(struct kk_labels *out, const struct kk_labels *cell_labels,
			      const char *cell_id, const char *cell_name, const char *realm,
			      const char *space, const char *stack);
void kk_labels_container(struct kk_labels *out, const char *cell_id, const char *realm,
			 const char *space, const char *stack);
/* Default metadata labels `create` injects when absent (§7.3): realm.kukeon.io (the realm's
 * namespace for realms, the realm name below), space.kukeon.io, stack.kukeon.io,
 * cell.kukeon.io — pass NULL for levels that do not apply. */
void kk_labels_add_defaults(struct kk_labels *labels, const char *realm_value, const char *space,
			    const char *stack, const char *cell);
/* Keys ending in ".kukeon.io" are managed by kukeon. */
int kk_label_is_managed(const char *key);

#endif
