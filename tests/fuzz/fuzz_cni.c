/* tests/fuzz/fuzz_cni.c - libFuzzer target for what kukeon reads from CNI: plugin results
 * (stdout of ADD, and the cache files that keep them) and network configuration lists. Any
 * bytes; whatever parses must answer the questions asked of it without crashing: the IPv4
 * of eth0 (an address that inet_pton accepts, or ENOENT) and the conflist's name and
 * bridge. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cni/cni.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *json = malloc(size + 1);
	struct kk_cni_result *res = NULL;
	struct kk_cni_conflist *net = NULL;
	struct kk_err err = { 0 };
	char ip[INET_ADDRSTRLEN];
	struct in_addr a;

	memcpy(json, data, size);
	json[size] = '\0';
	if (kk_cni_result_parse(json, NULL, &res, &err) == 0) {
		if (kk_cni_result_ipv4(res, "eth0", ip, sizeof(ip), &err) == 0 &&
		    inet_pton(AF_INET, ip, &a) != 1) {
			fprintf(stderr, "not an IPv4 address: `%s`\n", ip);
			abort();
		}
		kk_cni_result_free(res);
	}
	if (kk_cni_conflist_parse((const char *)data, size, "fuzz.conflist", &net, &err) == 0) {
		if (!kk_cni_conflist_name(net)) {
			fprintf(stderr, "a parsed conflist without a name\n");
			abort();
		}
		kk_cni_conflist_free(net);
	}
	free(json);
	return 0;
}
