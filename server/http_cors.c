#include "server/http_cors.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "server/http_reply.h"

/*
 * What a browser may send: the JSON content type, a bearer token, and the
 * headers Apollo Client and urql add (Apollo's CSRF-prevention header and its
 * client awareness headers), plus a request id of the caller's own. Listed,
 * never "*": a wildcard does not cover Authorization.
 */
static const char ALLOW_HEADERS[] = "content-type, authorization, accept, apollo-require-preflight, "
                                    "x-apollo-operation-name, apollographql-client-name, "
                                    "apollographql-client-version, x-request-id";
/* Response headers a page may read beyond the safelisted ones. */
static const char EXPOSE_HEADERS[] = "x-request-id, retry-after";

static bool cors_on(const gqld_config *cfg)
{
    return cfg->cors_origins != NULL && cfg->cors_origins[0] != '\0';
}

/* Origin is not one of h2o 2.2's header tokens. */
static h2o_iovec_t request_origin(h2o_req_t *req)
{
    ssize_t at = h2o_find_header_by_str(&req->headers, H2O_STRLIT("origin"), -1);
    return at >= 0 ? req->headers.entries[at].value : h2o_iovec_init(NULL, 0);
}

/* The list (validated at start-up) is read as it is: comma-separated, blanks around entries ignored. */
origin_verdict http_cors_judge_origin(const gqld_config *cfg, h2o_iovec_t origin)
{
    if (origin.len == 0)
        return ORIGIN_REFUSED;
    const char *s = cfg->cors_origins, *entry;
    size_t len;
    while (config_origin_next(&s, &entry, &len)) {
        if (len == 1 && entry[0] == '*')
            return ORIGIN_ANY;
        /* Scheme and host are case-insensitive; browsers send them in lower case anyway. */
        if (len == origin.len && strncasecmp(entry, origin.base, len) == 0)
            return ORIGIN_LISTED;
    }
    return ORIGIN_REFUSED;
}

static void add(h2o_req_t *req, const char *name, size_t name_len, const char *value, size_t value_len)
{
    h2o_add_header_by_str(&req->pool, &req->res.headers, name, name_len, 1, NULL, value, value_len);
}

/* Access-Control-Allow-Origin and, for a listed origin, -Allow-Credentials. */
static void add_allow_origin(h2o_req_t *req, origin_verdict verdict, h2o_iovec_t origin)
{
    if (verdict == ORIGIN_ANY) {
        add(req, H2O_STRLIT("access-control-allow-origin"), H2O_STRLIT("*"));
    } else {
        add(req, H2O_STRLIT("access-control-allow-origin"), origin.base, origin.len);
        add(req, H2O_STRLIT("access-control-allow-credentials"), H2O_STRLIT("true"));
    }
}

const char *http_cors_allowed_methods(const gqld_config *cfg)
{
    return cors_on(cfg) ? "GET, POST, OPTIONS" : "GET, POST";
}

typedef struct cors_filter {
    h2o_filter_t super;
    const gqld_config *cfg;
} cors_filter;

static void on_setup_ostream(h2o_filter_t *self, h2o_req_t *req, h2o_ostream_t **slot)
{
    const gqld_config *cfg = ((cors_filter *)self)->cfg;
    /* The route CORS covers (http_server.c routes it); the other paths are for operators, not pages. */
    if (h2o_memis(req->path_normalized.base, req->path_normalized.len, H2O_STRLIT("/graphql"))) {
        add(req, H2O_STRLIT("vary"), H2O_STRLIT("Origin"));
        h2o_iovec_t origin = request_origin(req);
        origin_verdict verdict = http_cors_judge_origin(cfg, origin);
        if (verdict != ORIGIN_REFUSED) {
            add_allow_origin(req, verdict, origin);
            if (!h2o_memis(req->method.base, req->method.len, H2O_STRLIT("OPTIONS")))
                add(req, H2O_STRLIT("access-control-expose-headers"), EXPOSE_HEADERS,
                    sizeof(EXPOSE_HEADERS) - 1);
        }
    }
    h2o_setup_next_ostream(req, slot);
}

void http_cors_register(h2o_pathconf_t *pathconf, const gqld_config *cfg)
{
    if (!cors_on(cfg))
        return;
    cors_filter *f = (cors_filter *)h2o_create_filter(pathconf, sizeof(*f));
    f->super.on_setup_ostream = on_setup_ostream;
    f->cfg = cfg;
}

/* A response without a body: no Content-Length (RFC 9110 8.6 forbids it on 204) and no chunking. */
static void respond_empty(h2o_req_t *req, int status, const char *reason)
{
    req->res.status = status;
    req->res.reason = reason;
    h2o_send_inline(req, NULL, 0);
}

bool http_cors_options(h2o_req_t *req, const gqld_config *cfg)
{
    if (!cors_on(cfg))
        return false;
    /* Vary and Access-Control-Allow-Origin/-Credentials come from the filter, as on every answer. */
    h2o_iovec_t origin = request_origin(req);
    bool preflight =
        origin.len > 0 &&
        h2o_find_header_by_str(&req->headers, H2O_STRLIT("access-control-request-method"), -1) >= 0;
    if (!preflight) {
        const char *allow = http_cors_allowed_methods(cfg);
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ALLOW, NULL, allow, strlen(allow));
        respond_empty(req, 204, "No Content");
    } else if (http_cors_judge_origin(cfg, origin) == ORIGIN_REFUSED) {
        static const char body[] =
            "{\"errors\":[{\"message\":\"The origin is not allowed (GQLD_CORS_ORIGINS).\"}]}";
        http_respond(req, 403, "Forbidden", "application/json; charset=utf-8", body, sizeof(body) - 1);
    } else {
        add(req, H2O_STRLIT("access-control-allow-methods"), H2O_STRLIT("GET, POST, OPTIONS"));
        add(req, H2O_STRLIT("access-control-allow-headers"), ALLOW_HEADERS, sizeof(ALLOW_HEADERS) - 1);
        char *max_age = h2o_mem_alloc_pool(&req->pool, 16);
        int len = snprintf(max_age, 16, "%u", cfg->cors_max_age);
        add(req, H2O_STRLIT("access-control-max-age"), max_age, (size_t)len);
        respond_empty(req, 204, "No Content");
    }
    return true;
}
