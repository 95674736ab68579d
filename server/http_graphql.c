/*
 * http_graphql: GraphQL over HTTP (the GraphQL-over-HTTP draft) in front of the
 * executor. Decodes GET (URL parameters) and POST (application/json) into a
 * request, negotiates the response media type, and maps the executor's
 * outcome to the status code the draft asks for under that media type.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "gql_buf.h"
#include "http_worker.h"

static const char JSON_TYPE[] = "application/json; charset=utf-8";
static const char GQL_RESPONSE_TYPE[] = "application/graphql-response+json; charset=utf-8";

typedef struct graphql_call {
    http_pending pending;
    bool graphql_response; /* the client accepts application/graphql-response+json */
} graphql_call;

static void respond_error(h2o_req_t *req, int status, const char *reason, const char *message)
{
    size_t len = strlen(message);
    gql_buf b;
    gql_buf_init(&b);
    gql_buf_puts(&b, "{\"errors\":[{\"message\":");
    gql_buf_json_string(&b, message, len);
    gql_buf_puts(&b, "}]}");
    http_respond(req, status, reason, JSON_TYPE, b.failed ? "{}" : b.data, b.failed ? 2 : b.len);
    gql_buf_free(&b);
}

static bool header_has(h2o_iovec_t value, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= value.len; i++)
        if (strncasecmp(value.base + i, needle, n) == 0)
            return true;
    return false;
}

/* 1 = graphql-response+json, 0 = application/json, -1 = nothing acceptable. */
static int negotiate(h2o_req_t *req)
{
    ssize_t at = h2o_find_header(&req->headers, H2O_TOKEN_ACCEPT, -1);
    if (at < 0)
        return 0; /* no Accept: the draft says treat it as application/json */
    h2o_iovec_t accept = req->headers.entries[at].value;
    if (header_has(accept, "application/graphql-response+json"))
        return 1;
    if (header_has(accept, "application/json") || header_has(accept, "*/*") ||
        header_has(accept, "application/*"))
        return 0;
    return -1;
}

/* ---- URL parameters ---- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes application/x-www-form-urlencoded text into the request pool; NULL on a bad escape. */
static char *url_decode(h2o_mem_pool_t *pool, const char *s, size_t len, size_t *outlen)
{
    char *out = h2o_mem_alloc_pool(pool, len + 1);
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '+') {
            out[o++] = ' ';
        } else if (s[i] == '%') {
            if (i + 2 >= len)
                return NULL;
            int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
            if (hi < 0 || lo < 0)
                return NULL;
            out[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    *outlen = o;
    return out;
}

typedef struct get_params {
    h2o_iovec_t query, operation_name, variables, extensions;
    bool has_query, has_operation_name, has_variables;
} get_params;

static int parse_query_string(h2o_req_t *req, get_params *p)
{
    memset(p, 0, sizeof(*p));
    if (req->query_at == SIZE_MAX)
        return 0;
    const char *s = req->path.base + req->query_at + 1, *end = req->path.base + req->path.len;
    while (s < end) {
        const char *amp = memchr(s, '&', (size_t)(end - s));
        const char *stop = amp ? amp : end;
        const char *eq = memchr(s, '=', (size_t)(stop - s));
        if (eq != NULL) {
            h2o_iovec_t *slot = NULL;
            bool *flag = NULL;
            size_t klen = (size_t)(eq - s);
            if (h2o_memis(s, klen, H2O_STRLIT("query")))
                slot = &p->query, flag = &p->has_query;
            else if (h2o_memis(s, klen, H2O_STRLIT("operationName")))
                slot = &p->operation_name, flag = &p->has_operation_name;
            else if (h2o_memis(s, klen, H2O_STRLIT("variables")))
                slot = &p->variables, flag = &p->has_variables;
            if (slot != NULL) {
                size_t len;
                char *v = url_decode(&req->pool, eq + 1, (size_t)(stop - eq - 1), &len);
                if (v == NULL)
                    return -1;
                *slot = h2o_iovec_init(v, len);
                *flag = true;
            }
        }
        s = stop + 1;
    }
    return 0;
}

/* ---- executing ---- */

static void on_done(void *user, rs_outcome outcome, const char *body, size_t len)
{
    graphql_call *call = user;
    h2o_req_t *req = http_pending_end(&call->pending);
    if (req != NULL) {
        int status = 200;
        const char *reason = "OK";
        if (outcome == RS_OVERLOADED) {
            status = 503, reason = "Service Unavailable";
            h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL, H2O_STRLIT("1"));
        } else if (outcome == RS_REQUEST_ERROR && call->graphql_response) {
            status = 400, reason = "Bad Request"; /* the draft: request errors are 4xx under this type */
        }
        http_respond(req, status, reason, call->graphql_response ? GQL_RESPONSE_TYPE : JSON_TYPE, body, len);
    }
    free(call);
}

static void execute(h2o_req_t *req, bool graphql_response, const char *query, size_t query_len,
                    const char *operation_name, const json_t *variables)
{
    graphql_call *call = calloc(1, sizeof(*call));
    if (call == NULL) {
        respond_error(req, 503, "Service Unavailable", "Out of memory.");
        return;
    }
    call->graphql_response = graphql_response;
    http_pending_start(&call->pending, req);
    rs_request r = {query, query_len, operation_name, variables};
    rs_execute(http_worker_of(req)->rs, &r, on_done, call);
}

static void handle_get(h2o_req_t *req, bool graphql_response)
{
    get_params p;
    if (parse_query_string(req, &p) != 0) {
        respond_error(req, 400, "Bad Request", "The URL query string has an invalid percent-encoding.");
        return;
    }
    if (!p.has_query) {
        respond_error(req, 400, "Bad Request", "Missing the \"query\" parameter.");
        return;
    }
    json_t *variables = NULL;
    if (p.has_variables && p.variables.len > 0) {
        json_error_t jerr;
        variables = json_loadb(p.variables.base, p.variables.len, JSON_REJECT_DUPLICATES, &jerr);
        if (variables == NULL || !(json_is_object(variables) || json_is_null(variables))) {
            json_decref(variables);
            respond_error(req, 400, "Bad Request", "The \"variables\" parameter must be a JSON object.");
            return;
        }
    }
    execute(req, graphql_response, p.query.base, p.query.len,
            p.has_operation_name && p.operation_name.len > 0 ? p.operation_name.base : NULL,
            json_is_object(variables) ? variables : NULL);
    json_decref(variables);
}

static void handle_post(h2o_req_t *req, bool graphql_response)
{
    ssize_t at = h2o_find_header(&req->headers, H2O_TOKEN_CONTENT_TYPE, -1);
    h2o_iovec_t ctype = at >= 0 ? req->headers.entries[at].value : h2o_iovec_init(NULL, 0);
    size_t base_len = 0;
    while (base_len < ctype.len && ctype.base[base_len] != ';' && ctype.base[base_len] != ' ')
        base_len++;
    if (!h2o_lcstris(ctype.base, base_len, H2O_STRLIT("application/json"))) {
        respond_error(req, 415, "Unsupported Media Type",
                      "POST requests must use Content-Type: application/json.");
        return;
    }
    json_error_t jerr;
    json_t *body =
        json_loadb(req->entity.base ? req->entity.base : "", req->entity.len, JSON_REJECT_DUPLICATES, &jerr);
    if (body == NULL) {
        char message[300];
        snprintf(message, sizeof(message), "The request body is not valid JSON: %s (line %d, column %d).",
                 jerr.text, jerr.line, jerr.column);
        respond_error(req, 400, "Bad Request", message);
        return;
    }
    json_t *query = json_object_get(body, "query");
    json_t *operation_name = json_object_get(body, "operationName");
    json_t *variables = json_object_get(body, "variables");
    const char *problem = NULL;
    if (!json_is_object(body))
        problem = "The request body must be a JSON object.";
    else if (!json_is_string(query))
        problem = "The request body must have a \"query\" string.";
    else if (operation_name != NULL && !json_is_string(operation_name) && !json_is_null(operation_name))
        problem = "\"operationName\" must be a string or null.";
    else if (variables != NULL && !json_is_object(variables) && !json_is_null(variables))
        problem = "\"variables\" must be an object or null.";
    if (problem != NULL) {
        respond_error(req, 400, "Bad Request", problem);
    } else {
        execute(req, graphql_response, json_string_value(query), json_string_length(query),
                json_is_string(operation_name) ? json_string_value(operation_name) : NULL,
                json_is_object(variables) ? variables : NULL);
    }
    json_decref(body);
}

int http_graphql_handle(h2o_req_t *req)
{
    bool get = h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET"));
    bool post = h2o_memis(req->method.base, req->method.len, H2O_STRLIT("POST"));
    if (!get && !post) {
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ALLOW, NULL, H2O_STRLIT("GET, POST"));
        respond_error(req, 405, "Method Not Allowed", "Only GET and POST are supported on /graphql.");
        return 0;
    }
    int media = negotiate(req);
    if (media < 0) {
        respond_error(req, 406, "Not Acceptable",
                      "Accept must allow application/graphql-response+json or application/json.");
        return 0;
    }
    if (get)
        handle_get(req, media == 1);
    else
        handle_post(req, media == 1);
    return 0;
}
