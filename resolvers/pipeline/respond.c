/* respond: the request's way out: the body assembled in query order, the cache filled, waiters answered. */

#include <stdlib.h>
#include <string.h>

#include "resolvers/pipeline/pipeline_internal.h"
#include "resolvers/pipeline/response_cache.h"
#include "schema/base/buf.h"
#include "schema/gql_cost.h"

static void release_exec(rs_exec *x)
{
    if (x->document != NULL)
        cache_entry_unpin(x->document);
    free(x->stale);
    base_arena_free(&x->arena);
    free(x);
}

char *cost_report_body(const rs_engine *engine, double cost, bool stale, const char *body, size_t len,
                       size_t *out_len)
{
    if (len < 2 || body[len - 1] != '}')
        return NULL;
    char requested[32], limit[32];
    gql_cost_format(cost, requested, sizeof(requested));
    if (engine->limits.max_cost > 0)
        gql_cost_format(engine->limits.max_cost, limit, sizeof(limit));
    else
        memcpy(limit, "null", 5);
    /* A stale answer ends with its own extensions object (response_mark_stale): the cost joins it. */
    size_t keep = stale && len >= 3 ? len - 2 : len - 1;
    base_buf b;
    base_buf_init(&b);
    base_buf_append(&b, body, keep);
    base_buf_printf(&b, "%s%s\"cost\":{\"requested\":%s,\"limit\":%s}}}", len > 2 ? "," : "",
                    stale ? "" : "\"extensions\":{", requested, limit);
    if (b.failed) {
        base_buf_free(&b);
        return NULL;
    }
    *out_len = b.len;
    return b.data; /* the buffer's memory, now the caller's */
}

void respond(rs_exec *x, rs_outcome outcome, const char *body, size_t len)
{
    const rs_engine *engine = x->worker->engine;
    if (x->meta_out != NULL)
        *x->meta_out = x->meta;
    if (x->facts != NULL && x->facts->cache == NULL) /* the access log's "cache": how the cache answered */
        x->facts->cache = x->meta.stale                                 ? "stale"
                          : x->cacheable && outcome != RS_REQUEST_ERROR ? "miss" /* refused: no miss */
                          : engine->cache.responses                     ? "bypass"
                                                                        : NULL;
    size_t reported_len;
    char *reported = engine->cost_report && x->cost >= 0
                         ? cost_report_body(engine, x->cost, x->meta.stale, body, len, &reported_len)
                         : NULL;
    if (reported != NULL)
        x->done(x->user, outcome, reported, reported_len);
    else
        x->done(x->user, outcome, body, len);
    free(reported);
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

void set_slot(root_slot *slot, const char *json)
{
    slot->json = json;
    slot->len = strlen(json);
}

void finish(rs_exec *x, rs_outcome outcome)
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
