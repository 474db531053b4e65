/* tests/unit/test_ctr_images.c - the Images service: create, get, list with filters,
 * update by field path, delete; not-found and already-exists. `ctr images` is the witness. */
#include "ctr/ctr.h"

#include <errno.h>

#include "tests/unit/ctr_testlib.h"

#define NS "test-images"

static void image_lifecycle(struct ctr_conn *conn)
{
	const char manifest[] = "{\"schemaVersion\":2}";
	cleanup_free char *dgst = t_digest(manifest, sizeof(manifest) - 1);
	cleanup_free char *ls = NULL, *ls2 = NULL;
	struct ctr_image img = { 0 }, got = { 0 }, *list = NULL;
	static const char *const by_label[] = { "labels.\"kukeon.io/role\"==test", NULL };
	static const char *const by_name[] = { "name==nobody/else:1", NULL };
	static const char *const label_path[] = { "labels", NULL };
	struct kk_err err = { 0 };
	size_t n = 0;

	TAP_OK(ctr_content_write_all(conn, "m1", manifest, sizeof(manifest) - 1, dgst, NULL,
				     &err) == 0,
	       "target blob written: %s", err.msg);
	img.name = kk_xstrdup("docker.io/library/test:1");
	img.target.media_type = kk_xstrdup("application/vnd.oci.image.manifest.v1+json");
	img.target.digest = kk_xstrdup(dgst);
	img.target.size = sizeof(manifest) - 1;
	ctr_labels_set(&img.labels, "kukeon.io/role", "test");

	TAP_OK(ctr_image_create(conn, &img, &got, &err) == 0, "create: %s", err.msg);
	TAP_STR_EQ(got.name, "docker.io/library/test:1");
	TAP_OK(got.created_ns > 0, "created time set");
	ctr_image_clear(&got);

	TAP_INT_EQ(ctr_image_create(conn, &img, NULL, &err), -1);
	TAP_INT_EQ(err.code, EEXIST);
	TAP_STR_EQ(err.msg, "images.Create `docker.io/library/test:1`: already exists");

	TAP_OK(ctr_image_get(conn, "docker.io/library/test:1", &got, &err) == 0, "get: %s", err.msg);
	TAP_STR_EQ(got.target.digest, dgst);
	TAP_STR_EQ(got.target.media_type, "application/vnd.oci.image.manifest.v1+json");
	TAP_INT_EQ(got.target.size, sizeof(manifest) - 1);
	TAP_STR_EQ(ctr_labels_get(&got.labels, "kukeon.io/role"), "test");
	ctr_image_clear(&got);

	TAP_OK(ctr_image_list(conn, by_label, &list, &n, &err) == 0, "list by label: %s", err.msg);
	TAP_INT_EQ(n, 1);
	if (n == 1)
		TAP_STR_EQ(list[0].name, "docker.io/library/test:1");
	ctr_image_list_free(list, n);
	TAP_OK(ctr_image_list(conn, by_name, &list, &n, &err) == 0, "list by other name");
	TAP_INT_EQ(n, 0);
	ctr_image_list_free(list, n);

	ls = t_sh("$CTR -n " NS " images ls -q");
	TAP_OK(strstr(ls, "docker.io/library/test:1") != NULL, "ctr images ls shows it");

	ctr_labels_clear(&img.labels);
	ctr_labels_set(&img.labels, "new", "label");
	TAP_OK(ctr_image_update(conn, &img, label_path, &got, &err) == 0, "update labels: %s",
	       err.msg);
	TAP_STR_EQ(ctr_labels_get(&got.labels, "new"), "label");
	TAP_OK(ctr_labels_get(&got.labels, "kukeon.io/role") == NULL, "old label gone");
	ctr_image_clear(&got);

	TAP_OK(ctr_image_delete(conn, "docker.io/library/test:1", true, &err) == 0, "delete: %s",
	       err.msg);
	ls2 = t_sh("$CTR -n " NS " images ls -q");
	TAP_OK(strstr(ls2, "docker.io/library/test:1") == NULL, "ctr images ls: gone");
	TAP_INT_EQ(ctr_image_get(conn, "docker.io/library/test:1", &got, &err), -1);
	TAP_INT_EQ(err.code, ENOENT);
	TAP_STR_EQ(err.msg, "images.Get `docker.io/library/test:1`: not found");
	TAP_INT_EQ(ctr_image_delete(conn, "docker.io/library/test:1", false, &err), -1);
	TAP_INT_EQ(err.code, ENOENT);
	TAP_INT_EQ(ctr_image_update(conn, &img, label_path, NULL, &err), -1);
	TAP_INT_EQ(err.code, ENOENT);
	ctr_image_clear(&img);
	ctr_content_delete(conn, dgst, &err);
}

int main(void)
{
	cleanup_(ctr_disconnectp) struct ctr_conn *conn = t_connect(NS);

	if (!conn)
		return tap_done();
	image_lifecycle(conn);
	return tap_done();
}
