/* common/json.c - Go-compatible JSON printer and RFC 3339 times. */
#include "common/json.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "common/mem.h"
#include "common/strv.h"

static void buf_adds(struct kk_buf *b, const char *s)
{
	kk_buf_add(b, s, strlen(s));
}

/* Length of the valid UTF-8 sequence at s (1-4), or 0 when invalid (Go replaces each
 * invalid byte with U+FFFD). Overlong forms and surrogates are invalid, as in Go. */
static int utf8_len(const unsigned char *s, uint32_t *cp)
{
	unsigned char c = s[0];

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf && (s[1] & 0xc0) == 0x80) {
		*cp = ((uint32_t)(c & 0x1f) << 6) | (s[1] & 0x3f);
		return 2;
	}
	if (c >= 0xe0 && c <= 0xef && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80) {
		uint32_t v = ((uint32_t)(c & 0x0f) << 12) | ((uint32_t)(s[1] & 0x3f) << 6) |
			     (s[2] & 0x3f);
		if (v < 0x800 || (v >= 0xd800 && v <= 0xdfff))
			return 0;
		*cp = v;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80 &&
	    (s[3] & 0xc0) == 0x80) {
		uint32_t v = ((uint32_t)(c & 0x07) << 18) | ((uint32_t)(s[1] & 0x3f) << 12) |
			     ((uint32_t)(s[2] & 0x3f) << 6) | (s[3] & 0x3f);
		if (v < 0x10000 || v > 0x10ffff)
			return 0;
		*cp = v;
		return 4;
	}
	return 0;
}

/* ASCII that encoding/json writes as it is (it escapes <, > and & for HTML) */
static bool plain(unsigned char c)
{
	return c >= 0x20 && c < 0x80 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&';
}

void kk_json_append_string(char **p, size_t *len, size_t *cap, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	/* encoding/json's two-character escapes; the rest below 0x20 and <, >, & are \u00XX */
	static const char *const short_esc[] = {
		['"'] = "\\\"", ['\\'] = "\\\\", ['\b'] = "\\b", ['\f'] = "\\f",
		['\n'] = "\\n", ['\r'] = "\\r",  ['\t'] = "\\t"
	};
	struct kk_buf b = { *p, *len, *cap };
	const unsigned char *u = (const unsigned char *)(s ? s : "");

	kk_buf_add(&b, "\"", 1);
	while (*u) {
		unsigned char c = *u;
		char esc[8];
		uint32_t cp;
		int n;

		if (plain(c)) {
			const unsigned char *start = u;

			while (plain(*u))
				u++;
			kk_buf_add(&b, (const char *)start, (size_t)(u - start));
			continue;
		}
		if (c < 0x80) {
			if (c < sizeof(short_esc) / sizeof(short_esc[0]) && short_esc[c]) {
				kk_buf_add(&b, short_esc[c], 2);
			} else {
				snprintf(esc, sizeof(esc), "\\u00%c%c", hex[c >> 4], hex[c & 0xf]);
				kk_buf_add(&b, esc, 6);
			}
			u++;
			continue;
		}
		n = utf8_len(u, &cp);
		if (n == 0) {
			kk_buf_add(&b, "\\ufffd", 6);
			u++;
			continue;
		}
		if (cp == 0x2028 || cp == 0x2029) {
			kk_buf_add(&b, cp == 0x2028 ? "\\u2028" : "\\u2029", 6);
		} else {
			kk_buf_add(&b, (const char *)u, (size_t)n);
		}
		u += n;
	}
	kk_buf_add(&b, "\"", 1);
	*p = b.p;
	*len = b.len;
	*cap = b.cap;
}

static void add_string(struct kk_buf *b, const char *s)
{
	kk_json_append_string(&b->p, &b->len, &b->cap, s);
}

/* Go prints float64 with strconv 'f' (shortest round-trip digits) below 1e21. */
static void add_number(struct kk_buf *b, double d)
{
	char tmp[64];

	if (!isfinite(d)) {
		buf_adds(b, "null");
		return;
	}
	if (d == floor(d) && fabs(d) < 1e21) {
		snprintf(tmp, sizeof(tmp), "%.0f", d);
		buf_adds(b, tmp);
		return;
	}
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	buf_adds(b, tmp);
}

static void indent(struct kk_buf *b, int flags, int depth)
{
	if (!(flags & KK_JSON_INDENT))
		return;
	kk_buf_add(b, "\n", 1);
	for (int i = 0; i < depth; i++)
		kk_buf_add(b, "  ", 2);
}

static void print_value(struct kk_buf *b, const cJSON *v, int flags, int depth)
{
	const cJSON *c;

	const char *lit = kk_json_literal(v);

	if (lit) {
		buf_adds(b, lit);
		return;
	}
	switch (v->type & 0xff) {
	case cJSON_Number:
		add_number(b, v->valuedouble);
		return;
	case cJSON_String:
		add_string(b, v->valuestring);
		return;
	case cJSON_Array:
	case cJSON_Object: {
		int obj = (v->type & 0xff) == cJSON_Object;

		kk_buf_add(b, obj ? "{" : "[", 1);
		if (!v->child) {
			kk_buf_add(b, obj ? "}" : "]", 1);
			return;
		}
		for (c = v->child; c; c = c->next) {
			indent(b, flags, depth + 1);
			if (obj) {
				add_string(b, c->string);
				buf_adds(b, (flags & KK_JSON_INDENT) ? ": " : ":");
			}
			print_value(b, c, flags, depth + 1);
			if (c->next)
				kk_buf_add(b, ",", 1);
		}
		indent(b, flags, depth);
		kk_buf_add(b, obj ? "}" : "]", 1);
		return;
	}
	}
}

const char *kk_json_literal(const cJSON *v)
{
	switch (v ? v->type & 0xff : cJSON_NULL) {
	case cJSON_True:
		return "true";
	case cJSON_False:
		return "false";
	case cJSON_Raw:
		return v->valuestring ? v->valuestring : "null";
	case cJSON_Number:
	case cJSON_String:
	case cJSON_Array:
	case cJSON_Object:
		return NULL;
	default:
		return "null";
	}
}

char *kk_json_print(const cJSON *tree, int flags)
{
	struct kk_buf b = { 0 };

	kk_buf_add(&b, "", 0);
	print_value(&b, tree, flags, 0);
	if (flags & KK_JSON_NEWLINE)
		kk_buf_add(&b, "\n", 1);
	return b.p;
}

/* Before main() in every program that links common/ (applets, unit tests, fuzzers, bench
 * drivers): cJSON allocates with kk_xmalloc, so no cJSON call returns NULL for want of
 * memory and nobody checks for it. */
static void __attribute__((constructor)) json_use_our_allocator(void)
{
	cJSON_Hooks hooks = { .malloc_fn = kk_xmalloc, .free_fn = free };

	cJSON_InitHooks(&hooks);
}

/* The offset of a \u0000 escape inside a string of text, or -1. cJSON would end the string
 * there, so "a\u0000b" would be taken for "a". */
static long escaped_nul(const char *text, size_t len)
{
	bool in_str = false;

	if (!memmem(text, len, "\\u0000", 6))
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '"') {
			in_str = !in_str;
		} else if (in_str && text[i] == '\\' && i + 1 < len) {
			if (i + 5 < len && memcmp(text + i + 1, "u0000", 5) == 0)
				return (long)i;
			i++; /* the escaped character, a quote or a backslash included */
		}
	}
	return -1;
}

int kk_json_parse(const char *text, size_t len, const char *what, cJSON **out, struct kk_err *err)
{
	const char *end = NULL;
	long nul = escaped_nul(text, len);
	cJSON *tree;

	if (nul >= 0)
		return kk_err_set(err, EINVAL,
				  "%s: a string contains a NUL character (\\u0000) at byte %ld, "
				  "which "
				  "kukeon does not accept",
				  what, nul);
	tree = cJSON_ParseWithLengthOpts(text, len, &end, 0);

	if (!tree) {
		size_t off = end && end >= text ? (size_t)(end - text) : 0;

		return kk_err_set(err, EINVAL, "%s: invalid JSON at byte %zu", what, off);
	}
	*out = tree;
	return 0;
}

void kk_json_freep(cJSON **tree)
{
	cJSON_Delete(*tree);
}

/* ---- times -------------------------------------------------------------------------- */

/* Days from 0001-01-01 to y-m-d (proleptic Gregorian), Howard Hinnant's algorithm
 * shifted to Go's epoch. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + (int64_t)doe - 719468 + 719162; /* unix days + days to 1970 */
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z -= 719162; /* to unix days */
	z += 719468;
	const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	const unsigned doe = (unsigned)(z - era * 146097);
	const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const unsigned mp = (5 * doy + 2) / 153;

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

int64_t kk_time_unix_ns(const struct kk_time *t)
{
	int64_t ns;

	if (__builtin_mul_overflow(t->sec - KK_TIME_UNIX_TO_INTERNAL, INT64_C(1000000000), &ns) ||
	    __builtin_add_overflow(ns, (int64_t)t->nsec, &ns))
		return t->sec < KK_TIME_UNIX_TO_INTERNAL ? INT64_MIN : INT64_MAX;
	return ns;
}

struct kk_time kk_time_from_unix(int64_t unix_sec, int32_t nsec)
{
	struct kk_time t = { unix_sec + KK_TIME_UNIX_TO_INTERNAL, nsec, 0 };

	return t;
}

struct kk_time kk_time_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return kk_time_from_unix(ts.tv_sec, (int32_t)ts.tv_nsec);
}

/* Write v as exactly n decimal digits, zero-padded; returns the end. */
static char *put_digits(char *p, unsigned v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + n;
}

/* By hand rather than snprintf: daemon List replies format thousands of these, and four
 * snprintf calls were an eighth of a ListRealms. */
char *kk_time_format(const struct kk_time *t, char *buf)
{
	int64_t local = t->sec + t->off;
	int64_t days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
	unsigned secs = (unsigned)(local - days * 86400);
	char *p = buf;
	int64_t y;
	unsigned m, d;

	civil_from_days(days, &y, &m, &d);
	if (y >= 0 && y <= 9999)
		p = put_digits(p, (unsigned)y, 4);
	else
		p += snprintf(p, KK_TIME_RFC3339NANO_MAX, "%04lld", (long long)y);
	*p++ = '-';
	p = put_digits(p, m, 2);
	*p++ = '-';
	p = put_digits(p, d, 2);
	*p++ = 'T';
	p = put_digits(p, secs / 3600, 2);
	*p++ = ':';
	p = put_digits(p, secs / 60 % 60, 2);
	*p++ = ':';
	p = put_digits(p, secs % 60, 2);
	if (t->nsec > 0) {
		int len = 9;

		*p++ = '.';
		put_digits(p, (unsigned)t->nsec, 9);
		while (len > 0 && p[len - 1] == '0') /* Go's RFC3339Nano trims trailing zeros */
			len--;
		p += len;
	}
	if (t->off == 0) {
		*p++ = 'Z';
	} else {
		unsigned off = (unsigned)(t->off < 0 ? -t->off : t->off);

		*p++ = t->off < 0 ? '-' : '+';
		p = put_digits(p, off / 3600, 2);
		*p++ = ':';
		p = put_digits(p, off / 60 % 60, 2);
	}
	*p = '\0';
	return buf;
}

static int digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static const int month_days[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

int kk_time_parse(const char *s, struct kk_time *out, struct kk_err *err)
{
	int y, mo, d, h, mi, sec, nsec = 0, off = 0;
	const char *p = s;

	if (strlen(s) < 20 || digits(p, 4, &y) < 0 || p[4] != '-' || digits(p + 5, 2, &mo) < 0 ||
	    p[7] != '-' || digits(p + 8, 2, &d) < 0 || p[10] != 'T' || digits(p + 11, 2, &h) < 0 ||
	    p[13] != ':' || digits(p + 14, 2, &mi) < 0 || p[16] != ':' ||
	    digits(p + 17, 2, &sec) < 0)
		goto bad;
	if (mo < 1 || mo > 12 || d < 1 || d > month_days[mo - 1] || h > 23 || mi > 59 || sec > 59)
		goto bad;
	if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		goto bad;
	p += 19;
	if (*p == '.') {
		int n = 0;

		p++;
		while (p[n] >= '0' && p[n] <= '9')
			n++;
		if (n == 0 || n > 9)
			goto bad;
		for (int i = 0; i < 9; i++)
			nsec = nsec * 10 + (i < n ? p[i] - '0' : 0);
		p += n;
	}
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om;

		if (digits(p + 1, 2, &oh) < 0 || p[3] != ':' || digits(p + 4, 2, &om) < 0 ||
		    oh > 23 || om > 59)
			goto bad;
		off = (oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
		p += 6;
	} else {
		goto bad;
	}
	if (*p)
		goto bad;
	out->sec = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 +
		   sec - off;
	out->nsec = nsec;
	out->off = off;
	return 0;
bad:
	return kk_err_set(err, EINVAL, "cannot parse `%s` as RFC 3339 time", s);
}

void kk_json_add_strv(cJSON *o, const char *key, char *const *v)
{
	cJSON *a;

	if (!v) {
		cJSON_AddNullToObject(o, key);
		return;
	}
	a = cJSON_AddArrayToObject(o, key);
	for (size_t i = 0; v[i]; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
}

int64_t kk_json_int64(const cJSON *v, int64_t dflt)
{
	double d;

	if (!cJSON_IsNumber(v) || isnan(v->valuedouble))
		return dflt;
	d = v->valuedouble;
	if (d >= 9223372036854775808.0) /* 2^63 */
		return INT64_MAX;
	if (d < -9223372036854775808.0)
		return INT64_MIN;
	return (int64_t)d;
}

int kk_json_strv(const cJSON *a, char ***out)
{
	const cJSON *it;

	*out = NULL;
	if (!a || cJSON_IsNull(a))
		return 0;
	if (!cJSON_IsArray(a))
		return -1;
	cJSON_ArrayForEach(it, a)
	{
		if (!cJSON_IsString(it)) {
			kk_strv_freep(out);
			return -2;
		}
		kk_strv_push_take(out, kk_xstrdup(it->valuestring));
	}
	return 0;
}
