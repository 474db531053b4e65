/* common/image/tar.h - a streaming tar reader (ustar, pax, GNU long names).
 *
 * Reads headers and member data from a kk_reader without ever holding a member in
 * memory: kk_tar_next() moves to the next member (skipping what was left unread of the
 * current one), kk_tar_read() streams its data. Only one 512-byte block and the
 * current member's names are held. */
#ifndef KK_COMMON_IMAGE_TAR_H
#define KK_COMMON_IMAGE_TAR_H

#include <stdint.h>
#include <sys/types.h>

#include "common/err.h"
#include "common/image/stream.h"

enum kk_tar_type {
	KK_TAR_REG,
	KK_TAR_DIR,
	KK_TAR_SYMLINK,
	KK_TAR_HARDLINK,
	KK_TAR_OTHER, /* devices, fifos ... */
};

struct kk_tar_entry {
	const char *name;     /* cleaned: no leading "./" or "/", no trailing "/"; "" for the
			       * archive's root ("/", "./") */
	const char *linkname; /* "" unless a link */
	enum kk_tar_type type;
	int64_t size; /* data bytes: 0 for links, directories and devices; a regular file's
		       * length, or what an unknown type carries */
	unsigned mode;
};

struct kk_tar;
/* src is borrowed and must outlive the reader; `name` names the archive in messages. */
struct kk_tar *kk_tar_new(const struct kk_reader *src, const char *name);
void kk_tar_free(struct kk_tar *t);
void kk_tar_freep(struct kk_tar **t);

/* Move to the next member. Returns 1 with *ent pointing at a description valid until
 * the next call, 0 at the end of the archive, -1 on a truncated or corrupt archive. */
int kk_tar_next(struct kk_tar *t, const struct kk_tar_entry **ent, struct kk_err *err);
/* Read up to n bytes of the current member's data: returns the count, 0 at its end. */
ssize_t kk_tar_read(struct kk_tar *t, void *buf, size_t n, struct kk_err *err);
/* A kk_reader over the current member's data (valid until kk_tar_next). */
struct kk_reader kk_tar_member_reader(struct kk_tar *t);

#endif
