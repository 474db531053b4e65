/* applets/kuke/cell.c - kuke create | get | delete | purge | start | stop | kill  cell.
 *
 * Output, flags and messages as upstream v0.5.0 (reference CLI §3.5-§3.9). */
#include "applets/kuke/kuke.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cjson/cJSON.h"
#include "common/cleanup.h"
#include "common/json.h"
#include "common/mem.h"
#include "common/model/codec.h"
#include "common/strv.h"
#include "common/table.h"
#include "common/yaml.h"
#include "applets/kuke/client.h"
#include "common/runtime/runtime.h"
#include "applets/kuke/output.h"

static int want_one(int argc, const char *verb, struct kk_err *err)
{
	return kuke_want_args(argc, false, verb, "cell", err);
}

static int create(struct kuke_ctx *ctx, const struct kuke_flags *f, int argc, char **argv,
		  struct kk_err *err)
{
	cleanup_(kk_client_freep) struct kk_client *c = NULL;
	struct kk_cell_create_result r = { 0 };
	struct kk_cell req = { 0 };

	if (kuke_want_args(argc, true, "create", "cell", err) < 0)
		return -1;
	if (argc < 2 || !*argv[1])
		return kk_err_set(err, EINVAL,
				  "cell name is required (usage: kuke create cell [name] [flags])");
	req.meta.name = argv[1];
	req.spec.realm_id = (char *)kuke_or_default(f->realm);
	req.spec.space_id = (char *)kuke_or_default(f->space);
	req.spec.stack_id = (char *)kuke_or_default(f->stack);
	if (kuke_client_open(ctx, &c, err) < 0 ||
	    kk_call_cell_create(c, &(struct kk_doc){ KK_KIND_CELL, { .cell = &req } }, &r, err) < 0)
		return -1;
	printf("Cell \"%s\" (realm \"%s\", space \"%s\", stack \"%s\")\n", r.cell->meta.name,
	       r.cell->spec.realm_id, r.cell->spec.space_id, r.cell->spec.stack_id);
	kuke_print_outcome("metadata", r.created, r.metadata_exists_pre, r.metadata_exists_post);
	kuke_print_outcome("cgroup", !r.cgroup_exists_pre && r.cgroup_exists_post,
			   r.cgroup_exists_pre, r.cgroup_exists_post);
	printf("  - root container: %s\n",
	       r.started ? (r.created ? "created" : "already existed") : "missing");
	if (r.cell->spec.n_containers == 0)
		printf("  - containers: none defined\n");
	for (size_t i = 0; i < r.cell->spec.n_containers; i++)
		printf("  - container %s: %s\n", kk_str(r.cell->spec.containers[i].id),
		       r.created ? "created" : "already existed");
	printf("  - containers: started\n");
	kk_cell_create_result_clear(&r);
	return 0;
}

/* NAME REALM SPACE STACK STATE CGROUP [IP] [CONTROLLERS] */
static void cell_table_add(struct kk_table *t, const struct kk_cell *cell, bool wide,
			   bool show_controllers)
{
	const struct kk_status *st = &cell->status.common;
	cleanup_free char *ctrls = NULL;
	const char *row[8] = {
		cell->meta.name,
		kk_str(cell->spec.realm_id),
		kk_str(cell->spec.space_id),
		kk_str(cell->spec.stack_id),
		kk_state_label(&kk_cell_states, st->state),
		st->cgroup_path && *st->cgroup_path ? st->cgroup_path : "-",
	};
	size_t n = 6;

	if (wide)
		row[n++] = cell->status.ip_address && *cell->status.ip_address
				   ? cell->status.ip_address
				   : "-";
	if (show_controllers) {
		ctrls = kuke_controllers_column(&st->subtree_controllers);
		row[n++] = ctrls;
	}
	kk_table_add(t, row);
}

static struct kk_table *cell_table_new(bool wide, bool show_controllers)
{
	const char *hdr[8] = { "NAME", "REALM", "SPACE", "STACK", "STATE", "CGROUP" };
	size_t n = 6;

	if (wide)
		hdr[n++] = "IP";
	if (show_controllers)
		hdr[n++] = "CONTROLLERS";
	return kk_table_new(n, hdr);
}

static int get(struct kuke_ctx *ctx, const struct kuke_flags *f, int argc, char **argv,
	       struct kk_err *err)
{
	cleanup_(kk_client_freep) struct kk_client *c = NULL;
	cleanup_(kk_table_freep) struct kk_table *t = NULL;
	enum kuke_fmt fmt = KUKE_FMT_TABLE;
	const char *name = argc > 1 ? argv[1] : NULL;
	struct kk_list_result lr = { 0 };
	struct kk_cell **v;
	size_t n;

	if (kuke_want_args(argc, true, "get", "cell", err) < 0)
		return -1;
	if (kuke_output_is_kube(f->output))
		return kuke_get_kube(ctx, KK_KIND_CELL, f, name, err);
	if (kuke_get_format(f->output, true, &fmt, err) < 0)
		return -1;
	if (kuke_client_open(ctx, &c, err) < 0)
		return -1;
	if (name) {
		struct kk_cell_get_result r = { 0 };
		cleanup_(kk_json_freep) cJSON *tree = NULL;

		if (kk_call_cell_get(c,
				     &(struct kk_ref){ .realm = kuke_or_default(f->realm),
						       .space = kuke_or_default(f->space),
						       .stack = kuke_or_default(f->stack),
						       .name = name },
				     &r, err) < 0)
			return -1;
		if (fmt == KUKE_FMT_WIDE) {
			t = cell_table_new(true, f->show_controllers);
			cell_table_add(t, r.cell, true, f->show_controllers);
			kk_table_print(t, stdout);
			kk_cell_get_result_clear(&r);
			return 0;
		}
		tree = kk_cell_encode(r.cell, kuke_fmt_mode(fmt));
		kuke_print_tree(tree, fmt); /* a single document: YAML unless json */
		kk_cell_get_result_clear(&r);
		return 0;
	}
	if (kk_call_cell_list(c,
			      &(struct kk_ref){ .realm = f->realm,
						.space = f->space,
						.stack = f->stack },
			      &lr, err) < 0)
		return -1;
	v = lr.v.cells;
	n = lr.n;
	if (fmt != KUKE_FMT_TABLE && fmt != KUKE_FMT_WIDE) {
		cleanup_(kk_json_freep) cJSON *arr = cJSON_CreateArray();

		for (size_t i = 0; i < n; i++)
			cJSON_AddItemToArray(arr, kk_cell_encode(v[i], kuke_fmt_mode(fmt)));
		kuke_print_tree(arr, fmt);
	} else if (n == 0) {
		printf("No cells found.\n");
	} else {
		t = cell_table_new(fmt == KUKE_FMT_WIDE, f->show_controllers);
		for (size_t i = 0; i < n; i++)
			cell_table_add(t, v[i], fmt == KUKE_FMT_WIDE, f->show_controllers);
		kk_table_print(t, stdout);
	}
	kuke_warn_skipped(lr.skipped);
	kk_list_result_clear(&lr);
	return 0;
}

/* create | get | start | stop | kill | delete | purge  cell: the row's arg names which. */
int kuke_cell(struct kuke_ctx *ctx, int arg, const struct kuke_flags *f, int argc, char **argv,
	      struct kk_err *err)
{
	static const enum kk_op_id ids[] = {
		[KUKE_OP_START] = KK_OP_StartCell, [KUKE_OP_STOP] = KK_OP_StopCell,
		[KUKE_OP_KILL] = KK_OP_KillCell,   [KUKE_OP_DELETE] = KK_OP_DeleteCell,
		[KUKE_OP_PURGE] = KK_OP_PurgeCell,
	};
	const char *realm, *space, *stack, *name;
	enum kuke_op op = kuke_arg_op(arg);

	if (op == KUKE_OP_CREATE)
		return create(ctx, f, argc, argv, err);
	if (op == KUKE_OP_GET)
		return get(ctx, f, argc, argv, err);
	if (want_one(argc, kuke_op_verb(op), err) < 0)
		return -1;
	name = argv[1];
	realm = kuke_or_default(f->realm);
	space = kuke_or_default(f->space);
	stack = kuke_or_default(f->stack);
	return kuke_client_act(ctx, ids[op], op,
			       &(struct kk_ref){ .realm = realm,
						 .space = space,
						 .stack = stack,
						 .name = name },
			       "cell", "stack", stack, err);
}

/* ---- log ----------------------------------------------------------------------------------- */

/* SIGINT and SIGTERM are blocked while following; a pending one ends the copy. */
static bool log_stop(void *arg)
{
	sigset_t pending;

	(void)arg;
	return sigpending(&pending) == 0 &&
	       (sigismember(&pending, SIGINT) == 1 || sigismember(&pending, SIGTERM) == 1);
}

int kuke_log(struct kuke_ctx *ctx, int arg, const struct kuke_flags *f, int argc, char **argv,
	     struct kk_err *err)
{
	cleanup_(kk_client_freep) struct kk_client *c = NULL;
	bool follow = f->follow;
	struct kk_log_result lr = { 0 };
	sigset_t block, old;
	int rc;

	if (kuke_want_args(argc, false, "log", NULL, err) < 0)
		return -1;
	if (kuke_client_open(ctx, &c, err) < 0)
		return -1;
	fflush(stdout);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	if (follow)
		sigprocmask(SIG_BLOCK, &block, &old);
	rc = kk_call_container_log(c,
				   &(struct kk_ref){ .realm = kuke_or_default(f->realm),
						     .space = kuke_or_default(f->space),
						     .stack = kuke_or_default(f->stack),
						     .cell = argv[1],
						     .name = f->container },
				   &lr, err);
	if (rc == 0) {
		/* through the wire an unset path arrives as "" */
		const char *path =
			lr.capture_path && *lr.capture_path ? lr.capture_path : lr.log_path;
		int64_t pos = 0;

		rc = kk_rt_log_copy(path, STDOUT_FILENO, &pos, follow, 200, log_stop, NULL, err);
		kk_log_result_clear(&lr);
	}
	if (follow) {
		struct timespec now = { 0 };

		/* take the SIGINT/SIGTERM that ended the follow: it means "done", exit 0 */
		while (sigtimedwait(&block, NULL, &now) > 0)
			;
		sigprocmask(SIG_SETMASK, &old, NULL);
	}
	return rc;
}
