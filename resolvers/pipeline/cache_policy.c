#include "resolvers/pipeline/cache_policy.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

typedef struct hint {
    long max_age; /* -1: not given */
    int scope;    /* -1: not given, 0 PUBLIC, 1 PRIVATE */
    bool inherit_max_age;
} hint;

static hint read_hint(const gql_directives *directives)
{
    hint h = {-1, -1, false};
    const gql_directive *d = gql_applied_directive(directives, "cacheControl");
    if (d == NULL)
        return h;
    const gql_value *v = gql_directive_arg(d, "maxAge");
    if (v != NULL && v->kind == GQL_VALUE_INT) {
        long n = strtol(v->text.ptr, NULL, 10);
        h.max_age = n < 0 ? 0 : n;
    }
    v = gql_directive_arg(d, "scope");
    if (v != NULL && v->kind == GQL_VALUE_ENUM)
        h.scope = strcmp(v->text.ptr, "PRIVATE") == 0 ? 1 : 0;
    v = gql_directive_arg(d, "inheritMaxAge");
    h.inherit_max_age = v != NULL && v->kind == GQL_VALUE_BOOLEAN && v->boolean;
    return h;
}

typedef struct walk {
    const gql_exec_ctx *ctx;
    unsigned default_max_age;
    long max_age; /* -1 while no field restricted it */
    bool private_scope;
    int failed;
} walk;

static void restrict_to(walk *w, long max_age, int scope)
{
    if (max_age >= 0 && (w->max_age < 0 || max_age < w->max_age))
        w->max_age = max_age;
    if (scope == 1)
        w->private_scope = true;
}

static void walk_fields(walk *w, const gql_typedef *object, const gql_field_groups *groups, bool root,
                        int depth);

/* The possible object types of a composite type: itself, or its implementations or members. */
static void walk_subfields(walk *w, const gql_typedef *type, const gql_field_group *g, int depth)
{
    const gql_typedef *const *objects = &type;
    size_t n = 1;
    if (type->kind == GQL_INTERFACE)
        objects = type->implementations, n = type->nimplementations;
    else if (type->kind == GQL_UNION)
        objects = type->members, n = type->nmembers;
    for (size_t i = 0; i < n; i++) {
        gql_field_groups sub;
        if (gql_collect_subfields(w->ctx, objects[i], g, &sub) != 0) {
            w->failed = -1;
            return;
        }
        walk_fields(w, objects[i], &sub, false, depth + 1);
    }
}

static void walk_fields(walk *w, const gql_typedef *object, const gql_field_groups *groups, bool root,
                        int depth)
{
    (void)object;
    const gql_schema *schema = w->ctx->schema;
    for (const gql_field_group *g = groups->first; g != NULL && depth < 64; g = g->next) {
        const gql_fielddef *def = g->def;
        if (def == NULL)
            continue;
        bool meta = def == schema->meta_typename || def == schema->meta_schema || def == schema->meta_type;
        const gql_typedef *target = gql_tref_named(def->type);
        bool composite = gql_type_is_composite(target);
        long max_age = -1;
        int scope = -1;
        if (composite && !meta) {
            hint th = read_hint(target->directives);
            max_age = th.max_age;
            scope = th.scope;
        }
        hint fh = read_hint(def->directives);
        if (!fh.inherit_max_age && fh.max_age >= 0)
            max_age = fh.max_age;
        if (fh.scope >= 0)
            scope = fh.scope;
        if (max_age < 0 && ((composite && !fh.inherit_max_age) || root))
            max_age = w->default_max_age;
        restrict_to(w, max_age, scope);
        if (composite && !meta && g->field->selection_set != NULL)
            walk_subfields(w, target, g, depth);
    }
}

int cache_policy_compute(const gql_exec_ctx *ctx, unsigned default_max_age, rs_cache_policy *out)
{
    *out = (rs_cache_policy){0, false};
    const gql_typedef *root = gql_exec_root_type(ctx);
    gql_field_groups roots;
    if (root == NULL || gql_collect_fields(ctx, root, ctx->operation->selection_set, &roots) != 0)
        return -1;
    walk w = {ctx, default_max_age, -1, false, 0};
    walk_fields(&w, root, &roots, true, 0);
    if (w.failed != 0)
        return -1;
    out->max_age = w.max_age < 0 ? 0 : (w.max_age > (long)UINT_MAX ? UINT_MAX : (unsigned)w.max_age);
    out->private_scope = w.private_scope;
    return 0;
}
