/*
 * jwt: verifies one compact JWS token (RFC 7515/7519) against a key set and
 * a policy, the way API Gateway's JWT authorizer does, and hands back its
 * claims. One code path for the HTTP server, the gateway and the Lambda
 * authorizer.
 *
 * The algorithm comes from the policy, never from the token: the header's
 * "alg" must be one the policy allows, and it only selects among keys of the
 * matching type (an HS256 token is never checked with an RSA key's bytes;
 * "none" is no algorithm at all). Every step is bounded: the token's size, the
 * header's size, the JSON's depth (jansson), the keys tried (one).
 */
#ifndef GQLD_JWT_H
#define GQLD_JWT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "server/auth/jwk.h"

enum { JWT_RS256 = 1, JWT_ES256 = 2, JWT_HS256 = 4 };

enum { JWT_MAX_TOKEN = 8192, JWT_MAX_HEADER = 1024 };

typedef struct jwt_policy {
    unsigned algorithms;   /* JWT_RS256 | ... */
    const char *issuer;    /* "" or NULL: not checked */
    const char *audiences; /* comma-separated; "" or NULL: not checked */
    unsigned leeway;       /* seconds of clock skew allowed on exp, nbf and iat */
    bool cognito;          /* token_use decides where the client id is, and must be allowed */
    bool allow_access;     /* cognito: token_use "access" accepted */
    bool allow_id;         /* cognito: token_use "id" accepted */
} jwt_policy;

typedef enum jwt_result {
    JWT_VALID,
    JWT_INVALID,
    JWT_UNKNOWN_KID, /* well formed, but no key has its kid: worth refreshing a fetched key set */
} jwt_result;

/* Parses a JWT_ALGORITHMS list ("RS256,ES256"); 0 when it is not one. */
unsigned jwt_parse_algorithms(const char *list);

/*
 * Verifies token (len bytes) at time now (seconds since the epoch). On
 * JWT_VALID, *claims is the payload object (the caller releases it); else
 * *why is a short reason fit for an error_description (no quotes).
 */
jwt_result jwt_verify(const jwt_policy *policy, const jwk_set *keys, const char *token, size_t len,
                      long long now, json_t **claims, const char **why);

#endif
