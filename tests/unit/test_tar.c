/* tests/unit/test_tar.c - the streaming tar reader and decompressors, on archives made
 * by GNU tar (ustar, gnu, pax formats), gzip and zstd. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/image/digest.h"
#include "common/image/stream.h"
#include "common/image/tar.h"
#include "common/mem.h"
#include "kk_config.h"
#include "tap.h"

static char dir[256];

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	va_list ap;
	char cmd[2048];

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* 120-char and 300-char names: past ustar's 100 and 155+100 limits */
static char long1[200], long2[400];

static void make_tree(void)
{
	memset(long1, 'a', 120);
	long1[120] = '\0';
	for (int i = 0; i < 30; i++)
		memcpy(long2 + i * 10, "dddddddd/", 9), long2[i * 10 + 9] = 'e';
	long2[299] = 'f';
	long2[300] = '\0';
	/* long2 contains slashes; make a directory chain for it */
	sh("mkdir -p %s/src && cd %s/src && printf hello > small && "
	   "head -c 5000000 /dev/urandom > big && ln -s small link && printf x > %s && "
	   "mkdir -p \"$(dirname %s)\" && printf deep > %s",
	   dir, dir, long1, long2, long2);
}

struct summary {
	int n_reg, n_sym, n_dir;
	char small[16];
	char big_digest[KK_DIGEST_STR_SIZE];
	int64_t big_size;
	int saw_long1, saw_long2;
	char linkname[32];
};

static int read_archive(const char *path, struct summary *s, struct kk_err *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct kk_fd_reader fr = { .fd = fd, .name = path };
	struct kk_reader raw = kk_fd_reader_get(&fr);
	cleanup_(kk_decomp_freep) struct kk_decomp *d = NULL;
	cleanup_(kk_tar_freep) struct kk_tar *t = NULL;
	struct kk_reader in;
	const struct kk_tar_entry *e;
	int rc;

	memset(s, 0, sizeof(*s));
	if (fd < 0)
		return kk_err_sys(err, "open %s", path);
	if (kk_decomp_new_auto(&raw, path, &d, err) < 0)
		return -1;
	in = kk_decomp_reader(d);
	t = kk_tar_new(&in, path);
	while ((rc = kk_tar_next(t, &e, err)) > 0) {
		if (e->type == KK_TAR_DIR)
			s->n_dir++;
		if (e->type == KK_TAR_SYMLINK) {
			s->n_sym++;
			snprintf(s->linkname, sizeof(s->linkname), "%s", e->linkname);
		}
		if (e->type != KK_TAR_REG)
			continue;
		s->n_reg++;
		if (!strcmp(e->name, long1))
			s->saw_long1 = 1;
		if (!strcmp(e->name, long2))
			s->saw_long2 = 1;
		if (!strcmp(e->name, "small")) {
			ssize_t k = kk_tar_read(t, s->small, sizeof(s->small) - 1, err);

			if (k < 0)
				return -1;
			s->small[k] = '\0';
		}
		if (!strcmp(e->name, "big")) {
			struct kk_sha256 *h = kk_sha256_new();
			char buf[4096];
			ssize_t k;

			s->big_size = e->size;
			while ((k = kk_tar_read(t, buf, sizeof(buf), err)) > 0)
				kk_sha256_update(h, buf, (size_t)k);
			kk_sha256_final(h, s->big_digest);
			kk_sha256_free(h);
			if (k < 0)
				return -1;
		}
		/* other members are left unread: kk_tar_next skips them */
	}
	return rc;
}

static void big_digest(char out[KK_DIGEST_STR_SIZE])
{
	char path[300];
	char buf[65536];
	cleanup_close int fd;
	struct kk_sha256 *h = kk_sha256_new();
	ssize_t k;

	snprintf(path, sizeof(path), "%s/src/big", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	while ((k = read(fd, buf, sizeof(buf))) > 0)
		kk_sha256_update(h, buf, (size_t)k);
	kk_sha256_final(h, out);
	kk_sha256_free(h);
}

static void format_reads(const char *format, const char *compress)
{
	char path[300];
	struct summary s;
	struct kk_err err = { 0 };
	char want[KK_DIGEST_STR_SIZE];

	snprintf(path, sizeof(path), "%s/%s.tar%s", dir, format, compress[0] ? ".c" : "");
	sh("cd %s/src && tar --format=%s -cf - . %s > %s", dir, format, compress, path);
	big_digest(want);
	int rc = read_archive(path, &s, &err);
	TAP_OK(rc == 0, "%s%s: read to the end (%s)", format, compress, rc ? err.msg : "ok");
	TAP_STR_EQ(s.small, "hello");
	TAP_STR_EQ(s.big_digest, want);
	TAP_INT_EQ(s.big_size, 5000000);
	TAP_INT_EQ(s.n_sym, 1);
	TAP_STR_EQ(s.linkname, "small");
	TAP_OK(s.saw_long1, "%s%s: 120-char name", format, compress);
	TAP_OK(s.saw_long2, "%s%s: 300-char name", format, compress);
}

static void bad_archives(void)
{
	char path[300], bad[300];
	struct summary s;
	struct kk_err err = { 0 };

	snprintf(path, sizeof(path), "%s/gnu.tar", dir);
	snprintf(bad, sizeof(bad), "%s/trunc.tar", dir);
	sh("head -c 3000000 %s > %s", path, bad);
	TAP_INT_EQ(read_archive(bad, &s, &err), -1);
	TAP_OK(strstr(err.msg, "truncated archive") != NULL, "truncated: %s", err.msg);

	/* flip a byte in the first header's name: the checksum no longer matches */
	snprintf(bad, sizeof(bad), "%s/corrupt.tar", dir);
	sh("cp %s %s && printf 'Z' | dd of=%s bs=1 seek=0 conv=notrunc 2>/dev/null", path, bad,
	   bad);
	memset(&err, 0, sizeof(err));
	TAP_INT_EQ(read_archive(bad, &s, &err), -1);
	TAP_OK(strstr(err.msg, "bad header checksum") != NULL, "corrupt: %s", err.msg);

	snprintf(bad, sizeof(bad), "%s/trunc.tar.gz", dir);
	sh("gzip -c %s | head -c 100000 > %s", path, bad);
	memset(&err, 0, sizeof(err));
	TAP_INT_EQ(read_archive(bad, &s, &err), -1);
	TAP_OK(strstr(err.msg, "gzip: unexpected end of data") != NULL, "truncated gzip: %s",
	       err.msg);

	snprintf(bad, sizeof(bad), "%s/garbage.tar.gz", dir);
	sh("{ printf '\\037\\213\\010\\000'; head -c 2000 /dev/zero; } > %s", bad);
	memset(&err, 0, sizeof(err));
	TAP_INT_EQ(read_archive(bad, &s, &err), -1);
	TAP_OK(strstr(err.msg, "gzip:") != NULL, "corrupt gzip: %s", err.msg);

	/* an empty file is an empty archive */
	snprintf(bad, sizeof(bad), "%s/empty.tar", dir);
	sh(": > %s", bad);
	memset(&err, 0, sizeof(err));
	TAP_INT_EQ(read_archive(bad, &s, &err), 0);
	TAP_INT_EQ(s.n_reg, 0);
}

/* ustar splits a 140-char path into prefix + name */
static void ustar_prefix(void)
{
	char path[300], name[200];
	struct kk_err err = { 0 };
	const struct kk_tar_entry *e;
	int found = 0, rc;

	snprintf(name, sizeof(name), "%s/%s/%s",
		 "p123456789p123456789p123456789p123456789p123456789p1234567890",
		 "q123456789q123456789q123456789q123456789q123456789q1234567890", "file-in-ustar");
	sh("mkdir -p %s/us && cd %s/us && mkdir -p \"$(dirname %s)\" && printf u > %s && "
	   "tar --format=ustar -cf ../ustar.tar .",
	   dir, dir, name, name);
	snprintf(path, sizeof(path), "%s/ustar.tar", dir);
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct kk_fd_reader fr = { .fd = fd, .name = path };
	struct kk_reader raw = kk_fd_reader_get(&fr);
	struct kk_tar *t = kk_tar_new(&raw, path);
	while ((rc = kk_tar_next(t, &e, &err)) > 0)
		if (e->type == KK_TAR_REG && !strcmp(e->name, name))
			found = 1;
	kk_tar_free(t);
	TAP_INT_EQ(rc, 0);
	TAP_OK(found, "ustar prefix + name joined");
}

static void compression_detect(void)
{
	const unsigned char gz[] = { 0x1f, 0x8b, 8, 0 }, zs[] = { 0x28, 0xb5, 0x2f, 0xfd },
			    tar[] = { 'b', 'l', 'o', 'b' };

	TAP_INT_EQ(kk_compression_detect(gz, 4), KK_COMPRESSION_GZIP);
	TAP_INT_EQ(kk_compression_detect(zs, 4), KK_COMPRESSION_ZSTD);
	TAP_INT_EQ(kk_compression_detect(tar, 4), KK_COMPRESSION_NONE);
	TAP_INT_EQ(kk_compression_detect(gz, 1), KK_COMPRESSION_NONE);
}

/* Found by tests/fuzz/fuzz_tar.c: a member whose size (base-256, or a pax size) is near
 * INT64_MAX overflowed when its padding was added; it is refused now. */
static void huge_sizes(void)
{
	struct summary s;
	struct kk_err err = { 0 };

	TAP_INT_EQ(read_archive("tests/fuzz/corpus/tar/huge-base256-size.tar", &s, &err), -1);
	TAP_STR_EQ(err.msg, "tar `tests/fuzz/corpus/tar/huge-base256-size.tar`: corrupt archive: "
			    "member `big` too large");
	memset(&err, 0, sizeof(err));
	TAP_INT_EQ(read_archive("tests/fuzz/corpus/tar/huge-pax-size.tar", &s, &err), -1);
	TAP_OK(strstr(err.msg, "truncated archive") != NULL, "a pax size past the data: %s",
	       err.msg);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/kk-test-tar.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	make_tree();
	compression_detect();
	format_reads("gnu", "");
	format_reads("pax", "");
	format_reads("pax", "| gzip -1");
	if (ENABLE_FEATURE_ZSTD)
		format_reads("gnu", "| zstd -q -1");
	ustar_prefix();
	bad_archives();
	huge_sizes();
	sh("rm -rf %s", dir);
	return tap_done();
}
