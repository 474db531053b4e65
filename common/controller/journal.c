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
#include "common/strv.h"

#define MAGIC   "kukeon-journal 1 cell"
#define SUFFIX  ".cell"
#define REC_MAX 4096

struct kk_journal {
	char *path;
	int fd; /* O_APPEND, for the step lines */
};

static char *journal_dir(const struct kk_local *l)
{
	return kk_xasprintf("%s/" KK_JOURNAL_DIR, l->run_path);
}

static char *journal_path(const struct kk_local *l, const struct kk_store_ref *ref)
{
	return kk_xasprintf("%s/" KK_JOURNAL_DIR "/%s_%s_%s_%s" SUFFIX, l->run_path, ref->realm,
			    ref->space, ref->stack, ref->cell);
}

int kk_journal_begin(struct kk_local *l, const struct kk_store_ref *ref, const char *op,
		     struct kk_journal **out, struct kk_err *err)
{
	cleanup_free char *dir = journal_dir(l);
	cleanup_free char *path = journal_path(l, ref);
	cleanup_free char *rec = kk_xasprintf(MAGIC " %s %s %s %s %s\n", op, ref->realm, ref->space,
					      ref->stack, ref->cell);
	size_t len = strlen(rec);
	struct kk_journal *j;
	int fd;

	if (kk_mkdir_p(dir, 0700, err) < 0)
		return kk_err_wrap(err, "journal of cell `%s`", ref->cell);
	/* written in place, not renamed: a record torn by a crash here is read as corrupt and
	 * rolled back as a create, which is right, since nothing was done yet */
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return kk_err_sys(err, "journal of cell `%s`: open `%s`", ref->cell, path);
	if (write(fd, rec, len) != (ssize_t)len || fdatasync(fd) < 0) {
		kk_err_sys(err, "journal of cell `%s`: write `%s`", ref->cell, path);
		goto fail;
	}
	if (kk_fsync_dir(dir, err) < 0) {
		kk_err_wrap(err, "journal of cell `%s`", ref->cell);
		goto fail;
	}
	j = kk_xcalloc(1, sizeof(*j));
	j->path = TAKE_PTR(path);
	j->fd = fd;
	*out = j;
	return 0;
fail:
	close(fd);
	unlink(path);
	return -1;
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
	free(j->path);
	free(j);
}

/* The op of the record at path ("create", "delete"), or NULL with *why set when it is
 * unreadable or does not name ref. 0 no record, 1 a record (*op may be NULL). */
static int record_read(const char *path, const struct kk_store_ref *ref, char **op, char **why)
{
	cleanup_free char *text = NULL;
	cleanup_free char *want = NULL;
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
		free(want);
		want = kk_xasprintf(MAGIC " %s %s %s %s %s", o, ref->realm, ref->space, ref->stack,
				    ref->cell);
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
	cleanup_free char *path = journal_path(l, ref);

	return access(path, F_OK) == 0;
}

int kk_journal_recover(struct kk_local *l, const struct kk_store_ref *ref, char **note,
		       struct kk_err *err)
{
	cleanup_free char *path = journal_path(l, ref);
	cleanup_free char *op = NULL;
	cleanup_free char *why = NULL;
	struct kk_delete_result res = { 0 };
	int rc = record_read(path, ref, &op, &why);

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

/* Split "<realm>_<space>_<stack>_<cell>.cell" (in place) into ref; false if it is not one. */
static bool names_parse(char *name, struct kk_store_ref *ref)
{
	size_t len = strlen(name);
	char *parts[4];
	size_t n = 0;

	if (len <= strlen(SUFFIX) || strcmp(name + len - strlen(SUFFIX), SUFFIX) != 0)
		return false;
	name[len - strlen(SUFFIX)] = '\0';
	for (char *s = name, *save = NULL, *t; (t = strtok_r(s, "_", &save)); s = NULL) {
		if (n == 4)
			return false;
		parts[n++] = t;
	}
	if (n != 4)
		return false;
	*ref = (struct kk_store_ref){ parts[0], parts[1], parts[2], parts[3] };
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
	for (size_t i = 0; names && names[i]; i++) {
		cleanup_free char *note = NULL;
		struct kk_store_ref ref;
		struct kk_err e = { 0 };
		int rc;

		if (!names_parse(names[i], &ref))
			continue;
		/* before the cell's lock: the instance check may need the whole store */
		if (kk_cell_prepare(l, &e) < 0) {
			kk_strv_push_take(failed,
					  kk_xasprintf("recover cell `%s`: %s", ref.cell, e.msg));
			continue;
		}
		/* held: a writer is at work on it, not a dead one's record */
		if (kk_store_lock_ref(l->store, &ref, 0, &e) < 0)
			continue;
		rc = kk_journal_recover(l, &ref, &note, &e);
		kk_store_unlock(l->store);
		if (note)
			kk_strv_push_take(failed, TAKE_PTR(note));
		if (rc < 0)
			kk_strv_push_take(failed, kk_xstrdup(e.msg));
		else if (rc == 1)
			kk_strv_push_take(done, kk_xasprintf("%s/%s/%s/%s", ref.realm, ref.space,
							     ref.stack, ref.cell));
	}
	return 0;
}
