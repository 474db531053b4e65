/* common/model/codec.c - value types, encode helpers, field tables and the shared status of
 * every kind. The decode helpers (kk_dec_*) are in codec_dec.c. */
#include "common/model/codec.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/cleanup.h"
#include "common/mem.h"

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
