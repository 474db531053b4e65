/* common/model/codec.c - value types, decode and encode helpers shared by every kind. */
#include "common/model/codec.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "common/cleanup.h"
#include "common/mem.h"
#include "common/yaml.h"

/* ---- values ------------------------------------------------------------------------- */

void kk_str_set(char **dst, const char *s)
{
	free(*dst);
	*dst = s ? kk_xstrdup(s) : NULL;
}

void kk_strv_clear(struct kk_strv *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i]);
	free(v->v);
	memset(v, 0, sizeof(*v));
}

void kk_strv_push(struct kk_strv *v, const char *s)
{
	v->v = kk_xrealloc(v->v, (v->n + 1) * sizeof(*v->v));
	v->v[v->n++] = kk_xstrdup(s ? s : "");
	v->set = true;
}

void kk_strv_copy(struct kk_strv *dst, const struct kk_strv *src)
{
	kk_strv_clear(dst);
	for (size_t i = 0; i < src->n; i++)
		kk_strv_push(dst, src->v[i]);
	dst->set = src->set;
}

bool kk_strv_equal(const struct kk_strv *a, const struct kk_strv *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return false;
	return true;
}

void kk_labels_clear(struct kk_labels *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].key);
		free(l->v[i].value);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

void kk_labels_set(struct kk_labels *l, const char *key, const char *value)
{
	l->set = true;
	for (size_t i = 0; i < l->n; i++) {
		if (strcmp(l->v[i].key, key) == 0) {
			kk_str_set(&l->v[i].value, value ? value : "");
			return;
		}
	}
	l->v = kk_xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n].key = kk_xstrdup(key);
	l->v[l->n].value = kk_xstrdup(value ? value : "");
	l->n++;
}

const char *kk_labels_get(const struct kk_labels *l, const char *key)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].key, key) == 0)
			return l->v[i].value;
	return NULL;
}

void kk_labels_copy(struct kk_labels *dst, const struct kk_labels *src)
{
	kk_labels_clear(dst);
	for (size_t i = 0; i < src->n; i++)
		kk_labels_set(dst, src->v[i].key, src->v[i].value);
	dst->set = src->set;
}

bool kk_labels_equal(const struct kk_labels *a, const struct kk_labels *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		const char *v = kk_labels_get(b, a->v[i].key);

		if (!v || strcmp(v, a->v[i].value) != 0)
			return false;
	}
	return true;
}

void kk_meta_clear(struct kk_meta *m)
{
	free(m->name);
	kk_labels_clear(&m->labels);
	memset(m, 0, sizeof(*m));
}

const char *kk_state_label(const struct kk_state_names *names, int value)
{
	if (value < 0 || value >= names->n)
		return "Unknown";
	return names->labels[value];
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool is_letter(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

/* gopkg.in/yaml.v3 keyList.Less for string keys, on bytes (labels are ASCII in practice). */
int kk_yaml_key_cmp(const char *as, const char *bs)
{
	const unsigned char *a = (const unsigned char *)as, *b = (const unsigned char *)bs;
	size_t la = strlen(as), lb = strlen(bs);
	bool digits = false;

	for (size_t i = 0; i < la && i < lb; i++) {
		if (a[i] == b[i]) {
			digits = is_digit(a[i]);
			continue;
		}
		bool al = is_letter(a[i]), bl = is_letter(b[i]);

		if (al && bl)
			return a[i] < b[i] ? -1 : 1;
		if (al || bl) {
			if (digits)
				return al ? -1 : 1;
			return bl ? -1 : 1;
		}
		int64_t an = 0, bn = 0;
		size_t ai, bi;

		if (a[i] == '0' || b[i] == '0') {
			for (size_t j = i; j-- > 0 && is_digit(a[j]);) {
				if (a[j] != '0') {
					an = 1;
					bn = 1;
					break;
				}
			}
		}
		for (ai = i; ai < la && is_digit(a[ai]); ai++)
			an = an * 10 + (a[ai] - '0');
		for (bi = i; bi < lb && is_digit(b[bi]); bi++)
			bn = bn * 10 + (b[bi] - '0');
		if (an != bn)
			return an < bn ? -1 : 1;
		if (ai != bi)
			return ai < bi ? -1 : 1;
		return a[i] < b[i] ? -1 : 1;
	}
	if (la == lb)
		return 0;
	return la < lb ? -1 : 1;
}

/* ---- decoding ----------------------------------------------------------------------- */

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
	return kk_dec_fail(d, node, "expected %s, got %s", want, what_is(d, node));
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

/* ---- encoding ----------------------------------------------------------------------- */

void kk_enc_str(cJSON *obj, const char *key, const char *v, bool omitempty)
{
	if (omitempty && (!v || !*v))
		return;
	cJSON_AddItemToObject(obj, key, cJSON_CreateString(v ? v : ""));
}

void kk_enc_bool(cJSON *obj, const char *key, bool v, bool omitempty)
{
	if (omitempty && !v)
		return;
	cJSON_AddItemToObject(obj, key, cJSON_CreateBool(v));
}

void kk_enc_i64(cJSON *obj, const char *key, int64_t v, bool omitempty)
{
	if (omitempty && v == 0)
		return;
	cJSON_AddItemToObject(obj, key, cJSON_CreateNumber((double)v));
}

/* A Go slice or map of n entries, nil unless set: omitted (omitempty and empty) or null
 * (nil, in encoding/json); true when that settled it. */
static bool enc_nil(enum kk_enc_mode mode, cJSON *obj, const char *key, bool set, size_t n,
		    bool omitempty)
{
	if (omitempty && n == 0)
		return true;
	if (!set && mode == KK_ENC_JSON) {
		cJSON_AddItemToObject(obj, key, cJSON_CreateNull());
		return true;
	}
	return false;
}

void kk_enc_strv(enum kk_enc_mode mode, cJSON *obj, const char *key, const struct kk_strv *v,
		 bool omitempty)
{
	if (enc_nil(mode, obj, key, v->set, v->n, omitempty))
		return;
	cJSON_AddItemToObject(obj, key,
			      v->n ? cJSON_CreateStringArray((const char *const *)v->v, (int)v->n)
				   : cJSON_CreateArray());
}

static int cmp_json_key(const void *a, const void *b)
{
	return strcmp((*(const struct kk_label *const *)a)->key,
		      (*(const struct kk_label *const *)b)->key);
}

static int cmp_yaml_key(const void *a, const void *b)
{
	return kk_yaml_key_cmp((*(const struct kk_label *const *)a)->key,
			       (*(const struct kk_label *const *)b)->key);
}

void kk_enc_labels(enum kk_enc_mode mode, cJSON *obj, const char *key, const struct kk_labels *l,
		   bool omitempty)
{
	cJSON *map;

	if (enc_nil(mode, obj, key, l->set, l->n, omitempty))
		return;
	map = cJSON_CreateObject();
	if (l->n) {
		cleanup_free const struct kk_label **sorted =
			kk_xcalloc(l->n, sizeof(const struct kk_label *));

		for (size_t i = 0; i < l->n; i++)
			sorted[i] = &l->v[i];
		qsort(sorted, l->n, sizeof(const struct kk_label *),
		      mode == KK_ENC_JSON ? cmp_json_key : cmp_yaml_key);
		for (size_t i = 0; i < l->n; i++)
			cJSON_AddItemToObject(map, sorted[i]->key,
					      cJSON_CreateString(sorted[i]->value));
	}
	cJSON_AddItemToObject(obj, key, map);
}

void kk_enc_time(enum kk_enc_mode mode, cJSON *obj, const char *key, const struct kk_time *t,
		 bool omitempty)
{
	char buf[KK_TIME_RFC3339NANO_MAX];

	kk_time_format(t, buf);
	if (mode == KK_ENC_JSON) {
		cJSON_AddItemToObject(obj, key, cJSON_CreateString(buf));
		return;
	}
	if (omitempty && kk_time_is_zero(t))
		return;
	cJSON_AddItemToObject(obj, key, cJSON_CreateRaw(buf));
}

void kk_enc_state(cJSON *obj, const char *key, const struct kk_state_names *names, int value)
{
	cJSON_AddItemToObject(obj, key, cJSON_CreateString(kk_state_label(names, value)));
}

cJSON *kk_enc_obj(cJSON *obj, const char *key)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddItemToObject(obj, key, o);
	return o;
}

cJSON *kk_enc_arr(cJSON *obj, const char *key)
{
	cJSON *o = cJSON_CreateArray();

	cJSON_AddItemToObject(obj, key, o);
	return o;
}

cJSON *kk_enc_head(enum kk_enc_mode mode, const char *api_version, const char *kind,
		   const struct kk_meta *meta, bool labels_omitempty)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *m;

	kk_enc_str(root, "apiVersion", api_version, false);
	kk_enc_str(root, "kind", kind, false);
	m = kk_enc_obj(root, "metadata");
	kk_enc_str(m, "name", meta->name, false);
	kk_enc_labels(mode, m, "labels", &meta->labels, labels_omitempty);
	return root;
}

/* ---- field tables ------------------------------------------------------------------- */

int kk_dec_fields(struct kk_dec *d, const cJSON *obj, const struct kk_fields *f, void *base)
{
	for (size_t i = 0; i < f->n; i++) {
		const struct kk_field *r = &f->v[i];
		void *p = (char *)base + r->off;
		int rc = 0;

		switch (r->type) {
		case KK_FIELD_STR:
			rc = kk_dec_str(d, obj, r->key, p);
			break;
		case KK_FIELD_BOOL:
			rc = kk_dec_bool(d, obj, r->key, p);
			break;
		case KK_FIELD_I64:
			rc = kk_dec_i64(d, obj, r->key, p, NULL);
			break;
		case KK_FIELD_U32:
			rc = kk_dec_u32(d, obj, r->key, p);
			break;
		case KK_FIELD_STRV:
			rc = kk_dec_strv(d, obj, r->key, p);
			break;
		case KK_FIELD_TIME:
			rc = kk_dec_time(d, obj, r->key, p);
			break;
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

void kk_enc_fields(enum kk_enc_mode mode, cJSON *obj, const struct kk_fields *f, const void *base)
{
	for (size_t i = 0; i < f->n; i++) {
		const struct kk_field *r = &f->v[i];
		const void *p = (const char *)base + r->off;

		switch (r->type) {
		case KK_FIELD_STR:
			kk_enc_str(obj, r->key, *(char *const *)p, r->omitempty);
			break;
		case KK_FIELD_BOOL:
			kk_enc_bool(obj, r->key, *(const bool *)p, r->omitempty);
			break;
		case KK_FIELD_I64:
			kk_enc_i64(obj, r->key, *(const int64_t *)p, r->omitempty);
			break;
		case KK_FIELD_U32:
			kk_enc_i64(obj, r->key, *(const uint32_t *)p, r->omitempty);
			break;
		case KK_FIELD_STRV:
			kk_enc_strv(mode, obj, r->key, p, r->omitempty);
			break;
		case KK_FIELD_TIME:
			kk_enc_time(mode, obj, r->key, p, r->omitempty);
			break;
		}
	}
}

void kk_fields_clear(const struct kk_fields *f, void *base)
{
	for (size_t i = 0; i < f->n; i++) {
		void *p = (char *)base + f->v[i].off;

		if (f->v[i].type == KK_FIELD_STR) {
			free(*(char **)p);
			*(char **)p = NULL;
		} else if (f->v[i].type == KK_FIELD_STRV) {
			kk_strv_clear(p);
		}
	}
}

struct records {
	const struct kk_fields *f;
	void **v;
	size_t *n;
};

static int record_item(struct kk_dec *d, const cJSON *node, size_t i, void *ctx)
{
	struct records *r = ctx;
	char *e;

	*r->v = kk_xrealloc(*r->v, (i + 1) * r->f->size);
	e = (char *)*r->v + i * r->f->size;
	memset(e, 0, r->f->size);
	*r->n = i + 1;
	return kk_dec_fields(d, node, r->f, e);
}

static void records_clear(void *ctx)
{
	struct records *r = ctx;

	kk_records_free(r->f, *r->v, *r->n);
	*r->v = NULL;
	*r->n = 0;
}

int kk_dec_records(struct kk_dec *d, const cJSON *obj, const char *key, const struct kk_fields *f,
		   void **v, size_t *n, bool *set)
{
	struct records r = { f, v, n };

	return kk_dec_slice(d, obj, key, set, records_clear, record_item, &r);
}

int kk_dec_slice(struct kk_dec *d, const cJSON *obj, const char *key, bool *set,
		 void (*clear)(void *ctx),
		 int (*item)(struct kk_dec *d, const cJSON *node, size_t i, void *ctx), void *ctx)
{
	const cJSON *m = kk_dec_member(d, obj, key);
	size_t count;

	if (!m)
		return 0;
	clear(ctx);
	if (kk_dec_list(d, obj, key, &count, item, ctx) < 0)
		return -1;
	if (set)
		*set = !cJSON_IsNull(m);
	return 0;
}

void kk_enc_records(enum kk_enc_mode mode, cJSON *arr, const struct kk_fields *f, const void *v,
		    size_t n)
{
	for (size_t i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();

		kk_enc_fields(mode, o, f, (const char *)v + i * f->size);
		cJSON_AddItemToArray(arr, o);
	}
}

void kk_records_free(const struct kk_fields *f, void *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		kk_fields_clear(f, (char *)v + i * f->size);
	free(v);
}

cJSON *kk_enc_slice(enum kk_enc_mode mode, cJSON *obj, const char *key, bool set, size_t n)
{
	return enc_nil(mode, obj, key, set || n, n, false) ? NULL : kk_enc_arr(obj, key);
}

/* ---- shared status ------------------------------------------------------------------ */

void kk_status_clear(struct kk_status *s)
{
	free(s->cgroup_path);
	kk_strv_clear(&s->subtree_controllers);
	free(s->reason);
	free(s->message);
	memset(s, 0, sizeof(*s));
}

void kk_status_stamp(struct kk_status *s, int ready_state)
{
	struct kk_time now = kk_time_now();

	if (kk_time_is_zero(&s->created_at))
		s->created_at = now;
	s->updated_at = now;
	if (s->state == ready_state && kk_time_is_zero(&s->ready_at))
		s->ready_at = now;
}

int kk_dec_status(struct kk_dec *d, const cJSON *st, const struct kk_state_names *names,
		  struct kk_status *out)
{
	if (kk_dec_state(d, st, "state", names, &out->state) < 0 ||
	    kk_dec_str(d, st, "cgroupPath", &out->cgroup_path) < 0 ||
	    kk_dec_strv(d, st, "subtreeControllers", &out->subtree_controllers) < 0 ||
	    kk_dec_time(d, st, "createdAt", &out->created_at) < 0 ||
	    kk_dec_time(d, st, "updatedAt", &out->updated_at) < 0 ||
	    kk_dec_time(d, st, "readyAt", &out->ready_at) < 0 ||
	    kk_dec_str(d, st, "reason", &out->reason) < 0 ||
	    kk_dec_str(d, st, "message", &out->message) < 0 ||
	    kk_dec_bool(d, st, "cgroupReady", &out->cgroup_ready) < 0)
		return -1;
	return 0;
}

void kk_enc_status_head(enum kk_enc_mode mode, cJSON *obj, const struct kk_status *s,
			const struct kk_state_names *names, bool cgroup_always)
{
	kk_enc_state(obj, "state", names, s->state);
	kk_enc_str(obj, "cgroupPath", s->cgroup_path, !cgroup_always);
	kk_enc_strv(mode, obj, "subtreeControllers", &s->subtree_controllers, true);
}

void kk_enc_status_tail(enum kk_enc_mode mode, cJSON *obj, const struct kk_status *s)
{
	kk_enc_time(mode, obj, "createdAt", &s->created_at, true);
	kk_enc_time(mode, obj, "updatedAt", &s->updated_at, true);
	kk_enc_time(mode, obj, "readyAt", &s->ready_at, true);
	kk_enc_str(obj, "reason", s->reason, true);
	kk_enc_str(obj, "message", s->message, true);
	kk_enc_bool(obj, "cgroupReady", s->cgroup_ready, true);
}

cJSON *kk_enc_status(enum kk_enc_mode mode, cJSON *obj, const struct kk_status *s,
		     const struct kk_state_names *names, bool cgroup_always)
{
	cJSON *st = kk_enc_obj(obj, "status");

	kk_enc_status_head(mode, st, s, names, cgroup_always);
	kk_enc_status_tail(mode, st, s);
	return st;
}
