/* applets/kuke/container.c - kuke create | get | start | stop | kill | delete | purge
 * container.
 *
 * Output, flags and messages as upstream v0.5.0 (reference CLI §3.5-§3.9), except that
 * `create container` honours every flag it accepts (docs/compat.md). */
#include "applets/kuke/kuke.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cjson/cJSON.h"
#include "common/cleanup.h"
#include "common/gostr.h"
#include "common/json.h"
#include "common/mem.h"
#include "common/model/codec.h"
#include "common/strv.h"
#include "common/table.h"
#include "common/yaml.h"
#include "applets/kuke/client.h"
#include "applets/kuke/output.h"

#define DEFAULT_IMAGE "docker.io/library/debian:latest"

/* ---- create: flag values -> spec (upstream's parsers and messages) ------------------------- */

static char *quote(const char *s)
{
	return kk_go_quote(s);
}

/* Go's strconv.ParseInt(s, 10, 64) error text, or 0. */
static int parse_i64(const char *s, int64_t *out, char **why)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (!*s || *end || (s[0] != '-' && s[0] != '+' && (s[0] < '0' || s[0] > '9')) ||
	    strchr(s, ' ')) {
		cleanup_free char *q = quote(s);

		*why = kk_xasprintf("strconv.ParseInt: parsing %s: invalid syntax", q);
		return -1;
	}
	if (errno == ERANGE) {
		cleanup_free char *q = quote(s);

		*why = kk_xasprintf("strconv.ParseInt: parsing %s: value out of range", q);
		return -1;
	}
	*out = v;
	return 0;
}

static int parse_size(const char *raw, int64_t *out, struct kk_err *err)
{
	cleanup_free char *s = kk_go_trim_space(raw);
	cleanup_free char *q = quote(raw);
	cleanup_free char *why = NULL;
	cleanup_free char *num = NULL;
	size_t n = strlen(s);
	int64_t mult = 1, v;

	if (!n)
		return kk_err_set(err, EINVAL, "size is empty");
	if (n >= 2 && !strcasecmp(s + n - 2, "gi"))
		mult = 1 << 30, n -= 2;
	else if (n >= 2 && !strcasecmp(s + n - 2, "mi"))
		mult = 1 << 20, n -= 2;
	else if (n >= 2 && !strcasecmp(s + n - 2, "ki"))
		mult = 1 << 10, n -= 2;
	else if (strchr("gG", s[n - 1]))
		mult = 1 << 30, n -= 1;
	else if (strchr("mM", s[n - 1]))
		mult = 1 << 20, n -= 1;
	else if (strchr("kK", s[n - 1]))
		mult = 1 << 10, n -= 1;
	{
		char *t = kk_xasprintf("%.*s", (int)n, s);

		num = kk_go_trim_space(t);
		free(t);
	}
	if (parse_i64(num, &v, &why) < 0)
		return kk_err_set(err, EINVAL, "invalid size %s: %s", q, why);
	if (v < 0)
		return kk_err_set(err, EINVAL, "invalid size %s: must be non-negative", q);
	if (v > INT64_MAX / mult)
		return kk_err_set(err, EINVAL, "invalid size %s: value out of range", q);
	*out = v * mult;
	return 0;
}

static int parse_volumes(char **in, struct kk_container_spec *s, struct kk_err *err)
{
	size_t n = kk_strv_len(in);

	if (!n)
		return 0;
	s->volumes = kk_xcalloc(n, sizeof(*s->volumes));
	s->volumes_set = true;
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *entry = kk_go_trim_space(in[i]);
		cleanup_free char *q = quote(in[i]);
		char *parts[4] = { 0 };
		size_t k = 0;
		struct kk_volume_mount *v;

		if (!*entry)
			continue;
		for (char *p = entry, *c; k < 4; p = c + 1) {
			parts[k++] = p;
			c = strchr(p, ':');
			if (!c)
				break;
			*c = '\0';
		}
		if (k < 2 || k > 3)
			return kk_err_set(err, EINVAL,
					  "invalid --volume %s: expected SRC:DST[:ro|rw]", q);
		v = &s->volumes[s->n_volumes];
		v->source = kk_go_trim_space(parts[0]);
		v->target = kk_go_trim_space(parts[1]);
		s->n_volumes++;
		if (!*v->source || !*v->target)
			return kk_err_set(err, EINVAL,
					  "invalid --volume %s: source and target are both "
					  "required",
					  q);
		if (k == 3) {
			cleanup_free char *mode = kk_go_trim_space(parts[2]);

			if (!strcmp(mode, "ro"))
				v->read_only = true;
			else if (strcmp(mode, "rw") != 0 && *mode)
				return kk_err_set(err, EINVAL,
						  "invalid --volume %s: mode must be ro or rw", q);
		}
	}
	return 0;
}

static int parse_tmpfs(char **in, struct kk_container_spec *s, struct kk_err *err)
{
	size_t n = kk_strv_len(in);

	if (!n)
		return 0;
	s->tmpfs = kk_xcalloc(n, sizeof(*s->tmpfs));
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *entry = kk_go_trim_space(in[i]);
		cleanup_free char *q = quote(in[i]);
		struct kk_tmpfs_mount *t;
		char *colon, *opts = NULL;

		if (!*entry)
			continue;
		colon = strchr(entry, ':');
		if (colon) {
			*colon = '\0';
			opts = colon + 1;
		}
		t = &s->tmpfs[s->n_tmpfs++];
		t->path = kk_go_trim_space(entry);
		if (!*t->path)
			return kk_err_set(err, EINVAL, "invalid --tmpfs %s: path is required", q);
		for (char *o = opts, *next; o && *o; o = next) {
			cleanup_free char *opt = NULL;

			next = strchr(o, ',');
			if (next)
				*next++ = '\0';
			opt = kk_go_trim_space(o);
			if (!*opt)
				continue;
			if (!strncmp(opt, "size=", 5)) {
				if (parse_size(opt + 5, &t->size_bytes, err) < 0)
					return kk_err_wrap(err, "invalid --tmpfs %s", q);
				continue;
			}
			kk_strv_push(&t->options, opt);
		}
	}
	return 0;
}

static int parse_labels(char **in, struct kk_labels *out, struct kk_err *err)
{
	out->set = true;
	for (size_t i = 0; in && in[i]; i++) {
		cleanup_free char *q = quote(in[i]);
		cleanup_free char *key = NULL;
		const char *eq = strchr(in[i], '=');

		if (!eq)
			return kk_err_set(err, EINVAL, "invalid label %s: expected KEY=VALUE", q);
		{
			char *k = kk_xasprintf("%.*s", (int)(eq - in[i]), in[i]);

			key = kk_go_trim_space(k);
			free(k);
		}
		if (!*key)
			return kk_err_set(err, EINVAL, "invalid label %s: key must not be empty",
					  q);
		kk_labels_set(out, key, eq + 1);
	}
	return 0;
}

static void strv_take(struct kk_strv *dst, char **src, bool trimmed)
{
	for (size_t i = 0; src && src[i]; i++) {
		cleanup_free char *t = trimmed ? kk_go_trim_space(src[i]) : kk_xstrdup(src[i]);

		if (trimmed && !*t)
			continue;
		kk_strv_push(dst, t);
	}
	dst->set = true;
}

static int parse_count(const char *flag, const char *v, int64_t *out, struct kk_err *err)
{
	cleanup_free char *why = NULL;
	cleanup_free char *q = NULL;

	if (!v)
		return 0;
	if (parse_i64(v, out, &why) == 0)
		return 0;
	q = quote(v);
	return kk_err_set(err, KK_EUSAGE, "invalid argument %s for \"--%s\" flag: %s", q, flag,
			  why);
}

static int build_request(const struct kuke_flags *f, struct kk_container *req, struct kk_err *err)
{
	struct kk_container_spec *s = &req->spec;
	int64_t mem = 0, shares = 0, pids = 0;

	s->image = f->image ? kk_go_trim_space(f->image) : NULL;
	if (!s->image || !*s->image) {
		free(s->image);
		s->image = kk_xstrdup(DEFAULT_IMAGE);
	} else {
		char *n = kk_container_image_normalize(s->image);

		free(s->image);
		s->image = n;
	}
	if (parse_volumes(f->volumes, s, err) < 0 ||
	    parse_labels(f->labels, &req->meta.labels, err) < 0 ||
	    parse_tmpfs(f->tmpfs, s, err) < 0)
		return -1;
	if (f->memory) {
		cleanup_free char *m = kk_go_trim_space(f->memory);

		if (*m && parse_size(m, &mem, err) < 0)
			return -1;
	}
	if (parse_count("cpu-shares", f->cpu_shares, &shares, err) < 0 ||
	    parse_count("pids-limit", f->pids_limit, &pids, err) < 0)
		return -1;
	s->command = kk_xstrdup(f->command ? f->command : "");
	strv_take(&s->args, f->args, false);
	strv_take(&s->env, f->env, false);
	strv_take(&s->ports, f->ports, false);
	strv_take(&s->networks, f->networks, false);
	strv_take(&s->networks_aliases, f->aliases, false);
	s->privileged = f->privileged;
	s->root = f->root;
	s->cni_config_path = f->cni_config_path ? kk_go_trim_space(f->cni_config_path) : NULL;
	s->restart_policy = kk_xstrdup(f->restart_policy ? f->restart_policy : "");
	{
		char *r = kk_go_trim_space(s->restart_policy);

		free(s->restart_policy);
		s->restart_policy = r;
	}
	s->user = f->user ? kk_go_trim_space(f->user) : NULL;
	s->read_only_root_filesystem = f->read_only;
	if (kk_strv_len(f->cap_add) || kk_strv_len(f->cap_drop)) {
		s->capabilities = kk_xcalloc(1, sizeof(*s->capabilities));
		strv_take(&s->capabilities->drop, f->cap_drop, true);
		strv_take(&s->capabilities->add, f->cap_add, true);
		if (!s->capabilities->drop.n && !s->capabilities->add.n) {
			kk_capabilities_free(s->capabilities);
			s->capabilities = NULL;
		}
	}
	if (f->security_opts)
		strv_take(&s->security_opts, f->security_opts, false);
	if (mem > 0 || shares > 0 || pids > 0) {
		s->resources = kk_xcalloc(1, sizeof(*s->resources));
		s->resources->has_memory_limit_bytes = mem > 0;
		s->resources->memory_limit_bytes = mem;
		s->resources->has_cpu_shares = shares > 0;
		s->resources->cpu_shares = shares;
		s->resources->has_pids_limit = pids > 0;
		s->resources->pids_limit = pids;
	}
	return 0;
}

static const char *outcome(bool created, bool post)
{
	return created ? "created" : post ? "already existed" : "missing";
}

static int create(struct kuke_ctx *ctx, const struct kuke_flags *f, int argc, char **argv,
		  struct kk_err *err)
{
	cleanup_(kk_client_freep) struct kk_client *c = NULL;
	struct kk_container_create_result r = { 0 };
	struct kk_container req = { 0 };
	cleanup_free char *name = NULL;
	cleanup_free char *cell = NULL;
	int rc = -1;

	if (kuke_want_args(argc, true, "create", "container", err) < 0)
		goto out;
	name = kk_go_trim_space(argc > 1 ? argv[1] : "");
	if (!*name) {
		kk_err_set(err, EINVAL,
			   "container name is required (usage: kuke create container [name] "
			   "[flags])");
		goto out;
	}
	cell = kk_go_trim_space(f->cell ? f->cell : "");
	if (!*cell) {
		kk_err_set(err, EINVAL, "cell name is required (--cell)");
		goto out;
	}
	req.meta.name = kk_xstrdup(name);
	req.spec.id = kk_xstrdup(name);
	req.spec.realm_id = kk_xstrdup(kuke_or_default(f->realm));
	req.spec.space_id = kk_xstrdup(kuke_or_default(f->space));
	req.spec.stack_id = kk_xstrdup(kuke_or_default(f->stack));
	req.spec.cell_id = kk_xstrdup(cell);
	if (build_request(f, &req, err) < 0 || kuke_client_open(ctx, &c, err) < 0 ||
	    kk_call_container_create(c,
				     &(struct kk_doc){ KK_KIND_CONTAINER, { .container = &req } },
				     &r, err) < 0)
		goto out;
	printf("Container \"%s\" (ID: \"%s\") in cell \"%s\" (realm \"%s\", space \"%s\", stack "
	       "\"%s\")\n",
	       kk_str(r.container->meta.name), kk_str(r.container->spec.id),
	       kk_str(r.container->spec.cell_id), kk_str(r.container->spec.realm_id),
	       kk_str(r.container->spec.space_id), kk_str(r.container->spec.stack_id));
	printf("  - container: %s\n", outcome(r.created, r.container_exists_post));
	printf("  - container: %s\n", r.started ? "started" : "not started");
	rc = 0;
out:
	kk_container_create_result_clear(&r);
	kk_meta_clear(&req.meta);
	kk_container_spec_clear(&req.spec);
	return rc;
}

/* ---- get ----------------------------------------------------------------------------------- */

static void append_q(char **buf, const char *label, const char *v)
{
	cleanup_free char *q = quote(v);
	char *n = kk_xasprintf("%s%s%s %s", *buf ? *buf : "", *buf ? " " : "", label, q);

	free(*buf);
	*buf = n;
}

/* "Hint: cell "c" exists in realm "r" space "s" stack "t"[; ...] — ..." or NULL. */
static char *scope_hint(struct kk_client *c, const char *space, const char *stack, const char *cell)
{
	cleanup_(kk_list_result_clear) struct kk_list_result lr = { 0 };
	struct kk_container **all = NULL;
	char **locs = NULL;
	cleanup_free char *what = NULL;
	cleanup_free char *joined = NULL;
	cleanup_free char *q = NULL;
	char *hint = NULL;
	size_t n = 0;

	if (!cell && !stack && !space)
		return NULL;
	if (kk_call_container_list(c, &(struct kk_ref){ 0 }, &lr, &(struct kk_err){ 0 }) < 0)
		return NULL;
	all = lr.v.containers;
	n = lr.n;
	for (size_t i = 0; i < n; i++) {
		const struct kk_container_spec *s = &all[i]->spec;
		cleanup_free char *r = NULL, *sp = NULL, *st = NULL;
		char *loc;

		if ((cell && strcmp(kk_str(s->cell_id), cell) != 0) ||
		    (stack && strcmp(kk_str(s->stack_id), stack) != 0) ||
		    (space && strcmp(kk_str(s->space_id), space) != 0))
			continue;
		r = quote(kk_str(s->realm_id));
		sp = quote(kk_str(s->space_id));
		st = quote(kk_str(s->stack_id));
		loc = kk_xasprintf("realm %s space %s stack %s", r, sp, st);
		if (kk_strv_contains(locs, loc))
			free(loc);
		else
			kk_strv_push_take(&locs, loc);
	}
	if (!locs)
		return NULL;
	kk_strv_sort(locs);
	joined = kk_strv_join(locs, "; ");
	kk_strv_free(locs);
	q = quote(cell ? cell : stack ? stack : space);
	what = kk_xasprintf("%s %s", cell ? "cell" : stack ? "stack" : "space", q);
	hint = kk_xasprintf("Hint: %s exists in %s \xe2\x80\x94 pass --realm/--space/--stack to "
			    "filter there.",
			    what, joined);
	return hint;
}

static int get(struct kuke_ctx *ctx, const struct kuke_flags *f, int argc, char **argv,
	       struct kk_err *err)
{
	static const char *const hdr[] = { "NAME", "REALM", "SPACE", "STACK",
					   "CELL", "ROOT",  "IMAGE", "STATE" };
	cleanup_(kk_client_freep) struct kk_client *c = NULL;
	cleanup_(kk_table_freep) struct kk_table *t = NULL;
	enum kuke_fmt fmt = KUKE_FMT_TABLE;
	struct kk_list_result lr = { 0 };
	struct kk_container **v = NULL;
	cleanup_free char *name = NULL;
	size_t n = 0;
	const char *realm, *space, *stack, *cell;

	if (kuke_get_format(f->output, false, &fmt, err) < 0)
		return -1;
	if (kuke_want_args(argc, true, "get", "container", err) < 0)
		return -1;
	realm = kuke_or_null(f->realm);
	space = kuke_or_null(f->space);
	stack = kuke_or_null(f->stack);
	cell = kuke_or_null(f->cell);
	name = kk_go_trim_space(argc > 1 ? argv[1] : "");
	if (*name) {
		struct kk_container_get_result r = { 0 };
		cleanup_(kk_json_freep) cJSON *tree = NULL;

		if (!cell)
			return kk_err_set(err, EINVAL, "cell name is required (--cell)");
		if (kuke_client_open(ctx, &c, err) < 0 ||
		    kk_call_container_get(c,
					  &(struct kk_ref){ .realm = kuke_or_default(realm),
							    .space = kuke_or_default(space),
							    .stack = kuke_or_default(stack),
							    .cell = cell,
							    .name = name },
					  &r, err) < 0)
			return -1;
		tree = kk_container_encode(r.container, kuke_fmt_mode(fmt));
		kuke_print_tree(tree, fmt); /* a single document: YAML unless json */
		kk_container_get_result_clear(&r);
		return 0;
	}
	if (kuke_client_open(ctx, &c, err) < 0 ||
	    kk_call_container_list(c,
				   &(struct kk_ref){ .realm = realm,
						     .space = space,
						     .stack = stack,
						     .cell = cell },
				   &lr, err) < 0)
		return -1;
	v = lr.v.containers;
	n = lr.n;
	if (fmt != KUKE_FMT_TABLE) {
		cleanup_(kk_json_freep) cJSON *arr = cJSON_CreateArray();

		for (size_t i = 0; i < n; i++)
			cJSON_AddItemToArray(arr, kk_container_spec_encode(&v[i]->spec,
									   kuke_fmt_mode(fmt)));
		kuke_print_tree(arr, fmt);
	} else if (n == 0) {
		cleanup_free char *what = NULL;
		cleanup_free char *hint = scope_hint(c, space, stack, cell);

		if (cell)
			append_q(&what, "cell", cell);
		if (stack)
			append_q(&what, "stack", stack);
		if (space)
			append_q(&what, "space", space);
		if (realm)
			append_q(&what, "realm", realm);
		if (what)
			printf("No containers found for %s.\n", what);
		else
			printf("No containers found.\n");
		if (hint)
			printf("%s\n", hint);
	} else {
		t = kk_table_new(8, hdr);
		for (size_t i = 0; i < n; i++) {
			const struct kk_container_spec *s = &v[i]->spec;
			const char *row[8] = {
				s->root           ? "root"
				: s->id && *s->id ? s->id
						  : "-",
				kk_str(s->realm_id),
				kk_str(s->space_id),
				kk_str(s->stack_id),
				kk_str(s->cell_id),
				s->root ? "true" : "false",
				kk_str(s->image),
				kk_state_label(&kk_container_states, v[i]->status.state),
			};

			kk_table_add(t, row);
		}
		kk_table_print(t, stdout);
	}
	kuke_warn_skipped(lr.skipped);
	kk_list_result_clear(&lr);
	return 0;
}

/* ---- start / stop / kill / delete / purge ----------------------------------------------------- */

/* create | get | start | stop | kill | delete | purge  container: the row's arg names which. */
int kuke_container(struct kuke_ctx *ctx, int arg, const struct kuke_flags *f, int argc, char **argv,
		   struct kk_err *err)
{
	static const enum kk_op_id ids[] = {
		[KUKE_OP_START] = KK_OP_StartContainer, [KUKE_OP_STOP] = KK_OP_StopContainer,
		[KUKE_OP_KILL] = KK_OP_KillContainer,   [KUKE_OP_DELETE] = KK_OP_DeleteContainer,
		[KUKE_OP_PURGE] = KK_OP_PurgeContainer,
	};
	const char *realm, *space, *stack;
	cleanup_free char *cell = NULL;
	cleanup_free char *name = NULL;
	enum kuke_op op = kuke_arg_op(arg);

	if (op == KUKE_OP_CREATE)
		return create(ctx, f, argc, argv, err);
	if (op == KUKE_OP_GET)
		return get(ctx, f, argc, argv, err);
	if (kuke_want_args(argc, false, kuke_op_verb(op), "container", err) < 0)
		return -1;
	realm = kuke_or_default(f->realm);
	space = kuke_or_default(f->space);
	stack = kuke_or_default(f->stack);
	cell = kk_go_trim_space(f->cell ? f->cell : "");
	name = kk_go_trim_space(argv[1]);
	if (!*cell)
		return kk_err_set(err, EINVAL, "cell name is required (--cell)");
	return kuke_client_act(ctx, ids[op], op,
			       &(struct kk_ref){ .realm = realm,
						 .space = space,
						 .stack = stack,
						 .cell = cell,
						 .name = name },
			       "container", "cell", cell, err);
}
