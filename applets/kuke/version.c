/* applets/kuke/version.c - kuke version [--containerd] */
#include "applets/kuke/kuke.h"

#include <stdbool.h>
#include <stdio.h>

#include "applets/applets.h"
#include "applets/kuke/client.h"
#include "common/cleanup.h"

/* `kuke version` prints the version line alone, as upstream does; --containerd adds a
 * line with the version of the containerd behind --containerd-socket. */
int kuke_version(struct kuke_ctx *ctx, int arg, const struct kuke_flags *f, int argc, char **argv,
		 struct kk_err *err)
{
	cleanup_(kk_client_freep) struct kk_client *c = NULL;
	struct kk_ctl_containerd_version v = { 0 };

	if (argc > 1) /* upstream accepts and ignores arguments here */
		kk_log(&ctx->log, KK_LOG_DEBUG, "version: ignoring arguments", "first", argv[1]);
	if (!f->containerd) {
		printf("%s\n", kk_version);
		return 0;
	}
	if (kuke_client_open(ctx, &c, err) < 0 ||
	    kk_call_containerd_version(c, &(struct kk_no_args){ 0 }, &v, err) < 0)
		return kk_err_wrap(err, "version");
	printf("%s\ncontainerd %s %s\n", kk_version, v.version, v.revision);
	kk_ctl_containerd_version_clear(&v);
	return 0;
}
