/* common/accounts.c - see accounts.h. */
#include "common/accounts.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/mem.h"
#include "common/passwd.h"
#include "common/path.h"

enum { DB_PASSWD, DB_SHADOW, DB_GROUP, DB_GSHADOW, N_DB };
static const char *const db_names[N_DB] = { "passwd", "shadow", "group", "gshadow" };

/* shadow-utils: LOCK_TRIES tries of the per-file lock, LOCK_SLEEP seconds apart, and a 15 s
 * alarm on the lckpwdf lock */
enum { LOCK_TRIES = 15, PWD_LOCK_WAIT_MS = 15000, MAX_FIELDS = 10, MAX_RANGE = 1 << 24 };

struct db {
	char *path;      /* owned: ROOT/etc/NAME */
	char *text;      /* owned: the content read under the lock; NULL when the file is absent */
	char *next;      /* owned: the content to write; NULL when unchanged */
	struct stat st;  /* of the file, when text is non-NULL */
	char *lock_path; /* owned: FILE.lock when we hold it, else NULL */
};

struct txn {
	char *etc; /* owned: ROOT/etc */
	int pwd_lock;
	struct db db[N_DB];
};

static char *etc_path(const char *root, const char *name)
{
	if (!root || !*root || strcmp(root, "/") == 0)
		return kk_path_join("/etc", name);
	return kk_path_join(root, "etc", name);
}

static bool name_is_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > 32)
		return false;
	if (!((name[0] >= 'a' && name[0] <= 'z') || name[0] == '_'))
		return false;
	for (size_t i = 1; i < len; i++) {
		char c = name[i];

		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')
			continue;
		if (c == '$' && i == len - 1)
			continue;
		return false;
	}
	return true;
}

/* ---- reading simple KEY VALUE / KEY=VALUE files ---- */

/* The value of KEY in the file at PATH (login.defs: "KEY VALUE"; default/useradd: "KEY=VALUE"),
 * a new string, or NULL when the file or the key is missing. */
static char *conf_value(const char *path, const char *key, char sep)
{
	cleanup_free char *text = NULL;
	struct kk_err ignored = { 0 };
	size_t klen = strlen(key);

	if (kk_read_file(path, &text, &ignored) < 0)
		return NULL;
	for (char *line = text; line && *line;) {
		char *nl = strchr(line, '\n');
		char *p = line;

		if (nl)
			*nl = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, key, klen) == 0 &&
		    (sep == '=' ? p[klen] == '=' : (p[klen] == ' ' || p[klen] == '\t'))) {
			char *v = p + klen + 1, *end;

			while (*v == ' ' || *v == '\t' || *v == '"')
				v++;
			end = v + strcspn(v, " \t\"#");
			return kk_xstrndup(v, (size_t)(end - v));
		}
		line = nl ? nl + 1 : NULL;
	}
	return NULL;
}

static int defs_ulong(const char *defs, const char *key, unsigned long dflt, uint32_t *out,
		      struct kk_err *err)
{
	cleanup_free char *v = conf_value(defs, key, ' ');
	unsigned long n;
	char *end;

	if (!v) {
		*out = (uint32_t)dflt;
		return 0;
	}
	errno = 0;
	n = strtoul(v, &end, 0);
	if (errno || end == v || *end || n > UINT32_MAX)
		return kk_err_set(err, EINVAL, "`%s`: invalid %s `%s`", defs, key, v);
	*out = (uint32_t)n;
	return 0;
}

int kk_accounts_sys_range(const char *root, bool user, uint32_t *min, uint32_t *max,
			  struct kk_err *err)
{
	cleanup_free char *defs = etc_path(root, "login.defs");
	uint32_t lo = 0, hi = 0, first = 0;

	if (defs_ulong(defs, user ? "UID_MIN" : "GID_MIN", 1000, &first, err) < 0 ||
	    defs_ulong(defs, user ? "SYS_UID_MIN" : "SYS_GID_MIN", 101, &lo, err) < 0 ||
	    defs_ulong(defs, user ? "SYS_UID_MAX" : "SYS_GID_MAX", first ? first - 1 : 0, &hi,
		       err) < 0)
		return -1;
	if (lo > hi)
		return kk_err_set(err, EINVAL, "`%s`: empty system %s range %u-%u", defs,
				  user ? "uid" : "gid", lo, hi);
	*min = lo;
	*max = hi;
	return 0;
}

const char *kk_accounts_nologin(const char *root)
{
	static const char *const shells[] = { "/usr/sbin/nologin", "/sbin/nologin" };

	for (size_t i = 0; i < ARRAY_SIZE(shells); i++) {
		cleanup_free char *p = (!root || strcmp(root, "/") == 0)
					       ? kk_xstrdup(shells[i])
					       : kk_path_join(root, shells[i]);

		if (access(p, F_OK) == 0)
			return shells[i];
	}
	return "/bin/false";
}

/* ---- lines and fields ---- */

/* Called with each line of a file split into fields. Returns false to keep the line as it
 * was; true when the line changes, having written its replacement (if any, with its
 * newline) to OUT. */
typedef bool line_edit(char **f, size_t n, const void *ctx, FILE *out);

/* Run FN over every line of TEXT. Returns the new content (free it) when some line
 * changed, else NULL. Every line of the result ends in a newline, as shadow-utils writes. */
static char *edit_lines(const char *text, line_edit *fn, const void *ctx)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	bool changed = false;

	if (!out)
		abort(); /* only ENOMEM */
	for (const char *line = text; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t l = nl ? (size_t)(nl - line) : strlen(line);
		cleanup_free char *copy = kk_xstrndup(line, l);
		char *f[MAX_FIELDS];
		size_t n = kk_passwd_split(copy, f, MAX_FIELDS);

		if (fn(f, n, ctx, out))
			changed = true;
		else
			fprintf(out, "%.*s\n", (int)l, line);
		line = nl ? nl + 1 : NULL;
	}
	if (fclose(out) != 0)
		abort();
	if (!changed) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* The line of TEXT whose first field is NAME, split into F (the fields point into *copy,
 * which the caller frees). Returns the number of fields, 0 when there is no such line.
 * White space around a line is not part of it, as for the readers of passwd.h. */
static size_t find_entry(const char *text, const char *name, char **copy, char **f)
{
	size_t nlen = strlen(name);

	for (const char *line = text; line && *line;) {
		const char *nl = strchr(line, '\n');
		const char *s = line;
		size_t l;

		while (s < (nl ? nl : s + strlen(s)) && isspace((unsigned char)*s))
			s++;
		l = nl ? (size_t)(nl - s) : strlen(s);
		while (l > 0 && isspace((unsigned char)s[l - 1]))
			l--;
		if (l > nlen && s[nlen] == ':' && memcmp(s, name, nlen) == 0) {
			*copy = kk_xstrndup(s, l);
			return kk_passwd_split(*copy, f, MAX_FIELDS);
		}
		line = nl ? nl + 1 : NULL;
	}
	return 0;
}

/* TEXT (may be NULL) with LINE appended; a last line without its newline gets one. */
static char *append_line(const char *text, const char *line)
{
	size_t len = text ? strlen(text) : 0;

	return kk_xasprintf("%s%s%s\n", text ? text : "", len && text[len - 1] != '\n' ? "\n" : "",
			    line);
}

/* The next free system id in [MIN, MAX] given the ids in field 2 of TEXT: counting down
 * from just below the lowest one in use in the range, then from MAX down. */
static int next_free_id(const char *text, uint32_t min, uint32_t max, uint32_t *out,
			const char *what, struct kk_err *err)
{
	cleanup_free bool *used = NULL;
	uint64_t lowest = (uint64_t)max + 1;

	if ((uint64_t)max - min + 1 > MAX_RANGE)
		return kk_err_set(err, EINVAL, "system %s range %u-%u is too large", what, min,
				  max);
	used = kk_xcalloc((size_t)(max - min) + 1, sizeof(bool));
	for (const char *line = text; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t l = nl ? (size_t)(nl - line) : strlen(line);
		cleanup_free char *copy = kk_xstrndup(line, l);
		char *f[MAX_FIELDS];
		uint32_t id;

		if (kk_passwd_split(copy, f, MAX_FIELDS) >= 3 && kk_parse_id(f[2], &id) == 0 &&
		    id >= min && id <= max) {
			used[id - min] = true;
			if (id < lowest)
				lowest = id;
		}
		line = nl ? nl + 1 : NULL;
	}
	for (uint64_t id = lowest; id-- > min;) {
		if (!used[id - min]) {
			*out = (uint32_t)id;
			return 0;
		}
	}
	for (uint64_t id = (uint64_t)max + 1; id-- > min;) {
		if (!used[id - min]) {
			*out = (uint32_t)id;
			return 0;
		}
	}
	return kk_err_set(err, EOVERFLOW, "no free system %s in %u-%u", what, min, max);
}

/* ---- locking (shadow-utils' protocol) ---- */

static int lock_pwd(struct txn *t, struct kk_err *err)
{
	cleanup_free char *path = kk_path_join(t->etc, ".pwd.lock");
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

	t->pwd_lock = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (t->pwd_lock < 0)
		return kk_err_sys(err, "open `%s`", path);
	/* OFD locks conflict with the classic record lock that glibc's lckpwdf() takes */
	for (int waited = 0;; waited += 100) {
		if (fcntl(t->pwd_lock, F_OFD_SETLK, &fl) == 0)
			return 0;
		if (errno != EAGAIN && errno != EACCES)
			return kk_err_sys(err, "lock `%s`", path);
		if (waited >= PWD_LOCK_WAIT_MS)
			return kk_err_set(err, EBUSY, "timed out after %ds waiting for lock `%s`",
					  PWD_LOCK_WAIT_MS / 1000, path);
		usleep(100 * 1000);
	}
}

/* The pid written in lock file PATH, or 0 when unreadable or not a pid. */
static pid_t lock_owner(const char *path)
{
	cleanup_free char *text = NULL;
	struct kk_err ignored = { 0 };
	uint32_t pid;

	if (kk_read_file(path, &text, &ignored) < 0)
		return 0;
	text[strcspn(text, "\n")] = '\0';
	if (kk_parse_id(text, &pid) < 0 || pid == 0 || pid > INT32_MAX)
		return 0;
	return (pid_t)pid;
}

/* One try at "FILE.lock": 1 taken, 0 held by a live process (*owner its pid), -1 error. */
static int try_lock(const char *tmp, const char *lock, pid_t *owner, struct kk_err *err)
{
	cleanup_close int fd = -1;
	char pid[32];
	int len = snprintf(pid, sizeof(pid), "%lu", (unsigned long)getpid());

	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return kk_err_sys(err, "create `%s`", tmp);
	if (write(fd, pid, (size_t)len) != len) {
		kk_err_sys(err, "write `%s`", tmp);
		unlink(tmp);
		return -1;
	}
	for (int attempt = 0; attempt < 2; attempt++) {
		if (link(tmp, lock) == 0) {
			unlink(tmp);
			return 1;
		}
		if (errno != EEXIST) {
			kk_err_sys(err, "link `%s` to `%s`", lock, tmp);
			unlink(tmp);
			return -1;
		}
		*owner = lock_owner(lock);
		if (*owner == 0 || kill(*owner, 0) == 0 || errno != ESRCH)
			break;
		unlink(lock); /* its owner died: the lock is stale */
	}
	unlink(tmp);
	return 0;
}

static int lock_db(struct db *d, struct kk_err *err)
{
	cleanup_free char *tmp = kk_xasprintf("%s.%ld", d->path, (long)getpid());
	cleanup_free char *lock = kk_xasprintf("%s.lock", d->path);

	for (int i = 1;; i++) {
		pid_t owner = 0;
		int rc = try_lock(tmp, lock, &owner, err);

		if (rc < 0)
			return -1;
		if (rc == 1) {
			d->lock_path = TAKE_PTR(lock);
			return 0;
		}
		if (i == LOCK_TRIES)
			return owner ? kk_err_set(err, EBUSY, "`%s` is locked by pid %ld", lock,
						  (long)owner)
				     : kk_err_set(err, EBUSY, "`%s` is locked (no pid in it)",
						  lock);
		sleep(1);
	}
}

static void txn_end(struct txn *t)
{
	for (int i = N_DB; i-- > 0;) {
		struct db *d = &t->db[i];

		if (d->lock_path)
			unlink(d->lock_path);
		free(d->lock_path);
		free(d->path);
		free(d->text);
		free(d->next);
	}
	if (t->pwd_lock >= 0)
		close(t->pwd_lock);
	free(t->etc);
	memset(t, 0, sizeof(*t));
	t->pwd_lock = -1;
}

/* Lock the four files of ROOT/etc and read them (a missing shadow or gshadow stays absent;
 * a missing passwd or group reads as empty and is created on write). */
static int txn_begin(struct txn *t, const char *root, struct kk_err *err)
{
	struct stat st;

	memset(t, 0, sizeof(*t));
	t->pwd_lock = -1;
	t->etc = etc_path(root, NULL);
	if (stat(t->etc, &st) < 0)
		return kk_err_sys(err, "`%s`", t->etc);
	if (lock_pwd(t, err) < 0)
		return -1;
	for (int i = 0; i < N_DB; i++) {
		struct db *d = &t->db[i];

		d->path = kk_path_join(t->etc, db_names[i]);
		if (lock_db(d, err) < 0)
			return -1;
		if (kk_read_file(d->path, &d->text, err) < 0) {
			if (err->code != ENOENT)
				return -1;
			kk_err_clear(err);
		} else if (stat(d->path, &d->st) < 0) {
			return kk_err_sys(err, "stat `%s`", d->path);
		}
	}
	return 0;
}

/* Write DATA to PATH through "PATH+": owner and mode from ST, fsync, rename. */
static int replace_file(const char *path, const char *data, const struct stat *st,
			struct kk_err *err)
{
	cleanup_free char *tmp = kk_xasprintf("%s+", path);
	cleanup_close int fd = -1;

	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return kk_err_sys(err, "create `%s`", tmp);
	if (fchown(fd, st->st_uid, st->st_gid) < 0 || fchmod(fd, st->st_mode & 07777) < 0) {
		kk_err_sys(err, "set owner and mode of `%s`", tmp);
		goto undo_tmp;
	}
	return kk_write_rename(TAKE_FD(fd), tmp, path, data, strlen(data), err);
undo_tmp:
	unlink(tmp);
	return -1;
}

/* Write every changed file: the old content to "FILE-" first, then the new. */
static int txn_commit(struct txn *t, struct kk_err *err)
{
	for (int i = 0; i < N_DB; i++) {
		struct db *d = &t->db[i];
		struct stat st = { .st_mode = 0644 };

		if (!d->next)
			continue;
		if (d->text) {
			cleanup_free char *backup = kk_xasprintf("%s-", d->path);

			st = d->st;
			if (replace_file(backup, d->text, &st, err) < 0)
				return -1;
		}
		if (replace_file(d->path, d->next, &st, err) < 0)
			return -1;
	}
	return kk_fsync_dir(t->etc, err);
}

static void txn_endp(struct txn *t)
{
	txn_end(t);
}

/* Days since the epoch for the shadow "last change" field: SOURCE_DATE_EPOCH when set (as
 * shadow-utils' gettime()), else now. */
static long today(void)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	time_t now = time(NULL);

	if (sde && *sde) {
		char *end;
		long long v;

		errno = 0;
		v = strtoll(sde, &end, 10);
		if (!errno && !*end && v >= 0 && v <= now)
			now = (time_t)v;
	}
	return (long)(now / (24 * 3600));
}

static int check_name(const char *name, const char *what, struct kk_err *err)
{
	if (!name_is_valid(name))
		return kk_err_set(err, KK_EUSAGE, "invalid %s name `%s`", what, name);
	return 0;
}

/* Begin adding name, a user (user true, to passwd) or a group: the system id range and the
 * transaction. 1 when name is there already (*out, if asked, is its id), 0 to go on, -1. */
static int add_begin(struct txn *t, const char *root, const char *name, bool user, uint32_t *min,
		     uint32_t *max, uint32_t *out, struct kk_err *err)
{
	const char *what = user ? "user" : "group";
	int db = user ? DB_PASSWD : DB_GROUP;
	cleanup_free char *copy = NULL;
	char *f[MAX_FIELDS] = { 0 };
	uint32_t id = 0;
	size_t n;

	if (kk_accounts_sys_range(root, user, min, max, err) < 0 || txn_begin(t, root, err) < 0)
		return kk_err_wrap(err, "add %s `%s`", what, name);
	n = find_entry(t->db[db].text, name, &copy, f);
	if (n == 0)
		return 0;
	/* a line the readers of passwd.h skip would leave the name unresolvable: refused */
	if (n < (user ? 4u : 3u) || kk_parse_id(f[2], &id) < 0 ||
	    (user && kk_parse_id(f[3], &(uint32_t){ 0 }) < 0))
		return kk_err_set(err, EINVAL, "add %s `%s`: its line in `%s` is malformed", what,
				  name, t->db[db].path);
	if (out)
		*out = id;
	return 1;
}

/* Commit the addition of name (id): 1, with *out (if asked) set, or -1. */
static int add_commit(struct txn *t, const char *what, const char *name, uint32_t id, uint32_t *out,
		      struct kk_err *err)
{
	if (txn_commit(t, err) < 0)
		return kk_err_wrap(err, "add %s `%s`", what, name);
	if (out)
		*out = id;
	return 1;
}

int kk_accounts_add_group(const char *root, const char *name, uint32_t *gid, struct kk_err *err)
{
	cleanup_(txn_endp) struct txn t = { .pwd_lock = -1 };
	cleanup_free char *line = NULL;
	uint32_t min = 0, max = 0, id = 0;
	int rc;

	if (check_name(name, "group", err) < 0)
		return -1;
	rc = add_begin(&t, root, name, false, &min, &max, gid, err);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (next_free_id(t.db[DB_GROUP].text, min, max, &id, "gid", err) < 0)
		return kk_err_wrap(err, "add group `%s`", name);
	line = kk_xasprintf("%s:x:%u:", name, id);
	t.db[DB_GROUP].next = append_line(t.db[DB_GROUP].text, line);
	if (t.db[DB_GSHADOW].text) {
		cleanup_free char *sline = kk_xasprintf("%s:!::", name);

		t.db[DB_GSHADOW].next = append_line(t.db[DB_GSHADOW].text, sline);
	}
	return add_commit(&t, "group", name, id, gid, err);
}

int kk_accounts_add_user(const char *root, const char *name, const char *group, const char *shell,
			 uint32_t *uid, struct kk_err *err)
{
	cleanup_(txn_endp) struct txn t = { .pwd_lock = -1 };
	cleanup_free char *gcopy = NULL, *line = NULL, *home = NULL;
	cleanup_free char *defaults = etc_path(root, "default/useradd");
	char *f[MAX_FIELDS] = { 0 };
	uint32_t min = 0, max = 0, id = 0, gid = 0;
	bool shadowed;
	int rc;

	if (check_name(name, "user", err) < 0 || check_name(group, "group", err) < 0)
		return -1;
	rc = add_begin(&t, root, name, true, &min, &max, uid, err);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (find_entry(t.db[DB_GROUP].text, group, &gcopy, f) < 3 || kk_parse_id(f[2], &gid) < 0)
		return kk_err_set(err, ENOENT, "add user `%s`: group `%s` does not exist", name,
				  group);
	if (next_free_id(t.db[DB_PASSWD].text, min, max, &id, "uid", err) < 0)
		return kk_err_wrap(err, "add user `%s`", name);
	home = conf_value(defaults, "HOME", '=');
	shadowed = t.db[DB_SHADOW].text != NULL;
	line = kk_xasprintf("%s:%s:%u:%u::%s/%s:%s", name, shadowed ? "x" : "!", id, gid,
			    home && *home ? home : "/home", name, shell);
	t.db[DB_PASSWD].next = append_line(t.db[DB_PASSWD].text, line);
	if (shadowed) {
		long days = today();
		cleanup_free char *sline = days > 0 ? kk_xasprintf("%s:!:%ld::::::", name, days)
						    : kk_xasprintf("%s:!:::::::", name);

		t.db[DB_SHADOW].next = append_line(t.db[DB_SHADOW].text, sline);
	}
	return add_commit(&t, "user", name, id, uid, err);
}

/* LIST (comma separated) without NAME, a new string; NULL when NAME is not in it. */
static char *list_without(const char *list, const char *name)
{
	size_t nlen = strlen(name);
	char *out = kk_xcalloc(1, strlen(list) + 1);
	bool found = false;

	for (const char *p = list; *p;) {
		const char *c = strchr(p, ',');
		size_t l = c ? (size_t)(c - p) : strlen(p);

		if (l == nlen && memcmp(p, name, l) == 0) {
			found = true;
		} else if (l) {
			if (*out)
				strcat(out, ",");
			strncat(out, p, l);
		}
		p = c ? c + 1 : p + l;
	}
	if (!found) {
		free(out);
		return NULL;
	}
	return out;
}

/* Drop the line named by CTX. */
static bool drop_entry(char **f, size_t n, const void *ctx, FILE *out)
{
	(void)n;
	(void)out;
	return strcmp(f[0], ctx) == 0;
}

/* group "name:pw:gid:members" and gshadow "name:pw:admins:members": drop CTX from the lists
 * (gshadow's admins too). */
static bool drop_member(char **f, size_t n, const void *ctx, FILE *out, bool gshadow)
{
	cleanup_free char *admins = NULL, *members = NULL;

	if (n != 4)
		return false;
	if (gshadow)
		admins = list_without(f[2], ctx);
	members = list_without(f[3], ctx);
	if (!admins && !members)
		return false;
	fprintf(out, "%s:%s:%s:%s\n", f[0], f[1], admins ? admins : f[2], members ? members : f[3]);
	return true;
}

static bool drop_group_member(char **f, size_t n, const void *ctx, FILE *out)
{
	return drop_member(f, n, ctx, out, false);
}

static bool drop_gshadow_member(char **f, size_t n, const void *ctx, FILE *out)
{
	return drop_member(f, n, ctx, out, true);
}

int kk_accounts_del_user(const char *root, const char *name, struct kk_err *err)
{
	cleanup_(txn_endp) struct txn t = { .pwd_lock = -1 };
	cleanup_free char *copy = NULL;
	char *f[MAX_FIELDS] = { 0 };

	if (check_name(name, "user", err) < 0)
		return -1;
	if (txn_begin(&t, root, err) < 0)
		return kk_err_wrap(err, "delete user `%s`", name);
	if (find_entry(t.db[DB_PASSWD].text, name, &copy, f) == 0)
		return 0;
	t.db[DB_PASSWD].next = edit_lines(t.db[DB_PASSWD].text, drop_entry, name);
	t.db[DB_SHADOW].next = edit_lines(t.db[DB_SHADOW].text, drop_entry, name);
	t.db[DB_GROUP].next = edit_lines(t.db[DB_GROUP].text, drop_group_member, name);
	t.db[DB_GSHADOW].next = edit_lines(t.db[DB_GSHADOW].text, drop_gshadow_member, name);
	if (txn_commit(&t, err) < 0)
		return kk_err_wrap(err, "delete user `%s`", name);
	return 1;
}

struct primary_query {
	uint32_t gid;
	char *user; /* owned: the first user with that primary gid */
};

static bool find_primary(char **f, size_t n, const void *ctx, FILE *out)
{
	struct primary_query *q = (struct primary_query *)ctx;
	uint32_t gid;

	(void)out;
	if (!q->user && n >= 4 && kk_parse_id(f[3], &gid) == 0 && gid == q->gid)
		q->user = kk_xstrdup(f[0]);
	return false;
}

int kk_accounts_del_group(const char *root, const char *name, struct kk_err *err)
{
	cleanup_(txn_endp) struct txn t = { .pwd_lock = -1 };
	cleanup_free char *copy = NULL;
	struct primary_query q = { 0 };
	char *f[MAX_FIELDS] = { 0 };

	if (check_name(name, "group", err) < 0)
		return -1;
	if (txn_begin(&t, root, err) < 0)
		return kk_err_wrap(err, "delete group `%s`", name);
	if (find_entry(t.db[DB_GROUP].text, name, &copy, f) < 3 || kk_parse_id(f[2], &q.gid) < 0)
		return 0;
	free(edit_lines(t.db[DB_PASSWD].text, find_primary, &q)); /* only reads */
	if (q.user) {
		kk_err_set(err, EBUSY,
			   "delete group `%s`: cannot remove the primary group of user `%s`", name,
			   q.user);
		free(q.user);
		return -1;
	}
	t.db[DB_GROUP].next = edit_lines(t.db[DB_GROUP].text, drop_entry, name);
	t.db[DB_GSHADOW].next = edit_lines(t.db[DB_GSHADOW].text, drop_entry, name);
	if (txn_commit(&t, err) < 0)
		return kk_err_wrap(err, "delete group `%s`", name);
	return 1;
}
