/* common/controller/apply.c - see apply.h. The reconcile of each kind follows upstream's
 * internal/controller/apply (reference runtime §3.7, CLI §3.3 and §10). */
#include "common/controller/apply.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjson/cJSON.h"
#include "common/cleanup.h"
#include "common/controller/cell.h"
#include "common/controller/container.h"
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

static int ensure_realm(struct kk_local *l, const char *name, struct kk_err *err)
{
	struct kk_realm_get_result g = { 0 };
	struct kk_realm_create_result r = { 0 };
	struct kk_realm req = { .meta.name = (char *)name };

	if (kk_ctl_realm_get(l, name, &g, err) == 0) {
		kk_realm_get_result_clear(&g);
		return 0;
	}
	if (!missing(err) || kk_ctl_realm_create(l, &req, false, &r, err) < 0)
		return -1;
	kk_realm_create_result_clear(&r);
	return 0;
}

static int ensure_space(struct kk_local *l, const char *realm, const char *name,
			struct kk_err *err)
{
	struct kk_space_get_result g = { 0 };
	struct kk_space_create_result r = { 0 };
	struct kk_space req = { .meta.name = (char *)name, .spec.realm_id = (char *)realm };

	if (ensure_realm(l, realm, err) < 0)
		return -1;
	if (kk_ctl_space_get(l, realm, name, &g, err) == 0) {
		kk_space_get_result_clear(&g);
		return 0;
	}
	if (!missing(err) || kk_ctl_space_create(l, &req, false, &r, err) < 0)
		return -1;
	kk_space_create_result_clear(&r);
	return 0;
}

static int ensure_stack(struct kk_local *l, const char *realm, const char *space, const char *name,
			struct kk_err *err)
{
	struct kk_stack_get_result g = { 0 };
	struct kk_stack_create_result r = { 0 };
	struct kk_stack req = { .meta.name = (char *)name,
				.spec.realm_id = (char *)realm,
				.spec.space_id = (char *)space };

	if (ensure_space(l, realm, space, err) < 0)
		return -1;
	if (kk_ctl_stack_get(l, realm, space, name, &g, err) == 0) {
		kk_stack_get_result_clear(&g);
		return 0;
	}
	if (!missing(err) || kk_ctl_stack_create(l, &req, false, &r, err) < 0)
		return -1;
	kk_stack_create_result_clear(&r);
	return 0;
}

/* Each apply_<kind> gets, then creates when missing. Another writer (parallel applies of
 * the same new object) may create it in between: the create-or-ensure then finds it
 * (raced), and the apply starts over to compare with what is there now, so only one of
 * them says "created". */
static int apply_realm(struct kk_local *l, const struct kk_realm *d, struct kk_apply_outcome *o,
		       struct kk_err *err)
{
	bool raced;
	struct kk_realm_get_result g = { 0 };
	struct kk_realm_create_result r = { 0 };
	const struct kk_realm *a;

	if (kk_ctl_realm_get(l, d->meta.name, &g, err) < 0) {
		if (!missing(err) || kk_ctl_realm_create(l, d, false, &r, err) < 0)
			return -1;
		raced = r.metadata_exists_pre;
		kk_realm_create_result_clear(&r);
		return raced ? apply_realm(l, d, o, err) : created(o);
	}
	a = g.realm;
	if (d->spec.namespace_ && *d->spec.namespace_ &&
	    strcmp(d->spec.namespace_, kk_str(a->spec.namespace_)) != 0) {
		kk_realm_get_result_clear(&g);
		return breaking(err, "realm", d->meta.name, "spec.namespace");
	}
	if (!kk_labels_equal(&d->meta.labels, &a->meta.labels))
		change(o, "metadata.labels", "labels changed");
	if (!json_equal(creds_json(d), creds_json(a)))
		change(o, "spec.registryCredentials", "registry credentials changed");
	kk_realm_get_result_clear(&g);
	if (unchanged(o))
		return 0;
	return updated(o, kk_ctl_realm_update(l, d, err));
}

static int apply_space(struct kk_local *l, const struct kk_space *d, struct kk_apply_outcome *o,
		       struct kk_err *err)
{
	bool raced; /* see apply_realm */
	struct kk_space_get_result g = { 0 };
	struct kk_space_create_result r = { 0 };
	const struct kk_space *a;

	if (ensure_realm(l, d->spec.realm_id, err) < 0)
		return -1;
	if (kk_ctl_space_get(l, d->spec.realm_id, d->meta.name, &g, err) < 0) {
		if (!missing(err) || kk_ctl_space_create(l, d, false, &r, err) < 0)
			return -1;
		raced = r.metadata_exists_pre;
		kk_space_create_result_clear(&r);
		return raced ? apply_space(l, d, o, err) : created(o);
	}
	a = g.space;
	if (d->spec.cni_config_path && *d->spec.cni_config_path &&
	    strcmp(d->spec.cni_config_path, kk_str(a->spec.cni_config_path)) != 0) {
		kk_space_get_result_clear(&g);
		return breaking(err, "space", d->meta.name, "spec.cniConfigPath");
	}
	if (!kk_labels_equal(&d->meta.labels, &a->meta.labels))
		change(o, "metadata.labels", "labels changed");
	if (!json_equal(space_json(d, "defaults"), space_json(a, "defaults")))
		change(o, "spec.defaults.container", "container defaults changed");
	/* upstream does not diff the policy, so an edited one never reached the host */
	if (!json_equal(space_json(d, "network"), space_json(a, "network")))
		change(o, "spec.network.egress", "egress policy changed");
	kk_space_get_result_clear(&g);
	if (unchanged(o))
		return 0;
	return updated(o, kk_ctl_space_update(l, d, err));
}

static int apply_stack(struct kk_local *l, const struct kk_stack *d, struct kk_apply_outcome *o,
		       struct kk_err *err)
{
	bool raced; /* see apply_realm */
	struct kk_stack_get_result g = { 0 };
	struct kk_stack_create_result r = { 0 };
	const struct kk_stack *a;

	if (ensure_space(l, d->spec.realm_id, d->spec.space_id, err) < 0)
		return -1;
	if (kk_ctl_stack_get(l, d->spec.realm_id, d->spec.space_id, d->meta.name, &g, err) < 0) {
		if (!missing(err) || kk_ctl_stack_create(l, d, false, &r, err) < 0)
			return -1;
		raced = r.metadata_exists_pre;
		kk_stack_create_result_clear(&r);
		return raced ? apply_stack(l, d, o, err) : created(o);
	}
	a = g.stack;
	if (!kk_labels_equal(&d->meta.labels, &a->meta.labels))
		change(o, "metadata.labels", "labels changed");
	if (d->spec.id && *d->spec.id && strcmp(d->spec.id, kk_str(a->spec.id)) != 0) {
		char buf[300];

		snprintf(buf, sizeof(buf), "id changed from \"%s\" to \"%s\"", kk_str(a->spec.id),
			 d->spec.id);
		change(o, "spec.id", buf);
	}
	kk_stack_get_result_clear(&g);
	if (unchanged(o))
		return 0;
	return updated(o, kk_ctl_stack_update(l, d, err));
}

static int apply_cell(struct kk_local *l, const struct kk_cell *d, struct kk_apply_outcome *o,
		      struct kk_err *err)
{
	bool raced; /* see apply_realm */
	struct kk_cell_get_result g = { 0 };
	struct kk_cell_create_result r = { 0 };
	struct kk_cell_update_result u = { 0 };

	if (ensure_stack(l, d->spec.realm_id, d->spec.space_id, d->spec.stack_id, err) < 0)
		return -1;
	if (kk_ctl_cell_get(l, d->spec.realm_id, d->spec.space_id, d->spec.stack_id, d->meta.name,
			     &g, err) < 0) {
		if (!missing(err) || kk_ctl_cell_create(l, d, false, &r, err) < 0)
			return -1;
		raced = r.metadata_exists_pre;
		kk_cell_create_result_clear(&r);
		return raced ? apply_cell(l, d, o, err) : created(o);
	}
	kk_cell_get_result_clear(&g);
	if (kk_ctl_cell_update(l, d, &u, err) < 0)
		return -1;
	if (!u.changes) {
		o->action = "unchanged";
		return 0;
	}
	o->changes = TAKE_PTR(u.changes);
	o->detail_keys = TAKE_PTR(u.detail_keys);
	o->detail_values = TAKE_PTR(u.detail_values);
	o->details_set = u.details_set;
	kk_cell_update_result_clear(&u);
	o->action = "updated";
	return 0;
}

const char *kk_container_doc_id(const struct kk_container *d)
{
	return d->spec.id && *d->spec.id ? d->spec.id : d->meta.name;
}

/* Container documents: merged into their (existing) cell and started; a changed spec is
 * recreated. */
static int apply_container(struct kk_local *l, const struct kk_container *d, struct kk_apply_outcome *o,
			   struct kk_err *err)
{
	bool raced; /* see apply_realm */
	const struct kk_container_spec *s = &d->spec;
	struct kk_cell_get_result cg = { 0 };
	struct kk_container_get_result g = { 0 };
	struct kk_container_create_result r = { 0 };
	cleanup_(kk_strv_freep) char **changes = NULL;

	if (kk_ctl_cell_get(l, s->realm_id, s->space_id, s->stack_id, s->cell_id, &cg, err) < 0)
		return kk_err_wrap(err, "parent cell \"%s\" not found", kk_str(s->cell_id));
	kk_cell_get_result_clear(&cg);
	if (kk_ctl_container_get(l, s->realm_id, s->space_id, s->stack_id, s->cell_id,
				  kk_container_doc_id(d), &g, err) < 0) {
		if (!missing(err) || kk_ctl_container_create(l, d, &r, err) < 0)
			return -1;
		raced = r.container_exists_pre;
		kk_container_create_result_clear(&r);
		return raced ? apply_container(l, d, o, err) : created(o);
	}
	kk_container_get_result_clear(&g);
	if (kk_ctl_container_update(l, d, &changes, err) < 0)
		return -1;
	if (!changes) {
		o->action = "unchanged";
		return 0;
	}
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
					  m->items[i].index, kk_str(a->meta.name), kk_container_doc_id(a),
					  kk_str(a->spec.cell_id), m->items[j].index, file,
					  m->items[i].line);
		}
	}
	return 0;
}

static void apply_one(struct kk_local *l, const struct kk_manifest_item *it, struct kk_apply_outcome *o)
{
	struct kk_err err = { 0 };
	int rc;

	switch (it->kind) {
	case KK_KIND_REALM:
		rc = apply_realm(l, it->doc->u.realm, o, &err);
		break;
	case KK_KIND_SPACE:
		rc = apply_space(l, it->doc->u.space, o, &err);
		break;
	case KK_KIND_STACK:
		rc = apply_stack(l, it->doc->u.stack, o, &err);
		break;
	case KK_KIND_CELL:
		rc = apply_cell(l, it->doc->u.cell, o, &err);
		break;
	case KK_KIND_CONTAINER:
		rc = apply_container(l, it->doc->u.container, o, &err);
		break;
	default:
		rc = kk_err_set(&err, ENOTSUP, "%s documents are not supported by this build yet",
				kk_kind_name(it->kind));
		break;
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
	    !m ||
	    check_duplicates(m, source, err) < 0)
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
