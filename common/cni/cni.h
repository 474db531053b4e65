/* common/cni/cni.h - run the plugins of a CNI network configuration list (conflist).
 *
 * The part of libcni kukeon needs, written against the CNI spec (SPEC.md, sections 2, 3, 5):
 *   ADD    runs the plugins in list order; each gets the previous plugin's result as
 *          `prevResult`; the last result is cached.
 *   DEL    runs them in reverse, each with the cached ADD result as `prevResult` (for
 *          cniVersion >= 0.4.0), then removes the cache entry. A second DEL is fine.
 *   CHECK  runs them in order with the cached result (cniVersion >= 0.4.0 only).
 * Each plugin gets on stdin its own object from the list with `name` and `cniVersion` of the
 * list injected (and `prevResult`), and in its environment CNI_COMMAND, CNI_CONTAINERID,
 * CNI_NETNS, CNI_IFNAME, CNI_ARGS and CNI_PATH on top of ours.
 *
 * The result cache has libcni's format and place: `<cache_dir>/results/<network>-<container>-
 * <ifname>`, a JSON object of kind "cniCacheV1" holding the conflist bytes (base64), the
 * attachment and the result. So an attachment made by the Go kukeon (libcni) can be checked and
 * deleted here, and the other way round; and a DEL after a restart needs nothing but the cache.
 *
 * Differences from libcni, on purpose (docs/compat.md):
 *   - an ADD that fails half way runs DEL for the plugins it ran, in reverse, so a failed ADD
 *     leaves no interface and no IP reservation behind;
 *   - an ADD for an attachment that is already cached fails with EEXIST and runs nothing
 *     (DEL it first, or CHECK it), so that rollback can never tear down a live attachment;
 *   - every plugin run has a time limit; a plugin that exceeds it is killed with its process
 *     group (IPAM plugins it started included).
 * Capability arguments (`runtimeConfig`) are not supported: kukeon passes none.
 *
 * Use, for a cell's root container:
 *   struct kk_cni_host host = KK_CNI_HOST_DEFAULTS;      (or paths from flags/config)
 *   struct kk_cni_attachment att = { root_id, "/proc/<pid>/ns/net", "eth0", NULL };
 *   kk_cni_conflist_load(space_conflist_path, &net, err);
 *   kk_cni_add(&host, net, &att, &res, err);             then kk_cni_result_ipv4(res, ...)
 *   kk_cni_del(&host, net, &att, err);                   before the root task is killed
 *   kk_cni_purge(&host, net, root_id, err);              when the netns is already gone
 *
 * No host path is built in: plugin dirs and the cache dir come from struct kk_cni_host, and
 * the plugins' own state (host-local's `dataDir`) from the conflist. KK_CNI_HOST_DEFAULTS has
 * upstream's paths for callers that want them. */
#ifndef KK_COMMON_CNI_CNI_H
#define KK_COMMON_CNI_CNI_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"
#include "kk_config.h"

struct kk_log;

/* Where Debian's containernetworking-plugins package installs the plugins. */
#define KK_CNI_DEBIAN_BIN_DIR "/usr/lib/cni"
/* Plugin search path by default: the compiled-in bin dir (upstream's /opt/cni/bin), then
 * Debian's. */
#define KK_CNI_DEFAULT_PLUGIN_PATH CONFIG_DEFAULT_CNI_BIN_DIR ":" KK_CNI_DEBIAN_BIN_DIR
#define KK_CNI_DEFAULT_TIMEOUT_MS  CONFIG_DEFAULT_CNI_PLUGIN_TIMEOUT_MS

/* Where plugins and the result cache live. Strings are borrowed; none may be NULL. */
struct kk_cni_host {
	const char *plugin_path;  /* ':'-separated dirs, searched in order; passed as CNI_PATH */
	const char *cache_dir;    /* libcni's cache root; entries are under results/ */
	int timeout_ms;           /* limit for each plugin run; <= 0: KK_CNI_DEFAULT_TIMEOUT_MS */
	const struct kk_log *log; /* errors dropped on purpose go here at debug level; NULL:
				   * silent */
};
#define KK_CNI_HOST_DEFAULTS                                              \
	{                                                                 \
		KK_CNI_DEFAULT_PLUGIN_PATH, CONFIG_DEFAULT_CNI_CACHE_DIR, \
			KK_CNI_DEFAULT_TIMEOUT_MS, NULL                   \
	}

/* One attachment of a container to a network (CNI's attachment parameters). Borrowed. */
struct kk_cni_attachment {
	const char *container_id; /* CNI_CONTAINERID */
	const char *netns;        /* CNI_NETNS, a netns path; NULL or "" only for DEL */
	const char *ifname;       /* CNI_IFNAME, e.g. "eth0" */
	const char *const *args;  /* CNI_ARGS: NULL-terminated "KEY=VALUE" strings, or NULL */
};

/* ---- conflist ----------------------------------------------------------------------- */

struct kk_cni_conflist;

/* Parse conflist bytes. source names them in messages (a file path, or a description).
 * Checks: a JSON object, a valid `name`, a supported `cniVersion` (the highest of
 * `cniVersion` and `cniVersions` we support is selected), a non-empty `plugins` array of
 * objects with a valid `type`. Errors are EINVAL and start with "conflist `<source>`". */
int kk_cni_conflist_parse(const char *bytes, size_t len, const char *source,
			  struct kk_cni_conflist **out, struct kk_err *err);
/* Read and parse the conflist file at path. */
int kk_cni_conflist_load(const char *path, struct kk_cni_conflist **out, struct kk_err *err);
void kk_cni_conflist_free(struct kk_cni_conflist *net);
void kk_cni_conflist_freep(struct kk_cni_conflist **net);

/* Lent; they live as long as net. */
const char *kk_cni_conflist_name(const struct kk_cni_conflist *net);
const char *kk_cni_conflist_version(const struct kk_cni_conflist *net); /* selected version */
size_t kk_cni_conflist_n_plugins(const struct kk_cni_conflist *net);
const char *kk_cni_conflist_plugin_type(const struct kk_cni_conflist *net, size_t i);
/* Does a bridge plugin of net masquerade per container (`ipMasq: true`)? */
bool kk_cni_conflist_masq(const struct kk_cni_conflist *net);

/* ---- results ------------------------------------------------------------------------ */

struct kk_cni_interface {
	char *name;
	char *mac;     /* NULL if absent */
	char *sandbox; /* netns path for interfaces in the container; NULL on the host */
};

struct kk_cni_ip {
	int family;    /* AF_INET or AF_INET6, from the address itself */
	char *address; /* CIDR, e.g. "10.88.7.2/24" */
	char *gateway; /* NULL if absent */
	int interface; /* index into interfaces, or -1 */
};

struct kk_cni_route {
	char *dst; /* CIDR */
	char *gw;  /* NULL if absent */
};

struct kk_cni_dns {
	char **nameservers; /* NULL-terminated; NULL if none */
	char *domain;       /* NULL if absent */
	char **search;      /* NULL-terminated; NULL if none */
	char **options;     /* NULL-terminated; NULL if none */
};

/* A plugin's ADD result, any spec version from 0.1.0 to 1.1.0, in one shape. */
struct kk_cni_result {
	char *cni_version;
	struct kk_cni_interface *interfaces;
	size_t n_interfaces;
	struct kk_cni_ip *ips;
	size_t n_ips;
	struct kk_cni_route *routes;
	size_t n_routes;
	struct kk_cni_dns dns;
	char *json; /* the result document as cached (compact JSON) */
};

/* Parse a result document (0.1.0/0.2.0 `ip4`/`ip6`, or 0.3.0 up to 1.1.0 `interfaces`/`ips`).
 * A document without `cniVersion` is read as default_version (NULL: "0.1.0", as libcni).
 * Errors are EINVAL. */
int kk_cni_result_parse(const char *json, const char *default_version, struct kk_cni_result **out,
			struct kk_err *err);
void kk_cni_result_free(struct kk_cni_result *res);
void kk_cni_result_freep(struct kk_cni_result **res);

/* The IPv4 address (no prefix length) of the container's interface: the first IPv4 in `ips`
 * whose `interface` is an interface named ifname with a sandbox (any sandboxed interface if
 * ifname is NULL); failing that, the first IPv4 in `ips` (what upstream takes, and all an
 * 0.2.0 result has). buf must hold INET_ADDRSTRLEN bytes. ENOENT if there is none. */
int kk_cni_result_ipv4(const struct kk_cni_result *res, const char *ifname, char *buf, size_t size,
		       struct kk_err *err);

/* ---- operations --------------------------------------------------------------------- */

/* ADD att to net. On success *out (may be NULL if not wanted) is the final result, also
 * written to the cache. On failure the plugins already run are DELeted (best effort) and
 * nothing is cached. An attachment already in the cache fails with EEXIST. A plugin that is
 * missing fails with ENOENT, one that runs too long with ETIMEDOUT, one that reports an error
 * with EIO and its `msg` and `details`. */
int kk_cni_add(const struct kk_cni_host *host, const struct kk_cni_conflist *net,
	       const struct kk_cni_attachment *att, struct kk_cni_result **out, struct kk_err *err);
/* CHECK att against the cached ADD result. 0 if every plugin agrees (or the conflist sets
 * `disableCheck`). ENOTSUP for cniVersion < 0.4.0; ENOENT if nothing is cached. */
int kk_cni_check(const struct kk_cni_host *host, const struct kk_cni_conflist *net,
		 const struct kk_cni_attachment *att, struct kk_err *err);
/* DEL att from net, then drop its cache entry. With a bridge plugin that has `ipMasq`, the nat
 * chain and rule bridge made for the container are removed too if its DEL left them (it does
 * when the container's interface is already gone). Stops at the first plugin that fails (the
 * entry is then kept, so the DEL can be retried). Deleting what is not there succeeds. */
int kk_cni_del(const struct kk_cni_host *host, const struct kk_cni_conflist *net,
	       const struct kk_cni_attachment *att, struct kk_err *err);
/* DEL with nothing but the cache: the conflist and CNI_ARGS are taken from the entry for
 * (network, att->container_id, att->ifname); att->netns as given (a netns path cached by an
 * earlier process may name another container by now). Returns 1 if an entry was found and
 * the DEL ran, 0 if there was no entry. */
int kk_cni_del_cached(const struct kk_cni_host *host, const char *network,
		      const struct kk_cni_attachment *att, struct kk_err *err);

/* The result cached by the last ADD of (network, container_id, ifname), as cached. Returns 1
 * with *out set, or 0 with *out NULL when there is no entry. */
int kk_cni_cached_result(const struct kk_cni_host *host, const char *network,
			 const char *container_id, const char *ifname, struct kk_cni_result **out,
			 struct kk_err *err);

/* An attachment found in the cache. */
struct kk_cni_cached_attachment {
	char *network;
	char *container_id;
	char *ifname;
	char *netns; /* as cached; NULL if none. Only informative: the path may be stale */
};

/* The attachments in the cache, optionally only those of container_id (NULL: all), sorted by
 * file name, as libcni's GetCachedAttachments lists them: entries that are not readable
 * "cniCacheV1" objects naming a network and an interface are skipped. A missing cache dir
 * is an empty list. *out is a new array of *n entries (NULL if none); free it with
 * kk_cni_cached_attachments_free(). */
int kk_cni_cache_list(const struct kk_cni_host *host, const char *container_id,
		      struct kk_cni_cached_attachment **out, size_t *n, struct kk_err *err);
void kk_cni_cached_attachments_free(struct kk_cni_cached_attachment *list, size_t n);

/* ---- purge ------------------------------------------------------------------------ */

/* host-local's own default for `ipam.dataDir`. */
#define KK_CNI_HOSTLOCAL_DEFAULT_DATA_DIR "/var/lib/cni/networks"

/* Forget what CNI holds for container_id on net even when the plugins cannot clean up: a DEL
 * (no netns; errors ignored) for each cached attachment of the container on net, then its
 * cache entries and its host-local IP reservations are removed (files in
 * `<dataDir>/<network>/` whose first line is the container ID; dataDir from each host-local
 * `ipam` of the list, or host-local's default), and, for a bridge with `ipMasq`, the nat
 * chain and POSTROUTING rule the bridge plugin made for it (its DEL leaves them once the
 * netns is gone). Returns how many cache entries, reservations and chains were removed. */
int kk_cni_purge(const struct kk_cni_host *host, const struct kk_cni_conflist *net,
		 const char *container_id, struct kk_err *err);
/* Forget a whole network: every cache entry naming it and its host-local store
 * `<dataDir>/<network>/` (runs no plugin). Returns how many entries and files were removed. */
int kk_cni_network_purge(const struct kk_cni_host *host, const struct kk_cni_conflist *net,
			 struct kk_err *err);

/* What DEL would do for a conflist of the shape kukeon writes (one bridge without ipMasq,
 * host-local IPAM, and loopback; nothing else), once every process of the container's
 * network namespace is gone: the namespace took the veth and the loopback with it, so only
 * host-local's reservations and the cache entry are left, and they are removed here
 * without running a plugin. Returns 1 if done, 0 if net has another shape (run
 * kk_cni_del). */
int kk_cni_release_owned(const struct kk_cni_host *host, const struct kk_cni_conflist *net,
			 const char *container_id, const char *ifname, struct kk_err *err);
/* Is net of that shape? */
bool kk_cni_conflist_is_owned(const struct kk_cni_conflist *net);

/* The dataDir of plugin i's host-local ipam (host-local's default when it sets none), or
 * NULL if its ipam is not host-local; borrowed from net. */
const char *kk_cni_conflist_hostlocal_dir(const struct kk_cni_conflist *net, size_t i);

/* Forget what net holds for containers that are not in live_ids (NULL-terminated, the
 * containerd ids of running root containers): their cache entries (kk_cni_purge each) and
 * host-local reservations owned by anyone else. Returns how many were removed. */
int kk_cni_network_sweep(const struct kk_cni_host *host, const struct kk_cni_conflist *net,
			 char *const *live_ids, struct kk_err *err);

/* Remove a network from the host after its last attachment is gone: the link of each bridge
 * plugin (its `bridge`, or the plugin's default `cni0`), then what kk_cni_network_purge()
 * removes (cache entries and the host-local store). Runs no plugin. A link that is not there
 * is fine. Returns how many links, entries and files were removed. */
int kk_cni_network_teardown(const struct kk_cni_host *host, const struct kk_cni_conflist *net,
			    struct kk_err *err);
/* Delete the network interface ifname (rtnetlink RTM_DELLINK in the caller's netns). Returns
 * 1 if it was deleted, 0 if there is none. */
int kk_cni_link_delete(const char *ifname, struct kk_err *err);

/* A network interface of the caller's netns, as an rtnetlink dump lists it. */
struct kk_cni_link {
	char name[16]; /* IFNAMSIZ */
	int index;
	int master;          /* the index of the bridge it is enslaved to; 0: none */
	int peer;            /* IFLA_LINK: a veth's peer (or the lower device); 0: none */
	bool peer_elsewhere; /* the peer is in another netns (IFLA_LINK_NETNSID) */
};
/* Every link of the caller's netns. *out is a new array of *n links (free() it; NULL when
 * there are none). */
int kk_cni_link_list(struct kk_cni_link **out, size_t *n, struct kk_err *err);

/* The cache file path of an attachment: "<cache_dir>/results/<network>-<container>-<ifname>".
 * Free it. */
char *kk_cni_cache_path(const char *cache_dir, const char *network, const char *container_id,
			const char *ifname);

#endif
