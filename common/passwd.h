/* common/passwd.h - read /etc/passwd and /etc/group directly, never through NSS.
 *
 * The static binary must not call getpwnam() and friends, and the files of interest
 * usually belong to an image rootfs, not to the host. Parsing is streaming (one line in
 * memory at a time, so a huge file costs no memory), and forgiving the way libc is:
 * blank lines, `#` comments and lines too short or with a non-numeric id are skipped.
 * Fields are split on `:`; the first matching entry wins. */
#ifndef KK_COMMON_PASSWD_H
#define KK_COMMON_PASSWD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/err.h"

/* An entry and its strings are one allocation, like getpwnam_r's buffer: the string
 * members point into the entry's own storage (kk_passwd_free/kk_group_free is one free()). */
struct kk_passwd {
	const char *name;
	uint32_t uid;
	uint32_t gid;
	const char *home;  /* "" when the line has no such field */
	const char *shell; /* "" when the line has no such field */
	char strings[];
};

struct kk_group {
	const char *name;
	uint32_t gid;
	size_t n_members;
	const char *members[]; /* NULL-terminated; empty names are dropped */
};

/* Open PATH (e.g. "/etc/passwd") of the filesystem tree at ROOT for reading, resolving
 * every symlink inside ROOT (openat2 RESOLVE_IN_ROOT), so an image cannot point the
 * lookup at a host file; where openat2 is missing, symlinks and ".." are refused. ROOT NULL or "/"
 * opens PATH on the host. On failure err->code is the errno (ENOENT when the file does not exist). */
int kk_root_fopen(const char *root, const char *path, FILE **out, struct kk_err *err);

/* Find the first passwd entry named NAME (when NAME is non-NULL) or else with UID.
 * Returns 1 and sets *out (free with kk_passwd_free) when found, 0 when not found,
 * -1 on a read error. */
int kk_passwd_find(FILE *f, const char *name, uint32_t uid, struct kk_passwd **out,
		   struct kk_err *err);
void kk_passwd_free(struct kk_passwd *pw);
void kk_passwd_freep(struct kk_passwd **pw);

/* Find the first group named NAME (when non-NULL) or else with GID; same returns as
 * kk_passwd_find. */
int kk_group_find(FILE *f, const char *name, uint32_t gid, struct kk_group **out,
		  struct kk_err *err);
void kk_group_free(struct kk_group *gr);
void kk_group_freep(struct kk_group **gr);

/* The gids of every group listing USER as a member, in file order, skipping a group
 * named USER itself (the user's own group is the primary gid, not a supplementary one).
 * *gids is a new array (free() it; NULL when *n is 0). */
int kk_group_member_gids(FILE *f, const char *user, uint32_t **gids, size_t *n, struct kk_err *err);

/* Parse a decimal id ("0".."4294967295", digits only). Returns 0 and sets *out, or -1
 * (no err: callers word their own message). */
int kk_parse_id(const char *s, uint32_t *out);

/* Split line (modified in place) on ':' into at most max fields (the last keeps any further
 * colons); returns how many. The /etc account files' one field rule. */
size_t kk_passwd_split(char *line, char **fields, size_t max);

#endif
