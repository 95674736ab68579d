#include "render.h"

#include <stdbool.h>
#include <string.h>

/* JSON's number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool is_json_number(const char *s, size_t len)
{
    size_t i = 0;
    if (i < len && s[i] == '-')
        i++;
    if (i >= len)
        return false;
    if (s[i] == '0')
        i++;
    else if (s[i] >= '1' && s[i] <= '9')
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++;
    else
        return false;
    if (i < len && s[i] == '.') {
        size_t start = ++i;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == start)
            return false;
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t start = i;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == start)
            return false;
    }
    return i == len;
}

/* Writes one leaf value; -1 (nothing written) when the text cannot be represented as the scalar. */
static int render_scalar(const gql_typedef *type, const char *text, size_t len, gql_buf *out)
{
    const char *n = type->name;
    if (strcmp(n, "Int") == 0 || strcmp(n, "Float") == 0) {
        if (!is_json_number(text, len))
            return -1;
        gql_buf_append(out, text, len);
    } else if (strcmp(n, "Boolean") == 0) {
        gql_buf_puts(out, text[0] == 't' ? "true" : "false");
    } else {
        gql_buf_json_string(out, text, len); /* ID, String, enums and custom scalars */
    }
    return 0;
}

int render_row(const rs_plan *plan, const PGresult *res, int row, const gql_path *path, gql_errors *errors,
               gql_buf *out)
{
    gql_buf_putc(out, '{');
    for (size_t i = 0; i < plan->noutputs; i++) {
        const rs_output *o = &plan->outputs[i];
        if (i > 0)
            gql_buf_putc(out, ',');
        gql_buf_json_string(out, o->key, strlen(o->key));
        gql_buf_putc(out, ':');
        if (o->kind == RS_OUT_TYPENAME) {
            gql_buf_json_string(out, plan->type->name, strlen(plan->type->name));
            continue;
        }
        gql_path here = {path, o->key, 0};
        bool non_null = o->def->type->wrap == GQL_TYPE_NON_NULL;
        if (PQgetisnull(res, row, o->column)) {
            if (non_null) {
                gql_error *e =
                    gql_errors_add(errors, &o->node->loc, "Cannot return null for non-nullable field %s.%s.",
                                   plan->type->name, o->def->name);
                if (e != NULL)
                    e->path = gql_path_copy(errors->arena, &here);
                return -1;
            }
            gql_buf_puts(out, "null");
            continue;
        }
        const gql_typedef *leaf = gql_tref_named(o->def->type);
        const char *text = PQgetvalue(res, row, o->column);
        size_t len = (size_t)PQgetlength(res, row, o->column);
        if (render_scalar(leaf, text, len, out) != 0) {
            gql_error *e = gql_errors_add(errors, &o->node->loc, "%s cannot represent value: %.*s",
                                          leaf->name, (int)(len > 40 ? 40 : len), text);
            if (e != NULL)
                e->path = gql_path_copy(errors->arena, &here);
            if (non_null)
                return -1;
            gql_buf_puts(out, "null"); /* render_scalar appended nothing */
        }
    }
    gql_buf_putc(out, '}');
    return 0;
}
