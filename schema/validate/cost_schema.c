/*
 * cost_schema: the Cost Directives specification's rules for a schema's use
 * of @cost and @listSize (its section 9), checked once at start-up so that a
 * typo in schema.graphql stops the server instead of mispricing queries.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/gql_cost.h"

typedef struct checker {
    char *err;
    size_t errlen;
} checker;

static int fail(checker *k, const gql_directive *d, const char *what, const char *owner, const char *detail)
{
    snprintf(k->err, k->errlen, "schema.graphql:%u:%u: @%s on %s: %s", d->loc.line, d->loc.column, what,
             owner, detail);
    return -1;
}

/* The weight reads as a number in decimal notation (7.1: a String holding a Float). */
static int check_cost(checker *k, const gql_directives *dirs, const char *owner)
{
    const gql_directive *d = gql_applied_directive(dirs, "cost");
    if (d == NULL)
        return 0;
    const gql_value *v = gql_directive_arg(d, "weight");
    if (v == NULL || (v->kind != GQL_VALUE_STRING && v->kind != GQL_VALUE_INT && v->kind != GQL_VALUE_FLOAT))
        return fail(k, d, "cost", owner, "weight must be a number, e.g. weight: \"2.0\"");
    const char *s = v->text.ptr;
    char *end;
    double w = strtod(s, &end);
    if (*s == '\0' || *end != '\0' || !isfinite(w) || strspn(s, "+-0123456789.eE") != strlen(s))
        return fail(k, d, "cost", owner, "weight must be a number, e.g. weight: \"2.0\"");
    return 0;
}

static bool is_list(const gql_tref *t)
{
    for (; t != NULL; t = t->of)
        if (t->wrap == GQL_TYPE_LIST)
            return true;
    return false;
}

static const gql_argdef *find_arg(const gql_fielddef *f, const char *name)
{
    for (size_t i = 0; i < f->nargs; i++)
        if (strcmp(f->args[i].name, name) == 0)
            return &f->args[i];
    return NULL;
}

/* Each entry of a [String!] argument (a lone String counts as a list of one). */
static const gql_value *first_name(const gql_value *list)
{
    return list == NULL ? NULL : list->kind == GQL_VALUE_LIST ? list->list.first : list;
}

static int check_list_size(checker *k, const gql_fielddef *f, const char *owner)
{
    const gql_directive *d = gql_applied_directive(f->directives, "listSize");
    if (d == NULL)
        return 0;
    const gql_value *sized = gql_directive_arg(d, "sizedFields");
    const gql_value *slicing = gql_directive_arg(d, "slicingArguments");
    const gql_value *assumed = gql_directive_arg(d, "assumedSize");
    const gql_value *require = gql_directive_arg(d, "requireOneSlicingArgument");
    if (!is_list(f->type) && sized == NULL) /* 9.2.1 */
        return fail(k, d, "listSize", owner, "the field returns no list and names no sizedFields");
    const gql_typedef *named = gql_tref_named(f->type);
    for (const gql_value *v = first_name(sized); v != NULL;
         v = sized->kind == GQL_VALUE_LIST ? v->next : NULL) {
        const gql_fielddef *sf = v->kind == GQL_VALUE_STRING && gql_type_is_composite(named)
                                     ? gql_type_field(named, v->text.ptr, v->text.len)
                                     : NULL;
        if (sf == NULL || !is_list(sf->type)) /* 9.2.2 */
            return fail(k, d, "listSize", owner,
                        "a sizedFields entry is not a list field of the field's type");
    }
    bool any_default = false;
    for (const gql_value *v = first_name(slicing); v != NULL;
         v = slicing->kind == GQL_VALUE_LIST ? v->next : NULL) {
        const gql_argdef *a = v->kind == GQL_VALUE_STRING ? find_arg(f, v->text.ptr) : NULL;
        const gql_typedef *t = a != NULL ? gql_tref_named(a->type) : NULL;
        if (t == NULL || strcmp(t->name, "Int") != 0 || is_list(a->type)) /* 9.2.3 */
            return fail(k, d, "listSize", owner,
                        "a slicingArguments entry is not an Int argument of the field");
        any_default |= a->default_value != NULL;
    }
    if (assumed != NULL && (assumed->kind != GQL_VALUE_INT || assumed->text.ptr[0] == '-'))
        return fail(k, d, "listSize", owner, "assumedSize must be a non-negative Int");
    bool require_one = require == NULL || require->kind != GQL_VALUE_BOOLEAN || require->boolean;
    if (assumed != NULL && first_name(slicing) != NULL && (any_default || require_one)) /* 9.2.4 */
        return fail(k, d, "listSize", owner,
                    "assumedSize beside slicingArguments needs requireOneSlicingArgument: false and no "
                    "slicing argument with a default");
    return 0;
}

static int check_inputs(checker *k, const gql_argdef *args, size_t n, const char *owner)
{
    char name[256];
    for (size_t i = 0; i < n; i++) {
        snprintf(name, sizeof(name), "%.120s(%.120s:)", owner, args[i].name);
        if (args[i].directives != NULL && check_cost(k, args[i].directives, name) != 0)
            return -1;
    }
    return 0;
}

int gql_cost_check_schema(const gql_schema *schema, char *err, size_t errlen)
{
    checker k = {err, errlen};
    char owner[256];
    for (size_t i = 0; i < schema->ntypes; i++) {
        const gql_typedef *t = schema->types[i];
        if (t->directives != NULL && check_cost(&k, t->directives, t->name) != 0)
            return -1;
        if (t->kind == GQL_INPUT_OBJECT && check_inputs(&k, t->input_fields, t->ninput_fields, t->name) != 0)
            return -1;
        for (size_t j = 0; j < t->nfields; j++) {
            const gql_fielddef *f = &t->fields[j];
            snprintf(owner, sizeof(owner), "%.120s.%.120s", t->name, f->name);
            const gql_directive *cost = gql_applied_directive(f->directives, "cost");
            if (cost != NULL && t->kind == GQL_INTERFACE) /* 9.1.1 */
                return fail(&k, cost, "cost", owner, "@cost is not allowed on interface fields");
            if (check_cost(&k, f->directives, owner) != 0 || check_list_size(&k, f, owner) != 0 ||
                check_inputs(&k, f->args, f->nargs, owner) != 0)
                return -1;
        }
    }
    for (size_t i = 0; i < schema->ndirectives; i++) {
        snprintf(owner, sizeof(owner), "@%.200s", schema->directives[i].name);
        if (check_inputs(&k, schema->directives[i].args, schema->directives[i].nargs, owner) != 0)
            return -1;
    }
    return 0;
}
