/*
 * libFuzzer target for the lexer and parser: arbitrary bytes in, and beyond
 * "no crash, no leak, no UB" (the sanitizers' job) it checks what callers rely
 * on:
 *   - an error message starts with "Syntax Error: ", is valid UTF-8 and fits;
 *   - every location (error or AST node) agrees with a slow, independent
 *     recount of lines and code-point columns from the byte offset;
 *   - a parsed document used every token the lexer alone finds, and the lexer
 *     alone fails on no input the parser accepted;
 *   - names are non-empty NUL-terminated identifiers, string values are valid
 *     UTF-8, list counts match their lists, nesting stays within max_depth;
 *   - a tiny arena gives "Document too large." or the same answer, never a crash.
 */
#include "schema/gql_lexer.h"
#include "schema/gql_parser.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { FUZZ_MAX_DEPTH = 64, FUZZ_MAX_TOKENS = 100000 };

#define REQUIRE(cond)                                                                                        \
    do {                                                                                                     \
        if (!(cond)) {                                                                                       \
            fprintf(stderr, "fuzz_parser.c:%d: invariant failed: %s\n", __LINE__, #cond);                    \
            abort();                                                                                         \
        }                                                                                                    \
    } while (0)

typedef struct input {
    const unsigned char *data;
    size_t size;
    uint32_t *line, *column; /* for each offset in [0, size], recounted the slow obvious way */
} input;

static bool valid_utf8(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned c = s[i], len = c < 0x80                 ? 1
                                 : c >= 0xC2 && c <= 0xDF ? 2
                                 : c >= 0xE0 && c <= 0xEF ? 3
                                 : c >= 0xF0 && c <= 0xF4 ? 4
                                                          : 0;
        if (len == 0 || i + len > n)
            return false;
        for (unsigned k = 1; k < len; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
        if ((c == 0xE0 && s[i + 1] < 0xA0) || (c == 0xED && s[i + 1] > 0x9F) ||
            (c == 0xF0 && s[i + 1] < 0x90) || (c == 0xF4 && s[i + 1] > 0x8F))
            return false;
        i += len;
    }
    return true;
}

/* Lines and code-point columns for every offset, counted independently of the lexer. */
static void count_locations(input *in)
{
    in->line = malloc((in->size + 1) * sizeof(uint32_t));
    in->column = malloc((in->size + 1) * sizeof(uint32_t));
    REQUIRE(in->line != NULL && in->column != NULL);
    uint32_t line = 1, column = 1;
    for (size_t i = 0; i <= in->size; i++) {
        in->line[i] = line;
        in->column[i] = column;
        if (i == in->size)
            break;
        unsigned char c = in->data[i];
        if (c == '\n' || (c == '\r' && !(i + 1 < in->size && in->data[i + 1] == '\n'))) {
            line++;
            column = 1;
        } else if (c != '\r' && (c & 0xC0) != 0x80) {
            column++;
        }
    }
}

static void check_loc(const input *in, gql_loc loc)
{
    REQUIRE(loc.offset <= in->size);
    REQUIRE(loc.line == in->line[loc.offset]);
    REQUIRE(loc.column == in->column[loc.offset]);
}

static void check_str(const gql_str *s, bool is_name)
{
    REQUIRE(s->ptr != NULL);
    REQUIRE(s->ptr[s->len] == '\0');
    if (!is_name) {
        REQUIRE(valid_utf8((const unsigned char *)s->ptr, s->len));
        return;
    }
    REQUIRE(s->len > 0 && strlen(s->ptr) == s->len);
    for (size_t i = 0; i < s->len; i++) {
        char c = s->ptr[i];
        REQUIRE(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                (i > 0 && c >= '0' && c <= '9'));
    }
}

static void check_value(const input *in, const gql_value *v, int depth)
{
    REQUIRE(depth <= FUZZ_MAX_DEPTH);
    check_loc(in, v->loc);
    size_t n = 0;
    switch (v->kind) {
    case GQL_VALUE_VARIABLE:
    case GQL_VALUE_ENUM:
        check_str(&v->text, true);
        break;
    case GQL_VALUE_INT:
    case GQL_VALUE_FLOAT:
    case GQL_VALUE_STRING:
    case GQL_VALUE_BOOLEAN:
    case GQL_VALUE_NULL:
        check_str(&v->text, false);
        break;
    case GQL_VALUE_LIST:
        for (const gql_value *item = v->list.first; item != NULL; item = item->next, n++)
            check_value(in, item, depth + 1);
        REQUIRE(n == v->list.count);
        break;
    case GQL_VALUE_OBJECT:
        for (const gql_object_field *f = v->object.first; f != NULL; f = f->next, n++) {
            check_str(&f->name, true);
            check_loc(in, f->loc);
            check_value(in, f->value, depth + 1);
        }
        REQUIRE(n == v->object.count);
        break;
    }
}

static void check_type(const input *in, const gql_type_ref *t, int depth)
{
    REQUIRE(t != NULL && depth <= FUZZ_MAX_DEPTH + 1);
    check_loc(in, t->loc);
    if (t->kind == GQL_TYPE_NAMED)
        check_str(&t->name, true);
    else
        check_type(in, t->of, depth + (t->kind == GQL_TYPE_LIST));
    if (t->kind == GQL_TYPE_NON_NULL)
        REQUIRE(t->of->kind != GQL_TYPE_NON_NULL);
}

static void check_args(const input *in, const gql_arguments *args, int depth)
{
    size_t n = 0;
    for (const gql_argument *a = args->first; a != NULL; a = a->next, n++) {
        check_str(&a->name, true);
        check_loc(in, a->loc);
        check_value(in, a->value, depth);
    }
    REQUIRE(n == args->count);
}

static void check_directives(const input *in, const gql_directives *dirs, int depth)
{
    size_t n = 0;
    for (const gql_directive *d = dirs->first; d != NULL; d = d->next, n++) {
        check_str(&d->name, true);
        check_loc(in, d->loc);
        check_args(in, &d->args, depth);
    }
    REQUIRE(n == dirs->count);
}

static void check_selection_set(const input *in, const gql_selection_set *set, int depth)
{
    REQUIRE(set != NULL && depth <= FUZZ_MAX_DEPTH);
    check_loc(in, set->loc);
    size_t n = 0;
    for (const gql_selection *s = set->first; s != NULL; s = s->next, n++) {
        check_loc(in, s->loc);
        check_directives(in, &s->directives, depth + 1);
        switch (s->kind) {
        case GQL_SELECTION_FIELD:
            check_str(&s->name, true);
            if (s->alias.ptr != NULL)
                check_str(&s->alias, true);
            check_args(in, &s->args, depth + 1);
            if (s->selection_set != NULL)
                check_selection_set(in, s->selection_set, depth + 1);
            break;
        case GQL_SELECTION_FRAGMENT_SPREAD:
            check_str(&s->name, true);
            REQUIRE(s->selection_set == NULL);
            break;
        case GQL_SELECTION_INLINE_FRAGMENT:
            if (s->type_condition.ptr != NULL) {
                check_str(&s->type_condition, true);
                check_loc(in, s->type_condition_loc);
            }
            check_selection_set(in, s->selection_set, depth + 1);
            break;
        }
    }
    REQUIRE(n > 0 && n == set->count);
}

static void check_input_values(const input *in, const gql_input_value_defs *defs)
{
    size_t n = 0;
    for (const gql_input_value_def *iv = defs->first; iv != NULL; iv = iv->next, n++) {
        check_str(&iv->name, true);
        check_loc(in, iv->loc);
        check_type(in, iv->type, 0);
        if (iv->description.ptr != NULL)
            check_str(&iv->description, false);
        if (iv->default_value != NULL)
            check_value(in, iv->default_value, 0);
        check_directives(in, &iv->directives, 0);
    }
    REQUIRE(n == defs->count);
}

static void check_names(const input *in, const gql_name_list *names)
{
    for (; names != NULL; names = names->next) {
        check_str(&names->name, true);
        check_loc(in, names->loc);
    }
}

static void check_definition(const input *in, const gql_definition *d)
{
    check_loc(in, d->loc);
    if (d->name.ptr != NULL) {
        check_str(&d->name, true);
        check_loc(in, d->name_loc);
    }
    if (d->description.ptr != NULL)
        check_str(&d->description, false);
    check_directives(in, &d->directives, 0);
    size_t n = 0;
    switch (d->kind) {
    case GQL_DEF_OPERATION:
        REQUIRE(d->name.ptr == NULL || d->name.len > 0);
        for (const gql_variable_definition *v = d->variables.first; v != NULL; v = v->next, n++) {
            check_str(&v->name, true);
            check_loc(in, v->loc);
            check_type(in, v->type, 0);
            if (v->default_value != NULL)
                check_value(in, v->default_value, 0);
            check_directives(in, &v->directives, 0);
        }
        REQUIRE(n == d->variables.count);
        check_selection_set(in, d->selection_set, 1);
        break;
    case GQL_DEF_FRAGMENT:
        check_str(&d->name, true);
        check_str(&d->type_condition, true);
        REQUIRE(d->name.ptr != NULL && strcmp(d->name.ptr, "on") != 0);
        check_selection_set(in, d->selection_set, 1);
        break;
    case GQL_DEF_OBJECT:
    case GQL_DEF_INTERFACE:
        check_names(in, d->interfaces);
        for (const gql_field_def *f = d->fields; f != NULL; f = f->next, n++) {
            check_str(&f->name, true);
            check_loc(in, f->loc);
            check_input_values(in, &f->args);
            check_type(in, f->type, 0);
            check_directives(in, &f->directives, 0);
        }
        REQUIRE(n == d->field_count);
        break;
    case GQL_DEF_UNION:
        check_names(in, d->members);
        break;
    case GQL_DEF_ENUM:
        for (const gql_enum_value_def *ev = d->enum_values; ev != NULL; ev = ev->next) {
            check_str(&ev->name, true);
            REQUIRE(strcmp(ev->name.ptr, "true") != 0 && strcmp(ev->name.ptr, "null") != 0);
        }
        break;
    case GQL_DEF_INPUT_OBJECT:
        check_input_values(in, &d->input_fields);
        break;
    case GQL_DEF_DIRECTIVE:
        check_input_values(in, &d->args);
        REQUIRE(d->locations != NULL);
        check_names(in, d->locations);
        break;
    case GQL_DEF_SCHEMA:
        for (const gql_root_operation_def *r = d->root_operations; r != NULL; r = r->next) {
            check_str(&r->type_name, true);
            check_loc(in, r->loc);
        }
        break;
    case GQL_DEF_SCALAR:
        break;
    }
}

static void check_error(const input *in, const gql_syntax_error *err)
{
    size_t len = strnlen(err->message, sizeof(err->message));
    REQUIRE(len < sizeof(err->message));
    REQUIRE(strncmp(err->message, "Syntax Error: ", 14) == 0 && len > 14);
    REQUIRE(valid_utf8((const unsigned char *)err->message, len));
    if (strcmp(err->message, "Syntax Error: Document too large.") != 0)
        check_loc(in, err->loc);
}

/* The lexer on its own: the number of tokens, or -1 if it meets an error. */
static long lex_all(const input *in, base_arena *scratch)
{
    gql_lexer lx;
    gql_syntax_error err;
    gql_token tok;
    long count = 0;
    uint32_t prev_end = 0;
    REQUIRE(gql_lexer_init(&lx, (const char *)in->data, in->size, &err));
    for (;;) {
        if (!gql_lexer_next(&lx, &tok, &err)) {
            check_error(in, &err);
            return -1;
        }
        check_loc(in, tok.loc);
        REQUIRE(tok.loc.offset >= prev_end && tok.loc.offset + tok.len <= in->size);
        prev_end = tok.loc.offset + tok.len;
        if (tok.kind == GQL_TOK_EOF)
            return count;
        gql_str v = gql_token_value(&lx, &tok, scratch);
        REQUIRE(v.ptr != NULL && v.len <= tok.len);
        REQUIRE(valid_utf8((const unsigned char *)v.ptr, v.len));
        char desc[160];
        gql_token_describe(&lx, &tok, desc, sizeof(desc));
        REQUIRE(valid_utf8((const unsigned char *)desc, strlen(desc)));
        count++;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    input in = {data, size, NULL, NULL};
    count_locations(&in);
    gql_parse_limits limits = {.max_tokens = FUZZ_MAX_TOKENS, .max_depth = FUZZ_MAX_DEPTH};
    base_arena arena;
    gql_syntax_error err;
    base_arena_init(&arena, 0);
    gql_document *doc = gql_parse(&arena, (const char *)data, size, &limits, &err);
    long lexed = lex_all(&in, &arena);
    if (doc == NULL) {
        check_error(&in, &err);
        REQUIRE(strcmp(err.message, "Syntax Error: Document too large.") != 0);
    } else {
        REQUIRE(lexed >= 0 && (size_t)lexed == doc->token_count);
        REQUIRE(doc->count > 0);
        size_t n = 0;
        for (const gql_definition *d = doc->first; d != NULL; d = d->next, n++)
            check_definition(&in, d);
        REQUIRE(n == doc->count);
    }
    bool parsed = doc != NULL;
    base_arena_free(&arena);

    /* A small arena: either the same outcome or a clean "Document too large.". */
    base_arena_init(&arena, 2048);
    gql_syntax_error small_err;
    doc = gql_parse(&arena, (const char *)data, size, &limits, &small_err);
    if (doc == NULL) {
        check_error(&in, &small_err);
        if (strcmp(small_err.message, "Syntax Error: Document too large.") != 0)
            REQUIRE(!parsed && strcmp(small_err.message, err.message) == 0);
    } else {
        REQUIRE(parsed);
    }
    base_arena_free(&arena);
    free(in.line);
    free(in.column);
    return 0;
}
