/* applets/kuke/version.c - kuke version [--containerd] */
#include "applets/kuke/kuke.h"

#include <stdio.h>
#include <string.h>

#include "applets/applets.h"
#include "common/controller/controller.h"

/* `kuke version` prints the version line alone, as upstream does; --containerd adds a
 * line with the version of the containerd behind --containerd-socket. */
int kuke_version(struct kuke_ctx *ctx, int argc, char **argv, struct kk_err *err)
{
	struct kk_ctl ctl = { .run_path = ctx->run_path,
			      .containerd_socket = ctx->containerd_socket };
	struct kk_ctl_containerd_version v = { 0 };
	int with_containerd = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--containerd") == 0)
			with_containerd = 1;
		else
			return kk_err_set(err, KK_EUSAGE, "version: unknown argument `%s`",
					  argv[i]);
	}
	if (!with_containerd) {
		printf("%s\n", kk_version);
		return 0;
	}
	if (kk_ctl_containerd_version(&ctl, &v, err) < 0)
		return kk_err_wrap(err, "version");
	printf("%s\ncontainerd %s %s\n", kk_version, v.version, v.revision);
	kk_ctl_containerd_version_clear(&v);
	return 0;
}
