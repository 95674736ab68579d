/*
 * UniqueDirectivesPerLocation (spec 5.7.3): a non-repeatable directive
 * appears once where it stands. Type-system definitions and their extensions
 * share one location per type (and the schema's one), as in graphql-js.
 */
#include "schema/validate/validate_internal.h"

typedef struct state {
    gqlv_names schema_seen;
    gqlv_names type_seen; /* type name -> gqlv_names * */
} state;

static void init(gqlv_ctx *ctx, void *st)
{
    state *s = st;
    gqlv_names_init(&s->schema_seen, ctx->arena);
    gqlv_names_init(&s->type_seen, ctx->arena);
}

static const gql_directives *directives_of(const gqlv_node *node)
{
    switch (node->kind) {
    case GQLV_OPERATION:
    case GQLV_FRAGMENT_DEFINITION:
        return &node->u.definition->directives;
    case GQLV_TYPE_SYSTEM_DEFINITION:
        return node->u.definition->kind == GQL_DEF_DIRECTIVE ? NULL : &node->u.definition->directives;
    case GQLV_VARIABLE_DEFINITION:
        return &node->u.variable->directives;
    case GQLV_FIELD:
    case GQLV_FRAGMENT_SPREAD:
    case GQLV_INLINE_FRAGMENT:
        return &node->u.selection->directives;
    case GQLV_FIELD_DEFINITION:
        return &node->u.field_def->directives;
    case GQLV_INPUT_VALUE_DEFINITION:
        return &node->u.input_value_def->directives;
    case GQLV_ENUM_VALUE_DEFINITION:
        return &node->u.enum_value_def->directives;
    default:
        return NULL;
    }
}

static bool enter_holder(gqlv_walk *w, void *st, const gqlv_node *node)
{
    state *s = st;
    gqlv_ctx *ctx = w->ctx;
    const gql_directives *dirs = directives_of(node);
    if (dirs == NULL || dirs->first == NULL)
        return false;
    gqlv_names local, *seen = &local;
    if (node->kind == GQLV_TYPE_SYSTEM_DEFINITION && node->u.definition->kind == GQL_DEF_SCHEMA) {
        seen = &s->schema_seen;
    } else if (node->kind == GQLV_TYPE_SYSTEM_DEFINITION) {
        const char *type = node->u.definition->name.ptr;
        seen = (gqlv_names *)gqlv_names_get(&s->type_seen, type);
        if (seen == NULL) {
            seen = base_arena_alloc(ctx->arena, sizeof(*seen));
            if (seen == NULL)
                return gqlv_oom(ctx) != NULL;
            gqlv_names_init(seen, ctx->arena);
            if (!gqlv_names_put(&s->type_seen, type, seen))
                return gqlv_oom(ctx) != NULL;
        }
    } else {
        gqlv_names_init(&local, ctx->arena);
    }
    for (const gql_directive *d = dirs->first; d != NULL && !ctx->aborted; d = d->next) {
        gqlv_directive def;
        if (!gqlv_directive_lookup(ctx, d->name.ptr, d->name.len, &def) || def.repeatable)
            continue;
        const gql_directive *first = gqlv_names_get(seen, d->name.ptr);
        if (first != NULL) {
            gql_loc locs[2] = {first->loc, d->loc};
            gqlv_reportn(ctx, locs, 2, "The directive \"@%s\" can only be used once at this location.",
                         d->name.ptr);
        } else if (!gqlv_names_put(seen, d->name.ptr, d)) {
            return gqlv_oom(ctx) != NULL;
        }
    }
    return false;
}

const gqlv_rule gqlv_unique_directives_per_location = {
    .name = "UniqueDirectivesPerLocationRule",
    .state_size = sizeof(state),
    .init = init,
    .enter =
        {
            [GQLV_OPERATION] = enter_holder,
            [GQLV_VARIABLE_DEFINITION] = enter_holder,
            [GQLV_FIELD] = enter_holder,
            [GQLV_FRAGMENT_SPREAD] = enter_holder,
            [GQLV_INLINE_FRAGMENT] = enter_holder,
            [GQLV_FRAGMENT_DEFINITION] = enter_holder,
            [GQLV_TYPE_SYSTEM_DEFINITION] = enter_holder,
            [GQLV_FIELD_DEFINITION] = enter_holder,
            [GQLV_INPUT_VALUE_DEFINITION] = enter_holder,
            [GQLV_ENUM_VALUE_DEFINITION] = enter_holder,
        },
};
