/* tests/unit/test_ctr_containers.c - the Containers service: create with a spec Any,
 * get, list with filters, update by field path, delete; `ctr containers` is the witness. */
#include "ctr/ctr.h"

#include <errno.h>

#include "tests/unit/ctr_testlib.h"

#define NS "test-containers"

static void container_lifecycle(struct ctr_conn *conn)
{
	static const char spec[] = "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"true\"]}}";
	static const char *const by_label[] = { "labels.\"kukeon.io/cell\"==web", NULL };
	static const char *const by_id[] = { "id==other", NULL };
	static const char *const label_paths[] = { "labels.extra", NULL };
	struct ctr_container c = { 0 }, got = { 0 }, *list = NULL;
	cleanup_free char *info = NULL, *ls = NULL, *ls2 = NULL;
	struct kk_err err = { 0 };
	size_t n = 0;

	c.id = kk_xstrdup("web");
	c.image = kk_xstrdup("docker.io/library/busybox:latest");
	c.runtime = kk_xstrdup(CTR_RUNTIME_RUNC_V2);
	c.spec = kk_xstrdup(spec);
	c.snapshotter = kk_xstrdup("overlayfs");
	c.snapshot_key = kk_xstrdup("web-snap");
	ctr_labels_set(&c.labels, "kukeon.io/cell", "web");

	TAP_OK(ctr_container_create(conn, &c, &err) == 0, "create: %s", err.msg);
	TAP_INT_EQ(ctr_container_create(conn, &c, &err), -1);
	TAP_INT_EQ(err.code, EEXIST);
	TAP_STR_EQ(err.msg, "containers.Create `web`: already exists");

	TAP_OK(ctr_container_get(conn, "web", &got, &err) == 0, "get: %s", err.msg);
	TAP_STR_EQ(got.id, "web");
	TAP_STR_EQ(got.image, "docker.io/library/busybox:latest");
	TAP_STR_EQ(got.runtime, CTR_RUNTIME_RUNC_V2);
	TAP_STR_EQ(got.spec_type_url, CTR_SPEC_TYPE_URL);
	TAP_STR_EQ(got.spec, spec);
	TAP_INT_EQ(got.spec_len, sizeof(spec) - 1);
	TAP_STR_EQ(got.snapshotter, "overlayfs");
	TAP_STR_EQ(got.snapshot_key, "web-snap");
	TAP_STR_EQ(ctr_labels_get(&got.labels, "kukeon.io/cell"), "web");
	TAP_OK(got.created_ns > 0, "created time");
	ctr_container_clear(&got);

	/* the witness decodes the spec Any as an OCI spec */
	info = t_sh("$CTR -n " NS " containers info web | grep -c '\"ociVersion\": \"1.0.2\"'");
	TAP_STR_EQ(info, "1\n");

	TAP_OK(ctr_container_list(conn, by_label, &list, &n, &err) == 0, "list by label");
	TAP_INT_EQ(n, 1);
	ctr_container_list_free(list, n);
	TAP_OK(ctr_container_list(conn, by_id, &list, &n, &err) == 0, "list by other id");
	TAP_INT_EQ(n, 0);
	ctr_container_list_free(list, n);
	TAP_OK(ctr_container_list(conn, NULL, &list, &n, &err) == 0, "list all");
	TAP_INT_EQ(n, 1);
	ctr_container_list_free(list, n);

	ctr_labels_set(&c.labels, "extra", "1");
	TAP_OK(ctr_container_update(conn, &c, label_paths, &err) == 0, "update one label: %s",
	       err.msg);
	TAP_OK(ctr_container_get(conn, "web", &got, &err) == 0, "get after update");
	TAP_STR_EQ(ctr_labels_get(&got.labels, "extra"), "1");
	TAP_STR_EQ(ctr_labels_get(&got.labels, "kukeon.io/cell"), "web");
	ctr_container_clear(&got);
	ls = t_sh("$CTR -n " NS " containers ls -q");
	TAP_STR_EQ(ls, "web\n");

	TAP_OK(ctr_container_delete(conn, "web", &err) == 0, "delete: %s", err.msg);
	ls2 = t_sh("$CTR -n " NS " containers ls -q");
	TAP_STR_EQ(ls2, "");
	TAP_INT_EQ(ctr_container_get(conn, "web", &got, &err), -1);
	TAP_INT_EQ(err.code, ENOENT);
	TAP_STR_EQ(err.msg, "containers.Get `web`: not found");
	TAP_INT_EQ(ctr_container_delete(conn, "web", &err), -1);
	TAP_INT_EQ(err.code, ENOENT);
	TAP_INT_EQ(ctr_container_update(conn, &c, label_paths, &err), -1);
	TAP_INT_EQ(err.code, ENOENT);
	ctr_container_clear(&c);

	/* a record with an invalid id is refused by containerd, with its reason */
	c.id = kk_xstrdup("bad id!");
	c.runtime = kk_xstrdup(CTR_RUNTIME_RUNC_V2);
	c.spec = kk_xstrdup(spec);
	TAP_INT_EQ(ctr_container_create(conn, &c, &err), -1);
	TAP_INT_EQ(err.code, EINVAL);
	TAP_OK(strncmp(err.msg, "containers.Create `bad id!`: ", 29) == 0, "message: %s", err.msg);
	ctr_container_clear(&c);
}

int main(void)
{
	cleanup_(ctr_disconnectp) struct ctr_conn *conn = t_connect(NS);

	if (!conn)
		return tap_done();
	container_lifecycle(conn);
	return tap_done();
}
