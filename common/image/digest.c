/* common/image/digest.c - sha256 over mbedTLS (the same library that serves TLS for
 * pulls; OpenSSL's EVP interface pulled megabytes into the static binary), digest syntax,
 * chain IDs. */
#include "common/image/digest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/sha256.h>
#include <mbedtls/sha512.h>

#include "common/mem.h"

struct kk_sha256 {
	mbedtls_sha256_context ctx;
};

/* mbedTLS's sha2 functions fail only on bad arguments, which we never pass */
struct kk_sha256 *kk_sha256_new(void)
{
	struct kk_sha256 *h = kk_xcalloc(1, sizeof(*h));

	mbedtls_sha256_init(&h->ctx);
	mbedtls_sha256_starts_ret(&h->ctx, 0);
	return h;
}

void kk_sha256_update(struct kk_sha256 *h, const void *data, size_t n)
{
	if (n)
		mbedtls_sha256_update_ret(&h->ctx, data, n);
}

static void to_digest_str(const unsigned char *md, char out[KK_DIGEST_STR_SIZE])
{
	static const char hex[] = "0123456789abcdef";

	memcpy(out, "sha256:", 7);
	for (int i = 0; i < 32; i++) {
		out[7 + 2 * i] = hex[md[i] >> 4];
		out[8 + 2 * i] = hex[md[i] & 15];
	}
	out[7 + KK_DIGEST_HEX_LEN] = '\0';
}

void kk_sha256_final(struct kk_sha256 *h, char out[KK_DIGEST_STR_SIZE])
{
	unsigned char md[32];

	mbedtls_sha256_finish_ret(&h->ctx, md);
	to_digest_str(md, out);
}

void kk_sha256_reset(struct kk_sha256 *h)
{
	mbedtls_sha256_starts_ret(&h->ctx, 0);
}

void kk_sha256_free(struct kk_sha256 *h)
{
	if (!h)
		return;
	mbedtls_sha256_free(&h->ctx);
	free(h);
}

void kk_sha256_freep(struct kk_sha256 **h)
{
	kk_sha256_free(*h);
	*h = NULL;
}

void kk_sha256_digest(const void *data, size_t n, char out[KK_DIGEST_STR_SIZE])
{
	unsigned char md[32];

	mbedtls_sha256_ret(data, n, md, 0);
	to_digest_str(md, out);
}

void kk_sha512_raw(const void *data, size_t n, unsigned char out[64])
{
	mbedtls_sha512_ret(data, n, out, 0);
}

bool kk_digest_is_valid(const char *s)
{
	if (!s || strncmp(s, "sha256:", 7) != 0 || strlen(s) != 7 + KK_DIGEST_HEX_LEN)
		return false;
	for (const char *p = s + 7; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

const char *kk_digest_hex(const char *s)
{
	return s + 7;
}

int kk_chain_ids(const char *const *diff_ids, size_t n, char (*out)[KK_DIGEST_STR_SIZE],
		 struct kk_err *err)
{
	for (size_t i = 0; i < n; i++) {
		if (!kk_digest_is_valid(diff_ids[i]))
			return kk_err_set(err, EINVAL, "diff id `%s` is not a sha256 digest",
					  diff_ids[i]);
		if (i == 0) {
			memcpy(out[0], diff_ids[0], KK_DIGEST_STR_SIZE);
		} else {
			char buf[2 * KK_DIGEST_STR_SIZE];
			int len = snprintf(buf, sizeof(buf), "%s %s", out[i - 1], diff_ids[i]);

			kk_sha256_digest(buf, (size_t)len, out[i]);
		}
	}
	return 0;
}
