/* applets/kuke/complete.c - shell completion.
 *
 * `kuke autocomplete bash|zsh|fish` prints a small script whose only knowledge is how to
 * ask `kuke __complete WORD... CUR` for the candidates of the word under the cursor. That
 * hidden entry point answers from the command table (commands.def), the flag table
 * (flags.def) and the names under the run path, read here in this process: no daemon,
 * no containerd, and no error output (a run path it cannot read has no names). */
#include "applets/kuke/kuke.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "applets/kuke/profile.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/mem.h"
#include "common/store/paths.h"

/* Where names are looked up: the --realm, --space, --stack, --cell (or CELL argument)
 * given so far; NULL is "default" (the cell has no default). */
struct scope {
	const char *realm, *space, *stack, *cell;
};

/* One candidate, when it starts with what is typed: "word" or "word\tdescription". */
static void emit(const char *cur, const char *word, const char *desc)
{
	if (strncmp(word, cur, strlen(cur)) != 0)
		return;
	if (desc && *desc)
		printf("%s\t%s\n", word, desc);
	else
		printf("%s\n", word);
}

static int entry_sort(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* The subdirectories of dir holding a metadata.json: the realms, spaces, stacks or cells
 * stored there, by name. */
static void emit_stored(const char *dir, const char *cur)
{
	struct dirent **list = NULL;
	int n = scandir(dir, &list, NULL, entry_sort);

	for (int i = 0; i < n; i++) {
		cleanup_free char *meta =
			kk_xasprintf("%s/%s/%s", dir, list[i]->d_name, KK_STORE_METADATA_FILE);

		if (list[i]->d_name[0] != '.' && access(meta, F_OK) == 0)
			emit(cur, list[i]->d_name, NULL);
		free(list[i]);
	}
	free(list);
}

/* The containers of the cell in scope, from its metadata.json (spec.containers[].id). */
static void emit_containers(const char *run_path, const struct scope *s, const char *cur)
{
	cleanup_free char *path = NULL;
	cleanup_free char *text = NULL;
	cleanup_(kk_json_freep) cJSON *doc = NULL;
	const cJSON *c;
	size_t len = 0;
	struct kk_err err = { 0 };

	if (!s->cell)
		return;
	path = kk_store_cell_meta_path(run_path, kuke_or_default(s->realm),
				       kuke_or_default(s->space), kuke_or_default(s->stack),
				       s->cell);
	if (kk_read_file_max(path, 1 << 22, &text, &len, &err) < 0 ||
	    kk_json_parse(text, len, path, &doc, &err) < 0)
		return;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(
				      cJSON_GetObjectItemCaseSensitive(doc, "spec"), "containers"))
	{
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(c, "id");

		if (cJSON_IsString(id))
			emit(cur, id->valuestring, NULL);
	}
}

/* The CellProfiles `kuke run -p` finds: NAME.yaml and NAME.yml in the profiles dir. */
static void emit_profiles(const char *cur)
{
	cleanup_free char *dir = NULL;
	struct dirent **list = NULL;
	struct kk_err err = { 0 };
	int n;

	if (kuke_profiles_dir(&dir, &err) < 0)
		return;
	n = scandir(dir, &list, NULL, entry_sort);
	for (int i = 0; i < n; i++) {
		char *dot = strrchr(list[i]->d_name, '.');

		if (dot && dot != list[i]->d_name &&
		    (!strcmp(dot, ".yaml") || !strcmp(dot, ".yml"))) {
			*dot = '\0';
			emit(cur, list[i]->d_name, NULL);
		}
		free(list[i]);
	}
	free(list);
}

static void emit_names(const struct kuke_ctx *ctx, enum kk_kind kind, const struct scope *s,
		       const char *cur)
{
	const char *realm = kuke_or_default(s->realm), *space = kuke_or_default(s->space);
	cleanup_free char *dir = NULL;

	switch (kind) {
	case KK_KIND_REALM:
		dir = kk_store_data_dir(ctx->run_path);
		break;
	case KK_KIND_SPACE:
		dir = kk_store_realm_dir(ctx->run_path, realm);
		break;
	case KK_KIND_STACK:
		dir = kk_store_space_dir(ctx->run_path, realm, space);
		break;
	case KK_KIND_CELL:
		dir = kk_store_stack_dir(ctx->run_path, realm, space, kuke_or_default(s->stack));
		break;
	case KK_KIND_CONTAINER:
		emit_containers(ctx->run_path, s, cur);
		return;
	default:
		return;
	}
	emit_stored(dir, cur);
}

/* A value list like "table|yaml|json" (lower-case words only: "FILE|-" is no list). */
static bool is_choice_list(const char *value)
{
	return strchr(value, '|') && strspn(value, "abcdefghijklmnopqrstuvwxyz|") == strlen(value);
}

/* The values of flag id: its listed choices, else names by what the flag names. */
static void emit_values(const struct kuke_ctx *ctx, enum kuke_flag_id id, const struct scope *s,
			const char *cur)
{
	static const struct {
		const char *flag;
		enum kk_kind kind;
	} named[] = {
		{ "realm", KK_KIND_REALM },         { "space", KK_KIND_SPACE },
		{ "stack", KK_KIND_STACK },         { "cell", KK_KIND_CELL },
		{ "container", KK_KIND_CONTAINER },
	};
	struct kuke_flag_info fl;

	kuke_flag_info(id, &fl);
	if (is_choice_list(fl.value)) {
		for (const char *p = fl.value; *p;) {
			size_t n = strcspn(p, "|");
			cleanup_free char *word = kk_xstrndup(p, n);

			emit(cur, word, NULL);
			p += n + (p[n] == '|');
		}
		return;
	}
	if (!strcmp(fl.name, "profile")) {
		emit_profiles(cur);
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(named); i++)
		if (!strcmp(fl.name, named[i].flag))
			emit_names(ctx, named[i].kind, s, cur);
}

static void emit_flags(const struct kuke_cmd *cmd, const char *cur)
{
	for (size_t i = 0; i < cmd->flags.n; i++) {
		struct kuke_flag_info fl;
		cleanup_free char *word = NULL;

		kuke_flag_info(cmd->flags.ids[i], &fl);
		word = kk_xasprintf("--%s", fl.name);
		emit(cur, word, fl.help);
	}
	emit(cur, "--help", "help for this command");
}

static void emit_globals(const char *cur)
{
	const char *name, *help;
	bool takes_value;

	for (size_t i = 0; kuke_global_flag(i, &name, &takes_value, &help); i++) {
		cleanup_free char *word = kk_xasprintf("--%s", name);

		emit(cur, word, help);
	}
}

/* Every verb once, in table order: a verb alone with its summary, a group with its
 * resources. */
static void emit_verbs(const char *cur)
{
	size_t n;
	const struct kuke_cmd *cmds = kuke_commands(&n);

	for (size_t i = 0; i < n; i++) {
		cleanup_free char *desc = NULL;
		bool seen = false;

		for (size_t j = 0; j < i && !seen; j++)
			seen = !strcmp(cmds[j].verb, cmds[i].verb);
		if (seen)
			continue;
		if (!cmds[i].resource) {
			desc = kk_xstrdup(cmds[i].summary);
		} else {
			for (size_t j = i; j < n; j++) {
				char *more;

				if (strcmp(cmds[j].verb, cmds[i].verb) != 0 || !cmds[j].resource)
					continue;
				more = kk_xasprintf("%s%s%s", desc ? desc : "", desc ? ", " : "",
						    cmds[j].resource);
				free(desc);
				desc = more;
			}
		}
		emit(cur, cmds[i].verb, desc);
	}
	emit(cur, "help", "help about any command");
}

/* The resources of verb (its canonical name or an alias). */
static void emit_resources(const char *verb, const char *cur)
{
	size_t n;
	const struct kuke_cmd *cmds = kuke_commands(&n);

	for (size_t i = 0; i < n; i++)
		if (cmds[i].resource && kuke_word_matches(verb, cmds[i].verb, cmds[i].verb_aliases))
			emit(cur, cmds[i].resource, cmds[i].summary);
}

/* The row words[0..] name, and how many words it took; NULL with *used = 0 when the verb
 * is known but its resource not yet typed (a verb alone: its row). */
static const struct kuke_cmd *find_row(int argc, char **argv, int *used, bool *group)
{
	size_t n;
	const struct kuke_cmd *cmds = kuke_commands(&n), *alone = NULL;

	*group = false;
	for (size_t i = 0; i < n; i++) {
		if (!kuke_word_matches(argv[0], cmds[i].verb, cmds[i].verb_aliases))
			continue;
		if (!cmds[i].resource) {
			alone = &cmds[i];
			continue;
		}
		*group = true;
		if (argc > 1 &&
		    kuke_word_matches(argv[1], cmds[i].resource, cmds[i].resource_aliases)) {
			*used = 2;
			return &cmds[i];
		}
	}
	*used = alone ? 1 : 0;
	return alone;
}

/* The flag of cmd that word names ("--realm", "--realm=x", "-o", "-ojson"), or -1. *inline
 * is set when its value is in word. */
static int flag_of(const struct kuke_cmd *cmd, const char *word, bool *inline_value)
{
	*inline_value = false;
	if (word[0] != '-' || !word[1])
		return -1;
	for (size_t i = 0; i < cmd->flags.n; i++) {
		struct kuke_flag_info fl;
		size_t len;

		kuke_flag_info(cmd->flags.ids[i], &fl);
		len = strlen(fl.name);
		if (word[1] == '-' && !strncmp(word + 2, fl.name, len) &&
		    (word[2 + len] == '\0' || word[2 + len] == '=')) {
			*inline_value = word[2 + len] == '=';
			return cmd->flags.ids[i];
		}
		if (word[1] != '-' && fl.short_name == word[1]) {
			*inline_value = word[2] != '\0';
			return cmd->flags.ids[i];
		}
	}
	return -1;
}

/* The kind a row's first argument names, for rows acting on an existing object. */
static enum kk_kind positional_kind(const struct kuke_cmd *cmd)
{
	if (!strcmp(cmd->args, "CELL"))
		return KK_KIND_CELL;
	if (cmd->arg && (!strcmp(cmd->args, "NAME") || !strcmp(cmd->args, "[NAME]")) &&
	    kuke_arg_op(cmd->arg) != KUKE_OP_CREATE)
		return kuke_arg_kind(cmd->arg);
	return KK_KIND_NONE;
}

static void set_scope(struct scope *s, enum kuke_flag_id id, const char *value)
{
	struct kuke_flag_info fl;

	kuke_flag_info(id, &fl);
	if (!strcmp(fl.name, "realm"))
		s->realm = value;
	else if (!strcmp(fl.name, "space"))
		s->space = value;
	else if (!strcmp(fl.name, "stack"))
		s->stack = value;
	else if (!strcmp(fl.name, "cell"))
		s->cell = value;
}

/* After the row's words: walk flags and arguments, then complete cur as a flag, a flag's
 * value or an argument. */
static void complete_args(const struct kuke_ctx *ctx, const struct kuke_cmd *cmd, int argc,
			  char **argv, const char *cur)
{
	struct scope s = { 0 };
	int pending = -1; /* a flag waiting for its value */
	int npos = 0;
	bool dashdash = false;
	enum kk_kind kind = positional_kind(cmd);

	for (int i = 0; i < argc; i++) {
		bool inline_value;
		int id;

		if (pending >= 0) {
			set_scope(&s, (enum kuke_flag_id)pending, argv[i]);
			pending = -1;
			continue;
		}
		if (dashdash || argv[i][0] != '-' || !argv[i][1]) {
			if (npos++ == 0 && kind == KK_KIND_CELL)
				s.cell = argv[i];
			continue;
		}
		if (!strcmp(argv[i], "--")) {
			dashdash = true;
			continue;
		}
		id = flag_of(cmd, argv[i], &inline_value);
		if (id < 0)
			continue;
		struct kuke_flag_info fl;

		kuke_flag_info((enum kuke_flag_id)id, &fl);
		if (!fl.takes_value)
			continue;
		if (inline_value)
			set_scope(&s, (enum kuke_flag_id)id,
				  strchr(argv[i], '=') ? strchr(argv[i], '=') + 1 : argv[i] + 2);
		else
			pending = id;
	}
	if (pending >= 0) {
		emit_values(ctx, (enum kuke_flag_id)pending, &s, cur);
		return;
	}
	if (dashdash)
		return;
	if (cur[0] == '-') {
		emit_flags(cmd, cur);
		return;
	}
	if (npos == 0 && kind != KK_KIND_NONE)
		emit_names(ctx, kind, &s, cur);
}

int kuke_complete(struct kuke_ctx *ctx, int argc, char **argv, const char *cur)
{
	const struct kuke_cmd *cmd;
	int used;
	bool group;

	if (argc == 0) {
		if (cur[0] == '-')
			emit_globals(cur);
		else
			emit_verbs(cur);
		return 0;
	}
	if (!strcmp(argv[0], "help")) {
		if (argc == 1)
			emit_verbs(cur);
		else if (argc == 2)
			emit_resources(argv[1], cur);
		return 0;
	}
	cmd = find_row(argc, argv, &used, &group);
	if (group && used < 2 && argc == 1 && cur[0] != '-') {
		emit_resources(argv[0], cur);
		return 0;
	}
	if (cmd)
		complete_args(ctx, cmd, argc - used, argv + used, cur);
	return 0;
}

static const char bash_script[] = "# bash completion for kuke: source <(kuke autocomplete bash)\n"
				  "_kuke() {\n"
				  "\tlocal line\n"
				  "\tlocal -a out=()\n"
				  "\twhile IFS= read -r line; do\n"
				  "\t\tout+=(\"${line%%%%$'\\t'*}\")\n"
				  "\tdone < <(\"${COMP_WORDS[0]}\" __complete "
				  "\"${COMP_WORDS[@]:1:COMP_CWORD}\" 2>/dev/null)\n"
				  "\tif ((${#out[@]} == 0)); then\n"
				  "\t\tcompopt -o default 2>/dev/null\n"
				  "\t\tCOMPREPLY=()\n"
				  "\t\treturn 0\n"
				  "\tfi\n"
				  "\tCOMPREPLY=(\"${out[@]}\")\n"
				  "}\n"
				  "complete -F _kuke %s\n";

static const char zsh_script[] =
	"#compdef %s\n"
	"# zsh completion for kuke: source <(kuke autocomplete zsh) after compinit\n"
	"# __kuke_candidates WORD...: \"word:description\" lines for the last word\n"
	"__kuke_candidates() {\n"
	"\tlocal line\n"
	"\tfor line in \"${(@f)$(\"$1\" __complete \"${@[2,-1]}\" 2>/dev/null)}\"; do\n"
	"\t\t[[ -n $line ]] || continue\n"
	"\t\tline=${line//:/\\\\:}\n"
	"\t\tprint -r -- \"${line/$'\\t'/:}\"\n"
	"\tdone\n"
	"}\n"
	"_kuke() {\n"
	"\tlocal -a cands\n"
	"\tcands=(\"${(@f)$(__kuke_candidates \"${(@)words[1,CURRENT]}\")}\")\n"
	"\tcands=(${cands:#})\n"
	"\tif ((${#cands})); then\n"
	"\t\t_describe kuke cands\n"
	"\telse\n"
	"\t\t_files\n"
	"\tfi\n"
	"}\n"
	"if [[ ${funcstack[1]} == _kuke ]]; then\n"
	"\t_kuke \"$@\"\n"
	"else\n"
	"\tcompdef _kuke %s\n"
	"fi\n";

static const char fish_script[] =
	"# fish completion for kuke: kuke autocomplete fish | source\n"
	"function __kuke_complete\n"
	"\tset -l words (commandline -opc)\n"
	"\tset -l cur (commandline -ct)\n"
	"\tset -l out ($words[1] __complete $words[2..-1] \"$cur\" 2>/dev/null)\n"
	"\tif test (count $out) -eq 0\n"
	"\t\t__fish_complete_path \"$cur\"\n"
	"\t\treturn\n"
	"\tend\n"
	"\tprintf '%%s\\n' $out\n"
	"end\n"
	"complete -c %s -f -a '(__kuke_complete)'\n";

int kuke_autocomplete(struct kuke_ctx *ctx, int arg, const struct kuke_flags *f, int argc,
		      char **argv, struct kk_err *err)
{
	(void)ctx, (void)arg, (void)f, (void)argc;
	if (!strcmp(argv[0], "bash"))
		printf(bash_script, "kuke");
	else if (!strcmp(argv[0], "zsh"))
		printf(zsh_script, "kuke", "kuke");
	else if (!strcmp(argv[0], "fish"))
		printf(fish_script, "kuke");
	else
		return kk_err_set(err, KK_EUSAGE, "autocomplete: unknown shell `%s`", argv[0]);
	return 0;
}
