/* common/rpc/cache.c - see cache.h. A handful of entries, least recently used out first; a
 * lookup validates under the lock (a stat per file read), which keeps entries immutable and
 * the code simple. */
#include "common/rpc/cache.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/mem.h"
#include "common/store/readset.h"

#define MAX_ENTRIES 64

struct entry {
	char *key, *result; /* owned */
	uint64_t gen;
	struct kk_store_readset *rs; /* owned */
	size_t bytes;
	uint64_t used; /* the cache's clock at the last hit or put */
};

struct kk_rpc_cache {
	pthread_mutex_t mu;
	struct entry v[MAX_ENTRIES];
	size_t n, bytes, max_bytes;
	uint64_t clock;
};

struct kk_rpc_cache *kk_rpc_cache_new(size_t max_bytes)
{
	struct kk_rpc_cache *c = kk_xcalloc(1, sizeof(*c));

	pthread_mutex_init(&c->mu, NULL);
	c->max_bytes = max_bytes;
	return c;
}

static void entry_drop(struct kk_rpc_cache *c, size_t i)
{
	struct entry *e = &c->v[i];

	c->bytes -= e->bytes;
	free(e->key);
	free(e->result);
	kk_store_readset_free(e->rs);
	c->v[i] = c->v[--c->n];
}

void kk_rpc_cache_free(struct kk_rpc_cache *c)
{
	if (!c)
		return;
	while (c->n)
		entry_drop(c, c->n - 1);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

KK_DEFINE_FREEP(kk_rpc_cache)

bool kk_rpc_cache_op(enum kk_op_id op)
{
	/* GetCell, GetContainer and ListContainers ask containerd for live statuses */
	switch (op) {
	case KK_OP_GetRealm:
	case KK_OP_GetSpace:
	case KK_OP_GetStack:
	case KK_OP_ListRealms:
	case KK_OP_ListSpaces:
	case KK_OP_ListStacks:
	case KK_OP_ListCells:
		return true;
	default:
		return false;
	}
}

static ssize_t find(const struct kk_rpc_cache *c, const char *key)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i].key, key) == 0)
			return (ssize_t)i;
	return -1;
}

char *kk_rpc_cache_get(struct kk_rpc_cache *c, const char *key, uint64_t gen)
{
	char *out = NULL;
	ssize_t i;

	pthread_mutex_lock(&c->mu);
	i = find(c, key);
	if (i >= 0) {
		struct entry *e = &c->v[i];

		if (e->gen == gen && kk_store_readset_unchanged(e->rs)) {
			e->used = ++c->clock;
			out = kk_xstrdup(e->result);
		} else {
			entry_drop(c, (size_t)i);
		}
	}
	pthread_mutex_unlock(&c->mu);
	return out;
}

void kk_rpc_cache_put(struct kk_rpc_cache *c, const char *key, uint64_t gen,
		      const char *result, struct kk_store_readset *rs)
{
	size_t bytes = strlen(key) + strlen(result) + kk_store_readset_bytes(rs);
	ssize_t i;

	if (bytes > c->max_bytes) {
		kk_store_readset_free(rs);
		return;
	}
	pthread_mutex_lock(&c->mu);
	i = find(c, key);
	if (i >= 0)
		entry_drop(c, (size_t)i);
	while (c->n && (c->n == MAX_ENTRIES || c->bytes + bytes > c->max_bytes)) {
		size_t old = 0;

		for (size_t k = 1; k < c->n; k++)
			if (c->v[k].used < c->v[old].used)
				old = k;
		entry_drop(c, old);
	}
	c->v[c->n++] = (struct entry){ kk_xstrdup(key), kk_xstrdup(result), gen, rs, bytes,
				       ++c->clock };
	c->bytes += bytes;
	pthread_mutex_unlock(&c->mu);
}
