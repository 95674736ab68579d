/* UniqueFragmentNames (spec 5.5.1.1): no two fragments share a name. */
#include "schema/validate/validate_internal.h"

typedef struct state {
    gqlv_names seen; /* name -> the first gql_definition */
} state;

static void init(gqlv_ctx *ctx, void *st)
{
    gqlv_names_init(&((state *)st)->seen, ctx->arena);
}

static bool enter_fragment_definition(gqlv_walk *w, void *st, const gqlv_node *node)
{
    state *s = st;
    const gql_definition *d = node->u.definition;
    const gql_definition *first = gqlv_names_get(&s->seen, d->name.ptr);
    if (first != NULL) {
        gql_loc locs[2] = {first->name_loc, d->name_loc};
        gqlv_reportn(w->ctx, locs, 2, "There can be only one fragment named \"%s\".", d->name.ptr);
    } else if (!gqlv_names_put(&s->seen, d->name.ptr, d)) {
        gqlv_oom(w->ctx);
    }
    return true;
}

static bool skip(gqlv_walk *w, void *st, const gqlv_node *node)
{
    (void)w, (void)st, (void)node;
    return true;
}

const gqlv_rule gqlv_unique_fragment_names = {
    .name = "UniqueFragmentNamesRule",
    .state_size = sizeof(state),
    .init = init,
    .enter = {[GQLV_OPERATION] = skip, [GQLV_FRAGMENT_DEFINITION] = enter_fragment_definition},
};
