/* applets/kuke/apply.c - kuke apply -f FILE|- and kuke delete -f FILE|-.
 *
 * The input is read and validated here first, so a bad document is reported with the file's
 * name and line before anything is sent; then apply hands the whole stream to the
 * controller's ApplyDocuments (common/controller/apply.h), and delete -f deletes document by
 * document in reverse dependency order, as upstream's CLI does. Each document is reported as
 * created / updated (with its changes) / unchanged / failed, or deleted / not found. Any
 * failure exits 1, in every output mode (upstream exits 0 with -o; docs/compat.md). */
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
#include "common/controller/apply.h"
#include "common/model/doc.h"
#include "common/model/kube.h"
#include "common/strv.h"
#include "common/yaml.h"
#include "applets/kuke/client.h"

/* a delete -f outcome */
struct outcome {
	const struct kk_manifest_item *item;
	const char *action; /* deleted, "not found", failed */
	char *error;        /* owned; NULL = none */
	size_t cascaded;
};

static int read_input(const char *file, char **buf, size_t *len, struct kk_err *err)
{
	const char *path = strcmp(file, "-") == 0 ? "/dev/stdin" : file;
	struct kk_err e = { 0 };

	if (kk_read_file_max(path, KK_MANIFEST_MAX, buf, len, &e) < 0)
		return kk_err_set(err, e.code, "failed to open file \"%s\": %s", file, e.msg);
	return 0;
}

/* Read and validate the whole input; on failure nothing has been done. */
static int load_manifest(const char *file, char **buf, size_t *len, struct kk_yaml_stream **stream,
			 struct kk_manifest **m, bool for_delete, const struct kk_kube_scope *scope,
			 struct kk_err *err)
{
	if (read_input(file, buf, len, err) < 0)
		return -1;
	return kk_manifest_load(*buf, *len, file, for_delete, scope, stream, m, err);
}

/* `{"resources":[...]}` with Go's field names (JSON) or their lower-case forms (YAML). */
static cJSON *apply_tree(const struct kk_apply_outcome *v, size_t n, bool yaml)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(root, "resources");

	for (size_t i = 0; i < n; i++) {
		const struct kk_apply_outcome *o = &v[i];
		cJSON *e = cJSON_CreateObject();
		cJSON *ch, *det;

		cJSON_AddNumberToObject(e, yaml ? "index" : "Index", o->index);
		cJSON_AddStringToObject(e, yaml ? "kind" : "Kind", kk_kind_name(o->kind));
		cJSON_AddStringToObject(e, yaml ? "name" : "Name", o->name);
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

int kuke_apply(struct kuke_ctx *ctx, int arg, const struct kuke_flags *f, int argc, char **argv,
	       struct kk_err *err)
{
	const char *file = f->file, *output = f->output;
	cleanup_(kk_yaml_stream_freep) struct kk_yaml_stream *stream = NULL;
	cleanup_(kk_manifest_freep) struct kk_manifest *m = NULL;
	cleanup_(kk_client_freep) struct kk_client *c = NULL;
	cleanup_(kk_apply_result_clear) struct kk_apply_result r = { 0 };
	cleanup_free char *buf = NULL;
	size_t len = 0;
	bool yaml, json;

	if (argc > 1)
		return kk_err_set(err, KK_EUSAGE, "unknown command \"%s\" for \"kuke apply\"",
				  argv[1]);
	if (!file)
		return kk_err_set(err, KK_EUSAGE, "required flag(s) \"file\" not set");
	yaml = output && !strcmp(output, "yaml");
	json = output && !strcmp(output, "json");
	if (load_manifest(file, &buf, &len, &stream, &m, false,
			  &(struct kk_kube_scope){ f->realm, f->space, f->stack }, err) < 0)
		return -1;
	if (kuke_client_open(ctx, &c, err) < 0 ||
	    kk_call_apply(c,
			  &(struct kk_apply_args){ buf, len, file, f->realm, f->space, f->stack },
			  &r, err) < 0)
		return -1;
	if (yaml || json) {
		print_structured(apply_tree(r.v, r.n, yaml), yaml);
	} else {
		for (size_t i = 0; i < r.n; i++) {
			printf("%s \"%s\": %s\n", kk_kind_name(r.v[i].kind), r.v[i].name,
			       r.v[i].action);
			for (size_t j = 0; r.v[i].changes && r.v[i].changes[j]; j++)
				printf("  - %s\n", r.v[i].changes[j]);
			if (r.v[i].error)
				printf("  Error: %s\n", r.v[i].error);
		}
	}
	if (r.n_failed) {
		fflush(stdout);
		return kk_err_set(err, EIO, "config error: some resources failed to apply");
	}
	return 0;
}

/* ---- delete -f --------------------------------------------------------------------------- */

static void delete_one(struct kk_client *c, const struct kk_manifest_item *it, bool force,
		       bool cascade, struct outcome *o)
{
	static const enum kk_op_id ids[] = {
		[KK_KIND_REALM] = KK_OP_DeleteRealm,         [KK_KIND_SPACE] = KK_OP_DeleteSpace,
		[KK_KIND_STACK] = KK_OP_DeleteStack,         [KK_KIND_CELL] = KK_OP_DeleteCell,
		[KK_KIND_CONTAINER] = KK_OP_DeleteContainer,
	};
	struct kk_delete_result r = { 0 };
	struct kk_ref ref = { .force = force, .cascade = cascade };
	struct kk_err err = { 0 };
	int rc;

	kk_doc_ref(it->doc, &ref);
	if (it->kind >= KK_KIND_REALM && it->kind <= KK_KIND_CONTAINER)
		rc = kk_client_call(c, ids[it->kind], &ref, &r, &err);
	else
		rc = kk_err_set(&err, ENOTSUP, "%s documents are not supported by this build yet",
				kk_kind_name(it->kind));
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

int kuke_delete(struct kuke_ctx *ctx, int arg, const struct kuke_flags *f, int argc, char **argv,
		struct kk_err *err)
{
	static const char *const child[] = { "", "space(s)", "stack(s)", "cell(s)" };
	const char *file = f->file, *output = f->output;
	bool cascade = f->cascade, force = f->force;
	cleanup_(kk_yaml_stream_freep) struct kk_yaml_stream *stream = NULL;
	cleanup_(kk_manifest_freep) struct kk_manifest *m = NULL;
	cleanup_(kk_client_freep) struct kk_client *c = NULL;
	const struct kk_manifest_item **order = NULL;
	struct outcome *out = NULL;
	cleanup_free char *buf = NULL;
	size_t len = 0, n_failed = 0;
	bool yaml, json;

	if (argc > 1)
		return kk_err_set(err, KK_EUSAGE, "unknown command `delete %s`; see `kuke --help`",
				  argv[1]);
	if (!file)
		return kk_err_set(err, KK_EUSAGE,
				  "delete: a resource (realm, space, stack) or -f FILE is "
				  "required");
	yaml = output && !strcmp(output, "yaml");
	json = output && !strcmp(output, "json");
	if (load_manifest(file, &buf, &len, &stream, &m, true, NULL, err) < 0)
		return -1;
	if (kuke_client_open(ctx, &c, err) < 0)
		return -1;
	order = kk_manifest_order(m, true);
	out = kk_xcalloc(m->n + 1, sizeof(*out));
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
		free(out[i].error);
	free(out);
	free(order);
	if (n_failed) {
		fflush(stdout);
		return kk_err_set(err, EIO, "config error: some resources failed to delete");
	}
	return 0;
}
