/* tests/unit/test_store.c - common/store: upstream's paths, atomic writes, the lock between
 * processes, the instance file, and a writer killed mid-write. */
#include "common/store/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/mem.h"
#include "common/store/instance.h"
#include "common/store/paths.h"
#include "common/strv.h"
#include "tests/unit/tap.h"

static void storep(struct kk_store **st)
{
	kk_store_free(*st);
}

static void paths_match_upstream(void)
{
	/* reference: cli-and-manifests §7.2 and §8.1, runtime-and-wire §2 */
	const char *rp = "/opt/kukeon";
	cleanup_free char *a = kk_store_realm_meta_path(rp, "default");
	cleanup_free char *b = kk_store_space_meta_path(rp, "default", "default");
	cleanup_free char *c = kk_store_space_conflist_path(rp, "default", "default");
	cleanup_free char *d = kk_store_space_subnet_path(rp, "kuke-system", "kukeon");
	cleanup_free char *e = kk_store_stack_meta_path(rp, "default", "default", "default");
	cleanup_free char *f = kk_store_cell_meta_path(rp, "default", "default", "default", "web");
	cleanup_free char *g =
		kk_store_container_dir(rp, "default", "default", "default", "web", "nginx");
	cleanup_free char *h =
		kk_store_cell_etc_hosts_path(rp, "default", "default", "default", "web");
	cleanup_free char *i =
		kk_store_container_tty_path(rp, "r", "s", "st", "c", "x", KK_STORE_TTY_SOCKET_FILE);
	cleanup_free char *j =
		kk_store_container_path(rp, "r", "s", "st", "c", "x", KK_STORE_KUKETTY_META);
	cleanup_free char *k = kk_store_instance_path("/opt/kukeon/");
	cleanup_free char *l = kk_store_realm_dir("/opt/kukeon//", "default");
	cleanup_free char *m = kk_store_kuketty_bin_path(rp);
	cleanup_free char *n = kk_store_cell_etc_hostname_path(rp, "r", "s", "st", "c");

	TAP_STR_EQ(a, "/opt/kukeon/data/default/metadata.json");
	TAP_STR_EQ(b, "/opt/kukeon/data/default/default/metadata.json");
	TAP_STR_EQ(c, "/opt/kukeon/data/default/default/network.conflist");
	TAP_STR_EQ(d, "/opt/kukeon/data/kuke-system/kukeon/network.json");
	TAP_STR_EQ(e, "/opt/kukeon/data/default/default/default/metadata.json");
	TAP_STR_EQ(f, "/opt/kukeon/data/default/default/default/web/metadata.json");
	TAP_STR_EQ(g, "/opt/kukeon/data/default/default/default/web/nginx");
	TAP_STR_EQ(h, "/opt/kukeon/data/default/default/default/web/etc-hosts");
	TAP_STR_EQ(i, "/opt/kukeon/data/r/s/st/c/x/tty/socket");
	TAP_STR_EQ(j, "/opt/kukeon/data/r/s/st/c/x/kuketty-metadata.json");
	TAP_STR_EQ(k, "/opt/kukeon/.kukeon-instance.json");
	TAP_STR_EQ(l, "/opt/kukeon/data/default");
	TAP_STR_EQ(m, "/opt/kukeon/bin/kuketty");
	TAP_STR_EQ(n, "/opt/kukeon/data/r/s/st/c/etc-hostname");
}

static void refs_are_checked(void)
{
	cleanup_(storep) struct kk_store *st = kk_store_new("/nonexistent/kk");
	struct kk_err err = { 0 };
	char *out = NULL;

	TAP_INT_EQ(kk_store_meta_path(st, &(struct kk_store_ref){ .realm = ".." }, &out, &err), -1);
	TAP_STR_EQ(err.msg, "store: invalid realm name `..`");
	TAP_INT_EQ(kk_store_meta_path(st, &(struct kk_store_ref){ .realm = "a", .space = "b/c" },
				      &out, &err),
		   -1);
	TAP_STR_EQ(err.msg, "store: invalid space name `b/c`");
	TAP_INT_EQ(kk_store_meta_path(st, &(struct kk_store_ref){ .realm = "a", .stack = "s" },
				      &out, &err),
		   -1);
	TAP_STR_EQ(err.msg, "store: stack `s` given without its space");
	TAP_INT_EQ(kk_store_meta_path(st, &(struct kk_store_ref){ .realm = "" }, &out, &err), -1);
	TAP_INT_EQ(err.code, EINVAL);
	TAP_OK(out == NULL, "no output on failure");
	TAP_INT_EQ(kk_store_meta_path(st, &(struct kk_store_ref){ .realm = "a", .space = "b" },
				      &out, &err),
		   0);
	TAP_STR_EQ(out, "/nonexistent/kk/data/a/b/metadata.json");
	free(out);
}

static int count_tmp_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (strncmp(de->d_name, ".meta-", 6) == 0)
			n++;
	closedir(d);
	return n;
}

static void write_read_list_delete(const char *rp)
{
	cleanup_(storep) struct kk_store *st = kk_store_new(rp);
	struct kk_err err = { 0 };
	struct kk_store_ref realm = { .realm = "main" };
	struct kk_store_ref space = { .realm = "main", .space = "blog" };
	struct kk_store_ref stack = { .realm = "main", .space = "blog", .stack = "web" };
	struct kk_store_ref cell = { .realm = "main",
				     .space = "blog",
				     .stack = "web",
				     .cell = "c1" };
	cleanup_free char *path = NULL;
	cleanup_free char *data = NULL;
	cleanup_free char *rdir = kk_store_realm_dir(rp, "main");
	cleanup_free char *conf = kk_store_space_conflist_path(rp, "main", "blog");
	cleanup_(kk_strv_freep) char **names = NULL;
	struct stat sb;
	size_t len = 0;

	TAP_INT_EQ(kk_store_read(st, &realm, &data, &len, &err), -1);
	TAP_INT_EQ(err.code, ENOENT);
	{
		cleanup_free char *want =
			kk_xasprintf("metadata file `%s/data/main/metadata.json` does not exist",
				     rp);

		TAP_STR_EQ(err.msg, want);
	}
	memset(&err, 0, sizeof(err));
	TAP_INT_EQ(kk_store_list(st, NULL, &names, &err), 0);
	TAP_OK(names == NULL, "no realms in an empty run path");
	TAP_OK(err.code == 0 && !err.msg[0], "a success leaves err empty: %s", err.msg);

	TAP_INT_EQ(kk_store_exists(st, &cell, &err), 0);
	TAP_INT_EQ(kk_store_write(st, &cell, "{\"c\":1}\n", 8, &err), 0);
	TAP_INT_EQ(kk_store_exists(st, &cell, &err), 1);
	TAP_INT_EQ(kk_store_write(st, &realm, "{\"r\":1}\n", 8, &err), 0);
	TAP_INT_EQ(kk_store_write(st, &(struct kk_store_ref){ .realm = "alpha" }, "{}\n", 3, &err),
		   0);
	TAP_INT_EQ(kk_store_write(st, &space, "{}\n", 3, &err), 0);
	TAP_INT_EQ(kk_store_write(st, &realm, "{\"r\":2}\n", 8, &err), 0);
	TAP_INT_EQ(kk_store_read(st, &realm, &data, &len, &err), 0);
	TAP_STR_EQ(data, "{\"r\":2}\n");
	TAP_INT_EQ(len, 8);
	TAP_INT_EQ(kk_store_meta_path(st, &realm, &path, &err), 0);
	TAP_OK(stat(path, &sb) == 0 && (sb.st_mode & 07777) == 0644, "metadata.json is 0644");
	TAP_OK(stat(rdir, &sb) == 0 && (sb.st_mode & 07777) == 02750, "resource dirs are 02750");
	TAP_INT_EQ(count_tmp_files(rdir), 0);
	TAP_INT_EQ(kk_store_write_file(st, NULL, conf, "{}", 2, 0600, &err), 0);
	TAP_OK(stat(conf, &sb) == 0 && (sb.st_mode & 07777) == 0600, "conflist written 0600");
	TAP_INT_EQ(kk_store_write_file(st, NULL, "/etc/kk-nope", "x", 1, 0600, &err), -1);
	TAP_INT_EQ(err.code, EINVAL);

	/* listing: directories only, sorted; files and temp files never show */
	{
		cleanup_free char *junk = kk_xasprintf("%s/data/.meta-zzzzzz.tmp", rp);
		int fd = open(junk, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);

		close(fd);
	}
	TAP_INT_EQ(kk_store_list(st, NULL, &names, &err), 0);
	{
		cleanup_free char *j = kk_strv_join(names, ",");

		TAP_STR_EQ(j, "alpha,main");
	}
	kk_strv_freep(&names);
	TAP_INT_EQ(kk_store_list(st, &space, &names, &err), 0);
	{
		cleanup_free char *j = kk_strv_join(names, ",");

		TAP_STR_EQ(j, "web");
	}
	kk_strv_freep(&names);
	TAP_INT_EQ(kk_store_list(st, &stack, &names, &err), 0);
	{
		cleanup_free char *j = kk_strv_join(names, ",");

		TAP_STR_EQ(j, "c1");
	}
	kk_strv_freep(&names);
	TAP_INT_EQ(kk_store_list(st, &(struct kk_store_ref){ .realm = "nope" }, &names, &err), 0);
	TAP_OK(names == NULL, "children of a missing parent: none");
	TAP_OK(err.code == 0 && !err.msg[0], "and err stays empty: %s", err.msg);
	TAP_INT_EQ(kk_store_list(st, &cell, &names, &err), -1);

	/* upstream's deletes: a realm's dir stays while it has content */
	TAP_INT_EQ(kk_store_delete(st, &realm, &err), 1);
	TAP_OK(stat(rdir, &sb) == 0, "realm dir kept: it still holds a space");
	TAP_INT_EQ(kk_store_delete(st, &realm, &err), 0);
	TAP_INT_EQ(kk_store_delete(st, &(struct kk_store_ref){ .realm = "alpha" }, &err), 1);
	{
		cleanup_free char *adir = kk_store_realm_dir(rp, "alpha");

		TAP_OK(stat(adir, &sb) < 0 && errno == ENOENT,
		       "empty realm dir removed with its file");
	}
	TAP_INT_EQ(kk_store_remove_tree(st, &space, &err), 0);
	TAP_OK(stat(conf, &sb) < 0, "space tree removed with its conflist and stacks");
	TAP_INT_EQ(kk_store_remove_tree(st, &space, &err), 0);
	TAP_INT_EQ(kk_store_cleanup(st, &err), 0);
	{
		cleanup_free char *d = kk_xasprintf("%s/data", rp);

		TAP_INT_EQ(count_tmp_files(d), 0);
	}
}

static void lock_serialises_processes(const char *rp)
{
	cleanup_(storep) struct kk_store *st = kk_store_new(rp);
	struct kk_err err = { 0 };
	int pipefd[2];
	char msg[600] = { 0 };
	int status = 0;
	pid_t child;
	long long t0;
	struct timespec ts;

	TAP_INT_EQ(kk_store_lock(st, 1000, &err), 0);
	TAP_INT_EQ(kk_store_lock(st, 1000, &err), 0); /* recursive */
	kk_store_unlock(st);
	TAP_OK(kk_store_is_locked(st), "still locked after one of two unlocks");
	TAP_OK(pipe2(pipefd, O_CLOEXEC) == 0, "pipe");
	child = fork();
	if (child == 0) {
		struct kk_store *cst = kk_store_new(rp);
		struct kk_err cerr = { 0 };
		int rc;

		/* a write in another process waits for the lock, then gives up */
		kk_store_set_lock_timeout(cst, 200);
		rc = kk_store_write(cst, &(struct kk_store_ref){ .realm = "locked" }, "x", 1,
				    &cerr);
		if (write(pipefd[1], cerr.msg, strlen(cerr.msg)) < 0)
			_exit(3);
		kk_store_free(cst);
		_exit(rc == -1 && cerr.code == ETIMEDOUT ? 0 : 1);
	}
	close(pipefd[1]);
	waitpid(child, &status, 0);
	if (read(pipefd[0], msg, sizeof(msg) - 1) < 0)
		msg[0] = '\0';
	close(pipefd[0]);
	TAP_OK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "writer in another process times out");
	{
		cleanup_free char *want =
			kk_xasprintf("write metadata: store: timed out after 0.2s waiting for lock "
				     "`%s/.kukeon-store.lock` (held by pid %ld)",
				     rp, (long)getpid());

		TAP_STR_EQ(msg, want);
	}
	{
		cleanup_free char *p = kk_store_realm_dir(rp, "locked");
		struct stat sb;

		TAP_OK(stat(p, &sb) < 0, "nothing written by the writer that timed out");
	}

	/* a waiting writer proceeds as soon as the holder lets go */
	child = fork();
	if (child == 0) {
		struct kk_store *cst = kk_store_new(rp);
		struct kk_err cerr = { 0 };
		int rc;

		kk_store_set_lock_timeout(cst, 5000);
		rc = kk_store_write(cst, &(struct kk_store_ref){ .realm = "waited" }, "x", 1,
				    &cerr);
		kk_store_free(cst);
		_exit(rc == 0 ? 0 : 1);
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t0 = ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
	usleep(150 * 1000);
	kk_store_unlock(st);
	TAP_OK(!kk_store_is_locked(st), "unlocked");
	waitpid(child, &status, 0);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	TAP_OK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "waiting writer succeeded");
	TAP_OK(ts.tv_sec * 1000LL + ts.tv_nsec / 1000000 - t0 < 4000, "without waiting it out");
	{
		cleanup_free char *data = NULL;

		TAP_INT_EQ(kk_store_read(st, &(struct kk_store_ref){ .realm = "waited" }, &data,
					 NULL, &err),
			   0);
	}
}

static void instance_file(const char *base)
{
	cleanup_free char *rp = kk_xasprintf("%s/inst/run", base);
	cleanup_free char *path = kk_store_instance_path(rp);
	cleanup_(storep) struct kk_store *st = kk_store_new(rp);
	struct kk_instance m = { 0 };
	struct kk_err err = { 0 };
	cleanup_free char *text = NULL;
	struct stat sb;

	TAP_INT_EQ(kk_instance_load(rp, &m, &err), 0);
	TAP_INT_EQ(kk_instance_verify_or_write(st, " kukeon.io\n", "/kukeon/", &err), 1);
	TAP_INT_EQ(kk_read_file(path, &text, &err), 0);
	TAP_STR_EQ(text, "{\n  \"containerdNamespaceSuffix\": \"kukeon.io\",\n"
			 "  \"cgroupRoot\": \"/kukeon\"\n}\n");
	TAP_OK(stat(path, &sb) == 0 && (sb.st_mode & 07777) == 0640, "instance file is 0640");
	{
		cleanup_free char *rdir = kk_xasprintf("%s/inst/run", base);

		TAP_OK(stat(rdir, &sb) == 0 && (sb.st_mode & 0777) == 0750, "run path made 0750");
	}
	TAP_INT_EQ(kk_instance_load(rp, &m, &err), 1);
	TAP_STR_EQ(m.ns_suffix, "kukeon.io");
	TAP_STR_EQ(m.cgroup_root, "/kukeon");
	kk_instance_clear(&m);

	/* the same configuration, spelled differently: accepted, file untouched */
	TAP_INT_EQ(kk_instance_verify_or_write(st, "kukeon.io", "/kukeon//", &err), 0);
	TAP_INT_EQ(kk_instance_verify_or_write(st, "kukeon.io\xc2\xa0", " /kukeon", &err), 0);

	/* another suffix or root: refused with upstream's message */
	TAP_INT_EQ(kk_instance_verify_or_write(st, "other.io", "/kukeon", &err), -1);
	{
		cleanup_free char *want = kk_xasprintf(
			"runPath \"%s\" was bootstrapped with "
			"containerdNamespaceSuffix=\"kukeon.io\" "
			"cgroupRoot=\"/kukeon\" but the running configuration requests "
			"containerdNamespaceSuffix=\"other.io\" cgroupRoot=\"/kukeon\": kukeon "
			"instance mismatch",
			rp);

		TAP_STR_EQ(err.msg, want);
	}
	TAP_INT_EQ(kk_instance_verify_or_write(st, "kukeon.io", "/kukeon-dev", &err), -1);
	TAP_OK(strstr(err.msg, "cgroupRoot=\"/kukeon-dev\": kukeon instance mismatch") != NULL,
	       "cgroup root mismatch refused");

	/* an unparsable file is a configuration error, not a silent rewrite */
	TAP_INT_EQ(kk_write_atomic(path, ".t-", "{\"cgroupRoot\": 5}\n", 18, 0640, &err), 0);
	TAP_INT_EQ(kk_instance_verify_or_write(st, "kukeon.io", "/kukeon", &err), -1);
	{
		cleanup_free char *want = kk_xasprintf("parse instance metadata `%s`: server "
						       "configuration is invalid: "
						       "`cgroupRoot` is not a string",
						       path);

		TAP_STR_EQ(err.msg, want);
	}
	TAP_INT_EQ(kk_write_atomic(path, ".t-", "{\"a\":", 5, 0640, &err), 0);
	TAP_INT_EQ(kk_instance_load(rp, &m, &err), -1);
	TAP_OK(strstr(err.msg, "server configuration is invalid: invalid JSON") != NULL,
	       "truncated JSON refused: %s", err.msg);
	TAP_INT_EQ(kk_write_atomic(path, ".t-", "{} x", 4, 0640, &err), 0);
	TAP_INT_EQ(kk_instance_load(rp, &m, &err), -1);
}

static void instance_codec_is_gos(void)
{
	struct kk_instance m = { .ns_suffix = "a<b>&c\"\\\n\x01",
				 .cgroup_root = "/k\xe2\x80\xa8\xff" };
	struct kk_instance d = { 0 };
	struct kk_err err = { 0 };
	cleanup_free char *text = kk_instance_encode(&m, NULL);
	static const char mixed[] =
		"{\"CGROUPROOT\": \"/x\", \"cgroupRoot\": null, \"extra\": [1],"
		" \"containerdnamespacesuffix\": \"s\", \"cgroupRoot\": \"/y\"}";

	TAP_STR_EQ(text, "{\n  \"containerdNamespaceSuffix\": "
			 "\"a\\u003cb\\u003e\\u0026c\\\"\\\\\\n\\u0001\",\n"
			 "  \"cgroupRoot\": \"/k\\u2028\\ufffd\"\n}\n");
	TAP_INT_EQ(kk_instance_decode(mixed, sizeof(mixed) - 1, &d, &err), 0);
	TAP_STR_EQ(d.ns_suffix, "s");
	TAP_STR_EQ(d.cgroup_root, "/y");
	kk_instance_clear(&d);
	TAP_INT_EQ(kk_instance_decode("null", 4, &d, &err), 0);
	TAP_STR_EQ(d.cgroup_root, "");
	kk_instance_clear(&d);
	TAP_INT_EQ(kk_instance_decode("[]", 2, &d, &err), -1);
}

/* ---- a writer SIGKILLed at random moments ----------------------------------------------- */

#define BLOB_SIZE (1u << 20)

/* Generation g: "gen <g>\n", then the letter 'a' + g % 26 up to BLOB_SIZE. */
static char *make_blob(unsigned long g)
{
	char *b = kk_xmalloc(BLOB_SIZE);
	int n = snprintf(b, 32, "gen %lu\n", g);

	memset(b + n, 'a' + (int)(g % 26), BLOB_SIZE - (size_t)n);
	return b;
}

/* -1: not a whole blob; else its generation. */
static long blob_generation(const char *data, size_t len)
{
	char *end;
	unsigned long g;

	if (len != BLOB_SIZE || strncmp(data, "gen ", 4) != 0)
		return -1;
	g = strtoul(data + 4, &end, 10);
	if (*end != '\n')
		return -1;
	for (const char *p = end + 1; p < data + len; p++)
		if (*p != 'a' + (int)(g % 26))
			return -1;
	return (long)g;
}

static void killed_writer_leaves_old_or_new(const char *base)
{
	cleanup_free char *rp = kk_xasprintf("%s/killed", base);
	cleanup_(storep) struct kk_store *st = kk_store_new(rp);
	struct kk_store_ref ref = { .realm = "r", .space = "s" };
	cleanup_free char *dir = kk_store_space_dir(rp, "r", "s");
	struct kk_err err = { 0 };
	long last = 0;
	int whole = 1, monotonic = 1, saw_stale = 0, kills = 0;
	unsigned seed = (unsigned)getpid();

	{
		cleanup_free char *b = make_blob(0);

		TAP_INT_EQ(kk_store_write(st, &ref, b, BLOB_SIZE, &err), 0);
	}
	for (int round = 1; round <= 40; round++) {
		pid_t child = fork();
		int status;

		if (child == 0) {
			struct kk_store *cst = kk_store_new(rp);

			for (unsigned long g = (unsigned long)round * 100000;; g++) {
				struct kk_err cerr = { 0 };
				char *b = make_blob(g);

				if (kk_store_write(cst, &ref, b, BLOB_SIZE, &cerr) < 0)
					_exit(1);
				free(b);
			}
		}
		/* let the writer run a while, then catch it inside a write (its temp file is
		 * there) and kill it somewhere along that write */
		usleep((useconds_t)(1000 + rand_r(&seed) % 30000));
		for (int i = 0; i < 50000 && count_tmp_files(dir) == 0; i++)
			usleep(100);
		usleep((useconds_t)(rand_r(&seed) % 500));
		kill(child, SIGKILL);
		waitpid(child, &status, 0);
		if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
			kills++;
		{
			cleanup_free char *data = NULL;
			size_t len = 0;
			long g;

			if (kk_store_read(st, &ref, &data, &len, &err) < 0) {
				whole = 0;
				continue;
			}
			g = blob_generation(data, len);
			if (g < 0)
				whole = 0;
			else if (g < last)
				monotonic = 0;
			else
				last = g;
		}
		{
			cleanup_(kk_strv_freep) char **names = NULL;

			if (kk_store_list(st, &(struct kk_store_ref){ .realm = "r" }, &names,
					  &err) < 0 ||
			    kk_strv_len(names) != 1 || strcmp(names[0], "s") != 0)
				whole = 0;
		}
		if (count_tmp_files(dir) > 0)
			saw_stale++;
		/* every other round, a later write sweeps the leftovers; else the cleanup call */
		if (round % 2) {
			cleanup_free char *b = make_blob((unsigned long)round * 100000 + 99999);

			if (kk_store_write(st, &ref, b, BLOB_SIZE, &err) < 0 ||
			    count_tmp_files(dir))
				whole = 0;
			last = round * 100000 + 99999;
		} else if (kk_store_cleanup(st, &err) < 0 || count_tmp_files(dir)) {
			whole = 0;
		}
	}
	TAP_INT_EQ(kills, 40);
	TAP_OK(whole, "after each kill the file was a whole old or new blob, and listings clean");
	TAP_OK(monotonic, "the file never went back to an older generation");
	/* without kills inside a write, "old or new" above would prove nothing */
	TAP_OK(saw_stale >= 10, "killed mid-write (temp file left behind) in %d of 40 rounds",
	       saw_stale);
	TAP_OK(last > 0, "the writers made progress (last generation %ld)", last);
}

/* Writers of different cells go side by side; a writer of their stack, or of the whole
 * store, waits for both; locks nest under an exclusive ancestor; no upgrades. Two kk_stores
 * are two holders, as two processes or two kukeond threads are. */
static void subtree_locks(const char *rp)
{
	cleanup_(storep) struct kk_store *a = kk_store_new(rp);
	cleanup_(storep) struct kk_store *b = kk_store_new(rp);
	struct kk_store_ref c1 = { "r", "s", "t", "c1" }, c2 = { "r", "s", "t", "c2" };
	struct kk_store_ref stack = { "r", "s", "t", NULL }, realm = { "r", NULL, NULL, NULL };
	struct kk_err err = { 0 };

	TAP_INT_EQ(kk_store_lock_ref(a, &c1, 1000, &err), 0);
	/* two cells of one stack: two holders at once, without waiting */
	TAP_INT_EQ(kk_store_lock_ref(b, &c2, 0, &err), 0);
	kk_store_unlock(b);
	TAP_INT_EQ(kk_store_lock_ref(b, &stack, 100, &err), -1);
	TAP_INT_EQ(err.code, ETIMEDOUT);
	TAP_OK(strstr(err.msg, "/.locks/r_s_t.lock`") != NULL, "the stack's lock file is named");
	err = (struct kk_err){ 0 };
	TAP_INT_EQ(kk_store_lock(b, 100, &err), -1); /* the whole store */
	TAP_INT_EQ(err.code, ETIMEDOUT);
	err = (struct kk_err){ 0 };
	/* a write by the holder of c1 to c1 nests; an upgrade of its stack lock is refused */
	TAP_INT_EQ(kk_store_write(a, &c1, "{}", 2, &err), 0);
	TAP_INT_EQ(kk_store_lock_ref(a, &stack, 100, &err), -1);
	TAP_INT_EQ(err.code, EDEADLK);
	err = (struct kk_err){ 0 };
	kk_store_unlock(a);
	TAP_OK(!kk_store_is_locked(a), "one unlock per lock");
	TAP_INT_EQ(kk_store_lock_ref(b, &stack, 100, &err), 0);
	kk_store_unlock(b);
	/* under an exclusive realm lock everything below it is the holder's */
	TAP_INT_EQ(kk_store_lock_ref(a, &realm, 1000, &err), 0);
	TAP_INT_EQ(kk_store_lock_ref(a, &c2, 0, &err), 0);
	TAP_INT_EQ(kk_store_lock_ref(b, &c1, 50, &err), -1);
	err = (struct kk_err){ 0 };
	kk_store_unlock(a);
	kk_store_unlock(a);
	TAP_INT_EQ(kk_store_lock_ref(b, &c1, 0, &err), 0);
	/* a named lock lives outside the tree */
	TAP_INT_EQ(kk_store_lock_name(a, "subnets", 0, &err), 0);
	TAP_INT_EQ(kk_store_lock_name(b, "subnets", 50, &err), -1);
	err = (struct kk_err){ 0 };
	kk_store_unlock(a);
	kk_store_unlock(b);
	/* names that would leave the lock directory are refused */
	TAP_INT_EQ(kk_store_lock_ref(a, &(struct kk_store_ref){ "../x", NULL, NULL, NULL }, 0, &err),
		   -1);
	TAP_INT_EQ(err.code, EINVAL);
}

int main(void)
{
	const char *tmp = getenv("KUKEON_TEST_TMP");
	cleanup_free char *base =
		kk_xasprintf("%s/kk-test-store-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	struct kk_err err = { 0 };

	paths_match_upstream();
	refs_are_checked();
	instance_codec_is_gos();
	if (!mkdtemp(base)) {
		TAP_OK(0, "mkdtemp");
		return tap_done();
	}
	{
		cleanup_free char *rp = kk_xasprintf("%s/run", base);

		write_read_list_delete(rp);
	}
	{
		cleanup_free char *rp = kk_xasprintf("%s/lock", base);

		lock_serialises_processes(rp);
		subtree_locks(rp);
	}
	instance_file(base);
	killed_writer_leaves_old_or_new(base);
	TAP_INT_EQ(kk_rm_rf(base, &err), 0);
	return tap_done();
}
