/*
 * render: rows from PostgreSQL (text format) to the response's JSON, typed by
 * the schema: ID and String as JSON strings (escaped), Int and Float as JSON
 * numbers (checked, since numeric can hold NaN), Boolean as true/false.
 */
#ifndef RS_RENDER_H
#define RS_RENDER_H

#include <libpq-fe.h>

#include "gql_buf.h"
#include "gql_errors.h"
#include "plan.h"

/*
 * Appends row `row` of `res` as the object the plan's selection describes.
 * Returns 0; or -1 when a non-null field came back null or unrepresentable:
 * the error is added at its path and the caller must null the object (the
 * spec's null propagation) after discarding what was appended.
 */
int render_row(const rs_plan *plan, const PGresult *res, int row, const gql_path *path, gql_errors *errors,
               gql_buf *out);

#endif
