/* common/accounts.h - add and remove system users and groups the way shadow-utils does.
 *
 * `groupadd --system NAME`, `useradd --system --gid GROUP --no-create-home --shell SHELL
 * NAME`, `userdel NAME` and `groupdel NAME`, done by hand so they work where those tools are
 * missing (an initramfs, a rescue shell, a minimal image) and against any tree: every path
 * is ROOT/etc/..., ROOT NULL or "/" meaning the host (like `useradd --root ROOT`).
 *
 * What is written matches what shadow-utils 4.13 writes (a unit test compares the two):
 *   /etc/group    NAME:x:GID:            (`!` in the password field when there is no gshadow)
 *   /etc/gshadow  NAME:!::               (only when /etc/gshadow exists)
 *   /etc/passwd   NAME:x:UID:GID::HOME/NAME:SHELL   (HOME from /etc/default/useradd, or /home)
 *   /etc/shadow   NAME:!:DAYS::::::      (only when /etc/shadow exists; DAYS since the epoch,
 *                                        from SOURCE_DATE_EPOCH when set)
 * New ids are the next free ones in SYS_GID_MIN..SYS_GID_MAX (SYS_UID_MIN..SYS_UID_MAX) of
 * /etc/login.defs, defaults 101..GID_MIN-1 (UID_MIN-1) with GID_MIN/UID_MIN 1000, counting
 * down from just below the lowest id in use in that range, as shadow-utils does.
 *
 * Locking is shadow-utils' own, so a concurrent useradd/vipw waits for us and we for it: an
 * fcntl write lock on /etc/.pwd.lock (lckpwdf), then for each of the four files
 * "FILE.lock" made by link(2) from "FILE.PID" holding our pid; a lock whose pid is dead is
 * stale and taken over. Each changed file is saved as "FILE-" (the previous content), the
 * new content written to "FILE+" with the old file's owner and mode, fsync'd and renamed over
 * FILE; the directory is fsync'd. A crash leaves each file old or new, never half written.
 *
 * Names are checked like shadow-utils' default rule: [a-z_][a-z0-9_-]*[$]?, at most 32. */
#ifndef KK_COMMON_ACCOUNTS_H
#define KK_COMMON_ACCOUNTS_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"

/* The system id range of ROOT/etc/login.defs (SYS_UID_MIN/MAX when USER, else
 * SYS_GID_MIN/MAX; defaults as above). A missing login.defs gives the defaults. */
int kk_accounts_sys_range(const char *root, bool user, uint32_t *min, uint32_t *max,
			  struct kk_err *err);

/* The shell a system account gets: the first of /usr/sbin/nologin, /sbin/nologin that exists
 * in ROOT, else /bin/false. A static string. */
const char *kk_accounts_nologin(const char *root);

/* groupadd --system NAME. Returns 1 when it created the group, 0 when a group NAME already
 * existed (nothing is written); *gid (may be NULL) is its gid either way. Fails with
 * EOVERFLOW when the system range is full, EBUSY when a lock is held by a live process for
 * longer than the wait (15 s, as shadow-utils), KK_EUSAGE for an invalid name. */
int kk_accounts_add_group(const char *root, const char *name, uint32_t *gid, struct kk_err *err);

/* useradd --system --gid GROUP --no-create-home --shell SHELL NAME. GROUP must exist (ENOENT
 * otherwise). Returns 1 when it created the user, 0 when a user NAME already existed
 * (nothing is written, whatever its gid or shell); *uid (may be NULL) is its uid either way. */
int kk_accounts_add_user(const char *root, const char *name, const char *group, const char *shell,
			 uint32_t *uid, struct kk_err *err);

/* userdel NAME: its passwd and shadow lines, and NAME in the member lists of group and the
 * admin and member lists of gshadow. The home directory, mail spool and a same-named group
 * are left alone (call kk_accounts_del_group for the group). Returns 1 when removed, 0 when
 * there was no such user (nothing is written). */
int kk_accounts_del_user(const char *root, const char *name, struct kk_err *err);

/* groupdel NAME: its group and gshadow lines. Refuses (EBUSY) while it is the primary group
 * of a user: "cannot remove the primary group of user `USER`". Returns 1 when removed, 0 when
 * there was no such group. */
int kk_accounts_del_group(const char *root, const char *name, struct kk_err *err);

#endif
