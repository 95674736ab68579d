/*
 * pipeline_internal: what the request pipeline's files share. A request goes
 * through them in one direction (start -> document -> cache lookup -> execute
 * -> respond, with the persisted query lookup before the document); a stage
 * that must come back to an earlier one later is handed a function pointer.
 *
 * rs_worker is one thread's: its database pool, its caches, its timers
 * (worker.c). rs_exec is one request's, allocated when it starts and freed by
 * respond() once the answer has gone out; its arena holds everything the
 * request builds (AST copies, plan, SQL text, rendered values).
 */
#ifndef RS_PIPELINE_INTERNAL_H
#define RS_PIPELINE_INTERNAL_H

#include <h2o.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "cache/cache_flight.h"
#include "cache/cache_lru.h"
#include "cache/cache_tiers.h"
#include "resolvers/db/db_coalesce.h"
#include "resolvers/db/db_pool.h"
#include "resolvers/engine.h"
#include "resolvers/pipeline/cache_policy.h"
#include "resolvers/sql/auth_scope.h"
#include "resolvers/sql/plan.h"
#include "schema/base/arena.h"
#include "schema/gql_errors.h"
#include "schema/gql_exec.h"

struct rs_worker {
    const rs_engine *engine;
    db_pool *pool;
    db_pool *writer;       /* mutations' writes (DATABASE_URL); the same as pool when they share it */
    db_coalesce *coalesce; /* every root statement goes through it (db_coalesce.h) */
    cache_lru *documents;  /* parsed and validated documents by SHA-256 of their text */
    cache_tiers *tiers;    /* responses and persisted queries: in-process tier and memcached */
    cache_flights *flights;
    h2o_socket_t *cache_sock; /* watches the memcached thread's results (a dup of its eventfd) */
    cache_lru *known; /* rs_known by the digest of a request's bytes (known_digest); NULL: none kept */
    h2o_loop_t *loop;
    /* 0 ms: hands one loop iteration's memcached operations to its thread at once (cache_mc_set_kick) */
    h2o_timeout_t cache_tick;
    h2o_timeout_entry_t cache_tick_entry;
    /* 10 ms: hands refreshes over when nothing sooner does (cache_mc_get_later) */
    h2o_timeout_t cache_later;
    h2o_timeout_entry_t cache_later_entry;
    bool closing; /* rs_worker_destroy has begun: no fallback may start a request */
    /* Expired idempotency keys, deleted in batches from the writer: soon after start, then every
       5 minutes, and again a second after a batch that was full (worker.c). */
    h2o_timeout_t purge_soon, purge_later;
    h2o_timeout_entry_t purge_entry;
    char purge_ttl[16];
    const char *purge_params[1];
    db_statement purge_stmt;
    bool purging;
};

/*
 * What a request's bytes led to when they were parsed and turned out
 * cacheable (rs_request.raw): the base of its response key and its cache
 * policy. The same bytes always lead there again.
 */
typedef struct rs_known {
    uint8_t base_key[CACHE_KEY_BYTES]; /* response_base_key */
    unsigned max_age;                  /* the cache policy */
    bool private_scope;
    double cost; /* the operation's static cost: a repeat is charged (rs_request.admit) without parsing */
} rs_known;

/* An operation of a document and its static cost (schema/gql_cost.h: Type Cost + Field Cost). */
typedef struct rs_op_cost {
    const gql_definition *operation;
    double cost;
} rs_op_cost;

/* A parsed, validated document, shared read-only by this thread's requests while pinned. */
typedef struct rs_document {
    base_arena arena;
    gql_document *doc;
    uint8_t digest[CACHE_KEY_BYTES]; /* of its tokens: the document part of response keys */
    rs_op_cost *costs;               /* one per operation, computed once when validated */
    size_t ncosts;
} rs_document;

/* The cost of one of a document's operations (0 when unknown). */
double document_cost(const rs_document *d, const gql_definition *operation);

/* Frees a document and its arena (the document cache's free function). */
void free_document(void *value);

typedef struct rs_exec rs_exec;
typedef struct rs_write rs_write;

typedef struct root_slot {
    rs_exec *exec;
    const gql_field_group *group;
    gql_path path;
    rs_plan plan;     /* plan.sql set: a statement to send */
    rs_write *write;  /* a mutation field's write (mutate.c) */
    const char *json; /* the rendered value; NULL while pending */
    size_t len;
} root_slot;

struct rs_exec {
    rs_worker *worker;
    base_arena arena;
    gql_errors errors;
    gql_exec_ctx ctx;
    root_slot *slots;
    size_t nslots;
    size_t pending;
    size_t unavailable;        /* root fields that failed with DB_UNAVAILABLE */
    rs_principal principal;    /* who reads: decides what the statements may return */
    gql_errors request_errors; /* from planning (limits): the request fails before anything is sent */
    rs_done_cb done;
    void *user;
    cache_entry *document; /* pinned until the response is written */
    size_t timeouts;       /* root fields that failed with DB_TIMEOUT */
    /* ---- response cache (see "the response cache" below) ---- */
    rs_response_meta meta; /* copied to the request's meta before done */
    rs_response_meta *meta_out;
    rs_cache_policy policy; /* from the @cacheControl hints of what the operation selects */
    char *stale;            /* a stale entry's body: served if the database is unavailable */
    size_t stale_len;
    rs_facts *facts;      /* the caller's, or NULL */
    uint64_t db_start_us; /* when the first statement was sent */
    /* ---- a mutation (mutate.c): its root fields one after another ---- */
    size_t next_root; /* the next slot to run */
    size_t committed; /* writes committed so far */
    /* ---- cost and admission ---- */
    double cost; /* the operation's static cost; < 0 until known */
    bool (*admit)(void *user, const rs_admission *admission); /* rs_request.admit */
    /* ---- packed last: the small fields of the sections above ---- */
    uint8_t key[CACHE_KEY_BYTES];
    uint8_t digest[CACHE_KEY_BYTES]; /* of the request's bytes (known_digest), when has_digest */
    unsigned stale_age;
    bool overloaded;
    bool cacheable; /* the response is stored when it has no errors */
    bool leader;    /* leads a flight for key: lands it */
    bool has_digest;
    bool known_miss; /* known_lookup_start has just found nothing under the key: not asked again */
    bool missed;     /* the response cache had nothing fresh: counted as a miss once planned */
    bool stopped;    /* a field failed: the ones after it do not run */
    bool admitted;   /* admit has said yes: a later stage does not ask again */
};

typedef struct flight_result {
    rs_outcome outcome;
    const char *body;
    size_t len;
    const rs_response_meta *meta;
} flight_result;

static inline uint64_t clock_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* What a stage calls to go on with a request whose query text is at hand (start.c). */
typedef void (*run_fn)(rs_exec *x, const rs_request *request);

/* respond.c: the way out. */
void respond(rs_exec *x, rs_outcome outcome, const char *body, size_t len);
void set_slot(root_slot *slot, const char *json);
void finish(rs_exec *x, rs_outcome outcome);

/* execute.c: plan every root field, send the statements, collect the answers (mutations: mutate.c). */
void execute_roots(rs_exec *x);

/* mutate.c: a mutation's root fields (x->slots, not yet resolved), one write after another. */
void mutate_roots(rs_exec *x);

/* document.c: the request's document, from this thread's cache or parsed and validated now. */
const gql_document *document_for(rs_exec *x, const rs_request *request);

/* cache_lookup.c: the response cache in front of execute_roots. */
bool cache_begin(rs_exec *x, const rs_request *request);

/*
 * cache_lookup.c, requests seen before: known_digest is true with the digest
 * of the request's bytes when this worker may remember them;
 * known_answer_local answers a remembered request from the in-process tier
 * (true: done has run); known_lookup_start asks memcached for one and runs a
 * copy of the request when nothing fresh is there (false: not started).
 */
bool known_digest(const rs_worker *w, const rs_request *request, uint8_t digest[CACHE_KEY_BYTES]);
bool known_answer_local(rs_worker *w, const rs_request *request, const uint8_t digest[CACHE_KEY_BYTES],
                        rs_done_cb done, void *user);
bool known_lookup_start(rs_exec *x, const rs_request *request, run_fn run);

/*
 * start.c: the cost check and the caller's budget, once the cost is known:
 * true to go on; false when the request was answered (COST_LIMIT_EXCEEDED or
 * RATE_LIMITED; x is gone).
 */
bool admit_request(rs_exec *x, gql_operation_type type);

/* respond.c: a body with extensions.cost spliced in (GQLD_COST_REPORT), malloc'd; NULL when out of memory. */
char *cost_report_body(const rs_engine *engine, double cost, bool stale, const char *body, size_t len,
                       size_t *out_len);

/* apq.c: the persisted query's text looked up by its hash, then run. */
void start_apq_lookup(rs_exec *x, const rs_request *request, run_fn run);

#endif
