/*
 * metrics: what the server counts, rendered as Prometheus text (GET /metrics)
 * and as CloudWatch Embedded Metric Format lines on stdout (GQLD_EMF=1).
 *
 * Cost on the hot path: each worker thread owns one metrics_worker and is its
 * only writer, so an update is a relaxed atomic load and store of its own
 * cache lines (plain moves on x86: no lock prefix, no contention, no
 * allocation). Readers (a /metrics request on any thread, the EMF flusher on
 * the main thread) sum every worker with relaxed loads: a reading may see one
 * request half counted, never a torn or lost count.
 *
 * The database pool belongs to its worker's loop, so a worker publishes its
 * pool's gauges into its own slot (metrics_publish_pool, at most once per
 * loop millisecond) instead of readers touching another thread's pool.
 *
 * Sources that live elsewhere plug in as hooks: the response cache's counters
 * come from a metrics_cache_source (until one is set they render as 0).
 */
#ifndef GQLD_METRICS_H
#define GQLD_METRICS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cache/cache_ratelimit.h"
#include "resolvers/engine.h"
#include "schema/base/buf.h"

/* Where a request went: a label of the request metrics (bounded, unlike paths). */
typedef enum metrics_route {
    METRICS_ROUTE_GRAPHQL,
    METRICS_ROUTE_HEALTHZ,
    METRICS_ROUTE_READYZ,
    METRICS_ROUTE_METRICS,
    METRICS_ROUTE_PLAYGROUND,
    METRICS_ROUTE_OTHER,
    METRICS_ROUTES
} metrics_route;

/* Latency histogram: upper bounds in microseconds (metrics.c), plus +Inf. */
enum { METRICS_LATENCY_BOUNDS = 15, METRICS_LATENCY_SLOTS = METRICS_LATENCY_BOUNDS + 1 };
/* Query cost histogram: upper bounds 1, 10, ... 10^8 cost points, plus +Inf. */
enum { METRICS_COST_BOUNDS = 9, METRICS_COST_SLOTS = METRICS_COST_BOUNDS + 1 };

/* The response cache's counters, as the cache reports them (a snapshot since start-up). */
typedef struct metrics_cache_counts {
    uint64_t hits_local;     /* answered from the in-process tier */
    uint64_t hits_memcached; /* answered from memcached */
    uint64_t misses;         /* no tier had it */
    uint64_t stale_served;   /* served stale because the database failed (stale-if-error) */
    uint64_t errors;         /* cache tier errors (memcached down, timeouts) */
    uint64_t stores;         /* responses written to the cache */
    uint64_t bytes_read;     /* value bytes read from memcached */
    uint64_t bytes_written;  /* value bytes sent to memcached */
    uint64_t flight_waits;   /* requests that waited on another's fetch of the same key */
    uint64_t unparsed_hits;  /* hits found by the request's bytes, before parsing */
    uint64_t apq_hits;       /* persisted query texts found */
    uint64_t apq_misses;     /* PersistedQueryNotFound answers */
    uint64_t memcached_up;   /* gauge: 1 while memcached answers */
} metrics_cache_counts;

/* Fills *out; called from any thread, so it must be thread-safe. */
typedef void (*metrics_cache_source)(void *user, metrics_cache_counts *out);

/* The rate limiter's counters (cache/cache_ratelimit.h); false when no budget is set (nothing rendered). */
typedef bool (*metrics_ratelimit_source)(void *user, cache_rl_stats *out);

typedef struct metrics metrics;
typedef struct metrics_worker metrics_worker;

/* One slot per worker thread; NULL when out of memory. */
metrics *metrics_create(unsigned nworkers);
void metrics_destroy(metrics *m);
metrics_worker *metrics_worker_at(metrics *m, unsigned index);

/* Set once before the workers start; NULL renders the cache metrics as 0. */
void metrics_set_cache_source(metrics *m, metrics_cache_source source, void *user);
void metrics_set_ratelimit_source(metrics *m, metrics_ratelimit_source source, void *user);

/* Which route a normalized path is. */
metrics_route metrics_route_of(const char *path, size_t len);

/* Counts one answered request; facts (database time and errors) may be NULL. */
void metrics_record(metrics_worker *w, metrics_route route, int status, uint64_t duration_us,
                    const rs_facts *facts);

/* The worker's pool gauges, from its own thread. */
void metrics_publish_pool(metrics_worker *w, const rs_worker_stats *stats, unsigned pool_size);

/* Appends the Prometheus text exposition (version 0.0.4) of every counter. */
void metrics_render_prometheus(const metrics *m, base_buf *out);

/*
 * EMF: the totals at the previous line, so each line carries what happened
 * since (CloudWatch sums the lines). Owned by the one thread that writes them.
 */
typedef struct metrics_emf_state {
    uint64_t requests, status_4xx, status_5xx, latency_sum_us, db_errors, db_us;
    uint64_t latency[METRICS_LATENCY_SLOTS];
    uint64_t cache_hits, cache_misses;
} metrics_emf_state;

/*
 * Appends one EMF document (one JSON line, newline included) with the /graphql
 * requests since *state and the current pool gauges, under namespace ns with
 * the dimension Service=gqld; advances *state.
 */
void metrics_emf_line(const metrics *m, metrics_emf_state *state, const char *ns, base_buf *out);

#endif
