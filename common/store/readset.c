/* common/store/readset.c - see readset.h. The recording hooks and the generation counter
 * live in store.c, next to the reads and writes they watch. */
#include "common/store/readset.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/cleanup.h"
#include "common/mem.h"

struct seen {
	char *path; /* owned */
	bool present;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
};

struct kk_store_readset {
	struct seen *v;
	size_t n, cap;
};

struct kk_store_readset *kk_store_readset_new(void)
{
	return kk_xcalloc(1, sizeof(struct kk_store_readset));
}

void kk_store_readset_free(struct kk_store_readset *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->n; i++)
		free(rs->v[i].path);
	free(rs->v);
	free(rs);
}

/* The stat of path, relative to dirfd (AT_FDCWD: path as it is). */
static void take_at(struct seen *s, int dirfd, const char *path)
{
	struct stat sb;

	memset(s, 0, sizeof(*s));
	s->path = (char *)path;
	if (fstatat(dirfd, path, &sb, 0) < 0)
		return; /* absent, or unreadable: either way it must stay so */
	s->present = true;
	s->dev = sb.st_dev;
	s->ino = sb.st_ino;
	s->size = sb.st_size;
	s->mtime = sb.st_mtim;
	s->ctime = sb.st_ctim;
}

static void take(struct seen *s, const char *path)
{
	take_at(s, AT_FDCWD, path);
}

/* The length of the directory prefix (up to and with a '/') every path noted shares. */
static size_t common_dir(const struct kk_store_readset *rs)
{
	size_t len = 0;

	if (!rs->n)
		return 0;
	for (const char *p = rs->v[0].path, *slash; (slash = strchr(p, '/')); p = slash + 1) {
		size_t want = (size_t)(slash + 1 - rs->v[0].path);

		for (size_t i = 1; i < rs->n; i++)
			if (strncmp(rs->v[i].path, rs->v[0].path, want) != 0)
				return len;
		len = want;
	}
	return len;
}

static bool same_time(struct timespec a, struct timespec b)
{
	return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

static bool same(const struct seen *a, const struct seen *b)
{
	if (a->present != b->present)
		return false;
	return !a->present || (a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
			       same_time(a->mtime, b->mtime) && same_time(a->ctime, b->ctime));
}

void kk_store_readset_note(struct kk_store_readset *rs, const char *path)
{
	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? rs->cap * 2 : 16;
		rs->v = kk_xrealloc(rs->v, rs->cap * sizeof(*rs->v));
	}
	take(&rs->v[rs->n], path);
	rs->v[rs->n].path = kk_xstrdup(path);
	rs->n++;
}

/* Each path is looked up from the directory all of them share, opened once: a cached reply
 * of a hundred realms is checked with a hundred short lookups instead of full path walks. */
bool kk_store_readset_unchanged(const struct kk_store_readset *rs)
{
	size_t len = common_dir(rs);
	cleanup_free char *dir = len > 1 ? kk_xstrndup(rs->v[0].path, len) : NULL;
	cleanup_close int dirfd = dir ? open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
	bool ok = true;

	if (dirfd < 0)
		len = 0;
	for (size_t i = 0; i < rs->n && ok; i++) {
		struct seen now;

		take_at(&now, dirfd < 0 ? AT_FDCWD : dirfd, rs->v[i].path + len);
		ok = same(&rs->v[i], &now);
	}
	return ok;
}

size_t kk_store_readset_bytes(const struct kk_store_readset *rs)
{
	size_t b = sizeof(*rs) + rs->cap * sizeof(*rs->v);

	for (size_t i = 0; i < rs->n; i++)
		b += strlen(rs->v[i].path) + 1;
	return b;
}
