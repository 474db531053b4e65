/* common/image/mediatype.h - OCI and Docker v2 media types: what a descriptor is. */
#ifndef KK_COMMON_IMAGE_MEDIATYPE_H
#define KK_COMMON_IMAGE_MEDIATYPE_H

#include <stdbool.h>

#include "common/image/stream.h"

#define KK_MT_OCI_INDEX                 "application/vnd.oci.image.index.v1+json"
#define KK_MT_OCI_MANIFEST              "application/vnd.oci.image.manifest.v1+json"
#define KK_MT_OCI_CONFIG                "application/vnd.oci.image.config.v1+json"
#define KK_MT_OCI_LAYER                 "application/vnd.oci.image.layer.v1.tar"
#define KK_MT_OCI_LAYER_GZIP            "application/vnd.oci.image.layer.v1.tar+gzip"
#define KK_MT_OCI_LAYER_ZSTD            "application/vnd.oci.image.layer.v1.tar+zstd"
#define KK_MT_OCI_LAYER_ND              "application/vnd.oci.image.layer.nondistributable.v1.tar"
#define KK_MT_OCI_LAYER_ND_GZIP         "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
#define KK_MT_OCI_LAYER_ND_ZSTD         "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd"
#define KK_MT_DOCKER_MANIFEST_LIST      "application/vnd.docker.distribution.manifest.list.v2+json"
#define KK_MT_DOCKER_MANIFEST           "application/vnd.docker.distribution.manifest.v2+json"
#define KK_MT_DOCKER_CONFIG             "application/vnd.docker.container.image.v1+json"
#define KK_MT_DOCKER_LAYER              "application/vnd.docker.image.rootfs.diff.tar"
#define KK_MT_DOCKER_LAYER_GZIP         "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define KK_MT_DOCKER_LAYER_FOREIGN_GZIP "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
#define KK_MT_DOCKER_LAYER_ZSTD         "application/vnd.docker.image.rootfs.diff.tar.zstd"

enum kk_media_kind {
	KK_MEDIA_UNKNOWN,
	KK_MEDIA_INDEX,    /* OCI index, Docker manifest list */
	KK_MEDIA_MANIFEST, /* OCI or Docker v2 schema 2 manifest */
	KK_MEDIA_CONFIG,   /* image config */
	KK_MEDIA_LAYER,    /* a filesystem layer; see kk_media_layer_compression */
};

enum kk_media_kind kk_media_kind(const char *media_type);
/* For a layer media type: how its bytes are compressed. */
enum kk_compression kk_media_layer_compression(const char *media_type);
/* The label prefix containerd's Go client uses for a child of this type
 * (images.ChildGCLabels): "containerd.io/gc.ref.content.config",
 * "...content.m.", "...content.l." or "...content." (prefixes end in '.'). */
const char *kk_media_gc_label(const char *media_type);

#endif
