/* UniqueOperationNames (spec 5.2.1.1): no two operations share a name. */
#include "schema/validate/validate_internal.h"

typedef struct state {
    gqlv_names seen; /* name -> the gql_definition that used it first */
} state;

static void init(gqlv_ctx *ctx, void *st)
{
    gqlv_names_init(&((state *)st)->seen, ctx->arena);
}

static bool enter_operation(gqlv_walk *w, void *st, const gqlv_node *node)
{
    state *s = st;
    const gql_definition *op = node->u.definition;
    if (op->name.ptr == NULL)
        return true;
    const gql_definition *first = gqlv_names_get(&s->seen, op->name.ptr);
    if (first != NULL) {
        gql_loc locs[2] = {first->name_loc, op->name_loc};
        gqlv_reportn(w->ctx, locs, 2, "There can be only one operation named \"%s\".", op->name.ptr);
    } else if (!gqlv_names_put(&s->seen, op->name.ptr, op)) {
        gqlv_oom(w->ctx);
    }
    return true;
}

static bool skip(gqlv_walk *w, void *st, const gqlv_node *node)
{
    (void)w, (void)st, (void)node;
    return true;
}

const gqlv_rule gqlv_unique_operation_names = {
    .name = "UniqueOperationNamesRule",
    .state_size = sizeof(state),
    .init = init,
    .enter = {[GQLV_OPERATION] = enter_operation, [GQLV_FRAGMENT_DEFINITION] = skip},
};
