/* common/cni/purge.c - remove what CNI holds for a container or a network, plugins or not. */
#include "common/cni/cni.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "common/cleanup.h"
#include "common/cni/internal.h"
#include "common/image/digest.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/strv.h"

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

/* The dataDir of plugin i's host-local ipam, or NULL if its ipam is not host-local. */
static const char *hostlocal_dir(const struct kk_cni_conflist *net, size_t i)
{
	const cJSON *ipam =
		cJSON_GetObjectItemCaseSensitive(kk_cni_conflist_plugin(net, i), "ipam");
	const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ipam, "type"));
	const char *dir = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ipam, "dataDir"));

	if (!type || strcmp(type, "host-local") != 0)
		return NULL;
	return dir && *dir ? dir : KK_CNI_HOSTLOCAL_DEFAULT_DATA_DIR;
}

/* The owner (container ID) of the reservation file name in dfd into buf; false if it cannot
 * be read. host-local writes "<id>\r\n<ifname>" (older versions just "<id>"). */
static bool reservation_owner(int dfd, const char *name, char *buf, size_t size)
{
	cleanup_close int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, size - 1);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return true;
}

/* Which reservations go: those of container_id; with container_id NULL, those whose owner is
 * not in keep (keep NULL: every file, and the directory). */
struct release {
	const char *container_id;
	char *const *keep;
	bool sweep;
};

static int hostlocal_release(const char *data_dir, const char *network, const struct release *r,
			     int *removed, struct kk_err *err)
{
	cleanup_free char *dir = kk_xasprintf("%s/%s", data_dir, network);
	cleanup_(closedirp) DIR *d = opendir(dir);
	bool all = !r->container_id && !r->sweep;
	struct dirent *de;

	if (!d) {
		if (errno == ENOENT)
			return 0;
		return kk_err_sys(err, "open host-local store `%s`", dir);
	}
	while ((de = readdir(d))) {
		char owner[512];

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		/* the store's own files: its lock and the last IP handed out per range */
		if (!all && (strcmp(de->d_name, "lock") == 0 ||
			     strncmp(de->d_name, "last_reserved_ip", 16) == 0))
			continue;
		if (!all && !reservation_owner(dirfd(d), de->d_name, owner, sizeof(owner)))
			continue;
		if (r->container_id && strcmp(owner, r->container_id) != 0)
			continue;
		if (r->sweep && kk_strv_contains(r->keep, owner))
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT)
			return kk_err_sys(err, "remove `%s/%s`", dir, de->d_name);
		(*removed)++;
	}
	if (all && rmdir(dir) < 0 && errno != ENOENT)
		return kk_err_sys(err, "remove host-local store `%s`", dir);
	return 0;
}

static int release_all_stores(const struct kk_cni_conflist *net, const struct release *r,
			      int *removed, struct kk_err *err)
{
	size_t i, n = kk_cni_conflist_n_plugins(net);

	for (i = 0; i < n; i++) {
		const char *dir = hostlocal_dir(net, i);

		if (dir && hostlocal_release(dir, kk_cni_conflist_name(net), r, removed, err) < 0)
			return -1;
	}
	return 0;
}

/* ---- the bridge plugin's ipMasq chain --------------------------------------------------
 *
 * With `ipMasq`, bridge's ADD makes a nat chain "CNI-" + the first 24 hex digits of
 * sha512(<network> <container ID>) and a POSTROUTING rule `-s <ip> -j <chain> -m comment
 * --comment 'name: "<network>" id: "<container ID>"'`. Its DEL removes them only while the
 * container's interface still exists; once the netns is gone, they stay. A purge removes them
 * the way the plugin would. */

static void masq_chain(const char *network, const char *container_id, char out[29])
{
	cleanup_free char *key = kk_xasprintf("%s%s", network, container_id);
	unsigned char md[64];
	unsigned int i;

	kk_sha512_raw(key, strlen(key), md);
	snprintf(out, 5, "CNI-");
	for (i = 0; i < 12; i++)
		snprintf(out + 4 + 2 * i, 3, "%02x", md[i]);
}

/* Run `iptables -w -t nat ARGS...`. Returns its exit status (*out gets its stdout if out is
 * not NULL), or -1 if it could not run. */
static int iptables(const struct kk_cni_host *host, const char *const *args, char **out,
		    struct kk_err *err)
{
	const char *argv[16] = { "-w", "-t", "nat" };
	size_t n = 3;

	while (*args && n < 15)
		argv[n++] = *args++;
	argv[n] = NULL;
	return kk_ipt_run(host, "iptables", argv, out, err);
}

int kk_cni_masq_remove(const struct kk_cni_host *host, const struct kk_cni_conflist *net,
		       const char *container_id, int *removed, struct kk_err *err)
{
	const char *network = kk_cni_conflist_name(net);
	cleanup_free char *rules = NULL, *comment = NULL;
	char chain[29], *line, *save = NULL;
	int rc;

	if (!kk_cni_conflist_masq(net))
		return 0;
	masq_chain(network, container_id, chain);
	{
		struct kk_err first = { 0 };

		rc = iptables(host, (const char *[]){ "-S", chain, NULL }, NULL, &first);
		/* no iptables on this host: then there is no chain either */
		if (rc < 0 && first.code == ENOENT)
			return 0;
		if (rc < 0) {
			*err = first;
			return -1;
		}
		if (rc != 0)
			return 0; /* no such chain: nothing to do */
	}
	comment = kk_xasprintf("name: \"%s\" id: \"%s\"", network, container_id);
	rc = iptables(host, (const char *[]){ "-S", "POSTROUTING", NULL }, &rules, err);
	if (rc < 0)
		return -1;
	for (line = rc == 0 ? strtok_r(rules, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		cleanup_free char *jump = kk_xasprintf(" -j %s", chain);
		char src[64];
		const char *s = strstr(line, " -s ");
		const char *j = strstr(line, jump);

		if (strncmp(line, "-A POSTROUTING ", 15) != 0 || !s || !j ||
		    (j[strlen(jump)] != ' ' && j[strlen(jump)] != '\0') ||
		    sscanf(s + 4, "%63s", src) != 1)
			continue;
		if (iptables(host,
			     (const char *[]){ "-D", "POSTROUTING", "-s", src, "-j", chain, "-m",
					       "comment", "--comment", comment, NULL },
			     NULL, err) < 0)
			return -1;
	}
	rc = iptables(host, (const char *[]){ "-F", chain, NULL }, NULL, err);
	if (rc == 0)
		rc = iptables(host, (const char *[]){ "-X", chain, NULL }, NULL, err);
	if (rc < 0)
		return -1;
	if (rc > 0)
		return kk_err_set(err, EIO, "`iptables -t nat -X %s` failed with status %d", chain,
				  rc);
	(*removed)++;
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
		kk_log_ignored(host->log, &ignored, "network `%s`: purge: DEL of `%s` %s", name,
			       container_id, list[i].ifname);
		path = kk_cni_cache_path(host->cache_dir, name, container_id, list[i].ifname);
		if (access(path, F_OK) == 0 && kk_cni_cache_remove(path, err) < 0) {
			kk_cni_cached_attachments_free(list, n);
			return kk_err_wrap(err, "network `%s`: purge", name);
		}
		removed++;
	}
	kk_cni_cached_attachments_free(list, n);
	if (release_all_stores(net, &(struct release){ .container_id = container_id }, &removed,
			       err) < 0)
		return kk_err_wrap(err, "network `%s`: purge", name);
	if (kk_cni_masq_remove(host, net, container_id, &removed, err) < 0)
		return kk_err_wrap(err, "network `%s`: purge: masquerade rules", name);
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
	if (release_all_stores(net, &(struct release){ 0 }, &removed, err) < 0)
		return kk_err_wrap(err, "network `%s`: purge", name);
	return removed;
}

int kk_cni_network_sweep(const struct kk_cni_host *host, const struct kk_cni_conflist *net,
			 char *const *live_ids, struct kk_err *err)
{
	const char *name = kk_cni_conflist_name(net);
	struct kk_cni_cached_attachment *list = NULL;
	size_t n = 0;
	int removed = 0, rc;

	if (kk_cni_cache_list(host, NULL, &list, &n, err) < 0)
		return kk_err_wrap(err, "network `%s`: sweep", name);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(list[i].network, name) != 0 ||
		    kk_strv_contains(live_ids, list[i].container_id))
			continue;
		rc = kk_cni_purge(host, net, list[i].container_id, err);
		if (rc < 0) {
			kk_cni_cached_attachments_free(list, n);
			return kk_err_wrap(err, "network `%s`: sweep", name);
		}
		removed += rc;
	}
	kk_cni_cached_attachments_free(list, n);
	if (release_all_stores(net, &(struct release){ .keep = live_ids, .sweep = true }, &removed,
			       err) < 0)
		return kk_err_wrap(err, "network `%s`: sweep", name);
	return removed;
}

bool kk_cni_conflist_is_owned(const struct kk_cni_conflist *net)
{
	size_t n = kk_cni_conflist_n_plugins(net);
	bool bridge = false;

	for (size_t i = 0; i < n; i++) {
		const char *type = kk_cni_conflist_plugin_type(net, i);

		if (strcmp(type, "loopback") == 0)
			continue;
		if (strcmp(type, "bridge") != 0 || bridge || !hostlocal_dir(net, i))
			return false;
		bridge = true;
	}
	return bridge && !kk_cni_conflist_masq(net);
}

int kk_cni_release_owned(const struct kk_cni_host *host, const struct kk_cni_conflist *net,
			 const char *container_id, const char *ifname, struct kk_err *err)
{
	const char *name = kk_cni_conflist_name(net);
	cleanup_free char *path = NULL;
	int removed = 0;

	if (!kk_cni_conflist_is_owned(net))
		return 0;
	if (kk_cni_check_name("container ID", container_id, err) < 0 ||
	    kk_cni_check_ifname(ifname, err) < 0)
		return kk_err_wrap(err, "network `%s`: release", name);
	if (release_all_stores(net, &(struct release){ .container_id = container_id }, &removed,
			       err) < 0)
		return kk_err_wrap(err, "network `%s`: release", name);
	path = kk_cni_cache_path(host->cache_dir, name, container_id, ifname);
	if (kk_cni_cache_remove(path, err) < 0)
		return kk_err_wrap(err, "network `%s`: release", name);
	return 1;
}

const char *kk_cni_conflist_hostlocal_dir(const struct kk_cni_conflist *net, size_t i)
{
	return hostlocal_dir(net, i);
}
