/*
 * gateway: the principal under AUTH_MODE=gateway, taken from what API Gateway
 * forwards after its authorizer accepted the request, never from a token.
 *
 * X-Gqld-Authorizer carries the event's requestContext.authorizer as compact
 * JSON (the Lambda front door sets it and drops any copy a client sent). Its
 * shapes:
 *   REST, Lambda authorizer:      {"principalId": "...", <context keys>...}
 *   REST, Cognito user pools:     {"claims": {...}, "scopes": ...}
 *   HTTP API, JWT authorizer:     {"jwt": {"claims": {...}, "scopes": [...]}}
 *   HTTP API, Lambda authorizer:  {"lambda": {<context keys>...}}
 * The claims map with the same settings as AUTH_MODE=jwt, read leniently
 * (API Gateway turns numbers into strings and arrays into "[a b]").
 *
 * For HTTP integrations (API Gateway parameter mapping), individual headers:
 * X-Authorizer-Sub, X-Authorizer-Groups (comma-separated),
 * X-Authorizer-Customer-Id, X-Authorizer-Scopes (space-separated).
 *
 * Trust: these headers are believed as they come. That is only safe when the
 * network path guarantees that API Gateway set them (a private integration, a
 * security group admitting only API Gateway, the Lambda front door).
 */
#ifndef GQLD_GATEWAY_H
#define GQLD_GATEWAY_H

#include <stddef.h>

#include "server/auth/principal.h"

/* From X-Gqld-Authorizer's JSON. 0, or -1 with *why. */
int gateway_principal_from_context(const principal_policy *p, const char *json, size_t len,
                                   gqld_principal *out, const char **why);

#endif
