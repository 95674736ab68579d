/* cache_lookup: the response cache's part of the pipeline: keys, single flight, requests remembered. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resolvers/pipeline/pipeline_internal.h"
#include "resolvers/pipeline/response_cache.h"
#include "resolvers/sql/auth_scope.h"

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

/* Nothing fresh under the key: to the database, counted there once planning has not refused it. */
static void cache_missed(rs_exec *x)
{
    x->missed = true;
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

/* Remembers what the request's bytes led to (known_digest), unless it already is. */
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
    k->cost = x->cost;
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
bool cache_begin(rs_exec *x, const rs_request *request)
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
        cache_missed(x); /* known_lookup_start found nothing a moment ago: not asked twice */
    else
        cache_tiers_lookup(w->tiers, CACHE_NS_RESPONSE, x->key, on_response_lookup, x);
    return true;
}

/* ---- requests seen before (engine.h, rs_request.raw) ---- */

bool known_digest(const rs_worker *w, const rs_request *request, uint8_t digest[CACHE_KEY_BYTES])
{
    /*
     * With nothing to ask (memcached down, no in-process tier) a lookup first
     * would only cost a miss. A persisted query's registration (text and hash)
     * is not remembered: a repeat must register the text again if it has
     * expired, which only the parsing path does.
     */
    return request->raw != NULL && w->known != NULL && cache_tiers_can_hit(w->tiers) &&
           !(request->query != NULL && request->apq_hash != NULL) &&
           response_request_digest(request->raw_in_url, request->raw, request->raw_len, digest) == 0;
}

/* True with *out and *key set when the digest is remembered and its response may come from the cache for who.
 */
static bool known_key(rs_worker *w, const uint8_t digest[CACHE_KEY_BYTES], const rs_principal *who,
                      rs_known *out, uint8_t key[CACHE_KEY_BYTES])
{
    cache_entry *e = cache_lru_get(w->known, digest);
    if (e == NULL)
        return false;
    *out = *(const rs_known *)cache_entry_value(e);
    cache_entry_unpin(e);
    if (out->private_scope && who->kind == RS_PRINCIPAL_ANONYMOUS)
        return false; /* answered with errors by the normal way, never from the cache */
    char visibility_buf[512];
    const char *visibility = response_visibility(who, visibility_buf, sizeof(visibility_buf));
    return visibility != NULL && response_key(out->base_key, visibility, key) == 0;
}

/* A fresh hit for a remembered request: its meta and facts, as the parsing path would set them. */
static void known_hit_facts(rs_worker *w, const rs_known *known, const cache_hit *hit, rs_response_meta *meta,
                            rs_facts *facts)
{
    cache_shared *shared = w->engine->cache.shared;
    if (shared != NULL)
        cache_count(&cache_shared_counters(shared)->unparsed_hits, 1);
    if (facts != NULL) {
        facts->cache = hit->tier == CACHE_TIER_LOCAL ? "local" : "memcached";
        facts->cost = known->cost;
    }
    if (meta != NULL)
        *meta = (rs_response_meta){.max_age = known->max_age,
                                   .private_scope = known->private_scope,
                                   .hit = true,
                                   .age = cache_value_age_s(&hit->meta, cache_now_ms())};
}

bool known_answer_local(rs_worker *w, const rs_request *request, const uint8_t digest[CACHE_KEY_BYTES],
                        rs_done_cb done, void *user)
{
    rs_principal who = auth_scope_principal(w->engine->auth_mode, &request->principal);
    rs_known known;
    uint8_t key[CACHE_KEY_BYTES];
    cache_hit hit;
    cache_entry *pin;
    if (!known_key(w, digest, &who, &known, key) ||
        !cache_tiers_local_hit(w->tiers, CACHE_NS_RESPONSE, key, &hit, &pin))
        return false;
    known_hit_facts(w, &known, &hit, request->meta, request->facts);
    /* A cached answer is charged like a fresh one: a cache is no way around a caller's budget. */
    rs_admission admission = {known.cost, GQL_OP_QUERY};
    if (request->admit != NULL && !request->admit(user, &admission)) {
        cache_entry_unpin(pin);
        static const char body[] = "{\"errors\":[{\"message\":\"Rate limit exceeded; retry later.\","
                                   "\"extensions\":{\"code\":\"RATE_LIMITED\"}}]}";
        if (request->meta != NULL)
            *request->meta = (rs_response_meta){0};
        done(user, RS_RATE_LIMITED, body, sizeof(body) - 1);
        return true;
    }
    size_t len;
    char *reported = w->engine->cost_report
                         ? cost_report_body(w->engine, known.cost, false, hit.payload, hit.len, &len)
                         : NULL;
    if (reported != NULL)
        done(user, RS_DATA, reported, len);
    else
        done(user, RS_DATA, hit.payload, hit.len);
    free(reported);
    cache_entry_unpin(pin);
    return true;
}

/* A remembered request's lookup in memcached, with the copy of the request it runs if nothing is fresh. */
typedef struct known_lookup {
    rs_exec *x;
    rs_known known;
    run_fn run;
    rs_request request; /* its strings below, its variables a reference */
    char *query;
    char *operation_name;
    char apq_hash[2 * CACHE_KEY_BYTES + 1];
} known_lookup;

static void free_known_lookup(known_lookup *k)
{
    free(k->query);
    free(k->operation_name);
    json_decref((json_t *)k->request.variables);
    free(k);
}

static void on_known_lookup(void *user, const cache_hit *hit)
{
    known_lookup *k = user;
    rs_exec *x = k->x;
    if (hit->freshness == CACHE_FRESH) {
        known_hit_facts(x->worker, &k->known, hit, &x->meta, x->facts);
        respond(x, RS_DATA, hit->payload, hit->len);
    } else if (x->worker->closing) {
        /* The worker is going away under a lookup memcached never answered: nothing may start now. */
        static const char body[] = "{\"errors\":[{\"message\":\"The server is shutting down; retry.\","
                                   "\"extensions\":{\"code\":\"OVERLOADED\"}}]}";
        respond(x, RS_OVERLOADED, body, sizeof(body) - 1);
    } else {
        /* Nothing at all: the parsing path does not ask again; a stale entry is asked for stale-if-error. */
        x->known_miss = hit->freshness == CACHE_EXPIRED;
        if (k->request.query == NULL && k->request.apq_hash != NULL)
            start_apq_lookup(x, &k->request, k->run);
        else
            k->run(x, &k->request);
    }
    free_known_lookup(k);
}

bool known_lookup_start(rs_exec *x, const rs_request *request, run_fn run)
{
    rs_worker *w = x->worker;
    known_lookup *k = calloc(1, sizeof(*k));
    uint8_t key[CACHE_KEY_BYTES];
    if (k == NULL || !known_key(w, x->digest, &x->principal, &k->known, key)) {
        free(k);
        return false;
    }
    x->cost = k->known.cost;
    if (!admit_request(x, GQL_OP_QUERY)) {
        free(k);
        return true; /* refused and answered: x is gone */
    }
    k->x = x;
    k->run = run;
    k->request = *request;
    k->request.raw = NULL;
    if (request->query != NULL && (k->query = malloc(request->query_len ? request->query_len : 1)) != NULL)
        memcpy(k->query, request->query, request->query_len);
    if (request->operation_name != NULL)
        k->operation_name = strdup(request->operation_name);
    if ((request->query != NULL && k->query == NULL) ||
        (request->operation_name != NULL && k->operation_name == NULL)) {
        free_known_lookup(k);
        return false;
    }
    k->request.query = k->query;
    k->request.operation_name = k->operation_name;
    if (request->apq_hash != NULL) {
        snprintf(k->apq_hash, sizeof(k->apq_hash), "%s", request->apq_hash);
        k->request.apq_hash = k->apq_hash;
    }
    if (request->variables != NULL)
        json_incref((json_t *)request->variables);
    cache_tiers_lookup(w->tiers, CACHE_NS_RESPONSE, key, on_known_lookup, k);
    return true;
}
