/* ScalarLeafs (spec 5.3.3): leaves have no selection set; objects, interfaces and unions need one. */
#include "schema/validate/validate_internal.h"

static bool enter_field(gqlv_walk *w, void *st, const gqlv_node *node)
{
    (void)st;
    const gql_tref *type = gqlv_ti_type(w);
    if (type == NULL)
        return false;
    const gql_selection *sel = node->u.selection;
    gqlv_str t;
    gqlv_str_init(&t, w->ctx->arena);
    if (gqlv_is_leaf(gql_tref_named(type))) {
        if (sel->selection_set != NULL) {
            gqlv_print_tref(&t, type);
            gqlv_reportf(w->ctx, &sel->selection_set->loc,
                         "Field \"%s\" must not have a selection since type \"%s\" has no subfields.",
                         sel->name.ptr, gqlv_str_cstr(&t));
        }
    } else if (sel->selection_set == NULL && w->ctx->no_suggestions) {
        gqlv_print_tref(&t, type);
        gqlv_reportf(w->ctx, &sel->loc, "Field \"%s\" of type \"%s\" must have a selection of subfields.",
                     sel->name.ptr, gqlv_str_cstr(&t));
    } else if (sel->selection_set == NULL) {
        gqlv_print_tref(&t, type);
        gqlv_reportf(
            w->ctx, &sel->loc,
            "Field \"%s\" of type \"%s\" must have a selection of subfields. Did you mean \"%s { ... "
            "}\"?",
            sel->name.ptr, gqlv_str_cstr(&t), sel->name.ptr);
    }
    return false;
}

const gqlv_rule gqlv_scalar_leafs = {
    .name = "ScalarLeafsRule",
    .enter = {[GQLV_FIELD] = enter_field},
};
