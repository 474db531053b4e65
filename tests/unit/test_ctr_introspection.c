/* tests/unit/test_ctr_introspection.c - plugins and the snapshotters that loaded. */
#include "ctr/ctr.h"

#include "tests/unit/ctr_testlib.h"

static void plugins_and_snapshotters(struct ctr_conn *conn)
{
	static const char *const diff_filter[] = { "type==io.containerd.differ.v1", NULL };
	struct ctr_plugin *list = NULL;
	struct kk_err err = { 0 };
	char **names = NULL;
	size_t n = 0;
	bool overlay = false, native = false;
	cleanup_free char *witness =
		t_sh("$CTR plugins ls | awk '$1 == \"io.containerd.snapshotter.v1\""
		     " && $NF == \"ok\" {print $2}' | sort | tr '\\n' ' '");

	TAP_OK(ctr_plugins(conn, NULL, &list, &n, &err) == 0, "plugins: %s", err.msg);
	TAP_OK(n > 10, "containerd has plugins (%zu)", n);
	ctr_plugin_list_free(list, n);
	TAP_OK(ctr_plugins(conn, diff_filter, &list, &n, &err) == 0, "filtered");
	TAP_OK(n >= 1 && strcmp(list[0].type, "io.containerd.differ.v1") == 0, "only differs");
	ctr_plugin_list_free(list, n);

	TAP_OK(ctr_snapshotters(conn, &names, &err) == 0, "snapshotters: %s", err.msg);
	for (size_t i = 0; names && names[i]; i++) {
		overlay |= strcmp(names[i], "overlayfs") == 0;
		native |= strcmp(names[i], "native") == 0;
	}
	TAP_OK(overlay && native, "overlayfs and native loaded");
	/* same set as ctr reports with status ok */
	{
		cleanup_free char *sorted = NULL;
		cleanup_free char *joined = kk_xstrdup("");

		for (size_t i = 0; names && names[i]; i++) {
			char *j = kk_xasprintf("%s%s\n", joined, names[i]);

			free(joined);
			joined = j;
			free(names[i]);
		}
		sorted = t_sh("printf '%%s' '%s' | sort | tr '\\n' ' '", joined);
		TAP_STR_EQ(sorted, witness);
	}
	free(names);
}

int main(void)
{
	cleanup_(ctr_disconnectp) struct ctr_conn *conn = t_connect(NULL);

	if (!conn)
		return tap_done();
	plugins_and_snapshotters(conn);
	return tap_done();
}
