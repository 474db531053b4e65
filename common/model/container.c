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

KK_FIELDS(tmpfs_fields, struct kk_tmpfs_mount, KK_FIELD(struct kk_tmpfs_mount, path, "path", STR),
	  KK_FIELD_OMIT(struct kk_tmpfs_mount, size_bytes, "sizeBytes", I64),
	  KK_FIELD_OMIT(struct kk_tmpfs_mount, options, "options", STRV));

int kk_tmpfs_decode(struct kk_dec *d, const cJSON *obj, struct kk_tmpfs_mount **out, size_t *n)
{
	return kk_dec_records(d, obj, "tmpfs", &tmpfs_fields, (void **)out, n, NULL);
}

void kk_tmpfs_encode(enum kk_enc_mode mode, cJSON *obj, const struct kk_tmpfs_mount *t, size_t n)
{
	if (n)
		kk_enc_records(mode, kk_enc_arr(obj, "tmpfs"), &tmpfs_fields, t, n);
}

void kk_tmpfs_free(struct kk_tmpfs_mount *t, size_t n)
{
	kk_records_free(&tmpfs_fields, t, n);
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

#define CS struct kk_container_spec
#define VM struct kk_volume_mount
#define SE struct kk_secret

KK_FIELDS(spec_head, CS, KK_FIELD(CS, id, "id", STR),
	  KK_FIELD_OMIT(CS, containerd_id, "containerdId", STR),
	  KK_FIELD(CS, realm_id, "realmId", STR), KK_FIELD(CS, space_id, "spaceId", STR),
	  KK_FIELD(CS, stack_id, "stackId", STR), KK_FIELD(CS, cell_id, "cellId", STR),
	  KK_FIELD_OMIT(CS, root, "root", BOOL), KK_FIELD(CS, image, "image", STR),
	  KK_FIELD(CS, command, "command", STR), KK_FIELD(CS, args, "args", STRV),
	  KK_FIELD_OMIT(CS, working_dir, "workingDir", STR), KK_FIELD(CS, env, "env", STRV),
	  KK_FIELD(CS, ports, "ports", STRV));
KK_FIELDS(volume_fields, VM, KK_FIELD_OMIT(VM, kind, "kind", STR),
	  KK_FIELD_OMIT(VM, source, "source", STR), KK_FIELD(VM, target, "target", STR),
	  KK_FIELD_OMIT(VM, read_only, "readOnly", BOOL),
	  KK_FIELD_OMIT(VM, size_bytes, "sizeBytes", I64), KK_FIELD_OMIT(VM, mode, "mode", U32));
KK_FIELDS(spec_host, CS, KK_FIELD(CS, networks, "networks", STRV),
	  KK_FIELD(CS, networks_aliases, "networksAliases", STRV),
	  KK_FIELD(CS, privileged, "privileged", BOOL),
	  KK_FIELD_OMIT(CS, host_network, "hostNetwork", BOOL),
	  KK_FIELD_OMIT(CS, host_pid, "hostPID", BOOL),
	  KK_FIELD_OMIT(CS, host_cgroup, "hostCgroup", BOOL), KK_FIELD_OMIT(CS, user, "user", STR),
	  KK_FIELD_OMIT(CS, read_only_root_filesystem, "readOnlyRootFilesystem", BOOL));
KK_FIELDS(secret_fields, SE, KK_FIELD(SE, name, "name", STR),
	  KK_FIELD_OMIT(SE, from_file, "fromFile", STR),
	  KK_FIELD_OMIT(SE, from_env, "fromEnv", STR),
	  KK_FIELD_OMIT(SE, mount_path, "mountPath", STR));
KK_FIELDS(spec_tail, CS, KK_FIELD_OMIT(CS, cni_config_path, "cniConfigPath", STR),
	  KK_FIELD(CS, restart_policy, "restartPolicy", STR),
	  KK_FIELD_OMIT(CS, attachable, "attachable", BOOL));

static int stage_item(struct kk_dec *d, const cJSON *node, size_t i, void *ctx)
{
	struct kk_container_tty *t = ctx;
	cleanup_free char *script = NULL;

	if (kk_dec_str(d, node, "script", &script) < 0)
		return -1;
	kk_strv_push(&t->on_init, kk_str(script));
	return 0;
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

	if (kk_dec_fields(d, obj, &spec_head, s) < 0 ||
	    kk_dec_records(d, obj, "volumes", &volume_fields, (void **)&s->volumes, &s->n_volumes,
			   &s->volumes_set) < 0 ||
	    kk_dec_fields(d, obj, &spec_host, s) < 0 ||
	    kk_capabilities_decode(d, obj, "capabilities", &s->capabilities) < 0 ||
	    kk_dec_strv(d, obj, "securityOpts", &s->security_opts) < 0 ||
	    kk_tmpfs_decode(d, obj, &s->tmpfs, &s->n_tmpfs) < 0 ||
	    kk_resources_decode(d, obj, &s->resources) < 0 ||
	    kk_dec_records(d, obj, "secrets", &secret_fields, (void **)&s->secrets, &s->n_secrets,
			   NULL) < 0 ||
	    kk_dec_fields(d, obj, &spec_tail, s) < 0)
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
	cJSON *o = cJSON_CreateObject(), *vols;

	kk_enc_fields(mode, o, &spec_head, s);
	vols = kk_enc_slice(mode, o, "volumes", s->volumes_set, s->n_volumes);
	kk_enc_records(mode, vols, &volume_fields, s->volumes, s->n_volumes);
	kk_enc_fields(mode, o, &spec_host, s);
	kk_capabilities_encode(mode, o, "capabilities", s->capabilities);
	kk_enc_strv(mode, o, "securityOpts", &s->security_opts, true);
	kk_tmpfs_encode(mode, o, s->tmpfs, s->n_tmpfs);
	kk_resources_encode(o, s->resources);
	if (s->n_secrets)
		kk_enc_records(mode, kk_enc_arr(o, "secrets"), &secret_fields, s->secrets,
			       s->n_secrets);
	kk_enc_fields(mode, o, &spec_tail, s);
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
	kk_fields_clear(&spec_head, s);
	kk_records_free(&volume_fields, s->volumes, s->n_volumes);
	kk_fields_clear(&spec_host, s);
	kk_capabilities_free(s->capabilities);
	kk_strv_clear(&s->security_opts);
	kk_tmpfs_free(s->tmpfs, s->n_tmpfs);
	free(s->resources);
	kk_records_free(&secret_fields, s->secrets, s->n_secrets);
	kk_fields_clear(&spec_tail, s);
	tty_free(s->tty);
	memset(s, 0, sizeof(*s));
}

/* ---- ContainerStatus ---- */

#define ST struct kk_container_status

KK_FIELDS(status_ids, ST, KK_FIELD(ST, name, "name", STR), KK_FIELD(ST, id, "id", STR));
KK_FIELDS(status_run, ST, KK_FIELD(ST, restart_count, "restartCount", I64),
	  KK_FIELD(ST, restart_time, "restartTime", TIME),
	  KK_FIELD(ST, start_time, "startTime", TIME),
	  KK_FIELD(ST, finish_time, "finishTime", TIME), KK_FIELD(ST, exit_code, "exitCode", I64),
	  KK_FIELD(ST, exit_signal, "exitSignal", STR));

int kk_container_status_decode_into(struct kk_dec *d, const cJSON *obj,
				    struct kk_container_status *s)
{
	if (kk_dec_fields(d, obj, &status_ids, s) < 0 ||
	    kk_dec_state(d, obj, "state", &kk_container_states, &s->state) < 0 ||
	    kk_dec_fields(d, obj, &status_run, s) < 0)
		return -1;
	return 0;
}

cJSON *kk_container_status_encode(const struct kk_container_status *s, enum kk_enc_mode mode)
{
	cJSON *o = cJSON_CreateObject();

	kk_enc_fields(mode, o, &status_ids, s);
	kk_enc_state(o, "state", &kk_container_states, s->state);
	kk_enc_fields(mode, o, &status_run, s);
	return o;
}

void kk_container_status_clear(struct kk_container_status *s)
{
	kk_fields_clear(&status_ids, s);
	kk_fields_clear(&status_run, s);
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

const struct kk_body_codec kk_container_body = { .spec = container_spec,
						 .status = container_status,
						 .encode = container_encode,
						 .clear = container_clear };

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
