/* common/oci/oci.h - the OCI runtime spec (config.json) of a kukeon container.
 *
 * kk_oci_spec_build() gives what upstream kukeon v0.5.0 stores in containerd: the
 * containerd Go client's default Linux spec, then the image config, then kukeon's
 * options in upstream's order (command/args, cwd, KUKEON_* env, /etc/hosts and
 * /etc/hostname, privileged, host namespaces, cgroup namespace, volumes and secrets,
 * cgroupsPath, user, read-only root, capabilities, securityOpts, tmpfs, resources,
 * annotations), then the namespaces to join.
 *
 * The input is plain: struct kk_oci_opts borrows every string and array; zero/NULL means
 * "not set". Arrays are pointer + count. Nothing here talks to containerd: the caller
 * passes the image config and, for user/group names, the path of a rootfs holding the
 * image's /etc/passwd and /etc/group (a mounted snapshot).
 *
 * Errors name the field the user wrote: "capabilities.add[1]: unknown capability
 * `CAP_FOO`", "user `bob`: no such user in the image's /etc/passwd". Secret values never
 * appear in an error message. */
#ifndef KK_COMMON_OCI_OCI_H
#define KK_COMMON_OCI_OCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

struct cJSON;

/* ociVersion written into every spec (runtime-spec v1.2.1, as containerd 2.x writes) */
#define KK_OCI_VERSION "1.2.1"
/* annotation naming the space's CNI conflist (upstream's key) */
#define KK_OCI_ANNOTATION_CNI_CONFIG "io.kukeon.cni.config"

/* The image's config (OCI image-spec "config" object). */
struct kk_oci_image_config {
	const char *const *entrypoint;
	size_t n_entrypoint;
	const char *const *cmd;
	size_t n_cmd;
	const char *const *env; /* "K=V" */
	size_t n_env;
	const char *working_dir; /* NULL/"" -> "/" */
	const char *user;        /* NULL/"" -> root, with supplementary gids of `root` */
};

/* The cell context that becomes the KUKEON_* environment, each only when set. */
struct kk_oci_identity {
	const char *cell_profile_name; /* KUKEON_CELL_PROFILE_NAME */
	const char *cell_name;         /* KUKEON_CELL_NAME (the cell id) */
	const char *container_id;      /* KUKEON_CONTAINER_ID (the container name) */
	const char *realm;             /* KUKEON_REALM */
	const char *space;             /* KUKEON_SPACE */
	const char *stack;             /* KUKEON_STACK */
	const char *cell_cgroup_path;  /* KUKEON_CGROUP_PATH; also the parent of cgroupsPath */
};

enum kk_oci_volume_kind {
	KK_OCI_VOLUME_BIND = 0,
	KK_OCI_VOLUME_TMPFS,
};

/* A volume (ContainerSpec.volumes[]): bind (source -> target) or tmpfs at target.
 * Entries with an empty target (or an empty bind source) are skipped, as upstream. */
struct kk_oci_volume {
	enum kk_oci_volume_kind kind;
	const char *source; /* bind: host path */
	const char *target; /* path in the container */
	bool read_only;
	int64_t size_bytes; /* tmpfs: size=N when > 0; < 0 is an error */
	uint32_t mode;      /* tmpfs: mode=%04o when != 0; above 07777 is an error */
};

/* A secret already resolved by the caller: with mount_path, the file staged at
 * staged_path is bind-mounted read-only there; without, NAME=value joins the env. */
struct kk_oci_secret {
	const char *name;
	const char *value;       /* env mode only */
	const char *staged_path; /* mount mode: host file (0400 under /run/kukeon/secrets) */
	const char *mount_path;  /* absolute path in the container, or NULL for env mode */
};

/* ContainerSpec.tmpfs[]: nosuid,nodev[,size=N],<options...> at path. */
struct kk_oci_tmpfs {
	const char *path;
	int64_t size_bytes;
	const char *const *options; /* raw mount options; size= and mode= are checked */
	size_t n_options;
};

/* linux.resources; 0 = unset (upstream applies only values > 0; < 0 is an error). */
struct kk_oci_resources {
	int64_t memory_limit;       /* bytes */
	int64_t memory_reservation; /* bytes */
	int64_t memory_swap;        /* bytes (memory + swap, as runc reads it) */
	int64_t cpu_shares;
	int64_t cpu_quota;  /* microseconds per period */
	int64_t cpu_period; /* microseconds */
	int64_t pids_limit;
};

/* Namespaces to join by path (/proc/<pid>/ns/<type>); NULL = keep the spec's entry. */
struct kk_oci_ns_paths {
	const char *net;
	const char *ipc;
	const char *uts;
	const char *pid;
};

struct kk_oci_kv {
	const char *key;
	const char *value;
};

/* A mount added as is, after every other option (e.g. kuketty's bind mounts). */
struct kk_oci_mount {
	const char *destination;
	const char *type; /* "bind", "tmpfs", ... */
	const char *source;
	const char *const *options;
	size_t n_options;
};

struct kk_oci_opts {
	/* identity */
	const char *id;            /* containerd container id (required) */
	const char *ctr_namespace; /* containerd namespace: default cgroupsPath /<ns>/<id> */
	bool root;                 /* the cell's root container (see args below) */
	const char *hostname;      /* UTS hostname (the root container gets the cell name) */
	const char *rootfs;        /* host path of the image rootfs (e.g. the container's
				    * snapshot mounted read-only), for /etc/passwd and
				    * /etc/group. containerd reads /etc/group even with no
				    * user set (root's supplementary groups), so pass it
				    * whenever there is one; NULL: numeric users only and no
				    * supplementary groups */
	struct kk_oci_image_config image;

	/* process: argv is [command] + args if command is set, else args if any, else the
	 * image's entrypoint + cmd. A root container with none of these runs
	 * `sleep infinity`. */
	const char *command;
	const char *const *args;
	size_t n_args;
	const char *working_dir;
	const char *const *env; /* "K=V"; a bare "K" removes K */
	size_t n_env;
	struct kk_oci_identity identity;

	/* files kukeon manages for the cell, bind-mounted read-only when set */
	const char *etc_hosts_path;
	const char *etc_hostname_path;

	const struct kk_oci_volume *volumes;
	size_t n_volumes;
	const struct kk_oci_secret *secrets;
	size_t n_secrets;

	bool privileged;
	bool host_network;
	bool host_pid;
	bool host_cgroup; /* false: a private cgroup namespace */
	bool nested_cgroup_runtime;
	bool read_only_rootfs;
	const char *user; /* uid, uid:gid, name, name:group (image's /etc/passwd, /etc/group) */

	const char *const *cap_add; /* "NET_ADMIN", "cap_net_admin", ... */
	size_t n_cap_add;
	const char *const *cap_drop; /* as cap_add; "ALL" clears every set */
	size_t n_cap_drop;
	const char *const *security_opts; /* no-new-privileges[=bool], seccomp=unconfined|FILE */
	size_t n_security_opts;
	const struct kk_oci_tmpfs *tmpfs;
	size_t n_tmpfs;
	struct kk_oci_resources resources;
	/* appended last, as upstream appends the attachable (kuketty) mounts */
	const struct kk_oci_mount *extra_mounts;
	size_t n_extra_mounts;

	/* NULL: <identity.cell_cgroup_path>/<id> when the cell path is set, else /<ns>/<id> */
	const char *cgroups_path;
	struct kk_oci_ns_paths join;

	const struct kk_oci_kv *annotations;
	size_t n_annotations;
	const char *cni_config_path; /* annotation io.kukeon.cni.config when set */

	/* Capabilities a privileged container gets; NULL: this process's effective set
	 * (/proc/self/status), as containerd's WithAllCurrentCapabilities. */
	const char *const *current_caps;
	size_t n_current_caps;
};

/* Build the spec. On success *out is a new cJSON object (free with cJSON_Delete).
 * Integers are raw JSON items (cJSON_IsRaw), so 64-bit values print exactly: print the
 * document (cJSON_PrintUnformatted) rather than reading numbers back from it. containerd
 * stores the printed text as an Any of type
 * "types.containerd.io/opencontainers/runtime-spec/1/Spec". */
int kk_oci_spec_build(const struct kk_oci_opts *opts, struct cJSON **out, struct kk_err *err);

/* An image config blob decoded into a kk_oci_image_config; `config` points into this
 * object, which owns every string. */
struct kk_oci_image_doc {
	struct kk_oci_image_config config;
	struct cJSON *json;   /* owned: the parsed blob the strings live in */
	const char *arrays[]; /* entrypoint, cmd, env one after the other, then NULL */
};

/* Decode an OCI (or Docker) image config blob, e.g. {"config":{"Env":[...],"Cmd":[...],
 * "Entrypoint":[...],"WorkingDir":"/","User":"1000"}}. A missing "config" object or
 * field is empty; a field of the wrong type is an error naming it. */
int kk_oci_image_doc_parse(const char *json, size_t len, struct kk_oci_image_doc **out,
			   struct kk_err *err);
void kk_oci_image_doc_free(struct kk_oci_image_doc *doc);
void kk_oci_image_doc_freep(struct kk_oci_image_doc **doc);

/* Point the spec's net/ipc/uts/pid namespaces at NS (upstream's step before creating a
 * non-root task): first clear any path on the net, ipc and uts entries, then set each
 * path given in NS, appending the entry when the spec has none of that type. */
int kk_oci_spec_join_namespaces(struct cJSON *spec, const struct kk_oci_ns_paths *ns,
				struct kk_err *err);

/* Parse a size: a byte count with an optional k, m, g, ki, mi or gi suffix (any case,
 * all 1024-based, as upstream's --memory and --tmpfs size=). "512Mi" -> 536870912. */
int kk_oci_parse_size(const char *s, int64_t *out, struct kk_err *err);

/* Normalise a capability name as upstream does ("net_admin" -> "CAP_NET_ADMIN", "all"
 * -> "ALL"). Returns a new string, or NULL when NAME is not a known capability (or
 * "ALL"/"CAP_ALL"). */
char *kk_oci_cap_normalize(const char *name);

/* The names of the capabilities in bitmap MASK (CapEff in /proc/<pid>/status), in
 * number order; *names is a new array of new strings (free each, then the array). */
void kk_oci_caps_from_mask(uint64_t mask, char ***names, size_t *n);

#endif
