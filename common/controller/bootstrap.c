/* common/controller/bootstrap.c - see bootstrap.h. */
#include "common/controller/bootstrap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cjson/cJSON.h"
#include "common/cgroup/cgroup.h"
#include "common/cleanup.h"
#include "common/cni/netpolicy.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/mem.h"
#include "common/model/model.h"
#include "common/model/naming.h"
#include "common/path.h"
#include "common/strv.h"
#include "kk_config.h"

#define DEFAULT_IPAM_DIR       "/var/lib/cni"
#define DEFAULT_CONTAINERD_VAR "/var/lib/containerd"

void kk_bootstrap_report_clear(struct kk_bootstrap_report *r)
{
	free(r->cni_conf.path);
	free(r->cni_cache.path);
	free(r->cni_bin.path);
	kk_realm_create_result_clear(&r->realm);
	kk_realm_create_result_clear(&r->sys_realm);
	kk_space_create_result_clear(&r->space);
	kk_space_create_result_clear(&r->sys_space);
	kk_stack_create_result_clear(&r->stack);
	kk_stack_create_result_clear(&r->sys_stack);
	kk_cell_create_result_clear(&r->cell);
	memset(r, 0, sizeof(*r));
}

static bool level_made(const struct kk_level_outcome *o)
{
	return o->created || o->cgroup_created;
}

bool kk_bootstrap_report_created(const struct kk_bootstrap_report *r)
{
	const struct kk_realm_create_result *realms[] = { &r->realm, &r->sys_realm };
	const struct kk_space_create_result *spaces[] = { &r->space, &r->sys_space };
	const struct kk_stack_create_result *stacks[] = { &r->stack, &r->sys_stack };

	if (!r->cni_conf.pre || !r->cni_cache.pre || !r->cni_bin.pre || !r->root_cgroup_pre)
		return true;
	for (size_t i = 0; i < 2; i++)
		if (level_made(&realms[i]->level) || realms[i]->ns_created ||
		    level_made(&spaces[i]->level) || spaces[i]->cni_created ||
		    level_made(&stacks[i]->level))
			return true;
	return r->cell_provisioned &&
	       (r->cell.created || r->cell_image_changed || !r->cell.cgroup_exists_pre ||
		!r->cell.root_container_exists_pre);
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* mkdir (with parents) mode 0750 when absent. */
static int ensure_dir(const char *path, struct kk_dir_outcome *out, struct kk_err *err)
{
	out->path = kk_xstrdup(path);
	out->pre = is_dir(path);
	if (!out->pre && kk_mkdir_p(path, 0750, err) < 0)
		return -1;
	out->post = true;
	return 0;
}

/* A realm/space/stack document from JSON text, decoded as apply would. */
static cJSON *parse(const char *text, struct kk_err *err)
{
	cJSON *tree = NULL;

	if (kk_json_parse(text, strlen(text), "bootstrap document", &tree, err) < 0)
		return NULL;
	return tree;
}

static int hierarchy(struct kk_local *l, const char *realm, const char *space, const char *stack,
		     struct kk_realm_create_result *rr, struct kk_space_create_result *sr,
		     struct kk_stack_create_result *tr, struct kk_err *err)
{
	cleanup_free char *rt = kk_xasprintf("{\"apiVersion\":\"v1beta1\",\"kind\":\"Realm\","
					     "\"metadata\":{\"name\":\"%s\"},"
					     "\"spec\":{\"namespace\":\"%s.%s\"}}",
					     realm, realm, l->ns_suffix);
	cleanup_free char *st = kk_xasprintf("{\"apiVersion\":\"v1beta1\",\"kind\":\"Space\","
					     "\"metadata\":{\"name\":\"%s\"},"
					     "\"spec\":{\"realmId\":\"%s\"}}",
					     space, realm);
	cleanup_free char *tt =
		kk_xasprintf("{\"apiVersion\":\"v1beta1\",\"kind\":\"Stack\",\"metadata\":{"
			     "\"name\":\"%s\"},"
			     "\"spec\":{\"id\":\"%s\",\"realmId\":\"%s\",\"spaceId\":\"%s\"}}",
			     stack, stack, realm, space);
	cleanup_(kk_json_freep) cJSON *rj = parse(rt, err);
	cleanup_(kk_json_freep) cJSON *sj = rj ? parse(st, err) : NULL;
	cleanup_(kk_json_freep) cJSON *tj = sj ? parse(tt, err) : NULL;
	cleanup_(kk_realm_freep) struct kk_realm *r = NULL;
	cleanup_(kk_space_freep) struct kk_space *s = NULL;
	cleanup_(kk_stack_freep) struct kk_stack *t = NULL;

	if (!tj || kk_realm_decode(rj, NULL, &r, err) < 0 ||
	    kk_space_decode(sj, NULL, &s, err) < 0 || kk_stack_decode(tj, NULL, &t, err) < 0)
		return -1;
	if (kk_ctl_realm_create(l, r, true, rr, err) < 0)
		return kk_err_wrap(err, "realm \"%s\"", realm);
	if (kk_ctl_space_create(l, s, true, sr, err) < 0)
		return kk_err_wrap(err, "space \"%s\"", space);
	if (kk_ctl_stack_create(l, t, true, tr, err) < 0)
		return kk_err_wrap(err, "stack \"%s\"", stack);
	return 0;
}

static char *dir_of(const char *path)
{
	cleanup_free char *clean = kk_path_clean(path);
	char *slash = strrchr(clean, '/');

	if (!slash)
		return kk_xstrdup(".");
	return slash == clean ? kk_xstrdup("/") : kk_xstrndup(clean, (size_t)(slash - clean));
}

/* A rw bind of path onto itself, unless path is already a target. */
static void add_bind(cJSON *vols, char ***targets, const char *path)
{
	cleanup_free char *clean = kk_path_clean(path);
	cJSON *v;

	if (kk_strv_contains(*targets, clean))
		return;
	v = cJSON_CreateObject();
	cJSON_AddStringToObject(v, "source", clean);
	cJSON_AddStringToObject(v, "target", clean);
	cJSON_AddItemToArray(vols, v);
	kk_strv_push_take(targets, TAKE_PTR(clean));
}

struct kk_cell *kk_bootstrap_kukeond_cell(const struct kk_local *l,
					  const struct kk_bootstrap_opts *o)
{
	cleanup_(kk_json_freep) cJSON *doc = cJSON_CreateObject();
	cleanup_(kk_strv_freep) char **targets = NULL;
	cleanup_free char *sock_dir = dir_of(o->socket);
	cleanup_free char *ctrd_dir = dir_of(l->containerd_socket);
	cleanup_free char *cfg_dir = o->configuration ? dir_of(o->configuration) : NULL;
	const char *var = o->containerd_var_dir ? o->containerd_var_dir : DEFAULT_CONTAINERD_VAR;
	struct kk_cni_host cni = kk_local_cni_host(l);
	cJSON *meta = cJSON_AddObjectToObject(doc, "metadata");
	cJSON *spec = cJSON_AddObjectToObject(doc, "spec");
	cJSON *cs = cJSON_AddArrayToObject(spec, "containers");
	cJSON *root = cJSON_CreateObject(), *d = cJSON_CreateObject();
	cJSON *args, *vols, *env;
	struct kk_cell *cell = NULL;
	struct kk_err err = { 0 };

	cJSON_AddStringToObject(doc, "apiVersion", "v1beta1");
	cJSON_AddStringToObject(doc, "kind", "Cell");
	cJSON_AddStringToObject(meta, "name", KK_SYSTEM_CELL);
	/* the system cell's place: its ids here, its default labels after the decode */
	cJSON_AddStringToObject(spec, "id", KK_SYSTEM_CELL);

	/* upstream's implicit root is busybox from docker.io; ours is the same image, so no
	 * registry is needed (docs/compat.md) */
	cJSON_AddStringToObject(root, "id", "root");
	cJSON_AddBoolToObject(root, "root", true);
	cJSON_AddStringToObject(root, "image", o->image);
	cJSON_AddStringToObject(root, "command", "sleep");
	cJSON_AddItemToObject(root, "args",
			      cJSON_CreateStringArray((const char *[]){ "infinity" }, 1));
	cJSON_AddBoolToObject(root, "hostNetwork", true);
	cJSON_AddItemToArray(cs, root);

	cJSON_AddStringToObject(d, "id", KK_SYSTEM_DAEMON);
	cJSON_AddStringToObject(d, "image", o->image);
	cJSON_AddStringToObject(d, "command", "/bin/kukeond");
	args = cJSON_AddArrayToObject(d, "args");
	if (o->configuration) {
		cJSON_AddItemToArray(args, cJSON_CreateString("--configuration"));
		cJSON_AddItemToArray(args, cJSON_CreateString(o->configuration));
	}
	cJSON_AddItemToArray(args, cJSON_CreateString("serve"));
	cJSON_AddItemToArray(args, cJSON_CreateString("--socket"));
	cJSON_AddItemToArray(args, cJSON_CreateString(o->socket));
	cJSON_AddItemToArray(args, cJSON_CreateString("--run-path"));
	cJSON_AddItemToArray(args, cJSON_CreateString(l->run_path));
	cJSON_AddItemToArray(args, cJSON_CreateString("--containerd-socket"));
	cJSON_AddItemToArray(args, cJSON_CreateString(l->containerd_socket));
	if (o->socket_gid > 0) {
		char gid[24];

		snprintf(gid, sizeof(gid), "%u", (unsigned)o->socket_gid);
		cJSON_AddItemToArray(args, cJSON_CreateString("--socket-gid"));
		cJSON_AddItemToArray(args, cJSON_CreateString(gid));
	}
	/* upstream passes neither and lets kukeond re-read them from the configuration file,
	 * which a flag given to init never reached: the environment carries them here */
	env = cJSON_AddArrayToObject(d, "env");
	if (strcmp(l->ns_suffix, CONFIG_DEFAULT_NAMESPACE_SUFFIX) != 0) {
		cleanup_free char *e = kk_xasprintf("KUKEON_NAMESPACE_SUFFIX=%s", l->ns_suffix);

		cJSON_AddItemToArray(env, cJSON_CreateString(e));
	}
	if (strcmp(l->cgroup_root, CONFIG_DEFAULT_CGROUP_ROOT) != 0) {
		cleanup_free char *e = kk_xasprintf("KUKEON_CGROUP_ROOT=%s", l->cgroup_root);

		cJSON_AddItemToArray(env, cJSON_CreateString(e));
	}
	if (strcmp(cni.cache_dir, CONFIG_DEFAULT_CNI_CACHE_DIR) != 0) {
		cleanup_free char *e = kk_xasprintf("KUKEON_CNI_CACHE_DIR=%s", cni.cache_dir);

		cJSON_AddItemToArray(env, cJSON_CreateString(e));
	}
	cJSON_AddBoolToObject(d, "hostNetwork", true);
	cJSON_AddBoolToObject(d, "hostPID", true);
	cJSON_AddBoolToObject(d, "hostCgroup", true);
	cJSON_AddBoolToObject(d, "privileged", true);
	vols = cJSON_AddArrayToObject(d, "volumes");
	add_bind(vols, &targets, sock_dir);
	add_bind(vols, &targets, l->cgroup_mount);
	if (is_dir(var))
		add_bind(vols, &targets, var);
	add_bind(vols, &targets, o->cni_conf_dir ? o->cni_conf_dir : CONFIG_DEFAULT_CNI_CONF_DIR);
	add_bind(vols, &targets, o->ipam_dir ? o->ipam_dir : DEFAULT_IPAM_DIR);
	add_bind(vols, &targets, cni.cache_dir);
	add_bind(vols, &targets, l->run_path);
	add_bind(vols, &targets, ctrd_dir);
	if (cfg_dir)
		add_bind(vols, &targets, cfg_dir);
	cJSON_AddItemToArray(cs, d);
	cJSON_AddStringToObject(spec, "realmId", KK_SYSTEM_REALM);
	cJSON_AddStringToObject(spec, "spaceId", KK_SYSTEM_SPACE);
	cJSON_AddStringToObject(spec, "stackId", KK_SYSTEM_STACK);

	if (kk_cell_decode(doc, NULL, &cell, &err) < 0)
		abort(); /* the document above is well-formed by construction */
	kk_labels_add_defaults(&cell->meta.labels, KK_SYSTEM_REALM, KK_SYSTEM_SPACE,
			       KK_SYSTEM_STACK, KK_SYSTEM_CELL);
	return cell;
}

int kk_bootstrap(struct kk_local *l, const struct kk_bootstrap_opts *o,
		 struct kk_bootstrap_report *r, struct kk_err *err)
{
	const char *ipam = o->ipam_dir ? o->ipam_dir : DEFAULT_IPAM_DIR;
	cleanup_free char *sock_dir = dir_of(o->socket);
	cleanup_free char *cfg_dir = o->configuration ? dir_of(o->configuration) : NULL;
	cleanup_(kk_cell_freep) struct kk_cell *cell = NULL;
	struct kk_cell_get_result before = { 0 };
	struct kk_err e = { 0 };
	int rc;

	if (ensure_dir(o->cni_conf_dir ? o->cni_conf_dir : CONFIG_DEFAULT_CNI_CONF_DIR,
		       &r->cni_conf, err) < 0 ||
	    ensure_dir(kk_local_cni_host(l).cache_dir, &r->cni_cache, err) < 0 ||
	    ensure_dir(o->cni_bin_dir ? o->cni_bin_dir : CONFIG_DEFAULT_CNI_BIN_DIR, &r->cni_bin,
		       err) < 0)
		return kk_err_wrap(err, "CNI directories");
	if (kk_local_cgroup(l, err) < 0)
		return -1;
	rc = kk_cgroup_exists(l->cg, l->cgroup_root, err);
	if (rc < 0)
		return -1;
	r->root_cgroup_pre = rc > 0;
	if (!r->root_cgroup_pre && kk_cgroup_create(l->cg, l->cgroup_root, err) < 0)
		return kk_err_wrap(err, "kukeon root cgroup");
	r->root_cgroup_post = true;
	if (hierarchy(l, "default", "default", "default", &r->realm, &r->space, &r->stack, err) <
		    0 ||
	    hierarchy(l, KK_SYSTEM_REALM, KK_SYSTEM_SPACE, KK_SYSTEM_STACK, &r->sys_realm,
		      &r->sys_space, &r->sys_stack, err) < 0)
		return -1;
	if (!o->image)
		return 0;
	if (kk_mkdir_p(sock_dir, 0750, err) < 0 || kk_mkdir_p(ipam, 0750, err) < 0 ||
	    (cfg_dir && kk_mkdir_p(cfg_dir, 0750, err) < 0))
		return -1;
	if (chmod(ipam, 0750) < 0)
		return kk_err_sys(err, "chmod `%s`", ipam);
	if (kk_ctl_cell_get(l, KK_SYSTEM_REALM, KK_SYSTEM_SPACE, KK_SYSTEM_STACK, KK_SYSTEM_CELL,
			    &before, &e) == 0) {
		const struct kk_cell_spec *sp = &before.cell->spec;

		r->cell_was_running = before.cell->status.common.state == KK_CELL_READY;
		/* the daemon runs the image init was asked for (by default: this binary's) */
		for (size_t i = 0; i < sp->n_containers; i++)
			if (!sp->containers[i].image ||
			    strcmp(sp->containers[i].image, o->image) != 0)
				r->cell_image_changed = true;
		kk_cell_get_result_clear(&before);
	}
	if (o->provide_image && o->provide_image(l, o->provide_arg, err) < 0)
		return -1;
	cell = kk_bootstrap_kukeond_cell(l, o);
	if (r->cell_image_changed) {
		struct kk_cell_update_result up = { 0 };

		/* a root container with another image: the cell is made again from `cell` */
		if (kk_ctl_cell_update(l, cell, &up, err) < 0)
			return kk_err_wrap(err, "cell \"%s\"", KK_SYSTEM_CELL);
		kk_cell_update_result_clear(&up);
		r->cell_was_running = false;
	}
	r->cell_provisioned = true;
	if (kk_ctl_cell_create(l, cell, true, &r->cell, err) < 0)
		return kk_err_wrap(err, "cell \"%s\"", KK_SYSTEM_CELL);
	return 0;
}

int kk_ctl_forward_chain_remove(struct kk_local *l, struct kk_err *err)
{
	struct kk_cni_host host = kk_local_cni_host(l);
	int rc = kk_netpolicy_forward_remove(&host, err);

	return rc < 0 ? kk_err_wrap(err, "remove the KUKEON-FORWARD chain") : rc;
}
