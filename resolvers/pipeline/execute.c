/* execute: every root field planned into one statement, all sent at once, each answer rendered. */

#include <string.h>

#include "resolvers/pipeline/pipeline_internal.h"
#include "resolvers/sql/catalog.h"
#include "resolvers/sql/render.h"
#include "resolvers/sql/sql_build.h"
#include "schema/base/buf.h"
#include "schema/gql_introspect.h"

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
        if (render_value(plan, r, &slot->path, &x->errors, &x->arena, &slot->json, &slot->len) != 0)
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
        else if (r->status == DB_ERR_TIMEOUT)
            x->timeouts++;
        if (x->facts != NULL)
            *(r->status == DB_ERR_TIMEOUT ? &x->facts->db_timeouts
              : r->status == DB_ERR_QUERY ? &x->facts->db_failures
                                          : &x->facts->db_unavailable) += 1;
        /* SQL text and server messages stay in the server log, never in the response. */
        if (x->worker->engine->log_error != NULL)
            x->worker->engine->log_error(code, r->message != NULL ? r->message : "");
    }
    if (--x->pending == 0)
        finish(x, RS_DATA);
}

static void resolve_root(rs_exec *x, root_slot *slot)
{
    const gql_field_group *g = slot->group;
    const gql_schema *schema = x->ctx.schema;
    if (g->def == schema->meta_typename) {
        const char *name = gql_exec_root_type(&x->ctx)->name;
        base_buf quoted;
        base_buf_init(&quoted);
        base_buf_json_string(&quoted, name, strlen(name));
        set_slot(slot, quoted.failed ? "null" : base_arena_strndup(&x->arena, quoted.data, quoted.len) ?: "null");
        base_buf_free(&quoted);
        return;
    }
    if (g->def == schema->meta_schema || g->def == schema->meta_type) {
        /* Introspection reads only the schema: answered now, no database round trip. */
        base_buf out;
        base_buf_init(&out);
        const char *json = NULL;
        if (gql_introspect_root(&x->ctx, g, &slot->path, &out) == 0 && !out.failed)
            json = base_arena_strndup(&x->arena, out.data, out.len);
        set_slot(slot, json != NULL ? json : "null"); /* null: the error is recorded at the path */
        base_buf_free(&out);
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
    if (x->facts != NULL && x->facts->db_statements++ == 0)
        x->db_start_us = clock_us();
    if (db_coalesce_query(x->worker->coalesce, slot->plan.sql, (int)slot->plan.nparams, slot->plan.params,
                          on_result, slot) != 0) {
        x->pending--;
        slot_error(slot, "INTERNAL", "Out of memory.");
    }
}

/* Every root field planned, then every statement sent at once: one round trip for all root fields. */
void execute_roots(rs_exec *x)
{
    gql_field_groups roots;
    if (gql_collect_fields(&x->ctx, gql_exec_root_type(&x->ctx), x->ctx.operation->selection_set, &roots) !=
            0 ||
        (x->slots = base_arena_calloc(&x->arena, roots.count ? roots.count : 1, sizeof(*x->slots))) == NULL) {
        gql_errors_add(&x->errors, NULL, "Out of memory.");
        finish(x, RS_REQUEST_ERROR);
        return;
    }
    bool mutation = x->ctx.operation->operation == GQL_OP_MUTATION;
    for (const gql_field_group *g = roots.first; g != NULL; g = g->next) {
        root_slot *slot = &x->slots[x->nslots++];
        slot->exec = x;
        slot->group = g;
        slot->path.key = g->response_key;
        if (!mutation)
            resolve_root(x, slot);
    }
    if (mutation) {
        mutate_roots(x); /* one after another, each once the one before has committed */
        return;
    }
    if (x->request_errors.count > 0) {
        x->errors = x->request_errors; /* a request error alone, like a validation error */
        finish(x, RS_REQUEST_ERROR);
        return;
    }
    x->pending = 1;
    for (size_t i = 0; i < x->nslots; i++)
        if (x->slots[i].json == NULL)
            send_root(x, &x->slots[i]);
    if (--x->pending == 0)
        finish(x, RS_DATA);
}
