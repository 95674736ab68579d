/*
 * gql_parser: recursive-descent parser for the whole GraphQL grammar (October
 * 2021 edition plus the working draft's additions): executable documents and
 * type-system documents (SDL). It only builds syntax; every semantic check is
 * validation's.
 *
 * Errors carry graphql-js's wording ("Syntax Error: Expected Name, found <EOF>.")
 * and the location of the offending token. Bounded by gql_parse_limits so a
 * hostile document can neither exhaust the stack nor burn CPU.
 */
#ifndef GQL_PARSER_H
#define GQL_PARSER_H

#include "schema/base/arena.h"
#include "schema/gql_ast.h"

typedef struct gql_parse_limits {
    size_t max_tokens; /* 0 = unbounded; reaching it is a syntax error */
    size_t max_depth;  /* nesting of selection sets, lists, objects, types; 0 = default (256) */
} gql_parse_limits;

typedef struct gql_syntax_error {
    char message[256]; /* "Syntax Error: ..." */
    gql_loc loc;
} gql_syntax_error;

/*
 * Parses src[0..len) (need not be NUL-terminated; may start with a BOM).
 * Returns the document, or NULL with *err filled in. Out of arena memory is
 * reported as an error too, never a crash.
 */
gql_document *gql_parse(base_arena *arena, const char *src, size_t len, const gql_parse_limits *limits,
                        gql_syntax_error *err);

#endif
