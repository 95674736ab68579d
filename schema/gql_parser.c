/*
 * The parser proper: token plumbing shared with gql_parser_sdl.c, the
 * document, executable definitions, values, types and directives.
 *
 * Recursive descent with one token of lookahead, shaped after graphql-js 16's
 * parser.ts so that each error names the same token with the same words.
 * Every recursive production (selection sets, list and object values, list
 * types) passes through gql_parser_enter(), so the depth of the C stack is
 * bounded by max_depth whatever the input.
 */
#include "schema/gql_parser_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Room for a token description in a message ("BlockString \"...96 bytes...\""). */
enum { DESC_CAP = 128 };

bool gql_parser_fail(gql_parser *p, gql_loc loc, const char *fmt, ...)
{
    if (!p->failed) {
        char msg[sizeof(p->err->message)];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        gql_syntax_error_set(p->err, loc, "%s", msg);
        p->failed = true;
    }
    p->tok.kind = GQL_TOK_EOF;
    p->has_ahead = false;
    return false;
}

bool gql_parser_unexpected(gql_parser *p, const gql_token *tok)
{
    char desc[DESC_CAP];
    gql_token_describe(&p->lx, tok, desc, sizeof(desc));
    return gql_parser_fail(p, tok->loc, "Unexpected %s.", desc);
}

bool gql_parser_out_of_memory(gql_parser *p)
{
    return gql_parser_fail(p, p->tok.loc, "Document too large.");
}

/* A lexical error: the lexer wrote the message, unless an earlier error stands. */
static bool lexer_failed(gql_parser *p, const gql_syntax_error *lexical)
{
    if (!p->failed)
        *p->err = *lexical;
    p->failed = true;
    p->tok.kind = GQL_TOK_EOF;
    p->has_ahead = false;
    return false;
}

bool gql_parser_advance(gql_parser *p)
{
    if (p->failed)
        return false;
    if (p->has_ahead) {
        p->tok = p->ahead;
        p->has_ahead = false;
    } else {
        gql_syntax_error lexical;
        if (!gql_lexer_next(&p->lx, &p->tok, &lexical))
            return lexer_failed(p, &lexical);
    }
    if (p->tok.kind != GQL_TOK_EOF && ++p->token_count > p->max_tokens && p->max_tokens != 0)
        return gql_parser_fail(p, p->tok.loc, "Document contains more than %zu tokens. Parsing aborted.",
                               p->max_tokens);
    return true;
}

const gql_token *gql_parser_lookahead(gql_parser *p)
{
    if (p->failed)
        return NULL;
    if (!p->has_ahead) {
        gql_syntax_error lexical;
        if (!gql_lexer_next(&p->lx, &p->ahead, &lexical)) {
            lexer_failed(p, &lexical);
            return NULL;
        }
        p->has_ahead = true;
    }
    return &p->ahead;
}

bool gql_parser_expect(gql_parser *p, gql_token_kind kind)
{
    if (p->tok.kind == kind)
        return gql_parser_advance(p);
    char desc[DESC_CAP];
    gql_token_describe(&p->lx, &p->tok, desc, sizeof(desc));
    return gql_parser_fail(p, p->tok.loc, "Expected %s, found %s.", gql_token_kind_desc(kind), desc);
}

bool gql_parser_accept(gql_parser *p, gql_token_kind kind)
{
    return p->tok.kind == kind && gql_parser_advance(p);
}

bool gql_parser_expect_keyword(gql_parser *p, const char *keyword)
{
    if (gql_parser_is_keyword(p, &p->tok, keyword))
        return gql_parser_advance(p);
    char desc[DESC_CAP];
    gql_token_describe(&p->lx, &p->tok, desc, sizeof(desc));
    return gql_parser_fail(p, p->tok.loc, "Expected \"%s\", found %s.", keyword, desc);
}

bool gql_parser_accept_keyword(gql_parser *p, const char *keyword)
{
    return gql_parser_is_keyword(p, &p->tok, keyword) && gql_parser_advance(p);
}

bool gql_parser_enter(gql_parser *p)
{
    if (++p->depth > p->max_depth)
        return gql_parser_fail(p, p->tok.loc, "Document exceeds the maximum nesting depth of %zu.",
                               p->max_depth);
    return true;
}

void gql_parser_leave(gql_parser *p)
{
    p->depth--;
}

void *gql_parser_node(gql_parser *p, size_t size)
{
    void *node = base_arena_calloc(p->arena, 1, size);
    if (node == NULL)
        gql_parser_out_of_memory(p);
    return node;
}

gql_definition *gql_parser_new_definition(gql_parser *p, gql_definition_kind kind)
{
    gql_definition *def = gql_parser_node(p, sizeof(*def));
    if (def != NULL) {
        def->kind = kind;
        def->loc = p->tok.loc;
    }
    return def;
}

/* The current token's value in the arena (names, numbers, cooked strings). */
static bool take_value(gql_parser *p, gql_str *out)
{
    *out = gql_token_value(&p->lx, &p->tok, p->arena);
    return out->ptr != NULL || gql_parser_out_of_memory(p);
}

bool gql_parser_name(gql_parser *p, gql_str *name, gql_loc *loc)
{
    if (p->tok.kind != GQL_TOK_NAME)
        return gql_parser_expect(p, GQL_TOK_NAME);
    if (loc != NULL)
        *loc = p->tok.loc;
    return take_value(p, name) && gql_parser_advance(p);
}

bool gql_parser_description(gql_parser *p, gql_str *out)
{
    if (p->tok.kind != GQL_TOK_STRING && p->tok.kind != GQL_TOK_BLOCK_STRING)
        return !p->failed;
    if (out != NULL && !take_value(p, out))
        return false;
    return gql_parser_advance(p);
}

bool gql_parser_operation_type(gql_parser *p, gql_operation_type *out)
{
    if (p->tok.kind != GQL_TOK_NAME)
        return gql_parser_expect(p, GQL_TOK_NAME);
    if (gql_parser_is_keyword(p, &p->tok, "query"))
        *out = GQL_OP_QUERY;
    else if (gql_parser_is_keyword(p, &p->tok, "mutation"))
        *out = GQL_OP_MUTATION;
    else if (gql_parser_is_keyword(p, &p->tok, "subscription"))
        *out = GQL_OP_SUBSCRIPTION;
    else
        return gql_parser_unexpected(p, &p->tok);
    return gql_parser_advance(p);
}

/* ---- values ---- */

static gql_value *new_value(gql_parser *p, gql_value_kind kind)
{
    gql_value *v = gql_parser_node(p, sizeof(*v));
    if (v != NULL) {
        v->kind = kind;
        v->loc = p->tok.loc;
    }
    return v;
}

/* ListValue: [ Value* ] */
static gql_value *parse_list(gql_parser *p, bool is_const)
{
    gql_value *list = new_value(p, GQL_VALUE_LIST);
    if (list == NULL || !gql_parser_enter(p) || !gql_parser_advance(p))
        return NULL;
    gql_value **tail = &list->list.first;
    while (!gql_parser_accept(p, GQL_TOK_BRACKET_R)) {
        gql_value *item = gql_parser_value(p, is_const);
        if (item == NULL)
            return NULL;
        *tail = item;
        tail = &item->next;
        list->list.count++;
    }
    gql_parser_leave(p);
    return p->failed ? NULL : list;
}

/* ObjectValue: { ObjectField* } */
static gql_value *parse_object(gql_parser *p, bool is_const)
{
    gql_value *obj = new_value(p, GQL_VALUE_OBJECT);
    if (obj == NULL || !gql_parser_enter(p) || !gql_parser_advance(p))
        return NULL;
    gql_object_field **tail = &obj->object.first;
    while (!gql_parser_accept(p, GQL_TOK_BRACE_R)) {
        gql_object_field *field = gql_parser_node(p, sizeof(*field));
        if (field == NULL || !gql_parser_name(p, &field->name, &field->loc) ||
            !gql_parser_expect(p, GQL_TOK_COLON) || (field->value = gql_parser_value(p, is_const)) == NULL)
            return NULL;
        *tail = field;
        tail = &field->next;
        obj->object.count++;
    }
    gql_parser_leave(p);
    return p->failed ? NULL : obj;
}

/* A variable where the grammar wants Value[Const]: graphql-js names it after consuming the '$'. */
static gql_value *variable_in_const(gql_parser *p)
{
    gql_token dollar = p->tok;
    if (!gql_parser_advance(p))
        return NULL;
    if (p->tok.kind != GQL_TOK_NAME) {
        gql_parser_unexpected(p, &dollar);
        return NULL;
    }
    const char *name = gql_token_text(&p->lx, &p->tok);
    int shown = p->tok.len > 96 ? 96 : (int)p->tok.len; /* names are ASCII: any cut is clean */
    gql_parser_fail(p, dollar.loc, "Unexpected variable \"$%.*s\" in constant value.", shown, name);
    return NULL;
}

static const gql_str lit_true = {"true", 4}, lit_false = {"false", 5}, lit_null = {"null", 4};

gql_value *gql_parser_value(gql_parser *p, bool is_const)
{
    gql_value *v;
    switch (p->tok.kind) {
    case GQL_TOK_BRACKET_L:
        return parse_list(p, is_const);
    case GQL_TOK_BRACE_L:
        return parse_object(p, is_const);
    case GQL_TOK_INT:
    case GQL_TOK_FLOAT:
    case GQL_TOK_STRING:
    case GQL_TOK_BLOCK_STRING:
        v = new_value(p, p->tok.kind == GQL_TOK_INT     ? GQL_VALUE_INT
                         : p->tok.kind == GQL_TOK_FLOAT ? GQL_VALUE_FLOAT
                                                        : GQL_VALUE_STRING);
        if (v == NULL || !take_value(p, &v->text))
            return NULL;
        v->block = p->tok.kind == GQL_TOK_BLOCK_STRING;
        return gql_parser_advance(p) ? v : NULL;
    case GQL_TOK_NAME:
        v = new_value(p, GQL_VALUE_ENUM);
        if (v == NULL)
            return NULL;
        if (gql_parser_is_keyword(p, &p->tok, "true") || gql_parser_is_keyword(p, &p->tok, "false")) {
            v->kind = GQL_VALUE_BOOLEAN;
            v->boolean = p->tok.len == 4;
            v->text = v->boolean ? lit_true : lit_false;
        } else if (gql_parser_is_keyword(p, &p->tok, "null")) {
            v->kind = GQL_VALUE_NULL;
            v->text = lit_null;
        } else if (!take_value(p, &v->text)) {
            return NULL;
        }
        return gql_parser_advance(p) ? v : NULL;
    case GQL_TOK_DOLLAR:
        if (is_const)
            return variable_in_const(p);
        v = new_value(p, GQL_VALUE_VARIABLE);
        if (v == NULL || !gql_parser_advance(p) || !gql_parser_name(p, &v->text, NULL))
            return NULL;
        return v;
    default:
        gql_parser_unexpected(p, &p->tok);
        return NULL;
    }
}

/* ---- arguments, directives, types ---- */

/* Arguments[Const]?: ( Argument+ ) */
static bool parse_arguments(gql_parser *p, bool is_const, gql_arguments *out)
{
    if (p->tok.kind != GQL_TOK_PAREN_L)
        return !p->failed;
    if (!gql_parser_advance(p))
        return false;
    gql_argument **tail = &out->first;
    do {
        gql_argument *arg = gql_parser_node(p, sizeof(*arg));
        if (arg == NULL || !gql_parser_name(p, &arg->name, &arg->loc) ||
            !gql_parser_expect(p, GQL_TOK_COLON) || (arg->value = gql_parser_value(p, is_const)) == NULL)
            return false;
        *tail = arg;
        tail = &arg->next;
        out->count++;
    } while (!gql_parser_accept(p, GQL_TOK_PAREN_R));
    return !p->failed;
}

bool gql_parser_directives(gql_parser *p, bool is_const, gql_directives *out)
{
    gql_directive **tail = &out->first;
    while (p->tok.kind == GQL_TOK_AT) {
        gql_directive *d = gql_parser_node(p, sizeof(*d));
        if (d == NULL)
            return false;
        d->loc = p->tok.loc;
        if (!gql_parser_advance(p) || !gql_parser_name(p, &d->name, NULL) ||
            !parse_arguments(p, is_const, &d->args))
            return false;
        *tail = d;
        tail = &d->next;
        out->count++;
    }
    return !p->failed;
}

gql_type_ref *gql_parser_type_ref(gql_parser *p)
{
    gql_loc start = p->tok.loc;
    gql_type_ref *type = gql_parser_node(p, sizeof(*type));
    if (type == NULL)
        return NULL;
    type->loc = start;
    if (p->tok.kind == GQL_TOK_BRACKET_L) {
        type->kind = GQL_TYPE_LIST;
        if (!gql_parser_enter(p) || !gql_parser_advance(p) || (type->of = gql_parser_type_ref(p)) == NULL ||
            !gql_parser_expect(p, GQL_TOK_BRACKET_R))
            return NULL;
        gql_parser_leave(p);
    } else {
        type->kind = GQL_TYPE_NAMED;
        if (!gql_parser_name(p, &type->name, NULL))
            return NULL;
    }
    if (p->tok.kind != GQL_TOK_BANG)
        return type;
    gql_type_ref *non_null = gql_parser_node(p, sizeof(*non_null));
    if (non_null == NULL || !gql_parser_advance(p))
        return NULL;
    non_null->kind = GQL_TYPE_NON_NULL;
    non_null->of = type;
    non_null->loc = start;
    return non_null;
}

/* ---- selections ---- */

static gql_selection_set *parse_selection_set(gql_parser *p);

/* Field: Alias? Name Arguments? Directives? SelectionSet? */
static gql_selection *parse_field(gql_parser *p)
{
    gql_selection *sel = gql_parser_node(p, sizeof(*sel));
    if (sel == NULL)
        return NULL;
    sel->kind = GQL_SELECTION_FIELD;
    if (!gql_parser_name(p, &sel->name, &sel->loc))
        return NULL;
    sel->name_loc = sel->loc;
    if (gql_parser_accept(p, GQL_TOK_COLON)) {
        sel->alias = sel->name;
        if (!gql_parser_name(p, &sel->name, &sel->name_loc))
            return NULL;
    }
    if (!parse_arguments(p, false, &sel->args) || !gql_parser_directives(p, false, &sel->directives))
        return NULL;
    if (p->tok.kind == GQL_TOK_BRACE_L && (sel->selection_set = parse_selection_set(p)) == NULL)
        return NULL;
    return p->failed ? NULL : sel;
}

/* FragmentSpread: ... FragmentName Directives?  InlineFragment: ... TypeCondition? Directives? SelectionSet
 */
static gql_selection *parse_fragment(gql_parser *p)
{
    gql_selection *sel = gql_parser_node(p, sizeof(*sel));
    if (sel == NULL)
        return NULL;
    sel->loc = p->tok.loc;
    if (!gql_parser_advance(p))
        return NULL;
    bool has_type_condition = gql_parser_accept_keyword(p, "on");
    if (!has_type_condition && p->tok.kind == GQL_TOK_NAME) {
        sel->kind = GQL_SELECTION_FRAGMENT_SPREAD;
        if (!gql_parser_name(p, &sel->name, &sel->name_loc) ||
            !gql_parser_directives(p, false, &sel->directives))
            return NULL;
        return sel;
    }
    sel->kind = GQL_SELECTION_INLINE_FRAGMENT;
    if (has_type_condition && !gql_parser_name(p, &sel->type_condition, &sel->type_condition_loc))
        return NULL;
    if (!gql_parser_directives(p, false, &sel->directives) ||
        (sel->selection_set = parse_selection_set(p)) == NULL)
        return NULL;
    return sel;
}

/* SelectionSet: { Selection+ } */
static gql_selection_set *parse_selection_set(gql_parser *p)
{
    if (p->tok.kind != GQL_TOK_BRACE_L) {
        gql_parser_expect(p, GQL_TOK_BRACE_L);
        return NULL;
    }
    gql_selection_set *set = gql_parser_node(p, sizeof(*set));
    if (set == NULL)
        return NULL;
    set->loc = p->tok.loc;
    if (!gql_parser_enter(p) || !gql_parser_advance(p))
        return NULL;
    gql_selection **tail = &set->first;
    do {
        gql_selection *sel = p->tok.kind == GQL_TOK_SPREAD ? parse_fragment(p) : parse_field(p);
        if (sel == NULL)
            return NULL;
        *tail = sel;
        tail = &sel->next;
        set->count++;
    } while (!gql_parser_accept(p, GQL_TOK_BRACE_R));
    gql_parser_leave(p);
    return p->failed ? NULL : set;
}

/* ---- executable definitions ---- */

/* VariablesDefinition: ( VariableDefinition+ ) */
static bool parse_variable_definitions(gql_parser *p, gql_variable_definitions *out)
{
    if (p->tok.kind != GQL_TOK_PAREN_L)
        return !p->failed;
    if (!gql_parser_advance(p))
        return false;
    gql_variable_definition **tail = &out->first;
    do {
        gql_variable_definition *var = gql_parser_node(p, sizeof(*var));
        /* The working draft lets variables carry a description; the AST has no place for it. */
        if (var == NULL || !gql_parser_description(p, NULL))
            return false;
        var->loc = p->tok.loc;
        if (!gql_parser_expect(p, GQL_TOK_DOLLAR) || !gql_parser_name(p, &var->name, &var->name_loc) ||
            !gql_parser_expect(p, GQL_TOK_COLON) || (var->type = gql_parser_type_ref(p)) == NULL)
            return false;
        if (gql_parser_accept(p, GQL_TOK_EQUALS) && (var->default_value = gql_parser_value(p, true)) == NULL)
            return false;
        if (!gql_parser_directives(p, true, &var->directives))
            return false;
        *tail = var;
        tail = &var->next;
        out->count++;
    } while (!gql_parser_accept(p, GQL_TOK_PAREN_R));
    return !p->failed;
}

/* OperationDefinition: SelectionSet | Description? OperationType Name? VariablesDefinition? Directives?
 * SelectionSet */
static gql_definition *parse_operation(gql_parser *p)
{
    gql_definition *def = gql_parser_new_definition(p, GQL_DEF_OPERATION);
    if (def == NULL)
        return NULL;
    def->operation = GQL_OP_QUERY;
    if (p->tok.kind != GQL_TOK_BRACE_L) {
        if (!gql_parser_description(p, &def->description) || !gql_parser_operation_type(p, &def->operation))
            return NULL;
        if (p->tok.kind == GQL_TOK_NAME && !gql_parser_name(p, &def->name, &def->name_loc))
            return NULL;
        if (!parse_variable_definitions(p, &def->variables) ||
            !gql_parser_directives(p, false, &def->directives))
            return NULL;
    }
    def->selection_set = parse_selection_set(p);
    return def->selection_set != NULL ? def : NULL;
}

/* FragmentDefinition: Description? fragment FragmentName TypeCondition Directives? SelectionSet */
static gql_definition *parse_fragment_definition(gql_parser *p)
{
    gql_definition *def = gql_parser_new_definition(p, GQL_DEF_FRAGMENT);
    if (def == NULL || !gql_parser_description(p, &def->description) ||
        !gql_parser_expect_keyword(p, "fragment"))
        return NULL;
    if (gql_parser_is_keyword(p, &p->tok, "on")) { /* FragmentName: Name but not `on` */
        gql_parser_unexpected(p, &p->tok);
        return NULL;
    }
    if (!gql_parser_name(p, &def->name, &def->name_loc) || !gql_parser_expect_keyword(p, "on") ||
        !gql_parser_name(p, &def->type_condition, &def->type_condition_loc) ||
        !gql_parser_directives(p, false, &def->directives))
        return NULL;
    def->selection_set = parse_selection_set(p);
    return def->selection_set != NULL ? def : NULL;
}

/* Definition: dispatched on the keyword, which follows the description if there is one. */
static gql_definition *parse_definition(gql_parser *p)
{
    if (p->tok.kind == GQL_TOK_BRACE_L)
        return parse_operation(p);
    bool has_description = p->tok.kind == GQL_TOK_STRING || p->tok.kind == GQL_TOK_BLOCK_STRING;
    const gql_token *keyword = has_description ? gql_parser_lookahead(p) : &p->tok;
    if (keyword == NULL)
        return NULL;
    if (has_description && keyword->kind == GQL_TOK_BRACE_L) {
        gql_parser_fail(p, p->tok.loc,
                        "Unexpected description, descriptions are not supported on shorthand queries.");
        return NULL;
    }
    if (keyword->kind == GQL_TOK_NAME) {
        if (gql_parser_is_type_system_keyword(p, keyword))
            return gql_parser_type_system_definition(p);
        if (gql_parser_is_keyword(p, keyword, "query") || gql_parser_is_keyword(p, keyword, "mutation") ||
            gql_parser_is_keyword(p, keyword, "subscription"))
            return parse_operation(p);
        if (gql_parser_is_keyword(p, keyword, "fragment"))
            return parse_fragment_definition(p);
        if (has_description) {
            gql_parser_fail(p, p->tok.loc,
                            "Unexpected description, only GraphQL definitions support descriptions.");
            return NULL;
        }
        if (gql_parser_is_keyword(p, keyword, "extend"))
            return gql_parser_type_system_extension(p);
    }
    gql_parser_unexpected(p, keyword);
    return NULL;
}

gql_document *gql_parse(base_arena *arena, const char *src, size_t len, const gql_parse_limits *limits,
                        gql_syntax_error *err)
{
    gql_syntax_error scratch;
    gql_parser p;
    memset(&p, 0, sizeof(p));
    p.arena = arena;
    p.err = err != NULL ? err : &scratch;
    memset(p.err, 0, sizeof(*p.err));
    p.max_tokens = limits != NULL ? limits->max_tokens : 0;
    p.max_depth = limits != NULL && limits->max_depth != 0 ? limits->max_depth : GQL_PARSER_DEFAULT_MAX_DEPTH;
    if (!gql_lexer_init(&p.lx, src, len, p.err))
        return NULL;

    /* Document: Definition+ */
    gql_document *doc = gql_parser_node(&p, sizeof(*doc));
    if (doc == NULL || !gql_parser_advance(&p))
        return NULL;
    gql_definition **tail = &doc->first;
    do {
        gql_definition *def = parse_definition(&p);
        if (def == NULL)
            return NULL;
        *tail = def;
        tail = &def->next;
        doc->count++;
    } while (p.tok.kind != GQL_TOK_EOF);
    if (p.failed)
        return NULL;
    doc->token_count = p.token_count;
    return doc;
}
