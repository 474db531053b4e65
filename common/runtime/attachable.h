/* common/runtime/attachable.h - attachable containers on the host (runtime reference
 * §8.1): kuketty staged at <run path>/bin/kuketty, its configuration rendered from the
 * container's resolved argv, the three bind mounts and the args wrap. Private to
 * common/runtime/. */
#ifndef KK_COMMON_RUNTIME_ATTACHABLE_H
#define KK_COMMON_RUNTIME_ATTACHABLE_H

#include <stdbool.h>

#include "common/err.h"
#include "common/runtime/runtime.h"

struct cJSON;

/* Whether c is wrapped by kuketty: attachable, not the root, with a container dir. */
bool kk_rt_attach_wanted(const struct kk_rt_container *c);

/* Rewrite the built spec of an attachable container: process.args becomes
 * ["/.kukeon/bin/kuketty"] and the kuketty mounts are appended. With stage, first write the
 * host side: the container dir and its tty/ (02750 root:<kukeon gid>, or 0700 without
 * one), the kuketty binary (this very file), the configuration rendered from the
 * spec's args, and tty/ plus the configuration owned by the spec's uid. */
int kk_rt_attach_wrap(const struct kk_rt *rt, const struct kk_rt_container *c, struct cJSON *spec,
		      bool stage, struct kk_err *err);

/* The stdout/stderr URI of a non-attachable container whose output goes to path: the staged
 * binary (the kuketty above) as the shim's `binary://` logger, which also writes the time
 * index (common/logidx.h); when it cannot be staged (no run path, a non-static build
 * without KUKEON_KUKETTY_BIN), the shim's own `file://` logging, without times. */
int kk_rt_log_uri(const struct kk_rt *rt, const char *path, char **out, struct kk_err *err);
/* The "uid" or "gid" (key) of a built OCI spec's process.user (a raw JSON integer, or a
 * number); 0 when absent or out of range. */
unsigned long kk_rt_spec_id(const struct cJSON *spec, const char *key);

#endif
