/* tests/unit/test_container.c - the container controller's pure helpers. */
#include <stdlib.h>

#include "common/cleanup.h"
#include "common/controller/container.h"
#include "tests/unit/tap.h"

static void normalize(const char *in, const char *want)
{
	cleanup_free char *got = kk_container_image_normalize(in);

	TAP_STR_EQ(got, want);
}

static void image_refs_are_normalized_as_upstream(void)
{
	normalize("alpine", "docker.io/library/alpine:latest");
	normalize("busybox:1.36", "docker.io/library/busybox:1.36");
	normalize("user/img:t", "docker.io/user/img:t");
	normalize("user/img", "docker.io/user/img");
	normalize("ghcr.io/a/b:1", "ghcr.io/a/b:1");
	normalize("localhost:5000/x", "localhost:5000/x");
	normalize("docker.io/library/busybox:latest", "docker.io/library/busybox:latest");
	normalize("oci://x/y", "oci://x/y");
	normalize("", "");
}

int main(void)
{
	image_refs_are_normalized_as_upstream();
	return tap_done();
}
