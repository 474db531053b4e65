/* tests/fuzz/fuzz_state.c - libFuzzer target for the state files kukeon reads back from
 * disk that no other target covers: the events log (`kuke events`, ReadEvents), kukeond's
 * status file (`kuke status`) and a CNI result cache entry (libcni's format, read by DEL
 * and the orphan sweep).
 *
 * The same bytes are written, on tmpfs, as each of the three files, and read by the real
 * readers. The events reader must keep at most the lines the file has, give each event a
 * type, and end with a cursor inside the file; read again from that cursor it finds
 * nothing more. The status reader and the cache reader must answer, or fail with a message. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cni/internal.h"
#include "common/controller/events.h"
#include "common/controller/local.h"
#include "common/controller/ops.h"
#include "common/controller/status.h"
#include "common/fs.h"
#include "tests/fuzz/fuzz.h"

static char root[64];
static struct kk_local *l;

static void clean(void)
{
	static const char *const files[] = { KK_EVENTS_FILE, KK_DAEMON_STATUS_FILE, "cni-cache" };
	char path[128];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", root, files[i]);
		unlink(path);
	}
	kk_local_free(l);
	l = NULL;
	rmdir(root);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct kk_local_opts o = { .run_path = root, .containerd_socket = "/nonexistent" };
	struct kk_err err = { 0 };

	(void)argc;
	(void)argv;
	snprintf(root, sizeof(root), "/dev/shm/kukeon-fuzz-state.%d", (int)getpid());
	mkdir(root, 0700);
	if (kk_local_new(&o, &l, &err) < 0)
		fuzz_fail("kk_local_new", err.msg, "");
	atexit(clean);
	return 0;
}

static void events(const uint8_t *data, size_t size)
{
	struct kk_events_args a = { .cursor = -1, .since_ns = 1 };
	struct kk_events_result r = { 0 };
	struct kk_err err = { 0 };
	size_t lines = 0;

	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (kk_op_events_read(l, &a, &r, &err) < 0) {
		if (!err.msg[0])
			fuzz_fail("reading events failed without a message", "", "");
		return;
	}
	if (r.n > lines)
		fuzz_fail("more events than lines", "", "");
	for (size_t i = 0; i < r.n; i++)
		if (!r.v[i].type)
			fuzz_fail("an event without a type", "", "");
	if (r.cursor < 0 || (size_t)r.cursor > size)
		fuzz_fail("a cursor outside the file", "", "");
	/* from the cursor on: nothing new (unless the batch limit stopped the first read) */
	a.cursor = r.cursor;
	a.inode = r.inode;
	a.since_ns = 0;
	kk_events_result_clear(&r);
	memset(&r, 0, sizeof(r));
	if (kk_op_events_read(l, &a, &r, &err) < 0)
		fuzz_fail("reading events from a cursor failed", err.msg, "");
	kk_events_result_clear(&r);
}

static void status(void)
{
	struct kk_daemon_status s = { 0 };
	struct kk_err err = { 0 };

	if (kk_daemon_status_read(root, &s, &err) < 0) {
		if (!err.msg[0])
			fuzz_fail("reading the status failed without a message", "", "");
		return;
	}
	if (!s.present || !s.version || !s.socket)
		fuzz_fail("a status read without its fields", "", "");
	kk_daemon_status_clear(&s);
}

static void cni_cache(void)
{
	char path[128];
	struct kk_cni_cache_entry e = { 0 };
	struct kk_err err = { 0 };
	int rc;

	snprintf(path, sizeof(path), "%s/cni-cache", root);
	rc = kk_cni_cache_read(path, &e, &err);
	if (rc < 0 && !err.msg[0])
		fuzz_fail("reading a CNI cache entry failed without a message", "", "");
	if (rc == 1)
		kk_cni_cache_entry_clear(&e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_put(root, KK_EVENTS_FILE, data, size);
	fuzz_put(root, KK_DAEMON_STATUS_FILE, data, size);
	fuzz_put(root, "cni-cache", data, size);
	events(data, size);
	status();
	cni_cache();
	return 0;
}
