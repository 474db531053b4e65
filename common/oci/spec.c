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
#include "common/oci/spec_int.h"
#include "common/passwd.h"
#include "common/strv.h"

#define DEFAULT_PATH_ENV "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define MAX_USER_ID      INT32_MAX /* runc's limit, which containerd enforces */

/* ---- a growable string vector ------------------------------------------------------ */

void kk_oci_strv_push_take(struct strv *sv, char *s)
{
	if (sv->n == sv->cap) {
		sv->cap = sv->cap ? sv->cap * 2 : 8;
		sv->v = kk_xrealloc(sv->v, sv->cap * sizeof(char *));
	}
	sv->v[sv->n++] = s;
}

void kk_oci_strv_push(struct strv *sv, const char *s)
{
	kk_oci_strv_push_take(sv, kk_xstrdup(s));
}

void kk_oci_strv_clear(struct strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	*sv = (struct strv){ 0 };
}

void kk_oci_strv_set(struct strv *sv, const char *const *v, size_t n)
{
	kk_oci_strv_clear(sv);
	for (size_t i = 0; i < n; i++)
		kk_oci_strv_push(sv, v[i]);
}

void kk_oci_strv_copy(struct strv *dst, const struct strv *src)
{
	kk_oci_strv_set(dst, (const char *const *)src->v, src->n);
}

bool kk_oci_strv_has(const struct strv *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], s) == 0)
			return true;
	return false;
}

void kk_oci_strv_remove(struct strv *sv, const char *s)
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

static void spec_free(struct spec *s)
{
	free(s->gids);
	kk_oci_strv_clear(&s->args);
	kk_oci_strv_clear(&s->env);
	free(s->cwd);
	kk_oci_strv_clear(&s->cap_bounding);
	kk_oci_strv_clear(&s->cap_effective);
	kk_oci_strv_clear(&s->cap_inheritable);
	kk_oci_strv_clear(&s->cap_permitted);
	free(s->root_path);
	free(s->hostname);
	for (size_t i = 0; i < s->n_mounts; i++) {
		free(s->mounts[i].destination);
		free(s->mounts[i].type);
		free(s->mounts[i].source);
		kk_oci_strv_clear(&s->mounts[i].options);
	}
	free(s->mounts);
	kk_oci_strv_clear(&s->ann_keys);
	kk_oci_strv_clear(&s->ann_values);
	free(s->cgroups_path);
	for (size_t i = 0; i < s->n_namespaces; i++) {
		free(s->namespaces[i].type);
		free(s->namespaces[i].path);
	}
	free(s->namespaces);
	cJSON_Delete(s->seccomp);
	kk_oci_strv_clear(&s->masked_paths);
	kk_oci_strv_clear(&s->readonly_paths);
}

void kk_oci_set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = s ? kk_xstrdup(s) : NULL;
}

bool kk_oci_is_set(const char *s)
{
	return s && *s;
}

/* options: a NULL-terminated list */
void kk_oci_add_mount(struct spec *s, const char *dest, const char *type, const char *source,
		      const char *const *options)
{
	struct mount *m;

	s->mounts = kk_xrealloc(s->mounts, (s->n_mounts + 1) * sizeof(*s->mounts));
	m = &s->mounts[s->n_mounts++];
	*m = (struct mount){ kk_xstrdup(dest), kk_xstrdup(type), kk_xstrdup(source), { 0 } };
	for (; options && *options; options++)
		kk_oci_strv_push(&m->options, *options);
}

struct mount *kk_oci_last_mount(struct spec *s)
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
			kk_oci_set_str(&s->namespaces[i].path, path);
			return;
		}
	}
	add_namespace(s, type, path);
}

static void set_annotation(struct spec *s, const char *key, const char *value)
{
	for (size_t i = 0; i < s->ann_keys.n; i++) {
		if (strcmp(s->ann_keys.v[i], key) == 0) {
			kk_oci_set_str(&s->ann_values.v[i], value);
			return;
		}
	}
	kk_oci_strv_push(&s->ann_keys, key);
	kk_oci_strv_push(&s->ann_values, value);
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
	kk_oci_strv_set(&s->cap_bounding, default_caps, N(default_caps));
	kk_oci_strv_set(&s->cap_permitted, default_caps, N(default_caps));
	kk_oci_strv_set(&s->cap_effective, default_caps, N(default_caps));
	s->root_path = kk_xstrdup("rootfs");
	kk_oci_add_mount(s, "/proc", "proc", "proc", proc);
	kk_oci_add_mount(s, "/dev", "tmpfs", "tmpfs", tmpfs_dev);
	kk_oci_add_mount(s, "/dev/pts", "devpts", "devpts", pts);
	kk_oci_add_mount(s, "/dev/shm", "tmpfs", "shm", shm);
	kk_oci_add_mount(s, "/dev/mqueue", "mqueue", "mqueue", proc);
	kk_oci_add_mount(s, "/sys", "sysfs", "sysfs", sys);
	kk_oci_add_mount(s, "/run", "tmpfs", "tmpfs", tmpfs_dev);
	kk_oci_strv_set(&s->masked_paths, default_masked, N(default_masked));
	kk_oci_strv_set(&s->readonly_paths, default_readonly, N(default_readonly));
	s->cgroups_path = kk_xasprintf("/%s%s%s", kk_oci_is_set(ns) ? ns : "",
				       kk_oci_is_set(ns) ? "/" : "", id);
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
void kk_oci_env_merge(struct strv *env, const char *const *overrides, size_t n)
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
			kk_oci_set_str(&env->v[hit], o);
			gone[hit] = false;
		} else {
			kk_oci_strv_push(env, o);
		}
	}
	for (size_t j = 0; j < n_defaults; j++)
		if (gone[j])
			env->v[j][0] = '\0';
	kk_oci_strv_remove(env, "");
}

bool kk_oci_env_has_key(const struct strv *env, const char *key)
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
	if (!kk_oci_is_set(rootfs))
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

	*why = !kk_oci_is_set(rootfs) ? "no image rootfs to read /etc/passwd from"
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

	*why = !kk_oci_is_set(rootfs) ? "no image rootfs to read /etc/group from"
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
		kk_oci_strv_set(&s->env, ic->env, ic->n_env);
	else
		kk_oci_strv_set(&s->env, &path_default, 1);
	kk_oci_env_merge(&s->env, (const char *const *)cur.v, cur.n);
	kk_oci_strv_clear(&cur);

	kk_oci_strv_set(&s->args, ic->entrypoint, ic->n_entrypoint);
	for (size_t i = 0; i < ic->n_cmd; i++)
		kk_oci_strv_push(&s->args, ic->cmd[i]);
	kk_oci_set_str(&s->cwd, kk_oci_is_set(ic->working_dir) ? ic->working_dir : "/");

	if (kk_oci_is_set(ic->user)) {
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

/* omitempty: nothing for an unset string */
static void add_set_str(cJSON *obj, const char *key, const char *v)
{
	if (kk_oci_is_set(v))
		add_str(obj, key, v);
}

/* Object key of parent with the n values that are set (names[i] for v[i]); none when
 * none is set. */
static void add_limits(cJSON *parent, const char *key, const char *const names[],
		       const struct res_val *const v[], size_t n)
{
	cJSON *o = NULL;

	for (size_t i = 0; i < n; i++) {
		if (!v[i]->set)
			continue;
		if (!o)
			o = cJSON_AddObjectToObject(parent, key);
		add_int(o, names[i], v[i]->v);
	}
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
	add_set_str(doc, "hostname", s->hostname);

	mounts = cJSON_AddArrayToObject(doc, "mounts");
	for (size_t i = 0; i < s->n_mounts; i++) {
		cJSON *m = cJSON_CreateObject();

		add_str(m, "destination", s->mounts[i].destination);
		add_set_str(m, "type", s->mounts[i].type);
		add_set_str(m, "source", s->mounts[i].source);
		add_strv(m, "options", &s->mounts[i].options);
		cJSON_AddItemToArray(mounts, m);
	}

	if (s->ann_keys.n) {
		cJSON *ann = cJSON_AddObjectToObject(doc, "annotations");
		cleanup_free char **keys = kk_xcalloc(s->ann_keys.n, sizeof(char *));

		memcpy(keys, s->ann_keys.v, s->ann_keys.n * sizeof(char *));
		qsort(keys, s->ann_keys.n, sizeof(char *), kk_str_cmpp);
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
	add_limits(res, "memory", (const char *const[]){ "limit", "reservation", "swap" },
		   (const struct res_val *const[]){ &s->mem_limit, &s->mem_reservation,
						    &s->mem_swap },
		   3);
	add_limits(res, "cpu", (const char *const[]){ "shares", "quota", "period" },
		   (const struct res_val *const[]){ &s->cpu_shares, &s->cpu_quota, &s->cpu_period },
		   3);
	add_limits(res, "pids", (const char *const[]){ "limit" },
		   (const struct res_val *const[]){ &s->pids_limit }, 1);
	add_set_str(lx, "cgroupsPath", s->cgroups_path);
	nss = cJSON_AddArrayToObject(lx, "namespaces");
	for (size_t i = 0; i < s->n_namespaces; i++) {
		cJSON *n = cJSON_CreateObject();

		add_str(n, "type", s->namespaces[i].type);
		add_set_str(n, "path", s->namespaces[i].path);
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
	if (!kk_oci_env_has_key(&s->env, "PATH"))
		kk_oci_strv_push(&s->env, DEFAULT_PATH_ENV);
	if (kk_oci_is_set(o->hostname))
		kk_oci_set_str(&s->hostname, o->hostname);
	if (kk_oci_is_set(o->etc_hosts_path)) {
		const char *ro[] = { "rbind", "ro", NULL };

		kk_oci_add_mount(s, "/etc/hosts", "bind", o->etc_hosts_path, ro);
	}
	if (kk_oci_is_set(o->etc_hostname_path)) {
		const char *ro[] = { "rbind", "ro", NULL };

		kk_oci_add_mount(s, "/etc/hostname", "bind", o->etc_hostname_path, ro);
	}
	kk_oci_apply_args(s, o);
	if (kk_oci_is_set(o->working_dir))
		kk_oci_set_str(&s->cwd, o->working_dir);
	kk_oci_apply_env(s, o);
	if (o->privileged && kk_oci_apply_privileged(s, o, err) < 0)
		return -1;
	if (o->host_network)
		remove_namespace(s, "network");
	if (o->host_pid)
		remove_namespace(s, "pid");
	if (!o->host_cgroup)
		set_namespace(s, "cgroup", NULL);
	if (o->nested_cgroup_runtime && !o->host_cgroup) {
		const char *rw[] = { "rw", "nosuid", "noexec", "nodev", NULL };

		kk_oci_add_mount(s, "/sys/fs/cgroup", "cgroup", "cgroup", rw);
	}
	if (kk_oci_apply_volumes(s, o, err) < 0)
		return -1;
	if (kk_oci_is_set(o->cgroups_path)) {
		kk_oci_set_str(&s->cgroups_path, o->cgroups_path);
	} else if (kk_oci_is_set(o->identity.cell_cgroup_path)) {
		free(s->cgroups_path);
		s->cgroups_path = kk_oci_join_cgroup(o->identity.cell_cgroup_path, o->id);
	}
	if (kk_oci_is_set(o->user)) {
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
	if (kk_oci_apply_capabilities(s, o, err) < 0)
		return -1;
	for (size_t i = 0; i < o->n_security_opts; i++)
		if (kk_oci_apply_security_opt(s, i, o->security_opts[i], err) < 0)
			return -1;
	if (kk_oci_apply_tmpfs(s, o, err) < 0 || kk_oci_apply_resources(s, &o->resources, err) < 0)
		return -1;
	for (size_t i = 0; i < o->n_extra_mounts; i++) {
		const struct kk_oci_mount *m = &o->extra_mounts[i];

		if (!kk_oci_is_abs(m->destination) || !kk_oci_is_set(m->type))
			return kk_err_set(err, EINVAL,
					  "mount `%s`: needs an absolute destination and a type",
					  m->destination ? m->destination : "");
		kk_oci_add_mount(s, m->destination, m->type, m->source ? m->source : "", NULL);
		for (size_t j = 0; j < m->n_options; j++)
			kk_oci_strv_push(&kk_oci_last_mount(s)->options, m->options[j]);
	}
	for (size_t i = 0; i < o->n_annotations; i++)
		set_annotation(s, o->annotations[i].key, o->annotations[i].value);
	if (kk_oci_is_set(o->cni_config_path))
		set_annotation(s, KK_OCI_ANNOTATION_CNI_CONFIG, o->cni_config_path);
	return 0;
}

int kk_oci_spec_build(const struct kk_oci_opts *opts, struct cJSON **out, struct kk_err *err)
{
	struct spec s = { 0 };
	cJSON *doc;
	const struct kk_oci_ns_paths *j = &opts->join;

	if (!kk_oci_is_set(opts->id))
		return kk_err_set(err, EINVAL, "oci spec: container id is required");
	if (kk_oci_is_set(opts->rootfs)) {
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

		if (!kk_oci_is_set(want[i].path))
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
