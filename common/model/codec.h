/* common/model/codec.h - shared pieces of the v1beta1 types and their one codec.
 *
 * Every kind decodes from a cJSON tree that came either from YAML (common/yaml.h, with a
 * kk_yaml_doc giving lines and scalar resolution) or from JSON (metadata.json, the wire;
 * no yaml doc). The rules follow the Go decoders upstream uses:
 *   - unknown keys are ignored; JSON keys match case-insensitively (encoding/json), YAML
 *     keys exactly (yaml.v3);
 *   - null leaves the zero value;
 *   - types are strict: a list where a string is expected is an error naming the field
 *     path (and the line, for YAML): "line 14: spec.containers[0].args: expected a list,
 *     got a string". From YAML any scalar is accepted as a string (yaml.v3 does: `name: 123`
 *     is "123"); from JSON only strings are.
 * Encoding builds a cJSON tree in upstream's key order with upstream's omitempty rules. The
 * mode picks the encoder being mimicked: KK_ENC_JSON (encoding/json: nil list -> null,
 * nil map -> null, struct-typed fields never omitted, times as strings, map keys sorted
 * bytewise) or KK_ENC_YAML (yaml.v3: nil list -> [], nil map -> {}, zero structs and
 * times omitted when omitempty, times as plain scalars, map keys in yaml.v3's natural order).
 * Print the tree with kk_json_print() or kk_yaml_emit(). */
#ifndef KK_COMMON_MODEL_CODEC_H
#define KK_COMMON_MODEL_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/err.h"
#include "common/gostr.h"
#include "common/json.h"

struct cJSON;
struct kk_yaml_doc;
struct kk_dec;

#define KK_API_VERSION "v1beta1"

/* A Go []string: set == false is nil (JSON null), set with n == 0 is empty ([]). */
struct kk_strv {
	char **v; /* owned, n entries */
	size_t n;
	bool set;
};

struct kk_label {
	char *key;   /* owned */
	char *value; /* owned */
};

/* A Go map[string]string; set == false is nil. Order is insertion order; encoders sort. */
struct kk_labels {
	struct kk_label *v;
	size_t n;
	bool set;
};

/* Metadata shared by every kind. */
struct kk_meta {
	char *name; /* owned */
	struct kk_labels labels;
};

enum kk_enc_mode {
	KK_ENC_JSON,
	KK_ENC_YAML,
};

/* State labels of one kind, index = legacy integer (reference §6.7). */
struct kk_state_names {
	const char *what; /* "realm", "space", ... as in upstream's messages */
	const char *const *labels;
	int n;
};

/* Status fields every hierarchy kind shares (reference §1.2.1). */
struct kk_status {
	int state; /* index into the kind's state names */
	char *cgroup_path;
	struct kk_strv subtree_controllers;
	struct kk_time created_at, updated_at, ready_at;
	char *reason;
	char *message;
	bool cgroup_ready;
};
void kk_status_clear(struct kk_status *s);
/* Upstream's persistence rule for a status write: createdAt once, updatedAt always, readyAt
 * on the first write in ready_state (the kind's Ready value). */
void kk_status_stamp(struct kk_status *s, int ready_state);
int kk_dec_status(struct kk_dec *d, const struct cJSON *status, const struct kk_state_names *names,
		  struct kk_status *out);
/* state, cgroupPath (omitempty unless cgroup_always), subtreeControllers */
void kk_enc_status_head(enum kk_enc_mode mode, struct cJSON *obj, const struct kk_status *s,
			const struct kk_state_names *names, bool cgroup_always);
/* createdAt, updatedAt, readyAt, reason, message, cgroupReady */
void kk_enc_status_tail(enum kk_enc_mode mode, struct cJSON *obj, const struct kk_status *s);

/* ---- values ---- */
void kk_strv_clear(struct kk_strv *v);
/* Append a copy of s; the list becomes set (non-nil). */
void kk_strv_push(struct kk_strv *v, const char *s);
void kk_strv_copy(struct kk_strv *dst, const struct kk_strv *src);
bool kk_strv_equal(const struct kk_strv *a, const struct kk_strv *b);
void kk_labels_clear(struct kk_labels *l);
/* Set key to value (replacing an existing value); the map becomes set. */
void kk_labels_set(struct kk_labels *l, const char *key, const char *value);
/* The value of key (borrowed), or NULL. */
const char *kk_labels_get(const struct kk_labels *l, const char *key);
void kk_labels_copy(struct kk_labels *dst, const struct kk_labels *src);
bool kk_labels_equal(const struct kk_labels *a, const struct kk_labels *b);
void kk_meta_clear(struct kk_meta *m);
/* Replace *dst with a copy of s (NULL stays NULL). */
void kk_str_set(char **dst, const char *s);
/* s, or "" when NULL. */
static inline const char *kk_str(const char *s)
{
	return s ? s : "";
}
/* s is NULL or "". */
static inline bool kk_str_empty(const char *s)
{
	return !s || !*s;
}
/* a is set and equal to b. */
static inline bool kk_str_is(const char *a, const char *b)
{
	return a && strcmp(a, b) == 0;
}
/* State label for value (out-of-range values print as "Unknown", as upstream's String()). */
const char *kk_state_label(const struct kk_state_names *names, int value);
/* yaml.v3's ordering of map keys (digit runs compare as numbers). */
int kk_yaml_key_cmp(const char *a, const char *b);

/* ---- decoding ---- */
struct kk_dec {
	const struct kk_yaml_doc *yaml; /* NULL: the tree came from JSON */
	struct kk_err *err;
	char path[256]; /* field path of the node being decoded, for messages */
	size_t plen;
};

void kk_dec_init(struct kk_dec *d, const struct kk_yaml_doc *yaml, struct kk_err *err);
/* Push a path segment (".key", or "[i]"); returns the length to restore with kk_dec_pop. */
size_t kk_dec_push(struct kk_dec *d, const char *key);
size_t kk_dec_push_index(struct kk_dec *d, size_t i);
void kk_dec_pop(struct kk_dec *d, size_t len);
/* The member key of obj (NULL if absent or obj is not an object). */
const struct cJSON *kk_dec_member(const struct kk_dec *d, const struct cJSON *obj, const char *key);
/* Fail with "[line L: ]<path>: <msg>" for node (printf-style msg). Returns -1. */
int kk_dec_fail(struct kk_dec *d, const struct cJSON *node, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Fail with "expected <want>, got <what node is>". */
int kk_dec_type_error(struct kk_dec *d, const struct cJSON *node, const char *want);
/* Line of node in the YAML source, 0 when unknown. */
int kk_dec_line(const struct kk_dec *d, const struct cJSON *node);

/* Each helper reads member key of obj (absent or null: the output keeps its zero value and
 * the helper returns 0). Errors name the path. */
int kk_dec_obj(struct kk_dec *d, const struct cJSON *obj, const char *key,
	       const struct cJSON **out); /* 1 = an object, 0 = absent/null */
/* Member key of obj as a section: when it is an object, fn(d, node, ctx) with the path
 * extended by key. 1 when fn ran, 0 when absent or null, -1 on failure. */
int kk_dec_section(struct kk_dec *d, const struct cJSON *obj, const char *key,
		   int (*fn)(struct kk_dec *d, const struct cJSON *node, void *ctx), void *ctx);
int kk_dec_str(struct kk_dec *d, const struct cJSON *obj, const char *key, char **out);
int kk_dec_bool(struct kk_dec *d, const struct cJSON *obj, const char *key, bool *out);
/* present is set when a non-null value was read (for Go pointer fields); may be NULL. */
int kk_dec_i64(struct kk_dec *d, const struct cJSON *obj, const char *key, int64_t *out,
	       bool *present);
/* node itself as an integer (list elements). */
int kk_dec_node_i64(struct kk_dec *d, const struct cJSON *node, int64_t *out);
int kk_dec_u32(struct kk_dec *d, const struct cJSON *obj, const char *key, uint32_t *out);
int kk_dec_strv(struct kk_dec *d, const struct cJSON *obj, const char *key, struct kk_strv *out);
int kk_dec_labels(struct kk_dec *d, const struct cJSON *obj, const char *key,
		  struct kk_labels *out);
int kk_dec_time(struct kk_dec *d, const struct cJSON *obj, const char *key, struct kk_time *out);
/* Label or legacy integer; errors as upstream: `<what> state: unknown label "<x>"`,
 * `<what> state: int N out of range`. */
int kk_dec_state(struct kk_dec *d, const struct cJSON *obj, const char *key,
		 const struct kk_state_names *names, int *out);
/* A list member: calls item(d, node, i, ctx) for each element. */
int kk_dec_list(struct kk_dec *d, const struct cJSON *obj, const char *key, size_t *count,
		int (*item)(struct kk_dec *d, const struct cJSON *node, size_t i, void *ctx),
		void *ctx);
/* metadata {name, labels} */
int kk_dec_meta(struct kk_dec *d, const struct cJSON *root, struct kk_meta *out);

/* ---- encoding ---- */
/* Add member key to obj. omitempty follows Go (empty string / false / 0 / len 0). */
void kk_enc_str(struct cJSON *obj, const char *key, const char *v, bool omitempty);
void kk_enc_bool(struct cJSON *obj, const char *key, bool v, bool omitempty);
void kk_enc_i64(struct cJSON *obj, const char *key, int64_t v, bool omitempty);
void kk_enc_strv(enum kk_enc_mode mode, struct cJSON *obj, const char *key, const struct kk_strv *v,
		 bool omitempty);
void kk_enc_labels(enum kk_enc_mode mode, struct cJSON *obj, const char *key,
		   const struct kk_labels *l, bool omitempty);
void kk_enc_time(enum kk_enc_mode mode, struct cJSON *obj, const char *key, const struct kk_time *t,
		 bool omitempty);
void kk_enc_state(struct cJSON *obj, const char *key, const struct kk_state_names *names,
		  int value);
/* Add an object member and return it (borrowed; owned by obj). */
struct cJSON *kk_enc_obj(struct cJSON *obj, const char *key);
struct cJSON *kk_enc_arr(struct cJSON *obj, const char *key);
/* apiVersion, kind, metadata: the head every document shares. labels_omitempty is true
 * for CellProfile and the configuration kinds. */
struct cJSON *kk_enc_head(enum kk_enc_mode mode, const char *api_version, const char *kind,
			  const struct kk_meta *meta, bool labels_omitempty);
/* A "status" member of obj with the shared status fields (kk_enc_status_head, then
 * kk_enc_status_tail); returns it (borrowed) for the kind's own fields after them. */
struct cJSON *kk_enc_status(enum kk_enc_mode mode, struct cJSON *obj, const struct kk_status *s,
			    const struct kk_state_names *names, bool cgroup_always);

/* ---- field tables ---- */
/* A run of plain members of one struct, decoded, encoded and freed by one loop: a row per
 * member, in upstream's key order. Lists of structs made only of such members (volumes,
 * secrets, ...) are records: the table of the element. */
enum kk_field_type {
	KK_FIELD_STR,  /* char * */
	KK_FIELD_BOOL, /* bool */
	KK_FIELD_I64,  /* int64_t */
	KK_FIELD_U32,  /* uint32_t */
	KK_FIELD_STRV, /* struct kk_strv */
	KK_FIELD_TIME, /* struct kk_time */
};
struct kk_field {
	const char *key;
	size_t off;
	enum kk_field_type type;
	bool omitempty;
};
struct kk_fields {
	const struct kk_field *v;
	size_t n;
	size_t size; /* of the struct: the element size of a record list */
};
/* KK_FIELDS(name, struct S, rows...) defines static const struct kk_fields name; a row is
 * KK_FIELD(S, member, "key", TYPE) or KK_FIELD_OMIT (omitempty). */
#define KK_FIELD(S, m, key, type)                           \
	{                                                   \
		key, offsetof(S, m), KK_FIELD_##type, false \
	}
#define KK_FIELD_OMIT(S, m, key, type)                     \
	{                                                  \
		key, offsetof(S, m), KK_FIELD_##type, true \
	}
#define KK_FIELDS(name, S, ...)                                                              \
	static const struct kk_field name##_rows[] = { __VA_ARGS__ };                        \
	static const struct kk_fields name = { name##_rows,                                  \
					       sizeof(name##_rows) / sizeof(name##_rows[0]), \
					       sizeof(S) }
int kk_dec_fields(struct kk_dec *d, const struct cJSON *obj, const struct kk_fields *f, void *base);
void kk_enc_fields(enum kk_enc_mode mode, struct cJSON *obj, const struct kk_fields *f,
		   const void *base);
void kk_fields_clear(const struct kk_fields *f, void *base);
/* Records: list member key of obj into *v (n elements of f->size bytes). When the member is
 * present the old list is freed first; *set (may be NULL) tells a list from null. */
int kk_dec_records(struct kk_dec *d, const struct cJSON *obj, const char *key,
		   const struct kk_fields *f, void **v, size_t *n, bool *set);
/* A list member decoded by kk_dec_list into a Go slice: absent leaves it alone; present,
 * clear(ctx) empties it first and *set (may be NULL) tells a list from null. */
int kk_dec_slice(struct kk_dec *d, const struct cJSON *obj, const char *key, bool *set,
		 void (*clear)(void *ctx),
		 int (*item)(struct kk_dec *d, const struct cJSON *node, size_t i, void *ctx),
		 void *ctx);
/* Append an object per record to the array arr. */
void kk_enc_records(enum kk_enc_mode mode, struct cJSON *arr, const struct kk_fields *f,
		    const void *v, size_t n);
void kk_records_free(const struct kk_fields *f, void *v, size_t n);
/* A Go slice member: null when nil in KK_ENC_JSON, else an array (returned, borrowed);
 * NULL when null was written. */
struct cJSON *kk_enc_slice(enum kk_enc_mode mode, struct cJSON *obj, const char *key, bool set,
			   size_t n);

/* ---- documents ---- */
/* What a kind adds after the shared head (apiVersion, kind, metadata), in the kind's file
 * as kk_<type>_body. common/model/doc.c decodes, encodes and frees every kind with it:
 * the head, then the spec and status sections (each called with its path pushed, also
 * when the section is absent: obj == NULL), then encode to add spec and status to the
 * root. A kind whose spec is a field table alone gives it as spec_fields: doc.c decodes,
 * encodes (as "spec") and clears it before calling the functions, any of which may then
 * be NULL. */
struct kk_body_codec {
	bool labels_omitempty; /* metadata.labels: CellProfile and the configurations */
	const struct kk_fields *spec_fields;
	int (*spec)(struct kk_dec *d, const struct cJSON *spec, void *doc);
	/* NULL: the kind has no status (the member is not read) */
	int (*status)(struct kk_dec *d, const struct cJSON *status, void *doc);
	void (*encode)(struct cJSON *root, const void *doc, enum kk_enc_mode mode);
	void (*clear)(void *doc); /* free what spec and status own */
};

#endif
