/* common/model/kube.h - cells as Kubernetes Pods and back (`kuke get cell -o kube`, Pods in
 * `kuke apply -f`).
 *
 * Both directions are pure: no I/O, no host. A cell becomes one `apiVersion: v1, kind: Pod`
 * (its non-root containers; kukeon's root container is the Pod's pause and is left out),
 * with kukeon's names as the labels realm.kukeon.io, space.kukeon.io, stack.kukeon.io and
 * cell.kukeon.io, and one note per setting no Pod field expresses. A Pod becomes a v1beta1
 * Cell document tree that the ordinary Cell decoder then reads, so an applied Pod takes the
 * Cell path from there on; a Pod field with no cell equivalent is refused, naming its path.
 * The mapping, field by field, is in man/kukeon-manifest.5 (KUBERNETES PODS). */
#ifndef KK_COMMON_MODEL_KUBE_H
#define KK_COMMON_MODEL_KUBE_H

#include <stdbool.h>

#include "common/err.h"
#include "common/model/model.h"

struct cJSON;

#define KK_KUBE_LABEL_REALM "realm.kukeon.io"
#define KK_KUBE_LABEL_SPACE "space.kukeon.io"
#define KK_KUBE_LABEL_STACK "stack.kukeon.io"
#define KK_KUBE_LABEL_CELL  "cell.kukeon.io"

/* Where an applied Pod goes: a set (non-empty) member wins over the Pod's kukeon labels;
 * unset and unlabelled is "default". All borrowed. */
struct kk_kube_scope {
	const char *realm, *space, *stack;
};

/* Is tree a Kubernetes Pod document (apiVersion "v1", kind "Pod")? */
bool kk_kube_is_pod(const struct cJSON *tree);

/* The Pod of cell: a new tree (cJSON_Delete() it); *notes, when notes is not NULL, gets a
 * new NULL-terminated list (kk_strv_free() it; NULL when there is nothing to say) of what
 * the Pod cannot express, one line each, e.g. `container "api": pidsLimit 100 (a Pod has no
 * pids limit)`. Never fails. */
struct cJSON *kk_kube_pod_from_cell(const struct kk_cell *cell, char ***notes);

/* The Pod of cell as YAML text: `#` comment lines naming the cell and each note, then the
 * document. A new string ending in "\n"; free() it. */
char *kk_kube_pod_yaml(const struct kk_cell *cell);

/* A v1beta1 Cell document tree from the Pod tree pod, placed by scope (NULL: labels, else
 * "default"). On success *out is a new tree (cJSON_Delete() it). Fails with EINVAL on the
 * first field that has no cell equivalent or a bad value, naming the field path:
 * "spec.containers[0].livenessProbe: not supported by kukeon cells". */
int kk_kube_pod_to_cell(const struct cJSON *pod, const struct kk_kube_scope *scope,
			struct cJSON **out, struct kk_err *err);

#endif
