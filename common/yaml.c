/* common/yaml.c - libyaml to cJSON with positions; a yaml.v3-compatible emitter. */
#include "common/yaml.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <yaml.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/mem.h"

/* Bounds that keep hostile input (alias bombs, deep nesting) from exhausting memory or the
 * stack; real manifests are orders of magnitude below them. */
#define MAX_NODES 100000
#define MAX_DEPTH 256

/* ---- scalar resolution (yaml.v3's resolve()) ---------------------------------------- */

static bool in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

static const char *const null_words[] = { "", "~", "null", "Null", "NULL", NULL };
static const char *const true_words[] = { "true", "True", "TRUE", NULL };
static const char *const false_words[] = { "false", "False", "FALSE", NULL };
static const char *const special_floats[] = { ".nan",  ".NaN",  ".NAN",  ".inf",  ".Inf",
					      ".INF",  "+.inf", "+.Inf", "+.INF", "-.inf",
					      "-.Inf", "-.INF", NULL };

/* Go's strconv.ParseInt(s, 0, 64) / ParseUint on s (underscores already removed).
 * Returns 1 for a signed fit, 2 for an unsigned-only fit, 0 when not an integer. */
static int go_parse_int(const char *s, int64_t *out)
{
	bool neg = false;
	int base = 10;
	uint64_t v = 0;
	const char *p = s;

	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16, p += 2;
	} else if (p[0] == '0' && (p[1] == 'o' || p[1] == 'O')) {
		base = 8, p += 2;
	} else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B')) {
		base = 2, p += 2;
	} else if (p[0] == '0' && p[1]) {
		base = 8, p += 1;
	}
	if (!*p)
		return 0;
	for (; *p; p++) {
		int d;

		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else if (*p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			return 0;
		if (d >= base)
			return 0;
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return 0;
		v = v * (uint64_t)base + (uint64_t)d;
	}
	if (neg) {
		if (v > (uint64_t)INT64_MAX + 1)
			return 0;
		*out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
		return 1;
	}
	if (s[0] == '+' && v > INT64_MAX)
		return 0; /* ParseUint takes no sign */
	*out = (int64_t)v;
	return v > INT64_MAX ? 2 : 1;
}

/* ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
static bool yaml_style_float(const char *s)
{
	const char *p = s;

	if (*p == '+' || *p == '-')
		p++;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	} else {
		if (*p < '0' || *p > '9')
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
		if (*p == '.') {
			p++;
			while (*p >= '0' && *p <= '9')
				p++;
		}
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (*p < '0' || *p > '9')
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return *p == '\0';
}

static int num_run(const char *p, int *n)
{
	int v = 0, i = 0;

	while (p[i] >= '0' && p[i] <= '9' && i < 9)
		v = v * 10 + (p[i] - '0'), i++;
	*n = i;
	return v;
}

/* yaml.v3 parseTimestamp: "2006-1-2", "2006-1-2 15:4:5.999999999" or the RFC 3339 form
 * with short fields, "T" or "t", and a zone. */
static bool looks_like_timestamp(const char *s)
{
	int n, y, mo, d, h, mi, sec;
	const char *p = s;

	y = num_run(p, &n);
	if (n != 4 || p[n] != '-')
		return false;
	p += 5;
	mo = num_run(p, &n);
	if (n < 1 || n > 2 || p[n] != '-' || mo < 1 || mo > 12)
		return false;
	p += n + 1;
	d = num_run(p, &n);
	if (n < 1 || n > 2 || d < 1 || d > 31)
		return false;
	(void)y;
	p += n;
	if (*p == '\0')
		return true;
	char sep = *p++;

	if (sep != 'T' && sep != 't' && sep != ' ')
		return false;
	h = num_run(p, &n);
	if (n < 1 || n > 2 || p[n] != ':' || h > 23)
		return false;
	p += n + 1;
	mi = num_run(p, &n);
	if (n < 1 || n > 2 || p[n] != ':' || mi > 59)
		return false;
	p += n + 1;
	sec = num_run(p, &n);
	if (n < 1 || n > 2 || sec > 59)
		return false;
	p += n;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (sep == ' ')
		return *p == '\0';
	if (*p == 'Z')
		return p[1] == '\0';
	if ((*p == '+' || *p == '-') && p[1] >= '0' && p[1] <= '9' && p[2] >= '0' && p[2] <= '9' &&
	    p[3] == ':' && p[4] >= '0' && p[4] <= '9' && p[5] >= '0' && p[5] <= '9' && !p[6])
		return true;
	return false;
}

/* How yaml.v3 resolves an untagged plain scalar. For ints *iv gets the value; for floats *dv. */
static enum kk_yaml_kind resolve_plain(const char *s, int64_t *iv, double *dv)
{
	char c = s[0];

	if (in_list(s, null_words))
		return KK_YAML_NULL;
	if (in_list(s, true_words)) {
		*iv = 1;
		return KK_YAML_BOOL;
	}
	if (in_list(s, false_words)) {
		*iv = 0;
		return KK_YAML_BOOL;
	}
	if (in_list(s, special_floats)) {
		*dv = strstr(s, "nan") || strstr(s, "NaN") || strstr(s, "NAN")
			      ? NAN
			      : (s[0] == '-' ? -INFINITY : INFINITY);
		return KK_YAML_FLOAT;
	}
	if (strcmp(s, "<<") == 0)
		return KK_YAML_MAP; /* merge key: not a string; callers only use this to quote */
	if (c == '.') {
		char *end;

		if (yaml_style_float(s)) {
			*dv = strtod(s, &end);
			return KK_YAML_FLOAT;
		}
		return KK_YAML_STR;
	}
	if (!((c >= '0' && c <= '9') || c == '+' || c == '-'))
		return KK_YAML_STR;
	if (looks_like_timestamp(s))
		return KK_YAML_TIMESTAMP;

	cleanup_free char *plain = kk_xmalloc(strlen(s) + 1);
	size_t j = 0;

	for (size_t i = 0; s[i]; i++)
		if (s[i] != '_')
			plain[j++] = s[i];
	plain[j] = '\0';
	int r = go_parse_int(plain, iv);

	if (r == 1)
		return KK_YAML_INT;
	if (r == 2) {
		*dv = (double)(uint64_t)*iv;
		return KK_YAML_FLOAT; /* beyond int64: kept as a number, not an exact int */
	}
	if (yaml_style_float(plain)) {
		*dv = strtod(plain, NULL);
		return KK_YAML_FLOAT;
	}
	return KK_YAML_STR;
}

/* ---- mark table: pointer -> mark, open addressing ----------------------------------- */

struct marks {
	struct kk_yaml_mark *v;
	size_t n, cap;
	size_t *slots; /* index+1, 0 = empty */
	size_t nslots;
};

static size_t ptr_hash(const void *p, size_t nslots)
{
	uint64_t x = (uint64_t)(uintptr_t)p;

	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	return (size_t)(x & (nslots - 1));
}

static void marks_rehash(struct marks *m)
{
	free(m->slots);
	m->slots = kk_xcalloc(m->nslots, sizeof(*m->slots));
	for (size_t i = 0; i < m->n; i++) {
		size_t h = ptr_hash(m->v[i].node, m->nslots);

		while (m->slots[h])
			h = (h + 1) & (m->nslots - 1);
		m->slots[h] = i + 1;
	}
}

static struct kk_yaml_mark *marks_add(struct marks *m, const cJSON *node, int line, int col,
				      enum kk_yaml_kind kind, const char *raw)
{
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 32;
		m->v = kk_xrealloc(m->v, m->cap * sizeof(*m->v));
	}
	struct kk_yaml_mark *mk = &m->v[m->n++];

	mk->node = node;
	mk->line = line;
	mk->col = col;
	mk->kind = kind;
	mk->raw = raw ? kk_xstrdup(raw) : NULL;
	if (m->n * 2 > m->nslots) {
		m->nslots = m->nslots ? m->nslots * 2 : 64;
		marks_rehash(m);
	} else {
		size_t h = ptr_hash(node, m->nslots);

		while (m->slots[h])
			h = (h + 1) & (m->nslots - 1);
		m->slots[h] = m->n;
	}
	return mk;
}

static const struct kk_yaml_mark *marks_find(const struct kk_yaml_mark *v, const size_t *slots,
					     size_t nslots, const cJSON *node)
{
	if (!nslots)
		return NULL;
	for (size_t h = ptr_hash(node, nslots); slots[h]; h = (h + 1) & (nslots - 1))
		if (v[slots[h] - 1].node == node)
			return &v[slots[h] - 1];
	return NULL;
}

/* ---- parser -------------------------------------------------------------------------- */

struct anchor {
	char *name;
	cJSON *node; /* borrowed from the tree being built */
};

struct pctx {
	yaml_parser_t p;
	const char *buf;
	size_t len;
	int line_off;
	struct marks marks;
	struct anchor *anchors;
	size_t nanchors;
	size_t nodes;
	cJSON *graveyard; /* key nodes: kept alive until the end (anchors may point at them) */
	struct kk_err *err;
};

/* Retire a mapping key node: it stays allocated until parsing ends, so its address cannot
 * be reused by a later node while its mark is in the table, and its mark no longer matches. */
static void retire_key(struct pctx *c, cJSON *key)
{
	struct kk_yaml_mark *m =
		(struct kk_yaml_mark *)marks_find(c->marks.v, c->marks.slots, c->marks.nslots, key);

	if (m)
		m->node = NULL;
	if (!c->graveyard)
		c->graveyard = cJSON_CreateArray();
	cJSON_AddItemToArray(c->graveyard, key);
}

static int line_of(struct pctx *c, const yaml_mark_t *m)
{
	return (int)m->line + 1 + c->line_off;
}

static int parser_error(struct pctx *c)
{
	const yaml_parser_t *p = &c->p;
	const char *problem = p->problem ? p->problem : "invalid YAML";

	if (p->error == YAML_READER_ERROR) {
		int line = 1 + c->line_off;

		for (size_t i = 0; i < p->problem_offset && i < c->len; i++)
			line += c->buf[i] == '\n';
		return kk_err_set(c->err, EINVAL, "line %d: %s", line, problem);
	}
	if (p->context)
		return kk_err_set(c->err, EINVAL, "line %d column %d: %s: %s",
				  (int)p->problem_mark.line + 1 + c->line_off,
				  (int)p->problem_mark.column + 1, p->context, problem);
	return kk_err_set(c->err, EINVAL, "line %d column %d: %s",
			  (int)p->problem_mark.line + 1 + c->line_off,
			  (int)p->problem_mark.column + 1, problem);
}

static int next_event(struct pctx *c, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&c->p, ev))
		return parser_error(c);
	return 0;
}

static int count_node(struct pctx *c, const yaml_mark_t *m)
{
	if (++c->nodes > MAX_NODES)
		return kk_err_set(c->err, E2BIG, "line %d: document has more than %d nodes",
				  line_of(c, m), MAX_NODES);
	return 0;
}

static void add_anchor(struct pctx *c, const yaml_char_t *name, cJSON *node)
{
	if (!name)
		return;
	c->anchors = kk_xrealloc(c->anchors, (c->nanchors + 1) * sizeof(*c->anchors));
	c->anchors[c->nanchors].name = kk_xstrdup((const char *)name);
	c->anchors[c->nanchors].node = node;
	c->nanchors++;
}

/* Copy an anchored subtree for an alias, copying its marks too so decoders still see
 * how each scalar resolved. */
static cJSON *dup_marked(struct pctx *c, const cJSON *src, int line, int col, int *rc)
{
	cJSON *copy, *child;
	const struct kk_yaml_mark *mk;
	enum kk_yaml_kind kind = KK_YAML_STR;
	char *raw = NULL;

	if (++c->nodes > MAX_NODES) {
		*rc = kk_err_set(c->err, E2BIG, "line %d: document has more than %d nodes", line,
				 MAX_NODES);
		return NULL;
	}
	mk = marks_find(c->marks.v, c->marks.slots, c->marks.nslots, src);
	if (mk) {
		kind = mk->kind;
		raw = mk->raw;
	}
	copy = cJSON_Duplicate(src, 0);
	marks_add(&c->marks, copy, line, col, kind, raw);
	for (child = src->child; child; child = child->next) {
		cJSON *cc = dup_marked(c, child, line, col, rc);

		if (!cc) {
			cJSON_Delete(copy);
			return NULL;
		}
		if (cJSON_IsObject(copy))
			cJSON_AddItemToObject(copy, child->string, cc);
		else
			cJSON_AddItemToArray(copy, cc);
	}
	return copy;
}

static const char *tag_suffix(const yaml_char_t *tag)
{
	static const char prefix[] = "tag:yaml.org,2002:";

	if (tag && strncmp((const char *)tag, prefix, sizeof(prefix) - 1) == 0)
		return (const char *)tag + sizeof(prefix) - 1;
	return NULL;
}

static cJSON *make_scalar(struct pctx *c, yaml_event_t *ev)
{
	const char *text = (const char *)ev->data.scalar.value;
	const char *tag = tag_suffix(ev->data.scalar.tag);
	int line = line_of(c, &ev->start_mark), col = (int)ev->start_mark.column + 1;
	enum kk_yaml_kind kind = KK_YAML_STR;
	int64_t iv = 0;
	double dv = 0;
	cJSON *node;

	bool forced_str =
		(tag && strcmp(tag, "str") == 0) ||
		(ev->data.scalar.tag && strcmp((const char *)ev->data.scalar.tag, "!") == 0);

	/* plain scalars resolve; an explicit !!int/!!bool/... tag resolves the same way */
	if (!forced_str && (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE || tag)) {
		kind = resolve_plain(text, &iv, &dv);
		if (kind == KK_YAML_MAP)
			kind = KK_YAML_STR;
	}
	switch (kind) {
	case KK_YAML_NULL:
		node = cJSON_CreateNull();
		break;
	case KK_YAML_BOOL:
		node = cJSON_CreateBool(iv != 0);
		break;
	case KK_YAML_INT:
		node = cJSON_CreateNumber((double)iv);
		break;
	case KK_YAML_FLOAT:
		/* cJSON_CreateNumber converts to int too, which is undefined for NaN */
		node = cJSON_CreateNumber(0);
		node->valuedouble = dv;
		break;
	default:
		node = cJSON_CreateString(text);
		break;
	}
	marks_add(&c->marks, node, line, col, kind, text);
	return node;
}

static int parse_node(struct pctx *c, yaml_event_t *ev, int depth, cJSON **out);

static int parse_collection(struct pctx *c, yaml_event_t *start, int depth, cJSON **out)
{
	bool is_map = start->type == YAML_MAPPING_START_EVENT;
	cleanup_(kk_json_freep) cJSON *node = is_map ? cJSON_CreateObject() : cJSON_CreateArray();
	int line = line_of(c, &start->start_mark);

	if (depth > MAX_DEPTH)
		return kk_err_set(c->err, EINVAL, "line %d: nesting deeper than %d levels", line,
				  MAX_DEPTH);
	marks_add(&c->marks, node, line, (int)start->start_mark.column + 1,
		  is_map ? KK_YAML_MAP : KK_YAML_SEQ, NULL);
	for (;;) {
		yaml_event_t ev;
		cJSON *key = NULL, *val = NULL;

		if (next_event(c, &ev) < 0)
			return -1;
		if (ev.type == YAML_MAPPING_END_EVENT || ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		if (!is_map) {
			int rc = parse_node(c, &ev, depth + 1, &val);

			yaml_event_delete(&ev);
			if (rc < 0)
				return -1;
			cJSON_AddItemToArray(node, val);
			continue;
		}
		int kline = line_of(c, &ev.start_mark);
		int rc = parse_node(c, &ev, depth + 1, &key);

		yaml_event_delete(&ev);
		if (rc < 0)
			return -1;
		if (cJSON_IsObject(key) || cJSON_IsArray(key)) {
			retire_key(c, key);
			return kk_err_set(c->err, EINVAL, "line %d: mapping key must be a scalar",
					  kline);
		}
		const struct kk_yaml_mark *km =
			marks_find(c->marks.v, c->marks.slots, c->marks.nslots, key);
		cleanup_free char *name = kk_xstrdup(km && km->raw ? km->raw : "");

		retire_key(c, key);
		cJSON *dup = cJSON_GetObjectItemCaseSensitive(node, name);

		if (dup) {
			const struct kk_yaml_mark *dm =
				marks_find(c->marks.v, c->marks.slots, c->marks.nslots, dup);

			return kk_err_set(c->err, EINVAL,
					  "line %d: mapping key \"%s\" already defined at line %d",
					  kline, name, dm ? dm->line : 0);
		}
		if (next_event(c, &ev) < 0)
			return -1;
		rc = parse_node(c, &ev, depth + 1, &val);
		yaml_event_delete(&ev);
		if (rc < 0)
			return -1;
		cJSON_AddItemToObject(node, name, val);
	}
	add_anchor(c, is_map ? start->data.mapping_start.anchor : start->data.sequence_start.anchor,
		   node);
	*out = TAKE_PTR(node);
	return 0;
}

static int parse_node(struct pctx *c, yaml_event_t *ev, int depth, cJSON **out)
{
	if (count_node(c, &ev->start_mark) < 0)
		return -1;
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		*out = make_scalar(c, ev);
		add_anchor(c, ev->data.scalar.anchor, *out);
		return 0;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		return parse_collection(c, ev, depth, out);
	case YAML_ALIAS_EVENT: {
		const char *name = (const char *)ev->data.alias.anchor;
		int line = line_of(c, &ev->start_mark);

		for (size_t i = c->nanchors; i-- > 0;) {
			if (strcmp(c->anchors[i].name, name) == 0) {
				int rc = 0;

				*out = dup_marked(c, c->anchors[i].node, line,
						  (int)ev->start_mark.column + 1, &rc);
				return *out ? 0 : -1;
			}
		}
		return kk_err_set(c->err, EINVAL, "line %d: unknown anchor \"%s\" referenced", line,
				  name);
	}
	default:
		return kk_err_set(c->err, EINVAL, "line %d: unexpected YAML event",
				  line_of(c, &ev->start_mark));
	}
}

static void pctx_release(struct pctx *c)
{
	cJSON_Delete(c->graveyard);
	for (size_t i = 0; i < c->nanchors; i++)
		free(c->anchors[i].name);
	free(c->anchors);
	yaml_parser_delete(&c->p);
}

static void marks_free(struct kk_yaml_mark *v, size_t n, size_t *slots)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].raw);
	free(v);
	free(slots);
}

int kk_yaml_parse_doc(const char *buf, size_t len, int first_line, struct kk_yaml_doc *doc,
		      struct kk_err *err)
{
	struct pctx c = { .buf = buf, .len = len, .line_off = first_line - 1, .err = err };
	cleanup_(kk_json_freep) cJSON *root = NULL;
	yaml_event_t ev;
	int rc = -1;

	memset(doc, 0, sizeof(*doc));
	if (!yaml_parser_initialize(&c.p))
		abort();
	yaml_parser_set_input_string(&c.p, (const unsigned char *)buf, len);
	if (next_event(&c, &ev) < 0)
		goto out;
	yaml_event_delete(&ev); /* stream start */
	if (next_event(&c, &ev) < 0)
		goto out;
	if (ev.type == YAML_STREAM_END_EVENT) {
		yaml_event_delete(&ev);
		root = cJSON_CreateNull();
		marks_add(&c.marks, root, first_line, 1, KK_YAML_NULL, "");
		rc = 0;
		goto out;
	}
	yaml_event_delete(&ev); /* document start */
	if (next_event(&c, &ev) < 0)
		goto out;
	rc = parse_node(&c, &ev, 0, &root);
	yaml_event_delete(&ev);
	if (rc < 0)
		goto out;
	rc = next_event(&c, &ev); /* document end: syntax errors after the node surface here */
	if (rc == 0)
		yaml_event_delete(&ev);
out:
	pctx_release(&c);
	if (rc < 0) {
		marks_free(c.marks.v, c.marks.n, c.marks.slots);
		return -1;
	}
	doc->root = TAKE_PTR(root);
	doc->line = first_line;
	doc->marks = c.marks.v;
	doc->nmarks = c.marks.n;
	doc->slots_ = c.marks.slots;
	doc->nslots_ = c.marks.nslots;
	return 0;
}

const struct kk_yaml_mark *kk_yaml_mark_of(const struct kk_yaml_doc *doc, const cJSON *node)
{
	if (!doc || !node)
		return NULL;
	return marks_find(doc->marks, doc->slots_, doc->nslots_, node);
}

void kk_yaml_doc_clear(struct kk_yaml_doc *doc)
{
	if (!doc)
		return;
	marks_free(doc->marks, doc->nmarks, doc->slots_);
	cJSON_Delete(doc->root);
	memset(doc, 0, sizeof(*doc));
}

/* ---- stream splitting (upstream: regexp `(?m)^\s*---\s*$`, pieces trimmed) --------- */

static bool is_go_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v';
}

static bool is_separator(const char *line, size_t n)
{
	size_t a = 0, b = n;

	while (a < b && is_go_space(line[a]))
		a++;
	while (b > a && is_go_space(line[b - 1]))
		b--;
	return b - a == 3 && memcmp(line + a, "---", 3) == 0;
}

static void add_piece(struct kk_yaml_stream *s, const char *buf, size_t start, size_t end,
		      int start_line)
{
	int line = start_line;

	while (start < end && is_go_space(buf[start]))
		line += buf[start++] == '\n';
	while (end > start && is_go_space(buf[end - 1]))
		end--;
	if (start == end)
		return;
	s->docs = kk_xrealloc(s->docs, (s->n + 1) * sizeof(*s->docs));

	struct kk_yaml_doc *d = &s->docs[s->n];
	struct kk_err derr = { 0 };

	if (kk_yaml_parse_doc(buf + start, end - start, line, d, &derr) < 0) {
		memset(d, 0, sizeof(*d));
		d->err = derr;
		d->line = line;
	}
	d->index = (int)s->n;
	s->n++;
}

int kk_yaml_parse_stream(const char *buf, size_t len, const char *name, struct kk_yaml_stream **out,
			 struct kk_err *err)
{
	struct kk_yaml_stream *s = kk_xcalloc(1, sizeof(*s));
	size_t piece = 0, pos = 0;
	int line = 1, piece_line = 1;

	s->name = kk_xstrdup(name ? name : "-");
	while (pos <= len) {
		const char *nl = pos < len ? memchr(buf + pos, '\n', len - pos) : NULL;
		size_t eol = nl ? (size_t)(nl - buf) : len;

		if (is_separator(buf + pos, eol - pos)) {
			add_piece(s, buf, piece, pos, piece_line);
			piece = nl ? eol + 1 : len;
			piece_line = line + 1;
		}
		if (!nl)
			break;
		pos = eol + 1;
		line++;
	}
	add_piece(s, buf, piece, len, piece_line);
	if (s->n == 0) {
		kk_yaml_stream_free(s);
		return kk_err_set(err, EINVAL, "no documents found in input");
	}
	*out = s;
	return 0;
}

void kk_yaml_stream_free(struct kk_yaml_stream *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		kk_yaml_doc_clear(&s->docs[i]);
	free(s->docs);
	free(s->name);
	free(s);
}

void kk_yaml_stream_freep(struct kk_yaml_stream **s)
{
	kk_yaml_stream_free(*s);
}

/* ---- emitter (gopkg.in/yaml.v3 layout) ------------------------------------------------ */

struct em {
	char *p;
	size_t len, cap;
	int best; /* indent step */
	int column;
	bool whitespace, indention;
};

static void em_raw(struct em *e, const char *s, size_t n)
{
	if (e->len + n + 1 > e->cap) {
		size_t ncap = e->cap ? e->cap * 2 : 256;

		while (ncap < e->len + n + 1)
			ncap *= 2;
		e->p = kk_xrealloc(e->p, ncap);
		e->cap = ncap;
	}
	memcpy(e->p + e->len, s, n);
	e->len += n;
	e->p[e->len] = '\0';
}

static void em_put(struct em *e, char ch)
{
	em_raw(e, &ch, 1);
	e->column++;
}

static void em_break(struct em *e)
{
	em_raw(e, "\n", 1);
	e->column = 0;
}

static void em_write(struct em *e, const char *s, size_t n)
{
	em_raw(e, s, n);
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			e->column++;
}

static void em_indent(struct em *e, int indent)
{
	if (indent < 0)
		indent = 0;
	if (!e->indention || e->column > indent || (e->column == indent && !e->whitespace))
		em_break(e);
	while (e->column < indent)
		em_put(e, ' ');
	e->whitespace = true;
	e->indention = true;
}

static void em_indicator(struct em *e, const char *ind, bool need_ws, bool is_ws, bool is_ind)
{
	if (need_ws && !e->whitespace)
		em_put(e, ' ');
	em_write(e, ind, strlen(ind));
	e->whitespace = is_ws;
	e->indention = e->indention && is_ind;
}

/* libyaml's byte-level is_printable, as ported in yaml.v3 (4-byte sequences excluded). */
static bool printable_at(const unsigned char *b)
{
	return b[0] == 0x0a || (b[0] >= 0x20 && b[0] <= 0x7e) || (b[0] == 0xc2 && b[1] >= 0xa0) ||
	       (b[0] > 0xc2 && b[0] < 0xed) || (b[0] == 0xed && b[1] < 0xa0) || b[0] == 0xee ||
	       (b[0] == 0xef && !(b[1] == 0xbb && b[2] == 0xbf) &&
		!(b[1] == 0xbf && (b[2] == 0xbe || b[2] == 0xbf)));
}

static int width_at(const unsigned char *b)
{
	if ((b[0] & 0x80) == 0)
		return 1;
	if ((b[0] & 0xe0) == 0xc0)
		return 2;
	if ((b[0] & 0xf0) == 0xe0)
		return 3;
	if ((b[0] & 0xf8) == 0xf0)
		return 4;
	return 1;
}

static bool is_break_at(const unsigned char *b)
{
	return b[0] == '\r' || b[0] == '\n' || (b[0] == 0xc2 && b[1] == 0x85) ||
	       (b[0] == 0xe2 && b[1] == 0x80 && (b[2] == 0xa8 || b[2] == 0xa9));
}

static bool is_blankz_at(const unsigned char *b)
{
	return b[0] == ' ' || b[0] == '\t' || b[0] == '\0' || is_break_at(b);
}

struct analysis {
	bool multiline, flow_plain, block_plain, single_quoted, block;
};

/* libyaml yaml_emitter_analyze_scalar. */
static struct analysis analyze(const char *s)
{
	struct analysis a = { 0 };
	const unsigned char *b = (const unsigned char *)s;
	size_t n = strlen(s);
	bool block_ind = false, flow_ind = false, line_breaks = false, special = false,
	     tabs = false;
	bool leading_space = false, leading_break = false, trailing_space = false,
	     trailing_break = false, break_space = false, space_break = false;
	bool prev_space = false, prev_break = false, preceded_ws = true, followed_ws;

	if (n == 0) {
		a.block_plain = a.single_quoted = true;
		return a;
	}
	if ((n >= 3 && (memcmp(s, "---", 3) == 0 || memcmp(s, "...", 3) == 0))) {
		block_ind = flow_ind = true;
	}
	followed_ws = is_blankz_at(b + width_at(b));
	for (size_t i = 0; i < n;) {
		unsigned char ch = b[i];
		bool first = i == 0;
		size_t w = (size_t)width_at(b + i);

		if (i + w > n)
			w = n - i;
		bool last = i + w >= n;

		if (first) {
			if (strchr("#,[]{}&*!|>'\"%@`", ch) && ch) {
				flow_ind = block_ind = true;
			}
			if (ch == '?' || ch == ':') {
				flow_ind = true;
				if (followed_ws)
					block_ind = true;
			}
			if (ch == '-' && followed_ws)
				flow_ind = block_ind = true;
		} else {
			if (ch && strchr(",?[]{}", ch))
				flow_ind = true;
			if (ch == ':') {
				flow_ind = true;
				if (followed_ws)
					block_ind = true;
			}
			if (ch == '#' && preceded_ws)
				flow_ind = block_ind = true;
		}
		if (ch == '\t')
			tabs = true;
		else if (!printable_at(b + i))
			special = true;
		if (is_break_at(b + i))
			line_breaks = true;
		if (ch == ' ') {
			if (first)
				leading_space = true;
			if (last)
				trailing_space = true;
			if (prev_break)
				break_space = true;
			prev_space = true;
			prev_break = false;
		} else if (is_break_at(b + i)) {
			if (first)
				leading_break = true;
			if (last)
				trailing_break = true;
			if (prev_space)
				space_break = true;
			prev_break = true;
			prev_space = false;
		} else {
			prev_space = prev_break = false;
		}
		preceded_ws = is_blankz_at(b + i);
		i += w;
		if (i < n)
			followed_ws = is_blankz_at(b + i + (size_t)width_at(b + i));
	}
	a.multiline = line_breaks;
	a.flow_plain = a.block_plain = a.single_quoted = a.block = true;
	if (leading_space || leading_break || trailing_space || trailing_break)
		a.flow_plain = a.block_plain = false;
	if (trailing_space)
		a.block = false;
	if (break_space)
		a.flow_plain = a.block_plain = a.single_quoted = false;
	if (space_break || tabs || special)
		a.flow_plain = a.block_plain = a.single_quoted = false;
	if (space_break || special)
		a.block = false;
	if (line_breaks)
		a.flow_plain = a.block_plain = false;
	if (flow_ind)
		a.flow_plain = false;
	if (block_ind)
		a.block_plain = false;
	return a;
}

static bool is_old_bool(const char *s)
{
	static const char *const words[] = { "y",  "Y",   "yes", "Yes", "YES", "on",
					     "On", "ON",  "n",   "N",   "no",  "No",
					     "NO", "off", "Off", "OFF", NULL };
	return in_list(s, words);
}

/* ^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$ */
static bool is_base60_float(const char *s)
{
	const char *p = s;
	int groups = 0;

	if (*p == '+' || *p == '-')
		p++;
	if (*p < '0' || *p > '9')
		return false;
	while ((*p >= '0' && *p <= '9') || *p == '_')
		p++;
	while (*p == ':') {
		p++;
		if (p[0] >= '0' && p[0] <= '5' && p[1] >= '0' && p[1] <= '9')
			p += 2;
		else if (p[0] >= '0' && p[0] <= '9')
			p += 1;
		else
			return false;
		groups++;
	}
	if (!groups)
		return false;
	if (*p == '.') {
		p++;
		while ((*p >= '0' && *p <= '9') || *p == '_')
			p++;
	}
	return *p == '\0';
}

bool kk_yaml_string_is_plain(const char *s)
{
	int64_t iv;
	double dv;

	if (strchr(s, '\n'))
		return false;
	if (resolve_plain(s, &iv, &dv) != KK_YAML_STR || is_base60_float(s) || is_old_bool(s))
		return false;
	return analyze(s).block_plain;
}

enum style { PLAIN, SINGLE, DOUBLE, LITERAL };

static enum style select_style(const char *s, bool simple_key)
{
	int64_t iv;
	double dv;
	enum style st;
	struct analysis a = analyze(s);

	if (strchr(s, '\n'))
		st = LITERAL;
	else if (resolve_plain(s, &iv, &dv) == KK_YAML_STR && !is_base60_float(s) &&
		 !is_old_bool(s))
		st = PLAIN;
	else
		st = DOUBLE;
	if (st == PLAIN) {
		if (!a.block_plain || (!*s && simple_key))
			st = SINGLE;
	}
	if (st == SINGLE && !a.single_quoted)
		st = DOUBLE;
	if (st == LITERAL && (!a.block || simple_key))
		st = DOUBLE;
	return st;
}

static void write_single(struct em *e, const char *s)
{
	em_indicator(e, "'", true, false, false);
	for (const char *p = s; *p; p++) {
		if (*p == '\'')
			em_write(e, "''", 2);
		else
			em_write(e, p, 1);
	}
	em_indicator(e, "'", false, false, false);
}

static void write_double(struct em *e, const char *s)
{
	const unsigned char *b = (const unsigned char *)s;
	size_t n = strlen(s);

	em_indicator(e, "\"", true, false, false);
	for (size_t i = 0; i < n;) {
		size_t w = (size_t)width_at(b + i);
		uint32_t v;

		if (i + w > n)
			w = n - i;
		if (!printable_at(b + i) ||
		    (b[i] == 0xef && b[i + 1] == 0xbb && b[i + 2] == 0xbf) || is_break_at(b + i) ||
		    b[i] == '"' || b[i] == '\\') {
			char esc[16];

			switch (w) {
			case 1:
				v = b[i];
				break;
			case 2:
				v = ((uint32_t)(b[i] & 0x1f) << 6) | (b[i + 1] & 0x3f);
				break;
			case 3:
				v = ((uint32_t)(b[i] & 0x0f) << 12) |
				    ((uint32_t)(b[i + 1] & 0x3f) << 6) | (b[i + 2] & 0x3f);
				break;
			default:
				v = ((uint32_t)(b[i] & 0x07) << 18) |
				    ((uint32_t)(b[i + 1] & 0x3f) << 12) |
				    ((uint32_t)(b[i + 2] & 0x3f) << 6) | (b[i + 3] & 0x3f);
			}
			switch (v) {
			case 0x00:
				strcpy(esc, "\\0");
				break;
			case 0x07:
				strcpy(esc, "\\a");
				break;
			case 0x08:
				strcpy(esc, "\\b");
				break;
			case 0x09:
				strcpy(esc, "\\t");
				break;
			case 0x0a:
				strcpy(esc, "\\n");
				break;
			case 0x0b:
				strcpy(esc, "\\v");
				break;
			case 0x0c:
				strcpy(esc, "\\f");
				break;
			case 0x0d:
				strcpy(esc, "\\r");
				break;
			case 0x1b:
				strcpy(esc, "\\e");
				break;
			case 0x22:
				strcpy(esc, "\\\"");
				break;
			case 0x5c:
				strcpy(esc, "\\\\");
				break;
			case 0x85:
				strcpy(esc, "\\N");
				break;
			case 0xa0:
				strcpy(esc, "\\_");
				break;
			case 0x2028:
				strcpy(esc, "\\L");
				break;
			case 0x2029:
				strcpy(esc, "\\P");
				break;
			default:
				if (v <= 0xff)
					snprintf(esc, sizeof(esc), "\\x%02X", v);
				else if (v <= 0xffff)
					snprintf(esc, sizeof(esc), "\\u%04X", v);
				else
					snprintf(esc, sizeof(esc), "\\U%08X", v);
			}
			em_write(e, esc, strlen(esc));
		} else {
			em_write(e, s + i, w);
		}
		i += w;
	}
	em_indicator(e, "\"", false, false, false);
}

static void write_literal(struct em *e, const char *s, int indent)
{
	const unsigned char *b = (const unsigned char *)s;
	size_t n = strlen(s);
	char hints[4] = { 0 };
	int h = 0;
	bool breaks = true;

	em_indicator(e, "|", true, false, false);
	if (b[0] == ' ' || is_break_at(b))
		hints[h++] = (char)('0' + e->best);
	if (n == 0) {
		hints[h++] = '-';
	} else {
		/* yaml.v3: look at the last character, and the one before it */
		size_t k = n - 1;

		while (k > 0 && (b[k] & 0xc0) == 0x80)
			k--;
		if (!is_break_at(b + k)) {
			hints[h++] = '-';
		} else if (k == 0) {
			hints[h++] = '+';
		} else {
			k--;
			while (k > 0 && (b[k] & 0xc0) == 0x80)
				k--;
			if (is_break_at(b + k))
				hints[h++] = '+';
		}
	}
	if (h)
		em_indicator(e, hints, false, false, false);
	em_break(e);
	e->indention = true;
	e->whitespace = true;
	for (size_t i = 0; i < n;) {
		size_t w = (size_t)width_at(b + i);

		if (i + w > n)
			w = n - i;
		if (is_break_at(b + i)) {
			/* "\n" is written as the emitter's break; other breaks as they are */
			if (b[i] == '\n')
				em_raw(e, "\n", 1);
			else
				em_raw(e, s + i, w);
			e->column = 0;
			e->indention = true;
			breaks = true;
		} else {
			if (breaks) {
				em_indent(e, indent);
				breaks = false;
			}
			em_write(e, s + i, w);
			e->indention = false;
		}
		i += w;
	}
}

static void write_plain(struct em *e, const char *s)
{
	if (!e->whitespace)
		em_put(e, ' ');
	em_write(e, s, strlen(s));
	e->whitespace = false;
	e->indention = false;
}

/* yaml.v3 increase_indent: inside a sequence item the next level skips "- "; elsewhere
 * it rounds up to the next multiple of the step. */
static int next_indent(const struct em *e, int indent, bool in_seq_item, bool flow)
{
	if (indent < 0)
		return flow ? e->best : 0;
	if (in_seq_item)
		return indent + 2;
	return e->best * ((indent + e->best) / e->best);
}

static void emit_scalar_text(struct em *e, const char *s, int indent, bool in_seq_item,
			     bool simple_key)
{
	switch (select_style(s, simple_key)) {
	case PLAIN:
		write_plain(e, s);
		break;
	case SINGLE:
		write_single(e, s);
		break;
	case DOUBLE:
		write_double(e, s);
		break;
	case LITERAL:
		write_literal(e, s, next_indent(e, indent, in_seq_item, true));
		break;
	}
}

static void number_text(double d, char *buf, size_t n)
{
	if (isnan(d)) {
		snprintf(buf, n, ".nan");
	} else if (isinf(d)) {
		snprintf(buf, n, d < 0 ? "-.inf" : ".inf");
	} else if (d == floor(d) && fabs(d) < 1e19) {
		snprintf(buf, n, "%.0f", d);
	} else {
		for (int prec = 1; prec <= 17; prec++) {
			snprintf(buf, n, "%.*g", prec, d);
			if (strtod(buf, NULL) == d)
				break;
		}
	}
}

/* indent: the current block indent (-1 at the root); in_seq_item: the node is the value of
 * a "- " item. */
static void emit_node(struct em *e, const cJSON *v, int indent, bool in_seq_item)
{
	char num[64];

	switch (v ? v->type & 0xff : cJSON_NULL) {
	case cJSON_NULL:
		write_plain(e, "null");
		return;
	case cJSON_True:
		write_plain(e, "true");
		return;
	case cJSON_False:
		write_plain(e, "false");
		return;
	case cJSON_Number:
		number_text(v->valuedouble, num, sizeof(num));
		write_plain(e, num);
		return;
	case cJSON_Raw:
		write_plain(e, v->valuestring ? v->valuestring : "null");
		return;
	case cJSON_String:
		emit_scalar_text(e, v->valuestring ? v->valuestring : "", indent, in_seq_item,
				 false);
		return;
	case cJSON_Array: {
		if (!v->child) {
			em_indicator(e, "[]", true, false, false);
			return;
		}
		int ind = next_indent(e, indent, in_seq_item, false);

		for (const cJSON *c = v->child; c; c = c->next) {
			em_indent(e, ind);
			em_indicator(e, "-", true, false, true);
			emit_node(e, c, ind, true);
		}
		return;
	}
	case cJSON_Object: {
		if (!v->child) {
			em_indicator(e, "{}", true, false, false);
			return;
		}
		int ind = next_indent(e, indent, in_seq_item, false);

		for (const cJSON *c = v->child; c; c = c->next) {
			const char *key = c->string ? c->string : "";

			em_indent(e, ind);
			if (strlen(key) <= 128 && !analyze(key).multiline) {
				emit_scalar_text(e, key, ind, false, true);
				em_indicator(e, ":", false, false, false);
			} else {
				/* not a simple key: libyaml's "? key" / ": value" form */
				em_indicator(e, "?", true, false, true);
				emit_scalar_text(e, key, ind, false, false);
				em_indent(e, ind);
				em_indicator(e, ":", true, false, true);
			}
			emit_node(e, c, ind, false);
		}
		return;
	}
	default:
		write_plain(e, "null");
		return;
	}
}

char *kk_yaml_emit(const cJSON *tree, int indent)
{
	struct em e = { .best = indent >= 2 && indent <= 9 ? indent : 4,
			.whitespace = true,
			.indention = true };

	em_raw(&e, "", 0);
	emit_node(&e, tree, -1, false);
	if (e.column != 0)
		em_break(&e);
	return e.p;
}
