/* common/oci/caps.c - Linux capability names (see oci.h). */
#include "common/oci/oci.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/mem.h"

/* index = capability number (linux/capability.h), up to CAP_CHECKPOINT_RESTORE (5.9),
 * the same table containerd's pkg/cap knows */
static const char *const cap_names[] = {
	"CAP_CHOWN",
	"CAP_DAC_OVERRIDE",
	"CAP_DAC_READ_SEARCH",
	"CAP_FOWNER",
	"CAP_FSETID",
	"CAP_KILL",
	"CAP_SETGID",
	"CAP_SETUID",
	"CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST",
	"CAP_NET_ADMIN",
	"CAP_NET_RAW",
	"CAP_IPC_LOCK",
	"CAP_IPC_OWNER",
	"CAP_SYS_MODULE",
	"CAP_SYS_RAWIO",
	"CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE",
	"CAP_SYS_PACCT",
	"CAP_SYS_ADMIN",
	"CAP_SYS_BOOT",
	"CAP_SYS_NICE",
	"CAP_SYS_RESOURCE",
	"CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG",
	"CAP_MKNOD",
	"CAP_LEASE",
	"CAP_AUDIT_WRITE",
	"CAP_AUDIT_CONTROL",
	"CAP_SETFCAP",
	"CAP_MAC_OVERRIDE",
	"CAP_MAC_ADMIN",
	"CAP_SYSLOG",
	"CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND",
	"CAP_AUDIT_READ",
	"CAP_PERFMON",
	"CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
};

char *kk_oci_cap_normalize(const char *name)
{
	cleanup_free char *up = NULL;
	const char *start = name, *end = name + strlen(name);
	size_t len;

	while (start < end && isspace((unsigned char)*start))
		start++;
	while (end > start && isspace((unsigned char)end[-1]))
		end--;
	len = (size_t)(end - start);
	up = kk_xmalloc(len + 5);
	for (size_t i = 0; i < len; i++)
		up[i] = (char)toupper((unsigned char)start[i]);
	up[len] = '\0';
	if (strcmp(up, "ALL") != 0 && strcmp(up, "CAP_ALL") != 0) {
		bool known = false;

		if (strncmp(up, "CAP_", 4) != 0) {
			memmove(up + 4, up, len + 1);
			memcpy(up, "CAP_", 4);
		}
		for (size_t i = 0; i < sizeof(cap_names) / sizeof(cap_names[0]) && !known; i++)
			known = strcmp(up, cap_names[i]) == 0;
		if (!known)
			return NULL;
	}
	return TAKE_PTR(up);
}

void kk_oci_caps_from_mask(uint64_t mask, char ***names, size_t *n)
{
	size_t count = 0, max = sizeof(cap_names) / sizeof(cap_names[0]);
	char **v = kk_xcalloc(max + 1, sizeof(char *));

	for (size_t i = 0; i < max; i++)
		if (mask & (UINT64_C(1) << i))
			v[count++] = kk_xstrdup(cap_names[i]);
	*names = v;
	*n = count;
}
