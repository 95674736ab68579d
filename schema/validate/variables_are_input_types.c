/* VariablesAreInputTypes (spec 5.8.2): a variable's type is a scalar, an enum or an input object. */
#include "schema/validate/validate_internal.h"

static bool enter_variable_definition(gqlv_walk *w, void *st, const gqlv_node *node)
{
    (void)st;
    const gql_variable_definition *v = node->u.variable;
    const gql_tref *t = gqlv_type_from_ast(w->ctx, v->type);
    if (t == NULL || gqlv_is_input_type(t))
        return false;
    gqlv_str type;
    gqlv_str_init(&type, w->ctx->arena);
    gqlv_print_type_ref(&type, v->type);
    gqlv_reportf(w->ctx, &v->type->loc, "Variable \"$%s\" cannot be non-input type \"%s\".", v->name.ptr,
                 gqlv_str_cstr(&type));
    return false;
}

const gqlv_rule gqlv_variables_are_input_types = {
    .name = "VariablesAreInputTypesRule",
    .enter = {[GQLV_VARIABLE_DEFINITION] = enter_variable_definition},
};
