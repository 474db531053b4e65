/* tests/fuzz/fuzz_wire.c - libFuzzer target for the kukeonv1 wire (common/rpc): any bytes as
 * one exchange on a connection, a request and then its reply, as the seeds recorded between
 * a real kuke and kukeond hold them.
 *
 * The framing: kk_wire_scan() must find the same end of the first value as the resumable
 * scanner fed the bytes in two pieces. The request: decoded as kukeond does (the envelope,
 * the method's operation, params[0] into the operation's arguments, with a descriptor on
 * hand for TarballFD); arguments that decode must encode, and what they encode must decode
 * and encode the same again. The reply, after the request: decoded as kuke does for that
 * operation (the envelope, then kk_wire_reply_decode), the same fixed point for what
 * decodes, and for a List* operation the row picker (kk_wire_list_rows over json_pick.c)
 * with a table's fields. Every failure must say why. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "common/controller/client.h"
#include "common/json.h"
#include "common/model/model.h"
#include "common/rpc/wire.h"
#include "tests/fuzz/fuzz.h"

static void need_msg(const struct kk_err *err, const char *what)
{
	if (!err->msg[0])
		fuzz_fail(what, "(no message)", "");
}

/* the first value's end as a reader that gets the bytes in two recv()s finds it */
static long scan_split(const char *buf, size_t len, size_t cut)
{
	struct kk_wire_scanner s = { 0 };
	long end = kk_wire_scan_more(&s, buf, cut < len ? cut : len);

	if (end != 0 || cut >= len)
		return end;
	return kk_wire_scan_more(&s, buf, len);
}

static struct kk_wire_fds one_fd(void)
{
	struct kk_wire_fds f = { .n = 1 };

	f.v[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (f.v[0] < 0)
		abort();
	return f;
}

static char *args_text(enum kk_op_id op, const void *args)
{
	struct kk_err err = { 0 };
	int pass_fd = -1;
	cJSON *p = kk_wire_args_encode(op, args, &pass_fd, &err);
	char *s;

	if (!p) {
		need_msg(&err, "arguments that decoded did not encode");
		return NULL;
	}
	s = kk_json_print(p, 0);
	cJSON_Delete(p);
	return s;
}

/* decoded arguments: encode and decode twice (one round to normalise: invalid UTF-8 becomes
 * U+FFFD, as Go's encoder does), then the encoding must stay the same */
static void args_round_trip(enum kk_op_id op, const void *args)
{
	char *text[3] = { args_text(op, args), NULL, NULL };

	for (int i = 1; i < 3 && text[i - 1]; i++) {
		void *again = calloc(1, kk_ops[op].args_size);
		struct kk_wire_fds fds = one_fd();
		struct kk_err err = { 0 };
		cJSON *p = NULL;

		if (kk_json_parse(text[i - 1], strlen(text[i - 1]), "encoded", &p, &err) < 0 ||
		    kk_wire_args_decode(op, p, again, &fds, &err) != 0)
			fuzz_fail("encoded arguments do not decode", text[i - 1], err.msg);
		text[i] = args_text(op, again);
		kk_wire_args_clear(op, again);
		kk_wire_fds_close(&fds);
		cJSON_Delete(p);
		free(again);
	}
	if (text[0] && (!text[2] || strcmp(text[1], text[2]) != 0))
		fuzz_fail("arguments round trip differs", text[1], text[2] ? text[2] : "(none)");
	for (int i = 0; i < 3; i++)
		free(text[i]);
}

/* what kukeond does with one request; the operation it named, or KK_OP_COUNT */
static enum kk_op_id request(const char *msg, size_t len)
{
	cJSON *req = NULL, *empty = cJSON_CreateObject();
	const cJSON *method, *params, *p0;
	const char *dot;
	enum kk_op_id op = KK_OP_COUNT;
	struct kk_wire_fds fds = one_fd();
	struct kk_err err = { 0 };
	void *args = NULL;
	int rc;

	if (kk_json_parse(msg, len, "request", &req, &err) < 0) {
		need_msg(&err, "a request that does not parse");
		goto out;
	}
	method = cJSON_GetObjectItem(req, "method");
	params = cJSON_GetObjectItem(req, "params");
	if (!cJSON_IsObject(req) || !cJSON_IsString(method) || !cJSON_IsArray(params))
		goto out;
	dot = strrchr(method->valuestring, '.');
	if (!dot || (op = kk_op_find(dot + 1)) == KK_OP_COUNT)
		goto out;
	p0 = cJSON_GetArrayItem(params, 0);
	args = calloc(1, kk_ops[op].args_size);
	/* an empty array or a null leaves the arguments at their zero value, as Go's */
	rc = kk_wire_args_decode(op, p0 && !cJSON_IsNull(p0) ? p0 : empty, args, &fds, &err);
	if (rc == 0)
		args_round_trip(op, args);
	else if (rc == -1 || rc == -2)
		need_msg(&err, "arguments that failed to decode");
	else
		fuzz_fail("kk_wire_args_decode returned neither 0, -1 nor -2", "", "");
	kk_wire_args_clear(op, args);
out:
	kk_wire_fds_close(&fds);
	cJSON_Delete(req);
	cJSON_Delete(empty);
	free(args);
	return op;
}

static char *reply_text(enum kk_op_id op, const void *reply)
{
	cJSON *o = kk_wire_reply_encode(op, reply, 0, NULL);
	char *s = kk_json_print(o, 0);

	cJSON_Delete(o);
	return s;
}

/* a decoded reply: the same fixed point as the arguments' */
static void reply_round_trip(enum kk_op_id op, const void *reply)
{
	char *text[3] = { reply_text(op, reply), NULL, NULL };

	for (int i = 1; i < 3; i++) {
		void *again = calloc(1, kk_ops[op].reply_size);
		struct kk_err err = { 0 };
		cJSON *o = NULL;

		if (kk_json_parse(text[i - 1], strlen(text[i - 1]), "encoded", &o, &err) < 0 ||
		    kk_wire_reply_decode(op, o, again, &err) < 0)
			fuzz_fail("an encoded reply does not decode", text[i - 1], err.msg);
		text[i] = reply_text(op, again);
		kk_ops[op].reply_clear(again);
		cJSON_Delete(o);
		free(again);
	}
	if (strcmp(text[1], text[2]) != 0)
		fuzz_fail("reply round trip differs", text[1], text[2]);
	for (int i = 0; i < 3; i++)
		free(text[i]);
}

/* a table's columns, as kuke's get commands ask for them */
static void rows(enum kk_op_id op, const char *msg, size_t len, unsigned long id)
{
	static const struct kk_state_names *const states[] = {
		&kk_realm_states, &kk_space_states,     &kk_stack_states,
		&kk_cell_states,  &kk_container_states,
	};
	struct kk_row_field f[] = {
		{ "metadata.name", NULL },
		{ "spec.realmId", NULL },
		{ "status.state", states[(size_t)op % (sizeof(states) / sizeof(states[0]))] },
		{ "status.cgroupPath", NULL },
		{ "spec.containers", NULL },
	};
	struct kk_rows r = { 0 };

	if (kk_wire_list_rows(op, id, msg, len, f, sizeof(f) / sizeof(f[0]), &r) == 0) {
		for (size_t i = 0; i < r.n * (sizeof(f) / sizeof(f[0])); i++)
			if (r.cells[i] && strlen(r.cells[i]) > len)
				fuzz_fail("a picked string longer than the reply", r.cells[i], "");
	}
	kk_rows_clear(&r);
}

/* what kuke does with the reply to op */
static void reply(enum kk_op_id op, const char *msg, size_t len)
{
	cJSON *resp = NULL;
	const cJSON *id, *e;
	void *rep = calloc(1, kk_ops[op].reply_size);
	struct kk_err err = { 0 };

	if (kk_json_parse(msg, len, "kukeond reply", &resp, &err) < 0) {
		need_msg(&err, "a reply that does not parse");
		goto out;
	}
	id = cJSON_GetObjectItem(resp, "id");
	rows(op, msg, len, (unsigned long)kk_json_int64(id, 0));
	e = cJSON_GetObjectItem(resp, "error");
	if (cJSON_IsString(e))
		goto out;
	if (kk_wire_reply_decode(op, cJSON_GetObjectItem(resp, "result"), rep, &err) < 0) {
		need_msg(&err, "a reply that failed to decode");
		goto out;
	}
	reply_round_trip(op, rep);
	kk_ops[op].reply_clear(rep);
out:
	cJSON_Delete(resp);
	free(rep);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	long end = kk_wire_scan(buf, size);
	enum kk_op_id op;
	long rend;

	if (end != scan_split(buf, size, size / 2) || end != scan_split(buf, size, 1))
		fuzz_fail("the scanner ends differently when fed in pieces", "", "");
	if (end < 0 || (size_t)end > size)
		return 0;
	if (end == 0)
		end = (long)size; /* no complete value: the decoder judges the rest */
	op = request(buf, (size_t)end);
	if (op == KK_OP_COUNT || (size_t)end == size)
		return 0;
	buf += end;
	size -= (size_t)end;
	rend = kk_wire_scan(buf, size);
	reply(op, buf, rend > 0 ? (size_t)rend : size);
	return 0;
}
