/* ctr/content_extra.c - Content.Update with per-label field paths.
 *
 * ctr_content_set_labels() replaces the whole label map; the image code needs what
 * containerd's Go client does instead (images.SetChildrenLabels, Unpack): set some
 * label keys and leave the others alone, with field paths "labels.<key>". */
#include "ctr/image.h"

#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/mem.h"
#include "ctr/rpc.h"
#include "github.com/containerd/containerd/api/services/content/v1/content.pb-c.h"
#include "google/protobuf/field_mask.pb-c.h"

int ctr_content_update_labels(struct ctr_conn *conn, const char *digest,
			      const struct ctr_labels *labels, struct kk_err *err)
{
	Containerd__Services__Content__V1__UpdateRequest req =
		CONTAINERD__SERVICES__CONTENT__V1__UPDATE_REQUEST__INIT;
	Containerd__Services__Content__V1__Info info =
		CONTAINERD__SERVICES__CONTENT__V1__INFO__INIT;
	Google__Protobuf__FieldMask mask = GOOGLE__PROTOBUF__FIELD_MASK__INIT;
	size_t n = labels ? labels->n : 0;
	cleanup_free Containerd__Services__Content__V1__Info__LabelsEntry *entries = NULL;
	cleanup_free Containerd__Services__Content__V1__Info__LabelsEntry **eptrs = NULL;
	cleanup_free char **paths = NULL;
	ProtobufCMessage *resp = NULL;
	int rc;

	if (n == 0)
		return 0;
	entries = kk_xcalloc(n, sizeof(*entries));
	eptrs = kk_xcalloc(n, sizeof(Containerd__Services__Content__V1__Info__LabelsEntry *));
	paths = kk_xcalloc(n, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		Containerd__Services__Content__V1__Info__LabelsEntry e =
			CONTAINERD__SERVICES__CONTENT__V1__INFO__LABELS_ENTRY__INIT;

		e.key = labels->keys[i];
		e.value = labels->values[i];
		entries[i] = e;
		eptrs[i] = &entries[i];
		paths[i] = kk_xasprintf("labels.%s", labels->keys[i]);
	}
	info.digest = (char *)digest;
	info.n_labels = n;
	info.labels = eptrs;
	mask.n_paths = n;
	mask.paths = paths;
	req.info = &info;
	req.update_mask = &mask;
	rc = ctr_rpc_unary(conn, "/containerd.services.content.v1.Content/Update", &req.base,
			   &containerd__services__content__v1__update_response__descriptor, &resp,
			   err);
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	if (rc < 0)
		return kk_err_wrap(err, "blob `%s`: set labels", digest);
	protobuf_c_message_free_unpacked(resp, NULL);
	return 0;
}
