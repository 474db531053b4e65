/* common/oci/spec.c - build a container's OCI runtime spec (see oci.h).
 *
 * The spec is assembled in a small C model of the runtime-spec structs, each step one of
 * the containerd Go client's SpecOpts as upstream kukeon applies them, and turned into
 * JSON once at the end: keys in the runtime-spec Go structs' order, empty fields left out
 * as Go's omitempty does, annotations sorted as Go sorts map keys. */
#include "common/oci/oci.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/cleanup.h"
#include "common/gostr.h"
#include "common/mem.h"
#include "common/passwd.h"

#define DEFAULT_PATH_ENV "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define MAX_USER_ID      INT32_MAX /* runc's limit, which containerd enforces */

/* ---- a growable string vector ------------------------------------------------------ */

struct strv {
	char **v;
	size_t n, cap;
};

static void strv_push_take(struct strv *sv, char *s)
{
	if (sv->n == sv->cap) {
		sv->cap = sv->cap ? sv->cap * 2 : 8;
		sv->v = kk_xrealloc(sv->v, sv->cap * sizeof(char *));
	}
	sv->v[sv->n++] = s;
}

static void strv_push(struct strv *sv, const char *s)
{
	strv_push_take(sv, kk_xstrdup(s));
}

static void strv_clear(struct strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	*sv = (struct strv){ 0 };
}

static void strv_set(struct strv *sv, const char *const *v, size_t n)
{
	strv_clear(sv);
	for (size_t i = 0; i < n; i++)
		strv_push(sv, v[i]);
}

static void strv_copy(struct strv *dst, const struct strv *src)
{
	strv_set(dst, (const char *const *)src->v, src->n);
}

static bool strv_has(const struct strv *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], s) == 0)
			return true;
	return false;
}

static void strv_remove(struct strv *sv, const char *s)
{
	size_t j = 0;

	for (size_t i = 0; i < sv->n; i++) {
		if (strcmp(sv->v[i], s) == 0)
			free(sv->v[i]);
		else
			sv->v[j++] = sv->v[i];
	}
	sv->n = j;
}

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
	cJSON *seccomp;
	struct strv masked_paths, readonly_paths;
};

static void spec_free(struct spec *s)
{
	free(s->gids);
	strv_clear(&s->args);
	strv_clear(&s->env);
	free(s->cwd);
	strv_clear(&s->cap_bounding);
	strv_clear(&s->cap_effective);
	strv_clear(&s->cap_inheritable);
	strv_clear(&s->cap_permitted);
	free(s->root_path);
	free(s->hostname);
	for (size_t i = 0; i < s->n_mounts; i++) {
		free(s->mounts[i].destination);
		free(s->mounts[i].type);
		free(s->mounts[i].source);
		strv_clear(&s->mounts[i].options);
	}
	free(s->mounts);
	strv_clear(&s->ann_keys);
	strv_clear(&s->ann_values);
	free(s->cgroups_path);
	for (size_t i = 0; i < s->n_namespaces; i++) {
		free(s->namespaces[i].type);
		free(s->namespaces[i].path);
	}
	free(s->namespaces);
	cJSON_Delete(s->seccomp);
	strv_clear(&s->masked_paths);
	strv_clear(&s->readonly_paths);
}

static void set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = s ? kk_xstrdup(s) : NULL;
}

static bool is_set(const char *s)
{
	return s && *s;
}

/* options: a NULL-terminated list */
static void add_mount(struct spec *s, const char *dest, const char *type, const char *source,
		      const char *const *options)
{
	struct mount *m;

	s->mounts = kk_xrealloc(s->mounts, (s->n_mounts + 1) * sizeof(*s->mounts));
	m = &s->mounts[s->n_mounts++];
	*m = (struct mount){ kk_xstrdup(dest), kk_xstrdup(type), kk_xstrdup(source), { 0 } };
	for (; options && *options; options++)
		strv_push(&m->options, *options);
}

static struct mount *last_mount(struct spec *s)
{
	return &s->mounts[s->n_mounts - 1];
}

static void add_namespace(struct spec *s, const char *type, const char *path)
{
	s->namespaces = kk_xrealloc(s->namespaces, (s->n_namespaces + 1) * sizeof(*s->namespaces));
	s->namespaces[s->n_namespaces++] =
		(struct ns){ kk_xstrdup(type), path ? kk_xstrdup(path) : NULL };
}

/* containerd's WithHostNamespace: drop the first entry of TYPE */
static void remove_namespace(struct spec *s, const char *type)
{
	for (size_t i = 0; i < s->n_namespaces; i++) {
		if (strcmp(s->namespaces[i].type, type) != 0)
			continue;
		free(s->namespaces[i].type);
		free(s->namespaces[i].path);
		memmove(&s->namespaces[i], &s->namespaces[i + 1],
			(s->n_namespaces - i - 1) * sizeof(*s->namespaces));
		s->n_namespaces--;
		return;
	}
}

/* containerd's WithLinuxNamespace: replace the entry of that type, or append one */
static void set_namespace(struct spec *s, const char *type, const char *path)
{
	for (size_t i = 0; i < s->n_namespaces; i++) {
		if (strcmp(s->namespaces[i].type, type) == 0) {
			set_str(&s->namespaces[i].path, path);
			return;
		}
	}
	add_namespace(s, type, path);
}

static void set_annotation(struct spec *s, const char *key, const char *value)
{
	for (size_t i = 0; i < s->ann_keys.n; i++) {
		if (strcmp(s->ann_keys.v[i], key) == 0) {
			set_str(&s->ann_values.v[i], value);
			return;
		}
	}
	strv_push(&s->ann_keys, key);
	strv_push(&s->ann_values, value);
}

/* ---- step 0: containerd's default Linux spec (populateDefaultUnixSpec) ------------- */

static const char *const default_caps[] = {
	"CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
	"CAP_MKNOD",   "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
	"CAP_SETFCAP", "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
	"CAP_KILL",    "CAP_AUDIT_WRITE",
};

static const char *const default_masked[] = {
	"/proc/acpi",          "/proc/asound",
	"/proc/kcore",         "/proc/keys",
	"/proc/latency_stats", "/proc/timer_list",
	"/proc/timer_stats",   "/proc/sched_debug",
	"/sys/firmware",       "/sys/devices/virtual/powercap",
	"/proc/scsi",
};

static const char *const default_readonly[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void default_spec(struct spec *s, const char *ns, const char *id)
{
	const char *tmpfs_dev[] = { "nosuid", "strictatime", "mode=755", "size=65536k", NULL };
	const char *proc[] = { "nosuid", "noexec", "nodev", NULL };
	const char *pts[] = { "nosuid",    "noexec", "newinstance", "ptmxmode=0666",
			      "mode=0620", "gid=5",  NULL };
	const char *shm[] = { "nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL };
	const char *sys[] = { "nosuid", "noexec", "nodev", "ro", NULL };

	s->cwd = kk_xstrdup("/");
	s->no_new_privileges = true;
	strv_set(&s->cap_bounding, default_caps, N(default_caps));
	strv_set(&s->cap_permitted, default_caps, N(default_caps));
	strv_set(&s->cap_effective, default_caps, N(default_caps));
	s->root_path = kk_xstrdup("rootfs");
	add_mount(s, "/proc", "proc", "proc", proc);
	add_mount(s, "/dev", "tmpfs", "tmpfs", tmpfs_dev);
	add_mount(s, "/dev/pts", "devpts", "devpts", pts);
	add_mount(s, "/dev/shm", "tmpfs", "shm", shm);
	add_mount(s, "/dev/mqueue", "mqueue", "mqueue", proc);
	add_mount(s, "/sys", "sysfs", "sysfs", sys);
	add_mount(s, "/run", "tmpfs", "tmpfs", tmpfs_dev);
	strv_set(&s->masked_paths, default_masked, N(default_masked));
	strv_set(&s->readonly_paths, default_readonly, N(default_readonly));
	s->cgroups_path = kk_xasprintf("/%s%s%s", is_set(ns) ? ns : "", is_set(ns) ? "/" : "", id);
	add_namespace(s, "pid", NULL);
	add_namespace(s, "ipc", NULL);
	add_namespace(s, "uts", NULL);
	add_namespace(s, "mount", NULL);
	add_namespace(s, "network", NULL);
}

/* ---- environment ------------------------------------------------------------------- */

static size_t key_len(const char *kv)
{
	const char *eq = strchr(kv, '=');

	return eq ? (size_t)(eq - kv) : strlen(kv);
}

static bool same_key(const char *a, const char *b)
{
	size_t la = key_len(a);

	return la == key_len(b) && memcmp(a, b, la) == 0;
}

/* containerd's replaceOrAppendEnvValues: each override replaces the entry of DEFAULTS
 * with its key (the last such entry) or is appended; an override without '=' removes
 * that key from DEFAULTS; empty entries are dropped. Keys of appended overrides are not
 * looked up again (a key twice in OVERRIDES appears twice), as upstream. */
static void env_merge(struct strv *env, const char *const *overrides, size_t n)
{
	size_t n_defaults = env->n;
	cleanup_free bool *gone = kk_xcalloc(n_defaults + 1, sizeof(bool));

	for (size_t i = 0; i < n; i++) {
		const char *o = overrides[i];
		ssize_t hit = -1;

		for (size_t j = n_defaults; j-- > 0;) {
			if (same_key(env->v[j], o)) {
				hit = (ssize_t)j;
				break;
			}
		}
		if (!strchr(o, '=')) {
			if (hit >= 0)
				gone[hit] = true;
			continue;
		}
		if (hit >= 0) {
			set_str(&env->v[hit], o);
			gone[hit] = false;
		} else {
			strv_push(env, o);
		}
	}
	for (size_t j = 0; j < n_defaults; j++)
		if (gone[j])
			env->v[j][0] = '\0';
	strv_remove(env, "");
}

static bool env_has_key(const struct strv *env, const char *key)
{
	for (size_t i = 0; i < env->n; i++)
		if (same_key(env->v[i], key))
			return true;
	return false;
}

/* ---- users and groups (containerd's WithUser and WithAdditionalGIDs) ---------------- */

/* Open a file of the image rootfs. Returns 1 with *f set, 0 when there is no such file
 * (or no rootfs), -1 on another error. */
static int open_image_file(const char *rootfs, const char *path, FILE **f, struct kk_err *err)
{
	if (!is_set(rootfs))
		return 0;
	if (kk_root_fopen(rootfs, path, f, err) < 0)
		return kk_err_tolerate(err, ENOENT, 0);
	return 1;
}

static void ensure_primary_gid(struct spec *s)
{
	for (size_t i = 0; i < s->n_gids; i++)
		if (s->gids[i] == s->gid)
			return;
	s->gids = kk_xrealloc(s->gids, (s->n_gids + 1) * sizeof(*s->gids));
	memmove(s->gids + 1, s->gids, s->n_gids * sizeof(*s->gids));
	s->gids[0] = s->gid;
	s->n_gids++;
}

static bool parse_user_id(const char *s, uint32_t *out)
{
	return kk_parse_id(s, out) == 0 && *out <= MAX_USER_ID;
}

/* Look NAME up in the image's /etc/passwd. Returns 1 found, 0 when the file or the
 * entry is missing (with *why set), -1 on error. */
static int lookup_passwd(const char *rootfs, const char *name, uint32_t uid, struct kk_passwd **pw,
			 const char **why, struct kk_err *err)
{
	FILE *f = NULL;
	int rc = open_image_file(rootfs, "/etc/passwd", &f, err);

	*why = !is_set(rootfs) ? "no image rootfs to read /etc/passwd from"
			       : "the image has no /etc/passwd";
	if (rc <= 0)
		return rc;
	rc = kk_passwd_find(f, name, uid, pw, err);
	fclose(f);
	*why = "no such user in the image's /etc/passwd";
	return rc;
}

static int lookup_group(const char *rootfs, const char *name, uint32_t *gid, const char **why,
			struct kk_err *err)
{
	cleanup_(kk_group_freep) struct kk_group *gr = NULL;
	FILE *f = NULL;
	int rc = open_image_file(rootfs, "/etc/group", &f, err);

	*why = !is_set(rootfs) ? "no image rootfs to read /etc/group from"
			       : "the image has no /etc/group";
	if (rc <= 0)
		return rc;
	rc = kk_group_find(f, name, 0, &gr, err);
	fclose(f);
	*why = "no such group in the image's /etc/group";
	if (rc == 1)
		*gid = gr->gid;
	return rc;
}

/* WithUser: uid, name, uid:gid, uid:group, name:gid or name:group. A numeric uid alone
 * takes its gid from /etc/passwd (0 when not listed); a name must be listed. */
static int apply_user(struct spec *s, const char *rootfs, const char *user, struct kk_err *err)
{
	cleanup_(kk_passwd_freep) struct kk_passwd *pw = NULL;
	cleanup_free char *copy = kk_xstrdup(user);
	char *group = strchr(copy, ':');
	const char *why;
	uint32_t uid = 0, gid = 0;
	int rc;

	free(s->gids);
	s->gids = NULL;
	s->n_gids = 0;
	if (group)
		*group++ = '\0';
	if (!*copy || (group && (!*group || strchr(group, ':'))))
		return kk_err_set(err, EINVAL,
				  "user `%s`: expected uid, uid:gid, name or name:group", user);
	if (!group) {
		if (parse_user_id(copy, &uid)) {
			rc = lookup_passwd(rootfs, NULL, uid, &pw, &why, err);
			if (rc < 0)
				return kk_err_wrap(err, "user `%s`", user);
			s->uid = uid;
			s->gid = rc ? pw->gid : 0;
		} else {
			rc = lookup_passwd(rootfs, copy, 0, &pw, &why, err);
			if (rc < 0)
				return kk_err_wrap(err, "user `%s`", user);
			if (rc == 0)
				return kk_err_set(err, ENOENT, "user `%s`: %s", user, why);
			s->uid = pw->uid;
			s->gid = pw->gid;
		}
		ensure_primary_gid(s);
		return 0;
	}
	if (!parse_user_id(copy, &uid)) {
		rc = lookup_passwd(rootfs, copy, 0, &pw, &why, err);
		if (rc < 0)
			return kk_err_wrap(err, "user `%s`", user);
		if (rc == 0)
			return kk_err_set(err, ENOENT, "user `%s`: %s", user, why);
		uid = pw->uid;
	}
	if (!parse_user_id(group, &gid)) {
		rc = lookup_group(rootfs, group, &gid, &why, err);
		if (rc < 0)
			return kk_err_wrap(err, "user `%s`", user);
		if (rc == 0)
			return kk_err_set(err, ENOENT, "user `%s`: group `%s`: %s", user, group,
					  why);
	}
	s->uid = uid;
	s->gid = gid;
	ensure_primary_gid(s);
	return 0;
}

/* WithAdditionalGIDs: the groups of /etc/group listing the user (by name, or the
 * passwd name of a numeric uid) as a member, the primary gid first. */
static int apply_additional_gids(struct spec *s, const char *rootfs, const char *user,
				 struct kk_err *err)
{
	cleanup_(kk_passwd_freep) struct kk_passwd *pw = NULL;
	uint32_t uid, *gids = NULL;
	size_t n = 0;
	const char *why, *name = user;
	FILE *f = NULL;
	int rc;

	free(s->gids);
	s->gids = NULL;
	s->n_gids = 0;
	if (kk_parse_id(user, &uid) == 0) {
		rc = lookup_passwd(rootfs, NULL, uid, &pw, &why, err);
		if (rc < 0)
			return -1;
		if (rc == 0)
			goto done;
		name = pw->name;
	}
	rc = open_image_file(rootfs, "/etc/group", &f, err);
	if (rc < 0)
		return -1;
	if (rc == 0)
		goto done;
	rc = kk_group_member_gids(f, name, &gids, &n, err);
	fclose(f);
	if (rc < 0)
		return -1;
	s->gids = gids;
	s->n_gids = n;
done:
	ensure_primary_gid(s);
	return 0;
}

/* ---- image config (WithImageConfig) -------------------------------------------------- */

static int apply_image_config(struct spec *s, const struct kk_oci_opts *o, struct kk_err *err)
{
	const struct kk_oci_image_config *ic = &o->image;
	const char *path_default = DEFAULT_PATH_ENV;
	struct strv cur = { 0 };

	/* the image env (or the default PATH) first, then whatever the spec had */
	cur = s->env;
	s->env = (struct strv){ 0 };
	if (ic->n_env)
		strv_set(&s->env, ic->env, ic->n_env);
	else
		strv_set(&s->env, &path_default, 1);
	env_merge(&s->env, (const char *const *)cur.v, cur.n);
	strv_clear(&cur);

	strv_set(&s->args, ic->entrypoint, ic->n_entrypoint);
	for (size_t i = 0; i < ic->n_cmd; i++)
		strv_push(&s->args, ic->cmd[i]);
	set_str(&s->cwd, is_set(ic->working_dir) ? ic->working_dir : "/");

	if (is_set(ic->user)) {
		char uid[16];

		if (apply_user(s, o->rootfs, ic->user, err) < 0)
			return kk_err_wrap(err, "image config");
		snprintf(uid, sizeof(uid), "%" PRIu32, s->uid);
		if (apply_additional_gids(s, o->rootfs, uid, err) < 0)
			return kk_err_wrap(err, "image config: user `%s`", ic->user);
		return 0;
	}
	if (apply_additional_gids(s, o->rootfs, "root", err) < 0)
		return kk_err_wrap(err, "image config: supplementary groups of `root`");
	return 0;
}

/* ---- kukeon's options ---------------------------------------------------------------- */

static void apply_args(struct spec *s, const struct kk_oci_opts *o)
{
	static const char *const sleep_forever[] = { "sleep", "infinity" };

	if (is_set(o->command)) {
		strv_clear(&s->args);
		strv_push(&s->args, o->command);
		for (size_t i = 0; i < o->n_args; i++)
			strv_push(&s->args, o->args[i]);
	} else if (o->n_args) {
		strv_set(&s->args, o->args, o->n_args);
	} else if (o->root && s->args.n == 0) {
		/* a root container must outlive the others, and an image with nothing to run
		 * would not start at all */
		strv_set(&s->args, sleep_forever, 2);
	}
}

/* The KUKEON_* identity variables not overridden by the user's env, then the user's env
 * and env-mode secrets, merged into the spec's env. */
static void apply_env(struct spec *s, const struct kk_oci_opts *o)
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
		strv_push(&user, o->env[i]);
	for (size_t i = 0; i < o->n_secrets; i++)
		if (!is_set(o->secrets[i].mount_path))
			strv_push_take(&user, kk_xasprintf("%s=%s", o->secrets[i].name,
							   o->secrets[i].value ? o->secrets[i].value
									       : ""));
	for (size_t i = 0; i < N(ident); i++)
		if (is_set(ident[i].value) && !env_has_key(&user, ident[i].key))
			strv_push_take(&all, kk_xasprintf("%s=%s", ident[i].key, ident[i].value));
	for (size_t i = 0; i < user.n; i++)
		strv_push_take(&all, TAKE_PTR(user.v[i]));
	user.n = 0;
	env_merge(&s->env, (const char *const *)all.v, all.n);
	/* the secret values were copied into the spec; wipe our temporaries */
	for (size_t i = 0; i < all.n; i++)
		explicit_bzero(all.v[i], strlen(all.v[i]));
	strv_clear(&all);
	strv_clear(&user);
}

static int apply_privileged(struct spec *s, const struct kk_oci_opts *o, struct kk_err *err)
{
	struct strv caps = { 0 };

	if (o->current_caps) {
		strv_set(&caps, o->current_caps, o->n_current_caps);
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
	strv_copy(&s->cap_bounding, &caps);
	strv_copy(&s->cap_effective, &caps);
	strv_copy(&s->cap_permitted, &caps);
	if (caps.n == 0) {
		strv_clear(&s->cap_inheritable);
	} else {
		for (size_t i = s->cap_inheritable.n; i-- > 0;)
			if (!strv_has(&caps, s->cap_inheritable.v[i]))
				strv_remove(&s->cap_inheritable, s->cap_inheritable.v[i]);
	}
	strv_clear(&caps);
	strv_clear(&s->masked_paths);
	strv_clear(&s->readonly_paths);
	/* writable sysfs and cgroupfs */
	for (size_t i = 0; i < s->n_mounts; i++) {
		struct mount *m = &s->mounts[i];

		if (strcmp(m->type, "sysfs") != 0 && strcmp(m->type, "cgroup") != 0)
			continue;
		for (size_t j = 0; j < m->options.n; j++)
			if (strcmp(m->options.v[j], "ro") == 0)
				set_str(&m->options.v[j], "rw");
	}
	cJSON_Delete(s->seccomp);
	s->seccomp = NULL;
	return 0;
}

static bool is_abs(const char *p)
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

static int apply_volumes(struct spec *s, const struct kk_oci_opts *o, struct kk_err *err)
{
	for (size_t i = 0; i < o->n_volumes; i++) {
		const struct kk_oci_volume *v = &o->volumes[i];
		char field[48];

		snprintf(field, sizeof(field), "volumes[%zu]", i);
		if (v->kind == KK_OCI_VOLUME_TMPFS) {
			if (!is_set(v->target))
				continue;
			if (!is_abs(v->target))
				return kk_err_set(err, EINVAL,
						  "%s: target `%s` is not an absolute path", field,
						  v->target);
			if (v->size_bytes < 0)
				return kk_err_set(err, EINVAL,
						  "%s `%s`: size %" PRId64 " is negative", field,
						  v->target, v->size_bytes);
			if (check_tmpfs_mode(v->mode, field, v->target, err) < 0)
				return -1;
			add_mount(s, v->target, "tmpfs", "tmpfs", NULL);
			if (v->size_bytes > 0)
				strv_push_take(&last_mount(s)->options,
					       kk_xasprintf("size=%" PRId64, v->size_bytes));
			if (v->mode)
				strv_push_take(&last_mount(s)->options,
					       kk_xasprintf("mode=%04o", v->mode));
			strv_push(&last_mount(s)->options, v->read_only ? "ro" : "rw");
		} else if (v->kind == KK_OCI_VOLUME_BIND) {
			const char *bind[] = { "rbind", v->read_only ? "ro" : "rw", NULL };

			if (!is_set(v->source) || !is_set(v->target))
				continue;
			if (!is_abs(v->target))
				return kk_err_set(err, EINVAL,
						  "%s: target `%s` is not an absolute path", field,
						  v->target);
			if (!is_abs(v->source))
				return kk_err_set(err, EINVAL,
						  "%s: source `%s` is not an absolute path", field,
						  v->source);
			add_mount(s, v->target, "bind", v->source, bind);
		} else {
			return kk_err_set(err, EINVAL, "%s: unknown volume kind %d", field,
					  (int)v->kind);
		}
	}
	/* mount-mode secrets: upstream appends them to the volumes as read-only binds */
	for (size_t i = 0; i < o->n_secrets; i++) {
		const struct kk_oci_secret *sec = &o->secrets[i];
		const char *ro[] = { "rbind", "ro", NULL };

		if (!is_set(sec->mount_path))
			continue;
		if (!is_abs(sec->mount_path))
			return kk_err_set(err, EINVAL,
					  "secrets[%zu] `%s`: mountPath `%s` is not an absolute "
					  "path",
					  i, sec->name, sec->mount_path);
		if (!is_abs(sec->staged_path))
			return kk_err_set(err, EINVAL, "secrets[%zu] `%s`: not staged on the host",
					  i, sec->name);
		add_mount(s, sec->mount_path, "bind", sec->staged_path, ro);
	}
	return 0;
}

/* filepath.Join(parent, id) for the cgroup paths we are given (no "." or "..") */
static char *join_cgroup(const char *parent, const char *id)
{
	size_t len = strlen(parent);

	while (len > 0 && parent[len - 1] == '/')
		len--;
	return kk_xasprintf("%s%.*s/%s", parent[0] == '/' ? "" : "/", (int)len, parent, id);
}

static int apply_capabilities(struct spec *s, const struct kk_oci_opts *o, struct kk_err *err)
{
	struct strv drop = { 0 }, add = { 0 };
	bool drop_all = false;
	int rc = -1;

	for (size_t i = 0; i < o->n_cap_drop; i++) {
		char *c;

		if (!*o->cap_drop[i] || strspn(o->cap_drop[i], " \t\n") == strlen(o->cap_drop[i]))
			continue;
		c = kk_oci_cap_normalize(o->cap_drop[i]);
		if (!c) {
			kk_err_set(err, EINVAL, "capabilities.drop[%zu]: unknown capability `%s`",
				   i, o->cap_drop[i]);
			goto out;
		}
		if (strcmp(c, "ALL") == 0 || strcmp(c, "CAP_ALL") == 0)
			drop_all = true;
		strv_push_take(&drop, c);
	}
	for (size_t i = 0; i < o->n_cap_add; i++) {
		char *c;

		if (!*o->cap_add[i] || strspn(o->cap_add[i], " \t\n") == strlen(o->cap_add[i]))
			continue;
		c = kk_oci_cap_normalize(o->cap_add[i]);
		if (!c) {
			kk_err_set(err, EINVAL, "capabilities.add[%zu]: unknown capability `%s`", i,
				   o->cap_add[i]);
			goto out;
		}
		if (strcmp(c, "ALL") == 0 || strcmp(c, "CAP_ALL") == 0) {
			free(c);
			kk_err_set(err, EINVAL,
				   "capabilities.add[%zu]: `%s` can only be dropped, name each "
				   "capability to add",
				   i, o->cap_add[i]);
			goto out;
		}
		strv_push_take(&add, c);
	}
	if (drop_all) {
		/* WithCapabilities(nil): every set empty */
		strv_clear(&s->cap_bounding);
		strv_clear(&s->cap_effective);
		strv_clear(&s->cap_permitted);
		strv_clear(&s->cap_inheritable);
	} else {
		for (size_t i = 0; i < drop.n; i++) {
			strv_remove(&s->cap_bounding, drop.v[i]);
			strv_remove(&s->cap_effective, drop.v[i]);
			strv_remove(&s->cap_permitted, drop.v[i]);
			strv_remove(&s->cap_inheritable, drop.v[i]);
		}
	}
	for (size_t i = 0; i < add.n; i++) {
		if (!strv_has(&s->cap_bounding, add.v[i]))
			strv_push(&s->cap_bounding, add.v[i]);
		if (!strv_has(&s->cap_effective, add.v[i]))
			strv_push(&s->cap_effective, add.v[i]);
		if (!strv_has(&s->cap_permitted, add.v[i]))
			strv_push(&s->cap_permitted, add.v[i]);
	}
	rc = 0;
out:
	strv_clear(&drop);
	strv_clear(&add);
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

static int apply_security_opt(struct spec *s, size_t i, const char *raw, struct kk_err *err)
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

static int apply_tmpfs(struct spec *s, const struct kk_oci_opts *o, struct kk_err *err)
{
	for (size_t i = 0; i < o->n_tmpfs; i++) {
		const struct kk_oci_tmpfs *t = &o->tmpfs[i];
		const char *base[] = { "nosuid", "nodev", NULL };
		cleanup_free char *path =
			kk_go_trim_space_n(t->path ? t->path : "", t->path ? strlen(t->path) : 0);
		struct mount *m;

		if (!*path)
			continue;
		if (!is_abs(path))
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
		add_mount(s, path, "tmpfs", "tmpfs", base);
		m = last_mount(s);
		if (t->size_bytes > 0)
			strv_push_take(&m->options, kk_xasprintf("size=%" PRId64, t->size_bytes));
		for (size_t j = 0; j < t->n_options; j++)
			strv_push(&m->options, t->options[j]);
	}
	return 0;
}

static int apply_resources(struct spec *s, const struct kk_oci_resources *r, struct kk_err *err)
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

/* ---- to JSON ------------------------------------------------------------------------- */

static cJSON *json_int(int64_t v)
{
	char buf[24];

	/* as raw text: a double would round values above 2^53 */
	snprintf(buf, sizeof(buf), "%" PRId64, v);
	return cJSON_CreateRaw(buf);
}

static void add_int(cJSON *obj, const char *key, int64_t v)
{
	cJSON_AddItemToObject(obj, key, json_int(v));
}

static void add_str(cJSON *obj, const char *key, const char *v)
{
	cJSON_AddItemToObject(obj, key, cJSON_CreateString(v));
}

/* omitempty: nothing for an empty list */
static void add_strv(cJSON *obj, const char *key, const struct strv *sv)
{
	cJSON *arr;

	if (sv->n == 0)
		return;
	arr = cJSON_AddArrayToObject(obj, key);
	for (size_t i = 0; i < sv->n; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(sv->v[i]));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static cJSON *spec_to_json(struct spec *s)
{
	cJSON *doc = cJSON_CreateObject();
	cJSON *proc, *user, *caps, *rl, *root, *mounts, *lx, *res, *dev, *nss;

	add_str(doc, "ociVersion", KK_OCI_VERSION);

	proc = cJSON_AddObjectToObject(doc, "process");
	user = cJSON_AddObjectToObject(proc, "user");
	add_int(user, "uid", s->uid);
	add_int(user, "gid", s->gid);
	if (s->n_gids) {
		cJSON *g = cJSON_AddArrayToObject(user, "additionalGids");

		for (size_t i = 0; i < s->n_gids; i++)
			cJSON_AddItemToArray(g, json_int(s->gids[i]));
	}
	add_strv(proc, "args", &s->args);
	add_strv(proc, "env", &s->env);
	add_str(proc, "cwd", s->cwd);
	caps = cJSON_AddObjectToObject(proc, "capabilities");
	add_strv(caps, "bounding", &s->cap_bounding);
	add_strv(caps, "effective", &s->cap_effective);
	add_strv(caps, "inheritable", &s->cap_inheritable);
	add_strv(caps, "permitted", &s->cap_permitted);
	rl = cJSON_CreateObject();
	add_str(rl, "type", "RLIMIT_NOFILE");
	add_int(rl, "hard", 1024);
	add_int(rl, "soft", 1024);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(proc, "rlimits"), rl);
	if (s->no_new_privileges)
		cJSON_AddTrueToObject(proc, "noNewPrivileges");

	root = cJSON_AddObjectToObject(doc, "root");
	add_str(root, "path", s->root_path);
	if (s->root_readonly)
		cJSON_AddTrueToObject(root, "readonly");
	if (is_set(s->hostname))
		add_str(doc, "hostname", s->hostname);

	mounts = cJSON_AddArrayToObject(doc, "mounts");
	for (size_t i = 0; i < s->n_mounts; i++) {
		cJSON *m = cJSON_CreateObject();

		add_str(m, "destination", s->mounts[i].destination);
		if (is_set(s->mounts[i].type))
			add_str(m, "type", s->mounts[i].type);
		if (is_set(s->mounts[i].source))
			add_str(m, "source", s->mounts[i].source);
		add_strv(m, "options", &s->mounts[i].options);
		cJSON_AddItemToArray(mounts, m);
	}

	if (s->ann_keys.n) {
		cJSON *ann = cJSON_AddObjectToObject(doc, "annotations");
		cleanup_free char **keys = kk_xcalloc(s->ann_keys.n, sizeof(char *));

		memcpy(keys, s->ann_keys.v, s->ann_keys.n * sizeof(char *));
		qsort(keys, s->ann_keys.n, sizeof(char *), cmp_str);
		for (size_t i = 0; i < s->ann_keys.n; i++)
			for (size_t j = 0; j < s->ann_keys.n; j++)
				if (s->ann_keys.v[j] == keys[i])
					add_str(ann, keys[i], s->ann_values.v[j]);
	}

	lx = cJSON_AddObjectToObject(doc, "linux");
	res = cJSON_AddObjectToObject(lx, "resources");
	dev = cJSON_CreateObject();
	cJSON_AddFalseToObject(dev, "allow");
	add_str(dev, "access", "rwm");
	cJSON_AddItemToArray(cJSON_AddArrayToObject(res, "devices"), dev);
	if (s->mem_limit.set || s->mem_reservation.set || s->mem_swap.set) {
		cJSON *mem = cJSON_AddObjectToObject(res, "memory");

		if (s->mem_limit.set)
			add_int(mem, "limit", s->mem_limit.v);
		if (s->mem_reservation.set)
			add_int(mem, "reservation", s->mem_reservation.v);
		if (s->mem_swap.set)
			add_int(mem, "swap", s->mem_swap.v);
	}
	if (s->cpu_shares.set || s->cpu_quota.set || s->cpu_period.set) {
		cJSON *cpu = cJSON_AddObjectToObject(res, "cpu");

		if (s->cpu_shares.set)
			add_int(cpu, "shares", s->cpu_shares.v);
		if (s->cpu_quota.set)
			add_int(cpu, "quota", s->cpu_quota.v);
		if (s->cpu_period.set)
			add_int(cpu, "period", s->cpu_period.v);
	}
	if (s->pids_limit.set)
		add_int(cJSON_AddObjectToObject(res, "pids"), "limit", s->pids_limit.v);
	if (is_set(s->cgroups_path))
		add_str(lx, "cgroupsPath", s->cgroups_path);
	nss = cJSON_AddArrayToObject(lx, "namespaces");
	for (size_t i = 0; i < s->n_namespaces; i++) {
		cJSON *n = cJSON_CreateObject();

		add_str(n, "type", s->namespaces[i].type);
		if (is_set(s->namespaces[i].path))
			add_str(n, "path", s->namespaces[i].path);
		cJSON_AddItemToArray(nss, n);
	}
	if (s->seccomp)
		cJSON_AddItemToObject(lx, "seccomp", TAKE_PTR(s->seccomp));
	add_strv(lx, "maskedPaths", &s->masked_paths);
	add_strv(lx, "readonlyPaths", &s->readonly_paths);
	return doc;
}

/* ---- the builder --------------------------------------------------------------------- */

static int build(struct spec *s, const struct kk_oci_opts *o, struct kk_err *err)
{
	default_spec(s, o->ctr_namespace, o->id);
	if (apply_image_config(s, o, err) < 0)
		return -1;
	/* containerd's WithDefaultPathEnv replaces PATH; we add it only when missing, so an
	 * image's own PATH survives (docs/compat.md) */
	if (!env_has_key(&s->env, "PATH"))
		strv_push(&s->env, DEFAULT_PATH_ENV);
	if (is_set(o->hostname))
		set_str(&s->hostname, o->hostname);
	if (is_set(o->etc_hosts_path)) {
		const char *ro[] = { "rbind", "ro", NULL };

		add_mount(s, "/etc/hosts", "bind", o->etc_hosts_path, ro);
	}
	if (is_set(o->etc_hostname_path)) {
		const char *ro[] = { "rbind", "ro", NULL };

		add_mount(s, "/etc/hostname", "bind", o->etc_hostname_path, ro);
	}
	apply_args(s, o);
	if (is_set(o->working_dir))
		set_str(&s->cwd, o->working_dir);
	apply_env(s, o);
	if (o->privileged && apply_privileged(s, o, err) < 0)
		return -1;
	if (o->host_network)
		remove_namespace(s, "network");
	if (o->host_pid)
		remove_namespace(s, "pid");
	if (!o->host_cgroup)
		set_namespace(s, "cgroup", NULL);
	if (o->nested_cgroup_runtime && !o->host_cgroup) {
		const char *rw[] = { "rw", "nosuid", "noexec", "nodev", NULL };

		add_mount(s, "/sys/fs/cgroup", "cgroup", "cgroup", rw);
	}
	if (apply_volumes(s, o, err) < 0)
		return -1;
	if (is_set(o->cgroups_path)) {
		set_str(&s->cgroups_path, o->cgroups_path);
	} else if (is_set(o->identity.cell_cgroup_path)) {
		free(s->cgroups_path);
		s->cgroups_path = join_cgroup(o->identity.cell_cgroup_path, o->id);
	}
	if (is_set(o->user)) {
		char uid[16];

		if (apply_user(s, o->rootfs, o->user, err) < 0)
			return -1;
		/* upstream keeps only the primary gid here; we add the image's supplementary
		 * groups of that user, as for an image USER (docs/compat.md) */
		snprintf(uid, sizeof(uid), "%" PRIu32, s->uid);
		if (apply_additional_gids(s, o->rootfs, uid, err) < 0)
			return kk_err_wrap(err, "user `%s`", o->user);
	}
	if (o->read_only_rootfs)
		s->root_readonly = true;
	if (apply_capabilities(s, o, err) < 0)
		return -1;
	for (size_t i = 0; i < o->n_security_opts; i++)
		if (apply_security_opt(s, i, o->security_opts[i], err) < 0)
			return -1;
	if (apply_tmpfs(s, o, err) < 0 || apply_resources(s, &o->resources, err) < 0)
		return -1;
	for (size_t i = 0; i < o->n_extra_mounts; i++) {
		const struct kk_oci_mount *m = &o->extra_mounts[i];

		if (!is_abs(m->destination) || !is_set(m->type))
			return kk_err_set(err, EINVAL,
					  "mount `%s`: needs an absolute destination and a type",
					  m->destination ? m->destination : "");
		add_mount(s, m->destination, m->type, m->source ? m->source : "", NULL);
		for (size_t j = 0; j < m->n_options; j++)
			strv_push(&last_mount(s)->options, m->options[j]);
	}
	for (size_t i = 0; i < o->n_annotations; i++)
		set_annotation(s, o->annotations[i].key, o->annotations[i].value);
	if (is_set(o->cni_config_path))
		set_annotation(s, KK_OCI_ANNOTATION_CNI_CONFIG, o->cni_config_path);
	return 0;
}

int kk_oci_spec_build(const struct kk_oci_opts *opts, struct cJSON **out, struct kk_err *err)
{
	struct spec s = { 0 };
	cJSON *doc;
	const struct kk_oci_ns_paths *j = &opts->join;

	if (!is_set(opts->id))
		return kk_err_set(err, EINVAL, "oci spec: container id is required");
	if (is_set(opts->rootfs)) {
		struct stat st;

		if (stat(opts->rootfs, &st) < 0)
			return kk_err_sys(err, "image rootfs `%s`", opts->rootfs);
		if (!S_ISDIR(st.st_mode))
			return kk_err_set(err, ENOTDIR, "image rootfs `%s`: not a directory",
					  opts->rootfs);
	}
	if (build(&s, opts, err) < 0) {
		spec_free(&s);
		return -1;
	}
	doc = spec_to_json(&s);
	spec_free(&s);
	if ((j->net || j->ipc || j->uts || j->pid) &&
	    kk_oci_spec_join_namespaces(doc, j, err) < 0) {
		cJSON_Delete(doc);
		return -1;
	}
	*out = doc;
	return 0;
}

/* ---- joining namespaces on a stored spec -------------------------------------------- */

static cJSON *find_ns(cJSON *nss, const char *type)
{
	cJSON *n;

	cJSON_ArrayForEach(n, nss)
	{
		const char *t = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(n, "type"));

		if (t && strcmp(t, type) == 0)
			return n;
	}
	return NULL;
}

int kk_oci_spec_join_namespaces(struct cJSON *spec, const struct kk_oci_ns_paths *ns,
				struct kk_err *err)
{
	static const char *const cleared[] = { "network", "ipc", "uts" };
	const struct {
		const char *type, *path;
	} want[] = { { "network", ns->net },
		     { "ipc", ns->ipc },
		     { "uts", ns->uts },
		     { "pid", ns->pid } };
	cJSON *lx, *nss;

	if (!cJSON_IsObject(spec))
		return kk_err_set(err, EINVAL, "oci spec: not a JSON object");
	lx = cJSON_GetObjectItemCaseSensitive(spec, "linux");
	if (!lx)
		lx = cJSON_AddObjectToObject(spec, "linux");
	if (!cJSON_IsObject(lx))
		return kk_err_set(err, EINVAL, "oci spec: `linux` is not an object");
	nss = cJSON_GetObjectItemCaseSensitive(lx, "namespaces");
	if (!nss)
		nss = cJSON_AddArrayToObject(lx, "namespaces");
	if (!cJSON_IsArray(nss))
		return kk_err_set(err, EINVAL, "oci spec: `linux.namespaces` is not an array");
	for (cJSON *e = nss->child; e; e = e->next) {
		const char *t = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "type"));

		for (size_t i = 0; t && i < N(cleared); i++)
			if (strcmp(t, cleared[i]) == 0)
				cJSON_DeleteItemFromObjectCaseSensitive(e, "path");
	}
	for (size_t i = 0; i < N(want); i++) {
		cJSON *n;

		if (!is_set(want[i].path))
			continue;
		n = find_ns(nss, want[i].type);
		if (!n) {
			n = cJSON_CreateObject();
			add_str(n, "type", want[i].type);
			cJSON_AddItemToArray(nss, n);
		}
		cJSON_DeleteItemFromObjectCaseSensitive(n, "path");
		add_str(n, "path", want[i].path);
	}
	return 0;
}

/* ---- sizes --------------------------------------------------------------------------- */

int kk_oci_parse_size(const char *raw, int64_t *out, struct kk_err *err)
{
	static const struct {
		const char *suffix;
		int64_t mult;
	} units[] = {
		{ "gi", INT64_C(1) << 30 }, { "mi", INT64_C(1) << 20 }, { "ki", INT64_C(1) << 10 },
		{ "g", INT64_C(1) << 30 },  { "m", INT64_C(1) << 20 },  { "k", INT64_C(1) << 10 },
	};
	cleanup_free char *s = kk_go_trim_space_n(raw, strlen(raw));
	cleanup_free char *num = NULL;
	size_t len = strlen(s);
	int64_t mult = 1, n = 0;
	const char *p;

	if (len == 0)
		return kk_err_set(err, EINVAL, "invalid size `%s`: empty", raw);
	for (size_t i = 0; i < N(units); i++) {
		size_t sl = strlen(units[i].suffix);

		if (len > sl && strcasecmp(s + len - sl, units[i].suffix) == 0) {
			mult = units[i].mult;
			len -= sl;
			break;
		}
	}
	num = kk_go_trim_space_n(s, len);
	p = num;
	if (*p == '-' && p[1] && strspn(p + 1, "0123456789") == strlen(p + 1))
		return kk_err_set(err, EINVAL, "invalid size `%s`: must not be negative", raw);
	if (*p == '+')
		p++;
	if (!*p || strspn(p, "0123456789") != strlen(p))
		return kk_err_set(err, EINVAL,
				  "invalid size `%s`: expected a number of bytes with an optional "
				  "k, m, g, ki, mi or gi suffix",
				  raw);
	for (; *p; p++) {
		if (n > (INT64_MAX - (*p - '0')) / 10)
			return kk_err_set(err, ERANGE, "invalid size `%s`: too large", raw);
		n = n * 10 + (*p - '0');
	}
	if (n > INT64_MAX / mult)
		return kk_err_set(err, ERANGE, "invalid size `%s`: too large", raw);
	*out = n * mult;
	return 0;
}
