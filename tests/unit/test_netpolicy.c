/* tests/unit/test_netpolicy.c - common/cni/netpolicy: ports, names, saved-rule parsing, and in
 * the harness (private netns, root) the real iptables: ensure is idempotent, repairs FORWARD
 * order, fails atomically, check/remove/sweep, a DNS answer from a responder on 127.0.0.1. */
#include "common/cni/netpolicy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/cni/internal.h"
#include "common/fs.h"
#include "common/mem.h"
#include "common/model/model.h"
#include "common/strv.h"
#include "tests/unit/tap.h"

static char *sh_out(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	char *buf = NULL;
	size_t cap = 0, len = 0;
	ssize_t n;
	char *line = NULL;

	if (!p)
		return kk_xstrdup("");
	while ((n = getline(&line, &cap, p)) > 0) {
		buf = kk_xrealloc(buf, len + (size_t)n + 1);
		memcpy(buf + len, line, (size_t)n + 1);
		len += (size_t)n;
	}
	free(line);
	pclose(p);
	return buf ? buf : kk_xstrdup("");
}

static void ports(void)
{
	static const struct {
		const char *in, *err;
		unsigned host, container;
		bool udp;
	} cases[] = {
		{ "8080:80", NULL, 8080, 80, false },
		{ "53:5353/udp", NULL, 53, 5353, true },
		{ "1:65535/tcp", NULL, 1, 65535, false },
		{ "0:80", "port `0:80`: 0 is not within [1, 65535]", 0, 0, false },
		{ "8080:70000", "port `8080:70000`: 70000 is not within [1, 65535]", 0, 0, false },
		{ "80", NULL, 80, 80, false },
		{ "8053/udp", NULL, 8053, 8053, true },
		{ ":80", "port `:80`: want [HOST:]CONTAINER[/tcp|udp]", 0, 0, false },
		{ "1:2:3", "port `1:2:3`: want [HOST:]CONTAINER[/tcp|udp]", 0, 0, false },
		{ "80:", "port `80:`: want [HOST:]CONTAINER[/tcp|udp]", 0, 0, false },
		{ "80:80/sctp", "port `80:80/sctp`: protocol must be tcp or udp", 0, 0, false },
		{ "80:80x", "port `80:80x`: protocol must be tcp or udp", 0, 0, false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kk_netpolicy_port p = { 0 };
		struct kk_err err = { 0 };
		int rc = kk_netpolicy_port_parse(cases[i].in, &p, &err);

		if (!cases[i].err) {
			TAP_OK(rc == 0 && p.host == cases[i].host &&
				       p.container == cases[i].container && p.udp == cases[i].udp,
			       "port `%s` parses", cases[i].in);
		} else {
			TAP_OK(rc < 0 && err.code == EINVAL, "port `%s` is refused", cases[i].in);
			TAP_STR_EQ(err.msg, cases[i].err);
		}
	}
}

static void saved_rules(void)
{
	char buf[256];

	kk_ipt_rule_comment("-A POSTROUTING -s 10.88.0.2/32 -m comment --comment \"name: "
			    "\\\"net\\\" id: \\\"abc\\\"\" -j CNI-x",
			    buf, sizeof(buf));
	TAP_STR_EQ(buf, "name: \"net\" id: \"abc\"");
	kk_ipt_rule_comment("-A X -m comment --comment plain -j RETURN", buf, sizeof(buf));
	TAP_STR_EQ(buf, "plain");
	kk_ipt_rule_comment("-A X -j RETURN", buf, sizeof(buf));
	TAP_STR_EQ(buf, "");
	kk_ipt_rule_target("-A FORWARD -i k-+ -j KUKEON-EGRESS", buf, sizeof(buf));
	TAP_STR_EQ(buf, "KUKEON-EGRESS");
	kk_ipt_rule_target("-A X -d 1.2.3.4/32 -j DNAT --to-destination 1.2.3.4:80", buf,
			   sizeof(buf));
	TAP_STR_EQ(buf, "DNAT");
	TAP_OK(kk_ipt_rule_in_chain("-A KUKEON-EGRESS -j X", "KUKEON-EGRESS"), "in its chain");
	TAP_OK(!kk_ipt_rule_in_chain("-A KUKEON-EGRESS2 -j X", "KUKEON-EGRESS"), "not a prefix");
}

static void enforced(void)
{
	struct kk_egress_rule r = { .cidr = (char *)"10.0.0.0/8" };
	struct kk_egress_policy allow = { .default_ = (char *)"allow" };
	struct kk_egress_policy deny = { .default_ = (char *)"Deny" };
	struct kk_egress_policy allow_rules = { .default_ = (char *)"allow",
						.allow = &r,
						.n_allow = 1 };

	TAP_OK(!kk_netpolicy_egress_enforced(NULL), "no policy");
	TAP_OK(!kk_netpolicy_egress_enforced(&allow), "allow without rules: none (upstream)");
	TAP_OK(kk_netpolicy_egress_enforced(&deny), "deny, any case");
	TAP_OK(kk_netpolicy_egress_enforced(&allow_rules), "allow with rules");
}

static void resolve_local(void)
{
	cleanup_free char *dir = kk_xstrdup("/tmp/kk-np-XXXXXX");
	cleanup_free char *hosts = NULL, *resolv = NULL;
	cleanup_(kk_strv_freep) char **ips = NULL;
	struct kk_err err = { 0 };
	int rc;

	if (!mkdtemp(dir))
		abort();
	hosts = kk_xasprintf("%s/hosts", dir);
	resolv = kk_xasprintf("%s/resolv.conf", dir);
	{
		const char *h = "10.0.0.9 api.test api # c\n::1 api.test\n10.0.0.3 API.test\n";
		const char *r = "nameserver 127.0.0.1\n";

		kk_write_atomic(hosts, ".t", h, strlen(h), 0644, &err);
		kk_write_atomic(resolv, ".t", r, strlen(r), 0644, &err);
	}

	rc = kk_netpolicy_resolve_ipv4("192.0.2.7", hosts, resolv, &ips, &err);
	TAP_OK(rc == 0 && kk_strv_len(ips) == 1 && strcmp(ips[0], "192.0.2.7") == 0,
	       "a literal is itself");
	kk_strv_freep(&ips);
	rc = kk_netpolicy_resolve_ipv4("api.test", hosts, resolv, &ips, &err);
	TAP_OK(rc == 0 && kk_strv_len(ips) == 2, "hosts file: both IPv4 lines, not the IPv6 one");
	if (rc == 0 && kk_strv_len(ips) == 2) {
		TAP_STR_EQ(ips[0], "10.0.0.3");
		TAP_STR_EQ(ips[1], "10.0.0.9");
	}
	kk_strv_freep(&ips);
	/* 127.0.0.1:53 answers nothing here (or refuses at once) */
	if (getenv("KUKEON_TEST_TMP")) {
		rc = kk_netpolicy_resolve_ipv4("nowhere.invalid", hosts, resolv, &ips, &err);
		TAP_OK(rc < 0 && err.code == ENOENT, "a name nothing resolves");
		TAP_STR_EQ(err.msg, "host `nowhere.invalid` does not resolve to an IPv4 address");
	} else {
		TAP_SKIP("KUKEON_TEST_TMP is not set: 127.0.0.1:53 may be a real resolver");
	}
	unlink(hosts);
	unlink(resolv);
	rmdir(dir);
}

/* A DNS responder on 127.0.0.1:53 that answers one query with two A records. */
static pid_t dns_responder(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(53),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	pid_t pid;

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		unsigned char m[512];
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(fd, m, sizeof(m) - 40, 0, (struct sockaddr *)&from, &fl);
		static const unsigned char a1[] = { 0xc0, 12, 0, 1, 0,  1, 0, 0,
						    0,    60, 0, 4, 10, 1, 2, 3 };
		static const unsigned char a2[] = { 0xc0, 12, 0, 1, 0,  1, 0, 0,
						    0,    60, 0, 4, 10, 1, 2, 1 };

		if (n < 12)
			_exit(1);
		m[2] = 0x81, m[3] = 0x80; /* response, recursion available, no error */
		m[7] = 2;                 /* two answers */
		memcpy(m + n, a1, sizeof(a1));
		memcpy(m + n + sizeof(a1), a2, sizeof(a2));
		sendto(fd, m, (size_t)n + sizeof(a1) + sizeof(a2), 0, (struct sockaddr *)&from, fl);
		_exit(0);
	}
	close(fd);
	return pid;
}

static void resolve_dns(void)
{
	cleanup_(kk_strv_freep) char **ips = NULL;
	struct kk_err err = { 0 };
	pid_t pid;
	int rc, status = 0;

	if (!tap_getenv_or_skip("KUKEON_TEST_TMP"))
		return;
	pid = dns_responder();
	if (pid < 0) {
		TAP_OK(0, "bind 127.0.0.1:53: %s", strerror(errno));
		return;
	}
	rc = kk_netpolicy_resolve_ipv4("svc.example", "/dev/null", "/dev/null", &ips, &err);
	waitpid(pid, &status, 0);
	TAP_OK(rc == 0 && kk_strv_len(ips) == 2, "two A records from the nameserver: %s", err.msg);
	if (rc == 0 && kk_strv_len(ips) == 2) {
		TAP_STR_EQ(ips[0], "10.1.2.1");
		TAP_STR_EQ(ips[1], "10.1.2.3");
	}
}

static char *chain_rules(const char *table, const char *chain)
{
	cleanup_free char *cmd = kk_xasprintf("iptables -w -t %s -S %s 2>/dev/null", table, chain);

	return sh_out(cmd);
}

static void firewall(void)
{
	const char *tmp = tap_getenv_or_skip("KUKEON_TEST_TMP");
	cleanup_free char *cache = NULL, *bin = NULL, *path = NULL, *saved = NULL;
	cleanup_free char *before = NULL, *after = NULL, *rules = NULL, *fwd = NULL;
	struct kk_egress_rule rule = { .cidr = (char *)"10.99.1.7/24" };
	struct kk_egress_policy policy = { .default_ = (char *)"deny",
					   .allow = &rule,
					   .n_allow = 1 };
	struct kk_cni_host host = { "/usr/lib/cni", NULL, 0, NULL };
	struct kk_netpolicy_space sp = { "ut", "np", "k-utnp", "10.99.250.0/24", true, &policy };
	struct kk_netpolicy_space gone = {
		"ut", "gone", "k-utgone", "10.99.251.0/24", true, &policy
	};
	struct kk_err err = { 0 };
	int rc;

	if (!tmp)
		return;
	cache = kk_xasprintf("%s/np-cache", tmp);
	host.cache_dir = cache;

	rc = kk_netpolicy_space_ensure(&host, &sp, &err);
	TAP_OK(rc == 1, "first ensure runs a batch: %s", err.msg);
	rc = kk_netpolicy_space_ensure(&host, &sp, &err);
	TAP_OK(rc == 0, "second ensure finds everything in place: %s", err.msg);
	TAP_OK(kk_netpolicy_space_check(&host, &sp, &err) == 0, "check: in place");
	rules = chain_rules("filter", "KUKE-EGR-04f7249f");
	TAP_OK(strstr(rules, "-A KUKE-EGR-04f7249f -d 10.99.1.0/24 -m comment --comment "
			     "\"kukeon:ut:np:allow[0]:cidr=10.99.1.7/24\" -j RETURN") != NULL,
	       "the CIDR canonical, as iptables-save prints it");
	free(rules);
	rules = chain_rules("nat", "KUKEON-POSTROUTING");
	TAP_OK(strstr(rules, "-s 10.99.250.0/24 -m comment --comment \"kukeon:ut:np:nat\"") != NULL,
	       "the space's NAT dispatch");

	/* the admission chain moved first by hand: the next ensure restores the order */
	TAP_OK(system("iptables -w -D FORWARD -j KUKEON-FORWARD && "
		      "iptables -w -I FORWARD 1 -j KUKEON-FORWARD") == 0,
	       "admission chain moved first");
	rc = kk_netpolicy_space_ensure(&host, &sp, &err);
	fwd = chain_rules("filter", "FORWARD");
	TAP_OK(rc == 1 && strstr(fwd, "-P FORWARD ACCEPT\n-A FORWARD -j KUKEON-EGRESS\n-A FORWARD "
				      "-j KUKEON-FORWARD\n") == fwd,
	       "FORWARD: egress first, admission second");

	/* a flushed chain: check says so; a failing iptables-restore changes nothing */
	TAP_OK(system("iptables -w -F KUKE-EGR-04f7249f") == 0, "flushed by hand");
	rc = kk_netpolicy_space_check(&host, &sp, &err);
	TAP_OK(rc < 0 && err.code == EPERM, "check: a flushed chain is not in place");
	TAP_STR_EQ(err.msg, "space `np` egress policy is not in place: chain KUKE-EGR-04f7249f is "
			    "missing or incomplete");
	bin = kk_xasprintf("%s/np-bin", tmp);
	kk_mkdir_p(bin, 0755, &err);
	{
		cleanup_free char *f = kk_xasprintf("%s/iptables-restore", bin);
		const char *text = "#!/bin/sh\ncat >/dev/null\necho 'iptables-restore: line 4 "
				   "failed' >&2\nexit 2\n";

		kk_write_atomic(f, ".t", text, strlen(text), 0755, &err);
	}
	saved = kk_xstrdup(getenv("PATH"));
	path = kk_xasprintf("%s:%s", bin, saved);
	setenv("PATH", path, 1);
	before = sh_out("iptables-save | grep -v '^#'");
	err = (struct kk_err){ 0 };
	rc = kk_netpolicy_space_ensure(&host, &sp, &err);
	after = sh_out("iptables-save | grep -v '^#'");
	setenv("PATH", saved, 1);
	TAP_OK(rc < 0 && err.code == EIO, "a failing batch fails");
	TAP_STR_EQ(err.msg, "space `np` network policy: `iptables-restore` failed with status 2: "
			    "iptables-restore: line 4 failed");
	TAP_STR_EQ(after, before);
	rc = kk_netpolicy_space_ensure(&host, &sp, &err);
	TAP_OK(rc == 1 && kk_netpolicy_space_check(&host, &sp, &err) == 0,
	       "a working one puts it back");

	/* a space that went away behind our back, and a port chain of a dead cell: swept */
	TAP_OK(kk_netpolicy_space_ensure(&host, &gone, &err) == 1, "another space");
	{
		struct kk_netpolicy_cell c = { "ut", "np", "st", "dead" };
		struct kk_netpolicy_port p = { 18765, 80, false };

		TAP_OK(kk_netpolicy_ports_publish(&host, &c, "10.99.250.9", &p, 1, &err) == 0,
		       "publish: %s", err.msg);
		TAP_OK(kk_netpolicy_ports_publish(&host,
						  &(struct kk_netpolicy_cell){ "ut", "np", "st",
									       "other" },
						  "10.99.250.10", &p, 1, &err) < 0 &&
			       err.code == EADDRINUSE,
		       "the same host port for another cell is refused");
		TAP_STR_EQ(err.msg, "publish ports of cell `other`: host port 18765/tcp is already "
				    "published by cell \"dead\" (realm \"ut\", space \"np\", stack "
				    "\"st\")");
	}
	rc = kk_netpolicy_sweep(&host, &sp, 1, NULL, 0, NULL, NULL, &err);
	TAP_OK(rc == 3, "sweep: the gone space's two chains and the dead cell's ports (%d)", rc);
	free(rules);
	rules = sh_out("iptables-save | grep -c 'kukeon:ut:gone\\|kukeon:ut:np:st:dead'");
	TAP_STR_EQ(rules, "0\n");
	TAP_OK(kk_netpolicy_space_check(&host, &sp, &err) == 0, "the live space is untouched");

	TAP_OK(kk_netpolicy_space_remove(&host, "ut", "np", &err) == 1, "remove");
	TAP_OK(kk_netpolicy_space_remove(&host, "ut", "np", &err) == 0, "remove again: nothing");
	free(rules);
	rules = sh_out("iptables-save | grep -c 'kukeon:ut:'");
	TAP_STR_EQ(rules, "0\n");
}

int main(void)
{
	ports();
	saved_rules();
	enforced();
	resolve_local();
	resolve_dns();
	firewall();
	return tap_done();
}
