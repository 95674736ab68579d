/* KnownFragmentNames (spec 5.5.2.1): every spread names a fragment the document defines. */
#include "schema/validate/validate_internal.h"

static bool enter_fragment_spread(gqlv_walk *w, void *st, const gqlv_node *node)
{
    (void)st;
    const gql_selection *sel = node->u.selection;
    if (gqlv_fragment_named(w->ctx, sel->name.ptr, sel->name.len) == NULL)
        gqlv_reportf(w->ctx, &sel->name_loc, "Unknown fragment \"%s\".", sel->name.ptr);
    return false;
}

const gqlv_rule gqlv_known_fragment_names = {
    .name = "KnownFragmentNamesRule",
    .enter = {[GQLV_FRAGMENT_SPREAD] = enter_fragment_spread},
};
