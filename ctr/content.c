/* ctr/content.c - containerd.services.content.v1.Content. */
#include "ctr/ctr.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/mem.h"
#include "ctr/pb.h"
#include "ctr/rpc.h"
#include "github.com/containerd/containerd/api/services/content/v1/content.pb-c.h"
#include "google/protobuf/empty.pb-c.h"

#define SVC "/containerd.services.content.v1.Content/"
/* containerd's server takes messages up to 16 MiB; stay well under, as its client does */
#define WRITE_CHUNK (1024 * 1024)

static void info_from_pb(struct ctr_content_info *out,
			 const Containerd__Services__Content__V1__Info *in)
{
	memset(out, 0, sizeof(*out));
	out->digest = ctr_pb_dup(in->digest);
	out->size = in->size;
	out->created_ns = ctr_ts_ns(in->created_at);
	out->updated_ns = ctr_ts_ns(in->updated_at);
	ctr_labels_from_pb(&out->labels, in->n_labels, in->labels);
}

void ctr_content_info_clear(struct ctr_content_info *info)
{
	free(info->digest);
	ctr_labels_clear(&info->labels);
	memset(info, 0, sizeof(*info));
}

void ctr_content_info_list_free(struct ctr_content_info *list, size_t n)
{
	for (size_t i = 0; list && i < n; i++)
		ctr_content_info_clear(&list[i]);
	free(list);
}

int ctr_content_info(struct ctr_conn *conn, const char *digest, struct ctr_content_info *out,
		     struct kk_err *err)
{
	Containerd__Services__Content__V1__InfoRequest req =
		CONTAINERD__SERVICES__CONTENT__V1__INFO_REQUEST__INIT;
	Containerd__Services__Content__V1__InfoResponse *resp;
	ProtobufCMessage *msg = NULL;

	req.digest = ctr_pb_str(digest);
	if (ctr_rpc_call(conn, SVC "Info", digest, &req.base,
			 &containerd__services__content__v1__info_response__descriptor, &msg, 0,
			 err) < 0)
		return -1;
	resp = (Containerd__Services__Content__V1__InfoResponse *)msg;
	if (!resp->info) {
		protobuf_c_message_free_unpacked(msg, NULL);
		return kk_err_set(err, EPROTO, "content.Info `%s`: empty reply", digest);
	}
	info_from_pb(out, resp->info);
	protobuf_c_message_free_unpacked(msg, NULL);
	return 0;
}

int ctr_content_set_labels(struct ctr_conn *conn, const char *digest,
			   const struct ctr_labels *labels, struct kk_err *err)
{
	Containerd__Services__Content__V1__UpdateRequest req =
		CONTAINERD__SERVICES__CONTENT__V1__UPDATE_REQUEST__INIT;
	Containerd__Services__Content__V1__Info info =
		CONTAINERD__SERVICES__CONTENT__V1__INFO__INIT;
	static const char *const paths[] = { "labels", NULL };
	cleanup_pool struct ctr_pb_pool pool = { 0 };
	ProtobufCMessage *msg = NULL;

	info.digest = ctr_pb_str(digest);
	ctr_pb_map(&pool, labels,
		   &containerd__services__content__v1__info__labels_entry__descriptor,
		   &info.n_labels, &info.labels);
	req.info = &info;
	req.update_mask = ctr_pb_field_mask(&pool, paths);
	if (ctr_rpc_call(conn, SVC "Update", digest, &req.base,
			 &containerd__services__content__v1__update_response__descriptor, &msg, 0,
			 err) < 0)
		return -1;
	protobuf_c_message_free_unpacked(msg, NULL);
	return 0;
}

int ctr_content_list(struct ctr_conn *conn, const char *const *filters,
		     struct ctr_content_info **out, size_t *n, struct kk_err *err)
{
	Containerd__Services__Content__V1__ListContentRequest req =
		CONTAINERD__SERVICES__CONTENT__V1__LIST_CONTENT_REQUEST__INIT;
	cleanup_(ctr_stream_freep) struct ctr_stream *s = NULL;
	struct ctr_content_info *list = NULL;
	size_t count = 0;
	int r;

	req.filters = ctr_pb_strv(filters, &req.n_filters);
	if (ctr_stream_open(conn, SVC "List", NULL, &s, err) < 0 ||
	    ctr_stream_send(s, &req.base, true, err) < 0)
		return -1;
	for (;;) {
		Containerd__Services__Content__V1__ListContentResponse *resp;
		ProtobufCMessage *msg = NULL;

		r = ctr_stream_recv(
			s, &containerd__services__content__v1__list_content_response__descriptor,
			CTR_WAIT_STEP, &msg, err);
		if (r != CTR_STREAM_MSG)
			break;
		resp = (Containerd__Services__Content__V1__ListContentResponse *)msg;
		list = kk_xrealloc(list, (count + resp->n_info + 1) * sizeof(*list));
		for (size_t i = 0; i < resp->n_info; i++)
			info_from_pb(&list[count++], resp->info[i]);
		protobuf_c_message_free_unpacked(msg, NULL);
	}
	if (r < 0) {
		ctr_content_info_list_free(list, count);
		return -1;
	}
	*out = list;
	*n = count;
	return 0;
}

int ctr_content_delete(struct ctr_conn *conn, const char *digest, struct kk_err *err)
{
	Containerd__Services__Content__V1__DeleteContentRequest req =
		CONTAINERD__SERVICES__CONTENT__V1__DELETE_CONTENT_REQUEST__INIT;
	ProtobufCMessage *msg = NULL;

	req.digest = ctr_pb_str(digest);
	if (ctr_rpc_call(conn, SVC "Delete", digest, &req.base,
			 &google__protobuf__empty__descriptor, &msg, 0, err) < 0)
		return -1;
	protobuf_c_message_free_unpacked(msg, NULL);
	return 0;
}

int ctr_content_read(struct ctr_conn *conn, const char *digest, int64_t offset, int64_t size,
		     ctr_read_fn *fn, void *arg, struct kk_err *err)
{
	Containerd__Services__Content__V1__ReadContentRequest req =
		CONTAINERD__SERVICES__CONTENT__V1__READ_CONTENT_REQUEST__INIT;
	cleanup_(ctr_stream_freep) struct ctr_stream *s = NULL;
	int64_t got = 0; /* bytes so far: chunks must follow each other, no gaps or overlaps */
	int r;

	req.digest = ctr_pb_str(digest);
	req.offset = offset;
	req.size = size;
	if (ctr_stream_open(conn, SVC "Read", digest, &s, err) < 0 ||
	    ctr_stream_send(s, &req.base, true, err) < 0)
		return -1;
	for (;;) {
		Containerd__Services__Content__V1__ReadContentResponse *resp;
		ProtobufCMessage *msg = NULL;

		r = ctr_stream_recv(
			s, &containerd__services__content__v1__read_content_response__descriptor,
			CTR_WAIT_STEP, &msg, err);
		if (r != CTR_STREAM_MSG)
			break;
		resp = (Containerd__Services__Content__V1__ReadContentResponse *)msg;
		/* containerd 1.6 counts the offset from the requested one, not the blob start */
		if (resp->offset != got && resp->offset != offset + got) {
			kk_err_set(err, EIO, "content.Read `%s`: got bytes at %lld after %lld",
				   digest, (long long)resp->offset, (long long)got);
			protobuf_c_message_free_unpacked(msg, NULL);
			return -1;
		}
		got += (int64_t)resp->data.len;
		r = resp->data.len ? fn(resp->data.data, resp->data.len, arg, err) : 0;
		protobuf_c_message_free_unpacked(msg, NULL);
		if (r < 0)
			return -1; /* the stream's cleanup cancels the call */
	}
	return r < 0 ? -1 : 0;
}

static int read_to_fd(const void *data, size_t len, void *arg, struct kk_err *err)
{
	if (kk_write_all(*(int *)arg, data, len) < 0)
		return kk_err_sys(err, "write");
	return 0;
}

int ctr_content_read_fd(struct ctr_conn *conn, const char *digest, int fd, struct kk_err *err)
{
	return ctr_content_read(conn, digest, 0, 0, read_to_fd, &fd, err);
}

struct read_buf {
	char *data;
	size_t len, max;
	const char *digest;
};

static int read_to_buf(const void *data, size_t len, void *arg, struct kk_err *err)
{
	struct read_buf *b = arg;

	if (b->len + len > b->max)
		return kk_err_set(err, E2BIG, "content `%s` is larger than %zu bytes", b->digest,
				  b->max);
	b->data = kk_xrealloc(b->data, b->len + len + 1);
	memcpy(b->data + b->len, data, len);
	b->len += len;
	return 0;
}

int ctr_content_read_all(struct ctr_conn *conn, const char *digest, size_t max_size, char **out,
			 size_t *len, struct kk_err *err)
{
	struct read_buf b = { .max = max_size, .digest = digest };

	if (ctr_content_read(conn, digest, 0, 0, read_to_buf, &b, err) < 0) {
		free(b.data);
		return -1;
	}
	if (!b.data)
		b.data = kk_xmalloc(1);
	b.data[b.len] = '\0';
	*out = b.data;
	if (len)
		*len = b.len;
	return 0;
}

/* ---- write ------------------------------------------------------------------------------ */

struct ctr_writer {
	struct ctr_conn *conn; /* borrowed */
	struct ctr_stream *s;
	char *ref;
	char *expected; /* NULL if not known */
	int64_t total;
	int64_t offset;
	char *digest; /* after commit */
	bool committed;
};

/* One request/response exchange on the Write stream. */
static int writer_exchange(struct ctr_writer *w,
			   Containerd__Services__Content__V1__WriteContentRequest *req,
			   Containerd__Services__Content__V1__WriteContentResponse **resp,
			   struct kk_err *err)
{
	ProtobufCMessage *msg = NULL;
	int r;

	if (ctr_stream_send(w->s, &req->base, false, err) < 0)
		return -1;
	r = ctr_stream_recv(w->s,
			    &containerd__services__content__v1__write_content_response__descriptor,
			    CTR_WAIT_STEP, &msg, err);
	if (r < 0)
		return -1;
	if (r != CTR_STREAM_MSG || !msg) {
		kk_err_set(err, EPROTO, "%s: stream ended without a reply", ctr_stream_what(w->s));
		return -1;
	}
	*resp = (Containerd__Services__Content__V1__WriteContentResponse *)msg;
	return 0;
}

int ctr_content_writer_open(struct ctr_conn *conn, const char *ref, int64_t expected_size,
			    const char *expected_digest, struct ctr_writer **out,
			    struct kk_err *err)
{
	Containerd__Services__Content__V1__WriteContentRequest req =
		CONTAINERD__SERVICES__CONTENT__V1__WRITE_CONTENT_REQUEST__INIT;
	Containerd__Services__Content__V1__WriteContentResponse *resp = NULL;
	cleanup_(ctr_content_writer_freep) struct ctr_writer *w = NULL;

	if (!ref || !*ref)
		return kk_err_set(err, EINVAL, "content.Write: empty ref");
	w = kk_xcalloc(1, sizeof(*w));
	w->conn = conn;
	w->ref = kk_xstrdup(ref);
	w->expected = expected_digest && *expected_digest ? kk_xstrdup(expected_digest) : NULL;
	w->total = expected_size;
	if (ctr_stream_open(conn, SVC "Write", ref, &w->s, err) < 0)
		return -1;
	req.action = CONTAINERD__SERVICES__CONTENT__V1__WRITE_ACTION__STAT;
	req.ref = w->ref;
	req.total = expected_size;
	req.expected = ctr_pb_str(w->expected);
	if (writer_exchange(w, &req, &resp, err) < 0) {
		if (err->code == EEXIST)
			kk_err_set(err, EEXIST, "content.Write `%s`: blob `%s` already exists", ref,
				   w->expected);
		return -1;
	}
	w->offset = resp->offset;
	protobuf_c_message_free_unpacked(&resp->base, NULL);
	*out = TAKE_PTR(w);
	return 0;
}

int64_t ctr_content_writer_offset(const struct ctr_writer *w)
{
	return w->offset;
}

void ctr_content_writer_restart(struct ctr_writer *w)
{
	w->offset = 0;
}

const char *ctr_content_writer_digest(const struct ctr_writer *w)
{
	return w->digest;
}

int ctr_content_writer_write(struct ctr_writer *w, const void *data, size_t len, struct kk_err *err)
{
	const uint8_t *p = data;

	if (w->committed)
		return kk_err_set(err, EINVAL, "content.Write `%s`: already committed", w->ref);
	while (len) {
		Containerd__Services__Content__V1__WriteContentRequest req =
			CONTAINERD__SERVICES__CONTENT__V1__WRITE_CONTENT_REQUEST__INIT;
		Containerd__Services__Content__V1__WriteContentResponse *resp = NULL;
		size_t n = len < WRITE_CHUNK ? len : WRITE_CHUNK;

		req.action = CONTAINERD__SERVICES__CONTENT__V1__WRITE_ACTION__WRITE;
		req.ref = w->ref;
		req.offset = w->offset;
		req.data.data = (uint8_t *)p;
		req.data.len = n;
		if (writer_exchange(w, &req, &resp, err) < 0)
			return -1;
		if (resp->offset != w->offset + (int64_t)n) {
			int64_t got = resp->offset;

			protobuf_c_message_free_unpacked(&resp->base, NULL);
			return kk_err_set(err, EIO,
					  "content.Write `%s`: offset %lld after writing "
					  "%zu bytes at %lld",
					  w->ref, (long long)got, n, (long long)w->offset);
		}
		w->offset = resp->offset;
		protobuf_c_message_free_unpacked(&resp->base, NULL);
		p += n;
		len -= n;
	}
	return 0;
}

/* End the Write stream the polite way: half-close and wait for containerd's status. Its
 * handler closes the ingest's writer before it answers, so once this returns the ref is
 * unlocked: a resume or an Abort right after cannot race with it. */
static void writer_close_stream(struct ctr_writer *w)
{
	struct kk_err ignored = { 0 };
	ProtobufCMessage *msg = NULL;

	if (!w->s)
		return;
	if (ctr_stream_close_send(w->s, &ignored) == 0) {
		while (ctr_stream_recv(
			       w->s,
			       &containerd__services__content__v1__write_content_response__descriptor,
			       CTR_WAIT_STEP, &msg, &ignored) == CTR_STREAM_MSG)
			protobuf_c_message_free_unpacked(msg, NULL);
	}
	kk_log_ignored(w->conn->log, &ignored, "content.Write `%s`: close the stream", w->ref);
	ctr_stream_freep(&w->s);
}

/* containerd says FAILED_PRECONDITION for both kinds of mismatch; tell them apart. */
static int commit_error(struct ctr_writer *w, int64_t size, const char *digest, struct kk_err *err)
{
	if (err->code == EBUSY &&
	    (strstr(err->msg, "size validation") || strstr(err->msg, "commit size"))) {
		return kk_err_set(err, EINVAL,
				  "content.Write `%s`: size mismatch: wrote %lld bytes, expected "
				  "%lld",
				  w->ref, (long long)w->offset, (long long)size);
	}
	if (err->code == EBUSY &&
	    (strstr(err->msg, "unexpected digest") || strstr(err->msg, "commit digest")))
		return kk_err_set(err, EBADMSG,
				  "content.Write `%s`: digest mismatch: content is not `%s`",
				  w->ref, digest);
	if (err->code == EEXIST)
		return kk_err_set(err, EEXIST, "content.Write `%s`: blob `%s` already exists",
				  w->ref, digest);
	return -1;
}

int ctr_content_writer_commit(struct ctr_writer *w, int64_t size, const char *digest,
			      const struct ctr_labels *labels, struct kk_err *err)
{
	Containerd__Services__Content__V1__WriteContentRequest req =
		CONTAINERD__SERVICES__CONTENT__V1__WRITE_CONTENT_REQUEST__INIT;
	Containerd__Services__Content__V1__WriteContentResponse *resp = NULL;
	cleanup_pool struct ctr_pb_pool pool = { 0 };
	struct kk_err ignored = { 0 };

	if (w->committed)
		return kk_err_set(err, EINVAL, "content.Write `%s`: already committed", w->ref);
	if (!size)
		size = w->total;
	if (!digest || !*digest)
		digest = w->expected;
	req.action = CONTAINERD__SERVICES__CONTENT__V1__WRITE_ACTION__COMMIT;
	req.ref = w->ref;
	req.total = size;
	req.offset = w->offset;
	req.expected = ctr_pb_str(digest);
	ctr_pb_map(&pool, labels,
		   &containerd__services__content__v1__write_content_request__labels_entry__descriptor,
		   &req.n_labels, &req.labels);
	if (writer_exchange(w, &req, &resp, err) < 0) {
		commit_error(w, size, digest, err);
		if (err->code == EINVAL || err->code == EBADMSG) {
			/* the bytes are wrong: resuming them would be pointless */
			writer_close_stream(w);
			ctr_content_abort(w->conn, w->ref, &ignored);
			kk_log_ignored(w->conn->log, &ignored,
				       "content.Write `%s`: abort after a failed commit", w->ref);
		}
		return -1;
	}
	/* a server that skipped verification must not get past us either */
	if ((size && resp->offset != size) || (digest && strcmp(resp->digest, digest) != 0)) {
		bool size_bad = size && resp->offset != size;

		kk_err_set(err, size_bad ? EINVAL : EBADMSG,
			   "content.Write `%s`: %s mismatch after commit", w->ref,
			   size_bad ? "size" : "digest");
		protobuf_c_message_free_unpacked(&resp->base, NULL);
		return -1;
	}
	w->digest = ctr_pb_dup(resp->digest);
	w->committed = true;
	protobuf_c_message_free_unpacked(&resp->base, NULL);
	ctr_stream_close_send(w->s, &ignored);
	kk_log_ignored(w->conn->log, &ignored, "content.Write `%s`: half-close after the commit",
		       w->ref);
	return 0;
}

void ctr_content_writer_free(struct ctr_writer *w)
{
	if (!w)
		return;
	writer_close_stream(w);
	free(w->ref);
	free(w->expected);
	free(w->digest);
	free(w);
}

void ctr_content_writer_freep(struct ctr_writer **w)
{
	ctr_content_writer_free(*w);
	*w = NULL;
}

int ctr_content_write_all(struct ctr_conn *conn, const char *ref, const void *data, size_t len,
			  const char *digest, const struct ctr_labels *labels, struct kk_err *err)
{
	cleanup_(ctr_content_writer_freep) struct ctr_writer *w = NULL;

	if (ctr_content_writer_open(conn, ref, (int64_t)len, digest, &w, err) < 0 || !w)
		return -1;
	/* a resumed ingest: start over (offset 0 truncates it), the bytes are all here */
	ctr_content_writer_restart(w);
	if (ctr_content_writer_write(w, data, len, err) < 0)
		return -1;
	return ctr_content_writer_commit(w, (int64_t)len, digest, labels, err);
}

void ctr_ingest_list_free(struct ctr_ingest *list, size_t n)
{
	for (size_t i = 0; list && i < n; i++) {
		free(list[i].ref);
		free(list[i].expected);
	}
	free(list);
}

int ctr_content_ingests(struct ctr_conn *conn, const char *const *filters, struct ctr_ingest **out,
			size_t *n, struct kk_err *err)
{
	Containerd__Services__Content__V1__ListStatusesRequest req =
		CONTAINERD__SERVICES__CONTENT__V1__LIST_STATUSES_REQUEST__INIT;
	Containerd__Services__Content__V1__ListStatusesResponse *resp;
	ProtobufCMessage *msg = NULL;
	struct ctr_ingest *list = NULL;

	req.filters = ctr_pb_strv(filters, &req.n_filters);
	if (ctr_rpc_call(conn, SVC "ListStatuses", NULL, &req.base,
			 &containerd__services__content__v1__list_statuses_response__descriptor,
			 &msg, 0, err) < 0)
		return -1;
	resp = (Containerd__Services__Content__V1__ListStatusesResponse *)msg;
	if (resp->n_statuses)
		list = kk_xcalloc(resp->n_statuses, sizeof(*list));
	for (size_t i = 0; i < resp->n_statuses; i++) {
		const Containerd__Services__Content__V1__Status *st = resp->statuses[i];

		list[i].ref = ctr_pb_dup(st->ref);
		list[i].expected = ctr_pb_dup(st->expected);
		list[i].offset = st->offset;
		list[i].total = st->total;
		list[i].started_ns = ctr_ts_ns(st->started_at);
		list[i].updated_ns = ctr_ts_ns(st->updated_at);
	}
	*out = list;
	*n = resp->n_statuses;
	protobuf_c_message_free_unpacked(msg, NULL);
	return 0;
}

int ctr_content_abort(struct ctr_conn *conn, const char *ref, struct kk_err *err)
{
	Containerd__Services__Content__V1__AbortRequest req =
		CONTAINERD__SERVICES__CONTENT__V1__ABORT_REQUEST__INIT;
	ProtobufCMessage *msg = NULL;

	req.ref = ctr_pb_str(ref);
	if (ctr_rpc_call(conn, SVC "Abort", ref, &req.base, &google__protobuf__empty__descriptor,
			 &msg, 0, err) < 0)
		return -1;
	protobuf_c_message_free_unpacked(msg, NULL);
	return 0;
}
