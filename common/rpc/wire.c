/* common/rpc/wire.c - see wire.h. Requests by style (KK_WA_*), replies by field tables:
 * one table per reply shape, read in both directions, so encoder and decoder cannot drift. */
#include "common/rpc/wire.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cjson/cJSON.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/mem.h"
#include "common/strv.h"

/* ---- documents of any kind ---- */

cJSON *kk_wire_doc_encode(enum kk_kind kind, const void *p)
{
	struct kk_doc d = { .kind = kind, .u.any = (void *)p };
	struct kk_realm r = { 0 };
	struct kk_space sp = { 0 };
	struct kk_stack st = { 0 };
	struct kk_cell c = { 0 };
	struct kk_container co = { 0 };

	if (!p) /* upstream's replies carry a zero document where there is none */
		switch (kind) {
		case KK_KIND_REALM:
			d.u.realm = &r;
			break;
		case KK_KIND_SPACE:
			d.u.space = &sp;
			break;
		case KK_KIND_STACK:
			d.u.stack = &st;
			break;
		case KK_KIND_CELL:
			d.u.cell = &c;
			break;
		default:
			d.u.container = &co;
			break;
		}
	return kk_doc_encode(&d, KK_ENC_JSON);
}

int kk_wire_doc_decode(enum kk_kind kind, const cJSON *t, void **out, struct kk_err *err)
{
	struct kk_doc d = { 0 };

	if (kk_doc_decode_body(kind, t, NULL, &d, err) < 0)
		return -1;
	*out = d.u.any;
	return 0;
}

static void doc_free(enum kk_kind kind, void *p)
{
	struct kk_doc d = { .kind = kind, .u.any = p };

	kk_doc_clear(&d);
}

const cJSON *kk_wire_member(const cJSON *o, const char *key)
{
	/* Go matches keys case-insensitively; exact first */
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, key);

	return m ? m : cJSON_GetObjectItem(o, key);
}

static char *str_member(const cJSON *o, const char *key)
{
	const cJSON *m = kk_wire_member(o, key);

	return cJSON_IsString(m) ? kk_xstrdup(m->valuestring) : NULL;
}

static bool bool_member(const cJSON *o, const char *key)
{
	return cJSON_IsTrue(kk_wire_member(o, key));
}

/* ---- requests ---- */

/* A lookup document: the name and the ids of its parents, as upstream's CLI sends it. */
static cJSON *ref_doc(enum kk_kind kind, const struct kk_ref *r)
{
	char *name = (char *)(r->name ? r->name : "");
	char *realm = (char *)(r->realm ? r->realm : "");
	char *space = (char *)(r->space ? r->space : "");
	char *stack = (char *)(r->stack ? r->stack : "");
	char *cell = (char *)(r->cell ? r->cell : "");

	switch (kind) {
	case KK_KIND_REALM: {
		struct kk_realm d = { .api_version = "v1beta1",
				      .kind = "Realm",
				      .meta.name = name };

		return kk_realm_encode(&d, KK_ENC_JSON);
	}
	case KK_KIND_SPACE: {
		struct kk_space d = { .api_version = "v1beta1",
				      .kind = "Space",
				      .meta.name = name };

		d.spec.realm_id = realm;
		return kk_space_encode(&d, KK_ENC_JSON);
	}
	case KK_KIND_STACK: {
		struct kk_stack d = { .api_version = "v1beta1",
				      .kind = "Stack",
				      .meta.name = name };

		d.spec.id = name;
		d.spec.realm_id = realm;
		d.spec.space_id = space;
		return kk_stack_encode(&d, KK_ENC_JSON);
	}
	case KK_KIND_CELL: {
		struct kk_cell d = { .api_version = "v1beta1", .kind = "Cell", .meta.name = name };

		d.spec.id = name;
		d.spec.realm_id = realm;
		d.spec.space_id = space;
		d.spec.stack_id = stack;
		return kk_cell_encode(&d, KK_ENC_JSON);
	}
	default: {
		struct kk_container d = { .api_version = "v1beta1", .kind = "Container" };

		d.meta.name = name;
		d.spec.id = name;
		d.spec.realm_id = realm;
		d.spec.space_id = space;
		d.spec.stack_id = stack;
		d.spec.cell_id = cell;
		return kk_container_encode(&d, KK_ENC_JSON);
	}
	}
}

/* The other way: the fields of a lookup document, as new strings in r. */
static int ref_from_doc(enum kk_kind kind, const cJSON *t, struct kk_ref *r, struct kk_err *err)
{
	const char **dst[] = { &r->name, &r->realm, &r->space, &r->stack, &r->cell };
	struct kk_doc d = { .kind = kind };
	const char *v[KK_SCOPE_MAX];
	size_t n;

	if (kk_wire_doc_decode(kind, t, &d.u.any, err) < 0 || !d.u.any)
		return kk_err_wrap(err, "conversion failed");
	n = kk_doc_scope(&d, v);
	/* upstream falls back to spec.id for a container; the CLI sends both */
	if (kind == KK_KIND_CONTAINER && !(v[0] && *v[0]))
		v[0] = d.u.container->spec.id;
	for (size_t i = 0; i < n; i++)
		*dst[i] = kk_xstrdup(kk_str(v[i]));
	kk_doc_clear(&d);
	return 0;
}

static const char *const list_keys[] = { "RealmName", "SpaceName", "StackName", "CellName" };

/* how many levels a List of kind filters by: ListSpaces 1 ... ListContainers 4 */
static int list_levels(enum kk_kind kind)
{
	return (int)kind - (int)KK_KIND_REALM;
}

static cJSON *add_str(cJSON *o, const char *key, const char *v)
{
	cJSON_AddStringToObject(o, key, v ? v : "");
	return o;
}

/* ExecContainer, ExecWait, ExecResize (kukeon-c): one request shape */
static const char *const exec_keys[] = { "Realm", "Space",  "Stack",  "Cell",  "Container",
					 "Stdin", "Stdout", "Stderr", "ExecID" };

static const char **exec_strs(struct kk_exec_req *a, size_t i)
{
	const char **v[] = { &a->realm,       &a->space,       &a->stack,
			     &a->cell,        &a->container,   &a->stdin_path,
			     &a->stdout_path, &a->stderr_path, &a->exec_id };

	return v[i];
}

static void exec_encode(cJSON *o, const struct kk_exec_req *a)
{
	for (size_t i = 0; i < ARRAY_SIZE(exec_keys); i++)
		add_str(o, exec_keys[i], *exec_strs((struct kk_exec_req *)a, i));
	kk_json_add_strv(o, "Args", a->args);
	cJSON_AddBoolToObject(o, "Terminal", a->terminal);
	cJSON_AddNumberToObject(o, "Width", (double)a->width);
	cJSON_AddNumberToObject(o, "Height", (double)a->height);
}

static int exec_decode(const cJSON *p, struct kk_exec_req *a, struct kk_err *err)
{
	char **args = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(exec_keys); i++)
		*exec_strs(a, i) = str_member(p, exec_keys[i]);
	if (kk_json_strv(kk_wire_member(p, "Args"), &args) < 0) {
		kk_err_set(err, EINVAL, "conversion failed: Args: expected an array of strings");
		return -2;
	}
	a->args = args;
	a->terminal = bool_member(p, "Terminal");
	a->width = kk_json_int64(kk_wire_member(p, "Width"), 0);
	a->height = kk_json_int64(kk_wire_member(p, "Height"), 0);
	return 0;
}

static void exec_clear(struct kk_exec_req *a)
{
	for (size_t i = 0; i < ARRAY_SIZE(exec_keys); i++)
		free((char *)*exec_strs(a, i));
	kk_strv_free((char **)a->args);
}

static int read_fd_all(int fd, char **buf, size_t *len, struct kk_err *err)
{
	size_t cap = 1 << 16, n = 0;
	char *b = kk_xmalloc(cap);

	for (;;) {
		ssize_t r;

		if (n == cap) {
			if (cap >= KK_RPC_MESSAGE_MAX / 2) {
				free(b);
				return kk_err_set(err, EFBIG, "tarball is larger than %u bytes",
						  KK_RPC_MESSAGE_MAX / 4 * 3);
			}
			cap *= 2;
			b = kk_xrealloc(b, cap);
		}
		r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(b);
			return kk_err_sys(err, "read tarball");
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*buf = b;
	*len = n;
	return 0;
}

void kk_wire_fds_close(struct kk_wire_fds *f)
{
	for (size_t i = 0; i < f->n; i++)
		close(f->v[i]);
	f->n = 0;
}

cJSON *kk_wire_args_encode(enum kk_op_id op, const void *args, int *pass_fd, struct kk_err *err)
{
	const struct kk_wire_args *wa = &kk_wire_ops[op].args;
	cJSON *o = cJSON_CreateObject();

	switch (wa->style) {
	case KK_WA_NONE_:
		break;
	case KK_WA_DOC_:
		cJSON_AddItemToObject(o, "Doc",
				      kk_wire_doc_encode(wa->kind,
							 ((const struct kk_doc *)args)->u.any));
		break;
	case KK_WA_REF_:
	case KK_WA_REF_FC_: {
		const struct kk_ref *r = args;

		cJSON_AddItemToObject(o, "Doc", ref_doc(wa->kind, r));
		if (wa->style == KK_WA_REF_FC_) {
			cJSON_AddBoolToObject(o, "Force", r->force);
			cJSON_AddBoolToObject(o, "Cascade", r->cascade);
		}
		break;
	}
	case KK_WA_LIST_: {
		const struct kk_ref *r = args;
		const char *v[] = { r->realm, r->space, r->stack, r->cell };

		for (int i = 0; i < list_levels(wa->kind); i++)
			add_str(o, list_keys[i], v[i]);
		break;
	}
	case KK_WA_APPLY_: {
		const struct kk_apply_args *a = args;
		char *b64 = kk_base64_encode(a->yaml, a->len);

		cJSON_AddStringToObject(o, "RawYAML", b64);
		free(b64);
		if (a->source)
			cJSON_AddStringToObject(o, "Source", a->source); /* kukeon-c */
		if (a->realm && *a->realm) /* kukeon-c: where Kubernetes Pods go */
			cJSON_AddStringToObject(o, "Realm", a->realm);
		if (a->space && *a->space)
			cJSON_AddStringToObject(o, "Space", a->space);
		if (a->stack && *a->stack)
			cJSON_AddStringToObject(o, "Stack", a->stack);
		break;
	}
	case KK_WA_IMAGE_LOAD_: {
		const struct kk_image_load_req *a = args;
		cleanup_free char *buf = NULL;
		char *b64;
		size_t len = 0;

		add_str(o, "Realm", a->realm);
		if (pass_fd) {
			/* the daemon reads the tarball from our descriptor: nothing held here */
			*pass_fd = a->fd;
			cJSON_AddNumberToObject(o, "TarballFD", 0); /* kukeon-c */
		} else {
			if (read_fd_all(a->fd, &buf, &len, err) < 0) {
				cJSON_Delete(o);
				return NULL;
			}
			b64 = kk_base64_encode(buf, len);
			cJSON_AddStringToObject(o, "Tarball", b64);
			free(b64);
		}
		if (a->platform)
			cJSON_AddStringToObject(o, "Platform", a->platform); /* kukeon-c */
		if (a->source)
			cJSON_AddStringToObject(o, "Source", a->source); /* kukeon-c */
		break;
	}
	case KK_WA_IMAGE_:
	case KK_WA_IMAGE_REF_: {
		const struct kk_image_req *a = args;

		add_str(o, "Realm", a->realm);
		if (wa->style == KK_WA_IMAGE_REF_)
			add_str(o, "Ref", a->ref);
		break;
	}
	case KK_WA_EVENTS_: {
		const struct kk_events_args *a = args;

		cJSON_AddNumberToObject(o, "SinceNs", (double)a->since_ns);
		cJSON_AddNumberToObject(o, "Cursor", (double)a->cursor);
		cJSON_AddNumberToObject(o, "Inode", (double)a->inode);
		add_str(o, "Realm", a->realm);
		break;
	}
	case KK_WA_IMAGE_PULL_: {
		const struct kk_image_pull_req *a = args;

		add_str(o, "Realm", a->realm);
		add_str(o, "Ref", a->ref);
		if (a->platform)
			add_str(o, "Platform", a->platform);
		break;
	}
	case KK_WA_EXEC_:
		exec_encode(o, args);
		break;
	}
	return o;
}

int kk_wire_args_decode(enum kk_op_id op, const cJSON *p, void *args, struct kk_wire_fds *fds,
			struct kk_err *err)
{
	const struct kk_wire_args *wa = &kk_wire_ops[op].args;

	if (!cJSON_IsObject(p))
		return kk_err_set(err, EINVAL,
				  "json: cannot unmarshal %s into Go value of type kukeonv1.%sArgs",
				  cJSON_IsArray(p) ? "array" : "non-object", kk_ops[op].method);
	switch (wa->style) {
	case KK_WA_NONE_:
		return 0;
	case KK_WA_DOC_: {
		struct kk_doc *d = args;
		const cJSON *t = kk_wire_member(p, "Doc");

		d->kind = wa->kind;
		if (!cJSON_IsObject(t))
			t = NULL;
		if (t) {
			const char *v = cJSON_GetStringValue(kk_wire_member(t, "apiVersion"));

			if (v && *v && strcmp(v, "v1beta1") != 0) {
				kk_err_set(err, EINVAL,
					   "conversion failed: unsupported apiVersion for %s: %s",
					   kk_kind_name(wa->kind), v);
				return -2;
			}
		}
		{
			cleanup_(kk_json_freep) cJSON *empty = t ? NULL : cJSON_CreateObject();

			if (kk_wire_doc_decode(wa->kind, t ? t : empty, &d->u.any, err) < 0) {
				kk_err_wrap(err, "conversion failed");
				return -2;
			}
		}
		return 0;
	}
	case KK_WA_REF_:
	case KK_WA_REF_FC_: {
		struct kk_ref *r = args;
		const cJSON *t = kk_wire_member(p, "Doc");
		cleanup_(kk_json_freep) cJSON *empty =
			cJSON_IsObject(t) ? NULL : cJSON_CreateObject();

		if (ref_from_doc(wa->kind, empty ? empty : t, r, err) < 0)
			return -2;
		r->force = bool_member(p, "Force");
		r->cascade = bool_member(p, "Cascade");
		return 0;
	}
	case KK_WA_LIST_: {
		struct kk_ref *r = args;
		const char **v[] = { &r->realm, &r->space, &r->stack, &r->cell };

		for (int i = 0; i < list_levels(wa->kind); i++)
			*v[i] = str_member(p, list_keys[i]);
		return 0;
	}
	case KK_WA_APPLY_: {
		struct kk_apply_args *a = args;
		const cJSON *y = kk_wire_member(p, "RawYAML");
		unsigned char *buf = NULL;
		size_t len = 0;

		if (cJSON_IsString(y) && kk_base64_decode(y->valuestring, &buf, &len, err) < 0)
			return -1;
		a->yaml = (const char *)buf;
		a->len = len;
		a->source = str_member(p, "Source");
		a->realm = str_member(p, "Realm");
		a->space = str_member(p, "Space");
		a->stack = str_member(p, "Stack");
		return 0;
	}
	case KK_WA_IMAGE_LOAD_: {
		struct kk_image_load_req *a = args;
		const cJSON *y = kk_wire_member(p, "Tarball");
		cleanup_free unsigned char *buf = NULL;
		size_t len = 0;
		int fd;

		a->fd = -1;
		a->realm = str_member(p, "Realm");
		a->platform = str_member(p, "Platform");
		a->source = str_member(p, "Source");
		if (!a->source)
			a->source = kk_xstrdup("tarball");
		if (kk_wire_member(p, "TarballFD")) {
			if (!fds || fds->n == 0) {
				kk_err_set(err, EINVAL,
					   "conversion failed: TarballFD without a descriptor (it "
					   "passes over a unix socket only)");
				return -2;
			}
			a->fd = fds->v[0];
			memmove(fds->v, fds->v + 1, --fds->n * sizeof(fds->v[0]));
			return 0;
		}
		if (cJSON_IsString(y) && kk_base64_decode(y->valuestring, &buf, &len, err) < 0)
			return -1;
		/* the controller reads the tarball from a descriptor */
		fd = memfd_create("kukeon-tarball", MFD_CLOEXEC);
		if (fd < 0)
			return kk_err_sys(err, "memfd_create");
		if (kk_write_all(fd, buf, len) < 0) {
			kk_err_sys(err, "stage tarball");
			close(fd);
			return -1;
		}
		lseek(fd, 0, SEEK_SET);
		a->fd = fd;
		return 0;
	}
	case KK_WA_IMAGE_:
	case KK_WA_IMAGE_REF_: {
		struct kk_image_req *a = args;

		a->realm = str_member(p, "Realm");
		a->ref = str_member(p, "Ref");
		return 0;
	}
	case KK_WA_EVENTS_: {
		struct kk_events_args *a = args;
		const cJSON *since = kk_wire_member(p, "SinceNs"),
			    *cur = kk_wire_member(p, "Cursor"), *ino = kk_wire_member(p, "Inode");

		a->since_ns = kk_json_int64(since, 0);
		a->cursor = kk_json_int64(cur, -1);
		a->inode = kk_json_int64(ino, 0);
		a->realm = str_member(p, "Realm");
		return 0;
	}
	case KK_WA_IMAGE_PULL_: {
		struct kk_image_pull_req *a = args;

		a->realm = str_member(p, "Realm");
		a->ref = str_member(p, "Ref");
		a->platform = str_member(p, "Platform");
		return 0;
	}
	case KK_WA_EXEC_:
		return exec_decode(p, args, err);
	}
	return 0;
}

void kk_wire_args_clear(enum kk_op_id op, void *args)
{
	const struct kk_wire_args *wa = &kk_wire_ops[op].args;

	/* what the decoder allocated: the const members are ours here */
	switch (wa->style) {
	case KK_WA_NONE_:
		break;
	case KK_WA_DOC_:
		doc_free(wa->kind, ((struct kk_doc *)args)->u.any);
		break;
	case KK_WA_REF_:
	case KK_WA_REF_FC_:
	case KK_WA_LIST_: {
		struct kk_ref *r = args;

		free((char *)r->realm);
		free((char *)r->space);
		free((char *)r->stack);
		free((char *)r->cell);
		free((char *)r->name);
		break;
	}
	case KK_WA_APPLY_: {
		struct kk_apply_args *a = args;

		free((char *)a->yaml);
		free((char *)a->source);
		free((char *)a->realm);
		free((char *)a->space);
		free((char *)a->stack);
		break;
	}
	case KK_WA_IMAGE_LOAD_: {
		struct kk_image_load_req *a = args;

		if (a->fd >= 0)
			close(a->fd);
		free((char *)a->realm);
		free((char *)a->platform);
		free((char *)a->source);
		break;
	}
	case KK_WA_IMAGE_:
	case KK_WA_IMAGE_REF_: {
		struct kk_image_req *a = args;

		free((char *)a->realm);
		free((char *)a->ref);
		break;
	}
	case KK_WA_IMAGE_PULL_: {
		struct kk_image_pull_req *a = args;

		free((char *)a->realm);
		free((char *)a->ref);
		free((char *)a->platform);
		break;
	}
	case KK_WA_EVENTS_:
		free((char *)((struct kk_events_args *)args)->realm);
		break;
	case KK_WA_EXEC_:
		exec_clear(args);
		break;
	}
	memset(args, 0, kk_ops[op].args_size);
}

cJSON *kk_wire_request(enum kk_op_id op, cJSON *params, unsigned long id)
{
	cJSON *o = cJSON_CreateObject();
	char method[64];

	snprintf(method, sizeof(method), "%s.%s", KK_RPC_SERVICE, kk_ops[op].method);
	cJSON_AddStringToObject(o, "method", method);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(o, "params"), params);
	cJSON_AddNumberToObject(o, "id", (double)id);
	return o;
}

/* ---- replies ---- */

static cJSON *err_encode(const struct kk_err *err)
{
	static const struct {
		const char *kind, *sentinel;
	} kinds[] = {
		{ "CellNotFound", "cell not found" },
		{ "RealmNotFound", "realm not found" },
		{ "SpaceNotFound", "space not found" },
		{ "StackNotFound", "stack not found" },
		{ "ContainerNotFound", "container not found" },
		{ "NetworkNotFound", "network not found" },
		{ "ResourceHasDependencies", "resource has child resources" },
		{ "ContainerExists", "container already exists" },
		{ "ConversionFailed", "conversion failed" },
		{ "ImageNotFound", "image not found" },
		{ "AttachNotSupported",
		  "container is not attachable; recreate with attachable=true" },
	};
	cJSON *o = cJSON_CreateObject();
	const char *kind = "Unknown";

	/* the outermost sentinel in the message names the kind, deterministically */
	for (size_t i = 0, best = SIZE_MAX; i < ARRAY_SIZE(kinds); i++) {
		const char *at = strstr(err->msg, kinds[i].sentinel);

		if (at && (size_t)(at - err->msg) < best) {
			best = (size_t)(at - err->msg);
			kind = kinds[i].kind;
		}
	}
	cJSON_AddStringToObject(o, "Kind", kind);
	cJSON_AddStringToObject(o, "Message", err->msg);
	cJSON_AddNumberToObject(o, "Code", err->code); /* kukeon-c: the errno */
	return o;
}

static int err_decode(const cJSON *e, struct kk_err *err)
{
	const cJSON *kind = kk_wire_member(e, "Kind"), *msg = kk_wire_member(e, "Message"),
		    *code = kk_wire_member(e, "Code");
	const char *k = cJSON_IsString(kind) ? kind->valuestring : "";
	int c = EIO;

	if (cJSON_IsNumber(code) && code->valuedouble > 0 && code->valuedouble <= KK_EUSAGE)
		c = (int)code->valuedouble;
	else if (strstr(k, "NotFound"))
		c = ENOENT;
	else if (strstr(k, "Required") || !strcmp(k, "ConversionFailed"))
		c = EINVAL;
	else if (!strcmp(k, "ResourceHasDependencies"))
		c = EBUSY;
	else if (!strcmp(k, "ContainerExists"))
		c = EEXIST;
	if (cJSON_IsString(msg) && *msg->valuestring)
		return kk_err_set(err, c, "%s", msg->valuestring);
	return kk_err_set(err, c, "kukeond: %s error without a message", *k ? k : "an");
}

cJSON *kk_wire_reply_encode(enum kk_op_id op, const void *reply, int rc, const struct kk_err *err)
{
	const struct kk_wire_reply *wr = kk_wire_ops[op].reply;
	cJSON *o = wr->encode(wr, reply);

	if (rc < 0)
		cJSON_AddItemToObject(o, "Err", err_encode(err));
	else
		cJSON_AddNullToObject(o, "Err");
	return o;
}

int kk_wire_reply_decode(enum kk_op_id op, const cJSON *result, void *reply, struct kk_err *err)
{
	const struct kk_wire_reply *wr = kk_wire_ops[op].reply;
	const cJSON *e;

	if (!cJSON_IsObject(result))
		return kk_err_set(err, EPROTO, "kukeond: %s: the reply is not an object",
				  kk_ops[op].method);
	e = kk_wire_member(result, "Err");
	if (cJSON_IsObject(e))
		return err_decode(e, err);
	if (wr->decode(wr, result, reply, err) < 0) {
		kk_ops[op].reply_clear(reply);
		return kk_err_wrap(err, "kukeond: %s: bad reply", kk_ops[op].method);
	}
	return 0;
}

/* ---- framing ---- */

long kk_wire_scan_more(struct kk_wire_scanner *s, const char *buf, size_t len)
{
	size_t i = s->pos;

	if (!s->started) {
		while (i < len &&
		       (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n' || buf[i] == '\r'))
			i++;
		s->pos = i;
		if (i == len)
			return 0;
		if (buf[i] != '{' && buf[i] != '[')
			return -1;
		s->started = true;
	}
	for (; i < len; i++) {
		char c = buf[i];

		if (s->in_str) {
			if (s->esc)
				s->esc = false;
			else if (c == '\\')
				s->esc = true;
			else if (c == '"')
				s->in_str = false;
			continue;
		}
		if (c == '"') {
			s->in_str = true;
		} else if (c == '{' || c == '[') {
			s->depth++;
		} else if (c == '}' || c == ']') {
			if (--s->depth == 0) {
				*s = (struct kk_wire_scanner){ 0 };
				return (long)(i + 1);
			}
		}
	}
	s->pos = i;
	return 0;
}

long kk_wire_scan(const char *buf, size_t len)
{
	struct kk_wire_scanner s = { 0 };

	return kk_wire_scan_more(&s, buf, len);
}

/* ---- base64 ---- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *kk_base64_encode(const void *data, size_t len)
{
	const unsigned char *p = data;
	char *out = kk_xmalloc(4 * ((len + 2) / 3) + 1), *o = out;
	size_t i = 0;

	for (; i + 2 < len; i += 3) {
		*o++ = b64[p[i] >> 2];
		*o++ = b64[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
		*o++ = b64[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)];
		*o++ = b64[p[i + 2] & 63];
	}
	if (i < len) {
		*o++ = b64[p[i] >> 2];
		if (i + 1 < len) {
			*o++ = b64[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
			*o++ = b64[(p[i + 1] & 15) << 2];
		} else {
			*o++ = b64[(p[i] & 3) << 4];
			*o++ = '=';
		}
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

int kk_base64_decode(const char *s, unsigned char **out, size_t *len, struct kk_err *err)
{
	size_t n = strlen(s), k = 0;
	unsigned char *buf;
	unsigned int acc = 0;
	int bits = 0;

	if (n % 4)
		return kk_err_set(err, EINVAL, "illegal base64 data at input byte %zu", n);
	buf = kk_xmalloc(n / 4 * 3 + 1);
	for (size_t i = 0; i < n; i++) {
		const char *at;

		if (s[i] == '=') {
			if (i + 2 < n || (i + 1 < n && s[i + 1] != '=')) {
				free(buf);
				return kk_err_set(err, EINVAL,
						  "illegal base64 data at input byte %zu", i);
			}
			break;
		}
		at = strchr(b64, s[i]);
		if (!at || !s[i]) {
			free(buf);
			return kk_err_set(err, EINVAL, "illegal base64 data at input byte %zu", i);
		}
		acc = (acc << 6) | (unsigned int)(at - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[k++] = (unsigned char)(acc >> bits);
		}
	}
	*out = buf;
	*len = k;
	return 0;
}
