/* common/cni/internal.h - shared by the files of common/cni only; not for other modules. */
#ifndef KK_COMMON_CNI_INTERNAL_H
#define KK_COMMON_CNI_INTERNAL_H

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stddef.h>

#include "common/cni/cni.h"
#include "common/err.h"

struct cJSON;

/* ---- exec.c: find and run one plugin ------------------------------------------------ */

/* The first regular file named type in the ':'-separated dirs of path. *out is a new string.
 * ENOENT naming the plugin and the path if there is none; EINVAL for a bad type. */
int kk_cni_plugin_find(const char *path, const char *type, char **out, struct kk_err *err);

/* What a plugin run produced. Buffers are NUL-terminated; free with kk_cni_run_clear(). */
struct kk_cni_run {
	char *out; /* stdout */
	size_t out_len;
	char *errout; /* stderr (at most KK_CNI_STDERR_MAX bytes kept) */
	size_t errout_len;
	int status; /* waitpid() status */
};
#define KK_CNI_STDOUT_MAX (16u << 20)
#define KK_CNI_STDERR_MAX (64u << 10)

/* Run exe (no shell) with argv (NULL: just exe, as plugins are run) in its own process group with
 * envp, stdin_data on stdin, and collect stdout and stderr until it exits. If it has not exited
 * after timeout_ms, its whole process group is killed (SIGKILL) and reaped, and the call fails with
 * ETIMEDOUT. A plugin that cannot be started fails with its errno and returns -2 (nothing ran). A
 * plugin that exits non-zero is a success here: the caller reads run->status and run->out. */
int kk_cni_plugin_run(const char *exe, char *const argv[], char *const envp[],
		      const char *stdin_data, size_t stdin_len, int timeout_ms,
		      struct kk_cni_run *run, struct kk_err *err);
void kk_cni_run_clear(struct kk_cni_run *run);

/* ---- conflist.c --------------------------------------------------------------------- */

/* Compare two "X.Y.Z" versions like strcmp; both must be valid (kk_cni_version_parse). */
int kk_cni_version_cmp(const char *a, const char *b);
/* 0 and the three numbers if v is "X.Y.Z" with decimal parts; -1 otherwise. */
int kk_cni_version_parse(const char *v, unsigned parts[3]);
/* The plugin object i of the list (lent). */
const struct cJSON *kk_cni_conflist_plugin(const struct kk_cni_conflist *net, size_t i);
bool kk_cni_conflist_disable_check(const struct kk_cni_conflist *net);
/* The conflist bytes as given (lent). */
const char *kk_cni_conflist_bytes(const struct kk_cni_conflist *net, size_t *len);
/* libcni's name rules: network names and container IDs start with an alphanumeric and go on
 * with alphanumerics, '_', '.', '-'; interface names are 1-15 bytes without '/', ':',
 * whitespace, and are not "." or "..". 0 if valid, -1 with EINVAL naming what. */
int kk_cni_check_name(const char *what, const char *name, struct kk_err *err);
int kk_cni_check_ifname(const char *name, struct kk_err *err);

/* ---- result.c ----------------------------------------------------------------------- */

/* Rewrite a result document in place as version to (the conversions libcni's GetAsVersion
 * does between 0.2.0, 0.3.x/0.4.0 and 1.x). Only conversions up from < 0.3.0 and between
 * 0.3.0+ versions are done; anything else is left as it is. */
void kk_cni_result_convert(struct cJSON *res, const char *to);

/* ---- purge.c ------------------------------------------------------------------------ */

/* If a bridge plugin of net has ipMasq, remove the nat chain and POSTROUTING rule it made for
 * container_id (its DEL leaves them when the container's interface is already gone).
 * *removed is incremented if there was a chain. */
int kk_cni_masq_remove(const struct kk_cni_host *host, const struct kk_cni_conflist *net,
		       const char *container_id, int *removed, struct kk_err *err);

/* ---- cache.c ------------------------------------------------------------------------ */

/* A cache entry as read back. */
struct kk_cni_cache_entry {
	char *config; /* conflist bytes; NULL for a legacy entry (result only) */
	size_t config_len;
	char **args;          /* cniArgs as "K=V", NULL-terminated; NULL if none */
	struct cJSON *result; /* the cached result document; NULL if none */
};
void kk_cni_cache_entry_clear(struct kk_cni_cache_entry *e);

/* Read the entry at path. Returns 1 with *e filled, 0 if the file does not exist, -1 (EINVAL)
 * if it cannot be understood. */
int kk_cni_cache_read(const char *path, struct kk_cni_cache_entry *e, struct kk_err *err);
/* Write the entry of a successful ADD, atomically, creating the results dir (0700). */
int kk_cni_cache_write(const char *cache_dir, const struct kk_cni_conflist *net,
		       const struct kk_cni_attachment *att, const struct cJSON *result,
		       struct kk_err *err);
/* Remove path; a missing file is fine. */
int kk_cni_cache_remove(const char *path, struct kk_err *err);

/* ---- iptables.c: iptables-save, one iptables-restore batch ------------------------------ */

/* Where iptables and friends are searched: $PATH, then the sbin and bin dirs. A new string. */
char *kk_ipt_search_path(void);
/* Run `tool ARGS...` (iptables, iptables-save ...) with no input. Returns its exit status
 * (*out, if not NULL, gets its stdout), or -1 if it could not run: ENOENT when the tool is
 * not installed. */
int kk_ipt_run(const struct kk_cni_host *host, const char *tool, const char *const *args,
	       char **out, struct kk_err *err);

/* The filter and nat tables as iptables-save prints them: chain names (":NAME" lines) and
 * rules ("-A CHAIN ..." lines), in order. */
struct kk_ipt {
	char **chains[2]; /* KK_IPT_FILTER, KK_IPT_NAT */
	char **rules[2];
};
enum { KK_IPT_FILTER, KK_IPT_NAT };
void kk_ipt_clear(struct kk_ipt *s);
int kk_ipt_save(const struct kk_cni_host *host, struct kk_ipt *out, struct kk_err *err);
bool kk_ipt_has_chain(const struct kk_ipt *s, int table, const char *chain);
/* The rules of chain, in order (lent lines; a new vector to free with free()). */
const char **kk_ipt_chain_rules(const struct kk_ipt *s, int table, const char *chain, size_t *n);
/* Is rule (a saved "-A CHAIN ..." line) one of chain's? */
bool kk_ipt_rule_in_chain(const char *rule, const char *chain);
/* The jump target of a saved rule ("-j X" / "--jump X"), copied into buf; "" if none. */
void kk_ipt_rule_target(const char *rule, char *buf, size_t size);
/* The value of the rule's `--comment`, copied into buf; "" if none. */
void kk_ipt_rule_comment(const char *rule, char *buf, size_t size);

/* One batch for iptables-restore --noflush, per table: chain declarations (which create or
 * flush), deletions, chain removals, then additions; emitted in that order. */
struct kk_ipt_batch {
	char **decl[2], **del[2], **drop[2], **add[2];
};
void kk_ipt_batch_clear(struct kk_ipt_batch *b);
bool kk_ipt_batch_empty(const struct kk_ipt_batch *b);
/* Append a line to one part of the batch (printf-style). */
void kk_ipt_batch_line(char ***part, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Run the batch in one `iptables-restore --noflush`: per table all or nothing. */
int kk_ipt_restore(const struct kk_cni_host *host, const struct kk_ipt_batch *b,
		   struct kk_err *err);
/* Serialise rule changes of kukeon processes: an flock on <cache_dir>/netpolicy.lock (the
 * dir is made if missing). *fd for kk_lockfile_release(). */
int kk_ipt_lock(const struct kk_cni_host *host, int *fd, struct kk_err *err);

/* Bring the loopback interface up inside the network namespace at path netns (rtnetlink,
 * from a socket opened in it): what the `loopback` plugin's ADD does. */
int kk_cni_netns_loopback_up(const char *netns, struct kk_err *err);

/* ---- netlink.c: rtnetlink requests -------------------------------------------------- */

/* One request (or the kernel's answer to one): a header, its family header, attributes. */
struct kk_nl_req {
	union {
		struct nlmsghdr nh;
		char buf[8192]; /* a bridge's RTM_NEWLINK is a few KiB */
	};
};
/* Start a request of type (RTM_*) with NLM_F_REQUEST | NLM_F_ACK | flags and the family
 * header hdr (struct ifinfomsg, ifaddrmsg, rtmsg). */
void kk_nl_init(struct kk_nl_req *req, int type, int flags, const void *hdr, size_t hdr_len);
/* Append an attribute; returns it (to nest others in it, closed with kk_nl_nest_end). */
struct rtattr *kk_nl_attr(struct kk_nl_req *req, int type, const void *data, size_t len);
void kk_nl_attr_str(struct kk_nl_req *req, int type, const char *s);
void kk_nl_nest_end(struct kk_nl_req *req, struct rtattr *nest);
/* A NETLINK_ROUTE socket of the calling thread's netns, with a receive timeout. */
int kk_nl_socket(int *fd, struct kk_err *err);
/* Send req on fd (-1: a socket of its own) and wait for the kernel's ack: *kerr is 0 or a
 * negative errno. If ans is not NULL, the last answer other than the ack is copied there
 * (a GET's reply). what names the request in errors. */
int kk_nl_talk(int fd, struct kk_nl_req *req, struct kk_nl_req *ans, int *kerr, const char *what,
	       struct kk_err *err);
/* The same, where any error of the kernel's fails: "<what>: <strerror>". */
int kk_nl_do(int fd, struct kk_nl_req *req, struct kk_nl_req *ans, const char *what,
	     struct kk_err *err);
/* A dump request of type (RTM_GETLINK, RTM_GETADDR) with family header hdr on fd (-1: a
 * socket of its own): fn(h, arg) for every answer until the kernel's NLMSG_DONE. */
int kk_nl_dump(int fd, int type, const void *hdr, size_t hdr_len,
	       void (*fn)(const struct nlmsghdr *h, void *arg), void *arg, const char *what,
	       struct kk_err *err);
/* Run fn(arg, err) on a thread that has entered the network namespace at path netns. Returns
 * what fn returns; its errors are wrapped with the netns. */
int kk_cni_in_netns(const char *netns, int (*fn)(void *arg, struct kk_err *err), void *arg,
		    struct kk_err *err);

/* ---- owned.c: ADD of kukeon's own conflist without a plugin process ------------------- */

/* For plugin 0 of net when it is kukeon's bridge (see owned.c for the exact shape) and its
 * bridge link exists: what the bridge plugin and its host-local IPAM do on ADD, done here.
 * Returns 1 with *result the bridge plugin's result document, 0 if net or the host is not
 * that case (run the plugin), -1 on failure, having undone its own work. */
int kk_cni_owned_add(const struct kk_cni_host *host, const struct kk_cni_conflist *net,
		     const struct kk_cni_attachment *att, struct cJSON **result,
		     struct kk_err *err);

#endif
