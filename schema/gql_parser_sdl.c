/*
 * Type-system definitions and extensions (SDL): schema, scalar, type,
 * interface, union, enum, input and directive definitions, and the `extend`
 * forms of the first seven. A definition and its extension share one body
 * parser; an extension must add something (graphql-js reports the token where
 * the addition was expected).
 */
#include "schema/gql_parser_internal.h"

#include <string.h>

static const char *const type_system_keywords[] = {"schema", "scalar", "type",  "interface",
                                                   "union",  "enum",   "input", "directive"};

bool gql_parser_is_type_system_keyword(const gql_parser *p, const gql_token *tok)
{
    for (size_t i = 0; i < sizeof(type_system_keywords) / sizeof(type_system_keywords[0]); i++)
        if (gql_parser_is_keyword(p, tok, type_system_keywords[i]))
            return true;
    return false;
}

/* A NamedType in a list (implements, union members) or a directive location. */
static gql_name_list *parse_list_name(gql_parser *p)
{
    gql_name_list *item = gql_parser_node(p, sizeof(*item));
    if (item == NULL || !gql_parser_name(p, &item->name, &item->loc))
        return NULL;
    return item;
}

/* `sep`? Name (`sep` Name)*: ImplementsInterfaces after `implements`, UnionMemberTypes after `=`. */
static bool parse_delimited_names(gql_parser *p, gql_token_kind sep, gql_name_list **out)
{
    gql_parser_accept(p, sep);
    gql_name_list **tail = out;
    do {
        gql_name_list *item = parse_list_name(p);
        if (item == NULL)
            return false;
        *tail = item;
        tail = &item->next;
    } while (gql_parser_accept(p, sep));
    return !p->failed;
}

/* InputValueDefinition: Description? Name : Type DefaultValue? Directives[Const]? */
static gql_input_value_def *parse_input_value_def(gql_parser *p)
{
    gql_input_value_def *iv = gql_parser_node(p, sizeof(*iv));
    if (iv == NULL || !gql_parser_description(p, &iv->description) ||
        !gql_parser_name(p, &iv->name, &iv->loc) || !gql_parser_expect(p, GQL_TOK_COLON) ||
        (iv->type = gql_parser_type_ref(p)) == NULL)
        return NULL;
    if (gql_parser_accept(p, GQL_TOK_EQUALS) && (iv->default_value = gql_parser_value(p, true)) == NULL)
        return NULL;
    if (!gql_parser_directives(p, true, &iv->directives))
        return NULL;
    return iv;
}

/* ArgumentsDefinition ( ... ) or InputFieldsDefinition { ... }, both optional. */
static bool parse_input_value_defs(gql_parser *p, gql_token_kind open, gql_token_kind close,
                                   gql_input_value_defs *out)
{
    if (p->tok.kind != open)
        return !p->failed;
    if (!gql_parser_advance(p))
        return false;
    gql_input_value_def **tail = &out->first;
    do {
        gql_input_value_def *iv = parse_input_value_def(p);
        if (iv == NULL)
            return false;
        *tail = iv;
        tail = &iv->next;
        out->count++;
    } while (!gql_parser_accept(p, close));
    return !p->failed;
}

/* FieldsDefinition?: { FieldDefinition+ } */
static bool parse_fields(gql_parser *p, gql_definition *def)
{
    if (p->tok.kind != GQL_TOK_BRACE_L)
        return !p->failed;
    if (!gql_parser_advance(p))
        return false;
    gql_field_def **tail = &def->fields;
    do {
        /* FieldDefinition: Description? Name ArgumentsDefinition? : Type Directives[Const]? */
        gql_field_def *f = gql_parser_node(p, sizeof(*f));
        if (f == NULL || !gql_parser_description(p, &f->description) ||
            !gql_parser_name(p, &f->name, &f->loc) ||
            !parse_input_value_defs(p, GQL_TOK_PAREN_L, GQL_TOK_PAREN_R, &f->args) ||
            !gql_parser_expect(p, GQL_TOK_COLON) || (f->type = gql_parser_type_ref(p)) == NULL ||
            !gql_parser_directives(p, true, &f->directives))
            return false;
        *tail = f;
        tail = &f->next;
        def->field_count++;
    } while (!gql_parser_accept(p, GQL_TOK_BRACE_R));
    return !p->failed;
}

/* EnumValuesDefinition?: { EnumValueDefinition+ } */
static bool parse_enum_values(gql_parser *p, gql_definition *def)
{
    if (p->tok.kind != GQL_TOK_BRACE_L)
        return !p->failed;
    if (!gql_parser_advance(p))
        return false;
    gql_enum_value_def **tail = &def->enum_values;
    do {
        /* EnumValueDefinition: Description? EnumValue Directives[Const]? */
        gql_enum_value_def *ev = gql_parser_node(p, sizeof(*ev));
        if (ev == NULL || !gql_parser_description(p, &ev->description))
            return false;
        if (gql_parser_is_keyword(p, &p->tok, "true") || gql_parser_is_keyword(p, &p->tok, "false") ||
            gql_parser_is_keyword(p, &p->tok, "null")) {
            char desc[64];
            gql_token_describe(&p->lx, &p->tok, desc, sizeof(desc));
            return gql_parser_fail(p, p->tok.loc, "%s is reserved and cannot be used for an enum value.",
                                   desc);
        }
        if (!gql_parser_name(p, &ev->name, &ev->loc) || !gql_parser_directives(p, true, &ev->directives))
            return false;
        *tail = ev;
        tail = &ev->next;
    } while (!gql_parser_accept(p, GQL_TOK_BRACE_R));
    return !p->failed;
}

/* { RootOperationTypeDefinition+ }, each OperationType : NamedType */
static bool parse_root_operations(gql_parser *p, gql_definition *def)
{
    if (!gql_parser_expect(p, GQL_TOK_BRACE_L))
        return false;
    gql_root_operation_def **tail = &def->root_operations;
    do {
        gql_root_operation_def *r = gql_parser_node(p, sizeof(*r));
        if (r == NULL)
            return false;
        r->loc = p->tok.loc;
        if (!gql_parser_operation_type(p, &r->operation) || !gql_parser_expect(p, GQL_TOK_COLON) ||
            !gql_parser_name(p, &r->type_name, NULL))
            return false;
        *tail = r;
        tail = &r->next;
    } while (!gql_parser_accept(p, GQL_TOK_BRACE_R));
    return !p->failed;
}

/* The spec's DirectiveLocation names, in its order; gql_schema maps them to location bits. */
const char *const gql_directive_location_names[GQL_DIRECTIVE_LOCATION_COUNT] = {
    "QUERY",
    "MUTATION",
    "SUBSCRIPTION",
    "FIELD",
    "FRAGMENT_DEFINITION",
    "FRAGMENT_SPREAD",
    "INLINE_FRAGMENT",
    "VARIABLE_DEFINITION",
    "SCHEMA",
    "SCALAR",
    "OBJECT",
    "FIELD_DEFINITION",
    "ARGUMENT_DEFINITION",
    "INTERFACE",
    "UNION",
    "ENUM",
    "ENUM_VALUE",
    "INPUT_OBJECT",
    "INPUT_FIELD_DEFINITION",
};

static bool is_directive_location(const gql_parser *p, const gql_token *tok)
{
    for (size_t i = 0; i < GQL_DIRECTIVE_LOCATION_COUNT; i++)
        if (gql_parser_is_keyword(p, tok, gql_directive_location_names[i]))
            return true;
    return false;
}

/* DirectiveDefinition: Description? directive @ Name ArgumentsDefinition? repeatable? on DirectiveLocations
 */
static bool parse_directive_body(gql_parser *p, gql_definition *def)
{
    if (!gql_parser_expect(p, GQL_TOK_AT) || !gql_parser_name(p, &def->name, &def->name_loc) ||
        !parse_input_value_defs(p, GQL_TOK_PAREN_L, GQL_TOK_PAREN_R, &def->args))
        return false;
    def->repeatable = gql_parser_accept_keyword(p, "repeatable");
    if (!gql_parser_expect_keyword(p, "on"))
        return false;
    gql_parser_accept(p, GQL_TOK_PIPE);
    gql_name_list **tail = &def->locations;
    do {
        if (p->tok.kind == GQL_TOK_NAME && !is_directive_location(p, &p->tok))
            return gql_parser_unexpected(p, &p->tok);
        gql_name_list *item = parse_list_name(p);
        if (item == NULL)
            return false;
        *tail = item;
        tail = &item->next;
    } while (gql_parser_accept(p, GQL_TOK_PIPE));
    return !p->failed;
}

/* The body after the keyword, for a definition or an extension of that kind. */
static bool parse_body(gql_parser *p, gql_definition *def)
{
    bool ext = def->is_extension;
    switch (def->kind) {
    case GQL_DEF_SCHEMA:
        if (!gql_parser_directives(p, true, &def->directives))
            return false;
        if (ext && p->tok.kind != GQL_TOK_BRACE_L)
            return def->directives.count > 0 || gql_parser_unexpected(p, &p->tok);
        return parse_root_operations(p, def);
    case GQL_DEF_DIRECTIVE:
        return parse_directive_body(p, def);
    default:
        break;
    }
    if (!gql_parser_name(p, &def->name, &def->name_loc))
        return false;
    bool added;
    switch (def->kind) {
    case GQL_DEF_OBJECT:
    case GQL_DEF_INTERFACE:
        if (gql_parser_accept_keyword(p, "implements") &&
            !parse_delimited_names(p, GQL_TOK_AMP, &def->interfaces))
            return false;
        if (!gql_parser_directives(p, true, &def->directives) || !parse_fields(p, def))
            return false;
        added = def->interfaces != NULL || def->directives.count > 0 || def->field_count > 0;
        break;
    case GQL_DEF_UNION:
        if (!gql_parser_directives(p, true, &def->directives))
            return false;
        if (gql_parser_accept(p, GQL_TOK_EQUALS) && !parse_delimited_names(p, GQL_TOK_PIPE, &def->members))
            return false;
        added = def->directives.count > 0 || def->members != NULL;
        break;
    case GQL_DEF_ENUM:
        if (!gql_parser_directives(p, true, &def->directives) || !parse_enum_values(p, def))
            return false;
        added = def->directives.count > 0 || def->enum_values != NULL;
        break;
    case GQL_DEF_INPUT_OBJECT:
        if (!gql_parser_directives(p, true, &def->directives) ||
            !parse_input_value_defs(p, GQL_TOK_BRACE_L, GQL_TOK_BRACE_R, &def->input_fields))
            return false;
        added = def->directives.count > 0 || def->input_fields.count > 0;
        break;
    default: /* GQL_DEF_SCALAR */
        if (!gql_parser_directives(p, true, &def->directives))
            return false;
        added = def->directives.count > 0;
        break;
    }
    if (p->failed)
        return false;
    return !ext || added || gql_parser_unexpected(p, &p->tok);
}

static bool definition_kind(const gql_parser *p, const gql_token *keyword, bool ext,
                            gql_definition_kind *kind)
{
    static const gql_definition_kind kinds[] = {GQL_DEF_SCHEMA,       GQL_DEF_SCALAR,   GQL_DEF_OBJECT,
                                                GQL_DEF_INTERFACE,    GQL_DEF_UNION,    GQL_DEF_ENUM,
                                                GQL_DEF_INPUT_OBJECT, GQL_DEF_DIRECTIVE};
    /* Directives cannot be extended: `directive` is the last keyword. */
    size_t n = sizeof(kinds) / sizeof(kinds[0]) - (ext ? 1 : 0);
    for (size_t i = 0; i < n; i++) {
        if (gql_parser_is_keyword(p, keyword, type_system_keywords[i])) {
            *kind = kinds[i];
            return true;
        }
    }
    return false;
}

gql_definition *gql_parser_type_system_definition(gql_parser *p)
{
    gql_definition *def = gql_parser_new_definition(p, GQL_DEF_SCALAR);
    if (def == NULL || !gql_parser_description(p, &def->description))
        return NULL;
    if (!definition_kind(p, &p->tok, false, &def->kind)) {
        gql_parser_unexpected(p, &p->tok);
        return NULL;
    }
    if (!gql_parser_advance(p) || !parse_body(p, def))
        return NULL;
    return def;
}

gql_definition *gql_parser_type_system_extension(gql_parser *p)
{
    gql_definition *def = gql_parser_new_definition(p, GQL_DEF_SCALAR);
    if (def == NULL)
        return NULL;
    def->is_extension = true;
    const gql_token *keyword = gql_parser_lookahead(p);
    if (keyword == NULL)
        return NULL;
    if (!definition_kind(p, keyword, true, &def->kind)) {
        gql_parser_unexpected(p, keyword);
        return NULL;
    }
    if (!gql_parser_advance(p)) /* past `extend`, onto the keyword */
        return NULL;
    if (!gql_parser_advance(p) || !parse_body(p, def))
        return NULL;
    return def;
}
