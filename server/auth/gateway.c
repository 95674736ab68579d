#include "server/auth/gateway.h"

#include <jansson.h>

enum { MAX_CONTEXT_BYTES = 16384 };

int gateway_principal_from_context(const principal_policy *p, const char *json, size_t len,
                                   gqld_principal *out, const char **why)
{
    *why = "the authorizer context is not a JSON object";
    if (len > MAX_CONTEXT_BYTES)
        return -1;
    json_error_t jerr;
    json_t *ctx = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(ctx)) {
        json_decref(ctx);
        return -1;
    }
    const json_t *jwt = json_object_get(ctx, "jwt"), *lambda = json_object_get(ctx, "lambda");
    const json_t *claims = json_object_get(ctx, "claims");
    int rc = -1;
    if (json_is_object(jwt) && json_is_object(json_object_get(jwt, "claims")))
        rc = principal_from_claims(p, json_object_get(jwt, "claims"), json_object_get(jwt, "scopes"), false,
                                   out, why);
    else if (json_is_object(lambda))
        rc = principal_from_claims(p, lambda, NULL, false, out, why);
    else if (json_is_object(claims))
        rc = principal_from_claims(p, claims, json_object_get(ctx, "scopes"), false, out, why);
    else if (json_object_get(ctx, "principalId") != NULL)
        rc = principal_from_claims(p, ctx, NULL, false, out, why);
    else
        *why = "the authorizer context has no principal (principalId, claims, jwt or lambda)";
    json_decref(ctx);
    return rc;
}
