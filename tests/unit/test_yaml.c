/* tests/unit/test_yaml.c - libyaml -> cJSON with positions, stream splitting, yaml.v3 emitter. */
#include "common/yaml.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/cleanup.h"
#include "common/mem.h"
#include "common/json.h"
#include "tests/unit/tap.h"

static char *reemit(const char *yaml, int indent)
{
	cleanup_(kk_yaml_stream_freep) struct kk_yaml_stream *s = NULL;
	struct kk_err err = { 0 };

	if (kk_yaml_parse_stream(yaml, strlen(yaml), "t", &s, &err) < 0)
		return strdup(err.msg);
	if (!s->docs[0].root)
		return strdup(s->docs[0].err.msg);
	return kk_yaml_emit(s->docs[0].root, indent);
}

static char *as_json(const char *yaml)
{
	cleanup_(kk_yaml_stream_freep) struct kk_yaml_stream *s = NULL;
	struct kk_err err = { 0 };

	if (kk_yaml_parse_stream(yaml, strlen(yaml), "t", &s, &err) < 0)
		return strdup(err.msg);
	if (!s->docs[0].root)
		return strdup(s->docs[0].err.msg);
	return kk_json_print(s->docs[0].root, KK_JSON_COMPACT);
}

static void scalar_resolution(void)
{
	cleanup_free char *j = as_json(
		"[123, \"123\", '123', 0x1F, 0o17, 017, 1_000, -5, +7, 1.5, 1e3, .5, true, True, "
		"TRUE, \"true\", yes, on, false, ~, null, NULL, \"\", 2026-01-01, "
		"12:30, abc, -, 0b101, 99999999999999999999, !!str 5, .inf]");

	TAP_STR_EQ(j,
		   "[123,\"123\",\"123\",31,15,15,1000,-5,7,1.5,1000,0.5,true,true,true,\"true\","
		   "\"yes\",\"on\",false,null,null,null,\"\",\"2026-01-01\",\"12:30\",\"abc\","
		   "\"-\",5,100000000000000000000,\"5\",null]");
	{
		cleanup_free char *nan = as_json("[.NAN, .nan, -.inf]");

		TAP_STR_EQ(nan, "[null,null,null]");
	}
}

static void marks_and_lines(void)
{
	const char *y = "# head\n\nkind: Realm\nmetadata:\n  name: x\n  n: 0x10\n";
	cleanup_(kk_yaml_stream_freep) struct kk_yaml_stream *s = NULL;
	struct kk_err err = { 0 };

	TAP_INT_EQ(kk_yaml_parse_stream(y, strlen(y), "t", &s, &err), 0);
	if (!s)
		return;
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(s->docs[0].root, "metadata");
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(md, "name");
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(md, "n");
	const struct kk_yaml_mark *mn = kk_yaml_mark_of(&s->docs[0], name);
	const struct kk_yaml_mark *mm = kk_yaml_mark_of(&s->docs[0], n);

	TAP_INT_EQ(s->docs[0].line, 1);
	TAP_OK(mn && mn->line == 5 && mn->col == 9, "name is at line 5 column 9");
	TAP_OK(mm && mm->kind == KK_YAML_INT && strcmp(mm->raw, "0x10") == 0,
	       "an int keeps its raw text");
	TAP_OK(kk_yaml_mark_of(&s->docs[0], NULL) == NULL, "no mark for NULL");
}

static void keys_do_not_shadow_values(void)
{
	const char *y = "name: 123\n&k key: v\nother: *k\n";
	cleanup_(kk_yaml_stream_freep) struct kk_yaml_stream *s = NULL;
	struct kk_err err = { 0 };

	TAP_INT_EQ(kk_yaml_parse_stream(y, strlen(y), "t", &s, &err), 0);
	if (!s)
		return;
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(s->docs[0].root, "name");
	const cJSON *other = cJSON_GetObjectItemCaseSensitive(s->docs[0].root, "other");
	const struct kk_yaml_mark *m = kk_yaml_mark_of(&s->docs[0], name);

	TAP_OK(m && m->kind == KK_YAML_INT && strcmp(m->raw, "123") == 0,
	       "a value's mark is its own, not its key's");
	TAP_OK(cJSON_IsString(other) && strcmp(other->valuestring, "key") == 0,
	       "an alias to an anchored key is the key's text");
}

static void stream_splitting(void)
{
	const char *y = "\n\n---\na: 1\n  ---  \n\n\n# c\nb: 2\n---\n\n---\r\nc: [\n--- # not a "
			"separator\n";
	cleanup_(kk_yaml_stream_freep) struct kk_yaml_stream *s = NULL;
	struct kk_err err = { 0 };

	TAP_INT_EQ(kk_yaml_parse_stream(y, strlen(y), "s.yaml", &s, &err), 0);
	if (!s)
		return;
	TAP_STR_EQ(s->name, "s.yaml");
	TAP_INT_EQ(s->n, 3);
	TAP_INT_EQ(s->docs[0].line, 4);
	TAP_INT_EQ(s->docs[1].line, 8);
	TAP_INT_EQ(s->docs[2].index, 2);
	TAP_INT_EQ(s->docs[2].line, 13);
	TAP_OK(s->docs[2].root == NULL, "a broken document keeps its error");
	TAP_STR_EQ(s->docs[2].err.msg, "line 14 column 1: while parsing a flow node: did not find "
				       "expected node content");

	struct kk_yaml_stream *none = NULL;

	TAP_INT_EQ(kk_yaml_parse_stream(" \n---\n\n--- \n", 12, "e", &none, &err), -1);
	TAP_STR_EQ(err.msg, "no documents found in input");
}

static void parse_errors(void)
{
	cleanup_free char *dup = as_json("a: 1\nb: 2\na: 3\n");
	cleanup_free char *bad = as_json("a: b: c\n");
	cleanup_free char *alias = as_json("a: *nope\n");
	cleanup_free char *tab = as_json("a:\n\tb: 1\n");
	cleanup_free char *key = as_json("[a]: 1\n");

	TAP_STR_EQ(dup, "line 3: mapping key \"a\" already defined at line 1");
	TAP_STR_EQ(bad, "line 1 column 5: mapping values are not allowed in this context");
	TAP_STR_EQ(alias, "line 1: unknown anchor \"nope\" referenced");
	TAP_STR_EQ(tab, "line 2 column 1: while scanning for the next token: found character that "
			"cannot start any token");
	TAP_STR_EQ(key, "line 1: mapping key must be a scalar");
}

static void aliases_are_expanded_and_bounded(void)
{
	cleanup_free char *j = as_json("base: &b {x: 1, y: [2]}\ncopy: *b\n");
	cleanup_free char *bomb = NULL;
	char buf[4096];
	size_t n = 0;

	TAP_STR_EQ(j, "{\"base\":{\"x\":1,\"y\":[2]},\"copy\":{\"x\":1,\"y\":[2]}}");
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
	for (int i = 1; i < 8; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n,
				      "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, "
				      "*a%d, *a%d]\n",
				      i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1,
				      i - 1, i - 1);
	bomb = as_json(buf);
	TAP_OK(strstr(bomb, "the input has more than 100000 nodes") != NULL,
	       "alias bomb is refused: %s", bomb);
}

/* 40k keys in one mapping: linear, and a duplicate far in is still found. */
static char *many_keys(int n, int dup_at)
{
	size_t cap = (size_t)n * 24 + 64, len = 0;
	char *y = kk_xmalloc(cap);

	len += (size_t)snprintf(y + len, cap - len, "labels:\n");
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(y + len, cap - len, "  k%d: v\n", i == dup_at ? 7 : i);
	return y;
}

static void big_mappings_and_streams_are_bounded(void)
{
	cleanup_free char *ok = many_keys(40000, -1);
	cleanup_free char *dup = many_keys(40000, 30000);
	cleanup_free char *j = as_json(ok);
	cleanup_free char *d = as_json(dup);
	cleanup_free char *stream = NULL;
	cleanup_free char *big = NULL;
	size_t n = strlen(ok);

	TAP_OK(strncmp(j, "{\"labels\":{\"k0\":\"v\",", 20) == 0 && strstr(j, "\"k39999\":\"v\"}}"),
	       "40000 keys parse: %.40s", j);
	TAP_STR_EQ(d, "line 30002: mapping key \"k7\" already defined at line 9");
	/* three documents of 40001 nodes: each fits alone, the stream does not */
	stream = kk_xmalloc(3 * (n + 5) + 1);
	snprintf(stream, 3 * (n + 5) + 1, "%s---\n%s---\n%s", ok, ok, ok);
	big = as_json(stream);
	TAP_OK(strstr(big, "the input has more than 100000 nodes") != NULL,
	       "the node bound is the stream's: %s", big);
}

static void nul_in_a_string_is_refused(void)
{
	cleanup_free char *dq = as_json("metadata:\n  name: \"a\\0b\"\n");
	cleanup_free char *u = as_json("name: \"c\\u0000d\"\n");
	cleanup_free char *ok = as_json("name: 'a\\0b'\n");

	TAP_STR_EQ(dq, "line 2: a string contains a NUL character (\\0), which kukeon does not "
		       "accept");
	TAP_STR_EQ(u, "line 1: a string contains a NUL character (\\0), which kukeon does not "
		      "accept");
	TAP_STR_EQ(ok, "{\"name\":\"a\\\\0b\"}"); /* single quotes: a backslash and a zero */
}

static void emitter_quoting(void)
{
	struct {
		const char *s;
		int plain;
	} cases[] = {
		{ "abc", 1 },
		{ "", 0 },
		{ "true", 0 },
		{ "True", 0 },
		{ "yes", 0 },
		{ "off", 0 },
		{ "123", 0 },
		{ "1.5", 0 },
		{ "0x1f", 0 },
		{ "1e3", 0 },
		{ "~", 0 },
		{ "null", 0 },
		{ "a: b", 0 },
		{ "a:b", 1 },
		{ "a #b", 0 },
		{ "a#b", 1 },
		{ "- a", 0 },
		{ "-a", 1 },
		{ "#x", 0 },
		{ "*x", 0 },
		{ "&x", 0 },
		{ "!x", 0 },
		{ "[x", 0 },
		{ "x]", 1 },
		{ " x", 0 },
		{ "x ", 0 },
		{ "12:30", 0 },
		{ "2026-01-01", 0 },
		{ "2026-01-01T00:00:00Z", 0 },
		{ "v1beta1", 1 },
		{ "/bin/sh", 1 },
		{ "k-703e8b3a", 1 },
		{ "10.88.0.0/24", 1 },
		{ "---", 0 },
		{ "a\tb", 0 },
		{ "<<", 0 },
		{ "é", 1 },
		{ ".inf", 0 },
		{ "-", 0 },
		{ "?", 0 },
		{ ":x", 1 },
		{ "x:", 0 },
		{ "@x", 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		TAP_OK(kk_yaml_string_is_plain(cases[i].s) == cases[i].plain, "`%s` is %s",
		       cases[i].s, cases[i].plain ? "plain" : "quoted");
}

static void emitter_styles(void)
{
	cleanup_(kk_json_freep) cJSON *o = cJSON_CreateObject();

	cJSON_AddItemToObject(o, "a", cJSON_CreateString("a: b"));
	cJSON_AddItemToObject(o, "b", cJSON_CreateString("it's"));
	cJSON_AddItemToObject(o, "c", cJSON_CreateString("tab\there"));
	cJSON_AddItemToObject(o, "d", cJSON_CreateString("line1\nline2"));
	cJSON_AddItemToObject(o, "e", cJSON_CreateString("end\n"));
	cJSON_AddItemToObject(o, "f", cJSON_CreateString("two\n\n"));
	cJSON_AddItemToObject(o, "g", cJSON_CreateString("  lead\nx"));
	cJSON_AddItemToObject(o, "h", cJSON_CreateString("trail \nx"));
	cJSON_AddItemToObject(o, "i", cJSON_CreateString("\xf0\x9f\x98\x80"));
	cJSON_AddItemToObject(o, "i2", cJSON_CreateString("make:\n\tcc -o x"));
	cJSON_AddItemToObject(o, "i3", cJSON_CreateString("a\nb\xe2\x80\xa8"));
	cJSON_AddItemToObject(o, "j", cJSON_CreateNumber(-42));
	cJSON_AddItemToObject(o, "k", cJSON_CreateNull());
	cJSON_AddItemToObject(o, "l", cJSON_CreateRaw("2026-01-01T00:00:00Z"));
	cJSON_AddItemToObject(o, "true", cJSON_CreateString("key needs quotes"));
	cJSON_AddItemToObject(o, "n", cJSON_CreateString("y"));
	cleanup_free char *out = kk_yaml_emit(o, 2);

	TAP_STR_EQ(out, "a: 'a: b'\n"
			"b: it's\n"
			"c: \"tab\\there\"\n"
			"d: |-\n  line1\n  line2\n"
			"e: |\n  end\n"
			"f: |+\n  two\n\n"
			"g: |2-\n    lead\n  x\n"
			"h: \"trail \\nx\"\n"
			"i: \"\\U0001F600\"\n"
			"i2: |-\n  make:\n  \tcc -o x\n"
			"i3: |\n  a\n  b\xe2\x80\xa8"
			"j: -42\n"
			"k: null\n"
			"l: 2026-01-01T00:00:00Z\n"
			"\"true\": key needs quotes\n"
			"\"n\": \"y\"\n");
}

static void emitter_complex_keys(void)
{
	char key[140];
	cleanup_(kk_json_freep) cJSON *o = cJSON_CreateObject();

	memset(key, 'k', 129);
	key[129] = '\0';
	cJSON_AddItemToObject(o, key, cJSON_CreateString("v"));
	cJSON_AddItemToObject(o, "a\nb", cJSON_CreateString("w"));
	cleanup_free char *out = kk_yaml_emit(o, 4);
	cleanup_free char *want = NULL;

	want = calloc(1, 400);
	snprintf(want, 400, "? %s\n: v\n? |-\n    a\n    b\n: w\n", key);
	TAP_STR_EQ(out, want);

	cleanup_free char *back = reemit(out, 4);

	TAP_STR_EQ(back, want);
}

static void emitter_layout(void)
{
	const char *y =
		"a:\n  b:\n    - x\n    - k: v\n      l: [1, 2]\n      m: {nn: o}\n    - - p\n"
		"      - q\n    - []\n    - {}\n  c: {}\nd: [s]\n";
	cleanup_free char *two = reemit(y, 2);
	cleanup_free char *four = reemit(y, 4);
	cleanup_free char *seq = reemit("- a\n- b: c\n  d: e\n", 4);
	cleanup_free char *scalar = reemit("hello\n", 2);
	cleanup_free char *list2 = reemit("- a: 1\n  b:\n    c: [x]\n", 2);
	cleanup_free char *list4 = reemit("- a: 1\n  b:\n    c: [x]\n", 4);
	cleanup_free char *empty = reemit("{}\n", 2);

	TAP_STR_EQ(two,
		   "a:\n  b:\n    - x\n    - k: v\n      l:\n        - 1\n        - 2\n"
		   "      m:\n        nn: o\n    - - p\n      - q\n    - []\n    - {}\n  c: {}\n"
		   "d:\n  - s\n");
	TAP_STR_EQ(four, "a:\n    b:\n        - x\n        - k: v\n          l:\n            - 1\n"
			 "            - 2\n          m:\n            nn: o\n        - - p\n"
			 "          - q\n        - []\n        - {}\n    c: {}\nd:\n    - s\n");
	TAP_STR_EQ(seq, "- a\n- b: c\n  d: e\n");
	TAP_STR_EQ(scalar, "hello\n");
	TAP_STR_EQ(list2, "- a: 1\n  b:\n    c:\n      - x\n");
	TAP_STR_EQ(list4, "- a: 1\n  b:\n    c:\n        - x\n");
	TAP_STR_EQ(empty, "{}\n");
}

int main(void)
{
	scalar_resolution();
	marks_and_lines();
	keys_do_not_shadow_values();
	stream_splitting();
	parse_errors();
	aliases_are_expanded_and_bounded();
	big_mappings_and_streams_are_bounded();
	nul_in_a_string_is_refused();
	emitter_quoting();
	emitter_styles();
	emitter_layout();
	emitter_complex_keys();
	return tap_done();
}
