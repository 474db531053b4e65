/* ctr/tasks.c - containerd.services.tasks.v1.Tasks, and the task IO helpers (log file
 * URI, FIFOs). */
#include "ctr/ctr.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/mem.h"
#include "ctr/pb.h"
#include "ctr/rpc.h"
#include "github.com/containerd/containerd/api/services/tasks/v1/tasks.pb-c.h"
#include "google/protobuf/any.pb-c.h"
#include "google/protobuf/empty.pb-c.h"

#define SVC "/containerd.services.tasks.v1.Tasks/"

const char *ctr_task_status_name(enum ctr_task_status s)
{
	static const char *const names[] = { "unknown", "created", "running",
					     "stopped", "paused",  "pausing" };

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "unknown";
}

static void process_from_pb(struct ctr_process *out, const Containerd__V1__Types__Process *in)
{
	memset(out, 0, sizeof(*out));
	out->container_id = ctr_pb_dup(in->container_id);
	out->exec_id = ctr_pb_dup(in->id);
	out->pid = in->pid;
	out->status = (enum ctr_task_status)in->status;
	out->stdin_path = ctr_pb_dup(in->stdin);
	out->stdout_path = ctr_pb_dup(in->stdout);
	out->stderr_path = ctr_pb_dup(in->stderr);
	out->terminal = in->terminal;
	out->exit_status = in->exit_status;
	out->exited_ns = ctr_ts_ns(in->exited_at);
}

void ctr_process_clear(struct ctr_process *p)
{
	free(p->container_id);
	free(p->exec_id);
	free(p->stdin_path);
	free(p->stdout_path);
	free(p->stderr_path);
	memset(p, 0, sizeof(*p));
}

void ctr_process_list_free(struct ctr_process *list, size_t n)
{
	for (size_t i = 0; list && i < n; i++)
		ctr_process_clear(&list[i]);
	free(list);
}

static int ctr_task_create_once(struct ctr_conn *conn, const char *id,
				const struct ctr_task_create_opts *o, uint32_t *pid,
				struct kk_err *err);

/* containerd leaves a task's bundle directory behind when the client creating the task dies
 * in the middle of the call (the shim start is cancelled); every later create of that id
 * then fails "failed to start shim: mkdir <bundle>: file exists" until containerd restarts.
 * Copies the bundle path out of such a message, when it is one for id. */
static bool stale_bundle(const char *msg, const char *id, char *path, size_t size)
{
	static const char head[] = "failed to start shim: mkdir ";
	const char *at = strstr(msg, head), *end;
	size_t n, idlen = strlen(id);

	if (!at)
		return false;
	at += sizeof(head) - 1;
	end = strstr(at, ": file exists");
	if (!end || *at != '/')
		return false;
	n = (size_t)(end - at);
	if (n >= size || n <= idlen + 1 || at[n - idlen - 1] != '/' ||
	    strncmp(at + n - idlen, id, idlen) != 0)
		return false;
	memcpy(path, at, n);
	path[n] = '\0';
	return strstr(path, "/io.containerd.runtime.v2.task/") != NULL;
}

/* Release a bundle no task owns, as containerd's own restart would: end a shim left in it,
 * unmount its rootfs, remove it. Only when containerd has no task for id. */
static int release_bundle(struct ctr_conn *conn, const char *id, const char *bundle,
			  struct kk_err *err)
{
	struct ctr_process p = { 0 };
	struct kk_err e = { 0 };
	cleanup_free char *pidfile = kk_xasprintf("%s/shim.pid", bundle);
	cleanup_free char *rootfs = kk_xasprintf("%s/rootfs", bundle);
	cleanup_free char *text = NULL;

	if (ctr_task_get(conn, id, &p, &e) == 0) {
		ctr_process_clear(&p);
		return kk_err_set(err, EEXIST, "task `%s` exists", id);
	}
	if (kk_read_file(pidfile, &text, &e) == 0) {
		long pid = strtol(text, NULL, 10);

		if (pid > 1)
			kill((pid_t)pid, SIGKILL);
	}
	umount2(rootfs, MNT_DETACH);
	return kk_rm_rf(bundle, err);
}

int ctr_task_create(struct ctr_conn *conn, const char *id, const struct ctr_task_create_opts *o,
		    uint32_t *pid, struct kk_err *err)
{
	char bundle[4096];

	/* The dead client's create may still be unwinding inside containerd: its cleanup can
	 * remove the bundle our retry just made ("fork/exec <shim>: no such file or
	 * directory", the shim's working directory gone). A few tries, a moment apart. */
	for (int attempt = 0;; attempt++) {
		struct kk_err e = { 0 };

		if (ctr_task_create_once(conn, id, o, pid, &e) == 0)
			return 0;
		if (attempt == 4) {
			*err = e;
			return -1;
		}
		if (stale_bundle(e.msg, id, bundle, sizeof(bundle))) {
			struct kk_err ignored = { 0 };

			if (release_bundle(conn, id, bundle, &ignored) < 0) {
				kk_log_ignored(conn->log, &ignored,
					       "task `%s`: release stale bundle `%s`", id, bundle);
				*err = e;
				return -1;
			}
		} else if (attempt > 0 && strstr(e.msg, "failed to start shim") &&
			   strstr(e.msg, "no such file or directory")) {
			usleep(500 * 1000);
		} else {
			*err = e;
			return -1;
		}
	}
}

static int ctr_task_create_once(struct ctr_conn *conn, const char *id,
				const struct ctr_task_create_opts *o, uint32_t *pid,
				struct kk_err *err)
{
	Containerd__Services__Tasks__V1__CreateTaskRequest req =
		CONTAINERD__SERVICES__TASKS__V1__CREATE_TASK_REQUEST__INIT;
	cleanup_pool struct ctr_pb_pool pool = { 0 };
	ProtobufCMessage *msg = NULL;

	req.container_id = ctr_pb_str(id);
	req.rootfs = ctr_pb_mounts(&pool, o->rootfs, &req.n_rootfs);
	req.stdin = ctr_pb_str(o->stdin_path);
	req.stdout = ctr_pb_str(o->stdout_path);
	req.stderr = ctr_pb_str(o->stderr_path);
	req.terminal = o->terminal;
	if (ctr_rpc_call(conn, SVC "Create", id, &req.base,
			 &containerd__services__tasks__v1__create_task_response__descriptor, &msg,
			 0, err) < 0)
		return -1;
	if (pid)
		*pid = ((Containerd__Services__Tasks__V1__CreateTaskResponse *)msg)->pid;
	protobuf_c_message_free_unpacked(msg, NULL);
	return 0;
}

int ctr_task_start(struct ctr_conn *conn, const char *id, uint32_t *pid, struct kk_err *err)
{
	Containerd__Services__Tasks__V1__StartRequest req =
		CONTAINERD__SERVICES__TASKS__V1__START_REQUEST__INIT;
	ProtobufCMessage *msg = NULL;

	req.container_id = ctr_pb_str(id);
	if (ctr_rpc_call(conn, SVC "Start", id, &req.base,
			 &containerd__services__tasks__v1__start_response__descriptor, &msg, 0,
			 err) < 0)
		return -1;
	if (pid)
		*pid = ((Containerd__Services__Tasks__V1__StartResponse *)msg)->pid;
	protobuf_c_message_free_unpacked(msg, NULL);
	return 0;
}

/* A Tasks call whose reply is google.protobuf.Empty. */
static int call_empty(struct ctr_conn *conn, const char *method, const char *obj,
		      const ProtobufCMessage *req, struct kk_err *err)
{
	ProtobufCMessage *msg = NULL;

	if (ctr_rpc_call(conn, method, obj, req, &google__protobuf__empty__descriptor, &msg, 0,
			 err) < 0)
		return -1;
	protobuf_c_message_free_unpacked(msg, NULL);
	return 0;
}

/* Tasks.Delete or DeleteProcess (both answer a DeleteResponse); *exit_status may be NULL. */
static int delete_process(struct ctr_conn *conn, const char *method, const char *obj,
			  const ProtobufCMessage *req, uint32_t *exit_status, struct kk_err *err)
{
	ProtobufCMessage *msg = NULL;

	if (ctr_rpc_call(conn, method, obj, req,
			 &containerd__services__tasks__v1__delete_response__descriptor, &msg, 0,
			 err) < 0)
		return -1;
	if (exit_status)
		*exit_status =
			((Containerd__Services__Tasks__V1__DeleteResponse *)msg)->exit_status;
	protobuf_c_message_free_unpacked(msg, NULL);
	return 0;
}

static int exec_delete(struct ctr_conn *conn, const char *id, const char *exec_id,
		       struct kk_err *err)
{
	Containerd__Services__Tasks__V1__DeleteProcessRequest req =
		CONTAINERD__SERVICES__TASKS__V1__DELETE_PROCESS_REQUEST__INIT;

	req.container_id = ctr_pb_str(id);
	req.exec_id = ctr_pb_str(exec_id);
	return delete_process(conn, SVC "DeleteProcess", exec_id, &req.base, NULL, err);
}

/* Tasks.Wait for the task's init process (exec_id "") or one of its execs. */
static int wait_process(struct ctr_conn *conn, const char *id, const char *exec_id, int timeout_ms,
			uint32_t *exit_status, int64_t *exited_ns, struct kk_err *err)
{
	Containerd__Services__Tasks__V1__WaitRequest req =
		CONTAINERD__SERVICES__TASKS__V1__WAIT_REQUEST__INIT;
	Containerd__Services__Tasks__V1__WaitResponse *resp;
	ProtobufCMessage *msg = NULL;

	req.container_id = ctr_pb_str(id);
	req.exec_id = ctr_pb_str(exec_id);
	if (ctr_rpc_call(conn, SVC "Wait", *exec_id ? exec_id : id, &req.base,
			 &containerd__services__tasks__v1__wait_response__descriptor, &msg,
			 timeout_ms ? timeout_ms : CTR_WAIT_FOREVER, err) < 0)
		return -1;
	resp = (Containerd__Services__Tasks__V1__WaitResponse *)msg;
	if (exit_status)
		*exit_status = resp->exit_status;
	if (exited_ns)
		*exited_ns = ctr_ts_ns(resp->exited_at);
	protobuf_c_message_free_unpacked(msg, NULL);
	return 0;
}

int ctr_exec_start(struct ctr_conn *conn, const char *id, const char *exec_id,
		   const struct ctr_exec_opts *o, uint32_t *pid, struct kk_err *err)
{
	Containerd__Services__Tasks__V1__ExecProcessRequest req =
		CONTAINERD__SERVICES__TASKS__V1__EXEC_PROCESS_REQUEST__INIT;
	Containerd__Services__Tasks__V1__StartRequest start =
		CONTAINERD__SERVICES__TASKS__V1__START_REQUEST__INIT;
	Google__Protobuf__Any spec = GOOGLE__PROTOBUF__ANY__INIT;
	ProtobufCMessage *msg = NULL;

	spec.type_url = ctr_pb_str(CTR_PROCESS_TYPE_URL);
	spec.value.data = (uint8_t *)o->process_json;
	spec.value.len = strlen(o->process_json);
	req.container_id = ctr_pb_str(id);
	req.exec_id = ctr_pb_str(exec_id);
	req.stdin = ctr_pb_str(o->stdin_path);
	req.stdout = ctr_pb_str(o->stdout_path);
	req.stderr = ctr_pb_str(o->stderr_path);
	req.terminal = o->terminal;
	req.spec = &spec;
	if (call_empty(conn, SVC "Exec", id, &req.base, err) < 0)
		return -1;
	start.container_id = ctr_pb_str(id);
	start.exec_id = ctr_pb_str(exec_id);
	if (ctr_rpc_call(conn, SVC "Start", id, &start.base,
			 &containerd__services__tasks__v1__start_response__descriptor, &msg, 0,
			 err) < 0) {
		exec_delete(conn, id, exec_id, &(struct kk_err){ 0 });
		return -1;
	}
	if (pid)
		*pid = ((Containerd__Services__Tasks__V1__StartResponse *)msg)->pid;
	protobuf_c_message_free_unpacked(msg, NULL);
	return 0;
}

int ctr_exec_wait_delete(struct ctr_conn *conn, const char *id, const char *exec_id, int timeout_ms,
			 uint32_t *exit_status, struct kk_err *err)
{
	if (wait_process(conn, id, exec_id, timeout_ms, exit_status, NULL, err) < 0)
		return -1;
	return exec_delete(conn, id, exec_id, err);
}

int ctr_exec_close_stdin(struct ctr_conn *conn, const char *id, const char *exec_id,
			 struct kk_err *err)
{
	Containerd__Services__Tasks__V1__CloseIORequest req =
		CONTAINERD__SERVICES__TASKS__V1__CLOSE_IOREQUEST__INIT;

	req.container_id = ctr_pb_str(id);
	req.exec_id = ctr_pb_str(exec_id);
	req.stdin = true;
	return call_empty(conn, SVC "CloseIO", exec_id, &req.base, err);
}

int ctr_exec_resize(struct ctr_conn *conn, const char *id, const char *exec_id, uint32_t width,
		    uint32_t height, struct kk_err *err)
{
	Containerd__Services__Tasks__V1__ResizePtyRequest req =
		CONTAINERD__SERVICES__TASKS__V1__RESIZE_PTY_REQUEST__INIT;

	req.container_id = ctr_pb_str(id);
	req.exec_id = ctr_pb_str(exec_id);
	req.width = width;
	req.height = height;
	return call_empty(conn, SVC "ResizePty", exec_id, &req.base, err);
}

int ctr_task_kill(struct ctr_conn *conn, const char *id, int signal, bool all, struct kk_err *err)
{
	Containerd__Services__Tasks__V1__KillRequest req =
		CONTAINERD__SERVICES__TASKS__V1__KILL_REQUEST__INIT;

	req.container_id = ctr_pb_str(id);
	req.signal = (uint32_t)signal;
	req.all = all;
	return call_empty(conn, SVC "Kill", id, &req.base, err);
}

int ctr_task_wait(struct ctr_conn *conn, const char *id, int timeout_ms, uint32_t *exit_status,
		  int64_t *exited_ns, struct kk_err *err)
{
	return wait_process(conn, id, "", timeout_ms, exit_status, exited_ns, err);
}

int ctr_task_delete(struct ctr_conn *conn, const char *id, uint32_t *exit_status,
		    struct kk_err *err)
{
	Containerd__Services__Tasks__V1__DeleteTaskRequest req =
		CONTAINERD__SERVICES__TASKS__V1__DELETE_TASK_REQUEST__INIT;

	req.container_id = ctr_pb_str(id);
	return delete_process(conn, SVC "Delete", id, &req.base, exit_status, err);
}

int ctr_task_get(struct ctr_conn *conn, const char *id, struct ctr_process *out, struct kk_err *err)
{
	Containerd__Services__Tasks__V1__GetRequest req =
		CONTAINERD__SERVICES__TASKS__V1__GET_REQUEST__INIT;
	Containerd__Services__Tasks__V1__GetResponse *resp;
	ProtobufCMessage *msg = NULL;

	req.container_id = ctr_pb_str(id);
	if (ctr_rpc_call(conn, SVC "Get", id, &req.base,
			 &containerd__services__tasks__v1__get_response__descriptor, &msg, 0,
			 err) < 0)
		return -1;
	resp = (Containerd__Services__Tasks__V1__GetResponse *)msg;
	if (!resp->process) {
		protobuf_c_message_free_unpacked(msg, NULL);
		return kk_err_set(err, EPROTO, "tasks.Get `%s`: empty reply", id);
	}
	process_from_pb(out, resp->process);
	protobuf_c_message_free_unpacked(msg, NULL);
	return 0;
}

int ctr_task_list(struct ctr_conn *conn, const char *filter, struct ctr_process **out, size_t *n,
		  struct kk_err *err)
{
	Containerd__Services__Tasks__V1__ListTasksRequest req =
		CONTAINERD__SERVICES__TASKS__V1__LIST_TASKS_REQUEST__INIT;
	Containerd__Services__Tasks__V1__ListTasksResponse *resp;
	ProtobufCMessage *msg = NULL;
	struct ctr_process *list = NULL;

	req.filter = ctr_pb_str(filter);
	if (ctr_rpc_call(conn, SVC "List", NULL, &req.base,
			 &containerd__services__tasks__v1__list_tasks_response__descriptor, &msg, 0,
			 err) < 0)
		return -1;
	resp = (Containerd__Services__Tasks__V1__ListTasksResponse *)msg;
	if (resp->n_tasks)
		list = kk_xcalloc(resp->n_tasks, sizeof(*list));
	for (size_t i = 0; i < resp->n_tasks; i++)
		process_from_pb(&list[i], resp->tasks[i]);
	*out = list;
	*n = resp->n_tasks;
	protobuf_c_message_free_unpacked(msg, NULL);
	return 0;
}

int ctr_task_pids(struct ctr_conn *conn, const char *id, uint32_t **pids, size_t *n,
		  struct kk_err *err)
{
	Containerd__Services__Tasks__V1__ListPidsRequest req =
		CONTAINERD__SERVICES__TASKS__V1__LIST_PIDS_REQUEST__INIT;
	Containerd__Services__Tasks__V1__ListPidsResponse *resp;
	ProtobufCMessage *msg = NULL;
	uint32_t *v = NULL;

	req.container_id = ctr_pb_str(id);
	if (ctr_rpc_call(conn, SVC "ListPids", id, &req.base,
			 &containerd__services__tasks__v1__list_pids_response__descriptor, &msg, 0,
			 err) < 0)
		return -1;
	resp = (Containerd__Services__Tasks__V1__ListPidsResponse *)msg;
	if (resp->n_processes)
		v = kk_xcalloc(resp->n_processes, sizeof(*v));
	for (size_t i = 0; i < resp->n_processes; i++)
		v[i] = resp->processes[i]->pid;
	*pids = v;
	*n = resp->n_processes;
	protobuf_c_message_free_unpacked(msg, NULL);
	return 0;
}

void ctr_metric_list_free(struct ctr_metric *list, size_t n)
{
	for (size_t i = 0; list && i < n; i++) {
		free(list[i].id);
		free(list[i].type_url);
		free(list[i].data);
	}
	free(list);
}

int ctr_task_metrics(struct ctr_conn *conn, const char *const *filters, struct ctr_metric **out,
		     size_t *n, struct kk_err *err)
{
	Containerd__Services__Tasks__V1__MetricsRequest req =
		CONTAINERD__SERVICES__TASKS__V1__METRICS_REQUEST__INIT;
	Containerd__Services__Tasks__V1__MetricsResponse *resp;
	ProtobufCMessage *msg = NULL;
	struct ctr_metric *list = NULL;

	req.filters = ctr_pb_strv(filters, &req.n_filters);
	if (ctr_rpc_call(conn, SVC "Metrics", NULL, &req.base,
			 &containerd__services__tasks__v1__metrics_response__descriptor, &msg, 0,
			 err) < 0)
		return -1;
	resp = (Containerd__Services__Tasks__V1__MetricsResponse *)msg;
	if (resp->n_metrics)
		list = kk_xcalloc(resp->n_metrics, sizeof(*list));
	for (size_t i = 0; i < resp->n_metrics; i++) {
		const Containerd__Types__Metric *m = resp->metrics[i];

		list[i].id = ctr_pb_dup(m->id);
		list[i].timestamp_ns = ctr_ts_ns(m->timestamp);
		list[i].type_url = ctr_pb_dup(m->data ? m->data->type_url : NULL);
		list[i].len = m->data ? m->data->value.len : 0;
		list[i].data = kk_xmalloc(list[i].len + 1);
		if (list[i].len)
			memcpy(list[i].data, m->data->value.data, list[i].len);
	}
	*out = list;
	*n = resp->n_metrics;
	protobuf_c_message_free_unpacked(msg, NULL);
	return 0;
}

/* ---- task IO ---------------------------------------------------------------------------- */

/* Append s to p percent-escaped (as Go's url.URL does), keeping the bytes of `keep` and the
 * unreserved ones as they are. Returns the new end. */
static char *escape(char *p, const char *s, const char *keep)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || strchr("-._~", *c) || (*c && strchr(keep, *c))) {
			*p++ = (char)*c;
		} else {
			*p++ = '%';
			*p++ = hex[*c >> 4];
			*p++ = hex[*c & 15];
		}
	}
	*p = '\0';
	return p;
}

/* what a URL path may hold as is */
#define PATH_KEEP "/!$&'()*+,;=:@"

int ctr_log_uri(const char *path, char **out, struct kk_err *err)
{
	char *uri;

	if (path[0] != '/')
		return kk_err_set(err, EINVAL, "log file `%s`: absolute path needed", path);
	uri = kk_xmalloc(strlen("file://") + 3 * strlen(path) + 1);
	escape(stpcpy(uri, "file://"), path, PATH_KEEP);
	*out = uri;
	return 0;
}

int ctr_binary_log_uri(const char *bin, const char *arg, const char *path, char **out,
		       struct kk_err *err)
{
	char *uri, *p;

	if (path[0] != '/' || bin[0] != '/')
		return kk_err_set(err, EINVAL, "log file `%s`, logger `%s`: absolute paths needed",
				  path, bin);
	uri = kk_xmalloc(strlen("binary://?=") + 3 * (strlen(bin) + strlen(arg) + strlen(path)) +
			 1);
	p = escape(stpcpy(uri, "binary://"), bin, PATH_KEEP);
	/* the query: only unreserved bytes and '/' unescaped (Go refuses a ';' there) */
	p = escape(stpcpy(p, "?"), arg, "");
	escape(stpcpy(p, "="), path, "/");
	*out = uri;
	return 0;
}

static int fifo_make(const char *dir, const char *id, const char *which, char **path, int *fd,
		     struct kk_err *err)
{
	cleanup_free char *p = kk_xasprintf("%s/%s-%s", dir, id, which);

	if (mkfifo(p, 0600) < 0 && errno != EEXIST)
		return kk_err_sys(err, "fifo `%s`", p);
	/* O_RDWR on a FIFO never blocks waiting for the other side */
	*fd = open(p, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (*fd < 0) {
		kk_err_sys(err, "fifo `%s`", p);
		unlink(p);
		return -1;
	}
	*path = TAKE_PTR(p);
	return 0;
}

int ctr_fifos_create(const char *dir, const char *id, bool with_stdin, bool terminal,
		     struct ctr_fifos *out, struct kk_err *err)
{
	struct ctr_fifos f = { .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1 };

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return kk_err_sys(err, "fifo dir `%s`", dir);
	if ((with_stdin && fifo_make(dir, id, "stdin", &f.stdin_path, &f.stdin_fd, err) < 0) ||
	    fifo_make(dir, id, "stdout", &f.stdout_path, &f.stdout_fd, err) < 0 ||
	    (!terminal && fifo_make(dir, id, "stderr", &f.stderr_path, &f.stderr_fd, err) < 0)) {
		ctr_fifos_close(&f);
		return -1;
	}
	if (!f.stdin_path)
		f.stdin_path = kk_xstrdup("");
	if (!f.stderr_path)
		f.stderr_path = kk_xstrdup("");
	*out = f;
	return 0;
}

void ctr_fifos_close(struct ctr_fifos *f)
{
	char *paths[] = { f->stdin_path, f->stdout_path, f->stderr_path };
	int fds[] = { f->stdin_fd, f->stdout_fd, f->stderr_fd };

	for (size_t i = 0; i < 3; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		if (paths[i] && *paths[i])
			unlink(paths[i]);
		free(paths[i]);
	}
	memset(f, 0, sizeof(*f));
	f->stdin_fd = f->stdout_fd = f->stderr_fd = -1;
}
