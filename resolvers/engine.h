/*
 * executor: runs one GraphQL request end to end, off the event loop's critical
 * path: parse, validate, choose the operation, coerce variables, plan each root
 * field into SQL, send every statement at once (the pool pipelines them), and
 * assemble the response in query order when the last one answers.
 *
 * rs_engine is shared by all threads and immutable (schema, limits);
 * rs_worker belongs to one thread and its event loop (the database pool).
 */
#ifndef RS_EXECUTOR_H
#define RS_EXECUTOR_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <h2o.h>

#include "resolvers/sql/auth_scope.h"
#include "cache/cache_shared.h"
#include "resolvers/db/db_coalesce.h"
#include "resolvers/db/db_pool.h"
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
} rs_limits;

/* The response cache and persisted queries (README "Caching"). */
typedef struct rs_cache_config {
    bool responses;             /* GQLD_CACHE: cache responses (persisted queries are kept either way) */
    cache_shared *shared;       /* memcached nodes and the counters; NULL: in-process tier only */
    size_t local_bytes;         /* in-process tier per thread; 0: off */
    unsigned local_ttl_ms;      /* how long the in-process tier serves an entry on its own */
    unsigned requests;          /* requests remembered by their bytes' digest (rs_execute_known); 0: none */
    unsigned default_max_age;   /* seconds, for root and object fields without a @cacheControl hint */
    unsigned stale_grace;       /* seconds an entry outlives its maxAge, for stale-if-error */
    unsigned apq_ttl;           /* seconds a persisted query text is kept */
    const char *prefix;         /* of every key */
    const char *schema_version; /* hex SHA-256 of the SDL: a new schema never reads old entries */
} rs_cache_config;

typedef struct rs_engine {
    const gql_schema *schema;
    rs_limits limits;
    rs_cache_config cache;
    bool introspection; /* answer __schema and __type; when false they are validation errors */
    unsigned
        db_coalesce; /* distinct parameter lists one shared statement may take (db_coalesce.h); <= 1: none */
    rs_auth_mode auth_mode; /* RS_AUTH_NONE (development): every request runs as an admin */
    /* Where the executor reports database failures (server log); may be NULL. */
    void (*log_error)(const char *msg, const char *detail);
} rs_engine;

typedef struct rs_worker rs_worker;

/* Checks the catalog against the schema: 0, or -1 with a message naming what is missing. */
int rs_engine_check(const rs_engine *engine, char *err, size_t errlen);

rs_worker *rs_worker_create(const rs_engine *engine, h2o_loop_t *loop, const db_pool_config *pool, char *err,
                            size_t errlen);
void rs_worker_destroy(rs_worker *worker);
db_pool *rs_worker_pool(rs_worker *worker);
void rs_worker_coalesce_stats(const rs_worker *worker, db_coalesce_stats *out);

typedef enum rs_outcome {
    RS_DATA,               /* executed: `data` present, maybe with field errors */
    RS_REQUEST_ERROR,      /* parse, validation or coercion failed: errors only, no `data` */
    RS_OVERLOADED,         /* the database queue is full: HTTP 503 */
    RS_METHOD_NOT_ALLOWED, /* a mutation in a request with forbid_mutations: HTTP 405, Allow: POST */
    RS_UNAVAILABLE,        /* every root field failed with DB_UNAVAILABLE: errors only, HTTP 503 */
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
} rs_facts;

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
    /* NULL, or response_request_digest of the request's bytes: remembered when the request is cacheable */
    const uint8_t *digest;
    bool known_miss; /* rs_execute_known has just found nothing under this request's key: not asked again */
} rs_request;

/* Called exactly once with the complete response body; it may run before rs_execute returns. */
typedef void (*rs_done_cb)(void *user, rs_outcome outcome, const char *body, size_t len);

/*
 * Starts executing. The request is only read during this call (the AST copies
 * what it keeps; a persisted query lookup copies what it needs).
 */
void rs_execute(rs_worker *worker, const rs_request *request, rs_done_cb done, void *user);

/*
 * Requests seen before. When a request with a digest (rs_request.digest) turns
 * out cacheable, its worker remembers what parsing it led to: the base of its
 * response key and its cache policy (bounded by rs_cache_config.requests, least
 * recently used first out). The same bytes always lead there again, so a
 * repeat is looked up in the cache before its JSON, document or variables are
 * read at all: the front door finds the digest (rs_known_find), checks the
 * credentials as usual, and calls rs_execute_known.
 */
typedef struct rs_known {
    uint8_t base_key[32]; /* response_base_key */
    unsigned max_age;     /* the cache policy */
    bool private_scope;
} rs_known;

/*
 * False when this worker remembers nothing (the response cache is off, or
 * GQLD_CACHE_REQUESTS=0), or when no cache tier can answer now (memcached
 * down and no in-process tier): then a request is parsed first, as usual.
 */
bool rs_worker_remembers(const rs_worker *worker);
/* True with *out set when the digest is remembered. */
bool rs_known_find(rs_worker *worker, const uint8_t digest[32], rs_known *out);

/*
 * The cache had no fresh answer: run the request the normal way (rs_execute),
 * with known_miss set as given (true when there was nothing at all; a stale
 * entry is looked up again, for stale-if-error).
 */
typedef void (*rs_fallback_cb)(void *user, bool known_miss);

/*
 * Looks a remembered request up for this principal. False when its response
 * may not be cached for it (PRIVATE data and an anonymous caller): nothing was
 * started, run it the normal way. True when started: exactly one of done (a
 * hit, with meta and facts filled as rs_execute would) or fallback runs, maybe
 * before this returns.
 */
bool rs_execute_known(rs_worker *worker, const rs_known *known, const rs_principal *principal,
                      rs_response_meta *meta, rs_facts *facts, rs_done_cb done, rs_fallback_cb fallback,
                      void *user);

#endif
