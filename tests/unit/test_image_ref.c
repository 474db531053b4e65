/* tests/unit/test_image_ref.c - image refs, platforms, media types, digests, chain IDs. */
#include <stdlib.h>
#include <string.h>

#include "common/image/digest.h"
#include "common/image/mediatype.h"
#include "common/image/platform.h"
#include "common/image/ref.h"
#include "tap.h"

static void check_norm(const char *in, const char *want)
{
	char *got = kk_image_ref_normalize(in);

	TAP_OK(strcmp(got, want) == 0, "normalize `%s` -> `%s` (got `%s`)", in, want, got);
	free(got);
}

static void upstream_normalize_examples(void)
{
	check_norm("", "");
	check_norm("busybox", "docker.io/library/busybox:latest");
	check_norm("debian:latest", "docker.io/library/debian:latest");
	check_norm("alpine", "docker.io/library/alpine:latest");
	check_norm("user/image:tag", "docker.io/user/image:tag");
	check_norm("user/image", "docker.io/user/image");
	check_norm("docker.io/library/debian:latest", "docker.io/library/debian:latest");
	check_norm("registry.example.com:5000/image:tag", "registry.example.com:5000/image:tag");
	check_norm("registry.example.com/image:tag", "registry.example.com/image:tag");
	check_norm("https://registry.example.com/image:tag",
		   "https://registry.example.com/image:tag");
	check_norm("registry.example.com:5000/namespace/image:v1.0.0",
		   "registry.example.com:5000/namespace/image:v1.0.0");
	check_norm("docker.io/user/image:tag", "docker.io/user/image:tag");
	check_norm("localhost:5000/x", "localhost:5000/x");
}

static void check_docker(const char *in, const char *want)
{
	struct kk_err err = { 0 };
	char *got = NULL;

	if (kk_image_ref_docker_normalize(in, &got, &err) < 0) {
		TAP_OK(want == NULL, "docker normalize `%s` fails: %s", in, err.msg);
		return;
	}
	TAP_OK(want && strcmp(got, want) == 0, "docker normalize `%s` -> `%s` (got `%s`)", in,
	       want ? want : "(error)", got);
	free(got);
}

static void docker_normalize(void)
{
	check_docker("busybox:latest", "docker.io/library/busybox:latest");
	check_docker("busybox", "docker.io/library/busybox:latest");
	check_docker("user/x", "docker.io/user/x:latest");
	check_docker("localhost/x:1", "localhost/x:1");
	check_docker("localhost:5000/a/b:t", "localhost:5000/a/b:t");
	check_docker("index.docker.io/busybox:1.36", "docker.io/library/busybox:1.36");
	check_docker("docker.io/busybox", "docker.io/library/busybox:latest");
	check_docker("Busybox", NULL);
	check_docker("busybox:", NULL);
	check_docker("a//b", NULL);
	check_docker("x@sha256:"
		     "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		     "docker.io/library/x@sha256:"
		     "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
}

static void oci_names(void)
{
	char *s = kk_image_ref_oci_name("docker.io/library/busybox:latest");

	TAP_STR_EQ(s, "latest");
	free(s);
	s = kk_image_ref_oci_name("localhost:5000/x@sha256:abc");
	TAP_STR_EQ(s, "sha256:abc");
	free(s);
	s = kk_image_ref_oci_name("localhost:5000/x");
	TAP_STR_EQ(s, "");
	free(s);
}

static void platforms(void)
{
	struct kk_err err = { 0 };
	struct kk_platform want, c, host;
	char buf[96];

	TAP_INT_EQ(kk_platform_parse("linux/amd64", &want, &err), 0);
	TAP_INT_EQ(kk_platform_parse("linux/x86_64", &c, &err), 0);
	TAP_STR_EQ(c.arch, "amd64");
	TAP_INT_EQ(kk_platform_match_rank(&want, &c), 0);
	kk_platform_parse("linux/386", &c, &err);
	TAP_INT_EQ(kk_platform_match_rank(&want, &c), 1);
	kk_platform_parse("linux/arm64", &c, &err);
	TAP_INT_EQ(kk_platform_match_rank(&want, &c), -1);
	kk_platform_parse("windows/amd64", &c, &err);
	TAP_INT_EQ(kk_platform_match_rank(&want, &c), -1);

	kk_platform_parse("linux/arm64/v8", &want, &err);
	TAP_STR_EQ(want.variant, "");
	kk_platform_parse("linux/aarch64", &c, &err);
	TAP_INT_EQ(kk_platform_match_rank(&want, &c), 0);
	kk_platform_parse("linux/arm/v7", &c, &err);
	TAP_INT_EQ(kk_platform_match_rank(&want, &c), 2);
	kk_platform_parse("linux/arm", &c, &err);
	TAP_STR_EQ(kk_platform_format(&c, buf, sizeof(buf)), "linux/arm/v7");
	kk_platform_parse("linux/arm/v6", &want, &err);
	kk_platform_parse("linux/arm/v7", &c, &err);
	TAP_INT_EQ(kk_platform_match_rank(&want, &c), -1);
	kk_platform_parse("linux/armhf", &c, &err);
	TAP_STR_EQ(kk_platform_format(&c, buf, sizeof(buf)), "linux/arm/v7");

	TAP_INT_EQ(kk_platform_parse("linux", &c, &err), -1);
	TAP_INT_EQ(kk_platform_parse("a/b/c/d", &c, &err), -1);
	TAP_INT_EQ(kk_platform_parse("linux//v7", &c, &err), -1);

	kk_platform_host(&host);
	TAP_STR_EQ(host.os, "linux");
	TAP_INT_EQ(kk_platform_match_rank(&host, &host), 0);
}

static void media_types(void)
{
	TAP_INT_EQ(kk_media_kind(KK_MT_OCI_INDEX), KK_MEDIA_INDEX);
	TAP_INT_EQ(kk_media_kind(KK_MT_DOCKER_MANIFEST_LIST), KK_MEDIA_INDEX);
	TAP_INT_EQ(kk_media_kind(KK_MT_DOCKER_MANIFEST), KK_MEDIA_MANIFEST);
	TAP_INT_EQ(kk_media_kind(KK_MT_OCI_CONFIG), KK_MEDIA_CONFIG);
	TAP_INT_EQ(kk_media_kind(KK_MT_DOCKER_LAYER_GZIP), KK_MEDIA_LAYER);
	TAP_INT_EQ(kk_media_kind("application/vnd.example+json"), KK_MEDIA_UNKNOWN);
	TAP_INT_EQ(kk_media_layer_compression(KK_MT_OCI_LAYER_ZSTD), KK_COMPRESSION_ZSTD);
	TAP_INT_EQ(kk_media_layer_compression(KK_MT_OCI_LAYER), KK_COMPRESSION_NONE);
	TAP_INT_EQ(kk_media_layer_compression(KK_MT_DOCKER_LAYER_GZIP), KK_COMPRESSION_GZIP);
	TAP_STR_EQ(kk_media_gc_label(KK_MT_DOCKER_CONFIG), "containerd.io/gc.ref.content.config");
	TAP_STR_EQ(kk_media_gc_label(KK_MT_OCI_MANIFEST), "containerd.io/gc.ref.content.m.");
	TAP_STR_EQ(kk_media_gc_label(KK_MT_OCI_LAYER_GZIP), "containerd.io/gc.ref.content.l.");
	TAP_STR_EQ(kk_media_gc_label(KK_MT_OCI_INDEX), "containerd.io/gc.ref.content.");
}

static void digests(void)
{
	char d[KK_DIGEST_STR_SIZE];
	struct kk_sha256 *h = kk_sha256_new();
	struct kk_err err = { 0 };

	kk_sha256_digest("", 0, d);
	TAP_STR_EQ(d, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	kk_sha256_update(h, "ab", 2);
	kk_sha256_update(h, "c", 1);
	kk_sha256_final(h, d);
	TAP_STR_EQ(d, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	kk_sha256_free(h);
	TAP_OK(kk_digest_is_valid(d), "valid digest");
	TAP_OK(!kk_digest_is_valid(
		       "sha256:BA7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
	       "upper-case hex is not valid");
	TAP_OK(!kk_digest_is_valid("sha512:00"), "other algorithms are not valid");

	/* chain IDs: the first is the diff id; the next is sha256("<prev> <diff>") */
	const char *diffs[] = {
		"sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4",
		"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	};
	char chain[2][KK_DIGEST_STR_SIZE];
	char want[KK_DIGEST_STR_SIZE], buf[160];

	TAP_INT_EQ(kk_chain_ids(diffs, 2, chain, &err), 0);
	TAP_STR_EQ(chain[0], diffs[0]);
	snprintf(buf, sizeof(buf), "%s %s", diffs[0], diffs[1]);
	kk_sha256_digest(buf, strlen(buf), want);
	TAP_STR_EQ(chain[1], want);
	const char *bad[] = { "sha256:xyz" };
	TAP_INT_EQ(kk_chain_ids(bad, 1, chain, &err), -1);
	TAP_STR_EQ(err.msg, "diff id `sha256:xyz` is not a sha256 digest");
}

int main(void)
{
	upstream_normalize_examples();
	docker_normalize();
	oci_names();
	platforms();
	media_types();
	digests();
	return tap_done();
}
