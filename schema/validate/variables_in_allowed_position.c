/*
 * VariablesInAllowedPosition (spec 5.8.5): a variable's type fits every
 * position it is used in. A nullable variable may stand where a non-null type
 * is expected when it, or the position, has a default value.
 */
#include "schema/validate/validate_internal.h"

typedef struct state {
    gqlv_names defs; /* name -> gql_variable_definition * of the current operation (the last wins) */
} state;

static bool enter_operation(gqlv_walk *w, void *st, const gqlv_node *node)
{
    (void)node;
    gqlv_names_init(&((state *)st)->defs, w->ctx->arena);
    return false;
}

static bool enter_variable_definition(gqlv_walk *w, void *st, const gqlv_node *node)
{
    if (!gqlv_names_put(&((state *)st)->defs, node->u.variable->name.ptr, node->u.variable))
        gqlv_oom(w->ctx);
    return false;
}

static bool allowed(const gql_tref *var_type, const gql_value *var_default, const gql_tref *location,
                    const gql_value *location_default)
{
    if (location->wrap == GQL_TYPE_NON_NULL && var_type->wrap != GQL_TYPE_NON_NULL) {
        bool var_has_default = var_default != NULL && var_default->kind != GQL_VALUE_NULL;
        if (!var_has_default && location_default == NULL)
            return false;
        return gqlv_is_type_sub_type_of(var_type, location->of);
    }
    return gqlv_is_type_sub_type_of(var_type, location);
}

static bool leave_operation(gqlv_walk *w, void *st, const gqlv_node *node)
{
    state *s = st;
    gqlv_ctx *ctx = w->ctx;
    const gqlv_usages *usages = gqlv_recursive_usages(ctx, node->u.definition);
    for (size_t i = 0; usages != NULL && i < usages->count && !ctx->aborted; i++) {
        const gqlv_usage *u = &usages->items[i];
        const gql_variable_definition *def = gqlv_names_get(&s->defs, u->node->text.ptr);
        if (def == NULL || u->type == NULL)
            continue;
        const gql_tref *var_type = gqlv_type_from_ast(ctx, def->type);
        if (var_type == NULL || allowed(var_type, def->default_value, u->type, u->default_value))
            continue;
        gqlv_str vt, lt;
        gqlv_str_init(&vt, ctx->arena);
        gqlv_str_init(&lt, ctx->arena);
        gqlv_print_tref(&vt, var_type);
        gqlv_print_tref(&lt, u->type);
        gql_loc locs[2] = {def->loc, u->node->loc};
        gqlv_reportn(ctx, locs, 2, "Variable \"$%s\" of type \"%s\" used in position expecting type \"%s\".",
                     def->name.ptr, gqlv_str_cstr(&vt), gqlv_str_cstr(&lt));
    }
    return false;
}

const gqlv_rule gqlv_variables_in_allowed_position = {
    .name = "VariablesInAllowedPositionRule",
    .state_size = sizeof(state),
    .enter = {[GQLV_OPERATION] = enter_operation, [GQLV_VARIABLE_DEFINITION] = enter_variable_definition},
    .leave = {[GQLV_OPERATION] = leave_operation},
};
