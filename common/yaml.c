/* common/yaml.c - libyaml to cJSON with positions, stream splitting; the emitter is yaml_emit.c. */
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
#include "common/yaml_int.h"

/* Bounds that keep hostile input (alias bombs, deep nesting) from exhausting memory or the
 * stack; real manifests are orders of magnitude below them. */
#define MAX_NODES 100000
#define MAX_DEPTH 256

/* ---- scalar resolution (yaml.v3's resolve()) ---------------------------------------- */

bool kk_yaml_in_list(const char *s, const char *const *list)
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

/* Move *p past a run of decimal digits; how many there were. */
static size_t digits(const char **p)
{
	const char *start = *p;

	while (**p >= '0' && **p <= '9')
		(*p)++;
	return (size_t)(*p - start);
}

/* ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
static bool yaml_style_float(const char *s)
{
	const char *p = s;

	if (*p == '+' || *p == '-')
		p++;
	if (*p == '.') {
		p++;
		if (!digits(&p))
			return false;
	} else {
		if (!digits(&p))
			return false;
		if (*p == '.') {
			p++;
			digits(&p);
		}
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!digits(&p))
			return false;
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
		if (!digits(&p))
			return false;
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
enum kk_yaml_kind kk_yaml_resolve_plain(const char *s, int64_t *iv, double *dv)
{
	char c = s[0];

	if (kk_yaml_in_list(s, null_words))
		return KK_YAML_NULL;
	if (kk_yaml_in_list(s, true_words)) {
		*iv = 1;
		return KK_YAML_BOOL;
	}
	if (kk_yaml_in_list(s, false_words)) {
		*iv = 0;
		return KK_YAML_BOOL;
	}
	if (kk_yaml_in_list(s, special_floats)) {
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
		size_t h;

		/* a retired key's mark matches nothing: hashed, all of them would pile up
		 * at NULL's slot and make every later insertion probe through the pile */
		if (!m->v[i].node)
			continue;
		h = ptr_hash(m->v[i].node, m->nslots);

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
	size_t nodes; /* counted for the whole stream (parse_doc's *used) */
	cJSON *graveyard; /* key nodes: kept alive until the end (anchors may point at them) */
	struct kk_err *err;
	bool stream; /* one document of a multi-document stream: the budget is the stream's */
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
		return kk_err_set(c->err, E2BIG, "line %d: %s has more than %d nodes",
				  line_of(c, m), c->stream ? "the input" : "document", MAX_NODES);
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
		*rc = kk_err_set(c->err, E2BIG, "line %d: %s has more than %d nodes", line,
				 c->stream ? "the input" : "document", MAX_NODES);
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

static cJSON *make_scalar(struct pctx *c, yaml_event_t *ev, int *rc)
{
	const char *text = (const char *)ev->data.scalar.value;
	const char *tag = tag_suffix(ev->data.scalar.tag);
	int line = line_of(c, &ev->start_mark), col = (int)ev->start_mark.column + 1;
	enum kk_yaml_kind kind = KK_YAML_STR;
	int64_t iv = 0;
	double dv = 0;
	cJSON *node;

	/* a "\0" escape: a C string would silently end there ("a\0b" would become "a") */
	if (memchr(text, '\0', ev->data.scalar.length)) {
		*rc = kk_err_set(c->err, EINVAL,
				 "line %d: a string contains a NUL character (\\0), which kukeon "
				 "does not accept",
				 line);
		return NULL;
	}
	bool forced_str =
		(tag && strcmp(tag, "str") == 0) ||
		(ev->data.scalar.tag && strcmp((const char *)ev->data.scalar.tag, "!") == 0);

	/* plain scalars resolve; an explicit !!int/!!bool/... tag resolves the same way */
	if (!forced_str && (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE || tag)) {
		kind = kk_yaml_resolve_plain(text, &iv, &dv);
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

/* The members of one mapping by key, hashed, so the duplicate-key check stays linear in the
 * number of keys (a scan of the cJSON object per key made 40k labels take 23 s). */
struct keyset {
	cJSON **slot; /* members (their ->string is the key); NULL: free */
	size_t cap, n;
};

static uint64_t key_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static cJSON *keyset_find(const struct keyset *k, const char *name)
{
	if (!k->cap)
		return NULL;
	for (size_t i = key_hash(name) & (k->cap - 1);; i = (i + 1) & (k->cap - 1)) {
		if (!k->slot[i])
			return NULL;
		if (strcmp(k->slot[i]->string, name) == 0)
			return k->slot[i];
	}
}

static void keyset_add(struct keyset *k, cJSON *member)
{
	if (2 * (k->n + 1) > k->cap) {
		struct keyset bigger = { kk_xcalloc(k->cap ? 2 * k->cap : 16, sizeof(cJSON *)),
					 k->cap ? 2 * k->cap : 16, 0 };

		for (size_t i = 0; i < k->cap; i++)
			if (k->slot[i])
				keyset_add(&bigger, k->slot[i]);
		free(k->slot);
		*k = bigger;
	}
	size_t i = key_hash(member->string) & (k->cap - 1);

	while (k->slot[i])
		i = (i + 1) & (k->cap - 1);
	k->slot[i] = member;
	k->n++;
}

static void keyset_clear(struct keyset *k)
{
	free(k->slot);
}

static int parse_collection(struct pctx *c, yaml_event_t *start, int depth, cJSON **out)
{
	bool is_map = start->type == YAML_MAPPING_START_EVENT;
	cleanup_(kk_json_freep) cJSON *node = is_map ? cJSON_CreateObject() : cJSON_CreateArray();
	cleanup_(keyset_clear) struct keyset keys = { 0 };
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
		cJSON *dup = keyset_find(&keys, name);

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
		keyset_add(&keys, val);
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
	case YAML_SCALAR_EVENT: {
		int rc = 0;

		*out = make_scalar(c, ev, &rc);
		if (!*out)
			return rc;
		add_anchor(c, ev->data.scalar.anchor, *out);
		return 0;
	}
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

/* One document; *used counts the nodes of the stream so far (NULL: a lone document). */
static int parse_doc(const char *buf, size_t len, int first_line, size_t *used,
		     struct kk_yaml_doc *doc, struct kk_err *err)
{
	struct pctx c = { .buf = buf,
			  .len = len,
			  .line_off = first_line - 1,
			  .err = err,
			  .nodes = used ? *used : 0,
			  .stream = used != NULL };
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
	if (used)
		*used = c.nodes;
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

int kk_yaml_parse_doc(const char *buf, size_t len, int first_line, struct kk_yaml_doc *doc,
		      struct kk_err *err)
{
	return parse_doc(buf, len, first_line, NULL, doc, err);
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

/* Returns -1 when the stream's node budget is spent (err set): nothing more is parsed. */
static int add_piece(struct kk_yaml_stream *s, const char *buf, size_t start, size_t end,
		     int start_line, size_t *used, struct kk_err *err)
{
	int line = start_line;

	while (start < end && is_go_space(buf[start]))
		line += buf[start++] == '\n';
	while (end > start && is_go_space(buf[end - 1]))
		end--;
	if (start == end)
		return 0;
	s->docs = kk_xrealloc(s->docs, (s->n + 1) * sizeof(*s->docs));

	struct kk_yaml_doc *d = &s->docs[s->n];
	struct kk_err derr = { 0 };

	if (parse_doc(buf + start, end - start, line, used, d, &derr) < 0) {
		memset(d, 0, sizeof(*d));
		d->err = derr;
		d->line = line;
	}
	d->index = (int)s->n;
	s->n++;
	if (derr.code == E2BIG) { /* the whole input is too big, not this document */
		*err = derr;
		return -1;
	}
	return 0;
}

int kk_yaml_parse_stream(const char *buf, size_t len, const char *name, struct kk_yaml_stream **out,
			 struct kk_err *err)
{
	struct kk_yaml_stream *s = kk_xcalloc(1, sizeof(*s));
	size_t piece = 0, pos = 0, used = 0;
	int line = 1, piece_line = 1;

	s->name = kk_xstrdup(name ? name : "-");
	while (pos <= len) {
		const char *nl = pos < len ? memchr(buf + pos, '\n', len - pos) : NULL;
		size_t eol = nl ? (size_t)(nl - buf) : len;

		if (is_separator(buf + pos, eol - pos)) {
			if (add_piece(s, buf, piece, pos, piece_line, &used, err) < 0)
				goto too_big;
			piece = nl ? eol + 1 : len;
			piece_line = line + 1;
		}
		if (!nl)
			break;
		pos = eol + 1;
		line++;
	}
	if (add_piece(s, buf, piece, len, piece_line, &used, err) < 0)
		goto too_big;
	if (s->n == 0) {
		kk_yaml_stream_free(s);
		return kk_err_set(err, EINVAL, "no documents found in input");
	}
	*out = s;
	return 0;
too_big:
	kk_yaml_stream_free(s);
	return -1;
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

KK_DEFINE_FREEP(kk_yaml_stream)
