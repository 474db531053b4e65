/* common/controller/container.c - see container.h. */
#include "common/controller/container.h"
#include "common/controller/cell.h"
#include "common/controller/cell_env.h"
#include "common/controller/image.h"
#include "common/controller/journal.h"
#include "common/controller/local_internal.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cjson/cJSON.h"
#include "common/cgroup/cgroup.h"
#include "common/cleanup.h"
#include "common/controller/events.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/mem.h"
#include "common/model/codec.h"
#include "common/model/naming.h"
#include "common/runtime/runtime.h"
#include "common/store/paths.h"
#include "common/store/store.h"
#include "common/strv.h"
#include "ctr/ctr.h"

#define KILL_SETTLE_MS 5000

void kk_container_create_result_clear(struct kk_container_create_result *r)
{
	kk_container_free(r->container);
	memset(r, 0, sizeof(*r));
}

void kk_container_get_result_clear(struct kk_container_get_result *r)
{
	kk_container_free(r->container);
	memset(r, 0, sizeof(*r));
}

void kk_container_list_free(struct kk_container **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		kk_container_free(v[i]);
	free(v);
}

char *kk_container_image_normalize(const char *image)
{
	const char *slash;

	if (!image || !*image)
		return kk_xstrdup(image ? image : "");
	if (strstr(image, "://"))
		return kk_xstrdup(image);
	slash = strchr(image, '/');
	if (slash && slash > image) {
		size_t n = (size_t)(slash - image);

		if (memchr(image, '.', n) || memchr(image, ':', n))
			return kk_xstrdup(image);
		return kk_xasprintf("docker.io/%s", image);
	}
	if (!slash)
		return kk_xasprintf("docker.io/library/%s%s", image,
				    strchr(image, ':') ? "" : ":latest");
	return kk_xasprintf("docker.io/library/%s", image);
}

/* ---- the cell's containers ---------------------------------------------------------------- */

static ssize_t find_index(const struct kk_cell_spec *s, const char *id)
{
	for (size_t i = 0; i < s->n_containers; i++)
		if (strcmp(kk_str(s->containers[i].id), kk_str(id)) == 0)
			return (ssize_t)i;
	return -1;
}

/* The spec's root container, as the runtime picks it; -1 for the implicit default root. */
static ssize_t root_index(const struct kk_cell_spec *s)
{
	const struct kk_container_spec *r = kk_cell_root(s);

	return r ? r - s->containers : -1;
}

static bool is_root(const struct kk_cell_spec *s, const char *id)
{
	ssize_t r = root_index(s);

	return r >= 0 ? strcmp(kk_str(s->containers[r].id), kk_str(id)) == 0
		      : strcmp(kk_str(id), KK_RT_ROOT_ID) == 0;
}

static struct kk_container_spec *spec_append(struct kk_cell_spec *s)
{
	s->containers = kk_xrealloc(s->containers, (s->n_containers + 1) * sizeof(*s->containers));
	memset(&s->containers[s->n_containers], 0, sizeof(*s->containers));
	s->containers_set = true;
	return &s->containers[s->n_containers++];
}

/* Derive the runtime view again after the spec changed. */
/* Write the root container the runtime runs by default into the spec (upstream persists
 * it: id `root`, `sleep infinity`), so adding containers never changes which image it is. */
static void root_materialize(struct kk_local *l, struct kk_cell_env *e)
{
	struct kk_cell_spec *s = &e->cell->spec;
	bool any_host = false;
	const char *image;
	struct kk_container_spec *r;

	if (root_index(s) >= 0 || find_index(s, KK_RT_ROOT_ID) >= 0)
		return;
	for (size_t i = 0; i < s->n_containers; i++)
		any_host |= s->containers[i].host_network;
	image = s->n_containers ? s->containers[0].image : KK_CELL_DEFAULT_ROOT_IMAGE;
	{
		char *img = kk_xstrdup(kk_str(image));

		r = spec_append(s);
		r->image = img;
	}
	r->id = kk_xstrdup(KK_RT_ROOT_ID);
	r->root = true;
	r->command = kk_xstrdup("sleep");
	kk_strv_push(&r->args, "infinity");
	r->host_network = any_host;
	r->realm_id = kk_xstrdup(e->realm);
	r->space_id = kk_xstrdup(e->space);
	r->stack_id = kk_xstrdup(e->stack);
	r->cell_id = kk_xstrdup(kk_str(e->cell->spec.id));
	kk_naming_root_containerd_id(e->space, e->stack, kk_str(e->cell->spec.id),
				     &r->containerd_id, &(struct kk_err){ 0 });
	kk_str_set(&s->root_container_id, KK_RT_ROOT_ID);
	if (e->paths.cell_dir)
		kk_cell_env_rederive(l, e); /* e->rc pointed into the old array */
}

/* Status from containerd (Unknown when it fails), then metadata.json. */
static int store(struct kk_local *l, struct kk_cell_env *e, struct kk_err *err)
{
	struct kk_rt_cell_info info = { 0 };

	struct kk_err ignored = { 0 };

	if (kk_rt_cell_status(&e->rt, &e->rc, &info, &ignored) == 0) {
		kk_cell_status_fill(e->cell, &info, e->rc.cgroup_path);
	} else {
		kk_log_ignored(l->log, &ignored, "status of cell `%s` (stored as unknown)",
			       kk_str(e->name));
		e->cell->status.common.state = KK_CELL_UNKNOWN;
		kk_cell_status_fill(e->cell, NULL, NULL);
	}
	kk_rt_cell_info_clear(&info);
	return kk_cell_put(l, &e->ref, e->cell, err);
}

enum missing { MISSING_PLAIN, MISSING_IN_STACK };

/* Names, the stored cell, the runtime; a missing cell is ENOENT in the caller's words. */
static int open_cell(struct kk_local *l, struct kk_cell_env *e, const char *realm,
		     const char *space, const char *stack, const char *cell, enum missing how,
		     struct kk_store **held, struct kk_err *err)
{
	int rc;

	if (!cell || !*cell) {
		kk_err_set(err, EINVAL, "cell name is required");
		return -1;
	}
	rc = kk_cell_env_load(l, e, realm, space, stack, cell, false, held, err);
	if (rc < 0)
		return -1;
	if (rc == 0 || !e->cell) {
		if (how == MISSING_IN_STACK)
			kk_cell_not_found(err, &e->ref);
		else
			kk_err_set(err, ENOENT, "cell \"%s\" not found", e->name);
		return -1;
	}
	return kk_cell_env_runtime(l, e, err);
}

static int root_pid(struct kk_cell_env *e, uint32_t *pid)
{
	struct kk_rt_cell_info info = { 0 };
	int rc = kk_rt_cell_status(&e->rt, &e->rc, &info, &(struct kk_err){ 0 });

	*pid = rc == 0 ? info.root_pid : 0;
	kk_rt_cell_info_clear(&info);
	return rc;
}

/* Check the new container (with the root it joins) without side effects; the cell's other
 * containers are not checked again (their secrets and volumes are theirs to fail on). */
static int validate_one(const struct kk_cell_env *e, const struct kk_container_spec *s,
			struct kk_err *err)
{
	struct kk_container_spec pair[2];
	struct kk_rt_cell c = e->rc;
	ssize_t r = root_index(&e->cell->spec);
	size_t n = 0;

	if (r >= 0 && strcmp(kk_str(e->cell->spec.containers[r].id), kk_str(s->id)) != 0)
		pair[n++] = e->cell->spec.containers[r];
	pair[n++] = *s;
	c.containers = pair;
	c.n_containers = n;
	return kk_rt_cell_validate(&c, err);
}

/* The image must be in the realm's namespace: pulled (upstream §5.2) when it is not. */
static int image_check(struct kk_cell_env *e, const char *image, struct kk_err *err)
{
	return kk_image_ensure(e->conn, e->r, image, err);
}

/* upstream's validateVolumes: the messages the controller gives before any runtime work */
static int volumes_validate(const struct kk_container_spec *s, struct kk_err *err)
{
	for (size_t i = 0; i < s->n_volumes; i++) {
		const struct kk_volume_mount *v = &s->volumes[i];
		const char *kind = kk_str(v->kind), *dst = kk_str(v->target),
			   *src = kk_str(v->source);
		struct stat st;

		if (!*dst)
			return kk_err_set(err, EINVAL, "volume target is required (volume[%zu])",
					  i);
		if (dst[0] != '/')
			return kk_err_set(err, EINVAL,
					  "volume target must be an absolute container path "
					  "(volume[%zu] target \"%s\")",
					  i, dst);
		if (!strcmp(kind, "tmpfs")) {
			if (*src)
				return kk_err_set(err, EINVAL,
						  "tmpfs volume must not set a source; tmpfs is "
						  "in-memory and has no host backing (volume[%zu] "
						  "source \"%s\")",
						  i, src);
			continue;
		}
		if (*kind && strcmp(kind, "bind") != 0)
			return kk_err_set(err, EINVAL,
					  "volume kind is not recognized; expected \"\", \"bind\", "
					  "or \"tmpfs\" (volume[%zu] kind \"%s\")",
					  i, kind);
		if (!*src)
			return kk_err_set(err, EINVAL, "volume source is required (volume[%zu])",
					  i);
		if (src[0] != '/')
			return kk_err_set(err, EINVAL,
					  strchr(src, '/')
						  ? "volume source must be an absolute host path "
						    "(volume[%zu] source \"%s\")"
						  : "named or managed volumes are not supported; "
						    "use "
						    "an absolute host path as source (volume[%zu] "
						    "source \"%s\")",
					  i, src);
		if (stat(src, &st) < 0) {
			if (errno == ENOENT)
				return kk_err_set(err, ENOENT,
						  "volume source does not exist on the host "
						  "(volume[%zu] source \"%s\")",
						  i, src);
			return kk_err_sys(err, "failed to stat volume[%zu] source \"%s\"", i, src);
		}
	}
	return 0;
}

/* A Container document for spec id (from the cell, live status). */
static struct kk_container *doc_for(const struct kk_cell *cell, const struct kk_container_spec *s,
				    bool keep_containerd_id)
{
	struct kk_container *c = kk_xcalloc(1, sizeof(*c));

	c->api_version = kk_xstrdup(KK_API_VERSION);
	c->kind = kk_xstrdup("Container");
	c->meta.name = kk_xstrdup(kk_str(s->id));
	c->meta.labels.set = true;
	kk_container_spec_copy(&c->spec, s);
	if (!keep_containerd_id) {
		free(c->spec.containerd_id);
		c->spec.containerd_id = NULL;
	}
	c->status.name = kk_xstrdup(kk_str(s->id));
	c->status.id = kk_xstrdup(kk_str(s->id));
	c->status.state = KK_CONTAINER_UNKNOWN;
	for (size_t i = 0; i < cell->status.n_containers; i++) {
		const struct kk_container_status *st = &cell->status.containers[i];

		if (strcmp(kk_str(st->id), kk_str(s->id)) != 0)
			continue;
		c->status.state = st->state;
		c->status.restart_count = st->restart_count;
		c->status.restart_time = st->restart_time;
		c->status.start_time = st->start_time;
		c->status.finish_time = st->finish_time;
		c->status.exit_code = st->exit_code;
		c->status.exit_signal = st->exit_signal ? kk_xstrdup(st->exit_signal) : NULL;
		break;
	}
	return c;
}

/* Upstream's reply doc for a container the cell's spec does not list: the request's. */
static struct kk_container *requested_doc(const struct kk_cell_env *e, const char *name)
{
	struct kk_container *c = kk_xcalloc(1, sizeof(*c));

	c->api_version = kk_xstrdup(KK_API_VERSION);
	c->kind = kk_xstrdup("Container");
	c->meta.name = kk_xstrdup(name);
	c->spec.id = kk_xstrdup(name);
	c->spec.realm_id = kk_xstrdup(e->realm);
	c->spec.space_id = kk_xstrdup(e->space);
	c->spec.stack_id = kk_xstrdup(e->stack);
	c->spec.cell_id = kk_xstrdup(e->name);
	return c;
}

/* ---- create ------------------------------------------------------------------------------- */

int kk_ctl_container_create(struct kk_local *l, const struct kk_container *req,
			    struct kk_container_create_result *res, struct kk_err *err)
{
	cleanup_(kk_store_unlockp) struct kk_store *held = NULL;
	struct kk_container_create_result out = { 0 };
	struct kk_journal *journal = NULL;
	struct kk_cell_env e = { 0 };
	cleanup_free char *name = NULL;
	struct kk_container_spec *s;
	const char *id_in = req->spec.id && *req->spec.id ? req->spec.id : req->meta.name;
	bool running;
	ssize_t at;
	int rc = -1;

	if (!id_in || !*id_in)
		return kk_err_set(err, EINVAL, "container name is required");
	if (kk_name_validate("container", id_in, &name, err) < 0)
		return -1;
	if (!req->spec.image || !*req->spec.image)
		return kk_err_set(err, EINVAL, "invalid image reference");
	if (volumes_validate(&req->spec, err) < 0)
		return -1;
	if (open_cell(l, &e, req->spec.realm_id, req->spec.space_id, req->spec.stack_id,
		      req->spec.cell_id, MISSING_PLAIN, &held, err) < 0)
		goto out;
	root_materialize(l, &e);
	{
		uint32_t pid = 0;

		root_pid(&e, &pid);
		running = pid != 0;
	}
	at = find_index(&e.cell->spec, name);
	if (at >= 0) {
		/* ensure: the stored spec stays, a container that does not run is started */
		out.container_exists_pre = true;
		out.started = running;
		if (running && !is_root(&e.cell->spec, name)) {
			kk_cell_env_rederive(l, &e);
			if (kk_rt_cell_container_start(&e.rt, &e.rc, name, NULL, err) < 0) {
				kk_err_wrap(err, "failed to start container %s", name);
				goto out;
			}
		}
	} else {
		if (req->spec.root) {
			ssize_t r = root_index(&e.cell->spec);

			kk_err_set(err, EEXIST,
				   "cell \"%s\" already has a root container \"%s\": a cell has "
				   "exactly one root container",
				   e.name, r >= 0 ? kk_str(e.cell->spec.containers[r].id) : "root");
			goto out;
		}
		s = spec_append(&e.cell->spec);
		kk_container_spec_copy(s, &req->spec);
		kk_str_set(&s->id, name);
		kk_str_set(&s->realm_id, e.realm);
		kk_str_set(&s->space_id, e.space);
		kk_str_set(&s->stack_id, e.stack);
		kk_str_set(&s->cell_id, kk_str(e.cell->spec.id));
		free(s->containerd_id);
		s->containerd_id = NULL;
		kk_naming_containerd_id(e.space, e.stack, kk_str(e.cell->spec.id), name,
					&s->containerd_id, &(struct kk_err){ 0 });
		kk_cell_env_rederive(l, &e);
		if (validate_one(&e, s, err) < 0 || image_check(&e, s->image, err) < 0 ||
		    (running &&
		     kk_journal_container_begin(l, &e.ref, name, "create", &journal, err) < 0)) {
			kk_err_wrap(err, "failed to create container %s", name);
			goto out;
		}
		e.rt.step = kk_journal_step;
		e.rt.step_arg = journal;
		if (running && kk_rt_cell_container_start(&e.rt, &e.rc, name, NULL, err) < 0) {
			kk_err_wrap(err, "failed to create container %s", name);
			goto out;
		}
		out.created = true;
		out.started = running;
	}
	if (store(l, &e, err) < 0) {
		struct kk_err ignored = { 0 };

		if (out.created)
			kk_rt_cell_container_delete(&e.rt, &e.rc, name, &ignored);
		kk_log_ignored(l->log, &ignored, "undo: delete container `%s`", name);
		goto out;
	}
	out.container_exists_post = true;
	at = find_index(&e.cell->spec, name);
	out.container = doc_for(e.cell, &e.cell->spec.containers[at], true);
	kk_labels_copy(&out.container->meta.labels, &req->meta.labels);
	out.container->meta.labels.set = true;
	if (out.created)
		kk_events_record(l, "ContainerCreated", e.realm, e.space, e.stack, e.name, name);
	*res = out;
	rc = 0;
out:
	kk_journal_end(journal);
	kk_cell_env_clear(&e);
	return rc;
}

/* ---- get / list --------------------------------------------------------------------------- */

int kk_ctl_container_get(struct kk_local *l, const char *realm, const char *space,
			 const char *stack, const char *cell, const char *name,
			 struct kk_container_get_result *res, struct kk_err *err)
{
	struct kk_cell_env e = { 0 };
	ssize_t at;
	int rc = -1;

	if (!name || !*name)
		return kk_err_set(err, EINVAL, "container name is required");
	if (!cell || !*cell)
		return kk_err_set(err, EINVAL, "cell name is required");
	rc = kk_cell_env_load(l, &e, realm, space, stack, cell, false, NULL, err);
	if (rc <= 0) {
		if (rc == 0)
			kk_err_set(err, ENOENT, "failed to get cell \"%s\": cell not found",
				   e.name);
		rc = -1;
		goto out;
	}
	rc = -1;
	root_materialize(l, &e);
	at = find_index(&e.cell->spec, name);
	if (at < 0) {
		kk_err_set(err, ENOENT, "container \"%s\" not found", name);
		goto out;
	}
	kk_cell_env_status_live(l, &e, NULL, 0);
	res->container = doc_for(e.cell, &e.cell->spec.containers[at], false);
	rc = 0;
out:
	kk_cell_env_clear(&e);
	return rc;
}

int kk_ctl_container_list(struct kk_local *l, const char *realm, const char *space,
			  const char *stack, const char *cell, struct kk_container ***out,
			  size_t *n, struct kk_err *err)
{
	struct kk_cell **cells = NULL;
	struct kk_container **v = NULL;
	size_t n_cells = 0, k = 0;

	if (kk_ctl_cell_list(l, realm && *realm ? realm : NULL, space && *space ? space : NULL,
			     stack && *stack ? stack : NULL, &cells, &n_cells, err) < 0)
		return -1;
	for (size_t i = 0; i < n_cells; i++) {
		struct kk_cell_env e = { 0 };

		if (cell && *cell && strcmp(kk_str(cells[i]->meta.name), cell) != 0)
			continue;
		if (kk_cell_env_names(&e, cells[i]->spec.realm_id, cells[i]->spec.space_id,
				      cells[i]->spec.stack_id, cells[i]->meta.name,
				      &(struct kk_err){ 0 }) < 0) {
			kk_cell_env_clear(&e);
			continue;
		}
		e.cell = TAKE_PTR(cells[i]);
		root_materialize(l, &e);
		if (!kk_cell_env_status_live(l, &e, NULL, 0))
			for (size_t j = 0; j < e.cell->status.n_containers; j++)
				e.cell->status.containers[j].state = KK_CONTAINER_UNKNOWN;
		v = kk_xrealloc(v, (k + e.cell->spec.n_containers + 1) * sizeof(void *)); /* ptrs */
		for (size_t j = 0; j < e.cell->spec.n_containers; j++) {
			v[k] = doc_for(e.cell, &e.cell->spec.containers[j], true);
			v[k]->spec.root |= is_root(&e.cell->spec, e.cell->spec.containers[j].id);
			k++;
		}
		kk_cell_env_clear(&e);
	}
	kk_cell_list_free(cells, n_cells);
	*out = v;
	*n = k;
	return 0;
}

/* ---- update (apply) ----------------------------------------------------------------------- */

/* Drop what says "nothing": null, "", false, 0, [] and {} (nil and empty are equal). */
static void prune(cJSON *o)
{
	cJSON *it = o ? o->child : NULL;

	while (it) {
		cJSON *next = it->next;

		if (cJSON_IsObject(it) || cJSON_IsArray(it))
			prune(it);
		if (cJSON_IsObject(o) &&
		    (cJSON_IsNull(it) || cJSON_IsFalse(it) ||
		     (cJSON_IsString(it) && !*it->valuestring) ||
		     (cJSON_IsNumber(it) && it->valuedouble == 0) ||
		     ((cJSON_IsObject(it) || cJSON_IsArray(it)) && !it->child)))
			cJSON_Delete(cJSON_DetachItemViaPointer(o, it));
		it = next;
	}
}

static cJSON *comparable(const struct kk_container_spec *s)
{
	static const char *const derived[] = { "id",      "containerdId", "realmId",      "spaceId",
					       "stackId", "cellId",       "cniConfigPath" };
	cJSON *t = kk_container_spec_encode(s, KK_ENC_JSON);

	for (size_t i = 0; i < sizeof(derived) / sizeof(derived[0]); i++)
		cJSON_DeleteItemFromObjectCaseSensitive(t, derived[i]);
	prune(t);
	return t;
}

/* The manifest keys whose values differ, in spec order. */
static char **spec_diff(const struct kk_container_spec *a, const struct kk_container_spec *b)
{
	cJSON *x = comparable(a), *y = comparable(b);
	cJSON *order = kk_container_spec_encode(a, KK_ENC_JSON);
	char **fields = NULL;

	for (cJSON *k = order->child; k; k = k->next) {
		cJSON *p = cJSON_GetObjectItemCaseSensitive(x, k->string);
		cJSON *q = cJSON_GetObjectItemCaseSensitive(y, k->string);

		if ((p || q) && (!p || !q || !cJSON_Compare(p, q, true)))
			kk_strv_push_take(&fields, kk_xstrdup(k->string));
	}
	/* keys a leaves out entirely (omitempty) */
	for (cJSON *k = y->child; k; k = k->next)
		if (!cJSON_GetObjectItemCaseSensitive(order, k->string) &&
		    !kk_strv_contains(fields, k->string))
			kk_strv_push_take(&fields, kk_xstrdup(k->string));
	cJSON_Delete(order);
	cJSON_Delete(x);
	cJSON_Delete(y);
	return fields;
}

int kk_ctl_container_update(struct kk_local *l, const struct kk_container *desired, char ***changes,
			    struct kk_err *err)
{
	cleanup_(kk_store_unlockp) struct kk_store *held = NULL;
	struct kk_container_spec want = { 0 }, old = { 0 };
	struct kk_cell_env e = { 0 };
	cleanup_free char *name = NULL;
	char **fields = NULL;
	uint32_t pid = 0;
	bool running;
	const char *id_in =
		desired->spec.id && *desired->spec.id ? desired->spec.id : desired->meta.name;
	ssize_t at;
	int rc = -1;

	if (kk_name_validate("container", id_in, &name, err) < 0)
		return -1;
	if (open_cell(l, &e, desired->spec.realm_id, desired->spec.space_id, desired->spec.stack_id,
		      desired->spec.cell_id, MISSING_PLAIN, &held, err) < 0)
		goto out;
	root_materialize(l, &e);
	at = find_index(&e.cell->spec, name);
	if (at < 0) {
		kk_err_set(err, ENOENT, "container \"%s\" not found in cell \"%s\"", name, e.name);
		goto out;
	}
	kk_container_spec_copy(&old, &e.cell->spec.containers[at]);
	kk_container_spec_copy(&want, &desired->spec);
	kk_str_set(&want.id, name);
	kk_str_set(&want.realm_id, old.realm_id);
	kk_str_set(&want.space_id, old.space_id);
	kk_str_set(&want.stack_id, old.stack_id);
	kk_str_set(&want.cell_id, old.cell_id);
	kk_str_set(&want.containerd_id, old.containerd_id);
	kk_str_set(&want.cni_config_path, old.cni_config_path);
	if (is_root(&e.cell->spec, name) && !want.root)
		want.root = old.root; /* the root may be written without `root: true` */
	fields = spec_diff(&old, &want);
	if (!fields) {
		rc = 0;
		goto out;
	}
	if (is_root(&e.cell->spec, name) || want.root) {
		cleanup_free char *list = kk_strv_join(fields, " ");

		kk_err_set(err, EINVAL,
			   "container \"%s\" has breaking changes: [%s]. Delete the container and "
			   "recreate it with the new spec",
			   name, list);
		goto out;
	}
	if (volumes_validate(&want, err) < 0)
		goto out;
	/* check the new spec before the old container goes */
	kk_container_spec_copy(&e.cell->spec.containers[at], &want);
	kk_cell_env_rederive(l, &e);
	if (validate_one(&e, &e.cell->spec.containers[at], err) < 0 ||
	    image_check(&e, want.image, err) < 0) {
		kk_err_wrap(err, "update container %s", name);
		goto out;
	}
	kk_container_spec_copy(&e.cell->spec.containers[at], &old);
	kk_cell_env_rederive(l, &e);
	root_pid(&e, &pid);
	running = pid != 0;
	if (kk_rt_cell_container_delete(&e.rt, &e.rc, name, err) < 0) {
		kk_err_wrap(err, "update container %s", name);
		goto out;
	}
	kk_container_spec_copy(&e.cell->spec.containers[at], &want);
	kk_cell_env_rederive(l, &e);
	if (running && kk_rt_cell_container_start(&e.rt, &e.rc, name, NULL, err) < 0) {
		kk_err_wrap(err, "update container %s", name);
		/* put the old one back as it was */
		kk_container_spec_copy(&e.cell->spec.containers[at], &old);
		kk_cell_env_rederive(l, &e);
		struct kk_err ignored = { 0 };

		kk_rt_cell_container_start(&e.rt, &e.rc, name, NULL, &ignored);
		kk_log_ignored(l->log, &ignored, "undo: start the previous container `%s`", name);
		goto out;
	}
	if (store(l, &e, err) < 0)
		goto out;
	*changes = TAKE_PTR(fields);
	rc = 0;
out:
	kk_strv_free(fields);
	kk_container_spec_clear(&want);
	kk_container_spec_clear(&old);
	kk_cell_env_clear(&e);
	return rc;
}

/* ---- lifecycle ------------------------------------------------------------------------------ */

enum op { OP_START, OP_STOP, OP_KILL, OP_DELETE, OP_PURGE };

static int refuse_root(const struct kk_cell_env *e, enum op op, struct kk_err *err)
{
	static const char *const done[] = { "started", "stopped", "killed", "deleted", "purged" };
	static const char *const verb[] = { "start", "stop", "kill", "delete", "purge" };

	return kk_err_set(err, EINVAL,
			  "root container cannot be %s directly, %s the cell instead using 'kuke "
			  "%s cell %s'",
			  done[op], verb[op], verb[op], e->name);
}

/* After SIGKILL the task needs a moment to be reported stopped. */
static void kill_settle(struct kk_cell_env *e, const char *id)
{
	struct timespec nap = { 0, 50 * 1000 * 1000 };

	for (int waited = 0; waited < KILL_SETTLE_MS; waited += 50) {
		struct kk_container_status st = { 0 };
		int r = kk_rt_container_status(&e->rt, id, NULL, &st, NULL, &(struct kk_err){ 0 });
		bool running = r == 0 && st.state == KK_CONTAINER_READY;

		kk_container_status_clear(&st);
		if (!running)
			return;
		nanosleep(&nap, NULL);
	}
}

static int lifecycle(struct kk_local *l, enum op op, const char *realm, const char *space,
		     const char *stack, const char *cell, const char *name,
		     struct kk_delete_result *res, struct kk_err *err)
{
	static const char *const verb[] = { "start", "stop", "kill", "delete", "purge" };
	cleanup_(kk_store_unlockp) struct kk_store *held = NULL;
	struct kk_journal *journal = NULL;
	struct kk_cell_env e = { 0 };
	cleanup_free char *cid = NULL;
	cleanup_free char *dir = NULL;
	bool removes = op == OP_DELETE || op == OP_PURGE, unfinished;
	ssize_t at;
	int rc = -1;

	if (!name || !*name)
		return kk_err_set(err, EINVAL, "container name is required");
	e.journal_own = removes ? name : NULL; /* a create or delete of it that died: finished */
	if (open_cell(l, &e, realm, space, stack, cell, MISSING_IN_STACK, &held, err) < 0)
		goto out;
	unfinished = removes && kk_journal_container_exists(l, &e.ref, name);
	root_materialize(l, &e);
	at = find_index(&e.cell->spec, name);
	if (at >= 0 && is_root(&e.cell->spec, name)) {
		refuse_root(&e, op, err);
		goto out;
	}
	if (at >= 0)
		kk_rt_cell_container_id(&e.rc, &e.cell->spec.containers[at], &cid,
					&(struct kk_err){ 0 });
	else if (op == OP_PURGE || unfinished)
		kk_naming_containerd_id(e.space, e.stack, kk_str(e.cell->spec.id), name, &cid,
					&(struct kk_err){ 0 });
	if (res) /* the container as found; a purge of one not in the spec: the request's */
		res->container = at >= 0 ? doc_for(e.cell, &e.cell->spec.containers[at], false)
					 : requested_doc(&e, name);
	if (at < 0) {
		struct ctr_container c = { 0 };
		bool found = (unfinished && cid) ||
			     (op == OP_PURGE && cid &&
			      ctr_container_get(e.conn, cid, &c, &(struct kk_err){ 0 }) == 0);

		ctr_container_clear(&c);
		if (!found) {
			kk_err_set(err, ENOENT, "container \"%s\" not found in cell \"%s\"", name,
				   e.name);
			goto out;
		}
	}
	if (removes && kk_journal_container_begin(l, &e.ref, name, "delete", &journal, err) < 0)
		goto out;
	e.rt.step = kk_journal_step;
	e.rt.step_arg = journal;
	switch (op) {
	case OP_START:
		rc = kk_rt_cell_container_start(&e.rt, &e.rc, name, NULL, err);
		break;
	case OP_STOP:
		rc = kk_rt_cell_container_stop(&e.rt, &e.rc, name, err);
		break;
	case OP_KILL:
		rc = kk_rt_cell_container_kill(&e.rt, &e.rc, name, SIGKILL, err);
		if (rc < 0 && err->code == ENOENT)
			rc = 0, *err = (struct kk_err){ 0 }; /* no task: nothing to kill */
		if (rc == 0)
			kill_settle(&e, cid);
		break;
	case OP_DELETE:
		rc = at >= 0 ? kk_rt_cell_container_delete(&e.rt, &e.rc, name, err)
			     : kk_rt_container_delete(&e.rt, cid, err);
		break;
	case OP_PURGE:
		kk_rt_container_delete(&e.rt, cid, err);
		kk_log_ignored(l->log, err, "purge container `%s`", name);
		rc = 0;
		break;
	}
	if (rc < 0) {
		kk_err_wrap(err, "failed to %s container %s", verb[op], name);
		goto out;
	}
	if (op == OP_DELETE || op == OP_PURGE) {
		dir = kk_xasprintf("%s/%s", e.paths.cell_dir, name);
		struct kk_err ignored = { 0 };

		kk_rm_rf(dir, &ignored);
		kk_log_ignored(l->log, &ignored, "remove the directory of container `%s`", name);
		if (at >= 0) {
			kk_cell_spec_remove(&e.cell->spec, (size_t)at);
			kk_cell_env_rederive(l, &e);
			if (res)
				res->metadata_deleted = true;
		}
		if (op == OP_PURGE && res)
			kk_strv_push_take(&res->cleaned, kk_xstrdup("orphaned-containers"));
		if (kk_rt_step(&e.rt, "container-delete:metadata", err) < 0) {
			rc = -1;
			goto out;
		}
	}
	rc = store(l, &e, err);
	if (rc == 0 && res) {
		res->cell_metadata_exists = true;
		res->container_exists = at >= 0;
		kk_local_tokens(&res->deleted, NULL, NULL, at >= 0 ? "container task" : NULL);
		if (op == OP_PURGE)
			kk_local_tokens(&res->purged, NULL, NULL,
					"cni-resources ipam-allocation cache-entries");
	}
	/* the exit is on disk: now the stopped task (and its shim) can go */
	if (rc == 0 && (op == OP_STOP || op == OP_KILL) &&
	    kk_rt_cell_container_release(&e.rt, &e.rc, name, err) < 0) {
		kk_err_wrap(err, "failed to %s container %s", verb[op], name);
		rc = -1;
	}
out:
	kk_journal_end(journal);
	kk_cell_env_clear(&e);
	return rc;
}

int kk_ctl_container_start(struct kk_local *l, const char *realm, const char *space,
			   const char *stack, const char *cell, const char *name,
			   struct kk_err *err)
{
	return lifecycle(l, OP_START, realm, space, stack, cell, name, NULL, err);
}

int kk_ctl_container_stop(struct kk_local *l, const char *realm, const char *space,
			  const char *stack, const char *cell, const char *name, struct kk_err *err)
{
	return lifecycle(l, OP_STOP, realm, space, stack, cell, name, NULL, err);
}

int kk_ctl_container_kill(struct kk_local *l, const char *realm, const char *space,
			  const char *stack, const char *cell, const char *name, struct kk_err *err)
{
	return lifecycle(l, OP_KILL, realm, space, stack, cell, name, NULL, err);
}

int kk_ctl_container_delete(struct kk_local *l, const char *realm, const char *space,
			    const char *stack, const char *cell, const char *name,
			    struct kk_delete_result *res, struct kk_err *err)
{
	return lifecycle(l, OP_DELETE, realm, space, stack, cell, name, res, err);
}

int kk_ctl_container_purge(struct kk_local *l, const char *realm, const char *space,
			   const char *stack, const char *cell, const char *name,
			   struct kk_delete_result *res, struct kk_err *err)
{
	return lifecycle(l, OP_PURGE, realm, space, stack, cell, name, res, err);
}
