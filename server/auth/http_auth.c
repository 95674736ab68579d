#include "http_auth.h"

#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "gateway.h"
#include "gql_buf.h"
#include "http_worker.h"

static void refuse(h2o_req_t *req, http_media media, const char *challenge, const char *message)
{
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_WWW_AUTHENTICATE, NULL, challenge,
                   strlen(challenge));
    gql_buf b;
    gql_buf_init(&b);
    gql_buf_puts(&b, "{\"errors\":[{\"message\":");
    gql_buf_json_string(&b, message, strlen(message));
    gql_buf_puts(&b, ",\"extensions\":{\"code\":\"UNAUTHENTICATED\"}}]}");
    http_respond(req, 401, "Unauthorized", http_media_content_type(media), b.failed ? "{}" : b.data,
                 b.failed ? 2 : b.len);
    gql_buf_free(&b);
}

static void refuse_token(h2o_req_t *req, http_media media, const char *why)
{
    char challenge[300], message[300];
    /* why is one of our fixed phrases: no quote or backslash to escape in the quoted-string. */
    snprintf(challenge, sizeof(challenge), "Bearer error=\"invalid_token\", error_description=\"%s\"", why);
    snprintf(message, sizeof(message), "Invalid token: %s.", why);
    refuse(req, media, challenge, message);
}

/* One header's value, NUL-terminated in the request's pool; NULL when absent. */
static const char *header(h2o_req_t *req, const char *name)
{
    ssize_t at = h2o_find_header_by_str(&req->headers, name, strlen(name), -1);
    if (at < 0)
        return NULL;
    h2o_iovec_t v = req->headers.entries[at].value;
    char *copy = h2o_mem_alloc_pool(&req->pool, v.len + 1);
    memcpy(copy, v.base, v.len);
    copy[v.len] = '\0';
    return copy;
}

static int from_gateway(h2o_req_t *req, http_media media, gqld_auth *auth, gqld_principal *out)
{
    const principal_policy *policy = gqld_auth_policy(auth);
    const char *why = NULL;
    ssize_t at = h2o_find_header_by_str(&req->headers, H2O_STRLIT("x-gqld-authorizer"), -1);
    int rc;
    if (at >= 0) {
        h2o_iovec_t v = req->headers.entries[at].value;
        rc = gateway_principal_from_context(policy, v.base, v.len, out, &why);
    } else {
        const char *sub = header(req, "x-authorizer-sub"), *groups = header(req, "x-authorizer-groups");
        const char *customer = header(req, "x-authorizer-customer-id"),
                   *scopes = header(req, "x-authorizer-scopes");
        if (sub == NULL && groups == NULL && customer == NULL && scopes == NULL) {
            refuse(req, media, "Bearer",
                   "Authentication required: the request did not come through the API "
                   "Gateway authorizer.");
            return -1;
        }
        rc = principal_from_values(policy, sub, groups, customer, scopes, out, &why);
    }
    if (rc != 0) {
        char message[300];
        snprintf(message, sizeof(message), "Authentication failed: %s.", why);
        refuse(req, media, "Bearer", message);
    }
    return rc;
}

int http_auth_principal(h2o_req_t *req, http_media media, gqld_principal *out)
{
    gqld_auth *auth = http_worker_of(req)->cfg->auth;
    if (auth == NULL || gqld_auth_mode_of(auth) == GQLD_AUTH_NONE) {
        memset(&out->rs, 0, sizeof(out->rs)); /* the executor makes everyone an admin */
        return 0;
    }
    if (gqld_auth_mode_of(auth) == GQLD_AUTH_GATEWAY)
        return from_gateway(req, media, auth, out);
    ssize_t at = h2o_find_header(&req->headers, H2O_TOKEN_AUTHORIZATION, -1);
    if (at < 0) {
        gqld_auth_anonymous(auth, out);
        return 0;
    }
    const char *why;
    h2o_iovec_t v = req->headers.entries[at].value;
    if (h2o_find_header(&req->headers, H2O_TOKEN_AUTHORIZATION, at) >= 0)
        why = "the request has more than one Authorization header";
    else if (gqld_auth_token(auth, v.base, v.len, out, NULL, &why) == 0)
        return 0;
    refuse_token(req, media, why);
    return -1;
}
