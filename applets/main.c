/* applets/main.c - the multicall entry: basename(argv[0]) picks the applet.
 *
 *   kuke get realm            runs kuke (via a symlink or hard link named kuke)
 *   kukeon kuke get realm     the same, through the binary's own name
 *   kukeon --list             the applets compiled in, one per line
 *   kukeon --install DIR      a symlink per applet in DIR, like `busybox --install -s` */
#include "applets/applets.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "common/logidx.h"
#include "common/mem.h"
#include "common/cleanup.h"

static const struct applet applets[] = {
#define APPLET(name, fn, dir, summary) { name, fn, dir, summary },
#include "applets/applets.def"
#undef APPLET
};

static const size_t n_applets = sizeof(applets) / sizeof(applets[0]);

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static const struct applet *applet_find(const char *name)
{
	for (size_t i = 0; i < n_applets; i++)
		if (strcmp(applets[i].name, name) == 0)
			return &applets[i];
	return NULL;
}

static void applet_list(FILE *out)
{
	for (size_t i = 0; i < n_applets; i++)
		fprintf(out, "%s\n", applets[i].name);
}

/* "bin/kuke" etc.: where `make install` puts each applet's link */
static void applet_list_full(FILE *out)
{
	for (size_t i = 0; i < n_applets; i++)
		fprintf(out, "%s/%s\n", applets[i].dir, applets[i].name);
}

static void usage(FILE *out)
{
	fprintf(out,
		"kukeon %s: multicall binary for a single-host container orchestrator\n"
		"\n"
		"Usage: kukeon APPLET [ARGS...]   or   APPLET [ARGS...] through a link named "
		"APPLET\n"
		"       kukeon --list             print the applets built in\n"
		"       kukeon --list-full        the same, with the directory each is installed "
		"in\n"
		"       kukeon --install DIR      create a symlink per applet in DIR\n"
		"       kukeon --version\n"
		"\n"
		"Applets:\n",
		kk_version);
	for (size_t i = 0; i < n_applets; i++)
		fprintf(out, "  %-16s %s\n", applets[i].name, applets[i].summary);
}

/* Point DIR/name at target, replacing an older symlink but never a real file. */
static int install_link(const char *dir, const char *name, const char *target, struct kk_err *err)
{
	cleanup_free char *path = kk_xasprintf("%s/%s", dir, name);
	cleanup_free char *tmp = kk_xasprintf("%s/.%s.kukeon-install", dir, name);
	struct stat st;

	if (lstat(path, &st) == 0 && !S_ISLNK(st.st_mode))
		return kk_err_set(err, EEXIST, "`%s` exists and is not a symlink", path);
	unlink(tmp);
	if (symlink(target, tmp) < 0)
		return kk_err_sys(err, "symlink `%s`", tmp);
	if (rename(tmp, path) < 0) {
		kk_err_sys(err, "rename `%s` to `%s`", tmp, path);
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int install_all(const char *dir, struct kk_err *err)
{
	char target[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", target, sizeof(target) - 1);
	struct stat st;

	if (len < 0)
		return kk_err_sys(err, "cannot find this binary: readlink `/proc/self/exe`");
	target[len] = '\0';
	if (stat(dir, &st) < 0)
		return kk_err_sys(err, "install directory `%s`", dir);
	if (!S_ISDIR(st.st_mode))
		return kk_err_set(err, ENOTDIR, "install directory `%s` is not a directory", dir);
	for (size_t i = 0; i < n_applets; i++)
		if (install_link(dir, applets[i].name, target, err) < 0)
			return -1;
	return 0;
}

static int applet_unknown(const char *name)
{
	fprintf(stderr, "kukeon: unknown applet `%s`; applets built in:\n", name);
	applet_list(stderr);
	return 127;
}

static int multicall_main(int argc, char **argv)
{
	struct kk_err err = { 0 };
	const struct applet *a;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("kukeon %s\n", kk_version);
		return 0;
	}
	if (strcmp(argv[1], "--list") == 0) {
		applet_list(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--list-full") == 0) {
		applet_list_full(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--install") == 0) {
		if (argc != 3) {
			fprintf(stderr, "kukeon: --install needs exactly one directory\n");
			return 2;
		}
		if (install_all(argv[2], &err) < 0) {
			fprintf(stderr, "kukeon: install: %s\n", err.msg);
			return 1;
		}
		return 0;
	}
	a = applet_find(argv[1]);
	if (!a)
		return applet_unknown(argv[1]);
	return a->main(argc - 1, argv + 1);
}

int main(int argc, char **argv)
{
	const char *name = base_name(argc > 0 ? argv[0] : "kukeon");
	const struct applet *a = applet_find(name);

	/* containerd's shim runs the staged binary (named kuketty) as a container's logger */
	if (argc == 3 && strcmp(argv[1], KK_LOGIDX_WRITER_ARG) == 0)
		return kukeon_log_writer_main(argv[2]);
	if (a)
		return a->main(argc, argv);
	/* the binary under its own name (kukeon, kukeon-static, ...) is the multicall front */
	if (strncmp(name, "kukeon", 6) == 0)
		return multicall_main(argc, argv);
	return applet_unknown(name);
}

int applet_std_flags(int argc, char **argv, const char *applet, const char *usage_text)
{
	if (argc < 2)
		return 0;
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage_text, stdout);
		return 1;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("%s %s\n", applet, kk_version);
		return 1;
	}
	return 0;
}

int applet_not_implemented(int argc, char **argv, const char *applet, const char *usage,
			   const char *what)
{
	if (applet_std_flags(argc, argv, applet, usage))
		return 0;
	fprintf(stderr, "%s: %s is not implemented in this build yet\n", applet, what);
	return 1;
}
