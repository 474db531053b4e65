/* common/controller/namespace.c - see namespace.h. */
#include "common/controller/namespace.h"

#include <stdlib.h>
#include <string.h>

#include <errno.h>

#include "common/cleanup.h"
#include "common/controller/hierarchy.h"
#include "common/mem.h"
#include "common/store/store.h"
#include "ctr/image.h"

void kk_ns_cleanup_result_clear(struct kk_ns_cleanup_result *r)
{
	struct ctr_cleanup_report rep = {
		.n_removed = r->n_removed,
		.n_failed = r->n_failed,
		.n_warnings = r->n_warnings,
		.removed = r->removed,
		.failed = r->failed,
		.warnings = r->warnings,
	};

	ctr_cleanup_report_clear(&rep);
	memset(r, 0, sizeof(*r));
}

int kk_ctl_namespace_cleanup(const struct kk_local *l, const char *ns,
			     struct kk_ns_cleanup_result *res, struct kk_err *err)
{
	cleanup_(ctr_disconnectp) struct ctr_conn *conn = NULL;
	struct ctr_cleanup_report rep = { 0 };
	int rc;

	memset(res, 0, sizeof(*res));
	if (kk_local_connect(l, ns, &conn, err) < 0)
		return kk_err_wrap(err, "clean up namespace `%s`", ns);
	/* killing tasks and waiting for GC take longer than one ordinary call */
	ctr_set_timeout(conn, 60 * 1000);
	rc = ctr_namespace_cleanup(conn, ns, &rep, err);
	res->existed = rep.ns_existed;
	res->deleted = rep.ns_deleted;
	res->n_removed = rep.n_removed;
	res->n_failed = rep.n_failed;
	res->n_warnings = rep.n_warnings;
	res->removed = rep.removed;
	res->failed = rep.failed;
	res->warnings = rep.warnings;
	return rc;
}

char *kk_realm_ns(const struct kk_local *l, const struct kk_realm *r, const char *name)
{
	if (r && r->spec.namespace_ && *r->spec.namespace_)
		return kk_xstrdup(r->spec.namespace_);
	return kk_xasprintf("%s.%s", name, l->ns_suffix);
}

int kk_realm_ns_load(struct kk_local *l, const char *name, char **ns, struct kk_err *err)
{
	cleanup_(kk_realm_freep) struct kk_realm *r = NULL;
	int rc = kk_local_load_realm(l, &(struct kk_store_ref){ .realm = name }, &r, err);

	if (rc < 0)
		return -1;
	if (rc == 0)
		return kk_err_set(err, ENOENT, "realm not found: %s", name);
	*ns = kk_realm_ns(l, r, name);
	return 0;
}
