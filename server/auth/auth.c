#include "server/auth/auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "server/auth/gateway.h"
#include "server/auth/jwks_source.h"
#include "server/log.h"

struct gqld_auth {
    gqld_auth_mode mode;
    jwt_policy jwt;
    principal_policy principal;
    jwks_source *keys; /* NULL in gateway and none modes */
};

static int token_use(jwt_policy *p, const char *text)
{
    p->allow_access = p->allow_id = false;
    for (const char *s = text; *s != '\0';) {
        size_t n = strcspn(s, ",");
        if (n == 6 && strncmp(s, "access", 6) == 0)
            p->allow_access = true;
        else if (n == 2 && strncmp(s, "id", 2) == 0)
            p->allow_id = true;
        else
            return -1;
        s += n;
        s += *s == ',';
    }
    return p->allow_access || p->allow_id ? 0 : -1;
}

gqld_auth *gqld_auth_create(const gqld_config *cfg, char *err, size_t errlen)
{
    gqld_auth *a = calloc(1, sizeof(*a));
    if (a == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    a->mode = cfg->auth_mode;
    a->jwt = (jwt_policy){
        .algorithms = jwt_parse_algorithms(cfg->jwt_algorithms),
        .issuer = cfg->jwt_issuer,
        .audiences = cfg->jwt_audience,
        .leeway = cfg->jwt_leeway_seconds,
        .cognito = cfg->jwt_cognito,
    };
    a->principal.groups_claim = cfg->jwt_groups_claim;
    a->principal.customer_claim = cfg->jwt_customer_id_claim;
    a->principal.admin_group = cfg->auth_admin_group;
    bool has_secret = cfg->jwt_hs256_secret_file[0] != '\0';
    if (a->jwt.algorithms == 0) {
        snprintf(err, errlen,
                 "invalid JWT_ALGORITHMS \"%s\": expected a comma-separated list of RS256, ES256, HS256",
                 cfg->jwt_algorithms);
    } else if (token_use(&a->jwt, cfg->jwt_cognito_token_use) != 0) {
        snprintf(err, errlen, "invalid JWT_COGNITO_TOKEN_USE \"%s\": expected access, id or access,id",
                 cfg->jwt_cognito_token_use);
    } else if (cfg->auth_admin_group[0] == '\0' || cfg->jwt_groups_claim[0] == '\0') {
        snprintf(err, errlen, "AUTH_ADMIN_GROUP and JWT_GROUPS_CLAIM must not be empty");
    } else if (has_secret != ((a->jwt.algorithms & JWT_HS256) != 0) && a->mode == GQLD_AUTH_JWT) {
        snprintf(err, errlen,
                 has_secret ? "JWT_HS256_SECRET_FILE is set but JWT_ALGORITHMS does not allow HS256"
                            : "JWT_ALGORITHMS allows HS256 but JWT_HS256_SECRET_FILE is not set");
    } else if (principal_parse_rules(&a->principal, cfg->jwt_required_scopes, err, errlen) == 0) {
        if (a->mode != GQLD_AUTH_JWT)
            return a; /* gateway: API Gateway verified the token; none: nothing is checked */
        jwks_source_config kc = {cfg->jwt_jwks_file,
                                 cfg->jwt_jwks_url,
                                 cfg->jwt_hs256_secret_file,
                                 cfg->jwt_jwks_refresh_seconds,
                                 cfg->jwt_jwks_min_refresh_seconds,
                                 cfg->jwt_jwks_ca_file};
        a->keys = jwks_source_create(&kc, err, errlen);
        if (a->keys != NULL) {
            if (kc.jwks_file[0] == '\0' && kc.jwks_url[0] == '\0' && !has_secret)
                log_event(
                    "warn",
                    "no JWT keys (JWT_JWKS_FILE, JWT_JWKS_URL or JWT_HS256_SECRET_FILE): every token is "
                    "refused; requests without one are anonymous (products only). For development, ./dev "
                    "token prints a token and the settings that accept it",
                    NULL);
            return a;
        }
    }
    free(a);
    return NULL;
}

void gqld_auth_destroy(gqld_auth *a)
{
    if (a == NULL)
        return;
    jwks_source_destroy(a->keys);
    free(a);
}

gqld_auth_mode gqld_auth_mode_of(const gqld_auth *a)
{
    return a->mode;
}

const principal_policy *gqld_auth_policy(const gqld_auth *a)
{
    return &a->principal;
}

void gqld_auth_anonymous(const gqld_auth *a, gqld_principal *out)
{
    principal_anonymous(&a->principal, out);
}

int gqld_auth_token(gqld_auth *a, const char *value, size_t len, gqld_principal *out, json_t **claims,
                    const char **why)
{
    if (claims != NULL)
        *claims = NULL;
    /* "Bearer <token>" (scheme case-insensitive, RFC 9110 11.1), or the bare token as API Gateway takes it.
     */
    while (len > 0 && (*value == ' ' || *value == '\t'))
        value++, len--;
    if (len > 7 && strncasecmp(value, "Bearer", 6) == 0 && (value[6] == ' ' || value[6] == '\t')) {
        value += 7, len -= 7;
        while (len > 0 && (*value == ' ' || *value == '\t'))
            value++, len--;
    }
    while (len > 0 && (value[len - 1] == ' ' || value[len - 1] == '\t'))
        len--;
    if (a->keys == NULL) {
        *why = "tokens are not accepted here";
        return -1;
    }
    jwk_set *keys = jwks_source_acquire(a->keys);
    json_t *payload = NULL;
    jwt_result r = jwt_verify(&a->jwt, keys, value, len, (long long)time(NULL), &payload, why);
    jwk_set_release(keys);
    if (r == JWT_UNKNOWN_KID)
        jwks_source_unknown_kid(a->keys);
    if (r != JWT_VALID)
        return -1;
    int rc = principal_from_claims(&a->principal, payload, NULL, true, out, why);
    if (rc == 0 && claims != NULL)
        *claims = payload;
    else
        json_decref(payload);
    return rc;
}

gqld_auth_outcome gqld_auth_request(gqld_auth *a, const gqld_auth_input *in, gqld_principal *out,
                                    const char **why)
{
    *why = NULL;
    if (a->mode == GQLD_AUTH_NONE) {
        memset(&out->rs, 0, sizeof(out->rs)); /* the executor makes everyone an admin */
        return GQLD_AUTH_PRINCIPAL;
    }
    if (a->mode == GQLD_AUTH_GATEWAY) {
        int rc;
        if (in->authorizer != NULL)
            rc = gateway_principal_from_context(&a->principal, in->authorizer, in->authorizer_len, out, why);
        else if (in->sub != NULL || in->groups != NULL || in->customer_id != NULL || in->scopes != NULL)
            rc = principal_from_values(&a->principal, in->sub, in->groups, in->customer_id, in->scopes, out,
                                       why);
        else {
            *why = "the request did not come through the API Gateway authorizer";
            rc = -1;
        }
        return rc == 0 ? GQLD_AUTH_PRINCIPAL : GQLD_AUTH_REFUSED;
    }
    if (in->authorization == NULL) {
        principal_anonymous(&a->principal, out); /* no token: nothing to verify */
        return GQLD_AUTH_PRINCIPAL;
    }
    if (in->authorization_repeated) {
        *why = "the request has more than one Authorization header";
        return GQLD_AUTH_INVALID_TOKEN;
    }
    return gqld_auth_token(a, in->authorization, in->authorization_len, out, NULL, why) == 0
               ? GQLD_AUTH_PRINCIPAL
               : GQLD_AUTH_INVALID_TOKEN;
}
