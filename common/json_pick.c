/* common/json_pick.c - see json_pick.h. */
#include "common/json_pick.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/mem.h"

#define PICK_DEPTH_MAX 128
#define PICK_PATH_MAX  512

struct scan {
	const char *start, *p, *end;
	const struct kk_pick_spec *spec;
	struct kk_picked *out;
	char *w;              /* where the next picked string goes, in out->buf */
	size_t cap;           /* items out->items has room for */
	struct kk_pick *item; /* the item being read, or NULL at the top */
	bool list_seen;
	int depth;
	int in_array; /* inside an array other than the list: nothing is picked */
	size_t plen;
	char path[PICK_PATH_MAX];
};

static int fail(struct scan *s, struct kk_err *err, const char *what)
{
	return kk_err_set(err, EINVAL, "json at byte %zu: %s", (size_t)(s->p - s->start), what);
}

static void ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static int hex4(const char *p, unsigned *out)
{
	unsigned v = 0;

	for (int i = 0; i < 4; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static size_t utf8_put(char *d, unsigned cp)
{
	if (cp < 0x80) {
		d[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		d[0] = (char)(0xc0 | (cp >> 6));
		d[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		d[0] = (char)(0xe0 | (cp >> 12));
		d[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		d[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	d[0] = (char)(0xf0 | (cp >> 18));
	d[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	d[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	d[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* The \u escape at s->p (just past the `u`), surrogate pairs joined. */
static int unicode_escape(struct scan *s, unsigned *cp, struct kk_err *err)
{
	unsigned lo;

	if (s->end - s->p < 4 || hex4(s->p, cp) < 0)
		return fail(s, err, "bad \\u escape");
	s->p += 4;
	if (*cp >= 0xdc00 && *cp <= 0xdfff)
		return fail(s, err, "lone low surrogate");
	if (*cp >= 0xd800 && *cp <= 0xdbff) {
		if (s->end - s->p < 6 || s->p[0] != '\\' || s->p[1] != 'u' ||
		    hex4(s->p + 2, &lo) < 0 || lo < 0xdc00 || lo > 0xdfff)
			return fail(s, err, "lone high surrogate");
		s->p += 6;
		*cp = 0x10000 + ((*cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	if (*cp == 0)
		return fail(s, err, "a string contains U+0000");
	return 0;
}

/* The string at s->p (its opening quote), unescaped into dst (cap bytes with the NUL), or
 * only skipped when dst is NULL. *n is its length. */
static int string(struct scan *s, char *dst, size_t cap, size_t *n, struct kk_err *err)
{
	static const char plain[] = "\"\\/bfnrt", unesc[] = "\"\\/\b\f\n\r\t";
	size_t len = 0;

	for (s->p++;;) {
		char buf[4] = { 0 }, *from = buf;
		size_t k = 1;
		unsigned cp = 0;

		if (s->p >= s->end)
			return fail(s, err, "unterminated string");
		if (*s->p == '"')
			break;
		if (*s->p == '\0')
			return fail(s, err, "a string contains U+0000");
		if (*s->p != '\\') {
			from = (char *)s->p++;
		} else if (s->p + 1 < s->end && s->p[1] == 'u') {
			s->p += 2;
			if (unicode_escape(s, &cp, err) < 0)
				return -1;
			k = utf8_put(buf, cp);
		} else {
			const char *e = s->p + 1 < s->end ? strchr(plain, s->p[1]) : NULL;

			if (!e || !*e)
				return fail(s, err, "bad escape");
			buf[0] = unesc[e - plain];
			s->p += 2;
		}
		if (dst) {
			if (len + k >= cap)
				return fail(s, err, "key too long");
			memcpy(dst + len, from, k);
		}
		len += k;
	}
	s->p++;
	if (dst)
		dst[len] = '\0';
	*n = len;
	return 0;
}

/* The slot for the current path: a field of the item being read, or a top path. */
static struct kk_pick *slot(struct scan *s, bool *exact)
{
	if (s->in_array)
		return NULL;
	const char *const *paths = s->item ? s->spec->fields : s->spec->top;
	size_t n = s->item ? s->spec->nfields : s->spec->ntop;

	for (size_t i = 0; i < n; i++) {
		if (strcasecmp(paths[i], s->path) == 0) {
			*exact = strcmp(paths[i], s->path) == 0;
			return s->item ? &s->item[i] : &s->out->top[i];
		}
	}
	return NULL;
}

/* Keep v in p unless p already holds a match as good (exact beats case-insensitive). */
static void put(struct kk_pick *p, bool exact, struct kk_pick v)
{
	if (p->type != KK_PICK_ABSENT && (p->exact || !exact))
		return;
	v.exact = exact;
	*p = v;
}

static int value(struct scan *s, struct kk_err *err);

/* Past the `{` or `[` at s->p: false when close follows at once (then past it too). */
static bool opened(struct scan *s, char close)
{
	s->p++;
	ws(s);
	if (s->p < s->end && *s->p == close) {
		s->p++;
		return false;
	}
	return true;
}

/* After a member or an element: 1 past a `,`, 0 past close, or -1. */
static int next(struct scan *s, char close, struct kk_err *err)
{
	ws(s);
	if (s->p < s->end && (*s->p == ',' || *s->p == close))
		return *s->p++ == ',';
	return fail(s, err, close == '}' ? "expected `,` or `}`" : "expected `,` or `]`");
}

static int object(struct scan *s, struct kk_err *err)
{
	size_t plen = s->plen;
	int rc;

	if (!opened(s, '}'))
		return 0;
	do {
		size_t sep = plen ? 1 : 0, n = 0;

		ws(s);
		if (s->p >= s->end || *s->p != '"')
			return fail(s, err, "expected a key");
		if (sep)
			s->path[plen] = '.';
		if (string(s, s->path + plen + sep, sizeof(s->path) - plen - sep, &n, err) < 0)
			return -1;
		s->plen = plen + sep + n;
		ws(s);
		if (s->p >= s->end || *s->p != ':')
			return fail(s, err, "expected `:`");
		s->p++;
		if (value(s, err) < 0)
			return -1;
		s->plen = plen;
		s->path[plen] = '\0';
	} while ((rc = next(s, '}', err)) > 0);
	return rc;
}

/* The elements of the array at s->p: the list's items (each an object, read against the
 * fields), or values that are never picked. */
static int elements(struct scan *s, bool is_list, struct kk_err *err)
{
	size_t nf = s->spec->nfields;
	int rc;

	if (!opened(s, ']'))
		return 0;
	do {
		if (is_list) {
			ws(s);
			if (s->p >= s->end || *s->p != '{')
				return fail(s, err, "a list item is not an object");
			if (s->out->n == s->cap) {
				s->cap = s->cap ? 2 * s->cap : 16;
				s->out->items = kk_xrealloc(s->out->items,
							    s->cap * nf * sizeof(struct kk_pick));
			}
			s->item = s->out->items + s->out->n * nf;
			memset(s->item, 0, nf * sizeof(struct kk_pick));
			s->out->n++;
			s->plen = 0;
			s->path[0] = '\0';
		}
		if (value(s, err) < 0)
			return -1;
	} while ((rc = next(s, ']', err)) > 0);
	return rc;
}

static int array(struct scan *s, struct kk_err *err)
{
	int rc;

	s->in_array++;
	rc = elements(s, false, err);
	s->in_array--;
	return rc;
}

static int list(struct scan *s, struct kk_err *err)
{
	char saved[PICK_PATH_MAX];
	size_t plen = s->plen;
	int rc;

	if (s->list_seen)
		return fail(s, err, "the list is there twice");
	s->list_seen = true;
	memcpy(saved, s->path, plen + 1);
	rc = elements(s, true, err);
	s->item = NULL;
	memcpy(s->path, saved, plen + 1);
	s->plen = plen;
	return rc;
}

static int literal(struct scan *s, const char *word, struct kk_err *err)
{
	size_t n = strlen(word);

	if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
		return fail(s, err, "unexpected character");
	s->p += n;
	return 0;
}

static int number(struct scan *s, struct kk_pick *v, struct kk_err *err)
{
	char buf[64], *e;
	size_t n = 0;

	if (*s->p != '-' && (*s->p < '0' || *s->p > '9'))
		return fail(s, err, "unexpected character");
	while (s->p + n < s->end && n < sizeof(buf) - 1 && strchr("0123456789+-.eE", s->p[n]) &&
	       s->p[n])
		n++;
	memcpy(buf, s->p, n);
	buf[n] = '\0';
	*v = (struct kk_pick){ .type = KK_PICK_NUMBER, .num = strtod(buf, &e) };
	if (e == buf)
		return fail(s, err, "unexpected character");
	s->p += e - buf;
	return 0;
}

/* The value at s->p, picked when its path is one asked for. */
static int value(struct scan *s, struct kk_err *err)
{
	bool exact = false;
	struct kk_pick *p = slot(s, &exact);
	bool is_list = !s->in_array && !s->item && s->spec->list && !strcmp(s->path, s->spec->list);
	struct kk_pick v = { .type = KK_PICK_OTHER };
	size_t n = 0;
	int rc;

	ws(s);
	if (s->p >= s->end)
		return fail(s, err, "unexpected end");
	if (is_list && *s->p != '[' && *s->p != 'n')
		return fail(s, err, "the list is not an array");
	if (++s->depth > PICK_DEPTH_MAX)
		return fail(s, err, "nested too deep");
	switch (*s->p) {
	case '{':
		rc = object(s, err);
		break;
	case '[':
		rc = is_list ? list(s, err) : array(s, err);
		break;
	case '"':
		v = (struct kk_pick){ .type = KK_PICK_STRING, .s = s->w };
		rc = string(s, p ? s->w : NULL, SIZE_MAX, &n, err);
		if (rc == 0 && p)
			s->w += n + 1;
		break;
	case 'n':
		v.type = KK_PICK_NULL;
		rc = literal(s, "null", err);
		break;
	case 't':
		rc = literal(s, "true", err);
		break;
	case 'f':
		rc = literal(s, "false", err);
		break;
	default:
		rc = number(s, &v, err);
	}
	s->depth--;
	if (rc < 0)
		return -1;
	if (p)
		put(p, exact, v);
	return 0;
}

void kk_picked_clear(struct kk_picked *p)
{
	free(p->top);
	free(p->items);
	free(p->buf);
	*p = (struct kk_picked){ 0 };
}

int kk_json_pick(const char *text, size_t len, const struct kk_pick_spec *spec,
		 struct kk_picked *out, struct kk_err *err)
{
	struct kk_picked r = { 0 };
	struct scan s = { .start = text, .p = text, .end = text + len, .spec = spec, .out = &r };
	int rc;

	r.top = kk_xcalloc(spec->ntop ? spec->ntop : 1, sizeof(*r.top));
	r.buf = kk_xmalloc(len + 1); /* an unescaped string is never longer than its text */
	s.w = r.buf;
	rc = value(&s, err);
	ws(&s);
	if (rc == 0 && s.p != s.end)
		rc = fail(&s, err, "text after the value");
	if (rc == 0)
		*out = r;
	else
		kk_picked_clear(&r);
	return rc;
}
