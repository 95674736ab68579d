/*
 * principal: who a request runs as, mapped from verified claims (a JWT's
 * payload, or the authorizer context API Gateway forwards) with the same
 * settings in every mode: sub; groups from a configurable claim (Cognito's
 * "cognito:groups"); scopes from "scope" (space-separated) or "scp"; the
 * customer id from a configurable claim (e.g. "custom:customer_id"), else
 * sub. A member of the admin group is an admin; anyone else is the customer
 * of that id (a principal whose id is not a customer id reads nothing private:
 * FORBIDDEN, see resolvers/auth_scope.h).
 *
 * Everything is copied into fixed buffers of the struct: a principal lives on
 * the stack of the request that uses it, with no allocation. A claim longer
 * than its buffer is refused, never cut (a cut group list could drop "admin",
 * a cut id could name another customer).
 */
#ifndef GQLD_PRINCIPAL_H
#define GQLD_PRINCIPAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "resolvers/principal.h"

enum { PRINCIPAL_MAX_RULES = 32 };

/* One JWT_REQUIRED_SCOPES entry: reading `type` needs `scope` (any one of a type's entries will do). */
typedef struct principal_scope_rule {
    char type[64];
    char scope[128];
} principal_scope_rule;

typedef struct principal_policy {
    const char *groups_claim;   /* e.g. "cognito:groups" */
    const char *customer_claim; /* e.g. "custom:customer_id"; "" means sub only */
    const char *admin_group;    /* e.g. "admin" */
    principal_scope_rule rules[PRINCIPAL_MAX_RULES];
    size_t nrules;
} principal_policy;

typedef struct gqld_principal {
    rs_principal rs;    /* what the resolvers read; its strings point into this struct */
    bool authenticated; /* false: anonymous */
    char sub[256];
    char customer_id[32];
    char groups[1024];      /* comma-separated */
    char scopes[1024];      /* space-separated */
    char scope_denied[512]; /* " Type Type ": object types whose required scope is missing */
} gqld_principal;

/* Parses JWT_REQUIRED_SCOPES ("Order=orders:read Customer=customers:read", blank or comma separated). */
int principal_parse_rules(principal_policy *p, const char *text, char *err, size_t errlen);

/* The principal of a request without credentials. */
void principal_anonymous(const principal_policy *p, gqld_principal *out);

/*
 * From a claims object. strict (a JWT): every claim has its JSON type
 * (groups an array of strings or one string, one group, never split; scope a
 * string; scp an array or a string; sub a string). Otherwise (an authorizer context, where API Gateway
 * flattened everything to strings): a list may also be "[a b]" or "a,b", a
 * customer id a number. scopes, when not NULL, replaces the scope claims (the
 * v2 JWT authorizer hands them apart). 0, or -1 with *why.
 */
int principal_from_claims(const principal_policy *p, const json_t *claims, const json_t *scopes, bool strict,
                          gqld_principal *out, const char **why);

/*
 * From individual values (mapped headers): sub, groups "a,b", customer id,
 * scopes "x y"; each may be NULL. 0, or -1 with *why.
 */
int principal_from_values(const principal_policy *p, const char *sub, const char *groups,
                          const char *customer_id, const char *scopes, gqld_principal *out, const char **why);

#endif
