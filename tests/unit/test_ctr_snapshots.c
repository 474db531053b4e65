/* tests/unit/test_ctr_snapshots.c - the Snapshots and Diff services: a layer tarball is
 * written as content, applied onto a prepared snapshot, committed under its diff_id, and
 * viewed; stat, list, mounts, remove; not-found and already-exists. */
#include "ctr/ctr.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/unit/ctr_testlib.h"

#define NS "test-snapshots"
#define SN "overlayfs"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rbe");
	char *buf;
	long size;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	buf = kk_xmalloc((size_t)size + 1);
	*len = fread(buf, 1, (size_t)size, f);
	fclose(f);
	return buf;
}

static void layer_apply_commit_view(struct ctr_conn *conn)
{
	const char *tmp = getenv("KUKEON_TEST_TMP");
	cleanup_free char *tarpath = kk_xasprintf("%s/layer.tar", tmp);
	cleanup_free char *out = NULL, *layer = NULL, *dgst = NULL, *file = NULL, *ls = NULL;
	cleanup_free char *ls2 = NULL;
	struct ctr_desc diff = { 0 }, applied = { 0 };
	struct ctr_mounts mounts = { 0 };
	struct ctr_snapshot info = { 0 }, *list = NULL;
	struct ctr_labels labels = { 0 };
	struct kk_err err = { 0 };
	size_t len = 0, n = 0;
	struct stat st;

	out = t_sh("set -e; d=$KUKEON_TEST_TMP/layer; mkdir -p $d/etc; echo layer-file >$d/etc/hello;"
		   " tar -C $d -cf '%s' etc && echo ok", tarpath);
	TAP_STR_EQ(out, "ok\n");
	layer = slurp(tarpath, &len);
	TAP_OK(layer && len > 0, "layer tarball made");
	if (!layer)
		return;
	dgst = t_digest(layer, len);
	TAP_OK(ctr_content_write_all(conn, "layer", layer, len, dgst, NULL, &err) == 0,
	       "layer written: %s", err.msg);

	TAP_OK(ctr_snapshot_prepare(conn, SN, "extract-1", NULL, NULL, &mounts, &err) == 0,
	       "prepare: %s", err.msg);
	TAP_OK(mounts.n >= 1, "prepare gives mounts");
	TAP_INT_EQ(ctr_snapshot_prepare(conn, SN, "extract-1", NULL, NULL, NULL, &err), -1);
	TAP_INT_EQ(err.code, EEXIST);
	TAP_STR_EQ(err.msg, "snapshots.Prepare `extract-1`: already exists");

	diff.media_type = kk_xstrdup("application/vnd.oci.image.layer.v1.tar");
	diff.digest = kk_xstrdup(dgst);
	diff.size = (int64_t)len;
	TAP_OK(ctr_diff_apply(conn, &diff, &mounts, &applied, &err) == 0, "diff apply: %s",
	       err.msg);
	TAP_STR_EQ(applied.digest, dgst); /* uncompressed: the diff_id is the blob digest */
	ctr_desc_clear(&applied);
	if (mounts.n == 1 && strcmp(mounts.m[0].type, "bind") == 0) {
		file = kk_xasprintf("%s/etc/hello", mounts.m[0].source);
		TAP_OK(stat(file, &st) == 0 && st.st_size == 11, "the file landed in the snapshot");
	} else {
		TAP_OK(0, "expected one bind mount for a snapshot without parent");
	}
	ctr_mounts_clear(&mounts);

	ctr_labels_set(&labels, "containerd.io/snapshot.ref", dgst);
	TAP_OK(ctr_snapshot_commit(conn, SN, dgst, "extract-1", &labels, &err) == 0, "commit: %s",
	       err.msg);
	ctr_labels_clear(&labels);
	TAP_OK(ctr_snapshot_stat(conn, SN, dgst, &info, &err) == 0, "stat: %s", err.msg);
	TAP_INT_EQ(info.kind, CTR_SNAPSHOT_COMMITTED);
	TAP_STR_EQ(info.parent, "");
	ctr_snapshot_clear(&info);
	TAP_INT_EQ(ctr_snapshot_stat(conn, SN, "extract-1", &info, &err), -1);
	TAP_INT_EQ(err.code, ENOENT);
	TAP_STR_EQ(err.msg, "snapshots.Stat `extract-1`: not found");

	TAP_OK(ctr_snapshot_view(conn, SN, "view-1", dgst, NULL, &mounts, &err) == 0, "view: %s",
	       err.msg);
	TAP_OK(mounts.n >= 1, "view gives mounts");
	ctr_mounts_clear(&mounts);
	TAP_OK(ctr_snapshot_prepare(conn, SN, "rw-1", dgst, NULL, NULL, &err) == 0,
	       "prepare on the layer: %s", err.msg);
	TAP_OK(ctr_snapshot_mounts(conn, SN, "rw-1", &mounts, &err) == 0, "mounts: %s", err.msg);
	TAP_OK(mounts.n == 1 && strcmp(mounts.m[0].type, "overlay") == 0, "an overlay mount");
	ctr_mounts_clear(&mounts);
	TAP_OK(ctr_snapshot_stat(conn, SN, "rw-1", &info, &err) == 0, "stat active");
	TAP_INT_EQ(info.kind, CTR_SNAPSHOT_ACTIVE);
	TAP_STR_EQ(info.parent, dgst);
	ctr_snapshot_clear(&info);

	TAP_OK(ctr_snapshot_list(conn, SN, NULL, &list, &n, &err) == 0, "list: %s", err.msg);
	TAP_INT_EQ(n, 3);
	ctr_snapshot_list_free(list, n);
	ls = t_sh("$CTR -n " NS " snapshots --snapshotter " SN " ls | tail -n +2 | wc -l");
	TAP_STR_EQ(ls, "3\n");

	TAP_INT_EQ(ctr_snapshot_remove(conn, SN, dgst, &err), -1);
	TAP_INT_EQ(err.code, EBUSY); /* it has children */
	TAP_OK(ctr_snapshot_remove(conn, SN, "rw-1", &err) == 0, "remove rw-1: %s", err.msg);
	TAP_OK(ctr_snapshot_remove(conn, SN, "view-1", &err) == 0, "remove view-1");
	TAP_OK(ctr_snapshot_remove(conn, SN, dgst, &err) == 0, "remove layer: %s", err.msg);
	TAP_INT_EQ(ctr_snapshot_remove(conn, SN, dgst, &err), -1);
	TAP_INT_EQ(err.code, ENOENT);
	ls2 = t_sh("$CTR -n " NS " snapshots --snapshotter " SN " ls | tail -n +2 | wc -l");
	TAP_STR_EQ(ls2, "0\n");

	TAP_INT_EQ(ctr_snapshot_list(conn, "no-such-snapshotter", NULL, &list, &n, &err), -1);
	TAP_OK(err.code != 0 && strstr(err.msg, "no-such-snapshotter"), "unknown snapshotter: %s",
	       err.msg);
	ctr_desc_clear(&diff);
	ctr_content_delete(conn, dgst, &err);
	unlink(tarpath);
}

static void diff_of_missing_blob(struct ctr_conn *conn)
{
	struct ctr_desc diff = { 0 }, applied = { 0 };
	struct ctr_mounts mounts = { 0 };
	struct kk_err err = { 0 };

	TAP_OK(ctr_snapshot_prepare(conn, SN, "extract-2", NULL, NULL, &mounts, &err) == 0,
	       "prepare");
	diff.media_type = kk_xstrdup("application/vnd.oci.image.layer.v1.tar+gzip");
	diff.digest = kk_xstrdup("sha256:2222222222222222222222222222222222222222222222222222222222222222");
	diff.size = 10;
	TAP_INT_EQ(ctr_diff_apply(conn, &diff, &mounts, &applied, &err), -1);
	TAP_OK(err.code == ENOENT || strstr(err.msg, "not found"), "missing layer: %s", err.msg);
	TAP_OK(strncmp(err.msg, "diff.Apply `sha256:2222", 23) == 0, "names the layer");
	ctr_desc_clear(&diff);
	ctr_mounts_clear(&mounts);
	TAP_OK(ctr_snapshot_remove(conn, SN, "extract-2", &err) == 0, "remove");
}

int main(void)
{
	cleanup_(ctr_disconnectp) struct ctr_conn *conn = t_connect(NS);

	if (!conn)
		return tap_done();
	layer_apply_commit_view(conn);
	diff_of_missing_blob(conn);
	return tap_done();
}
