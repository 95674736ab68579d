/*
 * auth_scope: the visibility rule, decided per table and enforced in SQL.
 *
 * Products are public. Customers, orders and order items are private: an
 * anonymous caller reads none of them (UNAUTHENTICATED at the field), a
 * customer reads only rows whose owner (rs_owner in catalog.h) is their own
 * customer id, an admin reads all. The rule is a predicate in the WHERE of the
 * statement that reads the rows, never a filter applied after the fetch, so a
 * row a caller may not see never leaves the database.
 *
 * The principal comes from the front door (server/auth: a verified JWT, or
 * the authorizer context API Gateway forwards), except under AUTH_MODE=none
 * (development only), where every request is an admin. Required scopes
 * (JWT_REQUIRED_SCOPES) arrive as the object types the principal may not read
 * for want of one: such a type is refused like a private one.
 */
#ifndef RS_AUTH_SCOPE_H
#define RS_AUTH_SCOPE_H

#include "resolvers/principal.h"
#include "resolvers/sql/catalog.h"
#include "schema/base/arena.h"
#include "schema/base/buf.h"

/* The principal a request runs as under `mode`. */
rs_principal auth_scope_principal(rs_auth_mode mode, const rs_principal *given);

/* Copies the principal's strings into the request's arena (the front door's copy dies first). 0 or -1. */
int auth_scope_principal_keep(rs_principal *p, base_arena *arena);

/*
 * The principal's visibility class, what a cached response may be shared
 * across: "anonymous", "admin" or "customer:<id>", followed by
 * ";deny: Type Type " when required scopes refuse it some types (two callers
 * of one class see exactly the same rows and fields). Written into out.
 */
void auth_scope_visibility_class(const rs_principal *p, base_buf *out);

typedef enum rs_access {
    RS_ACCESS_ALL,             /* no predicate */
    RS_ACCESS_OWN,             /* rows owned by the principal's customer id only */
    RS_ACCESS_UNAUTHENTICATED, /* no principal: nothing */
    RS_ACCESS_FORBIDDEN,       /* a principal that can own nothing (a customer id that is not one): nothing */
} rs_access;

rs_access auth_scope_access(const rs_principal *principal, const rs_entity *entity);

/*
 * Whether required scopes let the principal call a root field: entries
 * "Mutation.placeOrder=orders:write" of JWT_REQUIRED_SCOPES arrive as the
 * field's "Type.field" among the denied names. RS_ACCESS_ALL when they do
 * (who may write which rows is the write's own check: resolvers/sql/write.c).
 */
rs_access auth_scope_field_access(const rs_principal *principal, const char *type, const char *field);

/* The extensions.code and message of a denial (UNAUTHENTICATED or FORBIDDEN). */
const char *auth_scope_denial(rs_access access, const char **message);

/* Appends the predicate keeping the rows of `entity` (aliased `alias`) owned by the customer id in $param. */
void auth_scope_predicate(base_buf *sql, const rs_entity *entity, const char *alias, unsigned param);

#endif
