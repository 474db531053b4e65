/* tests/unit/test_rpc_wire.c - the kukeonv1 codec against upstream's shapes, both ways:
 * requests as a Go kuke v0.5.0 sends them, replies as a Go kukeond writes them (runtime
 * reference §1.1-1.4), and every operation's request round trip. The server side runs
 * against a controller on a scratch run path (no containerd needed for what is asked). */
#include "common/rpc/wire.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cjson/cJSON.h"
#include "common/cleanup.h"
#include "common/controller/client.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/mem.h"
#include "common/rpc/server.h"
#include "common/strv.h"
#include "tests/unit/tap.h"

static cJSON *parse(const char *s)
{
	cJSON *t = NULL;
	struct kk_err err = { 0 };

	if (kk_json_parse(s, strlen(s), "test", &t, &err) < 0)
		fprintf(stderr, "# %s\n", err.msg);
	return t;
}

static char *compact(const cJSON *t)
{
	return kk_json_print(t, KK_JSON_COMPACT);
}

/* What a Go kuke sends for `kuke get cell web --realm r --space s --stack t`. */
static void go_requests_decode_to_the_addressed_object(void)
{
	cleanup_(kk_json_freep) cJSON *p = parse(
		"{\"Doc\":{\"apiVersion\":\"v1beta1\",\"kind\":\"Cell\",\"metadata\":{\"name\":"
		"\"web\","
		"\"labels\":null},\"spec\":{\"id\":\"web\",\"realmId\":\"r\",\"spaceId\":\"s\","
		"\"stackId\":\"t\",\"containers\":null},\"status\":{\"state\":\"Pending\","
		"\"cgroupPath\":\"\",\"network\":{},\"containers\":null,"
		"\"createdAt\":\"0001-01-01T00:00:00Z\",\"updatedAt\":\"0001-01-01T00:00:00Z\","
		"\"readyAt\":\"0001-01-01T00:00:00Z\"}}}");
	struct kk_ref r = { 0 };
	struct kk_err err = { 0 };

	TAP_INT_EQ(kk_wire_args_decode(KK_OP_GetCell, p, &r, NULL, &err), 0);
	TAP_STR_EQ(r.name, "web");
	TAP_STR_EQ(r.realm, "r");
	TAP_STR_EQ(r.space, "s");
	TAP_STR_EQ(r.stack, "t");
	kk_wire_args_clear(KK_OP_GetCell, &r);

	/* DeleteRealm carries Force and Cascade beside the Doc; ListCells names its filters */
	{
		cleanup_(kk_json_freep) cJSON *d =
			parse("{\"Doc\":{\"metadata\":{\"name\":\"prod\"}},\"Force\":false,"
			      "\"Cascade\":true}");
		cleanup_(kk_json_freep) cJSON *l =
			parse("{\"RealmName\":\"prod\",\"SpaceName\":\"\",\"StackName\":\"api\"}");

		TAP_INT_EQ(kk_wire_args_decode(KK_OP_DeleteRealm, d, &r, NULL, &err), 0);
		TAP_OK(r.cascade && !r.force && !strcmp(r.name, "prod"), "DeleteRealm flags");
		kk_wire_args_clear(KK_OP_DeleteRealm, &r);
		TAP_INT_EQ(kk_wire_args_decode(KK_OP_ListCells, l, &r, NULL, &err), 0);
		TAP_STR_EQ(r.realm, "prod");
		TAP_STR_EQ(r.space, "");
		TAP_STR_EQ(r.stack, "api");
		kk_wire_args_clear(KK_OP_ListCells, &r);
	}
	/* Go decodes keys case-insensitively */
	{
		cleanup_(kk_json_freep) cJSON *l = parse("{\"realmname\":\"x\"}");

		TAP_INT_EQ(kk_wire_args_decode(KK_OP_ListSpaces, l, &r, NULL, &err), 0);
		TAP_STR_EQ(r.realm, "x");
		kk_wire_args_clear(KK_OP_ListSpaces, &r);
	}
}

/* Our requests have upstream's shapes: lookup documents with name and parent ids. */
static void our_requests_have_upstreams_shapes(void)
{
	struct kk_err err = { 0 };
	struct kk_ref ref = { .realm = "r", .space = "s", .stack = "t", .cell = "c", .name = "app" };
	cleanup_(kk_json_freep) cJSON *p =
		kk_wire_args_encode(KK_OP_GetContainer, &ref, NULL, &err);
	cleanup_(kk_json_freep) cJSON *l = kk_wire_args_encode(KK_OP_ListStacks, &ref, NULL, &err);
	cleanup_(kk_json_freep) cJSON *d = NULL;
	cleanup_(kk_json_freep) cJSON *req = NULL;
	cleanup_free char *ls = compact(l);
	cleanup_free char *rs = NULL;
	const cJSON *doc = cJSON_GetObjectItem(p, "Doc");
	const cJSON *spec = cJSON_GetObjectItem(doc, "spec");

	TAP_STR_EQ(cJSON_GetStringValue(cJSON_GetObjectItem(doc, "apiVersion")), "v1beta1");
	TAP_STR_EQ(cJSON_GetStringValue(cJSON_GetObjectItem(doc, "kind")), "Container");
	TAP_STR_EQ(cJSON_GetStringValue(
			   cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "metadata"), "name")),
		   "app");
	TAP_STR_EQ(cJSON_GetStringValue(cJSON_GetObjectItem(spec, "id")), "app");
	TAP_STR_EQ(cJSON_GetStringValue(cJSON_GetObjectItem(spec, "cellId")), "c");
	TAP_STR_EQ(cJSON_GetStringValue(cJSON_GetObjectItem(spec, "stackId")), "t");
	TAP_STR_EQ(ls, "{\"RealmName\":\"r\",\"SpaceName\":\"s\"}");

	ref.force = true;
	d = kk_wire_args_encode(KK_OP_PurgeSpace, &ref, NULL, &err);
	TAP_OK(cJSON_IsTrue(cJSON_GetObjectItem(d, "Force")) &&
		       cJSON_IsFalse(cJSON_GetObjectItem(d, "Cascade")),
	       "PurgeSpace sends Force and Cascade");
	req = kk_wire_request(KK_OP_Ping, cJSON_CreateObject(), 7);
	rs = compact(req);
	TAP_STR_EQ(rs, "{\"method\":\"KukeonV1.Ping\",\"params\":[{}],\"id\":7}");
}

/* A Go kukeond's replies decode: results, lists, and application errors by Kind. */
static void go_replies_decode(void)
{
	struct kk_err err = { 0 };
	cleanup_(kk_json_freep) cJSON *ping =
		parse("{\"OK\":true,\"Version\":\"v0.5.0\",\"Err\":null}");
	cleanup_(kk_json_freep) cJSON *fail =
		parse("{\"Result\":{\"Cell\":{\"apiVersion\":\"\",\"kind\":\"\",\"metadata\":{"
		      "\"name\":\"\","
		      "\"labels\":null}},\"ContainersDeleted\":false,\"CgroupDeleted\":false,"
		      "\"MetadataDeleted\":false},\"Err\":{\"Kind\":\"Unknown\",\"Message\":\"cell "
		      "\\\"x\\\" "
		      "not found in realm \\\"default\\\", space \\\"default\\\", stack "
		      "\\\"default\\\"\"}}");
	cleanup_(kk_json_freep) cJSON *nf =
		parse("{\"Result\":{},\"Err\":{\"Kind\":\"RealmNotFound\",\"Message\":\"failed to "
		      "create space: realm not found\"}}");
	cleanup_(kk_json_freep) cJSON *list = parse(
		"{\"Realms\":[{\"apiVersion\":\"v1beta1\",\"kind\":\"Realm\",\"metadata\":{"
		"\"name\":"
		"\"a\",\"labels\":null},\"spec\":{\"namespace\":\"a.kukeon.io\"},\"status\":{"
		"\"state\":"
		"\"Ready\",\"createdAt\":\"2025-05-14T10:11:12.123456Z\",\"updatedAt\":"
		"\"0001-01-01T00:00:00Z\",\"readyAt\":\"0001-01-01T00:00:00Z\"}}],\"Err\":null}");
	struct kk_ping_reply p = { 0 };
	struct kk_delete_result d = { 0 };
	struct kk_space_create_result sc = { 0 };
	struct kk_list_result l = { 0 };

	TAP_INT_EQ(kk_wire_reply_decode(KK_OP_Ping, ping, &p, &err), 0);
	TAP_OK(p.ok, "Ping OK");
	TAP_STR_EQ(p.version, "v0.5.0");
	kk_ping_reply_clear(&p);

	TAP_INT_EQ(kk_wire_reply_decode(KK_OP_DeleteCell, fail, &d, &err), -1);
	TAP_STR_EQ(err.msg, "cell \"x\" not found in realm \"default\", space \"default\", stack "
			    "\"default\"");
	TAP_INT_EQ(err.code, EIO); /* Unknown kind, no Code: no sentinel */

	err = (struct kk_err){ 0 };
	TAP_INT_EQ(kk_wire_reply_decode(KK_OP_CreateSpace, nf, &sc, &err), -1);
	TAP_INT_EQ(err.code, ENOENT);
	TAP_STR_EQ(err.msg, "failed to create space: realm not found");

	err = (struct kk_err){ 0 };
	TAP_INT_EQ(kk_wire_reply_decode(KK_OP_ListRealms, list, &l, &err), 0);
	TAP_INT_EQ(l.n, 1);
	TAP_STR_EQ(l.v.realms[0]->spec.namespace_, "a.kukeon.io");
	TAP_INT_EQ(l.v.realms[0]->status.state, KK_REALM_READY);
	kk_list_result_clear(&l);
}

/* A list reply cut to a table's fields gives what the whole decode prints, and declines
 * what only the whole decode can judge. */
static void list_rows_match_the_whole_decode(void)
{
	static const struct kk_row_field f[] = { { "metadata.name", NULL },
						 { "spec.namespace", NULL },
						 { "status.state", &kk_realm_states },
						 { "status.cgroupPath", NULL } };
	static const char *const declined[] = {
		"{\"id\":3,\"result\":{\"Realms\":[],\"Err\":null},\"error\":null}", /* id */
		"{\"id\":4,\"result\":{\"Err\":{\"Kind\":\"Unknown\"}}}",
		"{\"id\":4,\"result\":null,\"error\":\"rpc: can't find method\"}",
		"{\"id\":4,\"result\":{\"Realms\":[],\"Skipped\":[\"x\"]},\"error\":null}",
		"{\"id\":4,\"result\":{\"Realms\":[{\"status\":{\"state\":\"Bogus\"}}]}}",
		"{\"id\":4,\"result\":{\"Realms\":[{\"status\":{\"state\":9}}]}}",
		"{\"id\":4,\"result\":{\"Realms\":[{\"metadata\":{\"name\":1}}]}}",
		"{\"id\":4,\"result\":{\"Realms\":[{}]}",
	};
	const char *ok =
		"{\"id\":4,\"result\":{\"Realms\":[{\"apiVersion\":\"v1beta1\",\"kind\":"
		"\"Realm\",\"metadata\":{\"name\":\"a\"},\"spec\":{\"namespace\":"
		"\"a.kukeon.io\"},\"status\":{\"state\":\"Ready\",\"cgroupPath\":\"/k/a\"}},"
		"{\"metadata\":{\"name\":\"b\"},\"status\":{\"state\":1}},"
		"{\"metadata\":{\"name\":\"c\"},\"status\":null}],\"Err\":null},"
		"\"error\":null}";
	struct kk_rows r = { 0 };

	TAP_INT_EQ(kk_wire_list_rows(KK_OP_ListRealms, 4, ok, strlen(ok), f, 4, &r), 0);
	TAP_INT_EQ(r.n, 3);
	TAP_STR_EQ(r.cells[0], "a");
	TAP_STR_EQ(r.cells[1], "a.kukeon.io");
	TAP_STR_EQ(r.cells[2], "Ready");
	TAP_STR_EQ(r.cells[3], "/k/a");
	TAP_OK(r.cells[5] == NULL && r.cells[7] == NULL, "absent strings are NULL");
	TAP_STR_EQ(r.cells[6], kk_state_label(&kk_realm_states, 1));
	TAP_STR_EQ(r.cells[10], kk_state_label(&kk_realm_states, 0));
	kk_rows_clear(&r);
	for (size_t i = 0; i < sizeof(declined) / sizeof(declined[0]); i++) {
		TAP_INT_EQ(kk_wire_list_rows(KK_OP_ListRealms, 4, declined[i], strlen(declined[i]),
					     f, 4, &r),
			   -1);
		TAP_OK(r.n == 0 && !r.cells && !r.buf, "declined %zu leaves nothing", i);
	}
	TAP_INT_EQ(kk_wire_list_rows(KK_OP_Ping, 4, ok, strlen(ok), f, 4, &r), -1);
}

/* Errors we send carry the Kind a Go kuke maps to its sentinel, and our errno. */
static void our_errors_name_the_outermost_sentinel(void)
{
	struct kk_err e = { .code = ENOENT };
	struct kk_delete_result d = { 0 };
	cleanup_(kk_json_freep) cJSON *r = NULL;
	cleanup_free char *s = NULL;

	snprintf(e.msg, sizeof(e.msg), "failed to create space: realm not found");
	r = kk_wire_reply_encode(KK_OP_DeleteSpace, &d, -1, &e);
	s = compact(cJSON_GetObjectItem(r, "Err"));
	TAP_STR_EQ(s, "{\"Kind\":\"RealmNotFound\",\"Message\":\"failed to create space: realm "
		      "not found\",\"Code\":2}");
	TAP_OK(cJSON_IsObject(cJSON_GetObjectItem(r, "Result")), "a zero Result rides along");
}

/* The keys of a reply's Result, in order, comma-separated. */
static char *result_keys(const cJSON *reply)
{
	const cJSON *it;
	char *s = kk_xstrdup("");

	cJSON_ArrayForEach(it, cJSON_GetObjectItem(reply, "Result"))
	{
		char *t = kk_xasprintf("%s%s%s", s, *s ? "," : "", it->string);

		free(s);
		s = t;
	}
	return s;
}

/* Each Delete and Purge method travels with upstream's keys in its Result (reference §1.3,
 * types.go field order), plus the kukeon-c Cascaded and Cleaned where they apply. */
static void delete_replies_have_upstreams_keys(void)
{
	static const struct {
		enum kk_op_id op;
		const char *keys;
	} want[] = {
		{ KK_OP_DeleteRealm, "Realm,Deleted,MetadataDeleted,CgroupDeleted,"
				     "ContainerdNamespaceDeleted,Cascaded" },
		{ KK_OP_DeleteSpace, "Space,SpaceName,RealmName,MetadataDeleted,CgroupDeleted,"
				     "CNINetworkDeleted,Deleted,Cascaded" },
		{ KK_OP_DeleteStack, "Stack,StackName,RealmName,SpaceName,MetadataDeleted,"
				     "CgroupDeleted,Deleted,Cascaded" },
		{ KK_OP_DeleteCell, "Cell,ContainersDeleted,CgroupDeleted,MetadataDeleted" },
		{ KK_OP_DeleteContainer, "Container,CellMetadataExists,ContainerExists,Deleted" },
		{ KK_OP_PurgeRealm,
		  "Realm,RealmDeleted,PurgeSucceeded,Force,Cascade,Deleted,Purged,"
		  "Cascaded,Cleaned" },
		{ KK_OP_PurgeSpace,
		  "Space,MetadataDeleted,CgroupDeleted,CNINetworkDeleted,"
		  "PurgeSucceeded,Force,Cascade,Deleted,Purged,Cascaded,Cleaned" },
		{ KK_OP_PurgeStack, "Stack,Deleted,Purged,Cascaded,Cleaned" },
		{ KK_OP_PurgeCell, "Cell,ContainersDeleted,CgroupDeleted,MetadataDeleted,"
				   "PurgeSucceeded,Force,Cascade,Deleted,Purged,Cleaned" },
		{ KK_OP_PurgeContainer,
		  "Container,CellMetadataExists,ContainerExists,Deleted,Purged,Cleaned" },
	};
	struct kk_err e = { .code = ENOENT, .msg = "realm \"x\" not found" };
	struct kk_err none = { 0 };

	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		struct kk_delete_result zero = { 0 };
		cleanup_(kk_json_freep) cJSON *ok =
			kk_wire_reply_encode(want[i].op, &zero, 0, &none);
		cleanup_(kk_json_freep) cJSON *bad =
			kk_wire_reply_encode(want[i].op, &zero, -1, &e);
		cleanup_free char *keys = result_keys(ok);
		const cJSON *res = cJSON_GetObjectItem(bad, "Result");
		const cJSON *doc = res ? res->child : NULL;
		const cJSON *del = cJSON_GetObjectItem(res, "Deleted");

		TAP_OK(strcmp(keys, want[i].keys) == 0, "%s: Result keys %s",
		       kk_ops[want[i].op].method, keys);
		/* on error: a zero doc and null slices, as upstream's zero Result */
		TAP_OK(cJSON_IsObject(doc) &&
			       !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(doc, "apiVersion")),
				       "") &&
			       (!del || cJSON_IsNull(del)),
		       "%s: a zero Result on error", kk_ops[want[i].op].method);
	}
}

/* DeleteRealm --cascade as our kukeond sends it, byte for byte; the same reply decodes. */
static void delete_realm_reply_golden(void)
{
	char *spaces[] = { "space:a", "space:b", "metadata", "cgroup", "namespace", NULL };
	struct kk_realm realm = { .api_version = "v1beta1",
				  .kind = "Realm",
				  .meta.name = "r",
				  .spec.namespace_ = "r.kukeon.io",
				  .status.state = KK_REALM_READY };
	struct kk_delete_result r = { .realm = &realm,
				      .deleted = spaces,
				      .metadata_deleted = true,
				      .cgroup_deleted = true,
				      .ns_deleted = true,
				      .n_cascaded = 2 };
	struct kk_delete_result back = { 0 };
	struct kk_err err = { 0 };
	cleanup_(kk_json_freep) cJSON *t = kk_wire_reply_encode(KK_OP_DeleteRealm, &r, 0, &err);
	cleanup_free char *s = compact(t);

	TAP_STR_EQ(s, "{\"Result\":{\"Realm\":{\"apiVersion\":\"v1beta1\",\"kind\":\"Realm\","
		      "\"metadata\":{\"name\":\"r\",\"labels\":null},\"spec\":{\"namespace\":"
		      "\"r.kukeon.io\"},\"status\":{\"state\":\"Ready\",\"createdAt\":"
		      "\"0001-01-01T00:00:00Z\",\"updatedAt\":\"0001-01-01T00:00:00Z\","
		      "\"readyAt\":\"0001-01-01T00:00:00Z\"}},\"Deleted\":[\"space:a\",\"space:b\","
		      "\"metadata\",\"cgroup\",\"namespace\"],\"MetadataDeleted\":true,"
		      "\"CgroupDeleted\":true,\"ContainerdNamespaceDeleted\":true,\"Cascaded\":2},"
		      "\"Err\":null}");
	TAP_INT_EQ(kk_wire_reply_decode(KK_OP_DeleteRealm, t, &back, &err), 0);
	TAP_OK(back.realm && !strcmp(back.realm->meta.name, "r") && back.n_cascaded == 2 &&
		       back.ns_deleted && kk_strv_len(back.deleted) == 5,
	       "DeleteRealm reply decodes");
	kk_delete_result_clear(&back);
}

/* A Go kukeond's DeleteSpace and PurgeStack replies decode into what our kuke reads. */
static void go_delete_replies_decode(void)
{
	cleanup_(kk_json_freep) cJSON *ds =
		parse("{\"Result\":{\"Space\":{\"apiVersion\":\"v1beta1\",\"kind\":\"Space\","
		      "\"metadata\":"
		      "{\"name\":\"web\",\"labels\":null},\"spec\":{\"realmId\":\"r\"},\"status\":{"
		      "\"state\":"
		      "\"Ready\",\"createdAt\":\"2025-05-14T10:11:12.123456Z\",\"updatedAt\":"
		      "\"0001-01-01T00:00:00Z\",\"readyAt\":\"0001-01-01T00:00:00Z\"}},"
		      "\"SpaceName\":\"web\","
		      "\"RealmName\":\"r\",\"MetadataDeleted\":true,\"CgroupDeleted\":true,"
		      "\"CNINetworkDeleted\":true,\"Deleted\":[\"stack:s\",\"metadata\",\"cgroup\","
		      "\"network\"]},\"Err\":null}");
	cleanup_(kk_json_freep) cJSON *ps = parse(
		"{\"Result\":{\"Stack\":{\"apiVersion\":\"v1beta1\",\"kind\":\"Stack\","
		"\"metadata\":"
		"{\"name\":\"s\",\"labels\":null},\"spec\":{\"id\":\"s\",\"realmId\":\"r\","
		"\"spaceId\":"
		"\"web\"},\"status\":{\"state\":\"Ready\",\"cgroupPath\":\"\",\"createdAt\":"
		"\"0001-01-01T00:00:00Z\",\"updatedAt\":\"0001-01-01T00:00:00Z\",\"readyAt\":"
		"\"0001-01-01T00:00:00Z\"}},\"Deleted\":[\"metadata\",\"cgroup\"],\"Purged\":["
		"\"cni-resources\",\"orphaned-containers\",\"all-metadata\"]},\"Err\":null}");
	struct kk_delete_result d = { 0 };
	struct kk_err err = { 0 };
	cleanup_free char *deleted = NULL;

	TAP_INT_EQ(kk_wire_reply_decode(KK_OP_DeleteSpace, ds, &d, &err), 0);
	TAP_OK(d.space && !strcmp(d.space->spec.realm_id, "r"), "DeleteSpace: the Space doc");
	TAP_STR_EQ(d.space_name, "web");
	TAP_STR_EQ(d.realm_name, "r");
	TAP_OK(d.metadata_deleted && d.cgroup_deleted && d.cni_deleted, "DeleteSpace flags");
	deleted = kk_strv_join(d.deleted, ",");
	TAP_STR_EQ(deleted, "stack:s,metadata,cgroup,network");
	kk_delete_result_clear(&d);

	TAP_INT_EQ(kk_wire_reply_decode(KK_OP_PurgeStack, ps, &d, &err), 0);
	TAP_OK(d.stack && !strcmp(d.stack->spec.space_id, "web"), "PurgeStack: the Stack doc");
	TAP_INT_EQ(kk_strv_len(d.purged), 3);
	TAP_OK(d.cleaned == NULL, "a Go kukeond sends no Cleaned");
	kk_delete_result_clear(&d);
}

/* Every operation's request survives encode -> decode -> encode unchanged. */
static void every_request_round_trips(void)
{
	struct kk_realm realm = { .api_version = "v1beta1", .kind = "Realm", .meta.name = "r" };
	struct kk_doc doc = { .kind = KK_KIND_REALM, .u.realm = &realm };
	struct kk_ref ref = { .realm = "r", .space = "s", .stack = "t", .cell = "c", .name = "n" };
	struct kk_apply_args ap = { .yaml = "kind: Realm\n", .len = 12, .source = "x.yaml" };
	struct kk_image_req img = { .realm = "r", .ref = "busybox" };
	struct kk_events_args ev = { .since_ns = 1764900000123456789,
				     .cursor = 42,
				     .inode = 7,
				     .realm = "r" };
	char *argv[] = { "sh", "-c", "exit 7", NULL };
	struct kk_exec_req ex = { .realm = "r",
				  .cell = "c",
				  .container = "app",
				  .args = argv,
				  .stdin_path = "/tmp/x/stdin",
				  .stdout_path = "/tmp/x/stdout",
				  .terminal = true,
				  .exec_id = "kuke-exec-1",
				  .width = 80,
				  .height = 24 };

	for (int op = 0; op < KK_OP_COUNT; op++) {
		const void *a = &ref;
		struct kk_err err = { 0 };
		cleanup_(kk_json_freep) cJSON *one = NULL;
		cleanup_(kk_json_freep) cJSON *two = NULL;
		cleanup_free void *back = NULL;
		cleanup_free char *s1 = NULL;
		cleanup_free char *s2 = NULL;

		switch (kk_wire_ops[op].args.style) {
		case KK_WA_DOC_:
			if (kk_wire_ops[op].args.kind != KK_KIND_REALM)
				continue; /* the kinds' codecs have their own tests */
			a = &doc;
			break;
		case KK_WA_APPLY_:
			a = &ap;
			break;
		case KK_WA_IMAGE_:
		case KK_WA_IMAGE_REF_:
			a = &img;
			break;
		case KK_WA_EXEC_:
			a = &ex;
			break;
		case KK_WA_IMAGE_LOAD_:
			continue; /* reads a descriptor: covered by the bats suite */
		case KK_WA_EVENTS_:
			a = &ev;
			break;
		default:
			break;
		}
		one = kk_wire_args_encode((enum kk_op_id)op, a, NULL, &err);
		back = kk_xcalloc(1, kk_ops[op].args_size);
		TAP_INT_EQ(kk_wire_args_decode((enum kk_op_id)op, one, back, NULL, &err), 0);
		two = kk_wire_args_encode((enum kk_op_id)op, back, NULL, &err);
		s1 = compact(one);
		s2 = compact(two);
		TAP_OK(strcmp(s1, s2) == 0, "%s request round trip", kk_ops[op].method);
		kk_wire_args_clear((enum kk_op_id)op, back);
	}
}

/* Encode a reply, decode it, encode it again: the same JSON (kukeon-c's nested replies). */
static void reply_round_trip(enum kk_op_id op, const void *reply)
{
	struct kk_err err = { 0 };
	cleanup_(kk_json_freep) cJSON *one = kk_wire_reply_encode(op, reply, 0, &err);
	cleanup_(kk_json_freep) cJSON *two = NULL;
	cleanup_free void *back = kk_xcalloc(1, kk_ops[op].reply_size);
	cleanup_free char *s1 = compact(one);
	cleanup_free char *s2 = NULL;

	TAP_INT_EQ(kk_wire_reply_decode(op, one, back, &err), 0);
	two = kk_wire_reply_encode(op, back, 0, &err);
	s2 = compact(two);
	TAP_OK(strcmp(s1, s2) == 0, "%s reply round trip: %s", kk_ops[op].method, s2);
	kk_ops[op].reply_clear(back);
}

static void stats_events_status_replies_round_trip(void)
{
	struct kk_stats_container k[2] = {
		{ .name = "root", .u = { .cpu_usec = 5, .mem_limit = -1, .pids = 1 } },
		{ .name = "app",
		  .running = true,
		  .u = { .cpu_usec = 123456,
			 .mem_bytes = 67108864,
			 .mem_limit = -1,
			 .pids = 2,
			 .io_read = 4096,
			 .io_write = 8192,
			 .mem_from_procs = true,
			 .pids_from_procs = true,
			 .io_from_procs = true } },
	};
	struct kk_cell_stats cell = { .realm = "r",
				      .space = "s",
				      .stack = "t",
				      .name = "c",
				      .state = "Ready",
				      .u = { .cpu_usec = 123461, .mem_limit = 1024 },
				      .net_rx = 10,
				      .net_tx = 20,
				      .containers = k,
				      .n_containers = 2 };
	struct kk_stats_result st = { .time_ns = 987654321, .cells = &cell, .n = 1 };
	struct kk_event e[2] = {
		{ .time_ns = 1764900000123456789,
		  .type = "CellCreated",
		  .realm = "r",
		  .space = "s",
		  .stack = "t",
		  .cell = "c" },
		{ .time_ns = 1764900001000000000,
		  .type = "TaskExit",
		  .realm = "r",
		  .space = "s",
		  .stack = "t",
		  .cell = "c",
		  .container = "app",
		  .has_exit = true,
		  .exit_code = 3 },
	};
	struct kk_events_result ev = { .v = e, .n = 2, .cursor = 300, .inode = 12 };
	char *errors[] = { "failed to refresh cell 'x': boom", NULL };
	struct kk_realm_cells realms[1] = { { .name = "r", .cells = { 1, 2, 3, 0, 0, 1 } } };
	struct kk_host_status hs = {
		.containerd_ok = true,
		.containerd_version = "1.6.20",
		.daemon = { .present = true,
			    .pid = 42,
			    .version = "v1",
			    .socket = "/s.sock",
			    .started_ms = 1764900000000,
			    .reconcile_ms = 200,
			    .passes = 7,
			    .last_pass_ms = 1764900001000,
			    .last_pass_took_ms = 3,
			    .last_errors = errors },
		.realms = realms,
		.n_realms = 1,
		.run_path = "/opt/kukeon",
		.run_path_bytes = 4096,
		.content_path = "/var/lib/containerd/c",
		.content_bytes = -1,
		.disk_error = "no",
	};

	reply_round_trip(KK_OP_CellStats, &st);
	reply_round_trip(KK_OP_ReadEvents, &ev);
	reply_round_trip(KK_OP_HostStatus, &hs);
}

/* The server side of one message, on a scratch run path. */
static void server_answers_as_go_does(void)
{
	char dir[] = "/tmp/kk-wire-XXXXXX";
	struct kk_local *l = NULL;
	struct kk_err err = { 0 };
	char *reply = NULL;
	const char *bad = "{\"method\":\"KukeonV1.GetRealm\",\"params\":[{\"Doc\":5}],\"id\":3}";
	const char *list = "{\"method\":\"KukeonV1.ListRealms\",\"params\":[{}],\"id\":0}";

	if (!mkdtemp(dir)) {
		TAP_SKIP("mkdtemp failed");
		return;
	}
	{
		cleanup_free char *rp = kk_xasprintf("%s/run", dir);
		struct kk_local_opts o = { .run_path = rp, .containerd_socket = "/nonexistent" };

		TAP_INT_EQ(kk_local_new(&o, &l, &err), 0);
	}
	TAP_INT_EQ(kk_rpc_serve_message(NULL, l, list, strlen(list), NULL, &reply, NULL, &err), 0);
	TAP_STR_EQ(reply, "{\"id\":0,\"result\":{\"Realms\":[],\"Err\":null},\"error\":null}\n");
	free(reply);
	TAP_INT_EQ(kk_rpc_serve_message(NULL, l, bad, strlen(bad), NULL, &reply, NULL, &err), 0);
	TAP_OK(strstr(reply, "\"id\":3") && strstr(reply, "\"result\":{"),
	       "a Doc of the wrong type is the handler's conversion error");
	free(reply);
	TAP_INT_EQ(kk_rpc_serve_message(NULL, l, "nope", 4, NULL, &reply, NULL, &err), -1);
	TAP_OK(reply == NULL, "not JSON: no reply, the connection closes");
	kk_local_free(l);
	kk_rm_rf(dir, &err);
}

static void framing_and_base64(void)
{
	unsigned char *out = NULL;
	size_t n = 0;
	struct kk_err err = { 0 };
	cleanup_free char *b = kk_base64_encode("hello!?", 7);

	TAP_INT_EQ(kk_wire_scan("{\"a\":\"}\"}{", 10), 9);
	TAP_INT_EQ(kk_wire_scan("  {\"a\":[1,{}]", 13), 0);
	TAP_INT_EQ(kk_wire_scan("x{}", 3), -1);
	TAP_INT_EQ(kk_wire_scan("{\"\\\"}\"}", 7), 7);
	TAP_STR_EQ(b, "aGVsbG8hPw==");
	TAP_INT_EQ(kk_base64_decode(b, &out, &n, &err), 0);
	TAP_OK(n == 7 && memcmp(out, "hello!?", 7) == 0, "base64 round trip");
	free(out);
	TAP_INT_EQ(kk_base64_decode("a$==", &out, &n, &err), -1);
	TAP_INT_EQ(kk_base64_decode("abc", &out, &n, &err), -1);
}

/* Found by tests/fuzz/fuzz_wire.c: an ExecContainer without Width and Height (what a client
 * that never resizes sends) cast NaN to an integer, numbers past int64 were cast as well,
 * an image's CreatedAt past 2262 overflowed its nanoseconds, and an Err without Kind and
 * Message became an error with no text. */
static void numbers_and_errors_from_a_peer_are_defined(void)
{
	struct kk_err err = { 0 };
	cleanup_(kk_json_freep) cJSON *exec =
		parse("{\"Realm\":\"r\",\"Cell\":\"c\",\"Args\":[\"true\"]}");
	cleanup_(kk_json_freep) cJSON *ev =
		parse("{\"SinceNs\":1e300,\"Cursor\":-1e300,\"Inode\":12.5}");
	cleanup_(kk_json_freep) cJSON *bare = parse("{\"OK\":true,\"Err\":{\"Code\":5}}");
	cleanup_(kk_json_freep) cJSON *img = parse(
		"{\"Result\":{\"Image\":{\"Name\":\"x\",\"CreatedAt\":\"2926-12-05T06:18:25Z\"}}}");
	struct kk_image_info info = { 0 };
	struct kk_exec_req x = { 0 };
	struct kk_events_args e = { 0 };
	struct kk_ping_reply p = { 0 };

	TAP_INT_EQ(kk_wire_args_decode(KK_OP_ExecContainer, exec, &x, NULL, &err), 0);
	TAP_OK(x.width == 0 && x.height == 0, "no Width or Height: 0 columns, 0 rows");
	kk_wire_args_clear(KK_OP_ExecContainer, &x);
	TAP_INT_EQ(kk_wire_args_decode(KK_OP_ReadEvents, ev, &e, NULL, &err), 0);
	TAP_OK(e.since_ns == INT64_MAX && e.cursor == INT64_MIN && e.inode == 12,
	       "numbers past int64 are clamped, fractions dropped");
	kk_wire_args_clear(KK_OP_ReadEvents, &e);
	TAP_INT_EQ(kk_wire_reply_decode(KK_OP_GetImage, img, &info, &err), 0);
	TAP_OK(info.created_ns == INT64_MAX, "a CreatedAt past 2262 is clamped");
	kk_image_info_clear(&info);
	TAP_INT_EQ(kk_wire_reply_decode(KK_OP_Ping, bare, &p, &err), -1);
	TAP_INT_EQ(err.code, 5);
	TAP_STR_EQ(err.msg, "kukeond: an error without a message");
}

int main(void)
{
	go_requests_decode_to_the_addressed_object();
	our_requests_have_upstreams_shapes();
	go_replies_decode();
	list_rows_match_the_whole_decode();
	our_errors_name_the_outermost_sentinel();
	delete_replies_have_upstreams_keys();
	delete_realm_reply_golden();
	go_delete_replies_decode();
	every_request_round_trips();
	stats_events_status_replies_round_trip();
	server_answers_as_go_does();
	framing_and_base64();
	numbers_and_errors_from_a_peer_are_defined();
	return tap_done();
}
