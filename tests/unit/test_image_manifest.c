/* tests/unit/test_image_manifest.c - the decoders of an image past its index
 * (common/image/manifest.h): what they take, and the messages a pull and an image load
 * print for what they refuse. */
#include <stdlib.h>
#include <string.h>

#include "cjson/cJSON.h"
#include "common/image/manifest.h"
#include "tap.h"

#define D1       "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2       "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define MT_LAYER "application/vnd.oci.image.layer.v1.tar+gzip"

/* the message kk_image_manifest_decode gives for doc with flags ("" on success) */
static void check_manifest(const char *doc, unsigned flags, const char *want)
{
	cJSON *j = cJSON_Parse(doc);
	struct kk_image_manifest m = { 0 };
	struct kk_err err = { 0 };
	int rc = kk_image_manifest_decode(j, flags, &m, &err);

	TAP_OK((rc == 0) == (want[0] == '\0') && strcmp(err.msg, want) == 0,
	       "manifest %s: `%s` (got `%s`)", doc, want, err.msg);
	kk_image_manifest_clear(&m);
	cJSON_Delete(j);
}

static void manifests(void)
{
	cJSON *j =
		cJSON_Parse("{\"config\":{\"digest\":\"" D1 "\",\"size\":7},\"layers\":["
			    "{\"mediaType\":\"" MT_LAYER "\",\"digest\":\"" D2 "\",\"size\":9}]}");
	struct kk_image_manifest m = { 0 };
	struct kk_err err = { 0 };

	TAP_INT_EQ(kk_image_manifest_decode(j, KK_DESC_SIZED, &m, &err), 0);
	TAP_STR_EQ(m.config.digest, D1);
	TAP_STR_EQ(m.config.media_type, "");
	TAP_INT_EQ(m.config.size, 7);
	TAP_INT_EQ(m.n_layers, 1);
	TAP_STR_EQ(m.layers[0].digest, D2);
	TAP_INT_EQ(m.layers[0].size, 9);
	kk_image_manifest_clear(&m);
	cJSON_Delete(j);

	/* a pull's (sized) and an image load's messages, as they were */
	check_manifest("{\"config\":{\"digest\":\"" D1 "\"}}", KK_DESC_SIZED,
		       "config: bad descriptor (sha256 digest and size needed)");
	check_manifest("{\"config\":{\"digest\":\"" D1 "\"}}", 0, "");
	check_manifest("{\"config\":{\"digest\":\"sha256:x\"}}", 0,
		       "config: bad descriptor (no sha256 digest)");
	check_manifest("{\"config\":{\"digest\":\"" D1 "\",\"size\":-1}}", 0,
		       "config: bad descriptor (negative size)");
	check_manifest("{\"config\":{\"digest\":\"" D1 "\",\"size\":1},\"layers\":{}}",
		       KK_DESC_SIZED, "layers is not a list");
	check_manifest("{\"config\":{\"digest\":\"" D1 "\",\"size\":1},\"layers\":[{\"digest\":"
		       "\"" D2 "\"}]}",
		       KK_DESC_SIZED, "layer: bad descriptor (sha256 digest and size needed)");
	check_manifest("{\"config\":{\"digest\":\"" D1 "\"},\"layers\":[{\"mediaType\":\"x/y\","
		       "\"digest\":\"" D2 "\"}]}",
		       0, "layer `" D2 "` has unknown media type `x/y`");
	check_manifest("[]", 0, "config: bad descriptor (no sha256 digest)");
}

static void indexes(void)
{
	cJSON *j = cJSON_Parse("{\"manifests\":[{\"digest\":\"" D1 "\",\"size\":3,\"platform\":"
			       "{\"os\":\"linux\",\"architecture\":\"aarch64\"}},{\"digest\":\"" D2
			       "\",\"size\":4}]}");
	struct kk_image_index idx = { 0 };
	struct kk_err err = { 0 };

	TAP_INT_EQ(kk_image_index_decode(j, "index", KK_DESC_SIZED, &idx, &err), 0);
	TAP_INT_EQ(idx.n, 2);
	TAP_OK(idx.entries[0].has_platform && !idx.entries[1].has_platform, "platforms");
	TAP_STR_EQ(idx.entries[0].platform.arch, "arm64");
	kk_image_index_clear(&idx);
	cJSON_Delete(j);
	j = cJSON_Parse("{\"manifests\":{}}");
	TAP_INT_EQ(kk_image_index_decode(j, "index `" D1 "`", 0, &idx, &err), -1);
	TAP_STR_EQ(err.msg, "index `" D1 "` has no manifests list");
	cJSON_Delete(j);
	j = cJSON_Parse("{\"manifests\":[{\"digest\":\"" D1 "\"}]}");
	TAP_INT_EQ(kk_image_index_decode(j, "index", KK_DESC_SIZED, &idx, &err), -1);
	TAP_STR_EQ(err.msg, "index entry: bad descriptor (sha256 digest and size needed)");
	cJSON_Delete(j);
}

static void rootfs(void)
{
	cJSON *j = cJSON_Parse("{\"rootfs\":{\"diff_ids\":[\"" D1 "\",\"" D2 "\"]}}");
	struct kk_image_rootfs r = { 0 };
	struct kk_err err = { 0 };

	TAP_INT_EQ(kk_image_rootfs_decode(j, "config `c`", 2, &r, &err), 0);
	TAP_INT_EQ(r.n, 2);
	TAP_STR_EQ(r.diff_ids[1], D2);
	TAP_STR_EQ(r.chain[0], D1);
	kk_image_rootfs_clear(&r);
	TAP_INT_EQ(kk_image_rootfs_decode(j, "config `c`", 3, &r, &err), -1);
	TAP_STR_EQ(err.msg, "config `c` lists 2 diff ids for 3 layers");
	cJSON_Delete(j);
	j = cJSON_Parse("{\"rootfs\":{\"diff_ids\":[7]}}");
	TAP_INT_EQ(kk_image_rootfs_decode(j, "config `c`", 1, &r, &err), -1);
	TAP_STR_EQ(err.msg, "config `c`: diff id `` is not a sha256 digest");
	cJSON_Delete(j);
	j = cJSON_Parse("{}");
	TAP_INT_EQ(kk_image_rootfs_decode(j, "config `c`", 0, &r, &err), -1);
	TAP_STR_EQ(err.msg, "config `c` lists 0 diff ids for 0 layers");
	cJSON_Delete(j);
}

/* the message kk_docker_save_parse gives for doc ("" on success) */
static void check_save(const char *doc, const char *want)
{
	struct kk_docker_save s = { 0 };
	struct kk_err err = { 0 };
	int rc = kk_docker_save_parse(doc, strlen(doc), &s, &err);

	TAP_OK((rc == 0) == (want[0] == '\0') && strcmp(err.msg, want) == 0,
	       "manifest.json %s: `%s` (got `%s`)", doc, want, err.msg);
	kk_docker_save_clear(&s);
}

static void docker_save(void)
{
	const char *doc = "[{\"Config\":\"abc.json\",\"RepoTags\":[\"busybox:latest\",7,"
			  "\"example.com/tools/bb:v2\"],\"Layers\":[\"abc/layer.tar\"]},"
			  "{\"Config\":\"c.json\"}]";
	struct kk_docker_save s = { 0 };
	struct kk_err err = { 0 };

	TAP_INT_EQ(kk_docker_save_parse(doc, strlen(doc), &s, &err), 0);
	TAP_INT_EQ(s.n, 2);
	TAP_STR_EQ(s.entries[0].config, "abc.json");
	TAP_INT_EQ(s.entries[0].n_layers, 1);
	TAP_STR_EQ(s.entries[0].layers[0], "abc/layer.tar");
	TAP_INT_EQ(s.entries[0].n_tags, 2);
	TAP_STR_EQ(s.entries[0].tags[0], "docker.io/library/busybox:latest");
	TAP_STR_EQ(s.entries[0].tags[1], "example.com/tools/bb:v2");
	TAP_OK(s.entries[1].n_layers == 0 && s.entries[1].n_tags == 0, "an untagged entry");
	kk_docker_save_clear(&s);

	check_save("{}", "manifest.json is not a list");
	check_save("[{\"Layers\":[]}]", "manifest.json entry without Config");
	check_save("[{\"Config\":\"../c.json\"}]",
		   "manifest.json names `../c.json`, which is not a path inside the archive");
	check_save("[{\"Config\":\"c.json\",\"Layers\":[\"/abs/layer.tar\"]}]",
		   "manifest.json names `/abs/layer.tar`, which is not a path inside the archive");
	check_save("[{\"Config\":\"c.json\",\"Layers\":[\"a/./b\"]}]",
		   "manifest.json names `a/./b`, which is not a path inside the archive");
	check_save("[{\"Config\":\"c.json\",\"Layers\":[1]}]",
		   "manifest.json entry names a member with no path");
	check_save("[{\"Config\":\"c.json\",\"Layers\":\"x\"}]",
		   "manifest.json entry: Layers is not a list");
	check_save("[{\"Config\":\"c.json\",\"RepoTags\":[\"UPPER:x\"]}]",
		   "manifest.json: invalid reference `UPPER:x`");
}

int main(void)
{
	manifests();
	indexes();
	rootfs();
	docker_save();
	return tap_done();
}
