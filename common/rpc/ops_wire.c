/* common/rpc/ops_wire.c - each operation's reply as it travels (runtime reference §1.3): a
 * field table per shape, encoded and decoded by the same two functions. Keys marked
 * kukeon-c are extensions a Go client ignores; they carry what our kuke prints. */
#include "common/rpc/wire.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjson/cJSON.h"
#include "common/controller/client.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/json_pick.h"
#include "common/mem.h"
#include "common/strv.h"

enum wf_type {
	WF_BOOL,    /* bool */
	WF_STR,     /* char * */
	WF_CHARS,   /* char[size] */
	WF_STRV,    /* char **, NULL-terminated; NULL encodes as null */
	WF_SIZE,    /* size_t */
	WF_I64,     /* int64_t */
	WF_PRESENT, /* a pointer at off is set (encode only) */
	WF_DOC,     /* a document of kind at off (struct kk_<kind> *) */
};

struct kk_wire_field {
	const char *key;
	size_t off;
	size_t size; /* WF_CHARS: the array's size */
	enum wf_type type;
	enum kk_kind kind; /* WF_DOC */
};

#define F(key, type, S, m)                             \
	{                                              \
		key, offsetof(struct S, m), 0, type, 0 \
	}
#define FCHARS(key, S, m)                                                           \
	{                                                                           \
		key, offsetof(struct S, m), sizeof(((struct S *)0)->m), WF_CHARS, 0 \
	}
#define FDOC(key, kind, S, m)                                         \
	{                                                             \
		key, offsetof(struct S, m), 0, WF_DOC, KK_KIND_##kind \
	}

static int strv_dec(const cJSON *a, char ***out, struct kk_err *err)
{
	if (kk_json_strv(a, out) < 0)
		return kk_err_set(err, EPROTO, "expected an array of strings");
	return 0;
}

static void fields_encode(const struct kk_wire_field *f, size_t n, const void *s, cJSON *o)
{
	for (size_t i = 0; i < n; i++) {
		const char *p = (const char *)s + f[i].off;

		switch (f[i].type) {
		case WF_BOOL:
			cJSON_AddBoolToObject(o, f[i].key, *(const bool *)p);
			break;
		case WF_STR:
			cJSON_AddStringToObject(o, f[i].key, kk_str(*(char *const *)p));
			break;
		case WF_CHARS:
			cJSON_AddStringToObject(o, f[i].key, p);
			break;
		case WF_STRV:
			kk_json_add_strv(o, f[i].key, *(char **const *)p);
			break;
		case WF_SIZE:
			cJSON_AddNumberToObject(o, f[i].key, (double)*(const size_t *)p);
			break;
		case WF_I64:
			cJSON_AddNumberToObject(o, f[i].key, (double)*(const int64_t *)p);
			break;
		case WF_PRESENT:
			cJSON_AddBoolToObject(o, f[i].key, *(void *const *)p != NULL);
			break;
		case WF_DOC:
			cJSON_AddItemToObject(o, f[i].key,
					      kk_wire_doc_encode(f[i].kind, *(void *const *)p));
			break;
		}
	}
}

static int fields_decode(const struct kk_wire_field *f, size_t n, const cJSON *o, void *s,
			 struct kk_err *err)
{
	for (size_t i = 0; i < n; i++) {
		char *p = (char *)s + f[i].off;
		const cJSON *m = kk_wire_member(o, f[i].key);

		switch (f[i].type) {
		case WF_BOOL:
			*(bool *)p = cJSON_IsTrue(m);
			break;
		case WF_STR:
			*(char **)p = cJSON_IsString(m) ? kk_xstrdup(m->valuestring) : NULL;
			break;
		case WF_CHARS:
			if (cJSON_IsString(m))
				snprintf(p, f[i].size, "%s", m->valuestring);
			break;
		case WF_STRV:
			if (strv_dec(m, (char ***)p, err) < 0)
				return kk_err_wrap(err, "%s", f[i].key);
			break;
		case WF_SIZE:
			*(size_t *)p = kk_json_int64(m, 0) > 0 ? (size_t)kk_json_int64(m, 0) : 0;
			break;
		case WF_I64:
			*(int64_t *)p = kk_json_int64(m, 0);
			break;
		case WF_PRESENT:
			break;
		case WF_DOC: {
			const char *v =
				cJSON_IsObject(m)
					? cJSON_GetStringValue(kk_wire_member(m, "apiVersion"))
					: NULL;

			/* a zero document (apiVersion "") stands for none */
			if (!v || !*v)
				break;
			if (kk_wire_doc_decode(f[i].kind, m, (void **)p, err) < 0)
				return kk_err_wrap(err, "%s", f[i].key);
			break;
		}
		}
	}
	return 0;
}

static cJSON *table_encode(const struct kk_wire_reply *wr, const void *reply)
{
	cJSON *top = cJSON_CreateObject();
	cJSON *o = wr->wrap ? cJSON_AddObjectToObject(top, wr->wrap) : top;

	fields_encode(wr->fields, wr->n_fields, reply, o);
	return top;
}

static int table_decode(const struct kk_wire_reply *wr, const cJSON *top, void *reply,
			struct kk_err *err)
{
	const cJSON *o = wr->wrap ? kk_wire_member(top, wr->wrap) : top;

	if (!cJSON_IsObject(o))
		return kk_err_set(err, EPROTO, "no %s object", wr->wrap);
	return fields_decode(wr->fields, wr->n_fields, o, reply, err);
}

#define TABLE(name, wrap_, ...)                                                                   \
	static const struct kk_wire_field name##_fields[] = { __VA_ARGS__ };                      \
	static const struct kk_wire_reply wr_##name = { table_encode,  table_decode,              \
							name##_fields, ARRAY_SIZE(name##_fields), \
							wrap_,         KK_KIND_NONE }

TABLE(ping, NULL, F("OK", WF_BOOL, kk_ping_reply, ok),
      F("Version", WF_STR, kk_ping_reply, version));

/* what the creates of realm, space and stack report first, after the document: the
 * level's flags but created (its key comes last) */
#define LEVEL_HEAD(S)                                                            \
	F("MetadataExistsPre", WF_BOOL, S, level.metadata_exists_pre),           \
		F("MetadataExistsPost", WF_BOOL, S, level.metadata_exists_post), \
		F("CgroupExistsPre", WF_BOOL, S, level.cgroup_exists_pre),       \
		F("CgroupExistsPost", WF_BOOL, S, level.cgroup_exists_post),     \
		F("CgroupCreated", WF_BOOL, S, level.cgroup_created)
TABLE(realm_create, "Result", FDOC("Realm", REALM, kk_realm_create_result, realm),
      LEVEL_HEAD(kk_realm_create_result),
      F("ContainerdNamespaceExistsPre", WF_BOOL, kk_realm_create_result, ns_exists_pre),
      F("ContainerdNamespaceExistsPost", WF_BOOL, kk_realm_create_result, ns_exists_post),
      F("ContainerdNamespaceCreated", WF_BOOL, kk_realm_create_result, ns_created),
      F("Created", WF_BOOL, kk_realm_create_result, level.created));

TABLE(space_create, "Result", FDOC("Space", SPACE, kk_space_create_result, space),
      LEVEL_HEAD(kk_space_create_result),
      F("CNINetworkExistsPre", WF_BOOL, kk_space_create_result, cni_exists_pre),
      F("CNINetworkExistsPost", WF_BOOL, kk_space_create_result, cni_exists_post),
      F("CNINetworkCreated", WF_BOOL, kk_space_create_result, cni_created),
      F("Created", WF_BOOL, kk_space_create_result, level.created));

TABLE(stack_create, "Result", FDOC("Stack", STACK, kk_stack_create_result, stack),
      LEVEL_HEAD(kk_stack_create_result),
      F("Created", WF_BOOL, kk_stack_create_result, level.created));

#undef LEVEL_HEAD

/* a cell's cgroup is made by the runtime's start: upstream reports no CgroupCreated */
TABLE(cell_create, "Result", FDOC("Cell", CELL, kk_cell_create_result, cell),
      F("MetadataExistsPre", WF_BOOL, kk_cell_create_result, metadata_exists_pre),
      F("MetadataExistsPost", WF_BOOL, kk_cell_create_result, metadata_exists_post),
      F("CgroupExistsPre", WF_BOOL, kk_cell_create_result, cgroup_exists_pre),
      F("CgroupExistsPost", WF_BOOL, kk_cell_create_result, cgroup_exists_post),
      F("RootContainerExistsPre", WF_BOOL, kk_cell_create_result, root_container_exists_pre),
      F("Started", WF_BOOL, kk_cell_create_result, started),
      F("Created", WF_BOOL, kk_cell_create_result, created),
      FCHARS("IP", kk_cell_create_result, ip)); /* kukeon-c */

TABLE(container_create, "Result",
      FDOC("Container", CONTAINER, kk_container_create_result, container),
      F("ContainerExistsPre", WF_BOOL, kk_container_create_result, container_exists_pre),
      F("ContainerExistsPost", WF_BOOL, kk_container_create_result, container_exists_post),
      F("ContainerCreated", WF_BOOL, kk_container_create_result, created),
      F("Started", WF_BOOL, kk_container_create_result, started));

TABLE(realm_get, "Result", FDOC("Realm", REALM, kk_realm_get_result, realm),
      F("MetadataExists", WF_PRESENT, kk_realm_get_result, realm));
TABLE(space_get, "Result", FDOC("Space", SPACE, kk_space_get_result, space),
      F("MetadataExists", WF_PRESENT, kk_space_get_result, space));
TABLE(stack_get, "Result", FDOC("Stack", STACK, kk_stack_get_result, stack),
      F("MetadataExists", WF_PRESENT, kk_stack_get_result, stack));
TABLE(cell_get, "Result", FDOC("Cell", CELL, kk_cell_get_result, cell),
      F("MetadataExists", WF_PRESENT, kk_cell_get_result, cell),
      FCHARS("IP", kk_cell_get_result, ip)); /* kukeon-c */
TABLE(container_get, "Result", FDOC("Container", CONTAINER, kk_container_get_result, container),
      F("ContainerExists", WF_PRESENT, kk_container_get_result, container));

TABLE(cell_start, "Result", F("Started", WF_BOOL, kk_action_result, done));
TABLE(cell_stop, "Result", F("Stopped", WF_BOOL, kk_action_result, done));
TABLE(cell_kill, "Result", F("Killed", WF_BOOL, kk_action_result, done));
#define wr_container_start wr_cell_start
#define wr_container_stop  wr_cell_stop
#define wr_container_kill  wr_cell_kill

TABLE(container_attach, "Result", F("HostSocketPath", WF_STR, kk_attach_result, socket_path));
TABLE(container_log, "Result", F("HostCapturePath", WF_STR, kk_log_result, capture_path),
      F("HostLogPath", WF_STR, kk_log_result, log_path));
/* kukeon-c: ExecContainer, ExecWait, ExecResize */
TABLE(container_exec, "Result", F("Container", WF_STR, kk_exec_result, container),
      F("ExecID", WF_STR, kk_exec_result, exec_id), F("Pid", WF_I64, kk_exec_result, pid),
      F("ExitCode", WF_I64, kk_exec_result, exit_code));

/* delete and purge: each method with upstream's keys, in its order; Cascaded (children
 * --cascade took) and Cleaned (what a purge found and removed) are kukeon-c */
#define DR          kk_delete_result
#define DR_CASCADED F("Cascaded", WF_SIZE, DR, n_cascaded)
#define DR_CLEANED  F("Cleaned", WF_STRV, DR, cleaned)
/* the tail PurgeRealm, PurgeSpace and PurgeCell share */
#define DR_PURGE                                                                           \
	F("PurgeSucceeded", WF_BOOL, DR, purge_succeeded), F("Force", WF_BOOL, DR, force), \
		F("Cascade", WF_BOOL, DR, cascade), F("Deleted", WF_STRV, DR, deleted),    \
		F("Purged", WF_STRV, DR, purged)
TABLE(realm_delete, "Result", FDOC("Realm", REALM, DR, realm), F("Deleted", WF_STRV, DR, deleted),
      F("MetadataDeleted", WF_BOOL, DR, metadata_deleted),
      F("CgroupDeleted", WF_BOOL, DR, cgroup_deleted),
      F("ContainerdNamespaceDeleted", WF_BOOL, DR, ns_deleted), DR_CASCADED);
TABLE(space_delete, "Result", FDOC("Space", SPACE, DR, space),
      F("SpaceName", WF_STR, DR, space_name), F("RealmName", WF_STR, DR, realm_name),
      F("MetadataDeleted", WF_BOOL, DR, metadata_deleted),
      F("CgroupDeleted", WF_BOOL, DR, cgroup_deleted),
      F("CNINetworkDeleted", WF_BOOL, DR, cni_deleted), F("Deleted", WF_STRV, DR, deleted),
      DR_CASCADED);
TABLE(stack_delete, "Result", FDOC("Stack", STACK, DR, stack),
      F("StackName", WF_STR, DR, stack_name), F("RealmName", WF_STR, DR, realm_name),
      F("SpaceName", WF_STR, DR, space_name), F("MetadataDeleted", WF_BOOL, DR, metadata_deleted),
      F("CgroupDeleted", WF_BOOL, DR, cgroup_deleted), F("Deleted", WF_STRV, DR, deleted),
      DR_CASCADED);
TABLE(cell_delete, "Result", FDOC("Cell", CELL, DR, cell),
      F("ContainersDeleted", WF_BOOL, DR, containers_deleted),
      F("CgroupDeleted", WF_BOOL, DR, cgroup_deleted),
      F("MetadataDeleted", WF_BOOL, DR, metadata_deleted));
TABLE(container_delete, "Result", FDOC("Container", CONTAINER, DR, container),
      F("CellMetadataExists", WF_BOOL, DR, cell_metadata_exists),
      F("ContainerExists", WF_BOOL, DR, container_exists), F("Deleted", WF_STRV, DR, deleted));
TABLE(realm_purge, "Result", FDOC("Realm", REALM, DR, realm),
      F("RealmDeleted", WF_BOOL, DR, realm_deleted), DR_PURGE, DR_CASCADED, DR_CLEANED);
TABLE(space_purge, "Result", FDOC("Space", SPACE, DR, space),
      F("MetadataDeleted", WF_BOOL, DR, metadata_deleted),
      F("CgroupDeleted", WF_BOOL, DR, cgroup_deleted),
      F("CNINetworkDeleted", WF_BOOL, DR, cni_deleted), DR_PURGE, DR_CASCADED, DR_CLEANED);
TABLE(stack_purge, "Result", FDOC("Stack", STACK, DR, stack), F("Deleted", WF_STRV, DR, deleted),
      F("Purged", WF_STRV, DR, purged), DR_CASCADED, DR_CLEANED);
TABLE(cell_purge, "Result", FDOC("Cell", CELL, DR, cell),
      F("ContainersDeleted", WF_BOOL, DR, containers_deleted),
      F("CgroupDeleted", WF_BOOL, DR, cgroup_deleted),
      F("MetadataDeleted", WF_BOOL, DR, metadata_deleted), DR_PURGE, DR_CLEANED);
TABLE(container_purge, "Result", FDOC("Container", CONTAINER, DR, container),
      F("CellMetadataExists", WF_BOOL, DR, cell_metadata_exists),
      F("ContainerExists", WF_BOOL, DR, container_exists), F("Deleted", WF_STRV, DR, deleted),
      F("Purged", WF_STRV, DR, purged), DR_CLEANED);
#undef DR_PURGE
#undef DR_CLEANED
#undef DR_CASCADED
#undef DR

TABLE(refresh, "Result", F("RealmsFound", WF_STRV, kk_refresh_result, realms_found),
      F("SpacesFound", WF_STRV, kk_refresh_result, spaces_found),
      F("StacksFound", WF_STRV, kk_refresh_result, stacks_found),
      F("CellsFound", WF_STRV, kk_refresh_result, cells_found),
      F("ContainersFound", WF_STRV, kk_refresh_result, containers_found),
      F("RealmsUpdated", WF_STRV, kk_refresh_result, realms_updated),
      F("SpacesUpdated", WF_STRV, kk_refresh_result, spaces_updated),
      F("StacksUpdated", WF_STRV, kk_refresh_result, stacks_updated),
      F("CellsUpdated", WF_STRV, kk_refresh_result, cells_updated),
      F("ContainersUpdated", WF_STRV, kk_refresh_result, containers_updated),
      F("Errors", WF_STRV, kk_refresh_result, errors));

TABLE(image_pull, "Result", F("Realm", WF_STR, kk_image_pull_result, realm),
      F("Namespace", WF_STR, kk_image_pull_result, ns),
      F("Name", WF_STR, kk_image_pull_result, name),
      F("Digest", WF_STR, kk_image_pull_result, digest),
      F("Size", WF_I64, kk_image_pull_result, size),
      F("Fetched", WF_I64, kk_image_pull_result, fetched),
      F("Layers", WF_SIZE, kk_image_pull_result, n_layers),
      F("ElapsedMs", WF_I64, kk_image_pull_result, elapsed_ms),
      F("Changed", WF_BOOL, kk_image_pull_result, changed));

TABLE(containerd_version, "Result", F("Version", WF_STR, kk_ctl_containerd_version, version),
      F("Revision", WF_STR, kk_ctl_containerd_version, revision));

/* ---- lists: {"<Kinds>": [...]} at the top ---- */

static const char *list_key(enum kk_kind k)
{
	switch (k) {
	case KK_KIND_REALM:
		return "Realms";
	case KK_KIND_SPACE:
		return "Spaces";
	case KK_KIND_STACK:
		return "Stacks";
	case KK_KIND_CELL:
		return "Cells";
	default:
		return "Containers";
	}
}

/* ListContainers carries ContainerSpecs, as upstream; the container's name and status ride
 * along as kukeon-c keys so `kuke get containers` prints the same through the daemon. */
static cJSON *container_item(const struct kk_container *c)
{
	cJSON *spec = kk_container_spec_encode(&c->spec, KK_ENC_JSON);
	cJSON *doc = kk_container_encode(c, KK_ENC_JSON);

	cJSON_AddItemToObject(spec, "kukeonName", cJSON_CreateString(kk_str(c->meta.name)));
	cJSON_AddItemToObject(spec, "kukeonStatus",
			      cJSON_DetachItemFromObjectCaseSensitive(doc, "status"));
	cJSON_Delete(doc);
	return spec;
}

static int container_item_dec(const cJSON *it, struct kk_container **out, struct kk_err *err)
{
	cleanup_(kk_json_freep) cJSON *spec = cJSON_Duplicate(it, true);
	cleanup_(kk_json_freep) cJSON *doc = cJSON_CreateObject();
	cJSON *name = cJSON_DetachItemFromObjectCaseSensitive(spec, "kukeonName");
	cJSON *status = cJSON_DetachItemFromObjectCaseSensitive(spec, "kukeonStatus");
	cJSON *meta;

	cJSON_AddStringToObject(doc, "apiVersion", "v1beta1");
	cJSON_AddStringToObject(doc, "kind", "Container");
	meta = cJSON_AddObjectToObject(doc, "metadata");
	if (!name) {
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(spec, "id");

		name = cJSON_CreateString(cJSON_IsString(id) ? id->valuestring : "");
	}
	cJSON_AddItemToObject(meta, "name", name);
	cJSON_AddItemToObject(doc, "spec", TAKE_PTR(spec));
	if (status)
		cJSON_AddItemToObject(doc, "status", status);
	return kk_container_decode(doc, NULL, out, err);
}

static cJSON *list_encode(const struct kk_wire_reply *wr, const void *reply)
{
	const struct kk_list_result *r = reply;
	cJSON *top = cJSON_CreateObject();
	cJSON *a = cJSON_AddArrayToObject(top, list_key(wr->kind));

	for (size_t i = 0; i < r->n; i++)
		cJSON_AddItemToArray(a, wr->kind == KK_KIND_CONTAINER
						? container_item(r->v.containers[i])
						: kk_wire_doc_encode(wr->kind, r->v.any[i]));
	if (r->skipped) /* kukeon-c: what was passed over as unreadable (Go ignores it) */
		kk_json_add_strv(top, "Skipped", r->skipped);
	return top;
}

static int list_decode(const struct kk_wire_reply *wr, const cJSON *top, void *reply,
		       struct kk_err *err)
{
	struct kk_list_result *r = reply;
	const cJSON *a = kk_wire_member(top, list_key(wr->kind)), *it;

	r->kind = wr->kind;
	r->v.any = kk_xcalloc((size_t)cJSON_GetArraySize(a) + 1, sizeof(void *));
	cJSON_ArrayForEach(it, a)
	{
		int rc = wr->kind == KK_KIND_CONTAINER
				 ? container_item_dec(it, &r->v.containers[r->n], err)
				 : kk_wire_doc_decode(wr->kind, it, &r->v.any[r->n], err);

		if (rc < 0)
			return -1;
		r->n++;
	}
	return strv_dec(kk_wire_member(top, "Skipped"), &r->skipped, err);
}

/* A row field's value as the whole decode would print it: a string, NULL for an absent or
 * null one, a state's label. false: the whole decode must judge it. */
static bool row_cell(const struct kk_pick *v, const struct kk_state_names *states, const char **out)
{
	if (states) {
		int i = 0;

		if (v->type == KK_PICK_STRING)
			for (i = 0; i < states->n && strcmp(states->labels[i], v->s) != 0; i++)
				;
		else if (v->type == KK_PICK_NUMBER && v->num >= 0 && v->num < states->n &&
			 v->num == (int)v->num)
			i = (int)v->num;
		else if (v->type != KK_PICK_ABSENT && v->type != KK_PICK_NULL)
			return false;
		*out = i < states->n ? states->labels[i] : NULL;
		return i < states->n;
	}
	*out = v->type == KK_PICK_STRING ? v->s : NULL;
	return v->type != KK_PICK_NUMBER && v->type != KK_PICK_OTHER;
}

int kk_wire_list_rows(enum kk_op_id op, unsigned long id, const char *text, size_t len,
		      const struct kk_row_field *fields, size_t nfields, struct kk_rows *out)
{
	static const char *const top[] = { "id", "error", "result.Err", "result.Skipped" };
	const struct kk_wire_reply *wr = kk_wire_ops[op].reply;
	const char *paths[16];
	char list[32];
	struct kk_pick_spec spec = { top, 4, list, paths, nfields };
	struct kk_picked p = { 0 };
	struct kk_err ignored = { 0 };
	const char **cells;

	if (wr->decode != list_decode || nfields > 16)
		return -1;
	snprintf(list, sizeof(list), "result.%s", list_key(wr->kind));
	for (size_t j = 0; j < nfields; j++)
		paths[j] = fields[j].path;
	if (kk_json_pick(text, len, &spec, &p, &ignored) < 0)
		return -1;
	if (p.top[0].type != KK_PICK_NUMBER || p.top[0].num != (double)id)
		goto decline;
	for (size_t j = 1; j < 4; j++)
		if (p.top[j].type != KK_PICK_ABSENT && p.top[j].type != KK_PICK_NULL)
			goto decline;
	cells = kk_xcalloc(p.n * nfields + 1, sizeof(*cells));
	for (size_t i = 0; i < p.n; i++) {
		for (size_t j = 0; j < nfields; j++) {
			if (!row_cell(&p.items[i * nfields + j], fields[j].states,
				      &cells[i * nfields + j])) {
				free(cells);
				goto decline;
			}
		}
	}
	out->n = p.n;
	out->cells = cells;
	out->buf = TAKE_PTR(p.buf);
	kk_picked_clear(&p);
	return 0;
decline:
	kk_picked_clear(&p);
	return -1;
}

/* a reply with a codec of its own: <name>_encode and <name>_decode */
#define CODEC(name)                                                                            \
	static const struct kk_wire_reply wr_##name = { name##_encode, name##_decode, NULL, 0, \
							NULL,          KK_KIND_NONE }

#define LIST(name, kind)                                                                \
	static const struct kk_wire_reply wr_##name = { list_encode, list_decode, NULL, \
							0,           NULL,        KK_KIND_##kind }
LIST(realm_list, REALM);
LIST(space_list, SPACE);
LIST(stack_list, STACK);
LIST(cell_list, CELL);
LIST(container_list, CONTAINER);

/* ---- apply: {"Result":{"Resources":[{Index, Kind, Name, Action, Error, Changes, Details}]}} */

static cJSON *apply_encode(const struct kk_wire_reply *wr, const void *reply)
{
	const struct kk_apply_result *r = reply;
	cJSON *top = cJSON_CreateObject();
	cJSON *a = cJSON_AddArrayToObject(cJSON_AddObjectToObject(top, "Result"), "Resources");

	(void)wr;
	for (size_t i = 0; i < r->n; i++) {
		const struct kk_apply_outcome *o = &r->v[i];
		cJSON *e = cJSON_CreateObject();

		cJSON_AddNumberToObject(e, "Index", o->index);
		cJSON_AddStringToObject(e, "Kind", kk_kind_name(o->kind));
		cJSON_AddStringToObject(e, "Name", kk_str(o->name));
		cJSON_AddStringToObject(e, "Action", o->action);
		cJSON_AddStringToObject(e, "Error", o->error ? o->error : "");
		kk_json_add_strv(e, "Changes", o->changes);
		if (o->details_set || !strcmp(o->action, "failed")) {
			cJSON *d = cJSON_AddObjectToObject(e, "Details");

			for (size_t j = 0; o->detail_keys && o->detail_keys[j]; j++)
				cJSON_AddStringToObject(d, o->detail_keys[j], o->detail_values[j]);
		} else {
			cJSON_AddNullToObject(e, "Details");
		}
		cJSON_AddItemToArray(a, e);
	}
	return top;
}

static const char *action_word(const char *s)
{
	static const char *const words[] = { "created", "updated", "unchanged", "failed" };

	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		if (!strcmp(s, words[i]))
			return words[i];
	return "failed";
}

static int apply_decode(const struct kk_wire_reply *wr, const cJSON *top, void *reply,
			struct kk_err *err)
{
	struct kk_apply_result *r = reply;
	const cJSON *res = kk_wire_member(top, "Result");
	const cJSON *a = cJSON_IsObject(res) ? kk_wire_member(res, "Resources") : NULL, *it;

	(void)wr;
	r->v = kk_xcalloc((size_t)cJSON_GetArraySize(a) + 1, sizeof(*r->v));
	cJSON_ArrayForEach(it, a)
	{
		struct kk_apply_outcome *o = &r->v[r->n++];
		const cJSON *idx = kk_wire_member(it, "Index"), *kind = kk_wire_member(it, "Kind"),
			    *name = kk_wire_member(it, "Name"),
			    *action = kk_wire_member(it, "Action"),
			    *error = kk_wire_member(it, "Error"),
			    *det = kk_wire_member(it, "Details"), *kv;
		int64_t ix = kk_json_int64(idx, 0);

		o->index = ix > INT_MAX ? INT_MAX : ix < INT_MIN ? INT_MIN : (int)ix;
		o->kind = kk_kind_from_name(cJSON_IsString(kind) ? kind->valuestring : "");
		o->name = kk_xstrdup(cJSON_IsString(name) ? name->valuestring : "");
		o->action = action_word(cJSON_IsString(action) ? action->valuestring : "");
		if (cJSON_IsString(error) && *error->valuestring)
			o->error = kk_xstrdup(error->valuestring);
		if (strv_dec(kk_wire_member(it, "Changes"), &o->changes, err) < 0)
			return -1;
		o->details_set = cJSON_IsObject(det);
		if (!o->details_set)
			det = NULL;
		cJSON_ArrayForEach(kv, det)
		{
			kk_strv_push_take(&o->detail_keys, kk_xstrdup(kv->string));
			kk_strv_push_take(&o->detail_values,
					  kk_xstrdup(cJSON_IsString(kv) ? kv->valuestring : ""));
		}
		if (!strcmp(o->action, "failed"))
			r->n_failed++;
	}
	return 0;
}

CODEC(apply);

/* ---- images ---- */

static int image_info_dec(const cJSON *o, struct kk_image_info *info, struct kk_err *err)
{
	const cJSON *name = kk_wire_member(o, "Name"), *size = kk_wire_member(o, "Size"),
		    *created = kk_wire_member(o, "CreatedAt"),
		    *digest = kk_wire_member(o, "Digest"), *mt = kk_wire_member(o, "MediaType"),
		    *labels = kk_wire_member(o, "Labels"), *kv;

	info->name = kk_xstrdup(cJSON_IsString(name) ? name->valuestring : "");
	info->size = kk_json_int64(size, -1);
	info->digest = kk_xstrdup(cJSON_IsString(digest) ? digest->valuestring : "");
	info->media_type = kk_xstrdup(cJSON_IsString(mt) ? mt->valuestring : "");
	if (cJSON_IsString(created)) {
		struct kk_time t;

		if (kk_time_parse(created->valuestring, &t, err) < 0)
			return -1;
		info->created_ns = kk_time_is_zero(&t) ? 0 : kk_time_unix_ns(&t);
	}
	info->label_keys = kk_xcalloc((size_t)cJSON_GetArraySize(labels) + 1, sizeof(char *));
	info->label_values = kk_xcalloc((size_t)cJSON_GetArraySize(labels) + 1, sizeof(char *));
	if (!cJSON_IsObject(labels))
		labels = NULL;
	cJSON_ArrayForEach(kv, labels)
	{
		info->label_keys[info->n_labels] = kk_xstrdup(kv->string);
		info->label_values[info->n_labels++] =
			kk_xstrdup(cJSON_IsString(kv) ? kv->valuestring : "");
	}
	return 0;
}

/* The Result object of an image reply, and the realm and namespace it names (new strings,
 * "" when absent). */
static int image_result(const cJSON *top, const cJSON **res, char **realm, char **ns,
			struct kk_err *err)
{
	const cJSON *o = kk_wire_member(top, "Result");

	if (!cJSON_IsObject(o))
		return kk_err_set(err, EPROTO, "no Result object");
	*realm = kk_xstrdup(kk_str(cJSON_GetStringValue(kk_wire_member(o, "Realm"))));
	*ns = kk_xstrdup(kk_str(cJSON_GetStringValue(kk_wire_member(o, "Namespace"))));
	*res = o;
	return 0;
}

static cJSON *image_list_encode(const struct kk_wire_reply *wr, const void *reply)
{
	cJSON *top = cJSON_CreateObject();

	(void)wr;
	cJSON_AddItemToObject(top, "Result", kk_image_list_result_to_json(reply));
	return top;
}

static int image_list_decode(const struct kk_wire_reply *wr, const cJSON *top, void *reply,
			     struct kk_err *err)
{
	struct kk_image_list_result *r = reply;
	const cJSON *res = NULL, *a, *it;

	(void)wr;
	if (image_result(top, &res, &r->realm, &r->ns, err) < 0)
		return -1;
	a = kk_wire_member(res, "Images");
	r->images = kk_xcalloc((size_t)cJSON_GetArraySize(a) + 1, sizeof(*r->images));
	cJSON_ArrayForEach(it, a)
	{
		if (image_info_dec(it, &r->images[r->n++], err) < 0)
			return -1;
	}
	return 0;
}

static cJSON *image_get_encode(const struct kk_wire_reply *wr, const void *reply)
{
	cJSON *top = cJSON_CreateObject();
	cJSON *res = cJSON_AddObjectToObject(top, "Result");

	(void)wr;
	cJSON_AddItemToObject(res, "Image", kk_image_info_to_json(reply));
	return top;
}

static int image_get_decode(const struct kk_wire_reply *wr, const cJSON *top, void *reply,
			    struct kk_err *err)
{
	const cJSON *res = kk_wire_member(top, "Result");
	const cJSON *img = cJSON_IsObject(res) ? kk_wire_member(res, "Image") : NULL;

	(void)wr;
	if (!cJSON_IsObject(img))
		return kk_err_set(err, EPROTO, "no Image object");
	return image_info_dec(img, reply, err);
}

static cJSON *image_load_encode(const struct kk_wire_reply *wr, const void *reply)
{
	const struct kk_image_load_result *r = reply;
	cJSON *top = cJSON_CreateObject();
	cJSON *res = cJSON_AddObjectToObject(top, "Result");
	cJSON *a;

	(void)wr;
	cJSON_AddStringToObject(res, "Realm", kk_str(r->realm));
	cJSON_AddStringToObject(res, "Namespace", kk_str(r->ns));
	a = cJSON_AddArrayToObject(res, "Images");
	for (size_t i = 0; i < r->n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(r->images[i]));
	cJSON_AddStringToObject(res, "Snapshotter", kk_str(r->snapshotter)); /* kukeon-c */
	return top;
}

static int image_load_decode(const struct kk_wire_reply *wr, const cJSON *top, void *reply,
			     struct kk_err *err)
{
	struct kk_image_load_result *r = reply;
	const cJSON *res = NULL, *it;

	(void)wr;
	if (image_result(top, &res, &r->realm, &r->ns, err) < 0)
		return -1;
	r->snapshotter =
		kk_xstrdup(kk_str(cJSON_GetStringValue(kk_wire_member(res, "Snapshotter"))));
	r->images = kk_xcalloc((size_t)cJSON_GetArraySize(kk_wire_member(res, "Images")) + 1,
			       sizeof(char *));
	cJSON_ArrayForEach(it, kk_wire_member(res, "Images"))
	{
		if (cJSON_IsString(it))
			r->images[r->n++] = kk_xstrdup(it->valuestring);
	}
	return 0;
}

TABLE(image_delete, "Result", F("Realm", WF_STR, kk_image_delete_result, realm),
      F("Namespace", WF_STR, kk_image_delete_result, ns),
      F("Ref", WF_STR, kk_image_delete_result, ref));

CODEC(image_list);
CODEC(image_get);
CODEC(image_load);

/* ---- CellStats (kukeon-c): {"Result":{"TimeNs", "Cells":[{..., "Containers":[...]}]}} */

#define USAGE(S)                                                                             \
	F("CPUUsec", WF_I64, S, u.cpu_usec), F("MemoryBytes", WF_I64, S, u.mem_bytes),       \
		F("MemoryLimitBytes", WF_I64, S, u.mem_limit), F("Pids", WF_I64, S, u.pids), \
		F("BlockReadBytes", WF_I64, S, u.io_read),                                   \
		F("BlockWriteBytes", WF_I64, S, u.io_write),                                 \
		F("MemoryFromProcs", WF_BOOL, S, u.mem_from_procs),                          \
		F("PidsFromProcs", WF_BOOL, S, u.pids_from_procs),                           \
		F("BlockIOFromProcs", WF_BOOL, S, u.io_from_procs)
static const struct kk_wire_field stats_cell_fields[] = {
	F("Realm", WF_STR, kk_cell_stats, realm),
	F("Space", WF_STR, kk_cell_stats, space),
	F("Stack", WF_STR, kk_cell_stats, stack),
	F("Cell", WF_STR, kk_cell_stats, name),
	F("State", WF_STR, kk_cell_stats, state),
	USAGE(kk_cell_stats),
	F("NetRxBytes", WF_I64, kk_cell_stats, net_rx),
	F("NetTxBytes", WF_I64, kk_cell_stats, net_tx),
};
static const struct kk_wire_field stats_container_fields[] = {
	F("Name", WF_STR, kk_stats_container, name),
	F("Running", WF_BOOL, kk_stats_container, running),
	USAGE(kk_stats_container),
};
#undef USAGE

static cJSON *stats_encode(const struct kk_wire_reply *wr, const void *reply)
{
	const struct kk_stats_result *r = reply;
	cJSON *top = cJSON_CreateObject();
	cJSON *res = cJSON_AddObjectToObject(top, "Result");
	cJSON *cells;

	(void)wr;
	cJSON_AddNumberToObject(res, "TimeNs", (double)r->time_ns);
	cells = cJSON_AddArrayToObject(res, "Cells");
	for (size_t i = 0; i < r->n; i++) {
		const struct kk_cell_stats *c = &r->cells[i];
		cJSON *o = cJSON_CreateObject();
		cJSON *a;

		fields_encode(stats_cell_fields, ARRAY_SIZE(stats_cell_fields), c, o);
		a = cJSON_AddArrayToObject(o, "Containers");
		for (size_t j = 0; j < c->n_containers; j++) {
			cJSON *k = cJSON_CreateObject();

			fields_encode(stats_container_fields, ARRAY_SIZE(stats_container_fields),
				      &c->containers[j], k);
			cJSON_AddItemToArray(a, k);
		}
		cJSON_AddItemToArray(cells, o);
	}
	return top;
}

static int stats_decode(const struct kk_wire_reply *wr, const cJSON *top, void *reply,
			struct kk_err *err)
{
	struct kk_stats_result *r = reply;
	const cJSON *res = kk_wire_member(top, "Result"), *cells, *it;
	const cJSON *t;

	(void)wr;
	if (!cJSON_IsObject(res))
		return kk_err_set(err, EPROTO, "no Result object");
	t = kk_wire_member(res, "TimeNs");
	r->time_ns = kk_json_int64(t, 0);
	cells = kk_wire_member(res, "Cells");
	r->cells = kk_xcalloc((size_t)cJSON_GetArraySize(cells) + 1, sizeof(*r->cells));
	cJSON_ArrayForEach(it, cells)
	{
		struct kk_cell_stats *c = &r->cells[r->n++];
		const cJSON *a = kk_wire_member(it, "Containers"), *k;

		if (fields_decode(stats_cell_fields, ARRAY_SIZE(stats_cell_fields), it, c, err) < 0)
			return -1;
		c->containers =
			kk_xcalloc((size_t)cJSON_GetArraySize(a) + 1, sizeof(*c->containers));
		cJSON_ArrayForEach(k, a)
		{
			if (fields_decode(stats_container_fields,
					  ARRAY_SIZE(stats_container_fields), k,
					  &c->containers[c->n_containers++], err) < 0)
				return -1;
		}
	}
	return 0;
}

CODEC(stats);

/* ---- HostStatus (kukeon-c): {"Result":{..., "Realms":[{"Name", "Cells":{"<State>": n}}]}} */

#define HS kk_host_status
static const struct kk_wire_field host_status_fields[] = {
	F("ContainerdOK", WF_BOOL, HS, containerd_ok),
	F("ContainerdVersion", WF_STR, HS, containerd_version),
	F("ContainerdError", WF_STR, HS, containerd_error),
	F("DaemonRecord", WF_BOOL, HS, daemon.present),
	F("DaemonPid", WF_I64, HS, daemon.pid),
	F("DaemonVersion", WF_STR, HS, daemon.version),
	F("DaemonSocket", WF_STR, HS, daemon.socket),
	F("DaemonStartedMs", WF_I64, HS, daemon.started_ms),
	F("ReconcileIntervalMs", WF_I64, HS, daemon.reconcile_ms),
	F("ReconcilePasses", WF_I64, HS, daemon.passes),
	F("ReconcileLastPassMs", WF_I64, HS, daemon.last_pass_ms),
	F("ReconcileLastPassTookMs", WF_I64, HS, daemon.last_pass_took_ms),
	F("ReconcileErrors", WF_STRV, HS, daemon.last_errors),
	F("RunPath", WF_STR, HS, run_path),
	F("RunPathBytes", WF_I64, HS, run_path_bytes),
	F("ContentPath", WF_STR, HS, content_path),
	F("ContentBytes", WF_I64, HS, content_bytes),
	F("DiskError", WF_STR, HS, disk_error),
};
#undef HS

static cJSON *host_status_encode(const struct kk_wire_reply *wr, const void *reply)
{
	const struct kk_host_status *r = reply;
	cJSON *top = cJSON_CreateObject();
	cJSON *res = cJSON_AddObjectToObject(top, "Result");
	cJSON *a;

	(void)wr;
	fields_encode(host_status_fields, ARRAY_SIZE(host_status_fields), r, res);
	a = cJSON_AddArrayToObject(res, "Realms");
	for (size_t i = 0; i < r->n_realms; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON *cells;

		cJSON_AddStringToObject(o, "Name", kk_str(r->realms[i].name));
		cells = cJSON_AddObjectToObject(o, "Cells");
		for (int st = 0; st < KK_STATUS_CELL_STATES; st++)
			cJSON_AddNumberToObject(cells, kk_state_label(&kk_cell_states, st),
						(double)r->realms[i].cells[st]);
		cJSON_AddItemToArray(a, o);
	}
	return top;
}

static int host_status_decode(const struct kk_wire_reply *wr, const cJSON *top, void *reply,
			      struct kk_err *err)
{
	struct kk_host_status *r = reply;
	const cJSON *res = kk_wire_member(top, "Result"), *a, *it;

	(void)wr;
	if (!cJSON_IsObject(res))
		return kk_err_set(err, EPROTO, "no Result object");
	if (fields_decode(host_status_fields, ARRAY_SIZE(host_status_fields), res, r, err) < 0)
		return -1;
	a = kk_wire_member(res, "Realms");
	r->realms = kk_xcalloc((size_t)cJSON_GetArraySize(a) + 1, sizeof(*r->realms));
	cJSON_ArrayForEach(it, a)
	{
		struct kk_realm_cells *rc = &r->realms[r->n_realms++];
		const cJSON *cells = kk_wire_member(it, "Cells");

		rc->name = kk_xstrdup(kk_str(cJSON_GetStringValue(kk_wire_member(it, "Name"))));
		for (int st = 0; st < KK_STATUS_CELL_STATES; st++) {
			const cJSON *v =
				cJSON_IsObject(cells)
					? kk_wire_member(cells, kk_state_label(&kk_cell_states, st))
					: NULL;

			rc->cells[st] = kk_json_int64(v, 0);
		}
	}
	return 0;
}

CODEC(host_status);

/* ---- ReadEvents (kukeon-c): {"Result":{"Cursor", "Inode", "Events":[{...}]}} */

static const struct kk_wire_field event_fields[] = {
	F("TimeNs", WF_I64, kk_event, time_ns),      F("Type", WF_STR, kk_event, type),
	F("Realm", WF_STR, kk_event, realm),         F("Space", WF_STR, kk_event, space),
	F("Stack", WF_STR, kk_event, stack),         F("Cell", WF_STR, kk_event, cell),
	F("Container", WF_STR, kk_event, container), F("HasExit", WF_BOOL, kk_event, has_exit),
	F("ExitCode", WF_I64, kk_event, exit_code),
};

static cJSON *events_read_encode(const struct kk_wire_reply *wr, const void *reply)
{
	const struct kk_events_result *r = reply;
	cJSON *top = cJSON_CreateObject();
	cJSON *res = cJSON_AddObjectToObject(top, "Result");
	cJSON *a;

	(void)wr;
	cJSON_AddNumberToObject(res, "Cursor", (double)r->cursor);
	cJSON_AddNumberToObject(res, "Inode", (double)r->inode);
	a = cJSON_AddArrayToObject(res, "Events");
	for (size_t i = 0; i < r->n; i++) {
		cJSON *o = cJSON_CreateObject();

		fields_encode(event_fields, ARRAY_SIZE(event_fields), &r->v[i], o);
		cJSON_AddItemToArray(a, o);
	}
	return top;
}

static int events_read_decode(const struct kk_wire_reply *wr, const cJSON *top, void *reply,
			      struct kk_err *err)
{
	struct kk_events_result *r = reply;
	const cJSON *res = kk_wire_member(top, "Result"), *a, *it, *n;

	(void)wr;
	if (!cJSON_IsObject(res))
		return kk_err_set(err, EPROTO, "no Result object");
	n = kk_wire_member(res, "Cursor");
	r->cursor = kk_json_int64(n, 0);
	n = kk_wire_member(res, "Inode");
	r->inode = kk_json_int64(n, 0);
	a = kk_wire_member(res, "Events");
	r->v = kk_xcalloc((size_t)cJSON_GetArraySize(a) + 1, sizeof(*r->v));
	cJSON_ArrayForEach(it, a)
	{
		struct kk_event *ev = &r->v[r->n++];
		char **names[] = { &ev->realm, &ev->space, &ev->stack, &ev->cell, &ev->container };

		if (fields_decode(event_fields, ARRAY_SIZE(event_fields), it, ev, err) < 0)
			return -1;
		/* "" travels for an unset name */
		for (size_t i = 0; i < ARRAY_SIZE(names); i++)
			if (*names[i] && !**names[i]) {
				free(*names[i]);
				*names[i] = NULL;
			}
	}
	return 0;
}

CODEC(events_read);

/* ---- the table ---- */

const struct kk_wire_op kk_wire_ops[KK_OP_COUNT] = {
#define OP(method, name, args, reply, wa, wr) [KK_OP_##method] = { wa, &wr_##wr },
#include "common/controller/ops.def"
#undef OP
};
