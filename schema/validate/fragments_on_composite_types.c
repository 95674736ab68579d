/* FragmentsOnCompositeTypes (spec 5.5.1.3): type conditions name objects, interfaces or unions. */
#include "schema/validate/validate_internal.h"

static bool enter_inline_fragment(gqlv_walk *w, void *st, const gqlv_node *node)
{
    (void)st;
    const gql_selection *sel = node->u.selection;
    if (sel->type_condition.ptr == NULL)
        return false;
    const gql_typedef *t = gqlv_type(w->ctx, sel->type_condition.ptr, sel->type_condition.len);
    if (t != NULL && !gql_type_is_composite(t))
        gqlv_reportf(w->ctx, &sel->type_condition_loc,
                     "Fragment cannot condition on non composite type \"%s\".", sel->type_condition.ptr);
    return false;
}

static bool enter_fragment_definition(gqlv_walk *w, void *st, const gqlv_node *node)
{
    (void)st;
    const gql_definition *d = node->u.definition;
    const gql_typedef *t = gqlv_type(w->ctx, d->type_condition.ptr, d->type_condition.len);
    if (t != NULL && !gql_type_is_composite(t))
        gqlv_reportf(w->ctx, &d->type_condition_loc,
                     "Fragment \"%s\" cannot condition on non composite type \"%s\".", d->name.ptr,
                     d->type_condition.ptr);
    return false;
}

const gqlv_rule gqlv_fragments_on_composite_types = {
    .name = "FragmentsOnCompositeTypesRule",
    .enter = {[GQLV_INLINE_FRAGMENT] = enter_inline_fragment,
              [GQLV_FRAGMENT_DEFINITION] = enter_fragment_definition},
};
