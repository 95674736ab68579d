/*
 * http_cors: the CORS protocol of the Fetch standard on /graphql, so that
 * frontend apps served from other origins can call the API from a browser.
 * GQLD_CORS_ORIGINS lists the origins allowed (exact scheme://host[:port]) or
 * is "*"; empty, the default, turns CORS off: no CORS header at all, and
 * OPTIONS is refused like any other unsupported method.
 *
 * An origin not in the list gets no Access-Control-* header, so the browser
 * keeps the response from the page; its preflight is answered 403.
 */
#ifndef GQLD_HTTP_CORS_H
#define GQLD_HTTP_CORS_H

#include <h2o.h>
#include <stdbool.h>

#include "server/config.h"

typedef enum origin_verdict {
    ORIGIN_REFUSED, /* no Origin, or one not in the list */
    ORIGIN_LISTED,  /* in the list: echoed, with credentials */
    ORIGIN_ANY,     /* the list is "*" */
} origin_verdict;

/* What a request's Origin (empty: none) gets under the configured list. */
origin_verdict http_cors_judge_origin(const gqld_config *cfg, h2o_iovec_t origin);

/*
 * When CORS is on, adds to pathconf a response filter that puts on every
 * answer for /graphql (errors included, and those h2o writes by itself, such as
 * 413) `Vary: Origin` (the headers depend on it: caches must know), and for an
 * allowed Origin: Access-Control-Allow-Origin (that origin, or "*"),
 * Access-Control-Allow-Credentials: true (listed origins only, never with "*")
 * and Access-Control-Expose-Headers. A no-op when CORS is off.
 */
void http_cors_register(h2o_pathconf_t *pathconf, const gqld_config *cfg);

/* The methods /graphql answers, for Allow (OPTIONS only when CORS is on). */
const char *http_cors_allowed_methods(const gqld_config *cfg);

/*
 * Answers OPTIONS /graphql when CORS is on (returns false, answering nothing,
 * when it is off). A preflight (Origin and Access-Control-Request-Method) from
 * an allowed origin: 204 with the allowed methods and request headers and the
 * max age; from another origin: 403. An OPTIONS that is no preflight: 204
 * with Allow.
 */
bool http_cors_options(h2o_req_t *req, const gqld_config *cfg);

#endif
