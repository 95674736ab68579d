/*
 * gql_validate: the specification's validation (section 5) of an executable
 * document against the schema, rule for rule as graphql-js 16's
 * `specifiedRules`: the same rules in the same order, with graphql-js's
 * messages (its "Did you mean ...?" suggestions included) and the spec's
 * locations, so that a client sees what graphql-js would tell it. Execution
 * only ever sees documents with no errors. The rules live in schema/validate/,
 * one file each, named after them.
 *
 * Bounded for hostile documents: after 100 errors validation adds "Too many
 * validation errors, error limit reached. Validation aborted." and stops (as
 * graphql-js's maxErrors); every rule is linear or memoised in the size of
 * the document, and a work limit stops what is left (with an error) before it
 * could take long. Scratch memory is released before returning.
 */
#ifndef GQL_VALIDATE_H
#define GQL_VALIDATE_H

#include "schema/gql_ast.h"
#include "schema/gql_errors.h"
#include "schema/gql_schema.h"

/*
 * Adds every error found to `errors` (validation's own bound applies, not the
 * list's `max`); returns how many were added: 0 means the document is valid.
 */
size_t gql_validate(const gql_schema *schema, const gql_document *doc, gql_errors *errors);

/*
 * no_suggestions: the messages leave out every "Did you mean ...?" (names
 * close to a misspelt one reveal the schema: OWASP's GraphQL cheat sheet asks
 * for none when introspection is off).
 */
typedef struct gql_validate_options {
    bool no_suggestions;
} gql_validate_options;
/* gql_validate with options (NULL: graphql-js's messages, suggestions included). */
size_t gql_validate_with(const gql_schema *schema, const gql_document *doc,
                         const gql_validate_options *options, gql_errors *errors);

/*
 * Limits on what a document asks for once its fragments are expanded, computed
 * without expanding them (schema/validate/limits.c says exactly what is
 * counted). A limit of 0 is no limit. Meant to run before gql_validate, so an
 * oversized document is refused cheaply.
 */
typedef struct gql_doc_limits {
    size_t max_depth;       /* fields on one path from the root ("Query exceeds the maximum depth of 15 (found
                               23).") */
    size_t max_aliases;     /* aliased fields merged into any one selection set */
    size_t max_fields;      /* field selections in an operation after fragment expansion */
    size_t max_root_fields; /* field selections in an operation's own set, fragments merged in */
    size_t max_operations;  /* operations one document defines */
} gql_doc_limits;

/* Adds an error per limit exceeded (at most one of each kind); returns how many were added. */
size_t gql_validate_limits(const gql_schema *schema, const gql_document *doc, const gql_doc_limits *limits,
                           gql_errors *errors);

#endif
