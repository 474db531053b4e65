/* ctr/images.c - containerd.services.images.v1.Images. */
#include "ctr/ctr.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/mem.h"
#include "ctr/pb.h"
#include "ctr/rpc.h"
#include "github.com/containerd/containerd/api/services/images/v1/images.pb-c.h"
#include "google/protobuf/empty.pb-c.h"

#define SVC "/containerd.services.images.v1.Images/"

typedef Containerd__Services__Images__V1__Image pb_image;

static void image_from_pb(struct ctr_image *out, const pb_image *in)
{
	memset(out, 0, sizeof(*out));
	out->name = ctr_pb_dup(in->name);
	ctr_labels_from_pb(&out->labels, in->n_labels, in->labels);
	ctr_desc_from_pb(&out->target, in->target);
	out->created_ns = ctr_ts_ns(in->created_at);
	out->updated_ns = ctr_ts_ns(in->updated_at);
}

static pb_image *image_to_pb(struct ctr_pb_pool *pool, const struct ctr_image *img)
{
	pb_image *x = ctr_pb_alloc(pool, sizeof(*x));

	containerd__services__images__v1__image__init(x);
	x->name = ctr_pb_str(img->name);
	ctr_pb_map(pool, &img->labels,
		   &containerd__services__images__v1__image__labels_entry__descriptor, &x->n_labels,
		   &x->labels);
	x->target = ctr_pb_desc(pool, &img->target);
	return x;
}

void ctr_image_clear(struct ctr_image *img)
{
	free(img->name);
	ctr_labels_clear(&img->labels);
	ctr_desc_clear(&img->target);
	memset(img, 0, sizeof(*img));
}

void ctr_image_list_free(struct ctr_image *list, size_t n)
{
	for (size_t i = 0; list && i < n; i++)
		ctr_image_clear(&list[i]);
	free(list);
}

/* Create and Update answer with the stored image in the same place. */
static int reply_image(ProtobufCMessage *msg, const pb_image *img, const char *what,
		       struct ctr_image *out, struct kk_err *err)
{
	int ret = 0;

	if (out && !img)
		ret = kk_err_set(err, EPROTO, "%s: empty reply", what);
	else if (out)
		image_from_pb(out, img);
	protobuf_c_message_free_unpacked(msg, NULL);
	return ret;
}

int ctr_image_create(struct ctr_conn *conn, const struct ctr_image *img, struct ctr_image *out,
		     struct kk_err *err)
{
	Containerd__Services__Images__V1__CreateImageRequest req =
		CONTAINERD__SERVICES__IMAGES__V1__CREATE_IMAGE_REQUEST__INIT;
	cleanup_pool struct ctr_pb_pool pool = { 0 };
	ProtobufCMessage *msg = NULL;

	req.image = image_to_pb(&pool, img);
	if (ctr_rpc_call(conn, SVC "Create", img->name, &req.base,
			 &containerd__services__images__v1__create_image_response__descriptor, &msg,
			 0, err) < 0)
		return -1;
	return reply_image(msg,
			   ((Containerd__Services__Images__V1__CreateImageResponse *)msg)->image,
			   "images.Create", out, err);
}

int ctr_image_get(struct ctr_conn *conn, const char *name, struct ctr_image *out,
		  struct kk_err *err)
{
	Containerd__Services__Images__V1__GetImageRequest req =
		CONTAINERD__SERVICES__IMAGES__V1__GET_IMAGE_REQUEST__INIT;
	ProtobufCMessage *msg = NULL;

	req.name = ctr_pb_str(name);
	if (ctr_rpc_call(conn, SVC "Get", name, &req.base,
			 &containerd__services__images__v1__get_image_response__descriptor, &msg, 0,
			 err) < 0)
		return -1;
	return reply_image(msg, ((Containerd__Services__Images__V1__GetImageResponse *)msg)->image,
			   "images.Get", out, err);
}

int ctr_image_list(struct ctr_conn *conn, const char *const *filters, struct ctr_image **out,
		   size_t *n, struct kk_err *err)
{
	Containerd__Services__Images__V1__ListImagesRequest req =
		CONTAINERD__SERVICES__IMAGES__V1__LIST_IMAGES_REQUEST__INIT;
	Containerd__Services__Images__V1__ListImagesResponse *resp;
	ProtobufCMessage *msg = NULL;
	struct ctr_image *list = NULL;

	req.filters = ctr_pb_strv(filters, &req.n_filters);
	if (ctr_rpc_call(conn, SVC "List", NULL, &req.base,
			 &containerd__services__images__v1__list_images_response__descriptor, &msg,
			 0, err) < 0)
		return -1;
	resp = (Containerd__Services__Images__V1__ListImagesResponse *)msg;
	if (resp->n_images)
		list = kk_xcalloc(resp->n_images, sizeof(*list));
	for (size_t i = 0; i < resp->n_images; i++)
		image_from_pb(&list[i], resp->images[i]);
	*n = resp->n_images;
	*out = list;
	protobuf_c_message_free_unpacked(msg, NULL);
	return 0;
}

int ctr_image_update(struct ctr_conn *conn, const struct ctr_image *img,
		     const char *const *paths, struct ctr_image *out, struct kk_err *err)
{
	Containerd__Services__Images__V1__UpdateImageRequest req =
		CONTAINERD__SERVICES__IMAGES__V1__UPDATE_IMAGE_REQUEST__INIT;
	cleanup_pool struct ctr_pb_pool pool = { 0 };
	ProtobufCMessage *msg = NULL;

	req.image = image_to_pb(&pool, img);
	req.update_mask = ctr_pb_field_mask(&pool, paths);
	if (ctr_rpc_call(conn, SVC "Update", img->name, &req.base,
			 &containerd__services__images__v1__update_image_response__descriptor, &msg,
			 0, err) < 0)
		return -1;
	return reply_image(msg,
			   ((Containerd__Services__Images__V1__UpdateImageResponse *)msg)->image,
			   "images.Update", out, err);
}

int ctr_image_delete(struct ctr_conn *conn, const char *name, bool sync, struct kk_err *err)
{
	Containerd__Services__Images__V1__DeleteImageRequest req =
		CONTAINERD__SERVICES__IMAGES__V1__DELETE_IMAGE_REQUEST__INIT;
	ProtobufCMessage *msg = NULL;

	req.name = ctr_pb_str(name);
	req.sync = sync;
	if (ctr_rpc_call(conn, SVC "Delete", name, &req.base, &google__protobuf__empty__descriptor,
			 &msg, 0, err) < 0)
		return -1;
	protobuf_c_message_free_unpacked(msg, NULL);
	return 0;
}
