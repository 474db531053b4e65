/* tests/fuzz/fuzz_passwd.c - libFuzzer target for the account files: /etc/passwd and
 * /etc/group as an image ships them (read to resolve a container's user, common/passwd.c)
 * and as the host has them with /etc/login.defs (changed by `kuke init` and the uninstall,
 * common/accounts.c).
 *
 * The input is the three files cut at "\n===\n" (passwd, group, login.defs). The readers
 * look up names and ids that the files themselves contain: what is found must carry the
 * name or id asked for. Then, in a scratch root on tmpfs, the kukeon group and user are
 * added, looked up, and removed again, as init and the uninstall do: an add that succeeds
 * must be found by the readers with the ids it reported, a remove must leave nothing. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/accounts.h"
#include "common/fs.h"
#include "common/passwd.h"
#include "tests/fuzz/fuzz.h"

#define SEP "\n===\n"

static char root[64], etc[80];

static FILE *mem(const char *s, size_t n)
{
	/* fmemopen of 0 bytes fails: an empty file reads as one empty line would */
	FILE *f = fmemopen((void *)(n ? s : "\n"), n ? n : 1, "r");

	if (!f)
		abort();
	return f;
}

/* look up, in the files, the names and ids of their own first lines */
static void lookups(const char *pw, size_t pwn, const char *gr, size_t grn)
{
	struct kk_passwd *p = NULL;
	struct kk_group *g = NULL;
	struct kk_err err = { 0 };
	uint32_t *gids = NULL;
	size_t n = 0;
	char name[64] = "root";
	FILE *f;

	snprintf(name, sizeof(name), "%.*s", (int)strcspn(pw, ":\n"), pw);
	f = mem(pw, pwn);
	if (kk_passwd_find(f, name, 0, &p, &err) == 1) {
		if (strcmp(p->name, name) != 0)
			fuzz_fail("a passwd entry found under another name", p->name, "");
		kk_passwd_free(p);
		p = NULL;
	}
	rewind(f);
	if (kk_passwd_find(f, NULL, 0, &p, &err) == 1) {
		if (p->uid != 0)
			fuzz_fail("a passwd entry found under another uid", p->name, "");
		kk_passwd_free(p);
	}
	fclose(f);
	snprintf(name, sizeof(name), "%.*s", (int)strcspn(gr, ":\n"), gr);
	f = mem(gr, grn);
	if (kk_group_find(f, name, 0, &g, &err) == 1) {
		if (strcmp(g->name, name) != 0)
			fuzz_fail("a group found under another name", g->name, "");
		for (size_t i = 0; i < g->n_members; i++)
			if (!g->members[i] || !*g->members[i])
				fuzz_fail("an empty member name", g->name, "");
		kk_group_free(g);
	}
	rewind(f);
	if (kk_group_member_gids(f, name, &gids, &n, &err) == 0 && n > grn)
		fuzz_fail("more groups than lines", name, "");
	free(gids);
	fclose(f);
}

static void clean(void)
{
	static const char *const files[] = { "passwd", "group",  "login.defs", "passwd-",
					     "group-", "shadow", "gshadow" };
	char path[128];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", etc, files[i]);
		unlink(path);
	}
}

/* kuke init's accounts and the uninstall's removal of them */
static void accounts(const char *pw, size_t pwn, const char *gr, size_t grn, const char *defs,
		     size_t defsn)
{
	struct kk_err err = { 0 };
	struct kk_passwd *p = NULL;
	struct kk_group *g = NULL;
	uint32_t gid = 0, uid = 0;
	FILE *f = NULL;
	int gadd, uadd = -1;

	fuzz_put(etc, "passwd", pw, pwn);
	fuzz_put(etc, "group", gr, grn);
	fuzz_put(etc, "login.defs", defs, defsn);
	gadd = kk_accounts_add_group(root, "kukeon", &gid, &err);
	if (gadd >= 0)
		uadd = kk_accounts_add_user(root, "kukeon", "kukeon", "/usr/sbin/nologin", &uid,
					    &err);
	if ((gadd < 0 || uadd < 0) && !err.msg[0])
		fuzz_fail("an account change failed without a message", "", "");
	if (gadd >= 0 && kk_root_fopen(root, "/etc/group", &f, &err) == 0) {
		if (kk_group_find(f, "kukeon", 0, &g, &err) != 1)
			fuzz_fail("the group just added is not found", "kukeon", "");
		if (g->gid != gid)
			fuzz_fail("the group was added with another gid", "kukeon", "");
		kk_group_free(g);
		fclose(f);
	}
	if (uadd >= 0 && kk_root_fopen(root, "/etc/passwd", &f, &err) == 0) {
		if (kk_passwd_find(f, "kukeon", 0, &p, &err) != 1)
			fuzz_fail("the user just added is not found", "kukeon", "");
		if (p->uid != uid)
			fuzz_fail("the user was added with another uid", "kukeon", "");
		kk_passwd_free(p);
		p = NULL;
		fclose(f);
	}
	if (uadd >= 0 && kk_accounts_del_user(root, "kukeon", &err) < 0)
		fuzz_fail("removing the user just added failed", err.msg, "");
	if (gadd >= 0 && kk_accounts_del_group(root, "kukeon", &err) < 0 && err.code != EBUSY)
		fuzz_fail("removing the group just added failed", err.msg, "");
	if (uadd >= 0 && kk_root_fopen(root, "/etc/passwd", &f, &err) == 0) {
		/* the first entry named kukeon: one the input had before stays */
		if (uadd == 1 && kk_passwd_find(f, "kukeon", 0, &p, &err) == 1)
			fuzz_fail("the user removed is still there", p->name, "");
		kk_passwd_free(p);
		fclose(f);
	}
	clean();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(root, sizeof(root), "/dev/shm/kukeon-fuzz-passwd.%d", (int)getpid());
	snprintf(etc, sizeof(etc), "%s/etc", root);
	mkdir(root, 0700);
	mkdir(etc, 0700);
	atexit(clean);
	return 0;
}

/* text[0..n) up to the first SEP: its length in *len, what follows SEP in *rest */
static void cut(char *text, size_t n, size_t *len, char **rest)
{
	char *p = strstr(text, SEP);

	*len = p ? (size_t)(p - text) : n;
	*rest = p ? p + strlen(SEP) : text + n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *gr, *defs;
	size_t pwn, grn, defsn;

	memcpy(s, data, size);
	s[size] = '\0';
	if (strlen(s) != size) { /* a NUL: the line readers stop there, as libc's */
		free(s);
		return 0;
	}
	cut(s, size, &pwn, &gr);
	cut(gr, size - (size_t)(gr - s), &grn, &defs);
	defsn = size - (size_t)(defs - s);
	lookups(s, pwn, gr, grn);
	accounts(s, pwn, gr, grn, defs, defsn);
	free(s);
	return 0;
}
