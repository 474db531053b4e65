/* applets/kuke/kuke.h - what every kuke command handler shares. */
#ifndef KK_APPLETS_KUKE_KUKE_H
#define KK_APPLETS_KUKE_KUKE_H

#include <stdbool.h>

#include "common/err.h"
#include "common/log.h"
#include "kk_config.h"

/* Global flags, resolved: flag > KUKEON_* environment > compiled-in default. */
struct kuke_ctx {
	const char *run_path;
	const char *containerd_socket;
	const char *host;
	const char *configuration;
	const char *log_level;
	bool no_daemon;
	bool verbose;
	struct kk_log log; /* writes to stdout with -v, as upstream; silent otherwise */
};

/* argv[0] is the verb for verb-only rows, else the resource; options follow. */
typedef int kuke_handler(struct kuke_ctx *ctx, int argc, char **argv, struct kk_err *err);

/* Helpers every handler shares (kuke.c). */
#define KUKE_DEFAULT_SCOPE "default"
/* s, or "default" when NULL or "" (what an unset --realm/--space/--stack means). */
const char *kuke_or_default(const char *s);
/* s, or NULL when "" (an unset filter). */
const char *kuke_or_null(const char *s);
/* "Additional resources purged: [a b]" on stdout, when there are any (upstream's %v). */
void kuke_print_purged(char **items);

#define CMD(verb, verb_aliases, resource, resource_aliases, fn, args, summary) kuke_handler fn;
#include "applets/kuke/commands.def"
#undef CMD

#endif
