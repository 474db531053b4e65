/* common/gostr.c - see gostr.h. */
#include "common/gostr.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"

size_t kk_utf8_decode(const unsigned char *s, size_t n, uint32_t *rune)
{
	uint32_t r;
	size_t len;

	if (s[0] < 0x80) {
		*rune = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		r = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		r = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		r = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		r = (r << 6) | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates and values past U+10FFFF are invalid */
	if ((len == 2 && r < 0x80) || (len == 3 && r < 0x800) || (len == 4 && r < 0x10000) ||
	    (r >= 0xd800 && r <= 0xdfff) || r > 0x10ffff)
		return 0;
	*rune = r;
	return len;
}

char *kk_go_quote(const char *str)
{
	static const char short_esc[] = "\aa\bb\ff\nn\rr\tt\vv";
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str);
	/* worst case: every byte becomes \xNN, plus the quotes */
	char *out = kk_xmalloc(n * 4 + 3), *o = out;
	const char *e;

	*o++ = '"';
	for (size_t i = 0; i < n;) {
		uint32_t r;
		size_t l = kk_utf8_decode(s + i, n - i, &r);

		if (l == 0) {
			o += sprintf(o, "\\x%02x", s[i]);
			i++;
			continue;
		}
		if (r == '"' || r == '\\') {
			*o++ = '\\';
			*o++ = (char)r;
		} else if (r < 0x20 && r && (e = strchr(short_esc, (int)r)) != NULL) {
			*o++ = '\\';
			*o++ = e[1];
		} else if (r < 0x20 || r == 0x7f) {
			o += sprintf(o, "\\x%02x", (unsigned)r);
		} else {
			memcpy(o, s + i, l);
			o += l;
		}
		i += l;
	}
	*o++ = '"';
	*o = '\0';
	return out;
}

void kk_go_quote_buf(const char *s, char *buf, size_t n)
{
	char *q = kk_go_quote(s);
	size_t len = strlen(q);

	if (len >= n) {
		len = n - 2;
		q[len] = '"';
		len++;
	}
	memcpy(buf, q, len);
	buf[len] = '\0';
	free(q);
}

/* unicode.IsSpace */
static bool is_go_space(uint32_t r)
{
	switch (r) {
	case '\t':
	case '\n':
	case '\v':
	case '\f':
	case '\r':
	case ' ':
	case 0x85:
	case 0xa0:
	case 0x1680:
	case 0x2028:
	case 0x2029:
	case 0x202f:
	case 0x205f:
	case 0x3000:
		return true;
	default:
		return r >= 0x2000 && r <= 0x200a;
	}
}

char *kk_go_trim_space_n(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t start = 0, end = 0, i = 0;
	bool seen = false;

	while (i < n) {
		uint32_t r;
		size_t l = kk_utf8_decode(s + i, n - i, &r);

		if (l == 0) {
			l = 1;
			r = 0xfffd;
		}
		if (!is_go_space(r)) {
			if (!seen)
				start = i;
			seen = true;
			end = i + l;
		}
		i += l;
	}
	return seen ? kk_xstrndup(str + start, end - start) : kk_xstrdup("");
}

char *kk_go_trim_space(const char *s)
{
	return s ? kk_go_trim_space_n(s, strlen(s)) : kk_xstrdup("");
}

int kk_go_parse_duration(const char *s, int64_t *ms, struct kk_err *err)
{
	static const struct {
		const char *unit;
		double ms;
	} units[] = { { "ns", 1e-6 }, { "us", 1e-3 }, { "µs", 1e-3 }, { "ms", 1 },
		      { "s", 1e3 },   { "m", 60e3 },  { "h", 3600e3 } };
	const char *p = s;
	double total = 0;
	bool neg = false;

	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (strcmp(p, "0") == 0) {
		*ms = 0;
		return 0;
	}
	if (!*p)
		return kk_err_set(err, EINVAL, "time: invalid duration \"%s\"", s);
	while (*p) {
		char *end;
		double v = strtod(p, &end);
		size_t best = 0;
		double scale = 0;

		if (end == p || *p == '-' || *p == '+' || *p == ' ')
			return kk_err_set(err, EINVAL, "time: invalid duration \"%s\"", s);
		p = end;
		for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
			size_t n = strlen(units[i].unit);

			/* the longest unit that matches: "ms" before "m" */
			if (strncmp(p, units[i].unit, n) == 0 && n > best) {
				best = n;
				scale = units[i].ms;
			}
		}
		if (!best)
			return kk_err_set(err, EINVAL, "time: missing unit in duration \"%s\"", s);
		total += v * scale;
		p += best;
	}
	*ms = (int64_t)(neg ? -total : total);
	return 0;
}

void kk_go_format_duration(int64_t ms, char *buf, size_t n)
{
	const char *sign = ms < 0 ? "-" : "";
	uint64_t u = ms < 0 ? (uint64_t)0 - (uint64_t)ms : (uint64_t)ms;
	uint64_t h = u / 3600000, m = u / 60000 % 60, s = u / 1000 % 60, f = u % 1000;
	char secs[32];
	int w;

	if (u < 1000) {
		snprintf(buf, n, u ? "%s%llums" : "0s", sign, (unsigned long long)u);
		return;
	}
	w = snprintf(secs, sizeof(secs), "%llu", (unsigned long long)s);
	if (f) {
		snprintf(secs + w, sizeof(secs) - (size_t)w, ".%03llu", (unsigned long long)f);
		for (w = (int)strlen(secs); secs[w - 1] == '0'; w--)
			secs[w - 1] = '\0';
	}
	if (h)
		snprintf(buf, n, "%s%lluh%llum%ss", sign, (unsigned long long)h,
			 (unsigned long long)m, secs);
	else if (m)
		snprintf(buf, n, "%s%llum%ss", sign, (unsigned long long)m, secs);
	else
		snprintf(buf, n, "%s%ss", sign, secs);
}
