/*
 * response_cache: what the executor needs to cache responses, apart from the
 * flow itself (executor.c): the response key, the caller's visibility class,
 * the document's normalized digest, the stale marker, and the persisted query
 * (APQ) keys and checks. cache/ stores bytes under digests; this file decides
 * what goes into a digest, so that a cached response is only ever found by a
 * request that would have produced the same bytes.
 */
#ifndef RS_RESPONSE_CACHE_H
#define RS_RESPONSE_CACHE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "resolvers/sql/auth_scope.h"
#include "cache/cache_lru.h"

/*
 * The digest of a document's tokens: whitespace, commas and comments do not
 * change it, anything else does. -1 when the text does not lex (it then fails
 * parsing anyway).
 */
int response_doc_digest(const char *text, size_t len, uint8_t out[CACHE_KEY_BYTES]);

/*
 * The visibility class: what the authorization rules distinguish, so two
 * callers in one class always see the same rows and fields:
 * auth_scope_visibility_class ("anonymous", "admin" or "customer:<id>", and
 * the types required scopes deny), copied into buf. NULL when it does not fit:
 * such a response is not cached.
 */
const char *response_visibility(const rs_principal *principal, char *buf, size_t size);

/*
 * What a response's key depends on apart from who asks: SHA-256 over the key
 * prefix, the schema version, the document digest, the operation name and the
 * variables (canonical JSON: sorted keys, compact). -1 when out of memory.
 */
int response_base_key(const char *prefix, const char *schema_version, const uint8_t doc[CACHE_KEY_BYTES],
                      const char *operation_name, const json_t *variables, uint8_t out[CACHE_KEY_BYTES]);

/* The key of a response: the base key and the caller's visibility class. -1 when out of memory. */
int response_key(const uint8_t base[CACHE_KEY_BYTES], const char *visibility, uint8_t out[CACHE_KEY_BYTES]);

/*
 * The digest of a request as it came (a GET's query string, a POST's body):
 * two requests with the same bytes carry the same document, operation and
 * variables, so the executor remembers the base key and cache policy a digest
 * led to and answers a repeat from the cache without parsing it again.
 */
int response_request_digest(bool get, const char *raw, size_t len, uint8_t out[CACHE_KEY_BYTES]);

/*
 * A cached body ({"data":...}) with `"extensions":{"cache":{"stale":true,"age":N}}`
 * added, malloc'd; NULL when out of memory or the body is not an object.
 */
char *response_mark_stale(const char *body, size_t len, unsigned age_s, size_t *out_len);

/* ---- automatic persisted queries (Apollo's protocol) ---- */

/* Apollo's answer to an unknown hash (HTTP 200). */
#define APQ_NOT_FOUND_BODY                                                                                   \
    "{\"errors\":[{\"message\":\"PersistedQueryNotFound\",\"extensions\":{\"code\":\"PERSISTED_QUERY_NOT_"   \
    "FOUND\"}}]}"

/* apq_hash_valid and apq_hash_matches: engine.h (the front door checks a hash before sending it). */
/* The cache key of a persisted query's text. */
void apq_key(const char *hash, uint8_t out[CACHE_KEY_BYTES]);

#endif
