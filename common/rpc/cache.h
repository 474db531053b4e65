/* common/rpc/cache.h - kukeond's reply cache for the calls that only read the store
 * (Get/List of realms, spaces and stacks, ListCells): a reply is reused while the store's
 * write generation and everything the call read are unchanged (common/store/readset.h).
 * A `kuke get realms` of a hundred realms then costs a hundred stats instead of a hundred
 * reads, parses, decodes and encodes. One cache serves every connection thread. */
#ifndef KK_COMMON_RPC_CACHE_H
#define KK_COMMON_RPC_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/controller/ops.h"

struct kk_rpc_cache;
struct kk_store_readset;

/* A cache of at most max_bytes of replies (keys and read sets counted too). */
struct kk_rpc_cache *kk_rpc_cache_new(size_t max_bytes);
void kk_rpc_cache_free(struct kk_rpc_cache *c);
void kk_rpc_cache_freep(struct kk_rpc_cache **c);

/* Whether op's reply depends on the store's metadata alone. */
bool kk_rpc_cache_op(enum kk_op_id op);
/* The cached result (JSON text) for key if it was stored at generation gen and what it read
 * is unchanged: a new string, else NULL. */
char *kk_rpc_cache_get(struct kk_rpc_cache *c, const char *key, uint64_t gen);
/* Keep result (copied) for key, computed at generation gen from what rs saw (taken). */
void kk_rpc_cache_put(struct kk_rpc_cache *c, const char *key, uint64_t gen,
		      const char *result, struct kk_store_readset *rs);

#endif
