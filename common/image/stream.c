/* common/image/stream.c - fd readers and streaming gzip/zstd decompression. */
#include "common/image/stream.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "kk_config.h"
#if ENABLE_FEATURE_ZSTD
#include <zstd.h>
#endif

#include "common/cleanup.h"
#include "common/mem.h"

int kk_read_full(const struct kk_reader *r, void *buf, size_t n, const char *what,
		 struct kk_err *err)
{
	size_t got = 0;

	while (got < n) {
		ssize_t k = r->read(r->ctx, (char *)buf + got, n - got, err);

		if (k < 0)
			return -1;
		if (k == 0)
			return kk_err_set(err, EPROTO, "unexpected end of %s", what);
		got += (size_t)k;
	}
	return 0;
}

static ssize_t fd_read(void *ctx, void *buf, size_t n, struct kk_err *err)
{
	struct kk_fd_reader *fr = ctx;

	for (;;) {
		ssize_t k = read(fr->fd, buf, n);

		if (k >= 0)
			return k;
		if (errno != EINTR)
			return kk_err_sys(err, "read `%s`", fr->name);
	}
}

struct kk_reader kk_fd_reader_get(struct kk_fd_reader *fr)
{
	return (struct kk_reader){ .read = fd_read, .ctx = fr };
}

enum kk_compression kk_compression_detect(const unsigned char *head, size_t n)
{
	if (n >= 2 && head[0] == 0x1f && head[1] == 0x8b)
		return KK_COMPRESSION_GZIP;
	if (n >= 4 && head[0] == 0x28 && head[1] == 0xb5 && head[2] == 0x2f && head[3] == 0xfd)
		return KK_COMPRESSION_ZSTD;
	return KK_COMPRESSION_NONE;
}

const char *kk_compression_name(enum kk_compression c)
{
	switch (c) {
	case KK_COMPRESSION_GZIP:
		return "gzip";
	case KK_COMPRESSION_ZSTD:
		return "zstd";
	default:
		return "none";
	}
}

#define DECOMP_IN 65536

struct kk_decomp {
	const struct kk_reader *src;
	enum kk_compression comp;
	char *name;
	unsigned char *in; /* DECOMP_IN bytes */
	size_t in_pos, in_len;
	int src_eof;
	int stream_end; /* the current gzip member / zstd frame ended */
	int started;    /* inflateInit2 done */
	z_stream zs;
#if ENABLE_FEATURE_ZSTD
	ZSTD_DStream *zd;
#endif
};

static int refill(struct kk_decomp *d, struct kk_err *err)
{
	ssize_t k;

	if (d->in_pos < d->in_len || d->src_eof)
		return 0;
	k = d->src->read(d->src->ctx, d->in, DECOMP_IN, err);
	if (k < 0)
		return -1;
	d->in_pos = 0;
	d->in_len = (size_t)k;
	if (k == 0)
		d->src_eof = 1;
	return 0;
}

static ssize_t gzip_read(struct kk_decomp *d, void *buf, size_t n, struct kk_err *err)
{
	for (;;) {
		int rc;

		if (refill(d, err) < 0)
			return -1;
		if (d->stream_end) {
			/* another member may follow (pigz, concatenated gzip) */
			if (d->in_pos == d->in_len)
				return 0;
			if (inflateReset(&d->zs) != Z_OK)
				return kk_err_set(err, EIO, "%s: gzip: cannot reset", d->name);
			d->stream_end = 0;
		}
		if (d->in_pos == d->in_len)
			return kk_err_set(err, EPROTO, "%s: gzip: unexpected end of data", d->name);
		d->zs.next_in = d->in + d->in_pos;
		d->zs.avail_in = (uInt)(d->in_len - d->in_pos);
		d->zs.next_out = buf;
		d->zs.avail_out = (uInt)(n > UINT32_MAX ? UINT32_MAX : n);
		rc = inflate(&d->zs, Z_NO_FLUSH);
		d->in_pos = d->in_len - d->zs.avail_in;
		if (rc == Z_STREAM_END)
			d->stream_end = 1;
		else if (rc != Z_OK && rc != Z_BUF_ERROR)
			return kk_err_set(err, EPROTO, "%s: gzip: %s", d->name,
					  d->zs.msg ? d->zs.msg : "corrupt data");
		size_t got = n - d->zs.avail_out;
		if (got > 0)
			return (ssize_t)got;
	}
}

#if ENABLE_FEATURE_ZSTD
static ssize_t zstd_read(struct kk_decomp *d, void *buf, size_t n, struct kk_err *err)
{
	for (;;) {
		ZSTD_inBuffer in;
		ZSTD_outBuffer out = { buf, n, 0 };
		size_t rc;

		if (refill(d, err) < 0)
			return -1;
		if (d->in_pos == d->in_len) {
			if (d->stream_end || !d->started)
				return 0;
			return kk_err_set(err, EPROTO, "%s: zstd: unexpected end of data", d->name);
		}
		in = (ZSTD_inBuffer){ d->in, d->in_len, d->in_pos };
		rc = ZSTD_decompressStream(d->zd, &out, &in);
		d->in_pos = in.pos;
		d->started = 1;
		if (ZSTD_isError(rc))
			return kk_err_set(err, EPROTO, "%s: zstd: %s", d->name,
					  ZSTD_getErrorName(rc));
		d->stream_end = rc == 0;
		if (out.pos > 0)
			return (ssize_t)out.pos;
	}
}
#endif

static ssize_t decomp_read(void *ctx, void *buf, size_t n, struct kk_err *err)
{
	struct kk_decomp *d = ctx;

	if (n == 0)
		return 0;
	switch (d->comp) {
	case KK_COMPRESSION_GZIP:
		return gzip_read(d, buf, n, err);
#if ENABLE_FEATURE_ZSTD
	case KK_COMPRESSION_ZSTD:
		return zstd_read(d, buf, n, err);
#endif
	default:
		if (d->in_pos < d->in_len) {
			size_t k = d->in_len - d->in_pos < n ? d->in_len - d->in_pos : n;

			memcpy(buf, d->in + d->in_pos, k);
			d->in_pos += k;
			return (ssize_t)k;
		}
		if (d->src_eof)
			return 0;
		return d->src->read(d->src->ctx, buf, n, err);
	}
}

int kk_decomp_new(const struct kk_reader *src, enum kk_compression c, const char *name,
		  struct kk_decomp **out, struct kk_err *err)
{
	struct kk_decomp *d = kk_xcalloc(1, sizeof(*d));

	d->src = src;
	d->comp = c;
	d->name = kk_xstrdup(name);
	d->in = kk_xmalloc(DECOMP_IN);
	switch (c) {
	case KK_COMPRESSION_GZIP:
		/* 16 + MAX_WBITS: gzip wrapper only */
		if (inflateInit2(&d->zs, 16 + MAX_WBITS) != Z_OK) {
			kk_decomp_free(d);
			return kk_err_set(err, ENOMEM, "%s: gzip: cannot initialise", name);
		}
		d->started = 1;
		break;
	case KK_COMPRESSION_ZSTD:
#if ENABLE_FEATURE_ZSTD
		d->zd = ZSTD_createDStream();
		if (!d->zd || ZSTD_isError(ZSTD_initDStream(d->zd))) {
			kk_decomp_free(d);
			return kk_err_set(err, ENOMEM, "%s: zstd: cannot initialise", name);
		}
		break;
#else
		kk_decomp_free(d);
		return kk_err_set(err, ENOTSUP, "%s: zstd compression is not built in", name);
#endif
	default:
		break;
	}
	*out = d;
	return 0;
}

int kk_decomp_new_auto(const struct kk_reader *src, const char *name, struct kk_decomp **out,
		       struct kk_err *err)
{
	unsigned char head[4];
	size_t got = 0;
	struct kk_decomp *d = NULL;

	while (got < sizeof(head)) {
		ssize_t k = src->read(src->ctx, head + got, sizeof(head) - got, err);

		if (k < 0)
			return -1;
		if (k == 0)
			break;
		got += (size_t)k;
	}
	if (kk_decomp_new(src, kk_compression_detect(head, got), name, &d, err) < 0 || !d)
		return -1;
	/* the peeked bytes are the start of the input buffer */
	memcpy(d->in, head, got);
	d->in_len = got;
	if (got < sizeof(head))
		d->src_eof = 1;
	*out = d;
	return 0;
}

enum kk_compression kk_decomp_compression(const struct kk_decomp *d)
{
	return d->comp;
}

struct kk_reader kk_decomp_reader(struct kk_decomp *d)
{
	return (struct kk_reader){ .read = decomp_read, .ctx = d };
}

void kk_decomp_free(struct kk_decomp *d)
{
	if (!d)
		return;
	if (d->comp == KK_COMPRESSION_GZIP && d->started)
		inflateEnd(&d->zs);
#if ENABLE_FEATURE_ZSTD
	if (d->zd)
		ZSTD_freeDStream(d->zd);
#endif
	free(d->in);
	free(d->name);
	free(d);
}

KK_DEFINE_FREEP(kk_decomp)
