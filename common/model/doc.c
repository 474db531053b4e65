/* common/model/doc.c - envelope dispatch and upstream's apply-parser checks. */
#include "common/model/doc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/cleanup.h"
#include "common/mem.h"
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

int kk_doc_decode_body(enum kk_kind kind, const cJSON *tree, const struct kk_yaml_doc *yaml,
		       struct kk_doc *doc, struct kk_err *err)
{
	doc->kind = kind;
	switch (kind) {
#define KIND(id, str, type, member, apply) \
	case KK_KIND_##id:                 \
		return kk_##type##_decode(tree, yaml, &doc->u.member, err);
#include "common/model/kinds.def"
#undef KIND
	default:
		return kk_err_set(err, EINVAL, "unknown kind: ");
	}
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
	switch (doc->kind) {
#define KIND(id, str, type, member, apply) \
	case KK_KIND_##id:                 \
		return kk_##type##_encode(doc->u.member, mode);
#include "common/model/kinds.def"
#undef KIND
	default:
		return NULL;
	}
}

const char *kk_doc_name(const struct kk_doc *doc)
{
	if (!doc || !doc->u.any)
		return "";
	switch (doc->kind) {
#define KIND(id, str, type, member, apply) \
	case KK_KIND_##id:                 \
		return kk_str(doc->u.member->meta.name);
#include "common/model/kinds.def"
#undef KIND
	default:
		return "";
	}
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
	switch (doc->kind) {
#define KIND(id, str, type, member, apply)       \
	case KK_KIND_##id:                       \
		kk_##type##_free(doc->u.member); \
		break;
#include "common/model/kinds.def"
#undef KIND
	default:
		break;
	}
	doc->u.any = NULL;
}

KK_DEFINE_FREEP(kk_doc)

/* ---- manifests ---------------------------------------------------------------------- */

static bool empty(const char *s)
{
	return !s || !*s;
}

/* upstream ValidateDocument: metadata.name, then each scope id the kind carries, in this
 * order; the message for the first empty one, or NULL. */
static const char *missing_scope(size_t n, const char *const v[])
{
	static const char *const msg[] = { "metadata.name is required", "spec.realmId is required",
					   "spec.spaceId is required", "spec.stackId is required",
					   "spec.cellId is required" };

	for (size_t i = 0; i < n; i++)
		if (empty(v[i]))
			return msg[i];
	return NULL;
}

static const char *missing_realm(const struct kk_realm *r)
{
	return missing_scope(1, (const char *const[]){ r->meta.name });
}

static const char *missing_space(const struct kk_space *s)
{
	return missing_scope(2, (const char *const[]){ s->meta.name, s->spec.realm_id });
}

static const char *missing_stack(const struct kk_stack *s)
{
	return missing_scope(3, (const char *const[]){ s->meta.name, s->spec.realm_id,
						       s->spec.space_id });
}

static const char *missing_cell(const struct kk_cell *c)
{
	const char *m =
		missing_scope(4, (const char *const[]){ c->meta.name, c->spec.realm_id,
							c->spec.space_id, c->spec.stack_id });

	if (m)
		return m;
	return c->spec.n_containers == 0 ? "spec.containers is required and cannot be empty" : NULL;
}

static const char *missing_container(const struct kk_container *c)
{
	const char *m = missing_scope(5, (const char *const[]){ c->meta.name, c->spec.realm_id,
								c->spec.space_id, c->spec.stack_id,
								c->spec.cell_id });

	if (m)
		return m;
	return empty(c->spec.image) ? "spec.image is required" : NULL;
}

/* upstream ValidateDocument: the first missing required field, or NULL */
static const char *missing_field(const struct kk_doc *doc)
{
#define IF_KIND_APPLY(...) __VA_ARGS__
#define IF_KIND_NOAPPLY(...)
	switch (doc->kind) {
#define KIND(id, str, type, member, apply) \
	IF_KIND_##apply(case KK_KIND_##id : return missing_##member(doc->u.member);)
#include "common/model/kinds.def"
#undef KIND
	default:
		return NULL;
	}
#undef IF_KIND_APPLY
#undef IF_KIND_NOAPPLY
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

static void decode_item(const struct kk_yaml_doc *yd, struct kk_manifest_item *it)
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
	if (!empty(api) && strcmp(api, KK_API_VERSION) != 0) {
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

struct kk_manifest *kk_manifest_decode(const struct kk_yaml_stream *s)
{
	struct kk_manifest *m = kk_xcalloc(1, sizeof(*m));

	m->items = kk_xcalloc(s->n ? s->n : 1, sizeof(*m->items));
	m->n = s->n;
	for (size_t i = 0; i < s->n; i++) {
		decode_item(&s->docs[i], &m->items[i]);
		if (!m->items[i].doc)
			m->n_failed++;
	}
	return m;
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
