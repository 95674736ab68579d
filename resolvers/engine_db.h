/*
 * engine_db: what the engine's face says about its database, without libpq:
 * how a worker's pool connects (its configuration) and what it has done (its
 * counters, for /metrics). The pool itself, its queries and PGresult stay
 * private to resolvers/db/.
 */
#ifndef RS_ENGINE_DB_H
#define RS_ENGINE_DB_H

#include <stdint.h>

/*
 * How statements travel. PREPARED: named prepared statements per connection
 * and statement_timeout in the startup packet (fastest against PostgreSQL
 * directly). PROXY, for RDS Proxy and other transaction poolers: no session
 * state at all, so the proxy can multiplex without pinning: every statement is
 * an unnamed Parse/Bind/Execute (PQsendQueryParams), no SET, no startup
 * `options` (RDS Proxy pins on, or rejects, startup options). The statement
 * timeout is then enforced on the client side only: see db_pool.c.
 */
typedef enum db_protocol {
    DB_PROTOCOL_PREPARED,
    DB_PROTOCOL_PROXY,
} db_protocol;

typedef struct db_pool_config {
    const char *conninfo;          /* libpq URI or key=value conninfo */
    unsigned size;                 /* connections in this pool, >= 1 */
    unsigned pipeline_depth;       /* statements in flight per connection, >= 1 */
    unsigned queue_max;            /* queries waiting for a connection; beyond it: DB_ERR_OVERLOADED */
    unsigned statement_timeout_ms; /* per statement; 0 = none (and no client-side deadline either) */
    unsigned connect_timeout_ms;   /* per connection attempt; also how long a query waits for one; >= 1 */
    db_protocol protocol;          /* PREPARED (the zero value) or PROXY */
    unsigned idle_check_ms;        /* a connection idle this long is checked before use; 0 = never */
} db_pool_config;

typedef struct db_pool_stats {
    unsigned connections_up;
    unsigned connections_busy; /* up, with at least one statement in flight (or an idle check) */
    unsigned in_flight;
    unsigned waiting;
    uint64_t statements_sent; /* statements executed (prepare steps not counted; a re-run counts again) */
    uint64_t reconnects;      /* connections re-established after being up once (not first connects) */
    uint64_t health_checks;   /* idle checks sent (an empty query each; not in statements_sent) */
} db_pool_stats;

typedef struct db_coalesce_stats {
    uint64_t queries;    /* queries asked */
    uint64_t shared;     /* queries answered by a statement that answered others too */
    uint64_t retried;    /* shared statements that failed and were run again one parameter list at a time */
    uint64_t statements; /* statements sent (shared, single and retries) */
} db_coalesce_stats;

#endif
