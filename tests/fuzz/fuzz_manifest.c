/* tests/fuzz/fuzz_manifest.c - libFuzzer target for the YAML manifest decoder.
 *
 * Input: any bytes, read as a `kuke apply -f` stream. Every document is decoded and
 * checked (kk_manifest_decode_scoped: Kubernetes Pods too); each one that decodes is encoded
 * in both modes, the YAML output is parsed and decoded again, and its JSON encoding must
 * equal the first one; a cell is also exported as a Pod (common/model/kube.h).
 * Crashes, sanitizer reports, leaks and a broken round trip are findings. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/json.h"
#include "common/model/doc.h"
#include "common/model/kube.h"
#include "common/yaml.h"

static void fail(const char *what, const char *detail, const char *text)
{
	fprintf(stderr, "%s: %s\n%s\n", what, detail, text);
	abort();
}

/* JSON out -> decode -> JSON out is a fixed point (metadata.json and the wire) */
static void json_trip(const struct kk_doc *doc)
{
	cJSON *tree = kk_doc_encode(doc, KK_ENC_JSON), *parsed = NULL, *tree2;
	char *json = kk_json_print(tree, KK_JSON_INDENT | KK_JSON_NEWLINE), *json2;
	struct kk_doc *again = NULL;
	struct kk_err err = { 0 };

	if (kk_json_parse(json, strlen(json), "emitted", &parsed, &err) < 0 ||
	    kk_doc_decode(parsed, NULL, &again, &err) < 0)
		fail("emitted JSON does not decode", err.msg, json);
	tree2 = kk_doc_encode(again, KK_ENC_JSON);
	json2 = kk_json_print(tree2, KK_JSON_INDENT | KK_JSON_NEWLINE);
	if (strcmp(json, json2) != 0)
		fail("JSON round trip differs", json2, json);
	free(json2);
	cJSON_Delete(tree2);
	kk_doc_free(again);
	cJSON_Delete(parsed);
	free(json);
	cJSON_Delete(tree);
}

/* YAML out -> parse -> decode -> YAML out is a fixed point (-o yaml) */
static void yaml_trip(const struct kk_doc *doc, int indent)
{
	cJSON *tree = kk_doc_encode(doc, KK_ENC_YAML), *tree2;
	char *yaml = kk_yaml_emit(tree, indent), *yaml2;
	struct kk_yaml_stream *s = NULL;
	struct kk_doc *again = NULL;
	struct kk_err err = { 0 };

	if (kk_yaml_parse_stream(yaml, strlen(yaml), "emitted", &s, &err) < 0)
		fail("emitted YAML is empty", err.msg, yaml);
	if (!s->docs[0].root)
		fail("emitted YAML does not parse", s->docs[0].err.msg, yaml);
	if (kk_doc_decode(s->docs[0].root, &s->docs[0], &again, &err) < 0)
		fail("emitted YAML does not decode", err.msg, yaml);
	tree2 = kk_doc_encode(again, KK_ENC_YAML);
	yaml2 = kk_yaml_emit(tree2, indent);
	if (strcmp(yaml, yaml2) != 0)
		fail("YAML round trip differs", yaml2, yaml);
	free(yaml2);
	cJSON_Delete(tree2);
	kk_doc_free(again);
	kk_yaml_stream_free(s);
	free(yaml);
	cJSON_Delete(tree);
}

static void check_round_trip(const struct kk_doc *doc)
{
	json_trip(doc);
	yaml_trip(doc, 2);
	yaml_trip(doc, 4);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kk_yaml_stream *s = NULL;
	struct kk_manifest *m;
	struct kk_err err = { 0 };

	if (kk_yaml_parse_stream((const char *)data, size, "fuzz.yaml", &s, &err) < 0)
		return 0;
	m = kk_manifest_decode_scoped(s, NULL);
	for (size_t i = 0; i < m->n; i++) {
		if (!m->items[i].doc)
			continue;
		check_round_trip(m->items[i].doc);
		if (m->items[i].kind == KK_KIND_CELL)
			free(kk_kube_pod_yaml(m->items[i].doc->u.cell));
	}
	/* the generic decoder takes every kind, including the configuration ones */
	for (size_t i = 0; i < s->n; i++) {
		struct kk_doc *doc = NULL;

		if (s->docs[i].root &&
		    kk_doc_decode(s->docs[i].root, &s->docs[i], &doc, &err) == 0) {
			check_round_trip(doc);
			kk_doc_free(doc);
		}
	}
	kk_manifest_free(m);
	kk_yaml_stream_free(s);
	return 0;
}
