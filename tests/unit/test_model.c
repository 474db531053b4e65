/* tests/unit/test_model.c - v1beta1 codec: golden metadata.json/yaml, round trips, errors. */
#include "common/model/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/mem.h"
#include "common/model/doc.h"
#include "common/yaml.h"
#include "tests/unit/tap.h"

#define FIX "tests/fixtures/model/"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf;
	long n;

	if (!f)
		return kk_xstrdup("");
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = kk_xcalloc(1, (size_t)n + 1);
	if (fread(buf, 1, (size_t)n, f) != (size_t)n)
		buf[0] = '\0';
	fclose(f);
	return buf;
}

/* metadata.json -> decode -> encode must give the same bytes back */
static void json_round_trip(const char *file)
{
	cleanup_free char *path = kk_xasprintf(FIX "%s", file);
	cleanup_free char *text = slurp(path);
	cleanup_free char *again = NULL;
	cleanup_(kk_json_freep) cJSON *tree = NULL, *enc = NULL;
	cleanup_(kk_doc_freep) struct kk_doc *doc = NULL;
	struct kk_err err = { 0 };

	TAP_OK(*text, "fixture %s is readable", file);
	TAP_INT_EQ(kk_json_parse(text, strlen(text), file, &tree, &err), 0);
	TAP_INT_EQ(kk_doc_decode(tree, NULL, &doc, &err), 0);
	if (!doc) {
		printf("# %s\n", err.msg);
		return;
	}
	enc = kk_doc_encode(doc, KK_ENC_JSON);
	again = kk_json_print(enc, KK_JSON_INDENT | KK_JSON_NEWLINE);
	TAP_OK(strcmp(again, text) == 0, "%s re-encodes byte for byte", file);
	if (strcmp(again, text) != 0)
		printf("# got:\n%s\n", again);
}

static void json_to_yaml(const char *file, const char *golden, int indent)
{
	cleanup_free char *path = kk_xasprintf(FIX "%s", file);
	cleanup_free char *gpath = kk_xasprintf(FIX "%s", golden);
	cleanup_free char *text = slurp(path), *want = slurp(gpath), *got = NULL;
	cleanup_(kk_json_freep) cJSON *tree = NULL, *enc = NULL;
	cleanup_(kk_doc_freep) struct kk_doc *doc = NULL;
	struct kk_err err = { 0 };

	if (kk_json_parse(text, strlen(text), file, &tree, &err) < 0 ||
	    kk_doc_decode(tree, NULL, &doc, &err) < 0) {
		TAP_OK(0, "%s decodes: %s", file, err.msg);
		return;
	}
	enc = kk_doc_encode(doc, KK_ENC_YAML);
	got = kk_yaml_emit(enc, indent);
	TAP_OK(strcmp(got, want) == 0, "%s as yaml (indent %d) matches %s", file, indent, golden);
	if (strcmp(got, want) != 0)
		printf("# got:\n%s\n", got);
}

/* yaml text -> doc -> yaml (same indent) -> doc -> json equals first json */
static void yaml_round_trip(const char *golden, int indent)
{
	cleanup_free char *gpath = kk_xasprintf(FIX "%s", golden);
	cleanup_free char *text = slurp(gpath), *got = NULL;
	cleanup_(kk_yaml_stream_freep) struct kk_yaml_stream *s = NULL;
	cleanup_(kk_doc_freep) struct kk_doc *doc = NULL;
	cleanup_(kk_json_freep) cJSON *enc = NULL;
	struct kk_err err = { 0 };

	if (kk_yaml_parse_stream(text, strlen(text), golden, &s, &err) < 0 ||
	    kk_doc_decode(s->docs[0].root, &s->docs[0], &doc, &err) < 0) {
		TAP_OK(0, "%s decodes from yaml: %s", golden, err.msg);
		return;
	}
	enc = kk_doc_encode(doc, KK_ENC_YAML);
	got = kk_yaml_emit(enc, indent);
	TAP_OK(strcmp(got, text) == 0, "%s survives yaml -> model -> yaml", golden);
	if (strcmp(got, text) != 0)
		printf("# got:\n%s\n", got);
}

static void zero_docs(void)
{
	struct kk_realm r = { 0 };
	struct kk_cell c = { 0 };
	cleanup_(kk_json_freep) cJSON *a = kk_realm_encode(&r, KK_ENC_JSON);
	cleanup_(kk_json_freep) cJSON *b = kk_cell_encode(&c, KK_ENC_JSON);
	cleanup_free char *ja = kk_json_print(a, KK_JSON_COMPACT);
	cleanup_free char *jb = kk_json_print(b, KK_JSON_COMPACT);

	TAP_STR_EQ(ja,
		   "{\"apiVersion\":\"\",\"kind\":\"\",\"metadata\":{\"name\":\"\",\"labels\":null}"
		   ","
		   "\"spec\":{\"namespace\":\"\"},\"status\":{\"state\":\"Pending\","
		   "\"createdAt\":\"0001-01-01T00:00:00Z\",\"updatedAt\":\"0001-01-01T00:00:00Z\","
		   "\"readyAt\":\"0001-01-01T00:00:00Z\"}}");
	TAP_STR_EQ(jb,
		   "{\"apiVersion\":\"\",\"kind\":\"\",\"metadata\":{\"name\":\"\",\"labels\":null}"
		   ","
		   "\"spec\":{\"id\":\"\",\"realmId\":\"\",\"spaceId\":\"\",\"stackId\":\"\","
		   "\"containers\":null},\"status\":{\"state\":\"Pending\",\"cgroupPath\":\"\","
		   "\"network\":{},\"containers\":null,\"createdAt\":\"0001-01-01T00:00:00Z\","
		   "\"updatedAt\":\"0001-01-01T00:00:00Z\",\"readyAt\":\"0001-01-01T00:00:00Z\"}}");
}

static void zero_docs_yaml(void)
{
	struct kk_cell c = { 0 };
	cleanup_(kk_json_freep) cJSON *t = kk_cell_encode(&c, KK_ENC_YAML);
	cleanup_free char *y = kk_yaml_emit(t, 2);

	TAP_STR_EQ(y, "apiVersion: \"\"\nkind: \"\"\nmetadata:\n  name: \"\"\n  labels: {}\nspec:\n"
		      "  id: \"\"\n  realmId: \"\"\n  spaceId: \"\"\n  stackId: \"\"\n  "
		      "containers: []\n"
		      "status:\n  state: Pending\n  cgroupPath: \"\"\n  containers: []\n");
}

/* decode a YAML manifest; return the first document's error text or "" */
static char *yaml_doc_error(const char *yaml)
{
	cleanup_(kk_yaml_stream_freep) struct kk_yaml_stream *s = NULL;
	cleanup_(kk_doc_freep) struct kk_doc *doc = NULL;
	struct kk_err err = { 0 };

	if (kk_yaml_parse_stream(yaml, strlen(yaml), "t.yaml", &s, &err) < 0)
		return kk_xstrdup(err.msg);
	if (!s->docs[0].root)
		return kk_xstrdup(s->docs[0].err.msg);
	if (kk_doc_decode(s->docs[0].root, &s->docs[0], &doc, &err) < 0)
		return kk_xstrdup(err.msg);
	return kk_xstrdup("");
}

static void decode_errors(void)
{
	struct {
		const char *yaml, *want;
	} cases[] = {
		{ "apiVersion: v1beta1\nkind: Cell\nmetadata:\n  name: c\nspec:\n  containers:\n"
		  "    - id: a\n      args: notalist\n",
		  "line 8: spec.containers[0].args: expected a list of strings, got a string" },
		{ "kind: Realm\nmetadata:\n  name: [a]\n",
		  "line 3: metadata.name: expected a string, got a list" },
		{ "kind: Realm\nmetadata:\n  name: r\n  labels: [a]\n",
		  "line 4: metadata.labels: expected a mapping, got a list" },
		{ "kind: Realm\nstatus:\n  state: Bogus\n",
		  "line 3: status.state: realm state: unknown label \"Bogus\"" },
		{ "kind: Space\nstatus:\n  state: 9\n",
		  "line 3: status.state: space state: int 9 out of range" },
		{ "kind: Container\nspec:\n  privileged: \"true\"\n",
		  "line 3: spec.privileged: expected a boolean, got a string" },
		{ "kind: Container\nspec:\n  resources:\n    pidsLimit: lots\n",
		  "line 4: spec.resources.pidsLimit: expected an integer, got a string" },
		{ "kind: Space\nspec:\n  network:\n    egress:\n      allow:\n        - ports: "
		  "[80, x]\n",
		  "line 6: spec.network.egress.allow[0].ports[1]: expected an integer, got a "
		  "string" },
		{ "apiVersion: v2\nkind: Realm\n",
		  "unsupported apiVersion: v2 (expected v1beta1)" },
		{ "kind: Realmz\n", "unknown kind: Realmz" },
		{ "kind: Realm\nmetadata:\n  name: a\n  name: b\n",
		  "line 4: mapping key \"name\" already defined at line 3" },
		{ "kind: Realm\nmetadata: {name: a\n",
		  "line 3 column 1: while parsing a flow mapping: did not find expected ',' or "
		  "'}'" },
		{ "", "no documents found in input" },
		/* yaml.v3 reads YAML 1.1 words into bools and truncates floats into ints */
		{ "kind: Container\nspec:\n  privileged: yes\n  hostPID: \"off\"\n"
		  "  volumes:\n    - target: /x\n      sizeBytes: 1.9\n",
		  "" },
		{ "kind: Container\nspec:\n  resources:\n    pidsLimit: .nan\n",
		  "line 4: spec.resources.pidsLimit: expected an integer, got nan" },
		/* yaml.v3 reads any scalar into a string field */
		{ "kind: Realm\nmetadata:\n  name: 123\n", "" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cleanup_free char *got = yaml_doc_error(cases[i].yaml);

		TAP_STR_EQ(got, cases[i].want);
	}
}

static void json_errors(void)
{
	struct {
		const char *json, *want;
	} cases[] = {
		{ "{\"kind\":\"Realm\",\"metadata\":{\"name\":5}}",
		  "metadata.name: expected a string, got a number" },
		{ "{\"kind\":\"Cell\",\"status\":{\"state\":1.5}}",
		  "status.state: cell state: expected string or int, got 1.5" },
		{ "{\"kind\":\"Stack\",\"status\":{\"createdAt\":\"\"}}",
		  "status.createdAt: cannot parse `` as RFC 3339 time" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cleanup_(kk_json_freep) cJSON *tree = cJSON_Parse(cases[i].json);
		cleanup_(kk_doc_freep) struct kk_doc *doc = NULL;
		struct kk_err err = { 0 };

		TAP_INT_EQ(kk_doc_decode(tree, NULL, &doc, &err), -1);
		TAP_STR_EQ(err.msg, cases[i].want);
	}
}

static void legacy_states_and_case_insensitive_keys(void)
{
	cleanup_(kk_json_freep) cJSON *tree = cJSON_Parse(
		"{\"KIND\":\"Realm\",\"Metadata\":{\"NAME\":\"x\"},\"status\":{\"state\":2}}");
	cleanup_(kk_doc_freep) struct kk_doc *doc = NULL;
	struct kk_err err = { 0 };

	TAP_INT_EQ(kk_doc_decode(tree, NULL, &doc, &err), 0);
	if (!doc)
		return;
	TAP_STR_EQ(doc->u.realm->meta.name, "x");
	{
		const char *y = "kind: Realm\nmetadata:\n  name: 0x10\nspec:\n  namespace: true\n";
		cleanup_(kk_yaml_stream_freep) struct kk_yaml_stream *s = NULL;
		cleanup_(kk_doc_freep) struct kk_doc *d2 = NULL;

		if (kk_yaml_parse_stream(y, strlen(y), "t", &s, &err) == 0 &&
		    kk_doc_decode(s->docs[0].root, &s->docs[0], &d2, &err) == 0) {
			TAP_STR_EQ(d2->u.realm->meta.name, "0x10");
			TAP_STR_EQ(d2->u.realm->spec.namespace_, "true");
		} else {
			TAP_OK(0, "scalars as strings: %s", err.msg);
		}
	}
	TAP_INT_EQ(doc->u.realm->status.state, KK_REALM_READY);

	cleanup_free char *e1 = yaml_doc_error("kind: Container\nstatus:\n  state: 3\n");
	TAP_STR_EQ(e1, "");
	cleanup_free char *e2 = yaml_doc_error("kind: Container\nstatus:\n  state: \"3\"\n");
	TAP_STR_EQ(e2, "line 3: status.state: container state: unknown label \"3\"");
}

static void manifest_messages(void)
{
	const char *text =
		"apiVersion: v1beta1\nkind: Realm\nmetadata:\n  name: main\n"
		"---\nkind: Space\nmetadata:\n  name: blue\n"
		"---\nkind: Stack\nmetadata:\n  name: s\nspec:\n  realmId: main\n"
		"---\nkind: Widget\n"
		"---\napiVersion: v9\nkind: Realm\nmetadata:\n  name: x\n"
		"---\nkind: Cell\nmetadata:\n  name: c\nspec:\n  realmId: r\n  spaceId: s\n"
		"  stackId: t\n  containers: []\n"
		"---\nkind: Container\nmetadata:\n  name: k\nspec:\n  realmId: r\n  spaceId: s\n"
		"  stackId: t\n  cellId: c\n  image: i\n  secrets:\n    - name: a\n"
		"---\nkind: Realm\nmetadata:\n  name: [x]\n"
		"---\nkind: Realm\nmetadata: [\n"
		"---\n- a\n";
	const char *want[] = {
		"",
		"document 1 (Space \"blue\"): spec.realmId is required",
		"document 2 (Stack \"s\"): spec.spaceId is required",
		"document 3 (): document 3: unknown kind: Widget",
		"document 4 (Realm): unsupported apiVersion: v9 (expected v1beta1)",
		"document 5 (Cell \"c\"): spec.containers is required and cannot be empty",
		"document 6 (Container \"k\"): secret requires exactly one of fromFile or fromEnv "
		"(secrets[0] \"a\")",
		"document 7 (): document 7: failed to parse Realm: line 46: metadata.name: "
		"expected a "
		"string, got a list",
		"document 8 (): document 8: failed to parse kind: yaml: line 50 column 1: while "
		"parsing a flow node: did not find expected node content",
		"document 9 (): document 9: failed to parse kind: line 51: expected a mapping, got "
		"a "
		"list",
	};
	cleanup_(kk_yaml_stream_freep) struct kk_yaml_stream *s = NULL;
	cleanup_(kk_manifest_freep) struct kk_manifest *m = NULL;
	struct kk_err err = { 0 };

	TAP_INT_EQ(kk_yaml_parse_stream(text, strlen(text), "m.yaml", &s, &err), 0);
	if (!s)
		return;
	m = kk_manifest_decode(s);
	TAP_INT_EQ(m->n, 10);
	TAP_INT_EQ(m->n_failed, 9);
	for (size_t i = 0; i < m->n && i < 10; i++)
		TAP_STR_EQ(m->items[i].doc ? "" : m->items[i].err.msg, want[i]);
	TAP_INT_EQ(m->items[0].kind, KK_KIND_REALM);
	TAP_STR_EQ(m->items[0].name, "main");
	TAP_INT_EQ(m->items[1].line, 6);
}

/* every kind of common/model/kinds.def: its name both ways, whether apply takes it, and the
 * required fields apply checks */
static void kinds_table(void)
{
	static const char *const names[] = { "Realm",
					     "Space",
					     "Stack",
					     "Cell",
					     "Container",
					     "CellProfile",
					     "ClientConfiguration",
					     "ServerConfiguration" };
	const char *text = "kind: Realm\n"
			   "---\nkind: Container\nmetadata:\n  name: k\nspec:\n  realmId: r\n"
			   "  spaceId: s\n  stackId: t\n"
			   "---\nkind: Container\nmetadata:\n  name: k\nspec:\n  realmId: r\n"
			   "  spaceId: s\n  stackId: t\n  cellId: c\n"
			   "---\nkind: CellProfile\nmetadata:\n  name: p\n"
			   "---\nkind: Cell\nmetadata:\n  name: c\nspec:\n  realmId: r\n"
			   "  spaceId: s\n";
	const char *want[] = {
		"document 0 (Realm): metadata.name is required",
		"document 1 (Container \"k\"): spec.cellId is required",
		"document 2 (Container \"k\"): spec.image is required",
		"document 3 (): document 3: unknown kind: CellProfile",
		"document 4 (Cell \"c\"): spec.stackId is required",
	};
	cleanup_(kk_yaml_stream_freep) struct kk_yaml_stream *s = NULL;
	cleanup_(kk_manifest_freep) struct kk_manifest *m = NULL;
	struct kk_err err = { 0 };

	TAP_STR_EQ(kk_kind_name(KK_KIND_NONE), "");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		enum kk_kind k = kk_kind_from_name(names[i]);

		TAP_INT_EQ(k, (int)i + 1);
		TAP_STR_EQ(kk_kind_name(k), names[i]);
		TAP_INT_EQ(kk_kind_is_applyable(k), k <= KK_KIND_CONTAINER);
	}
	TAP_INT_EQ(kk_kind_from_name("realm"), KK_KIND_NONE);
	TAP_INT_EQ(kk_kind_is_applyable(KK_KIND_NONE), 0);
	TAP_INT_EQ(kk_yaml_parse_stream(text, strlen(text), "k.yaml", &s, &err), 0);
	if (!s)
		return; /* failed above */
	m = kk_manifest_decode(s);
	TAP_INT_EQ(m->n, 5);
	for (size_t i = 0; i < m->n && i < 5; i++)
		TAP_STR_EQ(m->items[i].doc ? "" : m->items[i].err.msg, want[i]);
}

static void nil_vs_empty(void)
{
	const char *y = "kind: Cell\nmetadata:\n  name: c\n  labels: {}\nspec:\n  containers:\n"
			"    - id: a\n      args: []\n      env: ~\n";
	cleanup_(kk_yaml_stream_freep) struct kk_yaml_stream *s = NULL;
	cleanup_(kk_doc_freep) struct kk_doc *doc = NULL;
	cleanup_(kk_json_freep) cJSON *enc = NULL;
	struct kk_err err = { 0 };

	if (kk_yaml_parse_stream(y, strlen(y), "t", &s, &err) < 0 ||
	    kk_doc_decode(s->docs[0].root, &s->docs[0], &doc, &err) < 0) {
		TAP_OK(0, "decode: %s", err.msg);
		return;
	}
	enc = kk_cell_spec_encode(&doc->u.cell->spec, KK_ENC_JSON);
	cleanup_free char *j = kk_json_print(enc, KK_JSON_COMPACT);

	TAP_STR_EQ(
		j,
		"{\"id\":\"\",\"realmId\":\"\",\"spaceId\":\"\",\"stackId\":\"\",\"containers\":"
		"[{\"id\":\"a\",\"realmId\":\"\",\"spaceId\":\"\",\"stackId\":\"\",\"cellId\":\"\","
		"\"image\":\"\",\"command\":\"\",\"args\":[],\"env\":null,\"ports\":null,"
		"\"volumes\":null,\"networks\":null,\"networksAliases\":null,\"privileged\":false,"
		"\"restartPolicy\":\"\"}]}");
	TAP_OK(doc->u.cell->meta.labels.set, "labels: {} is an empty, non-nil map");
}

/* status.network.ipAddress (kukeon-c extension): kept through JSON, omitted when empty */
static void cell_ip_address(void)
{
	const char *j = "{\"kind\":\"Cell\",\"metadata\":{\"name\":\"c\"},\"status\":"
			"{\"network\":{\"bridgeName\":\"k-1\",\"ipAddress\":\"10.88.0.2\"}}}";
	cleanup_(kk_json_freep) cJSON *tree = NULL;
	cleanup_(kk_cell_freep) struct kk_cell *c = NULL;
	struct kk_err err = { 0 };
	cJSON *enc;
	char *text;

	if (kk_json_parse(j, strlen(j), "t", &tree, &err) < 0 ||
	    kk_cell_decode(tree, NULL, &c, &err) < 0) {
		TAP_OK(0, "decode: %s", err.msg);
		return;
	}
	TAP_STR_EQ(c->status.ip_address, "10.88.0.2");
	enc = kk_cell_encode(c, KK_ENC_YAML);
	text = kk_yaml_emit(enc, 2);
	TAP_OK(strstr(text, "  network:\n    bridgeName: k-1\n    ipAddress: 10.88.0.2\n") != NULL,
	       "yaml shows the IP next to the bridge");
	free(text);
	cJSON_Delete(enc);
	free(c->status.ip_address);
	c->status.ip_address = NULL;
	enc = kk_cell_encode(c, KK_ENC_JSON);
	text = kk_json_print(enc, KK_JSON_COMPACT);
	TAP_OK(strstr(text, "\"network\":{\"bridgeName\":\"k-1\"}") != NULL,
	       "an empty IP is omitted");
	free(text);
	cJSON_Delete(enc);
}

static void profile_and_configs(void)
{
	const char *y =
		"apiVersion: v1beta1\nkind: CellProfile\nmetadata:\n  name: dev\nspec:\n"
		"  realm: default\n  parameters:\n    - name: IMAGE\n      default: \"\"\n"
		"    - name: TAG\n      required: true\n  cell:\n    containers:\n"
		"      - id: app\n        image: ${IMAGE}:${TAG}\n"
		"---\nkind: ServerConfiguration\nmetadata:\n  name: default\nspec:\n"
		"  socketGID: 990\n  cgroupRoot: /kukeon\n"
		"---\nkind: ClientConfiguration\nspec:\n  host: unix:///run/kukeon/kukeond.sock\n";
	const char *want[] = {
		"{\"apiVersion\":\"v1beta1\",\"kind\":\"CellProfile\",\"metadata\":{\"name\":"
		"\"dev\"},"
		"\"spec\":{\"realm\":\"default\",\"parameters\":[{\"name\":\"IMAGE\",\"default\":"
		"\"\"},"
		"{\"name\":\"TAG\",\"required\":true}],\"cell\":{\"id\":\"\",\"realmId\":\"\","
		"\"spaceId\":"
		"\"\",\"stackId\":\"\",\"containers\":[{\"id\":\"app\",\"realmId\":\"\","
		"\"spaceId\":\"\","
		"\"stackId\":\"\",\"cellId\":\"\",\"image\":\"${IMAGE}:${TAG}\",\"command\":\"\","
		"\"args\":"
		"null,\"env\":null,\"ports\":null,\"volumes\":null,\"networks\":null,"
		"\"networksAliases\":"
		"null,\"privileged\":false,\"restartPolicy\":\"\"}]}}}",
		"{\"apiVersion\":\"\",\"kind\":\"ServerConfiguration\",\"metadata\":{\"name\":"
		"\"default\"},"
		"\"spec\":{\"socketGID\":990,\"cgroupRoot\":\"/kukeon\"}}",
		"{\"apiVersion\":\"\",\"kind\":\"ClientConfiguration\",\"metadata\":{\"name\":\"\"}"
		","
		"\"spec\":{\"host\":\"unix:///run/kukeon/kukeond.sock\"}}",
	};
	cleanup_(kk_yaml_stream_freep) struct kk_yaml_stream *s = NULL;
	struct kk_err err = { 0 };

	TAP_INT_EQ(kk_yaml_parse_stream(y, strlen(y), "p", &s, &err), 0);
	for (size_t i = 0; s && i < s->n && i < 3; i++) {
		cleanup_(kk_doc_freep) struct kk_doc *doc = NULL;
		cleanup_(kk_json_freep) cJSON *enc = NULL;
		cleanup_free char *j = NULL;

		if (kk_doc_decode(s->docs[i].root, &s->docs[i], &doc, &err) < 0) {
			TAP_OK(0, "decode %zu: %s", i, err.msg);
			continue;
		}
		enc = kk_doc_encode(doc, KK_ENC_JSON);
		j = kk_json_print(enc, KK_JSON_COMPACT);
		TAP_STR_EQ(j, want[i]);
	}
}

static void egress_validation(void)
{
	struct {
		const char *yaml, *want;
	} cases[] = {
		{ "default: DENY\nallow:\n  - host: example.com\n    ports: [443]\n  - cidr: "
		  "fd00::/8\n",
		  "" },
		{ "default: \"\"\n", "" },
		{ "default: block\n", "egress default must be 'allow' or 'deny'" },
		{ "allow:\n  - ports: [1]\n",
		  "egress allow rule 0: egress allow rule requires exactly one of host or cidr" },
		{ "allow:\n  - host: a\n  - host: a\n    cidr: 10.0.0.0/8\n",
		  "egress allow rule 1: egress allow rule must not set both host and cidr" },
		{ "allow:\n  - cidr: 10.0.0.0/33\n", "egress allow rule 0: egress allow rule cidr "
						     "is not a valid CIDR: \"10.0.0.0/33\": "
						     "invalid CIDR address: 10.0.0.0/33" },
		{ "allow:\n  - host: bad..name\n", "egress allow rule 0: egress allow rule host is "
						   "not a valid dns name: \"bad..name\"" },
		{ "allow:\n  - host: ok.example\n    ports: [80, 0]\n",
		  "egress allow rule 0: egress allow rule port must be within [1, 65535]: 0" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cleanup_free char *doc =
			kk_xasprintf("kind: Space\nspec:\n  network:\n    egress:\n%s", "");
		cleanup_free char *indented = NULL;
		size_t len = 0;
		const char *p = cases[i].yaml;

		/* indent the case under spec.network.egress */
		indented = kk_xcalloc(1, strlen(p) * 8 + 8);
		for (int bol = 1; *p; p++) {
			if (bol)
				for (int k = 0; k < 6; k++)
					indented[len++] = ' ';
			indented[len++] = *p;
			bol = *p == '\n';
		}
		cleanup_free char *full = kk_xasprintf("%s%s", doc, indented);
		cleanup_(kk_yaml_stream_freep) struct kk_yaml_stream *s = NULL;
		cleanup_(kk_space_freep) struct kk_space *sp = NULL;
		struct kk_err err = { 0 };

		if (kk_yaml_parse_stream(full, strlen(full), "t", &s, &err) < 0 ||
		    kk_space_decode(s->docs[0].root, &s->docs[0], &sp, &err) < 0) {
			TAP_OK(0, "egress case %zu decodes: %s", i, err.msg);
			continue;
		}
		int rc = kk_egress_validate(sp->spec.egress, &err);

		TAP_STR_EQ(rc == 0 ? "" : err.msg, cases[i].want);
	}

	struct kk_egress_rule r = { 0 };
	int64_t ports[] = { 443, 80, 443, 22 }, out[4];

	r.ports = ports;
	r.n_ports = 4;
	TAP_INT_EQ(kk_egress_rule_ports(&r, out), 3);
	TAP_OK(out[0] == 22 && out[1] == 80 && out[2] == 443, "ports deduplicated and sorted");
}

static void config_files(void)
{
	struct kk_client_config *c = NULL;
	struct kk_server_config *sv = NULL;
	struct kk_err err = { 0 };
	const char *good = "# comment\napiVersion: v1beta1\nkind: ClientConfiguration\nspec:\n"
			   "  runPath: /srv/kukeon\n";

	TAP_INT_EQ(kk_client_config_parse(good, strlen(good), "/root/.kuke/kuke.yaml", &c, &err),
		   0);
	TAP_STR_EQ(c ? c->spec.run_path : NULL, "/srv/kukeon");
	kk_client_config_free(c);
	c = NULL;
	TAP_INT_EQ(kk_client_config_parse("", 0, "/e.yaml", &c, &err), 0);
	TAP_OK(c && !c->kind && !c->spec.host, "an empty file is an empty document");
	kk_client_config_free(c);
	c = NULL;
	TAP_INT_EQ(kk_client_config_parse("kind: Realm\n", 12, "/k.yaml", &c, &err), -1);
	TAP_STR_EQ(err.msg, "client configuration \"/k.yaml\" has kind \"Realm\", want "
			    "\"ClientConfiguration\": client configuration is invalid");
	TAP_INT_EQ(kk_server_config_parse("spec: [\n", 8, "/etc/kukeon/kukeond.yaml", &sv, &err),
		   -1);
	TAP_STR_EQ(err.msg,
		   "parse server configuration \"/etc/kukeon/kukeond.yaml\": server "
		   "configuration is invalid: line 2 column 1: while parsing a flow node: did "
		   "not find expected node content");
	TAP_INT_EQ(kk_server_config_parse("spec:\n  socketGID: abc\n", 23, "/s.yaml", &sv, &err),
		   -1);
	TAP_STR_EQ(err.msg, "parse server configuration \"/s.yaml\": server configuration is "
			    "invalid: line 2: spec.socketGID: expected an integer, got a string");
}

int main(void)
{
	json_round_trip("realm.metadata.json");
	json_round_trip("realm-full.metadata.json");
	json_round_trip("space.metadata.json");
	json_round_trip("stack.metadata.json");
	json_round_trip("cell.metadata.json");
	json_round_trip("container.metadata.json");
	json_to_yaml("cell.metadata.json", "cell.get.yaml", 2);
	json_to_yaml("container.metadata.json", "container.apply.yaml", 4);
	yaml_round_trip("cell.get.yaml", 2);
	yaml_round_trip("container.apply.yaml", 4);
	zero_docs();
	zero_docs_yaml();
	decode_errors();
	json_errors();
	legacy_states_and_case_insensitive_keys();
	manifest_messages();
	kinds_table();
	nil_vs_empty();
	cell_ip_address();
	profile_and_configs();
	egress_validation();
	config_files();
	return tap_done();
}
