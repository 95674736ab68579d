#include "auth_scope.h"

rs_principal auth_scope_principal(rs_auth_mode mode, const rs_principal *given)
{
    if (mode == RS_AUTH_NONE)
        return (rs_principal){.kind = RS_PRINCIPAL_ADMIN};
    return *given;
}

rs_access auth_scope_access(const rs_principal *principal, const rs_entity *entity)
{
    if (entity->owner == NULL)
        return RS_ACCESS_ALL;
    switch (principal->kind) {
    case RS_PRINCIPAL_ADMIN:
        return RS_ACCESS_ALL;
    case RS_PRINCIPAL_CUSTOMER:
        /* The id reaches SQL as a bigint parameter: one that is not an id owns nothing. */
        return catalog_value_valid(RS_SQL_BIGINT, principal->customer_id) ? RS_ACCESS_OWN
                                                                          : RS_ACCESS_FORBIDDEN;
    default:
        return RS_ACCESS_UNAUTHENTICATED;
    }
}

const char *auth_scope_denial(rs_access access, const char **message)
{
    if (access == RS_ACCESS_FORBIDDEN) {
        *message = "Not allowed to read this field.";
        return "FORBIDDEN";
    }
    *message = "Authentication required to read this field.";
    return "UNAUTHENTICATED";
}

void auth_scope_predicate(gql_buf *sql, const rs_entity *entity, const char *alias, unsigned param)
{
    const rs_owner *o = entity->owner;
    if (o->via_table == NULL)
        gql_buf_printf(sql, "%s.%s = $%u::bigint", alias, o->column, param);
    else
        gql_buf_printf(sql, "EXISTS (SELECT 1 FROM %s own WHERE own.%s = %s.%s AND own.%s = $%u::bigint)",
                       o->via_table, o->via_key, alias, o->via_key, o->column, param);
}
