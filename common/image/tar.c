/* common/image/tar.c - see tar.h. Formats: POSIX ustar (with prefix), pax extended
 * headers (path, linkpath, size; global headers ignored), GNU 'L'/'K' long names and
 * base-256 numbers. */
#include "common/image/tar.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/mem.h"

#define BLOCK 512
/* a pax header or GNU long name larger than this is not something we need to read */
#define META_MAX (1 << 20)

struct kk_tar {
	const struct kk_reader *src;
	int64_t remaining; /* unread data bytes of the current member */
	int64_t padding;   /* bytes of block padding after the data */
	/* the current member's name and link name, one after the other; kept from member to
	 * member and grown when a pair does not fit, so reading allocates almost never */
	char *names;
	size_t names_size;
	struct kk_tar_entry ent;
	bool done;
	char name[]; /* the archive's, for messages */
};

struct kk_tar *kk_tar_new(const struct kk_reader *src, const char *name)
{
	struct kk_tar *t = kk_xcalloc(1, sizeof(*t) + strlen(name) + 1);

	t->src = src;
	strcpy(t->name, name);
	return t;
}

void kk_tar_free(struct kk_tar *t)
{
	if (!t)
		return;
	free(t->names);
	free(t);
}

KK_DEFINE_FREEP(kk_tar)

/* The entry type of a ustar typeflag ('7', contiguous, reads as a regular file). */
static enum kk_tar_type entry_type(char flag)
{
	static const struct {
		char flag;
		enum kk_tar_type type;
	} types[] = { { '0', KK_TAR_REG }, { '\0', KK_TAR_REG },    { '7', KK_TAR_REG },
		      { '5', KK_TAR_DIR }, { '2', KK_TAR_SYMLINK }, { '1', KK_TAR_HARDLINK } };

	for (size_t i = 0; i < ARRAY_SIZE(types); i++)
		if (types[i].flag == flag)
			return types[i].type;
	return KK_TAR_OTHER;
}

static int truncated(struct kk_tar *t, struct kk_err *err)
{
	return kk_err_set(err, EPROTO, "tar `%s`: truncated archive", t->name);
}

/* Read exactly n bytes, distinguishing EOF at the very start (returns 0) from EOF in
 * the middle (an error). Returns 1 when the bytes were read. */
static int read_block(struct kk_tar *t, void *buf, size_t n, struct kk_err *err)
{
	size_t got = 0;

	while (got < n) {
		ssize_t k = t->src->read(t->src->ctx, (char *)buf + got, n - got, err);

		if (k < 0)
			return -1;
		if (k == 0)
			return got == 0 ? 0 : truncated(t, err);
		got += (size_t)k;
	}
	return 1;
}

static int skip(struct kk_tar *t, int64_t n, struct kk_err *err)
{
	char buf[8192];

	while (n > 0) {
		size_t want = n > (int64_t)sizeof(buf) ? sizeof(buf) : (size_t)n;
		int rc = read_block(t, buf, want, err);

		if (rc < 0)
			return -1;
		if (rc == 0)
			return truncated(t, err);
		n -= (int64_t)want;
	}
	return 0;
}

/* Octal (NUL/space padded) or GNU base-256 (high bit of the first byte set). */
static int parse_number(const char *f, size_t len, int64_t *out)
{
	int64_t v = 0;
	size_t i = 0;

	if ((unsigned char)f[0] & 0x80) {
		if ((unsigned char)f[0] & 0x40)
			return -1; /* negative */
		v = (unsigned char)f[0] & 0x3f;
		for (i = 1; i < len; i++) {
			if (v > (INT64_MAX >> 8))
				return -1;
			v = (v << 8) | (unsigned char)f[i];
		}
		*out = v;
		return 0;
	}
	while (i < len && (f[i] == ' ' || f[i] == '\0'))
		i++;
	for (; i < len && f[i] >= '0' && f[i] <= '7'; i++) {
		if (v > (INT64_MAX >> 3))
			return -1;
		v = v * 8 + (f[i] - '0');
	}
	for (; i < len; i++)
		if (f[i] != ' ' && f[i] != '\0')
			return -1;
	*out = v;
	return 0;
}

static bool checksum_ok(const unsigned char *b)
{
	int64_t want;
	unsigned long sum = 0;
	long ssum = 0;

	if (parse_number((const char *)b + 148, 8, &want) < 0)
		return false;
	for (int i = 0; i < BLOCK; i++) {
		unsigned char c = (i >= 148 && i < 156) ? ' ' : b[i];

		sum += c;
		ssum += (signed char)c;
	}
	/* some old writers summed signed chars */
	return (int64_t)sum == want || (int64_t)ssum == want;
}

static bool all_zero(const unsigned char *b)
{
	for (int i = 0; i < BLOCK; i++)
		if (b[i])
			return false;
	return true;
}

/* Read a whole metadata member (pax header, GNU long name) into a new buffer. */
static int read_meta(struct kk_tar *t, int64_t size, char **out, struct kk_err *err)
{
	int64_t padded;
	char *buf;
	int rc;

	if (size < 0 || size > META_MAX)
		return kk_err_set(err, EPROTO,
				  "tar `%s`: corrupt archive: metadata member too large", t->name);
	padded = (size + BLOCK - 1) / BLOCK * BLOCK;
	buf = kk_xmalloc((size_t)padded + 1);
	rc = padded ? read_block(t, buf, (size_t)padded, err) : 1;
	if (rc <= 0) {
		free(buf);
		return rc < 0 ? -1 : truncated(t, err);
	}
	buf[size] = '\0';
	*out = buf;
	return 0;
}

/* pax records: "<len> <key>=<value>\n" */
static int parse_pax(struct kk_tar *t, const char *p, size_t n, char **path, char **link,
		     int64_t *size, struct kk_err *err)
{
	size_t off = 0;

	if (!p)
		return 0;
	while (off < n) {
		char *end;
		unsigned long len = strtoul(p + off, &end, 10);
		const char *rec = p + off, *key, *eq;

		if (end == p + off || *end != ' ' || len == 0 || len > n - off ||
		    rec[len - 1] != '\n')
			return kk_err_set(err, EPROTO, "tar `%s`: corrupt pax header", t->name);
		key = end + 1;
		eq = memchr(key, '=', (size_t)(rec + len - 1 - key));
		if (!eq)
			return kk_err_set(err, EPROTO, "tar `%s`: corrupt pax header", t->name);
		size_t klen = (size_t)(eq - key), vlen = (size_t)(rec + len - 1 - (eq + 1));
		if (klen == 4 && memcmp(key, "path", 4) == 0) {
			free(*path);
			*path = kk_xstrndup(eq + 1, vlen);
		} else if (klen == 8 && memcmp(key, "linkpath", 8) == 0) {
			free(*link);
			*link = kk_xstrndup(eq + 1, vlen);
		} else if (klen == 4 && memcmp(key, "size", 4) == 0) {
			char *se;
			char *v = kk_xstrndup(eq + 1, vlen);
			long long s = strtoll(v, &se, 10);
			bool bad = se == v || *se || s < 0;

			free(v);
			if (bad)
				return kk_err_set(err, EPROTO, "tar `%s`: corrupt pax size",
						  t->name);
			*size = s;
		}
		off += len;
	}
	return 0;
}

/* "./a//b/" -> "a/b"; "/" or "." -> "" into out (room for strlen(in) + 1); its length */
static size_t clean_name(const char *in, char *out)
{
	const char *p = in;
	size_t o = 0;

	while (*p) {
		const char *seg = p;
		size_t len;

		while (*p && *p != '/')
			p++;
		len = (size_t)(p - seg);
		while (*p == '/')
			p++;
		if (len == 0 || (len == 1 && seg[0] == '.'))
			continue;
		if (o)
			out[o++] = '/';
		memcpy(out + o, seg, len);
		o += len;
	}
	out[o] = '\0';
	return o;
}

/* ustar: prefix (155 bytes at 345) + "/" + name (100 bytes) */
#define HEADER_NAME_MAX (155 + 1 + 100 + 1)

/* The name a header block holds, into raw. */
static const char *header_name(const unsigned char *b, char raw[HEADER_NAME_MAX])
{
	size_t plen = 0, nlen = strnlen((const char *)b, 100);

	if (memcmp(b + 257, "ustar", 5) == 0 && b[345]) {
		plen = strnlen((const char *)b + 345, 155);
		memcpy(raw, b + 345, plen);
		raw[plen++] = '/';
	}
	memcpy(raw + plen, b, nlen);
	raw[plen + nlen] = '\0';
	return raw;
}

/* The current member's names into t->names: path cleaned, then link as it is. */
static void set_names(struct kk_tar *t, const char *path, const char *link, size_t link_len)
{
	size_t need = strlen(path) + 1 + link_len + 1;
	char *l;

	if (need > t->names_size) {
		free(t->names);
		t->names = kk_xmalloc(need);
		t->names_size = need;
	}
	l = t->names + clean_name(path, t->names) + 1;
	memcpy(l, link, link_len);
	l[link_len] = '\0';
	t->ent.name = t->names;
	t->ent.linkname = l;
}

int kk_tar_next(struct kk_tar *t, const struct kk_tar_entry **ent, struct kk_err *err)
{
	unsigned char b[BLOCK];
	char *long_path = NULL, *long_link = NULL;
	int64_t pax_size = -1;
	int rc;

	if (t->done)
		return 0;
	if (skip(t, t->remaining + t->padding, err) < 0)
		return -1;
	t->remaining = t->padding = 0;

	for (;;) {
		int64_t size;
		char type;

		rc = read_block(t, b, BLOCK, err);
		if (rc < 0)
			goto fail;
		if (rc == 0 || all_zero(b)) {
			/* end of archive: a zero block (the second one is optional to read) or
			 * a clean EOF on a block boundary */
			if (long_path || long_link || pax_size >= 0) {
				truncated(t, err);
				goto fail;
			}
			t->done = true;
			return 0;
		}
		if (!checksum_ok(b)) {
			kk_err_set(err, EPROTO, "tar `%s`: corrupt archive: bad header checksum",
				   t->name);
			goto fail;
		}
		if (parse_number((char *)b + 124, 12, &size) < 0) {
			kk_err_set(err, EPROTO, "tar `%s`: corrupt archive: bad size field",
				   t->name);
			goto fail;
		}
		type = (char)b[156];
		if (type == 'x' || type == 'g') {
			char *meta = NULL;

			if (read_meta(t, size, &meta, err) < 0)
				goto fail;
			if (type == 'x')
				rc = parse_pax(t, meta, (size_t)size, &long_path, &long_link,
					       &pax_size, err);
			free(meta);
			if (rc < 0)
				goto fail;
			continue;
		}
		if (type == 'L' || type == 'K') {
			char *meta = NULL;

			if (read_meta(t, size, &meta, err) < 0)
				goto fail;
			if (type == 'L') {
				free(long_path);
				long_path = meta;
			} else {
				free(long_link);
				long_link = meta;
			}
			continue;
		}
		if (pax_size >= 0)
			size = pax_size;

		char raw[HEADER_NAME_MAX];
		const char *path = long_path ? long_path : header_name(b, raw);

		if (long_link)
			set_names(t, path, long_link, strlen(long_link));
		else
			set_names(t, path, (char *)b + 157, strnlen((char *)b + 157, 100));
		free(long_path);
		free(long_link);
		long_path = long_link = NULL;

		int64_t mode = 0;
		parse_number((char *)b + 100, 8, &mode);
		t->ent.mode = (unsigned)mode & 07777;
		t->ent.type = entry_type(type);
		/* only regular files (and odd types that still carry data) have data */
		if (type == '1' || type == '2' || type == '3' || type == '4' || type == '5' ||
		    type == '6')
			size = 0;
		/* no archive holds a member whose padded end an int64_t cannot count */
		if (size > INT64_MAX - BLOCK) {
			kk_err_set(err, EPROTO, "tar `%s`: corrupt archive: member `%s` too large",
				   t->name, t->ent.name);
			goto fail;
		}
		t->ent.size = size; /* what kk_tar_read will give, for every type */
		t->remaining = size;
		t->padding = (BLOCK - size % BLOCK) % BLOCK;
		*ent = &t->ent;
		return 1;
	}
fail:
	free(long_path);
	free(long_link);
	return -1;
}

ssize_t kk_tar_read(struct kk_tar *t, void *buf, size_t n, struct kk_err *err)
{
	ssize_t k;

	if (t->remaining == 0 || n == 0)
		return 0;
	if ((int64_t)n > t->remaining)
		n = (size_t)t->remaining;
	k = t->src->read(t->src->ctx, buf, n, err);
	if (k < 0)
		return -1;
	if (k == 0)
		return truncated(t, err);
	t->remaining -= k;
	return k;
}

static ssize_t member_read(void *ctx, void *buf, size_t n, struct kk_err *err)
{
	return kk_tar_read(ctx, buf, n, err);
}

struct kk_reader kk_tar_member_reader(struct kk_tar *t)
{
	return (struct kk_reader){ .read = member_read, .ctx = t };
}
