/* tests/unit/test_ctr_image.c - image import, size and namespace cleanup through the C
 * API, against the harness containerd (under ASan: the import path must not leak). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/image/stream.h"
#include "cjson/cJSON.h"
#include "ctr/image.h"
#include "ctr/image_import_int.h"
#include "tap.h"

static const char *sock, *tarball;

static int import_file(struct ctr_conn *conn, const char *path, struct ctr_import_result *res,
		       struct kk_err *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct kk_fd_reader fr = { .fd = fd, .name = path };
	struct kk_reader in = kk_fd_reader_get(&fr);

	if (fd < 0)
		return kk_err_sys(err, "open %s", path);
	return ctr_image_import(conn, &in, path, NULL, res, err);
}

/* a reader that stops after `left` bytes: a truncated archive */
struct limited {
	struct kk_reader inner;
	size_t left;
};
static ssize_t limited_read(void *ctx, void *buf, size_t n, struct kk_err *err)
{
	struct limited *l = ctx;
	ssize_t k;

	if (l->left == 0)
		return 0;
	if (n > l->left)
		n = l->left;
	k = l->inner.read(l->inner.ctx, buf, n, err);
	if (k > 0)
		l->left -= (size_t)k;
	return k;
}

static int count_lines(const char *cmd)
{
	char line[512];
	int n = 0;
	FILE *p = popen(cmd, "r");

	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p))
		n++;
	pclose(p);
	return n;
}

static void import_and_reimport(struct ctr_conn *conn)
{
	struct ctr_import_result res = { 0 };
	struct kk_err err = { 0 };
	struct ctr_image img = { 0 };
	int64_t size = 0;

	TAP_INT_EQ(import_file(conn, tarball, &res, &err), 0);
	TAP_INT_EQ(res.n, 1);
	TAP_STR_EQ(res.n ? res.names[0] : NULL, "docker.io/library/busybox:latest");
	TAP_OK(res.n && res.changed[0], "first import creates the record");
	TAP_OK(res.snapshotter && (!strcmp(res.snapshotter, "overlayfs") ||
				   !strcmp(res.snapshotter, "native")),
	       "unpacked into %s", res.snapshotter ? res.snapshotter : "?");
	ctr_import_result_clear(&res);

	TAP_INT_EQ(import_file(conn, tarball, &res, &err), 0);
	TAP_OK(res.n == 1 && !res.changed[0], "second import changes nothing");
	ctr_import_result_clear(&res);

	TAP_INT_EQ(ctr_image_get(conn, "docker.io/library/busybox:latest", &img, &err), 0);
	TAP_INT_EQ(ctr_image_size(conn, &img.target, NULL, &size, &err), 0);
	TAP_OK(size > img.target.size, "size %lld counts config and layers", (long long)size);
	ctr_image_clear(&img);
}

static void truncated_leaves_nothing(struct ctr_conn *conn)
{
	cleanup_close int fd = open(tarball, O_RDONLY | O_CLOEXEC);
	struct kk_fd_reader fr = { .fd = fd, .name = tarball };
	struct limited lim = { .inner = kk_fd_reader_get(&fr), .left = 500000 };
	struct kk_reader in = { .read = limited_read, .ctx = &lim };
	struct ctr_import_result res = { 0 };
	struct kk_err err = { 0 };
	char cmd[1024];

	ctr_set_namespace(conn, "unit-trunc.kukeon.io");
	TAP_INT_EQ(ctr_image_import(conn, &in, "short", NULL, &res, &err), -1);
	TAP_OK(strstr(err.msg, "truncated archive") != NULL, "truncated: %s", err.msg);
	snprintf(cmd, sizeof(cmd), "ctr --address %s -n unit-trunc.kukeon.io content ls -q", sock);
	TAP_INT_EQ(count_lines(cmd), 0);
	snprintf(cmd, sizeof(cmd), "ctr --address %s -n unit-trunc.kukeon.io leases ls -q", sock);
	TAP_INT_EQ(count_lines(cmd), 0);
}

static void cleanup_namespace(struct ctr_conn *conn)
{
	struct ctr_cleanup_report rep = { 0 };
	struct kk_err err = { 0 };
	char cmd[1024];
	int saw_task = 0, saw_container = 0, saw_image = 0, saw_lease = 0;

	/* leftovers: a running container, an extra lease */
	snprintf(cmd, sizeof(cmd),
		 "ctr --address %s -n unit-img.kukeon.io run -d --cpu-shares 0 "
		 "docker.io/library/busybox:latest c1 sleep 1000 >/dev/null && "
		 "ctr --address %s -n unit-img.kukeon.io leases create --id l1 >/dev/null",
		 sock, sock);
	TAP_INT_EQ(system(cmd), 0);
	TAP_INT_EQ(ctr_namespace_cleanup(conn, "unit-img.kukeon.io", &rep, &err), 0);
	for (size_t i = 0; i < rep.n_failed; i++)
		printf("# failed: %s\n", rep.failed[i]);
	for (size_t i = 0; i < rep.n_removed; i++) {
		saw_task |= !strcmp(rep.removed[i], "task `c1`");
		saw_container |= !strcmp(rep.removed[i], "container `c1`");
		saw_image |= !strcmp(rep.removed[i], "image `docker.io/library/busybox:latest`");
		saw_lease |= !strcmp(rep.removed[i], "lease `l1`");
	}
	TAP_OK(rep.ns_existed && rep.ns_deleted, "namespace deleted");
	TAP_OK(saw_task && saw_container && saw_image && saw_lease,
	       "report names the task, container, image and lease");
	TAP_INT_EQ(rep.n_failed, 0);
	TAP_OK(rep.n_warnings >= 1, "unavailable snapshotters are warnings (%zu)", rep.n_warnings);
	ctr_cleanup_report_clear(&rep);
	snprintf(cmd, sizeof(cmd),
		 "ctr --address %s namespaces ls -q | grep -qx unit-img.kukeon.io", sock);
	TAP_OK(system(cmd) != 0, "ctr no longer lists the namespace");

	TAP_OK(ctr_namespace_cleanup(conn, "unit-nothing.kukeon.io", &rep, &err) == 0,
	       "cleanup of a missing namespace (%s)", err.msg);
	TAP_OK(!rep.ns_existed, "a missing namespace is nothing to do");
	ctr_cleanup_report_clear(&rep);
}

/* A descriptor's size out of int64_t's range is clamped, never cast (undefined); a
 * negative one is refused. */
static void desc_size_clamped(void)
{
	static const char *const sizes[][2] = { { "1e300", "9223372036854775807" },
						{ "-1e300", NULL },
						{ "-1", NULL },
						{ "42", "42" } };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		cleanup_free char *text = NULL;
		cJSON *j;
		struct desc d = { 0 };
		struct kk_err err = { 0 };
		char got[32];

		if (asprintf(&text, "{\"digest\": \"sha256:%064d\", \"size\": %s}", 0,
			     sizes[i][0]) < 0)
			abort();
		j = cJSON_Parse(text);
		if (!sizes[i][1]) {
			TAP_INT_EQ(ctr_import_parse_desc(j, "t", &d, &err), -1);
			TAP_STR_EQ(err.msg, "t: bad descriptor (negative size)");
			cJSON_Delete(j);
			continue;
		}
		TAP_OK(ctr_import_parse_desc(j, "t", &d, &err) == 0, "size %s: parsed (%s)",
		       sizes[i][0], err.msg);
		snprintf(got, sizeof(got), "%lld", (long long)d.size);
		TAP_STR_EQ(got, sizes[i][1]);
		cJSON_Delete(j);
	}
}

int main(void)
{
	struct ctr_conn *conn = NULL;
	struct kk_err err = { 0 };

	desc_size_clamped();

	sock = tap_getenv_or_skip("KUKEON_CONTAINERD_SOCKET");
	tarball = sock ? tap_getenv_or_skip("KUKEON_TEST_BUSYBOX_TAR") : NULL;
	if (!sock || !tarball)
		return tap_done();
	if (ctr_connect(sock, "unit-img.kukeon.io", &conn, &err) < 0) {
		TAP_OK(0, "connect: %s", err.msg);
		return tap_done();
	}
	import_and_reimport(conn);
	cleanup_namespace(conn);
	truncated_leaves_nothing(conn);
	ctr_disconnect(conn);
	return tap_done();
}
