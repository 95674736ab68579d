/*
 * cursor: the opaque page cursors of `products { pageInfo { endCursor } }`.
 * A cursor is the base64url (RFC 4648 section 5, no padding) of the key of
 * the last row of a page. PostgreSQL writes it (cursor_sql) inside the
 * statement that reads the page; the planner decodes it (cursor_decode) and
 * passes the key as a parameter. Both halves live here so they cannot drift.
 */
#ifndef RS_CURSOR_H
#define RS_CURSOR_H

#include "schema/base/arena.h"
#include "schema/base/buf.h"

/* Appends the SQL expression computing the cursor (text) of the key SQL expression `key`. */
void cursor_sql(base_buf *sql, const char *key);

/* The key a cursor carries (a NUL-terminated copy in the arena), or NULL when it is not a cursor. */
const char *cursor_decode(base_arena *arena, const char *cursor);

#endif
