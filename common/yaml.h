/* common/yaml.h - YAML in (libyaml -> cJSON trees with positions) and YAML out (yaml.v3 style).
 *
 * The only place libyaml is used. Manifests become cJSON trees so every model type has one
 * decoder for YAML and JSON. cJSON nodes have no room for a position, so each parsed
 * document carries a side table (marks) giving the line/column of every node and, for
 * scalars, how YAML resolved them. Scalars follow YAML 1.2 core schema as gopkg.in/yaml.v3
 * resolves them: plain `123`/`0x1f`/`1_000` are ints, `1.5`/`1e3` floats, true/True/TRUE and
 * false/... booleans, ``/~/null/Null/NULL null; anything quoted or in a block scalar is a
 * string. Decoders that want a string accept any scalar (yaml.v3 does) by reading
 * kk_yaml_mark.raw. Duplicate mapping keys are an error (as in yaml.v3). Aliases are
 * expanded (bounded); merge keys (`<<`) are ordinary keys.
 *
 * Streams are split the way kukeon v0.5.0 does: on lines whose only content is `---`,
 * each piece trimmed, empty pieces skipped. Document indexes are 0-based like upstream's
 * messages ("document 0: ..."); lines are 1-based lines of the whole input. */
#ifndef KK_COMMON_YAML_H
#define KK_COMMON_YAML_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"

struct cJSON;

enum kk_yaml_kind {
	KK_YAML_STR = 0,   /* quoted, block or plain string */
	KK_YAML_INT,       /* plain scalar resolved to !!int (raw holds the text) */
	KK_YAML_FLOAT,     /* plain scalar resolved to !!float */
	KK_YAML_BOOL,      /* plain true/false */
	KK_YAML_NULL,      /* plain null, ~ or empty */
	KK_YAML_TIMESTAMP, /* plain scalar yaml.v3 reads as !!timestamp (stored as a string) */
	KK_YAML_MAP,
	KK_YAML_SEQ,
};

struct kk_yaml_mark {
	const struct cJSON *node; /* borrowed: the node this mark describes */
	int line, col;            /* 1-based, in the whole input */
	enum kk_yaml_kind kind;
	char *raw; /* owned: scalar text as written (NULL for collections) */
};

struct kk_yaml_doc {
	int index;                  /* 0-based among the stream's non-empty documents */
	int line;                   /* 1-based line where the document's text starts */
	struct cJSON *root;         /* owned; NULL when the document failed to parse */
	struct kk_err err;          /* when root is NULL: "line L column C: problem" */
	struct kk_yaml_mark *marks; /* owned, sorted by node address */
	size_t nmarks;
	size_t *slots_; /* private: hash index over marks */
	size_t nslots_;
};

struct kk_yaml_stream {
	char *name; /* owned copy of the display name ("x.yaml", "-" for stdin) */
	struct kk_yaml_doc *docs;
	size_t n;
};

/* Split buf (len bytes, need not be NUL-terminated) into documents and parse each. Fails
 * only when nothing is left after splitting: "no documents found in input". A document
 * that is not valid YAML does not fail the stream: its root is NULL and its err says why,
 * so callers can report it per document as upstream does. *out is freed with
 * kk_yaml_stream_free(). */
int kk_yaml_parse_stream(const char *buf, size_t len, const char *name, struct kk_yaml_stream **out,
			 struct kk_err *err);
void kk_yaml_stream_free(struct kk_yaml_stream *s);
void kk_yaml_stream_freep(struct kk_yaml_stream **s);

/* Parse buf as one document (the first one, like yaml.Unmarshal; an input with no document
 * gives a null root). first_line is the input line of buf's first byte (1 normally).
 * Fills *doc (index 0); on failure returns -1 with "line L column C: problem" in err and
 * leaves *doc empty. Release with kk_yaml_doc_clear(). */
int kk_yaml_parse_doc(const char *buf, size_t len, int first_line, struct kk_yaml_doc *doc,
		      struct kk_err *err);
void kk_yaml_doc_clear(struct kk_yaml_doc *doc);

/* The mark of node (NULL when doc is NULL or node has none). */
const struct kk_yaml_mark *kk_yaml_mark_of(const struct kk_yaml_doc *doc, const struct cJSON *node);

/* Emit tree as one YAML document the way gopkg.in/yaml.v3 encodes (block style, empty
 * collections as [] and {}, strings quoted only when yaml.v3 would, multi-line strings as
 * literal blocks, no line folding), with indent 2 (`kuke get -o yaml`, via SetIndent(2))
 * or 4 (yaml.v3's default, `apply -o yaml`). cJSON_Raw nodes are written verbatim as
 * plain scalars (used for time values, which yaml.v3 writes unquoted). Returns a new
 * string ending in "\n"; free() it. Never fails. */
char *kk_yaml_emit(const struct cJSON *tree, int indent);

/* Would yaml.v3 write s unquoted? Exposed for tests. */
bool kk_yaml_string_is_plain(const char *s);

#endif
