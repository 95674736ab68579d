/*
 * ValuesOfCorrectType (spec 5.6.1): every literal fits the input type where
 * it stands. Built-in scalars judge literals as graphql-js's parseLiteral
 * does (their messages are the whole error), custom scalars accept anything,
 * enums name one of their values, input objects get their required fields
 * and no others, and null never stands where a non-null type is expected.
 */
#include <stdlib.h>
#include <string.h>

#include "schema/validate/validate_internal.h"

static const char *printed(gqlv_ctx *ctx, const gql_value *v)
{
    gqlv_str s;
    gqlv_str_init(&s, ctx->arena);
    gqlv_print_value(&s, v, false);
    return gqlv_str_cstr(&s);
}

static const char *type_text(gqlv_ctx *ctx, const gql_tref *t)
{
    gqlv_str s;
    gqlv_str_init(&s, ctx->arena);
    gqlv_print_tref(&s, t);
    return gqlv_str_cstr(&s);
}

static void check_enum(gqlv_ctx *ctx, const gql_typedef *type, const gql_value *v)
{
    if (v->kind == GQL_VALUE_ENUM)
        for (size_t i = 0; i < type->nvalues; i++)
            if (strcmp(type->values[i].name, v->text.ptr) == 0)
                return;
    const char *text = printed(ctx, v);
    const char **names = base_arena_alloc(ctx->arena, (type->nvalues ? type->nvalues : 1) * sizeof(*names));
    if (names == NULL) {
        gqlv_oom(ctx);
        return;
    }
    for (size_t i = 0; i < type->nvalues; i++)
        names[i] = type->values[i].name;
    const char **suggested;
    size_t n = gqlv_suggestions(ctx, text, names, type->nvalues, &suggested);
    gqlv_str msg;
    gqlv_str_init(&msg, ctx->arena);
    if (v->kind != GQL_VALUE_ENUM)
        gqlv_str_printf(&msg, "Enum \"%s\" cannot represent non-enum value: %s.", type->name, text);
    else
        gqlv_str_printf(&msg, "Value \"%s\" does not exist in \"%s\" enum.", text, type->name);
    gqlv_did_you_mean(&msg, "the enum value", suggested, n);
    gqlv_report(ctx, gqlv_str_cstr(&msg), &v->loc, 1);
}

/* The built-in scalars' parseLiteral; custom scalars take any literal. */
static void check_scalar(gqlv_ctx *ctx, const gql_typedef *type, const gql_value *v)
{
    const char *name = type->name;
    gql_value_kind k = v->kind;
    if (strcmp(name, "Int") == 0) {
        if (k != GQL_VALUE_INT) {
            gqlv_reportf(ctx, &v->loc, "Int cannot represent non-integer value: %s", printed(ctx, v));
        } else {
            double n = strtod(v->text.ptr, NULL);
            if (n > 2147483647.0 || n < -2147483648.0)
                gqlv_reportf(ctx, &v->loc, "Int cannot represent non 32-bit signed integer value: %s",
                             v->text.ptr);
        }
    } else if (strcmp(name, "Float") == 0) {
        if (k != GQL_VALUE_INT && k != GQL_VALUE_FLOAT)
            gqlv_reportf(ctx, &v->loc, "Float cannot represent non numeric value: %s", printed(ctx, v));
    } else if (strcmp(name, "String") == 0) {
        if (k != GQL_VALUE_STRING)
            gqlv_reportf(ctx, &v->loc, "String cannot represent a non string value: %s", printed(ctx, v));
    } else if (strcmp(name, "Boolean") == 0) {
        if (k != GQL_VALUE_BOOLEAN)
            gqlv_reportf(ctx, &v->loc, "Boolean cannot represent a non boolean value: %s", printed(ctx, v));
    } else if (strcmp(name, "ID") == 0) {
        if (k != GQL_VALUE_STRING && k != GQL_VALUE_INT)
            gqlv_reportf(ctx, &v->loc, "ID cannot represent a non-string and non-integer value: %s",
                         printed(ctx, v));
    }
}

/* isValidValueNode: a literal against the input type where it stands. */
static void check_literal(gqlv_walk *w, const gql_value *v)
{
    gqlv_ctx *ctx = w->ctx;
    const gql_tref *location = gqlv_ti_input_type(w);
    if (location == NULL)
        return;
    const gql_typedef *type = gql_tref_named(location);
    if (!gqlv_is_leaf(type))
        gqlv_reportf(ctx, &v->loc, "Expected value of type \"%s\", found %s.", type_text(ctx, location),
                     printed(ctx, v));
    else if (type->kind == GQL_ENUM)
        check_enum(ctx, type, v);
    else
        check_scalar(ctx, type, v);
}

static bool enter_list(gqlv_walk *w, const gql_value *v)
{
    /* TypeInfo has already stepped into the item type: the list's own position is the parent's. */
    const gql_tref *type = gqlv_nullable(gqlv_ti_parent_input_type(w));
    if (type != NULL && type->wrap == GQL_TYPE_LIST)
        return false;
    check_literal(w, v);
    return true;
}

static bool enter_object(gqlv_walk *w, const gql_value *v)
{
    gqlv_ctx *ctx = w->ctx;
    const gql_tref *t = gqlv_ti_input_type(w);
    const gql_typedef *type = t != NULL ? gql_tref_named(t) : NULL;
    if (type == NULL || type->kind != GQL_INPUT_OBJECT) {
        check_literal(w, v);
        return true;
    }
    for (size_t i = 0; i < type->ninput_fields && !ctx->aborted; i++) {
        const gql_argdef *def = &type->input_fields[i];
        if (def->type->wrap != GQL_TYPE_NON_NULL || def->default_value != NULL)
            continue;
        bool given = false;
        for (const gql_object_field *f = v->object.first; f != NULL && !given; f = f->next)
            given = strcmp(f->name.ptr, def->name) == 0;
        if (!given)
            gqlv_reportf(ctx, &v->loc, "Field \"%s.%s\" of required type \"%s\" was not provided.",
                         type->name, def->name, type_text(ctx, def->type));
    }
    return false;
}

static bool enter_value(gqlv_walk *w, void *st, const gqlv_node *node)
{
    (void)st;
    const gql_value *v = node->u.value;
    switch (v->kind) {
    case GQL_VALUE_LIST:
        return enter_list(w, v);
    case GQL_VALUE_OBJECT:
        return enter_object(w, v);
    case GQL_VALUE_NULL: {
        const gql_tref *t = gqlv_ti_input_type(w);
        if (t != NULL && t->wrap == GQL_TYPE_NON_NULL)
            gqlv_reportf(w->ctx, &v->loc, "Expected value of type \"%s\", found null.", type_text(w->ctx, t));
        return false;
    }
    case GQL_VALUE_VARIABLE:
        return false;
    default:
        check_literal(w, v);
        return false;
    }
}

static bool enter_object_field(gqlv_walk *w, void *st, const gqlv_node *node)
{
    (void)st;
    gqlv_ctx *ctx = w->ctx;
    const gql_tref *parent = gqlv_ti_parent_input_type(w);
    const gql_typedef *type = parent != NULL ? gql_tref_named(parent) : NULL;
    if (gqlv_ti_input_type(w) != NULL || type == NULL || type->kind != GQL_INPUT_OBJECT)
        return false;
    const gql_object_field *f = node->u.object_field;
    const char **names =
        base_arena_alloc(ctx->arena, (type->ninput_fields ? type->ninput_fields : 1) * sizeof(*names));
    if (names == NULL)
        return gqlv_oom(ctx) != NULL;
    for (size_t i = 0; i < type->ninput_fields; i++)
        names[i] = type->input_fields[i].name;
    const char **suggested;
    size_t n = gqlv_suggestions(ctx, f->name.ptr, names, type->ninput_fields, &suggested);
    gqlv_str msg;
    gqlv_str_init(&msg, ctx->arena);
    gqlv_str_printf(&msg, "Field \"%s\" is not defined by type \"%s\".", f->name.ptr, type->name);
    gqlv_did_you_mean(&msg, NULL, suggested, n);
    gqlv_report(ctx, gqlv_str_cstr(&msg), &f->loc, 1);
    return false;
}

const gqlv_rule gqlv_values_of_correct_type = {
    .name = "ValuesOfCorrectTypeRule",
    .enter = {[GQLV_VALUE] = enter_value, [GQLV_OBJECT_FIELD] = enter_object_field},
};
