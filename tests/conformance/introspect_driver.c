/*
 * introspect_driver: answers one GraphQL request over any SDL with the same
 * schema/ code gqld runs (parse, validate, prepare, collect, gql_introspect),
 * so the conformance test can compare schemas richer than the served one with
 * graphql-js. No database: only the meta fields (__schema, __type,
 * __typename) have values; any other root field is null.
 *
 *   introspect_driver SCHEMA.graphql [--introspection=off] < {"query": ..., "variables": ...,
 * "operationName": ...}
 *
 * Writes the response ({"errors": [...], "data": {...}}) to stdout; exits 0,
 * or 2 when the SDL or the request cannot be read.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/base/buf.h"
#include "schema/gql_errors.h"
#include "schema/gql_exec.h"
#include "schema/gql_introspect.h"
#include "schema/gql_parser.h"
#include "schema/gql_schema.h"
#include "schema/gql_validate.h"

static char *slurp(FILE *f, size_t *len)
{
    base_buf b;
    base_buf_init(&b);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        base_buf_append(&b, chunk, n);
    base_buf_putc(&b, '\0');
    if (b.failed) {
        base_buf_free(&b);
        return NULL;
    }
    *len = b.len - 1;
    return b.data;
}

/* Executes the chosen operation's root fields; returns false when a non-null root field is null. */
static bool execute(const gql_exec_ctx *ctx, base_buf *data)
{
    gql_field_groups roots;
    if (gql_collect_fields(ctx, gql_exec_root_type(ctx), ctx->operation->selection_set, &roots) != 0)
        return false;
    bool ok = true;
    base_buf_putc(data, '{');
    for (const gql_field_group *g = roots.first; g != NULL; g = g->next) {
        if (g != roots.first)
            base_buf_putc(data, ',');
        base_buf_json_string(data, g->response_key, strlen(g->response_key));
        base_buf_putc(data, ':');
        gql_path path = {NULL, g->response_key, 0};
        const gql_schema *s = ctx->schema;
        if (g->def == s->meta_typename) {
            base_buf_json_string(data, gql_exec_root_type(ctx)->name, strlen(gql_exec_root_type(ctx)->name));
        } else if (g->def == s->meta_schema || g->def == s->meta_type) {
            size_t mark = data->len;
            if (gql_introspect_root(ctx, g, &path, data) != 0) {
                data->len = mark;
                base_buf_puts(data, "null");
                ok = ok && g->def->type->wrap != GQL_TYPE_NON_NULL;
            }
        } else {
            base_buf_puts(data, "null");
            ok = ok && (g->def == NULL || g->def->type->wrap != GQL_TYPE_NON_NULL);
        }
    }
    base_buf_putc(data, '}');
    return ok;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s SCHEMA.graphql [--introspection=off] < request.json\n", argv[0]);
        return 2;
    }
    bool introspection = !(argc > 2 && strcmp(argv[2], "--introspection=off") == 0);
    FILE *f = fopen(argv[1], "rb");
    size_t sdl_len = 0, req_len = 0;
    char *sdl = f ? slurp(f, &sdl_len) : NULL;
    if (f)
        fclose(f);
    char *req_text = slurp(stdin, &req_len);
    json_error_t jerr;
    json_t *req = req_text ? json_loadb(req_text, req_len, 0, &jerr) : NULL;
    char err[512];
    gql_schema *schema = sdl ? gql_schema_load(sdl, sdl_len, argv[1], err, sizeof(err)) : NULL;
    const char *query = json_string_value(json_object_get(req, "query"));
    if (schema == NULL || query == NULL) {
        fprintf(stderr, "%s\n",
                schema == NULL ? (sdl ? err : "cannot read the SDL") : "no query in the request");
        gql_schema_free(schema);
        json_decref(req);
        free(sdl);
        free(req_text);
        return 2;
    }
    const json_t *variables = json_object_get(req, "variables");
    const char *operation_name = json_string_value(json_object_get(req, "operationName"));

    base_arena arena;
    base_arena_init(&arena, 0);
    gql_errors errors;
    gql_errors_init(&errors, &arena);
    base_buf data;
    base_buf_init(&data);
    bool has_data = false, data_ok = false;
    gql_syntax_error syntax;
    gql_document *doc = gql_parse(&arena, query, strlen(query), NULL, &syntax);
    gql_exec_ctx ctx;
    if (doc == NULL) {
        gql_errors_add(&errors, &syntax.loc, "%s", syntax.message);
    } else if (gql_validate(schema, doc, &errors) == 0 &&
               (introspection || gql_introspect_reject(schema, doc, &errors) == 0) &&
               gql_exec_prepare(&ctx, schema, doc, operation_name, json_is_null(variables) ? NULL : variables,
                                &arena, &errors) == 0) {
        has_data = true;
        data_ok = execute(&ctx, &data);
    }

    base_buf body;
    base_buf_init(&body);
    base_buf_putc(&body, '{');
    if (errors.count > 0) {
        base_buf_puts(&body, "\"errors\":");
        gql_errors_write(&errors, &body);
    }
    if (has_data) {
        base_buf_puts(&body, errors.count > 0 ? ",\"data\":" : "\"data\":");
        if (data_ok)
            base_buf_append(&body, data.data, data.len);
        else
            base_buf_puts(&body, "null");
    }
    base_buf_puts(&body, "}\n");
    int status = body.failed ? 2 : 0;
    if (!body.failed)
        fwrite(body.data, 1, body.len, stdout);
    base_buf_free(&body);
    base_buf_free(&data);
    base_arena_free(&arena);
    gql_schema_free(schema);
    json_decref(req);
    free(sdl);
    free(req_text);
    return status;
}
