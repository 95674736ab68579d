/* NoUndefinedVariables (spec 5.8.3): every variable used, in the operation or its fragments, is defined. */
#include "schema/validate/validate_internal.h"

typedef struct state {
    gqlv_names defined;
} state;

static bool enter_operation(gqlv_walk *w, void *st, const gqlv_node *node)
{
    (void)node;
    gqlv_names_init(&((state *)st)->defined, w->ctx->arena);
    return false;
}

static bool enter_variable_definition(gqlv_walk *w, void *st, const gqlv_node *node)
{
    if (!gqlv_names_put(&((state *)st)->defined, node->u.variable->name.ptr, node->u.variable))
        gqlv_oom(w->ctx);
    return false;
}

static bool leave_operation(gqlv_walk *w, void *st, const gqlv_node *node)
{
    state *s = st;
    const gql_definition *op = node->u.definition;
    const gqlv_usages *usages = gqlv_recursive_usages(w->ctx, op);
    for (size_t i = 0; usages != NULL && i < usages->count && !w->ctx->aborted; i++) {
        const gql_value *var = usages->items[i].node;
        if (gqlv_names_get(&s->defined, var->text.ptr) != NULL)
            continue;
        gql_loc locs[2] = {var->loc, op->loc};
        if (op->name.ptr != NULL)
            gqlv_reportn(w->ctx, locs, 2, "Variable \"$%s\" is not defined by operation \"%s\".",
                         var->text.ptr, op->name.ptr);
        else
            gqlv_reportn(w->ctx, locs, 2, "Variable \"$%s\" is not defined.", var->text.ptr);
    }
    return false;
}

const gqlv_rule gqlv_no_undefined_variables = {
    .name = "NoUndefinedVariablesRule",
    .state_size = sizeof(state),
    .enter = {[GQLV_OPERATION] = enter_operation, [GQLV_VARIABLE_DEFINITION] = enter_variable_definition},
    .leave = {[GQLV_OPERATION] = leave_operation},
};
