/* tests/unit/test_kube.c - cells as Kubernetes Pods and back (common/model/kube.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/mem.h"
#include "common/model/doc.h"
#include "common/model/kube.h"
#include "common/strv.h"
#include "common/yaml.h"
#include "tests/unit/tap.h"

/* A cell as kukeon stores it: an app with most settings, a sidecar, the pause root. */
static const char cell_yaml[] =
	"apiVersion: v1beta1\n"
	"kind: Cell\n"
	"metadata:\n"
	"  name: web\n"
	"  labels: {app: shop, cell.kukeon.io: web}\n"
	"spec:\n"
	"  id: web\n"
	"  realmId: prod\n"
	"  spaceId: front\n"
	"  stackId: api\n"
	"  rootContainerId: root\n"
	"  containers:\n"
	"    - id: app\n"
	"      image: docker.io/library/busybox:latest\n"
	"      command: httpd\n"
	"      args: [-f, -p, '8080']\n"
	"      workingDir: /srv\n"
	"      env: [MODE=prod, 'EMPTY=']\n"
	"      ports: ['18080:8080', 53/udp]\n"
	"      volumes:\n"
	"        - {kind: bind, source: /srv/www, target: /www, readOnly: true}\n"
	"        - {kind: tmpfs, target: /cache, sizeBytes: 67108864}\n"
	"      user: '1000:1000'\n"
	"      readOnlyRootFilesystem: true\n"
	"      capabilities: {drop: [ALL], add: [cap_net_bind_service]}\n"
	"      securityOpts: [no-new-privileges, seccomp=unconfined]\n"
	"      resources: {memoryLimitBytes: 134217728, cpuShares: 512, pidsLimit: 100}\n"
	"      restartPolicy: always\n"
	"    - id: side\n"
	"      image: docker.io/library/busybox:latest\n"
	"      args: [sleep, '3600']\n"
	"      volumes:\n"
	"        - {kind: bind, source: /srv/www, target: /data}\n"
	"      restartPolicy: on-failure\n"
	"      attachable: true\n"
	"    - id: root\n"
	"      root: true\n"
	"      image: docker.io/library/busybox:latest\n"
	"      command: sleep\n"
	"      args: [infinity]\n"
	"  autoDelete: true\n";

static const char pod_want[] =
	"# kukeon cell \"web\" (realm \"prod\", space \"front\", stack \"api\")\n"
	"# not expressed in Kubernetes:\n"
	"#   container \"app\": pidsLimit 100 (a Pod has no pids limit)\n"
	"#   container \"side\": restartPolicy on-failure (a Pod has one for all)\n"
	"#   autoDelete (the cell is deleted once its workload exits)\n"
	"apiVersion: v1\n"
	"kind: Pod\n"
	"metadata:\n"
	"  name: web\n"
	"  labels:\n"
	"    app: shop\n"
	"    realm.kukeon.io: prod\n"
	"    space.kukeon.io: front\n"
	"    stack.kukeon.io: api\n"
	"    cell.kukeon.io: web\n"
	"spec:\n"
	"  containers:\n"
	"    - name: app\n"
	"      image: docker.io/library/busybox:latest\n"
	"      command:\n"
	"        - httpd\n"
	"      args:\n"
	"        - -f\n"
	"        - -p\n"
	"        - \"8080\"\n"
	"      workingDir: /srv\n"
	"      env:\n"
	"        - name: MODE\n"
	"          value: prod\n"
	"        - name: EMPTY\n"
	"          value: \"\"\n"
	"      ports:\n"
	"        - containerPort: 8080\n"
	"          hostPort: 18080\n"
	"          protocol: TCP\n"
	"        - containerPort: 53\n"
	"          hostPort: 53\n"
	"          protocol: UDP\n"
	"      volumeMounts:\n"
	"        - name: host-0\n"
	"          mountPath: /www\n"
	"          readOnly: true\n"
	"        - name: mem-1\n"
	"          mountPath: /cache\n"
	"      securityContext:\n"
	"        runAsUser: 1000\n"
	"        runAsGroup: 1000\n"
	"        readOnlyRootFilesystem: true\n"
	"        capabilities:\n"
	"          add:\n"
	"            - NET_BIND_SERVICE\n"
	"          drop:\n"
	"            - ALL\n"
	"        allowPrivilegeEscalation: false\n"
	"        seccompProfile:\n"
	"          type: Unconfined\n"
	"      resources:\n"
	"        limits:\n"
	"          memory: 128Mi\n"
	"        requests:\n"
	"          cpu: 500m\n"
	"    - name: side\n"
	"      image: docker.io/library/busybox:latest\n"
	"      command:\n"
	"        - sleep\n"
	"        - \"3600\"\n"
	"      volumeMounts:\n"
	"        - name: host-0\n"
	"          mountPath: /data\n"
	"      stdin: true\n"
	"      tty: true\n"
	"  restartPolicy: Always\n"
	"  volumes:\n"
	"    - name: host-0\n"
	"      hostPath:\n"
	"        path: /srv/www\n"
	"    - name: mem-1\n"
	"      emptyDir:\n"
	"        medium: Memory\n"
	"        sizeLimit: 64Mi\n";

/* The first document of text decoded as apply does (Pods included), or NULL with *msg set. */
static struct kk_manifest *decode(const char *text, const struct kk_kube_scope *scope)
{
	struct kk_yaml_stream *s = NULL;
	struct kk_manifest *m;
	struct kk_err err = { 0 };

	if (kk_yaml_parse_stream(text, strlen(text), "t.yaml", &s, &err) < 0) {
		TAP_OK(0, "parse: %s", err.msg);
		return NULL;
	}
	m = kk_manifest_decode_scoped(s, scope);
	kk_yaml_stream_free(s);
	return m;
}

static struct kk_cell *cell_of(const char *text)
{
	struct kk_manifest *m = decode(text, NULL);
	struct kk_cell *c = NULL;

	if (m && m->n && m->items[0].doc) {
		c = m->items[0].doc->u.cell;
		m->items[0].doc->u.cell = NULL;
		m->items[0].doc->kind = KK_KIND_NONE;
	}
	kk_manifest_free(m);
	return c;
}

static void export_cell(void)
{
	cleanup_(kk_cell_freep) struct kk_cell *c = cell_of(cell_yaml);
	cleanup_free char *y = NULL;

	TAP_OK(c != NULL, "the cell decodes");
	if (!c)
		return;
	y = kk_kube_pod_yaml(c);
	TAP_STR_EQ(y, pod_want);
}

/* command and args as one line ("" command left out) */
static char *argv_text(const struct kk_container_spec *c)
{
	struct kk_buf b = { 0 };

	kk_buf_add(&b, kk_str(c->command), strlen(kk_str(c->command)));
	for (size_t i = 0; i < c->args.n; i++) {
		if (b.len)
			kk_buf_add(&b, " ", 1);
		kk_buf_add(&b, c->args.v[i], strlen(c->args.v[i]));
	}
	return b.p;
}

/* The exported Pod applied back: the same containers (the pause root is kukeon's again). */
static void round_trip(void)
{
	cleanup_(kk_cell_freep) struct kk_cell *c = cell_of(cell_yaml);
	cleanup_(kk_cell_freep) struct kk_cell *back = NULL;
	cleanup_free char *y = NULL;

	if (!c)
		return;
	y = kk_kube_pod_yaml(c);
	back = cell_of(y);
	TAP_OK(back != NULL, "the exported Pod applies");
	if (!back)
		return;
	TAP_STR_EQ(back->meta.name, "web");
	TAP_STR_EQ(back->spec.realm_id, "prod");
	TAP_STR_EQ(back->spec.stack_id, "api");
	TAP_STR_EQ(kk_labels_get(&back->meta.labels, "app"), "shop");
	TAP_OK(kk_labels_get(&back->meta.labels, "realm.kukeon.io") == NULL,
	       "kukeon's labels are not user labels");
	TAP_INT_EQ(back->spec.n_containers, 2);
	if (back->spec.n_containers != 2)
		return;
	for (size_t i = 0; i < 2; i++) {
		struct kk_container_spec *a = &c->spec.containers[i],
					 *b = &back->spec.containers[i];
		const char *keys[] = { "id",
				       "image",
				       "env",
				       "ports",
				       "volumes",
				       "user",
				       "tmpfs",
				       "resources",
				       "securityOpts",
				       "workingDir",
				       "readOnlyRootFilesystem",
				       "attachable" };
		cleanup_free char *argv_a = NULL, *argv_b = NULL;
		cleanup_(kk_json_freep) cJSON *ja = NULL, *jb = NULL;

		/* tmpfs volumes come back the same; a pids limit does not (noted on export) */
		if (a->resources)
			a->resources->has_pids_limit = false;
		ja = kk_container_spec_encode(a, KK_ENC_JSON);
		jb = kk_container_spec_encode(b, KK_ENC_JSON);
		/* the same argv: kukeon's args-only form comes back as command + args */
		argv_a = argv_text(a);
		argv_b = argv_text(b);
		TAP_STR_EQ(argv_b, argv_a);
		for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
			cleanup_free char *x =
				kk_json_print(cJSON_GetObjectItem(ja, keys[k]), KK_JSON_COMPACT);
			cleanup_free char *z =
				kk_json_print(cJSON_GetObjectItem(jb, keys[k]), KK_JSON_COMPACT);

			TAP_OK(strcmp(x, z) == 0, "container %zu %s: %s == %s", i, keys[k], x, z);
		}
	}
	TAP_STR_EQ(back->spec.containers[0].restart_policy, "always");
	TAP_OK(back->spec.containers[0].capabilities &&
		       back->spec.containers[0].capabilities->add.n == 1 &&
		       !strcmp(back->spec.containers[0].capabilities->add.v[0], "NET_BIND_SERVICE"),
	       "capabilities come back as Kubernetes names");
}

/* What `podman kube generate` writes for a pod with one container, plus cluster fields. */
static const char podman_pod[] =
	"# Save the output of this file and use kubectl create -f to import it into Kubernetes.\n"
	"apiVersion: v1\n"
	"kind: Pod\n"
	"metadata:\n"
	"  annotations:\n"
	"    io.kubernetes.cri-o.ContainerType/web: container\n"
	"  creationTimestamp: \"2026-12-01T10:00:00Z\"\n"
	"  labels:\n"
	"    app: shop\n"
	"    stack.kukeon.io: fromlabel\n"
	"  name: shop\n"
	"spec:\n"
	"  containers:\n"
	"  - args:\n"
	"    - httpd\n"
	"    - -f\n"
	"    - -p\n"
	"    - \"8080\"\n"
	"    env:\n"
	"    - name: PORT\n"
	"      value: 8080\n"
	"    image: docker.io/library/busybox:latest\n"
	"    imagePullPolicy: IfNotPresent\n"
	"    name: web\n"
	"    ports:\n"
	"    - containerPort: 8080\n"
	"      hostPort: 18080\n"
	"    - containerPort: 9090\n"
	"      name: metrics\n"
	"    resources:\n"
	"      limits:\n"
	"        memory: 1Gi\n"
	"      requests:\n"
	"        cpu: 250m\n"
	"    securityContext:\n"
	"      capabilities:\n"
	"        drop:\n"
	"        - CAP_MKNOD\n"
	"      runAsUser: 33\n"
	"    volumeMounts:\n"
	"    - mountPath: /tmp\n"
	"      name: tmp\n"
	"    workingDir: /\n"
	"  dnsPolicy: ClusterFirst\n"
	"  restartPolicy: Never\n"
	"  securityContext:\n"
	"    runAsGroup: 33\n"
	"  volumes:\n"
	"  - emptyDir:\n"
	"      sizeLimit: 16Mi\n"
	"    name: tmp\n"
	"status: {}\n";

static void import_podman(void)
{
	cleanup_(kk_manifest_freep) struct kk_manifest *m =
		decode(podman_pod, &(struct kk_kube_scope){ "prod", NULL, "" });
	const struct kk_container_spec *c;
	const struct kk_cell *cell;

	if (!m)
		return;
	TAP_OK(m->items[0].doc != NULL, "the Pod decodes: %s", m->items[0].err.msg);
	if (!m->items[0].doc)
		return;
	TAP_INT_EQ(m->items[0].kind, KK_KIND_CELL);
	cell = m->items[0].doc->u.cell;
	TAP_STR_EQ(cell->spec.id, "shop");
	TAP_STR_EQ(cell->spec.realm_id, "prod");      /* the flag */
	TAP_STR_EQ(cell->spec.space_id, "default");   /* nothing */
	TAP_STR_EQ(cell->spec.stack_id, "fromlabel"); /* the label */
	TAP_INT_EQ(cell->spec.n_containers, 1);
	c = &cell->spec.containers[0];
	TAP_STR_EQ(c->id, "web");
	TAP_STR_EQ(kk_str(c->command), "");
	TAP_INT_EQ(c->args.n, 4);
	TAP_STR_EQ(c->args.v[3], "8080");
	TAP_STR_EQ(c->env.v[0], "PORT=8080");
	TAP_INT_EQ(c->ports.n, 1);
	TAP_STR_EQ(c->ports.v[0], "18080:8080");
	TAP_STR_EQ(c->user, "33:33");
	TAP_STR_EQ(c->working_dir, "/");
	TAP_STR_EQ(kk_str(c->restart_policy), ""); /* Never: kukeon's default */
	TAP_OK(c->resources && c->resources->memory_limit_bytes == (INT64_C(1) << 30),
	       "limits.memory 1Gi");
	TAP_OK(c->resources && c->resources->cpu_shares == 256, "requests.cpu 250m: 256 shares");
	TAP_OK(c->capabilities && c->capabilities->drop.n == 1, "capabilities.drop");
	TAP_INT_EQ(c->n_volumes, 1);
	if (c->n_volumes == 1) {
		TAP_STR_EQ(c->volumes[0].kind, "tmpfs");
		TAP_STR_EQ(c->volumes[0].target, "/tmp");
		TAP_INT_EQ(c->volumes[0].size_bytes, 16 << 20);
	}
}

static void refused(void)
{
	static const struct {
		const char *spec, *want;
	} cases[] = {
		{ "  containers: [{name: a, image: i, livenessProbe: {}}]\n",
		  "spec.containers[0].livenessProbe: not supported by kukeon cells" },
		{ "  initContainers: []\n  containers: [{name: a, image: i}]\n",
		  "spec.initContainers: not supported by kukeon cells" },
		{ "  containers: [{name: a, image: i, env: [{name: X, valueFrom: {}}]}]\n",
		  "spec.containers[0].env[0].valueFrom: not supported by kukeon cells" },
		{ "  containers: [{name: a, image: i, volumeMounts: [{name: v, mountPath: /v}]}]\n"
		  "  volumes: [{name: v, configMap: {name: c}}]\n",
		  "spec.volumes[0].configMap: not supported by kukeon cells" },
		{ "  containers: [{name: a, image: i, volumeMounts: [{name: w, mountPath: /v}]}]\n",
		  "spec.containers[0].volumeMounts[0].name: no volume `w` in spec.volumes" },
		{ "  containers: [{name: a, image: i, resources: {limits: {cpu: '1'}}}]\n",
		  "spec.containers[0].resources.limits.cpu: a cell has no CPU quota (requests.cpu "
		  "sets its cpuShares)" },
		{ "  containers: [{name: a, image: i, resources: {limits: {memory: 1x}}}]\n",
		  "spec.containers[0].resources.limits.memory: `1x` is not a quantity" },
		{ "  containers: [{name: a, image: i, resources: {requests: {memory: 1Gi}}}]\n",
		  "spec.containers[0].resources.requests.memory: a cell reserves no memory "
		  "(limits.memory sets its limit)" },
		{ "  containers: [{name: a, image: i, resources: {requests: {cpu: 2q}}}]\n",
		  "spec.containers[0].resources.requests.cpu: `2q` is not a quantity" },
		{ "  containers: [{name: a, image: i, ports: [{containerPort: 70000}]}]\n",
		  "spec.containers[0].ports[0].containerPort: expected an integer within [1, "
		  "65535]" },
		{ "  containers: [{name: a, image: i, ports: [{containerPort: 1e300}]}]\n",
		  "spec.containers[0].ports[0].containerPort: expected an integer within [1, "
		  "65535]" },
		{ "  containers: [{name: root, image: i}]\n",
		  "spec.containers[0].name: `root` is the name of the cell's root container" },
		{ "  restartPolicy: Sometimes\n  containers: [{name: a, image: i}]\n",
		  "spec.restartPolicy: Sometimes: want Always, OnFailure or Never" },
		{ "  containers: []\n", "spec.containers: required and cannot be empty" },
		{ "  containers: [{name: a, image: i}]\n  volumes: [{name: v, hostPath: {path: "
		  "/x, type: DirectoryOrCreate}}]\n",
		  "spec.volumes[0].hostPath.type: DirectoryOrCreate: kukeon binds existing paths "
		  "only, create it first" },
		{ "  containers: [{name: a, image: i, securityContext: {runAsNonRoot: true}}]\n",
		  "spec.containers[0].securityContext.runAsNonRoot: not supported by kukeon "
		  "cells" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		cleanup_free char *text =
			kk_xasprintf("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n%s",
				     cases[i].spec);
		cleanup_(kk_manifest_freep) struct kk_manifest *m = decode(text, NULL);
		cleanup_free char *want = kk_xasprintf("document 0 (Pod \"p\"): %s", cases[i].want);

		if (!m)
			continue;
		TAP_OK(m->items[0].doc == NULL, "case %zu refused", i);
		TAP_STR_EQ(m->items[0].err.msg, want);
	}
}

/* Only v1 Pods are Pods: anything else keeps upstream's messages. */
static void not_a_pod(void)
{
	cleanup_(kk_manifest_freep) struct kk_manifest *m =
		decode("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n", NULL);

	if (!m)
		return;
	TAP_STR_EQ(m->items[0].err.msg, "document 0 (): document 0: unknown kind: Deployment");
}

/* A v1 List of Pods (kubectl get pods -o yaml): an item per Pod, all of document 0. */
static void pod_list(void)
{
	static const char text[] = "apiVersion: v1\n"
				   "kind: List\n"
				   "items:\n"
				   "  - {apiVersion: v1, kind: Pod, metadata: {name: a},\n"
				   "     spec: {containers: [{name: c, image: i}]}}\n"
				   "  - {apiVersion: v1, kind: Service, metadata: {name: s}}\n"
				   "  - {apiVersion: v1, kind: Pod, metadata: {name: b},\n"
				   "     spec: {containers: [{name: c, image: i}]}}\n"
				   "---\n"
				   "apiVersion: v1beta1\n"
				   "kind: Realm\n"
				   "metadata: {name: r}\n";
	cleanup_(kk_manifest_freep) struct kk_manifest *m = decode(text, NULL);
	struct kk_yaml_stream *s = NULL;
	struct kk_err err = { 0 };

	if (!m)
		return;
	TAP_INT_EQ(m->n, 4);
	TAP_INT_EQ(m->n_failed, 1);
	if (m->n != 4)
		return;
	TAP_OK(m->items[0].kind == KK_KIND_CELL && !strcmp(m->items[0].name, "a"), "items[0]");
	TAP_STR_EQ(m->items[1].err.msg, "document 0 (List): items[1]: not a v1 Pod");
	TAP_OK(m->items[2].kind == KK_KIND_CELL && !strcmp(m->items[2].name, "b"), "items[2]");
	TAP_INT_EQ(m->items[2].index, 0);
	TAP_INT_EQ(m->items[3].kind, KK_KIND_REALM);
	TAP_INT_EQ(m->items[3].index, 1);
	/* upstream's parser (kk_manifest_decode) knows neither */
	if (kk_yaml_parse_stream(text, strlen(text), "t.yaml", &s, &err) == 0) {
		struct kk_manifest *up = kk_manifest_decode(s);

		TAP_INT_EQ(up->n, 2);
		TAP_STR_EQ(up->items[0].err.msg, "document 0 (): document 0: unknown kind: List");
		kk_manifest_free(up);
		kk_yaml_stream_free(s);
	}
}

int main(void)
{
	export_cell();
	round_trip();
	import_podman();
	refused();
	not_a_pod();
	pod_list();
	return tap_done();
}
