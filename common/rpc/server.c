/* common/rpc/server.c - see server.h. */
#include "common/rpc/server.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cjson/cJSON.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/mem.h"
#include "common/rpc/cache.h"
#include "common/rpc/wire.h"
#include "common/store/readset.h"
#include "common/store/store.h"
#include "common/controller/local.h"

/* {"id":<id as sent>,"result":<result>,"error":<error>} and a newline, as Go writes it. */
static char *reply_line(const cJSON *id, cJSON *result, const char *error)
{
	cleanup_(kk_json_freep) cJSON *o = cJSON_CreateObject();
	char *s;
	size_t n;

	cJSON_AddItemToObject(o, "id", id ? cJSON_Duplicate(id, true) : cJSON_CreateNull());
	cJSON_AddItemToObject(o, "result", result ? result : cJSON_CreateNull());
	if (error)
		cJSON_AddStringToObject(o, "error", error);
	else
		cJSON_AddNullToObject(o, "error");
	s = kk_json_print(o, KK_JSON_NEWLINE);
	n = strlen(s);
	if (n == 0 || s[n - 1] != '\n') {
		s = kk_xrealloc(s, n + 2);
		strcpy(s + n, "\n");
	}
	return s;
}

/* The same line as reply_line for a success, around a result already printed: how a cached
 * reply is sent. */
static char *result_line(const cJSON *id, const char *result)
{
	cleanup_free char *id_text = id ? kk_json_print(id, 0) : kk_xstrdup("null");

	return kk_xasprintf("{\"id\":%s,\"result\":%s,\"error\":null}\n", id_text, result);
}

/* Go's transport errors: a fixed text, then what was sent. */
static char *transport_error(const cJSON *id, const char *text, const char *arg)
{
	cleanup_free char *msg = kk_xasprintf("%s%s", text, arg);

	return reply_line(id, NULL, msg);
}

/* Decode, run, encode. Returns -1 when the arguments could not be read (err: the transport
 * error), else 0 with *result set and *app_rc the operation's own outcome. */
static int call(struct kk_local *l, enum kk_op_id op, const cJSON *params,
		struct kk_wire_fds *fds, cJSON **result, int *app_rc, struct kk_err *err)
{
	cleanup_free void *args = kk_xcalloc(1, kk_ops[op].args_size);
	cleanup_free void *reply = kk_xcalloc(1, kk_ops[op].reply_size);
	struct kk_err app = { 0 };
	int rc;

	rc = kk_wire_args_decode(op, params, args, fds, err);
	if (rc == -1) {
		kk_wire_args_clear(op, args);
		return -1;
	}
	if (rc == -2) /* the handler's own conversion failed: an application error */
		app = *err;
	else
		rc = kk_ops[op].call(l, args, reply, &app);
	*result = kk_wire_reply_encode(op, reply, rc, &app);
	if (rc == 0)
		kk_ops[op].reply_clear(reply);
	kk_wire_args_clear(op, args);
	*app_rc = rc;
	return 0;
}

/* A call whose reply may come from, or go to, the cache (cache.h). Returns -1 when it cannot
 * use the cache at all (the caller then runs the call plainly), else 0 with *reply set. */
static int call_cached(struct kk_rpc_cache *cache, struct kk_local *l, enum kk_op_id op,
		       const char *method, const cJSON *id, const cJSON *params, char **reply)
{
	cleanup_free char *params_text = kk_json_print(params, 0);
	cleanup_free char *key = kk_xasprintf("%s\n%s", method, params_text);
	cleanup_free char *text = NULL;
	cleanup_(kk_json_freep) cJSON *result = NULL;
	struct kk_store_readset *rs;
	struct kk_err e = { 0 };
	uint64_t g0, g1;
	int app_rc = -1;

	if (kk_store_generation(l->store, &g0, &e) < 0) {
		kk_log_ignored(l->log, &e, "reply cache: not used");
		return -1;
	}
	text = kk_rpc_cache_get(cache, key, g0);
	if (text) {
		*reply = result_line(id, text);
		return 0;
	}
	rs = kk_store_readset_new();
	kk_store_record(l->store, rs);
	if (call(l, op, params, NULL, &result, &app_rc, &e) < 0) {
		kk_store_record(l->store, NULL);
		kk_store_readset_free(rs);
		*reply = reply_line(id, NULL, e.msg);
		return 0;
	}
	kk_store_record(l->store, NULL);
	text = kk_json_print(result, 0);
	/* a write during the call may or may not be in it: such a reply is not kept */
	if (app_rc == 0 && kk_store_generation(l->store, &g1, &e) == 0 && g1 == g0)
		kk_rpc_cache_put(cache, key, g0, text, rs);
	else
		kk_store_readset_free(rs);
	*reply = result_line(id, text);
	return 0;
}

int kk_rpc_serve_message(struct kk_rpc_cache *cache, struct kk_local *l, const char *msg,
			 size_t len, struct kk_wire_fds *fds, char **reply, char **method_out,
			 struct kk_err *err)
{
	cleanup_(kk_json_freep) cJSON *req = NULL;
	const cJSON *id, *method, *params;
	const char *dot, *name;
	cJSON *result = NULL;
	struct kk_err perr = { 0 };
	enum kk_op_id op;
	size_t svc_len;

	*reply = NULL;
	if (method_out)
		*method_out = NULL;
	if (kk_json_parse(msg, len, "request", &req, err) < 0)
		return -1;
	if (!cJSON_IsObject(req))
		return kk_err_set(err, EPROTO,
				  "json: cannot unmarshal %s into Go value of type "
				  "jsonrpc.serverRequest",
				  cJSON_IsArray(req) ? "array" : "value");
	id = cJSON_GetObjectItem(req, "id");
	method = cJSON_GetObjectItem(req, "method");
	params = cJSON_GetObjectItem(req, "params");
	name = cJSON_IsString(method) ? method->valuestring : "";
	if (method_out)
		*method_out = kk_xstrdup(name);
	dot = strrchr(name, '.');
	if (!dot) {
		*reply = transport_error(id, "rpc: service/method request ill-formed: ", name);
		return 0;
	}
	svc_len = (size_t)(dot - name);
	if (svc_len != strlen(KK_RPC_SERVICE) || strncmp(name, KK_RPC_SERVICE, svc_len) != 0) {
		*reply = transport_error(id, "rpc: can't find service ", name);
		return 0;
	}
	op = kk_op_find(dot + 1);
	if (op == KK_OP_COUNT) {
		*reply = transport_error(id, "rpc: can't find method ", name);
		return 0;
	}
	if (!params || cJSON_IsNull(params)) {
		*reply = reply_line(id, NULL, "jsonrpc: request body missing params");
		return 0;
	}
	if (!cJSON_IsArray(params)) {
		*reply = transport_error(id, "json: cannot unmarshal ",
					 cJSON_IsObject(params)
						 ? "object into Go value of type [1]interface {}"
						 : "value into Go value of type [1]interface {}");
		return 0;
	}
	{
		/* an empty array leaves the arguments at their zero value, as Go's */
		cleanup_(kk_json_freep) cJSON *empty = cJSON_CreateObject();
		const cJSON *p0 = cJSON_GetArrayItem(params, 0);
		int app_rc;

		if (!p0 || cJSON_IsNull(p0))
			p0 = empty;
		if (cache && kk_rpc_cache_op(op) &&
		    call_cached(cache, l, op, name, id, p0, reply) == 0)
			return 0;
		if (call(l, op, p0, fds, &result, &app_rc, &perr) < 0) {
			*reply = reply_line(id, NULL, perr.msg);
			return 0;
		}
	}
	*reply = reply_line(id, result, NULL);
	return 0;
}
