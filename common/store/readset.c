/* common/store/readset.c - see readset.h. The recording hooks and the generation counter
 * live in store.c, next to the reads and writes they watch. */
#include "common/store/readset.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

static void take(struct seen *s, const char *path)
{
	struct stat sb;

	memset(s, 0, sizeof(*s));
	s->path = (char *)path;
	if (stat(path, &sb) < 0)
		return; /* absent, or unreadable: either way it must stay so */
	s->present = true;
	s->dev = sb.st_dev;
	s->ino = sb.st_ino;
	s->size = sb.st_size;
	s->mtime = sb.st_mtim;
	s->ctime = sb.st_ctim;
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

bool kk_store_readset_unchanged(const struct kk_store_readset *rs)
{
	for (size_t i = 0; i < rs->n; i++) {
		struct seen now;

		take(&now, rs->v[i].path);
		if (!same(&rs->v[i], &now))
			return false;
	}
	return true;
}

size_t kk_store_readset_bytes(const struct kk_store_readset *rs)
{
	size_t b = sizeof(*rs) + rs->cap * sizeof(*rs->v);

	for (size_t i = 0; i < rs->n; i++)
		b += strlen(rs->v[i].path) + 1;
	return b;
}
