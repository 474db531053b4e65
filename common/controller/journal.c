/* common/controller/journal.c - see journal.h. */
#include "common/controller/journal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/controller/cell.h"
#include "common/controller/cell_env.h"
#include "common/controller/local.h"
#include "common/fault.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/model/naming.h"
#include "common/strv.h"

#define MAGIC   "kukeon-journal 1"
#define SUFFIX  ".cell"
#define CSUFFIX ".container"
#define REC_MAX 4096

struct kk_journal {
	int fd;      /* O_APPEND, for the step lines */
	char path[]; /* the record's */
};

static char *journal_dir(const struct kk_local *l)
{
	return kk_xasprintf("%s/" KK_JOURNAL_DIR, l->run_path);
}

/* The record of cell ref, or (container not NULL) of that container of it. */
static char *journal_path(const struct kk_local *l, const struct kk_store_ref *ref,
			  const char *container)
{
	if (container)
		return kk_xasprintf("%s/" KK_JOURNAL_DIR "/%s_%s_%s_%s_%s" CSUFFIX, l->run_path,
				    ref->realm, ref->space, ref->stack, ref->cell, container);
	return kk_xasprintf("%s/" KK_JOURNAL_DIR "/%s_%s_%s_%s" SUFFIX, l->run_path, ref->realm,
			    ref->space, ref->stack, ref->cell);
}

/* The first line of a record (without its newline). */
static char *record_head(const char *op, const struct kk_store_ref *ref, const char *container)
{
	if (container)
		return kk_xasprintf(MAGIC " container %s %s %s %s %s %s", op, ref->realm,
				    ref->space, ref->stack, ref->cell, container);
	return kk_xasprintf(MAGIC " cell %s %s %s %s %s", op, ref->realm, ref->space, ref->stack,
			    ref->cell);
}

static int record_begin(struct kk_local *l, const struct kk_store_ref *ref, const char *container,
			const char *op, struct kk_journal **out, struct kk_err *err)
{
	cleanup_free char *dir = journal_dir(l);
	cleanup_free char *path = journal_path(l, ref, container);
	cleanup_free char *head = record_head(op, ref, container);
	cleanup_free char *rec = kk_xasprintf("%s\n", head);
	const char *kind = container ? "container" : "cell";
	const char *name = container ? container : ref->cell;
	size_t len = strlen(rec);
	struct kk_journal *j;
	int fd;

	if (kk_mkdir_p(dir, 0700, err) < 0)
		return kk_err_wrap(err, "journal of %s `%s`", kind, name);
	/* written in place, not renamed: a record torn by a crash here is read as corrupt and
	 * rolled back as a create, which is right, since nothing was done yet */
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return kk_err_sys(err, "journal of %s `%s`: open `%s`", kind, name, path);
	if (write(fd, rec, len) != (ssize_t)len || fdatasync(fd) < 0) {
		kk_err_sys(err, "journal of %s `%s`: write `%s`", kind, name, path);
		goto fail;
	}
	if (kk_fsync_dir(dir, err) < 0) {
		kk_err_wrap(err, "journal of %s `%s`", kind, name);
		goto fail;
	}
	j = kk_xmalloc(sizeof(*j) + strlen(path) + 1);
	j->fd = fd;
	strcpy(j->path, path);
	*out = j;
	return 0;
fail:
	close(fd);
	unlink(path);
	return -1;
}

int kk_journal_begin(struct kk_local *l, const struct kk_store_ref *ref, const char *op,
		     struct kk_journal **out, struct kk_err *err)
{
	return record_begin(l, ref, NULL, op, out, err);
}

int kk_journal_container_begin(struct kk_local *l, const struct kk_store_ref *ref,
			       const char *container, const char *op, struct kk_journal **out,
			       struct kk_err *err)
{
	return record_begin(l, ref, container, op, out, err);
}

int kk_journal_step(void *arg, const char *point, struct kk_err *err)
{
	struct kk_journal *j = arg;

	if (j) {
		char line[128];
		int n = snprintf(line, sizeof(line), "step %s\n", point);

		/* not synced: recovery goes by the names whatever step was reached; the line
		 * only tells a reader how far the writer got */
		if (n > 0 && (size_t)n < sizeof(line) && write(j->fd, line, (size_t)n) != n)
			return kk_err_sys(err, "journal `%s`", j->path);
	}
	return kk_fault(point, err);
}

void kk_journal_end(struct kk_journal *j)
{
	if (!j)
		return;
	/* unsynced on purpose: a record that comes back after a power loss is recovered by
	 * the rules above, which leave a finished operation as it is */
	unlink(j->path);
	close(j->fd);
	free(j);
}

/* The op of the record at path ("create", "delete"), or NULL with *why set when it is
 * unreadable or does not name ref (and container). 0 no record, 1 a record (*op may be
 * NULL). */
static int record_read(const char *path, const struct kk_store_ref *ref, const char *container,
		       char **op, char **why)
{
	cleanup_free char *text = NULL;
	struct kk_err e = { 0 };
	size_t len = 0;
	char *nl;

	*op = NULL;
	if (kk_read_file_max(path, REC_MAX, &text, &len, &e) < 0) {
		if (e.code == ENOENT)
			return 0;
		*why = kk_xstrdup(e.msg);
		return 1;
	}
	nl = memchr(text, '\n', len);
	if (nl)
		*nl = '\0';
	for (const char *o = "create"; o; o = strcmp(o, "create") == 0 ? "delete" : NULL) {
		cleanup_free char *want = record_head(o, ref, container);

		if (nl && strcmp(text, want) == 0) {
			*op = kk_xstrdup(o);
			return 1;
		}
	}
	*why = kk_xasprintf("journal `%s` is corrupt", path);
	return 1;
}

int kk_journal_exists(struct kk_local *l, const struct kk_store_ref *ref)
{
	cleanup_free char *path = journal_path(l, ref, NULL);

	return access(path, F_OK) == 0;
}

int kk_journal_container_exists(struct kk_local *l, const struct kk_store_ref *ref,
				const char *container)
{
	cleanup_free char *path = journal_path(l, ref, container);

	return access(path, F_OK) == 0;
}

/* The containers of cell ref that have a record, by name; NULL: none. */
static char **container_records(struct kk_local *l, const struct kk_store_ref *ref)
{
	cleanup_free char *dir = journal_dir(l);
	cleanup_free char *prefix =
		kk_xasprintf("%s_%s_%s_%s_", ref->realm, ref->space, ref->stack, ref->cell);
	size_t plen = strlen(prefix), slen = strlen(CSUFFIX);
	char **names = NULL;
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return NULL;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len > plen + slen && strncmp(de->d_name, prefix, plen) == 0 &&
		    strcmp(de->d_name + len - slen, CSUFFIX) == 0 &&
		    !memchr(de->d_name + plen, '_', len - plen - slen))
			kk_strv_push_take(&names,
					  kk_xstrndup(de->d_name + plen, len - plen - slen));
	}
	closedir(d);
	return names;
}

/* Roll container's record back (a create: the container goes unless the cell declares it)
 * or forward (a delete: the container goes, and from the cell's spec), under the cell's
 * lock. 1 recovered, -1 failed (the record stays). */
static int container_recover(struct kk_local *l, const struct kk_store_ref *ref,
			     const char *container, char **note, struct kk_err *err)
{
	cleanup_free char *path = journal_path(l, ref, container);
	cleanup_free char *op = NULL;
	cleanup_free char *why = NULL;
	cleanup_free char *cid = NULL;
	cleanup_free char *dir = NULL;
	const struct kk_container_spec *s;
	struct kk_cell_env e = { 0 };
	struct kk_err ignored = { 0 };
	bool stored;
	int rc = record_read(path, ref, container, &op, &why);

	if (rc == 0)
		return 0;
	if (why) {
		kk_log(l->log, KK_LOG_WARN, "rolling back a container by its names", "container",
		       container, "error", why);
		if (note)
			*note = kk_xasprintf("%s: rolled back container `%s` by its names", why,
					     container);
	}
	rc = -1;
	if (kk_cell_env_open(l, &e, ref->realm, ref->space, ref->stack, ref->cell, false, NULL,
			     err) < 0)
		goto out;
	stored = kk_store_exists(l->store, ref, &ignored) == 1;
	s = stored ? kk_cell_find_container(&e.cell->spec, container) : NULL;
	if (s && !(op && strcmp(op, "delete") == 0)) { /* committed: the create finished */
		rc = 1;
		goto out;
	}
	kk_log(l->log, KK_LOG_INFO, "recovering an unfinished container operation", "container",
	       container, "op", op ? op : "unknown");
	if ((s ? kk_rt_cell_container_id(&e.rc, s, &cid, err)
	       : kk_naming_containerd_id(e.space, e.stack, kk_str(e.cell->spec.id), container, &cid,
					 err)) < 0 ||
	    kk_rt_container_delete(&e.rt, cid, err) < 0)
		goto out;
	dir = kk_xasprintf("%s/%s", e.paths.cell_dir, container);
	if (kk_rm_rf(dir, err) < 0)
		goto out;
	if (s) {
		kk_cell_spec_remove(&e.cell->spec, (size_t)(s - e.cell->spec.containers));
		kk_cell_env_rederive(l, &e);
		if (kk_cell_status_store(l, &e, err) < 0)
			goto out;
	}
	rc = 1;
out:
	kk_cell_env_clear(&e);
	if (rc < 0)
		return kk_err_wrap(err, "recover container `%s` of cell `%s`", container,
				   ref->cell);
	unlink(path);
	return 1;
}

int kk_journal_recover_containers(struct kk_local *l, const struct kk_store_ref *ref,
				  const char *skip)
{
	cleanup_(kk_strv_freep) char **names = container_records(l, ref);
	int failed = 0;

	for (size_t i = 0; names && names[i]; i++) {
		cleanup_free char *note = NULL;
		struct kk_err e = { 0 };

		if (skip && strcmp(names[i], skip) == 0)
			continue;
		if (container_recover(l, ref, names[i], &note, &e) < 0) {
			kk_log(l->log, KK_LOG_WARN, "container record not recovered", "error",
			       e.msg);
			failed++;
		}
	}
	return failed;
}

void kk_journal_drop_containers(struct kk_local *l, const struct kk_store_ref *ref)
{
	cleanup_(kk_strv_freep) char **names = container_records(l, ref);

	for (size_t i = 0; names && names[i]; i++) {
		cleanup_free char *path = journal_path(l, ref, names[i]);

		unlink(path);
	}
}

int kk_journal_recover(struct kk_local *l, const struct kk_store_ref *ref, char **note,
		       struct kk_err *err)
{
	cleanup_free char *path = journal_path(l, ref, NULL);
	cleanup_free char *op = NULL;
	cleanup_free char *why = NULL;
	struct kk_delete_result res = { 0 };
	int rc;

	kk_journal_recover_containers(l, ref, NULL);
	rc = record_read(path, ref, NULL, &op, &why);
	if (rc == 0)
		return 0;
	if (why) {
		kk_log(l->log, KK_LOG_WARN, "rolling back a cell by its names", "cell", ref->cell,
		       "error", why);
		if (note)
			*note = kk_xasprintf("%s: rolled back cell `%s` by its names", why,
					     ref->cell);
	}
	if (!(op && strcmp(op, "delete") == 0)) {
		rc = kk_store_exists(l->store, ref, err);
		if (rc < 0)
			return kk_err_wrap(err, "recover cell `%s`", ref->cell);
		if (rc == 1) { /* committed: the create finished but for the record */
			unlink(path);
			return 1;
		}
	}
	kk_log(l->log, KK_LOG_INFO, "recovering an unfinished cell operation", "cell", ref->cell,
	       "op", op ? op : "unknown");
	/* the purge removes the record when it is done */
	rc = kk_ctl_cell_purge(l, ref->realm, ref->space, ref->stack, ref->cell, &res, err);
	kk_delete_result_clear(&res);
	if (rc < 0)
		return kk_err_wrap(err, "recover cell `%s`", ref->cell);
	unlink(path);
	return 1;
}

/* Split "<realm>_<space>_<stack>_<cell>.cell" or "..._<cell>_<container>.container" (in
 * place) into ref and *container (NULL for a cell's); false if it is neither. */
static bool names_parse(char *name, struct kk_store_ref *ref, char **container)
{
	size_t len = strlen(name), want;
	char *parts[5];
	size_t n = 0;

	if (len > strlen(SUFFIX) && strcmp(name + len - strlen(SUFFIX), SUFFIX) == 0) {
		name[len - strlen(SUFFIX)] = '\0';
		want = 4;
	} else if (len > strlen(CSUFFIX) && strcmp(name + len - strlen(CSUFFIX), CSUFFIX) == 0) {
		name[len - strlen(CSUFFIX)] = '\0';
		want = 5;
	} else {
		return false;
	}
	for (char *s = name, *save = NULL, *t; (t = strtok_r(s, "_", &save)); s = NULL) {
		if (n == want)
			return false;
		parts[n++] = t;
	}
	if (n != want)
		return false;
	*ref = (struct kk_store_ref){ parts[0], parts[1], parts[2], parts[3] };
	*container = want == 5 ? parts[4] : NULL;
	return true;
}

int kk_journal_recover_all(struct kk_local *l, char ***done, char ***failed, struct kk_err *err)
{
	cleanup_free char *dir = journal_dir(l);
	cleanup_(kk_strv_freep) char **names = NULL;
	DIR *d = opendir(dir);
	struct dirent *de;

	*done = *failed = NULL;
	if (!d) {
		if (errno == ENOENT)
			return 0;
		return kk_err_sys(err, "open `%s`", dir);
	}
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			kk_strv_push_take(&names, kk_xstrdup(de->d_name));
	closedir(d);
	/* containers first: a cell's purge would drop their records unread */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; names && names[i]; i++) {
			cleanup_free char *copy = kk_xstrdup(names[i]);
			cleanup_free char *note = NULL;
			struct kk_store_ref ref;
			struct kk_err e = { 0 };
			char *container = NULL;
			int rc;

			if (!names_parse(copy, &ref, &container) || (pass == 0) != !!container)
				continue;
			/* before the cell's lock: the instance check may need the whole store */
			if (kk_cell_prepare(l, &e) < 0) {
				kk_strv_push_take(failed, kk_xasprintf("recover cell `%s`: %s",
								       ref.cell, e.msg));
				continue;
			}
			/* held: a writer is at work on it, not a dead one's record */
			if (kk_store_lock_ref(l->store, &ref, 0, &e) < 0)
				continue;
			rc = container ? container_recover(l, &ref, container, &note, &e)
				       : kk_journal_recover(l, &ref, &note, &e);
			kk_store_unlock(l->store);
			if (note)
				kk_strv_push_take(failed, TAKE_PTR(note));
			if (rc < 0)
				kk_strv_push_take(failed, kk_xstrdup(e.msg));
			else if (rc == 1 && container)
				kk_strv_push_take(done, kk_xasprintf("%s/%s/%s/%s/%s", ref.realm,
								     ref.space, ref.stack, ref.cell,
								     container));
			else if (rc == 1)
				kk_strv_push_take(done,
						  kk_xasprintf("%s/%s/%s/%s", ref.realm, ref.space,
							       ref.stack, ref.cell));
		}
	}
	return 0;
}
