/*
 * http_auth: the h2o side of server/auth. Reads a /graphql request's
 * credentials (Authorization, or the gateway headers of gateway.h), asks
 * auth.h for the principal, and answers a refusal itself: HTTP 401 with
 * WWW-Authenticate (RFC 6750: error="invalid_token" when a token was
 * presented and failed) and a GraphQL error body with code UNAUTHENTICATED.
 */
#ifndef GQLD_HTTP_AUTH_H
#define GQLD_HTTP_AUTH_H

#include <h2o.h>

#include "server/http_negotiate.h"
#include "server/auth/principal.h"

/* 0 with *out set (anonymous when the request carries nothing), or -1 once the 401 is sent. */
int http_auth_principal(h2o_req_t *req, http_media media, gqld_principal *out);

#endif
