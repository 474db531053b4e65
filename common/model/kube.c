/* common/model/kube.c - a cell as a Kubernetes Pod (`kuke get cell -o kube`), with a note for
 * each setting a Pod cannot express; see kube.h. The way back is in kube_import.c. */
#include "common/model/kube.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/cleanup.h"
#include "common/mem.h"
#include "common/strv.h"
#include "common/yaml.h"

bool kk_kube_is_pod(const cJSON *tree)
{
	const cJSON *api = cJSON_GetObjectItemCaseSensitive(tree, "apiVersion");
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(tree, "kind");

	return cJSON_IsString(api) && kk_str_is(api->valuestring, "v1") && cJSON_IsString(kind) &&
	       kk_str_is(kind->valuestring, "Pod");
}

/* ---- cell -> Pod ------------------------------------------------------------------------- */

__attribute__((format(printf, 2, 3))) static void note(char ***notes, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kk_strv_push_take(notes, kk_xvasprintf(fmt, ap));
	va_end(ap);
}

/* kukeon's pause: the root container kukeon adds (sleep infinity) */
static bool is_pause(const struct kk_container_spec *c)
{
	return c->root && kk_str_is(c->command, "sleep") && c->args.n == 1 &&
	       kk_str_is(c->args.v[0], "infinity");
}

static cJSON *str_array(char *const *v, size_t n)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
	return a;
}

static char *bytes_quantity(int64_t b)
{
	static const char *const suffix[] = { "Gi", "Mi", "Ki" };

	for (int i = 0; i < 3; i++) {
		int64_t unit = INT64_C(1) << (10 * (3 - i));

		if (b >= unit && b % unit == 0)
			return kk_xasprintf("%" PRId64 "%s", b / unit, suffix[i]);
	}
	return kk_xasprintf("%" PRId64, b);
}

/* The name of the Pod volume for a mount: the hostPath volume of source when there is one
 * already (containers sharing a host directory share the volume), else a new one; a tmpfs
 * is a new emptyDir of medium Memory. */
static const char *pod_volume(cJSON *vols, bool host, const char *source, int64_t size,
			      size_t *count)
{
	cJSON *v;
	char name[32];

	cJSON_ArrayForEach(v, vols)
	{
		const cJSON *hp = cJSON_GetObjectItemCaseSensitive(v, "hostPath");
		const cJSON *p = hp ? cJSON_GetObjectItemCaseSensitive(hp, "path") : NULL;

		if (host && p && kk_str_is(p->valuestring, source))
			return cJSON_GetObjectItemCaseSensitive(v, "name")->valuestring;
	}
	snprintf(name, sizeof(name), "%s-%zu", host ? "host" : "mem", (*count)++);
	v = cJSON_CreateObject();
	cJSON_AddStringToObject(v, "name", name);
	if (host) {
		cJSON_AddStringToObject(kk_enc_obj(v, "hostPath"), "path", kk_str(source));
	} else {
		cJSON *e = kk_enc_obj(v, "emptyDir");

		cJSON_AddStringToObject(e, "medium", "Memory");
		if (size > 0) {
			cleanup_free char *q = bytes_quantity(size);

			cJSON_AddStringToObject(e, "sizeLimit", q);
		}
	}
	cJSON_AddItemToArray(vols, v);
	return cJSON_GetObjectItemCaseSensitive(v, "name")->valuestring;
}

static void add_mount(cJSON *mounts, const char *name, const char *path, bool ro)
{
	cJSON *m = cJSON_CreateObject();

	cJSON_AddStringToObject(m, "name", name);
	cJSON_AddStringToObject(m, "mountPath", path);
	if (ro)
		cJSON_AddTrueToObject(m, "readOnly");
	cJSON_AddItemToArray(mounts, m);
}

static void pod_mounts(const struct kk_container_spec *c, cJSON *ctr, cJSON *vols, size_t *count,
		       char ***notes)
{
	cJSON *mounts = cJSON_CreateArray();

	for (size_t i = 0; i < c->n_volumes; i++) {
		const struct kk_volume_mount *m = &c->volumes[i];
		bool tmpfs = kk_str_is(m->kind, "tmpfs");

		add_mount(mounts,
			  pod_volume(vols, !tmpfs, m->source, tmpfs ? m->size_bytes : 0, count),
			  m->target, m->read_only);
		if (m->mode)
			note(notes, "container \"%s\": volume %s mode %04o (emptyDir has no mode)",
			     kk_str(c->id), m->target, m->mode);
	}
	for (size_t i = 0; i < c->n_tmpfs; i++) {
		const struct kk_tmpfs_mount *t = &c->tmpfs[i];

		add_mount(mounts, pod_volume(vols, false, NULL, t->size_bytes, count), t->path,
			  false);
		if (t->options.n)
			note(notes, "container \"%s\": tmpfs %s options (emptyDir has none)",
			     kk_str(c->id), t->path);
	}
	if (cJSON_GetArraySize(mounts))
		cJSON_AddItemToObject(ctr, "volumeMounts", mounts);
	else
		cJSON_Delete(mounts);
}

/* "HOST:CONTAINER[/udp]" or "PORT[/tcp|udp]"; false when it is neither */
static bool parse_port(const char *s, long *host, long *ctr, bool *udp)
{
	char *end;

	*host = strtol(s, &end, 10);
	*ctr = *host;
	if (end == s)
		return false;
	if (*end == ':') {
		s = end + 1;
		*ctr = strtol(s, &end, 10);
		if (end == s)
			return false;
	}
	*udp = kk_str_is(end, "/udp");
	return (!*end || *udp || kk_str_is(end, "/tcp")) && *host > 0 && *host < 65536 &&
	       *ctr > 0 && *ctr < 65536;
}

static void pod_ports(const struct kk_container_spec *c, cJSON *ctr, char ***notes)
{
	cJSON *ports;

	if (!c->ports.n)
		return;
	ports = kk_enc_arr(ctr, "ports");
	for (size_t i = 0; i < c->ports.n; i++) {
		cJSON *p;
		long host, cport;
		bool udp = false;

		if (!parse_port(c->ports.v[i], &host, &cport, &udp)) {
			note(notes, "container \"%s\": port %s is not HOST:CONTAINER[/tcp|udp]",
			     kk_str(c->id), c->ports.v[i]);
			continue;
		}
		p = cJSON_CreateObject();
		cJSON_AddNumberToObject(p, "containerPort", (double)cport);
		cJSON_AddNumberToObject(p, "hostPort", (double)host);
		cJSON_AddStringToObject(p, "protocol", udp ? "UDP" : "TCP");
		cJSON_AddItemToArray(ports, p);
	}
}

static bool all_digits(const char *s)
{
	if (kk_str_empty(s))
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static void pod_security(const struct kk_container_spec *c, cJSON *ctr, char ***notes)
{
	cJSON *sc = cJSON_CreateObject();

	if (!kk_str_empty(c->user)) {
		cleanup_free char *u = kk_xstrdup(c->user);
		char *g = strchr(u, ':');

		if (g)
			*g++ = '\0';
		if (all_digits(u) && (!g || all_digits(g))) {
			cJSON_AddNumberToObject(sc, "runAsUser", strtod(u, NULL));
			if (g)
				cJSON_AddNumberToObject(sc, "runAsGroup", strtod(g, NULL));
		} else {
			note(notes, "container \"%s\": user %s (a Pod takes numeric ids only)",
			     kk_str(c->id), c->user);
		}
	}
	if (c->privileged)
		cJSON_AddTrueToObject(sc, "privileged");
	if (c->read_only_root_filesystem)
		cJSON_AddTrueToObject(sc, "readOnlyRootFilesystem");
	if (c->capabilities && (c->capabilities->add.n || c->capabilities->drop.n)) {
		cJSON *caps = kk_enc_obj(sc, "capabilities");
		const struct kk_strv *lists[] = { &c->capabilities->add, &c->capabilities->drop };
		const char *keys[] = { "add", "drop" };

		for (int k = 0; k < 2; k++) {
			cJSON *a;

			if (!lists[k]->n)
				continue;
			a = kk_enc_arr(caps, keys[k]);
			for (size_t i = 0; i < lists[k]->n; i++) {
				cleanup_free char *up = kk_xstrdup(lists[k]->v[i]);

				for (char *p = up; *p; p++)
					*p = (char)toupper((unsigned char)*p);
				cJSON_AddItemToArray(a, cJSON_CreateString(strncmp(up, "CAP_", 4)
										   ? up
										   : up + 4));
			}
		}
	}
	for (size_t i = 0; i < c->security_opts.n; i++) {
		const char *o = c->security_opts.v[i];

		if (kk_str_is(o, "no-new-privileges") || kk_str_is(o, "no-new-privileges=true") ||
		    kk_str_is(o, "no-new-privileges:true"))
			cJSON_AddFalseToObject(sc, "allowPrivilegeEscalation");
		else if (kk_str_is(o, "seccomp=unconfined") || kk_str_is(o, "seccomp:unconfined"))
			cJSON_AddStringToObject(kk_enc_obj(sc, "seccompProfile"), "type",
						"Unconfined");
		else
			note(notes, "container \"%s\": securityOpt %s", kk_str(c->id), o);
	}
	if (cJSON_GetArraySize(sc))
		cJSON_AddItemToObject(ctr, "securityContext", sc);
	else
		cJSON_Delete(sc);
}

static void pod_resources(const struct kk_container_spec *c, cJSON *ctr, char ***notes)
{
	const struct kk_resources *r = c->resources;
	cJSON *res;

	if (!r)
		return;
	res = cJSON_CreateObject();
	if (r->has_memory_limit_bytes && r->memory_limit_bytes > 0) {
		cleanup_free char *q = bytes_quantity(r->memory_limit_bytes);

		cJSON_AddStringToObject(kk_enc_obj(res, "limits"), "memory", q);
	}
	if (r->has_cpu_shares && r->cpu_shares > 0) {
		/* Kubernetes turns requests.cpu into shares as milliCPU * 1024 / 1000 */
		cleanup_free char *q =
			kk_xasprintf("%" PRId64 "m", (r->cpu_shares * 1000 + 512) / 1024);

		cJSON_AddStringToObject(kk_enc_obj(res, "requests"), "cpu", q);
	}
	if (r->has_pids_limit && r->pids_limit > 0)
		note(notes, "container \"%s\": pidsLimit %" PRId64 " (a Pod has no pids limit)",
		     kk_str(c->id), r->pids_limit);
	if (cJSON_GetArraySize(res))
		cJSON_AddItemToObject(ctr, "resources", res);
	else
		cJSON_Delete(res);
}

static cJSON *pod_container(const struct kk_container_spec *c, cJSON *vols, size_t *count,
			    char ***notes)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "name", kk_str(c->id));
	cJSON_AddStringToObject(o, "image", kk_str(c->image));
	/* kukeon: command + args is the argv; args alone is the whole argv too (the image's
	 * ENTRYPOINT is not used), which in a Pod is `command` */
	if (!kk_str_empty(c->command)) {
		cJSON *cmd = cJSON_CreateArray();

		cJSON_AddItemToArray(cmd, cJSON_CreateString(c->command));
		cJSON_AddItemToObject(o, "command", cmd);
		if (c->args.n)
			cJSON_AddItemToObject(o, "args", str_array(c->args.v, c->args.n));
	} else if (c->args.n) {
		cJSON_AddItemToObject(o, "command", str_array(c->args.v, c->args.n));
	}
	if (!kk_str_empty(c->working_dir))
		cJSON_AddStringToObject(o, "workingDir", c->working_dir);
	if (c->env.n) {
		cJSON *env = kk_enc_arr(o, "env");

		for (size_t i = 0; i < c->env.n; i++) {
			cJSON *e = cJSON_CreateObject();
			const char *eq = strchr(c->env.v[i], '=');
			cleanup_free char *name =
				eq ? kk_xstrndup(c->env.v[i], (size_t)(eq - c->env.v[i]))
				   : kk_xstrdup(c->env.v[i]);

			cJSON_AddStringToObject(e, "name", name);
			cJSON_AddStringToObject(e, "value", eq ? eq + 1 : "");
			cJSON_AddItemToArray(env, e);
		}
	}
	pod_ports(c, o, notes);
	pod_mounts(c, o, vols, count, notes);
	pod_security(c, o, notes);
	pod_resources(c, o, notes);
	if (c->attachable) {
		cJSON_AddTrueToObject(o, "stdin");
		cJSON_AddTrueToObject(o, "tty");
		if (c->tty)
			note(notes,
			     "container \"%s\": tty prompt, onInit and logFile (kuketty only)",
			     kk_str(c->id));
	}
	if (c->host_cgroup)
		note(notes, "container \"%s\": hostCgroup", kk_str(c->id));
	for (size_t i = 0; i < c->n_secrets; i++)
		note(notes, "container \"%s\": secret %s (make it a Kubernetes Secret)",
		     kk_str(c->id), kk_str(c->secrets[i].name));
	if (c->networks.n || c->networks_aliases.n)
		note(notes, "container \"%s\": networks and networksAliases", kk_str(c->id));
	if (c->root)
		note(notes, "container \"%s\" is the cell's root container", kk_str(c->id));
	return o;
}

static const char *pod_restart_policy(const char *p)
{
	if (kk_str_is(p, "always"))
		return "Always";
	if (kk_str_is(p, "on-failure"))
		return "OnFailure";
	return "Never"; /* "" and "never": kukeon does not restart */
}

cJSON *kk_kube_pod_from_cell(const struct kk_cell *cell, char ***notes)
{
	cleanup_(kk_strv_freep) char **n = NULL;
	const struct kk_cell_spec *s = &cell->spec;
	cJSON *pod = cJSON_CreateObject(), *meta, *labels, *spec, *ctrs, *vols;
	const char *policy = NULL;
	bool host_net = false, host_pid = false;
	size_t count = 0;

	cJSON_AddStringToObject(pod, "apiVersion", "v1");
	cJSON_AddStringToObject(pod, "kind", "Pod");
	meta = kk_enc_obj(pod, "metadata");
	cJSON_AddStringToObject(meta, "name", kk_str(cell->meta.name));
	labels = kk_enc_obj(meta, "labels");
	for (size_t i = 0; i < cell->meta.labels.n; i++) {
		const char *k = cell->meta.labels.v[i].key;
		size_t kl = strlen(k);

		if (kl > 10 && strcmp(k + kl - 10, ".kukeon.io") == 0)
			continue; /* kukeon's own, set below */
		cJSON_AddStringToObject(labels, k, kk_str(cell->meta.labels.v[i].value));
	}
	cJSON_AddStringToObject(labels, KK_KUBE_LABEL_REALM, kk_str(s->realm_id));
	cJSON_AddStringToObject(labels, KK_KUBE_LABEL_SPACE, kk_str(s->space_id));
	cJSON_AddStringToObject(labels, KK_KUBE_LABEL_STACK, kk_str(s->stack_id));
	cJSON_AddStringToObject(labels, KK_KUBE_LABEL_CELL, kk_str(cell->meta.name));
	spec = kk_enc_obj(pod, "spec");
	ctrs = kk_enc_arr(spec, "containers");
	vols = cJSON_CreateArray();
	for (size_t i = 0; i < s->n_containers; i++) {
		const struct kk_container_spec *c = &s->containers[i];

		host_net |= c->host_network;
		host_pid |= c->host_pid;
		if (is_pause(c))
			continue;
		cJSON_AddItemToArray(ctrs, pod_container(c, vols, &count, &n));
		if (policy &&
		    strcmp(pod_restart_policy(policy), pod_restart_policy(c->restart_policy)) != 0)
			note(&n, "container \"%s\": restartPolicy %s (a Pod has one for all)",
			     kk_str(c->id),
			     kk_str_empty(c->restart_policy) ? "\"\"" : c->restart_policy);
		else if (!policy)
			policy = kk_str(c->restart_policy);
	}
	if (policy)
		cJSON_AddStringToObject(spec, "restartPolicy", pod_restart_policy(policy));
	else
		note(&n, "no container but kukeon's root (a Pod needs one)");
	if (host_net)
		cJSON_AddTrueToObject(spec, "hostNetwork");
	if (host_pid)
		cJSON_AddTrueToObject(spec, "hostPID");
	if (cJSON_GetArraySize(vols))
		cJSON_AddItemToObject(spec, "volumes", vols);
	else
		cJSON_Delete(vols);
	if (s->auto_delete)
		note(&n, "autoDelete (the cell is deleted once its workload exits)");
	if (s->nested_cgroup_runtime)
		note(&n, "nestedCgroupRuntime");
	if (!kk_str_empty(s->tty_default))
		note(&n, "tty.default %s", s->tty_default);
	if (notes)
		*notes = TAKE_PTR(n);
	return pod;
}

char *kk_kube_pod_yaml(const struct kk_cell *cell)
{
	cleanup_(kk_strv_freep) char **notes = NULL;
	cleanup_(kk_json_freep) cJSON *pod = kk_kube_pod_from_cell(cell, &notes);
	cleanup_free char *body = kk_yaml_emit(pod, 2);
	struct kk_buf b = { 0 };
	char *line;

	line = kk_xasprintf("# kukeon cell \"%s\" (realm \"%s\", space \"%s\", stack \"%s\")\n",
			    kk_str(cell->meta.name), kk_str(cell->spec.realm_id),
			    kk_str(cell->spec.space_id), kk_str(cell->spec.stack_id));
	kk_buf_add(&b, line, strlen(line));
	free(line);
	if (notes) {
		static const char head[] = "# not expressed in Kubernetes:\n";

		kk_buf_add(&b, head, sizeof(head) - 1);
	}
	for (size_t i = 0; notes && notes[i]; i++) {
		line = kk_xasprintf("#   %s\n", notes[i]);
		kk_buf_add(&b, line, strlen(line));
		free(line);
	}
	kk_buf_add(&b, body, strlen(body));
	return b.p;
}
