/* applets/kuke/uninstall.c - kuke uninstall [-y]: the prompt, upstream's five steps
 * (common/controller/uninstall.h, always in-process) and upstream's report (CLI §3.15). */
#include "applets/kuke/kuke.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applets/kuke/client.h"
#include "common/cleanup.h"
#include "common/controller/uninstall.h"
#include "common/mem.h"
#include "common/prompt.h"
#include "common/rpc/host.h"

/* upstream's socketDir: everything before the last '/' ("/" for "/x") */
static char *socket_dir_of(const char *socket)
{
	const char *slash = strrchr(socket, '/');

	if (!slash)
		return kk_xstrdup("/run/kukeon");
	return slash == socket ? kk_xstrdup("/") : kk_xstrndup(socket, (size_t)(slash - socket));
}

/* 1 yes, 0 no; re-asks on anything else */
static int confirm(const char *socket_dir, const char *run_path, struct kk_err *err)
{
	printf("kuke uninstall will remove ALL kukeon runtime state on this host:\n"
	       "  - every realm (cascade), including the kuke-system realm and the kukeond cell\n"
	       "  - the kukeon containerd namespaces\n"
	       "  - %s/ (kukeond socket dir)\n"
	       "  - %s/ (run path)\n"
	       "  - the kukeon system user and group (if present)\n\n",
	       socket_dir, run_path);
	return kk_prompt_yes_no(stdin, stdout, "Are you sure? (yes/no) ", err);
}

static void print_items(const struct kk_td_report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct kk_td_item *it = &r->items[i];

		if (strncmp(it->what, "mount ", 6) == 0 && it->outcome == KK_TD_FAILED)
			printf("  - %s: %s: %s\n", it->what, it->text, it->why);
		else
			printf("  - %s: %s\n", it->what, it->text);
	}
}

static void print_report(const struct kk_uninstall_report *rep, const char *socket_dir,
			 const char *run_path)
{
	static const char skipped[] = "skipped (realm purge failed)";

	puts("kuke uninstall:");
	if (rep->pidfile) {
		cleanup_free char *d = kk_daemon_stop_text(&rep->daemon);

		printf("  - kukeond: %s\n", d);
	}
	for (size_t i = 0; i < rep->n_realms; i++) {
		const struct kk_uninstall_realm *r = &rep->realms[i];

		if (r->error)
			printf("  - realm \"%s\" (namespace \"%s\"): FAILED: %s\n", r->name, r->ns,
			       r->error);
		else if (r->purged)
			printf("  - realm \"%s\" (namespace \"%s\"): purged\n", r->name, r->ns);
	}
	if (rep->cleanup_skipped) {
		printf("  - %s: %s\n  - %s: %s\n", socket_dir, skipped, run_path, skipped);
		printf("  - user \"%s\": %s\n  - group \"%s\": %s\n", KK_SYSTEM_USER, skipped,
		       KK_SYSTEM_GROUP, skipped);
		puts("  filesystem + user/group cleanup skipped: residual containerd namespace "
		     "prevented teardown");
		return;
	}
	print_items(&rep->items);
}

int kuke_uninstall(struct kuke_ctx *ctx, int arg, const struct kuke_flags *f, int argc, char **argv,
		   struct kk_err *err)
{
	struct kk_uninstall_opts o = { .local = kuke_local_opts(ctx) };
	struct kk_uninstall_report rep = { 0 };
	cleanup_free char *socket = NULL;
	cleanup_free char *socket_dir = NULL;
	int rc;

	(void)arg;
	(void)argc;
	(void)argv; /* upstream accepts and ignores arguments */
	/* the socket dir is the one of the daemon kuke talks to (--host) */
	if (kk_rpc_host_parse(ctx->host, &socket, err) < 0)
		return -1;
	socket_dir = socket_dir_of(socket);
	o.socket_dir = socket_dir;
	if (!f->yes) {
		rc = confirm(socket_dir, ctx->run_path, err);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			puts("Aborted.");
			fflush(stdout); /* before main prints the error */
			return kk_err_set(err, ECANCELED, "uninstall aborted");
		}
	}
	rc = kk_uninstall(&o, &rep, err);
	print_report(&rep, socket_dir, ctx->run_path);
	fflush(stdout);
	kk_uninstall_report_clear(&rep);
	return rc;
}
