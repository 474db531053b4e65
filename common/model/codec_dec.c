/* common/model/codec_dec.c - the decode helpers every kind shares (kk_dec_*, see codec.h):
 * members read from a cJSON tree by upstream's Go rules, each failure naming the field path
 * and, for YAML, the line. */
#include "common/model/codec.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "common/yaml.h"

void kk_dec_init(struct kk_dec *d, const struct kk_yaml_doc *yaml, struct kk_err *err)
{
	memset(d, 0, sizeof(*d));
	d->yaml = yaml;
	d->err = err;
}

/* Append s (len bytes) to the path, truncated to fit. Pushes happen for every field decoded,
 * not only on errors, so this is kept cheaper than snprintf. */
static void path_append(struct kk_dec *d, const char *s, size_t len)
{
	size_t room = sizeof(d->path) - 1 - d->plen;

	if (len > room)
		len = room;
	memcpy(d->path + d->plen, s, len);
	d->plen += len;
	d->path[d->plen] = '\0';
}

size_t kk_dec_push(struct kk_dec *d, const char *key)
{
	size_t old = d->plen;

	if (d->plen)
		path_append(d, ".", 1);
	path_append(d, key, strlen(key));
	return old;
}

size_t kk_dec_push_index(struct kk_dec *d, size_t i)
{
	size_t old = d->plen;
	char buf[24], *p = buf + sizeof(buf);

	*--p = ']';
	do {
		*--p = (char)('0' + i % 10);
		i /= 10;
	} while (i);
	*--p = '[';
	path_append(d, p, (size_t)(buf + sizeof(buf) - p));
	return old;
}

void kk_dec_pop(struct kk_dec *d, size_t len)
{
	d->plen = len;
	d->path[len] = '\0';
}

const cJSON *kk_dec_member(const struct kk_dec *d, const cJSON *obj, const char *key)
{
	const cJSON *c;

	if (!cJSON_IsObject(obj))
		return NULL;
	for (c = obj->child; c; c = c->next)
		if (c->string && strcmp(c->string, key) == 0)
			return c;
	if (d->yaml)
		return NULL;
	/* encoding/json: an exact match wins, else the first case-insensitive one */
	for (c = obj->child; c; c = c->next)
		if (c->string && strcasecmp(c->string, key) == 0)
			return c;
	return NULL;
}

int kk_dec_line(const struct kk_dec *d, const cJSON *node)
{
	const struct kk_yaml_mark *m = kk_yaml_mark_of(d->yaml, node);

	return m ? m->line : 0;
}

int kk_dec_fail(struct kk_dec *d, const cJSON *node, const char *fmt, ...)
{
	char msg[384];
	va_list ap;
	int line = kk_dec_line(d, node);

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line && d->plen)
		return kk_err_set(d->err, EINVAL, "line %d: %s: %s", line, d->path, msg);
	if (line)
		return kk_err_set(d->err, EINVAL, "line %d: %s", line, msg);
	if (d->plen)
		return kk_err_set(d->err, EINVAL, "%s: %s", d->path, msg);
	return kk_err_set(d->err, EINVAL, "%s", msg);
}

static const char *what_is(const struct kk_dec *d, const cJSON *node)
{
	const struct kk_yaml_mark *m = kk_yaml_mark_of(d->yaml, node);

	if (m) {
		switch (m->kind) {
		case KK_YAML_INT:
			return "an integer";
		case KK_YAML_FLOAT:
			return "a number";
		case KK_YAML_BOOL:
			return "a boolean";
		case KK_YAML_NULL:
			return "null";
		case KK_YAML_MAP:
			return "a mapping";
		case KK_YAML_SEQ:
			return "a list";
		default:
			return "a string";
		}
	}
	switch (node->type & 0xff) {
	case cJSON_True:
	case cJSON_False:
		return "a boolean";
	case cJSON_Number:
		return "a number";
	case cJSON_String:
		return "a string";
	case cJSON_Array:
		return "a list";
	case cJSON_Object:
		return d->yaml ? "a mapping" : "an object";
	default:
		return "null";
	}
}

int kk_dec_type_error(struct kk_dec *d, const cJSON *node, const char *want)
{
	kk_dec_fail(d, node, "expected %s, got %s", want, what_is(d, node));
	return -1; /* spelled out: the analyzer cannot see kk_err_set's -1 */
}

static bool is_null(const cJSON *n)
{
	return !n || cJSON_IsNull(n);
}

/* Run fn on member key with the path pushed. */
#define WITH_FIELD(d, key, expr)                       \
	({                                             \
		size_t old_ = kk_dec_push((d), (key)); \
		int rc_ = (expr);                      \
		if (rc_ >= 0)                          \
			kk_dec_pop((d), old_);         \
		rc_;                                   \
	})

int kk_dec_obj(struct kk_dec *d, const cJSON *obj, const char *key, const cJSON **out)
{
	const cJSON *n = kk_dec_member(d, obj, key);

	*out = NULL;
	if (is_null(n))
		return 0;
	if (!cJSON_IsObject(n))
		return WITH_FIELD(d, key,
				  kk_dec_type_error(d, n, d->yaml ? "a mapping" : "an object"));
	*out = n;
	return 1;
}

/* A scalar as a string: JSON strings only; from YAML, any scalar's text. */
static int node_string(struct kk_dec *d, const cJSON *n, const char **out)
{
	if (cJSON_IsString(n)) {
		*out = n->valuestring;
		return 0;
	}
	if (d->yaml && !cJSON_IsObject(n) && !cJSON_IsArray(n)) {
		const struct kk_yaml_mark *m = kk_yaml_mark_of(d->yaml, n);

		if (m && m->raw) {
			*out = m->raw;
			return 0;
		}
	}
	return kk_dec_type_error(d, n, "a string");
}

int kk_dec_str(struct kk_dec *d, const cJSON *obj, const char *key, char **out)
{
	const cJSON *n = kk_dec_member(d, obj, key);
	const char *s = "";

	if (is_null(n)) {
		if (n && d->yaml)
			kk_str_set(out, NULL); /* yaml.v3 resets to the zero value */
		return 0;
	}
	if (WITH_FIELD(d, key, node_string(d, n, &s)) < 0)
		return -1;
	kk_str_set(out, s);
	return 0;
}

int kk_dec_bool(struct kk_dec *d, const cJSON *obj, const char *key, bool *out)
{
	const cJSON *n = kk_dec_member(d, obj, key);

	if (is_null(n))
		return 0;
	if (cJSON_IsBool(n)) {
		*out = cJSON_IsTrue(n);
		return 0;
	}
	/* yaml.v3 also reads the YAML 1.1 words into a bool field, quoted or not */
	if (cJSON_IsString(n) && d->yaml) {
		static const char *const yes[] = { "y", "Y", "yes", "Yes", "YES", "on", "On", "ON" };
		static const char *const no[] = { "n", "N", "no", "No", "NO", "off", "Off", "OFF" };

		for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
			if (strcmp(n->valuestring, yes[i]) == 0) {
				*out = true;
				return 0;
			}
			if (strcmp(n->valuestring, no[i]) == 0) {
				*out = false;
				return 0;
			}
		}
	}
	return WITH_FIELD(d, key, kk_dec_type_error(d, n, "a boolean"));
}

static int node_i64(struct kk_dec *d, const cJSON *n, int64_t min, int64_t max, int64_t *out)
{
	const struct kk_yaml_mark *m = kk_yaml_mark_of(d->yaml, n);
	double v;

	if (!cJSON_IsNumber(n) || (m && m->kind != KK_YAML_INT && m->kind != KK_YAML_FLOAT))
		return kk_dec_type_error(d, n, "an integer");
	v = n->valuedouble;
	if (!isfinite(v))
		return kk_dec_fail(d, n, "expected an integer, got %g", v);
	/* yaml.v3 truncates a float into an integer field; encoding/json refuses it */
	if (m && m->kind == KK_YAML_FLOAT)
		v = trunc(v);
	if (v != floor(v))
		return kk_dec_fail(d, n, "expected an integer, got %g", v);
	if (v < (double)min || v > (double)max || v >= 9223372036854775808.0)
		return kk_dec_fail(d, n, "integer %.0f out of range", v);
	*out = (int64_t)v;
	return 0;
}

int kk_dec_node_i64(struct kk_dec *d, const cJSON *node, int64_t *out)
{
	return node_i64(d, node, INT64_MIN, INT64_MAX, out);
}

int kk_dec_i64(struct kk_dec *d, const cJSON *obj, const char *key, int64_t *out, bool *present)
{
	const cJSON *n = kk_dec_member(d, obj, key);

	if (is_null(n))
		return 0;
	if (WITH_FIELD(d, key, node_i64(d, n, INT64_MIN, INT64_MAX, out)) < 0)
		return -1;
	if (present)
		*present = true;
	return 0;
}

int kk_dec_u32(struct kk_dec *d, const cJSON *obj, const char *key, uint32_t *out)
{
	const cJSON *n = kk_dec_member(d, obj, key);
	int64_t v = 0;

	if (is_null(n))
		return 0;
	if (WITH_FIELD(d, key, node_i64(d, n, 0, UINT32_MAX, &v)) < 0)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* The entries of a list of strings (map false: into a kk_strv) or of a string map (into a
 * kk_labels); out is replaced only when every entry decodes. A null entry is "". */
static int string_items(struct kk_dec *d, const cJSON *node, bool map, void *out)
{
	struct kk_strv sv = { .set = true };
	struct kk_labels lv = { .set = true };
	size_t i = 0;

	for (const cJSON *c = node->child; c; c = c->next, i++) {
		const char *s = "";
		size_t old = map ? kk_dec_push(d, c->string) : kk_dec_push_index(d, i);

		if (!is_null(c) && node_string(d, c, &s) < 0) {
			kk_strv_clear(&sv);
			kk_labels_clear(&lv);
			return -1;
		}
		kk_dec_pop(d, old);
		if (map)
			kk_labels_set(&lv, c->string, s);
		else
			kk_strv_push(&sv, s);
	}
	if (map) {
		kk_labels_clear(out);
		*(struct kk_labels *)out = lv;
	} else {
		kk_strv_clear(out);
		*(struct kk_strv *)out = sv;
	}
	return 0;
}

/* Member key of obj as string_items(); null decodes to a nil slice or map. */
static int dec_strings(struct kk_dec *d, const cJSON *obj, const char *key, bool map, void *out)
{
	const cJSON *n = kk_dec_member(d, obj, key);

	if (is_null(n)) {
		if (n && map)
			kk_labels_clear(out);
		else if (n)
			kk_strv_clear(out);
		return 0;
	}
	if (map && !cJSON_IsObject(n))
		return WITH_FIELD(d, key,
				  kk_dec_type_error(d, n, d->yaml ? "a mapping" : "an object"));
	if (!map && !cJSON_IsArray(n))
		return WITH_FIELD(d, key, kk_dec_type_error(d, n, "a list of strings"));
	return WITH_FIELD(d, key, string_items(d, n, map, out));
}

int kk_dec_strv(struct kk_dec *d, const cJSON *obj, const char *key, struct kk_strv *out)
{
	return dec_strings(d, obj, key, false, out);
}

int kk_dec_labels(struct kk_dec *d, const cJSON *obj, const char *key, struct kk_labels *out)
{
	return dec_strings(d, obj, key, true, out);
}

static int node_time(struct kk_dec *d, const cJSON *n, struct kk_time *out)
{
	const char *s = "";
	struct kk_err terr = { 0 };
	char date[40];

	if (node_string(d, n, &s) < 0)
		return -1;
	if (kk_time_parse(s, out, &terr) == 0)
		return 0;
	/* yaml.v3 also reads a bare date as midnight UTC */
	if (d->yaml && strlen(s) == 10) {
		snprintf(date, sizeof(date), "%sT00:00:00Z", s);
		if (kk_time_parse(date, out, &terr) == 0)
			return 0;
	}
	return kk_dec_fail(d, n, "%s", terr.msg);
}

int kk_dec_time(struct kk_dec *d, const cJSON *obj, const char *key, struct kk_time *out)
{
	const cJSON *n = kk_dec_member(d, obj, key);

	if (is_null(n))
		return 0;
	return WITH_FIELD(d, key, node_time(d, n, out));
}

static int node_state(struct kk_dec *d, const cJSON *n, const struct kk_state_names *names,
		      int *out)
{
	const struct kk_yaml_mark *m = kk_yaml_mark_of(d->yaml, n);
	char q[160];

	if (cJSON_IsNumber(n) && (!m || m->kind == KK_YAML_INT)) {
		double v = n->valuedouble;

		if (v != floor(v)) {
			if (!d->yaml)
				return kk_dec_fail(d, n, "%s state: expected string or int, got %g",
						   names->what, v);
		}
		if (v < 0 || v >= names->n)
			return kk_dec_fail(d, n, "%s state: int %.0f out of range", names->what, v);
		*out = (int)v;
		return 0;
	}
	if (cJSON_IsObject(n) || cJSON_IsArray(n)) {
		if (d->yaml)
			return kk_dec_fail(d, n, "%s state: expected scalar, got %s", names->what,
					   what_is(d, n));
		return kk_dec_fail(d, n, "%s state: expected string or int", names->what);
	}
	const char *s = "";

	if (cJSON_IsString(n))
		s = n->valuestring;
	else if (m && m->raw)
		s = m->raw;
	else
		return kk_dec_fail(d, n, "%s state: expected string or int", names->what);
	for (int i = 0; i < names->n; i++) {
		if (strcmp(s, names->labels[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	kk_go_quote_buf(s, q, sizeof(q));
	return kk_dec_fail(d, n, "%s state: unknown label %s", names->what, q);
}

int kk_dec_state(struct kk_dec *d, const cJSON *obj, const char *key,
		 const struct kk_state_names *names, int *out)
{
	const cJSON *n = kk_dec_member(d, obj, key);

	if (is_null(n))
		return 0;
	return WITH_FIELD(d, key, node_state(d, n, names, out));
}

int kk_dec_list(struct kk_dec *d, const cJSON *obj, const char *key, size_t *count,
		int (*item)(struct kk_dec *d, const cJSON *node, size_t i, void *ctx), void *ctx)
{
	const cJSON *n = kk_dec_member(d, obj, key);
	size_t old, i = 0;

	*count = 0;
	if (is_null(n))
		return 0;
	if (!cJSON_IsArray(n))
		return WITH_FIELD(d, key, kk_dec_type_error(d, n, "a list"));
	old = kk_dec_push(d, key);
	for (const cJSON *c = n->child; c; c = c->next, i++) {
		size_t o2 = kk_dec_push_index(d, i);

		if (!is_null(c) && !cJSON_IsObject(c))
			return kk_dec_type_error(d, c, d->yaml ? "a mapping" : "an object");
		if (item(d, c, i, ctx) < 0)
			return -1;
		kk_dec_pop(d, o2);
		*count = i + 1;
	}
	*count = i;
	kk_dec_pop(d, old);
	return 0;
}

int kk_dec_section(struct kk_dec *d, const cJSON *obj, const char *key,
		   int (*fn)(struct kk_dec *d, const cJSON *node, void *ctx), void *ctx)
{
	const cJSON *n;
	int rc = kk_dec_obj(d, obj, key, &n);
	size_t old;

	if (rc <= 0)
		return rc;
	old = kk_dec_push(d, key);
	if (fn(d, n, ctx) < 0)
		return -1;
	kk_dec_pop(d, old);
	return 1;
}

int kk_dec_meta(struct kk_dec *d, const cJSON *root, struct kk_meta *out)
{
	const cJSON *m;
	int rc = kk_dec_obj(d, root, "metadata", &m);
	size_t old;

	if (rc <= 0)
		return rc;
	old = kk_dec_push(d, "metadata");
	if (kk_dec_str(d, m, "name", &out->name) < 0 ||
	    kk_dec_labels(d, m, "labels", &out->labels) < 0)
		return -1;
	kk_dec_pop(d, old);
	return 0;
}
