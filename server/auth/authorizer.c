#include "server/auth/authorizer.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server/auth/auth.h"

enum { MAX_EVENT_BYTES = 1 << 20 };

struct gqld_authorizer {
    gqld_auth *auth;
};

gqld_authorizer *gqld_authorizer_create(const gqld_config *cfg, char *err, size_t errlen)
{
    gqld_config jwt = *cfg;
    jwt.auth_mode = GQLD_AUTH_JWT;
    gqld_authorizer *a = calloc(1, sizeof(*a));
    if (a == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    a->auth = gqld_auth_create(&jwt, err, errlen);
    if (a->auth == NULL) {
        free(a);
        return NULL;
    }
    return a;
}

void gqld_authorizer_destroy(gqld_authorizer *a)
{
    if (a == NULL)
        return;
    gqld_auth_destroy(a->auth);
    free(a);
}

static int malformed(char **out, const char *message)
{
    *out = strdup(message);
    return -1;
}

/* A header of a REST REQUEST or HTTP API event, by case-insensitive name. */
static const char *event_header(const json_t *event, const char *name)
{
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)json_object_get(event, "headers"), key, value)
    {
        if (strcasecmp(key, name) == 0 && json_is_string(value))
            return json_string_value(value);
    }
    const json_t *multi = json_object_get(event, "multiValueHeaders");
    json_object_foreach((json_t *)multi, key, value)
    {
        if (strcasecmp(key, name) == 0 && json_is_string(json_array_get(value, 0)))
            return json_string_value(json_array_get(value, 0));
    }
    return NULL;
}

/* The context API Gateway passes on: strings only, under the names AUTH_MODE=gateway reads. */
static json_t *context_of(const gqld_auth *auth, const gqld_principal *p)
{
    const principal_policy *policy = gqld_auth_policy(auth);
    json_t *ctx = json_object();
    if (p->sub[0])
        json_object_set_new(ctx, "sub", json_string(p->sub));
    if (p->customer_id[0] && policy->customer_claim[0])
        json_object_set_new(ctx, policy->customer_claim, json_string(p->customer_id));
    if (p->groups[0])
        json_object_set_new(ctx, policy->groups_claim, json_string(p->groups));
    if (p->scopes[0])
        json_object_set_new(ctx, "scope", json_string(p->scopes));
    json_object_set_new(ctx, "role", json_string(p->rs.kind == RS_PRINCIPAL_ADMIN ? "admin" : "customer"));
    return ctx;
}

/* A principal that can read no private row at all (no admin group, no customer id) is denied outright. */
static bool may_enter(const gqld_principal *p)
{
    return rs_principal_reads_private(&p->rs);
}

static json_t *rest_policy(const gqld_auth *auth, const gqld_principal *p, const char *resource)
{
    const char *id = p->sub[0] ? p->sub : p->customer_id;
    return json_pack("{s:s, s:{s:s, s:[{s:s, s:s, s:s}]}, s:o}", "principalId", id, "policyDocument",
                     "Version", "2012-10-17", "Statement", "Action", "execute-api:Invoke", "Effect",
                     may_enter(p) ? "Allow" : "Deny", "Resource", resource, "context", context_of(auth, p));
}

static char *dump(json_t *v)
{
    char *text = v != NULL ? json_dumps(v, JSON_COMPACT) : NULL;
    json_decref(v);
    return text;
}

int gqld_authorizer_handle(gqld_authorizer *a, const char *event_text, size_t len, char **out)
{
    *out = NULL;
    if (len > MAX_EVENT_BYTES)
        return malformed(out, "the event is larger than 1 MiB");
    json_error_t jerr;
    json_t *event = json_loadb(event_text, len, 0, &jerr);
    if (!json_is_object(event)) {
        json_decref(event);
        return malformed(out, "the event is not a JSON object");
    }
    const char *version = json_string_value(json_object_get(event, "version"));
    const char *type = json_string_value(json_object_get(event, "type"));
    const char *arn = json_string_value(json_object_get(event, "methodArn"));
    bool v2 = version != NULL && strcmp(version, "2.0") == 0;
    const char *token = NULL;
    int rc = 0;
    if (v2) {
        const json_t *source = json_array_get(json_object_get(event, "identitySource"), 0);
        token = json_is_string(source) ? json_string_value(source) : event_header(event, "authorization");
    } else if (type != NULL && strcmp(type, "TOKEN") == 0 && arn != NULL) {
        token = json_string_value(json_object_get(event, "authorizationToken"));
    } else if (type != NULL && strcmp(type, "REQUEST") == 0 && arn != NULL) {
        token = event_header(event, "authorization");
    } else {
        json_decref(event);
        return malformed(out, "not an API Gateway authorizer event: expected type TOKEN or REQUEST with a "
                              "methodArn, or version 2.0");
    }
    gqld_principal p;
    const char *why = NULL;
    bool valid = token != NULL && gqld_auth_token(a->auth, token, strlen(token), &p, NULL, &why) == 0;
    if (v2) {
        json_t *answer = valid && may_enter(&p)
                             ? json_pack("{s:b, s:o}", "isAuthorized", 1, "context", context_of(a->auth, &p))
                             : json_pack("{s:b}", "isAuthorized", 0);
        *out = dump(answer);
    } else if (valid) {
        *out = dump(rest_policy(a->auth, &p, arn));
    } else {
        rc = 1; /* API Gateway turns the error "Unauthorized" into 401 */
    }
    json_decref(event);
    if (rc == 0 && *out == NULL)
        return malformed(out, "out of memory");
    return rc;
}
