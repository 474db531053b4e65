/* common/runtime/shim.c - a shim containerd has lost track of (see runtime.h). */
#include "common/runtime/runtime.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/mem.h"
#include "ctr/ctr.h"

#define CMDLINE_MAX 4096

/* argv of pid holds "-namespace ns" and "-id id" and argv[0] names a containerd shim */
static bool is_shim_of(const char *pid, const char *ns, const char *id)
{
	cleanup_free char *path = kk_xasprintf("/proc/%s/cmdline", pid);
	cleanup_free char *buf = NULL;
	struct kk_err e = { 0 };
	const char *arg, *base, *prev = NULL;
	bool ns_ok = false, id_ok = false;
	size_t len = 0;

	if (kk_read_file_max(path, CMDLINE_MAX, &buf, &len, &e) < 0 || len == 0)
		return false;
	base = strrchr(buf, '/');
	base = base ? base + 1 : buf;
	if (strncmp(base, "containerd-shim", 15) != 0)
		return false;
	for (arg = buf + strlen(buf) + 1; arg < buf + len; arg += strlen(arg) + 1) {
		if (prev && strcmp(prev, "-namespace") == 0 && strcmp(arg, ns) == 0)
			ns_ok = true;
		if (prev && strcmp(prev, "-id") == 0 && strcmp(arg, id) == 0)
			id_ok = true;
		prev = arg;
	}
	return ns_ok && id_ok;
}

static bool gone(pid_t pid)
{
	char path[64], st[512];
	char *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	n = read(fd, st, sizeof(st) - 1);
	close(fd);
	if (n <= 0)
		return true;
	st[n] = '\0';
	p = strrchr(st, ')');
	return p && p[1] == ' ' && p[2] == 'Z';
}

int kk_rt_shim_reap(const struct kk_rt *rt, const char *id)
{
	const char *ns = ctr_namespace(rt->conn);
	DIR *d = opendir("/proc");
	struct dirent *de;
	pid_t pid = 0;

	if (!d || !ns)
		goto out;
	while ((de = readdir(d)))
		if (de->d_name[0] >= '1' && de->d_name[0] <= '9' &&
		    is_shim_of(de->d_name, ns, id)) {
			pid = (pid_t)atoi(de->d_name);
			break;
		}
out:
	if (d)
		closedir(d);
	if (pid <= 0 || kill(pid, SIGKILL) < 0)
		return 0;
	for (int i = 0; i < 100 && !gone(pid); i++)
		nanosleep(&(struct timespec){ 0, 20 * 1000 * 1000 }, NULL);
	return 1;
}
