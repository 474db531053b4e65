/* common/store/readset.h - what a read-only call looked at in the store, so its result can
 * be reused while nothing it depends on has changed (kukeond's reply cache).
 *
 * Two witnesses, because either alone can be fooled:
 *  - the store's write generation: a counter in <run>/.kukeon-store.gen, shared by every
 *    process through a MAP_SHARED mapping and bumped after each metadata write, delete or
 *    tree removal (kukeond's threads, an in-process `kuke --no-daemon`, its reconcile loop).
 *    A metadata rewrite can reuse the inode just freed, with the same size and the same
 *    coarse (jiffy) timestamps, so stat alone would miss it.
 *  - the stat of every file read and directory listed (device, inode, size, mtime, ctime)
 *    or its absence: catches writers that do not bump the counter (an operator's editor,
 *    another implementation on the same run path).
 * Stats are taken before the read, so a change racing the read shows as a mismatch later. */
#ifndef KK_COMMON_STORE_READSET_H
#define KK_COMMON_STORE_READSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

struct kk_store;
struct kk_store_readset;

struct kk_store_readset *kk_store_readset_new(void);
void kk_store_readset_free(struct kk_store_readset *rs);
/* Note path as it is now (its stat, or that it is absent). */
void kk_store_readset_note(struct kk_store_readset *rs, const char *path);
/* Roughly the memory rs holds, for cache accounting. */
size_t kk_store_readset_bytes(const struct kk_store_readset *rs);
/* True when every path noted is as it was (same identity, size and times, or still
 * absent). */
bool kk_store_readset_unchanged(const struct kk_store_readset *rs);

/* Record every metadata file read and directory listed through st into rs, until called
 * with NULL. st does not own rs. */
void kk_store_record(struct kk_store *st, struct kk_store_readset *rs);
/* The store's write generation (see above). -1 when the counter file cannot be mapped:
 * then nothing may be reused. */
int kk_store_generation(struct kk_store *st, uint64_t *out, struct kk_err *err);

#endif
