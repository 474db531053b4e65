/* applets/kuke/opts.h - flags of one kuke command, from a table.
 *
 *   static const struct kuke_opt opts[] = {
 *           { "output", 'o', KUKE_OPT_STRING, &output },
 *           { "containerd", 0, KUKE_OPT_BOOL, &with_containerd },
 *   };
 *   if (kuke_opts_parse(opts, ARRAY_SIZE(opts), &argc, argv, err) < 0) return -1;
 *
 * Accepts --name value, --name=value, -o value, -ovalue, and "--" to end flags. Flags
 * may come before or after positional arguments; on return argv[1..argc-1] holds only
 * the positionals (argv[0], the command word, stays). */
#ifndef KK_APPLETS_KUKE_OPTS_H
#define KK_APPLETS_KUKE_OPTS_H

#include <stddef.h>

#include "common/err.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

enum kuke_opt_type {
	KUKE_OPT_BOOL,   /* dest is bool *: set to true */
	KUKE_OPT_STRING, /* dest is const char **: points into argv */
	KUKE_OPT_STRV,   /* dest is char ***: repeatable, each value appended (a new strv of
			  * copies; free it with kk_strv_free) */
};

struct kuke_opt {
	const char *name; /* long name without "--" */
	char short_name;  /* 0 = none */
	enum kuke_opt_type type;
	void *dest;
};

/* Parse and remove flags. A flag not in the table, or one missing its value, is a
 * KK_EUSAGE error naming it. -h or --help where a flag may stand (not as another flag's
 * value, not after "--") is a KK_EHELP "error": the caller prints usage and succeeds. */
int kuke_opts_parse(const struct kuke_opt *opts, size_t n_opts, int *argc, char **argv,
		    struct kk_err *err);

#endif
