/* tests/unit/test_hierarchy.c - the realm/space/stack controller through the in-process
 * client: the pre/post/created flags, results, undo and purge, against the harness
 * containerd and cgroup2 view (and under ASan, for leaks). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/controller/client.h"
#include "common/fs.h"
#include "common/mem.h"
#include "common/strv.h"
#include "tests/unit/tap.h"

struct env {
	char *run_path, *root;
	const char *sock;
};

static void bad_configuration_is_refused(void)
{
	struct kk_local_opts o = { .run_path = "/tmp/x",
				   .containerd_socket = "/x",
				   .cgroup_root = "/" };
	struct kk_client *c = NULL;
	struct kk_err err = { 0 };

	TAP_INT_EQ(kk_client_local_new(&o, &c, &err), -1);
	TAP_STR_EQ(err.msg, "cgroupRoot \"/\" resolves to root: server configuration is invalid");
	TAP_OK(c == NULL, "no client on failure");
}

static struct kk_client *open_client(const struct env *e, const char *root)
{
	struct kk_local_opts o = { .run_path = e->run_path,
				   .containerd_socket = e->sock,
				   .cgroup_root = root ? root : e->root };
	struct kk_client *c = NULL;
	struct kk_err err = { 0 };

	if (kk_client_local_new(&o, &c, &err) < 0)
		fprintf(stderr, "# %s\n", err.msg);
	return c;
}

static void realm_flags(const struct env *e)
{
	cleanup_(kk_client_freep) struct kk_client *c = open_client(e, NULL);
	struct kk_realm req = { .meta.name = "unitr" };
	struct kk_realm_create_result r = { 0 };
	struct kk_realm_get_result g = { 0 };
	struct kk_delete_result d = { 0 };
	struct kk_list_result list = { 0 };
	struct kk_err err = { 0 };

	TAP_STR_EQ(c->t->name, "in-process");
	TAP_INT_EQ(kk_call_realm_create(c, &(struct kk_doc){ KK_KIND_REALM, { .realm = &req } }, &r,
					&err),
		   0);
	TAP_OK(r.level.created && r.ns_created && r.level.cgroup_created &&
		       r.level.metadata_exists_post && !r.level.metadata_exists_pre &&
		       !r.ns_exists_pre && !r.level.cgroup_exists_pre,
	       "new realm: everything created");
	TAP_STR_EQ(r.realm->spec.namespace_, "unitr.kukeon.io");
	TAP_STR_EQ(kk_labels_get(&r.realm->meta.labels, "realm.kukeon.io"), "unitr.kukeon.io");
	TAP_INT_EQ(r.realm->status.state, KK_REALM_READY);
	kk_realm_create_result_clear(&r);

	TAP_INT_EQ(kk_call_realm_create(c, &(struct kk_doc){ KK_KIND_REALM, { .realm = &req } }, &r,
					&err),
		   0);
	TAP_OK(!r.level.created && !r.ns_created && !r.level.cgroup_created &&
		       r.level.metadata_exists_pre && r.ns_exists_pre && r.level.cgroup_exists_pre,
	       "second create: everything already existed");
	kk_realm_create_result_clear(&r);

	TAP_INT_EQ(kk_call_realm_get(c, &(struct kk_ref){ .name = " unitr " }, &g, &err), 0);
	TAP_STR_EQ(g.realm->meta.name, "unitr");
	kk_realm_get_result_clear(&g);
	TAP_INT_EQ(kk_call_realm_list(c, &(struct kk_ref){ 0 }, &list, &err), 0);
	TAP_INT_EQ(list.n, 1);
	kk_list_result_clear(&list);

	TAP_INT_EQ(kk_call_realm_delete(c, &(struct kk_ref){ .name = "unitr" }, &d, &err), 0);
	TAP_OK(d.metadata_deleted && d.cgroup_deleted && d.ns_deleted, "delete: all three went");
	TAP_OK(d.realm && !strcmp(d.realm->meta.name, "unitr") &&
		       d.realm->status.state == KK_REALM_READY,
	       "delete: the realm as it was found");
	{
		cleanup_free char *tokens = kk_strv_join(d.deleted, ",");

		TAP_STR_EQ(tokens, "metadata,cgroup,namespace");
	}
	kk_delete_result_clear(&d);
	TAP_INT_EQ(kk_call_realm_get(c, &(struct kk_ref){ .name = "unitr" }, &g, &err), -1);
	TAP_INT_EQ(err.code, ENOENT);
	TAP_STR_EQ(err.msg, "realm \"unitr\" not found");
}

static void space_and_stack(const struct env *e)
{
	cleanup_(kk_client_freep) struct kk_client *c = open_client(e, NULL);
	struct kk_realm realm = { .meta.name = "units" };
	struct kk_space space = { .meta.name = "sp", .spec.realm_id = "units" };
	struct kk_stack stack = { .meta.name = "st",
				  .spec.realm_id = "units",
				  .spec.space_id = "sp" };
	struct kk_realm_create_result rr = { 0 };
	struct kk_space_create_result sr = { 0 };
	struct kk_stack_create_result tr = { 0 };
	struct kk_delete_result d = { 0 };
	struct kk_list_result stacks = { 0 };
	struct kk_err err = { 0 };

	TAP_INT_EQ(kk_call_space_create(c, &(struct kk_doc){ KK_KIND_SPACE, { .space = &space } },
					&sr, &err),
		   -1);
	TAP_STR_EQ(err.msg, "realm \"units\" not found");
	err = (struct kk_err){ 0 };
	TAP_INT_EQ(kk_ctl_realm_create(c->impl, &realm, false, &rr, &err), 0);
	TAP_OK(!rr.realm->meta.labels.set, "apply-style create injects no labels");
	kk_realm_create_result_clear(&rr);
	TAP_INT_EQ(kk_call_space_create(c, &(struct kk_doc){ KK_KIND_SPACE, { .space = &space } },
					&sr, &err),
		   0);
	TAP_OK(sr.level.created && sr.cni_created && sr.level.cgroup_created, "space: all created");
	TAP_OK(strstr(sr.space->spec.cni_config_path, "/data/units/sp/network.conflist") != NULL,
	       "cniConfigPath is the conflist file");
	kk_space_create_result_clear(&sr);
	TAP_INT_EQ(kk_call_stack_create(c, &(struct kk_doc){ KK_KIND_STACK, { .stack = &stack } },
					&tr, &err),
		   0);
	TAP_STR_EQ(tr.stack->spec.id, "st");
	TAP_OK(tr.level.created && tr.level.cgroup_created, "stack: created");
	kk_stack_create_result_clear(&tr);
	TAP_INT_EQ(kk_call_stack_list(c, &(struct kk_ref){ 0 }, &stacks, &err), 0);
	TAP_INT_EQ(stacks.n, 1);
	kk_list_result_clear(&stacks);

	TAP_INT_EQ(kk_call_realm_delete(c, &(struct kk_ref){ .name = "units" }, &d, &err), -1);
	TAP_INT_EQ(err.code, EBUSY);
	TAP_OK(!d.realm && !d.deleted, "a failed delete leaves a zero result");
	err = (struct kk_err){ 0 };
	TAP_INT_EQ(kk_call_realm_delete(c, &(struct kk_ref){ .name = "units", .cascade = true }, &d,
					&err),
		   0);
	TAP_INT_EQ(d.n_cascaded, 1);
	{
		cleanup_free char *tokens = kk_strv_join(d.deleted, ",");

		TAP_STR_EQ(tokens, "space:sp,metadata,cgroup,namespace");
	}
	kk_delete_result_clear(&d);
}

static void purge_without_metadata(const struct env *e)
{
	cleanup_(kk_client_freep) struct kk_client *c = open_client(e, NULL);
	struct kk_realm realm = { .meta.name = "unitp" };
	struct kk_realm_create_result rr = { 0 };
	struct kk_delete_result d = { 0 };
	struct kk_err err = { 0 };
	cleanup_free char *meta = kk_xasprintf("%s/data/unitp/metadata.json", e->run_path);

	TAP_INT_EQ(kk_call_realm_create(c, &(struct kk_doc){ KK_KIND_REALM, { .realm = &realm } },
					&rr, &err),
		   0);
	kk_realm_create_result_clear(&rr);
	unlink(meta);
	TAP_INT_EQ(kk_call_realm_purge(c, &(struct kk_ref){ .name = "unitp" }, &d, &err), 0);
	TAP_OK(d.ns_deleted && d.cgroup_deleted,
	       "purge without metadata takes namespace and cgroup");
	TAP_OK(d.realm && d.realm->status.state == KK_REALM_UNKNOWN &&
		       !strcmp(d.realm->spec.namespace_, "unitp.kukeon.io"),
	       "purge without metadata: upstream's stand-in realm");
	TAP_OK(!d.realm_deleted && d.purge_succeeded && d.deleted && !d.deleted[0],
	       "purge without metadata: RealmDeleted false, Deleted []");
	TAP_INT_EQ(kk_strv_len(d.purged), 3);
	kk_delete_result_clear(&d);
}

static void other_cgroup_root_is_refused(const struct env *e)
{
	cleanup_(kk_client_freep) struct kk_client *c = open_client(e, "/unit-other");
	struct kk_realm realm = { .meta.name = "unito" };
	struct kk_realm_create_result rr = { 0 };
	struct kk_err err = { 0 };

	TAP_INT_EQ(kk_call_realm_create(c, &(struct kk_doc){ KK_KIND_REALM, { .realm = &realm } },
					&rr, &err),
		   -1);
	TAP_OK(strstr(err.msg, "kukeon instance mismatch") != NULL, "instance mismatch: %s",
	       err.msg);
}

int main(void)
{
	struct env e = { 0 };
	char tmpl[] = "/tmp/kk-hier-XXXXXX";

	bad_configuration_is_refused();
	e.sock = tap_getenv_or_skip("KUKEON_CONTAINERD_SOCKET");
	if (!e.sock)
		return tap_done();
	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) < 0) {
		TAP_SKIP("no cgroup v2 mount at /sys/fs/cgroup (run inside tests/harness/run.sh)");
		return tap_done();
	}
	if (!mkdtemp(tmpl)) {
		TAP_OK(0, "mkdtemp `%s`: %s", tmpl, strerror(errno));
		return tap_done();
	}
	e.run_path = kk_xasprintf("%s/run", tmpl);
	e.root = kk_xasprintf("/unit-hier-%d", (int)getpid());
	realm_flags(&e);
	space_and_stack(&e);
	purge_without_metadata(&e);
	other_cgroup_root_is_refused(&e);
	kk_rm_rf(tmpl, &(struct kk_err){ 0 });
	free(e.run_path);
	free(e.root);
	return tap_done();
}
