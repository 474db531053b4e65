/* tests/unit/test_ctr_leases.c - the Leases service, and the per-connection lease header:
 * content written under a lease is held by it and collected once it is deleted. */
#include "ctr/ctr.h"

#include <errno.h>

#include "tests/unit/ctr_testlib.h"

#define NS "test-leases"

static void lease_lifecycle(struct ctr_conn *conn)
{
	struct ctr_labels labels = { 0 };
	struct ctr_lease lease = { 0 }, *list = NULL;
	static const char *const by_id[] = { "id==test-lease", NULL };
	cleanup_free char *ls = NULL;
	struct kk_err err = { 0 };
	size_t n = 0;

	ctr_labels_set(&labels, "containerd.io/gc.expire", "2099-01-01T00:00:00Z");
	TAP_OK(ctr_lease_create(conn, "test-lease", &labels, &lease, &err) == 0, "create: %s",
	       err.msg);
	TAP_STR_EQ(lease.id, "test-lease");
	TAP_STR_EQ(ctr_labels_get(&lease.labels, "containerd.io/gc.expire"), "2099-01-01T00:00:00Z");
	ctr_lease_clear(&lease);
	TAP_INT_EQ(ctr_lease_create(conn, "test-lease", &labels, NULL, &err), -1);
	TAP_INT_EQ(err.code, EEXIST);
	TAP_STR_EQ(err.msg, "leases.Create `test-lease`: already exists");
	ctr_labels_clear(&labels);

	TAP_OK(ctr_lease_list(conn, by_id, &list, &n, &err) == 0, "list: %s", err.msg);
	TAP_INT_EQ(n, 1);
	ctr_lease_list_free(list, n);
	ls = t_sh("$CTR -n " NS " leases ls -q");
	TAP_OK(strstr(ls, "test-lease") != NULL, "ctr leases ls shows it");

	TAP_OK(ctr_lease_add_resource(conn, "test-lease", "content",
				      "sha256:1111111111111111111111111111111111111111111111111111111111111111",
				      &err) == 0,
	       "add resource: %s", err.msg);
	TAP_OK(ctr_lease_delete_resource(conn, "test-lease", "content",
					 "sha256:1111111111111111111111111111111111111111111111111111111111111111",
					 &err) == 0,
	       "delete resource: %s", err.msg);
	TAP_INT_EQ(ctr_lease_add_resource(conn, "no-such-lease", "content",
					  "sha256:1111111111111111111111111111111111111111111111111111111111111111",
					  &err),
		   -1);
	TAP_INT_EQ(err.code, ENOENT);

	TAP_OK(ctr_lease_delete(conn, "test-lease", true, &err) == 0, "delete: %s", err.msg);
	TAP_INT_EQ(ctr_lease_delete(conn, "test-lease", false, &err), -1);
	TAP_INT_EQ(err.code, ENOENT);
	TAP_STR_EQ(err.msg, "leases.Delete `test-lease`: not found");

	/* no id: containerd picks one */
	TAP_OK(ctr_lease_create(conn, NULL, NULL, &lease, &err) == 0, "create without id: %s",
	       err.msg);
	TAP_OK(lease.id && lease.id[0], "an id was generated");
	TAP_OK(ctr_lease_delete(conn, lease.id, false, &err) == 0, "delete generated");
	ctr_lease_clear(&lease);
}

/* Content written while the lease is set is held by it, unreferenced otherwise: once the
 * lease goes (sync), containerd's GC removes the blob. */
static void lease_header_holds_content(struct ctr_conn *conn)
{
	const char data[] = "held by a lease";
	cleanup_free char *dgst = t_digest(data, sizeof(data) - 1);
	cleanup_free char *ls = NULL, *ls2 = NULL;
	struct ctr_content_info info = { 0 };
	struct kk_err err = { 0 };

	TAP_OK(ctr_lease_create(conn, "hold", NULL, NULL, &err) == 0, "create lease");
	ctr_set_lease(conn, "hold");
	TAP_STR_EQ(ctr_lease(conn), "hold");
	TAP_OK(ctr_content_write_all(conn, "held", data, sizeof(data) - 1, dgst, NULL, &err) == 0,
	       "write under lease: %s", err.msg);
	ctr_set_lease(conn, NULL);
	TAP_OK(ctr_lease(conn) == NULL, "lease unset");
	ls = t_sh("$CTR -n " NS " leases ls | grep -c '^hold'");
	TAP_OK(ls[0] == '1', "the lease exists");
	TAP_OK(ctr_content_info(conn, dgst, &info, &err) == 0, "content is there");
	ctr_content_info_clear(&info);
	TAP_OK(ctr_lease_delete(conn, "hold", true, &err) == 0, "delete lease, sync: %s", err.msg);
	TAP_INT_EQ(ctr_content_info(conn, dgst, &info, &err), -1);
	TAP_INT_EQ(err.code, ENOENT);
	ls2 = t_sh("$CTR -n " NS " content ls -q");
	TAP_OK(strstr(ls2, dgst) == NULL, "ctr content ls: collected");
}

int main(void)
{
	cleanup_(ctr_disconnectp) struct ctr_conn *conn = t_connect(NS);

	if (!conn)
		return tap_done();
	lease_lifecycle(conn);
	lease_header_holds_content(conn);
	return tap_done();
}
