/* common/model/doc.c - envelope dispatch and upstream's apply-parser checks. */
#include "common/model/doc.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/cleanup.h"
#include "common/mem.h"
#include "common/model/kube.h"
#include "common/yaml.h"

static const char *const kind_names[] = {
	[KK_KIND_NONE] = "",
#define KIND(id, str, type, member, apply) [KK_KIND_##id] = str,
#include "common/model/kinds.def"
#undef KIND
};

const char *kk_kind_name(enum kk_kind kind)
{
	if ((size_t)kind >= sizeof(kind_names) / sizeof(kind_names[0]))
		return "";
	return kind_names[kind];
}

enum kk_kind kk_kind_from_name(const char *name)
{
	for (size_t i = 1; name && i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
		if (strcmp(name, kind_names[i]) == 0)
			return (enum kk_kind)i;
	return KK_KIND_NONE;
}

#define KIND_APPLY   true
#define KIND_NOAPPLY false

static const bool kind_applyable[] = {
#define KIND(id, str, type, member, apply) [KK_KIND_##id] = KIND_##apply,
#include "common/model/kinds.def"
#undef KIND
};

bool kk_kind_is_applyable(enum kk_kind kind)
{
	return (size_t)kind < sizeof(kind_applyable) / sizeof(kind_applyable[0]) &&
	       kind_applyable[kind];
}

/* Read the kind (and apiVersion) the way upstream's DetectKind does. */
static int read_head(const cJSON *tree, const struct kk_yaml_doc *yaml, char **kind,
		     char **api_version, struct kk_err *err)
{
	struct kk_dec d;

	kk_dec_init(&d, yaml, err);
	if (!cJSON_IsObject(tree)) {
		if (cJSON_IsNull(tree))
			return 0; /* an empty document: no kind */
		return kk_dec_type_error(&d, tree, "a mapping");
	}
	if (kk_dec_str(&d, tree, "kind", kind) < 0)
		return -1;
	if (api_version && kk_dec_str(&d, tree, "apiVersion", api_version) < 0)
		return -1;
	return 0;
}

/* Where each kind keeps its head, and what it adds after it. */
struct kind_type {
	size_t size, api_version, kind, meta;
	const struct kk_body_codec *body;
};

static const struct kind_type kind_types[] = {
#define KIND(id, str, type, member, apply)                                                     \
	[KK_KIND_##id] = { sizeof(struct kk_##type), offsetof(struct kk_##type, api_version),  \
			   offsetof(struct kk_##type, kind), offsetof(struct kk_##type, meta), \
			   &kk_##type##_body },
#include "common/model/kinds.def"
#undef KIND
};

static const struct kk_meta *kind_meta(enum kk_kind kind, const void *obj)
{
	return (const struct kk_meta *)((const char *)obj + kind_types[kind].meta);
}

static void kind_free(enum kk_kind kind, void *obj)
{
	const struct kind_type *t = &kind_types[kind];

	if (!obj)
		return;
	free(*(char **)((char *)obj + t->api_version));
	free(*(char **)((char *)obj + t->kind));
	kk_meta_clear((struct kk_meta *)((char *)obj + t->meta));
	if (t->body->spec_fields)
		kk_fields_clear(t->body->spec_fields, obj);
	if (t->body->clear)
		t->body->clear(obj);
	free(obj);
}

/* One section (spec, status) with its path pushed: its table, then fn (each optional). */
static int section(struct kk_dec *d, const char *key, const cJSON *node,
		   const struct kk_fields *fields,
		   int (*fn)(struct kk_dec *, const cJSON *, void *), void *obj)
{
	size_t old = kk_dec_push(d, key);

	if ((fields && kk_dec_fields(d, node, fields, obj) < 0) || (fn && fn(d, node, obj) < 0))
		return -1;
	kk_dec_pop(d, old);
	return 0;
}

static int kind_decode_into(const struct kind_type *t, struct kk_dec *d, const cJSON *tree,
			    char *obj)
{
	const cJSON *spec = NULL, *status = NULL;

	if (!cJSON_IsObject(tree))
		return kk_dec_type_error(d, tree, "a mapping");
	if (kk_dec_str(d, tree, "apiVersion", (char **)(obj + t->api_version)) < 0 ||
	    kk_dec_str(d, tree, "kind", (char **)(obj + t->kind)) < 0 ||
	    kk_dec_meta(d, tree, (struct kk_meta *)(obj + t->meta)) < 0 ||
	    kk_dec_obj(d, tree, "spec", &spec) < 0 ||
	    (t->body->status && kk_dec_obj(d, tree, "status", &status) < 0))
		return -1;
	if (section(d, "spec", spec, t->body->spec_fields, t->body->spec, obj) < 0 ||
	    (t->body->status && section(d, "status", status, NULL, t->body->status, obj) < 0))
		return -1;
	return 0;
}

static int kind_decode(enum kk_kind kind, const cJSON *tree, const struct kk_yaml_doc *yaml,
		       void **out, struct kk_err *err)
{
	const struct kind_type *t = &kind_types[kind];
	char *obj = kk_xcalloc(1, t->size);
	struct kk_dec d;

	kk_dec_init(&d, yaml, err);
	if (kind_decode_into(t, &d, tree, obj) < 0) {
		kind_free(kind, obj);
		return -1;
	}
	*out = obj;
	return 0;
}

static cJSON *kind_encode(enum kk_kind kind, const void *obj, enum kk_enc_mode mode)
{
	const struct kind_type *t = &kind_types[kind];
	const char *p = obj;
	cJSON *root = kk_enc_head(mode, *(char *const *)(p + t->api_version),
				  *(char *const *)(p + t->kind), kind_meta(kind, obj),
				  t->body->labels_omitempty);

	if (t->body->spec_fields)
		kk_enc_fields(mode, kk_enc_obj(root, "spec"), t->body->spec_fields, obj);
	if (t->body->encode)
		t->body->encode(root, obj, mode);
	return root;
}

/* kk_<type>_decode/_encode/_free/_freep of every kind (common/model/model.h) */
#define KIND(id, str, type, member, apply)                                            \
	int kk_##type##_decode(const cJSON *tree, const struct kk_yaml_doc *yaml,     \
			       struct kk_##type **out, struct kk_err *err)            \
	{                                                                             \
		void *obj = NULL;                                                     \
                                                                                      \
		if (kind_decode(KK_KIND_##id, tree, yaml, &obj, err) < 0)             \
			return -1;                                                    \
		*out = obj;                                                           \
		return 0;                                                             \
	}                                                                             \
	cJSON *kk_##type##_encode(const struct kk_##type *obj, enum kk_enc_mode mode) \
	{                                                                             \
		return kind_encode(KK_KIND_##id, obj, mode);                          \
	}                                                                             \
	void kk_##type##_free(struct kk_##type *obj)                                  \
	{                                                                             \
		kind_free(KK_KIND_##id, obj);                                         \
	}                                                                             \
	KK_DEFINE_FREEP(kk_##type)
#include "common/model/kinds.def"
#undef KIND

static bool is_kind(enum kk_kind kind)
{
	return kind > KK_KIND_NONE && (size_t)kind < ARRAY_SIZE(kind_types);
}

void kk_kind_free(enum kk_kind kind, void *obj)
{
	if (is_kind(kind))
		kind_free(kind, obj);
}

int kk_doc_decode_body(enum kk_kind kind, const cJSON *tree, const struct kk_yaml_doc *yaml,
		       struct kk_doc *doc, struct kk_err *err)
{
	doc->kind = kind;
	if (!is_kind(kind))
		return kk_err_set(err, EINVAL, "unknown kind: ");
	return kind_decode(kind, tree, yaml, &doc->u.any, err);
}

int kk_doc_decode(const cJSON *tree, const struct kk_yaml_doc *yaml, struct kk_doc **out,
		  struct kk_err *err)
{
	cleanup_free char *kind = NULL, *api = NULL;
	cleanup_(kk_doc_freep) struct kk_doc *doc = kk_xcalloc(1, sizeof(*doc));

	if (read_head(tree, yaml, &kind, &api, err) < 0)
		return -1;
	if (api && *api && strcmp(api, KK_API_VERSION) != 0)
		return kk_err_set(err, EINVAL, "unsupported apiVersion: %s (expected %s)", api,
				  KK_API_VERSION);
	doc->kind = kk_kind_from_name(kind);
	if (doc->kind == KK_KIND_NONE)
		return kk_err_set(err, EINVAL, "unknown kind: %s", kk_str(kind));
	if (kk_doc_decode_body(doc->kind, tree, yaml, doc, err) < 0)
		return -1;
	*out = TAKE_PTR(doc);
	return 0;
}

cJSON *kk_doc_encode(const struct kk_doc *doc, enum kk_enc_mode mode)
{
	return is_kind(doc->kind) ? kind_encode(doc->kind, doc->u.any, mode) : NULL;
}

const char *kk_doc_name(const struct kk_doc *doc)
{
	if (!doc || !doc->u.any || !is_kind(doc->kind))
		return "";
	return kk_str(kind_meta(doc->kind, doc->u.any)->name);
}

#define O(type, m) offsetof(struct kk_##type, m)
static const struct {
	size_t n, off[KK_SCOPE_MAX];
} scopes[] = {
	[KK_KIND_REALM] = { 1, { O(realm, meta.name) } },
	[KK_KIND_SPACE] = { 2, { O(space, meta.name), O(space, spec.realm_id) } },
	[KK_KIND_STACK] = { 3,
			    { O(stack, meta.name), O(stack, spec.realm_id),
			      O(stack, spec.space_id) } },
	[KK_KIND_CELL] = { 4,
			   { O(cell, meta.name), O(cell, spec.realm_id), O(cell, spec.space_id),
			     O(cell, spec.stack_id) } },
	[KK_KIND_CONTAINER] = { 5,
				{ O(container, meta.name), O(container, spec.realm_id),
				  O(container, spec.space_id), O(container, spec.stack_id),
				  O(container, spec.cell_id) } },
};
#undef O

size_t kk_doc_scope(const struct kk_doc *doc, const char *out[KK_SCOPE_MAX])
{
	size_t n = (size_t)doc->kind < ARRAY_SIZE(scopes) && doc->u.any ? scopes[doc->kind].n : 0;

	for (size_t i = 0; i < n; i++)
		out[i] = *(char *const *)((const char *)doc->u.any + scopes[doc->kind].off[i]);
	return n;
}

const char *kk_doc_kind(const struct kk_doc *doc)
{
	if (!doc || !doc->u.any || !is_kind(doc->kind))
		return "";
	return kk_str(*(char *const *)((const char *)doc->u.any + kind_types[doc->kind].kind));
}

void kk_doc_free(struct kk_doc *doc)
{
	if (!doc)
		return;
	kk_doc_clear(doc);
	free(doc);
}

void kk_doc_clear(struct kk_doc *doc)
{
	if (is_kind(doc->kind))
		kind_free(doc->kind, doc->u.any);
	doc->u.any = NULL;
}

KK_DEFINE_FREEP(kk_doc)

/* ---- manifests ---------------------------------------------------------------------- */

/* upstream ValidateDocument: metadata.name, then each scope id the kind carries, in this
 * order; the message for the first empty one, or NULL. */
static const char *missing_scope(size_t n, const char *const v[])
{
	static const char *const msg[] = { "metadata.name is required", "spec.realmId is required",
					   "spec.spaceId is required", "spec.stackId is required",
					   "spec.cellId is required" };

	for (size_t i = 0; i < n; i++)
		if (kk_str_empty(v[i]))
			return msg[i];
	return NULL;
}

/* upstream ValidateDocument: the first missing required field, or NULL */
static const char *missing_field(const struct kk_doc *doc)
{
	const char *v[KK_SCOPE_MAX];
	const char *m = missing_scope(kk_doc_scope(doc, v), v);

	if (m)
		return m;
	if (doc->kind == KK_KIND_CELL && doc->u.cell->spec.n_containers == 0)
		return "spec.containers is required and cannot be empty";
	if (doc->kind == KK_KIND_CONTAINER && kk_str_empty(doc->u.container->spec.image))
		return "spec.image is required";
	return NULL;
}

/* upstream ValidationError.Error(): `document N (Kind "name"): cause` or `document N (Kind): cause`
 */
static void item_fail(struct kk_manifest_item *it, bool with_name, const char *cause)
{
	char q[300] = "";

	if (with_name && it->name && *it->name) {
		q[0] = ' ';
		kk_go_quote_buf(it->name, q + 1, sizeof(q) - 1);
	}
	kk_err_set(&it->err, EINVAL, "document %d (%s%s): %s", it->index, kk_str(it->kind_name), q,
		   cause);
}

/* A Kubernetes Pod: translated to a Cell document (common/model/kube.h), then checked as
 * one; its messages name the Pod. */
static void pod_item(const cJSON *root, const struct kk_kube_scope *scope,
		     struct kk_manifest_item *it)
{
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(root, "metadata");
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(meta, "name");
	cleanup_(kk_json_freep) cJSON *tree = NULL;
	cleanup_(kk_doc_freep) struct kk_doc *doc = kk_xcalloc(1, sizeof(*doc));
	struct kk_err e = { 0 };
	const char *missing;

	kk_str_set(&it->kind_name, "Pod");
	if (cJSON_IsString(name))
		kk_str_set(&it->name, name->valuestring);
	if (kk_kube_pod_to_cell(root, scope, &tree, &e) < 0) {
		item_fail(it, true, e.msg);
		return;
	}
	if (kk_doc_decode_body(KK_KIND_CELL, tree, NULL, doc, &e) < 0) {
		doc->kind = KK_KIND_NONE;
		item_fail(it, true, e.msg);
		return;
	}
	missing = missing_field(doc);
	if (missing) {
		item_fail(it, true, missing);
		return;
	}
	it->kind = KK_KIND_CELL;
	it->doc = TAKE_PTR(doc);
}

static void decode_item(const struct kk_yaml_doc *yd, bool kube, const struct kk_kube_scope *scope,
			struct kk_manifest_item *it)
{
	struct kk_err e = { 0 };
	cleanup_free char *kind = NULL, *api = NULL;
	cleanup_(kk_doc_freep) struct kk_doc *doc = NULL;
	char cause[600];
	const char *missing;

	it->index = yd->index;
	it->line = yd->line;
	it->kind_name = kk_xstrdup("");
	it->name = kk_xstrdup("");
	if (!yd->root) {
		snprintf(cause, sizeof(cause), "document %d: failed to parse kind: yaml: %s",
			 yd->index, yd->err.msg);
		item_fail(it, false, cause);
		return;
	}
	if (read_head(yd->root, yd, &kind, &api, &e) < 0) {
		snprintf(cause, sizeof(cause), "document %d: failed to parse kind: %s", yd->index,
			 e.msg);
		item_fail(it, false, cause);
		return;
	}
	if (kube && kk_kube_is_pod(yd->root)) {
		pod_item(yd->root, scope, it);
		return;
	}
	it->kind = kk_kind_from_name(kind);
	if (!kk_kind_is_applyable(it->kind)) {
		it->kind = KK_KIND_NONE;
		snprintf(cause, sizeof(cause), "document %d: unknown kind: %s", yd->index,
			 kk_str(kind));
		item_fail(it, false, cause);
		return;
	}
	doc = kk_xcalloc(1, sizeof(*doc));
	doc->kind = it->kind;
	if (kk_doc_decode_body(it->kind, yd->root, yd, doc, &e) < 0) {
		doc->kind = KK_KIND_NONE;
		snprintf(cause, sizeof(cause), "document %d: failed to parse %s: %s", yd->index,
			 kk_kind_name(it->kind), e.msg);
		item_fail(it, false, cause);
		return;
	}
	kk_str_set(&it->kind_name, kind);
	kk_str_set(&it->name, kk_doc_name(doc));
	if (!kk_str_empty(api) && strcmp(api, KK_API_VERSION) != 0) {
		snprintf(cause, sizeof(cause), "unsupported apiVersion: %s (expected %s)", api,
			 KK_API_VERSION);
		item_fail(it, false, cause);
		return;
	}
	missing = missing_field(doc);
	if (missing) {
		item_fail(it, true, missing);
		return;
	}
	if (it->kind == KK_KIND_CONTAINER &&
	    kk_container_secrets_validate(&doc->u.container->spec, &e) < 0) {
		item_fail(it, true, e.msg);
		return;
	}
	it->doc = TAKE_PTR(doc);
}

/* The items of a Kubernetes `apiVersion: v1, kind: List` (kubectl get pods -o yaml), or
 * NULL when root is not one or has none. */
static const cJSON *kube_list_items(const cJSON *root)
{
	const cJSON *api = cJSON_GetObjectItemCaseSensitive(root, "apiVersion");
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(root, "kind");
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(root, "items");

	if (!cJSON_IsString(api) || strcmp(api->valuestring, "v1") != 0 || !cJSON_IsString(kind) ||
	    strcmp(kind->valuestring, "List") != 0 || !cJSON_IsArray(items) ||
	    !cJSON_GetArraySize(items))
		return NULL;
	return items;
}

/* kube: Kubernetes Pods and Lists of them are taken too */
static struct kk_manifest *manifest_decode(const struct kk_yaml_stream *s, bool kube,
					   const struct kk_kube_scope *scope)
{
	struct kk_manifest *m = kk_xcalloc(1, sizeof(*m));
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++) {
		const cJSON *items = kube ? kube_list_items(s->docs[i].root) : NULL;

		n += items ? (size_t)cJSON_GetArraySize(items) : 1;
	}
	m->items = kk_xcalloc(n ? n : 1, sizeof(*m->items));
	for (size_t i = 0; i < s->n; i++) {
		const cJSON *items = kube ? kube_list_items(s->docs[i].root) : NULL, *pod;
		size_t j = 0;

		if (!items)
			decode_item(&s->docs[i], kube, scope, &m->items[m->n++]);
		/* each Pod of a List is an item of its own, all of the List's document */
		cJSON_ArrayForEach(pod, items)
		{
			struct kk_manifest_item *it = &m->items[m->n++];

			it->index = s->docs[i].index;
			it->line = s->docs[i].line;
			it->kind_name = kk_xstrdup("List");
			it->name = kk_xstrdup("");
			if (kk_kube_is_pod(pod)) {
				pod_item(pod, scope, it);
			} else {
				char cause[64];

				snprintf(cause, sizeof(cause), "items[%zu]: not a v1 Pod", j);
				item_fail(it, false, cause);
			}
			j++;
		}
	}
	for (size_t i = 0; i < m->n; i++)
		if (!m->items[i].doc)
			m->n_failed++;
	return m;
}

struct kk_manifest *kk_manifest_decode(const struct kk_yaml_stream *s)
{
	return manifest_decode(s, false, NULL);
}

struct kk_manifest *kk_manifest_decode_scoped(const struct kk_yaml_stream *s,
					      const struct kk_kube_scope *scope)
{
	return manifest_decode(s, true, scope);
}

void kk_manifest_free(struct kk_manifest *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++) {
		free(m->items[i].kind_name);
		free(m->items[i].name);
		kk_doc_free(m->items[i].doc);
	}
	free(m->items);
	free(m);
}

KK_DEFINE_FREEP(kk_manifest)
