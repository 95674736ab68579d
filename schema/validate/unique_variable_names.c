/* UniqueVariableNames (spec 5.8.1): an operation defines each variable once. */
#include <string.h>

#include "schema/validate/validate_internal.h"

static bool enter_operation(gqlv_walk *w, void *st, const gqlv_node *node)
{
    (void)st;
    gqlv_ctx *ctx = w->ctx;
    const gql_variable_definitions *vars = &node->u.definition->variables;
    if (vars->count < 2)
        return false;
    /* Each name becomes "$name" in the message: the names are kept with their '$'. */
    const char **names = base_arena_alloc(ctx->arena, vars->count * sizeof(*names));
    gql_loc *locs = base_arena_alloc(ctx->arena, vars->count * sizeof(*locs));
    if (names == NULL || locs == NULL)
        return gqlv_oom(ctx) != NULL;
    size_t n = 0;
    for (const gql_variable_definition *v = vars->first; v != NULL && n < vars->count; v = v->next, n++) {
        char *dollar = base_arena_alloc(ctx->arena, v->name.len + 2);
        if (dollar == NULL)
            return gqlv_oom(ctx) != NULL;
        dollar[0] = '$';
        memcpy(dollar + 1, v->name.ptr, v->name.len + 1);
        names[n] = dollar;
        locs[n] = v->name_loc;
    }
    gqlv_report_duplicates(ctx, names, locs, n, "variable");
    return false;
}

const gqlv_rule gqlv_unique_variable_names = {
    .name = "UniqueVariableNamesRule",
    .enter = {[GQLV_OPERATION] = enter_operation},
};
