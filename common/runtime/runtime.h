/* common/runtime/runtime.h - cells and containers on the host: containerd containers and
 * tasks, the cell cgroup, CNI for the root container, the managed /etc files, status.
 *
 * A library for the controller. It takes fully derived inputs (names, containerd ids,
 * cgroup paths, the cell dir) and writes no metadata: what it learns (pids, the cell IP,
 * container statuses) comes back in out-params.
 *
 * Life of a cell (reference §3.2-§3.4, §4):
 *   kk_rt_cell_start   the space's egress policy checked (fail closed), cgroup (+
 *                      delegation), /etc/hostname and /etc/hosts under cell_dir, root
 *                      container + task, CNI ADD into its netns, /etc/hosts with the cell
 *                      IP, the containers' `ports` published to it (one iptables batch),
 *                      then every other container joining the root's net/ipc/uts
 *                      namespaces. Containers that exist are reused; a stopped task is
 *                      deleted and a new one started (restartCount + 1). On failure
 *                      everything this call made is undone.
 *   kk_rt_cell_stop    SIGTERM, grace, SIGKILL for each non-root task, published ports
 *                      removed, CNI DEL, then the root. Stopped tasks are kept so status
 *                      shows exit codes ...
 *   kk_rt_cell_kill    SIGKILL to every task (CNI DEL first, while the netns lives), then
 *                      wait (KK_RT_KILL_WAIT_MS) until they are reported stopped.
 *   kk_rt_cell_release ... until the caller has recorded them: then this deletes every
 *                      stopped task, so a stopped cell holds no shim process.
 *   kk_rt_cell_delete  published ports, CNI DEL, tasks, containers, snapshots, staged
 *                      secrets, etc files, cgroup.
 *   kk_rt_cell_purge   delete, ignoring errors, plus orphaned containerd containers of the
 *                      cell (by labels and id prefix), the CNI cache entry and host-local
 *                      IPs (even with the netns gone), the cell's shim if one is left (a
 *                      create killed during a member's task create), and the cgroup
 *                      subtree (killed).
 *
 * Errors name the resource and the field: "cell `web`: container `api`: volumes[0]: bind
 * source `/nope` does not exist". */
#ifndef KK_COMMON_RUNTIME_RUNTIME_H
#define KK_COMMON_RUNTIME_RUNTIME_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/oci/oci.h"

struct ctr_conn;
struct ctr_container;
struct ctr_mounts;
struct kk_cgroup;
struct kk_cell;
struct kk_cni_host;
struct kk_container_spec;
struct kk_container_status;
struct kk_egress_policy;
struct kk_labels;
struct kk_log;
struct kk_space_container_defaults;

/* upstream's grace period between SIGTERM and SIGKILL, and the wait after SIGKILL */
#define KK_RT_STOP_TIMEOUT_MS 5000
#define KK_RT_KILL_WAIT_MS    5000
/* where secrets with a mountPath are staged: <dir>/<containerd id>/<name>, 0400 */
#define KK_RT_SECRETS_DIR "/run/kukeon/secrets"
/* the default root container (reference §5.2), minus the image: see kk_rt_cell.root_image */
#define KK_RT_ROOT_ID "root"
/* containerd's runc v2 shim serves every task whose spec carries the same value of this
 * annotation from one process (containerd's runc shim manager picks its socket by it) */
#define KK_RT_ANNOTATION_SHIM_GROUP "io.containerd.runc.v2.group"
/* container labels this library keeps (restart count and the last start time) */
#define KK_RT_LABEL_RESTARTS   "kukeon.io/restart-count"
#define KK_RT_LABEL_STARTED_AT "kukeon.io/started-at"

/* What the runtime works with. Borrowed; conn carries the realm's namespace. Calls on one
 * kk_rt must not run concurrently: a create sets the connection's lease for a moment
 * (serialise per realm, or give each thread its own connection). */
struct kk_rt {
	struct ctr_conn *conn;
	const struct kk_cgroup *cg;
	const struct kk_cni_host *cni;
	const char *snapshotter;  /* NULL: "overlayfs" */
	const char *secrets_dir;  /* NULL: KK_RT_SECRETS_DIR */
	const char *scratch_dir;  /* where an image rootfs is mounted for user lookups (a
				   * private dir made and removed per use); NULL: "/run/kukeon" */
	const struct kk_log *log; /* errors dropped on purpose (undo steps, lookups whose
				   * failure means "absent") at debug level; NULL: silent */
	const char *run_path;     /* kuketty is staged at <run_path>/bin/kuketty for attachable
				   * containers; NULL: they cannot be created */
	long kukeon_gid;          /* > 0: the group of tty dirs, sockets and captures */
	/* told as each named step of a cell or container create, stop or delete is done
	 * (the controller's journal); NULL: none. kk_rt_step calls it, then kk_fault. */
	int (*step)(void *arg, const char *point, struct kk_err *err);
	void *step_arg;
};

/* The file staged as kuketty (at <run path>/bin/kuketty) for attachable containers, into
 * buf (size bytes): this binary ("/proc/self/exe") when it is static; otherwise (a sanitizer
 * build, which the images kuketty runs in cannot load) the static file named by
 * $KUKEON_KUKETTY_BIN, else a static `kuketty` beside this binary (the kukeond image of a
 * sanitizer build carries one). ENOEXEC when there is none. */
int kk_rt_kuketty_source(char *buf, size_t size, struct kk_err *err);

/* rt's snapshotter: rt->snapshotter, else "overlayfs". */
const char *kk_rt_snapshotter(const struct kk_rt *rt);

/* A named step (common/fault.h's points) is done: rt's step hook, then kk_fault. */
int kk_rt_step(const struct kk_rt *rt, const char *point, struct kk_err *err);

/* What kk_rt_container_create made: the record as stored and its snapshot's mounts, for
 * the start that follows (it takes them over instead of reading them back). */
struct kk_rt_made {
	struct ctr_container *rec; /* owned */
	struct ctr_mounts *mounts; /* owned */
};
void kk_rt_made_clear(struct kk_rt_made *made);

/* What a start knows of a container's record before it asks containerd. */
enum kk_rt_record {
	KK_RT_RECORD_UNKNOWN, /* look it up: reuse it, or create it when missing */
	KK_RT_RECORD_ABSENT,  /* there is none: create it */
	/* kk_rt_container_create made it in this same operation, just before the start: it
	 * has no task, and its start labels are written */
	KK_RT_RECORD_FRESH,
};

/* One container, fully derived. Borrowed. */
struct kk_rt_container {
	const char *id;                       /* containerd id */
	const char *name;                     /* spec id, for messages; NULL: id */
	const struct kk_container_spec *spec; /* image, command, volumes ... (model) */
	/* space spec.defaults.container, merged shallowly (container values win;
	 * capabilities, securityOpts, tmpfs and resources replaced whole); NULL: none */
	const struct kk_space_container_defaults *defaults;
	bool root;
	const char *hostname;    /* UTS hostname (root: the cell id) */
	const char *cell_cgroup; /* the cell's cgroup: cgroupsPath is <cell_cgroup>/<id> */
	struct kk_oci_identity identity;
	const char *etc_hosts;          /* bind-mounted read-only at /etc/hosts; NULL: none */
	const char *etc_hostname;       /* bind-mounted read-only at /etc/hostname; NULL: none */
	const char *log_path;           /* stdout+stderr appended here; NULL: no IO. An
					 * attachable container (spec->attachable, not root) has
					 * no IO: kuketty's files go in this file's directory */
	const struct kk_labels *labels; /* containerd labels (kk_labels_root_container ...) */
	const char *cni_config_path;    /* annotation io.kukeon.cni.config; NULL: none */
	/* annotation KK_RT_ANNOTATION_SHIM_GROUP: containerd's runc v2 shim runs the tasks of
	 * every container with the same value in one shim process (a cell's: its root's
	 * containerd id); NULL: a shim of its own */
	const char *shim_group;
	/* what the caller knows of its containerd record, so a start asks no more */
	enum kk_rt_record record;
	/* KK_RT_RECORD_FRESH: what the create made (the start empties it); NULL: read back */
	struct kk_rt_made *made;
	/* its processes move to the `_payload` leaf after the start, not before: for a
	 * workload that makes no cgroup of its own (a cell's default root, `sleep`), so the
	 * move is off the path of the members that begin at its gate */
	bool relocate_late;
	/* a cgroup2 mount at /sys/fs/cgroup (unless hostCgroup) and, once the task runs, every
	 * controller of the mount root enabled in its own cgroup (processes in `_payload`) */
	bool nested_cgroup_runtime;
};

/* Check the spec without side effects: image set, volumes (target absolute; bind source
 * absolute and existing; tmpfs without source; known kind), secrets, and the whole OCI
 * spec build (capabilities, securityOpts, sizes, resources) minus the image. */
int kk_rt_container_validate(const struct kk_rt_container *c, struct kk_err *err);

/* Build the OCI spec as create stores it (image config read from containerd, rootfs
 * mounted for user lookups). *out is a new cJSON object. For tests and `kuke get -o`. */
int kk_rt_container_spec(const struct kk_rt *rt, const struct kk_rt_container *c, uint32_t join_pid,
			 struct cJSON **out, struct kk_err *err);

/* Create the containerd container: snapshot from the image (which must be in the
 * namespace; nothing is pulled), spec, labels (the restart labels of a first start
 * included: restart count 0, started now). EEXIST if the id is taken. Undone on failure
 * (no snapshot, no container, no staged secret left). made (may be NULL): filled on
 * success, for the start that follows; clear it with kk_rt_made_clear. */
int kk_rt_container_create(const struct kk_rt *rt, const struct kk_rt_container *c,
			   struct kk_rt_made *made, struct kk_err *err);

/* Start the container's task, creating the container first if it does not exist. A
 * running task is kept (its pid returned); a stopped one is deleted and replaced
 * (restart count + 1). join_pid != 0: join that process's net, ipc and uts namespaces
 * (the cell's root task). *pid may be NULL. On failure the task, and the container if
 * this call created it, are removed. */
int kk_rt_container_start(const struct kk_rt *rt, const struct kk_rt_container *c,
			  uint32_t join_pid, uint32_t *pid, struct kk_err *err);

/* kk_rt_container_start, with gate(gate_arg, pid of the created task) called between the
 * task's creation and its start (only when a new task is created): a gate that fails undoes
 * the start with its error. The cell uses it to begin its network as soon as the root's
 * namespaces exist, and to finish it while runc creates the other tasks. */
typedef int kk_rt_gate_fn(void *arg, uint32_t pid, struct kk_err *err);
int kk_rt_container_start_gated(const struct kk_rt *rt, const struct kk_rt_container *c,
				uint32_t join_pid, kk_rt_gate_fn *gate, void *gate_arg,
				uint32_t *pid, struct kk_err *err);

/* SIGTERM, wait up to timeout_ms (<= 0: KK_RT_STOP_TIMEOUT_MS), then SIGKILL and wait
 * KK_RT_KILL_WAIT_MS. The stopped task is kept (status shows its exit until the caller
 * has recorded it and calls kk_rt_container_release). A missing container or task, or one
 * not running, is success. */
int kk_rt_container_stop(const struct kk_rt *rt, const char *id, int timeout_ms,
			 struct kk_err *err);

/* Send signal to the task's processes now; no wait. No task: ENOENT. */
int kk_rt_container_kill(const struct kk_rt *rt, const char *id, int signal, struct kk_err *err);

/* Delete the task when it is stopped (or created and never started), so no shim is left;
 * the containerd container stays, and a start makes a new task. A running task, or none,
 * is left as it is (success). Record the exit status first: it goes with the task. */
int kk_rt_container_release(const struct kk_rt *rt, const char *id, struct kk_err *err);
/* End the shim started for task id (in rt's namespace; found in /proc by its -namespace
 * and -id) and wait for it: one that outlived a containerd restart during a create, with no
 * container in it (a task create refused "already exists"), or a cell's shim left with
 * no task of the cell (a purge). containerd then cleans its bundle up. 1 when one was
 * ended, 0 when none was found. */
int kk_rt_shim_reap(const struct kk_rt *rt, const char *id);

/* Delete id's task, which must not be running; none is success. So is containerd's
 * `ttrpc: closed` once it knows no such task: the shim a cell's tasks share shut down under
 * the call (it exits when its last task goes, and may before it answers). */
int kk_rt_task_delete(const struct kk_rt *rt, const char *id, struct kk_err *err);

/* Remove task (killed if running), snapshot, container and staged secrets. A missing one
 * is success. */
int kk_rt_container_delete(const struct kk_rt *rt, const char *id, struct kk_err *err);

/* Status from containerd (reference §5.4, plus what upstream leaves empty): task running
 * -> Ready, created -> Pending, stopped -> Stopped, paused -> Paused, pausing -> Pausing,
 * other -> Unknown; no container or no task (released) -> Stopped, without finishTime or
 * exit: those were recorded before the release. startTime, finishTime, exitCode,
 * exitSignal (exit status above 128: "SIGKILL" ...) and restartCount are filled.
 * out->name and out->id are set to name/id. *pid (may be NULL) is the task's pid or 0. A
 * containerd error fails (the caller records Unknown). */
int kk_rt_container_status(const struct kk_rt *rt, const char *id, const char *name,
			   struct kk_container_status *out, uint32_t *pid, struct kk_err *err);

/* ---- cells ---------------------------------------------------------------------------- */

/* One cell, fully derived. Borrowed. */
struct kk_rt_cell {
	const char *realm, *space, *stack;
	const char *cell;    /* spec.id: containerd ids, hostname, KUKEON_CELL_NAME */
	const char *name;    /* metadata.name (root label kukeon.io/cell-name); NULL: cell */
	const char *profile; /* KUKEON_CELL_PROFILE_NAME; NULL: none */
	const struct kk_labels *labels; /* cell metadata labels (copied onto the root) */
	const struct kk_container_spec *containers;
	size_t n_containers;
	const char *root_container_id; /* spec.rootContainerId; NULL: the root:true one */
	const struct kk_space_container_defaults *defaults;
	/* image of the default root container (id `root`, `sleep infinity`) when the cell has
	 * no root container; NULL: the first container's image. Never pulled. */
	const char *root_image;
	const char *cgroup_path;   /* the cell's cgroup */
	const char *cell_dir;      /* <runPath>/data/<r>/<s>/<st>/<cell>: etc-hosts, etc-hostname,
				    * <container>/log */
	const char *conflist_path; /* the space's CNI conflist; NULL: no CNI (host network) */
	int stop_timeout_ms;       /* <= 0: KK_RT_STOP_TIMEOUT_MS */
	/* the space's spec.network.egress: a cell starts only while it is enforced (fail
	 * closed; installed again if missing); NULL: none */
	const struct kk_egress_policy *egress;
	bool nested_cgroup_runtime; /* spec.nestedCgroupRuntime: every controller delegated */
};

/* The strings kk_rt_cell_from_model() derives; owned. */
struct kk_rt_cell_paths {
	char *cell_dir;      /* <run_path>/data/<realm>/<space>/<stack>/<cell name> */
	char *cgroup_path;   /* status.cgroupPath, else <cgroup_root>/<r>/<s>/<st>/<cell name> */
	char *conflist_path; /* <run_path>/data/<realm>/<space>/network.conflist */
};
/* Fill *out from a v1beta1 Cell (spec.realmId/spaceId/stackId, spec.id or the name,
 * labels, containers, rootContainerId) and the host paths. *out borrows from cell, defaults,
 * root_image and *paths: keep them alive while using it. cgroup_root NULL: "/kukeon". */
void kk_rt_cell_from_model(const struct kk_cell *cell, const char *run_path,
			   const char *cgroup_root,
			   const struct kk_space_container_defaults *defaults,
			   const char *root_image, struct kk_rt_cell *out,
			   struct kk_rt_cell_paths *paths);
void kk_rt_cell_paths_clear(struct kk_rt_cell_paths *paths);

/* What kk_rt_cell_start/_status report. */
struct kk_rt_cell_info {
	char ip[INET_ADDRSTRLEN];               /* the cell's IPv4, "" if none */
	uint32_t root_pid;                      /* 0 when the root task does not run */
	bool root_existed;                      /* kk_rt_cell_start: the root existed before */
	char *root_id;                          /* owned: the root's containerd id */
	struct kk_container_status *containers; /* owned: root first, then spec order */
	bool *has_task; /* owned, per container: containerd still has its task (running or
			 * exited by itself); false once stop, kill or release removed it */
	size_t n_containers;
	int state; /* enum kk_cell_state, derived as reference §5.4 */
};
void kk_rt_cell_info_clear(struct kk_rt_cell_info *info);

/* Check a cell without side effects: names, container ids (duplicates), at most one root,
 * rootContainerId, every container (kk_rt_container_validate). */
int kk_rt_cell_validate(const struct kk_rt_cell *cell, struct kk_err *err);

/* Validate, then bring the cell up (see the top of this file). info may be NULL. */
int kk_rt_cell_start(const struct kk_rt *rt, const struct kk_rt_cell *cell,
		     struct kk_rt_cell_info *info, struct kk_err *err);
int kk_rt_cell_stop(const struct kk_rt *rt, const struct kk_rt_cell *cell, struct kk_err *err);
int kk_rt_cell_kill(const struct kk_rt *rt, const struct kk_rt_cell *cell, struct kk_err *err);
int kk_rt_cell_release(const struct kk_rt *rt, const struct kk_rt_cell *cell, struct kk_err *err);
int kk_rt_cell_delete(const struct kk_rt *rt, const struct kk_rt_cell *cell, struct kk_err *err);
int kk_rt_cell_purge(const struct kk_rt *rt, const struct kk_rt_cell *cell, struct kk_err *err);
/* Statuses of the root and every container, the cell IP (from the CNI cache) and the
 * derived cell state. */
int kk_rt_cell_status(const struct kk_rt *rt, const struct kk_rt_cell *cell,
		      struct kk_rt_cell_info *info, struct kk_err *err);

/* One container of the cell, by its spec id (the root is refused with upstream's
 * "root container cannot be started directly, start the cell instead using 'kuke start
 * cell <c>'"). Start needs the root task running (ESRCH otherwise) and joins it; it
 * creates the containerd container if missing. Stop, kill, release and delete as the
 * kk_rt_container_* calls. ENOENT for a name the cell does not have. */
int kk_rt_cell_container_start(const struct kk_rt *rt, const struct kk_rt_cell *cell,
			       const char *name, uint32_t *pid, struct kk_err *err);
int kk_rt_cell_container_stop(const struct kk_rt *rt, const struct kk_rt_cell *cell,
			      const char *name, struct kk_err *err);
int kk_rt_cell_container_kill(const struct kk_rt *rt, const struct kk_rt_cell *cell,
			      const char *name, int signal, struct kk_err *err);
int kk_rt_cell_container_release(const struct kk_rt *rt, const struct kk_rt_cell *cell,
				 const char *name, struct kk_err *err);
int kk_rt_cell_container_delete(const struct kk_rt *rt, const struct kk_rt_cell *cell,
				const char *name, struct kk_err *err);

/* The containerd id of a cell container (root or not), as kk_rt_cell_* use. */
int kk_rt_cell_container_id(const struct kk_rt_cell *cell, const struct kk_container_spec *c,
			    char **out, struct kk_err *err);

/* ---- logs ----------------------------------------------------------------------------- */

/* "<cell_dir>/<container>/log" (reference §8.5). A new string. */
char *kk_rt_log_path(const char *cell_dir, const char *container);

/* Copy the file at path to fd from offset *pos (0: the start) to its end; *pos moves on.
 * With follow, keep polling every interval_ms for appended bytes until stop(arg) returns
 * true (checked between polls; NULL: never). A file that shrinks is read again from 0. */
typedef bool kk_rt_stop_fn(void *arg);
int kk_rt_log_copy(const char *path, int fd, int64_t *pos, bool follow, int interval_ms,
		   kk_rt_stop_fn *stop, void *arg, struct kk_err *err);

/* Where the last `lines` lines of the file at path start (lines 0: its end), in *pos; a
 * last line without a newline counts as one. */
int kk_rt_log_tail_start(const char *path, long lines, int64_t *pos, struct kk_err *err);

/* Where the first line written at or after since_ns (Unix ns) starts, in *pos, from the
 * file's time index (common/logidx.h; no index: the file's mtime stands for every line). */
int kk_rt_log_since_start(const char *path, int64_t since_ns, int64_t *pos, struct kk_err *err);

/* One log of several read together (kuke log --all-containers, --timestamps). */
struct kk_rt_log_src {
	const char *path;   /* borrowed */
	const char *prefix; /* borrowed; written before every line */
	int64_t pos;        /* where to start reading; moves on */
	bool timestamps;    /* after the prefix, the line's time (kk_logidx_stamp) */
};
/* Copy the sources to fd line by line, each line after its source's prefix: first what each
 * holds, in order, then (follow) the new lines of any as they come, every interval_ms, until
 * stop(arg). A last line without a newline gets one (at the end, or once stop says so; a line
 * longer than 64 KiB is cut). A source whose file is not there yet is skipped (and looked
 * for again while following). */
int kk_rt_log_copy_lines(struct kk_rt_log_src *src, size_t n, int fd, bool follow, int interval_ms,
			 kk_rt_stop_fn *stop, void *arg, struct kk_err *err);

#endif
