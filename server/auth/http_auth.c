#include "server/auth/http_auth.h"

#include <stdio.h>
#include <string.h>

#include "server/auth/auth.h"
#include "schema/base/buf.h"
#include "server/http_reply.h"

static void refuse(h2o_req_t *req, http_media media, const char *challenge, const char *message)
{
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_WWW_AUTHENTICATE, NULL, challenge,
                   strlen(challenge));
    base_buf b;
    base_buf_init(&b);
    base_buf_puts(&b, "{\"errors\":[{\"message\":");
    base_buf_json_string(&b, message, strlen(message));
    base_buf_puts(&b, ",\"extensions\":{\"code\":\"UNAUTHENTICATED\"}}]}");
    http_respond(req, 401, "Unauthorized", http_media_content_type(media), b.failed ? "{}" : b.data,
                 b.failed ? 2 : b.len);
    base_buf_free(&b);
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
static const char *header(h2o_req_t *req, const char *name, size_t name_len, size_t *len)
{
    ssize_t at = h2o_find_header_by_str(&req->headers, name, name_len, -1);
    if (at < 0)
        return NULL;
    h2o_iovec_t v = req->headers.entries[at].value;
    char *copy = h2o_mem_alloc_pool(&req->pool, v.len + 1);
    memcpy(copy, v.base, v.len);
    copy[v.len] = '\0';
    if (len != NULL)
        *len = v.len;
    return copy;
}

int http_auth_principal(h2o_req_t *req, http_media media, gqld_principal *out)
{
    gqld_auth *auth = http_worker_of(req)->cfg->auth;
    if (auth == NULL) {
        memset(&out->rs, 0, sizeof(out->rs));
        return 0;
    }
    gqld_auth_input in = {0};
    if (gqld_auth_mode_of(auth) == GQLD_AUTH_GATEWAY) {
        in.authorizer = header(req, H2O_STRLIT("x-gqld-authorizer"), &in.authorizer_len);
        in.sub = header(req, H2O_STRLIT("x-authorizer-sub"), NULL);
        in.groups = header(req, H2O_STRLIT("x-authorizer-groups"), NULL);
        in.customer_id = header(req, H2O_STRLIT("x-authorizer-customer-id"), NULL);
        in.scopes = header(req, H2O_STRLIT("x-authorizer-scopes"), NULL);
    } else {
        ssize_t at = h2o_find_header(&req->headers, H2O_TOKEN_AUTHORIZATION, -1);
        if (at >= 0) {
            in.authorization = req->headers.entries[at].value.base;
            in.authorization_len = req->headers.entries[at].value.len;
            in.authorization_repeated = h2o_find_header(&req->headers, H2O_TOKEN_AUTHORIZATION, at) >= 0;
        }
    }
    const char *why;
    switch (gqld_auth_request(auth, &in, out, &why)) {
    case GQLD_AUTH_PRINCIPAL:
        return 0;
    case GQLD_AUTH_INVALID_TOKEN:
        refuse_token(req, media, why);
        return -1;
    case GQLD_AUTH_REFUSED:
        break;
    }
    char message[300];
    snprintf(message, sizeof(message), "Authentication required: %s.", why);
    refuse(req, media, "Bearer", message);
    return -1;
}
