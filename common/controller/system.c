/* common/controller/system.c - operations about the host's runtime itself. */
#include "common/controller/controller.h"

#include <stdlib.h>

#include "common/cleanup.h"
#include "ctr/ctr.h"

int kk_ctl_containerd_version(const struct kk_ctl *ctl, struct kk_ctl_containerd_version *out,
			      struct kk_err *err)
{
	cleanup_(ctr_disconnectp) struct ctr_conn *conn = NULL;
	struct ctr_version v = { 0 };

	if (ctr_connect(ctl->containerd_socket, NULL, &conn, err) < 0 ||
	    ctr_version(conn, &v, err) < 0)
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
