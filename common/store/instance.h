/* common/store/instance.h - <run>/.kukeon-instance.json: which containerd namespace suffix
 * and cgroup root a run path was bootstrapped with, so that `kuke init` and kukeond refuse a
 * run path set up under another configuration (upstream internal/instance, v0.5.0).
 *
 * File format, byte for byte as upstream (Go json.MarshalIndent, 2-space indent, trailing
 * newline), mode 0640:
 *
 *   {
 *     "containerdNamespaceSuffix": "kukeon.io",
 *     "cgroupRoot": "/kukeon"
 *   }
 */
#ifndef KK_COMMON_STORE_INSTANCE_H
#define KK_COMMON_STORE_INSTANCE_H

#include <stddef.h>

#include "common/err.h"

struct kk_store;

struct kk_instance {
	char *ns_suffix;   /* owned; containerdNamespaceSuffix, e.g. "kukeon.io" (no leading dot) */
	char *cgroup_root; /* owned; cgroupRoot, e.g. "/kukeon" (trailing '/' trimmed) */
};

void kk_instance_clear(struct kk_instance *m);

/* The canonical form VerifyOrWrite compares: both values with surrounding (Unicode) white
 * space trimmed, and trailing '/' removed from the cgroup root. out gets new strings. */
void kk_instance_canonicalize(const char *suffix, const char *cgroup_root, struct kk_instance *out);

/* Encode m as upstream writes it. Returns a new string; *len (may be NULL) its length. */
char *kk_instance_encode(const struct kk_instance *m, size_t *len);
/* Decode the file content (Go json.Unmarshal rules: keys match case-insensitively, unknown
 * keys are ignored, null leaves a field empty, a non-string value is an error). On failure
 * err says what is wrong (EINVAL). out is filled only on success. */
int kk_instance_decode(const char *text, size_t len, struct kk_instance *out, struct kk_err *err);

/* Load <run_path>/.kukeon-instance.json. Returns 1 and fills out when present, 0 when the
 * file does not exist (out untouched). A read or parse failure fails (EINVAL for bad
 * content) with "... instance metadata `PATH`: server configuration is invalid: ...". */
int kk_instance_load(const char *run_path, struct kk_instance *out, struct kk_err *err);

/* Atomically write m (as given) under the store's run path, creating the run path (0750) if
 * missing; temp file ".kukeon-instance-XXXXXX.tmp". Takes the store lock. */
int kk_instance_write(struct kk_store *st, const struct kk_instance *m, struct kk_err *err);

/* The run path / configuration contract of `kuke init` and kukeond start. Canonicalises
 * suffix and cgroup_root; then, holding the store lock: no instance file -> write one and
 * return 1; a file with equal values -> return 0; different values -> fail (EINVAL) with
 * upstream's message:
 *   runPath "/opt/kukeon" was bootstrapped with containerdNamespaceSuffix="kukeon.io"
 *   cgroupRoot="/kukeon" but the running configuration requests
 *   containerdNamespaceSuffix="other.io" cgroupRoot="/kukeon": kukeon instance mismatch
 * (one line). Well-formedness of the values is checked elsewhere (server configuration). */
int kk_instance_verify_or_write(struct kk_store *st, const char *suffix, const char *cgroup_root,
				struct kk_err *err);

#endif
