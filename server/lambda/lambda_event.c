#include "server/lambda/lambda_event.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <h2o.h>

#include "schema/base/b64url.h"

/* ---- request: checks and encodings ---- */

static bool is_tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static bool is_token(const char *s)
{
    if (s == NULL || *s == '\0')
        return false;
    for (; *s; s++)
        if (!is_tchar((unsigned char)*s))
            return false;
    return true;
}

static bool is_unreserved(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

/*
 * Appends s percent-encoding what may not stand in a request target. keep is
 * the set of other characters passed through as they are.
 */
static void put_encoded(base_buf *b, const char *s, size_t len, const char *keep)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_unreserved(c) || (c != '\0' && strchr(keep, c) != NULL)) {
            base_buf_putc(b, (char)c);
        } else {
            char enc[3] = {'%', hex[c >> 4], hex[c & 15]};
            base_buf_append(b, enc, 3);
        }
    }
}

/* Path characters RFC 3986 allows besides the unreserved ones (sub-delims, ':', '@', '/'). */
#define PATH_KEEP "!$&'()*+,;=:@/"

/* Headers the front door owns: hop-by-hop, framing, the authorizer's channel, API Gateway's request id. */
static bool dropped_request_header(const char *name)
{
    static const char *const names[] = {"connection",      "content-length",    "transfer-encoding",
                                        "keep-alive",      "upgrade",           "te",
                                        "trailer",         "proxy-connection",  "expect",
                                        "http2-settings",  "x-gqld-authorizer", "x-amzn-requestid",
                                        "x-gqld-source-ip"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcasecmp(name, names[i]) == 0)
            return true;
    return strncasecmp(name, "x-authorizer-", 13) == 0;
}

static bool has_line_break(const char *v, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (v[i] == '\r' || v[i] == '\n' || v[i] == '\0')
            return true;
    return false;
}

typedef struct builder {
    base_buf *out;
    bool has_host;
    char *err;
    size_t errlen;
} builder;

static int put_header(builder *bd, const char *name, json_t *value)
{
    if (!json_is_string(value))
        return 0; /* null or another type: API Gateway never sends it; nothing to forward */
    if (name[0] == '\0' || dropped_request_header(name))
        return 0;
    if (!is_token(name)) {
        snprintf(bd->err, bd->errlen, "header name \"%.64s\" is not an HTTP token", name);
        return -1;
    }
    const char *v = json_string_value(value);
    size_t len = json_string_length(value);
    if (has_line_break(v, len)) {
        snprintf(bd->err, bd->errlen, "header %.64s holds a line break or NUL", name);
        return -1;
    }
    if (strcasecmp(name, "host") == 0) {
        if (bd->has_host)
            return 0; /* one Host only */
        bd->has_host = true;
    }
    base_buf_puts(bd->out, name);
    base_buf_puts(bd->out, ": ");
    base_buf_append(bd->out, v, len);
    base_buf_puts(bd->out, "\r\n");
    return 0;
}

static int put_headers(builder *bd, json_t *event, lambda_event_format format)
{
    json_t *multi = format == LAMBDA_EVENT_V1 ? json_object_get(event, "multiValueHeaders") : NULL;
    json_t *single = json_object_get(event, "headers");
    bool has_cookies = json_is_array(json_object_get(event, "cookies"));
    const char *name;
    json_t *value;
    /* multiValueHeaders holds every header (single-valued ones too) when API Gateway sends it. */
    if (json_is_object(multi)) {
        json_object_foreach(multi, name, value)
        {
            size_t i;
            json_t *item;
            if (json_is_array(value)) {
                json_array_foreach(value, i, item) if (put_header(bd, name, item) != 0) return -1;
            } else if (put_header(bd, name, value) != 0) {
                return -1;
            }
        }
        return 0;
    }
    if (single != NULL && !json_is_object(single) && !json_is_null(single)) {
        snprintf(bd->err, bd->errlen, "headers is not an object");
        return -1;
    }
    json_object_foreach(single, name, value)
    {
        /* Payload 2.0 moves Cookie into `cookies`; a stray one would duplicate it. */
        if (has_cookies && strcasecmp(name, "cookie") == 0)
            continue;
        if (put_header(bd, name, value) != 0)
            return -1;
    }
    return 0;
}

static int put_cookies(builder *bd, json_t *cookies)
{
    if (!json_is_array(cookies) || json_array_size(cookies) == 0)
        return 0;
    base_buf *b = bd->out;
    base_buf_puts(b, "cookie: ");
    size_t i;
    json_t *c;
    json_array_foreach(cookies, i, c)
    {
        if (!json_is_string(c) || has_line_break(json_string_value(c), json_string_length(c))) {
            snprintf(bd->err, bd->errlen, "cookies[%zu] is not a string without line breaks", i);
            return -1;
        }
        if (i > 0)
            base_buf_puts(b, "; ");
        base_buf_append(b, json_string_value(c), json_string_length(c));
    }
    base_buf_puts(b, "\r\n");
    return 0;
}

/* Payload 1.0 carries the query decoded, as name -> value(s): encode it back. */
static int put_query_v1(builder *bd, json_t *event)
{
    json_t *multi = json_object_get(event, "multiValueQueryStringParameters");
    json_t *params = json_is_object(multi) ? multi : json_object_get(event, "queryStringParameters");
    if (!json_is_object(params) || json_object_size(params) == 0)
        return 0;
    base_buf *b = bd->out;
    char sep = '?';
    const char *name;
    json_t *value;
    json_object_foreach(params, name, value)
    {
        json_t *one = json_is_array(value) ? NULL : value;
        size_t n = one ? 1 : json_array_size(value);
        for (size_t i = 0; i < n; i++) {
            json_t *v = one ? one : json_array_get(value, i);
            if (!json_is_string(v)) {
                snprintf(bd->err, bd->errlen, "query parameter %.64s is not a string", name);
                return -1;
            }
            base_buf_putc(b, sep);
            sep = '&';
            put_encoded(b, name, strlen(name), "");
            base_buf_putc(b, '=');
            put_encoded(b, json_string_value(v), json_string_length(v), "");
        }
    }
    return 0;
}

/* An isBase64Encoded body, decoded into out. */
static int decode_base64(const char *s, size_t len, base_buf *out)
{
    unsigned char *bytes = malloc(b64url_decoded_max(len) + 1);
    ssize_t n = bytes != NULL ? base64_decode_lenient(s, len, bytes) : -1;
    if (n >= 0)
        base_buf_append(out, (const char *)bytes, (size_t)n);
    free(bytes);
    return n >= 0 ? 0 : -1;
}

static const char *string_at(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

int lambda_event_to_request(const char *event_text, size_t len, lambda_request *req, base_buf *out, char *err,
                            size_t errlen)
{
    json_error_t jerr;
    json_t *event = json_loadb(event_text, len, 0, &jerr);
    if (!json_is_object(event)) {
        snprintf(err, errlen, "the event is not a JSON object%s%s", event == NULL ? ": " : "",
                 event == NULL ? jerr.text : "");
        json_decref(event);
        return -1;
    }
    json_t *ctx = json_object_get(event, "requestContext");
    const char *version = string_at(event, "version");
    const char *method, *path;
    if (version != NULL && strcmp(version, "2.0") == 0) {
        req->format = LAMBDA_EVENT_V2;
        method = string_at(json_object_get(ctx, "http"), "method");
        path = string_at(event, "rawPath");
    } else {
        req->format = LAMBDA_EVENT_V1;
        method = string_at(event, "httpMethod");
        path = string_at(event, "path");
    }
    if (!is_token(method) || strlen(method) > 32 || path == NULL || path[0] != '/') {
        snprintf(err, errlen,
                 "not an API Gateway proxy event (payload 1.0 needs httpMethod and path, 2.0 "
                 "needs requestContext.http.method and rawPath)");
        json_decref(event);
        return -1;
    }
    req->head = strcmp(method, "HEAD") == 0;
    builder bd = {.out = out, .err = err, .errlen = errlen};
    size_t path_len = strlen(path);
    if (req->format == LAMBDA_EVENT_V2) {
        /* A named stage (not $default) prefixes rawPath with "/<stage>": the routes do not know it. */
        const char *stage = string_at(ctx, "stage");
        size_t sl = stage ? strlen(stage) : 0;
        if (stage != NULL && strcmp(stage, "$default") != 0 && sl > 0 && path_len > sl &&
            strncmp(path + 1, stage, sl) == 0 && (path[sl + 1] == '/' || path[sl + 1] == '\0')) {
            path += sl + 1;
            path_len -= sl + 1;
        }
        if (path_len == 0)
            path = "/", path_len = 1;
    }
    base_buf_puts(out, method);
    base_buf_putc(out, ' ');
    /* rawPath is as the client sent it (escapes kept); payload 1.0's path is decoded. */
    put_encoded(out, path, path_len, req->format == LAMBDA_EVENT_V2 ? PATH_KEEP "%" : PATH_KEEP);
    int rc = 0;
    if (req->format == LAMBDA_EVENT_V2) {
        const char *q = string_at(event, "rawQueryString");
        if (q != NULL && q[0] != '\0') {
            base_buf_putc(out, '?');
            put_encoded(out, q, strlen(q), PATH_KEEP "%?");
        }
    } else {
        rc = put_query_v1(&bd, event);
    }
    base_buf_puts(out, " HTTP/1.1\r\n");
    if (rc == 0)
        rc = put_headers(&bd, event, req->format);
    if (rc == 0 && req->format == LAMBDA_EVENT_V2)
        rc = put_cookies(&bd, json_object_get(event, "cookies"));
    if (rc == 0 && !bd.has_host) {
        const char *domain = string_at(ctx, "domainName");
        base_buf_puts(out, "host: ");
        base_buf_puts(out, domain != NULL && !has_line_break(domain, strlen(domain)) ? domain : "lambda");
        base_buf_puts(out, "\r\n");
    }
    /* API Gateway's request id, under the name API Gateway gives it in responses (a client's is
     * dropped above): the request id, before a client's traceparent or x-request-id (request_id.h). */
    const char *request_id = string_at(ctx, "requestId");
    if (rc == 0 && request_id != NULL && request_id[0] != '\0' &&
        !has_line_break(request_id, strlen(request_id)))
        base_buf_printf(out, "x-amzn-requestid: %s\r\n", request_id);
    /* The client's address as API Gateway saw it: the caller of anonymous rate limits (client_ip.h). */
    const char *source_ip = string_at(req->format == LAMBDA_EVENT_V2 ? json_object_get(ctx, "http")
                                                                     : json_object_get(ctx, "identity"),
                                      "sourceIp");
    if (rc == 0 && source_ip != NULL && source_ip[0] != '\0' && strlen(source_ip) < 64 &&
        !has_line_break(source_ip, strlen(source_ip)))
        base_buf_printf(out, "x-gqld-source-ip: %s\r\n", source_ip);
    json_t *authorizer = json_object_get(ctx, "authorizer");
    if (rc == 0 && json_is_object(authorizer)) {
        /* Escaped to ASCII: a header value carries no raw UTF-8 or line break. */
        char *text = json_dumps(authorizer, JSON_COMPACT | JSON_ENSURE_ASCII);
        if (text == NULL) {
            snprintf(err, errlen, "out of memory");
            rc = -1;
        } else {
            base_buf_puts(out, "x-gqld-authorizer: ");
            base_buf_puts(out, text);
            base_buf_puts(out, "\r\n");
            free(text);
        }
    }
    base_buf body;
    base_buf_init(&body);
    json_t *jbody = json_object_get(event, "body");
    if (rc == 0 && json_is_string(jbody)) {
        if (json_is_true(json_object_get(event, "isBase64Encoded"))) {
            if (decode_base64(json_string_value(jbody), json_string_length(jbody), &body) != 0) {
                snprintf(err, errlen, "body is marked isBase64Encoded but is not base64");
                rc = -1;
            }
        } else {
            base_buf_append(&body, json_string_value(jbody), json_string_length(jbody));
        }
    }
    if (rc == 0) {
        base_buf_printf(out, "content-length: %zu\r\nconnection: close\r\n\r\n", body.len);
        base_buf_append(out, body.data ? body.data : "", body.len);
        if (out->failed || body.failed) {
            snprintf(err, errlen, "out of memory");
            rc = -1;
        }
    }
    base_buf_free(&body);
    json_decref(event);
    return rc;
}

/* ---- response ---- */

static bool dropped_response_header(const char *name)
{
    /* Framing and connection headers belong to the hop to API Gateway, which sets its own. */
    static const char *const names[] = {"connection", "content-length", "transfer-encoding", "keep-alive",
                                        "date"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(name, names[i]) == 0)
            return true;
    return false;
}

static size_t count_header(const http1_response *res, const char *name)
{
    size_t n = 0;
    for (size_t i = 0; i < res->nheaders; i++)
        n += strcmp(res->headers[i].name, name) == 0;
    return n;
}

static bool seen_before(const http1_response *res, size_t at)
{
    for (size_t i = 0; i < at; i++)
        if (strcmp(res->headers[i].name, res->headers[at].name) == 0)
            return true;
    return false;
}

static int set_new(json_t *obj, const char *key, json_t *value)
{
    return value == NULL ? -1 : json_object_set_new(obj, key, value);
}

static int add_headers(lambda_event_format format, const http1_response *res, json_t *root)
{
    json_t *headers = json_object(), *second = format == LAMBDA_EVENT_V1 ? json_object() : json_array();
    if (set_new(root, "headers", headers) != 0 ||
        set_new(root, format == LAMBDA_EVENT_V1 ? "multiValueHeaders" : "cookies", second) != 0)
        return -1;
    for (size_t i = 0; i < res->nheaders; i++) {
        const http1_header *h = &res->headers[i];
        if (dropped_response_header(h->name))
            continue;
        if (format == LAMBDA_EVENT_V2 && strcmp(h->name, "set-cookie") == 0) {
            if (json_array_append_new(second, json_string(h->value)) != 0)
                return -1;
            continue;
        }
        if (seen_before(res, i))
            continue;
        size_t n = count_header(res, h->name);
        if (n == 1) {
            if (set_new(headers, h->name, json_string(h->value)) != 0)
                return -1;
        } else if (format == LAMBDA_EVENT_V1) {
            /* Repeated headers go to multiValueHeaders alone: in both, API Gateway would merge them. */
            json_t *list = json_array();
            if (set_new(second, h->name, list) != 0)
                return -1;
            for (size_t j = i; j < res->nheaders; j++)
                if (strcmp(res->headers[j].name, h->name) == 0 &&
                    json_array_append_new(list, json_string(res->headers[j].value)) != 0)
                    return -1;
        } else {
            /* Payload 2.0 has no multi-value map: repeated values are joined, as HTTP allows. */
            base_buf joined;
            base_buf_init(&joined);
            for (size_t j = i; j < res->nheaders; j++) {
                if (strcmp(res->headers[j].name, h->name) != 0)
                    continue;
                if (joined.len > 0)
                    base_buf_puts(&joined, ", ");
                base_buf_puts(&joined, res->headers[j].value);
            }
            int rc = joined.failed ? -1 : set_new(headers, h->name, json_stringn(joined.data, joined.len));
            base_buf_free(&joined);
            if (rc != 0)
                return -1;
        }
    }
    return 0;
}

int lambda_event_response(lambda_event_format format, const http1_response *res, base_buf *out)
{
    json_t *root = json_object();
    int rc = set_new(root, "statusCode", json_integer(res->status));
    if (rc == 0)
        rc = add_headers(format, res, root);
    const char *encoding = http1_response_header(res, "content-encoding");
    bool encoded = encoding != NULL && strcasecmp(encoding, "identity") != 0;
    /* json_stringn refuses invalid UTF-8: such a body goes out as base64. */
    json_t *text = encoded ? NULL : json_stringn(res->body ? res->body : "", res->body_len);
    if (rc == 0 && text != NULL) {
        rc = set_new(root, "body", text);
        if (rc == 0)
            rc = set_new(root, "isBase64Encoded", json_false());
    } else if (rc == 0) {
        char *b64 = malloc(h2o_base64_encode_capacity(res->body_len));
        size_t n = b64 ? h2o_base64_encode(b64, res->body ? res->body : "", res->body_len, 0) : 0;
        rc = b64 ? set_new(root, "body", json_stringn(b64, n)) : -1;
        free(b64);
        if (rc == 0)
            rc = set_new(root, "isBase64Encoded", json_true());
    } else {
        json_decref(text);
    }
    char *dumped = rc == 0 ? json_dumps(root, JSON_COMPACT) : NULL;
    json_decref(root);
    if (dumped == NULL)
        return -1;
    base_buf_puts(out, dumped);
    free(dumped);
    return out->failed ? -1 : 0;
}
