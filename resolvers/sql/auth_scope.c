#include "resolvers/sql/auth_scope.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

rs_principal auth_scope_principal(rs_auth_mode mode, const rs_principal *given)
{
    if (mode == RS_AUTH_NONE)
        return (rs_principal){.kind = RS_PRINCIPAL_ADMIN}; /* no scope rules either: development only */
    return *given;
}

int auth_scope_principal_keep(rs_principal *p, base_arena *arena)
{
    if (p->customer_id != NULL &&
        (p->customer_id = base_arena_strndup(arena, p->customer_id, strlen(p->customer_id))) == NULL)
        return -1;
    if (p->scope_denied != NULL &&
        (p->scope_denied = base_arena_strndup(arena, p->scope_denied, strlen(p->scope_denied))) == NULL)
        return -1;
    return 0;
}

void auth_scope_visibility_class(const rs_principal *p, base_buf *out)
{
    switch (p->kind) {
    case RS_PRINCIPAL_ADMIN:
        base_buf_puts(out, "admin");
        break;
    case RS_PRINCIPAL_CUSTOMER:
        base_buf_puts(out, "customer:");
        base_buf_puts(out, p->customer_id != NULL ? p->customer_id : "");
        break;
    default:
        base_buf_puts(out, "anonymous");
        break;
    }
    if (p->scope_denied != NULL) {
        base_buf_puts(out, ";deny:");
        base_buf_puts(out, p->scope_denied);
    }
}

/* Whether `type` is among the " A B " types the principal's scopes do not reach. */
static bool denied_by_scope(const rs_principal *principal, const char *type)
{
    const char *s = principal->scope_denied;
    size_t len = strlen(type);
    while (s != NULL && (s = strstr(s, type)) != NULL) {
        if (s > principal->scope_denied && s[-1] == ' ' && s[len] == ' ')
            return true;
        s += len;
    }
    return false;
}

rs_access auth_scope_access(const rs_principal *principal, const rs_entity *entity)
{
    if (principal->scope_denied != NULL && denied_by_scope(principal, entity->type))
        return principal->kind == RS_PRINCIPAL_ANONYMOUS ? RS_ACCESS_UNAUTHENTICATED : RS_ACCESS_FORBIDDEN;
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

rs_access auth_scope_field_access(const rs_principal *principal, const char *type, const char *field)
{
    char name[160];
    if (principal->scope_denied == NULL)
        return RS_ACCESS_ALL;
    if ((size_t)snprintf(name, sizeof(name), "%s.%s", type, field) >= sizeof(name) ||
        denied_by_scope(principal, name))
        return principal->kind == RS_PRINCIPAL_ANONYMOUS ? RS_ACCESS_UNAUTHENTICATED : RS_ACCESS_FORBIDDEN;
    return RS_ACCESS_ALL;
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

void auth_scope_predicate(base_buf *sql, const rs_entity *entity, const char *alias, unsigned param)
{
    const rs_owner *o = entity->owner;
    if (o->via_table == NULL)
        base_buf_printf(sql, "%s.%s = $%u::bigint", alias, o->column, param);
    else
        base_buf_printf(sql, "EXISTS (SELECT 1 FROM %s own WHERE own.%s = %s.%s AND own.%s = $%u::bigint)",
                        o->via_table, o->via_key, alias, o->via_key, o->column, param);
}

bool rs_principal_reads_private(const rs_principal *principal)
{
    /* Orders are the private table every customer owns rows of: readable there means readable at all. */
    const rs_entity *orders = catalog_entity("Order");
    rs_principal who = {.kind = principal->kind, .customer_id = principal->customer_id};
    rs_access access = orders != NULL ? auth_scope_access(&who, orders) : RS_ACCESS_FORBIDDEN;
    return access == RS_ACCESS_ALL || access == RS_ACCESS_OWN;
}
