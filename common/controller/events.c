/* common/controller/events.c - see events.h. */
#include "common/controller/events.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cjson/cJSON.h"
#include "common/cleanup.h"
#include "common/controller/hierarchy.h"
#include "common/controller/local.h"
#include "common/controller/namespace.h"
#include "common/controller/ops.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/mem.h"
#include "common/model/naming.h"
#include "common/path.h"
#include "common/store/paths.h"
#include "common/store/store.h"
#include "ctr/ctr.h"

void kk_event_clear(struct kk_event *ev)
{
	free(ev->type);
	free(ev->realm);
	free(ev->space);
	free(ev->stack);
	free(ev->cell);
	free(ev->container);
	memset(ev, 0, sizeof(*ev));
}

void kk_events_result_clear(struct kk_events_result *r)
{
	for (size_t i = 0; i < r->n; i++)
		kk_event_clear(&r->v[i]);
	free(r->v);
	memset(r, 0, sizeof(*r));
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void add_opt(cJSON *o, const char *key, const char *v)
{
	if (v && *v)
		cJSON_AddStringToObject(o, key, v);
}

static int append_line(const char *run_path, const char *line, struct kk_err *err)
{
	cleanup_free char *path = kk_path_join(run_path, KK_EVENTS_FILE);
	cleanup_free char *old = kk_xasprintf("%s.1", path);
	cleanup_close int fd = -1;
	struct stat st, now;
	size_t len = strlen(line);

	for (int tries = 0;; tries++) {
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			return kk_err_sys(err, "open `%s`", path);
		if (flock(fd, LOCK_EX) < 0)
			return kk_err_sys(err, "lock `%s`", path);
		if (fstat(fd, &st) < 0)
			return kk_err_sys(err, "stat `%s`", path);
		/* another writer rotated it while we waited for the lock: open the new one */
		if ((stat(path, &now) < 0 || now.st_ino != st.st_ino) && tries < 3) {
			close(TAKE_FD(fd));
			continue;
		}
		break;
	}
	if (st.st_size + (off_t)len > KK_EVENTS_MAX_BYTES && st.st_size > 0) {
		if (rename(path, old) < 0)
			return kk_err_sys(err, "rotate `%s`", path);
		close(TAKE_FD(fd)); /* drops the lock; writers waiting on it open the new file */
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0 || flock(fd, LOCK_EX) < 0)
			return kk_err_sys(err, "open `%s`", path);
	}
	/* one write of the whole line: O_APPEND keeps concurrent lines whole */
	if (write(fd, line, len) != (ssize_t)len)
		return kk_err_sys(err, "append to `%s`", path);
	return 0;
}

void kk_events_record(struct kk_local *l, const char *type, const char *realm, const char *space,
		      const char *stack, const char *cell, const char *container)
{
	cleanup_(kk_json_freep) cJSON *o = cJSON_CreateObject();
	cleanup_free char *line = NULL;
	struct kk_time t;
	char when[KK_TIME_RFC3339NANO_MAX];
	int64_t ns = now_ns();
	struct kk_err err = { 0 };

	t = kk_time_from_unix(ns / 1000000000, (int32_t)(ns % 1000000000));
	cJSON_AddStringToObject(o, "time", kk_time_format(&t, when));
	cJSON_AddStringToObject(o, "type", type);
	add_opt(o, "realm", realm && *realm ? realm : "default");
	add_opt(o, "space", space && *space ? space : "default");
	add_opt(o, "stack", stack && *stack ? stack : "default");
	add_opt(o, "cell", cell);
	add_opt(o, "container", container);
	line = kk_json_print(o, KK_JSON_NEWLINE);
	if (append_line(l->run_path, line, &err) < 0)
		kk_log(l->log, KK_LOG_WARN, "event not recorded", "type", type, "error", err.msg);
}

static char *member(const cJSON *o, const char *key)
{
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));

	return v && *v ? kk_xstrdup(v) : NULL;
}

/* One line of the log; 1 when it is kept (time and realm filters), 0 when not or when it
 * does not parse (a line a crash cut short is passed over). */
static int parse_line(const char *line, size_t len, const struct kk_events_args *a,
		      struct kk_event *ev)
{
	cleanup_(kk_json_freep) cJSON *o = cJSON_ParseWithLength(line, len);
	const char *when =
		o ? cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "time")) : NULL;
	const cJSON *code = o ? cJSON_GetObjectItemCaseSensitive(o, "exitCode") : NULL;
	struct kk_time t;
	struct kk_err e = { 0 };
	int64_t ns;

	if (!when || kk_time_parse(when, &t, &e) < 0)
		return 0;
	ns = kk_time_unix_ns(&t);
	if (a->since_ns > 0 && ns < a->since_ns)
		return 0;
	memset(ev, 0, sizeof(*ev));
	ev->time_ns = ns;
	ev->type = member(o, "type");
	ev->realm = member(o, "realm");
	ev->space = member(o, "space");
	ev->stack = member(o, "stack");
	ev->cell = member(o, "cell");
	ev->container = member(o, "container");
	ev->has_exit = cJSON_IsNumber(code);
	ev->exit_code = kk_json_int64(code, 0);
	if (!ev->type || (a->realm && *a->realm && strcmp(kk_str(ev->realm), a->realm) != 0)) {
		kk_event_clear(ev);
		return 0;
	}
	return 1;
}

/* The whole lines of path from offset on, up to the batch limit; *end is the offset after
 * the last line taken. A missing file holds nothing. */
static int read_from(const char *path, int64_t offset, const struct kk_events_args *a,
		     struct kk_events_result *r, int64_t *end, struct kk_err *err)
{
	cleanup_free char *text = NULL;
	struct kk_err e = { 0 };
	size_t len = 0, pos;

	*end = offset;
	if (kk_read_file_max(path, 2 * KK_EVENTS_MAX_BYTES, &text, &len, &e) < 0) {
		if (e.code == ENOENT)
			return 0;
		*err = e;
		return -1;
	}
	for (pos = (size_t)(offset < 0 ? 0 : offset); pos < len && r->n < KK_EVENTS_BATCH;) {
		const char *nl = memchr(text + pos, '\n', len - pos);

		if (!nl) /* a line being written */
			break;
		r->v = kk_xrealloc(r->v, (r->n + 1) * sizeof(*r->v));
		if (parse_line(text + pos, (size_t)(nl - text - pos), a, &r->v[r->n]))
			r->n++;
		pos = (size_t)(nl - text) + 1;
	}
	*end = (int64_t)pos;
	return 0;
}

int kk_op_events_read(struct kk_local *l, const struct kk_events_args *a,
		      struct kk_events_result *r, struct kk_err *err)
{
	cleanup_free char *path = kk_path_join(l->run_path, KK_EVENTS_FILE);
	cleanup_free char *old = kk_xasprintf("%s.1", path);
	struct stat st = { 0 };
	int64_t end = 0, ignored;

	if (stat(path, &st) < 0 && errno != ENOENT)
		return kk_err_sys(err, "stat `%s`", path);
	if (a->cursor < 0 && a->since_ns <= 0) {
		r->cursor = st.st_size;
		r->inode = (int64_t)st.st_ino;
		return 0;
	}
	if (a->cursor < 0 || a->inode != (int64_t)st.st_ino) {
		struct stat ost;

		/* from the start with --since, or the rest of the file that was rotated */
		if (stat(old, &ost) == 0 && (a->cursor < 0 || (int64_t)ost.st_ino == a->inode) &&
		    read_from(old, a->cursor < 0 ? 0 : a->cursor, a, r, &ignored, err) < 0)
			goto fail;
		if (read_from(path, 0, a, r, &end, err) < 0)
			goto fail;
	} else if (read_from(path, a->cursor, a, r, &end, err) < 0) {
		goto fail;
	}
	r->cursor = end;
	r->inode = (int64_t)st.st_ino;
	return 0;
fail:
	kk_events_result_clear(r);
	return -1;
}

/* ---- containerd ---- */

struct kk_events_watch {
	struct kk_local *l; /* borrowed: the realms, to map a namespace back to its realm */
	struct ctr_conn *conn;
	struct ctr_events *sub;
	char *realm; /* NULL: every realm */
	char **ns;   /* the stored realms' namespaces, names[i] the realm of ns[i] */
	char **names;
	size_t n;
	/* the data directory's mtime when they were read: a realm made or deleted changes it,
	 * so events of a namespace no realm has (containerd's `default`, `k8s.io`) read the
	 * realms again only then; not set while it changed less than a second before */
	struct timespec read_mtime;
	bool read_valid;
};

static void realms_clear(struct kk_events_watch *w)
{
	for (size_t i = 0; i < w->n; i++) {
		free(w->ns[i]);
		free(w->names[i]);
	}
	free(w->ns);
	free(w->names);
	w->ns = w->names = NULL;
	w->n = 0;
}

/* Read the stored realms' namespaces again: a realm's is its spec.namespace when it has one
 * (kk_realm_ns), so the suffix alone cannot name it. */
static bool data_mtime(const struct kk_events_watch *w, struct timespec *out)
{
	cleanup_free char *dir = kk_store_data_dir(w->l->run_path);
	struct stat st;

	if (stat(dir, &st) < 0)
		return false;
	*out = st.st_mtim;
	return true;
}

static void realms_reload(struct kk_events_watch *w)
{
	struct kk_realm **v = NULL;
	size_t n = 0;
	struct kk_err err = { 0 };
	struct timespec mtime, now;
	bool have_mtime = data_mtime(w, &mtime);

	w->read_valid = false;
	if (kk_local_list_realm(w->l, &(struct kk_store_ref){ 0 }, &v, &n, &err) < 0) {
		kk_log_ignored(w->l->log, &err,
			       "events: realms not read, namespaces mapped by suffix");
		return;
	}
	realms_clear(w);
	w->ns = kk_xcalloc(n + 1, sizeof(char *));
	w->names = kk_xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		w->ns[i] = kk_realm_ns(w->l, v[i], v[i]->meta.name);
		w->names[i] = kk_xstrdup(v[i]->meta.name);
	}
	w->n = n;
	kk_realm_list_free(v, n);
	/* a realm is a directory first and a document a moment later: a directory changed
	 * within the last second may hold one not read yet */
	clock_gettime(CLOCK_REALTIME, &now);
	w->read_mtime = mtime;
	w->read_valid = have_mtime && now.tv_sec > mtime.tv_sec + 1;
}

static bool realms_changed(const struct kk_events_watch *w)
{
	struct timespec now;

	return !w->read_valid || !data_mtime(w, &now) || now.tv_sec != w->read_mtime.tv_sec ||
	       now.tv_nsec != w->read_mtime.tv_nsec;
}

static const char *realm_lookup(const struct kk_events_watch *w, const char *ns)
{
	for (size_t i = 0; i < w->n; i++)
		if (strcmp(w->ns[i], ns) == 0)
			return w->names[i];
	return NULL;
}

/* The realm whose namespace ns is (a new string), or NULL for a namespace not kukeon's. A
 * namespace no stored realm has makes the list be read again when the realms changed (the
 * realm may be new); one of a realm since deleted is still named by the suffix. */
static char *realm_of(struct kk_events_watch *w, const char *ns)
{
	const char *name = realm_lookup(w, ns);

	if (!name && realms_changed(w)) {
		realms_reload(w);
		name = realm_lookup(w, ns);
	}
	return name ? kk_xstrdup(name) : kk_naming_realm_of_namespace(ns, w->l->ns_suffix);
}

void kk_events_watch_close(struct kk_events_watch *w)
{
	if (!w)
		return;
	ctr_events_close(w->sub);
	ctr_disconnect(w->conn);
	realms_clear(w);
	free(w->realm);
	free(w);
}

void kk_events_watch_closep(struct kk_events_watch **w)
{
	kk_events_watch_close(*w);
	*w = NULL;
}

int kk_events_watch_open(struct kk_local *l, const char *realm, struct kk_events_watch **out,
			 struct kk_err *err)
{
	static const char *const filters[] = { "topic~=\"^/tasks/(start|exit|oom|delete)$\"",
					       NULL };
	struct kk_events_watch *w = kk_xcalloc(1, sizeof(*w));

	w->l = l;
	w->realm = realm && *realm ? kk_xstrdup(realm) : NULL;
	realms_reload(w);
	if (kk_local_connect(l, NULL, &w->conn, err) < 0 ||
	    ctr_events_subscribe(w->conn, filters, &w->sub, err) < 0) {
		kk_events_watch_close(w);
		return kk_err_wrap(err, "subscribe to containerd's events");
	}
	*out = w;
	return 0;
}

/* "<space>_<stack>_<cell>_<container>" into its parts (names hold no '_'). */
static void map_id(const char *id, struct kk_event *ev)
{
	char *parts[4] = { 0 };
	char *copy = kk_xstrdup(id), *save = NULL, *p;
	int n = 0;

	for (p = strtok_r(copy, "_", &save); p && n < 4; p = strtok_r(NULL, "_", &save))
		parts[n++] = p;
	if (n == 4 && !save[0]) {
		ev->space = kk_xstrdup(parts[0]);
		ev->stack = kk_xstrdup(parts[1]);
		ev->cell = kk_xstrdup(parts[2]);
		ev->container = kk_xstrdup(parts[3]);
	} else {
		ev->container = kk_xstrdup(id); /* not one of kukeon's ids: shown as it is */
	}
	free(copy);
}

int kk_events_watch_next(struct kk_events_watch *w, int wait_ms, struct kk_event *ev,
			 struct kk_err *err)
{
	struct ctr_event raw = { 0 };
	struct ctr_task_event t = { 0 };
	char *realm;
	int r = ctr_events_next(w->sub, wait_ms, &raw, err);

	if (r <= 0)
		return r;
	realm = realm_of(w, raw.ns);
	if (!realm || (w->realm && strcmp(realm, w->realm) != 0) ||
	    (r = ctr_event_task(&raw, &t, err)) != 0 ||
	    /* an exec's exit is not the container's */
	    (t.exec_id && *t.exec_id && strcmp(t.exec_id, kk_str(t.container_id)) != 0)) {
		free(realm);
		ctr_task_event_clear(&t);
		ctr_event_clear(&raw);
		return r < 0 ? -1 : 0;
	}
	memset(ev, 0, sizeof(*ev));
	ev->time_ns = raw.timestamp_ns;
	ev->type = kk_xstrdup(t.kind);
	ev->realm = realm;
	ev->containerd = true;
	ev->has_exit = t.has_exit;
	ev->exit_code = t.exit_status;
	map_id(kk_str(t.container_id), ev);
	ctr_task_event_clear(&t);
	ctr_event_clear(&raw);
	return 1;
}
