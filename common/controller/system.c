/* common/controller/system.c - operations about the host's runtime itself. */
#include "common/controller/ops.h"

#include <stdlib.h>

#include "common/cleanup.h"
#include "ctr/ctr.h"

int kk_op_containerd_version(struct kk_local *l, const struct kk_no_args *a,
			     struct kk_ctl_containerd_version *out, struct kk_err *err)
{
	cleanup_(ctr_disconnectp) struct ctr_conn *conn = NULL;
	struct ctr_version v = { 0 };

	(void)a;

	if (kk_local_connect(l, NULL, &conn, err) < 0 || ctr_version(conn, &v, err) < 0)
		return -1;
	/* hand the strings over as they are: same ownership, no copy */
	out->version = v.version;
	out->revision = v.revision;
	return 0;
}

void kk_ctl_containerd_version_clear(struct kk_ctl_containerd_version *v)
{
	free(v->version);
	free(v->revision);
	v->version = v->revision = NULL;
}

void kk_runtime_hold(void)
{
	ctr_library_hold();
}

void kk_runtime_release(void)
{
	ctr_library_release();
}
