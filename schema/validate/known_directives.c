/* KnownDirectives (spec 5.7.1, 5.7.2): directives exist and stand where their definition allows. */
#include "schema/validate/validate_internal.h"

/* The bit index (into gql_directive_location) of where a directive held by `holder` stands. */
static unsigned location_of(const gqlv_node *holder)
{
    switch (holder->kind) {
    case GQLV_OPERATION:
        switch (holder->u.definition->operation) {
        case GQL_OP_QUERY:
            return 0;
        case GQL_OP_MUTATION:
            return 1;
        case GQL_OP_SUBSCRIPTION:
            return 2;
        }
        return 0;
    case GQLV_FIELD:
        return 3;
    case GQLV_FRAGMENT_DEFINITION:
        return 4;
    case GQLV_FRAGMENT_SPREAD:
        return 5;
    case GQLV_INLINE_FRAGMENT:
        return 6;
    case GQLV_VARIABLE_DEFINITION:
        return 7;
    case GQLV_FIELD_DEFINITION:
        return 11;
    case GQLV_ENUM_VALUE_DEFINITION:
        return 16;
    case GQLV_INPUT_VALUE_DEFINITION: {
        /* graphql-js: an input object's definition (not an extension) holds input fields; all else arguments
         */
        const gqlv_node *owner = holder->parent;
        bool input_field = owner != NULL && owner->kind == GQLV_TYPE_SYSTEM_DEFINITION &&
                           owner->u.definition->kind == GQL_DEF_INPUT_OBJECT &&
                           !owner->u.definition->is_extension;
        return input_field ? 18 : 12;
    }
    case GQLV_TYPE_SYSTEM_DEFINITION:
        switch (holder->u.definition->kind) {
        case GQL_DEF_SCHEMA:
            return 8;
        case GQL_DEF_SCALAR:
            return 9;
        case GQL_DEF_OBJECT:
            return 10;
        case GQL_DEF_INTERFACE:
            return 13;
        case GQL_DEF_UNION:
            return 14;
        case GQL_DEF_ENUM:
            return 15;
        default:
            return 17;
        }
    default:
        return 0;
    }
}

static bool enter_directive(gqlv_walk *w, void *st, const gqlv_node *node)
{
    (void)st;
    const gql_directive *d = node->u.directive;
    gqlv_directive def;
    if (!gqlv_directive_lookup(w->ctx, d->name.ptr, d->name.len, &def)) {
        gqlv_reportf(w->ctx, &d->loc, "Unknown directive \"@%s\".", d->name.ptr);
        return false;
    }
    unsigned where = location_of(node->parent);
    if ((def.locations & (1u << where)) == 0)
        gqlv_reportf(w->ctx, &d->loc, "Directive \"@%s\" may not be used on %s.", d->name.ptr,
                     gql_directive_location_name(where));
    return false;
}

const gqlv_rule gqlv_known_directives = {
    .name = "KnownDirectivesRule",
    .enter = {[GQLV_DIRECTIVE] = enter_directive},
};
