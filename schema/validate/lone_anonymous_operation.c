/* LoneAnonymousOperation (spec 5.2.2.1): an anonymous operation must be the only one. */
#include "schema/validate/validate_internal.h"

typedef struct state {
    size_t operations;
} state;

static bool enter_document(gqlv_walk *w, void *st, const gqlv_node *node)
{
    (void)w;
    state *s = st;
    for (const gql_definition *d = node->u.document->first; d != NULL; d = d->next)
        s->operations += d->kind == GQL_DEF_OPERATION;
    return false;
}

static bool enter_operation(gqlv_walk *w, void *st, const gqlv_node *node)
{
    const state *s = st;
    const gql_definition *op = node->u.definition;
    if (op->name.ptr == NULL && s->operations > 1)
        gqlv_reportf(w->ctx, &op->loc, "This anonymous operation must be the only defined operation.");
    return false;
}

const gqlv_rule gqlv_lone_anonymous_operation = {
    .name = "LoneAnonymousOperationRule",
    .state_size = sizeof(state),
    .enter = {[GQLV_DOCUMENT] = enter_document, [GQLV_OPERATION] = enter_operation},
};
