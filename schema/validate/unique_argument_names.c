/* UniqueArgumentNames (spec 5.4.2): a field or directive is given each argument once. */
#include "schema/validate/validate_internal.h"

static void check(gqlv_ctx *ctx, const gql_arguments *args)
{
    if (args->count < 2)
        return;
    const char **names = base_arena_alloc(ctx->arena, args->count * sizeof(*names));
    gql_loc *locs = base_arena_alloc(ctx->arena, args->count * sizeof(*locs));
    if (names == NULL || locs == NULL) {
        gqlv_oom(ctx);
        return;
    }
    size_t n = 0;
    for (const gql_argument *a = args->first; a != NULL && n < args->count; a = a->next, n++) {
        names[n] = a->name.ptr;
        locs[n] = a->loc;
    }
    gqlv_report_duplicates(ctx, names, locs, n, "argument");
}

static bool enter_field(gqlv_walk *w, void *st, const gqlv_node *node)
{
    (void)st;
    check(w->ctx, &node->u.selection->args);
    return false;
}

static bool enter_directive(gqlv_walk *w, void *st, const gqlv_node *node)
{
    (void)st;
    check(w->ctx, &node->u.directive->args);
    return false;
}

const gqlv_rule gqlv_unique_argument_names = {
    .name = "UniqueArgumentNamesRule",
    .enter = {[GQLV_FIELD] = enter_field, [GQLV_DIRECTIVE] = enter_directive},
};
