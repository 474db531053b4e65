/* applets/kuke/kuke.c - kuke: global flags, then the command table. */
#include "applets/kuke/kuke.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

#include "applets/applets.h"
#include "common/cleanup.h"
#include "common/controller/ops.h"
#include "common/env.h"
#include "common/fs.h"
#include "common/gostr.h"
#include "common/json.h"
#include "common/mem.h"
#include "common/model/model.h"
#include "common/strv.h"
#include "kk_config.h"

/* FLAGS(KF_A, KF_B): the ids after a leading placeholder, so FLAGS() is a valid array too */
#define FLAGS(...) ((const unsigned char[]){ 0, __VA_ARGS__ })
#define FLAG_SET(flags)                        \
	{                                      \
		(flags) + 1, sizeof(flags) - 1 \
	}

static const struct kuke_cmd commands[] = {
#define CMD(verb, verb_aliases, resource, resource_aliases, fn, arg, flags, args, summary, \
	    example)                                                                       \
	{ verb, verb_aliases,    resource, resource_aliases, fn,                           \
	  arg,  FLAG_SET(flags), args,     summary,          example },
#include "applets/kuke/commands.def"
#undef CMD
};

static const size_t n_commands = sizeof(commands) / sizeof(commands[0]);

const struct kuke_cmd *kuke_commands(size_t *n)
{
	*n = n_commands;
	return commands;
}

/* The global flags: parsed by parse_globals(), resolved in kuke_main() (flag > environment
 * > ClientConfiguration file > default) and documented by usage(), all from these rows. */
struct global {
	const char *name; /* long name without "--" */
	char short_name;
	const char *value; /* NULL: a boolean (a bool member) */
	size_t off;        /* its const char * or bool in struct kuke_ctx */
	const char *env;
	size_t config_off; /* its char * in struct kk_client_config, or NO_CONFIG */
	const char *def;   /* NULL: none */
	const char *help;
};

#define NO_CONFIG  ((size_t)-1)
#define CTX(m)     offsetof(struct kuke_ctx, m)
#define CONFIG(m)  offsetof(struct kk_client_config, spec.m)
#define CONFIG_DEF "$HOME/.kuke/kuke.yaml"

static const struct global globals[] = {
	{ "configuration", 0, "FILE", CTX(configuration), "KUKE_CONFIGURATION", NO_CONFIG,
	  CONFIG_DEF, "client configuration file, created with commented defaults when missing" },
	{ "containerd-socket", 0, "PATH", CTX(containerd_socket), "KUKEON_CONTAINERD_SOCKET",
	  CONFIG(containerd_socket), CONFIG_DEFAULT_CONTAINERD_SOCKET, "containerd socket" },
	{ "host", 0, "URL", CTX(host), "KUKEON_HOST", CONFIG(host),
	  "unix://" CONFIG_DEFAULT_KUKEOND_SOCKET, "kukeond address" },
	{ "log-level", 0, "LEVEL", CTX(log_level), "KUKEON_LOG_LEVEL", CONFIG(log_level), "info",
	  "debug, info, warn or error" },
	{ "no-daemon", 0, NULL, CTX(no_daemon), "KUKEON_NO_DAEMON", NO_CONFIG, NULL,
	  "run the controller in this process" },
	{ "run-path", 0, "PATH", CTX(run_path), "KUKEON_RUN_PATH", CONFIG(run_path),
	  CONFIG_DEFAULT_RUN_PATH, "metadata root" },
	{ "verbose", 'v', NULL, CTX(verbose), "KUKEON_VERBOSE", NO_CONFIG, NULL,
	  "log what happens, to standard output" },
};

bool kuke_global_flag(size_t i, const char **name, bool *takes_value, const char **help)
{
	if (i >= sizeof(globals) / sizeof(globals[0]))
		return false;
	*name = globals[i].name;
	*takes_value = globals[i].value != NULL;
	*help = globals[i].help;
	return true;
}

static const char **global_str(struct kuke_ctx *ctx, const struct global *g)
{
	return (const char **)((char *)ctx + g->off);
}

static bool *global_bool(struct kuke_ctx *ctx, const struct global *g)
{
	return (bool *)((char *)ctx + g->off);
}

static void print_globals(FILE *out)
{
	fprintf(out, "Global flags (anywhere before `--`; a flag beats its environment variable, "
		     "which beats the configuration file):\n");
	for (size_t i = 0; i < sizeof(globals) / sizeof(globals[0]); i++) {
		const struct global *g = &globals[i];
		cleanup_free char *help =
			kk_xasprintf("%s (env %s%s%s)", g->help, g->env, g->def ? ", default " : "",
				     g->def ? g->def : "");

		kuke_help_row(out, g->short_name, g->name, g->value, help);
	}
	kuke_help_row(out, 'h', "help", NULL, "this help; `kuke help COMMAND` for one command");
	kuke_help_row(out, 0, "version", NULL, "print the version");
}

static void usage(FILE *out)
{
	fprintf(out, "Usage: kuke [global flags] COMMAND [ARGS...]\n\nCommands:\n");
	for (size_t i = 0; i < n_commands; i++) {
		char name[64];

		snprintf(name, sizeof(name), "%s%s%s", commands[i].verb,
			 commands[i].resource ? " " : "",
			 commands[i].resource ? commands[i].resource : "");
		fprintf(out, "  %-20s %s\n", name, commands[i].summary);
	}
	fputc('\n', out);
	print_globals(out);
	fprintf(out, "\nRun `kuke help COMMAND [RESOURCE]` (or `kuke COMMAND [RESOURCE] --help`) "
		     "for its flags and an example.\n");
}

static const char default_client_config[] =
	"# kuke client configuration, created on first use.\n"
	"# A value here applies when neither its flag nor its environment variable is set.\n"
	"apiVersion: v1beta1\n"
	"kind: ClientConfiguration\n"
	"metadata:\n"
	"  name: default\n"
	"spec:\n"
	"  # host: unix://" CONFIG_DEFAULT_KUKEOND_SOCKET "\n"
	"  # runPath: " CONFIG_DEFAULT_RUN_PATH "\n"
	"  # containerdSocket: " CONFIG_DEFAULT_CONTAINERD_SOCKET "\n"
	"  # logLevel: info\n";

/* $HOME/.kuke/kuke.yaml (tmp/.kuke/kuke.yaml without a home), as upstream. */
static char *default_config_path(void)
{
	const char *home = getenv("HOME");

	return kk_xasprintf("%s/.kuke/kuke.yaml", home && *home ? home : "tmp");
}

/* Upstream writes a commented default file at the default path when it is missing;
 * failures are ignored. */
static void create_default_config(const char *path)
{
	cleanup_free char *dir = kk_xstrdup(path);
	char *slash = strrchr(dir, '/');
	int fd;

	if (slash) {
		*slash = '\0';
		if (kk_mkdir_p(dir, 0750, &(struct kk_err){ 0 }) < 0)
			return;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (write(fd, default_client_config, sizeof(default_client_config) - 1) < 0) {
		/* ignored, as upstream */
	}
	close(fd);
}

/* Load the ClientConfiguration at path; a missing file is no configuration. */
static int load_config(const char *path, struct kk_client_config **out, struct kk_err *err)
{
	cleanup_free char *buf = NULL;
	size_t len = 0;

	if (kk_read_file_max(path, 1 << 20, &buf, &len, err) < 0) {
		if (err->code == ENOENT) {
			*err = (struct kk_err){ 0 };
			return 0;
		}
		return -1;
	}
	return kk_client_config_parse(buf, len, path, out, err);
}

static const char *nonempty(const char *s)
{
	return s && *s ? s : NULL;
}

/* Global flags may appear anywhere before "--" (as with upstream's persistent flags).
 * They are removed from argv; what remains is the command and its own arguments. */
static int parse_globals(struct kuke_ctx *ctx, int *argc, char **argv, struct kk_err *err)
{
	int out = 0, i;

	for (i = 0; i < *argc; i++) {
		char *arg = argv[i];
		bool matched = false;

		if (strcmp(arg, "--") == 0)
			break;
		for (size_t k = 0; k < sizeof(globals) / sizeof(globals[0]) && !matched; k++) {
			const struct global *g = &globals[k];
			size_t len = strlen(g->name);

			if (!g->value) {
				matched = (arg[0] == '-' && arg[1] == '-' &&
					   !strcmp(arg + 2, g->name)) ||
					  (g->short_name && arg[0] == '-' &&
					   arg[1] == g->short_name && !arg[2]);
				if (matched)
					*global_bool(ctx, g) = true;
				continue;
			}
			if (arg[0] != '-' || arg[1] != '-' || strncmp(arg + 2, g->name, len) != 0)
				continue;
			if (arg[2 + len] == '=') {
				*global_str(ctx, g) = arg + 2 + len + 1;
			} else if (arg[2 + len] == '\0') {
				if (i + 1 >= *argc)
					return kk_err_set(err, KK_EUSAGE,
							  "flag `--%s` needs a value", g->name);
				*global_str(ctx, g) = argv[++i];
			} else {
				continue;
			}
			matched = true;
		}
		if (!matched)
			argv[out++] = arg;
	}
	for (; i < *argc; i++)
		argv[out++] = argv[i];
	argv[out] = NULL;
	*argc = out;
	return 0;
}

/* Fill every global flag left unset from its environment variable, else the
 * configuration file, else its default. --configuration itself is resolved before. */
static void resolve_globals(struct kuke_ctx *ctx, const struct kk_client_config *config)
{
	for (size_t i = 0; i < sizeof(globals) / sizeof(globals[0]); i++) {
		const struct global *g = &globals[i];
		const char *from_config = NULL;

		if (!g->value) {
			*global_bool(ctx, g) = *global_bool(ctx, g) || kk_env_true(g->env);
			continue;
		}
		if (*global_str(ctx, g)) {
			ctx->run_path_flag |= g->off == CTX(run_path);
			ctx->containerd_socket_flag |= g->off == CTX(containerd_socket);
			ctx->log_level_flag |= g->off == CTX(log_level);
			continue;
		}
		if (g->off == CTX(configuration))
			continue;
		if (config && g->config_off != NO_CONFIG)
			from_config =
				nonempty(*(char *const *)((const char *)config + g->config_off));
		*global_str(ctx, g) = kk_env_or(g->env, from_config ? from_config : g->def);
	}
}

bool kuke_word_matches(const char *word, const char *name, const char *aliases)
{
	size_t len = strlen(word);

	if (strcmp(word, name) == 0)
		return true;
	for (const char *p = aliases; *p;) {
		size_t n = strcspn(p, " ");

		if (n == len && strncmp(p, word, n) == 0)
			return true;
		p += n;
		p += strspn(p, " ");
	}
	return false;
}

static bool is_verb(const struct kuke_cmd *cmd, const char *word)
{
	return kuke_word_matches(word, cmd->verb, cmd->verb_aliases);
}

static const struct kuke_cmd *find_command(int argc, char **argv)
{
	for (size_t i = 0; i < n_commands; i++) {
		if (!is_verb(&commands[i], argv[0]))
			continue;
		if (!commands[i].resource)
			return &commands[i];
		if (argc > 1 && argv[1] &&
		    kuke_word_matches(argv[1], commands[i].resource, commands[i].resource_aliases))
			return &commands[i];
	}
	return NULL;
}

static void print_usage_line(const struct kuke_cmd *cmd, FILE *out)
{
	fprintf(out, "kuke %s%s%s%s%s", cmd->verb, cmd->resource ? " " : "",
		cmd->resource ? cmd->resource : "", *cmd->args ? " " : "", cmd->args);
	kuke_flags_usage(out, cmd->flags);
	fputc('\n', out);
}

static void print_flags_example(const struct kuke_cmd *cmd, FILE *out)
{
	fputs("\nFlags:\n", out);
	if (cmd->flags.n == 0)
		fputs("  none\n", out);
	kuke_flags_help(out, cmd->flags);
	fprintf(out, "\nExample:\n  %s\n", cmd->example);
}

/* `kuke get` alone: the commands of that group, like upstream's group help (exit 0). */
static bool print_group(const char *word, FILE *out)
{
	const struct kuke_cmd *alone = NULL;
	bool any = false;

	for (size_t i = 0; i < n_commands; i++) {
		if (!is_verb(&commands[i], word))
			continue;
		if (!commands[i].resource) {
			alone = &commands[i];
			continue;
		}
		if (!any)
			fprintf(out, "Usage: kuke %s RESOURCE [ARGS...]\n", commands[i].verb);
		any = true;
	}
	if (!any)
		return false;
	if (alone) {
		fputs("       ", out);
		print_usage_line(alone, out);
	}
	fputs("\nResources:\n", out);
	for (size_t i = 0; i < n_commands; i++)
		if (is_verb(&commands[i], word) && commands[i].resource)
			fprintf(out, "  %-12s %s\n", commands[i].resource, commands[i].summary);
	if (alone) {
		fprintf(out, "\nWithout a resource:\n  %s\n", alone->summary);
		print_flags_example(alone, out);
	}
	fprintf(out, "\nRun `kuke help %s RESOURCE` for its flags and an example.\n", word);
	return true;
}

/* " get = g" or " cell = cells, ce"; nothing without aliases */
static void print_aliases(const char *word, const char *aliases, FILE *out)
{
	if (!*aliases)
		return;
	fprintf(out, " %s =", word);
	for (const char *p = aliases; *p;) {
		size_t n = strcspn(p, " ");

		fprintf(out, "%s %.*s", p == aliases ? "" : ",", (int)n, p);
		p += n;
		p += strspn(p, " ");
	}
}

/* `kuke VERB [RESOURCE] --help` and `kuke help VERB [RESOURCE]`: usage, summary, aliases,
 * every flag with its meaning and default, an example. */
static void print_help(const struct kuke_cmd *cmd, FILE *out)
{
	fputs("Usage: ", out);
	print_usage_line(cmd, out);
	fprintf(out, "\n%s\n", cmd->summary);
	if (*cmd->verb_aliases || (cmd->resource && *cmd->resource_aliases)) {
		fputs("\nAliases:", out);
		print_aliases(cmd->verb, cmd->verb_aliases, out);
		if (*cmd->verb_aliases && cmd->resource && *cmd->resource_aliases)
			fputc(';', out);
		if (cmd->resource)
			print_aliases(cmd->resource, cmd->resource_aliases, out);
		fputc('\n', out);
	}
	print_flags_example(cmd, out);
	fputs("\nGlobal flags: see `kuke help`.\n", out);
}

static int unknown_command(int argc, char **argv)
{
	fprintf(stderr, "kuke: unknown command `%s%s%s`; see `kuke --help`\n", argv[0],
		argc > 1 ? " " : "", argc > 1 ? argv[1] : "");
	return 2;
}

/* `kuke help [VERB [RESOURCE]]`: what `kuke [VERB [RESOURCE]] --help` prints. */
static int help(int argc, char **argv)
{
	const struct kuke_cmd *cmd;

	if (argc == 0) {
		usage(stdout);
		return 0;
	}
	cmd = find_command(argc, argv);
	if ((!cmd || !cmd->resource) && argc == 1 && print_group(argv[0], stdout))
		return 0;
	if (!cmd || argc > (cmd->resource ? 2 : 1)) {
		cleanup_free char *words = kk_strv_join(argv, " ");

		fprintf(stderr, "kuke: unknown command `%s`; see `kuke --help`\n", words);
		return 2;
	}
	print_help(cmd, stdout);
	return 0;
}

static const struct {
	const char *verb, *done;
} ops[] = {
	[KUKE_OP_NONE] = { "", "" },
	[KUKE_OP_CREATE] = { "create", "Created" },
	[KUKE_OP_GET] = { "get", "" },
	[KUKE_OP_START] = { "start", "Started" },
	[KUKE_OP_STOP] = { "stop", "Stopped" },
	[KUKE_OP_KILL] = { "kill", "Killed" },
	[KUKE_OP_DELETE] = { "delete", "Deleted" },
	[KUKE_OP_PURGE] = { "purge", "Purged" },
};

const char *kuke_op_verb(enum kuke_op op)
{
	return ops[op].verb;
}

const char *kuke_op_done(enum kuke_op op)
{
	return ops[op].done;
}

const char *kuke_or_default(const char *s)
{
	return s && *s ? s : KUKE_DEFAULT_SCOPE;
}

struct kk_ref kuke_ref(const struct kuke_flags *f, const char *cell, const char *name)
{
	return (struct kk_ref){ .realm = kuke_or_default(f->realm),
				.space = kuke_or_default(f->space),
				.stack = kuke_or_default(f->stack),
				.cell = cell,
				.name = name };
}

int kuke_parse_since(const char *flag, const char *s, bool durations, int64_t *out,
		     struct kk_err *err)
{
	struct kk_err e = { 0 };
	struct kk_time t;
	int64_t ms;
	struct timespec now;

	/* Unix ns hold the years 1678 to 2262: times beyond are clamped */
	if (durations && kk_go_parse_duration(s, &ms, &e) == 0 && ms >= 0) {
		clock_gettime(CLOCK_REALTIME, &now);
		*out = ms > INT64_MAX / 1000000
			       ? INT64_MIN
			       : (int64_t)now.tv_sec * 1000000000 + now.tv_nsec - ms * 1000000;
		return 0;
	}
	if (kk_time_parse(s, &t, &e) == 0) {
		*out = kk_time_unix_ns(&t);
		return 0;
	}
	return kk_err_set(err, KK_EUSAGE,
			  "invalid --%s `%s`: want %san RFC 3339 time (2006-01-02T15:04:05Z)", flag,
			  s, durations ? "a duration (10m, 1h30m) or " : "");
}

const char *kuke_or_null(const char *s)
{
	return s && *s ? s : NULL;
}

void kuke_print_purged(char **items)
{
	cleanup_free char *s = NULL;

	if (!items)
		return;
	s = kk_strv_join(items, " ");
	printf("Additional resources purged: [%s]\n", s);
}

void kuke_print_outcome(const char *what, bool created, bool pre, bool post)
{
	printf("  - %s: %s\n", what,
	       created       ? "created"
	       : pre || post ? "already existed"
			     : "missing");
}

int kuke_want_args(int argc, bool at_most, const char *verb, const char *noun, struct kk_err *err)
{
	int n = argc - 1;

	if (at_most ? n <= 1 : n == 1)
		return 0;
	return kk_err_set(err, KK_EUSAGE, "%s%s%s: accepts %s1 arg(s), received %d", verb,
			  noun ? " " : "", noun ? noun : "", at_most ? "at most " : "", n);
}

static bool is_help_flag(const char *arg)
{
	return arg && (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0);
}

/* Parse the command's flags (its row's FLAGS), then call it. */
static int run_command(struct kuke_ctx *ctx, const struct kuke_cmd *cmd, int argc, char **argv)
{
	struct kuke_flags flags = { 0 };
	struct kk_err err = { 0 };
	int rc;

	rc = kuke_flags_parse(cmd->flags, &flags, &argc, argv, &err);
	if (rc < 0 && err.code == KK_EHELP) {
		kuke_flags_clear(&flags);
		print_help(cmd, stdout);
		return 0;
	}
	if (rc < 0)
		kk_err_wrap(&err, "%s%s%s", cmd->verb, cmd->resource ? " " : "",
			    cmd->resource ? cmd->resource : "");
	else
		rc = cmd->fn(ctx, cmd->arg, &flags, argc, argv, &err);
	kuke_flags_clear(&flags);
	if (rc < 0) {
		fprintf(stderr, "kuke: %s\n", err.msg);
		return kk_err_exit_status(&err);
	}
	return ctx->exit_status;
}

int kuke_main(int argc, char **argv)
{
	struct kuke_ctx ctx = { 0 };
	struct kk_err err = { 0 };
	cleanup_free char *default_config = NULL;
	cleanup_(kk_client_config_freep) struct kk_client_config *config = NULL;
	const struct kuke_cmd *cmd;
	int sub_argc = argc - 1;
	char **sub_argv = argv + 1;
	/* `kuke __complete WORD... CUR`: the shell completion scripts' entry point; the
	 * global flags among the words still pick the run path */
	const char *complete_cur = NULL;

	if (argc > 1 && !strcmp(argv[1], "__complete")) {
		complete_cur = argc > 2 ? argv[argc - 1] : "";
		sub_argc = argc > 2 ? argc - 3 : 0;
		sub_argv = argv + 2;
	}
	if (parse_globals(&ctx, &sub_argc, sub_argv, &err) < 0) {
		if (complete_cur)
			return 0; /* the value of a global flag: the shell's own files */
		fprintf(stderr, "kuke: %s\n", err.msg);
		return kk_err_exit_status(&err);
	}
	default_config = default_config_path();
	ctx.configuration = ctx.configuration ? ctx.configuration
					      : kk_env_or("KUKE_CONFIGURATION", default_config);
	if (!strcmp(ctx.configuration, default_config))
		create_default_config(default_config);
	if (load_config(ctx.configuration, &config, &err) < 0) {
		if (complete_cur)
			return 0;
		fprintf(stderr, "kuke: %s\n", err.msg);
		return kk_err_exit_status(&err);
	}
	resolve_globals(&ctx, config);
	kk_log_init(&ctx.log, ctx.verbose ? stdout : NULL, ctx.log_level);
	if (complete_cur)
		return kuke_complete(&ctx, sub_argc, sub_argv, complete_cur);

	if (sub_argc == 0 || is_help_flag(sub_argv[0])) {
		usage(stdout);
		return 0;
	}
	if (strcmp(sub_argv[0], "help") == 0)
		return help(sub_argc - 1, sub_argv + 1);
	if (strcmp(sub_argv[0], "--version") == 0) {
		printf("%s\n", kk_version);
		return 0;
	}
	cmd = find_command(sub_argc, sub_argv);
	/* `kuke delete` alone is group help even though `delete -f FILE` is a command;
	 * `kuke doctor` alone is its overview */
	if ((!cmd || (!cmd->resource && sub_argc == 1 && cmd->fn != kuke_doctor)) &&
	    (sub_argc == 1 || is_help_flag(sub_argv[1])) && print_group(sub_argv[0], stdout))
		return 0;
	if (!cmd)
		return unknown_command(sub_argc, sub_argv);
	if (cmd->resource) {
		sub_argc--;
		sub_argv++;
	}
	return run_command(&ctx, cmd, sub_argc, sub_argv);
}
