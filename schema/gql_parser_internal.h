/*
 * gql_parser_internal: what gql_parser.c (documents, executable definitions,
 * values, types, directives) shares with gql_parser_sdl.c (type-system
 * definitions and extensions). Not part of the public API.
 *
 * Error discipline: the first failure fills *err, sets `failed` and turns the
 * current token into <EOF>. Every loop in the grammar needs some token to go
 * on, so after a failure each caller unwinds quickly, whichever return value
 * it looked at, and no later message overwrites the first.
 */
#ifndef GQL_PARSER_INTERNAL_H
#define GQL_PARSER_INTERNAL_H

#include "schema/gql_lexer.h"
#include "schema/gql_parser.h"

#include <string.h>

enum { GQL_PARSER_DEFAULT_MAX_DEPTH = 256 };

typedef struct gql_parser {
    gql_lexer lx;
    base_arena *arena;
    gql_syntax_error *err;
    gql_token tok;   /* the current token */
    gql_token ahead; /* the one after it, when has_ahead */
    bool has_ahead;
    bool failed;
    size_t token_count; /* tokens advanced over, as graphql-js counts them */
    size_t max_tokens;  /* 0 = unbounded */
    size_t depth;       /* nesting of selection sets, lists, objects, list types */
    size_t max_depth;
} gql_parser;

/* Records the first error (printf-style, "Syntax Error: " is added); returns false. */
bool gql_parser_fail(gql_parser *p, gql_loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* "Unexpected <token>." at that token. */
bool gql_parser_unexpected(gql_parser *p, const gql_token *tok);
/* Arena exhaustion, reported at the current token. */
bool gql_parser_out_of_memory(gql_parser *p);

/* Moves to the next token, counting it against max_tokens. */
bool gql_parser_advance(gql_parser *p);
/* The token after the current one, without consuming anything; NULL on error. */
const gql_token *gql_parser_lookahead(gql_parser *p);
/* Consumes a token of that kind or fails with "Expected ..., found ...". */
bool gql_parser_expect(gql_parser *p, gql_token_kind kind);
/* Consumes a token of that kind if it is next; true when it did. */
bool gql_parser_accept(gql_parser *p, gql_token_kind kind);
/* Inline so each call with a literal compares a known length: keywords are checked on every definition and
 * value. */
static inline bool gql_parser_is_keyword(const gql_parser *p, const gql_token *tok, const char *keyword)
{
    size_t n = strlen(keyword);
    return tok->kind == GQL_TOK_NAME && tok->len == n && memcmp(p->lx.src + tok->loc.offset, keyword, n) == 0;
}
bool gql_parser_expect_keyword(gql_parser *p, const char *keyword);
bool gql_parser_accept_keyword(gql_parser *p, const char *keyword);

/* Counts one level of nesting; fails past max_depth. */
bool gql_parser_enter(gql_parser *p);
void gql_parser_leave(gql_parser *p);

/* Zeroed arena memory; NULL (with the error recorded) when the arena is full. */
void *gql_parser_node(gql_parser *p, size_t size);
/* A definition node of that kind located at the current token. */
gql_definition *gql_parser_new_definition(gql_parser *p, gql_definition_kind kind);

/* Name: copies it to the arena; loc may be NULL. */
bool gql_parser_name(gql_parser *p, gql_str *name, gql_loc *loc);
/* Description?: a String or BlockString, cooked; out may be NULL to skip it. */
bool gql_parser_description(gql_parser *p, gql_str *out);
/* OperationType: query, mutation or subscription. */
bool gql_parser_operation_type(gql_parser *p, gql_operation_type *out);
/* Value[Const]: a variable where is_const is a syntax error. */
gql_value *gql_parser_value(gql_parser *p, bool is_const);
/* Directives[Const]? */
bool gql_parser_directives(gql_parser *p, bool is_const, gql_directives *out);
/* Type: NamedType, ListType or NonNullType. */
gql_type_ref *gql_parser_type_ref(gql_parser *p);

/* In gql_parser_sdl.c: a type-system definition (after an optional description) or extension. */
gql_definition *gql_parser_type_system_definition(gql_parser *p);
gql_definition *gql_parser_type_system_extension(gql_parser *p);
bool gql_parser_is_type_system_keyword(const gql_parser *p, const gql_token *tok);

#endif
