/*
 * authorizer: an API Gateway Lambda authorizer from the same verification as
 * the server (auth.h). One event in, one answer out:
 *   REST API TOKEN and REQUEST events (payload 1.0) -> an IAM policy
 *     {"principalId", "policyDocument": {"Version": "2012-10-17", "Statement":
 *     [{"Action": "execute-api:Invoke", "Effect": "Allow"|"Deny", "Resource":
 *     methodArn}]}, "context": {...}};
 *   HTTP API REQUEST events (payload 2.0) -> the simple response
 *     {"isAuthorized": true|false, "context": {...}}.
 * A missing or invalid token is the Lambda error "Unauthorized" for REST (API
 * Gateway answers 401) and isAuthorized false for HTTP APIs. A valid token
 * whose principal may read no private data (no admin group, no customer id)
 * gets Effect Deny (403). The context holds strings only, under the claim
 * names gqld itself reads (sub, JWT_GROUPS_CLAIM, JWT_CUSTOMER_ID_CLAIM,
 * scope), so AUTH_MODE=gateway behind this authorizer maps the same principal.
 *
 * Used by `gqld authorizer` (event on stdin, answer on stdout) and by the
 * Lambda front door when _HANDLER=authorizer.
 */
#ifndef GQLD_AUTHORIZER_H
#define GQLD_AUTHORIZER_H

#include <stddef.h>

#include "server/config.h"

typedef struct gqld_authorizer gqld_authorizer;

/* Whatever AUTH_MODE says, the authorizer verifies tokens with the JWT_* settings. */
gqld_authorizer *gqld_authorizer_create(const gqld_config *cfg, char *err, size_t errlen);

/*
 * One API Gateway authorizer event (JSON text) in. Returns 0 with *out = response JSON (malloc'd, caller
 * frees); 1 when the answer is the Lambda error "Unauthorized" (*out = NULL); -1 on a malformed event with
 * *out = a malloc'd message.
 */
int gqld_authorizer_handle(gqld_authorizer *a, const char *event, size_t len, char **out);

void gqld_authorizer_destroy(gqld_authorizer *a);

#endif
