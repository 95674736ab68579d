/*
 * cache_shared: what the cache threads of one process share: the settings,
 * the memcached node list (static, or refreshed by the ElastiCache discovery
 * poller, with a generation number so each cache thread notices a change),
 * the up/down state (logged once per change, never per request) and the
 * counters. Created once before the workers start, destroyed after they stop.
 */
#ifndef CACHE_SHARED_H
#define CACHE_SHARED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cache/cache_stats.h"

/* Log sink (the server's): level "info" / "warn", a message, one detail. */
typedef void (*cache_log_fn)(const char *level, const char *msg, const char *detail);

typedef struct cache_settings {
    const char *servers;   /* "host:port,host:port" (MEMCACHED_SERVERS); may be "" */
    const char *discovery; /* ElastiCache configuration endpoint host:port, or "" */
    unsigned discovery_interval_ms;
    unsigned connect_timeout_ms;
    unsigned poll_timeout_ms;
    unsigned retry_timeout_s;
    cache_log_fn log; /* may be NULL */
} cache_settings;

typedef struct cache_shared cache_shared;

/* Starts the discovery poller when s->discovery is set. NULL with err on failure. */
cache_shared *cache_shared_create(const cache_settings *s, char *err, size_t errlen);
void cache_shared_destroy(cache_shared *shared);

const cache_settings *cache_shared_settings(const cache_shared *shared);
cache_counters *cache_shared_counters(cache_shared *shared);

/* True when memcached is configured at all (servers or discovery). */
bool cache_shared_has_memcached(const cache_shared *shared);

/* Copies the node list into buf and returns its generation (changes when the list does). */
uint64_t cache_shared_servers(cache_shared *shared, char *buf, size_t size);
/* Replaces the node list (the discovery poller); logs when it changed. */
void cache_shared_set_servers(cache_shared *shared, const char *servers);
uint64_t cache_shared_generation(cache_shared *shared);

/* A cache thread's verdict on its last batch: ok, or failed with libmemcached's reason. */
void cache_shared_report(cache_shared *shared, bool ok, const char *reason);
/*
 * True while the only memcached node is down (from a failed batch until it
 * answers again, as the log's state lines say): operations are not worth
 * handing to the cache threads (cache_mc). With several nodes libmemcached
 * takes a failed one out and the others keep answering, so never.
 */
bool cache_shared_bypass(const cache_shared *shared);

/* The counters now (for GET /metrics). */
void cache_stats_snapshot(const cache_shared *shared, cache_stats *out);

#endif
