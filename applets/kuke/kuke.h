/* applets/kuke/kuke.h - what every kuke command handler shares. */
#ifndef KK_APPLETS_KUKE_KUKE_H
#define KK_APPLETS_KUKE_KUKE_H

#include <stdbool.h>

#include "common/err.h"
#include "common/log.h"
#include "common/model/doc.h"
#include "applets/kuke/opts.h"
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
	/* given as a flag (not from the environment, configuration or default): `kuke init`
	 * layers its server configuration under those only */
	bool run_path_flag, containerd_socket_flag, log_level_flag;
	struct kk_log log; /* writes to stdout with -v, as upstream; silent otherwise */
	int exit_status;   /* what kuke exits with when the handler succeeds (kuke run: the
			    * workload's status) */
};

/* What a commands.def row's argument carries for the handlers shared by the verbs of a
 * kind (kuke_hierarchy, kuke_cell, kuke_container): the kind and the operation. */
enum kuke_op {
	KUKE_OP_NONE,
	KUKE_OP_CREATE,
	KUKE_OP_GET,
	KUKE_OP_START,
	KUKE_OP_STOP,
	KUKE_OP_KILL,
	KUKE_OP_DELETE,
	KUKE_OP_PURGE,
};
#define KUKE_ARG(kind, op) ((int)(kind) << 8 | (int)(op))
static inline enum kk_kind kuke_arg_kind(int arg)
{
	return (enum kk_kind)(arg >> 8);
}
static inline enum kuke_op kuke_arg_op(int arg)
{
	return (enum kuke_op)(arg & 0xff);
}
/* "start", "stop" ... (the canonical verb) and "Started", "Stopped" ... of an operation. */
const char *kuke_op_verb(enum kuke_op op);
const char *kuke_op_done(enum kuke_op op);

/* A command: arg is its row's argument; f holds the flags its row names, parsed (with
 * their defaults) before the call; argv[0] is the verb for verb-only rows, else the
 * resource, and argv[1..argc-1] the positional arguments. */
typedef int kuke_handler(struct kuke_ctx *ctx, int arg, const struct kuke_flags *f, int argc,
			 char **argv, struct kk_err *err);

/* Helpers every handler shares (kuke.c). */
#define KUKE_DEFAULT_SCOPE "default"
/* s, or "default" when NULL or "" (what an unset --realm/--space/--stack means). */
const char *kuke_or_default(const char *s);
struct kk_ref;
/* What NAME (in cell CELL, for a container; NULL for a cell) is in the scope the
 * --realm/--space/--stack flags name, each "default" when unset; the strings are borrowed. */
struct kk_ref kuke_ref(const struct kuke_flags *f, const char *cell, const char *name);
/* --FLAG T: a Go duration back from now (durations only) or an RFC 3339 time, in Unix ns;
 * else the usage error "invalid --FLAG `T`: want ...". */
int kuke_parse_since(const char *flag, const char *s, bool durations, int64_t *out,
		     struct kk_err *err);
/* s, or NULL when "" (an unset filter). */
const char *kuke_or_null(const char *s);
/* "Additional resources purged: [a b]" on stdout, when there are any (upstream's %v). */
void kuke_print_purged(char **items);
/* "  - <what>: created|already existed|missing", one step of a create's report. */
void kuke_print_outcome(const char *what, bool created, bool pre, bool post);
/* A usage error unless argv holds one argument after the command (at most one when
 * at_most): "<verb>[ <noun>]: accepts [at most ]1 arg(s), received N". */
int kuke_want_args(int argc, bool at_most, const char *verb, const char *noun, struct kk_err *err);

/* One row of commands.def (see there). */
struct kuke_cmd {
	const char *verb;
	const char *verb_aliases; /* space-separated */
	const char *resource;     /* NULL: the verb takes no resource word */
	const char *resource_aliases;
	kuke_handler *fn;
	int arg;
	struct kuke_flag_set flags;
	const char *args;
	const char *summary;
	const char *example;
};

/* The command table, in commands.def's order; *n its length. */
const struct kuke_cmd *kuke_commands(size_t *n);
/* Is word the name or one of the space-separated aliases? */
bool kuke_word_matches(const char *word, const char *name, const char *aliases);

/* The global flag at index i (false past the last): its long name, whether it takes a
 * value, and its help line. */
bool kuke_global_flag(size_t i, const char **name, bool *takes_value, const char **help);

/* `kuke __complete WORD... CUR` (complete.c): the candidates for CUR after the words
 * (global flags already taken out of them), one a line, "word\tdescription" where there
 * is one; nothing when there are none. Never fails: a store it cannot read has no names. */
int kuke_complete(struct kuke_ctx *ctx, int argc, char **argv, const char *cur);

#define CMD(verb, verb_aliases, resource, resource_aliases, fn, arg, flags, args, summary, \
	    example)                                                                       \
	kuke_handler fn;
#include "applets/kuke/commands.def"
#undef CMD

#endif
