#include "executor.h"

#include <stdlib.h>
#include <string.h>

#include "cache_lru.h"
#include "catalog.h"
#include "gql_buf.h"
#include "gql_errors.h"
#include "gql_exec.h"
#include "gql_introspect.h"
#include "gql_parser.h"
#include "gql_validate.h"
#include "plan.h"
#include "render.h"
#include "sql_build.h"

struct rs_worker {
    const rs_engine *engine;
    db_pool *pool;
    cache_lru *documents; /* parsed and validated documents by SHA-256 of their text */
};

/* A parsed, validated document, shared read-only by this thread's requests while pinned. */
typedef struct rs_document {
    gql_arena arena;
    gql_document *doc;
} rs_document;

static void free_document(void *value)
{
    rs_document *d = value;
    gql_arena_free(&d->arena);
    free(d);
}

typedef struct rs_exec rs_exec;

typedef struct root_slot {
    rs_exec *exec;
    const gql_field_group *group;
    gql_path path;
    rs_plan plan;     /* plan.sql set: a statement to send */
    const char *json; /* the rendered value; NULL while pending */
    size_t len;
} root_slot;

struct rs_exec {
    rs_worker *worker;
    gql_arena arena;
    gql_errors errors;
    gql_exec_ctx ctx;
    root_slot *slots;
    size_t nslots;
    size_t pending;
    bool overloaded;
    size_t unavailable;        /* root fields that failed with DB_UNAVAILABLE */
    rs_principal principal;    /* who reads: decides what the statements may return */
    gql_errors request_errors; /* from planning (limits): the request fails before anything is sent */
    rs_done_cb done;
    void *user;
    cache_entry *document; /* pinned until the response is written */
};

int rs_engine_check(const rs_engine *engine, char *err, size_t errlen)
{
    return catalog_check(engine->schema, err, errlen);
}

rs_worker *rs_worker_create(const rs_engine *engine, h2o_loop_t *loop, const db_pool_config *pool, char *err,
                            size_t errlen)
{
    rs_worker *w = calloc(1, sizeof(*w));
    if (w == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    w->engine = engine;
    w->documents =
        cache_lru_create(engine->limits.doc_cache_entries ? engine->limits.doc_cache_entries : 1,
                         engine->limits.doc_cache_bytes ? engine->limits.doc_cache_bytes : 1, free_document);
    w->pool = w->documents != NULL ? db_pool_create(loop, pool, err, errlen) : NULL;
    if (w->pool == NULL) {
        if (w->documents == NULL)
            snprintf(err, errlen, "out of memory");
        cache_lru_destroy(w->documents);
        free(w);
        return NULL;
    }
    return w;
}

void rs_worker_destroy(rs_worker *worker)
{
    if (worker == NULL)
        return;
    db_pool_destroy(worker->pool);
    cache_lru_destroy(worker->documents);
    free(worker);
}

db_pool *rs_worker_pool(rs_worker *worker)
{
    return worker->pool;
}

/* ---- finishing ---- */

static void set_slot(root_slot *slot, const char *json)
{
    slot->json = json;
    slot->len = strlen(json);
}

static void finish(rs_exec *x, rs_outcome outcome)
{
    gql_buf body;
    gql_buf_init(&body);
    if (x->overloaded) {
        outcome = RS_OVERLOADED;
        gql_buf_puts(&body, "{\"errors\":[{\"message\":\"The server is overloaded; retry later.\","
                            "\"extensions\":{\"code\":\"OVERLOADED\"}}]}");
    } else {
        /*
         * Every root field failed because the database is unreachable (Aurora
         * resuming, a failover, an outage): there is no data to give, so this
         * is answered as a request failure, `errors` only (each at its root
         * field's path) and no `data`, which the HTTP side maps to 503 with
         * Retry-After. Without `data` GraphQL over HTTP requires a 4xx/5xx
         * under application/graphql-response+json; under application/json it
         * recommends 200 but, as for OVERLOADED, a 503 tells caches, load
         * balancers and retrying clients what happened. When any root field
         * has a value (another root field answered, __typename, introspection)
         * the response keeps its `data` and stays 200.
         */
        if (outcome == RS_DATA && x->nslots > 0 && x->unavailable == x->nslots)
            outcome = RS_UNAVAILABLE;
        gql_buf_putc(&body, '{');
        if (x->errors.count > 0) {
            gql_buf_puts(&body, "\"errors\":");
            gql_errors_write(&x->errors, &body);
        }
        if (outcome == RS_DATA) {
            /* A null in a non-null root field nulls `data` itself (spec 6.4.4). */
            bool data_null = false;
            for (size_t i = 0; i < x->nslots; i++)
                if (x->slots[i].group->def != NULL &&
                    x->slots[i].group->def->type->wrap == GQL_TYPE_NON_NULL &&
                    strcmp(x->slots[i].json, "null") == 0)
                    data_null = true;
            gql_buf_puts(&body, x->errors.count > 0 ? ",\"data\":" : "\"data\":");
            if (data_null) {
                gql_buf_puts(&body, "null");
            } else {
                gql_buf_putc(&body, '{');
                for (size_t i = 0; i < x->nslots; i++) {
                    const root_slot *s = &x->slots[i];
                    if (i > 0)
                        gql_buf_putc(&body, ',');
                    gql_buf_json_string(&body, s->group->response_key, strlen(s->group->response_key));
                    gql_buf_putc(&body, ':');
                    gql_buf_append(&body, s->json, s->len);
                }
                gql_buf_putc(&body, '}');
            }
        }
        gql_buf_putc(&body, '}');
    }
    if (body.failed) {
        outcome = RS_REQUEST_ERROR;
        x->done(x->user, outcome, "{\"errors\":[{\"message\":\"Out of memory.\"}]}", 39);
    } else {
        x->done(x->user, outcome, body.data, body.len);
    }
    gql_buf_free(&body);
    if (x->document != NULL)
        cache_entry_unpin(x->document);
    gql_arena_free(&x->arena);
    free(x);
}

/* ---- database answers ---- */

static const char *error_code(db_status status, const char **message)
{
    switch (status) {
    case DB_ERR_TIMEOUT:
        *message = "The database did not answer in time.";
        return "DB_TIMEOUT";
    case DB_ERR_UNAVAILABLE:
    case DB_ERR_SHUTDOWN:
        *message = "The database is unavailable.";
        return "DB_UNAVAILABLE";
    default:
        *message = "Internal server error.";
        return "INTERNAL";
    }
}

/* The root field is null, with an error at its path. */
static void slot_error(root_slot *slot, const char *code, const char *message)
{
    rs_exec *x = slot->exec;
    gql_error *e = gql_errors_add(&x->errors, &slot->group->field->loc, "%s", message);
    if (e != NULL) {
        e->code = code;
        e->path = gql_path_copy(&x->arena, &slot->path);
    }
    set_slot(slot, "null");
}

static void on_result(void *ctx, const db_result *r)
{
    root_slot *slot = ctx;
    rs_exec *x = slot->exec;
    if (r->status == DB_OK) {
        /* The value is the statement's JSON text as PostgreSQL built it (sql_build.h). */
        const rs_plan *plan = &slot->plan;
        if (render_value(plan, r->res, &slot->path, &x->errors, &x->arena, &slot->json, &slot->len) != 0)
            slot_error(slot, "INTERNAL", "Internal server error.");
    } else if (r->status == DB_ERR_OVERLOADED) {
        x->overloaded = true;
        set_slot(slot, "null");
    } else {
        const char *message;
        const char *code = error_code(r->status, &message);
        slot_error(slot, code, message);
        if (r->status == DB_ERR_UNAVAILABLE || r->status == DB_ERR_SHUTDOWN)
            x->unavailable++;
        /* SQL text and server messages stay in the server log, never in the response. */
        if (x->worker->engine->log_error != NULL)
            x->worker->engine->log_error(code, r->message != NULL ? r->message : "");
    }
    if (--x->pending == 0)
        finish(x, RS_DATA);
}

/* ---- starting ---- */

static void resolve_root(rs_exec *x, root_slot *slot)
{
    const gql_field_group *g = slot->group;
    const gql_schema *schema = x->ctx.schema;
    if (g->def == schema->meta_typename) {
        const char *name = gql_exec_root_type(&x->ctx)->name;
        gql_buf quoted;
        gql_buf_init(&quoted);
        gql_buf_json_string(&quoted, name, strlen(name));
        set_slot(slot, quoted.failed ? "null" : gql_arena_strndup(&x->arena, quoted.data, quoted.len) ?: "null");
        gql_buf_free(&quoted);
        return;
    }
    if (g->def == schema->meta_schema || g->def == schema->meta_type) {
        /* Introspection reads only the schema: answered now, no database round trip. */
        gql_buf out;
        gql_buf_init(&out);
        const char *json = NULL;
        if (gql_introspect_root(&x->ctx, g, &slot->path, &out) == 0 && !out.failed)
            json = gql_arena_strndup(&x->arena, out.data, out.len);
        set_slot(slot, json != NULL ? json : "null"); /* null: the error is recorded at the path */
        gql_buf_free(&out);
        return;
    }
    /* Planned only: rs_execute sends the statements once every root field is planned (plan.h). */
    const rs_engine *engine = x->worker->engine;
    const rs_plan_ctx pc = {&x->ctx, x->principal, engine->limits.list_default, engine->limits.list_max,
                            &x->request_errors};
    const rs_root *root = g->def != NULL ? catalog_root(g->def->name) : NULL;
    rs_plan_status status = root ? plan_root(&pc, g, root, &slot->path, &slot->plan) : RS_PLAN_VALUE;
    if (status == RS_PLAN_QUERY && sql_build(&slot->plan, &x->arena) != 0)
        slot_error(slot, "INTERNAL", "Internal server error.");
    else if (status != RS_PLAN_QUERY)
        set_slot(slot, "null"); /* a denial or argument error at the path, or a request error */
}

/* One statement per root field, whatever the depth of its selection (sql_build.h). */
static void send_root(rs_exec *x, root_slot *slot)
{
    x->pending++;
    if (db_pool_query(x->worker->pool, slot->plan.sql, (int)slot->plan.nparams, slot->plan.params, on_result,
                      slot) == NULL) {
        x->pending--;
        slot_error(slot, "INTERNAL", "Out of memory.");
    }
}

/*
 * The document for the request's text: from this thread's cache, or parsed and
 * validated now and cached when valid (invalid ones are not kept: their errors
 * go to the response). NULL with errors added to x->errors when invalid.
 */
static const gql_document *document_for(rs_exec *x, const rs_request *request)
{
    rs_worker *w = x->worker;
    const rs_engine *engine = w->engine;
    if (engine->limits.max_query_bytes != 0 && request->query_len > engine->limits.max_query_bytes) {
        gql_errors_add(&x->errors, NULL, "The query is %zu bytes long; the limit is %zu bytes.",
                       request->query_len, engine->limits.max_query_bytes);
        return NULL;
    }
    uint8_t key[CACHE_KEY_BYTES];
    cache_sha256(request->query, request->query_len, key);
    x->document = cache_lru_get(w->documents, key);
    if (x->document != NULL)
        return ((rs_document *)cache_entry_value(x->document))->doc;

    rs_document *d = calloc(1, sizeof(*d));
    if (d == NULL) {
        gql_errors_add(&x->errors, NULL, "Out of memory.");
        return NULL;
    }
    gql_arena_init(&d->arena, engine->limits.max_arena_bytes);
    gql_parse_limits limits = {engine->limits.max_tokens, engine->limits.max_depth};
    gql_syntax_error syntax;
    d->doc = gql_parse(&d->arena, request->query, request->query_len, &limits, &syntax);
    if (d->doc == NULL)
        gql_errors_add(&x->errors, &syntax.loc, "%s", syntax.message);
    /* The cheap bounds first, so a fragment bomb never reaches the full validation. */
    if (d->doc == NULL ||
        gql_validate_limits(engine->schema, d->doc, &engine->limits.document, &x->errors) > 0 ||
        gql_validate(engine->schema, d->doc, &x->errors) > 0 ||
        (!engine->introspection && gql_introspect_reject(engine->schema, d->doc, &x->errors) > 0)) {
        free_document(d);
        return NULL;
    }
    x->document = cache_lru_put(w->documents, key, d, d->arena.total + sizeof(*d));
    if (x->document == NULL) {
        free_document(d);
        gql_errors_add(&x->errors, NULL, "Out of memory.");
        return NULL;
    }
    return d->doc;
}

void rs_execute(rs_worker *worker, const rs_request *request, rs_done_cb done, void *user)
{
    const rs_engine *engine = worker->engine;
    rs_exec *x = calloc(1, sizeof(*x));
    if (x == NULL) {
        done(user, RS_REQUEST_ERROR, "{\"errors\":[{\"message\":\"Out of memory.\"}]}", 39);
        return;
    }
    x->worker = worker;
    x->done = done;
    x->user = user;
    gql_arena_init(&x->arena, engine->limits.max_arena_bytes);
    gql_errors_init(&x->errors, &x->arena);
    gql_errors_init(&x->request_errors, &x->arena);
    x->principal = auth_scope_principal(engine->auth_mode, &request->principal);
    if (auth_scope_principal_keep(&x->principal, &x->arena) != 0)
        x->principal = (rs_principal){.kind = RS_PRINCIPAL_ANONYMOUS}; /* out of memory: the secure default */

    const gql_document *doc = document_for(x, request);
    if (doc != NULL && request->forbid_mutations) {
        const gql_definition *op = gql_exec_find_operation(doc, request->operation_name, &x->errors);
        if (op == NULL || op->operation == GQL_OP_MUTATION) {
            if (op != NULL)
                gql_errors_add(&x->errors, &op->loc, "Mutations cannot be sent with GET; use POST.");
            finish(x, op == NULL ? RS_REQUEST_ERROR : RS_METHOD_NOT_ALLOWED);
            return;
        }
    }
    if (doc == NULL || gql_exec_prepare(&x->ctx, engine->schema, doc, request->operation_name,
                                        request->variables, &x->arena, &x->errors) != 0) {
        finish(x, RS_REQUEST_ERROR);
        return;
    }

    gql_field_groups roots;
    if (gql_collect_fields(&x->ctx, gql_exec_root_type(&x->ctx), x->ctx.operation->selection_set, &roots) !=
            0 ||
        (x->slots = gql_arena_calloc(&x->arena, roots.count ? roots.count : 1, sizeof(*x->slots))) == NULL) {
        gql_errors_add(&x->errors, NULL, "Out of memory.");
        finish(x, RS_REQUEST_ERROR);
        return;
    }
    for (const gql_field_group *g = roots.first; g != NULL; g = g->next) {
        root_slot *slot = &x->slots[x->nslots++];
        slot->exec = x;
        slot->group = g;
        slot->path.key = g->response_key;
        resolve_root(x, slot);
    }
    if (x->request_errors.count > 0) {
        x->errors = x->request_errors; /* a request error alone, like a validation error */
        finish(x, RS_REQUEST_ERROR);
        return;
    }
    /* Every statement is sent before any answer is read: one round trip for all root fields. */
    x->pending = 1;
    for (size_t i = 0; i < x->nslots; i++)
        if (x->slots[i].json == NULL)
            send_root(x, &x->slots[i]);
    if (--x->pending == 0)
        finish(x, RS_DATA);
}
