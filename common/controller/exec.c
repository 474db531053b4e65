/* common/controller/exec.c - see exec.h: ExecContainer, ExecWait and ExecResize. */
#include "common/controller/exec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "cjson/cJSON.h"
#include "common/cleanup.h"
#include "common/controller/cell_env.h"
#include "common/controller/ops.h"
#include "common/json.h"
#include "common/mem.h"
#include "ctr/ctr.h"

void kk_exec_result_clear(struct kk_exec_result *r)
{
	free(r->container);
	free(r->exec_id);
	*r = (struct kk_exec_result){ 0 };
}

/* The cell (loaded into e, connected to containerd) and the containerd id of its container
 * the request names, which must be running when must_run. */
static int exec_target(struct kk_local *l, struct kk_cell_env *e, const struct kk_exec_req *a,
		       bool must_run, const struct kk_container_spec **c, char **cid,
		       struct kk_err *err)
{
	cleanup_free char *dir = NULL;
	struct ctr_process task = { 0 };
	bool running;

	if (!a->cell || !*a->cell)
		return kk_err_set(err, EINVAL, "cell name is required");
	if (kk_cell_pick_container(l, e, a->realm, a->space, a->stack, a->cell, a->container, c,
				   &dir, err) < 0 ||
	    kk_cell_env_runtime(l, e, err) < 0 || kk_rt_cell_container_id(&e->rc, *c, cid, err) < 0)
		return -1;
	if (!must_run)
		return 0;
	running = ctr_task_get(e->conn, *cid, &task, &(struct kk_err){ 0 }) == 0 &&
		  task.status == CTR_TASK_RUNNING;
	ctr_process_clear(&task);
	if (!running) {
		free(*cid);
		*cid = NULL;
		return kk_err_set(err, ENOTCONN, "container \"%s\" in cell \"%s\" is not running",
				  kk_str((*c)->id), e->name);
	}
	return 0;
}

/* The process of the container's spec with args as its command and a terminal or not
 * (with TERM=xterm when the spec sets no TERM, as docker exec -t does, and the terminal's
 * first size, so the process never sees 0x0). */
static int process_spec(const struct ctr_container *ctr, char *const *args, bool terminal,
			int64_t width, int64_t height, char **out, struct kk_err *err)
{
	cleanup_(kk_json_freep) cJSON *spec = NULL;
	cleanup_(kk_json_freep) cJSON *proc = NULL;
	cJSON *env;
	bool has_term = false;

	if (kk_json_parse(ctr->spec, ctr->spec_len, "container spec", &spec, err) < 0)
		return -1;
	proc = cJSON_DetachItemFromObjectCaseSensitive(spec, "process");
	if (!cJSON_IsObject(proc))
		return kk_err_set(err, EINVAL, "container spec of `%s` has no process", ctr->id);
	cJSON_DeleteItemFromObjectCaseSensitive(proc, "args");
	kk_json_add_strv(proc, "args", args);
	cJSON_DeleteItemFromObjectCaseSensitive(proc, "terminal");
	cJSON_AddBoolToObject(proc, "terminal", terminal);
	cJSON_DeleteItemFromObjectCaseSensitive(proc, "consoleSize");
	if (terminal && width > 0 && height > 0) {
		cJSON *size = cJSON_AddObjectToObject(proc, "consoleSize");

		cJSON_AddNumberToObject(size, "height", (double)height);
		cJSON_AddNumberToObject(size, "width", (double)width);
	}
	env = cJSON_GetObjectItemCaseSensitive(proc, "env");
	if (!cJSON_IsArray(env)) {
		cJSON_DeleteItemFromObjectCaseSensitive(proc, "env");
		env = cJSON_AddArrayToObject(proc, "env");
	}
	for (const cJSON *v = env->child; v; v = v->next)
		has_term |= cJSON_IsString(v) && strncmp(v->valuestring, "TERM=", 5) == 0;
	if (terminal && !has_term)
		cJSON_AddItemToArray(env, cJSON_CreateString("TERM=xterm"));
	*out = kk_json_print(proc, KK_JSON_COMPACT);
	return 0;
}

/* The FIFO of the request a failed start names as missing, if any. */
static const char *unseen_fifo(const struct kk_exec_req *a, const struct kk_err *err)
{
	const char *const paths[] = { a->stdin_path, a->stdout_path, a->stderr_path };

	if (!strstr(err->msg, "no such file or directory"))
		return NULL;
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (paths[i] && *paths[i] && strstr(err->msg, paths[i]))
			return paths[i];
	return NULL;
}

int kk_op_container_exec(struct kk_local *l, const struct kk_exec_req *a, struct kk_exec_result *r,
			 struct kk_err *err)
{
	struct kk_cell_env e = { 0 };
	struct ctr_container ctr = { 0 };
	const struct kk_container_spec *c = NULL;
	const char *name = NULL;
	cleanup_free char *cid = NULL;
	cleanup_free char *proc = NULL;
	unsigned char rnd[8];
	char exec_id[32];
	uint32_t pid = 0;
	int rc = -1;

	if (!a->args || !a->args[0] || !*a->args[0])
		return kk_err_set(err, EINVAL, "exec: a command is required");
	if (exec_target(l, &e, a, true, &c, &cid, err) < 0)
		goto out;
	name = c ? kk_str(c->id) : "";
	if (ctr_container_get(e.conn, cid, &ctr, err) < 0 ||
	    process_spec(&ctr, a->args, a->terminal, a->width, a->height, &proc, err) < 0)
		goto out;
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		kk_err_sys(err, "exec id");
		goto out;
	}
	snprintf(exec_id, sizeof(exec_id), "kuke-exec-%02x%02x%02x%02x%02x%02x%02x%02x", rnd[0],
		 rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
	if (ctr_exec_start(e.conn, cid, exec_id,
			   &(struct ctr_exec_opts){ .process_json = proc,
						    .stdin_path = a->stdin_path,
						    .stdout_path = a->stdout_path,
						    .stderr_path = a->stderr_path,
						    .terminal = a->terminal },
			   &pid, err) < 0) {
		const char *fifo = unseen_fifo(a, err);

		/* kuke made the FIFOs in its TMPDIR: a kuke in another mount namespace than
		 * containerd's (a container, a private /tmp) makes them where the shim cannot
		 * open them. Only the shim can tell: kukeond itself may not see the host's /tmp. */
		if (fifo)
			kk_err_wrap(err,
				    "containerd cannot open the FIFO `%s` kuke made (run kuke with "
				    "a TMPDIR that containerd sees too)",
				    fifo);
		kk_err_wrap(err, "exec in container \"%s\" of cell \"%s\"", name, e.name);
		goto out;
	}
	r->container = kk_xstrdup(name);
	r->exec_id = kk_xstrdup(exec_id);
	r->pid = pid;
	rc = 0;
out:
	ctr_container_clear(&ctr);
	kk_cell_env_clear(&e);
	return rc;
}

enum exec_act { ACT_WAIT, ACT_RESIZE, ACT_CLOSE_STDIN };

/* ExecWait, ExecResize, ExecCloseStdin: the process the request's exec id names. */
static int exec_existing(struct kk_local *l, const struct kk_exec_req *a, enum exec_act act,
			 struct kk_exec_result *r, struct kk_err *err)
{
	struct kk_cell_env e = { 0 };
	const struct kk_container_spec *c = NULL;
	const char *name = NULL;
	cleanup_free char *cid = NULL;
	uint32_t status = 0;
	int rc = -1;

	if (!a->exec_id || !*a->exec_id)
		return kk_err_set(err, EINVAL, "exec id is required");
	if (act == ACT_RESIZE &&
	    (a->width <= 0 || a->height <= 0 || a->width > UINT16_MAX || a->height > UINT16_MAX))
		return kk_err_set(err, EINVAL, "terminal size %lldx%lld is out of range",
				  (long long)a->width, (long long)a->height);
	if (exec_target(l, &e, a, false, &c, &cid, err) < 0)
		goto out;
	name = c ? kk_str(c->id) : "";
	if (act == ACT_WAIT)
		rc = ctr_exec_wait_delete(e.conn, cid, a->exec_id, 0, &status, err);
	else if (act == ACT_RESIZE)
		rc = ctr_exec_resize(e.conn, cid, a->exec_id, (uint32_t)a->width,
				     (uint32_t)a->height, err);
	else
		rc = ctr_exec_close_stdin(e.conn, cid, a->exec_id, err);
	if (rc < 0) {
		kk_err_wrap(err, "exec `%s` in container \"%s\" of cell \"%s\"", a->exec_id, name,
			    e.name);
		goto out;
	}
	r->container = kk_xstrdup(name);
	r->exec_id = kk_xstrdup(a->exec_id);
	r->exit_code = status;
out:
	kk_cell_env_clear(&e);
	return rc;
}

int kk_op_exec_wait(struct kk_local *l, const struct kk_exec_req *a, struct kk_exec_result *r,
		    struct kk_err *err)
{
	return exec_existing(l, a, ACT_WAIT, r, err);
}

int kk_op_exec_resize(struct kk_local *l, const struct kk_exec_req *a, struct kk_exec_result *r,
		      struct kk_err *err)
{
	return exec_existing(l, a, ACT_RESIZE, r, err);
}

int kk_op_exec_close_stdin(struct kk_local *l, const struct kk_exec_req *a,
			   struct kk_exec_result *r, struct kk_err *err)
{
	return exec_existing(l, a, ACT_CLOSE_STDIN, r, err);
}
