/* apq: automatic persisted queries: the text looked up by its hash, then run as if it had been sent. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resolvers/pipeline/pipeline_internal.h"
#include "resolvers/pipeline/response_cache.h"

/* A persisted query lookup in flight: what of the request it needs later, copied. */
typedef struct apq_lookup {
    rs_exec *x;
    run_fn run;
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
    a->run(x, &a->request);
    free_apq_lookup(a);
}

void start_apq_lookup(rs_exec *x, const rs_request *request, run_fn run)
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
    a->run = run;
    a->request.variables = request->variables != NULL ? json_incref((json_t *)request->variables) : NULL;
    a->request.forbid_mutations = request->forbid_mutations;
    snprintf(a->hash, sizeof(a->hash), "%s", request->apq_hash);
    uint8_t key[CACHE_KEY_BYTES];
    apq_key(a->hash, key);
    cache_tiers_lookup(x->worker->tiers, CACHE_NS_APQ, key, on_apq_lookup, a);
}
