/* document: parse and validate once per distinct text; the valid ones kept per thread by their hash. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resolvers/pipeline/pipeline_internal.h"
#include "resolvers/pipeline/response_cache.h"
#include "schema/gql_cost.h"
#include "schema/gql_introspect.h"
#include "schema/gql_parser.h"
#include "schema/gql_validate.h"

void free_document(void *value)
{
    rs_document *d = value;
    base_arena_free(&d->arena);
    free(d);
}

double document_cost(const rs_document *d, const gql_definition *operation)
{
    for (size_t i = 0; i < d->ncosts; i++)
        if (d->costs[i].operation == operation)
            return d->costs[i].cost;
    return 0;
}

/*
 * Every operation's static cost, once, with the validation: a repeat of the
 * text pays nothing. Errors (a field without one of its required slicing
 * arguments) make the document invalid, as validation errors do.
 */
static size_t cost_operations(const rs_engine *engine, rs_document *d, gql_errors *errors)
{
    size_t n = 0;
    for (const gql_definition *def = d->doc->first; def != NULL; def = def->next)
        n += def->kind == GQL_DEF_OPERATION;
    d->costs = base_arena_calloc(&d->arena, n ? n : 1, sizeof(*d->costs));
    if (d->costs == NULL) {
        gql_errors_add(errors, NULL, "Out of memory.");
        return 1;
    }
    gql_cost_sizes sizes = {engine->limits.list_default, engine->limits.list_max};
    size_t found = 0;
    for (const gql_definition *def = d->doc->first; def != NULL; def = def->next) {
        if (def->kind != GQL_DEF_OPERATION)
            continue;
        gql_cost cost;
        found += gql_cost_operation(engine->schema, d->doc, def, &sizes, &cost, errors);
        double sum = cost.type + cost.field;
        d->costs[d->ncosts++] = (rs_op_cost){def, sum < GQL_COST_MAX ? sum : GQL_COST_MAX};
    }
    return found;
}

/*
 * Parses the text into d and checks it as every request's document is
 * checked: the document limits, the specification's validation, introspection
 * when it is off, and every operation's cost computed. Returns the errors added.
 */
static size_t parse_and_check(const rs_engine *engine, rs_document *d, const char *text, size_t len,
                              gql_errors *errors)
{
    gql_parse_limits limits = {engine->limits.max_tokens, engine->limits.max_depth};
    gql_syntax_error syntax;
    d->doc = gql_parse(&d->arena, text, len, &limits, &syntax);
    if (d->doc == NULL) {
        gql_errors_add(errors, &syntax.loc, "%s", syntax.message);
        return 1;
    }
    /* OWASP: without introspection, no "Did you mean ...?" either (the names it suggests reveal the schema).
     */
    gql_validate_options options = {.no_suggestions = !engine->suggestions || !engine->introspection};
    size_t found = gql_validate_limits(engine->schema, d->doc, &engine->limits.document, errors);
    /* The cheap bounds first, so a fragment bomb never reaches the full validation. */
    if (found == 0)
        found = gql_validate_with(engine->schema, d->doc, &options, errors);
    if (found == 0 && !engine->introspection)
        found = gql_introspect_reject(engine->schema, d->doc, errors);
    if (found == 0)
        found = cost_operations(engine, d, errors);
    return found;
}

int rs_engine_validate(const rs_engine *engine, const char *text, size_t len, char *err, size_t errlen)
{
    rs_document d = {0};
    base_arena_init(&d.arena, engine->limits.max_arena_bytes);
    gql_errors errors;
    gql_errors_init(&errors, &d.arena);
    size_t found =
        engine->limits.max_query_bytes != 0 && len > engine->limits.max_query_bytes
            ? (gql_errors_add(&errors, NULL, "The document is %zu bytes long; the limit is %zu bytes.", len,
                              engine->limits.max_query_bytes),
               1)
            : parse_and_check(engine, &d, text, len, &errors);
    for (size_t i = 0; found == 0 && i < d.ncosts; i++)
        if (engine->limits.max_cost > 0 && d.costs[i].cost > engine->limits.max_cost) {
            gql_errors_add(&errors, &d.costs[i].operation->loc,
                           "Query exceeds the maximum cost of %.0f (found %.0f).", engine->limits.max_cost,
                           d.costs[i].cost);
            found = 1;
        }
    if (found > 0 && errors.first != NULL) {
        const gql_error *e = errors.first;
        if (e->nlocs > 0)
            snprintf(err, errlen, "%u:%u: %s", e->locs[0].line, e->locs[0].column, e->message);
        else
            snprintf(err, errlen, "%s", e->message);
    } else if (found > 0) {
        snprintf(err, errlen, "out of memory");
    }
    base_arena_free(&d.arena);
    return found > 0 ? -1 : 0;
}

/*
 * The document for the request's text: from this thread's cache, or parsed and
 * validated now and cached when valid (invalid ones are not kept: their errors
 * go to the response). NULL with errors added to x->errors when invalid.
 */
const gql_document *document_for(rs_exec *x, const rs_request *request)
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
    if (parse_and_check(engine, d, request->query, request->query_len, &x->errors) > 0) {
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
