/*
 * KnownTypeNames (spec 5.8.2 / 5.5.1.2): every type named in a variable
 * definition or a type condition exists. Types defined by the document itself
 * count; inside type-system definitions the standard scalars and
 * introspection types do too.
 */
#include <string.h>

#include "schema/validate/validate_internal.h"

static const char *const standard_type_names[] = {
    "String",
    "Int",
    "Float",
    "Boolean",
    "ID",
    "__Schema",
    "__Type",
    "__Field",
    "__InputValue",
    "__EnumValue",
    "__Directive",
    "__TypeKind",
    "__DirectiveLocation",
};
enum { STANDARD_TYPES = sizeof(standard_type_names) / sizeof(standard_type_names[0]) };

typedef struct state {
    gqlv_names defined; /* type definitions in the document */
} state;

static void init(gqlv_ctx *ctx, void *st)
{
    state *s = st;
    gqlv_names_init(&s->defined, ctx->arena);
    for (const gql_definition *d = ctx->doc->first; d != NULL; d = d->next)
        if (d->kind >= GQL_DEF_SCALAR && d->kind <= GQL_DEF_INPUT_OBJECT && !d->is_extension &&
            !gqlv_names_put(&s->defined, d->name.ptr, d))
            gqlv_oom(ctx);
}

static bool is_standard(const char *name)
{
    for (size_t i = 0; i < STANDARD_TYPES; i++)
        if (strcmp(standard_type_names[i], name) == 0)
            return true;
    return false;
}

static bool enter_named_type(gqlv_walk *w, void *st, const gqlv_node *node)
{
    state *s = st;
    gqlv_ctx *ctx = w->ctx;
    const char *name = node->name.ptr;
    if (gqlv_type(ctx, name, node->name.len) != NULL || gqlv_names_get(&s->defined, name) != NULL)
        return false;
    bool sdl = w->definition != NULL && w->definition->kind != GQL_DEF_OPERATION &&
               w->definition->kind != GQL_DEF_FRAGMENT;
    if (sdl && is_standard(name))
        return false;
    const gql_schema *schema = ctx->schema;
    size_t cap = STANDARD_TYPES + schema->ntypes + s->defined.count, n = 0;
    const char **options = base_arena_alloc(ctx->arena, cap * sizeof(*options));
    if (options == NULL)
        return gqlv_oom(ctx) != NULL;
    for (size_t i = 0; sdl && i < STANDARD_TYPES; i++)
        options[n++] = standard_type_names[i];
    for (size_t i = 0; i < schema->ntypes; i++)
        if (gqlv_type(ctx, schema->types[i]->name, strlen(schema->types[i]->name)) != NULL)
            options[n++] = schema->types[i]->name;
    for (size_t i = 0; i < s->defined.count; i++)
        options[n++] = s->defined.names[i];
    const char **suggested;
    size_t nsuggested = gqlv_suggestions(ctx, name, options, n, &suggested);
    gqlv_str msg;
    gqlv_str_init(&msg, ctx->arena);
    gqlv_str_printf(&msg, "Unknown type \"%s\".", name);
    gqlv_did_you_mean(&msg, NULL, suggested, nsuggested);
    gqlv_report(ctx, gqlv_str_cstr(&msg), &node->loc, 1);
    return false;
}

const gqlv_rule gqlv_known_type_names = {
    .name = "KnownTypeNamesRule",
    .state_size = sizeof(state),
    .init = init,
    .enter = {[GQLV_NAMED_TYPE] = enter_named_type},
};
