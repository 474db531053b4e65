/* ctr/version.c - containerd.services.version.v1.Version. */
#include "ctr/ctr.h"

#include <stdlib.h>

#include "common/mem.h"
#include "ctr/rpc.h"
#include "github.com/containerd/containerd/api/services/version/v1/version.pb-c.h"
#include "google/protobuf/empty.pb-c.h"

int ctr_version(struct ctr_conn *conn, struct ctr_version *out, struct kk_err *err)
{
	Google__Protobuf__Empty req = GOOGLE__PROTOBUF__EMPTY__INIT;
	ProtobufCMessage *msg = NULL;
	Containerd__Services__Version__V1__VersionResponse *resp;

	if (ctr_rpc_unary(conn, "/containerd.services.version.v1.Version/Version", &req.base,
			  &containerd__services__version__v1__version_response__descriptor, &msg,
			  err) < 0)
		return -1;
	resp = (Containerd__Services__Version__V1__VersionResponse *)msg;
	out->version = kk_xstrdup(resp->version);
	out->revision = kk_xstrdup(resp->revision);
	protobuf_c_message_free_unpacked(msg, NULL);
	return 0;
}

void ctr_version_clear(struct ctr_version *v)
{
	free(v->version);
	free(v->revision);
	v->version = v->revision = NULL;
}
