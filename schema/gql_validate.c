/*
 * The validation driver: graphql-js's `specifiedRules`, in its order (which
 * decides the order of the errors), run in one walk over the document.
 */
#include "schema/gql_validate.h"

#include <string.h>

#include "schema/validate/validate_internal.h"

static const gqlv_rule *const specified_rules[] = {
    &gqlv_executable_definitions,
    &gqlv_unique_operation_names,
    &gqlv_lone_anonymous_operation,
    &gqlv_single_field_subscriptions,
    &gqlv_known_type_names,
    &gqlv_fragments_on_composite_types,
    &gqlv_variables_are_input_types,
    &gqlv_scalar_leafs,
    &gqlv_fields_on_correct_type,
    &gqlv_unique_fragment_names,
    &gqlv_known_fragment_names,
    &gqlv_no_unused_fragments,
    &gqlv_possible_fragment_spreads,
    &gqlv_no_fragment_cycles,
    &gqlv_unique_variable_names,
    &gqlv_no_undefined_variables,
    &gqlv_no_unused_variables,
    &gqlv_known_directives,
    &gqlv_unique_directives_per_location,
    &gqlv_known_argument_names,
    &gqlv_unique_argument_names,
    &gqlv_values_of_correct_type,
    &gqlv_provided_required_arguments,
    &gqlv_variables_in_allowed_position,
    &gqlv_overlapping_fields_can_be_merged,
    &gqlv_unique_input_field_names,
};

/* The fragment index (getFragment: the last definition of a name wins) and the document's directives. */
static bool index_document(gqlv_ctx *ctx)
{
    for (const gql_definition *d = ctx->doc->first; d != NULL; d = d->next) {
        if (d->kind == GQL_DEF_DIRECTIVE) {
            void **slot = gqlv_map_slot(&ctx->doc_directives, d->name.ptr, d->name.len);
            if (slot == NULL)
                return false;
            *slot = (void *)d;
        }
        if (d->kind != GQL_DEF_FRAGMENT)
            continue;
        void **slot = gqlv_map_slot(&ctx->fragments, d->name.ptr, d->name.len);
        if (slot == NULL)
            return false;
        gqlv_fragment *f = *slot;
        if (f == NULL) {
            if ((f = base_arena_calloc(ctx->arena, 1, sizeof(*f))) == NULL)
                return false;
            f->cycle_path_index = -1;
            *slot = f;
        }
        f->def = d;
    }
    return true;
}

size_t gql_validate(const gql_schema *schema, const gql_document *doc, gql_errors *errors)
{
    return gql_validate_with(schema, doc, NULL, errors);
}

size_t gql_validate_with(const gql_schema *schema, const gql_document *doc,
                         const gql_validate_options *options, gql_errors *errors)
{
    base_arena scratch;
    base_arena_init(&scratch, 0);
    gqlv_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.schema = schema;
    ctx.doc = doc;
    ctx.errors = errors;
    ctx.arena = &scratch;
    ctx.unreferenced_scalars = -1;
    ctx.no_suggestions = options != NULL && options->no_suggestions;
    gqlv_map_init(&ctx.fragments, &scratch);
    gqlv_map_init(&ctx.operations, &scratch);
    gqlv_map_init(&ctx.named_refs, &scratch);
    gqlv_map_init(&ctx.types, &scratch);
    gqlv_map_init(&ctx.doc_directives, &scratch);
    if (!index_document(&ctx))
        gqlv_oom(&ctx);
    else
        gqlv_walk_document(&ctx, specified_rules, sizeof(specified_rules) / sizeof(specified_rules[0]));
    base_arena_free(&scratch);
    return ctx.reported;
}
