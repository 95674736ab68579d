/*
 * gql_cost: what an operation may cost, before it runs: the Static Query
 * Analysis of IBM's GraphQL Cost Directives specification
 * (https://ibm.github.io/graphql-specs/cost-spec.html), from the schema's
 * @cost(weight) and @listSize(assumedSize, slicingArguments, sizedFields,
 * requireOneSlicingArgument) directives.
 *
 * Both of the specification's costs are computed (5.3.2):
 *  - the Type Cost: every value the operation may produce, weighted by its
 *    type (the root object included);
 *  - the Field Cost: every field resolution it may cause, weighted by the
 *    field plus its arguments and directives, never below zero.
 * Weights default as the specification says: scalars and enums 0, composite
 * types 1; a field without @cost weighs what its type weighs; an abstract
 * type weighs the most any of its possible types weighs.
 *
 * List sizes (8): a slicing argument's value (a literal; its schema default
 * when left out; the largest when several are given), else assumedSize; a
 * slicing argument given as a variable, or a list field without @listSize,
 * counts as sizes->list_max (the most the server ever returns); a slicing
 * argument left out without default or assumedSize counts as
 * sizes->list_default (what the server returns then). Values above list_max
 * count as list_max (the server refuses them anyway).
 *
 * Where this is an upper bound rather than exact: fields merged at execution
 * (the same response key twice, or fragments overlapping) are counted once
 * per occurrence; @skip and @include count unless their `if` is a literal
 * that removes the field. Introspection (__schema, __type) costs nothing:
 * it is answered from the schema in memory.
 *
 * Fragments are costed once each and their cost reused at every spread (the
 * cost is linear in how many times a selection runs), so a fragment bomb
 * costs one pass over its text; figures saturate at GQL_COST_MAX.
 */
#ifndef GQL_COST_H
#define GQL_COST_H

#include <stdbool.h>
#include <stddef.h>

#include "schema/gql_ast.h"
#include "schema/gql_errors.h"
#include "schema/gql_schema.h"

/* Where figures stop growing: far above any limit, and still a finite JSON number. */
#define GQL_COST_MAX 1e18

typedef struct gql_cost_sizes {
    double list_default; /* a slicing argument left out, with no default and no assumedSize */
    double list_max;     /* an unsized list, a slicing argument from a variable; the cap of any size */
} gql_cost_sizes;

typedef struct gql_cost {
    double type;  /* the specification's Type Cost */
    double field; /* the specification's Field Cost */
} gql_cost;

/*
 * The cost of one operation of a valid document (run gql_validate first).
 * Returns 0, or the number of errors added: requireOneSlicingArgument broken
 * (none or several of a field's slicing arguments given, none defaulted), or
 * out of memory.
 */
size_t gql_cost_operation(const gql_schema *schema, const gql_document *doc, const gql_definition *operation,
                          const gql_cost_sizes *sizes, gql_cost *out, gql_errors *errors);

/*
 * The specification's validation of the directives in a schema (9): weights
 * that read as numbers, no @cost on interface fields, @listSize only on
 * lists or with sizedFields naming list fields of the field's type,
 * slicingArguments naming Int arguments of the field, assumedSize beside
 * slicing arguments only as their fallback. 0, or -1 with one line in err.
 */
int gql_cost_check_schema(const gql_schema *schema, char *err, size_t errlen);

/* A cost as JSON (an integer when whole): into buf of at least 32 bytes; returns buf. */
const char *gql_cost_format(double cost, char *buf, size_t size);

#endif
