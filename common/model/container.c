/* common/model/container.c - ContainerSpec, ContainerStatus and kind: Container. */
#include "common/model/model.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/cleanup.h"
#include "common/mem.h"

static const char *const container_labels[] = { "Pending", "Ready",  "Stopped", "Paused",
						"Pausing", "Failed", "Unknown" };
const struct kk_state_names kk_container_states = { "container", container_labels, 7 };

/* ---- capabilities, tmpfs, resources (also used by Space defaults) ---- */

int kk_capabilities_decode(struct kk_dec *d, const cJSON *obj, const char *key,
			   struct kk_capabilities **out)
{
	const cJSON *n;
	int rc = kk_dec_obj(d, obj, key, &n);
	size_t old;

	if (rc <= 0) {
		if (rc == 0 && kk_dec_member(d, obj, key)) {
			kk_capabilities_free(*out); /* explicit null: nil pointer */
			*out = NULL;
		}
		return rc;
	}
	if (!*out)
		*out = kk_xcalloc(1, sizeof(**out));
	old = kk_dec_push(d, key);
	if (kk_dec_strv(d, n, "drop", &(*out)->drop) < 0 ||
	    kk_dec_strv(d, n, "add", &(*out)->add) < 0)
		return -1;
	kk_dec_pop(d, old);
	return 0;
}

void kk_capabilities_encode(enum kk_enc_mode mode, cJSON *obj, const char *key,
			    const struct kk_capabilities *c)
{
	cJSON *o;

	if (!c)
		return;
	o = kk_enc_obj(obj, key);
	kk_enc_strv(mode, o, "drop", &c->drop, true);
	kk_enc_strv(mode, o, "add", &c->add, true);
}

void kk_capabilities_free(struct kk_capabilities *c)
{
	if (!c)
		return;
	kk_strv_clear(&c->drop);
	kk_strv_clear(&c->add);
	free(c);
}

struct tmpfs_ctx {
	struct kk_tmpfs_mount **v;
	size_t *n;
};

static int tmpfs_item(struct kk_dec *d, const cJSON *node, size_t i, void *ctx)
{
	struct tmpfs_ctx *t = ctx;
	struct kk_tmpfs_mount *m;

	*t->v = kk_xrealloc(*t->v, (i + 1) * sizeof(**t->v));
	m = &(*t->v)[i];
	memset(m, 0, sizeof(*m));
	*t->n = i + 1;
	if (kk_dec_str(d, node, "path", &m->path) < 0 ||
	    kk_dec_i64(d, node, "sizeBytes", &m->size_bytes, NULL) < 0 ||
	    kk_dec_strv(d, node, "options", &m->options) < 0)
		return -1;
	return 0;
}

int kk_tmpfs_decode(struct kk_dec *d, const cJSON *obj, struct kk_tmpfs_mount **out, size_t *n)
{
	struct tmpfs_ctx t = { out, n };
	size_t count;

	if (!kk_dec_member(d, obj, "tmpfs"))
		return 0;
	kk_tmpfs_free(*out, *n);
	*out = NULL;
	*n = 0;
	return kk_dec_list(d, obj, "tmpfs", &count, tmpfs_item, &t);
}

void kk_tmpfs_encode(enum kk_enc_mode mode, cJSON *obj, const struct kk_tmpfs_mount *t, size_t n)
{
	cJSON *arr;

	if (!n)
		return;
	arr = kk_enc_arr(obj, "tmpfs");
	for (size_t i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();

		kk_enc_str(o, "path", t[i].path, false);
		kk_enc_i64(o, "sizeBytes", t[i].size_bytes, true);
		kk_enc_strv(mode, o, "options", &t[i].options, true);
		cJSON_AddItemToArray(arr, o);
	}
}

void kk_tmpfs_free(struct kk_tmpfs_mount *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(t[i].path);
		kk_strv_clear(&t[i].options);
	}
	free(t);
}

int kk_resources_decode(struct kk_dec *d, const cJSON *obj, struct kk_resources **out)
{
	const cJSON *n;
	int rc = kk_dec_obj(d, obj, "resources", &n);
	size_t old;

	if (rc <= 0) {
		if (rc == 0 && kk_dec_member(d, obj, "resources")) {
			free(*out);
			*out = NULL;
		}
		return rc;
	}
	if (!*out)
		*out = kk_xcalloc(1, sizeof(**out));
	old = kk_dec_push(d, "resources");
	if (kk_dec_i64(d, n, "memoryLimitBytes", &(*out)->memory_limit_bytes,
		       &(*out)->has_memory_limit_bytes) < 0 ||
	    kk_dec_i64(d, n, "cpuShares", &(*out)->cpu_shares, &(*out)->has_cpu_shares) < 0 ||
	    kk_dec_i64(d, n, "pidsLimit", &(*out)->pids_limit, &(*out)->has_pids_limit) < 0)
		return -1;
	kk_dec_pop(d, old);
	return 0;
}

void kk_resources_encode(cJSON *obj, const struct kk_resources *r)
{
	cJSON *o;

	if (!r)
		return;
	o = kk_enc_obj(obj, "resources");
	if (r->has_memory_limit_bytes)
		kk_enc_i64(o, "memoryLimitBytes", r->memory_limit_bytes, false);
	if (r->has_cpu_shares)
		kk_enc_i64(o, "cpuShares", r->cpu_shares, false);
	if (r->has_pids_limit)
		kk_enc_i64(o, "pidsLimit", r->pids_limit, false);
}

/* ---- ContainerSpec ---- */

static int volume_item(struct kk_dec *d, const cJSON *node, size_t i, void *ctx)
{
	struct kk_container_spec *s = ctx;
	struct kk_volume_mount *v;

	s->volumes = kk_xrealloc(s->volumes, (i + 1) * sizeof(*s->volumes));
	v = &s->volumes[i];
	memset(v, 0, sizeof(*v));
	s->n_volumes = i + 1;
	if (kk_dec_str(d, node, "kind", &v->kind) < 0 ||
	    kk_dec_str(d, node, "source", &v->source) < 0 ||
	    kk_dec_str(d, node, "target", &v->target) < 0 ||
	    kk_dec_bool(d, node, "readOnly", &v->read_only) < 0 ||
	    kk_dec_i64(d, node, "sizeBytes", &v->size_bytes, NULL) < 0 ||
	    kk_dec_u32(d, node, "mode", &v->mode) < 0)
		return -1;
	return 0;
}

static int secret_item(struct kk_dec *d, const cJSON *node, size_t i, void *ctx)
{
	struct kk_container_spec *s = ctx;
	struct kk_secret *v;

	s->secrets = kk_xrealloc(s->secrets, (i + 1) * sizeof(*s->secrets));
	v = &s->secrets[i];
	memset(v, 0, sizeof(*v));
	s->n_secrets = i + 1;
	if (kk_dec_str(d, node, "name", &v->name) < 0 ||
	    kk_dec_str(d, node, "fromFile", &v->from_file) < 0 ||
	    kk_dec_str(d, node, "fromEnv", &v->from_env) < 0 ||
	    kk_dec_str(d, node, "mountPath", &v->mount_path) < 0)
		return -1;
	return 0;
}

static int stage_item(struct kk_dec *d, const cJSON *node, size_t i, void *ctx)
{
	struct kk_container_tty *t = ctx;
	cleanup_free char *script = NULL;

	if (kk_dec_str(d, node, "script", &script) < 0)
		return -1;
	kk_strv_push(&t->on_init, kk_str(script));
	return 0;
}

static void volumes_clear(struct kk_container_spec *s)
{
	for (size_t i = 0; i < s->n_volumes; i++) {
		free(s->volumes[i].kind);
		free(s->volumes[i].source);
		free(s->volumes[i].target);
	}
	free(s->volumes);
	s->volumes = NULL;
	s->n_volumes = 0;
	s->volumes_set = false;
}

static void secrets_clear(struct kk_container_spec *s)
{
	for (size_t i = 0; i < s->n_secrets; i++) {
		free(s->secrets[i].name);
		free(s->secrets[i].from_file);
		free(s->secrets[i].from_env);
		free(s->secrets[i].mount_path);
	}
	free(s->secrets);
	s->secrets = NULL;
	s->n_secrets = 0;
}

static void tty_free(struct kk_container_tty *t)
{
	if (!t)
		return;
	free(t->prompt);
	kk_strv_clear(&t->on_init);
	free(t->log_file);
	free(t);
}

int kk_container_spec_decode_into(struct kk_dec *d, const cJSON *obj, struct kk_container_spec *s)
{
	const cJSON *n;
	size_t count, old;
	int rc;

	if (kk_dec_str(d, obj, "id", &s->id) < 0 ||
	    kk_dec_str(d, obj, "containerdId", &s->containerd_id) < 0 ||
	    kk_dec_str(d, obj, "realmId", &s->realm_id) < 0 ||
	    kk_dec_str(d, obj, "spaceId", &s->space_id) < 0 ||
	    kk_dec_str(d, obj, "stackId", &s->stack_id) < 0 ||
	    kk_dec_str(d, obj, "cellId", &s->cell_id) < 0 ||
	    kk_dec_bool(d, obj, "root", &s->root) < 0 ||
	    kk_dec_str(d, obj, "image", &s->image) < 0 ||
	    kk_dec_str(d, obj, "command", &s->command) < 0 ||
	    kk_dec_strv(d, obj, "args", &s->args) < 0 ||
	    kk_dec_str(d, obj, "workingDir", &s->working_dir) < 0 ||
	    kk_dec_strv(d, obj, "env", &s->env) < 0 || kk_dec_strv(d, obj, "ports", &s->ports) < 0)
		return -1;
	n = kk_dec_member(d, obj, "volumes");
	if (n) {
		volumes_clear(s);
		if (kk_dec_list(d, obj, "volumes", &count, volume_item, s) < 0)
			return -1;
		s->volumes_set = !cJSON_IsNull(n);
	}
	if (kk_dec_strv(d, obj, "networks", &s->networks) < 0 ||
	    kk_dec_strv(d, obj, "networksAliases", &s->networks_aliases) < 0 ||
	    kk_dec_bool(d, obj, "privileged", &s->privileged) < 0 ||
	    kk_dec_bool(d, obj, "hostNetwork", &s->host_network) < 0 ||
	    kk_dec_bool(d, obj, "hostPID", &s->host_pid) < 0 ||
	    kk_dec_bool(d, obj, "hostCgroup", &s->host_cgroup) < 0 ||
	    kk_dec_str(d, obj, "user", &s->user) < 0 ||
	    kk_dec_bool(d, obj, "readOnlyRootFilesystem", &s->read_only_root_filesystem) < 0 ||
	    kk_capabilities_decode(d, obj, "capabilities", &s->capabilities) < 0 ||
	    kk_dec_strv(d, obj, "securityOpts", &s->security_opts) < 0 ||
	    kk_tmpfs_decode(d, obj, &s->tmpfs, &s->n_tmpfs) < 0 ||
	    kk_resources_decode(d, obj, &s->resources) < 0)
		return -1;
	if (kk_dec_member(d, obj, "secrets")) {
		secrets_clear(s);
		if (kk_dec_list(d, obj, "secrets", &count, secret_item, s) < 0)
			return -1;
	}
	if (kk_dec_str(d, obj, "cniConfigPath", &s->cni_config_path) < 0 ||
	    kk_dec_str(d, obj, "restartPolicy", &s->restart_policy) < 0 ||
	    kk_dec_bool(d, obj, "attachable", &s->attachable) < 0)
		return -1;
	rc = kk_dec_obj(d, obj, "tty", &n);
	if (rc < 0)
		return -1;
	if (rc == 0 && kk_dec_member(d, obj, "tty")) {
		tty_free(s->tty);
		s->tty = NULL;
	}
	if (rc == 1) {
		if (!s->tty)
			s->tty = kk_xcalloc(1, sizeof(*s->tty));
		old = kk_dec_push(d, "tty");
		if (kk_dec_str(d, n, "prompt", &s->tty->prompt) < 0)
			return -1;
		if (kk_dec_member(d, n, "onInit")) {
			kk_strv_clear(&s->tty->on_init);
			if (kk_dec_list(d, n, "onInit", &count, stage_item, s->tty) < 0)
				return -1;
		}
		if (kk_dec_str(d, n, "logFile", &s->tty->log_file) < 0)
			return -1;
		kk_dec_pop(d, old);
	}
	return 0;
}

cJSON *kk_container_spec_encode(const struct kk_container_spec *s, enum kk_enc_mode mode)
{
	cJSON *o = cJSON_CreateObject();

	kk_enc_str(o, "id", s->id, false);
	kk_enc_str(o, "containerdId", s->containerd_id, true);
	kk_enc_str(o, "realmId", s->realm_id, false);
	kk_enc_str(o, "spaceId", s->space_id, false);
	kk_enc_str(o, "stackId", s->stack_id, false);
	kk_enc_str(o, "cellId", s->cell_id, false);
	kk_enc_bool(o, "root", s->root, true);
	kk_enc_str(o, "image", s->image, false);
	kk_enc_str(o, "command", s->command, false);
	kk_enc_strv(mode, o, "args", &s->args, false);
	kk_enc_str(o, "workingDir", s->working_dir, true);
	kk_enc_strv(mode, o, "env", &s->env, false);
	kk_enc_strv(mode, o, "ports", &s->ports, false);
	if (!s->volumes_set && !s->n_volumes && mode == KK_ENC_JSON) {
		cJSON_AddItemToObject(o, "volumes", cJSON_CreateNull());
	} else {
		cJSON *arr = kk_enc_arr(o, "volumes");

		for (size_t i = 0; i < s->n_volumes; i++) {
			const struct kk_volume_mount *v = &s->volumes[i];
			cJSON *vo = cJSON_CreateObject();

			kk_enc_str(vo, "kind", v->kind, true);
			kk_enc_str(vo, "source", v->source, true);
			kk_enc_str(vo, "target", v->target, false);
			kk_enc_bool(vo, "readOnly", v->read_only, true);
			kk_enc_i64(vo, "sizeBytes", v->size_bytes, true);
			kk_enc_i64(vo, "mode", v->mode, true);
			cJSON_AddItemToArray(arr, vo);
		}
	}
	kk_enc_strv(mode, o, "networks", &s->networks, false);
	kk_enc_strv(mode, o, "networksAliases", &s->networks_aliases, false);
	kk_enc_bool(o, "privileged", s->privileged, false);
	kk_enc_bool(o, "hostNetwork", s->host_network, true);
	kk_enc_bool(o, "hostPID", s->host_pid, true);
	kk_enc_bool(o, "hostCgroup", s->host_cgroup, true);
	kk_enc_str(o, "user", s->user, true);
	kk_enc_bool(o, "readOnlyRootFilesystem", s->read_only_root_filesystem, true);
	kk_capabilities_encode(mode, o, "capabilities", s->capabilities);
	kk_enc_strv(mode, o, "securityOpts", &s->security_opts, true);
	kk_tmpfs_encode(mode, o, s->tmpfs, s->n_tmpfs);
	kk_resources_encode(o, s->resources);
	if (s->n_secrets) {
		cJSON *arr = kk_enc_arr(o, "secrets");

		for (size_t i = 0; i < s->n_secrets; i++) {
			cJSON *so = cJSON_CreateObject();

			kk_enc_str(so, "name", s->secrets[i].name, false);
			kk_enc_str(so, "fromFile", s->secrets[i].from_file, true);
			kk_enc_str(so, "fromEnv", s->secrets[i].from_env, true);
			kk_enc_str(so, "mountPath", s->secrets[i].mount_path, true);
			cJSON_AddItemToArray(arr, so);
		}
	}
	kk_enc_str(o, "cniConfigPath", s->cni_config_path, true);
	kk_enc_str(o, "restartPolicy", s->restart_policy, false);
	kk_enc_bool(o, "attachable", s->attachable, true);
	if (s->tty) {
		cJSON *t = kk_enc_obj(o, "tty");

		kk_enc_str(t, "prompt", s->tty->prompt, true);
		if (s->tty->on_init.n) {
			cJSON *arr = kk_enc_arr(t, "onInit");

			for (size_t i = 0; i < s->tty->on_init.n; i++) {
				cJSON *so = cJSON_CreateObject();

				kk_enc_str(so, "script", s->tty->on_init.v[i], true);
				cJSON_AddItemToArray(arr, so);
			}
		}
		kk_enc_str(t, "logFile", s->tty->log_file, true);
	}
	return o;
}

void kk_container_spec_clear(struct kk_container_spec *s)
{
	free(s->id);
	free(s->containerd_id);
	free(s->realm_id);
	free(s->space_id);
	free(s->stack_id);
	free(s->cell_id);
	free(s->image);
	free(s->command);
	kk_strv_clear(&s->args);
	free(s->working_dir);
	kk_strv_clear(&s->env);
	kk_strv_clear(&s->ports);
	volumes_clear(s);
	kk_strv_clear(&s->networks);
	kk_strv_clear(&s->networks_aliases);
	free(s->user);
	kk_capabilities_free(s->capabilities);
	kk_strv_clear(&s->security_opts);
	kk_tmpfs_free(s->tmpfs, s->n_tmpfs);
	free(s->resources);
	secrets_clear(s);
	free(s->cni_config_path);
	free(s->restart_policy);
	tty_free(s->tty);
	memset(s, 0, sizeof(*s));
}

/* ---- ContainerStatus ---- */

int kk_container_status_decode_into(struct kk_dec *d, const cJSON *obj,
				    struct kk_container_status *s)
{
	if (kk_dec_str(d, obj, "name", &s->name) < 0 || kk_dec_str(d, obj, "id", &s->id) < 0 ||
	    kk_dec_state(d, obj, "state", &kk_container_states, &s->state) < 0 ||
	    kk_dec_i64(d, obj, "restartCount", &s->restart_count, NULL) < 0 ||
	    kk_dec_time(d, obj, "restartTime", &s->restart_time) < 0 ||
	    kk_dec_time(d, obj, "startTime", &s->start_time) < 0 ||
	    kk_dec_time(d, obj, "finishTime", &s->finish_time) < 0 ||
	    kk_dec_i64(d, obj, "exitCode", &s->exit_code, NULL) < 0 ||
	    kk_dec_str(d, obj, "exitSignal", &s->exit_signal) < 0)
		return -1;
	return 0;
}

cJSON *kk_container_status_encode(const struct kk_container_status *s, enum kk_enc_mode mode)
{
	cJSON *o = cJSON_CreateObject();

	kk_enc_str(o, "name", s->name, false);
	kk_enc_str(o, "id", s->id, false);
	kk_enc_state(o, "state", &kk_container_states, s->state);
	kk_enc_i64(o, "restartCount", s->restart_count, false);
	kk_enc_time(mode, o, "restartTime", &s->restart_time, false);
	kk_enc_time(mode, o, "startTime", &s->start_time, false);
	kk_enc_time(mode, o, "finishTime", &s->finish_time, false);
	kk_enc_i64(o, "exitCode", s->exit_code, false);
	kk_enc_str(o, "exitSignal", s->exit_signal, false);
	return o;
}

void kk_container_status_clear(struct kk_container_status *s)
{
	free(s->name);
	free(s->id);
	free(s->exit_signal);
	memset(s, 0, sizeof(*s));
}

/* ---- kind: Container ---- */

static int container_spec(struct kk_dec *d, const cJSON *spec, void *doc)
{
	return spec ? kk_container_spec_decode_into(d, spec, &((struct kk_container *)doc)->spec)
		    : 0;
}

static int container_status(struct kk_dec *d, const cJSON *status, void *doc)
{
	return status ? kk_container_status_decode_into(d, status,
							&((struct kk_container *)doc)->status)
		      : 0;
}

static void container_encode(cJSON *root, const void *doc, enum kk_enc_mode mode)
{
	const struct kk_container *c = doc;

	cJSON_AddItemToObject(root, "spec", kk_container_spec_encode(&c->spec, mode));
	cJSON_AddItemToObject(root, "status", kk_container_status_encode(&c->status, mode));
}

static void container_clear(void *doc)
{
	struct kk_container *c = doc;

	kk_container_spec_clear(&c->spec);
	kk_container_status_clear(&c->status);
}

const struct kk_body_codec kk_container_body = { false, container_spec, container_status,
						 container_encode, container_clear };

/* strings.TrimSpace for ASCII whitespace: the span [*start, *start + return) */
static size_t trimmed(const char *s, const char **start)
{
	size_t n;

	s = kk_str(s);
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\v' || *s == '\f')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r' ||
		     s[n - 1] == '\v' || s[n - 1] == '\f'))
		n--;
	*start = s;
	return n;
}

int kk_container_secrets_validate(const struct kk_container_spec *s, struct kk_err *err)
{
	for (size_t i = 0; i < s->n_secrets; i++) {
		const struct kk_secret *sec = &s->secrets[i];
		const char *name, *ff, *fe, *mp;
		size_t nn = trimmed(sec->name, &name), nf = trimmed(sec->from_file, &ff);
		size_t ne = trimmed(sec->from_env, &fe), nm = trimmed(sec->mount_path, &mp);

		if (!nn)
			return kk_err_set(err, EINVAL, "secret name is required (secrets[%zu])", i);
		if (!nf && !ne)
			return kk_err_set(err, EINVAL,
					  "secret requires exactly one of fromFile or fromEnv "
					  "(secrets[%zu] \"%.*s\")",
					  i, (int)nn, name);
		if (nf && ne)
			return kk_err_set(err, EINVAL,
					  "secret must not set both fromFile and fromEnv "
					  "(secrets[%zu] \"%.*s\")",
					  i, (int)nn, name);
		if (nm && mp[0] != '/')
			return kk_err_set(err, EINVAL,
					  "secret mountPath must be an absolute container path "
					  "(secrets[%zu] \"%.*s\" mountPath \"%.*s\")",
					  i, (int)nn, name, (int)nm, mp);
	}
	return 0;
}
