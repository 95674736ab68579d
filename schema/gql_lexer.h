/*
 * gql_lexer: GraphQL source text to tokens, one token per call, on demand.
 *
 * The lexer never allocates: a token is a kind plus a span of the source, and
 * every lexical rule (numbers, escapes, UTF-8, control characters) is checked
 * while scanning, so a token that comes out is well formed. Values are cooked
 * into an arena only when the parser keeps them (gql_token_value).
 *
 * Locations follow the spec's error `locations`: 1-based lines (LF, CRLF and
 * CR each end one) and 1-based columns counted in code points; offsets are
 * bytes. Error messages use graphql-js 16's wording.
 */
#ifndef GQL_LEXER_H
#define GQL_LEXER_H

#include "schema/base/arena.h"
#include "schema/gql_ast.h"
#include "schema/gql_parser.h" /* gql_syntax_error */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum gql_token_kind {
    GQL_TOK_EOF,
    GQL_TOK_BANG,      /* ! */
    GQL_TOK_DOLLAR,    /* $ */
    GQL_TOK_AMP,       /* & */
    GQL_TOK_PAREN_L,   /* ( */
    GQL_TOK_PAREN_R,   /* ) */
    GQL_TOK_SPREAD,    /* ... */
    GQL_TOK_COLON,     /* : */
    GQL_TOK_EQUALS,    /* = */
    GQL_TOK_AT,        /* @ */
    GQL_TOK_BRACKET_L, /* [ */
    GQL_TOK_BRACKET_R, /* ] */
    GQL_TOK_BRACE_L,   /* { */
    GQL_TOK_PIPE,      /* | */
    GQL_TOK_BRACE_R,   /* } */
    GQL_TOK_NAME,
    GQL_TOK_INT,
    GQL_TOK_FLOAT,
    GQL_TOK_STRING,
    GQL_TOK_BLOCK_STRING,
} gql_token_kind;

typedef struct gql_token {
    gql_token_kind kind;
    gql_loc loc;  /* of the token's first character */
    uint32_t len; /* bytes of source text, quotes included */
    bool escaped; /* STRING: has an escape sequence; BLOCK_STRING: has \""" */
} gql_token;

typedef struct gql_lexer {
    const char *src;
    uint32_t len;
    uint32_t pos;        /* next byte to scan */
    uint32_t line;       /* 1-based line of pos */
    uint32_t line_start; /* byte offset where that line starts */
    uint32_t line_extra; /* continuation bytes of multi-byte characters in [line_start, pos) */
} gql_lexer;

/*
 * Starts at src[0] (NULL with len 0 is an empty document). Fails only for
 * len over 2 GiB, far beyond any request limit, with "Document too large."
 * in *err: offsets then fit gql_loc with room to look ahead.
 */
bool gql_lexer_init(gql_lexer *lx, const char *src, size_t len, gql_syntax_error *err);

/*
 * Scans the next token, skipping ignored tokens (BOM, whitespace, line
 * terminators, commas, comments). At the end it returns GQL_TOK_EOF, again on
 * every later call. Returns false with *err filled in on a lexical error.
 */
bool gql_lexer_next(gql_lexer *lx, gql_token *tok, gql_syntax_error *err);

/* The token's source text (not NUL-terminated; tok->len bytes). */
const char *gql_token_text(const gql_lexer *lx, const gql_token *tok);

/*
 * The token's value as a NUL-terminated arena string: the text of a Name,
 * Int or Float; the cooked value of a String (escapes resolved) or a
 * BlockString (the spec's BlockStringValue(): common indent and blank first
 * and last lines removed). ptr is NULL when the arena is exhausted.
 */
gql_str gql_token_value(const gql_lexer *lx, const gql_token *tok, base_arena *arena);

/* How graphql-js names a kind in messages: "Name", "\"{\"", "<EOF>". */
const char *gql_token_kind_desc(gql_token_kind kind);

/*
 * How graphql-js names a token in messages: `Name "x"`, `String "a b"`, `"{"`,
 * `<EOF>`, with string values cooked. Long values are cut at a character
 * boundary (and marked "..."), so a message always fits gql_syntax_error.
 */
void gql_token_describe(const gql_lexer *lx, const gql_token *tok, char *buf, size_t cap);

/* Fills *err with "Syntax Error: " and the formatted message, at loc. */
void gql_syntax_error_set(gql_syntax_error *err, gql_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
