/* common/controller/cell_env.c - see cell_env.h. */
#include "common/controller/cell_env.h"
#include "common/controller/image.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjson/cJSON.h"
#include "common/cgroup/cgroup.h"
#include "common/cleanup.h"
#include "common/controller/journal.h"
#include "common/controller/namespace.h"
#include "common/json.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/model/codec.h"
#include "common/model/naming.h"
#include "common/store/instance.h"
#include "common/strv.h"
#include "ctr/ctr.h"

#define DEFAULT_SCOPE "default"

const char *kk_cell_scope(const char *s)
{
	return s && *s ? s : DEFAULT_SCOPE;
}

int kk_cell_prepare(struct kk_local *l, struct kk_err *err)
{
	if (!l->instance_ok) {
		if (kk_instance_verify_or_write(l->store, l->ns_suffix, l->cgroup_root, err) < 0)
			return -1;
		l->instance_ok = true;
	}
	if (kk_local_cgroup(l, err) < 0)
		return -1;
	return 0;
}

int kk_cell_put(struct kk_local *l, const struct kk_store_ref *ref, const struct kk_cell *c,
		struct kk_err *err)
{
	return kk_local_put(l, ref, kk_cell_encode(c, KK_ENC_JSON), err);
}

int kk_cell_not_found(struct kk_err *err, const struct kk_store_ref *ref)
{
	return kk_err_set(err, ENOENT,
			  "cell \"%s\" not found in realm \"%s\", space \"%s\", "
			  "stack \"%s\"",
			  ref->cell, ref->realm, ref->space, ref->stack);
}

void kk_cell_env_clear(struct kk_cell_env *e)
{
	kk_rt_cell_paths_clear(&e->paths);
	ctr_disconnect(e->conn);
	kk_cell_free(e->cell);
	kk_space_free(e->s);
	kk_realm_free(e->r);
	free(e->realm);
	free(e->space);
	free(e->stack);
	free(e->name);
	memset(e, 0, sizeof(*e));
}

int kk_cell_env_names(struct kk_cell_env *e, const char *realm, const char *space,
		      const char *stack, const char *name, struct kk_err *err)
{
	if (kk_name_validate("cell", name, &e->name, err) < 0 ||
	    kk_name_validate("realm", kk_cell_scope(realm), &e->realm, err) < 0 ||
	    kk_name_validate("space", kk_cell_scope(space), &e->space, err) < 0 ||
	    kk_name_validate("stack", kk_cell_scope(stack), &e->stack, err) < 0)
		return -1;
	e->ref = (struct kk_store_ref){ e->realm, e->space, e->stack, e->name };
	return 0;
}

/* Load realm and space (namespace, defaults) and connect to containerd in the realm's
 * namespace; e->cell must be set. */
int kk_cell_env_runtime(struct kk_local *l, struct kk_cell_env *e, struct kk_err *err)
{
	cleanup_free char *ns = NULL;
	int rc;

	rc = kk_local_load_realm(l, &(struct kk_store_ref){ .realm = e->realm }, &e->r, err);
	if (rc < 0)
		return -1;
	ns = kk_realm_ns(l, rc == 1 ? e->r : NULL, e->realm);
	if (kk_local_connect(l, ns, &e->conn, err) < 0)
		return -1;
	ctr_set_timeout(e->conn, 60000);
	if (kk_local_load_space(l, &(struct kk_store_ref){ .realm = e->realm, .space = e->space },
				&e->s, err) < 0)
		return -1;
	e->cni = kk_local_cni_host(l);
	e->rt = (struct kk_rt){ .conn = e->conn,
				.cg = l->cg,
				.cni = &e->cni,
				.log = l->log,
				.run_path = l->run_path,
				.kukeon_gid = kk_local_kukeon_gid(l) };
	kk_cell_env_rederive(l, e);
	return 0;
}

bool kk_cell_env_status_live(struct kk_local *l, struct kk_cell_env *e, char *ip, size_t ip_size)
{
	struct kk_rt_cell_info info = { 0 };
	struct kk_err ignored = { 0 };
	bool ok = false;

	if (kk_local_cgroup(l, &ignored) == 0 && kk_cell_env_runtime(l, e, &ignored) == 0 &&
	    kk_rt_cell_status(&e->rt, &e->rc, &info, &ignored) == 0) {
		struct kk_time keep = e->cell->status.common.updated_at;

		kk_cell_status_fill(e->cell, &info, NULL);
		e->cell->status.common.updated_at = keep;
		if (ip)
			snprintf(ip, ip_size, "%s", info.ip);
		ok = true;
	}
	kk_log_ignored(l->log, &ignored, "live status of cell `%s` (the stored one stands)",
		       kk_str(e->name));
	kk_rt_cell_info_clear(&info);
	return ok;
}

void kk_cell_env_rederive(struct kk_local *l, struct kk_cell_env *e)
{
	kk_rt_cell_paths_clear(&e->paths);
	kk_rt_cell_from_model(e->cell, l->run_path, l->cgroup_root,
			      e->s ? e->s->spec.defaults_container : NULL,
			      e->cell->spec.n_containers ? NULL : KK_CELL_DEFAULT_ROOT_IMAGE,
			      &e->rc, &e->paths);
	e->rc.egress = e->s ? e->s->spec.egress : NULL;
}

int kk_cell_env_load(struct kk_local *l, struct kk_cell_env *e, const char *realm,
		     const char *space, const char *stack, const char *name, bool must_exist,
		     struct kk_store **held, struct kk_err *err)
{
	int rc;

	/* prepare first: its instance check may take the whole store, which the cell's
	 * lock (shared on the store) could not then be raised to */
	if (kk_cell_env_names(e, realm, space, stack, name, err) < 0 ||
	    (held && (kk_cell_prepare(l, err) < 0 ||
		      kk_store_lock_ref_scoped(l->store, &e->ref, KK_STORE_LOCK_TIMEOUT_MS, held,
					       err) < 0)))
		return -1;
	if (held) /* what a container create or delete that died left (journal.h) */
		kk_journal_recover_containers(l, &e->ref, e->journal_own);
	rc = kk_local_load_cell(l, &e->ref, &e->cell, err);
	if (rc < 0) {
		char why[sizeof(err->msg)];

		e->unreadable = true;
		snprintf(why, sizeof(why), "%s", err->msg);
		return kk_err_set(err, err->code,
				  "%s (`kuke purge cell %s` removes the cell without it)", why,
				  e->name);
	}
	if (rc == 0 && must_exist)
		return kk_cell_not_found(err, &e->ref);
	return rc < 0 ? -1 : rc;
}

/* Load an existing cell and its runtime. */
int kk_cell_env_open(struct kk_local *l, struct kk_cell_env *e, const char *realm,
		     const char *space, const char *stack, const char *name, bool must_exist,
		     struct kk_store **held, struct kk_err *err)
{
	int rc = kk_cell_env_load(l, e, realm, space, stack, name, must_exist, held, err);

	if (rc < 0 && !must_exist && e->unreadable) {
		/* a purge: an unreadable metadata file must not keep the cell on the host; it
		 * goes by its names, as a cell without metadata does */
		kk_log(l->log, KK_LOG_WARN, "purging a cell whose metadata cannot be read", "cell",
		       e->name, "error", err->msg);
		kk_err_clear(err);
		rc = 0;
	}
	if (rc < 0)
		return -1;
	if (rc == 0) {
		e->cell = kk_xcalloc(1, sizeof(*e->cell));
		e->cell->meta.name = kk_xstrdup(e->name);
		e->cell->spec.id = kk_xstrdup(e->name);
		e->cell->spec.realm_id = kk_xstrdup(e->realm);
		e->cell->spec.space_id = kk_xstrdup(e->space);
		e->cell->spec.stack_id = kk_xstrdup(e->stack);
	}
	return kk_cell_env_runtime(l, e, err);
}

static bool container_active(int state)
{
	return state == KK_CONTAINER_READY || state == KK_CONTAINER_PENDING ||
	       state == KK_CONTAINER_PAUSED || state == KK_CONTAINER_PAUSING;
}

bool kk_restart_policy_wants(const char *policy, int64_t exit_code)
{
	if (!policy || !*policy || strcmp(policy, "never") == 0)
		return false;
	if (strcmp(policy, "on-failure") == 0)
		return exit_code != 0;
	return true; /* "always"; an unknown value restarts too, as upstream's later tags */
}

/* A released container (no task: Stopped without a finish time) keeps the exit recorded
 * before its task went. */
static void keep_recorded_exit(struct kk_container_status *now, const struct kk_cell *c)
{
	if (now->state != KK_CONTAINER_STOPPED || now->finish_time.sec != 0)
		return;
	for (size_t i = 0; i < c->status.n_containers; i++) {
		const struct kk_container_status *was = &c->status.containers[i];

		if (strcmp(kk_str(was->name), kk_str(now->name)) != 0)
			continue;
		if (was->state != KK_CONTAINER_STOPPED && was->finish_time.sec == 0)
			return; /* it ran when last seen: its exit is not known */
		now->exit_code = was->exit_code;
		now->finish_time = was->finish_time;
		free(now->exit_signal);
		now->exit_signal = was->exit_signal ? kk_xstrdup(was->exit_signal) : NULL;
		return;
	}
}

/* A cell seen Ready whose root runs, every other container down and one of them exited
 * by itself with a policy that restarts it: the reconcile loop will. */
static bool restart_pending(const struct kk_cell *c, const struct kk_rt_cell_info *info)
{
	if (!c->status.ready_observed || !info->root_pid || !info->has_task)
		return false;
	for (size_t i = 1; i < info->n_containers; i++) {
		const struct kk_container_status *st = &c->status.containers[i];
		const struct kk_container_spec *spec = kk_cell_find_container(&c->spec, st->name);

		if (st->state == KK_CONTAINER_STOPPED && info->has_task[i] &&
		    kk_restart_policy_wants(spec ? spec->restart_policy : NULL, st->exit_code))
			return true;
	}
	return false;
}

/* Ready with a non-root container down that should run (it failed, or its policy would
 * restart it), or Stopped with a restart pending: Degraded. A clean exit that is not
 * restarted is a finished job. */
static int degrade(const struct kk_cell *c, const struct kk_rt_cell_info *info)
{
	if (info->state == KK_CELL_STOPPED && restart_pending(c, info))
		return KK_CELL_DEGRADED;
	if (info->state != KK_CELL_READY)
		return info->state;
	for (size_t i = 1; i < info->n_containers; i++) {
		const struct kk_container_status *st = &c->status.containers[i];
		const struct kk_container_spec *spec = kk_cell_find_container(&c->spec, st->name);

		if (container_active(st->state) || st->state == KK_CONTAINER_UNKNOWN)
			continue;
		if (st->exit_code != 0 ||
		    kk_restart_policy_wants(spec ? spec->restart_policy : NULL, st->exit_code))
			return KK_CELL_DEGRADED;
	}
	return KK_CELL_READY;
}

/* Copy what the runtime reports into the cell's status. */
void kk_cell_status_fill(struct kk_cell *c, const struct kk_rt_cell_info *info, const char *cgroup)
{
	struct kk_container_status *now = NULL;

	if (info) {
		now = kk_xcalloc(info->n_containers + 1, sizeof(*now));
		for (size_t i = 0; i < info->n_containers; i++) {
			struct kk_container_status *d = &now[i];
			const struct kk_container_status *s = &info->containers[i];

			*d = *s;
			d->name = s->name ? kk_xstrdup(s->name) : NULL;
			d->id = s->id ? kk_xstrdup(s->id) : NULL;
			d->exit_signal = s->exit_signal ? kk_xstrdup(s->exit_signal) : NULL;
			keep_recorded_exit(d, c);
		}
	}
	for (size_t i = 0; i < c->status.n_containers; i++)
		kk_container_status_clear(&c->status.containers[i]);
	free(c->status.containers);
	c->status.containers = now;
	c->status.n_containers = info ? info->n_containers : 0;
	if (info) {
		c->status.containers_set = true;
		c->status.common.state = degrade(c, info);
	}
	/* the IP lives as long as the root task: gone with it, and unknown with containerd */
	free(c->status.ip_address);
	c->status.ip_address = info && info->ip[0] ? kk_xstrdup(info->ip) : NULL;
	if (cgroup) {
		kk_str_set(&c->status.common.cgroup_path, cgroup);
		c->status.common.cgroup_ready = true;
	}
	kk_status_stamp(&c->status.common, KK_CELL_READY);
	if (c->status.common.state == KK_CELL_READY || c->status.common.state == KK_CELL_DEGRADED)
		c->status.ready_observed = true;
}

/* Refresh status from containerd and persist it. */
int kk_cell_status_store(struct kk_local *l, struct kk_cell_env *e, struct kk_err *err)
{
	struct kk_rt_cell_info info = { 0 };
	int rc;

	rc = kk_rt_cell_status(&e->rt, &e->rc, &info, err);
	if (rc < 0) {
		e->cell->status.common.state = KK_CELL_UNKNOWN;
		kk_cell_status_fill(e->cell, NULL, NULL);
	} else {
		kk_cell_status_fill(e->cell, &info, e->rc.cgroup_path);
	}
	kk_rt_cell_info_clear(&info);
	if (rc < 0)
		return -1;
	return kk_cell_put(l, &e->ref, e->cell, err);
}

void kk_container_spec_copy(struct kk_container_spec *dst, const struct kk_container_spec *src)
{
	cJSON *t = kk_container_spec_encode(src, KK_ENC_JSON);
	struct kk_dec d;

	kk_container_spec_clear(dst);
	kk_dec_init(&d, NULL, &(struct kk_err){ 0 });
	kk_container_spec_decode_into(&d, t, dst);
	cJSON_Delete(t);
}

void kk_cell_containers_copy(struct kk_cell_spec *dst, const struct kk_cell_spec *src)
{
	for (size_t i = 0; i < dst->n_containers; i++)
		kk_container_spec_clear(&dst->containers[i]);
	free(dst->containers);
	dst->containers = kk_xcalloc(src->n_containers + 1, sizeof(*dst->containers));
	for (size_t i = 0; i < src->n_containers; i++)
		kk_container_spec_copy(&dst->containers[i], &src->containers[i]);
	dst->n_containers = src->n_containers;
	dst->containers_set = src->containers_set || src->n_containers;
	kk_str_set(&dst->root_container_id, src->root_container_id);
}

const struct kk_container_spec *kk_cell_root(const struct kk_cell_spec *s)
{
	if (s->root_container_id && *s->root_container_id)
		return kk_cell_find_container(s, s->root_container_id);
	for (size_t i = 0; i < s->n_containers; i++)
		if (s->containers[i].root)
			return &s->containers[i];
	return NULL;
}

char *kk_container_spec_text(const struct kk_container_spec *c)
{
	cJSON *t = kk_container_spec_encode(c, KK_ENC_JSON);
	char *s = kk_json_print(t, 0);

	cJSON_Delete(t);
	return s;
}

const struct kk_container_spec *kk_cell_find_container(const struct kk_cell_spec *s, const char *id)
{
	for (size_t i = 0; i < s->n_containers; i++)
		if (strcmp(kk_str(s->containers[i].id), kk_str(id)) == 0)
			return &s->containers[i];
	return NULL;
}

void kk_cell_spec_remove(struct kk_cell_spec *s, size_t i)
{
	kk_container_spec_clear(&s->containers[i]);
	memmove(&s->containers[i], &s->containers[i + 1],
		(s->n_containers - i - 1) * sizeof(*s->containers));
	s->n_containers--;
}

int kk_cell_env_images(struct kk_cell_env *e, struct kk_err *err)
{
	for (size_t i = 0; i < e->cell->spec.n_containers; i++) {
		const char *image = e->cell->spec.containers[i].image;

		if (image && *image && kk_image_ensure(e->conn, e->r, image, err) < 0)
			return -1;
	}
	return 0;
}
