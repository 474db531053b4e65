/* common/image/mediatype.c - media type tables. */
#include "common/image/mediatype.h"

#include <string.h>

static bool is_any(const char *mt, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(mt, *list) == 0)
			return true;
	return false;
}

static const char *const layers_plain[] = { KK_MT_OCI_LAYER, KK_MT_OCI_LAYER_ND, KK_MT_DOCKER_LAYER,
					    NULL };
static const char *const layers_gzip[] = { KK_MT_OCI_LAYER_GZIP, KK_MT_OCI_LAYER_ND_GZIP,
					   KK_MT_DOCKER_LAYER_GZIP, KK_MT_DOCKER_LAYER_FOREIGN_GZIP,
					   NULL };
static const char *const layers_zstd[] = { KK_MT_OCI_LAYER_ZSTD, KK_MT_OCI_LAYER_ND_ZSTD,
					   KK_MT_DOCKER_LAYER_ZSTD, NULL };

enum kk_media_kind kk_media_kind(const char *mt)
{
	static const char *const indexes[] = { KK_MT_OCI_INDEX, KK_MT_DOCKER_MANIFEST_LIST, NULL };
	static const char *const manifests[] = { KK_MT_OCI_MANIFEST, KK_MT_DOCKER_MANIFEST, NULL };
	static const char *const configs[] = { KK_MT_OCI_CONFIG, KK_MT_DOCKER_CONFIG, NULL };

	if (!mt)
		return KK_MEDIA_UNKNOWN;
	if (is_any(mt, indexes))
		return KK_MEDIA_INDEX;
	if (is_any(mt, manifests))
		return KK_MEDIA_MANIFEST;
	if (is_any(mt, configs))
		return KK_MEDIA_CONFIG;
	if (is_any(mt, layers_plain) || is_any(mt, layers_gzip) || is_any(mt, layers_zstd))
		return KK_MEDIA_LAYER;
	return KK_MEDIA_UNKNOWN;
}

enum kk_compression kk_media_layer_compression(const char *mt)
{
	if (is_any(mt, layers_gzip))
		return KK_COMPRESSION_GZIP;
	if (is_any(mt, layers_zstd))
		return KK_COMPRESSION_ZSTD;
	return KK_COMPRESSION_NONE;
}

const char *kk_media_gc_label(const char *mt)
{
	switch (kk_media_kind(mt)) {
	case KK_MEDIA_CONFIG:
		return "containerd.io/gc.ref.content.config";
	case KK_MEDIA_MANIFEST:
		return "containerd.io/gc.ref.content.m.";
	case KK_MEDIA_LAYER:
		return "containerd.io/gc.ref.content.l.";
	default:
		return "containerd.io/gc.ref.content.";
	}
}
