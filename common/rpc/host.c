/* common/rpc/host.c - see host.h. */
#include "common/rpc/host.h"

#include <errno.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/gostr.h"
#include "common/mem.h"

#define UNSUPPORTED "unsupported kukeon host scheme"

int kk_rpc_host_parse(const char *addr, char **socket_path, struct kk_err *err)
{
	if (strncmp(addr, "unix://", 7) == 0) {
		if (!addr[7])
			return kk_err_set(err, EINVAL, UNSUPPORTED ": unix path is empty");
		*socket_path = kk_xstrdup(addr + 7);
		return 0;
	}
	if (strncmp(addr, "ssh://", 6) == 0)
		return kk_err_set(err, ENOSYS, UNSUPPORTED ": ssh transport not yet implemented");

	cleanup_free char *quoted = kk_go_quote(addr);

	return kk_err_set(err, EINVAL, UNSUPPORTED ": %s (expected unix:// or ssh://)", quoted);
}
