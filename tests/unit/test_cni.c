/* tests/unit/test_cni.c - common/cni: conflists, results, the libcni cache, plugin runs.
 *
 * Two kinds of plugins:
 *   - tiny shell scripts written into a temp plugin dir; they record their stdin, CNI_*
 *     environment and the order of calls, and print fixed results or CNI errors. These run
 *     anywhere (no root).
 *   - the real bridge, host-local and loopback from /usr/lib/cni, in network namespaces made
 *     with `ip netns add`. These need the harness (root, private netns, /run a tmpfs) and
 *     are skipped without KUKEON_TEST_TMP; every path they use is under it. */
#include "common/cni/cni.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/cni/internal.h"
#include "common/mem.h"
#include "tests/unit/tap.h"

#define REAL_PLUGINS KK_CNI_DEBIAN_BIN_DIR

/* ---- helpers ---------------------------------------------------------------------- */

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	cleanup_free char *cmd = NULL;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	if (vasprintf(&cmd, fmt, ap) < 0)
		abort();
	va_end(ap);
	rc = system(cmd);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* stdout of a shell command, trailing newline dropped; free it */
static char *sh_out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *sh_out(const char *fmt, ...)
{
	cleanup_free char *cmd = NULL;
	char *buf = kk_xcalloc(1, 65536);
	size_t n = 0;
	va_list ap;
	FILE *f;

	va_start(ap, fmt);
	if (vasprintf(&cmd, fmt, ap) < 0)
		abort();
	va_end(ap);
	f = popen(cmd, "r");
	if (!f)
		return buf;
	n = fread(buf, 1, 65535, f);
	pclose(f);
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	return buf;
}

static void write_file(const char *path, const char *content, mode_t mode)
{
	FILE *f = fopen(path, "w");

	if (!f)
		abort();
	fputs(content, f);
	fclose(f);
	chmod(path, mode);
}

static char *read_text(const char *path)
{
	struct kk_err err = { 0 };
	char *text = NULL;

	if (kk_read_file_max(path, 1 << 20, &text, NULL, &err) < 0)
		return NULL;
	return text;
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* gone, or a zombie waiting for a reaper that is not us */
static bool process_gone(pid_t pid)
{
	char path[64], state = 0;
	FILE *f;
	int i;

	for (i = 0; i < 100; i++) {
		if (kill(pid, 0) < 0 && errno == ESRCH)
			return true;
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
		f = fopen(path, "r");
		if (f) {
			if (fscanf(f, "%*d %*s %c", &state) != 1)
				state = 0;
			fclose(f);
			if (state == 'Z')
				return true;
		}
		usleep(20 * 1000);
	}
	return false;
}

struct fx {
	char dir[256];     /* the temp root */
	char plugins[300]; /* fake plugins */
	char cache[300];
	char log[300];  /* what the fake plugins record */
	char path[600]; /* plugin search path */
	struct kk_cni_host host;
};

/* The fake plugin: one script, its behaviour picked by its file name. */
static const char fake_plugin[] =
	"#!/bin/sh\n"
	"t=${0##*/}\n"
	/* exits without reading stdin: the runtime must not die of SIGPIPE */
	"[ \"$t\" = noread ] && { printf '{\"cniVersion\":\"0.4.0\"}'; exit 0; }\n"
	"cat >\"$KK_TEST_LOG/$t.$CNI_COMMAND.json\"\n"
	"env | grep '^CNI_' | sort >\"$KK_TEST_LOG/$t.$CNI_COMMAND.env\"\n"
	"echo \"$CNI_COMMAND $t\" >>\"$KK_TEST_LOG/calls\"\n"
	"case \"$t.$CNI_COMMAND\" in\n"
	"rec-a.ADD) printf '{\"cniVersion\":\"0.4.0\",\"interfaces\":[{\"name\":\"eth0\","
	"\"sandbox\":\"%s\"}],\"ips\":[{\"version\":\"4\",\"address\":\"10.9.0.5/24\","
	"\"interface\":0}]}' \"$CNI_NETNS\" ;;\n"
	/* no cniVersion: the list's is filled in; the host interface comes first */
	"rec-b.ADD) printf '{\"interfaces\":[{\"name\":\"k-host\"},{\"name\":\"eth0\","
	"\"sandbox\":\"%s\"}],\"ips\":[{\"version\":\"4\",\"address\":\"192.168.1.1/24\","
	"\"interface\":0},{\"version\":\"4\",\"address\":\"10.9.0.5/24\",\"interface\":1}],"
	"\"dns\":{\"nameservers\":[\"10.9.0.1\"]}}' \"$CNI_NETNS\" ;;\n"
	"fail.ADD) echo '{\"cniVersion\":\"0.4.0\",\"code\":7,\"msg\":\"invalid network config\","
	"\"details\":\"subnet too\\nsmall\"}'; exit 1 ;;\n"
	"noisy.ADD) echo 'something broke' >&2; exit 2 ;;\n"
	"garbage.ADD) echo 'not json'; exit 0 ;;\n"
	/* a result far larger than a pipe buffer */
	"bigout.ADD) awk 'BEGIN { printf \"{\\\"cniVersion\\\":\\\"0.4.0\\\",\\\"dns\\\":"
	"{\\\"nameservers\\\":[\"; for (i = 0; i < 20000; i++) printf \"%s\\\"10.0.%d.%d\\\"\", "
	"(i ? \",\" : \"\"), int(i / 256), i % 256; printf \"]}}\" }' ;;\n"
	"faildel.ADD) printf '{\"cniVersion\":\"0.4.0\"}' ;;\n"
	"faildel.DEL) echo '{\"code\":100,\"msg\":\"cannot delete\"}'; exit 1 ;;\n"
	"sleeper.ADD) sleep 30 & echo $! >\"$KK_TEST_LOG/sleep.pid\"; "
	"echo $$ >\"$KK_TEST_LOG/sh.pid\"; wait ;;\n"
	"esac\n"
	"exit 0\n";

static bool fx_init(struct fx *f)
{
	const char *base = getenv("KUKEON_TEST_TMP");
	static const char *const names[] = { "rec-a",   "rec-b",   "fail",   "noisy", "garbage",
					     "sleeper", "faildel", "noread", "bigout" };
	size_t i;

	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "%s/cni-unit.XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(f->dir))
		return false;
	snprintf(f->plugins, sizeof(f->plugins), "%s/plugins", f->dir);
	snprintf(f->cache, sizeof(f->cache), "%s/cache", f->dir);
	snprintf(f->log, sizeof(f->log), "%s/log", f->dir);
	snprintf(f->path, sizeof(f->path), "%s/nowhere:%s", f->dir, f->plugins);
	mkdir(f->plugins, 0755);
	mkdir(f->log, 0755);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		cleanup_free char *p = kk_xasprintf("%s/%s", f->plugins, names[i]);

		write_file(p, fake_plugin, 0755);
	}
	{
		cleanup_free char *p = kk_xasprintf("%s/noexec", f->plugins);

		write_file(p, fake_plugin, 0644);
	}
	setenv("KK_TEST_LOG", f->log, 1);
	f->host.plugin_path = f->path;
	f->host.cache_dir = f->cache;
	f->host.timeout_ms = 10000;
	return true;
}

static void fx_reset_log(struct fx *f)
{
	sh("rm -f '%s'/*", f->log);
}

static char *fx_calls(struct fx *f)
{
	cleanup_free char *p = kk_xasprintf("%s/calls", f->log);
	char *t = read_text(p);

	return t ? t : kk_xstrdup("");
}

static cJSON *fx_stdin(struct fx *f, const char *type, const char *cmd)
{
	cleanup_free char *p = kk_xasprintf("%s/%s.%s.json", f->log, type, cmd);
	cleanup_free char *t = read_text(p);

	return t ? cJSON_Parse(t) : NULL;
}

static void fx_done(struct fx *f)
{
	sh("rm -rf '%s'", f->dir);
	unsetenv("KK_TEST_LOG");
}

static struct kk_cni_conflist *conflist(const char *text)
{
	struct kk_cni_conflist *net = NULL;
	struct kk_err err = { 0 };

	if (kk_cni_conflist_parse(text, strlen(text), "test", &net, &err) < 0) {
		printf("# conflist: %s\n", err.msg);
		abort();
	}
	return net;
}

static void cjson_deletep(cJSON **p)
{
	cJSON_Delete(*p);
}

static const char *jstr(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* ---- conflists ---------------------------------------------------------------------- */

static void conflist_parses_kukeon_list(void)
{
	static const char text[] =
		"{\n  \"cniVersion\": \"0.4.0\",\n  \"name\": \"default-default\",\n"
		"  \"plugins\": [\n    {\"type\": \"bridge\", \"bridge\": \"k-703e8b3a\","
		" \"isGateway\": true, \"ipMasq\": true, \"ipam\": {\"type\": \"host-local\","
		" \"ranges\": [[{\"subnet\": \"10.88.0.0/24\"}]], \"routes\": [{\"dst\": "
		"\"0.0.0.0/0\"}]}},\n    {\"type\": \"loopback\"}\n  ]\n}";
	cleanup_(kk_cni_conflist_freep) struct kk_cni_conflist *net = NULL;
	struct kk_err err = { 0 };
	size_t len;

	TAP_INT_EQ(kk_cni_conflist_parse(text, strlen(text), "x", &net, &err), 0);
	TAP_STR_EQ(kk_cni_conflist_name(net), "default-default");
	TAP_STR_EQ(kk_cni_conflist_version(net), "0.4.0");
	TAP_INT_EQ(kk_cni_conflist_n_plugins(net), 2);
	TAP_STR_EQ(kk_cni_conflist_plugin_type(net, 0), "bridge");
	TAP_STR_EQ(kk_cni_conflist_plugin_type(net, 1), "loopback");
	TAP_OK(strcmp(kk_cni_conflist_bytes(net, &len), text) == 0 && len == strlen(text),
	       "the bytes are kept as given (they are cached)");
}

static void conflist_selects_highest_supported_version(void)
{
	cleanup_(kk_cni_conflist_freep) struct kk_cni_conflist *net = conflist(
		"{\"cniVersion\":\"0.3.1\",\"cniVersions\":[\"0.4.0\",\"1.0.0\",\"9.0.0\"],"
		"\"name\":\"n\",\"plugins\":[{\"type\":\"bridge\"}]}");

	TAP_STR_EQ(kk_cni_conflist_version(net), "1.0.0");
}

static void conflist_rejects_bad_input(void)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{ "{\"name\": \"n\",\n  \"plugins\": [}",
		  "conflist `test`: invalid JSON at line 2 column 15" },
		{ "{\"name\":\"n\",\"cniVersion\":\"0.4.0\",\"plugins\":[{\"type\":\"b\"}]} x",
		  "conflist `test`: invalid JSON at line 1 column 60: data after the object" },
		{ "[1]", "conflist `test`: not a JSON object" },
		{ "{\"cniVersion\":\"0.4.0\",\"plugins\":[{\"type\":\"b\"}]}",
		  "conflist `test`: missing `name`" },
		{ "{\"name\":\"-n\",\"cniVersion\":\"0.4.0\",\"plugins\":[{\"type\":\"b\"}]}",
		  "conflist `test`: network name `-n` must start with a letter or digit" },
		{ "{\"name\":\"a b\",\"cniVersion\":\"0.4.0\",\"plugins\":[{\"type\":\"b\"}]}",
		  "conflist `test`: network name `a b` may hold only letters, digits, `_`, `.` "
		  "and `-`" },
		{ "{\"name\":\"n\",\"plugins\":[{\"type\":\"b\"}]}",
		  "conflist `test`: missing `cniVersion`" },
		{ "{\"name\":\"n\",\"cniVersion\":\"2.0.0\",\"plugins\":[{\"type\":\"b\"}]}",
		  "conflist `test`: unsupported cniVersion `2.0.0` (supported: 0.1.0 to 1.1.0)" },
		{ "{\"name\":\"n\",\"cniVersion\":\"0.4.0\"}",
		  "conflist `test`: missing `plugins`" },
		{ "{\"name\":\"n\",\"cniVersion\":\"0.4.0\",\"plugins\":[]}",
		  "conflist `test`: `plugins` is empty" },
		{ "{\"name\":\"n\",\"cniVersion\":\"0.4.0\",\"plugins\":[{\"type\":\"b\"},{}]}",
		  "conflist `test`: plugins[1]: missing `type`" },
		{ "{\"name\":\"n\",\"cniVersion\":\"0.4.0\",\"plugins\":[{\"type\":\"../b\"}]}",
		  "conflist `test`: plugins[0]: invalid `type` `../b`" },
		{ "{\"name\":\"n\",\"cniVersion\":\"0.4.0\",\"disableCheck\":1,"
		  "\"plugins\":[{\"type\":\"b\"}]}",
		  "conflist `test`: `disableCheck` is not a boolean" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kk_cni_conflist *net = NULL;
		struct kk_err err = { 0 };

		TAP_INT_EQ(kk_cni_conflist_parse(cases[i].text, strlen(cases[i].text), "test", &net,
						 &err),
			   -1);
		TAP_STR_EQ(err.msg, cases[i].msg);
		TAP_OK(net == NULL && err.code == EINVAL, "nothing returned, EINVAL (case %zu)", i);
	}
}

static void conflist_load_names_the_file(void)
{
	struct fx f;
	cleanup_free char *bad = NULL, *missing = NULL;
	struct kk_cni_conflist *net = NULL;
	struct kk_err err = { 0 };
	char want[1024];

	if (!fx_init(&f))
		abort();
	bad = kk_xasprintf("%s/bad.conflist", f.dir);
	missing = kk_xasprintf("%s/missing.conflist", f.dir);
	write_file(bad, "{\"name\": \"n\", \"plugins\": [\n", 0644);
	TAP_INT_EQ(kk_cni_conflist_load(bad, &net, &err), -1);
	snprintf(want, sizeof(want), "conflist `%s`: invalid JSON at line 1 column 27", bad);
	TAP_STR_EQ(err.msg, want);
	memset(&err, 0, sizeof(err));
	TAP_INT_EQ(kk_cni_conflist_load(missing, &net, &err), -1);
	TAP_INT_EQ(err.code, ENOENT);
	snprintf(want, sizeof(want), "conflist `%s`: open `%s`: No such file or directory", missing,
		 missing);
	TAP_STR_EQ(err.msg, want);
	fx_done(&f);
}

/* ---- results ------------------------------------------------------------------------ */

static void result_040_parses_and_gives_the_container_ipv4(void)
{
	static const char text[] =
		"{\"cniVersion\":\"0.4.0\",\"interfaces\":[{\"name\":\"k-test\",\"mac\":"
		"\"aa:bb:cc:dd:ee:01\"},{\"name\":\"veth1\"},{\"name\":\"eth0\",\"mac\":"
		"\"aa:bb:cc:dd:ee:02\",\"sandbox\":\"/run/netns/a\"}],\"ips\":[{\"version\":\"6\","
		"\"address\":\"fd00::2/64\",\"interface\":2},{\"version\":\"4\",\"address\":"
		"\"10.88.7.1/24\",\"interface\":0},{\"version\":\"4\",\"address\":\"10.88.7.2/24\","
		"\"gateway\":\"10.88.7.1\",\"interface\":2}],\"routes\":[{\"dst\":\"0.0.0.0/0\","
		"\"gw\":\"10.88.7.1\"}],\"dns\":{\"nameservers\":[\"1.1.1.1\",\"8.8.8.8\"],"
		"\"domain\":\"example\",\"search\":[\"a.example\"],\"options\":[\"ndots:2\"]}}";
	cleanup_(kk_cni_result_freep) struct kk_cni_result *res = NULL;
	struct kk_err err = { 0 };
	char ip[16];

	TAP_INT_EQ(kk_cni_result_parse(text, NULL, &res, &err), 0);
	TAP_STR_EQ(res->cni_version, "0.4.0");
	TAP_INT_EQ(res->n_interfaces, 3);
	TAP_STR_EQ(res->interfaces[0].mac, "aa:bb:cc:dd:ee:01");
	TAP_OK(res->interfaces[0].sandbox == NULL, "host interface has no sandbox");
	TAP_STR_EQ(res->interfaces[2].sandbox, "/run/netns/a");
	TAP_INT_EQ(res->n_ips, 3);
	TAP_INT_EQ(res->ips[0].family, AF_INET6);
	TAP_INT_EQ(res->ips[2].interface, 2);
	TAP_STR_EQ(res->ips[2].gateway, "10.88.7.1");
	TAP_INT_EQ(res->n_routes, 1);
	TAP_STR_EQ(res->routes[0].gw, "10.88.7.1");
	TAP_STR_EQ(res->dns.nameservers[1], "8.8.8.8");
	TAP_OK(res->dns.nameservers[2] == NULL, "nameservers end with NULL");
	TAP_STR_EQ(res->dns.domain, "example");
	TAP_STR_EQ(res->dns.search[0], "a.example");
	TAP_STR_EQ(res->dns.options[0], "ndots:2");
	TAP_INT_EQ(kk_cni_result_ipv4(res, "eth0", ip, sizeof(ip), &err), 0);
	TAP_STR_EQ(ip, "10.88.7.2");
	TAP_INT_EQ(kk_cni_result_ipv4(res, NULL, ip, sizeof(ip), &err), 0);
	TAP_STR_EQ(ip, "10.88.7.2");
	/* no such interface: upstream's rule, the first IPv4 of all */
	TAP_INT_EQ(kk_cni_result_ipv4(res, "eth1", ip, sizeof(ip), &err), 0);
	TAP_STR_EQ(ip, "10.88.7.1");
}

static void result_100_and_legacy_parse(void)
{
	cleanup_(kk_cni_result_freep) struct kk_cni_result *r100 = NULL, *r020 = NULL;
	cleanup_(kk_cni_result_freep) struct kk_cni_result *nover = NULL;
	struct kk_err err = { 0 };
	char ip[16];

	TAP_INT_EQ(kk_cni_result_parse("{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":"
				       "\"eth0\","
				       "\"sandbox\":\"/"
				       "x\",\"mtu\":1500}],\"ips\":[{\"address\":\"10.1.0.9/16\","
				       "\"interface\":0}]}",
				       NULL, &r100, &err),
		   0);
	TAP_INT_EQ(kk_cni_result_ipv4(r100, "eth0", ip, sizeof(ip), &err), 0);
	TAP_STR_EQ(ip, "10.1.0.9");
	TAP_INT_EQ(kk_cni_result_parse("{\"cniVersion\":\"0.2.0\",\"ip4\":{\"ip\":\"10.2.0.3/24\","
				       "\"gateway\":\"10.2.0.1\",\"routes\":[{\"dst\":"
				       "\"0.0.0.0/0\"}]},\"dns\":{}}",
				       NULL, &r020, &err),
		   0);
	TAP_INT_EQ(r020->n_ips, 1);
	TAP_INT_EQ(r020->n_routes, 1);
	TAP_INT_EQ(kk_cni_result_ipv4(r020, "eth0", ip, sizeof(ip), &err), 0);
	TAP_STR_EQ(ip, "10.2.0.3");
	/* no cniVersion: the default given wins over 0.1.0 */
	TAP_INT_EQ(kk_cni_result_parse("{\"ips\":[{\"address\":\"10.3.0.3/24\"}]}", "1.0.0", &nover,
				       &err),
		   0);
	TAP_STR_EQ(nover->cni_version, "1.0.0");
	TAP_INT_EQ(nover->n_ips, 1);
}

static void result_rejects_bad_input(void)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{ "nope", "result is not valid JSON" },
		{ "{\"cniVersion\":\"0.4.0\",\"ips\":[{\"address\":\"10.0.0.1/"
		  "24\",\"interface\":3}]}",
		  "result: ips[0]: `interface` is not an index into `interfaces`" },
		{ "{\"cniVersion\":\"0.4.0\",\"ips\":[{\"address\":\"banana/24\"}]}",
		  "result: ips[0]: invalid address `banana/24`" },
		{ "{\"cniVersion\":\"0.4.0\",\"ips\":[{}]}", "result: ips[0]: missing `address`" },
		{ "{\"cniVersion\":\"2.0.0\"}", "result: unsupported result version `2.0.0`" },
		{ "{\"cniVersion\":\"0.4.0\",\"routes\":[{\"gw\":\"1.2.3.4\"}]}",
		  "result: routes[0]: missing `dst`" },
		{ "{\"cniVersion\":\"0.4.0\",\"dns\":{\"nameservers\":[1]}}",
		  "result: dns: `nameservers` holds a non-string" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kk_cni_result *res = NULL;
		struct kk_err err = { 0 };

		TAP_INT_EQ(kk_cni_result_parse(cases[i].text, NULL, &res, &err), -1);
		TAP_STR_EQ(err.msg, cases[i].msg);
		TAP_OK(res == NULL, "nothing returned (case %zu)", i);
	}
}

static void result_without_ipv4_is_enoent(void)
{
	cleanup_(kk_cni_result_freep) struct kk_cni_result *res = NULL;
	struct kk_err err = { 0 };
	char ip[16];

	TAP_INT_EQ(kk_cni_result_parse("{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":"
				       "\"fd00::5/64\"}]}",
				       NULL, &res, &err),
		   0);
	TAP_INT_EQ(kk_cni_result_ipv4(res, "eth0", ip, sizeof(ip), &err), -1);
	TAP_INT_EQ(err.code, ENOENT);
	TAP_STR_EQ(err.msg, "result has no IPv4 address");
}

static char *converted(const char *text, const char *to)
{
	cleanup_(cjson_deletep) cJSON *doc = cJSON_Parse(text);

	kk_cni_result_convert(doc, to);
	return cJSON_PrintUnformatted(doc);
}

static void result_converts_between_versions(void)
{
	cleanup_free char *up = NULL, *down = NULL, *legacy = NULL;

	up = converted("{\"cniVersion\":\"0.4.0\",\"ips\":[{\"version\":\"4\",\"address\":"
		       "\"10.0.0.2/24\"}]}",
		       "1.0.0");
	TAP_STR_EQ(up, "{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.0.0.2/24\"}]}");
	down = converted("{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"fd00::2/64\"}]}",
			 "0.4.0");
	TAP_STR_EQ(down, "{\"cniVersion\":\"0.4.0\",\"ips\":[{\"address\":\"fd00::2/64\","
			 "\"version\":\"6\"}]}");
	legacy = converted("{\"cniVersion\":\"0.2.0\",\"ip4\":{\"ip\":\"10.2.0.3/24\",\"gateway\":"
			   "\"10.2.0.1\",\"routes\":[{\"dst\":\"0.0.0.0/0\"}]}}",
			   "0.4.0");
	TAP_STR_EQ(legacy, "{\"cniVersion\":\"0.4.0\",\"ips\":[{\"version\":\"4\",\"address\":"
			   "\"10.2.0.3/24\",\"gateway\":\"10.2.0.1\"}],\"routes\":[{\"dst\":"
			   "\"0.0.0.0/0\"}]}");
}

/* ---- fake plugins --------------------------------------------------------------------- */

static const char fake_list[] = "{\"cniVersion\":\"0.4.0\",\"name\":\"fake-net\",\"plugins\":["
				"{\"type\":\"rec-a\",\"keep\":{\"x\":[1,2]},\"name\":\"ignored\"},"
				"{\"type\":\"rec-b\"}]}";

static void fake_add_check_del_follow_the_spec(void)
{
	cleanup_(kk_cni_conflist_freep) struct kk_cni_conflist *net = conflist(fake_list);
	cleanup_(kk_cni_result_freep) struct kk_cni_result *res = NULL, *cached = NULL;
	cleanup_free char *calls = NULL, *cache_path = NULL, *cache_text = NULL, *b64 = NULL;
	cleanup_free char *env_a = NULL, *env_path = NULL;
	cleanup_(cjson_deletep) cJSON *in_a = NULL, *in_b = NULL, *del_a = NULL, *chk_b = NULL;
	cleanup_(cjson_deletep) cJSON *cache = NULL;
	const char *const args[] = { "K8S_POD_NAME=x", "IgnoreUnknown=1", NULL };
	struct kk_cni_attachment att = { "ctr-1", "/run/netns/fake", "eth0", args };
	struct kk_err err = { 0 };
	char ip[16], want_env[1024];
	struct fx f;

	if (!fx_init(&f))
		abort();
	TAP_INT_EQ(kk_cni_add(&f.host, net, &att, &res, &err), 0);
	if (err.code)
		printf("# %s\n", err.msg);
	calls = fx_calls(&f);
	TAP_STR_EQ(calls, "ADD rec-a\nADD rec-b\n");
	in_a = fx_stdin(&f, "rec-a", "ADD");
	in_b = fx_stdin(&f, "rec-b", "ADD");
	TAP_STR_EQ(jstr(in_a, "name"), "fake-net");
	TAP_STR_EQ(jstr(in_a, "cniVersion"), "0.4.0");
	TAP_OK(cJSON_GetObjectItemCaseSensitive(in_a, "prevResult") == NULL,
	       "the first plugin gets no prevResult");
	TAP_OK(cJSON_GetArraySize(
		       cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(in_a,
											 "keep"),
							"x")) == 2,
	       "other members pass through unchanged");
	TAP_STR_EQ(jstr(cJSON_GetObjectItemCaseSensitive(in_b, "prevResult"), "cniVersion"),
		   "0.4.0");
	TAP_OK(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
		       cJSON_GetObjectItemCaseSensitive(in_b, "prevResult"), "ips")) == 1,
	       "the second plugin gets the first one's result as prevResult");
	env_path = kk_xasprintf("%s/rec-a.ADD.env", f.log);
	env_a = read_text(env_path);
	snprintf(want_env, sizeof(want_env),
		 "CNI_ARGS=K8S_POD_NAME=x;IgnoreUnknown=1\nCNI_COMMAND=ADD\n"
		 "CNI_CONTAINERID=ctr-1\nCNI_IFNAME=eth0\nCNI_NETNS=/run/netns/fake\n"
		 "CNI_PATH=%s\n",
		 f.path);
	TAP_STR_EQ(env_a, want_env);

	/* the final result: rec-b's, cniVersion filled in; the cell IP is the sandbox one */
	TAP_STR_EQ(res->cni_version, "0.4.0");
	TAP_INT_EQ(res->n_interfaces, 2);
	TAP_INT_EQ(kk_cni_result_ipv4(res, "eth0", ip, sizeof(ip), &err), 0);
	TAP_STR_EQ(ip, "10.9.0.5");

	/* the cache entry, in libcni's format */
	cache_path = kk_cni_cache_path(f.cache, "fake-net", "ctr-1", "eth0");
	cache_text = read_text(cache_path);
	TAP_OK(cache_text != NULL, "cache entry written at <cache>/results/fake-net-ctr-1-eth0");
	cache = cache_text ? cJSON_Parse(cache_text) : NULL;
	b64 = sh_out("printf '%%s' '%s' | base64 -w0", fake_list);
	TAP_STR_EQ(jstr(cache, "kind"), "cniCacheV1");
	TAP_STR_EQ(jstr(cache, "containerId"), "ctr-1");
	TAP_STR_EQ(jstr(cache, "config"), b64);
	TAP_STR_EQ(jstr(cache, "ifName"), "eth0");
	TAP_STR_EQ(jstr(cache, "networkName"), "fake-net");
	TAP_STR_EQ(jstr(cache, "netns"), "/run/netns/fake");
	{
		const cJSON *pair =
			cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(cache, "cniArgs"), 1);
		const cJSON *k = cJSON_GetArrayItem(pair, 0), *v = cJSON_GetArrayItem(pair, 1);

		TAP_OK(cJSON_IsString(k) && strcmp(k->valuestring, "IgnoreUnknown") == 0 &&
			       cJSON_IsString(v) && strcmp(v->valuestring, "1") == 0,
		       "cniArgs cached as [key, value] pairs");
	}
	TAP_STR_EQ(jstr(cJSON_GetObjectItemCaseSensitive(cache, "result"), "cniVersion"), "0.4.0");
	TAP_INT_EQ(sh("test \"$(stat -c %%a '%s')\" = 600 && test \"$(stat -c %%a '%s/results')\" "
		      "= "
		      "700",
		      cache_path, f.cache),
		   0);
	TAP_INT_EQ(kk_cni_cached_result(&f.host, "fake-net", "ctr-1", "eth0", &cached, &err), 1);
	TAP_INT_EQ(cached ? (long long)cached->n_ips : -1, 2);

	{
		struct kk_cni_cached_attachment *list = NULL;
		size_t n = 99;
		cleanup_free char *junk = kk_xasprintf("%s/results/fake-net-ctr-1-eth1", f.cache);

		write_file(junk, "{\"kind\":\"other\"}", 0600);
		TAP_INT_EQ(kk_cni_cache_list(&f.host, "ctr-1", &list, &n, &err), 0);
		TAP_INT_EQ(n, 1);
		TAP_OK(n == 1 && strcmp(list[0].network, "fake-net") == 0 &&
			       strcmp(list[0].container_id, "ctr-1") == 0 &&
			       strcmp(list[0].ifname, "eth0") == 0 &&
			       strcmp(list[0].netns, "/run/netns/fake") == 0,
		       "the cached attachment is listed; a foreign file is not");
		kk_cni_cached_attachments_free(list, n);
		TAP_INT_EQ(kk_cni_cache_list(&f.host, "ctr", &list, &n, &err), 0);
		TAP_INT_EQ(n, 0);
		kk_cni_cached_attachments_free(list, n);
		unlink(junk);
	}
	{
		struct kk_cni_host nowhere = f.host;
		struct kk_cni_cached_attachment *list = NULL;
		size_t n = 99;

		nowhere.cache_dir = f.log;
		TAP_INT_EQ(kk_cni_cache_list(&nowhere, NULL, &list, &n, &err), 0);
		TAP_OK(n == 0 && list == NULL, "no cache dir: an empty list");
	}

	/* a second ADD of the same attachment runs nothing */
	fx_reset_log(&f);
	TAP_INT_EQ(kk_cni_add(&f.host, net, &att, NULL, &err), -1);
	TAP_INT_EQ(err.code, EEXIST);
	free(calls);
	calls = fx_calls(&f);
	TAP_STR_EQ(calls, "");

	/* CHECK: in order, with the cached result */
	fx_reset_log(&f);
	memset(&err, 0, sizeof(err));
	TAP_INT_EQ(kk_cni_check(&f.host, net, &att, &err), 0);
	free(calls);
	calls = fx_calls(&f);
	TAP_STR_EQ(calls, "CHECK rec-a\nCHECK rec-b\n");
	chk_b = fx_stdin(&f, "rec-b", "CHECK");
	TAP_OK(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
		       cJSON_GetObjectItemCaseSensitive(chk_b, "prevResult"), "interfaces")) == 2,
	       "CHECK gets the cached final result");

	/* DEL: reverse order, cached result as prevResult, then the entry is gone */
	fx_reset_log(&f);
	TAP_INT_EQ(kk_cni_del(&f.host, net, &att, &err), 0);
	free(calls);
	calls = fx_calls(&f);
	TAP_STR_EQ(calls, "DEL rec-b\nDEL rec-a\n");
	del_a = fx_stdin(&f, "rec-a", "DEL");
	TAP_OK(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
		       cJSON_GetObjectItemCaseSensitive(del_a, "prevResult"), "interfaces")) == 2,
	       "DEL gets the cached final result, not the plugin's own");
	TAP_OK(!exists(cache_path), "cache entry removed after DEL");
	/* DEL again: fine, without prevResult; CHECK now has nothing to check */
	TAP_INT_EQ(kk_cni_del(&f.host, net, &att, &err), 0);
	TAP_INT_EQ(kk_cni_check(&f.host, net, &att, &err), -1);
	TAP_INT_EQ(err.code, ENOENT);
	TAP_STR_EQ(err.msg, "network `fake-net`: check: container `ctr-1` interface `eth0` has no "
			    "cached ADD result");
	fx_done(&f);
}

static void fake_check_needs_040_and_honours_disable_check(void)
{
	cleanup_(kk_cni_conflist_freep) struct kk_cni_conflist *old = conflist(
		"{\"cniVersion\":\"0.3.1\",\"name\":\"old\",\"plugins\":[{\"type\":\"rec-a\"}]}");
	cleanup_(kk_cni_conflist_freep) struct kk_cni_conflist *off =
		conflist("{\"cniVersion\":\"0.4.0\",\"name\":\"off\",\"disableCheck\":true,"
			 "\"plugins\":[{\"type\":\"rec-a\"}]}");
	struct kk_cni_attachment att = { "c", "/run/netns/x", "eth0", NULL };
	cleanup_free char *calls = NULL;
	struct kk_err err = { 0 };
	struct fx f;

	if (!fx_init(&f))
		abort();
	TAP_INT_EQ(kk_cni_check(&f.host, old, &att, &err), -1);
	TAP_INT_EQ(err.code, ENOTSUP);
	TAP_STR_EQ(err.msg, "network `old`: check: cniVersion `0.3.1` has no CHECK (needs 0.4.0)");
	memset(&err, 0, sizeof(err));
	TAP_INT_EQ(kk_cni_check(&f.host, off, &att, &err), 0);
	calls = fx_calls(&f);
	TAP_STR_EQ(calls, "");
	fx_done(&f);
}

static void fake_bad_attachment_is_refused(void)
{
	cleanup_(kk_cni_conflist_freep) struct kk_cni_conflist *net = conflist(fake_list);
	struct kk_cni_attachment bad_id = { "_x", "/run/netns/x", "eth0", NULL };
	struct kk_cni_attachment bad_if = { "c", "/run/netns/x", "a-very-long-ifname0", NULL };
	struct kk_cni_attachment no_ns = { "c", NULL, "eth0", NULL };
	struct kk_err err = { 0 };
	struct fx f;

	if (!fx_init(&f))
		abort();
	TAP_INT_EQ(kk_cni_add(&f.host, net, &bad_id, NULL, &err), -1);
	TAP_STR_EQ(err.msg,
		   "network `fake-net`: add: container ID `_x` must start with a letter or "
		   "digit");
	TAP_INT_EQ(kk_cni_add(&f.host, net, &bad_if, NULL, &err), -1);
	TAP_STR_EQ(err.msg,
		   "network `fake-net`: add: interface name `a-very-long-ifname0` is longer "
		   "than 15 bytes");
	TAP_INT_EQ(kk_cni_add(&f.host, net, &no_ns, NULL, &err), -1);
	TAP_STR_EQ(err.msg, "network `fake-net`: add: no network namespace given");
	fx_done(&f);
}

static void fake_missing_plugin_names_it_and_the_path(void)
{
	cleanup_(kk_cni_conflist_freep) struct kk_cni_conflist *net = conflist(
		"{\"cniVersion\":\"0.4.0\",\"name\":\"m\",\"plugins\":[{\"type\":\"rec-a\"},"
		"{\"type\":\"nosuch\"}]}");
	struct kk_cni_attachment att = { "c", "/run/netns/x", "eth0", NULL };
	cleanup_free char *calls = NULL, *cache_path = NULL;
	struct kk_err err = { 0 };
	char want[1024];
	struct fx f;

	if (!fx_init(&f))
		abort();
	TAP_INT_EQ(kk_cni_add(&f.host, net, &att, NULL, &err), -1);
	TAP_INT_EQ(err.code, ENOENT);
	snprintf(want, sizeof(want),
		 "network `m`: add: plugin `nosuch` not found in `%s` (install the standard CNI "
		 "plugins, e.g. apt install containernetworking-plugins)",
		 f.path);
	TAP_STR_EQ(err.msg, want);
	calls = fx_calls(&f);
	TAP_STR_EQ(calls, "ADD rec-a\nDEL rec-a\n");
	cache_path = kk_cni_cache_path(f.cache, "m", "c", "eth0");
	TAP_OK(!exists(cache_path), "nothing cached");
	fx_done(&f);
}

static void fake_failing_plugin_is_undone(void)
{
	cleanup_(kk_cni_conflist_freep) struct kk_cni_conflist *net = conflist(
		"{\"cniVersion\":\"0.4.0\",\"name\":\"f\",\"plugins\":[{\"type\":\"rec-a\"},"
		"{\"type\":\"fail\"},{\"type\":\"rec-b\"}]}");
	struct kk_cni_attachment att = { "c", "/run/netns/x", "eth0", NULL };
	cleanup_free char *calls = NULL, *cache_path = NULL;
	cleanup_(cjson_deletep) cJSON *del_fail = NULL;
	struct kk_err err = { 0 };
	struct fx f;

	if (!fx_init(&f))
		abort();
	TAP_INT_EQ(kk_cni_add(&f.host, net, &att, NULL, &err), -1);
	TAP_INT_EQ(err.code, EIO);
	TAP_STR_EQ(err.msg, "network `f`: add: plugin `fail`: invalid network config: subnet too "
			    "small (cni error code 7)");
	calls = fx_calls(&f);
	TAP_STR_EQ(calls, "ADD rec-a\nADD fail\nDEL fail\nDEL rec-a\n");
	del_fail = fx_stdin(&f, "fail", "DEL");
	TAP_OK(cJSON_GetObjectItemCaseSensitive(del_fail, "prevResult") != NULL,
	       "the undo DEL carries the last good result");
	cache_path = kk_cni_cache_path(f.cache, "f", "c", "eth0");
	TAP_OK(!exists(cache_path), "nothing cached");
	fx_done(&f);
}

static void fake_plugin_failures_read_well(void)
{
	static const struct {
		const char *type, *msg;
		int code;
	} cases[] = {
		{ "noisy",
		  "network `x`: add: plugin `noisy`: exited with status 2: something broke", EIO },
		{ "garbage",
		  "network `x`: add: plugin `garbage`: result is not a JSON object: `not "
		  "json`",
		  EIO },
	};
	struct kk_cni_attachment att = { "c", "/run/netns/x", "eth0", NULL };
	struct fx f;
	size_t i;

	if (!fx_init(&f))
		abort();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cleanup_free char *text = kk_xasprintf("{\"cniVersion\":\"1.0.0\",\"name\":\"x\","
						       "\"plugins\":[{\"type\":\"%s\"}]}",
						       cases[i].type);
		cleanup_(kk_cni_conflist_freep) struct kk_cni_conflist *net = conflist(text);
		struct kk_err err = { 0 };

		TAP_INT_EQ(kk_cni_add(&f.host, net, &att, NULL, &err), -1);
		TAP_INT_EQ(err.code, cases[i].code);
		TAP_STR_EQ(err.msg, cases[i].msg);
	}
	{
		cleanup_(kk_cni_conflist_freep) struct kk_cni_conflist *net =
			conflist("{\"cniVersion\":\"1.0.0\",\"name\":\"x\",\"plugins\":[{\"type\":"
				 "\"noexec\"}]}");
		struct kk_err err = { 0 };
		char want[1024];

		TAP_INT_EQ(kk_cni_add(&f.host, net, &att, NULL, &err), -1);
		TAP_INT_EQ(err.code, EACCES);
		snprintf(want, sizeof(want),
			 "network `x`: add: plugin `noexec`: cannot run `%s/noexec`: Permission "
			 "denied",
			 f.plugins);
		TAP_STR_EQ(err.msg, want);
	}
	fx_done(&f);
}

/* a plugin that does not read a large stdin, and one that prints a large result */
static void fake_large_input_and_output(void)
{
	cleanup_free char *big = kk_xcalloc(1, 1 << 20), *text = NULL;
	cleanup_(kk_cni_conflist_freep) struct kk_cni_conflist *noread = NULL, *bigout = NULL;
	cleanup_(kk_cni_result_freep) struct kk_cni_result *res = NULL;
	struct kk_cni_attachment att = { "c", "/run/netns/x", "eth0", NULL };
	struct kk_err err = { 0 };
	size_t n = 0;
	struct fx f;

	if (!fx_init(&f))
		abort();
	memset(big, 'x', (1 << 20) - 1);
	text = kk_xasprintf("{\"cniVersion\":\"0.4.0\",\"name\":\"big\",\"plugins\":[{\"type\":"
			    "\"noread\",\"pad\":\"%s\"}]}",
			    big);
	noread = conflist(text);
	TAP_INT_EQ(kk_cni_add(&f.host, noread, &att, NULL, &err), 0);
	if (err.code)
		printf("# %s\n", err.msg);
	bigout = conflist("{\"cniVersion\":\"0.4.0\",\"name\":\"big2\",\"plugins\":[{\"type\":"
			  "\"bigout\"}]}");
	TAP_INT_EQ(kk_cni_add(&f.host, bigout, &att, &res, &err), 0);
	if (err.code)
		printf("# %s\n", err.msg);
	while (res && res->dns.nameservers && res->dns.nameservers[n])
		n++;
	TAP_INT_EQ(n, 20000);
	TAP_STR_EQ(n == 20000 ? res->dns.nameservers[19999] : NULL, "10.0.78.31");
	fx_done(&f);
}

/* the plugin's ends must not collide with fds 0-2 when ours are closed */
static void fake_runs_with_our_stdio_closed(void)
{
	cleanup_(kk_cni_conflist_freep) struct kk_cni_conflist *net = conflist(fake_list);
	struct kk_cni_attachment att = { "c", "/run/netns/x", "eth0", NULL };
	cleanup_free char *calls = NULL;
	int status;
	pid_t child;
	struct fx f;

	if (!fx_init(&f))
		abort();
	fflush(stdout);
	child = fork();
	if (child == 0) {
		struct kk_cni_result *res = NULL;
		struct kk_err err = { 0 };
		char ip[16] = "";

		close(0);
		close(1);
		close(2);
		if (kk_cni_add(&f.host, net, &att, &res, &err) < 0 ||
		    kk_cni_result_ipv4(res, "eth0", ip, sizeof(ip), &err) < 0)
			_exit(1);
		_exit(strcmp(ip, "10.9.0.5") == 0 ? 0 : 2);
	}
	waitpid(child, &status, 0);
	TAP_OK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "ADD works with stdin, stdout and stderr closed (status %d)", status);
	calls = fx_calls(&f);
	TAP_STR_EQ(calls, "ADD rec-a\nADD rec-b\n");
	fx_done(&f);
}

static pid_t read_pid(struct fx *f, const char *name)
{
	cleanup_free char *p = kk_xasprintf("%s/%s", f->log, name);
	cleanup_free char *t = read_text(p);

	return t ? (pid_t)atoi(t) : 0;
}

static void fake_hanging_plugin_times_out_and_leaves_no_process(void)
{
	cleanup_(kk_cni_conflist_freep) struct kk_cni_conflist *net = conflist(
		"{\"cniVersion\":\"0.4.0\",\"name\":\"h\",\"plugins\":[{\"type\":\"sleeper\"}]}");
	struct kk_cni_attachment att = { "c", "/run/netns/x", "eth0", NULL };
	cleanup_free char *calls = NULL;
	struct kk_err err = { 0 };
	long long t0, took;
	pid_t sh_pid, sleep_pid;
	char want[1024];
	struct fx f;

	if (!fx_init(&f))
		abort();
	f.host.timeout_ms = 700;
	t0 = now_ms();
	TAP_INT_EQ(kk_cni_add(&f.host, net, &att, NULL, &err), -1);
	took = now_ms() - t0;
	TAP_INT_EQ(err.code, ETIMEDOUT);
	snprintf(want, sizeof(want),
		 "network `h`: add: plugin `sleeper`: `%s/sleeper` did not finish within 700 ms "
		 "and was killed",
		 f.plugins);
	TAP_STR_EQ(err.msg, want);
	/* 700 ms for ADD, then the undo DEL (which returns at once) */
	TAP_OK(took >= 700 && took < 3000, "failed after the time limit (took %lld ms)", took);
	sh_pid = read_pid(&f, "sh.pid");
	sleep_pid = read_pid(&f, "sleep.pid");
	TAP_OK(sh_pid > 0 && process_gone(sh_pid), "the plugin process is gone");
	TAP_OK(sleep_pid > 0 && process_gone(sleep_pid), "what the plugin started is gone");
	calls = fx_calls(&f);
	TAP_STR_EQ(calls, "ADD sleeper\nDEL sleeper\n");
	fx_done(&f);
}

static void fake_del_from_a_libcni_cache_entry(void)
{
	static const char go_list[] = "{\"cniVersion\":\"0.4.0\",\"name\":\"go-net\",\"plugins\":"
				      "[{\"type\":\"rec-a\"},{\"type\":\"rec-b\"}]}";
	cleanup_free char *b64 = NULL, *entry = NULL, *path = NULL, *calls = NULL;
	cleanup_free char *env_path = NULL, *env = NULL;
	cleanup_(cjson_deletep) cJSON *del_b = NULL;
	cleanup_(kk_cni_result_freep) struct kk_cni_result *cached = NULL;
	struct kk_cni_attachment att = { "0123abcd", NULL, "eth0", NULL };
	struct kk_err err = { 0 };
	char ip[16];
	struct fx f;

	if (!fx_init(&f))
		abort();
	/* what libcni's cacheAdd writes (cachedInfo, members in its order; the result map
	 * re-marshalled by encoding/json, so its keys sorted) */
	b64 = sh_out("printf '%%s' '%s' | base64 -w0", go_list);
	entry = kk_xasprintf(
		"{\"kind\":\"cniCacheV1\",\"containerId\":\"0123abcd\",\"config\":\"%s\","
		"\"ifName\":\"eth0\",\"networkName\":\"go-net\",\"netns\":\"/proc/4242/ns/net\","
		"\"cniArgs\":[[\"IgnoreUnknown\",\"1\"]],\"result\":{\"cniVersion\":\"0.4.0\","
		"\"dns\":{},\"interfaces\":[{\"mac\":\"4a:1f:00:00:00:01\",\"name\":\"k-703e8b3a\"}"
		","
		"{\"mac\":\"4a:1f:00:00:00:02\",\"name\":\"veth12345678\"},{\"mac\":"
		"\"4a:1f:00:00:00:03\",\"name\":\"eth0\",\"sandbox\":\"/proc/4242/ns/net\"}],"
		"\"ips\":[{\"address\":\"10.88.0.5/24\",\"gateway\":\"10.88.0.1\",\"interface\":2,"
		"\"version\":\"4\"}],\"routes\":[{\"dst\":\"0.0.0.0/0\"}]}}",
		b64);
	path = kk_cni_cache_path(f.cache, "go-net", "0123abcd", "eth0");
	sh("mkdir -p '%s/results'", f.cache);
	write_file(path, entry, 0600);

	TAP_INT_EQ(kk_cni_cached_result(&f.host, "go-net", "0123abcd", "eth0", &cached, &err), 1);
	TAP_INT_EQ(kk_cni_result_ipv4(cached, "eth0", ip, sizeof(ip), &err), 0);
	TAP_STR_EQ(ip, "10.88.0.5");

	TAP_INT_EQ(kk_cni_del_cached(&f.host, "go-net", &att, &err), 1);
	calls = fx_calls(&f);
	TAP_STR_EQ(calls, "DEL rec-b\nDEL rec-a\n");
	del_b = fx_stdin(&f, "rec-b", "DEL");
	TAP_STR_EQ(jstr(del_b, "name"), "go-net");
	TAP_STR_EQ(jstr(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
						   cJSON_GetObjectItemCaseSensitive(del_b,
										    "prevResult"),
						   "ips"),
					   0),
			"address"),
		   "10.88.0.5/24");
	env_path = kk_xasprintf("%s/rec-b.DEL.env", f.log);
	env = read_text(env_path);
	TAP_OK(env && strstr(env, "CNI_ARGS=IgnoreUnknown=1\n") && strstr(env, "CNI_NETNS=\n"),
	       "CNI_ARGS from the cache; the cached netns is not reused");
	TAP_OK(!exists(path), "cache entry removed");
	/* nothing cached any more: nothing to do */
	TAP_INT_EQ(kk_cni_del_cached(&f.host, "go-net", &att, &err), 0);
	fx_done(&f);
}

static void fake_corrupt_cache_entry(void)
{
	cleanup_(kk_cni_conflist_freep) struct kk_cni_conflist *net = conflist(fake_list);
	struct kk_cni_attachment att = { "c", "/run/netns/x", "eth0", NULL };
	cleanup_free char *path = NULL, *calls = NULL;
	struct kk_cni_result *res = NULL;
	struct kk_err err = { 0 };
	char want[1024];
	struct fx f;

	if (!fx_init(&f))
		abort();
	path = kk_cni_cache_path(f.cache, "fake-net", "c", "eth0");
	sh("mkdir -p '%s/results'", f.cache);
	write_file(path, "{\"kind\":\"cniCacheV7\"}", 0600);
	TAP_INT_EQ(kk_cni_cached_result(&f.host, "fake-net", "c", "eth0", &res, &err), -1);
	snprintf(want, sizeof(want), "cache entry `%s`: unknown kind (want `cniCacheV1`)", path);
	TAP_STR_EQ(err.msg, want);
	/* DEL drops an entry it cannot read and runs without prevResult (libcni) */
	TAP_INT_EQ(kk_cni_del(&f.host, net, &att, &err), 0);
	calls = fx_calls(&f);
	TAP_STR_EQ(calls, "DEL rec-b\nDEL rec-a\n");
	TAP_OK(!exists(path), "entry removed");
	fx_done(&f);
}

static void fake_purge_cleans_up_when_del_cannot(void)
{
	struct fx f;
	cleanup_free char *list = NULL, *store = NULL, *calls = NULL, *path = NULL;
	cleanup_free char *p_own = NULL, *p_other = NULL, *p_last = NULL, *p_lock = NULL;
	cleanup_(kk_cni_conflist_freep) struct kk_cni_conflist *net = NULL;
	struct kk_cni_attachment att = { "ctr-p", "/run/netns/x", "eth0", NULL };
	struct kk_cni_attachment other = { "ctr-q", "/run/netns/y", "eth0", NULL };
	struct kk_err err = { 0 };

	if (!fx_init(&f))
		abort();
	list = kk_xasprintf("{\"cniVersion\":\"0.4.0\",\"name\":\"purge-net\",\"plugins\":["
			    "{\"type\":\"rec-a\",\"ipam\":{\"type\":\"host-local\",\"dataDir\":"
			    "\"%s/ipam\"}},{\"type\":\"faildel\"}]}",
			    f.dir);
	net = conflist(list);
	store = kk_xasprintf("%s/ipam/purge-net", f.dir);
	sh("mkdir -p '%s'", store);
	p_own = kk_xasprintf("%s/10.0.0.2", store);
	p_other = kk_xasprintf("%s/10.0.0.3", store);
	p_last = kk_xasprintf("%s/last_reserved_ip.0", store);
	p_lock = kk_xasprintf("%s/lock", store);
	write_file(p_own, "ctr-p\r\neth0", 0644);
	write_file(p_other, "ctr-q\r\neth0", 0644);
	write_file(p_last, "ctr-p", 0644);
	write_file(p_lock, "", 0644);
	TAP_INT_EQ(kk_cni_add(&f.host, net, &att, NULL, &err), 0);
	TAP_INT_EQ(kk_cni_add(&f.host, net, &other, NULL, &err), 0);
	TAP_INT_EQ(kk_cni_del(&f.host, net, &att, &err), -1);
	TAP_STR_EQ(err.msg, "network `purge-net`: del: plugin `faildel`: cannot delete (cni error "
			    "code 100)");
	fx_reset_log(&f);
	memset(&err, 0, sizeof(err));
	TAP_INT_EQ(kk_cni_purge(&f.host, net, "ctr-p", &err), 2);
	calls = fx_calls(&f);
	TAP_STR_EQ(calls, "DEL faildel\n");
	path = kk_cni_cache_path(f.cache, "purge-net", "ctr-p", "eth0");
	TAP_OK(!exists(path), "the container's cache entry is gone");
	TAP_OK(!exists(p_own), "its IP reservation is gone");
	TAP_OK(exists(p_other) && exists(p_last) && exists(p_lock),
	       "other reservations and the store's own files stay");
	TAP_INT_EQ(kk_cni_purge(&f.host, net, "ctr-p", &err), 0);
	/* the whole network: ctr-q's entry, the store */
	TAP_INT_EQ(kk_cni_network_purge(&f.host, net, &err), 4);
	TAP_OK(!exists(store), "the host-local store of the network is gone");
	free(path);
	path = kk_cni_cache_path(f.cache, "purge-net", "ctr-q", "eth0");
	TAP_OK(!exists(path), "every cache entry of the network is gone");
	TAP_INT_EQ(kk_cni_network_purge(&f.host, net, &err), 0);
	fx_done(&f);
}

/* ---- real plugins, in the harness ----------------------------------------------------- */

struct realfx {
	struct fx f;
	char list[2048];
	char ipam[400];
	struct kk_cni_host host;
};

#define NET_NAME "kk-unit"
#define BRIDGE   "k-test"

static bool real_init(struct realfx *r, const char *extra_plugin)
{
	if (!tap_getenv_or_skip("KUKEON_TEST_TMP"))
		return false;
	if (access(REAL_PLUGINS "/bridge", X_OK) != 0) {
		TAP_SKIP("no CNI plugins in " REAL_PLUGINS " (apt install "
			 "containernetworking-plugins)");
		return false;
	}
	if (!fx_init(&r->f))
		abort();
	snprintf(r->ipam, sizeof(r->ipam), "%s/ipam", r->f.dir);
	snprintf(r->list, sizeof(r->list),
		 "{\n  \"cniVersion\": \"0.4.0\",\n  \"name\": \"" NET_NAME "\",\n"
		 "  \"plugins\": [\n    {\"type\": \"bridge\", \"bridge\": \"" BRIDGE "\","
		 " \"isGateway\": true, \"ipMasq\": true, \"ipam\": {\"type\": \"host-local\","
		 " \"ranges\": [[{\"subnet\": \"10.88.7.0/24\"}]], \"routes\": [{\"dst\": "
		 "\"0.0.0.0/0\"}], \"dataDir\": \"%s\"}},\n    {\"type\": \"loopback\"}%s\n  ]\n}",
		 r->ipam, extra_plugin ? extra_plugin : "");
	r->host = r->f.host;
	/* fakes first (for the failure cases), then the real plugins */
	snprintf(r->f.path, sizeof(r->f.path), "%s:" REAL_PLUGINS, r->f.plugins);
	r->host.plugin_path = r->f.path;
	return true;
}

static void real_done(struct realfx *r)
{
	sh("ip link del " BRIDGE " 2>/dev/null");
	fx_done(&r->f);
}

static bool netns_add(const char *name)
{
	return sh("ip netns add %s", name) == 0 && sh("ip -n %s link set lo up", name) == 0;
}

static void netns_del(const char *name)
{
	sh("ip netns del %s 2>/dev/null", name);
}

static int ipam_files(struct realfx *r)
{
	cleanup_free char *n =
		sh_out("ls '%s/" NET_NAME "' 2>/dev/null | grep -c '^10\\.'", r->ipam);

	return atoi(n);
}

/* the bridge plugin's ipMasq chains in the nat table */
static int masq_chains(void)
{
	cleanup_free char *n = sh_out("iptables -w -t nat -S 2>/dev/null | grep -c '^-N CNI-'");

	return atoi(n);
}

/* veth ends left on the host side */
static int host_veths(void)
{
	cleanup_free char *n = sh_out("ip -o link show type veth | wc -l");

	return atoi(n);
}

static void real_add_check_ping_del(void)
{
	struct realfx r;
	cleanup_(kk_cni_conflist_freep) struct kk_cni_conflist *net = NULL;
	cleanup_(kk_cni_result_freep) struct kk_cni_result *ra = NULL, *rb = NULL;
	cleanup_free char *addr = NULL, *link = NULL, *owner = NULL, *cache_a = NULL;
	struct kk_cni_attachment a = { "cell-a_root", "/run/netns/kkcni-a", "eth0", NULL };
	struct kk_cni_attachment b = { "cell-b_root", "/run/netns/kkcni-b", "eth0", NULL };
	struct kk_err err = { 0 };
	char ip_a[16] = "", ip_b[16] = "";
	pid_t child;
	int status;

	if (!real_init(&r, NULL))
		return;
	net = conflist(r.list);
	TAP_OK(netns_add("kkcni-a") && netns_add("kkcni-b"), "two network namespaces");

	TAP_INT_EQ(kk_cni_add(&r.host, net, &a, &ra, &err), 0);
	if (err.code)
		printf("# %s\n", err.msg);
	TAP_INT_EQ(ra ? kk_cni_result_ipv4(ra, "eth0", ip_a, sizeof(ip_a), &err) : -1, 0);
	TAP_STR_EQ(ip_a, "10.88.7.2");
	addr = sh_out("ip -n kkcni-a -4 -o addr show dev eth0 | awk '{print $4}'");
	TAP_STR_EQ(addr, "10.88.7.2/24");
	link = sh_out("ip -o link show " BRIDGE " | awk '{print $2}'");
	TAP_STR_EQ(link, BRIDGE ":");
	owner = sh_out("head -n 1 '%s/" NET_NAME "/10.88.7.2' | tr -d '\\r'", r.ipam);
	TAP_STR_EQ(owner, "cell-a_root");
	cache_a = kk_cni_cache_path(r.host.cache_dir, NET_NAME, "cell-a_root", "eth0");
	TAP_OK(exists(cache_a), "the ADD result is cached");
	TAP_INT_EQ(kk_cni_check(&r.host, net, &a, &err), 0);
	if (err.code)
		printf("# %s\n", err.msg);

	TAP_INT_EQ(kk_cni_add(&r.host, net, &b, &rb, &err), 0);
	TAP_INT_EQ(rb ? kk_cni_result_ipv4(rb, "eth0", ip_b, sizeof(ip_b), &err) : -1, 0);
	TAP_STR_EQ(ip_b, "10.88.7.3");
	TAP_INT_EQ(host_veths(), 2);
	TAP_INT_EQ(masq_chains(), 2);
	TAP_INT_EQ(sh("ip netns exec kkcni-a busybox ping -c1 -W2 %s >/dev/null", ip_b), 0);
	TAP_INT_EQ(sh("ip netns exec kkcni-b busybox ping -c1 -W2 %s >/dev/null", ip_a), 0);

	TAP_INT_EQ(kk_cni_del(&r.host, net, &a, &err), 0);
	TAP_INT_EQ(sh("ip -n kkcni-a link show eth0 >/dev/null 2>&1"), 1);
	TAP_OK(!exists(cache_a), "cache entry removed");
	TAP_INT_EQ(ipam_files(&r), 1);
	TAP_INT_EQ(kk_cni_del(&r.host, net, &a, &err), 0);

	/* "restart": a process ADDs and exits; another DELs with nothing but the cache */
	fflush(stdout);
	child = fork();
	if (child == 0) {
		struct kk_err cerr = { 0 };

		_exit(kk_cni_add(&r.host, net, &a, NULL, &cerr) == 0 ? 0 : 1);
	}
	waitpid(child, &status, 0);
	TAP_OK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "another process ADDed");
	TAP_INT_EQ(ipam_files(&r), 2);
	TAP_INT_EQ(kk_cni_del_cached(&r.host, NET_NAME, &a, &err), 1);
	if (err.code)
		printf("# %s\n", err.msg);
	TAP_INT_EQ(sh("ip -n kkcni-a link show eth0 >/dev/null 2>&1"), 1);
	TAP_INT_EQ(ipam_files(&r), 1);
	TAP_OK(!exists(cache_a), "cache entry removed");

	/* purge: the IP is released and the entry dropped even with the netns gone */
	TAP_INT_EQ(kk_cni_add(&r.host, net, &a, NULL, &err), 0);
	netns_del("kkcni-a");
	TAP_INT_EQ(kk_cni_purge(&r.host, net, "cell-a_root", &err), 1);
	TAP_INT_EQ(masq_chains(), 1);
	TAP_OK(!exists(cache_a), "cache entry removed by purge");
	TAP_INT_EQ(ipam_files(&r), 1);

	TAP_INT_EQ(kk_cni_del(&r.host, net, &b, &err), 0);
	TAP_INT_EQ(ipam_files(&r), 0);
	TAP_INT_EQ(sh("ip -n kkcni-b link show eth0 >/dev/null 2>&1"), 1);
	TAP_INT_EQ(host_veths(), 0);
	TAP_INT_EQ(masq_chains(), 0);
	netns_del("kkcni-a");
	netns_del("kkcni-b");
	real_done(&r);
}

/* CHECK notices a container interface that went away; DEL still cleans up */
static void real_check_detects_breakage(void)
{
	struct realfx r;
	cleanup_(kk_cni_conflist_freep) struct kk_cni_conflist *net = NULL;
	struct kk_cni_attachment c = { "cell-c_root", "/run/netns/kkcni-c", "eth0", NULL };
	struct kk_err err = { 0 };

	if (!real_init(&r, NULL))
		return;
	net = conflist(r.list);
	TAP_OK(netns_add("kkcni-c"), "network namespace");
	TAP_INT_EQ(kk_cni_add(&r.host, net, &c, NULL, &err), 0);
	TAP_INT_EQ(kk_cni_check(&r.host, net, &c, &err), 0);
	TAP_INT_EQ(sh("ip -n kkcni-c link del eth0"), 0);
	TAP_INT_EQ(kk_cni_check(&r.host, net, &c, &err), -1);
	TAP_OK(strncmp(err.msg, "network `" NET_NAME "`: check: plugin `bridge`: ", 40) == 0,
	       "CHECK fails naming network and plugin: %s", err.msg);
	memset(&err, 0, sizeof(err));
	TAP_INT_EQ(kk_cni_del(&r.host, net, &c, &err), 0);
	if (err.code)
		printf("# %s\n", err.msg);
	TAP_INT_EQ(ipam_files(&r), 0);
	TAP_INT_EQ(masq_chains(), 0);
	TAP_INT_EQ(host_veths(), 0);
	netns_del("kkcni-c");
	real_done(&r);
}

/* a plugin failing after bridge: the veth and the IP reservation are undone */
static void real_failed_add_leaves_nothing(void)
{
	static const struct {
		const char *plugin, *what;
		int code;
	} cases[] = {
		{ ",\n    {\"type\": \"fail\"}", "failing", EIO },
		{ ",\n    {\"type\": \"sleeper\"}", "hanging", ETIMEDOUT },
		{ ",\n    {\"type\": \"nosuch\"}", "missing", ENOENT },
	};
	struct kk_cni_attachment a = { "cell-f_root", "/run/netns/kkcni-f", "eth0", NULL };
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct realfx r;
		cleanup_(kk_cni_conflist_freep) struct kk_cni_conflist *net = NULL;
		cleanup_free char *cache_a = NULL;
		struct kk_err err = { 0 };

		if (!real_init(&r, cases[i].plugin))
			return;
		r.host.timeout_ms = 1000;
		net = conflist(r.list);
		TAP_OK(netns_add("kkcni-f"), "network namespace");
		TAP_INT_EQ(kk_cni_add(&r.host, net, &a, NULL, &err), -1);
		TAP_INT_EQ(err.code, cases[i].code);
		TAP_OK(strstr(err.msg, "network `" NET_NAME "`: add: plugin `") != NULL,
		       "%s plugin: %s", cases[i].what, err.msg);
		TAP_INT_EQ(sh("ip -n kkcni-f link show eth0 >/dev/null 2>&1"), 1);
		TAP_INT_EQ(host_veths(), 0);
		TAP_INT_EQ(masq_chains(), 0);
		TAP_INT_EQ(ipam_files(&r), 0);
		cache_a = kk_cni_cache_path(r.host.cache_dir, NET_NAME, "cell-f_root", "eth0");
		TAP_OK(!exists(cache_a), "nothing cached (%s plugin)", cases[i].what);
		netns_del("kkcni-f");
		real_done(&r);
	}
}

/* a network's teardown: bridge, host-local store and cache entries, with a container still
 * attached (the space is deleted with --force); a second teardown finds nothing */
static void real_network_teardown(void)
{
	struct realfx r;
	cleanup_(kk_cni_conflist_freep) struct kk_cni_conflist *net = NULL;
	cleanup_(kk_cni_conflist_freep) struct kk_cni_conflist *other = NULL;
	cleanup_free char *cache_a = NULL, *cache_other = NULL;
	struct kk_cni_attachment a = { "cell-a_root", "/run/netns/kkcni-a", "eth0", NULL };
	struct kk_err err = { 0 };
	int n;

	if (!real_init(&r, NULL))
		return;
	net = conflist(r.list);
	other = conflist("{\"cniVersion\": \"0.4.0\", \"name\": \"kk-other\", \"plugins\": "
			 "[{\"type\": \"loopback\"}]}");
	TAP_OK(netns_add("kkcni-a"), "a network namespace");
	TAP_INT_EQ(kk_cni_add(&r.host, net, &a, NULL, &err), 0);
	TAP_INT_EQ(kk_cni_add(&r.host, other, &a, NULL, &err), 0);
	cache_a = kk_cni_cache_path(r.host.cache_dir, NET_NAME, "cell-a_root", "eth0");
	cache_other = kk_cni_cache_path(r.host.cache_dir, "kk-other", "cell-a_root", "eth0");
	TAP_INT_EQ(sh("ip link show " BRIDGE " >/dev/null 2>&1"), 0);
	TAP_INT_EQ(ipam_files(&r), 1);

	/* bridge + cache entry + the store's files (the IP, its lock, last_reserved_ip.0) */
	n = kk_cni_network_teardown(&r.host, net, &err);
	if (err.code)
		printf("# %s\n", err.msg);
	TAP_OK(n >= 3, "teardown removed the bridge, the entry and the store (%d)", n);
	TAP_INT_EQ(sh("ip link show " BRIDGE " >/dev/null 2>&1"), 1);
	TAP_OK(!exists(cache_a), "the network's cache entry is gone");
	TAP_OK(exists(cache_other), "another network's entry is kept");
	{
		cleanup_free char *store = kk_xasprintf("%s/" NET_NAME, r.ipam);

		TAP_OK(!exists(store), "the host-local store is gone");
	}
	TAP_INT_EQ(kk_cni_network_teardown(&r.host, net, &err), 0);
	TAP_INT_EQ(kk_cni_link_delete(BRIDGE, &err), 0);
	TAP_INT_EQ(kk_cni_link_delete("", &err), -1);
	TAP_INT_EQ(err.code, EINVAL);
	err = (struct kk_err){ 0 };
	TAP_INT_EQ(kk_cni_link_delete("a-name-longer-than-15", &err), -1);
	TAP_STR_EQ(err.msg, "link name `a-name-longer-than-15` is not a valid interface name");
	err = (struct kk_err){ 0 };
	/* the masquerade chain bridge made for the container is the container's to purge */
	netns_del("kkcni-a");
	kk_cni_purge(&r.host, net, "cell-a_root", &err);
	kk_cni_del(&r.host, other, &a, &err);
	TAP_INT_EQ(masq_chains(), 0);
	real_done(&r);
}

int main(void)
{
	conflist_parses_kukeon_list();
	conflist_selects_highest_supported_version();
	conflist_rejects_bad_input();
	conflist_load_names_the_file();
	result_040_parses_and_gives_the_container_ipv4();
	result_100_and_legacy_parse();
	result_rejects_bad_input();
	result_without_ipv4_is_enoent();
	result_converts_between_versions();
	fake_add_check_del_follow_the_spec();
	fake_check_needs_040_and_honours_disable_check();
	fake_bad_attachment_is_refused();
	fake_missing_plugin_names_it_and_the_path();
	fake_failing_plugin_is_undone();
	fake_plugin_failures_read_well();
	fake_hanging_plugin_times_out_and_leaves_no_process();
	fake_large_input_and_output();
	fake_runs_with_our_stdio_closed();
	fake_del_from_a_libcni_cache_entry();
	fake_corrupt_cache_entry();
	fake_purge_cleans_up_when_del_cannot();
	real_add_check_ping_del();
	real_check_detects_breakage();
	real_failed_add_leaves_nothing();
	real_network_teardown();
	return tap_done();
}
