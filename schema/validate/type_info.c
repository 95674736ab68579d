/*
 * graphql-js's TypeInfo: as a walk enters and leaves nodes, the output type,
 * parent type, input type, field definition, default value, directive and
 * argument where the walk stands, as stacks (undefined entries included,
 * exactly where graphql-js pushes them, since the rules read those too).
 */
#include <string.h>

#include "schema/validate/validate_internal.h"

static const void *top(const gqlv_vec *v)
{
    return v->len != 0 ? v->items[v->len - 1] : NULL;
}

static void push(gqlv_walk *w, gqlv_vec *v, const void *item)
{
    if (!gqlv_vec_push(w->ctx->arena, v, item))
        gqlv_oom(w->ctx);
}

static void pop(gqlv_vec *v)
{
    if (v->len != 0)
        v->len--;
}

const gql_tref *gqlv_ti_type(const gqlv_walk *w)
{
    return top(&w->ti.types);
}

const gql_typedef *gqlv_ti_parent_type(const gqlv_walk *w)
{
    return top(&w->ti.parent_types);
}

const gql_tref *gqlv_ti_input_type(const gqlv_walk *w)
{
    return top(&w->ti.input_types);
}

const gql_tref *gqlv_ti_parent_input_type(const gqlv_walk *w)
{
    const gqlv_vec *v = &w->ti.input_types;
    return v->len > 1 ? v->items[v->len - 2] : NULL;
}

const gql_fielddef *gqlv_ti_field_def(const gqlv_walk *w)
{
    return top(&w->ti.field_defs);
}

const gql_value *gqlv_ti_default_value(const gqlv_walk *w)
{
    return top(&w->ti.default_values);
}

static const gql_argdef *find_arg(const gql_argdef *args, size_t n, const gql_str *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(args[i].name, name->ptr) == 0)
            return &args[i];
    return NULL;
}

static const gql_tref *input_or_null(const gql_tref *t)
{
    return gqlv_is_input_type(t) ? t : NULL;
}

void gqlv_ti_enter(gqlv_walk *w, const gqlv_node *n)
{
    gqlv_typeinfo *ti = &w->ti;
    gqlv_ctx *ctx = w->ctx;
    switch (n->kind) {
    case GQLV_SELECTION_SET: {
        const gql_tref *t = top(&ti->types);
        const gql_typedef *named = t != NULL ? gql_tref_named(t) : NULL;
        push(w, &ti->parent_types, named != NULL && gql_type_is_composite(named) ? named : NULL);
        break;
    }
    case GQLV_FIELD: {
        const gql_selection *sel = n->u.selection;
        const gql_fielddef *fd = gqlv_field_def(ctx, top(&ti->parent_types), sel->name.ptr, sel->name.len);
        push(w, &ti->field_defs, fd);
        push(w, &ti->types, fd != NULL ? fd->type : NULL);
        break;
    }
    case GQLV_DIRECTIVE:
        ti->directive = gql_schema_directive(ctx->schema, n->u.directive->name.ptr, n->u.directive->name.len);
        break;
    case GQLV_OPERATION: {
        gql_operation_type op = n->u.definition->operation;
        const gql_typedef *root = op == GQL_OP_QUERY      ? ctx->schema->query
                                  : op == GQL_OP_MUTATION ? ctx->schema->mutation
                                                          : ctx->schema->subscription;
        push(w, &ti->types, gqlv_named_ref(ctx, root));
        break;
    }
    case GQLV_INLINE_FRAGMENT:
    case GQLV_FRAGMENT_DEFINITION: {
        const gql_str *cond = n->kind == GQLV_INLINE_FRAGMENT ? &n->u.selection->type_condition
                                                              : &n->u.definition->type_condition;
        const gql_tref *t;
        if (cond->ptr != NULL) {
            t = gqlv_named_ref(ctx, gqlv_type(ctx, cond->ptr, cond->len));
        } else {
            const gql_tref *outer = top(&ti->types);
            t = outer != NULL ? gqlv_named_ref(ctx, gql_tref_named(outer)) : NULL;
        }
        push(w, &ti->types, gqlv_is_output_type(t) ? t : NULL);
        break;
    }
    case GQLV_VARIABLE_DEFINITION:
        push(w, &ti->input_types, input_or_null(gqlv_type_from_ast(ctx, n->u.variable->type)));
        break;
    case GQLV_ARGUMENT: {
        const gql_argdef *ad = NULL;
        if (ti->directive != NULL) {
            ad = find_arg(ti->directive->args, ti->directive->nargs, &n->u.argument->name);
        } else {
            const gql_fielddef *fd = top(&ti->field_defs);
            if (fd != NULL)
                ad = find_arg(fd->args, fd->nargs, &n->u.argument->name);
        }
        ti->argument = ad;
        push(w, &ti->default_values, ad != NULL ? ad->default_value : NULL);
        push(w, &ti->input_types, ad != NULL ? input_or_null(ad->type) : NULL);
        break;
    }
    case GQLV_VALUE:
        if (n->u.value->kind == GQL_VALUE_LIST) {
            const gql_tref *list = gqlv_nullable(top(&ti->input_types));
            const gql_tref *item = list != NULL && list->wrap == GQL_TYPE_LIST ? list->of : list;
            push(w, &ti->default_values, NULL); /* list positions never have a default */
            push(w, &ti->input_types, input_or_null(item));
        }
        break;
    case GQLV_OBJECT_FIELD: {
        const gql_tref *t = top(&ti->input_types);
        const gql_typedef *obj = t != NULL ? gql_tref_named(t) : NULL;
        const gql_argdef *f = NULL;
        if (obj != NULL && obj->kind == GQL_INPUT_OBJECT)
            f = find_arg(obj->input_fields, obj->ninput_fields, &n->u.object_field->name);
        push(w, &ti->default_values, f != NULL ? f->default_value : NULL);
        push(w, &ti->input_types, f != NULL ? input_or_null(f->type) : NULL);
        break;
    }
    default:
        break;
    }
}

void gqlv_ti_leave(gqlv_walk *w, const gqlv_node *n)
{
    gqlv_typeinfo *ti = &w->ti;
    switch (n->kind) {
    case GQLV_SELECTION_SET:
        pop(&ti->parent_types);
        break;
    case GQLV_FIELD:
        pop(&ti->field_defs);
        pop(&ti->types);
        break;
    case GQLV_DIRECTIVE:
        ti->directive = NULL;
        break;
    case GQLV_OPERATION:
    case GQLV_INLINE_FRAGMENT:
    case GQLV_FRAGMENT_DEFINITION:
        pop(&ti->types);
        break;
    case GQLV_VARIABLE_DEFINITION:
        pop(&ti->input_types);
        break;
    case GQLV_ARGUMENT:
        ti->argument = NULL;
        pop(&ti->default_values);
        pop(&ti->input_types);
        break;
    case GQLV_VALUE:
        if (n->u.value->kind == GQL_VALUE_LIST) {
            pop(&ti->default_values);
            pop(&ti->input_types);
        }
        break;
    case GQLV_OBJECT_FIELD:
        pop(&ti->default_values);
        pop(&ti->input_types);
        break;
    default:
        break;
    }
}
