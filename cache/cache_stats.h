/*
 * cache_stats: the response cache's counters, one set per process, updated
 * with relaxed atomic adds by every worker and cache thread, read by
 * cache_stats_snapshot (for GET /metrics). Plain numbers, monotonic since
 * start-up, except `memcached_up` (a gauge: 1 while memcached answers).
 */
#ifndef CACHE_STATS_H
#define CACHE_STATS_H

#include <stdatomic.h>
#include <stdint.h>

/* A snapshot: what /metrics exports (names are the suggested metric suffixes). */
typedef struct cache_stats {
    uint64_t local_hits;     /* responses served from the in-process tier */
    uint64_t memcached_hits; /* responses served from memcached */
    uint64_t misses;         /* lookups that found no fresh entry (the database answered) */
    uint64_t stale_served;   /* stale entries served because the database was unavailable */
    uint64_t stores;         /* responses written to the cache */
    uint64_t errors;         /* memcached operations that failed (timeouts, connection errors) */
    uint64_t bytes_read;     /* value bytes read from memcached */
    uint64_t bytes_written;  /* value bytes sent to memcached */
    uint64_t flight_waits;   /* requests that waited on another request's fetch (single flight) */
    uint64_t unparsed_hits;  /* hits found by a request's bytes alone, before any parsing */
    uint64_t bypassed;       /* lookups answered as misses without asking memcached (queue full) */
    uint64_t apq_hits;       /* persisted query texts found */
    uint64_t apq_misses;     /* PersistedQueryNotFound answers */
    uint64_t memcached_up;   /* gauge: 1 while memcached answers, 0 after a failure */
} cache_stats;

/* The live counters (embedded in cache_shared). */
typedef struct cache_counters {
    _Atomic uint64_t local_hits, memcached_hits, misses, stale_served, stores, errors, bytes_read,
        bytes_written, flight_waits, unparsed_hits, bypassed, apq_hits, apq_misses, memcached_up;
} cache_counters;

static inline void cache_count(_Atomic uint64_t *counter, uint64_t n)
{
    atomic_fetch_add_explicit(counter, n, memory_order_relaxed);
}

void cache_counters_read(const cache_counters *c, cache_stats *out);

#endif
