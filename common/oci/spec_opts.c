/* common/oci/spec_opts.c - kukeon's container options applied to the spec model: args, env,
 * privileged, volumes, capabilities, security options, tmpfs, resources (see spec_int.h). */
#include "common/oci/spec_int.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/gostr.h"
#include "common/mem.h"

/* ---- kukeon's options ---------------------------------------------------------------- */

void kk_oci_apply_args(struct spec *s, const struct kk_oci_opts *o)
{
	static const char *const sleep_forever[] = { "sleep", "infinity" };

	if (kk_oci_is_set(o->command)) {
		kk_oci_strv_clear(&s->args);
		kk_oci_strv_push(&s->args, o->command);
		for (size_t i = 0; i < o->n_args; i++)
			kk_oci_strv_push(&s->args, o->args[i]);
	} else if (o->n_args) {
		kk_oci_strv_set(&s->args, o->args, o->n_args);
	} else if (o->root && s->args.n == 0) {
		/* a root container must outlive the others, and an image with nothing to run
		 * would not start at all */
		kk_oci_strv_set(&s->args, sleep_forever, 2);
	}
}

/* The KUKEON_* identity variables not overridden by the user's env, then the user's env
 * and env-mode secrets, merged into the spec's env. */
void kk_oci_apply_env(struct spec *s, const struct kk_oci_opts *o)
{
	const struct kk_oci_identity *id = &o->identity;
	const struct {
		const char *key, *value;
	} ident[] = {
		{ "KUKEON_CELL_PROFILE_NAME", id->cell_profile_name },
		{ "KUKEON_CELL_NAME", id->cell_name },
		{ "KUKEON_CONTAINER_ID", id->container_id },
		{ "KUKEON_REALM", id->realm },
		{ "KUKEON_SPACE", id->space },
		{ "KUKEON_STACK", id->stack },
		{ "KUKEON_CGROUP_PATH", id->cell_cgroup_path },
	};
	struct strv user = { 0 }, all = { 0 };

	for (size_t i = 0; i < o->n_env; i++)
		kk_oci_strv_push(&user, o->env[i]);
	for (size_t i = 0; i < o->n_secrets; i++)
		if (!kk_oci_is_set(o->secrets[i].mount_path))
			kk_oci_strv_push_take(&user,
					      kk_xasprintf("%s=%s", o->secrets[i].name,
							   o->secrets[i].value ? o->secrets[i].value
									       : ""));
	for (size_t i = 0; i < N(ident); i++)
		if (kk_oci_is_set(ident[i].value) && !kk_oci_env_has_key(&user, ident[i].key))
			kk_oci_strv_push_take(&all,
					      kk_xasprintf("%s=%s", ident[i].key, ident[i].value));
	for (size_t i = 0; i < user.n; i++)
		kk_oci_strv_push_take(&all, TAKE_PTR(user.v[i]));
	user.n = 0;
	kk_oci_env_merge(&s->env, (const char *const *)all.v, all.n);
	/* the secret values were copied into the spec; wipe our temporaries */
	for (size_t i = 0; i < all.n; i++)
		explicit_bzero(all.v[i], strlen(all.v[i]));
	kk_oci_strv_clear(&all);
	kk_oci_strv_clear(&user);
}

int kk_oci_apply_privileged(struct spec *s, const struct kk_oci_opts *o, struct kk_err *err)
{
	struct strv caps = { 0 };

	if (o->current_caps) {
		kk_oci_strv_set(&caps, o->current_caps, o->n_current_caps);
	} else {
		cleanup_free char *line = NULL;
		size_t cap = 0;
		uint64_t mask = 0;
		bool found = false;
		FILE *f = fopen("/proc/self/status", "re");

		if (!f)
			return kk_err_sys(err, "privileged: read /proc/self/status");
		while (getline(&line, &cap, f) >= 0) {
			if (strncmp(line, "CapEff:", 7) == 0) {
				mask = strtoull(line + 7, NULL, 16);
				found = true;
				break;
			}
		}
		fclose(f);
		if (!found)
			return kk_err_set(err, EINVAL,
					  "privileged: no CapEff line in /proc/self/status");
		kk_oci_caps_from_mask(mask, &caps.v, &caps.n);
		caps.cap = caps.n;
	}
	/* WithCapabilities(current) */
	kk_oci_strv_copy(&s->cap_bounding, &caps);
	kk_oci_strv_copy(&s->cap_effective, &caps);
	kk_oci_strv_copy(&s->cap_permitted, &caps);
	if (caps.n == 0) {
		kk_oci_strv_clear(&s->cap_inheritable);
	} else {
		for (size_t i = s->cap_inheritable.n; i-- > 0;)
			if (!kk_oci_strv_has(&caps, s->cap_inheritable.v[i]))
				kk_oci_strv_remove(&s->cap_inheritable, s->cap_inheritable.v[i]);
	}
	kk_oci_strv_clear(&caps);
	kk_oci_strv_clear(&s->masked_paths);
	kk_oci_strv_clear(&s->readonly_paths);
	/* writable sysfs and cgroupfs */
	for (size_t i = 0; i < s->n_mounts; i++) {
		struct mount *m = &s->mounts[i];

		if (strcmp(m->type, "sysfs") != 0 && strcmp(m->type, "cgroup") != 0)
			continue;
		for (size_t j = 0; j < m->options.n; j++)
			if (strcmp(m->options.v[j], "ro") == 0)
				kk_oci_set_str(&m->options.v[j], "rw");
	}
	cJSON_Delete(s->seccomp);
	s->seccomp = NULL;
	return 0;
}

bool kk_oci_is_abs(const char *p)
{
	return p && p[0] == '/';
}

static int check_tmpfs_mode(uint32_t mode, const char *field, const char *target,
			    struct kk_err *err)
{
	if (mode > 07777)
		return kk_err_set(err, EINVAL, "%s `%s`: mode %o is not a file mode (at most 7777)",
				  field, target, mode);
	return 0;
}

int kk_oci_apply_volumes(struct spec *s, const struct kk_oci_opts *o, struct kk_err *err)
{
	for (size_t i = 0; i < o->n_volumes; i++) {
		const struct kk_oci_volume *v = &o->volumes[i];
		char field[48];

		snprintf(field, sizeof(field), "volumes[%zu]", i);
		if (v->kind == KK_OCI_VOLUME_TMPFS) {
			if (!kk_oci_is_set(v->target))
				continue;
			if (!kk_oci_is_abs(v->target))
				return kk_err_set(err, EINVAL,
						  "%s: target `%s` is not an absolute path", field,
						  v->target);
			if (v->size_bytes < 0)
				return kk_err_set(err, EINVAL,
						  "%s `%s`: size %" PRId64 " is negative", field,
						  v->target, v->size_bytes);
			if (check_tmpfs_mode(v->mode, field, v->target, err) < 0)
				return -1;
			kk_oci_add_mount(s, v->target, "tmpfs", "tmpfs", NULL);
			if (v->size_bytes > 0)
				kk_oci_strv_push_take(&kk_oci_last_mount(s)->options,
						      kk_xasprintf("size=%" PRId64, v->size_bytes));
			if (v->mode)
				kk_oci_strv_push_take(&kk_oci_last_mount(s)->options,
						      kk_xasprintf("mode=%04o", v->mode));
			kk_oci_strv_push(&kk_oci_last_mount(s)->options,
					 v->read_only ? "ro" : "rw");
		} else if (v->kind == KK_OCI_VOLUME_BIND) {
			const char *bind[] = { "rbind", v->read_only ? "ro" : "rw", NULL };

			if (!kk_oci_is_set(v->source) || !kk_oci_is_set(v->target))
				continue;
			if (!kk_oci_is_abs(v->target))
				return kk_err_set(err, EINVAL,
						  "%s: target `%s` is not an absolute path", field,
						  v->target);
			if (!kk_oci_is_abs(v->source))
				return kk_err_set(err, EINVAL,
						  "%s: source `%s` is not an absolute path", field,
						  v->source);
			kk_oci_add_mount(s, v->target, "bind", v->source, bind);
		} else {
			return kk_err_set(err, EINVAL, "%s: unknown volume kind %d", field,
					  (int)v->kind);
		}
	}
	/* mount-mode secrets: upstream appends them to the volumes as read-only binds */
	for (size_t i = 0; i < o->n_secrets; i++) {
		const struct kk_oci_secret *sec = &o->secrets[i];
		const char *ro[] = { "rbind", "ro", NULL };

		if (!kk_oci_is_set(sec->mount_path))
			continue;
		if (!kk_oci_is_abs(sec->mount_path))
			return kk_err_set(err, EINVAL,
					  "secrets[%zu] `%s`: mountPath `%s` is not an absolute "
					  "path",
					  i, sec->name, sec->mount_path);
		if (!kk_oci_is_abs(sec->staged_path))
			return kk_err_set(err, EINVAL, "secrets[%zu] `%s`: not staged on the host",
					  i, sec->name);
		kk_oci_add_mount(s, sec->mount_path, "bind", sec->staged_path, ro);
	}
	return 0;
}

/* filepath.Join(parent, id) for the cgroup paths we are given (no "." or "..") */
char *kk_oci_join_cgroup(const char *parent, const char *id)
{
	size_t len = strlen(parent);

	while (len > 0 && parent[len - 1] == '/')
		len--;
	return kk_xasprintf("%s%.*s/%s", parent[0] == '/' ? "" : "/", (int)len, parent, id);
}

/* The capabilities of the n entries of v (blank ones skipped) normalized into out; `what`
 * ("drop", "add") names the list in messages. ALL (*all set) only where allow_all. */
static int cap_list(const char *what, const char *const *v, size_t n, bool allow_all,
		    struct strv *out, bool *all, struct kk_err *err)
{
	for (size_t i = 0; i < n; i++) {
		char *c;

		if (!*v[i] || strspn(v[i], " \t\n") == strlen(v[i]))
			continue;
		c = kk_oci_cap_normalize(v[i]);
		if (!c)
			return kk_err_set(err, EINVAL,
					  "capabilities.%s[%zu]: unknown capability `%s`", what, i,
					  v[i]);
		if (strcmp(c, "ALL") == 0 || strcmp(c, "CAP_ALL") == 0) {
			if (!allow_all) {
				free(c);
				return kk_err_set(err, EINVAL,
						  "capabilities.%s[%zu]: `%s` can only be dropped, "
						  "name each capability to add",
						  what, i, v[i]);
			}
			*all = true;
		}
		kk_oci_strv_push_take(out, c);
	}
	return 0;
}

int kk_oci_apply_capabilities(struct spec *s, const struct kk_oci_opts *o, struct kk_err *err)
{
	struct strv drop = { 0 }, add = { 0 };
	bool drop_all = false;
	int rc = -1;

	if (cap_list("drop", o->cap_drop, o->n_cap_drop, true, &drop, &drop_all, err) < 0 ||
	    cap_list("add", o->cap_add, o->n_cap_add, false, &add, NULL, err) < 0)
		goto out;
	if (drop_all) {
		/* WithCapabilities(nil): every set empty */
		kk_oci_strv_clear(&s->cap_bounding);
		kk_oci_strv_clear(&s->cap_effective);
		kk_oci_strv_clear(&s->cap_permitted);
		kk_oci_strv_clear(&s->cap_inheritable);
	} else {
		for (size_t i = 0; i < drop.n; i++) {
			kk_oci_strv_remove(&s->cap_bounding, drop.v[i]);
			kk_oci_strv_remove(&s->cap_effective, drop.v[i]);
			kk_oci_strv_remove(&s->cap_permitted, drop.v[i]);
			kk_oci_strv_remove(&s->cap_inheritable, drop.v[i]);
		}
	}
	for (size_t i = 0; i < add.n; i++) {
		if (!kk_oci_strv_has(&s->cap_bounding, add.v[i]))
			kk_oci_strv_push(&s->cap_bounding, add.v[i]);
		if (!kk_oci_strv_has(&s->cap_effective, add.v[i]))
			kk_oci_strv_push(&s->cap_effective, add.v[i]);
		if (!kk_oci_strv_has(&s->cap_permitted, add.v[i]))
			kk_oci_strv_push(&s->cap_permitted, add.v[i]);
	}
	rc = 0;
out:
	kk_oci_strv_clear(&drop);
	kk_oci_strv_clear(&add);
	return rc;
}

/* Go's strconv.ParseBool */
static int parse_go_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "1", "t", "T", "TRUE", "true", "True" };
	static const char *const no[] = { "0", "f", "F", "FALSE", "false", "False" };

	for (size_t i = 0; i < N(yes); i++) {
		if (strcmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

int kk_oci_apply_security_opt(struct spec *s, size_t i, const char *raw, struct kk_err *err)
{
	cleanup_free char *entry = kk_go_trim_space_n(raw, strlen(raw));
	cleanup_free char *key = NULL, *value = NULL;
	size_t sep = strcspn(entry, "=:");
	bool has_value = entry[sep] != '\0';

	key = kk_go_trim_space_n(entry, sep);
	value = has_value ? kk_go_trim_space_n(entry + sep + 1, strlen(entry + sep + 1))
			  : kk_xstrdup("");
	if (strcasecmp(key, "no-new-privileges") == 0) {
		bool on = true;

		if (has_value && parse_go_bool(value, &on) < 0)
			return kk_err_set(err, EINVAL,
					  "securityOpts[%zu] `%s`: `%s` is not a boolean", i, raw,
					  value);
		s->no_new_privileges = on;
		return 0;
	}
	if (strcasecmp(key, "seccomp") == 0) {
		cleanup_free char *text = NULL;
		cJSON *profile;
		FILE *f;
		size_t cap = 0;
		ssize_t len;

		if (!*value)
			return kk_err_set(err, EINVAL,
					  "securityOpts[%zu] `%s`: seccomp needs `unconfined` or a "
					  "profile path",
					  i, raw);
		if (strcasecmp(value, "unconfined") == 0) {
			cJSON_Delete(s->seccomp);
			s->seccomp = NULL;
			return 0;
		}
		f = fopen(value, "re");
		if (!f)
			return kk_err_sys(err, "securityOpts[%zu] `%s`: read seccomp profile", i,
					  raw);
		len = getdelim(&text, &cap, '\0', f);
		fclose(f);
		profile = len >= 0 ? cJSON_Parse(text) : NULL;
		if (!cJSON_IsObject(profile)) {
			cJSON_Delete(profile);
			return kk_err_set(err, EINVAL,
					  "securityOpts[%zu] `%s`: seccomp profile is not a JSON "
					  "object",
					  i, raw);
		}
		cJSON_Delete(s->seccomp);
		s->seccomp = profile;
		return 0;
	}
	return kk_err_set(err, EINVAL, "securityOpts[%zu]: unsupported securityOpt `%s`", i, raw);
}

/* tmpfs's size= takes a number with an optional k/m/g/t/p/e suffix or a percentage */
static bool is_tmpfs_size(const char *v)
{
	size_t digits = strspn(v, "0123456789");

	if (digits == 0)
		return false;
	v += digits;
	return *v == '\0' || (strchr("kKmMgGtTpPeE%", *v) && v[1] == '\0');
}

static bool is_octal_mode(const char *v)
{
	size_t digits = strspn(v, "01234567");

	return digits > 0 && v[digits] == '\0' && strtoul(v, NULL, 8) <= 07777;
}

int kk_oci_apply_tmpfs(struct spec *s, const struct kk_oci_opts *o, struct kk_err *err)
{
	for (size_t i = 0; i < o->n_tmpfs; i++) {
		const struct kk_oci_tmpfs *t = &o->tmpfs[i];
		const char *base[] = { "nosuid", "nodev", NULL };
		cleanup_free char *path =
			kk_go_trim_space_n(t->path ? t->path : "", t->path ? strlen(t->path) : 0);
		struct mount *m;

		if (!*path)
			continue;
		if (!kk_oci_is_abs(path))
			return kk_err_set(err, EINVAL,
					  "tmpfs[%zu]: path `%s` is not an absolute path", i, path);
		if (t->size_bytes < 0)
			return kk_err_set(err, EINVAL,
					  "tmpfs[%zu] `%s`: size %" PRId64 " is negative", i, path,
					  t->size_bytes);
		for (size_t j = 0; j < t->n_options; j++) {
			const char *opt = t->options[j];

			if (strncmp(opt, "mode=", 5) == 0 && !is_octal_mode(opt + 5))
				return kk_err_set(err, EINVAL,
						  "tmpfs[%zu] `%s`: bad option `%s`: mode must be "
						  "octal, at most 7777",
						  i, path, opt);
			if (strncmp(opt, "size=", 5) == 0 && !is_tmpfs_size(opt + 5))
				return kk_err_set(
					err, EINVAL,
					"tmpfs[%zu] `%s`: bad option `%s`: size must be a "
					"number with an optional k, m or g suffix, or a percentage",
					i, path, opt);
		}
		kk_oci_add_mount(s, path, "tmpfs", "tmpfs", base);
		m = kk_oci_last_mount(s);
		if (t->size_bytes > 0)
			kk_oci_strv_push_take(&m->options,
					      kk_xasprintf("size=%" PRId64, t->size_bytes));
		for (size_t j = 0; j < t->n_options; j++)
			kk_oci_strv_push(&m->options, t->options[j]);
	}
	return 0;
}

int kk_oci_apply_resources(struct spec *s, const struct kk_oci_resources *r, struct kk_err *err)
{
	const struct {
		const char *field;
		int64_t v;
		struct res_val *dst;
	} vals[] = {
		{ "memoryLimitBytes", r->memory_limit, &s->mem_limit },
		{ "cpuShares", r->cpu_shares, &s->cpu_shares },
		{ "pidsLimit", r->pids_limit, &s->pids_limit },
		{ "memoryReservationBytes", r->memory_reservation, &s->mem_reservation },
		{ "memorySwapBytes", r->memory_swap, &s->mem_swap },
		{ "cpuQuota", r->cpu_quota, &s->cpu_quota },
		{ "cpuPeriod", r->cpu_period, &s->cpu_period },
	};

	for (size_t i = 0; i < N(vals); i++)
		if (vals[i].v < 0)
			return kk_err_set(err, EINVAL, "resources.%s: %" PRId64 " is negative",
					  vals[i].field, vals[i].v);
	if (r->cpu_shares > 262144)
		return kk_err_set(err, EINVAL,
				  "resources.cpuShares: %" PRId64 " is above the maximum 262144",
				  r->cpu_shares);
	if (r->cpu_period && (r->cpu_period < 1000 || r->cpu_period > 1000000))
		return kk_err_set(err, EINVAL,
				  "resources.cpuPeriod: %" PRId64
				  " is outside 1000..1000000 microseconds",
				  r->cpu_period);
	if (r->cpu_quota && r->cpu_quota < 1000)
		return kk_err_set(err, EINVAL,
				  "resources.cpuQuota: %" PRId64 " is below 1000 microseconds",
				  r->cpu_quota);
	if (r->memory_swap && r->memory_limit && r->memory_swap < r->memory_limit)
		return kk_err_set(err, EINVAL,
				  "resources.memorySwapBytes: %" PRId64
				  " is below memoryLimitBytes %" PRId64,
				  r->memory_swap, r->memory_limit);
	for (size_t i = 0; i < N(vals); i++)
		if (vals[i].v > 0)
			*vals[i].dst = (struct res_val){ true, vals[i].v };
	return 0;
}
