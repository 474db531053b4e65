/* applets/kuke/profile.c - see profile.h. */
#include "applets/kuke/profile.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "cjson/cJSON.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/gostr.h"
#include "common/mem.h"
#include "common/model/model.h"
#include "common/strv.h"
#include "common/yaml.h"

#define INVALID    "profile is invalid"
#define NOT_FOUND  "profile not found"
#define FILE_MAX   (16u << 20)
#define LABEL_PROF "kukeon.io/profile"

/* parameter values: parallel key/value lists, a later set replaces */
struct params {
	char **keys, **vals;
};

static void params_clear(struct params *p)
{
	kk_strv_free(p->keys);
	kk_strv_free(p->vals);
	p->keys = p->vals = NULL;
}

static const char *params_get(const struct params *p, const char *key)
{
	for (size_t i = 0; p->keys && p->keys[i]; i++)
		if (strcmp(p->keys[i], key) == 0)
			return p->vals[i];
	return NULL;
}

static void params_set(struct params *p, const char *key, const char *val)
{
	for (size_t i = 0; p->keys && p->keys[i]; i++)
		if (strcmp(p->keys[i], key) == 0) {
			free(p->vals[i]);
			p->vals[i] = kk_xstrdup(val);
			return;
		}
	kk_strv_push_take(&p->keys, kk_xstrdup(key));
	kk_strv_push_take(&p->vals, kk_xstrdup(val));
}

/* [A-Za-z_][A-Za-z0-9_]* */
static bool is_param_name(const char *s)
{
	if (!*s || !(isalpha((unsigned char)*s) || *s == '_'))
		return false;
	for (s++; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '_'))
			return false;
	return true;
}

/* KEY=VALUE: the key trimmed, the value after the first '=' verbatim */
static bool split_kv(const char *s, char **key, const char **val)
{
	const char *eq = strchr(s, '=');
	cleanup_free char *k = NULL;

	if (!eq)
		return false;
	k = kk_xasprintf("%.*s", (int)(eq - s), s);
	*key = kk_go_trim_space(k);
	*val = eq + 1;
	return true;
}

static int parse_param_file(const char *path, struct params *out, struct kk_err *err)
{
	cleanup_free char *buf = NULL;
	size_t len = 0;
	struct kk_err e = { 0 };
	char *line, *next;
	int n = 0;

	if (kk_read_file_max(path, FILE_MAX, &buf, &len, &e) < 0)
		return kk_err_set(err, e.code, "read --param-file \"%s\": %s", path, e.msg);
	for (line = buf; line; line = next) {
		cleanup_free char *key = NULL;
		cleanup_free char *t = NULL;
		const char *val;
		size_t l;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		n++;
		l = strlen(line);
		while (l && line[l - 1] == '\r')
			line[--l] = '\0';
		t = kk_go_trim_space(line);
		if (!*t || *t == '#')
			continue;
		if (!split_kv(line, &key, &val))
			return kk_err_set(err, EINVAL,
					  "%s:%d: invalid line \"%s\": want KEY=VALUE: %s", path, n,
					  line, INVALID);
		if (!is_param_name(key))
			return kk_err_set(err, EINVAL,
					  "%s:%d: invalid KEY \"%s\": must match "
					  "[A-Za-z_][A-Za-z0-9_]*: %s",
					  path, n, key, INVALID);
		params_set(out, key, val);
	}
	return 0;
}

static int parse_param_args(char *const *args, struct params *out, struct kk_err *err)
{
	for (size_t i = 0; args && args[i]; i++) {
		cleanup_free char *key = NULL;
		const char *val;

		if (!split_kv(args[i], &key, &val))
			return kk_err_set(err, EINVAL, "invalid --param \"%s\": want KEY=VALUE: %s",
					  args[i], INVALID);
		if (!is_param_name(key))
			return kk_err_set(err, EINVAL,
					  "invalid --param \"%s\": KEY must match "
					  "[A-Za-z_][A-Za-z0-9_]*: %s",
					  args[i], INVALID);
		params_set(out, key, val);
	}
	return 0;
}

/* ---- ${KEY} references ------------------------------------------------------------------ */

typedef void ref_fn(const char *key, size_t len, void *arg);

/* every ${KEY} (KEY a parameter name) in s */
static void scan_refs(const char *s, ref_fn *fn, void *arg)
{
	for (const char *p = strstr(s, "${"); p; p = strstr(p + 1, "${")) {
		const char *k = p + 2;
		size_t n = 0;

		if (!(isalpha((unsigned char)k[0]) || k[0] == '_'))
			continue;
		while (isalnum((unsigned char)k[n]) || k[n] == '_')
			n++;
		if (k[n] == '}')
			fn(k, n, arg);
	}
}

/* the string scalars among node's values (mapping keys are not values), skipping
 * skip (a node of the tree; NULL: none) */
static void walk_strings(cJSON *node, const cJSON *skip, void (*fn)(cJSON *, void *), void *arg)
{
	if (!node || node == skip)
		return;
	if (cJSON_IsObject(node) || cJSON_IsArray(node)) {
		for (cJSON *c = node->child; c; c = c->next)
			walk_strings(c, skip, fn, arg);
		return;
	}
	if (cJSON_IsString(node))
		fn(node, arg);
}

struct undeclared {
	const struct kk_cell_profile *p;
	char *first; /* owned */
};

static void check_ref(const char *key, size_t len, void *arg)
{
	struct undeclared *u = arg;

	if (u->first)
		return;
	for (size_t i = 0; i < u->p->spec.n_parameters; i++) {
		const char *name = kk_str(u->p->spec.parameters[i].name);

		if (strlen(name) == len && strncmp(name, key, len) == 0)
			return;
	}
	u->first = kk_xasprintf("%.*s", (int)len, key);
}

static void check_string(cJSON *n, void *arg)
{
	scan_refs(n->valuestring, check_ref, arg);
}

static void substitute_string(cJSON *n, void *arg)
{
	const struct params *values = arg;
	const char *s = n->valuestring;
	char *out = NULL;
	size_t used = 0;
	FILE *f;

	if (!strstr(s, "${"))
		return;
	f = open_memstream(&out, &used);
	if (!f)
		abort();
	while (*s) {
		const char *k = s + 2;
		size_t len = 0;

		if (s[0] == '$' && s[1] == '{' && (isalpha((unsigned char)*k) || *k == '_')) {
			while (isalnum((unsigned char)k[len]) || k[len] == '_')
				len++;
			if (k[len] == '}') {
				cleanup_free char *key = kk_xasprintf("%.*s", (int)len, k);
				const char *v = params_get(values, key);

				if (v) {
					fputs(v, f);
					s = k + len + 1;
					continue;
				}
			}
		}
		fputc(*s++, f);
	}
	fclose(f);
	cJSON_SetValuestring(n, out);
	free(out);
}

/* ---- loading ---------------------------------------------------------------------------- */

struct loaded {
	struct kk_yaml_stream *stream; /* owned; keeps the document tree */
	struct kk_cell_profile *p;     /* owned */
};

static void loaded_clear(struct loaded *l)
{
	kk_yaml_stream_free(l->stream);
	kk_cell_profile_free(l->p);
	memset(l, 0, sizeof(*l));
}

static cJSON *doc_root(const struct loaded *l)
{
	return l->stream->n ? l->stream->docs[0].root : NULL;
}

/* upstream loadFile: decode and the load-time checks */
static int load_file(const char *path, struct loaded *out, struct kk_err *err)
{
	cleanup_free char *buf = NULL;
	struct loaded l = { 0 };
	struct kk_err e = { 0 };
	const struct kk_yaml_doc *yd;
	struct undeclared u = { 0 };
	size_t len = 0;
	cleanup_free char *name = NULL;
	cleanup_free char *cell_id = NULL;

	if (kk_read_file_max(path, FILE_MAX, &buf, &len, &e) < 0)
		return kk_err_set(err, e.code, "read profile \"%s\": %s", path, e.msg);
	if (kk_yaml_parse_stream(buf, len, path, &l.stream, &e) < 0) {
		/* an empty file is an empty document: its kind is "" */
		l.p = kk_xcalloc(1, sizeof(*l.p));
	} else {
		yd = &l.stream->docs[0];
		if (!yd->root) {
			kk_err_set(err, EINVAL, "parse profile \"%s\": %s: %s", path, INVALID,
				   yd->err.msg);
			goto fail;
		}
		if (kk_cell_profile_decode(yd->root, yd, &l.p, &e) < 0) {
			kk_err_set(err, EINVAL, "parse profile \"%s\": %s: %s", path, INVALID,
				   e.msg);
			goto fail;
		}
	}
	if (strcmp(kk_str(l.p->kind), "CellProfile") != 0) {
		kk_err_set(err, EINVAL, "profile \"%s\" has kind \"%s\", want \"CellProfile\": %s",
			   path, kk_str(l.p->kind), INVALID);
		goto fail;
	}
	name = kk_go_trim_space(kk_str(l.p->meta.name));
	if (!*name) {
		kk_err_set(err, EINVAL, "profile \"%s\": metadata.name is required: %s", path,
			   INVALID);
		goto fail;
	}
	cell_id = kk_go_trim_space(kk_str(l.p->spec.cell.id));
	if (*cell_id) {
		kk_err_set(err, EINVAL,
			   "profile \"%s\": spec.cell.id must not be set on a CellProfile: %s",
			   path, INVALID);
		goto fail;
	}
	for (size_t i = 0; i < l.p->spec.n_parameters; i++) {
		const char *pn = kk_str(l.p->spec.parameters[i].name);

		if (!is_param_name(pn)) {
			kk_err_set(err, EINVAL,
				   "profile \"%s\": parameter name \"%s\" must match "
				   "[A-Za-z_][A-Za-z0-9_]*: %s",
				   path, pn, INVALID);
			goto fail;
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(kk_str(l.p->spec.parameters[j].name), pn) == 0) {
				kk_err_set(err, EINVAL,
					   "profile \"%s\": parameter \"%s\" is declared twice in "
					   "spec.parameters[]: %s",
					   path, pn, INVALID);
				goto fail;
			}
	}
	if (l.stream) {
		cJSON *root = doc_root(&l);
		const cJSON *spec = cJSON_GetObjectItemCaseSensitive(root, "spec");

		u.p = l.p;
		walk_strings(root, cJSON_GetObjectItemCaseSensitive(spec, "parameters"),
			     check_string, &u);
		if (u.first) {
			kk_err_set(err, EINVAL,
				   "profile \"%s\": references undeclared parameter \"%s\" "
				   "(declare "
				   "it in spec.parameters[] to fix): %s",
				   path, u.first, INVALID);
			free(u.first);
			goto fail;
		}
	}
	*out = l;
	return 0;
fail:
	loaded_clear(&l);
	return -1;
}

static bool has_yaml_suffix(const char *s)
{
	size_t n = strlen(s);

	return (n >= 5 && strcmp(s + n - 5, ".yaml") == 0) ||
	       (n >= 4 && strcmp(s + n - 4, ".yml") == 0);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* upstream locate: <dir>/<name>.yaml|.yml, else the first file (by name) whose
 * metadata.name matches; files that fail to load are skipped in the scan */
static int locate(const char *dir, const char *raw_name, struct loaded *out, struct kk_err *err)
{
	cleanup_free char *name = kk_go_trim_space(raw_name);
	cleanup_(kk_strv_freep) char **files = NULL;
	static const char *const exts[] = { ".yaml", ".yml" };
	DIR *d;
	struct dirent *de;

	if (!*name)
		return kk_err_set(err, EINVAL, "%s: empty name", INVALID);
	if (!dir)
		return kk_err_set(err, EINVAL, "profiles dir: not set");
	for (size_t i = 0; i < 2; i++) {
		cleanup_free char *path = kk_xasprintf("%s/%s%s", dir, name, exts[i]);
		struct stat st;

		if (stat(path, &st) != 0)
			continue;
		if (load_file(path, out, err) < 0)
			return -1;
		if (out->p && strcmp(kk_str(out->p->meta.name), name) == 0)
			return 0;
		loaded_clear(out);
	}
	d = opendir(dir);
	if (!d) {
		if (errno == ENOENT)
			return kk_err_set(err, ENOENT, "profile \"%s\" not found in %s: %s", name,
					  dir, NOT_FOUND);
		return kk_err_sys(err, "read profiles dir \"%s\"", dir);
	}
	while ((de = readdir(d)))
		if (has_yaml_suffix(de->d_name))
			kk_strv_push_take(&files, kk_xstrdup(de->d_name));
	closedir(d);
	if (files)
		qsort(files, kk_strv_len(files), sizeof(*files), name_cmp);
	for (size_t i = 0; files && files[i]; i++) {
		cleanup_free char *path = kk_xasprintf("%s/%s", dir, files[i]);
		struct stat st;

		if (stat(path, &st) != 0 || S_ISDIR(st.st_mode) ||
		    load_file(path, out, &(struct kk_err){ 0 }) < 0)
			continue;
		if (out->p && strcmp(kk_str(out->p->meta.name), name) == 0)
			return 0;
		loaded_clear(out);
	}
	return kk_err_set(err, ENOENT, "profile \"%s\" not found in %s: %s", name, dir, NOT_FOUND);
}

int kuke_profiles_dir(char **out, struct kk_err *err)
{
	const char *env = getenv("KUKE_PROFILES_DIR");
	cleanup_free char *t = env ? kk_go_trim_space(env) : NULL;
	const char *home = getenv("HOME");

	if (t && *t) {
		*out = TAKE_PTR(t);
		return 0;
	}
	if (!home || !*home)
		return kk_err_set(err, ENOENT, "resolve home directory: $HOME is not defined");
	*out = kk_xasprintf("%s/.kuke/profiles.d", home);
	return 0;
}

/* upstream resolve: values, substitution, re-decode */
static int resolve(struct loaded *l, const struct params *cli, struct kk_err *err)
{
	const struct kk_cell_profile *p = l->p;
	const char *pname;
	struct params values = { 0 };
	struct kk_cell_profile *again = NULL;
	const struct kk_yaml_doc *yd;
	struct kk_err e = { 0 };
	int rc = -1;

	if (!p)
		return kk_err_set(err, EINVAL, "%s: nothing loaded", INVALID);
	pname = kk_str(p->meta.name);

	for (size_t i = 0; cli->keys && cli->keys[i]; i++) {
		bool declared = false;

		for (size_t j = 0; j < p->spec.n_parameters && !declared; j++)
			declared = strcmp(kk_str(p->spec.parameters[j].name), cli->keys[i]) == 0;
		if (!declared)
			return kk_err_set(err, EINVAL,
					  "profile \"%s\": --param \"%s\" is not declared in "
					  "spec.parameters[]: %s",
					  pname, cli->keys[i], INVALID);
	}
	for (size_t i = 0; i < p->spec.n_parameters; i++) {
		const struct kk_profile_param *pp = &p->spec.parameters[i];
		const char *v = params_get(cli, kk_str(pp->name));

		if (!v && pp->has_default)
			v = kk_str(pp->default_);
		if (!v)
			v = getenv(kk_str(pp->name));
		if (!v && pp->required) {
			kk_err_set(err, EINVAL,
				   "profile \"%s\": required parameter \"%s\" is not set (provide "
				   "--param %s=... or declare a spec.parameters[].default): %s",
				   pname, kk_str(pp->name), kk_str(pp->name), INVALID);
			goto out;
		}
		params_set(&values, kk_str(pp->name), v ? v : "");
	}
	if (!l->stream) {
		rc = 0;
		goto out;
	}
	walk_strings(doc_root(l), NULL, substitute_string, &values);
	yd = &l->stream->docs[0];
	if (kk_cell_profile_decode(yd->root, yd, &again, &e) < 0) {
		kk_err_set(err, EINVAL,
			   "profile \"%s\": re-decode after parameter substitution: %s: %s", pname,
			   INVALID, e.msg);
		goto out;
	}
	kk_cell_profile_free(l->p);
	l->p = again;
	rc = 0;
out:
	params_clear(&values);
	return rc;
}

static void random_hex(char out[7])
{
	unsigned char b[3] = { 0 };

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		abort(); /* the kernel's CSPRNG does not fail for 3 bytes once booted */
	snprintf(out, 7, "%02x%02x%02x", b[0], b[1], b[2]);
}

int kuke_profile_materialize(const char *name, const char *name_override, char *const *params,
			     const char *param_file, struct kk_cell **out, struct kk_err *err)
{
	cleanup_free char *dir = NULL;
	cleanup_free char *cell_name = NULL;
	cleanup_free char *override = kk_go_trim_space(name_override ? name_override : "");
	cleanup_(kk_cell_freep) struct kk_cell *c = NULL;
	struct params cli = { 0 };
	struct loaded l = { 0 };
	const struct kk_cell_profile *p;
	int rc = -1;

	if (kuke_profiles_dir(&dir, err) < 0)
		return -1;
	if ((param_file && *param_file && parse_param_file(param_file, &cli, err) < 0) ||
	    parse_param_args(params, &cli, err) < 0 || locate(dir, name, &l, err) < 0 ||
	    resolve(&l, &cli, err) < 0)
		goto out;
	p = l.p;
	if (!p) {
		kk_err_set(err, EINVAL, "%s: nothing loaded", INVALID);
		goto out;
	}
	if (*override) {
		cell_name = TAKE_PTR(override);
	} else {
		cleanup_free char *prefix = kk_go_trim_space(kk_str(p->spec.prefix));
		char hex[7];

		random_hex(hex);
		cell_name = kk_xasprintf("%s-%s", *prefix ? prefix : kk_str(p->meta.name), hex);
	}
	c = kk_xcalloc(1, sizeof(*c));
	c->api_version = kk_xstrdup(KK_API_VERSION);
	c->kind = kk_xstrdup("Cell");
	c->meta.name = kk_xstrdup(cell_name);
	kk_labels_copy(&c->meta.labels, &p->meta.labels);
	kk_labels_set(&c->meta.labels, LABEL_PROF, kk_str(p->meta.name));
	{
		cJSON *t = kk_cell_spec_encode(&p->spec.cell, KK_ENC_JSON);
		struct kk_dec d;
		struct kk_err e = { 0 };

		kk_dec_init(&d, NULL, &e);
		kk_cell_spec_decode_into(&d, t, &c->spec);
		cJSON_Delete(t);
	}
	kk_str_set(&c->spec.id, cell_name);
	free(c->spec.realm_id);
	free(c->spec.space_id);
	free(c->spec.stack_id);
	c->spec.realm_id = kk_go_trim_space(kk_str(p->spec.realm));
	c->spec.space_id = kk_go_trim_space(kk_str(p->spec.space));
	c->spec.stack_id = kk_go_trim_space(kk_str(p->spec.stack));
	*out = TAKE_PTR(c);
	rc = 0;
out:
	params_clear(&cli);
	loaded_clear(&l);
	return rc;
}
