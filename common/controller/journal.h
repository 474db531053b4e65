/* common/controller/journal.h - the create/delete journal of cells and of the containers
 * created in or deleted from a cell one by one (issue 15's saga).
 *
 * Before the first side effect of a cell create (one with no metadata yet) or of a cell
 * delete or purge, an intent record is written, durably (temp file, fsync, rename, fsync of
 * the directory), at
 *
 *   <run>/.journal/<realm>_<space>_<stack>_<cell>.cell
 *
 *   kukeon-journal 1 cell create|delete <realm> <space> <stack> <cell>
 *   step cell-create:cgroup                 one line per step done, appended
 *
 * and removed when the operation is over (done, or failed and undone). A container's
 * (`kuke create|delete|purge container`, apply of a Container) is
 *
 *   <run>/.journal/<realm>_<space>_<stack>_<cell>_<container>.container
 *   kukeon-journal 1 container create|delete <realm> <space> <stack> <cell> <container>
 *
 * written only when the operation touches the host (a create in a running cell, a delete).
 * Names cannot hold
 * '_' or '/', so the file name alone says which cell a record is about, even when its
 * content is lost. The record is only touched under the cell's store lock, and a writer
 * holds that lock from before the record is written until it is removed: a record whose
 * lock is free belongs to a writer that died.
 *
 * Recovery is by names, the same whatever step the writer reached, so it converges from
 * any point (the runtime's purge is idempotent):
 *   create, and the cell has no metadata   rolled back: the cell purged by its names
 *   create, and the metadata is there      it was committed: the record goes, the cell stays
 *   delete (or purge)                      rolled forward: the cell purged by its names
 *   unreadable or corrupt record           reported in one line; rolled back as a create
 * and for a container, under its cell's lock:
 *   create, and the cell declares it       it was committed: the record goes
 *   create, not declared                   rolled back: its containerd container, task,
 *                                          snapshot, lease and run-path directory removed
 *   delete (or purge)                      rolled forward: the same, and it leaves the spec
 * A cell's runs on the next create, delete or purge of that cell; a container's on the next
 * command that locks its cell (a delete or purge of that same container finishes it
 * itself); both for every record nobody holds on `kuke refresh` and on each kukeond
 * reconcile pass. A cell's delete or purge drops its containers' records. */
#ifndef KK_COMMON_CONTROLLER_JOURNAL_H
#define KK_COMMON_CONTROLLER_JOURNAL_H

#include "common/controller/hierarchy.h"
#include "common/err.h"
#include "common/store/store.h"

#define KK_JOURNAL_DIR ".journal"

struct kk_journal;

/* Write the intent record of op ("create" or "delete") on cell ref (all four names set),
 * durably; the caller holds ref's lock. On success *out is the open record: pass it to
 * kk_journal_step as the runtime's step hook, and end it with kk_journal_end(). */
int kk_journal_begin(struct kk_local *l, const struct kk_store_ref *ref, const char *op,
		     struct kk_journal **out, struct kk_err *err);
/* The same for container of cell ref. */
int kk_journal_container_begin(struct kk_local *l, const struct kk_store_ref *ref,
			       const char *container, const char *op, struct kk_journal **out,
			       struct kk_err *err);
/* The runtime's step hook (struct kk_rt's step; arg is the kk_journal, NULL: none): appends
 * "step <point>" to the record, then passes point to kk_fault (common/fault.h). */
int kk_journal_step(void *arg, const char *point, struct kk_err *err);
/* The operation is over: the record is removed and j freed. NULL is fine. */
void kk_journal_end(struct kk_journal *j);

/* Under ref's lock: recover the records of ref's containers, then ref's, if any (see above). 0
 * none, 1 recovered, -1 the roll back or forward failed (the record stays for the next try). *note
 * (may be NULL) gets a new line when the record was corrupt; the error says which cell and why. */
int kk_journal_recover(struct kk_local *l, const struct kk_store_ref *ref, char **note,
		       struct kk_err *err);
/* Under ref's lock: 1 when ref has a record (an unfinished create or delete), else 0. */
int kk_journal_exists(struct kk_local *l, const struct kk_store_ref *ref);
/* Under ref's lock: 1 when container of cell ref has a record, else 0. */
int kk_journal_container_exists(struct kk_local *l, const struct kk_store_ref *ref,
				const char *container);
/* Under ref's lock: recover the records of ref's containers but skip's (NULL: all); a
 * failure is logged and the record stays. Returns how many failed. */
int kk_journal_recover_containers(struct kk_local *l, const struct kk_store_ref *ref,
				  const char *skip);
/* Under ref's lock, after the cell is gone from the host: its containers' records removed. */
void kk_journal_drop_containers(struct kk_local *l, const struct kk_store_ref *ref);
/* Every record whose cell lock is free (its writer died), recovered. *done gets
 * "realm/space/stack/cell" (a container's: ".../<container>") of each one, *failed one line for
 * each that could not be (or was corrupt); NULL-terminated, NULL when empty. Fails only when the
 * directory cannot be read. */
int kk_journal_recover_all(struct kk_local *l, char ***done, char ***failed, struct kk_err *err);

#endif
