/* common/model/kube_import.c - a Kubernetes Pod as a v1beta1 Cell document tree (Pods in
 * `kuke apply -f`); see kube.h. Every Pod field is read by a rule that maps it or refuses it,
 * naming its path. The way there is in kube.c. */
#include "common/model/kube.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/mem.h"

/* The translation of one Pod: the field path being read, for messages. */
struct imp {
	char path[256];
	struct kk_err *err;
};

static size_t enter(struct imp *im, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static size_t enter(struct imp *im, const char *fmt, ...)
{
	size_t old = strlen(im->path);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(im->path + old, sizeof(im->path) - old, fmt, ap);
	va_end(ap);
	return old;
}

static void leave(struct imp *im, size_t old)
{
	im->path[old] = '\0';
}

__attribute__((format(printf, 3, 4))) static int fail(struct imp *im, const char *key,
						      const char *fmt, ...)
{
	char why[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return kk_err_set(im->err, EINVAL, "%s%s%s: %s", im->path, *im->path && key ? "." : "",
			  key ? key : "", why);
}

static bool in(const char *s, const char *const *list)
{
	for (; list && *list; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

/* Every key of obj is in take (read by the caller) or skip (cluster bookkeeping with no
 * effect on one host); the first other one is refused. */
static int only(struct imp *im, const cJSON *obj, const char *const *take, const char *const *skip)
{
	const cJSON *k;

	if (!cJSON_IsObject(obj))
		return fail(im, NULL, "expected a mapping");
	cJSON_ArrayForEach(k, obj)
	{
		if (!in(k->string, take) && !in(k->string, skip))
			return fail(im, k->string, "not supported by kukeon cells");
	}
	return 0;
}

static const cJSON *get(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsNull(v) ? NULL : v;
}

/* A scalar as text (YAML gives numbers and booleans their own types); NULL when absent. */
static int scalar(struct imp *im, const cJSON *obj, const char *key, char **out)
{
	const cJSON *v = get(obj, key);

	*out = NULL;
	if (!v)
		return 0;
	if (cJSON_IsString(v))
		*out = kk_xstrdup(v->valuestring);
	else if (cJSON_IsNumber(v))
		*out = kk_json_print(v, 0);
	else if (cJSON_IsBool(v))
		*out = kk_xstrdup(kk_json_literal(v));
	else
		return fail(im, key, "expected a string");
	return 0;
}

static int flag(struct imp *im, const cJSON *obj, const char *key, bool *out)
{
	const cJSON *v = get(obj, key);

	*out = false;
	if (!v)
		return 0;
	if (!cJSON_IsBool(v))
		return fail(im, key, "expected true or false");
	*out = cJSON_IsTrue(v);
	return 0;
}

static int integer(struct imp *im, const cJSON *obj, const char *key, int64_t lo, int64_t hi,
		   bool *set, int64_t *out)
{
	const cJSON *v = get(obj, key);

	*set = v != NULL;
	if (!v)
		return 0;
	/* the range first: a cast of a value out of int64_t's is undefined */
	if (!cJSON_IsNumber(v) || !(v->valuedouble >= (double)lo && v->valuedouble <= (double)hi) ||
	    v->valuedouble != (double)(int64_t)v->valuedouble)
		return fail(im, key, "expected an integer within [%" PRId64 ", %" PRId64 "]", lo,
			    hi);
	*out = (int64_t)v->valuedouble;
	return 0;
}

static int list(struct imp *im, const cJSON *obj, const char *key, const cJSON **out)
{
	const cJSON *v = get(obj, key);

	*out = v;
	if (v && !cJSON_IsArray(v))
		return fail(im, key, "expected a list");
	return 0;
}

typedef int item_fn(struct imp *im, const cJSON *item, size_t i, cJSON *arr, void *ctx);

/* Read each item of the list obj[key] (absent: none) with fn, under the path ".key[i]"; arr
 * is out[dst] (made when the list is there; out NULL: none). */
static int each(struct imp *im, const cJSON *obj, const char *key, cJSON *out, const char *dst,
		item_fn *fn, void *ctx)
{
	const cJSON *a, *item;
	cJSON *arr = NULL;
	size_t i = 0;

	if (list(im, obj, key, &a) < 0 || !a)
		return 0;
	if (out)
		arr = kk_enc_arr(out, dst);
	cJSON_ArrayForEach(item, a)
	{
		size_t old = enter(im, ".%s[%zu]", key, i);

		if (fn(im, item, i++, arr, ctx) < 0)
			return -1;
		leave(im, old);
	}
	return 0;
}

static int strings(struct imp *im, const cJSON *obj, const char *key, cJSON *dst,
		   const char *dst_key, int skip)
{
	const cJSON *a, *v;
	cJSON *arr;
	int i = 0;

	if (list(im, obj, key, &a) < 0 || !a)
		return 0;
	arr = cJSON_GetObjectItemCaseSensitive(dst, dst_key);
	if (!arr)
		arr = kk_enc_arr(dst, dst_key);
	cJSON_ArrayForEach(v, a)
	{
		if (!cJSON_IsString(v)) {
			char k[64];

			snprintf(k, sizeof(k), "%s[%d]", key, i);
			return fail(im, k, "expected a string");
		}
		if (i++ >= skip)
			cJSON_AddItemToArray(arr, cJSON_CreateString(v->valuestring));
	}
	return 0;
}

/* A Kubernetes quantity: digits, an optional fraction, an optional suffix (Ki Mi Gi Ti Pi Ei,
 * k M G T P E, m); *out in units of 1/scale (scale 1: bytes, 1000: millicores). */
static int quantity(struct imp *im, const cJSON *obj, const char *key, int64_t scale, int64_t *out)
{
	static const struct {
		const char *s;
		double f;
	} sfx[] = { { "Ki", 1024.0 },
		    { "Mi", 1048576.0 },
		    { "Gi", 1073741824.0 },
		    { "Ti", 1099511627776.0 },
		    { "Pi", 1125899906842624.0 },
		    { "Ei", 1152921504606846976.0 },
		    { "k", 1e3 },
		    { "M", 1e6 },
		    { "G", 1e9 },
		    { "T", 1e12 },
		    { "P", 1e15 },
		    { "E", 1e18 },
		    { "m", 1e-3 },
		    { "", 1.0 } };
	cleanup_free char *text = NULL;
	const char *p;
	double v;

	if (scalar(im, obj, key, &text) < 0)
		return -1;
	p = text;
	if (!isdigit((unsigned char)*p) && *p != '.')
		return fail(im, key, "`%s` is not a quantity", text);
	while (isdigit((unsigned char)*p) || *p == '.')
		p++;
	v = strtod(text, NULL);
	for (size_t i = 0; i < ARRAY_SIZE(sfx); i++) {
		double x;

		if (strcmp(p, sfx[i].s) != 0)
			continue;
		x = v * sfx[i].f * (double)scale;
		if (x < 1 || x > 9e18 || x != (double)(int64_t)x)
			return fail(im, key, "`%s` is out of range", text);
		*out = (int64_t)x;
		return 0;
	}
	return fail(im, key, "`%s` is not a quantity", text);
}

struct pod_vol {
	const char *name; /* borrowed from the Pod */
	const char *host; /* hostPath.path, or NULL for an emptyDir */
	int64_t size;
};

struct pod_vols {
	struct pod_vol *v; /* owned */
	size_t n;
};

static int volume_item(struct imp *im, const cJSON *v, size_t i, cJSON *arr, void *ctx)
{
	static const char *const take[] = { "name", "hostPath", "emptyDir", NULL };
	struct pod_vols *vols = ctx;
	const cJSON *name = get(v, "name"), *hp, *ed;
	struct pod_vol *pv = &vols->v[i];
	cleanup_free char *type = NULL, *medium = NULL;

	(void)arr;
	vols->n = i + 1;
	if (only(im, v, take, NULL) < 0)
		return -1;
	if (!cJSON_IsString(name) || !*name->valuestring)
		return fail(im, "name", "required");
	pv->name = name->valuestring;
	hp = get(v, "hostPath");
	ed = get(v, "emptyDir");
	if (!hp == !ed)
		return fail(im, NULL, "want hostPath or emptyDir (the volumes a cell has)");
	if (hp) {
		static const char *const hp_take[] = { "path", "type", NULL };
		const cJSON *path = get(hp, "path");
		size_t old = enter(im, ".hostPath");

		if (only(im, hp, hp_take, NULL) < 0 || scalar(im, hp, "type", &type) < 0)
			return -1;
		if (!cJSON_IsString(path) || path->valuestring[0] != '/')
			return fail(im, "path", "an absolute host path is required");
		if (type && strstr(type, "OrCreate"))
			return fail(im, "type",
				    "%s: kukeon binds existing paths only, create it first", type);
		pv->host = path->valuestring;
		leave(im, old);
	} else {
		static const char *const ed_take[] = { "medium", "sizeLimit", NULL };
		size_t old = enter(im, ".emptyDir");

		if (only(im, ed, ed_take, NULL) < 0 || scalar(im, ed, "medium", &medium) < 0)
			return -1;
		if (medium && *medium && strcmp(medium, "Memory") != 0)
			return fail(im, "medium", "%s: a cell's emptyDir is a tmpfs (Memory)",
				    medium);
		if (get(ed, "sizeLimit") && quantity(im, ed, "sizeLimit", 1, &pv->size) < 0)
			return -1;
		leave(im, old);
	}
	for (size_t j = 0; j < i; j++)
		if (strcmp(vols->v[j].name, pv->name) == 0)
			return fail(im, "name", "`%s` is already a volume", pv->name);
	return 0;
}

static void pod_vols_clear(struct pod_vols *vols)
{
	free(vols->v);
}

static int read_volumes(struct imp *im, const cJSON *spec, struct pod_vols *vols)
{
	const cJSON *a = get(spec, "volumes");

	vols->v = kk_xcalloc((size_t)cJSON_GetArraySize(a) + 1, sizeof(*vols->v));
	return each(im, spec, "volumes", NULL, NULL, volume_item, vols);
}

static int mount_item(struct imp *im, const cJSON *m, size_t i, cJSON *arr, void *ctx)
{
	static const char *const take[] = { "name", "mountPath", "readOnly", NULL };
	const struct pod_vols *vols = ctx;
	const cJSON *name = get(m, "name"), *path = get(m, "mountPath");
	const struct pod_vol *pv = NULL;
	cJSON *v;
	bool ro;

	(void)i;
	if (only(im, m, take, NULL) < 0 || flag(im, m, "readOnly", &ro) < 0)
		return -1;
	if (!cJSON_IsString(name))
		return fail(im, "name", "required");
	for (size_t j = 0; j < vols->n && !pv; j++)
		if (strcmp(vols->v[j].name, name->valuestring) == 0)
			pv = &vols->v[j];
	if (!pv)
		return fail(im, "name", "no volume `%s` in spec.volumes", name->valuestring);
	if (!cJSON_IsString(path) || path->valuestring[0] != '/')
		return fail(im, "mountPath", "an absolute path is required");
	v = cJSON_CreateObject();
	cJSON_AddStringToObject(v, "kind", pv->host ? "bind" : "tmpfs");
	if (pv->host)
		cJSON_AddStringToObject(v, "source", pv->host);
	cJSON_AddStringToObject(v, "target", path->valuestring);
	if (ro)
		cJSON_AddTrueToObject(v, "readOnly");
	if (pv->size)
		cJSON_AddNumberToObject(v, "sizeBytes", (double)pv->size);
	cJSON_AddItemToArray(arr, v);
	return 0;
}

static int env_item(struct imp *im, const cJSON *e, size_t i, cJSON *arr, void *ctx)
{
	static const char *const take[] = { "name", "value", NULL };
	const cJSON *name = get(e, "name");
	cleanup_free char *value = NULL, *kv = NULL;

	(void)i, (void)ctx;
	if (only(im, e, take, NULL) < 0 || scalar(im, e, "value", &value) < 0)
		return -1;
	if (!cJSON_IsString(name) || !*name->valuestring)
		return fail(im, "name", "required");
	kv = kk_xasprintf("%s=%s", name->valuestring, kk_str(value));
	cJSON_AddItemToArray(arr, cJSON_CreateString(kv));
	return 0;
}

static int port_item(struct imp *im, const cJSON *p, size_t i, cJSON *arr, void *ctx)
{
	static const char *const take[] = { "containerPort", "hostPort", "protocol", NULL };
	static const char *const skip[] = { "name", NULL };
	cleanup_free char *proto = NULL, *s = NULL;
	int64_t cport = 0, hport = 0;
	bool cset, hset;
	const char *udp;

	(void)i, (void)ctx;
	if (only(im, p, take, skip) < 0 ||
	    integer(im, p, "containerPort", 1, 65535, &cset, &cport) < 0 ||
	    integer(im, p, "hostPort", 1, 65535, &hset, &hport) < 0 ||
	    scalar(im, p, "protocol", &proto) < 0)
		return -1;
	if (!cset)
		return fail(im, "containerPort", "required");
	if (proto && strcmp(proto, "TCP") != 0 && strcmp(proto, "UDP") != 0)
		return fail(im, "protocol", "%s: a cell publishes TCP or UDP", proto);
	/* without hostPort a Pod's port is informational: nothing to publish */
	if (!hset)
		return 0;
	udp = kk_str_is(proto, "UDP") ? "/udp" : "";
	s = hport == cport ? kk_xasprintf("%" PRId64 "%s", cport, udp)
			   : kk_xasprintf("%" PRId64 ":%" PRId64 "%s", hport, cport, udp);
	cJSON_AddItemToArray(arr, cJSON_CreateString(s));
	return 0;
}

/* securityContext of a container (pod: the Pod's, where only the ids are taken); *uid and
 * *gid start from the Pod's. */
static int read_security(struct imp *im, const cJSON *sc, bool pod, int64_t *uid, bool *has_uid,
			 int64_t *gid, bool *has_gid, cJSON *out)
{
	static const char *const take_pod[] = { "runAsUser", "runAsGroup", NULL };
	static const char *const take[] = { "runAsUser",      "runAsGroup",
					    "privileged",     "readOnlyRootFilesystem",
					    "capabilities",   "allowPrivilegeEscalation",
					    "seccompProfile", NULL };
	size_t old;
	int64_t v = 0;
	bool set, b;

	if (!sc)
		return 0;
	old = enter(im, ".securityContext");
	if (only(im, sc, pod ? take_pod : take, NULL) < 0 ||
	    integer(im, sc, "runAsUser", 0, UINT32_MAX, &set, &v) < 0)
		return -1;
	if (set)
		*uid = v, *has_uid = true;
	if (integer(im, sc, "runAsGroup", 0, UINT32_MAX, &set, &v) < 0)
		return -1;
	if (set)
		*gid = v, *has_gid = true;
	if (!pod) {
		static const char *const cap_take[] = { "add", "drop", NULL };
		const cJSON *caps = get(sc, "capabilities"), *sp = get(sc, "seccompProfile");

		if (flag(im, sc, "privileged", &b) < 0)
			return -1;
		if (b)
			cJSON_AddTrueToObject(out, "privileged");
		if (flag(im, sc, "readOnlyRootFilesystem", &b) < 0)
			return -1;
		if (b)
			cJSON_AddTrueToObject(out, "readOnlyRootFilesystem");
		if (caps) {
			size_t o2 = enter(im, ".capabilities");
			cJSON *co = kk_enc_obj(out, "capabilities");

			if (only(im, caps, cap_take, NULL) < 0 ||
			    strings(im, caps, "drop", co, "drop", 0) < 0 ||
			    strings(im, caps, "add", co, "add", 0) < 0)
				return -1;
			leave(im, o2);
		}
		if (get(sc, "allowPrivilegeEscalation")) {
			if (flag(im, sc, "allowPrivilegeEscalation", &b) < 0)
				return -1;
			if (!b)
				cJSON_AddItemToArray(kk_enc_arr(out, "securityOpts"),
						     cJSON_CreateString("no-new-privileges"));
		}
		if (sp) {
			static const char *const sp_take[] = { "type", NULL };
			size_t o2 = enter(im, ".seccompProfile");
			cleanup_free char *type = NULL;

			if (only(im, sp, sp_take, NULL) < 0 || scalar(im, sp, "type", &type) < 0)
				return -1;
			if (kk_str_is(type, "Unconfined")) {
				cJSON *so = cJSON_GetObjectItemCaseSensitive(out, "securityOpts");

				cJSON_AddItemToArray(so ? so : kk_enc_arr(out, "securityOpts"),
						     cJSON_CreateString("seccomp=unconfined"));
			} else if (!kk_str_is(type, "RuntimeDefault")) {
				return fail(im, "type",
					    "%s: a cell takes RuntimeDefault or Unconfined",
					    kk_str(type));
			}
			leave(im, o2);
		}
	}
	leave(im, old);
	return 0;
}

/* One section of a container's resources (limits or requests): the quantity a cell takes from
 * it (scaled), refused with why for the one it has no use for. 1 with *v set, 0 when the
 * section does not give it, -1 on a refusal. */
static int resource_section(struct imp *im, const cJSON *r, const char *section, const char *takes,
			    int64_t scale, const char *refused, const char *why, int64_t *v)
{
	const cJSON *sec = get(r, section);
	const char *const take[] = { takes, NULL };
	size_t old;

	if (!sec)
		return 0;
	old = enter(im, ".%s", section);
	if (get(sec, refused))
		return fail(im, refused, "%s", why);
	if (only(im, sec, take, NULL) < 0)
		return -1;
	if (get(sec, takes) && quantity(im, sec, takes, scale, v) < 0)
		return -1;
	leave(im, old);
	return get(sec, takes) != NULL;
}

static int read_resources(struct imp *im, const cJSON *c, cJSON *out)
{
	static const char *const take[] = { "limits", "requests", NULL };
	const cJSON *r = get(c, "resources");
	cJSON *ro = NULL;
	int64_t mem, cpu;
	int has_mem, has_cpu;
	size_t old;

	if (!r)
		return 0;
	old = enter(im, ".resources");
	if (only(im, r, take, NULL) < 0)
		return -1;
	has_mem =
		resource_section(im, r, "limits", "memory", 1, "cpu",
				 "a cell has no CPU quota (requests.cpu sets its cpuShares)", &mem);
	if (has_mem < 0)
		return -1;
	has_cpu =
		resource_section(im, r, "requests", "cpu", 1000, "memory",
				 "a cell reserves no memory (limits.memory sets its limit)", &cpu);
	if (has_cpu < 0)
		return -1;
	if (has_mem || has_cpu)
		ro = kk_enc_obj(out, "resources");
	if (has_mem)
		cJSON_AddNumberToObject(ro, "memoryLimitBytes", (double)mem);
	/* as the kubelet: shares = milliCPU * 1024 / 1000, at least 2 */
	if (has_cpu)
		cJSON_AddNumberToObject(ro, "cpuShares",
					(double)(cpu * 1024 / 1000 < 2 ? 2 : cpu * 1024 / 1000));
	leave(im, old);
	return 0;
}

struct pod_common {
	const struct pod_vols *vols;
	int64_t uid, gid;
	bool has_uid, has_gid;
	bool host_network, host_pid;
	const char *restart; /* kukeon's spelling */
};

static int read_container(struct imp *im, const cJSON *c, const struct pod_common *pc, cJSON *out)
{
	static const char *const take[] = { "name",      "image",        "command",
					    "args",      "workingDir",   "env",
					    "ports",     "volumeMounts", "securityContext",
					    "resources", "stdin",        "tty",
					    NULL };
	static const char *const skip[] = { "imagePullPolicy", "terminationMessagePath",
					    "terminationMessagePolicy", NULL };
	const cJSON *name = get(c, "name"), *image = get(c, "image"), *cmd;
	cleanup_free char *wd = NULL;
	int64_t uid = pc->uid, gid = pc->gid;
	bool has_uid = pc->has_uid, has_gid = pc->has_gid, tty;

	if (only(im, c, take, skip) < 0)
		return -1;
	if (!cJSON_IsString(name) || !*name->valuestring)
		return fail(im, "name", "required");
	if (strcmp(name->valuestring, "root") == 0)
		return fail(im, "name", "`root` is the name of the cell's root container");
	if (!cJSON_IsString(image) || !*image->valuestring)
		return fail(im, "image", "required");
	cJSON_AddStringToObject(out, "id", name->valuestring);
	cJSON_AddStringToObject(out, "image", image->valuestring);
	/* Pod command[0] is the program; the rest and args follow it */
	if (list(im, c, "command", &cmd) < 0)
		return -1;
	if (cmd && cJSON_GetArraySize(cmd)) {
		const cJSON *first = cJSON_GetArrayItem(cmd, 0);

		if (!cJSON_IsString(first))
			return fail(im, "command[0]", "expected a string");
		cJSON_AddStringToObject(out, "command", first->valuestring);
		if (strings(im, c, "command", out, "args", 1) < 0)
			return -1;
	}
	if (strings(im, c, "args", out, "args", 0) < 0 || scalar(im, c, "workingDir", &wd) < 0)
		return -1;
	if (wd)
		cJSON_AddStringToObject(out, "workingDir", wd);
	if (each(im, c, "env", out, "env", env_item, NULL) < 0 ||
	    each(im, c, "ports", out, "ports", port_item, NULL) < 0 ||
	    each(im, c, "volumeMounts", out, "volumes", mount_item, (void *)pc->vols) < 0)
		return -1;
	if (read_security(im, get(c, "securityContext"), false, &uid, &has_uid, &gid, &has_gid,
			  out) < 0)
		return -1;
	if (has_gid && !has_uid)
		return fail(im, "securityContext.runAsGroup",
			    "a cell's user is UID[:GID]: runAsUser is required with it");
	if (has_uid) {
		cleanup_free char *u = has_gid ? kk_xasprintf("%" PRId64 ":%" PRId64, uid, gid)
					       : kk_xasprintf("%" PRId64, uid);

		cJSON_AddStringToObject(out, "user", u);
	}
	if (read_resources(im, c, out) < 0 || flag(im, c, "tty", &tty) < 0 ||
	    (get(c, "stdin") && flag(im, c, "stdin", &(bool){ 0 }) < 0))
		return -1;
	if (pc->host_network)
		cJSON_AddTrueToObject(out, "hostNetwork");
	if (pc->host_pid)
		cJSON_AddTrueToObject(out, "hostPID");
	if (pc->restart)
		cJSON_AddStringToObject(out, "restartPolicy", pc->restart);
	if (tty)
		cJSON_AddTrueToObject(out, "attachable");
	return 0;
}

static int container_item(struct imp *im, const cJSON *c, size_t i, cJSON *arr, void *ctx)
{
	cJSON *co = cJSON_CreateObject();

	(void)i;
	cJSON_AddItemToArray(arr, co);
	return read_container(im, c, ctx, co);
}

static const char *scope_or(const char *flag_value, const cJSON *labels, const char *key)
{
	const cJSON *l = labels ? get(labels, key) : NULL;

	if (!kk_str_empty(flag_value))
		return flag_value;
	if (l && cJSON_IsString(l) && *l->valuestring)
		return l->valuestring;
	return "default";
}

static int read_metadata(struct imp *im, const cJSON *meta, const struct kk_kube_scope *scope,
			 cJSON *cell)
{
	static const char *const take[] = { "name", "labels", NULL };
	static const char *const skip[] = { "namespace",       "annotations", "uid",
					    "resourceVersion", "generation",  "creationTimestamp",
					    "managedFields",   "selfLink",    NULL };
	const cJSON *name, *labels, *l;
	cJSON *m = kk_enc_obj(cell, "metadata"), *ml, *spec;
	size_t old = enter(im, "metadata");

	if (!meta)
		return fail(im, NULL, "required");
	if (only(im, meta, take, skip) < 0)
		return -1;
	name = get(meta, "name");
	if (!cJSON_IsString(name) || !*name->valuestring)
		return fail(im, "name", "required");
	cJSON_AddStringToObject(m, "name", name->valuestring);
	labels = get(meta, "labels");
	ml = kk_enc_obj(m, "labels");
	cJSON_ArrayForEach(l, labels)
	{
		size_t kl = strlen(l->string);

		if (!cJSON_IsString(l))
			return fail(im, "labels", "%s: expected a string", l->string);
		if (kl <= 10 || strcmp(l->string + kl - 10, ".kukeon.io") != 0)
			cJSON_AddStringToObject(ml, l->string, l->valuestring);
	}
	leave(im, old);
	spec = kk_enc_obj(cell, "spec");
	cJSON_AddStringToObject(spec, "id", name->valuestring);
	cJSON_AddStringToObject(spec, "realmId",
				scope_or(scope ? scope->realm : NULL, labels, KK_KUBE_LABEL_REALM));
	cJSON_AddStringToObject(spec, "spaceId",
				scope_or(scope ? scope->space : NULL, labels, KK_KUBE_LABEL_SPACE));
	cJSON_AddStringToObject(spec, "stackId",
				scope_or(scope ? scope->stack : NULL, labels, KK_KUBE_LABEL_STACK));
	return 0;
}

static int read_pod_spec(struct imp *im, const cJSON *spec, cJSON *cell)
{
	static const char *const take[] = { "containers",  "volumes", "restartPolicy",
					    "hostNetwork", "hostPID", "securityContext",
					    "hostname",    NULL };
	static const char *const skip[] = { "dnsPolicy",
					    "schedulerName",
					    "terminationGracePeriodSeconds",
					    "enableServiceLinks",
					    "serviceAccount",
					    "serviceAccountName",
					    "nodeName",
					    "priority",
					    "preemptionPolicy",
					    "tolerations",
					    "automountServiceAccountToken",
					    NULL };
	cleanup_free char *restart = NULL, *hostname = NULL;
	cleanup_(pod_vols_clear) struct pod_vols vols = { 0 };
	struct pod_common pc = { .vols = &vols };
	const cJSON *ctrs;
	cJSON *out = cJSON_GetObjectItemCaseSensitive(cell, "spec");
	size_t old = enter(im, "spec");

	if (!spec)
		return fail(im, NULL, "required");
	if (only(im, spec, take, skip) < 0 || read_volumes(im, spec, &vols) < 0 ||
	    scalar(im, spec, "restartPolicy", &restart) < 0 ||
	    flag(im, spec, "hostNetwork", &pc.host_network) < 0 ||
	    flag(im, spec, "hostPID", &pc.host_pid) < 0 ||
	    read_security(im, get(spec, "securityContext"), true, &pc.uid, &pc.has_uid, &pc.gid,
			  &pc.has_gid, NULL) < 0)
		return -1;
	if (scalar(im, spec, "hostname", &hostname) < 0)
		return -1;
	if (hostname && !kk_str_is(hostname, cJSON_GetStringValue(cJSON_GetObjectItem(out, "id"))))
		return fail(im, "hostname", "%s: a cell's hostname is its name, `%s`", hostname,
			    cJSON_GetStringValue(cJSON_GetObjectItem(out, "id")));
	if (kk_str_is(restart, "Always"))
		pc.restart = "always";
	else if (kk_str_is(restart, "OnFailure"))
		pc.restart = "on-failure";
	else if (kk_str_is(restart, "Never"))
		pc.restart = NULL; /* kukeon's default, so an exported cell comes back unchanged */
	else if (restart)
		return fail(im, "restartPolicy", "%s: want Always, OnFailure or Never", restart);
	if (list(im, spec, "containers", &ctrs) < 0)
		return -1;
	if (!ctrs || !cJSON_GetArraySize(ctrs))
		return fail(im, "containers", "required and cannot be empty");
	if (each(im, spec, "containers", out, "containers", container_item, &pc) < 0)
		return -1;
	leave(im, old);
	return 0;
}

int kk_kube_pod_to_cell(const cJSON *pod, const struct kk_kube_scope *scope, cJSON **out,
			struct kk_err *err)
{
	static const char *const take[] = { "apiVersion", "kind", "metadata", "spec", NULL };
	static const char *const skip[] = { "status", NULL };
	struct imp im = { .err = err };
	cleanup_(kk_json_freep) cJSON *cell = cJSON_CreateObject();

	if (only(&im, pod, take, skip) < 0)
		return -1;
	cJSON_AddStringToObject(cell, "apiVersion", KK_API_VERSION);
	cJSON_AddStringToObject(cell, "kind", "Cell");
	if (read_metadata(&im, get(pod, "metadata"), scope, cell) < 0 ||
	    read_pod_spec(&im, get(pod, "spec"), cell) < 0)
		return -1;
	*out = TAKE_PTR(cell);
	return 0;
}
