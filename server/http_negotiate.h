/*
 * http_negotiate: the media types of GraphQL over HTTP. Chooses the response
 * type from the Accept header (media ranges, q-values, wildcards, charset, as
 * RFC 9110 section 12.5.1 describes) and checks the Content-Type of a request
 * body. Reads header text only: no request, no allocation.
 */
#ifndef GQLD_HTTP_NEGOTIATE_H
#define GQLD_HTTP_NEGOTIATE_H

#include <stdbool.h>
#include <stddef.h>

typedef enum http_media {
    HTTP_MEDIA_NONE,             /* nothing the client accepts: 406 */
    HTTP_MEDIA_JSON,             /* application/json (the legacy type) */
    HTTP_MEDIA_GRAPHQL_RESPONSE, /* application/graphql-response+json */
} http_media;

/*
 * The response type for an Accept header value (several Accept headers are
 * passed joined with commas, as RFC 9110 5.3 allows). Each of the two types
 * takes the q-value of the most specific range that matches it (exact type,
 * then application/x, then any); q=0 excludes it, and a range naming a charset
 * other than utf-8 does not match (every response is utf-8). The higher q wins;
 * at equal q an exact range wins over a wildcard; at equal q and specificity a
 * wildcard means application/json (what legacy clients expect, per the draft's
 * watershed) and two exact ranges mean application/graphql-response+json.
 * Malformed ranges are ignored. An absent or blank header is application/json.
 */
http_media http_negotiate_accept(const char *accept, size_t len);

/* The Content-Type value to answer with: the media type and "; charset=utf-8". */
const char *http_media_content_type(http_media media);

/*
 * True for a request Content-Type that is application/json, with no charset
 * or charset=utf-8 (any case, quoted or not); other parameters are ignored.
 */
bool http_content_type_is_json(const char *value, size_t len);

#endif
