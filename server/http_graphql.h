/*
 * http_graphql: GraphQL over HTTP on /graphql (http_graphql.c says how).
 * http_graphql_handle, the route, is declared with the others in
 * http_routes.h; this header has what the server's set-up needs besides.
 */
#ifndef GQLD_HTTP_GRAPHQL_H
#define GQLD_HTTP_GRAPHQL_H

#include <h2o.h>

#include "server/config.h"

/*
 * Registers, on the host's fallback path (where h2o answers alone: 413 for a
 * body over GQLD_MAX_BODY_BYTES, 400 for broken framing), the filter that
 * gives those answers an x-request-id and, on /graphql, a GraphQL error body
 * in the negotiated media type.
 */
void http_graphql_register_own_errors(h2o_pathconf_t *fallback, const gqld_config *cfg);

#endif
