/* tests/unit/test_ctr_namespaces.c - the Namespaces service: create with labels, get, list,
 * update labels, delete (and refused while not empty); `ctr namespaces` is the witness. */
#include "ctr/ctr.h"

#include <errno.h>

#include "tests/unit/ctr_testlib.h"

static void namespace_lifecycle(struct ctr_conn *conn)
{
	struct ctr_labels labels = { 0 };
	struct ctr_namespace_info ns = { 0 }, *list = NULL;
	cleanup_free char *ls = NULL, *ls2 = NULL;
	struct kk_err err = { 0 };
	size_t n = 0;
	bool found = false;

	ctr_labels_set(&labels, "kukeon.io/realm", "prod");
	TAP_OK(ctr_namespace_create(conn, "prod.kukeon.io", &labels, &err) == 0, "create: %s",
	       err.msg);
	TAP_INT_EQ(ctr_namespace_create(conn, "prod.kukeon.io", &labels, &err), -1);
	TAP_INT_EQ(err.code, EEXIST);
	TAP_STR_EQ(err.msg, "namespaces.Create `prod.kukeon.io`: already exists");
	ctr_labels_clear(&labels);

	TAP_OK(ctr_namespace_get(conn, "prod.kukeon.io", &ns, &err) == 0, "get: %s", err.msg);
	TAP_STR_EQ(ns.name, "prod.kukeon.io");
	TAP_STR_EQ(ctr_labels_get(&ns.labels, "kukeon.io/realm"), "prod");
	ctr_namespace_info_clear(&ns);

	TAP_OK(ctr_namespace_list(conn, &list, &n, &err) == 0, "list: %s", err.msg);
	for (size_t i = 0; i < n; i++)
		found |= strcmp(list[i].name, "prod.kukeon.io") == 0;
	TAP_OK(found, "listed");
	ctr_namespace_list_free(list, n);
	ls = t_sh("$CTR namespaces ls -q | grep -cx prod.kukeon.io");
	TAP_STR_EQ(ls, "1\n");

	ctr_labels_set(&labels, "other", "x");
	TAP_OK(ctr_namespace_set_labels(conn, "prod.kukeon.io", &labels, &err) == 0,
	       "set labels: %s", err.msg);
	ctr_labels_clear(&labels);
	TAP_OK(ctr_namespace_get(conn, "prod.kukeon.io", &ns, &err) == 0, "get again");
	TAP_STR_EQ(ctr_labels_get(&ns.labels, "other"), "x");
	TAP_OK(ctr_labels_get(&ns.labels, "kukeon.io/realm") == NULL, "old label replaced");
	ctr_namespace_info_clear(&ns);
	TAP_OK(ctr_namespace_set_label(conn, "prod.kukeon.io", "one", "1", &err) == 0,
	       "set one label: %s", err.msg);
	TAP_OK(ctr_namespace_set_label(conn, "prod.kukeon.io", "other", NULL, &err) == 0,
	       "remove one label: %s", err.msg);
	TAP_OK(ctr_namespace_get(conn, "prod.kukeon.io", &ns, &err) == 0, "get again");
	TAP_STR_EQ(ctr_labels_get(&ns.labels, "one"), "1");
	TAP_OK(ctr_labels_get(&ns.labels, "other") == NULL, "removed");
	ctr_namespace_info_clear(&ns);
	{
		cleanup_free char *w =
			t_sh("$CTR namespaces ls | awk '$1 == \"prod.kukeon.io\" {print $2}'");

		TAP_STR_EQ(w, "one=1\n");
	}

	/* not empty: containerd refuses */
	ctr_set_namespace(conn, "prod.kukeon.io");
	{
		struct ctr_container c = { .id = (char *)"keep",
					   .runtime = (char *)CTR_RUNTIME_RUNC_V2,
					   .spec = (char *)"{}" };

		TAP_OK(ctr_container_create(conn, &c, &err) == 0, "a container in it: %s", err.msg);
	}
	TAP_INT_EQ(ctr_namespace_delete(conn, "prod.kukeon.io", &err), -1);
	TAP_INT_EQ(err.code, EBUSY);
	TAP_OK(strncmp(err.msg, "namespaces.Delete `prod.kukeon.io`: ", 36) == 0, "message: %s",
	       err.msg);
	TAP_OK(ctr_container_delete(conn, "keep", &err) == 0, "container gone");
	ctr_set_namespace(conn, NULL);

	TAP_OK(ctr_namespace_delete(conn, "prod.kukeon.io", &err) == 0, "delete: %s", err.msg);
	ls2 = t_sh("$CTR namespaces ls -q | grep -cx prod.kukeon.io");
	TAP_STR_EQ(ls2, "0\n");
	TAP_INT_EQ(ctr_namespace_get(conn, "prod.kukeon.io", &ns, &err), -1);
	TAP_INT_EQ(err.code, ENOENT);
	TAP_STR_EQ(err.msg, "namespaces.Get `prod.kukeon.io`: not found");
	TAP_INT_EQ(ctr_namespace_delete(conn, "prod.kukeon.io", &err), -1);
	TAP_INT_EQ(err.code, ENOENT);
	TAP_INT_EQ(ctr_namespace_create(conn, "bad name", NULL, &err), -1);
	TAP_INT_EQ(err.code, EINVAL);
}

int main(void)
{
	cleanup_(ctr_disconnectp) struct ctr_conn *conn = t_connect(NULL);

	if (!conn)
		return tap_done();
	namespace_lifecycle(conn);
	return tap_done();
}
