/* common/controller/local_internal.h - what the realm, space and stack files share: the
 * instance check and lock, the tail of a create (cgroup and commit), not-found errors and the
 * update and delete helpers. Internal to common/controller/. */
#ifndef KK_COMMON_CONTROLLER_LOCAL_INTERNAL_H
#define KK_COMMON_CONTROLLER_LOCAL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/controller/hierarchy.h"
#include "common/controller/local.h"
#include "common/err.h"
#include "common/model/model.h"
#include "common/store/store.h"

struct cJSON;
struct kk_doc;

/* The run path belongs to this configuration (or is new): checked once per process. */
int kk_local_instance(struct kk_local *l, struct kk_err *err);
/* Every write starts here: the instance checked, then ref's lock (its ancestors' shared)
 * until *held goes. */
int kk_local_lock(struct kk_local *l, const struct kk_store_ref *ref, struct kk_store **held,
		  struct kk_err *err);

/* The steps before a create of the space or stack at ref writes: a new one must leave room
 * for the ids of its cells (an existing one is kept), its parent must exist (checked before
 * anything, even the instance file, is written), then kk_local_lock(). */
int kk_local_create_lock(struct kk_local *l, const struct kk_store_ref *ref, struct kk_store **held,
			 struct kk_err *err);

/* The cgroup of a realm, space or stack (space/stack NULL for the levels above); free it. */
char *kk_local_cgroup_group(const struct kk_local *l, const char *realm, const char *space,
			    const char *stack);
/* Remove a group; a missing one is fine. Returns 1 if it was removed. */
int kk_local_cgroup_drop(struct kk_local *l, const char *group, struct kk_err *err);
/* The tail of every realm, space or stack create; ref names the object (its deepest level
 * gives the kind and name in messages). The level's cgroup is made or found and recorded in
 * st, doc's status, as refresh would find it (state ready); then doc is stored: the commit
 * point. o gets the cgroup flags, the post flags and created (from o->metadata_exists_pre,
 * which the caller sets). On failure the group goes only if this call made it: what existed
 * before stays. */
int kk_local_create_level(struct kk_local *l, const struct kk_store_ref *ref,
			  const struct kk_doc *doc, struct kk_status *st, int ready,
			  struct kk_level_outcome *o, struct kk_err *err);

/* A load's or an existence check's answer (1, 0, -1) where the object must be there: 0 becomes
 * ENOENT naming the missing object and its parents, in upstream's words. */
int kk_local_must_exist(int rc, const struct kk_store_ref *ref, struct kk_err *err);
/* The labels of an update: desired's, plus the managed keys stored that desired lacks. */
void kk_local_labels_update(struct kk_labels *stored, const struct kk_labels *desired);
/* EBUSY for a delete or purge of a parent that still has n children (`what`: "space(s)" ...). */
int kk_local_children_error(struct kk_err *err, const char *verb, const char *kind,
			    const char *name, size_t n, const char *what);
/* One child's delete or purge in a cascade: child of parent, its result in *sub. */
typedef int kk_local_child_remover(struct kk_local *l, const struct kk_store_ref *parent,
				   const char *child, bool purge, bool force,
				   struct kk_delete_result *sub, struct kk_err *err);
/* The children step of a parent's delete or purge (kind `kind` named name; children `what`:
 * "space(s)" ...): the stored children listed, refused with kk_local_children_error when
 * there are some and neither cascade nor force, the instance checked, then with cascade each
 * child removed with remove (counted in res->n_cascaded; a failure fails the whole), after
 * upstream's `<token>:<child>` Deleted tokens (token NULL: none). */
int kk_local_remove_children(struct kk_local *l, const struct kk_store_ref *ref, const char *kind,
			     const char *name, const char *what, const char *token, bool purge,
			     bool cascade, bool force, kk_local_child_remover *remove,
			     struct kk_delete_result *res, struct kk_err *err);

/* Upstream's Deleted/Purged tokens appended to *v, which is made non-nil even when none
 * are (a successful call sends []): `prefix:<name>` for each of names when prefix is set,
 * then each space-separated word of words when set. */
void kk_local_tokens(char ***v, const char *prefix, char *const *names, const char *words);

/* The cgroup step of a delete or purge: the group stored in the status (or, when there is
 * none, the derived one of ref) removed. A failure fails a delete and is ignored by a purge. */
int kk_local_remove_cgroup(struct kk_local *l, const char *kind, const struct kk_store_ref *ref,
			   const char *stored, bool purge, struct kk_delete_result *res,
			   struct kk_err *err);
/* The last step of a space or stack delete or purge: the metadata removed (a purge reports
 * whether there was any), then ref's whole directory. Then upstream's reply: the words of
 * deleted as Deleted tokens, those of purged as Purged ones for a purge, and for a delete
 * the names in ref (RealmName, SpaceName, StackName). */
int kk_local_remove_metadata(struct kk_local *l, const char *kind, const struct kk_store_ref *ref,
			     bool purge, const char *deleted, const char *purged,
			     struct kk_delete_result *res, struct kk_err *err);

/* A kind's create and get results (one owned document, the member named as the kind) and
 * its list: their _clear and _free functions. */
#define KK_LOCAL_DEFINE_RESULTS(kind)                                             \
	void kk_##kind##_create_result_clear(struct kk_##kind##_create_result *r) \
	{                                                                         \
		kk_##kind##_free(r->kind);                                        \
		memset(r, 0, sizeof(*r));                                         \
	}                                                                         \
	void kk_##kind##_get_result_clear(struct kk_##kind##_get_result *r)       \
	{                                                                         \
		kk_##kind##_free(r->kind);                                        \
		memset(r, 0, sizeof(*r));                                         \
	}                                                                         \
	void kk_##kind##_list_free(struct kk_##kind **v, size_t n)                \
	{                                                                         \
		for (size_t i = 0; i < n; i++)                                    \
			kk_##kind##_free(v[i]);                                   \
		free(v);                                                          \
	}

/* Take the space's network off the host (space.c): bridge, host-local store and CNI cache
 * entries as named by the conflist at path, or as create derives them when it is missing or
 * unreadable. Returns 1 if there was a conflist, 0 if not. */
int kk_space_network_teardown(struct kk_local *l, const char *realm, const char *space,
			      const char *path, struct kk_err *err);

#endif
