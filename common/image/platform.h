/* common/image/platform.h - OCI platforms: normalise, parse, and match the host as
 * containerd's platforms.Only(DefaultSpec()) does. */
#ifndef KK_COMMON_IMAGE_PLATFORM_H
#define KK_COMMON_IMAGE_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"

struct kk_platform {
	char os[32];
	char arch[32];
	char variant[16];
};

/* Normalise in place: "x86_64" -> "amd64", "aarch64" -> "arm64", arm64 "v8" -> "",
 * "arm" with no variant -> "v7", "armhf" -> arm/v7, "armel" -> arm/v6, "i386" -> "386",
 * amd64 "v1" -> "", bare variant digits get a "v"; os is lower-cased. */
void kk_platform_normalize(struct kk_platform *p);
/* Parse "os/arch[/variant]" (or "arch" alone, meaning linux) and normalise. */
int kk_platform_parse(const char *s, struct kk_platform *out, struct kk_err *err);
struct cJSON;
/* From an OCI platform object or an image config (os, architecture, variant; missing
 * fields are ""), normalised. */
void kk_platform_from_json(const struct cJSON *j, struct kk_platform *p);
/* The host: linux + uname machine (+ arm variant), normalised. */
void kk_platform_host(struct kk_platform *out);
/* "os/arch[/variant]" into buf. */
const char *kk_platform_format(const struct kk_platform *p, char *buf, size_t size);

/* How well `candidate` suits a host `want`, as in containerd's platforms.Only(want):
 * 0 is an exact match, higher is a worse fallback (amd64 -> 386; arm/v7 -> v6 -> v5;
 * arm64 -> arm/v8 ...), -1 means no match. candidate is normalised first. */
int kk_platform_match_rank(const struct kk_platform *want, const struct kk_platform *candidate);

#endif
