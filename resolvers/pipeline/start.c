/* start: rs_execute, the engine's entry for a request: the document, then the cache or the database. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resolvers/pipeline/pipeline_internal.h"
#include "schema/gql_cost.h"
#include "resolvers/pipeline/response_cache.h"
#include "resolvers/sql/auth_scope.h"

static const char rate_limited_body[] = "{\"errors\":[{\"message\":\"Rate limit exceeded; retry "
                                        "later.\",\"extensions\":{\"code\":\"RATE_LIMITED\"}}]}";

bool admit_request(rs_exec *x, gql_operation_type type)
{
    const rs_engine *engine = x->worker->engine;
    if (x->facts != NULL)
        x->facts->cost = x->cost;
    if (engine->limits.max_cost > 0 && x->cost > engine->limits.max_cost) {
        char cost[32], limit[32];
        gql_cost_format(x->cost, cost, sizeof(cost));
        gql_cost_format(engine->limits.max_cost, limit, sizeof(limit));
        const gql_loc *loc = x->ctx.operation != NULL ? &x->ctx.operation->loc : NULL;
        gql_error *e =
            gql_errors_add(&x->errors, loc, "Query exceeds the maximum cost of %s (found %s).", limit, cost);
        if (e != NULL) {
            e->code = "COST_LIMIT_EXCEEDED";
            size_t size = 2 * sizeof(cost) + 32;
            char *ext = base_arena_alloc(&x->arena, size);
            if (ext != NULL)
                snprintf(ext, size, "\"cost\":%s,\"limit\":%s", cost, limit);
            e->extensions = ext;
        }
        finish(x, RS_REQUEST_ERROR); /* before the cache and any SQL: nothing of it runs */
        return false;
    }
    if (x->admit != NULL && !x->admitted) {
        rs_admission a = {x->cost, type};
        if (!x->admit(x->user, &a)) {
            respond(x, RS_RATE_LIMITED, rate_limited_body, sizeof(rate_limited_body) - 1);
            return false;
        }
        x->admitted = true;
    }
    return true;
}

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
    x->cost = document_cost(cache_entry_value(x->document), x->ctx.operation);
    if (!admit_request(x, x->ctx.operation->operation))
        return;
    if (!cache_begin(x, request))
        execute_roots(x);
}

void rs_execute(rs_worker *worker, const rs_request *request, rs_done_cb done, void *user)
{
    const rs_engine *engine = worker->engine;
    uint8_t digest[CACHE_KEY_BYTES];
    bool has_digest = known_digest(worker, request, digest);
    /* The hottest path: a remembered request answered by the in-process tier, no allocation, no callback. */
    if (has_digest && known_answer_local(worker, request, digest, done, user))
        return;
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
    x->has_digest = has_digest;
    x->cost = -1;
    x->admit = request->admit;
    if (request->facts != NULL)
        request->facts->cost = -1;
    if (has_digest)
        memcpy(x->digest, digest, CACHE_KEY_BYTES);
    base_arena_init(&x->arena, engine->limits.max_arena_bytes);
    gql_errors_init(&x->errors, &x->arena);
    gql_errors_init(&x->request_errors, &x->arena);
    x->principal = auth_scope_principal(engine->auth_mode, &request->principal);
    /* A cache lookup or a queued statement may outlive the caller's strings: the plan reads them later. */
    if (auth_scope_principal_keep(&x->principal, &x->arena) != 0)
        x->principal = (rs_principal){.kind = RS_PRINCIPAL_ANONYMOUS}; /* out of memory: the secure default */

    if (has_digest && known_lookup_start(x, request, run))
        return; /* memcached is asked first; the request runs from its copy if nothing fresh is there */
    if (request->query == NULL && request->apq_hash != NULL)
        start_apq_lookup(x, request, run);
    else
        run(x, request);
}
