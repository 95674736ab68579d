/*
 * engine: the one face of resolvers/ to the front doors (server/). It runs one
 * GraphQL request end to end without blocking the event loop: the response
 * cache first when the request's bytes were seen before, else parse, validate,
 * choose the operation, coerce variables, plan each root field into one SQL
 * statement, send every statement at once (the pool pipelines them), and
 * assemble the response in query order when the last one answers.
 *
 * rs_engine is shared by all threads and immutable (schema, limits);
 * rs_worker belongs to one thread and its event loop (the database pool, the
 * caches). Nothing here exposes libpq, the catalog or the pool: front doors
 * see requests, outcomes, a readiness ping and counters.
 */
#ifndef RS_EXECUTOR_H
#define RS_EXECUTOR_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <h2o.h>

#include "cache/cache_shared.h"
#include "resolvers/engine_db.h"
#include "resolvers/principal.h"
#include "schema/gql_schema.h"
#include "schema/gql_validate.h"

typedef struct rs_limits {
    size_t max_query_bytes;   /* document text size limit */
    size_t max_tokens;        /* parser token limit */
    size_t max_depth;         /* parser nesting limit */
    gql_doc_limits document;  /* selection depth, aliases and fields after fragment expansion */
    size_t max_arena_bytes;   /* memory one request (and one cached document) may use */
    size_t doc_cache_entries; /* parsed documents kept per thread */
    size_t doc_cache_bytes;   /* and their memory, per thread */
    unsigned list_default;    /* `first` of a list whose schema gives no default */
    unsigned list_max;        /* the largest `first`; lists without one return at most this many */
    double max_cost; /* GQLD_MAX_COST: an operation costing more is refused before any SQL; 0: none */
} rs_limits;

/* The response cache and persisted queries (README "Caching"). */
typedef struct rs_cache_config {
    bool responses;             /* GQLD_CACHE: cache responses (persisted queries are kept either way) */
    cache_shared *shared;       /* memcached nodes and the counters; NULL: in-process tier only */
    size_t local_bytes;         /* in-process tier per thread; 0: off */
    unsigned local_ttl_ms;      /* how long the in-process tier serves an entry on its own */
    unsigned requests;          /* requests remembered by their bytes' digest (rs_request.raw); 0: none */
    unsigned default_max_age;   /* seconds, for root and object fields without a @cacheControl hint */
    unsigned stale_grace;       /* seconds an entry outlives its maxAge, for stale-if-error */
    unsigned apq_ttl;           /* seconds a persisted query text is kept */
    const char *prefix;         /* of every key */
    const char *schema_version; /* hex SHA-256 of the SDL: a new schema never reads old entries */
} rs_cache_config;

/* Mutations' bounds (README "Placing orders"); their pool is rs_worker_create's `writer`. */
typedef struct rs_write_config {
    unsigned max_lines;    /* lines one order may have */
    unsigned max_quantity; /* units one line may order */
    unsigned key_ttl_s;    /* seconds an idempotency key keeps its order */
} rs_write_config;

typedef struct rs_engine {
    const gql_schema *schema;
    rs_limits limits;
    rs_cache_config cache;
    rs_write_config writes;
    bool introspection; /* answer __schema and __type; when false they are validation errors */
    bool suggestions;   /* "Did you mean ...?" in validation errors (never without introspection) */
    bool cost_report;   /* GQLD_COST_REPORT: extensions.cost = {requested, limit} in every answer */
    unsigned
        db_coalesce; /* distinct parameter lists one shared statement may take (db_coalesce.h); <= 1: none */
    rs_auth_mode auth_mode; /* RS_AUTH_NONE (development): every request runs as an admin */
    /* Where the executor reports database failures (server log); may be NULL. */
    void (*log_error)(const char *msg, const char *detail);
} rs_engine;

typedef struct rs_worker rs_worker;

/* Checks the catalog against the schema: 0, or -1 with a message naming what is missing. */
int rs_engine_check(const rs_engine *engine, char *err, size_t errlen);

/*
 * Whether a document would pass every check a request's document passes
 * (size, syntax, the document limits, validation, introspection when off,
 * the cost of each operation under GQLD_MAX_COST): 0, or -1 with its first
 * error ("line:column: message") in err. For documents known ahead (trusted
 * documents), on any thread.
 */
int rs_engine_validate(const rs_engine *engine, const char *text, size_t len, char *err, size_t errlen);

/*
 * pool: the queries' (the reader endpoint when there is one). writer: the
 * mutations' (DATABASE_URL, always the primary), or NULL: they share `pool`
 * (which must then be the primary's).
 */
rs_worker *rs_worker_create(const rs_engine *engine, h2o_loop_t *loop, const db_pool_config *pool,
                            const db_pool_config *writer, char *err, size_t errlen);
void rs_worker_destroy(rs_worker *worker);

/* A worker's database counters and gauges, for /metrics. */
typedef struct rs_worker_stats {
    db_pool_stats pool;
    db_coalesce_stats coalesce;
} rs_worker_stats;
void rs_worker_get_stats(const rs_worker *worker, rs_worker_stats *out);

/*
 * Readiness: whether this worker reaches the database now, by a trivial
 * statement through the same pool the queries use. With no live connection it
 * answers false at once (no connect timeout waited out). cb runs exactly once,
 * maybe before this returns.
 */
typedef void (*rs_ping_cb)(void *user, bool ok);
void rs_worker_ping(rs_worker *worker, rs_ping_cb cb, void *user);

typedef enum rs_outcome {
    RS_DATA,          /* executed: `data` present, maybe with field errors */
    RS_REQUEST_ERROR, /* parse, validation or coercion failed: errors only, no `data` */
    RS_OVERLOADED,    /* the database queue is full (a mutation: before anything was written): HTTP 503 */
    RS_METHOD_NOT_ALLOWED, /* a mutation in a request with forbid_mutations: HTTP 405, Allow: POST */
    /* every root field failed with DB_UNAVAILABLE (a mutation: its first write failed with
       DB_UNAVAILABLE or OUTCOME_UNKNOWN): errors only, HTTP 503 */
    RS_UNAVAILABLE,
    RS_RATE_LIMITED, /* the request's admit hook refused it (RATE_LIMITED): errors only, HTTP 429 */
} rs_outcome;

/* What a front door needs for its caching headers; filled before rs_done_cb runs. */
typedef struct rs_response_meta {
    unsigned max_age;   /* Cache-Control: max-age=N (public or private); 0: no-store */
    bool private_scope; /* the response touched PRIVATE data */
    bool hit;           /* served from the response cache */
    unsigned age;       /* seconds since a cached response was made (an Age header) */
    bool stale;         /* served past its maxAge because the database is unavailable (Warning 110) */
    bool apq_not_found; /* PersistedQueryNotFound: Cache-Control: private, no-cache, must-revalidate */
} rs_response_meta;
/*
 * What one request cost below GraphQL, for the access log and metrics. The
 * caller owns it (it must outlive the done callback); the executor fills it
 * before done runs.
 */
typedef struct rs_facts {
    uint64_t db_us;          /* from sending the first statement to the last answer; 0 when none was sent */
    unsigned db_statements;  /* statements sent */
    unsigned db_timeouts;    /* statements that failed with DB_TIMEOUT */
    unsigned db_unavailable; /* DB_UNAVAILABLE (no connection, or it broke) */
    unsigned db_failures;    /* rejected by the server (SQL errors) */
    const char *cache;       /* the response cache's answer ("local", "memcached", "miss"...); NULL: off */
    double cost;             /* the operation's static cost (schema/gql_cost.h); < 0 when not known */
} rs_facts;

/*
 * What the engine knows of a request once its operation and cost are known,
 * before it looks in the response cache or sends any SQL: what a front door
 * charges a caller's budget with (rs_request.admit).
 */
typedef struct rs_admission {
    double cost;             /* the operation's static cost, under GQLD_MAX_COST */
    gql_operation_type type; /* query or mutation */
} rs_admission;

typedef struct rs_request {
    const char *query; /* NULL only with apq_hash */
    size_t query_len;
    const char *operation_name; /* NULL when none */
    const json_t *variables;    /* NULL or a JSON object */
    bool forbid_mutations;      /* GET: a mutation is refused (GraphQL over HTTP), before it runs */
    rs_principal principal;     /* who asks; the zero value is anonymous (auth_scope.h) */
    /*
     * Automatic persisted queries: extensions.persistedQuery.sha256Hash (64 hex
     * digits) or NULL. With no query, the text is looked up by it (unknown:
     * PersistedQueryNotFound); with a query, the front door has checked that
     * the hash is the query's, and the text is stored once it validates.
     */
    const char *apq_hash;
    rs_response_meta *meta; /* NULL, or filled before done runs */
    rs_facts *facts;        /* optional: filled in before done runs */
    /*
     * Optional: called once per request, with done's user, when its cost is
     * known and before the cache or the database is asked (a cached answer is
     * charged as much as a fresh one). False refuses it: done then runs with
     * RS_RATE_LIMITED and a RATE_LIMITED error body the front door may replace.
     */
    bool (*admit)(void *user, const rs_admission *admission);
    /*
     * NULL, or the bytes that carried the parameters (a GET's query string
     * without '?', with raw_in_url; a POST's JSON body). A request whose bytes
     * turn out cacheable is remembered by their digest with what parsing them
     * led to (its response key's base and cache policy; at most
     * rs_cache_config.requests per worker, least recently used first out), so
     * a repeat for a principal who may read it from the cache is answered
     * before its document or variables are looked at again.
     */
    const char *raw;
    size_t raw_len;
    bool raw_in_url;
} rs_request;

/*
 * Automatic persisted queries (rs_request.apq_hash): what a front door checks
 * before it sends a hash. True when hash is 64 hex digits; true when hash is
 * the lower-case hex SHA-256 of query (what Apollo clients send).
 */
bool apq_hash_valid(const char *hash, size_t len);
bool apq_hash_matches(const char *query, size_t len, const char *hash);

/* Called exactly once with the complete response body; it may run before rs_execute returns. */
typedef void (*rs_done_cb)(void *user, rs_outcome outcome, const char *body, size_t len);

/*
 * Starts executing: the engine's one entry point for a request, whoever sends
 * it (the HTTP listener, the Lambda front door, tests). The request is only
 * read during this call (the AST copies what it keeps; a lookup that waits on
 * memcached copies what it needs). The caller has checked the parameters and
 * the credentials.
 */
void rs_execute(rs_worker *worker, const rs_request *request, rs_done_cb done, void *user);

#endif
