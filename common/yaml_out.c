/* common/yaml_out.c - see yaml_out.h. */
#include "common/yaml_out.h"

#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjson/cJSON.h"
#include "common/mem.h"

struct buf {
	char *s;
	size_t len, cap;
};

static void put(struct buf *b, const char *s, size_t n)
{
	if (!b->s || b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = kk_xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static void indent(struct buf *b, int n)
{
	for (int i = 0; i < n; i++)
		put(b, " ", 1);
}

static void number(struct buf *b, double v)
{
	char tmp[64];

	if (v == floor(v) && fabs(v) < 9007199254740992.0)
		snprintf(tmp, sizeof(tmp), "%.0f", v);
	else
		snprintf(tmp, sizeof(tmp), "%.17g", v);
	puts_(b, tmp);
}

/* ---- YAML ----------------------------------------------------------------------------- */

static bool looks_special(const char *s)
{
	static const char *const words[] = { "null", "Null",  "NULL",  "~",     "true", "True",
					     "TRUE", "false", "False", "FALSE", "yes",  "Yes",
					     "YES",  "no",    "No",    "NO",    "on",   "On",
					     "ON",   "off",   "Off",   "OFF",   "y",    "Y",
					     "n",    "N",     NULL };
	char *end;

	for (int i = 0; words[i]; i++)
		if (!strcmp(s, words[i]))
			return true;
	strtod(s, &end);
	if (end != s && *end == '\0')
		return true;
	if (!strcmp(s, ".inf") || !strcmp(s, ".nan") || !strcmp(s, "-.inf"))
		return true;
	return false;
}

static bool plain_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || looks_special(s) || strchr("-?:,[]{}#&*!|>'\"%@` ", s[0]) || s[n - 1] == ' ')
		return false;
	if ((s[0] == '-' || s[0] == '?' || s[0] == ':') && s[1] && s[1] != ' ')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return false;
		if (c == ':' && (s[i + 1] == ' ' || s[i + 1] == '\0'))
			return false;
		if (c == '#' && i > 0 && s[i - 1] == ' ')
			return false;
	}
	return true;
}

static void yaml_string(struct buf *b, const char *s)
{
	if (plain_ok(s)) {
		puts_(b, s);
		return;
	}
	put(b, "\"", 1);
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		char tmp[8];

		if (c == '"' || c == '\\') {
			put(b, "\\", 1);
			put(b, p, 1);
		} else if (c == '\n') {
			puts_(b, "\\n");
		} else if (c == '\t') {
			puts_(b, "\\t");
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(tmp, sizeof(tmp), "\\x%02x", c);
			puts_(b, tmp);
		} else {
			put(b, p, 1);
		}
	}
	put(b, "\"", 1);
}

static void yaml_key(struct buf *b, const char *k, int flags)
{
	if (flags & KK_YAML_OUT_LOWER_KEYS) {
		char *l = kk_xstrdup(k);

		for (char *p = l; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		yaml_string(b, l);
		free(l);
	} else {
		yaml_string(b, k);
	}
}

static void yaml_scalar(struct buf *b, const cJSON *v)
{
	if (cJSON_IsString(v))
		yaml_string(b, v->valuestring);
	else if (cJSON_IsNumber(v))
		number(b, v->valuedouble);
	else if (cJSON_IsBool(v))
		puts_(b, cJSON_IsTrue(v) ? "true" : "false");
	else if (cJSON_IsObject(v))
		puts_(b, "{}");
	else if (cJSON_IsArray(v))
		puts_(b, "[]");
	else
		puts_(b, "null");
}

static bool is_block(const cJSON *v)
{
	return (cJSON_IsObject(v) || cJSON_IsArray(v)) && v->child;
}

static void yaml_node(struct buf *b, const cJSON *v, int ind, int flags);

/* the members of a mapping; the first one goes where the cursor is when first_inline */
static void yaml_map(struct buf *b, const cJSON *v, int ind, bool first_inline, int flags)
{
	bool first = true;

	for (const cJSON *it = v->child; it; it = it->next) {
		if (!(first && first_inline))
			indent(b, ind);
		first = false;
		yaml_key(b, it->string, flags);
		put(b, ":", 1);
		if (is_block(it)) {
			put(b, "\n", 1);
			yaml_node(b, it, ind + 2, flags);
		} else {
			put(b, " ", 1);
			yaml_scalar(b, it);
			put(b, "\n", 1);
		}
	}
}

static void yaml_node(struct buf *b, const cJSON *v, int ind, int flags)
{
	if (cJSON_IsObject(v) && v->child) {
		yaml_map(b, v, ind, false, flags);
	} else if (cJSON_IsArray(v) && v->child) {
		for (const cJSON *it = v->child; it; it = it->next) {
			indent(b, ind);
			put(b, "- ", 2);
			if (cJSON_IsObject(it) && it->child) {
				yaml_map(b, it, ind + 2, true, flags);
			} else if (cJSON_IsArray(it) && it->child) {
				put(b, "\n", 1);
				yaml_node(b, it, ind + 2, flags);
			} else {
				yaml_scalar(b, it);
				put(b, "\n", 1);
			}
		}
	} else {
		indent(b, ind);
		yaml_scalar(b, v);
		put(b, "\n", 1);
	}
}

char *kk_yaml_out_emit(const cJSON *tree, int flags)
{
	struct buf b = { 0 };

	yaml_node(&b, tree, 0, flags);
	if (!b.s)
		puts_(&b, "");
	return b.s;
}

/* ---- JSON ----------------------------------------------------------------------------- */

static void json_string(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	put(b, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		char tmp[8];

		switch (*p) {
		case '"':
			puts_(b, "\\\"");
			break;
		case '\\':
			puts_(b, "\\\\");
			break;
		case '\n':
			puts_(b, "\\n");
			break;
		case '\r':
			puts_(b, "\\r");
			break;
		case '\t':
			puts_(b, "\\t");
			break;
		case '<':
		case '>':
		case '&':
			/* Go's encoder escapes HTML characters */
			snprintf(tmp, sizeof(tmp), "\\u00%c%c", hex[*p >> 4], hex[*p & 15]);
			puts_(b, tmp);
			break;
		default:
			if (*p < 0x20) {
				snprintf(tmp, sizeof(tmp), "\\u00%c%c", hex[*p >> 4], hex[*p & 15]);
				puts_(b, tmp);
			} else {
				put(b, (const char *)p, 1);
			}
		}
	}
	put(b, "\"", 1);
}

static void json_node(struct buf *b, const cJSON *v, int ind)
{
	if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
		bool obj = cJSON_IsObject(v);

		if (!v->child) {
			puts_(b, obj ? "{}" : "[]");
			return;
		}
		put(b, obj ? "{\n" : "[\n", 2);
		for (const cJSON *it = v->child; it; it = it->next) {
			indent(b, ind + 2);
			if (obj) {
				json_string(b, it->string);
				put(b, ": ", 2);
			}
			json_node(b, it, ind + 2);
			if (it->next)
				put(b, ",", 1);
			put(b, "\n", 1);
		}
		indent(b, ind);
		put(b, obj ? "}" : "]", 1);
	} else if (cJSON_IsString(v)) {
		json_string(b, v->valuestring);
	} else if (cJSON_IsNumber(v)) {
		number(b, v->valuedouble);
	} else if (cJSON_IsBool(v)) {
		puts_(b, cJSON_IsTrue(v) ? "true" : "false");
	} else {
		puts_(b, "null");
	}
}

char *kk_json_out_print(const cJSON *tree)
{
	struct buf b = { 0 };

	json_node(&b, tree, 0);
	put(&b, "\n", 1);
	return b.s;
}
