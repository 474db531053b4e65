/* common/cni/resolve.c - a host name to IPv4 addresses without glibc's NSS (the binary is
 * static): a literal, /etc/hosts, then one A query per nameserver of /etc/resolv.conf. */
#include "common/cni/netpolicy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/mem.h"
#include "common/strv.h"

#define DNS_TIMEOUT_MS 2000
#define DNS_TRIES      2
#define MAX_SERVERS    3

static void filep(FILE **f)
{
	if (*f)
		fclose(*f);
}

static void add_unique(char ***v, const char *ip)
{
	if (!kk_strv_contains(*v, ip))
		kk_strv_push_take(v, kk_xstrdup(ip));
}

static void from_hosts(const char *path, const char *name, char ***out)
{
	cleanup_(filep) FILE *f = fopen(path, "re");
	cleanup_free char *line = NULL;
	size_t cap = 0;

	while (f && getline(&line, &cap, f) > 0) {
		char *save = NULL, *ip, *tok;
		struct in_addr a;

		line[strcspn(line, "#\n")] = '\0';
		ip = strtok_r(line, " \t", &save);
		if (!ip || inet_pton(AF_INET, ip, &a) != 1)
			continue;
		while ((tok = strtok_r(NULL, " \t", &save)))
			if (strcasecmp(tok, name) == 0)
				add_unique(out, ip);
	}
}

/* The query for name's A record into buf; its length, or 0 if the name does not fit. */
static size_t dns_query(const char *name, uint16_t id, unsigned char *buf, size_t size)
{
	size_t n = 12, len = strlen(name);
	const char *p = name;

	if (len + 18 > size)
		return 0;
	memset(buf, 0, 12);
	buf[0] = id >> 8, buf[1] = id & 0xff;
	buf[2] = 0x01; /* recursion desired */
	buf[5] = 1;    /* one question */
	while (*p) {
		size_t l = strcspn(p, ".");

		if (l == 0 || l > 63)
			return 0;
		buf[n++] = (unsigned char)l;
		memcpy(buf + n, p, l);
		n += l;
		p += l + (p[l] == '.');
	}
	buf[n++] = 0;
	buf[n++] = 0, buf[n++] = 1; /* A */
	buf[n++] = 0, buf[n++] = 1; /* IN */
	return n;
}

/* Skip a (possibly compressed) name at *off; false when it runs off the message. */
static bool skip_name(const unsigned char *m, size_t len, size_t *off)
{
	while (*off < len) {
		unsigned char l = m[*off];

		if ((l & 0xc0) == 0xc0) {
			*off += 2;
			return *off <= len;
		}
		*off += 1u + l;
		if (l == 0)
			return *off <= len;
	}
	return false;
}

/* The A records of an answer to query id. -1 if it is not one; else its rcode. */
static int dns_answer(const unsigned char *m, size_t len, uint16_t id, char ***out)
{
	size_t off = 12;
	unsigned qd, an;

	if (len < 12 || ((m[0] << 8) | m[1]) != id || !(m[2] & 0x80))
		return -1;
	qd = (unsigned)(m[4] << 8 | m[5]);
	an = (unsigned)(m[6] << 8 | m[7]);
	for (unsigned i = 0; i < qd; i++)
		if (!skip_name(m, len, &off) || (off += 4) > len)
			return -1;
	for (unsigned i = 0; i < an; i++) {
		unsigned type, class, rdlen;

		if (!skip_name(m, len, &off) || off + 10 > len)
			break;
		type = (unsigned)(m[off] << 8 | m[off + 1]);
		class = (unsigned)(m[off + 2] << 8 | m[off + 3]);
		rdlen = (unsigned)(m[off + 8] << 8 | m[off + 9]);
		off += 10;
		if (off + rdlen > len)
			break;
		if (type == 1 && class == 1 && rdlen == 4) {
			char ip[INET_ADDRSTRLEN];

			inet_ntop(AF_INET, m + off, ip, sizeof(ip));
			add_unique(out, ip);
		}
		off += rdlen;
	}
	return m[3] & 0x0f;
}

static void from_dns(const char *server, const char *name, char ***out)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(53) };
	unsigned char q[512], r[1500];
	uint16_t id = 0;
	size_t qlen;
	cleanup_close int fd = -1;

	if (inet_pton(AF_INET, server, &sa.sin_addr) != 1)
		return;
	if (getrandom(&id, sizeof(id), GRND_NONBLOCK) != sizeof(id))
		id = (uint16_t)getpid();
	qlen = dns_query(name, id, q, sizeof(q));
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (!qlen || fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return;
	for (int t = 0; t < DNS_TRIES; t++) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (send(fd, q, qlen, 0) < 0)
			return;
		while (poll(&pfd, 1, DNS_TIMEOUT_MS) == 1) {
			ssize_t n = recv(fd, r, sizeof(r), 0);

			if (n < 0)
				return; /* e.g. ECONNREFUSED: nothing listens there */
			if (dns_answer(r, (size_t)n, id, out) >= 0)
				return;
		}
	}
}

int kk_netpolicy_resolve_ipv4(const char *name, const char *hosts_path, const char *resolv_path,
			      char ***out, struct kk_err *err)
{
	cleanup_(kk_strv_freep) char **ips = NULL;
	struct in_addr a;

	if (!name || !*name)
		return kk_err_set(err, EINVAL, "empty host name");
	if (inet_pton(AF_INET, name, &a) == 1) {
		add_unique(&ips, name);
	} else {
		from_hosts(hosts_path ? hosts_path : "/etc/hosts", name, &ips);
		if (!ips) {
			cleanup_(filep) FILE *f =
				fopen(resolv_path ? resolv_path : "/etc/resolv.conf", "re");
			cleanup_free char *line = NULL;
			size_t cap = 0;
			int servers = 0;

			while (!ips && f && servers < MAX_SERVERS && getline(&line, &cap, f) > 0) {
				char ns[64];

				if (sscanf(line, " nameserver %63s", ns) == 1) {
					servers++;
					from_dns(ns, name, &ips);
				}
			}
			if (!servers)
				from_dns("127.0.0.1", name, &ips);
		}
	}
	if (!ips)
		return kk_err_set(err, ENOENT, "host `%s` does not resolve to an IPv4 address",
				  name);
	kk_strv_sort(ips);
	*out = TAKE_PTR(ips);
	return 0;
}
