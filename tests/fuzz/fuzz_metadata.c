/* tests/fuzz/fuzz_metadata.c - libFuzzer target for metadata.json and the documents the
 * kukeonv1 wire carries: any bytes, parsed as JSON (kk_json_parse, which refuses a NUL in a
 * string) and decoded as a document of whatever kind it names (kk_doc_decode). What decodes
 * is encoded, decoded again and must encode the same from then on: the store rewrites what
 * it reads. (The first encoding may differ from the input's bytes: invalid UTF-8 becomes
 * "\ufffd", which decodes to U+FFFD and is written raw next time, as Go's encoder does.) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/json.h"
#include "common/model/doc.h"

static void fail(const char *what, const char *a, const char *b)
{
	fprintf(stderr, "%s\n--- first\n%s\n--- second\n%s\n", what, a, b);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *tree = NULL, *out1, *again_tree = NULL, *out2;
	struct kk_doc *doc = NULL, *again = NULL;
	struct kk_err err = { 0 };
	char *j1, *j2;

	if (kk_json_parse((const char *)data, size, "fuzz.json", &tree, &err) < 0)
		return 0;
	if (kk_doc_decode(tree, NULL, &doc, &err) < 0) {
		if (!err.msg[0])
			fail("a decode failed without saying why", "", "");
		cJSON_Delete(tree);
		return 0;
	}
	/* one round to normalise (see above), then the fixed point */
	out1 = kk_doc_encode(doc, KK_ENC_JSON);
	j1 = kk_json_print(out1, KK_JSON_INDENT | KK_JSON_NEWLINE);
	cJSON_Delete(out1);
	cJSON_Delete(tree);
	kk_doc_free(doc);
	tree = NULL;
	doc = NULL;
	if (kk_json_parse(j1, strlen(j1), "emitted", &tree, &err) < 0 ||
	    kk_doc_decode(tree, NULL, &doc, &err) < 0)
		fail("emitted metadata does not decode", err.msg, j1);
	free(j1);
	out1 = kk_doc_encode(doc, KK_ENC_JSON);
	j1 = kk_json_print(out1, KK_JSON_INDENT | KK_JSON_NEWLINE);
	if (kk_json_parse(j1, strlen(j1), "emitted", &again_tree, &err) < 0 ||
	    kk_doc_decode(again_tree, NULL, &again, &err) < 0)
		fail("emitted metadata does not decode", err.msg, j1);
	out2 = kk_doc_encode(again, KK_ENC_JSON);
	j2 = kk_json_print(out2, KK_JSON_INDENT | KK_JSON_NEWLINE);
	if (strcmp(j1, j2) != 0)
		fail("metadata round trip differs", j1, j2);
	free(j1);
	free(j2);
	cJSON_Delete(out1);
	cJSON_Delete(out2);
	cJSON_Delete(again_tree);
	cJSON_Delete(tree);
	kk_doc_free(doc);
	kk_doc_free(again);
	return 0;
}
