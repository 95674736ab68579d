/*
 * cursor: the opaque page cursors of `products { pageInfo { endCursor } }`.
 * A cursor is the base64url (RFC 4648 section 5, no padding) of the key of
 * the last row of a page followed by a MAC of it: the first 16 bytes of
 * HMAC-SHA256 under the cursor key. PostgreSQL writes it (cursor_sql) inside
 * the statement that reads the page; the planner checks and decodes it
 * (cursor_decode) and passes the key as a parameter. Both halves live here so
 * they cannot drift.
 *
 * The cursor key (resolvers/cursor_key.h) is HMAC-SHA256(GQLD_CURSOR_SECRET,
 * "gqld cursor 1\n" || the schema version): every process serving one API
 * with the same secret and schema reads the others' cursors; a cursor from
 * another schema or secret, or made by hand, is refused. With no secret the
 * key depends on the schema alone: cursors are checked, but anyone who has the
 * schema can make one (they only ever page the public catalog); a secret makes
 * them unforgeable.
 */
#ifndef RS_CURSOR_H
#define RS_CURSOR_H

#include <stddef.h>

#include "schema/base/arena.h"
#include "schema/base/buf.h"

/* Appends the SQL expression computing the cursor (text) of the key SQL expression `key`. */
void cursor_sql(base_buf *sql, const char *key);

/* The key a cursor carries (a NUL-terminated copy in the arena), or NULL when this server did not write it.
 */
const char *cursor_decode(base_arena *arena, const char *cursor);

/* The cursor of key (what cursor_sql makes PostgreSQL write), into out; its length, or 0 when out is short.
 */
size_t cursor_encode(const char *key, char *out, size_t cap);

#endif
