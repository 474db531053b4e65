/* common/tty/doc.h - kuketty's configuration: sbsh's TerminalDoc (runtime reference §8.2).
 *
 * The runtime renders one per attachable container (<container dir>/kuketty-metadata.json,
 * bind-mounted read-only at KK_TTY_CONFIG_PATH) from the container's resolved argv; kuketty
 * reads it back. The JSON is what upstream's Go encoder writes, so a Go kuketty reads ours
 * and ours reads theirs. */
#ifndef KK_COMMON_TTY_DOC_H
#define KK_COMMON_TTY_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define KK_TTY_API_VERSION "sbsh/v1beta1"
#define KK_TTY_KIND        "Terminal"
/* paths inside the container */
#define KK_TTY_BIN_PATH     "/.kukeon/bin/kuketty"
#define KK_TTY_CONFIG_PATH  "/.kukeon/kuketty/metadata.json"
#define KK_TTY_RUN_PATH     "/run/kukeon/tty"
#define KK_TTY_SOCKET_PATH  KK_TTY_RUN_PATH "/socket"
#define KK_TTY_CAPTURE_PATH KK_TTY_RUN_PATH "/capture"
/* what upstream runs when the container has no argv at all */
#define KK_TTY_DEFAULT_COMMAND "/bin/bash"

/* The fields kukeon sets and kuketty reads; everything else is written as upstream does
 * and ignored on read. Strings and vectors owned (NULL-terminated, NULL = none). */
struct kk_tty_doc {
	char *name;    /* metadata.name: the containerd id */
	char **labels; /* metadata.labels: key, value, key, value ... (empty values dropped) */
	char *id;      /* spec.id: 8 hex digits */
	char *tname;   /* spec.name: <adjective>_<name> */
	char *command; /* spec.command: argv[0] */
	char **args;   /* spec.commandArgs: argv[1..]; NULL when none */
	bool inherit_env;
	char **env; /* spec.env: "K=V" added to the inherited environment */
	char *prompt;
	bool set_prompt;
	char *run_path, *capture_file, *log_file, *log_level, *socket_io;
	uint32_t socket_mode, capture_mode, log_file_mode; /* 0: unset */
	int64_t socket_gid, capture_gid, log_file_gid;     /* -1: unset */
	char **on_init;                                    /* spec.stages.onInit[].script */
};

/* What the runtime knows about an attachable container. Borrowed. */
struct kk_tty_doc_params {
	const char *name; /* containerd id */
	const char *realm, *space, *stack, *cell, *container;
	const char *const *argv; /* the resolved process.args; NULL or empty: /bin/bash -i */
	size_t argc;
	const char *prompt;   /* tty.prompt; NULL: none */
	const char *log_file; /* tty.logFile; NULL: none */
	const char *const *on_init;
	size_t n_on_init;
	int64_t kukeon_gid; /* < 0: unknown (no socket/capture modes and groups) */
};

/* Fill *out as upstream's runner does (random id and name). */
void kk_tty_doc_make(const struct kk_tty_doc_params *p, struct kk_tty_doc *out);
/* The document as upstream writes it: 2-space indent, no trailing newline. A new string. */
char *kk_tty_doc_encode(const struct kk_tty_doc *doc);
/* Decode and check (apiVersion, kind, spec.socketIO required; spec.command defaults to
 * /bin/bash). what names the source in messages ("config `<path>`"). */
int kk_tty_doc_decode(const char *text, size_t len, const char *what, struct kk_tty_doc *out,
		      struct kk_err *err);
void kk_tty_doc_clear(struct kk_tty_doc *doc);

#endif
