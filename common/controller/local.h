/* common/controller/local.h - the in-process controller and its store core: load, put, walk.
 *
 * struct kk_local is the in-process controller: the run path's store, the cgroup2 mount and
 * a containerd connection, opened on first use. One per process and run path (the store's
 * flock belongs to it). kukeond will hold one too; `kuke` reaches it only through the
 * client interface of client.h.
 *
 * Every mutating operation first verifies (or writes) the run path's instance file with the
 * namespace suffix and cgroup root in use: a run path bootstrapped with other values is
 * refused before anything is touched.
 *
 * Helpers the realm, space and stack files share are in local_internal.h. */
#ifndef KK_COMMON_CONTROLLER_LOCAL_H
#define KK_COMMON_CONTROLLER_LOCAL_H

#include <stdbool.h>
#include <stddef.h>

#include "common/cni/cni.h"
#include "common/err.h"
#include "common/log.h"
#include "common/model/model.h"

struct kk_store;
struct kk_cgroup;
struct ctr_conn;

struct kk_local_opts {
	const char *run_path;          /* required */
	const char *containerd_socket; /* required */
	const char *cgroup_mount;      /* NULL: /sys/fs/cgroup */
	const char *cgroup_root;       /* NULL: /kukeon */
	const char *ns_suffix;         /* NULL: kukeon.io */
	const struct kk_log *log;      /* borrowed; NULL = silent */
	const char *cni_plugin_path;   /* NULL: KK_CNI_DEFAULT_PLUGIN_PATH */
	const char *cni_cache_dir;     /* NULL: the compiled-in CNI cache dir */
	/* the kukeon system group, which owns attachable containers' tty dirs, sockets and
	 * captures: > 0 its gid (kukeond's --socket-gid); 0 look up the group `kukeon` in the
	 * host's /etc/group when a cell's runtime first opens (none: no group, as upstream
	 * without --socket-gid); < 0 none */
	long kukeon_gid;
	/* upstream's runner lines on stdout (`Creating containerd namespace '<ns>'` ...): called
	 * with each line, without its newline; NULL: none */
	void (*note)(void *arg, const char *line);
	void *note_arg;
	/* rewrite an existing space's conflist even when it looks right (kuke init
	 * --force-regenerate-cni) */
	bool force_regenerate_cni;
};

struct kk_store_ref;

struct kk_local {
	char *run_path, *containerd_socket, *cgroup_mount, *cgroup_root, *ns_suffix; /* owned */
	char *cni_plugin_path, *cni_cache_dir;                                       /* owned */
	const struct kk_log *log;
	struct kk_store *store;
	struct kk_cgroup *cg;  /* opened on first use */
	struct ctr_conn *conn; /* opened on first use */
	bool instance_ok;
	char **skipped;  /* what the last list passed over, unreadable: "<path>: <why>" */
	long kukeon_gid; /* as in kk_local_opts; resolved by kk_local_kukeon_gid() */
	bool kukeon_gid_resolved;
	void (*note)(void *arg, const char *line); /* as in kk_local_opts */
	void *note_arg;
	bool force_regenerate_cni;
};

/* Give l's note callback one line (printf format), when there is one. */
__attribute__((format(printf, 2, 3))) void kk_local_note(const struct kk_local *l, const char *fmt,
							 ...);

/* The kukeon group's gid (> 0), or 0 when there is none: the option, else the group
 * `kukeon` of the host's /etc/group, read once (a read error is logged and means none). */
long kk_local_kukeon_gid(struct kk_local *l);

/* Open l->cg (the cgroup2 mount) on first use, with l's logger. */
int kk_local_cgroup(struct kk_local *l, struct kk_err *err);
/* Connect to l's containerd socket with namespace ns (NULL: none); the connection logs the
 * errors it drops on purpose to l's logger. See ctr_connect(). */
int kk_local_connect(const struct kk_local *l, const char *ns, struct ctr_conn **out,
		     struct kk_err *err);

/* The CNI plugin path, cache dir and timeout l uses. */
struct kk_cni_host kk_local_cni_host(const struct kk_local *l);

/* Read and decode the metadata document at ref. Returns 1 with *out set (free it with the
 * kind's free function), 0 when there is none, -1 on error (err names the file). */
int kk_local_load_realm(struct kk_local *l, const struct kk_store_ref *ref, struct kk_realm **out,
			struct kk_err *err);
int kk_local_load_space(struct kk_local *l, const struct kk_store_ref *ref, struct kk_space **out,
			struct kk_err *err);
int kk_local_load_stack(struct kk_local *l, const struct kk_store_ref *ref, struct kk_stack **out,
			struct kk_err *err);
int kk_local_load_cell(struct kk_local *l, const struct kk_store_ref *ref, struct kk_cell **out,
		       struct kk_err *err);
/* Every object of the kind under filter (see kk_local_walk) with readable metadata, in store
 * order; unreadable ones are skipped, as upstream does. *out is a new array of *n objects
 * (free with kk_<kind>_list_free). */
int kk_local_list_realm(struct kk_local *l, const struct kk_store_ref *filter,
			struct kk_realm ***out, size_t *n, struct kk_err *err);
int kk_local_list_space(struct kk_local *l, const struct kk_store_ref *filter,
			struct kk_space ***out, size_t *n, struct kk_err *err);
int kk_local_list_stack(struct kk_local *l, const struct kk_store_ref *filter,
			struct kk_stack ***out, size_t *n, struct kk_err *err);
int kk_local_list_cell(struct kk_local *l, const struct kk_store_ref *filter, struct kk_cell ***out,
		       size_t *n, struct kk_err *err);
/* Write tree (taken: freed here) as ref's metadata.json, indented as upstream writes it. */
int kk_local_put(struct kk_local *l, const struct kk_store_ref *ref, struct cJSON *tree,
		 struct kk_err *err);

/* The store refs `depth` levels down (1 realm, 2 space, 3 stack, 4 cell), in store order: what
 * the list operations walk. A name set in filter takes that level to that one name, unchecked.
 * A level that cannot be listed fails the walk, or with skip_bad_leaf is passed over when it
 * is the last one (cells, as upstream's cell list). The refs point into names. */
struct kk_ref_walk {
	struct kk_store_ref *v;
	size_t n;
	char **names; /* owned */
};
int kk_local_walk(struct kk_local *l, const struct kk_store_ref *filter, int depth,
		  bool skip_bad_leaf, struct kk_ref_walk *out, struct kk_err *err);
void kk_ref_walk_clear(struct kk_ref_walk *w);

/* Copies the options; checks suffix and cgroup root as upstream's ConfigureRuntime. */
int kk_local_new(const struct kk_local_opts *opts, struct kk_local **out, struct kk_err *err);
void kk_local_free(struct kk_local *l);
void kk_local_freep(struct kk_local **l);

#endif
