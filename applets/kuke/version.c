/* applets/kuke/version.c - kuke version [--containerd] */
#include "applets/kuke/kuke.h"

#include <stdio.h>
#include <string.h>

#include "applets/applets.h"
#include "common/cleanup.h"
#include "ctr/ctr.h"

/* `kuke version` prints the version line alone, as upstream does; --containerd adds a
 * line with the version of the containerd behind --containerd-socket. */
int kuke_version(struct kuke_ctx *ctx, int argc, char **argv, struct kk_err *err)
{
	cleanup_(ctr_disconnectp) struct ctr_conn *conn = NULL;
	struct ctr_version v = { 0 };
	int with_containerd = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--containerd") == 0)
			with_containerd = 1;
		else
			return kk_err_set(err, KK_EUSAGE, "version: unknown argument `%s`", argv[i]);
	}
	if (!with_containerd) {
		printf("%s\n", kk_version);
		return 0;
	}
	if (ctr_connect(ctx->containerd_socket, NULL, &conn, err) < 0 ||
	    ctr_version(conn, &v, err) < 0)
		return kk_err_wrap(err, "version");
	printf("%s\ncontainerd %s %s\n", kk_version, v.version, v.revision);
	ctr_version_clear(&v);
	return 0;
}
