/*
 * Printing types and values exactly as graphql-js's print() and inspect() do,
 * because messages quote them ("Int cannot represent non-integer value:
 * {a: 1}") and OverlappingFieldsCanBeMerged compares arguments by their
 * printed, field-sorted form.
 */
#include <stdlib.h>
#include <string.h>

#include "schema/validate/validate_internal.h"

void gqlv_print_tref(gqlv_str *s, const gql_tref *t)
{
    switch (t->wrap) {
    case GQL_TYPE_NAMED:
        gqlv_str_puts(s, t->named->name);
        break;
    case GQL_TYPE_LIST:
        gqlv_str_puts(s, "[");
        gqlv_print_tref(s, t->of);
        gqlv_str_puts(s, "]");
        break;
    case GQL_TYPE_NON_NULL:
        gqlv_print_tref(s, t->of);
        gqlv_str_puts(s, "!");
        break;
    }
}

void gqlv_print_type_ref(gqlv_str *s, const gql_type_ref *t)
{
    switch (t->kind) {
    case GQL_TYPE_NAMED:
        gqlv_str_append(s, t->name.ptr, t->name.len);
        break;
    case GQL_TYPE_LIST:
        gqlv_str_puts(s, "[");
        gqlv_print_type_ref(s, t->of);
        gqlv_str_puts(s, "]");
        break;
    case GQL_TYPE_NON_NULL:
        gqlv_print_type_ref(s, t->of);
        gqlv_str_puts(s, "!");
        break;
    }
}

/* printString: quotes, escaping C0 controls, '"', '\' and U+007F..U+009F as graphql-js does. */
static void print_string(gqlv_str *s, const char *p, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    gqlv_str_puts(s, "\"");
    size_t run = 0; /* start of the bytes copied as they are */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];
        unsigned code;
        size_t width = 1;
        if (c < 0x20 || c == '"' || c == '\\' || c == 0x7f) {
            code = c;
        } else if (c == 0xc2 && i + 1 < len && (unsigned char)p[i + 1] >= 0x80 &&
                   (unsigned char)p[i + 1] <= 0x9f) {
            code = (unsigned char)p[i + 1]; /* U+0080..U+009F */
            width = 2;
        } else {
            continue;
        }
        gqlv_str_append(s, p + run, i - run);
        switch (code) {
        case '\b':
            gqlv_str_puts(s, "\\b");
            break;
        case '\t':
            gqlv_str_puts(s, "\\t");
            break;
        case '\n':
            gqlv_str_puts(s, "\\n");
            break;
        case '\f':
            gqlv_str_puts(s, "\\f");
            break;
        case '\r':
            gqlv_str_puts(s, "\\r");
            break;
        case '"':
            gqlv_str_puts(s, "\\\"");
            break;
        case '\\':
            gqlv_str_puts(s, "\\\\");
            break;
        default: {
            char u[7] = {'\\', 'u', '0', '0', hex[code >> 4], hex[code & 15], 0};
            gqlv_str_puts(s, u);
        }
        }
        i += width - 1;
        run = i + 1;
    }
    gqlv_str_append(s, p + run, len - run);
    gqlv_str_puts(s, "\"");
}

/* JavaScript's string length: UTF-16 code units. */
static size_t utf16_length(const char *p, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];
        if ((c & 0xc0) != 0x80)
            n++;
        if (c >= 0xf0)
            n++; /* a surrogate pair */
    }
    return n;
}

static bool is_white_space(char c)
{
    return c == ' ' || c == '\t';
}

/* printBlockString, without the `minimize` option. */
static void print_block_string(gqlv_str *s, const char *value, size_t len)
{
    /* escaped = value.replace(/"""/g, '\\"""') */
    gqlv_str esc;
    gqlv_str_init(&esc, s->arena);
    size_t lines = 1;
    bool force_leading = true; /* every line after the first is empty or starts with white space */
    for (size_t i = 0; i < len; i++) {
        if (i + 2 < len && memcmp(value + i, "\"\"\"", 3) == 0) {
            gqlv_str_puts(&esc, "\\\"\"\"");
            i += 2;
            continue;
        }
        gqlv_str_append(&esc, value + i, 1);
    }
    const char *e = gqlv_str_cstr(&esc);
    size_t elen = esc.len;
    for (size_t i = 0; i < elen; i++) {
        if (e[i] != '\n' && e[i] != '\r')
            continue;
        if (e[i] == '\r' && i + 1 < elen && e[i + 1] == '\n')
            i++;
        lines++;
        size_t next = i + 1;
        if (next < elen && e[next] != '\n' && e[next] != '\r' && !is_white_space(e[next]))
            force_leading = false;
    }
    force_leading = force_leading && lines > 1;
    bool single_line = lines == 1;
    bool trailing_triple = elen >= 4 && memcmp(e + elen - 4, "\\\"\"\"", 4) == 0;
    bool trailing_quote = len > 0 && value[len - 1] == '"' && !trailing_triple;
    bool trailing_slash = len > 0 && value[len - 1] == '\\';
    bool force_trailing = trailing_quote || trailing_slash;
    bool multiple =
        !single_line || utf16_length(value, len) > 70 || force_trailing || force_leading || trailing_triple;
    bool skip_leading = single_line && len > 0 && is_white_space(value[0]);
    gqlv_str_puts(s, "\"\"\"");
    if ((multiple && !skip_leading) || force_leading)
        gqlv_str_puts(s, "\n");
    gqlv_str_append(s, e, elen);
    if (multiple || force_trailing)
        gqlv_str_puts(s, "\n");
    gqlv_str_puts(s, "\"\"\"");
}

typedef struct sorted_field {
    const gql_object_field *field;
    size_t index; /* written order: keeps the sort stable, as JavaScript's */
} sorted_field;

static int compare_fields(const void *a, const void *b)
{
    const sorted_field *fa = a, *fb = b;
    int c = gqlv_natural_compare(fa->field->name.ptr, fb->field->name.ptr);
    if (c != 0)
        return c;
    return fa->index < fb->index ? -1 : fa->index > fb->index;
}

void gqlv_print_value(gqlv_str *s, const gql_value *v, bool sorted)
{
    switch (v->kind) {
    case GQL_VALUE_VARIABLE:
        gqlv_str_puts(s, "$");
        gqlv_str_append(s, v->text.ptr, v->text.len);
        break;
    case GQL_VALUE_INT:
    case GQL_VALUE_FLOAT:
    case GQL_VALUE_ENUM:
        gqlv_str_append(s, v->text.ptr, v->text.len);
        break;
    case GQL_VALUE_STRING:
        if (v->block)
            print_block_string(s, v->text.ptr, v->text.len);
        else
            print_string(s, v->text.ptr, v->text.len);
        break;
    case GQL_VALUE_BOOLEAN:
        gqlv_str_puts(s, v->boolean ? "true" : "false");
        break;
    case GQL_VALUE_NULL:
        gqlv_str_puts(s, "null");
        break;
    case GQL_VALUE_LIST:
        gqlv_str_puts(s, "[");
        for (const gql_value *item = v->list.first; item != NULL; item = item->next) {
            if (item != v->list.first)
                gqlv_str_puts(s, ", ");
            gqlv_print_value(s, item, sorted);
        }
        gqlv_str_puts(s, "]");
        break;
    case GQL_VALUE_OBJECT: {
        size_t n = 0;
        sorted_field *fields = NULL;
        if (sorted && v->object.count > 1 &&
            (fields = base_arena_alloc(s->arena, v->object.count * sizeof(*fields))) != NULL) {
            for (const gql_object_field *f = v->object.first; f != NULL && n < v->object.count; f = f->next) {
                fields[n].field = f;
                fields[n].index = n;
                n++;
            }
            qsort(fields, n, sizeof(*fields), compare_fields);
        }
        gqlv_str_puts(s, "{");
        const gql_object_field *f = v->object.first;
        for (size_t i = 0; fields != NULL ? i < n : f != NULL; i++) {
            const gql_object_field *field = fields != NULL ? fields[i].field : f;
            if (i != 0)
                gqlv_str_puts(s, ", ");
            gqlv_str_append(s, field->name.ptr, field->name.len);
            gqlv_str_puts(s, ": ");
            gqlv_print_value(s, field->value, sorted);
            if (fields == NULL)
                f = f->next;
        }
        gqlv_str_puts(s, "}");
        break;
    }
    }
}
