/* common/yaml_emit.c - a gopkg.in/yaml.v3-compatible emitter for cJSON trees (see yaml.h). */
#include "common/yaml.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/json.h"
#include "common/mem.h"
#include "common/yaml_int.h"

/* ---- emitter (gopkg.in/yaml.v3 layout) ------------------------------------------------ */

struct em {
	struct kk_buf out;
	int best; /* indent step */
	int column;
	bool whitespace, indention;
};

static void em_raw(struct em *e, const char *s, size_t n)
{
	kk_buf_add(&e->out, s, n);
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
	return kk_yaml_in_list(s, words);
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
	if (kk_yaml_resolve_plain(s, &iv, &dv) != KK_YAML_STR || is_base60_float(s) ||
	    is_old_bool(s))
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
	else if (kk_yaml_resolve_plain(s, &iv, &dv) == KK_YAML_STR && !is_base60_float(s) &&
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
static void emit_key(struct em *e, const char *key, int ind)
{
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
}

static void emit_node(struct em *e, const cJSON *v, int indent, bool in_seq_item)
{
	const char *lit = kk_json_literal(v);
	char num[64];

	if (lit) {
		write_plain(e, lit);
		return;
	}
	switch (v->type & 0xff) {
	case cJSON_Number:
		number_text(v->valuedouble, num, sizeof(num));
		write_plain(e, num);
		return;
	case cJSON_String:
		emit_scalar_text(e, v->valuestring ? v->valuestring : "", indent, in_seq_item,
				 false);
		return;
	case cJSON_Array:
	case cJSON_Object: {
		bool obj = (v->type & 0xff) == cJSON_Object;

		if (!v->child) {
			em_indicator(e, obj ? "{}" : "[]", true, false, false);
			return;
		}
		int ind = next_indent(e, indent, in_seq_item, false);

		for (const cJSON *c = v->child; c; c = c->next) {
			em_indent(e, ind);
			if (obj)
				emit_key(e, c->string ? c->string : "", ind);
			else
				em_indicator(e, "-", true, false, true);
			emit_node(e, c, ind, !obj);
		}
		return;
	}
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
	return e.out.p;
}
