/* common/image/ref.h - image references. */
#ifndef KK_COMMON_IMAGE_REF_H
#define KK_COMMON_IMAGE_REF_H

#include "common/err.h"

/* kukeon's NormalizeImageReference (what `kuke create container --image` does):
 *   "" -> ""; contains "://" -> unchanged;
 *   has "/" and the first component contains '.' or ':' -> unchanged;
 *   has "/" otherwise -> "docker.io/" + ref (no tag added);
 *   no "/" -> add ":latest" when there is no ':', then "docker.io/library/" + ref.
 * Returns a new string. */
char *kk_image_ref_normalize(const char *ref);

/* Docker's normalisation (distribution/reference ParseNormalizedNamed + TagNameOnly),
 * which containerd applies to the RepoTags of a `docker save` archive:
 * "busybox" -> "docker.io/library/busybox:latest", "user/x" -> "docker.io/user/x:latest",
 * "localhost:5000/x" -> "localhost:5000/x:latest"; a digest ref gets no tag. Fails on a
 * malformed reference. On success *out is a new string. */
int kk_image_ref_docker_normalize(const char *ref, char **out, struct kk_err *err);

/* The OCI ref name ("org.opencontainers.image.ref.name") for a normalised reference:
 * its tag, else its digest, else "". Returns a new string. */
char *kk_image_ref_oci_name(const char *normalized);

#endif
