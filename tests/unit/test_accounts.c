/* tests/unit/test_accounts.c - common/accounts.h on temp roots, and against shadow-utils'
 * own groupadd/useradd/userdel/groupdel --root where they exist (root only). */
#include "common/accounts.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/mem.h"
#include "common/path.h"
#include "tests/unit/tap.h"

static const char base_passwd[] = "root:x:0:0:root:/root:/bin/bash\n"
				  "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
				  "sys999:x:999:999::/:/bin/false\n"
				  "alice:x:1000:1000:Alice:/home/alice:/bin/bash\n";
static const char base_group[] = "root:x:0:\n"
				 "daemon:x:1:\n"
				 "sys999:x:999:\n"
				 "sys997:x:997:\n"
				 "alice:x:1000:\n";
static const char base_shadow[] = "root:*:19000:0:99999:7:::\n"
				  "daemon:*:19000:0:99999:7:::\n"
				  "sys999:!:19000::::::\n"
				  "alice:$6$x:19000:0:99999:7:::\n";
static const char base_gshadow[] = "root:*::\n"
				   "daemon:*::\n"
				   "sys999:!::\n"
				   "sys997:!::\n"
				   "alice:!::\n";

static void put(const char *root, const char *name, const char *text, mode_t mode)
{
	cleanup_free char *p = kk_path_join(root, "etc", name);
	struct kk_err err = { 0 };

	if (kk_write_atomic(p, ".t", text, strlen(text), mode, &err) < 0)
		printf("# %s\n", err.msg);
}

static char *get(const char *root, const char *name)
{
	cleanup_free char *p = kk_path_join(root, "etc", name);
	struct kk_err err = { 0 };
	char *text = NULL;

	if (kk_read_file(p, &text, &err) < 0)
		return kk_xstrdup("(missing)");
	return text;
}

static mode_t mode_of(const char *root, const char *name)
{
	cleanup_free char *p = kk_path_join(root, "etc", name);
	struct stat st;

	return stat(p, &st) < 0 ? 0 : st.st_mode & 07777;
}

/* A temp root with /etc holding the base files; shadow files when SHADOW. */
static char *new_root(bool shadow)
{
	char *t = kk_xstrdup("/tmp/kk-test-accounts-XXXXXX");
	cleanup_free char *etc = NULL;

	if (!mkdtemp(t))
		abort();
	etc = kk_path_join(t, "etc");
	mkdir(etc, 0755);
	put(t, "passwd", base_passwd, 0644);
	put(t, "group", base_group, 0644);
	if (shadow) {
		put(t, "shadow", base_shadow, 0640);
		put(t, "gshadow", base_gshadow, 0640);
	}
	return t;
}

static void drop_root(char *root)
{
	struct kk_err err = { 0 };

	kk_rm_rf(root, &err);
	free(root);
}

static bool has_line(const char *text, const char *line)
{
	size_t l = strlen(line);

	for (const char *p = text; p && *p;) {
		if (strncmp(p, line, l) == 0 && (p[l] == '\n' || p[l] == '\0'))
			return true;
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	return false;
}

static void add_then_remove(void)
{
	char *root = new_root(true);
	struct kk_err err = { 0 };
	uint32_t gid = 0, uid = 0;
	cleanup_free char *shadow_line = NULL;
	char *p, *g, *s, *gs, *bak;

	setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
	shadow_line = kk_xasprintf("kukeon:!:%d::::::", 1700000000 / 86400);
	TAP_INT_EQ(kk_accounts_add_group(root, "kukeon", &gid, &err), 1);
	TAP_INT_EQ(gid, 996); /* just below the lowest gid in use in the range (997) */
	TAP_INT_EQ(kk_accounts_add_user(root, "kukeon", "kukeon", "/usr/sbin/nologin", &uid, &err),
		   1);
	TAP_INT_EQ(uid, 998);
	p = get(root, "passwd");
	g = get(root, "group");
	s = get(root, "shadow");
	gs = get(root, "gshadow");
	bak = get(root, "passwd-");
	TAP_OK(has_line(p, "kukeon:x:998:996::/home/kukeon:/usr/sbin/nologin"), "passwd line");
	TAP_OK(has_line(g, "kukeon:x:996:"), "group line");
	TAP_OK(has_line(gs, "kukeon:!::"), "gshadow line");
	TAP_OK(has_line(s, shadow_line), "shadow line `%s`", shadow_line);
	TAP_STR_EQ(bak, base_passwd);
	TAP_INT_EQ(mode_of(root, "shadow"), 0640);
	TAP_INT_EQ(mode_of(root, "shadow-"), 0640);
	TAP_INT_EQ(mode_of(root, "passwd"), 0644);
	TAP_INT_EQ(mode_of(root, "passwd.lock"), 0); /* locks released */
	TAP_INT_EQ(mode_of(root, "passwd+"), 0);
	free(p), free(g), free(s), free(gs), free(bak);

	/* idempotent: a second add finds them and writes nothing */
	gid = uid = 0;
	TAP_INT_EQ(kk_accounts_add_group(root, "kukeon", &gid, &err), 0);
	TAP_INT_EQ(kk_accounts_add_user(root, "kukeon", "kukeon", "/bin/false", &uid, &err), 0);
	TAP_OK(gid == 996 && uid == 998, "existing ids reported (%u, %u)", gid, uid);

	/* groupdel refuses a primary group; userdel then groupdel restore the base files */
	TAP_INT_EQ(kk_accounts_del_group(root, "kukeon", &err), -1);
	TAP_STR_EQ(err.msg,
		   "delete group `kukeon`: cannot remove the primary group of user `kukeon`");
	TAP_INT_EQ(err.code, EBUSY);
	memset(&err, 0, sizeof(err));
	TAP_INT_EQ(kk_accounts_del_user(root, "kukeon", &err), 1);
	TAP_INT_EQ(kk_accounts_del_group(root, "kukeon", &err), 1);
	TAP_INT_EQ(kk_accounts_del_user(root, "kukeon", &err), 0);
	TAP_INT_EQ(kk_accounts_del_group(root, "kukeon", &err), 0);
	p = get(root, "passwd");
	g = get(root, "group");
	s = get(root, "shadow");
	gs = get(root, "gshadow");
	TAP_STR_EQ(p, base_passwd);
	TAP_STR_EQ(g, base_group);
	TAP_STR_EQ(s, base_shadow);
	TAP_STR_EQ(gs, base_gshadow);
	free(p), free(g), free(s), free(gs);
	unsetenv("SOURCE_DATE_EPOCH");
	drop_root(root);
}

static void no_shadow_files(void)
{
	char *root = new_root(false);
	struct kk_err err = { 0 };
	char *p, *g;

	TAP_INT_EQ(kk_accounts_add_group(root, "kukeon", NULL, &err), 1);
	TAP_INT_EQ(kk_accounts_add_user(root, "kukeon", "kukeon", "/sbin/nologin", NULL, &err), 1);
	p = get(root, "passwd");
	g = get(root, "group");
	TAP_OK(has_line(p, "kukeon:!:998:996::/home/kukeon:/sbin/nologin"),
	       "passwd without shadow");
	TAP_OK(has_line(g, "kukeon:x:996:"), "group without gshadow");
	TAP_INT_EQ(mode_of(root, "shadow"), 0);
	TAP_INT_EQ(mode_of(root, "gshadow"), 0);
	free(p), free(g);
	drop_root(root);
}

static void ranges_from_login_defs(void)
{
	char *root = new_root(false);
	struct kk_err err = { 0 };
	uint32_t min = 0, max = 0, gid = 0;
	char *g;

	TAP_INT_EQ(kk_accounts_sys_range(root, true, &min, &max, &err), 0);
	TAP_OK(min == 101 && max == 999, "default range 101-999 (got %u-%u)", min, max);
	put(root, "login.defs", "# x\nGID_MIN 2000\nSYS_GID_MIN\t 500\nUID_MIN 100\n", 0644);
	TAP_INT_EQ(kk_accounts_sys_range(root, false, &min, &max, &err), 0);
	TAP_OK(min == 500 && max == 1999, "SYS_GID_MIN and GID_MIN-1 (got %u-%u)", min, max);
	TAP_INT_EQ(kk_accounts_sys_range(root, true, &min, &max, &err), -1);
	TAP_STR_EQ(strstr(err.msg, "empty system uid range"), "empty system uid range 101-99");
	memset(&err, 0, sizeof(err));
	/* no id in use inside 500-1999 below 999: counts down from the lowest in use */
	TAP_INT_EQ(kk_accounts_add_group(root, "a", &gid, &err), 1);
	TAP_INT_EQ(gid, 996);
	/* a full range wraps to the top, then fails */
	put(root, "login.defs", "SYS_GID_MIN 999\nSYS_GID_MAX 1001\n", 0644);
	TAP_INT_EQ(kk_accounts_add_group(root, "b", &gid, &err), 1);
	TAP_INT_EQ(gid, 1001);
	TAP_INT_EQ(kk_accounts_add_group(root, "c", &gid, &err), -1);
	TAP_STR_EQ(err.msg, "add group `c`: no free system gid in 999-1001");
	TAP_INT_EQ(err.code, EOVERFLOW);
	g = get(root, "group");
	TAP_OK(!strstr(g, "\nc:"), "nothing written on failure");
	free(g);
	drop_root(root);
}

static void bad_input(void)
{
	char *root = new_root(true);
	struct kk_err err = { 0 };

	TAP_INT_EQ(kk_accounts_add_group(root, "Bad:name", NULL, &err), -1);
	TAP_STR_EQ(err.msg, "invalid group name `Bad:name`");
	TAP_INT_EQ(err.code, KK_EUSAGE);
	memset(&err, 0, sizeof(err));
	TAP_INT_EQ(kk_accounts_add_user(root, "kukeon", "nogroup", "/bin/false", NULL, &err), -1);
	TAP_STR_EQ(err.msg, "add user `kukeon`: group `nogroup` does not exist");
	memset(&err, 0, sizeof(err));
	TAP_INT_EQ(kk_accounts_add_group("/nonexistent-kk-root", "kukeon", NULL, &err), -1);
	TAP_INT_EQ(err.code, ENOENT);
	drop_root(root);
}

/* A lock file left by a dead process is taken over, as shadow-utils does. */
static void stale_lock_taken_over(void)
{
	char *root = new_root(true);
	struct kk_err err = { 0 };
	pid_t child = fork();
	cleanup_free char *pid = NULL;

	if (child == 0)
		_exit(0);
	waitpid(child, NULL, 0);
	pid = kk_xasprintf("%ld", (long)child);
	put(root, "group.lock", pid, 0600);
	TAP_INT_EQ(kk_accounts_add_group(root, "kukeon", NULL, &err), 1);
	TAP_INT_EQ(mode_of(root, "group.lock"), 0);
	drop_root(root);
}

static int run(char *const argv[])
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* What shadow-utils writes for the same calls, byte for byte, modes included. */
static void same_as_shadow_utils(void)
{
	static const char *const files[] = { "passwd", "group",   "shadow",   "gshadow",  "passwd-",
					     "group-", "shadow-", "gshadow-", ".pwd.lock" };
	char *ours, *theirs;
	struct kk_err err = { 0 };

	if (geteuid() != 0 || access("/usr/sbin/useradd", X_OK) != 0) {
		TAP_SKIP("needs root and shadow-utils (useradd --root)");
		return;
	}
	setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
	for (int shadow = 0; shadow < 2; shadow++) {
		ours = new_root(shadow);
		theirs = new_root(shadow);
		put(ours, "login.defs", "SYS_UID_MIN 200\nSYS_GID_MAX 998\n", 0644);
		put(theirs, "login.defs", "SYS_UID_MIN 200\nSYS_GID_MAX 998\n", 0644);
		TAP_INT_EQ(run((char *[]){ "/usr/sbin/groupadd", "--root", theirs, "--system",
					   "kukeon", NULL }),
			   0);
		TAP_INT_EQ(run((char *[]){ "/usr/sbin/useradd", "--root", theirs, "--system",
					   "--gid", "kukeon", "--no-create-home", "--shell",
					   "/usr/sbin/nologin", "kukeon", NULL }),
			   0);
		TAP_INT_EQ(kk_accounts_add_group(ours, "kukeon", NULL, &err), 1);
		TAP_INT_EQ(kk_accounts_add_user(ours, "kukeon", "kukeon", "/usr/sbin/nologin", NULL,
						&err),
			   1);
		for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
			cleanup_free char *a = get(ours, files[i]), *b = get(theirs, files[i]);

			TAP_OK(strcmp(a, b) == 0 &&
				       mode_of(ours, files[i]) == mode_of(theirs, files[i]),
			       "add (shadow %d): `%s` as useradd writes it", shadow, files[i]);
			if (strcmp(a, b) != 0)
				printf("#   ours:\n%s#   theirs:\n%s", a, b);
		}
		/* a member of the group, then userdel and groupdel */
		put(ours, "group", "root:x:0:\nkukeon:x:997:alice,kukeon\n", 0644);
		put(theirs, "group", "root:x:0:\nkukeon:x:997:alice,kukeon\n", 0644);
		TAP_INT_EQ(run((char *[]){ "/usr/sbin/userdel", "--root", theirs, "kukeon", NULL }),
			   0);
		TAP_INT_EQ(kk_accounts_del_user(ours, "kukeon", &err), 1);
		TAP_INT_EQ(run((char *[]){ "/usr/sbin/groupdel", "--root", theirs, "kukeon",
					   NULL }),
			   0);
		TAP_INT_EQ(kk_accounts_del_group(ours, "kukeon", &err), 1);
		for (size_t i = 0; i < 4; i++) {
			cleanup_free char *a = get(ours, files[i]), *b = get(theirs, files[i]);

			TAP_OK(strcmp(a, b) == 0,
			       "del (shadow %d): `%s` as userdel/groupdel leave it", shadow,
			       files[i]);
			if (strcmp(a, b) != 0)
				printf("#   ours:\n%s#   theirs:\n%s", a, b);
		}
		drop_root(ours);
		drop_root(theirs);
	}
	unsetenv("SOURCE_DATE_EPOCH");
}

/* Found by tests/fuzz/fuzz_passwd.c: a line the readers of passwd.h skip ("kukeon:x:998:",
 * no gid) counted as the user existing, so init reported it while nothing could resolve it;
 * an indented line the readers take was not seen, and a second one was added. */
static void lines_judged_as_the_readers_do(void)
{
	char *root = new_root(true);
	struct kk_err err = { 0 };
	uint32_t uid = 0;
	cleanup_free char *path = NULL;

	put(root, "passwd", "root:x:0:0:root:/root:/bin/bash\nkukeon:x:998:\n", 0644);
	TAP_INT_EQ(kk_accounts_add_group(root, "kukeon", NULL, &err), 1);
	TAP_INT_EQ(kk_accounts_add_user(root, "kukeon", "kukeon", "/bin/false", &uid, &err), -1);
	path = kk_xasprintf("add user `kukeon`: its line in `%s/etc/passwd` is malformed", root);
	TAP_STR_EQ(err.msg, path);
	TAP_INT_EQ(err.code, EINVAL);
	memset(&err, 0, sizeof(err));
	put(root, "passwd", "root:x:0:0:root:/root:/bin/bash\n  kukeon:x:990:990::/:/bin/false \n",
	    0644);
	TAP_INT_EQ(kk_accounts_add_user(root, "kukeon", "kukeon", "/bin/false", &uid, &err), 0);
	TAP_INT_EQ(uid, 990);
	drop_root(root);
}

int main(void)
{
	add_then_remove();
	no_shadow_files();
	ranges_from_login_defs();
	bad_input();
	stale_lock_taken_over();
	same_as_shadow_utils();
	lines_judged_as_the_readers_do();
	return tap_done();
}
