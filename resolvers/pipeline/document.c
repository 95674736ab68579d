/* document: parse and validate once per distinct text; the valid ones kept per thread by their hash. */

#include <stdlib.h>
#include <string.h>

#include "resolvers/pipeline/pipeline_internal.h"
#include "resolvers/pipeline/response_cache.h"
#include "schema/gql_introspect.h"
#include "schema/gql_parser.h"
#include "schema/gql_validate.h"

void free_document(void *value)
{
    rs_document *d = value;
    base_arena_free(&d->arena);
    free(d);
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
