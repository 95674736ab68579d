/*
 * gql_validate: the specification's validation (section 5) of an executable
 * document against the schema. Errors use graphql-js's wording and carry the
 * spec's locations; execution only ever sees documents with no errors.
 *
 * Rules implemented now: executable definitions, operation name uniqueness,
 * lone anonymous operation, fields on correct type, leaf field selections,
 * known argument names, argument uniqueness, required arguments, known
 * fragment names, known type names, fragments on composite types, all
 * variables defined, variable uniqueness, values of correct type for scalar
 * literals, known directives (@skip, @include) with their `if` argument.
 */
#ifndef GQL_VALIDATE_H
#define GQL_VALIDATE_H

#include "gql_ast.h"
#include "gql_errors.h"
#include "gql_schema.h"

/* Adds every error found to `errors`; returns how many were found. */
size_t gql_validate(const gql_schema *schema, const gql_document *doc, gql_errors *errors);

#endif
