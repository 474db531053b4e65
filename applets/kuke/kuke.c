/* applets/kuke/kuke.c - kuke: global flags, then the command table. */
#include "applets/kuke/kuke.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <fcntl.h>
#include <unistd.h>

#include "applets/applets.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/mem.h"
#include "common/model/model.h"
#include "common/strv.h"
#include "kk_config.h"

struct kuke_cmd {
	const char *verb;
	const char *verb_aliases; /* space-separated */
	const char *resource;     /* NULL: the verb takes no resource word */
	const char *resource_aliases;
	kuke_handler *fn;
	const char *args;
	const char *summary;
};

static const struct kuke_cmd commands[] = {
#define CMD(verb, verb_aliases, resource, resource_aliases, fn, args, summary) \
	{ verb, verb_aliases, resource, resource_aliases, fn, args, summary },
#include "applets/kuke/commands.def"
#undef CMD
};

static const size_t n_commands = sizeof(commands) / sizeof(commands[0]);

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
	fprintf(out,
		"\nGlobal flags:\n"
		"      --configuration FILE       client configuration file\n"
		"      --containerd-socket PATH   containerd socket (env KUKEON_CONTAINERD_SOCKET, "
		"default %s)\n"
		"      --host URL                 kukeond address (env KUKEON_HOST, default "
		"unix://%s)\n"
		"      --log-level LEVEL          debug, info, warn or error (env "
		"KUKEON_LOG_LEVEL)\n"
		"      --no-daemon                run the controller in this process\n"
		"      --run-path PATH            metadata root (env KUKEON_RUN_PATH, default %s)\n"
		"  -v, --verbose                  log what happens\n"
		"  -h, --help                     this help\n"
		"      --version                  print the version\n",
		CONFIG_DEFAULT_CONTAINERD_SOCKET, CONFIG_DEFAULT_KUKEOND_SOCKET,
		CONFIG_DEFAULT_RUN_PATH);
}

static const char *env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);

	return v && *v ? v : fallback;
}

/* A boolean environment variable as Go's strconv.ParseBool reads it. */
static bool env_true(const char *name)
{
	const char *v = getenv(name);

	return v && (!strcmp(v, "1") || !strcasecmp(v, "t") || !strcasecmp(v, "true"));
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
	static const struct {
		const char *name;
		size_t off;
	} valued[] = {
		{ "--run-path", offsetof(struct kuke_ctx, run_path) },
		{ "--containerd-socket", offsetof(struct kuke_ctx, containerd_socket) },
		{ "--host", offsetof(struct kuke_ctx, host) },
		{ "--configuration", offsetof(struct kuke_ctx, configuration) },
		{ "--log-level", offsetof(struct kuke_ctx, log_level) },
	};
	int out = 0, i;

	for (i = 0; i < *argc; i++) {
		char *arg = argv[i];
		bool matched = false;

		if (strcmp(arg, "--") == 0)
			break;
		if (strcmp(arg, "--no-daemon") == 0) {
			ctx->no_daemon = true;
			continue;
		}
		if (strcmp(arg, "-v") == 0 || strcmp(arg, "--verbose") == 0) {
			ctx->verbose = true;
			continue;
		}
		for (size_t k = 0; k < sizeof(valued) / sizeof(valued[0]); k++) {
			size_t len = strlen(valued[k].name);
			const char **slot = (const char **)((char *)ctx + valued[k].off);

			if (strncmp(arg, valued[k].name, len) != 0)
				continue;
			if (arg[len] == '=') {
				*slot = arg + len + 1;
			} else if (arg[len] == '\0') {
				if (i + 1 >= *argc)
					return kk_err_set(err, KK_EUSAGE, "flag `%s` needs a value",
							  valued[k].name);
				*slot = argv[++i];
			} else {
				continue;
			}
			matched = true;
			break;
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

/* Is word the name or one of the space-separated aliases? */
static bool word_matches(const char *word, const char *name, const char *aliases)
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
	return word_matches(word, cmd->verb, cmd->verb_aliases);
}

static const struct kuke_cmd *find_command(int argc, char **argv)
{
	for (size_t i = 0; i < n_commands; i++) {
		if (!is_verb(&commands[i], argv[0]))
			continue;
		if (!commands[i].resource)
			return &commands[i];
		if (argc > 1 && argv[1] &&
		    word_matches(argv[1], commands[i].resource, commands[i].resource_aliases))
			return &commands[i];
	}
	return NULL;
}

/* `kuke get` alone: the commands of that group, like upstream's group help (exit 0). */
static bool print_group(const char *word, FILE *out)
{
	bool any = false;

	for (size_t i = 0; i < n_commands; i++) {
		if (!is_verb(&commands[i], word) || !commands[i].resource)
			continue;
		if (!any)
			fprintf(out, "Usage: kuke %s RESOURCE [ARGS...]\n\nResources:\n",
				commands[i].verb);
		any = true;
		fprintf(out, "  %-12s %s\n", commands[i].resource, commands[i].summary);
	}
	return any;
}

const char *kuke_or_default(const char *s)
{
	return s && *s ? s : KUKE_DEFAULT_SCOPE;
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

static bool is_help_flag(const char *arg)
{
	return arg && (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0);
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

	if (parse_globals(&ctx, &sub_argc, sub_argv, &err) < 0) {
		fprintf(stderr, "kuke: %s\n", err.msg);
		return kk_err_exit_status(&err);
	}
	/* flag > environment > ClientConfiguration file > built-in default */
	ctx.no_daemon = ctx.no_daemon || env_true("KUKEON_NO_DAEMON");
	ctx.verbose = ctx.verbose || env_true("KUKEON_VERBOSE");
	default_config = default_config_path();
	ctx.configuration = ctx.configuration ? ctx.configuration
					      : env_or("KUKE_CONFIGURATION", default_config);
	if (!strcmp(ctx.configuration, default_config))
		create_default_config(default_config);
	if (load_config(ctx.configuration, &config, &err) < 0) {
		fprintf(stderr, "kuke: %s\n", err.msg);
		return kk_err_exit_status(&err);
	}
	ctx.run_path = ctx.run_path
			       ? ctx.run_path
			       : env_or("KUKEON_RUN_PATH", config && nonempty(config->spec.run_path)
								   ? config->spec.run_path
								   : CONFIG_DEFAULT_RUN_PATH);
	ctx.containerd_socket = ctx.containerd_socket
					? ctx.containerd_socket
					: env_or("KUKEON_CONTAINERD_SOCKET",
						 config && nonempty(config->spec.containerd_socket)
							 ? config->spec.containerd_socket
							 : CONFIG_DEFAULT_CONTAINERD_SOCKET);
	ctx.host =
		ctx.host ? ctx.host
			 : env_or("KUKEON_HOST", config && nonempty(config->spec.host)
							 ? config->spec.host
							 : "unix://" CONFIG_DEFAULT_KUKEOND_SOCKET);
	ctx.log_level = ctx.log_level ? ctx.log_level
				      : env_or("KUKEON_LOG_LEVEL",
					       config && nonempty(config->spec.log_level)
						       ? config->spec.log_level
						       : "info");
	kk_log_init(&ctx.log, ctx.verbose ? stdout : NULL, ctx.log_level);

	if (sub_argc == 0 || is_help_flag(sub_argv[0]) || strcmp(sub_argv[0], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(sub_argv[0], "--version") == 0) {
		printf("%s\n", kk_version);
		return 0;
	}
	cmd = find_command(sub_argc, sub_argv);
	/* `kuke delete` alone is group help even though `delete -f FILE` is a command */
	if ((!cmd || (!cmd->resource && sub_argc == 1)) &&
	    (sub_argc == 1 || is_help_flag(sub_argv[1])) && print_group(sub_argv[0], stdout))
		return 0;
	if (!cmd) {
		fprintf(stderr, "kuke: unknown command `%s%s%s`; see `kuke --help`\n", sub_argv[0],
			sub_argc > 1 ? " " : "", sub_argc > 1 ? sub_argv[1] : "");
		return 2;
	}
	if (cmd->resource) {
		sub_argc--;
		sub_argv++;
	}
	if (cmd->fn(&ctx, sub_argc, sub_argv, &err) < 0) {
		if (err.code == KK_EHELP) {
			printf("Usage: kuke %s%s%s %s\n\n%s\n", cmd->verb, cmd->resource ? " " : "",
			       cmd->resource ? cmd->resource : "", cmd->args, cmd->summary);
			return 0;
		}
		fprintf(stderr, "kuke: %s\n", err.msg);
		return kk_err_exit_status(&err);
	}
	return 0;
}
