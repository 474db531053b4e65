/* applets/kuke/apply.c - kuke apply -f FILE|- and kuke delete -f FILE|- (realms, spaces,
 * stacks; cells and containers are reported as failed until the cell runtime lands).
 *
 * Upstream's ApplyDocuments / DeleteDocuments (reference CLI §3.3, §3.7, §10; runtime §3.7):
 * the whole input is parsed and validated first (nothing is applied if any document is bad),
 * then documents run in dependency order (reverse for delete), each reported as created /
 * updated (with its changes) / unchanged / failed. Any failure exits 1, in every output mode
 * (upstream exits 0 with -o; docs/compat.md). */
#include "applets/kuke/kuke.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjson/cJSON.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/mem.h"
#include "common/model/doc.h"
#include "common/strv.h"
#include "common/yaml.h"
#include "applets/kuke/client.h"
#include "applets/kuke/opts.h"

#define MANIFEST_MAX (64u << 20)

struct outcome {
	const struct kk_manifest_item *item;
	const char *action; /* created updated unchanged failed | deleted "not found" */
	char *error;        /* owned; NULL = none */
	char **changes;     /* owned */
	char **detail_keys, **detail_values; /* owned, parallel */
	bool details_set;                    /* Details {} even without keys */
	size_t cascaded;
};

static void outcome_clear(struct outcome *o)
{
	free(o->error);
	kk_strv_free(o->changes);
	kk_strv_free(o->detail_keys);
	kk_strv_free(o->detail_values);
}

static void change(struct outcome *o, const char *field, const char *detail)
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

static int created(struct outcome *o)
{
	o->action = "created";
	return 0;
}

/* Nothing to write: the document matches what is stored. */
static bool unchanged(struct outcome *o)
{
	if (o->changes)
		return false;
	o->action = "unchanged";
	return true;
}

/* rc is the kind's update call. */
static int updated(struct outcome *o, int rc)
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

static int read_input(const char *file, char **buf, size_t *len, struct kk_err *err)
{
	const char *path = strcmp(file, "-") == 0 ? "/dev/stdin" : file;
	struct kk_err e = { 0 };

	if (kk_read_file_max(path, MANIFEST_MAX, buf, len, &e) < 0)
		return kk_err_set(err, e.code, "failed to open file \"%s\": %s", file, e.msg);
	return 0;
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
static int load_manifest(const char *file, struct kk_yaml_stream **stream, struct kk_manifest **out,
			 bool for_delete, struct kk_err *err)
{
	cleanup_free char *buf = NULL;
	struct kk_manifest *m;
	size_t len = 0;
	char msg[sizeof(err->msg)];
	char place[PATH_MAX + 32];
	size_t used = 0;
	bool all_parse = true;

	if (read_input(file, &buf, &len, err) < 0)
		return -1;
	if (kk_yaml_parse_stream(buf, len, file, stream, err) < 0)
		return kk_err_wrap(err, "failed to parse YAML");
	m = kk_manifest_decode(*stream);
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

static int ensure_realm(struct kk_client *c, const char *name, struct kk_err *err)
{
	struct kk_realm_get_result g = { 0 };
	struct kk_realm_create_result r = { 0 };
	struct kk_realm req = { .meta.name = (char *)name };

	if (c->ops->realm_get(c, name, &g, err) == 0) {
		kk_realm_get_result_clear(&g);
		return 0;
	}
	if (!missing(err) || c->ops->realm_create(c, &req, false, &r, err) < 0)
		return -1;
	kk_realm_create_result_clear(&r);
	return 0;
}

static int ensure_space(struct kk_client *c, const char *realm, const char *name,
			struct kk_err *err)
{
	struct kk_space_get_result g = { 0 };
	struct kk_space_create_result r = { 0 };
	struct kk_space req = { .meta.name = (char *)name, .spec.realm_id = (char *)realm };

	if (ensure_realm(c, realm, err) < 0)
		return -1;
	if (c->ops->space_get(c, realm, name, &g, err) == 0) {
		kk_space_get_result_clear(&g);
		return 0;
	}
	if (!missing(err) || c->ops->space_create(c, &req, false, &r, err) < 0)
		return -1;
	kk_space_create_result_clear(&r);
	return 0;
}

static int ensure_stack(struct kk_client *c, const char *realm, const char *space, const char *name,
			struct kk_err *err)
{
	struct kk_stack_get_result g = { 0 };
	struct kk_stack_create_result r = { 0 };
	struct kk_stack req = { .meta.name = (char *)name,
				.spec.realm_id = (char *)realm,
				.spec.space_id = (char *)space };

	if (ensure_space(c, realm, space, err) < 0)
		return -1;
	if (c->ops->stack_get(c, realm, space, name, &g, err) == 0) {
		kk_stack_get_result_clear(&g);
		return 0;
	}
	if (!missing(err) || c->ops->stack_create(c, &req, false, &r, err) < 0)
		return -1;
	kk_stack_create_result_clear(&r);
	return 0;
}

static int apply_realm(struct kk_client *c, const struct kk_realm *d, struct outcome *o,
		       struct kk_err *err)
{
	struct kk_realm_get_result g = { 0 };
	struct kk_realm_create_result r = { 0 };
	const struct kk_realm *a;

	if (c->ops->realm_get(c, d->meta.name, &g, err) < 0) {
		if (!missing(err) || c->ops->realm_create(c, d, false, &r, err) < 0)
			return -1;
		kk_realm_create_result_clear(&r);
		return created(o);
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
	return updated(o, c->ops->realm_update(c, d, err));
}

static int apply_space(struct kk_client *c, const struct kk_space *d, struct outcome *o,
		       struct kk_err *err)
{
	struct kk_space_get_result g = { 0 };
	struct kk_space_create_result r = { 0 };
	const struct kk_space *a;

	if (ensure_realm(c, d->spec.realm_id, err) < 0)
		return -1;
	if (c->ops->space_get(c, d->spec.realm_id, d->meta.name, &g, err) < 0) {
		if (!missing(err) || c->ops->space_create(c, d, false, &r, err) < 0)
			return -1;
		kk_space_create_result_clear(&r);
		return created(o);
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
	return updated(o, c->ops->space_update(c, d, err));
}

static int apply_stack(struct kk_client *c, const struct kk_stack *d, struct outcome *o,
		       struct kk_err *err)
{
	struct kk_stack_get_result g = { 0 };
	struct kk_stack_create_result r = { 0 };
	const struct kk_stack *a;

	if (ensure_space(c, d->spec.realm_id, d->spec.space_id, err) < 0)
		return -1;
	if (c->ops->stack_get(c, d->spec.realm_id, d->spec.space_id, d->meta.name, &g, err) < 0) {
		if (!missing(err) || c->ops->stack_create(c, d, false, &r, err) < 0)
			return -1;
		kk_stack_create_result_clear(&r);
		return created(o);
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
	return updated(o, c->ops->stack_update(c, d, err));
}

static int apply_cell(struct kk_client *c, const struct kk_cell *d, struct outcome *o,
		      struct kk_err *err)
{
	struct kk_cell_get_result g = { 0 };
	struct kk_cell_create_result r = { 0 };
	struct kk_cell_update_result u = { 0 };

	if (ensure_stack(c, d->spec.realm_id, d->spec.space_id, d->spec.stack_id, err) < 0)
		return -1;
	if (c->ops->cell_get(c, d->spec.realm_id, d->spec.space_id, d->spec.stack_id, d->meta.name,
			     &g, err) < 0) {
		if (!missing(err) || c->ops->cell_create(c, d, false, &r, err) < 0)
			return -1;
		kk_cell_create_result_clear(&r);
		return created(o);
	}
	kk_cell_get_result_clear(&g);
	if (c->ops->cell_update(c, d, &u, err) < 0)
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

static const char *container_id(const struct kk_container *d)
{
	return d->spec.id && *d->spec.id ? d->spec.id : d->meta.name;
}

/* Container documents: merged into their (existing) cell and started; a changed spec is
 * recreated. */
static int apply_container(struct kk_client *c, const struct kk_container *d, struct outcome *o,
			   struct kk_err *err)
{
	const struct kk_container_spec *s = &d->spec;
	struct kk_cell_get_result cg = { 0 };
	struct kk_container_get_result g = { 0 };
	struct kk_container_create_result r = { 0 };
	cleanup_(kk_strv_freep) char **changes = NULL;

	if (c->ops->cell_get(c, s->realm_id, s->space_id, s->stack_id, s->cell_id, &cg, err) < 0)
		return kk_err_wrap(err, "parent cell \"%s\" not found", kk_str(s->cell_id));
	kk_cell_get_result_clear(&cg);
	if (c->ops->container_get(c, s->realm_id, s->space_id, s->stack_id, s->cell_id,
				  container_id(d), &g, err) < 0) {
		if (!missing(err) || c->ops->container_create(c, d, &r, err) < 0)
			return -1;
		kk_container_create_result_clear(&r);
		return created(o);
	}
	kk_container_get_result_clear(&g);
	if (c->ops->container_update(c, d, &changes, err) < 0)
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
			if (strcmp(container_id(a), container_id(b)) != 0 ||
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
					  m->items[i].index, kk_str(a->meta.name), container_id(a),
					  kk_str(a->spec.cell_id), m->items[j].index, file,
					  m->items[i].line);
		}
	}
	return 0;
}

static void apply_one(struct kk_client *c, const struct kk_manifest_item *it, struct outcome *o)
{
	struct kk_err err = { 0 };
	int rc;

	switch (it->kind) {
	case KK_KIND_REALM:
		rc = apply_realm(c, it->doc->u.realm, o, &err);
		break;
	case KK_KIND_SPACE:
		rc = apply_space(c, it->doc->u.space, o, &err);
		break;
	case KK_KIND_STACK:
		rc = apply_stack(c, it->doc->u.stack, o, &err);
		break;
	case KK_KIND_CELL:
		rc = apply_cell(c, it->doc->u.cell, o, &err);
		break;
	case KK_KIND_CONTAINER:
		rc = apply_container(c, it->doc->u.container, o, &err);
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

/* `{"resources":[...]}` with Go's field names (JSON) or their lower-case forms (YAML). */
static cJSON *apply_tree(const struct outcome *v, size_t n, bool yaml)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(root, "resources");

	for (size_t i = 0; i < n; i++) {
		const struct outcome *o = &v[i];
		cJSON *e = cJSON_CreateObject();
		cJSON *ch, *det;

		cJSON_AddNumberToObject(e, yaml ? "index" : "Index", o->item->index);
		cJSON_AddStringToObject(e, yaml ? "kind" : "Kind", kk_kind_name(o->item->kind));
		cJSON_AddStringToObject(e, yaml ? "name" : "Name", o->item->name);
		cJSON_AddStringToObject(e, yaml ? "action" : "Action", o->action);
		cJSON_AddStringToObject(e, yaml ? "error" : "Error", o->error ? o->error : "");
		if (o->changes) {
			ch = cJSON_CreateArray();
			for (size_t j = 0; o->changes[j]; j++)
				cJSON_AddItemToArray(ch, cJSON_CreateString(o->changes[j]));
		} else {
			ch = yaml ? cJSON_CreateArray() : cJSON_CreateNull();
		}
		cJSON_AddItemToObject(e, yaml ? "changes" : "Changes", ch);
		if (o->details_set || !strcmp(o->action, "failed")) {
			det = cJSON_CreateObject();
			for (size_t j = 0; o->detail_keys && o->detail_keys[j]; j++)
				cJSON_AddStringToObject(det, o->detail_keys[j],
							o->detail_values[j]);
		} else {
			det = yaml ? cJSON_CreateObject() : cJSON_CreateNull();
		}
		cJSON_AddItemToObject(e, yaml ? "details" : "Details", det);
		cJSON_AddItemToArray(arr, e);
	}
	return root;
}

static int print_structured(cJSON *tree, bool yaml)
{
	cleanup_free char *s = yaml ? kk_yaml_emit(tree, 4) : kk_json_print(tree, KK_JSON_INDENT);

	cJSON_Delete(tree);
	fputs(s, stdout);
	if (!yaml)
		fflush(stdout);
	return 0;
}

int kuke_apply(struct kuke_ctx *ctx, int argc, char **argv, struct kk_err *err)
{
	const char *file = NULL, *output = NULL;
	const struct kuke_opt opts[] = {
		{ "file", 'f', KUKE_OPT_STRING, &file },
		{ "output", 'o', KUKE_OPT_STRING, &output },
	};
	cleanup_(kk_yaml_stream_freep) struct kk_yaml_stream *stream = NULL;
	cleanup_(kk_manifest_freep) struct kk_manifest *m = NULL;
	cleanup_(kk_client_freep) struct kk_client *c = NULL;
	const struct kk_manifest_item **order = NULL;
	struct outcome *out = NULL;
	size_t n_failed = 0;
	bool yaml, json;

	if (kuke_opts_parse(opts, ARRAY_SIZE(opts), &argc, argv, err) < 0)
		return kk_err_wrap(err, "apply");
	if (argc > 1)
		return kk_err_set(err, KK_EUSAGE, "unknown command \"%s\" for \"kuke apply\"",
				  argv[1]);
	if (!file)
		return kk_err_set(err, KK_EUSAGE, "required flag(s) \"file\" not set");
	yaml = output && !strcmp(output, "yaml");
	json = output && !strcmp(output, "json");
	if (load_manifest(file, &stream, &m, false, err) < 0 || !m ||
	    check_duplicates(m, file, err) < 0)
		return -1;
	if (kuke_client_open(ctx, &c, err) < 0)
		return -1;
	order = kk_xcalloc(m->n + 1, sizeof(void *)); /* item pointers */
	out = kk_xcalloc(m->n + 1, sizeof(*out));
	for (size_t i = 0; i < m->n; i++)
		order[i] = &m->items[i];
	sort_items(order, m->n, false);
	for (size_t i = 0; i < m->n; i++) {
		out[i].item = order[i];
		apply_one(c, order[i], &out[i]);
		if (!strcmp(out[i].action, "failed"))
			n_failed++;
	}
	if (yaml || json) {
		print_structured(apply_tree(out, m->n, yaml), yaml);
	} else {
		for (size_t i = 0; i < m->n; i++) {
			printf("%s \"%s\": %s\n", kk_kind_name(out[i].item->kind),
			       out[i].item->name, out[i].action);
			for (size_t j = 0; out[i].changes && out[i].changes[j]; j++)
				printf("  - %s\n", out[i].changes[j]);
			if (out[i].error)
				printf("  Error: %s\n", out[i].error);
		}
	}
	for (size_t i = 0; i < m->n; i++)
		outcome_clear(&out[i]);
	free(out);
	free(order);
	if (n_failed) {
		fflush(stdout);
		return kk_err_set(err, EIO, "config error: some resources failed to apply");
	}
	return 0;
}

/* ---- delete -f --------------------------------------------------------------------------- */

static void delete_one(struct kk_client *c, const struct kk_manifest_item *it, bool force,
		       bool cascade, struct outcome *o)
{
	struct kk_delete_result r = { 0 };
	struct kk_err err = { 0 };
	int rc;

	switch (it->kind) {
	case KK_KIND_REALM:
		rc = c->ops->realm_delete(c, it->doc->u.realm->meta.name, force, cascade, &r, &err);
		break;
	case KK_KIND_SPACE: {
		const struct kk_space *s = it->doc->u.space;

		rc = c->ops->space_delete(c, s->spec.realm_id, s->meta.name, force, cascade, &r,
					  &err);
		break;
	}
	case KK_KIND_STACK: {
		const struct kk_stack *s = it->doc->u.stack;

		rc = c->ops->stack_delete(c, s->spec.realm_id, s->spec.space_id, s->meta.name,
					  force, cascade, &r, &err);
		break;
	}
	case KK_KIND_CELL: {
		const struct kk_cell *s = it->doc->u.cell;

		rc = c->ops->cell_delete(c, s->spec.realm_id, s->spec.space_id, s->spec.stack_id,
					 s->meta.name, &r, &err);
		break;
	}
	case KK_KIND_CONTAINER: {
		const struct kk_container *s = it->doc->u.container;

		rc = c->ops->container_delete(c, s->spec.realm_id, s->spec.space_id,
					      s->spec.stack_id, s->spec.cell_id, container_id(s),
					      &r, &err);
		break;
	}
	default:
		rc = kk_err_set(&err, ENOTSUP, "%s documents are not supported by this build yet",
				kk_kind_name(it->kind));
		break;
	}
	if (rc == 0) {
		o->action = "deleted";
		o->cascaded = r.n_cascaded;
	} else if (err.code == ENOENT && strstr(err.msg, "not found")) {
		o->action = "not found";
	} else {
		o->action = "failed";
		o->error = kk_xstrdup(err.msg);
	}
	kk_delete_result_clear(&r);
}

int kuke_delete(struct kuke_ctx *ctx, int argc, char **argv, struct kk_err *err)
{
	static const char *const child[] = { "", "space(s)", "stack(s)", "cell(s)" };
	const char *file = NULL, *output = NULL;
	bool cascade = false, force = false;
	const struct kuke_opt opts[] = {
		{ "file", 'f', KUKE_OPT_STRING, &file },
		{ "output", 'o', KUKE_OPT_STRING, &output },
		{ "cascade", 0, KUKE_OPT_BOOL, &cascade },
		{ "force", 0, KUKE_OPT_BOOL, &force },
	};
	cleanup_(kk_yaml_stream_freep) struct kk_yaml_stream *stream = NULL;
	cleanup_(kk_manifest_freep) struct kk_manifest *m = NULL;
	cleanup_(kk_client_freep) struct kk_client *c = NULL;
	const struct kk_manifest_item **order = NULL;
	struct outcome *out = NULL;
	size_t n_failed = 0;
	bool yaml, json;

	if (kuke_opts_parse(opts, ARRAY_SIZE(opts), &argc, argv, err) < 0)
		return kk_err_wrap(err, "delete");
	if (argc > 1)
		return kk_err_set(err, KK_EUSAGE, "unknown command `delete %s`; see `kuke --help`",
				  argv[1]);
	if (!file)
		return kk_err_set(err, KK_EUSAGE,
				  "delete: a resource (realm, space, stack) or -f FILE is "
				  "required");
	yaml = output && !strcmp(output, "yaml");
	json = output && !strcmp(output, "json");
	if (load_manifest(file, &stream, &m, true, err) < 0 || !m)
		return -1;
	if (kuke_client_open(ctx, &c, err) < 0)
		return -1;
	order = kk_xcalloc(m->n + 1, sizeof(void *)); /* item pointers */
	out = kk_xcalloc(m->n + 1, sizeof(*out));
	for (size_t i = 0; i < m->n; i++)
		order[i] = &m->items[i];
	sort_items(order, m->n, true);
	for (size_t i = 0; i < m->n; i++) {
		out[i].item = order[i];
		delete_one(c, order[i], force, cascade, &out[i]);
		if (!strcmp(out[i].action, "failed"))
			n_failed++;
	}
	if (yaml || json) {
		cJSON *root = cJSON_CreateObject();
		cJSON *arr = cJSON_AddArrayToObject(root, "resources");

		for (size_t i = 0; i < m->n; i++) {
			cJSON *e = cJSON_CreateObject();

			cJSON_AddNumberToObject(e, "index", out[i].item->index);
			cJSON_AddStringToObject(e, "kind", kk_kind_name(out[i].item->kind));
			cJSON_AddStringToObject(e, "name", out[i].item->name);
			cJSON_AddStringToObject(e, "action", out[i].action);
			if (out[i].error)
				cJSON_AddStringToObject(e, "error", out[i].error);
			if (out[i].cascaded)
				cJSON_AddNumberToObject(e, "cascaded", (double)out[i].cascaded);
			cJSON_AddItemToArray(arr, e);
		}
		print_structured(root, yaml);
	} else {
		for (size_t i = 0; i < m->n; i++) {
			enum kk_kind k = out[i].item->kind;

			printf("%s \"%s\": %s\n", kk_kind_name(k), out[i].item->name,
			       out[i].action);
			if (out[i].cascaded && k >= KK_KIND_REALM && k <= KK_KIND_STACK)
				printf("  - %zu %s deleted (cascade)\n", out[i].cascaded, child[k]);
			if (k == KK_KIND_CONTAINER && !strcmp(out[i].action, "deleted"))
				printf("  - containers: 1 deleted\n");
			if (out[i].error)
				printf("  Error: %s\n", out[i].error);
		}
	}
	for (size_t i = 0; i < m->n; i++)
		outcome_clear(&out[i]);
	free(out);
	free(order);
	if (n_failed) {
		fflush(stdout);
		return kk_err_set(err, EIO, "config error: some resources failed to delete");
	}
	return 0;
}
