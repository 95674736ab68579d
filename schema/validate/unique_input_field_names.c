/* UniqueInputFieldNames (spec 5.6.3): an input object literal gives each field once. */
#include "schema/validate/validate_internal.h"

typedef struct state {
    gqlv_vec stack; /* gqlv_names * per enclosing object literal */
} state;

static bool enter_value(gqlv_walk *w, void *st, const gqlv_node *node)
{
    state *s = st;
    if (node->u.value->kind != GQL_VALUE_OBJECT)
        return false;
    gqlv_names *known = base_arena_alloc(w->ctx->arena, sizeof(*known));
    if (known == NULL || !gqlv_vec_push(w->ctx->arena, &s->stack, known))
        return gqlv_oom(w->ctx) != NULL;
    gqlv_names_init(known, w->ctx->arena);
    return false;
}

static bool leave_value(gqlv_walk *w, void *st, const gqlv_node *node)
{
    (void)w;
    state *s = st;
    if (node->u.value->kind == GQL_VALUE_OBJECT && s->stack.len > 0)
        s->stack.len--;
    return false;
}

static bool enter_object_field(gqlv_walk *w, void *st, const gqlv_node *node)
{
    state *s = st;
    if (s->stack.len == 0)
        return false;
    gqlv_names *known = (gqlv_names *)s->stack.items[s->stack.len - 1];
    const gql_object_field *f = node->u.object_field;
    const gql_object_field *first = gqlv_names_get(known, f->name.ptr);
    if (first != NULL) {
        gql_loc locs[2] = {first->loc, f->loc};
        gqlv_reportn(w->ctx, locs, 2, "There can be only one input field named \"%s\".", f->name.ptr);
    } else if (!gqlv_names_put(known, f->name.ptr, f)) {
        gqlv_oom(w->ctx);
    }
    return false;
}

const gqlv_rule gqlv_unique_input_field_names = {
    .name = "UniqueInputFieldNamesRule",
    .state_size = sizeof(state),
    .enter = {[GQLV_VALUE] = enter_value, [GQLV_OBJECT_FIELD] = enter_object_field},
    .leave = {[GQLV_VALUE] = leave_value},
};
