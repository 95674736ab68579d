/*
 * cache_value: the bytes stored under a key, in both tiers. A fixed header
 * (magic, creation time, maxAge, stale grace) then the payload (a response
 * body or a persisted query text), so a reader decides fresh / stale /
 * expired without trusting memcached's own expiry, which is maxAge + grace.
 */
#ifndef CACHE_VALUE_H
#define CACHE_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { CACHE_VALUE_HEADER = 20 };

typedef struct cache_value_meta {
    uint64_t created_ms; /* wall clock (CLOCK_REALTIME): shared by every process of a deploy */
    uint32_t max_age_s;
    uint32_t grace_s;
} cache_value_meta;

typedef enum cache_freshness {
    CACHE_FRESH,   /* younger than maxAge */
    CACHE_STALE,   /* past maxAge, within the grace: only for stale-if-error */
    CACHE_EXPIRED, /* or unreadable */
} cache_freshness;

/* Header + payload in one malloc'd block (*len set); NULL when out of memory. */
char *cache_value_encode(const cache_value_meta *meta, const char *payload, size_t payload_len, size_t *len);

/* Reads the header; -1 when the bytes are not a value of this format. */
int cache_value_decode(const char *value, size_t len, cache_value_meta *meta, const char **payload,
                       size_t *payload_len);

cache_freshness cache_value_freshness(const cache_value_meta *meta, uint64_t now_ms);

/* Whole seconds since creation (0 if the clock went back). */
uint32_t cache_value_age_s(const cache_value_meta *meta, uint64_t now_ms);

/* CLOCK_REALTIME in milliseconds. */
uint64_t cache_now_ms(void);

#endif
