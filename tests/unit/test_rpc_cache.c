/* tests/unit/test_rpc_cache.c - kukeond's reply cache (common/rpc/cache.h) and what it
 * rests on: the store's read sets and write generation (common/store/readset.h), and the
 * resumable framing scan. On a scratch run path; no containerd is needed for these calls. */
#include "common/rpc/cache.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/controller/local.h"
#include "common/fs.h"
#include "common/mem.h"
#include "common/rpc/server.h"
#include "common/rpc/wire.h"
#include "common/store/readset.h"
#include "common/store/store.h"
#include "tests/unit/tap.h"

static const char list_realms[] = "{\"method\":\"KukeonV1.ListRealms\",\"params\":[{}],\"id\":7}";

static char *realm_doc(const char *name, const char *label)
{
	return kk_xasprintf("{\"apiVersion\":\"v1beta1\",\"kind\":\"Realm\",\"metadata\":{\"name\":"
			    "\"%s\",\"labels\":{\"x\":\"%s\"}},\"spec\":{\"namespace\":\"%s.kukeon"
			    ".io\"},\"status\":{\"state\":\"Ready\"}}\n",
			    name, label, name);
}

/* A realm written as another process would: its own store (so its own generation bump). */
static void put_realm(const char *run, const char *name, const char *label)
{
	cleanup_(kk_store_freep) struct kk_store *st = kk_store_new(run);
	cleanup_free char *doc = realm_doc(name, label);
	struct kk_err err = { 0 };

	if (kk_store_write(st, &(struct kk_store_ref){ .realm = name }, doc, strlen(doc), &err) <
	    0)
		TAP_OK(0, "write realm %s: %s", name, err.msg);
}

static char *serve(struct kk_rpc_cache *cache, struct kk_local *l, const char *msg)
{
	struct kk_err err = { 0 };
	char *reply = NULL;

	if (kk_rpc_serve_message(cache, l, msg, strlen(msg), NULL, &reply, NULL, &err) < 0)
		TAP_OK(0, "serve: %s", err.msg);
	return reply;
}

/* The cache must answer exactly what the call itself answers, now. */
static void same_as_uncached(struct kk_rpc_cache *cache, struct kk_local *l, const char *msg,
			     const char *what)
{
	cleanup_free char *plain = serve(NULL, l, msg);
	cleanup_free char *cached = serve(cache, l, msg);

	TAP_OK(plain && cached && strcmp(plain, cached) == 0, "%s: the cached reply is the call's",
	       what);
}

static void replies_follow_every_kind_of_change(const char *dir)
{
	cleanup_free char *run = kk_xasprintf("%s/run", dir);
	cleanup_free char *meta = kk_xasprintf("%s/data/r2/metadata.json", run);
	cleanup_(kk_rpc_cache_freep) struct kk_rpc_cache *cache = kk_rpc_cache_new(1 << 20);
	struct kk_local_opts o = { .run_path = run, .containerd_socket = "/nonexistent" };
	struct kk_local *l = NULL;
	struct kk_err err = { 0 };

	TAP_INT_EQ(kk_local_new(&o, &l, &err), 0);
	same_as_uncached(cache, l, list_realms, "no realm yet");
	put_realm(run, "r1", "a");
	put_realm(run, "r2", "a");
	same_as_uncached(cache, l, list_realms, "two realms written by another store");
	same_as_uncached(cache, l, list_realms, "the same, from the cache");
	{
		cleanup_free char *r = serve(cache, l, list_realms);

		TAP_OK(strstr(r, "\"r1\"") && strstr(r, "\"r2\""), "both realms listed");
	}
	put_realm(run, "r2", "b"); /* same size, moments later: the generation tells */
	same_as_uncached(cache, l, list_realms, "a rewrite of the same size");
	{
		/* an editor: in place, no generation bump, a different size */
		cleanup_free char *doc = realm_doc("r2", "edited-by-hand");
		int fd = open(meta, O_WRONLY | O_TRUNC);

		TAP_OK(fd >= 0 && write(fd, doc, strlen(doc)) == (ssize_t)strlen(doc),
		       "edit r2 in place");
		if (fd >= 0)
			close(fd);
	}
	same_as_uncached(cache, l, list_realms, "an edit that bypasses the store");
	{
		cleanup_free char *r = serve(cache, l, list_realms);

		TAP_OK(strstr(r, "edited-by-hand") != NULL, "the edit is seen");
	}
	TAP_INT_EQ(unlink(meta), 0);
	same_as_uncached(cache, l, list_realms, "a metadata file removed by hand");
	{
		const char *get = "{\"method\":\"KukeonV1.GetRealm\",\"params\":[{\"Doc\":{"
				  "\"metadata\":{\"name\":\"r9\"}}}],\"id\":1}";
		cleanup_free char *missing = serve(cache, l, get);

		TAP_OK(strstr(missing, "not found") != NULL, "GetRealm of a missing realm: %s",
		       missing);
		put_realm(run, "r9", "a");
		same_as_uncached(cache, l, get, "a realm created after a not-found");
	}
	kk_local_free(l);
}

static void readset_sees_times_and_absence(const char *dir)
{
	cleanup_free char *f = kk_xasprintf("%s/f", dir);
	struct kk_store_readset *rs = kk_store_readset_new();
	struct kk_err err = { 0 };

	TAP_INT_EQ(kk_write_atomic(f, ".t-", "x", 1, 0644, &err), 0);
	kk_store_readset_note(rs, f);
	TAP_OK(kk_store_readset_unchanged(rs), "untouched: unchanged");
	TAP_INT_EQ(utimensat(AT_FDCWD, f, (struct timespec[]){ { 1, 0 }, { 1, 0 } }, 0), 0);
	TAP_OK(!kk_store_readset_unchanged(rs), "a new mtime: changed");
	kk_store_readset_free(rs);
	rs = kk_store_readset_new();
	unlink(f);
	kk_store_readset_note(rs, f);
	TAP_OK(kk_store_readset_unchanged(rs), "still absent: unchanged");
	TAP_INT_EQ(kk_write_atomic(f, ".t-", "x", 1, 0644, &err), 0);
	TAP_OK(!kk_store_readset_unchanged(rs), "absent, then present: changed");
	kk_store_readset_free(rs);
}

/* Paths in several directories are checked from the one they share: a rewrite below it
 * is seen, as is an entry that goes. */
static void readset_sees_changes_below_a_shared_dir(const char *dir)
{
	cleanup_free char *top = kk_xasprintf("%s/many", dir);
	cleanup_free char *d1 = kk_xasprintf("%s/r1", top);
	cleanup_free char *d2 = kk_xasprintf("%s/r2", top);
	cleanup_free char *f1 = kk_xasprintf("%s/m", d1);
	cleanup_free char *f2 = kk_xasprintf("%s/m", d2);
	struct kk_store_readset *rs = kk_store_readset_new();
	struct kk_err err = { 0 };

	TAP_INT_EQ(kk_mkdir_p(d1, 0755, &err), 0);
	TAP_INT_EQ(kk_mkdir_p(d2, 0755, &err), 0);
	TAP_INT_EQ(kk_write_atomic(f1, ".t-", "one", 3, 0644, &err), 0);
	TAP_INT_EQ(kk_write_atomic(f2, ".t-", "two", 3, 0644, &err), 0);
	kk_store_readset_note(rs, top);
	kk_store_readset_note(rs, f1);
	kk_store_readset_note(rs, f2);
	TAP_OK(kk_store_readset_unchanged(rs), "three paths untouched: unchanged");
	TAP_INT_EQ(kk_write_atomic(f2, ".t-", "TWO", 3, 0644, &err), 0);
	TAP_OK(!kk_store_readset_unchanged(rs), "a file rewritten two levels down: changed");
	kk_store_readset_free(rs);
	rs = kk_store_readset_new();
	kk_store_readset_note(rs, f1);
	kk_store_readset_note(rs, f2);
	TAP_OK(kk_store_readset_unchanged(rs), "noted again: unchanged");
	unlink(f1);
	TAP_OK(!kk_store_readset_unchanged(rs), "a file gone: changed");
	kk_store_readset_free(rs);
}

static void generation_is_shared_between_stores(const char *dir)
{
	cleanup_free char *run = kk_xasprintf("%s/gen", dir);
	cleanup_(kk_store_freep) struct kk_store *a = kk_store_new(run);
	cleanup_(kk_store_freep) struct kk_store *b = kk_store_new(run);
	struct kk_err err = { 0 };
	uint64_t g0 = 0, g1 = 0;
	const char *doc = "{}\n";

	TAP_INT_EQ(kk_store_generation(a, &g0, &err), 0);
	TAP_INT_EQ(kk_store_write(b, &(struct kk_store_ref){ .realm = "x" }, doc, 3, &err), 0);
	TAP_INT_EQ(kk_store_generation(a, &g1, &err), 0);
	TAP_OK(g1 == g0 + 1, "a write through one store is seen by the other (%llu -> %llu)",
	       (unsigned long long)g0, (unsigned long long)g1);
	TAP_INT_EQ(kk_store_delete(b, &(struct kk_store_ref){ .realm = "x" }, &err), 1);
	TAP_INT_EQ(kk_store_generation(a, &g0, &err), 0);
	TAP_OK(g0 == g1 + 1, "and so is a delete");
}

static void evicts_least_recently_used(void)
{
	cleanup_(kk_rpc_cache_freep) struct kk_rpc_cache *c = kk_rpc_cache_new(3000);
	char big[1200];
	char *got;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	kk_rpc_cache_put(c, "a", 1, big, kk_store_readset_new());
	kk_rpc_cache_put(c, "b", 1, big, kk_store_readset_new());
	got = kk_rpc_cache_get(c, "a", 1); /* a is now the most recent */
	TAP_OK(got != NULL, "a kept");
	free(got);
	kk_rpc_cache_put(c, "c", 1, big, kk_store_readset_new()); /* over budget: b goes */
	got = kk_rpc_cache_get(c, "b", 1);
	TAP_OK(got == NULL, "b, the least recently used, evicted");
	free(got);
	got = kk_rpc_cache_get(c, "a", 2);
	TAP_OK(got == NULL, "another generation: no reply");
	free(got);
	got = kk_rpc_cache_get(c, "c", 1);
	TAP_OK(got != NULL, "c kept");
	free(got);
	{
		cleanup_free char *huge = kk_xmalloc(4000);

		memset(huge, 'y', 3999);
		huge[3999] = '\0';
		kk_rpc_cache_put(c, "huge", 1, huge, kk_store_readset_new());
		got = kk_rpc_cache_get(c, "huge", 1);
		TAP_OK(got == NULL, "a reply over the whole budget is not kept");
		free(got);
		got = kk_rpc_cache_get(c, "c", 1);
		TAP_OK(got != NULL, "and evicts nothing");
		free(got);
	}
}

static void scan_resumes_where_it_stopped(void)
{
	const char *msg = " {\"a\":\"}{\\\"\",\"b\":[1,{\"c\":[]}]}{\"next\":1}";
	size_t whole = (size_t)kk_wire_scan(msg, strlen(msg));
	struct kk_wire_scanner s = { 0 };
	long end = 0;
	size_t n;

	for (n = 0; n <= strlen(msg) && end == 0; n++)
		end = kk_wire_scan_more(&s, msg, n);
	TAP_INT_EQ(end, (long)whole);
	TAP_OK(n - 1 == whole, "complete exactly at its last byte");
	TAP_OK(s.pos == 0 && s.depth == 0 && !s.started, "the scanner is reset for the next");
	s = (struct kk_wire_scanner){ 0 };
	TAP_INT_EQ(kk_wire_scan_more(&s, "  ", 2), 0);
	TAP_INT_EQ(kk_wire_scan_more(&s, "  x", 3), -1);
}

int main(void)
{
	char dir[] = "/tmp/kk-rpc-cache-XXXXXX";
	struct kk_err err = { 0 };

	if (!mkdtemp(dir)) {
		TAP_SKIP("mkdtemp failed");
		return tap_done();
	}
	replies_follow_every_kind_of_change(dir);
	readset_sees_times_and_absence(dir);
	readset_sees_changes_below_a_shared_dir(dir);
	generation_is_shared_between_stores(dir);
	evicts_least_recently_used();
	scan_resumes_where_it_stopped();
	kk_rm_rf(dir, &err);
	return tap_done();
}
