#include "resolvers/engine.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cache/cache_flight.h"
#include "cache/cache_lru.h"
#include "resolvers/pipeline/cache_policy.h"
#include "cache/cache_tiers.h"
#include "resolvers/sql/catalog.h"
#include "schema/base/buf.h"
#include "schema/gql_errors.h"
#include "schema/gql_exec.h"
#include "schema/gql_introspect.h"
#include "schema/gql_parser.h"
#include "schema/gql_validate.h"
#include "resolvers/sql/plan.h"
#include "resolvers/sql/render.h"
#include "resolvers/pipeline/response_cache.h"
#include "resolvers/sql/sql_build.h"

struct rs_worker {
    const rs_engine *engine;
    db_pool *pool;
    db_coalesce *coalesce; /* every root statement goes through it (db_coalesce.h) */
    cache_lru *documents;  /* parsed and validated documents by SHA-256 of their text */
    cache_tiers *tiers;    /* responses and persisted queries: in-process tier and memcached */
    cache_flights *flights;
    h2o_socket_t *cache_sock; /* watches the memcached thread's results (a dup of its eventfd) */
    cache_lru *known;         /* rs_known by request digest (rs_known_find); NULL: none kept */
    h2o_loop_t *loop;
    /* 0 ms: hands one loop iteration's memcached operations to its thread at once (cache_mc_set_kick) */
    h2o_timeout_t cache_tick;
    h2o_timeout_entry_t cache_tick_entry;
    /* 10 ms: hands refreshes over when nothing sooner does (cache_mc_get_later) */
    h2o_timeout_t cache_later;
    h2o_timeout_entry_t cache_later_entry;
    bool closing; /* rs_worker_destroy has begun: no fallback may start a request */
};

_Static_assert(sizeof(((rs_known *)0)->base_key) == CACHE_KEY_BYTES, "a base key is a cache key");

/* A parsed, validated document, shared read-only by this thread's requests while pinned. */
typedef struct rs_document {
    base_arena arena;
    gql_document *doc;
    uint8_t digest[CACHE_KEY_BYTES]; /* of its tokens: the document part of response keys */
} rs_document;

static void free_document(void *value)
{
    rs_document *d = value;
    base_arena_free(&d->arena);
    free(d);
}

typedef struct rs_exec rs_exec;

typedef struct root_slot {
    rs_exec *exec;
    const gql_field_group *group;
    gql_path path;
    rs_plan plan;     /* plan.sql set: a statement to send */
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
    bool overloaded;
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
    bool cacheable;         /* the response is stored when it has no errors */
    bool leader;            /* leads a flight for key: lands it */
    uint8_t key[CACHE_KEY_BYTES];
    char *stale; /* a stale entry's body: served if the database is unavailable */
    size_t stale_len;
    unsigned stale_age;
    rs_facts *facts;                 /* the caller's, or NULL */
    uint64_t db_start_us;            /* when the first statement was sent */
    uint8_t digest[CACHE_KEY_BYTES]; /* the request's (rs_request.digest), when has_digest */
    bool has_digest;
    bool known_miss; /* rs_request.known_miss */
};

static uint64_t clock_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int rs_engine_check(const rs_engine *engine, char *err, size_t errlen)
{
    return catalog_check(engine->schema, err, errlen);
}

static void on_cache_readable(h2o_socket_t *sock, const char *err)
{
    (void)err;
    rs_worker *w = sock->data;
    cache_tiers_dispatch(w->tiers);
}

static void on_cache_tick(h2o_timeout_entry_t *entry)
{
    rs_worker *w = H2O_STRUCT_FROM_MEMBER(rs_worker, cache_tick_entry, entry);
    cache_tiers_flush(w->tiers);
}

static void on_cache_later(h2o_timeout_entry_t *entry)
{
    rs_worker *w = H2O_STRUCT_FROM_MEMBER(rs_worker, cache_later_entry, entry);
    cache_tiers_flush(w->tiers);
}

static void kick_cache(void *user)
{
    rs_worker *w = user;
    if (!h2o_timeout_is_linked(&w->cache_tick_entry))
        h2o_timeout_link(w->loop, &w->cache_tick, &w->cache_tick_entry);
}

static void kick_cache_later(void *user)
{
    rs_worker *w = user;
    if (!h2o_timeout_is_linked(&w->cache_later_entry))
        h2o_timeout_link(w->loop, &w->cache_later, &w->cache_later_entry);
}

/* The cache tiers, single flight and the loop's watch on memcached's results. */
static int cache_start(rs_worker *w, h2o_loop_t *loop, char *err, size_t errlen)
{
    const rs_cache_config *c = &w->engine->cache;
    cache_tiers_config tc = {c->local_bytes, c->local_ttl_ms, c->prefix};
    w->tiers = cache_tiers_create(c->shared, &tc, err, errlen);
    if (w->tiers != NULL) {
        w->loop = loop;
        h2o_timeout_init(loop, &w->cache_tick, 0);
        w->cache_tick_entry.cb = on_cache_tick;
        h2o_timeout_init(loop, &w->cache_later, 10);
        w->cache_later_entry.cb = on_cache_later;
        cache_tiers_set_kick(w->tiers, kick_cache, kick_cache_later, w);
    }
    w->flights = w->tiers != NULL ? cache_flights_create() : NULL;
    /* A remembered request weighs its rs_known, the map's entry and malloc's headers: about 160 bytes. */
    if (w->flights != NULL && c->responses && c->requests > 0 &&
        (w->known = cache_lru_create(c->requests, (size_t)c->requests * 160, free)) == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (w->flights == NULL) {
        if (w->tiers != NULL)
            snprintf(err, errlen, "out of memory");
        return -1;
    }
    /* h2o watches a duplicate: closing its wrapper must not close the cache thread's eventfd. */
    int fd = cache_tiers_fd(w->tiers) >= 0 ? dup(cache_tiers_fd(w->tiers)) : -1;
    if (fd >= 0) {
        fcntl(fd, F_SETFL, O_NONBLOCK);
        w->cache_sock = h2o_evloop_socket_create(loop, fd, H2O_SOCKET_FLAG_DONT_READ);
        w->cache_sock->data = w;
        h2o_socket_read_start(w->cache_sock, on_cache_readable);
    }
    return 0;
}

rs_worker *rs_worker_create(const rs_engine *engine, h2o_loop_t *loop, const db_pool_config *pool, char *err,
                            size_t errlen)
{
    rs_worker *w = calloc(1, sizeof(*w));
    if (w == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    w->engine = engine;
    w->documents =
        cache_lru_create(engine->limits.doc_cache_entries ? engine->limits.doc_cache_entries : 1,
                         engine->limits.doc_cache_bytes ? engine->limits.doc_cache_bytes : 1, free_document);
    if (w->documents == NULL)
        snprintf(err, errlen, "out of memory");
    w->pool = w->documents != NULL && cache_start(w, loop, err, errlen) == 0
                  ? db_pool_create(loop, pool, err, errlen)
                  : NULL;
    if (w->pool != NULL && (w->coalesce = db_coalesce_create(w->pool, loop, engine->db_coalesce)) == NULL)
        snprintf(err, errlen, "out of memory");
    if (w->coalesce == NULL) {
        rs_worker_destroy(w);
        return NULL;
    }
    return w;
}

void rs_worker_destroy(rs_worker *worker)
{
    if (worker == NULL)
        return;
    if (worker->cache_sock != NULL) {
        h2o_socket_read_stop(worker->cache_sock);
        h2o_socket_close(worker->cache_sock);
    }
    /* Lookups still waiting on memcached go on as misses: to the pool, which fails them as it shuts down. */
    worker->closing = true;
    cache_tiers_destroy(worker->tiers); /* with the operations still held: answered as misses */
    if (worker->loop != NULL) {
        h2o_timeout_unlink(&worker->cache_tick_entry);
        h2o_timeout_dispose(worker->loop, &worker->cache_tick);
        h2o_timeout_unlink(&worker->cache_later_entry);
        h2o_timeout_dispose(worker->loop, &worker->cache_later);
    }
    cache_lru_destroy(worker->known);
    db_pool_destroy(worker->pool);
    db_coalesce_destroy(worker->coalesce); /* after the pool: its answers in flight go through it */
    cache_flights_destroy(worker->flights);
    cache_lru_destroy(worker->documents);
    free(worker);
}

db_pool *rs_worker_pool(rs_worker *worker)
{
    return worker->pool;
}

void rs_worker_coalesce_stats(const rs_worker *worker, db_coalesce_stats *out)
{
    db_coalesce_get_stats(worker->coalesce, out);
}

/* ---- finishing ---- */

static void release_exec(rs_exec *x)
{
    if (x->document != NULL)
        cache_entry_unpin(x->document);
    free(x->stale);
    base_arena_free(&x->arena);
    free(x);
}

typedef struct flight_result {
    rs_outcome outcome;
    const char *body;
    size_t len;
    const rs_response_meta *meta;
} flight_result;

/* The one way out: caching facts to the front door, the response, then the requests that waited on it. */
static void respond(rs_exec *x, rs_outcome outcome, const char *body, size_t len)
{
    if (x->meta_out != NULL)
        *x->meta_out = x->meta;
    if (x->facts != NULL && x->facts->cache == NULL) /* the access log's "cache": how the cache answered */
        x->facts->cache = x->meta.stale                        ? "stale"
                          : x->cacheable                       ? "miss"
                          : x->worker->engine->cache.responses ? "bypass"
                                                               : NULL;
    x->done(x->user, outcome, body, len);
    if (x->leader) {
        flight_result r = {outcome, body, len, &x->meta};
        cache_flight_land(x->worker->flights, x->key, &r);
    }
    release_exec(x);
}

/*
 * A response from the database: stored when cacheable and error-free; when
 * the database was unavailable and a stale entry is at hand, the stale entry
 * is served instead, marked (stale-if-error).
 */
static void deliver(rs_exec *x, rs_outcome outcome, const char *body, size_t len)
{
    rs_worker *w = x->worker;
    const rs_cache_config *c = &w->engine->cache;
    bool clean = outcome == RS_DATA && x->errors.count == 0;
    if (x->stale != NULL && (x->unavailable > 0 || x->timeouts > 0 || outcome == RS_UNAVAILABLE)) {
        size_t marked_len;
        char *marked = response_mark_stale(x->stale, x->stale_len, x->stale_age, &marked_len);
        if (marked != NULL) {
            if (c->shared != NULL)
                cache_count(&cache_shared_counters(c->shared)->stale_served, 1);
            x->meta = (rs_response_meta){
                .private_scope = x->policy.private_scope, .hit = true, .age = x->stale_age, .stale = true};
            respond(x, RS_DATA, marked, marked_len);
            free(marked);
            return;
        }
    }
    if (clean && x->cacheable)
        cache_tiers_store(w->tiers, CACHE_NS_RESPONSE, x->key, body, len, x->policy.max_age, c->stale_grace);
    if (clean && x->policy.max_age > 0) {
        x->meta.max_age = x->policy.max_age;
        x->meta.private_scope = x->policy.private_scope;
    }
    respond(x, outcome, body, len);
}

static void set_slot(root_slot *slot, const char *json)
{
    slot->json = json;
    slot->len = strlen(json);
}

static void finish(rs_exec *x, rs_outcome outcome)
{
    if (x->facts != NULL && x->facts->db_statements > 0)
        x->facts->db_us = clock_us() - x->db_start_us;
    base_buf body;
    base_buf_init(&body);
    if (x->overloaded) {
        outcome = RS_OVERLOADED;
        base_buf_puts(&body, "{\"errors\":[{\"message\":\"The server is overloaded; retry later.\","
                             "\"extensions\":{\"code\":\"OVERLOADED\"}}]}");
    } else {
        /*
         * Every root field failed because the database is unreachable (Aurora
         * resuming, a failover, an outage): there is no data to give, so this
         * is answered as a request failure, `errors` only (each at its root
         * field's path) and no `data`, which the HTTP side maps to 503 with
         * Retry-After. Without `data` GraphQL over HTTP requires a 4xx/5xx
         * under application/graphql-response+json; under application/json it
         * recommends 200 but, as for OVERLOADED, a 503 tells caches, load
         * balancers and retrying clients what happened. When any root field
         * has a value (another root field answered, __typename, introspection)
         * the response keeps its `data` and stays 200.
         */
        if (outcome == RS_DATA && x->nslots > 0 && x->unavailable == x->nslots)
            outcome = RS_UNAVAILABLE;
        base_buf_putc(&body, '{');
        if (x->errors.count > 0) {
            base_buf_puts(&body, "\"errors\":");
            gql_errors_write(&x->errors, &body);
        }
        if (outcome == RS_DATA) {
            /* A null in a non-null root field nulls `data` itself (spec 6.4.4). */
            bool data_null = false;
            for (size_t i = 0; i < x->nslots; i++)
                if (x->slots[i].group->def != NULL &&
                    x->slots[i].group->def->type->wrap == GQL_TYPE_NON_NULL &&
                    strcmp(x->slots[i].json, "null") == 0)
                    data_null = true;
            base_buf_puts(&body, x->errors.count > 0 ? ",\"data\":" : "\"data\":");
            if (data_null) {
                base_buf_puts(&body, "null");
            } else {
                base_buf_putc(&body, '{');
                for (size_t i = 0; i < x->nslots; i++) {
                    const root_slot *s = &x->slots[i];
                    if (i > 0)
                        base_buf_putc(&body, ',');
                    base_buf_json_string(&body, s->group->response_key, strlen(s->group->response_key));
                    base_buf_putc(&body, ':');
                    base_buf_append(&body, s->json, s->len);
                }
                base_buf_putc(&body, '}');
            }
        }
        base_buf_putc(&body, '}');
    }
    if (body.failed)
        deliver(x, RS_REQUEST_ERROR, "{\"errors\":[{\"message\":\"Out of memory.\"}]}", 39);
    else
        deliver(x, outcome, body.data, body.len);
    base_buf_free(&body);
}

/* ---- database answers ---- */

static const char *error_code(db_status status, const char **message)
{
    switch (status) {
    case DB_ERR_TIMEOUT:
        *message = "The database did not answer in time.";
        return "DB_TIMEOUT";
    case DB_ERR_UNAVAILABLE:
    case DB_ERR_SHUTDOWN:
        *message = "The database is unavailable.";
        return "DB_UNAVAILABLE";
    default:
        *message = "Internal server error.";
        return "INTERNAL";
    }
}

/* The root field is null, with an error at its path. */
static void slot_error(root_slot *slot, const char *code, const char *message)
{
    rs_exec *x = slot->exec;
    gql_error *e = gql_errors_add(&x->errors, &slot->group->field->loc, "%s", message);
    if (e != NULL) {
        e->code = code;
        e->path = gql_path_copy(&x->arena, &slot->path);
    }
    set_slot(slot, "null");
}

static void on_result(void *ctx, const db_result *r)
{
    root_slot *slot = ctx;
    rs_exec *x = slot->exec;
    if (r->status == DB_OK) {
        /* The value is the statement's JSON text as PostgreSQL built it (sql_build.h). */
        const rs_plan *plan = &slot->plan;
        if (render_value(plan, r, &slot->path, &x->errors, &x->arena, &slot->json, &slot->len) != 0)
            slot_error(slot, "INTERNAL", "Internal server error.");
    } else if (r->status == DB_ERR_OVERLOADED) {
        x->overloaded = true;
        set_slot(slot, "null");
    } else {
        const char *message;
        const char *code = error_code(r->status, &message);
        slot_error(slot, code, message);
        if (r->status == DB_ERR_UNAVAILABLE || r->status == DB_ERR_SHUTDOWN)
            x->unavailable++;
        else if (r->status == DB_ERR_TIMEOUT)
            x->timeouts++;
        if (x->facts != NULL)
            *(r->status == DB_ERR_TIMEOUT ? &x->facts->db_timeouts
              : r->status == DB_ERR_QUERY ? &x->facts->db_failures
                                          : &x->facts->db_unavailable) += 1;
        /* SQL text and server messages stay in the server log, never in the response. */
        if (x->worker->engine->log_error != NULL)
            x->worker->engine->log_error(code, r->message != NULL ? r->message : "");
    }
    if (--x->pending == 0)
        finish(x, RS_DATA);
}

/* ---- starting ---- */

static void resolve_root(rs_exec *x, root_slot *slot)
{
    const gql_field_group *g = slot->group;
    const gql_schema *schema = x->ctx.schema;
    if (g->def == schema->meta_typename) {
        const char *name = gql_exec_root_type(&x->ctx)->name;
        base_buf quoted;
        base_buf_init(&quoted);
        base_buf_json_string(&quoted, name, strlen(name));
        set_slot(slot, quoted.failed ? "null" : base_arena_strndup(&x->arena, quoted.data, quoted.len) ?: "null");
        base_buf_free(&quoted);
        return;
    }
    if (g->def == schema->meta_schema || g->def == schema->meta_type) {
        /* Introspection reads only the schema: answered now, no database round trip. */
        base_buf out;
        base_buf_init(&out);
        const char *json = NULL;
        if (gql_introspect_root(&x->ctx, g, &slot->path, &out) == 0 && !out.failed)
            json = base_arena_strndup(&x->arena, out.data, out.len);
        set_slot(slot, json != NULL ? json : "null"); /* null: the error is recorded at the path */
        base_buf_free(&out);
        return;
    }
    /* Planned only: rs_execute sends the statements once every root field is planned (plan.h). */
    const rs_engine *engine = x->worker->engine;
    const rs_plan_ctx pc = {&x->ctx, x->principal, engine->limits.list_default, engine->limits.list_max,
                            &x->request_errors};
    const rs_root *root = g->def != NULL ? catalog_root(g->def->name) : NULL;
    rs_plan_status status = root ? plan_root(&pc, g, root, &slot->path, &slot->plan) : RS_PLAN_VALUE;
    if (status == RS_PLAN_QUERY && sql_build(&slot->plan, &x->arena) != 0)
        slot_error(slot, "INTERNAL", "Internal server error.");
    else if (status != RS_PLAN_QUERY)
        set_slot(slot, "null"); /* a denial or argument error at the path, or a request error */
}

/* One statement per root field, whatever the depth of its selection (sql_build.h). */
static void send_root(rs_exec *x, root_slot *slot)
{
    x->pending++;
    if (x->facts != NULL && x->facts->db_statements++ == 0)
        x->db_start_us = clock_us();
    if (db_coalesce_query(x->worker->coalesce, slot->plan.sql, (int)slot->plan.nparams, slot->plan.params,
                          on_result, slot) != 0) {
        x->pending--;
        slot_error(slot, "INTERNAL", "Out of memory.");
    }
}

/*
 * The document for the request's text: from this thread's cache, or parsed and
 * validated now and cached when valid (invalid ones are not kept: their errors
 * go to the response). NULL with errors added to x->errors when invalid.
 */
static const gql_document *document_for(rs_exec *x, const rs_request *request)
{
    rs_worker *w = x->worker;
    const rs_engine *engine = w->engine;
    if (engine->limits.max_query_bytes != 0 && request->query_len > engine->limits.max_query_bytes) {
        gql_errors_add(&x->errors, NULL, "The query is %zu bytes long; the limit is %zu bytes.",
                       request->query_len, engine->limits.max_query_bytes);
        return NULL;
    }
    uint8_t key[CACHE_KEY_BYTES];
    cache_sha256(request->query, request->query_len, key);
    x->document = cache_lru_get(w->documents, key);
    if (x->document != NULL)
        return ((rs_document *)cache_entry_value(x->document))->doc;

    rs_document *d = calloc(1, sizeof(*d));
    if (d == NULL) {
        gql_errors_add(&x->errors, NULL, "Out of memory.");
        return NULL;
    }
    base_arena_init(&d->arena, engine->limits.max_arena_bytes);
    gql_parse_limits limits = {engine->limits.max_tokens, engine->limits.max_depth};
    gql_syntax_error syntax;
    d->doc = gql_parse(&d->arena, request->query, request->query_len, &limits, &syntax);
    if (d->doc == NULL)
        gql_errors_add(&x->errors, &syntax.loc, "%s", syntax.message);
    /* The cheap bounds first, so a fragment bomb never reaches the full validation. */
    if (d->doc == NULL ||
        gql_validate_limits(engine->schema, d->doc, &engine->limits.document, &x->errors) > 0 ||
        gql_validate(engine->schema, d->doc, &x->errors) > 0 ||
        (!engine->introspection && gql_introspect_reject(engine->schema, d->doc, &x->errors) > 0)) {
        free_document(d);
        return NULL;
    }
    if (response_doc_digest(request->query, request->query_len, d->digest) != 0)
        memcpy(d->digest, key, CACHE_KEY_BYTES); /* cannot happen for a parsed document: the text's hash */
    x->document = cache_lru_put(w->documents, key, d, d->arena.total + sizeof(*d));
    if (x->document == NULL) {
        free_document(d);
        gql_errors_add(&x->errors, NULL, "Out of memory.");
        return NULL;
    }
    return d->doc;
}

/* Every root field planned, then every statement sent at once: one round trip for all root fields. */
static void execute_roots(rs_exec *x)
{
    gql_field_groups roots;
    if (gql_collect_fields(&x->ctx, gql_exec_root_type(&x->ctx), x->ctx.operation->selection_set, &roots) !=
            0 ||
        (x->slots = base_arena_calloc(&x->arena, roots.count ? roots.count : 1, sizeof(*x->slots))) == NULL) {
        gql_errors_add(&x->errors, NULL, "Out of memory.");
        finish(x, RS_REQUEST_ERROR);
        return;
    }
    for (const gql_field_group *g = roots.first; g != NULL; g = g->next) {
        root_slot *slot = &x->slots[x->nslots++];
        slot->exec = x;
        slot->group = g;
        slot->path.key = g->response_key;
        resolve_root(x, slot);
    }
    if (x->request_errors.count > 0) {
        x->errors = x->request_errors; /* a request error alone, like a validation error */
        finish(x, RS_REQUEST_ERROR);
        return;
    }
    x->pending = 1;
    for (size_t i = 0; i < x->nslots; i++)
        if (x->slots[i].json == NULL)
            send_root(x, &x->slots[i]);
    if (--x->pending == 0)
        finish(x, RS_DATA);
}

/* ---- the response cache ---- */

/* A request that waited on another's fetch of the same key (single flight) answers with its result. */
static void on_flight_landed(void *user, const void *result)
{
    rs_exec *x = user;
    const flight_result *r = result;
    x->meta = *r->meta;
    if (x->facts != NULL)
        x->facts->cache = "flight";
    respond(x, r->outcome, r->body, r->len);
}

/* Nothing fresh under the key: counted, then to the database. */
static void cache_missed(rs_exec *x)
{
    const rs_cache_config *c = &x->worker->engine->cache;
    if (c->shared != NULL)
        cache_count(&cache_shared_counters(c->shared)->misses, 1);
    execute_roots(x);
}

static void on_response_lookup(void *user, const cache_hit *hit)
{
    rs_exec *x = user;
    if (hit->freshness == CACHE_FRESH) {
        if (x->facts != NULL)
            x->facts->cache = hit->tier == CACHE_TIER_LOCAL ? "local" : "memcached";
        x->meta = (rs_response_meta){.max_age = x->policy.max_age,
                                     .private_scope = x->policy.private_scope,
                                     .hit = true,
                                     .age = cache_value_age_s(&hit->meta, cache_now_ms())};
        respond(x, RS_DATA, hit->payload, hit->len);
        return;
    }
    if (hit->freshness == CACHE_STALE && (x->stale = malloc(hit->len ? hit->len : 1)) != NULL) {
        memcpy(x->stale, hit->payload, hit->len);
        x->stale_len = hit->len;
        x->stale_age = cache_value_age_s(&hit->meta, cache_now_ms());
    }
    cache_missed(x);
}

/* Remembers what the request's digest led to (rs_known_find), unless it already is. */
static void remember(rs_exec *x, const uint8_t base_key[CACHE_KEY_BYTES])
{
    rs_worker *w = x->worker;
    cache_entry *e = w->known != NULL && x->has_digest ? cache_lru_get(w->known, x->digest) : NULL;
    if (e != NULL || w->known == NULL || !x->has_digest) {
        if (e != NULL)
            cache_entry_unpin(e);
        return;
    }
    rs_known *k = malloc(sizeof(*k));
    if (k == NULL)
        return; /* not remembered: the next repeat is parsed again */
    memcpy(k->base_key, base_key, CACHE_KEY_BYTES);
    k->max_age = x->policy.max_age;
    k->private_scope = x->policy.private_scope;
    e = cache_lru_put(w->known, x->digest, k, 160);
    if (e != NULL)
        cache_entry_unpin(e);
    else
        free(k);
}

/*
 * Looks the response up when it may be cached: a query whose hints give a
 * maxAge, and, when PRIVATE, a caller who is someone (an anonymous caller
 * reading private data gets errors, which are never cached). False when the
 * request runs uncached; true when the cache took over (it may have answered
 * already: x may be gone).
 */
static bool cache_begin(rs_exec *x, const rs_request *request)
{
    rs_worker *w = x->worker;
    const rs_cache_config *c = &w->engine->cache;
    if (x->ctx.operation->operation != GQL_OP_QUERY ||
        cache_policy_compute(&x->ctx, c->default_max_age, &x->policy) != 0)
        x->policy = (rs_cache_policy){0, false};
    if (!c->responses || x->policy.max_age == 0)
        return false;
    const rs_document *d = cache_entry_value(x->document);
    uint8_t base_key[CACHE_KEY_BYTES];
    if (response_base_key(c->prefix, c->schema_version, d->digest, x->ctx.operation->name.ptr,
                          request->variables, base_key) != 0)
        return false;
    remember(x, base_key);
    if (x->policy.private_scope && x->principal.kind == RS_PRINCIPAL_ANONYMOUS)
        return false;
    char visibility_buf[512];
    const char *visibility = response_visibility(&x->principal, visibility_buf, sizeof(visibility_buf));
    if (visibility == NULL || response_key(base_key, visibility, x->key) != 0)
        return false;
    switch (cache_flight_join(w->flights, x->key, on_flight_landed, x)) {
    case CACHE_FLIGHT_WAIT:
        if (c->shared != NULL)
            cache_count(&cache_shared_counters(c->shared)->flight_waits, 1);
        return true;
    case CACHE_FLIGHT_LEAD:
        x->leader = true;
        break;
    case CACHE_FLIGHT_ALONE:
        break;
    }
    x->cacheable = true;
    if (x->known_miss)
        cache_missed(x); /* rs_execute_known found nothing a moment ago: not asked twice */
    else
        cache_tiers_lookup(w->tiers, CACHE_NS_RESPONSE, x->key, on_response_lookup, x);
    return true;
}

/* ---- starting ---- */

/* From the document to the statements (or the cache), for a request whose query text is at hand. */
static void run(rs_exec *x, const rs_request *request)
{
    const rs_engine *engine = x->worker->engine;
    const gql_document *doc = document_for(x, request);
    if (doc != NULL && request->apq_hash != NULL) {
        /* A persisted query is registered only once it parsed and validated (Apollo's order). */
        uint8_t key[CACHE_KEY_BYTES];
        apq_key(request->apq_hash, key);
        cache_tiers_store(x->worker->tiers, CACHE_NS_APQ, key, request->query, request->query_len,
                          engine->cache.apq_ttl, 0);
    }
    if (doc != NULL && request->forbid_mutations) {
        const gql_definition *op = gql_exec_find_operation(doc, request->operation_name, &x->errors);
        if (op == NULL || op->operation == GQL_OP_MUTATION) {
            if (op != NULL)
                gql_errors_add(&x->errors, &op->loc, "Mutations cannot be sent with GET; use POST.");
            finish(x, op == NULL ? RS_REQUEST_ERROR : RS_METHOD_NOT_ALLOWED);
            return;
        }
    }
    if (doc == NULL || gql_exec_prepare(&x->ctx, engine->schema, doc, request->operation_name,
                                        request->variables, &x->arena, &x->errors) != 0) {
        finish(x, RS_REQUEST_ERROR);
        return;
    }
    if (!cache_begin(x, request))
        execute_roots(x);
}

/* A persisted query lookup in flight: what of the request it needs later, copied. */
typedef struct apq_lookup {
    rs_exec *x;
    rs_request request; /* query NULL; the strings and variables below are owned */
    char hash[2 * CACHE_KEY_BYTES + 1];
} apq_lookup;

static void free_apq_lookup(apq_lookup *a)
{
    free((char *)a->request.operation_name);
    json_decref((json_t *)a->request.variables);
    free(a);
}

static void on_apq_lookup(void *user, const cache_hit *hit)
{
    apq_lookup *a = user;
    rs_exec *x = a->x;
    const rs_cache_config *c = &x->worker->engine->cache;
    if (hit->freshness == CACHE_EXPIRED) {
        if (c->shared != NULL)
            cache_count(&cache_shared_counters(c->shared)->apq_misses, 1);
        x->meta.apq_not_found = true;
        free_apq_lookup(a);
        respond(x, RS_DATA, APQ_NOT_FOUND_BODY, sizeof(APQ_NOT_FOUND_BODY) - 1);
        return;
    }
    if (c->shared != NULL)
        cache_count(&cache_shared_counters(c->shared)->apq_hits, 1);
    a->request.query = hit->payload; /* valid during this callback: run() reads it before it returns */
    a->request.query_len = hit->len;
    a->request.apq_hash = NULL; /* found, not registered again */
    run(x, &a->request);
    free_apq_lookup(a);
}

static void start_apq_lookup(rs_exec *x, const rs_request *request)
{
    apq_lookup *a = calloc(1, sizeof(*a));
    if (a == NULL || (request->operation_name != NULL &&
                      (a->request.operation_name = strdup(request->operation_name)) == NULL)) {
        free(a);
        gql_errors_add(&x->errors, NULL, "Out of memory.");
        finish(x, RS_REQUEST_ERROR);
        return;
    }
    a->x = x;
    a->request.variables = request->variables != NULL ? json_incref((json_t *)request->variables) : NULL;
    a->request.forbid_mutations = request->forbid_mutations;
    snprintf(a->hash, sizeof(a->hash), "%s", request->apq_hash);
    uint8_t key[CACHE_KEY_BYTES];
    apq_key(a->hash, key);
    cache_tiers_lookup(x->worker->tiers, CACHE_NS_APQ, key, on_apq_lookup, a);
}

void rs_execute(rs_worker *worker, const rs_request *request, rs_done_cb done, void *user)
{
    const rs_engine *engine = worker->engine;
    rs_exec *x = calloc(1, sizeof(*x));
    if (x == NULL) {
        if (request->meta != NULL)
            *request->meta = (rs_response_meta){0};
        done(user, RS_REQUEST_ERROR, "{\"errors\":[{\"message\":\"Out of memory.\"}]}", 39);
        return;
    }
    x->worker = worker;
    x->done = done;
    x->user = user;
    x->meta_out = request->meta;
    x->facts = request->facts;
    /*
     * A persisted query's registration (text and hash) is not remembered: a
     * repeat must register the text again if it has expired, which only the
     * parsing path does.
     */
    x->has_digest = request->digest != NULL && !(request->query != NULL && request->apq_hash != NULL);
    if (x->has_digest)
        memcpy(x->digest, request->digest, CACHE_KEY_BYTES);
    x->known_miss = request->known_miss;
    base_arena_init(&x->arena, engine->limits.max_arena_bytes);
    gql_errors_init(&x->errors, &x->arena);
    gql_errors_init(&x->request_errors, &x->arena);
    x->principal = auth_scope_principal(engine->auth_mode, &request->principal);
    /* A cache lookup or a queued statement may outlive the caller's strings: the plan reads them later. */
    if (auth_scope_principal_keep(&x->principal, &x->arena) != 0)
        x->principal = (rs_principal){.kind = RS_PRINCIPAL_ANONYMOUS}; /* out of memory: the secure default */

    if (request->query == NULL && request->apq_hash != NULL)
        start_apq_lookup(x, request);
    else
        run(x, request);
}

/* ---- requests seen before (executor.h) ---- */

bool rs_worker_remembers(const rs_worker *worker)
{
    /* With nothing to ask (memcached down, no in-process tier) a lookup first would only cost a miss. */
    return worker->known != NULL && cache_tiers_can_hit(worker->tiers);
}

bool rs_known_find(rs_worker *worker, const uint8_t digest[CACHE_KEY_BYTES], rs_known *out)
{
    cache_entry *e = worker->known != NULL ? cache_lru_get(worker->known, digest) : NULL;
    if (e == NULL)
        return false;
    *out = *(const rs_known *)cache_entry_value(e);
    cache_entry_unpin(e);
    return true;
}

/* A remembered request's lookup in flight. */
typedef struct known_lookup {
    rs_worker *worker;
    rs_known known;
    rs_response_meta *meta;
    rs_facts *facts;
    rs_done_cb done;
    rs_fallback_cb fallback;
    void *user;
} known_lookup;

static void known_answer(known_lookup *k, const cache_hit *hit)
{
    if (hit->freshness == CACHE_FRESH) {
        cache_shared *shared = k->worker->engine->cache.shared;
        if (shared != NULL)
            cache_count(&cache_shared_counters(shared)->unparsed_hits, 1);
        if (k->facts != NULL)
            k->facts->cache = hit->tier == CACHE_TIER_LOCAL ? "local" : "memcached";
        if (k->meta != NULL)
            *k->meta = (rs_response_meta){.max_age = k->known.max_age,
                                          .private_scope = k->known.private_scope,
                                          .hit = true,
                                          .age = cache_value_age_s(&hit->meta, cache_now_ms())};
        k->done(k->user, RS_DATA, hit->payload, hit->len);
    } else if (k->worker->closing) {
        /* The worker is going away under a lookup memcached never answered: nothing may start now. */
        if (k->meta != NULL)
            *k->meta = (rs_response_meta){0};
        static const char body[] = "{\"errors\":[{\"message\":\"The server is shutting down; retry.\","
                                   "\"extensions\":{\"code\":\"OVERLOADED\"}}]}";
        k->done(k->user, RS_OVERLOADED, body, sizeof(body) - 1);
    } else {
        k->fallback(k->user, hit->freshness == CACHE_EXPIRED);
    }
}

static void on_known_lookup(void *user, const cache_hit *hit)
{
    known_answer(user, hit);
    free(user);
}

bool rs_execute_known(rs_worker *worker, const rs_known *known, const rs_principal *principal,
                      rs_response_meta *meta, rs_facts *facts, rs_done_cb done, rs_fallback_cb fallback,
                      void *user)
{
    rs_principal who = auth_scope_principal(worker->engine->auth_mode, principal);
    if (known->private_scope && who.kind == RS_PRINCIPAL_ANONYMOUS)
        return false; /* answered with errors by the normal way, never from the cache */
    char visibility_buf[512];
    const char *visibility = response_visibility(&who, visibility_buf, sizeof(visibility_buf));
    uint8_t key[CACHE_KEY_BYTES];
    if (visibility == NULL || response_key(known->base_key, visibility, key) != 0)
        return false;
    known_lookup local = {worker, *known, meta, facts, done, fallback, user};
    cache_hit hit;
    cache_entry *pin;
    if (cache_tiers_local_hit(worker->tiers, CACHE_NS_RESPONSE, key, &hit, &pin)) {
        known_answer(&local, &hit); /* the hottest path: no allocation, no callback */
        cache_entry_unpin(pin);
        return true;
    }
    known_lookup *k = malloc(sizeof(*k));
    if (k == NULL)
        return false;
    *k = local;
    cache_tiers_lookup(worker->tiers, CACHE_NS_RESPONSE, key, on_known_lookup, k);
    return true;
}
