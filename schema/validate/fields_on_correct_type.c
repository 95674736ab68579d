/*
 * FieldsOnCorrectType (spec 5.3.1): every selected field is defined on its
 * parent type. The message suggests, as graphql-js does, the types an
 * abstract parent could be narrowed to with an inline fragment, or else
 * fields of similar name.
 */
#include "schema/validate/validate_internal.h"

typedef struct suggested {
    const gql_typedef *type;
    size_t usage;
} suggested;

static int compare_suggested(const suggested *x, const suggested *y)
{
    if (x->usage != y->usage)
        return x->usage > y->usage ? -1 : 1; /* more common first */
    if (x->type->kind == GQL_INTERFACE && gqlv_is_sub_type(x->type, y->type))
        return -1; /* super types before their subtypes */
    if (y->type->kind == GQL_INTERFACE && gqlv_is_sub_type(y->type, x->type))
        return 1;
    return gqlv_natural_compare(x->type->name, y->type->name);
}

static size_t add_type(suggested *list, size_t n, const gql_typedef *t)
{
    for (size_t i = 0; i < n; i++)
        if (list[i].type == t) {
            list[i].usage++;
            return n;
        }
    list[n].type = t;
    list[n].usage = 1;
    return n + 1;
}

/* getSuggestedTypeNames: the types (objects and their interfaces) that define the field. */
static size_t suggested_types(gqlv_ctx *ctx, const gql_typedef *type, const gql_selection *sel,
                              const char ***out)
{
    *out = NULL;
    if (!gqlv_is_abstract(type) || ctx->no_suggestions)
        return 0;
    const gql_typedef *const *possible = type->kind == GQL_UNION ? type->members : type->implementations;
    size_t npossible = type->kind == GQL_UNION ? type->nmembers : type->nimplementations, cap = 0;
    for (size_t i = 0; i < npossible; i++)
        cap += 1 + possible[i]->ninterfaces;
    suggested *list = base_arena_alloc(ctx->arena, (cap ? cap : 1) * sizeof(*list));
    if (list == NULL)
        return gqlv_oom(ctx) != NULL;
    size_t n = 0;
    for (size_t i = 0; i < npossible; i++) {
        const gql_typedef *p = possible[i];
        if (gql_type_field(p, sel->name.ptr, sel->name.len) == NULL)
            continue;
        n = add_type(list, n, p);
        for (size_t j = 0; j < p->ninterfaces; j++)
            if (gql_type_field(p->interfaces[j], sel->name.ptr, sel->name.len) != NULL)
                n = add_type(list, n, p->interfaces[j]);
    }
    /* A stable insertion sort, as JavaScript's sort over so few items. */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && compare_suggested(&list[j - 1], &list[j]) > 0; j--) {
            suggested t = list[j];
            list[j] = list[j - 1];
            list[j - 1] = t;
        }
    const char **names = base_arena_alloc(ctx->arena, (n ? n : 1) * sizeof(*names));
    if (names == NULL)
        return gqlv_oom(ctx) != NULL;
    for (size_t i = 0; i < n; i++)
        names[i] = list[i].type->name;
    *out = names;
    return n;
}

static bool enter_field(gqlv_walk *w, void *st, const gqlv_node *node)
{
    (void)st;
    gqlv_ctx *ctx = w->ctx;
    const gql_typedef *type = gqlv_ti_parent_type(w);
    if (type == NULL || gqlv_ti_field_def(w) != NULL)
        return false;
    const gql_selection *sel = node->u.selection;
    gqlv_str msg;
    gqlv_str_init(&msg, ctx->arena);
    gqlv_str_printf(&msg, "Cannot query field \"%s\" on type \"%s\".", sel->name.ptr, type->name);
    const char **names;
    size_t n = suggested_types(ctx, type, sel, &names);
    if (n != 0) {
        gqlv_did_you_mean(&msg, "to use an inline fragment on", names, n);
    } else if (type->kind == GQL_OBJECT || type->kind == GQL_INTERFACE) {
        const char **fields =
            base_arena_alloc(ctx->arena, (type->nfields ? type->nfields : 1) * sizeof(*fields));
        if (fields == NULL)
            return gqlv_oom(ctx) != NULL;
        for (size_t i = 0; i < type->nfields; i++)
            fields[i] = type->fields[i].name;
        n = gqlv_suggestions(ctx, sel->name.ptr, fields, type->nfields, &names);
        gqlv_did_you_mean(&msg, NULL, names, n);
    }
    gqlv_report(ctx, gqlv_str_cstr(&msg), &sel->loc, 1);
    return false;
}

const gqlv_rule gqlv_fields_on_correct_type = {
    .name = "FieldsOnCorrectTypeRule",
    .enter = {[GQLV_FIELD] = enter_field},
};
