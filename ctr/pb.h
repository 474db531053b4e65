/* ctr/pb.h - ctr/-internal: conversions between the plain-C types of ctr.h and
 * protobuf-c messages, and a pool that owns what a request message points to. */
#ifndef KK_CTR_PB_H
#define KK_CTR_PB_H

#include <protobuf-c/protobuf-c.h>

#include "ctr/ctr.h"
#include "github.com/containerd/containerd/api/types/descriptor.pb-c.h"
#include "github.com/containerd/containerd/api/types/mount.pb-c.h"
#include "google/protobuf/field_mask.pb-c.h"
#include "google/protobuf/timestamp.pb-c.h"

/* Request messages are built on the stack and point to arrays allocated here; strings
 * are borrowed from the caller. Release everything at once with ctr_pb_pool_release(). */
struct ctr_pb_pool {
	size_t n, cap;
	void **ptrs;
};
#define cleanup_pool cleanup_(ctr_pb_pool_release)
void *ctr_pb_alloc(struct ctr_pb_pool *p, size_t size); /* zeroed */
void ctr_pb_pool_release(struct ctr_pb_pool *p);

/* protobuf-c wants char * for strings it only reads when packing; NULL becomes "". */
static inline char *ctr_pb_str(const char *s)
{
	return (char *)(s ? s : "");
}
/* A NULL-terminated string list as a repeated string field (borrowed). */
char **ctr_pb_strv(const char *const *v, size_t *n);

/* A map<string,string> field from labels: every map entry type has the layout
 * { base, key, value }, so one builder serves them all. *entries gets a pool array. */
void ctr_pb_map(struct ctr_pb_pool *p, const struct ctr_labels *l,
		const ProtobufCMessageDescriptor *entry_desc, size_t *n, void *entries);
void ctr_labels_from_pb(struct ctr_labels *out, size_t n, const void *entries);

Containerd__Types__Descriptor *ctr_pb_desc(struct ctr_pb_pool *p, const struct ctr_desc *d);
void ctr_desc_from_pb(struct ctr_desc *out, const Containerd__Types__Descriptor *d);

Containerd__Types__Mount **ctr_pb_mounts(struct ctr_pb_pool *p, const struct ctr_mounts *m,
					 size_t *n);
void ctr_mounts_from_pb(struct ctr_mounts *out, size_t n, Containerd__Types__Mount *const *m);

/* A FieldMask from a NULL-terminated list; NULL list gives NULL (= every field). */
Google__Protobuf__FieldMask *ctr_pb_field_mask(struct ctr_pb_pool *p, const char *const *paths);

int64_t ctr_ts_ns(const Google__Protobuf__Timestamp *ts);

/* kk_xstrdup of a protobuf string that may be NULL (gives ""). */
char *ctr_pb_dup(const char *s);

#endif
