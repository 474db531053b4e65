/* tests/unit/test_selfimage.c - common/image/selfimage.h: the image `kuke init` builds from
 * the running binary, read back with the project's tar reader. */
#include "common/image/selfimage.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/image/digest.h"
#include "common/image/stream.h"
#include "common/image/tar.h"
#include "common/mem.h"
#include "common/runtime/runtime.h"
#include "common/strv.h"
#include "tests/unit/tap.h"

struct member {
	char *name, *link;
	enum kk_tar_type type;
};

/* Every member of the tar on fd (from offset 0); the data of members whose name starts
 * with `keep` goes to *data (the last one), with its length. */
static int read_tar(int fd, struct member **out, size_t *n, const char *keep, char **data,
		    size_t *len)
{
	struct kk_fd_reader fr = { .fd = fd, .name = "image" };
	struct kk_reader r;
	cleanup_(kk_tar_freep) struct kk_tar *t = NULL;
	const struct kk_tar_entry *e;
	struct kk_err err = { 0 };
	int rc;

	lseek(fd, 0, SEEK_SET);
	r = kk_fd_reader_get(&fr);
	t = kk_tar_new(&r, "image");
	while ((rc = kk_tar_next(t, &e, &err)) == 1) {
		*out = kk_xrealloc(*out, (*n + 1) * sizeof(**out));
		(*out)[*n] =
			(struct member){ kk_xstrdup(e->name), kk_xstrdup(e->linkname), e->type };
		(*n)++;
		if (keep && strncmp(e->name, keep, strlen(keep)) == 0 && e->type == KK_TAR_REG) {
			free(*data);
			*data = kk_xmalloc((size_t)e->size + 1);
			*len = (size_t)e->size;
			for (size_t got = 0; got < *len;) {
				ssize_t k = kk_tar_read(t, *data + got, *len - got, &err);

				if (k <= 0)
					return -1;
				got += (size_t)k;
			}
			(*data)[*len] = '\0';
		}
	}
	if (rc < 0)
		printf("# %s\n", err.msg);
	return rc;
}

static void free_members(struct member *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(m[i].name);
		free(m[i].link);
	}
	free(m);
}

/* The data of member NAME of the tar on fd (a new buffer, NULL if none), *len its size. */
static char *member_data(int fd, const char *name, size_t *len)
{
	struct member *tmp = NULL;
	size_t nt = 0;
	char *data = NULL;

	read_tar(fd, &tmp, &nt, name, &data, len);
	free_members(tmp, nt);
	return data;
}

static const struct member *find(const struct member *m, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(m[i].name, name) == 0)
			return &m[i];
	return NULL;
}

static bool has_suffix(const struct member *m, size_t n, const char *suffix)
{
	size_t sl = strlen(suffix);

	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(m[i].name);

		if (l >= sl && strcmp(m[i].name + l - sl, suffix) == 0)
			return true;
	}
	return false;
}

static void image_from_this_binary(void)
{
	static const char *const applets[] = { "kuke", "kukeond", "kuketty", NULL };
	static const char *const plugins[] = { "loopback", "no-such-plugin", NULL };
	static const char *const tools[] = { "sleep", "no-such-tool", NULL };
	struct kk_selfimage_opts o = {
		.ref = "localhost/kukeon:test",
		.self = "/proc/self/exe",
		.applets = applets,
		.plugin_path = "/nonexistent:/usr/lib/cni",
		.plugins = plugins,
		.tools = tools,
		.kuketty = "/bin/busybox", /* a static file standing for the static build */
	};
	cleanup_close int fd = memfd_create("image", MFD_CLOEXEC);
	cleanup_close int lfd = memfd_create("layer", MFD_CLOEXEC);
	struct kk_err err = { 0 };
	struct member *outer = NULL, *inner = NULL;
	size_t n_outer = 0, n_inner = 0, len = 0, llen = 0;
	cleanup_free char *index = NULL, *layer = NULL;
	char digest[KK_DIGEST_STR_SIZE];
	const struct member *m;

	TAP_INT_EQ(kk_selfimage_write(&o, fd, &err), 0);
	TAP_INT_EQ(read_tar(fd, &outer, &n_outer, "index.json", &index, &len), 0);
	TAP_OK(find(outer, n_outer, "oci-layout") != NULL, "oci-layout");
	TAP_OK(index && strstr(index, "\"io.containerd.image.name\":\"localhost/kukeon:test\""),
	       "index.json names the image");
	TAP_OK(index && strstr(index, "\"org.opencontainers.image.ref.name\":\"test\""),
	       "index.json carries the tag");
	/* every blob is named by its digest; the largest is the layer */
	for (size_t i = 0; i < n_outer; i++) {
		cleanup_free char *data = NULL;
		size_t dl = 0;

		if (strncmp(outer[i].name, "blobs/sha256/", 13) != 0 || outer[i].type != KK_TAR_REG)
			continue;
		data = member_data(fd, outer[i].name, &dl);
		TAP_OK(data != NULL, "blob %s", outer[i].name);
		kk_sha256_digest(data, dl, digest);
		TAP_STR_EQ(digest + 7, outer[i].name + 13);
		if (dl > llen) {
			free(layer);
			layer = TAKE_PTR(data);
			llen = dl;
		}
	}
	TAP_OK(llen > 0 && write(lfd, layer, llen) == (ssize_t)llen, "the layer");
	TAP_INT_EQ(read_tar(lfd, &inner, &n_inner, NULL, NULL, NULL), 0);
	m = find(inner, n_inner, "bin/kukeon");
	TAP_OK(m && m->type == KK_TAR_REG, "bin/kukeon is the binary");
	m = find(inner, n_inner, "bin/kukeond");
	TAP_OK(m && m->type == KK_TAR_SYMLINK && strcmp(m->link, "kukeon") == 0,
	       "bin/kukeond -> kukeon");
	m = find(inner, n_inner, "bin/kuketty");
	TAP_OK(m && m->type == KK_TAR_REG, "bin/kuketty is the static file given");
	m = find(inner, n_inner, "opt/cni/bin/loopback");
	TAP_OK(m && m->type == KK_TAR_REG, "a plugin found on the path, at /opt/cni/bin");
	TAP_OK(!has_suffix(inner, n_inner, "no-such-plugin"), "a missing plugin is left out");
	TAP_OK(has_suffix(inner, n_inner, "bin/sleep"), "a tool, at its host path");
	TAP_OK(has_suffix(inner, n_inner, "/libc.so.6"), "the libraries they need");
	TAP_OK(has_suffix(inner, n_inner, "ld-linux-x86-64.so.2") ||
		       has_suffix(inner, n_inner, "ld-linux-aarch64.so.1"),
	       "the ELF interpreter");
	m = find(inner, n_inner, "tmp");
	TAP_OK(m && m->type == KK_TAR_DIR, "/tmp");
	TAP_OK(find(inner, n_inner, "etc/passwd") != NULL, "/etc/passwd");
	/* the config's diff_id is the layer's digest (an uncompressed layer) */
	kk_sha256_digest(layer, llen, digest);
	for (size_t i = 0; i < n_outer; i++) {
		size_t dl = 0;
		cleanup_free char *data = member_data(fd, outer[i].name, &dl);

		if (data && strstr(data, "\"diff_ids\""))
			TAP_OK(strstr(data, digest) != NULL, "config diff_ids holds %s", digest);
	}
	free_members(outer, n_outer);
	free_members(inner, n_inner);
}

static void missing_binary_fails(void)
{
	struct kk_selfimage_opts o = { .ref = "x:y",
				       .self = "/nonexistent/kukeon",
				       .plugin_path = "" };
	cleanup_close int fd = memfd_create("image", MFD_CLOEXEC);
	struct kk_err err = { 0 };

	TAP_INT_EQ(kk_selfimage_write(&o, fd, &err), -1);
	TAP_STR_EQ(err.msg,
		   "build kukeond image: open `/nonexistent/kukeon`: No such file or directory");
}

/* This test binary is a dynamic sanitizer build: kuketty must come from elsewhere. */
static void kuketty_source_of_a_dynamic_build(void)
{
	cleanup_close int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	cleanup_close int bb = open("/bin/busybox", O_RDONLY | O_CLOEXEC);
	struct kk_err err = { 0 };
	char src[PATH_MAX];

	TAP_OK(!kk_elf_is_static(self), "this test binary is dynamic");
	TAP_OK(kk_elf_is_static(bb), "busybox-static is static");
	unsetenv("KUKEON_KUKETTY_BIN");
	TAP_INT_EQ(kk_rt_kuketty_source(src, sizeof(src), &err), -1);
	TAP_INT_EQ(err.code, ENOEXEC);
	TAP_STR_EQ(err.msg, "kuketty binary: this kukeon is not static and no static kuketty was "
			    "found (set KUKEON_KUKETTY_BIN)");
	setenv("KUKEON_KUKETTY_BIN", "/bin/busybox", 1);
	TAP_INT_EQ(kk_rt_kuketty_source(src, sizeof(src), &err), 0);
	TAP_STR_EQ(src, "/bin/busybox");
	err = (struct kk_err){ 0 };
	setenv("KUKEON_KUKETTY_BIN", "/proc/self/exe", 1);
	TAP_INT_EQ(kk_rt_kuketty_source(src, sizeof(src), &err), -1);
	TAP_STR_EQ(err.msg, "kuketty binary: KUKEON_KUKETTY_BIN `/proc/self/exe` is not a static "
			    "executable");
	unsetenv("KUKEON_KUKETTY_BIN");
}

int main(void)
{
	image_from_this_binary();
	missing_binary_fails();
	kuketty_source_of_a_dynamic_build();
	return tap_done();
}
