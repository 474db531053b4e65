/* tests/unit/test_yaml_out.c - the minimal YAML and Go-style JSON printers. */
#include <stdlib.h>
#include <string.h>

#include "cjson/cJSON.h"
#include "common/yaml_out.h"
#include "tap.h"

static void yaml_list_result(void)
{
	cJSON *o = cJSON_Parse("{\"Realm\":\"default\",\"Images\":[{\"Name\":\"a:b\",\"Size\":12,"
			       "\"Labels\":{}},{\"Name\":\"c\",\"Labels\":{\"k\":\"v\"}}],"
			       "\"Empty\":[]}");
	char *s = kk_yaml_out_emit(o, KK_YAML_OUT_LOWER_KEYS);

	TAP_STR_EQ(s, "realm: default\n"
		      "images:\n"
		      "  - name: a:b\n"
		      "    size: 12\n"
		      "    labels: {}\n"
		      "  - name: c\n"
		      "    labels:\n"
		      "      k: v\n"
		      "empty: []\n");
	free(s);
	cJSON_Delete(o);
}

static void yaml_quoting(void)
{
	cJSON *o = cJSON_Parse("{\"a\":\"true\",\"b\":\"\",\"c\":\"x: y\",\"d\":\"123\","
			       "\"e\":\"2026-01-01T00:00:00Z\",\"f\":\"-x\",\"g\":null,"
			       "\"h\":\"say \\\"hi\\\"\\n\"}");
	char *s = kk_yaml_out_emit(o, 0);

	TAP_STR_EQ(s, "a: \"true\"\n"
		      "b: \"\"\n"
		      "c: \"x: y\"\n"
		      "d: \"123\"\n"
		      "e: 2026-01-01T00:00:00Z\n"
		      "f: \"-x\"\n"
		      "g: null\n"
		      "h: \"say \\\"hi\\\"\\n\"\n");
	free(s);
	cJSON_Delete(o);
}

static void json_go_style(void)
{
	cJSON *o = cJSON_Parse("{\"Name\":\"<a&b>\",\"Size\":1234567890123,\"Labels\":null,"
			       "\"Images\":[],\"M\":{}}");
	char *s = kk_json_out_print(o);

	TAP_STR_EQ(s, "{\n"
		      "  \"Name\": \"\\u003ca\\u0026b\\u003e\",\n"
		      "  \"Size\": 1234567890123,\n"
		      "  \"Labels\": null,\n"
		      "  \"Images\": [],\n"
		      "  \"M\": {}\n"
		      "}\n");
	free(s);
	cJSON_Delete(o);
}

int main(void)
{
	yaml_list_result();
	yaml_quoting();
	json_go_style();
	return tap_done();
}
