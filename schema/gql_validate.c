#include "gql_validate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct validator {
    const gql_schema *schema;
    const gql_document *doc;
    gql_errors *errors;
    const gql_definition *operation; /* NULL while walking a fragment definition */
    size_t depth;
} validator;

enum { MAX_WALK_DEPTH = 256 };

/* ---- printing literals for messages, as graphql-js's print() does ---- */

static void print_value(const gql_value *v, char *buf, size_t size)
{
    switch (v->kind) {
    case GQL_VALUE_STRING: {
        size_t o = 0;
        buf[o++] = '"';
        for (size_t i = 0; i < v->text.len && o + 8 < size; i++) {
            unsigned char c = (unsigned char)v->text.ptr[i];
            if (c == '"' || c == '\\')
                o += (size_t)snprintf(buf + o, size - o, "\\%c", c);
            else if (c < 0x20)
                o += (size_t)snprintf(buf + o, size - o, "\\u%04X", c);
            else
                buf[o++] = (char)c;
        }
        snprintf(buf + o, size - o, "\"");
        break;
    }
    case GQL_VALUE_VARIABLE:
        snprintf(buf, size, "$%s", v->text.ptr);
        break;
    case GQL_VALUE_BOOLEAN:
        snprintf(buf, size, "%s", v->boolean ? "true" : "false");
        break;
    case GQL_VALUE_NULL:
        snprintf(buf, size, "null");
        break;
    case GQL_VALUE_LIST:
        snprintf(buf, size, "[...]");
        break;
    case GQL_VALUE_OBJECT:
        snprintf(buf, size, "{...}");
        break;
    default:
        snprintf(buf, size, "%s", v->text.ptr);
    }
}

/* ---- values of correct type (5.6.1), scalars and enums; lists and input objects recursively ---- */

static void check_value(validator *v, const gql_value *val, const gql_tref *type, const gql_tref *location);

static void bad_value(validator *v, const gql_value *val, const gql_tref *type, const char *why)
{
    char tt[128], printed[160];
    print_value(val, printed, sizeof(printed));
    gql_tref_print(type, tt, sizeof(tt));
    if (why != NULL)
        gql_errors_add(v->errors, &val->loc, "Expected value of type \"%s\", found %s; %s", tt, printed, why);
    else
        gql_errors_add(v->errors, &val->loc, "Expected value of type \"%s\", found %s.", tt, printed);
}

static bool int32_literal(const char *text)
{
    errno = 0;
    long long n = strtoll(text, NULL, 10);
    return errno == 0 && n >= -2147483648LL && n <= 2147483647LL;
}

static void check_scalar(validator *v, const gql_value *val, const gql_tref *type, const gql_typedef *t)
{
    char why[320], printed[160];
    const char *n = t->name;
    gql_value_kind k = val->kind;
    print_value(val, printed, sizeof(printed));
    if (strcmp(n, "Int") == 0) {
        if (k != GQL_VALUE_INT) {
            snprintf(why, sizeof(why), "Int cannot represent non-integer value: %s", printed);
            bad_value(v, val, type, why);
        } else if (!int32_literal(val->text.ptr)) {
            snprintf(why, sizeof(why), "Int cannot represent non-32-bit signed integer value: %s", printed);
            bad_value(v, val, type, why);
        }
    } else if (strcmp(n, "Float") == 0) {
        if (k != GQL_VALUE_INT && k != GQL_VALUE_FLOAT) {
            snprintf(why, sizeof(why), "Float cannot represent non numeric value: %s", printed);
            bad_value(v, val, type, why);
        }
    } else if (strcmp(n, "String") == 0) {
        if (k != GQL_VALUE_STRING) {
            snprintf(why, sizeof(why), "String cannot represent a non string value: %s", printed);
            bad_value(v, val, type, why);
        }
    } else if (strcmp(n, "Boolean") == 0) {
        if (k != GQL_VALUE_BOOLEAN) {
            snprintf(why, sizeof(why), "Boolean cannot represent a non boolean value: %s", printed);
            bad_value(v, val, type, why);
        }
    } else if (strcmp(n, "ID") == 0) {
        if (k != GQL_VALUE_STRING && k != GQL_VALUE_INT) {
            snprintf(why, sizeof(why), "ID cannot represent a non-string and non-integer value: %s", printed);
            bad_value(v, val, type, why);
        }
    }
}

/* `location` is the type where the value stands (printed in messages); `type` is what remains after
 * unwrapping. */
static void check_value(validator *v, const gql_value *val, const gql_tref *type, const gql_tref *location)
{
    if (val->kind == GQL_VALUE_VARIABLE)
        return; /* variable positions are checked against definitions, not here */
    if (type->wrap == GQL_TYPE_NON_NULL) {
        if (val->kind == GQL_VALUE_NULL) {
            bad_value(v, val, location, NULL);
            return;
        }
        check_value(v, val, type->of, location);
        return;
    }
    if (val->kind == GQL_VALUE_NULL)
        return;
    if (type->wrap == GQL_TYPE_LIST) {
        if (val->kind == GQL_VALUE_LIST)
            for (const gql_value *item = val->list.first; item != NULL; item = item->next)
                check_value(v, item, type->of, type->of);
        else
            check_value(v, val, type->of, type->of);
        return;
    }
    const gql_typedef *t = type->named;
    if (t->kind == GQL_SCALAR) {
        check_scalar(v, val, location, t);
    } else if (t->kind == GQL_ENUM) {
        bool ok = false;
        for (size_t i = 0; val->kind == GQL_VALUE_ENUM && i < t->nvalues; i++)
            ok |= strcmp(t->values[i].name, val->text.ptr) == 0;
        if (!ok) {
            char why[200];
            snprintf(why, sizeof(why), "Value does not exist in \"%s\" enum.", t->name);
            bad_value(v, val, location, why);
        }
    } else if (t->kind == GQL_INPUT_OBJECT) {
        if (val->kind != GQL_VALUE_OBJECT) {
            bad_value(v, val, location, NULL);
            return;
        }
        for (const gql_object_field *f = val->object.first; f != NULL; f = f->next) {
            const gql_argdef *def = NULL;
            for (size_t i = 0; i < t->ninput_fields; i++)
                if (strcmp(t->input_fields[i].name, f->name.ptr) == 0)
                    def = &t->input_fields[i];
            if (def == NULL)
                gql_errors_add(v->errors, &f->loc, "Field \"%s\" is not defined by type \"%s\".", f->name.ptr,
                               t->name);
            else
                check_value(v, f->value, def->type, def->type);
        }
        for (size_t i = 0; i < t->ninput_fields; i++) {
            const gql_argdef *def = &t->input_fields[i];
            bool given = false;
            for (const gql_object_field *f = val->object.first; f != NULL; f = f->next)
                given |= strcmp(f->name.ptr, def->name) == 0;
            if (!given && def->type->wrap == GQL_TYPE_NON_NULL && def->default_value == NULL) {
                char tt[128];
                gql_errors_add(v->errors, &val->loc,
                               "Field \"%s.%s\" of required type \"%s\" was not provided.", t->name,
                               def->name, gql_tref_print(def->type, tt, sizeof(tt)));
            }
        }
    }
}

/* ---- variables used must be defined by the operation (5.8.3) ---- */

static void check_variables_in(validator *v, const gql_value *val)
{
    if (val->kind == GQL_VALUE_VARIABLE) {
        if (v->operation == NULL)
            return; /* fragments are checked for each operation that uses them (issue: full rule set) */
        for (const gql_variable_definition *d = v->operation->variables.first; d != NULL; d = d->next)
            if (strcmp(d->name.ptr, val->text.ptr) == 0)
                return;
        if (v->operation->name.ptr != NULL)
            gql_errors_add(v->errors, &val->loc, "Variable \"$%s\" is not defined by operation \"%s\".",
                           val->text.ptr, v->operation->name.ptr);
        else
            gql_errors_add(v->errors, &val->loc, "Variable \"$%s\" is not defined.", val->text.ptr);
    } else if (val->kind == GQL_VALUE_LIST) {
        for (const gql_value *item = val->list.first; item != NULL; item = item->next)
            check_variables_in(v, item);
    } else if (val->kind == GQL_VALUE_OBJECT) {
        for (const gql_object_field *f = val->object.first; f != NULL; f = f->next)
            check_variables_in(v, f->value);
    }
}

/* ---- directives: the executable ones this server knows ---- */

static void check_directives(validator *v, const gql_directives *dirs)
{
    for (const gql_directive *d = dirs->first; d != NULL; d = d->next) {
        bool known = strcmp(d->name.ptr, "skip") == 0 || strcmp(d->name.ptr, "include") == 0;
        if (!known) {
            gql_errors_add(v->errors, &d->loc, "Unknown directive \"@%s\".", d->name.ptr);
            continue;
        }
        bool has_if = false;
        for (const gql_argument *a = d->args.first; a != NULL; a = a->next) {
            check_variables_in(v, a->value);
            if (strcmp(a->name.ptr, "if") != 0) {
                gql_errors_add(v->errors, &a->loc, "Unknown argument \"%s\" on directive \"@%s\".",
                               a->name.ptr, d->name.ptr);
                continue;
            }
            has_if = true;
            static const gql_typedef boolean = {.kind = GQL_SCALAR, .name = "Boolean"};
            static const gql_tref named = {.wrap = GQL_TYPE_NAMED, .named = &boolean};
            static const gql_tref required = {.wrap = GQL_TYPE_NON_NULL, .of = &named};
            check_value(v, a->value, &required, &required);
        }
        if (!has_if)
            gql_errors_add(
                v->errors, &d->loc,
                "Directive \"@%s\" argument \"if\" of type \"Boolean!\" is required, but it was not "
                "provided.",
                d->name.ptr);
    }
}

/* ---- selections ---- */

static const gql_definition *find_fragment(const gql_document *doc, const char *name)
{
    for (const gql_definition *d = doc->first; d != NULL; d = d->next)
        if (d->kind == GQL_DEF_FRAGMENT && strcmp(d->name.ptr, name) == 0)
            return d;
    return NULL;
}

static void check_selection_set(validator *v, const gql_typedef *parent, const gql_selection_set *set);

static void check_arguments(validator *v, const gql_typedef *parent, const gql_fielddef *def,
                            const gql_selection *sel)
{
    for (const gql_argument *a = sel->args.first; a != NULL; a = a->next) {
        for (const gql_argument *b = sel->args.first; b != a; b = b->next)
            if (strcmp(a->name.ptr, b->name.ptr) == 0) {
                gql_error *e = gql_errors_add(v->errors, &b->loc,
                                              "There can be only one argument named \"%s\".", a->name.ptr);
                gql_error_add_loc(e, a->loc);
            }
        check_variables_in(v, a->value);
        const gql_argdef *ad = gql_field_arg(def, a->name.ptr, a->name.len);
        if (ad == NULL)
            gql_errors_add(v->errors, &a->loc, "Unknown argument \"%s\" on field \"%s.%s\".", a->name.ptr,
                           parent->name, def->name);
        else
            check_value(v, a->value, ad->type, ad->type);
    }
    for (size_t i = 0; i < def->nargs; i++) {
        const gql_argdef *ad = &def->args[i];
        if (ad->type->wrap != GQL_TYPE_NON_NULL || ad->default_value != NULL)
            continue;
        bool given = false;
        for (const gql_argument *a = sel->args.first; a != NULL; a = a->next)
            given |= strcmp(a->name.ptr, ad->name) == 0;
        if (!given) {
            char tt[128];
            gql_errors_add(
                v->errors, &sel->loc,
                "Field \"%s\" argument \"%s\" of type \"%s\" is required, but it was not provided.",
                def->name, ad->name, gql_tref_print(ad->type, tt, sizeof(tt)));
        }
    }
}

static void check_field(validator *v, const gql_typedef *parent, const gql_selection *sel)
{
    check_directives(v, &sel->directives);
    if (strcmp(sel->name.ptr, "__typename") == 0) {
        if (sel->selection_set != NULL)
            gql_errors_add(v->errors, &sel->selection_set->loc,
                           "Field \"__typename\" must not have a selection since type \"String!\" has no "
                           "subfields.");
        return;
    }
    const gql_fielddef *def = gql_type_field(parent, sel->name.ptr, sel->name.len);
    if (def == NULL) {
        gql_errors_add(v->errors, &sel->loc, "Cannot query field \"%s\" on type \"%s\".", sel->name.ptr,
                       parent->name);
        return;
    }
    check_arguments(v, parent, def, sel);
    const gql_typedef *type = gql_tref_named(def->type);
    char tt[128];
    if (!gql_type_is_composite(type)) {
        if (sel->selection_set != NULL)
            gql_errors_add(v->errors, &sel->selection_set->loc,
                           "Field \"%s\" must not have a selection since type \"%s\" has no subfields.",
                           sel->name.ptr, gql_tref_print(def->type, tt, sizeof(tt)));
        return;
    }
    if (sel->selection_set == NULL) {
        gql_errors_add(
            v->errors, &sel->loc,
            "Field \"%s\" of type \"%s\" must have a selection of subfields. Did you mean \"%s { ... "
            "}\"?",
            sel->name.ptr, gql_tref_print(def->type, tt, sizeof(tt)), sel->name.ptr);
        return;
    }
    check_selection_set(v, type, sel->selection_set);
}

/* A fragment's type condition must name a known composite type; NULL (error added) otherwise. */
static const gql_typedef *condition_type(validator *v, const gql_str *name, gql_loc loc, const char *fragment)
{
    const gql_typedef *t = gql_schema_type(v->schema, name->ptr, name->len);
    if (t == NULL) {
        gql_errors_add(v->errors, &loc, "Unknown type \"%s\".", name->ptr);
        return NULL;
    }
    if (!gql_type_is_composite(t)) {
        if (fragment != NULL)
            gql_errors_add(v->errors, &loc, "Fragment \"%s\" cannot condition on non composite type \"%s\".",
                           fragment, name->ptr);
        else
            gql_errors_add(v->errors, &loc, "Fragment cannot condition on non composite type \"%s\".",
                           name->ptr);
        return NULL;
    }
    return t;
}

static void check_selection_set(validator *v, const gql_typedef *parent, const gql_selection_set *set)
{
    if (parent == NULL)
        return;
    if (++v->depth > MAX_WALK_DEPTH) {
        v->depth--;
        return; /* the parser already bounds nesting; this guards the walk itself */
    }
    for (const gql_selection *sel = set->first; sel != NULL; sel = sel->next) {
        switch (sel->kind) {
        case GQL_SELECTION_FIELD:
            check_field(v, parent, sel);
            break;
        case GQL_SELECTION_INLINE_FRAGMENT: {
            check_directives(v, &sel->directives);
            const gql_typedef *t = parent;
            if (sel->type_condition.ptr != NULL)
                t = condition_type(v, &sel->type_condition, sel->type_condition_loc, NULL);
            if (t != NULL)
                check_selection_set(v, t, sel->selection_set);
            break;
        }
        case GQL_SELECTION_FRAGMENT_SPREAD:
            check_directives(v, &sel->directives);
            if (find_fragment(v->doc, sel->name.ptr) == NULL)
                gql_errors_add(v->errors, &sel->loc, "Unknown fragment \"%s\".", sel->name.ptr);
            break;
        }
    }
    v->depth--;
}

/* ---- definitions ---- */

static void check_variable_definitions(validator *v, const gql_definition *op)
{
    for (const gql_variable_definition *d = op->variables.first; d != NULL; d = d->next) {
        for (const gql_variable_definition *e = op->variables.first; e != d; e = e->next)
            if (strcmp(e->name.ptr, d->name.ptr) == 0) {
                gql_error *err = gql_errors_add(v->errors, &e->loc,
                                                "There can be only one variable named \"$%s\".", d->name.ptr);
                gql_error_add_loc(err, d->loc);
            }
        const gql_type_ref *t = d->type;
        while (t->kind != GQL_TYPE_NAMED)
            t = t->of;
        const gql_typedef *named = gql_schema_type(v->schema, t->name.ptr, t->name.len);
        if (named == NULL) {
            gql_errors_add(v->errors, &t->loc, "Unknown type \"%s\".", t->name.ptr);
        } else if (named->kind != GQL_SCALAR && named->kind != GQL_ENUM && named->kind != GQL_INPUT_OBJECT) {
            gql_errors_add(v->errors, &d->type->loc, "Variable \"$%s\" cannot be non-input type \"%s\".",
                           d->name.ptr, named->name);
        }
    }
}

size_t gql_validate(const gql_schema *schema, const gql_document *doc, gql_errors *errors)
{
    validator v = {.schema = schema, .doc = doc, .errors = errors};
    size_t before = errors->count, anonymous = 0, operations = 0;
    for (const gql_definition *d = doc->first; d != NULL; d = d->next) {
        if (d->kind == GQL_DEF_OPERATION) {
            operations++;
            anonymous += d->name.ptr == NULL;
        } else if (d->kind != GQL_DEF_FRAGMENT) {
            const char *what = d->kind == GQL_DEF_SCHEMA || d->name.ptr == NULL ? "schema" : d->name.ptr;
            gql_errors_add(errors, &d->loc, "The \"%s\" definition is not executable.", what);
        }
    }
    for (const gql_definition *d = doc->first; d != NULL; d = d->next) {
        if (d->kind == GQL_DEF_OPERATION) {
            if (d->name.ptr == NULL && anonymous > 0 && operations > 1)
                gql_errors_add(errors, &d->loc,
                               "This anonymous operation must be the only defined operation.");
            for (const gql_definition *e = doc->first; d->name.ptr != NULL && e != d; e = e->next)
                if (e->kind == GQL_DEF_OPERATION && e->name.ptr != NULL &&
                    strcmp(e->name.ptr, d->name.ptr) == 0) {
                    gql_error *err = gql_errors_add(
                        errors, &e->name_loc, "There can be only one operation named \"%s\".", d->name.ptr);
                    gql_error_add_loc(err, d->name_loc);
                }
            v.operation = d;
            check_variable_definitions(&v, d);
            check_directives(&v, &d->directives);
            const gql_typedef *root = d->operation == GQL_OP_QUERY      ? schema->query
                                      : d->operation == GQL_OP_MUTATION ? schema->mutation
                                                                        : schema->subscription;
            if (root != NULL)
                check_selection_set(&v, root, d->selection_set);
        } else if (d->kind == GQL_DEF_FRAGMENT) {
            for (const gql_definition *e = doc->first; e != d; e = e->next)
                if (e->kind == GQL_DEF_FRAGMENT && strcmp(e->name.ptr, d->name.ptr) == 0) {
                    gql_error *err = gql_errors_add(
                        errors, &e->name_loc, "There can be only one fragment named \"%s\".", d->name.ptr);
                    gql_error_add_loc(err, d->name_loc);
                }
            v.operation = NULL;
            check_directives(&v, &d->directives);
            const gql_typedef *t = condition_type(&v, &d->type_condition, d->type_condition_loc, d->name.ptr);
            if (t != NULL)
                check_selection_set(&v, t, d->selection_set);
        }
    }
    return errors->count - before;
}
