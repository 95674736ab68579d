/* PossibleFragmentSpreads (spec 5.5.2.3): a fragment applies only where its type can overlap the parent's. */
#include "schema/validate/validate_internal.h"

static bool enter_inline_fragment(gqlv_walk *w, void *st, const gqlv_node *node)
{
    (void)st, (void)node;
    const gql_tref *frag = gqlv_ti_type(w);
    const gql_typedef *frag_type = frag != NULL ? gql_tref_named(frag) : NULL;
    const gql_typedef *parent = gqlv_ti_parent_type(w);
    if (frag == NULL || frag->wrap != GQL_TYPE_NAMED || !gql_type_is_composite(frag_type) || parent == NULL ||
        gqlv_types_overlap(frag_type, parent))
        return false;
    gqlv_reportf(w->ctx, &node->u.selection->loc,
                 "Fragment cannot be spread here as objects of type \"%s\" can never be of type \"%s\".",
                 parent->name, frag_type->name);
    return false;
}

static bool enter_fragment_spread(gqlv_walk *w, void *st, const gqlv_node *node)
{
    (void)st;
    const gql_selection *sel = node->u.selection;
    const gqlv_fragment *f = gqlv_fragment_named(w->ctx, sel->name.ptr, sel->name.len);
    if (f == NULL)
        return false;
    const gql_typedef *frag_type = gqlv_type(w->ctx, f->def->type_condition.ptr, f->def->type_condition.len);
    const gql_typedef *parent = gqlv_ti_parent_type(w);
    if (frag_type == NULL || !gql_type_is_composite(frag_type) || parent == NULL ||
        gqlv_types_overlap(frag_type, parent))
        return false;
    gqlv_reportf(
        w->ctx, &sel->loc,
        "Fragment \"%s\" cannot be spread here as objects of type \"%s\" can never be of type \"%s\".",
        sel->name.ptr, parent->name, frag_type->name);
    return false;
}

const gqlv_rule gqlv_possible_fragment_spreads = {
    .name = "PossibleFragmentSpreadsRule",
    .enter = {[GQLV_INLINE_FRAGMENT] = enter_inline_fragment, [GQLV_FRAGMENT_SPREAD] = enter_fragment_spread},
};
