/* applets/kuke/refresh.c - kuke refresh: re-derive every status from the host and print
 * upstream's summary (reference CLI §3.10). Errors met on the way are part of the summary
 * and leave the exit status 0, as upstream; only a walk that cannot start fails. */
#include "applets/kuke/kuke.h"

#include <stdio.h>

#include "applets/kuke/client.h"
#include "common/cleanup.h"

int kuke_refresh(struct kuke_ctx *ctx, int arg, const struct kuke_flags *f, int argc, char **argv,
		 struct kk_err *err)
{
	cleanup_(kk_client_freep) struct kk_client *c = NULL;
	struct kk_refresh_result r = { 0 };
	cleanup_free char *text = NULL;

	if (argc > 1) /* upstream accepts and ignores arguments here */
		kk_log(&ctx->log, KK_LOG_DEBUG, "refresh: ignoring arguments", "first", argv[1]);
	if (kuke_client_open(ctx, &c, err) < 0 ||
	    kk_call_refresh(c, &(struct kk_no_args){ 0 }, &r, err) < 0)
		return -1;
	text = kk_refresh_summary(&r);
	fputs(text, stdout);
	kk_refresh_result_clear(&r);
	return 0;
}
