/* applets/kuke/client.c - see client.h. */
#include "applets/kuke/client.h"

#include <stdio.h>
#include <stdlib.h>

#include "common/cleanup.h"
#include "common/env.h"
#include "common/rpc/client.h"
#include "common/rpc/host.h"

struct kk_local_opts kuke_local_opts(struct kuke_ctx *ctx)
{
	return (struct kk_local_opts){
		.run_path = ctx->run_path,
		.containerd_socket = ctx->containerd_socket,
		.cgroup_root = kk_env_or("KUKEON_CGROUP_ROOT", NULL),
		.ns_suffix = kk_env_or("KUKEON_NAMESPACE_SUFFIX", NULL),
		.cgroup_mount = kk_env_or("KUKEON_CGROUP_MOUNT", NULL),
		.log = &ctx->log,
		.cni_plugin_path = kk_env_or("KUKEON_CNI_BIN_DIR", NULL),
		.cni_cache_dir = kk_env_or("KUKEON_CNI_CACHE_DIR", NULL),
	};
}

int kuke_client_open(struct kuke_ctx *ctx, struct kk_client **out, struct kk_err *err)
{
	struct kk_local_opts opts = kuke_local_opts(ctx);
	cleanup_free char *socket_path = NULL;

	if (!ctx->no_daemon) {
		/* the address must be one we could dial, as upstream's client checks it */
		if (kk_rpc_host_parse(ctx->host, &socket_path, err) < 0)
			return -1;
		if (!kk_env_or("KUKE_TEST_IN_PROCESS", NULL)) {
			kk_log(&ctx->log, KK_LOG_INFO, "calling kukeond", "socket", socket_path);
			return kk_client_rpc_new(socket_path, out, err);
		}
	}
	kk_log(&ctx->log, KK_LOG_INFO, "running the controller in-process", "runPath",
	       ctx->run_path, "containerdSocket", ctx->containerd_socket, "daemon",
	       ctx->no_daemon ? "off (--no-daemon)" : "bypassed (KUKE_TEST_IN_PROCESS)");
	return kk_client_local_new(&opts, out, err);
}

int kuke_client_act(struct kuke_ctx *ctx, enum kk_op_id id, enum kuke_op op,
		    const struct kk_ref *ref, const char *noun, const char *parent,
		    const char *parent_name, struct kk_err *err)
{
	cleanup_(kk_client_freep) struct kk_client *c = NULL;
	union kuke_act_reply reply = { 0 };

	if (kuke_client_open(ctx, &c, err) < 0 || kk_client_call(c, id, ref, &reply, err) < 0)
		return -1;
	printf("%s %s \"%s\" from %s \"%s\"\n", kuke_op_done(op), noun, ref->name, parent,
	       parent_name);
	if (op == KUKE_OP_PURGE)
		kuke_print_purged(reply.deleted.cleaned);
	kk_ops[id].reply_clear(&reply);
	return 0;
}
