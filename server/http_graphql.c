/*
 * http_graphql: GraphQL over HTTP (the GraphQL-over-HTTP draft, as the
 * graphql-http audit checks it) in front of the executor. The checks run in
 * the draft's order, each with its status: the method (405, with Allow), the
 * Accept header (406), the Content-Type of a POST (415), the request
 * parameters (400); then the executor runs the request and its outcome, under
 * the negotiated media type, gives the status. CORS (http_cors) answers
 * OPTIONS and adds its headers to every answer, errors included.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache/cache_key.h"
#include "schema/base/buf.h"
#include "server/auth/http_auth.h"
#include "server/http_graphql.h"
#include "server/http_cors.h"
#include "server/http_negotiate.h"
#include "server/http_ratelimit.h"
#include "server/http_reply.h"
#include "server/request_facts.h"
#include "server/request_id.h"
#include "server/trusted_docs.h"

typedef struct graphql_call {
    http_pending pending;
    http_media media;
    rs_response_meta meta; /* caching facts for the headers (the executor fills it) */
    rs_facts facts;        /* filled by the executor; copied to the request for its log line and metrics */
    http_rl_caller rl;     /* the caller, when a rate limit budget may apply (rs_request.admit) */
} graphql_call;

/* The draft's request parameters, checked; the strings and JSON are owned by the request or body. */
typedef struct graphql_params {
    const char *query;
    size_t query_len;
    const char *operation_name; /* NULL when absent or null */
    json_t *variables;          /* NULL when absent or null; a reference we own */
    json_t *extensions;         /* likewise; read for persistedQuery */
    const char *apq_hash;       /* extensions.persistedQuery.sha256Hash, owned by extensions; or NULL */
    const char *document_id;    /* documentId (persisted documents), or NULL */
} graphql_params;

static void respond_error(h2o_req_t *req, http_media media, int status, const char *reason,
                          const char *message)
{
    base_buf b;
    base_buf_init(&b);
    base_buf_puts(&b, "{\"errors\":[{\"message\":");
    base_buf_json_string(&b, message, strlen(message));
    base_buf_puts(&b, "}]}");
    http_respond(req, status, reason, http_media_content_type(media), b.failed ? "{}" : b.data,
                 b.failed ? 2 : b.len);
    base_buf_free(&b);
}

static bool method_is(h2o_req_t *req, const char *method, size_t len)
{
    return h2o_memis(req->method.base, req->method.len, method, len);
}

/* Several Accept headers count as one list (RFC 9110 5.3). */
static http_media negotiate(h2o_req_t *req)
{
    ssize_t at = h2o_find_header(&req->headers, H2O_TOKEN_ACCEPT, -1);
    if (at < 0)
        return HTTP_MEDIA_JSON; /* the draft: no Accept is application/json, until its watershed */
    h2o_iovec_t accept = req->headers.entries[at].value;
    while ((at = h2o_find_header(&req->headers, H2O_TOKEN_ACCEPT, at)) >= 0)
        accept =
            h2o_concat(&req->pool, accept, h2o_iovec_init(H2O_STRLIT(",")), req->headers.entries[at].value);
    return http_negotiate_accept(accept.base, accept.len);
}

/*
 * Retry-After (seconds) when the database is unreachable: the pool's reconnect
 * backoff tops out at 5 s, so by then it has tried again at least once (an
 * Aurora Serverless v2 resume takes up to about 15 s: a few retries).
 */
#define RETRY_UNAVAILABLE "5"

/* ---- the parameters, from JSON values ---- */

enum { P_QUERY, P_OPERATION_NAME, P_VARIABLES, P_EXTENSIONS, P_DOCUMENT_ID, NPARAMS };
static const char *const param_names[NPARAMS] = {"query", "operationName", "variables", "extensions",
                                                 "documentId"};

static const char *object_param_problem(int param)
{
    return param == P_VARIABLES ? "The \"variables\" parameter must be a JSON object or null."
                                : "The \"extensions\" parameter must be a JSON object or null.";
}

/* variables and extensions: a JSON object, or null (or absent). */
static bool object_or_null_ok(const json_t *value)
{
    return value == NULL || json_is_object(value) || json_is_null(value);
}

/* Takes a reference to an object parameter (none for null). */
static json_t *object_or_null(json_t *value)
{
    return json_is_object(value) ? json_incref(value) : NULL;
}

/* ---- GET: the parameters from the URL ---- */

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

/* Decodes application/x-www-form-urlencoded text into out (room for len + 1); -1 on a bad escape. */
static ssize_t url_decode(const char *s, size_t len, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '+') {
            out[o++] = ' ';
        } else if (s[i] == '%') {
            int hi = i + 2 < len ? hexval(s[i + 1]) : -1, lo = i + 2 < len ? hexval(s[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                return -1;
            out[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return (ssize_t)o;
}

/* The four parameters, URL-decoded into the request's pool (NUL-terminated); unknown names are ignored. */
static const char *parse_query_string(h2o_req_t *req, h2o_iovec_t values[NPARAMS], bool seen[NPARAMS],
                                      char *message, size_t size)
{
    memset(seen, 0, NPARAMS * sizeof(*seen));
    if (req->query_at == SIZE_MAX)
        return NULL;
    const char *s = req->path.base + req->query_at + 1, *end = req->path.base + req->path.len;
    while (s < end) {
        const char *stop = memchr(s, '&', (size_t)(end - s));
        stop = stop != NULL ? stop : end;
        const char *eq = memchr(s, '=', (size_t)(stop - s));
        const char *key_end = eq != NULL ? eq : stop;
        char key[16];
        ssize_t key_len =
            (size_t)(key_end - s) < sizeof(key) ? url_decode(s, (size_t)(key_end - s), key) : -1;
        for (int i = 0; i < NPARAMS && key_len >= 0; i++) {
            if ((size_t)key_len != strlen(param_names[i]) ||
                memcmp(key, param_names[i], (size_t)key_len) != 0)
                continue;
            if (seen[i]) {
                snprintf(message, size, "The \"%s\" parameter appears twice in the URL.", param_names[i]);
                return message;
            }
            const char *v = eq != NULL ? eq + 1 : stop;
            char *out = h2o_mem_alloc_pool(&req->pool, (size_t)(stop - v) + 1);
            ssize_t len = url_decode(v, (size_t)(stop - v), out);
            if (len < 0)
                return "The URL has an invalid percent-encoding.";
            values[i] = h2o_iovec_init(out, (size_t)len);
            seen[i] = true;
        }
        s = stop + 1;
    }
    return NULL;
}

/* variables= or extensions= from the URL: JSON text; empty counts as absent. */
static const char *url_json_param(const h2o_iovec_t values[NPARAMS], const bool seen[NPARAMS], int param,
                                  json_t **out)
{
    *out = NULL;
    if (!seen[param] || values[param].len == 0)
        return NULL;
    json_error_t jerr;
    json_t *value =
        json_loadb(values[param].base, values[param].len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
    bool ok = value != NULL && object_or_null_ok(value);
    *out = ok ? object_or_null(value) : NULL;
    json_decref(value);
    return ok ? NULL : object_param_problem(param);
}

static const char *params_from_url(h2o_req_t *req, graphql_params *p, char *message, size_t size)
{
    h2o_iovec_t values[NPARAMS];
    bool seen[NPARAMS];
    const char *problem = parse_query_string(req, values, seen, message, size);
    if (problem != NULL)
        return problem;
    p->query =
        seen[P_QUERY] ? values[P_QUERY].base : NULL; /* none: maybe a persisted query (see apq_params) */
    p->query_len = seen[P_QUERY] ? values[P_QUERY].len : 0;
    p->operation_name =
        seen[P_OPERATION_NAME] && values[P_OPERATION_NAME].len > 0 ? values[P_OPERATION_NAME].base : NULL;
    p->document_id = seen[P_DOCUMENT_ID] ? values[P_DOCUMENT_ID].base : NULL;
    /* %00 would cut the name short where it is read as a C string: another operation's name. */
    if (p->operation_name != NULL && memchr(p->operation_name, '\0', values[P_OPERATION_NAME].len) != NULL)
        return "The \"operationName\" parameter holds a NUL character (%00), which no name can hold.";
    problem = url_json_param(values, seen, P_VARIABLES, &p->variables);
    if (problem == NULL)
        problem = url_json_param(values, seen, P_EXTENSIONS, &p->extensions);
    return problem;
}

/* ---- POST: the parameters from a JSON body ---- */

/* What is wrong with a body jansson would not read, in our words (its own text names its flags). */
static const char *json_problem(const json_error_t *err)
{
    switch (json_error_code(err)) {
    case json_error_invalid_utf8:
        return "it is not valid UTF-8";
    case json_error_premature_end_of_input:
        return "it ends before the JSON value does";
    case json_error_end_of_input_expected:
        return "something follows the JSON value";
    case json_error_null_character:
    case json_error_null_byte_in_key:
        return "a string holds \\u0000 (NUL), which no value here can hold";
    case json_error_duplicate_key:
        return "an object has the same key twice";
    case json_error_numeric_overflow:
        return "a number is too large";
    case json_error_stack_overflow:
        return "it nests too deeply";
    case json_error_out_of_memory:
        return "the server ran out of memory reading it";
    default:
        return "its syntax is wrong";
    }
}

/* *body keeps the document alive while p points into it. */
static const char *params_from_body(h2o_req_t *req, graphql_params *p, json_t **body, char *message,
                                    size_t size)
{
    json_error_t jerr;
    *body = json_loadb(req->entity.base != NULL ? req->entity.base : "", req->entity.len,
                       JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
    if (*body == NULL) {
        if (req->entity.len == 0)
            return "The request body is empty; it must be a JSON object with a \"query\".";
        snprintf(message, size, "The request body is not valid JSON: %s (line %d, column %d).",
                 json_problem(&jerr), jerr.line, jerr.column);
        return message;
    }
    if (!json_is_object(*body))
        return "The request body must be a JSON object.";
    json_t *query = json_object_get(*body, "query");
    json_t *operation_name = json_object_get(*body, "operationName");
    json_t *variables = json_object_get(*body, "variables");
    json_t *extensions = json_object_get(*body, "extensions");
    json_t *document_id = json_object_get(*body, "documentId");
    if (query != NULL && !json_is_string(query))
        return "The \"query\" parameter must be a string.";
    if (document_id != NULL && !json_is_string(document_id) && !json_is_null(document_id))
        return "The \"documentId\" parameter must be a string.";
    if (operation_name != NULL && !json_is_string(operation_name) && !json_is_null(operation_name))
        return "The \"operationName\" parameter must be a string or null.";
    if (!object_or_null_ok(variables))
        return object_param_problem(P_VARIABLES);
    if (!object_or_null_ok(extensions))
        return object_param_problem(P_EXTENSIONS);
    p->query = query != NULL ? json_string_value(query) : NULL; /* none: maybe a persisted query */
    p->query_len = query != NULL ? json_string_length(query) : 0;
    /* "" names no operation (a name has a character at least): absent, as an empty one in a GET's URL. */
    p->operation_name = json_is_string(operation_name) && json_string_length(operation_name) > 0
                            ? json_string_value(operation_name)
                            : NULL;
    p->variables = object_or_null(variables);
    p->extensions = object_or_null(extensions);
    p->document_id = json_is_string(document_id) ? json_string_value(document_id) : NULL;
    return NULL;
}

/* ---- automatic persisted queries (Apollo's protocol) ---- */

/*
 * extensions.persistedQuery {version: 1, sha256Hash}: sets p->apq_hash. With a
 * query, the hash must be the query's (Apollo: 400, "provided sha does not
 * match query"); without one, the executor looks the text up. Returns the
 * complete 400 body when the request is refused, else NULL; without
 * persistedQuery a request still needs its query (the draft's 400).
 */
static const char *apq_params(graphql_params *p, bool get, const char **plain_problem)
{
    json_t *pq = p->extensions != NULL ? json_object_get(p->extensions, "persistedQuery") : NULL;
    *plain_problem = NULL;
    if (pq == NULL || json_is_null(pq)) {
        if (p->query == NULL && p->document_id == NULL)
            *plain_problem = get ? "Missing the \"query\" parameter." : "The request body has no \"query\".";
        return NULL;
    }
    json_t *version = json_object_get(pq, "version");
    json_t *hash = json_object_get(pq, "sha256Hash");
    if (!json_is_object(pq) || !json_is_integer(version) || json_integer_value(version) != 1)
        return "{\"errors\":[{\"message\":\"Unsupported persisted query version\","
               "\"extensions\":{\"code\":\"BAD_REQUEST\"}}]}";
    if (!json_is_string(hash) ||
        (p->query != NULL && !apq_hash_matches(p->query, p->query_len, json_string_value(hash))))
        return "{\"errors\":[{\"message\":\"provided sha does not match query\","
               "\"extensions\":{\"code\":\"INTERNAL_SERVER_ERROR\"}}]}";
    /* A hash that is not 64 hex digits cannot name a stored query: looked up, it is not found. */
    p->apq_hash =
        apq_hash_valid(json_string_value(hash), json_string_length(hash)) ? json_string_value(hash) : "-";
    return NULL;
}

/* Cache-Control and friends from the executor's caching facts (README "Caching"). */
static void add_cache_headers(h2o_req_t *req, const rs_response_meta *m, int status)
{
    if (m->apq_not_found) {
        /* Apollo's: a CDN must not keep "not found" once the query is registered. */
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                       H2O_STRLIT("private, no-cache, must-revalidate"));
        return;
    }
    if (status != 200 || m->max_age == 0 || m->stale) {
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL, H2O_STRLIT("no-store"));
    } else {
        /* "max-age=N, public|private", without printf: this runs on every cached answer. */
        const char *scope = m->private_scope ? ", private" : ", public";
        char value[8 + 21 + 10] = "max-age=";
        size_t n = 8 + gql_format_uint(m->max_age, value + 8);
        memcpy(value + n, scope, strlen(scope) + 1);
        n += strlen(scope);
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                       h2o_strdup(&req->pool, value, n).base, n);
    }
    if (m->stale)
        h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("warning"), 0, NULL,
                              H2O_STRLIT("110 - \"Response is Stale\""));
    if (m->hit) {
        char *age = h2o_mem_alloc_pool(&req->pool, 21);
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_AGE, NULL, age, gql_format_uint(m->age, age));
    }
}

/* ---- executing ---- */

static void on_done(void *user, rs_outcome outcome, const char *body, size_t len)
{
    graphql_call *call = user;
    h2o_req_t *req = http_pending_end(&call->pending);
    if (req != NULL) {
        rs_facts *facts = request_facts_of(req);
        if (facts != NULL)
            *facts = call->facts;
        int status = 200;
        const char *reason = "OK";
        switch (outcome) {
        case RS_OVERLOADED:
            status = 503, reason = "Service Unavailable";
            h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL, H2O_STRLIT("1"));
            break;
        case RS_UNAVAILABLE: /* the database is unreachable: see finish() in executor.c */
            status = 503, reason = "Service Unavailable";
            h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL,
                           H2O_STRLIT(RETRY_UNAVAILABLE));
            break;
        case RS_RATE_LIMITED: { /* the caller's budget is spent (http_ratelimit.h) */
            char refusal[400];
            size_t n = http_ratelimit_refusal(req, &call->rl, refusal, sizeof(refusal));
            if (n > 0)
                body = refusal, len = n;
            add_cache_headers(req, &call->meta, 429);
            http_respond(req, 429, "Too Many Requests", http_media_content_type(call->media), body, len);
            free(call);
            return;
        }
        case RS_METHOD_NOT_ALLOWED: /* a mutation over GET */
            status = 405, reason = "Method Not Allowed";
            h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ALLOW, NULL, H2O_STRLIT("POST"));
            break;
        case RS_REQUEST_ERROR:
            /* The draft: 4xx under its own type; 200 under application/json, which legacy clients expect. */
            if (call->media == HTTP_MEDIA_GRAPHQL_RESPONSE)
                status = 400, reason = "Bad Request";
            break;
        case RS_DATA:
            break;
        }
        add_cache_headers(req, &call->meta, status);
        http_respond(req, status, reason, http_media_content_type(call->media), body, len);
    }
    free(call);
}

static bool on_admit(void *user, const rs_admission *admission)
{
    graphql_call *call = user;
    return http_ratelimit_admit(call->pending.worker->ratelimit, &call->rl, admission);
}

static void execute(h2o_req_t *req, http_media media, const graphql_params *p, bool get,
                    const gqld_principal *who)
{
    graphql_call *call = calloc(1, sizeof(*call));
    if (call == NULL) {
        respond_error(req, media, 503, "Service Unavailable", "Out of memory.");
        return;
    }
    call->media = media;
    http_pending_start(&call->pending, req);
    /* The bytes that carried the parameters, by which the engine remembers a cacheable request. */
    bool has_query = req->query_at != SIZE_MAX;
    rs_request r = {
        .query = p->query,
        .query_len = p->query_len,
        .operation_name = p->operation_name,
        .variables = p->variables,
        .forbid_mutations = get, /* GraphQL over HTTP: a mutation over GET is refused before it runs */
        .apq_hash = p->apq_hash,
        .meta = &call->meta,
        .facts = &call->facts,
        .principal = who->rs,
        .raw = get ? (has_query ? req->path.base + req->query_at + 1 : "") : req->entity.base,
        .raw_len = get ? (has_query ? req->path.len - req->query_at - 1 : 0) : req->entity.len,
        .raw_in_url = get,
    };
    /* The caller's budget, charged with the cost the engine computes (none set: nothing to charge). */
    if (http_ratelimit_identify(http_worker_of(req)->ratelimit, req, who, &call->rl))
        r.admit = on_admit;
    rs_execute(http_worker_of(req)->rs, &r, on_done, call);
}

/* ---- trusted documents (GQLD_TRUSTED_DOCUMENTS) ---- */

typedef enum trust_verdict {
    TRUST_OK,
    TRUST_BAD_ID,
    TRUST_BOTH,
    TRUST_UNKNOWN_ID,
    TRUST_APQ_NOT_FOUND,
    TRUST_NOT_ALLOWED
} trust_verdict;

/*
 * The text the request runs, from the manifest when it names a document
 * (documentId, or Apollo's persisted query hash), and whether it may run at
 * all in enforce mode. TRUST_OK may have set p->query to a manifest document
 * (valid until this worker next swaps manifests: after the request is handed
 * to the engine).
 */
static trust_verdict trusted_text(http_worker *w, graphql_params *p, const gqld_principal *who)
{
    const trusted_docs *t = trusted_docs_current(&w->trusted, &w->trusted_next);
    /* AUTH_MODE=none makes every request an admin (the engine's rule), so exempt too */
    bool admin = who->rs.kind == RS_PRINCIPAL_ADMIN || w->cfg->auth_mode == GQLD_AUTH_NONE;
    bool enforce = w->cfg->trusted_documents_mode == GQLD_TRUST_ENFORCE &&
                   !(w->cfg->trusted_documents_admin_exempt && admin);
    uint8_t digest[32];
    size_t len;
    const char *text;
    if (p->document_id != NULL) {
        if (p->query != NULL)
            return TRUST_BOTH;
        if (strncmp(p->document_id, "sha256:", 7) != 0 ||
            !trusted_docs_parse_hex(p->document_id + 7, strlen(p->document_id + 7), digest))
            return TRUST_BAD_ID;
        if ((text = trusted_docs_find(t, digest, &len)) == NULL)
            return TRUST_UNKNOWN_ID;
        p->query = text, p->query_len = len, p->apq_hash = NULL;
        return TRUST_OK;
    }
    if (p->query == NULL && p->apq_hash != NULL) {
        /* Apollo's hash: the manifest first; then, unless enforced, the persisted queries registered. */
        if (trusted_docs_parse_hex(p->apq_hash, strlen(p->apq_hash), digest) &&
            (text = trusted_docs_find(t, digest, &len)) != NULL) {
            p->query = text, p->query_len = len, p->apq_hash = NULL;
            return TRUST_OK;
        }
        return enforce ? TRUST_APQ_NOT_FOUND : TRUST_OK;
    }
    if (enforce && p->query != NULL) {
        uint8_t actual[CACHE_KEY_BYTES];
        cache_sha256(p->query, p->query_len, actual);
        if (trusted_docs_find(t, actual, &len) == NULL)
            return TRUST_NOT_ALLOWED; /* and a persisted query registration with it is refused too */
        p->apq_hash = NULL;           /* a manifest document needs no registration */
    }
    return TRUST_OK;
}

/* A refusal of trusted_text, as a request error (HTTP 400 under graphql-response+json, 200 under json). */
static void respond_untrusted(h2o_req_t *req, http_media media, trust_verdict v)
{
    static const char *const bodies[] = {
        [TRUST_BAD_ID] =
            "{\"errors\":[{\"message\":\"The \\\"documentId\\\" parameter must be \\\"sha256:\\\" and 64 hex "
            "digits.\"}]}",
        [TRUST_BOTH] =
            "{\"errors\":[{\"message\":\"Send either \\\"query\\\" or \\\"documentId\\\", not both.\"}]}",
        [TRUST_UNKNOWN_ID] = "{\"errors\":[{\"message\":\"No trusted document has this documentId.\","
                             "\"extensions\":{\"code\":\"PERSISTED_QUERY_NOT_FOUND\"}}]}",
        [TRUST_APQ_NOT_FOUND] =
            "{\"errors\":[{\"message\":\"PersistedQueryNotFound\",\"extensions\":{\"code\":"
            "\"PERSISTED_QUERY_NOT_FOUND\"}}]}",
        [TRUST_NOT_ALLOWED] =
            "{\"errors\":[{\"message\":\"Only trusted documents run on this server: send the "
            "documentId of a document of its manifest.\",\"extensions\":{\"code\":"
            "\"PERSISTED_QUERY_NOT_ALLOWED\"}}]}",
    };
    const char *body = bodies[v];
    bool bad = v == TRUST_BAD_ID || v == TRUST_BOTH;
    int status = bad || (media == HTTP_MEDIA_GRAPHQL_RESPONSE && v != TRUST_APQ_NOT_FOUND) ? 400 : 200;
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                   v == TRUST_APQ_NOT_FOUND ? "private, no-cache, must-revalidate" : "no-store",
                   v == TRUST_APQ_NOT_FOUND ? 34 : 8);
    http_respond(req, status, status == 400 ? "Bad Request" : "OK", http_media_content_type(media), body,
                 strlen(body));
}

/* The parameters, then the credentials, then the engine. */
static void run_params(h2o_req_t *req, http_media media, bool get)
{
    const gqld_config *cfg = http_worker_of(req)->cfg;
    graphql_params p = {0};
    json_t *body = NULL;
    char message[300];
    const char *problem = get ? params_from_url(req, &p, message, sizeof(message))
                              : params_from_body(req, &p, &body, message, sizeof(message));
    if (cfg->trusted_documents_mode == GQLD_TRUST_OFF)
        p.document_id = NULL; /* persisted documents off: an unknown parameter, ignored */
    /* json_dumpb with no buffer measures the compact form without writing it. */
    if (problem == NULL && p.variables != NULL &&
        json_dumpb(p.variables, NULL, 0, JSON_COMPACT) > cfg->max_variables_bytes) {
        snprintf(message, sizeof(message), "The \"variables\" object is larger than the limit of %zu bytes.",
                 cfg->max_variables_bytes);
        problem = message;
    }
    const char *apq_refusal = problem == NULL ? apq_params(&p, get, &problem) : NULL;
    gqld_principal who;        /* an invalid token is answered 401 by http_auth */
    who.authenticated = false; /* AUTH_MODE=none leaves it: such callers are told apart by address */
    if (apq_refusal != NULL)
        http_respond(req, 400, "Bad Request", http_media_content_type(media), apq_refusal,
                     strlen(apq_refusal));
    else if (problem != NULL)
        respond_error(req, media, 400, "Bad Request", problem);
    else if (http_auth_principal(req, media, &who) == 0) {
        trust_verdict trust = trusted_text(http_worker_of(req), &p, &who);
        if (trust == TRUST_OK)
            execute(req, media, &p, get, &who);
        else
            respond_untrusted(req, media, trust);
    }
    json_decref(p.variables);
    json_decref(p.extensions);
    json_decref(body);
}

int http_graphql_handle(h2o_req_t *req)
{
    const gqld_config *cfg = http_worker_of(req)->cfg;
    if (method_is(req, H2O_STRLIT("OPTIONS")) && http_cors_options(req, cfg))
        return 0;
    bool get = method_is(req, H2O_STRLIT("GET")), post = method_is(req, H2O_STRLIT("POST"));
    /* Every answer with a body is in the negotiated type: a 405 comes first, yet speaks the client's type. */
    http_media media = negotiate(req);
    if (!get && !post) {
        const char *allow = http_cors_allowed_methods(cfg);
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ALLOW, NULL, allow, strlen(allow));
        respond_error(req, media != HTTP_MEDIA_NONE ? media : HTTP_MEDIA_JSON, 405, "Method Not Allowed",
                      "Use GET or POST on /graphql.");
        return 0;
    }
    if (media == HTTP_MEDIA_NONE) {
        respond_error(req, HTTP_MEDIA_JSON, 406, "Not Acceptable",
                      "Accept must allow application/graphql-response+json or application/json.");
        return 0;
    }
    if (post) {
        ssize_t at = h2o_find_header(&req->headers, H2O_TOKEN_CONTENT_TYPE, -1);
        if (at < 0 || !http_content_type_is_json(req->headers.entries[at].value.base,
                                                 req->headers.entries[at].value.len)) {
            respond_error(req, media, 415, "Unsupported Media Type",
                          "POST requests must have Content-Type: application/json (charset utf-8, if any).");
            return 0;
        }
    }
    run_params(req, media, get);
    return 0;
}

/* ---- the answers h2o makes alone ---- */

/*
 * h2o answers some requests before any handler runs, on the host's fallback
 * path: 413 for a body over GQLD_MAX_BODY_BYTES (by Content-Length, or as a
 * chunked body grows), 400 for broken framing. As h2o writes them they are
 * text/plain without x-request-id. This filter gives every such answer an
 * x-request-id and, on /graphql, a GraphQL error body in the negotiated type,
 * like the server's own error answers: h2o's text becomes the message.
 */
typedef struct own_error_filter {
    h2o_filter_t super;
    const gqld_config *cfg;
} own_error_filter;

typedef struct own_error_ostream {
    h2o_ostream_t super;
    const gqld_config *cfg;
    bool sent;
} own_error_ostream;

static void own_error_send(h2o_ostream_t *self_, h2o_req_t *req, h2o_iovec_t *bufs, size_t bufcnt,
                           h2o_send_state_t state)
{
    own_error_ostream *self = (own_error_ostream *)self_;
    if (self->sent) {
        h2o_ostream_send_next(&self->super, req, NULL, 0, state);
        return;
    }
    self->sent = true;
    char message[200];
    /* h2o's own text (one buffer: h2o_send_inline's) says what was wrong with the framing. */
    h2o_iovec_t said = bufcnt == 1 ? bufs[0] : h2o_iovec_init(H2O_STRLIT("invalid request"));
    if (req->res.status == 413)
        snprintf(message, sizeof(message), "The request body is larger than the limit of %zu bytes.",
                 self->cfg->max_body_bytes);
    else
        snprintf(message, sizeof(message), "The request is malformed: %.*s.",
                 (int)(said.len < 100 ? said.len : 100), said.base);
    base_buf b;
    base_buf_init(&b);
    base_buf_puts(&b, "{\"errors\":[{\"message\":");
    base_buf_json_string(&b, message, strlen(message));
    base_buf_puts(&b, "}]}");
    h2o_iovec_t body = b.failed ? h2o_iovec_init(H2O_STRLIT("{}")) : h2o_strdup(&req->pool, b.data, b.len);
    base_buf_free(&b);
    req->res.content_length = body.len;
    /* A HEAD answer has no body (h2o sends none: bufcnt is 0), only its length. */
    h2o_ostream_send_next(&self->super, req, bufcnt > 0 ? &body : NULL, bufcnt > 0 ? 1 : 0, state);
}

static void own_error_setup(h2o_filter_t *self_, h2o_req_t *req, h2o_ostream_t **slot)
{
    own_error_filter *self = (own_error_filter *)self_;
    http_worker *w = http_worker_of(req);
    if (h2o_find_header_by_str(&req->res.headers, H2O_STRLIT("x-request-id"), -1) < 0)
        request_id_assign(req, w->index, &w->request_ids);
    if (req->res.status >= 400 &&
        h2o_memis(req->path_normalized.base, req->path_normalized.len, H2O_STRLIT("/graphql"))) {
        http_media media = negotiate(req);
        const char *type = http_media_content_type(media != HTTP_MEDIA_NONE ? media : HTTP_MEDIA_JSON);
        ssize_t at = h2o_find_header(&req->res.headers, H2O_TOKEN_CONTENT_TYPE, -1);
        if (at >= 0)
            req->res.headers.entries[at].value = h2o_iovec_init(type, strlen(type));
        else
            h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, type, strlen(type));
        own_error_ostream *o = (own_error_ostream *)h2o_add_ostream(req, sizeof(*o), slot);
        o->super.do_send = own_error_send;
        o->cfg = self->cfg;
        o->sent = false;
        slot = &o->super.next;
    }
    h2o_setup_next_ostream(req, slot);
}

void http_graphql_register_own_errors(h2o_pathconf_t *fallback, const gqld_config *cfg)
{
    own_error_filter *f = (own_error_filter *)h2o_create_filter(fallback, sizeof(*f));
    f->super.on_setup_ostream = own_error_setup;
    f->cfg = cfg;
}
