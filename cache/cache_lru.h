/*
 * cache_lru: a bounded least-recently-used map from 32-byte digests to opaque
 * values, for one thread (no locks: each worker owns its own). Bounded both in
 * entries and in bytes (the caller says what a value weighs).
 *
 * Recency is kept nearly exactly: a hit on an entry that is already among
 * the most recent quarter does not move it (see cache_lru_get).
 *
 * Values can be pinned while a request uses them: an entry evicted while
 * pinned leaves the map at once but its value is freed only when the last pin
 * is released, so eviction never pulls memory from under a pending request.
 * It knows keys and bytes, never what the values mean.
 */
#ifndef CACHE_LRU_H
#define CACHE_LRU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { CACHE_KEY_BYTES = 32 };

typedef struct cache_lru cache_lru;
typedef struct cache_entry cache_entry;

typedef void (*cache_free_fn)(void *value);

/* max_entries and max_bytes must be > 0. NULL when out of memory. */
cache_lru *cache_lru_create(size_t max_entries, size_t max_bytes, cache_free_fn free_value);
/* Frees every value not pinned; pinned ones are freed by their last unpin. */
void cache_lru_destroy(cache_lru *lru);

/* The entry for key (now the most recent), pinned; NULL on a miss. Unpin when done. */
cache_entry *cache_lru_get(cache_lru *lru, const uint8_t key[CACHE_KEY_BYTES]);

/*
 * Inserts value under key (replacing an older entry), evicting the least
 * recent entries until both bounds hold, and returns the new entry pinned.
 * A value heavier than max_bytes is not kept: the entry is returned pinned
 * but detached, and freed at unpin. NULL when out of memory (value not taken).
 */
cache_entry *cache_lru_put(cache_lru *lru, const uint8_t key[CACHE_KEY_BYTES], void *value, size_t bytes);

void *cache_entry_value(const cache_entry *entry);
void cache_entry_unpin(cache_entry *entry);

typedef struct cache_lru_stats {
    size_t entries;
    size_t bytes;
    uint64_t hits;
    uint64_t misses;
    uint64_t evictions;
} cache_lru_stats;

void cache_lru_get_stats(const cache_lru *lru, cache_lru_stats *out);

/* SHA-256 of data (OpenSSL), the key derivation every cache here uses (cache_key.c). */
void cache_sha256(const void *data, size_t len, uint8_t out[CACHE_KEY_BYTES]);

#endif
