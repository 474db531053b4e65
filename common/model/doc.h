/* common/model/doc.h - any v1beta1 document: dispatch by kind, and manifest streams.
 *
 * kk_doc_decode() reads the envelope (apiVersion, kind) and decodes the body with the
 * kind's decoder. kk_manifest_decode() is upstream's apply parser (ParseDocument +
 * ValidateDocument): every document of a stream is decoded and checked for the required
 * fields; failures are kept per document with upstream's message text so `apply` can
 * report them all (reference §6.1). */
#ifndef KK_COMMON_MODEL_DOC_H
#define KK_COMMON_MODEL_DOC_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"
#include "common/model/model.h"

struct cJSON;
struct kk_yaml_doc;
struct kk_yaml_stream;
struct kk_kube_scope;

/* KK_KIND_REALM ... KK_KIND_SERVER_CONFIGURATION, in common/model/kinds.def order. */
enum kk_kind {
	KK_KIND_NONE, /* missing or not one of the below */
#define KIND(id, str, type, member, apply) KK_KIND_##id,
#include "common/model/kinds.def"
#undef KIND
};

/* "Realm", "Space", ... ("" for KK_KIND_NONE). */
const char *kk_kind_name(enum kk_kind kind);
/* Exact, case-sensitive match as upstream; KK_KIND_NONE otherwise. */
enum kk_kind kk_kind_from_name(const char *name);
/* Free obj, a struct kk_<type> of kind (kinds.def), as kk_<type>_free does. */
void kk_kind_free(enum kk_kind kind, void *obj);
/* Is kind one of those `kuke apply` accepts (Realm, Space, Stack, Cell, Container)? */
bool kk_kind_is_applyable(enum kk_kind kind);

struct kk_doc {
	enum kk_kind kind;
	union {
		void *any;
#define KIND(id, str, type, member, apply) struct kk_##type *member;
#include "common/model/kinds.def"
#undef KIND
	} u; /* owned */
};

/* Decode any document. apiVersion must be empty or "v1beta1"
 * ("unsupported apiVersion: <v> (expected v1beta1)"); kind must be one of enum kk_kind
 * ("unknown kind: <k>"). On success *out is new; free with kk_doc_free(). */
int kk_doc_decode(const struct cJSON *tree, const struct kk_yaml_doc *yaml, struct kk_doc **out,
		  struct kk_err *err);
/* Decode tree as a document of kind (no envelope check: the caller knows the kind) into
 * doc->u, setting doc->kind. Release with kk_doc_clear(). */
int kk_doc_decode_body(enum kk_kind kind, const struct cJSON *tree, const struct kk_yaml_doc *yaml,
		       struct kk_doc *doc, struct kk_err *err);
/* Free the document doc holds (not doc itself). */
void kk_doc_clear(struct kk_doc *doc);
/* Encode with the kind's encoder (NULL for KK_KIND_NONE). */
struct cJSON *kk_doc_encode(const struct kk_doc *doc, enum kk_enc_mode mode);
/* The scope of a hierarchy document (Realm, Space, Stack, Cell, Container): its
 * metadata.name, then the ids of its parents from the realm down (spec.realmId ...
 * spec.cellId), borrowed as stored (NULL or ""). Returns how many (1 for a realm ... 5 for a
 * container), 0 for the other kinds. */
enum { KK_SCOPE_MAX = 5 };
size_t kk_doc_scope(const struct kk_doc *doc, const char *out[KK_SCOPE_MAX]);
/* The kind as the document wrote it (borrowed; "" when none). */
const char *kk_doc_kind(const struct kk_doc *doc);
/* metadata.name of the document (borrowed; "" when none). */
const char *kk_doc_name(const struct kk_doc *doc);
void kk_doc_free(struct kk_doc *doc);
void kk_doc_freep(struct kk_doc **doc);

struct kk_manifest_item {
	int index;          /* 0-based, as in upstream's messages */
	int line;           /* first line of the document in the input */
	enum kk_kind kind;  /* KK_KIND_NONE when missing or not applyable */
	char *kind_name;    /* owned: kind as written ("" when missing) */
	char *name;         /* owned: metadata.name as written ("" when missing) */
	struct kk_doc *doc; /* owned; NULL when the document failed */
	struct kk_err err;  /* when doc is NULL, upstream's text, e.g.
			     * `document 1 (Space "blue"): spec.realmId is required` */
};

struct kk_manifest {
	struct kk_manifest_item *items;
	size_t n;
	size_t n_failed;
};

/* Decode and validate every document of s. Only the five applyable kinds (Realm, Space,
 * Stack, Cell, Container) are accepted, as upstream's apply parser does. Never fails as a
 * whole (a stream with no documents is refused by kk_yaml_parse_stream already); the
 * result is freed with kk_manifest_free(). */
struct kk_manifest *kk_manifest_decode(const struct kk_yaml_stream *s);
/* The same, also taking Kubernetes Pods (apiVersion v1, kind Pod) and Lists of them (each
 * Pod an item of its own, with the List's index and line): each becomes a Cell document
 * placed by scope (NULL: the Pod's labels, else "default"; common/model/kube.h); a Pod field
 * with no cell equivalent fails its item: `document N (Pod "web"): spec.containers[0].
 * livenessProbe: not supported by kukeon cells`; a List item that is no Pod: `document N
 * (List): items[1]: not a v1 Pod`. */
struct kk_manifest *kk_manifest_decode_scoped(const struct kk_yaml_stream *s,
					      const struct kk_kube_scope *scope);
void kk_manifest_free(struct kk_manifest *m);
void kk_manifest_freep(struct kk_manifest **m);

#endif
