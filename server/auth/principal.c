#include "server/auth/principal.h"

#include <stdio.h>
#include <string.h>

/* Appends item to a sep-separated list; -1 when it does not fit or holds the separator or a blank. */
static int append(char *buf, size_t cap, char sep, const char *item, size_t len)
{
    if (len == 0)
        return 0; /* "a,,b" or trailing blanks: nothing to add */
    for (size_t i = 0; i < len; i++)
        if (item[i] == sep || item[i] == ' ' || item[i] == ',' || (unsigned char)item[i] < 0x20)
            return -1;
    size_t used = strlen(buf), need = used + (used ? 1 : 0) + len + 1;
    if (need > cap)
        return -1;
    if (used)
        buf[used++] = sep;
    memcpy(buf + used, item, len);
    buf[used + len] = '\0';
    return 0;
}

/* Splits text at any of the separators into the list. */
static int append_split(char *buf, size_t cap, char sep, const char *text, const char *separators)
{
    size_t len = strlen(text);
    /* API Gateway forwards a JWT's array claims as "[a b c]". */
    if (len >= 2 && text[0] == '[' && text[len - 1] == ']') {
        text++;
        len -= 2;
        separators = " ";
    }
    const char *end = text + len;
    while (text < end) {
        size_t n = strcspn(text, separators);
        if (n > (size_t)(end - text))
            n = (size_t)(end - text);
        if (append(buf, cap, sep, text, n) != 0)
            return -1;
        text += n;
        if (text < end)
            text++;
    }
    return 0;
}

static int copy_value(char *buf, size_t cap, const char *value)
{
    size_t n = strlen(value);
    if (n >= cap)
        return -1;
    memcpy(buf, value, n + 1);
    return 0;
}

/* groups: an array of strings, or a string (one group when strict; a list otherwise). */
static int read_groups(gqld_principal *out, const json_t *v, bool strict)
{
    if (v == NULL)
        return 0;
    if (json_is_string(v))
        return strict ? append(out->groups, sizeof(out->groups), ',', json_string_value(v),
                               json_string_length(v))
                      : append_split(out->groups, sizeof(out->groups), ',', json_string_value(v), ", ");
    if (!json_is_array(v))
        return -1;
    size_t i;
    const json_t *item;
    json_array_foreach(v, i, item)
    {
        if (!json_is_string(item) || append(out->groups, sizeof(out->groups), ',', json_string_value(item),
                                            json_string_length(item)) != 0)
            return -1;
    }
    return 0;
}

static int read_scopes(gqld_principal *out, const json_t *v)
{
    if (v == NULL)
        return 0;
    if (json_is_string(v))
        return append_split(out->scopes, sizeof(out->scopes), ' ', json_string_value(v), " ");
    if (!json_is_array(v))
        return -1;
    size_t i;
    const json_t *item;
    json_array_foreach(v, i, item)
    {
        if (!json_is_string(item) || append(out->scopes, sizeof(out->scopes), ' ', json_string_value(item),
                                            json_string_length(item)) != 0)
            return -1;
    }
    return 0;
}

static bool in_list(const char *list, char sep, const char *item, size_t len)
{
    for (const char *s = list; *s != '\0';) {
        const char *e = strchr(s, sep);
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n == len && memcmp(s, item, n) == 0)
            return true;
        s += n;
        s += *s == sep;
    }
    return false;
}

/* Which object types the principal may not read for want of a required scope. */
static void deny_by_scope(const principal_policy *p, gqld_principal *out)
{
    out->scope_denied[0] = '\0';
    for (size_t i = 0; i < p->nrules; i++) {
        const char *type = p->rules[i].type;
        bool satisfied = false;
        for (size_t j = 0; j < p->nrules && !satisfied; j++)
            satisfied = strcmp(p->rules[j].type, type) == 0 &&
                        in_list(out->scopes, ' ', p->rules[j].scope, strlen(p->rules[j].scope));
        char needle[sizeof(p->rules[i].type) + 2];
        snprintf(needle, sizeof(needle), " %s ", type);
        if (satisfied || strstr(out->scope_denied, needle) != NULL)
            continue;
        size_t used = strlen(out->scope_denied);
        /* Rules are at most PRINCIPAL_MAX_RULES types of < 64 bytes: the buffer holds them all. */
        snprintf(out->scope_denied + used, sizeof(out->scope_denied) - used, "%s%s ", used ? "" : " ", type);
    }
    out->rs.scope_denied = out->scope_denied[0] ? out->scope_denied : NULL;
}

static void finish(const principal_policy *p, gqld_principal *out)
{
    out->authenticated = true;
    bool admin = in_list(out->groups, ',', p->admin_group, strlen(p->admin_group));
    out->rs.kind = admin ? RS_PRINCIPAL_ADMIN : RS_PRINCIPAL_CUSTOMER;
    if (out->customer_id[0] == '\0' && strlen(out->sub) < sizeof(out->customer_id))
        memcpy(out->customer_id, out->sub, strlen(out->sub) + 1);
    /* An empty id is no customer id: such a principal reads nothing private (FORBIDDEN). */
    out->rs.customer_id = admin ? NULL : out->customer_id;
    deny_by_scope(p, out);
}

static void clear(gqld_principal *out)
{
    memset(&out->rs, 0, sizeof(out->rs));
    out->authenticated = false;
    out->sub[0] = out->customer_id[0] = out->groups[0] = out->scopes[0] = out->scope_denied[0] = '\0';
}

void principal_anonymous(const principal_policy *p, gqld_principal *out)
{
    clear(out);
    deny_by_scope(p, out);
}

int principal_from_claims(const principal_policy *p, const json_t *claims, const json_t *scopes, bool strict,
                          gqld_principal *out, const char **why)
{
    clear(out);
    const json_t *sub = json_object_get(claims, "sub");
    if (sub == NULL && !strict)
        sub = json_object_get(claims, "principalId"); /* a REST Lambda authorizer's answer */
    const json_t *customer = p->customer_claim[0] ? json_object_get(claims, p->customer_claim) : NULL;
    *why = "the token's sub is not a string, or too long";
    if (sub != NULL &&
        (!json_is_string(sub) || copy_value(out->sub, sizeof(out->sub), json_string_value(sub)) != 0))
        return -1;
    *why = "the token's customer id claim is not a string or an integer, or too long";
    if (json_is_integer(customer) && json_integer_value(customer) >= 0)
        snprintf(out->customer_id, sizeof(out->customer_id), "%lld", (long long)json_integer_value(customer));
    else if (customer != NULL &&
             (!json_is_string(customer) ||
              copy_value(out->customer_id, sizeof(out->customer_id), json_string_value(customer)) != 0))
        return -1;
    *why = "the token's groups claim is not a list of names, or too long";
    if (read_groups(out, json_object_get(claims, p->groups_claim), strict) != 0)
        return -1;
    *why = "the token's scope or scp claim is not a list of scopes, or too long";
    if (scopes != NULL && !json_is_null(scopes)) {
        if (read_scopes(out, scopes) != 0)
            return -1;
    } else {
        const json_t *scope = json_object_get(claims, "scope"), *scp = json_object_get(claims, "scp");
        if ((scope != NULL && !json_is_string(scope)) || read_scopes(out, scope) != 0 ||
            read_scopes(out, scp) != 0)
            return -1;
    }
    *why = NULL;
    finish(p, out);
    return 0;
}

int principal_from_values(const principal_policy *p, const char *sub, const char *groups,
                          const char *customer_id, const char *scopes, gqld_principal *out, const char **why)
{
    clear(out);
    *why = "an authorizer header is too long or malformed";
    if ((sub != NULL && copy_value(out->sub, sizeof(out->sub), sub) != 0) ||
        (customer_id != NULL && copy_value(out->customer_id, sizeof(out->customer_id), customer_id) != 0) ||
        (groups != NULL && append_split(out->groups, sizeof(out->groups), ',', groups, ",") != 0) ||
        (scopes != NULL && append_split(out->scopes, sizeof(out->scopes), ' ', scopes, " ") != 0))
        return -1;
    *why = NULL;
    finish(p, out);
    return 0;
}

int principal_parse_rules(principal_policy *p, const char *text, char *err, size_t errlen)
{
    p->nrules = 0;
    for (const char *s = text; *s != '\0';) {
        size_t n = strcspn(s, " ,");
        if (n > 0) {
            const char *eq = memchr(s, '=', n);
            size_t tlen = eq ? (size_t)(eq - s) : 0, slen = eq ? n - tlen - 1 : 0;
            if (eq == NULL || tlen == 0 || slen == 0 || tlen >= sizeof(p->rules[0].type) ||
                slen >= sizeof(p->rules[0].scope) || p->nrules == PRINCIPAL_MAX_RULES) {
                snprintf(err, errlen, "invalid JWT_REQUIRED_SCOPES entry \"%.*s\": expected Type=scope",
                         (int)n, s);
                return -1;
            }
            principal_scope_rule *r = &p->rules[p->nrules++];
            memcpy(r->type, s, tlen);
            r->type[tlen] = '\0';
            memcpy(r->scope, eq + 1, slen);
            r->scope[slen] = '\0';
        }
        s += n;
        s += *s != '\0';
    }
    return 0;
}
