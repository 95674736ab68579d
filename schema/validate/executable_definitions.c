/* ExecutableDefinitions (spec 5.1.1): a request document holds only operations and fragments. */
#include "schema/validate/validate_internal.h"

static bool enter_document(gqlv_walk *w, void *state, const gqlv_node *node)
{
    (void)state;
    for (const gql_definition *d = node->u.document->first; d != NULL; d = d->next) {
        if (d->kind == GQL_DEF_OPERATION || d->kind == GQL_DEF_FRAGMENT)
            continue;
        if (d->kind == GQL_DEF_SCHEMA)
            gqlv_reportf(w->ctx, &d->loc, "The schema definition is not executable.");
        else
            gqlv_reportf(w->ctx, &d->loc, "The \"%s\" definition is not executable.", d->name.ptr);
    }
    return true;
}

const gqlv_rule gqlv_executable_definitions = {
    .name = "ExecutableDefinitionsRule",
    .enter = {[GQLV_DOCUMENT] = enter_document},
};
