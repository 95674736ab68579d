/* NoUnusedVariables (spec 5.8.4): every variable an operation defines is used, there or in its fragments. */
#include "schema/validate/validate_internal.h"

typedef struct state {
    gqlv_vec defs; /* gql_variable_definition * of the current operation */
} state;

static bool enter_operation(gqlv_walk *w, void *st, const gqlv_node *node)
{
    (void)w, (void)node;
    ((state *)st)->defs.len = 0;
    return false;
}

static bool enter_variable_definition(gqlv_walk *w, void *st, const gqlv_node *node)
{
    if (!gqlv_vec_push(w->ctx->arena, &((state *)st)->defs, node->u.variable))
        gqlv_oom(w->ctx);
    return false;
}

static bool leave_operation(gqlv_walk *w, void *st, const gqlv_node *node)
{
    state *s = st;
    gqlv_ctx *ctx = w->ctx;
    const gql_definition *op = node->u.definition;
    const gqlv_usages *usages = gqlv_recursive_usages(ctx, op);
    if (usages == NULL)
        return false;
    gqlv_names used;
    gqlv_names_init(&used, ctx->arena);
    for (size_t i = 0; i < usages->count; i++)
        if (!gqlv_names_put(&used, usages->items[i].node->text.ptr, usages->items[i].node))
            return gqlv_oom(ctx) != NULL;
    for (size_t i = 0; i < s->defs.len && !ctx->aborted; i++) {
        const gql_variable_definition *v = s->defs.items[i];
        if (gqlv_names_get(&used, v->name.ptr) != NULL)
            continue;
        if (op->name.ptr != NULL)
            gqlv_reportf(ctx, &v->loc, "Variable \"$%s\" is never used in operation \"%s\".", v->name.ptr,
                         op->name.ptr);
        else
            gqlv_reportf(ctx, &v->loc, "Variable \"$%s\" is never used.", v->name.ptr);
    }
    return false;
}

const gqlv_rule gqlv_no_unused_variables = {
    .name = "NoUnusedVariablesRule",
    .state_size = sizeof(state),
    .enter = {[GQLV_OPERATION] = enter_operation, [GQLV_VARIABLE_DEFINITION] = enter_variable_definition},
    .leave = {[GQLV_OPERATION] = leave_operation},
};
