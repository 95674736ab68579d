/*
 * gql_introspect: the answers to `__schema` and `__type` (spec 4.2, working
 * draft shape), computed from the loaded gql_schema, and the rule that turns
 * introspection off.
 *
 * Introspection is ordinary execution over a schema made of schema objects:
 * field collection (aliases, fragments, type conditions, @skip/@include,
 * merging), argument coercion, `__typename`, errors with paths and non-null
 * propagation all go through gql_exec like any other selection. What graphql-js
 * 16 answers for `buildSchema(sdl)` is the reference, byte for byte once
 * parsed: the same types in the same order (built-in scalars only where
 * graphql-js keeps them: String and Boolean always, Int, Float and ID when
 * referenced), the same directive order and default values printed as
 * `print(astFromValue(...))` prints them.
 */
#ifndef GQL_INTROSPECT_H
#define GQL_INTROSPECT_H

#include <stddef.h>

#include "schema/gql_ast.h"
#include "schema/base/buf.h"
#include "schema/gql_errors.h"
#include "schema/gql_exec.h"
#include "schema/gql_schema.h"

/*
 * Writes the JSON value of a root meta field, `__schema` or `__type(name:)`
 * (group->def is ctx->schema->meta_schema or meta_type), for the group's
 * selection set. Field errors go to ctx->errors at their path below `path`.
 * Returns 0 with the value in out (`null` for an unknown type name), or -1
 * when the field itself is null because of an error (already recorded; out
 * then holds nothing usable). Memory comes from ctx->arena.
 */
int gql_introspect_root(const gql_exec_ctx *ctx, const gql_field_group *group, const gql_path *path,
                        base_buf *out);

/*
 * graphql-js's NoSchemaIntrospectionCustomRule, for GQLD_INTROSPECTION=off:
 * one error per field whose type is an introspection type (`__schema`,
 * `__type` and the fields selected below them); `__typename` stays allowed.
 * Meant for a document that passed gql_validate. Returns the number of errors.
 */
size_t gql_introspect_reject(const gql_schema *schema, const gql_document *doc, gql_errors *errors);

#endif
