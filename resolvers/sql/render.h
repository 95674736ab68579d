/*
 * render: the answer of a root field's statement -> the field's JSON value.
 * PostgreSQL already wrote the value in the exact shape of the response
 * (sql_build.h), so the answer is spliced as it is: one row with one text
 * column, or no row for an object that does not exist (null). The rows and
 * columns are db_result's window: a shared statement (db_coalesce.h) answers
 * several root fields at once.
 *
 * One value the statement writes is not JSON: a numeric NaN in a Float field
 * prints as NaN (and an unbounded numeric's infinities as Infinity). Only when
 * the text contains such a word (two memmem calls tell; it may also be inside
 * a string) is it walked along the plan: a Float value that is no number
 * becomes a field error at its path (list indexes included) and null, and a
 * null in a non-null position nulls its parent, up to the nearest nullable
 * one (spec 6.4.4); everything else is copied byte for byte. A plan with a
 * field the principal may not read (RS_OUT_DENIED, plan.h) is always walked:
 * the statement wrote null there, and the field's error goes to each path
 * where it is reached. Once a null has nulled a list or object, the errors
 * inside the rest of it are not reported (that data is not in the response;
 * graphql-js stops there too): a refused field under 200 orders is one error.
 */
#ifndef RS_RENDER_H
#define RS_RENDER_H

#include <stddef.h>

#include "resolvers/db/db_pool.h"
#include "schema/base/arena.h"
#include "schema/gql_errors.h"
#include "resolvers/sql/plan.h"

/*
 * The root field's value (in the arena: the result dies with the callback),
 * with field errors added at `path`. -1 when the result is not one value of
 * the plan's shape (or out of memory): the caller answers null with INTERNAL.
 */
int render_value(const rs_plan *plan, const db_result *r, const gql_path *path, gql_errors *errors,
                 base_arena *arena, const char **json, size_t *len);

#endif
