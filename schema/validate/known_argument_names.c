/* KnownArgumentNames (spec 5.4.1): arguments given to fields and directives are defined by them. */
#include <string.h>

#include "schema/validate/validate_internal.h"

static void report_unknown(gqlv_ctx *ctx, const gql_argument *arg, const char *where,
                           const char *const *known, size_t nknown)
{
    const char **suggested;
    size_t n = gqlv_suggestions(ctx, arg->name.ptr, known, nknown, &suggested);
    gqlv_str msg;
    gqlv_str_init(&msg, ctx->arena);
    gqlv_str_printf(&msg, "Unknown argument \"%s\" on %s.", arg->name.ptr, where);
    gqlv_did_you_mean(&msg, NULL, suggested, n);
    gqlv_report(ctx, gqlv_str_cstr(&msg), &arg->loc, 1);
}

static bool enter_argument(gqlv_walk *w, void *st, const gqlv_node *node)
{
    (void)st;
    gqlv_ctx *ctx = w->ctx;
    const gql_fielddef *fd = gqlv_ti_field_def(w);
    const gql_typedef *parent = gqlv_ti_parent_type(w);
    if (w->ti.argument != NULL || fd == NULL || parent == NULL)
        return false;
    const char **known = base_arena_alloc(ctx->arena, (fd->nargs ? fd->nargs : 1) * sizeof(*known));
    if (known == NULL)
        return gqlv_oom(ctx) != NULL;
    for (size_t i = 0; i < fd->nargs; i++)
        known[i] = fd->args[i].name;
    gqlv_str where;
    gqlv_str_init(&where, ctx->arena);
    gqlv_str_printf(&where, "field \"%s.%s\"", parent->name, fd->name);
    report_unknown(ctx, node->u.argument, gqlv_str_cstr(&where), known, fd->nargs);
    return false;
}

/* KnownArgumentNamesOnDirectives; its subtree is skipped, so the field check never sees directive arguments.
 */
static bool enter_directive(gqlv_walk *w, void *st, const gqlv_node *node)
{
    (void)st;
    gqlv_ctx *ctx = w->ctx;
    const gql_directive *d = node->u.directive;
    gqlv_directive def;
    if (d->args.first == NULL || !gqlv_directive_lookup(ctx, d->name.ptr, d->name.len, &def))
        return true;
    size_t nknown = def.doc_def != NULL ? def.doc_def->args.count : def.schema_def->nargs, i = 0;
    const char **known = base_arena_alloc(ctx->arena, (nknown ? nknown : 1) * sizeof(*known));
    if (known == NULL)
        return gqlv_oom(ctx) != NULL;
    if (def.doc_def != NULL)
        for (const gql_input_value_def *iv = def.doc_def->args.first; iv != NULL && i < nknown; iv = iv->next)
            known[i++] = iv->name.ptr;
    else
        for (; i < nknown; i++)
            known[i] = def.schema_def->args[i].name;
    gqlv_str where;
    gqlv_str_init(&where, ctx->arena);
    gqlv_str_printf(&where, "directive \"@%s\"", d->name.ptr);
    for (const gql_argument *a = d->args.first; a != NULL && !ctx->aborted; a = a->next) {
        bool found = false;
        for (size_t j = 0; j < i && !found; j++)
            found = strcmp(known[j], a->name.ptr) == 0;
        if (!found)
            report_unknown(ctx, a, gqlv_str_cstr(&where), known, i);
    }
    return true;
}

const gqlv_rule gqlv_known_argument_names = {
    .name = "KnownArgumentNamesRule",
    .enter = {[GQLV_DIRECTIVE] = enter_directive, [GQLV_ARGUMENT] = enter_argument},
};
