/* common/image/digest.h - sha256 digests ("sha256:<64 hex>"), streaming, and chain IDs. */
#ifndef KK_COMMON_IMAGE_DIGEST_H
#define KK_COMMON_IMAGE_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"

#define KK_DIGEST_HEX_LEN 64
/* "sha256:" + 64 hex + NUL */
#define KK_DIGEST_STR_SIZE (7 + KK_DIGEST_HEX_LEN + 1)

struct kk_sha256;
struct kk_sha256 *kk_sha256_new(void);
void kk_sha256_update(struct kk_sha256 *h, const void *data, size_t n);
/* Write "sha256:<hex>" into out (KK_DIGEST_STR_SIZE bytes). The hasher can be reused
 * after kk_sha256_reset(). */
void kk_sha256_final(struct kk_sha256 *h, char out[KK_DIGEST_STR_SIZE]);
void kk_sha256_reset(struct kk_sha256 *h);
void kk_sha256_free(struct kk_sha256 *h);
void kk_sha256_freep(struct kk_sha256 **h);

/* One-shot digest of a buffer. */
void kk_sha256_digest(const void *data, size_t n, char out[KK_DIGEST_STR_SIZE]);

/* Raw SHA-512 of a buffer (libcni's iptables chain names hash with it). */
void kk_sha512_raw(const void *data, size_t n, unsigned char out[64]);

/* Is s a well-formed "sha256:<64 lowercase hex>"? */
bool kk_digest_is_valid(const char *s);
/* The hex part of a valid digest (a pointer into s). */
const char *kk_digest_hex(const char *s);

/* Chain IDs (OCI image spec): chain[0] = diff_ids[0];
 * chain[i] = sha256(chain[i-1] + " " + diff_ids[i]). out[i] receives chain[i] for
 * every i < n (each KK_DIGEST_STR_SIZE bytes). Fails on a malformed diff_id. */
int kk_chain_ids(const char *const *diff_ids, size_t n, char (*out)[KK_DIGEST_STR_SIZE],
		 struct kk_err *err);

#endif
