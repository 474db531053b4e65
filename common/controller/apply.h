/* common/controller/apply.h - upstream's ApplyDocuments (runtime reference §3.7): a manifest
 * stream is parsed and validated whole (nothing is applied if any document is bad), then
 * each document is reconciled in kind order (Realm, Space, Stack, Cell, Container, then
 * input order) and reported as created / updated (with its changes) / unchanged / failed.
 * Failures of one document do not stop the others. */
#ifndef KK_COMMON_CONTROLLER_APPLY_H
#define KK_COMMON_CONTROLLER_APPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "common/controller/hierarchy.h"
#include "common/err.h"
#include "common/model/doc.h"

#define KK_MANIFEST_MAX (64u << 20)

struct kk_yaml_stream;
struct kk_kube_scope;
struct kk_ref;

struct kk_apply_args {
	const char *yaml; /* the manifest stream; borrowed */
	size_t len;
	const char *source; /* names it in messages ("-" for stdin); NULL: "-" */
	/* where Kubernetes Pods go (kuke apply --realm/--space/--stack); NULL or "": the
	 * Pod's kukeon labels, else "default" (common/model/kube.h) */
	const char *realm, *space, *stack;
};

struct kk_apply_outcome {
	int index;
	enum kk_kind kind;
	char *name;                          /* owned */
	const char *action;                  /* created updated unchanged failed */
	char *error;                         /* owned; NULL = none */
	char **changes;                      /* owned */
	char **detail_keys, **detail_values; /* owned, parallel */
	bool details_set;                    /* Details is {} rather than null */
};

struct kk_apply_result {
	struct kk_apply_outcome *v; /* owned, in the order applied */
	size_t n, n_failed;
};
void kk_apply_result_clear(struct kk_apply_result *r);

/* Parse and validate a whole manifest stream as apply (for_delete false) or delete -f does;
 * Kubernetes Pods become Cells placed by scope (NULL: labels, else "default"); the messages
 * name source and the documents' lines. On success *stream and *out are new. */
int kk_manifest_load(const char *buf, size_t len, const char *source, bool for_delete,
		     const struct kk_kube_scope *scope, struct kk_yaml_stream **stream,
		     struct kk_manifest **out, struct kk_err *err);

/* The items of m in apply order (reverse: delete order). A new array of m->n borrowed
 * pointers. */
const struct kk_manifest_item **kk_manifest_order(const struct kk_manifest *m, bool reverse);

/* The container a Container document names: spec.id, else metadata.name. */
const char *kk_container_doc_id(const struct kk_container *d);
/* Fill the names of *ref (borrowed from doc) with the object the document names, as the
 * get and delete operations take it: a container by kk_container_doc_id(). */
void kk_doc_ref(const struct kk_doc *doc, struct kk_ref *ref);

/* Fails only when the input cannot be applied at all (parse or validation); a document that
 * failed is an outcome with action "failed". */
int kk_op_apply(struct kk_local *l, const struct kk_apply_args *a, struct kk_apply_result *r,
		struct kk_err *err);

#endif
