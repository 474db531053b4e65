/* tests/unit/test_naming.c - name rules and the derivation table (reference §7). */
#include "common/model/naming.h"

#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "tests/unit/tap.h"

static void validate_ok(const char *kind, const char *name, const char *want)
{
	cleanup_free char *out = NULL;
	struct kk_err err = { 0 };

	TAP_INT_EQ(kk_name_validate(kind, name, &out, &err), 0);
	TAP_STR_EQ(out, want);
}

static void validate_bad(const char *kind, const char *name, const char *want)
{
	struct kk_err err = { 0 };

	TAP_INT_EQ(kk_name_validate(kind, name, NULL, &err), -1);
	TAP_STR_EQ(err.msg, want);
}

static void names(void)
{
	char long_name[80];

	memset(long_name, 'a', 77);
	long_name[77] = '\0';
	validate_ok("realm", "  default ", "default");
	validate_ok("cell", "hello-world", "hello-world");
	validate_ok("space", "kuke.system-1", "kuke.system-1");
	validate_bad("realm", "  ", "realm name is required");
	validate_bad("space", "", "name is invalid: space name is required");
	validate_bad("realm", "a_b",
		     "realm name is invalid: \"a_b\" contains disallowed character (must not "
		     "contain "
		     "'_' or '/')");
	validate_bad("stack", "a/b",
		     "name is invalid: stack name \"a/b\" contains disallowed character (must not "
		     "contain '_' or '/')");
	validate_bad("cell", "-web",
		     "name is invalid: cell name \"-web\" must match "
		     "[A-Za-z0-9]+([.-][A-Za-z0-9]+)* "
		     "(containerd identifier rule)");
	validate_bad("cell", "a\rb\x01",
		     "name is invalid: cell name \"a\\rb\\x01\" must match "
		     "[A-Za-z0-9]+([.-][A-Za-z0-9]+)* (containerd identifier rule)");
	validate_bad("container", "a..b",
		     "name is invalid: container name \"a..b\" must match "
		     "[A-Za-z0-9]+([.-][A-Za-z0-9]+)* (containerd identifier rule)");
	validate_bad("realm", "caf\xc3\xa9",
		     "realm name is invalid: \"caf\xc3\xa9\" must match "
		     "[A-Za-z0-9]+([.-][A-Za-z0-9]+)* "
		     "(containerd identifier rule)");
	validate_bad("space", long_name,
		     "name is invalid: space name "
		     "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		     "aaaaaaaaaaaaaaaaaaaaaaaa\" is 77 characters long; containerd allows at most "
		     "76");
}

static void namespaces(void)
{
	cleanup_free char *ns = NULL, *ns2 = NULL, *r = NULL, *none = NULL, *empty = NULL;
	struct kk_err err = { 0 };
	char long_realm[80];

	TAP_INT_EQ(kk_naming_namespace("default", NULL, &ns, &err), 0);
	TAP_STR_EQ(ns, "default.kukeon.io");
	TAP_INT_EQ(kk_naming_namespace("prod", "example.org", &ns2, &err), 0);
	TAP_STR_EQ(ns2, "prod.example.org");
	r = kk_naming_realm_of_namespace("kuke-system.kukeon.io", NULL);
	TAP_STR_EQ(r, "kuke-system");
	none = kk_naming_realm_of_namespace("default.other.io", NULL);
	TAP_OK(none == NULL, "a foreign namespace has no realm");
	empty = kk_naming_realm_of_namespace(".kukeon.io", NULL);
	TAP_OK(empty == NULL, "an empty prefix has no realm");
	memset(long_realm, 'r', 70);
	long_realm[70] = '\0';
	cleanup_free char *bad = NULL;
	TAP_INT_EQ(kk_naming_namespace(long_realm, NULL, &bad, &err), -1);
	TAP_OK(strstr(err.msg, "is 80 characters long; containerd allows at most 76") != NULL,
	       "namespace length: %s", err.msg);
}

static void containerd_ids(void)
{
	cleanup_free char *root = NULL, *web = NULL;
	struct kk_err err = { 0 };
	char big[48];

	TAP_INT_EQ(kk_naming_root_containerd_id("default", "default", "web", &root, &err), 0);
	TAP_STR_EQ(root, "default_default_web_root");
	TAP_INT_EQ(kk_naming_containerd_id("default", "default", "web", "nginx", &web, &err), 0);
	TAP_STR_EQ(web, "default_default_web_nginx");
	TAP_INT_EQ(kk_naming_containerd_id("default", " ", "web", "nginx", &web, &err), -1);
	TAP_STR_EQ(err.msg, "stack name cannot be empty");
	memset(big, 'x', 40);
	big[40] = '\0';
	cleanup_free char *toolong = NULL;
	TAP_INT_EQ(kk_naming_containerd_id(big, "s", big, "c", &toolong, &err), -1);
	TAP_OK(strstr(err.msg, "containerd id `") == err.msg &&
		       strstr(err.msg, "` is 85 characters long; containerd allows at most 76"),
	       "long containerd id refused: %s", err.msg);
}

static void cgroups(void)
{
	cleanup_free char *realm = kk_naming_cgroup_path(NULL, "default", NULL, NULL, NULL);
	cleanup_free char *cell =
		kk_naming_cgroup_path(NULL, "default", "default", "default", "web");
	cleanup_free char *custom = kk_naming_cgroup_path("/k8s//", "r", "s", NULL, NULL);
	cleanup_free char *rootonly = kk_naming_cgroup_path("/", "r", NULL, NULL, NULL);
	cleanup_free char *task = kk_naming_task_cgroup_path(cell, "default_default_web_nginx");

	TAP_STR_EQ(realm, "/kukeon/default");
	TAP_STR_EQ(cell, "/kukeon/default/default/default/web");
	TAP_STR_EQ(custom, "/k8s/r/s");
	TAP_STR_EQ(rootonly, "/r");
	TAP_STR_EQ(task, "/kukeon/default/default/default/web/default_default_web_nginx/_payload");
}

static void networks(void)
{
	cleanup_free char *net = NULL, *b1 = NULL, *b2 = NULL, *b3 = NULL, *b0 = NULL;
	cleanup_free char *path = NULL, *chain = NULL;
	struct kk_err err = { 0 };

	TAP_INT_EQ(kk_naming_network("default", "default", &net, &err), 0);
	TAP_STR_EQ(net, "default-default");
	TAP_INT_EQ(kk_naming_network("default", "", &b0, &err), -1);
	TAP_STR_EQ(err.msg, "space name is required");
	b1 = kk_naming_bridge("default-default");
	b2 = kk_naming_bridge("kuke-system-kukeon");
	b3 = kk_naming_bridge("main-blog");
	TAP_STR_EQ(b1, "k-703e8b3a");
	TAP_STR_EQ(b2, "k-082023b5");
	TAP_STR_EQ(b3, "k-da500047");
	TAP_INT_EQ(kk_fnv1a32(""), 0x811c9dc5);
	path = kk_naming_conflist_path("/opt/kukeon", "default", "default");
	TAP_STR_EQ(path, "/opt/kukeon/data/default/default/network.conflist");
	{
		cleanup_free char *dir =
			kk_naming_container_dir("/opt/kukeon", "default", "default", "default",
						"web", "nginx");

		TAP_STR_EQ(dir, "/opt/kukeon/data/default/default/default/web/nginx");
	}
	chain = kk_naming_egress_chain("default", "default");
	TAP_OK(strncmp(chain, "KUKE-EGR-", 9) == 0 && strlen(chain) == 17, "egress chain %s",
	       chain);
	TAP_INT_EQ(strtoul(chain + 9, NULL, 16), kk_fnv1a32("default/default"));
}

static void subnets(void)
{
	const char *init[] = { "10.88.0.0/24" };
	const char *gap[] = { "10.88.0.0/24", "10.88.2.0/24", "10.88.1.0/24", "10.88.4.0/24" };
	const char *all[256];
	char bufs[256][32];
	cleanup_free char *a = NULL, *b = NULL, *c = NULL, *d = NULL;
	struct kk_err err = { 0 };

	TAP_INT_EQ(kk_subnet_first_free(NULL, 0, &a, &err), 0);
	TAP_STR_EQ(a, "10.88.0.0/24");
	TAP_INT_EQ(kk_subnet_first_free(init, 1, &b, &err), 0);
	TAP_STR_EQ(b, "10.88.1.0/24");
	TAP_INT_EQ(kk_subnet_first_free(gap, 4, &c, &err), 0);
	TAP_STR_EQ(c, "10.88.3.0/24");
	for (int i = 0; i < 256; i++) {
		snprintf(bufs[i], sizeof(bufs[i]), "10.88.%d.0/24", i);
		all[i] = bufs[i];
	}
	TAP_INT_EQ(kk_subnet_first_free(all, 256, &d, &err), -1);
	TAP_STR_EQ(err.msg,
		   "no free subnet available in parent CIDR: parent 10.88.0.0/16 exhausted at /24");
}

static void conflist(void)
{
	cleanup_free char *c = kk_cni_conflist("default-default", "k-703e8b3a", "10.88.0.0/24");

	TAP_STR_EQ(c, "{\n"
		      "  \"cniVersion\": \"0.4.0\",\n"
		      "  \"name\": \"default-default\",\n"
		      "  \"plugins\": [\n"
		      "    {\n"
		      "      \"type\": \"bridge\",\n"
		      "      \"bridge\": \"k-703e8b3a\",\n"
		      "      \"isGateway\": true,\n"
		      "      \"ipMasq\": false,\n"
		      "      \"ipam\": {\n"
		      "        \"type\": \"host-local\",\n"
		      "        \"ranges\": [\n"
		      "          [\n"
		      "            {\n"
		      "              \"subnet\": \"10.88.0.0/24\"\n"
		      "            }\n"
		      "          ]\n"
		      "        ],\n"
		      "        \"routes\": [\n"
		      "          {\n"
		      "            \"dst\": \"0.0.0.0/0\"\n"
		      "          }\n"
		      "        ]\n"
		      "      }\n"
		      "    },\n"
		      "    {\n"
		      "      \"type\": \"loopback\"\n"
		      "    }\n"
		      "  ]\n"
		      "}");
}

static void labels(void)
{
	struct kk_labels cell = { 0 }, root = { 0 }, other = { 0 }, meta = { 0 };
	struct kk_err err = { 0 };

	kk_labels_set(&cell, "team", "web");
	kk_labels_set(&cell, "kukeon.io/cell", "spoofed");
	kk_labels_root_container(&root, &cell, "web", "web-name", "default", "sp", "st");
	TAP_INT_EQ(root.n, 7);
	TAP_STR_EQ(kk_labels_get(&root, "team"), "web");
	TAP_STR_EQ(kk_labels_get(&root, "kukeon.io/cell"), "web");
	TAP_STR_EQ(kk_labels_get(&root, "kukeon.io/cell-name"), "web-name");
	TAP_STR_EQ(kk_labels_get(&root, "kukeon.io/realm"), "default");
	TAP_STR_EQ(kk_labels_get(&root, "kukeon.io/space"), "sp");
	TAP_STR_EQ(kk_labels_get(&root, "kukeon.io/stack"), "st");
	TAP_STR_EQ(kk_labels_get(&root, "kukeon.io/container-type"), "root");
	kk_labels_container(&other, "web", "default", "sp", "st");
	TAP_INT_EQ(other.n, 5);
	TAP_STR_EQ(kk_labels_get(&other, "kukeon.io/container-type"), "container");
	kk_labels_set(&meta, "realm.kukeon.io", "mine");
	kk_labels_add_defaults(&meta, "default", "sp", NULL, NULL);
	TAP_STR_EQ(kk_labels_get(&meta, "realm.kukeon.io"), "mine");
	TAP_STR_EQ(kk_labels_get(&meta, "space.kukeon.io"), "sp");
	TAP_OK(kk_labels_get(&meta, "stack.kukeon.io") == NULL, "no stack label for a space");
	TAP_OK(kk_label_is_managed("cell.kukeon.io"), "*.kukeon.io is managed");
	TAP_OK(!kk_label_is_managed("kukeon.io/cell"), "kukeon.io/* is not");
	TAP_INT_EQ(kk_containerd_label_validate("k", "v", &err), 0);
	{
		cleanup_free char *huge = calloc(1, 4100);

		memset(huge, 'v', 4096);
		TAP_INT_EQ(kk_containerd_label_validate("key", huge, &err), -1);
		TAP_STR_EQ(err.msg,
			   "containerd label `key`: key and value are 4099 bytes; containerd "
			   "allows at most 4096");
	}
	kk_labels_clear(&cell);
	kk_labels_clear(&root);
	kk_labels_clear(&other);
	kk_labels_clear(&meta);
}

static void runtime_config(void)
{
	struct {
		const char *suffix, *root, *want;
	} cases[] = {
		{ " kukeon.io ", "/kukeon//", "" },
		{ "", "/kukeon",
		  "containerdNamespaceSuffix is empty: server configuration is invalid" },
		{ ".x.io", "/kukeon",
		  "containerdNamespaceSuffix \".x.io\" must not start or end with '.': server "
		  "configuration is invalid" },
		{ "a b", "/kukeon",
		  "containerdNamespaceSuffix \"a b\" contains disallowed character: server "
		  "configuration is invalid" },
		{ "kukeon.io", " ", "cgroupRoot is empty: server configuration is invalid" },
		{ "kukeon.io", "kukeon",
		  "cgroupRoot \"kukeon\" must be an absolute path: server configuration is "
		  "invalid" },
		{ "kukeon.io", "//",
		  "cgroupRoot \"//\" resolves to root: server configuration is invalid" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cleanup_free char *s = NULL, *r = NULL;
		struct kk_err err = { 0 };
		int rc = kk_runtime_config_validate(cases[i].suffix, cases[i].root, &s, &r, &err);

		TAP_STR_EQ(rc == 0 ? "" : err.msg, cases[i].want);
		if (rc == 0) {
			TAP_STR_EQ(s, "kukeon.io");
			TAP_STR_EQ(r, "/kukeon");
		}
	}
}

int main(void)
{
	names();
	namespaces();
	containerd_ids();
	cgroups();
	networks();
	subnets();
	conflist();
	labels();
	runtime_config();
	return tap_done();
}
