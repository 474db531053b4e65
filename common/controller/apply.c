/* common/controller/apply.c - see apply.h. The reconcile of each kind follows upstream's
 * internal/controller/apply (reference runtime §3.7, CLI §3.3 and §10). */
#include "common/controller/apply.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjson/cJSON.h"
#include "common/cleanup.h"
#include "common/controller/cell.h"
#include "common/controller/container.h"
#include "common/controller/ops.h"
#include "common/fault.h"
#include "common/json.h"
#include "common/mem.h"
#include "common/model/kube.h"
#include "common/strv.h"
#include "common/yaml.h"

static void outcome_clear(struct kk_apply_outcome *o)
{
	free(o->name);
	free(o->error);
	kk_strv_free(o->changes);
	kk_strv_free(o->detail_keys);
	kk_strv_free(o->detail_values);
}

static void change(struct kk_apply_outcome *o, const char *field, const char *detail)
{
	o->details_set = true;
	kk_strv_push_take(&o->changes, kk_xstrdup(field));
	kk_strv_push_take(&o->detail_keys, kk_xstrdup(field));
	kk_strv_push_take(&o->detail_values, kk_xstrdup(detail));
}

/* A get that failed: true, with err cleared, when the object is only missing (make it). */
static bool missing(struct kk_err *err)
{
	if (err->code != ENOENT)
		return false;
	*err = (struct kk_err){ 0 };
	return true;
}

static int created(struct kk_apply_outcome *o)
{
	o->action = "created";
	return 0;
}

/* Nothing to write: the document matches what is stored. */
static bool unchanged(struct kk_apply_outcome *o)
{
	if (o->changes)
		return false;
	o->action = "unchanged";
	return true;
}

/* The kind's own update compared: nothing to report when it changed nothing. */
static bool unchanged_by(struct kk_apply_outcome *o, char **changes)
{
	if (changes)
		return false;
	o->action = "unchanged";
	return true;
}

/* rc is the kind's update call. */
static int updated(struct kk_apply_outcome *o, int rc)
{
	if (rc < 0)
		return -1;
	o->action = "updated";
	return 0;
}

/* A field only delete and recreate can change, in upstream's words. */
static int breaking(struct kk_err *err, const char *kind, const char *name, const char *field)
{
	return kk_err_set(err, EINVAL,
			  "%s \"%s\" has breaking changes: [%s]. Delete the %s and recreate it "
			  "with the new spec",
			  kind, name, field, kind);
}

static int kind_rank(enum kk_kind k)
{
	return k == KK_KIND_NONE ? 99 : (int)k; /* Realm 1 ... Container 5 */
}

/* Stable order by kind (reverse for delete), then input index. */
static void sort_items(const struct kk_manifest_item **v, size_t n, bool reverse)
{
	for (size_t i = 1; i < n; i++) {
		const struct kk_manifest_item *x = v[i];
		size_t j = i;

		while (j > 0) {
			int a = kind_rank(v[j - 1]->kind), b = kind_rank(x->kind);

			if (reverse ? a >= b : a <= b)
				break;
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

/* Where a failed document is: "`FILE` line N" (its first line), or just "`FILE`" when
 * the decoder's message already gives the line of the bad field. */
static const char *where(const struct kk_manifest_item *it, const char *file, char *buf,
			 size_t size)
{
	if (strstr(it->err.msg, ": line "))
		snprintf(buf, size, "`%s`", file);
	else
		snprintf(buf, size, "`%s` line %d", file, it->line);
	return buf;
}

/* Parse and validate the whole input; on failure nothing has been done. */
int kk_manifest_load(const char *buf, size_t len, const char *file, bool for_delete,
		     const struct kk_kube_scope *scope, struct kk_yaml_stream **stream,
		     struct kk_manifest **out, struct kk_err *err)
{
	struct kk_manifest *m;
	char msg[sizeof(err->msg)];
	char place[PATH_MAX + 32];
	size_t used = 0;
	bool all_parse = true;

	if (!file)
		file = "-";
	if (kk_yaml_parse_stream(buf, len, file, stream, err) < 0)
		return kk_err_wrap(err, "failed to parse YAML");
	m = kk_manifest_decode_scoped(*stream, scope);
	if (m->n_failed == 0) {
		*out = m;
		return 0;
	}
	for (size_t i = 0; i < m->n; i++)
		if (!m->items[i].doc && !strstr(m->items[i].err.msg, "failed to parse"))
			all_parse = false;
	if (for_delete && all_parse) {
		for (size_t i = 0; i < m->n; i++)
			if (!m->items[i].doc) {
				kk_err_set(err, EINVAL, "failed to parse YAML: %s (%s)",
					   m->items[i].err.msg,
					   where(&m->items[i], file, place, sizeof(place)));
				break;
			}
		kk_manifest_free(m);
		return -1;
	}
	used = (size_t)snprintf(msg, sizeof(msg), "%s",
				for_delete ? "validation errors:" : "validation failed:");
	for (size_t i = 0; i < m->n && used < sizeof(msg); i++)
		if (!m->items[i].doc)
			used += (size_t)snprintf(msg + used, sizeof(msg) - used, "\n  %s (%s)",
						 m->items[i].err.msg,
						 where(&m->items[i], file, place, sizeof(place)));
	kk_manifest_free(m);
	return kk_err_set(err, EINVAL, "%s", msg);
}

/* ---- apply ------------------------------------------------------------------------------- */

static bool json_equal(cJSON *a, cJSON *b)
{
	cleanup_free char *x = kk_json_print(a, KK_JSON_COMPACT);
	cleanup_free char *y = kk_json_print(b, KK_JSON_COMPACT);

	cJSON_Delete(a);
	cJSON_Delete(b);
	return strcmp(x, y) == 0;
}

static cJSON *creds_json(const struct kk_realm *r)
{
	cJSON *t = kk_realm_encode(r, KK_ENC_JSON);
	cJSON *spec = cJSON_GetObjectItemCaseSensitive(t, "spec");
	cJSON *c = cJSON_DetachItemFromObjectCaseSensitive(spec, "registryCredentials");

	cJSON_Delete(t);
	return c ? c : cJSON_CreateNull();
}

/* spec.<key> of a space (null when absent) */
static cJSON *space_json(const struct kk_space *s, const char *key)
{
	cJSON *t = kk_space_encode(s, KK_ENC_JSON);
	cJSON *spec = cJSON_GetObjectItemCaseSensitive(t, "spec");
	cJSON *c = cJSON_DetachItemFromObjectCaseSensitive(spec, key);

	cJSON_Delete(t);
	return c ? c : cJSON_CreateNull();
}

const char *kk_container_doc_id(const struct kk_container *d)
{
	return d->spec.id && *d->spec.id ? d->spec.id : d->meta.name;
}

/* The object a document names, as the get and delete operations take it. */
void kk_doc_ref(const struct kk_doc *doc, struct kk_ref *ref)
{
	const char **dst[] = { &ref->name, &ref->realm, &ref->space, &ref->stack, &ref->cell };
	const char *v[KK_SCOPE_MAX];
	size_t n = kk_doc_scope(doc, v);

	if (doc->kind == KK_KIND_CONTAINER)
		v[0] = kk_container_doc_id(doc->u.container);
	for (size_t i = 0; i < n; i++)
		*dst[i] = v[i];
}

/* The kind's create, as apply calls it: without the default labels that the create
 * operations (kk_op_<kind>_create) inject. */
static int create(struct kk_local *l, const struct kk_doc *d, void *reply, struct kk_err *err)
{
	switch (d->kind) {
	case KK_KIND_REALM:
		return kk_ctl_realm_create(l, d->u.realm, false, reply, err);
	case KK_KIND_SPACE:
		return kk_ctl_space_create(l, d->u.space, false, reply, err);
	case KK_KIND_STACK:
		return kk_ctl_stack_create(l, d->u.stack, false, reply, err);
	case KK_KIND_CELL:
		return kk_ctl_cell_create(l, d->u.cell, false, reply, err);
	default:
		return kk_ctl_container_create(l, d->u.container, reply, err);
	}
}

typedef int update_fn(struct kk_local *l, const struct kk_doc *d, const void *stored,
		      struct kk_apply_outcome *o, struct kk_err *err);
static update_fn update_realm, update_space, update_stack, update_cell, update_container;
static int ensure_parents(struct kk_local *l, const struct kk_doc *d, struct kk_err *err);
static int cell_exists(struct kk_local *l, const struct kk_doc *d, struct kk_err *err);

/* What apply does per kind: make or check the parents, get (ops.def's reply is the stored
 * object), create when missing (raced: where the create's reply says another writer made
 * it first), else compare with what is stored and update. */
static const struct applier {
	int (*parents)(struct kk_local *l, const struct kk_doc *d, struct kk_err *err);
	enum kk_op_id get, create;
	size_t raced;
	update_fn *update;
} appliers[] = {
	[KK_KIND_REALM] = { ensure_parents, KK_OP_GetRealm, KK_OP_CreateRealm,
			    offsetof(struct kk_realm_create_result, level.metadata_exists_pre),
			    update_realm },
	[KK_KIND_SPACE] = { ensure_parents, KK_OP_GetSpace, KK_OP_CreateSpace,
			    offsetof(struct kk_space_create_result, level.metadata_exists_pre),
			    update_space },
	[KK_KIND_STACK] = { ensure_parents, KK_OP_GetStack, KK_OP_CreateStack,
			    offsetof(struct kk_stack_create_result, level.metadata_exists_pre),
			    update_stack },
	[KK_KIND_CELL] = { ensure_parents, KK_OP_GetCell, KK_OP_CreateCell,
			   offsetof(struct kk_cell_create_result, metadata_exists_pre),
			   update_cell },
	[KK_KIND_CONTAINER] = { cell_exists, KK_OP_GetContainer, KK_OP_CreateContainer,
				offsetof(struct kk_container_create_result, container_exists_pre),
				update_container },
};

/* Get what d names into *stored (a reply of the kind's get: release it with that row's
 * reply_clear); when it is missing, create it. Returns 1 when it was there, 0 when this
 * call created it, -1 on failure. Another writer (parallel applies of the same new object)
 * may create it in between: the create then finds it, and this gets it again, so only one
 * of them says "created". */
static int get_or_create(struct kk_local *l, const struct kk_doc *d, void *stored,
			 struct kk_err *err)
{
	const struct applier *k = &appliers[d->kind];
	const struct kk_op *made = &kk_ops[k->create];
	struct kk_ref ref = { 0 };
	bool raced;

	kk_doc_ref(d, &ref);
	for (;;) {
		cleanup_free char *reply = NULL;

		if (kk_ops[k->get].call(l, &ref, stored, err) == 0)
			return 1;
		reply = kk_xcalloc(1, made->reply_size);
		if (!missing(err) || create(l, d, reply, err) < 0)
			return -1;
		raced = *(bool *)(reply + k->raced);
		made->reply_clear(reply);
		if (!raced)
			return 0;
	}
}

/* Apply makes the realm, space and stack a document is in when they are missing
 * (upstream's ensure steps), parents first, with nothing but their names. */
static int ensure_parents(struct kk_local *l, const struct kk_doc *d, struct kk_err *err)
{
	const char *v[KK_SCOPE_MAX];
	size_t n = kk_doc_scope(d, v);
	char *realm = n > 1 ? (char *)v[1] : NULL, *space = n > 2 ? (char *)v[2] : NULL;
	struct kk_realm r = { .meta.name = realm };
	struct kk_space sp = { .meta.name = space, .spec.realm_id = realm };
	struct kk_stack st = { .meta.name = n > 3 ? (char *)v[3] : NULL,
			       .spec.realm_id = realm,
			       .spec.space_id = space };
	const struct kk_doc parents[] = {
		{ KK_KIND_REALM, { .realm = &r } },
		{ KK_KIND_SPACE, { .space = &sp } },
		{ KK_KIND_STACK, { .stack = &st } },
	};

	for (size_t i = 0; i + 1 < n && i < ARRAY_SIZE(parents); i++) {
		const struct kk_op *get = &kk_ops[appliers[parents[i].kind].get];
		cleanup_free char *stored = kk_xcalloc(1, get->reply_size);
		int rc = get_or_create(l, &parents[i], stored, err);

		if (rc < 0)
			return -1;
		if (rc > 0)
			get->reply_clear(stored);
	}
	return 0;
}

/* A Container document goes into a cell that must exist. */
static int cell_exists(struct kk_local *l, const struct kk_doc *d, struct kk_err *err)
{
	const struct kk_container_spec *s = &d->u.container->spec;
	struct kk_cell_get_result cg = { 0 };

	if (kk_ctl_cell_get(l, s->realm_id, s->space_id, s->stack_id, s->cell_id, &cg, err) < 0)
		return kk_err_wrap(err, "parent cell \"%s\" not found", kk_str(s->cell_id));
	kk_cell_get_result_clear(&cg);
	return 0;
}

static int update_realm(struct kk_local *l, const struct kk_doc *doc, const void *stored,
			struct kk_apply_outcome *o, struct kk_err *err)
{
	const struct kk_realm *d = doc->u.realm;
	const struct kk_realm *a = ((const struct kk_realm_get_result *)stored)->realm;

	if (d->spec.namespace_ && *d->spec.namespace_ &&
	    strcmp(d->spec.namespace_, kk_str(a->spec.namespace_)) != 0)
		return breaking(err, "realm", d->meta.name, "spec.namespace");
	if (!kk_labels_equal(&d->meta.labels, &a->meta.labels))
		change(o, "metadata.labels", "labels changed");
	if (!json_equal(creds_json(d), creds_json(a)))
		change(o, "spec.registryCredentials", "registry credentials changed");
	if (unchanged(o))
		return 0;
	return updated(o, kk_ctl_realm_update(l, d, err));
}

static int update_space(struct kk_local *l, const struct kk_doc *doc, const void *stored,
			struct kk_apply_outcome *o, struct kk_err *err)
{
	const struct kk_space *d = doc->u.space;
	const struct kk_space *a = ((const struct kk_space_get_result *)stored)->space;

	if (d->spec.cni_config_path && *d->spec.cni_config_path &&
	    strcmp(d->spec.cni_config_path, kk_str(a->spec.cni_config_path)) != 0)
		return breaking(err, "space", d->meta.name, "spec.cniConfigPath");
	if (!kk_labels_equal(&d->meta.labels, &a->meta.labels))
		change(o, "metadata.labels", "labels changed");
	if (!json_equal(space_json(d, "defaults"), space_json(a, "defaults")))
		change(o, "spec.defaults.container", "container defaults changed");
	/* upstream does not diff the policy, so an edited one never reached the host */
	if (!json_equal(space_json(d, "network"), space_json(a, "network")))
		change(o, "spec.network.egress", "egress policy changed");
	if (unchanged(o))
		return 0;
	return updated(o, kk_ctl_space_update(l, d, err));
}

static int update_stack(struct kk_local *l, const struct kk_doc *doc, const void *stored,
			struct kk_apply_outcome *o, struct kk_err *err)
{
	const struct kk_stack *d = doc->u.stack;
	const struct kk_stack *a = ((const struct kk_stack_get_result *)stored)->stack;

	if (!kk_labels_equal(&d->meta.labels, &a->meta.labels))
		change(o, "metadata.labels", "labels changed");
	if (d->spec.id && *d->spec.id && strcmp(d->spec.id, kk_str(a->spec.id)) != 0) {
		char buf[300];

		snprintf(buf, sizeof(buf), "id changed from \"%s\" to \"%s\"", kk_str(a->spec.id),
			 d->spec.id);
		change(o, "spec.id", buf);
	}
	if (unchanged(o))
		return 0;
	return updated(o, kk_ctl_stack_update(l, d, err));
}

static int update_cell(struct kk_local *l, const struct kk_doc *doc, const void *stored,
		       struct kk_apply_outcome *o, struct kk_err *err)
{
	struct kk_cell_update_result u = { 0 };

	(void)stored;
	if (kk_ctl_cell_update(l, doc->u.cell, &u, err) < 0)
		return -1;
	if (unchanged_by(o, u.changes))
		return 0;
	o->changes = TAKE_PTR(u.changes);
	o->detail_keys = TAKE_PTR(u.detail_keys);
	o->detail_values = TAKE_PTR(u.detail_values);
	o->details_set = u.details_set;
	kk_cell_update_result_clear(&u);
	o->action = "updated";
	return 0;
}

/* A Container document is merged into its cell and started; a changed spec is recreated. */
static int update_container(struct kk_local *l, const struct kk_doc *doc, const void *stored,
			    struct kk_apply_outcome *o, struct kk_err *err)
{
	cleanup_(kk_strv_freep) char **changes = NULL;

	(void)stored;
	if (kk_ctl_container_update(l, doc->u.container, &changes, err) < 0)
		return -1;
	if (unchanged_by(o, changes))
		return 0;
	for (size_t i = 0; changes[i]; i++) {
		cleanup_free char *why = kk_xasprintf("%s changed", changes[i]);

		change(o, changes[i], why);
	}
	o->action = "updated";
	return 0;
}

/* Two Container documents for one container of one cell make the input ambiguous. */
static int check_duplicates(const struct kk_manifest *m, const char *file, struct kk_err *err)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct kk_container *a;

		if (m->items[i].kind != KK_KIND_CONTAINER)
			continue;
		a = m->items[i].doc->u.container;
		for (size_t j = 0; j < i; j++) {
			const struct kk_container *b;

			if (m->items[j].kind != KK_KIND_CONTAINER)
				continue;
			b = m->items[j].doc->u.container;
			if (strcmp(kk_container_doc_id(a), kk_container_doc_id(b)) != 0 ||
			    strcmp(kk_str(a->spec.cell_id), kk_str(b->spec.cell_id)) != 0 ||
			    strcmp(kk_str(a->spec.stack_id), kk_str(b->spec.stack_id)) != 0 ||
			    strcmp(kk_str(a->spec.space_id), kk_str(b->spec.space_id)) != 0 ||
			    strcmp(kk_str(a->spec.realm_id), kk_str(b->spec.realm_id)) != 0)
				continue;
			return kk_err_set(err, EINVAL,
					  "validation failed:\n  document %d (Container \"%s\"): "
					  "container \"%s\" of cell \"%s\" is already in document "
					  "%d "
					  "(`%s` line %d)",
					  m->items[i].index, kk_str(a->meta.name),
					  kk_container_doc_id(a), kk_str(a->spec.cell_id),
					  m->items[j].index, file, m->items[i].line);
		}
	}
	return 0;
}

static void apply_one(struct kk_local *l, const struct kk_manifest_item *it,
		      struct kk_apply_outcome *o)
{
	const struct kk_doc *d = it->doc;
	struct kk_err err = { 0 };
	int rc;

	if (d->kind >= KK_KIND_REALM && d->kind <= KK_KIND_CONTAINER) {
		const struct applier *k = &appliers[d->kind];
		const struct kk_op *get = &kk_ops[k->get];
		cleanup_free char *stored = kk_xcalloc(1, get->reply_size);

		rc = k->parents(l, d, &err);
		if (rc == 0)
			rc = get_or_create(l, d, stored, &err);
		if (rc == 0)
			rc = created(o);
		else if (rc > 0) {
			rc = k->update(l, d, stored, o, &err);
			get->reply_clear(stored);
		}
	} else {
		rc = kk_err_set(&err, ENOTSUP, "%s documents are not supported by this build yet",
				kk_kind_name(it->kind));
	}
	if (rc < 0) {
		o->action = "failed";
		o->error = kk_xstrdup(err.msg);
		kk_strv_free(o->changes);
		kk_strv_free(o->detail_keys);
		kk_strv_free(o->detail_values);
		o->changes = o->detail_keys = o->detail_values = NULL;
	}
}

void kk_apply_result_clear(struct kk_apply_result *r)
{
	for (size_t i = 0; i < r->n; i++)
		outcome_clear(&r->v[i]);
	free(r->v);
	*r = (struct kk_apply_result){ 0 };
}

const struct kk_manifest_item **kk_manifest_order(const struct kk_manifest *m, bool reverse)
{
	const struct kk_manifest_item **order = kk_xcalloc(m->n + 1, sizeof(void *));

	for (size_t i = 0; i < m->n; i++)
		order[i] = &m->items[i];
	sort_items(order, m->n, reverse);
	return order;
}

/* The crash matrix's points between the documents of a manifest: apply:realm ... (only a
 * crash: an applied object is not undone). */
static void apply_fault(enum kk_kind kind)
{
	char point[48];
	size_t n = (size_t)snprintf(point, sizeof(point), "apply:%s", kk_kind_name(kind));

	for (size_t i = 6; i < n && i < sizeof(point); i++)
		point[i] = (char)tolower((unsigned char)point[i]);
	kk_fault(point, &(struct kk_err){ 0 });
}

int kk_op_apply(struct kk_local *l, const struct kk_apply_args *a, struct kk_apply_result *r,
		struct kk_err *err)
{
	cleanup_(kk_yaml_stream_freep) struct kk_yaml_stream *stream = NULL;
	cleanup_(kk_manifest_freep) struct kk_manifest *m = NULL;
	cleanup_free const struct kk_manifest_item **order = NULL;
	const char *source = a->source ? a->source : "-";
	struct kk_apply_result out = { 0 };

	if (a->len > KK_MANIFEST_MAX)
		return kk_err_set(err, EFBIG, "manifest `%s` is larger than %u bytes", source,
				  KK_MANIFEST_MAX);
	if (kk_manifest_load(a->yaml, a->len, source, false,
			     &(struct kk_kube_scope){ a->realm, a->space, a->stack }, &stream, &m,
			     err) < 0 ||
	    !m || check_duplicates(m, source, err) < 0)
		return -1;
	order = kk_manifest_order(m, false);
	out.v = kk_xcalloc(m->n + 1, sizeof(*out.v));
	for (size_t i = 0; i < m->n; i++) {
		struct kk_apply_outcome *o = &out.v[out.n++];

		o->index = order[i]->index;
		o->kind = order[i]->kind;
		o->name = kk_xstrdup(order[i]->name);
		apply_one(l, order[i], o);
		if (!strcmp(o->action, "failed"))
			out.n_failed++;
		else
			apply_fault(o->kind);
	}
	*r = out;
	return 0;
}
