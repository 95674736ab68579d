#include "schema/gql_value_print.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_LITERAL_DEPTH = 64 };

static bool name_is(const char *name, const char *want)
{
    return strcmp(name, want) == 0;
}

/* valueFromAST: does the literal coerce to the type? (An SDL default that does not has no default.) */
static bool literal_coerces(const gql_value *v, const gql_tref *type, unsigned depth);

static const gql_object_field *object_field(const gql_value *obj, const char *name)
{
    const gql_object_field *found = NULL; /* the last one wins, as in graphql-js's keyMap */
    for (const gql_object_field *f = obj->object.first; f != NULL; f = f->next)
        if (name_is(f->name.ptr, name))
            found = f;
    return found;
}

static bool field_default_coerces(const gql_argdef *f, unsigned depth)
{
    return f->default_value != NULL && literal_coerces(f->default_value, f->type, depth + 1);
}

static bool scalar_coerces(const gql_value *v, const gql_typedef *t)
{
    const char *n = t->name;
    if (name_is(n, "Int")) {
        if (v->kind != GQL_VALUE_INT)
            return false;
        errno = 0;
        long long x = strtoll(v->text.ptr, NULL, 10);
        return errno == 0 && x >= INT32_MIN && x <= INT32_MAX;
    }
    if (name_is(n, "Float"))
        return (v->kind == GQL_VALUE_INT || v->kind == GQL_VALUE_FLOAT) &&
               isfinite(strtod(v->text.ptr, NULL));
    if (name_is(n, "String"))
        return v->kind == GQL_VALUE_STRING;
    if (name_is(n, "Boolean"))
        return v->kind == GQL_VALUE_BOOLEAN;
    if (name_is(n, "ID"))
        return v->kind == GQL_VALUE_STRING || v->kind == GQL_VALUE_INT;
    return true; /* custom scalars take any literal */
}

static bool literal_coerces(const gql_value *v, const gql_tref *type, unsigned depth)
{
    if (depth > MAX_LITERAL_DEPTH || v->kind == GQL_VALUE_VARIABLE)
        return false;
    if (type->wrap == GQL_TYPE_NON_NULL)
        return v->kind != GQL_VALUE_NULL && literal_coerces(v, type->of, depth + 1);
    if (v->kind == GQL_VALUE_NULL)
        return true;
    if (type->wrap == GQL_TYPE_LIST) {
        if (v->kind != GQL_VALUE_LIST)
            return literal_coerces(v, type->of, depth + 1);
        for (const gql_value *item = v->list.first; item != NULL; item = item->next)
            if (!literal_coerces(item, type->of, depth + 1))
                return false;
        return true;
    }
    const gql_typedef *t = type->named;
    switch (t->kind) {
    case GQL_INPUT_OBJECT:
        if (v->kind != GQL_VALUE_OBJECT)
            return false;
        for (size_t i = 0; i < t->ninput_fields; i++) {
            const gql_argdef *f = &t->input_fields[i];
            const gql_object_field *given = object_field(v, f->name);
            if (given != NULL ? !literal_coerces(given->value, f->type, depth + 1)
                              : !field_default_coerces(f, depth) && f->type->wrap == GQL_TYPE_NON_NULL)
                return false;
        }
        return true;
    case GQL_ENUM:
        if (v->kind != GQL_VALUE_ENUM)
            return false;
        for (size_t i = 0; i < t->nvalues; i++)
            if (name_is(t->values[i].name, v->text.ptr))
                return true;
        return false;
    default:
        return scalar_coerces(v, t);
    }
}

/* graphql-js's printString: JSON-like escapes, \uXXXX in upper case, C1 controls escaped too. */
static void print_string(base_buf *b, const char *s, size_t len)
{
    base_buf_putc(b, '"');
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            base_buf_putc(b, '\\');
            base_buf_putc(b, (char)c);
        } else if (c < 0x20) {
            switch (c) {
            case '\b':
                base_buf_puts(b, "\\b");
                break;
            case '\t':
                base_buf_puts(b, "\\t");
                break;
            case '\n':
                base_buf_puts(b, "\\n");
                break;
            case '\f':
                base_buf_puts(b, "\\f");
                break;
            case '\r':
                base_buf_puts(b, "\\r");
                break;
            default:
                base_buf_printf(b, "\\u%04X", c);
            }
        } else if (c == 0x7f) {
            base_buf_puts(b, "\\u007F");
        } else if (c == 0xc2 && i + 1 < len && (unsigned char)s[i + 1] >= 0x80 &&
                   (unsigned char)s[i + 1] <= 0x9f) {
            base_buf_printf(b, "\\u%04X", (unsigned char)s[++i]);
        } else {
            base_buf_putc(b, (char)c);
        }
    }
    base_buf_putc(b, '"');
}

/* JavaScript's Number::toString for a finite double: the shortest digits that read back the same. */
static void print_js_number(base_buf *b, double d)
{
    if (d == 0) {
        base_buf_putc(b, '0'); /* -0 prints as 0 */
        return;
    }
    if (d < 0) {
        base_buf_putc(b, '-');
        d = -d;
    }
    char sci[40];
    for (int precision = 1; precision <= 17; precision++) {
        snprintf(sci, sizeof(sci), "%.*e", precision - 1, d);
        if (strtod(sci, NULL) == d)
            break;
    }
    char digits[24] = "0";
    int k = 0;
    const char *p = sci;
    for (; *p != 'e' && *p != '\0'; p++)
        if (*p != '.' && k < (int)sizeof(digits) - 1)
            digits[k++] = *p;
    while (k > 1 && digits[k - 1] == '0')
        k--;
    k = k > 0 ? k : 1;
    int n = (*p == 'e' ? (int)strtol(p + 1, NULL, 10) : 0) + 1; /* d = 0.digits x 10^n */
    if (k <= n && n <= 21) {
        base_buf_append(b, digits, (size_t)k);
        for (int i = k; i < n; i++)
            base_buf_putc(b, '0');
    } else if (0 < n && n <= 21) {
        base_buf_append(b, digits, (size_t)n);
        base_buf_putc(b, '.');
        base_buf_append(b, digits + n, (size_t)(k - n));
    } else if (-6 < n && n <= 0) {
        base_buf_puts(b, "0.");
        for (int i = n; i < 0; i++)
            base_buf_putc(b, '0');
        base_buf_append(b, digits, (size_t)k);
    } else {
        base_buf_putc(b, digits[0]);
        if (k > 1) {
            base_buf_putc(b, '.');
            base_buf_append(b, digits + 1, (size_t)(k - 1));
        }
        base_buf_printf(b, "e%c%d", n - 1 >= 0 ? '+' : '-', abs(n - 1));
    }
}

/* /^-?(?:0|[1-9][0-9]*)$/: an ID that looks like an integer prints as an Int literal. */
static bool integer_text(const char *s)
{
    if (*s == '-')
        s++;
    if (*s == '0')
        return s[1] == '\0';
    if (*s < '1' || *s > '9')
        return false;
    while (*s >= '0' && *s <= '9')
        s++;
    return *s == '\0';
}

/* A custom scalar's literal as graphql-js's valueFromASTUntyped reads it, printed back. */
static void print_untyped(base_buf *b, const gql_value *v)
{
    switch (v->kind) {
    case GQL_VALUE_INT:
    case GQL_VALUE_FLOAT: {
        double d = strtod(v->text.ptr, NULL);
        if (isfinite(d))
            print_js_number(b, d);
        else
            base_buf_puts(b, v->text.ptr);
        break;
    }
    case GQL_VALUE_STRING:
    case GQL_VALUE_ENUM:
        print_string(b, v->text.ptr, v->text.len);
        break;
    case GQL_VALUE_BOOLEAN:
        base_buf_puts(b, v->boolean ? "true" : "false");
        break;
    case GQL_VALUE_LIST:
        base_buf_putc(b, '[');
        for (const gql_value *item = v->list.first; item != NULL; item = item->next) {
            print_untyped(b, item);
            if (item->next != NULL)
                base_buf_puts(b, ", ");
        }
        base_buf_putc(b, ']');
        break;
    case GQL_VALUE_OBJECT:
        base_buf_putc(b, '{');
        for (const gql_object_field *f = v->object.first; f != NULL; f = f->next) {
            base_buf_printf(b, "%s: ", f->name.ptr);
            print_untyped(b, f->value);
            if (f->next != NULL)
                base_buf_puts(b, ", ");
        }
        base_buf_putc(b, '}');
        break;
    default:
        base_buf_puts(b, "null");
    }
}

static void print_scalar(base_buf *b, const gql_value *v, const gql_typedef *t)
{
    if (name_is(t->name, "Int"))
        base_buf_printf(b, "%lld", strtoll(v->text.ptr, NULL, 10));
    else if (name_is(t->name, "Float"))
        print_js_number(b, strtod(v->text.ptr, NULL));
    else if (name_is(t->name, "Boolean"))
        base_buf_puts(b, v->boolean ? "true" : "false");
    else if (name_is(t->name, "ID") && integer_text(v->text.ptr))
        base_buf_puts(b, v->text.ptr);
    else if (name_is(t->name, "String") || name_is(t->name, "ID"))
        print_string(b, v->text.ptr, v->text.len);
    else
        print_untyped(b, v);
}

/* Prints a literal known to coerce (literal_coerces) the way graphql-js prints the coerced value. */
static void print_literal(base_buf *b, const gql_value *v, const gql_tref *type, unsigned depth)
{
    if (type->wrap == GQL_TYPE_NON_NULL) {
        print_literal(b, v, type->of, depth + 1);
        return;
    }
    if (v->kind == GQL_VALUE_NULL) {
        base_buf_puts(b, "null");
        return;
    }
    if (type->wrap == GQL_TYPE_LIST) {
        base_buf_putc(b, '['); /* a single value coerces to a list of one */
        if (v->kind != GQL_VALUE_LIST) {
            print_literal(b, v, type->of, depth + 1);
        } else {
            for (const gql_value *item = v->list.first; item != NULL; item = item->next) {
                print_literal(b, item, type->of, depth + 1);
                if (item->next != NULL)
                    base_buf_puts(b, ", ");
            }
        }
        base_buf_putc(b, ']');
        return;
    }
    const gql_typedef *t = type->named;
    if (t->kind == GQL_ENUM) {
        base_buf_puts(b, v->text.ptr);
    } else if (t->kind == GQL_INPUT_OBJECT) {
        /* The type's field order; absent fields take their own defaults, as coercion fills them in. */
        bool first = true;
        base_buf_putc(b, '{');
        for (size_t i = 0; i < t->ninput_fields; i++) {
            const gql_argdef *f = &t->input_fields[i];
            const gql_object_field *given = object_field(v, f->name);
            const gql_value *fv = given != NULL                     ? given->value
                                  : field_default_coerces(f, depth) ? f->default_value
                                                                    : NULL;
            if (fv == NULL)
                continue;
            base_buf_printf(b, first ? "%s: " : ", %s: ", f->name);
            print_literal(b, fv, f->type, depth + 1);
            first = false;
        }
        base_buf_putc(b, '}');
    } else {
        print_scalar(b, v, t);
    }
}

bool gql_value_print_coerced(base_buf *out, const gql_value *literal, const gql_tref *type)
{
    if (!literal_coerces(literal, type, 0))
        return false;
    print_literal(out, literal, type, 0);
    return true;
}
