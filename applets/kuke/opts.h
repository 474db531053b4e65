/* applets/kuke/opts.h - the flags of kuke commands, declared once in flags.def.
 *
 * A command names its flags by id (KF_REALM, KF_OUTPUT, ...); kuke_flags_parse() parses
 * exactly those into a struct kuke_flags, and kuke_flags_usage()/kuke_flags_help() print
 * exactly those, from the same rows.
 *
 * Accepts --name value, --name=value, -o value, -ovalue, -it (boolean short flags grouped),
 * and "--" to end flags. Flags
 * may come before or after positional arguments; on return argv[1..argc-1] holds only
 * the positionals (argv[0], the command word, stays). */
#ifndef KK_APPLETS_KUKE_OPTS_H
#define KK_APPLETS_KUKE_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "common/err.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

enum kuke_flag_id {
#define FLAG(id, name, short_name, type, field, value, req, def, help) KF_##id,
#include "applets/kuke/flags.def"
#undef FLAG
	KF_COUNT
};

/* Every value a command flag can set; which members a command fills depends on its flags.
 * A STRING points into argv (or is its row's default); a STRV is owned, freed by
 * kuke_flags_clear(). */
struct kuke_flags {
	const char *realm, *space, *stack, *cell, *output, *namespace_;
	const char *image, *command, *user, *memory, *cpu_shares, *pids_limit, *restart_policy,
		*cni_config_path;
	const char *container, *file, *profile, *name, *param_file, *from_docker, *platform;
	const char *kukeond_image, *server_config, *ns_suffix, *cgroup_root, *timeout;
	const char *scope, *cgroup_mount;
	char **args, **env, **volumes, **tmpfs, **cap_add, **cap_drop, **security_opts, **ports,
		**networks, **aliases, **labels, **params;
	bool show_controllers, cascade, force, read_only, privileged, root, follow, detach, rm,
		containerd, quiet, no_wait, force_regen_cni, purge_system;
	bool yes, probe, no_probe, nested, verbose_status;
	/* stats, events, status */
	const char *since;
	bool no_stream;
	bool interactive, tty, all_containers; /* exec, log (opscli) */
	const char *tail;                      /* log (opscli) */
	const char *since_time;                /* log */
	bool timestamps;                       /* log */
};

/* The n flags ids of one command. */
struct kuke_flag_set {
	const unsigned char *ids;
	size_t n;
};

/* Set each flag of set to its default, then parse and remove the flags of argv. A flag
 * not in set, or one missing its value, is a KK_EUSAGE error naming it. -h or --help
 * where a flag may stand (not as another flag's value, not after "--") is a KK_EHELP
 * "error": the caller prints help and succeeds. Call kuke_flags_clear() after, failed or
 * not. */
int kuke_flags_parse(struct kuke_flag_set set, struct kuke_flags *f, int *argc, char **argv,
		     struct kk_err *err);
void kuke_flags_clear(struct kuke_flags *f);

/* " [--realm R] [-o table|yaml|json]..." : the flags of set for a usage line. */
void kuke_flags_usage(FILE *out, struct kuke_flag_set set);
/* One line per flag of set: its names and value, meaning, default. */
void kuke_flags_help(FILE *out, struct kuke_flag_set set);
/* One line of a flags list: "  -v, --name VALUE" padded to a column, then help (on the
 * next line when the names are too long). */
void kuke_help_row(FILE *out, char short_name, const char *name, const char *value,
		   const char *help);

/* What shell completion needs of one flag row. */
struct kuke_flag_info {
	const char *name;  /* long name without "--" */
	const char *value; /* its value's name in usage ("" for a boolean) */
	const char *help;
	char short_name; /* 0 = none */
	bool takes_value;
};
void kuke_flag_info(enum kuke_flag_id id, struct kuke_flag_info *out);

#endif
