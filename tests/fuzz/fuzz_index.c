/* tests/fuzz/fuzz_index.c - libFuzzer target for an image index as kuke reads one: the
 * index.json of an OCI layout that `kuke image load` gets (ctr/image_import.c: each entry's
 * descriptor, annotations and the reference it names, normalised) and the platform of each
 * entry that `kuke image pull` ranks an index's manifests by. No containerd: what follows
 * (the blobs) needs one. Invariants: a refusal says why, and every target has a name and a
 * valid digest. */
#include <stdint.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/image/mediatype.h"
#include "common/image/platform.h"
#include "common/mem.h"
#include "ctr/image_import_int.h"
#include "fuzz.h"

static void platforms(const char *data, size_t size)
{
	cJSON *idx = cJSON_ParseWithLength(data, size);
	const cJSON *it;
	struct kk_platform want, got;
	char buf[96];

	kk_platform_host(&want);
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(idx, "manifests"))
	{
		struct desc d = { 0 };
		struct kk_err err = { 0 };

		if (ctr_import_parse_desc(it, "fuzz", &d, &err) < 0) {
			if (!err.msg[0])
				fuzz_fail("a descriptor was refused without saying why", "", "");
			continue;
		}
		(void)kk_media_kind(d.media_type);
		memset(&got, 0, sizeof(got));
		kk_platform_from_json(d.platform, &got);
		(void)kk_platform_match_rank(&want, &got);
		kk_platform_format(&got, buf, sizeof(buf));
	}
	cJSON_Delete(idx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct importer imp = { .source = "fuzz.tar" };
	struct kk_err err = { 0 };

	imp.oci_layout = kk_xstrdup("{\"imageLayoutVersion\": \"1.0.0\"}");
	imp.index_json = kk_xmalloc(size + 1);
	memcpy(imp.index_json, data, size);
	imp.index_json[size] = '\0';
	imp.index_len = size;
	if (ctr_import_resolve_oci(&imp, &err) < 0 && !err.msg[0])
		fuzz_fail("an index was refused without saying why", "", "");
	for (size_t i = 0; i < imp.n_targets; i++)
		if (!kk_digest_is_valid(imp.targets[i].digest) || !imp.targets[i].name[0])
			fuzz_fail("a target without a valid digest or a name", imp.targets[i].name,
				  imp.targets[i].digest);
	ctr_import_clear(&imp);
	platforms((const char *)data, size);
	return 0;
}
