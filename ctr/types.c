/* ctr/types.c - the plain-C types of ctr.h and their protobuf conversions (ctr/pb.h). */
#include "ctr/pb.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"

/* ---- public types --------------------------------------------------------------------- */

void ctr_labels_set(struct ctr_labels *l, const char *key, const char *value)
{
	for (size_t i = 0; i < l->n; i++) {
		if (strcmp(l->keys[i], key) == 0) {
			free(l->values[i]);
			l->values[i] = kk_xstrdup(value);
			return;
		}
	}
	l->keys = kk_xrealloc(l->keys, (l->n + 1) * sizeof(*l->keys));
	l->values = kk_xrealloc(l->values, (l->n + 1) * sizeof(*l->values));
	l->keys[l->n] = kk_xstrdup(key);
	l->values[l->n] = kk_xstrdup(value);
	l->n++;
}

const char *ctr_labels_get(const struct ctr_labels *l, const char *key)
{
	for (size_t i = 0; l && i < l->n; i++)
		if (strcmp(l->keys[i], key) == 0)
			return l->values[i];
	return NULL;
}

void ctr_labels_clear(struct ctr_labels *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->keys[i]);
		free(l->values[i]);
	}
	free(l->keys);
	free(l->values);
	memset(l, 0, sizeof(*l));
}

void ctr_desc_clear(struct ctr_desc *d)
{
	free(d->media_type);
	free(d->digest);
	ctr_labels_clear(&d->annotations);
	memset(d, 0, sizeof(*d));
}

void ctr_mounts_clear(struct ctr_mounts *m)
{
	for (size_t i = 0; i < m->n; i++) {
		struct ctr_mount *x = &m->m[i];

		free(x->type);
		free(x->source);
		free(x->target);
		for (size_t j = 0; j < x->n_options; j++)
			free(x->options[j]);
		free(x->options);
	}
	free(m->m);
	memset(m, 0, sizeof(*m));
}

/* ---- pool ----------------------------------------------------------------------------- */

void *ctr_pb_alloc(struct ctr_pb_pool *p, size_t size)
{
	void *x = kk_xcalloc(1, size ? size : 1);

	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 8;
		p->ptrs = kk_xrealloc(p->ptrs, p->cap * sizeof(*p->ptrs));
	}
	p->ptrs[p->n++] = x;
	return x;
}

void ctr_pb_pool_release(struct ctr_pb_pool *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->ptrs[i]);
	free(p->ptrs);
	memset(p, 0, sizeof(*p));
}

/* ---- conversions ---------------------------------------------------------------------- */

char **ctr_pb_strv(const char *const *v, size_t *n)
{
	size_t i = 0;

	while (v && v[i])
		i++;
	*n = i;
	return i ? (char **)v : NULL;
}

char *ctr_pb_dup(const char *s)
{
	return kk_xstrdup(s ? s : "");
}

struct pb_kv {
	ProtobufCMessage base;
	char *key;
	char *value;
};

void ctr_pb_map(struct ctr_pb_pool *p, const struct ctr_labels *l,
		const ProtobufCMessageDescriptor *entry_desc, size_t *n, void *entries)
{
	struct pb_kv *kv, **arr;

	*n = 0;
	*(void **)entries = NULL;
	if (!l || !l->n)
		return;
	kv = ctr_pb_alloc(p, l->n * sizeof(*kv));
	arr = ctr_pb_alloc(p, l->n * sizeof(*arr));
	for (size_t i = 0; i < l->n; i++) {
		protobuf_c_message_init(entry_desc, &kv[i]);
		kv[i].key = l->keys[i];
		kv[i].value = l->values[i];
		arr[i] = &kv[i];
	}
	*n = l->n;
	*(void **)entries = arr;
}

void ctr_labels_from_pb(struct ctr_labels *out, size_t n, const void *entries)
{
	struct pb_kv *const *arr = entries;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n; i++)
		ctr_labels_set(out, arr[i]->key ? arr[i]->key : "",
			       arr[i]->value ? arr[i]->value : "");
}

Containerd__Types__Descriptor *ctr_pb_desc(struct ctr_pb_pool *p, const struct ctr_desc *d)
{
	Containerd__Types__Descriptor *x = ctr_pb_alloc(p, sizeof(*x));

	containerd__types__descriptor__init(x);
	x->media_type = ctr_pb_str(d->media_type);
	x->digest = ctr_pb_str(d->digest);
	x->size = d->size;
	ctr_pb_map(p, &d->annotations, &containerd__types__descriptor__annotations_entry__descriptor,
		   &x->n_annotations, &x->annotations);
	return x;
}

void ctr_desc_from_pb(struct ctr_desc *out, const Containerd__Types__Descriptor *d)
{
	memset(out, 0, sizeof(*out));
	if (!d) {
		out->media_type = kk_xstrdup("");
		out->digest = kk_xstrdup("");
		return;
	}
	out->media_type = ctr_pb_dup(d->media_type);
	out->digest = ctr_pb_dup(d->digest);
	out->size = d->size;
	ctr_labels_from_pb(&out->annotations, d->n_annotations, d->annotations);
}

Containerd__Types__Mount **ctr_pb_mounts(struct ctr_pb_pool *p, const struct ctr_mounts *m,
					 size_t *n)
{
	Containerd__Types__Mount *x, **arr;

	*n = 0;
	if (!m || !m->n)
		return NULL;
	x = ctr_pb_alloc(p, m->n * sizeof(*x));
	arr = ctr_pb_alloc(p, m->n * sizeof(*arr));
	for (size_t i = 0; i < m->n; i++) {
		containerd__types__mount__init(&x[i]);
		x[i].type = ctr_pb_str(m->m[i].type);
		x[i].source = ctr_pb_str(m->m[i].source);
		x[i].target = ctr_pb_str(m->m[i].target);
		x[i].n_options = m->m[i].n_options;
		x[i].options = m->m[i].options;
		arr[i] = &x[i];
	}
	*n = m->n;
	return arr;
}

void ctr_mounts_from_pb(struct ctr_mounts *out, size_t n, Containerd__Types__Mount *const *m)
{
	memset(out, 0, sizeof(*out));
	if (!n)
		return;
	out->m = kk_xcalloc(n, sizeof(*out->m));
	out->n = n;
	for (size_t i = 0; i < n; i++) {
		struct ctr_mount *x = &out->m[i];

		x->type = ctr_pb_dup(m[i]->type);
		x->source = ctr_pb_dup(m[i]->source);
		x->target = ctr_pb_dup(m[i]->target);
		x->n_options = m[i]->n_options;
		x->options = kk_xcalloc(x->n_options ? x->n_options : 1, sizeof(char *));
		for (size_t j = 0; j < x->n_options; j++)
			x->options[j] = ctr_pb_dup(m[i]->options[j]);
	}
}

Google__Protobuf__FieldMask *ctr_pb_field_mask(struct ctr_pb_pool *p, const char *const *paths)
{
	Google__Protobuf__FieldMask *fm;

	if (!paths)
		return NULL;
	fm = ctr_pb_alloc(p, sizeof(*fm));
	google__protobuf__field_mask__init(fm);
	fm->paths = ctr_pb_strv(paths, &fm->n_paths);
	return fm;
}

int64_t ctr_ts_ns(const Google__Protobuf__Timestamp *ts)
{
	/* Go's zero time (year 1) and anything else before the epoch mean "not set" */
	if (!ts || ts->seconds < 0 || ts->seconds > INT64_MAX / 1000000000LL - 1)
		return 0;
	return ts->seconds * 1000000000LL + ts->nanos;
}
