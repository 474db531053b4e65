/* common/model/model.h - the v1beta1 documents: Realm, Space, Stack, Cell, Container,
 * CellProfile, ClientConfiguration, ServerConfiguration.
 *
 * Field for field the Go types of kukeon v0.5.0 (pkg/api/model/v1beta1). Strings are
 * owned `char *` (NULL == ""), lists are struct kk_strv (nil vs empty kept, so a document
 * re-encodes byte for byte), Go pointer fields have a `has_` flag or are pointers.
 *
 * For every kind K:
 *   int  kk_K_decode(tree, yaml, &out, err)  tree from YAML (yaml = its kk_yaml_doc, for
 *        lines and scalar rules) or JSON (yaml = NULL). Reads apiVersion/kind as written
 *        without checking them (kk_doc_decode does that). On success *out is new; free it
 *        with kk_K_free(). Fails on type errors: "line L: spec.x: expected ..., got ...".
 *   cJSON *kk_K_encode(obj, mode)  a new tree in upstream key order; cJSON_Delete() it.
 *        KK_ENC_JSON for metadata.json / -o json / the wire, KK_ENC_YAML for -o yaml.
 *   void kk_K_free(obj), kk_K_freep(&obj)  NULL is fine.
 * These are expanded in common/model/doc.c from common/model/kinds.def around the kind's
 * body codec, kk_K_body (the spec and status sections), defined in the kind's file. */
#ifndef KK_COMMON_MODEL_MODEL_H
#define KK_COMMON_MODEL_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "common/model/codec.h"

struct cJSON;
struct kk_yaml_doc;

/* ---- states (reference §6.7) ---- */
enum kk_realm_state {
	KK_REALM_PENDING,
	KK_REALM_CREATING,
	KK_REALM_READY,
	KK_REALM_DELETING,
	KK_REALM_FAILED,
	KK_REALM_UNKNOWN,
};
enum kk_space_state { KK_SPACE_PENDING, KK_SPACE_READY, KK_SPACE_FAILED, KK_SPACE_UNKNOWN };
enum kk_stack_state { KK_STACK_PENDING, KK_STACK_READY, KK_STACK_FAILED, KK_STACK_UNKNOWN };
enum kk_cell_state {
	KK_CELL_PENDING,
	KK_CELL_READY,
	KK_CELL_STOPPED,
	KK_CELL_FAILED,
	KK_CELL_UNKNOWN,
	KK_CELL_DEGRADED, /* kukeon-c, as upstream's later tags (docs/compat.md) */
};
enum kk_container_state {
	KK_CONTAINER_PENDING,
	KK_CONTAINER_READY,
	KK_CONTAINER_STOPPED,
	KK_CONTAINER_PAUSED,
	KK_CONTAINER_PAUSING,
	KK_CONTAINER_FAILED,
	KK_CONTAINER_UNKNOWN,
};
extern const struct kk_state_names kk_realm_states, kk_space_states, kk_stack_states,
	kk_cell_states, kk_container_states;

/* ---- Realm ---- */
struct kk_registry_cred {
	char *username, *password, *server_address;
};
struct kk_realm {
	char *api_version, *kind;
	struct kk_meta meta;
	struct {
		char *namespace_;
		struct kk_registry_cred *registry_credentials;
		size_t n_registry_credentials;
	} spec;
	struct kk_status status; /* state: enum kk_realm_state */
	bool containerd_namespace_ready;
};

/* ---- Container pieces (shared by Cell, Container and Space defaults) ---- */
struct kk_capabilities {
	struct kk_strv drop, add;
};
struct kk_tmpfs_mount {
	char *path;
	int64_t size_bytes;
	struct kk_strv options;
};
struct kk_resources {
	bool has_memory_limit_bytes, has_cpu_shares, has_pids_limit; /* Go *int64 */
	int64_t memory_limit_bytes, cpu_shares, pids_limit;
};
struct kk_volume_mount {
	char *kind; /* "", "bind", "tmpfs" */
	char *source;
	char *target;
	bool read_only;
	int64_t size_bytes;
	uint32_t mode;
};
struct kk_secret {
	char *name, *from_file, *from_env, *mount_path;
};
struct kk_container_tty {
	char *prompt;
	struct kk_strv on_init; /* scripts of the onInit stages (TtyStage{script}) */
	char *log_file;
};

struct kk_container_spec {
	char *id, *containerd_id, *realm_id, *space_id, *stack_id, *cell_id;
	bool root;
	char *image, *command;
	struct kk_strv args;
	char *working_dir;
	struct kk_strv env, ports;
	struct kk_volume_mount *volumes;
	size_t n_volumes;
	bool volumes_set; /* nil vs empty */
	struct kk_strv networks, networks_aliases;
	bool privileged, host_network, host_pid, host_cgroup;
	char *user;
	bool read_only_root_filesystem;
	struct kk_capabilities *capabilities; /* NULL = absent */
	struct kk_strv security_opts;
	struct kk_tmpfs_mount *tmpfs;
	size_t n_tmpfs;
	struct kk_resources *resources; /* NULL = absent */
	struct kk_secret *secrets;
	size_t n_secrets;
	char *cni_config_path, *restart_policy;
	bool attachable;
	struct kk_container_tty *tty; /* NULL = absent */
};

struct kk_container_status {
	char *name, *id;
	int state; /* enum kk_container_state */
	int64_t restart_count;
	struct kk_time restart_time, start_time, finish_time;
	int64_t exit_code;
	char *exit_signal;
};

void kk_container_spec_clear(struct kk_container_spec *s);
void kk_container_status_clear(struct kk_container_status *s);
/* Decode/encode one ContainerSpec object (cells embed them). */
int kk_container_spec_decode_into(struct kk_dec *d, const struct cJSON *obj,
				  struct kk_container_spec *out);
struct cJSON *kk_container_spec_encode(const struct kk_container_spec *s, enum kk_enc_mode mode);
int kk_container_status_decode_into(struct kk_dec *d, const struct cJSON *obj,
				    struct kk_container_status *out);
struct cJSON *kk_container_status_encode(const struct kk_container_status *s,
					 enum kk_enc_mode mode);
/* shared by Space defaults */
int kk_capabilities_decode(struct kk_dec *d, const struct cJSON *obj, const char *key,
			   struct kk_capabilities **out);
void kk_capabilities_encode(enum kk_enc_mode mode, struct cJSON *obj, const char *key,
			    const struct kk_capabilities *c);
void kk_capabilities_free(struct kk_capabilities *c);
int kk_tmpfs_decode(struct kk_dec *d, const struct cJSON *obj, struct kk_tmpfs_mount **out,
		    size_t *n);
void kk_tmpfs_encode(enum kk_enc_mode mode, struct cJSON *obj, const struct kk_tmpfs_mount *t,
		     size_t n);
void kk_tmpfs_free(struct kk_tmpfs_mount *t, size_t n);
int kk_resources_decode(struct kk_dec *d, const struct cJSON *obj, struct kk_resources **out);
void kk_resources_encode(struct cJSON *obj, const struct kk_resources *r);

/* ---- Container (kind: Container) ---- */
struct kk_container {
	char *api_version, *kind;
	struct kk_meta meta;
	struct kk_container_spec spec;
	struct kk_container_status status;
};
/* Parser-level secret checks of a Container document (reference §6.6):
 * "secret name is required (secrets[i])" etc. */
int kk_container_secrets_validate(const struct kk_container_spec *s, struct kk_err *err);

/* ---- Space ---- */
struct kk_egress_rule {
	char *host, *cidr;
	int64_t *ports; /* Go []int, omitempty */
	size_t n_ports;
};
struct kk_egress_policy {
	char *default_; /* "allow" / "deny" (validated by the controller) */
	struct kk_egress_rule *allow;
	size_t n_allow;
};
struct kk_space_container_defaults {
	char *user;
	bool has_read_only_root_filesystem; /* Go *bool */
	bool read_only_root_filesystem;
	struct kk_capabilities *capabilities;
	struct kk_strv security_opts;
	struct kk_tmpfs_mount *tmpfs;
	size_t n_tmpfs;
	struct kk_resources *resources;
};
struct kk_space {
	char *api_version, *kind;
	struct kk_meta meta;
	struct {
		char *realm_id, *cni_config_path;
		bool has_network;                /* spec.network present (Go *SpaceNetwork) */
		struct kk_egress_policy *egress; /* spec.network.egress */
		bool has_defaults;               /* spec.defaults present */
		struct kk_space_container_defaults *defaults_container;
	} spec;
	struct kk_status status; /* state: enum kk_space_state */
};
/* Upstream's egress checks (reference §6.3), first failure only:
 *   "egress default must be 'allow' or 'deny'" (case-insensitive; empty means allow),
 *   "egress allow rule <i>: egress allow rule requires exactly one of host or cidr",
 *   "... must not set both host and cidr",
 *   `... cidr is not a valid CIDR: "<c>": invalid CIDR address: <c>`,
 *   `... host is not a valid dns name: "<h>"`, "... port must be within [1, 65535]: <n>".
 * A NULL policy is valid. */
int kk_egress_validate(const struct kk_egress_policy *p, struct kk_err *err);
/* The rule's ports deduplicated and sorted, as enforcement uses them; returns the count
 * written to out (at most n_ports). */
size_t kk_egress_rule_ports(const struct kk_egress_rule *r, int64_t *out);

/* ---- Stack ---- */
struct kk_stack {
	char *api_version, *kind;
	struct kk_meta meta;
	struct {
		char *id, *realm_id, *space_id;
	} spec;
	struct kk_status status; /* state: enum kk_stack_state */
};

/* ---- Cell ---- */
struct kk_cell_spec {
	char *id, *realm_id, *space_id, *stack_id, *root_container_id;
	bool has_tty; /* Go *CellTty */
	char *tty_default;
	struct kk_container_spec *containers;
	size_t n_containers;
	bool containers_set;
	bool auto_delete, nested_cgroup_runtime;
};
struct kk_cell {
	char *api_version, *kind;
	struct kk_meta meta;
	struct kk_cell_spec spec;
	struct {
		struct kk_status common; /* state: enum kk_cell_state */
		char *bridge_name;       /* status.network.bridgeName */
		char *ip_address;        /* status.network.ipAddress (kukeon-c extension) */
		struct kk_container_status *containers;
		size_t n_containers;
		bool containers_set;
		bool ready_observed;
	} status;
};
void kk_cell_spec_clear(struct kk_cell_spec *s);
int kk_cell_spec_decode_into(struct kk_dec *d, const struct cJSON *obj, struct kk_cell_spec *out);
struct cJSON *kk_cell_spec_encode(const struct kk_cell_spec *s, enum kk_enc_mode mode);

/* ---- CellProfile ---- */
struct kk_profile_param {
	char *name, *description;
	bool has_default; /* Go *string: an explicit "" counts */
	char *default_;
	bool required;
};
struct kk_cell_profile {
	char *api_version, *kind;
	struct kk_meta meta; /* labels omitempty */
	struct {
		char *realm, *space, *stack, *prefix;
		struct kk_profile_param *parameters;
		size_t n_parameters;
		struct kk_cell_spec cell;
	} spec;
};

/* ---- ClientConfiguration / ServerConfiguration ---- */
struct kk_client_config {
	char *api_version, *kind;
	struct kk_meta meta; /* labels omitempty */
	struct {
		char *host, *run_path, *containerd_socket, *log_level;
	} spec;
};
struct kk_server_config {
	char *api_version, *kind;
	struct kk_meta meta; /* labels omitempty */
	struct {
		char *socket;
		int64_t socket_gid;
		char *run_path, *containerd_socket, *log_level, *reconcile_interval, *kukeond_image,
			*containerd_namespace_suffix, *cgroup_root;
	} spec;
};
/* Load a configuration file's content the way upstream does (yaml.Unmarshal of the whole
 * file: its first document; an empty file is an empty document). path is for messages:
 *   `parse client configuration "<p>": client configuration is invalid: line L ...`
 *   `client configuration "<p>" has kind "<k>", want "ClientConfiguration": client configuration is
 * invalid` (and the same with "server"). A missing file is the caller's case (upstream: defaults). */
int kk_client_config_parse(const char *buf, size_t len, const char *path,
			   struct kk_client_config **out, struct kk_err *err);
int kk_server_config_parse(const char *buf, size_t len, const char *path,
			   struct kk_server_config **out, struct kk_err *err);

/* kk_K_decode, kk_K_encode, kk_K_free, kk_K_freep (see the top) and the body codec kk_K_body of
 * every kind, from common/model/kinds.def */
#define KIND(id, str, type, member, apply)                                                    \
	int kk_##type##_decode(const struct cJSON *tree, const struct kk_yaml_doc *yaml,      \
			       struct kk_##type **out, struct kk_err *err);                   \
	struct cJSON *kk_##type##_encode(const struct kk_##type *doc, enum kk_enc_mode mode); \
	void kk_##type##_free(struct kk_##type *doc);                                         \
	void kk_##type##_freep(struct kk_##type **doc);                                       \
	extern const struct kk_body_codec kk_##type##_body;
#include "common/model/kinds.def"
#undef KIND

#endif
