/*
 * mutate: a mutation's root fields, one after another, as the GraphQL spec
 * runs them (each completes before the next begins). Each field is checked and
 * planned only when its turn comes (resolvers/sql/write.h), then sent as one
 * write to the worker's writer pool: its statement and the read of its answer
 * in one transaction, one round trip, answered once committed
 * (db_pool_write). A field that fails nulls `data` (every Mutation field is
 * non-null) and the fields after it do not run.
 *
 * Spikes are shed before writing, never after: a full queue refuses the write
 * before anything is sent (OVERLOADED, HTTP 503 when nothing was written
 * yet). A write whose connection ended after it was sent has an unknown
 * outcome: OUTCOME_UNKNOWN, and the same request again tells (placeOrder's
 * idempotency key returns the order if it committed, or places it once).
 *
 * committed() is the write path's one place where something has changed: a
 * "something changed" hook (cache invalidation) belongs there.
 */
#include <string.h>

#include "resolvers/pipeline/pipeline_internal.h"
#include "resolvers/sql/render.h"
#include "resolvers/sql/write.h"

static void mutate_next(rs_exec *x);

/* The field's error at its path; the fields after it do not run. */
static void fail_field(root_slot *slot, const char *code, const char *message, const gql_path *input_path)
{
    rs_exec *x = slot->exec;
    gql_error *e = gql_errors_add(&x->errors, &slot->group->field->loc, "%s", message);
    if (e != NULL) {
        e->code = code;
        e->path = gql_path_copy(&x->arena, &slot->path);
        e->input_path = input_path;
    }
    set_slot(slot, "null");
    x->stopped = true;
}

/*
 * The write committed and its answer is in the slot. A hook that must know
 * what changed goes here: slot->write says which mutation and which row
 * (mutation->type and the answer's key), slot->json is the row as committed.
 */
static void committed(root_slot *slot)
{
    slot->exec->committed++;
}

static void log_db(rs_exec *x, const char *code, const db_result *r)
{
    if (x->worker->engine->log_error != NULL)
        x->worker->engine->log_error(code, r->message != NULL ? r->message : "");
}

/* A write that did not commit, or may not have: what the client is told. */
static void write_failed(root_slot *slot, const db_result *r)
{
    rs_exec *x = slot->exec;
    const char *sqlstate = r->sqlstate != NULL ? r->sqlstate : "";
    if (r->status == DB_ERR_OVERLOADED) {
        if (x->committed == 0) {
            x->overloaded = true; /* nothing written: the whole request is a 503 */
            set_slot(slot, "null");
            x->stopped = true;
        } else {
            fail_field(slot, "OVERLOADED",
                       "The server is overloaded: this field was not run (nothing written by it).", NULL);
        }
        return;
    }
    if (x->facts != NULL)
        *(r->status == DB_ERR_TIMEOUT ? &x->facts->db_timeouts
          : r->status == DB_ERR_QUERY ? &x->facts->db_failures
                                      : &x->facts->db_unavailable) += 1;
    if (r->status == DB_ERR_QUERY) {
        const char *message;
        const gql_path *input_path;
        const char *code = write_refusal(slot->write, sqlstate, r->detail, &x->arena, &message, &input_path);
        if (code != NULL) {
            fail_field(slot, code, message, input_path);
        } else {
            log_db(x, "INTERNAL", r);
            fail_field(slot, "INTERNAL", "Internal server error (nothing was written).", NULL);
        }
        return;
    }
    bool unknown = r->sent && (r->status != DB_ERR_TIMEOUT || strcmp(sqlstate, "57014") != 0);
    if (r->status == DB_ERR_TIMEOUT && !unknown) {
        log_db(x, "DB_TIMEOUT", r); /* the server's statement_timeout: the transaction rolled back */
        fail_field(slot, "DB_TIMEOUT", "The database did not answer in time; nothing was written.", NULL);
        return;
    }
    if (unknown) {
        log_db(x, "OUTCOME_UNKNOWN", r);
        fail_field(
            slot, "OUTCOME_UNKNOWN",
            "The connection to the database ended after the write was sent: it may or may not have been "
            "committed. Send the same request again (placeOrder: the same idempotencyKey) to find out; it is "
            "never applied twice.",
            NULL);
    } else {
        log_db(x, "DB_UNAVAILABLE", r);
        fail_field(slot, "DB_UNAVAILABLE", "The database is unavailable; nothing was written.", NULL);
    }
    if (x->committed == 0)
        x->unavailable = x->nslots; /* nothing written and nothing to show: a 503 (finish()) */
}

static void on_written(void *ctx, const db_result *r)
{
    root_slot *slot = ctx;
    rs_exec *x = slot->exec;
    if (r->status != DB_OK) {
        write_failed(slot, r);
    } else if (render_value(&slot->write->read, r, &slot->path, &x->errors, &x->arena, &slot->json,
                            &slot->len) != 0) {
        log_db(x, "INTERNAL", r);
        fail_field(slot, "INTERNAL", "Internal server error.", NULL);
    } else if (strcmp(slot->json, "null") == 0) {
        const char *message;
        const gql_path *at;
        const char *code =
            write_not_found(slot->write, &x->arena, &message, &at); /* nothing matched: unchanged */
        fail_field(slot, code, message, at);
    } else {
        committed(slot);
    }
    mutate_next(x);
}

/* Checks and plans the field, then sends its write. False when it was answered without one. */
static bool start_write(rs_exec *x, root_slot *slot)
{
    const rs_engine *engine = x->worker->engine;
    const rs_mutation *m = slot->group->def != NULL ? catalog_mutation(slot->group->def->name) : NULL;
    rs_write *w = base_arena_calloc(&x->arena, 1, sizeof(*w));
    if (m == NULL || w == NULL) {
        fail_field(slot, "INTERNAL", "Internal server error.", NULL);
        return false;
    }
    slot->write = w;
    const rs_plan_ctx pc = {&x->ctx, x->principal, engine->limits.list_default, engine->limits.list_max,
                            &x->request_errors};
    const rs_write_limits limits = {engine->writes.max_lines, engine->writes.max_quantity,
                                    engine->writes.key_ttl_s};
    switch (write_plan(&pc, &limits, slot->group, m, &slot->path, w)) {
    case RS_WRITE_SEND:
        break;
    case RS_WRITE_REQUEST_ERROR: /* the answer's selection broke a limit */
        x->stopped = true;
        set_slot(slot, "null");
        if (x->committed > 0) {
            /* Not a request error any more (that would hide what was written): the field's, at its path. */
            for (gql_error *e = x->request_errors.first; e != NULL; e = e->next)
                fail_field(slot, "BAD_USER_INPUT", e->message, NULL);
            gql_errors_init(&x->request_errors, &x->arena);
        }
        return false;
    case RS_WRITE_REFUSED:
        x->stopped = true;
        set_slot(slot, "null"); /* the error is recorded at the path */
        return false;
    }
    db_statement *stmts = base_arena_calloc(&x->arena, 2, sizeof(*stmts));
    if (stmts == NULL) {
        fail_field(slot, "INTERNAL", "Out of memory.", NULL);
        return false;
    }
    stmts[0] = (db_statement){w->sql, (int)w->nparams, w->params};
    stmts[1] = (db_statement){w->read.sql, (int)w->read.nparams, w->read.params};
    if (x->facts != NULL && x->facts->db_statements == 0)
        x->db_start_us = clock_us();
    if (x->facts != NULL)
        x->facts->db_statements += 2;
    if (db_pool_write(x->worker->writer, stmts, 2, on_written, slot) == NULL) {
        fail_field(slot, "INTERNAL", "Out of memory.", NULL);
        return false;
    }
    return true;
}

/* Runs the next field, or answers when none is left (or one failed). */
static void mutate_next(rs_exec *x)
{
    while (x->next_root < x->nslots) {
        root_slot *slot = &x->slots[x->next_root++];
        if (x->stopped) {
            set_slot(slot, "null"); /* not run: `data` is null anyway */
            continue;
        }
        if (slot->group->def == x->ctx.schema->meta_typename) {
            set_slot(slot, "\"Mutation\"");
            continue;
        }
        if (start_write(x, slot))
            return; /* on_written goes on */
    }
    if (x->request_errors.count > 0) {
        x->errors = x->request_errors; /* a request error alone, like a validation error: nothing was sent */
        finish(x, RS_REQUEST_ERROR);
        return;
    }
    finish(x, RS_DATA);
}

void mutate_roots(rs_exec *x)
{
    x->next_root = 0;
    mutate_next(x);
}
