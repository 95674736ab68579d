/* NoUnusedFragments (spec 5.5.1.4): every fragment is spread, directly or not, by some operation. */
#include "schema/validate/validate_internal.h"

typedef struct state {
    gqlv_vec operations; /* gql_definition * in document order */
    gqlv_vec fragments;
} state;

static bool enter_operation(gqlv_walk *w, void *st, const gqlv_node *node)
{
    state *s = st;
    if (!gqlv_vec_push(w->ctx->arena, &s->operations, node->u.definition))
        gqlv_oom(w->ctx);
    return true;
}

static bool enter_fragment_definition(gqlv_walk *w, void *st, const gqlv_node *node)
{
    state *s = st;
    if (!gqlv_vec_push(w->ctx->arena, &s->fragments, node->u.definition))
        gqlv_oom(w->ctx);
    return true;
}

static bool leave_document(gqlv_walk *w, void *st, const gqlv_node *node)
{
    (void)node;
    state *s = st;
    gqlv_ctx *ctx = w->ctx;
    unsigned mark = ++ctx->collect_walk; /* a fragment reached from any operation carries it */
    for (size_t i = 0; i < s->operations.len; i++) {
        const gqlv_vec *frags = gqlv_referenced_fragments(ctx, s->operations.items[i]);
        if (frags == NULL)
            return false;
        for (size_t j = 0; j < frags->len; j++)
            ((gqlv_fragment *)frags->items[j])->used = mark;
    }
    for (size_t i = 0; i < s->fragments.len && !ctx->aborted; i++) {
        const gql_definition *d = s->fragments.items[i];
        const gqlv_fragment *f = gqlv_fragment_named(ctx, d->name.ptr, d->name.len);
        if (f == NULL || f->used != mark)
            gqlv_reportf(ctx, &d->loc, "Fragment \"%s\" is never used.", d->name.ptr);
    }
    return false;
}

const gqlv_rule gqlv_no_unused_fragments = {
    .name = "NoUnusedFragmentsRule",
    .state_size = sizeof(state),
    .enter = {[GQLV_OPERATION] = enter_operation, [GQLV_FRAGMENT_DEFINITION] = enter_fragment_definition},
    .leave = {[GQLV_DOCUMENT] = leave_document},
};
