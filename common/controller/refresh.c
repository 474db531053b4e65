/* common/controller/refresh.c - see refresh.h. */
#include "common/controller/refresh.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjson/cJSON.h"
#include "common/cgroup/cgroup.h"
#include "common/cleanup.h"
#include "common/cni/cni.h"
#include "common/controller/cell_env.h"
#include "common/controller/journal.h"
#include "common/controller/network.h"
#include "common/controller/orphans.h"
#include "common/fault.h"
#include "common/json.h"
#include "common/mem.h"
#include "common/model/naming.h"
#include "common/store/paths.h"
#include "common/store/store.h"
#include "common/strv.h"
#include "ctr/ctr.h"

#define SUMMARY_MAX_NAMES 5

void kk_refresh_result_clear(struct kk_refresh_result *r)
{
	char ***lists[] = { &r->realms_found,
			    &r->spaces_found,
			    &r->stacks_found,
			    &r->cells_found,
			    &r->containers_found,
			    &r->realms_updated,
			    &r->spaces_updated,
			    &r->stacks_updated,
			    &r->cells_updated,
			    &r->containers_updated,
			    &r->errors };

	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		kk_strv_freep(lists[i]);
}

/* ---- the summary ------------------------------------------------------------------------ */

static void summary_line(FILE *f, const char *label, char *const *names)
{
	size_t n = kk_strv_len(names);

	fprintf(f, "  %s: %zu", label, n);
	if (n) {
		fputs(" (", f);
		for (size_t i = 0; i < n && i < SUMMARY_MAX_NAMES; i++)
			fprintf(f, "%s%s", i ? ", " : "", names[i]);
		fputs(n > SUMMARY_MAX_NAMES ? ", ...)" : ")", f);
	}
	fputc('\n', f);
}

char *kk_refresh_summary(const struct kk_refresh_result *r)
{
	const char *const labels[] = { "Realms", "Spaces", "Stacks", "Cells", "Containers" };
	char *const *found[] = { r->realms_found, r->spaces_found, r->stacks_found, r->cells_found,
				 r->containers_found };
	char *const *updated[] = { r->realms_updated, r->spaces_updated, r->stacks_updated,
				   r->cells_updated, r->containers_updated };
	char *out = NULL;
	size_t len = 0;
	bool any = false;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		abort(); /* out of memory, as kk_xmalloc */
	fputs("Refreshed metadata status:\n", f);
	for (size_t i = 0; i < 5; i++)
		summary_line(f, labels[i], found[i]);
	fputs("\nUpdated:\n", f);
	for (size_t i = 0; i < 5; i++)
		if (updated[i]) {
			summary_line(f, labels[i], updated[i]);
			any = true;
		}
	if (!any)
		fputs("  (none)\n", f);
	fputs("\nErrors:\n", f);
	for (size_t i = 0; r->errors && r->errors[i]; i++)
		fprintf(f, "  %s\n", r->errors[i]);
	if (!r->errors)
		fputs("  (none)\n", f);
	if (fclose(f) != 0)
		abort();
	return out;
}

/* ---- the walk --------------------------------------------------------------------------- */

struct walk {
	struct kk_local *l;
	const struct kk_refresh_hooks *hooks; /* NULL: none */
	struct kk_refresh_result *res;
	struct ctr_namespace_info *ns; /* containerd's namespaces */
	size_t n_ns;
	struct kk_err ns_err;    /* why the namespaces could not be listed (code 0: they were) */
	struct kk_net_live live; /* the running cells, for the network sweep */
};

static void add(char ***v, const char *s)
{
	kk_strv_push_take(v, kk_xstrdup(s));
}

static void add_verror(struct walk *w, const struct kk_err *cause, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
static void add_verror(struct walk *w, const struct kk_err *cause, const char *fmt, va_list ap)
{
	cleanup_free char *head = NULL;

	if (vasprintf(&head, fmt, ap) < 0)
		abort();
	kk_strv_push_take(&w->res->errors, kk_xasprintf("%s: %s", head, cause->msg));
}

static void add_error(struct walk *w, const struct kk_err *cause, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void add_error(struct walk *w, const struct kk_err *cause, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_verror(w, cause, fmt, ap);
	va_end(ap);
}

/* A load's answer (rc: 1, 0, -1) in the walk: an absent object is skipped with its
 * children; one that is there is listed in *found, and a failed load is an error line
 * ("<fmt>: <cause>"). True when the object is there to refresh. */
static bool loaded(struct walk *w, int rc, const struct kk_err *cause, char ***found,
		   const char *name, bool *walk_children, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
static bool loaded(struct walk *w, int rc, const struct kk_err *cause, char ***found,
		   const char *name, bool *walk_children, const char *fmt, ...)
{
	va_list ap;

	*walk_children = rc != 0;
	if (rc == 0)
		return false;
	add(found, name);
	if (rc > 0)
		return true;
	va_start(ap, fmt);
	add_verror(w, cause, fmt, ap);
	va_end(ap);
	return false;
}

/* 1 if the group exists, 0 if not or if that cannot be told (upstream: Unknown). */
static bool cgroup_there(struct walk *w, const char *group)
{
	struct kk_err ignored = { 0 };
	bool there = kk_cgroup_exists(w->l->cg, group, &ignored) == 1;

	kk_log_ignored(w->l->log, &ignored, "refresh: does cgroup `%s` exist (taken as no)", group);
	return there;
}

static void refresh_realm(struct walk *w, const char *name, bool *walk_children)
{
	const struct kk_store_ref ref = { .realm = name };
	cleanup_(kk_realm_freep) struct kk_realm *r = NULL;
	cleanup_free char *group = NULL;
	cleanup_free char *ns = NULL;
	struct kk_err err = { 0 };
	bool cg, ns_there = false;
	int state, rc;

	rc = kk_local_load_realm(w->l, &ref, &r, &err);
	if (!loaded(w, rc, &err, &w->res->realms_found, name, walk_children,
		    "failed to refresh realm '%s'", name))
		return;
	if (w->ns_err.code) {
		add_error(w, &w->ns_err, "failed to refresh realm '%s'", name);
		return;
	}
	if (r->spec.namespace_ && *r->spec.namespace_)
		ns = kk_xstrdup(r->spec.namespace_);
	else
		ns = kk_xasprintf("%s.%s", name, w->l->ns_suffix);
	for (size_t i = 0; i < w->n_ns; i++)
		ns_there |= strcmp(w->ns[i].name, ns) == 0;
	group = kk_naming_cgroup_path(w->l->cgroup_root, name, NULL, NULL, NULL);
	cg = cgroup_there(w, group);
	state = cg && ns_there ? KK_REALM_READY : KK_REALM_UNKNOWN;
	if (state == r->status.state && cg == r->status.cgroup_ready &&
	    ns_there == r->containerd_namespace_ready)
		return;
	r->status.state = state;
	r->status.cgroup_ready = cg;
	r->containerd_namespace_ready = ns_there;
	kk_status_stamp(&r->status, KK_REALM_READY);
	if (kk_local_put(w->l, &ref, kk_realm_encode(r, KK_ENC_JSON), &err) < 0)
		add_error(w, &err, "failed to refresh realm '%s'", name);
	else
		add(&w->res->realms_updated, name);
}

/* The conflist is there: readable, a valid list, named as the space's network. */
static bool conflist_there(struct walk *w, const char *realm, const char *space)
{
	cleanup_free char *path = kk_store_space_conflist_path(w->l->run_path, realm, space);
	cleanup_free char *network = NULL;
	cleanup_(kk_cni_conflist_freep) struct kk_cni_conflist *net = NULL;
	struct kk_err ignored = { 0 };

	if (kk_naming_network(realm, space, &network, &ignored) < 0 ||
	    kk_cni_conflist_load(path, &net, &ignored) < 0) {
		kk_log_ignored(w->l->log, &ignored,
			       "refresh: network of space `%s` (taken as absent)", space);
		return false;
	}
	return strcmp(kk_cni_conflist_name(net), network) == 0;
}

/* Record state and the cgroup's readiness in st, stamped; false when st said so already. */
static bool restate(struct kk_status *st, int state, bool cg, int ready)
{
	if (state == st->state && cg == st->cgroup_ready)
		return false;
	st->state = state;
	st->cgroup_ready = cg;
	kk_status_stamp(st, ready);
	return true;
}

static void refresh_space(struct walk *w, const char *realm, const char *name, bool *walk_children)
{
	const struct kk_store_ref ref = { .realm = realm, .space = name };
	cleanup_(kk_space_freep) struct kk_space *s = NULL;
	cleanup_free char *group = NULL;
	struct kk_err err = { 0 };
	bool cg, cni;
	int state, rc;

	rc = kk_local_load_space(w->l, &ref, &s, &err);
	if (!loaded(w, rc, &err, &w->res->spaces_found, name, walk_children,
		    "failed to refresh space '%s' in realm '%s'", name, realm))
		return;
	group = kk_naming_cgroup_path(w->l->cgroup_root, realm, name, NULL, NULL);
	cg = cgroup_there(w, group);
	cni = conflist_there(w, realm, name);
	state = cg && cni ? KK_SPACE_READY : KK_SPACE_UNKNOWN;
	if (!restate(&s->status, state, cg, KK_SPACE_READY))
		return;
	if (kk_local_put(w->l, &ref, kk_space_encode(s, KK_ENC_JSON), &err) < 0)
		add_error(w, &err, "failed to refresh space '%s' in realm '%s'", name, realm);
	else
		add(&w->res->spaces_updated, name);
}

static void refresh_stack(struct walk *w, const char *realm, const char *space, const char *name,
			  bool *walk_children)
{
	const struct kk_store_ref ref = { realm, space, name, NULL };
	cleanup_(kk_stack_freep) struct kk_stack *s = NULL;
	cleanup_free char *group = NULL;
	struct kk_err err = { 0 };
	bool cg;
	int state, rc;

	rc = kk_local_load_stack(w->l, &ref, &s, &err);
	if (!loaded(w, rc, &err, &w->res->stacks_found, name, walk_children,
		    "failed to refresh stack '%s' in realm '%s', space '%s'", name, realm, space))
		return;
	group = kk_naming_cgroup_path(w->l->cgroup_root, realm, space, name, NULL);
	cg = cgroup_there(w, group);
	state = cg ? KK_STACK_READY : KK_STACK_UNKNOWN;
	if (!restate(&s->status, state, cg, KK_STACK_READY))
		return;
	if (kk_local_put(w->l, &ref, kk_stack_encode(s, KK_ENC_JSON), &err) < 0)
		add_error(w, &err, "failed to refresh stack '%s' in realm '%s', space '%s'", name,
			  realm, space);
	else
		add(&w->res->stacks_updated, name);
}

/* The status fields refresh owns, as one comparable string (times aside). */
static char *cell_sig(const struct kk_cell *c)
{
	cleanup_(kk_json_freep) cJSON *t = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(t, "containers");

	cJSON_AddNumberToObject(t, "state", c->status.common.state);
	cJSON_AddStringToObject(t, "cgroupPath", kk_str(c->status.common.cgroup_path));
	cJSON_AddBoolToObject(t, "cgroupReady", c->status.common.cgroup_ready);
	cJSON_AddStringToObject(t, "ip", kk_str(c->status.ip_address));
	cJSON_AddBoolToObject(t, "readyObserved", c->status.ready_observed);
	for (size_t i = 0; i < c->status.n_containers; i++)
		cJSON_AddItemToArray(arr, kk_container_status_encode(&c->status.containers[i],
								     KK_ENC_JSON));
	return kk_json_print(t, 0);
}

static char *container_text(const struct kk_container_status *s)
{
	cJSON *t = kk_container_status_encode(s, KK_ENC_JSON);
	char *text = kk_json_print(t, 0);

	cJSON_Delete(t);
	return text;
}

/* The stored status of the container called name, as text, or NULL. */
static char *old_container_text(char **names, char **texts, const char *name)
{
	for (size_t i = 0; names && names[i]; i++)
		if (strcmp(names[i], name) == 0)
			return texts[i];
	return NULL;
}

static void refresh_cell(struct walk *w, const char *realm, const char *space, const char *stack,
			 const char *name)
{
	struct kk_cell_env e = { 0 };
	struct kk_rt_cell_info info = { 0 };
	struct kk_err err = { 0 };
	cleanup_free char *before = NULL;
	cleanup_free char *after = NULL;
	cleanup_(kk_strv_freep) char **old_names = NULL;
	cleanup_(kk_strv_freep) char **old_texts = NULL;
	int old_state, rc;

	if (kk_cell_env_names(&e, realm, space, stack, name, &err) < 0) {
		add(&w->res->cells_found, name);
		goto fail;
	}
	rc = kk_local_load_cell(w->l, &e.ref, &e.cell, &err);
	if (rc == 0)
		goto out;
	add(&w->res->cells_found, name);
	if (rc < 0)
		goto fail;
	if (kk_cell_env_runtime(w->l, &e, &err) < 0 ||
	    kk_rt_cell_status(&e.rt, &e.rc, &info, &err) < 0) {
		for (size_t i = 0; i < e.cell->spec.n_containers; i++)
			kk_strv_push_take(&w->res->containers_found,
					  kk_xasprintf("%s/%s/%s/%s/%s", realm, space, stack, name,
						       kk_str(e.cell->spec.containers[i].id)));
		goto fail;
	}
	if (info.root_pid && info.root_id)
		kk_net_live_add(&w->live, realm, space, stack, e.rc.cell, info.root_id);
	for (size_t i = 0; i < info.n_containers; i++)
		kk_strv_push_take(&w->res->containers_found,
				  kk_xasprintf("%s/%s/%s/%s/%s", realm, space, stack, name,
					       kk_str(info.containers[i].name)));
	for (size_t i = 0; i < e.cell->status.n_containers; i++) {
		add(&old_names, kk_str(e.cell->status.containers[i].name));
		kk_strv_push_take(&old_texts, container_text(&e.cell->status.containers[i]));
	}
	before = cell_sig(e.cell);
	old_state = e.cell->status.common.state;
	kk_cell_status_fill(e.cell, &info, e.rc.cgroup_path);
	if (old_state == KK_CELL_FAILED) /* sticky until the cell is started again */
		e.cell->status.common.state = KK_CELL_FAILED;
	e.cell->status.common.cgroup_ready = cgroup_there(w, e.rc.cgroup_path);
	if (w->hooks && w->hooks->cell &&
	    w->hooks->cell(w->hooks->arg, w->l, &e, &info, old_state) == 1)
		goto out; /* the cell is gone */
	after = cell_sig(e.cell);
	if (strcmp(before, after) == 0)
		goto settled;
	if (kk_cell_put(w->l, &e.ref, e.cell, &err) < 0)
		goto fail;
	add(&w->res->cells_updated, name);
	for (size_t i = 0; i < e.cell->status.n_containers; i++) {
		const struct kk_container_status *s = &e.cell->status.containers[i];
		cleanup_free char *now = container_text(s);
		const char *was = old_container_text(old_names, old_texts, kk_str(s->name));

		if (!was || strcmp(was, now) != 0)
			kk_strv_push_take(&w->res->containers_updated,
					  kk_xasprintf("%s/%s/%s/%s/%s", realm, space, stack, name,
						       kk_str(s->name)));
	}
settled:
	if (w->hooks && w->hooks->settled)
		w->hooks->settled(w->hooks->arg, w->l, &e, &info);
	goto out;
fail:
	add_error(w, &err, "failed to refresh cell '%s' in realm '%s', space '%s', stack '%s'",
		  name, realm, space, stack);
out:
	kk_rt_cell_info_clear(&info);
	kk_cell_env_clear(&e);
}

/* The children of parent, or NULL after recording why they could not be listed. */
static char **children(struct walk *w, const struct kk_store_ref *parent, const char *what)
{
	struct kk_err err = { 0 };
	char **v = NULL;

	if (kk_store_list(w->l->store, parent, &v, &err) < 0) {
		if (parent->space)
			add_error(w, &err, "failed to list %s in realm '%s', space '%s'", what,
				  parent->realm, parent->space);
		else
			add_error(w, &err, "failed to list %s in realm '%s'", what, parent->realm);
		return NULL;
	}
	return v;
}

static void walk_stack(struct walk *w, const char *realm, const char *space, const char *stack)
{
	const struct kk_store_ref ref = { realm, space, stack, NULL };
	cleanup_(kk_strv_freep) char **cells = NULL;
	struct kk_err err = { 0 };

	if (kk_store_list(w->l->store, &ref, &cells, &err) < 0) {
		add_error(w, &err, "failed to list cells in realm '%s', space '%s', stack '%s'",
			  realm, space, stack);
		return;
	}
	for (size_t i = 0; cells && cells[i]; i++)
		refresh_cell(w, realm, space, stack, cells[i]);
}

static void walk_realm(struct walk *w, const char *realm)
{
	cleanup_(kk_strv_freep) char **spaces = NULL;
	bool deeper = false;

	refresh_realm(w, realm, &deeper);
	if (!deeper)
		return;
	spaces = children(w, &(struct kk_store_ref){ .realm = realm }, "spaces");
	for (size_t i = 0; spaces && spaces[i]; i++) {
		cleanup_(kk_strv_freep) char **stacks = NULL;

		refresh_space(w, realm, spaces[i], &deeper);
		if (!deeper)
			continue;
		stacks = children(w, &(struct kk_store_ref){ realm, spaces[i], NULL, NULL },
				  "stacks");
		for (size_t j = 0; stacks && stacks[j]; j++) {
			refresh_stack(w, realm, spaces[i], stacks[j], &deeper);
			if (deeper)
				walk_stack(w, realm, spaces[i], stacks[j]);
		}
	}
}

/* First the unfinished creates and deletes of dead writers (journal.h), then the orphan
 * sweep (orphans.h); what could not be recovered or removed is an error of the walk. */
static void recover(struct kk_local *l, struct kk_refresh_result *out)
{
	cleanup_(kk_strv_freep) char **done = NULL;
	char **failed = NULL;
	struct kk_err err = { 0 };

	if (kk_journal_recover_all(l, &done, &failed, &err) < 0)
		kk_strv_push_take(&out->errors, kk_xasprintf("journal: %s", err.msg));
	for (size_t i = 0; done && done[i]; i++)
		kk_log(l->log, KK_LOG_INFO, "recovered an unfinished cell operation", "cell",
		       done[i]);
	for (size_t i = 0; failed && failed[i]; i++)
		kk_strv_push_take(&out->errors, TAKE_PTR(failed[i]));
	free(failed);
	kk_strv_free(done);
	done = failed = NULL;
	if (kk_ctl_sweep_orphans(l, &done, &failed, &err) < 0)
		kk_strv_push_take(&out->errors, kk_xasprintf("orphan sweep: %s", err.msg));
	for (size_t i = 0; done && done[i]; i++)
		kk_log(l->log, KK_LOG_INFO, "removed an orphan", "what", done[i]);
	for (size_t i = 0; failed && failed[i]; i++)
		kk_strv_push_take(&out->errors, kk_xasprintf("orphan sweep: %s", failed[i]));
	kk_strv_free(failed);
}

int kk_ctl_refresh(struct kk_local *l, struct kk_refresh_result *res, struct kk_err *err)
{
	return kk_refresh_walk(l, NULL, res, err);
}

int kk_refresh_walk(struct kk_local *l, const struct kk_refresh_hooks *hooks,
		    struct kk_refresh_result *res, struct kk_err *err)
{
	cleanup_(kk_strv_freep) char **realms = NULL;
	struct kk_refresh_result out = { 0 };
	struct walk w = { .l = l, .hooks = hooks, .res = &out };
	struct ctr_conn *conn = NULL;

	recover(l, &out);
	if (kk_store_list(l->store, NULL, &realms, err) < 0) {
		kk_refresh_result_clear(&out);
		return kk_err_wrap(err, "failed to list realms");
	}
	if (realms) {
		if (kk_cell_prepare(l, err) < 0) {
			kk_refresh_result_clear(&out);
			return kk_err_wrap(err, "refresh");
		}
		if (kk_local_connect(l, NULL, &conn, &w.ns_err) == 0)
			ctr_namespace_list(conn, &w.ns, &w.n_ns, &w.ns_err);
		ctr_disconnect(conn);
		if (w.ns_err.code)
			kk_err_wrap(&w.ns_err, "containerd namespaces");
	}
	/* one realm at a time under its lock: writers elsewhere go on meanwhile */
	for (size_t i = 0; realms && realms[i]; i++) {
		struct kk_err lerr = { 0 };

		if (kk_store_lock_ref(l->store, &(struct kk_store_ref){ .realm = realms[i] },
				      KK_STORE_LOCK_TIMEOUT_MS, &lerr) < 0) {
			kk_strv_push_take(&out.errors,
					  kk_xasprintf("realm %s: %s", realms[i], lerr.msg));
			continue;
		}
		walk_realm(&w, realms[i]);
		kk_store_unlock(l->store);
	}
	/* a crash point between the walk and the network sweep: a test stops here to start a
	 * create whose network the sweep then meets in flight */
	if (realms) {
		struct kk_err ferr = { 0 };

		if (kk_fault("refresh:network", &ferr) < 0)
			kk_strv_push_take(&out.errors, kk_xstrdup(ferr.msg));
	}
	/* what kukeond will do at start: every space's rules back in place; and what belongs to
	 * no running cell swept, unless some state could not be observed */
	if (realms)
		kk_ctl_network_ensure_all(l, out.errors ? NULL : &w.live, &out.errors);
	kk_net_live_clear(&w.live);
	ctr_namespace_list_free(w.ns, w.n_ns);
	*res = out;
	return 0;
}
