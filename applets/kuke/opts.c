/* applets/kuke/opts.c - see opts.h. */
#include "applets/kuke/opts.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/mem.h"
#include "common/strv.h"

enum type { T_BOOL, T_STRING, T_STRV };

struct flag {
	const char *name; /* long name without "--" */
	const char *value;
	const char *def;
	const char *help;
	size_t off; /* of its member in struct kuke_flags */
	enum type type;
	char short_name; /* 0 = none */
	bool required;
};

#define REQ true
#define OPT false

static const struct flag flags[] = {
#define FLAG(id, name, short_name, type, field, value, req, def, help)                     \
	[KF_##id] = { name,     value,      def, help, offsetof(struct kuke_flags, field), \
		      T_##type, short_name, req },
#include "applets/kuke/flags.def"
#undef FLAG
};

/* each row's member has the C type its type needs */
#define CTYPE_BOOL   bool
#define CTYPE_STRING const char *
#define CTYPE_STRV   char **
#define FLAG(id, name, short_name, type, field, value, req, def, help)                           \
	_Static_assert(__builtin_types_compatible_p(__typeof__(((struct kuke_flags *)0)->field), \
						    CTYPE_##type),                               \
		       "flags.def: " #id " needs a " #type " member");
#include "applets/kuke/flags.def"
#undef FLAG

static void *slot(struct kuke_flags *f, const struct flag *fl)
{
	return (char *)f + fl->off;
}

static const struct flag *find_long(struct kuke_flag_set set, const char *name, size_t len)
{
	for (size_t i = 0; i < set.n; i++) {
		const struct flag *fl = &flags[set.ids[i]];

		if (strlen(fl->name) == len && strncmp(fl->name, name, len) == 0)
			return fl;
	}
	return NULL;
}

static const struct flag *find_short(struct kuke_flag_set set, char c)
{
	for (size_t i = 0; i < set.n; i++)
		if (flags[set.ids[i]].short_name == c)
			return &flags[set.ids[i]];
	return NULL;
}

/* Store a flag's value; `inline_value` is the text after '=' (or after -o), else the
 * value is the next argument. Returns the number of extra arguments consumed. */
static int take(struct kuke_flags *f, const struct flag *fl, const char *shown,
		const char *inline_value, int i, int argc, char **argv, struct kk_err *err)
{
	if (fl->type == T_BOOL) {
		if (inline_value)
			return kk_err_set(err, KK_EUSAGE, "flag `%s` takes no value", shown);
		*(bool *)slot(f, fl) = true;
		return 0;
	}
	if (!inline_value && i + 1 >= argc)
		return kk_err_set(err, KK_EUSAGE, "flag `%s` needs a value", shown);
	if (fl->type == T_STRV)
		kk_strv_push_take((char ***)slot(f, fl),
				  kk_xstrdup(inline_value ? inline_value : argv[i + 1]));
	else
		*(const char **)slot(f, fl) = inline_value ? inline_value : argv[i + 1];
	return inline_value ? 0 : 1;
}

int kuke_flags_parse(struct kuke_flag_set set, struct kuke_flags *f, int *argc, char **argv,
		     struct kk_err *err)
{
	int out = 1, i;
	bool flags_done = false;

	for (size_t k = 0; k < set.n; k++)
		if (flags[set.ids[k]].type == T_STRING)
			*(const char **)slot(f, &flags[set.ids[k]]) = flags[set.ids[k]].def;
	for (i = 1; i < *argc; i++) {
		char *arg = argv[i];
		const struct flag *fl;
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
			fl = find_long(set, name, len);
			if (!fl)
				return kk_err_set(err, KK_EUSAGE, "unknown flag `%s`", shown);
			used = take(f, fl, shown, eq ? eq + 1 : NULL, i, *argc, argv, err);
		} else {
			char shown[3] = { '-', arg[1], '\0' };

			fl = find_short(set, arg[1]);
			if (!fl)
				return kk_err_set(err, KK_EUSAGE, "unknown flag `%s`", shown);
			if (fl->type == T_BOOL && arg[2]) {
				/* -it: a group of boolean short flags */
				for (const char *c = arg + 1; *c; c++) {
					const struct flag *b = find_short(set, *c);

					if (!b || b->type != T_BOOL)
						return kk_err_set(err, KK_EUSAGE,
								  "flag `%s` takes no value",
								  shown);
				}
				for (const char *c = arg + 1; *c; c++)
					*(bool *)slot(f, find_short(set, *c)) = true;
				continue;
			}
			used = take(f, fl, shown, arg[2] ? arg + 2 : NULL, i, *argc, argv, err);
		}
		if (used < 0)
			return -1;
		i += used;
	}
	argv[out] = NULL;
	*argc = out;
	return 0;
}

void kuke_flags_clear(struct kuke_flags *f)
{
	for (size_t i = 0; i < ARRAY_SIZE(flags); i++) {
		char ***v = slot(f, &flags[i]);

		if (flags[i].type != T_STRV)
			continue;
		kk_strv_free(*v);
		*v = NULL; /* rows may share a member */
	}
}

void kuke_flags_usage(FILE *out, struct kuke_flag_set set)
{
	for (size_t i = 0; i < set.n; i++) {
		const struct flag *fl = &flags[set.ids[i]];
		char name[40];

		if (fl->short_name)
			snprintf(name, sizeof(name), "-%c", fl->short_name);
		else
			snprintf(name, sizeof(name), "--%s", fl->name);
		fprintf(out, " %s%s%s%s%s%s", fl->required ? "" : "[", name, *fl->value ? " " : "",
			fl->value, fl->required ? "" : "]", fl->type == T_STRV ? "..." : "");
	}
}

void kuke_help_row(FILE *out, char short_name, const char *name, const char *value,
		   const char *help)
{
	enum { COLUMN = 32 };
	char names[128];
	int len;

	if (short_name)
		len = snprintf(names, sizeof(names), "  -%c, --%s", short_name, name);
	else
		len = snprintf(names, sizeof(names), "      --%s", name);
	if (value && *value)
		snprintf(names + len, sizeof(names) - (size_t)len, " %s", value);
	if (strlen(names) + 2 > COLUMN)
		fprintf(out, "%s\n%*s%s\n", names, COLUMN, "", help);
	else
		fprintf(out, "%-*s%s\n", COLUMN, names, help);
}

void kuke_flags_help(FILE *out, struct kuke_flag_set set)
{
	for (size_t i = 0; i < set.n; i++) {
		const struct flag *fl = &flags[set.ids[i]];
		cleanup_free char *help =
			kk_xasprintf("%s%s%s%s%s", fl->help,
				     fl->type == T_STRV ? " (repeatable)" : "",
				     fl->def ? " (default \"" : "", fl->def ? fl->def : "",
				     fl->def ? "\")" : "");

		kuke_help_row(out, fl->short_name, fl->name, fl->value, help);
	}
}

void kuke_flag_info(enum kuke_flag_id id, struct kuke_flag_info *out)
{
	const struct flag *fl = &flags[id];

	*out = (struct kuke_flag_info){ fl->name, fl->value, fl->help, fl->short_name,
					fl->type != T_BOOL };
}
