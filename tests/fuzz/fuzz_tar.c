/* tests/fuzz/fuzz_tar.c - libFuzzer target for the streaming tar reader that image loads
 * go through (ustar, pax, GNU long names): any bytes as an archive. Every member it reports
 * must have a cleaned name (no leading "/" or "./", no trailing "/"; "" for the root), a size that
 * is not negative (0 for links and directories), and exactly that many data bytes or an error; the
 * reader must end or fail, never loop. Names ("..", absolute, links and hardlinks out of
 * the archive) never become host paths: the image import (ctr/image_import.c) only matches
 * them against manifest.json and index.json, stores blobs by digest and leaves layers to
 * containerd's diff service; the seeds carry such names, and huge sizes, all the same. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/image/stream.h"
#include "common/image/tar.h"

struct mem {
	const uint8_t *p;
	size_t n, off;
};

static ssize_t mem_read(void *ctx, void *buf, size_t n, struct kk_err *err)
{
	struct mem *m = ctx;
	size_t k = m->n - m->off < n ? m->n - m->off : n;

	(void)err;
	memcpy(buf, m->p + m->off, k);
	m->off += k;
	return (ssize_t)k;
}

static void fail(const char *what, const char *name)
{
	fprintf(stderr, "%s: `%s`\n", what, name);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mem m = { data, size, 0 };
	struct kk_reader r = { mem_read, &m };
	struct kk_tar *t = kk_tar_new(&r, "fuzz.tar");
	const struct kk_tar_entry *e;
	struct kk_err err = { 0 };
	int rc, members = 0;

	while ((rc = kk_tar_next(t, &e, &err)) > 0) {
		char buf[4096];
		int64_t got = 0;
		ssize_t n;

		if (++members > 100000)
			fail("more members than bytes could hold", e->name);
		if (!e->name)
			fail("a NULL member name", "");
		/* "" is the archive's root ("/", "./") */
		if (e->name[0] == '/' || strncmp(e->name, "./", 2) == 0 ||
		    (*e->name && e->name[strlen(e->name) - 1] == '/'))
			fail("a member name that is not cleaned", e->name);
		if (e->size < 0 || ((e->type == KK_TAR_DIR || e->type == KK_TAR_SYMLINK ||
				     e->type == KK_TAR_HARDLINK) &&
				    e->size != 0))
			fail("a size that cannot be", e->name);
		if (!e->linkname)
			fail("a NULL linkname", e->name);
		/* read half the members fully, leave the others for kk_tar_next to skip */
		if (members % 2)
			continue;
		while ((n = kk_tar_read(t, buf, sizeof(buf), &err)) > 0)
			got += n;
		if (n == 0 && got != e->size)
			fail("member data shorter or longer than its size", e->name);
	}
	if (rc < 0 && !err.msg[0])
		fail("a failure without a message", "");
	kk_tar_free(t);
	return 0;
}
