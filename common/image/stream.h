/* common/image/stream.h - pull-style byte streams: a file, a decompressor, a tar member.
 *
 * A kk_reader is borrowed by whoever reads it; read() returns the number of bytes
 * placed in buf (0 at the end of the stream) or -1 with err filled in. Nothing here
 * holds more than one fixed-size buffer, so memory stays bounded however big the
 * stream is. */
#ifndef KK_COMMON_IMAGE_STREAM_H
#define KK_COMMON_IMAGE_STREAM_H

#include <stddef.h>
#include <sys/types.h>

#include "common/err.h"

struct kk_reader {
	ssize_t (*read)(void *ctx, void *buf, size_t n, struct kk_err *err);
	void *ctx;
};

/* Read exactly n bytes; a short stream is an error naming `what` ("unexpected end of
 * <what>"). Returns 0 or -1. */
int kk_read_full(const struct kk_reader *r, void *buf, size_t n, const char *what,
		 struct kk_err *err);

/* A reader over an open fd (borrowed; not closed). ctx must outlive the reader. */
struct kk_fd_reader {
	int fd;
	const char *name; /* borrowed; for messages */
};
struct kk_reader kk_fd_reader_get(struct kk_fd_reader *fr);

enum kk_compression {
	KK_COMPRESSION_NONE,
	KK_COMPRESSION_GZIP,
	KK_COMPRESSION_ZSTD,
};

/* Which compression the first bytes of a stream announce (gzip 1f 8b, zstd
 * 28 b5 2f fd); anything else is NONE. n may be short. */
enum kk_compression kk_compression_detect(const unsigned char *head, size_t n);
const char *kk_compression_name(enum kk_compression c);

/* A decompressing reader over src (borrowed, must outlive it). With
 * KK_COMPRESSION_NONE (or auto-detected as such) bytes pass through unchanged.
 * kk_decomp_new_auto() peeks at the first bytes to choose. Concatenated gzip members
 * and zstd frames are read through. Corrupt input fails naming `name`. */
struct kk_decomp;
int kk_decomp_new(const struct kk_reader *src, enum kk_compression c, const char *name,
		  struct kk_decomp **out, struct kk_err *err);
int kk_decomp_new_auto(const struct kk_reader *src, const char *name, struct kk_decomp **out,
		       struct kk_err *err);
enum kk_compression kk_decomp_compression(const struct kk_decomp *d);
struct kk_reader kk_decomp_reader(struct kk_decomp *d);
void kk_decomp_free(struct kk_decomp *d);
void kk_decomp_freep(struct kk_decomp **d);

#endif
