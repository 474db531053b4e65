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
	[KK_KIND_REALM] = "Realm",
	[KK_KIND_SPACE] = "Space",
	[KK_KIND_STACK] = "Stack",
	[KK_KIND_CELL] = "Cell",
	[KK_KIND_CONTAINER] = "Container",
	[KK_KIND_CELL_PROFILE] = "CellProfile",
	[KK_KIND_CLIENT_CONFIGURATION] = "ClientConfiguration",
	[KK_KIND_SERVER_CONFIGURATION] = "ServerConfiguration",
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

static int decode_body(enum kk_kind kind, const cJSON *tree, const struct kk_yaml_doc *yaml,
		       struct kk_doc *doc, struct kk_err *err)
{
	switch (kind) {
	case KK_KIND_REALM:
		return kk_realm_decode(tree, yaml, &doc->u.realm, err);
	case KK_KIND_SPACE:
		return kk_space_decode(tree, yaml, &doc->u.space, err);
	case KK_KIND_STACK:
		return kk_stack_decode(tree, yaml, &doc->u.stack, err);
	case KK_KIND_CELL:
		return kk_cell_decode(tree, yaml, &doc->u.cell, err);
	case KK_KIND_CONTAINER:
		return kk_container_decode(tree, yaml, &doc->u.container, err);
	case KK_KIND_CELL_PROFILE:
		return kk_cell_profile_decode(tree, yaml, &doc->u.profile, err);
	case KK_KIND_CLIENT_CONFIGURATION:
		return kk_client_config_decode(tree, yaml, &doc->u.client_config, err);
	case KK_KIND_SERVER_CONFIGURATION:
		return kk_server_config_decode(tree, yaml, &doc->u.server_config, err);
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
	if (decode_body(doc->kind, tree, yaml, doc, err) < 0)
		return -1;
	*out = TAKE_PTR(doc);
	return 0;
}

cJSON *kk_doc_encode(const struct kk_doc *doc, enum kk_enc_mode mode)
{
	switch (doc->kind) {
	case KK_KIND_REALM:
		return kk_realm_encode(doc->u.realm, mode);
	case KK_KIND_SPACE:
		return kk_space_encode(doc->u.space, mode);
	case KK_KIND_STACK:
		return kk_stack_encode(doc->u.stack, mode);
	case KK_KIND_CELL:
		return kk_cell_encode(doc->u.cell, mode);
	case KK_KIND_CONTAINER:
		return kk_container_encode(doc->u.container, mode);
	case KK_KIND_CELL_PROFILE:
		return kk_cell_profile_encode(doc->u.profile, mode);
	case KK_KIND_CLIENT_CONFIGURATION:
		return kk_client_config_encode(doc->u.client_config, mode);
	case KK_KIND_SERVER_CONFIGURATION:
		return kk_server_config_encode(doc->u.server_config, mode);
	default:
		return NULL;
	}
}

const char *kk_doc_name(const struct kk_doc *doc)
{
	const struct kk_meta *m = NULL;

	if (!doc || !doc->u.any)
		return "";
	switch (doc->kind) {
	case KK_KIND_REALM:
		m = &doc->u.realm->meta;
		break;
	case KK_KIND_SPACE:
		m = &doc->u.space->meta;
		break;
	case KK_KIND_STACK:
		m = &doc->u.stack->meta;
		break;
	case KK_KIND_CELL:
		m = &doc->u.cell->meta;
		break;
	case KK_KIND_CONTAINER:
		m = &doc->u.container->meta;
		break;
	case KK_KIND_CELL_PROFILE:
		m = &doc->u.profile->meta;
		break;
	case KK_KIND_CLIENT_CONFIGURATION:
		m = &doc->u.client_config->meta;
		break;
	case KK_KIND_SERVER_CONFIGURATION:
		m = &doc->u.server_config->meta;
		break;
	default:
		return "";
	}
	return kk_str(m->name);
}

void kk_doc_free(struct kk_doc *doc)
{
	if (!doc)
		return;
	switch (doc->kind) {
	case KK_KIND_REALM:
		kk_realm_free(doc->u.realm);
		break;
	case KK_KIND_SPACE:
		kk_space_free(doc->u.space);
		break;
	case KK_KIND_STACK:
		kk_stack_free(doc->u.stack);
		break;
	case KK_KIND_CELL:
		kk_cell_free(doc->u.cell);
		break;
	case KK_KIND_CONTAINER:
		kk_container_free(doc->u.container);
		break;
	case KK_KIND_CELL_PROFILE:
		kk_cell_profile_free(doc->u.profile);
		break;
	case KK_KIND_CLIENT_CONFIGURATION:
		kk_client_config_free(doc->u.client_config);
		break;
	case KK_KIND_SERVER_CONFIGURATION:
		kk_server_config_free(doc->u.server_config);
		break;
	default:
		break;
	}
	free(doc);
}

void kk_doc_freep(struct kk_doc **doc)
{
	kk_doc_free(*doc);
}

/* ---- manifests ---------------------------------------------------------------------- */

static bool empty(const char *s)
{
	return !s || !*s;
}

/* upstream ValidateDocument: the first missing required field, or NULL */
static const char *missing_field(const struct kk_doc *doc)
{
	switch (doc->kind) {
	case KK_KIND_REALM:
		return empty(doc->u.realm->meta.name) ? "metadata.name is required" : NULL;
	case KK_KIND_SPACE: {
		const struct kk_space *s = doc->u.space;

		if (empty(s->meta.name))
			return "metadata.name is required";
		return empty(s->spec.realm_id) ? "spec.realmId is required" : NULL;
	}
	case KK_KIND_STACK: {
		const struct kk_stack *s = doc->u.stack;

		if (empty(s->meta.name))
			return "metadata.name is required";
		if (empty(s->spec.realm_id))
			return "spec.realmId is required";
		return empty(s->spec.space_id) ? "spec.spaceId is required" : NULL;
	}
	case KK_KIND_CELL: {
		const struct kk_cell *c = doc->u.cell;

		if (empty(c->meta.name))
			return "metadata.name is required";
		if (empty(c->spec.realm_id))
			return "spec.realmId is required";
		if (empty(c->spec.space_id))
			return "spec.spaceId is required";
		if (empty(c->spec.stack_id))
			return "spec.stackId is required";
		return c->spec.n_containers == 0 ? "spec.containers is required and cannot be empty"
						 : NULL;
	}
	case KK_KIND_CONTAINER: {
		const struct kk_container *c = doc->u.container;

		if (empty(c->meta.name))
			return "metadata.name is required";
		if (empty(c->spec.realm_id))
			return "spec.realmId is required";
		if (empty(c->spec.space_id))
			return "spec.spaceId is required";
		if (empty(c->spec.stack_id))
			return "spec.stackId is required";
		if (empty(c->spec.cell_id))
			return "spec.cellId is required";
		return empty(c->spec.image) ? "spec.image is required" : NULL;
	}
	default:
		return NULL;
	}
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
	if (it->kind < KK_KIND_REALM || it->kind > KK_KIND_CONTAINER) {
		it->kind = KK_KIND_NONE;
		snprintf(cause, sizeof(cause), "document %d: unknown kind: %s", yd->index,
			 kk_str(kind));
		item_fail(it, false, cause);
		return;
	}
	doc = kk_xcalloc(1, sizeof(*doc));
	doc->kind = it->kind;
	if (decode_body(it->kind, yd->root, yd, doc, &e) < 0) {
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

void kk_manifest_freep(struct kk_manifest **m)
{
	kk_manifest_free(*m);
}
