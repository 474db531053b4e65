/* tests/fuzz/fuzz_image.c - libFuzzer target for the JSON of an image past its index, as
 * a pull (common/controller/pull.c) and an image load (ctr/image_import.c, the image walk
 * of ctr/image_unpack.c and ctr/image_info.c) decode it between their containerd calls
 * (common/image/manifest.c): an index's entries, a manifest's config and layers, an image
 * config's rootfs and platform (and what a container takes from it, common/oci/image.c),
 * and `docker save`'s manifest.json as the archive reader resolves it. The input is one
 * document tried as each, or a list [manifest, config] of one image. Invariants: a refusal
 * says why; every descriptor has a valid digest and a size >= 0 (and a layer a layer media
 * type); an image's diff ids are as many as its layers, with valid chain ids, or the
 * decode says why; an accepted docker-save entry asks the archive for relative paths
 * without `.` or `..` steps, and its tags are normalised references. */
#include <stdint.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/image/manifest.h"
#include "common/image/mediatype.h"
#include "common/image/ref.h"
#include "common/mem.h"
#include "common/oci/oci.h"
#include "ctr/image_import_int.h"
#include "fuzz.h"

static void refused(const struct kk_err *err, const char *what)
{
	if (!err->msg[0])
		fuzz_fail(what, "", "");
}

static void check_desc(const struct kk_image_desc *d, const char *what)
{
	if (!d->digest || !kk_digest_is_valid(d->digest) || d->size < 0 || !d->media_type)
		fuzz_fail(what, d->digest ? d->digest : "(none)", "");
}

static void index_of(const cJSON *doc, unsigned flags)
{
	struct kk_image_index idx = { 0 };
	struct kk_err err = { 0 };
	struct kk_platform host;
	char buf[96];

	kk_platform_host(&host);
	if (kk_image_index_decode(doc, "index", flags, &idx, &err) < 0) {
		refused(&err, "an index was refused without saying why");
		return;
	}
	for (size_t i = 0; i < idx.n; i++) {
		check_desc(&idx.entries[i].desc, "an index entry without a valid digest or size");
		if (idx.entries[i].has_platform) {
			(void)kk_platform_match_rank(&host, &idx.entries[i].platform);
			kk_platform_format(&idx.entries[i].platform, buf, sizeof(buf));
		}
	}
	kk_image_index_clear(&idx);
}

/* The manifest's layers (-1: refused). */
static long manifest_of(const cJSON *doc, unsigned flags)
{
	struct kk_image_manifest m = { 0 };
	struct kk_err err = { 0 };
	long n;

	if (kk_image_manifest_decode(doc, flags, &m, &err) < 0) {
		refused(&err, "a manifest was refused without saying why");
		return -1;
	}
	check_desc(&m.config, "a config without a valid digest or size");
	for (size_t i = 0; i < m.n_layers; i++) {
		check_desc(&m.layers[i], "a layer without a valid digest or size");
		if (kk_media_kind(m.layers[i].media_type) != KK_MEDIA_LAYER)
			fuzz_fail("a layer of another media type", m.layers[i].media_type, "");
	}
	n = (long)m.n_layers;
	kk_image_manifest_clear(&m);
	return n;
}

static void rootfs_of(const cJSON *config, size_t n_layers)
{
	struct kk_image_rootfs r = { 0 };
	struct kk_err err = { 0 };
	char chain[KK_DIGEST_STR_SIZE];

	if (kk_image_rootfs_decode(config, "config", n_layers, &r, &err) < 0) {
		refused(&err, "a config's rootfs was refused without saying why");
		return;
	}
	if (r.n != n_layers)
		fuzz_fail("diff ids accepted for another number of layers", "", "");
	for (size_t i = 0; i < r.n; i++) {
		if (!kk_digest_is_valid(r.diff_ids[i]) || !kk_digest_is_valid(r.chain[i]))
			fuzz_fail("an invalid diff id or chain id accepted", r.diff_ids[i],
				  r.chain[i]);
		if (i == 0 && strcmp(r.chain[0], r.diff_ids[0]) != 0)
			fuzz_fail("the first chain id is not the first diff id", r.chain[0],
				  r.diff_ids[0]);
	}
	for (size_t i = 1; i < r.n; i++) {
		/* the OCI image spec's ChainID: sha256 of "<parent chain> <diff id>" */
		char *pair = kk_xasprintf("%s %s", r.chain[i - 1], r.diff_ids[i]);

		kk_sha256_digest(pair, strlen(pair), chain);
		free(pair);
		if (strcmp(chain, r.chain[i]) != 0)
			fuzz_fail("a chain id is not its parent's and diff id's", r.chain[i],
				  chain);
	}
	kk_image_rootfs_clear(&r);
}

static void config_of(const cJSON *config)
{
	const cJSON *diffs =
		cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(config, "rootfs"),
						 "diff_ids");
	size_t n = cJSON_IsArray(diffs) ? (size_t)cJSON_GetArraySize(diffs) : 0;
	struct kk_image_rootfs r = { 0 };
	struct kk_err err = { 0 };
	struct kk_platform pl;
	char *text;

	rootfs_of(config, n);
	/* one layer more than the config lists is always refused */
	if (kk_image_rootfs_decode(config, "config", n + 1, &r, &err) == 0)
		fuzz_fail("diff ids accepted for one layer more than they list", "", "");
	refused(&err, "a config's rootfs was refused without saying why");
	memset(&pl, 0, sizeof(pl));
	kk_platform_from_json(config, &pl);
	text = cJSON_PrintUnformatted(config);
	if (text) {
		struct kk_oci_image_doc *doc = NULL;

		kk_err_clear(&err);
		if (kk_oci_image_doc_parse(text, strlen(text), &doc, &err) < 0)
			refused(&err, "an image config was refused without saying why");
		kk_oci_image_doc_free(doc);
		cJSON_free(text);
	}
}

static bool path_ok(const char *p)
{
	if (!p || !p[0] || p[0] == '/')
		return false;
	for (const char *s = p; *s;) {
		size_t n = strcspn(s, "/");

		if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
			return false;
		s += n + (s[n] == '/');
	}
	return true;
}

static void docker_save_of(const uint8_t *data, size_t size)
{
	struct importer imp = { .source = "fuzz.tar" };
	struct kk_docker_save save = { 0 };
	struct kk_err err = { 0 };

	imp.manifest_json = kk_xmalloc(size + 1);
	memcpy(imp.manifest_json, data, size);
	imp.manifest_json[size] = '\0';
	imp.manifest_len = size;
	if (ctr_import_resolve_docker(&imp, &save, &err) < 0) {
		refused(&err, "a manifest.json was refused without saying why");
		ctr_import_clear(&imp);
		return;
	}
	for (size_t e = 0; e < save.n; e++) {
		const struct kk_docker_entry *ent = &save.entries[e];

		if (!path_ok(ent->config))
			fuzz_fail("an entry's Config leaves the archive", ent->config, "");
		for (size_t i = 0; i < ent->n_layers; i++)
			if (!path_ok(ent->layers[i]))
				fuzz_fail("an entry's layer leaves the archive", ent->layers[i],
					  "");
		for (size_t i = 0; i < ent->n_tags; i++) {
			char *again = NULL;

			kk_err_clear(&err);
			if (kk_image_ref_docker_normalize(ent->tags[i], &again, &err) < 0 ||
			    strcmp(again, ent->tags[i]) != 0)
				fuzz_fail("a tag that is not a normalised reference", ent->tags[i],
					  again ? again : err.msg);
			free(again);
		}
	}
	kk_docker_save_clear(&save);
	ctr_import_clear(&imp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *doc = cJSON_ParseWithLength((const char *)data, size);

	for (unsigned flags = 0; flags <= KK_DESC_SIZED; flags++) {
		index_of(doc, flags);
		(void)manifest_of(doc, flags);
	}
	config_of(doc);
	if (cJSON_IsArray(doc) && cJSON_GetArraySize(doc) == 2) {
		/* one image: its manifest and its config */
		long n = manifest_of(cJSON_GetArrayItem(doc, 0), 0);

		if (n >= 0)
			rootfs_of(cJSON_GetArrayItem(doc, 1), (size_t)n);
	}
	docker_save_of(data, size);
	cJSON_Delete(doc);
	return 0;
}
