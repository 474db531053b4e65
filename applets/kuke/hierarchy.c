/* applets/kuke/hierarchy.c - kuke create | get | delete | purge  realm | space | stack.
 *
 * Output, flags and messages as upstream v0.5.0 (reference CLI §3.5-§3.9). */
#include "applets/kuke/kuke.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cjson/cJSON.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/mem.h"
#include "common/model/naming.h"
#include "common/strv.h"
#include "common/table.h"
#include "common/yaml.h"
#include "applets/kuke/client.h"
#include "applets/kuke/output.h"

enum kind { REALM, SPACE, STACK };
static const char *const kind_word[] = { "realm", "space", "stack" };

static int want_exactly_one(int argc, const char *verb, enum kind k, struct kk_err *err)
{
	return kuke_want_args(argc, false, verb, kind_word[k], err);
}

static int want_at_most_one(int argc, const char *verb, enum kind k, struct kk_err *err)
{
	return kuke_want_args(argc, true, verb, kind_word[k], err);
}

/* ---- create ------------------------------------------------------------------------------ */

static int create(struct kuke_ctx *ctx, enum kind k, const struct kuke_flags *f, int argc,
		  char **argv, struct kk_err *err)
{
	cleanup_(kk_client_freep) struct kk_client *c = NULL;
	cleanup_free char *name = NULL;

	if (want_at_most_one(argc, "create", k, err) < 0)
		return -1;
	name = kk_xstrdup(argc > 1 ? argv[1] : "");
	{
		char *s = name, *e;

		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		e = s + strlen(s);
		while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n'))
			*--e = '\0';
		memmove(name, s, strlen(s) + 1);
	}
	if (!*name)
		return kk_err_set(err, EINVAL,
				  "%s name is required (usage: kuke create %s [name] [flags])",
				  kind_word[k], kind_word[k]);
	if (kuke_client_open(ctx, &c, err) < 0)
		return -1;

	if (k == REALM) {
		struct kk_realm req = { .meta.name = name,
					.spec.namespace_ = (char *)f->namespace_ };
		struct kk_realm_create_result r = { 0 };

		if (kk_call_realm_create(c, &(struct kk_doc){ KK_KIND_REALM, { .realm = &req } },
					 &r, err) < 0)
			return -1;
		if (ctx->no_daemon && r.ns_created)
			printf("Creating containerd namespace '%s'\n", r.realm->spec.namespace_);
		printf("Realm \"%s\" (namespace \"%s\")\n", r.realm->meta.name,
		       r.realm->spec.namespace_);
		kuke_print_outcome("metadata", r.level.created, r.level.metadata_exists_pre,
				   r.level.metadata_exists_post);
		kuke_print_outcome("containerd namespace", r.ns_created, r.ns_exists_pre,
				   r.ns_exists_post);
		kuke_print_outcome("cgroup", r.level.cgroup_created, r.level.cgroup_exists_pre,
				   r.level.cgroup_exists_post);
		kk_realm_create_result_clear(&r);
	} else if (k == SPACE) {
		struct kk_space req = { .meta.name = name,
					.spec.realm_id = (char *)kuke_or_default(f->realm) };
		struct kk_space_create_result r = { 0 };
		cleanup_free char *network = NULL;

		if (kk_call_space_create(c, &(struct kk_doc){ KK_KIND_SPACE, { .space = &req } },
					 &r, err) < 0)
			return -1;
		kk_naming_network(r.space->spec.realm_id, r.space->meta.name, &network, err);
		if (ctx->no_daemon && r.cni_created)
			printf("Creating space network '%s'\n", network);
		printf("Space \"%s\" (realm \"%s\", network \"%s\")\n", r.space->meta.name,
		       r.space->spec.realm_id, network);
		kuke_print_outcome("metadata", r.level.created, r.level.metadata_exists_pre,
				   r.level.metadata_exists_post);
		kuke_print_outcome("network", r.cni_created, r.cni_exists_pre, r.cni_exists_post);
		kuke_print_outcome("cgroup", r.level.cgroup_created, r.level.cgroup_exists_pre,
				   r.level.cgroup_exists_post);
		kk_space_create_result_clear(&r);
	} else {
		struct kk_stack req = { .meta.name = name,
					.spec.realm_id = (char *)kuke_or_default(f->realm),
					.spec.space_id = (char *)kuke_or_default(f->space) };
		struct kk_stack_create_result r = { 0 };

		if (kk_call_stack_create(c, &(struct kk_doc){ KK_KIND_STACK, { .stack = &req } },
					 &r, err) < 0)
			return -1;
		printf("Stack \"%s\" (realm \"%s\", space \"%s\")\n", r.stack->meta.name,
		       r.stack->spec.realm_id, r.stack->spec.space_id);
		kuke_print_outcome("metadata", r.level.created, r.level.metadata_exists_pre,
				   r.level.metadata_exists_post);
		kuke_print_outcome("cgroup", r.level.cgroup_created, r.level.cgroup_exists_pre,
				   r.level.cgroup_exists_post);
		kk_stack_create_result_clear(&r);
	}
	return 0;
}

/* ---- get --------------------------------------------------------------------------------- */

static cJSON *encode(enum kind k, const void *doc, enum kk_enc_mode mode)
{
	if (k == REALM)
		return kk_realm_encode(doc, mode);
	if (k == SPACE)
		return kk_space_encode(doc, mode);
	return kk_stack_encode(doc, mode);
}

static void print_doc(enum kind k, const void *doc, enum kuke_fmt fmt)
{
	cleanup_(kk_json_freep) cJSON *t = encode(k, doc, kuke_fmt_mode(fmt));

	kuke_print_tree(t, fmt);
}

static const char *const list_empty[] = { "No realms found.", "No spaces found.",
					  "No stacks found." };
static const char *const list_hdr[3][7] = {
	{ "NAME", "NAMESPACE", "STATE", "CGROUP", "CONTROLLERS" },
	{ "NAME", "REALM", "STATE", "CGROUP", "CONTROLLERS" },
	{ "NAME", "REALM", "SPACE", "STATE", "CGROUP", "CONTROLLERS" },
};

/* The table's columns but CONTROLLERS, as wire fields (kk_client_rows()). */
static const struct kk_row_field list_fields[3][5] = {
	{ { "metadata.name", NULL },
	  { "spec.namespace", NULL },
	  { "status.state", &kk_realm_states },
	  { "status.cgroupPath", NULL } },
	{ { "metadata.name", NULL },
	  { "spec.realmId", NULL },
	  { "status.state", &kk_space_states },
	  { "status.cgroupPath", NULL } },
	{ { "metadata.name", NULL },
	  { "spec.realmId", NULL },
	  { "spec.spaceId", NULL },
	  { "status.state", &kk_stack_states },
	  { "status.cgroupPath", NULL } },
};

static size_t list_ncols(enum kind k)
{
	return k == STACK ? 5 : 4;
}

/* The last of a row's cells is the cgroup path: "-" when it has none. */
static void table_add(struct kk_table *t, const char **row, size_t cgroup)
{
	if (!row[cgroup] || !*row[cgroup])
		row[cgroup] = "-";
	kk_table_add(t, row);
}

static void print_rows(enum kind k, const struct kk_rows *rows)
{
	size_t nc = list_ncols(k);
	cleanup_(kk_table_freep) struct kk_table *t = NULL;

	if (rows->n == 0) {
		printf("%s\n", list_empty[k]);
		return;
	}
	t = kk_table_new(nc, list_hdr[k]);
	for (size_t i = 0; i < rows->n; i++) {
		const char *row[5] = { 0 };

		for (size_t j = 0; j < nc; j++)
			row[j] = kk_str(rows->cells[i * nc + j]);
		table_add(t, row, nc - 1);
	}
	kk_table_print(t, stdout);
}

static void print_list(enum kind k, void *const *docs, size_t n, enum kuke_fmt fmt,
		       bool show_controllers)
{
	size_t ncols = list_ncols(k) + show_controllers;
	cleanup_(kk_table_freep) struct kk_table *t = NULL;

	if (fmt != KUKE_FMT_TABLE) {
		cleanup_(kk_json_freep) cJSON *arr = cJSON_CreateArray();

		for (size_t i = 0; i < n; i++)
			cJSON_AddItemToArray(arr, encode(k, docs[i], kuke_fmt_mode(fmt)));
		kuke_print_tree(arr, fmt);
		return;
	}
	if (n == 0) {
		printf("%s\n", list_empty[k]);
		return;
	}
	t = kk_table_new(ncols, list_hdr[k]);
	for (size_t i = 0; i < n; i++) {
		const char *row[7] = { 0 };
		const struct kk_status *st;
		cleanup_free char *ctrls = NULL;
		size_t j = 0;

		if (k == REALM) {
			const struct kk_realm *r = docs[i];

			row[j++] = r->meta.name;
			row[j++] = kk_str(r->spec.namespace_);
			st = &r->status;
			row[j++] = kk_state_label(&kk_realm_states, st->state);
		} else if (k == SPACE) {
			const struct kk_space *s = docs[i];

			row[j++] = s->meta.name;
			row[j++] = kk_str(s->spec.realm_id);
			st = &s->status;
			row[j++] = kk_state_label(&kk_space_states, st->state);
		} else {
			const struct kk_stack *s = docs[i];

			row[j++] = s->meta.name;
			row[j++] = kk_str(s->spec.realm_id);
			row[j++] = kk_str(s->spec.space_id);
			st = &s->status;
			row[j++] = kk_state_label(&kk_stack_states, st->state);
		}
		row[j++] = st->cgroup_path;
		if (show_controllers) {
			ctrls = kuke_controllers_column(&st->subtree_controllers);
			row[j] = ctrls;
		}
		table_add(t, row, list_ncols(k) - 1);
	}
	kk_table_print(t, stdout);
}

static int get(struct kuke_ctx *ctx, enum kind k, const struct kuke_flags *f, int argc, char **argv,
	       struct kk_err *err)
{
	cleanup_(kk_client_freep) struct kk_client *c = NULL;
	enum kuke_fmt fmt = KUKE_FMT_TABLE;
	const char *name = argc > 1 ? argv[1] : NULL;
	static const enum kk_op_id list_ops[] = { KK_OP_ListRealms, KK_OP_ListSpaces,
						  KK_OP_ListStacks };
	struct kk_list_result lr = { 0 };
	struct kk_rows rows = { 0 };
	struct kk_ref ref;
	int rc;

	if (want_at_most_one(argc, "get", k, err) < 0)
		return -1;
	if (k != REALM && kuke_output_is_kube(f->output))
		return kuke_get_kube(ctx, k == SPACE ? KK_KIND_SPACE : KK_KIND_STACK, f, name, err);
	if (kuke_get_format(f->output, false, &fmt, err) < 0)
		return -1;
	if (kuke_client_open(ctx, &c, err) < 0)
		return -1;
	if (name) {
		if (k == REALM) {
			struct kk_realm_get_result r = { 0 };

			if (kk_call_realm_get(c, &(struct kk_ref){ .name = name }, &r, err) < 0)
				return -1;
			print_doc(k, r.realm, fmt);
			kk_realm_get_result_clear(&r);
		} else if (k == SPACE) {
			struct kk_space_get_result r = { 0 };

			if (kk_call_space_get(c,
					      &(struct kk_ref){ .realm = kuke_or_default(f->realm),
								.name = name },
					      &r, err) < 0)
				return -1;
			print_doc(k, r.space, fmt);
			kk_space_get_result_clear(&r);
		} else {
			struct kk_stack_get_result r = { 0 };

			if (kk_call_stack_get(c,
					      &(struct kk_ref){ .realm = kuke_or_default(f->realm),
								.space = kuke_or_default(f->space),
								.name = name },
					      &r, err) < 0)
				return -1;
			print_doc(k, r.stack, fmt);
			kk_stack_get_result_clear(&r);
		}
		return 0;
	}
	ref = (struct kk_ref){ .realm = f->realm, .space = f->space };
	if (fmt == KUKE_FMT_TABLE && !f->show_controllers) {
		/* a table needs a few strings of each item, not the whole decode */
		rc = kk_client_rows(c, list_ops[k], &ref, list_fields[k], list_ncols(k), &rows,
				    err);
		if (rc < 0)
			return -1;
		if (rc == 0)
			print_rows(k, &rows);
		else
			print_list(k, rows.list.v.any, rows.list.n, fmt, false);
		kuke_warn_skipped(rows.list.skipped);
		kk_rows_clear(&rows);
		return 0;
	}
	if (kk_client_call(c, list_ops[k], &ref, &lr, err) < 0)
		return -1;
	print_list(k, lr.v.any, lr.n, fmt, f->show_controllers);
	kuke_warn_skipped(lr.skipped);
	kk_list_result_clear(&lr);
	return 0;
}

/* ---- delete / purge ---------------------------------------------------------------------- */

static int remove_(struct kuke_ctx *ctx, enum kind k, bool purge, const struct kuke_flags *f,
		   int argc, char **argv, struct kk_err *err)
{
	static const enum kk_op_id ids[][2] = {
		[REALM] = { KK_OP_DeleteRealm, KK_OP_PurgeRealm },
		[SPACE] = { KK_OP_DeleteSpace, KK_OP_PurgeSpace },
		[STACK] = { KK_OP_DeleteStack, KK_OP_PurgeStack },
	};
	const char *verb = purge ? "purge" : "delete";
	cleanup_(kk_client_freep) struct kk_client *c = NULL;
	struct kk_delete_result r = { 0 };
	const char *realm, *space, *name;
	struct kk_ref ref;
	int rc;

	if (want_exactly_one(argc, verb, k, err) < 0)
		return -1;
	name = argv[1];
	realm = kuke_or_default(f->realm);
	space = kuke_or_default(f->space);
	if (kuke_client_open(ctx, &c, err) < 0)
		return -1;
	ref = (struct kk_ref){ .realm = realm,
			       .space = space,
			       .name = name,
			       .force = f->force,
			       .cascade = f->cascade };
	rc = kk_client_call(c, ids[k][purge], &ref, &r, err);
	if (rc == 0) {
		const char *done = purge ? "Purged" : "Deleted";

		if (k == REALM)
			printf("%s realm \"%s\"\n", done, name);
		else if (k == SPACE)
			printf("%s space \"%s\" from realm \"%s\"\n", done, name, realm);
		else
			printf("%s stack \"%s\" from space \"%s\"\n", done, name, space);
		if (purge && k == SPACE)
			printf("Deleted resources -> metadata:%s cgroup:%s cni:%s\n",
			       r.metadata_deleted ? "true" : "false",
			       r.cgroup_deleted ? "true" : "false",
			       r.cni_deleted ? "true" : "false");
		if (purge)
			kuke_print_purged(r.cleaned);
	}
	kk_delete_result_clear(&r);
	return rc;
}

/* create | get | delete | purge  realm | space | stack: the row's arg names which. */
int kuke_hierarchy(struct kuke_ctx *ctx, int arg, const struct kuke_flags *f, int argc, char **argv,
		   struct kk_err *err)
{
	enum kind k = (enum kind)(kuke_arg_kind(arg) - KK_KIND_REALM);

	switch (kuke_arg_op(arg)) {
	case KUKE_OP_CREATE:
		return create(ctx, k, f, argc, argv, err);
	case KUKE_OP_GET:
		return get(ctx, k, f, argc, argv, err);
	default:
		return remove_(ctx, k, kuke_arg_op(arg) == KUKE_OP_PURGE, f, argc, argv, err);
	}
}
