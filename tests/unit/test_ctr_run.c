/* tests/unit/test_ctr_run.c - the one-shot run path: busybox (imported with `ctr images
 * import`) runs `echo hello`, the output comes back through the log file, and `ctr` sees
 * no container, task or snapshot left. Also: image rootfs and chain ids. */
#include "ctr/ctr.h"

#include <errno.h>
#include <unistd.h>

#include "tests/unit/ctr_testlib.h"

#define NS "test-run"

static char *read_text(const char *path)
{
	return t_sh("cat '%s' 2>/dev/null", path);
}

static void chain_id_follows_the_spec(void)
{
	/* the OCI image spec's example */
	const char *ids[] = {
		"sha256:a9561eb1b190625c9adb5a9513e72c4dedafc1cb2d4c5236c9a6957ec7dfd5a9",
		"sha256:4da4a5a8a9a4e8e7d5c5f0e0e2b2d3f7e9f0c2c4c1c2b2a2b2c2d2e2f2a2b2c2",
	};
	cleanup_free char *one = NULL, *two = NULL, *want = NULL;
	struct kk_err err = { 0 };

	TAP_INT_EQ(ctr_chain_id(ids, 1, &one, &err), 0);
	TAP_STR_EQ(one, ids[0]);
	TAP_INT_EQ(ctr_chain_id(ids, 2, &two, &err), 0);
	want = t_sh("printf '%%s' '%s %s' | sha256sum | cut -c1-64", ids[0], ids[1]);
	TAP_OK(strncmp(two, "sha256:", 7) == 0 && strncmp(two + 7, want, 64) == 0,
	       "chain(1) = sha256(chain(0) + \" \" + diff_id(1))");
	TAP_INT_EQ(ctr_chain_id(ids, 0, &one, &err), -1);
}

static bool import_busybox(void)
{
	cleanup_free char *out = t_sh("$CTR -n " NS " images import \"$KUKEON_TEST_BUSYBOX_TAR\" "
				      ">/dev/null 2>&1 && echo ok");

	TAP_STR_EQ(out, "ok\n");
	return strcmp(out, "ok\n") == 0;
}

static void image_rootfs_matches_ctr(struct ctr_conn *conn, const char *ref)
{
	struct ctr_image_rootfs r = { 0 };
	struct kk_err err = { 0 };
	cleanup_free char *snaps = t_sh("$CTR -n " NS " snapshots ls | awk 'NR>1 {print $1}'");

	TAP_OK(ctr_image_rootfs(conn, ref, &r, &err) == 0, "image rootfs: %s", err.msg);
	if (!r.chain_id)
		return;
	TAP_OK(strstr(snaps, r.chain_id) != NULL, "the chain id is the unpacked snapshot (%s)",
	       r.chain_id);
	TAP_OK(r.env && r.env[0], "the image config has env");
	ctr_image_rootfs_clear(&r);
	TAP_INT_EQ(ctr_image_rootfs(conn, "docker.io/library/nope:1", &r, &err), -1);
	TAP_INT_EQ(err.code, ENOENT);
	TAP_STR_EQ(err.msg, "images.Get `docker.io/library/nope:1`: not found");
}

static void nothing_left(const char *what)
{
	cleanup_free char *c = t_sh("$CTR -n " NS " containers ls -q | wc -l");
	cleanup_free char *t = t_sh("$CTR -n " NS " tasks ls | tail -n +2 | wc -l");
	cleanup_free char *s = t_sh("$CTR -n " NS " snapshots ls | tail -n +2 | wc -l");
	cleanup_free char *l = t_sh("$CTR -n " NS " leases ls -q | wc -l");

	TAP_OK(strcmp(c, "0\n") == 0, "%s: no container left (%d)", what, atoi(c));
	TAP_OK(strcmp(t, "0\n") == 0, "%s: no task left (%d)", what, atoi(t));
	/* only the image's own layer */
	TAP_OK(strcmp(s, "1\n") == 0, "%s: one snapshot, the image's (%d)", what, atoi(s));
	TAP_OK(strcmp(l, "0\n") == 0, "%s: no lease left (%d)", what, atoi(l));
}

static void oneshot_echo_hello(struct ctr_conn *conn, const char *ref)
{
	const char *const args[] = { "echo", "hello", NULL };
	/* stderr reaches the log too; the pause is for containerd 1.6's shim, whose stdout
	 * copier closes the shared log file at EOF even if stderr's copier has not yet
	 * written what the process wrote just before exiting (see ctr_log_uri) */
	const char *const args_fail[] = { "sh", "-c", "echo oops >&2; sleep 0.3; exit 3", NULL };
	cleanup_free char *log = kk_xasprintf("%s/run-hello.log", getenv("KUKEON_TEST_TMP"));
	cleanup_free char *log2 = kk_xasprintf("%s/run-fail.log", getenv("KUKEON_TEST_TMP"));
	cleanup_free char *text = NULL, *text2 = NULL;
	struct ctr_run_opts o = { .id = "hello",
				  .image = ref,
				  .args = args,
				  .log_path = log,
				  .timeout_ms = 30000 };
	struct kk_err err = { 0 };
	int status = -1;

	TAP_OK(ctr_run_oneshot(conn, &o, &status, &err) == 0, "one-shot run: %s", err.msg);
	TAP_INT_EQ(status, 0);
	text = read_text(log);
	TAP_STR_EQ(text, "hello\n");
	nothing_left("after a run");

	o.id = "fail";
	o.args = args_fail;
	o.log_path = log2;
	TAP_OK(ctr_run_oneshot(conn, &o, &status, &err) == 0, "failing command runs: %s", err.msg);
	TAP_INT_EQ(status, 3);
	text2 = read_text(log2);
	TAP_STR_EQ(text2, "oops\n");
	nothing_left("after a failing command");

	o.id = "nocmd";
	o.args = (const char *const[]){ "/no/such/binary", NULL };
	TAP_INT_EQ(ctr_run_oneshot(conn, &o, &status, &err), -1);
	TAP_OK(strncmp(err.msg, "run `nocmd`: ", 13) == 0, "the error names the run: %s", err.msg);
	nothing_left("after a command that cannot start");

	o.id = "noimage";
	o.image = "docker.io/library/nope:1";
	TAP_INT_EQ(ctr_run_oneshot(conn, &o, &status, &err), -1);
	TAP_INT_EQ(err.code, ENOENT);
	TAP_STR_EQ(err.msg, "run `noimage`: images.Get `docker.io/library/nope:1`: not found");

	o.image = ref;
	o.log_path = "relative.log";
	TAP_INT_EQ(ctr_run_oneshot(conn, &o, &status, &err), -1);
	TAP_INT_EQ(err.code, EINVAL);
	TAP_STR_EQ(err.msg, "run `noimage`: log file `relative.log`: absolute path needed");
	unlink(log);
	unlink(log2);
}

int main(void)
{
	const char *ref = getenv("KUKEON_TEST_BUSYBOX_REF");
	cleanup_(ctr_disconnectp) struct ctr_conn *conn = NULL;

	chain_id_follows_the_spec();
	conn = t_connect(NS);
	if (!conn || !ref || !import_busybox())
		return tap_done();
	image_rootfs_matches_ctr(conn, ref);
	oneshot_echo_hello(conn, ref);
	return tap_done();
}
