/*
 * auth: the request-time face of server/auth, built once from the settings.
 * It turns what a request carries into a principal (principal.h):
 *   - AUTH_MODE=jwt: an Authorization value ("Bearer <JWT>", or the bare
 *     token as API Gateway accepts it) verified by jwt.h against the keys of
 *     jwks_source.h; no Authorization at all costs nothing (anonymous);
 *   - AUTH_MODE=gateway: the authorizer context API Gateway forwards
 *     (gateway.h); never a token.
 * Thread-safe: every worker calls it; the only shared state is the key set.
 */
#ifndef GQLD_AUTH_H
#define GQLD_AUTH_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "server/config.h"
#include "server/auth/jwt.h"
#include "server/auth/principal.h"

typedef struct gqld_auth gqld_auth;

/* NULL with a message naming the setting when the settings do not make a verifier (exit status 2). */
gqld_auth *gqld_auth_create(const gqld_config *cfg, char *err, size_t errlen);
void gqld_auth_destroy(gqld_auth *a);

gqld_auth_mode gqld_auth_mode_of(const gqld_auth *a);
const principal_policy *gqld_auth_policy(const gqld_auth *a);

/* The principal of a request without credentials. */
void gqld_auth_anonymous(const gqld_auth *a, gqld_principal *out);

/*
 * Verifies an Authorization value (len bytes) and maps its claims. 0, or -1
 * with *why (an error_description: no quotes). When claims is not NULL it
 * receives the verified payload (the caller releases it).
 */
int gqld_auth_token(gqld_auth *a, const char *value, size_t len, gqld_principal *out, json_t **claims,
                    const char **why);

/*
 * What a request carries, whatever its front door (h2o, the Lambda event):
 * header values, NULL when absent (lengths with them).
 */
typedef struct gqld_auth_input {
    const char *authorization; /* Authorization */
    size_t authorization_len;
    bool authorization_repeated; /* more than one Authorization header: refused */
    const char *authorizer;      /* X-Gqld-Authorizer: requestContext.authorizer as JSON */
    size_t authorizer_len;
    const char *sub, *groups, *customer_id, *scopes; /* X-Authorizer-*, NUL-terminated */
} gqld_auth_input;

typedef enum gqld_auth_outcome {
    GQLD_AUTH_PRINCIPAL,     /* *out is the principal (maybe anonymous) */
    GQLD_AUTH_INVALID_TOKEN, /* 401, WWW-Authenticate: Bearer error="invalid_token" */
    GQLD_AUTH_REFUSED,       /* 401, WWW-Authenticate: Bearer (gateway mode without a usable context) */
} gqld_auth_outcome;

/* The principal of one request under AUTH_MODE; *why says why it was refused. */
gqld_auth_outcome gqld_auth_request(gqld_auth *a, const gqld_auth_input *in, gqld_principal *out,
                                    const char **why);

#endif
