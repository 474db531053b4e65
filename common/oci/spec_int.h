/* common/oci/spec_int.h - the spec model that spec.c (defaults, image config, users, JSON) and
 * spec_opts.c (kukeon's options) share; private to common/oci. */
#ifndef KK_COMMON_OCI_SPEC_INT_H
#define KK_COMMON_OCI_SPEC_INT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/oci/oci.h"

struct cJSON;

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- a growable string vector ------------------------------------------------------ */

struct strv {
	char **v;
	size_t n, cap;
};

/* ---- the spec model ---------------------------------------------------------------- */

struct mount {
	char *destination, *type, *source;
	struct strv options;
};

struct ns {
	char *type, *path;
};

struct res_val {
	bool set;
	int64_t v;
};

struct spec {
	/* process */
	uint32_t uid, gid;
	uint32_t *gids;
	size_t n_gids;
	struct strv args, env;
	char *cwd;
	struct strv cap_bounding, cap_effective, cap_inheritable, cap_permitted;
	bool no_new_privileges;
	/* root */
	char *root_path;
	bool root_readonly;
	char *hostname;
	struct mount *mounts;
	size_t n_mounts;
	struct strv ann_keys, ann_values;
	/* lx */
	struct res_val mem_limit, mem_reservation, mem_swap, cpu_shares, cpu_quota, cpu_period,
		pids_limit;
	char *cgroups_path;
	struct ns *namespaces;
	size_t n_namespaces;
	struct cJSON *seccomp;
	struct strv masked_paths, readonly_paths;
};

/* ---- helpers over the model (spec.c) ---------------------------------------------- */

void kk_oci_strv_push_take(struct strv *sv, char *s);
void kk_oci_strv_push(struct strv *sv, const char *s);
void kk_oci_strv_clear(struct strv *sv);
void kk_oci_strv_set(struct strv *sv, const char *const *v, size_t n);
void kk_oci_strv_copy(struct strv *dst, const struct strv *src);
bool kk_oci_strv_has(const struct strv *sv, const char *s);
void kk_oci_strv_remove(struct strv *sv, const char *s);
void kk_oci_set_str(char **dst, const char *s);
bool kk_oci_is_set(const char *s);
void kk_oci_add_mount(struct spec *s, const char *dest, const char *type, const char *source,
		      const char *const *options);
struct mount *kk_oci_last_mount(struct spec *s);
void kk_oci_env_merge(struct strv *env, const char *const *overrides, size_t n);
bool kk_oci_env_has_key(const struct strv *env, const char *key);

/* ---- kukeon's options applied to the model (spec_opts.c) --------------------------- */

void kk_oci_apply_args(struct spec *s, const struct kk_oci_opts *o);
void kk_oci_apply_env(struct spec *s, const struct kk_oci_opts *o);
int kk_oci_apply_privileged(struct spec *s, const struct kk_oci_opts *o, struct kk_err *err);
bool kk_oci_is_abs(const char *p);
int kk_oci_apply_volumes(struct spec *s, const struct kk_oci_opts *o, struct kk_err *err);
char *kk_oci_join_cgroup(const char *parent, const char *id);
int kk_oci_apply_capabilities(struct spec *s, const struct kk_oci_opts *o, struct kk_err *err);
int kk_oci_apply_security_opt(struct spec *s, size_t i, const char *raw, struct kk_err *err);
int kk_oci_apply_tmpfs(struct spec *s, const struct kk_oci_opts *o, struct kk_err *err);
int kk_oci_apply_resources(struct spec *s, const struct kk_oci_resources *r, struct kk_err *err);
#endif
