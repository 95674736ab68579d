#include "plan.h"

#include <stdio.h>
#include <string.h>

#include "gql_buf.h"

int plan_root_lookup(const gql_exec_ctx *ctx, const gql_field_group *group, const rs_root_lookup *root,
                     const gql_path *path, rs_plan *out)
{
    memset(out, 0, sizeof(*out));
    out->root = root;
    out->type = gql_tref_named(group->def->type);

    const gql_value *key;
    if (gql_exec_arg(ctx, group, root->argument, path, &key) != 0)
        return -1;
    if (key == NULL || key->kind == GQL_VALUE_NULL)
        return 1;
    out->params[0] = key->text.ptr; /* ID and String arguments are coerced to text */
    out->nparams = 1;

    gql_field_groups fields;
    if (gql_collect_subfields(ctx, out->type, group, &fields) != 0)
        return -1;
    out->outputs = gql_arena_calloc(ctx->arena, fields.count ? fields.count : 1, sizeof(*out->outputs));
    if (out->outputs == NULL)
        return -1;

    /* Which catalog columns are needed, then their position in the SELECT list. */
    const rs_entity *e = root->entity;
    int position[64];
    if (e->ncolumns > sizeof(position) / sizeof(position[0]))
        return -1;
    for (size_t i = 0; i < e->ncolumns; i++)
        position[i] = -1;
    const gql_fielddef *typename_def = ctx->schema->meta_typename;
    for (const gql_field_group *f = fields.first; f != NULL; f = f->next)
        if (f->def != NULL && f->def != typename_def)
            position[catalog_column(e, f->def->name)] = 0;
    gql_buf sql;
    gql_buf_init(&sql);
    gql_buf_puts(&sql, "SELECT ");
    int ncols = 0;
    for (size_t i = 0; i < e->ncolumns; i++) {
        if (position[i] < 0)
            continue;
        position[i] = ncols++;
        gql_buf_printf(&sql, "%s%s", position[i] ? ", " : "", e->columns[i].sql);
    }
    if (ncols == 0)
        gql_buf_puts(&sql, "1"); /* only __typename: the row's existence still decides null */
    gql_buf_printf(&sql, " FROM %s WHERE %s = $1::%s", e->table, root->key_column, root->key_cast);

    for (const gql_field_group *f = fields.first; f != NULL; f = f->next) {
        rs_output *o = &out->outputs[out->noutputs++];
        o->key = f->response_key;
        o->node = f->field;
        o->def = f->def;
        if (f->def == NULL || f->def == typename_def) {
            o->kind = RS_OUT_TYPENAME; /* validation admits no other meta field here */
        } else {
            o->kind = RS_OUT_COLUMN;
            o->column = position[catalog_column(e, f->def->name)];
        }
    }
    out->sql = sql.failed ? NULL : gql_arena_strndup(ctx->arena, sql.data, sql.len);
    gql_buf_free(&sql);
    return out->sql != NULL ? 0 : -1;
}
