/* ctr/ctr.h - kukeon's containerd client: plain C in, plain C out.
 *
 * The only ctr/ header included outside ctr/. grpc and protobuf-c stay inside the ctr sources.
 * Every call carries the connection's namespace as the `containerd-namespace` header
 * (and the current lease, if set) and a deadline; gRPC status codes come back as errno
 * values in err->code (see ctr_errno_from_grpc_status), and messages name the call and
 * the object: "containers.Create `web`: already exists".
 *
 * Threads: calls on one connection may run in several threads at once, but the setters
 * (ctr_set_timeout/_namespace/_lease) must not race with calls, and neither may
 * ctr_run_oneshot() or the namespace calls on a connection without a namespace (they
 * set a lease or a namespace for a moment). Streams (event subscriptions, content
 * writers) belong to one thread; ctr_events_cancel() may come from any.
 *
 * containerd's garbage collector may remove an unreferenced blob or snapshot at any
 * moment (any deletion, in any namespace, can trigger it): create those under a lease
 * (ctr_lease_create + ctr_set_lease) until an image or container references them. */
#ifndef KK_CTR_CTR_H
#define KK_CTR_CTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/err.h"

struct ctr_conn;
struct kk_log;

/* Open a connection to containerd's socket (a path, or a "unix:" target). The channel
 * connects lazily: an unreachable socket fails the first call, quickly, not here.
 * ns may be NULL for calls that need no namespace. */
int ctr_connect(const char *socket, const char *ns, struct ctr_conn **out, struct kk_err *err);
/* Keep the grpc library initialised between connections (a long-lived process that opens
 * and closes many): hold once at start, release once at the end. */
void ctr_library_hold(void);
void ctr_library_release(void);
/* A connection for another thread: conn's channel (one socket, calls multiplexed on it)
 * with its own completion queue, namespace, lease and settings copied from conn. Free it
 * with ctr_disconnect before conn. */
struct ctr_conn *ctr_conn_sibling(const struct ctr_conn *conn);
void ctr_disconnect(struct ctr_conn *conn);
void ctr_disconnectp(struct ctr_conn **conn);

/* Deadline applied to each unary call from now on (milliseconds, > 0). */
void ctr_set_timeout(struct ctr_conn *conn, int timeout_ms);
/* Namespace sent with each call from now on; NULL sends none. The string is copied. */
void ctr_set_namespace(struct ctr_conn *conn, const char *ns);

/* Current namespace (NULL if none); lent, valid until the next ctr_set_namespace(). */
const char *ctr_namespace(const struct ctr_conn *conn);
/* Lease sent as the `containerd-lease` header with each call from now on, so that what
 * the calls create (content, snapshots, images) is held by that lease until it is
 * deleted. NULL or "" sends none. The string is copied. */
void ctr_set_lease(struct ctr_conn *conn, const char *lease_id);
const char *ctr_lease(const struct ctr_conn *conn);
/* Logger for the errors calls on conn drop on purpose (undo steps, stream cleanup), at
 * debug level; borrowed, NULL (the default) = silent. */
void ctr_set_log(struct ctr_conn *conn, const struct kk_log *log);
const struct kk_log *ctr_log(const struct ctr_conn *conn);

/* Map a gRPC status code (the numbers of grpc_status_code / google.rpc.Code) to the
 * errno value kukeon uses for it: NOT_FOUND -> ENOENT, ALREADY_EXISTS -> EEXIST,
 * UNAVAILABLE -> ECONNREFUSED, DEADLINE_EXCEEDED -> ETIMEDOUT, ... OK gives 0. */
int ctr_errno_from_grpc_status(int status);

struct ctr_version {
	char *version;  /* owned, e.g. "1.6.20~ds1" */
	char *revision; /* owned */
};

/* containerd's Version service. On success fill *out; release it with ctr_version_clear(). */
int ctr_version(struct ctr_conn *conn, struct ctr_version *out, struct kk_err *err);
void ctr_version_clear(struct ctr_version *v);

/* ---- shared plain-C types ----------------------------------------------------------- */

/* wait_ms / timeout_ms value meaning "no deadline" (Tasks.Wait, event streams). */
#define CTR_WAIT_FOREVER (-1)

/* A string map (labels, annotations). Both arrays are owned; keys are unique. An
 * all-zero struct is an empty map. Inputs are borrowed (`const struct ctr_labels *`,
 * NULL = empty). */
struct ctr_labels {
	size_t n;
	char **keys;
	char **values;
};
/* Set key to value (both copied), replacing an existing value. */
void ctr_labels_set(struct ctr_labels *l, const char *key, const char *value);
/* The value of key, lent by l, or NULL. */
const char *ctr_labels_get(const struct ctr_labels *l, const char *key);
void ctr_labels_clear(struct ctr_labels *l);

/* An OCI content descriptor. */
struct ctr_desc {
	char *media_type; /* owned */
	char *digest;     /* owned, "sha256:<hex>" */
	int64_t size;
	struct ctr_labels annotations;
};
void ctr_desc_clear(struct ctr_desc *d);

struct ctr_mount {
	char *type;   /* owned */
	char *source; /* owned */
	char *target; /* owned; usually empty */
	size_t n_options;
	char **options; /* owned */
};
struct ctr_mounts {
	size_t n;
	struct ctr_mount *m; /* owned */
};
void ctr_mounts_clear(struct ctr_mounts *m);

/* Lists of filter strings (containerd filter syntax, e.g. "labels.\"a\"==b") are NULL-
 * terminated arrays; NULL means no filter. */

/* ---- content ------------------------------------------------------------------------ */

struct ctr_content_info {
	char *digest; /* owned */
	int64_t size;
	int64_t created_ns, updated_ns; /* UNIX time in nanoseconds */
	struct ctr_labels labels;
};
void ctr_content_info_clear(struct ctr_content_info *info);
void ctr_content_info_list_free(struct ctr_content_info *list, size_t n);

/* Info of a committed blob; ENOENT if it is not there. */
int ctr_content_info(struct ctr_conn *conn, const char *digest, struct ctr_content_info *out,
		     struct kk_err *err);
/* Replace the blob's labels with `labels` (Update with field path "labels"). */
int ctr_content_set_labels(struct ctr_conn *conn, const char *digest,
			   const struct ctr_labels *labels, struct kk_err *err);
/* All committed blobs matching filters. *out is a new array of *n entries (NULL if none);
 * free it with ctr_content_info_list_free(). */
int ctr_content_list(struct ctr_conn *conn, const char *const *filters,
		     struct ctr_content_info **out, size_t *n, struct kk_err *err);
int ctr_content_delete(struct ctr_conn *conn, const char *digest, struct kk_err *err);

/* Called with each chunk of a blob, in order. Return < 0 (with err set) to stop the read;
 * that error is returned by the read call. */
typedef int ctr_read_fn(const void *data, size_t len, void *arg, struct kk_err *err);
/* Stream `size` bytes of a blob from `offset` (size 0 = to the end) into fn. */
int ctr_content_read(struct ctr_conn *conn, const char *digest, int64_t offset, int64_t size,
		     ctr_read_fn *fn, void *arg, struct kk_err *err);
/* Stream a whole blob into fd. */
int ctr_content_read_fd(struct ctr_conn *conn, const char *digest, int fd, struct kk_err *err);
/* Read a whole small blob (manifest, config) into a new NUL-terminated buffer; E2BIG if
 * it is larger than max_size. */
int ctr_content_read_all(struct ctr_conn *conn, const char *digest, size_t max_size, char **out,
			 size_t *len, struct kk_err *err);

/* Streaming write of one blob (the bidirectional Content.Write).
 *
 * ctr_content_writer_open() starts an ingest under `ref` (any stable string: the same
 * ref resumes an interrupted write) with the expected size and digest (either may be
 * 0/NULL if unknown until commit). If a blob with that digest is already committed the
 * open fails with EEXIST and nothing is written. ctr_content_writer_offset() says how many
 * bytes the ingest already holds: the caller continues from there (or writes from 0,
 * which restarts it). Commit verifies size and digest: on a mismatch it fails (EINVAL
 * for a size mismatch, EBADMSG for a digest mismatch), nothing is committed and the
 * ingest is aborted. Freeing a writer that was not committed closes the stream and
 * leaves the ingest for a later resume; ctr_content_abort() removes it. */
struct ctr_writer;
int ctr_content_writer_open(struct ctr_conn *conn, const char *ref, int64_t expected_size,
			    const char *expected_digest, struct ctr_writer **out,
			    struct kk_err *err);
int64_t ctr_content_writer_offset(const struct ctr_writer *w);
/* Write from offset 0 again: the next write truncates what the ingest held. */
void ctr_content_writer_restart(struct ctr_writer *w);
int ctr_content_writer_write(struct ctr_writer *w, const void *data, size_t len,
			     struct kk_err *err);
/* Commit with the final size and digest (0/NULL: use what open was given) and labels.
 * On success the digest containerd computed is lent by ctr_content_writer_digest(). */
int ctr_content_writer_commit(struct ctr_writer *w, int64_t size, const char *digest,
			      const struct ctr_labels *labels, struct kk_err *err);
const char *ctr_content_writer_digest(const struct ctr_writer *w);
void ctr_content_writer_free(struct ctr_writer *w);
void ctr_content_writer_freep(struct ctr_writer **w);
/* Write a whole buffer as one blob (open, write, commit). EEXIST if already there. */
int ctr_content_write_all(struct ctr_conn *conn, const char *ref, const void *data, size_t len,
			  const char *digest, const struct ctr_labels *labels, struct kk_err *err);
/* An ingest in progress (a write not yet committed). */
struct ctr_ingest {
	char *ref;      /* owned */
	char *expected; /* owned; "" if not given */
	int64_t offset, total;
	int64_t started_ns, updated_ns;
};
void ctr_ingest_list_free(struct ctr_ingest *list, size_t n);
/* Ingests matching filters (e.g. { "ref~=^layer-", NULL }). */
int ctr_content_ingests(struct ctr_conn *conn, const char *const *filters, struct ctr_ingest **out,
			size_t *n, struct kk_err *err);
/* Remove an ingest in progress; ENOENT if there is none. */
int ctr_content_abort(struct ctr_conn *conn, const char *ref, struct kk_err *err);

/* ---- images ------------------------------------------------------------------------- */

struct ctr_image {
	char *name; /* owned */
	struct ctr_labels labels;
	struct ctr_desc target;
	int64_t created_ns, updated_ns;
};
void ctr_image_clear(struct ctr_image *img);
void ctr_image_list_free(struct ctr_image *list, size_t n);

/* Create an image record (name, target, labels of img; times are ignored). EEXIST if
 * the name is taken. On success *out (if not NULL) is the stored record. */
int ctr_image_create(struct ctr_conn *conn, const struct ctr_image *img, struct ctr_image *out,
		     struct kk_err *err);
int ctr_image_get(struct ctr_conn *conn, const char *name, struct ctr_image *out,
		  struct kk_err *err);
int ctr_image_list(struct ctr_conn *conn, const char *const *filters, struct ctr_image **out,
		   size_t *n, struct kk_err *err);
/* Update the fields named by paths ("target", "labels", "labels.<key>"; NULL-terminated;
 * NULL = all) from img. */
int ctr_image_update(struct ctr_conn *conn, const struct ctr_image *img, const char *const *paths,
		     struct ctr_image *out, struct kk_err *err);
/* sync: wait until containerd's garbage collector has released the content. */
int ctr_image_delete(struct ctr_conn *conn, const char *name, bool sync, struct kk_err *err);

/* ---- leases ------------------------------------------------------------------------- */

struct ctr_lease {
	char *id; /* owned */
	int64_t created_ns;
	struct ctr_labels labels;
};
void ctr_lease_clear(struct ctr_lease *l);
void ctr_lease_list_free(struct ctr_lease *list, size_t n);

/* Create a lease. id NULL = let containerd pick one. Labels such as
 * "containerd.io/gc.expire" (RFC 3339 time) make it expire on its own. *out (if not
 * NULL) is the created lease. */
int ctr_lease_create(struct ctr_conn *conn, const char *id, const struct ctr_labels *labels,
		     struct ctr_lease *out, struct kk_err *err);
/* A lease "<prefix>-<pid>-<time>" that expires on its own after a day (should we die
 * before deleting it). *id is new. */
int ctr_lease_create_temp(struct ctr_conn *conn, const char *prefix, char **id, struct kk_err *err);
/* sync: wait for the garbage collection this allows. */
int ctr_lease_delete(struct ctr_conn *conn, const char *id, bool sync, struct kk_err *err);
int ctr_lease_list(struct ctr_conn *conn, const char *const *filters, struct ctr_lease **out,
		   size_t *n, struct kk_err *err);
/* Resource types: "content" (id = digest), "snapshots/<snapshotter>" (id = key),
 * "ingests" (id = ref). */
int ctr_lease_add_resource(struct ctr_conn *conn, const char *lease_id, const char *type,
			   const char *id, struct kk_err *err);
struct ctr_lease_resource {
	char *type; /* owned */
	char *id;   /* owned */
};
void ctr_lease_resource_list_free(struct ctr_lease_resource *list, size_t n);
/* What lease_id holds explicitly (added with ctr_lease_add_resource or created under
 * the lease). */
int ctr_lease_resources(struct ctr_conn *conn, const char *lease_id,
			struct ctr_lease_resource **out, size_t *n, struct kk_err *err);
int ctr_lease_delete_resource(struct ctr_conn *conn, const char *lease_id, const char *type,
			      const char *id, struct kk_err *err);

/* ---- snapshots ---------------------------------------------------------------------- */

enum ctr_snapshot_kind {
	CTR_SNAPSHOT_UNKNOWN = 0,
	CTR_SNAPSHOT_VIEW = 1,
	CTR_SNAPSHOT_ACTIVE = 2,
	CTR_SNAPSHOT_COMMITTED = 3,
};

struct ctr_snapshot {
	char *name;   /* owned */
	char *parent; /* owned; "" for none */
	enum ctr_snapshot_kind kind;
	int64_t created_ns, updated_ns;
	struct ctr_labels labels;
};
void ctr_snapshot_clear(struct ctr_snapshot *s);
void ctr_snapshot_list_free(struct ctr_snapshot *list, size_t n);

/* All take the snapshotter name ("overlayfs", "native" ...). parent NULL or "" = none.
 * Prepare/View give the mounts of the new snapshot in *mounts (may be NULL). */
int ctr_snapshot_prepare(struct ctr_conn *conn, const char *snapshotter, const char *key,
			 const char *parent, const struct ctr_labels *labels,
			 struct ctr_mounts *mounts, struct kk_err *err);
int ctr_snapshot_view(struct ctr_conn *conn, const char *snapshotter, const char *key,
		      const char *parent, const struct ctr_labels *labels,
		      struct ctr_mounts *mounts, struct kk_err *err);
int ctr_snapshot_mounts(struct ctr_conn *conn, const char *snapshotter, const char *key,
			struct ctr_mounts *mounts, struct kk_err *err);
/* Commit active snapshot `key` as `name`. */
int ctr_snapshot_commit(struct ctr_conn *conn, const char *snapshotter, const char *name,
			const char *key, const struct ctr_labels *labels, struct kk_err *err);
int ctr_snapshot_remove(struct ctr_conn *conn, const char *snapshotter, const char *key,
			struct kk_err *err);
int ctr_snapshot_stat(struct ctr_conn *conn, const char *snapshotter, const char *key,
		      struct ctr_snapshot *out, struct kk_err *err);
int ctr_snapshot_list(struct ctr_conn *conn, const char *snapshotter, const char *const *filters,
		      struct ctr_snapshot **out, size_t *n, struct kk_err *err);

/* ---- diff --------------------------------------------------------------------------- */

/* Apply the layer `diff` (a blob in the content store; gzip/zstd/plain as the differ
 * supports) onto mounts. *applied is the descriptor of the uncompressed layer (its
 * digest is the layer's diff_id). */
int ctr_diff_apply(struct ctr_conn *conn, const struct ctr_desc *diff,
		   const struct ctr_mounts *mounts, struct ctr_desc *applied, struct kk_err *err);

/* ---- namespaces --------------------------------------------------------------------- */

struct ctr_namespace_info {
	char *name; /* owned */
	struct ctr_labels labels;
};
void ctr_namespace_info_clear(struct ctr_namespace_info *ns);
void ctr_namespace_list_free(struct ctr_namespace_info *list, size_t n);

/* These name the namespace explicitly. The connection's namespace (or "default" if it
 * has none) is only where containerd publishes the change's event. */
int ctr_namespace_create(struct ctr_conn *conn, const char *name, const struct ctr_labels *labels,
			 struct kk_err *err);
int ctr_namespace_get(struct ctr_conn *conn, const char *name, struct ctr_namespace_info *out,
		      struct kk_err *err);
int ctr_namespace_list(struct ctr_conn *conn, struct ctr_namespace_info **out, size_t *n,
		       struct kk_err *err);
/* Replace the namespace's labels. */
int ctr_namespace_set_labels(struct ctr_conn *conn, const char *name,
			     const struct ctr_labels *labels, struct kk_err *err);
/* Set one label; value NULL or "" removes it. */
int ctr_namespace_set_label(struct ctr_conn *conn, const char *name, const char *key,
			    const char *value, struct kk_err *err);
/* EBUSY (FailedPrecondition) while the namespace still holds anything. */
int ctr_namespace_delete(struct ctr_conn *conn, const char *name, struct kk_err *err);

/* ---- containers --------------------------------------------------------------------- */

/* type_url containerd expects for an OCI runtime spec in Container.spec */
#define CTR_SPEC_TYPE_URL   "types.containerd.io/opencontainers/runtime-spec/1/Spec"
#define CTR_RUNTIME_RUNC_V2 "io.containerd.runc.v2"

struct ctr_container {
	char *id;            /* owned */
	char *image;         /* owned; may be "" */
	char *runtime;       /* owned; e.g. CTR_RUNTIME_RUNC_V2 */
	char *spec_type_url; /* owned; NULL on input = CTR_SPEC_TYPE_URL */
	char *spec;          /* owned; the spec bytes (JSON for an OCI spec), NUL-terminated */
	size_t spec_len;
	char *snapshotter;  /* owned; may be "" */
	char *snapshot_key; /* owned; may be "" */
	struct ctr_labels labels;
	int64_t created_ns, updated_ns;
};
void ctr_container_clear(struct ctr_container *c);
void ctr_container_list_free(struct ctr_container *list, size_t n);

/* Create a container record from c (times ignored). EEXIST if the id is taken. */
int ctr_container_create(struct ctr_conn *conn, const struct ctr_container *c, struct kk_err *err);
int ctr_container_get(struct ctr_conn *conn, const char *id, struct ctr_container *out,
		      struct kk_err *err);
int ctr_container_list(struct ctr_conn *conn, const char *const *filters,
		       struct ctr_container **out, size_t *n, struct kk_err *err);
/* Update the fields named by paths ("labels", "labels.<key>", "spec", "image",
 * "snapshotkey", "snapshotter", "runtime"; NULL-terminated; NULL = all) from c. */
int ctr_container_update(struct ctr_conn *conn, const struct ctr_container *c,
			 const char *const *paths, struct kk_err *err);
int ctr_container_delete(struct ctr_conn *conn, const char *id, struct kk_err *err);

/* ---- tasks -------------------------------------------------------------------------- */

enum ctr_task_status {
	CTR_TASK_UNKNOWN = 0,
	CTR_TASK_CREATED = 1,
	CTR_TASK_RUNNING = 2,
	CTR_TASK_STOPPED = 3,
	CTR_TASK_PAUSED = 4,
	CTR_TASK_PAUSING = 5,
};
/* "created", "running" ... */
const char *ctr_task_status_name(enum ctr_task_status s);

/* How the shim wires the task's stdio: each of stdin/stdout/stderr is "" (none), a FIFO
 * path (see ctr_fifos_create), or a URI such as "file:///var/log/x.log" (the shim appends
 * to that file; see ctr_log_uri). */
struct ctr_task_create_opts {
	const struct ctr_mounts *rootfs; /* the container's snapshot mounts */
	const char *stdin_path, *stdout_path, *stderr_path;
	bool terminal;
};

struct ctr_process {
	char *container_id; /* owned */
	char *exec_id;      /* owned; "" for the task's init process */
	uint32_t pid;
	enum ctr_task_status status;
	char *stdin_path, *stdout_path, *stderr_path; /* owned */
	bool terminal;
	uint32_t exit_status;
	int64_t exited_ns;
};
void ctr_process_clear(struct ctr_process *p);
void ctr_process_list_free(struct ctr_process *list, size_t n);

int ctr_task_create(struct ctr_conn *conn, const char *id, const struct ctr_task_create_opts *o,
		    uint32_t *pid, struct kk_err *err);
int ctr_task_start(struct ctr_conn *conn, const char *id, uint32_t *pid, struct kk_err *err);
/* Signal the task's init process, or every process in it (all). */
int ctr_task_kill(struct ctr_conn *conn, const char *id, int signal, bool all, struct kk_err *err);
/* Wait for the task to exit (at most timeout_ms, or CTR_WAIT_FOREVER). A task that has
 * already exited answers at once. exited_ns may be NULL. */
int ctr_task_wait(struct ctr_conn *conn, const char *id, int timeout_ms, uint32_t *exit_status,
		  int64_t *exited_ns, struct kk_err *err);
/* Delete a stopped (or never started) task; its exit status in *exit_status (may be NULL). */
int ctr_task_delete(struct ctr_conn *conn, const char *id, uint32_t *exit_status,
		    struct kk_err *err);
int ctr_task_get(struct ctr_conn *conn, const char *id, struct ctr_process *out,
		 struct kk_err *err);
/* filter: a containerd filter string or NULL. */
int ctr_task_list(struct ctr_conn *conn, const char *filter, struct ctr_process **out, size_t *n,
		  struct kk_err *err);
/* The pids of the task's processes; *pids is a new array (NULL if none). */
int ctr_task_pids(struct ctr_conn *conn, const char *id, uint32_t **pids, size_t *n,
		  struct kk_err *err);

/* ---- exec: a further process in a running task (kuke exec) ---- */

/* type_url of a process spec in ExecProcessRequest.spec */
#define CTR_PROCESS_TYPE_URL "types.containerd.io/opencontainers/runtime-spec/1/Process"

/* Stdio as in ctr_task_create_opts; process_json the OCI process spec (JSON). */
struct ctr_exec_opts {
	const char *process_json;
	const char *stdin_path, *stdout_path, *stderr_path;
	bool terminal;
};
/* Create process exec_id in task id (Tasks.Exec: the shim opens the stdio paths), then
 * start it (Tasks.Start); *pid its host pid. A process that fails to start is deleted. */
int ctr_exec_start(struct ctr_conn *conn, const char *id, const char *exec_id,
		   const struct ctr_exec_opts *o, uint32_t *pid, struct kk_err *err);
/* Wait for the process to exit (timeout_ms as ctr_task_wait), then delete it. */
int ctr_exec_wait_delete(struct ctr_conn *conn, const char *id, const char *exec_id, int timeout_ms,
			 uint32_t *exit_status, struct kk_err *err);
/* Close the process's standard input (Tasks.CloseIO): the shim stops reading its FIFO. */
int ctr_exec_close_stdin(struct ctr_conn *conn, const char *id, const char *exec_id,
			 struct kk_err *err);
/* Resize the process's terminal. */
int ctr_exec_resize(struct ctr_conn *conn, const char *id, const char *exec_id, uint32_t width,
		    uint32_t height, struct kk_err *err);

/* A metrics sample, raw: data is the protobuf encoding of type_url (cgroup v1 or v2 stats). */
struct ctr_metric {
	char *id; /* owned */
	int64_t timestamp_ns;
	char *type_url; /* owned */
	uint8_t *data;  /* owned */
	size_t len;
};
void ctr_metric_list_free(struct ctr_metric *list, size_t n);
/* filters e.g. { "id==web", NULL }. */
int ctr_task_metrics(struct ctr_conn *conn, const char *const *filters, struct ctr_metric **out,
		     size_t *n, struct kk_err *err);

/* Task IO through a log file, the way containerd's Go cio.LogFile does it: the stdout and
 * stderr of the task are both the URI "file://<path>" (path absolute, percent-escaped),
 * and the shim appends both streams to that file. *out is a new string. The output is
 * complete once the task is deleted (the shim's Delete waits for its copiers). Known
 * containerd 1.6 shim race: its stdout copier closes the shared file at EOF, so stderr
 * written in the last moment before the process exits can be lost (the Go client's
 * cio.LogFile has the same problem there). */
int ctr_log_uri(const char *path, char **out, struct kk_err *err);
/* The same through a logger: "binary://<bin>?<arg>=<path>", both absolute and escaped. The
 * shim runs `<bin> <arg> <path>` (one query key, so the order is fixed) with the task's
 * stdout and stderr pipes as fds 3 and 4 and a pipe to close when ready as fd 5, and sends
 * it SIGTERM once the task is deleted. *out is a new string. */
int ctr_binary_log_uri(const char *bin, const char *arg, const char *path, char **out,
		       struct kk_err *err);

/* Task IO through FIFOs, for attach-style use: ctr_fifos_create() makes
 * <dir>/<id>-stdin (if with_stdin), <id>-stdout and, unless terminal, <id>-stderr, and
 * opens our ends (O_RDWR|O_NONBLOCK|O_CLOEXEC, so neither side blocks in open): write
 * the task's input to stdin_fd, read its output from stdout_fd / stderr_fd. Pass the
 * paths in ctr_task_create_opts (and terminal there too). ctr_fifos_close() closes the
 * fds and removes the FIFOs. */
struct ctr_fifos {
	char *stdin_path, *stdout_path, *stderr_path; /* owned; "" when not made */
	int stdin_fd, stdout_fd, stderr_fd;           /* -1 when not made */
};
int ctr_fifos_create(const char *dir, const char *id, bool with_stdin, bool terminal,
		     struct ctr_fifos *out, struct kk_err *err);
void ctr_fifos_close(struct ctr_fifos *f);

/* ---- events ------------------------------------------------------------------------- */

struct ctr_event {
	int64_t timestamp_ns;
	char *ns;       /* owned; the namespace it happened in */
	char *topic;    /* owned; e.g. "/tasks/exit" */
	char *type_url; /* owned; e.g. "containerd.events.TaskExit" */
	uint8_t *data;  /* owned; the event message, protobuf-encoded */
	size_t len;
};
void ctr_event_clear(struct ctr_event *ev);

/* A subscription: ctr_events_subscribe() opens the stream (containerd registers it a
 * moment later, without telling: an event published right after the call can be
 * missed; filters e.g.
 * { "topic==\"/tasks/exit\"", "namespace==default", NULL }); ctr_events_next() waits at most
 * wait_ms (or CTR_WAIT_FOREVER) and returns 1 with *ev filled, 0 if nothing came in time,
 * or -1 (ECANCELED after ctr_events_cancel(), which any thread may call). */
struct ctr_events;
int ctr_events_subscribe(struct ctr_conn *conn, const char *const *filters, struct ctr_events **out,
			 struct kk_err *err);
int ctr_events_next(struct ctr_events *sub, int wait_ms, struct ctr_event *ev, struct kk_err *err);
void ctr_events_cancel(struct ctr_events *sub);
void ctr_events_close(struct ctr_events *sub);
void ctr_events_closep(struct ctr_events **sub);

/* A "/tasks/exit" event, decoded. */
struct ctr_task_exit {
	char *container_id; /* owned */
	char *exec_id;      /* owned; the container id again for the init process */
	uint32_t pid;
	uint32_t exit_status;
	int64_t exited_ns;
};
void ctr_task_exit_clear(struct ctr_task_exit *e);
/* Decode ev as containerd.events.TaskExit; EINVAL if it is another kind of event. */
int ctr_event_task_exit(const struct ctr_event *ev, struct ctr_task_exit *out, struct kk_err *err);

/* A task event of any kind kukeon reports (start, exit, oom, delete), decoded. */
struct ctr_task_event {
	const char *kind;   /* static: "TaskStart", "TaskExit", "TaskOOM", "TaskDelete" */
	char *container_id; /* owned */
	char *exec_id;      /* owned; "" or the container id for the init process */
	uint32_t pid;
	bool has_exit; /* exit and delete: exit_status is set */
	uint32_t exit_status;
};
void ctr_task_event_clear(struct ctr_task_event *e);
/* Decode ev; 0 with *out filled, 1 when it is not a task event of those kinds (nothing
 * filled), -1 when it does not decode. */
int ctr_event_task(const struct ctr_event *ev, struct ctr_task_event *out, struct kk_err *err);

/* Called for each event (lent for the call). Return 0 to go on, > 0 to stop (the loop
 * returns 0), < 0 with err set to fail. */
typedef int ctr_event_fn(const struct ctr_event *ev, void *arg, struct kk_err *err);
/* Subscribe and feed events to fn until it stops. */
int ctr_events_run(struct ctr_conn *conn, const char *const *filters, ctr_event_fn *fn, void *arg,
		   struct kk_err *err);

/* ---- introspection ------------------------------------------------------------------ */

#define CTR_PLUGIN_SNAPSHOTTER "io.containerd.snapshotter.v1"

struct ctr_plugin {
	char *type;       /* owned; e.g. CTR_PLUGIN_SNAPSHOTTER */
	char *id;         /* owned; e.g. "overlayfs" */
	char *init_error; /* owned; NULL when the plugin loaded */
	size_t n_capabilities;
	char **capabilities; /* owned */
	struct ctr_labels exports;
};
void ctr_plugin_list_free(struct ctr_plugin *list, size_t n);

/* Plugins matching filters (e.g. { "type==io.containerd.snapshotter.v1", NULL }). */
int ctr_plugins(struct ctr_conn *conn, const char *const *filters, struct ctr_plugin **out,
		size_t *n, struct kk_err *err);
/* The snapshotters that loaded: *names is a new NULL-terminated array; free each and it. */
int ctr_snapshotters(struct ctr_conn *conn, char ***names, struct kk_err *err);

/* ---- image rootfs and one-shot run -------------------------------------------------- */

/* The chain id of a layer stack (OCI image spec): chain(0) = diff_id(0),
 * chain(n) = sha256(chain(n-1) + " " + diff_id(n)). *out is a new "sha256:..." string. */
int ctr_chain_id(const char *const *diff_ids, size_t n, char **out, struct kk_err *err);

/* What running an imported image needs, read through the content store: the image's
 * manifest for this host's platform, its config, and the chain id of its layers. */
struct ctr_image_rootfs {
	char *chain_id;    /* owned; the committed snapshot that is the image's rootfs */
	char **env;        /* owned, NULL-terminated; from the image config */
	char **entrypoint; /* owned, NULL-terminated, may be empty */
	char **cmd;        /* owned, NULL-terminated, may be empty */
	char *working_dir; /* owned; "" if unset */
	char *user;        /* owned; "" if unset */
};
int ctr_image_rootfs(struct ctr_conn *conn, const char *image, struct ctr_image_rootfs *out,
		     struct kk_err *err);
void ctr_image_rootfs_clear(struct ctr_image_rootfs *r);

/* containerd's default Linux spec (what `ctr run` starts from) as JSON, minus resource
 * limits: namespaces pid/ipc/uts/mount/network, the standard /proc /dev /sys mounts,
 * default capabilities, root "rootfs", cgroups path /<ns>/<id>. A new string. */
char *ctr_spec_default(const char *ns, const char *id, const char *const *args,
		       const char *const *env, const char *cwd, bool terminal);

/* Run one container to completion: snapshot from the image, a minimal OCI spec, a task
 * whose stdout and stderr go to log_path, wait, then delete task, container and
 * snapshot whatever happened. The image must be imported and unpacked in the
 * connection's namespace. */
struct ctr_run_opts {
	const char *id;          /* container id */
	const char *image;       /* image name (a full ref) */
	const char *const *args; /* NULL-terminated; NULL = the image's entrypoint + cmd */
	const char *const *env;  /* NULL-terminated, added to the image's env; may be NULL */
	const char *cwd;         /* NULL = the image's working dir, or "/" */
	const char *snapshotter; /* NULL = "overlayfs" */
	const char *log_path;    /* absolute path; appended to */
	int timeout_ms;          /* how long the task may run; CTR_WAIT_FOREVER */
};
int ctr_run_oneshot(struct ctr_conn *conn, const struct ctr_run_opts *o, int *exit_status,
		    struct kk_err *err);

#endif
