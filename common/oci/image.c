/* common/oci/image.c - decode an image config blob (see oci.h). */
#include "common/oci/oci.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/mem.h"

/* Count the strings of array FIELD of CFG (0 when absent); -1 when it is not an array of
 * strings. */
static int count_strings(const cJSON *cfg, const char *field)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(cfg, field), *e;
	int n = 0;

	if (!arr || cJSON_IsNull(arr))
		return 0;
	if (!cJSON_IsArray(arr))
		return -1;
	cJSON_ArrayForEach(e, arr)
	{
		if (!cJSON_IsString(e))
			return -1;
		n++;
	}
	return n;
}

static const char **take_strings(const cJSON *cfg, const char *field, const char **dst, size_t *n)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(cfg, field), *e;

	*n = 0;
	cJSON_ArrayForEach(e, arr) dst[(*n)++] = e->valuestring;
	return dst + *n;
}

static int get_string(const cJSON *cfg, const char *field, const char **out, struct kk_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(cfg, field);

	*out = NULL;
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v))
		return kk_err_set(err, EINVAL, "image config: `config.%s` is not a string", field);
	*out = v->valuestring;
	return 0;
}

int kk_oci_image_doc_parse(const char *json, size_t len, struct kk_oci_image_doc **out,
			   struct kk_err *err)
{
	static const char *const arrays[] = { "Entrypoint", "Cmd", "Env" };
	cleanup_(kk_json_freep) cJSON *tree = cJSON_ParseWithLength(json, len);
	cleanup_(kk_oci_image_doc_freep) struct kk_oci_image_doc *doc = NULL;
	const cJSON *cfg;
	const char **next;
	size_t total = 0;

	if (!cJSON_IsObject(tree))
		return kk_err_set(err, EINVAL, "image config: not a JSON object");
	cfg = cJSON_GetObjectItemCaseSensitive(tree, "config");
	if (cfg && !cJSON_IsNull(cfg) && !cJSON_IsObject(cfg))
		return kk_err_set(err, EINVAL, "image config: `config` is not an object");
	for (size_t i = 0; i < sizeof(arrays) / sizeof(arrays[0]); i++) {
		int n = count_strings(cfg, arrays[i]);

		if (n < 0)
			return kk_err_set(err, EINVAL,
					  "image config: `config.%s` is not a list of strings",
					  arrays[i]);
		total += (size_t)n;
	}
	doc = kk_xcalloc(1, sizeof(*doc) + (total + 1) * sizeof(doc->arrays[0]));
	doc->json = TAKE_PTR(tree);
	next = take_strings(cfg, "Entrypoint", doc->arrays, &doc->config.n_entrypoint);
	doc->config.entrypoint = doc->arrays;
	doc->config.cmd = next;
	next = take_strings(cfg, "Cmd", next, &doc->config.n_cmd);
	doc->config.env = next;
	take_strings(cfg, "Env", next, &doc->config.n_env);
	if (get_string(cfg, "WorkingDir", &doc->config.working_dir, err) < 0 ||
	    get_string(cfg, "User", &doc->config.user, err) < 0)
		return -1;
	*out = TAKE_PTR(doc);
	return 0;
}

void kk_oci_image_doc_free(struct kk_oci_image_doc *doc)
{
	if (!doc)
		return;
	cJSON_Delete(doc->json);
	free(doc);
}

KK_DEFINE_FREEP(kk_oci_image_doc)
