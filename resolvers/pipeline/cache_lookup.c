/* cache_lookup: the response cache's part of the pipeline: keys, single flight, requests remembered. */

#include <stdlib.h>
#include <string.h>

#include "resolvers/pipeline/pipeline_internal.h"
#include "resolvers/pipeline/response_cache.h"

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
        cache_missed(x); /* rs_execute_known found nothing a moment ago: not asked twice */
    else
        cache_tiers_lookup(w->tiers, CACHE_NS_RESPONSE, x->key, on_response_lookup, x);
    return true;
}

/* ---- requests seen before (engine.h) ---- */

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
