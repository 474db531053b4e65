/* applets/kuke/opts.c - see opts.h. */
#include "applets/kuke/opts.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/mem.h"
#include "common/strv.h"

static const struct kuke_opt *find_long(const struct kuke_opt *opts, size_t n, const char *name,
					size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0)
			return &opts[i];
	return NULL;
}

static const struct kuke_opt *find_short(const struct kuke_opt *opts, size_t n, char c)
{
	for (size_t i = 0; i < n; i++)
		if (opts[i].short_name && opts[i].short_name == c)
			return &opts[i];
	return NULL;
}

/* Store a flag's value; `inline_value` is the text after '=' (or after -o), else the
 * value is the next argument. Returns the number of extra arguments consumed. */
static int take(const struct kuke_opt *o, const char *shown, const char *inline_value, int i,
		int argc, char **argv, struct kk_err *err)
{
	if (o->type == KUKE_OPT_BOOL) {
		if (inline_value)
			return kk_err_set(err, KK_EUSAGE, "flag `%s` takes no value", shown);
		*(bool *)o->dest = true;
		return 0;
	}
	if (!inline_value && i + 1 >= argc)
		return kk_err_set(err, KK_EUSAGE, "flag `%s` needs a value", shown);
	if (o->type == KUKE_OPT_STRV)
		kk_strv_push_take((char ***)o->dest,
				  kk_xstrdup(inline_value ? inline_value : argv[i + 1]));
	else
		*(const char **)o->dest = inline_value ? inline_value : argv[i + 1];
	return inline_value ? 0 : 1;
}

int kuke_opts_parse(const struct kuke_opt *opts, size_t n_opts, int *argc, char **argv,
		    struct kk_err *err)
{
	int out = 1, i;
	bool flags_done = false;

	for (i = 1; i < *argc; i++) {
		char *arg = argv[i];
		const struct kuke_opt *o;
		int used;

		if (flags_done || arg[0] != '-' || arg[1] == '\0') {
			argv[out++] = arg;
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			flags_done = true;
			continue;
		}
		if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0)
			return kk_err_set(err, KK_EHELP, "help requested");
		if (arg[1] == '-') {
			const char *name = arg + 2, *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);
			char shown[64];

			snprintf(shown, sizeof(shown), "--%.*s", (int)len, name);
			o = find_long(opts, n_opts, name, len);
			if (!o)
				return kk_err_set(err, KK_EUSAGE, "unknown flag `%s`", shown);
			used = take(o, shown, eq ? eq + 1 : NULL, i, *argc, argv, err);
		} else {
			char shown[3] = { '-', arg[1], '\0' };

			o = find_short(opts, n_opts, arg[1]);
			if (!o)
				return kk_err_set(err, KK_EUSAGE, "unknown flag `%s`", shown);
			if (o->type == KUKE_OPT_BOOL && arg[2])
				return kk_err_set(err, KK_EUSAGE, "flag `%s` takes no value",
						  shown);
			used = take(o, shown, arg[2] ? arg + 2 : NULL, i, *argc, argv, err);
		}
		if (used < 0)
			return -1;
		i += used;
	}
	argv[out] = NULL;
	*argc = out;
	return 0;
}
