/*
 * cursor_key: the one setting of the page cursors (resolvers/sql/cursor.h)
 * that a front door gives: the key of the MAC every cursor carries, derived
 * as HMAC-SHA256(GQLD_CURSOR_SECRET, "gqld cursor 1\n" || schema version).
 * Every process serving one API with the same secret and schema reads the
 * others' cursors; a cursor from another secret or schema, or made by hand,
 * is "not a cursor from this server".
 */
#ifndef RS_CURSOR_KEY_H
#define RS_CURSOR_KEY_H

/*
 * Sets the key, once at start-up, before any statement is built or cursor
 * read (threads read it unlocked). secret may be empty; schema_version names
 * the schema (the hex SHA-256 of the SDL). Until it is called, the key is that
 * of an empty secret and an empty version.
 */
void rs_cursor_key_set(const char *secret, const char *schema_version);

#endif
