/* common/cni/purge.c - remove what CNI holds for a container or a network, plugins or not. */
#include "common/cni/cni.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "common/cleanup.h"
#include "common/cni/internal.h"
#include "common/mem.h"

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

/* The dataDir of plugin i's host-local ipam, or NULL if its ipam is not host-local. */
static const char *hostlocal_dir(const struct kk_cni_conflist *net, size_t i)
{
	const cJSON *ipam = cJSON_GetObjectItemCaseSensitive(kk_cni_conflist_plugin(net, i), "ipam");
	const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ipam, "type"));
	const char *dir = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ipam, "dataDir"));

	if (!type || strcmp(type, "host-local") != 0)
		return NULL;
	return dir && *dir ? dir : KK_CNI_HOSTLOCAL_DEFAULT_DATA_DIR;
}

/* Does the reservation file name in dfd belong to container_id (NULL: to anyone)? host-local
 * writes "<id>\r\n<ifname>" (older versions just "<id>"). */
static bool reserved_by(int dfd, const char *name, const char *container_id)
{
	cleanup_close int fd = -1;
	char buf[512];
	ssize_t n;

	if (!container_id)
		return true;
	fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return strcmp(buf, container_id) == 0;
}

/* Remove the reservations of container_id (NULL: every file) in <data_dir>/<network>; with
 * container_id NULL, also the directory. */
static int hostlocal_release(const char *data_dir, const char *network,
			     const char *container_id, int *removed, struct kk_err *err)
{
	cleanup_free char *dir = kk_xasprintf("%s/%s", data_dir, network);
	cleanup_(closedirp) DIR *d = opendir(dir);
	struct dirent *de;

	if (!d) {
		if (errno == ENOENT)
			return 0;
		return kk_err_sys(err, "open host-local store `%s`", dir);
	}
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		/* the store's own files: its lock and the last IP handed out per range */
		if (container_id && (strcmp(de->d_name, "lock") == 0 ||
				     strncmp(de->d_name, "last_reserved_ip", 16) == 0))
			continue;
		if (!reserved_by(dirfd(d), de->d_name, container_id))
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT)
			return kk_err_sys(err, "remove `%s/%s`", dir, de->d_name);
		(*removed)++;
	}
	if (!container_id && rmdir(dir) < 0 && errno != ENOENT)
		return kk_err_sys(err, "remove host-local store `%s`", dir);
	return 0;
}

static int release_all_stores(const struct kk_cni_conflist *net, const char *container_id,
			      int *removed, struct kk_err *err)
{
	size_t i, n = kk_cni_conflist_n_plugins(net);

	for (i = 0; i < n; i++) {
		const char *dir = hostlocal_dir(net, i);

		if (dir && hostlocal_release(dir, kk_cni_conflist_name(net), container_id, removed,
					     err) < 0)
			return -1;
	}
	return 0;
}

int kk_cni_purge(const struct kk_cni_host *host, const struct kk_cni_conflist *net,
		 const char *container_id, struct kk_err *err)
{
	const char *name = kk_cni_conflist_name(net);
	struct kk_cni_cached_attachment *list = NULL;
	size_t n = 0, i;
	int removed = 0;

	if (kk_cni_check_name("container ID", container_id, err) < 0)
		return kk_err_wrap(err, "network `%s`: purge", name);
	if (kk_cni_cache_list(host, container_id, &list, &n, err) < 0)
		return kk_err_wrap(err, "network `%s`: purge", name);
	for (i = 0; i < n; i++) {
		struct kk_cni_attachment att = { container_id, NULL, list[i].ifname, NULL };
		struct kk_err ignored = { 0 };
		cleanup_free char *path = NULL;

		if (strcmp(list[i].network, name) != 0)
			continue;
		kk_cni_del(host, net, &att, &ignored);
		path = kk_cni_cache_path(host->cache_dir, name, container_id, list[i].ifname);
		if (access(path, F_OK) == 0 && kk_cni_cache_remove(path, err) < 0) {
			kk_cni_cached_attachments_free(list, n);
			return kk_err_wrap(err, "network `%s`: purge", name);
		}
		removed++;
	}
	kk_cni_cached_attachments_free(list, n);
	if (release_all_stores(net, container_id, &removed, err) < 0)
		return kk_err_wrap(err, "network `%s`: purge", name);
	return removed;
}

int kk_cni_network_purge(const struct kk_cni_host *host, const struct kk_cni_conflist *net,
			 struct kk_err *err)
{
	const char *name = kk_cni_conflist_name(net);
	struct kk_cni_cached_attachment *list = NULL;
	size_t n = 0, i;
	int removed = 0;

	if (kk_cni_cache_list(host, NULL, &list, &n, err) < 0)
		return kk_err_wrap(err, "network `%s`: purge", name);
	for (i = 0; i < n; i++) {
		cleanup_free char *path = NULL;

		if (strcmp(list[i].network, name) != 0)
			continue;
		path = kk_cni_cache_path(host->cache_dir, name, list[i].container_id,
					 list[i].ifname);
		if (kk_cni_cache_remove(path, err) < 0) {
			kk_cni_cached_attachments_free(list, n);
			return kk_err_wrap(err, "network `%s`: purge", name);
		}
		removed++;
	}
	kk_cni_cached_attachments_free(list, n);
	if (release_all_stores(net, NULL, &removed, err) < 0)
		return kk_err_wrap(err, "network `%s`: purge", name);
	return removed;
}
