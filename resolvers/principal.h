/*
 * principal: who a request runs as, as the front door hands it to the engine
 * (server/auth verifies tokens; the engine decides what each principal may
 * read, in resolvers/sql/auth_scope.c).
 */
#ifndef RS_PRINCIPAL_H
#define RS_PRINCIPAL_H

#include <stdbool.h>

typedef enum rs_principal_kind {
    RS_PRINCIPAL_ANONYMOUS, /* the zero value: secure by default */
    RS_PRINCIPAL_CUSTOMER,
    RS_PRINCIPAL_ADMIN,
} rs_principal_kind;

typedef struct rs_principal {
    rs_principal_kind kind;
    const char *customer_id;  /* RS_PRINCIPAL_CUSTOMER: the customer's id, decimal */
    const char *scope_denied; /* NULL, or " Order Customer ": types refused for want of a required scope */
} rs_principal;

typedef enum rs_auth_mode {
    RS_AUTH_JWT,  /* the default (jwt and gateway modes): the principal the front door verified */
    RS_AUTH_NONE, /* development only: every request is an admin */
} rs_auth_mode;

/*
 * Whether the principal can read any private row at all (an admin, or a
 * customer with a valid customer id): the Lambda authorizer's Allow or Deny.
 * Required scopes are not considered (they are applied per field).
 */
bool rs_principal_reads_private(const rs_principal *principal);

#endif
