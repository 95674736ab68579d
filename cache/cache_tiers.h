/*
 * cache_tiers: one worker's two cache tiers behind one lookup: the in-process
 * LRU (bounded bytes, checked on the loop with no round trip, each entry asked
 * of memcached again in the background every local TTL) and memcached
 * (cache_mc, off the loop). A memcached hit
 * refills the in-process tier. Values are cache_value blocks, so both tiers
 * tell fresh from stale the same way. Keys are 32-byte digests; a namespace
 * letter keeps responses and persisted queries apart.
 */
#ifndef CACHE_TIERS_H
#define CACHE_TIERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cache/cache_lru.h"
#include "cache/cache_shared.h"
#include "cache/cache_value.h"

typedef struct cache_tiers_config {
    size_t local_bytes;    /* 0: no in-process tier */
    unsigned local_ttl_ms; /* how often the in-process tier asks memcached again for an entry it serves */
    const char *prefix;    /* of memcached keys */
} cache_tiers_config;

typedef struct cache_tiers cache_tiers;

/* shared NULL (or without nodes): no memcached tier. NULL with err on failure. */
cache_tiers *cache_tiers_create(cache_shared *shared, const cache_tiers_config *cfg, char *err,
                                size_t errlen);
/* Lookups still waiting on memcached are answered now (as misses, or the in-process entry). */
void cache_tiers_destroy(cache_tiers *t);

/* The fd to watch for memcached results (-1 without memcached); call dispatch when readable. */
int cache_tiers_fd(const cache_tiers *t);
void cache_tiers_dispatch(cache_tiers *t);
/* Holds memcached operations until cache_tiers_flush: see cache_mc_set_kick. */
void cache_tiers_set_kick(cache_tiers *t, void (*kick)(void *user), void (*kick_later)(void *user),
                          void *user);
void cache_tiers_flush(cache_tiers *t);

typedef enum cache_namespace {
    CACHE_NS_RESPONSE = 'r',
    CACHE_NS_APQ = 'a',
} cache_namespace;

typedef enum cache_tier {
    CACHE_TIER_NONE,
    CACHE_TIER_LOCAL,
    CACHE_TIER_MEMCACHED,
} cache_tier;

typedef struct cache_hit {
    cache_freshness freshness; /* CACHE_EXPIRED: nothing usable (a miss) */
    cache_tier tier;
    cache_value_meta meta;
    const char *payload; /* valid during the callback only */
    size_t len;
} cache_hit;

typedef void (*cache_lookup_cb)(void *user, const cache_hit *hit);

/* cb runs exactly once, maybe before this returns (an in-process hit, or no memcached). */
void cache_tiers_lookup(cache_tiers *t, cache_namespace ns, const uint8_t key[CACHE_KEY_BYTES],
                        cache_lookup_cb cb, void *user);

/*
 * The in-process tier alone, synchronously: true when it holds a fresh entry
 * (past its local TTL, memcached is asked for it in the background), with *hit filled and
 * counted as a local hit, and *pin holding the entry while hit->payload is
 * read (cache_entry_unpin it after). False: ask cache_tiers_lookup. For the
 * hottest path, a hit with no allocation and no callback.
 */
bool cache_tiers_local_hit(cache_tiers *t, cache_namespace ns, const uint8_t key[CACHE_KEY_BYTES],
                           cache_hit *hit, cache_entry **pin);

/* False when no tier can answer now: no in-process tier, and memcached is down (cache_shared_bypass). */
bool cache_tiers_can_hit(const cache_tiers *t);

/* Stores payload in both tiers; memcached keeps it for max_age + grace seconds. */
void cache_tiers_store(cache_tiers *t, cache_namespace ns, const uint8_t key[CACHE_KEY_BYTES],
                       const char *payload, size_t len, uint32_t max_age_s, uint32_t grace_s);

/* Turns a digest into a memcached key: <prefix>:<ns>:<64 hex digits> (out: at least 100 bytes). */
void cache_tiers_mc_key(const char *prefix, cache_namespace ns, const uint8_t key[CACHE_KEY_BYTES], char *out,
                        size_t size);

#endif
