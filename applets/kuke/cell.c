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
		struct kk_ref ref = kuke_ref(f, NULL, name);
		struct kk_cell_get_result r = { 0 };
		cleanup_(kk_json_freep) cJSON *tree = NULL;

		if (kk_call_cell_get(c, &ref, &r, err) < 0)
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

/* --tail N: a number of lines (negative: all); *out -1 when unset. */
static int parse_tail(const char *s, long *out, struct kk_err *err)
{
	char *end = NULL;
	long n;

	*out = -1;
	if (!s)
		return 0;
	errno = 0;
	n = strtol(s, &end, 10);
	if (!*s || *end || errno)
		return kk_err_set(err, KK_EUSAGE,
				  "log: invalid --tail `%s`: want a number of lines", s);
	*out = n < 0 ? -1 : n;
	return 0;
}

/* What to print of each log: --since/--since-time, --tail, --timestamps. */
struct log_opts {
	long tail; /* -1: all */
	bool since_set, timestamps;
	int64_t since; /* Unix ns */
};

static int parse_log_opts(const struct kuke_flags *f, struct log_opts *o, struct kk_err *err)
{
	*o = (struct log_opts){ .timestamps = f->timestamps };
	if (parse_tail(f->tail, &o->tail, err) < 0)
		return -1;
	if (f->since && f->since_time)
		return kk_err_set(err, KK_EUSAGE,
				  "log: --since and --since-time cannot be used together");
	o->since_set = f->since || f->since_time;
	if (f->since && kuke_parse_since("since", f->since, true, &o->since, err) < 0)
		return kk_err_wrap(err, "log");
	if (f->since_time &&
	    kuke_parse_since("since-time", f->since_time, false, &o->since, err) < 0)
		return kk_err_wrap(err, "log");
	return 0;
}

/* Where to start reading the log at path: the first line since, then the last --tail lines
 * of what is left (kubectl's order). */
static int log_start(const char *path, const struct log_opts *o, int64_t *pos, struct kk_err *err)
{
	int64_t since = 0, tail = 0;

	if ((o->since_set && kk_rt_log_since_start(path, o->since, &since, err) < 0) ||
	    (o->tail >= 0 && kk_rt_log_tail_start(path, o->tail, &tail, err) < 0))
		return -1;
	*pos = since > tail ? since : tail;
	return 0;
}

/* One container's log: its path, from the controller (LogContainer). */
static int log_path(struct kk_client *c, const struct kuke_flags *f, const char *cell,
		    const char *container, char **out, struct kk_err *err)
{
	struct kk_ref ref = kuke_ref(f, cell, container);
	struct kk_log_result lr = { 0 };

	if (kk_call_container_log(c, &ref, &lr, err) < 0)
		return -1;
	/* through the wire an unset path arrives as "" */
	*out = kk_xstrdup(lr.capture_path && *lr.capture_path ? lr.capture_path : lr.log_path);
	kk_log_result_clear(&lr);
	return 0;
}

/* --all-containers: every non-root container of the cell that has a log, in spec order,
 * each line after "NAME | ". */
static int log_all(struct kk_client *c, const struct kuke_flags *f, const char *cell,
		   const struct log_opts *o, struct kk_err *err)
{
	struct kk_ref ref = kuke_ref(f, NULL, cell);
	struct kk_cell_get_result g = { 0 };
	cleanup_(kk_strv_freep) char **names = NULL;
	cleanup_(kk_strv_freep) char **paths = NULL;
	cleanup_(kk_strv_freep) char **prefixes = NULL;
	cleanup_free struct kk_rt_log_src *src = NULL;
	size_t n = 0;

	if (kk_call_cell_get(c, &ref, &g, err) < 0)
		return -1;
	for (size_t i = 0; i < g.cell->spec.n_containers; i++) {
		const struct kk_container_spec *s = &g.cell->spec.containers[i];

		if (!s->root && strcmp(kk_str(s->id), kk_str(g.cell->spec.root_container_id)) != 0)
			kk_strv_push_take(&names, kk_xstrdup(kk_str(s->id)));
	}
	kk_cell_get_result_clear(&g);
	for (size_t i = 0; names && names[i]; i++) {
		char *path = NULL;

		if (log_path(c, f, cell, names[i], &path, err) < 0) {
			if (err->code != ENOENT)
				return -1;
			*err = (struct kk_err){ 0 }; /* no output yet: nothing to show */
			continue;
		}
		kk_strv_push_take(&paths, path);
		kk_strv_push_take(&prefixes, kk_xasprintf("%s | ", names[i]));
	}
	n = kk_strv_len(paths);
	src = kk_xcalloc(n ? n : 1, sizeof(*src));
	for (size_t i = 0; paths && paths[i]; i++) {
		src[i] = (struct kk_rt_log_src){ .path = paths[i],
						 .prefix = prefixes[i],
						 .timestamps = o->timestamps };
		if (log_start(paths[i], o, &src[i].pos, err) < 0)
			return -1;
	}
	return kk_rt_log_copy_lines(src, n, STDOUT_FILENO, f->follow, 200, log_stop, NULL, err);
}

int kuke_log(struct kuke_ctx *ctx, int arg, const struct kuke_flags *f, int argc, char **argv,
	     struct kk_err *err)
{
	cleanup_(kk_client_freep) struct kk_client *c = NULL;
	cleanup_free char *path = NULL;
	bool follow = f->follow;
	sigset_t block, old;
	struct log_opts o;
	int rc;

	(void)arg;
	if (kuke_want_args(argc, false, "log", NULL, err) < 0 || parse_log_opts(f, &o, err) < 0)
		return -1;
	if (f->all_containers && f->container && *f->container)
		return kk_err_set(err, KK_EUSAGE,
				  "log: --all-containers and --container cannot be used together");
	if (kuke_client_open(ctx, &c, err) < 0)
		return -1;
	fflush(stdout);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	if (follow)
		sigprocmask(SIG_BLOCK, &block, &old);
	if (f->all_containers) {
		rc = log_all(c, f, argv[1], &o, err);
	} else {
		struct kk_rt_log_src src = { .prefix = "", .timestamps = o.timestamps };

		rc = log_path(c, f, argv[1], f->container, &path, err);
		if (rc == 0)
			rc = log_start(path, &o, &src.pos, err);
		src.path = path;
		/* times go before lines; without them the bytes are copied as they are */
		if (rc == 0 && o.timestamps)
			rc = kk_rt_log_copy_lines(&src, 1, STDOUT_FILENO, follow, 200, log_stop,
						  NULL, err);
		else if (rc == 0)
			rc = kk_rt_log_copy(path, STDOUT_FILENO, &src.pos, follow, 200, log_stop,
					    NULL, err);
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
