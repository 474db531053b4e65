/* tests/unit/test_registry.c - the registry client's pure logic: references split into
 * host, repository, tag and digest; loopback hosts; the credential chosen per host, with
 * Docker Hub's names as one host. Nothing here talks to a registry (tests/bats/24-*). */
#include <stdlib.h>
#include <string.h>

#include "common/model/model.h"
#include "common/registry/registry.h"
#include "tap.h"

#define DG "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* check_ref IN HOST REPO TAG DIGEST NAME: IN parses into those parts (NULL: none) */
static void check_ref(const char *in, const char *host, const char *repo, const char *tag,
		      const char *digest, const char *name)
{
	struct kk_err err = { 0 };
	struct kk_reg_ref r = { 0 };
	char *got = NULL;

	if (kk_reg_ref_parse(in, &r, &got, &err) < 0) {
		TAP_OK(0, "parse `%s`: %s", in, err.msg);
		return;
	}
	TAP_STR_EQ(r.host, host);
	TAP_STR_EQ(r.repo, repo);
	TAP_STR_EQ(r.tag, tag);
	TAP_STR_EQ(r.digest, digest);
	TAP_STR_EQ(got, name);
	free(got);
	kk_reg_ref_clear(&r);
	TAP_OK(!r.host && !r.repo && !r.tag && !r.digest, "clear `%s` empties it", in);
}

static void refs(void)
{
	check_ref("busybox", "docker.io", "library/busybox", "latest", NULL,
		  "docker.io/library/busybox:latest");
	check_ref("busybox:1.36", "docker.io", "library/busybox", "1.36", NULL,
		  "docker.io/library/busybox:1.36");
	check_ref("user/app", "docker.io", "user/app", "latest", NULL, "docker.io/user/app:latest");
	check_ref("docker.io/busybox", "docker.io", "library/busybox", "latest", NULL,
		  "docker.io/library/busybox:latest");
	check_ref("index.docker.io/library/busybox:1", "docker.io", "library/busybox", "1", NULL,
		  "docker.io/library/busybox:1");
	check_ref("ghcr.io/org/team/app:v1.2.3", "ghcr.io", "org/team/app", "v1.2.3", NULL,
		  "ghcr.io/org/team/app:v1.2.3");
	/* a port is the host's, not a tag */
	check_ref("127.0.0.1:5000/bb", "127.0.0.1:5000", "bb", "latest", NULL,
		  "127.0.0.1:5000/bb:latest");
	check_ref("localhost:5000/a/b:t", "localhost:5000", "a/b", "t", NULL,
		  "localhost:5000/a/b:t");
	check_ref("localhost/x", "localhost", "x", "latest", NULL, "localhost/x:latest");
	/* a digest: no tag is made up; with a tag, both are kept */
	check_ref("127.0.0.1:5000/bb@" DG, "127.0.0.1:5000", "bb", NULL, DG,
		  "127.0.0.1:5000/bb@" DG);
	check_ref("busybox@" DG, "docker.io", "library/busybox", NULL, DG,
		  "docker.io/library/busybox@" DG);
	check_ref("h.example:443/r:1@" DG, "h.example:443", "r", "1", DG, "h.example:443/r:1@" DG);
	/* no name out: still parsed */
	struct kk_err err = { 0 };
	struct kk_reg_ref r = { 0 };
	TAP_INT_EQ(kk_reg_ref_parse("alpine", &r, NULL, &err), 0);
	TAP_STR_EQ(r.repo, "library/alpine");
	kk_reg_ref_clear(&r);
}

static void check_bad_ref(const char *in)
{
	struct kk_err err = { 0 };
	struct kk_reg_ref r = { 0 };
	char *name = NULL;
	int rc = kk_reg_ref_parse(in, &r, &name, &err);

	TAP_OK(rc == -1 && err.msg[0] && !strchr(err.msg, '\n') && !r.host && !r.repo && !name,
	       "bad reference `%s` fails with one line and no output: %s", in, err.msg);
	kk_reg_ref_clear(&r);
	free(name);
}

static void bad_refs(void)
{
	check_bad_ref("");
	check_bad_ref("BAD");
	check_bad_ref("127.0.0.1:5000/BAD:1");
	check_bad_ref("busybox:");
	check_bad_ref("busybox:bad tag");
	check_bad_ref("busybox@sha256:xyz");
	check_bad_ref("busybox@");
	check_bad_ref("/busybox");
	check_bad_ref("a//b");
	check_bad_ref("https://registry.example.com/image:tag");
}

static void loopback(void)
{
	TAP_OK(kk_reg_host_is_loopback("127.0.0.1"), "127.0.0.1 is loopback");
	TAP_OK(kk_reg_host_is_loopback("127.0.0.1:5000"), "127.0.0.1:5000 is loopback");
	TAP_OK(kk_reg_host_is_loopback("127.1.2.3:80"), "127.1.2.3:80 is loopback");
	TAP_OK(kk_reg_host_is_loopback("localhost:5000"), "localhost:5000 is loopback");
	TAP_OK(kk_reg_host_is_loopback("LocalHost"), "LocalHost is loopback");
	TAP_OK(kk_reg_host_is_loopback("[::1]:5000"), "[::1]:5000 is loopback");
	TAP_OK(!kk_reg_host_is_loopback("docker.io"), "docker.io is not loopback");
	TAP_OK(!kk_reg_host_is_loopback("10.0.0.1:5000"), "10.0.0.1:5000 is not loopback");
	TAP_OK(!kk_reg_host_is_loopback("localhost.example.com"),
	       "localhost.example.com is not loopback");
	TAP_OK(!kk_reg_host_is_loopback("128.0.0.1"), "128.0.0.1 is not loopback");
}

/* which credential of creds (its index, -1: none) kk_reg_cred_for picks for host */
static int pick(const char *host, const struct kk_registry_cred *creds, size_t n)
{
	const struct kk_registry_cred *c = kk_reg_cred_for(host, creds, n);

	return c ? (int)(c - creds) : -1;
}

static void one_cred(const char *server, const char *host, int want)
{
	struct kk_registry_cred c = { .username = "u",
				      .password = "p",
				      .server_address = (char *)server };
	int got = pick(host, &c, 1);

	TAP_OK(got == want, "serverAddress `%s` %s host `%s`", server,
	       want == 0 ? "matches" : "does not match", host);
}

static void creds(void)
{
	/* the Docker Hub fix: its three names are one host, whatever the reference says */
	const char *hub[] = { "docker.io",
			      "index.docker.io",
			      "registry-1.docker.io",
			      "https://index.docker.io/v1/",
			      "https://registry-1.docker.io",
			      "Docker.IO" };
	for (size_t i = 0; i < sizeof(hub) / sizeof(hub[0]); i++) {
		one_cred(hub[i], "registry-1.docker.io", 0);
		one_cred(hub[i], "docker.io", 0);
		one_cred(hub[i], "index.docker.io", 0);
	}
	/* a scheme and a path are ignored; the port is part of the host */
	one_cred("https://ghcr.io/v2/", "ghcr.io", 0);
	one_cred("http://127.0.0.1:5000", "127.0.0.1:5000", 0);
	one_cred("127.0.0.1:5000/some/path", "127.0.0.1:5000", 0);
	one_cred("GHCR.io", "ghcr.io", 0);
	/* another host does not match */
	one_cred("ghcr.io", "docker.io", -1);
	one_cred("docker.io", "ghcr.io", -1);
	one_cred("127.0.0.1:5000", "127.0.0.1:5001", -1);
	one_cred("127.0.0.1", "127.0.0.1:5000", -1);
	one_cred("https://quay.io/v1/", "registry-1.docker.io", -1);
	one_cred("docker.io.evil.example", "docker.io", -1);

	/* the first naming the host wins; else the first without serverAddress; else none */
	struct kk_registry_cred list[] = {
		{ .username = "a", .server_address = "quay.io" },
		{ .username = "b", .server_address = NULL },
		{ .username = "c", .server_address = "https://index.docker.io/v1/" },
		{ .username = "d", .server_address = "docker.io" },
		{ .username = "e", .server_address = "" },
	};
	size_t n = sizeof(list) / sizeof(list[0]);
	TAP_INT_EQ(pick("registry-1.docker.io", list, n), 2);
	TAP_INT_EQ(pick("docker.io", list, n), 2);
	TAP_INT_EQ(pick("quay.io", list, n), 0);
	TAP_INT_EQ(pick("ghcr.io", list, n), 1);
	TAP_INT_EQ(pick("ghcr.io", list, 1), -1);
	TAP_INT_EQ(pick("ghcr.io", list + 4, 1), 0);
	TAP_INT_EQ(pick("ghcr.io", NULL, 0), -1);
}

int main(void)
{
	refs();
	bad_refs();
	loopback();
	creds();
	return tap_done();
}
