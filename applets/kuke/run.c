/* applets/kuke/run.c - kuke run -f FILE|- [-d]: create and start one cell, then attach.
 *
 * Upstream v0.5.0 (reference CLI §3.4): one Cell document, its location filled from
 * --realm/--space/--stack (then "default") where the document leaves it empty, validated
 * as apply does. An existing cell whose user containers diverge is refused (apply is the
 * way to update); an existing matching Ready cell prints a no-op summary; otherwise the
 * cell is created (or ensured) and started through the client's cell_create.
 *
 * --rm sets spec.autoDelete (kukeond's reconcile loop deletes the cell once its workload
 * has exited; refused with --no-daemon, as upstream). Without -d, kuke attaches to the
 * target container (checked before anything is created) and exits with the workload's
 * status when it ends; a detach leaves the cell running, --rm or not. */
#include "applets/kuke/kuke.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cjson/cJSON.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/mem.h"
#include "common/model/doc.h"
#include "common/strv.h"
#include "common/yaml.h"
#include "applets/kuke/attach.h"
#include "applets/kuke/client.h"
#include "applets/kuke/profile.h"

#define MANIFEST_MAX (64u << 20)

static bool set(const char *s)
{
	return s && *s;
}

/* upstream's parseRunFlags and cobra's flag groups, in their order */
static int check_flags(const struct kuke_ctx *ctx, const struct kuke_flags *f, struct kk_err *err)
{
	if (set(f->file) && set(f->profile))
		return kk_err_set(err, KK_EUSAGE,
				  "if any flags in the group [file profile] are set none of the "
				  "others can be; [file profile] were all set");
	if (!set(f->file) && !set(f->profile))
		return kk_err_set(err, KK_EUSAGE,
				  "at least one of the flags in the group [file profile] is "
				  "required");
	if (set(f->output) && strcmp(f->output, "json") != 0 && strcmp(f->output, "yaml") != 0)
		return kk_err_set(err, KK_EUSAGE, "invalid --output \"%s\": want json or yaml",
				  f->output);
	if (f->detach && set(f->container))
		return kk_err_set(err, KK_EUSAGE, "--container is incompatible with -d/--detach");
	if (!f->detach && set(f->output))
		return kk_err_set(err, KK_EUSAGE,
				  "--output is incompatible with attach mode (pass -d/--detach)");
	/* --rm is spec.autoDelete: kukeond's reconcile loop deletes the cell once its workload
	 * has exited, which an in-process run cannot promise */
	if (f->rm && ctx->no_daemon)
		return kk_err_set(err, KK_EUSAGE, "--rm is incompatible with --no-daemon");
	if (set(f->file)) {
		if (set(f->name))
			return kk_err_set(err, KK_EUSAGE, "--name is only valid with -p/--profile");
		if (f->params)
			return kk_err_set(err, KK_EUSAGE,
					  "--param is only valid with -p/--profile");
		if (set(f->param_file))
			return kk_err_set(err, KK_EUSAGE,
					  "--param-file is only valid with -p/--profile");
	}
	return 0;
}

/* ---- attach mode ---- */

/* upstream's target precedence: --container (must be attachable), spec.tty.default, the
 * first attachable container in declaration order */
static int attach_target(const struct kk_cell *doc, const char *want, const char **out,
			 struct kk_err *err)
{
	const struct kk_cell_spec *s = &doc->spec;
	cleanup_(kk_strv_freep) char **att = NULL;

	for (size_t i = 0; i < s->n_containers; i++)
		if (s->containers[i].attachable)
			kk_strv_push_take(&att, kk_xstrdup(kk_str(s->containers[i].id)));
	if (set(want)) {
		cleanup_free char *list = att ? kk_strv_join(att, ", ") : kk_xstrdup("<none>");

		for (size_t i = 0; i < s->n_containers; i++) {
			if (strcmp(kk_str(s->containers[i].id), want) != 0)
				continue;
			if (!s->containers[i].attachable)
				return kk_err_set(err, ENOTSUP,
						  "container \"%s\" in cell \"%s\" is not "
						  "attachable: container is not attachable; "
						  "recreate "
						  "with attachable=true; available attachable "
						  "containers: %s",
						  want, doc->meta.name, list);
			*out = s->containers[i].id;
			return 0;
		}
		return kk_err_set(err, ENOENT,
				  "container \"%s\" not found in cell \"%s\": container not found; "
				  "available attachable containers: %s",
				  want, doc->meta.name, list);
	}
	if (s->has_tty && set(s->tty_default)) {
		*out = s->tty_default;
		return 0;
	}
	for (size_t i = 0; i < s->n_containers; i++)
		if (s->containers[i].attachable) {
			*out = s->containers[i].id;
			return 0;
		}
	return kk_err_set(err, ENOENT,
			  "no attachable container in cell (cell \"%s\"); declare 'attachable: "
			  "true' "
			  "on one container or pass -d/--detach",
			  doc->meta.name);
}

/* The exit status of container name once it has stopped (a few seconds at most: kuketty
 * closed the session as the workload ended); -1 when it cannot be told. */
static int workload_status(struct kk_client *c, const struct kk_ref *cell, const char *name)
{
	for (int i = 0; i < 100; i++) {
		struct kk_cell_get_result g = { 0 };
		struct kk_err ignored = { 0 };
		int status = -2;

		if (kk_call_cell_get(c, cell, &g, &ignored) < 0)
			return -1;
		for (size_t k = 0; k < g.cell->status.n_containers; k++) {
			const struct kk_container_status *st = &g.cell->status.containers[k];

			if (strcmp(kk_str(st->name), name) == 0 && st->state != KK_CONTAINER_READY)
				status = (int)(st->exit_code & 0xff);
		}
		kk_cell_get_result_clear(&g);
		if (status >= 0)
			return status;
		nanosleep(&(struct timespec){ 0, 100 * 1000000L }, NULL);
	}
	return -1;
}

static int attach_run(struct kuke_ctx *ctx, struct kk_client *c, const struct kuke_flags *f,
		      const struct kk_cell *doc, const char *target, struct kk_err *err)
{
	struct kk_ref cell = { .realm = doc->spec.realm_id,
			       .space = doc->spec.space_id,
			       .stack = doc->spec.stack_id,
			       .name = doc->meta.name };
	struct kk_ref ref = cell;
	enum kuke_attach_end end = KUKE_ATTACH_DETACHED;
	int rc, status;

	ref.cell = doc->meta.name;
	ref.name = target;
	rc = kuke_attach_container(c, &ref, &end, err);
	if (rc < 0 || end == KUKE_ATTACH_DETACHED)
		return rc; /* detached: the cell stays, even with --rm */
	status = workload_status(c, &cell, target);
	if (status >= 0)
		ctx->exit_status = status;
	if (f->rm) {
		struct kk_action_result k = { 0 };
		struct kk_err kerr = { 0 };

		/* the workload is done: kukeond's reconcile loop deletes the autoDelete cell
		 * once it is down */
		if (kk_call_cell_kill(c, &cell, &k, &kerr) < 0)
			fprintf(stderr, "kuke run: --rm cleanup: failed to kill cell \"%s\": %s\n",
				doc->meta.name, kerr.msg);
		kk_action_result_clear(&k);
	}
	return 0;
}

/* an empty or missing location key of the document's spec gets the flag's value (or
 * "default"), before the document is decoded and validated (upstream resolveCellLocation) */
static void fill_location(cJSON *root, const struct kuke_flags *f)
{
	const char *keys[] = { "realmId", "spaceId", "stackId" };
	const char *vals[] = { f->realm, f->space, f->stack };
	cJSON *spec = cJSON_GetObjectItemCaseSensitive(root, "spec");

	if (!cJSON_IsObject(root))
		return;
	if (!spec || cJSON_IsNull(spec)) {
		cJSON_DeleteItemFromObjectCaseSensitive(root, "spec");
		spec = cJSON_AddObjectToObject(root, "spec");
	}
	if (!cJSON_IsObject(spec))
		return;
	for (size_t i = 0; i < 3; i++) {
		cJSON *v = cJSON_GetObjectItemCaseSensitive(spec, keys[i]);
		const char *s = v && cJSON_IsString(v) ? v->valuestring : NULL;

		if (v && !cJSON_IsNull(v) && (!s || s[strspn(s, " \t\r\n")]))
			continue;
		cJSON_DeleteItemFromObjectCaseSensitive(spec, keys[i]);
		cJSON_AddStringToObject(spec, keys[i], set(vals[i]) ? vals[i] : KUKE_DEFAULT_SCOPE);
	}
}

/* One Cell document from file ("-": stdin), located and validated. */
static int load_cell(const struct kuke_flags *f, struct kk_yaml_stream **stream,
		     struct kk_manifest **out, const struct kk_cell **cell, struct kk_err *err)
{
	const char *path = strcmp(f->file, "-") == 0 ? "/dev/stdin" : f->file;
	cleanup_free char *buf = NULL;
	struct kk_manifest_item *it;
	struct kk_err e = { 0 };
	size_t len = 0;

	if (kk_read_file_max(path, MANIFEST_MAX, &buf, &len, &e) < 0)
		return kk_err_set(err, e.code, "failed to open file \"%s\": %s", f->file, e.msg);
	if (kk_yaml_parse_stream(buf, len, f->file, stream, err) < 0)
		return kk_err_wrap(err, "failed to parse YAML");
	if ((*stream)->n != 1)
		return kk_err_set(err, EINVAL,
				  "expected a single Cell document, got %zu (use `kuke apply -f` "
				  "for "
				  "multi-document streams)",
				  (*stream)->n);
	{
		cJSON *root = (*stream)->docs[0].root;
		const cJSON *kind = root ? cJSON_GetObjectItemCaseSensitive(root, "kind") : NULL;

		if (kind && cJSON_IsString(kind) && strcmp(kind->valuestring, "Cell") == 0)
			fill_location(root, f);
	}
	*out = kk_manifest_decode(*stream);
	it = &(*out)->items[0];
	if (it->kind != KK_KIND_NONE && it->kind != KK_KIND_CELL)
		return kk_err_set(err, EINVAL,
				  "expected kind \"Cell\", got \"%s\" (use `kuke apply -f` for "
				  "non-Cell resources)",
				  kk_kind_name(it->kind));
	if (!it->doc)
		return kk_err_set(err, it->err.code ? it->err.code : EINVAL, "%s", it->err.msg);
	*cell = it->doc->u.cell;
	return 0;
}

/* A Cell from profile f->profile (upstream loadFromProfile), located from the flags where
 * the profile leaves it empty, validated as a Cell document. */
static int load_profile(const struct kuke_flags *f, struct kk_cell **out, struct kk_err *err)
{
	cleanup_(kk_cell_freep) struct kk_cell *c = NULL;
	const char *vals[3] = { f->realm, f->space, f->stack };

	if (kuke_profile_materialize(f->profile, f->name, f->params, f->param_file, &c, err) < 0)
		return -1;
	{
		char **fields[] = { &c->spec.realm_id, &c->spec.space_id, &c->spec.stack_id };

		for (size_t i = 0; i < 3; i++)
			if (!set(*fields[i]))
				kk_str_set(fields[i], set(vals[i]) ? vals[i] : KUKE_DEFAULT_SCOPE);
	}
	if (c->spec.n_containers == 0)
		return kk_err_set(err, EINVAL,
				  "document 0 (Cell \"%s\"): spec.containers is required and "
				  "cannot "
				  "be empty",
				  c->meta.name);
	*out = TAKE_PTR(c);
	return 0;
}

/* ---- divergence (upstream divergedFields) ------------------------------------------------ */

static bool str_eq(const char *a, const char *b)
{
	return strcmp(kk_str(a), kk_str(b)) == 0;
}

static bool volumes_eq(const struct kk_container_spec *a, const struct kk_container_spec *b)
{
	if (a->n_volumes != b->n_volumes)
		return false;
	for (size_t i = 0; i < a->n_volumes; i++) {
		const struct kk_volume_mount *x = &a->volumes[i], *y = &b->volumes[i];

		if (!str_eq(x->kind, y->kind) || !str_eq(x->source, y->source) ||
		    !str_eq(x->target, y->target) || x->read_only != y->read_only ||
		    x->size_bytes != y->size_bytes || x->mode != y->mode)
			return false;
	}
	return true;
}

static bool secrets_eq(const struct kk_container_spec *a, const struct kk_container_spec *b)
{
	if (a->n_secrets != b->n_secrets)
		return false;
	for (size_t i = 0; i < a->n_secrets; i++) {
		const struct kk_secret *x = &a->secrets[i], *y = &b->secrets[i];

		if (!str_eq(x->name, y->name) || !str_eq(x->from_file, y->from_file) ||
		    !str_eq(x->from_env, y->from_env) || !str_eq(x->mount_path, y->mount_path))
			return false;
	}
	return true;
}

static bool tty_empty(const struct kk_container_tty *t)
{
	return !t || (!set(t->prompt) && !set(t->log_file) && t->on_init.n == 0);
}

static bool tty_eq(const struct kk_container_tty *a, const struct kk_container_tty *b)
{
	if (tty_empty(a) || tty_empty(b))
		return tty_empty(a) && tty_empty(b);
	return str_eq(a->prompt, b->prompt) && str_eq(a->log_file, b->log_file) &&
	       kk_strv_equal(&a->on_init, &b->on_init);
}

static void diverged_container(char ***out, const struct kk_container_spec *a,
			       const struct kk_container_spec *d)
{
	const struct {
		const char *name;
		bool same;
	} f[] = {
		{ "image", str_eq(a->image, d->image) },
		{ "command", str_eq(a->command, d->command) },
		{ "args", kk_strv_equal(&a->args, &d->args) },
		{ "workingDir", str_eq(a->working_dir, d->working_dir) },
		{ "env", kk_strv_equal(&a->env, &d->env) },
		{ "ports", kk_strv_equal(&a->ports, &d->ports) },
		{ "volumes", volumes_eq(a, d) },
		{ "networks", kk_strv_equal(&a->networks, &d->networks) },
		{ "networksAliases", kk_strv_equal(&a->networks_aliases, &d->networks_aliases) },
		{ "privileged", a->privileged == d->privileged },
		{ "hostNetwork", a->host_network == d->host_network },
		{ "hostPID", a->host_pid == d->host_pid },
		{ "hostCgroup", a->host_cgroup == d->host_cgroup },
		{ "attachable", a->attachable == d->attachable },
		{ "restartPolicy", str_eq(a->restart_policy, d->restart_policy) },
		{ "secrets", secrets_eq(a, d) },
		{ "tty", tty_eq(a->tty, d->tty) },
	};

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (!f[i].same)
			kk_strv_push_take(out, kk_xasprintf("spec.containers[\"%s\"].%s",
							    kk_str(a->id), f[i].name));
}

static size_t n_user(const struct kk_cell_spec *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n_containers; i++)
		n += !s->containers[i].root;
	return n;
}

/* The fields where the stored cell and the document disagree; NULL when none. */
static char **diverged(const struct kk_cell_spec *a, const struct kk_cell_spec *d)
{
	char **out = NULL;

	if (set(a->realm_id) && !str_eq(a->realm_id, d->realm_id))
		kk_strv_push_take(&out, kk_xstrdup("spec.realmId"));
	if (set(a->space_id) && !str_eq(a->space_id, d->space_id))
		kk_strv_push_take(&out, kk_xstrdup("spec.spaceId"));
	if (set(a->stack_id) && !str_eq(a->stack_id, d->stack_id))
		kk_strv_push_take(&out, kk_xstrdup("spec.stackId"));
	if (a->n_containers == 0)
		return out;
	if (n_user(a) != n_user(d)) {
		kk_strv_push_take(&out,
				  kk_xasprintf("spec.containers (count: actual=%zu, desired=%zu)",
					       n_user(a), n_user(d)));
		return out;
	}
	for (size_t i = 0; i < a->n_containers; i++) {
		const struct kk_container_spec *ac = &a->containers[i], *dc = NULL;

		if (ac->root)
			continue;
		for (size_t j = 0; j < d->n_containers && !dc; j++)
			if (!d->containers[j].root && str_eq(d->containers[j].id, ac->id))
				dc = &d->containers[j];
		if (!dc) {
			kk_strv_push_take(&out,
					  kk_xasprintf("spec.containers[\"%s\"] (missing in file)",
						       kk_str(ac->id)));
			continue;
		}
		diverged_container(&out, ac, dc);
	}
	return out;
}

/* ---- output ------------------------------------------------------------------------------- */

struct summary {
	const struct kk_cell *cell; /* name and location */
	const struct kk_cell_spec *containers;
	bool created, metadata_post, cgroup_created, cgroup_post, root_created, root_post;
	bool started;
	bool containers_created; /* every listed container was created by this call */
};

static const char *outcome(bool post, bool created)
{
	return created ? "created" : post ? "already existed" : "missing";
}

static void print_human(const struct summary *s)
{
	printf("Cell \"%s\" (realm \"%s\", space \"%s\", stack \"%s\")\n",
	       kk_str(s->cell->meta.name), kk_str(s->cell->spec.realm_id),
	       kk_str(s->cell->spec.space_id), kk_str(s->cell->spec.stack_id));
	printf("  - metadata: %s\n", outcome(s->metadata_post, s->created));
	printf("  - cgroup: %s\n", outcome(s->cgroup_post, s->cgroup_created));
	printf("  - root container: %s\n", outcome(s->root_post, s->root_created));
	if (s->containers->n_containers == 0)
		printf("  - containers: none defined\n");
	for (size_t i = 0; i < s->containers->n_containers; i++)
		printf("  - container \"%s\": %s\n", kk_str(s->containers->containers[i].id),
		       outcome(true, s->containers_created));
	printf("  - containers: %s\n", s->started ? "started" : "not started");
}

static void print_structured(const struct summary *s, bool yaml)
{
	cleanup_(kk_json_freep) cJSON *t = cJSON_CreateObject();
	cleanup_free char *text = NULL;
	cJSON *c = cJSON_AddObjectToObject(t, "cell");

	cJSON_AddStringToObject(c, "name", kk_str(s->cell->meta.name));
	cJSON_AddStringToObject(c, "realmId", kk_str(s->cell->spec.realm_id));
	cJSON_AddStringToObject(c, "spaceId", kk_str(s->cell->spec.space_id));
	cJSON_AddStringToObject(c, "stackId", kk_str(s->cell->spec.stack_id));
	cJSON_AddBoolToObject(t, "created", s->created);
	cJSON_AddBoolToObject(t, "metadataExistsPost", s->metadata_post);
	cJSON_AddBoolToObject(t, "cgroupCreated", s->cgroup_created);
	cJSON_AddBoolToObject(t, "cgroupExistsPost", s->cgroup_post);
	cJSON_AddBoolToObject(t, "rootContainerCreated", s->root_created);
	cJSON_AddBoolToObject(t, "rootContainerExistsPost", s->root_post);
	cJSON_AddBoolToObject(t, "started", s->started);
	if (s->containers->n_containers) {
		cJSON *arr = cJSON_AddArrayToObject(t, "containers");

		for (size_t i = 0; i < s->containers->n_containers; i++) {
			cJSON *e = cJSON_CreateObject();

			cJSON_AddStringToObject(e, "name", kk_str(s->containers->containers[i].id));
			cJSON_AddBoolToObject(e, "created", s->containers_created);
			cJSON_AddBoolToObject(e, "existsPost", true);
			cJSON_AddItemToArray(arr, e);
		}
	}
	/* upstream's PrintJSONOrYAML: JSON without a final newline, YAML indented by 4 */
	text = yaml ? kk_yaml_emit(t, 4) : kk_json_print(t, KK_JSON_INDENT);
	fputs(text, stdout);
	fflush(stdout);
}

static void print_summary(const struct summary *s, const char *output)
{
	if (set(output))
		print_structured(s, strcmp(output, "yaml") == 0);
	else
		print_human(s);
}

int kuke_run(struct kuke_ctx *ctx, int arg, const struct kuke_flags *f, int argc, char **argv,
	     struct kk_err *err)
{
	cleanup_(kk_yaml_stream_freep) struct kk_yaml_stream *stream = NULL;
	cleanup_(kk_manifest_freep) struct kk_manifest *m = NULL;
	cleanup_(kk_client_freep) struct kk_client *c = NULL;
	cleanup_(kk_cell_freep) struct kk_cell *owned = NULL;
	struct kk_cell_get_result g = { 0 };
	struct kk_cell_create_result r = { 0 };
	const struct kk_cell *doc = NULL;
	const char *target = NULL;
	struct summary s = { 0 };
	int rc = -1;

	if (argc > 1) {
		kk_err_set(err, KK_EUSAGE, "unknown command \"%s\" for \"kuke run\"", argv[1]);
		goto out;
	}
	if (check_flags(ctx, f, err) < 0)
		goto out;
	if (set(f->profile) ? load_profile(f, &owned, err) < 0
			    : load_cell(f, &stream, &m, &doc, err) < 0)
		goto out;
	if (owned)
		doc = owned;
	if (!doc) {
		kk_err_set(err, EINVAL, "no Cell document");
		goto out;
	}
	if (f->rm)
		((struct kk_cell *)doc)->spec.auto_delete = true;
	if (!f->detach && attach_target(doc, f->container, &target, err) < 0)
		goto out;
	if (kuke_client_open(ctx, &c, err) < 0)
		goto out;

	if (kk_call_cell_get(c,
			     &(struct kk_ref){ .realm = doc->spec.realm_id,
					       .space = doc->spec.space_id,
					       .stack = doc->spec.stack_id,
					       .name = doc->meta.name },
			     &g, err) == 0) {
		cleanup_(kk_strv_freep) char **diff = diverged(&g.cell->spec, &doc->spec);

		if (diff) {
			cleanup_free char *list = kk_strv_join(diff, ", ");

			kk_err_set(err, EEXIST,
				   "cell \"%s\" exists with diverging spec (%s); use `kuke apply "
				   "-f` "
				   "to update",
				   doc->meta.name, list);
			goto out;
		}
		if (g.cell->status.common.state == KK_CELL_READY) {
			s = (struct summary){ .cell = g.cell,
					      .containers = &g.cell->spec,
					      .metadata_post = true,
					      .cgroup_post = true,
					      .root_post = true };
			print_summary(&s, f->output);
			rc = f->detach ? 0 : attach_run(ctx, c, f, doc, target, err);
			goto out;
		}
	} else if (err->code != ENOENT) {
		goto out;
	}
	*err = (struct kk_err){ 0 };
	if (kk_call_cell_create(c,
				&(struct kk_doc){ KK_KIND_CELL, { .cell = (struct kk_cell *)doc } },
				&r, err) < 0)
		goto out;
	s = (struct summary){
		.cell = r.cell,
		.containers = &doc->spec,
		.created = r.created,
		.metadata_post = r.metadata_exists_post,
		.cgroup_created = !r.cgroup_exists_pre && r.cgroup_exists_post,
		.cgroup_post = r.cgroup_exists_post,
		.root_created = r.created || !r.root_container_exists_pre,
		.root_post = r.started,
		.started = r.started,
		.containers_created = r.created,
	};
	print_summary(&s, f->output);
	rc = f->detach ? 0 : attach_run(ctx, c, f, doc, target, err);
out:
	kk_cell_create_result_clear(&r);
	kk_cell_get_result_clear(&g);
	return rc;
}
