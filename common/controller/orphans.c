/* common/controller/orphans.c - see orphans.h. */
#include "common/controller/orphans.h"

#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/controller/cell.h"
#include "common/controller/namespace.h"
#include "common/mem.h"
#include "common/store/store.h"
#include "common/strv.h"
#include "ctr/ctr.h"

struct owner {
	const char *space, *stack, *cell; /* borrowed from the container list */
};

static bool owner_seen(const struct owner *v, size_t n, const struct owner *o)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].space, o->space) && !strcmp(v[i].stack, o->stack) &&
		    !strcmp(v[i].cell, o->cell))
			return true;
	return false;
}

/* Purge the cell if, under its lock, it still has no metadata. 1 purged, 0 not an orphan
 * (or busy), -1 the purge failed. */
static int sweep_one(struct kk_local *l, const char *realm, const struct owner *o,
		     struct kk_err *err)
{
	struct kk_store_ref ref = { realm, o->space, o->stack, o->cell };
	struct kk_delete_result res = { 0 };
	struct kk_err busy = { 0 };
	int rc;

	if (kk_store_exists(l->store, &ref, err) != 0)
		return 0;
	/* a writer holds it: a create in flight, not an orphan */
	if (kk_store_lock_ref(l->store, &ref, 0, &busy) < 0)
		return 0;
	rc = kk_store_exists(l->store, &ref, err);
	if (rc == 0) {
		rc = kk_ctl_cell_purge(l, realm, o->space, o->stack, o->cell, &res, err) < 0 ? -1
											   : 1;
		kk_delete_result_clear(&res);
	} else {
		rc = 0;
	}
	kk_store_unlock(l->store);
	return rc;
}

static void sweep_realm(struct kk_local *l, const char *realm, char ***swept, char ***failed)
{
	cleanup_free char *ns = NULL;
	struct ctr_conn *conn = NULL;
	struct ctr_container *list = NULL;
	struct owner *owners = NULL;
	size_t n = 0, n_owners = 0;
	struct kk_err err = { 0 };

	if (kk_realm_ns_load(l, realm, &ns, &err) < 0 || kk_local_connect(l, ns, &conn, &err) < 0 ||
	    ctr_container_list(conn, NULL, &list, &n, &err) < 0) {
		kk_strv_push_take(failed, kk_xasprintf("realm %s: %s", realm, err.msg));
		goto out;
	}
	owners = kk_xcalloc(n + 1, sizeof(*owners));
	for (size_t i = 0; i < n; i++) {
		const struct ctr_labels *lb = &list[i].labels;
		struct owner o = { ctr_labels_get(lb, "kukeon.io/space"),
				   ctr_labels_get(lb, "kukeon.io/stack"),
				   ctr_labels_get(lb, "kukeon.io/cell") };
		const char *r = ctr_labels_get(lb, "kukeon.io/realm");

		if (!r || strcmp(r, realm) != 0 || !o.space || !*o.space || !o.stack ||
		    !*o.stack || !o.cell || !*o.cell || owner_seen(owners, n_owners, &o))
			continue;
		owners[n_owners++] = o;
	}
	for (size_t i = 0; i < n_owners; i++) {
		struct kk_err e = { 0 };
		int rc = sweep_one(l, realm, &owners[i], &e);

		if (rc == 1)
			kk_strv_push_take(swept, kk_xasprintf("%s/%s/%s/%s", realm, owners[i].space,
							      owners[i].stack, owners[i].cell));
		else if (rc < 0)
			kk_strv_push_take(failed,
					  kk_xasprintf("%s/%s/%s/%s: %s", realm, owners[i].space,
						       owners[i].stack, owners[i].cell, e.msg));
	}
out:
	free(owners);
	ctr_container_list_free(list, n);
	ctr_disconnect(conn);
}

int kk_ctl_sweep_orphans(struct kk_local *l, char ***swept, char ***failed, struct kk_err *err)
{
	cleanup_(kk_strv_freep) char **realms = NULL;

	*swept = *failed = NULL;
	if (kk_store_list(l->store, NULL, &realms, err) < 0)
		return kk_err_wrap(err, "failed to list realms");
	for (size_t i = 0; realms && realms[i]; i++)
		sweep_realm(l, realms[i], swept, failed);
	return 0;
}
