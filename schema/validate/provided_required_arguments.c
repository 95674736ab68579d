/*
 * ProvidedRequiredArguments (spec 5.4.2.1): every non-null argument without a
 * default is given. Checked when leaving the field or directive, so errors
 * found deeper come first, as in graphql-js.
 */
#include <string.h>

#include "schema/validate/validate_internal.h"

static bool given(const gql_arguments *args, const char *name)
{
    for (const gql_argument *a = args->first; a != NULL; a = a->next)
        if (strcmp(a->name.ptr, name) == 0)
            return true;
    return false;
}

static bool leave_field(gqlv_walk *w, void *st, const gqlv_node *node)
{
    (void)st;
    gqlv_ctx *ctx = w->ctx;
    const gql_fielddef *fd = gqlv_ti_field_def(w);
    const gql_selection *sel = node->u.selection;
    for (size_t i = 0; fd != NULL && i < fd->nargs && !ctx->aborted; i++) {
        const gql_argdef *a = &fd->args[i];
        if (a->type->wrap != GQL_TYPE_NON_NULL || a->default_value != NULL || given(&sel->args, a->name))
            continue;
        gqlv_str t;
        gqlv_str_init(&t, ctx->arena);
        gqlv_print_tref(&t, a->type);
        gqlv_reportf(ctx, &sel->loc,
                     "Field \"%s\" argument \"%s\" of type \"%s\" is required, but it was not provided.",
                     fd->name, a->name, gqlv_str_cstr(&t));
    }
    return false;
}

static void missing_directive_argument(gqlv_ctx *ctx, const gql_directive *d, const char *arg, gqlv_str *type)
{
    gqlv_reportf(ctx, &d->loc,
                 "Directive \"@%s\" argument \"%s\" of type \"%s\" is required, but it was not provided.",
                 d->name.ptr, arg, gqlv_str_cstr(type));
}

static bool leave_directive(gqlv_walk *w, void *st, const gqlv_node *node)
{
    (void)st;
    gqlv_ctx *ctx = w->ctx;
    const gql_directive *d = node->u.directive;
    gqlv_directive def;
    if (!gqlv_directive_lookup(ctx, d->name.ptr, d->name.len, &def))
        return false;
    if (def.doc_def != NULL) {
        for (const gql_input_value_def *iv = def.doc_def->args.first; iv != NULL && !ctx->aborted;
             iv = iv->next) {
            if (iv->type->kind != GQL_TYPE_NON_NULL || iv->default_value != NULL ||
                given(&d->args, iv->name.ptr))
                continue;
            gqlv_str t;
            gqlv_str_init(&t, ctx->arena);
            gqlv_print_type_ref(&t, iv->type);
            missing_directive_argument(ctx, d, iv->name.ptr, &t);
        }
        return false;
    }
    for (size_t i = 0; i < def.schema_def->nargs && !ctx->aborted; i++) {
        const gql_argdef *a = &def.schema_def->args[i];
        if (a->type->wrap != GQL_TYPE_NON_NULL || a->default_value != NULL || given(&d->args, a->name))
            continue;
        gqlv_str t;
        gqlv_str_init(&t, ctx->arena);
        gqlv_print_tref(&t, a->type);
        missing_directive_argument(ctx, d, a->name, &t);
    }
    return false;
}

const gqlv_rule gqlv_provided_required_arguments = {
    .name = "ProvidedRequiredArgumentsRule",
    .leave = {[GQLV_FIELD] = leave_field, [GQLV_DIRECTIVE] = leave_directive},
};
