#include "server/http_playground.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "infra/build/embedded.h"
#include "server/http_reply.h"

/* Written by infra/playground/build.sh: the same files in the same order, index.html first, then the
 * assets named by their URL path. */
extern const gqld_embedded_file gqld_playground_files[];
extern const gqld_embedded_file gqld_playground_files_gzip[];

static const char ASSETS_PREFIX[] = "/playground/assets/";

/*
 * Everything the page loads is its own (scripts, style sheets, the fonts inlined in GraphiQL's CSS as
 * data: URLs) and it talks to /graphql only. GraphiQL 3 needs neither eval nor inline scripts. Its
 * dialogs (settings, shortcuts) add a <style> element (react-remove-scroll's scroll lock, whose text
 * depends on the scrollbar's width, so no hash can name it): hence 'unsafe-inline' for styles only.
 */
static const char CSP[] = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                          "connect-src 'self'; img-src 'self' data:; font-src 'self' data:; base-uri 'none'; "
                          "frame-ancestors 'none'; form-action 'none'";

static const char PAGE_CACHE[] = "no-cache";
/* Asset URLs carry a hash of their content: a changed file is a new URL. */
static const char ASSET_CACHE[] = "public, max-age=31536000, immutable";

/* ---- request headers ---- */

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* Calls visit(element, len, ctx) for each element of a comma-separated list, without surrounding OWS. */
static void each_element(h2o_iovec_t list, void (*visit)(const char *, size_t, void *), void *ctx)
{
    const char *s = list.base, *end = list.base + list.len;
    while (s < end) {
        const char *comma = memchr(s, ',', (size_t)(end - s));
        const char *stop = comma != NULL ? comma : end;
        const char *e = stop;
        while (s < e && is_ows(*s))
            s++;
        while (e > s && is_ows(e[-1]))
            e--;
        if (e > s)
            visit(s, (size_t)(e - s), ctx);
        if (comma == NULL)
            break;
        s = comma + 1;
    }
}

typedef enum weight { WEIGHT_ABSENT, WEIGHT_ZERO, WEIGHT_POSITIVE } weight;

typedef struct codings {
    weight gzip, any;
} codings;

/* A qvalue is "0" followed by up to three decimals, or "1"...: zero only if every digit is. */
static bool qvalue_is_zero(const char *v, size_t len)
{
    if (len == 0 || v[0] != '0')
        return false;
    for (size_t i = 1; i < len; i++)
        if (v[i] != '.' && v[i] != '0')
            return false;
    return true;
}

/* One Accept-Encoding element: a coding, then parameters of which only q counts ("gzip;q=0.5"). */
static void visit_coding(const char *s, size_t len, void *ctx)
{
    codings *c = ctx;
    const char *end = s + len, *name = s;
    while (s < end && *s != ';' && !is_ows(*s))
        s++;
    size_t name_len = (size_t)(s - name);
    weight w = WEIGHT_POSITIVE;
    while (s < end) {
        if (*s++ != ';')
            continue;
        while (s < end && is_ows(*s))
            s++;
        if (end - s >= 2 && (s[0] == 'q' || s[0] == 'Q') && s[1] == '=') {
            const char *v = s += 2;
            while (s < end && *s != ';' && !is_ows(*s))
                s++;
            w = qvalue_is_zero(v, (size_t)(s - v)) ? WEIGHT_ZERO : WEIGHT_POSITIVE;
        }
    }
    if (h2o_lcstris(name, name_len, H2O_STRLIT("gzip")) || h2o_lcstris(name, name_len, H2O_STRLIT("x-gzip")))
        c->gzip = w;
    else if (name_len == 1 && name[0] == '*')
        c->any = w;
}

/* RFC 9110 12.5.3: gzip with a non-zero weight, or not named and "*" with one. No header: identity. */
static bool accepts_gzip(const h2o_req_t *req)
{
    codings c = {WEIGHT_ABSENT, WEIGHT_ABSENT};
    for (ssize_t i = -1; (i = h2o_find_header(&req->headers, H2O_TOKEN_ACCEPT_ENCODING, i)) != -1;)
        each_element(req->headers.entries[i].value, visit_coding, &c);
    return c.gzip == WEIGHT_POSITIVE || (c.gzip == WEIGHT_ABSENT && c.any == WEIGHT_POSITIVE);
}

typedef struct etag_match {
    h2o_iovec_t opaque; /* the quoted tag, without W/ */
    bool found;
} etag_match;

/* If-None-Match compares weakly (RFC 9110 13.1.2): W/ is ignored on both sides. */
static void visit_etag(const char *s, size_t len, void *ctx)
{
    etag_match *m = ctx;
    if (len >= 2 && s[0] == 'W' && s[1] == '/')
        s += 2, len -= 2;
    if ((len == 1 && s[0] == '*') || h2o_memis(s, len, m->opaque.base, m->opaque.len))
        m->found = true;
}

static bool if_none_match(const h2o_req_t *req, h2o_iovec_t opaque)
{
    etag_match m = {opaque, false};
    for (ssize_t i = -1; (i = h2o_find_header(&req->headers, H2O_TOKEN_IF_NONE_MATCH, i)) != -1;)
        each_element(req->headers.entries[i].value, visit_etag, &m);
    return m.found;
}

/* ---- responses ---- */

static const char *content_type(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (dot != NULL && strcmp(dot, ".js") == 0)
        return "text/javascript; charset=utf-8";
    if (dot != NULL && strcmp(dot, ".css") == 0)
        return "text/css; charset=utf-8";
    return "text/html; charset=utf-8";
}

static void add_static_header(h2o_req_t *req, const char *name, const char *value)
{
    h2o_add_header_by_str(&req->pool, &req->res.headers, name, strlen(name), 0, NULL, value, strlen(value));
}

static void add_token_header(h2o_req_t *req, const h2o_token_t *token, const char *value)
{
    h2o_add_header(&req->pool, &req->res.headers, token, NULL, value, strlen(value));
}

/* The page's validator: FNV-1a of its bytes (about a kilobyte: hashed per request, not kept in a global). */
static h2o_iovec_t page_etag(h2o_req_t *req, const gqld_embedded_file *page)
{
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < page->len; i++)
        h = (h ^ (unsigned char)page->data[i]) * 1099511628211ULL;
    char *tag = h2o_mem_alloc_pool(&req->pool, 24);
    int n = snprintf(tag, 24, "W/\"%016llx\"", (unsigned long long)h);
    return h2o_iovec_init(tag, (size_t)n);
}

/* Sends the headers set so far and body (or, for HEAD, its length only). The body is static: no copy. */
static void send_static(h2o_req_t *req, int status, const char *reason, const char *body, size_t len)
{
    req->res.status = status;
    req->res.reason = reason;
    h2o_generator_t *generator = h2o_mem_alloc_pool(&req->pool, sizeof(*generator));
    *generator = (h2o_generator_t){NULL, NULL};
    h2o_start_response(req, generator);
    h2o_iovec_t buf = h2o_iovec_init(body, len);
    bool head = h2o_memis(req->method.base, req->method.len, H2O_STRLIT("HEAD"));
    h2o_send(req, &buf, head || len == 0 ? 0 : 1, H2O_SEND_STATE_FINAL);
}

static int serve(h2o_req_t *req, size_t index)
{
    const gqld_embedded_file *identity = &gqld_playground_files[index];
    const gqld_embedded_file *gzip = &gqld_playground_files_gzip[index];
    bool is_page = index == 0;

    add_token_header(req, H2O_TOKEN_CONTENT_TYPE, content_type(identity->name));
    add_token_header(req, H2O_TOKEN_CACHE_CONTROL, is_page ? PAGE_CACHE : ASSET_CACHE);
    add_token_header(req, H2O_TOKEN_VARY, "Accept-Encoding");
    add_static_header(req, "content-security-policy", CSP);
    add_static_header(req, "x-content-type-options", "nosniff");
    add_static_header(req, "referrer-policy", "no-referrer");
    if (is_page) {
        h2o_iovec_t etag = page_etag(req, identity);
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ETAG, NULL, etag.base, etag.len);
        if (if_none_match(req, h2o_iovec_init(etag.base + 2, etag.len - 2))) {
            send_static(req, 304, "Not Modified", NULL, 0);
            return 0;
        }
    }
    const gqld_embedded_file *body = identity;
    if (gzip->len < identity->len && accepts_gzip(req)) {
        body = gzip;
        add_token_header(req, H2O_TOKEN_CONTENT_ENCODING, "gzip");
    }
    req->res.content_length = body->len;
    send_static(req, 200, "OK", body->data, body->len);
    return 0;
}

/* The index of the file a playground path names: 0 for the page; -1 for none. */
static ssize_t find_file(h2o_iovec_t path)
{
    if (h2o_memis(path.base, path.len, H2O_STRLIT("/")) ||
        h2o_memis(path.base, path.len, H2O_STRLIT("/playground")) ||
        h2o_memis(path.base, path.len, H2O_STRLIT("/playground/")))
        return 0;
    size_t prefix = sizeof(ASSETS_PREFIX) - 1;
    if (path.len <= prefix || memcmp(path.base, ASSETS_PREFIX, prefix) != 0)
        return -1;
    for (ssize_t i = 1; gqld_playground_files[i].name != NULL; i++)
        if (h2o_memis(path.base, path.len, gqld_playground_files[i].name,
                      strlen(gqld_playground_files[i].name)))
            return i;
    return -1;
}

int http_playground_handle(h2o_req_t *req)
{
    if (!http_worker_of(req)->cfg->playground)
        return -1;
    ssize_t index = find_file(req->path_normalized);
    if (index < 0)
        return -1;
    if (!h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET")) &&
        !h2o_memis(req->method.base, req->method.len, H2O_STRLIT("HEAD"))) {
        add_token_header(req, H2O_TOKEN_ALLOW, "GET, HEAD");
        static const char body[] = "method not allowed: the playground answers GET and HEAD\n";
        http_respond(req, 405, "Method Not Allowed", "text/plain; charset=utf-8", body, sizeof(body) - 1);
        return 0;
    }
    return serve(req, (size_t)index);
}
