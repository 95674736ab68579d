/*
 * gql_value_print: a constant input value printed back as GraphQL syntax, the
 * way graphql-js prints `print(astFromValue(valueFromAST(literal, type), type))`
 * (what introspection's `defaultValue` and printSchema show): the literal is
 * coerced to its type first, so a single value in a list position prints as a
 * list of one, an input object lists its fields in the type's order with their
 * own defaults filled in, Float and Int print as JavaScript prints numbers
 * (1.50 -> 1.5, 1e3 -> 1000), an ID that looks like an integer prints bare,
 * enums print bare and strings print quoted with graphql-js's escapes.
 */
#ifndef GQL_VALUE_PRINT_H
#define GQL_VALUE_PRINT_H

#include <stdbool.h>

#include "schema/gql_ast.h"
#include "schema/base/buf.h"
#include "schema/gql_schema.h"

/*
 * Appends the coerced literal (a constant: no variables) to out. Returns false,
 * appending nothing, when the literal does not coerce to the type, as graphql-js
 * then has no value to print.
 */
bool gql_value_print_coerced(base_buf *out, const gql_value *literal, const gql_tref *type);

#endif
