/* common/tty/doc.c - sbsh's TerminalDoc, encoded as upstream's Go encoder does. */
#include "common/tty/doc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "cjson/cJSON.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/mem.h"
#include "common/strv.h"

static const char *const adjectives[] = { "brave", "calm",  "eager", "fancy",  "gentle",
					  "happy", "jolly", "kind",  "lively", "proud",
					  "quiet", "swift", "witty", "zen" };
static const char *const nouns[] = { "albatross", "badger", "condor", "dolphin", "falcon",
				     "gecko",     "heron",  "ibis",   "jaguar",  "koala",
				     "lynx",      "otter",  "panda",  "raven" };

static uint32_t random32(void)
{
	uint32_t v = 0;

	if (getrandom(&v, sizeof(v), 0) != sizeof(v))
		v = (uint32_t)rand();
	return v;
}

static char **strv_dup(const char *const *v, size_t n)
{
	char **out = NULL;

	for (size_t i = 0; i < n; i++)
		kk_strv_push_take(&out, kk_xstrdup(v[i]));
	return out;
}

static void label(char ***labels, const char *key, const char *value)
{
	if (!value || !*value)
		return;
	kk_strv_push_take(labels, kk_xstrdup(key));
	kk_strv_push_take(labels, kk_xstrdup(value));
}

void kk_tty_doc_make(const struct kk_tty_doc_params *p, struct kk_tty_doc *out)
{
	uint32_t r = random32();

	memset(out, 0, sizeof(*out));
	out->name = kk_xstrdup(p->name);
	label(&out->labels, "kukeon.io/realm", p->realm);
	label(&out->labels, "kukeon.io/space", p->space);
	label(&out->labels, "kukeon.io/stack", p->stack);
	label(&out->labels, "kukeon.io/cell", p->cell);
	label(&out->labels, "kukeon.io/container-id", p->container);
	out->id = kk_xasprintf("%08x", random32());
	out->tname =
		kk_xasprintf("%s_%s", adjectives[r % (sizeof(adjectives) / sizeof(*adjectives))],
			     nouns[(r >> 16) % (sizeof(nouns) / sizeof(*nouns))]);
	if (p->argc == 0) {
		static const char *const dash_i[] = { "-i" };

		out->command = kk_xstrdup(KK_TTY_DEFAULT_COMMAND);
		out->args = strv_dup(dash_i, 1);
	} else {
		out->command = kk_xstrdup(p->argv[0]);
		out->args = strv_dup(p->argv + 1, p->argc - 1);
	}
	out->inherit_env = true;
	out->prompt = kk_xstrdup(p->prompt ? p->prompt : "");
	out->set_prompt = p->prompt && *p->prompt;
	out->run_path = kk_xstrdup(KK_TTY_RUN_PATH);
	out->capture_file = kk_xstrdup(KK_TTY_CAPTURE_PATH);
	out->log_file = kk_xstrdup(p->log_file ? p->log_file : "");
	out->log_level = kk_xstrdup("info");
	out->socket_io = kk_xstrdup(KK_TTY_SOCKET_PATH);
	out->socket_gid = out->capture_gid = out->log_file_gid = -1;
	if (p->kukeon_gid >= 0) {
		out->socket_mode = 0660;
		out->socket_gid = p->kukeon_gid;
		out->capture_mode = 0640;
		out->capture_gid = p->kukeon_gid;
		if (p->log_file && *p->log_file) {
			out->log_file_mode = 0640;
			out->log_file_gid = p->kukeon_gid;
		}
	}
	out->on_init = strv_dup(p->on_init, p->n_on_init);
}

char *kk_tty_doc_encode(const struct kk_tty_doc *d)
{
	cleanup_(kk_json_freep) cJSON *root = cJSON_CreateObject();
	cJSON *meta, *spec, *stages, *status;

	cJSON_AddStringToObject(root, "apiVersion", KK_TTY_API_VERSION);
	cJSON_AddStringToObject(root, "kind", KK_TTY_KIND);
	meta = cJSON_AddObjectToObject(root, "metadata");
	cJSON_AddStringToObject(meta, "name", d->name ? d->name : "");
	if (d->labels) {
		cJSON *l = cJSON_AddObjectToObject(meta, "labels");

		for (size_t i = 0; d->labels[i] && d->labels[i + 1]; i += 2)
			cJSON_AddStringToObject(l, d->labels[i], d->labels[i + 1]);
	}
	spec = cJSON_AddObjectToObject(root, "spec");
	cJSON_AddStringToObject(spec, "id", d->id ? d->id : "");
	cJSON_AddNumberToObject(spec, "kind", 0);
	cJSON_AddStringToObject(spec, "name", d->tname ? d->tname : "");
	cJSON_AddNullToObject(spec, "labels");
	cJSON_AddStringToObject(spec, "command", d->command ? d->command : "");
	kk_json_add_strv(spec, "commandArgs", d->args);
	cJSON_AddBoolToObject(spec, "inheritEnv", d->inherit_env);
	kk_json_add_strv(spec, "env", d->env);
	cJSON_AddStringToObject(spec, "prompt", d->prompt ? d->prompt : "");
	if (d->set_prompt)
		cJSON_AddBoolToObject(spec, "setPrompt", true);
	cJSON_AddStringToObject(spec, "runPath", d->run_path ? d->run_path : "");
	cJSON_AddStringToObject(spec, "captureFile", d->capture_file ? d->capture_file : "");
	cJSON_AddStringToObject(spec, "logFile", d->log_file ? d->log_file : "");
	cJSON_AddStringToObject(spec, "logLevel", d->log_level ? d->log_level : "");
	cJSON_AddStringToObject(spec, "socketIO", d->socket_io ? d->socket_io : "");
	if (d->socket_mode)
		cJSON_AddNumberToObject(spec, "socketMode", d->socket_mode);
	if (d->socket_gid >= 0)
		cJSON_AddNumberToObject(spec, "socketGid", (double)d->socket_gid);
	if (d->capture_mode)
		cJSON_AddNumberToObject(spec, "captureMode", d->capture_mode);
	if (d->capture_gid >= 0)
		cJSON_AddNumberToObject(spec, "captureGid", (double)d->capture_gid);
	if (d->log_file_mode)
		cJSON_AddNumberToObject(spec, "logFileMode", d->log_file_mode);
	if (d->log_file_gid >= 0)
		cJSON_AddNumberToObject(spec, "logFileGid", (double)d->log_file_gid);
	cJSON_AddStringToObject(spec, "profileName", "");
	stages = cJSON_AddObjectToObject(spec, "stages");
	if (d->on_init) {
		cJSON *a = cJSON_AddArrayToObject(stages, "onInit");

		for (size_t i = 0; d->on_init[i]; i++) {
			cJSON *s = cJSON_CreateObject();

			cJSON_AddStringToObject(s, "script", d->on_init[i]);
			cJSON_AddItemToArray(a, s);
		}
	}
	status = cJSON_AddObjectToObject(root, "status");
	cJSON_AddNumberToObject(status, "pid", 0);
	cJSON_AddStringToObject(status, "tty", "");
	cJSON_AddNumberToObject(status, "state", 0);
	cJSON_AddNullToObject(status, "attachers");
	return kk_json_print(root, KK_JSON_INDENT);
}

/* ---- decode --------------------------------------------------------------------------- */

static int get_str(const cJSON *o, const char *key, const char *what, char **out,
		   struct kk_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v))
		return kk_err_set(err, EINVAL, "%s: spec.%s: not a string", what, key);
	free(*out);
	*out = kk_xstrdup(v->valuestring);
	return 0;
}

static int get_num(const cJSON *o, const char *key, const char *what, int64_t min, int64_t *out,
		   struct kk_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsNumber(v) || v->valuedouble < (double)min || v->valuedouble > 4294967295.0 ||
	    v->valuedouble != (double)(int64_t)v->valuedouble)
		return kk_err_set(err, EINVAL, "%s: spec.%s: not a valid number", what, key);
	*out = (int64_t)v->valuedouble;
	return 0;
}

static int get_strv(const cJSON *o, const char *key, const char *sub, const char *what, char ***out,
		    struct kk_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key), *it;

	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsArray(v))
		return kk_err_set(err, EINVAL, "%s: spec.%s: not an array", what, key);
	cJSON_ArrayForEach(it, v)
	{
		const cJSON *s = sub ? cJSON_GetObjectItemCaseSensitive(it, sub) : it;

		if (!cJSON_IsString(s))
			return kk_err_set(err, EINVAL, "%s: spec.%s: not an array of strings", what,
					  key);
		kk_strv_push_take(out, kk_xstrdup(s->valuestring));
	}
	return 0;
}

static int decode(const cJSON *root, const char *what, struct kk_tty_doc *d, struct kk_err *err)
{
	const cJSON *av = cJSON_GetObjectItemCaseSensitive(root, "apiVersion");
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(root, "kind");
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(root, "metadata");
	const cJSON *spec = cJSON_GetObjectItemCaseSensitive(root, "spec");
	const cJSON *ie, *sp, *stages, *labels, *it;
	int64_t n;

	if (!cJSON_IsObject(root))
		return kk_err_set(err, EINVAL, "%s: not a JSON object", what);
	if (!cJSON_IsString(av) || strcmp(av->valuestring, KK_TTY_API_VERSION) != 0)
		return kk_err_set(err, EINVAL, "%s: apiVersion must be `%s`", what,
				  KK_TTY_API_VERSION);
	if (!cJSON_IsString(kind) || strcmp(kind->valuestring, KK_TTY_KIND) != 0)
		return kk_err_set(err, EINVAL, "%s: kind must be `%s`", what, KK_TTY_KIND);
	if (meta && !cJSON_IsObject(meta))
		return kk_err_set(err, EINVAL, "%s: metadata: not an object", what);
	if (!cJSON_IsObject(spec))
		return kk_err_set(err, EINVAL, "%s: spec: not an object", what);
	if (meta) {
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(meta, "name");

		if (cJSON_IsString(nm))
			d->name = kk_xstrdup(nm->valuestring);
		labels = cJSON_GetObjectItemCaseSensitive(meta, "labels");
		if (cJSON_IsObject(labels))
			cJSON_ArrayForEach(it, labels) if (cJSON_IsString(it))
			{
				kk_strv_push_take(&d->labels, kk_xstrdup(it->string));
				kk_strv_push_take(&d->labels, kk_xstrdup(it->valuestring));
			}
	}
	if (get_str(spec, "id", what, &d->id, err) < 0 ||
	    get_str(spec, "name", what, &d->tname, err) < 0 ||
	    get_str(spec, "command", what, &d->command, err) < 0 ||
	    get_strv(spec, "commandArgs", NULL, what, &d->args, err) < 0 ||
	    get_strv(spec, "env", NULL, what, &d->env, err) < 0 ||
	    get_str(spec, "prompt", what, &d->prompt, err) < 0 ||
	    get_str(spec, "runPath", what, &d->run_path, err) < 0 ||
	    get_str(spec, "captureFile", what, &d->capture_file, err) < 0 ||
	    get_str(spec, "logFile", what, &d->log_file, err) < 0 ||
	    get_str(spec, "logLevel", what, &d->log_level, err) < 0 ||
	    get_str(spec, "socketIO", what, &d->socket_io, err) < 0)
		return -1;
	ie = cJSON_GetObjectItemCaseSensitive(spec, "inheritEnv");
	d->inherit_env = cJSON_IsTrue(ie);
	sp = cJSON_GetObjectItemCaseSensitive(spec, "setPrompt");
	d->set_prompt = cJSON_IsTrue(sp);
#define MODE(key, field)                                                                           \
	do {                                                                                       \
		n = 0;                                                                             \
		if (get_num(spec, key, what, 0, &n, err) < 0)                                      \
			return -1;                                                                 \
		if (n > 07777)                                                                     \
			return kk_err_set(err, EINVAL, "%s: spec.%s: not a file mode", what, key); \
		d->field = (uint32_t)n;                                                            \
	} while (0)
	MODE("socketMode", socket_mode);
	MODE("captureMode", capture_mode);
	MODE("logFileMode", log_file_mode);
#undef MODE
	d->socket_gid = d->capture_gid = d->log_file_gid = -1;
	if (get_num(spec, "socketGid", what, 0, &d->socket_gid, err) < 0 ||
	    get_num(spec, "captureGid", what, 0, &d->capture_gid, err) < 0 ||
	    get_num(spec, "logFileGid", what, 0, &d->log_file_gid, err) < 0)
		return -1;
	stages = cJSON_GetObjectItemCaseSensitive(spec, "stages");
	if (stages && !cJSON_IsNull(stages)) {
		if (!cJSON_IsObject(stages))
			return kk_err_set(err, EINVAL, "%s: spec.stages: not an object", what);
		if (get_strv(stages, "onInit", "script", what, &d->on_init, err) < 0)
			return -1;
	}
	if (!d->socket_io || !*d->socket_io)
		return kk_err_set(err, EINVAL, "%s: spec.socketIO is required", what);
	if (!d->command || !*d->command) {
		free(d->command);
		d->command = kk_xstrdup(KK_TTY_DEFAULT_COMMAND);
	}
	return 0;
}

int kk_tty_doc_decode(const char *text, size_t len, const char *what, struct kk_tty_doc *out,
		      struct kk_err *err)
{
	cleanup_(kk_json_freep) cJSON *root = NULL;
	struct kk_tty_doc d = { 0 };

	if (kk_json_parse(text, len, what, &root, err) < 0)
		return -1;
	if (decode(root, what, &d, err) < 0) {
		kk_tty_doc_clear(&d);
		return -1;
	}
	*out = d;
	return 0;
}

void kk_tty_doc_clear(struct kk_tty_doc *d)
{
	free(d->name);
	kk_strv_free(d->labels);
	free(d->id);
	free(d->tname);
	free(d->command);
	kk_strv_free(d->args);
	kk_strv_free(d->env);
	free(d->prompt);
	free(d->run_path);
	free(d->capture_file);
	free(d->log_file);
	free(d->log_level);
	free(d->socket_io);
	kk_strv_free(d->on_init);
	memset(d, 0, sizeof(*d));
}
