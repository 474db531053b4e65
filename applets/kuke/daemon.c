/* applets/kuke/daemon.c - kuke daemon start|stop|kill|restart|reset|logs (runtime
 * reference §3.9, CLI reference §3.14), always in-process on this host. */
#include "applets/kuke/kuke.h"

#include <errno.h>

int kuke_daemon(struct kuke_ctx *ctx, int arg, const struct kuke_flags *f, int argc, char **argv,
		struct kk_err *err)
{
	(void)ctx, (void)arg, (void)f, (void)argc, (void)argv;
	return kk_err_set(err, ENOSYS, "daemon: not yet");
}
