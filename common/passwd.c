/* common/passwd.c - see passwd.h. */
#include "common/passwd.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/mem.h"

enum { MAX_FIELDS = 7 };

int kk_parse_id(const char *s, uint32_t *out)
{
	uint64_t v = 0;

	if (!s || !*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

/* Without openat2 (kernels before 5.6, or a seccomp filter that hides it): walk PATH
 * one component at a time from ROOTFD, refusing symlinks and "..", so nothing can lead
 * outside the root. Returns an fd, or -1 with errno set. */
static int open_beneath(int rootfd, const char *path)
{
	cleanup_free char *copy = kk_xstrdup(path);
	char *save = NULL, *comp = strtok_r(copy, "/", &save);
	int at = rootfd;

	while (comp) {
		char *next = strtok_r(NULL, "/", &save);
		int flags = O_CLOEXEC | O_NOFOLLOW | (next ? O_PATH | O_DIRECTORY : O_RDONLY);
		int fd;

		if (strcmp(comp, "..") == 0) {
			errno = EXDEV;
			fd = -1;
		} else {
			fd = openat(at, comp, flags);
		}
		if (at != rootfd) {
			int saved = errno;

			close(at);
			errno = saved;
		}
		if (fd < 0)
			return -1;
		if (!next)
			return fd;
		at = fd;
		comp = next;
	}
	errno = EISDIR;
	return -1;
}

int kk_root_fopen(const char *root, const char *path, FILE **out, struct kk_err *err)
{
	cleanup_close int rootfd = -1;
	int fd;
	FILE *f;

	if (!root || strcmp(root, "/") == 0) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return kk_err_sys(err, "open `%s`", path);
	} else {
		struct open_how how = {
			.flags = O_RDONLY | O_CLOEXEC,
			.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
		};

		rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (rootfd < 0)
			return kk_err_sys(err, "open root `%s`", root);
		while (*path == '/')
			path++;
		fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
		if (fd < 0 && (errno == ENOSYS || errno == EPERM))
			fd = open_beneath(rootfd, path);
		if (fd < 0)
			return kk_err_sys(err, "open `/%s` in `%s`", path, root);
	}
	f = fdopen(fd, "re");
	if (!f) {
		kk_err_sys(err, "open `%s`", path);
		close(fd);
		return -1;
	}
	*out = f;
	return 0;
}

/* Trim surrounding whitespace in place (Go's strings.TrimSpace, which the Go client
 * applies to every line); returns the trimmed start. */
static char *trim(char *s)
{
	size_t len;

	while (isspace((unsigned char)*s))
		s++;
	len = strlen(s);
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		s[--len] = '\0';
	return s;
}

size_t kk_passwd_split(char *line, char **fields, size_t max)
{
	size_t n = 0;

	fields[n++] = line;
	while (n < max) {
		char *colon = strchr(line, ':');

		if (!colon)
			break;
		*colon = '\0';
		line = colon + 1;
		fields[n++] = line;
	}
	return n;
}

/* Read lines and hand each usable (non-blank, non-comment) one, split into fields, to
 * FN; stop when FN returns non-zero. Returns FN's non-zero value, 0 at end of file, or
 * -1 on a read error. */
typedef int line_fn(char **fields, size_t n, void *ctx);

static int each_line(FILE *f, const char *what, line_fn *fn, void *ctx, struct kk_err *err)
{
	cleanup_free char *buf = NULL;
	size_t cap = 0;
	ssize_t len;

	for (;;) {
		char *fields[MAX_FIELDS];
		char *line;
		size_t n;
		int rc;

		errno = 0;
		len = getline(&buf, &cap, f);
		if (len < 0)
			break;
		if (memchr(buf, '\0', (size_t)len))
			continue; /* a NUL inside a line: not a text entry */
		line = trim(buf);
		if (*line == '\0' || *line == '#')
			continue;
		n = kk_passwd_split(line, fields, MAX_FIELDS);
		rc = fn(fields, n, ctx);
		if (rc != 0)
			return rc;
	}
	if (ferror(f) || errno == ENOMEM)
		return kk_err_sys(err, "read %s", what);
	return 0;
}

/* A lookup in passwd or group: by name, or (name NULL) by id; the entry found, owned. */
struct query {
	const char *name;
	uint32_t id;
	void *found;
};

/* The first entry of f that line() takes (it sets q->found): 1 with *out, 0 when none. */
static int find_entry(FILE *f, const char *what, int (*line)(char **, size_t, void *),
		      const char *name, uint32_t id, void **out, struct kk_err *err)
{
	struct query q = { .name = name, .id = id };

	if (each_line(f, what, line, &q, err) < 0)
		return -1;
	if (!q.found)
		return 0;
	*out = q.found;
	return 1;
}

/* Copy s to *at and move *at past the copy's NUL; the copy. */
static char *put_str(char **at, const char *s)
{
	size_t len = strlen(s) + 1;
	char *copy = memcpy(*at, s, len);

	*at += len;
	return copy;
}

static int passwd_line(char **fields, size_t n, void *ctx)
{
	struct query *q = ctx;
	struct kk_passwd *pw;
	uint32_t uid, gid;
	const char *home, *shell;
	char *at;

	/* name:password:uid:gid[:gecos[:home[:shell]]] */
	if (n < 4 || fields[0][0] == '\0')
		return 0;
	if (kk_parse_id(fields[2], &uid) < 0 || kk_parse_id(fields[3], &gid) < 0)
		return 0;
	if (q->name ? strcmp(fields[0], q->name) != 0 : uid != q->id)
		return 0;
	home = n > 5 ? fields[5] : "";
	shell = n > 6 ? fields[6] : "";
	pw = kk_xmalloc(sizeof(*pw) + strlen(fields[0]) + strlen(home) + strlen(shell) + 3);
	at = pw->strings;
	pw->name = put_str(&at, fields[0]);
	pw->uid = uid;
	pw->gid = gid;
	pw->home = put_str(&at, home);
	pw->shell = put_str(&at, shell);
	q->found = pw;
	return 1;
}

int kk_passwd_find(FILE *f, const char *name, uint32_t uid, struct kk_passwd **out,
		   struct kk_err *err)
{
	return find_entry(f, "passwd file", passwd_line, name, uid, (void **)out, err);
}

void kk_passwd_free(struct kk_passwd *pw)
{
	free(pw);
}

KK_DEFINE_FREEP(kk_passwd)

/* name:password:gid[:member,member...]; returns false for an unusable line */
static bool group_fields(char **fields, size_t n, uint32_t *gid)
{
	return n >= 3 && fields[0][0] != '\0' && kk_parse_id(fields[2], gid) == 0;
}

static bool has_member(char *list, const char *user)
{
	size_t ulen = strlen(user);

	while (list && *list) {
		char *comma = strchr(list, ',');
		size_t len = comma ? (size_t)(comma - list) : strlen(list);

		if (len == ulen && memcmp(list, user, len) == 0)
			return true;
		list = comma ? comma + 1 : NULL;
	}
	return false;
}

static int group_line(char **fields, size_t n, void *ctx)
{
	struct query *q = ctx;
	struct kk_group *gr;
	uint32_t gid;
	const char *list;
	size_t max = 1;
	char *at, *copy, *tok, *save = NULL;

	if (!group_fields(fields, n, &gid))
		return 0;
	if (q->name ? strcmp(fields[0], q->name) != 0 : gid != q->id)
		return 0;
	list = n > 3 ? fields[3] : "";
	for (const char *c = list; *c; c++)
		max += *c == ',';
	/* the struct, max members and the NULL, then the name and a copy of the list that
	 * strtok_r cuts into the members */
	gr = kk_xmalloc(sizeof(*gr) + (max + 1) * sizeof(gr->members[0]) + strlen(fields[0]) +
			strlen(list) + 2);
	at = (char *)&gr->members[max + 1];
	gr->name = put_str(&at, fields[0]);
	gr->gid = gid;
	gr->n_members = 0;
	copy = put_str(&at, list);
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		gr->members[gr->n_members++] = tok;
	gr->members[gr->n_members] = NULL;
	q->found = gr;
	return 1;
}

int kk_group_find(FILE *f, const char *name, uint32_t gid, struct kk_group **out,
		  struct kk_err *err)
{
	return find_entry(f, "group file", group_line, name, gid, (void **)out, err);
}

void kk_group_free(struct kk_group *gr)
{
	free(gr);
}

KK_DEFINE_FREEP(kk_group)

struct member_query {
	const char *user;
	uint32_t *gids;
	size_t n, cap;
};

static int member_line(char **fields, size_t n, void *ctx)
{
	struct member_query *q = ctx;
	uint32_t gid;

	if (!group_fields(fields, n, &gid) || n < 4 || strcmp(fields[0], q->user) == 0)
		return 0;
	if (!has_member(fields[3], q->user))
		return 0;
	if (q->n == q->cap) {
		q->cap = q->cap ? q->cap * 2 : 8;
		q->gids = kk_xrealloc(q->gids, q->cap * sizeof(*q->gids));
	}
	q->gids[q->n++] = gid;
	return 0;
}

int kk_group_member_gids(FILE *f, const char *user, uint32_t **gids, size_t *n, struct kk_err *err)
{
	struct member_query q = { .user = user };

	if (each_line(f, "group file", member_line, &q, err) < 0) {
		free(q.gids);
		return -1;
	}
	*gids = q.gids;
	*n = q.n;
	return 0;
}
