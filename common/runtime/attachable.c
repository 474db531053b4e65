/* common/runtime/attachable.c - kuketty's side of an attachable container, on the host. */
#include "common/runtime/attachable.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cjson/cJSON.h"
#include "common/cleanup.h"
#include "common/fault.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/image/selfimage.h"
#include "common/log.h"
#include "common/logidx.h"
#include "common/mem.h"
#include "common/model/model.h"
#include "common/path.h"
#include "common/store/paths.h"
#include "common/tty/doc.h"
#include "ctr/ctr.h"

bool kk_rt_attach_wanted(const struct kk_rt_container *c)
{
	return !c->root && c->spec && c->spec->attachable && c->log_path;
}

/* <cell dir>/<container>: where log_path lives */
static char *container_dir(const struct kk_rt_container *c)
{
	char *dir = kk_xstrdup(c->log_path);
	char *slash = strrchr(dir, '/');

	if (slash)
		*slash = '\0';
	return dir;
}

static int copy_fd(int in, int out, struct kk_err *err)
{
	char buf[64 * 1024];
	ssize_t r;

	while ((r = read(in, buf, sizeof(buf))) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return kk_err_sys(err, "read");
		}
		if (kk_write_all(out, buf, (size_t)r) < 0)
			return kk_err_sys(err, "write");
	}
	return 0;
}

static bool is_static_file(const char *path)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);

	return fd >= 0 && kk_elf_is_static(fd);
}

int kk_rt_kuketty_source(char *buf, size_t size, struct kk_err *err)
{
	const char *env = getenv("KUKEON_KUKETTY_BIN");
	char self[PATH_MAX];
	ssize_t n;

	if (is_static_file("/proc/self/exe")) {
		snprintf(buf, size, "%s", "/proc/self/exe");
		return 0;
	}
	if (env && *env) {
		if (!is_static_file(env))
			return kk_err_set(err, ENOEXEC,
					  "kuketty binary: KUKEON_KUKETTY_BIN `%s` is not a static "
					  "executable",
					  env);
		snprintf(buf, size, "%s", env);
		return 0;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		if (strrchr(self, '/'))
			*strrchr(self, '/') = '\0';
		if ((size_t)snprintf(buf, size, "%s/kuketty", self) < size && is_static_file(buf))
			return 0;
	}
	return kk_err_set(err, ENOEXEC,
			  "kuketty binary: this kukeon is not static and no static kuketty was "
			  "found (set KUKEON_KUKETTY_BIN)");
}

/* <run path>/bin/kuketty: a copy of kk_rt_kuketty_source(), replaced when its size differs
 * (another build); written under a temp name and renamed. */
static int stage_binary(const char *dst, struct kk_err *err)
{
	cleanup_free char *dir = kk_xstrdup(dst), *tmp = NULL;
	cleanup_close int in = -1;
	cleanup_close int out = -1;
	struct stat self, cur;
	char src[PATH_MAX];

	*strrchr(dir, '/') = '\0';
	if (kk_rt_kuketty_source(src, sizeof(src), err) < 0)
		return -1;
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0 || fstat(in, &self) < 0)
		return kk_err_sys(err, "kuketty binary: open `%s`", src);
	if (stat(dst, &cur) == 0 && S_ISREG(cur.st_mode) && (cur.st_mode & 0111) &&
	    cur.st_size == self.st_size)
		return 0;
	if (kk_mkdir_p(dir, 0755, err) < 0)
		return kk_err_wrap(err, "kuketty binary");
	/* per thread: the members of a cell are prepared at once */
	tmp = kk_xasprintf("%s.tmp.%d", dst, (int)gettid());
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (out < 0)
		return kk_err_sys(err, "kuketty binary: create `%s`", tmp);
	/* closed before the rename: a file open for writing cannot be executed (ETXTBSY), and
	 * once renamed another member's shim may exec it at once */
	if (copy_fd(in, out, err) < 0 || fchmod(out, 0755) < 0 || fsync(out) < 0 ||
	    close(TAKE_FD(out)) < 0) {
		if (!err->code)
			kk_err_sys(err, "sync");
		unlink(tmp);
		return kk_err_wrap(err, "kuketty binary: copy to `%s`", tmp);
	}
	if (rename(tmp, dst) < 0) {
		kk_err_sys(err, "kuketty binary: rename `%s` to `%s`", tmp, dst);
		unlink(tmp);
		return -1;
	}
	return kk_fault("stage:kuketty", err);
}

int kk_rt_log_uri(const struct kk_rt *rt, const char *path, char **out, struct kk_err *err)
{
	cleanup_free char *bin = NULL;
	struct kk_err e = { 0 };

	if (rt && rt->run_path && rt->run_path[0] == '/') {
		bin = kk_store_kuketty_bin_path(rt->run_path);
		if (stage_binary(bin, &e) == 0)
			return ctr_binary_log_uri(bin, KK_LOGIDX_WRITER_ARG, path, out, err);
		kk_log_ignored(rt->log, &e, "log writer for `%s`: its output gets no times", path);
	}
	return ctr_log_uri(path, out, err);
}

unsigned long kk_rt_spec_id(const cJSON *spec, const char *key)
{
	const cJSON *user =
		cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(spec, "process"),
						 "user");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(user, key);
	int64_t n;

	if (cJSON_IsRaw(v) && v->valuestring)
		return strtoul(v->valuestring, NULL, 10);
	n = kk_json_int64(v, 0);
	return n > 0 && n <= UINT32_MAX ? (unsigned long)n : 0;
}

static int render(const struct kk_rt *rt, const struct kk_rt_container *c, const cJSON *args,
		  const char *path, struct kk_err *err)
{
	const struct kk_container_tty *tty = c->spec->tty;
	size_t n = (size_t)cJSON_GetArraySize(args), i = 0;
	cleanup_free const char **argv = kk_xcalloc(n + 1, sizeof(*argv));
	struct kk_tty_doc doc;
	cleanup_free char *text = NULL;
	const cJSON *a;

	cJSON_ArrayForEach(a, args) if (cJSON_IsString(a)) argv[i++] = a->valuestring;
	kk_tty_doc_make(
		&(struct kk_tty_doc_params){
			.name = c->id,
			.realm = c->identity.realm,
			.space = c->identity.space,
			.stack = c->identity.stack,
			.cell = c->identity.cell_name,
			.container = c->identity.container_id,
			.argv = argv,
			.argc = i,
			.prompt = tty ? tty->prompt : NULL,
			.log_file = tty ? tty->log_file : NULL,
			.on_init = tty ? (const char *const *)tty->on_init.v : NULL,
			.n_on_init = tty ? tty->on_init.n : 0,
			.kukeon_gid = rt->kukeon_gid > 0 ? rt->kukeon_gid : -1,
		},
		&doc);
	text = kk_tty_doc_encode(&doc);
	kk_tty_doc_clear(&doc);
	return kk_write_atomic(path, ".kuketty-", text, strlen(text), 0600, err);
}

static void add_mount(cJSON *mounts, const char *dst, const char *src, const char *mode)
{
	cJSON *m = cJSON_CreateObject(), *o;

	cJSON_AddStringToObject(m, "destination", dst);
	cJSON_AddStringToObject(m, "type", "bind");
	cJSON_AddStringToObject(m, "source", src);
	o = cJSON_AddArrayToObject(m, "options");
	cJSON_AddItemToArray(o, cJSON_CreateString("rbind"));
	cJSON_AddItemToArray(o, cJSON_CreateString(mode));
	cJSON_AddItemToArray(mounts, m);
}

static int stage_files(const struct kk_rt *rt, const struct kk_rt_container *c, const cJSON *spec,
		       const cJSON *args, const char *dir, const char *tty, const char *meta,
		       const char *bin, struct kk_err *err)
{
	gid_t gid = rt->kukeon_gid > 0 ? (gid_t)rt->kukeon_gid : 0;
	mode_t mode = rt->kukeon_gid > 0 ? 02750 : 0700;
	uid_t uid = (uid_t)kk_rt_spec_id(spec, "uid");

	if (kk_mkdir_p(tty, mode, err) < 0)
		return -1;
	if (chown(dir, 0, gid) < 0 || chmod(dir, mode) < 0 || chmod(tty, mode) < 0)
		return kk_err_sys(err, "container dir `%s`", dir);
	if (stage_binary(bin, err) < 0 || render(rt, c, args, meta, err) < 0)
		return -1;
	/* kuketty runs as the container's user: it creates the socket and capture in tty/ */
	if (chown(tty, uid, gid) < 0 || chown(meta, uid, gid) < 0)
		return kk_err_sys(err, "chown `%s` to %u:%u", tty, (unsigned)uid, (unsigned)gid);
	return 0;
}

int kk_rt_attach_wrap(const struct kk_rt *rt, const struct kk_rt_container *c, cJSON *spec,
		      bool stage, struct kk_err *err)
{
	cJSON *process = cJSON_GetObjectItemCaseSensitive(spec, "process");
	cJSON *args = cJSON_GetObjectItemCaseSensitive(process, "args");
	cJSON *mounts = cJSON_GetObjectItemCaseSensitive(spec, "mounts");
	cleanup_free char *dir = container_dir(c);
	cleanup_free char *tty = kk_path_join(dir, KK_STORE_TTY_DIR);
	cleanup_free char *meta = kk_path_join(dir, KK_STORE_KUKETTY_META);
	cleanup_free char *bin = kk_store_kuketty_bin_path(rt && rt->run_path ? rt->run_path : ".");

	if (!cJSON_IsObject(process))
		return kk_err_set(err, EINVAL, "attachable: the spec has no process");
	if (!cJSON_IsArray(args))
		args = cJSON_AddArrayToObject(process, "args");
	if (!cJSON_IsArray(mounts))
		mounts = cJSON_AddArrayToObject(spec, "mounts");
	if (stage) {
		if (!rt || !rt->run_path)
			return kk_err_set(err, EINVAL,
					  "attachable: no run path to stage kuketty in");
		if (stage_files(rt, c, spec, args, dir, tty, meta, bin, err) < 0)
			return kk_err_wrap(err, "attachable");
	}
	cJSON_ReplaceItemInObjectCaseSensitive(process, "args", cJSON_CreateArray());
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(process, "args"),
			     cJSON_CreateString(KK_TTY_BIN_PATH));
	add_mount(mounts, KK_TTY_BIN_PATH, bin, "ro");
	add_mount(mounts, KK_TTY_RUN_PATH, tty, "rw");
	add_mount(mounts, KK_TTY_CONFIG_PATH, meta, "ro");
	return 0;
}
