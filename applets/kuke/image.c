/* applets/kuke/image.c - kuke image load | get (ls, list) | delete (rm, remove).
 *
 * Upstream sends these to kukeond; until the daemon serves them they run the controller
 * in-process, which is what `--no-daemon` asks for anyway. */
#include "applets/kuke/kuke.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cjson/cJSON.h"
#include "common/cleanup.h"
#include "applets/kuke/client.h"
#include "common/controller/image.h"
#include "common/mem.h"
#include "common/json.h"
#include "common/table.h"
#include "common/yaml.h"
#include "applets/kuke/output.h"
#include "kk_config.h"

/* ---- load ----------------------------------------------------------------------------- */

/* `docker save REF` on a pipe: *fd is its stdout, *pid the process to reap. */
static int docker_save(const char *ref, int *fd, pid_t *pid, struct kk_err *err)
{
	int p[2];
	pid_t child;

	if (pipe2(p, O_CLOEXEC) < 0)
		return kk_err_sys(err, "docker save %s: pipe", ref);
	child = fork();
	if (child < 0) {
		close(p[0]);
		close(p[1]);
		return kk_err_sys(err, "docker save %s: fork", ref);
	}
	if (child == 0) {
		dup2(p[1], STDOUT_FILENO);
		execlp("docker", "docker", "save", ref, (char *)NULL);
		_exit(127); /* reported by docker_wait */
	}
	close(p[1]);
	*fd = p[0];
	*pid = child;
	return 0;
}

static int docker_wait(const char *ref, pid_t pid, struct kk_err *err)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return kk_err_sys(err, "docker save %s: wait", ref);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return kk_err_set(err, ENOENT, "docker save %s: cannot run `docker`", ref);
	if (WIFEXITED(status))
		return kk_err_set(err, EIO, "docker save %s: exit status %d", ref,
				  WEXITSTATUS(status));
	return kk_err_set(err, EINTR, "docker save %s: killed by signal %d", ref, WTERMSIG(status));
}

int kuke_image_load(struct kuke_ctx *ctx, int arg, const struct kuke_flags *f, int argc,
		    char **argv, struct kk_err *err)
{
	cleanup_(kk_client_freep) struct kk_client *c = NULL;
	const char *pos = argc > 1 ? argv[1] : NULL;
	struct kk_image_load_result res = { 0 };
	struct kk_image_load_req req = { 0 };
	cleanup_close int fd = -1;
	pid_t docker = -1;
	int rc;

	if (kuke_want_args(argc, true, "image", "load", err) < 0)
		return -1;
	if (f->from_docker && *f->from_docker && pos && *pos)
		return kk_err_set(err, KK_EUSAGE,
				  "image load: pass either a tarball path or --from-docker, not "
				  "both");
	if (!(f->from_docker && *f->from_docker) && !(pos && *pos))
		return kk_err_set(err, KK_EUSAGE,
				  "image load: a tarball path, '-' for stdin, or --from-docker "
				  "<ref> is required");
	if (ctx->no_daemon && geteuid() != 0)
		return kk_err_set(
			err, EPERM,
			"command must run as root: `kuke image load --no-daemon` writes to "
			"root-owned paths — re-run with `sudo kuke image load --no-daemon`");

	if (f->from_docker && *f->from_docker) {
		if (docker_save(f->from_docker, &fd, &docker, err) < 0)
			return kk_err_wrap(err, "image load");
		req.source = f->from_docker;
	} else if (!strcmp(pos, "-")) {
		req.source = "stdin";
		fd = dup(STDIN_FILENO);
		if (fd < 0)
			return kk_err_sys(err, "image load: stdin");
	} else {
		struct stat st;

		req.source = pos;
		fd = open(pos, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return kk_err_sys(err, "image load: open `%s`", pos);
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0)
			return kk_err_set(err, EINVAL,
					  "image load: `%s`: image tarball is required", pos);
	}
	req.realm = f->realm;
	req.fd = fd;
	req.platform = f->platform;
	rc = kuke_client_open(ctx, &c, err);
	if (rc == 0)
		rc = kk_call_image_load(c, &req, &res, err);
	if (docker > 0) {
		struct kk_err derr = { 0 };

		bool stopped_early = rc < 0;

		/* closing our end stops a docker still writing (SIGPIPE) */
		close(TAKE_FD(fd));
		/* docker's own failure explains an empty or cut stream better than the import
		 * does; a docker that died because we stopped reading explains nothing */
		if (docker_wait(f->from_docker, docker, &derr) < 0 &&
		    !(stopped_early && derr.code == EINTR)) {
			*err = derr;
			rc = -1;
		}
	}
	if (rc < 0)
		return kk_err_wrap(err, "image load");
	if (res.n == 0) {
		printf("loaded 0 images into realm \"%s\" (namespace \"%s\")\n", res.realm, res.ns);
	} else {
		printf("loaded %zu image(s) into realm \"%s\" (namespace \"%s\"):\n", res.n,
		       res.realm, res.ns);
		for (size_t i = 0; i < res.n; i++)
			printf("  - %s\n", res.images[i]);
	}
	kk_image_load_result_clear(&res);
	return 0;
}

/* ---- pull ----------------------------------------------------------------------------- */

static void format_size(int64_t size, char *buf, size_t n);

#if ENABLE_FEATURE_KUKE_IMAGE_PULL
/* The terminal display: a line per blob and a total, redrawn in place. */
struct pull_view {
	FILE *tty;
	size_t lines; /* drawn last time */
};

static void rate(int64_t bytes, int64_t ms, char *buf, size_t n)
{
	char s[32];

	format_size(ms > 0 ? bytes * 1000 / ms : 0, s, sizeof(s));
	snprintf(buf, n, "%s/s", s);
}

static void pull_draw(const struct kk_pull_progress *p, void *arg)
{
	struct pull_view *v = arg;
	char done[32], size[32], r[80];

	if (v->lines)
		fprintf(v->tty, "\033[%zuA", v->lines);
	for (size_t i = 0; i < p->n; i++) {
		const struct kk_pull_blob *b = &p->blobs[i];

		format_size(b->done, done, sizeof(done));
		format_size(b->size, size, sizeof(size));
		fprintf(v->tty, "\033[2K%.19s  %s\n", b->digest,
			b->cached     ? "already here"
			: b->finished ? "done"
				      : (snprintf(r, sizeof(r), "%s / %s", done, size), r));
	}
	format_size(p->done, done, sizeof(done));
	format_size(p->total, size, sizeof(size));
	rate(p->done, p->elapsed_ms, r, sizeof(r));
	fprintf(v->tty, "\033[2Ktotal %s / %s  %s  %.1fs\n", done, size, r,
		(double)p->elapsed_ms / 1000.0);
	v->lines = p->n + 1;
	fflush(v->tty);
}

int kuke_image_pull(struct kuke_ctx *ctx, int arg, const struct kuke_flags *f, int argc,
		    char **argv, struct kk_err *err)
{
	cleanup_(kk_client_freep) struct kk_client *c = NULL;
	struct kk_image_pull_req req = { 0 };
	struct kk_image_pull_result res = { 0 };
	struct pull_view view = { .tty = stderr };
	bool quiet = f->quiet;
	char size[32], r[48];

	(void)arg;
	if (kuke_want_args(argc, false, "image", "pull", err) < 0)
		return -1;
	if (ctx->no_daemon && geteuid() != 0)
		return kk_err_set(
			err, EPERM,
			"command must run as root: `kuke image pull --no-daemon` writes to "
			"root-owned paths — re-run with `sudo kuke image pull --no-daemon`");
	req.realm = f->realm;
	req.ref = argv[1];
	req.platform = f->platform;
	/* progress is drawn in-process; through kukeond only the summary comes back */
	if (!quiet && isatty(STDERR_FILENO)) {
		req.progress = pull_draw;
		req.progress_arg = &view;
	}
	if (kuke_client_open(ctx, &c, err) < 0 || kk_call_image_pull(c, &req, &res, err) < 0)
		return kk_err_wrap(err, "image pull");
	if (quiet) {
		printf("%s\n", res.name);
	} else {
		format_size(res.size, size, sizeof(size));
		rate(res.fetched, res.elapsed_ms, r, sizeof(r));
		printf("pulled image \"%s\" (%s, %zu layer(s), %s, %.1fs at %s) into realm \"%s\" "
		       "(namespace \"%s\")\n",
		       res.name, res.digest, res.n_layers, size, (double)res.elapsed_ms / 1000.0, r,
		       res.realm, res.ns);
	}
	kk_image_pull_result_clear(&res);
	return 0;
}
#endif

/* ---- get ------------------------------------------------------------------------------ */

static void format_size(int64_t size, char *buf, size_t n)
{
	static const char units[] = "KMGTPE";
	int64_t div = 1024;
	int exp = 0;

	if (size < 0) {
		snprintf(buf, n, "-");
		return;
	}
	if (size < 1024) {
		snprintf(buf, n, "%lld B", (long long)size);
		return;
	}
	for (int64_t m = size / 1024; m >= 1024; m /= 1024) {
		div *= 1024;
		exp++;
	}
	snprintf(buf, n, "%.1f %ciB", (double)size / (double)div, units[exp]);
}

static void format_created(int64_t ns, char *buf, size_t n)
{
	time_t sec = (time_t)(ns / 1000000000);
	struct tm tm;

	if (ns == 0) {
		snprintf(buf, n, "-");
		return;
	}
	gmtime_r(&sec, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void print_table(const struct kk_image_list_result *r)
{
	static const char *const hdr[] = { "NAME", "SIZE", "CREATED" };
	cleanup_(kk_table_freep) struct kk_table *t = kk_table_new(3, hdr);

	for (size_t i = 0; i < r->n; i++) {
		char size[32], created[32];
		const char *row[3] = { r->images[i].name, size, created };

		format_size(r->images[i].size, size, sizeof(size));
		format_created(r->images[i].created_ns, created, sizeof(created));
		kk_table_add(t, row);
	}
	kk_table_print(t, stdout);
}

/* YAML has no null map: yaml.v3 prints a nil map as {} */
static void labels_null_to_empty(cJSON *info)
{
	cJSON *l = cJSON_GetObjectItemCaseSensitive(info, "Labels");

	if (cJSON_IsNull(l))
		cJSON_ReplaceItemInObjectCaseSensitive(info, "Labels", cJSON_CreateObject());
}

/* Shape an image tree as yaml.v3 prints the Go struct: field names without tags are
 * lower-cased, and CreatedAt, a time.Time, is a plain scalar (a string holding the same
 * text would be quoted). */
static void yaml_shape(cJSON *node)
{
	cJSON *it, *next;

	for (it = node ? node->child : NULL; it; it = next) {
		next = it->next; /* `it` may be replaced (and freed) below */
		if (it->string)
			for (char *c = it->string; *c; c++)
				*c = (char)tolower((unsigned char)*c);
		if (it->string && strcmp(it->string, "createdat") == 0 && cJSON_IsString(it))
			cJSON_ReplaceItemInObjectCaseSensitive(node, "createdat",
							       cJSON_CreateRaw(it->valuestring));
		else
			yaml_shape(it);
	}
}

static void print_tree(cJSON *tree, enum kuke_fmt fmt)
{
	char *s;

	if (fmt == KUKE_FMT_JSON) {
		s = kk_json_print(tree, KK_JSON_INDENT | KK_JSON_NEWLINE);
	} else {
		cJSON *imgs = cJSON_GetObjectItemCaseSensitive(tree, "Images"), *it;

		if (imgs)
			cJSON_ArrayForEach(it, imgs) labels_null_to_empty(it);
		else
			labels_null_to_empty(tree);
		yaml_shape(tree);
		s = kk_yaml_emit(tree, 2);
	}
	fputs(s, stdout);
	free(s);
}

int kuke_image_get(struct kuke_ctx *ctx, int arg, const struct kuke_flags *f, int argc, char **argv,
		   struct kk_err *err)
{
	cleanup_(kk_client_freep) struct kk_client *c = NULL;
	const char *pos = argc > 1 ? argv[1] : NULL;
	struct kk_image_req req = { 0 };
	enum kuke_fmt fmt = KUKE_FMT_TABLE;
	cJSON *tree;

	if (kuke_get_format(f->output, false, &fmt, err) < 0)
		return -1;
	if (kuke_want_args(argc, true, "image", "get", err) < 0)
		return -1;
	req.realm = f->realm;
	req.ref = pos;
	if (pos && pos[strspn(pos, " \t\n")]) {
		struct kk_image_info info = { 0 };

		if (kuke_client_open(ctx, &c, err) < 0)
			return -1;
		if (kk_call_image_get(c, &req, &info, err) < 0) {
			if (err->code == ENOENT && !strstr(err->msg, "realm not found"))
				return kk_err_set(err, ENOENT,
						  "image \"%s\" not found in realm \"%s\": image "
						  "not found",
						  pos, f->realm);
			return kk_err_wrap(err, "image get");
		}
		tree = kk_image_info_to_json(&info);
		print_tree(tree, fmt); /* a single image: YAML unless json */
		cJSON_Delete(tree);
		kk_image_info_clear(&info);
		return 0;
	}

	struct kk_image_list_result res = { 0 };

	if (kuke_client_open(ctx, &c, err) < 0)
		return -1;
	if (kk_call_image_list(c, &req, &res, err) < 0)
		return kk_err_wrap(err, "image get");
	if (fmt == KUKE_FMT_TABLE) {
		if (res.n == 0)
			printf("No images found in realm \"%s\".\n", res.realm);
		else
			print_table(&res);
	} else {
		tree = kk_image_list_result_to_json(&res);
		print_tree(tree, fmt);
		cJSON_Delete(tree);
	}
	kk_image_list_result_clear(&res);
	return 0;
}

/* ---- delete --------------------------------------------------------------------------- */

int kuke_image_delete(struct kuke_ctx *ctx, int arg, const struct kuke_flags *f, int argc,
		      char **argv, struct kk_err *err)
{
	cleanup_(kk_client_freep) struct kk_client *c = NULL;
	const char *pos = argc > 1 ? argv[1] : NULL;
	struct kk_image_req req = { 0 };
	struct kk_image_delete_result res = { 0 };

	if (kuke_want_args(argc, false, "image", "delete", err) < 0)
		return -1;
	req.realm = f->realm;
	req.ref = pos;
	if (kuke_client_open(ctx, &c, err) < 0)
		return -1;
	if (kk_call_image_delete(c, &req, &res, err) < 0) {
		if (err->code == ENOENT && !strstr(err->msg, "realm not found"))
			return kk_err_set(err, ENOENT,
					  "image \"%s\" not found in realm \"%s\": image not found",
					  pos, f->realm);
		return kk_err_wrap(err, "image delete");
	}
	printf("deleted image \"%s\" from realm \"%s\" (namespace \"%s\")\n", res.ref, res.realm,
	       res.ns);
	kk_image_delete_result_clear(&res);
	return 0;
}
